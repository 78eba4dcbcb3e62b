//! Gather, the pipeline's second step and the only one that reads: the database (edition,
//! indicator, options), the answers already read, and the official statistics of one
//! read-model generation. It returns a map's inputs, checked against the indicator or
//! statistic they belong to, for [`super::compute`] to turn into a map.

use std::collections::BTreeSet;

use sea_orm::ConnectionTrait;

use super::map::{AreaValues, Mapped, MappedKind};
use super::request::MapLevel;
use super::spec::MapSpec;
use crate::context::statistics::{self as official, Statistic};
use crate::context::variables::{self, Variable};
use crate::entity::{question, question_option, survey_edition};
use crate::error::{AppError, AppResult};
use crate::repo;
use crate::spatial::atlas::{Atlas, Layer};
use crate::survey::catalogue::{QuestionType, Subject};
use crate::survey::source::Provenance;
use crate::survey::values::{own_values, AnswerMemo, RespondentValue};

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

/// What is mapped, as read.
pub enum MapVariable<'a> {
    /// A survey indicator of an edition, with its options.
    Indicator(Box<Indicator>),
    /// An official statistic.
    Statistic(&'a Statistic),
}

/// A survey indicator as a map reads it.
pub struct Indicator {
    /// The question.
    pub question: question::Model,
    /// Its options, in order.
    pub options: Vec<question_option::Model>,
    /// The edition its answers are of.
    pub edition: survey_edition::Model,
}

/// The second variable of a bivariate map, as read: each municipality's number.
pub struct SecondVariable {
    /// What it is.
    pub described: Mapped,
    /// Each municipality's value and provenance.
    pub values: std::collections::HashMap<String, (f64, Provenance)>,
}

/// A population band as a map filter: the municipalities whose census population is at least
/// `at_least` and below `below`, as `aggregate(groupBy: POPULATION_BAND)` bands them.
pub struct Band<'a> {
    /// The census population.
    pub population: &'a Statistic,
    /// Lower bound, included.
    pub at_least: Option<i64>,
    /// Upper bound, excluded.
    pub below: Option<i64>,
}

impl Band<'_> {
    /// Whether municipality `code` is in the band; one without a census population is not.
    pub fn keeps(&self, code: &str) -> bool {
        self.population.value(code).is_some_and(|n| {
            self.at_least.is_none_or(|a| n >= a as f64) && self.below.is_none_or(|b| n < b as f64)
        })
    }
}

/// The inputs of one map, all read: everything [`super::compute`] needs, nothing it reads.
pub struct MapInputs<'a> {
    /// The checked request.
    pub spec: MapSpec,
    /// The layer whose areas are drawn.
    pub layer: &'a Layer,
    /// What is mapped.
    pub variable: MapVariable<'a>,
    /// Each area's own value (a municipality's, for a municipal share), before any share or
    /// division.
    pub values: AreaValues,
    /// The statistic a municipal share is weighted by.
    pub weight: Option<&'a Statistic>,
    /// The statistic a `per` map divides by.
    pub per: Option<&'a Statistic>,
    /// The population band the map is limited to.
    pub band: Option<Band<'a>>,
    /// A bivariate map's second variable.
    pub second: Option<SecondVariable>,
    /// Codes of the sources the values come from.
    pub sources: BTreeSet<&'static str>,
}

impl MapInputs<'_> {
    /// Whether the values are numbers (a municipal share of a choice is one).
    pub fn numeric(&self) -> bool {
        numeric(&self.spec, &self.variable)
    }
}

fn numeric(spec: &MapSpec, variable: &MapVariable<'_>) -> bool {
    match variable {
        MapVariable::Indicator(indicator) => {
            indicator.question.kind.is_numeric() || spec.is_municipal_share()
        }
        MapVariable::Statistic(_) => true,
    }
}

fn bad(argument: &str, detail: impl std::fmt::Display) -> AppError {
    AppError::bad_argument(argument, detail)
}

/// Reads what the map of `spec` is made of, refusing what its indicator or statistic cannot
/// map.
pub async fn gather<'a>(
    db: &impl ConnectionTrait,
    data: MapData<'a>,
    spec: MapSpec,
) -> AppResult<MapInputs<'a>> {
    let mut sources = BTreeSet::new();
    let (variable, values, weight) =
        if let Some(statistic) = data.statistics.get(&spec.request().indicator) {
            check_statistic(&spec, statistic)?;
            sources.insert(statistic.source.code);
            let provenance = Provenance::from(statistic.source.kind);
            let values = statistic
                .values
                .iter()
                .map(|(code, v)| (code.clone(), (RespondentValue::Number(*v), provenance)))
                .collect();
            (MapVariable::Statistic(statistic), values, None)
        } else {
            let (indicator, values) = indicator_values(db, data, &spec, &mut sources).await?;
            let weight = share_weight(&spec, data.statistics, &mut sources)?;
            check_per(&spec, &indicator.question)?;
            (MapVariable::Indicator(Box::new(indicator)), values, weight)
        };
    let per = match spec.request().per.as_deref() {
        Some(code) => Some(require(data.statistics, code, "per", &mut sources)?),
        None => None,
    };
    let band = population_band(&spec, data.statistics, &mut sources)?;
    let second = match spec.request().bivariate.as_deref() {
        Some(y) => {
            if !numeric(&spec, &variable) {
                return Err(bad(
                    "bivariate",
                    format!(
                        "`{}` is a choice; a bivariate map relates two numbers",
                        spec.request().indicator
                    ),
                ));
            }
            Some(second_variable(db, data, &spec, y, &mut sources).await?)
        }
        None => None,
    };
    let layer = match spec.level() {
        MapLevel::Municipality => &data.atlas.municipalities,
        MapLevel::Prefecture => &data.atlas.prefectures,
    };
    Ok(MapInputs {
        spec,
        layer,
        variable,
        values,
        weight,
        per,
        band,
        second,
        sources,
    })
}

/// Refuses what does not apply to a statistic: options, editions, prefecture maps, weights.
fn check_statistic(spec: &MapSpec, statistic: &Statistic) -> AppResult<()> {
    let request = spec.request();
    if let Some(option) = &request.option {
        return Err(bad(
            "option",
            format!(
                "`{}` is a statistic, a number without options; `{option}` does not apply",
                statistic.code
            ),
        ));
    }
    if request.edition.is_some() {
        return Err(bad(
            "edition",
            format!(
                "`{}` is a statistic of {}, not a survey indicator of an edition",
                statistic.code, statistic.year
            ),
        ));
    }
    if request.level != MapLevel::Municipality {
        return Err(bad(
            "level",
            format!(
                "`{}` is a municipal statistic; map it at level: MUNICIPALITY",
                statistic.code
            ),
        ));
    }
    if request.weight.is_some() {
        return Err(bad(
            "weight",
            "it weights a prefecture's municipal share of an indicator, not a statistic",
        ));
    }
    Ok(())
}

/// Only counts are mapped per a statistic ([`official::check_divisible`]).
fn check_per(spec: &MapSpec, question: &question::Model) -> AppResult<()> {
    if spec.request().per.is_some() {
        official::check_divisible(&question.code, question.kind)?;
    }
    Ok(())
}

/// The indicator's edition, question and options, checked against the request, and the
/// answers the map reads: the prefectures' own, or the municipalities'.
async fn indicator_values(
    db: &impl ConnectionTrait,
    data: MapData<'_>,
    spec: &MapSpec,
    sources: &mut BTreeSet<&'static str>,
) -> AppResult<(Indicator, AreaValues)> {
    let request = spec.request();
    let edition = repo::survey::edition_or_newest(db, request.edition.as_deref()).await?;
    let question = repo::survey::question(db, &request.indicator)
        .await?
        .ok_or_else(|| {
            bad(
                "indicator",
                format!("no indicator or statistic `{}`", request.indicator),
            )
        })?;
    let options = repo::survey::options(db, std::slice::from_ref(&question.code))
        .await?
        .remove(&question.code)
        .unwrap_or_default();
    check_against_indicator(spec, &question, &options)?;
    // A prefecture's own answer is asked of prefectures; everything else maps municipal answers.
    let subject = if request.level == MapLevel::Prefecture && !spec.is_municipal_share() {
        Subject::Prefecture
    } else {
        Subject::Municipality
    };
    let values = own_values(
        db,
        data.answers,
        &edition.code,
        &question,
        subject,
        request.option.as_deref(),
        sources,
    )
    .await?;
    let indicator = Indicator {
        question,
        options,
        edition,
    };
    Ok((indicator, values))
}

/// Refuses what the indicator cannot map: an option it does not have, a multiple-choice
/// indicator or a municipal share without the option to map.
fn check_against_indicator(
    spec: &MapSpec,
    indicator: &question::Model,
    options: &[question_option::Model],
) -> AppResult<()> {
    let request = spec.request();
    if let Some(option) = &request.option {
        if !options.iter().any(|o| &o.code == option) {
            let known: Vec<&str> = options.iter().map(|o| o.code.as_str()).collect();
            return Err(bad(
                "option",
                format!(
                    "`{}` has no option `{option}` (options: {})",
                    indicator.code,
                    known.join(", ")
                ),
            ));
        }
    }
    if indicator.kind == QuestionType::MultipleChoice && request.option.is_none() {
        return Err(bad(
            "option",
            format!(
                "`{}` is multiple choice; name the option to map",
                indicator.code
            ),
        ));
    }
    if spec.is_municipal_share() && !indicator.kind.is_numeric() && request.option.is_none() {
        return Err(bad(
            "option",
            "a municipal share needs the option whose share is mapped",
        ));
    }
    Ok(())
}

/// The statistic `code`, named by argument `what`, its source joining the map's.
fn require<'a>(
    statistics: &'a official::Statistics,
    code: &str,
    what: &str,
    sources: &mut BTreeSet<&'static str>,
) -> AppResult<&'a Statistic> {
    let statistic = statistics.require(code).map_err(|e| e.within(what))?;
    sources.insert(statistic.source.code);
    Ok(statistic)
}

/// The statistic a prefecture's municipal share is weighted by, when the request names one.
fn share_weight<'a>(
    spec: &MapSpec,
    statistics: &'a official::Statistics,
    sources: &mut BTreeSet<&'static str>,
) -> AppResult<Option<&'a Statistic>> {
    let Some(code) = spec.request().weight.as_deref() else {
        return Ok(None);
    };
    spec.check_weight()?;
    let statistic = require(statistics, code, "weight", sources)?;
    if statistic.values.values().any(|w| *w < 0.0) {
        return Err(bad(
            "weight",
            format!(
                "`{code}` has negative values; a weight counts residents, households or the like"
            ),
        ));
    }
    Ok(Some(statistic))
}

/// The request's population band, when it names one.
fn population_band<'a>(
    spec: &MapSpec,
    statistics: &'a official::Statistics,
    sources: &mut BTreeSet<&'static str>,
) -> AppResult<Option<Band<'a>>> {
    let request = spec.request();
    if request.population_at_least.is_none() && request.population_below.is_none() {
        return Ok(None);
    }
    let population = statistics.require(official::POPULATION)?;
    sources.insert(population.source.code);
    Ok(Some(Band {
        population,
        at_least: request.population_at_least,
        below: request.population_below,
    }))
}

/// A bivariate map's second variable `y` (a statistic, or a numeric indicator of the same
/// edition), each municipality's number.
async fn second_variable(
    db: &impl ConnectionTrait,
    data: MapData<'_>,
    spec: &MapSpec,
    y: &str,
    sources: &mut BTreeSet<&'static str>,
) -> AppResult<SecondVariable> {
    let statistic = data.statistics.get(y);
    let variable = if statistic.is_some() {
        Variable::Statistic { code: y.to_owned() }
    } else {
        Variable::Indicator {
            code: y.to_owned(),
            option: None,
            edition: spec.request().edition.clone(),
            per: None,
        }
    };
    let ys = variables::values(db, data.statistics, data.answers, &variable, "bivariate").await?;
    if ys.unit.as_deref() == Some("0/1") {
        return Err(bad(
            "bivariate",
            format!("`{y}` is a choice; a bivariate map relates two numbers"),
        ));
    }
    sources.extend(ys.sources.iter().copied());
    let described = Mapped {
        code: y.to_owned(),
        label_ja: ys.label.clone(),
        label_en: ys.label.clone(),
        kind: match variable {
            Variable::Statistic { .. } => MappedKind::Statistic,
            Variable::Indicator { .. } => MappedKind::Indicator,
        },
        unit: ys.unit.clone(),
        year: statistic.map(|s| s.year),
    };
    Ok(SecondVariable {
        described,
        values: ys.values,
    })
}
