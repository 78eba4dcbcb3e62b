//! The survey's three tables, written from one edition's [`SurveyData`]:
//!
//! - **wide**: a row per authority; a column per count or rate indicator (the number), and per
//!   option of every other indicator (`indicator=option`: 1 chosen, 0 not). Official values
//!   only unless synthetic ones are asked for, and then each indicator has a column
//!   `indicator:provenance` that says which each value is: never mixed silently.
//! - **long**: a row per authority, indicator and option (the option empty for a number), with
//!   the value's provenance, source and reference date.
//! - **statistics**: SSDSE-A per municipality, joinable to both by `code`.

use std::collections::BTreeSet;

use super::data::{Authority, Indicator, SurveyData, Value};
use super::table::{Table, TableColumn};
use crate::choropleth::columns::BOUNDARIES_TITLE;
use crate::spatial::features::{FieldType, FieldValue};
use crate::survey::catalogue::{QuestionType, Subject};
use crate::survey::source::{self, Provenance};

/// The identifying columns every table starts with.
fn authority_columns(all: bool) -> Vec<TableColumn> {
    let text = |name, ja, en| TableColumn::text(name, ja, en, BOUNDARIES_TITLE);
    let mut out = vec![
        text("code", "団体コード", "Local government code: two digits for a prefecture (JIS X 0401), five for a municipality (JIS X 0402), without the check digit; text, leading zeros kept"),
        text("name", "団体名", "Name"),
    ];
    if all {
        out.extend([
            text("subject", "区分", "PREFECTURE or MUNICIPALITY"),
            text("kind", "市区町村の種別", "Kind of municipality (DESIGNATED_CITY, CORE_CITY, SPECIAL_WARD, CITY, TOWN, VILLAGE); empty for a prefecture"),
            text("prefecture", "都道府県コード", "Two-digit prefecture code (JIS X 0401); text"),
            text("prefecture_name", "都道府県名", "Prefecture"),
        ]);
    }
    out
}

fn authority_cells(a: &Authority, all: bool) -> Vec<FieldValue> {
    let text = |s: &str| FieldValue::Text(s.to_owned());
    let mut out = vec![text(&a.code), text(&a.name)];
    if all {
        out.extend([
            text(a.subject.as_str()),
            a.kind.map_or(FieldValue::Null, |k| text(k.as_str())),
            text(&a.prefecture),
            text(&a.prefecture_name),
        ]);
    }
    out
}

/// What the values of one indicator in a table are: their sources and provenance.
struct Facts {
    sources: String,
    provenance: Option<Provenance>,
}

fn facts(data: &SurveyData, indicator: &Indicator, synthetic: bool) -> Facts {
    let mut sources = BTreeSet::new();
    let mut provenance: Option<Provenance> = None;
    for a in &data.authorities {
        if let Some(v) = data.value(&indicator.question.code, &a.code, synthetic) {
            sources.insert(v.source.title);
            provenance = Some(provenance.map_or(v.provenance, |p| p.with(v.provenance)));
        }
    }
    Facts {
        sources: sources.into_iter().collect::<Vec<_>>().join("; "),
        provenance,
    }
}

/// The reference date of an indicator's values: the question's own where the catalogue gives
/// one, else the edition's.
fn reference_date(data: &SurveyData, indicator: &Indicator) -> String {
    indicator
        .question
        .reference_date
        .clone()
        .unwrap_or_else(|| data.edition.reference_date.clone())
}

/// The provenance a column states: what its values are, and that synthetic ones were left out.
fn provenance_text(facts: &Facts, synthetic: bool) -> String {
    match (facts.provenance, synthetic) {
        (Some(p), true) => format!("{} (see the column `:provenance`)", p.as_str()),
        (Some(p), false) => format!("{} (synthetic values left out)", p.as_str()),
        (None, _) => "no values".to_owned(),
    }
}

/// The wide table's columns of one indicator.
fn indicator_columns(data: &SurveyData, i: &Indicator, synthetic: bool) -> Vec<TableColumn> {
    let q = &i.question;
    let facts = facts(data, i, synthetic);
    let column = |name: String, ja: String, en: String, kind, unit: Option<&str>| TableColumn {
        name,
        label_ja: ja,
        label_en: en,
        kind,
        unit: unit.map(str::to_owned),
        source: facts.sources.clone(),
        reference_date: Some(reference_date(data, i)),
        provenance: Some(provenance_text(&facts, synthetic)),
    };
    let mut out = match q.kind {
        QuestionType::Count => vec![column(
            q.code.clone(),
            q.label_ja.clone(),
            q.label_en.clone(),
            FieldType::Integer,
            None,
        )],
        QuestionType::Rate => vec![column(
            q.code.clone(),
            q.label_ja.clone(),
            q.label_en.clone(),
            FieldType::Real,
            Some("%"),
        )],
        _ => i
            .options
            .iter()
            .map(|o| {
                column(
                    format!("{}={}", q.code, o.code),
                    format!("{}：{}", q.label_ja, o.label_ja),
                    format!("{}: {} (1 chosen, 0 not)", q.label_en, o.label_en),
                    FieldType::Integer,
                    None,
                )
            })
            .collect(),
    };
    if synthetic {
        out.push(TableColumn {
            name: format!("{}:provenance", q.code),
            label_ja: format!("{}の値の由来", q.label_ja),
            label_en: format!(
                "{}: provenance of the value (OFFICIAL or CALIBRATED_SYNTHETIC)",
                q.label_en
            ),
            kind: FieldType::Text,
            unit: None,
            source: facts.sources.clone(),
            reference_date: None,
            provenance: None,
        });
    }
    out
}

/// The number of a count or rate answer.
fn number(kind: QuestionType, v: &Value) -> FieldValue {
    match kind {
        QuestionType::Count => v.amount.map_or(FieldValue::Null, FieldValue::Integer),
        _ => v.rate.map_or(FieldValue::Null, FieldValue::Real),
    }
}

fn chosen(v: &Value, option: &str) -> FieldValue {
    FieldValue::Integer(i64::from(v.options.iter().any(|o| o == option)))
}

/// The wide table's cells of one indicator for one authority.
fn indicator_cells(
    i: &Indicator,
    value: Option<&Value>,
    synthetic: bool,
    out: &mut Vec<FieldValue>,
) {
    let kind = i.question.kind;
    match value {
        Some(v) if kind.is_numeric() => out.push(number(kind, v)),
        Some(v) => out.extend(i.options.iter().map(|o| chosen(v, &o.code))),
        None if kind.is_numeric() => out.push(FieldValue::Null),
        None => out.extend(i.options.iter().map(|_| FieldValue::Null)),
    }
    if synthetic {
        out.push(value.map_or(FieldValue::Null, |v| {
            FieldValue::Text(v.provenance.as_str().to_owned())
        }));
    }
}

/// The wide table.
pub fn wide(data: &SurveyData, synthetic: bool) -> Table {
    let mut columns = authority_columns(true);
    for i in &data.indicators {
        columns.extend(indicator_columns(data, i, synthetic));
    }
    let rows = data
        .authorities
        .iter()
        .map(|a| {
            let mut row = authority_cells(a, true);
            for i in &data.indicators {
                let value = data.value(&i.question.code, &a.code, synthetic);
                indicator_cells(i, value, synthetic, &mut row);
            }
            row
        })
        .collect();
    Table {
        name: "wide",
        title: format!("{} ({}, {}): one row per authority", data.edition.title, data.edition.code, data.edition.reference_date),
        description: format!(
            "One row per authority (47 prefectures, then the municipalities), one column per count or rate indicator and one per option of every other indicator (`indicator=option`, 1 chosen and 0 not). {} Empty where the authority was not asked, did not answer{}.",
            if synthetic { "Official and calibrated synthetic values: each indicator's `indicator:provenance` column says which each value is." } else { "Official values only." },
            if synthetic { "" } else { " or its value is not official" },
        ),
        columns,
        rows,
    }
}

/// The long table's columns.
fn long_columns(data: &SurveyData, synthetic: bool) -> Vec<TableColumn> {
    let survey = format!("{} ({})", data.edition.title, data.edition.code);
    let text = |name, ja, en| TableColumn::text(name, ja, en, &survey);
    let mut columns = authority_columns(false);
    columns.extend([
        text(
            "indicator",
            "指標コード",
            "Indicator code (see the catalogue: GraphQL `indicators`)",
        ),
        text(
            "option",
            "選択肢コード",
            "Option code; empty for a count or rate",
        ),
        TableColumn {
            kind: FieldType::Real,
            provenance: Some(
                if synthetic {
                    "official and calibrated synthetic, row by row"
                } else {
                    "OFFICIAL"
                }
                .to_owned(),
            ),
            reference_date: Some(data.edition.reference_date.clone()),
            ..text(
                "value",
                "値",
                "The number of a count or rate (percent); for an option 1 chosen, 0 not",
            )
        },
        text(
            "provenance",
            "値の由来",
            "OFFICIAL or CALIBRATED_SYNTHETIC (MIXED where one answer has rows of both)",
        ),
        text(
            "source",
            "出典コード",
            "Code of the value's source (see the credits)",
        ),
        text(
            "reference_date",
            "基準日",
            "The date the value holds for, as its source states it (ISO 8601)",
        ),
    ]);
    columns
}

/// The long table.
pub fn long(data: &SurveyData, synthetic: bool) -> Table {
    let mut rows = Vec::new();
    for a in &data.authorities {
        for i in &data.indicators {
            let Some(v) = data.value(&i.question.code, &a.code, synthetic) else {
                continue;
            };
            let row = |option: &str, value: FieldValue| {
                let mut row = authority_cells(a, false);
                row.extend([
                    FieldValue::Text(i.question.code.clone()),
                    FieldValue::Text(option.to_owned()),
                    value,
                    FieldValue::Text(v.provenance.as_str().to_owned()),
                    FieldValue::Text(v.source.code.to_owned()),
                    v.reference_date
                        .clone()
                        .map_or(FieldValue::Null, FieldValue::Text),
                ]);
                row
            };
            if i.question.kind.is_numeric() {
                rows.push(row("", number(i.question.kind, v)));
            } else {
                rows.extend(i.options.iter().map(|o| row(&o.code, chosen(v, &o.code))));
            }
        }
    }
    Table {
        name: "long",
        title: format!("{} ({}, {}): one row per authority, indicator and option", data.edition.title, data.edition.code, data.edition.reference_date),
        description: format!(
            "One row per authority, indicator and option: the value with its provenance, source and reference date. {}",
            if synthetic { "Official and calibrated synthetic values, each row marked." } else { "Official values only." }
        ),
        columns: long_columns(data, synthetic),
        rows,
    }
}

/// The statistics table: the municipalities' SSDSE-A values, published and derived.
pub fn statistics(data: &SurveyData) -> Table {
    let mut columns = authority_columns(false);
    let all = data.statistics.all();
    columns.extend(all.iter().map(|s| {
        TableColumn {
            name: s.code.clone(),
            label_ja: s.label.clone(),
            label_en: s
                .formula
                .map_or_else(|| format!("SSDSE-A {}", s.code), |f| f.text.to_owned()),
            kind: FieldType::Real,
            unit: s.unit.clone(),
            source: s.source.title.to_owned(),
            reference_date: Some(s.year.to_string()),
            provenance: Some(Provenance::Official.as_str().to_owned()),
        }
    }));
    let rows = data
        .authorities
        .iter()
        .filter(|a| a.subject == Subject::Municipality)
        .map(|a| {
            let mut row = authority_cells(a, false);
            row.extend(
                all.iter()
                    .map(|s| s.value(&a.code).map_or(FieldValue::Null, FieldValue::Real)),
            );
            row
        })
        .collect();
    Table {
        name: "statistics",
        title: format!("{} per municipality", source::SSDSE.title),
        description: "Official statistics per municipality (SSDSE-A, and ratios derived from them), one row per municipality: join them to the survey tables by `code`.".to_owned(),
        columns,
        rows,
    }
}
