//! Byte ranges of downloads (RFC 9110 §14): what GDAL's `/vsicurl/`, pyogrio and the
//! FlatGeobuf and PMTiles readers send to read part of a file over HTTP.
//!
//! Ranges are always of the identity representation, so a client gets the same bytes whatever
//! encoding it would otherwise be sent; a ranged response therefore goes uncompressed. One range
//! is answered with `206 Partial Content`; several at once are answered with the whole
//! representation, which RFC 9110 §14.2 allows, since the readers above ask one range per request
//! and a `multipart/byteranges` body would only be a second path to keep right.

use std::ops::RangeInclusive;

use axum::http::{header, HeaderMap};
/// The ranges a request asks for, parsed and not yet held against a length.
pub use http_range_header::ParsedRanges as Ranges;

/// What a request's `Range` asks of a representation of a given length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// The whole representation, with `200 OK`.
    Whole,
    /// These bytes, with `206 Partial Content`.
    Slice(RangeInclusive<u64>),
    /// No byte of the representation: `416 Range Not Satisfiable`.
    Unsatisfiable,
}

/// The ranges a request asks for, when it asks for any that this server will answer: a
/// well-formed `Range` of bytes, and an `If-Range` (if any) naming the current representation
/// by its strong tag `identity_tag`. A malformed `Range` is ignored, as RFC 9110 §14.2 lets a
/// server do; an `If-Range` of a date, or of another tag, asks for the whole of a changed file.
pub fn requested(headers: &HeaderMap, identity_tag: &[u8]) -> Option<Ranges> {
    let range = headers.get(header::RANGE)?.to_str().ok()?;
    if let Some(condition) = headers.get(header::IF_RANGE) {
        // A strong comparison: a weak tag (W/"…") never matches.
        if condition.as_bytes() != identity_tag {
            return None;
        }
    }
    http_range_header::parse_range_header(range).ok()
}

/// The part of a representation `len` bytes long that `ranges` ask for.
pub fn part(ranges: &Ranges, len: u64) -> Part {
    match ranges.validate(len) {
        Ok(valid) => match valid.as_slice() {
            [one] => Part::Slice(one.clone()),
            _ => Part::Whole,
        },
        Err(_) => Part::Unsatisfiable,
    }
}

/// The `Content-Range` of a slice of a representation `len` bytes long, or of a refusal.
pub fn content_range(part: &Part, len: u64) -> Option<String> {
    match part {
        Part::Whole => None,
        Part::Slice(bytes) => Some(format!("bytes {}-{}/{len}", bytes.start(), bytes.end())),
        Part::Unsatisfiable => Some(format!("bytes */{len}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const TAG: &[u8] = b"\"abc\"";

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(name.clone(), HeaderValue::from_static(value));
        }
        h
    }

    fn asked(pairs: &[(header::HeaderName, &'static str)], len: u64) -> Option<Part> {
        requested(&headers(pairs), TAG).map(|r| part(&r, len))
    }

    #[test]
    fn one_range_is_a_slice() {
        assert_eq!(
            asked(&[(header::RANGE, "bytes=0-99")], 1000),
            Some(Part::Slice(0..=99))
        );
        assert_eq!(
            asked(&[(header::RANGE, "bytes=990-")], 1000),
            Some(Part::Slice(990..=999))
        );
        assert_eq!(
            asked(&[(header::RANGE, "bytes=-10")], 1000),
            Some(Part::Slice(990..=999))
        );
        // A last byte past the end is cut to the end (RFC 9110 §14.1.1).
        assert_eq!(
            asked(&[(header::RANGE, "bytes=900-5000")], 1000),
            Some(Part::Slice(900..=999))
        );
    }

    #[test]
    fn ranges_past_the_end_are_unsatisfiable() {
        assert_eq!(
            asked(&[(header::RANGE, "bytes=1000-1001")], 1000),
            Some(Part::Unsatisfiable)
        );
        assert_eq!(
            content_range(&Part::Unsatisfiable, 1000).as_deref(),
            Some("bytes */1000")
        );
        assert_eq!(
            content_range(&Part::Slice(0..=99), 1000).as_deref(),
            Some("bytes 0-99/1000")
        );
    }

    #[test]
    fn several_ranges_get_the_whole() {
        assert_eq!(
            asked(&[(header::RANGE, "bytes=0-9,20-29")], 1000),
            Some(Part::Whole)
        );
    }

    #[test]
    fn malformed_ranges_and_other_units_are_ignored() {
        for range in ["bytes=abc", "items=0-9", "bytes=9-0", "0-9"] {
            let mut h = HeaderMap::new();
            h.insert(header::RANGE, HeaderValue::from_static(range));
            assert!(requested(&h, TAG).is_none(), "{range}");
        }
        assert!(requested(&HeaderMap::new(), TAG).is_none());
    }

    #[test]
    fn if_range_must_name_this_representation_strongly() {
        let matching = [(header::RANGE, "bytes=0-9"), (header::IF_RANGE, "\"abc\"")];
        assert_eq!(asked(&matching, 100), Some(Part::Slice(0..=9)));
        for other in ["\"old\"", "W/\"abc\"", "Wed, 21 Oct 2015 07:28:00 GMT"] {
            let mut h = headers(&[(header::RANGE, "bytes=0-9")]);
            h.insert(header::IF_RANGE, HeaderValue::from_static(other));
            assert!(requested(&h, TAG).is_none(), "{other}");
        }
    }
}
