//! The Digital Agency's 自治体DX dashboard table: real per-authority answers of the 令和5年度
//! survey, read as published (UTF-8 with BOM, wide: a column per authority, by name only).
//!
//! Columns are matched to codes by position against the stored municipalities (prefectures
//! for the prefectural file) in code order, and every name is checked against the stored one:
//! names alone are ambiguous (伊達市, 府中市, 池田町 exist twice or more). Row labels map to
//! catalogue indicators through [`ROWS`]; anything else refuses the whole file.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use sea_orm::{DatabaseConnection, TransactionTrait};

use super::answer::Answer;
use super::calibrate::{self, Fixed, Given};
use super::catalogue::{Catalogue, Subject};
use super::source::{self, Provenance, Sourced};
use super::{seed, store, universe};
use crate::error::{AppError, AppResult, SurveyFileError};
use crate::{fetch, files, repo};

/// The municipal comparison file.
pub const MUNICIPAL_FILE: &str = "市区町村毎のDX進捗状況_市区町村比較.csv";
/// The prefectural comparison file.
pub const PREFECTURAL_FILE: &str = "都道府県のDX進捗状況_都道府県比較.csv";
/// The per-procedure online-use rates of municipalities (not imported yet: no indicator).
pub const MUNICIPAL_RATES_FILE: &str = "市区町村毎のDX進捗状況_行政手続のオンライン申請率.csv";
/// The per-procedure online-use rates of prefectures (not imported yet: no indicator).
pub const PREFECTURAL_RATES_FILE: &str = "都道府県のDX進捗状況_行政手続のオンライン申請率.csv";

/// Where the files are looked for when no folder is given.
pub const FOLDERS: [&str; 2] = ["data/dashboard", "../shared/data/dashboard"];

/// How a row's 実施 / 未実施 become answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// 実施 is `yes`, 未実施 `no`.
    YesNo,
    /// A follow-up asked only of those answering `yes` to `parent`: 実施 is `yes`, 未実施 is
    /// `no` where the parent is `yes` and no answer where it is not.
    FollowUp {
        /// The parent indicator.
        parent: &'static str,
    },
    /// A planning status: 実施 is `adopted`; 未実施 says only "not adopted", and which of the
    /// other statuses is left to the calibrated generator (labelled synthetic).
    Adopted,
}

/// One row of the comparison files that maps to an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The label in column 2.
    pub label: &'static str,
    /// The catalogue indicator.
    pub indicator: &'static str,
    /// How its cells are read.
    pub reading: Reading,
    /// The date the values hold for; `None` where the file does not state it.
    pub reference_date: Option<&'static str>,
}

/// 推進体制 rows reproduce the summary's figures for this date exactly.
const STRUCTURE_DATE: Option<&str> = Some("2023-04-01");

/// The rows imported, label by label. The AI and RPA rows are a later round of their survey
/// than the summary's 2022-12-31 (879 and 720 municipalities against 791 and 641) whose date
/// the file does not state; telework reproduces the summary's 2023-10-01 figure.
pub const ROWS: [Row; 10] = [
    Row {
        label: "CIOの任命",
        indicator: "cio.appointed",
        reading: Reading::YesNo,
        reference_date: STRUCTURE_DATE,
    },
    Row {
        label: "CIO補佐官等の任命",
        indicator: "cio_assistant.appointed",
        reading: Reading::YesNo,
        reference_date: STRUCTURE_DATE,
    },
    Row {
        label: "全体方針策定",
        indicator: "dx_strategy.status",
        reading: Reading::Adopted,
        reference_date: STRUCTURE_DATE,
    },
    Row {
        label: "全庁的な体制構築",
        indicator: "dx_structure.established",
        reading: Reading::YesNo,
        reference_date: STRUCTURE_DATE,
    },
    Row {
        label: "外部人材活用",
        indicator: "external_talent.used",
        reading: Reading::YesNo,
        reference_date: STRUCTURE_DATE,
    },
    Row {
        label: "職員育成の取組",
        indicator: "training.implemented",
        reading: Reading::YesNo,
        reference_date: STRUCTURE_DATE,
    },
    Row {
        label: "全職員対象研修の実施",
        indicator: "training.all_staff_courses",
        reading: Reading::FollowUp {
            parent: "training.implemented",
        },
        reference_date: STRUCTURE_DATE,
    },
    Row {
        label: "AIの導入状況",
        indicator: "ai.adopted",
        reading: Reading::YesNo,
        reference_date: None,
    },
    Row {
        label: "RPAの導入状況",
        indicator: "rpa.adopted",
        reading: Reading::YesNo,
        reference_date: None,
    },
    Row {
        label: "テレワークの導入状況",
        indicator: "telework.adopted",
        reading: Reading::YesNo,
        reference_date: Some("2023-10-01"),
    },
];

/// Rows the files hold that DX Atlas knows but does not import yet: rates without an
/// indicator in the catalogue. They are reported, never refused.
pub const PENDING_ROWS: [&str; 5] = [
    "マイナンバーカードの保有状況",
    "子育て・介護26手続のオンライン化状況",
    "よく使う32手続のオンライン化状況",
    "よく使う32手続のオンライン化状況_実施されている手続総数（分母）",
    "よく使う32手続のオンライン化状況_実施されている手続総数のうち「オンライン化済」と回答した手続数（分子）",
];

/// Spellings of the same name: the dashboard writes 檮原町 where the code list has 梼原町.
const VARIANTS: [(char, char); 1] = [('檮', '梼')];

/// What one cell says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// 実施.
    Done,
    /// 未実施.
    NotDone,
    /// 調査無し: not surveyed, outside the indicator's universe.
    NotSurveyed,
    /// Empty: no value.
    Empty,
}

/// One authority's reading of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    /// The row.
    pub row: Row,
    /// The authority's code (two or five digits).
    pub respondent: String,
    /// What the cell says.
    pub cell: Cell,
}

/// An authority a column must hold, in column order.
#[derive(Debug, Clone)]
pub struct Expected {
    /// Code.
    pub code: String,
    /// Stored name.
    pub name: String,
}

/// The two comparison files in `folder`, or in the first of [`FOLDERS`] that has them.
pub fn locate(folder: Option<&Path>) -> Option<(PathBuf, PathBuf)> {
    let candidates: Vec<PathBuf> = match folder {
        Some(f) => vec![f.to_owned()],
        None => FOLDERS.iter().map(PathBuf::from).collect(),
    };
    candidates.into_iter().find_map(|dir| {
        let municipal = dir.join(MUNICIPAL_FILE);
        let prefectural = dir.join(PREFECTURAL_FILE);
        (municipal.is_file() && prefectural.is_file()).then_some((municipal, prefectural))
    })
}

fn error(
    file: &Path,
    row: Option<usize>,
    column: Option<String>,
    value: Option<String>,
    reason: String,
) -> SurveyFileError {
    SurveyFileError {
        file: file.to_owned(),
        row,
        column,
        value,
        reason,
    }
}

fn normalised(name: &str) -> String {
    name.chars()
        .map(|c| {
            VARIANTS
                .iter()
                .find(|(from, _)| *from == c)
                .map_or(c, |(_, to)| *to)
        })
        .collect()
}

/// Reads one comparison file, whose columns must be `expected` in order.
pub fn read(
    file: &Path,
    expected: &[Expected],
) -> Result<(Vec<Reported>, Vec<String>), SurveyFileError> {
    let bytes = files::read(file, files::SURVEY_FILE)
        .map_err(|e| error(file, None, None, None, e.to_string()))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        error(file, None, None, None, format!("not UTF-8 (the dashboard publishes UTF-8 with a BOM; was it re-saved as Shift_JIS?): {e}"))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = records
        .next()
        .ok_or_else(|| error(file, None, None, None, "empty file".into()))?
        .map_err(|e| error(file, Some(1), None, None, e.to_string()))?;
    check_header(file, &header, expected)?;
    let by_label: HashMap<&str, Row> = ROWS.iter().map(|r| (r.label, *r)).collect();
    let mut cells = Vec::new();
    let mut pending = Vec::new();
    for (i, record) in records.enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| error(file, Some(line), None, None, e.to_string()))?;
        let label = record.get(1).unwrap_or_default().trim();
        if PENDING_ROWS.contains(&label) {
            pending.push(label.to_owned());
            continue;
        }
        let row = *by_label.get(label).ok_or_else(|| {
            error(
                file,
                Some(line),
                Some("2".into()),
                Some(label.to_owned()),
                "a row label DX Atlas does not know; nothing was imported".into(),
            )
        })?;
        if record.len() < expected.len() + 2 {
            return Err(error(
                file,
                Some(line),
                None,
                None,
                format!(
                    "`{label}` has {} cells; the header names {} authorities",
                    record.len().saturating_sub(2),
                    expected.len()
                ),
            ));
        }
        for (j, authority) in expected.iter().enumerate() {
            let column = j + 3;
            let value = record.get(column - 1).unwrap_or_default();
            let cell = match value.trim() {
                "実施" => Cell::Done,
                "未実施" => Cell::NotDone,
                "調査無し" => Cell::NotSurveyed,
                "" => Cell::Empty,
                other => {
                    return Err(error(
                        file,
                        Some(line),
                        Some(format!("{column} ({})", authority.name)),
                        Some(other.to_owned()),
                        format!("`{label}` takes 実施, 未実施, 調査無し or nothing"),
                    ))
                }
            };
            cells.push(Reported {
                row,
                respondent: authority.code.clone(),
                cell,
            });
        }
    }
    Ok((cells, pending))
}

/// The header names the authorities of `expected` in order, from column 3, and nothing else
/// but an empty trailing column.
fn check_header(
    file: &Path,
    header: &csv::StringRecord,
    expected: &[Expected],
) -> Result<(), SurveyFileError> {
    let names: Vec<&str> = header.iter().skip(2).collect();
    let names: Vec<&str> = match names.split_last() {
        Some((last, rest)) if last.trim().is_empty() => rest.to_vec(),
        _ => names,
    };
    for (j, authority) in expected.iter().enumerate() {
        let column = j + 3;
        let found = names.get(j).map(|n| n.trim());
        if found.map(normalised) != Some(normalised(&authority.name)) {
            return Err(error(
                file,
                Some(1),
                Some(column.to_string()),
                Some(found.unwrap_or("(missing)").to_owned()),
                format!(
                    "expected {} ({}) in this column: columns are matched to codes by position",
                    authority.name, authority.code
                ),
            ));
        }
    }
    if let Some(extra) = names.get(expected.len()) {
        return Err(error(
            file,
            Some(1),
            Some((expected.len() + 3).to_string()),
            Some((*extra).to_owned()),
            format!(
                "more columns than the {} authorities stored",
                expected.len()
            ),
        ));
    }
    Ok(())
}

/// What an import of the dashboard table did.
#[derive(Debug, Default)]
pub struct DashboardReport {
    /// Files read, with their SHA-256.
    pub files: Vec<(String, String)>,
    /// Official answers written, by indicator and option.
    pub official: BTreeMap<String, BTreeMap<String, usize>>,
    /// Official answers that differ from the synthetic answer they replace.
    pub replaced: usize,
    /// Synthetic answers kept (indicators and options the table does not give), drawn anew
    /// around the real ones.
    pub synthetic: usize,
    /// Rows read but not imported (no indicator yet).
    pub pending: Vec<String>,
    /// The same files were imported already: nothing was written.
    pub unchanged: bool,
}

impl fmt::Display for DashboardReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, sha) in &self.files {
            writeln!(f, "read {name} (sha256 {sha})")?;
        }
        if self.unchanged {
            return write!(f, "nothing was changed: these files were imported already");
        }
        for (indicator, options) in &self.official {
            let counts: Vec<String> = options.iter().map(|(o, n)| format!("{o} {n}")).collect();
            writeln!(f, "official  {indicator}: {}", counts.join(", "))?;
        }
        writeln!(
            f,
            "{} official answers differ from the synthetic ones they replace; {} synthetic answers remain, drawn around the official ones",
            self.replaced, self.synthetic
        )?;
        write!(
            f,
            "rows not imported yet (no indicator): {}",
            self.pending.join(", ")
        )
    }
}

/// Imports the table into `edition`: the official answers it gives, and calibrated synthetic
/// answers drawn anew around them for everything else, in one transaction. The same files
/// imported again change nothing.
// Longer than most: the steps of one import (read, check, draw around, write, verify) in
// order, each a call, with the transaction held across the writes.
pub async fn import(
    db: &DatabaseConnection,
    edition: &str,
    folder: Option<&Path>,
) -> AppResult<DashboardReport> {
    let (municipal, prefectural) = locate(folder).ok_or_else(|| {
        AppError::NotFound(format!(
            "the dashboard files {MUNICIPAL_FILE} and {PREFECTURAL_FILE} are not in {}",
            folder.map_or_else(|| FOLDERS.join(" or "), |f| f.display().to_string())
        ))
    })?;
    let edition_row = repo::survey::edition(db, edition)
        .await?
        .ok_or_else(|| AppError::BadInput(format!("edition: no survey edition `{edition}`")))?;
    let mut report = DashboardReport::default();
    for file in [&municipal, &prefectural] {
        let bytes = files::read(file, files::SURVEY_FILE)
            .map_err(|e| error(file, None, None, None, e.to_string()))?;
        let name = file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        report.files.push((name, fetch::hex_sha256(&bytes)));
    }
    if already_imported(db, &report.files).await? {
        report.unchanged = true;
        return Ok(report);
    }
    let (cells, pending) = read_both(db, &municipal, &prefectural).await?;
    report.pending = pending;
    let catalogue = Catalogue::r5().map_err(|e| AppError::internal("reading the catalogue", e))?;
    let fixed = fix(&catalogue, &cells, &municipal)?;
    let respondents = seed::respondents(db).await?;
    let answers = calibrate::generate_around(&catalogue, &respondents, calibrate::SEED, &fixed)
        .map_err(|e| {
            error(
                &municipal,
                None,
                None,
                None,
                format!("the real answers do not fit the catalogue: {e}"),
            )
        })?;
    let before: HashSet<Answer> = store::all_answers(db, edition).await?.into_iter().collect();
    let dates = repo::survey::question_dates(db).await?;
    let row_dates: HashMap<&str, Option<&str>> = ROWS
        .iter()
        .map(|r| (r.indicator, r.reference_date))
        .collect();
    let mut sourced = Vec::with_capacity(answers.len());
    for answer in answers {
        if fixed.is_real(&answer) {
            *report
                .official
                .entry(answer.question.clone())
                .or_default()
                .entry(answer.option.clone().unwrap_or_default())
                .or_default() += 1;
            report.replaced += usize::from(!before.contains(&answer));
            let reference_date = row_dates
                .get(answer.question.as_str())
                .copied()
                .flatten()
                .map(str::to_owned);
            sourced.push(Sourced {
                answer,
                source: &source::DASHBOARD,
                reference_date,
            });
        } else {
            report.synthetic += 1;
            sourced.extend(source::dated(
                vec![answer],
                &source::CALIBRATED,
                &dates,
                &edition_row.reference_date,
            ));
        }
    }
    let txn = db.begin().await?;
    repo::version::lock_for_import(&txn).await?;
    store::upsert_source(&txn, &source::CALIBRATED, &[]).await?;
    store::upsert_source(&txn, &source::DASHBOARD, &report.files).await?;
    store::replace_answers(&txn, edition, &sourced).await?;
    store::set_provenance(&txn, &edition_row, Provenance::Mixed, MIXED_NOTE).await?;
    repo::version::bump(&txn).await?;
    txn.commit().await?;
    Ok(report)
}

/// What the provenance `MIXED` means.
pub const MIXED_NOTE: &str = "Answers of several sources: the Digital Agency's dashboard table gives \
official per-authority answers for CIO and CIO assistant appointments, the overall DX policy (adopted or \
not), the organisation-wide structure, external talent, staff development and all-staff training, AI, RPA \
and telework; every other value is calibrated synthetic, drawn around the official ones so that it \
reproduces the published totals, and is not official. Each value says which.";

/// Whether the dashboard source was imported from exactly these files.
async fn already_imported(db: &DatabaseConnection, files: &[(String, String)]) -> AppResult<bool> {
    let wanted = files
        .iter()
        .map(|(name, sha)| format!("{sha}  {name}"))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(repo::survey::source(db, source::DASHBOARD.code)
        .await?
        .is_some_and(|s| s.files == wanted))
}

/// Reads both comparison files against the stored authorities.
async fn read_both(
    db: &DatabaseConnection,
    municipal: &Path,
    prefectural: &Path,
) -> AppResult<(Vec<Reported>, Vec<String>)> {
    let filter = repo::areas::MunicipalityFilter::default();
    let municipalities: Vec<Expected> = repo::areas::municipalities(db, &filter, None, None)
        .await?
        .into_iter()
        .map(|m| Expected {
            code: m.code,
            name: m.name,
        })
        .collect();
    let prefectures: Vec<Expected> = repo::areas::prefectures(db)
        .await?
        .into_iter()
        .map(|p| Expected {
            code: p.code,
            name: p.name,
        })
        .collect();
    let (mut cells, mut pending) = read(municipal, &municipalities)?;
    let (more, more_pending) = read(prefectural, &prefectures)?;
    cells.extend(more);
    pending.extend(more_pending);
    pending.sort();
    pending.dedup();
    Ok((cells, pending))
}

/// What the cells say, as answers the generator takes as given; cells that contradict the
/// catalogue's universes or a follow-up's parent refuse the import.
fn fix(catalogue: &Catalogue, cells: &[Reported], file: &Path) -> Result<Fixed, SurveyFileError> {
    let cell_of: HashMap<(&str, &str), Cell> = cells
        .iter()
        .map(|c| ((c.row.indicator, c.respondent.as_str()), c.cell))
        .collect();
    let mut fixed = Fixed::default();
    for c in cells {
        let refuse = |reason: String| {
            error(
                file,
                None,
                Some(c.row.label.to_owned()),
                Some(c.respondent.clone()),
                reason,
            )
        };
        let question = catalogue.question(c.row.indicator).ok_or_else(|| {
            refuse(format!(
                "no indicator `{}` in the catalogue",
                c.row.indicator
            ))
        })?;
        let inside = Subject::of_respondent(&c.respondent) == Subject::Prefecture
            || question
                .municipal_universe
                .is_some_and(|u| universe::includes(u, &c.respondent));
        match (c.cell, inside) {
            (Cell::NotSurveyed, false) => continue,
            (Cell::NotSurveyed, true) => {
                return Err(refuse(
                    "調査無し, but the catalogue counts this authority in the indicator's universe"
                        .into(),
                ))
            }
            (Cell::Done | Cell::NotDone, false) => {
                return Err(refuse(
                    "an answer, but the authority is outside the indicator's universe".into(),
                ))
            }
            _ => {}
        }
        let given = match (c.row.reading, c.cell) {
            (_, Cell::Empty) => Given::Nothing,
            (Reading::YesNo, Cell::Done) => Given::Chose("yes".into()),
            (Reading::YesNo, _) => Given::Chose("no".into()),
            (Reading::Adopted, Cell::Done) => Given::Chose("adopted".into()),
            (Reading::Adopted, _) => Given::NotChose("adopted".into()),
            (Reading::FollowUp { parent }, cell) => {
                let parent_done =
                    cell_of.get(&(parent, c.respondent.as_str())) == Some(&Cell::Done);
                match (cell, parent_done) {
                    (Cell::Done, true) => Given::Chose("yes".into()),
                    (Cell::Done, false) => {
                        return Err(refuse(format!(
                            "実施, but not 実施 for its parent `{parent}`"
                        )))
                    }
                    (_, true) => Given::Chose("no".into()),
                    (_, false) => continue,
                }
            }
        };
        fixed.insert(c.row.indicator, &c.respondent, given);
    }
    Ok(fixed)
}
