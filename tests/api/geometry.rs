//! Boundaries come out as valid RFC 7946 GeoJSON with the credit line, and round-trip losslessly.

use dx_atlas::spatial::{geojson, n03, rings, CREDIT};
use serde_json::{json, Value};

use crate::helpers::{geodata_dir, require_python, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    features_are_valid_rfc7946_with_credit,
    stored_geometry_round_trips_losslessly,
    precision_rounds_coordinates,
    every_stored_boundary_is_valid_for_geos,
    municipal_maps_are_valid_for_geos_at_every_zoom,
    prefecture_maps_are_valid_for_geos_at_every_zoom,
    maps_are_valid_for_geos_at_every_precision,
    maps_are_valid_for_geos_at_explicit_tolerances,
    graphql_geometries_are_valid_and_shared_at_coarse_precisions,
);

/// Twice the signed area of a ring (shoelace): positive when counter-clockwise.
fn signed_area(ring: &[Value]) -> f64 {
    ring.windows(2)
        .map(|w| {
            let (a, b) = (&w[0], &w[1]);
            a[0].as_f64().unwrap() * b[1].as_f64().unwrap()
                - b[0].as_f64().unwrap() * a[1].as_f64().unwrap()
        })
        .sum()
}

fn polygons(geometry: &Value) -> Vec<Vec<Vec<Value>>> {
    let to_rings = |p: &Value| -> Vec<Vec<Value>> {
        p.as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_array().unwrap().clone())
            .collect()
    };
    match geometry["type"].as_str().unwrap() {
        "Polygon" => vec![to_rings(&geometry["coordinates"])],
        "MultiPolygon" => geometry["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(to_rings)
            .collect(),
        other => panic!("unexpected geometry type {other}"),
    }
}

async fn features_are_valid_rfc7946_with_credit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .data(
            r#"{ municipalities(filter: {prefecture: "13"}, first: 100) { edges { node { code feature(precision: 6) } } }
                 prefecture(code: "13") { geometry(precision: 5) } }"#,
            json!({}),
        )
        .await;
    let edges = data["municipalities"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 62);
    for edge in edges {
        let feature = &edge["node"]["feature"];
        assert_eq!(feature["type"], "Feature");
        assert_eq!(feature["credit"], CREDIT);
        assert_eq!(feature["id"], edge["node"]["code"]);
        assert_eq!(feature["properties"]["code"], edge["node"]["code"]);
        for polygon in polygons(&feature["geometry"]) {
            for (i, ring) in polygon.iter().enumerate() {
                assert!(ring.len() >= 4, "ring too short");
                assert_eq!(ring.first(), ring.last(), "ring closed");
                for p in ring {
                    let (lon, lat) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
                    // Tokyo reaches from Okinotorishima (136°E, 20°N) to Minamitorishima (154°E).
                    assert!(
                        (135.0..155.0).contains(&lon) && (20.0..36.0).contains(&lat),
                        "{lon},{lat}"
                    );
                }
                // RFC 7946 §3.1.6: exteriors counter-clockwise, holes clockwise.
                assert_eq!(signed_area(ring) > 0.0, i == 0, "winding of ring {i}");
            }
        }
    }
    assert_eq!(data["prefecture"]["geometry"]["credit"], CREDIT);
}

async fn stored_geometry_round_trips_losslessly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // The same file read directly, validated and oriented as the import does.
    let path = geodata_dir().join(dx_atlas::import::MUNICIPALITIES_FILE);
    let features = n03::read_features(&path).unwrap();
    let (records, _) = n03::municipalities(&path, features).unwrap();
    for code in ["13104", "01100", "47382", "01695"] {
        let record = records.iter().find(|r| r.code.to_string() == code).unwrap();
        let expected = geojson::geometry_value(record.boundary.as_ref().unwrap());
        let data = app
            .data(
                "query($c: String!) { municipality(code: $c) { geometry } }",
                json!({ "c": code }),
            )
            .await;
        let mut served = data["municipality"]["geometry"].clone();
        served.as_object_mut().unwrap().remove("credit");
        assert_eq!(served, expected, "{code} differs from the file");
        // And the numbers are the file's to the bit, not merely close.
        let back = geojson::parse_geometry(&served).unwrap();
        assert_eq!(&back, record.boundary.as_ref().unwrap());
    }
    assert!(rings::validate(vec![]).is_err());
}

async fn precision_rounds_coordinates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .data(
            r#"{ municipality(code: "13104") { geometry(precision: 3) } }"#,
            json!({}),
        )
        .await;
    for polygon in polygons(&data["municipality"]["geometry"]) {
        for ring in polygon {
            for p in ring {
                for n in p.as_array().unwrap() {
                    let v = n.as_f64().unwrap();
                    assert!(
                        ((v * 1000.0).round() / 1000.0 - v).abs() < 1e-9,
                        "{v} has more than 3 decimals"
                    );
                }
            }
        }
    }
}

/// The codes of the geometries GEOS (through shapely) finds invalid, with its reason.
fn invalid_for_geos(geometries: &[(String, Value)]) -> Vec<String> {
    let script = r"
import json, sys
from shapely.geometry import shape
from shapely.validation import explain_validity
for code, g in json.load(sys.stdin):
    if g is None:
        print(code, 'no geometry')
        continue
    s = shape(g)
    if not s.is_valid or s.area <= 0:
        print(code, explain_validity(s))
";
    shapely(script, geometries)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Every stored boundary, prefectures and municipalities, is a valid polygon with an area by
/// GEOS's rules. The source has five that cross themselves (三重県, 広島県, 長崎県, 沖縄県 and
/// 広島市, as simplified): they are repaired at import, and the import says which.
async fn every_stored_boundary_is_valid_for_geos(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut geometries: Vec<(String, Value)> = Vec::new();
    let prefectures = app
        .data("{ prefectures { code geometry } }", json!({}))
        .await;
    for p in prefectures["prefectures"].as_array().unwrap() {
        geometries.push((
            p["code"].as_str().unwrap().to_owned(),
            p["geometry"].clone(),
        ));
    }
    geometries.extend(municipal_geometries(&app, None).await);
    assert_eq!(geometries.len(), 47 + 1747);
    let invalid = invalid_for_geos(&geometries);
    assert!(
        invalid.is_empty(),
        "GEOS finds invalid boundaries: {invalid:?}"
    );
}

/// Every municipality of the whole-country map is valid by GEOS's rules at every zoom from 0
/// to 14, at the zoom's own precision, and none loses its geometry; a finer zoom never has
/// fewer positions than the coarser one before it but by what rounding merges.
async fn municipal_maps_are_valid_for_geos_at_every_zoom(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let areas = app
        .data(
            "{ municipalities(filter: { includeNotAdministered: true }) { totalCount } }",
            json!({}),
        )
        .await["municipalities"]["totalCount"]
        .as_u64()
        .unwrap();
    let mut coarser = 0;
    for zoom in 0..=14 {
        let doc: Value = serde_json::from_str(
            &app.text(&format!(
                "/choropleth.geojson?indicator=cio.appointed&zoom={zoom}"
            ))
            .await,
        )
        .unwrap();
        let features = doc["features"].as_array().unwrap();
        assert_eq!(
            features.len() as u64,
            areas,
            "zoom {zoom}: every area is drawn"
        );
        let geometries: Vec<(String, Value)> = features
            .iter()
            .map(|f| {
                (
                    f["properties"]["code"].as_str().unwrap().to_owned(),
                    f["geometry"].clone(),
                )
            })
            .collect();
        // A feature without geometry is reported too ("no geometry").
        let invalid = invalid_for_geos(&geometries);
        assert!(invalid.is_empty(), "zoom {zoom}: GEOS finds {invalid:?}");
        let positions: usize = features
            .iter()
            .flat_map(|f| polygons(&f["geometry"]))
            .flatten()
            .map(|ring| ring.len())
            .sum();
        // Rounding may merge a few positions of a level that kept them whole.
        assert!(
            positions * 100 >= coarser * 98,
            "zoom {zoom} has {positions} positions, zoom {} had {coarser}",
            zoom.max(1) - 1
        );
        coarser = positions;
    }
}

/// The codes and geometries of a map document's features.
fn feature_geometries(doc: &Value) -> Vec<(String, Value)> {
    doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["code"].as_str().unwrap().to_owned(),
                f["geometry"].clone(),
            )
        })
        .collect()
}

/// Every prefecture is valid by GEOS's rules at every zoom, 沖縄県 too, whose islands lie
/// within a metre of each other in the source.
async fn prefecture_maps_are_valid_for_geos_at_every_zoom(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for zoom in 0..=14 {
        let doc: Value = serde_json::from_str(
            &app.text(&format!(
                "/choropleth.geojson?indicator=cio.appointed&level=PREFECTURE&zoom={zoom}"
            ))
            .await,
        )
        .unwrap();
        let geometries = feature_geometries(&doc);
        assert_eq!(geometries.len(), 47);
        let invalid = invalid_for_geos(&geometries);
        assert!(invalid.is_empty(), "zoom {zoom}: GEOS finds {invalid:?}");
    }
}

/// At every precision from 1 to 9 decimals, every municipality of the GeoJSON and of the
/// TopoJSON as topojson-client decodes it is valid by GEOS's rules, and neighbours still
/// share their borders exactly: no ground covered twice, and no hole between them where the
/// map at 9 decimals has their land. From 3 decimals on every area keeps its geometry; coarser
/// grids (11 km and 1.1 km) have no room for the smallest.
async fn maps_are_valid_for_geos_at_every_precision(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let unrounded: Value = serde_json::from_str(
        &app.text("/choropleth.geojson?indicator=cio.appointed&zoom=6&precision=9")
            .await,
    )
    .unwrap();
    for precision in 1..=9 {
        let query = format!("indicator=cio.appointed&zoom=6&precision={precision}");
        let geojson: Value =
            serde_json::from_str(&app.text(&format!("/choropleth.geojson?{query}")).await).unwrap();
        let topojson: Value =
            serde_json::from_str(&app.text(&format!("/choropleth.topojson?{query}")).await)
                .unwrap();
        let decoded = crate::choropleth::decode_with_topojson_client(&topojson);
        for (format, doc) in [("GeoJSON", &geojson), ("TopoJSON", &decoded)] {
            let report = invalid_for_geos(&feature_geometries(doc));
            let (lost, invalid): (Vec<&String>, Vec<&String>) = report
                .iter()
                .partition(|line| line.ends_with("no geometry"));
            assert!(
                invalid.is_empty(),
                "{format}, precision {precision}: GEOS finds {invalid:?}"
            );
            if precision >= 3 {
                assert!(lost.is_empty(), "{format}, precision {precision}: {lost:?}");
            }
            let (overlap, gaps) = neighbours_for_geos(doc, &unrounded);
            // Square degrees; on a grid of decimals GEOS's sums differ from zero by rounding
            // error alone (1e-10 square degrees is about a square metre).
            assert!(
                overlap < 1e-10,
                "{format}, precision {precision}: neighbours overlap by {overlap} square degrees"
            );
            assert!(
                gaps.is_empty(),
                "{format}, precision {precision}: gaps between neighbours of {gaps:?} square degrees"
            );
        }
    }
}

/// A map simplified at an explicit `tolerance` (instead of a zoom's), from a hair to a tenth
/// of a degree, is valid by GEOS's rules at 3 and 5 decimals, keeps every area (a tenth of a
/// degree leaves 喬木村 and 高原町 needles narrower than 3 decimals' grid until their arcs
/// are refined), and its neighbours share their borders exactly.
async fn maps_are_valid_for_geos_at_explicit_tolerances(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for tolerance in [0.0005, 0.005, 0.02, 0.1] {
        let map = |precision: u8| {
            format!(
                "/choropleth.geojson?indicator=cio.appointed&tolerance={tolerance}&precision={precision}"
            )
        };
        let unrounded: Value = serde_json::from_str(&app.text(&map(9)).await).unwrap();
        for precision in [3, 5] {
            let doc: Value = serde_json::from_str(&app.text(&map(precision)).await).unwrap();
            let report = invalid_for_geos(&feature_geometries(&doc));
            let (lost, invalid): (Vec<&String>, Vec<&String>) = report
                .iter()
                .partition(|line| line.ends_with("no geometry"));
            assert!(
                invalid.is_empty(),
                "tolerance {tolerance}, precision {precision}: GEOS finds {invalid:?}"
            );
            assert!(
                lost.is_empty(),
                "tolerance {tolerance}, precision {precision}: {lost:?}"
            );
            let (overlap, gaps) = neighbours_for_geos(&doc, &unrounded);
            assert!(
                overlap < 1e-10 && gaps.is_empty(),
                "tolerance {tolerance}, precision {precision}: overlap {overlap}, gaps {gaps:?}"
            );
        }
    }
}

/// How much ground the features of `doc` cover twice (their areas' sum less their union's
/// area), and the areas of the gaps left where neighbours' borders part: holes in their union
/// that two or more of them border and that `reference`'s features drawn in `doc` cover
/// nearly all of (90 %; a bay the grid closed is mostly water, and an area too small for the
/// grid leaves a hole of its own). By GEOS, through shapely.
fn neighbours_for_geos(doc: &Value, reference: &Value) -> (f64, Vec<f64>) {
    let script = r"
import json, sys
from shapely.geometry import Polygon, shape
from shapely.ops import unary_union
from shapely.strtree import STRtree
doc, reference = json.load(sys.stdin)
drawn = {f['properties']['code']: shape(f['geometry']) for f in doc['features'] if f['geometry']}
shapes = list(drawn.values())
u = unary_union(shapes)
overlap = sum(s.area for s in shapes) - u.area
land = [shape(f['geometry']) for f in reference['features']
        if f['geometry'] and f['properties']['code'] in drawn]
land_tree, tree = STRtree(land), STRtree(shapes)
def is_gap(h):
    if sum(1 for i in tree.query(h) if shapes[i].distance(h) == 0) < 2:
        return False
    return sum(h.intersection(land[i]).area for i in land_tree.query(h)) > 0.9 * h.area
holes = [Polygon(r) for p in getattr(u, 'geoms', [u]) for r in p.interiors]
print(json.dumps([overlap, [h.area for h in holes if is_gap(h)]]))
";
    serde_json::from_str(&shapely(script, &(doc, reference))).unwrap()
}

/// What a Python `script` using shapely prints, given `input` as JSON on its standard input.
fn shapely(script: &str, input: &(impl serde::Serialize + ?Sized)) -> String {
    use std::io::Write;
    require_python(&["shapely"]);
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let input = serde_json::to_vec(input).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "shapely failed");
    String::from_utf8(output.stdout).unwrap()
}

/// GraphQL's `geometry(precision)`, asked for one municipality after another, is valid by
/// GEOS's rules at the coarse precisions where rounding folds narrow parts most, leaves no
/// municipality without geometry, and draws every border as the neighbour across it does: no
/// ground covered twice, and no gap where the stored boundaries have land.
async fn graphql_geometries_are_valid_and_shared_at_coarse_precisions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let stored = feature_collection(&municipal_geometries(&app, None).await);
    for precision in [3, 4] {
        let geometries = municipal_geometries(&app, Some(precision)).await;
        assert!(geometries.len() > 1700);
        let report = invalid_for_geos(&geometries);
        assert!(
            report.is_empty(),
            "precision {precision}: GEOS finds {report:?}"
        );
        let (overlap, gaps) = neighbours_for_geos(&feature_collection(&geometries), &stored);
        assert!(
            overlap < 1e-10 && gaps.is_empty(),
            "precision {precision}: overlap {overlap}, gaps {gaps:?}"
        );
    }
}

/// Geometries by code as a FeatureCollection, each feature's code its one property.
fn feature_collection(geometries: &[(String, Value)]) -> Value {
    let features: Vec<Value> = geometries
        .iter()
        .map(|(code, geometry)| {
            json!({ "type": "Feature", "geometry": geometry, "properties": { "code": code } })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

/// Every municipality's code and GraphQL `geometry`, at `precision` decimals or in full.
async fn municipal_geometries(app: &TestApp, precision: Option<u8>) -> Vec<(String, Value)> {
    let mut geometries = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .data(
                "query($after: String, $p: Int) { municipalities(first: 1000, after: $after, \
                 filter: { includeNotAdministered: true }) { \
                 edges { node { code geometry(precision: $p) } } pageInfo { hasNextPage endCursor } } }",
                json!({ "after": after, "p": precision }),
            )
            .await;
        let connection = &page["municipalities"];
        for edge in connection["edges"].as_array().unwrap() {
            let node = &edge["node"];
            geometries.push((
                node["code"].as_str().unwrap().to_owned(),
                node["geometry"].clone(),
            ));
        }
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    geometries
}
