//! Map downloads opened by the clients researchers use: the `.xlsx` workbook in openpyxl and
//! LibreOffice Calc, the CSV with a byte-order mark in LibreOffice Calc, the GeoPackage and the
//! FlatGeobuf in GDAL (pyogrio) with shapely checking their geometry against the GeoJSON's,
//! and the FlatGeobuf read over HTTP a bounding box at a time.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::{python_json, require_program, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    workbook_keeps_codes_as_text_and_counts_as_numbers,
    excel_csv_is_the_csv_behind_a_byte_order_mark,
    every_download_is_listed_and_served,
    libreoffice_opens_the_workbook_and_the_marked_csv,
    gdal_reads_the_geopackage_and_flatgeobuf_as_the_geojson,
    flatgeobuf_is_read_a_bounding_box_at_a_time_over_http,
);

/// A count indicator: whole numbers, some authorities missing.
const COUNTS: &str = "indicator=staff.dx_it_units";

/// The downloads sent as they are, compression asked for or not.
const BINARY: [&str; 3] = [
    XLSX,
    "application/geopackage+sqlite3",
    "application/flatgeobuf",
];

/// GETs `path` (asking a binary download for compression, which it declines), checks its type
/// and file name, and returns its bytes.
async fn download(app: &TestApp, path: &str, content_type: &str, extension: &str) -> Vec<u8> {
    let binary = BINARY.contains(&content_type);
    let mut request = reqwest::Client::new().get(format!("{}{path}", app.address));
    if binary {
        request = request.header("accept-encoding", "gzip, br");
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], content_type, "{path}");
    let disposition = headers["content-disposition"].to_str().unwrap().to_owned();
    assert!(
        disposition.ends_with(&format!(".{extension}\"")),
        "{path}: {disposition}"
    );
    if binary {
        assert!(
            headers.get("content-encoding").is_none(),
            "{path}: {headers:?}"
        );
    }
    response.bytes().await.unwrap().to_vec()
}

async fn saved(app: &TestApp, dir: &Path, path: &str, ct: &str, extension: &str) -> String {
    let file = dir.join(format!("map.{extension}"));
    std::fs::write(&file, download(app, path, ct, extension).await).unwrap();
    file.display().to_string()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn workbook_keeps_codes_as_text_and_counts_as_numbers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let path = saved(
        &app,
        dir.path(),
        &format!("/choropleth.xlsx?{COUNTS}"),
        XLSX,
        "xlsx",
    )
    .await;
    let book = python_json(
        "tables_reference.py",
        &["openpyxl"],
        &json!({ "xlsx": path }),
    );
    assert_eq!(book["sheets"], json!(["data", "columns", "credits"]));
    let csv = app.text(&format!("/choropleth.csv?{COUNTS}")).await;
    assert_eq!(book["rows"], csv.lines().count() - 1);
    assert_eq!(
        book["header"],
        json!([
            "code",
            "name",
            "value",
            "class",
            "label",
            "colour",
            "provenance"
        ])
    );
    // Codes are text, leading zero kept; counts are numbers, whole ones.
    assert_eq!(book["types"]["code"], json!(["str"]));
    assert_eq!(book["by_code"]["01100"]["code"], "01100");
    assert_eq!(book["by_code"]["01100"]["name"], "札幌市");
    assert_eq!(book["by_code"]["13104"]["name"], "新宿区");
    let value_types: Vec<&str> = book["types"]["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(value_types.contains(&"int"), "{value_types:?}");
    assert!(
        value_types.iter().all(|t| ["int", "NoneType"].contains(t)),
        "{value_types:?}"
    );
    // Each column of the data sheet is described, in both languages, with where it comes from.
    let columns = book["columns"].as_array().unwrap();
    assert_eq!(columns.len(), 7, "{columns:?}");
    for column in columns {
        for key in ["label_ja", "label_en", "type", "source"] {
            assert!(
                column[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key} of {column}"
            );
        }
    }
    let value = columns.iter().find(|c| c["column"] == "value").unwrap();
    assert_eq!(value["type"], "integer");
    assert!(value["reference_date"]
        .as_str()
        .is_some_and(|d| d.starts_with("20")));
    assert!(value["provenance"].as_str().is_some());
    // The credit lines, once, with the licences: the boundaries' first.
    let credits = book["credits"].as_array().unwrap();
    assert_eq!(credits[1][0], dx_atlas::spatial::CREDIT);
    assert!(credits[1][4]
        .as_str()
        .unwrap()
        .contains("国土数値情報利用約款"));
}

async fn excel_csv_is_the_csv_behind_a_byte_order_mark(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let query = format!("{COUNTS}&classification=EQUAL_INTERVAL&classes=4");
    let plain = download(
        &app,
        &format!("/choropleth.csv?{query}"),
        "text/csv; charset=utf-8",
        "csv",
    )
    .await;
    let marked = download(
        &app,
        &format!("/choropleth.csv?{query}&bom=true"),
        "text/csv; charset=utf-8",
        "csv",
    )
    .await;
    // pandas and R get no mark; Excel gets the same bytes after one.
    assert!(!plain.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(&marked[..3], b"\xEF\xBB\xBF");
    assert_eq!(&marked[3..], &plain[..]);
    // The mark may come anywhere in the query string, and `bom=false` is the plain file.
    let first = download(
        &app,
        &format!("/choropleth.csv?bom=false&{query}"),
        "text/csv; charset=utf-8",
        "csv",
    )
    .await;
    assert_eq!(first, plain);
    let bad = app.get(&format!("/choropleth.csv?{query}&bom=yes")).await;
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("bom:"));
    let unknown = app.get(&format!("/choropleth.csv?{query}&nope=1")).await;
    assert_eq!(unknown.status(), 400);
}

async fn every_download_is_listed_and_served(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .data(
            r#"{ choropleth(indicator: "cio.appointed", prefecture: "13") {
                downloads { geojson topojson csv excelCsv xlsx geopackage flatgeobuf } } }"#,
            json!({}),
        )
        .await;
    let links = &data["choropleth"]["downloads"];
    for (key, path, content_type, extension) in [
        (
            "excelCsv",
            "/choropleth.csv?",
            "text/csv; charset=utf-8",
            "csv",
        ),
        ("xlsx", "/choropleth.xlsx?", XLSX, "xlsx"),
        (
            "geopackage",
            "/choropleth.gpkg?",
            "application/geopackage+sqlite3",
            "gpkg",
        ),
        (
            "flatgeobuf",
            "/choropleth.fgb?",
            "application/flatgeobuf",
            "fgb",
        ),
    ] {
        let link = links[key].as_str().unwrap();
        assert!(link.starts_with(path), "{key}: {link}");
        let body = download(&app, link, content_type, extension).await;
        assert!(!body.is_empty());
    }
    assert!(links["excelCsv"].as_str().unwrap().ends_with("&bom=true"));
    // The GeoJSON document lists the same links, which the map page offers.
    let document: Value = serde_json::from_str(
        &app.text("/choropleth.geojson?indicator=cio.appointed&prefecture=13")
            .await,
    )
    .unwrap();
    assert_eq!(document["downloads"]["xlsx"], links["xlsx"]);
    assert_eq!(document["downloads"]["flatgeobuf"], links["flatgeobuf"]);
    // A second request is the cached file, with the same tag.
    let url = format!("{}{}", app.address, links["geopackage"].as_str().unwrap());
    let client = reqwest::Client::new();
    let first = client.get(&url).send().await.unwrap();
    let tag = first.headers()["etag"].clone();
    let again = client
        .get(&url)
        .header("if-none-match", tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

/// Converts `file` with LibreOffice (its CSV import options `infilter`, if given) to CSV,
/// comma-separated, in UTF-8 (charset 76), and returns the text. A profile of the test's own,
/// so that cases running at once do not share one.
fn soffice_csv(dir: &Path, infilter: Option<&str>, file: &str) -> String {
    require_program("/usr/bin/soffice", "libreoffice-calc");
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let mut command = Command::new("/usr/bin/soffice");
    command
        .arg(format!(
            "-env:UserInstallation=file://{}/profile",
            dir.display()
        ))
        .args(["--headless", "--norestore"]);
    if let Some(options) = infilter {
        command.arg(format!("--infilter=CSV:{options}"));
    }
    let output = command
        .args([
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
        ])
        .arg(&out)
        .arg(file)
        .output()
        .unwrap();
    let stem = Path::new(file).file_stem().unwrap().to_str().unwrap();
    std::fs::read_to_string(out.join(format!("{stem}.csv"))).unwrap_or_else(|e| {
        panic!(
            "soffice made no CSV of {file} ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The first lines of a converted file, for a failure's message.
fn head(text: &str) -> String {
    text.chars().take(300).collect()
}

async fn libreoffice_opens_the_workbook_and_the_marked_csv(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let xlsx = saved(
        &app,
        dir.path(),
        &format!("/choropleth.xlsx?{COUNTS}"),
        XLSX,
        "xlsx",
    )
    .await;
    let marked = dir.path().join("marked.csv");
    std::fs::write(
        &marked,
        download(
            &app,
            &format!("/choropleth.csv?{COUNTS}&bom=true"),
            "text/csv; charset=utf-8",
            "csv",
        )
        .await,
    )
    .unwrap();
    let marked = marked.to_str().unwrap();

    // The workbook: its first sheet as LibreOffice reads it, codes as text.
    let sheet = soffice_csv(dir.path(), None, &xlsx);
    assert!(sheet.contains("\n01100,札幌市,"), "{}", head(&sheet));
    assert!(sheet.contains("\n13104,新宿区,"));

    // The marked CSV read as UTF-8 (what the import dialog picks for it, charset 76), the
    // first line as the header: the names read right, but like any spreadsheet LibreOffice
    // takes a column of digits for numbers.
    let guessed = soffice_csv(dir.path(), Some("44,34,76,1"), marked);
    assert!(guessed.contains("\n13104,新宿区,"), "{}", head(&guessed));
    assert!(guessed.contains("\n1100,札幌市,"), "{}", head(&guessed));

    // With the first column's type set to Text (the dialog's column type; option `1/2`), the
    // code keeps its zero.
    let text = soffice_csv(dir.path(), Some("44,34,76,1,1/2"), marked);
    assert!(text.contains("\n01100,札幌市,"), "{}", head(&text));
    assert!(text.contains("\n13104,新宿区,"));
}

async fn gdal_reads_the_geopackage_and_flatgeobuf_as_the_geojson(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let gpkg = saved(
        &app,
        dir.path(),
        &format!("/choropleth.gpkg?{COUNTS}"),
        "application/geopackage+sqlite3",
        "gpkg",
    )
    .await;
    let fgb = saved(
        &app,
        dir.path(),
        &format!("/choropleth.fgb?{COUNTS}"),
        "application/flatgeobuf",
        "fgb",
    )
    .await;
    let geojson = saved(
        &app,
        dir.path(),
        &format!("/choropleth.geojson?{COUNTS}"),
        "application/geo+json",
        "geojson",
    )
    .await;
    let seen = python_json(
        "tables_reference.py",
        &["pyogrio", "shapely"],
        &json!({"gis": {"gpkg": gpkg, "fgb": fgb, "geojson": geojson}}),
    );
    let count = seen["geojson_count"].as_u64().unwrap();
    assert!(count > 1700, "{count}");
    for (kind, driver) in [("gpkg", "GPKG"), ("fgb", "FlatGeobuf")] {
        let layer = &seen[kind];
        assert_eq!(layer["driver"], driver);
        assert_eq!(layer["count"], count, "{kind}");
        assert_eq!(layer["crs"], "EPSG:4326", "{kind}");
        assert_eq!(layer["geometry_type"], "MultiPolygon", "{kind}");
        assert_eq!(layer["missing"], json!([]), "{kind}");
        assert_eq!(layer["invalid"], json!([]), "{kind}");
        assert_eq!(layer["mismatched"], json!([]), "{kind}");
        let fields = &layer["fields"];
        assert_eq!(fields["code"], "object", "{kind}: {fields}");
        assert_eq!(fields["name"], "object", "{kind}: {fields}");
        assert_eq!(fields["value"], "int64", "{kind}: {fields}");
        assert_eq!(fields["class"], "int64", "{kind}: {fields}");
        assert!(
            layer["codes"].as_array().unwrap().contains(&json!("01100")),
            "{kind}"
        );
    }
}

async fn flatgeobuf_is_read_a_bounding_box_at_a_time_over_http(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let path = format!("/choropleth.fgb?{COUNTS}");
    let dir = tempfile::tempdir().unwrap();
    let file = saved(&app, dir.path(), &path, "application/flatgeobuf", "fgb").await;
    // Around Shinjuku station: a handful of wards, found by the file's index.
    let bbox = json!([139.69, 35.68, 139.71, 35.70]);
    let check = |seen: Value| {
        let codes = seen["codes"].as_array().unwrap().clone();
        assert!(codes.contains(&json!("13104")), "{codes:?}");
        assert!(codes.len() < 10, "{codes:?}");
    };
    check(python_json(
        "tables_reference.py",
        &["pyogrio"],
        &json!({ "url": file, "bbox": bbox }),
    ));
    // Over HTTP GDAL reads the header, the index and the features it finds by byte ranges,
    // and refuses a server that does not answer them ("Range downloading not supported"):
    // read this way wherever the server answers ranges (`http::conditional`).
    let ranged = reqwest::Client::new()
        .get(format!("{}{path}", app.address))
        .header("range", "bytes=0-7")
        .send()
        .await
        .unwrap();
    if ranged.status() == 206 {
        check(python_json(
            "tables_reference.py",
            &["pyogrio"],
            &json!({ "url": format!("{}{path}", app.address), "bbox": bbox }),
        ));
    }
}
