//! GraphQL over HTTP: POST and GET `/graphql`, the schema as SDL, and the refusals of
//! requests that never reach the engine. Answers without errors are kept in the document
//! cache and sent with an `ETag` (see [`conditional`]).
//!
//! Status codes follow the GraphQL-over-HTTP specification: a client that accepts
//! `application/graphql-response+json` gets `400` and no `data` for a request error (a query
//! that does not parse or validate, variables of the wrong type); a legacy `application/json`
//! client gets `200` for every well-formed request, as the specification keeps for it.

use std::sync::Arc;
use std::time::Instant;

use async_graphql::ParseRequestError;
use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::GraphQLRequest;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::{assets, conditional, AppState};
use crate::cache::CachedDocument;
use crate::error::AppError;
use crate::graphql::budget::{self, AnswerBudget};
use crate::graphql::documents::Documents;
use crate::graphql::extensions::PERSISTED_QUERY_NOT_FOUND;

/// The media type of the GraphQL-over-HTTP specification.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Where GraphQL is served; refusals of requests to it are GraphQL-shaped.
pub const PATH: &str = "/graphql";

/// Executes a request; its answer's map documents are held in `documents`, to be spliced into
/// the serialised answer.
async fn execute(
    state: &AppState,
    request: async_graphql::Request,
    documents: &Arc<Documents>,
) -> async_graphql::Response {
    let operation = request
        .operation_name
        .clone()
        .unwrap_or_else(|| "anonymous".to_owned());
    let started = Instant::now();
    let budget = Arc::new(AnswerBudget::new(state.max_answer_bytes));
    let mut response = state
        .schema
        .execute(
            request
                .data(Arc::clone(&budget))
                .data(Arc::clone(documents)),
        )
        .await;
    if budget.exceeded() {
        metrics::counter!("dx_atlas_refusals_total", "code" => budget::RESPONSE_TOO_LARGE)
            .increment(1);
        response = budget.refusal();
    }
    let outcome = if response.is_ok() { "ok" } else { "error" };
    metrics::counter!("dx_atlas_graphql_requests_total", "operation" => operation.clone(), "outcome" => outcome)
        .increment(1);
    metrics::histogram!("dx_atlas_graphql_duration_seconds", "operation" => operation)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The key of a GraphQL request in the document cache: everything its answer depends on.
/// Queries cannot change data (there are no mutations), and the data changes only with the
/// dataset version, which the key includes.
fn graphql_key(version: i64, request: &async_graphql::Request, media_type: &str) -> String {
    let persisted = request
        .extensions
        .get("persistedQuery")
        .map(ToString::to_string);
    let identity = serde_json::json!([
        request.query,
        request.operation_name,
        request.variables,
        persisted,
        media_type,
    ]);
    format!(
        "{version}|graphql|{}",
        crate::cache::digest(identity.to_string().as_bytes())
    )
}

/// Answers a GraphQL request. Answers without errors are kept in the document cache, so a
/// repeated query (a map page's, a newsroom's embed) costs a lookup, many clients asking at
/// once share one execution, and the answer goes out with an `ETag` (`304` when it matches)
/// and compressed when the client accepts it. Answers with errors are never kept.
async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    request: async_graphql::Request,
) -> Response {
    // The GraphQL-over-HTTP media type for clients that ask for it, JSON for the rest.
    let media_type = if headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(GRAPHQL_RESPONSE))
    {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    let key = graphql_key(state.model.current().version, &request, media_type);
    let built = state
        .model
        .cache
        .get_or_build(&key, || async {
            let documents = Arc::new(Documents::new());
            let response = execute(state, request, &documents).await;
            if media_type == GRAPHQL_RESPONSE && is_request_error(&response) {
                return Err(request_error(&response));
            }
            let body = serde_json::to_vec(&response).map_err(|e| {
                AppError::internal("serialising a GraphQL answer", e).into_response()
            })?;
            let mut body = documents.splice(body);
            // What the budget did not charge (lists of small fields) still counts in the end.
            if body.len() > state.max_answer_bytes {
                let refusal = AnswerBudget::new(state.max_answer_bytes).refusal();
                body = serde_json::to_vec(&refusal).unwrap_or_default();
                return Err(([(header::CONTENT_TYPE, media_type)], body).into_response());
            }
            if response.is_ok() {
                Ok(CachedDocument::new(body, media_type).max_age(60))
            } else {
                Err(([(header::CONTENT_TYPE, media_type)], body).into_response())
            }
        })
        .await;
    match built {
        Ok(document) => conditional::respond_cached(headers, document)
            .await
            .unwrap_or_else(IntoResponse::into_response),
        Err(uncached) => uncached,
    }
}

/// Whether an answer is a request error: the engine stopped before executing (the query did
/// not parse or validate, or its variables did not fit), so there is no `data` and no error
/// has a path. A persisted query's unknown hash is left out: Apollo clients look for it in a
/// `200` answer to send the query itself; so is the answer-size refusal, which executed.
fn is_request_error(response: &async_graphql::Response) -> bool {
    let executed_or_retried = |e: &async_graphql::ServerError| {
        matches!(
            e.extensions.as_ref().and_then(|x| x.get("code")),
            Some(async_graphql::Value::String(code))
                if code == PERSISTED_QUERY_NOT_FOUND || code == budget::RESPONSE_TOO_LARGE
        )
    };
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response
            .errors
            .iter()
            .all(|e| e.path.is_empty() && !executed_or_retried(e))
}

/// A request error as `application/graphql-response+json` says it: `400`, the errors, and no
/// `data` entry (the request was never executed).
fn request_error(response: &async_graphql::Response) -> Response {
    let mut body = serde_json::Map::new();
    body.insert(
        "errors".into(),
        serde_json::to_value(&response.errors).unwrap_or_default(),
    );
    if !response.extensions.is_empty() {
        body.insert(
            "extensions".into(),
            serde_json::to_value(&response.extensions).unwrap_or_default(),
        );
    }
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, GRAPHQL_RESPONSE)],
        serde_json::Value::Object(body).to_string(),
    )
        .into_response()
}

/// Whether a request's body is declared JSON (`application/json`, with any parameters).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// POST /graphql. The body must be declared JSON, the one request media type of the
/// GraphQL-over-HTTP specification: any other, or none, is refused with `415` rather than
/// guessed at (a browser's `fetch` of a string sends `text/plain`).
pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    if !is_json(&headers) {
        return refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "send the request as JSON, with Content-Type: application/json".to_owned(),
        );
    }
    match request {
        Ok(request) => answer(&state, &headers, request.into_inner()).await,
        Err(rejection) => unreadable_request(&rejection.0),
    }
}

/// A refusal in GraphQL's shape (`errors` with `extensions.code`), for requests that never
/// reached the engine.
pub fn refusal(status: StatusCode, code: &'static str, message: String) -> Response {
    metrics::counter!("dx_atlas_refusals_total", "code" => code).increment(1);
    let body = serde_json::json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    (status, axum::Json(body)).into_response()
}

/// Whether a body failed because it passed the size limit (chunked bodies fail while read).
/// The GraphQL extractor keeps only the text of the body's error, so the text is compared
/// with the limit's own.
fn is_length_limit(error: &std::io::Error) -> bool {
    error.to_string() == LENGTH_LIMIT_MESSAGE
}

/// What `http_body_util::LengthLimitError` says.
const LENGTH_LIMIT_MESSAGE: &str = "length limit exceeded";

/// The refusal of a body that is not one GraphQL request.
fn unreadable_request(error: &ParseRequestError) -> Response {
    match error {
        ParseRequestError::PayloadTooLarge => refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "REQUEST_TOO_LARGE",
            "the request body is larger than this server accepts (--max-body-bytes)".to_owned(),
        ),
        ParseRequestError::Io(e) if is_length_limit(e) => refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "REQUEST_TOO_LARGE",
            "the request body is larger than this server accepts (--max-body-bytes)".to_owned(),
        ),
        ParseRequestError::UnsupportedBatch => refusal(
            StatusCode::BAD_REQUEST,
            "BATCH_NOT_SUPPORTED",
            "batched requests are not supported; send one operation per request".to_owned(),
        ),
        ParseRequestError::InvalidRequest(e) => refusal(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            format!("the body is not a GraphQL request (a JSON object with `query`): {e}"),
        ),
        other => refusal(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            format!("the request could not be read: {other}"),
        ),
    }
}

/// GET /graphql: a query in the URL (`?query=…`, or a persisted query's hash in
/// `extensions`) is answered as a POST is; without one, a browser gets GraphiQL.
pub async fn get(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let Some(query) = uri
        .query()
        .filter(|q| q.contains("query=") || q.contains("extensions="))
    else {
        return assets::graphiql().await;
    };
    match async_graphql::http::parse_query_string(query) {
        Ok(request) => answer(&state, &headers, request).await,
        Err(e) => refusal(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            format!("not a GraphQL GET request (`?query=…`): {e}"),
        ),
    }
}

/// GET /schema.graphql: the schema in SDL.
pub async fn sdl(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        state.schema.sdl(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::LENGTH_LIMIT_MESSAGE;
    use http_body_util::{BodyExt, Limited};

    #[tokio::test]
    async fn the_length_limit_says_what_is_compared() {
        let body = Limited::new(http_body_util::Full::new(bytes::Bytes::from("too long")), 2);
        let error = body.collect().await.err().map(|e| e.to_string());
        assert_eq!(error.as_deref(), Some(LENGTH_LIMIT_MESSAGE));
    }
}
