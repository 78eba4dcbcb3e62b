//! What a request for the survey's files asks for, parsed once: which file (`wide.csv`,
//! `long.xlsx`, `package.zip`…) and its options (`bom`, `include`), each option checked against
//! the file it applies to. Knows nothing of HTTP: the file name and the query string are text.

use crate::error::AppError;

/// The tables of the survey as a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableKind {
    /// One row per authority, one column per indicator and per option.
    Wide,
    /// One row per authority, indicator and option, with provenance, source and date.
    Long,
    /// The SSDSE-A statistics, one row per authority: joinable by `code`.
    Statistics,
}

impl TableKind {
    /// The file name without its extension, and the table's name in the data package.
    pub fn name(self) -> &'static str {
        match self {
            Self::Wide => "wide",
            Self::Long => "long",
            Self::Statistics => "statistics",
        }
    }
}

/// The format of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// UTF-8 CSV; with a byte-order mark for Excel when `bom`.
    Csv {
        /// Whether the file starts with the UTF-8 byte-order mark.
        bom: bool,
    },
    /// An `.xlsx` workbook: data, columns and credits.
    Xlsx,
}

/// One file of the survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SurveyFile {
    /// A table in a format.
    Table(TableKind, FileFormat),
    /// The data package: the tables as CSV, the boundaries as GeoPackage, `datapackage.json`
    /// and a README.
    Package,
}

/// A request for one file of one edition's dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileSpec {
    /// Which file.
    pub file: SurveyFile,
    /// Whether calibrated synthetic values are included (`include=synthetic`); by default the
    /// files hold official values only.
    pub synthetic: bool,
}

/// The file names served, for the message that names them.
pub const FILES: [&str; 6] = [
    "wide.csv",
    "wide.xlsx",
    "long.csv",
    "long.xlsx",
    "statistics.csv",
    "package.zip",
];

impl SurveyFile {
    /// The file named `name`, or `None` if the dataset has no such file.
    pub fn parse(name: &str) -> Option<Self> {
        let plain = FileFormat::Csv { bom: false };
        Some(match name {
            "wide.csv" => Self::Table(TableKind::Wide, plain),
            "wide.xlsx" => Self::Table(TableKind::Wide, FileFormat::Xlsx),
            "long.csv" => Self::Table(TableKind::Long, plain),
            "long.xlsx" => Self::Table(TableKind::Long, FileFormat::Xlsx),
            "statistics.csv" => Self::Table(TableKind::Statistics, plain),
            "package.zip" => Self::Package,
            _ => return None,
        })
    }

    /// The file's extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Table(_, FileFormat::Csv { .. }) => "csv",
            Self::Table(_, FileFormat::Xlsx) => "xlsx",
            Self::Package => "zip",
        }
    }

    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Table(_, FileFormat::Csv { .. }) => "text/csv; charset=utf-8",
            Self::Table(_, FileFormat::Xlsx) => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            Self::Package => "application/zip",
        }
    }

    /// Whether a client gets it compressed when it asks: a workbook and a zip are compressed
    /// already.
    pub fn compressible(self) -> bool {
        matches!(self, Self::Table(_, FileFormat::Csv { .. }))
    }
}

impl FileSpec {
    /// The file `name` with the options of `query` (a URL query string, undecoded). An
    /// unknown option, a value an option does not take, or an option of another file is
    /// refused naming it; an unknown file is `Ok(None)`, for the caller to answer as not found.
    pub fn parse(name: &str, query: &str) -> Result<Option<Self>, AppError> {
        let Some(mut file) = SurveyFile::parse(name) else {
            return Ok(None);
        };
        let mut synthetic = false;
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "bom" => {
                    let bom = match value.as_ref() {
                        "true" => true,
                        "false" => false,
                        other => {
                            return Err(AppError::bad_argument(
                                "bom",
                                format!("`{other}` is neither true nor false"),
                            ))
                        }
                    };
                    file = match file {
                        SurveyFile::Table(kind, FileFormat::Csv { .. }) => {
                            SurveyFile::Table(kind, FileFormat::Csv { bom })
                        }
                        _ => {
                            return Err(AppError::bad_argument(
                                "bom",
                                format!("the byte-order mark is an option of the CSV files, not of `{name}`"),
                            ))
                        }
                    };
                }
                "include" => {
                    synthetic = match value.as_ref() {
                        "synthetic" => true,
                        "official" => false,
                        other => {
                            return Err(AppError::bad_argument(
                                "include",
                                format!("`{other}` is neither `synthetic` nor `official`"),
                            ))
                        }
                    };
                }
                other => {
                    return Err(AppError::bad_argument(
                        other,
                        "unknown parameter: the survey's files take `bom` (CSV) and `include`",
                    ))
                }
            }
        }
        Ok(Some(Self { file, synthetic }))
    }

    /// What names the file in a cache, with its options.
    pub fn cache_name(self) -> String {
        let name = match self.file {
            SurveyFile::Table(kind, FileFormat::Csv { bom }) => {
                format!("{}.csv{}", kind.name(), if bom { "+bom" } else { "" })
            }
            SurveyFile::Table(kind, FileFormat::Xlsx) => format!("{}.xlsx", kind.name()),
            SurveyFile::Package => "package.zip".to_owned(),
        };
        if self.synthetic {
            format!("{name}+synthetic")
        } else {
            name
        }
    }

    /// The name the file is saved under: `dx-atlas_R5_wide.csv`, with `_synthetic` where
    /// synthetic values are included.
    pub fn file_name(self, edition: &str) -> String {
        let stem = match self.file {
            SurveyFile::Table(kind, _) => kind.name(),
            SurveyFile::Package => "package",
        };
        let synthetic = if self.synthetic { "_synthetic" } else { "" };
        format!(
            "dx-atlas_{edition}_{stem}{synthetic}.{}",
            self.file.extension()
        )
    }
}

/// Root-relative links to an edition's files, as GraphQL lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// The wide table as CSV (UTF-8, no byte-order mark: pandas, R).
    pub wide_csv: String,
    /// The same with a byte-order mark, for Excel.
    pub wide_excel_csv: String,
    /// The wide table as a workbook.
    pub wide_xlsx: String,
    /// The long table as CSV.
    pub long_csv: String,
    /// The long table as a workbook.
    pub long_xlsx: String,
    /// The statistics as CSV.
    pub statistics_csv: String,
    /// The data package.
    pub package: String,
}

/// The path of an edition's file `name`.
pub fn path(edition: &str, name: &str) -> String {
    let edition: String = url::form_urlencoded::byte_serialize(edition.as_bytes()).collect();
    format!("/survey/{edition}/{name}")
}

/// The links to `edition`'s files (official values only).
pub fn links(edition: &str) -> Links {
    Links {
        wide_csv: path(edition, "wide.csv"),
        wide_excel_csv: path(edition, "wide.csv?bom=true"),
        wide_xlsx: path(edition, "wide.xlsx"),
        long_csv: path(edition, "long.csv"),
        long_xlsx: path(edition, "long.xlsx"),
        statistics_csv: path(edition, "statistics.csv"),
        package: path(edition, "package.zip"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_options_parse_into_one_spec() {
        let spec = FileSpec::parse("wide.csv", "bom=true&include=synthetic")
            .unwrap()
            .unwrap();
        assert_eq!(
            spec.file,
            SurveyFile::Table(TableKind::Wide, FileFormat::Csv { bom: true })
        );
        assert!(spec.synthetic);
        assert_eq!(spec.cache_name(), "wide.csv+bom+synthetic");
        assert_eq!(spec.file_name("R5"), "dx-atlas_R5_wide_synthetic.csv");
        let package = FileSpec::parse("package.zip", "").unwrap().unwrap();
        assert_eq!(package.file, SurveyFile::Package);
        assert!(!package.synthetic);
        assert!(FileSpec::parse("nope.csv", "").unwrap().is_none());
    }

    #[test]
    fn unknown_and_misplaced_options_are_refused_by_name() {
        let message = |name: &str, query: &str| match FileSpec::parse(name, query) {
            Err(e) => e.to_string(),
            Ok(spec) => panic!("{name}?{query} parsed: {spec:?}"),
        };
        assert!(message("wide.csv", "colour=red").starts_with("colour:"));
        assert!(message("wide.csv", "bom=yes").starts_with("bom:"));
        assert!(message("wide.xlsx", "bom=true").starts_with("bom:"));
        assert!(message("long.csv", "include=all").starts_with("include:"));
        for name in FILES {
            assert!(FileSpec::parse(name, "").unwrap().is_some(), "{name}");
        }
    }

    #[test]
    fn links_name_the_files_served() {
        let links = links("R5");
        assert_eq!(links.wide_csv, "/survey/R5/wide.csv");
        assert_eq!(links.package, "/survey/R5/package.zip");
    }
}
