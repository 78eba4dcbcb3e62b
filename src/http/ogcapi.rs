//! OGC API – Features and – Tiles under `/ogcapi`: reads the request (path, query, `Accept`,
//! the headers that name the public address) and sends what `crate::ogcapi` builds. The
//! rules, documents and feature table live there; this module knows only HTTP.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use serde_json::Value;

use super::{conditional, AppState};
use crate::error::{AppError, AppResult};
use crate::ogcapi::collections::{self, CollectionId};
use crate::ogcapi::features::{self, Page, Row};
use crate::ogcapi::links::{self, Link};
use crate::ogcapi::params::{self, FeatureQuery, Format, ItemsQuery};
use crate::ogcapi::{documents, html, CRS84, GEOJSON, HTML, JSON, OPENAPI};
use crate::readmodel::Generation;
use crate::spatial::atlas::{Drawn, Layer};
use crate::spatial::simplify::Level;

/// The one tile matrix set served.
const WEB_MERCATOR_QUAD: &str = "WebMercatorQuad";

/// What every handler reads of a request.
struct Asked {
    /// The API's address, `…/ogcapi`.
    root: String,
    /// The query's pairs, in order.
    query: Vec<(String, String)>,
}

impl Asked {
    fn of(state: &AppState, headers: &HeaderMap, raw: Option<&str>) -> AppResult<Self> {
        let root = format!("{}/ogcapi", super::service_root(state, headers));
        let query = serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or_default())
            .map_err(|e| AppError::bad_input(format!("the query string cannot be read: {e}")))?;
        Ok(Self { root, query })
    }

    /// The server's own address (the API's without `/ogcapi`), where the tiles are.
    fn service(&self) -> &str {
        self.root.strip_suffix("/ogcapi").unwrap_or(&self.root)
    }
}

/// Features with the CRS they are in (OGC API – Features Part 2, `Content-Crs`).
fn with_crs(mut response: Response) -> Response {
    if let Ok(value) = HeaderValue::from_str(&format!("<{CRS84}>")) {
        response.headers_mut().insert("content-crs", value);
    }
    response
}

fn accept(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

/// Sends a document as JSON (of `json_type`) or as its HTML page.
fn send(
    headers: &HeaderMap,
    format: Format,
    title: &str,
    document: &Value,
    json_type: &'static str,
) -> Response {
    match format {
        Format::Html => {
            conditional::respond_inline(headers, html::page(title, document).into_bytes(), HTML)
        }
        Format::Json => match serde_json::to_vec(document) {
            Ok(body) => conditional::respond_inline(headers, body, json_type),
            Err(e) => axum::response::IntoResponse::into_response(AppError::internal(
                "writing an OGC API document",
                e,
            )),
        },
    }
}

/// A resource whose only parameter is `f`.
fn plain(state: &AppState, headers: &HeaderMap, raw: Option<&str>) -> AppResult<(Asked, Format)> {
    let asked = Asked::of(state, headers, raw)?;
    let f = params::plain(&asked.query)?;
    let format = Format::negotiate(f.as_deref(), accept(headers))?;
    Ok((asked, format))
}

/// GET /ogcapi
pub async fn landing(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (asked, format) = plain(&state, &headers, raw.as_deref())?;
    Ok(send(
        &headers,
        format,
        "DX Atlas",
        &documents::landing(&asked.root),
        JSON,
    ))
}

/// GET /ogcapi/conformance
pub async fn conformance(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (asked, format) = plain(&state, &headers, raw.as_deref())?;
    Ok(send(
        &headers,
        format,
        "Conformance",
        &documents::conformance(&asked.root),
        JSON,
    ))
}

/// GET /ogcapi/api
pub async fn api(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (asked, format) = plain(&state, &headers, raw.as_deref())?;
    Ok(send(
        &headers,
        format,
        "DX Atlas OGC API (OpenAPI 3.0)",
        &documents::openapi(&asked.root),
        OPENAPI,
    ))
}

/// GET /ogcapi/collections
pub async fn collections(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (asked, format) = plain(&state, &headers, raw.as_deref())?;
    let generation = state.model.current();
    let tables = state.features.tables(&state.db, &generation).await?;
    let all: Vec<_> = CollectionId::ALL.iter().map(|id| tables.get(*id)).collect();
    Ok(send(
        &headers,
        format,
        "Collections",
        &documents::collections(&asked.root, &all),
        JSON,
    ))
}

/// GET /ogcapi/collections/{collectionId}
pub async fn collection(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = CollectionId::parse(&id)?;
    let (asked, format) = plain(&state, &headers, raw.as_deref())?;
    let generation = state.model.current();
    let tables = state.features.tables(&state.db, &generation).await?;
    Ok(send(
        &headers,
        format,
        id.title(),
        &documents::collection(&asked.root, tables.get(id)),
        JSON,
    ))
}

/// GET /ogcapi/collections/{collectionId}/schema
pub async fn schema(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = CollectionId::parse(&id)?;
    let (asked, format) = plain(&state, &headers, raw.as_deref())?;
    let generation = state.model.current();
    let tables = state.features.tables(&state.db, &generation).await?;
    let url = format!("{}/collections/{}/schema", asked.root, id.as_str());
    let document = collections::schema(id, &tables.get(id).columns, &url);
    Ok(send(
        &headers,
        format,
        "Schema",
        &document,
        "application/schema+json",
    ))
}

/// GET /ogcapi/collections/{collectionId}/queryables
pub async fn queryables(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = CollectionId::parse(&id)?;
    let (asked, format) = plain(&state, &headers, raw.as_deref())?;
    let generation = state.model.current();
    let tables = state.features.tables(&state.db, &generation).await?;
    let url = format!("{}/collections/{}/queryables", asked.root, id.as_str());
    let document = collections::queryables(id, &tables.get(id).columns, &url);
    Ok(send(
        &headers,
        format,
        "Queryables",
        &document,
        "application/schema+json",
    ))
}

/// The layer of a collection.
fn layer(generation: &Generation, id: CollectionId) -> &Layer {
    match id {
        CollectionId::Municipalities => &generation.atlas.municipalities,
        CollectionId::Prefectures => &generation.atlas.prefectures,
    }
}

/// The collection's geometry drawn at `level`, built off the async workers if it is not yet
/// (a level no other map has asked for); refused with 503 when no build slot frees in time.
async fn drawn(
    generation: &Arc<Generation>,
    id: CollectionId,
    level: Level,
) -> AppResult<Arc<Drawn>> {
    let generation = Arc::clone(generation);
    tokio::task::spawn_blocking(move || layer(&generation, id).try_drawn(level, level.decimals()))
        .await
        .map_err(|e| AppError::internal("drawing a collection's geometry", e))?
        .map_err(AppError::from)
}

/// GET /ogcapi/collections/{collectionId}/items
pub async fn items(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = CollectionId::parse(&id)?;
    let asked = Asked::of(&state, &headers, raw.as_deref())?;
    let query = ItemsQuery::parse(&asked.query, id.queryables())?;
    let format = Format::negotiate(query.f.as_deref(), accept(&headers))?;
    let generation = state.model.current();
    let tables = state.features.tables(&state.db, &generation).await?;
    let table = tables.get(id);
    let drawn = drawn(&generation, id, query.level()).await?;
    let selected = table.select(layer(&generation, id), &query);
    let matched = selected.len();
    let page: Vec<&Row> = selected
        .into_iter()
        .skip(query.offset)
        .take(query.limit)
        .collect();

    let collection_url = format!("{}/collections/{}", asked.root, id.as_str());
    let items_url = format!("{collection_url}/items");
    let (own, other, other_f) = match format {
        Format::Json => (GEOJSON, HTML, "html"),
        Format::Html => (HTML, GEOJSON, "json"),
    };
    let this = match raw.as_deref() {
        Some(q) if !q.is_empty() => format!("{items_url}?{q}"),
        _ => items_url.clone(),
    };
    let mut alternate: Vec<(String, String)> = asked
        .query
        .iter()
        .filter(|(k, _)| k != "f")
        .cloned()
        .collect();
    alternate.push(("f".into(), other_f.into()));
    let mut all_links = vec![
        Link::new(this, "self", own).titled("This page"),
        Link::new(
            format!(
                "{items_url}?{}",
                serde_urlencoded::to_string(&alternate).unwrap_or_default()
            ),
            "alternate",
            other,
        )
        .titled("This page in the other format"),
        Link::new(collection_url, "collection", JSON).titled(id.title()),
    ];
    all_links.extend(links::paging(
        &items_url,
        &asked.query,
        query.offset,
        query.limit,
        matched,
        own,
    ));
    let body = features::write_items(
        &page,
        &drawn,
        &Page {
            matched,
            links: &all_links,
        },
    )?;
    Ok(match format {
        Format::Json => with_crs(conditional::respond_inline(&headers, body, GEOJSON)),
        Format::Html => {
            let document: Value = serde_json::from_slice(&body)
                .map_err(|e| AppError::internal("reading back a page of features", e))?;
            send(&headers, format, id.title(), &document, GEOJSON)
        }
    })
}

/// GET /ogcapi/collections/{collectionId}/items/{featureId}
pub async fn item(
    State(state): State<AppState>,
    Path((id, feature)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = CollectionId::parse(&id)?;
    let asked = Asked::of(&state, &headers, raw.as_deref())?;
    let query = FeatureQuery::parse(&asked.query)?;
    let format = Format::negotiate(query.f.as_deref(), accept(&headers))?;
    let generation = state.model.current();
    let tables = state.features.tables(&state.db, &generation).await?;
    let not_found = || {
        AppError::NotFound(format!(
            "no feature `{feature}` in collection {}",
            id.as_str()
        ))
    };
    let code = id.code_of_id(&feature).ok_or_else(not_found)?;
    let row = tables.get(id).row(&code).ok_or_else(not_found)?;
    let drawn = drawn(&generation, id, query.level()).await?;
    let collection_url = format!("{}/collections/{}", asked.root, id.as_str());
    let url = format!("{collection_url}/items/{feature}");
    let links = [
        Link::new(format!("{url}?f=json"), "self", GEOJSON).titled("This feature"),
        Link::new(format!("{url}?f=html"), "alternate", HTML).titled("This feature as HTML"),
        Link::new(collection_url, "collection", JSON).titled(id.title()),
    ];
    let body = features::write_one(row, &drawn, &links)?;
    Ok(match format {
        Format::Json => with_crs(conditional::respond_inline(&headers, body, GEOJSON)),
        Format::Html => {
            let document: Value = serde_json::from_slice(&body)
                .map_err(|e| AppError::internal("reading back a feature", e))?;
            send(&headers, format, &row.code, &document, GEOJSON)
        }
    })
}

/// The tile matrix set named in a path, or 404.
fn tile_matrix_set(name: &str) -> AppResult<()> {
    if name == WEB_MERCATOR_QUAD {
        Ok(())
    } else {
        Err(AppError::NotFound(format!(
            "no tile matrix set `{name}`: tiles are served in {WEB_MERCATOR_QUAD}"
        )))
    }
}

/// GET /ogcapi/tileMatrixSets
pub async fn tile_matrix_sets(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (asked, format) = plain(&state, &headers, raw.as_deref())?;
    Ok(send(
        &headers,
        format,
        "Tile matrix sets",
        &documents::tile_matrix_sets(&asked.root),
        JSON,
    ))
}

/// GET /ogcapi/tileMatrixSets/{tileMatrixSetId}
pub async fn tile_matrix_set_definition(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    tile_matrix_set(&name)?;
    let (_, format) = plain(&state, &headers, raw.as_deref())?;
    Ok(send(
        &headers,
        format,
        WEB_MERCATOR_QUAD,
        &documents::web_mercator_quad(),
        JSON,
    ))
}

/// GET /ogcapi/tiles
pub async fn dataset_tilesets(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (asked, format) = plain(&state, &headers, raw.as_deref())?;
    Ok(send(
        &headers,
        format,
        "Vector tiles",
        &documents::tilesets(&asked.root, None),
        JSON,
    ))
}

/// GET /ogcapi/tiles/{tileMatrixSetId}
pub async fn dataset_tileset(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    tile_matrix_set(&name)?;
    let (asked, format) = plain(&state, &headers, raw.as_deref())?;
    let generation = state.model.current();
    let tables = state.features.tables(&state.db, &generation).await?;
    let document = documents::tileset(
        &asked.root,
        asked.service(),
        None,
        tables.prefectures.extent,
    );
    Ok(send(&headers, format, "Boundary tiles", &document, JSON))
}

/// GET /ogcapi/collections/{collectionId}/tiles
pub async fn collection_tilesets(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = CollectionId::parse(&id)?;
    let (asked, format) = plain(&state, &headers, raw.as_deref())?;
    Ok(send(
        &headers,
        format,
        "Vector tiles",
        &documents::tilesets(&asked.root, Some(id)),
        JSON,
    ))
}

/// GET /ogcapi/collections/{collectionId}/tiles/{tileMatrixSetId}
pub async fn collection_tileset(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = CollectionId::parse(&id)?;
    tile_matrix_set(&name)?;
    let (asked, format) = plain(&state, &headers, raw.as_deref())?;
    let generation = state.model.current();
    let tables = state.features.tables(&state.db, &generation).await?;
    let document = documents::tileset(
        &asked.root,
        asked.service(),
        Some(id),
        tables.get(id).extent,
    );
    Ok(send(&headers, format, "Boundary tiles", &document, JSON))
}
