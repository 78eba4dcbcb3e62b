//! Maps built for recent tile requests, kept per read-model generation.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;

use super::map::Choropleth;
use crate::error::AppResult;

/// Maps built for recent tile requests, per read-model generation: the tiles of one map come
/// a dozen at a time as a user pans and zooms, and each would otherwise classify the whole map
/// again. Bounded; replaced with the generation, like
/// [`AnswerMemo`](crate::survey::values::AnswerMemo).
pub struct MapMemo {
    inner: Mutex<LruCache<String, Arc<Choropleth>>>,
}

/// Maps a generation keeps for its tiles.
const MAP_MEMO_ENTRIES: usize = 32;

impl Default for MapMemo {
    fn default() -> Self {
        Self {
            inner: Mutex::new(LruCache::new(
                NonZeroUsize::new(MAP_MEMO_ENTRIES).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }
}

impl MapMemo {
    /// The map named by `query` (its download query string), built by `build` the first
    /// time. Two requests for the same new map may both build it; one copy is kept.
    pub async fn get_or_build(
        &self,
        query: &str,
        build: impl std::future::Future<Output = AppResult<Choropleth>>,
    ) -> AppResult<Arc<Choropleth>> {
        if let Some(hit) = self
            .inner
            .lock()
            .ok()
            .and_then(|mut m| m.get(query).cloned())
        {
            return Ok(hit);
        }
        let fresh = Arc::new(build.await?);
        if let Ok(mut memo) = self.inner.lock() {
            memo.put(query.to_owned(), Arc::clone(&fresh));
        }
        Ok(fresh)
    }
}
