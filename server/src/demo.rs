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
    ("engineer", "admin"),
    ("manager", "admin"),
];

/// Approver teams and registry groups people belong to.
const TEAMS: &[(&str, &[&str])] = &[
    ("engineer", &["security", "infrastructure", "engineering"]),
    ("analyst", &["it"]),
    (
        "pia",
        &[
            "gitlab-com/business-technology/team-member-enablement",
            "logistics",
        ],
    ),
];

/// Override with `TIERDESK_DEMO_PASSWORD`; demo installs only.
pub fn password() -> String {
    std::env::var("TIERDESK_DEMO_PASSWORD").unwrap_or_else(|_| "tierdesk-demo-2026".to_string())
}

/// Creates or refreshes the demo people, and adds sample requests once.
pub async fn load(db: &Db) -> Result<(), String> {
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
    println!(
        "Systems: {} added, {} changed, {} unchanged",
        o.added.len(),
        o.changed.len(),
        o.unchanged.len()
    );
    println!("Demo people (password for all: {password}):");
    for (email, name, roles) in PEOPLE {
        let roles: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
        println!("  {email:<28} {name:<16} {}", roles.join(", "));
    }
    Ok(())
}
