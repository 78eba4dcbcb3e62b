//! The data files on a machine that lacks them: `dx-atlas fetch` downloads each from its
//! source (here a mirror on loopback serving the published files), checks it against the
//! manifest, and says plainly what is missing and where it was looked for when it cannot.

use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

use crate::helpers::{config, dx_atlas, fresh_database, geodata_dir, Backend};
use crate::on_both_backends;

on_both_backends!(a_taken_port_says_so_and_names_the_setting);

/// What the mirror does to the files it serves.
#[derive(Clone, Copy)]
enum Mirror {
    Faithful,
    Altering,
}

/// Serves the published files (from the folder the tests read them from) on loopback.
async fn mirror(kind: Mirror) -> String {
    async fn file(
        State(kind): State<Mirror>,
        UrlPath(name): UrlPath<String>,
    ) -> Result<Vec<u8>, StatusCode> {
        let dashboard = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/dashboard");
        let mut bytes = std::fs::read(geodata_dir().join(&name))
            .or_else(|_| std::fs::read(dashboard.join(&name)))
            .map_err(|_| StatusCode::NOT_FOUND)?;
        if let Mirror::Altering = kind {
            bytes.extend_from_slice(b" ");
        }
        Ok(bytes)
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route("/{name}", get(file)).with_state(kind);
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

fn fetch_args(folder: &Path, mirror: &str) -> Vec<String> {
    vec![
        "fetch".into(),
        "--geodata".into(),
        folder.display().to_string(),
        "--mirror".into(),
        mirror.into(),
    ]
}

fn manifest_names() -> Vec<String> {
    dx_atlas::fetch::manifest()
        .unwrap()
        .file
        .into_iter()
        .map(|f| f.name)
        .collect()
}

fn listing(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn fetch_downloads_what_is_missing_and_checks_it() {
    let folder = tempfile::tempdir().unwrap();
    let source = mirror(Mirror::Faithful).await;
    let first = dx_atlas(fetch_args(folder.path(), &source)).await;
    let stdout = String::from_utf8_lossy(&first.stdout);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stdout}\n{stderr}");
    for file in dx_atlas::fetch::manifest().unwrap().file {
        let bytes = std::fs::read(folder.path().join(&file.name)).unwrap();
        let hex: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, file.sha256, "{}", file.name);
        assert!(
            stdout.contains(&format!("downloaded  {}", file.name)),
            "{stdout}"
        );
        // A line of progress per file.
        assert!(
            stderr.contains(&format!("downloading {}", file.name)),
            "{stderr}"
        );
    }
    assert!(!stdout.contains("nothing was changed"), "{stdout}");
    // A second run finds everything and says that nothing changed.
    let second = dx_atlas(fetch_args(folder.path(), &source)).await;
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "{stdout}");
    assert!(stdout.contains("nothing was changed"), "{stdout}");
    assert_eq!(listing(folder.path()).len(), manifest_names().len());
}

#[tokio::test]
async fn offline_fetch_lists_each_missing_file_its_source_and_the_folders() {
    let folder = tempfile::tempdir().unwrap();
    // Nothing listens on port 1 of loopback: the download is refused at once.
    let output = dx_atlas(fetch_args(folder.path(), "http://127.0.0.1:1")).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    let message = stderr
        .lines()
        .skip_while(|l| !l.starts_with("error: "))
        .collect::<Vec<_>>()
        .join("\n");
    for name in manifest_names() {
        assert!(
            message.contains(&format!("{name}  from http://127.0.0.1:1/{name}")),
            "{message}"
        );
    }
    assert!(
        message.contains(&folder.path().display().to_string()),
        "{message}"
    );
    assert!(message.contains("--geodata"), "{message}");
    assert!(listing(folder.path()).is_empty(), "nothing is left behind");
}

#[tokio::test]
async fn an_altered_download_is_refused_and_not_kept() {
    let folder = tempfile::tempdir().unwrap();
    let source = mirror(Mirror::Altering).await;
    let output = dx_atlas(fetch_args(folder.path(), &source)).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("the manifest says"), "{stderr}");
    assert!(listing(folder.path()).is_empty(), "nothing is left behind");
}

#[tokio::test]
async fn serve_without_the_files_and_offline_stops_with_the_list() {
    let work = tempfile::tempdir().unwrap();
    let empty = work.path().join("geodata");
    std::fs::create_dir(&empty).unwrap();
    let database = format!(
        "sqlite://{}?mode=rwc",
        work.path().join("a.sqlite").display()
    );
    let output = dx_atlas(vec![
        "serve".into(),
        "--database-url".into(),
        database,
        "--bind".into(),
        "127.0.0.1:0".into(),
        "--geodata".into(),
        empty.display().to_string(),
        "--mirror".into(),
        "http://127.0.0.1:1".into(),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(dx_atlas::import::MUNICIPALITIES_FILE),
        "{stderr}"
    );
    assert!(
        stderr.contains(dx_atlas::import::PREFECTURES_FILE),
        "{stderr}"
    );
    assert!(stderr.contains("missing"), "{stderr}");
    assert!(!stderr.contains("internal error"), "{stderr}");
}

async fn a_taken_port_says_so_and_names_the_setting(backend: Backend) {
    let (url, _dir) = fresh_database(backend).await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let settings = config(&url);
    let output = dx_atlas(vec![
        "serve".into(),
        "--database-url".into(),
        url,
        "--bind".into(),
        address.clone(),
        "--geodata".into(),
        settings.geodata.unwrap().display().to_string(),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {address}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("--bind") && stderr.contains("DX_ATLAS_BIND"),
        "{stderr}"
    );
    assert!(!stderr.contains("internal error"), "{stderr}");
    // No colour codes in a log that is not a terminal.
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    drop(taken);
}
