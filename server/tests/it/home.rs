//! The front page (issue 15): the notice admins set, the most used guides, the person's open
//! requests.

use crate::common::{on_both, Backend, TestApp};
use app::domain::user::Role;
use serde_json::Value;

on_both!(the_front_page_shows_the_notice_the_guides_and_open_requests);

async fn the_front_page_shows_the_notice_the_guides_and_open_requests(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    app.test_db
        .person("ada@example.com", "Ada", &[Role::Admin])
        .await;
    let mia = app.signed_in("mia@example.com").await;
    let ada = app.signed_in("ada@example.com").await;

    // Only an admin sets the notice; it is text wherever it is shown.
    let notice = "VPN down in EMEA <script>alert(1)</script> until 14:00";
    let res = app
        .call(&mia, "/fn/set_notice", &[("notice", notice)])
        .await;
    assert_eq!(res.status(), 403);
    let long = "x".repeat(501);
    let res = app.call(&ada, "/fn/set_notice", &[("notice", &long)]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("notice"));
    let res = app
        .call(&ada, "/fn/set_notice", &[("notice", notice)])
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let page = app.html(&app.client(), "/").await;
    assert!(page.contains("VPN down in EMEA &lt;script&gt;alert(1)&lt;/script&gt; until 14:00"));
    assert!(!page.contains("<script>alert(1)"));
    assert!(
        !page.contains("Front page notice (admins)"),
        "the form is for admins"
    );
    assert!(app
        .html(&ada, "/")
        .await
        .contains("Front page notice (admins)"));

    // Mia's open requests, and not for a visitor.
    let res = app
        .call(
            &mia,
            "/fn/submit_request",
            &[
                ("kind", "other"),
                ("fields[title]", "Desk lamp flickers"),
                ("fields[description]", "Since Monday."),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let home: Value = app
        .read(&mia, "/fn/home_page", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(home["open"][0]["title"], "Desk lamp flickers");
    assert_eq!(home["notice"], notice);
    let visitor: Value = app
        .read(&app.client(), "/fn/home_page", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(visitor["open"].as_array().unwrap().is_empty());

    // Taking it down.
    let res = app.call(&ada, "/fn/set_notice", &[("notice", "  ")]).await;
    assert_eq!(res.status(), 200);
    let home: Value = app
        .read(&mia, "/fn/home_page", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(home["notice"].is_null());
    app.finish().await;
}
