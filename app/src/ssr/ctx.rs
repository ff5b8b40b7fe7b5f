//! What a server function or page needs from the request it runs in: the state, who is asking,
//! and a way to set cookies.

use super::cache::ReadCache;
use super::store::Db;
use crate::domain::error::AppError;
use crate::domain::user::Viewer;
use axum::http::request::Parts;
use leptos::prelude::use_context;

/// Shared by every handler; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    /// Cookies get `Secure` when the portal is served over https.
    pub secure_cookies: bool,
    /// Recent sessions and read-only answers (see [`ReadCache`]).
    pub cache: std::sync::Arc<ReadCache>,
}

impl AppState {
    /// The state of a server on `db`, with the read cache `TIERDESK_READ_CACHE_MS` asks for.
    pub fn new(db: Db, secure_cookies: bool) -> Self {
        AppState {
            db,
            secure_cookies,
            cache: std::sync::Arc::new(ReadCache::from_env()),
        }
    }
}

/// Put into each request's extensions by the server's session middleware.
#[derive(Clone, Debug, Default)]
pub struct CurrentViewer(pub Option<Viewer>);

/// The client's address as the session middleware saw it, for throttling.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

pub const SESSION_COOKIE: &str = "tierdesk_session";
/// Twelve hours: a working day plus slack; staff sign in again each day.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        AppError::Internal
    })
}

fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| {
        tracing::error!("request parts missing from context");
        AppError::Internal
    })
}

pub fn viewer() -> Result<Option<Viewer>, AppError> {
    Ok(parts()?
        .extensions
        .get::<CurrentViewer>()
        .and_then(|v| v.0.clone()))
}

/// The signed-in person, or [`AppError::Unauthenticated`].
pub fn require_viewer() -> Result<Viewer, AppError> {
    viewer()?.ok_or(AppError::Unauthenticated)
}

pub fn client_ip() -> String {
    parts()
        .ok()
        .and_then(|p| p.extensions.get::<ClientIp>().map(|ip| ip.0.clone()))
        .unwrap_or_else(|| "unknown".to_string())
}

/// Identifies a visitor's browser for "one vote per browser"; not a session.
pub const VISITOR_COOKIE: &str = "tierdesk_visitor";

fn cookie_from(headers: &axum::http::HeaderMap, cookie: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cookie)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

/// The session secret from the request's cookie, if any.
pub fn session_secret_from(headers: &axum::http::HeaderMap) -> Option<String> {
    cookie_from(headers, SESSION_COOKIE)
}

pub fn visitor_id() -> Option<String> {
    parts()
        .ok()
        .and_then(|p| cookie_from(&p.headers, VISITOR_COOKIE))
}

pub fn visitor_cookie(id: &str) -> String {
    format!("{VISITOR_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000")
}

pub fn session_secret() -> Option<String> {
    parts().ok().and_then(|p| session_secret_from(&p.headers))
}

/// A `Set-Cookie` value for the session; an empty value with `Max-Age=0` clears it.
pub fn session_cookie(value: &str, secure: bool) -> String {
    let max_age = if value.is_empty() {
        0
    } else {
        SESSION_TTL_MS / 1000
    };
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Adds a header to the response of the current server function or page.
pub fn set_response_header(name: axum::http::HeaderName, value: &str) {
    if let (Some(opts), Ok(v)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::HeaderValue::from_str(value),
    ) {
        opts.append_header(name, v);
    }
}

/// Sets the status of the page being rendered (404 pages).
pub fn set_status(code: u16) {
    if let (Some(opts), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(code),
    ) {
        opts.set_status(status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookies_are_locked_down() {
        let c = session_cookie("abc", false);
        assert_eq!(
            c,
            "tierdesk_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200"
        );
        assert!(session_cookie("abc", true).ends_with("; Secure"));
        assert!(session_cookie("", true).contains("Max-Age=0"));
    }

    #[test]
    fn the_session_secret_is_found_among_other_cookies() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            "theme=dark; tierdesk_session=s3cret; x=y".parse().unwrap(),
        );
        assert_eq!(session_secret_from(&h).as_deref(), Some("s3cret"));
        h.insert(
            axum::http::header::COOKIE,
            "not_tierdesk_session=nope".parse().unwrap(),
        );
        assert_eq!(session_secret_from(&h), None);
    }
}
