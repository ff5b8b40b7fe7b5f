//! The request catalog over HTTP on both databases: submission of access requests, the approval
//! policy enforced by the server, tasks, granted access, offboarding and identity checks.

use crate::common::{on_both, Backend, TestApp};
use app::domain::task::offboarding_due;
use app::domain::time::{Day, Timestamp};
use app::domain::user::Role;
use app::ssr::registry::{import, ImportOptions};
use serde_json::{json, Value};

on_both!(
    an_access_request_is_approved_provisioned_granted_and_offboarded,
    bad_access_requests_are_named_and_save_nothing,
    admin_access_and_red_data_add_their_approvals,
    a_reset_waits_for_the_identity_check,
    other_kinds_are_typed_and_checked,
    the_lockout_form_answers_alike_and_is_rate_limited,
    scheduled_jobs_act_once_however_often_they_run,
    role_templates_drive_onboarding_and_role_changes,
    names_link_only_where_the_viewer_may_follow,
);

const REGISTRY: &str = r#"
- title: Slack
  team_member_baseline_entitlement: true
  provisioner: "@gitlab-com/it-team"
  group_owner: IT Ops
  group_owner_slack_channel: '#it_help'
  technical_owner: IT Operations
  data_classification: Orange
  critical_systems_tier: Tier 2 Support
- title: Widget
  team_member_baseline_entitlement: false
  provisioner: "@jo"
  group_owner: IT Ops
  data_classification: Yellow
  critical_systems_tier: Tier 3 / Non-critical
  compliance_scope: SOX
- title: Vault
  provisioner: "@jo"
  business_owner: "@olga"
  group_owner: IT Ops
  data_classification: Red
  critical_systems_tier: Tier 1 Business
- title: Cloud Console
  provisioner: "@jo"
  group_owner: Infrastructure
  data_classification: Orange
- title: Finance App
  provisioner: "@fin"
  group_owner: Finance
  group_owner_slack_channel: '#finance'
"#;

pub struct World {
    pub app: TestApp,
    pub mia: i64,
    pub cole: i64,
    pub max: i64,
}

/// Mia and Cole report to Max; Pia is in the group that provisions Slack; Jo provisions Widget;
/// Olga owns Vault; Sam is in Security and Infrastructure; Ana is an analyst.
pub async fn world(b: Backend) -> World {
    world_with(b, |_| {}).await
}

/// The same people and registry on a server whose state `configure` sets up.
pub async fn world_with(b: Backend, configure: impl FnOnce(&mut app::ssr::AppState)) -> World {
    let app = TestApp::spawn_with(b, configure).await;
    let t = &app.test_db;
    let max = t
        .person(
            "max@example.com",
            "Max Manager",
            &[Role::Member, Role::Manager],
        )
        .await;
    let mia = t
        .person("mia@example.com", "Mia Member", &[Role::Member])
        .await;
    let cole = t
        .person("cole@example.com", "Cole Colleague", &[Role::Member])
        .await;
    let pia = t
        .person("pia@example.com", "Pia Provisioner", &[Role::Member])
        .await;
    t.person("jo@example.com", "Jo", &[Role::Member]).await;
    t.person("olga@example.com", "Olga Owner", &[Role::Member])
        .await;
    let sam = t
        .person("sam@example.com", "Sam Security", &[Role::Engineer])
        .await;
    t.person("ada@example.com", "Ada Admin", &[Role::Admin])
        .await;
    t.person("ana@example.com", "Ana Analyst", &[Role::Analyst])
        .await;
    let db = app.db();
    for p in [mia, cole, pia] {
        db.set_manager(p, Some(max)).await.unwrap();
    }
    db.set_teams(pia, &["gitlab-com/it-team"]).await.unwrap();
    db.set_teams(sam, &["security", "infrastructure", "engineering"])
        .await
        .unwrap();
    import(db, REGISTRY, ImportOptions::default())
        .await
        .unwrap();
    // Widget keeps a ladder of roles, so approvers can narrow down it.
    let widget = db.system("widget").await.unwrap().unwrap();
    let ladder = app::domain::entitlement::SystemAccess::parse("viewer\neditor\nadmin").unwrap();
    db.set_system_access(widget.id, &ladder, sam).await.unwrap();
    // Infrastructure's console is worked here too (an admin's choice; not the default).
    let console = db.system("cloud-console").await.unwrap().unwrap();
    db.edit_system(console.id, &console.fields(), true, sam)
        .await
        .unwrap();
    World {
        app,
        mia,
        cole,
        max,
    }
}

impl World {
    pub async fn client(&self, who: &str) -> crate::client::Client {
        self.app.signed_in(&format!("{who}@example.com")).await
    }

    pub async fn post(&self, c: &crate::client::Client, path: &str, body: Value) -> (u16, Value) {
        let res = c.post(self.app.url(path)).json(&body).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, c: &crate::client::Client, key: &str) -> Value {
        let res = c
            .get(self.app.url(&format!("/api/v1/requests/{key}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "GET {key}");
        res.json().await.unwrap()
    }
}

/// Any call of the JSON API: its status and JSON answer (null when there is none).
pub async fn call(
    w: &World,
    c: &crate::client::Client,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let m = axum::http::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = c.request(m, w.app.url(path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub fn task_id(detail: &Value, title: &str) -> i64 {
    detail["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == title)
        .unwrap_or_else(|| panic!("no task {title} in {}", detail["tasks"]))["id"]
        .as_i64()
        .unwrap()
}

async fn an_access_request_is_approved_provisioned_granted_and_offboarded(b: Backend) {
    let w = world(b).await;
    let (mia, max, pia, jo, ana) = (
        w.client("mia").await,
        w.client("max").await,
        w.client("pia").await,
        w.client("jo").await,
        w.client("ana").await,
    );
    let (status, created) = w
        .post(
            &mia,
            "/api/v1/requests",
            json!({
                "kind": "access",
                "people": ["mia@example.com", "@cole"],
                "systems": [
                    {"system": "Slack", "role": "member", "justification": "chat"},
                    {"system": "widget", "role": "editor", "justification": "reports"},
                ],
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap().to_string();
    let d = w.get(&mia, &key).await;
    assert_eq!(d["state"], "awaiting-approval");
    assert_eq!(
        d["title"],
        "Access to Slack, Widget for Mia Member, Cole Colleague"
    );
    let approvals = d["approvals"].as_array().unwrap();
    assert_eq!(approvals.len(), 1, "{approvals:?}");
    assert_eq!(approvals[0]["approver"], "Max Manager");
    assert!(d["tasks"].as_array().unwrap().is_empty());
    let approval = approvals[0]["id"].as_i64().unwrap();
    let widget_line = d["lines"][1]["id"].as_i64().unwrap();
    assert_eq!(d["lines"][1]["system"], "Widget");

    // The provisioner sees the request (they are part of it once tasks exist, not before).
    let path = format!("/api/v1/requests/{key}/approvals");
    let (status, _) = w
        .post(
            &pia,
            &path,
            json!({"approval": approval, "decision": "approve"}),
        )
        .await;
    assert_eq!(status, 404, "not involved yet: not found");
    let (status, _) = w
        .post(
            &mia,
            &path,
            json!({"approval": approval, "decision": "approve"}),
        )
        .await;
    assert_eq!(status, 409, "nobody approves their own request");
    let (status, _) = w
        .post(
            &ana,
            &path,
            json!({"approval": approval, "decision": "approve"}),
        )
        .await;
    assert_eq!(status, 403, "an analyst is not the approver");
    // Work cannot start before the approval, whatever is sent.
    let (status, body) = w
        .post(
            &ana,
            &format!("/api/v1/requests/{key}/transitions"),
            json!({"to": "in-progress"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let mut narrow = serde_json::Map::new();
    narrow.insert(widget_line.to_string(), json!("viewer"));
    let (status, body) = w
        .post(
            &max,
            &path,
            json!({"approval": approval, "decision": "approve", "narrow": narrow}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "in-progress");
    assert_eq!(body["lines"][1]["role"], "viewer");
    let tasks = body["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    let history: Vec<&str> = body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["change"].as_str().unwrap())
        .collect();
    assert!(
        history.contains(&"narrowed the role on Widget from editor to viewer"),
        "{history:?}"
    );
    let (status, _) = w
        .post(
            &max,
            &path,
            json!({"approval": approval, "decision": "deny", "note": "late"}),
        )
        .await;
    assert_eq!(status, 409, "decided once");

    let slack = task_id(&body, "Grant member on Slack");
    let widget = task_id(&body, "Grant viewer on Widget");
    let task = |id: i64| format!("/api/v1/requests/{key}/tasks/{id}");
    let (status, _) = w.post(&jo, &task(slack), json!({"outcome": "done"})).await;
    assert_eq!(status, 403, "Jo does not provision Slack");
    let (status, body) = w
        .post(
            &pia,
            &task(slack),
            json!({"outcome": "done", "note": "added"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = w
        .post(
            &ana,
            &format!("/api/v1/requests/{key}/transitions"),
            json!({"to": "resolved"}),
        )
        .await;
    assert_eq!(status, 409, "a task is still open: {body}");
    let (status, _) = w.post(&pia, &task(slack), json!({"outcome": "done"})).await;
    assert_eq!(status, 409, "closed once");
    // Closing the last task without a word to the requester leaves the request in progress,
    // marked as waiting for its resolution reply; resolving then needs that reply.
    let (status, body) = w.post(&jo, &task(widget), json!({"outcome": "done"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["state"].as_str(), body["tasks_done"].as_bool()),
        (Some("in-progress"), Some(true))
    );
    let transitions = format!("/api/v1/requests/{key}/transitions");
    let (status, body) = w.post(&ana, &transitions, json!({"to": "resolved"})).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("reply")),
        "{body}"
    );
    let (status, body) = w
        .post(
            &ana,
            &transitions,
            json!({"to": "resolved", "reply": "Slack and Widget are yours."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["state"].as_str(), body["tasks_done"].as_bool()),
        (Some("resolved"), Some(false))
    );
    let last = body["comments"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["body"].as_str(), last["internal"].as_bool()),
        (Some("Slack and Widget are yours."), Some(false))
    );

    let db = w.app.db();
    for person in [w.mia, w.cole] {
        let g = db.grants_of(person).await.unwrap();
        let held: Vec<(&str, &str)> = g
            .iter()
            .map(|g| (g.system_title.as_str(), g.role.as_str()))
            .collect();
        assert_eq!(held, [("Slack", "member"), ("Widget", "viewer")]);
    }
    // People pages: oneself and one's manager, not a colleague.
    let page =
        |c: &crate::client::Client, who: &str| c.get(w.app.url(&format!("/people/{who}"))).send();
    assert_eq!(page(&mia, "mia").await.unwrap().status(), 200);
    assert_eq!(page(&max, "cole").await.unwrap().status(), 200);
    assert_eq!(page(&mia, "cole").await.unwrap().status(), 404);

    // Offboarding Cole: exactly what Cole holds, with the due times of the policy.
    let last_day = Day::of(Timestamp::from_millis(w.app.db().now())).add_days(10);
    let before = w.app.db().now();
    let (status, created) = w
        .post(&max, "/api/v1/requests", json!({"kind": "offboarding", "person": "cole@example.com", "last_day": last_day.to_string()}))
        .await;
    assert_eq!(status, 201, "{created}");
    let off = created["key"].as_str().unwrap().to_string();
    let d = w.get(&max, &off).await;
    let tasks = d["tasks"].as_array().unwrap();
    let titles: Vec<&str> = tasks.iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "Remove Cole Colleague's access to Slack",
            "Remove Cole Colleague's access to Widget"
        ]
    );
    let due = |t: &Value| t["due_at"].as_str().unwrap().to_string();
    let expect = |tier, sox| {
        Timestamp::from_millis(offboarding_due(last_day, false, before, tier, sox).0).rfc3339()
    };
    assert_eq!(due(&tasks[0]), expect(Some(2), false));
    assert_eq!(due(&tasks[1]), expect(Some(3), true));
    assert_eq!(tasks[0]["urgent"], false);
    assert_eq!(tasks[1]["urgent"], true, "Widget is in SOX scope");
    let (status, _) = w
        .post(
            &mia,
            "/api/v1/requests",
            json!({"kind": "offboarding", "person": "@cole", "last_day": last_day.to_string()}),
        )
        .await;
    assert_eq!(status, 403, "members do not offboard people");

    let t = |id: i64| format!("/api/v1/requests/{off}/tasks/{id}");
    let (s1, s2) = (
        tasks[0]["id"].as_i64().unwrap(),
        tasks[1]["id"].as_i64().unwrap(),
    );
    let (status, body) = w
        .post(&ana, &t(s1), json!({"outcome": "not-applicable"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "note");
    let (status, _) = w.post(&ana, &t(s1), json!({"outcome": "done"})).await;
    assert_eq!(status, 200);
    let (status, body) = w
        .post(
            &ana,
            &t(s2),
            json!({"outcome": "not-applicable", "note": "never logged in", "reply": "Done: Cole no longer has these accounts."}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["state"], "resolved");
    let g = db.grants_of(w.cole).await.unwrap();
    let open: Vec<&str> = g
        .iter()
        .filter(|g| g.revoked_at.is_none())
        .map(|g| g.system_title.as_str())
        .collect();
    assert_eq!(open, ["Widget"], "not applicable removes nothing");
    assert_eq!(
        db.grants_of(w.mia)
            .await
            .unwrap()
            .iter()
            .filter(|g| g.revoked_at.is_none())
            .count(),
        2
    );
    let _ = w.max;
    w.app.finish().await;
}

async fn bad_access_requests_are_named_and_save_nothing(b: Backend) {
    let w = world(b).await;
    let mia = w.client("mia").await;
    let line = |system: &str| json!({"system": system, "role": "member", "justification": "why"});
    let cases = [
        (json!({"kind": "access", "people": ["mia@example.com"], "systems": [line("Nope")]}), "system_0", "There is no system called \u{201c}Nope\u{201d} in the registry; choose one from the list."),
        (json!({"kind": "access", "people": ["mia@example.com"], "systems": [line("Finance App")]}), "system_0", "The helpdesk does not manage Finance App: ask Finance in #finance."),
        (json!({"kind": "access", "people": ["ghost@example.com"], "systems": [line("Slack")]}), "people", "No one here is ghost@example.com. Check the spelling, or ask an analyst to add them."),
        (json!({"kind": "access", "people": ["mia@example.com"], "systems": [line("Slack"), line("SLACK")]}), "system_1", "Line 2: SLACK is already on line 1; give it one line."),
        (json!({"kind": "access", "people": ["mia@example.com"], "systems": [line("Slack")], "end_date": "2001-01-01"}), "end_date", "This date is in the past."),
        (json!({"kind": "access", "people": ["mia@example.com"], "systems": [line("Slack"), line("Nope")]}), "system_1", "There is no system called \u{201c}Nope\u{201d} in the registry; choose one from the list."),
        (json!({"kind": "access", "people": [], "systems": [line("Slack")]}), "people", "Name at least one person."),
    ];
    for (body, field, message) in cases {
        let (status, res) = w.post(&mia, "/api/v1/requests", body.clone()).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(res["error"]["field"], field, "{body}");
        assert_eq!(res["error"]["message"], message, "{body}");
    }
    // The same through the form's server function, field names as the form sends them.
    let res = w
        .app
        .call(
            &mia,
            "/fn/submit_request",
            &[
                ("kind", "access"),
                ("fields[people]", "mia@example.com"),
                ("fields[system_0]", "Widget"),
                ("fields[role_0]", "viewer"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["field"], "justification_0");
    assert_eq!(w.app.db().count_requests().await.unwrap(), 0);
    w.app.finish().await;
}

async fn admin_access_and_red_data_add_their_approvals(b: Backend) {
    let w = world(b).await;
    let (mia, olga, sam) = (
        w.client("mia").await,
        w.client("olga").await,
        w.client("sam").await,
    );
    let (status, created) = w
        .post(
            &mia,
            "/api/v1/requests",
            json!({
                "kind": "access", "people": ["@mia"], "admin": true,
                "systems": [
                    {"system": "Vault", "role": "admin", "justification": "ops"},
                    {"system": "Cloud Console", "role": "viewer", "justification": "ops"},
                ],
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap().to_string();
    let d = w.get(&mia, &key).await;
    let steps: Vec<(&str, &str)> = d["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["step"].as_str().unwrap(), a["approver"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("manager", "Max Manager"),
            ("system-owner", "Owners of Vault"),
            ("infrastructure", "Infrastructure"),
            ("security", "Security"),
        ]
    );
    assert_eq!(d["labels"], json!(["admin-access"]));
    // Olga may decide the owner step and no other; the approver sees the request.
    let o = w.get(&olga, &key).await;
    let can: Vec<bool> = o["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["can_decide"].as_bool().unwrap())
        .collect();
    assert_eq!(can, [false, true, false, false]);
    let s = w.get(&sam, &key).await;
    let can: Vec<bool> = s["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["can_decide"].as_bool().unwrap())
        .collect();
    assert_eq!(can, [false, false, true, true]);
    let manager_step = d["approvals"][0]["id"].as_i64().unwrap();
    let (status, _) = w
        .post(
            &sam,
            &format!("/api/v1/requests/{key}/approvals"),
            json!({"approval": manager_step, "decision": "approve"}),
        )
        .await;
    assert_eq!(status, 403, "Security cannot take the manager's step");
    // A denial needs a reason, then ends the request and skips the rest.
    let owner_step = d["approvals"][1]["id"].as_i64().unwrap();
    let path = format!("/api/v1/requests/{key}/approvals");
    let (status, body) = w
        .post(
            &olga,
            &path,
            json!({"approval": owner_step, "decision": "deny", "note": "  "}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "note");
    let (status, body) = w
        .post(
            &olga,
            &path,
            json!({"approval": owner_step, "decision": "deny", "note": "Use break-glass instead."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "denied");
    let states: Vec<&str> = body["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["skipped", "denied", "skipped", "skipped"]);
    w.app.finish().await;
}

async fn a_reset_waits_for_the_identity_check(b: Backend) {
    let w = world(b).await;
    let (mia, ana) = (w.client("mia").await, w.client("ana").await);
    let (status, created) = w
        .post(
            &mia,
            "/api/v1/requests",
            json!({"kind": "reset", "system": "Slack", "what": "2fa"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap().to_string();
    let d = w.get(&ana, &key).await;
    assert_eq!(d["state"], "new");
    let reset = task_id(&d, "Reset the 2FA on Slack for Mia Member");
    assert_eq!(d["tasks"][0]["needs_identity_check"], true);
    let task = format!("/api/v1/requests/{key}/tasks/{reset}");
    let (status, body) = w.post(&ana, &task, json!({"outcome": "done"})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        body["error"]["message"],
        "Record the identity check before closing the reset."
    );
    let checks = format!("/api/v1/requests/{key}/identity-checks");
    let (status, _) = w
        .post(&mia, &checks, json!({"method": "video-call", "note": "me"}))
        .await;
    assert_eq!(status, 403, "requesters do not vouch for themselves");
    let (status, body) = w
        .post(
            &ana,
            &checks,
            json!({"method": "carrier-pigeon", "note": "x"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("method"))
    );
    let (status, body) = w
        .post(&ana, &checks, json!({"method": "video-call", "note": ""}))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("note"))
    );
    let (status, _) = w
        .post(
            &ana,
            &checks,
            json!({"method": "video-call", "note": "Passport shown on a call"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = w
        .post(
            &ana,
            &task,
            json!({"outcome": "done", "reply": "Your password is reset; check your phone."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "resolved");
    // The requester sees that a check happened, not its notes.
    let m = w.get(&mia, &key).await;
    assert_eq!(m["identity_checks"][0]["method"], "video-call");
    assert_eq!(m["identity_checks"][0]["note"], "");
    w.app.finish().await;
}

async fn other_kinds_are_typed_and_checked(b: Backend) {
    let w = world(b).await;
    let (mia, max) = (w.client("mia").await, w.client("max").await);
    let in_days = |n: i64| {
        Day::of(Timestamp::from_millis(w.app.db().now()))
            .add_days(n)
            .to_string()
    };
    // A contractor without an end date gets six months; more than two years is refused.
    let contractor = json!({
        "kind": "contractor", "name": "Kim", "vendor": "Acme", "manager": "@max",
        "po_approved": true, "review_done": true, "classification": "green",
    });
    let (status, created) = w.post(&mia, "/api/v1/requests", contractor.clone()).await;
    assert_eq!(
        status, 403,
        "members do not bring in contractors: {created}"
    );
    let (status, created) = w.post(&max, "/api/v1/requests", contractor.clone()).await;
    assert_eq!(status, 201, "{created}");
    let d = w.get(&max, created["key"].as_str().unwrap()).await;
    let end = d["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "end_date")
        .unwrap()["value"]
        .clone();
    let six_months = Day::of(Timestamp::from_millis(w.app.db().now()))
        .add_months(6)
        .to_string();
    assert_eq!(end, six_months);
    // Max asks as the manager, so Max's own manager (none here) is replaced by Security.
    assert_eq!(d["approvals"][0]["approver"], "Security");
    let mut far = contractor.clone();
    far["end_date"] = json!(in_days(800));
    let (status, body) = w.post(&max, "/api/v1/requests", far).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("end_date"))
    );
    // A laptop repair needs IT and the manager.
    let (status, created) = w
        .post(
            &mia,
            "/api/v1/requests",
            json!({"kind": "laptop", "laptop": "repair", "description": "Cracked screen"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let d = w.get(&mia, created["key"].as_str().unwrap()).await;
    let steps: Vec<&str> = d["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["approver"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["IT", "Max Manager"]);
    // Training has no approvals and goes straight to the queue.
    let (status, created) = w.post(&mia, "/api/v1/requests", json!({"kind": "training", "topic": "1Password", "preferred_times": "Tue mornings CET"})).await;
    assert_eq!(status, 201, "{created}");
    let d = w.get(&mia, created["key"].as_str().unwrap()).await;
    assert_eq!(
        (d["state"].as_str(), d["title"].as_str()),
        (Some("new"), Some("Training: 1Password"))
    );
    w.app.finish().await;
}

async fn the_lockout_form_answers_alike_and_is_rate_limited(b: Backend) {
    let w = world(b).await;
    let c = w.app.client();
    let report = |email: &'static str| {
        let c = c.clone();
        let url = w.app.url("/fn/report_lockout");
        async move {
            let res = c
                .post(url)
                .header("accept", "application/json")
                .header("sec-fetch-site", "same-origin")
                .form(&[
                    ("email", email),
                    ("system", "Slack"),
                    ("what", "Locked after MFA failures"),
                ])
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let known = report("mia@example.com").await;
    let unknown = report("ghost@example.com").await;
    assert_eq!(known.0, 200);
    assert_eq!(
        known, unknown,
        "the same answer for an address with and without an account"
    );
    w.app.lockout_reports_worked().await;
    assert_eq!(
        w.app.db().count_requests().await.unwrap(),
        1,
        "a request only for the real account"
    );
    let r = w
        .app
        .db()
        .request(app::domain::request::RequestKey::new(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (r.requester_id, r.title.as_str(), r.state.as_str()),
        (w.mia, "Locked out of Slack", "new")
    );
    // Bad input names the field; nothing is made.
    let res = c
        .post(w.app.url("/fn/report_lockout"))
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("email", "not-an-address"),
            ("system", "Slack"),
            ("what", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    // Three reports an hour per address, counted alike for addresses without an account.
    for _ in 0..2 {
        assert_eq!(report("ghost@example.com").await.0, 200);
    }
    assert_eq!(report("ghost@example.com").await.0, 429);
    assert_eq!(report("mia@example.com").await.0, 200);
    assert_eq!(report("mia@example.com").await.0, 200);
    assert_eq!(report("mia@example.com").await.0, 429);
    w.app.lockout_reports_worked().await;
    assert_eq!(w.app.db().count_requests().await.unwrap(), 3);
    w.app.finish().await;
}

async fn scheduled_jobs_act_once_however_often_they_run(b: Backend) {
    use app::domain::request::RequestKey;
    use app::ssr::jobs::run;
    use app::ssr::AppState;
    const DAY: i64 = 86_400_000;
    let w = world(b).await;
    let st = AppState::new(w.app.db().clone(), false);
    let (mia, max, sam, ana) = (
        w.client("mia").await,
        w.client("max").await,
        w.client("sam").await,
        w.client("ana").await,
    );
    let key = |v: &Value| v["key"].as_str().unwrap().to_string();
    let number = |k: &str| k.parse::<RequestKey>().unwrap();
    let access = json!({"kind": "access", "people": ["@mia"], "systems": [{"system": "Widget", "role": "viewer", "justification": "x"}]});
    let (_, idle) = w.post(&mia, "/api/v1/requests", access.clone()).await;
    let (_, reviewed) = w.post(&mia, "/api/v1/requests", access).await;
    w.app
        .db()
        .add_label(number(&key(&reviewed)), "access-review", w.max)
        .await
        .unwrap();
    let end = Day::of(Timestamp::from_millis(w.app.db().now())).add_days(20);
    let (status, collab) = w.post(&max, "/api/v1/requests", json!({
        "kind": "external-collaborator", "name": "Kim Extern", "organisation": "Acme", "sponsor": "@mia",
        "systems": [{"system": "Slack", "role": "guest", "justification": "joint channel"}],
        "end_date": end.to_string(),
    })).await;
    assert_eq!(status, 201, "{collab}");
    let collab = key(&collab);
    let d = w.get(&sam, &collab).await;
    let step = d["approvals"][0]["id"].as_i64().unwrap();
    let (status, _) = w
        .post(
            &sam,
            &format!("/api/v1/requests/{collab}/approvals"),
            json!({"approval": step, "decision": "approve"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, sa) = w.post(&mia, "/api/v1/requests", json!({
        "kind": "service-account", "system": "Widget", "owner": "@mia", "purpose": "exports", "scopes": "read", "rotation_days": "30",
    })).await;
    assert_eq!(status, 201, "{sa}");
    let sa = key(&sa);
    let d = w.get(&sam, &sa).await;
    let step = d["approvals"][0]["id"].as_i64().unwrap();
    assert_eq!(d["approvals"][0]["approver"], "Engineering");
    let (status, body) = w
        .post(
            &sam,
            &format!("/api/v1/requests/{sa}/approvals"),
            json!({"approval": step, "decision": "approve"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let d = w.get(&ana, &sa).await;
    let t = d["tasks"][0]["id"].as_i64().unwrap();
    let (status, body) = w
        .post(
            &ana,
            &format!("/api/v1/requests/{sa}/tasks/{t}"),
            json!({"outcome": "done", "reply": "The service account exists."}),
        )
        .await;
    assert_eq!((status, body["state"].as_str()), (200, Some("resolved")));

    let now = w.app.db().now();
    // Nothing is due yet.
    assert!(run(&st, now).await.unwrap().is_empty());
    // Six days before the end: one reminder, however often the jobs run.
    let soon = now + 14 * DAY + DAY / 2;
    let first = run(&st, soon).await.unwrap();
    assert_eq!(first.end_reminders, [number(&collab)]);
    assert!(run(&st, soon).await.unwrap().end_reminders.is_empty());
    let d = w.get(&max, &collab).await;
    assert!(d["comments"][0]["body"]
        .as_str()
        .unwrap()
        .contains(&format!("access for Kim Extern ends on {end}")));
    // On the end date: one offboarding request with a task per system.
    let ended = now + 20 * DAY + DAY / 2;
    let second = run(&st, ended).await.unwrap();
    assert_eq!(second.offboarded.len(), 1);
    assert!(run(&st, ended).await.unwrap().offboarded.is_empty());
    let off = second.offboarded[0].1.to_string();
    let d = w.get(&ana, &off).await;
    assert_eq!(d["kind"], "offboarding");
    let titles: Vec<&str> = d["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Remove Kim Extern's access to Slack"]);
    // Thirty-one days on: the idle access request closes, the reviewed one stays; the service
    // account is due for rotation once per period.
    let later = now + 31 * DAY;
    let third = run(&st, later).await.unwrap();
    assert_eq!(third.closed_idle, [number(&key(&idle))]);
    assert_eq!(third.rotation_reminders, [number(&sa)]);
    let again = run(&st, later).await.unwrap();
    assert!(again.closed_idle.is_empty() && again.rotation_reminders.is_empty());
    assert_eq!(w.get(&mia, &key(&idle)).await["state"], "closed");
    assert_eq!(
        w.get(&mia, &key(&reviewed)).await["state"],
        "awaiting-approval"
    );
    assert_eq!(
        run(&st, now + 61 * DAY).await.unwrap().rotation_reminders,
        [number(&sa)]
    );
    // Two runs at once still act once.
    let (a, b) = tokio::join!(run(&st, now + 91 * DAY), run(&st, now + 91 * DAY));
    let reminders = a.unwrap().rotation_reminders.len() + b.unwrap().rotation_reminders.len();
    assert_eq!(reminders, 1);
    w.app.finish().await;
}

async fn role_templates_drive_onboarding_and_role_changes(b: Backend) {
    let w = world(b).await;
    let (ada, ana, max) = (
        w.client("ada").await,
        w.client("ana").await,
        w.client("max").await,
    );
    assert_eq!(
        save_template(&w.app, &ana, "AE", "Slack = member")
            .await
            .status(),
        403,
        "admins only"
    );
    let res = save_template(&w.app, &ada, "AE", "Slack = member\nNope = x").await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["field"], "systems");
    assert!(
        w.app.db().role_templates().await.unwrap().is_empty(),
        "nothing half-saved"
    );
    assert_eq!(
        save_template(&w.app, &ada, "AE", "Slack = member\nWidget = viewer")
            .await
            .status(),
        200
    );
    assert_eq!(
        save_template(
            &w.app,
            &ada,
            "Manager",
            "Slack = member\nwidget = editor\nVault = viewer"
        )
        .await
        .status(),
        200
    );
    assert_eq!(w.app.db().role_templates().await.unwrap().len(), 2);

    // Onboarding: every baseline system, the template's other systems, and a laptop.
    let start = Day::of(Timestamp::from_millis(w.app.db().now()))
        .add_days(14)
        .to_string();
    let (status, created) = w.post(&max, "/api/v1/requests", json!({
        "kind": "onboarding", "new_hire_name": "Nia New", "new_hire_email": "nia@example.com",
        "start_date": start, "department": "sales", "job_role": "ae", "manager": "@max",
    })).await;
    assert_eq!(status, 201, "{created}");
    let d = w.get(&max, created["key"].as_str().unwrap()).await;
    let titles: Vec<&str> = d["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Create Nia New's baseline access to Slack",
            "Create Nia New's viewer access to Widget",
            &format!("Laptop for Nia New, starting {start}"),
        ]
    );

    // A role change grants and revokes the difference between the templates.
    let (status, created) = w.post(&max, "/api/v1/requests", json!({
        "kind": "role-change", "person": "@cole", "department": "Sales", "old_role": "AE", "new_role": "Manager",
        "effective": Day::of(Timestamp::from_millis(w.app.db().now())).to_string(),
    })).await;
    assert_eq!(status, 201, "{created}");
    let d = w.get(&max, created["key"].as_str().unwrap()).await;
    let titles: Vec<&str> = d["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Grant viewer on Vault to Cole Colleague",
            "Grant editor on Widget to Cole Colleague"
        ]
    );
    let (status, created) = w.post(&max, "/api/v1/requests", json!({
        "kind": "role-change", "person": "@cole", "department": "Sales", "old_role": "Manager", "new_role": "AE",
        "effective": Day::of(Timestamp::from_millis(w.app.db().now())).to_string(),
    })).await;
    assert_eq!(status, 201, "{created}");
    let d = w.get(&max, created["key"].as_str().unwrap()).await;
    let titles: Vec<&str> = d["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Grant viewer on Widget to Cole Colleague",
            "Remove Cole Colleague's access to Vault"
        ]
    );
    let before = w.app.db().count_requests().await.unwrap();
    let (status, body) = w.post(&max, "/api/v1/requests", json!({
        "kind": "role-change", "person": "@cole", "department": "Sales", "old_role": "AE", "new_role": "Astronaut",
        "effective": Day::of(Timestamp::from_millis(w.app.db().now())).to_string(),
    })).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("new_role"))
    );
    assert_eq!(w.app.db().count_requests().await.unwrap(), before);
    w.app.finish().await;
}

async fn save_template(
    app: &TestApp,
    c: &crate::client::Client,
    role: &str,
    systems: &str,
) -> crate::client::Response {
    app.call(
        c,
        "/fn/save_role_template",
        &[
            ("department", "Sales"),
            ("job_role", role),
            ("systems", systems),
        ],
    )
    .await
}

/// A request names the people it is for; a name links to their page only for a viewer who may
/// open it (a colleague's page is not a member's to see), and the request page says whose list
/// it belongs to.
async fn names_link_only_where_the_viewer_may_follow(b: Backend) {
    let w = world(b).await;
    let (mia, max) = (w.client("mia").await, w.client("max").await);
    let (status, created) = w
        .post(
            &mia,
            "/api/v1/requests",
            json!({
                "kind": "access",
                "people": ["mia@example.com", "@cole"],
                "systems": [{"system": "Slack", "role": "member", "justification": "chat"}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap().to_string();
    let links = |d: &Value| -> Vec<(String, bool)> {
        d["people"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_string(),
                    p["link"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let d = w.get(&mia, &key).await;
    assert_eq!(
        links(&d),
        vec![
            ("Cole Colleague".to_string(), false),
            ("Mia Member".to_string(), true)
        ]
    );
    assert_eq!(d["actions"]["mine"], true);
    let page = w.app.html(&mia, &format!("/requests/{key}")).await;
    assert!(
        !page.contains("href=\"/people/cole\""),
        "no dead link to Cole"
    );
    assert!(
        // (Erased views mark each text with a comment: `My requests<!></a>`.)
        page.contains("<p class=\"crumbs\"><a href=\"/requests\">My requests"),
        "crumbs"
    );
    // Their manager may open both.
    let d = w.get(&max, &key).await;
    assert!(links(&d).iter().all(|(_, link)| *link), "{d}");
    assert_eq!(d["actions"]["mine"], false);
    let page = w.app.html(&max, &format!("/requests/{key}")).await;
    assert!(page.contains("href=\"/people/cole\""));
    assert!(
        page.contains("<p class=\"crumbs\"><a href=\"/approvals\">Waiting for me"),
        "crumbs"
    );
    // The navigation counts what waits: Max's approval step, nothing for Mia.
    let mut counts = Vec::new();
    for c in [&max, &mia] {
        let res = w.app.read(c, "/fn/waiting_count", &[]).await;
        counts.push(res.json::<u32>().await.unwrap());
    }
    assert_eq!(counts, vec![1, 0]);
    w.app.finish().await;
}
