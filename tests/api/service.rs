//! The service's own endpoints: health, readiness, GraphiQL, and the SDL kept in step with code.

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    health_readiness_graphiql_and_sdl_are_served,
    a_taken_port_is_named_at_start,
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
