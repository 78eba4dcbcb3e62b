//! Fuzzing: schemathesis (tests/reference/fuzz_graphql.py) reads the schema by introspection
//! and sends generated queries, valid and invalid, to every field; none may be answered with a
//! server error or an error without a client-side code.

use std::process::Command;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(generated_queries_never_get_a_server_error);

/// Generated cases per GraphQL field (with schemathesis's fixed seed): a bounded run that a
/// slow machine makes slower but never different.
const CASES_PER_FIELD: &str = "30";

async fn generated_queries_never_get_a_server_error(backend: Backend) {
    crate::helpers::require_python(&["schemathesis"]);
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
            .arg(CASES_PER_FIELD)
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
