//! SSDSE-A as the Statistics Center publishes it: Shift_JIS text, three header rows (variable
//! code, year, Japanese label), then one row per municipality keyed `R` and its five-digit
//! code, with its prefecture and name.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;

use crate::domain::AuthorityCode;
use crate::error::DataFileError;

/// One variable of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// The publisher's code, e.g. `A1101`.
    pub code: String,
    /// The year its values refer to (header row 2).
    pub year: i32,
    /// Japanese label (header row 3).
    pub label: String,
    /// Unit told from the label; `None` where it cannot be told.
    pub unit: Option<&'static str>,
}

/// One municipality's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Its row in the file, counted as a spreadsheet does.
    pub line: usize,
    /// The municipality.
    pub code: AuthorityCode,
    /// Prefecture name as written.
    pub prefecture: String,
    /// Municipality name as written.
    pub name: String,
    /// One value per variable; `None` for an empty cell.
    pub values: Vec<Option<f64>>,
}

/// The file, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Its title (first cell), e.g. `SSDSE-A-2025`.
    pub title: String,
    /// Variables in column order.
    pub variables: Vec<Variable>,
    /// Rows in file order.
    pub rows: Vec<Row>,
}

/// Columns before the first variable: code, prefecture, municipality.
const KEY_COLUMNS: usize = 3;

fn refuse(
    file: &Path,
    row: usize,
    column: Option<&str>,
    value: Option<&str>,
    reason: impl Into<String>,
) -> DataFileError {
    DataFileError::at(file, Some(row), column, value, reason)
}

/// The text of the file: Shift_JIS (as published), or UTF-8 for a copy saved that way.
fn decode<'a>(file: &Path, bytes: &'a [u8]) -> Result<Cow<'a, str>, DataFileError> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text.trim_start_matches('\u{feff}')));
    }
    encoding_rs::SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or_else(|| {
            DataFileError::at(
                file,
                None,
                None,
                None,
                "is neither Shift_JIS (as SSDSE is published) nor UTF-8 text",
            )
        })
}

/// Reads the file `bytes` (read from `file`, which errors name).
pub fn parse(file: &Path, bytes: &[u8]) -> Result<Table, DataFileError> {
    let text = decode(file, bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| refuse(file, index + 1, None, None, format!("is not CSV: {e}")))?;
        records.push(record);
    }
    let [codes, years, labels, ..] = records.as_slice() else {
        return Err(refuse(
            file,
            records.len() + 1,
            None,
            None,
            "ends before its three header rows (code, year, label)",
        ));
    };
    let title = codes.get(0).unwrap_or_default().trim().to_owned();
    if !title.starts_with("SSDSE-A") {
        return Err(refuse(
            file,
            1,
            Some("A"),
            Some(&title),
            "is not SSDSE-A: its first cell names the table (`SSDSE-A-2025`)",
        ));
    }
    let variables = variables(file, codes, years, labels)?;
    let rows = records[3..]
        .iter()
        .enumerate()
        .map(|(index, record)| row(file, index + 4, record, &variables))
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = HashSet::new();
    if let Some(dup) = rows.iter().find(|r| !seen.insert(r.code)) {
        return Err(refuse(
            file,
            dup.line,
            Some("地域コード"),
            Some(&format!("R{}", dup.code)),
            "appears twice",
        ));
    }
    Ok(Table {
        title,
        variables,
        rows,
    })
}

/// The three header rows, checked column by column.
fn variables(
    file: &Path,
    codes: &csv::StringRecord,
    years: &csv::StringRecord,
    labels: &csv::StringRecord,
) -> Result<Vec<Variable>, DataFileError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (index, code) in codes.iter().enumerate().skip(KEY_COLUMNS) {
        let code = code.trim();
        let column = Some(code);
        let well_formed = code.len() >= 5
            && code.len() <= 8
            && code.starts_with(|c: char| c.is_ascii_uppercase())
            && code[1..].bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            return Err(refuse(
                file,
                1,
                None,
                Some(code),
                format!(
                    "column {} is not a variable code (a capital letter and digits, `A1101`)",
                    index + 1
                ),
            ));
        }
        if !seen.insert(code) {
            return Err(refuse(
                file,
                1,
                column,
                Some(code),
                "names a variable twice",
            ));
        }
        let year_text = years.get(index).unwrap_or_default().trim();
        let year = year_text
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=2100).contains(y))
            .ok_or_else(|| {
                refuse(
                    file,
                    2,
                    column,
                    Some(year_text),
                    "is not a year (the second header row gives each variable's year)",
                )
            })?;
        let label = labels.get(index).unwrap_or_default().trim();
        if label.is_empty() {
            return Err(refuse(
                file,
                3,
                column,
                None,
                "has no label (the third header row names each variable)",
            ));
        }
        out.push(Variable {
            code: code.to_owned(),
            year,
            label: label.to_owned(),
            unit: unit_of(label),
        });
    }
    if out.is_empty() {
        return Err(refuse(file, 1, None, None, "has no variable columns"));
    }
    Ok(out)
}

/// One municipality's row.
fn row(
    file: &Path,
    line: usize,
    record: &csv::StringRecord,
    variables: &[Variable],
) -> Result<Row, DataFileError> {
    if record.len() != variables.len() + KEY_COLUMNS {
        return Err(refuse(
            file,
            line,
            None,
            None,
            format!(
                "has {} cells where the header has {}",
                record.len(),
                variables.len() + KEY_COLUMNS
            ),
        ));
    }
    let key = record.get(0).unwrap_or_default().trim();
    let code = key
        .strip_prefix('R')
        .filter(|c| c.len() == 5)
        .and_then(|c| AuthorityCode::parse(c).ok())
        .ok_or_else(|| {
            refuse(
                file,
                line,
                Some("地域コード"),
                Some(key),
                "is not a municipal code (`R` and five digits, `R13104`)",
            )
        })?;
    let values = variables
        .iter()
        .zip(record.iter().skip(KEY_COLUMNS))
        .map(|(variable, cell)| {
            let cell = cell.trim();
            if cell.is_empty() {
                return Ok(None);
            }
            cell.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| {
                    refuse(
                        file,
                        line,
                        Some(&variable.code),
                        Some(cell),
                        "is not a number",
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Row {
        line,
        code,
        prefecture: record.get(1).unwrap_or_default().trim().to_owned(),
        name: record.get(2).unwrap_or_default().trim().to_owned(),
        values,
    })
}

/// The unit of a variable, told from its label: SSDSE states units in its documentation
/// rather than in the file, and its labels follow the e-Stat series names, whose last words
/// say what is counted.
pub fn unit_of(label: &str) -> Option<&'static str> {
    // Qualifiers in brackets (男, 民営, the industry) do not change the unit.
    let head = label.split('（').next().unwrap_or(label);
    let rules: [(&[&str], &str); 12] = [
        (&["面積"], "ha"),
        (&["比率"], "%"),
        (&["決算総額", "地方税", "費"], "千円"),
        (&["世帯数"], "世帯"),
        (&["件数"], "件"),
        (&["事業所数"], "事業所"),
        (&["農家数"], "戸"),
        (&["幼稚園数", "学校数"], "校"),
        (&["公民館数", "図書館数"], "館"),
        (&["店数"], "店"),
        (&["病院数", "診療所数", "保育所等数"], "施設"),
        (
            &[
                "人口",
                "者数",
                "員数",
                "児童数",
                "生徒数",
                "医師数",
                "薬剤師数",
                "出生数",
                "死亡数",
            ],
            "人",
        ),
    ];
    rules
        .iter()
        .find(|(endings, _)| endings.iter().any(|e| head.ends_with(e)))
        .map(|(_, unit)| *unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Result<Table, DataFileError> {
        parse(Path::new("SSDSE-A.csv"), text.as_bytes())
    }

    const HEADER: &str = "SSDSE-A-2025,Prefecture,Municipality,A1101,B1101\n,,年度,2020,2023\n地域コード,都道府県,市区町村,総人口,総面積（北方地域及び竹島を除く）\n";

    #[test]
    fn reads_the_three_header_rows_and_the_values() {
        let t = table(&format!("{HEADER}R13104,東京都,新宿区,349385,1822\n")).unwrap();
        assert_eq!(t.title, "SSDSE-A-2025");
        assert_eq!(t.variables[0].code, "A1101");
        assert_eq!(t.variables[0].year, 2020);
        assert_eq!(t.variables[0].unit, Some("人"));
        assert_eq!(t.variables[1].unit, Some("ha"));
        assert_eq!(t.rows[0].code.to_string(), "13104");
        assert_eq!(t.rows[0].values, vec![Some(349385.0), Some(1822.0)]);
    }

    #[test]
    fn reads_shift_jis_as_published() {
        let text = format!("{HEADER}R13104,東京都,新宿区,349385,1822\n");
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!unmappable);
        let t = parse(Path::new("a.csv"), &bytes).unwrap();
        assert_eq!(t.rows[0].name, "新宿区");
    }

    #[test]
    fn refusals_name_the_row_the_column_and_the_value() {
        let e = table(&format!("{HEADER}R13104,東京都,新宿区,349385,x\n")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SSDSE-A.csv, row 4, column `B1101`, value `x`: is not a number"
        );
        let e = table(&format!("{HEADER}13104,東京都,新宿区,1,2\n")).unwrap_err();
        assert!(e
            .to_string()
            .contains("row 4, column `地域コード`, value `13104`"));
        let e = table(&format!(
            "{HEADER}R13104,東京都,新宿区,1,2\nR13104,東京都,新宿区,1,2\n"
        ))
        .unwrap_err();
        assert!(e.to_string().contains("row 5") && e.to_string().contains("twice"));
        let e = table(&HEADER.replace(",2023", ",20x3")).unwrap_err();
        assert!(e
            .to_string()
            .contains("row 2, column `B1101`, value `20x3`"));
        let e = table(&format!("{HEADER}R13104,東京都,新宿区,1\n")).unwrap_err();
        assert!(e.to_string().contains("has 4 cells where the header has 5"));
        assert!(table("a,b\n")
            .unwrap_err()
            .to_string()
            .contains("three header rows"));
    }

    #[test]
    fn units_follow_the_labels() {
        assert_eq!(unit_of("65歳以上人口（男）"), Some("人"));
        assert_eq!(unit_of("一般行政部門職員数（市区町村）"), Some("人"));
        assert_eq!(unit_of("歳出決算総額（市町村財政）"), Some("千円"));
        assert_eq!(unit_of("経常収支比率（市町村財政）"), Some("%"));
        assert_eq!(unit_of("事業所数（民営）（農業、林業）"), Some("事業所"));
        assert_eq!(unit_of("一般世帯人員数"), Some("人"));
        assert_eq!(unit_of("何か"), None);
    }
}
