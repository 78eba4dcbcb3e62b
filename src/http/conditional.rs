//! Conditional, compressed, ranged responses: the best encoding a client accepts, a strong
//! `ETag` per encoding, `304 Not Modified` when the client's `If-None-Match` holds it, and one
//! byte range of the identity representation when asked for (see [`ranges`]). Used by the
//! downloads, the tiles and cached GraphQL answers alike.

use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use headers::{ETag, HeaderMapExt, IfNoneMatch};

use super::ranges::{self, Part};
use crate::cache::CachedDocument;
pub use crate::cache::{compress, digest, etag, Encoding};
use crate::error::AppError;

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

/// Whether the client already holds the representation tagged `tag` (RFC 9110 §13.1.2:
/// `If-None-Match` compares weakly, and `*` matches any).
fn if_none_match(headers: &HeaderMap, tag: &HeaderValue) -> bool {
    // Most requests carry no condition: the tag is parsed only for those that do.
    let Some(condition) = headers.typed_get::<IfNoneMatch>() else {
        return false;
    };
    tag.to_str()
        .ok()
        .and_then(|tag| tag.parse::<ETag>().ok())
        .is_some_and(|tag| !condition.precondition_passes(&tag))
}

/// `Cache-Control` for `max_age_secs`: the ages DX Atlas uses are written once.
fn cache_control(max_age_secs: u32) -> Option<HeaderValue> {
    match max_age_secs {
        300 => Some(HeaderValue::from_static("public, max-age=300")),
        3600 => Some(HeaderValue::from_static("public, max-age=3600")),
        n => HeaderValue::from_str(&format!("public, max-age={n}")).ok(),
    }
}

/// The encoding to send: the identity when the client asks for a range of it, else the best
/// it accepts.
fn choose(headers: &HeaderMap, identity_tag: &[u8]) -> (Encoding, Option<ranges::Ranges>) {
    match ranges::requested(headers, identity_tag) {
        Some(asked) => (Encoding::Identity, Some(asked)),
        None => (negotiate(headers), None),
    }
}

/// What a response is made of besides its body: its tag and the headers that describe it.
struct Described<'a> {
    encoding: Encoding,
    tag: Bytes,
    content_type: &'static str,
    filename: Option<&'a str>,
    max_age_secs: u32,
}

/// A response carrying `body` (already in its encoding) with its tag, type and file name,
/// `304 Not Modified` when the client has it, or the range it asked for.
fn send(
    headers: &HeaderMap,
    body: Bytes,
    asked: Option<&ranges::Ranges>,
    described: &Described<'_>,
) -> Response {
    let Described {
        encoding,
        tag,
        content_type,
        filename,
        max_age_secs,
    } = described;
    // A tag is a quoted hex digest, always a valid header value; one that were not is left out.
    let tag = HeaderValue::from_maybe_shared(tag.clone()).ok();
    let mut response = if tag.as_ref().is_some_and(|t| if_none_match(headers, t)) {
        StatusCode::NOT_MODIFIED.into_response()
    } else if let Some(asked) = asked {
        ranged(body, asked)
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
    if let Some(tag) = tag {
        h.insert(header::ETAG, tag);
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(v) = cache_control(*max_age_secs) {
        h.insert(header::CACHE_CONTROL, v);
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // File names are ASCII by construction (codes only).
    if let Some(Ok(v)) =
        filename.map(|f| HeaderValue::from_str(&format!("attachment; filename=\"{f}\"")))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// The part of an identity `body` that a client asked for: `206` with the slice, `416` when
/// no byte of it is there, or `200` with the whole.
fn ranged(body: Bytes, asked: &ranges::Ranges) -> Response {
    let len = body.len() as u64;
    let part = ranges::part(asked, len);
    let content_range = ranges::content_range(&part, len);
    let mut response = match part {
        Part::Whole => body.into_response(),
        Part::Slice(bytes) => {
            // Both ends lie within the body, whose length came from a usize.
            let (start, end) = (
                usize::try_from(*bytes.start()).unwrap_or(usize::MAX),
                usize::try_from(*bytes.end()).unwrap_or(usize::MAX),
            );
            match body.get(start..=end) {
                Some(_) => (StatusCode::PARTIAL_CONTENT, body.slice(start..=end)).into_response(),
                None => StatusCode::RANGE_NOT_SATISFIABLE.into_response(),
            }
        }
        Part::Unsatisfiable => StatusCode::RANGE_NOT_SATISFIABLE.into_response(),
    };
    if let Some(Ok(v)) = content_range.map(HeaderValue::try_from) {
        response.headers_mut().insert(header::CONTENT_RANGE, v);
    }
    response
}

/// Sends `body` as a download named `filename`, compressing it for this client.
pub fn respond(
    headers: &HeaderMap,
    body: Vec<u8>,
    content_type: &'static str,
    filename: &str,
) -> Response {
    respond_named(headers, body, content_type, Some(filename))
}

/// Sends `body` to be shown rather than saved, compressing it for this client.
pub fn respond_inline(headers: &HeaderMap, body: Vec<u8>, content_type: &'static str) -> Response {
    respond_named(headers, body, content_type, None)
}

fn respond_named(
    headers: &HeaderMap,
    body: Vec<u8>,
    content_type: &'static str,
    filename: Option<&str>,
) -> Response {
    let tag_base = digest(&body);
    let (encoding, asked) = choose(headers, etag(&tag_base, Encoding::Identity).as_bytes());
    match compress(&body, encoding) {
        Ok(bytes) => send(
            headers,
            Bytes::from(bytes),
            asked.as_ref(),
            &Described {
                encoding,
                tag: Bytes::from(etag(&tag_base, encoding)),
                content_type,
                filename,
                max_age_secs: 300,
            },
        ),
        Err(e) => AppError::internal("compressing a response", e).into_response(),
    }
}

/// Sends a cached document in the encoding this client takes, compressing it off the async
/// workers if this is the first client to want that encoding.
pub async fn respond_cached(
    headers: &HeaderMap,
    document: Arc<CachedDocument>,
) -> Result<Response, AppError> {
    let (encoding, asked) = choose(headers, &document.tag(Encoding::Identity));
    let body = if let Some(body) = document.ready(encoding) {
        body
    } else {
        let doc = Arc::clone(&document);
        tokio::task::spawn_blocking(move || doc.encoded(encoding))
            .await
            .map_err(|e| AppError::internal("compressing a cached document", e))?
            .map_err(|e| AppError::internal("compressing a cached document", e))?
    };
    Ok(send(
        headers,
        body,
        asked.as_ref(),
        &Described {
            encoding,
            tag: document.tag(encoding),
            content_type: document.content_type,
            filename: document.filename.as_deref(),
            max_age_secs: document.max_age_secs,
        },
    ))
}
