//! The documents of the API other than features: the landing page, conformance, the
//! collections, the OpenAPI 3.0 definition, and OGC API – Tiles' tile matrix set and tileset
//! metadata for the boundary vector tiles (`/tiles/{z}/{x}/{y}.mvt`), in WebMercatorQuad.
//! Every `href` is absolute, under `root` (the API's address, see [`super::links::api_root`]).

use serde_json::{json, Value};

use super::collections::CollectionId;
use super::features::FeatureTable;
use super::links::Link;
use super::{CRS84, GEOJSON, HTML, JSON, MVT, OPENAPI};
use crate::spatial::tile::MAX_ZOOM;
use crate::spatial::CREDIT;
use crate::survey::source::{DASHBOARD, SSDSE};

/// The conformance classes implemented.
pub const CONFORMANCE: [&str; 8] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
];

/// The OGC link relation of a tile matrix set definition.
const TILING_SCHEME: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme";
/// The OGC link relation of a list of vector tilesets.
const TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
/// The URI of WebMercatorQuad.
const WEB_MERCATOR_QUAD: &str = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
/// Half the side of the WebMercatorQuad square, metres (EPSG:3857).
const HALF_WORLD: f64 = 20_037_508.342_789_244;

/// The licence of the data, as one line.
pub fn licence() -> String {
    format!(
        "Boundaries: {CREDIT} (国土数値情報利用約款, CC BY 4.0 compatible). Survey values: {}. Statistics: {}.",
        DASHBOARD.credit.unwrap_or(DASHBOARD.title),
        SSDSE.credit.unwrap_or(SSDSE.title)
    )
}

/// The links to this document in its other formats.
fn alternates(url: &str, json_type: &str) -> Vec<Link> {
    vec![
        Link::new(format!("{url}?f=json"), "self", json_type).titled("This document as JSON"),
        Link::new(format!("{url}?f=html"), "alternate", HTML).titled("This document as HTML"),
    ]
}

/// The landing page.
pub fn landing(root: &str) -> Value {
    let mut links = alternates(root, JSON);
    links.extend([
        Link::new(format!("{root}/api"), "service-desc", OPENAPI)
            .titled("The API definition (OpenAPI 3.0)"),
        Link::new(format!("{root}/api?f=html"), "service-doc", HTML)
            .titled("The API documentation"),
        Link::new(format!("{root}/conformance"), "conformance", JSON)
            .titled("Conformance classes implemented"),
        Link::new(
            format!("{root}/conformance"),
            "http://www.opengis.net/def/rel/ogc/1.0/conformance",
            JSON,
        ),
        Link::new(format!("{root}/collections"), "data", JSON).titled("The collections"),
        Link::new(
            format!("{root}/collections"),
            "http://www.opengis.net/def/rel/ogc/1.0/data",
            JSON,
        ),
        Link::new(format!("{root}/tiles"), TILESETS_VECTOR, JSON)
            .titled("Vector tiles of the boundaries"),
        Link::new(
            format!("{root}/tileMatrixSets"),
            "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
            JSON,
        )
        .titled("Tile matrix sets"),
    ]);
    json!({
        "title": "DX Atlas",
        "description": "Japan's municipal digital-transformation survey (総務省「地方公共団体における行政情報化の推進状況調査」) on the map: municipalities and prefectures with their official survey values and statistics, as OGC API – Features and vector tiles as OGC API – Tiles.",
        "attribution": licence(),
        "links": links,
    })
}

/// The conformance declaration.
pub fn conformance(root: &str) -> Value {
    json!({
        "conformsTo": CONFORMANCE,
        "links": alternates(&format!("{root}/conformance"), JSON),
    })
}

/// One collection's description.
pub fn collection(root: &str, table: &FeatureTable) -> Value {
    let id = table.id.as_str();
    let url = format!("{root}/collections/{id}");
    let mut links = alternates(&url, JSON);
    links.extend([
        Link::new(format!("{url}/items"), "items", GEOJSON).titled("The features as GeoJSON"),
        Link::new(format!("{url}/items?f=html"), "items", HTML).titled("The features as HTML"),
        Link::new(
            format!("{url}/schema"),
            "describedby",
            "application/schema+json",
        )
        .titled("The features' JSON Schema"),
        Link::new(
            format!("{url}/schema"),
            "http://www.opengis.net/def/rel/ogc/1.0/schema",
            "application/schema+json",
        ),
        Link::new(
            format!("{url}/queryables"),
            "http://www.opengis.net/def/rel/ogc/1.0/queryables",
            "application/schema+json",
        )
        .titled("Properties /items filters on"),
        Link::new(format!("{url}/tiles"), TILESETS_VECTOR, JSON)
            .titled("Vector tiles (both layers, this one among them)"),
        Link::new(
            "https://nlftp.mlit.go.jp/ksj/other/agreement.html",
            "license",
            "text/html",
        )
        .titled("国土数値情報利用約款 (boundaries)"),
        Link::new(DASHBOARD.url.unwrap_or_default(), "license", "text/html")
            .titled(DASHBOARD.licence.unwrap_or_default()),
    ]);
    if table.id == CollectionId::Municipalities {
        links.push(
            Link::new(SSDSE.url.unwrap_or_default(), "license", "text/html")
                .titled(SSDSE.licence.unwrap_or_default()),
        );
    }
    json!({
        "id": id,
        "title": table.id.title(),
        "description": table.id.description(),
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {
            "spatial": {"bbox": [table.extent], "crs": CRS84},
            "temporal": {"interval": [["2023-04-01T00:00:00Z", null]], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
        },
        "attribution": licence(),
        "license": "CC-BY-4.0",
        "vectorType": "Polygons",
        "numberOfFeatures": table.rows.len(),
        "links": links,
    })
}

/// The list of collections.
pub fn collections(root: &str, tables: &[&FeatureTable]) -> Value {
    json!({
        "collections": tables.iter().map(|t| collection(root, t)).collect::<Vec<_>>(),
        "links": alternates(&format!("{root}/collections"), JSON),
    })
}

/// The tile matrix sets offered: WebMercatorQuad alone.
pub fn tile_matrix_sets(root: &str) -> Value {
    let url = format!("{root}/tileMatrixSets/WebMercatorQuad");
    json!({
        "tileMatrixSets": [{
            "id": "WebMercatorQuad",
            "title": "Google Maps Compatible for the World",
            "uri": WEB_MERCATOR_QUAD,
            "links": [Link::new(url, "self", JSON), Link::new(format!("{root}/tileMatrixSets/WebMercatorQuad"), TILING_SCHEME, JSON)],
        }],
        "links": alternates(&format!("{root}/tileMatrixSets"), JSON),
    })
}

/// The definition of WebMercatorQuad (OGC Two Dimensional Tile Matrix Set 2.0, with the
/// names of 1.0 as well), zooms 0 to the deepest tiles are served at.
pub fn web_mercator_quad() -> Value {
    let matrices: Vec<Value> = (0..=MAX_ZOOM)
        .map(|z| {
            let n = 1u32 << z;
            let cell = 2.0 * HALF_WORLD / 256.0 / f64::from(n);
            json!({
                "id": z.to_string(),
                "identifier": z.to_string(),
                // The scale denominator of OGC's 0.28 mm pixel.
                "scaleDenominator": cell / 0.000_28,
                "cellSize": cell,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-HALF_WORLD, HALF_WORLD],
                "topLeftCorner": [-HALF_WORLD, HALF_WORLD],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": n,
                "matrixHeight": n,
            })
        })
        .collect();
    let crs = "http://www.opengis.net/def/crs/EPSG/0/3857";
    json!({
        "id": "WebMercatorQuad",
        "title": "Google Maps Compatible for the World",
        "uri": WEB_MERCATOR_QUAD,
        "crs": crs,
        // The names of TMS 1.0 beside 2.0's: GDAL before 3.7 reads only those (`identifier`,
        // `supportedCRS`, `boundingBox`, and each matrix's `identifier` and `topLeftCorner`).
        "identifier": "WebMercatorQuad",
        "supportedCRS": crs,
        "boundingBox": {"crs": crs, "lowerCorner": [-HALF_WORLD, -HALF_WORLD], "upperCorner": [HALF_WORLD, HALF_WORLD]},
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
    })
}

/// Where a tileset document is: the dataset's (`/tiles`) or a collection's.
fn tiles_url(root: &str, collection: Option<CollectionId>) -> String {
    match collection {
        Some(c) => format!("{root}/collections/{}/tiles", c.as_str()),
        None => format!("{root}/tiles"),
    }
}

/// The list of tilesets: the boundary tiles in WebMercatorQuad.
pub fn tilesets(root: &str, collection: Option<CollectionId>) -> Value {
    let url = tiles_url(root, collection);
    let tileset = format!("{url}/WebMercatorQuad");
    json!({
        "tilesets": [{
            "title": "Boundaries of municipalities and prefectures",
            "dataType": "vector",
            "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
            "tileMatrixSetURI": WEB_MERCATOR_QUAD,
            "tileMatrixSetDefinition": format!("{root}/tileMatrixSets/WebMercatorQuad"),
            "links": [
                Link::new(tileset.clone(), "self", JSON).titled("Tileset metadata"),
                Link::new(tileset, "http://www.opengis.net/def/rel/ogc/1.0/tileset", JSON),
                Link::new(format!("{root}/tileMatrixSets/WebMercatorQuad"), TILING_SCHEME, JSON),
            ],
        }],
        "links": alternates(&url, JSON),
    })
}

/// The tileset metadata of the boundary tiles: WebMercatorQuad, zooms 0 to the deepest
/// served, limited to the box of the boundaries, the tile template pointing at
/// `/tiles/{z}/{x}/{y}.mvt` (`service` is the server's address, `root` without `/ogcapi`).
pub fn tileset(
    root: &str,
    service: &str,
    collection: Option<CollectionId>,
    extent: [f64; 4],
) -> Value {
    let url = format!("{}/WebMercatorQuad", tiles_url(root, collection));
    let limits: Vec<Value> = (0..=MAX_ZOOM)
        .map(|z| {
            let (min_col, max_row) = tile_of(extent[0], extent[1], z);
            let (max_col, min_row) = tile_of(extent[2], extent[3], z);
            json!({"tileMatrix": z.to_string(), "minTileRow": min_row, "maxTileRow": max_row, "minTileCol": min_col, "maxTileCol": max_col})
        })
        .collect();
    let fields = |layer: &str| {
        let mut properties = json!({
            "code": {"type": "string", "description": "The area's code (five digits for a municipality, two for a prefecture)"},
            "name": {"type": "string", "description": "Japanese name"},
            "prefecture": {"type": "string", "description": "Two-digit prefecture code"},
        });
        if layer == "municipalities" {
            if let Some(p) = properties.as_object_mut() {
                p.insert(
                    "kind".into(),
                    json!({"type": "string", "description": "Kind of municipality"}),
                );
                p.insert("administered".into(), json!({"type": "boolean", "description": "False for the six Northern Territories villages"}));
            }
        }
        json!({"type": "object", "properties": properties})
    };
    json!({
        "title": "Boundaries of municipalities and prefectures",
        "description": "Vector tiles with a `municipalities` layer (all 1,747, the six Northern Territories villages marked administered=false) and a `prefectures` layer, simplified per zoom.",
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": WEB_MERCATOR_QUAD,
        "tileMatrixSetDefinition": format!("{root}/tileMatrixSets/WebMercatorQuad"),
        "tileMatrixSetLimits": limits,
        "boundingBox": {"lowerLeft": [extent[0], extent[1]], "upperRight": [extent[2], extent[3]], "crs": CRS84},
        "attribution": CREDIT,
        "layers": [
            {"id": "municipalities", "dataType": "vector", "geometryType": "polygons", "minTileMatrix": "0", "maxTileMatrix": MAX_ZOOM.to_string(), "propertiesSchema": fields("municipalities")},
            {"id": "prefectures", "dataType": "vector", "geometryType": "polygons", "minTileMatrix": "0", "maxTileMatrix": MAX_ZOOM.to_string(), "propertiesSchema": fields("prefectures")},
        ],
        "links": [
            Link::new(url.clone(), "self", JSON),
            Link::new(format!("{root}/tileMatrixSets/WebMercatorQuad"), TILING_SCHEME, JSON).titled("WebMercatorQuad"),
            Link::new(format!("{service}/tiles/{{tileMatrix}}/{{tileCol}}/{{tileRow}}.mvt"), "item", MVT).titled("Boundary tiles").template(),
        ],
    })
}

/// The column and row of the WebMercatorQuad tile of zoom `z` holding a position.
fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let lat = lat.clamp(-85.051_128, 85.051_128).to_radians();
    let x = (lon + 180.0) / 360.0 * n;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    let clamp = |v: f64| {
        // Clamped to 0..n-1 first, so the conversion is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let v = v.floor().clamp(0.0, n - 1.0) as u32;
        v
    };
    (clamp(x), clamp(y))
}

/// The query parameters of a feature's detail: `zoom`, `tolerance` and `minIslandKm2`.
fn detail_parameters() -> [Value; 3] {
    let query = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema});
    [
        query(
            "zoom",
            "Web-map zoom whose simplification the geometry is drawn at (default 6)",
            json!({"type": "integer", "minimum": 0, "maximum": 14}),
        ),
        query(
            "tolerance",
            "Douglas-Peucker tolerance in degrees replacing the zoom's, taken to the nearest level DX Atlas keeps",
            json!({"type": "number", "minimum": 0, "maximum": 1}),
        ),
        query(
            "minIslandKm2",
            "Parts of an area smaller than this (km²) are left out, replacing the zoom's; 0 keeps every island",
            json!({"type": "number", "minimum": 0}),
        ),
    ]
}

/// The OpenAPI 3.0 definition of the API.
pub fn openapi(root: &str) -> Value {
    let f = json!({"name": "f", "in": "query", "required": false, "description": "Format: json or html (default: by Accept)", "schema": {"type": "string", "enum": ["json", "html"]}});
    let collection_id = json!({"name": "collectionId", "in": "path", "required": true, "schema": {"type": "string", "enum": ["municipalities", "prefectures"]}});
    let ok = |what: &str, media: &str| json!({"200": {"description": what, "content": {media: {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}}}}, "400": {"description": "A parameter is malformed or unknown; the message names it"}, "404": {"description": "No such collection or feature"}});
    let query = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema, "style": "form", "explode": false});
    let [zoom, tolerance, island] = detail_parameters();
    let items_parameters = json!([
        zoom.clone(),
        tolerance.clone(),
        island.clone(),
        collection_id,
        query(
            "limit",
            "Features per page",
            json!({"type": "integer", "minimum": 1, "maximum": 10000, "default": 100})
        ),
        query(
            "offset",
            "Features skipped before the page (the next link carries it)",
            json!({"type": "integer", "minimum": 0, "default": 0})
        ),
        query(
            "bbox",
            "Features whose boundary meets the box: west,south,east,north in CRS84",
            json!({"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}})
        ),
        query(
            "bbox-crs",
            "Only CRS84",
            json!({"type": "string", "enum": [CRS84]})
        ),
        query(
            "datetime",
            "Accepted; every feature holds for the one survey edition",
            json!({"type": "string"})
        ),
        query(
            "prefecture",
            "Two-digit prefecture code",
            json!({"type": "string"})
        ),
        query(
            "kind",
            "Kind of municipality (municipalities only)",
            json!({"type": "string"})
        ),
        f,
    ]);
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "DX Atlas OGC API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "OGC API – Features (Core, GeoJSON, HTML, OpenAPI 3.0) of Japan's municipalities and prefectures with official survey values and statistics, and OGC API – Tiles for their boundary vector tiles.",
            "license": {"name": "CC BY 4.0 compatible terms of each source", "url": "https://creativecommons.org/licenses/by/4.0/"},
        },
        "servers": [{"url": root}],
        "paths": {
            "/": {"get": {"summary": "Landing page", "operationId": "getLandingPage", "parameters": [f], "responses": ok("The landing page", "application/json")}},
            "/conformance": {"get": {"summary": "Conformance classes", "operationId": "getConformanceDeclaration", "parameters": [f], "responses": ok("The conformance classes", "application/json")}},
            "/api": {"get": {"summary": "This document", "operationId": "getApi", "parameters": [f], "responses": ok("The OpenAPI definition", OPENAPI)}},
            "/collections": {"get": {"summary": "The collections", "operationId": "getCollections", "parameters": [f], "responses": ok("The collections", "application/json")}},
            "/collections/{collectionId}": {"get": {"summary": "One collection", "operationId": "describeCollection", "parameters": [collection_id, f], "responses": ok("The collection", "application/json")}},
            "/collections/{collectionId}/items": {"get": {"summary": "The features", "operationId": "getFeatures", "parameters": items_parameters, "responses": ok("A page of features", GEOJSON)}},
            "/collections/{collectionId}/items/{featureId}": {"get": {"summary": "One feature", "operationId": "getFeature", "parameters": [collection_id, {"name": "featureId", "in": "path", "required": true, "schema": {"type": "integer"}}, f, zoom, tolerance, island], "responses": ok("The feature", GEOJSON)}},
            "/collections/{collectionId}/schema": {"get": {"summary": "The features' JSON Schema", "operationId": "getSchema", "parameters": [collection_id, f], "responses": ok("The schema", "application/schema+json")}},
            "/collections/{collectionId}/queryables": {"get": {"summary": "The properties /items filters on", "operationId": "getQueryables", "parameters": [collection_id, f], "responses": ok("The queryables", "application/schema+json")}},
            "/collections/{collectionId}/tiles": {"get": {"summary": "The collection's vector tilesets", "operationId": "getCollectionTilesets", "parameters": [collection_id, f], "responses": ok("The tilesets", "application/json")}},
            "/collections/{collectionId}/tiles/WebMercatorQuad": {"get": {"summary": "The tileset metadata", "operationId": "getCollectionTileset", "parameters": [collection_id, f], "responses": ok("The tileset", "application/json")}},
            "/tiles": {"get": {"summary": "The dataset's vector tilesets", "operationId": "getTilesets", "parameters": [f], "responses": ok("The tilesets", "application/json")}},
            "/tiles/WebMercatorQuad": {"get": {"summary": "The tileset metadata", "operationId": "getTileset", "parameters": [f], "responses": ok("The tileset", "application/json")}},
            "/tileMatrixSets": {"get": {"summary": "The tile matrix sets", "operationId": "getTileMatrixSets", "parameters": [f], "responses": ok("The tile matrix sets", "application/json")}},
            "/tileMatrixSets/WebMercatorQuad": {"get": {"summary": "WebMercatorQuad", "operationId": "getTileMatrixSet", "parameters": [f], "responses": ok("The definition", "application/json")}},
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_mercator_quad_has_the_standard_scales() {
        let tms = web_mercator_quad();
        let zero = &tms["tileMatrices"][0];
        let scale = zero["scaleDenominator"].as_f64().unwrap();
        assert!((scale - 559_082_264.028_717_2).abs() < 1e-3, "{scale}");
        assert_eq!(
            tms["tileMatrices"].as_array().unwrap().len(),
            usize::from(MAX_ZOOM) + 1
        );
    }

    #[test]
    fn tile_limits_cover_japan() {
        assert_eq!(tile_of(139.69, 35.69, 10), (909, 403));
        let doc = tileset(
            "http://h/ogcapi",
            "http://h",
            None,
            [122.9, 20.4, 154.0, 45.6],
        );
        let z0 = &doc["tileMatrixSetLimits"][0];
        assert_eq!(
            (z0["minTileCol"].as_u64(), z0["maxTileRow"].as_u64()),
            (Some(0), Some(0))
        );
        let template = doc["links"][2]["href"].as_str().unwrap();
        assert_eq!(
            template,
            "http://h/tiles/{tileMatrix}/{tileCol}/{tileRow}.mvt"
        );
    }

    #[test]
    fn the_landing_page_links_what_the_standard_requires() {
        let doc = landing("http://h/ogcapi");
        let rels: Vec<&str> = doc["links"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l["rel"].as_str())
            .collect();
        for rel in ["self", "service-desc", "service-doc", "conformance", "data"] {
            assert!(rels.contains(&rel), "{rel}");
        }
        assert_eq!(doc["links"][2]["href"], "http://h/ogcapi/api");
    }
}
