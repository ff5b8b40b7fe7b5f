//! After the work (issue 15): a resolution always says something to the requester; the requester
//! reopens within a week with a reason and rates the help; colleagues copied on a request (CC)
//! see it and its replies, never its internal notes.

use crate::catalog::world;
use crate::common::{on_both, Backend};
use serde_json::{json, Value};

on_both!(
    resolving_needs_a_reply_and_the_requester_reopens_or_rates,
    colleagues_copied_see_replies_not_notes,
    a_batch_resolves_only_with_a_reply,
);

/// A new "other" request by `who`, its key.
async fn ask(w: &crate::catalog::World, who: &crate::client::Client, title: &str) -> String {
    let (status, body) = w
        .post(
            who,
            "/api/v1/requests",
            json!({"kind": "other", "title": title, "description": "It broke.", "priority": "normal"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["key"].as_str().unwrap().to_string()
}

async fn resolving_needs_a_reply_and_the_requester_reopens_or_rates(b: Backend) {
    let w = world(b).await;
    let (mia, ana, cole) = (
        w.client("mia").await,
        w.client("ana").await,
        w.client("cole").await,
    );
    let key = ask(&w, &mia, "Monitor flickers").await;
    let path = |tail: &str| format!("/api/v1/requests/{key}/{tail}");
    w.post(&ana, &path("transitions"), json!({"to": "in-progress"}))
        .await;

    // Nothing to rate or reopen before it is resolved.
    let (status, _) = w
        .post(&mia, &path("rating"), json!({"rating": "good"}))
        .await;
    assert_eq!(status, 409);
    let (status, _) = w.post(&mia, &path("reopen"), json!({"reason": "x"})).await;
    assert_eq!(status, 409);

    // A resolution without a word is refused, and nothing changes.
    let (status, body) = w
        .post(
            &ana,
            &path("transitions"),
            json!({"to": "resolved", "reply": " "}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("reply")),
        "{body}"
    );
    assert_eq!(w.get(&ana, &key).await["state"], "in-progress");
    let (status, body) = w
        .post(
            &ana,
            &path("transitions"),
            json!({"to": "resolved", "reply": "New cable sent."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let d = w.get(&mia, &key).await;
    assert_eq!(d["state"], "resolved");
    assert_eq!(
        d["comments"].as_array().unwrap().last().unwrap()["body"],
        "New cable sent."
    );
    assert_eq!(
        (
            d["actions"]["rate"].as_bool(),
            d["actions"]["reopen"].as_bool()
        ),
        (Some(true), Some(true))
    );
    assert!(d["reopen_until"].is_string(), "{}", d["reopen_until"]);
    assert_eq!(
        d["actions"]["reply"], false,
        "the requester reopens with a reason instead"
    );

    // Rating: the requester only; one of two values; a comment is optional and checked.
    let (status, _) = w
        .post(&ana, &path("rating"), json!({"rating": "good"}))
        .await;
    assert_eq!(status, 403);
    let (status, _) = w
        .post(&cole, &path("rating"), json!({"rating": "good"}))
        .await;
    assert_eq!(status, 404, "a colleague not on it does not see it");
    let (status, body) = w
        .post(&mia, &path("rating"), json!({"rating": "great"}))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("rating"))
    );
    let (status, body) = w
        .post(
            &mia,
            &path("rating"),
            json!({"rating": "good", "comment": "x".repeat(2_001)}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("comment"))
    );
    let (status, body) = w
        .post(&mia, &path("rating"), json!({"rating": "good"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rating"], "good");
    let (status, body) = w
        .post(
            &mia,
            &path("rating"),
            json!({"rating": "bad", "comment": "Took <b>three</b> days."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["feedback"]["rating"].as_str(),
            body["feedback"]["comment"].as_str()
        ),
        (Some("bad"), Some("Took <b>three</b> days."))
    );
    // Staff see it in the queue's latest ratings, as text.
    let page = w.app.html(&ana, "/queue").await;
    assert!(
        page.contains("Latest ratings") && page.contains("Rated bad"),
        "queue shows ratings"
    );
    assert!(page.contains("Took &lt;b&gt;three&lt;/b&gt; days."));
    assert!(!page.contains("<b>three</b>"));
    let mine = w.app.html(&mia, "/queue").await;
    assert!(
        !mine.contains("Took &lt;b&gt;three"),
        "the queue is for staff"
    );

    // Reopening: the requester only, with a reason, back in progress.
    let (status, _) = w
        .post(&ana, &path("reopen"), json!({"reason": "again"}))
        .await;
    assert_eq!(status, 403);
    let (status, body) = w
        .post(&mia, &path("reopen"), json!({"reason": "   "}))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("reason"))
    );
    let (status, body) = w
        .post(
            &mia,
            &path("reopen"),
            json!({"reason": "It flickers again since this morning."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "in-progress");
    assert_eq!(
        body["comments"].as_array().unwrap().last().unwrap()["body"],
        "It flickers again since this morning."
    );
    let (status, _) = w
        .post(&mia, &path("rating"), json!({"rating": "good"}))
        .await;
    assert_eq!(status, 409, "an open request is not rated");

    // Resolved again, eight days ago: reopening is refused.
    w.post(
        &ana,
        &path("transitions"),
        json!({"to": "resolved", "reply": "Replaced the monitor."}),
    )
    .await;
    let id = key.trim_start_matches("REQ-");
    let sql = format!(
        "UPDATE requests SET resolved_at = resolved_at - {} WHERE id = {id}",
        8 * 86_400_000i64
    );
    crate::queue::exec(w.app.db(), &sql).await;
    let (status, body) = w
        .post(&mia, &path("reopen"), json!({"reason": "Still?"}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(w.get(&mia, &key).await["actions"]["reopen"], false);
    let history: Vec<String> = w.get(&ana, &key).await["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["change"].as_str().unwrap().to_string())
        .collect();
    assert!(
        history.contains(&"rated the help bad".to_string()),
        "{history:?}"
    );
    w.app.finish().await;
}

async fn colleagues_copied_see_replies_not_notes(b: Backend) {
    let w = world(b).await;
    let (mia, ana, cole, jo) = (
        w.client("mia").await,
        w.client("ana").await,
        w.client("cole").await,
        w.client("jo").await,
    );
    let key = ask(&w, &mia, "Projector in room 4").await;
    let people = format!("/api/v1/requests/{key}/participants");
    let comments = format!("/api/v1/requests/{key}/comments");
    w.post(
        &ana,
        &comments,
        json!({"body": "Check the HDMI switch.", "internal": true}),
    )
    .await;
    w.post(&ana, &comments, json!({"body": "We are on it."}))
        .await;
    let see = |c: &crate::client::Client| {
        let c = c.clone();
        let url = w.app.url(&format!("/api/v1/requests/{key}"));
        async move { c.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(see(&cole).await, 404);

    // Bad input, each naming the field.
    for (person, says) in [
        ("", "Enter a colleague"),
        ("nobody@example.com", "No one here is nobody@example.com"),
        ("mia@example.com", "already follows it"),
        ("not a handle!", "is not a handle"),
    ] {
        let (status, body) = w.post(&mia, &people, json!({ "person": person })).await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some("person")),
            "{person}: {body}"
        );
        assert!(
            body["error"]["message"].as_str().unwrap().contains(says),
            "{person}: {body}"
        );
    }
    // Only the requester and queue staff copy people on.
    let (status, _) = w.post(&jo, &people, json!({"person": "@cole"})).await;
    assert_eq!(status, 404, "Jo does not see it");
    let (status, body) = w
        .post(&mia, &people, json!({"person": "cole@example.com"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["participants"][0]["name"], "Cole Colleague");
    let (status, body) = w.post(&mia, &people, json!({"person": "@cole"})).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("person")),
        "once"
    );
    let (status, _) = w.post(&cole, &people, json!({"person": "@jo"})).await;
    assert_eq!(status, 403, "a participant does not copy others on");

    // Cole sees the request and its replies, never the note, and can answer.
    assert_eq!(see(&cole).await, 200);
    let d = w.get(&cole, &key).await;
    let bodies: Vec<&str> = d["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["We are on it."]);
    assert_eq!(
        (
            d["actions"]["participant"].as_bool(),
            d["actions"]["rate"].as_bool()
        ),
        (Some(true), Some(false))
    );
    let page = w.app.html(&cole, &format!("/requests/{key}")).await;
    assert!(
        !page.contains("HDMI switch"),
        "internal note leaked to a participant"
    );
    let (status, _) = w
        .post(&cole, &comments, json!({"body": "Same in room 5."}))
        .await;
    assert_eq!(status, 201);
    let (status, _) = w
        .post(&cole, &comments, json!({"body": "psst", "internal": true}))
        .await;
    assert_eq!(status, 403);
    // Cole's "My requests" lists it, marked as copied.
    let list: Value = w
        .app
        .read(&cole, "/fn/list_my_requests", &[("show", "all")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (list[0]["key"].as_str(), list[0]["copied"].as_bool()),
        (Some(key.as_str()), Some(true))
    );
    let own: Value = w
        .app
        .read(&mia, "/fn/list_my_requests", &[("show", "all")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own[0]["copied"], false);

    // Staff copy people on too; Cole takes himself off and no longer sees it.
    let (status, body) = w.post(&ana, &people, json!({"person": "@jo"})).await;
    assert_eq!(status, 200, "{body}");
    let res = cole
        .delete(w.app.url(&format!("{people}/jo")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "not Cole's to remove");
    let res = w
        .app
        .call(
            &cole,
            "/fn/remove_participant",
            &[("key", &key), ("handle", "cole")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<String>().await.unwrap(), "/requests");
    assert_eq!(see(&cole).await, 404);
    let res = mia
        .delete(w.app.url(&format!("{people}/jo")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(see(&jo).await, 404);
    let history: Vec<String> = w.get(&mia, &key).await["history"]
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
    for line in [
        "Mia Member copied Cole Colleague on it",
        "Ana Analyst copied Jo on it",
        "Cole Colleague stopped following it",
        "Mia Member took Jo off it",
    ] {
        assert!(history.contains(&line.to_string()), "{line}: {history:?}");
    }
    w.app.finish().await;
}

async fn a_batch_resolves_only_with_a_reply(b: Backend) {
    let w = world(b).await;
    let (mia, ana) = (w.client("mia").await, w.client("ana").await);
    let a = ask(&w, &mia, "Printer jam").await;
    let c = ask(&w, &mia, "Printer out of toner").await;
    for k in [&a, &c] {
        w.post(
            &ana,
            &format!("/api/v1/requests/{k}/transitions"),
            json!({"to": "in-progress"}),
        )
        .await;
    }
    let sel_a = format!("selected[{a}]");
    let sel_c = format!("selected[{c}]");
    let batch = |reply: &'static str| {
        let (sel_a, sel_c) = (sel_a.clone(), sel_c.clone());
        let ana = ana.clone();
        let app = &w.app;
        async move {
            app.call(
                &ana,
                "/fn/batch_update",
                &[
                    (sel_a.as_str(), "on"),
                    (sel_c.as_str(), "on"),
                    ("action", "state"),
                    ("state", "resolved"),
                    ("reply", reply),
                ],
            )
            .await
        }
    };
    let res = batch("").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("reply"));
    for k in [&a, &c] {
        assert_eq!(
            w.get(&ana, k).await["state"],
            "in-progress",
            "nothing half-saved"
        );
    }
    let res = batch("The printer was serviced.").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    for k in [&a, &c] {
        let d = w.get(&mia, k).await;
        assert_eq!(d["state"], "resolved");
        assert_eq!(
            d["comments"].as_array().unwrap().last().unwrap()["body"],
            "The printer was serviced."
        );
    }
    w.app.finish().await;
}
