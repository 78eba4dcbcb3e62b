//! The browser pages (the map at `/`, GraphiQL at `GET /graphql`) and their assets, compiled
//! into the binary from `web/` so that nothing is fetched from another site at run time.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

/// The files of `web/public/` (in debug builds read from disk, in release builds embedded).
#[derive(RustEmbed)]
#[folder = "web/public/"]
pub struct Web;

fn file(path: &str) -> Response {
    match Web::get(path) {
        Some(content) => {
            let mime = content.metadata.mimetype().to_owned();
            let mut response = content.data.into_owned().into_response();
            let headers = response.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&mime) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            response
        }
        None => (StatusCode::NOT_FOUND, format!("no file `{path}`")).into_response(),
    }
}

/// GET / — the map page.
pub async fn index() -> Response {
    file("index.html")
}

/// GET /graphql in a browser — GraphiQL, self-contained.
pub async fn graphiql() -> Response {
    file("graphiql.html")
}

/// GET /assets/{*path}
pub async fn asset(Path(path): Path<String>) -> Response {
    file(&path)
}
