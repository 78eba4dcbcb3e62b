//! The HTTP surface: GraphQL (POST) and GraphiQL (GET) at `/graphql`, the SDL at
//! `/schema.graphql`, choropleth downloads at `/choropleth.{geojson,topojson,csv}`, liveness
//! at `/healthz` and readiness at `/readyz`.

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sea_orm::DatabaseConnection;

use std::sync::Arc;

use crate::graphql::AtlasSchema;
use crate::spatial::atlas::Atlas;

pub mod downloads;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: DatabaseConnection,
    /// The GraphQL schema.
    pub schema: AtlasSchema,
    /// The in-memory spatial model.
    pub atlas: Arc<Atlas>,
}

/// The router of the whole service.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/schema.graphql", get(sdl))
        .route("/choropleth.geojson", get(downloads::geojson))
        .route("/choropleth.topojson", get(downloads::topojson))
        .route("/choropleth.csv", get(downloads::csv))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
}

async fn graphql(State(state): State<AppState>, request: GraphQLRequest) -> GraphQLResponse {
    state.schema.execute(request.into_inner()).await.into()
}

async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("DX Atlas")
            .finish(),
    )
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
