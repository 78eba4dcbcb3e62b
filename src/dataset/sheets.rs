//! A table of the dataset as an `.xlsx` workbook, laid out as a map's
//! ([`crate::choropleth::workbook`]): sheet `data` (codes and names as text cells, numbers as
//! numbers), sheet `columns` (each column: label in Japanese and English, type, unit, source,
//! reference date, provenance, then what the table is) and sheet `credits`.

use rust_xlsxwriter::{DocProperties, Format, Workbook, Worksheet, XlsxError};

use super::table::Table;
use crate::choropleth::workbook::{
    at, header, write_cell, write_credits, COLUMNS_SHEET, DATA_SHEET,
};
use crate::entity::survey_edition;
use crate::spatial::features::FieldType;
use crate::spatial::CREDIT;
use crate::survey::source::SourceInfo;

/// The type of a column as the `columns` sheet and the data package name it.
pub fn type_name(kind: FieldType) -> &'static str {
    match kind {
        FieldType::Text => "text",
        FieldType::Integer => "integer",
        FieldType::Real => "number",
    }
}

/// The table as a workbook; `sources` are those its credits name, `download` its link.
pub fn xlsx(
    table: &Table,
    edition: &survey_edition::Model,
    sources: &[&SourceInfo],
    download: &str,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let mut credits: Vec<&str> = vec![CREDIT];
    credits.extend(sources.iter().filter_map(|s| s.credit));
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&table.title)
            .set_subject(table.name)
            .set_author("DX Atlas")
            .set_comment(credits.join(" ")),
    );
    let bold = Format::new().set_bold();
    // "@", Excel's text format: a code typed over later stays text too.
    let text = Format::new().set_num_format("@");
    data_sheet(
        workbook.add_worksheet_with_constant_memory()?,
        table,
        &bold,
        &text,
    )?;
    columns_sheet(workbook.add_worksheet(), table, edition, download, &bold)?;
    write_credits(workbook.add_worksheet(), sources, &bold)?;
    workbook.save_to_buffer()
}

fn data_sheet(
    sheet: &mut Worksheet,
    table: &Table,
    bold: &Format,
    text: &Format,
) -> Result<(), XlsxError> {
    sheet.set_name(DATA_SHEET)?;
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    header(sheet, &names, bold)?;
    // Written a row at a time, the sheet cannot be fitted to its cells afterwards: the
    // identifying columns get widths of their own.
    for (j, column) in table.columns.iter().enumerate() {
        let width = match column.name.as_str() {
            "code" | "subject" | "kind" | "prefecture" | "indicator" => 14.0,
            "name" | "prefecture_name" => 16.0,
            _ => 12.0,
        };
        sheet.set_column_width(at(0, j).1, width)?;
    }
    let formats: Vec<Option<&Format>> = table
        .columns
        .iter()
        .map(|c| (c.kind == FieldType::Text).then_some(text))
        .collect();
    for (i, row) in table.rows.iter().enumerate() {
        for (j, (value, format)) in row.iter().zip(&formats).enumerate() {
            write_cell(sheet, at(i + 1, j), value, *format)?;
        }
    }
    Ok(())
}

fn columns_sheet(
    sheet: &mut Worksheet,
    table: &Table,
    edition: &survey_edition::Model,
    download: &str,
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
    for (i, column) in table.columns.iter().enumerate() {
        let cells = [
            column.name.as_str(),
            &column.label_ja,
            &column.label_en,
            type_name(column.kind),
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
    // Below the columns, what the whole table is.
    let notes = [
        ("table", table.title.clone()),
        ("description", table.description.clone()),
        ("edition", format!("{} {}", edition.code, edition.title)),
        ("reference_date", edition.reference_date.clone()),
        ("provenance_note", edition.provenance_note.clone()),
        ("download", download.to_owned()),
    ];
    for (i, (key, value)) in notes.into_iter().enumerate() {
        let (r, k) = at(table.columns.len() + 2 + i, 0);
        sheet.write_string_with_format(r, k, key, bold)?;
        sheet.write_string(r, k + 1, value)?;
    }
    sheet.autofit();
    Ok(())
}
