//! Forms that never lose what was typed: a refused no-JavaScript post goes back to its page with
//! every message and every value, for the person who posted it only, never with a password.

use crate::common::{on_both, Backend, TestApp, PASSWORD};
use app::domain::user::Role;
use serde_json::{json, Value};

on_both!(
    a_refused_form_comes_back_with_everything_typed_and_every_message,
    sign_in_keeps_the_email_and_never_the_password,
    the_api_names_every_bad_field_at_once,
);

/// The path and query of a redirect, to follow it as a browser would.
fn back_to(res: &crate::client::Response) -> String {
    let location = res.headers()["location"].to_str().unwrap();
    let url = reqwest::Url::parse(location).unwrap();
    format!("{}?{}", url.path(), url.query().unwrap_or(""))
}

fn params(path: &str, key: &str) -> Vec<String> {
    let url = reqwest::Url::parse(&format!("http://x{path}")).unwrap();
    url.query_pairs()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.to_string())
        .collect()
}

async fn a_refused_form_comes_back_with_everything_typed_and_every_message(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    app.test_db
        .person("cole@example.com", "Cole", &[Role::Member])
        .await;
    let mia = app.signed_in("mia@example.com").await;
    let title = "Kettle7 crashes \"><script>alert(1)</script>";
    let res = app
        .form(
            &mia,
            "/fn/submit_request",
            &[
                ("kind", "software"),
                ("fields[title]", title),
                ("fields[device]", ""),
                ("fields[software]", ""),
                ("fields[description]", ""),
                ("fields[priority]", "high"),
            ],
            "/request/software",
        )
        .await;
    assert_eq!(res.status(), 302);
    let page = back_to(&res);
    assert!(page.starts_with("/request/software?"), "{page}");
    assert_eq!(params(&page, "__draft").len(), 1, "{page}");
    assert_eq!(app.db().count_requests().await.unwrap(), 0);

    let html = app.html(&mia, &page).await;
    // Every message at once, in a list at the top whose links go to the fields.
    assert!(html.contains("Please correct these 3 fields"), "{html}");
    for field in ["device", "software", "description"] {
        assert!(html.contains(&format!("href=\"#{field}\"")), "{field}");
    }
    // What was typed, as text: the hostile title cannot close the attribute.
    assert!(
        html.contains("value=\"Kettle7 crashes &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"")
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(
        html.contains("<option value=\"high\" selected"),
        "priority kept"
    );

    // Someone else opening the same address sees an empty form.
    let cole = app.signed_in("cole@example.com").await;
    let theirs = app.html(&cole, &page).await;
    assert!(!theirs.contains("Kettle7"));

    // Refused again from that page: the address holds this attempt only.
    let res = app
        .form(
            &mia,
            "/fn/submit_request",
            &[
                ("kind", "software"),
                ("fields[title]", "Zoom crashes"),
                ("fields[device]", "MacBook"),
                ("fields[software]", ""),
                ("fields[description]", "It quits."),
            ],
            &page,
        )
        .await;
    let again = back_to(&res);
    assert_eq!(params(&again, "__err").len(), 1, "{again}");
    assert_eq!(params(&again, "__draft").len(), 1, "{again}");
    let html = app.html(&mia, &again).await;
    assert!(html.contains("Please correct this field"));
    assert!(html.contains("value=\"MacBook\""));
    assert!(html.contains("It quits."));
    app.finish().await;
}

async fn sign_in_keeps_the_email_and_never_the_password(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    let c = app.client();
    let res = app
        .form(
            &c,
            "/fn/sign_in",
            &[
                ("email", "mia@example.com"),
                ("password", "not-the-password"),
                ("next", "/requests"),
            ],
            "/sign-in",
        )
        .await;
    assert_eq!(res.status(), 302);
    let page = back_to(&res);
    let id = params(&page, "__draft").pop().expect("a draft id");
    let kept = app::ssr::drafts::load(app.db(), None, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.action, "/fn/sign_in");
    assert!(kept
        .fields
        .iter()
        .any(|(k, v)| k == "email" && v == "mia@example.com"));
    assert!(!kept.fields.iter().any(|(k, _)| k == "password"));
    let html = app.html(&c, &page).await;
    assert!(html.contains("value=\"mia@example.com\""));
    assert!(!html.contains("not-the-password"));
    // A signed-in person cannot read a visitor's draft, nor a visitor someone's.
    assert_eq!(
        app::ssr::drafts::load(app.db(), Some(1), &id)
            .await
            .unwrap(),
        None
    );
    // It still signs in.
    let res = app
        .form(
            &c,
            "/fn/sign_in",
            &[
                ("email", "mia@example.com"),
                ("password", PASSWORD),
                ("next", "/requests"),
            ],
            &page,
        )
        .await;
    assert_eq!(res.headers()["location"], "/requests");
    app.finish().await;
}

async fn the_api_names_every_bad_field_at_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let mia = app
        .test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    let token = app.token(mia, "read write").await;
    let res = app
        .client()
        .post(app.url("/api/v1/requests"))
        .bearer_auth(&token)
        .json(&json!({"kind": "software"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    // The first field where it always was, then every one.
    assert_eq!(body["error"]["field"], "title");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "device", "software", "description"]);
    app.finish().await;
}
