//! Demo data of the engineering tracker: the issue templates an admin would write, and a few
//! issues so the board has something to show.

use app::ssr::store::Db;

/// Issue templates (name, labels, priority, assign the system's owners, outline), as an admin
/// writes them.
const ISSUE_TEMPLATES: &[(&str, &[&str], &str, bool, &str)] = &[
    (
        "corpsys",
        &["corpsys-{system}", "corpsec-team-it"],
        "p2",
        true,
        "## What the helpdesk tried\n\n## What engineering needs to do\n\n## Who is affected\n",
    ),
    (
        "Access change",
        &["corpsys-{system}", "corpsec-team-identity", "access-change"],
        "p2",
        true,
        "## The change\n\n## Approved by\n\n## Roll-back plan\n",
    ),
    (
        "Security concern",
        &["corpsec-team-security", "security-review"],
        "p1",
        false,
        "## What was seen\n\n## Since when\n\n## Systems and people involved\n",
    ),
];

/// The tracker's templates, and a few issues so the board has something to show; once.
pub async fn load(db: &Db, engineer: i64) -> Result<(), String> {
    let e = |e: app::ssr::store::StoreError| e.to_string();
    if db.issue_templates().await.map_err(e)?.is_empty() {
        for (name, labels, priority, owners, outline) in ISSUE_TEMPLATES {
            let t = app::domain::tracker::Template {
                name: name.to_string(),
                labels: labels.iter().map(|l| l.to_string()).collect(),
                priority: app::domain::tracker::IssuePriority::parse("priority", priority)
                    .map_err(|e| e.to_string())?,
                assign_owners: *owners,
                description: outline.to_string(),
            };
            db.save_issue_template(None, &t).await.map_err(e)?;
        }
    }
    if db.count_issues().await.map_err(e)? > 0 {
        return Ok(());
    }
    let issues: &[(&str, &str, &str, &[&str], &[&str], &[&str])] = &[
        (
            "SCIM push to Okta fails for new joiners",
            "okta",
            "p1",
            &["corpsys-okta", "corpsec-team-identity"],
            &["engineer"],
            &["backlog", "wip"],
        ),
        (
            "Renew Zoom's SSO certificate before it expires",
            "zoom",
            "p2",
            &["corpsys-zoom", "corpsec-team-it"],
            &["IT Operations"],
            &["scheduled"],
        ),
        (
            "Review guest access in Figma",
            "figma",
            "p3",
            &["corpsys-figma", "security-review"],
            &[],
            &["backlog"],
        ),
    ];
    for (title, system, priority, labels, assignees, moves) in issues {
        let system_id = db.system(system).await.map_err(e)?.map(|s| s.id);
        let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        let assignees: Vec<String> = assignees.iter().map(|a| a.to_string()).collect();
        let id = db
            .create_issue(
                &app::ssr::store::NewIssue {
                    title,
                    description: "",
                    priority,
                    due_on: None,
                    system_id,
                    request_id: None,
                    template_id: None,
                    labels: &labels,
                    assignees: &assignees,
                },
                engineer,
            )
            .await
            .map_err(e)?;
        let mut from = "inbox";
        for to in *moves {
            db.move_issue(id, from, to, engineer).await.map_err(e)?;
            from = to;
        }
    }
    Ok(())
}
