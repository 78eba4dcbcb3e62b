//! Spatial statistics: Moran's I and LISA agree with PySAL's esda on the same weights.

use std::collections::HashMap;

use serde_json::json;

use crate::choropleth::python_reference;
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    moran_agrees_with_esda_and_reports_islands,
    knn_and_binary_indicators
);

const QUERY: &str = "query($indicator: String!, $option: String, $weights: WeightsType = QUEEN, $k: Int = 5) {
  spatialAutocorrelation(indicator: $indicator, option: $option, weights: $weights, k: $k, permutations: 199) {
    provenance weights n islands moranI expected varianceNorm zNorm pNorm varianceRand zRand pRand pSim permutations
    local { code value i quadrant pSim cluster neighbors }
    clusterMap } }";

async fn moran_agrees_with_esda_and_reports_islands(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .data(QUERY, json!({"indicator": "staff.dx_it_units"}))
        .await["spatialAutocorrelation"]
        .clone();
    assert_eq!(r["provenance"], "CALIBRATED_SYNTHETIC");
    assert_eq!(r["n"], 1733);
    let local = r["local"].as_array().unwrap();
    let index: HashMap<&str, usize> = local
        .iter()
        .enumerate()
        .map(|(i, l)| (l["code"].as_str().unwrap(), i))
        .collect();
    let values: Vec<f64> = local.iter().map(|l| l["value"].as_f64().unwrap()).collect();
    let neighbours: Vec<Vec<usize>> = local
        .iter()
        .map(|l| {
            l["neighbors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| index[c.as_str().unwrap()])
                .collect()
        })
        .collect();
    let islands: Vec<&str> = r["islands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        islands.contains(&"13421"),
        "小笠原村 has no neighbour: {islands:?}"
    );
    for island in &islands {
        assert!(neighbours[index[island]].is_empty());
    }
    let reference = python_reference(
        &json!({"values": values, "k": 5, "methods": [], "neighbours": neighbours}),
    );
    let m = &reference["moran"];
    for (ours, theirs) in [
        ("moranI", "I"),
        ("expected", "EI"),
        ("varianceNorm", "VI_norm"),
        ("zNorm", "z_norm"),
        ("pNorm", "p_norm"),
        ("varianceRand", "VI_rand"),
        ("zRand", "z_rand"),
        ("pRand", "p_rand"),
    ] {
        let (a, b) = (r[ours].as_f64().unwrap(), m[theirs].as_f64().unwrap());
        assert!((a - b).abs() < 1e-6, "{ours}: {a} vs esda {b}");
    }
    let esda_local: Vec<f64> = serde_json::from_value(reference["local_I"].clone()).unwrap();
    for (l, theirs) in local.iter().zip(&esda_local) {
        let ours = l["i"].as_f64().unwrap();
        assert!(
            (ours - theirs).abs() < 1e-6,
            "{}: local I {ours} vs esda {theirs}",
            l["code"]
        );
    }
    let p = r["pSim"].as_f64().unwrap();
    assert!(p > 0.0 && p <= 1.0);
    // The synthetic data has a prefecture effect: positive autocorrelation.
    assert!(r["moranI"].as_f64().unwrap() > 0.0);

    let map = &r["clusterMap"];
    assert_eq!(map["features"].as_array().unwrap().len(), 1747);
    let classes: i64 = map["legend"]["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(classes, 1733);
    assert_eq!(map["legend"]["missing"]["count"], 14);
}

async fn knn_and_binary_indicators(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app
        .data(
            QUERY,
            json!({"indicator": "security.csirt", "option": "yes", "weights": "KNN", "k": 4}),
        )
        .await["spatialAutocorrelation"]
        .clone();
    assert_eq!(r["weights"], "KNN(4)");
    assert_eq!(r["n"], 1741);
    assert!(r["islands"].as_array().unwrap().is_empty());
    assert!(r["local"].as_array().unwrap().iter().all(|l| l["neighbors"]
        .as_array()
        .unwrap()
        .len()
        == 4));
    let ones = r["local"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["value"] == 1.0)
        .count();
    assert_eq!(ones, 1397, "CSIRT in 1,397 municipalities");
    let body = app
        .graphql(QUERY, json!({"indicator": "cio.appointed"}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
}
