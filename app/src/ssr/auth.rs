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

/// Memory of one argon2 hash, in KiB, and its passes.
const MEMORY_KIB: u32 = 7 * 1024;
const PASSES: u32 = 5;

/// argon2id with the least memory of OWASP's equivalent settings (7 MiB, 5 passes, 1 lane;
/// "equal level of defense" as 19 MiB and 2 passes, which hashes made before still carry and
/// verify with). Every check holds that memory while it runs, so a burst of sign-ins costs a
/// third of what it did.
fn argon2() -> Argon2<'static> {
    let params =
        Params::new(MEMORY_KIB, PASSES, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Whether a stored hash was made with other settings than [`argon2`]'s: it is replaced at the
/// next successful sign-in.
pub fn outdated(stored: &str) -> bool {
    let costs = |p: &Params| (p.m_cost(), p.t_cost(), p.p_cost());
    PasswordHash::new(stored).is_ok_and(|h| {
        h.algorithm != Algorithm::Argon2id.ident()
            || Params::try_from(&h).ok().as_ref().map(costs) != Some(costs(argon2().params()))
    })
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

/// Bounds the argon2 work in flight. Each check holds 19 MiB for tens of milliseconds, so a
/// burst of sign-ins would otherwise take as much memory as it likes. A few callers may wait a
/// moment for a slot; past that the answer is "busy, try again" (503 with `Retry-After`).
pub struct Hashing {
    slots: std::sync::Arc<tokio::sync::Semaphore>,
    waiting: std::sync::atomic::AtomicUsize,
    max_waiting: usize,
    max_wait: std::time::Duration,
}

/// Seconds a saturated server asks a client to wait.
pub const BUSY_RETRY_SECS: u32 = 2;

impl Hashing {
    pub fn new(slots: usize, max_waiting: usize, max_wait: std::time::Duration) -> Self {
        Hashing {
            slots: std::sync::Arc::new(tokio::sync::Semaphore::new(slots.max(1))),
            waiting: std::sync::atomic::AtomicUsize::new(0),
            max_waiting,
            max_wait,
        }
    }

    /// `TIERDESK_HASH_SLOTS` (default: the number of cores) checks at once, four times as many
    /// waiting up to two seconds.
    fn from_env() -> Self {
        let slots = std::env::var("TIERDESK_HASH_SLOTS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        Hashing::new(slots, slots * 4, std::time::Duration::from_secs(2))
    }

    fn busy() -> AppError {
        AppError::Busy {
            message: "Too many people are signing in right now. Please try again in a moment."
                .to_string(),
            retry_after_secs: BUSY_RETRY_SECS,
        }
    }

    async fn slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        use std::sync::atomic::Ordering;
        if let Ok(p) = self.slots.clone().try_acquire_owned() {
            return Ok(p);
        }
        /// Counts a waiter out again however the wait ends, a dropped future included.
        struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let before = self.waiting.fetch_add(1, Ordering::AcqRel);
        let _waiting = Waiting(&self.waiting);
        if before >= self.max_waiting {
            return Err(Self::busy());
        }
        match tokio::time::timeout(self.max_wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(Self::busy()),
        }
    }

    /// Runs `work` on the blocking pool once a slot is free.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let slot = self.slot().await?;
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop(slot);
            out
        })
        .await
        .map_err(|_| AppError::Internal)
    }
}

/// The process's one bound on password hashing.
pub static HASHING: LazyLock<Hashing> = LazyLock::new(Hashing::from_env);

/// Hashes on the blocking pool: argon2 takes tens of milliseconds on purpose.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    HASHING
        .run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
        })
        .await?
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Internal
        })
}

/// Verifies against the stored hash, or against a dummy when there is none; same cost either
/// way. [`AppError::Busy`] when no slot came free in time.
pub async fn verify_password(password: String, stored: Option<String>) -> Result<bool, AppError> {
    if password.len() > PASSWORD_MAX * 4 {
        return Ok(false);
    }
    let known = stored.is_some();
    let hash = stored.unwrap_or_else(|| DUMMY_HASH.clone());
    let ok = HASHING
        .run(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    argon2()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await?;
    Ok(ok && known)
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
        assert!(h.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"));
        assert!(!outdated(&h));
        assert!(
            verify_password("correct horse battery".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong horse battery".into(), Some(h))
            .await
            .unwrap());
        assert!(
            !verify_password("no account has this password".into(), None)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn hashes_made_with_older_settings_still_verify_and_are_outdated() {
        let salt = SaltString::generate(&mut OsRng);
        let old = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(19 * 1024, 2, 1, None).unwrap(),
        )
        .hash_password(b"correct horse battery", &salt)
        .unwrap()
        .to_string();
        assert!(outdated(&old));
        assert!(verify_password("correct horse battery".into(), Some(old))
            .await
            .unwrap());
        assert!(!outdated("not a hash"), "nothing to replace it from");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hashing_runs_a_bounded_number_at_once_and_turns_the_rest_away() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let h = Arc::new(Hashing::new(2, 3, std::time::Duration::from_millis(300)));
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (h, now, most) = (h.clone(), now.clone(), most.clone());
                tokio::spawn(async move {
                    h.run(move || {
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(n, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        now.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        let mut done = 0;
        let mut busy = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => done += 1,
                Err(e) => {
                    assert_eq!(e.status(), 503);
                    assert_eq!(e.retry_after(), Some(BUSY_RETRY_SECS));
                    busy += 1;
                }
            }
        }
        assert!(most.load(Ordering::SeqCst) <= 2, "at most two at once");
        // Two run at once and three may wait: the other fifteen are turned away at once.
        assert!(busy >= 15, "{busy} turned away, {done} done");
        assert!(done >= 2);
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
