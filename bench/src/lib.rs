//! `tierdesk-bench`: measurements of the portal, kept out of the production binary. `guides`
//! fills the configured database with generated guides and measures full-text search latency
//! (p50/p99) through the store, as pages and the API use it; `systems` does the same for the
//! registry; `queue` measures the analyst's dashboard at scale over HTTP beside a bare handler.
//! Measurements to report, never assertions: run them against a scratch database.

use app::domain::guide::{search_terms, Category, GuideDraft};
use app::ssr::store::Db;
use std::time::{Duration, Instant};

mod queue;
mod sessions;
pub use queue::queue;
pub use sessions::sessions;

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
}

/// A vocabulary the size of real documentation (the helpdesk words plus made-up ones), drawn
/// with Zipf's law as natural text is: a few words everywhere, most words rare.
struct Vocabulary {
    words: Vec<String>,
    /// Cumulative weights for rank 1..=n with weight 1/rank.
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new(rng: &mut Lcg, size: usize) -> Self {
        const SYLLABLES: &[&str] = &[
            "ba", "ce", "di", "fo", "gu", "ka", "le", "mi", "no", "pu", "ra", "se", "ti", "vo",
            "zu", "tor", "lan", "mer", "sid", "pex",
        ];
        let mut words: Vec<String> = Vec::with_capacity(size);
        let mut seen = std::collections::HashSet::new();
        while words.len() < size - WORDS.len() {
            let n = 2 + rng.next() % 3;
            let w: String = (0..n)
                .map(|_| SYLLABLES[rng.next() % SYLLABLES.len()])
                .collect();
            if seen.insert(w.clone()) && !WORDS.contains(&w.as_str()) {
                words.push(w);
            }
        }
        // The helpdesk's own words are common but not the commonest (those are the filler words
        // every text has): spread them over ranks 20 to about 1,000.
        for (i, w) in WORDS.iter().enumerate() {
            words.insert(20 + i * 14, w.to_string());
        }
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|r| {
                total += 1.0 / r as f64;
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    fn pick(&self, rng: &mut Lcg) -> &str {
        let total = *self.cumulative.last().unwrap_or(&1.0);
        let x = (rng.next() % 1_000_000) as f64 / 1_000_000.0 * total;
        let i = self
            .cumulative
            .partition_point(|c| *c < x)
            .min(self.words.len() - 1);
        &self.words[i]
    }

    fn sentence(&self, rng: &mut Lcg, n: usize) -> String {
        (0..n).map(|_| self.pick(rng)).collect::<Vec<_>>().join(" ")
    }
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub async fn guides(db: &Db, count: usize, queries: usize) -> Result<(), String> {
    let mut rng = Lcg(42);
    let vocab = Vocabulary::new(&mut rng, 5_000);
    let existing = db
        .guides(true, None)
        .await
        .map_err(|e| e.to_string())?
        .len();
    let start = Instant::now();
    for i in existing..count {
        let title = format!(
            "{} {} {}",
            rng.word(),
            vocab.pick(&mut rng),
            vocab.pick(&mut rng)
        );
        let body = (0..8)
            .map(|_| format!("{}.", vocab.sentence(&mut rng, 20)))
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
        times.push((t.elapsed(), q, internal));
        found += hits.len();
    }
    times.sort_by_key(|t| t.0);
    let slowest: Vec<String> = times
        .iter()
        .rev()
        .take(5)
        .map(|(d, q, internal)| {
            let who = if *internal { "staff" } else { "public" };
            format!("{:.1} ms {q:?} ({who})", d.as_secs_f64() * 1000.0)
        })
        .collect();
    let times: Vec<Duration> = times.into_iter().map(|t| t.0).collect();
    println!(
        "search on {} ({} queries, {:.1} hits each, 5,000-word Zipf vocabulary): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        db.backend(),
        queries,
        found as f64 / queries as f64,
        percentile(&times, 0.50).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
    );
    println!("slowest: {}", slowest.join("; "));
    Ok(())
}

/// Fills the registry up to `count` systems (generated entries shaped like the real file's) and
/// measures the systems list with random filters and searches, and the header's "who owns X?".
pub async fn systems(db: &Db, count: usize, queries: usize) -> Result<(), String> {
    use app::ssr::store::SystemFilter;
    let mut rng = Lcg(7);
    let vocab = Vocabulary::new(&mut rng, 5_000);
    let existing = db.count_systems().await.map_err(|e| e.to_string())? as usize;
    let tiers = [
        "Tier 1 Business",
        "Tier 2 Support",
        "Tier 3 / Non-critical",
        "TBD",
        "TIer 3 / Non-critical",
    ];
    let colours = ["Red", "Orange", "Yellow", "Green", "N/A"];
    let groups = [
        "IT Ops",
        "Finance",
        "Marketing",
        "Infrastructure",
        "People Ops",
        "Security",
        "Data",
        "Sales",
    ];
    let entries: Vec<app::domain::registry::Fields> = (existing..count)
        .map(|i| {
            let pick = |rng: &mut Lcg, list: &[&str]| list[rng.next() % list.len()].to_string();
            serde_json::json!({
                "title": format!("{} {} {i}", rng.word(), vocab.pick(&mut rng)),
                "description": vocab.sentence(&mut rng, 25),
                "group_owner": pick(&mut rng, &groups),
                "group_owner_slack_channel": format!("#{}", rng.word()),
                "business_owner": vocab.sentence(&mut rng, 2),
                "technical_owner": vocab.sentence(&mut rng, 2),
                "provisioner": format!("@{} @{}", rng.word(), rng.word()),
                "critical_systems_tier": pick(&mut rng, &tiers),
                "data_classification": pick(&mut rng, &colours),
                "compliance_scope": if rng.next() % 4 == 0 { serde_json::json!("SOX") } else { serde_json::Value::Null },
                "team_member_baseline_entitlement": rng.next() % 10 == 0,
            })
            .as_object()
            .cloned()
            .unwrap_or_default()
        })
        .collect();
    let start = Instant::now();
    let added = entries.len();
    db.import_systems(&entries, false, false)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{} systems in the database ({added} added in {:.1?})",
        count.max(existing),
        start.elapsed()
    );
    let mut list = Vec::with_capacity(queries);
    let mut named = Vec::with_capacity(queries);
    for _ in 0..queries {
        let mut f = SystemFilter::default();
        match rng.next() % 4 {
            0 => f.words = vec![rng.word().to_string()],
            1 => f.classification = ["red", "orange", "unknown"][rng.next() % 3].into(),
            2 => {
                f.tier = ["1", "2", "3"][rng.next() % 3].into();
                f.sort = "classification".into();
            }
            _ => {
                f.group = groups[rng.next() % groups.len()].into();
                f.words = vec![rng.word()[..3].to_string()];
                f.sort = "tier".into();
            }
        }
        let t = Instant::now();
        db.systems(&f, 0, 51).await.map_err(|e| e.to_string())?;
        list.push(t.elapsed());
        let words = vec![
            "who".to_string(),
            "owns".to_string(),
            rng.word().to_string(),
        ];
        let t = Instant::now();
        db.systems_named(&words, 3)
            .await
            .map_err(|e| e.to_string())?;
        named.push(t.elapsed());
    }
    for (what, mut times) in [
        ("systems list (filters, search, sort; 50 a page)", list),
        ("who owns X (header search)", named),
    ] {
        times.sort();
        println!(
            "{what} on {}: p50 {:.2} ms, p99 {:.2} ms",
            db.backend(),
            percentile(&times, 0.50).as_secs_f64() * 1000.0,
            percentile(&times, 0.99).as_secs_f64() * 1000.0,
        );
    }
    Ok(())
}
