//! A map's values for spreadsheets: the CSV with a UTF-8 byte-order mark, and an `.xlsx`
//! workbook with typed cells, a sheet describing every column and a sheet of credits.
//!
//! Japanese Excel reads a CSV without a byte-order mark as Shift_JIS (cp932), which turns every
//! name into mojibake; with the mark it reads UTF-8. pandas and R read the mark as part of the
//! first column's name, so the plain CSV stays without one. No CSV keeps `01100` from becoming
//! `1100` in a spreadsheet that guesses column types: the workbook's code cells are text.

use rust_xlsxwriter::{DocProperties, Format, Workbook, Worksheet, XlsxError};

use super::columns::{
    self, cell, Column, BOUNDARIES_LICENCE, BOUNDARIES_PUBLISHER, BOUNDARIES_RELEASE,
    BOUNDARIES_TITLE,
};
use super::map::Choropleth;
use super::render::{self, values_provenance};
use crate::spatial::features::{FieldType, FieldValue};
use crate::spatial::CREDIT;
use crate::survey::source::{self, SourceInfo};

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The map's CSV ([`render::csv`]) behind a UTF-8 byte-order mark, for Excel.
pub fn excel_csv(c: &Choropleth) -> Result<Vec<u8>, csv::Error> {
    let plain = render::csv(c)?;
    let mut out = Vec::with_capacity(BOM.len() + plain.len());
    out.extend_from_slice(BOM);
    out.extend_from_slice(&plain);
    Ok(out)
}

/// Names of the workbook's sheets.
pub const DATA_SHEET: &str = "data";
/// The sheet describing each column of [`DATA_SHEET`].
pub const COLUMNS_SHEET: &str = "columns";
/// The sheet of credit lines, sources and licences.
pub const CREDITS_SHEET: &str = "credits";

/// The map as an `.xlsx` workbook: sheet `data` (a row per area; codes, names and labels as
/// text cells, numbers as numbers), sheet `columns` (each column of `data`: label in Japanese
/// and English, type, unit, source, reference date, provenance) and sheet `credits` (the credit
/// lines the terms require, each source with its publisher, link and licence).
pub fn xlsx(c: &Choropleth) -> Result<Vec<u8>, XlsxError> {
    let columns = columns::columns(c);
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(columns::title(c))
            .set_subject(render::file_stem(c))
            .set_author("DX Atlas")
            .set_comment(render::credits(c).join(" ")),
    );
    let bold = Format::new().set_bold();
    // "@", Excel's text format: a code typed over later stays text too.
    let text = Format::new().set_num_format("@");
    data_sheet(workbook.add_worksheet(), c, &columns, &bold, &text)?;
    columns_sheet(workbook.add_worksheet(), c, &columns, &bold)?;
    credits_sheet(workbook.add_worksheet(), c, &bold)?;
    workbook.save_to_buffer()
}

/// Rows and columns of a sheet, which the crate counts in u32 and u16. A map has at most some
/// 1,900 rows and nine columns, the survey's tables some 450,000 rows or 400 columns, far
/// inside both.
pub fn at(row: usize, col: usize) -> (u32, u16) {
    (
        u32::try_from(row).unwrap_or(u32::MAX),
        u16::try_from(col).unwrap_or(u16::MAX),
    )
}

/// The header row of a sheet, in bold and frozen.
pub fn header(sheet: &mut Worksheet, names: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (i, name) in names.iter().enumerate() {
        let (r, k) = at(0, i);
        sheet.write_string_with_format(r, k, *name, bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn data_sheet(
    sheet: &mut Worksheet,
    c: &Choropleth,
    columns: &[Column],
    bold: &Format,
    text: &Format,
) -> Result<(), XlsxError> {
    sheet.set_name(DATA_SHEET)?;
    let names: Vec<&str> = columns.iter().map(|k| k.name).collect();
    header(sheet, &names, bold)?;
    for (i, area) in c.areas.iter().enumerate() {
        for (j, column) in columns.iter().enumerate() {
            let (r, k) = at(i + 1, j);
            let format = (column.kind == FieldType::Text).then_some(text);
            write_cell(sheet, (r, k), &cell(column, area), format)?;
        }
    }
    sheet.autofit();
    Ok(())
}

/// One cell: text as a string (in the text format `text`, if given: codes), numbers as
/// numbers, nothing for a missing value.
pub fn write_cell(
    sheet: &mut Worksheet,
    (r, k): (u32, u16),
    value: &FieldValue,
    text: Option<&Format>,
) -> Result<(), XlsxError> {
    match (value, text) {
        (FieldValue::Text(s), Some(format)) => {
            sheet.write_string_with_format(r, k, s, format)?;
        }
        (FieldValue::Text(s), None) => {
            sheet.write_string(r, k, s)?;
        }
        // Counts stay far below 2^53, where an f64 holds them exactly.
        #[allow(clippy::cast_precision_loss)]
        (FieldValue::Integer(n), _) => {
            sheet.write_number(r, k, *n as f64)?;
        }
        (FieldValue::Real(x), _) => {
            sheet.write_number(r, k, *x)?;
        }
        (FieldValue::Null, _) => {}
    }
    Ok(())
}

fn columns_sheet(
    sheet: &mut Worksheet,
    c: &Choropleth,
    columns: &[Column],
    bold: &Format,
) -> Result<(), XlsxError> {
    sheet.set_name(COLUMNS_SHEET)?;
    header(
        sheet,
        &[
            "column",
            "label_ja",
            "label_en",
            "type",
            "unit",
            "source",
            "reference_date",
            "provenance",
        ],
        bold,
    )?;
    for (i, column) in columns.iter().enumerate() {
        let kind = match column.kind {
            FieldType::Text => "text",
            FieldType::Integer => "integer",
            FieldType::Real => "number",
        };
        let cells = [
            column.name,
            &column.label_ja,
            &column.label_en,
            kind,
            column.unit.as_deref().unwrap_or(""),
            &column.source,
            column.reference_date.as_deref().unwrap_or(""),
            column.provenance.as_deref().unwrap_or(""),
        ];
        for (j, value) in cells.iter().enumerate() {
            let (r, k) = at(i + 1, j);
            sheet.write_string(r, k, *value)?;
        }
    }
    // Below the columns, what the whole map is: its provenance note and its link.
    let (provenance, official, synthetic) = values_provenance(c);
    let mut notes = vec![
        ("map", columns::title(c)),
        (
            "values",
            format!(
                "{} ({official} official, {synthetic} synthetic)",
                provenance.as_str()
            ),
        ),
        ("download", format!("/choropleth.xlsx?{}", c.spec.query())),
    ];
    if let Some(e) = &c.edition {
        notes.push(("edition", format!("{} {}", e.code, e.title)));
        notes.push(("provenance_note", e.provenance_note.clone()));
    }
    for (i, (key, value)) in notes.into_iter().enumerate() {
        let (r, k) = at(columns.len() + 2 + i, 0);
        sheet.write_string_with_format(r, k, key, bold)?;
        sheet.write_string(r, k + 1, value)?;
    }
    sheet.autofit();
    Ok(())
}

fn credits_sheet(sheet: &mut Worksheet, c: &Choropleth, bold: &Format) -> Result<(), XlsxError> {
    let sources: Vec<&SourceInfo> = c
        .sources
        .iter()
        .filter_map(|code| source::by_code(code).ok())
        .collect();
    write_credits(sheet, &sources, bold)
}

/// The sheet of credits: the boundaries' line, then each source's, with its title, publisher,
/// link, licence and publication date.
pub fn write_credits(
    sheet: &mut Worksheet,
    sources: &[&SourceInfo],
    bold: &Format,
) -> Result<(), XlsxError> {
    sheet.set_name(CREDITS_SHEET)?;
    header(
        sheet,
        &[
            "credit",
            "title",
            "publisher",
            "url",
            "licence",
            "published",
        ],
        bold,
    )?;
    let mut rows: Vec<[String; 6]> = vec![[
        CREDIT.to_owned(),
        BOUNDARIES_TITLE.to_owned(),
        BOUNDARIES_PUBLISHER.to_owned(),
        String::new(),
        BOUNDARIES_LICENCE.to_owned(),
        BOUNDARIES_RELEASE.to_owned(),
    ]];
    for s in sources {
        let owned = |v: Option<&str>| v.unwrap_or_default().to_owned();
        rows.push([
            owned(s.credit),
            s.title.to_owned(),
            s.publisher.to_owned(),
            owned(s.url),
            owned(s.licence),
            owned(s.published),
        ]);
    }
    for (i, row) in rows.iter().enumerate() {
        for (j, value) in row.iter().enumerate() {
            let (r, k) = at(i + 1, j);
            sheet.write_string(r, k, value)?;
        }
    }
    sheet.autofit();
    Ok(())
}
