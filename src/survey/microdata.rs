//! Importing the ministry's per-authority answers (個別データ) from CSV or XLSX, in the long
//! format (respondent, indicator, value) or the wide one (a row per authority, a column per
//! question) with a mapping file; and exporting an edition in the long format.
//!
//! Nothing is written unless the whole file is valid; an import replaces the edition's answers
//! and names the ministry's 個別データ as the source of every answer (OFFICIAL).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::Deserialize;

use super::answer::Answer;
use super::catalogue::{QuestionType, Subject};
use super::source::{self, Provenance};
use super::{store, universe};
use crate::domain::{AuthorityCode, Percent, PrefectureCode};
use crate::entity::{question, question_option};
use crate::error::{AppError, AppResult, DataFileError};
use crate::{files, repo};

/// The provenance note of an imported edition.
pub const OFFICIAL_NOTE: &str =
    "Per-authority answers imported from the ministry's published individual data (個別データ).";

/// How a file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One row per answer: respondent, indicator, value.
    #[default]
    Long,
    /// One row per authority, one column per question (or per option of a multiple choice).
    Wide,
}

/// A column of a wide file.
#[derive(Debug, Clone, Deserialize)]
pub struct ColumnMapping {
    /// The column header as in the file.
    pub header: String,
    /// The indicator it answers.
    pub indicator: String,
    /// For a multiple-choice question spread over one column per option: the option this
    /// column ticks (its cells then map to `yes` or `no`).
    pub option: Option<String>,
    /// Cell values of this column mapped to option codes, before the file-wide `values`.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
}

/// A mapping file (TOML): the layout, the key columns, and how headers and cells map to
/// indicators and options.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Mapping {
    /// `long` (default) or `wide`.
    #[serde(default)]
    pub format: Layout,
    /// XLSX only: the sheet to read (default: the first).
    pub sheet: Option<String>,
    /// Header of the respondent code column (default `respondent`).
    pub respondent_column: Option<String>,
    /// Long format: header of the indicator column (default `indicator`).
    pub indicator_column: Option<String>,
    /// Long format: header of the value column (default `value`).
    pub value_column: Option<String>,
    /// Wide format: the question columns.
    #[serde(default, rename = "column")]
    pub columns: Vec<ColumnMapping>,
    /// Cell values mapped to option codes for every column (e.g. ○ = yes, × = no, はい = yes).
    #[serde(default)]
    pub values: BTreeMap<String, String>,
}

impl Mapping {
    /// Reads a mapping file.
    pub fn read(path: &Path) -> Result<Self, DataFileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| file_error(path, None, None, None, format!("cannot read: {e}")))?;
        toml::from_str(&text)
            .map_err(|e| file_error(path, None, None, None, format!("not a valid mapping: {e}")))
    }
}

fn file_error(
    file: &Path,
    row: Option<usize>,
    column: Option<&str>,
    value: Option<&str>,
    reason: impl Into<String>,
) -> DataFileError {
    DataFileError::at(file, row, column, value, reason)
}

/// Rows of text cells with their spreadsheet row numbers, read one at a time.
type Rows = Box<dyn Iterator<Item = Result<(usize, Vec<String>), DataFileError>>>;

/// A sheet of text cells: the header row, and the rows after it (empty ones left out). A CSV
/// file is read as its rows are checked, so a file of garbage fails at its first bad row.
struct Table {
    headers: Vec<String>,
    rows: Rows,
}

fn read_table(path: &Path, sheet: Option<&str>) -> Result<Table, DataFileError> {
    let fail = |reason: String| file_error(path, None, None, None, reason);
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let mut rows: Rows = match extension.as_str() {
        "csv" | "txt" => csv_rows(path)?,
        "xlsx" | "xlsm" | "xls" | "ods" => sheet_rows(path, sheet)?,
        other => {
            return Err(fail(format!(
                "unknown file type `.{other}`: give a .csv (UTF-8) or .xlsx file"
            )))
        }
    };
    let headers = match rows.next() {
        Some(first) => first?.1,
        None => return Err(fail("the file is empty".into())),
    };
    let rows = rows.filter(|row| {
        row.as_ref()
            .map_or(true, |(_, r)| r.iter().any(|c| !c.is_empty()))
    });
    Ok(Table {
        headers,
        rows: Box::new(rows),
    })
}

/// A CSV file's records as they are read (a UTF-8 byte order mark, as spreadsheet programs
/// write, is not part of the header).
fn csv_rows(path: &Path) -> Result<Rows, DataFileError> {
    use std::io::{BufReader, Read};
    let file = files::open(path, files::SURVEY_FILE)
        .map_err(|e| file_error(path, None, None, None, e.to_string()))?;
    let mut reader = BufReader::new(file);
    let mut start = [0u8; 3];
    let mut read = 0;
    while read < 3 {
        match reader.read(&mut start[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => {
                return Err(file_error(
                    path,
                    None,
                    None,
                    None,
                    format!("cannot read: {e}"),
                ))
            }
        }
    }
    let kept: &[u8] = if start[..read] == *b"\xef\xbb\xbf" {
        &[]
    } else {
        &start[..read]
    };
    let source = std::io::Cursor::new(kept.to_vec()).chain(reader);
    let records = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(source)
        .into_records();
    let path = path.to_owned();
    Ok(Box::new(records.enumerate().map(move |(i, record)| {
        record
            .map(|r| (i + 1, r.iter().map(|c| c.trim().to_owned()).collect()))
            .map_err(|e| {
                file_error(
                    &path,
                    Some(i + 1),
                    None,
                    None,
                    format!("not valid CSV (UTF-8): {e}"),
                )
            })
    })))
}

/// A workbook sheet's rows (the named sheet, or the first). Workbooks are read whole: their
/// size is bounded by [`files::SURVEY_FILE`].
fn sheet_rows(path: &Path, sheet: Option<&str>) -> Result<Rows, DataFileError> {
    let fail = |reason: String| file_error(path, None, None, None, reason);
    files::open(path, files::SURVEY_FILE).map_err(|e| fail(e.to_string()))?;
    let mut workbook =
        open_workbook_auto(path).map_err(|e| fail(format!("not a readable workbook: {e}")))?;
    let name = match sheet {
        Some(s) => s.to_owned(),
        None => workbook
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| fail("the workbook has no sheets".into()))?,
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| fail(format!("sheet `{name}`: {e}")))?;
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|row| row.iter().map(cell_text).collect())
        .collect();
    Ok(Box::new(
        rows.into_iter().enumerate().map(|(i, r)| Ok((i + 1, r))),
    ))
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        // Whole numbers in spreadsheets come as floats: 13104.0 is the code 13104.
        // A whole number below 1e15 converts to i64 exactly.
        #[allow(clippy::cast_possible_truncation)]
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        other => other.to_string(),
    }
}

/// What the validation needs to know of the database.
struct Context {
    questions: HashMap<String, question::Model>,
    options: HashMap<String, Vec<question_option::Model>>,
    /// Respondent code → (subject, municipal code for universe checks).
    respondents: HashSet<String>,
}

impl Context {
    async fn load(db: &DatabaseConnection) -> AppResult<Self> {
        let questions: HashMap<String, question::Model> = repo::survey::questions(db, None)
            .await?
            .into_iter()
            .map(|q| (q.code.clone(), q))
            .collect();
        let codes: Vec<String> = questions.keys().cloned().collect();
        let options = repo::survey::options(db, &codes).await?;
        let mut respondents: HashSet<String> = repo::areas::prefectures(db)
            .await?
            .into_iter()
            .map(|p| p.code)
            .collect();
        respondents.extend(
            repo::areas::municipalities(
                db,
                &repo::areas::MunicipalityFilter::default(),
                None,
                None,
            )
            .await?
            .into_iter()
            .map(|m| m.code),
        );
        Ok(Self {
            questions,
            options,
            respondents,
        })
    }
}

/// A parsed cell, with where it came from.
struct Cell<'a> {
    row: usize,
    column: &'a str,
    value: &'a str,
}

/// What one respondent gave one question, with the first cell it came from.
struct Given {
    options: Vec<String>,
    amount: Option<i64>,
    rate: Option<Percent>,
    row: usize,
    column: String,
}

/// Answers collected so far, by (indicator, respondent), and what they are checked against.
struct Collected<'a> {
    path: &'a Path,
    ctx: &'a Context,
    answers: BTreeMap<(String, String), Given>,
}

fn respondent_code(path: &Path, ctx: &Context, cell: &Cell<'_>) -> Result<String, DataFileError> {
    let fail = |reason: String| {
        file_error(
            path,
            Some(cell.row),
            Some(cell.column),
            Some(cell.value),
            reason,
        )
    };
    let code = match cell.value.len() {
        2 => PrefectureCode::parse(cell.value).map(|p| p.to_string()),
        _ => AuthorityCode::parse(cell.value).map(|c| c.to_string()),
    }
    .map_err(|e| fail(e.to_string()))?;
    if !ctx.respondents.contains(&code) {
        return Err(fail(format!(
            "no prefecture or administered municipality has the code {code}"
        )));
    }
    Ok(code)
}

impl Collected<'_> {
    /// Adds one cell's answer: `value` is an option code (or several, `;`-separated), a number,
    /// or with `ticked` the option a yes/no column stands for.
    fn add(
        &mut self,
        respondent: &str,
        indicator: &str,
        value: Option<&str>,
        ticked: Option<&str>,
        cell: &Cell<'_>,
    ) -> Result<(), DataFileError> {
        let (path, ctx) = (self.path, self.ctx);
        let fail = |reason: String| {
            file_error(
                path,
                Some(cell.row),
                Some(cell.column),
                Some(cell.value),
                reason,
            )
        };
        let question = ctx
            .questions
            .get(indicator)
            .ok_or_else(|| fail(format!("no indicator `{indicator}` in the catalogue")))?;
        check_asked(question, respondent).map_err(fail)?;
        let entry = self
            .answers
            .entry((indicator.to_owned(), respondent.to_owned()))
            .or_insert_with(|| Given {
                options: Vec::new(),
                amount: None,
                rate: None,
                row: cell.row,
                column: cell.column.to_owned(),
            });
        if question.kind == QuestionType::Count {
            let text = value.unwrap_or_default();
            let n: i64 = text.parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
                fail(format!(
                    "`{indicator}` is a count: expected a whole number of 0 or more"
                ))
            })?;
            if entry.amount.replace(n).is_some() {
                return Err(fail(format!("{respondent} answers `{indicator}` twice")));
            }
            return Ok(());
        }
        if question.kind == QuestionType::Rate {
            let rate = Percent::parse(value.unwrap_or_default())
                .map_err(|e| fail(format!("`{indicator}` is a share: {e}")))?;
            if entry.rate.replace(rate).is_some() {
                return Err(fail(format!("{respondent} answers `{indicator}` twice")));
            }
            return Ok(());
        }
        let options = ctx
            .options
            .get(indicator)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let chosen = chosen_options(ticked, value).map_err(fail)?;
        add_options(&mut entry.options, &chosen, options, question.kind)
            .map_err(|e| fail(e.reason(indicator, respondent)))
    }
}

/// Why a cell's options cannot be added to a respondent's answer.
enum OptionFault<'a> {
    /// The indicator has no such option (its options listed).
    Unknown(&'a str, String),
    /// The option is given twice.
    Twice(&'a str),
    /// More than one option to a question that takes one.
    Several(usize),
}

impl OptionFault<'_> {
    fn reason(&self, indicator: &str, respondent: &str) -> String {
        match self {
            Self::Unknown(option, known) => {
                format!("`{indicator}` has no option `{option}` (options: {known})")
            }
            Self::Twice(option) => format!("{respondent} gives `{option}` to `{indicator}` twice"),
            Self::Several(n) => format!("`{indicator}` takes one answer; {respondent} gives {n}"),
        }
    }
}

/// Adds the `chosen` options to those a respondent has `given`, each one of the question's
/// `options`, none twice, and only one unless the question is multiple choice.
fn add_options<'a>(
    given: &mut Vec<String>,
    chosen: &[&'a str],
    options: &[question_option::Model],
    kind: QuestionType,
) -> Result<(), OptionFault<'a>> {
    for option in chosen {
        if !options.iter().any(|o| o.code == *option) {
            let known: Vec<&str> = options.iter().map(|o| o.code.as_str()).collect();
            return Err(OptionFault::Unknown(option, known.join(", ")));
        }
        if given.iter().any(|o| o == option) {
            return Err(OptionFault::Twice(option));
        }
        given.push((*option).to_owned());
    }
    if kind != QuestionType::MultipleChoice && given.len() > 1 {
        return Err(OptionFault::Several(given.len()));
    }
    Ok(())
}

/// Whether the respondent is among those asked: its level, and for a municipality the
/// question's universe.
fn check_asked(question: &question::Model, respondent: &str) -> Result<(), String> {
    let indicator = &question.code;
    let subject = Subject::of_respondent(respondent);
    if !question.asked.includes(subject) {
        return Err(format!(
            "`{indicator}` is not asked of {}",
            subject.as_str().to_lowercase()
        ));
    }
    if subject == Subject::Municipality {
        let size = question
            .municipal_universe
            .and_then(|u| u32::try_from(u).ok())
            .unwrap_or(1741);
        if !universe::includes(size, respondent) {
            return Err(format!(
                "{respondent} is outside the {size} municipalities `{indicator}` counts"
            ));
        }
    }
    Ok(())
}

/// The options a cell gives: a ticked column's option for yes, none for no; else the
/// `;`-separated option codes it holds.
fn chosen_options<'a>(
    ticked: Option<&'a str>,
    value: Option<&'a str>,
) -> Result<Vec<&'a str>, String> {
    match (ticked, value) {
        (Some(option), Some("yes")) => Ok(vec![option]),
        (Some(_), Some("no")) | (None, None) => Ok(Vec::new()),
        (Some(option), _) => Err(format!(
            "the column ticks `{option}`: expected a value meaning yes or no"
        )),
        (None, Some(text)) => Ok(text
            .split(';')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect()),
    }
}

fn map_value<'a>(mapping: &'a Mapping, column: Option<&'a ColumnMapping>, raw: &'a str) -> &'a str {
    column
        .and_then(|c| c.values.get(raw))
        .or_else(|| mapping.values.get(raw))
        .map_or(raw, String::as_str)
}

fn column_index(path: &Path, headers: &[String], header: &str) -> Result<usize, DataFileError> {
    headers.iter().position(|h| h == header).ok_or_else(|| {
        file_error(
            path,
            Some(1),
            Some(header),
            None,
            format!("no such column; the header row has: {}", headers.join(", ")),
        )
    })
}

fn cell_at(row: &[String], i: usize) -> &str {
    row.get(i).map_or("", String::as_str)
}

/// Reads and validates a microdata file completely.
/// Reads a file into answers: every cell checked against the catalogue and the universes,
/// then the follow-ups against their parents.
async fn parse(db: &DatabaseConnection, path: &Path, mapping: &Mapping) -> AppResult<Vec<Answer>> {
    let ctx = Context::load(db).await?;
    let table = read_table(path, mapping.sheet.as_deref())?;
    let mut collected = Collected {
        path,
        ctx: &ctx,
        answers: BTreeMap::new(),
    };
    match mapping.format {
        Layout::Long => collect_long(&mut collected, table, mapping)?,
        Layout::Wide => collect_wide(&mut collected, table, mapping)?,
    }
    check_follow_ups(&collected)?;
    Ok(collected.into_answers())
}

/// The respondent of a row, from the mapping's respondent column.
struct RespondentColumn<'m> {
    header: &'m str,
    at: usize,
}

impl<'m> RespondentColumn<'m> {
    fn find(path: &Path, headers: &[String], mapping: &'m Mapping) -> Result<Self, DataFileError> {
        let header = mapping.respondent_column.as_deref().unwrap_or("respondent");
        Ok(Self {
            header,
            at: column_index(path, headers, header)?,
        })
    }

    fn code(
        &self,
        collected: &Collected<'_>,
        row: usize,
        cells: &[String],
    ) -> Result<String, DataFileError> {
        respondent_code(
            collected.path,
            collected.ctx,
            &Cell {
                row,
                column: self.header,
                value: cell_at(cells, self.at),
            },
        )
    }
}

/// A long file: one row per answer (respondent, indicator, value).
fn collect_long(
    collected: &mut Collected<'_>,
    table: Table,
    mapping: &Mapping,
) -> Result<(), DataFileError> {
    let path = collected.path;
    let respondent = RespondentColumn::find(path, &table.headers, mapping)?;
    let indicator_header = mapping.indicator_column.as_deref().unwrap_or("indicator");
    let value_header = mapping.value_column.as_deref().unwrap_or("value");
    let indicator_at = column_index(path, &table.headers, indicator_header)?;
    let value_at = column_index(path, &table.headers, value_header)?;
    // A file written by `export-survey` says of each value whether it is official.
    let provenance_at = table.headers.iter().position(|h| h == PROVENANCE_COLUMN);
    for row in table.rows {
        let (row, cells) = row?;
        let (row, cells) = (&row, &cells);
        if let Some(at) = provenance_at {
            refuse_unofficial(path, *row, cell_at(cells, at))?;
        }
        let code = respondent.code(collected, *row, cells)?;
        let indicator = cell_at(cells, indicator_at);
        let raw = cell_at(cells, value_at);
        let value = map_value(mapping, None, raw);
        collected.add(
            &code,
            indicator,
            (!value.is_empty()).then_some(value),
            None,
            &Cell {
                row: *row,
                column: value_header,
                value: raw,
            },
        )?;
    }
    Ok(())
}

/// The column of `export-survey` that says whether a value is official.
const PROVENANCE_COLUMN: &str = "provenance";

/// An import of the ministry's answers takes official values only: a synthetic value of an
/// export imported as microdata would be served as an authority's answer.
fn refuse_unofficial(path: &Path, row: usize, provenance: &str) -> Result<(), DataFileError> {
    if provenance == Provenance::Official.as_str() {
        return Ok(());
    }
    Err(file_error(
        path,
        Some(row),
        Some(PROVENANCE_COLUMN),
        Some(provenance),
        "only OFFICIAL values can be imported as the ministry's answers; a calibrated synthetic \
         value is no authority's answer",
    ))
}

/// A wide file: one row per respondent, one column per indicator (or option) as mapped.
fn collect_wide(
    collected: &mut Collected<'_>,
    table: Table,
    mapping: &Mapping,
) -> Result<(), DataFileError> {
    let path = collected.path;
    if mapping.columns.is_empty() {
        return Err(file_error(
            path,
            None,
            None,
            None,
            "a wide file needs [[column]] entries in its mapping",
        ));
    }
    let respondent = RespondentColumn::find(path, &table.headers, mapping)?;
    let columns: Vec<(usize, &ColumnMapping)> = mapping
        .columns
        .iter()
        .map(|c| Ok((column_index(path, &table.headers, &c.header)?, c)))
        .collect::<Result<_, DataFileError>>()?;
    for row in table.rows {
        let (row, cells) = row?;
        let (row, cells) = (&row, &cells);
        let code = respondent.code(collected, *row, cells)?;
        for (i, column) in &columns {
            let raw = cell_at(cells, *i);
            if raw.is_empty() {
                continue; // an empty cell is no answer
            }
            let value = map_value(mapping, Some(column), raw);
            collected.add(
                &code,
                &column.indicator,
                Some(value),
                column.option.as_deref(),
                &Cell {
                    row: *row,
                    column: &column.header,
                    value: raw,
                },
            )?;
        }
    }
    Ok(())
}

/// Follow-ups: only those who gave the parent's conditioning answer may answer.
fn check_follow_ups(collected: &Collected<'_>) -> Result<(), DataFileError> {
    for ((indicator, respondent), given) in &collected.answers {
        let Some(question) = collected.ctx.questions.get(indicator) else {
            continue;
        };
        if let (Some(parent), Some(option)) =
            (&question.condition_question, &question.condition_option)
        {
            let gave = collected
                .answers
                .get(&(parent.clone(), respondent.clone()))
                .is_some_and(|g| g.options.contains(option));
            if !gave {
                return Err(file_error(
                    collected.path,
                    Some(given.row),
                    Some(&given.column),
                    None,
                    format!("{respondent} answers the follow-up `{indicator}`, which only those answering `{option}` to `{parent}` are asked"),
                ));
            }
        }
    }
    Ok(())
}

impl Collected<'_> {
    /// One answer row per option chosen (or one without an option), ordered.
    fn into_answers(self) -> Vec<Answer> {
        let mut answers: Vec<Answer> = Vec::new();
        for ((question, respondent), given) in self.answers {
            if given.options.is_empty() {
                answers.push(Answer {
                    question,
                    respondent,
                    option: None,
                    amount: given.amount,
                    rate: given.rate,
                });
            } else {
                answers.extend(given.options.into_iter().map(|o| Answer {
                    question: question.clone(),
                    respondent: respondent.clone(),
                    option: Some(o),
                    amount: None,
                    rate: None,
                }));
            }
        }
        answers.sort();
        answers
    }
}

/// What an import did.
#[derive(Debug)]
pub struct SurveyImportReport {
    /// The edition.
    pub edition: String,
    /// Answer rows written.
    pub rows: usize,
    /// Distinct respondents.
    pub respondents: usize,
    /// Distinct indicators.
    pub indicators: usize,
}

/// The SHA-256 of a file read, for its source's record.
fn file_sha256(file: &Path) -> AppResult<String> {
    use sha2::{Digest, Sha256};
    let fail = |reason: String| file_error(file, None, None, None, reason);
    let mut reader = files::open(file, files::SURVEY_FILE).map_err(|e| fail(e.to_string()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut reader, &mut hasher).map_err(|e| fail(format!("cannot read: {e}")))?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// Imports a microdata file into `edition`, replacing its answers, all or nothing.
pub async fn import(
    db: &DatabaseConnection,
    edition: &str,
    file: &Path,
    mapping: Option<&Path>,
) -> AppResult<SurveyImportReport> {
    let edition_row = repo::survey::edition(db, edition).await?.ok_or_else(|| {
        AppError::bad_argument("edition", format!("no survey edition `{edition}`"))
    })?;
    let mapping = match mapping {
        Some(m) => Mapping::read(m)?,
        None => Mapping::default(),
    };
    let answers = parse(db, file, &mapping).await?;
    if answers.is_empty() {
        return Err(file_error(file, None, None, None, "the file holds no answers").into());
    }
    let report = SurveyImportReport {
        edition: edition.to_owned(),
        rows: answers.len(),
        respondents: answers
            .iter()
            .map(|a| &a.respondent)
            .collect::<HashSet<_>>()
            .len(),
        indicators: answers
            .iter()
            .map(|a| &a.question)
            .collect::<HashSet<_>>()
            .len(),
    };
    let dates = repo::survey::question_dates(db).await?;
    let answers = source::dated(
        answers,
        &source::MICRODATA,
        &dates,
        &edition_row.reference_date,
    );
    let txn = db.begin().await?;
    repo::version::lock_for_import(&txn).await?;
    store::upsert_source(
        &txn,
        &source::MICRODATA,
        &[(file.display().to_string(), file_sha256(file)?)],
    )
    .await?;
    store::replace_answers(&txn, edition, &answers).await?;
    store::set_provenance(&txn, &edition_row, Provenance::Official, OFFICIAL_NOTE).await?;
    repo::version::bump(&txn).await?;
    txn.commit().await?;
    Ok(report)
}

/// Writes an edition's answers in the long format (respondent, indicator, value), one row per
/// chosen option, number or share, each with its provenance, source and reference date; a
/// multiple-choice answer choosing none of the listed options is a row with an empty value.
pub async fn export(db: &DatabaseConnection, edition: &str, out: impl Write) -> AppResult<usize> {
    let answers = store::all_sourced_answers(db, edition).await?;
    let mut writer = csv::Writer::from_writer(out);
    let io = |e: csv::Error| AppError::internal("writing CSV", e);
    writer
        .write_record([
            "respondent",
            "indicator",
            "value",
            PROVENANCE_COLUMN,
            "source",
            "reference_date",
        ])
        .map_err(io)?;
    for (a, source_code, reference_date) in &answers {
        let value = a
            .option
            .clone()
            .or_else(|| a.amount.map(|n| n.to_string()))
            .or_else(|| a.rate.map(|r| r.to_string()))
            .unwrap_or_default();
        let provenance = source::provenance_of(source_code)
            .map_err(|e| AppError::internal("reading an answer's source", e))?;
        writer
            .write_record([
                a.respondent.as_str(),
                a.question.as_str(),
                value.as_str(),
                provenance.as_str(),
                source_code.as_str(),
                reference_date.as_deref().unwrap_or_default(),
            ])
            .map_err(io)?;
    }
    writer
        .flush()
        .map_err(|e| AppError::internal("writing CSV", e))?;
    Ok(answers.len())
}
