//! One file of an edition's dataset written from its gathered data: a table as CSV (with the
//! byte-order mark for Excel when asked) or as a workbook, or the whole package. The CPU work
//! runs off the async workers; the GeoPackages are written over SQLite, which is async.

use std::sync::Arc;

use super::data::SurveyData;
use super::package::{self, Entry, PackageError, BOUNDARY_FILES};
use super::sheets;
use super::spec::{self, FileFormat, FileSpec, SurveyFile, TableKind};
use super::table::{self, Table};
use super::tables;
use crate::choropleth::workbook::BOM;
use crate::error::{AppError, AppResult};
use crate::spatial::gpkg;
use crate::survey::source::{self, SourceInfo};

/// The table `kind` of `data`.
pub fn table(data: &SurveyData, kind: TableKind, synthetic: bool) -> Table {
    match kind {
        TableKind::Wide => tables::wide(data, synthetic),
        TableKind::Long => tables::long(data, synthetic),
        TableKind::Statistics => tables::statistics(data),
    }
}

/// The sources a table's credits name: the answers' (only official ones unless `synthetic`)
/// and, for the statistics, SSDSE's.
fn sources(
    data: &SurveyData,
    kind: Option<TableKind>,
    synthetic: bool,
) -> Vec<&'static SourceInfo> {
    let mut out: Vec<&'static SourceInfo> = Vec::new();
    if kind != Some(TableKind::Statistics) {
        out.extend(
            data.sources
                .iter()
                .filter_map(|code| source::by_code(code).ok())
                .filter(|s| synthetic || s.kind == source::SourceKind::Official),
        );
    }
    if kind.is_none_or(|k| k == TableKind::Statistics) && !out.contains(&&source::SSDSE) {
        out.push(&source::SSDSE);
    }
    out
}

/// The bytes of one table file. CPU work.
fn table_file(
    data: &SurveyData,
    spec: FileSpec,
    kind: TableKind,
    format: FileFormat,
) -> AppResult<Vec<u8>> {
    let t = table(data, kind, spec.synthetic);
    match format {
        FileFormat::Csv { bom } => {
            let plain = table::csv(&t)
                .map_err(|e| AppError::internal("writing a survey table's CSV", e))?;
            Ok(if bom {
                [BOM, plain.as_slice()].concat()
            } else {
                plain
            })
        }
        FileFormat::Xlsx => {
            let query = if spec.synthetic {
                "?include=synthetic"
            } else {
                ""
            };
            let download = spec::path(&data.edition.code, &format!("{}.xlsx{query}", kind.name()));
            sheets::xlsx(
                &t,
                &data.edition,
                &sources(data, Some(kind), spec.synthetic),
                &download,
            )
            .map_err(|e| AppError::internal("writing a survey table's workbook", e))
        }
    }
}

/// The package's entries but the boundaries. CPU work.
fn package_entries(data: &SurveyData, synthetic: bool) -> Result<Vec<Entry>, PackageError> {
    let all = [TableKind::Wide, TableKind::Long, TableKind::Statistics]
        .map(|k| table(data, k, synthetic));
    package::entries(data, synthetic, &all, &sources(data, None, synthetic))
}

/// The bytes of `spec`'s file of `data`.
pub async fn write(data: Arc<SurveyData>, spec: FileSpec) -> AppResult<Vec<u8>> {
    let blocking =
        |what: &'static str| move |e: tokio::task::JoinError| AppError::internal(what, e);
    match spec.file {
        SurveyFile::Table(kind, format) => {
            tokio::task::spawn_blocking(move || table_file(&data, spec, kind, format))
                .await
                .map_err(blocking("writing a survey table"))?
        }
        SurveyFile::Package => {
            let cpu = Arc::clone(&data);
            let mut entries =
                tokio::task::spawn_blocking(move || package_entries(&cpu, spec.synthetic))
                    .await
                    .map_err(blocking("writing the survey package"))?
                    .map_err(|e| AppError::internal("writing the survey package", e))?;
            for (path, subject) in BOUNDARY_FILES {
                let cpu = Arc::clone(&data);
                // Drawn through the build gate, as a map is: the same geometry, or BUSY.
                let layer = tokio::task::spawn_blocking(move || package::boundaries(&cpu, subject))
                    .await
                    .map_err(blocking("drawing the package's boundaries"))??;
                let bytes = gpkg::geopackage(&layer)
                    .await
                    .map_err(|e| AppError::internal("writing the package's GeoPackage", e))?;
                entries.push(Entry {
                    path: path.to_owned(),
                    bytes,
                });
            }
            tokio::task::spawn_blocking(move || package::zip(&entries))
                .await
                .map_err(blocking("zipping the survey package"))?
                .map_err(|e| AppError::internal("zipping the survey package", e))
        }
    }
}
