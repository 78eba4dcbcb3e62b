//! Writes the survey's records: an edition, its catalogue and published figures, its sources
//! and answers; and reads all answers back for comparison. Callers run these inside an
//! import's transaction, so that a failure leaves nothing written.

use std::collections::HashSet;

use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use super::answer::Answer;
use super::catalogue::{Catalogue, Figure, NationalFigure, OnlineProcedure, Question, Section};
use super::source::{SourceInfo, Sourced};
use crate::domain::survey::{Provenance, Subject};
use crate::domain::Percent;
use crate::entity::{
    answer, national_figure, online_procedure, published_figure, question, question_option, source,
    survey_edition, survey_section,
};
use crate::error::{AppError, AppResult};

/// Rows per INSERT of answers: eight columns a row stay under SQLite's 32,766 bound variables.
const ANSWER_ROWS: usize = 1000;
/// Rows per INSERT of the wider catalogue tables (up to fourteen columns).
const CATALOGUE_ROWS: usize = 50;

/// A position in a list, as stored (the catalogue holds a few hundred rows at most).
fn position(index: usize) -> i32 {
    i32::try_from(index).unwrap_or(i32::MAX)
}

/// What an edition's row is written from.
pub struct EditionInfo {
    /// Code.
    pub code: &'static str,
    /// Title.
    pub title: &'static str,
    /// Status date.
    pub reference_date: &'static str,
    /// Source.
    pub source: &'static str,
}

/// Writes an edition's row.
pub async fn insert_edition(
    db: &impl ConnectionTrait,
    info: &EditionInfo,
    provenance: Provenance,
    note: &str,
) -> AppResult<()> {
    survey_edition::Entity::insert(survey_edition::ActiveModel {
        code: Set(info.code.to_owned()),
        title: Set(info.title.to_owned()),
        reference_date: Set(info.reference_date.to_owned()),
        source: Set(info.source.to_owned()),
        provenance: Set(provenance),
        provenance_note: Set(note.to_owned()),
        data_version: Set(1),
    })
    .exec(db)
    .await?;
    Ok(())
}

/// Sets an edition's provenance and bumps its data version.
pub async fn set_provenance(
    db: &impl ConnectionTrait,
    edition: &survey_edition::Model,
    provenance: Provenance,
    note: &str,
) -> AppResult<()> {
    survey_edition::Entity::update(survey_edition::ActiveModel {
        code: Set(edition.code.clone()),
        provenance: Set(provenance),
        provenance_note: Set(note.to_owned()),
        data_version: Set(edition.data_version + 1),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}

/// Writes the catalogue (sections, questions and options not yet stored) and the edition's
/// published figures, online procedures and national figures.
pub async fn insert_catalogue(
    db: &impl ConnectionTrait,
    edition: &str,
    catalogue: &Catalogue,
) -> AppResult<()> {
    insert_sections(db, &catalogue.sections).await?;
    insert_questions(db, &catalogue.questions).await?;
    insert_figures(db, edition, &catalogue.figures).await?;
    insert_procedures(db, edition, &catalogue.online_procedures).await?;
    insert_national_figures(db, edition, &catalogue.national_figures).await
}

/// Sections are shared by editions: only those not stored yet are written.
async fn insert_sections(db: &impl ConnectionTrait, sections: &[Section]) -> AppResult<()> {
    let known: HashSet<String> = survey_section::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.code)
        .collect();
    let fresh: Vec<_> = sections
        .iter()
        .enumerate()
        .filter(|(_, s)| !known.contains(&s.code))
        .map(|(i, s)| survey_section::ActiveModel {
            code: Set(s.code.clone()),
            position: Set(position(i)),
            label_ja: Set(s.label_ja.clone()),
            label_en: Set(s.label_en.clone()),
        })
        .collect();
    if !fresh.is_empty() {
        survey_section::Entity::insert_many(fresh).exec(db).await?;
    }
    Ok(())
}

/// Questions are shared by editions: those not stored yet are written with their options.
async fn insert_questions(db: &impl ConnectionTrait, questions: &[Question]) -> AppResult<()> {
    let known: HashSet<String> = question::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|q| q.code)
        .collect();
    let fresh: Vec<_> = questions
        .iter()
        .enumerate()
        .filter(|(_, q)| !known.contains(&q.code))
        .collect();
    for chunk in fresh.chunks(CATALOGUE_ROWS) {
        question::Entity::insert_many(chunk.iter().map(|&(i, q)| question_row(i, q)))
            .exec(db)
            .await?;
    }
    let options: Vec<_> = fresh
        .iter()
        .flat_map(|(_, q)| {
            q.options
                .iter()
                .enumerate()
                .map(|(i, o)| question_option::ActiveModel {
                    question_code: Set(q.code.clone()),
                    code: Set(o.code.clone()),
                    position: Set(position(i)),
                    label_ja: Set(o.label_ja.clone()),
                    label_en: Set(o.label_en.clone()),
                })
        })
        .collect();
    for chunk in options.chunks(CATALOGUE_ROWS * 2) {
        question_option::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

fn question_row(index: usize, q: &Question) -> question::ActiveModel {
    question::ActiveModel {
        code: Set(q.code.clone()),
        section_code: Set(q.section.clone()),
        position: Set(position(index)),
        label_ja: Set(q.label_ja.clone()),
        label_en: Set(q.label_en.clone()),
        kind: Set(q.kind),
        asked: Set(q.asked),
        municipal_universe: Set(q
            .municipal_universe
            .map(|u| i32::try_from(u).unwrap_or(i32::MAX))),
        condition_question: Set(q.condition.as_ref().map(|c| c.question.clone())),
        condition_option: Set(q.condition.as_ref().map(|c| c.option.clone())),
        reference_date: Set(q.reference_date.clone()),
        source: Set(q.source.clone()),
        has_data: Set(q.has_data),
        note: Set(q.note.clone()),
    }
}

async fn insert_figures(
    db: &impl ConnectionTrait,
    edition: &str,
    figures: &[Figure],
) -> AppResult<()> {
    let rows: Vec<_> = figures
        .iter()
        .enumerate()
        .map(|(i, f)| published_figure::ActiveModel {
            id: NotSet,
            edition_code: Set(edition.to_owned()),
            position: Set(position(i)),
            question_code: Set(f.question.clone()),
            subject: Set(f.subject),
            measure: Set(f.measure),
            option_code: Set(f.option.clone()),
            group_code: Set(f.group.clone()),
            value: Set(f.value),
            denominator: Set(f.denominator),
            percent: Set(f.percent),
            quote: Set(f.quote.clone()),
            derived: Set(f.derived),
        })
        .collect();
    for chunk in rows.chunks(CATALOGUE_ROWS) {
        published_figure::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

async fn insert_procedures(
    db: &impl ConnectionTrait,
    edition: &str,
    procedures: &[OnlineProcedure],
) -> AppResult<()> {
    let rows: Vec<_> = procedures
        .iter()
        .map(|p| online_procedure::ActiveModel {
            id: NotSet,
            edition_code: Set(edition.to_owned()),
            category: Set(p.category.clone()),
            number: Set(p.number),
            name_ja: Set(p.name_ja.clone()),
            scope: Set(p.scope),
            annual_total: Set(p.annual_total),
            online_rate_percent: Set(p.online_rate_percent),
            note: Set(p.note.clone()),
        })
        .collect();
    if !rows.is_empty() {
        online_procedure::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

async fn insert_national_figures(
    db: &impl ConnectionTrait,
    edition: &str,
    figures: &[NationalFigure],
) -> AppResult<()> {
    let rows: Vec<_> = figures
        .iter()
        .map(|n| national_figure::ActiveModel {
            edition_code: Set(edition.to_owned()),
            code: Set(n.code.clone()),
            label_ja: Set(n.label_ja.clone()),
            value: Set(n.value),
            unit: Set(n.unit.clone()),
            quote: Set(n.quote.clone()),
        })
        .collect();
    if !rows.is_empty() {
        national_figure::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

/// Replaces all answers of an edition, each with its source and reference date.
pub async fn replace_answers(
    db: &impl ConnectionTrait,
    edition: &str,
    answers: &[Sourced],
) -> AppResult<()> {
    answer::Entity::delete_many()
        .filter(answer::Column::EditionCode.eq(edition))
        .exec(db)
        .await?;
    for chunk in answers.chunks(ANSWER_ROWS) {
        answer::Entity::insert_many(chunk.iter().map(|s| {
            let a = &s.answer;
            answer::ActiveModel {
                id: NotSet,
                edition_code: Set(edition.to_owned()),
                question_code: Set(a.question.clone()),
                subject: Set(Subject::of_respondent(&a.respondent)),
                respondent_code: Set(a.respondent.clone()),
                option_code: Set(a.option.clone()),
                amount: Set(a.amount),
                rate_hundredths: Set(a.rate.map(Percent::hundredths)),
                source_code: Set(Some(s.source.code.to_owned())),
                reference_date: Set(s.reference_date.clone()),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Writes a source's record (replacing an earlier one of the same code) with the files read.
pub async fn upsert_source(
    db: &impl ConnectionTrait,
    info: &SourceInfo,
    files: &[(String, String)],
) -> AppResult<()> {
    use sea_orm::sea_query::OnConflict;
    let files = files
        .iter()
        .map(|(name, sha)| format!("{sha}  {name}"))
        .collect::<Vec<_>>()
        .join("\n");
    source::Entity::insert(source::ActiveModel {
        code: Set(info.code.to_owned()),
        kind: Set(info.kind),
        title: Set(info.title.to_owned()),
        publisher: Set(info.publisher.to_owned()),
        url: Set(info.url.map(str::to_owned)),
        credit: Set(info.credit.map(str::to_owned)),
        licence: Set(info.licence.map(str::to_owned)),
        published: Set(info.published.map(str::to_owned)),
        files: Set(files),
    })
    .on_conflict(
        OnConflict::column(source::Column::Code)
            .update_columns([
                source::Column::Kind,
                source::Column::Title,
                source::Column::Publisher,
                source::Column::Url,
                source::Column::Credit,
                source::Column::Licence,
                source::Column::Published,
                source::Column::Files,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// A stored rate, which only [`replace_answers`] writes: one outside 0-100% is a broken row.
pub fn stored_rate(id: i64, hundredths: i64) -> AppResult<Percent> {
    Percent::from_hundredths(hundredths).ok_or_else(|| {
        AppError::invariant(format!(
            "answer {id}: a rate of {hundredths} hundredths of a percent"
        ))
    })
}

/// All answers of an edition, ordered (for comparison and hashing).
pub async fn all_answers(db: &impl ConnectionTrait, edition: &str) -> AppResult<Vec<Answer>> {
    Ok(all_sourced_answers(db, edition)
        .await?
        .into_iter()
        .map(|(answer, _, _)| answer)
        .collect())
}

/// All answers of an edition, ordered, each with its source's code and its reference date.
pub async fn all_sourced_answers(
    db: &impl ConnectionTrait,
    edition: &str,
) -> AppResult<Vec<(Answer, String, Option<String>)>> {
    sourced_answers(db, edition, None).await
}

/// An edition's answers to these questions, sorted.
pub async fn answers_to_questions(
    db: &impl ConnectionTrait,
    edition: &str,
    questions: &[String],
) -> AppResult<Vec<Answer>> {
    Ok(sourced_answers(db, edition, Some(questions))
        .await?
        .into_iter()
        .map(|(answer, _, _)| answer)
        .collect())
}

async fn sourced_answers(
    db: &impl ConnectionTrait,
    edition: &str,
    questions: Option<&[String]>,
) -> AppResult<Vec<(Answer, String, Option<String>)>> {
    let mut query = answer::Entity::find().filter(answer::Column::EditionCode.eq(edition));
    if let Some(questions) = questions {
        query = query.filter(answer::Column::QuestionCode.is_in(questions.iter().cloned()));
    }
    let mut out: Vec<(Answer, String, Option<String>)> = query
        .all(db)
        .await?
        .into_iter()
        .map(|a| {
            let rate = a
                .rate_hundredths
                .map(|h| stored_rate(a.id, h))
                .transpose()?;
            let source = a
                .source_code
                .ok_or_else(|| AppError::invariant(format!("answer {} has no source", a.id)))?;
            let answer = Answer {
                question: a.question_code,
                respondent: a.respondent_code,
                option: a.option_code,
                amount: a.amount,
                rate,
            };
            Ok((answer, source, a.reference_date))
        })
        .collect::<AppResult<_>>()?;
    out.sort();
    Ok(out)
}
