//! A bounded cache of what a layer computes per simplification level (simplified arcs, written
//! geometry). Any request may name its own tolerance and precision, so an unbounded map of
//! levels would let clients fill memory one argument at a time; the least recently used go
//! first, within a count and a byte budget.

use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;

/// Values of one kind per level, at most `entries` of them and `max_bytes` as `weigh` counts
/// (the newest always kept, whatever its size).
pub struct LevelCache<K: Hash + Eq, V> {
    inner: Mutex<Held<K, V>>,
    max_bytes: usize,
    weigh: fn(&V) -> usize,
}

struct Held<K: Hash + Eq, V> {
    entries: LruCache<K, Arc<V>>,
    bytes: usize,
}

impl<K: Hash + Eq + Copy, V> LevelCache<K, V> {
    /// An empty cache.
    pub fn new(entries: usize, max_bytes: usize, weigh: fn(&V) -> usize) -> Self {
        Self {
            inner: Mutex::new(Held {
                entries: LruCache::new(NonZeroUsize::new(entries).unwrap_or(NonZeroUsize::MIN)),
                bytes: 0,
            }),
            max_bytes,
            weigh,
        }
    }

    /// The value under `key`, computed by `build` when it is not held. The lock is not held
    /// while building: two requests for one new level may both build it, and one copy is kept.
    pub fn get_or_insert_with(&self, key: K, build: impl FnOnce() -> V) -> Arc<V> {
        if let Some(hit) = self
            .lock()
            .and_then(|mut held| held.entries.get(&key).cloned())
        {
            return hit;
        }
        let fresh = Arc::new(build());
        if let Some(mut held) = self.lock() {
            if let Some(raced) = held.entries.get(&key) {
                return Arc::clone(raced);
            }
            held.bytes += (self.weigh)(&fresh);
            if let Some((_, pushed)) = held.entries.push(key, Arc::clone(&fresh)) {
                held.bytes = held.bytes.saturating_sub((self.weigh)(&pushed));
            }
            while held.bytes > self.max_bytes && held.entries.len() > 1 {
                match held.entries.pop_lru() {
                    Some((_, old)) => held.bytes = held.bytes.saturating_sub((self.weigh)(&old)),
                    None => break,
                }
            }
        }
        fresh
    }

    /// Values held now.
    pub fn len(&self) -> usize {
        self.lock().map_or(0, |held| held.entries.len())
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held now, as `weigh` counts them.
    pub fn bytes(&self) -> usize {
        self.lock().map_or(0, |held| held.bytes)
    }

    // A poisoned lock only means a panic elsewhere: compute without the cache rather than fail.
    fn lock(&self) -> Option<std::sync::MutexGuard<'_, Held<K, V>>> {
        self.inner.lock().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_is_built_once_while_held() {
        let cache = LevelCache::new(4, 1 << 20, Vec::len);
        let mut builds = 0;
        for _ in 0..3 {
            cache.get_or_insert_with(1u64, || {
                builds += 1;
                vec![0; 10]
            });
        }
        assert_eq!(builds, 1);
        assert_eq!(cache.bytes(), 10);
    }

    #[test]
    fn many_levels_stay_within_the_count_and_the_bytes() {
        let cache = LevelCache::new(3, 100, Vec::len);
        for key in 0..50u64 {
            cache.get_or_insert_with(key, || vec![0; 40]);
            assert!(cache.len() <= 3);
            assert!(cache.bytes() <= 100, "{} bytes held", cache.bytes());
        }
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn the_newest_is_kept_even_over_budget() {
        let cache = LevelCache::new(3, 100, Vec::len);
        cache.get_or_insert_with(1u64, || vec![0; 40]);
        let big = cache.get_or_insert_with(2u64, || vec![0; 500]);
        assert_eq!(big.len(), 500);
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.bytes(), 500);
    }
}
