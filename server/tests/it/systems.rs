//! The tech-stack registry: importing GitLab's real file on both databases, idempotence, local
//! edits against later imports, handles linked to people, and bad files.

use crate::common::{on_both, Backend, TestApp, TestDb};
use app::domain::registry::Fields;
use app::domain::user::Role;
use app::ssr::registry::{import, ImportOptions, ImportReport};
use app::ssr::store::{Db, SystemFilter};
use serde_json::Value;

on_both!(
    the_real_file_imports_whole_and_normalised,
    a_second_import_changes_nothing,
    local_edits_survive_imports_unless_overwritten,
    bad_files_import_nothing_unless_partial,
    systems_over_http,
    registry_upload_from_the_admin_page,
    the_current_format_reads_as_the_old_one,
);

/// GitLab's data/tech_stack.yml (2022), shipped in seed/ for the demo and these tests.
const REAL_FILE: &str = include_str!("../../../seed/tech_stack.yml");

async fn run(db: &Db, text: &str, overwrite: bool, partial: bool) -> ImportReport {
    import(
        db,
        text,
        ImportOptions {
            overwrite,
            partial,
            dry_run: false,
        },
    )
    .await
    .unwrap()
}

async fn count(db: &Db, f: SystemFilter) -> usize {
    db.systems(&f, 0, 10_000).await.unwrap().len()
}

async fn the_real_file_imports_whole_and_normalised(b: Backend) {
    let t = TestDb::new(b).await;
    // A person whose handle a provisioner field names (ADP: "@vlaughlan").
    t.person("vlaughlan@example.com", "V. Laughlan", &[Role::Member])
        .await;
    let r = run(&t.db, REAL_FILE, false, false).await;
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.outcome.added.len(), 219);
    assert_eq!(t.db.count_systems().await.unwrap(), 219);
    let by = |field: &str, value: &str| {
        let mut f = SystemFilter::default();
        match field {
            "classification" => f.classification = value.into(),
            "tier" => f.tier = value.into(),
            "compliance" => f.compliance = value.into(),
            "baseline" => f.baseline = value.into(),
            _ => f.group = value.into(),
        }
        f
    };
    // Counts read off the file: every spelling of a tier, colour or scope lands somewhere.
    for (field, value, n) in [
        ("classification", "orange", 145),
        ("classification", "yellow", 31),
        ("classification", "green", 22),
        ("classification", "red", 16),
        ("classification", "unknown", 5),
        ("tier", "1", 34),
        ("tier", "2", 42),
        ("tier", "3", 124),
        ("tier", "unknown", 19),
        ("compliance", "SOX", 28),
        ("compliance", "SOC2", 6),
        ("compliance", "none", 38),
        ("baseline", "yes", 31),
        ("baseline", "no", 178),
        ("group", "IT Ops", 10),
    ] {
        assert_eq!(count(&t.db, by(field, value)).await, n, "{field}={value}");
    }
    // Every field of every entry is kept as it was written, nulls included.
    let s = t.db.system("1password").await.unwrap().unwrap();
    let f: Fields = s.fields();
    assert_eq!(f.len(), 23);
    assert_eq!(f["critical_systems_tier"], "Tier 3 / Non-critical");
    assert_eq!(f["saas"], serde_json::Value::Null);
    assert!(s.managed, "IT Ops owns 1Password");
    let adaptive = t.db.system("adaptive-insights").await.unwrap().unwrap();
    assert!(!adaptive.managed);
    assert_eq!(
        adaptive.labels(),
        [
            "FinSys - Adaptive Insights",
            "BT Finance Systems",
            "BT-Priority::1",
            "FinSys::Service Desk"
        ]
    );
    // Handles link to people where a user has that handle; the others stay plain handles.
    let adp = t.db.system("adp").await.unwrap().unwrap();
    let people = t.db.system_people(adp.id).await.unwrap();
    let linked = people
        .iter()
        .find(|p| p.role == "provisioner" && p.handle == "vlaughlan")
        .expect("ADP's provisioner handle");
    assert_eq!(linked.user_name.as_deref(), Some("V. Laughlan"));
    let ally = t.db.system("ally-io").await.unwrap().unwrap();
    let people = t.db.system_people(ally.id).await.unwrap();
    assert!(people
        .iter()
        .any(|p| p.handle == "kristie.thomas" && p.user_name.is_none()));
    // Search by name, description or owner.
    let words = |w: &[&str]| SystemFilter {
        words: w.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let okta: Vec<String> =
        t.db.systems(&words(&["okta"]), 0, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.slug)
            .collect();
    assert_eq!(okta.first().map(String::as_str), Some("okta"), "{okta:?}");
    assert_eq!(count(&t.db, words(&["payroll", "adp"])).await, 1);
    assert_eq!(count(&t.db, words(&["100%_"])).await, 0);
    t.drop_db().await;
}

async fn a_second_import_changes_nothing(b: Backend) {
    let t = TestDb::new(b).await;
    run(&t.db, REAL_FILE, false, false).await;
    let again = run(&t.db, REAL_FILE, false, false).await;
    assert!(again.outcome.added.is_empty() && again.outcome.changed.is_empty());
    assert!(again.outcome.conflicts.is_empty());
    assert_eq!(again.outcome.unchanged.len(), 219);
    // A changed file changes just what it changed, and says which fields.
    let edited = REAL_FILE.replacen(
        "deprovisioner: IT Ops\n  group_owner: IT Ops",
        "deprovisioner: '@it-ops'\n  group_owner: IT Ops",
        1,
    );
    assert_ne!(edited, REAL_FILE);
    let r = run(&t.db, &edited, false, false).await;
    assert_eq!(
        r.outcome.changed,
        [("1Password".to_string(), vec!["deprovisioner".to_string()])]
    );
    let s = t.db.system("1password").await.unwrap().unwrap();
    assert_eq!(t.db.system_events(s.id).await.unwrap().len(), 2);
    t.drop_db().await;
}

async fn local_edits_survive_imports_unless_overwritten(b: Backend) {
    let t = TestDb::new(b).await;
    let admin = t.person("admin@example.com", "Admin", &[Role::Admin]).await;
    let file = "- title: Okta\n  group_owner: IT Ops\n  provisioner: '@it'\n  notes: null\n";
    run(&t.db, file, false, false).await;
    let s = t.db.system("okta").await.unwrap().unwrap();
    let mut f = s.fields();
    f.insert("provisioner".into(), "@alice, @bob".into());
    let changed = t.db.edit_system(s.id, &f, false, admin).await.unwrap();
    assert_eq!(changed, ["provisioner", "managed"]);
    // The file changes the provisioner too, and the notes: the notes come in, the edit stays.
    let newer =
        "- title: Okta\n  group_owner: IT Ops\n  provisioner: '@carol'\n  notes: SSO for all\n";
    let r = run(&t.db, newer, false, false).await;
    assert_eq!(
        r.outcome.conflicts,
        [("Okta".to_string(), vec!["provisioner".to_string()])]
    );
    assert_eq!(
        r.outcome.changed,
        [("Okta".to_string(), vec!["notes".to_string()])]
    );
    let s = t.db.system("okta").await.unwrap().unwrap();
    assert_eq!(s.fields()["provisioner"], "@alice, @bob");
    assert_eq!(s.fields()["notes"], "SSO for all");
    assert!(
        !s.managed,
        "the managed flag is the admin's, imports leave it"
    );
    // --overwrite takes the file's value.
    let newest = newer.replace("@carol", "@dave");
    let r = run(&t.db, &newest, true, false).await;
    assert_eq!(r.outcome.conflicts.len(), 1);
    let s = t.db.system("okta").await.unwrap().unwrap();
    assert_eq!(s.fields()["provisioner"], "@dave");
    let people = t.db.system_people(s.id).await.unwrap();
    assert_eq!(
        people.iter().map(|p| p.handle.as_str()).collect::<Vec<_>>(),
        ["dave"]
    );
    // History: import, edit (by the admin), import, import.
    let events = t.db.system_events(s.id).await.unwrap();
    let sources: Vec<&str> = events.iter().map(|e| e.source.as_str()).collect();
    assert_eq!(sources, ["import", "import", "edit", "import"]);
    assert_eq!(events[2].actor_name.as_deref(), Some("Admin"));
    t.drop_db().await;
}

async fn bad_files_import_nothing_unless_partial(b: Backend) {
    let t = TestDb::new(b).await;
    let err = import(
        &t.db,
        "- title: A\n  notes: [oops\n",
        ImportOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(err.contains("line 2"), "{err}");
    let err = import(&t.db, "title: A", ImportOptions::default())
        .await
        .unwrap_err();
    assert!(err.contains("must be a list"), "{err}");
    let mixed = "- title: Good\n- notes: no title\n- title: good\n";
    let r = run(&t.db, mixed, false, false).await;
    assert!(r.refused);
    assert_eq!(r.errors.len(), 2);
    assert_eq!(t.db.count_systems().await.unwrap(), 0);
    let r = run(&t.db, mixed, false, true).await;
    assert!(!r.refused);
    assert_eq!(r.outcome.added, ["Good"]);
    assert_eq!(t.db.count_systems().await.unwrap(), 1);
    let huge = "#".repeat(6 * 1024 * 1024);
    let err = import(&t.db, &huge, ImportOptions::default())
        .await
        .unwrap_err();
    assert!(err.contains("largest accepted"), "{err}");
    t.drop_db().await;
}

async fn systems_over_http(b: Backend) {
    let app = TestApp::spawn(b).await;
    let db = app.db().clone();
    run(&db, REAL_FILE, false, false).await;
    app.test_db
        .person("mia@example.com", "Mia", &[Role::Member])
        .await;
    app.test_db
        .person("cora@example.com", "Cora", &[Role::Contractor])
        .await;
    app.test_db
        .person("ana@example.com", "Ana", &[Role::Analyst])
        .await;
    app.test_db
        .person("ada@example.com", "Ada", &[Role::Admin])
        .await;
    let visitor = app.client();
    let mia = app.signed_in("mia@example.com").await;
    let ana = app.signed_in("ana@example.com").await;
    let ada = app.signed_in("ada@example.com").await;

    // Visitors: sent to sign in from the pages, 401 from the API and server functions.
    let res = visitor.get(app.url("/systems/okta")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/sign-in?next=/systems/okta");
    let res = visitor
        .get(app.url("/api/v1/systems?q=okta"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = app
        .call(&visitor, "/fn/get_system", &[("slug", "okta")])
        .await;
    assert_eq!(res.status(), 401);

    // Anyone signed in: the page, the API, and the header search offering the system first.
    let page = mia.get(app.url("/systems/okta")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("#it_help") && html.contains("Request access"),
        "owner channel and the request button"
    );
    let adp = mia
        .get(app.url("/systems/adp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(adp.contains("The helpdesk does not manage this system"));
    assert!(adp.contains("Finance in #finance"));
    let list: Value = mia
        .get(app.url("/api/v1/systems?q=okta"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["slug"], "okta", "{list}");
    let page: Value = mia
        .get(app.url("/api/v1/systems?tier=1&classification=orange"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|s| s["tier"] == 1 && s["classification"] == "orange"));
    let all: Value = mia
        .get(app.url("/api/v1/systems"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 50);
    let next = all["next_cursor"].as_str().unwrap().to_string();
    let second: Value = mia
        .get(app.url(&format!("/api/v1/systems?cursor={next}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(second["items"][0]["slug"], all["items"][0]["slug"]);
    let bad = mia
        .get(app.url("/api/v1/systems?cursor=abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let bad: Value = bad.json().await.unwrap();
    assert_eq!(bad["error"]["field"], "cursor");
    let one: Value = mia
        .get(app.url("/api/v1/systems/okta"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["summary"]["owner_channel"], "#it_help");
    assert_eq!(one["history"], Value::Null, "history is for admins");
    let missing = mia
        .get(app.url("/api/v1/systems/no-such-system"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let search = mia
        .get(app.url("/guides?q=who+owns+okta"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        search.contains("href=\"/systems/okta\""),
        "the header search offers the system"
    );
    let cora = app.signed_in("cora@example.com").await;
    assert_eq!(
        cora.get(app.url("/api/v1/systems/okta"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // Editing: admins only, checked on the server; bad fields are named; nothing half-saved.
    let edit = |v: &'static str| {
        vec![
            ("slug", "okta"),
            ("fields[provisioner]", v),
            ("fields[team_member_baseline_entitlement]", "true"),
            ("managed", "on"),
        ]
    };
    for who in [&mia, &ana] {
        let res = app.call(who, "/fn/edit_system", &edit("@someone")).await;
        assert_eq!(res.status(), 403);
    }
    let res = app
        .call(
            &ada,
            "/fn/edit_system",
            &[("slug", "okta"), ("fields[title]", "Renamed")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["field"], "title");
    let long = "x".repeat(10_001);
    let res = app
        .call(
            &ada,
            "/fn/edit_system",
            &[("slug", "okta"), ("fields[notes]", long.as_str())],
        )
        .await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["field"], "notes");
    let res = app
        .call(
            &ada,
            "/fn/edit_system",
            &[
                ("slug", "okta"),
                ("fields[team_member_baseline_entitlement]", "maybe"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let okta = db.system("okta").await.unwrap().unwrap();
    assert_eq!(
        db.system_events(okta.id).await.unwrap().len(),
        1,
        "nothing saved by refused edits"
    );
    // A no-JavaScript form post saves and comes back to the page.
    let res = app
        .form(
            &ada,
            "/fn/edit_system",
            &edit("@ana and @gitlab-com/it"),
            "/systems/okta/edit",
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/systems/okta?saved=1");
    let okta = db.system("okta").await.unwrap().unwrap();
    assert_eq!(okta.fields()["provisioner"], "@ana and @gitlab-com/it");
    let people = db.system_people(okta.id).await.unwrap();
    let ana_link = people.iter().find(|p| p.handle == "ana").unwrap();
    assert_eq!(
        ana_link.user_name.as_deref(),
        Some("Ana"),
        "the handle links to the person"
    );
    let one: Value = ada
        .get(app.url("/api/v1/systems/okta"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let history = one["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["who"], "Ada");
    assert_eq!(history[0]["changes"][0]["field"], "Provisioners");
    app.finish().await;
}

async fn upload(
    app: &TestApp,
    c: &crate::client::Client,
    name: &str,
    bytes: Vec<u8>,
    extra: &[&str],
) -> crate::client::Response {
    let mut form = crate::client::multipart::Form::new().part(
        "file",
        crate::client::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    for e in extra {
        form = form.text(e.to_string(), "on");
    }
    c.post(app.url("/admin/registry/import"))
        .header("sec-fetch-site", "same-origin")
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn registry_upload_from_the_admin_page(b: Backend) {
    let app = TestApp::spawn(b).await;
    let db = app.db().clone();
    app.test_db
        .person("ada@example.com", "Ada", &[Role::Admin])
        .await;
    app.test_db
        .person("ana@example.com", "Ana", &[Role::Analyst])
        .await;
    let ada = app.signed_in("ada@example.com").await;
    let ana = app.signed_in("ana@example.com").await;
    let file = REAL_FILE.as_bytes().to_vec();

    // Only admins; cross-site posts are refused before anything is read.
    let res = upload(&app, &app.client(), "t.yml", file.clone(), &["import"]).await;
    assert_eq!(res.status(), 401);
    let res = upload(&app, &ana, "t.yml", file.clone(), &["import"]).await;
    assert_eq!(res.status(), 403);
    let res = ada
        .post(app.url("/admin/registry/import"))
        .header("sec-fetch-site", "cross-site")
        .multipart(crate::client::multipart::Form::new().text("import", "on"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // A preview reports and rolls back; the import then saves; both are on record.
    let res = upload(&app, &ada, "tech_stack.yml", file.clone(), &["preview"]).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/admin/registry?import="),
        "{location}"
    );
    assert_eq!(db.count_systems().await.unwrap(), 0);
    let page = ada
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Preview: nothing was saved") && page.contains("219 added"),
        "the report"
    );
    let res = upload(&app, &ada, "tech_stack.yml", file.clone(), &["import"]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(db.count_systems().await.unwrap(), 219);
    let rows = db.registry_imports(None, 10).await.unwrap();
    let statuses: Vec<&str> = rows.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["imported", "preview"]);
    assert_eq!(rows[0].who, "Ada");

    // Bad files: each refused with its reason on record, nothing imported.
    for (bytes, reason) in [
        (b"- title: A\n  notes: [oops\n".to_vec(), "line 3"),
        (vec![0xff, 0xfe, 0x00], "not UTF-8"),
        (Vec::new(), "empty"),
        (
            vec![b'#'; 5 * 1024 * 1024 + 1],
            "larger than 5 MB, the largest accepted",
        ),
    ] {
        let res = upload(&app, &ada, "bad.yml", bytes, &["import"]).await;
        assert_eq!(res.status(), 303, "{reason}");
        let last = &db.registry_imports(None, 1).await.unwrap()[0];
        assert_eq!(last.status, "refused", "{reason}");
        assert!(last.report.contains(reason), "{reason}: {}", last.report);
    }
    assert_eq!(db.count_systems().await.unwrap(), 219);
    app.finish().await;
}

/// GitLab renamed `integration_method` to `authentication_method` and added fields since 2022:
/// a file in today's format imports as the same facts, a later old-format copy of the same
/// system changes nothing, and names the portal does not know are kept and reported.
async fn the_current_format_reads_as_the_old_one(b: Backend) {
    let t = TestDb::new(b).await;
    let db = &t.db;
    let current = "- title: Example Vendor\n  team_member_baseline_entitlement: false\n  \
        provisioner: '`@jdoe`'\n  group_owner: Procurement\n  data_classification: Orange\n  \
        authentication_method: Okta SAML\n  critical_systems_tier: Tier 3 Business Operational\n  \
        accessibility: true\n  accessibility_description: Screen-reader mode in settings\n  \
        now_id: null\n  compass_component: vendor-42\n";
    let r = run(db, current, false, false).await;
    assert_eq!(r.outcome.added, vec!["Example Vendor"]);
    assert_eq!(r.unknown_fields, vec![("compass_component".to_string(), 1)]);
    assert!(r.renamed_fields.is_empty());
    let s = db.system("example-vendor").await.unwrap().unwrap();
    let f = s.fields();
    assert_eq!(f["authentication_method"], "Okta SAML");
    assert_eq!(
        f["compass_component"], "vendor-42",
        "unknown fields are kept raw"
    );
    assert_eq!(s.tier, Some(3), "today's tier names read as the number");
    let described = tierdesk::import::describe(&r);
    assert!(
        described.contains("unknown field: compass_component"),
        "{described}"
    );

    // The same system in the 2022 spelling: the same fact, so nothing changes.
    let old = "- title: Example Vendor\n  team_member_baseline_entitlement: false\n  \
        provisioner: '`@jdoe`'\n  group_owner: Procurement\n  data_classification: Orange\n  \
        integration_method: Okta SAML\n  critical_systems_tier: Tier 3 Business Operational\n  \
        accessibility: true\n  accessibility_description: Screen-reader mode in settings\n  \
        now_id: null\n  compass_component: vendor-42\n";
    let r = run(db, old, false, false).await;
    assert_eq!(
        r.outcome.unchanged,
        vec!["Example Vendor"],
        "{:?}",
        r.outcome
    );
    assert_eq!(
        r.renamed_fields,
        vec![(
            "integration_method".to_string(),
            "authentication_method".to_string(),
            1
        )]
    );
    // The 2022 file (integration_method throughout) names no field the portal does not know.
    let r = run(db, REAL_FILE, false, false).await;
    assert!(r.unknown_fields.is_empty(), "{:?}", r.unknown_fields);
    assert!(r
        .renamed_fields
        .iter()
        .any(|(o, _, n)| o == "integration_method" && *n > 100));
    t.drop_db().await;
}
