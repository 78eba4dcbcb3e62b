//! A map's arguments as a download link or a tile URL writes them: [`ChoroplethRequest`],
//! the query string's serde form, not yet checked ([`super::spec`] checks it), and the
//! enums its arguments take.

use serde::{Deserialize, Serialize};

use crate::domain::PrefectureCode;
use crate::spatial::ladder;
use crate::spatial::simplify::Level as SimplifyLevel;
use crate::stats::classify::Method;

/// Whose areas the map shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MapLevel {
    /// Municipalities.
    #[default]
    Municipality,
    /// Prefectures.
    Prefecture,
}

/// What a prefecture's value is, on a prefecture map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PrefectureValue {
    /// The prefecture's own answer (都道府県の回答).
    #[default]
    OwnAnswer,
    /// The share of its municipalities giving `option` (for counts and rates: their mean).
    MunicipalShare,
}

impl PrefectureValue {
    // serde's `skip_serializing_if` hands the field by reference.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    fn is_own_answer(&self) -> bool {
        *self == Self::OwnAnswer
    }
}

/// Output format of the geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// RFC 7946 FeatureCollection.
    #[default]
    GeoJson,
    /// TopoJSON topology with shared, quantized arcs.
    TopoJson,
}

/// A map's arguments as a download link or a tile URL writes them, not yet checked: its serde
/// form is the query string (`/choropleth.geojson?indicator=…`), named as the GraphQL
/// arguments; the format is the link's path. [`MapSpec::try_from`] checks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChoroplethRequest {
    /// Indicator code.
    pub indicator: String,
    /// Option whose choice is mapped (multiple choice, shares); `None` maps categories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    /// Edition code; `None` for the newest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// Municipalities or prefectures.
    #[serde(default)]
    pub level: MapLevel,
    /// On a prefecture map, whose answer.
    #[serde(default, skip_serializing_if = "PrefectureValue::is_own_answer")]
    pub prefecture_value: PrefectureValue,
    /// Only this prefecture's municipalities (or this prefecture).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefecture: Option<PrefectureCode>,
    /// Classification of numeric values.
    #[serde(default)]
    pub classification: Method,
    /// Upper bounds of a manual classification; a comma-separated list in a query string.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "comma_list")]
    pub breaks: Option<Vec<f64>>,
    /// Number of classes.
    #[serde(default = "default_classes")]
    pub classes: usize,
    /// ColorBrewer scheme; default Blues for numbers, Set2 for categories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub palette: Option<String>,
    /// Web-map zoom choosing the simplification (default 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoom: Option<u8>,
    /// Explicit Douglas-Peucker tolerance in degrees, instead of the zoom's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Islands smaller than this (km²) are dropped; default from the zoom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_island_km2: Option<f64>,
    /// Decimals of coordinates (default from the tolerance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<u8>,
    /// Map a count per this statistic (`A1101`, residents): value / statistic × `scale`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// The factor of a `per` map (10000: per 10,000 residents); 1 when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    /// On a prefecture map of municipal shares, weight each municipality by this statistic
    /// (`A1101`: the share of residents whose municipality chose the option).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<String>,
    /// A second numeric variable (a statistic or a count or rate indicator): the map becomes
    /// bivariate, 3 × 3 classes of the two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bivariate: Option<String>,
    /// Only municipalities with at least this many residents (2020 census, SSDSE-A `A1101`):
    /// with `population_below`, a population band of `aggregate` as a map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population_at_least: Option<i64>,
    /// Only municipalities with fewer residents than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population_below: Option<i64>,
    /// Only the areas whose boundary meets this box, `west,south,east,north` in degrees (a
    /// download's; checked into a [`crate::domain::BoundingBox`] by the spec).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<String>,
    /// Output format.
    #[serde(skip)]
    pub format: Format,
}

/// Classes of a map when none are asked for.
pub const DEFAULT_CLASSES: usize = 5;

fn default_classes() -> usize {
    DEFAULT_CLASSES
}

/// Manual breaks in a query string: `breaks=10,20,30`.
mod comma_list {
    use serde::{de, Deserialize, Deserializer, Serializer};

    #[allow(clippy::ref_option)] // serde's `with` hands the field by reference.
    pub fn serialize<S: Serializer>(breaks: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
        let list: Vec<String> = breaks.iter().flatten().map(f64::to_string).collect();
        s.serialize_str(&list.join(","))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<f64>>, D::Error> {
        let text = String::deserialize(d)?;
        text.split(',')
            .map(|b| {
                b.trim()
                    .parse::<f64>()
                    .map_err(|_| de::Error::custom(format!("`{b}` is not a number")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// Deepest zoom a map is simplified for.
pub const MAX_ZOOM: u8 = 14;
/// Most decimals of a map's coordinates.
pub const MAX_PRECISION: u8 = 10;

impl ChoroplethRequest {
    /// The whole-country municipality map of `indicator` in the newest edition, with every
    /// other argument at its default: five quantiles, default palette and zoom, GeoJSON.
    pub fn whole_country(indicator: impl Into<String>) -> Self {
        Self {
            indicator: indicator.into(),
            option: None,
            edition: None,
            level: MapLevel::Municipality,
            prefecture_value: PrefectureValue::OwnAnswer,
            prefecture: None,
            classification: Method::Quantiles,
            breaks: None,
            classes: DEFAULT_CLASSES,
            palette: None,
            zoom: None,
            tolerance: None,
            min_island_km2: None,
            precision: None,
            per: None,
            scale: None,
            weight: None,
            bivariate: None,
            population_at_least: None,
            population_below: None,
            bbox: None,
            format: Format::GeoJson,
        }
    }

    /// A prefecture map of its municipalities' share.
    pub fn is_municipal_share(&self) -> bool {
        self.level == MapLevel::Prefecture
            && self.prefecture_value == PrefectureValue::MunicipalShare
    }

    /// The simplification level: the zoom's, or the explicit tolerance and island size.
    pub fn simplify_level(&self) -> SimplifyLevel {
        simplification(self.zoom, self.tolerance, self.min_island_km2)
    }

    /// Decimals of output coordinates: the request's, or enough to keep a tenth of the tolerance.
    pub fn decimals(&self) -> u8 {
        self.precision
            .unwrap_or_else(|| self.simplify_level().decimals())
    }

    /// The request as the query string of its download links.
    pub fn query_string(&self) -> Result<String, serde_urlencoded::ser::Error> {
        serde_urlencoded::to_string(self)
    }
}

/// The simplification a map is drawn at: the zoom's (default 6), unless an explicit tolerance
/// (degrees) or smallest island (km²) replaces the zoom's, taken to its rung of the ladder
/// ([`ladder`]; a parsed [`super::MapSpec`] holds them there already).
pub fn simplification(
    zoom: Option<u8>,
    tolerance: Option<f64>,
    min_island_km2: Option<f64>,
) -> SimplifyLevel {
    ladder::level(zoom.unwrap_or(6), tolerance, min_island_km2)
}
