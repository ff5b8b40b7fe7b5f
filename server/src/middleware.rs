//! Cross-cutting HTTP behaviour: who is asking, cross-site request refusal, sign-in for private
//! pages, status codes for server-function errors, security headers, and one log line per request.

use app::domain::error::AppError;
use app::ssr::auth::secret_hash;
use app::ssr::cache::{CachedResponse, ResponseKey};
use app::ssr::ctx::{session_secret_from, ClientIp, CurrentViewer};
use app::ssr::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;
use std::time::Duration;

/// The JSON error body every API client gets: `{"error": {"code", "message", "field"}}`.
pub fn error_response(e: &AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({
        "error": { "code": e.code(), "message": e.to_string(), "field": e.field() }
    });
    (status, axum::Json(body)).into_response()
}

/// Resolves the session cookie or bearer token into the person asking, for everything below.
/// A session seen within the last second is not looked up again (see `app::ssr::cache`).
pub async fn session(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let viewer = match resolve_viewer(&st, req.headers()).await {
        Ok(v) => v,
        Err(e) => return error_response(&e),
    };
    req.extensions_mut().insert(CurrentViewer(viewer));
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

async fn resolve_viewer(
    st: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<Option<app::domain::user::Viewer>, AppError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    // Tokens and session secrets are remembered apart, by the hash of the secret only.
    let key = match (&bearer, session_secret_from(headers)) {
        (Some(token), _) => format!("t{}", secret_hash(token)),
        (None, Some(secret)) => format!("s{}", secret_hash(&secret)),
        (None, None) => return Ok(None),
    };
    if let Some(v) = st.cache.session(&key) {
        return Ok(Some(v));
    }
    let generation = st.cache.generation();
    let user_id = if bearer.is_some() {
        match st.db.api_token_user(&key[1..]).await? {
            Some(id) => Some(id),
            None => return Err(AppError::Unauthenticated),
        }
    } else {
        st.db.session_user(&key[1..]).await?
    };
    let viewer = match user_id {
        Some(id) => st.db.viewer(id).await?,
        None => None,
    };
    if let Some(v) = &viewer {
        st.cache.remember_session(&key, v, generation);
    }
    Ok(viewer)
}

/// Answers a signed-in person's repeated read of a read-only server function (`GET /fn/…`) from
/// the read cache, and ends every state-changing request by invalidating that cache, so that
/// nothing read before a change is served after it.
pub async fn read_cache(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    if !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let res = next.run(req).await;
        st.cache.invalidate();
        return res;
    }
    let user_id = req
        .extensions()
        .get::<CurrentViewer>()
        .and_then(|v| v.0.as_ref().map(|v| v.id));
    let read_fn = method == Method::GET && req.uri().path().starts_with("/fn/");
    let (Some(user_id), true) = (user_id, read_fn) else {
        return next.run(req).await;
    };
    let key = ResponseKey {
        user_id,
        uri: req.uri().to_string(),
    };
    if let Some(hit) = st.cache.response(&key) {
        let mut res = Response::new(Body::from(hit.body));
        *res.status_mut() = hit.status;
        *res.headers_mut() = hit.headers;
        return res;
    }
    let generation = st.cache.generation();
    let res = next.run(req).await;
    let small = axum::body::HttpBody::size_hint(res.body())
        .exact()
        .is_some_and(|n| n <= CACHED_BODY_MAX as u64);
    if res.status() != StatusCode::OK
        || res.headers().contains_key(header::SET_COOKIE)
        || !small
        || !st.cache.enabled()
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, CACHED_BODY_MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(path = %key.uri, error = %e, "a read-only answer could not be read");
            return error_response(&AppError::Internal);
        }
    };
    st.cache.remember_response(
        key,
        CachedResponse {
            status: parts.status,
            headers: parts.headers.clone(),
            body: bytes.clone(),
        },
        generation,
    );
    Response::from_parts(parts, Body::from(bytes))
}

/// The largest answer the read cache keeps (a dashboard is about 30 KiB).
const CACHED_BODY_MAX: usize = 4 * 1024 * 1024;

/// Refuses state-changing requests that a browser sent from another site, using the headers
/// browsers set and pages cannot forge (`Sec-Fetch-Site`, then `Origin`). Clients that are not
/// browsers send neither and carry no ambient cookies worth forging, so they pass.
pub async fn csrf(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if !same_origin(req.headers()) {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        return error_response(&AppError::Forbidden);
    }
    next.run(req).await
}

fn same_origin(h: &axum::http::HeaderMap) -> bool {
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = h
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
            !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
        }
    }
}

/// Private pages send visitors to sign in first, remembering where they were going.
pub async fn protect_pages(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let private = [
        "/requests",
        "/request",
        "/queue",
        "/systems",
        "/admin",
        "/approvals",
        "/people",
    ]
    .iter()
    .any(|p| path == *p || path.starts_with(&format!("{p}/")));
    let signed_in = req
        .extensions()
        .get::<CurrentViewer>()
        .is_some_and(|v| v.0.is_some());
    if req.method() == Method::GET && private && !signed_in {
        let next = app::session::safe_next(Some(path));
        return Redirect::to(&format!("/sign-in?next={next}")).into_response();
    }
    next.run(req).await
}

/// Server functions answer errors with status 500 whatever went wrong; give them the status
/// their [`AppError`] says, so that bad input is a 4xx and only our own faults are 5xx.
pub async fn server_fn_status(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/fn/") {
        return next.run(req).await;
    }
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
        ),
    );
    res
}

/// One log line per request: method, path (never the query, which may carry secrets), status,
/// latency.
pub fn log_response(res: &Response<Body>, latency: Duration, _span: &tracing::Span) {
    tracing::info!(
        status = res.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "request"
    );
}

pub fn request_span(req: &Request<Body>) -> tracing::Span {
    tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
}
