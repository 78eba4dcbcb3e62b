//! The whole survey as one dataset, read by the clients researchers use: pandas reads the
//! long table with `code` as text and finds the GraphQL answers of every authority,
//! `frictionless validate` passes on the unzipped data package and GDAL (pyogrio) reads its
//! GeoPackages.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{python_json, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    the_files_are_listed_on_the_edition_and_served,
    pandas_reads_the_long_table_as_graphql_answers_it,
    the_package_validates_and_its_boundaries_read_in_gdal,
);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV: &str = "text/csv; charset=utf-8";

/// A yes/no indicator the dashboard makes official, and a count it leaves synthetic.
const INDICATORS: [&str; 2] = ["cio.appointed", "staff.dx_it_units"];

/// GETs `path`, which must answer 200 with `content_type`, and returns its bytes.
async fn download(app: &TestApp, path: &str, content_type: &str) -> Vec<u8> {
    let response = app.get(path).await;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap().to_vec();
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], content_type, "{path}");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("dx-atlas_R5_"),
        "{path}: {headers:?}"
    );
    body
}

/// Imports the dashboard table and waits until the server serves it.
async fn imported_dashboard(app: &TestApp) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/dashboard");
    dx_atlas::survey::dashboard::import(&app.db, "R5", Some(&folder))
        .await
        .unwrap_or_else(|e| panic!("{}", e.detail()));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let data = app.data("{ surveys { provenance } }", json!({})).await;
        if data["surveys"][0]["provenance"] == "MIXED" {
            return;
        }
        assert!(Instant::now() < deadline, "the import was not served");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn the_files_are_listed_on_the_edition_and_served(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .data(
            "{ surveys { code downloads { wideCsv wideExcelCsv wideXlsx longCsv longXlsx statisticsCsv package } } }",
            json!({}),
        )
        .await;
    let links = &data["surveys"][0]["downloads"];
    assert_eq!(links["wideCsv"], "/survey/R5/wide.csv");
    for (key, content_type) in [
        ("wideCsv", CSV),
        ("wideExcelCsv", CSV),
        ("wideXlsx", XLSX),
        ("longCsv", CSV),
        ("longXlsx", XLSX),
        ("statisticsCsv", CSV),
        ("package", "application/zip"),
    ] {
        let body = download(&app, links[key].as_str().unwrap(), content_type).await;
        assert!(!body.is_empty(), "{key}");
    }
    // Excel's CSV is the plain one behind a byte-order mark.
    let plain = download(&app, "/survey/R5/wide.csv", CSV).await;
    let marked = download(&app, "/survey/R5/wide.csv?bom=true", CSV).await;
    assert_eq!(&marked[..3], b"\xEF\xBB\xBF");
    assert_eq!(&marked[3..], &plain[..]);
    // Refusals name what is wrong.
    let refused = |status: u16, path: &'static str, needle: &'static str| {
        let app = &app;
        async move {
            let response = app.get(path).await;
            assert_eq!(response.status(), status, "{path}");
            let body: Value = response.json().await.unwrap();
            let message = body["error"]["message"].as_str().unwrap().to_owned();
            assert!(message.contains(needle), "{path}: {message}");
        }
    };
    refused(404, "/survey/R9/wide.csv", "`R9`").await;
    refused(404, "/survey/R5/wide.json", "`wide.json`").await;
    refused(400, "/survey/R5/long.csv?colour=red", "colour").await;
    refused(400, "/survey/R5/wide.xlsx?bom=true", "bom").await;
    refused(400, "/survey/R5/wide.csv?include=everything", "include").await;
    // A second request for the same file is the cached one, with the same tag.
    let url = format!("{}/survey/R5/package.zip", app.address);
    let first = app.client().get(&url).send().await.unwrap();
    let tag = first.headers()["etag"].clone();
    let again = app
        .client()
        .get(&url)
        .header("if-none-match", tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

/// Every authority's GraphQL answer to `indicator` (prefectures, then municipalities a page
/// at a time), as pandas reports the long table's rows.
async fn graphql_answers(app: &TestApp, indicator: &str) -> HashMap<String, Value> {
    let fields =
        "code value(indicator: $i) { options amount rate provenance source referenceDate }";
    let mut out = HashMap::new();
    let mut keep = |node: &Value| {
        let value = &node["value"];
        if value.is_null() {
            return;
        }
        let mut options: Vec<String> = value["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap().to_owned())
            .collect();
        options.sort();
        let number = value["amount"].as_f64().or(value["rate"].as_f64());
        out.insert(
            node["code"].as_str().unwrap().to_owned(),
            json!({
                "options": if number.is_some() { json!([]) } else { json!(options) },
                "value": number,
                "provenance": value["provenance"], "source": value["source"],
                "reference_date": value["referenceDate"],
            }),
        );
    };
    let data = app
        .data(
            &format!("query($i: String!) {{ prefectures {{ {fields} }} }}"),
            json!({"i": indicator}),
        )
        .await;
    data["prefectures"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(&mut keep);
    let query = format!(
        "query($i: String!, $after: String) {{ municipalities(first: 1000, after: $after) {{
            pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {fields} }} }} }} }}"
    );
    let mut after = Value::Null;
    loop {
        let data = app
            .data(&query, json!({"i": indicator, "after": after}))
            .await;
        let page = &data["municipalities"];
        for edge in page["edges"].as_array().unwrap() {
            keep(&edge["node"]);
        }
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            return out;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

async fn pandas_reads_the_long_table_as_graphql_answers_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    imported_dashboard(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.csv");
    std::fs::write(
        &file,
        download(&app, "/survey/R5/long.csv?include=synthetic", CSV).await,
    )
    .unwrap();
    let seen = python_json(
        "survey_tables_reference.py",
        &["pandas"],
        &json!({ "long": file, "indicators": INDICATORS }),
    );
    assert!(
        seen["codes_are_text"].as_bool().unwrap(),
        "{}",
        seen["code_dtype"]
    );
    assert_eq!(
        seen["columns"],
        json!([
            "code",
            "name",
            "indicator",
            "option",
            "value",
            "provenance",
            "source",
            "reference_date"
        ])
    );
    for indicator in INDICATORS {
        let expected = graphql_answers(&app, indicator).await;
        let read = seen["values"][indicator].as_object().unwrap();
        assert!(
            read.contains_key("01100") || read.contains_key("01"),
            "{indicator}"
        );
        assert_eq!(read.len(), expected.len(), "{indicator}: authorities");
        for (code, want) in &expected {
            assert_eq!(&read[code], want, "{indicator} of {code}");
        }
    }
    // Both provenances are there, row by row: the dashboard's CIO answers are official.
    let cio = &seen["values"]["cio.appointed"];
    assert_eq!(cio["13104"]["provenance"], "OFFICIAL");
    assert_eq!(
        seen["values"]["staff.dx_it_units"]["13104"]["provenance"],
        "CALIBRATED_SYNTHETIC"
    );
}

async fn the_package_validates_and_its_boundaries_read_in_gdal(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    imported_dashboard(&app).await;
    let bytes = download(&app, "/survey/R5/package.zip", "application/zip").await;
    let dir = tempfile::tempdir().unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "README.md",
            "datapackage.json",
            "long.csv",
            "municipalities.gpkg",
            "prefectures.gpkg",
            "statistics.csv",
            "wide.csv"
        ]
    );
    archive.extract(dir.path()).unwrap();
    let readme = std::fs::read_to_string(dir.path().join("README.md")).unwrap();
    assert!(readme.contains(dx_atlas::spatial::CREDIT));
    assert!(readme.contains("デジタル庁"), "{readme}");
    let descriptor: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("datapackage.json")).unwrap(),
    )
    .unwrap();
    let wide = &descriptor["resources"][0];
    assert_eq!(wide["path"], "wide.csv");
    assert_eq!(wide["schema"]["fields"][0]["name"], "code");
    assert_eq!(wide["schema"]["fields"][0]["type"], "string");
    let seen = python_json(
        "survey_tables_reference.py",
        &["pyogrio", "frictionless"],
        &json!({ "package": dir.path() }),
    );
    assert_eq!(seen["valid"], true, "{seen}");
    assert_eq!(seen["exit"], 0, "{seen}");
    let municipalities = &seen["layers"]["municipalities.gpkg"];
    assert_eq!(municipalities["driver"], "GPKG");
    assert_eq!(municipalities["count"], 1741);
    assert_eq!(municipalities["crs"], "EPSG:4326");
    assert_eq!(municipalities["fields"]["code"], "object");
    assert_eq!(municipalities["codes"][0], "01100");
    assert_eq!(municipalities["without_geometry"], 0);
    assert_eq!(seen["layers"]["prefectures.gpkg"]["count"], 47);
}
