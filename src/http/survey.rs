//! The whole survey as files: `/survey/{edition}/wide.csv`, `wide.xlsx`, `long.csv`,
//! `long.xlsx`, `statistics.csv` and `package.zip`, with `bom=true` (the CSV files, for Excel)
//! and `include=synthetic` (calibrated synthetic values too, each marked). Built once per
//! read-model generation and kept in the document cache, answered with a strong `ETag`,
//! `304 Not Modified`, byte ranges, and gzip or brotli for the CSV files (see
//! [`conditional`]).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;

use super::{conditional, AppState};
use crate::cache::CachedDocument;
use crate::dataset::files;
use crate::dataset::spec::{FileSpec, FILES};
use crate::error::AppError;
use crate::repo;

/// GET /survey/{edition}/{file}
pub async fn file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((edition, file)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let spec = FileSpec::parse(&file, query.as_deref().unwrap_or(""))?.ok_or_else(|| {
        AppError::NotFound(format!(
            "no file `{file}` in the survey's dataset: ask for one of {}",
            FILES.join(", ")
        ))
    })?;
    let edition = repo::survey::edition(&state.db, &edition)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no survey edition `{edition}`")))?;
    let generation = state.model.current();
    let key = format!(
        "{}|survey|{}|{}",
        generation.version,
        edition.code,
        spec.cache_name()
    );
    let cache = &state.model.cache;
    let mut fresh = false;
    let document = cache
        .get_or_build(&key, || {
            fresh = true;
            let name = spec.file_name(&edition.code);
            let (db, datasets) = (state.db.clone(), Arc::clone(&state.datasets));
            async move {
                let data = datasets.edition(&db, &generation, edition).await?;
                let body = files::write(data, spec).await?;
                Ok::<_, AppError>(
                    CachedDocument::new(body, spec.file.content_type()).attachment(name),
                )
            }
        })
        .await?;
    if !spec.file.compressible() {
        // As if the client took no encoding: the file as it is, and ranges of it.
        let mut headers = headers.clone();
        headers.remove(header::ACCEPT_ENCODING);
        return conditional::respond_cached(&headers, document).await;
    }
    let response = conditional::respond_cached(&headers, Arc::clone(&document)).await;
    if fresh {
        cache.precompress(document);
    }
    response
}
