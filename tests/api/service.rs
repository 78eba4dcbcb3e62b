//! The service's own endpoints: health, readiness, GraphiQL, and the SDL kept in step with code;
//! and which other sites' pages may read them (CORS).

use reqwest::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ORIGIN, VARY,
};
use reqwest::{Method, Response};

use crate::helpers::{config, fresh_database, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    health_readiness_graphiql_and_sdl_are_served,
    a_taken_port_is_named_at_start,
    pages_of_the_allowed_sites_may_read_tiles_and_graphql,
);

async fn health_readiness_graphiql_and_sdl_are_served(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
    let page = app.get("/graphql").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
    let sdl = app.get("/schema.graphql").await.text().await.unwrap();
    assert!(sdl.contains("type Municipality"), "{sdl}");
}

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql at the top level");
    let generated = dx_atlas::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql has drifted from the code: run `cargo run -- schema > schema.graphql`"
    );
}

#[test]
fn the_binary_prints_the_same_schema() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dx-atlas"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        dx_atlas::graphql::sdl()
    );
}

/// An operator starting a second server on a taken port reads which address and why.
async fn a_taken_port_is_named_at_start(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bind = app.address.trim_start_matches("http://").to_owned();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dx-atlas"))
        .args([
            "serve",
            "--database-url",
            &app.database_url,
            "--bind",
            &bind,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!("cannot listen on {bind}")) && stderr.contains("in use"),
        "{stderr}"
    );
}

/// A server allowing `origins` (as `--cors-origins` would).
async fn spawn_allowing(backend: Backend, origins: &[&str]) -> TestApp {
    let (database_url, dir) = fresh_database(backend).await;
    let mut settings = config(&database_url);
    settings.cors_origins = origins.iter().map(|o| (*o).to_owned()).collect();
    TestApp::spawn_with(settings, dir).await
}

/// A tile asked for by a page of `origin`.
async fn tile_from(app: &TestApp, origin: &str) -> Response {
    reqwest::Client::new()
        .get(format!("{}/tiles/5/28/12.mvt", app.address))
        .header(ORIGIN, origin)
        .send()
        .await
        .expect("request sent")
}

/// The values of a response's `Vary`, lower case.
fn vary(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .collect()
}

fn header<'r>(response: &'r Response, name: &reqwest::header::HeaderName) -> Option<&'r str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn pages_of_the_allowed_sites_may_read_tiles_and_graphql(backend: Backend) {
    // Any site: the tile says so, shows its ETag to scripts, and varies on nothing but its
    // encoding, so that a CDN keeps one copy for every site.
    let open = spawn_allowing(backend, &["*"]).await;
    let tile = tile_from(&open, "https://maps.example").await;
    assert_eq!(tile.status(), 200);
    assert_eq!(header(&tile, &ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    assert!(header(&tile, &ACCESS_CONTROL_EXPOSE_HEADERS)
        .is_some_and(|h| h.to_ascii_lowercase().contains("etag")));
    assert_eq!(vary(&tile), ["accept-encoding"]);
    let preflight = reqwest::Client::new()
        .request(Method::OPTIONS, format!("{}/graphql", open.address))
        .header(ORIGIN, "https://maps.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("request sent");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert!(header(&preflight, &ACCESS_CONTROL_ALLOW_METHODS).is_some_and(|m| m.contains("POST")));
    assert!(header(&preflight, &ACCESS_CONTROL_ALLOW_HEADERS)
        .is_some_and(|h| h.to_ascii_lowercase().contains("content-type")));

    // Listed sites only: the answer depends on the asking page, and says so.
    let listed = spawn_allowing(backend, &["https://maps.example"]).await;
    let allowed = tile_from(&listed, "https://maps.example").await;
    assert_eq!(
        header(&allowed, &ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("https://maps.example")
    );
    let other = tile_from(&listed, "https://elsewhere.example").await;
    assert_eq!(
        other.status(),
        200,
        "served, but not to the other site's scripts"
    );
    assert_eq!(header(&other, &ACCESS_CONTROL_ALLOW_ORIGIN), None);
    for response in [&allowed, &other] {
        assert!(
            vary(response).contains(&"origin".to_owned()),
            "{:?}",
            vary(response)
        );
    }

    // No site (the default): nothing allowed, nothing varies on the origin.
    let closed = TestApp::spawn(backend).await;
    let tile = tile_from(&closed, "https://maps.example").await;
    assert_eq!(header(&tile, &ACCESS_CONTROL_ALLOW_ORIGIN), None);
    assert_eq!(vary(&tile), ["accept-encoding"]);
}
