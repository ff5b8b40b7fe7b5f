//! A short memory of hot reads: who a session belongs to, and the answers of read-only server
//! functions per person (the queue dashboard that every analyst's browser polls). Without it each
//! of those requests costs a dozen database queries; with it, repeated reads within a second cost
//! none.
//!
//! What a reader can rely on:
//! - A person sees their own changes at once: an answer is never served to someone if it was
//!   read before a change of theirs finished. Every successful state-changing request by someone
//!   signed in ends with [`ReadCache::changed_by`] or [`ReadCache::invalidate`], which start a new
//!   generation; an entry carries the generation it was read at, and a person is only served
//!   entries read at or after their own latest change. Signing in counts as a change, so a person
//!   who just signed in sees everything done before.
//! - Other people's work on requests (submissions, replies, taking, moving, approving: the
//!   stream that never stops on a busy desk, see `server::middleware::request_activity`) reaches
//!   everyone else's reads within the time to live: the queue's counts and pages are computed
//!   once per time to live for everyone, not once per submission. Every other change (people,
//!   roles, sessions, tokens, settings, guides, the registry, the calendar, rules) is
//!   [`ReadCache::invalidate`]: nothing read before it is served to anyone after it.
//!   `TIERDESK_READ_CACHE_STRICT=1` makes every change work that way.
//! - A change made elsewhere (another instance on the same database, the command line) is seen
//!   after at most the time to live, `TIERDESK_READ_CACHE_MS` (default 1000 ms; 0 turns the cache
//!   off). That is also how long another instance may still honour a session that was signed out
//!   or a role that was taken away: one second, the price of not asking the database each time.
//!   Who a session belongs to is forgotten at every change that everyone must see at once.
//! - Only a person's own answers are kept for them: entries are keyed by the person who asked,
//!   the address and the `Accept` header (the same address answers the app in JSON and a plain
//!   browser otherwise). Sessions that do not resolve are never kept, so random cookies cannot
//!   fill the memory, and the answers kept are bounded in bytes as well as in number. Anonymous
//!   writes and refused ones change no generation: a stranger's POST cannot empty the cache.
//!   The list pages people reload (`server::read_cache::kept_page`) are kept the same way, with
//!   the script nonce they were rendered with replaced by each answer's own.
//! - What every analyst sees alike (the queue's counts, a view's first page and its rows as
//!   drawn, who is on shift) is [`ReadCache::shared`]: computed by the first to ask while the others asking
//!   at that moment wait for it, instead of once per person, under the same rules. Past half its
//!   time to live a shared answer is computed again by the first to ask while everyone else is
//!   still served the one held, so a busy desk never queues behind a recomputation that was due.

use crate::domain::user::Viewer;
use axum::http::{HeaderMap, StatusCode};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Most entries a shelf holds; past it, expired entries go, and if that is not enough, the oldest.
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
    /// The answer's body; empty for a page kept as [`KeptGzip`].
    pub body: axum::body::Bytes,
    /// A page's script nonce as it stood, to be replaced by each answer's own.
    pub nonce: Option<Nonced>,
    /// A page compressed once, in parts around its nonce.
    pub gzip: Option<KeptGzip>,
}

/// A kept page compressed once, in parts cut where its nonce stood (`server::kept_gzip`), and
/// kept so instead of as it was sent: a fifth of the memory, so that every analyst's views fit.
#[derive(Clone, Debug)]
pub struct KeptGzip {
    /// The raw deflate of each part.
    pub parts: Vec<axum::body::Bytes>,
    /// How long the nonce between the parts is.
    pub nonce_len: u16,
    /// The CRC-32 of the page as it was kept, with the nonce it was rendered with.
    pub crc: u32,
    /// That nonce's CRC register from zero: what every answer's nonce is told apart by.
    pub nonce_register: u32,
    /// The polynomial (modulo the CRC's) that takes the difference of two nonces' registers to
    /// the difference of the pages' checksums: the sum of the shifts over the bytes that follow
    /// each place the nonce stands.
    pub shift: u32,
    /// The page's length modulo 2^32 (gzip's ISIZE).
    pub size: u32,
}

/// Where a kept page's nonce stands (`cache_nonce.rs`).
#[path = "cache_nonce.rs"]
mod nonce;
pub use nonce::Nonced;

impl CachedResponse {
    /// What keeping it costs, roughly.
    fn size(&self) -> usize {
        self.body.len()
            + self
                .gzip
                .as_ref()
                .map_or(0, |g| g.parts.iter().map(|p| p.len()).sum())
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

/// What an entry costs, and the bounded map of answers (`cache_shelf.rs`).
#[path = "cache_shelf.rs"]
mod shelf;
use shelf::Shelf;

/// A shared answer with the generation and time it was computed at.
type SharedEntry = (u64, Instant, Arc<dyn std::any::Any + Send + Sync>);
/// One name's answer, and the lock held while it is computed, so that it is computed once.
#[derive(Default)]
struct Slot {
    held: Mutex<Option<SharedEntry>>,
    computing: tokio::sync::Mutex<()>,
    /// Someone is computing the next answer while the current one is still served.
    refreshing: std::sync::atomic::AtomicBool,
}

impl Slot {
    fn current(&self) -> Option<SharedEntry> {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn keep(&self, entry: SharedEntry) {
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = Some(entry);
    }
}

/// Lowers a slot's refreshing flag however the refresh ends, a dropped request included.
struct Refreshing<'a>(&'a Slot);

impl Drop for Refreshing<'_> {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}

type SharedSlot = Arc<Slot>;
/// Most names held in each of the two maps of shared answers; past it, the names no one may be
/// served any more go, and if none had, every name does (they are recomputed on the next ask).
pub const SHARED_CAPACITY: usize = 2_000;

/// Shared answers by name.
type SharedNames = Mutex<HashMap<String, SharedSlot>>;

/// How long past the time to live a person's latest change is remembered: a record matters
/// while an entry read before it can still be served, well within this.
const WRITER_RECORD_MARGIN: Duration = Duration::from_secs(60);

/// What the cache holds ([`ReadCache::holdings`]): entries on each shelf, bytes of answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holdings {
    pub sessions: usize,
    pub responses: usize,
    pub response_bytes: usize,
    pub shared: usize,
    pub searches: usize,
}

/// See the module documentation. One per process, shared by every request.
pub struct ReadCache {
    ttl: Duration,
    /// Every change makes it one more.
    generation: AtomicU64,
    /// The generation of the latest change nobody may read past ([`ReadCache::invalidate`]).
    floor: AtomicU64,
    /// Every change is [`ReadCache::invalidate`] (`TIERDESK_READ_CACHE_STRICT`).
    strict: bool,
    /// The generation each person's latest change made, and when: what they are served must
    /// have been read at it or later.
    writers: Mutex<HashMap<i64, (u64, Instant)>>,
    sessions: Shelf<String, CachedAuth>,
    responses: Shelf<ResponseKey, CachedResponse>,
    /// The answers the desk itself asks for: a bounded set of names (counts, views, pages).
    shared: SharedNames,
    /// Answers named by what someone typed, which anyone can vary without end: kept apart so
    /// that a flood of different searches never pushes the desk's answers out.
    searches: SharedNames,
    /// Answers served from memory so far.
    hits: AtomicU64,
    /// Who is computing which answer ([`ReadCache::flight`]).
    flights: Mutex<HashMap<ResponseKey, Arc<tokio::sync::Mutex<()>>>>,
}

/// The right to compute one answer ([`ReadCache::flight`]), given up when dropped.
pub struct Flight {
    _guard: tokio::sync::OwnedMutexGuard<()>,
    cache: Arc<ReadCache>,
    key: ResponseKey,
}

impl Drop for Flight {
    fn drop(&mut self) {
        let mut flights = self.cache.flights.lock().unwrap_or_else(|p| p.into_inner());
        // Forgotten unless someone else waits for it (the map and this guard's mutex are two).
        if flights
            .get(&self.key)
            .is_some_and(|lock| Arc::strong_count(lock) <= 2)
        {
            flights.remove(&self.key);
        }
    }
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache")
            .field("ttl", &self.ttl)
            .field("strict", &self.strict)
            .field("generation", &self.generation())
            .finish_non_exhaustive()
    }
}

impl ReadCache {
    pub fn new(ttl: Duration) -> Self {
        ReadCache {
            ttl,
            generation: AtomicU64::new(0),
            floor: AtomicU64::new(0),
            strict: false,
            writers: Mutex::new(HashMap::new()),
            sessions: Shelf::new(),
            responses: Shelf::new(),
            shared: Mutex::new(HashMap::new()),
            searches: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            flights: Mutex::new(HashMap::new()),
        }
    }

    /// A cache in which every change is seen by everyone's very next read.
    pub fn strict(ttl: Duration) -> Self {
        ReadCache {
            strict: true,
            ..Self::new(ttl)
        }
    }

    /// The answer everyone shares under `name`: the one computed within the time to live that
    /// `asker` may be served (see the module documentation), else `compute`'s, by the first
    /// asker while later ones wait for it. An error is handed back and nothing is kept.
    pub async fn shared<T, E, Fut>(
        &self,
        asker: Option<i64>,
        name: &str,
        compute: impl FnOnce() -> Fut,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        self.shared_in(&self.shared, asker, name, compute).await
    }

    /// [`ReadCache::shared`] for answers named by what someone typed (a search), held apart
    /// from the desk's own answers and bounded on their own.
    pub async fn shared_search<T, E, Fut>(
        &self,
        asker: Option<i64>,
        name: &str,
        compute: impl FnOnce() -> Fut,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        self.shared_in(&self.searches, asker, name, compute).await
    }

    async fn shared_in<T, E, Fut>(
        &self,
        names: &SharedNames,
        asker: Option<i64>,
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
            let mut names = names.lock().unwrap_or_else(|p| p.into_inner());
            if names.len() >= SHARED_CAPACITY && !names.contains_key(name) {
                self.forget_stale(&mut names);
            }
            names.entry(name.to_string()).or_default().clone()
        };
        let floor = self.floor_for(asker);
        let usable = |e: &SharedEntry| e.0 >= floor && e.1.elapsed() < self.ttl;
        if let Some(entry) = slot.current().filter(|e| usable(e)) {
            // Past half its life an answer is computed again by the first to ask, while
            // everyone else is still served the one held: nobody else waits for a recomputation
            // that was due, and nothing older than the time to live is served. (Not in the
            // background: a kept page rendered again in the background would then be built from
            // the old answer and kept as new.)
            let young = entry.1.elapsed() < self.ttl / 2;
            if young || slot.refreshing.swap(true, Ordering::AcqRel) {
                if let Ok(v) = entry.2.downcast::<T>() {
                    return Ok(v);
                }
            } else {
                let _refreshing = Refreshing(&slot);
                let _computing = slot.computing.lock().await;
                return self.compute_into(&slot, compute).await;
            }
        }
        let _computing = slot.computing.lock().await;
        // Whoever held the lock before may have computed what is needed.
        if let Some(entry) = slot.current().filter(|e| usable(e)) {
            if let Ok(v) = entry.2.downcast::<T>() {
                return Ok(v);
            }
        }
        self.compute_into(&slot, compute).await
    }

    /// Computes a shared answer and keeps it, with the generation read before it was computed.
    async fn compute_into<T, E, Fut>(
        &self,
        slot: &Slot,
        compute: impl FnOnce() -> Fut,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let generation = self.generation();
        let value = Arc::new(compute().await?);
        slot.keep((generation, Instant::now(), value.clone()));
        Ok(value)
    }

    /// Makes room in a full map of shared answers: drops every name no one is computing or
    /// waiting for whose answer expired or was never kept, and everything if that freed nothing.
    fn forget_stale(&self, names: &mut HashMap<String, SharedSlot>) {
        self.forget_expired(names);
        if names.len() >= SHARED_CAPACITY {
            names.clear();
        }
    }

    /// Drops every name no one is computing or waiting for whose answer expired or was never
    /// kept.
    fn forget_expired(&self, names: &mut HashMap<String, SharedSlot>) {
        names.retain(|_, slot| {
            Arc::strong_count(slot) > 1
                || slot
                    .current()
                    .is_some_and(|(_, at, _)| at.elapsed() < self.ttl)
        });
    }

    /// Lets go of every answer no one may be served any more (expired, or read before a change
    /// everyone must see), and of the records that only such answers needed. Without it they
    /// stayed until the bounds were reached: a server held its full 16 MiB of answers, and
    /// the shared ones besides, long after anyone asked. The server runs it every time to live.
    pub fn sweep(&self) {
        let floor = self.floor.load(Ordering::Acquire);
        self.sessions.sweep(floor, self.ttl);
        self.responses.sweep(floor, self.ttl);
        for names in [&self.shared, &self.searches] {
            self.forget_expired(&mut names.lock().unwrap_or_else(|p| p.into_inner()));
        }
        forget_idle_flights(&mut self.flights.lock().unwrap_or_else(|p| p.into_inner()));
        self.forget_old_writers(&mut self.writers.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Drops the records of changes no entry still served was read before.
    fn forget_old_writers(&self, writers: &mut HashMap<i64, (u64, Instant)>) {
        let keep = self.ttl + WRITER_RECORD_MARGIN;
        writers.retain(|_, (_, at)| at.elapsed() < keep);
    }

    /// How often [`ReadCache::sweep`] is worth running: once per time to live, at most once
    /// a second; `None` when the cache is off.
    pub fn sweep_every(&self) -> Option<Duration> {
        self.enabled().then(|| self.ttl.max(Duration::from_secs(1)))
    }

    /// What is held, for `/metrics` and tests (expired entries count until they are swept).
    pub fn holdings(&self) -> Holdings {
        let count = |names: &SharedNames| names.lock().unwrap_or_else(|p| p.into_inner()).len();
        Holdings {
            sessions: self.sessions.len(),
            responses: self.responses.len(),
            response_bytes: self.responses.bytes(),
            shared: count(&self.shared),
            searches: count(&self.searches),
        }
    }

    /// The time to live from `TIERDESK_READ_CACHE_MS`, else [`DEFAULT_TTL`]; strict if
    /// `TIERDESK_READ_CACHE_STRICT` is `1` or `true`.
    pub fn from_env() -> Self {
        let ttl = std::env::var("TIERDESK_READ_CACHE_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(DEFAULT_TTL, Duration::from_millis);
        let strict = std::env::var("TIERDESK_READ_CACHE_STRICT")
            .is_ok_and(|v| matches!(v.trim(), "1" | "true"));
        if strict {
            Self::strict(ttl)
        } else {
            Self::new(ttl)
        }
    }

    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// The current generation; read it *before* reading what will be remembered.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The oldest generation `asker` may be served an answer read at.
    fn floor_for(&self, asker: Option<i64>) -> u64 {
        let floor = self.floor.load(Ordering::Acquire);
        let Some(id) = asker else { return floor };
        let writers = self.writers.lock().unwrap_or_else(|p| p.into_inner());
        writers.get(&id).map_or(floor, |(g, _)| floor.max(*g))
    }

    /// Something changed that everyone must see at once: nothing remembered so far may be used
    /// again.
    pub fn invalidate(&self) {
        let g = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        self.floor.fetch_max(g, Ordering::AcqRel);
        self.sessions.clear();
        self.responses.clear();
    }

    /// `user_id` changed a request (see the module documentation): from now on they are served
    /// only what was read after it; everyone else within the time to live. Also what signing in
    /// does, so that a person who just signed in reads nothing older.
    pub fn changed_by(&self, user_id: i64) {
        if self.strict {
            return self.invalidate();
        }
        let g = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        let mut writers = self.writers.lock().unwrap_or_else(|p| p.into_inner());
        if writers.len() >= CAPACITY && !writers.contains_key(&user_id) {
            self.forget_old_writers(&mut writers);
            if writers.len() >= CAPACITY {
                writers.clear();
                drop(writers);
                return self.invalidate();
            }
        }
        writers.insert(user_id, (g, Instant::now()));
    }

    /// The desk's own automation changed requests outside anyone's HTTP request (rules acting
    /// on events, the scheduled jobs): like other people's work on requests, everyone sees it
    /// within the time to live, or at once if the cache is strict. Emptying everything here
    /// instead made every automated change (several a second when many clocks run out at once)
    /// a moment when every analyst's page was rendered again at the same time.
    pub fn changed_by_automation(&self) {
        if self.strict {
            self.invalidate();
        }
    }

    /// The person a session or token (by the hash of its secret) belongs to, if remembered.
    /// Kept only until the next change that everyone must see at once.
    pub fn session(&self, secret_hash: &str) -> Option<CachedAuth> {
        if !self.enabled() {
            return None;
        }
        self.sessions
            .get(secret_hash, self.floor.load(Ordering::Acquire), self.ttl)
            .map(|(auth, _)| auth)
    }

    /// Remembers a resolved session, read at `generation`.
    pub fn remember_session(&self, secret_hash: &str, auth: &CachedAuth, generation: u64) {
        if self.enabled() {
            let floor = self.floor.load(Ordering::Acquire);
            self.sessions.put(
                secret_hash.to_string(),
                auth.clone(),
                generation,
                floor,
                self.ttl,
            );
        }
    }

    /// The answer remembered for this person, address and kind of client, if they may be
    /// served it, and whether it is due to be computed again: past half its time to live, so
    /// that someone still asking has a fresh one before it expires. (Past seven eighths, a
    /// refresh under load often finished after the answer had expired, and the next askers
    /// waited for a render of their own: most of the queue page's slowest answers.)
    pub fn response(&self, key: &ResponseKey) -> Option<(CachedResponse, bool)> {
        if !self.enabled() {
            return None;
        }
        let (hit, age) = self
            .responses
            .get(key, self.floor_for(Some(key.user_id)), self.ttl)?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some((hit, age >= self.ttl / 2))
    }

    /// The right to compute the answer under `key`, held by one at a time: whoever asks while
    /// another computes it waits for them, then finds their answer kept. Without it every
    /// person's page that expired under a busy desk was rendered by each of their requests at
    /// once.
    pub async fn flight(self: &Arc<Self>, key: &ResponseKey) -> Flight {
        let lock = self.flight_lock(key);
        Flight {
            _guard: lock.lock_owned().await,
            cache: self.clone(),
            key: key.clone(),
        }
    }

    /// [`ReadCache::flight`] if nobody holds it now (a refresh in the background need not
    /// wait: someone is computing the answer already).
    pub fn try_flight(self: &Arc<Self>, key: &ResponseKey) -> Option<Flight> {
        let lock = self.flight_lock(key);
        Some(Flight {
            _guard: lock.try_lock_owned().ok()?,
            cache: self.clone(),
            key: key.clone(),
        })
    }

    fn flight_lock(&self, key: &ResponseKey) -> Arc<tokio::sync::Mutex<()>> {
        let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        if flights.len() >= CAPACITY && !flights.contains_key(key) {
            forget_idle_flights(&mut flights);
        }
        flights.entry(key.clone()).or_default().clone()
    }

    /// How many answers were served from memory so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Remembers an answer computed at `generation`.
    pub fn remember_response(&self, key: ResponseKey, response: CachedResponse, generation: u64) {
        if self.enabled() {
            let floor = self.floor.load(Ordering::Acquire);
            self.responses
                .put(key, response, generation, floor, self.ttl);
        }
    }
}

/// Drops the flight locks nobody holds: only flights under way (held by someone besides the
/// map) matter.
fn forget_idle_flights(flights: &mut HashMap<ResponseKey, Arc<tokio::sync::Mutex<()>>>) {
    flights.retain(|_, lock| Arc::strong_count(lock) > 1);
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
