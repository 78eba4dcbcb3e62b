//! Spatial queries: the municipality at a point, those meeting a box.

use serde_json::json;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    point_in_polygon_finds_the_municipality,
    bounding_box_finds_intersecting_municipalities
);

async fn point_in_polygon_finds_the_municipality(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let query =
        "query($lon: Float!, $lat: Float!) { municipalityAt(lon: $lon, lat: $lat) { code name } }";
    for (lon, lat, code) in [
        (139.7671, 35.6812, Some("13101")), // Tokyo Station: 千代田区
        (139.7003, 35.6938, Some("13104")), // Shinjuku Station: 新宿区
        (135.4959, 34.7025, Some("27100")), // Osaka Station: 大阪市 (designated city, whole)
        (141.3508, 43.0687, Some("01100")), // Sapporo Station
        (139.85, 35.45, None),              // Tokyo Bay
        (150.0, 30.0, None),                // the Pacific
    ] {
        let data = app.data(query, json!({"lon": lon, "lat": lat})).await;
        assert_eq!(
            data["municipalityAt"]["code"].as_str(),
            code,
            "({lon}, {lat})"
        );
    }
    let body = app.graphql(query, json!({"lon": 200.0, "lat": 35.0})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

async fn bounding_box_finds_intersecting_municipalities(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .data(
            r"{ municipalities(filter: {bbox: {minLon: 139.69, minLat: 35.68, maxLon: 139.71, maxLat: 35.70}}) {
                   totalCount edges { node { code } } } }",
            json!({}),
        )
        .await;
    let codes: Vec<&str> = data["municipalities"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"13104"), "{codes:?}");
    assert!(codes.len() < 8, "{codes:?}");
    let body = app
        .graphql(r"{ municipalities(filter: {bbox: {minLon: 140, minLat: 35, maxLon: 139, maxLat: 36}}) { totalCount } }", json!({}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}
