//! Signing in and out, and who is signed in.

use crate::domain::error::AppError;
use crate::domain::user::Viewer;
use leptos::prelude::*;

/// The signed-in person, or `None` for a visitor. A read: `GET`, and kept by the read cache.
#[server(prefix = "/fn", endpoint = "get_viewer", input = leptos::server_fn::codec::GetUrl)]
pub async fn get_viewer() -> Result<Option<Viewer>, AppError> {
    crate::ssr::ctx::viewer()
}

/// Checks the password and starts a session. A plain form post, so that the whole page reloads
/// with the new cookie; `next` must be a path on this site. Signing in again ends the session
/// this browser had before. Throttling is in `ssr::sign_in`.
#[server(prefix = "/fn", endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::ctx;
    use axum::http::header::SET_COOKIE;

    let https = ctx::https();
    let signed_in = match crate::ssr::sign_in::sign_in(
        &ctx::state()?,
        &email,
        password,
        &ctx::client_ip(),
        ctx::device_secret().as_deref(),
        ctx::session_secret().as_deref(),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            if let Some(secs) = e.retry_after() {
                ctx::set_response_header(axum::http::header::RETRY_AFTER, &secs.to_string());
            }
            return Err(e);
        }
    };
    ctx::set_response_header(
        SET_COOKIE,
        &ctx::session_cookie(&signed_in.session_secret, https),
    );
    if let Some(device) = &signed_in.new_device_secret {
        ctx::set_response_header(SET_COOKIE, &ctx::device_cookie(device, https));
    }
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

/// Ends the session in the database, not just in the browser.
#[server(prefix = "/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::ssr::ctx;
    crate::ssr::sign_in::sign_out(&ctx::state()?, ctx::session_secret().as_deref()).await?;
    ctx::set_response_header(
        axum::http::header::SET_COOKIE,
        &ctx::session_cookie("", ctx::https()),
    );
    leptos_axum::redirect("/");
    Ok(())
}

/// Only a local path: never `//evil.example` or `https://...`, so sign-in cannot be used to
/// send people elsewhere.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/fn/")
                && n.len() <= 2000
                // Printable ASCII only: no backslashes, spaces or control characters in a Location.
                && n.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b'\\') =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/requests/REQ-1")), "/requests/REQ-1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
            "/fn/sign_out",
            "/a b",
            "/caf\u{e9}",
            "/x\r\nSet-Cookie: a=b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}

/// What a form held when the server refused it without JavaScript (the page's `__draft`), if
/// the person asking posted it and it is still kept. See `ssr::drafts`.
#[server(prefix = "/fn", endpoint = "form_draft", input = leptos::server_fn::codec::GetUrl)]
pub async fn form_draft(id: String) -> Result<Option<crate::model::FormDraft>, AppError> {
    use crate::ssr::ctx;
    let viewer = ctx::viewer()?;
    crate::ssr::drafts::load(&ctx::state()?.db, viewer.map(|v| v.id), &id).await
}
