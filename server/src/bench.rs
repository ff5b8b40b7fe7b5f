//! `tierdesk bench guides`: fills the configured database with generated guides and measures
//! full-text search latency (p50/p99) through the store, as pages and the API use it.
//! A measurement to report, never an assertion: run it against a scratch database.

use app::domain::guide::{search_terms, Category, GuideDraft};
use app::ssr::store::Db;
use std::time::{Duration, Instant};

const WORDS: &[&str] = &[
    "access",
    "account",
    "admin",
    "approval",
    "aws",
    "backup",
    "badge",
    "browser",
    "calendar",
    "certificate",
    "chrome",
    "client",
    "cloud",
    "contractor",
    "device",
    "disk",
    "email",
    "encryption",
    "expired",
    "firewall",
    "gcp",
    "github",
    "gitlab",
    "google",
    "group",
    "hardware",
    "identity",
    "install",
    "keyboard",
    "laptop",
    "license",
    "lockout",
    "login",
    "macbook",
    "manager",
    "monitor",
    "network",
    "offboarding",
    "okta",
    "onboarding",
    "password",
    "permission",
    "phone",
    "printer",
    "project",
    "provision",
    "reset",
    "role",
    "rotation",
    "salesforce",
    "screen",
    "security",
    "service",
    "shared",
    "slack",
    "software",
    "token",
    "training",
    "update",
    "vpn",
    "webcam",
    "wifi",
    "windows",
    "yubikey",
    "zoom",
    "zendesk",
    "2fa",
    "sso",
    "saml",
    "ssh",
];

/// A small deterministic generator, so that runs are comparable.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    fn word(&mut self) -> &'static str {
        WORDS[self.next() % WORDS.len()]
    }
    fn sentence(&mut self, n: usize) -> String {
        (0..n).map(|_| self.word()).collect::<Vec<_>>().join(" ")
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub async fn guides(db: &Db, count: usize, queries: usize) -> Result<(), String> {
    let mut rng = Lcg(42);
    let existing = db
        .guides(true, None)
        .await
        .map_err(|e| e.to_string())?
        .len();
    let start = Instant::now();
    for i in existing..count {
        let title = format!("{} {} {}", rng.word(), rng.word(), i);
        let body = (0..6)
            .map(|_| format!("{}.", rng.sentence(18)))
            .collect::<Vec<_>>()
            .join("\n\n");
        let category = Category::ALL[rng.next() % Category::ALL.len()].as_str();
        let visibility = if rng.next() % 5 == 0 {
            "internal"
        } else {
            "public"
        };
        let d = GuideDraft::parse(
            &format!("bench-{i}"),
            &title,
            category,
            visibility,
            "Bench",
            &body,
        )
        .map_err(|e| e.to_string())?;
        app::ssr::guides::save(db, &d, None, None, "bench")
            .await
            .map_err(|e| e.to_string())?;
    }
    println!(
        "{} guides in the database ({} added in {:.1?})",
        count.max(existing),
        count.saturating_sub(existing),
        start.elapsed()
    );

    let mut times = Vec::with_capacity(queries);
    let mut found = 0usize;
    for _ in 0..queries {
        let q = match rng.next() % 3 {
            0 => rng.word().to_string(),
            1 => format!("{} {}", rng.word(), rng.word()),
            _ => format!(
                "how do I {} my {} {}",
                rng.word(),
                rng.word(),
                &rng.word()[..3]
            ),
        };
        let terms = search_terms(&q);
        let internal = rng.next() % 2 == 0;
        let t = Instant::now();
        let hits = db
            .search_guides(&terms, internal, None, 20)
            .await
            .map_err(|e| e.to_string())?;
        times.push(t.elapsed());
        found += hits.len();
    }
    times.sort();
    println!(
        "search on {} ({} queries, {:.1} hits each): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        db.backend(),
        queries,
        found as f64 / queries as f64,
        percentile(&times, 0.50).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
    );
    Ok(())
}
