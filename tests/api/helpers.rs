//! Shared test helpers: a freshly loaded database per test (copied from a template imported
//! once per test binary), the real server on port 0, and a GraphQL client.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Parser;
use dx_atlas::cli::{Cli, Command, ServeConfig};
use dx_atlas::import::{import_boundaries, ImportSources};
use dx_atlas::startup::Application;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};

/// Which database a case runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per back end for an `async fn(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        $(
            mod $case {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$case($crate::helpers::Backend::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$case($crate::helpers::Backend::Postgres).await;
                }
            }
        )*
    };
}

/// The PostgreSQL server every development and CI machine runs (override with DX_ATLAS_TEST_PG).
pub fn postgres_admin_url() -> String {
    std::env::var("DX_ATLAS_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn postgres_url(database: &str) -> String {
    let admin = postgres_admin_url();
    match admin.rfind('/') {
        Some(i) => format!("{}/{database}", &admin[..i]),
        None => panic!("DX_ATLAS_TEST_PG has no database part: {admin}"),
    }
}

/// The folder with the boundary files (../shared/geodata beside the checkout, or geodata/).
pub fn geodata_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/geodata");
    if shared.join(dx_atlas::import::MUNICIPALITIES_FILE).is_file() {
        shared
    } else {
        root.join("geodata")
    }
}

/// A name no other run or test uses: process id, time, counter.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

struct Templates {
    sqlite: PathBuf,
    postgres: String,
}

/// Imports the boundaries once per test binary into a SQLite file and a PostgreSQL database,
/// on a runtime of its own so that no test's runtime owns the connections.
fn templates() -> &'static Templates {
    static TEMPLATES: OnceLock<Templates> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Runtime::new().expect("test runtime");
            runtime.block_on(async {
                drop_stale_postgres_databases().await;
                let sources = ImportSources::locate(Some(&geodata_dir()), None, None)
                    .expect("boundary files present");

                let dir = std::env::temp_dir().join(unique_name("dxatlas_tpl"));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let sqlite = dir.join("template.sqlite");
                let db = load(&format!("sqlite://{}?mode=rwc", sqlite.display()), &sources).await;
                db.close().await.expect("close sqlite template");

                let postgres = unique_name("dxatlas_t");
                admin_execute(&format!("CREATE DATABASE {postgres}")).await;
                let db = load(&postgres_url(&postgres), &sources).await;
                db.close().await.expect("close postgres template");
                Templates { sqlite, postgres }
            })
        })
        .join()
        .expect("template import")
    })
}

async fn load(url: &str, sources: &ImportSources) -> DatabaseConnection {
    let db = dx_atlas::db::connect(url).await.expect("connect");
    dx_atlas::db::migrate(&db).await.expect("migrate");
    import_boundaries(&db, sources).await.expect("import");
    dx_atlas::survey::seed::ensure_r5(&db)
        .await
        .expect("seed R5");
    let data = shared_data();
    dx_atlas::context::store::import_statistics(&db, &data.join("ssdse/SSDSE-A-2025.csv"))
        .await
        .expect("import SSDSE-A");
    dx_atlas::context::store::import_names(
        &db,
        &data.join("names/localgovjp-utf8.csv"),
        &data.join("names/jp_prefecture-cities.csv"),
    )
    .await
    .expect("import the names");
    db
}

/// The shared data sets beside the checkout (dashboard, ssdse, names).
pub fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
}

/// Runs one statement on the admin database.
pub async fn admin_execute(sql: &str) {
    let admin = Database::connect(postgres_admin_url())
        .await
        .expect("PostgreSQL at 127.0.0.1:5432");
    admin
        .execute(Statement::from_string(admin.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = admin.close().await;
}

/// Test databases of runs whose process has ended.
async fn drop_stale_postgres_databases() {
    let Ok(admin) = Database::connect(postgres_admin_url()).await else {
        return;
    };
    let backend = admin.get_database_backend();
    let rows = admin
        .query_all(Statement::from_string(
            backend,
            "SELECT datname FROM pg_database WHERE datname LIKE 'dxatlas\\_t\\_%'",
        ))
        .await
        .unwrap_or_default();
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let pid = name.split('_').nth(2).unwrap_or_default();
        if !Path::new("/proc").join(pid).exists() {
            let _ = admin
                .execute(Statement::from_string(
                    backend,
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ))
                .await;
        }
    }
    let _ = admin.close().await;
}

/// A database with nothing in it, not even its tables: its URL and, for SQLite, its folder.
pub async fn empty_database(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let file = dir.path().join("empty.sqlite");
            (format!("sqlite://{}?mode=rwc", file.display()), Some(dir))
        }
        Backend::Postgres => {
            let name = unique_name("dxatlas_t");
            admin_execute(&format!("CREATE DATABASE {name}")).await;
            (postgres_url(&name), None)
        }
    }
}

/// A fresh database already loaded with the boundaries: its URL and, for SQLite, its folder.
pub async fn fresh_database(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    let templates = templates();
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let file = dir.path().join("atlas.sqlite");
            std::fs::copy(&templates.sqlite, &file).expect("copy template");
            (format!("sqlite://{}?mode=rwc", file.display()), Some(dir))
        }
        Backend::Postgres => {
            let name = unique_name("dxatlas_t");
            admin_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE {}",
                templates.postgres
            ))
            .await;
            (postgres_url(&name), None)
        }
    }
}

/// The settings a test server runs with: the defaults of `dx-atlas serve` as its own
/// command line parses them, on port 0 and with a quick reload.
pub fn config(database_url: &str) -> ServeConfig {
    let geodata = geodata_dir();
    let args = [
        "dx-atlas",
        "serve",
        "--database-url",
        database_url,
        "--bind",
        "127.0.0.1:0",
        "--geodata",
        geodata.to_str().expect("a UTF-8 path"),
        "--reload-interval-ms",
        "200",
    ];
    match Cli::try_parse_from(args).expect("the test settings parse") {
        Cli {
            command: Command::Serve(config),
        } => config,
        Cli { command } => panic!("not serve: {command:?}"),
    }
}

/// A running server over its own database.
pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub db: DatabaseConnection,
    client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

impl TestApp {
    /// Starts the real server on port 0 over a fresh, loaded database.
    pub async fn spawn(backend: Backend) -> Self {
        let (database_url, dir) = fresh_database(backend).await;
        Self::spawn_with(config(&database_url), dir).await
    }

    /// Starts the real server with these settings (e.g. a second server on the same database).
    pub async fn spawn_with(config: ServeConfig, dir: Option<tempfile::TempDir>) -> Self {
        let database_url = config.database.database_url.clone();
        let app = Application::build(&config).await.expect("server builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let db = app.db().clone();
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            database_url,
            db,
            client: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// The HTTP client, for requests with headers of their own.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    /// POSTs a GraphQL query and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("request sent");
        response.json().await.expect("JSON response")
    }

    /// POSTs a query that must succeed and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "query failed: {query}\n{}",
            serde_json::to_string_pretty(&body).unwrap_or_default()
        );
        body["data"].clone()
    }
}

/// The first error's `extensions.code` and message.
pub fn first_error(body: &Value) -> (String, String) {
    let error = &body["errors"][0];
    (
        error["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        error["message"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The one line a test fails with when a reference client it compares against is missing.
fn missing(client: &str, how: &str) -> ! {
    panic!("{client} is missing: `tests/run` installs it (or {how})");
}

/// Runs the reference script `tests/reference/{script}` (which needs the Python `modules`)
/// with `input` as JSON on stdin, and returns the JSON it prints.
pub fn python_json(script: &str, modules: &[&str], input: &Value) -> Value {
    use std::io::Write;
    use std::process::{Command, Stdio};
    require_python(modules);
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(script);
    let mut child = Command::new("python3")
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("a pipe to the script")
        .write_all(input.to_string().as_bytes())
        .expect("the input written");
    let output = child.wait_with_output().expect("the script ends");
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the script prints JSON")
}

/// Checks that `python3` can import each of `modules` (mapclassify, esda, schemathesis…).
pub fn require_python(modules: &[&str]) {
    let imports = modules.join(", ");
    let found = std::process::Command::new("python3")
        .args(["-c", &format!("import {imports}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        missing(
            &format!("the Python package(s) {imports}"),
            "pip install -r tests/reference/requirements.txt",
        );
    }
}

/// Checks that `node` runs and that `package` is installed in the project folder `dir`
/// (`tests/reference` or `web`).
pub fn require_node(dir: &str, package: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node || !root.join(dir).join("node_modules").join(package).is_dir() {
        missing(
            &format!("Node.js with {package}"),
            &format!("apt-get install nodejs npm && (cd {dir} && npm ci)"),
        );
    }
}

/// Checks that a program the tests drive exists at `path` (Chromium for the browser checks).
pub fn require_program(path: &str, package: &str) {
    if !Path::new(path).is_file() {
        missing(path, &format!("apt-get install {package}"));
    }
}

/// Runs the `dx-atlas` binary with `args`, off the async workers, without `NO_COLOR` (its log
/// must leave colour out by itself when not written to a terminal).
pub async fn dx_atlas(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_dx-atlas"))
            .args(&args)
            .env_remove("NO_COLOR")
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("the binary's thread")
}

impl TestApp {
    /// GETs a path that must answer 200 and returns its body as text.
    pub async fn text(&self, path: &str) -> String {
        let response = self.get(path).await;
        let status = response.status();
        let body = response.text().await.expect("a text body");
        assert_eq!(status, 200, "{path}: {body}");
        body
    }
}

/// An `export-survey` file cut to its long format (respondent, indicator, value): a file of
/// one's own answers, as `import-survey` takes it. The export's provenance column makes
/// `import-survey` refuse its synthetic rows.
pub fn long_format_only(export: &[u8]) -> Vec<u8> {
    let mut reader = csv::Reader::from_reader(export);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["respondent", "indicator", "value"])
        .unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        writer
            .write_record([&record[0], &record[1], &record[2]])
            .unwrap();
    }
    writer.into_inner().unwrap()
}
