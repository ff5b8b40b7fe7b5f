//! What every JSON API handler shares: who is calling, answers and errors as JSON, and reading a
//! JSON body with errors that name the field.

use crate::middleware::error_response;
use app::domain::error::AppError;
use app::domain::user::Viewer;
use app::ssr::ctx::CurrentViewer;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// The signed-in caller; a 401 JSON error otherwise.
pub struct ApiUser(pub Viewer);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        parts
            .extensions
            .get::<CurrentViewer>()
            .and_then(|v| v.0.clone())
            .map(ApiUser)
            .ok_or_else(|| error_response(&AppError::Unauthenticated))
    }
}

/// The caller if signed in; guides are readable by visitors too.
pub struct MaybeApiUser(pub Option<Viewer>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeApiUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        Ok(MaybeApiUser(
            parts
                .extensions
                .get::<CurrentViewer>()
                .and_then(|v| v.0.clone()),
        ))
    }
}

/// One page of a list; `next_cursor` gives the next (null on the last page).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Either the value or an [`AppError`] rendered as JSON.
pub struct ApiResult<T>(pub Result<T, AppError>);

impl<T: Serialize> IntoResponse for ApiResult<T> {
    fn into_response(self) -> Response {
        match self.0 {
            Ok(v) => Json(v).into_response(),
            Err(e) => error_response(&e),
        }
    }
}

/// Reads a JSON body. A value of the wrong type is named by where it is (`approval`,
/// `narrow.12`); JSON of the wrong shape altogether is named `body`; text that is not JSON at all
/// is a plain bad request.
pub(crate) fn body<T: serde::de::DeserializeOwned>(b: &[u8]) -> Result<T, AppError> {
    // Read as JSON first, so that only text that is not JSON at all is a plain bad request: a
    // map key of the wrong kind (`"narrow": {"x": …}`) is reported by serde_json as a syntax
    // error while it reads the target type, yet it is a field with a wrong value.
    let value: serde_json::Value = serde_json::from_slice(b).map_err(|e| AppError::BadRequest {
        message: format!("The body is not JSON: {e}"),
    })?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            AppError::invalid(
                "body",
                format!("The body is not the JSON this endpoint takes: {inner}"),
            )
        } else {
            AppError::invalid(&path, format!("This has the wrong type: {inner}"))
        }
    })
}

/// The JSON API answers every error as JSON, also those the router and the body limit make
/// before a handler runs: a method the address does not take (405, with `Allow`) and a body
/// over the limit (413).
pub async fn api_errors_as_json(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    if !api
        || !matches!(
            status,
            StatusCode::METHOD_NOT_ALLOWED | StatusCode::PAYLOAD_TOO_LARGE
        )
    {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let (code, message) = if status == StatusCode::METHOD_NOT_ALLOWED {
        (
            "method_not_allowed",
            "This address does not take that method: see its Allow header, or /openapi.json.",
        )
    } else {
        ("too_large", "The body is over 1 MiB.")
    };
    let body = serde_json::json!({ "error": { "code": code, "message": message, "field": null } });
    let mut out = (status, axum::Json(body)).into_response();
    if let Some(allow) = res.headers().get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// A secret a program presents as `Authorization: Bearer …` (a Prometheus scraper on
/// `/metrics`, the inbound-mail service on `/mail/inbound`), kept as its SHA-256 when one is set.
#[derive(Clone, Default)]
pub struct BearerSecret(pub Option<std::sync::Arc<String>>);

impl BearerSecret {
    pub fn new(secret: Option<&str>) -> Self {
        BearerSecret(
            secret
                .filter(|s| !s.is_empty())
                .map(|s| std::sync::Arc::new(app::ssr::auth::secret_hash(s))),
        )
    }

    pub fn admits(&self, headers: &HeaderMap) -> bool {
        let (Some(want), Some(given)) = (
            self.0.as_deref(),
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                // The scheme's name is case-insensitive (RFC 9110).
                .and_then(|v| {
                    v.get(..7)
                        .filter(|s| s.eq_ignore_ascii_case("bearer "))
                        .map(|_| &v[7..])
                }),
        ) else {
            return false;
        };
        // Compared as hashes: how long the comparison takes says nothing about the secret.
        app::ssr::auth::secret_hash(given.trim()) == *want
    }
}
