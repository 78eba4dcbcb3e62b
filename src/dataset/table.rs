//! A table of the dataset: described columns and typed rows, written as CSV here, as a
//! workbook by [`super::sheets`] and described for the data package by [`super::package`].
//! The values are [`FieldValue`]s, as the map downloads' are: codes are text, counts whole
//! numbers, shares floating-point ones.

use crate::spatial::features::{FieldType, FieldValue};

/// One column and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct TableColumn {
    /// Its name in the header (`code`, `cio.appointed=yes`…).
    pub name: String,
    /// Label in Japanese.
    pub label_ja: String,
    /// Label in English.
    pub label_en: String,
    /// Its type.
    pub kind: FieldType,
    /// Unit, where it has one.
    pub unit: Option<String>,
    /// Where its values come from.
    pub source: String,
    /// The date its values refer to, where known.
    pub reference_date: Option<String>,
    /// Official values only, or with calibrated synthetic ones; for survey values.
    pub provenance: Option<String>,
}

impl TableColumn {
    /// A column of text, an identifier or a name.
    pub fn text(name: &str, ja: &str, en: &str, source: &str) -> Self {
        Self {
            name: name.to_owned(),
            label_ja: ja.to_owned(),
            label_en: en.to_owned(),
            kind: FieldType::Text,
            unit: None,
            source: source.to_owned(),
            reference_date: None,
            provenance: None,
        }
    }
}

/// A table: its name (the file's stem), a title, the columns and the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// `wide`, `long` or `statistics`.
    pub name: &'static str,
    /// A one-line title.
    pub title: String,
    /// What the table is, for the data package and the workbook.
    pub description: String,
    /// Columns.
    pub columns: Vec<TableColumn>,
    /// Rows, a value per column.
    pub rows: Vec<Vec<FieldValue>>,
}

/// A value as a CSV cell: text as it is, numbers in their shortest exact form, nothing for a
/// missing value.
pub fn cell_text(value: &FieldValue) -> String {
    match value {
        FieldValue::Text(s) => s.clone(),
        FieldValue::Integer(n) => n.to_string(),
        FieldValue::Real(x) => x.to_string(),
        FieldValue::Null => String::new(),
    }
}

/// The table as CSV (UTF-8, a header row, no byte-order mark).
pub fn csv(table: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(1 << 20));
    writer.write_record(table.columns.iter().map(|c| c.name.as_str()))?;
    let mut record = Vec::with_capacity(table.columns.len());
    for row in &table.rows {
        record.clear();
        record.extend(row.iter().map(cell_text));
        writer.write_record(&record)?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_codes_as_written_and_numbers_exact() {
        let table = Table {
            name: "wide",
            title: String::new(),
            description: String::new(),
            columns: vec![
                TableColumn::text("code", "団体コード", "Code", "N03"),
                TableColumn {
                    kind: FieldType::Real,
                    ..TableColumn::text("rate", "率", "Rate", "survey")
                },
            ],
            rows: vec![
                vec![FieldValue::Text("01100".into()), FieldValue::Real(12.5)],
                vec![FieldValue::Text("13104".into()), FieldValue::Null],
            ],
        };
        let text = String::from_utf8(csv(&table).unwrap()).unwrap();
        assert_eq!(text, "code,rate\n01100,12.5\n13104,\n");
    }
}
