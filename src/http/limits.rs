//! Refusals of the tower layers, with a code that says which limit: too many requests at
//! once (503 `OVERLOADED`) or too slow (503 `TIMEOUT`). The GraphQL limits (depth,
//! complexity, aliases, the size of a query and of its answer) are in `graphql::extensions`
//! and `graphql::budget`.

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::BoxError;

/// Answers a refusal of the tower layers: GraphQL-shaped on `/graphql`, JSON with a code
/// elsewhere.
pub async fn refusal(uri: Uri, error: BoxError) -> Response {
    let (status, code, message) = if error.is::<tower::load_shed::error::Overloaded>() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "OVERLOADED",
            "too many requests at once; retry shortly".to_owned(),
        )
    } else if error.is::<tower::timeout::error::Elapsed>() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "TIMEOUT",
            "the request took too long".to_owned(),
        )
    } else {
        tracing::error!(error = %error, "middleware error");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_SERVER_ERROR",
            "internal error".to_owned(),
        )
    };
    let mut response = if uri.path() == super::graphql::PATH {
        super::graphql::refusal(status, code, message)
    } else {
        metrics::counter!("dx_atlas_refusals_total", "code" => code).increment(1);
        (
            status,
            axum::Json(serde_json::json!({"error": {"code": code, "message": message}})),
        )
            .into_response()
    };
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("1"),
        );
    }
    response
}
