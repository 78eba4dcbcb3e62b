//! A bounded cache of finished documents (choropleth GeoJSON, TopoJSON, CSV), stored with their
//! strong entity tag and already compressed with gzip and brotli, so that a hit costs a lookup
//! and a write.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;

/// A finished document in every encoding DX Atlas sends.
pub struct CachedDocument {
    /// The bytes.
    pub identity: Vec<u8>,
    /// gzip of the bytes.
    pub gzip: Vec<u8>,
    /// brotli of the bytes.
    pub brotli: Vec<u8>,
    /// Hex digest of the bytes, the base of every encoding's entity tag.
    pub digest: String,
    /// Media type.
    pub content_type: &'static str,
    /// Download file name.
    pub filename: String,
}

/// Least-recently-used documents, at most a fixed number.
pub struct DocumentCache {
    inner: Mutex<LruCache<String, Arc<CachedDocument>>>,
}

impl DocumentCache {
    /// A cache of at most `entries` documents (at least one).
    pub fn new(entries: usize) -> Self {
        Self {
            inner: Mutex::new(LruCache::new(
                NonZeroUsize::new(entries).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    /// The document under `key`, if cached.
    pub fn get(&self, key: &str) -> Option<Arc<CachedDocument>> {
        let hit = self.inner.lock().ok()?.get(key).cloned();
        if hit.is_some() {
            metrics::counter!("dx_atlas_cache_hits_total").increment(1);
        } else {
            metrics::counter!("dx_atlas_cache_misses_total").increment(1);
        }
        hit
    }

    /// Keeps a document.
    pub fn insert(&self, key: String, document: Arc<CachedDocument>) {
        if let Ok(mut cache) = self.inner.lock() {
            cache.put(key, document);
        }
    }

    /// Forgets everything (the data changed).
    pub fn clear(&self) {
        if let Ok(mut cache) = self.inner.lock() {
            cache.clear();
        }
    }
}
