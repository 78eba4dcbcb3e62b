//! The query of the OGC API's resources, parsed once: output format, and for `/items`
//! `limit`, `offset`, `bbox` (with `bbox-crs`), `datetime`, the geometry's detail (`zoom`)
//! and the queryables `prefecture` and `kind`. A parameter the resource does not know is
//! refused with 400 naming it (OGC API – Features, /rec/core/query-param-unknown), so a
//! misspelt filter never silently returns everything.

use crate::domain::{BoundingBox, MunicipalityKind, PrefectureCode};
use crate::error::{AppError, AppResult};
use crate::spatial::ladder;
use crate::spatial::simplify::Level;

use super::CRS84;

/// Features a page holds unless `limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 100;
/// Most features one page may hold.
pub const MAX_LIMIT: usize = 10_000;
/// The web-map zoom whose simplification items are drawn at unless `zoom` says otherwise:
/// the API's default level, built when the read model is (about 100 m of detail, a full
/// country layer of some 4 MB).
pub const DEFAULT_ZOOM: u8 = 6;
/// The deepest zoom items may be drawn at.
pub const MAX_ZOOM: u8 = 14;

/// Parameters every resource takes.
const COMMON: [&str; 1] = ["f"];
/// Parameters `/items` takes besides the queryables.
const ITEMS: [&str; 10] = [
    "f",
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "zoom",
    "tolerance",
    "minIslandKm2",
];

/// How a document is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON (GeoJSON for features).
    Json,
    /// An HTML page.
    Html,
}

impl Format {
    /// `f` when given (`json`, `geojson`, `html`), else HTML for a client that asks for it
    /// before JSON (a browser), else JSON.
    pub fn negotiate(f: Option<&str>, accept: Option<&str>) -> AppResult<Self> {
        match f.map(str::to_ascii_lowercase).as_deref() {
            Some("json" | "geojson") => return Ok(Self::Json),
            Some("html") => return Ok(Self::Html),
            Some(other) => {
                return Err(AppError::bad_argument(
                    "f",
                    format!("`{other}` is not a format: use json or html"),
                ))
            }
            None => {}
        }
        let Some(accept) = accept else {
            return Ok(Self::Json);
        };
        let position = |needle: &str| accept.find(needle).unwrap_or(usize::MAX);
        let html = position("text/html");
        let json = position("json").min(position("application/*"));
        Ok(if html < json { Self::Html } else { Self::Json })
    }
}

/// The query of a resource other than `/items`: only `f`.
pub fn plain(query: &[(String, String)]) -> AppResult<Option<String>> {
    refuse_unknown(query, &COMMON, &[])?;
    Ok(last(query, "f").map(str::to_owned))
}

/// The query of `/items`.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemsQuery {
    /// `f`, as given.
    pub f: Option<String>,
    /// Features in this page, 1 to [`MAX_LIMIT`].
    pub limit: usize,
    /// Features skipped before this page.
    pub offset: usize,
    /// Features whose boundary meets this box.
    pub bbox: Option<BoundingBox>,
    /// The detail the geometry is drawn at.
    pub detail: Detail,
    /// Only the areas of this prefecture.
    pub prefecture: Option<String>,
    /// Only municipalities of this kind.
    pub kind: Option<String>,
}

impl ItemsQuery {
    /// Parses the query pairs of `/items`; `queryables` are the property filters the
    /// collection takes (`prefecture`, `kind`).
    pub fn parse(query: &[(String, String)], queryables: &[&str]) -> AppResult<Self> {
        refuse_unknown(query, &ITEMS, queryables)?;
        let limit = match last(query, "limit") {
            None => DEFAULT_LIMIT,
            Some(text) => parse_limit(text)?,
        };
        let offset = match last(query, "offset") {
            None => 0,
            Some(text) => text.trim().parse::<usize>().map_err(|_| {
                AppError::bad_argument(
                    "offset",
                    format!("`{text}` is not a whole number of features to skip"),
                )
            })?,
        };
        let bbox = last(query, "bbox")
            .map(str::parse::<BoundingBox>)
            .transpose()?;
        if let Some(crs) = last(query, "bbox-crs") {
            if crs.trim() != CRS84 {
                return Err(AppError::bad_argument(
                    "bbox-crs",
                    format!("`{crs}` is not supported: boxes are in {CRS84} (longitude, latitude)"),
                ));
            }
        }
        check_crs(query)?;
        if let Some(datetime) = last(query, "datetime") {
            check_datetime(datetime)?;
        }
        let detail = Detail::parse(query)?;
        let prefecture = last(query, "prefecture")
            .map(|text| {
                // `1` as well as `01`: the feature id of a prefecture is its code as a number.
                let padded = format!("{:0>2}", text.trim());
                PrefectureCode::parse(&padded)
                    .map(|code| code.to_string())
                    .map_err(|e| AppError::bad_argument("prefecture", e))
            })
            .transpose()?;
        let kind = last(query, "kind")
            .map(|text| {
                MunicipalityKind::parse(&text.trim().to_ascii_uppercase())
                    .map(|k| k.as_str().to_owned())
                    .ok_or_else(|| {
                        let kinds: Vec<&str> =
                            MunicipalityKind::ALL.iter().map(|k| k.as_str()).collect();
                        AppError::bad_argument(
                            "kind",
                            format!(
                                "`{text}` is not a kind of municipality: one of {}",
                                kinds.join(", ")
                            ),
                        )
                    })
            })
            .transpose()?;
        Ok(Self {
            f: last(query, "f").map(str::to_owned),
            limit,
            offset,
            bbox,
            detail,
            prefecture,
            kind,
        })
    }
}

impl ItemsQuery {
    /// The simplification the geometry is drawn at (see [`Detail::level`]).
    pub fn level(&self) -> Level {
        self.detail.level()
    }
}

/// The detail a feature's geometry is drawn at: a web-map zoom, or the explicit tolerance and
/// smallest island the map downloads take too.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detail {
    /// `zoom`, [`DEFAULT_ZOOM`] when absent.
    pub zoom: u8,
    /// `tolerance` in degrees, 0 to 1, replacing the zoom's.
    pub tolerance: Option<f64>,
    /// `minIslandKm2`, 0 or more, replacing the zoom's.
    pub min_island_km2: Option<f64>,
}

impl Detail {
    /// Parses `zoom`, `tolerance` and `minIslandKm2`.
    fn parse(query: &[(String, String)]) -> AppResult<Self> {
        Ok(Self {
            zoom: parse_zoom(query)?,
            tolerance: parse_number(query, "tolerance", 1.0, "a tolerance from 0 to 1 degree")?,
            min_island_km2: parse_number(
                query,
                "minIslandKm2",
                f64::MAX,
                "an area of 0 km² or more",
            )?,
        })
    }

    /// The simplification the geometry is drawn at: a rung of the ladder, so the levels a
    /// client can make the server build are few and known.
    pub fn level(&self) -> Level {
        ladder::level(self.zoom, self.tolerance, self.min_island_km2)
    }
}

/// A finite number from 0 to `max` named `name`, when given.
fn parse_number(
    query: &[(String, String)],
    name: &str,
    max: f64,
    expected: &str,
) -> AppResult<Option<f64>> {
    last(query, name)
        .map(|text| {
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && (0.0..=max).contains(n))
                .ok_or_else(|| AppError::bad_argument(name, format!("`{text}` is not {expected}")))
        })
        .transpose()
}

/// Parameters `/items/{featureId}` takes.
const FEATURE: [&str; 5] = ["f", "crs", "zoom", "tolerance", "minIslandKm2"];

/// The query of `/items/{featureId}`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureQuery {
    /// `f`, as given.
    pub f: Option<String>,
    /// The detail the geometry is drawn at.
    pub detail: Detail,
}

impl FeatureQuery {
    /// Parses the query pairs of `/items/{featureId}`.
    pub fn parse(query: &[(String, String)]) -> AppResult<Self> {
        refuse_unknown(query, &FEATURE, &[])?;
        check_crs(query)?;
        Ok(Self {
            f: last(query, "f").map(str::to_owned),
            detail: Detail::parse(query)?,
        })
    }

    /// The simplification the geometry is drawn at (see [`Detail::level`]).
    pub fn level(&self) -> Level {
        self.detail.level()
    }
}

/// `crs` (OGC API – Features Part 2, which GDAL sends when a collection lists its CRSs): only
/// CRS84, the one CRS served.
fn check_crs(query: &[(String, String)]) -> AppResult<()> {
    match last(query, "crs") {
        Some(crs) if crs.trim() != CRS84 => Err(AppError::bad_argument(
            "crs",
            format!("`{crs}` is not served: features are in {CRS84} (longitude, latitude)"),
        )),
        _ => Ok(()),
    }
}

/// `zoom`: 0 to [`MAX_ZOOM`], [`DEFAULT_ZOOM`] when absent.
fn parse_zoom(query: &[(String, String)]) -> AppResult<u8> {
    match last(query, "zoom") {
        None => Ok(DEFAULT_ZOOM),
        Some(text) => text
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|z| *z <= MAX_ZOOM)
            .ok_or_else(|| {
                AppError::bad_argument(
                    "zoom",
                    format!("`{text}` is not a zoom from 0 to {MAX_ZOOM}"),
                )
            }),
    }
}

/// `limit`: a whole number from 1 to [`MAX_LIMIT`].
pub fn parse_limit(text: &str) -> AppResult<usize> {
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| {
            AppError::bad_argument(
                "limit",
                format!("`{text}` is not a number of features from 1 to {MAX_LIMIT}"),
            )
        })
}

/// `datetime` is accepted as OGC API writes it (an instant, or an interval with `..` for an
/// open end) and filters nothing: the collections hold one survey edition and one boundary
/// release, so every feature is valid at every instant asked. Malformed text is refused
/// all the same.
fn check_datetime(text: &str) -> AppResult<()> {
    let instant = |part: &str| {
        let part = part.trim();
        part.is_empty()
            || part == ".."
            || (part.len() >= 4
                && part.as_bytes()[..4].iter().all(u8::is_ascii_digit)
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-:.+".contains(&b)))
    };
    let parts: Vec<&str> = text.split('/').collect();
    let ok = match parts[..] {
        [one] => !one.trim().is_empty() && one.trim() != ".." && instant(one),
        [from, to] => instant(from) && instant(to),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::bad_argument(
            "datetime",
            format!("`{text}` is not an RFC 3339 instant or interval (start/end, `..` for open)"),
        ))
    }
}

/// The last value of `name` (a repeated parameter counts as written last).
fn last<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Refuses the first parameter that is neither `known` nor a queryable, naming it and what
/// the resource takes.
fn refuse_unknown(
    query: &[(String, String)],
    known: &[&str],
    queryables: &[&str],
) -> AppResult<()> {
    let unknown = query
        .iter()
        .map(|(k, _)| k.as_str())
        .find(|k| !known.contains(k) && !queryables.contains(k));
    match unknown {
        None => Ok(()),
        Some(name) => {
            let taken: Vec<&str> = known.iter().chain(queryables).copied().collect();
            Err(AppError::bad_argument(
                name,
                format!(
                    "unknown query parameter; this resource takes {}",
                    taken.join(", ")
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn argument(e: AppError) -> Option<String> {
        match e {
            AppError::BadInput(b) => b.argument,
            _ => None,
        }
    }

    const Q: [&str; 2] = ["prefecture", "kind"];

    #[test]
    fn defaults() {
        let q = ItemsQuery::parse(&[], &Q).unwrap();
        assert_eq!(
            (q.limit, q.offset, q.detail.zoom),
            (DEFAULT_LIMIT, 0, DEFAULT_ZOOM)
        );
        assert!(q.bbox.is_none() && q.prefecture.is_none() && q.kind.is_none());
    }

    #[test]
    fn limits_out_of_range_name_limit() {
        assert_eq!(parse_limit("10000").unwrap(), 10_000);
        assert_eq!(parse_limit(" 1").unwrap(), 1);
        for wrong in ["0", "10001", "-1", "ten", ""] {
            let e = ItemsQuery::parse(&query(&[("limit", wrong)]), &Q).unwrap_err();
            assert_eq!(argument(e).as_deref(), Some("limit"), "{wrong}");
        }
    }

    #[test]
    fn unknown_parameters_are_named() {
        let e = ItemsQuery::parse(&query(&[("prefectur", "13")]), &Q).unwrap_err();
        assert_eq!(argument(e).as_deref(), Some("prefectur"));
        let e = plain(&query(&[("limit", "1")])).unwrap_err();
        assert_eq!(argument(e).as_deref(), Some("limit"));
        let e = ItemsQuery::parse(&query(&[("kind", "CITY")]), &["prefecture"]).unwrap_err();
        assert_eq!(argument(e).as_deref(), Some("kind"));
    }

    #[test]
    fn filters_and_boxes_are_checked() {
        let q = ItemsQuery::parse(
            &query(&[
                ("bbox", "139.56,35.52,139.92,35.82"),
                ("bbox-crs", CRS84),
                ("crs", CRS84),
                ("prefecture", "1"),
                ("kind", "special_ward"),
                ("datetime", "2023-04-01T00:00:00Z/.."),
                ("zoom", "9"),
            ]),
            &Q,
        )
        .unwrap();
        assert_eq!(q.prefecture.as_deref(), Some("01"));
        assert_eq!(q.kind.as_deref(), Some("SPECIAL_WARD"));
        assert_eq!(q.detail.zoom, 9);
        assert!(q.bbox.is_some());
        for (name, wrong) in [
            ("bbox", "1,2,3"),
            ("bbox-crs", "http://www.opengis.net/def/crs/EPSG/0/4326"),
            ("crs", "http://www.opengis.net/def/crs/EPSG/0/3857"),
            ("prefecture", "48"),
            ("kind", "HAMLET"),
            ("datetime", "yesterday"),
            ("zoom", "15"),
            ("tolerance", "2"),
            ("tolerance", "NaN"),
            ("minIslandKm2", "-1"),
            ("offset", "-3"),
            ("f", "xml"),
        ] {
            let e = ItemsQuery::parse(&query(&[(name, wrong)]), &Q)
                .and_then(|q| Format::negotiate(q.f.as_deref(), None).map(|_| q))
                .unwrap_err();
            assert_eq!(argument(e).as_deref(), Some(name), "{name}={wrong}");
        }
    }

    #[test]
    fn an_explicit_tolerance_takes_the_ladder_rung_the_downloads_take() {
        let q = ItemsQuery::parse(
            &query(&[("zoom", "9"), ("tolerance", "0.003"), ("minIslandKm2", "0")]),
            &Q,
        )
        .unwrap();
        let level = q.level();
        assert_eq!(level.tolerance, ladder::tolerance(0.003));
        assert_ne!(level.tolerance, Level::for_zoom(9).tolerance);
        assert_eq!(level.min_island_km2, 0.0);
        let only_zoom = FeatureQuery::parse(&query(&[("zoom", "9")])).unwrap();
        assert_eq!(only_zoom.level(), Level::for_zoom(9));
    }

    #[test]
    fn browsers_get_html_and_clients_json() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(
            Format::negotiate(None, Some(browser)).unwrap(),
            Format::Html
        );
        assert_eq!(Format::negotiate(None, None).unwrap(), Format::Json);
        assert_eq!(
            Format::negotiate(None, Some("application/geo+json, text/html;q=0.5")).unwrap(),
            Format::Json
        );
        assert_eq!(
            Format::negotiate(Some("json"), Some(browser)).unwrap(),
            Format::Json
        );
        assert_eq!(Format::negotiate(Some("html"), None).unwrap(), Format::Html);
    }
}
