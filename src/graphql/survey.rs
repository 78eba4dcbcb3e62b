//! The survey: editions, the indicator catalogue, per-authority answers, aggregates,
//! published figures and their reconciliation.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use sea_orm::{ActiveEnum, DatabaseConnection};

use super::data::db;
use crate::context::statistics as official;
use crate::dataset::spec as dataset_spec;
use crate::domain::survey::Subject as DomainSubject;
use crate::domain::Percent;
use crate::entity::{
    answer, online_procedure, published_figure, question, question_option, source as source_row,
    survey_edition, survey_section,
};
use crate::error::{AppError, GraphqlResultExt};
use crate::readmodel::ReadModel;
use crate::repo::survey as repo;
use crate::survey::aggregate;
use crate::survey::{source, store};

/// The edition named, or the newest one.
pub async fn resolve_edition(
    db: &DatabaseConnection,
    code: Option<&str>,
) -> Result<survey_edition::Model> {
    repo::edition_or_newest(db, code).await.gql()
}

async fn resolve_indicator(db: &DatabaseConnection, code: &str) -> Result<question::Model> {
    repo::question(db, code)
        .await
        .gql()?
        .ok_or_else(|| AppError::bad_argument("indicator", format!("no indicator `{code}`")))
        .gql()
}

/// Where per-authority answers come from: for one value its source's kind, for an edition or
/// an aggregate the kinds of all the answers it holds.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::survey::Provenance")]
pub enum Provenance {
    /// Published per-authority data (the dashboard table, the ministry's 個別データ).
    Official,
    /// Synthetic answers calibrated to reproduce every published total: not official.
    CalibratedSynthetic,
    /// Both: each value says which it is.
    Mixed,
}

/// The provenance of one value of the source stored as `code`.
pub fn value_provenance(code: &str) -> Result<Provenance, AppError> {
    source::provenance_of(code)
        .map(Into::into)
        .map_err(|e| AppError::internal("reading an answer's source", e))
}

/// Prefectures or municipalities.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::survey::Subject")]
pub enum Subject {
    /// 都道府県.
    Prefecture,
    /// 市区町村.
    Municipality,
}

/// How an aggregate is grouped.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::survey::aggregate::GroupBy")]
pub enum GroupBy {
    /// The whole country.
    Nation,
    /// By prefecture.
    Prefecture,
    /// By kind of municipality.
    Kind,
    /// By population band of the 2020 census (SSDSE-A `A1101`): `bands` gives the
    /// thresholds, by default 10,000, 50,000, 100,000 and 300,000 (under 10,000; 10,000–50,000;
    /// 50,000–100,000; 100,000–300,000; 300,000 and over). Municipalities only.
    PopulationBand,
}

/// A source of answers: who published it, where, under which terms, and the files read.
pub struct SourceRecord(pub source_row::Model);

#[Object(name = "Source")]
impl SourceRecord {
    /// Code, as every answer of it names it.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// OFFICIAL or CALIBRATED_SYNTHETIC.
    async fn provenance(&self) -> Result<Provenance> {
        value_provenance(&self.0.code).gql()
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Publisher.
    async fn publisher(&self) -> &str {
        &self.0.publisher
    }
    /// Where the original is published.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// The credit line its terms require.
    async fn credit(&self) -> Option<&str> {
        self.0.credit.as_deref()
    }
    /// Licence or terms.
    async fn licence(&self) -> Option<&str> {
        self.0.licence.as_deref()
    }
    /// Publication date, where known.
    async fn published(&self) -> Option<&str> {
        self.0.published.as_deref()
    }
    /// The files read, each as `sha256  name`.
    async fn files(&self) -> Vec<&str> {
        self.0.files.lines().collect()
    }
}

/// One source of an edition's answers.
#[derive(SimpleObject)]
pub struct EditionSource {
    /// The source.
    pub source: SourceRecord,
    /// Its kind.
    pub provenance: Provenance,
    /// Answer rows it gave.
    pub answers: i64,
}

/// Links to an edition as one dataset, root-relative as a map's `downloads` are. The files
/// hold official values only; add `include=synthetic` for the calibrated synthetic ones too,
/// each marked.
#[derive(SimpleObject)]
pub struct SurveyDownloads {
    /// One row per authority, one column per indicator and option, as CSV (UTF-8 without a
    /// byte-order mark: pandas, R).
    pub wide_csv: String,
    /// The same CSV with a UTF-8 byte-order mark, which Excel needs to read the names.
    pub wide_excel_csv: String,
    /// The wide table as an Excel workbook: codes as text, numbers as numbers, a sheet
    /// describing the columns and one of credits.
    pub wide_xlsx: String,
    /// One row per authority, indicator and option, with provenance, source and reference
    /// date, as CSV.
    pub long_csv: String,
    /// The long table as an Excel workbook.
    pub long_xlsx: String,
    /// SSDSE-A statistics per municipality, joinable by `code`, as CSV.
    pub statistics_csv: String,
    /// A zip of the tables as CSV, the boundaries as GeoPackage, `datapackage.json`
    /// (Frictionless Data Package) and a README with the credit lines.
    pub package: String,
}

impl From<dataset_spec::Links> for SurveyDownloads {
    fn from(l: dataset_spec::Links) -> Self {
        Self {
            wide_csv: l.wide_csv,
            wide_excel_csv: l.wide_excel_csv,
            wide_xlsx: l.wide_xlsx,
            long_csv: l.long_csv,
            long_xlsx: l.long_xlsx,
            statistics_csv: l.statistics_csv,
            package: l.package,
        }
    }
}

/// A survey edition.
pub struct SurveyEdition(pub survey_edition::Model);

#[Object]
impl SurveyEdition {
    /// Code, e.g. R5 (令和5年度).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Status date of the answers (ISO 8601).
    async fn reference_date(&self) -> &str {
        &self.0.reference_date
    }
    /// The published source.
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// Where the per-authority answers come from: OFFICIAL, CALIBRATED_SYNTHETIC, or MIXED
    /// (see `sources`).
    async fn provenance(&self) -> Result<Provenance> {
        Ok(self.0.provenance.into())
    }
    /// The sources of the edition's answers, with how many answer rows each gave.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<EditionSource>> {
        let db = db(ctx);
        let mut out = Vec::new();
        for (code, answers) in repo::source_counts(db, &self.0.code).await.gql()? {
            let record = repo::source(db, &code)
                .await
                .gql()?
                .ok_or_else(|| {
                    AppError::invariant(format!(
                        "answers name source `{code}`, which has no record"
                    ))
                })
                .gql()?;
            out.push(EditionSource {
                provenance: value_provenance(&code).gql()?,
                source: SourceRecord(record),
                answers,
            });
        }
        Ok(out)
    }
    /// What the provenance means for individual values.
    async fn provenance_note(&self) -> &str {
        &self.0.provenance_note
    }
    /// Increases with every import of answers.
    async fn data_version(&self) -> i64 {
        self.0.data_version
    }
    /// The edition as one dataset: wide and long tables, statistics and a data package.
    async fn downloads(&self) -> SurveyDownloads {
        dataset_spec::links(&self.0.code).into()
    }
}

/// A section of the survey summary.
#[derive(SimpleObject)]
pub struct Section {
    /// Numbering: (1)①1 is "1-1-1".
    pub code: String,
    /// Heading as written.
    pub label_ja: String,
    /// English heading.
    pub label_en: String,
}

impl From<survey_section::Model> for Section {
    fn from(s: survey_section::Model) -> Self {
        Self {
            code: s.code,
            label_ja: s.label_ja,
            label_en: s.label_en,
        }
    }
}

/// An answer option.
#[derive(SimpleObject)]
pub struct IndicatorOption {
    /// Code, e.g. "yes".
    pub code: String,
    /// Label as written.
    pub label_ja: String,
    /// English label.
    pub label_en: String,
}

impl From<question_option::Model> for IndicatorOption {
    fn from(o: question_option::Model) -> Self {
        Self {
            code: o.code,
            label_ja: o.label_ja,
            label_en: o.label_en,
        }
    }
}

/// A follow-up's condition.
#[derive(SimpleObject)]
pub struct IndicatorCondition {
    /// The parent indicator.
    pub indicator: String,
    /// The parent's option that leads to this question.
    pub option: String,
}

/// A question of the survey (an indicator).
pub struct Indicator(pub question::Model);

#[Object]
impl Indicator {
    /// Stable readable code, e.g. "cio.appointed".
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Section numbering.
    async fn section(&self) -> &str {
        &self.0.section_code
    }
    /// Label as written in the summary.
    async fn label_ja(&self) -> &str {
        &self.0.label_ja
    }
    /// English label.
    async fn label_en(&self) -> &str {
        &self.0.label_en
    }
    /// YES_NO, SINGLE_CHOICE, MULTIPLE_CHOICE, COUNT, PLANNING_STATUS or RATE.
    #[graphql(name = "type")]
    async fn kind(&self) -> String {
        self.0.kind.to_value()
    }
    /// BOTH, PREFECTURES or MUNICIPALITIES.
    async fn asked(&self) -> String {
        self.0.asked.to_value()
    }
    /// 1733 or 1741 municipalities (the summary's percentages tell which).
    async fn municipal_universe(&self) -> Option<i32> {
        self.0.municipal_universe
    }
    /// For follow-ups: who is asked.
    async fn condition(&self) -> Option<IndicatorCondition> {
        Some(IndicatorCondition {
            indicator: self.0.condition_question.clone()?,
            option: self.0.condition_option.clone()?,
        })
    }
    /// Where the status date differs from the edition's.
    async fn reference_date(&self) -> Option<&str> {
        self.0.reference_date.as_deref()
    }
    /// Where the figures come from another survey.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
    /// False when the summary names the question without a figure: no answers exist.
    async fn has_data(&self) -> bool {
        self.0.has_data
    }
    /// Remarks on how the question is modelled.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// How many of those asked have an official value, a calibrated synthetic one, or none,
    /// in an edition (default: the newest), among municipalities where they are asked (else
    /// prefectures) unless `subject` says.
    #[graphql(complexity = "crate::graphql::cost::COVERAGE.saturating_add(child_complexity)")]
    async fn coverage(
        &self,
        ctx: &Context<'_>,
        edition: Option<String>,
        subject: Option<Subject>,
    ) -> Result<aggregate::Coverage> {
        let db = db(ctx);
        let edition = resolve_edition(db, edition.as_deref()).await?;
        let subject = subject.map_or_else(
            || {
                if self.0.asked.includes(DomainSubject::Municipality) {
                    DomainSubject::Municipality
                } else {
                    DomainSubject::Prefecture
                }
            },
            Into::into,
        );
        aggregate::coverage(db, &edition.code, &self.0, subject)
            .await
            .gql()
    }
    /// Answer options, in order.
    async fn options(&self, ctx: &Context<'_>) -> Result<Vec<IndicatorOption>> {
        Ok(repo::options(db(ctx), std::slice::from_ref(&self.0.code))
            .await
            .gql()?
            .remove(&self.0.code)
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// One authority's answer to one indicator, with where it comes from: an OFFICIAL value is
/// the authority's own answer; a CALIBRATED_SYNTHETIC one belongs to a dataset that
/// reproduces the published totals, not to the authority.
#[derive(SimpleObject)]
pub struct AnswerValue {
    /// The indicator.
    pub indicator: String,
    /// Options chosen (one for single-answer questions; none for counts).
    pub options: Vec<String>,
    /// The number given, for count questions.
    pub amount: Option<i64>,
    /// The share given, in percent (0-100), for rate questions.
    pub rate: Option<f64>,
    /// OFFICIAL or CALIBRATED_SYNTHETIC.
    pub provenance: Provenance,
    /// The source's code (see `sources`).
    pub source: String,
    /// The date the value holds for, ISO 8601; null where its source does not state one.
    pub reference_date: Option<String>,
}

fn answer_values(rows: Vec<answer::Model>) -> Result<Vec<AnswerValue>, AppError> {
    let mut out: Vec<AnswerValue> = Vec::new();
    for row in rows {
        match out.last_mut() {
            Some(last) if last.indicator == row.question_code => {
                last.options.extend(row.option_code);
                last.amount = last.amount.or(row.amount);
            }
            _ => {
                let source = row.source_code.ok_or_else(|| {
                    AppError::invariant(format!("answer {} has no source", row.id))
                })?;
                let rate = row
                    .rate_hundredths
                    .map(|h| store::stored_rate(row.id, h))
                    .transpose()?;
                out.push(AnswerValue {
                    indicator: row.question_code,
                    options: row.option_code.into_iter().collect(),
                    amount: row.amount,
                    rate: rate.map(Percent::value),
                    provenance: value_provenance(&source)?,
                    source,
                    reference_date: row.reference_date,
                });
            }
        }
    }
    Ok(out)
}

/// All answers of a respondent in an edition, by indicator.
pub async fn answers_of(
    ctx: &Context<'_>,
    respondent: &str,
    edition: Option<&str>,
) -> Result<Vec<AnswerValue>> {
    let db = db(ctx);
    let edition = resolve_edition(db, edition).await?;
    let rows = repo::answers_of(db, &edition.code, respondent, None)
        .await
        .gql()?;
    answer_values(rows).gql()
}

/// A respondent's answer to one indicator; null outside the question's universe or unanswered.
pub async fn value_of(
    ctx: &Context<'_>,
    respondent: &str,
    indicator: &str,
    edition: Option<&str>,
) -> Result<Option<AnswerValue>> {
    let db = db(ctx);
    let edition = resolve_edition(db, edition).await?;
    resolve_indicator(db, indicator).await?;
    let rows = repo::answers_of(db, &edition.code, respondent, Some(indicator))
        .await
        .gql()?;
    Ok(answer_values(rows).gql()?.pop())
}

/// An indicator aggregated over respondents. Totals are exact for every provenance.
#[derive(SimpleObject)]
pub struct Aggregate {
    /// The indicator.
    pub indicator: String,
    /// The edition.
    pub edition: String,
    /// Whose answers.
    pub subject: Subject,
    /// The kind of the answers it was computed from: OFFICIAL, CALIBRATED_SYNTHETIC or MIXED.
    pub provenance: Provenance,
    /// The codes of the sources of those answers (see `surveys { sources }`).
    pub sources: Vec<String>,
    /// The groups.
    pub groups: Vec<aggregate::AggregateGroup>,
}

/// A number written in the survey summary.
pub struct PublishedFigure(pub published_figure::Model);

#[Object]
impl PublishedFigure {
    /// The indicator it counts.
    async fn indicator(&self) -> &str {
        &self.0.question_code
    }
    /// PREFECTURE or MUNICIPALITY.
    async fn subject(&self) -> &str {
        self.0.subject.as_str()
    }
    /// COUNT (respondents choosing `option`), SUM (of a count indicator) or RESPONDENTS (how many were asked).
    async fn measure(&self) -> String {
        self.0.measure.to_value()
    }
    /// The option counted.
    async fn option(&self) -> Option<&str> {
        self.0.option_code.as_deref()
    }
    /// A breakdown by kind of municipality, where the summary gives one.
    async fn group(&self) -> Option<&str> {
        self.0.group_code.as_deref()
    }
    /// The number.
    async fn value(&self) -> i64 {
        self.0.value
    }
    /// Who was asked.
    async fn denominator(&self) -> Option<i64> {
        self.0.denominator
    }
    /// The percentage as written.
    async fn percent(&self) -> Option<f64> {
        self.0.percent
    }
    /// The phrase of the summary it comes from.
    async fn quote(&self) -> &str {
        &self.0.quote
    }
    /// True when implied by the summary's percentages rather than written.
    async fn derived(&self) -> bool {
        self.0.derived
    }
}

/// A published figure beside the same quantity computed from the stored answers.
#[derive(SimpleObject)]
pub struct ReconciledFigure {
    /// As published.
    pub figure: PublishedFigure,
    /// Computed by an aggregate query over the answers.
    pub computed: Option<i64>,
    /// Computed denominator (respondents who answered), for COUNT figures.
    pub computed_denominator: Option<i64>,
    /// Value and denominator agree.
    pub matched: bool,
    /// The kind of the answers it was computed from.
    pub computed_from: Option<Provenance>,
    /// Why the figure and the computation differ, where the answers say: official answers of
    /// another date than the figure's.
    pub note: Option<String>,
}

/// A national figure beside its recomputation.
#[derive(SimpleObject)]
pub struct ReconciledNationalFigure {
    /// Code.
    pub code: String,
    /// As published.
    pub published: f64,
    /// Recomputed from the stored table.
    pub computed: Option<f64>,
    /// They agree.
    pub matched: bool,
}

/// How the stored answers of an edition compare with the published figures.
#[derive(SimpleObject)]
pub struct Reconciliation {
    /// The edition.
    pub edition: String,
    /// Where its answers come from.
    pub provenance: Provenance,
    /// Figures checked.
    pub total: i64,
    /// Figures that agree.
    pub matched: i64,
    /// Every figure agrees.
    pub all_matched: bool,
    /// Every figure.
    pub figures: Vec<ReconciledFigure>,
    /// National figures.
    pub national: Vec<ReconciledNationalFigure>,
}

/// Queries over the survey.
#[derive(Default)]
pub struct SurveyQuery;

#[Object]
impl SurveyQuery {
    /// Survey editions, newest first.
    async fn surveys(&self, ctx: &Context<'_>) -> Result<Vec<SurveyEdition>> {
        Ok(repo::editions(db(ctx))
            .await
            .gql()?
            .into_iter()
            .map(SurveyEdition)
            .collect())
    }

    /// Sections of the survey summary.
    async fn sections(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
        Ok(repo::sections(db(ctx))
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Indicators in the summary's order, of one section (with its subsections) and asked of one subject if given.
    #[graphql(
        complexity = "crate::graphql::cost::times(crate::graphql::cost::INDICATORS, child_complexity)"
    )]
    async fn indicators(
        &self,
        ctx: &Context<'_>,
        section: Option<String>,
        subject: Option<Subject>,
    ) -> Result<Vec<Indicator>> {
        let mut questions = repo::questions(db(ctx), section.as_deref()).await.gql()?;
        if let Some(subject) = subject {
            questions.retain(|q| q.asked.includes(subject.into()));
        }
        Ok(questions.into_iter().map(Indicator).collect())
    }

    /// One indicator by code; null if none.
    async fn indicator(&self, ctx: &Context<'_>, code: String) -> Result<Option<Indicator>> {
        Ok(repo::question(db(ctx), &code).await.gql()?.map(Indicator))
    }

    /// An indicator aggregated over the answers of an edition (default: the newest).
    // A GraphQL field's arguments are its resolver's parameters.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::cost::AGGREGATE.saturating_add(child_complexity)")]
    async fn aggregate(
        &self,
        ctx: &Context<'_>,
        indicator: String,
        edition: Option<String>,
        subject: Subject,
        #[graphql(default_with = "GroupBy::Nation")] group_by: GroupBy,
        bands: Option<Vec<i64>>,
        #[graphql(
            desc = "For a count: also each group's counts per this statistic (A1101: per resident)"
        )]
        per: Option<String>,
        #[graphql(desc = "The factor of per (10000: per 10,000 residents); default 1")]
        scale: Option<f64>,
    ) -> Result<Aggregate> {
        let db = db(ctx);
        let edition = resolve_edition(db, edition.as_deref()).await?;
        let question = resolve_indicator(db, &indicator).await?;
        let statistics = ctx.data_unchecked::<Arc<ReadModel>>().statistics();
        let banded =
            official::population_bands(&statistics, group_by.into(), subject.into(), bands)
                .gql()?;
        let grouping = aggregate::Grouping::of(group_by.into(), banded.as_ref());
        let per_values = official::per_statistic(
            &statistics,
            &question,
            subject.into(),
            per.as_deref(),
            scale,
        )
        .gql()?;
        let per = per_values.map(|(values, scale)| aggregate::PerStatistic {
            values: &values.values,
            scale,
        });
        let groups =
            aggregate::aggregate(db, &edition.code, &question, subject.into(), grouping, per)
                .await
                .gql()?;
        let (provenance, sources) =
            aggregate::answered_by(db, &edition, &question.code, subject.into())
                .await
                .gql()?;
        Ok(Aggregate {
            indicator,
            edition: edition.code,
            subject,
            provenance: provenance.into(),
            sources,
            groups,
        })
    }

    /// Numbers written in the survey summary, of one section if given.
    async fn published_figures(
        &self,
        ctx: &Context<'_>,
        section: Option<String>,
        edition: Option<String>,
    ) -> Result<Vec<PublishedFigure>> {
        let db = db(ctx);
        let edition = resolve_edition(db, edition.as_deref()).await?;
        Ok(
            repo::published_figures(db, &edition.code, section.as_deref())
                .await
                .gql()?
                .into_iter()
                .map(PublishedFigure)
                .collect(),
        )
    }

    /// Every published figure beside the value computed from the stored answers.
    #[graphql(complexity = "crate::graphql::cost::RECONCILE.saturating_add(child_complexity)")]
    async fn reconcile(
        &self,
        ctx: &Context<'_>,
        edition: Option<String>,
    ) -> Result<Reconciliation> {
        let db = db(ctx);
        let edition = resolve_edition(db, edition.as_deref()).await?;
        let (figures, national) = aggregate::reconcile(db, &edition.code).await.gql()?;
        let sources = repo::question_sources(db, &edition.code).await.gql()?;
        let dates = repo::question_dates(db).await.gql()?;
        let matched =
            i64::try_from(figures.iter().filter(|f| f.matched).count()).unwrap_or(i64::MAX);
        let total = i64::try_from(figures.len()).unwrap_or(i64::MAX);
        let national: Vec<ReconciledNationalFigure> = national
            .into_iter()
            .map(|n| ReconciledNationalFigure {
                code: n.code,
                published: n.published,
                computed: n.computed,
                matched: n.matched,
            })
            .collect();
        Ok(Reconciliation {
            edition: edition.code,
            provenance: edition.provenance.into(),
            total,
            matched,
            all_matched: matched == total && national.iter().all(|n| n.matched),
            figures: figures
                .into_iter()
                .map(|f| {
                    let explained = f.explained(&sources, &dates, &edition.reference_date);
                    ReconciledFigure {
                        note: explained.note,
                        figure: PublishedFigure(f.figure),
                        computed: f.computed,
                        computed_denominator: f.computed_denominator,
                        matched: f.matched,
                        computed_from: explained.computed_from.map(Into::into),
                    }
                })
                .collect(),
            national,
        })
    }

    /// The 59 online procedures with their annual totals and online rates (national estimates).
    async fn online_procedures(
        &self,
        ctx: &Context<'_>,
        edition: Option<String>,
    ) -> Result<Vec<online_procedure::Model>> {
        let db = db(ctx);
        let edition = resolve_edition(db, edition.as_deref()).await?;
        repo::online_procedures(db, &edition.code).await.gql()
    }
}
