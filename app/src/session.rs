//! Signing in and out, and who is signed in.

use crate::domain::error::AppError;
use crate::domain::user::Viewer;
use leptos::prelude::*;

/// The signed-in person, or `None` for a visitor.
#[server(prefix = "/fn", endpoint = "get_viewer")]
pub async fn get_viewer() -> Result<Option<Viewer>, AppError> {
    crate::ssr::ctx::viewer()
}

/// Checks the password and starts a session. A plain form post, so that the whole page reloads
/// with the new cookie; `next` must be a path on this site.
#[server(prefix = "/fn", endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::user::Email;
    use crate::ssr::{auth, ctx, store::now_ms};

    const WINDOW_MS: i64 = 15 * 60 * 1000;
    const MAX_PER_EMAIL: i64 = 5;
    const MAX_PER_IP: i64 = 50;

    let st = ctx::state()?;
    let email = Email::parse(&email)?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "Please enter your password."));
    }
    let ip = ctx::client_ip();
    let since = now_ms() - WINDOW_MS;
    let (by_email, by_ip) = st.db.sign_in_failures(email.as_str(), &ip, since).await?;
    if by_email >= MAX_PER_EMAIL || by_ip >= MAX_PER_IP {
        tracing::warn!(ip = %ip, "sign-in throttled");
        return Err(AppError::TooManyRequests {
            message: "Too many failed sign-ins. Wait 15 minutes, or ask the helpdesk if you are locked out."
                .to_string(),
        });
    }
    let creds = st.db.credentials(email.as_str()).await?;
    let (user_id, hash) = match creds {
        Some((id, hash)) => (Some(id), Some(hash)),
        None => (None, None),
    };
    let ok = auth::verify_password(password, hash).await;
    let Some(user_id) = user_id.filter(|_| ok) else {
        st.db.record_sign_in_failure(email.as_str(), &ip).await?;
        tracing::info!(ip = %ip, "sign-in failed");
        return Err(AppError::invalid(
            "password",
            "That e-mail and password do not match.",
        ));
    };
    st.db.clear_sign_in_failures(email.as_str(), since).await?;
    let secret = auth::new_secret("");
    st.db
        .create_session(
            &auth::secret_hash(&secret),
            user_id,
            now_ms() + ctx::SESSION_TTL_MS,
        )
        .await?;
    ctx::set_response_header(
        axum::http::header::SET_COOKIE,
        &ctx::session_cookie(&secret, st.secure_cookies),
    );
    tracing::info!(user = user_id, "signed in");
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

/// Ends the session in the database, not just in the browser.
#[server(prefix = "/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::ssr::{auth, ctx};
    let st = ctx::state()?;
    if let Some(secret) = ctx::session_secret() {
        st.db.delete_session(&auth::secret_hash(&secret)).await?;
    }
    ctx::set_response_header(
        axum::http::header::SET_COOKIE,
        &ctx::session_cookie("", st.secure_cookies),
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
