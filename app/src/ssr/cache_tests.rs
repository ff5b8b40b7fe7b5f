//! The read cache's rules, one by one.

use super::*;

fn viewer(id: i64) -> CachedAuth {
    CachedAuth {
        viewer: Viewer {
            id,
            name: format!("P{id}"),
            email: format!("p{id}@x.test"),
            handle: format!("p{id}"),
            roles: vec![],
        },
        can_write: true,
    }
}

#[test]
fn an_entry_serves_its_own_generation_only() {
    let c = ReadCache::new(Duration::from_secs(60));
    let g = c.generation();
    c.remember_session("h", &viewer(1), g);
    assert_eq!(c.session("h").map(|a| a.viewer.id), Some(1));
    c.invalidate();
    assert_eq!(c.session("h"), None);
    // Filled from a read that began before a change finished: never served.
    c.remember_session("h", &viewer(1), g);
    assert_eq!(c.session("h"), None);
}

#[test]
fn entries_expire() {
    let c = ReadCache::new(Duration::from_millis(30));
    c.remember_session("h", &viewer(1), c.generation());
    assert!(c.session("h").is_some());
    std::thread::sleep(Duration::from_millis(40));
    assert_eq!(c.session("h"), None);
}

#[test]
fn a_zero_ttl_keeps_nothing() {
    let c = ReadCache::new(Duration::ZERO);
    c.remember_session("h", &viewer(1), c.generation());
    assert_eq!(c.session("h"), None);
    assert_eq!((c.holdings().sessions, c.holdings().responses), (0, 0));
}

#[test]
fn answers_are_per_person() {
    let c = ReadCache::new(Duration::from_secs(60));
    let key = |user_id| ResponseKey {
        user_id,
        uri: "/fn/queue_dashboard?query=".into(),
        accept: "application/json".into(),
    };
    let answer = CachedResponse {
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        body: "for 1".into(),
        nonce: None,
        gzip: None,
    };
    c.remember_response(key(1), answer, c.generation());
    assert!(c.response(&key(1)).is_some());
    assert!(c.response(&key(2)).is_none());
    // A plain browser asking the same address gets its own answer, not the app's.
    let html = ResponseKey {
        accept: "text/html".into(),
        ..key(1)
    };
    assert!(c.response(&html).is_none());
}

#[test]
fn answers_are_bounded_in_bytes() {
    let c = ReadCache::new(Duration::from_secs(60));
    let big = CachedResponse {
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        body: vec![b'x'; 4 * 1024 * 1024].into(),
        nonce: None,
        gzip: None,
    };
    for i in 0..40 {
        let key = ResponseKey {
            user_id: i,
            uri: "/fn/x".into(),
            accept: String::new(),
        };
        c.remember_response(key, big.clone(), c.generation());
        assert!(
            c.holdings().response_bytes <= BYTES_MAX,
            "{} bytes",
            c.holdings().response_bytes
        );
    }
    assert!(c.holdings().responses >= 1);
}

#[tokio::test]
async fn a_shared_answer_is_computed_once_per_generation_by_one_of_many() {
    let c = Arc::new(ReadCache::new(Duration::from_secs(60)));
    let runs = Arc::new(AtomicU64::new(0));
    let ask = |c: Arc<ReadCache>, runs: Arc<AtomicU64>| async move {
        c.shared(None, "counts", move || async move {
            runs.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok::<_, ()>(runs.load(Ordering::SeqCst))
        })
        .await
        .unwrap()
    };
    let many: Vec<_> = (0..16)
        .map(|_| tokio::spawn(ask(c.clone(), runs.clone())))
        .collect();
    for h in many {
        assert_eq!(*h.await.unwrap(), 1, "everyone got the one computation");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    c.invalidate();
    assert_eq!(
        *ask(c.clone(), runs.clone()).await,
        2,
        "a change: computed again"
    );
    // An error is not kept; another name is another answer.
    let failed: Result<Arc<u64>, &str> = c.shared(None, "other", || async { Err("down") }).await;
    assert!(failed.is_err());
    let other: Result<Arc<u64>, &str> = c.shared(None, "other", || async { Ok(7) }).await;
    assert_eq!(*other.unwrap(), 7);
    let off = ReadCache::new(Duration::ZERO);
    for n in 1..=2u64 {
        let v: Arc<u64> = off
            .shared(None, "x", move || async move { Ok::<_, ()>(n) })
            .await
            .unwrap();
        assert_eq!(*v, n, "with the cache off, always computed");
    }
}

#[tokio::test]
async fn shared_answers_expire() {
    let c = ReadCache::new(Duration::from_millis(30));
    let first: Arc<u8> = c
        .shared(None, "x", || async { Ok::<_, ()>(1) })
        .await
        .unwrap();
    assert_eq!(*first, 1);
    tokio::time::sleep(Duration::from_millis(40)).await;
    let again: Arc<u8> = c
        .shared(None, "x", || async { Ok::<_, ()>(2) })
        .await
        .unwrap();
    assert_eq!(*again, 2);
}

#[test]
fn the_memory_stays_bounded() {
    let c = ReadCache::new(Duration::from_secs(60));
    for i in 0..(CAPACITY + 10) {
        c.remember_session(&format!("h{i}"), &viewer(1), c.generation());
    }
    assert!(c.holdings().sessions <= CAPACITY);
}

fn dashboard_of(user_id: i64) -> ResponseKey {
    ResponseKey {
        user_id,
        uri: "/fn/queue_dashboard?query=".into(),
        accept: "application/json".into(),
    }
}

fn answer(body: &'static str) -> CachedResponse {
    CachedResponse {
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        body: body.into(),
        nonce: None,
        gzip: None,
    }
}

#[test]
fn a_persons_own_change_reaches_their_next_read_and_others_within_the_ttl() {
    let c = ReadCache::new(Duration::from_secs(60));
    let g = c.generation();
    c.remember_response(dashboard_of(1), answer("one"), g);
    c.remember_response(dashboard_of(2), answer("two"), g);
    c.remember_session("s2", &viewer(2), g);
    c.changed_by(1);
    assert!(
        c.response(&dashboard_of(1)).is_none(),
        "the writer reads afresh"
    );
    assert!(
        c.response(&dashboard_of(2)).is_some(),
        "someone else is served what was read within the time to live"
    );
    assert!(
        c.session("s2").is_some(),
        "sessions outlive request activity"
    );
    // Read while the writer's change was under way: never served to the writer.
    c.remember_response(dashboard_of(1), answer("one"), g);
    assert!(c.response(&dashboard_of(1)).is_none());
    c.remember_response(dashboard_of(1), answer("one, later"), c.generation());
    assert_eq!(c.response(&dashboard_of(1)).unwrap().0.body, "one, later");
}

#[test]
fn other_changes_and_strict_mode_reach_everyone_at_once() {
    let c = ReadCache::new(Duration::from_secs(60));
    c.remember_response(dashboard_of(2), answer("two"), c.generation());
    c.remember_session("s2", &viewer(2), c.generation());
    c.invalidate();
    assert!(c.response(&dashboard_of(2)).is_none());
    assert!(c.session("s2").is_none());

    let strict = ReadCache::strict(Duration::from_secs(60));
    strict.remember_response(dashboard_of(2), answer("two"), strict.generation());
    strict.remember_session("s2", &viewer(2), strict.generation());
    strict.changed_by(1);
    assert!(strict.response(&dashboard_of(2)).is_none());
    assert!(strict.session("s2").is_none());
    strict.remember_response(dashboard_of(2), answer("two"), strict.generation());
    strict.changed_by_automation();
    assert!(strict.response(&dashboard_of(2)).is_none());
}

#[test]
fn automation_reaches_everyone_within_the_ttl() {
    let c = ReadCache::new(Duration::from_secs(60));
    c.remember_response(dashboard_of(2), answer("two"), c.generation());
    c.remember_session("s2", &viewer(2), c.generation());
    c.changed_by_automation();
    assert!(c.response(&dashboard_of(2)).is_some());
    assert!(c.session("s2").is_some());
}

#[tokio::test]
async fn a_shared_answer_is_recomputed_for_the_writer_and_then_serves_everyone() {
    let c = ReadCache::new(Duration::from_secs(60));
    let ask =
        |who: Option<i64>, n: u8| c.shared(who, "counts", move || async move { Ok::<_, ()>(n) });
    assert_eq!(*ask(Some(2), 1).await.unwrap(), 1);
    c.changed_by(1);
    assert_eq!(
        *ask(Some(2), 2).await.unwrap(),
        1,
        "within the time to live"
    );
    assert_eq!(*ask(None, 2).await.unwrap(), 1);
    assert_eq!(
        *ask(Some(1), 3).await.unwrap(),
        3,
        "the writer's read is fresh"
    );
    assert_eq!(*ask(Some(2), 4).await.unwrap(), 3, "and everyone shares it");
    c.invalidate();
    assert_eq!(*ask(Some(2), 5).await.unwrap(), 5);
}

#[test]
fn the_writers_remembered_stay_bounded() {
    let c = ReadCache::new(Duration::from_secs(60));
    c.remember_response(dashboard_of(-1), answer("x"), c.generation());
    for id in 0..(CAPACITY as i64 + 10) {
        c.changed_by(id);
        assert!(c.writers.lock().unwrap().len() <= CAPACITY);
    }
    // Past the bound with every record still needed, everyone reads afresh instead.
    assert!(c.response(&dashboard_of(-1)).is_none());
}

#[tokio::test]
async fn a_flood_of_searches_leaves_the_desks_answers_alone() {
    let c = ReadCache::new(Duration::from_secs(60));
    let counts = |n: u64| c.shared(None, "queue:counts", move || async move { Ok::<_, ()>(n) });
    assert_eq!(*counts(1).await.unwrap(), 1);
    for i in 0..(2 * SHARED_CAPACITY) {
        let hit: Arc<usize> = c
            .shared_search(None, &format!("search:{i}"), move || async move {
                Ok::<_, ()>(i)
            })
            .await
            .unwrap();
        assert_eq!(*hit, i);
    }
    assert_eq!(
        *counts(2).await.unwrap(),
        1,
        "the desk's answer was still held after {} different searches",
        2 * SHARED_CAPACITY
    );
}

#[tokio::test]
async fn a_full_map_drops_expired_answers_before_fresh_ones() {
    let c = ReadCache::new(Duration::from_millis(200));
    for i in 0..(SHARED_CAPACITY - 1) {
        c.shared(
            None,
            &format!("old:{i}"),
            move || async move { Ok::<_, ()>(i) },
        )
        .await
        .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(250)).await;
    let fresh = |n: u64| c.shared(None, "fresh", move || async move { Ok::<_, ()>(n) });
    assert_eq!(*fresh(1).await.unwrap(), 1);
    // The map is full: the next new name makes room by dropping only the expired ones.
    c.shared(None, "newcomer", || async { Ok::<_, ()>(0u64) })
        .await
        .unwrap();
    assert_eq!(*fresh(2).await.unwrap(), 1, "the fresh answer survived");
}

#[test]
fn a_kept_pages_nonce_is_replaced_wherever_it_stood() {
    let then = "0123456789abcdef0123456789abcdef";
    let now = "fedcba9876543210fedcba9876543210";
    let body = format!("<script nonce=\"{then}\">a</script><p>{then}</p><script nonce=\"{then}\">");
    let found = Nonced::find(body.as_bytes(), then).unwrap();
    let out = String::from_utf8(found.replaced(body.as_bytes(), now).unwrap()).unwrap();
    assert_eq!(out, body.replace(then, now));
    assert!(!out.contains(then));
    assert!(
        found.replaced(body.as_bytes(), "short").is_none(),
        "another length: not kept"
    );
    assert!(Nonced::find(body.as_bytes(), "").is_none());
}

#[tokio::test]
async fn past_half_its_life_an_answer_is_served_while_one_asker_refreshes_it() {
    let c = Arc::new(ReadCache::new(Duration::from_millis(400)));
    let first: Arc<u8> = c
        .shared(None, "counts", || async { Ok::<_, ()>(1) })
        .await
        .unwrap();
    assert_eq!(*first, 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    // The first asker past half the life computes again, slowly.
    let refresher = {
        let c = c.clone();
        tokio::spawn(async move {
            *c.shared(None, "counts", || async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                Ok::<_, ()>(2u8)
            })
            .await
            .unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    // Meanwhile others are served the answer held, without waiting and without computing.
    let started = Instant::now();
    let other: Arc<u8> = c
        .shared(None, "counts", || async { Ok::<_, ()>(9) })
        .await
        .unwrap();
    assert_eq!(*other, 1);
    assert!(started.elapsed() < Duration::from_millis(50));
    assert_eq!(
        refresher.await.unwrap(),
        2,
        "the refresher gets its own answer"
    );
    let after: Arc<u8> = c
        .shared(None, "counts", || async { Ok::<_, ()>(9) })
        .await
        .unwrap();
    assert_eq!(*after, 2, "and everyone after it");
}

#[tokio::test]
async fn one_computes_an_answer_while_the_others_wait_for_it() {
    let c = Arc::new(ReadCache::new(Duration::from_secs(60)));
    let key = dashboard_of(1);
    let first = c.flight(&key).await;
    assert!(c.try_flight(&key).is_none(), "a refresh does not wait");
    let waiter = {
        let (c, key) = (c.clone(), key.clone());
        tokio::spawn(async move {
            let _flight = c.flight(&key).await;
            c.response(&key).map(|(hit, _)| hit.body)
        })
    };
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(!waiter.is_finished(), "the second waits for the first");
    c.remember_response(key.clone(), answer("rendered once"), c.generation());
    drop(first);
    assert_eq!(
        waiter.await.unwrap().as_deref(),
        Some(&b"rendered once"[..]),
        "and finds its answer"
    );
    assert!(c.try_flight(&key).is_some(), "free again");
    assert!(
        c.flights.lock().unwrap().is_empty(),
        "nothing is held for answers no one computes"
    );
}

#[test]
fn an_answer_is_due_again_past_half_its_life() {
    let c = ReadCache::new(Duration::from_millis(400));
    c.remember_response(dashboard_of(1), answer("a"), c.generation());
    assert_eq!(
        c.response(&dashboard_of(1)).map(|(_, due)| due),
        Some(false)
    );
    std::thread::sleep(Duration::from_millis(120));
    assert_eq!(
        c.response(&dashboard_of(1)).map(|(_, due)| due),
        Some(false)
    );
    std::thread::sleep(Duration::from_millis(110));
    assert_eq!(c.response(&dashboard_of(1)).map(|(_, due)| due), Some(true));
}

#[tokio::test]
async fn a_sweep_lets_go_of_every_answer_nobody_may_be_served_and_keeps_the_rest() {
    let c = ReadCache::new(Duration::from_millis(150));
    let keep_one_of_each = |tag: &'static str| {
        let c = &c;
        async move {
            let g = c.generation();
            c.remember_session(tag, &viewer(1), g);
            c.remember_response(
                ResponseKey {
                    uri: format!("/fn/queue_dashboard?query={tag}"),
                    ..dashboard_of(1)
                },
                answer("rows"),
                g,
            );
            c.shared(None, tag, || async { Ok::<_, ()>(1u8) })
                .await
                .unwrap();
            c.shared_search(None, tag, || async { Ok::<_, ()>(1u8) })
                .await
                .unwrap();
        }
    };
    keep_one_of_each("old").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    keep_one_of_each("new").await;
    let both = c.holdings();
    assert_eq!(
        (both.sessions, both.responses, both.shared, both.searches),
        (2, 2, 2, 2),
        "expired entries stay until something lets go of them"
    );
    c.sweep();
    let after = c.holdings();
    assert_eq!(
        (
            after.sessions,
            after.responses,
            after.shared,
            after.searches
        ),
        (1, 1, 1, 1),
        "only the expired ones went"
    );
    assert_eq!(after.response_bytes, both.response_bytes / 2);
    assert!(
        c.session("new").is_some(),
        "what may be served is still served"
    );
    // After a change everyone must see, nothing read before it is kept either.
    c.invalidate();
    c.sweep();
    assert_eq!(c.holdings().sessions + c.holdings().responses, 0);
}

#[test]
fn the_sweep_runs_once_per_time_to_live_and_not_at_all_when_the_cache_is_off() {
    assert_eq!(
        ReadCache::new(Duration::from_millis(2500)).sweep_every(),
        Some(Duration::from_millis(2500))
    );
    assert_eq!(
        ReadCache::new(Duration::from_millis(10)).sweep_every(),
        Some(Duration::from_secs(1))
    );
    assert_eq!(ReadCache::new(Duration::ZERO).sweep_every(), None);
}
