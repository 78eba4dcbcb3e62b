//! Variables a researcher relates: an indicator (a count, a rate, or a yes/no for one option)
//! or a statistic, each read as a number per municipality with the provenance of that number.

use std::collections::{BTreeSet, HashMap};

use sea_orm::ConnectionTrait;

use super::statistics::Statistics;
use crate::entity::{question, survey_edition};
use crate::error::{AppError, AppResult};
use crate::repo;
use crate::survey::catalogue::{QuestionType, Subject};
use crate::survey::source::Provenance;
use crate::survey::values::{own_values, AnswerMemo, RespondentValue};

/// What to read: an indicator or a statistic.
#[derive(Debug, Clone, PartialEq)]
pub enum Variable {
    /// A survey indicator of an edition (`None`: the newest).
    Indicator {
        /// Its code.
        code: String,
        /// The option read as 1 (chosen) or 0; needed for a categorical indicator other than
        /// a yes/no, whose default is `yes`.
        option: Option<String>,
        /// Edition code.
        edition: Option<String>,
        /// For a count: divided by this statistic, times the factor (per 10,000 residents).
        per: Option<(String, f64)>,
    },
    /// A statistic (published or derived).
    Statistic {
        /// Its code.
        code: String,
    },
}

/// A variable's values per municipality.
#[derive(Debug, Clone, PartialEq)]
pub struct Values {
    /// What it is, for legends and axes: the label, and the option read where there is one.
    pub label: String,
    /// Unit, where known (`%` for a rate, `0/1` for an option).
    pub unit: Option<String>,
    /// Value and provenance per five-digit municipal code.
    pub values: HashMap<String, (f64, Provenance)>,
    /// Codes of the sources of the values.
    pub sources: BTreeSet<&'static str>,
}

/// Reads `variable` for every municipality: `what` names the argument in errors (`x`, `y`).
pub async fn values(
    db: &impl ConnectionTrait,
    statistics: &Statistics,
    answers: &AnswerMemo,
    variable: &Variable,
    what: &str,
) -> AppResult<Values> {
    match variable {
        Variable::Statistic { code } => {
            let s = statistics.require(code).map_err(|e| prefixed(what, e))?;
            Ok(Values {
                label: s.label.clone(),
                unit: s.unit.clone(),
                values: s
                    .values
                    .iter()
                    .map(|(c, v)| (c.clone(), (*v, Provenance::from(s.source.kind))))
                    .collect(),
                sources: BTreeSet::from([s.source.code]),
            })
        }
        Variable::Indicator {
            code,
            option,
            edition,
            per,
        } => {
            let (values, kind) = indicator_values(
                db,
                answers,
                code,
                option.as_deref(),
                edition.as_deref(),
                what,
            )
            .await?;
            match per {
                Some((statistic, scale)) => {
                    let divisor = Divisor {
                        statistic,
                        scale: *scale,
                    };
                    per_statistic(statistics, values, code, kind, &divisor, what)
                }
                None => Ok(values),
            }
        }
    }
}

/// The edition (the newest when `None`) and the indicator `code`, or the error naming `what`.
async fn edition_and_question(
    db: &impl ConnectionTrait,
    code: &str,
    edition: Option<&str>,
    what: &str,
) -> AppResult<(survey_edition::Model, question::Model)> {
    let edition = repo::survey::edition_or_newest(db, edition).await?;
    let question = repo::survey::question(db, code)
        .await?
        .ok_or_else(|| AppError::bad_argument(what, format!("no indicator `{code}`")))?;
    Ok((edition, question))
}

/// The statistic a count is read per, and the factor.
struct Divisor<'a> {
    statistic: &'a str,
    scale: f64,
}

/// A count's values (`code`, of question type `kind`) divided by a statistic, times the
/// scale: a municipality whose statistic is missing or zero has no value.
fn per_statistic(
    statistics: &Statistics,
    values: Values,
    code: &str,
    kind: QuestionType,
    divisor: &Divisor<'_>,
    what: &str,
) -> AppResult<Values> {
    let (statistic, scale) = (divisor.statistic, divisor.scale);
    super::statistics::check_divisible(code, kind).map_err(|e| e.field_of(what))?;
    super::statistics::check_scale(scale).map_err(|e| e.field_of(what))?;
    let s = statistics
        .require(statistic)
        .map_err(|e| prefixed(&format!("{what}.per"), e))?;
    let mut sources = values.sources;
    sources.insert(s.source.code);
    Ok(Values {
        label: format!("{} / {} × {scale}", values.label, s.label),
        unit: Some(format!("per {scale} {}", s.unit.as_deref().unwrap_or(""))),
        values: values
            .values
            .into_iter()
            .filter_map(|(c, (x, p))| {
                let d = s.value(&c).filter(|d| *d != 0.0)?;
                Some((c, (x / d * scale, p.with(Provenance::from(s.source.kind)))))
            })
            .collect(),
        sources,
    })
}

fn prefixed(what: &str, e: AppError) -> AppError {
    match e {
        AppError::NotFound(m) => AppError::NotFound(format!("{what}.{m}")),
        other => other.field_of(what),
    }
}

async fn indicator_values(
    db: &impl ConnectionTrait,
    answers: &AnswerMemo,
    code: &str,
    option: Option<&str>,
    edition: Option<&str>,
    what: &str,
) -> AppResult<(Values, QuestionType)> {
    let bad =
        |argument: &str, detail: String| AppError::bad_argument(argument, detail).field_of(what);
    let (edition, question) =
        edition_and_question(db, code, edition, &format!("{what}.indicator")).await?;
    if !question.asked.includes(Subject::Municipality) {
        return Err(bad(
            "indicator",
            format!("`{code}` is asked of prefectures only; relationships are over municipalities"),
        ));
    }
    let numeric = question.kind.is_numeric();
    let option = match (numeric, option, question.kind) {
        (true, Some(o), _) => {
            return Err(bad(
                "option",
                format!("`{code}` is a number, not a choice; `{o}` does not apply"),
            ))
        }
        (true, None, _) => None,
        (false, Some(o), _) => Some(o.to_owned()),
        (false, None, QuestionType::YesNo) => Some("yes".to_owned()),
        (false, None, _) => {
            return Err(bad(
                "option",
                format!("`{code}` is a choice among options; name the option to read as 1"),
            ))
        }
    };
    if let Some(o) = &option {
        let options = repo::survey::options(db, std::slice::from_ref(&question.code))
            .await?
            .remove(&question.code)
            .unwrap_or_default();
        if !options.iter().any(|known| &known.code == o) {
            return Err(bad("option", format!("`{code}` has no option `{o}`")));
        }
    }
    let mut sources = BTreeSet::new();
    let raw = own_values(
        db,
        answers,
        &edition.code,
        &question,
        Subject::Municipality,
        option.as_deref(),
        &mut sources,
    )
    .await?;
    let values = raw
        .into_iter()
        .filter_map(|(c, (v, p))| Some((c, (v.as_number()?, p))))
        .collect();
    let unit = match (question.kind, &option) {
        (QuestionType::Rate, _) => Some("%".to_owned()),
        (_, Some(_)) => Some("0/1".to_owned()),
        _ => None,
    };
    let read = Values {
        label: match &option {
            Some(o) => format!("{} = {o}", question.label_ja),
            None => question.label_ja.clone(),
        },
        unit,
        values,
        sources,
    };
    Ok((read, question.kind))
}

/// A categorical indicator's answers per municipality, for a cross-tabulation.
#[derive(Debug, Clone, PartialEq)]
pub struct Categories {
    /// The indicator's label.
    pub label: String,
    /// Its options in catalogue order: code and label.
    pub options: Vec<(String, String)>,
    /// Option chosen and provenance per five-digit municipal code.
    pub values: HashMap<String, (String, Provenance)>,
    /// Codes of the sources of the answers.
    pub sources: BTreeSet<&'static str>,
}

/// Reads a yes/no, single-choice or planning-status indicator for every municipality: `what`
/// names the argument in errors (`a`, `b`).
pub async fn categories(
    db: &impl ConnectionTrait,
    answers: &AnswerMemo,
    code: &str,
    edition: Option<&str>,
    what: &str,
) -> AppResult<Categories> {
    let bad = |detail: String| AppError::bad_argument(what, detail);
    let (edition, question) = edition_and_question(db, code, edition, what).await?;
    if question.kind.is_numeric() {
        return Err(bad(format!(
            "`{code}` is a number; a cross-tabulation takes choices (relate numbers with `relationship`)"
        )));
    }
    if question.kind == QuestionType::MultipleChoice {
        return Err(bad(format!(
            "`{code}` allows several options at once; cross-tabulate one of them as a yes/no with `relationship`"
        )));
    }
    if !question.asked.includes(Subject::Municipality) {
        return Err(bad(format!("`{code}` is asked of prefectures only")));
    }
    let options = repo::survey::options(db, std::slice::from_ref(&question.code))
        .await?
        .remove(&question.code)
        .unwrap_or_default()
        .into_iter()
        .map(|o| (o.code, o.label_ja))
        .collect();
    let mut sources = BTreeSet::new();
    let raw = own_values(
        db,
        answers,
        &edition.code,
        &question,
        Subject::Municipality,
        None,
        &mut sources,
    )
    .await?;
    let values = raw
        .into_iter()
        .filter_map(|(c, (v, p))| match v {
            RespondentValue::Category(option) => Some((c, (option, p))),
            RespondentValue::Number(_) | RespondentValue::Missing => None,
        })
        .collect();
    Ok(Categories {
        label: question.label_ja,
        options,
        values,
        sources,
    })
}
