//! The real server over HTTP: sign-in, cross-site refusal, the request slice, the 404 rule, bad
//! input, and the JSON API.

use crate::common::{on_both, Backend, TestApp, PASSWORD};
use app::domain::user::Role;
use serde_json::{json, Value};

on_both!(
    health_and_readiness,
    sign_in_sets_a_session_cookie_and_sign_out_ends_it,
    wrong_passwords_look_alike_and_are_throttled,
    cross_site_posts_are_refused,
    the_slice_from_member_to_analyst,
    other_peoples_requests_are_not_found_and_visitors_sign_in,
    mutations_need_a_session,
    bad_input_names_the_field_and_saves_nothing,
    illegal_transitions_are_refused,
    api_tokens_work_and_list_with_a_cursor,
    pages_finish_while_other_servers_start,
);

async fn health_and_readiness(b: Backend) {
    let app = TestApp::spawn(b).await;
    // Over a real socket with a real client, once: every other test calls the router in-process.
    let base = app.listen().await;
    let c = reqwest::Client::new();
    let get = |path: &str| c.get(format!("{base}{path}")).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    assert_eq!(get("/readyz").await.unwrap().text().await.unwrap(), "ready");
    let home = get("/").await.unwrap();
    assert_eq!(home.status(), 200);
    assert_eq!(home.headers()["x-frame-options"], "DENY");
    assert!(home.text().await.unwrap().contains("How can we help?"));
    // Oversized bodies are refused before anything reads them.
    let huge = app
        .client()
        .post(app.url("/fn/submit_request"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", 2 * 1024 * 1024)
        .body(vec![b'a'; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    app.finish().await;
}

async fn sign_in_sets_a_session_cookie_and_sign_out_ends_it(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia Member", &[Role::Member])
        .await;
    let c = app.client();
    let res = app
        .form(
            &c,
            "/fn/sign_in",
            &[
                ("email", "MIA@example.com "),
                ("password", PASSWORD),
                ("next", "/requests"),
            ],
            "/sign-in",
        )
        .await;
    assert_eq!(res.status(), 302);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("tierdesk_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    assert!(!cookie.contains("Secure"), "plain http must not set Secure");
    let secret = cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();

    let page = c.get(app.url("/requests")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Mia Member"));
    // The header knows who is signed in in the very HTML sent, which is all a browser without
    // JavaScript ever gets.
    let home = c
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("Mia Member") && home.contains("Sign out"),
        "{home}"
    );

    let out = app.form(&c, "/fn/sign_out", &[], "/requests").await;
    assert_eq!(out.status(), 302);
    assert!(out.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    // The session is gone on the server, not just forgotten by this browser.
    let replay = app.client();
    let res = replay
        .get(app.url("/requests"))
        .header("cookie", format!("tierdesk_session={secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    app.finish().await;
}

async fn wrong_passwords_look_alike_and_are_throttled(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    let c = app.client();
    let wrong = app
        .call(
            &c,
            "/fn/sign_in",
            &[("email", "mia@example.com"), ("password", "not it")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let wrong: Value = wrong.json().await.unwrap();
    let unknown: Value = app
        .call(
            &c,
            "/fn/sign_in",
            &[("email", "nobody@example.com"), ("password", "not it")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        wrong, unknown,
        "an unknown e-mail must answer exactly like a wrong password"
    );
    assert_eq!(wrong["field"], "password");

    // Without JavaScript the error comes back to the form in the URL.
    let res = app
        .form(
            &c,
            "/fn/sign_in",
            &[("email", "mia@example.com"), ("password", "not it")],
            "/sign-in",
        )
        .await;
    assert_eq!(res.status(), 302);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with(&app.url("/sign-in?")));

    for _ in 0..3 {
        app.call(
            &c,
            "/fn/sign_in",
            &[("email", "mia@example.com"), ("password", "not it")],
        )
        .await;
    }
    // Five failures: now even the right password is refused for a while.
    let res = app
        .call(
            &c,
            "/fn/sign_in",
            &[("email", "mia@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 429);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "too_many_requests");
    app.finish().await;
}

async fn cross_site_posts_are_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    let c = app.signed_in("mia@example.com").await;
    let fields = [
        ("kind", "other"),
        ("fields[title]", "Forged"),
        ("fields[description]", "x"),
        ("fields[priority]", "low"),
    ];
    let forged = c
        .post(app.url("/fn/submit_request"))
        .header("origin", "https://evil.example")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let forged = c
        .post(app.url("/fn/submit_request"))
        .header("sec-fetch-site", "cross-site")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let api = c
        .post(app.url("/api/v1/requests"))
        .header("sec-fetch-site", "same-site")
        .json(&json!({"kind": "other", "title": "Forged", "description": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 403);
    assert_eq!(app.db().count_requests().await.unwrap(), 0);
    // The same post from the portal's own origin goes through.
    let ok = c
        .post(app.url("/fn/submit_request"))
        .header("origin", app.base.clone())
        .header("accept", "application/json")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(app.db().count_requests().await.unwrap(), 1);
    app.finish().await;
}

async fn the_slice_from_member_to_analyst(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia Member", &[Role::Member])
        .await;
    app.test_db
        .person("ana@example.com", "Ana Analyst", &[Role::Analyst])
        .await;
    let mia = app.signed_in("mia@example.com").await;

    // 1. The member submits with a plain form post and is sent to the new request.
    let res = app
        .form(
            &mia,
            "/fn/submit_request",
            &[
                ("kind", "other"),
                ("fields[title]", "VPN drops every hour"),
                ("fields[description]", "Since Monday."),
                ("fields[priority]", "high"),
            ],
            "/request/other",
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/requests/REQ-1");
    let mine = mia
        .get(app.url("/requests"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        mine.contains("REQ-1") && mine.contains("VPN drops every hour") && mine.contains("New")
    );

    // 2. The analyst finds it in the queue, claims it, replies, notes and resolves.
    let ana = app.signed_in("ana@example.com").await;
    let queue = ana.get(app.url("/queue")).send().await.unwrap();
    assert_eq!(queue.status(), 200);
    let queue = queue.text().await.unwrap();
    assert!(queue.contains("VPN drops every hour") && queue.contains("Unassigned"));
    assert_eq!(
        app.call(&ana, "/fn/claim_request", &[("key", "REQ-1")])
            .await
            .status(),
        200
    );
    assert_eq!(
        app.call(
            &ana,
            "/fn/post_comment",
            &[
                ("key", "REQ-1"),
                ("body", "Try the new profile."),
                ("visibility", "public")
            ]
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.call(
            &ana,
            "/fn/post_comment",
            &[
                ("key", "REQ-1"),
                ("body", "Gateway 3 is flaky."),
                ("visibility", "internal")
            ]
        )
        .await
        .status(),
        200
    );
    let res = app
        .form(
            &ana,
            "/fn/change_state",
            &[("key", "REQ-1"), ("to", "resolved"), ("reply", "  ")],
            "/requests/REQ-1",
        )
        .await;
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert!(
        back.contains("__err="),
        "a resolution needs its reply: {back}"
    );
    let res = app
        .form(
            &ana,
            "/fn/change_state",
            &[
                ("key", "REQ-1"),
                ("to", "resolved"),
                ("reply", "The new profile fixed it."),
            ],
            "/requests/REQ-1",
        )
        .await;
    assert_eq!(res.status(), 302, "a no-JS form goes back to the page");
    assert!(!res.headers()["location"]
        .to_str()
        .unwrap()
        .contains("__err="));

    // 3. The member sees the reply and the state, never the note; the history names who did what.
    let page = mia
        .get(app.url("/requests/REQ-1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Try the new profile.") && page.contains("Resolved"));
    assert!(
        !page.contains("Gateway 3 is flaky."),
        "internal note leaked to the requester"
    );
    assert!(!page.contains("internal note"));
    let api: Value = mia
        .get(app.url("/api/v1/requests/REQ-1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api["state"], "resolved");
    assert_eq!(api["assignee"], "Ana Analyst");
    assert_eq!(api["comments"].as_array().unwrap().len(), 2);
    assert_eq!(api["comments"][1]["body"], "The new profile fixed it.");
    let history: Vec<String> = api["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{} {}",
                h["actor"].as_str().unwrap(),
                h["change"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            "Mia Member submitted the request",
            "Ana Analyst changed the state from New to In progress",
            "Ana Analyst claimed it",
            "Ana Analyst replied",
            "Ana Analyst replied",
            "Ana Analyst changed the state from In progress to Resolved",
        ]
    );
    assert!(api["history"][0]["at"].as_str().unwrap().ends_with('Z'));
    // Staff see the note.
    let staff: Value = ana
        .get(app.url("/api/v1/requests/REQ-1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(staff["comments"].as_array().unwrap().len(), 3);
    // The requester may not write internal notes, whatever the form says.
    let res = app
        .call(
            &mia,
            "/fn/post_comment",
            &[
                ("key", "REQ-1"),
                ("body", "sneaky"),
                ("visibility", "internal"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    app.finish().await;
}

async fn other_peoples_requests_are_not_found_and_visitors_sign_in(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    app.test_db
        .person("otto@example.com", "Otto", &[Role::Member, Role::Manager])
        .await;
    let mia = app.signed_in("mia@example.com").await;
    app.call(
        &mia,
        "/fn/submit_request",
        &[
            ("kind", "other"),
            ("fields[title]", "Secret project laptop"),
            ("fields[description]", "x"),
            ("fields[priority]", "low"),
        ],
    )
    .await;

    let otto = app.signed_in("otto@example.com").await;
    let page = otto.get(app.url("/requests/REQ-1")).send().await.unwrap();
    assert_eq!(page.status(), 404);
    let text = page.text().await.unwrap();
    assert!(text.contains("Page not found") && !text.contains("Secret project laptop"));
    // A request that does not exist looks the same.
    assert_eq!(
        otto.get(app.url("/requests/REQ-99"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        otto.get(app.url("/requests/nonsense"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        otto.get(app.url("/api/v1/requests/REQ-1"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        app.call(
            &otto,
            "/fn/post_comment",
            &[("key", "REQ-1"), ("body", "hi"), ("visibility", "public")]
        )
        .await
        .status(),
        404
    );
    // Members are not allowed in the queue.
    assert_eq!(
        otto.get(app.url("/queue")).send().await.unwrap().status(),
        403
    );
    assert_eq!(
        app.read(&otto, "/fn/queue_dashboard", &[("query", "")])
            .await
            .status(),
        403
    );

    let visitor = app.client();
    let res = visitor
        .get(app.url("/requests/REQ-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/sign-in?next=/requests/REQ-1");
    app.finish().await;
}

async fn mutations_need_a_session(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.client();
    for (path, fields) in [
        (
            "/fn/submit_request",
            vec![
                ("kind", "other"),
                ("fields[title]", "t"),
                ("fields[description]", "d"),
                ("fields[priority]", "low"),
            ],
        ),
        ("/fn/claim_request", vec![("key", "REQ-1")]),
        (
            "/fn/post_comment",
            vec![("key", "REQ-1"), ("body", "b"), ("visibility", "public")],
        ),
        (
            "/fn/change_state",
            vec![("key", "REQ-1"), ("to", "resolved")],
        ),
    ] {
        let res = app.call(&c, path, &fields).await;
        assert_eq!(res.status(), 401, "{path}");
    }
    let res = app.read(&c, "/fn/list_my_requests", &[]).await;
    assert_eq!(res.status(), 401, "list_my_requests");
    let res = c
        .post(app.url("/api/v1/requests"))
        .json(&json!({"title": "t"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");
    let res = c
        .get(app.url("/api/v1/requests"))
        .bearer_auth("tdk_not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(app.db().count_requests().await.unwrap(), 0);
    app.finish().await;
}

async fn bad_input_names_the_field_and_saves_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    let mia = app.signed_in("mia@example.com").await;
    let long_title = "x".repeat(201);
    let long_description = "x".repeat(20_001);
    for (title, description, priority, field) in [
        ("", "d", "normal", "title"),
        ("   ", "d", "normal", "title"),
        (long_title.as_str(), "d", "normal", "title"),
        ("t", "", "normal", "description"),
        ("t", long_description.as_str(), "normal", "description"),
        ("t", "d", "urgent", "priority"),
    ] {
        let res = mia
            .post(app.url("/api/v1/requests"))
            .json(&json!({"kind": "other", "title": title, "description": description, "priority": priority}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{field}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["field"], field);
        assert_eq!(body["error"]["code"], "invalid");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());

        let res = app
            .call(
                &mia,
                "/fn/submit_request",
                &[
                    ("kind", "other"),
                    ("fields[title]", title),
                    ("fields[description]", description),
                    ("fields[priority]", priority),
                ],
            )
            .await;
        assert_eq!(res.status(), 422, "server fn, {field}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["field"], field);
    }
    // Malformed JSON and missing server-function arguments are client errors, never 500s.
    let res = mia
        .post(app.url("/api/v1/requests"))
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");
    let res = mia
        .post(app.url("/api/v1/requests"))
        .json(&json!({"title": {"nested": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["field"], "title");
    let res = mia
        .post(app.url("/api/v1/requests"))
        .json(&json!(["not", "an", "object"]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["field"], "body");
    let res = app
        .call(
            &mia,
            "/fn/submit_request",
            &[("fields[title]", "only a title")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["field"], "kind");
    // Without JavaScript the error goes back to the form.
    let res = app
        .form(
            &mia,
            "/fn/submit_request",
            &[
                ("kind", "other"),
                ("fields[title]", ""),
                ("fields[description]", "d"),
                ("fields[priority]", "low"),
            ],
            "/request/other",
        )
        .await;
    assert_eq!(res.status(), 302);
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with(&app.url("/request/other?")), "{back}");
    let page = mia.get(back).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Please enter a title."),
        "the form shows the error"
    );
    assert_eq!(
        app.db().count_requests().await.unwrap(),
        0,
        "nothing half-saved"
    );
    app.finish().await;
}

async fn illegal_transitions_are_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    app.test_db
        .person("ana@example.com", "Ana", &[Role::Analyst])
        .await;
    let mia = app.signed_in("mia@example.com").await;
    let ana = app.signed_in("ana@example.com").await;
    app.call(
        &mia,
        "/fn/submit_request",
        &[
            ("kind", "other"),
            ("fields[title]", "t"),
            ("fields[description]", "d"),
            ("fields[priority]", "low"),
        ],
    )
    .await;
    let res = ana
        .post(app.url("/api/v1/requests/REQ-1/transitions"))
        .json(&json!({"to": "resolved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "A request that is new cannot be moved to resolved."
    );
    let res = ana
        .post(app.url("/api/v1/requests/REQ-1/transitions"))
        .json(&json!({"to": "finished"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    // A requester may cancel, but not resolve, their own request.
    let res = mia
        .post(app.url("/api/v1/requests/REQ-1/transitions"))
        .json(&json!({"to": "triaged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = mia
        .post(app.url("/api/v1/requests/REQ-1/transitions"))
        .json(&json!({"to": "cancelled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .call(&ana, "/fn/claim_request", &[("key", "REQ-1")])
        .await;
    assert_eq!(res.status(), 409, "a cancelled request cannot be claimed");
    app.finish().await;
}

async fn api_tokens_work_and_list_with_a_cursor(b: Backend) {
    let app = TestApp::spawn(b).await;
    let mia = app
        .test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    let token = app.token(mia, "read write").await;
    let c = app.client();
    for i in 0..52 {
        let res = c
            .post(app.url("/api/v1/requests"))
            .bearer_auth(&token)
            .json(&json!({"kind": "other", "title": format!("Problem {i}"), "description": "d", "priority": "low"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["key"], format!("REQ-{}", i + 1));
    }
    let page: Value = c
        .get(app.url("/api/v1/requests"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 50);
    assert_eq!(page["items"][0]["key"], "REQ-52");
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let page: Value = c
        .get(app.url(&format!("/api/v1/requests?cursor={cursor}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys, ["REQ-2", "REQ-1"]);
    assert!(page["next_cursor"].is_null());
    let res = c
        .get(app.url("/api/v1/requests?cursor=abc"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    app.finish().await;
}

/// Starting another server in the same process (as every test does) never leaves a page that is
/// rendering meanwhile waiting forever: listing the routes once switched resource loading off
/// for the whole process (leptos-rs/leptos#4773), and a page's resources then never loaded.
async fn pages_finish_while_other_servers_start(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.client();
    let starting = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let starter = {
        let starting = starting.clone();
        let db = app.db().clone();
        std::thread::spawn(move || {
            while starting.load(std::sync::atomic::Ordering::Relaxed) {
                let state = app::ssr::AppState::new(db.clone(), false);
                let addr = "127.0.0.1:0".parse().unwrap();
                drop(tierdesk::router(state, tierdesk::leptos_options(addr)));
            }
        })
    };
    for _ in 0..60 {
        let page = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            c.get(app.url("/guides")).send(),
        )
        .await
        .expect("a page rendered while another server started never finished")
        .unwrap();
        assert_eq!(page.status(), 200);
        let html = tokio::time::timeout(std::time::Duration::from_secs(10), page.text())
            .await
            .expect("the page's stream never ended")
            .unwrap();
        assert!(html.contains("</html>"));
    }
    starting.store(false, std::sync::atomic::Ordering::Relaxed);
    starter.join().unwrap();
    app.finish().await;
}
