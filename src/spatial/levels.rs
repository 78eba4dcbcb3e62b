//! A bounded cache of what a layer computes per simplification level (simplified arcs, written
//! geometry). Any request may name its own tolerance and precision, so an unbounded map of
//! levels would let clients fill memory one argument at a time; the least recently used go
//! first, within a count and a byte budget. Each level is built once, however many requests
//! ask for it at the same time.

use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock};

use lru::LruCache;

/// Values of one kind per level, at most `entries` of them and `max_bytes` as `weigh` counts
/// (the newest always kept, whatever its size).
pub struct LevelCache<K: Hash + Eq, V> {
    inner: Mutex<Held<K, V>>,
    max_bytes: usize,
    weigh: fn(&V) -> usize,
}

/// A level's value, or the place where the one request building it will put it.
type Slot<V> = Arc<OnceLock<Arc<V>>>;

struct Held<K: Hash + Eq, V> {
    entries: LruCache<K, Slot<V>>,
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

    /// The value under `key`, computed by `build` when it is not held. A level is built once:
    /// requests asking for it meanwhile (the tiles of a new zoom come a dozen at a time) wait
    /// for that build rather than each doing it again. The cache's lock is not held while
    /// building, so other levels are served meanwhile.
    pub fn get_or_insert_with(&self, key: K, build: impl FnOnce() -> V) -> Arc<V> {
        let Some(slot) = self.slot(key) else {
            return Arc::new(build());
        };
        let mut built = false;
        let value = Arc::clone(slot.get_or_init(|| {
            built = true;
            Arc::new(build())
        }));
        if built {
            self.account(key, &slot, &value);
        }
        value
    }

    /// The slot of `key`, made (and the least recently used pushed out) if there is none.
    fn slot(&self, key: K) -> Option<Slot<V>> {
        let mut held = self.lock()?;
        if let Some(slot) = held.entries.get(&key) {
            return Some(Arc::clone(slot));
        }
        let slot: Slot<V> = Arc::new(OnceLock::new());
        if let Some((_, pushed)) = held.entries.push(key, Arc::clone(&slot)) {
            let weight = pushed.get().map_or(0, |v| (self.weigh)(v));
            held.bytes = held.bytes.saturating_sub(weight);
        }
        Some(slot)
    }

    /// Counts a value just built, if its slot is still held, and pushes out the least
    /// recently used until the bytes fit (the newest always kept).
    fn account(&self, key: K, slot: &Slot<V>, value: &Arc<V>) {
        let Some(mut held) = self.lock() else { return };
        if !held
            .entries
            .peek(&key)
            .is_some_and(|s| Arc::ptr_eq(s, slot))
        {
            return;
        }
        held.bytes += (self.weigh)(value);
        while held.bytes > self.max_bytes && held.entries.len() > 1 {
            match held.entries.pop_lru() {
                Some((_, old)) => {
                    let weight = old.get().map_or(0, |v| (self.weigh)(v));
                    held.bytes = held.bytes.saturating_sub(weight);
                }
                None => break,
            }
        }
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
    fn requests_for_a_level_being_built_wait_for_that_build() {
        let cache = Arc::new(LevelCache::new(4, 1 << 20, Vec::len));
        let builds = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (cache, builds) = (Arc::clone(&cache), Arc::clone(&builds));
                std::thread::spawn(move || {
                    cache.get_or_insert_with(7u64, || {
                        builds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        vec![0u8; 10]
                    })
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().len(), 10);
        }
        assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 1);
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
