//! A bounded cache of finished documents (choropleth GeoJSON, TopoJSON, CSV), stored with their
//! strong entity tag and their gzip and brotli forms, so that a hit costs a lookup and a write.
//! Requests for a document being built wait for that build rather than start their own: a
//! link shared widely brings many clients at once, and each building the same megabyte
//! document would multiply the work and the memory by their number.

use std::future::Future;
use std::io::Write;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use lru::LruCache;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

/// A content coding DX Atlas sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// As is.
    Identity,
    /// gzip.
    Gzip,
    /// brotli.
    Brotli,
}

/// Compresses a body.
pub fn compress(body: &[u8], encoding: Encoding) -> std::io::Result<Vec<u8>> {
    match encoding {
        Encoding::Identity => Ok(body.to_vec()),
        Encoding::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(body)?;
            e.finish()
        }
        Encoding::Brotli => {
            let mut out = Vec::new();
            {
                // Quality 6 of 11: most of brotli's gain over gzip at a small part of the time of
                // its higher settings on multi-megabyte documents.
                let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 6, 22);
                w.write_all(body)?;
            }
            Ok(out)
        }
    }
}

/// Hex digest of a body (sha256, shortened): the base of its entity tags.
pub fn digest(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A strong entity tag, distinct per content coding as RFC 9110 requires.
pub fn etag(digest: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Identity => format!("\"{digest}\""),
        Encoding::Gzip => format!("\"{digest}-gzip\""),
        Encoding::Brotli => format!("\"{digest}-br\""),
    }
}

/// A finished document. The compressed forms are made the first time a client asks for them,
/// so that a first request pays for one encoding, not for all of them.
pub struct CachedDocument {
    identity: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    /// The entity tag of each encoding, identity, gzip and brotli, written once rather than
    /// for every response.
    tags: [Bytes; 3],
    /// Media type.
    pub content_type: &'static str,
    /// File name, for a download (sent as an attachment).
    pub filename: Option<String>,
    /// How long clients and shared caches may reuse it without asking, seconds.
    pub max_age_secs: u32,
}

impl CachedDocument {
    /// A document of these bytes, reusable for five minutes.
    pub fn new(body: Vec<u8>, content_type: &'static str) -> Self {
        let digest = digest(&body);
        Self {
            tags: [Encoding::Identity, Encoding::Gzip, Encoding::Brotli]
                .map(|encoding| Bytes::from(etag(&digest, encoding))),
            identity: Bytes::from(body),
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            content_type,
            filename: None,
            max_age_secs: 300,
        }
    }

    /// The same, sent as a download named `filename`.
    #[must_use]
    pub fn attachment(mut self, filename: String) -> Self {
        self.filename = Some(filename);
        self
    }

    /// The same, reusable for `secs` seconds.
    #[must_use]
    pub fn max_age(mut self, secs: u32) -> Self {
        self.max_age_secs = secs;
        self
    }

    /// The strong entity tag of the document in `encoding`.
    pub fn tag(&self, encoding: Encoding) -> Bytes {
        let [identity, gzip, brotli] = &self.tags;
        match encoding {
            Encoding::Identity => identity.clone(),
            Encoding::Gzip => gzip.clone(),
            Encoding::Brotli => brotli.clone(),
        }
    }

    fn slot(&self, encoding: Encoding) -> Option<&OnceLock<Bytes>> {
        match encoding {
            Encoding::Identity => None,
            Encoding::Gzip => Some(&self.gzip),
            Encoding::Brotli => Some(&self.brotli),
        }
    }

    /// Bytes held, all encodings made so far counted.
    pub fn bytes(&self) -> usize {
        self.identity.len()
            + self.gzip.get().map_or(0, Bytes::len)
            + self.brotli.get().map_or(0, Bytes::len)
    }

    /// The body in `encoding` if it is ready (the identity always is).
    pub fn ready(&self, encoding: Encoding) -> Option<Bytes> {
        match self.slot(encoding) {
            None => Some(self.identity.clone()),
            Some(slot) => slot.get().cloned(),
        }
    }

    /// The body in `encoding`, compressing it now if no request has yet. Two requests racing
    /// here both compress and one result is kept: harmless, and simpler than a lock held
    /// across a compression.
    pub fn encoded(&self, encoding: Encoding) -> std::io::Result<Bytes> {
        if let Some(ready) = self.ready(encoding) {
            return Ok(ready);
        }
        let fresh = Bytes::from(compress(&self.identity, encoding)?);
        Ok(match self.slot(encoding) {
            Some(slot) => slot.get_or_init(|| fresh).clone(),
            None => fresh,
        })
    }
}

type Slot = Arc<OnceCell<Arc<CachedDocument>>>;

/// Bytes of the built documents in `segment` (documents being built count nothing yet).
fn held(segment: &LruCache<String, Slot>) -> usize {
    segment
        .iter()
        .filter_map(|(_, slot)| slot.get())
        .map(|d| d.bytes())
        .sum()
}

/// Drops least recently used documents of `segment` until the rest take at most `budget`
/// bytes, always keeping its newest; returns the bytes left.
fn evict(segment: &mut LruCache<String, Slot>, budget: usize) -> usize {
    let mut total = held(segment);
    while total > budget && segment.len() > 1 {
        match segment.pop_lru() {
            Some((_, slot)) => total -= slot.get().map_or(0, |d| d.bytes()),
            None => break,
        }
    }
    total
}

/// The two segments of the cache. A document enters on probation and is promoted when asked
/// for again: a user exploring the map asks for a new document at every click, and those
/// one-off documents only ever displace each other, never the popular ones (a segmented LRU).
struct Segments {
    probation: LruCache<String, Slot>,
    protected: LruCache<String, Slot>,
}

/// Least-recently-used documents, at most a number of them and a number of bytes, with
/// admission by a second request (see [`Segments`]). Distinct arguments make distinct
/// documents, so a count alone would let a client fill memory with 64 full-precision maps.
pub struct DocumentCache {
    inner: Mutex<Segments>,
    max_bytes: usize,
    counts: Counts,
    /// Set while a fresh document's other encodings are being made in the background.
    precompressing: Arc<AtomicBool>,
}

/// The cache's counters, asked of the metrics recorder once rather than on every request.
struct Counts {
    hits: metrics::Counter,
    misses: metrics::Counter,
    coalesced: metrics::Counter,
    bytes: metrics::Gauge,
}

impl Counts {
    /// The metrics of the cache `name` (its `cache` label).
    fn registered(name: &'static str) -> Self {
        Self {
            hits: metrics::counter!("dx_atlas_cache_hits_total", "cache" => name),
            misses: metrics::counter!("dx_atlas_cache_misses_total", "cache" => name),
            coalesced: metrics::counter!("dx_atlas_cache_coalesced_total", "cache" => name),
            bytes: metrics::gauge!("dx_atlas_cache_bytes", "cache" => name),
        }
    }
}

/// The share of the byte budget that documents asked for once may take.
const PROBATION_SHARE: usize = 4;

impl DocumentCache {
    /// A cache of at most `entries` documents (at least two) taking at most `max_bytes`
    /// (but always keeping the newest document).
    pub fn new(entries: usize, max_bytes: usize) -> Self {
        let probation = (entries / PROBATION_SHARE).max(1);
        let protected = entries.saturating_sub(probation).max(1);
        let capacity = |n: usize| NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN);
        Self {
            inner: Mutex::new(Segments {
                probation: LruCache::new(capacity(probation)),
                protected: LruCache::new(capacity(protected)),
            }),
            max_bytes,
            counts: Counts::registered("documents"),
            precompressing: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Makes a fresh document's gzip and brotli forms in the background, so that the next
    /// client that accepts them finds them ready; one document at a time per cache, and none
    /// while one is being made. A brotli encoder holds some 20 MB while it works: made for every
    /// fresh document, a client asking for a new map with every request had dozens at once
    /// (a gigabyte). A document skipped here is compressed when a client first asks for it.
    pub fn precompress(&self, document: Arc<CachedDocument>) {
        if self.precompressing.swap(true, Ordering::AcqRel) {
            return;
        }
        let busy = Arc::clone(&self.precompressing);
        tokio::task::spawn_blocking(move || {
            for encoding in [Encoding::Brotli, Encoding::Gzip] {
                if let Err(e) = document.encoded(encoding) {
                    tracing::warn!(error = %e, "compressing a cached document failed");
                }
            }
            busy.store(false, Ordering::Release);
        });
    }

    /// The cache with its metrics labelled `cache="{name}"` (documents, tiles), so that each
    /// cache's bytes and hits are told apart in `/metrics`.
    #[must_use]
    pub fn named(mut self, name: &'static str) -> Self {
        self.counts = Counts::registered(name);
        self
    }

    /// Bytes the cached documents take now, all encodings made so far counted.
    pub fn bytes(&self) -> usize {
        self.inner
            .lock()
            .map_or(0, |s| held(&s.probation) + held(&s.protected))
    }

    /// Drops least recently used documents until the rest fit the budget: documents asked for
    /// once within their share of it, the promoted ones within the rest, so that no one-off
    /// document can push a popular one out. The compressed forms of the newest document may
    /// still be on their way, so the budget can be passed by those until the next document is
    /// built.
    fn evict_to_budget(&self) {
        let Ok(mut segments) = self.inner.lock() else {
            return;
        };
        let share = self.max_bytes / PROBATION_SHARE;
        let on_probation = evict(&mut segments.probation, share);
        let promoted = evict(&mut segments.protected, self.max_bytes - share);
        self.counts.bytes.set((on_probation + promoted) as f64);
    }

    fn slot(&self, key: &str) -> Slot {
        let Ok(mut segments) = self.inner.lock() else {
            // A poisoned lock only means a panic elsewhere: serve uncached rather than fail.
            return Slot::default();
        };
        if let Some(slot) = segments.protected.get(key) {
            return Arc::clone(slot);
        }
        if let Some(slot) = segments.probation.pop(key) {
            segments.protected.put(key.to_owned(), Arc::clone(&slot));
            return slot;
        }
        let slot = Slot::default();
        segments.probation.put(key.to_owned(), Arc::clone(&slot));
        slot
    }

    /// The document under `key`, built by `build` if no request has built it yet. Concurrent
    /// requests for the same key share one build; if it fails, each waiting request gets to
    /// try its own, and nothing is kept.
    pub async fn get_or_build<F, Fut, E>(
        &self,
        key: &str,
        build: F,
    ) -> Result<Arc<CachedDocument>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedDocument, E>>,
    {
        let slot = self.slot(key);
        if let Some(document) = slot.get() {
            self.counts.hits.increment(1);
            return Ok(Arc::clone(document));
        }
        let mut built = false;
        let document = slot
            .get_or_try_init(|| {
                built = true;
                async { build().await.map(Arc::new) }
            })
            .await
            .map(Arc::clone);
        if built {
            self.counts.misses.increment(1);
            self.evict_to_budget();
        } else {
            self.counts.coalesced.increment(1);
        }
        document
    }

    /// Forgets everything (the data changed).
    pub fn clear(&self) {
        if let Ok(mut segments) = self.inner.lock() {
            segments.probation.clear();
            segments.protected.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn concurrent_requests_for_one_document_share_one_build() {
        let cache = DocumentCache::new(4, 1 << 20);
        let builds = std::sync::atomic::AtomicUsize::new(0);
        let build = || async {
            builds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            Ok::<_, String>(CachedDocument::new(b"{}".to_vec(), "application/json"))
        };
        let all = futures::future::join_all((0..16).map(|_| cache.get_or_build("k", build))).await;
        assert!(all.iter().all(Result::is_ok));
        assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 1);

        let failed = cache
            .get_or_build("bad", || async {
                Err::<CachedDocument, _>("no".to_owned())
            })
            .await;
        assert!(failed.is_err());
        let retried = cache.get_or_build("bad", build).await;
        assert!(retried.is_ok(), "a failed build is not kept");
    }

    fn doc(n: usize) -> impl FnOnce() -> std::future::Ready<Result<CachedDocument, String>> {
        move || std::future::ready(Ok(CachedDocument::new(vec![b' '; n], "text/csv")))
    }

    /// Whether `key` is served without building.
    async fn held(cache: &DocumentCache, key: &str) -> bool {
        let rebuilt = std::sync::atomic::AtomicBool::new(false);
        cache
            .get_or_build(key, || async {
                rebuilt.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, String>(CachedDocument::new(vec![b' '; 1000], "text/csv"))
            })
            .await
            .unwrap();
        !rebuilt.load(std::sync::atomic::Ordering::SeqCst)
    }

    #[tokio::test]
    async fn one_off_documents_do_not_displace_popular_ones() {
        let cache = DocumentCache::new(64, 4000);
        cache.get_or_build("popular", doc(1000)).await.unwrap();
        assert!(held(&cache, "popular").await, "asked twice: promoted");
        for n in 0..50 {
            cache
                .get_or_build(&format!("click {n}"), doc(1000))
                .await
                .unwrap();
            assert!(cache.bytes() <= 4000, "{} bytes held", cache.bytes());
        }
        assert!(held(&cache, "popular").await);
        assert!(!held(&cache, "click 0").await, "a one-off document went");
    }

    #[tokio::test]
    async fn the_byte_budget_evicts_the_least_recently_used() {
        let cache = DocumentCache::new(64, 2500);
        for key in ["a", "b"] {
            cache.get_or_build(key, doc(1000)).await.unwrap();
            cache.get_or_build(key, doc(1000)).await.unwrap();
        }
        assert_eq!(cache.bytes(), 2000);
        assert!(held(&cache, "a").await);
        cache.get_or_build("c", doc(1000)).await.unwrap();
        cache.get_or_build("c", doc(1000)).await.unwrap();
        assert_eq!(cache.bytes(), 2000, "one promoted document went");
        assert!(
            held(&cache, "a").await,
            "`a` was used more recently than `b`"
        );
        assert!(!held(&cache, "b").await);
        cache.get_or_build("huge", doc(10_000)).await.unwrap();
        assert!(
            held(&cache, "huge").await,
            "the newest document stays even over budget"
        );
        assert!(held(&cache, "a").await, "and displaces no popular one");
    }

    #[test]
    fn compressed_forms_are_made_once_and_decode_to_the_body() {
        let body = b"{\"type\":\"FeatureCollection\",\"features\":[]}".repeat(50);
        let doc = CachedDocument::new(body.clone(), "application/geo+json");
        assert!(doc.ready(Encoding::Gzip).is_none());
        let gz = doc.encoded(Encoding::Gzip).unwrap();
        assert_eq!(doc.ready(Encoding::Gzip).unwrap(), gz);
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back).unwrap();
        assert_eq!(back, body);
        assert!(doc.ready(Encoding::Brotli).is_none());
        assert_eq!(doc.ready(Encoding::Identity).unwrap(), Bytes::from(body));
    }
}
