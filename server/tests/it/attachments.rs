//! Files on requests, replies, internal notes and guides (issue 15): posted with a form without
//! JavaScript or uploaded ahead of it, checked from their bytes, limited, and served only to
//! those who may see what they are on, in a sandbox.

use crate::client::multipart::{Form, Part};
use crate::client::{Client, Response};
use crate::common::{on_both, Backend, TestApp};
use app::domain::user::Role;
use serde_json::Value;

on_both!(
    files_posted_with_a_form_without_javascript_are_kept_and_served_safely,
    only_those_who_see_a_request_get_its_files_and_requesters_never_a_note_s,
    refused_files_name_themselves_and_nothing_is_half_saved,
    uploads_ahead_of_the_form_belong_to_their_uploader_and_attach_once,
    guide_images_follow_the_guide_s_audience,
);

/// A 1×1 PNG.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\
\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

fn software_form(title: &str) -> Form {
    Form::new()
        .text("kind", "software")
        .text("fields[title]", title)
        .text("fields[device]", "MacBook")
        .text("fields[software]", "Zoom")
        .text("fields[description]", "It quits when I share my screen.")
        .text("fields[priority]", "normal")
}

fn file(name: &str, bytes: &[u8]) -> Part {
    Part::bytes(bytes.to_vec()).file_name(name)
}

/// A no-JavaScript post of a form with files.
async fn post_form(app: &TestApp, c: &Client, path: &str, form: Form, from: &str) -> Response {
    c.post(app.url(path))
        .header("accept", "text/html")
        .header("referer", app.url(from))
        .header("sec-fetch-site", "same-origin")
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn detail(app: &TestApp, c: &Client, key: &str) -> Value {
    let res = app.call(c, "/fn/get_request", &[("key", key)]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn files_of(v: &Value) -> Vec<(String, String)> {
    v["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["url"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn get(app: &TestApp, c: &Client, url: &str) -> Response {
    c.get(app.url(url)).send().await.unwrap()
}

async fn upload(app: &TestApp, c: &Client, files: Vec<(&str, &[u8])>) -> Response {
    let mut form = Form::new();
    for (name, bytes) in files {
        form = form.part("files", file(name, bytes));
    }
    c.post(app.url("/files"))
        .header("sec-fetch-site", "same-origin")
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn files_posted_with_a_form_without_javascript_are_kept_and_served_safely(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    let mia = app.signed_in("mia@example.com").await;
    let form = software_form("Zoom crashes")
        .part("files", file("C:\\shots\\crash.png", PNG))
        .part("files", file("zoom.log", b"12:01 crash in libav\n"))
        // An empty picker still sends a part.
        .part("files", file("", b""));
    let res = post_form(&app, &mia, "/fn/submit_request", form, "/request/software").await;
    assert_eq!(res.status(), 302, "{}", res.text().await.unwrap());
    assert_eq!(res.headers()["location"], "/requests/REQ-1");

    let d = detail(&app, &mia, "REQ-1").await;
    let files = files_of(&d);
    assert_eq!(
        files.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        vec!["crash.png", "zoom.log"]
    );
    let page = app.html(&mia, "/requests/REQ-1").await;
    assert!(
        page.contains("<img src=\"/files/"),
        "the screenshot is shown"
    );

    // The image inline, the text as a download; both sandboxed and never sniffed.
    let png = get(&app, &mia, &files[0].1).await;
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let disposition = png.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("inline;"), "{disposition}");
    let csp = png.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.starts_with("sandbox;"), "{csp}");
    assert_eq!(png.headers()["x-content-type-options"], "nosniff");
    assert_eq!(png.bytes().await.unwrap(), PNG);
    let log = get(&app, &mia, &files[1].1).await;
    assert_eq!(log.headers()["content-type"], "text/plain; charset=utf-8");
    assert!(log.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert_eq!(log.text().await.unwrap(), "12:01 crash in libav\n");
    app.finish().await;
}

async fn only_those_who_see_a_request_get_its_files_and_requesters_never_a_note_s(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    app.test_db
        .person("cole@example.com", "Cole", &[Role::Member])
        .await;
    app.test_db
        .person("ana@example.com", "Ana", &[Role::Analyst])
        .await;
    let mia = app.signed_in("mia@example.com").await;
    let form = software_form("Zoom crashes").part("files", file("crash.png", PNG));
    let res = post_form(&app, &mia, "/fn/submit_request", form, "/request/software").await;
    assert_eq!(res.status(), 302);
    let url = files_of(&detail(&app, &mia, "REQ-1").await)[0].1.clone();

    let cole = app.signed_in("cole@example.com").await;
    assert_eq!(
        get(&app, &cole, &url).await.status(),
        404,
        "not Cole's request"
    );
    assert_eq!(
        get(&app, &app.client(), &url).await.status(),
        404,
        "nor a visitor's"
    );
    let ana = app.signed_in("ana@example.com").await;
    assert_eq!(get(&app, &ana, &url).await.status(), 200, "staff see it");

    // An internal note's file is staff-only, even for the requester who knows its address.
    let note = Form::new()
        .text("key", "REQ-1")
        .text("visibility", "internal")
        .text("body", "Their Zoom build is old; see the trace.")
        .part("files", file("trace.txt", b"stack trace with hostnames\n"));
    let res = post_form(&app, &ana, "/fn/post_comment", note, "/requests/REQ-1").await;
    assert_eq!(res.status(), 302, "{}", res.text().await.unwrap());
    let staff_view = detail(&app, &ana, "REQ-1").await;
    let note_files = staff_view["comments"][0]["attachments"].as_array().unwrap();
    assert_eq!(note_files.len(), 1);
    let note_url = note_files[0]["url"].as_str().unwrap().to_string();
    assert_eq!(get(&app, &ana, &note_url).await.status(), 200);
    assert_eq!(get(&app, &mia, &note_url).await.status(), 404);
    let requester_view = detail(&app, &mia, "REQ-1").await;
    assert!(requester_view["comments"].as_array().unwrap().is_empty());
    let page = app.html(&mia, "/requests/REQ-1").await;
    assert!(!page.contains("trace.txt"));

    // A public reply's file is the requester's to see.
    let reply = Form::new()
        .text("key", "REQ-1")
        .text("visibility", "public")
        .text("body", "Please install this update.")
        .part("files", file("steps.txt", b"1. Quit Zoom\n"));
    let res = post_form(&app, &ana, "/fn/post_comment", reply, "/requests/REQ-1").await;
    assert_eq!(res.status(), 302);
    let v = detail(&app, &mia, "REQ-1").await;
    let reply_url = v["comments"][0]["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(get(&app, &mia, &reply_url).await.status(), 200);
    app.finish().await;
}

async fn refused_files_name_themselves_and_nothing_is_half_saved(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    let mia = app.signed_in("mia@example.com").await;
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
    let big = vec![b'a'; app::domain::attachment::MAX_FILE_BYTES + 1];
    // A bad file and a missing field: every message at once, and no request.
    let form = Form::new()
        .text("kind", "software")
        .text("fields[title]", "Zoom crashes")
        .text("fields[device]", "")
        .text("fields[software]", "Zoom")
        .text("fields[description]", "It quits.")
        .part("files", file("logo.png", svg))
        .part("files", file("dump.txt", &big));
    let res = post_form(&app, &mia, "/fn/submit_request", form, "/request/software").await;
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("__draft="), "{location}");
    assert_eq!(app.db().count_requests().await.unwrap(), 0);
    let url = reqwest::Url::parse(&location).unwrap();
    let page = app
        .html(&mia, &format!("{}?{}", url.path(), url.query().unwrap()))
        .await;
    assert!(page.contains("Please correct these 2 fields"), "{page}");
    assert!(page.contains("href=\"#attachments\""), "{page}");
    assert!(
        page.contains("“logo.png”: HTML, SVG and XML files are not taken"),
        "{page}"
    );
    assert!(
        page.contains("“dump.txt” is 10.1 MB; a file may be at most 10 MB."),
        "{page}"
    );
    assert!(page.contains("Mia") || page.contains("Zoom crashes"));

    // With the app: the same refusals, as JSON.
    let res = upload(&app, &mia, vec![("x.html", b"<!doctype html><p>hi")]).await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert!(
        v["problems"][0].as_str().unwrap().contains("“x.html”"),
        "{v}"
    );

    // Six at once: five kept, the sixth named.
    let many: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| (format!("f{i}.txt"), b"x".to_vec()))
        .collect();
    let res = upload(
        &app,
        &mia,
        many.iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect(),
    )
    .await;
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["files"].as_array().unwrap().len(), 5, "{v}");
    assert!(
        v["problems"][0]
            .as_str()
            .unwrap()
            .contains("“f5.txt” was left out"),
        "{v}"
    );

    // A visitor cannot upload at all.
    let res = upload(&app, &app.client(), vec![("a.txt", b"a")]).await;
    assert_eq!(res.status(), 401);
    app.finish().await;
}

async fn uploads_ahead_of_the_form_belong_to_their_uploader_and_attach_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    app.test_db
        .person("cole@example.com", "Cole", &[Role::Member])
        .await;
    let mia = app.signed_in("mia@example.com").await;
    let cole = app.signed_in("cole@example.com").await;
    let res = upload(&app, &mia, vec![("shot.png", PNG)]).await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    let id = v["files"][0]["id"].as_str().unwrap().to_string();
    let url = v["files"][0]["url"].as_str().unwrap().to_string();
    // Pending: the uploader's alone.
    assert_eq!(get(&app, &mia, &url).await.status(), 200);
    assert_eq!(get(&app, &cole, &url).await.status(), 404);

    // Cole cannot carry Mia's upload in his own form.
    let fields = [
        ("kind", "software"),
        ("fields[title]", "Printer"),
        ("fields[device]", "Laptop"),
        ("fields[software]", "Driver"),
        ("fields[description]", "Broken."),
        ("attachments", id.as_str()),
    ];
    let res = app.call(&cole, "/fn/submit_request", &fields).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("no longer here"), "{body}");
    assert_eq!(app.db().count_requests().await.unwrap(), 0);

    // Mia can, once.
    let res = app.call(&mia, "/fn/submit_request", &fields).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(files_of(&detail(&app, &mia, "REQ-1").await).len(), 1);
    let res = app.call(&mia, "/fn/submit_request", &fields).await;
    assert_eq!(res.status(), 422, "a file is attached once");
    assert_eq!(app.db().count_requests().await.unwrap(), 1);

    // Ids that are not ids are refused, not looked up.
    let res = app
        .call(
            &mia,
            "/fn/post_comment",
            &[
                ("key", "REQ-1"),
                ("visibility", "public"),
                ("body", "More"),
                ("attachments", "../../etc/passwd"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    app.finish().await;
}

async fn guide_images_follow_the_guide_s_audience(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    app.test_db
        .person("ana@example.com", "Ana", &[Role::Analyst])
        .await;
    let ana = app.signed_in("ana@example.com").await;
    let mia = app.signed_in("mia@example.com").await;
    for (slug, visibility) in [("vpn-setup", "public"), ("vpn-runbook", "internal")] {
        let form = Form::new()
            .text("original", "")
            .text("slug", slug)
            .text("title", &format!("VPN {visibility}"))
            .text("category", "tech-support")
            .text("visibility", visibility)
            .text("owner", "IT")
            .text("body", "Open the VPN app and sign in.")
            .text("revision", "")
            .text("note", "")
            .part("files", file("vpn window.png", PNG));
        let res = post_form(&app, &ana, "/fn/save_guide", form, "/guides/new").await;
        assert_eq!(res.status(), 302, "{}", res.text().await.unwrap());
        assert_eq!(
            res.headers()["location"].to_str().unwrap(),
            format!("/guides/{slug}")
        );
    }
    let public = app.html(&mia, "/guides/vpn-setup").await;
    let start = public
        .find("<img src=\"/files/")
        .expect("the image is in the guide");
    let src = &public[start + 10..];
    let src = src[..src.find('"').unwrap()].replace("&amp;", "&");
    assert!(src.ends_with("/vpn%20window%2Epng"), "{src}");
    assert_eq!(
        get(&app, &app.client(), &src).await.status(),
        200,
        "a public guide's image is public"
    );

    let internal = app.html(&ana, "/guides/vpn-runbook").await;
    let start = internal
        .find("<img src=\"/files/")
        .expect("the image is in the runbook");
    let src = &internal[start + 10..];
    let src = src[..src.find('"').unwrap()].to_string();
    assert_eq!(get(&app, &ana, &src).await.status(), 200);
    assert_eq!(
        get(&app, &mia, &src).await.status(),
        404,
        "a runbook's image is staff-only"
    );
    app.finish().await;
}
