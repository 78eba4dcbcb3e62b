//! A bounded cache of what a layer computes per simplification level (simplified arcs, written
//! geometry), and the gate every level build passes. Explicit tolerances are taken to a ladder
//! of rungs ([`super::ladder`]), so the levels a server can build are few and known; the least
//! recently used go first, within a count and a byte budget. Each level is built once, however
//! many requests ask for it at the same time, and at most [`BuildGate`]'s number of builds run
//! at once, so one client's loop over levels cannot take every core from the other requests.

use std::cell::Cell;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use lru::LruCache;

pub use crate::error::LevelBusy;

/// How long a build may wait for a slot at the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// Up to the gate's wait, then refused with [`LevelBusy`]: what a request does.
    Refuse,
    /// Until a slot is free: what work does that must finish (start-up, a render that found a
    /// level it had prepared pushed out meanwhile, an export).
    Wait,
}

thread_local! {
    // Whether this thread holds a build slot: a level built inside another level's build (the
    // drawn geometry builds its simplification) runs in the slot it is part of, rather than
    // waiting for a second one, which with one slot would never come.
    static HOLDS_SLOT: Cell<bool> = const { Cell::new(false) };
}

/// At most `slots` level builds at once across the process. A counter under a mutex and a
/// condition variable rather than tokio's semaphore: builds run on blocking threads (and in
/// the command line's exports), where waiting on a future would need a runtime handle.
pub struct BuildGate {
    slots: usize,
    wait: Duration,
    busy: Mutex<usize>,
    freed: Condvar,
}

/// A build slot, given back when dropped.
pub struct Slot<'a> {
    gate: Option<&'a BuildGate>,
}

impl BuildGate {
    /// A gate of `slots` builds at once (at least one), where a request waits at most `wait`.
    pub fn new(slots: usize, wait: Duration) -> Self {
        Self {
            slots: slots.max(1),
            wait,
            busy: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// A gate with one slot per core, as the server's default is.
    pub fn per_core(wait: Duration) -> Self {
        Self::new(
            std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
            wait,
        )
    }

    /// Builds that may run at once.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Builds running now.
    pub fn running(&self) -> usize {
        self.busy.lock().map_or(0, |busy| *busy)
    }

    /// A slot, once one is free (this thread's own if it holds one already), or
    /// [`LevelBusy`] when `patience` ran out first.
    pub fn enter(&self, patience: Patience) -> Result<Slot<'_>, LevelBusy> {
        if HOLDS_SLOT.with(Cell::get) {
            return Ok(Slot { gate: None });
        }
        let refused = LevelBusy {
            retry_after: self.wait,
        };
        let deadline = Instant::now() + self.wait;
        // A poisoned counter only means a panic in another build: build without the gate
        // rather than refuse every level from then on.
        let Ok(mut busy) = self.busy.lock() else {
            return Ok(Slot { gate: None });
        };
        while *busy >= self.slots {
            busy = match patience {
                Patience::Wait => match self.freed.wait(busy) {
                    Ok(b) => b,
                    Err(_) => return Ok(Slot { gate: None }),
                },
                Patience::Refuse => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        metrics::counter!("dx_atlas_level_builds_refused_total").increment(1);
                        return Err(refused);
                    }
                    match self.freed.wait_timeout(busy, left) {
                        Ok((b, _)) => b,
                        Err(_) => return Ok(Slot { gate: None }),
                    }
                }
            };
        }
        *busy += 1;
        metrics::gauge!("dx_atlas_level_builds_running").set(*busy as f64);
        HOLDS_SLOT.with(|h| h.set(true));
        Ok(Slot { gate: Some(self) })
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let Some(gate) = self.gate else { return };
        HOLDS_SLOT.with(|h| h.set(false));
        if let Ok(mut busy) = gate.busy.lock() {
            *busy = busy.saturating_sub(1);
            metrics::gauge!("dx_atlas_level_builds_running").set(*busy as f64);
        }
        gate.freed.notify_one();
    }
}

/// Values of one kind per level, at most `entries` of them and `max_bytes` as `weigh` counts
/// (the newest always kept, whatever its size), built through a [`BuildGate`].
pub struct LevelCache<K: Hash + Eq, V> {
    inner: Mutex<Held<K, V>>,
    max_bytes: usize,
    weigh: fn(&V) -> usize,
    gate: Arc<BuildGate>,
    bytes_gauge: metrics::Gauge,
}

/// A level's value, or the place where the one request building it will put it.
type Entry<V> = Arc<Pending<V>>;

/// A level being built or built.
struct Pending<V> {
    value: OnceLock<Arc<V>>,
    /// Set by the build as it starts: later requests wait for it without taking a slot.
    building: AtomicBool,
}

struct Held<K: Hash + Eq, V> {
    entries: LruCache<K, Entry<V>>,
    bytes: usize,
}

impl<K: Hash + Eq + Copy, V> LevelCache<K, V> {
    /// An empty cache whose builds pass `gate`, its bytes reported in `/metrics` as
    /// `dx_atlas_level_cache_bytes{cache, layer}`.
    pub fn new(
        entries: usize,
        max_bytes: usize,
        weigh: fn(&V) -> usize,
        gate: Arc<BuildGate>,
        labels: (&'static str, &'static str),
    ) -> Self {
        let (cache, layer) = labels;
        Self {
            inner: Mutex::new(Held {
                entries: LruCache::new(NonZeroUsize::new(entries).unwrap_or(NonZeroUsize::MIN)),
                bytes: 0,
            }),
            max_bytes,
            weigh,
            gate,
            bytes_gauge: metrics::gauge!("dx_atlas_level_cache_bytes", "cache" => cache, "layer" => layer),
        }
    }

    /// The value under `key`, computed by `build` when it is not held. A level is built once:
    /// requests asking for it meanwhile (the tiles of a new zoom come a dozen at a time) wait
    /// for that build rather than each doing it again. The cache's lock is not held while
    /// building, so other levels are served meanwhile.
    ///
    /// A build takes a slot at the gate before it starts, and when none frees within
    /// `patience` it does not run: [`LevelBusy`], and nothing is remembered of it. The slot is
    /// taken before the level's cell is entered, never inside it, so that no thread waits for
    /// a slot while others wait for its cell: a build holding a slot waits only for builds
    /// that hold one too (a drawn level for its simplification), and those finish.
    pub fn get_or_insert_with(
        &self,
        key: K,
        patience: Patience,
        build: impl FnOnce() -> V,
    ) -> Result<Arc<V>, LevelBusy> {
        let Some(entry) = self.entry(key) else {
            let _slot = self.gate.enter(patience)?;
            return Ok(Arc::new(build()));
        };
        if let Some(value) = entry.value.get() {
            return Ok(Arc::clone(value));
        }
        // A level another request is building is waited for without a slot: that build has one.
        let _slot = if entry.building.load(Ordering::Acquire) {
            None
        } else {
            match self.gate.enter(patience) {
                Ok(slot) => Some(slot),
                Err(busy) => {
                    self.forget(key, &entry);
                    return Err(busy);
                }
            }
        };
        let mut built = false;
        let value = Arc::clone(entry.value.get_or_init(|| {
            entry.building.store(true, Ordering::Release);
            built = true;
            Arc::new(build())
        }));
        if built {
            self.account(key, &entry, &value);
        }
        Ok(value)
    }

    /// [`Self::get_or_insert_with`] for work that waits for a slot however long it takes (and
    /// so is never refused; were it, the level would be built here, outside the cache).
    pub fn get_or_wait(&self, key: K, build: impl Fn() -> V) -> Arc<V> {
        self.get_or_insert_with(key, Patience::Wait, &build)
            .unwrap_or_else(|_| Arc::new(build()))
    }

    /// The entry of `key`, made (and the least recently used pushed out) if there is none.
    fn entry(&self, key: K) -> Option<Entry<V>> {
        let mut held = self.lock()?;
        if let Some(entry) = held.entries.get(&key) {
            return Some(Arc::clone(entry));
        }
        let entry: Entry<V> = Arc::new(Pending {
            value: OnceLock::new(),
            building: AtomicBool::new(false),
        });
        if let Some((_, pushed)) = held.entries.push(key, Arc::clone(&entry)) {
            let weight = self.weight(&pushed);
            held.bytes = held.bytes.saturating_sub(weight);
        }
        Some(entry)
    }

    /// Drops the entry of a refused build, unless a build of it started meanwhile, so that
    /// refusals never push built levels out.
    fn forget(&self, key: K, entry: &Entry<V>) {
        let Some(mut held) = self.lock() else { return };
        let unstarted = held.entries.peek(&key).is_some_and(|e| {
            Arc::ptr_eq(e, entry) && !e.building.load(Ordering::Acquire) && e.value.get().is_none()
        });
        if unstarted {
            held.entries.pop(&key);
        }
    }

    fn weight(&self, entry: &Entry<V>) -> usize {
        entry.value.get().map_or(0, |v| (self.weigh)(v))
    }

    /// Counts a value just built, if its entry is still held, and pushes out the least
    /// recently used until the bytes fit (the newest always kept).
    fn account(&self, key: K, entry: &Entry<V>, value: &Arc<V>) {
        let Some(mut held) = self.lock() else { return };
        if !held
            .entries
            .peek(&key)
            .is_some_and(|e| Arc::ptr_eq(e, entry))
        {
            return;
        }
        held.bytes += (self.weigh)(value);
        while held.bytes > self.max_bytes && held.entries.len() > 1 {
            match held.entries.pop_lru() {
                Some((_, old)) => {
                    let weight = self.weight(&old);
                    held.bytes = held.bytes.saturating_sub(weight);
                }
                None => break,
            }
        }
        self.bytes_gauge.set(held.bytes as f64);
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
    use std::sync::atomic::AtomicUsize;

    fn cache<V>(entries: usize, max_bytes: usize, weigh: fn(&V) -> usize) -> LevelCache<u64, V> {
        let gate = Arc::new(BuildGate::new(2, Duration::from_millis(50)));
        LevelCache::new(entries, max_bytes, weigh, gate, ("test", "test"))
    }

    #[test]
    fn a_level_is_built_once_while_held() {
        let cache = cache(4, 1 << 20, Vec::len);
        let mut builds = 0;
        for _ in 0..3 {
            cache
                .get_or_insert_with(1, Patience::Refuse, || {
                    builds += 1;
                    vec![0; 10]
                })
                .unwrap();
        }
        assert_eq!(builds, 1);
        assert_eq!(cache.bytes(), 10);
    }

    #[test]
    fn many_levels_stay_within_the_count_and_the_bytes() {
        let cache = cache(3, 100, Vec::len);
        for key in 0..50u64 {
            cache
                .get_or_insert_with(key, Patience::Refuse, || vec![0; 40])
                .unwrap();
            assert!(cache.len() <= 3);
            assert!(cache.bytes() <= 100, "{} bytes held", cache.bytes());
        }
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn requests_for_a_level_being_built_wait_for_that_build() {
        let cache = Arc::new(cache(4, 1 << 20, Vec::len));
        let builds = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (cache, builds) = (Arc::clone(&cache), Arc::clone(&builds));
                std::thread::spawn(move || {
                    cache.get_or_insert_with(7u64, Patience::Refuse, || {
                        builds.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        vec![0u8; 10]
                    })
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().unwrap().len(), 10);
        }
        assert_eq!(builds.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn the_newest_is_kept_even_over_budget() {
        let cache = cache(3, 100, Vec::len);
        cache
            .get_or_insert_with(1, Patience::Refuse, || vec![0; 40])
            .unwrap();
        let big = cache
            .get_or_insert_with(2, Patience::Refuse, || vec![0; 500])
            .unwrap();
        assert_eq!(big.len(), 500);
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.bytes(), 500);
    }

    #[test]
    fn builds_past_the_gate_wait_or_are_refused_never_run() {
        let gate = Arc::new(BuildGate::new(1, Duration::from_millis(100)));
        let cache = Arc::new(LevelCache::new(
            8,
            1 << 20,
            Vec::len,
            Arc::clone(&gate),
            ("test", "test"),
        ));
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let threads: Vec<_> = (0..4u64)
            .map(|key| {
                let (cache, running, most) =
                    (Arc::clone(&cache), Arc::clone(&running), Arc::clone(&most));
                std::thread::spawn(move || {
                    cache.get_or_insert_with(key, Patience::Refuse, || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(300));
                        running.fetch_sub(1, Ordering::SeqCst);
                        vec![0u8; 10]
                    })
                })
            })
            .collect();
        let answers: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        // One slot, builds of 300 ms and a wait of 100 ms: one is built, three refused.
        assert_eq!(most.load(Ordering::SeqCst), 1);
        assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1);
        for refused in answers.iter().filter_map(|a| a.as_ref().err()) {
            assert_eq!(refused.retry_after, Duration::from_millis(100));
        }
        // A refused level is not remembered as refused: asked again, it is built.
        assert_eq!(cache.len(), 1);
        let later = (0..4u64)
            .filter(|k| {
                cache
                    .get_or_insert_with(*k, Patience::Refuse, || vec![1u8; 10])
                    .is_ok()
            })
            .count();
        assert_eq!(later, 4);
        assert_eq!(gate.running(), 0);
    }

    #[test]
    fn a_level_built_inside_another_uses_its_slot() {
        let gate = Arc::new(BuildGate::new(1, Duration::from_millis(10)));
        let outer: LevelCache<u64, Vec<u8>> =
            LevelCache::new(4, 1 << 20, Vec::len, Arc::clone(&gate), ("a", "test"));
        let inner: LevelCache<u64, Vec<u8>> =
            LevelCache::new(4, 1 << 20, Vec::len, Arc::clone(&gate), ("b", "test"));
        let built = outer.get_or_insert_with(1, Patience::Refuse, || {
            inner
                .get_or_insert_with(1, Patience::Refuse, || vec![2; 3])
                .map_or_else(|_| Vec::new(), |v| v.to_vec())
        });
        assert_eq!(built.unwrap().as_slice(), &[2, 2, 2]);
        assert_eq!(gate.running(), 0);
    }

    #[test]
    fn a_build_and_a_request_for_its_part_never_wait_for_each_other() {
        // One slot. A draws a level, whose build needs a part (its simplification) that B asks
        // for meanwhile: B must wait for the slot outside the part's cell, or A would wait for
        // B's cell while B waited for A's slot.
        let gate = Arc::new(BuildGate::new(1, Duration::from_millis(10)));
        let part: Arc<LevelCache<u64, Vec<u8>>> = Arc::new(LevelCache::new(
            4,
            1 << 20,
            Vec::len,
            Arc::clone(&gate),
            ("part", "test"),
        ));
        let whole: Arc<LevelCache<u64, Vec<u8>>> = Arc::new(LevelCache::new(
            4,
            1 << 20,
            Vec::len,
            Arc::clone(&gate),
            ("whole", "test"),
        ));
        let (done, finished) = std::sync::mpsc::channel();
        let a = {
            let (part, whole, done) = (Arc::clone(&part), Arc::clone(&whole), done.clone());
            std::thread::spawn(move || {
                let drawn = whole.get_or_wait(1, || {
                    std::thread::sleep(Duration::from_millis(100));
                    part.get_or_wait(1, || vec![7; 4]).to_vec()
                });
                done.send(drawn.len()).unwrap();
            })
        };
        std::thread::sleep(Duration::from_millis(30));
        let b = {
            let part = Arc::clone(&part);
            std::thread::spawn(move || {
                let simplified = part.get_or_wait(1, || vec![7; 4]);
                done.send(simplified.len()).unwrap();
            })
        };
        for _ in 0..2 {
            let len = finished
                .recv_timeout(Duration::from_secs(10))
                .expect("the two builds waited for each other");
            assert_eq!(len, 4);
        }
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(gate.running(), 0);
    }
}
