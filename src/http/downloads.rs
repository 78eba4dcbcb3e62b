//! Downloads for researchers without GraphQL: the same choropleth as `.geojson`, `.topojson`,
//! `.csv` (`bom=true` for Excel), `.xlsx`, `.gpkg` (GeoPackage) and `.fgb` (FlatGeobuf), named
//! by a query string of the GraphQL arguments (the request's serde form), with a file name, a
//! strong `ETag` (answered by `304 Not Modified`), and gzip or brotli when the client accepts
//! it for the text formats (see [`conditional`]).

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, RawQuery, State};
use axum::http::{header, HeaderMap, Uri};
use axum::response::Response;

use super::{conditional, maps, AppState};
use crate::cache::CachedDocument;
use crate::choropleth::{self, columns, render, workbook, Choropleth, ChoroplethRequest, Format};
use crate::error::AppError;
use crate::spatial::atlas::Atlas;
use crate::spatial::features::{self, FeatureTable};
use crate::spatial::gpkg;

/// What a download holds: the map document in a format, the values for spreadsheets, or the
/// map as GIS features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Download {
    /// GeoJSON or TopoJSON.
    Document(Format),
    /// The values, a row per area; with a UTF-8 byte-order mark for Excel (`bom=true`).
    Csv {
        /// Whether the file starts with the mark.
        bom: bool,
    },
    /// The values as an `.xlsx` workbook, with the columns described and the credits.
    Xlsx,
    /// Features with the GeoJSON's geometry as a GeoPackage.
    GeoPackage,
    /// The same as FlatGeobuf, with its spatial index.
    FlatGeobuf,
}

/// A download's bytes, or the features of a GeoPackage still to be written (over SQLite,
/// which is async I/O rather than CPU work).
enum Written {
    Bytes(Vec<u8>),
    GeoPackage(FeatureTable),
}

impl Download {
    /// The file name's extension.
    fn extension(self) -> &'static str {
        match self {
            Self::Document(Format::GeoJson) => "geojson",
            Self::Document(Format::TopoJson) => "topojson",
            Self::Csv { .. } => "csv",
            Self::Xlsx => "xlsx",
            Self::GeoPackage => "gpkg",
            Self::FlatGeobuf => "fgb",
        }
    }

    /// What names the download in the cache: its extension, told apart for the marked CSV.
    fn cache_name(self) -> &'static str {
        match self {
            Self::Csv { bom: true } => "excel.csv",
            other => other.extension(),
        }
    }

    /// The format the map is built in (the downloads without TopoJSON's arcs: the default).
    fn format(self) -> Format {
        match self {
            Self::Document(format) => format,
            _ => Format::GeoJson,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Document(Format::GeoJson) => "application/geo+json",
            Self::Document(Format::TopoJson) => "application/json",
            Self::Csv { .. } => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            // The media type GeoPackage 1.4 registers (spec annex A, IANA).
            Self::GeoPackage => "application/geopackage+sqlite3",
            Self::FlatGeobuf => "application/flatgeobuf",
        }
    }

    /// Whether a client gets it compressed when it asks. A workbook is a zip already; GIS
    /// clients read GeoPackage and FlatGeobuf by byte ranges, which are ranges of the file
    /// itself only when it is sent as it is.
    fn compressible(self) -> bool {
        matches!(self, Self::Document(_) | Self::Csv { .. })
    }

    /// The download's content. CPU work: call it off the async workers.
    fn write(self, built: &Choropleth, atlas: &Atlas) -> Result<Written, AppError> {
        let gis = |built: &Choropleth| -> Result<FeatureTable, AppError> {
            // Drawn through the build gate, as the GeoJSON is: the same geometry, or BUSY.
            let drawn = render::drawn(built, atlas)?;
            columns::feature_table(built, &drawn)
                .map_err(|e| AppError::internal("reading a map's drawn geometry", e))
        };
        Ok(Written::Bytes(match self {
            Self::Csv { bom: false } => {
                render::csv(built).map_err(|e| AppError::internal("writing a map's CSV", e))?
            }
            Self::Csv { bom: true } => workbook::excel_csv(built)
                .map_err(|e| AppError::internal("writing a map's CSV", e))?,
            Self::Xlsx => workbook::xlsx(built)
                .map_err(|e| AppError::internal("writing a map's workbook", e))?,
            Self::Document(_) => render::document(built, atlas)?,
            Self::FlatGeobuf => features::flatgeobuf(&gis(built)?)
                .map_err(|e| AppError::internal("writing a map's FlatGeobuf", e))?,
            Self::GeoPackage => return Ok(Written::GeoPackage(gis(built)?)),
        }))
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
        kind.cache_name(),
        None,
        |generation, db, spec| {
            async move {
                let built = choropleth::build(&db, generation.map_data(), spec).await?;
                let stem = render::file_stem(&built);
                let atlas = Arc::clone(&generation.atlas);
                // Rendering and serialising megabytes is CPU work: off the async workers.
                let written = tokio::task::spawn_blocking(move || kind.write(&built, &atlas))
                    .await
                    .map_err(|e| AppError::internal("rendering a download", e))??;
                let body = match written {
                    Written::Bytes(bytes) => bytes,
                    Written::GeoPackage(table) => gpkg::geopackage(&table)
                        .await
                        .map_err(|e| AppError::internal("writing a map's GeoPackage", e))?,
                };
                Ok(CachedDocument::new(body, kind.content_type())
                    .attachment(format!("{stem}.{}", kind.extension())))
            }
        },
    )
    .await?;
    if !kind.compressible() {
        // As if the client took no encoding: the file as it is, and nothing precompressed.
        let mut headers = headers.clone();
        headers.remove(header::ACCEPT_ENCODING);
        return conditional::respond_cached(&headers, document).await;
    }
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

/// GET /choropleth.csv, with `bom=true` for Excel: the map's parameters and this one option of
/// the download alone, which is not part of the map (nor of its GraphQL arguments).
pub async fn csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let (bom, rest) = take_bom(query.as_deref().unwrap_or(""))?;
    // The rest is parsed as every other download's query string is, with the same messages.
    let params = Uri::try_from(format!("/?{rest}"))
        .map_err(|e| AppError::bad_input(format!("the query string is not a URI's: {e}")))
        .map(|uri| Query::try_from_uri(&uri))?;
    render_download(&state, &headers, params, Download::Csv { bom }).await
}

/// GET /choropleth.xlsx
pub async fn xlsx(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ChoroplethRequest>, QueryRejection>,
) -> Result<Response, AppError> {
    render_download(&state, &headers, params, Download::Xlsx).await
}

/// GET /choropleth.gpkg
pub async fn geopackage(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ChoroplethRequest>, QueryRejection>,
) -> Result<Response, AppError> {
    render_download(&state, &headers, params, Download::GeoPackage).await
}

/// GET /choropleth.fgb
pub async fn flatgeobuf(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ChoroplethRequest>, QueryRejection>,
) -> Result<Response, AppError> {
    render_download(&state, &headers, params, Download::FlatGeobuf).await
}

/// Takes `bom=true|false` out of a query string: whether it was asked for, and the rest as it
/// was written.
fn take_bom(query: &str) -> Result<(bool, String), AppError> {
    let mut bom = false;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key == "bom" {
            bom = match value {
                "true" => true,
                "false" => false,
                other => {
                    return Err(AppError::bad_argument(
                        "bom",
                        format!("`{other}` is neither true nor false"),
                    ))
                }
            };
        } else {
            rest.push(pair);
        }
    }
    Ok((bom, rest.join("&")))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_is_taken_out_of_the_query_string() {
        assert_eq!(
            take_bom("indicator=cio.appointed&bom=true&classes=4").unwrap(),
            (true, "indicator=cio.appointed&classes=4".to_owned())
        );
        assert_eq!(
            take_bom("indicator=a").unwrap(),
            (false, "indicator=a".to_owned())
        );
        assert_eq!(take_bom("bom=false").unwrap(), (false, String::new()));
        assert!(take_bom("indicator=a&bom=yes").is_err());
    }
}
