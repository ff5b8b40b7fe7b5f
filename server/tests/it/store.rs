//! The store API, identically on both databases.

use crate::common::{on_both, Backend, TestDb};
use app::domain::request::{RequestKey, RequestState};
use app::domain::user::Role;
use app::ssr::store::{NewRequestRecord, StoreError};

on_both!(
    people_have_roles_and_unique_emails,
    requests_round_trip_and_list_newest_first_with_cursor,
    state_changes_are_checked_against_the_current_state,
    internal_notes_are_filtered_out_for_requesters,
    sessions_expire_and_tokens_resolve,
    attempts_are_counted_one_by_one_even_at_once,
);

fn software(title: &str, requester_id: i64) -> NewRequestRecord {
    NewRequestRecord {
        kind: "software".into(),
        title: title.into(),
        description: "details".into(),
        priority: "normal".into(),
        state: "new".into(),
        requester_id,
        details: "[]".into(),
        ..Default::default()
    }
}

async fn people_have_roles_and_unique_emails(b: Backend) {
    let t = TestDb::new(b).await;
    let id = t
        .person("ana@example.com", "Ana", &[Role::Analyst, Role::Member])
        .await;
    let v = t.db.viewer(id).await.unwrap().unwrap();
    assert_eq!(v.roles, vec![Role::Member, Role::Analyst]);
    assert_eq!(v.handle, "ana");
    let dup =
        t.db.create_user("ana@example.com", "ana2", "Ana Two", "x", &[Role::Member])
            .await;
    assert!(matches!(dup, Err(StoreError::Constraint(_))), "{dup:?}");
    // The failed insert left nothing behind.
    assert_eq!(
        t.db.user_id_by_email("ana@example.com").await.unwrap(),
        Some(id)
    );
    assert!(t.db.viewer(id + 100).await.unwrap().is_none());
    t.drop_db().await;
}

async fn requests_round_trip_and_list_newest_first_with_cursor(b: Backend) {
    let t = TestDb::new(b).await;
    let mia = t.person("mia@example.com", "Mia", &[Role::Member]).await;
    let other = t.person("otto@example.com", "Otto", &[Role::Member]).await;
    let mut keys = Vec::new();
    for i in 0..5 {
        keys.push(
            t.db.create_request(&software(&format!("Problem {i}"), mia))
                .await
                .unwrap(),
        );
    }
    t.db.create_request(&software("Not Mia's", other))
        .await
        .unwrap();
    assert_eq!(keys[0], RequestKey::new(1));

    let r = t.db.request(keys[2]).await.unwrap().unwrap();
    assert_eq!(
        (r.title.as_str(), r.state(), r.requester_name.as_str()),
        ("Problem 2", RequestState::New, "Mia")
    );
    assert!(r.assignee_id.is_none());
    assert!(r.created_at <= t.db.now());

    let first = t.db.requests_of(mia, None, 3).await.unwrap();
    assert_eq!(
        first.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(),
        ["Problem 4", "Problem 3", "Problem 2"]
    );
    let rest = t.db.requests_of(mia, Some(first[2].id), 3).await.unwrap();
    assert_eq!(
        rest.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(),
        ["Problem 1", "Problem 0"]
    );

    let history = t.db.events(keys[0], false).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].field.as_str(), history[0].actor_name.as_str()),
        ("created", "Mia")
    );
    assert!(t.db.request(RequestKey::new(999)).await.unwrap().is_none());
    t.drop_db().await;
}

async fn state_changes_are_checked_against_the_current_state(b: Backend) {
    let t = TestDb::new(b).await;
    let mia = t.person("mia@example.com", "Mia", &[Role::Member]).await;
    let ana = t.person("ana@example.com", "Ana", &[Role::Analyst]).await;
    let k = t.db.create_request(&software("A", mia)).await.unwrap();
    t.db.change_request(
        k,
        ana,
        RequestState::New,
        RequestState::InProgress,
        Some((None, Some(ana))),
    )
    .await
    .unwrap();
    // Someone else already moved it: the second writer is told, and nothing changes.
    let stale =
        t.db.change_request(k, ana, RequestState::New, RequestState::Cancelled, None)
            .await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    // An assignee that changed meanwhile also refuses the whole change, state included.
    let stale =
        t.db.change_request(
            k,
            ana,
            RequestState::InProgress,
            RequestState::Resolved,
            Some((None, Some(mia))),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    let r = t.db.request(k).await.unwrap().unwrap();
    assert_eq!(
        (r.state(), r.assignee_id),
        (RequestState::InProgress, Some(ana))
    );

    let fields: Vec<_> =
        t.db.events(k, true)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.field, e.before, e.after))
            .collect();
    assert_eq!(
        fields,
        vec![
            ("created".into(), None, Some("new".into())),
            (
                "state".into(),
                Some("new".into()),
                Some("in-progress".into())
            ),
            ("assignee".into(), None, Some("Ana".into())),
        ]
    );
    t.drop_db().await;
}

async fn internal_notes_are_filtered_out_for_requesters(b: Backend) {
    let t = TestDb::new(b).await;
    let mia = t.person("mia@example.com", "Mia", &[Role::Member]).await;
    let ana = t.person("ana@example.com", "Ana", &[Role::Analyst]).await;
    let k = t.db.create_request(&software("A", mia)).await.unwrap();
    t.db.add_comment(k, ana, "Public answer", false)
        .await
        .unwrap();
    t.db.add_comment(k, ana, "Secret note", true).await.unwrap();
    let public: Vec<_> =
        t.db.comments(k, false)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.body)
            .collect();
    assert_eq!(public, ["Public answer"]);
    let all: Vec<_> =
        t.db.comments(k, true)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.body, c.internal))
            .collect();
    assert_eq!(
        all,
        [
            ("Public answer".to_string(), false),
            ("Secret note".to_string(), true)
        ]
    );
    assert!(!t
        .db
        .events(k, false)
        .await
        .unwrap()
        .iter()
        .any(|e| e.field == "internal-note"));
    assert!(t
        .db
        .events(k, true)
        .await
        .unwrap()
        .iter()
        .any(|e| e.field == "internal-note"));
    t.drop_db().await;
}

async fn sessions_expire_and_tokens_resolve(b: Backend) {
    let t = TestDb::new(b).await;
    let mia = t.person("mia@example.com", "Mia", &[Role::Member]).await;
    t.db.create_session("live", mia, t.db.now() + 60_000)
        .await
        .unwrap();
    t.db.create_session("dead", mia, t.db.now() - 1)
        .await
        .unwrap();
    assert_eq!(t.db.session_user("live").await.unwrap(), Some(mia));
    assert_eq!(t.db.session_user("dead").await.unwrap(), None);
    t.db.delete_session("live").await.unwrap();
    assert_eq!(t.db.session_user("live").await.unwrap(), None);
    let token = |hash: &'static str, expires_at: i64| app::ssr::store::NewApiToken {
        user_id: mia,
        token_hash: hash,
        label: "ci",
        scopes: "read",
        expires_at,
    };
    let id =
        t.db.create_api_token(&token("live", t.db.now() + 60_000))
            .await
            .unwrap();
    t.db.create_api_token(&token("ended", t.db.now() - 1))
        .await
        .unwrap();
    assert_eq!(
        t.db.api_token_user("live").await.unwrap(),
        Some((mia, "read".to_string()))
    );
    // Its last use is kept, but written at most once a minute: reads stay reads.
    let last_used = |db: app::ssr::store::Db| async move {
        db.api_tokens(Some(mia))
            .await
            .unwrap()
            .into_iter()
            .find(|l| l.id == id)
            .unwrap()
            .last_used_at
    };
    let first = last_used(t.db.clone())
        .await
        .expect("the first use is written");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    t.db.api_token_user("live").await.unwrap();
    assert_eq!(
        last_used(t.db.clone()).await,
        Some(first),
        "not rewritten within a minute"
    );
    match &t.db.pool {
        app::ssr::store::Pool::Sqlite(p) => {
            sqlx::query("UPDATE api_tokens SET last_used_at = last_used_at - 61000")
                .execute(p)
                .await
                .map(|_| ())
        }
        app::ssr::store::Pool::Postgres(p) => {
            sqlx::query("UPDATE api_tokens SET last_used_at = last_used_at - 61000")
                .execute(p)
                .await
                .map(|_| ())
        }
    }
    .unwrap();
    t.db.api_token_user("live").await.unwrap();
    assert!(
        last_used(t.db.clone()).await > Some(first - 61_000),
        "written again after a minute"
    );
    assert_eq!(t.db.api_token_user("ended").await.unwrap(), None, "expired");
    assert_eq!(t.db.api_token_user("other").await.unwrap(), None);
    assert!(t.db.revoke_api_token(id).await.unwrap());
    assert!(!t.db.revoke_api_token(id).await.unwrap(), "once");
    assert_eq!(t.db.api_token_user("live").await.unwrap(), None, "revoked");
    let listed = t.db.api_tokens(Some(mia)).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|l| l.id == id && l.revoked_at.is_some()));
    t.drop_db().await;
}

/// Thirty attempts at once each get their own number: none can slip under a limit because
/// another was counted between its check and its write.
async fn attempts_are_counted_one_by_one_even_at_once(b: Backend) {
    let t = TestDb::new(b).await;
    let counts: Vec<i64> = futures_all((0..30).map(|_| {
        let db = t.db.clone();
        async move {
            db.count_attempt("pair:mia@example.com|10.0.0.1", 60_000)
                .await
                .unwrap()
        }
    }))
    .await;
    let mut sorted = counts.clone();
    sorted.sort();
    assert_eq!(sorted, (1..=30).collect::<Vec<i64>>());
    t.db.uncount_attempt("pair:mia@example.com|10.0.0.1")
        .await
        .unwrap();
    assert_eq!(
        t.db.count_attempt("pair:mia@example.com|10.0.0.1", 60_000)
            .await
            .unwrap(),
        30
    );
    t.db.reset_attempts("pair:mia@example.com|10.0.0.1")
        .await
        .unwrap();
    assert_eq!(
        t.db.count_attempt("pair:mia@example.com|10.0.0.1", 60_000)
            .await
            .unwrap(),
        1
    );
    // A window that has ended starts again at one.
    assert_eq!(
        t.db.count_attempt("pair:mia@example.com|10.0.0.1", 0)
            .await
            .unwrap(),
        1
    );
    t.drop_db().await;
}

/// Runs futures on the runtime at once and collects their results in order.
async fn futures_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// A database that is down at start is a clear error, not a panic.
#[tokio::test]
async fn an_unreachable_database_is_a_clear_error() {
    let err = tierdesk::open_database("postgres://postgres@127.0.0.1:1/nothing")
        .await
        .unwrap_err();
    assert!(err.starts_with("cannot connect to Postgres"), "{err}");
    let err = tierdesk::open_database("mysql://localhost/x")
        .await
        .unwrap_err();
    assert!(err.contains("sqlite: or postgres://"), "{err}");
    let err = tierdesk::open_database("sqlite:///proc/definitely/not/here.db")
        .await
        .unwrap_err();
    assert!(!err.is_empty());
}
