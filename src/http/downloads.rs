//! Downloads for researchers without GraphQL: the same choropleth as `.geojson`, `.topojson`
//! and `.csv`, with a file name, a strong `ETag` (answered by `304 Not Modified`), and gzip or
//! brotli when the client accepts it.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::AppState;
use crate::cache::CachedDocument;
pub use crate::cache::{compress, digest, Encoding};
use crate::choropleth::{
    self, render, ChoroplethRequest, Classification, Format, MapLevel, PrefectureValue,
};
use crate::domain::PrefectureCode;
use crate::error::AppError;

/// Query parameters, named as the GraphQL arguments.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChoroplethParams {
    indicator: String,
    option: Option<String>,
    edition: Option<String>,
    level: Option<String>,
    prefecture_value: Option<String>,
    prefecture: Option<String>,
    classification: Option<String>,
    breaks: Option<String>,
    classes: Option<usize>,
    palette: Option<String>,
    zoom: Option<u8>,
    tolerance: Option<f64>,
    min_island_km2: Option<f64>,
    precision: Option<u8>,
}

impl ChoroplethParams {
    /// The request these parameters name.
    pub fn into_request(self, format: Format) -> Result<ChoroplethRequest, AppError> {
        let bad = |m: String| AppError::BadInput(m);
        let level = match self.level.as_deref().unwrap_or("MUNICIPALITY") {
            "MUNICIPALITY" => MapLevel::Municipality,
            "PREFECTURE" => MapLevel::Prefecture,
            other => {
                return Err(bad(format!(
                    "level: `{other}` is not MUNICIPALITY or PREFECTURE"
                )))
            }
        };
        let prefecture_value = match self.prefecture_value.as_deref().unwrap_or("OWN_ANSWER") {
            "OWN_ANSWER" => PrefectureValue::OwnAnswer,
            "MUNICIPAL_SHARE" => PrefectureValue::MunicipalShare,
            other => {
                return Err(bad(format!(
                    "prefectureValue: `{other}` is not OWN_ANSWER or MUNICIPAL_SHARE"
                )))
            }
        };
        let classification = match self.classification.as_deref().unwrap_or("QUANTILES") {
            "QUANTILES" => Classification::Quantiles,
            "EQUAL_INTERVAL" => Classification::EqualInterval,
            "NATURAL_BREAKS" => Classification::NaturalBreaks,
            "STANDARD_DEVIATION" => Classification::StandardDeviation,
            "MANUAL" => {
                let text = self.breaks.as_deref().ok_or_else(|| {
                    bad("breaks: MANUAL classification needs breaks=a,b,c".into())
                })?;
                let breaks = text
                    .split(',')
                    .map(|b| {
                        b.trim()
                            .parse::<f64>()
                            .map_err(|_| bad(format!("breaks: `{b}` is not a number")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Classification::Manual(breaks)
            }
            other => {
                return Err(bad(format!(
                    "classification: `{other}` is not a known method"
                )))
            }
        };
        let prefecture = self
            .prefecture
            .as_deref()
            .map(PrefectureCode::parse)
            .transpose()?;
        let request = ChoroplethRequest {
            indicator: self.indicator,
            option: self.option,
            edition: self.edition,
            level,
            prefecture_value,
            prefecture,
            classification,
            classes: self.classes.unwrap_or(5),
            palette: self.palette,
            zoom: self.zoom,
            tolerance: self.tolerance,
            min_island_km2: self.min_island_km2,
            precision: self.precision,
            format,
        };
        request.validate()?;
        Ok(request)
    }
}

/// The best encoding the client accepts (brotli, then gzip).
pub fn negotiate(headers: &HeaderMap) -> Encoding {
    let accepted = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let offers = |name: &str| {
        accepted.split(',').any(|part| {
            let mut pieces = part.trim().split(';');
            let coding = pieces.next().unwrap_or("").trim();
            let refused =
                pieces.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            coding.eq_ignore_ascii_case(name) && !refused
        })
    };
    if offers("br") {
        Encoding::Brotli
    } else if offers("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// A strong entity tag, distinct per content coding as RFC 9110 requires.
pub fn etag(digest: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Identity => format!("\"{digest}\""),
        Encoding::Gzip => format!("\"{digest}-gzip\""),
        Encoding::Brotli => format!("\"{digest}-br\""),
    }
}

fn if_none_match(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"))
}

/// A response carrying `body` (already in `encoding`) with its tag, type and file name, or
/// `304 Not Modified` when the client has it.
fn send(
    headers: &HeaderMap,
    body: Bytes,
    encoding: Encoding,
    digest: &str,
    content_type: &str,
    filename: Option<&str>,
    max_age_secs: u32,
) -> Response {
    let tag = etag(digest, encoding);
    let mut response = if if_none_match(headers, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = body.into_response();
        if let Some(coding) = match encoding {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        } {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        r
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age_secs}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // File names are ASCII by construction (codes only).
    if let Some(Ok(v)) =
        filename.map(|f| HeaderValue::from_str(&format!("attachment; filename=\"{f}\"")))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// Sends `body`, compressing it for this client.
pub fn respond(headers: &HeaderMap, body: Vec<u8>, content_type: &str, filename: &str) -> Response {
    let encoding = negotiate(headers);
    let tag_base = digest(&body);
    match compress(&body, encoding) {
        Ok(bytes) => send(
            headers,
            Bytes::from(bytes),
            encoding,
            &tag_base,
            content_type,
            Some(filename),
            300,
        ),
        Err(e) => AppError::Internal(format!("compressing: {e}")).into_response(),
    }
}

/// Sends a cached document in the encoding this client takes, compressing it off the async
/// workers if this is the first client to want that encoding.
pub async fn respond_cached(
    headers: &HeaderMap,
    document: Arc<CachedDocument>,
) -> Result<Response, AppError> {
    let encoding = negotiate(headers);
    let body = match document.ready(encoding) {
        Some(body) => body,
        None => {
            let doc = Arc::clone(&document);
            tokio::task::spawn_blocking(move || doc.encoded(encoding))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
                .map_err(|e| AppError::Internal(format!("compressing: {e}")))?
        }
    };
    Ok(send(
        headers,
        body,
        encoding,
        &document.digest,
        document.content_type,
        document.filename.as_deref(),
        document.max_age_secs,
    ))
}

async fn render_download(
    state: &AppState,
    headers: &HeaderMap,
    params: ChoroplethParams,
    kind: &'static str,
) -> Result<Response, AppError> {
    let format = if kind == "topojson" {
        Format::TopoJson
    } else {
        Format::GeoJson
    };
    let request = params.into_request(format)?;
    let generation = state.model.current();
    let key = format!(
        "{}|{kind}|{}",
        generation.version,
        render::query_string(&request)
    );
    let mut fresh = false;
    let document =
        state
            .model
            .cache
            .get_or_build(&key, || {
                fresh = true;
                let atlas = Arc::clone(&generation.atlas);
                let db = state.db.clone();
                async move {
                    let built = choropleth::build(&db, &atlas, request).await?;
                    // Rendering and serialising megabytes is CPU work: off the async workers.
                    tokio::task::spawn_blocking(move || -> Result<CachedDocument, AppError> {
                        let stem = render::file_stem(&built);
                        let internal = |e: String| AppError::Internal(e);
                        let (body, content_type) = match kind {
                            "csv" => (
                                render::csv(&built).map_err(|e| internal(e.to_string()))?,
                                "text/csv; charset=utf-8",
                            ),
                            _ => (
                                render::document_bytes(&built, &atlas)
                                    .map_err(|e| internal(e.to_string()))?,
                                match format {
                                    Format::TopoJson => "application/json",
                                    Format::GeoJson => "application/geo+json",
                                },
                            ),
                        };
                        Ok(CachedDocument::new(body, content_type)
                            .attachment(format!("{stem}.{kind}")))
                    })
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))?
                }
            })
            .await?;
    let response = respond_cached(headers, Arc::clone(&document)).await;
    if fresh {
        // The other encodings are made after the first response, so that it waited only for
        // its own and the next client's is ready.
        tokio::task::spawn_blocking(move || {
            for encoding in [Encoding::Brotli, Encoding::Gzip] {
                if let Err(e) = document.encoded(encoding) {
                    tracing::warn!(error = %e, "compressing a cached document failed");
                }
            }
        });
    }
    response
}

/// A query string that does not fit the choropleth's parameters, said as what is wrong.
fn bad_query(rejection: QueryRejection) -> AppError {
    AppError::BadInput(format!(
        "the query string does not fit the map's parameters: {}",
        std::error::Error::source(&rejection)
            .map_or_else(|| rejection.body_text(), ToString::to_string)
    ))
}

/// GET /choropleth.geojson
pub async fn geojson(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ChoroplethParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(params) = params.map_err(bad_query)?;
    render_download(&state, &headers, params, "geojson").await
}

/// GET /choropleth.topojson
pub async fn topojson(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ChoroplethParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(params) = params.map_err(bad_query)?;
    render_download(&state, &headers, params, "topojson").await
}

/// GET /choropleth.csv
pub async fn csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ChoroplethParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(params) = params.map_err(bad_query)?;
    render_download(&state, &headers, params, "csv").await
}

/// GET /municipalities/{code}.geojson — one municipality's boundary as a Feature, full
/// precision, with the credit line.
pub async fn municipality_feature(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    let code_text = file.strip_suffix(".geojson").ok_or_else(|| {
        AppError::BadInput(format!(
            "`{file}`: ask for CODE.geojson, e.g. 13104.geojson"
        ))
    })?;
    let code = crate::domain::AuthorityCode::parse(code_text)?;
    let municipality = crate::repo::areas::municipality(&state.db, code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no municipality {code}")))?;
    let boundary =
        crate::repo::areas::boundaries(&state.db, std::slice::from_ref(&municipality.code))
            .await?
            .remove(&municipality.code);
    let geometry = match &boundary {
        Some(b) => {
            serde_json::from_str(&b.geometry).map_err(|e| AppError::Internal(e.to_string()))?
        }
        None => serde_json::Value::Null,
    };
    let properties = match serde_json::json!({
        "code": municipality.code, "lgCode": municipality.lg_code, "name": municipality.name,
        "prefecture": municipality.prefecture_code, "kind": municipality.kind,
        "administered": municipality.administered,
    }) {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    let feature = crate::spatial::geojson::feature(&municipality.code, geometry, properties);
    let body = serde_json::to_vec(&feature).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(respond(
        &headers,
        body,
        "application/geo+json",
        &format!("{}.geojson", municipality.code),
    ))
}
