//! Tier 3 over HTTP on both databases (issue 16): templates that label and assign a system's
//! owners, escalation from a request and its link both ways, the tracker's legal moves, the
//! request waiting for engineering, and engineers relabelling, reassigning and editing with
//! every change in the history.

use crate::catalog::{call, world, World};
use crate::common::{on_both, Backend};
use serde_json::{json, Value};

on_both!(
    an_escalation_applies_its_template_and_the_request_waits_for_engineering,
    engineers_relabel_reassign_and_edit_with_history,
    the_list_and_board_filter_and_refuse_bad_filters,
);

/// Ada's "corpsys" template; its id.
async fn corpsys(w: &World) -> i64 {
    let ada = w.client("ada").await;
    let (status, t) = w
        .post(
            &ada,
            "/api/v1/issue-templates",
            json!({"name": "corpsys", "labels": ["corpsys-{system}", "corpsec-team-it"],
                   "priority": "p2", "assign_owners": true, "description": "## Tried so far\n"}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    t["id"].as_i64().unwrap()
}

/// A new "other" request by Mia; its key.
async fn ask(w: &World, title: &str) -> String {
    let mia = w.client("mia").await;
    let (status, body) = w
        .post(
            &mia,
            "/api/v1/requests",
            json!({"kind": "other", "title": title, "description": "Broken.", "priority": "normal"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["key"].as_str().unwrap().to_string()
}

async fn an_escalation_applies_its_template_and_the_request_waits_for_engineering(b: Backend) {
    let w = world(b).await;
    let db = w.app.db();
    let sam = db
        .user_id_by_email("sam@example.com")
        .await
        .unwrap()
        .unwrap();
    let ana_id = db
        .user_id_by_email("ana@example.com")
        .await
        .unwrap()
        .unwrap();
    db.set_teams(sam, &["security", "IT Operations"])
        .await
        .unwrap();
    let (ada, ana, mia, sam_c) = (
        w.client("ada").await,
        w.client("ana").await,
        w.client("mia").await,
        w.client("sam").await,
    );
    let template = corpsys(&w).await;

    // Templates are the admins': others may read them to escalate, never change them.
    let (status, _) = w
        .post(&ana, "/api/v1/issue-templates", json!({"name": "x"}))
        .await;
    assert_eq!(status, 403);
    let (status, body) = w
        .post(
            &ada,
            "/api/v1/issue-templates",
            json!({"name": "CorpSys", "labels": ["x"], "priority": "p1"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("name")),
        "{body}"
    );
    let (status, body) = w
        .post(
            &ada,
            "/api/v1/issue-templates",
            json!({"name": "Bad", "labels": ["<b>"], "priority": "p9"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (_, list) = call(&w, &ana, "GET", "/api/v1/issue-templates", None).await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "nothing half-saved: {list}"
    );

    let key = ask(&w, "Slack sign-in loops").await;
    let escalate = format!("/api/v1/requests/{key}/escalations");
    // The requester cannot escalate, and the tracker is closed to them.
    let (status, _) = w
        .post(&mia, &escalate, json!({"template": template, "title": "x"}))
        .await;
    assert_eq!(status, 403);
    let (status, body) = w
        .post(
            &ana,
            &escalate,
            json!({"template": template, "system": "Nope", "title": ""}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .map(|p| p.iter().filter_map(|p| p["field"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        fields.contains(&"system") && fields.contains(&"title"),
        "{body}"
    );
    let (status, issue) = w
        .post(
            &ana,
            &escalate,
            json!({"template": template, "system": "Slack", "title": "Slack SSO loops for one person",
                   "description": "Cleared cookies; still loops."}),
        )
        .await;
    assert_eq!(status, 201, "{issue}");
    let ikey = issue["key"].as_str().unwrap().to_string();
    assert!(ikey.starts_with("ENG-"), "{ikey}");
    assert_eq!(issue["state"], "inbox");
    assert_eq!(issue["priority"], "p2");
    assert_eq!(issue["labels"], json!(["corpsec-team-it", "corpsys-slack"]));
    assert_eq!(
        issue["assignees"],
        json!(["IT Operations"]),
        "Slack's owners are a team"
    );
    assert_eq!(
        issue["assignees_detail"][0]["members"],
        json!(["Sam Security"])
    );
    assert_eq!(issue["request"], key.as_str());
    let description = issue["description"].as_str().unwrap();
    assert!(
        description.starts_with("Cleared cookies") && description.contains("## Tried so far"),
        "{description}"
    );
    // Owners who are people are assigned by handle: Vault's business owner is @olga.
    let key2 = ask(&w, "Vault token expired").await;
    let (_, vault) = w
        .post(
            &ana,
            &format!("/api/v1/requests/{key2}/escalations"),
            json!({"template": template, "system": "Vault", "title": "Vault tokens"}),
        )
        .await;
    assert_eq!(vault["assignees_detail"][0]["handle"], "olga", "{vault}");

    // The requester sees that engineers are on it, and nothing of the issue itself.
    let d = w.get(&mia, &key).await;
    let e = &d["escalations"][0];
    assert_eq!(
        (
            e["key"].is_null(),
            e["title"].is_null(),
            e["state"].as_str()
        ),
        (true, true, Some("inbox")),
        "{d}"
    );
    assert!(!d.to_string().contains("Cleared cookies"));
    assert!(d["history"].as_array().unwrap().iter().any(|h| h["change"]
        .as_str()
        .unwrap()
        .starts_with("escalated it to engineering")));
    let (status, _) = call(&w, &mia, "GET", &format!("/api/v1/issues/{ikey}"), None).await;
    assert_eq!(status, 403);
    let staff = w.get(&ana, &key).await;
    assert_eq!(staff["escalations"][0]["key"], ikey.as_str());

    // The request waits for engineering before it resolves.
    let path = |t: &str| format!("/api/v1/requests/{key}/{t}");
    w.post(&ana, &path("transitions"), json!({"to": "in-progress"}))
        .await;
    let (status, body) = w
        .post(
            &ana,
            &path("transitions"),
            json!({"to": "resolved", "reply": "Fixed."}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains(&ikey),
        "{body}"
    );

    // Analysts comment; engineers move it, one legal step at a time.
    let ipath = |t: &str| format!("/api/v1/issues/{ikey}/{t}");
    let (status, _) = w
        .post(&ana, &ipath("transitions"), json!({"to": "wip"}))
        .await;
    assert_eq!(status, 403, "analysts do not work issues");
    let (status, c) = w
        .post(
            &ana,
            &ipath("comments"),
            json!({"body": "User is on macOS 15."}),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    let (status, body) = w
        .post(&sam_c, &ipath("transitions"), json!({"to": "review"}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        body["error"]["message"],
        "An issue that is inbox cannot be moved to in review."
    );
    let (status, body) = w
        .post(&sam_c, &ipath("transitions"), json!({"to": "done"}))
        .await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("to")));
    for to in ["wip", "review", "closed"] {
        let (status, body) = w
            .post(&sam_c, &ipath("transitions"), json!({"to": to}))
            .await;
        assert_eq!(status, 200, "{to}: {body}");
    }
    // Engineering is done with it: the request is back with the analyst who escalated it.
    let back = db.escalations_back(ana_id, 10).await.unwrap();
    assert_eq!(back.len(), 1, "Vault's issue is still open");
    assert_eq!(format!("REQ-{}", back[0].request_id), key);
    // Vault's closes too.
    let vkey = vault["key"].as_str().unwrap();
    for to in ["wip", "review", "closed"] {
        w.post(
            &sam_c,
            &format!("/api/v1/issues/{vkey}/transitions"),
            json!({"to": to}),
        )
        .await;
    }
    let back = db.escalations_back(ana_id, 10).await.unwrap();
    assert_eq!(back.len(), 2, "both requests are back with Ana");
    let d = w.get(&mia, &key).await;
    assert_eq!(d["escalations"][0]["state"], "closed");
    let (status, body) = w
        .post(
            &ana,
            &path("transitions"),
            json!({"to": "resolved", "reply": "Engineering fixed the SSO loop."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(db.escalations_back(ana_id, 10).await.unwrap().len(), 1);
    // A finished request is escalated no more.
    let (status, _) = w.post(&ana, &escalate, json!({"title": "Again"})).await;
    assert_eq!(status, 409);
}

async fn engineers_relabel_reassign_and_edit_with_history(b: Backend) {
    let w = world(b).await;
    let (ana, sam) = (w.client("ana").await, w.client("sam").await);
    let (status, _) = w.post(&ana, "/api/v1/issues", json!({"title": "x"})).await;
    assert_eq!(status, 403, "issues of their own are the engineers'");
    let (status, issue) = w
        .post(
            &sam,
            "/api/v1/issues",
            json!({"title": "Rotate Widget keys", "system": "Widget"}),
        )
        .await;
    assert_eq!(status, 201, "{issue}");
    assert_eq!(issue["labels"], json!(["corpsys-widget"]));
    let key = issue["key"].as_str().unwrap().to_string();
    let url = |t: &str| format!("/api/v1/issues/{key}{t}");

    let (status, body) = call(
        &w,
        &sam,
        "PUT",
        &url("/labels"),
        Some(json!({"labels": ["ok", "<b>"]})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("labels"))
    );
    let (status, body) = call(
        &w,
        &sam,
        "PUT",
        &url("/labels"),
        Some(json!({"labels": ["Keys", "corpsys-widget"]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["labels"], json!(["corpsys-widget", "keys"]));
    let (status, body) = call(
        &w,
        &sam,
        "PUT",
        &url("/assignees"),
        Some(json!({"assignees": ["@mia", "IT Operations", "@MIA"]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["assignees"], json!(["IT Operations", "Mia Member"]));
    let (status, _) = call(
        &w,
        &ana,
        "PUT",
        &url("/assignees"),
        Some(json!({"assignees": []})),
    )
    .await;
    assert_eq!(status, 403);

    // An edit with one bad field saves none of it.
    let (status, body) = call(
        &w,
        &sam,
        "PATCH",
        &url(""),
        Some(json!({"title": "Renamed", "due_on": "2027-02-30"})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("due_on")),
        "{body}"
    );
    let (status, body) = call(&w, &sam, "PATCH", &url(""), Some(json!({"priority": "p0", "due_on": "2027-01-31", "description": "<script>alert(1)</script>\n\n**now**"}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["title"].as_str(),
            body["priority"].as_str(),
            body["due_on"].as_str()
        ),
        (Some("Rotate Widget keys"), Some("p0"), Some("2027-01-31"))
    );
    let html = body["description_html"].as_str().unwrap();
    assert!(
        !html.contains("<script") && html.contains("<strong>now</strong>"),
        "{html}"
    );

    let changes: Vec<String> = body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["change"].as_str().unwrap().to_string())
        .collect();
    for expected in [
        "opened the issue",
        "added the label keys",
        "assigned mia",
        "assigned IT Operations",
        "changed the priority from p2 to p0",
        "set the due date to 2027-01-31",
        "edited the description",
    ] {
        assert!(
            changes.iter().any(|c| c == expected),
            "{expected} in {changes:?}"
        );
    }
    assert!(
        !changes.iter().any(|c| c.contains("Renamed")),
        "the refused edit left nothing"
    );
    // Closing a closed issue, or moving an unknown one, is a clear answer, not a 500.
    let (status, _) = w
        .post(
            &sam,
            "/api/v1/issues/ENG-999/transitions",
            json!({"to": "wip"}),
        )
        .await;
    assert_eq!(status, 404);
}

async fn the_list_and_board_filter_and_refuse_bad_filters(b: Backend) {
    let w = world(b).await;
    let db = w.app.db();
    let sam_id = db
        .user_id_by_email("sam@example.com")
        .await
        .unwrap()
        .unwrap();
    db.set_teams(sam_id, &["IT Operations"]).await.unwrap();
    let sam = w.client("sam").await;
    for (title, system) in [
        ("Slack export", "Slack"),
        ("Widget keys", "Widget"),
        ("Vault audit", "Vault"),
    ] {
        let (status, _) = w
            .post(
                &sam,
                "/api/v1/issues",
                json!({"title": title, "system": system}),
            )
            .await;
        assert_eq!(status, 201);
    }
    let (_, slack) = call(&w, &sam, "GET", "/api/v1/issues?system=slack", None).await;
    let titles = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(titles(&slack), vec!["Slack export"]);
    call(
        &w,
        &sam,
        "PUT",
        "/api/v1/issues/ENG-1/assignees",
        Some(json!({"assignees": ["IT Operations"]})),
    )
    .await;
    let (_, mine) = call(&w, &sam, "GET", "/api/v1/issues?assignee=me", None).await;
    assert_eq!(
        titles(&mine),
        vec!["Slack export"],
        "assigned through Sam's group"
    );
    let (_, by_label) = call(&w, &sam, "GET", "/api/v1/issues?label=corpsys-widget", None).await;
    assert_eq!(titles(&by_label), vec!["Widget keys"]);
    let (_, by_text) = call(&w, &sam, "GET", "/api/v1/issues?q=eng-3", None).await;
    assert_eq!(titles(&by_text), vec!["Vault audit"]);
    let (_, by_word) = call(&w, &sam, "GET", "/api/v1/issues?q=AUDIT%25", None).await;
    assert!(
        titles(&by_word).is_empty(),
        "% is a character, not a wildcard"
    );
    w.post(
        &sam,
        "/api/v1/issues/ENG-2/transitions",
        json!({"to": "wip"}),
    )
    .await;
    let (_, open_wip) = call(&w, &sam, "GET", "/api/v1/issues?state=wip", None).await;
    assert_eq!(titles(&open_wip), vec!["Widget keys"]);
    for (q, field) in [
        ("state=done", "state"),
        ("label=%3Cb%3E", "label"),
        ("before=-4", "before"),
    ] {
        let (status, body) = call(&w, &sam, "GET", &format!("/api/v1/issues?{q}"), None).await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some(field)),
            "{q}: {body}"
        );
    }
    let (status, board) = call(&w, &sam, "GET", "/api/v1/issues/board", None).await;
    assert_eq!(status, 200, "{board}");
    let columns = board["columns"].as_array().unwrap();
    assert_eq!(columns.len(), 8);
    let count = |s: &str| {
        columns.iter().find(|c| c["state"] == s).unwrap()["count"]
            .as_i64()
            .unwrap()
    };
    assert_eq!((count("inbox"), count("wip")), (2, 1));
    // The pages: the list and the board say engineering promises no same day.
    for page in ["/issues", "/issues/board", "/issues/ENG-1"] {
        let res = sam.get(w.app.url(page)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{page}");
        assert!(
            res.text().await.unwrap().contains("no same-day promise"),
            "{page}"
        );
    }
}
