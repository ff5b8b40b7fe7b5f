//! Generated requests for `tierdesk demo --requests N`: a helpdesk's history, made
//! deterministically.

use app::ssr::store::Db;

/// A small deterministic generator (SplitMix64): demo data only, never secrets.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An item by weight.
    fn weighted<'a, T>(&mut self, items: &'a [(T, u64)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut n = self.below(total);
        for (item, w) in items {
            if n < *w {
                return item;
            }
            n -= w;
        }
        &items[0].0
    }
}

const KINDS: &[(&str, u64)] = &[
    ("software", 30),
    ("access", 25),
    ("reset", 10),
    ("lockout", 5),
    ("laptop", 8),
    ("training", 3),
    ("onboarding", 4),
    ("offboarding", 4),
    ("access-change", 4),
    ("role-change", 2),
    ("external-collaborator", 1),
    ("contractor", 1),
    ("service-account", 1),
    ("infrastructure", 1),
    ("other", 3),
];
const APPS: &[&str] = &[
    "Zoom",
    "Slack",
    "the VPN client",
    "Okta Verify",
    "Chrome",
    "Google Drive",
    "1Password",
    "Figma",
    "Zendesk",
    "the docking station",
    "Outlook",
    "Jamf Self Service",
];
const PROBLEMS: &[&str] = &[
    "crashes on start",
    "cannot sign in",
    "is very slow",
    "keeps asking for my password",
    "shows a certificate error",
    "stopped syncing",
    "will not update",
    "freezes when sharing my screen",
];
const SYSTEMS: &[&str] = &[
    "Salesforce",
    "Okta",
    "AWS",
    "GitLab",
    "Zoom",
    "Slack",
    "Figma",
    "Looker",
    "Zendesk",
    "Google Workspace",
    "NetSuite",
    "Workday",
];
const LABELS: &[&str] = &[
    "access-review",
    "vpn",
    "hardware",
    "known-issue",
    "follow-up",
];

fn title_for(rng: &mut Rng, kind: &str) -> String {
    match kind {
        "software" => format!("{} {}", rng.pick(APPS), rng.pick(PROBLEMS)),
        "access" => format!(
            "Access to {} ({})",
            rng.pick(SYSTEMS),
            rng.pick(&["viewer", "editor", "admin", "member"])
        ),
        "access-change" => format!("Remove access to {}", rng.pick(SYSTEMS)),
        "reset" => format!("Reset my {}", rng.pick(&["password", "2FA", "Okta Verify"])),
        "lockout" => format!("Locked out of {}", rng.pick(SYSTEMS)),
        "laptop" => format!(
            "Laptop {}",
            rng.pick(&[
                "refresh",
                "repair: broken hinge",
                "replacement",
                "battery swelling"
            ])
        ),
        "training" => format!("1:1 training on {}", rng.pick(APPS)),
        "onboarding" => "Onboarding a new hire".to_string(),
        "offboarding" => "Offboarding a leaver".to_string(),
        "role-change" => "Role change to Senior Engineer".to_string(),
        "external-collaborator" => "External collaborator for the agency".to_string(),
        "contractor" => "Contractor for the data migration".to_string(),
        "service-account" => format!("Service account for {}", rng.pick(SYSTEMS)),
        "infrastructure" => "New GCP project for analytics".to_string(),
        _ => format!("Question about {}", rng.pick(APPS)),
    }
}

/// `n` requests over the last two years: most old ones finished, the last two weeks' mostly
/// open, a few old ones still open (and long breached), as a real helpdesk's history looks.
pub async fn generate_requests(
    db: &Db,
    ids: &std::collections::HashMap<&str, i64>,
    n: usize,
) -> Result<(), String> {
    const DAY: i64 = 86_400_000;
    let now = db.now();
    let requesters: Vec<i64> = [
        "member",
        "manager",
        "contractor",
        "cole",
        "noah",
        "pia",
        "jburton",
        "engineer",
    ]
    .iter()
    .map(|h| ids[h])
    .collect();
    let analysts: Vec<i64> = ["analyst", "sam", "kai", "admin"]
        .iter()
        .map(|h| ids[h])
        .collect();
    let mut rng = Rng(0x7165_7264_6573_6b21);
    let mut rows = Vec::with_capacity(n);
    // Oldest first, so request numbers grow with time as they would.
    let mut ages: Vec<i64> = (0..n).map(|_| rng.below(730 * DAY as u64) as i64).collect();
    ages.sort_unstable_by(|a, b| b.cmp(a));
    for age in ages {
        let kind = *rng.weighted(KINDS);
        let created = now - age;
        let recent = age < 14 * DAY;
        let state = if recent {
            *rng.weighted(&[
                ("new", 30),
                ("triaged", 10),
                ("awaiting-approval", 10),
                ("in-progress", 35),
                ("waiting-on-requester", 10),
                ("resolved", 5),
            ])
        } else {
            *rng.weighted(&[
                ("closed", 90),
                ("cancelled", 4),
                ("denied", 2),
                ("in-progress", 2),
                ("new", 1),
                ("waiting-on-requester", 1),
            ])
        };
        let worked = !matches!(state, "new");
        let finished_at = created + (rng.below(10 * DAY as u64) as i64).min(age);
        let resolved = matches!(state, "resolved" | "closed");
        rows.push(app::ssr::store::GeneratedRequest {
            kind: kind.to_string(),
            title: title_for(&mut rng, kind),
            description: "Generated for the demo and benchmarks.".to_string(),
            priority: rng
                .weighted(&[("high", 15), ("normal", 70), ("low", 15)])
                .to_string(),
            state: state.to_string(),
            requester_id: *rng.pick(&requesters),
            assignee_id: worked.then(|| *rng.pick(&analysts)),
            created_at: created,
            updated_at: if resolved || !state.contains('-') && state != "new" {
                finished_at
            } else {
                created + (rng.below(DAY as u64) as i64).min(age)
            },
            responded_at: worked.then(|| created + (rng.below(4 * 3_600_000) as i64).min(age)),
            resolved_at: resolved.then_some(finished_at),
            label: (rng.below(10) == 0).then(|| rng.pick(LABELS).to_string()),
        });
    }
    // A few requests that are at risk right now, whatever the day: unassigned and triaged,
    // with 85-90% of a normal request's five business days used. Two per kind, so the browser
    // tests of one run can each take their own.
    let calendar = db.calendar().await.map_err(|e| e.to_string())?;
    let span = app::domain::sla::span(
        &calendar,
        app::domain::request::Priority::Normal,
        app::domain::sla::Target::Resolution,
        app::domain::time::Timestamp::from_millis(now),
    );
    for kind in ["laptop", "training", "software"] {
        for i in 0..2i64 {
            let used = span * (85 + 5 * i) / 100;
            let created = calendar
                .sub(app::domain::time::Timestamp::from_millis(now), used)
                .millis();
            rows.push(app::ssr::store::GeneratedRequest {
                kind: kind.to_string(),
                title: format!("{} (due soon)", title_for(&mut rng, kind)),
                description: "Generated for the demo: most of its service level is used up."
                    .to_string(),
                priority: "normal".to_string(),
                state: "triaged".to_string(),
                requester_id: *rng.pick(&requesters),
                assignee_id: None,
                created_at: created,
                updated_at: created + 3_600_000,
                responded_at: Some(created + 3_600_000),
                resolved_at: None,
                label: None,
            });
        }
    }
    db.insert_generated_requests(&rows)
        .await
        .map_err(|e| e.to_string())
}
