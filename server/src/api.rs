//! The JSON API under `/api/v1`, authenticated by `Authorization: Bearer` or the session cookie.
//! Handlers parse, call the same services as the pages, and answer errors as JSON.

use crate::api_after as after;
use crate::api_automation as automation;
use crate::api_parts::body;
pub use crate::api_parts::{ApiResult, ApiUser, MaybeApiUser, Page};
use crate::api_queue as queue;
use crate::api_tracker as tracker;
use crate::middleware::error_response;
use crate::openapi::{self, PREFIX};
use app::domain::error::AppError;
use app::model::{RequestDetail, RequestSummary};
use app::ssr::attachments::Carried;
use app::ssr::{service, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route of the API, once, from the handlers' own descriptions: the router and
/// `/openapi.json` are both built from this, and the authorization matrix test reads the
/// description, so a route cannot be added without the test knowing.
fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_requests, create_request))
        .routes(routes!(show_request))
        .routes(routes!(add_comment))
        .routes(routes!(add_transition))
        .routes(routes!(decide_approval))
        .routes(routes!(close_task))
        .routes(routes!(after::reopen))
        .routes(routes!(after::rate))
        .routes(routes!(after::add_participant))
        .routes(routes!(after::remove_participant))
        .routes(routes!(add_identity_check))
        .routes(routes!(queue::assign))
        .routes(routes!(queue::apply_macro))
        .routes(routes!(queue::list_queue))
        .routes(routes!(queue::batch))
        .routes(routes!(queue::list_macros, queue::create_macro))
        .routes(routes!(queue::delete_macro))
        .routes(routes!(tracker::escalate))
        .routes(routes!(tracker::list_issues, tracker::create_issue))
        .routes(routes!(tracker::board))
        .routes(routes!(tracker::show_issue, tracker::edit_issue))
        .routes(routes!(tracker::comment))
        .routes(routes!(tracker::transition))
        .routes(routes!(tracker::set_labels))
        .routes(routes!(tracker::set_assignees))
        .routes(routes!(tracker::list_templates, tracker::create_template))
        .routes(routes!(tracker::update_template, tracker::delete_template))
        .routes(routes!(automation::list_rules, automation::create_rule))
        .routes(routes!(automation::update_rule, automation::delete_rule))
        .routes(routes!(automation::move_rule))
        .routes(routes!(automation::try_rule))
        .routes(routes!(automation::dead_letters))
        .routes(routes!(automation::retry_dead_letter))
        .routes(routes!(
            automation::email_prefs,
            automation::set_email_prefs
        ))
        .routes(routes!(list_guides))
        .routes(routes!(show_guide))
        .routes(routes!(list_systems))
        .routes(routes!(show_system))
        .fallback(|| async { error_response(&AppError::not_found("That API endpoint")) })
}

/// The API's router (under [`PREFIX`]) and its description.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut spec) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .nest(PREFIX, api_router())
        .split_for_parts();
    openapi::Conventions.modify(&mut spec);
    (router, spec)
}

/// The API's routes as `(method, path under /api/v1)`.
pub fn route_list() -> Vec<(Method, String)> {
    openapi::operations(&routes().1)
        .into_iter()
        .map(|(m, p)| (m, p.trim_start_matches(PREFIX).to_string()))
        .collect()
}

pub async fn readyz(State(st): State<AppState>) -> Response {
    match st.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/requests", tag = "requests",
    params(ListQuery),
    responses((status = 200, description = "Newest first, 50 a page: the caller's own requests, or every request for those who work the queue.", body = Page<RequestSummary>)))]
async fn list_requests(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Page<RequestSummary>> {
    ApiResult(
        async {
            let Query(q) = q.map_err(|e| AppError::invalid("query", e.body_text()))?;
            let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
                None => None,
                Some(c) => Some(c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    AppError::invalid("cursor", "This cursor is not one the API gave out.")
                })?),
            };
            let items = service::list_requests(&st, &v, before).await?;
            let next_cursor = (items.len() as i64 == service::PAGE_SIZE)
                .then(|| {
                    items
                        .last()
                        .and_then(|r| r.key.parse::<app::domain::request::RequestKey>().ok())
                })
                .flatten()
                .map(|k| k.number().to_string());
            Ok(Page { items, next_cursor })
        }
        .await,
    )
}

/// Turns a JSON request body into the names the forms use: text, numbers and booleans as they
/// are (`true` → `yes`), a list of text one item per line, and a list of objects into numbered
/// names (`"systems": [{"system": "Slack"}]` → `system_0`). One parser then checks both.
fn flatten(body: serde_json::Value) -> Result<(String, app::domain::form::Input), AppError> {
    use serde_json::Value as J;
    let J::Object(map) = body else {
        return Err(AppError::invalid("body", "The body must be a JSON object."));
    };
    let scalar = |field: &str, v: &J| -> Result<Option<String>, AppError> {
        Ok(match v {
            J::Null => None,
            J::String(s) => Some(s.clone()),
            J::Bool(b) => Some(if *b { "yes" } else { "no" }.to_string()),
            J::Number(n) => Some(n.to_string()),
            _ => {
                return Err(AppError::invalid(
                    field,
                    "Expected text, a number or true/false.",
                ))
            }
        })
    };
    let mut kind = String::new();
    let mut out = app::domain::form::Input::new();
    for (k, v) in map {
        match (k.as_str(), v) {
            ("kind", v) => kind = scalar("kind", &v)?.unwrap_or_default(),
            (_, J::Array(items)) => {
                if items.iter().all(|i| i.is_object()) {
                    for (i, item) in items.iter().enumerate() {
                        for (ik, iv) in item.as_object().into_iter().flatten() {
                            if let Some(s) = scalar(&format!("{ik}_{i}"), iv)? {
                                out.insert(format!("{ik}_{i}"), s);
                            }
                        }
                    }
                } else {
                    let mut lines = Vec::new();
                    for item in &items {
                        lines.extend(scalar(&k, item)?);
                    }
                    out.insert(k, lines.join("\n"));
                }
            }
            (_, v) => {
                if let Some(s) = scalar(&k, &v)? {
                    out.insert(k, s);
                }
            }
        }
    }
    Ok((kind, out))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    key: String,
}

#[utoipa::path(post, path = "/requests", tag = "requests",
    request_body(content = Object, description = "`kind` (a request kind's slug) and the kind's own fields by name, as the form has them: text, numbers, `true`/`false`, a list of text (one item per line), or a list of objects for repeated groups (`\"systems\": [{\"system\": \"Slack\"}]`). `GET /catalog` on the portal shows each kind's fields.", content_type = "application/json"),
    responses((status = 201, description = "Submitted.", body = Created)))]
async fn create_request(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    b: axum::body::Bytes,
) -> Response {
    let result = async {
        let (kind, input) = flatten(body::<serde_json::Value>(&b)?)?;
        service::submit_request(&st, &v, &kind, &input, Carried::default()).await
    }
    .await;
    match result {
        Ok(key) => (
            StatusCode::CREATED,
            Json(Created {
                key: key.to_string(),
            }),
        )
            .into_response(),
        Err(e) => error_response(&e),
    }
}

#[utoipa::path(get, path = "/requests/{key}", tag = "requests",
    params(("key" = String, Path, description = "The request's key, `REQ-12`.", example = "REQ-1")),
    responses((status = 200, description = "The request as the caller may see it: requesters never get internal notes.", body = RequestDetail)))]
async fn show_request(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
) -> ApiResult<RequestDetail> {
    ApiResult(service::request_detail(&st, &v, &key).await)
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct CommentBody {
    #[schema(example = "Could you try signing out and in again?")]
    body: Option<String>,
    #[schema(example = false)]
    internal: Option<bool>,
}

#[utoipa::path(post, path = "/requests/{key}/comments", tag = "requests",
    params(("key" = String, Path, description = "The request's key, `REQ-12`.", example = "REQ-1")), request_body = CommentBody,
    responses((status = 201, description = "Added; the request as it is now.", body = RequestDetail)))]
async fn add_comment(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> Response {
    let result = async {
        let b: CommentBody = body(&b)?;
        service::comment(
            &st,
            &v,
            &key,
            b.body.as_deref().unwrap_or(""),
            b.internal.unwrap_or(false),
            Carried::default(),
        )
        .await?;
        service::request_detail(&st, &v, &key).await
    }
    .await;
    match result {
        Ok(detail) => (StatusCode::CREATED, Json(detail)).into_response(),
        Err(e) => error_response(&e),
    }
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct TransitionBody {
    #[schema(example = "in-progress")]
    to: Option<String>,
    /// A reply to the requester with the move; required to resolve.
    reply: Option<String>,
}

#[utoipa::path(post, path = "/requests/{key}/transitions", tag = "requests",
    params(("key" = String, Path, description = "The request's key, `REQ-12`.", example = "REQ-1")), request_body = TransitionBody,
    responses((status = 200, description = "Moved; the request as it is now.", body = RequestDetail)))]
async fn add_transition(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<RequestDetail> {
    ApiResult(
        async {
            let b: TransitionBody = body(&b)?;
            service::transition(
                &st,
                &v,
                &key,
                b.to.as_deref().unwrap_or(""),
                b.reply.as_deref().unwrap_or(""),
            )
            .await?;
            service::request_detail(&st, &v, &key).await
        }
        .await,
    )
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct GuideQuery {
    q: String,
    category: String,
    cursor: String,
}

#[utoipa::path(get, path = "/guides", tag = "guides",
    params(GuideQuery), security((), ("token" = []), ("session" = [])),
    responses((status = 200, description = "Guides the caller may read; runbooks only for staff.", body = Page<app::model::guides::GuideHit>)))]
async fn list_guides(
    State(st): State<AppState>,
    MaybeApiUser(v): MaybeApiUser,
    q: Result<Query<GuideQuery>, QueryRejection>,
) -> ApiResult<Page<app::model::guides::GuideHit>> {
    ApiResult(
        async {
            let Query(q) = q.map_err(|e| AppError::invalid("query", e.body_text()))?;
            let (items, next_cursor) =
                app::ssr::guides::api_list(&st, v.as_ref(), &q.q, &q.category, &q.cursor).await?;
            Ok(Page { items, next_cursor })
        }
        .await,
    )
}

#[utoipa::path(get, path = "/guides/{slug}", tag = "guides",
    params(("slug" = String, Path, description = "The guide's slug.", example = "reset-your-password")), security((), ("token" = []), ("session" = [])),
    responses((status = 200, description = "The guide, its Markdown rendered and sanitized.", body = app::model::guides::GuideView)))]
async fn show_guide(
    State(st): State<AppState>,
    MaybeApiUser(v): MaybeApiUser,
    Path(slug): Path<String>,
) -> ApiResult<app::model::guides::GuideView> {
    ApiResult(app::ssr::guides::read(&st, v.as_ref(), &slug).await)
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SystemQuery {
    q: String,
    classification: String,
    tier: String,
    baseline: String,
    compliance: String,
    group: String,
    sort: String,
    cursor: String,
}

/// Systems for anyone signed in, filtered as on the page; the cursor is opaque to clients.
#[utoipa::path(get, path = "/systems", tag = "systems",
    params(SystemQuery),
    responses((status = 200, description = "Registry systems, filtered and sorted as on the page.", body = Page<app::model::systems::SystemSummary>)))]
async fn list_systems(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    q: Result<Query<SystemQuery>, QueryRejection>,
) -> ApiResult<Page<app::model::systems::SystemSummary>> {
    ApiResult(
        async {
            let Query(q) = q.map_err(|e| AppError::invalid("query", e.body_text()))?;
            let offset = match q.cursor.as_str() {
                "" => 0,
                c => c
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (0..1_000_000).contains(n))
                    .ok_or_else(|| {
                        AppError::invalid("cursor", "This cursor is not one the API gave out.")
                    })?,
            };
            let query = app::model::systems::SystemsQuery {
                q: q.q,
                classification: q.classification,
                tier: q.tier,
                baseline: q.baseline,
                compliance: q.compliance,
                group: q.group,
                sort: q.sort,
                page: String::new(),
            };
            let (items, more) = app::ssr::systems::api_list(&st, &v, &query, offset).await?;
            let next_cursor = more.then(|| (offset + items.len() as i64).to_string());
            Ok(Page { items, next_cursor })
        }
        .await,
    )
}

#[utoipa::path(get, path = "/systems/{slug}", tag = "systems",
    params(("slug" = String, Path, description = "The system's slug.", example = "slack")),
    responses((status = 200, description = "One system of the registry.", body = app::model::systems::SystemView)))]
async fn show_system(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(slug): Path<String>,
) -> ApiResult<app::model::systems::SystemView> {
    ApiResult(app::ssr::systems::read(&st, Some(&v), &slug).await)
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct DecisionBody {
    #[schema(example = 1)]
    approval: Option<i64>,
    #[schema(example = "approve")]
    decision: Option<String>,
    note: Option<String>,
    /// Line id → the narrower role to approve instead.
    narrow: std::collections::BTreeMap<i64, String>,
}

#[utoipa::path(post, path = "/requests/{key}/approvals", tag = "requests",
    params(("key" = String, Path, description = "The request's key, `REQ-12`.", example = "REQ-1")), request_body = DecisionBody,
    responses((status = 200, description = "Decided; the request as it is now.", body = RequestDetail)))]
async fn decide_approval(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<RequestDetail> {
    ApiResult(
        async {
            let b: DecisionBody = body(&b)?;
            let approval = b
                .approval
                .ok_or_else(|| AppError::invalid("approval", "Give the approval's id."))?;
            app::ssr::approvals::decide(
                &st,
                &v,
                &key,
                approval,
                b.decision.as_deref().unwrap_or(""),
                b.note.as_deref().unwrap_or(""),
                &b.narrow,
            )
            .await?;
            service::request_detail(&st, &v, &key).await
        }
        .await,
    )
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct TaskBody {
    #[schema(example = "done")]
    outcome: Option<String>,
    note: Option<String>,
    /// With the last open task: the resolution reply, which resolves the request.
    reply: Option<String>,
}

#[utoipa::path(post, path = "/requests/{key}/tasks/{id}", tag = "requests",
    params(("key" = String, Path, description = "The request's key, `REQ-12`.", example = "REQ-1"), ("id" = i64, Path, description = "The task's id.", example = 1)), request_body = TaskBody,
    responses((status = 200, description = "Closed; the request as it is now.", body = RequestDetail)))]
async fn close_task(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path((key, id)): Path<(String, String)>,
    b: axum::body::Bytes,
) -> ApiResult<RequestDetail> {
    ApiResult(
        async {
            let b: TaskBody = body(&b)?;
            let id: i64 = id.parse().map_err(|_| AppError::not_found("That task"))?;
            app::ssr::tasks::close_task(
                &st,
                &v,
                &key,
                id,
                b.outcome.as_deref().unwrap_or(""),
                b.note.as_deref().unwrap_or(""),
                b.reply.as_deref().unwrap_or(""),
            )
            .await?;
            service::request_detail(&st, &v, &key).await
        }
        .await,
    )
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct IdentityBody {
    #[schema(example = "video-call")]
    method: Option<String>,
    note: Option<String>,
}

#[utoipa::path(post, path = "/requests/{key}/identity-checks", tag = "requests",
    params(("key" = String, Path, description = "The request's key, `REQ-12`.", example = "REQ-1")), request_body = IdentityBody,
    responses((status = 200, description = "Recorded; the request as it is now.", body = RequestDetail)))]
async fn add_identity_check(
    State(st): State<AppState>,
    ApiUser(v): ApiUser,
    Path(key): Path<String>,
    b: axum::body::Bytes,
) -> ApiResult<RequestDetail> {
    ApiResult(
        async {
            let b: IdentityBody = body(&b)?;
            app::ssr::tasks::record_identity_check(
                &st,
                &v,
                &key,
                b.method.as_deref().unwrap_or(""),
                b.note.as_deref().unwrap_or(""),
            )
            .await?;
            service::request_detail(&st, &v, &key).await
        }
        .await,
    )
}
