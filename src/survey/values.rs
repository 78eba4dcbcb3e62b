//! Each respondent's value of one indicator, as maps, correlations and bands read it: a
//! number, a category (or yes/no for one option), with the provenance of the answer rows it
//! is made of.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;
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

/// The category of a respondent who chose the option a map reads.
pub const YES: &str = "yes";
/// The category of a respondent who answered without choosing it.
pub const NO: &str = "no";

impl RespondentValue {
    /// Whether the option read was chosen, as the category [`YES`] or [`NO`].
    pub fn choice(chosen: bool) -> Self {
        Self::Category(if chosen { YES } else { NO }.to_owned())
    }

    /// The value as a number: a count or a share as it is, a choice as 1 when it is [`YES`]
    /// and 0 for any other category; `None` when missing.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Self::Number(n) => Some(*n),
            Self::Category(c) => Some(f64::from(u8::from(c == YES))),
            Self::Missing => None,
        }
    }
}

/// One respondent's answer rows gathered: options chosen, the number (a count, or a share
/// in percent), their provenance.
#[derive(Debug, Default)]
struct Gathered {
    options: Vec<String>,
    number: Option<f64>,
    provenance: Option<Provenance>,
}

/// Every asked respondent's answers to one question of one edition, with the sources they
/// come from: what a map, a correlation or a band reads of an indicator.
#[derive(Debug)]
pub struct Answers {
    by_respondent: BTreeMap<String, Gathered>,
    sources: BTreeSet<&'static str>,
}

/// Whose answers, to which question, in which edition.
type AnswersKey = (String, String, Subject);

/// The answers read for recent requests, per read-model generation: a user exploring the map
/// changes classes, palette or zoom at every click, and each of those maps reads the same
/// answers. A generation is replaced whenever an import moves the dataset version, so what
/// is kept is never older than the rest of the read model. Bounded: each entry holds some
/// 1,741 respondents.
pub struct AnswerMemo {
    inner: Mutex<LruCache<AnswersKey, Arc<Answers>>>,
}

/// Questions whose answers a generation keeps.
const MEMO_ENTRIES: usize = 64;

impl Default for AnswerMemo {
    fn default() -> Self {
        Self {
            inner: Mutex::new(LruCache::new(
                NonZeroUsize::new(MEMO_ENTRIES).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }
}

impl AnswerMemo {
    /// The answers of `question` among `subject` in `edition`, read from the database the
    /// first time. Two requests for the same new key may both read it; one copy is kept.
    async fn answers(
        &self,
        db: &impl ConnectionTrait,
        edition: &str,
        question: &question::Model,
        subject: Subject,
    ) -> AppResult<Arc<Answers>> {
        let key = (edition.to_owned(), question.code.clone(), subject);
        if let Some(hit) = self
            .inner
            .lock()
            .ok()
            .and_then(|mut m| m.get(&key).cloned())
        {
            return Ok(hit);
        }
        let fresh = Arc::new(read_answers(db, edition, question, subject).await?);
        if let Ok(mut memo) = self.inner.lock() {
            memo.put(key, Arc::clone(&fresh));
        }
        Ok(fresh)
    }
}

/// Reads and gathers the answer rows of `question` from respondents asked it.
async fn read_answers(
    db: &impl ConnectionTrait,
    edition: &str,
    question: &question::Model,
    subject: Subject,
) -> AppResult<Answers> {
    let asked = aggregate::asked_codes(db, edition, question, subject).await?;
    let mut by_respondent: BTreeMap<String, Gathered> = BTreeMap::new();
    let mut sources = BTreeSet::new();
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
        let entry = by_respondent.entry(a.respondent_code).or_default();
        entry.options.extend(a.option_code);
        let rate = a
            .rate_hundredths
            .map(|h| store::stored_rate(a.id, h))
            .transpose()?;
        entry.number = entry
            .number
            .or(a.amount.map(|n| n as f64))
            .or(rate.map(Percent::value));
        entry.provenance = Some(entry.provenance.map_or(provenance, |p| p.with(provenance)));
    }
    Ok(Answers {
        by_respondent,
        sources,
    })
}

/// Values per respondent code for one question and subject, each with its provenance.
pub async fn own_values(
    db: &impl ConnectionTrait,
    memo: &AnswerMemo,
    edition: &str,
    question: &question::Model,
    subject: Subject,
    option: Option<&str>,
    sources: &mut BTreeSet<&'static str>,
) -> AppResult<HashMap<String, (RespondentValue, Provenance)>> {
    let answers = memo.answers(db, edition, question, subject).await?;
    sources.extend(answers.sources.iter().copied());
    Ok(answers
        .by_respondent
        .iter()
        .filter_map(|(code, gathered)| {
            let provenance = gathered.provenance?;
            let value = if question.kind.is_numeric() {
                gathered
                    .number
                    .map_or(RespondentValue::Missing, RespondentValue::Number)
            } else if let Some(option) = option {
                RespondentValue::choice(gathered.options.iter().any(|o| o == option))
            } else {
                gathered
                    .options
                    .first()
                    .map_or(RespondentValue::Missing, |o| {
                        RespondentValue::Category(o.clone())
                    })
            };
            Some((code.clone(), (value, provenance)))
        })
        .collect())
}
