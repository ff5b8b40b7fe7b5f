//! The JSON API's description, served at `/openapi.json`. It is generated from the code: each
//! handler's `#[utoipa::path]` (method, path, parameters, body, answers) and the types it reads
//! and writes (`ToSchema`, derived on the same structs serde sends). The router of `/api/v1` is
//! built from the same annotations (`utoipa_axum::routes!`), so a route cannot be served without
//! being described, nor described without being served.

use app::domain::error::FieldProblem;
use serde::Serialize;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, ResponseBuilder};
use utoipa::{Modify, ToSchema};

/// Where the API lives.
pub const PREFIX: &str = "/api/v1";

/// The document's fixed part; the paths and schemas come from the router.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Tierdesk API",
        description = "Everything a person can do in the portal, for programs. Authenticate with \
            `Authorization: Bearer <token>` (`tierdesk token create`; a `read` token may only \
            GET) or the session cookie of a signed-in browser. Every check and every message is \
            the one the pages give. Errors are `{\"error\": {\"code\", \"message\", \"field\"}}`; \
            `field` names the input at fault, and `fields` lists every one when there are more."
    ),
    tags(
        (name = "requests", description = "Requests: submit, read, reply, move, approve, tasks, after the work."),
        (name = "queue", description = "The analysts' queue: filters and sort, assignment, batch changes, macros."),
        (name = "tracker", description = "Tier 3: engineering issues, their board, escalations, templates."),
        (name = "automation", description = "Tier 4: rules, the outbox's dead letters, and e-mail choices."),
        (name = "guides", description = "Tier 1: self-service guides (readable without signing in)."),
        (name = "systems", description = "The tech-stack registry."),
    ),
    components(schemas(ErrorBody))
)]
pub struct ApiDoc;

/// The body of every error answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable.
    pub code: ErrorCode,
    /// For people: safe to show as it is.
    pub message: String,
    /// The input at fault (`title`, `narrow.12`, `query`), when one is.
    pub field: Option<String>,
    /// Every input found wrong, when there is more than one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldProblem>>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Invalid,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    TooManyRequests,
    BadRequest,
    Busy,
    Internal,
    /// The address does not take that method (405).
    MethodNotAllowed,
    /// The body is over the limit (413).
    TooLarge,
}

/// What any operation may answer besides its own success, and why.
const ERRORS: &[(&str, &str)] = &[
    ("400", "The body is not JSON, or the query cannot be read."),
    (
        "401",
        "Not signed in, or the token is unknown, revoked or expired.",
    ),
    (
        "403",
        "Signed in, but not allowed to do this (or a read token tried to write).",
    ),
    ("404", "No such thing, or one the caller may not see."),
    (
        "409",
        "Not possible in the current state (an illegal move).",
    ),
    ("413", "The body is over 1 MiB."),
    ("422", "An input is wrong; `field` names it."),
    (
        "429",
        "Too many attempts; `Retry-After` says when to try again.",
    ),
    ("503", "Busy; `Retry-After` says when to try again."),
];

/// The conventions every operation shares, applied once the router has added the paths: how to
/// authenticate, and the error answers.
pub struct Conventions;

impl Modify for Conventions {
    fn modify(&self, api: &mut OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from `tierdesk token create`."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                app::ssr::ctx::SESSION_COOKIE,
                "The session of a signed-in browser (`__Host-tierdesk_session` over https).",
            ))),
        );
        let error = ResponseBuilder::new()
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                    .build(),
            )
            .build();
        for item in api.paths.paths.values_mut() {
            let ops: [&mut Option<Operation>; 5] = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                for (status, why) in ERRORS {
                    if !op.responses.responses.contains_key(*status) {
                        let mut r = error.clone();
                        r.description = (*why).to_string();
                        op.responses.responses.insert(status.to_string(), r.into());
                    }
                }
                // Who may call it: anyone with a token or a session, unless the operation says
                // otherwise (guides are public).
                if op.security.is_none() {
                    op.security = Some(vec![
                        utoipa::openapi::security::SecurityRequirement::new(
                            "token",
                            Vec::<String>::new(),
                        ),
                        utoipa::openapi::security::SecurityRequirement::new(
                            "session",
                            Vec::<String>::new(),
                        ),
                    ]);
                }
            }
        }
    }
}

/// Every operation as `(method, path)`, from the description: the authorization matrix test
/// reads this list, so an undescribed route cannot escape it.
pub fn operations(api: &OpenApi) -> Vec<(axum::http::Method, String)> {
    use axum::http::Method;
    let mut out = Vec::new();
    for (path, item) in &api.paths.paths {
        for (method, op) in [
            (Method::GET, &item.get),
            (Method::POST, &item.post),
            (Method::PUT, &item.put),
            (Method::PATCH, &item.patch),
            (Method::DELETE, &item.delete),
        ] {
            if op.is_some() {
                out.push((method, path.clone()));
            }
        }
    }
    out
}
