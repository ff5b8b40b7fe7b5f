//! Settings from the environment, with defaults that work from a fresh clone.

use app::ssr::store::DEFAULT_DATABASE_URL;
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
        Ok(Config {
            addr,
            database_url,
            base_url,
            jobs_every: std::time::Duration::from_secs(jobs_every),
            trusted_proxies: app::ssr::net::TrustedProxies::from_env()?,
        })
    }

    /// People reach the portal over https: secure cookies and HSTS.
    pub fn https(&self) -> bool {
        self.base_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}
