//! Choropleths: an indicator's or a statistic's values joined with boundaries, classified and
//! coloured, with a legend, summary statistics and provenance, ready for a map. Every map
//! output (GraphQL, downloads, tiles, TileJSON, spatial autocorrelation) walks one pipeline,
//! each step in its own module:
//!
//! 1. [`spec`], parse: the arguments ([`request`] for query strings) become a [`MapSpec`]
//!    through one fallible conversion that carries every rule needing no data;
//! 2. [`gather`], the only step that reads: the database, the answers and statistics of one
//!    read-model generation, giving one map's [`MapInputs`](gather::MapInputs);
//! 3. [`compute`], pure: values, classes ([`legend`], [`bivariate`]), statistics;
//! 4. [`render`]: GeoJSON, TopoJSON and CSV; [`columns`]: the values as a described table,
//!    which [`workbook`] writes for spreadsheets and the GIS downloads as features;
//!    [`tile`]: vector tiles.
//!
//! [`autocorrelation`] analyses a map's values; [`memo`] keeps recent maps for their tiles.
//!
//! Nothing here knows of GraphQL or HTTP.

pub mod autocorrelation;
pub mod bivariate;
pub mod columns;
pub mod compute;
pub mod gather;
pub mod legend;
pub mod map;
pub mod memo;
pub mod render;
pub mod request;
pub mod spec;
pub mod tile;
pub mod workbook;

use sea_orm::ConnectionTrait;

pub use gather::MapData;
pub use map::{Choropleth, LegendClass, MapArea, MapMethod, Mapped, Per, Statistics};
pub use memo::MapMemo;
pub use request::{
    ChoroplethRequest, Format, MapLevel, PrefectureValue, DEFAULT_CLASSES, MAX_PRECISION, MAX_ZOOM,
};
pub use spec::{MapArguments, MapSpec};

use crate::error::AppResult;
pub use crate::survey::values::RespondentValue;

/// Builds the map of `spec`: gathers its inputs, then computes it.
pub async fn build(
    db: &impl ConnectionTrait,
    data: MapData<'_>,
    spec: MapSpec,
) -> AppResult<Choropleth> {
    compute::compute(gather::gather(db, data, spec).await?)
}
