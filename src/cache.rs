//! A bounded cache of finished documents (choropleth GeoJSON, TopoJSON, CSV), stored with their
//! strong entity tag and, once a client has asked for them, their gzip and brotli forms, so
//! that a hit costs a lookup and a write.

use std::io::Write;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use lru::LruCache;
use sha2::{Digest, Sha256};

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

/// A finished document. The compressed forms are made the first time a client asks for them,
/// so that a first request pays for one encoding, not for all of them.
pub struct CachedDocument {
    identity: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    /// Hex digest of the bytes, the base of every encoding's entity tag.
    pub digest: String,
    /// Media type.
    pub content_type: &'static str,
    /// Download file name.
    pub filename: String,
}

impl CachedDocument {
    /// A document of these bytes.
    pub fn new(body: Vec<u8>, content_type: &'static str, filename: String) -> Self {
        Self {
            digest: digest(&body),
            identity: Bytes::from(body),
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            content_type,
            filename,
        }
    }

    fn slot(&self, encoding: Encoding) -> Option<&OnceLock<Bytes>> {
        match encoding {
            Encoding::Identity => None,
            Encoding::Gzip => Some(&self.gzip),
            Encoding::Brotli => Some(&self.brotli),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_forms_are_made_once_and_decode_to_the_body() {
        let body = b"{\"type\":\"FeatureCollection\",\"features\":[]}".repeat(50);
        let doc = CachedDocument::new(body.clone(), "application/geo+json", "x.geojson".into());
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
