//! Levels of detail on a ladder, built a few at a time: explicit tolerances on one rung give
//! one document naming the rung, builds past the cap wait or are refused (never run), and
//! health checks are answered while a storm of new levels is queued.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{config, fresh_database, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    tolerances_on_one_rung_give_one_document_naming_it,
    builds_past_the_cap_wait_or_are_refused_never_run,
    health_is_answered_while_a_storm_of_levels_is_queued,
);

/// Zoom `z`'s tolerance, as a 256-pixel web map's half pixel in degrees.
fn zoom_tolerance(z: i32) -> f64 {
    360.0 / (256.0 * 2f64.powi(z)) / 2.0
}

async fn tolerances_on_one_rung_give_one_document_naming_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let path = |t: f64| format!("/choropleth.geojson?indicator=cio.appointed&tolerance={t}");
    let a = app.get(&path(0.0101)).await.bytes().await.unwrap();
    let b = app.get(&path(0.0102)).await.bytes().await.unwrap();
    assert!(a == b, "two tolerances of one rung drew two documents");
    let document: Value = serde_json::from_slice(&a).unwrap();
    let drawn = &document["simplification"];
    assert_eq!(
        drawn["tolerance"].as_f64(),
        Some(zoom_tolerance(6)),
        "{drawn}"
    );
    assert!(document["downloads"]["geojson"]
        .as_str()
        .unwrap()
        .contains(&format!("tolerance={}", zoom_tolerance(6))));
    // A quarter zoom away is the next rung, and another document.
    let coarser: Value = app.get(&path(0.0101 * 1.4)).await.json().await.unwrap();
    let rung = coarser["simplification"]["tolerance"].as_f64().unwrap();
    assert!(
        (rung - zoom_tolerance(6) * std::f64::consts::SQRT_2).abs() < 1e-12,
        "{rung}"
    );
    // GraphQL takes its tolerance to the same rung.
    let data = app
        .data(
            r#"{ choropleth(indicator: "cio.appointed", tolerance: 0.0102) { document } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["choropleth"]["document"]["simplification"]["tolerance"].as_f64(),
        Some(zoom_tolerance(6))
    );
}

/// Distinct rungs of the ladder, coarse enough that a debug build draws each in well under a
/// second, and each a level no other test draws first.
fn distinct_levels() -> Vec<String> {
    (0..8)
        .map(|i| {
            let tolerance = zoom_tolerance(1) / 2f64.powf(f64::from(i) / 2.0);
            format!("/choropleth.geojson?indicator=cio.appointed&tolerance={tolerance}&precision=5")
        })
        .collect()
}

/// Sends every path at once and gives back each answer's status, `Retry-After` and code.
async fn all_at_once(app: &TestApp, paths: &[String]) -> Vec<(StatusCode, Option<String>, Value)> {
    let client = reqwest::Client::new();
    let sends = paths.iter().map(|p| {
        let (client, url) = (client.clone(), format!("{}{p}", app.address));
        async move {
            let response = client.get(url).send().await.unwrap();
            let status = response.status();
            let retry = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            let body: Value = if status == StatusCode::OK {
                Value::Null
            } else {
                response.json().await.unwrap()
            };
            (status, retry, body)
        }
    });
    futures::future::join_all(sends).await
}

async fn builds_past_the_cap_wait_or_are_refused_never_run(backend: Backend) {
    let (url, dir) = fresh_database(backend).await;
    let mut settings = config(&url);
    settings.level_builds = Some(1);
    settings.level_build_wait_ms = 0;
    let app = TestApp::spawn_with(settings, dir).await;
    let paths = distinct_levels();
    let answers = all_at_once(&app, &paths).await;
    let refused: Vec<&String> = answers
        .iter()
        .zip(&paths)
        .filter(|((status, ..), _)| *status != StatusCode::OK)
        .map(|(_, p)| p)
        .collect();
    for (status, retry, body) in &answers {
        if *status == StatusCode::OK {
            continue;
        }
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"]["code"], "BUSY", "{body}");
        assert_eq!(retry.as_deref(), Some("1"));
    }
    // One slot and no wait: eight new levels at once cannot all be drawn, nor all refused.
    assert!(!refused.is_empty(), "no build was refused");
    assert!(refused.len() < paths.len(), "every build was refused");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    let counted = metrics
        .lines()
        .find(|l| l.starts_with("dx_atlas_level_builds_refused_total"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse::<usize>().ok());
    assert!(counted.is_some_and(|n| n >= refused.len()), "{metrics}");
    // A refusal is not remembered: asked again one at a time, each is drawn.
    for path in refused {
        assert_eq!(app.get(path).await.status(), StatusCode::OK, "{path}");
    }
}

async fn health_is_answered_while_a_storm_of_levels_is_queued(backend: Backend) {
    let (url, dir) = fresh_database(backend).await;
    let mut settings = config(&url);
    settings.level_builds = Some(1);
    let app = TestApp::spawn_with(settings, dir).await;
    let storm = {
        let address = app.address.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let sends = distinct_levels().into_iter().map(|p| {
                let (client, url) = (client.clone(), format!("{address}{p}"));
                async move {
                    let response = client.get(url).send().await.unwrap();
                    let retry = response.headers().contains_key("retry-after");
                    (response.status(), retry)
                }
            });
            futures::future::join_all(sends).await
        })
    };
    // The builds are queued behind one slot; health checks go on being answered at once.
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let started = Instant::now();
        let health = app.get("/healthz").await;
        slowest = slowest.max(started.elapsed());
        assert_eq!(health.status(), StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // Generous for an unoptimised build on a machine running other tests; before the gate, a
    // storm like this one held health checks for seconds.
    assert!(
        slowest < Duration::from_secs(1),
        "a health check took {slowest:?}"
    );
    for (status, retry) in storm.await.unwrap() {
        assert!(
            status == StatusCode::OK || (status == StatusCode::SERVICE_UNAVAILABLE && retry),
            "{status}"
        );
    }
}
