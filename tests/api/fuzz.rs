//! Fuzzing: schemathesis (tests/reference/fuzz_graphql.py) reads the schema by introspection
//! and sends generated queries, valid and invalid, to every field; none may be answered with a
//! server error or an error without a client-side code. Schemathesis never writes a fragment
//! or a directive, so tests/reference/fuzz_documents.py generates documents full of both
//! (fragment bombs and cycles, repeated and misplaced directives, aliases past the limit),
//! each of which must also be answered or refused within seconds.

use std::process::Command;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    generated_queries_never_get_a_server_error,
    fragment_and_directive_documents_are_answered_or_refused_in_bounded_time,
);

/// Generated cases per GraphQL field (with schemathesis's fixed seed): a bounded run that a
/// slow machine makes slower but never different.
const CASES_PER_FIELD: &str = "30";

/// Generated documents (with hypothesis's fixed seed), after the fixed cases the script always
/// sends first: a bounded run that a slow machine makes slower but never different.
const DOCUMENTS: &str = "300";

async fn generated_queries_never_get_a_server_error(backend: Backend) {
    crate::helpers::require_python(&["schemathesis"]);
    fuzz(backend, "fuzz_graphql.py", CASES_PER_FIELD).await;
}

async fn fragment_and_directive_documents_are_answered_or_refused_in_bounded_time(
    backend: Backend,
) {
    crate::helpers::require_python(&["hypothesis", "requests"]);
    fuzz(backend, "fuzz_documents.py", DOCUMENTS).await;
}

/// Runs the fuzzer `script` (in tests/reference) with `cases` against a fresh server: it
/// fails on the first bad answer, and must say how much it tested.
async fn fuzz(backend: Backend, script: &str, cases: &'static str) {
    let app = TestApp::spawn(backend).await;
    let script = format!("{}/tests/reference/{script}", env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().unwrap();
    let url = format!("{}/graphql", app.address);
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .arg(&url)
            .arg(cases)
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
        "a generated query was answered with a server error, without a code or slowly \
         (pip install -r tests/reference/requirements.txt):\n{stdout}\n{stderr}"
    );
    // A run that tested nothing would also succeed.
    assert!(
        stdout.contains("Tested:") && stdout.contains("generated"),
        "{stdout}"
    );
}
