//! The HTTP surface: GraphQL (POST, or GET with the query in the URL; answers cached) and
//! GraphiQL (GET) at `/graphql`, the SDL at
//! `/schema.graphql`, choropleth downloads at `/choropleth.{geojson,topojson,csv}`, liveness
//! at `/healthz` and readiness at `/readyz`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_graphql::ParseRequestError;
use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::GraphQLRequest;
use axum::body::Body;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sea_orm::DatabaseConnection;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::cache::CachedDocument;
use crate::cli::ServeConfig;
use crate::error::AppError;
use crate::telemetry;

use std::sync::Arc;

use crate::graphql::budget::{self, AnswerBudget};
use crate::graphql::AtlasSchema;
use crate::readmodel::ReadModel;

pub mod assets;
pub mod downloads;
pub mod limits;
pub mod server;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: DatabaseConnection,
    /// The GraphQL schema.
    pub schema: AtlasSchema,
    /// The in-memory read model.
    pub model: Arc<ReadModel>,
    /// Bytes one GraphQL answer may hold.
    pub max_answer_bytes: usize,
}

/// The router of the whole service, with its limits, tracing, metrics and CORS.
pub fn router(state: AppState, config: &ServeConfig) -> Router {
    let cors = if config.cors_origins.iter().any(|o| o == "*") {
        CorsLayer::new().allow_origin(AllowOrigin::any())
    } else {
        CorsLayer::new().allow_origin(AllowOrigin::list(
            config
                .cors_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok()),
        ))
    }
    .allow_methods([Method::GET, Method::POST])
    .allow_headers([header::CONTENT_TYPE, header::IF_NONE_MATCH])
    .expose_headers([header::ETAG]);
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/{*path}", get(assets::asset))
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/schema.graphql", get(sdl))
        .route("/choropleth.geojson", get(downloads::geojson))
        .route("/choropleth.topojson", get(downloads::topojson))
        .route("/choropleth.csv", get(downloads::csv))
        .route("/municipalities/{file}", get(downloads::municipality_feature))
        .route("/metrics", get(metrics))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            config.max_body_bytes,
            refuse_declared_large_bodies,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(limits::refusal))
                .load_shed()
                // One semaphore for every route: the limit is the server's, not each route's.
                .layer(GlobalConcurrencyLimitLayer::new(
                    usize::try_from(config.max_concurrency).unwrap_or(usize::MAX),
                ))
                .timeout(Duration::from_secs(config.request_timeout_secs)),
        )
        .layer(axum::middleware::from_fn(record))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(Counter::default()))
                .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", id, method = %request.method(), uri = %request.uri())
                }))
                .layer(PropagateRequestIdLayer::x_request_id()),
        )
        .layer(cors)
        // Health checks stay outside the limits: a saturated server is alive.
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
}

/// Refuses a body whose declared length passes the limit before reading it, with a JSON
/// error (GraphQL-shaped on `/graphql`); bodies that do not declare their length are cut off
/// by the limit layer while read, and refused as they fail.
async fn refuse_declared_large_bodies(
    State(limit): State<usize>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > u64::try_from(limit).unwrap_or(u64::MAX) => {
            let message = format!("the request body has {n} bytes; at most {limit} are accepted");
            if request.uri().path() == "/graphql" {
                graphql_refusal(StatusCode::PAYLOAD_TOO_LARGE, "REQUEST_TOO_LARGE", message)
            } else {
                let body =
                    serde_json::json!({"error": {"code": "REQUEST_TOO_LARGE", "message": message}});
                (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(body)).into_response()
            }
        }
        _ => next.run(request).await,
    }
}

/// Request ids: a process-wide counter, prefixed by the process id so that ids from several
/// servers behind one balancer do not collide.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicU64>);

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", std::process::id()))
            .ok()
            .map(RequestId::new)
    }
}

/// Counts requests and their latency by route and status.
async fn record(request: Request<Body>, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("dx_atlas_http_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("dx_atlas_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

async fn metrics() -> Response {
    match telemetry::metrics() {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder unavailable",
        )
            .into_response(),
    }
}

async fn execute(state: &AppState, request: async_graphql::Request) -> async_graphql::Response {
    let operation = request
        .operation_name
        .clone()
        .unwrap_or_else(|| "anonymous".to_owned());
    let started = Instant::now();
    let budget = Arc::new(AnswerBudget::new(state.max_answer_bytes));
    let mut response = state
        .schema
        .execute(request.data(Arc::clone(&budget)))
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
        downloads::digest(identity.to_string().as_bytes())
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
        .is_some_and(|a| a.contains("application/graphql-response+json"))
    {
        "application/graphql-response+json"
    } else {
        "application/json"
    };
    let key = graphql_key(state.model.current().version, &request, media_type);
    let built = state
        .model
        .cache
        .get_or_build(&key, || async {
            let response = execute(state, request).await;
            let mut body = serde_json::to_vec(&response).map_err(|e| {
                AppError::Internal(format!("serialising a GraphQL answer: {e}")).into_response()
            })?;
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
        Ok(document) => downloads::respond_cached(headers, document)
            .await
            .unwrap_or_else(IntoResponse::into_response),
        Err(uncached) => uncached,
    }
}

async fn graphql_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    match request {
        Ok(request) => answer(&state, &headers, request.into_inner()).await,
        Err(rejection) => unreadable_request(&rejection.0),
    }
}

/// A refusal in GraphQL's shape (`errors` with `extensions.code`), for requests that never
/// reached the engine.
fn graphql_refusal(status: StatusCode, code: &'static str, message: String) -> Response {
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
        ParseRequestError::PayloadTooLarge => graphql_refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "REQUEST_TOO_LARGE",
            "the request body is larger than this server accepts (--max-body-bytes)".to_owned(),
        ),
        ParseRequestError::Io(e) if is_length_limit(e) => graphql_refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "REQUEST_TOO_LARGE",
            "the request body is larger than this server accepts (--max-body-bytes)".to_owned(),
        ),
        ParseRequestError::UnsupportedBatch => graphql_refusal(
            StatusCode::BAD_REQUEST,
            "BATCH_NOT_SUPPORTED",
            "batched requests are not supported; send one operation per request".to_owned(),
        ),
        ParseRequestError::InvalidRequest(e) => graphql_refusal(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            format!("the body is not a GraphQL request (a JSON object with `query`): {e}"),
        ),
        other => graphql_refusal(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            format!("the request could not be read: {other}"),
        ),
    }
}

/// GET /graphql: a query in the URL (`?query=…`, or a persisted query's hash in
/// `extensions`) is answered as a POST is; without one, a browser gets GraphiQL.
async fn graphql_get(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let Some(query) = uri
        .query()
        .filter(|q| q.contains("query=") || q.contains("extensions="))
    else {
        return assets::graphiql().await;
    };
    match async_graphql::http::parse_query_string(query) {
        Ok(request) => answer(&state, &headers, request).await,
        Err(e) => graphql_refusal(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            format!("not a GraphQL GET request (`?query=…`): {e}"),
        ),
    }
}

async fn sdl(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        state.schema.sdl(),
    )
        .into_response()
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The process can answer: the database responds.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
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
