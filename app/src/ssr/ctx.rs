//! What a server function or page needs from the request it runs in: the state, who is asking,
//! and a way to set cookies.

use super::cache::ReadCache;
use super::store::Db;
use crate::domain::error::AppError;
use crate::domain::user::Viewer;
use axum::http::request::Parts;
use leptos::prelude::{provide_context, use_context};

/// Shared by every handler; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    /// The portal is served over https (`TIERDESK_BASE_URL`): cookies are `Secure` and
    /// `__Host-`, and browsers are told to stay on https.
    pub https: bool,
    /// Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub proxies: std::sync::Arc<super::net::TrustedProxies>,
    /// Recent sessions and read-only answers (see [`ReadCache`]).
    pub cache: std::sync::Arc<ReadCache>,
    /// The guides' words, for forgiving search.
    pub words: std::sync::Arc<super::spelling::WordCache>,
    /// The JSON API's reference, read from the description the server generates at start.
    pub api_doc: std::sync::Arc<crate::model::api_doc::ApiDocView>,
    /// Replies by e-mail: the secret the inbound-mail service presents (none: switched off).
    pub inbound_mail_secret: Option<std::sync::Arc<str>>,
}

impl AppState {
    /// The state of a server on `db`, with the read cache `TIERDESK_READ_CACHE_MS` asks for and
    /// no trusted proxy.
    pub fn new(db: Db, https: bool) -> Self {
        AppState {
            db,
            https,
            proxies: Default::default(),
            cache: std::sync::Arc::new(ReadCache::from_env()),
            words: Default::default(),
            api_doc: Default::default(),
            inbound_mail_secret: None,
        }
    }
}

/// Put into each request's extensions by the server's session middleware.
#[derive(Clone, Debug, Default)]
pub struct CurrentViewer(pub Option<Viewer>);

/// The client's network address as the session middleware saw it (through trusted proxies),
/// grouped as throttling counts it: an IPv4 address, or an IPv6 /64.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

/// Whether this request reached the portal over https (directly, by configuration, or as a
/// trusted proxy says).
#[derive(Clone, Copy, Debug, Default)]
pub struct Transport {
    pub https: bool,
}

/// Twelve hours: a working day plus slack; staff sign in again each day.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;
/// How long a browser stays known after a sign-in from it.
pub const DEVICE_TTL_MS: i64 = 365 * 86_400_000;

/// Cookie names. Over https they carry the `__Host-` prefix, which browsers only accept from
/// this very host, secure and for the whole path: no sibling domain can plant one.
pub const SESSION_COOKIE: &str = "tierdesk_session";
pub const DEVICE_COOKIE: &str = "tierdesk_device";
/// Identifies a visitor's browser for "one vote per browser"; not a session.
pub const VISITOR_COOKIE: &str = "tierdesk_visitor";

pub fn cookie_name(base: &str, https: bool) -> String {
    if https {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

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

/// Whether the current request came over https.
pub fn https() -> bool {
    parts()
        .ok()
        .and_then(|p| p.extensions.get::<Transport>().copied())
        .unwrap_or_default()
        .https
}

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

/// The value of cookie `base` as this transport names it.
pub fn cookie_value(headers: &axum::http::HeaderMap, base: &str, https: bool) -> Option<String> {
    cookie_from(headers, &cookie_name(base, https))
}

fn current_cookie(base: &str) -> Option<String> {
    let https = https();
    parts()
        .ok()
        .and_then(|p| cookie_value(&p.headers, base, https))
}

/// The session secret from the request's cookie, if any.
pub fn session_secret_from(headers: &axum::http::HeaderMap, https: bool) -> Option<String> {
    cookie_value(headers, SESSION_COOKIE, https)
}

pub fn session_secret() -> Option<String> {
    current_cookie(SESSION_COOKIE)
}

pub fn device_secret() -> Option<String> {
    current_cookie(DEVICE_COOKIE)
}

pub fn visitor_id() -> Option<String> {
    current_cookie(VISITOR_COOKIE)
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Lax`, for the whole site, `Secure` over https. An
/// empty value with `Max-Age=0` clears it.
pub fn cookie(base: &str, value: &str, max_age_secs: i64, https: bool) -> String {
    let max_age = if value.is_empty() { 0 } else { max_age_secs };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        cookie_name(base, https),
        if https { "; Secure" } else { "" }
    )
}

pub fn session_cookie(value: &str, https: bool) -> String {
    cookie(SESSION_COOKIE, value, SESSION_TTL_MS / 1000, https)
}

pub fn device_cookie(value: &str, https: bool) -> String {
    cookie(DEVICE_COOKIE, value, DEVICE_TTL_MS / 1000, https)
}

pub fn visitor_cookie(id: &str) -> String {
    cookie(VISITOR_COOKIE, id, 31_536_000, https())
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

/// The nonce of one page answer. The outermost middleware makes it for every request and writes
/// the page's Content-Security-Policy with it (see [`page_policy`]); the page hands it to Leptos
/// ([`provide_page_nonce`]), which puts it on its hydration and data scripts. The policy then does
/// not depend on a page remembering to set it.
#[derive(Clone, Debug)]
pub struct PageNonce(pub String);

impl PageNonce {
    pub fn new() -> Self {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system's random source is available");
        PageNonce(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl Default for PageNonce {
    fn default() -> Self {
        Self::new()
    }
}

/// The Content-Security-Policy of an HTML answer: scripts only with this answer's nonce or loaded
/// by them, WebAssembly compiled, nothing inline and nothing from elsewhere. A missed escape can
/// then show markup but never run it.
pub fn page_policy(nonce: &PageNonce) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        nonce.0
    )
}

/// Makes the request's [`PageNonce`] the one Leptos writes on its scripts (leptos_axum provides a
/// random one of its own first, which this replaces).
pub fn provide_page_nonce() {
    // Without request parts (a static file from the fallback) there is no page to give it to.
    if let Some(n) = use_context::<Parts>().and_then(|p| p.extensions.get::<PageNonce>().cloned()) {
        provide_context(leptos::nonce::Nonce::from_value(n.0));
    }
}

/// Sends a form posted without JavaScript on to `path` once its server function succeeded. The
/// app (with JavaScript) is not redirected by the server: it gets the answer and moves on itself
/// (`components::follow`), because a redirect in the middle of the call moves to the next page
/// while the action that made the call still has its answer to deliver to the page it left, and
/// that panicked the WebAssembly half.
pub fn redirect_form(path: &str) {
    let plain_form = parts().ok().is_some_and(|p| {
        p.headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
    });
    if plain_form {
        leptos_axum::redirect(path);
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
        assert_eq!(
            session_cookie("abc", true),
            "__Host-tierdesk_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200; Secure"
        );
        assert!(session_cookie("", true).contains("Max-Age=0"));
        assert!(device_cookie("d", true).starts_with("__Host-tierdesk_device=d;"));
    }

    #[test]
    fn the_session_secret_is_found_among_other_cookies() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            "theme=dark; tierdesk_session=s3cret; x=y".parse().unwrap(),
        );
        assert_eq!(session_secret_from(&h, false).as_deref(), Some("s3cret"));
        // Over https only the __Host- cookie counts: another host cannot have planted it.
        assert_eq!(session_secret_from(&h, true), None);
        h.insert(
            axum::http::header::COOKIE,
            "not_tierdesk_session=nope; __Host-tierdesk_session=h0st"
                .parse()
                .unwrap(),
        );
        assert_eq!(session_secret_from(&h, false), None);
        assert_eq!(session_secret_from(&h, true).as_deref(), Some("h0st"));
    }
}
