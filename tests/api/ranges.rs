//! Downloads as GIS clients read them: byte ranges (`206`, `Content-Range`, `If-Range`,
//! `416`), the same bytes whatever encoding a client accepts, `bbox` on the GeoJSON, TopoJSON
//! and CSV downloads, and pyogrio (GDAL's `/vsicurl/` ranged reader) reading them by URL.

use std::collections::BTreeSet;

use reqwest::header::{ACCEPT_ENCODING, ACCEPT_RANGES, CONTENT_RANGE, ETAG, IF_RANGE, RANGE};
use serde_json::{json, Value};

use crate::helpers::{python_json, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    downloads_answer_byte_ranges,
    bbox_keeps_the_areas_whose_boundary_meets_the_box,
    gdal_reads_downloads_by_url,
);

/// 23 wards and the cities west of them: a box across Tokyo's border with Kanagawa.
const TOKYO_BOX: [f64; 4] = [139.56, 35.52, 139.92, 35.82];

fn box_text(b: [f64; 4]) -> String {
    b.map(|v| v.to_string()).join(",")
}

async fn downloads_answer_byte_ranges(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = reqwest::Client::new();
    let url = format!("{}/choropleth.geojson?indicator=cio.appointed", app.address);
    let whole = client.get(&url).send().await.unwrap();
    assert_eq!(whole.headers()[ACCEPT_RANGES], "bytes");
    let tag = whole.headers()[ETAG].to_str().unwrap().to_owned();
    let body = whole.bytes().await.unwrap();
    let len = body.len();
    assert!(len > 100_000, "{len} bytes");

    // The same bytes whatever encoding the client would take: ranges are of the identity.
    for encoding in ["identity", "gzip", "gzip, br"] {
        let part = client
            .get(&url)
            .header(RANGE, "bytes=0-99")
            .header(ACCEPT_ENCODING, encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(part.status(), 206, "{encoding}");
        assert_eq!(
            part.headers()[CONTENT_RANGE],
            format!("bytes 0-99/{len}").as_str()
        );
        assert!(part.headers().get("content-encoding").is_none());
        assert_eq!(
            part.bytes().await.unwrap(),
            body.slice(0..100),
            "{encoding}"
        );
    }
    let tail = client
        .get(&url)
        .header(RANGE, "bytes=-10")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), 206);
    assert_eq!(tail.bytes().await.unwrap(), body.slice(len - 10..));

    // If-Range: the current tag gets the part; another gets the whole, changed file.
    let current = client
        .get(&url)
        .header(RANGE, "bytes=10-19")
        .header(IF_RANGE, &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(current.status(), 206);
    let stale = client
        .get(&url)
        .header(RANGE, "bytes=10-19")
        .header(IF_RANGE, "\"an-older-version\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200);
    assert_eq!(stale.bytes().await.unwrap().len(), len);

    let beyond = client
        .get(&url)
        .header(RANGE, format!("bytes={len}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), 416);
    assert_eq!(
        beyond.headers()[CONTENT_RANGE],
        format!("bytes */{len}").as_str()
    );
    // A held copy is still a 304, ranged or not.
    let held = client
        .get(&url)
        .header(RANGE, "bytes=0-9")
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(held.status(), 304);
}

/// The municipalities whose boundary meets a box, as GraphQL's `municipalities` filter finds them.
async fn codes_in_box(app: &TestApp, b: [f64; 4]) -> BTreeSet<String> {
    let data = app
        .data(
            "query($b: BboxInput!) { municipalities(filter: {bbox: $b}, first: 1000) { nodes { code } } }",
            json!({"b": {"minLon": b[0], "minLat": b[1], "maxLon": b[2], "maxLat": b[3]}}),
        )
        .await;
    data["municipalities"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn bbox_keeps_the_areas_whose_boundary_meets_the_box(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let expected = codes_in_box(&app, TOKYO_BOX).await;
    // Shinjuku, and Kawasaki across the Tama river (a designated city drawn whole).
    assert!(
        expected.contains("13104") && expected.contains("14130"),
        "{expected:?}"
    );
    let query = format!("indicator=cio.appointed&bbox={}", box_text(TOKYO_BOX));

    let geojson: Value = app
        .get(&format!("/choropleth.geojson?{query}"))
        .await
        .json()
        .await
        .unwrap();
    let codes: BTreeSet<String> = geojson["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes, expected);
    // Classes are the whole map's: the legend still counts every municipality.
    let whole: Value = app
        .get("/choropleth.geojson?indicator=cio.appointed")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(geojson["legend"], whole["legend"]);

    let csv = app.get(&format!("/choropleth.csv?{query}")).await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    let rows: BTreeSet<String> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    assert_eq!(rows, expected);

    let topo: Value = app
        .get(&format!("/choropleth.topojson?{query}"))
        .await
        .json()
        .await
        .unwrap();
    let decoded = crate::choropleth::decode_with_topojson_client(&topo);
    assert_eq!(
        decoded["features"].as_array().unwrap().len(),
        expected.len()
    );

    // The same box spelt differently is the same download.
    let spaced = app
        .get("/choropleth.geojson?indicator=cio.appointed&bbox=139.560,35.52,139.92,35.820")
        .await;
    let first = app.get(&format!("/choropleth.geojson?{query}")).await;
    assert_eq!(spaced.headers()[ETAG], first.headers()[ETAG]);

    for (bad, says) in [
        ("139.9,35.5,139.5,35.8", "inside out"),
        ("139.5,35.5,139.9", "not a bounding box"),
        ("139.5,35.5,239.9,35.8", "outside WGS 84"),
    ] {
        let response = app
            .get(&format!(
                "/choropleth.geojson?indicator=cio.appointed&bbox={bad}"
            ))
            .await;
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("bbox: ") && message.contains(says),
            "{message}"
        );
    }
    let tile = app
        .get(&format!("/tiles/choropleth/5/28/12.mvt?{query}"))
        .await;
    assert_eq!(tile.status(), 400);
}

/// pyogrio reads a download by its URL, as GDAL's `/vsicurl/` does with ranged reads; with a
/// bbox, its own spatial filter agrees with the server's.
async fn gdal_reads_downloads_by_url(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = format!(
        "{}/choropleth.geojson?indicator=cio.appointed&prefecture=13",
        app.address
    );
    let out = python_json(
        "download_reference.py",
        &["pyogrio", "shapely", "geopandas"],
        &json!({"url": url, "bbox": TOKYO_BOX}),
    );
    let whole = &out["whole"];
    assert_eq!(whole["driver"], "GeoJSON");
    assert_eq!(whole["features"], 62);
    // Codes stay text (pandas' string or object dtype), never numbers.
    let dtype = whole["code_dtype"].as_str().unwrap();
    assert!(matches!(dtype, "str" | "string" | "object"), "{whole}");
    assert_eq!(whole["valid"], true);
    let filtered: BTreeSet<String> = out["filtered"]["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let tokyo_in_box: BTreeSet<String> = codes_in_box(&app, TOKYO_BOX)
        .await
        .into_iter()
        .filter(|c| c.starts_with("13"))
        .collect();
    // GDAL filters by each feature's envelope, which may meet the box where the boundary
    // does not: its set holds the server's.
    assert!(
        filtered.is_superset(&tokyo_in_box),
        "{filtered:?} ⊉ {tokyo_in_box:?}"
    );
    let served: Value = app
        .get(&format!(
            "/choropleth.geojson?indicator=cio.appointed&prefecture=13&bbox={}",
            box_text(TOKYO_BOX)
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        served["features"].as_array().unwrap().len(),
        tokyo_in_box.len()
    );
}
