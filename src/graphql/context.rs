//! The context researchers join, in GraphQL: statistics, a municipality's value of one, and
//! the relationship of two variables (indicators or statistics).

use std::sync::Arc;

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject};

use super::data::db;
use super::survey::{Provenance, SourceRecord};
use crate::context::relations;
use crate::context::statistics::Statistic;
use crate::context::variables::Variable;
use crate::error::{AppError, GraphqlResultExt};
use crate::readmodel::ReadModel;
use crate::repo;

fn model<'a>(ctx: &Context<'a>) -> &'a Arc<ReadModel> {
    ctx.data_unchecked::<Arc<ReadModel>>()
}

/// A statistic joined on the municipal codes: SSDSE-A's published variables and the derived
/// ones (`formula` says how each is computed).
pub struct StatisticInfo {
    code: String,
    label: String,
    unit: Option<String>,
    year: i32,
    formula: Option<&'static str>,
    source: &'static str,
    municipalities: usize,
}

impl From<&Statistic> for StatisticInfo {
    fn from(s: &Statistic) -> Self {
        Self {
            code: s.code.clone(),
            label: s.label.clone(),
            unit: s.unit.clone(),
            year: s.year,
            formula: s.formula.map(|f| f.text),
            source: s.source.code,
            municipalities: s.values.len(),
        }
    }
}

#[Object]
impl StatisticInfo {
    /// Code: the publisher's (`A1101`) or a derived one (`share_65_plus`).
    async fn code(&self) -> &str {
        &self.code
    }
    /// Japanese label as published (総人口).
    async fn label(&self) -> &str {
        &self.label
    }
    /// Unit (人, 世帯, ha, 千円, %, 人/km²…); null where the source does not tell it.
    async fn unit(&self) -> Option<&str> {
        self.unit.as_deref()
    }
    /// The year the values refer to (2020 for the census); for a derived statistic, the later
    /// of its inputs' years.
    async fn year(&self) -> i32 {
        self.year
    }
    /// How a derived statistic is computed from published ones; null for a published one.
    async fn formula(&self) -> Option<&str> {
        self.formula
    }
    /// Municipalities with a value.
    async fn municipalities(&self) -> usize {
        self.municipalities
    }
    /// Where the values come from, with its credit line and the file read.
    async fn source(&self, ctx: &Context<'_>) -> Result<SourceRecord> {
        source_record(ctx, self.source).await
    }
}

async fn source_record(ctx: &Context<'_>, code: &str) -> Result<SourceRecord> {
    repo::survey::source(db(ctx), code)
        .await
        .gql()?
        .map(SourceRecord)
        .ok_or_else(|| AppError::invariant(format!("source `{code}` has no record")))
        .gql()
}

/// One municipality's value of a statistic.
pub struct StatisticValue {
    info: StatisticInfo,
    value: Option<f64>,
}

#[Object]
impl StatisticValue {
    /// The statistic.
    async fn statistic(&self) -> &StatisticInfo {
        &self.info
    }
    /// Code of the statistic.
    async fn code(&self) -> &str {
        &self.info.code
    }
    /// The value; null where the source gives none (or a derived one divides by zero).
    async fn value(&self) -> Option<f64> {
        self.value
    }
    /// Unit.
    async fn unit(&self) -> Option<&str> {
        self.info.unit.as_deref()
    }
    /// The year the value refers to.
    async fn year(&self) -> i32 {
        self.info.year
    }
    /// Where it comes from.
    async fn source(&self, ctx: &Context<'_>) -> Result<SourceRecord> {
        source_record(ctx, self.info.source).await
    }
}

/// A municipality's value of `code`, for `Municipality.statistic`.
pub fn statistic_value(
    ctx: &Context<'_>,
    municipality: &str,
    code: &str,
) -> Result<StatisticValue> {
    let statistics = model(ctx).statistics();
    let s = statistics.require(code).gql()?;
    Ok(StatisticValue {
        info: s.into(),
        value: s.value(municipality),
    })
}

/// A variable of a relationship: an indicator (with the option read as 1, for a choice) or a
/// statistic. Give exactly one of `indicator` and `statistic`.
#[derive(InputObject, Clone, Debug)]
pub struct VariableInput {
    /// Indicator code (`cio.appointed`, `my_number_card.holding_rate`).
    pub indicator: Option<String>,
    /// For a categorical indicator, the option read as 1 (others 0); a yes/no reads `yes`.
    pub option: Option<String>,
    /// Edition of the indicator; the newest when omitted.
    pub edition: Option<String>,
    /// Statistic code (`A1303`, `share_65_plus`; see `statistics`).
    pub statistic: Option<String>,
    /// For a count indicator: read it per this statistic (`A1101`: per resident).
    pub per: Option<String>,
    /// The factor of `per` (10000: per 10,000 residents); default 1.
    pub scale: Option<f64>,
}

impl VariableInput {
    fn variable(&self, what: &str) -> Result<Variable, AppError> {
        relations::VariableArgs {
            indicator: self.indicator.clone(),
            option: self.option.clone(),
            edition: self.edition.clone(),
            statistic: self.statistic.clone(),
            per: self.per.clone(),
            scale: self.scale,
        }
        .parse(what)
    }
}

/// Which correlation coefficient.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::stats::correlation::Method")]
pub enum CorrelationMethod {
    /// Pearson's product-moment r (linear association).
    Pearson,
    /// Spearman's rank ρ (monotone association; ties share their mean rank).
    Spearman,
}

/// One municipality's pair of values, for a scatter plot.
#[derive(SimpleObject)]
pub struct Pair {
    /// Municipal code.
    pub code: String,
    /// Its x value.
    pub x: f64,
    /// Its y value.
    pub y: f64,
    /// OFFICIAL when both values are, else which kinds they are.
    pub provenance: Provenance,
}

/// What one variable is, as read.
#[derive(SimpleObject)]
pub struct VariableSummary {
    /// Label (with the option read as 1, for a choice).
    pub label: String,
    /// Unit, where known.
    pub unit: Option<String>,
    /// Municipalities with a value.
    pub n: usize,
    /// Codes of the sources of its values.
    pub sources: Vec<String>,
}

/// How many municipalities were left out, and why.
#[derive(SimpleObject)]
pub struct LeftOut {
    /// With a value of y but none of x.
    pub no_x: usize,
    /// With a value of x but none of y.
    pub no_y: usize,
    /// With neither (among the administered municipalities).
    pub neither: usize,
}

/// The relationship of two variables over the municipalities that have both.
#[derive(SimpleObject)]
pub struct Relationship {
    /// The coefficient used.
    pub method: CorrelationMethod,
    /// r or ρ.
    pub coefficient: f64,
    /// Municipalities with both values.
    pub n: usize,
    /// Two-sided p-value of no correlation (t with n − 2 degrees of freedom, as scipy).
    pub p_value: f64,
    /// x as read.
    pub x: VariableSummary,
    /// y as read.
    pub y: VariableSummary,
    /// Who was left out, and why.
    pub left_out: LeftOut,
    /// The pairs, in code order, for a scatter plot.
    pub pairs: Vec<Pair>,
    /// Pairs of which a value is calibrated synthetic (not official).
    pub synthetic_pairs: usize,
    /// The credit lines the values require.
    pub credits: Vec<String>,
}

/// A cross-tabulation of two categorical indicators over the municipalities that answered
/// both, with Pearson's χ² test of independence and Cramér's V.
#[derive(SimpleObject)]
pub struct Crosstab {
    /// Options of `a` (the rows): codes.
    pub rows: Vec<String>,
    /// Options of `b` (the columns): codes.
    pub columns: Vec<String>,
    /// Row labels, as the catalogue writes them.
    pub row_labels: Vec<String>,
    /// Column labels.
    pub column_labels: Vec<String>,
    /// Municipalities per row and column.
    pub counts: Vec<Vec<u64>>,
    /// Municipalities counted.
    pub n: u64,
    /// χ² (with Yates's correction at one degree of freedom, as scipy's `chi2_contingency`).
    pub chi_square: f64,
    /// Degrees of freedom, over the rows and columns with observations.
    pub degrees_of_freedom: usize,
    /// P(χ² ≥ the statistic) under independence.
    pub p_value: f64,
    /// Cramér's V, from 0 (independent) to 1.
    pub cramers_v: f64,
    /// Municipalities left out: without an answer to `a`, to `b`, or to either.
    pub left_out: LeftOut,
    /// Municipalities counted of which an answer is calibrated synthetic (not official).
    pub synthetic: u64,
    /// Codes of the sources of the answers.
    pub sources: Vec<String>,
}

impl From<relations::LeftOut> for LeftOut {
    fn from(l: relations::LeftOut) -> Self {
        Self {
            no_x: l.no_x,
            no_y: l.no_y,
            neither: l.neither,
        }
    }
}

impl From<relations::VariableSummary> for VariableSummary {
    fn from(v: relations::VariableSummary) -> Self {
        Self {
            label: v.label,
            unit: v.unit,
            n: v.n,
            sources: v.sources,
        }
    }
}

impl Relationship {
    fn new(r: relations::Relationship, method: CorrelationMethod) -> Self {
        Self {
            method,
            coefficient: r.correlation.coefficient,
            n: r.correlation.n,
            p_value: r.correlation.p_value,
            x: r.x.into(),
            y: r.y.into(),
            left_out: r.left_out.into(),
            pairs: r
                .pairs
                .into_iter()
                .map(|p| Pair {
                    code: p.code,
                    x: p.x,
                    y: p.y,
                    provenance: p.provenance.into(),
                })
                .collect(),
            synthetic_pairs: r.synthetic_pairs,
            credits: r.credits,
        }
    }
}

impl From<relations::Crosstab> for Crosstab {
    fn from(c: relations::Crosstab) -> Self {
        let (rows, row_labels) = c.rows.into_iter().unzip();
        let (columns, column_labels) = c.columns.into_iter().unzip();
        Self {
            rows,
            columns,
            row_labels,
            column_labels,
            counts: c.counts,
            n: c.test.n,
            chi_square: c.test.statistic,
            degrees_of_freedom: c.test.degrees_of_freedom,
            p_value: c.test.p_value,
            cramers_v: c.test.cramers_v,
            left_out: c.left_out.into(),
            synthetic: c.synthetic,
            sources: c.sources,
        }
    }
}

/// Queries over statistics and relationships.
#[derive(Default)]
pub struct ContextQuery;

#[Object]
impl ContextQuery {
    /// Every statistic: SSDSE-A's published variables in the publisher's order, then the
    /// derived ones (density, share aged 65+ and 75+, persons per household, staff per 1,000
    /// residents).
    #[graphql(
        complexity = "crate::graphql::cost::times(crate::graphql::cost::STATISTICS, child_complexity)"
    )]
    async fn statistics(&self, ctx: &Context<'_>) -> Vec<StatisticInfo> {
        model(ctx)
            .statistics()
            .all()
            .iter()
            .map(StatisticInfo::from)
            .collect()
    }

    /// One statistic by code.
    async fn statistic(&self, ctx: &Context<'_>, code: String) -> Result<StatisticInfo> {
        let statistics = model(ctx).statistics();
        Ok(statistics.require(&code).gql()?.into())
    }

    /// Two categorical indicators cross-tabulated over the municipalities that answered both:
    /// the table, χ² with its degrees of freedom and p-value, and Cramér's V. `leftOut.noX`
    /// counts those without an answer to `a`, `noY` to `b`.
    #[graphql(complexity = "crate::graphql::cost::AGGREGATE")]
    async fn crosstab(
        &self,
        ctx: &Context<'_>,
        a: String,
        b: String,
        edition: Option<String>,
    ) -> Result<Crosstab> {
        let generation = model(ctx).current();
        relations::crosstab(db(ctx), &generation.answers, &a, &b, edition.as_deref())
            .await
            .map(Crosstab::from)
            .gql()
    }

    /// How two variables (indicators or statistics) go together over the municipalities that
    /// have both: Pearson's r or Spearman's ρ, its p-value, and the pairs for a scatter plot.
    /// `prefecture` restricts it to one prefecture's municipalities.
    #[graphql(complexity = "crate::graphql::cost::AGGREGATE")]
    async fn relationship(
        &self,
        ctx: &Context<'_>,
        x: VariableInput,
        y: VariableInput,
        #[graphql(default_with = "CorrelationMethod::Pearson")] method: CorrelationMethod,
        prefecture: Option<String>,
    ) -> Result<Relationship> {
        let prefecture = prefecture
            .as_deref()
            .map(crate::domain::PrefectureCode::parse)
            .transpose()
            .map_err(AppError::from)
            .gql()?;
        let (x, y) = (x.variable("x").gql()?, y.variable("y").gql()?);
        let generation = model(ctx).current();
        relations::relationship(
            db(ctx),
            &generation.statistics,
            &generation.answers,
            (&x, &y),
            method.into(),
            prefecture,
        )
        .await
        .map(|r| Relationship::new(r, method))
        .gql()
    }
}
