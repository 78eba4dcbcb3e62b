//! How two variables go together over the municipalities: a cross-tabulation of two
//! categorical indicators with its χ² test, and the correlation of two numeric variables with
//! the pairs behind it. Who is counted, who is left out and why, and which values are not
//! official are rules of the survey, kept here rather than in the layers that serve them.

use std::collections::{BTreeSet, HashSet};

use sea_orm::ConnectionTrait;

use super::statistics::per_scale;
use super::variables::{self, Categories, Values, Variable};
use crate::domain::PrefectureCode;
use crate::error::{AppError, AppResult};
use crate::repo;
use crate::stats::correlation::{self, Method};
use crate::survey::source::{self, Provenance};
use crate::survey::values::AnswerMemo;

/// A variable as a client names it: an indicator (with its option, edition and divisor) or a
/// statistic, exactly one of the two.
#[derive(Debug, Clone, Default)]
pub struct VariableArgs {
    /// Indicator code.
    pub indicator: Option<String>,
    /// The option read as 1, for a categorical indicator.
    pub option: Option<String>,
    /// Edition of the indicator.
    pub edition: Option<String>,
    /// Statistic code.
    pub statistic: Option<String>,
    /// For a count indicator: the statistic it is read per.
    pub per: Option<String>,
    /// The factor of `per`.
    pub scale: Option<f64>,
}

impl VariableArgs {
    /// The variable these arguments name; `what` names the argument in errors (`x`, `y`).
    pub fn parse(self, what: &str) -> AppResult<Variable> {
        match (self.indicator, self.statistic) {
            (Some(code), None) => {
                let per = match per_scale(self.per.as_deref(), self.scale) {
                    Ok(scale) => self.per.zip(scale),
                    Err(e) => return Err(e.field_of(what)),
                };
                Ok(Variable::Indicator {
                    code,
                    option: self.option,
                    edition: self.edition,
                    per,
                })
            }
            (None, Some(code))
                if self.option.is_none()
                    && self.edition.is_none()
                    && self.per.is_none()
                    && self.scale.is_none() =>
            {
                Ok(Variable::Statistic { code })
            }
            (None, Some(_)) => Err(AppError::bad_argument(
                what,
                "option, edition, per and scale apply to an indicator, not to a statistic",
            )),
            _ => Err(AppError::bad_argument(
                what,
                "give exactly one of indicator and statistic",
            )),
        }
    }
}

/// How many municipalities were left out, and why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeftOut {
    /// With a value of y (or an answer to b) but none of x (a).
    pub no_x: usize,
    /// With a value of x but none of y.
    pub no_y: usize,
    /// With neither.
    pub neither: usize,
}

impl LeftOut {
    /// Counts a municipality that lacks one value or both.
    fn count(&mut self, has_x: bool, has_y: bool) {
        match (has_x, has_y) {
            (false, true) => self.no_x += 1,
            (true, false) => self.no_y += 1,
            (false, false) => self.neither += 1,
            (true, true) => {}
        }
    }
}

/// A cross-tabulation of two categorical indicators with Pearson's χ² test.
#[derive(Debug, Clone, PartialEq)]
pub struct Crosstab {
    /// Options of `a` (the rows): code and label.
    pub rows: Vec<(String, String)>,
    /// Options of `b` (the columns).
    pub columns: Vec<(String, String)>,
    /// Municipalities per row and column.
    pub counts: Vec<Vec<u64>>,
    /// The test of independence.
    pub test: correlation::ChiSquare,
    /// Municipalities left out.
    pub left_out: LeftOut,
    /// Municipalities counted of which an answer is not official.
    pub synthetic: u64,
    /// Codes of the sources of the answers, each once, in order.
    pub sources: Vec<String>,
}

/// One municipality's pair of values.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// Municipal code.
    pub code: String,
    /// Its x value.
    pub x: f64,
    /// Its y value.
    pub y: f64,
    /// Official when both values are.
    pub provenance: Provenance,
}

/// What one variable is, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableSummary {
    /// Label.
    pub label: String,
    /// Unit, where known.
    pub unit: Option<String>,
    /// Municipalities with a value.
    pub n: usize,
    /// Codes of the sources of its values.
    pub sources: Vec<String>,
}

/// The relationship of two variables over the municipalities that have both.
#[derive(Debug, Clone, PartialEq)]
pub struct Relationship {
    /// The coefficient, its p-value and n.
    pub correlation: correlation::Correlation,
    /// x as read.
    pub x: VariableSummary,
    /// y as read.
    pub y: VariableSummary,
    /// Who was left out, and why.
    pub left_out: LeftOut,
    /// The pairs, in code order.
    pub pairs: Vec<Pair>,
    /// Pairs of which a value is not official.
    pub synthetic_pairs: usize,
    /// The credit lines the values require.
    pub credits: Vec<String>,
}

/// The codes of the administered municipalities, in code order.
async fn administered(db: &impl ConnectionTrait) -> AppResult<Vec<String>> {
    let filter = repo::areas::MunicipalityFilter::default();
    Ok(repo::areas::municipalities(db, &filter, None, None)
        .await?
        .into_iter()
        .map(|m| m.code)
        .collect())
}

/// Reads indicators `a` and `b` of `edition` and cross-tabulates them.
pub async fn crosstab(
    db: &impl ConnectionTrait,
    answers: &AnswerMemo,
    a: &str,
    b: &str,
    edition: Option<&str>,
) -> AppResult<Crosstab> {
    let rows = variables::categories(db, answers, a, edition, "a").await?;
    let columns = variables::categories(db, answers, b, edition, "b").await?;
    tabulate(&administered(db).await?, &rows, &columns)
}

/// Reads `x` and `y` and relates them over the municipalities (of `prefecture`, when given).
pub async fn relationship(
    db: &impl ConnectionTrait,
    statistics: &super::statistics::Statistics,
    answers: &AnswerMemo,
    (x, y): (&Variable, &Variable),
    method: Method,
    prefecture: Option<PrefectureCode>,
) -> AppResult<Relationship> {
    let xs = variables::values(db, statistics, answers, x, "x").await?;
    let ys = variables::values(db, statistics, answers, y, "y").await?;
    let prefix = prefecture.map(|p| p.to_string());
    let administered: Vec<String> = administered(db)
        .await?
        .into_iter()
        .filter(|c| prefix.as_deref().is_none_or(|p| c.starts_with(p)))
        .collect();
    relate(&administered, &xs, &ys, method)
}

/// Counts the `administered` municipalities per pair of options and tests the table.
pub fn tabulate(administered: &[String], a: &Categories, b: &Categories) -> AppResult<Crosstab> {
    let row_of = |o: &str| a.options.iter().position(|(c, _)| c == o);
    let column_of = |o: &str| b.options.iter().position(|(c, _)| c == o);
    let mut counts = vec![vec![0_u64; b.options.len()]; a.options.len()];
    let mut left_out = LeftOut::default();
    let mut synthetic = 0;
    for code in administered {
        match (a.values.get(code), b.values.get(code)) {
            (Some((x, px)), Some((y, py))) => {
                let (Some(i), Some(j)) = (row_of(x), column_of(y)) else {
                    return Err(AppError::invariant(format!(
                        "{code} answers an option the catalogue lacks"
                    )));
                };
                counts[i][j] += 1;
                synthetic += u64::from(px.with(*py) != Provenance::Official);
            }
            (x, y) => left_out.count(x.is_some(), y.is_some()),
        }
    }
    let test = correlation::chi_square(&counts)
        .map_err(|e| AppError::bad_argument("crosstab", format!("{e}")))?;
    let sources = a
        .sources
        .iter()
        .chain(b.sources.iter())
        .map(|s| (*s).to_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(Crosstab {
        rows: a.options.clone(),
        columns: b.options.clone(),
        counts,
        test,
        left_out,
        synthetic,
        sources,
    })
}

/// Pairs the two variables' values over the `administered` municipalities, correlates them,
/// and says who was left out.
pub fn relate(
    administered: &[String],
    xs: &Values,
    ys: &Values,
    method: Method,
) -> AppResult<Relationship> {
    let mut pairs = Vec::new();
    let mut left_out = LeftOut::default();
    for code in administered {
        match (xs.values.get(code), ys.values.get(code)) {
            (Some((x, px)), Some((y, py))) => pairs.push(Pair {
                code: code.clone(),
                x: *x,
                y: *y,
                provenance: px.with(*py),
            }),
            (x, y) => left_out.count(x.is_some(), y.is_some()),
        }
    }
    let x: Vec<f64> = pairs.iter().map(|p| p.x).collect();
    let y: Vec<f64> = pairs.iter().map(|p| p.y).collect();
    let correlation = correlation::correlate(&x, &y, method)
        .map_err(|e| AppError::bad_argument("relationship", format!("{e}")))?;
    let summary = |v: &Values| VariableSummary {
        label: v.label.clone(),
        unit: v.unit.clone(),
        n: administered
            .iter()
            .filter(|c| v.values.contains_key(*c))
            .count(),
        sources: v.sources.iter().map(|s| (*s).to_owned()).collect(),
    };
    Ok(Relationship {
        correlation,
        x: summary(xs),
        y: summary(ys),
        left_out,
        synthetic_pairs: pairs
            .iter()
            .filter(|p| p.provenance != Provenance::Official)
            .count(),
        pairs,
        credits: credits(xs, ys),
    })
}

/// The credit lines of the sources of both variables, each once.
fn credits(xs: &Values, ys: &Values) -> Vec<String> {
    let mut seen = HashSet::new();
    xs.sources
        .iter()
        .chain(ys.sources.iter())
        .filter(|code| seen.insert(**code))
        .filter_map(|code| source::by_code(code).ok()?.credit)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::context::statistics::per_scale;

    fn codes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{:05}", 1000 + i)).collect()
    }

    fn categories(answers: &[(usize, &str, Provenance)]) -> Categories {
        Categories {
            label: "q".into(),
            options: vec![("yes".into(), "Yes".into()), ("no".into(), "No".into())],
            values: answers
                .iter()
                .map(|(i, o, p)| (format!("{:05}", 1000 + i), ((*o).to_owned(), *p)))
                .collect(),
            sources: ["dashboard"].into_iter().collect(),
        }
    }

    fn values(pairs: &[(usize, f64, Provenance)]) -> Values {
        Values {
            label: "v".into(),
            unit: None,
            values: pairs
                .iter()
                .map(|(i, v, p)| (format!("{:05}", 1000 + i), (*v, *p)))
                .collect::<HashMap<_, _>>(),
            sources: BTreeSet::new(),
        }
    }

    #[test]
    fn a_crosstab_counts_pairs_and_says_who_was_left_out() {
        use Provenance::{CalibratedSynthetic as S, Official as O};
        let a = categories(&[(0, "yes", O), (1, "yes", O), (2, "no", S), (3, "no", O)]);
        let b = categories(&[(0, "yes", O), (1, "no", O), (2, "no", O), (4, "yes", O)]);
        let t = tabulate(&codes(6), &a, &b).unwrap();
        assert_eq!(t.counts, vec![vec![1, 1], vec![0, 1]]);
        assert_eq!(
            t.left_out,
            LeftOut {
                no_x: 1,
                no_y: 1,
                neither: 1
            }
        );
        assert_eq!(t.synthetic, 1);
        assert_eq!(t.test.n, 3);
        assert_eq!(t.sources, vec!["dashboard".to_owned()]);
    }

    #[test]
    fn an_answer_the_catalogue_lacks_is_an_error_not_a_count() {
        let a = categories(&[(0, "maybe", Provenance::Official)]);
        let b = categories(&[(0, "yes", Provenance::Official)]);
        assert!(tabulate(&codes(1), &a, &b).is_err());
    }

    #[test]
    fn a_relationship_pairs_values_in_code_order_and_marks_synthetic_pairs() {
        use Provenance::{CalibratedSynthetic as S, Official as O};
        let xs = values(&[
            (0, 1.0, O),
            (1, 2.0, O),
            (2, 3.0, S),
            (3, 4.0, O),
            (5, 9.0, O),
        ]);
        let ys = values(&[
            (0, 2.0, O),
            (1, 4.0, O),
            (2, 6.0, O),
            (3, 8.0, O),
            (4, 1.0, O),
        ]);
        let r = relate(&codes(7), &xs, &ys, Method::Pearson).unwrap();
        let order: Vec<&str> = r.pairs.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(order, ["01000", "01001", "01002", "01003"]);
        assert!((r.correlation.coefficient - 1.0).abs() < 1e-12);
        assert_eq!(r.synthetic_pairs, 1);
        assert_eq!(r.pairs[2].provenance, Provenance::Mixed);
        assert_eq!(
            r.left_out,
            LeftOut {
                no_x: 1,
                no_y: 1,
                neither: 1
            }
        );
        assert_eq!((r.x.n, r.y.n), (5, 5));
    }

    #[test]
    fn a_relationship_of_the_few_is_refused_naming_it() {
        let xs = values(&[(0, 1.0, Provenance::Official)]);
        let e = relate(&codes(1), &xs, &xs, Method::Spearman).unwrap_err();
        assert!(e.to_string().starts_with("relationship:"), "{e}");
    }

    #[test]
    fn a_variable_is_one_of_indicator_and_statistic_and_scale_needs_per() {
        let indicator = |per: Option<&str>, scale| VariableArgs {
            indicator: Some("staff.dx_it_units".into()),
            per: per.map(str::to_owned),
            scale,
            ..VariableArgs::default()
        };
        assert_eq!(
            indicator(Some("A1101"), Some(1e4)).parse("x").unwrap(),
            Variable::Indicator {
                code: "staff.dx_it_units".into(),
                option: None,
                edition: None,
                per: Some(("A1101".into(), 1e4)),
            }
        );
        let e = indicator(None, Some(3.0)).parse("x").unwrap_err();
        assert!(e.to_string().starts_with("x.scale:"), "{e}");
        let e = indicator(Some("A1101"), Some(0.0)).parse("y").unwrap_err();
        assert!(e.to_string().starts_with("y.scale:"), "{e}");
        let both = VariableArgs {
            statistic: Some("A1101".into()),
            ..indicator(None, None)
        };
        assert!(both.parse("x").is_err());
        assert_eq!(per_scale(None, None).unwrap(), None);
        assert_eq!(per_scale(Some("A1101"), None).unwrap(), Some(1.0));
    }
}
