//! Cross-cutting HTTP behaviour: who is asking (through trusted proxies), text that may not pass
//! the boundary, cross-site request refusal, sign-in for private pages, status codes for
//! server-function errors, security headers, and one log line per request.

use app::domain::error::AppError;
use app::ssr::auth::secret_hash;
use app::ssr::cache::CachedAuth;
use app::ssr::ctx::{
    page_policy, session_secret_from, ClientIp, CurrentViewer, PageNonce, Transport,
};
use app::ssr::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;
use std::time::Duration;

/// The JSON error body every API client gets: `{"error": {"code", "message", "field"}}`.
pub fn error_response(e: &AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body = serde_json::json!({
        "error": { "code": e.code(), "message": e.to_string(), "field": e.field() }
    });
    // Every field found wrong, when there was more than one.
    let problems = e.problems();
    if problems.len() > 1 {
        body["error"]["fields"] = serde_json::json!(problems);
    }
    let mut res = (status, axum::Json(body)).into_response();
    if let Some(secs) = e.retry_after() {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

/// What the session middleware learnt about a request, left on its response for the layers
/// outside it (security headers).
#[derive(Clone, Copy, Debug, Default)]
pub struct Seen {
    pub https: bool,
    pub signed_in: bool,
}

pub(crate) fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Works out the client's address and transport (through trusted proxies) and resolves the
/// session cookie or bearer token into the person asking, for everything below. Tokens open the
/// JSON API only, within their scopes. A session seen within the last second is not looked up
/// again (see `app::ssr::cache`).
pub async fn session(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let (bucket, https) = match peer {
        Some(ip) => (
            app::ssr::net::bucket(st.proxies.client(ip, req.headers())),
            st.https || st.proxies.forwarded_https(ip, req.headers()),
        ),
        None => ("unknown".to_string(), st.https),
    };
    let api = req.uri().path().starts_with("/api/");
    // A scraper's bearer secret on /metrics and the mail service's on /mail/inbound are not API
    // tokens (their handlers check them), and a client that sends its token along for the public
    // /openapi.json is not refused for it.
    let own_bearer = [crate::METRICS, crate::OPENAPI, crate::INBOUND_MAIL]
        .contains(&req.uri().path())
        && req.headers().contains_key(header::AUTHORIZATION);
    let viewer = if own_bearer {
        None
    } else {
        match resolve_viewer(&st, req.headers(), req.method(), api, https).await {
            Ok(v) => v,
            Err(e) => return error_response(&e),
        }
    };
    let seen = Seen {
        https,
        signed_in: viewer.is_some(),
    };
    req.extensions_mut().insert(CurrentViewer(viewer));
    req.extensions_mut().insert(ClientIp(bucket));
    req.extensions_mut().insert(Transport { https });
    let mut res = next.run(req).await;
    res.extensions_mut().insert(seen);
    res
}

async fn resolve_viewer(
    st: &AppState,
    headers: &HeaderMap,
    method: &Method,
    api: bool,
    https: bool,
) -> Result<Option<app::domain::user::Viewer>, AppError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    if bearer.is_some() && !api {
        // A token is for programs calling the API; pages and server functions are for people.
        return Err(AppError::Unauthenticated);
    }
    // Tokens and session secrets are remembered apart, by the hash of the secret only.
    let key = match (&bearer, session_secret_from(headers, https)) {
        (Some(token), _) => format!("t{}", secret_hash(token)),
        (None, Some(secret)) => format!("s{}", secret_hash(&secret)),
        (None, None) => return Ok(None),
    };
    let auth = match st.cache.session(&key) {
        Some(a) => a,
        None => {
            let generation = st.cache.generation();
            let (user_id, can_write) = if bearer.is_some() {
                match st.db.api_token_user(&key[1..]).await? {
                    Some((id, scopes)) => {
                        (Some(id), scopes.split_whitespace().any(|s| s == "write"))
                    }
                    None => return Err(AppError::Unauthenticated),
                }
            } else {
                (st.db.session_user(&key[1..]).await?, true)
            };
            let viewer = match user_id {
                Some(id) => st.db.viewer(id).await?,
                None => None,
            };
            let Some(viewer) = viewer else {
                return if bearer.is_some() {
                    Err(AppError::Unauthenticated)
                } else {
                    Ok(None)
                };
            };
            let auth = CachedAuth { viewer, can_write };
            st.cache.remember_session(&key, &auth, generation);
            auth
        }
    };
    if !auth.can_write && !is_read(method) {
        return Err(AppError::Forbidden);
    }
    Ok(Some(auth.viewer))
}

/// Text with control characters never gets past the boundary (Postgres cannot even store NUL):
/// the query string and form or JSON bodies are checked before any handler runs, and the answer
/// names the field. A form posted without JavaScript goes back to its page with the message, as
/// a server function's own errors do.
pub async fn refuse_control_characters(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    if let Some(e) = parts
        .uri
        .query()
        .and_then(|q| urlencoded_problem(q.as_bytes()))
    {
        return refusal(&parts, e);
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    let json = content_type.starts_with("application/json");
    if is_read(&parts.method) || !(form || json) {
        return next.run(Request::from_parts(parts, body)).await;
    }
    // The body limit outside has already refused anything over 1 MiB.
    let bytes = match axum::body::to_bytes(body, 2 * 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return error_response(&AppError::BadRequest {
                message: "The request body could not be read.".into(),
            })
        }
    };
    let problem = if form {
        urlencoded_problem(&bytes)
    } else {
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| json_problem(&v, "body"))
    };
    if let Some(e) = problem {
        return refusal(&parts, e);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The first field of an `application/x-www-form-urlencoded` text that holds a forbidden
/// character, as a field error. Form fields named `fields[title]` are named `title`, as the
/// forms' own messages name them.
fn urlencoded_problem(raw: &[u8]) -> Option<AppError> {
    use app::domain::text::{forbidden_char, forbidden_error};
    // How each name was sent: alone (`key`), with numbers (`weekdays[0]`) or with words
    // (`fields[title]`). A name sent in two of these shapes cannot be read at all; name it here,
    // since the reader further on can only say that something was wrong.
    let mut shapes: std::collections::BTreeMap<String, u8> = Default::default();
    for (k, _) in form_urlencoded::parse(raw) {
        let (base, shape) = match k.split_once('[') {
            None => (k.as_ref(), 1),
            Some((base, rest)) => {
                let first = rest.split(']').next().unwrap_or("");
                (
                    base,
                    if first.bytes().all(|b| b.is_ascii_digit()) {
                        2
                    } else {
                        4
                    },
                )
            }
        };
        let seen = shapes.entry(base.to_string()).or_default();
        *seen |= shape;
        if seen.count_ones() > 1 {
            return Some(AppError::invalid(
                base,
                "This was sent in two shapes at once; send it as the form does.",
            ));
        }
    }
    for (k, v) in form_urlencoded::parse(raw) {
        let field = k
            .strip_prefix("fields[")
            .and_then(|f| f.strip_suffix(']'))
            .unwrap_or(&k)
            .to_string();
        if let Some(c) = forbidden_char(&k).or_else(|| forbidden_char(&v)) {
            return Some(forbidden_error(&field, c));
        }
    }
    None
}

fn json_problem(v: &serde_json::Value, at: &str) -> Option<AppError> {
    use app::domain::text::{forbidden_char, forbidden_error};
    use serde_json::Value as J;
    match v {
        J::String(s) => forbidden_char(s).map(|c| forbidden_error(at, c)),
        J::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            // A list of objects becomes numbered fields (`system_0`), as in `api::flatten`.
            if item.is_object() {
                item.as_object()?.iter().find_map(|(k, v)| {
                    let name = format!("{k}_{i}");
                    forbidden_char(k)
                        .map(|c| forbidden_error(&name, c))
                        .or_else(|| json_problem(v, &name))
                })
            } else {
                json_problem(item, at)
            }
        }),
        J::Object(map) => map.iter().find_map(|(k, v)| {
            forbidden_char(k)
                .map(|c| forbidden_error(k, c))
                .or_else(|| json_problem(v, k))
        }),
        _ => None,
    }
}

fn refusal(parts: &axum::http::request::Parts, e: AppError) -> Response {
    let path = parts.uri.path();
    let accepts_html = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if path.starts_with("/fn/") && accepts_html && !is_read(&parts.method) {
        // What a server function does with its own errors for a form posted without JavaScript.
        let referer = parts
            .headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("/");
        if let Ok(url) =
            leptos::server_fn::error::ServerFnUrlError::new(path, e.clone()).to_url(referer)
        {
            // 302, as server functions answer a form.
            return (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response();
        }
    }
    if path.starts_with("/fn/") {
        let body = serde_json::to_string(&e).unwrap_or_default();
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    if path.starts_with("/api/") || !is_read(&parts.method) {
        return error_response(&e);
    }
    // A page address with such a character came from a broken link or a probe, not a person.
    let message = app::domain::text::escape_html(&format!(
        "The address has a problem in \u{201c}{}\u{201d}: {e}",
        e.field().unwrap_or("")
    ));
    (
        StatusCode::BAD_REQUEST,
        axum::response::Html(format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bad address · Tierdesk</title>\
             <link rel=\"stylesheet\" href=\"/pkg/tierdesk.css\"></head><body><main class=\"page\">\
             <h1>This address cannot be opened</h1><p>{message}</p><p><a href=\"/\">Go to the start page</a></p>\
             </main></body></html>"
        )),
    )
        .into_response()
}

/// Refuses state-changing requests that a browser sent from another site, using the headers
/// browsers set and pages cannot forge (`Sec-Fetch-Site`, then `Origin`). Clients that are not
/// browsers send neither and carry no ambient cookies worth forging, so they pass.
pub async fn csrf(req: Request, next: Next) -> Response {
    if is_read(req.method()) {
        return next.run(req).await;
    }
    if !same_origin(req.headers()) {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        return error_response(&AppError::Forbidden);
    }
    next.run(req).await
}

fn same_origin(h: &HeaderMap) -> bool {
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
        if let Some(secs) = err.retry_after() {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// What every answer carries. HTML gets the page policy with a nonce made here for this request
/// (the page gives it to Leptos for its scripts); everything else a policy that allows nothing.
/// Over https browsers are told to stay there; whatever was answered to someone signed in is
/// never stored by a browser or a proxy.
pub async fn security_headers(
    State(st): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = PageNonce::new();
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.run(req).await;
    let seen = res.extensions().get::<Seen>().copied().unwrap_or(Seen {
        https: st.https,
        signed_in: false,
    });
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    let html = h
        .get(header::CONTENT_TYPE)
        .is_some_and(|c| c.as_bytes().starts_with(b"text/html"));
    let policy = if html {
        HeaderValue::from_str(&page_policy(&nonce)).ok()
    } else {
        None
    };
    // A handler's own policy stays (a stored file's sandbox).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) || html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            policy.unwrap_or(HeaderValue::from_static(
                "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            )),
        );
    }
    if seen.https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    // What a signed-in person sees is theirs alone; the build's files say their own.
    if seen.signed_in && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_json_name_the_field_with_a_control_character() {
        let e = urlencoded_problem(b"key=REQ-1&fields%5Btitle%5D=a%00b").unwrap();
        assert_eq!(e.field(), Some("title"));
        let e = urlencoded_problem(b"narrow%5B1%5D=a&narrow%5Bx%5D=b").unwrap();
        assert_eq!(e.field(), Some("narrow"));
        let e = urlencoded_problem(b"key=a&key%5B%5D=b").unwrap();
        assert_eq!(e.field(), Some("key"));
        assert!(urlencoded_problem(b"weekdays%5B0%5D=on&weekdays%5B4%5D=on&start=1").is_none());
        assert!(urlencoded_problem(b"body=line%0Abreak%09tab").is_none());
        let v = serde_json::json!({"kind": "access", "systems": [{"system": "Slack", "role": "a\u{0}"}]});
        assert_eq!(json_problem(&v, "").unwrap().field(), Some("role_0"));
        let v = serde_json::json!({"people": ["ok@x.com", "b\u{7}@x.com"]});
        assert_eq!(json_problem(&v, "").unwrap().field(), Some("people"));
        assert!(json_problem(&serde_json::json!({"body": "fine\n"}), "").is_none());
    }
}
