//! A short memory of hot reads: who a session belongs to, and the answers of read-only server
//! functions per person (the queue dashboard that every analyst's browser polls). Without it each
//! of those requests costs a dozen database queries; with it, repeated reads within a second cost
//! none.
//!
//! What a reader can rely on:
//! - A change made through this instance is seen by the very next read. Every successful
//!   state-changing request by someone signed in ends with [`ReadCache::invalidate`] (as do the
//!   scheduler and the lockout worker), which starts a new generation, and an entry is only ever
//!   used by the generation that filled it. An entry filled while a change was under way
//!   therefore dies as soon as that change finishes. Anonymous writes and refused ones do not
//!   invalidate: a stranger's POST cannot empty everyone's cache.
//! - A change made elsewhere (another instance on the same database, the command line) is seen
//!   after at most the time to live, `TIERDESK_READ_CACHE_MS` (default 1000 ms; 0 turns the cache
//!   off). That is also how long another instance may still honour a session that was signed out
//!   or a role that was taken away: one second, the price of not asking the database each time.
//! - Only a person's own answers are kept for them: entries are keyed by the person who asked,
//!   the address and the `Accept` header (the same address answers the app in JSON and a plain
//!   browser otherwise). Sessions that do not resolve are never kept, so random cookies cannot
//!   fill the memory, and the answers kept are bounded in bytes as well as in number.
//! - What every analyst sees alike (the queue's counts, a view's first page, who is on shift,
//!   the macros) is [`ReadCache::shared`]: computed once per generation by the first to ask while
//!   the others asking at that moment wait for it, instead of once per person. It follows the
//!   same generations and time to live, so a change is seen by the very next read all the same.

use crate::domain::user::Viewer;
use axum::http::{HeaderMap, StatusCode};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Most entries a shelf holds; past it, expired entries go, and if none had, everything does.
const CAPACITY: usize = 10_000;
/// Most bytes of answers held, bodies and headers; the same rule applies past it.
pub const BYTES_MAX: usize = 16 * 1024 * 1024;

/// The default time to live.
pub const DEFAULT_TTL: Duration = Duration::from_millis(1000);

/// One answer as it went out, ready to be sent again.
#[derive(Clone, Debug)]
pub struct CachedResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: axum::body::Bytes,
}

impl CachedResponse {
    /// What keeping it costs, roughly.
    fn size(&self) -> usize {
        self.body.len()
            + self
                .headers
                .iter()
                .map(|(k, v)| k.as_str().len() + v.len())
                .sum::<usize>()
    }
}

/// A request by one person for one address, as one kind of client: the key of a remembered
/// answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResponseKey {
    pub user_id: i64,
    pub uri: String,
    pub accept: String,
}

/// Who a session or token belongs to, and whether it may change things (a read-only API token
/// may not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedAuth {
    pub viewer: Viewer,
    pub can_write: bool,
}

/// What an entry costs against the byte bound.
trait Weigh {
    fn weight(&self) -> usize;
}

impl Weigh for CachedAuth {
    fn weight(&self) -> usize {
        0
    }
}

impl Weigh for CachedResponse {
    fn weight(&self) -> usize {
        self.size()
    }
}

struct Entry<V> {
    generation: u64,
    stored: Instant,
    value: V,
}

struct Held<K, V> {
    map: HashMap<K, Entry<V>>,
    bytes: usize,
}

struct Shelf<K, V>(Mutex<Held<K, V>>);

impl<K: Eq + Hash, V: Clone + Weigh> Shelf<K, V> {
    fn new() -> Self {
        Shelf(Mutex::new(Held {
            map: HashMap::new(),
            bytes: 0,
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Held<K, V>> {
        // A panic while holding the lock leaves a map that is still a valid map.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get<Q>(&self, key: &Q, generation: u64, ttl: Duration) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let held = self.lock();
        let e = held.map.get(key)?;
        (e.generation == generation && e.stored.elapsed() < ttl).then(|| e.value.clone())
    }

    fn put(&self, key: K, value: V, generation: u64, ttl: Duration) {
        let weight = value.weight();
        if weight > BYTES_MAX {
            return;
        }
        let mut held = self.lock();
        if held.map.len() >= CAPACITY || held.bytes + weight > BYTES_MAX {
            held.map
                .retain(|_, e| e.generation == generation && e.stored.elapsed() < ttl);
            held.bytes = held.map.values().map(|e| e.value.weight()).sum();
            if held.map.len() >= CAPACITY || held.bytes + weight > BYTES_MAX {
                held.map.clear();
                held.bytes = 0;
            }
        }
        if let Some(old) = held.map.insert(
            key,
            Entry {
                generation,
                stored: Instant::now(),
                value,
            },
        ) {
            held.bytes -= old.value.weight();
        }
        held.bytes += weight;
    }

    fn clear(&self) {
        let mut held = self.lock();
        held.map.clear();
        held.bytes = 0;
    }

    fn len(&self) -> usize {
        self.lock().map.len()
    }

    fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

/// A shared answer with the generation and time it was computed at.
type SharedEntry = (u64, Instant, Arc<dyn std::any::Any + Send + Sync>);
/// One name's answer; its lock is held while it is computed, so it is computed once.
type SharedSlot = Arc<tokio::sync::Mutex<Option<SharedEntry>>>;
/// Most names held; past it, every name goes (they are recomputed on the next ask).
const SHARED_CAPACITY: usize = 2_000;

/// See the module documentation. One per process, shared by every request.
pub struct ReadCache {
    ttl: Duration,
    generation: AtomicU64,
    sessions: Shelf<String, CachedAuth>,
    responses: Shelf<ResponseKey, CachedResponse>,
    shared: Mutex<HashMap<String, SharedSlot>>,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache")
            .field("ttl", &self.ttl)
            .field("generation", &self.generation())
            .finish_non_exhaustive()
    }
}

impl ReadCache {
    pub fn new(ttl: Duration) -> Self {
        ReadCache {
            ttl,
            generation: AtomicU64::new(0),
            sessions: Shelf::new(),
            responses: Shelf::new(),
            shared: Mutex::new(HashMap::new()),
        }
    }

    /// The answer everyone shares under `name`: the one computed in this generation within the
    /// time to live, else `compute`'s, by the first asker while later ones wait for it. An
    /// error is handed back and nothing is kept.
    pub async fn shared<T, E, Fut>(
        &self,
        name: &str,
        compute: impl FnOnce() -> Fut,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        if !self.enabled() {
            return compute().await.map(Arc::new);
        }
        let slot = {
            let mut names = self.shared.lock().unwrap_or_else(|p| p.into_inner());
            if names.len() >= SHARED_CAPACITY && !names.contains_key(name) {
                names.clear();
            }
            names.entry(name.to_string()).or_default().clone()
        };
        let mut held = slot.lock().await;
        let generation = self.generation();
        if let Some((g, at, value)) = held.as_ref() {
            if *g == generation && at.elapsed() < self.ttl {
                if let Ok(v) = value.clone().downcast::<T>() {
                    return Ok(v);
                }
            }
        }
        let value = Arc::new(compute().await?);
        *held = Some((generation, Instant::now(), value.clone()));
        Ok(value)
    }

    /// The time to live from `TIERDESK_READ_CACHE_MS`, else [`DEFAULT_TTL`].
    pub fn from_env() -> Self {
        let ttl = std::env::var("TIERDESK_READ_CACHE_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(DEFAULT_TTL, Duration::from_millis);
        Self::new(ttl)
    }

    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// The current generation; read it *before* reading what will be remembered.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Something changed: nothing remembered so far may be used again.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.sessions.clear();
        self.responses.clear();
    }

    /// The person a session or token (by the hash of its secret) belongs to, if remembered.
    pub fn session(&self, secret_hash: &str) -> Option<CachedAuth> {
        if !self.enabled() {
            return None;
        }
        self.sessions.get(secret_hash, self.generation(), self.ttl)
    }

    /// Remembers a resolved session, read at `generation`.
    pub fn remember_session(&self, secret_hash: &str, auth: &CachedAuth, generation: u64) {
        if self.enabled() {
            self.sessions
                .put(secret_hash.to_string(), auth.clone(), generation, self.ttl);
        }
    }

    pub fn response(&self, key: &ResponseKey) -> Option<CachedResponse> {
        if !self.enabled() {
            return None;
        }
        self.responses.get(key, self.generation(), self.ttl)
    }

    /// Remembers an answer computed at `generation`.
    pub fn remember_response(&self, key: ResponseKey, response: CachedResponse, generation: u64) {
        if self.enabled() {
            self.responses.put(key, response, generation, self.ttl);
        }
    }

    /// How many entries are held (sessions, responses), for tests and diagnostics.
    pub fn sizes(&self) -> (usize, usize) {
        (self.sessions.len(), self.responses.len())
    }

    /// Bytes of answers held.
    pub fn response_bytes(&self) -> usize {
        self.responses.bytes()
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(c.sizes(), (0, 0));
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
        };
        for i in 0..40 {
            let key = ResponseKey {
                user_id: i,
                uri: "/fn/x".into(),
                accept: String::new(),
            };
            c.remember_response(key, big.clone(), c.generation());
            assert!(
                c.response_bytes() <= BYTES_MAX,
                "{} bytes",
                c.response_bytes()
            );
        }
        assert!(c.sizes().1 >= 1);
    }

    #[tokio::test]
    async fn a_shared_answer_is_computed_once_per_generation_by_one_of_many() {
        let c = Arc::new(ReadCache::new(Duration::from_secs(60)));
        let runs = Arc::new(AtomicU64::new(0));
        let ask = |c: Arc<ReadCache>, runs: Arc<AtomicU64>| async move {
            c.shared("counts", || async {
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
        let failed: Result<Arc<u64>, &str> = c.shared("other", || async { Err("down") }).await;
        assert!(failed.is_err());
        let other: Result<Arc<u64>, &str> = c.shared("other", || async { Ok(7) }).await;
        assert_eq!(*other.unwrap(), 7);
        let off = ReadCache::new(Duration::ZERO);
        for n in 1..=2u64 {
            let v: Arc<u64> = off.shared("x", || async { Ok::<_, ()>(n) }).await.unwrap();
            assert_eq!(*v, n, "with the cache off, always computed");
        }
    }

    #[tokio::test]
    async fn shared_answers_expire() {
        let c = ReadCache::new(Duration::from_millis(30));
        let first: Arc<u8> = c.shared("x", || async { Ok::<_, ()>(1) }).await.unwrap();
        assert_eq!(*first, 1);
        tokio::time::sleep(Duration::from_millis(40)).await;
        let again: Arc<u8> = c.shared("x", || async { Ok::<_, ()>(2) }).await.unwrap();
        assert_eq!(*again, 2);
    }

    #[test]
    fn the_memory_stays_bounded() {
        let c = ReadCache::new(Duration::from_secs(60));
        for i in 0..(CAPACITY + 10) {
            c.remember_session(&format!("h{i}"), &viewer(1), c.generation());
        }
        assert!(c.sizes().0 <= CAPACITY);
    }
}
