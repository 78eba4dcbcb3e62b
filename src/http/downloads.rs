//! Downloads for researchers without GraphQL: the same choropleth as `.geojson`, `.topojson`
//! and `.csv`, named by a query string of the GraphQL arguments (the request's serde form),
//! with a file name, a strong `ETag` (answered by `304 Not Modified`), and gzip or brotli when
//! the client accepts it (see [`conditional`]).

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{conditional, AppState};
use crate::cache::{CachedDocument, Encoding};
use crate::choropleth::{self, render, ChoroplethRequest, Format};
use crate::error::AppError;

async fn render_download(
    state: &AppState,
    headers: &HeaderMap,
    request: ChoroplethRequest,
    kind: &'static str,
) -> Result<Response, AppError> {
    let format = if kind == "topojson" {
        Format::TopoJson
    } else {
        Format::GeoJson
    };
    let request = ChoroplethRequest { format, ..request }.checked()?;
    let query = render::query_string(&request)
        .map_err(|e| AppError::internal("writing a map's query string", e))?;
    let generation = state.model.current();
    let key = format!("{}|{kind}|{query}", generation.version);
    let mut fresh = false;
    let document =
        state
            .model
            .cache
            .get_or_build(&key, || {
                fresh = true;
                let generation = Arc::clone(&generation);
                let db = state.db.clone();
                async move {
                    let built = choropleth::build(&db, generation.map_data(), request).await?;
                    let atlas = Arc::clone(&generation.atlas);
                    // Rendering and serialising megabytes is CPU work: off the async workers.
                    tokio::task::spawn_blocking(move || -> Result<CachedDocument, AppError> {
                        let stem = render::file_stem(&built);
                        let (body, content_type) = match kind {
                            "csv" => (
                                render::csv(&built)
                                    .map_err(|e| AppError::internal("writing a map's CSV", e))?,
                                "text/csv; charset=utf-8",
                            ),
                            _ => (
                                render::document(&built, &atlas)?,
                                match format {
                                    Format::TopoJson => "application/json",
                                    Format::GeoJson => "application/geo+json",
                                },
                            ),
                        };
                        Ok(CachedDocument::new(body, content_type)
                            .attachment(format!("{stem}.{kind}")))
                    })
                    .await
                    .map_err(|e| AppError::internal("rendering a download", e))?
                }
            })
            .await?;
    let response = conditional::respond_cached(headers, Arc::clone(&document)).await;
    if fresh {
        // The other encodings are made after the first response, so that it waited only for
        // its own and the next client's is ready.
        tokio::task::spawn_blocking(move || {
            for encoding in [Encoding::Brotli, Encoding::Gzip] {
                if let Err(e) = document.encoded(encoding) {
                    tracing::warn!(error = %e, "compressing a cached document failed");
                }
            }
        });
    }
    response
}

/// A query string that does not fit the choropleth's parameters, said as what is wrong.
pub(super) fn bad_query(rejection: QueryRejection) -> AppError {
    AppError::BadInput(format!(
        "the query string does not fit the map's parameters: {}",
        std::error::Error::source(&rejection)
            .map_or_else(|| rejection.body_text(), ToString::to_string)
    ))
}

/// GET /choropleth.geojson
pub async fn geojson(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ChoroplethRequest>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(params) = params.map_err(bad_query)?;
    render_download(&state, &headers, params, "geojson").await
}

/// GET /choropleth.topojson
pub async fn topojson(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ChoroplethRequest>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(params) = params.map_err(bad_query)?;
    render_download(&state, &headers, params, "topojson").await
}

/// GET /choropleth.csv
pub async fn csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ChoroplethRequest>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(params) = params.map_err(bad_query)?;
    render_download(&state, &headers, params, "csv").await
}

/// GET /municipalities/{code}.geojson — one municipality's boundary as a Feature, full
/// precision, with the credit line.
pub async fn municipality_feature(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    let code_text = file.strip_suffix(".geojson").ok_or_else(|| {
        AppError::BadInput(format!(
            "`{file}`: ask for CODE.geojson, e.g. 13104.geojson"
        ))
    })?;
    let code = crate::domain::AuthorityCode::parse(code_text)?;
    let municipality = crate::repo::areas::municipality(&state.db, code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no municipality {code}")))?;
    let boundary =
        crate::repo::areas::boundaries(&state.db, std::slice::from_ref(&municipality.code))
            .await?
            .remove(&municipality.code);
    let geometry = match &boundary {
        Some(b) => serde_json::from_str(&b.geometry).map_err(|e| {
            AppError::internal(format!("reading the stored boundary of {}", b.code), e)
        })?,
        None => serde_json::Value::Null,
    };
    let properties = match serde_json::json!({
        "code": municipality.code, "lgCode": municipality.lg_code, "name": municipality.name,
        "prefecture": municipality.prefecture_code, "kind": municipality.kind,
        "administered": municipality.administered,
    }) {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    let feature = crate::spatial::geojson::feature(&municipality.code, geometry, properties);
    let body = serde_json::to_vec(&feature)
        .map_err(|e| AppError::internal("writing a boundary feature", e))?;
    Ok(conditional::respond(
        &headers,
        body,
        "application/geo+json",
        &format!("{}.geojson", municipality.code),
    ))
}
