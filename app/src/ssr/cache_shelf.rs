//! The read cache's bounded maps: entries with the generation and moment they were read at,
//! bounded in number and in bytes, the oldest going first past the bounds.

use super::{CachedAuth, CachedResponse, BYTES_MAX, CAPACITY};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What an entry costs against the byte bound.
pub(super) trait Weigh {
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

impl<K, V: Weigh> Held<K, V> {
    fn forget_unservable(&mut self, floor: u64, ttl: Duration) {
        self.map
            .retain(|_, e| e.generation >= floor && e.stored.elapsed() < ttl);
        self.bytes = self.map.values().map(|e| e.value.weight()).sum();
    }

    /// Drops the oldest entries until a quarter of both bounds is free besides `weight` more
    /// bytes. (Emptying the whole shelf instead made a full one a moment when everyone's
    /// answers were computed again at once, and a shelf filled within one time to live full
    /// again at once.)
    fn drop_oldest(&mut self, weight: usize) {
        let mut ages: Vec<(Instant, usize)> = self
            .map
            .values()
            .map(|e| (e.stored, e.value.weight()))
            .collect();
        ages.sort_unstable_by_key(|(at, _)| *at);
        let (bytes_goal, len_goal) = ((BYTES_MAX / 4 * 3).saturating_sub(weight), CAPACITY / 4 * 3);
        let (mut bytes, mut len) = (self.bytes, self.map.len());
        let mut cutoff = None;
        for (at, w) in ages {
            if bytes <= bytes_goal && len <= len_goal {
                break;
            }
            bytes -= w;
            len -= 1;
            cutoff = Some(at);
        }
        if let Some(cutoff) = cutoff {
            self.map.retain(|_, e| e.stored > cutoff);
        }
        self.bytes = self.map.values().map(|e| e.value.weight()).sum();
    }
}

pub(super) struct Shelf<K, V>(Mutex<Held<K, V>>);

impl<K: Eq + Hash, V: Clone + Weigh> Shelf<K, V> {
    pub(super) fn new() -> Self {
        Shelf(Mutex::new(Held {
            map: HashMap::new(),
            bytes: 0,
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Held<K, V>> {
        // A panic while holding the lock leaves a map that is still a valid map.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The entry under `key` and its age, if it was read at `floor` or later and is younger
    /// than `ttl`.
    pub(super) fn get<Q>(&self, key: &Q, floor: u64, ttl: Duration) -> Option<(V, Duration)>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let held = self.lock();
        let e = held.map.get(key)?;
        let age = e.stored.elapsed();
        (e.generation >= floor && age < ttl).then(|| (e.value.clone(), age))
    }

    /// Keeps `value`, read at `generation`; past the bounds, what no one may be served any more
    /// (read before `floor`, or expired) goes first.
    pub(super) fn put(&self, key: K, value: V, generation: u64, floor: u64, ttl: Duration) {
        let weight = value.weight();
        if weight > BYTES_MAX {
            return;
        }
        let mut held = self.lock();
        if held.map.len() >= CAPACITY || held.bytes + weight > BYTES_MAX {
            held.forget_unservable(floor, ttl);
            if held.map.len() >= CAPACITY || held.bytes + weight > BYTES_MAX {
                held.drop_oldest(weight);
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

    /// Lets go of what no one may be served any more: read before `floor`, or older than
    /// `ttl`.
    pub(super) fn sweep(&self, floor: u64, ttl: Duration) {
        self.lock().forget_unservable(floor, ttl);
    }

    pub(super) fn clear(&self) {
        let mut held = self.lock();
        held.map.clear();
        held.bytes = 0;
    }

    pub(super) fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub(super) fn bytes(&self) -> usize {
        self.lock().bytes
    }
}
