//! Bad input gets a clear error that names what is wrong.

use serde_json::json;

use crate::helpers::{first_error, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    unknown_code_is_null,
    malformed_code_is_a_bad_code_error,
    wrong_check_digit_names_the_right_one,
    malformed_query_is_a_graphql_error,
    out_of_range_arguments_are_refused,
);

async fn unknown_code_is_null(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = app
        .graphql(
            r#"{ municipality(code: "13999") { name } prefecture(code: "13") { name } }"#,
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(body["data"]["municipality"].is_null());
    assert_eq!(body["data"]["prefecture"]["name"], "東京都");
}

async fn malformed_code_is_a_bad_code_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for code in ["13a04", "1310", "99104", ""] {
        let body = app
            .graphql(
                "query($c: String!) { municipality(code: $c) { name } }",
                json!({ "c": code }),
            )
            .await;
        let (error_code, message) = first_error(&body);
        assert_eq!(error_code, "BAD_CODE", "{code}: {body}");
        assert!(message.contains(&format!("`{code}`")), "{message}");
        assert_eq!(body["errors"][0]["path"], json!(["municipality"]));
    }
}

async fn wrong_check_digit_names_the_right_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = app
        .graphql(r#"{ municipality(code: "131042") { name } }"#, json!({}))
        .await;
    let (code, message) = first_error(&body);
    assert_eq!(code, "BAD_CODE");
    assert!(
        message.contains("check digit") && message.contains("131041"),
        "{message}"
    );
}

async fn malformed_query_is_a_graphql_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = app.graphql("{ municipality(code: ", json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expected"),
        "{body}"
    );
    let body = app.graphql("{ noSuchField }", json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("noSuchField"),
        "{body}"
    );
}

async fn out_of_range_arguments_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = app
        .graphql("{ municipalities(first: 5000) { totalCount } }", json!({}))
        .await;
    let (code, message) = first_error(&body);
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("first"), "{message}");
    let body = app
        .graphql(
            r#"{ municipality(code: "13104") { geometry(precision: 40) } }"#,
            json!({}),
        )
        .await;
    let (code, message) = first_error(&body);
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("precision"), "{message}");
    let body = app
        .graphql(
            r#"{ municipalities(after: "nonsense") { totalCount } }"#,
            json!({}),
        )
        .await;
    assert!(first_error(&body).1.contains("not a cursor"), "{body}");
}
