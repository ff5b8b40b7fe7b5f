//! Tier 4 on both databases (issue 17): rules written and tried by admins and acted on once,
//! with the history naming them; the outbox's leases, retries, backoff and dead letters;
//! replies by e-mail; notices delivered to a real SMTP server and a real webhook receiver; and
//! three `tierdesk serve` processes, one killed mid-run, taking each of 1,000 actions once.

use crate::catalog::{world, World};
use crate::common::{on_both, Backend, TestDb};
use app::domain::request::RequestKey;
use app::ssr::store::{Db, Fanout, NewRequestRecord};
use serde_json::{json, Value};
use std::time::Duration;

on_both!(
    a_rule_tried_then_saved_acts_once_and_the_history_names_it,
    the_outbox_leases_once_retries_with_backoff_and_keeps_dead_letters,
    replies_by_email_become_comments_only_from_signed_addresses,
    notices_reach_a_real_smtp_server_and_webhook_receiver_once,
    three_instances_and_a_kill_take_each_action_once,
    follow_up_actions_escalate_and_approve_baseline_once,
    what_is_typed_into_a_textarea_comes_back_as_text,
    rules_and_email_choices_over_the_api,
);

/// Runs what is due as one worker would, with no delivery: events through the rules, and
/// e-mails and webhooks only counted (and marked done). Answers (emails, webhooks) written.
async fn drain(db: &Db, fanout: &Fanout) -> (usize, usize) {
    let st = app::ssr::AppState::new(db.clone(), false);
    let (mut emails, mut hooks) = (0, 0);
    loop {
        let batch = db.lease("test-worker", 60_000, 50).await.unwrap();
        if batch.is_empty() {
            return (emails, hooks);
        }
        for e in batch {
            match e.topic.as_str() {
                "event" => {
                    db.run_event(&e, "test-worker", fanout).await.unwrap();
                }
                "action" => {
                    app::ssr::automation::perform_action(&st, &e, "test-worker")
                        .await
                        .unwrap();
                }
                "email" => {
                    emails += 1;
                    assert!(db.finish(e.id, "test-worker").await.unwrap());
                }
                _ => {
                    hooks += 1;
                    assert!(db.finish(e.id, "test-worker").await.unwrap());
                }
            }
        }
    }
}

async fn pending(db: &Db) -> i64 {
    db.outbox_counts()
        .await
        .unwrap()
        .iter()
        .filter(|c| c.state == "pending")
        .map(|c| c.n)
        .sum()
}

async fn ask(w: &World, who: &str, title: &str) -> String {
    let c = w.client(who).await;
    let (status, body) = w
        .post(
            &c,
            "/api/v1/requests",
            json!({"kind": "other", "title": title, "description": "Please.", "priority": "normal"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["key"].as_str().unwrap().to_string()
}

async fn save_rule(w: &World, fields: &[(&str, &str)]) -> (u16, Value) {
    let ada = w.client("ada").await;
    let res = w.app.call(&ada, "/fn/save_rule", fields).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn a_rule_tried_then_saved_acts_once_and_the_history_names_it(b: Backend) {
    let w = world(b).await;
    let db = w.app.db();
    db.set_department(w.mia, Some("Finance")).await.unwrap();
    db.set_department(w.cole, Some("Sales")).await.unwrap();
    let fanout = Fanout::default();
    let earlier = ask(&w, "mia", "Okta for the quarter close").await;
    drain(db, &fanout).await;

    let rule = [
        ("name", "Okta from Finance"),
        ("trigger", "created"),
        ("match_all", "all"),
        ("conditions", "department is finance\ntitle contains okta"),
        ("actions", "add label finsys\nset priority high"),
        ("enabled", "on"),
    ];
    // Tried on an existing request: it says what it would do, and does nothing.
    let mut tried = rule.to_vec();
    tried.extend([("intent", "try"), ("try_request", earlier.as_str())]);
    let (status, body) = save_rule(&w, &tried).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["Tried"]["steps"],
        json!(["add label finsys", "set priority high"]),
        "{body}"
    );
    let r = db
        .request(earlier.parse::<RequestKey>().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.priority.as_str(), "normal", "a try changes nothing");
    assert!(db.rules().await.unwrap().is_empty(), "a try saves nothing");
    // Tried on a request of Sales: it would not act, and says why.
    let sales = ask(&w, "cole", "Okta please").await;
    let mut tried = rule.to_vec();
    tried.extend([("intent", "try"), ("try_request", sales.as_str())]);
    let (_, body) = save_rule(&w, &tried).await;
    assert_eq!(body["Tried"]["steps"], json!([]), "{body}");
    assert_eq!(body["Tried"]["skipped"], "its conditions do not hold");
    // Bad input names the field, and saves nothing.
    let mut bad = rule.to_vec();
    bad[4] = ("actions", "launch rockets");
    bad.push(("intent", "save"));
    let (status, body) = save_rule(&w, &bad).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("actions"), "{body}");
    assert!(db.rules().await.unwrap().is_empty());

    let mut saved = rule.to_vec();
    saved.push(("intent", "save"));
    let (status, body) = save_rule(&w, &saved).await;
    assert_eq!(status, 200, "{body}");
    // A second rule that would undo the first whenever a request is updated: the first rule's
    // change raises no event, so it never runs on it (rules cannot set one another off).
    let (status, body) = save_rule(
        &w,
        &[
            ("intent", "save"),
            ("name", "Undo"),
            ("trigger", "updated"),
            ("match_all", "all"),
            ("conditions", "label is finsys"),
            ("actions", "remove label finsys"),
            ("enabled", "on"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = save_rule(&w, &saved).await;
    assert_eq!(status, 422, "a second rule of the same name is refused");

    let finance = ask(&w, "mia", "Okta for the audit").await;
    let other = ask(&w, "cole", "Okta for sales").await;
    drain(db, &fanout).await;
    assert_eq!(
        pending(db).await,
        0,
        "no event is left, and none was raised by a rule"
    );
    let key: RequestKey = finance.parse().unwrap();
    let r = db.request(key).await.unwrap().unwrap();
    assert_eq!(r.priority.as_str(), "high");
    assert_eq!(
        db.request_labels(key).await.unwrap(),
        vec!["finsys".to_string()]
    );
    let events = db.events(key, true).await.unwrap();
    let by_rule: Vec<_> = events.iter().filter(|e| e.rule_id.is_some()).collect();
    assert_eq!(by_rule.len(), 2, "{events:?}");
    assert!(by_rule
        .iter()
        .all(|e| e.rule_name.as_deref() == Some("Okta from Finance")));
    // The requester's page tells it as the rule's doing.
    let mia = w.client("mia").await;
    let page = w.app.html(&mia, &format!("/requests/{finance}")).await;
    assert!(
        page.contains("Rule \u{201c}Okta from Finance\u{201d}"),
        "the history names the rule"
    );
    assert!(page.contains("added the label finsys"));
    let other: RequestKey = other.parse().unwrap();
    assert!(db.request_labels(other).await.unwrap().is_empty());

    // Switched off, it does nothing; the order can change; deleting it keeps the history.
    let id = db.rules().await.unwrap()[0].id.to_string();
    let ada = w.client("ada").await;
    for op in ["disable", "down"] {
        let res = w
            .app
            .call(&ada, "/fn/change_rule", &[("id", &id), ("op", op)])
            .await;
        assert_eq!(res.status(), 200, "{op}");
    }
    let rules = db.rules().await.unwrap();
    assert_eq!(rules[1].id.to_string(), id, "moved down");
    assert!(!rules[1].enabled);
    let off = ask(&w, "mia", "Okta once more").await;
    drain(db, &fanout).await;
    assert!(db
        .request_labels(off.parse().unwrap())
        .await
        .unwrap()
        .is_empty());
    let res = w
        .app
        .call(&ada, "/fn/change_rule", &[("id", &id), ("op", "delete")])
        .await;
    assert_eq!(res.status(), 200);
    let page = w.app.html(&mia, &format!("/requests/{finance}")).await;
    assert!(page.contains("A rule since deleted"));
    w.app.finish().await;
}

async fn the_outbox_leases_once_retries_with_backoff_and_keeps_dead_letters(b: Backend) {
    let t = TestDb::new(b).await;
    let db = &t.db;
    for n in 0..3 {
        assert!(db
            .enqueue("webhook", None, "{}", Some(&format!("k{n}")))
            .await
            .unwrap());
    }
    assert!(
        !db.enqueue("webhook", None, "{}", Some("k0")).await.unwrap(),
        "the same dedupe key is one entry"
    );
    // Two workers lease at once: each entry goes to one of them.
    let (a, b2) = tokio::join!(db.lease("a", 60_000, 2), db.lease("b", 60_000, 5));
    let (a, b2) = (a.unwrap(), b2.unwrap());
    let mut ids: Vec<i64> = a.iter().chain(b2.iter()).map(|e| e.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "every entry leased once");
    assert_eq!(a.len() + b2.len(), 3);
    assert!(
        db.lease("c", 60_000, 5).await.unwrap().is_empty(),
        "all are held"
    );
    // Only the holder finishes an entry.
    let first = a.first().or(b2.first()).unwrap().clone();
    let holder = if a.iter().any(|e| e.id == first.id) {
        "a"
    } else {
        "b"
    };
    assert!(!db.finish(first.id, "c").await.unwrap());
    assert!(db.finish(first.id, holder).await.unwrap());
    assert!(!db.finish(first.id, holder).await.unwrap(), "done once");

    // A failure comes back after its backoff, not before.
    let second = a
        .iter()
        .chain(b2.iter())
        .find(|e| e.id != first.id)
        .unwrap()
        .clone();
    let holder = if a.iter().any(|e| e.id == second.id) {
        "a"
    } else {
        "b"
    };
    db.fail(&second, holder, "receiver answered 503")
        .await
        .unwrap();
    assert!(db.lease("c", 60_000, 5).await.unwrap().is_empty());
    let later = |ms: i64| {
        db.clone()
            .with_clock(app::ssr::clock::Clock::starting_at(db.now() + ms))
    };
    let again = later(11_000).lease("c", 60_000, 5).await.unwrap();
    assert_eq!(again.len(), 1, "back after about 10 s");
    assert_eq!(again[0].attempts, 2);
    assert_eq!(
        again[0].last_error.as_deref(),
        Some("receiver answered 503")
    );

    // A lease that runs out (its worker died) goes to another worker; the first can no longer
    // finish it, and an event it ran late changes nothing.
    let third = later(11_000).lease("d", 60_000, 5).await.unwrap();
    assert!(
        third.is_empty(),
        "the third is still held by its first worker"
    );
    let stolen = later(72_000).lease("e", 60_000, 5).await.unwrap();
    assert_eq!(stolen.len(), 2, "both leases ran out: {stolen:?}");
    for e in &stolen {
        assert!(!db.finish(e.id, "a").await.unwrap(), "a lost its lease");
        assert!(!db.finish(e.id, "c").await.unwrap(), "c lost its lease");
        assert!(
            db.run_event(e, "c", &Fanout::default())
                .await
                .unwrap()
                .is_none(),
            "a late run by a former holder changes nothing"
        );
    }

    // After the last attempt an entry is a dead letter until an admin retries it.
    let mut entry = stolen.into_iter().find(|e| e.id == second.id).unwrap();
    let mut at = 72_000;
    let mut owner = "e".to_string();
    loop {
        let clock = later(at);
        clock.fail(&entry, &owner, "still down").await.unwrap();
        at += 5_000_000;
        owner = format!("w{at}");
        match later(at)
            .lease(&owner, 60_000, 5)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.id == second.id)
        {
            Some(e) => entry = e,
            None => break,
        }
    }
    assert_eq!(entry.attempts, app::domain::rule::MAX_ATTEMPTS);
    let dead = db.dead_letters(10).await.unwrap();
    assert_eq!(
        dead.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![second.id]
    );
    assert_eq!(dead[0].last_error.as_deref(), Some("still down"));
    assert!(db.retry_dead(second.id).await.unwrap());
    assert!(!db.retry_dead(second.id).await.unwrap(), "retried once");
    let back = db.lease("f", 60_000, 5).await.unwrap();
    assert_eq!(back.iter().filter(|e| e.id == second.id).count(), 1);
    assert_eq!(back.iter().find(|e| e.id == second.id).unwrap().attempts, 1);
    t.drop_db().await;
}

async fn replies_by_email_become_comments_only_from_signed_addresses(b: Backend) {
    let secret = "inbound-secret-of-the-mail-service-0123";
    let w = crate::catalog::world_with(b, |st| {
        st.inbound_mail_secret = Some(secret.into());
    })
    .await;
    let db = w.app.db();
    let key = ask(&w, "mia", "My laptop will not boot").await;
    let other = ask(&w, "cole", "Cole's own request").await;
    let mail_secret = db.mail_secret().await.unwrap();
    let to = tierdesk::outbox::reply_address(&mail_secret, &key, w.mia, "tierdesk.localhost");
    let message = |from: &str, to: &str, in_reply_to: &str, text: &str| {
        format!(
            "From: Mia Member <{from}>\r\nTo: {to}\r\nSubject: Re: [{key}]\r\nIn-Reply-To: {in_reply_to}\r\nMessage-ID: <x1@mail.example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
        )
    };
    let post = |body: String, bearer: &'static str| {
        let c = w.app.client_without_cookies();
        let url = w.app.url("/mail/inbound");
        async move {
            let res = c
                .post(url)
                .header("authorization", format!("Bearer {bearer}"))
                .header("content-type", "message/rfc822")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.text().await.unwrap_or_default())
        }
    };
    let thread = format!("<{key}@tierdesk.localhost>");
    let good = message(
        "mia@example.com",
        &to,
        &thread,
        "It boots again, thanks!\n\nOn Tue, Tierdesk wrote:\n> Try holding the power key.",
    );
    // The wrong secret, or none: refused before anything is read.
    let (status, _) = post(good.clone(), "not-the-secret").await;
    assert_eq!(status, 401);
    // Unsigned or forged addresses, another sender, another request's thread: refused.
    let forged = to.replace(&key, &other);
    for (body, why) in [
        (
            message(
                "mia@example.com",
                "helpdesk@tierdesk.localhost",
                &thread,
                "Hi",
            ),
            "signed reply address",
        ),
        (
            message("mia@example.com", &forged, &thread, "Hi"),
            "signed reply address",
        ),
        (
            message("eve@example.com", &to, &thread, "Hi"),
            "not the person",
        ),
        (
            message(
                "mia@example.com",
                &to,
                &format!("<{other}@tierdesk.localhost>"),
                "Hi",
            ),
            "another request",
        ),
        ("not a mail at all".to_string(), "reply address"),
        // A key hidden inside another message id is not this thread.
        (
            message(
                "mia@example.com",
                &to,
                &format!("<{other}@x.{key}@tierdesk.localhost>"),
                "Hi",
            ),
            "another request",
        ),
        // Out-of-office answers would loop with the notices.
        (
            message("mia@example.com", &to, &thread, "I am away").replace(
                "Content-Type:",
                "Auto-Submitted: auto-replied\r\nContent-Type:",
            ),
            "Automatic replies",
        ),
        // Parts nested thousands deep (mailparse recursed until the stack overflowed).
        (
            {
                let mut m = message("mia@example.com", &to, &thread, "").replace(
                    "Content-Type: text/plain; charset=utf-8",
                    "Content-Type: multipart/mixed; boundary=b0",
                );
                for n in 0..3000 {
                    m.push_str(&format!(
                        "--b{n}\r\nContent-Type: multipart/mixed; boundary=b{}\r\n\r\n",
                        n + 1
                    ));
                }
                m
            },
            "too many parts",
        ),
    ] {
        let (status, text) = post(body, secret).await;
        assert_eq!(status, 422, "{why}: {text}");
        assert!(text.contains(why), "{why}: {text}");
    }
    assert!(db
        .comments(key.parse().unwrap(), true)
        .await
        .unwrap()
        .is_empty());
    assert!(db
        .comments(other.parse().unwrap(), true)
        .await
        .unwrap()
        .is_empty());
    // The signed reply from its person: a comment, without the quoted message.
    let (status, text) = post(good, secret).await;
    assert_eq!(status, 201, "{text}");
    let comments = db.comments(key.parse().unwrap(), true).await.unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, "It boots again, thanks!");
    assert_eq!(comments[0].author_name, "Mia Member");
    assert!(!comments[0].internal);
    w.app.finish().await;
}

/// The tests' real SMTP server and webhook receiver (`scripts/sinks.py`, aiosmtpd), in a process
/// of their own; gone with this value.
struct Sinks {
    child: std::process::Child,
    dir: std::path::PathBuf,
    smtp: u16,
    webhook: u16,
}

impl Sinks {
    fn start() -> Sinks {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let python = std::env::var("TIERDESK_SINKS_PYTHON")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| root.join("target/tools/sinks/bin/python"));
        assert!(
            python.exists(),
            "the SMTP server for these tests is missing: run scripts/test, which installs aiosmtpd under target/tools/sinks ({})",
            python.display()
        );
        let dir = std::env::temp_dir().join(format!("tierdesk-sinks-{}", rand_suffix()));
        let mut child = std::process::Command::new(python)
            .arg(root.join("scripts/sinks.py"))
            .arg(&dir)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the sinks start");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let port = |name: &str| -> u16 {
            line.split_whitespace()
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .and_then(|p| p.parse().ok())
                .unwrap_or_else(|| panic!("sinks said {line:?}"))
        };
        let (smtp, webhook) = (port("smtp"), port("webhook"));
        Sinks {
            child,
            dir,
            smtp,
            webhook,
        }
    }

    fn read(&self, name: &str) -> Vec<Value> {
        std::fs::read_to_string(self.dir.join(name))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Sinks {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rand_suffix() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..300 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 15 s");
}

async fn notices_reach_a_real_smtp_server_and_webhook_receiver_once(b: Backend) {
    let sinks = Sinks::start();
    let w = world(b).await;
    let db = w.app.db();
    db.set_department(w.mia, Some("Finance")).await.unwrap();
    let hook_secret = "webhook-signing-secret-0123456789";
    let delivery = tierdesk::outbox::Delivery {
        smtp_url: Some(format!("smtp://127.0.0.1:{}", sinks.smtp)),
        from: "Tierdesk <helpdesk@help.example.com>".into(),
        webhook: Some((
            format!("http://127.0.0.1:{}/hooks/it", sinks.webhook),
            hook_secret.into(),
        )),
        channel: "#it-helpdesk".into(),
        base_url: "https://help.example.com".into(),
        lease_ms: 10_000,
        poll: Duration::from_millis(50),
        inbound_secret: None,
    };
    // The worker's read cache holds a minute's answers, one of them an analyst's dashboard: the
    // rule acting below is work on a request, which reaches other people within the time to
    // live, so it must not empty the cache (every page rendered again at once).
    let mut state = app::ssr::AppState::new(db.clone(), false);
    state.cache = std::sync::Arc::new(app::ssr::cache::ReadCache::new(Duration::from_secs(60)));
    let cache = state.cache.clone();
    let held = app::ssr::cache::ResponseKey {
        user_id: w.max,
        uri: "/fn/queue_dashboard?query=view%3Dopen".into(),
        accept: "application/json".into(),
    };
    cache.remember_response(
        held.clone(),
        app::ssr::cache::CachedResponse {
            status: axum::http::StatusCode::OK,
            headers: Default::default(),
            body: "{}".into(),
            nonce: None,
            gzip: None,
        },
        cache.generation(),
    );
    let worker = tokio::spawn(tierdesk::outbox::work(
        state,
        delivery,
        "notices-test".into(),
    ));
    let (status, body) = save_rule(
        &w,
        &[
            ("intent", "save"),
            ("name", "Finance to the channel"),
            ("trigger", "created"),
            ("conditions", "department is Finance"),
            ("actions", "add label finsys\nnotify channel"),
            ("enabled", "on"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let key = ask(&w, "mia", "Okta <b>& friends</b>").await;
    wait_for("the webhook", || !sinks.read("webhook.jsonl").is_empty()).await;
    assert!(
        cache.response(&held).is_some(),
        "the rule's action emptied the read cache"
    );
    // Ana answers: Mia is e-mailed once, with both parts, a link and the request's thread.
    let ana = w.client("ana").await;
    let res = w
        .app
        .call(
            &ana,
            "/fn/post_comment",
            &[
                ("key", &key),
                ("body", "Try again now."),
                ("visibility", "public"),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    wait_for("the e-mail", || !sinks.read("email.jsonl").is_empty()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let emails = sinks.read("email.jsonl");
    assert_eq!(emails.len(), 1, "one e-mail: {emails:?}");
    let mail = emails[0]["data"].as_str().unwrap();
    assert_eq!(emails[0]["to"], json!(["mia@example.com"]));
    assert!(
        mail.contains(&format!("Subject: [{key}] New reply")),
        "{mail}"
    );
    assert!(
        mail.contains(&format!("In-Reply-To: <{key}@help.example.com>")),
        "{mail}"
    );
    assert!(
        mail.contains(&format!("References: <{key}@help.example.com>")),
        "{mail}"
    );
    assert!(mail.contains("Reply-To: reply+"), "{mail}");
    assert!(mail.contains("Auto-Submitted: auto-generated"), "{mail}");
    assert!(
        mail.contains("text/plain") && mail.contains("text/html"),
        "{mail}"
    );
    assert!(mail.contains(&format!("https://help.example.com/requests/{key}")));
    assert!(mail.contains("Try again now."));
    // The webhook: Slack's shape, for the channel, signed with the secret, once.
    let hooks = sinks.read("webhook.jsonl");
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    let h = &hooks[0];
    let body = h["body"].as_str().unwrap();
    let sent: Value = serde_json::from_str(body).unwrap();
    assert_eq!(sent["channel"], "#it-helpdesk");
    assert!(sent["text"]
        .as_str()
        .unwrap()
        .contains("Okta &lt;b&gt;&amp; friends&lt;/b&gt;"));
    let ts = h["headers"]["x-tierdesk-timestamp"].as_str().unwrap();
    assert_eq!(
        h["headers"]["x-tierdesk-signature"].as_str().unwrap(),
        format!(
            "v1={}",
            tierdesk::outbox::sign(hook_secret, &format!("{ts}.{body}"))
        )
    );
    assert!(h["headers"]["x-tierdesk-delivery"].as_str().is_some());
    // Mia turns replies off: the next reply reaches her only on the portal.
    let mia = w.client("mia").await;
    let res = w
        .app
        .call(&mia, "/fn/set_email_prefs", &[("state", "on")])
        .await;
    assert_eq!(res.status(), 200);
    let res = w
        .app
        .call(
            &ana,
            "/fn/post_comment",
            &[
                ("key", &key),
                ("body", "And now?"),
                ("visibility", "public"),
            ],
        )
        .await;
    assert!(res.status().is_success());
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(pending(db).await, 0);
    assert_eq!(
        sinks.read("email.jsonl").len(),
        1,
        "no e-mail after opting out"
    );
    worker.abort();
    w.app.finish().await;
}

/// 1,000 requests whose creation a rule answers with a reply and a label; three server
/// processes work them, and one is killed with SIGKILL part-way. Every request ends with one
/// reply and one label line from the rule: none lost, none twice.
async fn three_instances_and_a_kill_take_each_action_once(b: Backend) {
    const N: usize = 1000;
    let t = TestDb::new(b).await;
    let db = &t.db;
    let bot = db.jobs_user().await.unwrap();
    let mia = t
        .person("mia@example.com", "Mia", &[app::domain::user::Role::Member])
        .await;
    db.save_macro("Received", "We have your request.", None, "", bot)
        .await
        .unwrap();
    let rule = app::ssr::automation::parse_rule(&app::ssr::automation::RuleInput {
        name: "Acknowledge",
        trigger: "created",
        match_all: "all",
        conditions: "",
        actions: "reply with macro Received\nadd label acknowledged",
        enabled: true,
    })
    .unwrap();
    db.save_rule(None, &rule, bot).await.unwrap();
    for n in 0..N {
        db.create_request(&NewRequestRecord {
            kind: "other".into(),
            title: format!("Request {n}"),
            description: "x".into(),
            priority: "normal".into(),
            state: "new".into(),
            requester_id: mia,
            details: "[]".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    let spawn = || {
        t.serve(
            "127.0.0.1:0",
            &[
                ("TIERDESK_OUTBOX_LEASE_MS", "1500"),
                ("TIERDESK_OUTBOX_POLL_MS", "20"),
            ],
        )
    };
    let mut servers = vec![spawn(), spawn(), spawn()];
    let count = |state: &'static str| async move {
        db.outbox_counts()
            .await
            .unwrap()
            .iter()
            .filter(|c| c.topic == "event" && c.state == state)
            .map(|c| c.n)
            .sum::<i64>()
    };
    let total = count("pending").await;
    assert!(total >= N as i64, "each creation raised an event");
    let done = || count("done");
    // Kill one once a tenth is done: it holds leases then, or is about to.
    let mut killed_at = None;
    for _ in 0..600 {
        let d = done().await;
        if d >= (N / 10) as i64 {
            servers[0].kill().expect("SIGKILL");
            servers[0].wait().unwrap();
            killed_at = Some(d);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let killed_at = killed_at.expect("the servers made progress");
    for _ in 0..1200 {
        if count("pending").await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for s in servers.iter_mut().skip(1) {
        let _ = s.kill();
        let _ = s.wait();
    }
    // The servers' own clock finds these requests' service levels long gone, and raises those
    // events too: all of them are run, none is left.
    assert_eq!(count("pending").await, 0, "every event was run");
    let all = done().await;
    assert!(all >= total);
    assert!(
        killed_at < all,
        "the kill came part-way ({killed_at} of {all} done)"
    );
    // Each request: exactly one reply from the rule and one label line naming it.
    for n in 1..=N as i64 {
        let key = RequestKey::new(n);
        let comments = db.comments(key, true).await.unwrap();
        assert_eq!(comments.len(), 1, "{key}: {comments:?}");
        let by_rule = db
            .events(key, true)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.rule_id.is_some())
            .count();
        assert_eq!(by_rule, 2, "{key}: one reply and one label, by the rule");
    }
    eprintln!("exactly once: {N} requests, one instance of three killed after {killed_at} of {all} events");
    t.drop_db().await;
}

async fn follow_up_actions_escalate_and_approve_baseline_once(b: Backend) {
    let w = world(b).await;
    let db = w.app.db();
    let st = app::ssr::AppState::new(db.clone(), false);
    let fanout = Fanout::default();
    let ada = w.client("ada").await;
    let (status, t) = w
        .post(
            &ada,
            "/api/v1/issue-templates",
            json!({"name": "corpsys", "labels": ["corpsys-{system}"], "priority": "p2",
                   "assign_owners": false, "description": ""}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    // A rule that names a template or macro that does not exist is refused on its field.
    let (status, body) = save_rule(
        &w,
        &[
            ("intent", "save"),
            ("name", "Printers"),
            ("trigger", "created"),
            ("conditions", "title contains printer"),
            ("actions", "escalate with nosuch"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string().contains("There is no issue template"),
        "{body}"
    );
    let (status, body) = save_rule(
        &w,
        &[
            ("intent", "save"),
            ("name", "Printers"),
            ("trigger", "created"),
            ("enabled", "on"),
            ("conditions", "title contains printer"),
            ("actions", "escalate with corpsys"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let key = ask(&w, "mia", "The printer is on fire").await;
    drain(db, &fanout).await;
    let id = key.parse::<RequestKey>().unwrap().number();
    let issues = db.issues_of_request(id).await.unwrap();
    assert_eq!(issues.len(), 1, "escalated once");
    // Delivered again (a worker died after the issue was made, before its entry was marked
    // done): nothing twice.
    db.enqueue(
        "action",
        Some(id),
        &json!({"rule": "Printers", "action": {"do": "escalate", "with": "corpsys"}}).to_string(),
        Some("again"),
    )
    .await
    .unwrap();
    drain(db, &fanout).await;
    assert_eq!(db.issues_of_request(id).await.unwrap().len(), 1);

    // Approve baseline: Slack's baseline role, for a request whose manager step was made before
    // the registry marked Slack a baseline entitlement.
    let slack = db.system("slack").await.unwrap().unwrap();
    let widget = db.system("widget").await.unwrap().unwrap();
    let (status, body) = save_rule(
        &w,
        &[
            ("intent", "save"),
            ("name", "Baseline"),
            ("trigger", "created"),
            ("enabled", "on"),
            ("conditions", "kind is access"),
            ("actions", "approve baseline"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let make = |system: i64, role: &str| NewRequestRecord {
        kind: "access".into(),
        title: format!("Access ({role})"),
        description: String::new(),
        priority: "normal".into(),
        state: "awaiting-approval".into(),
        requester_id: w.mia,
        details: "[]".into(),
        people: vec![w.mia],
        lines: vec![app::ssr::store::NewLine {
            system_id: system,
            role: role.into(),
            justification: "work".into(),
            grant_kind: "role".into(),
        }],
        approvals: vec![app::ssr::store::NewApproval {
            step: "manager".into(),
            reason: "Manager approval".into(),
            approver_id: Some(w.max),
            ..Default::default()
        }],
        ..Default::default()
    };
    let baseline = db
        .create_request(&make(slack.id, "baseline"))
        .await
        .unwrap();
    let not_baseline = db
        .create_request(&make(widget.id, "baseline"))
        .await
        .unwrap();
    let member_role = db.create_request(&make(slack.id, "admin")).await.unwrap();
    drain(db, &fanout).await;
    let state = |k: RequestKey| {
        let db = db.clone();
        async move {
            db.request(k)
                .await
                .unwrap()
                .unwrap()
                .state()
                .as_str()
                .to_string()
        }
    };
    assert_eq!(
        state(baseline).await,
        "in-progress",
        "approved on behalf of the policy"
    );
    let steps = db.approvals(baseline, w.max).await.unwrap();
    assert_eq!(steps[0].state, "approved");
    assert!(steps[0].note.as_deref().unwrap_or("").contains("Baseline"));
    assert_eq!(
        state(not_baseline).await,
        "awaiting-approval",
        "Widget is no baseline system"
    );
    assert_eq!(
        state(member_role).await,
        "awaiting-approval",
        "admin is no baseline role"
    );
    assert_eq!(pending(db).await, 0);
    drop(st);
    w.app.finish().await;
}

/// tachys writes a textarea's children unescaped on the server: what someone typed (or a link
/// pre-fills) must come back as text, never as markup.
async fn what_is_typed_into_a_textarea_comes_back_as_text(b: Backend) {
    let w = world(b).await;
    let evil = "</textarea><h1 id=injected>INJECTED</h1><textarea>";
    let q = |field: &str| {
        format!(
            "{field}={}",
            percent_encoding::utf8_percent_encode(evil, percent_encoding::NON_ALPHANUMERIC)
        )
    };
    let mia = w.client("mia").await;
    let page = w
        .app
        .html(&mia, &format!("/request/other?{}", q("description")))
        .await;
    assert!(!page.contains("<h1 id=injected>"), "the request form");
    assert!(
        page.contains("&lt;/textarea&gt;&lt;h1 id=injected&gt;"),
        "shown as typed"
    );
    let ada = w.client("ada").await;
    let page = w
        .app
        .html(
            &ada,
            &format!(
                "/admin/rules?name=x&trigger=created&{}&try_request=REQ-1",
                q("conditions")
            ),
        )
        .await;
    assert!(!page.contains("<h1 id=injected>"), "the rules page");
    assert!(page.contains("&lt;/textarea&gt;"));
    w.app.finish().await;
}

async fn rules_and_email_choices_over_the_api(b: Backend) {
    let w = world(b).await;
    let db = w.app.db();
    db.set_department(w.mia, Some("Finance")).await.unwrap();
    let ada = w.client("ada").await;
    let mia = w.client("mia").await;
    let rule = json!({"name": "Finance", "trigger": "created", "conditions": ["department is Finance"],
                      "actions": ["add label finsys"]});
    // Members are refused; bad input names its field.
    let (status, _) = w.post(&mia, "/api/v1/rules", rule.clone()).await;
    assert_eq!(status, 403);
    let (status, body) = w
        .post(
            &ada,
            "/api/v1/rules",
            json!({"name": "x", "trigger": "created", "actions": ["fly"]}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "actions");
    let (status, created) = w.post(&ada, "/api/v1/rules", rule.clone()).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["actions"], "add label finsys");
    let id = created["id"].as_i64().unwrap();
    let key = ask(&w, "mia", "Budget tool").await;
    let mut tried = rule.clone();
    tried["request"] = json!(key);
    let (status, t) = w.post(&ada, "/api/v1/rules/tries", tried).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["steps"], json!(["add label finsys"]));
    let res = ada
        .request(axum::http::Method::PUT, w.app.url(&format!("/api/v1/rules/{id}")))
        .json(&json!({"name": "Finance", "trigger": "created", "conditions": [], "actions": ["add label all"], "enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let list: Value = ada
        .get(w.app.url("/api/v1/rules"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["enabled"], false);
    assert_eq!(list[0]["actions"], "add label all");
    let (status, _) = w
        .post(
            &ada,
            &format!("/api/v1/rules/{id}/moves"),
            json!({"direction": "sideways"}),
        )
        .await;
    assert_eq!(status, 422);
    let res = ada
        .delete(w.app.url(&format!("/api/v1/rules/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(db.rules().await.unwrap().is_empty());
    // Dead letters: listed and retried by admins only.
    db.enqueue("webhook", None, "{}", None).await.unwrap();
    let at = |ms: i64| {
        db.clone()
            .with_clock(app::ssr::clock::Clock::starting_at(db.now() + ms))
    };
    let mut e = db
        .lease_topic("w", Some("webhook"), 60_000, 1)
        .await
        .unwrap()
        .remove(0);
    let mut ms = 0;
    loop {
        at(ms).fail(&e, "w", "receiver down").await.unwrap();
        ms += 10_000_000;
        match at(ms)
            .lease_topic("w", Some("webhook"), 60_000, 1)
            .await
            .unwrap()
            .pop()
        {
            Some(next) => e = next,
            None => break,
        }
    }
    let res = mia
        .get(w.app.url("/api/v1/outbox/dead-letters"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let dead: Value = ada
        .get(w.app.url("/api/v1/outbox/dead-letters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(dead.as_array().unwrap().len(), 1, "{dead}");
    assert_eq!(dead[0]["last_error"], "receiver down");
    let (status, _) = w
        .post(
            &ada,
            &format!("/api/v1/outbox/dead-letters/{}/retries", dead[0]["id"]),
            json!({}),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = w
        .post(
            &ada,
            &format!("/api/v1/outbox/dead-letters/{}/retries", dead[0]["id"]),
            json!({}),
        )
        .await;
    assert_eq!(status, 409, "retried once");
    // E-mail choices: one's own only.
    let res = mia
        .request(axum::http::Method::PUT, w.app.url("/api/v1/me/email"))
        .json(&json!({"on": ["state"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let prefs: Value = res.json().await.unwrap();
    let on: Vec<&str> = prefs
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["on"] == true)
        .map(|p| p["topic"].as_str().unwrap())
        .collect();
    assert_eq!(on, vec!["state"]);
    assert_eq!(db.email_opt_outs(w.mia).await.unwrap().len(), 5);
    assert!(db.email_opt_outs(w.cole).await.unwrap().is_empty());
    let res = mia
        .request(axum::http::Method::PUT, w.app.url("/api/v1/me/email"))
        .json(&json!({"on": ["spam"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    w.app.finish().await;
}
