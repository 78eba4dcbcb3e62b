//! Production shape: limits refuse abuse with a code, GraphQL GET is cacheable, persisted
//! queries work, the cache and metrics count, and servers sharing PostgreSQL reload after an
//! import made elsewhere.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{config, fresh_database, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    abusive_queries_are_refused_quickly_with_a_code,
    graphql_get_is_cacheable_and_persisted_queries_work,
    saturation_gives_503_not_collapse,
    cache_and_metrics_count,
    the_standard_introspection_query_is_answered,
    graphql_answers_are_cached_until_an_import,
);

async fn abusive_queries_are_refused_quickly_with_a_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let started = Instant::now();
    let deep = format!(
        "{{ {}name{} }}",
        "municipality(code: \"13104\") { prefecture { municipalities { prefecture { ".repeat(6),
        " } } } }".repeat(6)
    );
    let body = app.graphql(&deep, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "QUERY_TOO_DEEP",
        "{body}"
    );
    // Wide rather than deep: 60 aliases, each five levels of neighbours with seven fields each.
    let levels = "neighbors { ...F ".repeat(4) + &"} ".repeat(4);
    let wide = format!(
        "{{ {} }} fragment F on Municipality {{ code lgCode name kind administered county subprefecture }}",
        (0..60)
            .map(|i| format!("m{i}: municipality(code: \"13104\") {{ ...F {levels} }} "))
            .collect::<String>()
    );
    let body = app.graphql(&wide, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{body}"
    );
    // Few fields, but every prefecture's cities' neighbours' neighbours' prefectures'
    // boundaries: millions of resolutions. It took over ten seconds before lists counted.
    let fan_out = "{ prefectures { municipalities(kind: CITY) { prefecture { feature \
        municipalities { neighbors { neighbors { prefecture { geometry municipalities { name } } } } } } } } }";
    let started_fan_out = Instant::now();
    let body = app.graphql(fan_out, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{body}"
    );
    assert!(started_fan_out.elapsed() < Duration::from_secs(1));
    let body = app.graphql("{ municipality(code: ", json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED",
        "{body}"
    );
    let body = app.graphql("{ noSuchField }", json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{body}"
    );
    let aliases: String = (0..1000)
        .map(|i| format!("a{i}: surveys {{ code }} "))
        .collect();
    let body = app.graphql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "TOO_MANY_ALIASES",
        "{}",
        &body.to_string()[..300.min(body.to_string().len())]
    );
    let body = app
        .graphql(
            "{ municipalities(first: 100000) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let huge = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(format!(
            "{{\"query\": \"{{ surveys {{ code }} }}\", \"pad\": \"{}\"}}",
            "x".repeat(200_000)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refusals took {:?}",
        started.elapsed()
    );
}

async fn graphql_get_is_cacheable_and_persisted_queries_work(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = reqwest::Client::new();
    let url = format!(
        "{}/graphql?query=%7B%20surveys%20%7B%20code%20%7D%20%7D",
        app.address
    );
    let first = client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(first.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["data"]["surveys"][0]["code"], "R5");
    let again = client
        .get(&url)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    let query = "{ prefecture(code: \"13\") { name } }";
    let hash = format!("{:x}", Sha256::digest(query.as_bytes()));
    let persisted = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
    let unknown: Value = client
        .post(format!("{}/graphql", app.address))
        .json(&json!({"extensions": persisted}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        unknown["errors"][0]["message"], "PersistedQueryNotFound",
        "{unknown}"
    );
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    let registered: Value = client
        .post(format!("{}/graphql", app.address))
        .json(&json!({"query": query, "extensions": persisted}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(registered["data"]["prefecture"]["name"], "東京都");
    let by_hash = client
        .get(format!("{}/graphql", app.address))
        .query(&[("extensions", persisted.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(by_hash.status(), 200);
    let by_hash: Value = by_hash.json().await.unwrap();
    assert_eq!(by_hash["data"]["prefecture"]["name"], "東京都", "{by_hash}");
    let page = client
        .get(format!("{}/graphql", app.address))
        .send()
        .await
        .unwrap();
    assert!(page
        .text()
        .await
        .unwrap()
        .to_lowercase()
        .contains("graphiql"));
}

async fn saturation_gives_503_not_collapse(backend: Backend) {
    let (url, dir) = fresh_database(backend).await;
    let mut settings = config(&url);
    settings.max_concurrency = 1;
    let app = TestApp::spawn_with(settings, dir).await;
    let client = reqwest::Client::new();
    // Each request asks for a simplification level of its own, so each is real work.
    let urls: Vec<String> = (0..16)
        .map(|i| {
            format!(
                "{}/choropleth.geojson?indicator=staff.dx_it_units&tolerance=0.00{}1",
                app.address,
                i + 10
            )
        })
        .collect();
    let statuses: Vec<u16> = futures::future::join_all(urls.iter().map(|url| {
        let client = reqwest::Client::new();
        async move {
            client
                .get(url)
                .send()
                .await
                .map_or(0, |r| r.status().as_u16())
        }
    }))
    .await;
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(statuses.contains(&503), "{statuses:?}");
    let refused = client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(refused.contains("dx_atlas_refusals_total"), "{refused}");
    assert_eq!(
        client
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

async fn cache_and_metrics_count(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = reqwest::Client::new();
    let url = format!(
        "{}/choropleth.topojson?indicator=ai.adopted&level=PREFECTURE",
        app.address
    );
    let a = client.get(&url).send().await.unwrap();
    assert!(a.headers().contains_key("x-request-id"));
    let a = a.bytes().await.unwrap();
    let b = client
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(a, b);
    let metrics = client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "dx_atlas_http_requests_total",
        "dx_atlas_http_request_duration_seconds",
        "dx_atlas_cache_hits_total",
        "dx_atlas_read_model_version",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_database_see_each_others_imports() {
    let (url, _) = fresh_database(Backend::Postgres).await;
    let a = TestApp::spawn_with(config(&url), None).await;
    let b = TestApp::spawn_with(config(&url), None).await;
    let client = reqwest::Client::new();
    let csv = |app: &TestApp| format!("{}/choropleth.csv?indicator=gis.status", app.address);
    let before = client
        .get(csv(&b))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(before.contains("CALIBRATED_SYNTHETIC"));
    // Import through the command line against server A's database.
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/survey/wide.csv"
    );
    let mapping = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/survey/wide-mapping.toml"
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dx-atlas"))
        .args([
            "import-survey",
            "--database-url",
            &a.database_url,
            "--mapping",
            mapping,
            fixture,
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Server B notices and serves the new data within seconds, without a restart.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = client.get(csv(&b)).send().await.unwrap();
        assert_eq!(now.status(), 200, "no request dropped during the swap");
        let text = now.text().await.unwrap();
        if text.contains(",OFFICIAL,") {
            assert!(text.contains("01100,札幌市,adopted"), "{}", &text[..400]);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "server B still serves the old data"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Introspection as GraphiQL, code generators and API testers send it: a `TypeRef` fragment
/// unwrapping nine levels of lists and non-nulls under every argument, 16 selections deep.
async fn the_standard_introspection_query_is_answered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let type_ref = format!(
        "kind name {}",
        "ofType { kind name ".repeat(9) + &"} ".repeat(9)
    );
    let query = format!(
        "query IntrospectionQuery {{ __schema {{ queryType {{ name }} types {{ kind name \
         fields(includeDeprecated: true) {{ name args {{ name type {{ {type_ref} }} }} \
         type {{ {type_ref} }} }} inputFields {{ name type {{ {type_ref} }} }} }} }} }}"
    );
    let body = app.graphql(&query, json!({})).await;
    assert!(body.get("errors").is_none(), "{}", body["errors"]);
    let types = body["data"]["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Municipality"));
}

/// Answers are kept until the data changes: a repeat carries the same tag and `304` works on
/// POST too; errors are never kept; an import replaces what was kept.
async fn graphql_answers_are_cached_until_an_import(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = reqwest::Client::new();
    let url = format!("{}/graphql", app.address);
    // 利島村: the finer boundary file has no geometry for it, so its area goes after the import.
    let query = json!({"query": "{ municipality(code: \"13362\") { name areaKm2 } }"});
    let post = |body: Value, tag: Option<String>| {
        let mut request = client.post(&url).json(&body);
        if let Some(tag) = tag {
            request = request.header("if-none-match", tag);
        }
        request.send()
    };
    let first = post(query.clone(), None).await.unwrap();
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    let first: Value = first.json().await.unwrap();
    assert!(
        first["data"]["municipality"]["areaKm2"].is_number(),
        "{first}"
    );
    let second = post(query.clone(), None).await.unwrap();
    assert_eq!(second.headers()["etag"].to_str().unwrap(), tag);
    assert_eq!(
        post(query.clone(), Some(tag.clone()))
            .await
            .unwrap()
            .status(),
        304
    );

    let bad = post(
        json!({"query": "{ municipality(code: \"x\") { name } }"}),
        None,
    )
    .await
    .unwrap();
    assert!(bad.headers().get("etag").is_none(), "an error was kept");
    let bad: Value = bad.json().await.unwrap();
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_CODE");

    let sources = dx_atlas::import::ImportSources {
        municipalities: crate::helpers::geodata_dir()
            .join("N03-21_210101_designated_city_s0001.geojson"),
        prefectures: crate::helpers::geodata_dir().join(dx_atlas::import::PREFECTURES_FILE),
    };
    dx_atlas::import::import_boundaries(&app.db, &sources)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now: Value = post(query.clone(), None)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if now["data"]["municipality"]["areaKm2"].is_null() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the answer kept before the import is still served: {now}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
