//! The map page and GraphiQL in a real browser: headless Chromium driven by playwright-core
//! (`tests/browser/run.mjs`), against the real server. Screenshots go to `test-artifacts/`.

use std::process::Command;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(map_page_and_graphiql_work_in_chromium);

async fn map_page_and_graphiql_work_in_chromium(backend: Backend) {
    crate::helpers::require_node("web", "playwright-core");
    crate::helpers::require_program("/usr/bin/chromium", "chromium fonts-noto-cjk");
    let app = TestApp::spawn(backend).await;
    let root = env!("CARGO_MANIFEST_DIR");
    let artifacts = format!("{root}/test-artifacts/browser-{backend:?}").to_lowercase();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(format!("{root}/tests/browser/run.mjs"))
            .arg(&app.address)
            .arg(&artifacts)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs (and `npm ci` was run in web/, and /usr/bin/chromium is installed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser checks failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}
