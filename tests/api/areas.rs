//! Prefectures and municipalities as a newcomer would query them.

use serde_json::json;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    counts_match_the_survey_universe,
    shinjuku_has_code_check_digit_kind_and_area,
    northern_territories_are_kept_but_not_administered,
    pagination_walks_every_municipality_once,
    filters_by_prefecture_kind_and_name,
    prefectures_have_english_names_and_boundaries,
);

async fn count(app: &TestApp, filter: serde_json::Value) -> u64 {
    let data = app
        .data(
            "query($f: MunicipalityFilter) { municipalities(filter: $f, first: 0) { totalCount } }",
            json!({ "f": filter }),
        )
        .await;
    data["municipalities"]["totalCount"]
        .as_u64()
        .expect("totalCount")
}

async fn counts_match_the_survey_universe(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(count(&app, json!({})).await, 1741);
    assert_eq!(
        count(&app, json!({"includeNotAdministered": true})).await,
        1747
    );
    let expected = [
        ("DESIGNATED_CITY", 20),
        ("CORE_CITY", 62),
        ("SPECIAL_WARD", 23),
        ("CITY", 710),
        ("TOWN", 743),
        ("VILLAGE", 183),
    ];
    for (kind, n) in expected {
        assert_eq!(count(&app, json!({"kind": kind})).await, n, "{kind}");
    }
    let data = app.data("{ prefectures { code } }", json!({})).await;
    assert_eq!(data["prefectures"].as_array().map(Vec::len), Some(47));
}

async fn shinjuku_has_code_check_digit_kind_and_area(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let query = "query($c: String!) { municipality(code: $c) {
        code lgCode name kind administered county subprefecture areaKm2
        bbox { minLon minLat maxLon maxLat } centroid { lon lat }
        prefecture { code name nameEn } } }";
    for code in ["13104", "131041"] {
        let data = app.data(query, json!({ "c": code })).await;
        let m = &data["municipality"];
        assert_eq!(m["code"], "13104");
        assert_eq!(m["lgCode"], "131041");
        assert_eq!(m["name"], "新宿区");
        assert_eq!(m["kind"], "SPECIAL_WARD");
        assert_eq!(m["administered"], true);
        assert_eq!(m["prefecture"]["name"], "東京都");
        assert_eq!(m["prefecture"]["nameEn"], "Tokyo");
        // Officially 18.22 km²; the simplified boundary lands close to it.
        let area = m["areaKm2"].as_f64().expect("area");
        assert!((16.0..20.5).contains(&area), "Shinjuku area {area} km²");
        let (lon, lat) = (
            m["centroid"]["lon"].as_f64().unwrap(),
            m["centroid"]["lat"].as_f64().unwrap(),
        );
        assert!(
            (139.66..139.75).contains(&lon) && (35.67..35.73).contains(&lat),
            "{lon},{lat}"
        );
        assert!(m["bbox"]["minLon"].as_f64() < m["bbox"]["maxLon"].as_f64());
    }
    let data = app
        .data(
            r#"{ municipality(code: "01433") { name county subprefecture kind } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["municipality"]["county"], "雨竜郡");
    assert_eq!(data["municipality"]["subprefecture"], "空知総合振興局");
    assert_eq!(data["municipality"]["kind"], "TOWN");
}

async fn northern_territories_are_kept_but_not_administered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .data(
            r#"{ municipality(code: "01695") { name administered kind areaKm2 } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["municipality"]["administered"], false);
    assert_eq!(data["municipality"]["kind"], "VILLAGE");
    assert!(data["municipality"]["areaKm2"].as_f64().unwrap() > 100.0);
}

async fn pagination_walks_every_municipality_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let query = "query($after: String) { municipalities(first: 700, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { code } } } }";
    let mut after = serde_json::Value::Null;
    let mut codes = Vec::new();
    let mut pages = 0;
    loop {
        let data = app.data(query, json!({ "after": after })).await;
        let page = &data["municipalities"];
        assert_eq!(page["totalCount"], 1741);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], pages > 0);
        codes.extend(
            page["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["code"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, codes, "codes in order, none twice");
    assert_eq!(codes.len(), 1741);
}

async fn filters_by_prefecture_kind_and_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(count(&app, json!({"prefecture": "13"})).await, 62);
    assert_eq!(
        count(&app, json!({"prefecture": "13", "kind": "SPECIAL_WARD"})).await,
        23
    );
    assert_eq!(
        count(&app, json!({"prefecture": "27", "kind": "CORE_CITY"})).await,
        7
    );
    let data = app
        .data(
            r#"{ municipalities(filter: {nameContains: "新宿"}) { edges { node { code name } } } }"#,
            json!({}),
        )
        .await;
    let names: Vec<&str> = data["municipalities"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"新宿区"), "{names:?}");
    // `%` is a literal character, not a wildcard.
    assert_eq!(count(&app, json!({"nameContains": "%"})).await, 0);
}

async fn prefectures_have_english_names_and_boundaries(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .data(
            r#"{ prefecture(code: "01") { code lgCode name nameEn areaKm2 municipalities { code } } }"#,
            json!({}),
        )
        .await;
    let p = &data["prefecture"];
    assert_eq!(p["lgCode"], "010006");
    assert_eq!(p["nameEn"], "Hokkaido");
    // Hokkaido is about 83,424 km² including the Northern Territories.
    let area = p["areaKm2"].as_f64().unwrap();
    assert!((75_000.0..90_000.0).contains(&area), "{area}");
    assert_eq!(p["municipalities"].as_array().map(Vec::len), Some(179));
}
