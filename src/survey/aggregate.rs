//! Aggregates of stored answers, and the reconciliation of published figures against them.
//! Every number here is computed from the answer table (or, for "how many were asked", from
//! the universes and the parents' answers), never copied from the figure it is checked against.

use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::ConnectionTrait;

use super::catalogue::{Measure, Subject};
use super::source::{self, Provenance};
use super::universe;
use crate::domain::MunicipalityKind;
use crate::entity::{published_figure, question, survey_edition};
use crate::error::{AppError, AppResult};
use crate::repo::survey::{self as repo, Tally, TallyBy};
use crate::repo::{self as repos};

// The aggregates are served as they are: GraphQL output objects by derive, as sea-orm's
// GraphQL example serves its models, rather than copied field by field into `graphql/`.

/// One option's count in a group.
#[derive(Debug, Clone, PartialEq, async_graphql::SimpleObject)]
pub struct OptionCount {
    /// Option code.
    pub option: String,
    /// Respondents choosing it.
    pub count: i64,
    /// count / respondents.
    pub rate: Option<f64>,
}

/// One group of an aggregate.
#[derive(Debug, Clone, PartialEq, async_graphql::SimpleObject)]
pub struct AggregateGroup {
    /// "JP" for the nation, a prefecture code, a kind of municipality, or "PREFECTURE".
    pub key: String,
    /// Who was asked: the universe, and for follow-ups those giving the parent's answer.
    pub asked: i64,
    /// Who answered: the denominator of every rate.
    pub respondents: i64,
    /// Asked but without an answer (never counted as "no").
    pub missing: i64,
    /// Count per option.
    pub counts: Vec<OptionCount>,
    /// Total of the numbers given, for count questions.
    pub sum: Option<i64>,
    /// Unweighted mean of the shares given, in percent, for rate questions: each authority
    /// counts once, whatever its size.
    pub mean_rate: Option<f64>,
    /// With `per`: the group's counts over its value of the statistic, times the scale
    /// (Σ counts / Σ statistic × scale over the respondents with both; DX staff per 10,000
    /// residents).
    pub per_statistic: Option<f64>,
}

/// How many of those asked an indicator have an official value, a calibrated synthetic one,
/// or none.
#[derive(Debug, Clone, PartialEq, async_graphql::SimpleObject)]
pub struct Coverage {
    /// Who was asked: the universe, and for follow-ups those giving the parent's answer.
    pub asked: i64,
    /// With an official value: the authority's own answer.
    pub official: i64,
    /// With a calibrated synthetic value (not the authority's answer).
    pub synthetic: i64,
    /// Asked, without a value.
    pub missing: i64,
}

/// The coverage of `question` among `subject` in an edition.
pub async fn coverage(
    db: &impl ConnectionTrait,
    edition: &str,
    question: &question::Model,
    subject: Subject,
) -> AppResult<Coverage> {
    let asked = asked_codes(db, edition, question, subject).await?;
    let mut kinds: HashMap<String, Provenance> = HashMap::new();
    for a in repo::answers_to(db, edition, &question.code).await? {
        if !asked.contains(&a.respondent_code) {
            continue;
        }
        let code = a
            .source_code
            .ok_or_else(|| AppError::invariant(format!("answer {} has no source", a.id)))?;
        let kind = source::provenance_of(&code)
            .map_err(|e| AppError::internal("reading an answer's source", e))?;
        kinds
            .entry(a.respondent_code)
            .and_modify(|k| *k = k.with(kind))
            .or_insert(kind);
    }
    let count = |p: Provenance| kinds.values().filter(|k| **k == p).count();
    let answered = kinds.len();
    let as_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(Coverage {
        asked: as_i64(asked.len()),
        official: as_i64(count(Provenance::Official)),
        // An answer of several rows is official only when every row is.
        synthetic: as_i64(answered - count(Provenance::Official)),
        missing: as_i64(asked.len().saturating_sub(answered)),
    })
}

/// A respondent with what groups it.
#[derive(Debug, Clone)]
struct Member {
    code: String,
    prefecture: String,
    /// A municipality's kind; none for a prefecture.
    kind: Option<MunicipalityKind>,
}

async fn members(db: &impl ConnectionTrait, subject: Subject) -> AppResult<Vec<Member>> {
    Ok(match subject {
        Subject::Prefecture => repos::areas::prefectures(db)
            .await?
            .into_iter()
            .map(|p| Member {
                prefecture: p.code.clone(),
                code: p.code,
                kind: None,
            })
            .collect(),
        Subject::Municipality => repos::areas::municipalities(
            db,
            &repos::areas::MunicipalityFilter::default(),
            None,
            None,
        )
        .await?
        .into_iter()
        .map(|m| Member {
            code: m.code,
            prefecture: m.prefecture_code,
            kind: Some(m.kind),
        })
        .collect(),
    })
}

/// Codes of who is asked `question` among `subject` in an edition.
pub async fn asked_codes(
    db: &impl ConnectionTrait,
    edition: &str,
    question: &question::Model,
    subject: Subject,
) -> AppResult<HashSet<String>> {
    Ok(asked_members(db, edition, question, subject)
        .await?
        .into_iter()
        .map(|m| m.code)
        .collect())
}

/// Who is asked `question` among `subject`: its universe, and for a follow-up those who gave
/// the parent the conditioning answer.
async fn asked_members(
    db: &impl ConnectionTrait,
    edition: &str,
    question: &question::Model,
    subject: Subject,
) -> AppResult<Vec<Member>> {
    if !question.asked.includes(subject) {
        return Ok(Vec::new());
    }
    let mut all = members(db, subject).await?;
    if subject == Subject::Municipality {
        let size = question
            .municipal_universe
            .and_then(|u| u32::try_from(u).ok())
            .unwrap_or(1741);
        all.retain(|m| universe::includes(size, &m.code));
    }
    if let (Some(parent), Some(option)) = (&question.condition_question, &question.condition_option)
    {
        let chosen = repo::respondents_choosing(db, edition, parent, option).await?;
        all.retain(|m| chosen.contains(&m.code));
    }
    Ok(all)
}

/// How an aggregate is grouped, as a caller asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// The whole country.
    Nation,
    /// By prefecture.
    Prefecture,
    /// By kind of municipality.
    Kind,
    /// By population band (municipalities only).
    PopulationBand,
}

/// How an aggregate groups its respondents.
#[derive(Debug, Clone, Copy)]
pub enum Grouping<'a> {
    /// As the database groups them: nation, prefecture or kind.
    Stored(TallyBy),
    /// Each municipality into the group this map assigns it (its population band, say), the
    /// groups listed in `order`; a municipality the map lacks is in [`UNASSIGNED`].
    Assigned {
        /// Group per municipal code.
        groups: &'a HashMap<String, String>,
        /// The groups in the order they are listed.
        order: &'a [String],
    },
}

impl<'a> Grouping<'a> {
    /// The grouping of `group_by`: by the municipalities' population bands where `banded`
    /// assigns them (each municipality's band, and the bands in order), else as stored.
    pub fn of(
        group_by: GroupBy,
        banded: Option<&'a (HashMap<String, String>, Vec<String>)>,
    ) -> Self {
        match (banded, group_by) {
            (Some((groups, order)), _) => Self::Assigned { groups, order },
            (None, GroupBy::Prefecture) => Self::Stored(TallyBy::Prefecture),
            (None, GroupBy::Kind) => Self::Stored(TallyBy::Kind),
            (None, _) => Self::Stored(TallyBy::Nation),
        }
    }
}

/// The group of a municipality an assigned grouping has no group for.
pub const UNASSIGNED: &str = "UNASSIGNED";

fn group_key(member: &Member, grouping: Grouping<'_>) -> String {
    match grouping {
        Grouping::Stored(TallyBy::Nation) => "JP".into(),
        Grouping::Stored(TallyBy::Prefecture) => member.prefecture.clone(),
        Grouping::Stored(TallyBy::Kind) => member
            .kind
            .map_or("PREFECTURE", MunicipalityKind::as_str)
            .to_owned(),
        Grouping::Stored(TallyBy::Respondent) => member.code.clone(),
        Grouping::Assigned { groups, .. } => groups
            .get(&member.code)
            .cloned()
            .unwrap_or_else(|| UNASSIGNED.into()),
    }
}

/// Per-respondent tallies merged into the groups `groups` assigns. A group's mean rate is the
/// mean of its respondents' rates, each respondent counting once.
fn merged(
    per_respondent: BTreeMap<String, Tally>,
    groups: &HashMap<String, String>,
) -> BTreeMap<String, Tally> {
    let mut out: BTreeMap<String, Tally> = BTreeMap::new();
    let mut rates: HashMap<String, (f64, usize)> = HashMap::new();
    for (code, t) in per_respondent {
        let key = groups
            .get(&code)
            .cloned()
            .unwrap_or_else(|| UNASSIGNED.into());
        if let Some(rate) = t.mean_rate {
            let r = rates.entry(key.clone()).or_default();
            r.0 += rate;
            r.1 += 1;
        }
        let group = out.entry(key).or_default();
        group.respondents += t.respondents;
        for (option, n) in t.by_option {
            *group.by_option.entry(option).or_default() += n;
        }
        if let Some(sum) = t.sum {
            group.sum = Some(group.sum.unwrap_or(0) + sum);
        }
    }
    for (key, (sum, n)) in rates {
        if let Some(group) = out.get_mut(&key) {
            group.mean_rate = Some(sum / n as f64);
        }
    }
    out
}

/// A statistic a count is divided by, per municipality, and the factor.
#[derive(Debug, Clone, Copy)]
pub struct PerStatistic<'a> {
    /// The statistic's value per five-digit code.
    pub values: &'a HashMap<String, f64>,
    /// The factor (10000: per 10,000).
    pub scale: f64,
}

/// Each group's Σ counts / Σ statistic × scale, over the asked respondents with both.
async fn per_group(
    db: &impl ConnectionTrait,
    edition: &str,
    question: &question::Model,
    asked: &[Member],
    grouping: Grouping<'_>,
    per: PerStatistic<'_>,
) -> AppResult<HashMap<String, f64>> {
    let mut amounts: HashMap<String, i64> = HashMap::new();
    for a in repo::answers_to(db, edition, &question.code).await? {
        if let Some(n) = a.amount {
            *amounts.entry(a.respondent_code).or_default() += n;
        }
    }
    let mut sums: HashMap<String, (f64, f64)> = HashMap::new();
    for m in asked {
        if let (Some(n), Some(d)) = (amounts.get(&m.code), per.values.get(&m.code)) {
            let entry = sums.entry(group_key(m, grouping)).or_default();
            entry.0 += *n as f64;
            entry.1 += d;
        }
    }
    Ok(sums
        .into_iter()
        .filter(|(_, (_, d))| *d != 0.0)
        .map(|(key, (n, d))| (key, n / d * per.scale))
        .collect())
}

/// Aggregates one question for a subject by group; with `per`, a count question's groups
/// also give their counts per the statistic.
pub async fn aggregate(
    db: &impl ConnectionTrait,
    edition: &str,
    question: &question::Model,
    subject: Subject,
    grouping: Grouping<'_>,
    per: Option<PerStatistic<'_>>,
) -> AppResult<Vec<AggregateGroup>> {
    let options: Vec<String> = repo::options(db, std::slice::from_ref(&question.code))
        .await?
        .remove(&question.code)
        .unwrap_or_default()
        .into_iter()
        .map(|o| o.code)
        .collect();
    let asked = asked_members(db, edition, question, subject).await?;
    let mut asked_by_group: BTreeMap<String, i64> = BTreeMap::new();
    for m in &asked {
        *asked_by_group.entry(group_key(m, grouping)).or_default() += 1;
    }
    let tallies = match grouping {
        Grouping::Stored(group_by) => {
            repo::tally(db, edition, &question.code, subject, group_by).await?
        }
        Grouping::Assigned { groups, .. } => merged(
            repo::tally(db, edition, &question.code, subject, TallyBy::Respondent).await?,
            groups,
        ),
    };
    let ratios = match per {
        Some(per) => per_group(db, edition, question, &asked, grouping, per).await?,
        None => HashMap::new(),
    };
    let keys: HashSet<&String> = asked_by_group.keys().chain(tallies.keys()).collect();
    let mut keys: Vec<&String> = keys.into_iter().collect();
    match grouping {
        Grouping::Stored(_) => keys.sort(),
        Grouping::Assigned { order, .. } => {
            keys.sort_by_key(|k| order.iter().position(|o| o == *k).unwrap_or(order.len()));
        }
    }
    Ok(keys
        .into_iter()
        .map(|key| {
            let tally = tallies.get(key).cloned().unwrap_or_default();
            let asked = asked_by_group.get(key).copied().unwrap_or(0);
            AggregateGroup {
                key: key.clone(),
                asked,
                respondents: tally.respondents,
                missing: (asked - tally.respondents).max(0),
                counts: options
                    .iter()
                    .map(|o| {
                        let count = tally.by_option.get(o).copied().unwrap_or(0);
                        OptionCount {
                            option: o.clone(),
                            count,
                            rate: (tally.respondents > 0)
                                .then(|| count as f64 / tally.respondents as f64),
                        }
                    })
                    .collect(),
                sum: tally.sum,
                mean_rate: tally.mean_rate,
                per_statistic: ratios.get(key).copied(),
            }
        })
        .collect())
}

/// A published figure beside the value computed from the stored answers.
#[derive(Debug, Clone)]
pub struct Reconciled {
    /// The figure as published.
    pub figure: published_figure::Model,
    /// The same quantity computed from the database.
    pub computed: Option<i64>,
    /// The computed denominator (respondents who answered), for COUNT figures.
    pub computed_denominator: Option<i64>,
    /// Whether value (and denominator, where published) agree.
    pub matched: bool,
}

/// A national figure beside its recomputation.
#[derive(Debug, Clone)]
pub struct ReconciledNational {
    /// Code.
    pub code: String,
    /// As published.
    pub published: f64,
    /// Recomputed from the stored table, rounded as published.
    pub computed: Option<f64>,
    /// Whether they agree.
    pub matched: bool,
}

/// Where an aggregate of `question` over `subject` comes from: the kind of the answers (the
/// edition's provenance where none answered it), and the codes of their sources, in order.
pub async fn answered_by(
    db: &impl ConnectionTrait,
    edition: &survey_edition::Model,
    question: &str,
    subject: Subject,
) -> AppResult<(Provenance, Vec<String>)> {
    let sources = repo::question_sources(db, &edition.code).await?;
    let from = sources
        .get(&(question.to_owned(), subject))
        .map(Vec::as_slice)
        .unwrap_or_default();
    let provenance = source::provenance_of_sources(from).unwrap_or(edition.provenance);
    let mut codes: Vec<String> = from.iter().map(|(code, _)| code.clone()).collect();
    codes.sort();
    codes.dedup();
    Ok((provenance, codes))
}

/// What the answers say of a reconciled figure: the kind of those it was computed from, and,
/// where it does not match, why (see [`source::mismatch_note`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The kind of the answers the figure was computed from; `None` where none answered.
    pub computed_from: Option<Provenance>,
    /// Why the figure and its recomputation differ.
    pub note: Option<String>,
}

impl Reconciled {
    /// What the answers, of `sources` and dated by `dates` (a question's own reference date,
    /// else the edition's, `edition_date`), say of this figure.
    pub fn explained(
        &self,
        sources: &repo::QuestionSources,
        dates: &HashMap<String, Option<String>>,
        edition_date: &str,
    ) -> Explanation {
        let from = sources
            .get(&(self.figure.question_code.clone(), self.figure.subject))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let figure_date = dates
            .get(&self.figure.question_code)
            .cloned()
            .flatten()
            .unwrap_or_else(|| edition_date.to_owned());
        Explanation {
            computed_from: source::provenance_of_sources(from),
            note: (!self.matched)
                .then(|| source::mismatch_note(&figure_date, from))
                .flatten(),
        }
    }
}

fn group_matches(group: &str, kind: Option<MunicipalityKind>) -> bool {
    kind.is_some_and(|k| universe::group_of(k) == group)
}

/// Reconciles every published figure of an edition.
pub async fn reconcile(
    db: &impl ConnectionTrait,
    edition: &str,
) -> AppResult<(Vec<Reconciled>, Vec<ReconciledNational>)> {
    let figures = repo::published_figures(db, edition, None).await?;
    let mut tallies: HashMap<(String, Subject), Tally> = HashMap::new();
    let mut out = Vec::with_capacity(figures.len());
    for figure in figures {
        let subject = figure.subject;
        let question = repo::question(db, &figure.question_code)
            .await?
            .ok_or_else(|| AppError::invariant(format!("figure {}: no question", figure.id)))?;
        let key = (question.code.clone(), subject);
        if !tallies.contains_key(&key) {
            let t = repo::tally(db, edition, &question.code, subject, TallyBy::Nation)
                .await?
                .remove("JP")
                .unwrap_or_default();
            tallies.insert(key.clone(), t);
        }
        let tally = tallies.get(&key).cloned().unwrap_or_default();
        let (computed, computed_denominator) = match figure.measure {
            Measure::Count => (
                figure
                    .option_code
                    .as_ref()
                    .map(|o| tally.by_option.get(o).copied().unwrap_or(0)),
                Some(tally.respondents),
            ),
            Measure::Sum => (tally.sum, None),
            Measure::Respondents => {
                let asked = asked_members(db, edition, &question, subject).await?;
                let n = asked
                    .iter()
                    .filter(|m| {
                        figure
                            .group_code
                            .as_deref()
                            .is_none_or(|g| group_matches(g, m.kind))
                    })
                    .count();
                (i64::try_from(n).ok(), None)
            }
        };
        let matched = computed == Some(figure.value)
            && figure
                .denominator
                .is_none_or(|d| computed_denominator == Some(d));
        out.push(Reconciled {
            figure,
            computed,
            computed_denominator,
            matched,
        });
    }
    let rate = repo::weighted_online_rate(db, edition).await?;
    let national = repo::national_figures(db, edition)
        .await?
        .into_iter()
        .map(|n| {
            // The only national figure is the overall online rate of the 59 procedures,
            // which the table's totals and rates determine.
            let computed = (n.unit == "PERCENT")
                .then_some(rate)
                .flatten()
                .map(|r| (r * 10.0).round() / 10.0);
            ReconciledNational {
                matched: computed == Some(n.value),
                code: n.code,
                published: n.value,
                computed,
            }
        })
        .collect();
    Ok((out, national))
}
