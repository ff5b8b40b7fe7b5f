//! Tier 1 guides: search ranking and visibility in the store, and every visibility rule over HTTP.

use crate::common::{on_both, Backend, TestApp, TestDb};
use app::domain::guide::{search_terms, GuideDraft};
use app::domain::user::Role;
use app::ssr::guides::save;
use app::ssr::store::{Db, Saved};
use serde_json::Value;

on_both!(
    a_search_is_shared_until_a_guide_changes,
    search_ranks_titles_first_and_stems,
    search_hides_runbooks_unless_asked,
    search_relaxes_in_stages,
    search_follows_edits_in_the_same_transaction,
    search_survives_hostile_queries,
    saves_are_revisions_and_unchanged_saves_are_not,
    votes_are_one_per_voter,
    import_is_idempotent_and_all_or_nothing,
    visibility_rules_over_http,
    suggestions_and_solved_counts,
    editing_needs_an_editor_and_keeps_history,
    search_forgives_typos_without_leaking_runbook_words,
);

async fn guide(db: &Db, slug: &str, title: &str, category: &str, visibility: &str, body: &str) {
    let d = GuideDraft::parse(slug, title, category, visibility, "IT Helpdesk", body).unwrap();
    save(db, &d, None, None, "test").await.unwrap();
}

async fn seed(db: &Db) {
    guide(
        db,
        "reset-password",
        "Reset your password",
        "resets",
        "public",
        "Use the self-service page to reset it. Resetting takes a minute.",
    )
    .await;
    guide(
        db,
        "new-phone-2fa",
        "New phone: moving 2FA",
        "resets",
        "public",
        "Before you wipe the old phone, move your authenticator. A password reset is not needed.",
    )
    .await;
    guide(
        db,
        "laptop-refresh",
        "Laptop refresh",
        "laptops",
        "public",
        "Laptops are refreshed after three years. Return the old laptop within two weeks.",
    )
    .await;
    guide(
        db,
        "runbook-2fa-reset",
        "Runbook: verifying identity for a 2FA reset",
        "resets",
        "internal",
        "Always verify identity over a video call before any 2FA reset.",
    )
    .await;
}

fn slugs(hits: &[app::ssr::store::SearchHit]) -> Vec<&str> {
    hits.iter().map(|h| h.slug.as_str()).collect()
}

async fn search_ranks_titles_first_and_stems(b: Backend) {
    let t = TestDb::new(b).await;
    seed(&t.db).await;
    // "resetting" finds "reset" (stemming); the guide with the word in its title ranks first.
    let hits =
        t.db.search_guides(&search_terms("resetting"), false, None, 10)
            .await
            .unwrap();
    assert_eq!(slugs(&hits)[0], "reset-password", "{:?}", slugs(&hits));
    assert!(slugs(&hits).contains(&"new-phone-2fa"));
    // The snippet marks the match.
    let marked = hits[0].snippet.contains('\u{2}') && hits[0].snippet.contains('\u{3}');
    assert!(marked, "{:?}", hits[0].snippet);
    let hits =
        t.db.search_guides(&search_terms("laptop"), false, None, 10)
            .await
            .unwrap();
    assert_eq!(slugs(&hits), ["laptop-refresh"]);
    // The category filter narrows.
    let hits =
        t.db.search_guides(&search_terms("reset"), false, Some("laptops"), 10)
            .await
            .unwrap();
    assert!(hits.is_empty());
    // Prefix of the last word, as typed.
    let hits =
        t.db.search_guides(&search_terms("lapt"), false, None, 10)
            .await
            .unwrap();
    assert_eq!(slugs(&hits), ["laptop-refresh"]);
    t.drop_db().await;
}

/// The slugs a search finds, best first.
async fn found(db: &Db, q: &str, internal: bool) -> Vec<String> {
    let hits = db
        .search_guides(&search_terms(q), internal, None, 10)
        .await
        .unwrap();
    hits.into_iter().map(|h| h.slug).collect()
}

async fn search_relaxes_in_stages(b: Backend) {
    let t = TestDb::new(b).await;
    seed(&t.db).await;
    let find = |q: &'static str| found(&t.db, q, false);
    // Every word, the unfinished last one as a prefix.
    assert_eq!(find("old phone passw").await, ["new-phone-2fa"]);
    // An unfinished last word that matches nothing is dropped before any word is allowed: the
    // guide with both finished words, not every guide with one of them.
    assert_eq!(find("old phone zzqx").await, ["new-phone-2fa"]);
    // Then any word, so a chatty title still finds something.
    let any = find("refreshed wipe zz").await;
    assert_eq!(any.len(), 2, "{any:?}");
    assert!(
        any.contains(&"laptop-refresh".to_string()) && any.contains(&"new-phone-2fa".to_string())
    );
    // The snippet highlights what the stage matched, stemmed: "refreshed" marks "refreshed".
    let hits =
        t.db.search_guides(&search_terms("laptop refreshing"), false, None, 10)
            .await
            .unwrap();
    assert_eq!(
        hits[0].snippet,
        "\u{2}Laptops\u{3} are \u{2}refreshed\u{3} after three years. Return the old \u{2}laptop\u{3} within two weeks."
    );
    t.drop_db().await;
}

async fn search_follows_edits_in_the_same_transaction(b: Backend) {
    let t = TestDb::new(b).await;
    seed(&t.db).await;
    let found = |q: &'static str, internal: bool| found(&t.db, q, internal);
    // Retitled, recategorised and made internal in one save: the index follows all three.
    let d = GuideDraft::parse(
        "laptop-refresh",
        "Hardware renewal",
        "tech-support",
        "internal",
        "IT Helpdesk",
        "Machines are renewed after three years.",
    )
    .unwrap();
    save(&t.db, &d, None, None, "test").await.unwrap();
    assert!(found("laptop", true).await.is_empty());
    assert!(found("renewal", false).await.is_empty());
    assert_eq!(found("renewal", true).await, ["laptop-refresh"]);
    let by_category =
        t.db.search_guides(&search_terms("renewal"), true, Some("tech-support"), 10)
            .await
            .unwrap();
    assert_eq!(by_category.len(), 1);
    t.drop_db().await;
}

async fn search_hides_runbooks_unless_asked(b: Backend) {
    let t = TestDb::new(b).await;
    seed(&t.db).await;
    let public =
        t.db.search_guides(&search_terms("video identity"), false, None, 10)
            .await
            .unwrap();
    assert!(public.is_empty(), "{:?}", slugs(&public));
    let staff =
        t.db.search_guides(&search_terms("video identity"), true, None, 10)
            .await
            .unwrap();
    assert_eq!(slugs(&staff), ["runbook-2fa-reset"]);
    let listed: Vec<String> =
        t.db.guides(false, None)
            .await
            .unwrap()
            .into_iter()
            .map(|g| g.slug)
            .collect();
    assert!(!listed.contains(&"runbook-2fa-reset".to_string()));
    assert_eq!(t.db.guides(true, None).await.unwrap().len(), 4);
    t.drop_db().await;
}

async fn search_survives_hostile_queries(b: Backend) {
    let t = TestDb::new(b).await;
    seed(&t.db).await;
    let long = "reset ".repeat(400);
    for q in [
        "\"",
        "*",
        "NEAR",
        ":",
        "-",
        "\"reset",
        "reset*",
        "title:reset",
        "-reset",
        "NEAR(reset password)",
        "()",
        "'; DROP TABLE guides; --",
        long.as_str(),
        "\u{0}",
        "ü*ñ",
    ] {
        let r = t.db.search_guides(&search_terms(q), true, None, 10).await;
        assert!(r.is_ok(), "{q:?}: {r:?}");
    }
    assert_eq!(t.db.guides(true, None).await.unwrap().len(), 4);
    t.drop_db().await;
}

async fn saves_are_revisions_and_unchanged_saves_are_not(b: Backend) {
    let t = TestDb::new(b).await;
    let ana = t.person("ana@example.com", "Ana", &[Role::Analyst]).await;
    let d = GuideDraft::parse(
        "vpn",
        "VPN",
        "tech-support",
        "public",
        "IT",
        "Install the client.",
    )
    .unwrap();
    assert_eq!(
        save(&t.db, &d, Some(ana), None, "first").await.unwrap(),
        Saved::Added
    );
    assert_eq!(
        save(&t.db, &d, Some(ana), None, "").await.unwrap(),
        Saved::Unchanged
    );
    let d2 = GuideDraft::parse(
        "vpn",
        "VPN",
        "tech-support",
        "public",
        "IT",
        "Install the new client.",
    )
    .unwrap();
    assert_eq!(
        save(&t.db, &d2, Some(ana), Some(1), "").await.unwrap(),
        Saved::Updated
    );
    // An editor working from revision 1 may not overwrite revision 2.
    let stale = save(&t.db, &d, Some(ana), Some(1), "").await;
    assert_eq!(stale.unwrap_err().status(), 409);
    let g = t.db.guide("vpn").await.unwrap().unwrap();
    assert_eq!(g.revision, 2);
    let revs = t.db.guide_revisions(g.id).await.unwrap();
    assert_eq!(
        revs.iter()
            .map(|r| (r.number, r.author_name.as_str()))
            .collect::<Vec<_>>(),
        [(2, "Ana"), (1, "Ana")]
    );
    // The search index follows the edit in the same transaction.
    let hits =
        t.db.search_guides(&search_terms("new client"), false, None, 10)
            .await
            .unwrap();
    assert_eq!(slugs(&hits), ["vpn"]);
    t.drop_db().await;
}

async fn votes_are_one_per_voter(b: Backend) {
    let t = TestDb::new(b).await;
    seed(&t.db).await;
    let g = t.db.guide("laptop-refresh").await.unwrap().unwrap();
    t.db.vote_guide(g.id, "user:1", true).await.unwrap();
    t.db.vote_guide(g.id, "user:1", false).await.unwrap();
    t.db.vote_guide(g.id, "visitor:abc", true).await.unwrap();
    let g = t.db.guide("laptop-refresh").await.unwrap().unwrap();
    assert_eq!((g.helpful_yes, g.helpful_no), (1, 1));
    t.drop_db().await;
}

async fn import_is_idempotent_and_all_or_nothing(b: Backend) {
    let t = TestDb::new(b).await;
    let dir = std::env::temp_dir().join(format!(
        "tierdesk-guides-{}",
        app::ssr::auth::new_secret("")[..8].to_string()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a.md"),
        "---\ntitle: Reset your password\ncategory: resets\n---\nSteps.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.md"),
        "---\ntitle: VPN\nslug: vpn\ncategory: tech-support\nvisibility: internal\n---\nRunbook.\n",
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
    let r = tierdesk::import::import_guides(&t.db, &dir).await.unwrap();
    assert_eq!(
        (r.added.len(), r.updated.len(), r.unchanged.len()),
        (2, 0, 0)
    );
    let r = tierdesk::import::import_guides(&t.db, &dir).await.unwrap();
    assert_eq!(
        (r.added.len(), r.updated.len(), r.unchanged.len()),
        (0, 0, 2)
    );
    std::fs::write(dir.join("b.md"), "---\ntitle: VPN\nslug: vpn\ncategory: tech-support\nvisibility: internal\n---\nRunbook v2.\n").unwrap();
    let r = tierdesk::import::import_guides(&t.db, &dir).await.unwrap();
    assert_eq!(r.updated, ["vpn"]);
    // One bad file: nothing from this run is saved, and the error names file and field.
    std::fs::write(
        dir.join("b.md"),
        "---\ntitle: VPN\nslug: vpn\ncategory: tech-support\n---\nRunbook v3.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("c.md"),
        "---\ntitle: Broken\ncategory: printers\n---\nx\n",
    )
    .unwrap();
    let err = tierdesk::import::import_guides(&t.db, &dir)
        .await
        .unwrap_err();
    assert!(err.contains("c.md: category"), "{err}");
    assert!(t
        .db
        .guide("vpn")
        .await
        .unwrap()
        .unwrap()
        .body
        .contains("v2"));
    assert!(t.db.guide("broken").await.unwrap().is_none());
    std::fs::remove_dir_all(&dir).ok();
    t.drop_db().await;
}

async fn visibility_rules_over_http(b: Backend) {
    let app = TestApp::spawn(b).await;
    seed(app.db()).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    app.test_db
        .person("cora@example.com", "Cora", &[Role::Contractor])
        .await;
    app.test_db
        .person("ana@example.com", "Ana", &[Role::Analyst])
        .await;
    let visitor = app.client();
    let mia = app.signed_in("mia@example.com").await;
    let cora = app.signed_in("cora@example.com").await;
    let ana = app.signed_in("ana@example.com").await;

    for (who, c, sees_runbook) in [
        ("visitor", &visitor, false),
        ("member", &mia, false),
        ("contractor", &cora, false),
        ("analyst", &ana, true),
    ] {
        let page = c
            .get(app.url("/guides/runbook-2fa-reset"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            page.status(),
            if sees_runbook { 200 } else { 404 },
            "{who}: page"
        );
        let api = c
            .get(app.url("/api/v1/guides/runbook-2fa-reset"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            api.status(),
            if sees_runbook { 200 } else { 404 },
            "{who}: api"
        );
        let list = c
            .get(app.url("/guides"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            list.contains("Runbook: verifying identity"),
            sees_runbook,
            "{who}: list"
        );
        let search = c
            .get(app.url("/guides?q=video+identity"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            search.contains("Runbook: verifying identity"),
            sees_runbook,
            "{who}: search"
        );
        let api: Value = c
            .get(app.url("/api/v1/guides?q=identity"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let found = api["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["slug"] == "runbook-2fa-reset");
        assert_eq!(found, sees_runbook, "{who}: api search");
        let all: Value = c
            .get(app.url("/api/v1/guides"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            all["items"].as_array().unwrap().len(),
            if sees_runbook { 4 } else { 3 },
            "{who}: api list"
        );
        let sugg: Value = app
            .call(c, "/fn/suggest_guides", &[("title", "2FA reset identity")])
            .await
            .json()
            .await
            .unwrap();
        let found = sugg
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["slug"] == "runbook-2fa-reset");
        assert_eq!(found, sees_runbook, "{who}: suggestions");
        let vote = app
            .call(
                c,
                "/fn/vote_guide",
                &[("slug", "runbook-2fa-reset"), ("helpful", "yes")],
            )
            .await;
        assert_eq!(
            vote.status(),
            if sees_runbook { 200 } else { 404 },
            "{who}: vote"
        );
    }
    // Public guides are for everyone, with the HTML sanitized and the stats for editors only.
    let page = visitor
        .get(app.url("/guides/reset-password"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let text = page.text().await.unwrap();
    assert!(text.contains("Reset your password") && !text.contains("For editors"));
    let staff = ana
        .get(app.url("/guides/reset-password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(staff.contains("For editors"));
    // Empty, punctuation-only and enormous searches never fail.
    for q in ["", "%22", "*", "NEAR", "%3A", "-", &"x".repeat(2000)] {
        let res = visitor
            .get(app.url(&format!("/guides?q={q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{q}");
        let res = visitor
            .get(app.url(&format!("/api/v1/guides?q={q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "api {q}");
    }
    let bad = visitor
        .get(app.url("/api/v1/guides?category=printers"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    app.finish().await;
}

async fn suggestions_and_solved_counts(b: Backend) {
    let app = TestApp::spawn(b).await;
    seed(app.db()).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    let mia = app.signed_in("mia@example.com").await;
    let sugg: Value = app
        .call(
            &mia,
            "/fn/suggest_guides",
            &[("title", "forgot my password")],
        )
        .await
        .json()
        .await
        .unwrap();
    let sugg = sugg.as_array().unwrap();
    assert!(!sugg.is_empty() && sugg.len() <= 5);
    assert_eq!(sugg[0]["slug"], "reset-password");
    let res = app
        .form(
            &mia,
            "/fn/guide_solved",
            &[("slug", "reset-password")],
            "/request/software",
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/guides/reset-password?solved=1");
    assert_eq!(
        app.db()
            .guide("reset-password")
            .await
            .unwrap()
            .unwrap()
            .solved_count,
        1
    );
    // Votes from one browser replace each other; a visitor gets a cookie to be counted by.
    let visitor = app.client();
    for helpful in ["no", "yes"] {
        let res = app
            .call(
                &visitor,
                "/fn/vote_guide",
                &[("slug", "reset-password"), ("helpful", helpful)],
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    let g = app.db().guide("reset-password").await.unwrap().unwrap();
    assert_eq!((g.helpful_yes, g.helpful_no), (1, 0));
    let bad = app
        .call(
            &visitor,
            "/fn/vote_guide",
            &[("slug", "reset-password"), ("helpful", "maybe")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    app.finish().await;
}

async fn editing_needs_an_editor_and_keeps_history(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    app.test_db
        .person("eli@example.com", "Eli Engineer", &[Role::Engineer])
        .await;
    let mia = app.signed_in("mia@example.com").await;
    let eli = app.signed_in("eli@example.com").await;
    let fields = |original: &'static str, body: &'static str, revision: &'static str| {
        vec![
            ("original", original),
            ("slug", ""),
            ("title", "Printer setup"),
            ("category", "tech-support"),
            ("visibility", "public"),
            ("owner", "IT"),
            ("body", body),
            ("revision", revision),
            ("note", "first"),
        ]
    };
    assert_eq!(
        app.call(&app.client(), "/fn/save_guide", &fields("", "One.", ""))
            .await
            .status(),
        401
    );
    assert_eq!(
        app.call(&mia, "/fn/save_guide", &fields("", "One.", ""))
            .await
            .status(),
        403
    );
    assert_eq!(
        app.call(&mia, "/fn/preview_markdown", &[("body", "x")])
            .await
            .status(),
        403
    );
    assert!(app.db().guide("printer-setup").await.unwrap().is_none());

    let res = app
        .form(
            &eli,
            "/fn/save_guide",
            &fields("", "Line one.\nLine two.\n", ""),
            "/guides/new",
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/guides/printer-setup");
    // Same slug again: a field error, nothing saved.
    let dup = app
        .call(&eli, "/fn/save_guide", &fields("", "Other.", ""))
        .await;
    assert_eq!(dup.status(), 422);
    let dup: Value = dup.json().await.unwrap();
    assert_eq!(dup["field"], "slug");

    assert_eq!(
        app.call(
            &eli,
            "/fn/save_guide",
            &fields("printer-setup", "Line one.\nLine 2, better.\n", "1")
        )
        .await
        .status(),
        200
    );
    // Saving from the old revision again would lose that edit: refused.
    assert_eq!(
        app.call(
            &eli,
            "/fn/save_guide",
            &fields("printer-setup", "Stale.", "1")
        )
        .await
        .status(),
        409
    );

    let h: Value = app
        .call(
            &eli,
            "/fn/get_guide_history",
            &[("slug", "printer-setup"), ("from", "1"), ("to", "2")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(h["revisions"].as_array().unwrap().len(), 2);
    assert_eq!(h["revisions"][0]["author"], "Eli Engineer");
    let lines: Vec<String> = h["diff"][2]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            format!(
                "{}{}",
                l["tag"].as_str().unwrap(),
                l["text"].as_str().unwrap()
            )
        })
        .collect();
    assert!(lines.contains(&"-Line two.".to_string()), "{lines:?}");
    assert!(lines.contains(&"+Line 2, better.".to_string()), "{lines:?}");
    let page = eli
        .get(app.url("/guides/printer-setup/history?from=1&to=2"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Line 2, better.") && page.contains("diff-add"));
    assert_eq!(
        mia.get(app.url("/guides/printer-setup/history"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        mia.get(app.url("/guides/printer-setup/edit"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let status = |c: &crate::client::Client, path: &'static str| {
        let req = c.get(app.url(path));
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(status(&mia, "/guides/new").await, 403);
    assert_eq!(status(&app.client(), "/guides/new").await, 401);
    assert_eq!(status(&eli, "/guides/new").await, 200);

    assert_eq!(
        app.call(
            &eli,
            "/fn/restore_guide",
            &[("slug", "printer-setup"), ("number", "1")]
        )
        .await
        .status(),
        200
    );
    let g = app.db().guide("printer-setup").await.unwrap().unwrap();
    assert_eq!((g.revision, g.body.as_str()), (3, "Line one.\nLine two."));

    let html: Value = app
        .call(
            &eli,
            "/fn/preview_markdown",
            &[(
                "body",
                "**bold** <script>alert(1)</script> [x](javascript:alert(1))",
            )],
        )
        .await
        .json()
        .await
        .unwrap();
    let html = html.as_str().unwrap();
    assert!(
        html.contains("<strong>bold</strong>")
            && !html.contains("<script")
            && !html.contains("javascript:"),
        "{html}"
    );
    app.finish().await;
}

/// One typo per word is put right and said; when nothing matches, the closest words are
/// offered; a visitor is never offered, nor corrected to, a word only a runbook uses.
async fn search_forgives_typos_without_leaking_runbook_words(b: Backend) {
    let app = TestApp::spawn(b).await;
    seed(app.db()).await;
    app.test_db
        .person("ana@example.com", "Ana", &[Role::Analyst])
        .await;
    let visitor = app.client();
    let ana = app.signed_in("ana@example.com").await;
    let search = |c: &crate::client::Client, q: &str| {
        let (c, q) = (c.clone(), q.to_string());
        let app = &app;
        async move {
            let res = app
                .call(
                    &c,
                    "/fn/list_guides",
                    &[("q", q.as_str()), ("category", "")],
                )
                .await;
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()
        }
    };
    let slugs = |v: &Value| -> Vec<String> {
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["slug"].as_str().unwrap().to_string())
            .collect()
    };
    let v = search(&visitor, "pasword").await;
    assert_eq!(slugs(&v)[0], "reset-password", "{v}");
    assert_eq!(v["corrected"], "password");
    let v = search(&visitor, "laptpo refresh").await;
    assert_eq!(slugs(&v), ["laptop-refresh"]);
    assert_eq!(v["corrected"], "laptop refresh");
    // Spelt right: nothing to say.
    assert!(search(&visitor, "password").await["corrected"].is_null());
    // Two edits away: no correction, but the closest words are offered.
    let v = search(&visitor, "lpatpo").await;
    assert!(slugs(&v).is_empty());
    assert_eq!(v["suggestions"][0], "laptop", "{v}");
    // "identity" is only in the runbook: staff are corrected to it, visitors never see it.
    let v = search(&ana, "identiy").await;
    assert_eq!(slugs(&v), ["runbook-2fa-reset"]);
    let v = search(&visitor, "identiy").await;
    assert!(slugs(&v).is_empty(), "{v}");
    assert!(!v.to_string().contains("identity"), "{v}");
    // A system's name is never "corrected" to a guide's word, nor offered.
    guide(
        app.db(),
        "tech-stack",
        "The tech stack",
        "tech-support",
        "public",
        "Every system is listed in the tech stack.",
    )
    .await;
    app::ssr::registry::import(
        app.db(),
        "- title: Slack\n  group_owner: IT Ops\n",
        app::ssr::registry::ImportOptions::default(),
    )
    .await
    .unwrap();
    let v = search(&ana, "who owns slack").await;
    assert!(v["corrected"].is_null(), "{v}");
    // A new guide's words are known at once.
    guide(
        app.db(),
        "printer-setup",
        "Printer setup",
        "tech-support",
        "public",
        "Add the office printer from the settings.",
    )
    .await;
    assert_eq!(slugs(&search(&visitor, "printr").await), ["printer-setup"]);
    app.finish().await;
}

/// Everyone searching the same words shares one answer within the read cache's time to live
/// (600 s here, so that it shows): a guide written straight into the database, as another
/// instance or the import command would, is found after that time; one saved through this
/// instance at once, and requests arriving meanwhile change nothing.
async fn a_search_is_shared_until_a_guide_changes(b: Backend) {
    let app = TestApp::spawn_with_read_cache(b, std::time::Duration::from_secs(600)).await;
    let t = &app.test_db;
    t.person("mia@example.com", "Mia", &[Role::Member]).await;
    t.person("max@example.com", "Max", &[Role::Member]).await;
    t.person("eli@example.com", "Eli Engineer", &[Role::Engineer])
        .await;
    guide(
        &t.db,
        "vpn-setup",
        "VPN setup",
        "tech-support",
        "public",
        "Install the VPN client.",
    )
    .await;
    let mia = app.signed_in("mia@example.com").await;
    let max = app.signed_in("max@example.com").await;
    let eli = app.signed_in("eli@example.com").await;
    let found = |c: &crate::client::Client| {
        let c = c.clone();
        let app = &app;
        async move {
            let res = app.read(&c, "/api/v1/guides", &[("q", "vpn")]).await;
            assert_eq!(res.status(), 200);
            let page: Value = res.json().await.unwrap();
            let mut slugs: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["slug"].as_str().unwrap().to_string())
                .collect();
            slugs.sort();
            slugs
        }
    };
    assert_eq!(found(&mia).await, ["vpn-setup"]);
    guide(
        &t.db,
        "vpn-phone",
        "VPN on phones",
        "tech-support",
        "public",
        "The VPN app.",
    )
    .await;
    assert_eq!(
        found(&max).await,
        ["vpn-setup"],
        "shared within the time to live"
    );
    let res = app
        .call(
            &eli,
            "/fn/save_guide",
            &[
                ("original", ""),
                ("slug", ""),
                ("title", "VPN for travel"),
                ("category", "tech-support"),
                ("visibility", "public"),
                ("owner", "IT"),
                ("body", "Abroad, connect the VPN first."),
                ("revision", ""),
                ("note", "new"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(
        found(&mia).await,
        ["vpn-for-travel", "vpn-phone", "vpn-setup"],
        "a guide saved here: at once"
    );
    app.finish().await;
}
