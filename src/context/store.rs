//! Importing the context (SSDSE-A, the names files) into the database, each import checked
//! against the stored municipalities and written in one transaction, and reading it back.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

use super::names::{self, Names};
use super::ssdse;
use super::statistics::Statistics;
use crate::entity::{municipality, municipality_name, statistic};
use crate::error::{AppError, AppResult, DataFileError};
use crate::survey::source::{self, SourceInfo};
use crate::survey::store as survey_store;
use crate::{fetch, files, repo};

/// The SSDSE-A file as published.
pub const SSDSE_FILE: &str = "SSDSE-A-2025.csv";

fn unreadable(path: &Path, e: impl fmt::Display) -> DataFileError {
    DataFileError::at(path, None, None, None, e.to_string())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// Whether `source` was last imported from exactly these files.
async fn already_imported(
    db: &impl ConnectionTrait,
    source: &SourceInfo,
    files: &[(String, String)],
) -> AppResult<bool> {
    let wanted = files
        .iter()
        .map(|(name, sha)| format!("{sha}  {name}"))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(repo::survey::source(db, source.code)
        .await?
        .is_some_and(|s| s.files == wanted))
}

/// What an import of SSDSE-A did.
#[derive(Debug, Default)]
pub struct StatisticsReport {
    /// The file read and its SHA-256.
    pub file: (String, String),
    /// The table's title, e.g. `SSDSE-A-2025`.
    pub title: String,
    /// Variables stored.
    pub variables: usize,
    /// Municipalities with a row.
    pub municipalities: usize,
    /// Administered municipalities the file has no row for.
    pub missing: Vec<String>,
    /// Variables whose unit could not be told from the label.
    pub unit_unknown: Vec<String>,
    /// The same file was imported already: nothing was written.
    pub unchanged: bool,
}

impl fmt::Display for StatisticsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "read {} (sha256 {})", self.file.0, self.file.1)?;
        if self.unchanged {
            return write!(f, "nothing was changed: this file was imported already");
        }
        write!(
            f,
            "{}: {} variables for {} municipalities",
            self.title, self.variables, self.municipalities
        )?;
        if !self.missing.is_empty() {
            write!(f, "\nno row for {}: {:?}", self.missing.len(), self.missing)?;
        }
        if !self.unit_unknown.is_empty() {
            write!(f, "\nunit not known: {:?}", self.unit_unknown)?;
        }
        Ok(())
    }
}

/// Imports SSDSE-A from `path`: every row's code must be a stored municipality, with its
/// prefecture and name; each variable is stored with its label, unit, year and source, all in
/// one transaction. The same file imported again changes nothing.
pub async fn import_statistics(
    db: &DatabaseConnection,
    path: &Path,
) -> AppResult<StatisticsReport> {
    let bytes = files::read(path, files::SURVEY_FILE).map_err(|e| unreadable(path, e))?;
    let mut report = StatisticsReport {
        file: (file_name(path), fetch::hex_sha256(&bytes)),
        ..StatisticsReport::default()
    };
    let listed = [report.file.clone()];
    if already_imported(db, &source::SSDSE, &listed).await? {
        report.unchanged = true;
        return Ok(report);
    }
    let table = ssdse::parse(path, &bytes)?;
    check_rows(db, path, &table, &mut report).await?;
    let rows = statistic_rows(&table)?;
    report.title.clone_from(&table.title);
    report.variables = table.variables.len();
    report.municipalities = table.rows.len();
    report.unit_unknown = table
        .variables
        .iter()
        .filter(|v| v.unit.is_none())
        .map(|v| v.code.clone())
        .collect();
    let txn = db.begin().await?;
    repo::version::lock_for_import(&txn).await?;
    statistic::Entity::delete_many()
        .filter(statistic::Column::SourceCode.eq(source::SSDSE.code))
        .exec(&txn)
        .await?;
    // A row holds one variable's 1,741 values; a few per statement keep under every bound.
    for chunk in rows.chunks(16) {
        statistic::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    survey_store::upsert_source(&txn, &source::SSDSE, &listed).await?;
    repo::version::bump(&txn).await?;
    txn.commit().await?;
    Ok(report)
}

/// Every row's code is a stored municipality in the prefecture it names, under its name
/// (spelling variants aside); administered municipalities without a row are reported.
async fn check_rows(
    db: &impl ConnectionTrait,
    path: &Path,
    table: &ssdse::Table,
    report: &mut StatisticsReport,
) -> AppResult<()> {
    let stored: HashMap<String, municipality::Model> = municipality::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.code.clone(), m))
        .collect();
    let prefectures: HashMap<String, String> = repo::areas::prefectures(db)
        .await?
        .into_iter()
        .map(|p| (p.code, p.name))
        .collect();
    let refuse = |row: &ssdse::Row, column: &str, value: &str, reason: String| {
        DataFileError::at(path, Some(row.line), Some(column), Some(value), reason)
    };
    for row in &table.rows {
        let code = row.code.to_string();
        let Some(m) = stored.get(&code) else {
            return Err(refuse(
                row,
                "地域コード",
                &format!("R{code}"),
                "is not a stored municipality (import the boundaries of the same date first)"
                    .into(),
            )
            .into());
        };
        let prefecture = prefectures
            .get(&m.prefecture_code)
            .map_or("", String::as_str);
        if row.prefecture != prefecture {
            return Err(refuse(
                row,
                "都道府県",
                &row.prefecture,
                format!("municipality {code} lies in {prefecture}"),
            )
            .into());
        }
        if names::fold(&row.name) != names::fold(&m.name) {
            return Err(refuse(
                row,
                "市区町村",
                &row.name,
                format!("municipality {code} is {}", m.name),
            )
            .into());
        }
    }
    let present: std::collections::HashSet<String> =
        table.rows.iter().map(|r| r.code.to_string()).collect();
    let mut missing: Vec<String> = stored
        .values()
        .filter(|m| m.administered && !present.contains(&m.code))
        .map(|m| m.code.clone())
        .collect();
    missing.sort();
    report.missing = missing;
    Ok(())
}

/// One stored row per variable, its values as a JSON object by code.
fn statistic_rows(table: &ssdse::Table) -> AppResult<Vec<statistic::ActiveModel>> {
    table
        .variables
        .iter()
        .enumerate()
        .map(|(column, variable)| {
            let values: BTreeMap<String, f64> = table
                .rows
                .iter()
                .filter_map(|r| Some((r.code.to_string(), r.values[column]?)))
                .collect();
            let values = serde_json::to_string(&values)
                .map_err(|e| AppError::internal("writing a statistic's values", e))?;
            Ok(statistic::ActiveModel {
                code: Set(variable.code.clone()),
                label: Set(variable.label.clone()),
                unit: Set(variable.unit.map(str::to_owned)),
                year: Set(variable.year),
                source_code: Set(source::SSDSE.code.to_owned()),
                position: Set(i32::try_from(column).unwrap_or(i32::MAX)),
                values: Set(values),
            })
        })
        .collect()
}

/// Every stored statistic, with the derived ones.
pub async fn statistics(db: &impl ConnectionTrait) -> AppResult<Statistics> {
    let rows = statistic::Entity::find()
        .order_by_asc(statistic::Column::Position)
        .all(db)
        .await?;
    Statistics::from_rows(rows)
}

/// What an import of the names did.
#[derive(Debug, Default)]
pub struct NamesReport {
    /// Files read and their SHA-256.
    pub files: Vec<(String, String)>,
    /// Municipalities with names stored.
    pub municipalities: usize,
    /// Administered municipalities neither file names.
    pub missing: Vec<String>,
    /// The same files were imported already: nothing was written.
    pub unchanged: bool,
}

impl fmt::Display for NamesReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, sha) in &self.files {
            writeln!(f, "read {name} (sha256 {sha})")?;
        }
        if self.unchanged {
            return write!(f, "nothing was changed: these files were imported already");
        }
        write!(f, "names of {} municipalities", self.municipalities)?;
        if !self.missing.is_empty() {
            write!(f, "\nno names for {:?}", self.missing)?;
        }
        Ok(())
    }
}

/// Imports localgovjp's readings file and jp-prefecture's romanised names for every stored
/// municipality, in one transaction. The same files imported again change nothing.
pub async fn import_names(
    db: &DatabaseConnection,
    readings_path: &Path,
    romaji_path: &Path,
) -> AppResult<NamesReport> {
    let read = |path: &Path| -> Result<Vec<u8>, DataFileError> {
        files::read(path, files::SURVEY_FILE).map_err(|e| unreadable(path, e))
    };
    let readings = read(readings_path)?;
    let romaji = read(romaji_path)?;
    let mut report = NamesReport {
        files: vec![
            (file_name(readings_path), fetch::hex_sha256(&readings)),
            (file_name(romaji_path), fetch::hex_sha256(&romaji)),
        ],
        ..NamesReport::default()
    };
    if already_imported(db, &source::NAMES, &report.files).await? {
        report.unchanged = true;
        return Ok(report);
    }
    let by_code = names::parse((readings_path, &readings), (romaji_path, &romaji))?;
    let stored = municipality::Entity::find().all(db).await?;
    let mut rows = Vec::new();
    for m in &stored {
        let found = crate::domain::AuthorityCode::parse(&m.code)
            .ok()
            .and_then(|c| by_code.get(&c));
        match found {
            Some(n) => rows.push(name_row(m, n)),
            None if m.administered => report.missing.push(m.code.clone()),
            None => {}
        }
    }
    report.municipalities = rows.len();
    let txn = db.begin().await?;
    repo::version::lock_for_import(&txn).await?;
    for chunk in rows.chunks(500) {
        municipality_name::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(municipality_name::Column::Code)
                    .update_columns([
                        municipality_name::Column::Kana,
                        municipality_name::Column::Romaji,
                        municipality_name::Column::Website,
                        municipality_name::Column::TownHallLat,
                        municipality_name::Column::TownHallLon,
                        municipality_name::Column::SearchKeys,
                    ])
                    .to_owned(),
            )
            .exec(&txn)
            .await?;
    }
    survey_store::upsert_source(&txn, &source::NAMES, &report.files).await?;
    repo::version::bump(&txn).await?;
    txn.commit().await?;
    Ok(report)
}

fn name_row(m: &municipality::Model, n: &Names) -> municipality_name::ActiveModel {
    municipality_name::ActiveModel {
        code: Set(m.code.clone()),
        kana: Set(n.kana.clone()),
        romaji: Set(n.romaji.clone()),
        website: Set(n.website.clone()),
        town_hall_lat: Set(n.town_hall.map(|p| p.0)),
        town_hall_lon: Set(n.town_hall.map(|p| p.1)),
        search_keys: Set(names::search_keys(&m.name, n)),
    }
}

/// Names of these municipalities, by code.
pub async fn names_of(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> AppResult<HashMap<String, municipality_name::Model>> {
    Ok(municipality_name::Entity::find()
        .filter(municipality_name::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.code.clone(), n))
        .collect())
}
