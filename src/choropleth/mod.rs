//! Choropleths: an indicator's values joined with boundaries, classified and coloured, with a
//! legend, summary statistics and provenance, ready for a map. Rendering to GeoJSON, TopoJSON
//! and CSV is in [`render`]. Nothing here knows of GraphQL or HTTP.

pub mod autocorrelation;
pub mod render;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::ConnectionTrait;

use crate::domain::PrefectureCode;
use crate::entity::{question, survey_edition};
use crate::error::{AppError, AppResult};
use crate::repo;
use crate::spatial::atlas::{Atlas, Layer};
use crate::spatial::simplify::Level as SimplifyLevel;
use crate::stats::classify::{self, Method};
use crate::stats::palette;
use crate::survey::aggregate;
use crate::survey::catalogue::Subject;
use crate::survey::source::Provenance;

/// Whose areas the map shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MapLevel {
    /// Municipalities.
    Municipality,
    /// Prefectures.
    Prefecture,
}

/// What a prefecture's value is, on a prefecture map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrefectureValue {
    /// The prefecture's own answer (都道府県の回答).
    OwnAnswer,
    /// The share of its municipalities giving `option` (for counts: their mean).
    MunicipalShare,
}

/// Output format of the geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// RFC 7946 FeatureCollection.
    GeoJson,
    /// TopoJSON topology with shared, quantized arcs.
    TopoJson,
}

/// Classification of numeric values.
#[derive(Debug, Clone, PartialEq)]
pub enum Classification {
    /// Equal counts per class.
    Quantiles,
    /// Equal widths.
    EqualInterval,
    /// Fisher-Jenks natural breaks.
    NaturalBreaks,
    /// Standard deviations around the mean.
    StandardDeviation,
    /// Upper bounds given by the caller.
    Manual(Vec<f64>),
}

/// Everything that determines a choropleth.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoroplethRequest {
    /// Indicator code.
    pub indicator: String,
    /// Option whose choice is mapped (multiple choice, shares); `None` maps categories.
    pub option: Option<String>,
    /// Edition code; `None` for the newest.
    pub edition: Option<String>,
    /// Municipalities or prefectures.
    pub level: MapLevel,
    /// On a prefecture map, whose answer.
    pub prefecture_value: PrefectureValue,
    /// Only this prefecture's municipalities (or this prefecture).
    pub prefecture: Option<PrefectureCode>,
    /// Classification of numeric values.
    pub classification: Classification,
    /// Number of classes.
    pub classes: usize,
    /// ColorBrewer scheme; default Blues for numbers, Set2 for categories.
    pub palette: Option<String>,
    /// Web-map zoom choosing the simplification (default 6).
    pub zoom: Option<u8>,
    /// Explicit Douglas-Peucker tolerance in degrees, instead of the zoom's.
    pub tolerance: Option<f64>,
    /// Islands smaller than this (km²) are dropped; default from the zoom.
    pub min_island_km2: Option<f64>,
    /// Decimals of coordinates (default from the tolerance).
    pub precision: Option<u8>,
    /// Output format.
    pub format: Format,
}

/// Deepest zoom a map is simplified for.
pub const MAX_ZOOM: u8 = 14;
/// Most decimals of a map's coordinates.
pub const MAX_PRECISION: u8 = 10;

impl ChoroplethRequest {
    /// Checks the numeric arguments, for GraphQL and the downloads alike: class count within
    /// the classifiers' range, zoom, precision, and a finite, non-negative tolerance and
    /// island size.
    pub fn validate(&self) -> Result<(), AppError> {
        use crate::stats::classify::{MAX_CLASSES, MIN_CLASSES};
        let out_of_range = |what: String, range: &str| {
            AppError::BadInput(format!("{what} is out of range; give {range}"))
        };
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
            classification: Classification::Quantiles,
            classes: 5,
            palette: None,
            zoom: None,
            tolerance: None,
            min_island_km2: None,
            precision: None,
            format: Format::GeoJson,
        }
    }

    /// The simplification level.
    pub fn simplify_level(&self) -> SimplifyLevel {
        let by_zoom = SimplifyLevel::for_zoom(self.zoom.unwrap_or(6));
        SimplifyLevel {
            tolerance: self.tolerance.unwrap_or(by_zoom.tolerance),
            min_island_km2: self.min_island_km2.unwrap_or(by_zoom.min_island_km2),
        }
    }

    /// Decimals of output coordinates: the request's, or enough to keep a tenth of the tolerance.
    pub fn decimals(&self) -> u8 {
        self.precision.unwrap_or_else(|| {
            let tolerance = self.simplify_level().tolerance;
            if tolerance <= 0.0 {
                6
            } else {
                ((10.0 / tolerance).log10().ceil() as i64).clamp(3, 7) as u8
            }
        })
    }
}

/// A value on the map.
#[derive(Debug, Clone, PartialEq)]
pub enum MapValue {
    /// A number (count, share).
    Number(f64),
    /// A category (option code).
    Category(String),
    /// Outside the universe or unanswered.
    Missing,
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
    pub value: MapValue,
    /// Where the value comes from; `None` for a missing one.
    pub provenance: Option<Provenance>,
    /// Class index; `None` for missing.
    pub class: Option<usize>,
    /// Colour.
    pub colour: String,
    /// Legend label of its class.
    pub label: String,
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
    /// Indicator.
    pub indicator: question::Model,
    /// Edition.
    pub edition: survey_edition::Model,
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
}

fn bad(message: String) -> AppError {
    AppError::BadInput(message)
}

/// One respondent's answer rows gathered: options chosen, the number, their provenance.
type Gathered = (Vec<String>, Option<i64>, Option<Provenance>);

/// Raw values per respondent code for one question and subject, each with its provenance.
async fn own_values(
    db: &impl ConnectionTrait,
    edition: &str,
    question: &question::Model,
    subject: Subject,
    option: Option<&str>,
    sources: &mut BTreeSet<&'static str>,
) -> AppResult<HashMap<String, (MapValue, Provenance)>> {
    let asked = aggregate::asked_codes(db, edition, question, subject).await?;
    let mut grouped: BTreeMap<String, Gathered> = BTreeMap::new();
    for a in repo::survey::answers_to(db, edition, &question.code).await? {
        if !asked.contains(&a.respondent_code) {
            continue;
        }
        let source = a
            .source_code
            .as_deref()
            .ok_or_else(|| AppError::Internal(format!("answer {} has no source", a.id)))?;
        let provenance =
            Provenance::of_source(source).map_err(|e| AppError::Internal(e.to_string()))?;
        if let Ok(info) = crate::survey::source::by_code(source) {
            sources.insert(info.code);
        }
        let entry = grouped.entry(a.respondent_code).or_default();
        entry.0.extend(a.option_code);
        entry.1 = entry.1.or(a.amount);
        entry.2 = Some(entry.2.map_or(provenance, |p| p.with(provenance)));
    }
    Ok(grouped
        .into_iter()
        .filter_map(|(code, (options, amount, provenance))| {
            Some((code, (options, amount, provenance?)))
        })
        .map(|(code, (options, amount, provenance))| {
            let value = if question.kind == "COUNT" {
                amount.map_or(MapValue::Missing, |n| MapValue::Number(n as f64))
            } else if let Some(option) = option {
                MapValue::Category(
                    if options.iter().any(|o| o == option) {
                        "yes"
                    } else {
                        "no"
                    }
                    .into(),
                )
            } else {
                options
                    .first()
                    .map_or(MapValue::Missing, |o| MapValue::Category(o.clone()))
            };
            (code, (value, provenance))
        })
        .collect())
}

/// Each prefecture's share of municipalities whose value is `yes` (for counts, their mean),
/// with the provenance of the values it is made of.
fn municipal_shares(
    municipal: HashMap<String, (MapValue, Provenance)>,
) -> HashMap<String, (MapValue, Provenance)> {
    let mut by_prefecture: BTreeMap<String, (f64, usize, Option<Provenance>)> = BTreeMap::new();
    for (code, (value, provenance)) in municipal {
        let x = match value {
            MapValue::Number(n) => n,
            MapValue::Category(c) if c == "yes" => 1.0,
            MapValue::Category(_) => 0.0,
            MapValue::Missing => continue,
        };
        let entry = by_prefecture.entry(code[..2].to_owned()).or_default();
        entry.0 += x;
        entry.1 += 1;
        entry.2 = Some(entry.2.map_or(provenance, |p| p.with(provenance)));
    }
    by_prefecture
        .into_iter()
        .filter_map(|(p, (sum, n, provenance))| {
            Some((p, (MapValue::Number(sum / n as f64), provenance?)))
        })
        .collect()
}

/// Builds a choropleth.
pub async fn build(
    db: &impl ConnectionTrait,
    atlas: &Atlas,
    request: ChoroplethRequest,
) -> AppResult<Choropleth> {
    let edition = repo::survey::edition_or_newest(db, request.edition.as_deref()).await?;
    let indicator = repo::survey::question(db, &request.indicator)
        .await?
        .ok_or_else(|| bad(format!("indicator: no indicator `{}`", request.indicator)))?;
    let options = repo::survey::options(db, std::slice::from_ref(&indicator.code))
        .await?
        .remove(&indicator.code)
        .unwrap_or_default();
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
    if indicator.kind == "MULTIPLE_CHOICE" && request.option.is_none() {
        return Err(bad(format!(
            "option: `{}` is multiple choice; name the option to map",
            indicator.code
        )));
    }
    let share = request.level == MapLevel::Prefecture
        && request.prefecture_value == PrefectureValue::MunicipalShare;
    if share && indicator.kind != "COUNT" && request.option.is_none() {
        return Err(bad(
            "option: a municipal share needs the option whose share is mapped".into(),
        ));
    }

    let layer: &Layer = match request.level {
        MapLevel::Municipality => &atlas.municipalities,
        MapLevel::Prefecture => &atlas.prefectures,
    };
    let mut sources = BTreeSet::new();
    // A prefecture's own answer is asked of prefectures; everything else maps municipal answers.
    let subject = if request.level == MapLevel::Prefecture && !share {
        Subject::Prefecture
    } else {
        Subject::Municipality
    };
    let own = own_values(
        db,
        &edition.code,
        &indicator,
        subject,
        request.option.as_deref(),
        &mut sources,
    )
    .await?;
    let values = if share { municipal_shares(own) } else { own };

    let wanted: Option<String> = request.prefecture.map(|p| p.to_string());
    let indices: Vec<usize> = (0..layer.areas.len())
        .filter(|i| {
            wanted
                .as_deref()
                .is_none_or(|p| layer.areas[*i].prefecture == p)
        })
        .collect();
    let numeric = indicator.kind == "COUNT" || share;
    let mut areas: Vec<MapArea> = indices
        .iter()
        .map(|&i| {
            let a = &layer.areas[i];
            MapArea {
                index: i,
                code: a.code.clone(),
                name: a.name.clone(),
                value: values
                    .get(&a.code)
                    .map_or(MapValue::Missing, |(v, _)| v.clone()),
                provenance: values
                    .get(&a.code)
                    .filter(|(v, _)| *v != MapValue::Missing)
                    .map(|(_, p)| *p),
                class: None,
                colour: palette::MISSING.to_owned(),
                label: "no data".to_owned(),
            }
        })
        .collect();

    let missing_count = areas
        .iter()
        .filter(|a| a.value == MapValue::Missing)
        .count();
    let missing = LegendClass {
        index: 0,
        lower: None,
        upper: None,
        category: None,
        label: "データなし (not asked or no answer)".into(),
        colour: palette::MISSING.into(),
        count: missing_count,
    };

    let (legend, method, statistics) = if numeric {
        let numbers: Vec<f64> = areas
            .iter()
            .filter_map(|a| match a.value {
                MapValue::Number(n) => Some(n),
                _ => None,
            })
            .collect();
        let statistics = statistics(&numbers, missing_count);
        let (method, name) = match &request.classification {
            Classification::Quantiles => (Method::Quantiles, "quantiles"),
            Classification::EqualInterval => (Method::EqualInterval, "equal_interval"),
            Classification::NaturalBreaks => (Method::FisherJenks, "natural_breaks"),
            Classification::StandardDeviation => (Method::StdMean, "standard_deviation"),
            Classification::Manual(b) => (Method::Manual(b.clone()), "manual"),
        };
        let legend = if numbers.is_empty() {
            Vec::new()
        } else {
            let classes = classify::classify(&numbers, &method, request.classes)
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
                    // Standard-deviation bounds can lie below the smallest value: such classes
                    // are empty and start where they end.
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
                            number_label(lower, share),
                            number_label(*upper, share)
                        ),
                        colour: colours
                            .get(i)
                            .copied()
                            .unwrap_or(palette::MISSING)
                            .to_owned(),
                        count: 0,
                    }
                })
                .collect();
            for area in &mut areas {
                if let MapValue::Number(n) = area.value {
                    let c = classify::class_of(&classes.bounds, n);
                    if let Some(class) = legend.get_mut(c) {
                        class.count += 1;
                        area.class = Some(c);
                        area.colour = class.colour.clone();
                        area.label = class.label.clone();
                    }
                }
            }
            legend
        };
        (legend, name.to_owned(), statistics)
    } else {
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
            .iter()
            .enumerate()
            .map(|(i, (code, label))| LegendClass {
                index: i,
                lower: None,
                upper: None,
                category: Some(code.clone()),
                label: label.clone(),
                colour: colours
                    .get(i)
                    .copied()
                    .unwrap_or(palette::MISSING)
                    .to_owned(),
                count: 0,
            })
            .collect();
        for area in &mut areas {
            if let MapValue::Category(c) = &area.value {
                if let Some(class) = legend.iter_mut().find(|l| l.category.as_ref() == Some(c)) {
                    class.count += 1;
                    area.class = Some(class.index);
                    area.colour = class.colour.clone();
                    area.label = class.label.clone();
                }
            }
        }
        let n = areas.len() - missing_count;
        (
            legend,
            "categories".to_owned(),
            Statistics {
                n,
                missing: missing_count,
                ..Default::default()
            },
        )
    };
    Ok(Choropleth {
        request,
        indicator,
        edition,
        numeric,
        method,
        areas,
        legend,
        missing,
        statistics,
        sources: sources.into_iter().collect(),
    })
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
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
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
