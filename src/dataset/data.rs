//! One edition of the survey gathered for its tables: the authorities of the read model's
//! atlas, the indicators with their options, every answer with its source and reference
//! date, and the generation's statistics. Gathered once per read-model generation and edition
//! ([`super::store`]); every table and file of the edition is written from it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use sea_orm::ConnectionTrait;

use crate::context::statistics::Statistics;
use crate::domain::MunicipalityKind;
use crate::entity::{question, question_option, survey_edition};
use crate::error::{AppError, AppResult};
use crate::readmodel::Generation;
use crate::repo;
use crate::spatial::atlas::Area;
use crate::survey::catalogue::Subject;
use crate::survey::source::{self, Provenance, SourceInfo};
use crate::survey::store;

/// An authority: a prefecture or a municipality.
#[derive(Debug, Clone, PartialEq)]
pub struct Authority {
    /// Two digits for a prefecture, five for a municipality (JIS X 0401/0402).
    pub code: String,
    /// Japanese name.
    pub name: String,
    /// Prefecture or municipality.
    pub subject: Subject,
    /// Kind of municipality; `None` for a prefecture.
    pub kind: Option<MunicipalityKind>,
    /// Two-digit prefecture code (its own for a prefecture).
    pub prefecture: String,
    /// Japanese name of the prefecture.
    pub prefecture_name: String,
    /// Position in its atlas layer, where its boundary is.
    pub position: usize,
}

/// An indicator of the catalogue with its options, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// The question.
    pub question: question::Model,
    /// Its options (none for counts and rates).
    pub options: Vec<question_option::Model>,
}

/// One authority's answer to one indicator, gathered from its answer rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// Options chosen.
    pub options: Vec<String>,
    /// The number given to a count question.
    pub amount: Option<i64>,
    /// The share given to a rate question, in percent.
    pub rate: Option<f64>,
    /// Official or calibrated synthetic (mixed if its rows come from both).
    pub provenance: Provenance,
    /// The source of its first row.
    pub source: &'static SourceInfo,
    /// Its own reference date, where its source states one.
    pub reference_date: Option<String>,
}

/// An edition's answers and everything the tables describe them with.
pub struct SurveyData {
    /// The edition.
    pub edition: survey_edition::Model,
    /// Prefectures in code order, then municipalities in code order (administered ones).
    pub authorities: Vec<Authority>,
    /// Indicators with answers, in the summary's order.
    pub indicators: Vec<Indicator>,
    /// Answers by (indicator, respondent).
    pub values: HashMap<(String, String), Value>,
    /// The sources the answers come from.
    pub sources: BTreeSet<&'static str>,
    /// The generation's statistics.
    pub statistics: Arc<Statistics>,
    /// The generation's spatial model, for the boundaries.
    pub atlas: Arc<crate::spatial::atlas::Atlas>,
}

impl SurveyData {
    /// The answer of `respondent` to `indicator`; only an official one unless `synthetic`.
    pub fn value(&self, indicator: &str, respondent: &str, synthetic: bool) -> Option<&Value> {
        self.values
            .get(&(indicator.to_owned(), respondent.to_owned()))
            .filter(|v| synthetic || v.provenance == Provenance::Official)
    }
}

/// Gathers `edition` of the survey over `generation`.
pub async fn gather(
    db: &impl ConnectionTrait,
    generation: &Generation,
    edition: survey_edition::Model,
) -> AppResult<SurveyData> {
    let questions: Vec<question::Model> = repo::survey::questions(db, None)
        .await?
        .into_iter()
        .filter(|q| q.has_data)
        .collect();
    let codes: Vec<String> = questions.iter().map(|q| q.code.clone()).collect();
    let mut options = repo::survey::options(db, &codes).await?;
    let indicators = questions
        .into_iter()
        .map(|question| Indicator {
            options: options.remove(&question.code).unwrap_or_default(),
            question,
        })
        .collect();
    let mut values: HashMap<(String, String), Value> = HashMap::new();
    let mut sources = BTreeSet::new();
    // One read of every answer of the edition: the tables hold them all.
    for (answer, code, reference_date) in store::all_sourced_answers(db, &edition.code).await? {
        let info = source::by_code(&code)
            .map_err(|e| AppError::internal("reading an answer's source", e))?;
        let provenance: Provenance = info.kind.into();
        sources.insert(info.code);
        let value = values
            .entry((answer.question, answer.respondent))
            .or_insert_with(|| Value {
                options: Vec::new(),
                amount: None,
                rate: None,
                provenance,
                source: info,
                reference_date,
            });
        value.options.extend(answer.option);
        value.amount = value.amount.or(answer.amount);
        value.rate = value
            .rate
            .or(answer.rate.map(crate::domain::Percent::value));
        value.provenance = value.provenance.with(provenance);
    }
    Ok(SurveyData {
        authorities: authorities(&generation.atlas),
        edition,
        indicators,
        values,
        sources,
        statistics: Arc::clone(&generation.statistics),
        atlas: Arc::clone(&generation.atlas),
    })
}

/// The atlas's prefectures, then its administered municipalities (the six Northern
/// Territories villages are in no universe of the survey).
fn authorities(atlas: &crate::spatial::atlas::Atlas) -> Vec<Authority> {
    let prefecture_names: HashMap<&str, &str> = atlas
        .prefectures
        .areas
        .iter()
        .map(|p| (p.code.as_str(), p.name.as_str()))
        .collect();
    let authority = |(position, area): (usize, &Area), subject: Subject| Authority {
        code: area.code.clone(),
        name: area.name.clone(),
        subject,
        kind: area.kind,
        prefecture: area.prefecture.clone(),
        prefecture_name: prefecture_names
            .get(area.prefecture.as_str())
            .map_or_else(String::new, |n| (*n).to_owned()),
        position,
    };
    let mut prefectures: Vec<Authority> = atlas
        .prefectures
        .areas
        .iter()
        .enumerate()
        .map(|a| authority(a, Subject::Prefecture))
        .collect();
    let mut municipalities: Vec<Authority> = atlas
        .municipalities
        .areas
        .iter()
        .enumerate()
        .filter(|(_, a)| a.administered)
        .map(|a| authority(a, Subject::Municipality))
        .collect();
    prefectures.sort_by(|a, b| a.code.cmp(&b.code));
    municipalities.sort_by(|a, b| a.code.cmp(&b.code));
    prefectures.extend(municipalities);
    prefectures
}
