//! Parse, the pipeline's first step: a map's arguments, as GraphQL gives them
//! ([`MapArguments`]) or as a download link or tile URL writes them ([`ChoroplethRequest`],
//! the query string's serde form), become a [`MapSpec`] through one fallible conversion. Every
//! rule that needs no data is checked there, once: the ranges, which arguments go together, and
//! which levels they apply to. What needs the indicator or the statistics (an option it lacks, a
//! `per` of a choice) is checked when they are gathered ([`super::gather`]).

use super::request::MAX_ZOOM;
use super::request::{ChoroplethRequest, Format, MapLevel, DEFAULT_CLASSES, MAX_PRECISION};
use crate::context::statistics::per_scale;
use crate::domain::{BoundingBox, PrefectureCode};
use crate::error::AppError;
use crate::spatial::ladder;
use crate::spatial::simplify::Level as SimplifyLevel;
use crate::stats::classify::{Method, MAX_CLASSES, MIN_CLASSES};

/// A map's arguments as GraphQL takes them: integers as GraphQL's `Int`, the prefecture as
/// text. [`MapSpec::try_from`] narrows and checks them.
#[derive(Debug, Clone)]
pub struct MapArguments {
    /// The request, but for the fields below.
    pub request: ChoroplethRequest,
    /// Only this prefecture's municipalities (two-digit code).
    pub prefecture: Option<String>,
    /// Number of classes.
    pub classes: i32,
    /// Web-map zoom.
    pub zoom: Option<i32>,
    /// Decimals of coordinates.
    pub precision: Option<i32>,
    /// Only municipalities with at least this many residents.
    pub population_at_least: Option<i32>,
    /// Only municipalities with fewer residents than this.
    pub population_below: Option<i32>,
}

impl TryFrom<MapArguments> for MapSpec {
    type Error = AppError;

    fn try_from(arguments: MapArguments) -> Result<Self, AppError> {
        let MapArguments {
            mut request,
            prefecture,
            classes,
            zoom,
            precision,
            population_at_least,
            population_below,
        } = arguments;
        request.prefecture = prefecture
            .as_deref()
            .map(PrefectureCode::parse)
            .transpose()?;
        // Breaks belong to a manual classification only: other methods ignore them.
        if request.classification != Method::Manual {
            request.breaks = None;
        }
        request.classes = usize::try_from(classes).map_err(|_| {
            AppError::bad_argument(
                "classes",
                format!("{classes} is out of range; give 2 to 12"),
            )
        })?;
        request.zoom = narrow("zoom", zoom)?;
        request.precision = narrow("precision", precision)?;
        request.population_at_least = population_at_least.map(i64::from);
        request.population_below = population_below.map(i64::from);
        Self::try_from(request)
    }
}

/// A GraphQL `Int` as a `u8`, or the error naming the argument.
fn narrow(name: &str, v: Option<i32>) -> Result<Option<u8>, AppError> {
    v.map(|v| {
        u8::try_from(v).map_err(|_| AppError::bad_argument(name, format!("{v} is out of range")))
    })
    .transpose()
}

/// A map request that has passed every rule that needs no data: the only form the later steps
/// ([`super::gather`], [`super::compute`], [`super::render`]) take.
#[derive(Debug, Clone, PartialEq)]
pub struct MapSpec {
    request: ChoroplethRequest,
    bbox: Option<BoundingBox>,
    query: String,
}

impl TryFrom<ChoroplethRequest> for MapSpec {
    type Error = AppError;

    fn try_from(mut request: ChoroplethRequest) -> Result<Self, AppError> {
        check_classes(&request)?;
        check_geometry(&request)?;
        check_bivariate(&request)?;
        per_scale(request.per.as_deref(), request.scale)?;
        check_band(&request)?;
        if let Some(a) = request
            .min_island_km2
            .filter(|a| !a.is_finite() || *a < 0.0)
        {
            return Err(out_of_range(
                "minIslandKm2",
                a,
                "a finite area of 0 km² or more",
            ));
        }
        check_levels(&request)?;
        // An explicit level goes to its rung of the ladder before anything names the map (its
        // query string, its cache keys): two requests on one rung are one map.
        request.tolerance = request.tolerance.map(ladder::tolerance);
        request.min_island_km2 = request.min_island_km2.map(ladder::island);
        let bbox = request
            .bbox
            .as_deref()
            .map(str::parse::<BoundingBox>)
            .transpose()?;
        // Written back in one form, so that one box is one map's name however it was spelt.
        request.bbox = bbox.map(|b| b.to_string());
        let query = request
            .query_string()
            .map_err(|e| AppError::internal("writing a map's query string", e))?;
        Ok(Self {
            request,
            bbox,
            query,
        })
    }
}

impl MapSpec {
    /// The checked arguments.
    pub fn request(&self) -> &ChoroplethRequest {
        &self.request
    }

    /// The arguments as the query string of the map's download links (without the format).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The same map in another format.
    #[must_use]
    pub fn with_format(mut self, format: Format) -> Self {
        self.request.format = format;
        self
    }

    /// The map of `indicator` (its `option` read as 1, of `edition`) over every municipality,
    /// as spatial autocorrelation analyses it.
    pub fn whole_country(
        indicator: String,
        option: Option<String>,
        edition: Option<String>,
    ) -> Result<Self, AppError> {
        Self::try_from(ChoroplethRequest {
            option,
            edition,
            ..ChoroplethRequest::whole_country(indicator)
        })
    }

    /// The map's level.
    pub fn level(&self) -> MapLevel {
        self.request.level
    }

    /// The box the written areas must meet, if any.
    pub fn bbox(&self) -> Option<&BoundingBox> {
        self.bbox.as_ref()
    }

    /// The output format.
    pub fn format(&self) -> Format {
        self.request.format
    }

    /// A prefecture map of its municipalities' share.
    pub fn is_municipal_share(&self) -> bool {
        self.request.is_municipal_share()
    }

    /// The simplification level.
    pub fn simplify_level(&self) -> SimplifyLevel {
        self.request.simplify_level()
    }

    /// Decimals of output coordinates.
    pub fn decimals(&self) -> u8 {
        self.request.decimals()
    }

    /// The factor of a `per` map: the one asked for, or 1.
    pub fn scale(&self) -> f64 {
        self.request.scale.unwrap_or(1.0)
    }

    /// Refuses a `weight` unless the map is of prefectures' municipal shares. Checked once the
    /// mapped variable is known to be an indicator: a statistic refuses it in its own words.
    pub fn check_weight(&self) -> Result<(), AppError> {
        if self.request.weight.is_some() && !self.is_municipal_share() {
            return Err(bad(
                "weight", "it weights a prefecture's municipal share; ask with level: PREFECTURE and prefectureValue: MUNICIPAL_SHARE"
            ));
        }
        Ok(())
    }
}

fn bad(argument: &str, detail: &str) -> AppError {
    AppError::bad_argument(argument, detail)
}

fn out_of_range(argument: &str, value: impl std::fmt::Display, range: &str) -> AppError {
    AppError::bad_argument(argument, format!("{value} is out of range; give {range}"))
}

/// Manual classes need their breaks; the class count is within the classifiers' range.
fn check_classes(request: &ChoroplethRequest) -> Result<(), AppError> {
    if request.classification == Method::Manual && request.breaks.is_none() {
        return Err(bad("breaks", "MANUAL classification needs breaks"));
    }
    if !(MIN_CLASSES..=MAX_CLASSES).contains(&request.classes) {
        return Err(out_of_range(
            "classes",
            request.classes,
            &format!("{MIN_CLASSES} to {MAX_CLASSES}"),
        ));
    }
    Ok(())
}

/// Zoom, precision and a finite, non-negative tolerance of at most a degree.
fn check_geometry(request: &ChoroplethRequest) -> Result<(), AppError> {
    if let Some(z) = request.zoom.filter(|z| *z > MAX_ZOOM) {
        return Err(out_of_range("zoom", z, &format!("0 to {MAX_ZOOM}")));
    }
    if let Some(p) = request.precision.filter(|p| *p > MAX_PRECISION) {
        return Err(out_of_range(
            "precision",
            p,
            &format!("0 to {MAX_PRECISION}"),
        ));
    }
    if let Some(t) = request
        .tolerance
        .filter(|t| !t.is_finite() || *t < 0.0 || *t > 1.0)
    {
        return Err(out_of_range("tolerance", t, "0 to 1 degree"));
    }
    Ok(())
}

/// A bivariate map has its own classes and palette.
fn check_bivariate(request: &ChoroplethRequest) -> Result<(), AppError> {
    if request.bivariate.is_some()
        && (request.classes != DEFAULT_CLASSES
            || request.classification != Method::Quantiles
            || request.palette.is_some())
    {
        return Err(bad(
            "bivariate", "a bivariate map has 3 × 3 classes (tertiles of each variable) and its own palette; leave classes, classification and palette out"
        ));
    }
    Ok(())
}

/// A population band's bounds are numbers of residents, the upper above the lower.
fn check_band(request: &ChoroplethRequest) -> Result<(), AppError> {
    for (name, bound) in [
        ("populationAtLeast", request.population_at_least),
        ("populationBelow", request.population_below),
    ] {
        if let Some(n) = bound.filter(|n| *n < 0) {
            return Err(out_of_range(name, n, "a number of residents, 0 or more"));
        }
    }
    if let (Some(least), Some(below)) = (request.population_at_least, request.population_below) {
        if below <= least {
            return Err(AppError::bad_argument("populationBelow", format!(
                "{below} is not above populationAtLeast: {least}; no municipality could be in the band"
            )));
        }
    }
    Ok(())
}

/// What applies to municipalities only: statistics are municipal (`per`), population bands
/// filter municipalities, and a bivariate map relates municipal values.
fn check_levels(request: &ChoroplethRequest) -> Result<(), AppError> {
    if request.level == MapLevel::Municipality {
        return Ok(());
    }
    if request.per.is_some() {
        return Err(bad(
            "per",
            "statistics are municipal; map level: MUNICIPALITY",
        ));
    }
    if request.population_at_least.is_some() || request.population_below.is_some() {
        return Err(bad(
            "populationAtLeast",
            "population bands filter municipalities; map level: MUNICIPALITY",
        ));
    }
    if request.bivariate.is_some() {
        return Err(bad(
            "bivariate",
            "a bivariate map is of municipalities; map level: MUNICIPALITY",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(change: impl FnOnce(&mut ChoroplethRequest)) -> Result<MapSpec, String> {
        let mut request = ChoroplethRequest::whole_country("cio.appointed");
        change(&mut request);
        MapSpec::try_from(request).map_err(|e| e.to_string())
    }

    #[test]
    fn the_default_map_parses_and_names_itself_in_its_query() {
        let s = spec(|_| {}).unwrap();
        assert_eq!(
            s.query(),
            "indicator=cio.appointed&level=MUNICIPALITY&classification=QUANTILES&classes=5"
        );
    }

    #[test]
    fn ranges_are_refused_with_the_argument_named() {
        assert!(spec(|r| r.classes = 1)
            .unwrap_err()
            .starts_with("classes: 1"));
        assert!(spec(|r| r.zoom = Some(15))
            .unwrap_err()
            .starts_with("zoom: 15"));
        assert!(spec(|r| r.tolerance = Some(f64::NAN))
            .unwrap_err()
            .starts_with("tolerance"));
        assert!(spec(|r| r.scale = Some(2.0))
            .unwrap_err()
            .starts_with("scale: it applies"));
        let huge = spec(|r| {
            r.per = Some("A1101".into());
            r.scale = Some(2e9);
        });
        assert!(huge.unwrap_err().starts_with("scale: 2000000000"));
    }

    #[test]
    fn municipal_only_arguments_are_refused_on_a_prefecture_map() {
        let per = spec(|r| {
            r.level = MapLevel::Prefecture;
            r.per = Some("A1101".into());
        });
        assert!(per
            .unwrap_err()
            .starts_with("per: statistics are municipal"));
        let band = spec(|r| {
            r.level = MapLevel::Prefecture;
            r.population_below = Some(10);
        });
        assert!(band
            .unwrap_err()
            .starts_with("populationAtLeast: population bands"));
    }

    #[test]
    fn graphql_integers_are_narrowed_and_breaks_kept_for_manual_only() {
        let arguments = |classes, zoom| MapArguments {
            request: ChoroplethRequest {
                breaks: Some(vec![1.0]),
                ..ChoroplethRequest::whole_country("cio.appointed")
            },
            prefecture: Some("13".into()),
            classes,
            zoom,
            precision: None,
            population_at_least: None,
            population_below: None,
        };
        let s = MapSpec::try_from(arguments(5, Some(3))).unwrap();
        assert_eq!(s.request().breaks, None);
        assert_eq!(s.request().zoom, Some(3));
        assert!(MapSpec::try_from(arguments(-1, None)).is_err());
        let zoom = MapSpec::try_from(arguments(5, Some(300))).unwrap_err();
        assert_eq!(zoom.to_string(), "zoom: 300 is out of range");
    }
}
