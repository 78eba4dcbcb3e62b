//! The Digital Agency's 自治体DX dashboard table: real per-authority answers of the 令和5年度
//! survey, read as published (UTF-8 with BOM, wide: a column per authority, by name only).
//!
//! Columns are matched to codes by position against the stored municipalities (prefectures
//! for the prefectural files) in code order, and every name is checked against the stored
//! one: names alone are ambiguous (伊達市, 府中市, 池田町 exist twice or more). Row labels map
//! to catalogue indicators through [`ROWS`] (the comparison files) and [`PROCEDURES`] (the
//! online-use rates); anything else refuses the whole import.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use super::answer::Answer;
use super::calibrate::{self, Fixed, Given};
use super::catalogue::{Catalogue, Question, Subject};
use super::source::{self, Provenance, Sourced};
use super::{seed, store, universe};
use crate::domain::Percent;
use crate::error::{AppError, AppResult, DataFileError};
use crate::{fetch, files, repo};

/// The municipal comparison file.
pub const MUNICIPAL_FILE: &str = "市区町村毎のDX進捗状況_市区町村比較.csv";
/// The prefectural comparison file.
pub const PREFECTURAL_FILE: &str = "都道府県のDX進捗状況_都道府県比較.csv";
/// The per-procedure online-use rates of municipalities.
pub const MUNICIPAL_RATES_FILE: &str = "市区町村毎のDX進捗状況_行政手続のオンライン申請率.csv";
/// The per-procedure online-use rates of prefectures.
pub const PREFECTURAL_RATES_FILE: &str = "都道府県のDX進捗状況_行政手続のオンライン申請率.csv";
/// The four files, municipal before prefectural within each pair.
pub const FILES: [&str; 4] = [
    MUNICIPAL_FILE,
    PREFECTURAL_FILE,
    MUNICIPAL_RATES_FILE,
    PREFECTURAL_RATES_FILE,
];

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
    /// A percentage, the authority's own share; a bare `%` (a share of none, 0 of 0
    /// procedures) is no value.
    Share,
    /// A whole number.
    Number,
}

impl Reading {
    /// Whether the row's cells are numbers, taken as they are rather than as choices the
    /// calibrated generator draws around.
    fn is_numeric(self) -> bool {
        matches!(self, Self::Share | Self::Number)
    }
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

/// A row of numbers whose date the file does not state.
const fn numbers(label: &'static str, indicator: &'static str, reading: Reading) -> Row {
    Row {
        label,
        indicator,
        reading,
        reference_date: None,
    }
}

/// A procedure's online-use rate.
const fn procedure(label: &'static str, indicator: &'static str) -> Row {
    numbers(label, indicator, Reading::Share)
}

/// The 32 common procedures: the share online, and the two counts it is the ratio of.
const COMMON_32: [&str; 3] = [
    "online_procedures.common_32.online_share",
    "online_procedures.common_32.carried_out",
    "online_procedures.common_32.online",
];

/// The rows of the comparison files, label by label. The AI and RPA rows are a later round
/// of their survey than the summary's 2022-12-31 (879 and 720 municipalities against 791 and
/// 641) whose date the file does not state; telework reproduces the summary's 2023-10-01
/// figure; the file states no date for the card-holding and online-procedure rows.
pub const ROWS: [Row; 15] = [
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
    numbers(
        "マイナンバーカードの保有状況",
        "my_number_card.holding_rate",
        Reading::Share,
    ),
    numbers(
        "子育て・介護26手続のオンライン化状況",
        "online_procedures.childcare_care_26.online_share",
        Reading::Share,
    ),
    numbers(
        "よく使う32手続のオンライン化状況",
        COMMON_32[0],
        Reading::Share,
    ),
    numbers(
        "よく使う32手続のオンライン化状況_実施されている手続総数（分母）",
        COMMON_32[1],
        Reading::Number,
    ),
    numbers(
        "よく使う32手続のオンライン化状況_実施されている手続総数のうち「オンライン化済」と回答した手続数（分子）",
        COMMON_32[2],
        Reading::Number,
    ),
];

/// The rows of the online-use rate files: each procedure's label as the dashboard writes
/// it, and the indicator of the matching entry of the 59 online procedures
/// (`online_use.<group>.<number>`). The labels differ from the summary's in places
/// (文化・スポーツ施設等の利用予約等, 駐車の許可の申請, a full-width slash), so the link is
/// this table, not a comparison of names.
pub const PROCEDURES: [Row; 58] = [
    procedure("図書館の図書貸出予約等", "online_use.a.1"),
    procedure("文化・スポーツ施設等の利用予約等", "online_use.a.2"),
    procedure("研修・講習・各種イベント等の申込", "online_use.a.3"),
    procedure("地方税申告手続（eLTAX）", "online_use.a.4"),
    procedure("自動車税環境性能割の申告納付", "online_use.a.5"),
    procedure(
        "自動車税の賦課徴収に関する事項の申告又は報告",
        "online_use.a.6",
    ),
    procedure("自動車税住所変更届", "online_use.a.7"),
    procedure("水道使用開始届等", "online_use.a.8"),
    procedure("港湾関係手続", "online_use.a.9"),
    procedure("道路占用許可申請等", "online_use.a.10"),
    procedure("道路使用許可の申請", "online_use.a.11"),
    procedure("自動車の保管場所証明の申請", "online_use.a.12"),
    procedure("駐車の許可の申請", "online_use.a.13"),
    procedure("建築確認", "online_use.a.14"),
    procedure("粗大ごみ収集の申込", "online_use.a.15"),
    procedure("産業廃棄物の処理、運搬の実績報告", "online_use.a.16"),
    procedure("犬の登録申請、死亡届", "online_use.a.17"),
    procedure("感染症調査報告", "online_use.a.18"),
    procedure("職員採用試験申込", "online_use.a.19"),
    procedure("入札参加資格審査申請等", "online_use.a.20"),
    procedure("入札", "online_use.a.21"),
    procedure(
        "衆議院・参議院選挙の不在者投票用紙等の請求",
        "online_use.a.22",
    ),
    procedure("罹災証明書の発行申請", "online_use.b.disaster.1"),
    procedure("応急仮設住宅の入居申請", "online_use.b.disaster.2"),
    procedure("応急修理の実施申請", "online_use.b.disaster.3"),
    procedure("障害物除去の実施申請", "online_use.b.disaster.4"),
    procedure("災害弔慰金の支給申請", "online_use.b.disaster.5"),
    procedure("災害障害見舞金の支給申請", "online_use.b.disaster.6"),
    procedure("災害援護資金の貸付申請", "online_use.b.disaster.7"),
    procedure("被災者生活再建支援金の支給申請", "online_use.b.disaster.8"),
    procedure("転出届", "online_use.b.moving.1"),
    procedure(
        "転入予定市区町村への来庁予定の連絡",
        "online_use.b.moving.2",
    ),
    procedure(
        "児童手当等の受給資格及び児童手当の額についての認定請求",
        "online_use.b.childcare.1",
    ),
    procedure(
        "児童手当等の額の改定の請求及び届出",
        "online_use.b.childcare.2",
    ),
    procedure("氏名変更／住所変更等の届出", "online_use.b.childcare.3"),
    procedure("受給事由消滅の届出", "online_use.b.childcare.4"),
    procedure("未支払の児童手当等の請求", "online_use.b.childcare.5"),
    procedure("児童手当等に係る寄附の申出", "online_use.b.childcare.6"),
    procedure("児童手当に係る寄附変更等の申出", "online_use.b.childcare.7"),
    procedure(
        "受給資格者の申出による学校給食費等の徴収等の申出",
        "online_use.b.childcare.8",
    ),
    procedure(
        "受給資格者の申出による学校給食費等の徴収等の変更等の申出",
        "online_use.b.childcare.9",
    ),
    procedure("児童手当等の現況届", "online_use.b.childcare.10"),
    procedure("支給認定の申請", "online_use.b.childcare.11"),
    procedure("保育施設等の利用申込", "online_use.b.childcare.12"),
    procedure("保育施設等の現況届", "online_use.b.childcare.13"),
    procedure(
        "児童扶養手当の現況届の事前送信",
        "online_use.b.childcare.14",
    ),
    procedure("妊娠の届出", "online_use.b.childcare.15"),
    procedure("要介護・要支援認定の申請", "online_use.b.nursing_care.1"),
    procedure(
        "要介護・要支援更新認定の申請",
        "online_use.b.nursing_care.2",
    ),
    procedure(
        "要介護・要支援状態区分変更認定の申請",
        "online_use.b.nursing_care.3",
    ),
    procedure(
        "居宅（介護予防）サービス計画作成（変更）依頼の届出",
        "online_use.b.nursing_care.4",
    ),
    procedure(
        "介護保険負担割合証の再交付申請",
        "online_use.b.nursing_care.5",
    ),
    procedure("被保険者証の再交付申請", "online_use.b.nursing_care.6"),
    procedure(
        "高額介護（予防）サービス費の支給申請",
        "online_use.b.nursing_care.7",
    ),
    procedure("介護保険負担限度額認定申請", "online_use.b.nursing_care.8"),
    procedure(
        "居宅介護（介護予防）福祉用具購入費の支給申請",
        "online_use.b.nursing_care.9",
    ),
    procedure(
        "居宅介護（介護予防）住宅改修費の支給申請",
        "online_use.b.nursing_care.10",
    ),
    procedure(
        "住所移転後の要介護・要支援認定申請",
        "online_use.b.nursing_care.11",
    ),
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
    /// Empty (or, for a share, a bare `%`): no value.
    Empty,
    /// A percentage.
    Share(Percent),
    /// A whole number.
    Number(i64),
}

impl Cell {
    /// Reads one cell of a row read as `reading`; `Err` says what the row takes.
    fn read(text: &str, reading: Reading) -> Result<Self, &'static str> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Self::Empty);
        }
        match reading {
            Reading::Share if text == "%" => Ok(Self::Empty),
            Reading::Share => Percent::parse(text)
                .map(Self::Share)
                .map_err(|_| "a percentage between 0% and 100% (at most two decimals) or nothing"),
            Reading::Number => text
                .parse::<u32>()
                .map(|n| Self::Number(i64::from(n)))
                .map_err(|_| "a whole number of 0 or more, or nothing"),
            Reading::YesNo | Reading::FollowUp { .. } | Reading::Adopted => match text {
                "実施" => Ok(Self::Done),
                "未実施" => Ok(Self::NotDone),
                "調査無し" => Ok(Self::NotSurveyed),
                _ => Err("実施, 未実施, 調査無し or nothing"),
            },
        }
    }
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

impl Reported {
    /// A refusal of the import naming this cell's row and authority.
    fn refusal(&self, file: &Path, reason: String) -> DataFileError {
        error(
            file,
            None,
            Some(self.row.label.to_owned()),
            Some(self.respondent.clone()),
            reason,
        )
    }

    /// The catalogue's indicator of this cell's row.
    fn question<'c>(
        &self,
        catalogue: &'c Catalogue,
        file: &Path,
    ) -> Result<&'c Question, DataFileError> {
        catalogue.question(self.row.indicator).ok_or_else(|| {
            self.refusal(
                file,
                format!("no indicator `{}` in the catalogue", self.row.indicator),
            )
        })
    }
}

/// An authority a column must hold, in column order.
#[derive(Debug, Clone)]
pub struct Expected {
    /// Code.
    pub code: String,
    /// Stored name.
    pub name: String,
}

/// The four files ([`FILES`], in that order) in `folder`, or in the first of [`FOLDERS`]
/// that has them all.
pub fn locate(folder: Option<&Path>) -> Option<[PathBuf; 4]> {
    let candidates: Vec<PathBuf> = match folder {
        Some(f) => vec![f.to_owned()],
        None => FOLDERS.iter().map(PathBuf::from).collect(),
    };
    candidates.into_iter().find_map(|dir| {
        let paths = FILES.map(|name| dir.join(name));
        paths.iter().all(|p| p.is_file()).then_some(paths)
    })
}

fn error(
    file: &Path,
    row: Option<usize>,
    column: Option<String>,
    value: Option<String>,
    reason: String,
) -> DataFileError {
    DataFileError {
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

/// Reads one file (`bytes`, read from `file`), whose columns must be `expected` in order and
/// whose row labels must be those of `rows`.
pub fn read(
    file: &Path,
    bytes: &[u8],
    expected: &[Expected],
    rows: &[Row],
) -> Result<Vec<Reported>, DataFileError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
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
    let by_label: HashMap<&str, Row> = rows.iter().map(|r| (r.label, *r)).collect();
    let mut cells = Vec::new();
    for (i, record) in records.enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| error(file, Some(line), None, None, e.to_string()))?;
        let label = record.get(1).unwrap_or_default().trim();
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
            let cell = Cell::read(value, row.reading).map_err(|takes| {
                error(
                    file,
                    Some(line),
                    Some(format!("{column} ({})", authority.name)),
                    Some(value.trim().to_owned()),
                    format!("`{label}` takes {takes}"),
                )
            })?;
            cells.push(Reported {
                row,
                respondent: authority.code.clone(),
                cell,
            });
        }
    }
    Ok(cells)
}

/// The header names the authorities of `expected` in order, from column 3, and nothing else
/// but an empty trailing column.
fn check_header(
    file: &Path,
    header: &csv::StringRecord,
    expected: &[Expected],
) -> Result<(), DataFileError> {
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
    /// Official answers written, by indicator and option (`value` for numbers).
    pub official: BTreeMap<String, BTreeMap<String, usize>>,
    /// Official answers that differ from the synthetic answer they replace.
    pub replaced: usize,
    /// Synthetic answers kept (indicators and options the table does not give), drawn anew
    /// around the real ones.
    pub synthetic: usize,
    /// The same files were imported already: nothing was written.
    pub unchanged: bool,
}

impl DashboardReport {
    /// A report of reading `tables`, before anything is written.
    fn of(tables: &[Table; 4]) -> Self {
        Self {
            files: tables
                .iter()
                .map(|t| (t.name(), fetch::hex_sha256(&t.bytes)))
                .collect(),
            ..Self::default()
        }
    }
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
        write!(
            f,
            "{} official answers differ from the synthetic ones they replace; {} synthetic answers remain, drawn around the official ones",
            self.replaced, self.synthetic
        )
    }
}

/// Imports the table into `edition`: the official answers it gives, and calibrated synthetic
/// answers drawn anew around them for everything else, in one transaction. `path` is a folder
/// holding the four files or the dashboard's table zip (default: the first of [`FOLDERS`]
/// that holds them). The same files imported again change nothing.
pub async fn import(
    db: &DatabaseConnection,
    edition: &str,
    path: Option<&Path>,
) -> AppResult<DashboardReport> {
    let tables = load(path)?;
    let edition_row = repo::survey::edition(db, edition).await?.ok_or_else(|| {
        AppError::bad_argument("edition", format!("no survey edition `{edition}`"))
    })?;
    let mut report = DashboardReport::of(&tables);
    if already_imported(db, &report.files).await? {
        report.unchanged = true;
        return Ok(report);
    }
    let sourced = prepare(db, &tables, &edition_row.reference_date, &mut report).await?;
    report.replaced = replaced(db, edition, &sourced).await?;
    let txn = db.begin().await?;
    repo::version::lock_for_import(&txn).await?;
    write(&txn, edition, &sourced, &report.files).await?;
    store::set_provenance(&txn, &edition_row, Provenance::Mixed, MIXED_NOTE).await?;
    repo::version::bump(&txn).await?;
    txn.commit().await?;
    Ok(report)
}

/// Seeds the R5 edition straight from the table when it is not there yet: catalogue, official
/// answers and synthetic ones drawn around them, in one transaction. A first start thus draws
/// and writes the synthetic answers once, where seeding and then importing would do it twice.
/// Returns the report, or `None` when the edition was there already.
pub async fn seed_r5(
    db: &DatabaseConnection,
    tables: &[Table; 4],
) -> AppResult<Option<DashboardReport>> {
    if repo::survey::edition(db, seed::R5).await?.is_some() {
        return Ok(None);
    }
    let mut report = DashboardReport::of(tables);
    // Nothing was stored before: no official answer replaces a synthetic one.
    let sourced = prepare(db, tables, seed::R5_INFO.reference_date, &mut report).await?;
    let catalogue = Catalogue::r5().map_err(|e| AppError::internal("reading the catalogue", e))?;
    let txn = db.begin().await?;
    repo::version::lock_for_import(&txn).await?;
    // Another server sharing the database may have seeded while this one read the table.
    if repo::survey::edition(&txn, seed::R5).await?.is_some() {
        return Ok(None);
    }
    store::insert_edition(&txn, &seed::R5_INFO, Provenance::Mixed, MIXED_NOTE).await?;
    store::insert_catalogue(&txn, seed::R5, &catalogue).await?;
    write(&txn, seed::R5, &sourced, &report.files).await?;
    repo::version::bump(&txn).await?;
    txn.commit().await?;
    Ok(Some(report))
}

/// How many of the official answers differ from the answers stored before: only the
/// questions the table gives are read back.
async fn replaced(
    db: &impl ConnectionTrait,
    edition: &str,
    sourced: &[Sourced],
) -> AppResult<usize> {
    let official: Vec<&Sourced> = sourced
        .iter()
        .filter(|s| s.source.code == source::DASHBOARD.code)
        .collect();
    let mut questions: Vec<String> = official.iter().map(|s| s.answer.question.clone()).collect();
    questions.sort();
    questions.dedup();
    let before: HashSet<Answer> = store::answers_to_questions(db, edition, &questions)
        .await?
        .into_iter()
        .collect();
    Ok(official
        .iter()
        .filter(|s| !before.contains(&s.answer))
        .count())
}

/// Reads the tables against the stored authorities and draws the synthetic answers around
/// the official ones: every answer of the edition, each labelled with its source.
async fn prepare(
    db: &impl ConnectionTrait,
    tables: &[Table; 4],
    reference_date: &str,
    report: &mut DashboardReport,
) -> AppResult<Vec<Sourced>> {
    let cells = read_all(db, tables).await?;
    let (choices, numbers): (Vec<Reported>, Vec<Reported>) =
        cells.into_iter().partition(|c| !c.row.reading.is_numeric());
    let catalogue = Catalogue::r5().map_err(|e| AppError::internal("reading the catalogue", e))?;
    let municipal = &tables[0].path;
    let numbers = taken_as_they_are(&catalogue, &numbers, municipal)?;
    let fixed = fix(&catalogue, &choices, municipal)?;
    let respondents = seed::respondents(db).await?;
    let answers = calibrate::generate_around(&catalogue, &respondents, calibrate::SEED, &fixed)
        .map_err(|e| {
            error(
                municipal,
                None,
                None,
                None,
                format!("the real answers do not fit the catalogue: {e}"),
            )
        })?;
    Ok(label(
        &catalogue,
        reference_date,
        answers,
        numbers,
        &fixed,
        report,
    ))
}

/// Writes an edition's prepared answers and the two sources they name.
async fn write(
    txn: &impl ConnectionTrait,
    edition: &str,
    sourced: &[Sourced],
    files: &[(String, String)],
) -> AppResult<()> {
    store::upsert_source(txn, &source::CALIBRATED, &[]).await?;
    store::upsert_source(txn, &source::DASHBOARD, files).await?;
    store::replace_answers(txn, edition, sourced).await
}

/// One of the four files, read: where it was read from (errors name it), and its bytes.
pub struct Table {
    /// The file, or the archive's entry as `ARCHIVE/NAME`.
    pub path: PathBuf,
    /// Its content.
    pub bytes: Vec<u8>,
}

impl Table {
    /// Its file name, as the source record lists it.
    fn name(&self) -> String {
        self.path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    }
}

/// The four files ([`FILES`] order) from a zip, a folder, or the first of [`FOLDERS`].
pub fn load(path: Option<&Path>) -> AppResult<[Table; 4]> {
    if let Some(archive) = path.filter(|p| p.is_file()) {
        return Ok(from_zip(archive)?);
    }
    let paths = locate(path).ok_or_else(|| {
        AppError::NotFound(format!(
            "the dashboard files {} are not all in {}",
            FILES.join(", "),
            path.map_or_else(|| FOLDERS.join(" or "), |f| f.display().to_string())
        ))
    })?;
    let read = |path: PathBuf| -> Result<Table, DataFileError> {
        let bytes = files::read(&path, files::SURVEY_FILE)
            .map_err(|e| error(&path, None, None, None, e.to_string()))?;
        Ok(Table { path, bytes })
    };
    let [a, b, c, d] = paths;
    Ok([read(a)?, read(b)?, read(c)?, read(d)?])
}

/// The four files from the dashboard's table zip, wherever in it they are. Each entry is read
/// within the size limit of a survey file, whatever its header declares.
fn from_zip(archive: &Path) -> Result<[Table; 4], DataFileError> {
    let fail = |reason: String| error(archive, None, None, None, reason);
    let file = files::open(archive, files::SURVEY_FILE).map_err(|e| fail(e.to_string()))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| fail(format!("neither a folder nor a zip archive: {e}")))?;
    let mut found: [Option<Vec<u8>>; 4] = Default::default();
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| fail(e.to_string()))?;
        let name = entry_name(entry.name_raw());
        let base = name.rsplit('/').next().unwrap_or_default();
        if let Some(k) = FILES.iter().position(|f| *f == base) {
            let bytes = files::read_from(entry, files::SURVEY_FILE)
                .map_err(|e| fail(format!("{name}: {e}")))?;
            found[k] = Some(bytes);
        }
    }
    let mut tables = Vec::with_capacity(FILES.len());
    for (name, bytes) in FILES.iter().zip(found) {
        let bytes = bytes.ok_or_else(|| fail(format!("the archive holds no {name}")))?;
        tables.push(Table {
            path: archive.join(name),
            bytes,
        });
    }
    tables
        .try_into()
        .map_err(|_| fail("the archive's files were not all read".into()))
}

/// An entry's name: UTF-8 where it is, else Shift_JIS, as Japanese archivers write names
/// without the UTF-8 flag.
fn entry_name(raw: &[u8]) -> String {
    std::str::from_utf8(raw).map_or_else(
        |_| encoding_rs::SHIFT_JIS.decode(raw).0.into_owned(),
        str::to_owned,
    )
}

/// Every answer with its source and date: the table's own (drawn answers that it fixes,
/// and its numbers) as official, the rest as calibrated synthetic; counted in `report`.
fn label(
    catalogue: &Catalogue,
    reference_date: &str,
    drawn: Vec<Answer>,
    numbers: Vec<(Answer, Option<&'static str>)>,
    fixed: &Fixed,
    report: &mut DashboardReport,
) -> Vec<Sourced> {
    let dates = catalogue.question_dates();
    let row_dates: HashMap<&str, Option<&str>> = ROWS
        .iter()
        .map(|r| (r.indicator, r.reference_date))
        .collect();
    let official = drawn
        .iter()
        .filter(|a| fixed.is_real(a))
        .map(|a| {
            let date = row_dates.get(a.question.as_str()).copied().flatten();
            (a.clone(), date)
        })
        .chain(numbers)
        .collect::<Vec<_>>();
    let mut sourced = Vec::with_capacity(drawn.len() + official.len());
    for (answer, date) in official {
        *report
            .official
            .entry(answer.question.clone())
            .or_default()
            .entry(answer.option.clone().unwrap_or_else(|| "value".into()))
            .or_default() += 1;
        sourced.push(Sourced {
            answer,
            source: &source::DASHBOARD,
            reference_date: date.map(str::to_owned),
        });
    }
    let synthetic: Vec<Answer> = drawn.into_iter().filter(|a| !fixed.is_real(a)).collect();
    report.synthetic = synthetic.len();
    sourced.extend(source::dated(
        synthetic,
        &source::CALIBRATED,
        &dates,
        reference_date,
    ));
    sourced
}

/// What the provenance `MIXED` means.
pub const MIXED_NOTE: &str = "Answers of several sources: the Digital Agency's dashboard table gives \
official per-authority answers for CIO and CIO assistant appointments, the overall DX policy (adopted or \
not), the organisation-wide structure, external talent, staff development and all-staff training, AI, RPA \
and telework, and the card-holding rate, the online share of the 26 childcare and nursing-care and of the \
32 common procedures, and each procedure's online-use rate; every other value is calibrated synthetic, \
drawn around the official ones so that it reproduces the published totals, and is not official. Each \
value says which.";

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

/// Reads the four files ([`FILES`] order) against the stored authorities.
async fn read_all(db: &impl ConnectionTrait, tables: &[Table; 4]) -> AppResult<Vec<Reported>> {
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
    let [municipal, prefectural, municipal_rates, prefectural_rates] = tables;
    let mut cells = read(&municipal.path, &municipal.bytes, &municipalities, &ROWS)?;
    cells.extend(read(
        &prefectural.path,
        &prefectural.bytes,
        &prefectures,
        &ROWS,
    )?);
    cells.extend(read(
        &municipal_rates.path,
        &municipal_rates.bytes,
        &municipalities,
        &PROCEDURES,
    )?);
    cells.extend(read(
        &prefectural_rates.path,
        &prefectural_rates.bytes,
        &prefectures,
        &PROCEDURES,
    )?);
    Ok(cells)
}

/// The numeric cells as official answers with their dates, checked against the catalogue
/// (the indicator asks the authority) and against each other (of the 32 common procedures,
/// those online are never more than those carried out, and the share is their ratio).
fn taken_as_they_are(
    catalogue: &Catalogue,
    cells: &[Reported],
    file: &Path,
) -> Result<Vec<(Answer, Option<&'static str>)>, DataFileError> {
    let mut out = Vec::new();
    for c in cells {
        let refuse = |reason: String| c.refusal(file, reason);
        let question = c.question(catalogue, file)?;
        let (amount, rate) = match c.cell {
            Cell::Number(n) => (Some(n), None),
            Cell::Share(p) => (None, Some(p)),
            _ => continue,
        };
        if !question.asks(Subject::of_respondent(&c.respondent)) {
            return Err(refuse(format!(
                "a value, but `{}` is not asked of this authority",
                question.code
            )));
        }
        out.push((
            Answer {
                question: question.code.clone(),
                respondent: c.respondent.clone(),
                option: None,
                amount,
                rate,
            },
            c.row.reference_date,
        ));
    }
    check_common_32(&out, file)?;
    Ok(out)
}

/// Of the 32 common procedures, the procedures online are at most those carried out, and
/// the share online is their ratio (as published: rounded to a whole percent).
fn check_common_32(
    answers: &[(Answer, Option<&'static str>)],
    file: &Path,
) -> Result<(), DataFileError> {
    let mut by_respondent: BTreeMap<&str, [Option<&Answer>; 3]> = BTreeMap::new();
    for (a, _) in answers {
        if let Some(i) = COMMON_32.iter().position(|q| *q == a.question) {
            by_respondent.entry(a.respondent.as_str()).or_default()[i] = Some(a);
        }
    }
    for (respondent, [share, carried_out, online]) in by_respondent {
        let carried_out = carried_out.and_then(|a| a.amount).unwrap_or(0);
        let online = online.and_then(|a| a.amount).unwrap_or(0);
        let share = share.and_then(|a| a.rate);
        let refuse = |reason: String| {
            error(
                file,
                None,
                Some("よく使う32手続のオンライン化状況".into()),
                Some(respondent.to_owned()),
                reason,
            )
        };
        if online > carried_out {
            return Err(refuse(format!(
                "{online} procedures online, but only {carried_out} carried out"
            )));
        }
        if let Some(share) = share {
            let ratio = 100.0 * online as f64 / carried_out.max(1) as f64;
            if carried_out == 0 || (share.value() - ratio).abs() > 0.5 {
                return Err(refuse(format!(
                    "a share of {share}, but {online} of {carried_out} procedures online"
                )));
            }
        }
    }
    Ok(())
}

/// What the cells say, as answers the generator takes as given; cells that contradict the
/// catalogue's universes or a follow-up's parent refuse the import.
fn fix(catalogue: &Catalogue, cells: &[Reported], file: &Path) -> Result<Fixed, DataFileError> {
    let cell_of: HashMap<(&str, &str), Cell> = cells
        .iter()
        .map(|c| ((c.row.indicator, c.respondent.as_str()), c.cell))
        .collect();
    let mut fixed = Fixed::default();
    for c in cells {
        let refuse = |reason: String| c.refusal(file, reason);
        let question = c.question(catalogue, file)?;
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
            // Numbers are not drawn around: they are taken as they are.
            (Reading::Share | Reading::Number, _) => continue,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_names_a_catalogued_indicator_of_its_kind() {
        let catalogue = Catalogue::r5().unwrap();
        for row in ROWS.iter().chain(PROCEDURES.iter()) {
            let question = catalogue
                .question(row.indicator)
                .unwrap_or_else(|| panic!("{}: no indicator {}", row.label, row.indicator));
            assert_eq!(
                question.kind.is_numeric(),
                row.reading.is_numeric(),
                "{}",
                row.label
            );
        }
    }

    #[test]
    fn each_procedure_links_to_one_of_the_59() {
        let catalogue = Catalogue::r5().unwrap();
        let linked: HashSet<&str> = PROCEDURES.iter().map(|r| r.indicator).collect();
        assert_eq!(linked.len(), PROCEDURES.len(), "no procedure twice");
        let unlinked: Vec<&str> = catalogue
            .online_procedures
            .iter()
            .filter(|p| !linked.contains(p.rate_question().code.as_str()))
            .map(|p| p.name_ja.as_str())
            .collect();
        // The dashboard has no row for the fire-service filings.
        assert_eq!(unlinked, ["消防法令における申請・届出等"]);
    }

    #[test]
    fn a_cell_is_read_as_its_row_takes_it() {
        let share = Reading::Share;
        assert_eq!(
            Cell::read("88.8%", share),
            Ok(Cell::Share(Percent::parse("88.8%").unwrap()))
        );
        assert_eq!(Cell::read("%", share), Ok(Cell::Empty), "0 of 0: no share");
        assert_eq!(Cell::read(" ", share), Ok(Cell::Empty));
        assert!(Cell::read("実施", share).is_err());
        assert!(Cell::read("101%", share).is_err());
        assert_eq!(Cell::read("24", Reading::Number), Ok(Cell::Number(24)));
        assert!(Cell::read("-1", Reading::Number).is_err());
        assert!(Cell::read("72%", Reading::Number).is_err());
        assert_eq!(
            Cell::read("調査無し", Reading::YesNo),
            Ok(Cell::NotSurveyed)
        );
        assert!(Cell::read("72%", Reading::YesNo).is_err());
    }
}
