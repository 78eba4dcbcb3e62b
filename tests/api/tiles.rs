//! Vector tiles: decoded by mapbox-vector-tile, judged by GEOS through shapely, compared with
//! the GeoJSON of their zoom, cached like the downloads, described by TileJSON and written to
//! PMTiles and MBTiles archives that the pmtiles package and sqlite3 read back.

use std::collections::BTreeSet;

use dx_atlas::spatial::tile::{TileId, EXTENT};
use serde_json::{json, Value};

use crate::helpers::{python_json, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    boundary_tiles_decode_with_ids_and_properties,
    tiles_are_valid_for_geos_and_neighbours_do_not_overlap,
    tiles_agree_with_the_geojson_of_their_zoom,
    tiles_are_cached_tagged_and_compressed,
    indicator_tiles_carry_the_maps_values,
    tilejson_describes_both_tile_sets,
    impossible_tiles_are_refused,
    archives_hold_the_served_tiles,
    an_empty_database_is_not_exported,
);

const MODULES: &[&str] = &["mapbox_vector_tile", "shapely"];

/// The tile of zoom `z` holding a longitude/latitude.
fn tile_at(z: u8, lon: f64, lat: f64) -> TileId {
    let origin = TileId::new(z, 0, 0).unwrap();
    let p = origin.project(geo::Coord { x: lon, y: lat });
    // Positions over Japan, so the tile index is within 0..2^z.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let index = |units: f64| (units / f64::from(EXTENT)).floor() as u32;
    TileId::new(z, index(p.x), index(p.y)).unwrap()
}

fn name(t: TileId) -> String {
    format!("{}/{}/{}", t.z, t.x, t.y)
}

/// Fetches tiles (as `prefix/z/x/y.mvt?query`), writes them to files and has the reference
/// script decode and judge them.
async fn decoded(app: &TestApp, prefix: &str, query: &str, tiles: &[TileId]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let mut listed = Vec::new();
    for tile in tiles {
        let response = app
            .get(&format!("{prefix}/{}.mvt{query}", name(*tile)))
            .await;
        assert_eq!(response.status(), 200, "{}", name(*tile));
        let bytes = response.bytes().await.unwrap();
        let file = dir
            .path()
            .join(format!("{}-{}-{}.mvt", tile.z, tile.x, tile.y));
        std::fs::write(&file, &bytes).unwrap();
        listed.push(json!({"name": name(*tile), "file": file}));
    }
    let land = format!(
        "{}/choropleth.geojson?indicator=cio.appointed&zoom={{z}}&precision=9",
        app.address
    );
    python_json(
        "tile_reference.py",
        MODULES,
        &json!({"tiles": listed, "land": land}),
    )
}

async fn boundary_tiles_decode_with_ids_and_properties(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tokyo = tile_at(10, 139.7671, 35.6812);
    let out = decoded(&app, "/tiles", "", &[tokyo]).await;
    let tile = &out["tiles"][name(tokyo)];
    assert_eq!(tile["extent"]["municipalities"], 4096);
    assert_eq!(tile["extent"]["prefectures"], 4096);
    // 千代田区, with the properties every feature carries; its id is its numeric code.
    let chiyoda = &tile["features"]["municipalities"]["13101"];
    assert_eq!(chiyoda["code"], "13101", "{tile}");
    assert_eq!(chiyoda["name"], "千代田区");
    assert_eq!(chiyoda["prefecture"], "13");
    assert_eq!(chiyoda["kind"], "SPECIAL_WARD");
    assert_eq!(chiyoda["administered"], true);
    assert_eq!(tile["features"]["prefectures"]["13"]["name"], "東京都");
    // The tile holds what the GraphQL API says lies in its box, and nothing far from it.
    let [w, s, e, n] = tokyo.bounds();
    let mut expected = BTreeSet::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .data(
                "query($b: BboxInput!, $after: String) { municipalities(first: 500, after: $after, \
                 filter: { bbox: $b }) { edges { node { code } } pageInfo { hasNextPage endCursor } } }",
                json!({"b": {"minLon": w, "minLat": s, "maxLon": e, "maxLat": n}, "after": after}),
            )
            .await;
        let connection = &page["municipalities"];
        for edge in connection["edges"].as_array().unwrap() {
            let code = edge["node"]["code"].as_str().unwrap();
            expected.insert(code.trim_start_matches('0').to_owned());
        }
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    assert!(expected.len() > 20, "{expected:?}");
    let held: BTreeSet<String> = tile["features"]["municipalities"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert!(
        expected.is_subset(&held),
        "missing {:?}",
        expected.difference(&held).collect::<Vec<_>>()
    );
}

/// Every feature of the tiles over Japan at zooms 0 to 5, and of the tiles over five cities
/// and coasts at zooms 6 to 14, is valid for GEOS, and neighbours share their borders
/// exactly: no ground covered twice, and no gap between them (a hole in one layer that the
/// other layer covers).
async fn tiles_are_valid_for_geos_and_neighbours_do_not_overlap(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut tiles: Vec<TileId> = Vec::new();
    for z in 0..=5 {
        let (nw, se) = (tile_at(z, 122.0, 46.0), tile_at(z, 154.0, 20.0));
        for x in nw.x..=se.x {
            for y in nw.y..=se.y {
                tiles.push(TileId::new(z, x, y).unwrap());
            }
        }
    }
    let places = [
        (139.7671, 35.6812), // Tokyo
        (132.4553, 34.3853), // Hiroshima, whose source polygon crossed itself
        (127.6809, 26.2124), // Naha, where Okinawa's parts nearly touch
        (141.3544, 43.0621), // Sapporo
        (133.0, 34.3),       // the islands of the Seto Inland Sea
    ];
    for z in [6, 8, 10, 12, 14] {
        for (lon, lat) in places {
            tiles.push(tile_at(z, lon, lat));
        }
    }
    let out = decoded(&app, "/tiles", "", &tiles).await;
    let mut features = 0;
    let mut overlaps = Vec::new();
    let mut gaps = Vec::new();
    for tile in &tiles {
        let judged = &out["tiles"][name(*tile)];
        assert_eq!(
            judged["invalid"],
            json!([]),
            "{}: GEOS finds invalid features",
            name(*tile)
        );
        for (layer, share) in judged["overlap"].as_object().unwrap() {
            // Areas on the integer grid: GEOS's sums differ from zero by rounding error alone.
            let units = share.as_f64().unwrap();
            if units > 1e-6 {
                overlaps.push(format!("{} {layer}: {units:.2} units²", name(*tile)));
            }
        }
        for (layer, holes) in judged["gaps"].as_object().unwrap() {
            if !holes.as_array().unwrap().is_empty() {
                gaps.push(format!("{} {layer}: {holes} units²", name(*tile)));
            }
        }
        features += judged["features"]["municipalities"]
            .as_object()
            .map_or(0, serde_json::Map::len);
    }
    assert!(overlaps.is_empty(), "neighbours overlap: {overlaps:?}");
    assert!(gaps.is_empty(), "gaps between neighbours: {gaps:?}");
    assert!(features > 3000, "{features} municipal features in all");
}

/// A tile draws what the GeoJSON of the same zoom draws: each municipality's part of the tile
/// differs from its GeoJSON geometry's part (projected and cut by shapely) by no more than
/// rounding to the tile's grid can move it.
async fn tiles_agree_with_the_geojson_of_their_zoom(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (z, lon, lat) in [(9, 139.7671, 35.6812), (11, 132.4553, 34.3853)] {
        let tile = tile_at(z, lon, lat);
        let dir = tempfile::tempdir().unwrap();
        let mvt = dir.path().join("tile.mvt");
        let bytes = app
            .get(&format!("/tiles/{}.mvt", name(tile)))
            .await
            .bytes()
            .await
            .unwrap();
        std::fs::write(&mvt, &bytes).unwrap();
        let geojson = dir.path().join("map.geojson");
        let document = app
            .text(&format!(
                "/choropleth.geojson?indicator=cio.appointed&zoom={z}&precision=7"
            ))
            .await;
        std::fs::write(&geojson, document).unwrap();
        let out = python_json(
            "tile_reference.py",
            MODULES,
            &json!({
                "tiles": [{"name": name(tile), "file": mvt}],
                "geojson": {"z": tile.z, "x": tile.x, "y": tile.y, "file": geojson},
            }),
        );
        let agreement = out["agreement"].as_object().unwrap();
        assert!(agreement.len() >= 5, "{}: {agreement:?}", name(tile));
        for (code, share) in agreement {
            // Rounding to the tile's grid moves each position by at most 0.71 units, so the
            // two may differ by no more than the perimeter times that.
            let share = share.as_f64().unwrap();
            assert!(
                share <= 0.71,
                "{}: {code} differs from its GeoJSON by {share} units of its perimeter",
                name(tile)
            );
        }
    }
}

async fn tiles_are_cached_tagged_and_compressed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = reqwest::Client::new();
    let url = format!(
        "{}/tiles/{}.mvt",
        app.address,
        name(tile_at(8, 139.7, 35.7))
    );
    let first = client
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let headers = first.headers().clone();
    assert_eq!(
        headers["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    assert_eq!(headers["content-encoding"], "gzip");
    let tag = headers["etag"].to_str().unwrap().to_owned();
    assert!(
        tag.starts_with('"') && !tag.starts_with("W/"),
        "strong: {tag}"
    );
    let cache_control = headers["cache-control"].to_str().unwrap();
    assert!(cache_control.contains("public") && cache_control.contains("max-age=3600"));
    let gzipped = first.bytes().await.unwrap();
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzipped[..]), &mut plain)
        .unwrap();
    let identity = app
        .get(&format!("/tiles/{}.mvt", name(tile_at(8, 139.7, 35.7))))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(plain, identity.to_vec(), "gzip holds the same tile");
    let again = client
        .get(&url)
        .header("accept-encoding", "gzip")
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

/// An indicator tile carries, per municipality, the value, class and colour that the
/// choropleth GeoJSON of the same arguments gives it.
async fn indicator_tiles_carry_the_maps_values(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let query = "indicator=telework.adopted&classes=3&palette=Greens";
    let map: Value =
        serde_json::from_str(&app.text(&format!("/choropleth.geojson?{query}")).await).unwrap();
    let tile = tile_at(9, 139.7671, 35.6812);
    let out = decoded(&app, "/tiles/choropleth", &format!("?{query}"), &[tile]).await;
    let features = out["tiles"][name(tile)]["features"]["municipalities"]
        .as_object()
        .unwrap()
        .clone();
    let mut compared = 0;
    for feature in map["features"].as_array().unwrap() {
        let code = feature["properties"]["code"].as_str().unwrap();
        let Some(held) = features.get(code.trim_start_matches('0')) else {
            continue;
        };
        let properties = &feature["properties"];
        assert_eq!(held["colour"], properties["colour"], "{code}");
        assert_eq!(
            held.get("class"),
            properties.get("class").filter(|c| !c.is_null())
        );
        assert_eq!(held["provenance"], properties["provenance"], "{code}");
        if !properties["value"].is_null() {
            assert_eq!(held["value"], properties["value"], "{code}");
        }
        compared += 1;
    }
    assert!(compared >= 20, "{compared} municipalities compared");
}

async fn tilejson_describes_both_tile_sets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let boundaries: Value =
        serde_json::from_str(&app.text("/tiles/boundaries.json").await).unwrap();
    assert_eq!(boundaries["tilejson"], "3.0.0");
    assert_eq!(boundaries["minzoom"], 0);
    assert_eq!(boundaries["maxzoom"], 14);
    assert!(boundaries["attribution"]
        .as_str()
        .unwrap()
        .contains(dx_atlas::spatial::CREDIT));
    let layers: Vec<&str> = boundaries["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(layers, ["municipalities", "prefectures"]);
    let bounds: Vec<f64> = boundaries["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    // Japan as the boundaries draw it: from Yonaguni to Minamitorishima, and from Hateruma to
    // Etorofu (Okinotorishima's reef is too small for the simplified file).
    assert!(
        bounds[0] < 123.0 && bounds[2] > 153.9 && bounds[1] < 24.1 && bounds[3] > 45.5,
        "{bounds:?}"
    );
    // The template is a URL that answers.
    let template = boundaries["tiles"][0].as_str().unwrap();
    let path = template
        .strip_prefix(&app.address)
        .unwrap()
        .replace("{z}/{x}/{y}", "5/28/12");
    assert_eq!(app.get(&path).await.status(), 200);

    let query = "indicator=cio.appointed";
    let map: Value =
        serde_json::from_str(&app.text(&format!("/tiles/choropleth.json?{query}")).await).unwrap();
    assert!(map["tiles"][0]
        .as_str()
        .unwrap()
        .contains("/tiles/choropleth/{z}/{x}/{y}.mvt?"));
    assert!(map["choropleth"]["legend"]["classes"].is_array(), "{map}");
    let fields = &map["vector_layers"][0]["fields"];
    assert!(fields["value"].is_string() && fields["colour"].is_string());
    assert!(
        map["vector_layers"][1]["fields"]["colour"].is_null(),
        "prefectures carry no values"
    );
}

async fn impossible_tiles_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (path, says) in [
        ("/tiles/15/0/0.mvt", "zoom 15"),
        ("/tiles/3/8/0.mvt", "does not exist at zoom 3"),
        ("/tiles/a/0/0.mvt", "not a whole number"),
        ("/tiles/3/0/0.png", "{z}/{x}/{y}.mvt"),
        ("/tiles/choropleth/3/0/0.mvt?indicator=no.such", "no.such"),
    ] {
        let response = app.get(path).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(status == 400 || status == 404, "{path}: {status} {body}");
        assert!(body.contains(says), "{path}: {body}");
    }
}

/// `tiles export` writes every tile to PMTiles and MBTiles; the pmtiles package and sqlite3
/// read back exactly the tiles the server serves.
async fn archives_hold_the_served_tiles(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let (pmtiles, mbtiles) = (
        dir.path().join("japan.pmtiles"),
        dir.path().join("japan.mbtiles"),
    );
    for (format, file) in [("pmtiles", &pmtiles), ("mbtiles", &mbtiles)] {
        let output = crate::helpers::dx_atlas(vec![
            "tiles".into(),
            "export".into(),
            "--database-url".into(),
            app.database_url.clone(),
            "--format".into(),
            format.into(),
            "--max-zoom".into(),
            "7".into(),
            file.display().to_string(),
        ])
        .await;
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let wanted = [
        tile_at(0, 139.7, 35.7),
        tile_at(5, 139.7, 35.7),
        tile_at(7, 139.7, 35.7),
        tile_at(7, 127.7, 26.2),
    ];
    let out = python_json(
        "tile_reference.py",
        &["pmtiles", "mapbox_vector_tile", "shapely"],
        &json!({
            "pmtiles": pmtiles, "mbtiles": mbtiles,
            "archive_tiles": wanted.iter().map(|t| [u32::from(t.z), t.x, t.y]).collect::<Vec<_>>(),
        }),
    );
    assert_eq!(out["pmtiles"]["header"]["tile_type"], "MVT");
    assert_eq!(out["mbtiles"]["metadata"]["format"], "pbf");
    assert_metadata_matches_tiles(&out["pmtiles"], &out["mbtiles"]);
    for tile in wanted {
        let served = app
            .get(&format!("/tiles/{}.mvt", name(tile)))
            .await
            .bytes()
            .await
            .unwrap();
        let digest = sha_hex(&served);
        assert_eq!(
            out["pmtiles"]["tiles"][name(tile)],
            digest,
            "PMTiles {}",
            name(tile)
        );
        assert_eq!(
            out["mbtiles"]["tiles"][name(tile)],
            digest,
            "MBTiles {}",
            name(tile)
        );
    }
}

/// Each archive's header and metadata say the zooms and bounds of the tiles it holds: as read
/// from the tiles themselves by the reference readers.
fn assert_metadata_matches_tiles(pmtiles: &Value, mbtiles: &Value) {
    let number = |v: &Value| -> f64 {
        v.as_f64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(f64::NAN)
    };
    for (name, archive) in [("PMTiles", pmtiles), ("MBTiles", mbtiles)] {
        let held = &archive["held"];
        let (min_zoom, max_zoom) = (number(&held["min_zoom"]), number(&held["max_zoom"]));
        let metadata = if name == "PMTiles" {
            assert_eq!(number(&archive["header"]["min_zoom"]), min_zoom, "{name}");
            assert_eq!(number(&archive["header"]["max_zoom"]), max_zoom, "{name}");
            archive["metadata"].clone()
        } else {
            let meta = &archive["metadata"];
            assert_eq!(number(&meta["minzoom"]), min_zoom, "{name}");
            assert_eq!(number(&meta["maxzoom"]), max_zoom, "{name}");
            serde_json::from_str(meta["json"].as_str().unwrap()).unwrap()
        };
        assert!(metadata.get("tiles").is_none(), "{name}: {metadata}");
        for layer in metadata["vector_layers"].as_array().unwrap() {
            assert_eq!(number(&layer["minzoom"]), min_zoom, "{name}: {layer}");
            assert_eq!(number(&layer["maxzoom"]), max_zoom, "{name}: {layer}");
        }
        let bounds: Vec<f64> = match &archive["metadata"]["bounds"] {
            Value::String(text) => text.split(',').map(|v| v.parse().unwrap()).collect(),
            Value::Array(values) => values.iter().map(number).collect(),
            other => panic!("{name}: bounds {other}"),
        };
        let tiles: Vec<f64> = held["bounds"]
            .as_array()
            .unwrap()
            .iter()
            .map(number)
            .collect();
        // The data's box lies within the deepest zoom's tiles, and reaches into each edge tile.
        assert!(
            bounds[0] >= tiles[0] && bounds[1] >= tiles[1],
            "{name}: {bounds:?} in {tiles:?}"
        );
        assert!(
            bounds[2] <= tiles[2] && bounds[3] <= tiles[3],
            "{name}: {bounds:?} in {tiles:?}"
        );
        let span = 360.0 / 2_f64.powf(max_zoom);
        assert!(
            bounds[0] - tiles[0] < span && tiles[2] - bounds[2] < span,
            "{name}: {bounds:?} against {tiles:?}"
        );
    }
}

fn sha_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn an_empty_database_is_not_exported(backend: Backend) {
    let (database_url, _dir) = crate::helpers::empty_database(backend).await;
    let folder = tempfile::tempdir().unwrap();
    let archive = folder.path().join("empty.pmtiles");
    let output = crate::helpers::dx_atlas(vec![
        "tiles".into(),
        "export".into(),
        "--database-url".into(),
        database_url,
        "--format".into(),
        "pmtiles".into(),
        archive.display().to_string(),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("holds no boundaries"), "{stderr}");
    assert!(!archive.exists(), "no archive is written");
}
