//! The HTTP surface: GraphQL (POST) and GraphiQL (GET) at `/graphql`, the SDL at
//! `/schema.graphql`, choropleth downloads at `/choropleth.{geojson,topojson,csv}`, liveness
//! at `/healthz` and readiness at `/readyz`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
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

use crate::cli::ServeConfig;
use crate::error::AppError;
use crate::telemetry;

use std::sync::Arc;

use crate::graphql::AtlasSchema;
use crate::readmodel::ReadModel;

pub mod assets;
pub mod downloads;
pub mod limits;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: DatabaseConnection,
    /// The GraphQL schema.
    pub schema: AtlasSchema,
    /// The in-memory read model.
    pub model: Arc<ReadModel>,
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
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(limits::refusal))
                .load_shed()
                // One semaphore for every route: the limit is the server's, not each route's.
                .layer(GlobalConcurrencyLimitLayer::new(config.max_concurrency.max(1)))
                .timeout(Duration::from_secs(config.request_timeout_secs.max(1))),
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
    let response = state.schema.execute(request).await;
    let outcome = if response.is_ok() { "ok" } else { "error" };
    metrics::counter!("dx_atlas_graphql_requests_total", "operation" => operation.clone(), "outcome" => outcome)
        .increment(1);
    metrics::histogram!("dx_atlas_graphql_duration_seconds", "operation" => operation)
        .record(started.elapsed().as_secs_f64());
    response
}

async fn graphql_post(State(state): State<AppState>, request: GraphQLRequest) -> GraphQLResponse {
    execute(&state, request.into_inner()).await.into()
}

/// GET /graphql: a query in the URL (`?query=…`, or a persisted query's hash in
/// `extensions`) is executed and answered cacheably (ETag, Cache-Control, 304); without one,
/// a browser gets GraphiQL.
async fn graphql_get(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let Some(query) = uri
        .query()
        .filter(|q| q.contains("query=") || q.contains("extensions="))
    else {
        return assets::graphiql().await;
    };
    let request = match async_graphql::http::parse_query_string(query) {
        Ok(r) => r,
        Err(e) => {
            return AppError::BadInput(format!("not a GraphQL GET request: {e}")).into_response();
        }
    };
    let response = execute(&state, request).await;
    let cacheable = response.is_ok();
    let body = match serde_json::to_vec(&response) {
        Ok(b) => b,
        Err(e) => return AppError::Internal(e.to_string()).into_response(),
    };
    let tag = downloads::etag(&downloads::digest(&body), downloads::Encoding::Identity);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut out = if cacheable && matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "application/graphql-response+json")],
            body,
        )
            .into_response()
    };
    if cacheable {
        let h = out.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&tag) {
            h.insert(header::ETAG, v);
        }
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=60"),
        );
    }
    out
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
