//! Survey editions, the catalogue, answers, and the aggregate queries over answers.

use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::sea_query::{Alias, Expr, Func, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement};

use crate::domain::survey::Subject;
use crate::entity::{
    answer, municipality, national_figure, online_procedure, published_figure, question,
    question_option, source, survey_edition, survey_section,
};
use crate::error::{AppError, AppResult};

/// One edition.
pub async fn edition(
    db: &impl ConnectionTrait,
    code: &str,
) -> AppResult<Option<survey_edition::Model>> {
    Ok(survey_edition::Entity::find_by_id(code.to_owned())
        .one(db)
        .await?)
}

/// All editions, newest reference date first.
pub async fn editions(db: &impl ConnectionTrait) -> AppResult<Vec<survey_edition::Model>> {
    Ok(survey_edition::Entity::find()
        .order_by_desc(survey_edition::Column::ReferenceDate)
        .all(db)
        .await?)
}

/// The edition named, or the newest one; a clear error when there is none.
pub async fn edition_or_newest(
    db: &impl ConnectionTrait,
    code: Option<&str>,
) -> AppResult<survey_edition::Model> {
    match code {
        Some(code) => edition(db, code).await?.ok_or_else(|| {
            AppError::bad_argument("edition", format!("no survey edition `{code}`"))
        }),
        None => editions(db)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::bad_input("no survey edition has been loaded")),
    }
}

/// The sources, each with a reference date, that answered each (question, subject).
pub type QuestionSources = HashMap<(String, Subject), Vec<(String, Option<String>)>>;

/// Which sources, with which reference dates, answered each question of an edition, by
/// subject.
pub async fn question_sources(
    db: &impl ConnectionTrait,
    edition: &str,
) -> AppResult<QuestionSources> {
    let backend = db.get_database_backend();
    let placeholder = if backend == sea_orm::DatabaseBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT DISTINCT question_code, subject, source_code, reference_date FROM answer \
                 WHERE edition_code = {placeholder}"
            ),
            [edition.into()],
        ))
        .await?;
    let mut out = QuestionSources::new();
    for row in rows {
        let question: String = row.try_get("", "question_code")?;
        let subject: Subject = row.try_get("", "subject")?;
        let source: Option<String> = row.try_get("", "source_code")?;
        let date: Option<String> = row.try_get("", "reference_date")?;
        out.entry((question, subject))
            .or_default()
            .push((source.unwrap_or_default(), date));
    }
    Ok(out)
}

/// Each question's own reference date, where it has one.
pub async fn question_dates(
    db: &impl ConnectionTrait,
) -> AppResult<HashMap<String, Option<String>>> {
    Ok(question::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.code, q.reference_date))
        .collect())
}

/// A stored source record.
pub async fn source(db: &impl ConnectionTrait, code: &str) -> AppResult<Option<source::Model>> {
    Ok(source::Entity::find_by_id(code.to_owned()).one(db).await?)
}

/// How many answers of an edition each source gave: (source code, answers, authorities).
pub async fn source_counts(
    db: &impl ConnectionTrait,
    edition: &str,
) -> AppResult<Vec<(String, i64)>> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DatabaseBackend::Postgres => {
                    "SELECT source_code, COUNT(*) AS n FROM answer WHERE edition_code = $1 \
                     GROUP BY source_code ORDER BY source_code"
                }
                _ => {
                    "SELECT source_code, COUNT(*) AS n FROM answer WHERE edition_code = ? \
                     GROUP BY source_code ORDER BY source_code"
                }
            },
            [edition.into()],
        ))
        .await?;
    rows.into_iter()
        .map(|row| {
            let code: Option<String> = row.try_get("", "source_code")?;
            let n: i64 = row.try_get("", "n")?;
            Ok((code.unwrap_or_default(), n))
        })
        .collect()
}

/// Sections in the summary's order.
pub async fn sections(db: &impl ConnectionTrait) -> AppResult<Vec<survey_section::Model>> {
    Ok(survey_section::Entity::find()
        .order_by_asc(survey_section::Column::Position)
        .all(db)
        .await?)
}

/// Questions in the summary's order, optionally of one section (and its subsections).
pub async fn questions(
    db: &impl ConnectionTrait,
    section: Option<&str>,
) -> AppResult<Vec<question::Model>> {
    let mut q = question::Entity::find();
    if let Some(section) = section {
        q = q.filter(
            question::Column::SectionCode
                .eq(section)
                .or(question::Column::SectionCode.starts_with(format!("{section}-"))),
        );
    }
    Ok(q.order_by_asc(question::Column::Position).all(db).await?)
}

/// One question.
pub async fn question(db: &impl ConnectionTrait, code: &str) -> AppResult<Option<question::Model>> {
    Ok(question::Entity::find_by_id(code.to_owned())
        .one(db)
        .await?)
}

/// Options of the given questions, in order, by question.
pub async fn options(
    db: &impl ConnectionTrait,
    questions: &[String],
) -> AppResult<HashMap<String, Vec<question_option::Model>>> {
    let mut out: HashMap<String, Vec<question_option::Model>> = HashMap::new();
    for o in question_option::Entity::find()
        .filter(question_option::Column::QuestionCode.is_in(questions.iter().cloned()))
        .order_by_asc(question_option::Column::Position)
        .all(db)
        .await?
    {
        out.entry(o.question_code.clone()).or_default().push(o);
    }
    Ok(out)
}

/// A respondent's answers in an edition, optionally to one question.
pub async fn answers_of(
    db: &impl ConnectionTrait,
    edition: &str,
    respondent: &str,
    question: Option<&str>,
) -> AppResult<Vec<answer::Model>> {
    let mut q = answer::Entity::find()
        .filter(answer::Column::EditionCode.eq(edition))
        .filter(answer::Column::RespondentCode.eq(respondent));
    if let Some(question) = question {
        q = q.filter(answer::Column::QuestionCode.eq(question));
    }
    Ok(q.order_by_asc(answer::Column::Id).all(db).await?)
}

/// Published figures of an edition, optionally of one section (and its subsections).
pub async fn published_figures(
    db: &impl ConnectionTrait,
    edition: &str,
    section: Option<&str>,
) -> AppResult<Vec<published_figure::Model>> {
    let mut figures = published_figure::Entity::find()
        .filter(published_figure::Column::EditionCode.eq(edition))
        .order_by_asc(published_figure::Column::Position)
        .all(db)
        .await?;
    if let Some(section) = section {
        let codes: HashSet<String> = questions(db, Some(section))
            .await?
            .into_iter()
            .map(|q| q.code)
            .collect();
        figures.retain(|f| codes.contains(&f.question_code));
    }
    Ok(figures)
}

/// The online procedures table of an edition.
pub async fn online_procedures(
    db: &impl ConnectionTrait,
    edition: &str,
) -> AppResult<Vec<online_procedure::Model>> {
    Ok(online_procedure::Entity::find()
        .filter(online_procedure::Column::EditionCode.eq(edition))
        .order_by_asc(online_procedure::Column::Id)
        .all(db)
        .await?)
}

/// National figures of an edition.
pub async fn national_figures(
    db: &impl ConnectionTrait,
    edition: &str,
) -> AppResult<Vec<national_figure::Model>> {
    Ok(national_figure::Entity::find()
        .filter(national_figure::Column::EditionCode.eq(edition))
        .all(db)
        .await?)
}

/// How the answer table's tallies are grouped (in SQL): the groupings the database holds,
/// or each respondent alone. What a caller asks for is the survey aggregate's `GroupBy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallyBy {
    /// One group for the whole country.
    Nation,
    /// By prefecture (a prefecture's own answer is its own group).
    Prefecture,
    /// By kind of municipality (prefectures form one group, `PREFECTURE`).
    Kind,
    /// Each respondent its own group, for groupings the database does not hold (population
    /// bands), merged by the caller.
    Respondent,
}

/// Counts from the answer table for one question, subject and group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Distinct respondents with an answer.
    pub respondents: i64,
    /// Distinct respondents per chosen option.
    pub by_option: BTreeMap<String, i64>,
    /// Sum of the numbers given (count questions).
    pub sum: Option<i64>,
    /// Unweighted mean of the shares given, in percent (rate questions).
    pub mean_rate: Option<f64>,
}

fn run_grouped(
    mut select: SelectStatement,
    subject: Subject,
    group_by: TallyBy,
) -> (SelectStatement, bool) {
    let joined =
        subject == Subject::Municipality && matches!(group_by, TallyBy::Prefecture | TallyBy::Kind);
    if joined {
        select.inner_join(
            municipality::Entity,
            Expr::col((municipality::Entity, municipality::Column::Code))
                .equals((answer::Entity, answer::Column::RespondentCode)),
        );
    }
    let key: Option<Expr> = match (group_by, subject) {
        (TallyBy::Nation, _) | (TallyBy::Kind, Subject::Prefecture) => None,
        (TallyBy::Prefecture, Subject::Prefecture) | (TallyBy::Respondent, _) => {
            Some(Expr::col((answer::Entity, answer::Column::RespondentCode)))
        }
        (TallyBy::Prefecture, Subject::Municipality) => Some(Expr::col((
            municipality::Entity,
            municipality::Column::PrefectureCode,
        ))),
        (TallyBy::Kind, Subject::Municipality) => Some(Expr::col((
            municipality::Entity,
            municipality::Column::Kind,
        ))),
    };
    let grouped = key.is_some();
    if let Some(key) = key {
        select.expr_as(key.clone(), Alias::new("grp"));
        select.add_group_by([sea_orm::sea_query::SimpleExpr::from(key)]);
    }
    (select, grouped)
}

/// Tallies one question's answers for a subject, by group, with SQL aggregates over the
/// answer table. Group keys: `JP` for the nation, the prefecture code, the kind (or
/// `PREFECTURE` for the prefectures' own answers).
pub async fn tally(
    db: &impl ConnectionTrait,
    edition: &str,
    question: &str,
    subject: Subject,
    group_by: TallyBy,
) -> AppResult<BTreeMap<String, Tally>> {
    let filter = |select: &mut SelectStatement| {
        select
            .from(answer::Entity)
            .and_where(Expr::col((answer::Entity, answer::Column::EditionCode)).eq(edition))
            .and_where(Expr::col((answer::Entity, answer::Column::QuestionCode)).eq(question))
            .and_where(Expr::col((answer::Entity, answer::Column::Subject)).eq(subject.as_str()));
    };
    let default_key = match (group_by, subject) {
        (TallyBy::Kind, Subject::Prefecture) => "PREFECTURE",
        _ => "JP",
    };
    let backend = db.get_database_backend();
    let respondent = Expr::col((answer::Entity, answer::Column::RespondentCode));
    let mut out: BTreeMap<String, Tally> = BTreeMap::new();

    // Respondents and sums per group.
    let mut select = Query::select();
    filter(&mut select);
    sums(&mut select, respondent.clone());
    let (select, grouped) = run_grouped(select, subject, group_by);
    for row in db.query_all(backend.build(&select)).await? {
        let key = if grouped {
            row.try_get::<String>("", "grp")?
        } else {
            default_key.to_owned()
        };
        let t = out.entry(key).or_default();
        t.respondents = row.try_get("", "n")?;
        t.sum = row.try_get("", "total")?;
        t.mean_rate = row
            .try_get::<Option<f64>>("", "mean_rate")?
            .map(|hundredths| hundredths / 100.0);
    }

    // Respondents per option per group.
    let mut select = Query::select();
    filter(&mut select);
    select
        .column((answer::Entity, answer::Column::OptionCode))
        .expr_as(respondent.count_distinct(), Alias::new("n"))
        .and_where(Expr::col((answer::Entity, answer::Column::OptionCode)).is_not_null())
        .group_by_col((answer::Entity, answer::Column::OptionCode));
    let (select, grouped) = run_grouped(select, subject, group_by);
    for row in db.query_all(backend.build(&select)).await? {
        let key = if grouped {
            row.try_get::<String>("", "grp")?
        } else {
            default_key.to_owned()
        };
        let option: String = row.try_get("", "option_code")?;
        out.entry(key)
            .or_default()
            .by_option
            .insert(option, row.try_get("", "n")?);
    }
    Ok(out)
}

/// Selects the respondents (`n`), the sum of their amounts (`total`) and the mean of their
/// rates in hundredths (`mean_rate`).
fn sums(select: &mut SelectStatement, respondent: Expr) {
    let column = |c: answer::Column| Expr::col((answer::Entity, c));
    select
        .expr_as(respondent.count_distinct(), Alias::new("n"))
        .expr_as(
            Expr::expr(Func::sum(column(answer::Column::Amount))).cast_as(Alias::new("BIGINT")),
            Alias::new("total"),
        )
        .expr_as(
            Expr::expr(Func::avg(column(answer::Column::RateHundredths)))
                .cast_as(Alias::new("DOUBLE PRECISION")),
            Alias::new("mean_rate"),
        );
}

/// Respondents who gave `option` to `question`.
pub async fn respondents_choosing(
    db: &impl ConnectionTrait,
    edition: &str,
    question: &str,
    option: &str,
) -> AppResult<HashSet<String>> {
    Ok(answer::Entity::find()
        .filter(answer::Column::EditionCode.eq(edition))
        .filter(answer::Column::QuestionCode.eq(question))
        .filter(answer::Column::OptionCode.eq(option))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.respondent_code)
        .collect())
}

/// The overall online rate of the procedures table, weighted by annual totals, in percent
/// (computed by the database).
pub async fn weighted_online_rate(
    db: &impl ConnectionTrait,
    edition: &str,
) -> AppResult<Option<f64>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "SELECT CAST(SUM(annual_total * online_rate_percent) / NULLIF(SUM(annual_total), 0) AS DOUBLE PRECISION) AS rate \
             FROM online_procedure WHERE edition_code = $1 AND annual_total IS NOT NULL"
        }
        _ => {
            "SELECT SUM(annual_total * online_rate_percent) / NULLIF(SUM(annual_total), 0) AS rate \
             FROM online_procedure WHERE edition_code = ? AND annual_total IS NOT NULL"
        }
    };
    let row = db
        .query_one(Statement::from_sql_and_values(
            backend,
            sql,
            [edition.into()],
        ))
        .await?
        .ok_or_else(|| AppError::invariant("no row from an aggregate"))?;
    Ok(row.try_get("", "rate")?)
}

/// All answers of an edition to one question.
pub async fn answers_to(
    db: &impl ConnectionTrait,
    edition: &str,
    question: &str,
) -> AppResult<Vec<answer::Model>> {
    Ok(answer::Entity::find()
        .filter(answer::Column::EditionCode.eq(edition))
        .filter(answer::Column::QuestionCode.eq(question))
        .order_by_asc(answer::Column::Id)
        .all(db)
        .await?)
}
