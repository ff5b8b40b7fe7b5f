//! Demo data: one person per role, the shipped guides, the tech-stack registry and a few requests, so a fresh install has something to click.

use app::domain::user::Role;
use app::ssr::auth;
use app::ssr::store::Db;
use app::ssr::store::NewRequestRecord;

/// Demo people: e-mail, name, roles. All share one password, printed when loaded.
pub const PEOPLE: &[(&str, &str, &[Role])] = &[
    ("member@tierdesk.test", "Mia Member", &[Role::Member]),
    (
        "manager@tierdesk.test",
        "Max Manager",
        &[Role::Member, Role::Manager],
    ),
    (
        "contractor@tierdesk.test",
        "Cora Contractor",
        &[Role::Contractor],
    ),
    (
        "analyst@tierdesk.test",
        "Ana Analyst",
        &[Role::Member, Role::Analyst],
    ),
    (
        "engineer@tierdesk.test",
        "Eli Engineer",
        &[Role::Member, Role::Engineer],
    ),
    (
        "admin@tierdesk.test",
        "Ada Admin",
        &[Role::Member, Role::Admin],
    ),
    ("cole@tierdesk.test", "Cole Colleague", &[Role::Member]),
    ("noah@tierdesk.test", "Noah North", &[Role::Member]),
    // Provisioners: Pia is in the registry's IT group (Slack, Zoom, Okta ...); Jo's handle is
    // the one the registry names for Figma, LaunchDarkly and others.
    ("pia@tierdesk.test", "Pia Provisioner", &[Role::Member]),
    ("jburton@tierdesk.test", "Jo Burton", &[Role::Member]),
    // Analysts of the other two regions, so round-robin and "on shift" have someone to show.
    (
        "sam@tierdesk.test",
        "Sam Support",
        &[Role::Member, Role::Analyst],
    ),
    (
        "kai@tierdesk.test",
        "Kai Keeper",
        &[Role::Member, Role::Analyst],
    ),
];

/// Roles (lowest first) and groups of the systems the demo journeys use, as an admin writes them.
const ACCESS: &[(&str, &str)] = &[
    (
        "slack",
        "guest\nmember\nadmin\nowner\n#it-help: chat group\n#security-announcements: chat group",
    ),
    ("zoom", "basic\nlicensed\nadmin\nowner"),
    ("figma", "viewer\neditor\nadmin\nowner"),
    (
        "okta",
        "Read-only Administrator\nHelp Desk Administrator\nSuper Administrator\n\
         okta-announce@: mail group\nokta-aws-admins@: mail group with cloud permissions",
    ),
    (
        "google-workspace",
        "user\ngroups admin\nsuper admin\nall-staff@: mail group\ngcp-owners@: mail group with cloud permissions",
    ),
];

/// Who reports to whom (by e-mail local part).
const MANAGERS: &[(&str, &str)] = &[
    ("member", "manager"),
    ("contractor", "manager"),
    ("cole", "manager"),
    ("noah", "manager"),
    ("pia", "manager"),
    ("jburton", "manager"),
    ("analyst", "admin"),
    ("sam", "admin"),
    ("kai", "admin"),
    ("engineer", "admin"),
    ("manager", "admin"),
];

/// Approver teams and registry groups people belong to.
const TEAMS: &[(&str, &[&str])] = &[
    // "IT Operations" owns Slack, Zoom and others in the registry: escalations about them
    // assign that group.
    (
        "engineer",
        &["security", "infrastructure", "engineering", "IT Operations"],
    ),
    ("analyst", &["it"]),
    ("sam", &["it"]),
    ("kai", &["it"]),
    (
        "pia",
        &[
            "gitlab-com/business-technology/team-member-enablement",
            "logistics",
            "IT Operations",
        ],
    ),
];

/// Shifts in UTC (0 = Monday): analyst, region, duty, weekdays, from, to (minutes). Together
/// they cover the whole 24x5 week with support hours.
const SHIFTS: &[(&str, &str, &str, &[i16], i32, i32)] = &[
    (
        "kai",
        "japac",
        "support",
        &[6, 0, 1, 2, 3],
        22 * 60,
        24 * 60,
    ),
    ("kai", "japac", "support", &[0, 1, 2, 3, 4], 0, 6 * 60),
    (
        "kai",
        "japac",
        "provisioning",
        &[0, 1, 2, 3, 4],
        6 * 60,
        8 * 60,
    ),
    (
        "analyst",
        "emea",
        "support",
        &[0, 1, 2, 3, 4],
        6 * 60,
        14 * 60,
    ),
    (
        "analyst",
        "emea",
        "provisioning",
        &[0, 1, 2, 3, 4],
        14 * 60,
        16 * 60,
    ),
    ("sam", "amer", "support", &[0, 1, 2, 3, 4], 14 * 60, 22 * 60),
    ("sam", "amer", "support", &[4], 22 * 60, 24 * 60),
];

const HOLIDAYS: &[(&str, &str)] = &[
    ("2026-12-25", "Christmas Day"),
    ("2027-01-01", "New Year's Day"),
];

/// Macros: name, reply, state to set, labels to add.
const MACROS: &[(&str, &str, Option<&str>, &str)] = &[
    (
        "Need more details",
        "Hi {{requester.first_name}}, to work on {{request.key}} we need a little more: which device and operating system, and what you see on screen (a screenshot helps). Thanks, {{analyst.name}}",
        Some("waiting-on-requester"),
        "",
    ),
    (
        "Fixed, please confirm",
        "Hi {{requester.first_name}}, {{request.key}} (\u{201c}{{request.title}}\u{201d}) should be fixed now. If it is not, just reply here within a week and it reopens. {{analyst.name}}",
        Some("resolved"),
        "",
    ),
    (
        "Update the app",
        "Hi {{requester.first_name}}, this is a known issue that the latest version fixes. Please update the app and restart it, then let us know. {{analyst.name}}",
        Some("waiting-on-requester"),
        "known-issue",
    ),
];

/// What `tierdesk demo` loads besides the people, guides and registry.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Generated requests to add (`--requests N`), spread over two years.
    pub requests: usize,
    /// `--round-robin on|off`; left as it is when not given.
    pub round_robin: Option<bool>,
}

/// Override with `TIERDESK_DEMO_PASSWORD`; demo installs only.
pub fn password() -> String {
    std::env::var("TIERDESK_DEMO_PASSWORD").unwrap_or_else(|_| "tierdesk-demo-2026".to_string())
}

/// Creates or refreshes the demo people, and adds sample requests once.
pub async fn load(db: &Db, options: &Options) -> Result<(), String> {
    let password = password();
    auth::check_password_rules(&password).map_err(|e| format!("TIERDESK_DEMO_PASSWORD: {e}"))?;
    let hash = auth::hash_password(password.clone())
        .await
        .map_err(|e| e.to_string())?;
    let mut member_id = None;
    let mut ids = std::collections::HashMap::new();
    for (email, name, roles) in PEOPLE {
        let handle = email.split('@').next().unwrap_or(email);
        let id = match db
            .user_id_by_email(email)
            .await
            .map_err(|e| e.to_string())?
        {
            Some(id) => {
                db.update_user(id, name, &hash, roles)
                    .await
                    .map_err(|e| e.to_string())?;
                id
            }
            None => db
                .create_user(email, handle, name, &hash, roles)
                .await
                .map_err(|e| e.to_string())?,
        };
        if *email == "member@tierdesk.test" {
            member_id = Some(id);
        }
        ids.insert(handle, id);
    }
    for (person, manager) in MANAGERS {
        db.set_manager(ids[person], Some(ids[manager]))
            .await
            .map_err(|e| e.to_string())?;
    }
    for (person, teams) in TEAMS {
        db.set_teams(ids[person], teams)
            .await
            .map_err(|e| e.to_string())?;
    }
    let e = |e: app::ssr::store::StoreError| e.to_string();
    if db.shifts().await.map_err(e)?.is_empty() {
        for (who, region, duty, days, from, to) in SHIFTS {
            db.add_shifts(ids[who], region, duty, days, *from, *to)
                .await
                .map_err(e)?;
        }
    }
    for (day, name) in HOLIDAYS {
        let day = app::domain::time::Day::parse(day).ok_or("bad demo holiday")?;
        db.put_holiday(day, name, ids["admin"]).await.map_err(e)?;
    }
    if db.macros().await.map_err(e)?.is_empty() {
        for (name, body, state, labels) in MACROS {
            db.save_macro(name, body, *state, labels, ids["analyst"])
                .await
                .map_err(e)?;
        }
    }
    if let Some(on) = options.round_robin {
        db.set_setting(app::ssr::store::ROUND_ROBIN, if on { "on" } else { "off" })
            .await
            .map_err(e)?;
    }
    if let (Some(member), 0) = (
        member_id,
        db.count_requests().await.map_err(|e| e.to_string())?,
    ) {
        for (title, description, priority) in [
            ("Zoom crashes when I share my screen", "Since this morning's update Zoom quits as soon as I start sharing. Restarting did not help.", "high"),
            ("Cannot install the VPN client", "The installer stops at 80% with error 1603 on my MacBook.", "normal"),
        ] {
            let r = NewRequestRecord {
                kind: "software".into(),
                title: title.into(),
                description: description.into(),
                priority: priority.into(),
                state: "new".into(),
                requester_id: member,
                details: "[]".into(),
                ..Default::default()
            };
            db.create_request(&r).await.map_err(|e| e.to_string())?;
        }
    }
    // The guides shipped in ./guides (the scripts run from the repository root).
    let dir = std::path::PathBuf::from(
        std::env::var("TIERDESK_GUIDES_DIR").unwrap_or_else(|_| "guides".into()),
    );
    if dir.is_dir() {
        let r = crate::import::import_guides(db, &dir).await?;
        println!(
            "Guides: {} added, {} updated, {} unchanged",
            r.added.len(),
            r.updated.len(),
            r.unchanged.len()
        );
    } else {
        println!(
            "No guides loaded: {} is not a folder (set TIERDESK_GUIDES_DIR).",
            dir.display()
        );
    }
    // The tech-stack registry: GitLab's real file, built into the binary.
    let r = app::ssr::registry::import(
        db,
        include_str!("../../seed/tech_stack.yml"),
        app::ssr::registry::ImportOptions::default(),
    )
    .await?;
    let o = &r.outcome;
    // This demo's helpdesk also works Figma's access requests (an admin's choice per system),
    // so a request can need two different provisioners.
    if let Some(figma) = db.system("figma").await.map_err(|e| e.to_string())? {
        db.edit_system(figma.id, &figma.fields(), true, ids["admin"])
            .await
            .map_err(|e| e.to_string())?;
    }
    // What can be granted on the systems the demo journeys use: which lines are groups (no
    // manager), and the ladders approvers narrow down. Set once; an admin's edits stay.
    for (slug, list) in ACCESS {
        if let Some(s) = db.system(slug).await.map_err(|e| e.to_string())? {
            if s.access().is_empty() {
                let list = app::domain::entitlement::SystemAccess::parse(list)
                    .map_err(|e| format!("demo roles of {slug}: {e}"))?;
                db.set_system_access(s.id, &list, ids["admin"])
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    crate::demo_tracker::load(db, ids["engineer"]).await?;
    // Cora the contractor may ask for Slack and Zoom: her sponsor Max allowed them.
    for slug in ["slack", "zoom"] {
        if let Some(s) = db.system(slug).await.map_err(|e| e.to_string())? {
            db.allow_contractor_system(ids["contractor"], s.id, ids["manager"])
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    println!(
        "Systems: {} added, {} changed, {} unchanged",
        o.added.len(),
        o.changed.len(),
        o.unchanged.len()
    );
    if options.requests > 0 {
        let started = std::time::Instant::now();
        generate_requests(db, &ids, options.requests).await?;
        println!(
            "Requests: {} generated in {:.1} s",
            options.requests,
            started.elapsed().as_secs_f64()
        );
    }
    println!("Demo people (password for all: {password}):");
    for (email, name, roles) in PEOPLE {
        let roles: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
        println!("  {email:<28} {name:<16} {}", roles.join(", "));
    }
    Ok(())
}

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
async fn generate_requests(
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
