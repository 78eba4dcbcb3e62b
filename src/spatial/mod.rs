//! Geometry: TopoJSON decoding, polygon validation and orientation, geodesic measures,
//! GeoJSON writing, reading N03 boundary files, and writing features as FlatGeobuf and
//! GeoPackage. Coordinates are WGS 84 longitude/latitude
//! throughout (JGD2011 in N03 differs from WGS 84 by far less than the files' precision).

pub mod atlas;
pub mod coverage;
pub mod features;
pub mod geojson;
pub mod gpkg;
pub mod grid;
pub mod ladder;
pub mod levels;
pub mod measure;
pub mod mvt;
pub mod n03;
pub mod rings;
pub mod simplify;
pub mod tile;
pub mod topojson;
pub mod topology;
pub mod validity;

/// The credit line that the boundary data's terms require wherever the geometry is shown or
/// redistributed (see `geodata/manifest.toml`).
pub const CREDIT: &str = "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成";
