//! A fuzzer over the server functions, the JSON API and the pages' query strings: thousands of
//! generated calls per database, by visitors and signed-in people, with hostile and malformed
//! values. Whatever is sent: never a 5xx; a 400 or 422 always names the field; a refused call
//! leaves no request behind, half-written or whole; and at the end every request is whole (its
//! first history line, its approvals while it awaits them).
//!
//! `TIERDESK_FUZZ_CASES` sets the number of calls (default 2000), `TIERDESK_FUZZ_SEED` replays a
//! run; a failure prints both and the call.

use crate::common::{on_both, Backend, TestApp};
use crate::matrix::{world, Ids};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value};

on_both!(whatever_is_sent_nothing_breaks_and_errors_name_their_field);

/// Server functions and their arguments as the app sends them: a scalar, or a map written
/// `name[key]=value`.
const FUNCTIONS: &[(&str, &[&str])] = &[
    (
        "submit_request",
        &[
            "kind",
            "fields[title]",
            "fields[description]",
            "fields[priority]",
            "fields[people]",
            "fields[system_0]",
            "fields[role_0]",
            "fields[justification_0]",
            "fields[admin]",
            "fields[end_date]",
            "fields[person]",
            "fields[system]",
            "fields[what]",
            "fields[laptop]",
            "fields[last_day]",
        ],
    ),
    (
        "decide_approval",
        &[
            "key",
            "approval",
            "decision",
            "note",
            "narrow[1]",
            "narrow[x]",
        ],
    ),
    ("close_task", &["key", "task", "outcome", "note", "reply"]),
    ("reopen_request", &["key", "reason"]),
    ("rate_request", &["key", "rating", "comment"]),
    ("add_participant", &["key", "person"]),
    ("remove_participant", &["key", "handle"]),
    ("record_identity_check", &["key", "method", "note"]),
    ("get_person", &["handle"]),
    ("allow_contractor_system", &["handle", "system"]),
    ("disallow_contractor_system", &["handle", "system_id"]),
    ("choose_system", &["title"]),
    ("get_request", &["key"]),
    ("claim_request", &["key"]),
    ("post_comment", &["key", "body", "visibility"]),
    ("change_state", &["key", "to", "reply"]),
    ("report_lockout", &["email", "system", "what"]),
    ("save_role_template", &["department", "job_role", "systems"]),
    ("delete_role_template", &["id"]),
    (
        "batch_update",
        &[
            "selected[REQ-1]",
            "selected[REQ-3]",
            "selected[junk]",
            "action",
            "assignee",
            "label",
            "state",
            "reply",
        ],
    ),
    ("assign_request", &["key", "assignee"]),
    ("apply_macro", &["key", "macro_id"]),
    ("save_queue_view", &["name", "query"]),
    ("delete_queue_view", &["id"]),
    ("save_macro", &["name", "body", "set_state", "add_labels"]),
    ("delete_macro", &["id"]),
    ("put_holiday", &["day", "name"]),
    ("delete_holiday", &["day"]),
    (
        "add_shift",
        &[
            "analyst",
            "region",
            "duty",
            "weekdays[0]",
            "weekdays[9]",
            "start",
            "end",
        ],
    ),
    ("delete_shift", &["id"]),
    ("set_round_robin", &["on"]),
    ("list_guides", &["q", "category"]),
    ("get_guide", &["slug"]),
    ("suggest_guides", &["title"]),
    ("vote_guide", &["slug", "helpful"]),
    ("guide_solved", &["slug"]),
    ("get_guide_source", &["slug"]),
    (
        "save_guide",
        &[
            "original",
            "slug",
            "title",
            "category",
            "visibility",
            "owner",
            "body",
            "revision",
            "note",
        ],
    ),
    ("preview_markdown", &["body"]),
    ("get_guide_history", &["slug", "from", "to"]),
    ("restore_guide", &["slug", "number"]),
    ("get_registry_admin", &["import"]),
    (
        "list_systems",
        &[
            "query[q]",
            "query[classification]",
            "query[tier]",
            "query[baseline]",
            "query[compliance]",
            "query[group]",
            "query[sort]",
            "query[page]",
        ],
    ),
    ("get_system", &["slug"]),
    (
        "edit_system",
        &[
            "slug",
            "fields[description]",
            "fields[group_owner]",
            "fields[team_member_baseline_entitlement]",
            "fields[title]",
            "managed",
        ],
    ),
    ("save_system_access", &["slug", "access"]),
    ("sign_in", &["email", "password", "next"]),
    ("get_issue", &["key"]),
    (
        "open_issue",
        &["template", "system", "title", "description", "request"],
    ),
    ("move_issue", &["key", "to"]),
    ("comment_issue", &["key", "body"]),
    ("relabel_issue", &["key", "labels"]),
    ("reassign_issue", &["key", "assignees"]),
    (
        "edit_issue",
        &["key", "title", "description", "priority", "due_on"],
    ),
    ("list_issue_templates", &[]),
    (
        "save_issue_template",
        &[
            "id",
            "name",
            "labels",
            "priority",
            "assign_owners",
            "description",
        ],
    ),
    ("delete_issue_template", &["id"]),
    ("automation", &[]),
    (
        "save_rule",
        &[
            "intent",
            "id",
            "name",
            "trigger",
            "match_all",
            "conditions",
            "actions",
            "enabled",
            "try_request",
        ],
    ),
    ("change_rule", &["id", "op"]),
    ("retry_dead_letter", &["id"]),
    ("email_prefs", &[]),
    (
        "set_email_prefs",
        &["replies", "state", "approvals", "tasks", "sla", "rules"],
    ),
];

/// Read-only server functions, called with GET.
const READS: &[(&str, &[&str])] = &[
    ("queue_dashboard", &["query"]),
    ("queue_version", &[]),
    ("get_viewer", &[]),
    (
        "list_issues",
        &["state", "label", "assignee", "system", "q", "before"],
    ),
    (
        "issue_board",
        &["state", "label", "assignee", "system", "q"],
    ),
    (
        "try_rule",
        &[
            "name",
            "trigger",
            "match_all",
            "conditions",
            "actions",
            "try_request",
        ],
    ),
];

/// The JSON API: method, path, body fields.
const API: &[(&str, &str, &[&str])] = &[
    ("GET", "/api/v1/requests", &[]),
    (
        "POST",
        "/api/v1/requests",
        &[
            "kind",
            "title",
            "description",
            "priority",
            "people",
            "systems",
            "admin",
            "end_date",
            "person",
            "system",
            "what",
        ],
    ),
    ("GET", "/api/v1/requests/REQ-4", &[]),
    (
        "POST",
        "/api/v1/requests/REQ-4/comments",
        &["body", "internal"],
    ),
    (
        "POST",
        "/api/v1/requests/REQ-4/transitions",
        &["to", "reply"],
    ),
    ("POST", "/api/v1/requests/REQ-4/reopen", &["reason"]),
    (
        "POST",
        "/api/v1/requests/REQ-4/rating",
        &["rating", "comment"],
    ),
    ("POST", "/api/v1/requests/REQ-4/participants", &["person"]),
    (
        "POST",
        "/api/v1/requests/REQ-4/approvals",
        &["approval", "decision", "note", "narrow"],
    ),
    (
        "POST",
        "/api/v1/requests/REQ-5/tasks/2",
        &["outcome", "note"],
    ),
    (
        "POST",
        "/api/v1/requests/REQ-6/identity-checks",
        &["method", "note"],
    ),
    ("GET", "/api/v1/guides", &[]),
    ("GET", "/api/v1/guides/public-guide", &[]),
    ("GET", "/api/v1/systems", &[]),
    ("GET", "/api/v1/systems/slack", &[]),
    (
        "POST",
        "/api/v1/requests/REQ-4/escalations",
        &["template", "system", "title", "description"],
    ),
    ("GET", "/api/v1/issues", &[]),
    (
        "POST",
        "/api/v1/issues",
        &["template", "system", "title", "description"],
    ),
    ("GET", "/api/v1/issues/ENG-1", &[]),
    (
        "PATCH",
        "/api/v1/issues/ENG-1",
        &["title", "description", "priority", "due_on"],
    ),
    ("POST", "/api/v1/issues/ENG-1/comments", &["body"]),
    ("POST", "/api/v1/issues/ENG-1/transitions", &["to"]),
    ("PUT", "/api/v1/issues/ENG-1/labels", &["labels"]),
    ("PUT", "/api/v1/issues/ENG-1/assignees", &["assignees"]),
    (
        "POST",
        "/api/v1/issue-templates",
        &["name", "labels", "priority", "assign_owners", "description"],
    ),
    (
        "PUT",
        "/api/v1/issue-templates/1",
        &["name", "labels", "priority", "assign_owners", "description"],
    ),
    (
        "POST",
        "/api/v1/rules",
        &[
            "name",
            "trigger",
            "match",
            "conditions",
            "actions",
            "enabled",
        ],
    ),
    (
        "PUT",
        "/api/v1/rules/1",
        &[
            "name",
            "trigger",
            "match",
            "conditions",
            "actions",
            "enabled",
        ],
    ),
    (
        "POST",
        "/api/v1/rules/tries",
        &[
            "name",
            "trigger",
            "match",
            "conditions",
            "actions",
            "request",
        ],
    ),
    ("POST", "/api/v1/rules/1/moves", &["direction"]),
    ("POST", "/api/v1/outbox/dead-letters/1/retries", &[]),
    ("PUT", "/api/v1/me/email", &["on"]),
];

/// Pages whose query strings people (and links) can set.
const PAGES: &[(&str, &[&str])] = &[
    ("/guides", &["q", "category", "cursor"]),
    (
        "/queue",
        &[
            "view", "state", "kind", "q", "sort", "after", "label", "assignee",
        ],
    ),
    ("/systems", &["q", "classification", "tier", "sort", "page"]),
    ("/request/access", &["system_0", "title", "lines"]),
    ("/requests/REQ-1", &[]),
    ("/admin/registry", &["import"]),
    ("/guides/runbook/history", &["from", "to"]),
    (
        "/issues",
        &["state", "label", "assignee", "system", "q", "before"],
    ),
    ("/issues/board", &["label", "assignee", "system", "q"]),
    (
        "/admin/rules",
        &[
            "edit",
            "name",
            "trigger",
            "match_all",
            "conditions",
            "actions",
            "try_request",
        ],
    ),
];

/// Values people, links and attackers send.
fn text() -> impl Strategy<Value = String> {
    let pool: Vec<String> = [
        "",
        " ",
        "REQ-1",
        "REQ-3",
        "REQ-999999999999",
        "req-2",
        "1",
        "2",
        "0",
        "-1",
        "9223372036854775808",
        "1e3",
        "abc",
        "slack",
        "Slack",
        "Vault",
        "public-guide",
        "runbook",
        "mia",
        "@mia",
        "cora",
        "mia@example.com",
        "ghost@example.com",
        "not-an-address@",
        "yes",
        "no",
        "on",
        "off",
        "approve",
        "deny",
        "done",
        "not-applicable",
        "video-call",
        "cancelled",
        "in-progress",
        "resolved",
        "access",
        "other",
        "reset",
        "laptop",
        "offboarding",
        "public",
        "internal",
        "emea",
        "support",
        "08:00",
        "25:99",
        "2026-12-01",
        "2001-01-01",
        "31/12/2026",
        "high",
        "urgent",
        "{{requester.name}}",
        "{{nope}}",
        "</title><script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "a\0b",
        "\u{1b}[31m",
        "\u{7f}",
        "\u{202e}evil",
        "zero\u{200b}width",
        "👩‍💻",
        "view=mine&sort=due",
        "%00",
        "null",
        "true",
        "{}",
        "[]",
        "Slack = member",
        "guest\nmember",
        "#help: chat group",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    prop_oneof![
        8 => proptest::sample::select(pool),
        1 => "\\PC{0,40}",
        1 => (1usize..25_000).prop_map(|n| "x".repeat(n)),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        6 => text().prop_map(Value::String),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
        1 => any::<f64>().prop_map(|f| json!(f)),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                proptest::sample::select(vec!["system", "role", "justification", "x", "1"]),
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Case {
    Fn(&'static str, Vec<(String, String)>),
    Read(&'static str, Vec<(String, String)>),
    Api(&'static str, &'static str, Value),
    Page(&'static str, Vec<(String, String)>),
}

/// Some of an endpoint's own fields (others left out), with values, and now and then a field it
/// does not have.
fn fields(names: &'static [&'static str]) -> impl Strategy<Value = Vec<(String, String)>> {
    let n = names.len();
    (
        prop::collection::vec((any::<bool>(), text()), n),
        prop::option::weighted(0.1, ("[a-z_]{1,8}", text())),
    )
        .prop_map(move |(chosen, extra)| {
            let mut out: Vec<(String, String)> = names
                .iter()
                .zip(chosen)
                .filter(|(_, (keep, _))| *keep)
                .map(|(name, (_, value))| (name.to_string(), value))
                .collect();
            if let Some((k, v)) = extra {
                if !names.contains(&k.as_str()) {
                    out.push((k, v));
                }
            }
            out
        })
}

/// A request that is nearly right: what real people send most, so that creating requests (and
/// what follows a create) is fuzzed too, not only refusals.
fn nearly_right() -> impl Strategy<Value = Case> {
    (
        proptest::sample::select(vec!["other", "software", "training"]),
        text(),
        text(),
        any::<bool>(),
    )
        .prop_map(|(kind, title, description, api)| {
            if api {
                Case::Api(
                    "POST",
                    "/api/v1/requests",
                    json!({"kind": kind, "title": title, "description": description}),
                )
            } else {
                Case::Fn(
                    "submit_request",
                    vec![
                        ("kind".into(), kind.into()),
                        ("fields[title]".into(), title),
                        ("fields[description]".into(), description),
                    ],
                )
            }
        })
}

fn case() -> impl Strategy<Value = Case> {
    prop_oneof![
        2 => nearly_right(),
        6 => proptest::sample::select(FUNCTIONS).prop_flat_map(|(name, args)| fields(args).prop_map(move |f| Case::Fn(name, f))),
        1 => proptest::sample::select(READS).prop_flat_map(|(name, args)| fields(args).prop_map(move |f| Case::Read(name, f))),
        3 => proptest::sample::select(API).prop_flat_map(|(method, path, names)| {
            let names: Vec<&'static str> = names.to_vec();
            prop_oneof![
                8 => prop::collection::vec((any::<bool>(), json_value()), names.len()).prop_map(move |values| {
                    let map: serde_json::Map<String, Value> = names
                        .iter()
                        .zip(values)
                        .filter(|(_, (keep, _))| *keep)
                        .map(|(n, (_, v))| (n.to_string(), v))
                        .collect();
                    Value::Object(map)
                }),
                1 => json_value(),
            ]
            .prop_map(move |body| Case::Api(method, path, body))
        }),
        2 => proptest::sample::select(PAGES).prop_flat_map(|(path, args)| fields(args).prop_map(move |f| Case::Page(path, f))),
    ]
}

async fn send(app: &TestApp, c: &crate::client::Client, case: &Case) -> (u16, String) {
    let pairs = |f: &Vec<(String, String)>| -> Vec<(String, String)> { f.clone() };
    let res = match case {
        Case::Fn(name, f) => {
            c.post(app.url(&format!("/fn/{name}")))
                .header("accept", "application/json")
                .header("sec-fetch-site", "same-origin")
                .form(&pairs(f))
                .send()
                .await
        }
        Case::Read(name, f) => {
            c.get(app.url(&format!("/fn/{name}")))
                .header("accept", "application/json")
                .query(&pairs(f))
                .send()
                .await
        }
        Case::Api(method, path, body) => {
            let r = if *method == "GET" {
                c.get(app.url(path))
            } else {
                let m = axum::http::Method::from_bytes(method.as_bytes()).unwrap();
                c.request(m, app.url(path)).json(body)
            };
            r.send().await
        }
        Case::Page(path, f) => {
            c.get(app.url(path))
                .header("accept", "text/html")
                .query(&pairs(f))
                .send()
                .await
        }
    }
    .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// The field a 400 or 422 names, wherever that kind of answer puts it.
fn named_field(case: &Case, body: &str) -> Option<String> {
    match case {
        Case::Page(..) => {
            if body.contains("The address has a problem in") {
                return Some("address".to_string());
            }
            let field = body.split("data-field=\"").nth(1)?.split('"').next()?;
            (!field.is_empty()).then(|| field.to_string())
        }
        _ => {
            let v: Value = serde_json::from_str(body).ok()?;
            let field = v
                .get("field")
                .or_else(|| v.get("error").and_then(|e| e.get("field")));
            field
                .and_then(Value::as_str)
                .filter(|f| !f.is_empty())
                .map(str::to_string)
        }
    }
}

async fn whatever_is_sent_nothing_breaks_and_errors_name_their_field(b: Backend) {
    let cases: usize = std::env::var("TIERDESK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let seed: u64 = std::env::var("TIERDESK_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let (app, _ids): (TestApp, Ids) = world(b).await;
    let people = [
        app.client(),
        app.signed_in("mia@example.com").await,
        app.signed_in("cora@example.com").await,
        app.signed_in("max@example.com").await,
        app.signed_in("ana@example.com").await,
        app.signed_in("ada@example.com").await,
    ];
    let strategy = case();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for n in 0..cases {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        let who = n % people.len();
        let before = app.db().count_requests().await.unwrap();
        let (status, body) = send(&app, &people[who], &case).await;
        *statuses.entry(status).or_default() += 1;
        let fail = |why: &str| {
            let shown = format!("{case:?}");
            panic!(
                "{why}\nseed {seed} (TIERDESK_FUZZ_SEED), call {n} as person {who}: {}\n-> {status} {}",
                shown.chars().take(1500).collect::<String>(),
                body.chars().take(600).collect::<String>()
            )
        };
        if status >= 500 {
            fail("a 5xx");
        }
        if matches!(status, 400 | 422) && named_field(&case, &body).is_none() {
            fail("a 4xx for what was sent that names no field");
        }
        if matches!(&case, Case::Fn("report_lockout", _)) {
            app.lockout_reports_worked().await;
        }
        let after = app.db().count_requests().await.unwrap();
        let made = after - before;
        let created = (200..300).contains(&status)
            && matches!(
                &case,
                Case::Fn("submit_request" | "report_lockout", _)
                    | Case::Api("POST", "/api/v1/requests", _)
            );
        if made != 0 && !(created && made == 1) {
            fail(&format!("{made} requests appeared"));
        }
    }
    // Every request is whole.
    let db = app.db();
    let mut before = None;
    let mut count = 0;
    loop {
        let page = db.all_requests(before, 200).await.unwrap();
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        for r in &page {
            count += 1;
            let k = r.key();
            let events = db.events(k, true).await.unwrap();
            assert!(
                events.iter().any(|e| e.field == "created"),
                "{k} has no first history line"
            );
            if r.state() == app::domain::request::RequestState::AwaitingApproval {
                assert!(
                    db.pending_approvals(k).await.unwrap() > 0,
                    "{k} awaits no approval"
                );
            }
        }
    }
    eprintln!("fuzzer: {cases} calls, seed {seed}, statuses {statuses:?}, {count} requests");
    app.finish().await;
}
