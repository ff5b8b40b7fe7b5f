//! The analyst queue on both databases: every filter and view count against a plain in-memory
//! reading of the same rows, keyset pages, service-level clocks, batches that change all or
//! nothing, round-robin, macros, reopening, and who may do what over HTTP.

use crate::common::{on_both, Backend, TestApp, TestDb, PASSWORD};
use app::domain::queue::{Filter, SlaFilter, Sort, View};
use app::domain::request::{RequestKey, RequestState};
use app::domain::time::Day;
use app::domain::user::Role;
use app::ssr::registry::{import, ImportOptions};
use app::ssr::store::{Change, Db, NewLine, NewRequestRecord, Pool, RequestRow, StoreError};
use serde_json::Value;
use std::collections::BTreeMap;

on_both!(
    every_filter_and_view_count_matches_the_rows,
    keyset_pages_cover_every_request_once_in_order,
    clocks_pause_while_waiting_and_follow_holidays,
    a_batch_changes_all_requests_or_none,
    round_robin_takes_turns_among_analysts_on_shift_across_restarts,
    round_robin_takes_exact_turns_when_submissions_arrive_together,
    batches_over_http_check_roles_and_transitions,
    macros_fill_placeholders_and_a_reply_reopens_within_a_week,
    the_read_cache_answers_repeats_and_forgets_on_change,
    others_work_on_requests_reaches_an_analyst_within_the_time_to_live,
    a_kept_queue_page_gets_a_nonce_of_its_own_each_time,
    a_kept_page_is_rendered_again_in_the_background_before_it_expires,
);

fn record(kind: &str, title: &str, priority: &str, requester_id: i64) -> NewRequestRecord {
    NewRequestRecord {
        kind: kind.into(),
        title: title.into(),
        description: format!("{title}: details"),
        priority: priority.into(),
        state: "new".into(),
        requester_id,
        details: "[]".into(),
        ..Default::default()
    }
}

/// Runs raw SQL on either backend (to age a row, as time passing would).
pub async fn exec(db: &Db, sql: &str) {
    match &db.pool {
        Pool::Sqlite(p) => {
            sqlx::query(sql).execute(p).await.unwrap();
        }
        Pool::Postgres(p) => {
            sqlx::query(sql).execute(p).await.unwrap();
        }
    }
}

fn q(pairs: &[(&str, &str)]) -> Filter {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Filter::parse(&map).unwrap()
}

/// What a filter should find, read straight off the rows: the oracle the SQL is checked against.
fn expected(
    f: &Filter,
    rows: &[RequestRow],
    labels: &BTreeMap<i64, Vec<String>>,
    viewer: i64,
    team: &[i64],
    handles: &BTreeMap<i64, String>,
    systems: &BTreeMap<i64, Vec<String>>,
    now: i64,
) -> Vec<i64> {
    use app::domain::queue::{AssigneeFilter, StateFilter};
    let f = f.effective();
    let mut out: Vec<&RequestRow> = rows
        .iter()
        .filter(|r| match f.state {
            StateFilter::Open => r.state().is_open(),
            StateFilter::Any => true,
            StateFilter::Is(s) => r.state() == s,
        })
        .filter(|r| f.kind.is_none_or(|k| r.kind() == k))
        .filter(|r| f.priority.is_none_or(|p| r.priority() == p))
        .filter(|r| {
            f.label
                .as_ref()
                .is_none_or(|l| labels.get(&r.id).is_some_and(|ls| ls.contains(l)))
        })
        .filter(|r| match &f.assignee {
            None => true,
            Some(AssigneeFilter::Nobody) => r.assignee_id.is_none(),
            Some(AssigneeFilter::Me) => r.assignee_id == Some(viewer),
            Some(AssigneeFilter::MyTeam) => r.assignee_id.is_some_and(|a| team.contains(&a)),
            Some(AssigneeFilter::Person(h)) => {
                r.assignee_id.and_then(|a| handles.get(&a)) == Some(h)
            }
        })
        .filter(|r| {
            f.requester
                .as_ref()
                .is_none_or(|h| handles.get(&r.requester_id) == Some(h))
        })
        .filter(|r| {
            f.system
                .as_ref()
                .is_none_or(|s| systems.get(&r.id).is_some_and(|ss| ss.contains(s)))
        })
        .filter(|r| match f.sla {
            None => true,
            Some(SlaFilter::AtRisk) => {
                r.risk_at.is_some_and(|x| x <= now) && r.due_at.is_some_and(|d| d > now)
            }
            Some(SlaFilter::Breached) => r.due_at.is_some_and(|d| d <= now),
        })
        .filter(|r| {
            f.text.as_ref().is_none_or(|t| {
                let hay = format!("{} {}", r.title, r.description).to_lowercase();
                t.split_whitespace()
                    .all(|w| hay.contains(&w.to_lowercase()))
            })
        })
        .collect();
    match f.sort {
        Sort::Due => out.sort_by_key(|r| (r.due_at.unwrap_or(i64::MAX), r.id)),
        Sort::Newest => out.sort_by_key(|r| std::cmp::Reverse(r.id)),
        Sort::Oldest => out.sort_by_key(|r| r.id),
        Sort::Priority => out.sort_by_key(|r| (r.priority_rank, r.id)),
    }
    out.into_iter().map(|r| r.id).collect()
}

async fn every_filter_and_view_count_matches_the_rows(b: Backend) {
    let t = TestDb::new(b).await;
    let db = &t.db;
    let mia = t.person("mia@example.com", "Mia", &[Role::Member]).await;
    let ana = t.person("ana@example.com", "Ana", &[Role::Analyst]).await;
    let bo = t.person("bo@example.com", "Bo", &[Role::Analyst]).await;
    let cy = t.person("cy@example.com", "Cy", &[Role::Analyst]).await;
    db.set_teams(ana, &["it"]).await.unwrap();
    db.set_teams(bo, &["it"]).await.unwrap();
    db.set_teams(cy, &["field"]).await.unwrap();
    import(
        db,
        "- title: Slack\n  provisioner: \"@x\"\n- title: Okta\n  provisioner: \"@x\"\n",
        ImportOptions::default(),
    )
    .await
    .unwrap();
    let okta = db.system("okta").await.unwrap().unwrap().id;

    let mut access = record("access", "Okta admin for the audit", "high", mia);
    access.lines = vec![NewLine {
        system_id: okta,
        role: "admin".into(),
        justification: "audit".into(),
        grant_kind: "role".into(),
    }];
    let a = db
        .create_request(&record("software", "VPN drops every hour", "normal", mia))
        .await
        .unwrap();
    let bb = db.create_request(&access).await.unwrap();
    let c = db
        .create_request(&record("software", "Printer jams", "low", ana))
        .await
        .unwrap();
    let mut approval = record("access", "Figma editor", "normal", mia);
    approval.state = "awaiting-approval".into();
    let d = db.create_request(&approval).await.unwrap();
    let e = db
        .create_request(&record("laptop", "Laptop refresh", "normal", mia))
        .await
        .unwrap();
    let f = db
        .create_request(&record("software", "Zoom VPN conflict", "high", mia))
        .await
        .unwrap();
    // B is Ana's and in progress, C is Bo's and waits on its requester, E is resolved, F is
    // Cy's (another team).
    let change =
        |id: RequestKey, state: Option<(RequestState, RequestState)>, to: Option<i64>| Change {
            id: id.number(),
            state,
            assignee: to.map(|to| (None, Some(to))),
            ..Change::default()
        };
    use RequestState::*;
    db.apply_changes(ana, &[change(bb, Some((New, InProgress)), Some(ana))])
        .await
        .unwrap();
    db.apply_changes(bo, &[change(c, Some((New, InProgress)), Some(bo))])
        .await
        .unwrap();
    db.apply_changes(
        bo,
        &[change(c, Some((InProgress, WaitingOnRequester)), None)],
    )
    .await
    .unwrap();
    db.apply_changes(ana, &[change(e, Some((New, InProgress)), None)])
        .await
        .unwrap();
    db.apply_changes(ana, &[change(e, Some((InProgress, Resolved)), None)])
        .await
        .unwrap();
    db.apply_changes(cy, &[change(f, None, Some(cy))])
        .await
        .unwrap();
    db.add_label(a, "vpn", ana).await.unwrap();
    db.add_label(f, "vpn", ana).await.unwrap();
    db.add_label(bb, "admin-access", ana).await.unwrap();

    let rows = db
        .requests_by_ids(&[a, bb, c, d, e, f].map(|k| k.number()))
        .await
        .unwrap();
    // Every open request that is not paused has a next deadline; paused and finished ones none.
    for r in &rows {
        let running = r.state().is_open() && r.state() != WaitingOnRequester;
        assert_eq!(r.due_at.is_some(), running, "{}", r.title);
        assert_eq!(r.risk_at.is_some(), running, "{}", r.title);
        if let (Some(risk), Some(due)) = (r.risk_at, r.due_at) {
            assert!(r.created_at <= risk && risk <= due, "{}", r.title);
        }
    }
    assert!(rows
        .iter()
        .any(|r| r.id == c.number() && r.paused_since.is_some()));
    assert!(rows
        .iter()
        .any(|r| r.id == e.number() && r.resolved_at.is_some()));

    let labels: BTreeMap<i64, Vec<String>> = BTreeMap::from([
        (a.number(), vec!["vpn".into()]),
        (f.number(), vec!["vpn".into()]),
        (bb.number(), vec!["admin-access".into()]),
    ]);
    let handles: BTreeMap<i64, String> = [(mia, "mia"), (ana, "ana"), (bo, "bo"), (cy, "cy")]
        .into_iter()
        .map(|(i, h)| (i, h.to_string()))
        .collect();
    let systems = BTreeMap::from([(bb.number(), vec!["okta".to_string()])]);
    let team = [ana, bo];

    // Moments that put different requests at risk or past due.
    let mut moments = vec![db.now()];
    for r in &rows {
        moments.extend(r.risk_at);
        moments.extend(r.due_at);
    }
    let filters: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("state", "any")],
        vec![("state", "resolved")],
        vec![("state", "waiting-on-requester")],
        vec![("kind", "access")],
        vec![("priority", "high")],
        vec![("label", "vpn")],
        vec![("assignee", "none")],
        vec![("assignee", "me")],
        vec![("assignee", "team")],
        vec![("assignee", "bo")],
        vec![("requester", "ana")],
        vec![("requester", "mia@example.com")],
        vec![("system", "okta")],
        vec![("q", "vpn")],
        vec![("q", "vpn hour")],
        vec![("q", "nothing-matches-this")],
        vec![("q", "vpn"), ("state", "any")],
        vec![("q", "vpn"), ("sort", "due")],
        vec![("q", "vpn"), ("state", "any"), ("sort", "oldest")],
        vec![("q", "vpn"), ("label", "vpn"), ("assignee", "none")],
        vec![("sla", "at-risk")],
        vec![("sla", "breached")],
        vec![("view", "unassigned"), ("kind", "software")],
        vec![("view", "awaiting-approval")],
        vec![("view", "team"), ("sort", "priority")],
        vec![("label", "vpn"), ("priority", "high"), ("sort", "newest")],
        vec![("state", "any"), ("sort", "oldest")],
    ];
    for now in &moments {
        for pairs in &filters {
            let filter = q(pairs);
            let mut want = expected(
                &filter, &rows, &labels, ana, &team, &handles, &systems, *now,
            );
            if pairs
                .iter()
                .any(|(k, v)| *k == "requester" && v.contains('@'))
            {
                // E-mail addresses name requesters as well as handles.
                want = expected(
                    &q(&[("requester", "mia")]),
                    &rows,
                    &labels,
                    ana,
                    &team,
                    &handles,
                    &systems,
                    *now,
                );
            }
            let (got, next) = db.queue_page(&filter, ana, *now, 50).await.unwrap();
            assert_eq!(
                got.iter().map(|r| r.id).collect::<Vec<_>>(),
                want,
                "{pairs:?} at {now}"
            );
            assert!(next.is_none());
            assert_eq!(
                db.queue_count(&filter, ana, *now).await.unwrap(),
                want.len() as i64,
                "{pairs:?}"
            );
        }
        // Every view's count is what the view's own page lists.
        let counts = db.view_counts(ana, *now).await.unwrap();
        for (view, n) in &counts.counts {
            let f = Filter {
                view: Some(*view),
                ..Filter::default()
            };
            let want = expected(&f, &rows, &labels, ana, &team, &handles, &systems, *now);
            assert_eq!(*n, want.len() as i64, "{view:?} at {now}");
        }
        let open_kinds: i64 = counts.kinds.iter().map(|(_, n)| n).sum();
        assert_eq!(
            open_kinds,
            counts
                .counts
                .iter()
                .find(|(v, _)| *v == View::Open)
                .unwrap()
                .1
        );
    }
    // A request key in the search box finds that request, open or not.
    let (got, _) = db
        .queue_page(
            &q(&[("q", &e.to_string()), ("state", "any")]),
            ana,
            db.now(),
            50,
        )
        .await
        .unwrap();
    assert_eq!(got.iter().map(|r| r.id).collect::<Vec<_>>(), [e.number()]);
    t.drop_db().await;
}

async fn keyset_pages_cover_every_request_once_in_order(b: Backend) {
    let t = TestDb::new(b).await;
    let db = &t.db;
    let mia = t.person("mia@example.com", "Mia", &[Role::Member]).await;
    for (i, p) in ["low", "high", "normal", "high", "low", "normal", "normal"]
        .iter()
        .enumerate()
    {
        let word = if i % 2 == 0 { "printer" } else { "monitor" };
        db.create_request(&record("software", &format!("R{i} {word}"), p, mia))
            .await
            .unwrap();
    }
    // Words are matched in the full-text index read in request order on SQLite: pages of
    // matches, with every other filter, follow one another as without words.
    let cases = ["due", "newest", "oldest", "priority"]
        .into_iter()
        .flat_map(|s| [(s, None, 7), (s, Some("printer"), 4)])
        .chain([("", Some("printer"), 4), ("newest", Some("R3 monitor"), 1)]);
    for (sort, words, n) in cases {
        let mut pairs = vec![("sort", sort), ("state", "any")];
        pairs.extend(words.map(|w| ("q", w)));
        let all = db
            .queue_page(&q(&pairs), mia, db.now(), 50)
            .await
            .unwrap()
            .0;
        assert_eq!(all.len(), n, "{pairs:?}");
        if sort == "" {
            // Searching without choosing an order lists the newest match first.
            let ids: Vec<i64> = all.iter().map(|r| r.id).collect();
            let mut newest_first = ids.clone();
            newest_first.sort_by(|a, b| b.cmp(a));
            assert_eq!(ids, newest_first);
        }
        let mut seen = Vec::new();
        let mut filter = q(&pairs);
        loop {
            let (page, next) = db.queue_page(&filter, mia, db.now(), 3).await.unwrap();
            assert!(page.len() <= 3);
            seen.extend(page.iter().map(|r| r.id));
            match next {
                Some(c) => filter.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(
            seen,
            all.iter().map(|r| r.id).collect::<Vec<_>>(),
            "{pairs:?}"
        );
    }
    t.drop_db().await;
}

async fn clocks_pause_while_waiting_and_follow_holidays(b: Backend) {
    let t = TestDb::new(b).await;
    let db = &t.db;
    let mia = t.person("mia@example.com", "Mia", &[Role::Member]).await;
    let ana = t.person("ana@example.com", "Ana", &[Role::Analyst]).await;
    let k = db
        .create_request(&record("software", "VPN", "normal", mia))
        .await
        .unwrap();
    let r = db.request(k).await.unwrap().unwrap();
    let (first, resolve) = (r.first_due_at.unwrap(), r.resolve_due_at.unwrap());
    assert_eq!(r.due_at, Some(first), "the first response comes first");
    assert!(first < resolve);

    // A colleague's reply (copied on it, say) is not the helpdesk's first response.
    let cole = t.person("cole@example.com", "Cole", &[Role::Member]).await;
    db.add_comment(k, cole, "Same here.", false).await.unwrap();
    let r = db.request(k).await.unwrap().unwrap();
    assert!(
        r.responded_at.is_none(),
        "only staff respond for the helpdesk"
    );
    assert_eq!(r.due_at, Some(first));

    // Ana answers: the first response is met and the next deadline is the resolution.
    use RequestState::*;
    db.apply_changes(
        ana,
        &[Change {
            id: k.number(),
            state: Some((New, InProgress)),
            ..Change::default()
        }],
    )
    .await
    .unwrap();
    let r = db.request(k).await.unwrap().unwrap();
    assert!(r.responded_at.is_some());
    assert_eq!(r.due_at, Some(resolve));
    assert_eq!(r.first_due_at, Some(first), "kept as it was");

    // Waiting on the requester: no running deadline; back in progress: never earlier.
    db.change_request(k, ana, InProgress, WaitingOnRequester, None)
        .await
        .unwrap();
    let r = db.request(k).await.unwrap().unwrap();
    assert!(r.due_at.is_none() && r.paused_since.is_some());
    // Pretend it waited a full week (the pause started seven days earlier).
    exec(
        db,
        &format!(
            "UPDATE requests SET paused_since = paused_since - {} WHERE id = {}",
            7 * 86_400_000i64,
            k.number()
        ),
    )
    .await;
    db.change_request(k, mia, WaitingOnRequester, InProgress, None)
        .await
        .unwrap();
    let r = db.request(k).await.unwrap().unwrap();
    assert!(r.paused_since.is_none());
    // A week holds 122 covered hours (plus the moments the test itself took).
    assert!(
        (122 * 3_600_000..122 * 3_600_000 + 60_000).contains(&r.paused_ms),
        "{}",
        r.paused_ms
    );
    let paused_due = r.due_at.unwrap();
    assert!(paused_due > resolve);

    // A holiday on the due day pushes the deadline; removing it brings it back.
    let due_day = Day::of(app::domain::time::Timestamp::from_millis(paused_due));
    db.put_holiday(due_day, "Company day", ana).await.unwrap();
    let r = db.request(k).await.unwrap().unwrap();
    assert!(r.due_at.unwrap() > paused_due);
    assert!(db.delete_holiday(due_day).await.unwrap());
    let r = db.request(k).await.unwrap().unwrap();
    assert_eq!(r.due_at, Some(paused_due));
    t.drop_db().await;
}

async fn a_batch_changes_all_requests_or_none(b: Backend) {
    let t = TestDb::new(b).await;
    let db = &t.db;
    let mia = t.person("mia@example.com", "Mia", &[Role::Member]).await;
    let ana = t.person("ana@example.com", "Ana", &[Role::Analyst]).await;
    let a = db
        .create_request(&record("software", "A", "normal", mia))
        .await
        .unwrap();
    let bb = db
        .create_request(&record("software", "B", "normal", mia))
        .await
        .unwrap();
    use RequestState::*;
    // B is not new any more, so the second change is stale: the first is rolled back too.
    db.change_request(bb, ana, New, InProgress, None)
        .await
        .unwrap();
    let batch = [a, bb].map(|k| Change {
        id: k.number(),
        state: Some((New, Triaged)),
        assignee: Some((None, Some(ana))),
        labels: vec!["batch".into()],
        ..Change::default()
    });
    let err = db.apply_changes(ana, &batch).await;
    assert!(matches!(err, Err(StoreError::Stale)), "{err:?}");
    let r = db.request(a).await.unwrap().unwrap();
    assert_eq!((r.state(), r.assignee_id), (New, None));
    assert!(db.request_labels(a).await.unwrap().is_empty());
    assert_eq!(db.events(a, true).await.unwrap().len(), 1, "only 'created'");

    // Both new: both change, each with its own history.
    let c = db
        .create_request(&record("software", "C", "normal", mia))
        .await
        .unwrap();
    let batch = [a, c].map(|k| Change {
        id: k.number(),
        assignee: Some((None, Some(ana))),
        labels: vec!["batch".into()],
        ..Change::default()
    });
    db.apply_changes(ana, &batch).await.unwrap();
    for k in [a, c] {
        assert_eq!(db.request(k).await.unwrap().unwrap().assignee_id, Some(ana));
        assert_eq!(db.request_labels(k).await.unwrap(), ["batch"]);
        let fields: Vec<String> = db
            .events(k, true)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["created", "assignee", "label"]);
    }
    t.drop_db().await;
}

/// Analysts with support hours around the clock, one without any.
async fn shifts_for(app: &TestApp, handles: &[&str]) {
    let admin = app.signed_in("ada@example.com").await;
    for h in handles {
        let mut fields = vec![
            ("analyst", h.to_string()),
            ("region", "emea".to_string()),
            ("duty", "support".to_string()),
            ("start", "00:00".to_string()),
            ("end", "24:00".to_string()),
        ];
        for d in 0..7 {
            fields.push((
                Box::leak(format!("weekdays[{d}]").into_boxed_str()),
                "on".to_string(),
            ));
        }
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = app.call(&admin, "/fn/add_shift", &fields).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
}

async fn submit(app: &TestApp, c: &crate::client::Client, title: &str) -> String {
    let res = app
        .call(
            c,
            "/fn/submit_request",
            &[
                ("kind", "other"),
                ("fields[title]", title),
                ("fields[description]", "Please help."),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json::<String>().await.unwrap()
}

async fn assignee_of(app: &TestApp, key: &str) -> Option<i64> {
    let k: RequestKey = key.parse().unwrap();
    app.db().request(k).await.unwrap().unwrap().assignee_id
}

async fn round_robin_takes_turns_among_analysts_on_shift_across_restarts(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = &app.test_db;
    t.person("mia@example.com", "Mia", &[Role::Member]).await;
    t.person("ada@example.com", "Ada", &[Role::Admin]).await;
    let ana = t.person("ana@example.com", "Ana", &[Role::Analyst]).await;
    let bo = t.person("bo@example.com", "Bo", &[Role::Analyst]).await;
    let cy = t.person("cy@example.com", "Cy", &[Role::Analyst]).await;
    let off = t.person("off@example.com", "Off", &[Role::Analyst]).await;
    // Without shifts nobody is on support hours: requests wait unassigned.
    let mia = app.signed_in("mia@example.com").await;
    let k = submit(&app, &mia, "Before any shift").await;
    assert_eq!(assignee_of(&app, &k).await, None);

    shifts_for(&app, &["ana", "bo", "cy"]).await;
    let mut got = BTreeMap::<i64, usize>::new();
    let mut order = Vec::new();
    for i in 0..4 {
        let k = submit(&app, &mia, &format!("Request {i}")).await;
        let who = assignee_of(&app, &k).await.expect("handed out");
        order.push(who);
        *got.entry(who).or_default() += 1;
    }
    // A restart (a second server on the same database) carries on where the first left off.
    let second = app.another_instance().await;
    let mia_there = second.same_browser(&mia);
    for i in 4..9 {
        let k = submit(&second, &mia_there, &format!("Request {i}")).await;
        let who = assignee_of(&app, &k).await.expect("handed out");
        order.push(who);
        *got.entry(who).or_default() += 1;
    }
    assert_eq!(got.get(&off), None, "an analyst off shift gets none");
    assert_eq!(
        [ana, bo, cy].map(|a| got.get(&a).copied().unwrap_or(0)),
        [3, 3, 3],
        "{order:?}"
    );
    // Each turn goes to whoever waited longest: never the same analyst twice in a row.
    assert!(order.windows(2).all(|w| w[0] != w[1]), "{order:?}");
    // The history says the system handed it out.
    let k: RequestKey = submit(&app, &mia, "Who got it").await.parse().unwrap();
    let events = app.db().events(k, true).await.unwrap();
    assert_eq!(events[1].field, "assignee");
    assert_eq!(events[1].actor_name, "Tierdesk");

    // Admins can switch it off; then requests wait for someone to claim them.
    let ana_c = app.signed_in("ana@example.com").await;
    let res = app
        .call(&ana_c, "/fn/set_round_robin", &[("on", "off")])
        .await;
    assert_eq!(res.status(), 403, "analysts cannot");
    let admin = app.signed_in("ada@example.com").await;
    let res = app
        .call(&admin, "/fn/set_round_robin", &[("on", "off")])
        .await;
    assert_eq!(res.status(), 200);
    let k = submit(&app, &mia, "After switching off").await;
    assert_eq!(assignee_of(&app, &k).await, None);
    second.finish_instance();
    app.finish().await;
}

/// Submissions that arrive together still take turns: four at a time, twelve in all, over
/// three analysts give each exactly four (two reading the same "longest ago" would give one
/// analyst two and another none in a round).
async fn round_robin_takes_exact_turns_when_submissions_arrive_together(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = &app.test_db;
    t.person("mia@example.com", "Mia", &[Role::Member]).await;
    t.person("ada@example.com", "Ada", &[Role::Admin]).await;
    let analysts = [
        t.person("ana@example.com", "Ana", &[Role::Analyst]).await,
        t.person("bo@example.com", "Bo", &[Role::Analyst]).await,
        t.person("cy@example.com", "Cy", &[Role::Analyst]).await,
    ];
    shifts_for(&app, &["ana", "bo", "cy"]).await;
    let mia = app.signed_in("mia@example.com").await;
    let three = |w: usize| {
        let (app, mia) = (&app, &mia);
        async move {
            let mut keys = Vec::new();
            for i in 0..3 {
                keys.push(submit(app, mia, &format!("Writer {w} request {i}")).await);
            }
            keys
        }
    };
    let (a, b2, c, d) = tokio::join!(three(0), three(1), three(2), three(3));
    let mut got = BTreeMap::<i64, usize>::new();
    for k in a.iter().chain(&b2).chain(&c).chain(&d) {
        *got.entry(assignee_of(&app, k).await.expect("handed out"))
            .or_default() += 1;
    }
    assert_eq!(
        analysts.map(|a| got.get(&a).copied().unwrap_or(0)),
        [4, 4, 4],
        "{got:?}"
    );
    app.finish().await;
}

async fn batches_over_http_check_roles_and_transitions(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = &app.test_db;
    t.person("mia@example.com", "Mia", &[Role::Member]).await;
    let ana = t.person("ana@example.com", "Ana", &[Role::Analyst]).await;
    t.person("ada@example.com", "Ada", &[Role::Admin]).await;
    let mia = app.signed_in("mia@example.com").await;
    let a = submit(&app, &mia, "First").await;
    let bk = submit(&app, &mia, "Second").await;
    let ana_c = app.signed_in("ana@example.com").await;

    // Requesters cannot read the queue or change requests in bulk.
    let res = app
        .read(&mia, "/fn/queue_dashboard", &[("query", "")])
        .await;
    assert_eq!(res.status(), 403);
    let sel_a = format!("selected[{a}]");
    let sel_b = format!("selected[{bk}]");
    let res = app
        .call(
            &mia,
            "/fn/batch_update",
            &[(&sel_a, "on"), ("action", "assign"), ("assignee", "me")],
        )
        .await;
    assert_eq!(res.status(), 403);

    // An illegal move for one request refuses the whole batch, naming that request.
    let res = app
        .call(
            &ana_c,
            "/fn/change_state",
            &[("key", &a), ("to", "in-progress")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .call(
            &ana_c,
            "/fn/batch_update",
            &[
                (&sel_a, "on"),
                (&sel_b, "on"),
                ("action", "state"),
                ("state", "waiting-on-requester"),
            ],
        )
        .await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert!(
        body.to_string().contains(&bk),
        "the message names {bk}: {body}"
    );
    let first: RequestKey = a.parse().unwrap();
    assert_eq!(
        app.db().request(first).await.unwrap().unwrap().state(),
        RequestState::InProgress,
        "nothing moved"
    );

    // Bad input is named.
    let res = app
        .call(
            &ana_c,
            "/fn/batch_update",
            &[("action", "assign"), ("assignee", "me")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["field"], "keys");
    let res = app
        .call(
            &ana_c,
            "/fn/batch_update",
            &[(&sel_a, "on"), ("action", "assign"), ("assignee", "mia")],
        )
        .await;
    assert_eq!(res.status(), 422, "requesters are not assignees");
    let res = app
        .read(&ana_c, "/fn/queue_dashboard", &[("query", "sort=random")])
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["field"], "sort");

    // Both assigned and labelled at once; the dashboard counts follow.
    for (action, extra) in [("assign", ("assignee", "me")), ("label", ("label", "vpn"))] {
        let res = app
            .call(
                &ana_c,
                "/fn/batch_update",
                &[(&sel_a, "on"), (&sel_b, "on"), ("action", action), extra],
            )
            .await;
        assert_eq!(res.status(), 200, "{action}");
    }
    let res = app
        .read(
            &ana_c,
            "/fn/queue_dashboard",
            &[("query", "view=mine&label=vpn")],
        )
        .await;
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["row_count"], 2);
    assert_eq!(
        page["rows_html"].as_str().unwrap().matches("<tr>").count(),
        2
    );
    let mine = page["views"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["view"] == "Mine")
        .unwrap()["count"]
        .clone();
    assert_eq!(mine, 2);
    let second: RequestKey = bk.parse().unwrap();
    assert_eq!(
        app.db().request(second).await.unwrap().unwrap().assignee_id,
        Some(ana)
    );

    // Holidays and shifts are for admins only.
    let res = app
        .call(
            &ana_c,
            "/fn/put_holiday",
            &[("day", "2026-12-25"), ("name", "Christmas")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let admin = app.signed_in("ada@example.com").await;
    let res = app
        .call(
            &admin,
            "/fn/put_holiday",
            &[("day", "2026-13-25"), ("name", "Bad")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["field"], "day");
    let res = app
        .call(
            &admin,
            "/fn/put_holiday",
            &[("day", "2026-12-25"), ("name", "Christmas")],
        )
        .await;
    assert_eq!(res.status(), 200);
    app.finish().await;
}

async fn macros_fill_placeholders_and_a_reply_reopens_within_a_week(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = &app.test_db;
    t.person("mia@example.com", "Mia Member", &[Role::Member])
        .await;
    t.person("ana@example.com", "Ana Analyst", &[Role::Analyst])
        .await;
    let mia = app.signed_in("mia@example.com").await;
    let ana = app.signed_in("ana@example.com").await;
    let key = submit(&app, &mia, "VPN drops").await;
    let k: RequestKey = key.parse().unwrap();

    // A typo in a placeholder is refused when the macro is saved.
    let res = app
        .call(
            &ana,
            "/fn/save_macro",
            &[("name", "Typo"), ("body", "Hi {{requester.nam}}")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["field"], "body");
    let res = app
        .call(
            &mia,
            "/fn/save_macro",
            &[("name", "Mine"), ("body", "Hello")],
        )
        .await;
    assert_eq!(res.status(), 403, "requesters keep no macros");
    let res = app
        .call(
            &ana,
            "/fn/save_macro",
            &[
                ("name", "Fixed"),
                (
                    "body",
                    "Hi {{requester.first_name}}, {{request.key}} is fixed. {{analyst.name}}",
                ),
                ("set_state", "resolved"),
                ("add_labels", "fixed, vpn"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let id: i64 = res.json().await.unwrap();

    // A finished request takes no macro, and nothing is half-done.
    let other = submit(&app, &mia, "Never mind").await;
    let res = app
        .call(
            &mia,
            "/fn/change_state",
            &[("key", &other), ("to", "cancelled")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .call(
            &ana,
            "/fn/apply_macro",
            &[("key", &other), ("macro_id", &id.to_string())],
        )
        .await;
    assert_eq!(res.status(), 409);
    let other: RequestKey = other.parse().unwrap();
    assert!(app.db().comments(other, true).await.unwrap().is_empty());
    assert_eq!(
        app.db().request(other).await.unwrap().unwrap().state(),
        RequestState::Cancelled
    );
    // A new request is started on the way to resolved: both moves are in its history.
    let res = app
        .call(
            &ana,
            "/fn/apply_macro",
            &[("key", &key), ("macro_id", &id.to_string())],
        )
        .await;
    assert_eq!(res.status(), 200);
    let comments = app.db().comments(k, false).await.unwrap();
    assert_eq!(
        comments.last().unwrap().body,
        format!("Hi Mia, {key} is fixed. Ana Analyst")
    );
    let r = app.db().request(k).await.unwrap().unwrap();
    assert_eq!(r.state(), RequestState::Resolved);
    let moves: Vec<(Option<String>, Option<String>)> = app
        .db()
        .events(k, true)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.field == "state")
        .map(|e| (e.before, e.after))
        .collect();
    assert_eq!(
        moves,
        [
            (Some("new".into()), Some("in-progress".into())),
            (Some("in-progress".into()), Some("resolved".into()))
        ]
    );
    assert_eq!(app.db().request_labels(k).await.unwrap(), ["fixed", "vpn"]);

    // The requester answering within a week reopens it.
    let res = app
        .call(
            &mia,
            "/fn/post_comment",
            &[
                ("key", &key),
                ("body", "Still broken."),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.db().request(k).await.unwrap().unwrap().state(),
        RequestState::InProgress
    );
    // Resolved again, eight days ago: a reply is refused and the scheduler closes it.
    let res = app
        .call(
            &ana,
            "/fn/change_state",
            &[("key", &key), ("to", "resolved"), ("reply", "Fixed again.")],
        )
        .await;
    assert_eq!(res.status(), 200);
    exec(
        app.db(),
        &format!(
            "UPDATE requests SET resolved_at = resolved_at - {} WHERE id = {}",
            8 * 86_400_000i64,
            k.number()
        ),
    )
    .await;
    let res = app
        .call(
            &mia,
            "/fn/post_comment",
            &[("key", &key), ("body", "Hello?"), ("visibility", "public")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let st = app::ssr::AppState::new(app.db().clone(), false);
    let report = app::ssr::jobs::run(&st, app.db().now()).await.unwrap();
    assert_eq!(report.closed_resolved, 1);
    assert_eq!(
        app.db().request(k).await.unwrap().unwrap().state(),
        RequestState::Closed
    );
    app.finish().await;
}

/// How many requests the dashboard's "Open" view counts, as `c` is answered.
async fn open_in_dashboard(app: &TestApp, c: &crate::client::Client) -> i64 {
    let res = app
        .read(c, "/fn/queue_dashboard", &[("query", "view=open")])
        .await;
    assert_eq!(res.status(), 200);
    open_count(&res.json::<Value>().await.unwrap())
}

fn open_count(page: &Value) -> i64 {
    page["views"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["view"] == "Open")
        .map(|v| v["count"].as_i64().unwrap())
        .unwrap()
}

/// The read cache (`app::ssr::cache`) with a long time to live, so that what it keeps shows: a
/// repeated dashboard read is answered from memory, a change through the same instance is seen at
/// once, answers are per person, and signing out ends the session at once.
async fn the_read_cache_answers_repeats_and_forgets_on_change(b: Backend) {
    let app = TestApp::spawn_with_read_cache(b, std::time::Duration::from_secs(600)).await;
    let t = &app.test_db;
    t.person("mia@example.com", "Mia", &[Role::Member]).await;
    t.person("ana@example.com", "Ana", &[Role::Analyst]).await;
    let other = app.another_instance().await;
    let mia = other.signed_in("mia@example.com").await;
    let ana = app.signed_in("ana@example.com").await;
    let before = open_in_dashboard(&app, &ana).await;

    // A request made through another instance: this one keeps answering from memory …
    submit(&other, &mia, "Through the other instance").await;
    assert_eq!(open_in_dashboard(&app, &ana).await, before);
    // … until a change goes through it, after which nothing read before is served.
    submit(&app, &ana, "Through this instance").await;
    assert_eq!(open_in_dashboard(&app, &ana).await, before + 2);

    // The same address asked by another person is not answered with Ana's page.
    let mia_here = app.signed_in("mia@example.com").await;
    let res = app
        .read(&mia_here, "/fn/queue_dashboard", &[("query", "view=open")])
        .await;
    assert_eq!(res.status(), 403);

    // Signing out ends the session on this instance at once, though it was remembered: the old
    // cookie, sent again as a thief would, no longer works.
    let raw = app.client_without_cookies();
    let res = app
        .call(
            &raw,
            "/fn/sign_in",
            &[
                ("email", "ana@example.com"),
                ("password", PASSWORD),
                ("next", "/queue"),
            ],
        )
        .await;
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let version = |cookie: String| {
        let raw = raw.clone();
        let url = app.url("/fn/queue_version");
        async move {
            raw.get(url)
                .header("cookie", cookie)
                .header("accept", "application/json")
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(version(cookie.clone()).await, 200);
    assert_eq!(version(cookie.clone()).await, 200, "remembered");
    let res = raw
        .post(app.url("/fn/sign_out"))
        .header("cookie", cookie.clone())
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(
        version(cookie).await,
        401,
        "a signed-out session is not honoured"
    );
    other.finish_instance();
    app.finish().await;
}

/// On a busy desk requests arrive all the time: the queue's counts and pages are computed once
/// per time to live for every analyst, not once per submission. Whoever made a change sees it at
/// once; other people's work on requests reaches everyone within the time to live (600 s here,
/// so that it shows); any other change (an admin's notice here) reaches everyone at once.
async fn others_work_on_requests_reaches_an_analyst_within_the_time_to_live(b: Backend) {
    let app = TestApp::spawn_with_read_cache(b, std::time::Duration::from_secs(600)).await;
    let t = &app.test_db;
    t.person("mia@example.com", "Mia", &[Role::Member]).await;
    t.person("ana@example.com", "Ana", &[Role::Analyst]).await;
    t.person("ben@example.com", "Ben", &[Role::Analyst]).await;
    t.person("ada@example.com", "Ada", &[Role::Admin]).await;
    let mia = app.signed_in("mia@example.com").await;
    let ana = app.signed_in("ana@example.com").await;
    let ben = app.signed_in("ben@example.com").await;
    let ada = app.signed_in("ada@example.com").await;
    let before = open_in_dashboard(&app, &ana).await;

    submit(&app, &mia, "Mia's laptop").await;
    assert_eq!(
        open_in_dashboard(&app, &ana).await,
        before,
        "Ana is answered from memory"
    );
    assert_eq!(
        open_in_dashboard(&app, &ben).await,
        before,
        "Ben shares the counts computed for Ana"
    );
    submit(&app, &ana, "Ana's own").await;
    assert_eq!(
        open_in_dashboard(&app, &ana).await,
        before + 2,
        "Ana sees her own change at once"
    );
    assert_eq!(
        open_in_dashboard(&app, &ben).await,
        before,
        "Ben, within the time to live"
    );

    let res = app
        .call(&ada, "/fn/set_notice", &[("notice", "Printers are down")])
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        open_in_dashboard(&app, &ben).await,
        before + 2,
        "another change: at once"
    );
    app.finish().await;
}

/// The queue page an analyst reloads is kept like the dashboard's data (the read cache), but every
/// answer still runs its scripts under a nonce of its own that no earlier answer carried; the
/// rest of the page is the same. The author of a change gets a page rendered after it.
async fn a_kept_queue_page_gets_a_nonce_of_its_own_each_time(b: Backend) {
    let app = TestApp::spawn_with_read_cache(b, std::time::Duration::from_secs(600)).await;
    app.test_db
        .person("ana@example.com", "Ana", &[Role::Analyst])
        .await;
    let ana = app.signed_in("ana@example.com").await;
    let open = || ana.get(app.url("/queue?view=open")).send();
    let first = open().await.unwrap();
    assert_eq!(first.status(), 200);
    let hits = app.cache_hits();
    let second = open().await.unwrap();
    assert_eq!(
        app.cache_hits(),
        hits + 1,
        "the second page came from memory"
    );
    let (first_html, first_nonce) = crate::common::html_and_nonce(first).await;
    let (second_html, second_nonce) = crate::common::html_and_nonce(second).await;
    assert_ne!(first_nonce, second_nonce, "a kept page gets a new nonce");
    assert!(!second_html.contains(&first_nonce));
    assert_eq!(
        first_html.replace(&first_nonce, "N"),
        second_html.replace(&second_nonce, "N"),
        "and is otherwise the page as it was rendered"
    );
    // Gzipped (from parts compressed once), it is the same page with its own nonce again.
    let zipped = ana
        .get(app.url("/queue?view=open"))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let csp = zipped.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let mut html = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&zipped.bytes().await.unwrap()[..]),
        &mut html,
    )
    .unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(nonce != first_nonce && nonce != second_nonce);
    assert_eq!(
        html.replace(nonce, "N"),
        first_html.replace(&first_nonce, "N")
    );

    submit(&app, &ana, "Ana's printer jams").await;
    let hits = app.cache_hits();
    let html = app.html(&ana, "/queue?view=open").await;
    assert_eq!(app.cache_hits(), hits, "rendered again after Ana's change");
    assert!(html.contains("printer jams"));
    app.finish().await;
}

/// Past seven eighths of its time to live a kept page is still served, and rendered again in
/// the background, so the next reload is fresh without waiting for a render: here it shows a
/// request someone else submitted meanwhile, before the page would have expired.
async fn a_kept_page_is_rendered_again_in_the_background_before_it_expires(b: Backend) {
    let ttl = std::time::Duration::from_secs(4);
    let app = TestApp::spawn_with_read_cache(b, ttl).await;
    let t = &app.test_db;
    t.person("mia@example.com", "Mia", &[Role::Member]).await;
    t.person("ana@example.com", "Ana", &[Role::Analyst]).await;
    let mia = app.signed_in("mia@example.com").await;
    let ana = app.signed_in("ana@example.com").await;
    let page = || app.html(&ana, "/queue?view=open");
    assert!(!page().await.contains("Mia's monitor flickers"));
    let kept_at = std::time::Instant::now();
    submit(&app, &mia, "Mia's monitor flickers").await;
    let hits = app.cache_hits();
    assert!(
        !page().await.contains("Mia's monitor flickers"),
        "within the time to live: the kept page"
    );
    tokio::time::sleep(ttl * 7 / 8).await;
    assert!(
        !page().await.contains("Mia's monitor flickers"),
        "past seven eighths of its life it is still served"
    );
    // The background render lands well within a second, before the page expired.
    let mut fresh = false;
    for _ in 0..20 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if page().await.contains("Mia's monitor flickers") {
            fresh = true;
            break;
        }
    }
    assert!(fresh, "rendered again, with Mia's request");
    assert!(kept_at.elapsed() < ttl, "before the kept page expired");
    assert!(
        app.cache_hits() >= hits + 3,
        "every one of those answers came from memory"
    );
    app.finish().await;
}
