//! Fuzzing: schemathesis (tests/reference/fuzz_graphql.py) reads the schema by introspection
//! and sends generated queries, valid and invalid, to every field; none may be answered with a
//! server error or an error without a client-side code.

use std::process::Command;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(generated_queries_never_get_a_server_error);

/// Seconds of fuzzing per back end: a few thousand queries on this service.
const BUDGET_SECONDS: &str = "25";

async fn generated_queries_never_get_a_server_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/fuzz_graphql.py"
    );
    let work = tempfile::tempdir().unwrap();
    let url = format!("{}/graphql", app.address);
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .arg(&url)
            .arg(BUDGET_SECONDS)
            .current_dir(work.path())
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found failures (pip install -r tests/reference/requirements.txt):\n{stdout}\n{stderr}"
    );
    // A run that tested nothing would also succeed.
    assert!(
        stdout.contains("Tested:") && stdout.contains("generated"),
        "{stdout}"
    );
}
