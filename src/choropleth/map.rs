//! The computed map, what [`super::compute`] makes and [`super::render`] writes: areas with
//! their values and classes, the legend, statistics, and what is mapped.

use std::collections::HashMap;

use super::spec::MapSpec;
use crate::context::statistics::Statistic;
use crate::entity::{question, survey_edition};
use crate::stats::classify::Method;
use crate::survey::catalogue::QuestionType;
use crate::survey::source::Provenance;
use crate::survey::values::RespondentValue;

/// Each area's value and its provenance, by code.
pub type AreaValues = HashMap<String, (RespondentValue, Provenance)>;

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

/// How a map's areas were put in classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapMethod {
    /// Numbers, by a classification method.
    Classified(Method),
    /// Categories: one class per option, or the chosen option against the rest.
    Categories,
    /// Two variables, 3 × 3 tertiles.
    Bivariate,
    /// The local clusters of a spatial autocorrelation.
    LisaClusters,
}

impl MapMethod {
    /// The name written in documents and GraphQL answers (`quantiles`, `categories`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Classified(method) => method.map_name(),
            Self::Categories => "categories",
            Self::Bivariate => "bivariate",
            Self::LisaClusters => "lisa_clusters",
        }
    }
}

/// A finished choropleth, before rendering.
pub struct Choropleth {
    /// The request it answers.
    pub spec: MapSpec,
    /// What is mapped: an indicator or a statistic.
    pub indicator: Mapped,
    /// The edition of an indicator's answers; `None` for a statistic.
    pub edition: Option<survey_edition::Model>,
    /// Numeric or categorical.
    pub numeric: bool,
    /// The method actually used.
    pub method: MapMethod,
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
    pub bivariate: Option<Bivariate>,
}

/// What kind of variable a map shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappedKind {
    /// A survey indicator, of its question type.
    Question(QuestionType),
    /// A survey indicator, as the second variable of a bivariate map.
    Indicator,
    /// An official statistic.
    Statistic,
}

impl MappedKind {
    /// As documents write it: the question type (`COUNT`, `YES_NO`…), `INDICATOR` or
    /// `STATISTIC`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Question(kind) => kind.as_str(),
            Self::Indicator => "INDICATOR",
            Self::Statistic => "STATISTIC",
        }
    }
}

/// What a map shows, as its documents describe it: a survey indicator or a statistic.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// Indicator or statistic code.
    pub code: String,
    /// Japanese label.
    pub label_ja: String,
    /// English label (a statistic's is its Japanese one: SSDSE publishes no other).
    pub label_en: String,
    /// What kind of variable it is.
    pub kind: MappedKind,
    /// A statistic's unit.
    pub unit: Option<String>,
    /// A statistic's year.
    pub year: Option<i32>,
}

impl Mapped {
    /// A survey indicator.
    pub fn indicator(q: &question::Model) -> Self {
        Self {
            code: q.code.clone(),
            label_ja: q.label_ja.clone(),
            label_en: q.label_en.clone(),
            kind: MappedKind::Question(q.kind),
            unit: None,
            year: None,
        }
    }

    /// An official statistic.
    pub fn statistic(s: &Statistic) -> Self {
        Self {
            code: s.code.clone(),
            label_ja: s.label.clone(),
            label_en: s.label.clone(),
            kind: MappedKind::Statistic,
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

/// The second variable of a bivariate map and both variables' class bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Bivariate {
    /// What y is.
    pub y: Mapped,
    /// Upper bounds of x's three classes.
    pub x_bounds: Vec<f64>,
    /// Upper bounds of y's three classes.
    pub y_bounds: Vec<f64>,
}
