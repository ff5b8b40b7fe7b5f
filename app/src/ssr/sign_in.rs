//! Signing in with a password, throttled so that guessing is slow and a stranger's guessing never
//! locks the real person out.
//!
//! Every attempt is counted before any password is checked, each count one statement, so that
//! parallel attempts cannot all slip under a limit. The limits, per 15 minutes:
//! - one network address guessing one account: 5;
//! - one network address, all accounts: 50 (password spraying);
//! - one account from browsers it was never used in, all addresses: 20 (a spread-out attack);
//! - a browser the person signed in from before: 5, and none of the others apply to it. So a
//!   flood of wrong guesses from elsewhere never keeps a person out of their own browser.
//!
//! A good sign-in takes its attempt back from the shared counts and clears the personal ones.

use super::auth;
use super::ctx::AppState;
use crate::domain::error::AppError;
use crate::domain::user::Email;

pub const WINDOW_MS: i64 = 15 * 60 * 1000;
pub const PER_ADDRESS_AND_ACCOUNT: i64 = 5;
pub const PER_ADDRESS: i64 = 50;
pub const PER_ACCOUNT_FROM_NEW_BROWSERS: i64 = 20;
pub const PER_KNOWN_BROWSER: i64 = 5;

/// What a good sign-in hands back for the cookies.
#[derive(Debug)]
pub struct SignedIn {
    pub user_id: i64,
    pub session_secret: String,
    /// A new secret for the browser's device cookie, when the browser was not known yet.
    pub new_device_secret: Option<String>,
}

struct Limit {
    key: String,
    max: i64,
    /// Cleared on a good sign-in (it counts this person's own mistakes), else taken back by one.
    personal: bool,
    message: &'static str,
}

/// Checks `password` for `email` from network address `address` (already grouped, see
/// `ctx::ClientIp`), in a browser that may hold a device secret. A good sign-in ends the session
/// the browser had before (`previous_session`, its secret).
pub async fn sign_in(
    st: &AppState,
    email: &str,
    password: String,
    address: &str,
    device_secret: Option<&str>,
    previous_session: Option<&str>,
) -> Result<SignedIn, AppError> {
    let email = Email::parse(email)?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "Please enter your password."));
    }
    let signed_in = check(st, &email, password, address, device_secret).await?;
    if let Some(previous) = previous_session {
        st.db.delete_session(&auth::secret_hash(previous)).await?;
    }
    // The sessions this one ended stop at once here, and the person reads nothing older than
    // their sign-in.
    st.cache.invalidate();
    Ok(signed_in)
}

/// Ends the session in the database, not just in the browser.
pub async fn sign_out(st: &AppState, session_secret: Option<&str>) -> Result<(), AppError> {
    if let Some(secret) = session_secret {
        st.db.delete_session(&auth::secret_hash(secret)).await?;
    }
    Ok(())
}

async fn check(
    st: &AppState,
    email: &Email,
    password: String,
    address: &str,
    device_secret: Option<&str>,
) -> Result<SignedIn, AppError> {
    let creds = st.db.credentials(email.as_str()).await?;
    let device_hash = device_secret.map(auth::secret_hash);
    let known_browser = match (&creds, &device_hash) {
        (Some((user_id, _)), Some(h)) => st.db.is_known_device(h, *user_id).await?,
        _ => false,
    };
    let limits = if known_browser {
        vec![Limit {
            key: format!("device:{}", device_hash.clone().unwrap_or_default()),
            max: PER_KNOWN_BROWSER,
            personal: true,
            message: "Too many failed sign-ins in this browser. Wait 15 minutes, or ask the helpdesk if you are locked out.",
        }]
    } else {
        vec![
            Limit {
                key: format!("pair:{}|{address}", email.as_str()),
                max: PER_ADDRESS_AND_ACCOUNT,
                personal: true,
                message: "Too many failed sign-ins. Wait 15 minutes, or ask the helpdesk if you are locked out.",
            },
            Limit {
                key: format!("address:{address}"),
                max: PER_ADDRESS,
                personal: false,
                message: "Too many failed sign-ins from this network. Wait 15 minutes and try again.",
            },
            Limit {
                key: format!("account:{}", email.as_str()),
                max: PER_ACCOUNT_FROM_NEW_BROWSERS,
                personal: false,
                message: "This account has had too many failed sign-ins from browsers it was not used in before. Sign in from a browser you have used before, or wait 15 minutes.",
            },
        ]
    };
    let mut over = None;
    for l in &limits {
        if st.db.count_attempt(&l.key, WINDOW_MS).await? > l.max && over.is_none() {
            over = Some(l.message);
        }
    }
    if let Some(message) = over {
        tracing::warn!(address, "sign-in throttled");
        return Err(AppError::TooManyRequests {
            message: message.to_string(),
        });
    }
    let (user_id, hash) = match creds {
        Some((id, hash)) => (Some(id), Some(hash)),
        None => (None, None),
    };
    // A hash made with older settings is made again once the password is known to be right.
    let upgrade = hash
        .clone()
        .filter(|h| auth::outdated(h))
        .map(|h| (h, password.clone()));
    let ok = match auth::verify_password(password, hash).await {
        Ok(ok) => ok,
        Err(busy) => {
            // Not checked, so not an attempt.
            for l in &limits {
                st.db.uncount_attempt(&l.key).await?;
            }
            return Err(busy);
        }
    };
    let Some(user_id) = user_id.filter(|_| ok) else {
        tracing::info!(address, "sign-in failed");
        return Err(AppError::invalid(
            "password",
            "That e-mail and password do not match.",
        ));
    };
    for l in &limits {
        if l.personal {
            st.db.reset_attempts(&l.key).await?;
        } else {
            st.db.uncount_attempt(&l.key).await?;
        }
    }
    if let Some((old, password)) = upgrade {
        // Best effort: when no hashing slot comes free the old hash stays until the next time.
        match auth::hash_password(password).await {
            Ok(new) => st.db.upgrade_password_hash(user_id, &old, &new).await?,
            Err(e) => tracing::info!(error = %e, "password hash left for the next sign-in"),
        }
    }
    let session_secret = auth::new_secret("");
    st.db
        .create_session(
            &auth::secret_hash(&session_secret),
            user_id,
            st.db.now() + super::ctx::SESSION_TTL_MS,
        )
        .await?;
    let new_device_secret = if known_browser {
        None
    } else {
        let secret = auth::new_secret("");
        st.db
            .remember_device(
                &auth::secret_hash(&secret),
                user_id,
                st.db.now() + super::ctx::DEVICE_TTL_MS,
            )
            .await?;
        Some(secret)
    };
    tracing::info!(user = user_id, "signed in");
    Ok(SignedIn {
        user_id,
        session_secret,
        new_device_secret,
    })
}
