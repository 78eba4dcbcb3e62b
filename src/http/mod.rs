//! The HTTP surface: GraphQL (POST, or GET with the query in the URL; answers cached) and
//! GraphiQL (GET) at `/graphql`, the SDL at
//! `/schema.graphql`, choropleth downloads at `/choropleth.{geojson,topojson,csv}` and
//! `/choropleth.{xlsx,gpkg,fgb}`, the whole survey as a dataset at
//! `/survey/{edition}/{wide,long}.{csv,xlsx}`, `statistics.csv` and `package.zip`, vector tiles and their TileJSON under `/tiles/`, OGC API –
//! Features and – Tiles under `/ogcapi`, liveness at `/healthz` and readiness at `/readyz`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sea_orm::DatabaseConnection;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use self::limits::LimitsLayer;
use self::record::RecordLayer;
use crate::cli::ServeConfig;
use crate::graphql::AtlasSchema;
use crate::readmodel::ReadModel;
use crate::telemetry;

pub mod assets;
pub mod conditional;
pub mod downloads;
pub mod graphql;
pub mod limits;
pub mod maps;
pub mod ogcapi;
pub mod ranges;
pub mod record;
pub mod server;
pub mod survey;
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
    /// The address clients reach the service at (`--public-url`), when configured; links
    /// are otherwise built from each request's `Host` and `X-Forwarded-*`.
    pub public_url: Option<Arc<str>>,
    /// The OGC API's feature tables of the current generation.
    pub features: Arc<crate::ogcapi::features::FeatureStore>,
    /// The survey editions gathered as datasets for the current generation.
    pub datasets: Arc<crate::dataset::store::DatasetStore>,
}

/// The router of the whole service, with its limits, tracing, metrics and CORS.
pub fn router(state: AppState, config: &ServeConfig) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/{*path}", get(assets::asset))
        .route(graphql::PATH, get(graphql::get).post(graphql::post))
        .route("/schema.graphql", get(graphql::sdl))
        .merge(download_routes())
        .merge(ogcapi_routes())
        .route("/metrics", get(metrics))
        // One layer of all the middleware: axum clones a route's stack for every request, so
        // each `.layer` call of its own would be cloned again by every layer outside it.
        .layer(
            ServiceBuilder::new()
                .layer(cors_layer(config))
                .map_response(IntoResponse::into_response)
                .layer(SetRequestIdLayer::x_request_id(Counter::default()))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
                        let id = request
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        // The id and the path only: formatting fields is most of a span's
                        // cost, a choropleth tile's query string is long, and the path tells
                        // the method (only `/graphql` takes a POST).
                        tracing::info_span!("request", id, path = request.uri().path())
                    }),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(RecordLayer::default())
                .layer(LimitsLayer::new(
                    usize::try_from(config.max_concurrency).unwrap_or(usize::MAX),
                    Duration::from_secs(config.request_timeout_secs),
                    config.max_body_bytes,
                ))
                .map_response(IntoResponse::into_response)
                .layer(RequestBodyLimitLayer::new(config.max_body_bytes)),
        )
        // Health checks stay outside the limits: a saturated server is alive.
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
}

/// The address clients reach the service at, for absolute links: `--public-url` when set,
/// else the request's `Host` and `X-Forwarded-*`.
pub(crate) fn service_root(state: &AppState, headers: &HeaderMap) -> String {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    crate::ogcapi::links::service_root(
        state.public_url.as_deref(),
        crate::ogcapi::links::Forwarded {
            host: text(header::HOST.as_str()),
            proto: text("x-forwarded-proto"),
            forwarded_host: text("x-forwarded-host"),
            prefix: text("x-forwarded-prefix"),
        },
    )
}

/// CORS for the configured origins.
fn cors_layer(config: &ServeConfig) -> CorsLayer {
    let any_origin = config.cors_origins.iter().any(|o| o == "*");
    let origins: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    // Only the answer to a listed origin depends on the request's `Origin` (the preflight
    // answers are the same for all), so only then does it say `Vary: origin`; otherwise a CDN
    // keeps one copy of a tile rather than one per site that shows it.
    let vary = if any_origin || origins.is_empty() {
        Vec::new()
    } else {
        vec![header::ORIGIN]
    };
    if any_origin {
        CorsLayer::new().allow_origin(AllowOrigin::any())
    } else {
        CorsLayer::new().allow_origin(AllowOrigin::list(origins))
    }
    .vary(vary)
    .allow_methods([Method::GET, Method::POST])
    .allow_headers([header::CONTENT_TYPE, header::IF_NONE_MATCH])
    .expose_headers([header::ETAG])
}

/// The map downloads, single features and tiles.
fn download_routes() -> Router<AppState> {
    Router::new()
        .route("/choropleth.geojson", get(downloads::geojson))
        .route("/choropleth.topojson", get(downloads::topojson))
        .route("/choropleth.csv", get(downloads::csv))
        .route("/choropleth.xlsx", get(downloads::xlsx))
        .route("/choropleth.gpkg", get(downloads::geopackage))
        .route("/choropleth.fgb", get(downloads::flatgeobuf))
        .route("/survey/{edition}/{file}", get(survey::file))
        .route(
            "/municipalities/{file}",
            get(downloads::municipality_feature),
        )
        .route("/tiles/boundaries.json", get(tiles::boundary_tilejson))
        .route("/tiles/choropleth.json", get(tiles::choropleth_tilejson))
        .route("/tiles/choropleth/{z}/{x}/{file}", get(tiles::choropleth))
        .route("/tiles/{z}/{x}/{file}", get(tiles::boundary))
}

/// OGC API – Features and – Tiles under `/ogcapi`.
fn ogcapi_routes() -> Router<AppState> {
    Router::new()
        .route("/ogcapi", get(ogcapi::landing))
        .route("/ogcapi/", get(ogcapi::landing))
        .route("/ogcapi/conformance", get(ogcapi::conformance))
        .route("/ogcapi/api", get(ogcapi::api))
        .route("/ogcapi/collections", get(ogcapi::collections))
        .route("/ogcapi/collections/{id}", get(ogcapi::collection))
        .route("/ogcapi/collections/{id}/items", get(ogcapi::items))
        .route(
            "/ogcapi/collections/{id}/items/{feature}",
            get(ogcapi::item),
        )
        .route("/ogcapi/collections/{id}/schema", get(ogcapi::schema))
        .route(
            "/ogcapi/collections/{id}/queryables",
            get(ogcapi::queryables),
        )
        .route(
            "/ogcapi/collections/{id}/tiles",
            get(ogcapi::collection_tilesets),
        )
        .route(
            "/ogcapi/collections/{id}/tiles/{tms}",
            get(ogcapi::collection_tileset),
        )
        .route("/ogcapi/tiles", get(ogcapi::dataset_tilesets))
        .route("/ogcapi/tiles/{tms}", get(ogcapi::dataset_tileset))
        .route("/ogcapi/tileMatrixSets", get(ogcapi::tile_matrix_sets))
        .route(
            "/ogcapi/tileMatrixSets/{tms}",
            get(ogcapi::tile_matrix_set_definition),
        )
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
