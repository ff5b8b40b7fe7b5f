//! The JSON API as a whole (issue 16): its generated description, the queue's routes (filters
//! and sort, assignment, batch changes, macros), the API page, and `/metrics`. On both
//! databases.

use crate::catalog::{call, world, World};
use crate::common::{on_both, Backend, TestApp};
use app::domain::user::Role;
use serde_json::{json, Value};

on_both!(
    the_description_covers_every_route_and_every_type_it_names,
    the_queue_filters_sorts_and_pages_as_the_dashboard_does,
    assignment_batches_and_macros_work_over_the_api,
    metrics_count_requests_by_route_for_admins_and_the_scraper,
);

/// A new "other" request by Mia; its key.
async fn ask(w: &World, title: &str, priority: &str) -> String {
    let mia = w.client("mia").await;
    let (status, body) = w
        .post(
            &mia,
            "/api/v1/requests",
            json!({"kind": "other", "title": title, "description": "Broken.", "priority": priority}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["key"].as_str().unwrap().to_string()
}

/// Every `$ref` in `v`.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

async fn the_description_covers_every_route_and_every_type_it_names(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.client();
    let res = c.get(app.url("/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let spec: Value = res.json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    // A client that sends its token along (as generated clients do) reads it too.
    let ana = app
        .test_db
        .person("ana@example.com", "Ana Analyst", &[Role::Analyst])
        .await;
    let token = app.token(ana, "read").await;
    let res = c
        .get(app.url("/openapi.json"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let paths = spec["paths"].as_object().unwrap();
    // Every route the server serves under /api/v1 is described, with its method.
    for (method, path) in tierdesk::api::route_list() {
        let item = &paths[&format!("/api/v1{path}")];
        let op = &item[method.as_str().to_lowercase()];
        assert!(op.is_object(), "{method} {path} is not described");
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path}: no success answer"
        );
        for status in ["401", "403", "404", "422"] {
            let body = &responses[status]["content"]["application/json"]["schema"]["$ref"];
            assert_eq!(
                body, "#/components/schemas/ErrorBody",
                "{method} {path}: {status}"
            );
        }
        // Path parameters are all named.
        for name in path
            .split('{')
            .skip(1)
            .map(|p| p.split('}').next().unwrap())
        {
            assert!(
                op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path")),
                "{method} {path}: path parameter {name} undescribed"
            );
        }
    }
    // The queue's filters are parameters a client can read.
    let queue = &paths["/api/v1/queue"]["get"]["parameters"];
    for name in ["view", "kind", "sort", "cursor", "q"] {
        assert!(
            queue.as_array().unwrap().iter().any(|p| p["name"] == name),
            "queue filter {name}"
        );
    }
    // Every type it names is defined.
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let mut all = Vec::new();
    refs(&spec, &mut all);
    assert!(all.len() > 40, "types are referenced, not inlined away");
    for r in all {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(schemas.contains_key(name), "{r} is not defined");
    }
    // Guides are readable without signing in, and the description says so.
    let security = &paths["/api/v1/guides"]["get"]["security"];
    assert!(security
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s.as_object().unwrap().is_empty()));

    // The API page renders the same description.
    let html = app.html(&c, "/help/api").await;
    assert!(html.contains("Tierdesk API"), "{html}");
    assert!(html.contains("/api/v1/queue/batch"));
    assert!(html.contains("id=\"schema-RequestDetail\""));
    app.finish().await;
}

async fn the_queue_filters_sorts_and_pages_as_the_dashboard_does(b: Backend) {
    let w = world(b).await;
    let (ana, mia) = (w.client("ana").await, w.client("mia").await);
    let low = ask(&w, "Printer jammed", "low").await;
    let high = ask(&w, "Laptop will not boot", "high").await;

    let (status, page) = call(&w, &ana, "GET", "/api/v1/queue?sort=newest", None).await;
    assert_eq!(status, 200, "{page}");
    let keys: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys[..2], [high.as_str(), low.as_str()], "newest first");
    let (_, page) = call(&w, &ana, "GET", "/api/v1/queue?sort=oldest", None).await;
    let keys: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.iter().position(|k| *k == low) < keys.iter().position(|k| *k == high),
        "oldest first: {keys:?}"
    );
    let (_, page) = call(&w, &ana, "GET", "/api/v1/queue?priority=high", None).await;
    let items = page["items"].as_array().unwrap();
    assert!(items.iter().all(|r| r["priority"] == "high"));
    assert!(items.iter().any(|r| r["key"] == high.as_str()));
    let (_, page) = call(&w, &ana, "GET", "/api/v1/queue?q=printer&state=any", None).await;
    let found: Vec<&Value> = page["items"].as_array().unwrap().iter().collect();
    assert_eq!(found.len(), 1, "{page}");
    assert_eq!(found[0]["key"], low.as_str());
    assert!(page["next_cursor"].is_null(), "one page");

    // Bad filters are refused at their field, as on the dashboard.
    for (query, field) in [
        ("sort=sideways", "sort"),
        ("view=everything", "view"),
        ("kind=pizza", "kind"),
        ("cursor=zzz", "cursor"),
    ] {
        let (status, body) = call(&w, &ana, "GET", &format!("/api/v1/queue?{query}"), None).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}");
    }
    // Every error is JSON, also the router's: a method the address does not take.
    let res = ana
        .get(w.app.url("/api/v1/queue/batch"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert!(res.headers().get("allow").is_some());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    // And the body limit's, before any handler reads it.
    let res = ana
        .post(w.app.url("/api/v1/queue/batch"))
        .header("content-type", "application/json")
        .body(format!("{{\"keys\": [\"{}\"]}}", "x".repeat(1_100_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_large");
    // Requesters do not see the queue.
    let (status, _) = call(&w, &mia, "GET", "/api/v1/queue", None).await;
    assert_eq!(status, 403);
    w.app.finish().await;
}

async fn assignment_batches_and_macros_work_over_the_api(b: Backend) {
    let w = world(b).await;
    let (ana, mia) = (w.client("ana").await, w.client("mia").await);
    let one = ask(&w, "VPN drops", "normal").await;
    let two = ask(&w, "VPN drops again", "normal").await;

    // Assignment.
    let (status, detail) = call(
        &w,
        &ana,
        "PUT",
        &format!("/api/v1/requests/{one}/assignee"),
        Some(json!({"assignee": "me"})),
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["assignee"], "Ana Analyst");
    let (status, body) = call(
        &w,
        &ana,
        "PUT",
        &format!("/api/v1/requests/{one}/assignee"),
        Some(json!({"assignee": "nobody-by-that-name"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "assignee");
    let (status, _) = call(
        &w,
        &mia,
        "PUT",
        &format!("/api/v1/requests/{one}/assignee"),
        Some(json!({"assignee": "me"})),
    )
    .await;
    assert_eq!(status, 403, "a requester cannot assign");
    // A key that is not a request's is not found, as on every request route.
    let (status, body) = call(
        &w,
        &ana,
        "PUT",
        "/api/v1/requests/ENG-1/assignee",
        Some(json!({"assignee": "me"})),
    )
    .await;
    assert_eq!(status, 404, "{body}");

    // A batch changes all or none.
    let (status, body) = call(
        &w,
        &ana,
        "POST",
        "/api/v1/queue/batch",
        Some(json!({"keys": [one, two], "action": "label", "value": "vpn"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], 2);
    for key in [&one, &two] {
        assert!(w.get(&ana, key).await["labels"]
            .as_array()
            .unwrap()
            .contains(&json!("vpn")));
    }
    let (status, body) = call(
        &w,
        &ana,
        "POST",
        "/api/v1/queue/batch",
        Some(json!({"keys": [one, "REQ-99999"], "action": "label", "value": "lost"})),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(!w.get(&ana, &one).await["labels"]
        .as_array()
        .unwrap()
        .contains(&json!("lost")));
    let (status, body) = call(
        &w,
        &ana,
        "POST",
        "/api/v1/queue/batch",
        Some(json!({"keys": [one], "action": "shred"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "action");
    let (status, body) = call(
        &w,
        &ana,
        "POST",
        "/api/v1/queue/batch",
        Some(json!({"keys": "REQ-1"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "keys");

    // Macros: made, listed, applied, refused with a typo, deleted.
    let (status, m) = call(
        &w,
        &ana,
        "POST",
        "/api/v1/macros",
        Some(json!({"name": "VPN steps", "body": "Hi {{ requester.first_name }}, reinstall the VPN client.",
                   "set_state": "waiting-on-requester", "add_labels": ["vpn-steps"]})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    let id = m["id"].as_i64().unwrap();
    let (status, body) = call(
        &w,
        &ana,
        "POST",
        "/api/v1/macros",
        Some(json!({"name": "Typo", "body": "Hi {{ requester.nmae }}"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "body");
    // A macro adds a few labels, each once.
    let many: Vec<String> = (0..11).map(|i| format!("l{i}")).collect();
    let (status, body) = call(
        &w,
        &ana,
        "POST",
        "/api/v1/macros",
        Some(json!({"name": "Many", "body": "Hi.", "add_labels": many})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "add_labels");
    let (status, m2) = call(
        &w,
        &ana,
        "POST",
        "/api/v1/macros",
        Some(json!({"name": "Twice", "body": "Hi.", "add_labels": ["a", "a", "A"]})),
    )
    .await;
    assert_eq!(status, 201, "{m2}");
    assert_eq!(m2["add_labels"], json!(["a"]));
    let (_, list) = call(&w, &ana, "GET", "/api/v1/macros", None).await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["name"] == "VPN steps"));
    let (status, detail) = call(
        &w,
        &ana,
        "POST",
        &format!("/api/v1/requests/{two}/macros"),
        Some(json!({"macro": id})),
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["state"], "waiting-on-requester");
    assert!(detail["labels"]
        .as_array()
        .unwrap()
        .contains(&json!("vpn-steps")));
    let replies = detail["comments"].as_array().unwrap();
    assert!(replies
        .iter()
        .any(|c| c["body"].as_str().unwrap().contains("Hi Mia, reinstall")));
    let (status, body) = call(
        &w,
        &ana,
        "POST",
        &format!("/api/v1/requests/{two}/macros"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "macro");
    let (status, _) = call(&w, &mia, "GET", "/api/v1/macros", None).await;
    assert_eq!(status, 403);
    let (status, _) = call(&w, &ana, "DELETE", &format!("/api/v1/macros/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&w, &ana, "DELETE", &format!("/api/v1/macros/{id}"), None).await;
    assert_eq!(status, 404);
    w.app.finish().await;
}

/// The value of the sample `name{labels…}` in a Prometheus text answer, where every label given
/// matches.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .find(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn metrics_count_requests_by_route_for_admins_and_the_scraper(b: Backend) {
    let app = TestApp::spawn_with_scrape_token(b, "scrape-secret-1234").await;
    let t = &app.test_db;
    t.person("ada@example.com", "Ada Admin", &[Role::Admin])
        .await;
    t.person("ana@example.com", "Ana Analyst", &[Role::Analyst])
        .await;
    let ada = app.signed_in("ada@example.com").await;
    let ana = app.signed_in("ana@example.com").await;
    let anyone = app.client();

    // Who may read it.
    let res = anyone.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = ana.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let res = anyone
        .get(app.url("/metrics"))
        .bearer_auth("wrong-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // A request of Ada's, then the figures: this server's own.
    let res = ada
        .get(app.url("/api/v1/requests/REQ-424242"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = anyone
        .get(app.url("/metrics"))
        .bearer_auth("scrape-secret-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = res.text().await.unwrap();
    let after = sample(
        &text,
        "tierdesk_http_requests_total",
        &[("route", "/api/v1/requests/{key}"), ("status", "404")],
    )
    .unwrap();
    assert_eq!(after, 1.0, "counted once, under its route");
    assert!(
        !text.contains("REQ-424242"),
        "routes are templates, never addresses"
    );
    assert!(sample(
        &text,
        "tierdesk_http_request_duration_seconds_bucket",
        &[("route", "/api/v1/requests/{key}"), ("le", "+Inf")]
    )
    .is_some_and(|n| n >= 1.0));
    assert!(sample(&text, "tierdesk_db_pool_max_connections", &[]).is_some_and(|n| n >= 1.0));
    assert!(sample(&text, "tierdesk_db_pool_connections", &[("state", "open")]).is_some());
    // What the read cache holds: at least the sessions the requests above were resolved from.
    assert!(sample(
        &text,
        "tierdesk_read_cache_entries",
        &[("shelf", "sessions")]
    )
    .is_some_and(|n| n >= 1.0));
    assert!(sample(&text, "tierdesk_read_cache_response_bytes", &[]).is_some());

    // Requests by state, counted from the database as it is now.
    t.person("mia@example.com", "Mia Member", &[Role::Member])
        .await;
    let mia_c = app.signed_in("mia@example.com").await;
    let res = mia_c
        .post(app.url("/api/v1/requests"))
        .json(&json!({"kind": "other", "title": "Badge", "description": "Lost it.", "priority": "low"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let text = ada
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        sample(&text, "tierdesk_requests", &[("state", "new")]),
        Some(1.0),
        "{text}"
    );
    app.finish().await;
}
