//! OGC API – Features (Part 1: Core, GeoJSON, HTML, OpenAPI 3.0) and OGC API – Tiles for the
//! boundary tiles, as rules and documents that know nothing of HTTP: the collections and
//! their JSON Schema ([`collections`]), the feature table each read-model generation is served
//! from ([`features`]), the query of `/items` ([`params`]), absolute links and paging
//! ([`links`]), and the landing page, conformance, OpenAPI, tile matrix set and tileset
//! documents ([`documents`]); [`html`] writes any of them as a page. `http::ogcapi` only
//! reads the request and sends what these build.
//!
//! The documents are written with hand-made serde structs and `serde_json::json!` rather than
//! georust's `ogcapi-types`: its 0.3 does use our `geojson` 0.24, but it brings `chrono` and
//! `serde_with` (with its proc-macro tree) into a build that has neither, and its `Feature`
//! type would make every item a `serde_json::Value` again, where the items here copy the
//! geometry the read model has already written (see [`features`]).

pub mod collections;
pub mod documents;
pub mod features;
pub mod html;
pub mod links;
pub mod params;

/// The media type of GeoJSON (RFC 7946).
pub const GEOJSON: &str = "application/geo+json";
/// The media type of JSON.
pub const JSON: &str = "application/json";
/// The media type of the OpenAPI document (OGC API – Features, requirement /req/oas30/oas-definition-1).
pub const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";
/// The media type of HTML pages.
pub const HTML: &str = "text/html; charset=utf-8";
/// The media type of Mapbox Vector Tiles.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";
/// The one CRS of the collections: WGS 84 longitude, latitude (OGC's CRS84).
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
