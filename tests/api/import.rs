//! The boundary import: all or nothing, idempotent, and clear about what it rejects.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};

use dx_atlas::import::{import_boundaries, ImportSources, MUNICIPALITIES_FILE, PREFECTURES_FILE};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::Value;

use crate::helpers::{geodata_dir, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    corrupted_file_fails_and_leaves_the_database_unchanged,
    unclosed_ring_in_geojson_is_named,
    import_is_idempotent,
    ministry_style_geojson_imports_with_null_geometries_reported,
    an_import_killed_halfway_leaves_the_previous_data_served_and_intact,
);

/// Counts and a digest of every stored geometry, to compare before and after.
async fn snapshot(db: &DatabaseConnection) -> (i64, i64, String) {
    let backend = db.get_database_backend();
    let row = db
        .query_one(Statement::from_string(
            backend,
            "SELECT (SELECT COUNT(*) FROM municipality) AS m, (SELECT COUNT(*) FROM boundary) AS b",
        ))
        .await
        .unwrap()
        .unwrap();
    let rows = db
        .query_all(Statement::from_string(
            backend,
            "SELECT code, geometry FROM boundary ORDER BY code",
        ))
        .await
        .unwrap();
    let mut digest = String::new();
    for r in rows {
        let geometry: String = r.try_get("", "geometry").unwrap();
        digest.push_str(&format!(
            "{}:{};",
            r.try_get::<String>("", "code").unwrap(),
            geometry.len()
        ));
    }
    (
        row.try_get("", "m").unwrap(),
        row.try_get("", "b").unwrap(),
        digest,
    )
}

fn write_json(dir: &Path, name: &str, value: &Value) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(value).unwrap()).unwrap();
    path
}

fn read_json(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(geodata_dir().join(name)).unwrap()).unwrap()
}

async fn corrupted_file_fails_and_leaves_the_database_unchanged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = snapshot(&app.db).await;
    let dir = tempfile::tempdir().unwrap();

    // An arc reference far past the end, in feature 1,500 of 1,751.
    let mut topology = read_json(MUNICIPALITIES_FILE);
    topology["objects"]["N03-21_210101"]["geometries"][1500]["arcs"] =
        serde_json::json!([[99_999_999]]);
    let broken = write_json(dir.path(), "broken.topojson", &topology);

    let output = Command::new(env!("CARGO_BIN_EXE_dx-atlas"))
        .args(["import", "--database-url", &app.database_url, "--geodata"])
        .arg(geodata_dir())
        .arg("--municipalities")
        .arg(&broken)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "import of a broken file succeeded"
    );
    assert!(
        stderr.contains("broken.topojson") && stderr.contains("feature 1500"),
        "{stderr}"
    );
    assert!(stderr.contains("arc reference 99999999"), "{stderr}");

    // A file cut off halfway.
    let bytes = std::fs::read(geodata_dir().join(MUNICIPALITIES_FILE)).unwrap();
    let truncated = dir.path().join("truncated.topojson");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let sources = ImportSources {
        municipalities: truncated,
        prefectures: geodata_dir().join(PREFECTURES_FILE),
    };
    let err = import_boundaries(&app.db, &sources)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("truncated.topojson") && err.contains("not valid JSON"),
        "{err}"
    );

    assert_eq!(snapshot(&app.db).await, before, "the database changed");
    let data = app
        .data(
            r#"{ municipality(code: "13104") { name } }"#,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(data["municipality"]["name"], "新宿区");
}

async fn unclosed_ring_in_geojson_is_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = snapshot(&app.db).await;
    let dir = tempfile::tempdir().unwrap();
    let mut collection = read_json("N03-21_210101_designated_city_s0001.geojson");
    let feature = &mut collection["features"][500]["geometry"];
    let ring = if feature["type"] == "Polygon" {
        &mut feature["coordinates"][0]
    } else {
        &mut feature["coordinates"][0][0]
    };
    ring.as_array_mut().unwrap().pop();
    let broken = write_json(dir.path(), "open-ring.geojson", &collection);
    let sources = ImportSources {
        municipalities: broken,
        prefectures: geodata_dir().join(PREFECTURES_FILE),
    };
    let err = import_boundaries(&app.db, &sources)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("open-ring.geojson, feature 500") && err.contains("not closed"),
        "{err}"
    );
    assert_eq!(snapshot(&app.db).await, before);
}

async fn import_is_idempotent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = snapshot(&app.db).await;
    let sources = ImportSources::locate(Some(&geodata_dir()), None, None).unwrap();
    let report = import_boundaries(&app.db, &sources).await.unwrap();
    assert_eq!(report.municipalities(), 1741);
    assert_eq!(report.not_administered, 6);
    assert_eq!(report.prefectures, 47);
    assert_eq!(
        report.unassigned_areas.len(),
        4,
        "four 所属未定地 features skipped"
    );
    let text = report.to_string();
    assert!(
        text.contains("CORE_CITY: 62") && text.contains("所属未定地"),
        "{text}"
    );
    assert_eq!(snapshot(&app.db).await, before);
}

async fn ministry_style_geojson_imports_with_null_geometries_reported(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sources = ImportSources {
        municipalities: geodata_dir().join("N03-21_210101_designated_city_s0001.geojson"),
        prefectures: geodata_dir().join(PREFECTURES_FILE),
    };
    let report = import_boundaries(&app.db, &sources).await.unwrap();
    assert_eq!(report.municipalities(), 1741);
    // The file has 12 null geometries: 11 municipalities and one 所属未定地 (skipped anyway).
    assert_eq!(
        report.without_geometry.len(),
        11,
        "{:?}",
        report.without_geometry
    );
    assert!(
        report.without_geometry.contains(&"13362".to_owned()),
        "利島村"
    );
    let (municipalities, boundaries, _) = snapshot(&app.db).await;
    assert_eq!(municipalities, 1747);
    assert_eq!(boundaries, 1747 - 11 + 47);
    let code = &report.without_geometry[0];
    let data = app
        .data(
            "query($c: String!) { municipality(code: $c) { name geometry areaKm2 } }",
            serde_json::json!({ "c": code }),
        )
        .await;
    assert!(data["municipality"]["name"].is_string());
    assert!(data["municipality"]["geometry"].is_null());
}

async fn an_import_killed_halfway_leaves_the_previous_data_served_and_intact(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = snapshot(&app.db).await;
    let version = dx_atlas::repo::version::current(&app.db).await.unwrap();
    let query = r#"{ municipality(code: "13104") { name areaKm2 geometry(precision: 3) } }"#;
    let served = app.data(query, serde_json::json!({})).await;

    // Other boundaries (the finer GeoJSON), so that a committed import would show. The process
    // is killed, as by the OOM killer or a power cut, once it reports boundaries written but
    // not yet committed: about a quarter of them, with the rest, the version and the commit
    // still to come.
    let url = app.database_url.clone();
    let status = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dx-atlas"))
            .args(["import", "--database-url", &url, "--geodata"])
            .arg(geodata_dir())
            .arg("--municipalities")
            .arg(geodata_dir().join("N03-21_210101_designated_city_s0001.geojson"))
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut seen = Vec::new();
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if line.contains("not yet committed") {
                child.kill().unwrap();
                break;
            }
            seen.push(line);
        }
        let status = child.wait().unwrap();
        (status, seen)
    })
    .await
    .unwrap();
    let (status, seen) = status;
    assert_eq!(
        status.signal(),
        Some(9),
        "the import was not killed mid-way ({status}); it printed:\n{}",
        seen.join("\n")
    );

    assert_eq!(snapshot(&app.db).await, before, "the database changed");
    assert_eq!(
        dx_atlas::repo::version::current(&app.db).await.unwrap(),
        version,
        "the dataset version moved"
    );
    assert_eq!(app.data(query, serde_json::json!({})).await, served);

    // The database is usable: the next import goes through and is seen.
    let sources = ImportSources {
        municipalities: geodata_dir().join("N03-21_210101_designated_city_s0001.geojson"),
        prefectures: geodata_dir().join(PREFECTURES_FILE),
    };
    import_boundaries(&app.db, &sources).await.unwrap();
    assert_ne!(snapshot(&app.db).await, before);
    assert_eq!(
        dx_atlas::repo::version::current(&app.db).await.unwrap(),
        version + 1
    );
}
