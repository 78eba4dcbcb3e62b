//! A boundary row: the geometry of a municipality or prefecture and its measures.

use sea_orm::entity::prelude::*;

/// A boundary; `code` is two digits for a prefecture, five for a municipality.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "boundary")]
pub struct Model {
    /// The area's code.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// `MUNICIPALITY` or `PREFECTURE`.
    pub level: String,
    /// RFC 7946 geometry as JSON text (WGS 84 lon/lat, counter-clockwise exteriors).
    #[sea_orm(column_type = "Text")]
    pub geometry: String,
    /// Geodesic area on the WGS 84 ellipsoid, km².
    pub area_km2: f64,
    /// Bounding box, west.
    pub min_lon: f64,
    /// Bounding box, south.
    pub min_lat: f64,
    /// Bounding box, east.
    pub max_lon: f64,
    /// Bounding box, north.
    pub max_lat: f64,
    /// Centroid longitude.
    pub centroid_lon: f64,
    /// Centroid latitude.
    pub centroid_lat: f64,
    /// The file the geometry was read from.
    pub source: String,
}

/// Boundaries relate to nothing by foreign key.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
