//! Downloads for researchers without GraphQL: the same choropleth as `.geojson`, `.topojson`
//! and `.csv`, with a file name, a strong `ETag` (answered by `304 Not Modified`), and gzip or
//! brotli when the client accepts it.

use std::io::Write;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::AppState;
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
        super::super::graphql::choropleth::check_ranges(
            self.classes,
            self.zoom,
            self.precision,
            self.tolerance,
        )?;
        Ok(ChoroplethRequest {
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
        })
    }
}

/// How a body may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// As is.
    Identity,
    /// gzip.
    Gzip,
    /// brotli.
    Brotli,
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

/// Compresses a body.
pub fn compress(body: &[u8], encoding: Encoding) -> std::io::Result<Vec<u8>> {
    match encoding {
        Encoding::Identity => Ok(body.to_vec()),
        Encoding::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(body)?;
            e.finish()
        }
        Encoding::Brotli => {
            let mut out = Vec::new();
            {
                // Quality 9 of 11: most of brotli's gain at a fraction of its slowest setting.
                let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 9, 22);
                w.write_all(body)?;
            }
            Ok(out)
        }
    }
}

/// A strong entity tag of bytes (sha256, shortened), distinct per content coding.
pub fn etag(identity_body: &[u8], encoding: Encoding) -> String {
    let digest = Sha256::digest(identity_body);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    match encoding {
        Encoding::Identity => format!("\"{hex}\""),
        Encoding::Gzip => format!("\"{hex}-gzip\""),
        Encoding::Brotli => format!("\"{hex}-br\""),
    }
}

fn if_none_match(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"))
}

/// Sends `body` with its tag, type and file name, honouring `If-None-Match` and `Accept-Encoding`.
pub fn respond(headers: &HeaderMap, body: Vec<u8>, content_type: &str, filename: &str) -> Response {
    let encoding = negotiate(headers);
    let tag = etag(&body, encoding);
    let mut response = if if_none_match(headers, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match compress(&body, encoding) {
            Ok(bytes) => {
                let mut r = bytes.into_response();
                if let Some(coding) = match encoding {
                    Encoding::Identity => None,
                    Encoding::Gzip => Some("gzip"),
                    Encoding::Brotli => Some("br"),
                } {
                    r.headers_mut()
                        .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
                }
                r
            }
            Err(e) => return AppError::Internal(format!("compressing: {e}")).into_response(),
        }
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // The file name is ASCII by construction (codes only).
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

async fn render_download(
    state: &AppState,
    headers: &HeaderMap,
    params: ChoroplethParams,
    kind: &str,
) -> Result<Response, AppError> {
    let format = if kind == "topojson" {
        Format::TopoJson
    } else {
        Format::GeoJson
    };
    let request = params.into_request(format)?;
    let atlas = state.atlas.clone();
    let built = choropleth::build(&state.db, &atlas, request).await?;
    let stem = render::file_stem(&built);
    let (body, content_type) = match kind {
        "csv" => (
            render::csv(&built).map_err(|e| AppError::Internal(format!("CSV: {e}")))?,
            "text/csv; charset=utf-8",
        ),
        "topojson" => (
            serde_json::to_vec(&render::topojson(&built, &atlas))
                .map_err(|e| AppError::Internal(e.to_string()))?,
            "application/json",
        ),
        _ => (
            serde_json::to_vec(&render::geojson(&built, &atlas))
                .map_err(|e| AppError::Internal(e.to_string()))?,
            "application/geo+json",
        ),
    };
    Ok(respond(
        headers,
        body,
        content_type,
        &format!("{stem}.{kind}"),
    ))
}

/// GET /choropleth.geojson
pub async fn geojson(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<ChoroplethParams>,
) -> Result<Response, AppError> {
    render_download(&state, &headers, params, "geojson").await
}

/// GET /choropleth.topojson
pub async fn topojson(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<ChoroplethParams>,
) -> Result<Response, AppError> {
    render_download(&state, &headers, params, "topojson").await
}

/// GET /choropleth.csv
pub async fn csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<ChoroplethParams>,
) -> Result<Response, AppError> {
    render_download(&state, &headers, params, "csv").await
}
