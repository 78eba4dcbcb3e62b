//! Each respondent's value of one indicator, as maps, correlations and bands read it: a
//! number, a category (or yes/no for one option), with the provenance of the answer rows it
//! is made of.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::ConnectionTrait;

use super::catalogue::Subject;
use super::source::{self, Provenance};
use super::{aggregate, store};
use crate::domain::Percent;
use crate::entity::question;
use crate::error::{AppError, AppResult};
use crate::repo;

/// One respondent's value.
#[derive(Debug, Clone, PartialEq)]
pub enum RespondentValue {
    /// A number (count, share).
    Number(f64),
    /// A category (option code), or `yes`/`no` for one option.
    Category(String),
    /// Outside the universe or unanswered.
    Missing,
}

/// One respondent's answer rows gathered: options chosen, the number (a count, or a share
/// in percent), their provenance.
type Gathered = (Vec<String>, Option<f64>, Option<Provenance>);

/// Values per respondent code for one question and subject, each with its provenance.
pub async fn own_values(
    db: &impl ConnectionTrait,
    edition: &str,
    question: &question::Model,
    subject: Subject,
    option: Option<&str>,
    sources: &mut BTreeSet<&'static str>,
) -> AppResult<HashMap<String, (RespondentValue, Provenance)>> {
    let asked = aggregate::asked_codes(db, edition, question, subject).await?;
    let mut grouped: BTreeMap<String, Gathered> = BTreeMap::new();
    for a in repo::survey::answers_to(db, edition, &question.code).await? {
        if !asked.contains(&a.respondent_code) {
            continue;
        }
        let source = a
            .source_code
            .as_deref()
            .ok_or_else(|| AppError::invariant(format!("answer {} has no source", a.id)))?;
        let provenance = source::provenance_of(source)
            .map_err(|e| AppError::internal("reading an answer's source", e))?;
        if let Ok(info) = source::by_code(source) {
            sources.insert(info.code);
        }
        let entry = grouped.entry(a.respondent_code).or_default();
        entry.0.extend(a.option_code);
        let rate = a
            .rate_hundredths
            .map(|h| store::stored_rate(a.id, h))
            .transpose()?;
        entry.1 = entry
            .1
            .or(a.amount.map(|n| n as f64))
            .or(rate.map(Percent::value));
        entry.2 = Some(entry.2.map_or(provenance, |p| p.with(provenance)));
    }
    Ok(grouped
        .into_iter()
        .filter_map(|(code, (options, amount, provenance))| {
            Some((code, (options, amount, provenance?)))
        })
        .map(|(code, (options, amount, provenance))| {
            let value = if question.kind.is_numeric() {
                amount.map_or(RespondentValue::Missing, RespondentValue::Number)
            } else if let Some(option) = option {
                RespondentValue::Category(
                    if options.iter().any(|o| o == option) {
                        "yes"
                    } else {
                        "no"
                    }
                    .into(),
                )
            } else {
                options.first().map_or(RespondentValue::Missing, |o| {
                    RespondentValue::Category(o.clone())
                })
            };
            (code, (value, provenance))
        })
        .collect())
}
