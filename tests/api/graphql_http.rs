//! GraphQL over HTTP as standard clients expect it: every audit of the `graphql-http`
//! package's `serverAudits` passes without a warning, request errors are 400s without `data`
//! for clients that accept `application/graphql-response+json` and 200s for `application/json`
//! ones, and the schema's description is DX Atlas's own.

use std::process::Command;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{json, Value};

use crate::helpers::{require_node, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    every_graphql_http_audit_passes,
    request_errors_are_400_for_graphql_response_clients,
    the_schema_describes_dx_atlas,
);

/// The audits of graphql-http, run by node against the real server.
async fn every_graphql_http_audit_passes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    require_node("tests/reference", "graphql-http");
    let url = format!("{}/graphql", app.address);
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("graphql_http_audit.mjs")
            .arg(url)
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference"))
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "the audit failed to run: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(results.len() > 20, "{results:?}");
    let failed: Vec<&Value> = results
        .iter()
        .filter(|r| r["status"] == "warn" || r["status"] == "error")
        .collect();
    assert!(failed.is_empty(), "audits not passed: {failed:#?}");
    // A notice is a MAY the legacy `application/json` behaviour declines: 200 for a request
    // error, which the specification keeps for older clients.
    for notice in results.iter().filter(|r| r["status"] == "notice") {
        assert!(
            notice["name"].as_str().unwrap().starts_with("MAY "),
            "{notice:#?}"
        );
    }
}

/// Parse, validation and variable errors: 400 without `data` for clients that accept the
/// GraphQL response type; 200 with `"data": null` for legacy JSON clients.
async fn request_errors_are_400_for_graphql_response_clients(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = reqwest::Client::new();
    let url = format!("{}/graphql", app.address);
    let bad = [
        json!({"query": "{ municipality(code: "}),
        json!({"query": "{ noSuchField }"}),
        json!({"query": "query($c: String!) { municipality(code: $c) { name } }", "variables": {"c": 1}}),
    ];
    for body in &bad {
        let response = client
            .post(&url)
            .header(ACCEPT, "application/graphql-response+json")
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        assert_eq!(
            response.headers()[CONTENT_TYPE],
            "application/graphql-response+json",
            "{body}"
        );
        let answer: Value = response.json().await.unwrap();
        assert!(answer.get("data").is_none(), "{body}: {answer}");
        assert!(answer["errors"][0]["message"].is_string(), "{answer}");

        let legacy = client
            .post(&url)
            .header(ACCEPT, "application/json")
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(legacy.status(), 200, "{body}");
        let answer: Value = legacy.json().await.unwrap();
        assert!(answer["data"].is_null() && answer["errors"].is_array());
    }
    // A field error is not a request error: the answer has its data, and a 200.
    let response = client
        .post(&url)
        .header(ACCEPT, "application/graphql-response+json")
        .json(&json!({"query": "{ municipality(code: \"99999\") { name } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert!(answer.get("data").is_some(), "{answer}");
    // A POST must say what its body is.
    let untyped = client
        .post(&url)
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(untyped.status(), 415);
}

/// `__schema { description }` is the description of DX Atlas's schema.
async fn the_schema_describes_dx_atlas(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app.data("{ __schema { description } }", json!({})).await;
    let description = data["__schema"]["description"].as_str().unwrap();
    assert!(description.starts_with("DX Atlas"), "{description}");
    assert_eq!(description, dx_atlas::graphql::DESCRIPTION);
}
