//! One path from a map's query string to cached bytes, shared by the downloads and the
//! choropleth tiles: parse the query string into a [`MapSpec`], name the output by the
//! read-model version, what is made and the spec's query string, and build it once.

use std::future::Future;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use sea_orm::DatabaseConnection;

use super::AppState;
use crate::cache::{CachedDocument, DocumentCache};
use crate::choropleth::{ChoroplethRequest, MapSpec};
use crate::error::AppError;
use crate::readmodel::Generation;
use crate::spatial::tile::TileId;

/// A query string that does not fit the choropleth's parameters, said as what is wrong.
pub(super) fn bad_query(rejection: QueryRejection) -> AppError {
    AppError::bad_input(format!(
        "the query string does not fit the map's parameters: {}",
        std::error::Error::source(&rejection)
            .map_or_else(|| rejection.body_text(), ToString::to_string)
    ))
}

/// The map a query string asks for, checked.
pub(super) fn parse(
    params: Result<Query<ChoroplethRequest>, QueryRejection>,
) -> Result<MapSpec, AppError> {
    let Query(request) = params.map_err(bad_query)?;
    MapSpec::try_from(request)
}

/// What `make` writes of the map of `spec` (`what`: `geojson`, `csv`, `mvt`…, of `tile` if it
/// is a tile), from `cache` or built now and kept there, for the current read-model
/// generation; with whether this request built it.
pub(super) async fn cached<F, Fut>(
    state: &AppState,
    cache: &DocumentCache,
    spec: MapSpec,
    what: &str,
    tile: Option<TileId>,
    make: F,
) -> Result<(Arc<CachedDocument>, bool), AppError>
where
    F: FnOnce(Arc<Generation>, DatabaseConnection, MapSpec) -> Fut,
    Fut: Future<Output = Result<CachedDocument, AppError>>,
{
    let generation = state.model.current();
    let mut key = format!("{}|{what}|{}", generation.version, spec.query());
    if let Some(t) = tile {
        key.push_str(&format!("|{}/{}/{}", t.z, t.x, t.y));
    }
    let mut fresh = false;
    let document = cache
        .get_or_build(&key, || {
            fresh = true;
            make(generation, state.db.clone(), spec)
        })
        .await?;
    Ok((document, fresh))
}
