//! The HTTP surface: GraphQL (POST, or GET with the query in the URL; answers cached) and
//! GraphiQL (GET) at `/graphql`, the SDL at
//! `/schema.graphql`, choropleth downloads at `/choropleth.{geojson,topojson,csv}`, vector
//! tiles and their TileJSON under `/tiles/`, liveness at `/healthz` and readiness at `/readyz`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
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
use crate::telemetry;

use std::sync::Arc;

use crate::graphql::AtlasSchema;
use crate::readmodel::ReadModel;

pub mod assets;
pub mod conditional;
pub mod downloads;
pub mod graphql;
pub mod limits;
pub mod server;
pub mod tiles;

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
        .route(graphql::PATH, get(graphql::get).post(graphql::post))
        .route("/schema.graphql", get(graphql::sdl))
        .route("/choropleth.geojson", get(downloads::geojson))
        .route("/choropleth.topojson", get(downloads::topojson))
        .route("/choropleth.csv", get(downloads::csv))
        .route("/municipalities/{file}", get(downloads::municipality_feature))
        .route("/tiles/boundaries.json", get(tiles::boundary_tilejson))
        .route("/tiles/choropleth.json", get(tiles::choropleth_tilejson))
        .route("/tiles/choropleth/{z}/{x}/{file}", get(tiles::choropleth))
        .route("/tiles/{z}/{x}/{file}", get(tiles::boundary))
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
            if request.uri().path() == graphql::PATH {
                graphql::refusal(StatusCode::PAYLOAD_TOO_LARGE, "REQUEST_TOO_LARGE", message)
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
/// servers behind one balancer do not collide. The prefix is written once: asking the kernel
/// for the process id on every request costs a system call.
#[derive(Clone)]
struct Counter {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl Default for Counter {
    fn default() -> Self {
        Self {
            prefix: format!("{}-", std::process::id()).into(),
            next: Arc::default(),
        }
    }
}

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}{n}", self.prefix))
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
