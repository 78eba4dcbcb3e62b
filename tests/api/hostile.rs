//! Hostile queries: each is refused with its code, before it costs what it asks for.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{
    config, dx_atlas, first_error, fresh_database, geodata_dir, Backend, TestApp,
};
use crate::on_both_backends;

on_both_backends!(
    a_boundary_repeated_under_a_list_is_too_complex,
    fragments_that_double_are_refused_before_they_expand,
    an_answer_over_its_byte_budget_is_refused_whole,
    unreadable_requests_get_graphql_errors_with_codes,
    download_refusals_are_json_with_codes,
    arguments_out_of_range_or_of_the_wrong_type_are_bad_user_input,
    two_imports_at_once_leave_one_answer_per_key_and_both_versions,
    a_partial_or_empty_boundary_file_is_refused_and_changes_nothing,
    slow_clients_are_dropped_while_health_checks_answer,
    work_behind_a_timeout_is_stopped,
    oversized_files_are_refused_before_they_are_read,
    a_garbage_survey_file_fails_at_its_first_bad_row_in_bounded_memory,
);

/// A bound no honest refusal comes near, and no expanding one stays under: the queries below
/// took seconds to minutes before they were counted.
const PROMPT: Duration = Duration::from_secs(2);

async fn a_boundary_repeated_under_a_list_is_too_complex(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // One prefecture's boundary under each of its 1,747 municipalities: 108 MB once answered.
    let query = "{ prefectures { code municipalities(kind: null, includeNotAdministered: true) \
                 { prefecture { feature(precision: null) } } } }";
    let started = Instant::now();
    let body = app.graphql(query, json!({})).await;
    assert_eq!(first_error(&body).0, "QUERY_TOO_COMPLEX", "{body}");
    assert!(started.elapsed() < PROMPT, "took {:?}", started.elapsed());
    assert!(body.get("data").is_none_or(serde_json::Value::is_null));
    // The prefectures' own boundaries, once each, are allowed.
    let data = app
        .data("{ prefectures { code feature(precision: 3) } }", json!({}))
        .await;
    assert_eq!(data["prefectures"].as_array().map(Vec::len), Some(47));
}

/// `fragment F0 { ...F1 ...F1 }`, `F1 { ...F2 ...F2 }` … : a kilobyte that expands to
/// 2^depth selections.
fn doubling_fragments(depth: usize, leaf: &str) -> String {
    let mut query = String::from("{ ...F0 }\n");
    for i in 0..depth {
        query.push_str(&format!(
            "fragment F{i} on QueryRoot {{ ...F{next} ...F{next} }}\n",
            next = i + 1
        ));
    }
    query.push_str(&format!("fragment F{depth} on QueryRoot {{ {leaf} }}\n"));
    query
}

async fn fragments_that_double_are_refused_before_they_expand(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (depth, leaf) in [
        (27, "surveys { code }"),
        (24, "__typename"),
        (60, "__typename"),
    ] {
        let query = doubling_fragments(depth, leaf);
        let started = Instant::now();
        let body = app.graphql(&query, json!({})).await;
        let (code, message) = first_error(&body);
        assert_eq!(code, "QUERY_TOO_COMPLEX", "depth {depth}: {body}");
        assert!(message.contains("fragments"), "{message}");
        assert!(
            started.elapsed() < PROMPT,
            "depth {depth} took {:?}",
            started.elapsed()
        );
    }
    // A few levels expand to a few selections and are answered.
    let data = app
        .data(&doubling_fragments(3, "__typename"), json!({}))
        .await;
    assert_eq!(data["__typename"], "QueryRoot");
    // The server still answers at once.
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
}

async fn an_answer_over_its_byte_budget_is_refused_whole(backend: Backend) {
    let (url, dir) = fresh_database(backend).await;
    let mut settings = config(&url);
    settings.max_answer_mb = 1;
    let app = TestApp::spawn_with(settings, dir).await;
    // Within the complexity limit, but the 47 boundaries at full precision are about 3 MB.
    let body = app
        .graphql("{ prefectures { code feature } }", json!({}))
        .await;
    let (code, message) = first_error(&body);
    assert_eq!(code, "RESPONSE_TOO_LARGE", "{message}");
    assert!(message.contains("1 MB"), "{message}");
    assert!(body["data"].is_null(), "no partial data");
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1));
    // A map document counts too: the whole country at zoom 12 is several megabytes.
    let body = app
        .graphql(
            r#"{ choropleth(indicator: "cio.appointed", zoom: 12) { document } }"#,
            json!({}),
        )
        .await;
    assert_eq!(first_error(&body).0, "RESPONSE_TOO_LARGE", "{body}");
    // The same map without its document is small and answered.
    let data = app
        .data(
            r#"{ choropleth(indicator: "cio.appointed", zoom: 12) { legend { count } } }"#,
            json!({}),
        )
        .await;
    assert!(data["choropleth"]["legend"].is_array());
    // A smaller request under the same limit is answered.
    let data = app
        .data(
            r#"{ prefecture(code: "13") { feature(precision: 4) } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["prefecture"]["feature"]["type"], "Feature");
}

/// POSTs a raw body to `/graphql`; the status and the body as JSON (which it must be).
async fn post_raw(app: &TestApp, body: String) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: not JSON: {text}"));
    (status, body)
}

/// Sends `/graphql` a chunked body of `bytes` bytes, declaring no length, over a raw socket.
async fn post_chunked(app: &TestApp, bytes: usize) -> String {
    let address = app.address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!(
        "{{\"query\": \"{{ surveys {{ code }} }}\", \"pad\": \"{}\"}}",
        "x".repeat(bytes)
    );
    // A write may fail once the server has answered and closed: that is the refusal.
    let _ = socket
        .write_all(format!("{:x}\r\n{chunk}\r\n0\r\n\r\n", chunk.len()).as_bytes())
        .await;
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

async fn unreadable_requests_get_graphql_errors_with_codes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = post_raw(&app, "{not json".to_owned()).await;
    assert_eq!(status, 400);
    let (code, message) = first_error(&body);
    assert_eq!(code, "BAD_REQUEST", "{body}");
    assert!(!message.contains("InvalidRequest("), "{message}");
    let (status, body) = post_raw(&app, r#"[{"query": "{ surveys { code } }"}]"#.to_owned()).await;
    assert_eq!(
        (status, first_error(&body).0.as_str()),
        (400, "BATCH_NOT_SUPPORTED"),
        "{body}"
    );
    let padded = format!(
        r#"{{"query": "{{ surveys {{ code }} }}", "pad": "{}"}}"#,
        "x".repeat(200_000)
    );
    let (status, body) = post_raw(&app, padded).await;
    assert_eq!(
        (status, first_error(&body).0.as_str()),
        (413, "REQUEST_TOO_LARGE"),
        "{body}"
    );
    // Without a declared length the body is cut off while read, and refused the same way.
    let answer = post_chunked(&app, 200_000).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("REQUEST_TOO_LARGE"), "{answer}");
    // A small chunked body is read as any other.
    let answer = post_chunked(&app, 10).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let response = app.get("/graphql?query=%7B&variables=%5B").await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        first_error(&body).0.starts_with("GRAPHQL_PARSE_FAILED")
            || first_error(&body).0 == "BAD_REQUEST",
        "{body}"
    );
}

async fn download_refusals_are_json_with_codes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for query in [
        "indicator=cio.appointed&classes=five",
        "indicator=cio.appointed&noSuchParameter=1",
        "indicator=cio.appointed&minIslandKm2=NaN",
        "indicator=cio.appointed&minIslandKm2=inf",
        "indicator=cio.appointed&minIslandKm2=-1",
        "indicator=cio.appointed&classes=1",
    ] {
        let response = app.get(&format!("/choropleth.geojson?{query}")).await;
        assert_eq!(response.status(), 400, "{query}");
        let text = response.text().await.unwrap();
        let body: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{query}: {e}: {text}"));
        assert_eq!(body["error"]["code"], "BAD_USER_INPUT", "{query}: {body}");
        assert!(!text.contains("Failed to deserialize"), "{query}: {text}");
    }
}

async fn arguments_out_of_range_or_of_the_wrong_type_are_bad_user_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (query, names) in [
        (
            r#"{ choropleth(indicator: "staff.dx_it_units", classes: -5) { method } }"#,
            "classes",
        ),
        (
            r#"{ choropleth(indicator: "staff.dx_it_units", minIslandKm2: -1) { method } }"#,
            "minIslandKm2",
        ),
        (r"{ choropleth(indicator: 5) { method } }", "indicator"),
        (
            r#"{ choropleth(indicator: "staff.dx_it_units", classes: "many") { method } }"#,
            "classes",
        ),
    ] {
        let body = app.graphql(query, json!({})).await;
        let (code, message) = first_error(&body);
        assert_eq!(code, "BAD_USER_INPUT", "{query}: {body}");
        assert!(message.contains(names), "{query}: {message}");
    }
}

async fn two_imports_at_once_leave_one_answer_per_key_and_both_versions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = dx_atlas::survey::store::all_answers(&app.db, "R5")
        .await
        .unwrap()
        .len();
    let version = dx_atlas::repo::version::current(&app.db).await.unwrap();
    let url = app.database_url.clone();
    let export = dx_atlas(vec![
        "export-survey".into(),
        "--database-url".into(),
        url.clone(),
    ])
    .await;
    assert!(export.status.success());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("answers.csv");
    std::fs::write(&file, crate::helpers::long_format_only(&export.stdout)).unwrap();
    let import = || {
        dx_atlas(vec![
            "import-survey".into(),
            "--database-url".into(),
            url.clone(),
            file.display().to_string(),
        ])
    };
    let (a, b) = tokio::join!(import(), import());
    let succeeded = [&a, &b].iter().filter(|o| o.status.success()).count();
    for output in [&a, &b].iter().filter(|o| !o.status.success()) {
        // Refused cleanly, never half-done: the other import's data stands.
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("error:"), "{stderr}");
    }
    assert!(succeeded >= 1, "{a:?}\n{b:?}");
    let after = dx_atlas::survey::store::all_answers(&app.db, "R5")
        .await
        .unwrap()
        .len();
    assert_eq!(after, before, "every answer once");
    assert_eq!(
        dx_atlas::repo::version::current(&app.db).await.unwrap(),
        version + i64::try_from(succeeded).unwrap(),
        "each import that succeeded moved the version"
    );
}

async fn a_partial_or_empty_boundary_file_is_refused_and_changes_nothing(backend: Backend) {
    use dx_atlas::import::{import_boundaries, ImportSources, PREFECTURES_FILE};
    let app = TestApp::spawn(backend).await;
    let version = dx_atlas::repo::version::current(&app.db).await.unwrap();
    let text = std::fs::read_to_string(
        crate::helpers::geodata_dir().join("N03-21_210101_designated_city_s0001.geojson"),
    )
    .unwrap();
    let mut collection: Value = serde_json::from_str(&text).unwrap();
    let features = collection["features"].as_array_mut().unwrap();
    let kept: Vec<Value> = features
        .iter()
        .filter(|f| f["properties"]["N03_007"] == "13104" || f["properties"]["N03_007"] == "13101")
        .cloned()
        .collect();
    let dir = tempfile::tempdir().unwrap();
    for (name, features, expected) in [
        ("two.geojson", kept, "lacks 1745 of those stored"),
        ("empty.geojson", Vec::new(), "no municipality feature"),
    ] {
        collection["features"] = Value::Array(features);
        let file = dir.path().join(name);
        std::fs::write(&file, collection.to_string()).unwrap();
        let sources = ImportSources {
            municipalities: file,
            prefectures: crate::helpers::geodata_dir().join(PREFECTURES_FILE),
        };
        let error = import_boundaries(&app.db, &sources)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains(name) && error.contains(expected), "{error}");
        assert_eq!(
            dx_atlas::repo::version::current(&app.db).await.unwrap(),
            version,
            "{name}: the version moved"
        );
    }
    let data = app
        .data(
            r#"{ municipalities(first: 1) { totalCount } municipality(code: "01100") { name } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["municipalities"]["totalCount"], 1741);
    assert_eq!(data["municipality"]["name"], "札幌市");
}

/// Sends a whole request and reads the whole answer, over a connection of its own.
async fn raw_get(address: &str, path: &str) -> String {
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

async fn slow_clients_are_dropped_while_health_checks_answer(backend: Backend) {
    let (url, dir) = fresh_database(backend).await;
    let mut settings = config(&url);
    settings.header_timeout_secs = 1;
    settings.max_connections = 4;
    let app = TestApp::spawn_with(settings, dir).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    // A client sending half of its headers, and then nothing (a byte a second would do the same).
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    // Idle connections fill the cap, and as many again the overflow.
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(tokio::net::TcpStream::connect(&address).await.unwrap());
    }
    // Over the cap a health check that sends its request at once is still answered.
    let answer = raw_get(&address, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The slow client is disconnected once its deadline passes.
    let started = Instant::now();
    let mut buffer = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read(&mut buffer)).await;
    assert!(
        matches!(read, Ok(Ok(0) | Err(_))),
        "the slow connection is still open after {:?}: {read:?}",
        started.elapsed()
    );
    // Once the idle connections are gone too, normal service goes on.
    drop(idle);
    let answer = raw_get(&address, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// CPU seconds a process has used, from `/proc` (user and system time, in the kernel's
/// USER_HZ of 100 ticks a second).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

/// A request past its deadline gets 503 `TIMEOUT`, and the permutations it asked for stop
/// with it rather than keep a core busy for seconds after the answer.
async fn work_behind_a_timeout_is_stopped(backend: Backend) {
    let (database_url, _dir) = fresh_database(backend).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_dx-atlas"))
        .args(["serve", "--database-url", &database_url])
        .args([
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--request-timeout-secs",
            "1",
        ])
        .arg("--geodata")
        .arg(geodata_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while !client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server never got ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let query = r#"{ spatialAutocorrelation(indicator: "cio.appointed", option: "yes", permutations: 99999) { moranI } }"#;
    let response = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    // Let the permutations see the stop, then watch the process for a second.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = cpu_seconds(server.id());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let busy = cpu_seconds(server.id()) - before;
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT", "{body}");
    assert!(
        busy < 0.3,
        "the server used {busy:.2} CPU seconds in the second after its 503"
    );
}

/// Runs the binary with `args`, watching its peak resident memory (`VmHWM`) from `/proc`
/// while it runs: its exit status, its standard error and the peak in kilobytes.
fn run_watching_memory(args: &[&str]) -> (bool, String, u64) {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dx-atlas"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Some(kb) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        }) {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status.success(), stderr, peak)
}

/// Files larger than their kind may hold are refused by their size, before a byte is read.
async fn oversized_files_are_refused_before_they_are_read(backend: Backend) {
    let (database_url, _db_dir) = fresh_database(backend).await;
    let dir = tempfile::tempdir().unwrap();
    // Sparse files: their size is what is checked, and nothing is written or read.
    let csv = dir.path().join("answers.csv");
    std::fs::File::create(&csv)
        .unwrap()
        .set_len(200 << 20)
        .unwrap();
    let topology = dir.path().join("municipalities.topojson");
    std::fs::File::create(&topology)
        .unwrap()
        .set_len(200 << 20)
        .unwrap();
    let csv = csv.display().to_string();
    let topology = topology.display().to_string();
    let (ok, stderr, peak) =
        run_watching_memory(&["import-survey", "--database-url", &database_url, &csv]);
    assert!(!ok);
    assert!(
        stderr.contains("more than a survey file may hold (64 MiB)"),
        "{stderr}"
    );
    assert!(peak < 150_000, "peak {peak} kB");
    let (ok, stderr, peak) = run_watching_memory(&[
        "import",
        "--database-url",
        &database_url,
        "--municipalities",
        &topology,
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("more than a boundary file may hold (128 MiB)"),
        "{stderr}"
    );
    assert!(peak < 150_000, "peak {peak} kB");
}

/// A survey file of garbage fails at its first bad row, read as it is checked: its memory
/// does not grow with the file.
async fn a_garbage_survey_file_fails_at_its_first_bad_row_in_bounded_memory(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("answers.csv");
    let mut text = String::from("respondent,indicator,value\n");
    // About 40 MB: 1.6 million rows, far more than a whole read would keep in 150 MB.
    text.push_str(&"garbage,not-an-indicator,x\n".repeat(1_600_000));
    std::fs::write(&file, text).unwrap();
    let file = file.display().to_string();
    let (ok, stderr, peak) =
        run_watching_memory(&["import-survey", "--database-url", &app.database_url, &file]);
    assert!(!ok);
    assert!(stderr.contains("row 2"), "{stderr}");
    assert!(peak < 150_000, "peak {peak} kB");
}
