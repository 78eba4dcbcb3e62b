//! OGC API – Features and – Tiles under `/ogcapi`: the documents and their absolute links,
//! paging, filters and refusals as plain HTTP shows them, official values only, and the
//! GIS clients researchers use (GDAL's OAPIF and OGCAPI drivers through pyogrio and Debian's
//! ogrinfo and ogr2ogr, OWSLib, shapely) reading the collections end to end.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{config, fresh_database, python_json, require_program, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    the_landing_page_links_everything_absolutely,
    items_page_filter_and_refuse_what_they_do_not_know,
    features_carry_official_values_only,
    links_follow_the_public_url_and_the_proxy,
    gis_clients_read_the_collections_and_tiles,
);

/// The box of the issue: central Tokyo and Kawasaki.
const BBOX: [f64; 4] = [139.56, 35.52, 139.92, 35.82];

async fn json_of(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{path}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
}

fn link<'a>(document: &'a Value, rel: &str) -> Option<&'a str> {
    document["links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == rel)
        .and_then(|l| l["href"].as_str())
}

/// Municipal codes the GraphQL API finds in the box (`Layer::intersecting`, as `/items`).
async fn codes_in_box(app: &TestApp, [w, s, e, n]: [f64; 4]) -> BTreeSet<String> {
    let query = "query($b: BboxInput!) { municipalities(first: 1000, filter: { bbox: $b }) { edges { node { code } } } }";
    let data = app
        .data(
            query,
            json!({"b": {"minLon": w, "minLat": s, "maxLon": e, "maxLat": n}}),
        )
        .await;
    data["municipalities"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["code"].as_str().unwrap().to_owned())
        .collect()
}

// One walk through the API, as a client takes it, reads best in one piece.
#[allow(clippy::too_many_lines)]
async fn the_landing_page_links_everything_absolutely(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let root = format!("{}/ogcapi", app.address);
    let landing = json_of(&app, "/ogcapi").await;
    for rel in ["self", "service-desc", "service-doc", "conformance", "data"] {
        let href = link(&landing, rel).unwrap_or_else(|| panic!("no {rel} link"));
        assert!(href.starts_with(&root), "{rel}: {href}");
    }
    // Every link of the landing page answers.
    for l in landing["links"].as_array().unwrap() {
        let href = l["href"].as_str().unwrap();
        let path = href.strip_prefix(&app.address).unwrap();
        assert_eq!(app.get(path).await.status(), 200, "{href}");
    }

    let api = app.get("/ogcapi/api").await;
    assert_eq!(
        api.headers()["content-type"],
        "application/vnd.oai.openapi+json;version=3.0"
    );
    let api: Value = api.json().await.unwrap();
    assert!(api["openapi"].as_str().unwrap().starts_with("3.0"));
    assert!(api["paths"]["/collections/{collectionId}/items"].is_object());

    let conformance = json_of(&app, "/ogcapi/conformance").await;
    let classes: Vec<&str> = conformance["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for class in ["core", "geojson", "html", "oas30"] {
        let uri = format!("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{class}");
        assert!(classes.contains(&uri.as_str()), "{class}");
    }
    assert!(classes
        .iter()
        .any(|c| c.ends_with("ogcapi-tiles-1/1.0/conf/mvt")));

    // A browser gets HTML; f=json overrides it.
    let page = app
        .client()
        .get(format!("{root}/collections"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(
        html.contains("municipalities") && html.contains("<a href="),
        "{html}"
    );
    let collections = json_of(&app, "/ogcapi/collections?f=json").await;
    let ids: Vec<&str> = collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, ["municipalities", "prefectures"]);

    let municipalities = json_of(&app, "/ogcapi/collections/municipalities").await;
    let bbox = municipalities["extent"]["spatial"]["bbox"][0]
        .as_array()
        .unwrap();
    let [w, s, e, n] = [0, 1, 2, 3].map(|i| bbox[i].as_f64().unwrap());
    assert!(
        w > 122.0
            && w < 124.0
            && e > 153.0
            && e < 154.5
            && s > 24.0
            && s < 24.1
            && n > 45.0
            && n < 46.0,
        "{bbox:?}"
    );
    assert!(link(&municipalities, "license").is_some());
    assert_eq!(municipalities["numberOfFeatures"], 1741);
    assert!(municipalities["description"]
        .as_str()
        .unwrap()
        .contains("Northern Territories"));

    let schema = app.get("/ogcapi/collections/municipalities/schema").await;
    assert_eq!(schema.headers()["content-type"], "application/schema+json");
    let schema: Value = schema.json().await.unwrap();
    let properties = schema["properties"].as_object().unwrap();
    for (name, kind) in [
        ("code", "string"),
        ("lg_code", "string"),
        ("prefecture", "string"),
        ("cio_appointed", "boolean"),
        ("online_32_share", "number"),
        ("population", "number"),
    ] {
        assert_eq!(properties[name]["type"], kind, "{name}");
        assert!(
            !properties[name]["description"].as_str().unwrap().is_empty(),
            "{name}"
        );
    }
    assert!(properties["population"]["description"]
        .as_str()
        .unwrap()
        .contains("SSDSE"));
    assert!(properties["cio_appointed"]["description"]
        .as_str()
        .unwrap()
        .contains("2023-04-01"));
    let queryables = json_of(&app, "/ogcapi/collections/municipalities/queryables").await;
    let names: BTreeSet<&str> = queryables["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, BTreeSet::from(["kind", "prefecture"]));

    // Tiles: the tileset points at the served MVT URLs, which answer.
    let tilesets = json_of(&app, "/ogcapi/collections/municipalities/tiles").await;
    let tileset_url = link(&tilesets["tilesets"][0], "self").unwrap();
    let tileset = json_of(&app, tileset_url.strip_prefix(&app.address).unwrap()).await;
    let template = tileset["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "item")
        .and_then(|l| l["href"].as_str())
        .unwrap();
    assert_eq!(
        template,
        format!(
            "{}/tiles/{{tileMatrix}}/{{tileCol}}/{{tileRow}}.mvt",
            app.address
        )
    );
    let tile = template
        .replace("{tileMatrix}", "10")
        .replace("{tileCol}", "909")
        .replace("{tileRow}", "403");
    assert_eq!(
        app.get(tile.strip_prefix(&app.address).unwrap())
            .await
            .status(),
        200
    );
    let tms = json_of(&app, "/ogcapi/tileMatrixSets/WebMercatorQuad").await;
    assert_eq!(tms["tileMatrices"][10]["matrixWidth"], 1024);
    assert_eq!(
        app.get("/ogcapi/tileMatrixSets/WorldCRS84Quad")
            .await
            .status(),
        404
    );
}

// One walk through the API, as a client takes it, reads best in one piece.
#[allow(clippy::too_many_lines)]
async fn items_page_filter_and_refuse_what_they_do_not_know(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/ogcapi/collections/municipalities/items").await;
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    assert_eq!(
        response.headers()["content-crs"],
        "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    );
    let page: Value = response.json().await.unwrap();
    assert_eq!(page["type"], "FeatureCollection");
    assert_eq!(page["numberMatched"], 1741);
    assert_eq!(page["numberReturned"], 100);
    assert_eq!(page["features"].as_array().unwrap().len(), 100);
    assert!(page["timeStamp"].as_str().unwrap().ends_with('Z'));
    let next = link(&page, "next").unwrap();
    assert!(
        next.starts_with(&app.address) && next.contains("offset=100"),
        "{next}"
    );
    assert!(link(&page, "prev").is_none());
    let first = &page["features"][0];
    assert_eq!(first["id"], 1100);
    assert_eq!(first["properties"]["code"], "01100");
    assert_eq!(first["properties"]["name"], "札幌市");
    assert_eq!(first["properties"]["prefecture"], "01");
    assert_eq!(first["properties"]["name_kana"], "さっぽろし");
    assert!(first["geometry"]["type"]
        .as_str()
        .unwrap()
        .ends_with("Polygon"));

    // An explicit tolerance draws coarser than the default zoom, as the downloads do.
    let coarse = app
        .text("/ogcapi/collections/municipalities/items?limit=5&tolerance=0.05")
        .await;
    let default = app
        .text("/ogcapi/collections/municipalities/items?limit=5")
        .await;
    assert!(
        coarse.len() < default.len(),
        "{} {}",
        coarse.len(),
        default.len()
    );
    let refused = app
        .get("/ogcapi/collections/municipalities/items?tolerance=3")
        .await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("tolerance"));

    // The whole collection in one page, and the six villages not in it.
    let all = json_of(&app, "/ogcapi/collections/municipalities/items?limit=10000").await;
    let codes: Vec<&str> = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 1741);
    assert!(!codes.iter().any(|c| ("01695".."01701").contains(c)));
    assert!(link(&all, "next").is_none());

    // bbox: the areas whose boundary meets the box, as the GraphQL API finds them.
    let boxed = json_of(
        &app,
        &format!(
            "/ogcapi/collections/municipalities/items?limit=1000&bbox={}",
            BBOX.map(|v| v.to_string()).join(",")
        ),
    )
    .await;
    let got: BTreeSet<String> = boxed["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, codes_in_box(&app, BBOX).await);
    assert!(got.contains("13104") && got.contains("14130"), "{got:?}");

    // Property filters.
    let wards = json_of(
        &app,
        "/ogcapi/collections/municipalities/items?kind=SPECIAL_WARD&limit=50",
    )
    .await;
    assert_eq!(wards["numberMatched"], 23);
    let tokyo = json_of(&app, "/ogcapi/collections/municipalities/items?prefecture=13&kind=special_ward&limit=5&offset=20").await;
    assert_eq!(tokyo["numberReturned"], 3);
    assert!(link(&tokyo, "prev").unwrap().contains("offset=15"));
    let prefectures = json_of(
        &app,
        "/ogcapi/collections/prefectures/items?datetime=2023-04-01T00:00:00Z&crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    )
    .await;
    assert_eq!(prefectures["numberMatched"], 47);

    // One feature, by the numeric id; a finer zoom draws more positions.
    let shinjuku = json_of(&app, "/ogcapi/collections/municipalities/items/13104").await;
    assert_eq!(shinjuku["properties"]["name"], "新宿区");
    assert!(link(&shinjuku, "collection").is_some());
    let fine = json_of(
        &app,
        "/ogcapi/collections/municipalities/items/13104?zoom=12",
    )
    .await;
    assert!(fine["geometry"].to_string().len() > shinjuku["geometry"].to_string().len());
    let hokkaido = json_of(&app, "/ogcapi/collections/prefectures/items/1").await;
    assert_eq!(hokkaido["properties"]["code"], "01");
    for missing in [
        "/ogcapi/collections/municipalities/items/99999",
        "/ogcapi/collections/municipalities/items/abc",
        "/ogcapi/collections/towns/items",
        "/ogcapi/collections/municipalities/items/1695",
    ] {
        assert_eq!(app.get(missing).await.status(), 404, "{missing}");
    }

    // Refusals name the parameter.
    for (query, argument) in [
        ("limit=0", "limit"),
        ("limit=10001", "limit"),
        ("limit=many", "limit"),
        ("bbox=1,2,3", "bbox"),
        (
            "bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326",
            "bbox-crs",
        ),
        ("crs=http://www.opengis.net/def/crs/EPSG/0/3857", "crs"),
        ("prefecture=48", "prefecture"),
        ("kind=HAMLET", "kind"),
        ("zoom=20", "zoom"),
        ("datetime=soon", "datetime"),
        ("colour=red", "colour"),
        ("f=xml", "f"),
    ] {
        let response = app
            .get(&format!("/ogcapi/collections/municipalities/items?{query}"))
            .await;
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(argument), "{query}: {message}");
    }
    let response = app
        .get("/ogcapi/collections/prefectures/items?kind=CITY")
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(app.get("/ogcapi/conformance?limit=1").await.status(), 400);
}

/// Waits until the server serves a new dataset version.
async fn imported_dashboard(app: &TestApp) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/dashboard");
    dx_atlas::survey::dashboard::import(&app.db, "R5", Some(&folder))
        .await
        .unwrap_or_else(|e| panic!("{}", e.detail()));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let data = app.data("{ surveys { provenance } }", json!({})).await;
        if data["surveys"][0]["provenance"] == "MIXED" {
            return;
        }
        assert!(Instant::now() < deadline, "the import was not served");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn features_carry_official_values_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Synthetic answers alone: no survey value is served.
    let before = json_of(&app, "/ogcapi/collections/municipalities/items?limit=10000").await;
    for f in before["features"].as_array().unwrap() {
        for name in [
            "cio_appointed",
            "ai_adopted",
            "my_number_card_holding_rate",
            "online_32_share",
        ] {
            assert!(
                f["properties"][name].is_null(),
                "{}: {name} is served from synthetic answers",
                f["id"]
            );
        }
        assert!(f["properties"]["population"].is_number(), "{}", f["id"]);
    }
    imported_dashboard(&app).await;
    // The dashboard's own values, read from the file independently.
    let (labels, cells) = dashboard_row("CIOの任命");
    // The collections follow the read model, which takes up the new version on its next poll.
    let deadline = Instant::now() + Duration::from_secs(60);
    let after = loop {
        let items = json_of(&app, "/ogcapi/collections/municipalities/items?limit=10000").await;
        let served = items["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| !f["properties"]["cio_appointed"].is_null());
        if served {
            break items;
        }
        assert!(
            Instant::now() < deadline,
            "the import's values were not served"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let features = after["features"].as_array().unwrap();
    // The header may end in an empty column; every feature has its cell.
    assert!(labels.len() >= features.len(), "{}", labels.len());
    let mut yes = 0;
    // Columns are the administered municipalities in code order, as the features are.
    for (f, cell) in features.iter().zip(&cells) {
        let expected = match cell.as_str() {
            "実施" => Value::Bool(true),
            "未実施" => Value::Bool(false),
            _ => Value::Null,
        };
        yes += usize::from(expected == Value::Bool(true));
        assert_eq!(f["properties"]["cio_appointed"], expected, "{}", f["id"]);
        let holding = &f["properties"]["my_number_card_holding_rate"];
        assert!(
            holding.is_null() || (0.0..=100.0).contains(&holding.as_f64().unwrap()),
            "{holding}"
        );
    }
    assert!(yes > 1000, "{yes}");
    let prefectures = json_of(&app, "/ogcapi/collections/prefectures/items?limit=47").await;
    assert!(prefectures["features"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["properties"]["cio_appointed"] == true));
}

/// The names and the cells of one row of the dashboard's municipal file, read as published.
fn dashboard_row(label: &str) -> (Vec<String>, Vec<String>) {
    let (header, mut rows) = crate::dashboard::table(dx_atlas::survey::dashboard::MUNICIPAL_FILE);
    let row = rows.remove(label).unwrap();
    (header, row)
}

async fn links_follow_the_public_url_and_the_proxy(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = app
        .client()
        .get(format!(
            "{}/ogcapi/collections/prefectures/items?limit=10",
            app.address
        ))
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "maps.example")
        .header("x-forwarded-prefix", "/atlas")
        .send()
        .await
        .unwrap();
    let page: Value = page.json().await.unwrap();
    assert_eq!(
        link(&page, "next"),
        Some("https://maps.example/atlas/ogcapi/collections/prefectures/items?limit=10&offset=10")
    );

    let (url, dir) = fresh_database(backend).await;
    let mut settings = config(&url);
    settings.public_url = Some("https://atlas.example/dx".into());
    let configured = TestApp::spawn_with(settings, dir).await;
    let landing = json_of(&configured, "/ogcapi").await;
    assert_eq!(
        link(&landing, "data"),
        Some("https://atlas.example/dx/ogcapi/collections")
    );
    // TileJSON, outside the OGC API, starts its tile URLs with the same address.
    let tilejson = json_of(&configured, "/tiles/boundaries.json").await;
    assert_eq!(
        tilejson["tiles"][0],
        "https://atlas.example/dx/tiles/{z}/{x}/{y}.mvt"
    );

    // The setting is checked when the server starts, with a message naming it.
    let output = crate::helpers::dx_atlas(vec![
        "serve".into(),
        "--public-url".into(),
        "atlas.example".into(),
    ])
    .await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--public-url") && stderr.contains("atlas.example"),
        "{stderr}"
    );
}

// One walk through the API, as a client takes it, reads best in one piece.
#[allow(clippy::too_many_lines)]
async fn gis_clients_read_the_collections_and_tiles(backend: Backend) {
    require_program("/usr/bin/ogrinfo", "gdal-bin");
    let app = TestApp::spawn(backend).await;
    let expected = codes_in_box(&app, BBOX).await;
    let folder = tempfile::tempdir().unwrap();
    let out = tokio::task::spawn_blocking({
        let url = format!("{}/ogcapi", app.address);
        let folder = folder.path().to_owned();
        move || {
            python_json(
                "ogcapi_reference.py",
                &["pyogrio", "owslib", "shapely"],
                &json!({"url": url, "bbox": BBOX, "folder": folder, "page": 400}),
            )
        }
    })
    .await
    .unwrap();

    // GDAL filters the server's answer again on the geometry it received (the default zoom's
    // simplification), so it keeps the areas whose served geometry meets the box: the server's
    // answer less any area whose finer boundary alone touches it.
    let served: BTreeSet<String> = serde_json::from_value(out["served_in_box"].clone()).unwrap();
    assert!(served.is_subset(&expected), "{served:?} {expected:?}");
    assert!(
        expected.len() - served.len() <= 3,
        "{served:?} {expected:?}"
    );

    // GDAL 3.x through pyogrio.
    let pyogrio = &out["pyogrio"];
    let layers: BTreeSet<&str> = pyogrio["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        layers,
        BTreeSet::from(["municipalities", "prefectures"]),
        "{pyogrio}"
    );
    assert_eq!(pyogrio["count"], 1741, "{pyogrio}");
    assert_eq!(pyogrio["rows"], 1741);
    for name in ["code", "lg_code", "prefecture", "name"] {
        assert_eq!(pyogrio["fields"][name], "object", "{name}: {pyogrio}");
    }
    assert_eq!(pyogrio["fields"]["population"], "float64", "{pyogrio}");
    let got: BTreeSet<String> = serde_json::from_value(pyogrio["bbox_codes"].clone()).unwrap();
    assert!(got == served || got == expected, "pyogrio's bbox: {got:?}");

    // Debian's GDAL: ogrinfo and ogr2ogr.
    let ogrinfo = &out["ogrinfo"];
    assert_eq!(ogrinfo["count"], 1741, "{ogrinfo}");
    for name in ["code", "lg_code", "prefecture", "name", "kind"] {
        assert_eq!(ogrinfo["fields"][name], "String", "{name}: {ogrinfo}");
    }
    assert_eq!(ogrinfo["fields"]["population"], "Real", "{ogrinfo}");
    let got: BTreeSet<String> = serde_json::from_value(ogrinfo["bbox_codes"].clone()).unwrap();
    assert!(got == served || got == expected, "ogrinfo's bbox: {got:?}");
    let copied = &out["ogr2ogr"];
    assert_eq!(copied["count"], 1741, "{copied}");
    assert_eq!(copied["invalid"], json!([]), "{copied}");
    assert_eq!(copied["empty"], json!([]), "{copied}");
    // Codes stay text through the copy (pandas names text `object` or `str`).
    assert!(
        copied["code_type"] == "object" || copied["code_type"] == "str",
        "{copied}"
    );

    // OWSLib takes the server's answer as it is.
    let owslib = &out["owslib"];
    assert_eq!(
        owslib["collections"],
        json!(["municipalities", "prefectures"])
    );
    assert_eq!(owslib["queryables"], json!(["kind", "prefecture"]));
    assert_eq!(owslib["bbox_returned"], 10);
    assert_eq!(owslib["bbox_matched"], expected.len());
    let got: BTreeSet<String> = serde_json::from_value(owslib["bbox_codes"].clone()).unwrap();
    assert_eq!(got, expected, "OWSLib's bbox");
    let paged: Vec<u64> = serde_json::from_value(owslib["paged"].clone()).unwrap();
    assert_eq!(owslib["pages"], 5);
    assert_eq!(paged.len(), 1741, "a repeat or a gap");
    assert!(
        paged.windows(2).all(|w| w[0] < w[1]),
        "pages out of order or repeated"
    );

    // GDAL's OGCAPI driver reads the boundary tiles: central Tokyo's wards at zoom 10.
    let tiles = &out["tiles"];
    assert!(tiles["error"].is_null(), "{tiles}");
    let codes: BTreeSet<&str> = tiles["zoom10_codes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        codes.contains("13104") && codes.contains("13113"),
        "{tiles}"
    );
    assert_eq!(tiles["valid"], true, "{tiles}");
}
