//! The authorization matrix: every endpoint the server answers (pages, server functions, the
//! JSON API, health checks, the upload) called as each of nine kinds of person, with the outcome
//! the table expects. The rows are checked against the server's own route list, so an endpoint
//! added without a row fails this test.
//!
//! Outcomes: `A` answered (2xx, or a redirect that is not to the sign-in page), `R` refused for
//! what was asked rather than who asked (400, 409, 422: the authorization check passed), `D`
//! denied (401, 403, 404, or sent to sign in). A 5xx is always a failure.

use crate::common::{on_both, Backend, TestApp};
use app::domain::user::Role;
use serde_json::{json, Value};

on_both!(every_endpoint_answers_each_role_as_the_table_says);

/// Who calls, in the order of each row's outcomes.
const ROLES: [&str; 9] = [
    "visitor",
    "member",
    "contractor",
    "manager",
    "approver",
    "provisioner",
    "analyst",
    "engineer",
    "admin",
];

/// How a row calls its endpoint.
#[derive(Clone)]
enum Call {
    /// A page, as a browser asks for it.
    Page(&'static str),
    /// A server function the app posts (form-encoded, JSON answer).
    Fn(&'static str, Vec<(&'static str, String)>),
    /// A read-only server function (GET, arguments in the query).
    FnGet(&'static str, Vec<(&'static str, String)>),
    /// The JSON API.
    Get(&'static str),
    Post(&'static str, Value),
    Put(&'static str, Value),
    Patch(&'static str, Value),
    Delete(&'static str),
    /// The registry upload (multipart, no file: the check that matters is who may post).
    Upload,
    /// `POST /files`: one small text file.
    Files,
}

struct Row {
    /// `METHOD /path` as the server's route list spells it.
    endpoint: &'static str,
    call: Call,
    /// One of `A`, `R`, `D` per role, in [`ROLES`] order (spaces for reading).
    expect: &'static str,
}

fn s(v: impl ToString) -> String {
    v.to_string()
}

/// The rows. Ids are those the world below makes on a fresh database: requests REQ-1 (Mia's
/// Vault access, awaiting Max and the owner Olga), REQ-2 (Mia's Slack access, approved, a grant
/// task for Pia) and REQ-3 (Mia's reset); approval 1 is Max's step on REQ-1; task 1 Pia's grant;
/// macro 1, queue view 1, shift 1 and role template 1 were made by Ana and Ada.
fn rows(ids: &Ids) -> Vec<Row> {
    use Call::*;
    let key = || s("REQ-1");
    let r = |endpoint, call, expect| Row {
        endpoint,
        call,
        expect,
    };
    vec![
        // ----- outside Leptos
        r("GET /healthz", Get("/healthz"), "AAAAAAAAA"),
        // The API's description is public; the figures of /metrics are for admins (and for a
        // scraper with the secret, see http.rs).
        r("GET /openapi.json", Get("/openapi.json"), "AAAAAAAAA"),
        r("GET /metrics", Get("/metrics"), "DDDDDDDDA"),
        r("GET /help/api", Page("/help/api"), "AAAAAAAAA"),
        r(
            "GET /fn/api_reference",
            FnGet("/fn/api_reference", vec![]),
            "AAAAAAAAA",
        ),
        r("GET /readyz", Get("/readyz"), "AAAAAAAAA"),
        r("POST /admin/registry/import", Upload, "DDDDDDDDA"),
        // Anyone signed in may upload for their own forms; who may download what is in
        // attachments.rs (a file nobody can see is "not found" for all).
        r("POST /files", Files, "DAAAAAAAA"),
        r(
            "GET /files/{id}/{name}",
            Get("/files/0123456789abcdef0123456789abcdef/x.txt"),
            "DDDDDDDDD",
        ),
        r(
            "GET /fn/home_page",
            FnGet("/fn/home_page", vec![]),
            "AAAAAAAAA",
        ),
        r(
            "POST /fn/set_notice",
            Fn("/fn/set_notice", vec![("notice", s(""))]),
            "DDDDDDDDA",
        ),
        r(
            "GET /fn/waiting_count",
            FnGet("/fn/waiting_count", vec![]),
            "AAAAAAAAA",
        ),
        r(
            "GET /fn/pending_attachments",
            FnGet("/fn/pending_attachments", vec![("ids", s(""))]),
            "DAAAAAAAA",
        ),
        // ----- pages
        r("GET /", Page("/"), "AAAAAAAAA"),
        r("GET /sign-in", Page("/sign-in"), "AAAAAAAAA"),
        r(
            "GET /help/locked-out",
            Page("/help/locked-out"),
            "AAAAAAAAA",
        ),
        r("GET /guides", Page("/guides"), "AAAAAAAAA"),
        r("GET /guides/new", Page("/guides/new"), "DDDDDDAAA"),
        r(
            "GET /guides/{slug}",
            Page("/guides/public-guide"),
            "AAAAAAAAA",
        ),
        r(
            "GET /guides/{slug}/edit",
            Page("/guides/runbook/edit"),
            "DDDDDDAAA",
        ),
        r(
            "GET /guides/{slug}/history",
            Page("/guides/runbook/history"),
            "DDDDDDAAA",
        ),
        r("GET /request", Page("/request"), "DAAAAAAAA"),
        r("GET /request/{kind}", Page("/request/other"), "DAAAAAAAA"),
        r("GET /requests", Page("/requests"), "DAAAAAAAA"),
        r("GET /requests/{key}", Page("/requests/REQ-1"), "DADAADAAA"),
        r("GET /queue", Page("/queue"), "DDDDDDADA"),
        r("GET /queue/macros", Page("/queue/macros"), "DDDDDDADA"),
        r("GET /approvals", Page("/approvals"), "DAAAAAAAA"),
        r("GET /people/{handle}", Page("/people/mia"), "DADADDAAA"),
        r("GET /systems", Page("/systems"), "DAAAAAAAA"),
        r("GET /systems/{slug}", Page("/systems/slack"), "DAAAAAAAA"),
        r(
            "GET /systems/{slug}/edit",
            Page("/systems/slack/edit"),
            "DDDDDDDDA",
        ),
        r("GET /admin/registry", Page("/admin/registry"), "DDDDDDDDA"),
        r(
            "GET /admin/role-templates",
            Page("/admin/role-templates"),
            "DDDDDDDDA",
        ),
        r("GET /admin/coverage", Page("/admin/coverage"), "DDDDDDDDA"),
        r("GET /admin/rules", Page("/admin/rules"), "DDDDDDDDA"),
        r(
            "GET /settings/notifications",
            Page("/settings/notifications"),
            "DAAAAAAAA",
        ),
        r(
            "POST /fn/automation",
            Fn("/fn/automation", vec![]),
            "DDDDDDDDA",
        ),
        // Admins are refused only for what they sent: a rule without a name, an unknown change.
        r(
            "POST /fn/save_rule",
            Fn("/fn/save_rule", vec![("name", s(""))]),
            "DDDDDDDDR",
        ),
        r(
            "GET /fn/try_rule",
            FnGet("/fn/try_rule", vec![("try_request", s("REQ-1"))]),
            "DDDDDDDDR",
        ),
        r(
            "POST /fn/change_rule",
            Fn("/fn/change_rule", vec![("id", s("1")), ("op", s("bogus"))]),
            "DDDDDDDDR",
        ),
        r(
            "POST /fn/retry_dead_letter",
            Fn("/fn/retry_dead_letter", vec![("id", s("x"))]),
            "DDDDDDDDR",
        ),
        r(
            "POST /fn/email_prefs",
            Fn("/fn/email_prefs", vec![]),
            "DAAAAAAAA",
        ),
        r(
            "POST /fn/set_email_prefs",
            Fn("/fn/set_email_prefs", vec![("replies", s("on"))]),
            "DAAAAAAAA",
        ),
        // Inbound mail answers only the mail service's secret (see automation.rs); this server
        // has none, so the address does not exist for anyone.
        r(
            "POST /mail/inbound",
            Post("/mail/inbound", json!({})),
            "DDDDDDDDD",
        ),
        r(
            "GET /admin/issue-templates",
            Page("/admin/issue-templates"),
            "DDDDDDDDA",
        ),
        // The tracker is staff's: analysts follow and comment, engineers and admins work it.
        r("GET /issues", Page("/issues"), "DDDDDDAAA"),
        r("GET /issues/board", Page("/issues/board"), "DDDDDDAAA"),
        r("GET /issues/new", Page("/issues/new"), "DDDDDDAAA"),
        r("GET /issues/{key}", Page("/issues/ENG-1"), "DDDDDDAAA"),
        r(
            "GET /fn/list_issues",
            FnGet("/fn/list_issues", vec![]),
            "DDDDDDAAA",
        ),
        r(
            "GET /fn/issue_board",
            FnGet("/fn/issue_board", vec![]),
            "DDDDDDAAA",
        ),
        r(
            "POST /fn/get_issue",
            Fn("/fn/get_issue", vec![("key", s("ENG-1"))]),
            "DDDDDDAAA",
        ),
        r(
            "POST /fn/open_issue",
            Fn("/fn/open_issue", vec![("title", s(""))]),
            "DDDDDDDRR",
        ),
        r(
            "POST /fn/move_issue",
            Fn(
                "/fn/move_issue",
                vec![("key", s("ENG-1")), ("to", s("done"))],
            ),
            "DDDDDDDRR",
        ),
        r(
            "POST /fn/comment_issue",
            Fn(
                "/fn/comment_issue",
                vec![("key", s("ENG-1")), ("body", s(""))],
            ),
            "DDDDDDRRR",
        ),
        r(
            "POST /fn/relabel_issue",
            Fn(
                "/fn/relabel_issue",
                vec![("key", s("ENG-1")), ("labels", s("<b>"))],
            ),
            "DDDDDDDRR",
        ),
        r(
            "POST /fn/reassign_issue",
            Fn(
                "/fn/reassign_issue",
                vec![("key", s("ENG-1")), ("assignees", s("<b>"))],
            ),
            "DDDDDDDRR",
        ),
        r(
            "POST /fn/edit_issue",
            Fn(
                "/fn/edit_issue",
                vec![("key", s("ENG-1")), ("title", s(""))],
            ),
            "DDDDDDDRR",
        ),
        r(
            "POST /fn/list_issue_templates",
            Fn("/fn/list_issue_templates", vec![]),
            "DDDDDDAAA",
        ),
        r(
            "POST /fn/save_issue_template",
            Fn("/fn/save_issue_template", vec![("name", s(""))]),
            "DDDDDDDDR",
        ),
        // ----- server functions: who is asking, sessions
        r(
            "GET /fn/get_viewer",
            FnGet("/fn/get_viewer", vec![]),
            "AAAAAAAAA",
        ),
        // Anyone may ask; a draft that is not theirs is none (see forms.rs).
        r(
            "GET /fn/form_draft",
            FnGet("/fn/form_draft", vec![("id", s("unknown"))]),
            "AAAAAAAAA",
        ),
        r(
            "POST /fn/sign_in",
            Fn(
                "/fn/sign_in",
                vec![("email", s("nobody@example.com")), ("password", s("wrong"))],
            ),
            "RRRRRRRRR",
        ),
        r(
            "POST /fn/report_lockout",
            Fn(
                "/fn/report_lockout",
                vec![
                    ("email", s("mia@example.com")),
                    ("system", s("Slack")),
                    ("what", s("x")),
                ],
            ),
            "AAAAAAAAA",
        ),
        // ----- requests
        r(
            "POST /fn/submit_request",
            Fn(
                "/fn/submit_request",
                vec![
                    ("kind", s("other")),
                    ("fields[title]", s("t")),
                    ("fields[description]", s("d")),
                ],
            ),
            "DAAAAAAAA",
        ),
        r(
            "GET /fn/list_my_requests",
            FnGet("/fn/list_my_requests", vec![("show", s("all"))]),
            "DAAAAAAAA",
        ),
        r(
            "POST /fn/get_request",
            Fn("/fn/get_request", vec![("key", key())]),
            "DADAADAAA",
        ),
        r(
            "POST /fn/waiting_for_me",
            Fn("/fn/waiting_for_me", vec![]),
            "DAAAAAAAA",
        ),
        r(
            "POST /fn/post_comment",
            Fn(
                "/fn/post_comment",
                vec![
                    ("key", key()),
                    ("body", s("a question")),
                    ("visibility", s("public")),
                ],
            ),
            "DADAADAAA",
        ),
        r(
            "POST /fn/claim_request",
            Fn("/fn/claim_request", vec![("key", key())]),
            "DDDDDDADA",
        ),
        r(
            "POST /fn/change_state",
            Fn(
                "/fn/change_state",
                vec![("key", key()), ("to", s("cancelled"))],
            ),
            "DADDDDADA",
        ),
        // Only the requester reopens and rates (REQ-1 is not resolved: 409); the requester and
        // queue staff copy colleagues on (the requester is no colleague: 422); taking someone
        // off who is not on it is a 422 for anyone who sees the request.
        r(
            "POST /fn/reopen_request",
            Fn(
                "/fn/reopen_request",
                vec![("key", key()), ("reason", s("again"))],
            ),
            "DRDDDDDDD",
        ),
        r(
            "POST /fn/rate_request",
            Fn(
                "/fn/rate_request",
                vec![("key", key()), ("rating", s("good"))],
            ),
            "DRDDDDDDD",
        ),
        r(
            "POST /fn/add_participant",
            Fn(
                "/fn/add_participant",
                vec![("key", key()), ("person", s("mia@example.com"))],
            ),
            "DRDDDDRDR",
        ),
        r(
            "POST /fn/remove_participant",
            Fn(
                "/fn/remove_participant",
                vec![("key", key()), ("handle", s("nobody"))],
            ),
            "DRDRRDRRR",
        ),
        r(
            "POST /fn/decide_approval",
            Fn(
                "/fn/decide_approval",
                vec![
                    ("key", key()),
                    ("approval", s(ids.approval)),
                    ("decision", s("approve")),
                ],
            ),
            // The member asked for it (409: nobody approves their own); the owner and staff
            // are not this step's approver.
            "DRDADDDDD",
        ),
        r(
            "POST /fn/close_task",
            Fn(
                "/fn/close_task",
                vec![
                    ("key", s("REQ-2")),
                    ("task", s(ids.task)),
                    ("outcome", s("done")),
                ],
            ),
            "DDDDDAADA",
        ),
        r(
            "POST /fn/record_identity_check",
            Fn(
                "/fn/record_identity_check",
                vec![
                    ("key", s("REQ-3")),
                    ("method", s("video-call")),
                    ("note", s("seen")),
                ],
            ),
            "DDDDDDADA",
        ),
        r(
            "POST /fn/get_person",
            Fn("/fn/get_person", vec![("handle", s("mia"))]),
            "DADADDAAA",
        ),
        r(
            "POST /fn/allow_contractor_system",
            Fn(
                "/fn/allow_contractor_system",
                vec![("handle", s("cora")), ("system", s("Vault"))],
            ),
            "DDDADDDDA",
        ),
        r(
            "POST /fn/disallow_contractor_system",
            Fn(
                "/fn/disallow_contractor_system",
                vec![("handle", s("cora")), ("system_id", s(ids.slack))],
            ),
            "DDDADDDDA",
        ),
        r(
            "POST /fn/system_titles",
            Fn("/fn/system_titles", vec![]),
            "DAAAAAAAA",
        ),
        r(
            "POST /fn/choose_system",
            Fn("/fn/choose_system", vec![("title", s("Slack"))]),
            "DAAAAAAAA",
        ),
        r(
            "POST /fn/list_role_templates",
            Fn("/fn/list_role_templates", vec![]),
            "DDDDDDDDA",
        ),
        r(
            "POST /fn/save_role_template",
            Fn(
                "/fn/save_role_template",
                vec![
                    ("department", s("Sales")),
                    ("job_role", s("AE")),
                    ("systems", s("Slack = member")),
                ],
            ),
            "DDDDDDDDA",
        ),
        // ----- the queue
        r(
            "GET /fn/queue_dashboard",
            FnGet("/fn/queue_dashboard", vec![("query", s(""))]),
            "DDDDDDADA",
        ),
        r(
            "GET /fn/queue_version",
            FnGet("/fn/queue_version", vec![]),
            "DDDDDDADA",
        ),
        r(
            "POST /fn/batch_update",
            Fn(
                "/fn/batch_update",
                vec![
                    ("selected[REQ-3]", s("on")),
                    ("action", s("assign")),
                    ("assignee", s("me")),
                ],
            ),
            "DDDDDDADA",
        ),
        r(
            "POST /fn/assign_request",
            Fn(
                "/fn/assign_request",
                vec![("key", s("REQ-3")), ("assignee", s("me"))],
            ),
            "DDDDDDADA",
        ),
        r(
            "POST /fn/apply_macro",
            Fn(
                "/fn/apply_macro",
                vec![("key", s("REQ-3")), ("macro_id", s(ids.macro_id))],
            ),
            "DDDDDDADA",
        ),
        r(
            "POST /fn/save_queue_view",
            Fn(
                "/fn/save_queue_view",
                vec![("name", s("Mine")), ("query", s("view=mine"))],
            ),
            "DDDDDDADA",
        ),
        r(
            "POST /fn/list_macros",
            Fn("/fn/list_macros", vec![]),
            "DDDDDDADA",
        ),
        r(
            "POST /fn/save_macro",
            Fn(
                "/fn/save_macro",
                vec![("name", s("Thanks")), ("body", s("Thank you."))],
            ),
            "DDDDDDADA",
        ),
        // ----- coverage (admins)
        r("POST /fn/coverage", Fn("/fn/coverage", vec![]), "DDDDDDDDA"),
        r(
            "POST /fn/put_holiday",
            Fn(
                "/fn/put_holiday",
                vec![("day", s("2031-01-01")), ("name", s("New year"))],
            ),
            "DDDDDDDDA",
        ),
        r(
            "POST /fn/add_shift",
            Fn(
                "/fn/add_shift",
                vec![
                    ("analyst", s("ana")),
                    ("region", s("emea")),
                    ("duty", s("support")),
                    ("weekdays[0]", s("on")),
                    ("start", s("08:00")),
                    ("end", s("12:00")),
                ],
            ),
            "DDDDDDDDA",
        ),
        r(
            "POST /fn/set_round_robin",
            Fn("/fn/set_round_robin", vec![("on", s("off"))]),
            "DDDDDDDDA",
        ),
        // ----- guides
        r(
            "POST /fn/list_guides",
            Fn("/fn/list_guides", vec![("q", s("")), ("category", s(""))]),
            "AAAAAAAAA",
        ),
        r(
            "POST /fn/get_guide",
            Fn("/fn/get_guide", vec![("slug", s("public-guide"))]),
            "AAAAAAAAA",
        ),
        r(
            "POST /fn/suggest_guides",
            Fn("/fn/suggest_guides", vec![("title", s("password"))]),
            "AAAAAAAAA",
        ),
        r(
            "POST /fn/vote_guide",
            Fn(
                "/fn/vote_guide",
                vec![("slug", s("public-guide")), ("helpful", s("yes"))],
            ),
            "AAAAAAAAA",
        ),
        r(
            "POST /fn/guide_solved",
            Fn("/fn/guide_solved", vec![("slug", s("public-guide"))]),
            "AAAAAAAAA",
        ),
        r(
            "POST /fn/get_guide_source",
            Fn("/fn/get_guide_source", vec![("slug", s("runbook"))]),
            "DDDDDDAAA",
        ),
        r(
            "POST /fn/save_guide",
            Fn(
                "/fn/save_guide",
                vec![
                    ("original", s("")),
                    ("slug", s("")),
                    ("title", s("A new guide")),
                    ("category", s("access")),
                    ("visibility", s("public")),
                    ("owner", s("IT")),
                    ("body", s("Text.")),
                    ("revision", s("0")),
                    ("note", s("")),
                ],
            ),
            "DDDDDDAAA",
        ),
        r(
            "POST /fn/preview_markdown",
            Fn("/fn/preview_markdown", vec![("body", s("**x**"))]),
            "DDDDDDAAA",
        ),
        r(
            "POST /fn/get_guide_history",
            Fn("/fn/get_guide_history", vec![("slug", s("runbook"))]),
            "DDDDDDAAA",
        ),
        r(
            "POST /fn/restore_guide",
            Fn(
                "/fn/restore_guide",
                vec![("slug", s("runbook")), ("number", s("1"))],
            ),
            "DDDDDDAAA",
        ),
        // ----- systems
        r(
            "POST /fn/list_systems",
            Fn(
                "/fn/list_systems",
                [
                    "q",
                    "classification",
                    "tier",
                    "baseline",
                    "compliance",
                    "group",
                    "sort",
                    "page",
                ]
                .into_iter()
                .map(|f| match f {
                    "q" => ("query[q]", s("sl")),
                    "page" => ("query[page]", s("0")),
                    other => (
                        Box::leak(format!("query[{other}]").into_boxed_str()) as &str,
                        s(""),
                    ),
                })
                .collect(),
            ),
            "DAAAAAAAA",
        ),
        r(
            "POST /fn/get_system",
            Fn("/fn/get_system", vec![("slug", s("slack"))]),
            "DAAAAAAAA",
        ),
        r(
            "POST /fn/get_registry_admin",
            Fn("/fn/get_registry_admin", vec![]),
            "DDDDDDDDA",
        ),
        r(
            "POST /fn/edit_system",
            Fn(
                "/fn/edit_system",
                vec![
                    ("slug", s("slack")),
                    ("fields[description]", s("Chat")),
                    ("managed", s("on")),
                ],
            ),
            "DDDDDDDDA",
        ),
        r(
            "POST /fn/save_system_access",
            Fn(
                "/fn/save_system_access",
                vec![("slug", s("slack")), ("access", s("guest\nmember\nadmin"))],
            ),
            "DDDDDDDDA",
        ),
        // ----- the JSON API
        r("GET /api/v1/requests", Get("/api/v1/requests"), "DAAAAAAAA"),
        r(
            "POST /api/v1/requests",
            Post(
                "/api/v1/requests",
                json!({"kind": "other", "title": "t", "description": "d"}),
            ),
            "DAAAAAAAA",
        ),
        // The API's rows act on twins of REQ-1..3 (REQ-4..6), so that what a server function
        // row changed does not decide them.
        r(
            "GET /api/v1/requests/{key}",
            Get("/api/v1/requests/REQ-4"),
            "DADAADAAA",
        ),
        r(
            "POST /api/v1/requests/{key}/comments",
            Post(
                "/api/v1/requests/REQ-4/comments",
                json!({"body": "a question"}),
            ),
            "DADAADAAA",
        ),
        r(
            "POST /api/v1/requests/{key}/reopen",
            Post("/api/v1/requests/REQ-4/reopen", json!({"reason": "again"})),
            "DRDDDDDDD",
        ),
        r(
            "POST /api/v1/requests/{key}/rating",
            Post("/api/v1/requests/REQ-4/rating", json!({"rating": "good"})),
            "DRDDDDDDD",
        ),
        r(
            "POST /api/v1/requests/{key}/participants",
            Post(
                "/api/v1/requests/REQ-4/participants",
                json!({"person": "mia@example.com"}),
            ),
            "DRDDDDRDR",
        ),
        r(
            "DELETE /api/v1/requests/{key}/participants/{handle}",
            Delete("/api/v1/requests/REQ-4/participants/nobody"),
            "DRDRRDRRR",
        ),
        r(
            "POST /api/v1/requests/{key}/approvals",
            Post(
                "/api/v1/requests/REQ-4/approvals",
                json!({"approval": ids.api_approval, "decision": "approve"}),
            ),
            "DRDADDDDD",
        ),
        r(
            "POST /api/v1/requests/{key}/transitions",
            Post(
                "/api/v1/requests/REQ-4/transitions",
                json!({"to": "cancelled"}),
            ),
            "DADDDDADA",
        ),
        r(
            "POST /api/v1/requests/{key}/tasks/{id}",
            Post(
                Box::leak(
                    format!("/api/v1/requests/REQ-5/tasks/{}", ids.api_task).into_boxed_str(),
                ),
                json!({"outcome": "done"}),
            ),
            "DDDDDAADA",
        ),
        r(
            "POST /api/v1/requests/{key}/identity-checks",
            Post(
                "/api/v1/requests/REQ-6/identity-checks",
                json!({"method": "video-call", "note": "seen"}),
            ),
            "DDDDDDADA",
        ),
        r(
            "POST /api/v1/requests/{key}/escalations",
            Post("/api/v1/requests/REQ-4/escalations", json!({"title": ""})),
            // Engineers see requests but do not work the queue.
            "DDDDDDRDR",
        ),
        // The queue's: those who work it (analysts, admins).
        r(
            "GET /api/v1/queue",
            Get("/api/v1/queue?view=open&sort=newest"),
            "DDDDDDADA",
        ),
        r(
            "PUT /api/v1/requests/{key}/assignee",
            Put("/api/v1/requests/REQ-6/assignee", json!({"assignee": "me"})),
            "DDDDDDADA",
        ),
        r(
            "POST /api/v1/queue/batch",
            Post(
                "/api/v1/queue/batch",
                json!({"keys": ["REQ-6"], "action": "label", "value": "api-batch"}),
            ),
            "DDDDDDADA",
        ),
        r("GET /api/v1/macros", Get("/api/v1/macros"), "DDDDDDADA"),
        r(
            "POST /api/v1/macros",
            Post(
                "/api/v1/macros",
                json!({"name": "Api thanks", "body": "Thanks."}),
            ),
            "DDDDDDADA",
        ),
        r(
            "POST /api/v1/requests/{key}/macros",
            Post(
                "/api/v1/requests/REQ-6/macros",
                json!({"macro": ids.macro_id}),
            ),
            "DDDDDDADA",
        ),
        r("GET /api/v1/rules", Get("/api/v1/rules"), "DDDDDDDDA"),
        r(
            "POST /api/v1/rules",
            Post("/api/v1/rules", json!({"name": ""})),
            "DDDDDDDDR",
        ),
        r(
            "PUT /api/v1/rules/{id}",
            Put("/api/v1/rules/1", json!({"name": ""})),
            "DDDDDDDDR",
        ),
        r(
            "DELETE /api/v1/rules/{id}",
            Delete("/api/v1/rules/999999"),
            "DDDDDDDDD",
        ),
        r(
            "POST /api/v1/rules/{id}/moves",
            Post("/api/v1/rules/1/moves", json!({"direction": "sideways"})),
            "DDDDDDDDR",
        ),
        r(
            "POST /api/v1/rules/tries",
            Post("/api/v1/rules/tries", json!({"request": "x"})),
            "DDDDDDDDR",
        ),
        r(
            "GET /api/v1/outbox/dead-letters",
            Get("/api/v1/outbox/dead-letters"),
            "DDDDDDDDA",
        ),
        r(
            "POST /api/v1/outbox/dead-letters/{id}/retries",
            Post("/api/v1/outbox/dead-letters/x/retries", json!({})),
            "DDDDDDDDR",
        ),
        r("GET /api/v1/me/email", Get("/api/v1/me/email"), "DAAAAAAAA"),
        r(
            "PUT /api/v1/me/email",
            Put("/api/v1/me/email", json!({"on": ["nope"]})),
            "DRRRRRRRR",
        ),
        r("GET /api/v1/issues", Get("/api/v1/issues"), "DDDDDDAAA"),
        r(
            "POST /api/v1/issues",
            Post("/api/v1/issues", json!({"title": ""})),
            "DDDDDDDRR",
        ),
        r(
            "GET /api/v1/issues/board",
            Get("/api/v1/issues/board"),
            "DDDDDDAAA",
        ),
        r(
            "GET /api/v1/issues/{key}",
            Get("/api/v1/issues/ENG-1"),
            "DDDDDDAAA",
        ),
        r(
            "PATCH /api/v1/issues/{key}",
            Patch("/api/v1/issues/ENG-1", json!({"priority": "p9"})),
            "DDDDDDDRR",
        ),
        r(
            "POST /api/v1/issues/{key}/comments",
            Post("/api/v1/issues/ENG-1/comments", json!({"body": ""})),
            "DDDDDDRRR",
        ),
        r(
            "POST /api/v1/issues/{key}/transitions",
            Post("/api/v1/issues/ENG-1/transitions", json!({"to": "done"})),
            "DDDDDDDRR",
        ),
        r(
            "PUT /api/v1/issues/{key}/labels",
            Put("/api/v1/issues/ENG-1/labels", json!({"labels": ["<b>"]})),
            "DDDDDDDRR",
        ),
        r(
            "PUT /api/v1/issues/{key}/assignees",
            Put(
                "/api/v1/issues/ENG-1/assignees",
                json!({"assignees": ["<b>"]}),
            ),
            "DDDDDDDRR",
        ),
        r(
            "GET /api/v1/issue-templates",
            Get("/api/v1/issue-templates"),
            "DDDDDDAAA",
        ),
        r(
            "POST /api/v1/issue-templates",
            Post("/api/v1/issue-templates", json!({"name": ""})),
            "DDDDDDDDR",
        ),
        r(
            "PUT /api/v1/issue-templates/{id}",
            Put(
                Box::leak(
                    format!("/api/v1/issue-templates/{}", ids.issue_template).into_boxed_str(),
                ),
                json!({"name": ""}),
            ),
            "DDDDDDDDR",
        ),
        r("GET /api/v1/guides", Get("/api/v1/guides"), "AAAAAAAAA"),
        r(
            "GET /api/v1/guides/{slug}",
            Get("/api/v1/guides/public-guide"),
            "AAAAAAAAA",
        ),
        r("GET /api/v1/systems", Get("/api/v1/systems"), "DAAAAAAAA"),
        r(
            "GET /api/v1/systems/{slug}",
            Get("/api/v1/systems/slack"),
            "DAAAAAAAA",
        ),
        // ----- destructive ones last, then signing out
        r(
            "POST /fn/delete_queue_view",
            Fn("/fn/delete_queue_view", vec![("id", s(ids.view))]),
            // Views belong to the analyst who saved them: the admin's is another view.
            "DDDDDDADD",
        ),
        r(
            "DELETE /api/v1/macros/{id}",
            Delete(Box::leak(
                format!("/api/v1/macros/{}", ids.api_macro).into_boxed_str(),
            )),
            "DDDDDDADA",
        ),
        r(
            "POST /fn/delete_macro",
            Fn("/fn/delete_macro", vec![("id", s(ids.macro_id))]),
            "DDDDDDADA",
        ),
        r(
            "POST /fn/delete_holiday",
            Fn("/fn/delete_holiday", vec![("day", s("2030-12-25"))]),
            "DDDDDDDDA",
        ),
        r(
            "POST /fn/delete_shift",
            Fn("/fn/delete_shift", vec![("id", s(ids.shift))]),
            "DDDDDDDDA",
        ),
        r(
            "POST /fn/delete_role_template",
            Fn("/fn/delete_role_template", vec![("id", s(ids.template))]),
            "DDDDDDDDA",
        ),
        r(
            "DELETE /api/v1/issue-templates/{id}",
            Delete(Box::leak(
                format!("/api/v1/issue-templates/{}", ids.issue_template).into_boxed_str(),
            )),
            "DDDDDDDDA",
        ),
        r(
            "POST /fn/delete_issue_template",
            // The API row above deleted the first; the second is this row's.
            Fn(
                "/fn/delete_issue_template",
                vec![("id", s(ids.issue_template + 1))],
            ),
            "DDDDDDDDA",
        ),
        r("POST /fn/sign_out", Fn("/fn/sign_out", vec![]), "AAAAAAAAA"),
    ]
}

/// The ids the world made.
pub struct Ids {
    pub approval: i64,
    pub task: i64,
    pub api_approval: i64,
    pub api_task: i64,
    pub slack: i64,
    pub macro_id: i64,
    pub api_macro: i64,
    pub view: i64,
    pub shift: i64,
    pub template: i64,
    pub issue_template: i64,
}

const REGISTRY: &str = r#"
- title: Slack
  team_member_baseline_entitlement: true
  provisioner: "@gitlab-com/it-team"
  group_owner: IT Ops
  data_classification: Orange
- title: Vault
  provisioner: "@gitlab-com/it-team"
  business_owner: "@olga"
  group_owner: IT Ops
  data_classification: Red
"#;

/// Nine people and the things the rows point at, made the same way on every fresh database.
pub async fn world(b: Backend) -> (TestApp, Ids) {
    let app = TestApp::spawn_with_read_cache(b, std::time::Duration::ZERO).await;
    let t = &app.test_db;
    let mia = t
        .person("mia@example.com", "Mia Member", &[Role::Member])
        .await;
    let cora = t
        .person("cora@example.com", "Cora Contractor", &[Role::Contractor])
        .await;
    let max = t
        .person(
            "max@example.com",
            "Max Manager",
            &[Role::Member, Role::Manager],
        )
        .await;
    let olga = t
        .person("olga@example.com", "Olga Owner", &[Role::Member])
        .await;
    let pia = t
        .person("pia@example.com", "Pia Provisioner", &[Role::Member])
        .await;
    t.person(
        "ana@example.com",
        "Ana Analyst",
        &[Role::Member, Role::Analyst],
    )
    .await;
    let eli = t
        .person(
            "eli@example.com",
            "Eli Engineer",
            &[Role::Member, Role::Engineer],
        )
        .await;
    t.person("ada@example.com", "Ada Admin", &[Role::Member, Role::Admin])
        .await;
    let db = app.db();
    for p in [mia, cora, olga, pia] {
        db.set_manager(p, Some(max)).await.unwrap();
    }
    db.set_teams(pia, &["gitlab-com/it-team"]).await.unwrap();
    db.set_teams(eli, &["security", "infrastructure", "engineering"])
        .await
        .unwrap();
    app::ssr::registry::import(db, REGISTRY, app::ssr::registry::ImportOptions::default())
        .await
        .unwrap();
    let slack = db.system("slack").await.unwrap().unwrap().id;
    let (mia_c, max_c, ana_c, ada_c) = (
        app.signed_in("mia@example.com").await,
        app.signed_in("max@example.com").await,
        app.signed_in("ana@example.com").await,
        app.signed_in("ada@example.com").await,
    );
    let api = |c: &crate::client::Client, path: &str, body: Value| {
        c.post(app.url(path)).json(&body).send()
    };
    let access = |system: &str, role: &str| json!({"kind": "access", "people": ["@mia"], "systems": [{"system": system, "role": role, "justification": "work"}]});
    // REQ-1..3, then their twins REQ-4..6 for the API's rows.
    let mut approvals = Vec::new();
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let created: Value = serde_json::from_str(
            &ok(
                api(&mia_c, "/api/v1/requests", access("Vault", "reader"))
                    .await
                    .unwrap(),
                "Vault",
            )
            .await,
        )
        .unwrap();
        let vault = created["key"].as_str().unwrap().to_string();
        let created: Value = serde_json::from_str(
            &ok(
                api(&mia_c, "/api/v1/requests", access("Slack", "member"))
                    .await
                    .unwrap(),
                "Slack",
            )
            .await,
        )
        .unwrap();
        let slack = created["key"].as_str().unwrap().to_string();
        ok(
            api(
                &mia_c,
                "/api/v1/requests",
                json!({"kind": "reset", "system": "Slack", "what": "password"}),
            )
            .await
            .unwrap(),
            "reset",
        )
        .await;
        let detail: Value = serde_json::from_str(
            &ok(
                mia_c
                    .get(app.url(&format!("/api/v1/requests/{vault}")))
                    .send()
                    .await
                    .unwrap(),
                "vault",
            )
            .await,
        )
        .unwrap();
        approvals.push(
            detail["approvals"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["step"] == "manager")
                .unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
        let detail: Value = serde_json::from_str(
            &ok(
                max_c
                    .get(app.url(&format!("/api/v1/requests/{slack}")))
                    .send()
                    .await
                    .unwrap(),
                "slack",
            )
            .await,
        )
        .unwrap();
        let step = detail["approvals"][0]["id"].as_i64().unwrap();
        let approved: Value = serde_json::from_str(
            &ok(
                api(
                    &max_c,
                    &format!("/api/v1/requests/{slack}/approvals"),
                    json!({"approval": step, "decision": "approve"}),
                )
                .await
                .unwrap(),
                "approve",
            )
            .await,
        )
        .unwrap();
        tasks.push(approved["tasks"][0]["id"].as_i64().unwrap());
    }
    let macro_id: i64 = ok(
        app.call(
            &ana_c,
            "/fn/save_macro",
            &[("name", "Hello"), ("body", "Hello {{requester.name}}.")],
        )
        .await,
        "macro",
    )
    .await
    .parse()
    .unwrap();
    let api_macro: i64 = ok(
        app.call(
            &ana_c,
            "/fn/save_macro",
            &[("name", "Bye"), ("body", "Bye {{requester.name}}.")],
        )
        .await,
        "macro",
    )
    .await
    .parse()
    .unwrap();
    let view: i64 = ok(
        app.call(
            &ana_c,
            "/fn/save_queue_view",
            &[("name", "Unassigned"), ("query", "view=unassigned")],
        )
        .await,
        "view",
    )
    .await
    .parse()
    .unwrap();
    for (title, visibility) in [("Public guide", "public"), ("Runbook", "internal")] {
        ok(
            app.call(
                &ana_c,
                "/fn/save_guide",
                &[
                    ("original", ""),
                    ("slug", ""),
                    ("title", title),
                    ("category", "access"),
                    ("visibility", visibility),
                    ("owner", "IT"),
                    ("body", "How to reset a password."),
                    ("revision", "0"),
                    ("note", ""),
                ],
            )
            .await,
            title,
        )
        .await;
    }
    ok(
        app.call(
            &ada_c,
            "/fn/put_holiday",
            &[("day", "2030-12-25"), ("name", "Christmas")],
        )
        .await,
        "holiday",
    )
    .await;
    ok(
        app.call(
            &ada_c,
            "/fn/add_shift",
            &[
                ("analyst", "ana"),
                ("region", "emea"),
                ("duty", "support"),
                ("weekdays[1]", "on"),
                ("start", "06:00"),
                ("end", "14:00"),
            ],
        )
        .await,
        "shift",
    )
    .await;
    ok(
        app.call(
            &ada_c,
            "/fn/save_role_template",
            &[
                ("department", "Engineering"),
                ("job_role", "Backend"),
                ("systems", "Slack = member"),
            ],
        )
        .await,
        "template",
    )
    .await;
    ok(
        app.call(
            &max_c,
            "/fn/allow_contractor_system",
            &[("handle", "cora"), ("system", "Slack")],
        )
        .await,
        "allow",
    )
    .await;
    let shift = db.shifts().await.unwrap()[0].id;
    let template = db.role_templates().await.unwrap()[0].id;
    // The tracker: two templates (one for each delete row) and issue ENG-1.
    let mut issue_template = 0;
    for name in ["corpsys", "spare"] {
        let t = app::domain::tracker::Template {
            name: name.into(),
            labels: vec!["corpsys-{system}".into()],
            priority: app::domain::tracker::IssuePriority::P2,
            assign_owners: true,
            description: String::new(),
        };
        let id = db.save_issue_template(None, &t).await.unwrap();
        if issue_template == 0 {
            issue_template = id;
        }
    }
    db.create_issue(
        &app::ssr::store::NewIssue {
            title: "Slack SSO loops",
            description: "",
            priority: "p2",
            due_on: None,
            system_id: Some(slack),
            request_id: None,
            template_id: None,
            labels: &[],
            assignees: &[],
        },
        eli,
    )
    .await
    .unwrap();
    (
        app,
        Ids {
            approval: approvals[0],
            task: tasks[0],
            api_approval: approvals[1],
            api_task: tasks[1],
            slack,
            macro_id,
            api_macro,
            view,
            shift,
            template,
            issue_template,
        },
    )
}

/// The body of a response that must have succeeded.
async fn ok(res: crate::client::Response, what: &str) -> String {
    let status = res.status();
    let body = res.text().await.unwrap();
    assert!(status.is_success(), "{what}: {status} {body}");
    body
}

/// What came back, as a row's outcome letter.
fn outcome(status: u16, location: Option<&str>) -> char {
    match status {
        200..=299 => 'A',
        300..=399 if location.is_some_and(|l| l.starts_with("/sign-in")) => 'D',
        300..=399 => 'A',
        400 | 409 | 422 => 'R',
        401 | 403 | 404 => 'D',
        other => panic!("status {other}"),
    }
}

async fn send(
    app: &TestApp,
    c: &crate::client::Client,
    call: &Call,
    context: &str,
) -> (u16, Option<String>) {
    let res = match call {
        Call::Page(path) => c
            .get(app.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap(),
        Call::Fn(path, fields) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(c, path, &fields).await
        }
        Call::FnGet(path, args) => {
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.read(c, path, &args).await
        }
        Call::Get(path) => c.get(app.url(path)).send().await.unwrap(),
        Call::Post(path, body) => c.post(app.url(path)).json(body).send().await.unwrap(),
        Call::Delete(path) => c.delete(app.url(path)).send().await.unwrap(),
        Call::Put(path, body) => c
            .request(axum::http::Method::PUT, app.url(path))
            .json(body)
            .send()
            .await
            .unwrap(),
        Call::Patch(path, body) => c
            .request(axum::http::Method::PATCH, app.url(path))
            .json(body)
            .send()
            .await
            .unwrap(),
        Call::Files => c
            .post(app.url("/files"))
            .header("sec-fetch-site", "same-origin")
            .multipart(
                crate::client::multipart::Form::new().part(
                    "files",
                    crate::client::multipart::Part::text("printer on floor 3 is jammed")
                        .file_name("note.txt"),
                ),
            )
            .send()
            .await
            .unwrap(),
        Call::Upload => c
            .post(app.url("/admin/registry/import"))
            .header("sec-fetch-site", "same-origin")
            .multipart(crate::client::multipart::Form::new().text("mode", "preview"))
            .send()
            .await
            .unwrap(),
    };
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_string);
    assert!(
        status < 500,
        "{context}: {status}: {}",
        res.text().await.unwrap_or_default()
    );
    (status, location)
}

async fn every_endpoint_answers_each_role_as_the_table_says(b: Backend) {
    // Every endpoint the server answers has a row, and every row an endpoint.
    let (probe, ids) = world(b).await;
    let table = rows(&ids);
    let mut in_table: Vec<String> = table.iter().map(|r| r.endpoint.to_string()).collect();
    in_table.sort();
    let mut dup = in_table.clone();
    dup.dedup();
    assert_eq!(dup.len(), in_table.len(), "a row twice");
    let served = tierdesk::endpoint_list();
    let missing: Vec<&String> = served.iter().filter(|e| !in_table.contains(e)).collect();
    let stale: Vec<&String> = in_table.iter().filter(|e| !served.contains(e)).collect();
    assert!(
        missing.is_empty(),
        "endpoints without a row in the matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows for endpoints the server does not have: {stale:?}"
    );
    probe.finish().await;

    // Each person on a world of their own, so that one role's changes never decide another's.
    let mut actual: Vec<String> = vec![String::new(); table.len()];
    for role in ROLES {
        let (app, ids) = world(b).await;
        let who = match role {
            "visitor" => None,
            "member" => Some("mia"),
            "contractor" => Some("cora"),
            "manager" => Some("max"),
            "approver" => Some("olga"),
            "provisioner" => Some("pia"),
            "analyst" => Some("ana"),
            "engineer" => Some("eli"),
            "admin" => Some("ada"),
            _ => unreachable!(),
        };
        let c = match who {
            Some(who) => app.signed_in(&format!("{who}@example.com")).await,
            None => app.client(),
        };
        for (i, row) in rows(&ids).iter().enumerate() {
            let context = format!("{} as {role}", row.endpoint);
            let (status, location) = send(&app, &c, &row.call, &context).await;
            actual[i].push(outcome(status, location.as_deref()));
        }
        app.finish().await;
    }
    let wrong: Vec<String> = table
        .iter()
        .zip(&actual)
        .filter(|(row, got)| row.expect != got.as_str())
        .map(|(row, got)| format!("{:<45} expected {} got {got}", row.endpoint, row.expect))
        .collect();
    assert!(
        wrong.is_empty(),
        "roles: {}\n{}",
        ROLES.join(" "),
        wrong.join("\n")
    );
    eprintln!(
        "authorization matrix: {} endpoints x {} roles = {} calls",
        table.len(),
        ROLES.len(),
        table.len() * ROLES.len()
    );
}
