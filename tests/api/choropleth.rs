//! Choropleths: map-ready documents, classification agreeing with mapclassify, TopoJSON that
//! topojson-client decodes, borders that stay shared after simplification, downloads.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::process::{Command, Stdio};

use geo::{Area, Distance, Euclidean, Length};
use serde_json::{json, Value};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    whole_country_numeric_choropleth_is_map_ready,
    categorical_and_prefecture_choropleths,
    breaks_agree_with_mapclassify,
    topojson_decodes_with_topojson_client_to_the_geojson,
    simplified_neighbours_share_identical_borders,
    downloads_carry_etag_and_compress,
    bad_choropleth_arguments_are_named,
);

const CHOROPLETH: &str = "query($indicator: String!, $option: String, $level: MapLevelArg = MUNICIPALITY,
    $prefectureValue: PrefectureValueArg = OWN_ANSWER, $prefecture: String,
    $classification: ClassificationMethod = QUANTILES, $classes: Int = 5, $breaks: [Float!], $palette: String,
    $zoom: Int, $precision: Int, $format: MapFormat = GEOJSON) {
  choropleth(indicator: $indicator, option: $option, level: $level, prefectureValue: $prefectureValue,
    prefecture: $prefecture, classification: $classification, classes: $classes, breaks: $breaks, palette: $palette,
    zoom: $zoom, precision: $precision, format: $format) {
    document method provenance provenanceNote credit
    legend { index lower upper category label colour count }
    missing { label colour count }
    statistics { n missing min max mean median }
    downloads { geojson topojson csv }
  } }";

pub async fn choropleth(app: &TestApp, variables: Value) -> Value {
    app.data(CHOROPLETH, variables).await["choropleth"].clone()
}

async fn whole_country_numeric_choropleth_is_map_ready(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = choropleth(&app, json!({"indicator": "staff.dx_it_units", "classification": "NATURAL_BREAKS", "classes": 5, "palette": "YlGnBu"})).await;
    let features = c["document"]["features"].as_array().unwrap();
    assert_eq!(features.len(), 1747, "every municipality is drawn");
    assert_eq!(c["document"]["type"], "FeatureCollection");
    assert_eq!(c["provenance"], "CALIBRATED_SYNTHETIC");
    assert!(c["provenanceNote"].as_str().unwrap().contains("synthetic"));
    assert_eq!(
        c["document"]["edition"]["provenance"],
        "CALIBRATED_SYNTHETIC"
    );
    assert_eq!(c["credit"], dx_atlas::spatial::CREDIT);
    assert_eq!(c["document"]["credit"], dx_atlas::spatial::CREDIT);
    // 1,747 drawn: 1,733 asked; the six Northern Territories villages and eight Ishikawa
    // municipalities outside the universe are missing, not zero.
    assert_eq!(c["statistics"]["n"], 1733);
    assert_eq!(c["statistics"]["missing"], 14);
    assert_eq!(c["missing"]["count"], 14);
    let legend = c["legend"].as_array().unwrap();
    assert_eq!(legend.len(), 5);
    let counted: i64 = legend.iter().map(|l| l["count"].as_i64().unwrap()).sum();
    assert_eq!(counted, 1733);
    for f in features {
        let p = &f["properties"];
        if p["value"].is_null() {
            assert!(p["class"].is_null());
            assert_eq!(p["colour"], c["missing"]["colour"]);
        } else {
            let class = usize::try_from(p["class"].as_u64().unwrap()).unwrap();
            assert_eq!(p["colour"], legend[class]["colour"], "{p}");
            let v = p["value"].as_f64().unwrap();
            assert!(v <= legend[class]["upper"].as_f64().unwrap() + 1e-9);
        }
    }
    let sum: f64 = features
        .iter()
        .filter_map(|f| f["properties"]["value"].as_f64())
        .sum();
    assert_eq!(sum, 10203.0, "the published total");
    assert!(c["downloads"]["geojson"]
        .as_str()
        .unwrap()
        .starts_with("/choropleth.geojson?indicator=staff.dx_it_units"));
}

async fn categorical_and_prefecture_choropleths(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = choropleth(
        &app,
        json!({"indicator": "cio.appointed", "prefecture": "13"}),
    )
    .await;
    assert_eq!(c["method"], "categories");
    assert_eq!(c["document"]["features"].as_array().unwrap().len(), 62);
    let legend = c["legend"].as_array().unwrap();
    assert_eq!(
        legend
            .iter()
            .map(|l| l["category"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["yes", "no"]
    );
    assert_ne!(legend[0]["colour"], legend[1]["colour"]);

    let c = choropleth(
        &app,
        json!({"indicator": "cio.appointed", "option": "yes", "level": "PREFECTURE", "prefectureValue": "MUNICIPAL_SHARE"}),
    )
    .await;
    let features = c["document"]["features"].as_array().unwrap();
    assert_eq!(features.len(), 47);
    assert!(features
        .iter()
        .all(|f| (0.0..=1.0).contains(&f["properties"]["value"].as_f64().unwrap())));
    let own = choropleth(
        &app,
        json!({"indicator": "cio.appointed", "level": "PREFECTURE"}),
    )
    .await;
    let yes = own["legend"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["category"] == "yes")
        .unwrap()["count"]
        .clone();
    assert_eq!(yes, 43, "43 prefectures appointed a CIO");
}

pub fn python_reference(input: &Value) -> Value {
    crate::helpers::python_json(
        "stats_reference.py",
        &["mapclassify", "esda", "libpysal"],
        input,
    )
}

async fn breaks_agree_with_mapclassify(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = choropleth(&app, json!({"indicator": "staff.dx_it_units"})).await;
    let values: Vec<f64> = c["document"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["properties"]["value"].as_f64())
        .collect();
    let manual = [3.0, 6.0, 12.0, 25.0];
    let reference = python_reference(&json!({
        "values": values, "k": 5,
        "methods": ["Quantiles", "EqualInterval", "FisherJenks", "StdMean"], "manual": manual,
    }));
    for (method, name) in [
        ("QUANTILES", "Quantiles"),
        ("EQUAL_INTERVAL", "EqualInterval"),
        ("NATURAL_BREAKS", "FisherJenks"),
        ("STANDARD_DEVIATION", "StdMean"),
        ("MANUAL", "UserDefined"),
    ] {
        let c = choropleth(&app, json!({"indicator": "staff.dx_it_units", "classification": method, "classes": 5, "breaks": manual})).await;
        let ours: Vec<f64> = c["legend"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["upper"].as_f64().unwrap())
            .collect();
        let theirs: Vec<f64> = serde_json::from_value(reference["breaks"][name].clone()).unwrap();
        assert_eq!(ours.len(), theirs.len(), "{method}: {ours:?} vs {theirs:?}");
        for (a, b) in ours.iter().zip(&theirs) {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                "{method}: {ours:?} vs mapclassify {theirs:?}"
            );
        }
    }
}

pub fn decode_with_topojson_client(topology: &Value) -> Value {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference");
    crate::helpers::require_node("tests/reference", "topojson-client");
    let mut child = Command::new("node")
        .arg("topojson_decode.mjs")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(topology.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "topojson-client failed (npm ci in tests/reference): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn positions(geometry: &Value) -> Vec<(f64, f64)> {
    fn walk(v: &Value, out: &mut Vec<(f64, f64)>) {
        match v.as_array() {
            Some(a) if a.len() >= 2 && a[0].is_number() => {
                out.push((a[0].as_f64().unwrap(), a[1].as_f64().unwrap()));
            }
            Some(a) => a.iter().for_each(|x| walk(x, out)),
            None => {}
        }
    }
    let mut out = Vec::new();
    walk(&geometry["coordinates"], &mut out);
    out
}

/// The parts of a GeoJSON polygon or multipolygon.
fn parts(geometry: &Value) -> Vec<geo::Polygon<f64>> {
    let polygon = |coordinates: &Value| {
        let mut lines = rings(&json!({ "coordinates": coordinates })).into_iter();
        let exterior = lines.next().unwrap_or_else(|| geo::LineString::new(vec![]));
        geo::Polygon::new(exterior, lines.collect())
    };
    match geometry["type"].as_str() {
        Some("Polygon") => vec![polygon(&geometry["coordinates"])],
        Some("MultiPolygon") => geometry["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(polygon)
            .collect(),
        _ => Vec::new(),
    }
}

/// The rings of a GeoJSON polygon or multipolygon, as lines.
fn rings(geometry: &Value) -> Vec<geo::LineString<f64>> {
    fn walk(v: &Value, out: &mut Vec<geo::LineString<f64>>) {
        let Some(a) = v.as_array() else { return };
        let is_ring = a
            .first()
            .and_then(Value::as_array)
            .is_some_and(|p| p[0].is_number());
        if is_ring {
            out.push(
                a.iter()
                    .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                    .collect(),
            );
        } else {
            for x in a {
                walk(x, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&geometry["coordinates"], &mut out);
    out
}

async fn topojson_decodes_with_topojson_client_to_the_geojson(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let vars = json!({"indicator": "cio.appointed", "zoom": 7, "precision": 4});
    let geo = choropleth(&app, vars.clone()).await["document"].clone();
    let mut topo_vars = vars;
    topo_vars["format"] = json!("TOPOJSON");
    let topo = choropleth(&app, topo_vars).await["document"].clone();
    assert_eq!(topo["type"], "Topology");
    assert_eq!(topo["legend"], geo["legend"]);
    let decoded = decode_with_topojson_client(&topo);
    let theirs = decoded["features"].as_array().unwrap();
    let ours = geo["features"].as_array().unwrap();
    assert_eq!(theirs.len(), ours.len());
    let step = topo["transform"]["scale"][0]
        .as_f64()
        .unwrap()
        .max(topo["transform"]["scale"][1].as_f64().unwrap());
    for (a, b) in ours.iter().zip(theirs) {
        assert_eq!(a["id"], b["id"]);
        assert_eq!(a["properties"], b["properties"]);
        if a["geometry"].is_null() {
            continue;
        }
        let (pa, pb) = (positions(&a["geometry"]), positions(&b["geometry"]));
        // Quantization may merge positions closer than a step, and snap rounding on its grid
        // may bend a border through a grid point beside it: every decoded position lies on
        // our border, within a step and the GeoJSON's own grid (1e-4). A sliver of a part no
        // wider than a few steps may collapse on one grid and not on the other: its positions
        // are not compared.
        let border = rings(&a["geometry"]);
        let compared = parts(&b["geometry"])
            .into_iter()
            .filter(|part| part.unsigned_area() > 2.0 * step * Euclidean.length(part.exterior()));
        for point in compared.flat_map(|part| part.exterior().points().collect::<Vec<_>>()) {
            let off = border
                .iter()
                .map(|ring| Euclidean.distance(&point, ring))
                .fold(f64::INFINITY, f64::min);
            assert!(
                off <= step + 1e-4,
                "{}: decoded {point:?} is {off} degrees off the GeoJSON's border",
                a["id"]
            );
        }
        assert!(pb.len() <= pa.len() + 4 * a["geometry"]["coordinates"].as_array().unwrap().len());
    }
    // For the whole country at the default level: the geometry (shared, quantized,
    // delta-encoded arcs) is about half the size; the document, whose per-feature properties
    // are the same in both formats, about two thirds. Japan's boundaries are mostly coast,
    // which no neighbour shares.
    let geo = choropleth(
        &app,
        json!({"indicator": "cio.appointed", "format": "GEOJSON"}),
    )
    .await["document"]
        .clone();
    let topo = choropleth(
        &app,
        json!({"indicator": "cio.appointed", "format": "TOPOJSON"}),
    )
    .await["document"]
        .clone();
    let geo_geometry: usize = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["geometry"].to_string().len())
        .sum();
    let topo_geometry = topo["arcs"].to_string().len()
        + topo["objects"]["choropleth"]["geometries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["arcs"].to_string().len())
            .sum::<usize>();
    assert!(
        geo_geometry as f64 > 1.8 * topo_geometry as f64,
        "TopoJSON geometry {topo_geometry} bytes against GeoJSON {geo_geometry}"
    );
    let (g, t) = (geo.to_string().len(), topo.to_string().len());
    assert!(
        (t as f64) < 0.7 * g as f64,
        "TopoJSON {t} bytes against GeoJSON {g}"
    );
}

fn edges(geometry: &Value) -> HashSet<((i64, i64), (i64, i64))> {
    let mut out = HashSet::new();
    let polygons: Vec<&Value> = match geometry["type"].as_str() {
        Some("Polygon") => vec![&geometry["coordinates"]],
        Some("MultiPolygon") => geometry["coordinates"].as_array().unwrap().iter().collect(),
        _ => vec![],
    };
    // Degrees times 1e7 stay far inside i64.
    #[allow(clippy::cast_possible_truncation)]
    let key = |p: &Value| {
        (
            (p[0].as_f64().unwrap() * 1e7).round() as i64,
            (p[1].as_f64().unwrap() * 1e7).round() as i64,
        )
    };
    for polygon in polygons {
        for ring in polygon.as_array().unwrap() {
            for w in ring.as_array().unwrap().windows(2) {
                let (a, b) = (key(&w[0]), key(&w[1]));
                out.insert(if a < b { (a, b) } else { (b, a) });
            }
        }
    }
    out
}

async fn simplified_neighbours_share_identical_borders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for zoom in [4, 6, 9] {
        let c = choropleth(
            &app,
            json!({"indicator": "cio.appointed", "prefecture": "13", "zoom": zoom}),
        )
        .await;
        let features = c["document"]["features"].as_array().unwrap();
        let by_code: std::collections::HashMap<&str, &Value> = features
            .iter()
            .map(|f| (f["id"].as_str().unwrap(), &f["geometry"]))
            .collect();
        let data = app
            .data(r#"{ municipalities(filter: {prefecture: "13"}) { edges { node { code neighbors { code } } } } }"#, json!({}))
            .await;
        let mut pairs = 0;
        for e in data["municipalities"]["edges"].as_array().unwrap() {
            let a = e["node"]["code"].as_str().unwrap();
            for n in e["node"]["neighbors"].as_array().unwrap() {
                let b = n["code"].as_str().unwrap();
                let (Some(ga), Some(gb)) = (by_code.get(a), by_code.get(b)) else {
                    continue;
                };
                let shared = edges(ga).intersection(&edges(gb)).count();
                assert!(
                    shared >= 1,
                    "zoom {zoom}: {a} and {b} no longer share a border edge"
                );
                pairs += 1;
            }
        }
        assert!(
            pairs > 100,
            "zoom {zoom}: only {pairs} neighbour pairs checked"
        );
    }
    let data = app
        .data(
            r#"{ municipality(code: "13104") { neighbors { code } } }"#,
            json!({}),
        )
        .await;
    let codes: Vec<&str> = data["municipality"]["neighbors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap())
        .collect();
    for expected in ["13101", "13113", "13114", "13116"] {
        assert!(codes.contains(&expected), "{codes:?}");
    }
}

async fn downloads_carry_etag_and_compress(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = reqwest::Client::new();
    let url = format!(
        "{}/choropleth.geojson?indicator=cio.appointed&prefecture=13",
        app.address
    );
    let first = client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let headers = first.headers().clone();
    let tag = headers["etag"].to_str().unwrap().to_owned();
    assert!(tag.starts_with('"'), "strong ETag: {tag}");
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("dx-atlas_R5_cio.appointed_municipality_13.geojson"));
    assert_eq!(headers["content-type"], "application/geo+json");
    let body = first.bytes().await.unwrap();
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["features"].as_array().unwrap().len(), 62);
    assert_eq!(doc["credit"], dx_atlas::spatial::CREDIT);

    let again = client
        .get(&url)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    let gz = client
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_ne!(gz.headers()["etag"].to_str().unwrap(), tag);
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..])
        .read_to_end(&mut plain)
        .unwrap();
    assert_eq!(plain, body);

    let br = client
        .get(&url)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");
    let compressed = br.bytes().await.unwrap();
    assert!(compressed.len() * 3 < body.len());
    let mut plain = Vec::new();
    brotli::Decompressor::new(&compressed[..], 4096)
        .read_to_end(&mut plain)
        .unwrap();
    assert_eq!(plain, body);

    let csv = client
        .get(format!(
            "{}/choropleth.csv?indicator=staff.dx_it_units&classification=EQUAL_INTERVAL&classes=4",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("code,name,value,class,label,colour,provenance,credit")
    );
    assert_eq!(lines.count(), 1747);
    assert!(text.contains("13104,新宿区,"));
    let topo = client
        .get(format!(
            "{}/choropleth.topojson?indicator=cio.appointed",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(topo.status(), 200);
    let topo: Value = topo.json().await.unwrap();
    assert_eq!(topo["type"], "Topology");

    let bad = client
        .get(format!("{}/choropleth.geojson?indicator=nope", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("nope"),
        "{body}"
    );
}

async fn bad_choropleth_arguments_are_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (vars, needle) in [
        (json!({"indicator": "gis.uses"}), "multiple choice"),
        (
            json!({"indicator": "cio.appointed", "option": "maybe"}),
            "no option `maybe`",
        ),
        (
            json!({"indicator": "staff.dx_it_units", "classes": 40}),
            "classes",
        ),
        (
            json!({"indicator": "staff.dx_it_units", "palette": "Nope"}),
            "palette",
        ),
        (
            json!({"indicator": "staff.dx_it_units", "classification": "MANUAL"}),
            "breaks",
        ),
        (
            json!({"indicator": "staff.dx_it_units", "zoom": 30}),
            "zoom",
        ),
    ] {
        let body = app.graphql(CHOROPLETH, vars.clone()).await;
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{vars}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{vars}: {body}"
        );
    }
}
