//! Choropleths: an indicator's values joined with boundaries, classified and coloured, with a
//! legend, summary statistics and provenance, ready for a map. Rendering to GeoJSON, TopoJSON
//! and CSV is in [`render`]. Nothing here knows of GraphQL or HTTP.

pub mod autocorrelation;
pub mod bivariate;
pub mod render;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;

use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use crate::context::statistics::{self as official, Statistic};
use crate::context::variables::{self, Variable};
use crate::domain::PrefectureCode;
use crate::entity::{question, question_option, survey_edition};
use crate::error::{AppError, AppResult};
use crate::repo;
use crate::spatial::atlas::{Atlas, Layer};
use crate::spatial::ladder;
use crate::spatial::simplify::Level as SimplifyLevel;
use crate::stats::classify::{self, Method};
use crate::stats::palette;
use crate::survey::catalogue::{QuestionType, Subject};
use crate::survey::source::Provenance;
pub use crate::survey::values::RespondentValue;
use crate::survey::values::{own_values, AnswerMemo};

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

/// Everything that determines a choropleth. Its serde form is the query string of the
/// download links (`/choropleth.geojson?indicator=…`), named as the GraphQL arguments; the
/// format is the link's path.
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
    /// The request with its arguments checked, for GraphQL, the downloads and the tiles alike
    /// (see [`Self::validate`]), and an explicit tolerance and island size taken to their
    /// rung of the ladder ([`ladder`]): two requests on one rung name one map, and the map
    /// says the level it was drawn at.
    pub fn checked(mut self) -> Result<Self, AppError> {
        self.validate()?;
        self.tolerance = self.tolerance.map(ladder::tolerance);
        self.min_island_km2 = self.min_island_km2.map(ladder::island);
        Ok(self)
    }

    /// Checks the numeric arguments: class count within the classifiers' range, zoom,
    /// precision, and a finite, non-negative tolerance and island size.
    fn validate(&self) -> Result<(), AppError> {
        use crate::stats::classify::{MAX_CLASSES, MIN_CLASSES};
        let out_of_range = |what: String, range: &str| {
            AppError::BadInput(format!("{what} is out of range; give {range}"))
        };
        if self.classification == Method::Manual && self.breaks.is_none() {
            return Err(AppError::BadInput(
                "breaks: MANUAL classification needs breaks".into(),
            ));
        }
        if !(MIN_CLASSES..=MAX_CLASSES).contains(&self.classes) {
            return Err(out_of_range(
                format!("classes: {}", self.classes),
                &format!("{MIN_CLASSES} to {MAX_CLASSES}"),
            ));
        }
        if let Some(z) = self.zoom.filter(|z| *z > MAX_ZOOM) {
            return Err(out_of_range(
                format!("zoom: {z}"),
                &format!("0 to {MAX_ZOOM}"),
            ));
        }
        if let Some(p) = self.precision.filter(|p| *p > MAX_PRECISION) {
            return Err(out_of_range(
                format!("precision: {p}"),
                &format!("0 to {MAX_PRECISION}"),
            ));
        }
        if let Some(t) = self
            .tolerance
            .filter(|t| !t.is_finite() || *t < 0.0 || *t > 1.0)
        {
            return Err(out_of_range(format!("tolerance: {t}"), "0 to 1 degree"));
        }
        if self.bivariate.is_some()
            && (self.classes != DEFAULT_CLASSES
                || self.classification != Method::Quantiles
                || self.palette.is_some())
        {
            return Err(bad(
                "bivariate: a bivariate map has 3 × 3 classes (tertiles of each variable) and its own palette; leave classes, classification and palette out".into(),
            ));
        }
        if let Some(scale) = self.scale {
            if self.per.is_none() {
                return Err(bad("scale: it applies to a `per` map; give per too".into()));
            }
            if !scale.is_finite() || scale <= 0.0 || scale > 1e9 {
                return Err(out_of_range(
                    format!("scale: {scale}"),
                    "a factor above 0 and at most 1,000,000,000",
                ));
            }
        }
        for (name, bound) in [
            ("populationAtLeast", self.population_at_least),
            ("populationBelow", self.population_below),
        ] {
            if let Some(n) = bound.filter(|n| *n < 0) {
                return Err(out_of_range(
                    format!("{name}: {n}"),
                    "a number of residents, 0 or more",
                ));
            }
        }
        if let (Some(least), Some(below)) = (self.population_at_least, self.population_below) {
            if below <= least {
                return Err(bad(format!(
                    "populationBelow: {below} is not above populationAtLeast: {least}; no municipality could be in the band"
                )));
            }
        }
        if let Some(a) = self.min_island_km2.filter(|a| !a.is_finite() || *a < 0.0) {
            return Err(out_of_range(
                format!("minIslandKm2: {a}"),
                "a finite area of 0 km² or more",
            ));
        }
        Ok(())
    }

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
            format: Format::GeoJson,
        }
    }

    /// A prefecture map of its municipalities' share.
    pub fn is_municipal_share(&self) -> bool {
        self.level == MapLevel::Prefecture
            && self.prefecture_value == PrefectureValue::MunicipalShare
    }

    /// The simplification level: the zoom's, or the explicit tolerance and island size on
    /// their rungs of the ladder (already there for a [`Self::checked`] request).
    pub fn simplify_level(&self) -> SimplifyLevel {
        let by_zoom = SimplifyLevel::for_zoom(self.zoom.unwrap_or(6));
        ladder::rung(SimplifyLevel {
            tolerance: self.tolerance.unwrap_or(by_zoom.tolerance),
            min_island_km2: self.min_island_km2.unwrap_or(by_zoom.min_island_km2),
        })
    }

    /// Decimals of output coordinates: the request's, or enough to keep a tenth of the tolerance.
    pub fn decimals(&self) -> u8 {
        self.precision
            .unwrap_or_else(|| self.simplify_level().decimals())
    }
}

/// One area's place on the map.
#[derive(Debug, Clone)]
pub struct MapArea {
    /// Position in the layer.
    pub index: usize,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Value.
    pub value: RespondentValue,
    /// Where the value comes from; `None` for a missing one.
    pub provenance: Option<Provenance>,
    /// Class index; `None` for missing.
    pub class: Option<usize>,
    /// Colour.
    pub colour: String,
    /// Legend label of its class.
    pub label: String,
    /// Its value of the second variable, on a bivariate map.
    pub second: Option<f64>,
}

/// One class of the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendClass {
    /// Index.
    pub index: usize,
    /// Lower bound (numbers).
    pub lower: Option<f64>,
    /// Upper bound (numbers).
    pub upper: Option<f64>,
    /// Category (option code).
    pub category: Option<String>,
    /// Label.
    pub label: String,
    /// Colour.
    pub colour: String,
    /// Areas in the class.
    pub count: usize,
}

/// Summary statistics of the mapped values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Statistics {
    /// Areas with a value.
    pub n: usize,
    /// Areas without one.
    pub missing: usize,
    /// Smallest value (numbers).
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
    /// Median.
    pub median: Option<f64>,
}

/// A finished choropleth, before rendering.
pub struct Choropleth {
    /// The request it answers.
    pub request: ChoroplethRequest,
    /// The request as the query string of its download links.
    pub query: String,
    /// What is mapped: an indicator or a statistic.
    pub indicator: Mapped,
    /// The edition of an indicator's answers; `None` for a statistic.
    pub edition: Option<survey_edition::Model>,
    /// Numeric or categorical.
    pub numeric: bool,
    /// The method actually used (`categories` for categorical values).
    pub method: String,
    /// Areas drawn.
    pub areas: Vec<MapArea>,
    /// Legend classes.
    pub legend: Vec<LegendClass>,
    /// The missing class: label, colour, count.
    pub missing: LegendClass,
    /// Statistics.
    pub statistics: Statistics,
    /// Codes of the sources its values come from.
    pub sources: Vec<&'static str>,
    /// The statistic a `per` map divides by, and the factor.
    pub per: Option<Per>,
    /// A bivariate map's second variable and both variables' class bounds.
    pub bivariate: Option<bivariate::Bivariate>,
}

/// Each area's value and its provenance, by code.
type AreaValues = HashMap<String, (RespondentValue, Provenance)>;

/// What a map shows, as its documents describe it: a survey indicator or a statistic.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// Indicator or statistic code.
    pub code: String,
    /// Japanese label.
    pub label_ja: String,
    /// English label (a statistic's is its Japanese one: SSDSE publishes no other).
    pub label_en: String,
    /// The indicator's question type (`COUNT`, `YES_NO`…), or `STATISTIC`.
    pub kind: String,
    /// A statistic's unit.
    pub unit: Option<String>,
    /// A statistic's year.
    pub year: Option<i32>,
}

impl Mapped {
    fn indicator(q: &question::Model) -> Self {
        Self {
            code: q.code.clone(),
            label_ja: q.label_ja.clone(),
            label_en: q.label_en.clone(),
            kind: serde_json::to_value(q.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            unit: None,
            year: None,
        }
    }

    fn statistic(s: &Statistic) -> Self {
        Self {
            code: s.code.clone(),
            label_ja: s.label.clone(),
            label_en: s.label.clone(),
            kind: "STATISTIC".into(),
            unit: s.unit.clone(),
            year: Some(s.year),
        }
    }
}

/// What a `per` map divides its counts by.
#[derive(Debug, Clone, PartialEq)]
pub struct Per {
    /// Statistic code.
    pub code: String,
    /// Its label.
    pub label: String,
    /// Its unit.
    pub unit: Option<String>,
    /// The year of its values.
    pub year: i32,
    /// The factor: values are per `scale` of the statistic's unit.
    pub scale: f64,
    /// Areas with a count but no usable denominator (missing or zero), shown as missing.
    pub undivided: usize,
}

fn bad(message: String) -> AppError {
    AppError::BadInput(message)
}

/// Each prefecture's share of municipalities whose value is `yes` (for counts, their mean),
/// with the provenance of the values it is made of. With `weight`, each municipality counts
/// by its value of that statistic (the share of residents whose municipality chose the
/// option); a municipality without a weight is left out.
fn municipal_shares(municipal: AreaValues, weight: Option<&Statistic>) -> AreaValues {
    let mut by_prefecture: BTreeMap<String, (f64, f64, Option<Provenance>)> = BTreeMap::new();
    for (code, (value, provenance)) in municipal {
        let x = match value {
            RespondentValue::Number(n) => n,
            RespondentValue::Category(c) if c == "yes" => 1.0,
            RespondentValue::Category(_) => 0.0,
            RespondentValue::Missing => continue,
        };
        let w = match weight {
            Some(statistic) => match statistic.value(&code) {
                Some(w) => w,
                None => continue,
            },
            None => 1.0,
        };
        let entry = by_prefecture.entry(code[..2].to_owned()).or_default();
        entry.0 += w * x;
        entry.1 += w;
        entry.2 = Some(entry.2.map_or(provenance, |p| p.with(provenance)));
    }
    by_prefecture
        .into_iter()
        .filter(|(_, (_, total, _))| *total > 0.0)
        .filter_map(|(p, (sum, total, provenance))| {
            Some((p, (RespondentValue::Number(sum / total), provenance?)))
        })
        .collect()
}

/// The statistic a prefecture's municipal share is weighted by, when the request names one.
fn share_weight<'a>(
    request: &ChoroplethRequest,
    statistics: &'a official::Statistics,
    sources: &mut BTreeSet<&'static str>,
) -> AppResult<Option<&'a Statistic>> {
    let Some(code) = request.weight.as_deref() else {
        return Ok(None);
    };
    if !request.is_municipal_share() {
        return Err(bad(
            "weight: it weights a prefecture's municipal share; ask with level: PREFECTURE and prefectureValue: MUNICIPAL_SHARE".into(),
        ));
    }
    let statistic = statistics.require(code).map_err(|e| match e {
        AppError::BadInput(m) => bad(format!("weight: {m}")),
        other => other,
    })?;
    if statistic.values.values().any(|w| *w < 0.0) {
        return Err(bad(format!(
            "weight: `{code}` has negative values; a weight counts residents, households or the like"
        )));
    }
    sources.insert(statistic.source.code);
    Ok(Some(statistic))
}

/// Maps built for recent tile requests, per read-model generation: the tiles of one map come
/// a dozen at a time as a user pans and zooms, and each would otherwise classify the whole map
/// again. Bounded; replaced with the generation, like [`AnswerMemo`].
pub struct MapMemo {
    inner: Mutex<LruCache<String, Arc<Choropleth>>>,
}

/// Maps a generation keeps for its tiles.
const MAP_MEMO_ENTRIES: usize = 32;

impl Default for MapMemo {
    fn default() -> Self {
        Self {
            inner: Mutex::new(LruCache::new(
                NonZeroUsize::new(MAP_MEMO_ENTRIES).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }
}

impl MapMemo {
    /// The map named by `query` (its download query string), built by `build` the first
    /// time. Two requests for the same new map may both build it; one copy is kept.
    pub async fn get_or_build(
        &self,
        query: &str,
        build: impl std::future::Future<Output = AppResult<Choropleth>>,
    ) -> AppResult<Arc<Choropleth>> {
        if let Some(hit) = self
            .inner
            .lock()
            .ok()
            .and_then(|mut m| m.get(query).cloned())
        {
            return Ok(hit);
        }
        let fresh = Arc::new(build.await?);
        if let Ok(mut memo) = self.inner.lock() {
            memo.put(query.to_owned(), Arc::clone(&fresh));
        }
        Ok(fresh)
    }
}

/// What maps are drawn from besides the database, all of one read-model generation: the
/// boundaries, the official statistics and the answers already read.
#[derive(Clone, Copy)]
pub struct MapData<'a> {
    /// Boundaries, topology and simplifications.
    pub atlas: &'a Atlas,
    /// Official statistics per municipality.
    pub statistics: &'a official::Statistics,
    /// Answers read for recent requests.
    pub answers: &'a AnswerMemo,
}

/// Builds a choropleth: checks the request against its indicator (or statistic), gathers the
/// values, places every area of the layer, and classifies and colours them.
pub async fn build(
    db: &impl ConnectionTrait,
    data: MapData<'_>,
    request: ChoroplethRequest,
) -> AppResult<Choropleth> {
    let MapData {
        atlas,
        statistics,
        answers,
    } = data;
    let query = render::query_string(&request)
        .map_err(|e| AppError::internal("writing a map's query string", e))?;
    if let Some(statistic) = statistics.get(&request.indicator) {
        return statistic_map(db, data, statistic, request, query).await;
    }
    let edition = repo::survey::edition_or_newest(db, request.edition.as_deref()).await?;
    let indicator = repo::survey::question(db, &request.indicator)
        .await?
        .ok_or_else(|| {
            bad(format!(
                "indicator: no indicator or statistic `{}`",
                request.indicator
            ))
        })?;
    let options = repo::survey::options(db, std::slice::from_ref(&indicator.code))
        .await?
        .remove(&indicator.code)
        .unwrap_or_default();
    check_against_indicator(&request, &indicator, &options)?;

    let share = request.is_municipal_share();
    // A prefecture's own answer is asked of prefectures; everything else maps municipal answers.
    let subject = if request.level == MapLevel::Prefecture && !share {
        Subject::Prefecture
    } else {
        Subject::Municipality
    };
    let mut sources = BTreeSet::new();
    let own = own_values(
        db,
        answers,
        &edition.code,
        &indicator,
        subject,
        request.option.as_deref(),
        &mut sources,
    )
    .await?;
    let weight = share_weight(&request, statistics, &mut sources)?;
    let values = if share {
        municipal_shares(own, weight)
    } else {
        own
    };
    if request.per.is_some() && indicator.kind != QuestionType::Count {
        return Err(bad(format!(
            "per: `{}` is not a count; only counts are mapped per a statistic (a choice or a rate is a share already)",
            indicator.code
        )));
    }
    let (values, per) = per_values(&request, statistics, values, &mut sources)?;
    let numeric = indicator.kind.is_numeric() || share;
    let fractions = share && !indicator.kind.is_numeric();
    let band = population_band(&request, statistics, &mut sources)?;
    let (classes, bivariate) = match &request.bivariate {
        Some(y) => {
            if !numeric {
                return Err(bad(format!(
                    "bivariate: `{}` is a choice; a bivariate map relates two numbers",
                    indicator.code
                )));
            }
            let (classes, b) =
                bivariate_classes(db, data, &request, &values, y, band.as_ref(), &mut sources)
                    .await?;
            (classes, Some(b))
        }
        None => (
            classified(
                atlas,
                &request,
                &values,
                (numeric, fractions),
                band.as_ref(),
                &options,
            )?,
            None,
        ),
    };
    Ok(Choropleth {
        request,
        query,
        indicator: Mapped::indicator(&indicator),
        edition: Some(edition),
        numeric,
        method: classes.method,
        areas: classes.areas,
        legend: classes.legend,
        missing: classes.missing,
        statistics: classes.statistics,
        sources: sources.into_iter().collect(),
        per,
        bivariate,
    })
}

/// A statistic's map: its municipal values as published (or derived), official.
async fn statistic_map(
    db: &impl ConnectionTrait,
    data: MapData<'_>,
    statistic: &Statistic,
    request: ChoroplethRequest,
    query: String,
) -> AppResult<Choropleth> {
    let MapData {
        atlas, statistics, ..
    } = data;
    if let Some(option) = &request.option {
        return Err(bad(format!(
            "option: `{}` is a statistic, a number without options; `{option}` does not apply",
            statistic.code
        )));
    }
    if request.edition.is_some() {
        return Err(bad(format!(
            "edition: `{}` is a statistic of {}, not a survey indicator of an edition",
            statistic.code, statistic.year
        )));
    }
    if request.level != MapLevel::Municipality {
        return Err(bad(format!(
            "level: `{}` is a municipal statistic; map it at level: MUNICIPALITY",
            statistic.code
        )));
    }
    if request.weight.is_some() {
        return Err(bad(
            "weight: it weights a prefecture's municipal share of an indicator, not a statistic"
                .into(),
        ));
    }
    let provenance = Provenance::from(statistic.source.kind);
    let values: AreaValues = statistic
        .values
        .iter()
        .map(|(code, v)| (code.clone(), (RespondentValue::Number(*v), provenance)))
        .collect();
    let mut sources = BTreeSet::from([statistic.source.code]);
    let (values, per) = per_values(&request, statistics, values, &mut sources)?;
    let band = population_band(&request, statistics, &mut sources)?;
    let (classes, bivariate) = match &request.bivariate {
        Some(y) => {
            let (classes, b) =
                bivariate_classes(db, data, &request, &values, y, band.as_ref(), &mut sources)
                    .await?;
            (classes, Some(b))
        }
        None => (
            classified(atlas, &request, &values, (true, false), band.as_ref(), &[])?,
            None,
        ),
    };
    Ok(Choropleth {
        request,
        query,
        indicator: Mapped::statistic(statistic),
        edition: None,
        numeric: true,
        method: classes.method,
        areas: classes.areas,
        legend: classes.legend,
        missing: classes.missing,
        statistics: classes.statistics,
        sources: sources.into_iter().collect(),
        per,
        bivariate,
    })
}

/// A bivariate map's classes: the request's values as x, the variable `y` (a statistic, or a
/// numeric indicator of the same edition) as y, each in tertiles.
async fn bivariate_classes(
    db: &impl ConnectionTrait,
    data: MapData<'_>,
    request: &ChoroplethRequest,
    values: &AreaValues,
    y: &str,
    band: Option<&Band<'_>>,
    sources: &mut BTreeSet<&'static str>,
) -> AppResult<(Classified, bivariate::Bivariate)> {
    let MapData {
        atlas,
        statistics,
        answers,
    } = data;
    if request.level != MapLevel::Municipality {
        return Err(bad(
            "bivariate: a bivariate map is of municipalities; map level: MUNICIPALITY".into(),
        ));
    }
    let variable = if statistics.get(y).is_some() {
        Variable::Statistic { code: y.to_owned() }
    } else {
        Variable::Indicator {
            code: y.to_owned(),
            option: None,
            edition: request.edition.clone(),
            per: None,
        }
    };
    let ys = variables::values(db, statistics, answers, &variable, "bivariate").await?;
    if ys.unit.as_deref() == Some("0/1") {
        return Err(bad(format!(
            "bivariate: `{y}` is a choice; a bivariate map relates two numbers"
        )));
    }
    sources.extend(ys.sources.iter().copied());
    let layer: &Layer = &atlas.municipalities;
    let mut areas = place_areas(layer, values, request.prefecture, band);
    let (legend, x_bounds, y_bounds) = bivariate::classify_areas(&mut areas, &ys.values)?;
    let missing = missing_class(&areas);
    let numbers = numbers(&areas);
    let classes = Classified {
        statistics: crate::choropleth::statistics(&numbers, missing.count),
        areas,
        legend,
        missing,
        method: "bivariate".into(),
    };
    let described = bivariate::Bivariate {
        y: Mapped {
            code: y.to_owned(),
            label_ja: ys.label.clone(),
            label_en: ys.label.clone(),
            kind: match variable {
                Variable::Statistic { .. } => "STATISTIC".into(),
                Variable::Indicator { .. } => "INDICATOR".into(),
            },
            unit: ys.unit.clone(),
            year: statistics.get(y).map(|s| s.year),
        },
        x_bounds,
        y_bounds,
    };
    Ok((classes, described))
}

/// Values divided by the request's `per` statistic, when it names one.
fn per_values(
    request: &ChoroplethRequest,
    statistics: &official::Statistics,
    values: AreaValues,
    sources: &mut BTreeSet<&'static str>,
) -> AppResult<(AreaValues, Option<Per>)> {
    let Some(code) = request.per.as_deref() else {
        return Ok((values, None));
    };
    if request.level != MapLevel::Municipality {
        return Err(bad(
            "per: statistics are municipal; map level: MUNICIPALITY".into(),
        ));
    }
    let statistic = statistics.require(code).map_err(|e| match e {
        AppError::BadInput(m) => bad(format!("per: {m}")),
        other => other,
    })?;
    sources.insert(statistic.source.code);
    let scale = request.scale.unwrap_or(1.0);
    let (values, undivided) = divided(values, statistic, scale);
    let per = Per {
        code: statistic.code.clone(),
        label: statistic.label.clone(),
        unit: statistic.unit.clone(),
        year: statistic.year,
        scale,
        undivided,
    };
    Ok((values, Some(per)))
}

/// The areas of a map placed, classed and coloured, with the legend and statistics.
struct Classified {
    areas: Vec<MapArea>,
    legend: Vec<LegendClass>,
    missing: LegendClass,
    method: String,
    statistics: Statistics,
}

/// Places and classes the areas; `(numeric, fractions)`: whether the values are numbers, and
/// whether they are shares to be labelled as percentages.
fn classified(
    atlas: &Atlas,
    request: &ChoroplethRequest,
    values: &AreaValues,
    (numeric, fractions): (bool, bool),
    band: Option<&Band<'_>>,
    options: &[question_option::Model],
) -> AppResult<Classified> {
    let layer: &Layer = match request.level {
        MapLevel::Municipality => &atlas.municipalities,
        MapLevel::Prefecture => &atlas.prefectures,
    };
    let mut areas = place_areas(layer, values, request.prefecture, band);
    let missing = missing_class(&areas);
    let (legend, method, statistics) = if numeric {
        numeric_legend(&mut areas, request, missing.count, fractions)?
    } else {
        categorical_legend(&mut areas, request, options, missing.count)?
    };
    Ok(Classified {
        areas,
        legend,
        missing,
        method,
        statistics,
    })
}

/// Each number divided by the area's value of `statistic`, times `scale`; an area whose
/// denominator is missing or zero becomes missing. Returns how many did.
fn divided(values: AreaValues, statistic: &Statistic, scale: f64) -> (AreaValues, usize) {
    let mut undivided = 0;
    let out = values
        .into_iter()
        .filter_map(|(code, (value, provenance))| {
            let RespondentValue::Number(n) = value else {
                return Some((code, (value, provenance)));
            };
            if let Some(d) = statistic.value(&code).filter(|d| *d != 0.0) {
                Some((code, (RespondentValue::Number(n / d * scale), provenance)))
            } else {
                undivided += 1;
                None
            }
        })
        .collect();
    (out, undivided)
}

/// Refuses what the indicator cannot map: an option it does not have, a multiple-choice
/// indicator or a municipal share without the option to map.
fn check_against_indicator(
    request: &ChoroplethRequest,
    indicator: &question::Model,
    options: &[question_option::Model],
) -> AppResult<()> {
    if let Some(option) = &request.option {
        if !options.iter().any(|o| &o.code == option) {
            let known: Vec<&str> = options.iter().map(|o| o.code.as_str()).collect();
            return Err(bad(format!(
                "option: `{}` has no option `{option}` (options: {})",
                indicator.code,
                known.join(", ")
            )));
        }
    }
    if indicator.kind == QuestionType::MultipleChoice && request.option.is_none() {
        return Err(bad(format!(
            "option: `{}` is multiple choice; name the option to map",
            indicator.code
        )));
    }
    if request.is_municipal_share() && !indicator.kind.is_numeric() && request.option.is_none() {
        return Err(bad(
            "option: a municipal share needs the option whose share is mapped".into(),
        ));
    }
    Ok(())
}

/// Every area of the layer (of one prefecture, if asked) with its value, still unclassified.
fn place_areas(
    layer: &Layer,
    values: &AreaValues,
    prefecture: Option<PrefectureCode>,
    band: Option<&Band<'_>>,
) -> Vec<MapArea> {
    let wanted: Option<String> = prefecture.map(|p| p.to_string());
    layer
        .areas
        .iter()
        .enumerate()
        .filter(|(_, a)| wanted.as_deref().is_none_or(|p| a.prefecture == p))
        .filter(|(_, a)| band.is_none_or(|b| b.keeps(&a.code)))
        .map(|(i, a)| {
            let value = values.get(&a.code);
            MapArea {
                index: i,
                code: a.code.clone(),
                name: a.name.clone(),
                value: value.map_or(RespondentValue::Missing, |(v, _)| v.clone()),
                provenance: value
                    .filter(|(v, _)| *v != RespondentValue::Missing)
                    .map(|(_, p)| *p),
                class: None,
                colour: palette::MISSING.to_owned(),
                label: "no data".to_owned(),
                second: None,
            }
        })
        .collect()
}

/// A population band as a map filter: the municipalities whose census population is at least
/// `at_least` and below `below`, as `aggregate(groupBy: POPULATION_BAND)` bands them.
struct Band<'a> {
    population: &'a Statistic,
    at_least: Option<i64>,
    below: Option<i64>,
}

/// The code of the population statistic bands are drawn from.
const POPULATION: &str = "A1101";

impl Band<'_> {
    /// Whether municipality `code` is in the band; one without a census population is not.
    fn keeps(&self, code: &str) -> bool {
        self.population.value(code).is_some_and(|n| {
            self.at_least.is_none_or(|a| n >= a as f64) && self.below.is_none_or(|b| n < b as f64)
        })
    }
}

/// The request's population band, when it names one.
fn population_band<'a>(
    request: &ChoroplethRequest,
    statistics: &'a official::Statistics,
    sources: &mut BTreeSet<&'static str>,
) -> AppResult<Option<Band<'a>>> {
    if request.population_at_least.is_none() && request.population_below.is_none() {
        return Ok(None);
    }
    if request.level != MapLevel::Municipality {
        return Err(bad(
            "populationAtLeast: population bands filter municipalities; map level: MUNICIPALITY"
                .into(),
        ));
    }
    let population = statistics.require(POPULATION)?;
    sources.insert(population.source.code);
    Ok(Some(Band {
        population,
        at_least: request.population_at_least,
        below: request.population_below,
    }))
}

/// The numeric values of the areas, in map order.
fn numbers(areas: &[MapArea]) -> Vec<f64> {
    areas
        .iter()
        .filter_map(|a| match a.value {
            RespondentValue::Number(n) => Some(n),
            _ => None,
        })
        .collect()
}

/// The class of areas without a value.
fn missing_class(areas: &[MapArea]) -> LegendClass {
    LegendClass {
        index: 0,
        lower: None,
        upper: None,
        category: None,
        label: "データなし (not asked or no answer)".into(),
        colour: palette::MISSING.into(),
        count: areas
            .iter()
            .filter(|a| a.value == RespondentValue::Missing)
            .count(),
    }
}

/// The palette's `i`-th colour (the neutral one past its end).
fn colour_at(colours: &[&str], i: usize) -> String {
    colours
        .get(i)
        .copied()
        .unwrap_or(palette::MISSING)
        .to_owned()
}

/// Puts each area in its class and colours it, counting the class's areas.
fn assign(area: &mut MapArea, class: &mut LegendClass) {
    class.count += 1;
    area.class = Some(class.index);
    area.colour.clone_from(&class.colour);
    area.label.clone_from(&class.label);
}

/// Classes of numeric values by the request's method, with their statistics; `fractions`
/// labels them as percentages (a share of municipalities choosing an option, not a mean of
/// counts or of rates, which are labelled as they are).
fn numeric_legend(
    areas: &mut [MapArea],
    request: &ChoroplethRequest,
    missing: usize,
    fractions: bool,
) -> AppResult<(Vec<LegendClass>, String, Statistics)> {
    let numbers = numbers(areas);
    let statistics = statistics(&numbers, missing);
    let method = request.classification;
    if numbers.is_empty() {
        return Ok((Vec::new(), method.map_name().to_owned(), statistics));
    }
    let breaks = request.breaks.as_deref().unwrap_or_default();
    let classes = classify::classify(&numbers, method, request.classes, breaks)
        .map_err(|e| bad(format!("classification: {e}")))?;
    let palette_name = request.palette.as_deref().unwrap_or("Blues");
    let colours = palette::colours(palette_name, classes.bounds.len())
        .map_err(|e| bad(format!("palette: {e}")))?;
    let min = statistics.min.unwrap_or(0.0);
    let mut legend: Vec<LegendClass> = classes
        .bounds
        .iter()
        .enumerate()
        .map(|(i, upper)| {
            // Standard-deviation bounds can lie below the smallest value: such classes are
            // empty and start where they end.
            let lower = if i == 0 {
                min.min(*upper)
            } else {
                classes.bounds[i - 1]
            };
            LegendClass {
                index: i,
                lower: Some(lower),
                upper: Some(*upper),
                category: None,
                label: format!(
                    "{} – {}",
                    number_label(lower, fractions),
                    number_label(*upper, fractions)
                ),
                colour: colour_at(&colours, i),
                count: 0,
            }
        })
        .collect();
    for area in areas.iter_mut() {
        if let RespondentValue::Number(n) = area.value {
            if let Some(class) = legend.get_mut(classify::class_of(&classes.bounds, n)) {
                assign(area, class);
            }
        }
    }
    Ok((legend, method.map_name().to_owned(), statistics))
}

/// One class per option (or the chosen option against the rest).
fn categorical_legend(
    areas: &mut [MapArea],
    request: &ChoroplethRequest,
    options: &[question_option::Model],
    missing: usize,
) -> AppResult<(Vec<LegendClass>, String, Statistics)> {
    let categories: Vec<(String, String)> = if request.option.is_some() {
        let label = options
            .iter()
            .find(|o| Some(&o.code) == request.option.as_ref())
            .map_or_else(String::new, |o| o.label_ja.clone());
        vec![
            ("yes".into(), label),
            ("no".into(), "その他の回答 (other answers)".into()),
        ]
    } else {
        options
            .iter()
            .map(|o| (o.code.clone(), o.label_ja.clone()))
            .collect()
    };
    let palette_name = request.palette.as_deref().unwrap_or("Set2");
    let colours = palette::colours(palette_name, categories.len().max(1))
        .map_err(|e| bad(format!("palette: {e}")))?;
    let mut legend: Vec<LegendClass> = categories
        .into_iter()
        .enumerate()
        .map(|(i, (code, label))| LegendClass {
            index: i,
            lower: None,
            upper: None,
            category: Some(code),
            label,
            colour: colour_at(&colours, i),
            count: 0,
        })
        .collect();
    for area in areas.iter_mut() {
        if let RespondentValue::Category(c) = &area.value {
            if let Some(class) = legend.iter_mut().find(|l| l.category.as_ref() == Some(c)) {
                assign(area, class);
            }
        }
    }
    let statistics = Statistics {
        n: areas.len() - missing,
        missing,
        ..Default::default()
    };
    Ok((legend, "categories".to_owned(), statistics))
}

fn number_label(x: f64, share: bool) -> String {
    if share {
        format!("{:.1}%", x * 100.0)
    } else if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn statistics(numbers: &[f64], missing: usize) -> Statistics {
    if numbers.is_empty() {
        return Statistics {
            missing,
            ..Default::default()
        };
    }
    let mut sorted = numbers.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        f64::midpoint(sorted[n / 2 - 1], sorted[n / 2])
    };
    Statistics {
        n,
        missing,
        min: sorted.first().copied(),
        max: sorted.last().copied(),
        mean: Some(sorted.iter().sum::<f64>() / n as f64),
        median: Some(median),
    }
}
