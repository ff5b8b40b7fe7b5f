//! A short memory of hot reads: who a session belongs to, and the answers of read-only server
//! functions per person (the queue dashboard that every analyst's browser polls). Without it each
//! of those requests costs a dozen database queries; with it, repeated reads within a second cost
//! none.
//!
//! What a reader can rely on:
//! - A change made through this instance is seen by the very next read. Every state-changing
//!   request ends with [`ReadCache::invalidate`], which starts a new generation, and an entry is
//!   only ever used by the generation that filled it. An entry filled while a change was under
//!   way therefore dies as soon as that change finishes.
//! - A change made elsewhere (another instance on the same database, the command line) is seen
//!   after at most the time to live, `TIERDESK_READ_CACHE_MS` (default 1000 ms; 0 turns the cache
//!   off). That is also how long another instance may still honour a session that was signed out
//!   or a role that was taken away: one second, the price of not asking the database each time.
//! - Only a person's own answers are kept for them: entries are keyed by the person who asked.
//!   Sessions that do not resolve are never kept, so random cookies cannot fill the memory.

use crate::domain::user::Viewer;
use axum::http::{HeaderMap, StatusCode};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most entries a shelf holds; past it, expired entries go, and if none had, everything does.
const CAPACITY: usize = 10_000;

/// The default time to live.
pub const DEFAULT_TTL: Duration = Duration::from_millis(1000);

/// One answer as it went out, ready to be sent again.
#[derive(Clone, Debug)]
pub struct CachedResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: axum::body::Bytes,
}

/// A request by one person for one address: the key of a remembered answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResponseKey {
    pub user_id: i64,
    pub uri: String,
}

struct Entry<V> {
    generation: u64,
    stored: Instant,
    value: V,
}

struct Shelf<K, V>(Mutex<HashMap<K, Entry<V>>>);

impl<K: Eq + Hash, V: Clone> Shelf<K, V> {
    fn new() -> Self {
        Shelf(Mutex::new(HashMap::new()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Entry<V>>> {
        // A panic while holding the lock leaves a map that is still a valid map.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get<Q>(&self, key: &Q, generation: u64, ttl: Duration) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let map = self.lock();
        let e = map.get(key)?;
        (e.generation == generation && e.stored.elapsed() < ttl).then(|| e.value.clone())
    }

    fn put(&self, key: K, value: V, generation: u64, ttl: Duration) {
        let mut map = self.lock();
        if map.len() >= CAPACITY {
            map.retain(|_, e| e.generation == generation && e.stored.elapsed() < ttl);
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(
            key,
            Entry {
                generation,
                stored: Instant::now(),
                value,
            },
        );
    }

    fn clear(&self) {
        self.lock().clear();
    }

    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// See the module documentation. One per process, shared by every request.
pub struct ReadCache {
    ttl: Duration,
    generation: AtomicU64,
    sessions: Shelf<String, Viewer>,
    responses: Shelf<ResponseKey, CachedResponse>,
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
        }
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
    pub fn session(&self, secret_hash: &str) -> Option<Viewer> {
        if !self.enabled() {
            return None;
        }
        self.sessions.get(secret_hash, self.generation(), self.ttl)
    }

    /// Remembers a resolved session, read at `generation`.
    pub fn remember_session(&self, secret_hash: &str, viewer: &Viewer, generation: u64) {
        if self.enabled() {
            self.sessions.put(
                secret_hash.to_string(),
                viewer.clone(),
                generation,
                self.ttl,
            );
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(id: i64) -> Viewer {
        Viewer {
            id,
            name: format!("P{id}"),
            email: format!("p{id}@x.test"),
            handle: format!("p{id}"),
            roles: vec![],
        }
    }

    #[test]
    fn an_entry_serves_its_own_generation_only() {
        let c = ReadCache::new(Duration::from_secs(60));
        let g = c.generation();
        c.remember_session("h", &viewer(1), g);
        assert_eq!(c.session("h").map(|v| v.id), Some(1));
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
        };
        let answer = CachedResponse {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: "for 1".into(),
        };
        c.remember_response(key(1), answer, c.generation());
        assert!(c.response(&key(1)).is_some());
        assert!(c.response(&key(2)).is_none());
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
