//! Generated requests for `tierdesk demo --requests N`: a helpdesk's history, made
//! deterministically, as thick as a real one: thousands of requesters across departments, two
//! dozen analysts over three regions, descriptions and replies from a Zipf-distributed
//! vocabulary, internal notes, labels, systems asked for and attached files.

use crate::demo_words::{self as words, Rng, Zipf};
use app::domain::user::Role;
use app::ssr::store::{Db, GeneratedComment, GeneratedFile, GeneratedPerson, GeneratedRequest};
use sha2::Digest;

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
    "vip",
    "new-hire",
    "audit",
    "phishing",
    "shipping",
    "license",
    "mac",
];
/// Analysts generated per region, beside the demo's own three.
const ANALYSTS_PER_REGION: usize = 7;
/// Requests generated and written per batch, so memory stays flat however many are asked for.
const BATCH: usize = 10_000;

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

/// The generated people: requesters across departments (about one per 30 requests, at least
/// 200, at most 5,000) and analysts in every region, each analyst on their region's shift.
async fn people(db: &Db, n: usize, password_hash: &str) -> Result<(Vec<i64>, Vec<i64>), String> {
    let mut rng = Rng(0x7065_6f70_6c65_2121);
    let requesters = (n / 30).clamp(200, 5_000);
    let mut people = Vec::with_capacity(requesters + 3 * ANALYSTS_PER_REGION);
    let mut regions = Vec::new();
    for i in 0..requesters + words::REGIONS.len() * ANALYSTS_PER_REGION {
        let (first, last) = words::name(&mut rng);
        let handle = format!(
            "{}.{}{i}",
            words::handle_part(&first),
            words::handle_part(&last)
        );
        let analyst = i >= requesters;
        if analyst {
            regions.push(words::REGIONS[(i - requesters) % words::REGIONS.len()]);
        }
        people.push(GeneratedPerson {
            email: format!("{handle}@corp.tierdesk.test"),
            handle,
            name: format!("{first} {last}"),
            department: if analyst {
                "IT".to_string()
            } else {
                rng.weighted(words::DEPARTMENTS).to_string()
            },
            roles: if analyst {
                vec![Role::Member, Role::Analyst]
            } else {
                vec![Role::Member]
            },
            teams: if analyst {
                vec!["it".to_string()]
            } else {
                Vec::new()
            },
        });
    }
    let ids = db
        .insert_generated_people(&people, password_hash)
        .await
        .map_err(|e| e.to_string())?;
    let (requester_ids, analyst_ids) = ids.split_at(requesters);
    let on_shift: std::collections::HashSet<i64> = db
        .shifts()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|s| s.user_id)
        .collect();
    for (id, (region, from, to)) in analyst_ids.iter().zip(regions) {
        if !on_shift.contains(id) {
            db.add_shifts(*id, region, "support", &[0, 1, 2, 3, 4], from, to)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    Ok((requester_ids.to_vec(), analyst_ids.to_vec()))
}

/// 2 to 6 sentences from `templates`.
fn sentences(rng: &mut Rng, zipf: &Zipf, templates: &[&str], lo: u64, hi: u64) -> String {
    (0..rng.between(lo, hi))
        .map(|_| {
            let template: &str = *rng.pick(templates);
            words::fill(template, zipf, rng)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Two to six replies and notes over a request's life: the helpdesk's replies and internal
/// notes and the requester's answers; a request nobody has worked yet has only the
/// requester's own follow-ups.
fn conversation(
    rng: &mut Rng,
    zipf: &Zipf,
    r: &GeneratedRequest,
    analysts: &[i64],
) -> Vec<GeneratedComment> {
    let span = (r.updated_at - r.created_at).max(60_000);
    let count = rng.between(2, 6);
    let mut at = r.created_at;
    (0..count)
        .map(|i| {
            at += span / (count as i64 + 1);
            let staff = r.assignee_id.unwrap_or(*rng.pick(analysts));
            let (author_id, templates, internal) = match (r.state.as_str(), rng.below(3)) {
                ("new", _) => (r.requester_id, words::ANSWERS, false),
                (_, 0) if i > 0 => (r.requester_id, words::ANSWERS, false),
                (_, 1) => (staff, words::NOTES, true),
                _ => (staff, words::REPLIES, false),
            };
            GeneratedComment {
                author_id,
                body: sentences(rng, zipf, templates, 1, 3),
                internal,
                created_at: at,
            }
        })
        .collect()
}

/// A log or note a requester attached: plain text, with its digest, under a random address.
fn attachment(rng: &mut Rng, zipf: &Zipf, uploader_id: i64) -> GeneratedFile {
    let text = (0..rng.between(5, 40))
        .map(|i| format!("{i:04} {}\n", words::fill("{} {} {}: {}", zipf, rng)))
        .collect::<String>();
    let mut id = [0u8; 16];
    let _ = getrandom::fill(&mut id);
    GeneratedFile {
        id: id.iter().map(|b| format!("{b:02x}")).collect(),
        uploader_id,
        file_name: rng
            .pick(&["error-log.txt", "ipconfig.txt", "steps.txt", "console.txt"])
            .to_string(),
        content_type: "text/plain".to_string(),
        sha256: sha2::Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        data: text.into_bytes(),
    }
}

/// `n` requests over the last two years: most old ones finished, the last two weeks' mostly
/// open, a few old ones still open (and long breached), as a real helpdesk's history looks.
pub async fn generate_requests(
    db: &Db,
    ids: &std::collections::HashMap<&str, i64>,
    n: usize,
    password_hash: &str,
) -> Result<(), String> {
    const DAY: i64 = 86_400_000;
    let now = db.now();
    let (mut requesters, mut analysts) = people(db, n, password_hash).await?;
    requesters.extend(
        [
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
        .map(|h| ids[h]),
    );
    analysts.extend(["analyst", "sam", "kai", "admin"].iter().map(|h| ids[h]));
    let systems: Vec<i64> = db.system_ids().await.map_err(|e| e.to_string())?;
    let zipf = Zipf::new(words::VOCABULARY.len());
    let mut rng = Rng(0x7165_7264_6573_6b21);
    let mut rows = Vec::with_capacity(BATCH.min(n));
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
        let mut r = GeneratedRequest {
            kind: kind.to_string(),
            title: title_for(&mut rng, kind),
            description: sentences(&mut rng, &zipf, words::DESCRIBE, 2, 4),
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
            ..Default::default()
        };
        let labels = *rng.weighted(&[(0usize, 70), (1, 22), (2, 8)]);
        r.labels = (0..labels).map(|_| rng.pick(LABELS).to_string()).collect();
        r.labels.sort();
        r.labels.dedup();
        if matches!(
            kind,
            "access" | "access-change" | "service-account" | "onboarding"
        ) && !systems.is_empty()
        {
            let mut lines: Vec<i64> = (0..rng.between(1, 3))
                .map(|_| *rng.pick(&systems))
                .collect();
            lines.sort_unstable();
            lines.dedup();
            r.lines = lines
                .into_iter()
                .map(|s| {
                    (
                        s,
                        rng.pick(&["member", "viewer", "editor", "admin"])
                            .to_string(),
                    )
                })
                .collect();
        }
        r.comments = conversation(&mut rng, &zipf, &r, &analysts);
        if rng.below(100) < 12 {
            r.files.push(attachment(&mut rng, &zipf, r.requester_id));
        }
        rows.push(r);
        if rows.len() == BATCH {
            db.insert_generated_requests(&rows)
                .await
                .map_err(|e| e.to_string())?;
            rows.clear();
        }
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
            rows.push(GeneratedRequest {
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
                ..Default::default()
            });
        }
    }
    db.insert_generated_requests(&rows)
        .await
        .map_err(|e| e.to_string())
}
