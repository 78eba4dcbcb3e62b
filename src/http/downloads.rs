//! Downloads for researchers without GraphQL: the same choropleth as `.geojson`, `.topojson`
//! and `.csv`, named by a query string of the GraphQL arguments (the request's serde form),
//! with a file name, a strong `ETag` (answered by `304 Not Modified`), and gzip or brotli when
//! the client accepts it (see [`conditional`]).

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{conditional, maps, AppState};
use crate::cache::CachedDocument;
use crate::choropleth::{self, render, Choropleth, ChoroplethRequest, Format};
use crate::error::AppError;
use crate::spatial::atlas::Atlas;

/// What a download holds: the map document in a format, or the values as CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Download {
    /// GeoJSON or TopoJSON.
    Document(Format),
    /// The values, a row per area.
    Csv,
}

impl Download {
    /// The file name's extension, which also names the download in the cache.
    fn extension(self) -> &'static str {
        match self {
            Self::Document(Format::GeoJson) => "geojson",
            Self::Document(Format::TopoJson) => "topojson",
            Self::Csv => "csv",
        }
    }

    /// The format the map is built in (a CSV has no geometry: the default).
    fn format(self) -> Format {
        match self {
            Self::Document(format) => format,
            Self::Csv => Format::GeoJson,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Document(Format::GeoJson) => "application/geo+json",
            Self::Document(Format::TopoJson) => "application/json",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }

    /// The download's bytes, with its type and file name.
    fn write(self, built: &Choropleth, atlas: &Atlas) -> Result<CachedDocument, AppError> {
        let stem = render::file_stem(built);
        let body = match self {
            Self::Csv => {
                render::csv(built).map_err(|e| AppError::internal("writing a map's CSV", e))?
            }
            Self::Document(_) => render::document(built, atlas)?,
        };
        Ok(CachedDocument::new(body, self.content_type())
            .attachment(format!("{stem}.{}", self.extension())))
    }
}

async fn render_download(
    state: &AppState,
    headers: &HeaderMap,
    params: Result<Query<ChoroplethRequest>, QueryRejection>,
    kind: Download,
) -> Result<Response, AppError> {
    let spec = maps::parse(params)?.with_format(kind.format());
    let cache = &state.model.cache;
    let (document, fresh) = maps::cached(
        state,
        cache,
        spec,
        kind.extension(),
        None,
        |generation, db, spec| {
            async move {
                let built = choropleth::build(&db, generation.map_data(), spec).await?;
                let atlas = Arc::clone(&generation.atlas);
                // Rendering and serialising megabytes is CPU work: off the async workers.
                tokio::task::spawn_blocking(move || kind.write(&built, &atlas))
                    .await
                    .map_err(|e| AppError::internal("rendering a download", e))?
            }
        },
    )
    .await?;
    let response = conditional::respond_cached(headers, Arc::clone(&document)).await;
    if fresh {
        // The other encodings are made after the first response, so that it waited only for
        // its own and the next client's is ready.
        cache.precompress(document);
    }
    response
}

/// GET /choropleth.geojson
pub async fn geojson(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ChoroplethRequest>, QueryRejection>,
) -> Result<Response, AppError> {
    render_download(
        &state,
        &headers,
        params,
        Download::Document(Format::GeoJson),
    )
    .await
}

/// GET /choropleth.topojson
pub async fn topojson(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ChoroplethRequest>, QueryRejection>,
) -> Result<Response, AppError> {
    render_download(
        &state,
        &headers,
        params,
        Download::Document(Format::TopoJson),
    )
    .await
}

/// GET /choropleth.csv
pub async fn csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ChoroplethRequest>, QueryRejection>,
) -> Result<Response, AppError> {
    render_download(&state, &headers, params, Download::Csv).await
}

/// GET /municipalities/{code}.geojson — one municipality's boundary as a Feature, full
/// precision, with the credit line.
pub async fn municipality_feature(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    let code_text = file.strip_suffix(".geojson").ok_or_else(|| {
        AppError::bad_input(format!(
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
        "prefecture": municipality.prefecture_code, "kind": municipality.kind.as_str(),
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
