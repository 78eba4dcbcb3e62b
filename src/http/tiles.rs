//! Vector tiles for map front-ends (MapLibre, OpenLayers, Leaflet plugins, QGIS):
//! - `/tiles/{z}/{x}/{y}.mvt`: the boundaries, a `municipalities` and a `prefectures` layer;
//! - `/tiles/choropleth/{z}/{x}/{y}.mvt?indicator=…`: the same with a choropleth's values,
//!   classes and colours, its arguments the download's query string;
//! - `/tiles/boundaries.json` and `/tiles/choropleth.json?indicator=…`: TileJSON 3.0.
//!
//! Tiles are built on first request and kept in the document cache of the dataset version,
//! answered with a strong `ETag`, `304 Not Modified` and gzip or brotli like the downloads.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use geozero::error::GeozeroError;
use serde_json::Value;

use super::{conditional, maps, AppState};
use crate::cache::CachedDocument;
use crate::choropleth::{self, render, tile, ChoroplethRequest, MapLevel, MapSpec};
use crate::error::AppError;
use crate::spatial::mvt;
use crate::spatial::tile::{TileId, MAX_ZOOM};
use crate::spatial::CREDIT;
use crate::tileset;

/// The media type of Mapbox Vector Tiles (IANA).
const MVT: &str = "application/vnd.mapbox-vector-tile";

/// Seconds a client or CDN may keep a tile without asking again: boundaries change only
/// with an import, and the `ETag` answers every later question cheaply.
const TILE_MAX_AGE: u32 = 3600;

/// The tile at a path's `z`, `x` and `y.mvt`, or what is wrong with it.
fn tile_of(z: &str, x: &str, file: &str) -> Result<TileId, AppError> {
    let y = file.strip_suffix(".mvt").ok_or_else(|| {
        AppError::bad_input(format!("`{file}`: ask for a tile as {{z}}/{{x}}/{{y}}.mvt"))
    })?;
    let number = |what: &str, text: &str| {
        text.parse::<u32>()
            .map_err(|_| AppError::bad_input(format!("tile {what} `{text}` is not a whole number")))
    };
    let z = u8::try_from(number("zoom", z)?).unwrap_or(u8::MAX);
    TileId::new(z, number("column", x)?, number("row", y)?)
        .map_err(|e| AppError::bad_input(e.to_string()))
}

/// Builds a tile off the async workers: cutting, snapping and encoding are CPU work.
async fn off_workers(
    what: &'static str,
    build: impl FnOnce() -> Result<Vec<u8>, GeozeroError> + Send + 'static,
) -> Result<Vec<u8>, AppError> {
    tokio::task::spawn_blocking(build)
        .await
        .map_err(|e| AppError::internal(format!("building a {what} tile"), e))?
        .map_err(|e| AppError::internal(format!("encoding a {what} tile"), e))
}

/// GET /tiles/{z}/{x}/{y}.mvt
pub async fn boundary(
    State(state): State<AppState>,
    Path((z, x, file)): Path<(String, String, String)>,
    incoming: Request,
) -> Result<Response, AppError> {
    // The headers are read where they are: extracting a `HeaderMap` would copy it.
    let headers = incoming.headers();
    let tile = tile_of(&z, &x, &file)?;
    let generation = state.model.current();
    let key = format!(
        "{}|mvt|{}/{}/{}",
        generation.version, tile.z, tile.x, tile.y
    );
    let document = state
        .model
        .tiles
        .get_or_build(&key, || {
            let atlas = Arc::clone(&generation.atlas);
            async move {
                let body =
                    off_workers("boundary", move || mvt::boundary_tile(&atlas, tile)).await?;
                Ok::<_, AppError>(CachedDocument::new(body, MVT).max_age(TILE_MAX_AGE))
            }
        })
        .await?;
    conditional::respond_cached(headers, document).await
}

/// GET /tiles/choropleth/{z}/{x}/{y}.mvt?indicator=…
pub async fn choropleth(
    State(state): State<AppState>,
    Path((z, x, file)): Path<(String, String, String)>,
    params: Result<Query<ChoroplethRequest>, QueryRejection>,
    incoming: Request,
) -> Result<Response, AppError> {
    let headers = incoming.headers();
    let tile = tile_of(&z, &x, &file)?;
    let spec = tiled(maps::parse(params)?)?;
    let cache = &state.model.tiles;
    let (document, _) = maps::cached(
        &state,
        cache,
        spec,
        "mvt",
        Some(tile),
        |generation, db, spec| async move {
            let query = spec.query().to_owned();
            let built = generation
                .maps
                .get_or_build(&query, choropleth::build(&db, generation.map_data(), spec))
                .await?;
            let atlas = Arc::clone(&generation.atlas);
            let body = off_workers("choropleth", move || {
                tile::vector_tile(&built, &atlas, tile)
            })
            .await?;
            Ok(CachedDocument::new(body, MVT))
        },
    )
    .await?;
    conditional::respond_cached(headers, document).await
}

/// A map's spec as tiles take it: without `bbox`, since each tile is its own box.
fn tiled(spec: MapSpec) -> Result<MapSpec, AppError> {
    if spec.bbox().is_some() {
        return Err(AppError::bad_argument(
            "bbox",
            "a tile is its own box; bbox selects the areas of a download",
        ));
    }
    Ok(spec)
}

/// GET /tiles/boundaries.json
pub async fn boundary_tilejson(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let generation = state.model.current();
    let base = super::service_root(&state, &headers);
    let tiles = format!("{base}/tiles/{{z}}/{{x}}/{{y}}.mvt");
    let set = tileset::TileSet {
        name: "DX Atlas: municipal and prefectural boundaries",
        tiles: Some(&tiles),
        max_zoom: MAX_ZOOM,
        bounds: tileset::bounds(&generation.atlas),
    };
    let document = tileset::tilejson(&set, generation.version, &[CREDIT], None);
    json_response(&headers, &document)
}

/// GET /tiles/choropleth.json?indicator=…
pub async fn choropleth_tilejson(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ChoroplethRequest>, QueryRejection>,
) -> Result<Response, AppError> {
    let spec = tiled(maps::parse(params)?)?;
    let generation = state.model.current();
    let built = choropleth::build(&state.db, generation.map_data(), spec).await?;
    let query = built.spec.query();
    let base = super::service_root(&state, &headers);
    let credits = render::credits(&built);
    let valued_layer = match built.spec.level() {
        MapLevel::Municipality => mvt::MUNICIPALITIES,
        MapLevel::Prefecture => mvt::PREFECTURES,
    };
    let values = [
        (
            "value",
            "Number or String: the area's value (absent when missing)",
        ),
        (
            "provenance",
            "String: OFFICIAL, CALIBRATED_SYNTHETIC or MIXED",
        ),
        ("class", "Number: the legend class (absent when missing)"),
        ("colour", "String: the class's colour, #rrggbb"),
        ("label", "String: the class's legend label"),
    ];
    let name = format!("DX Atlas: {}", built.indicator.label_en);
    let tiles = format!("{base}/tiles/choropleth/{{z}}/{{x}}/{{y}}.mvt?{query}");
    let set = tileset::TileSet {
        name: &name,
        tiles: Some(&tiles),
        max_zoom: MAX_ZOOM,
        bounds: tileset::bounds(&generation.atlas),
    };
    let mut document = tileset::tilejson(
        &set,
        generation.version,
        &credits,
        Some((valued_layer, &values[..])),
    );
    if let Some(members) = document.as_object_mut() {
        let mut metadata = render::metadata(&built);
        // Tiles are drawn at their own zoom's level, not at the request's.
        metadata.remove("simplification");
        members.insert("choropleth".into(), Value::Object(metadata));
    }
    Ok(json_response(&headers, &document))
}

fn json_response(headers: &HeaderMap, document: &Value) -> Response {
    match serde_json::to_vec(document) {
        Ok(body) => conditional::respond_inline(headers, body, "application/json"),
        Err(e) => AppError::internal("writing a TileJSON document", e).into_response(),
    }
}
