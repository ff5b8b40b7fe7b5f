//! Settings from the environment, with defaults that work from a fresh clone.

use app::ssr::clock::{last_tuesday_morning, Clock};
use app::ssr::store::{Db, DEFAULT_DATABASE_URL};
use std::net::SocketAddr;

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub database_url: String,
    /// The address people use, e.g. `https://help.example.com`; https turns on `Secure` cookies.
    pub base_url: Option<String>,
    /// How often the scheduler runs the date-driven jobs (`TIERDESK_JOBS_EVERY_SECS`, default 300).
    pub jobs_every: std::time::Duration,
    /// Proxies whose forwarding headers are believed (`TIERDESK_TRUSTED_PROXIES`).
    pub trusted_proxies: app::ssr::net::TrustedProxies,
    /// The server's clock (`TIERDESK_CLOCK_START`): the system clock unless told to start at
    /// `last-tuesday-morning` or at an instant like `2026-11-24T10:00:00Z`, for browser tests
    /// and demos that must not depend on the hour they run.
    pub clock: Clock,
    /// The secret a Prometheus scraper presents as a bearer token on `/metrics`
    /// (`TIERDESK_METRICS_TOKEN`); without it only signed-in admins read `/metrics`.
    pub metrics_token: Option<String>,
    /// E-mail, chat and the outbox's workers (see [`crate::outbox::Delivery`]).
    pub delivery: crate::outbox::Delivery,
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        let addr = std::env::var("TIERDESK_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_string());
        let addr = addr.parse().map_err(|_| {
            format!("TIERDESK_ADDR must be host:port, like 127.0.0.1:3000 (got {addr:?})")
        })?;
        let database_url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let base_url = std::env::var("TIERDESK_BASE_URL")
            .ok()
            .filter(|s| !s.trim().is_empty());
        let jobs_every = match std::env::var("TIERDESK_JOBS_EVERY_SECS") {
            Ok(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| format!("TIERDESK_JOBS_EVERY_SECS must be a whole number of seconds above 0 (got {v:?})"))?,
            Err(_) => 300,
        };
        let delivery_base = base_url.clone();
        Ok(Config {
            addr,
            database_url,
            base_url,
            jobs_every: std::time::Duration::from_secs(jobs_every),
            trusted_proxies: app::ssr::net::TrustedProxies::from_env()?,
            clock: clock_from(&std::env::var("TIERDESK_CLOCK_START").unwrap_or_default())?,
            metrics_token: metrics_token_from(std::env::var("TIERDESK_METRICS_TOKEN").ok())?,
            delivery: crate::outbox::Delivery::from_env(delivery_base.as_deref(), addr)?,
        })
    }

    /// The database, migrated, read with the configured clock.
    pub async fn open_database(&self) -> Result<Db, String> {
        Ok(crate::open_database(&self.database_url)
            .await?
            .with_clock(self.clock.clone()))
    }

    /// People reach the portal over https: secure cookies and HSTS.
    pub fn https(&self) -> bool {
        self.base_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

fn clock_from(v: &str) -> Result<Clock, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(Clock::system());
    }
    let start = if v == "last-tuesday-morning" {
        last_tuesday_morning(Clock::system().now_ms())
    } else {
        let t = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
            .map_err(|_| {
                format!("TIERDESK_CLOCK_START must be last-tuesday-morning or an instant like 2026-11-24T10:00:00Z (got {v:?})")
            })?;
        i64::try_from(t.unix_timestamp_nanos() / 1_000_000)
            .map_err(|_| "TIERDESK_CLOCK_START is out of range".to_string())?
    };
    tracing::warn!(start = %app::domain::time::Timestamp::from_millis(start), "the clock starts at a set instant (TIERDESK_CLOCK_START), not the system time");
    Ok(Clock::starting_at(start))
}

/// The scrape secret, when set: long enough that guessing it is hopeless (nothing slows down
/// wrong guesses at `/metrics`).
fn metrics_token_from(raw: Option<String>) -> Result<Option<String>, String> {
    match raw.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() < METRICS_TOKEN_MIN => Err(format!(
            "TIERDESK_METRICS_TOKEN must be at least {METRICS_TOKEN_MIN} characters \
             (try: openssl rand -hex 24)"
        )),
        Some(s) => Ok(Some(s)),
    }
}

const METRICS_TOKEN_MIN: usize = 24;

#[cfg(test)]
mod tests {
    use super::clock_from;

    #[test]
    fn a_short_scrape_secret_is_refused() {
        assert_eq!(super::metrics_token_from(None), Ok(None));
        assert_eq!(super::metrics_token_from(Some("  ".into())), Ok(None));
        assert!(super::metrics_token_from(Some("a".into())).is_err());
        let long = "f".repeat(24);
        assert_eq!(
            super::metrics_token_from(Some(format!(" {long} "))),
            Ok(Some(long))
        );
    }

    #[test]
    fn the_clock_is_the_system_clock_unless_told() {
        assert!(clock_from("").unwrap().is_system());
        let c = clock_from("2026-11-24T10:00:00Z").unwrap();
        assert!(!c.is_system());
        let now = c.now_ms();
        assert!(
            (1_795_514_400_000..1_795_514_460_000).contains(&now),
            "{now}"
        );
        assert!(!clock_from("last-tuesday-morning").unwrap().is_system());
        assert!(clock_from("tomorrow")
            .unwrap_err()
            .contains("TIERDESK_CLOCK_START"));
    }
}
