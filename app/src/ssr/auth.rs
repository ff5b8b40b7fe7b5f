//! Passwords, session secrets and API tokens. Secrets are only ever stored hashed and never logged.

use crate::domain::error::AppError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub const PASSWORD_MIN: usize = 12;
/// Long enough for any passphrase, short enough that hashing cannot be used to burn CPU.
pub const PASSWORD_MAX: usize = 256;

/// OWASP's argon2id parameters: 19 MiB, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a password nobody has, verified when the e-mail is unknown so that the time taken
/// does not reveal which addresses have accounts.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(b"no account has this password", &salt)
        .expect("hashing a constant cannot fail")
        .to_string()
});

pub fn check_password_rules(password: &str) -> Result<(), AppError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(AppError::invalid(
            "password",
            format!("Use at least {PASSWORD_MIN} characters."),
        ));
    }
    if n > PASSWORD_MAX {
        return Err(AppError::invalid(
            "password",
            format!("Use at most {PASSWORD_MAX} characters."),
        ));
    }
    Ok(())
}

/// Hashes on the blocking pool: argon2 takes tens of milliseconds on purpose.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|_| AppError::Internal)?
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        AppError::Internal
    })
}

/// Verifies against the stored hash, or against a dummy when there is none; same cost either way.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    if password.len() > PASSWORD_MAX * 4 {
        return false;
    }
    let known = stored.is_some();
    let hash = stored.unwrap_or_else(|| DUMMY_HASH.clone());
    let ok = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                argon2()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    ok && known
}

/// A fresh 256-bit secret, hex-encoded, with a prefix saying what it is.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    let mut s = String::with_capacity(prefix.len() + 64);
    s.push_str(prefix);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// What is stored for a session cookie or API token: its SHA-256, hex-encoded.
pub fn secret_hash(secret: &str) -> String {
    use std::fmt::Write;
    let mut hex = String::with_capacity(64);
    for b in Sha256::digest(secret.as_bytes()) {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_users_never_pass() {
        let h = hash_password("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery".into(), Some(h.clone())).await);
        assert!(!verify_password("wrong horse battery".into(), Some(h)).await);
        assert!(!verify_password("no account has this password".into(), None).await);
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret("tds_");
        assert!(a.starts_with("tds_") && a.len() == 68);
        assert_ne!(a, new_secret("tds_"));
        assert_eq!(
            secret_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn password_rules_name_the_field() {
        assert_eq!(
            check_password_rules("short").unwrap_err().field(),
            Some("password")
        );
        assert!(check_password_rules("long enough passphrase").is_ok());
        assert!(check_password_rules(&"x".repeat(257)).is_err());
    }
}
