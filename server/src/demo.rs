//! Demo data: one person per role, the shipped guides, the tech-stack registry and a few requests, so a fresh install has something to click.

use app::domain::user::Role;
use app::ssr::auth;
use app::ssr::store::Db;
use app::ssr::store::NewRequestRecord;

/// Departments, which rules can match on (people without one have none).
const DEPARTMENTS: &[(&str, &str)] = &[
    ("member", "Finance"),
    ("manager", "Finance"),
    ("cole", "Sales"),
    ("noah", "Engineering"),
    ("analyst", "IT"),
    ("engineer", "IT"),
    ("admin", "IT"),
];

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
    let outbox_before = db.last_outbox_id().await.map_err(|e| e.to_string())?;
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
    for (person, department) in DEPARTMENTS {
        db.set_department(ids[person], Some(department))
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
        crate::demo_requests::generate_requests(db, &ids, options.requests, &hash).await?;
        println!(
            "Requests: {} generated in {:.1} s",
            options.requests,
            started.elapsed().as_secs_f64()
        );
    }
    // The demo's history is a story told at once: no rule or e-mail should act on it now.
    db.settle_events_after(outbox_before)
        .await
        .map_err(|e| e.to_string())?;
    println!("Demo people (password for all: {password}):");
    for (email, name, roles) in PEOPLE {
        let roles: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
        println!("  {email:<28} {name:<16} {}", roles.join(", "));
    }
    Ok(())
}
