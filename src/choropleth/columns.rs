//! A map's values as a table with typed, described columns: what the spreadsheet
//! ([`super::workbook`]) and GIS downloads (GeoPackage, FlatGeobuf) write. Each column says
//! what it holds in Japanese and English, its unit, source, reference date and provenance, so
//! that a file read far from the map still says what its numbers are.

use super::map::{Choropleth, MapArea, MappedKind};
use super::render::{self, credits, values_provenance};
use crate::spatial::atlas::Drawn;
use crate::spatial::features::{
    drawn_geometry, Feature, FeatureTable, Field, FieldType, FieldValue,
};
use crate::spatial::geojson::StoredGeometryError;
use crate::survey::catalogue::QuestionType;
use crate::survey::source::{self, Provenance};
use crate::survey::values::RespondentValue;

/// The title of the boundary data (the credit line names it too).
pub const BOUNDARIES_TITLE: &str = "国土数値情報（行政区域データ）";
/// Who publishes the boundaries.
pub const BOUNDARIES_PUBLISHER: &str = "国土交通省";
/// Which release of the boundaries (N03, as of 2021-01-01: `geodata/manifest.toml`).
pub const BOUNDARIES_RELEASE: &str = "N03-21 (2021-01-01)";
/// The boundaries' terms, as `geodata/manifest.toml` records them.
pub const BOUNDARIES_LICENCE: &str =
    "国土数値情報利用約款 (commercial use allowed with the credit line)";

/// Which column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnId {
    /// The area's code.
    Code,
    /// Its name.
    Name,
    /// The mapped value.
    Value,
    /// Its class in the legend.
    Class,
    /// The class's label.
    Label,
    /// The class's colour.
    Colour,
    /// Where the value comes from.
    Provenance,
    /// A bivariate map's second value.
    Y,
}

/// One column of a map's table and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Which column.
    pub id: ColumnId,
    /// Its name in every file (`code`, `value`…), as the CSV's header names it.
    pub name: &'static str,
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
    /// Official, calibrated synthetic or mixed; for values only.
    pub provenance: Option<String>,
}

impl ColumnId {
    /// The column's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Name => "name",
            Self::Value => "value",
            Self::Class => "class",
            Self::Label => "label",
            Self::Colour => "colour",
            Self::Provenance => "provenance",
            Self::Y => "y",
        }
    }
}

/// Whether a map's numeric values are whole numbers by their meaning: counts as answered, not
/// divided by a statistic nor averaged over municipalities, and each value whole indeed.
fn integral(c: &Choropleth) -> bool {
    c.numeric
        && c.indicator.kind == MappedKind::Question(QuestionType::Count)
        && c.per.is_none()
        && !c.spec.request().is_municipal_share()
        && c.areas.iter().all(|a| match a.value {
            RespondentValue::Number(n) => n.fract() == 0.0 && n.abs() < 9e15,
            _ => true,
        })
}

/// The titles of the map's sources, joined.
fn source_titles(c: &Choropleth) -> String {
    let titles: Vec<&str> = c
        .sources
        .iter()
        .filter_map(|code| source::by_code(code).ok())
        .map(|s| s.title)
        .collect();
    titles.join("; ")
}

impl Column {
    /// A column drawn from the boundary data (codes and names).
    fn boundaries(id: ColumnId, ja: &str, en: &str) -> Self {
        Self {
            id,
            name: id.name(),
            label_ja: ja.to_owned(),
            label_en: en.to_owned(),
            kind: FieldType::Text,
            unit: None,
            source: BOUNDARIES_TITLE.to_owned(),
            reference_date: None,
            provenance: Some(Provenance::Official.as_str().to_owned()),
        }
    }

    /// A column DX Atlas derives from the values (class, label, colour, provenance).
    fn derived(id: ColumnId, kind: FieldType, ja: &str, en: &str) -> Self {
        Self {
            id,
            name: id.name(),
            label_ja: ja.to_owned(),
            label_en: en.to_owned(),
            kind,
            unit: None,
            source: "DX Atlas (classification of the values)".to_owned(),
            reference_date: None,
            provenance: None,
        }
    }
}

/// The date the map's values refer to: the edition's reference date, else the indicator's year.
fn reference_date(c: &Choropleth) -> Option<String> {
    c.edition
        .as_ref()
        .map(|e| e.reference_date.clone())
        .or_else(|| c.indicator.year.map(|y| y.to_string()))
}

/// The column of the mapped value, typed by what the values are.
fn value_column(c: &Choropleth) -> Column {
    let option = c
        .spec
        .request()
        .option
        .as_ref()
        .map(|o| format!(" [{o}]"))
        .unwrap_or_default();
    let unit = match &c.per {
        Some(p) => Some(format!("per {} × {} ({})", p.scale, p.code, p.label)),
        None => c.indicator.unit.clone(),
    };
    let kind = if !c.numeric {
        FieldType::Text
    } else if integral(c) {
        FieldType::Integer
    } else {
        FieldType::Real
    };
    Column {
        id: ColumnId::Value,
        name: ColumnId::Value.name(),
        label_ja: format!("{}{option}", c.indicator.label_ja),
        label_en: format!("{}{option}", c.indicator.label_en),
        kind,
        unit,
        source: source_titles(c),
        reference_date: reference_date(c),
        provenance: Some(values_provenance(c).0.as_str().to_owned()),
    }
}

/// The map's columns, in the order of the CSV (without its credit column: the spreadsheet and
/// GIS files carry the credit lines once, as metadata).
pub fn columns(c: &Choropleth) -> Vec<Column> {
    let mut out =
        vec![
        Column::boundaries(
            ColumnId::Code,
            "団体コード",
            "Local government code (JIS X 0402, text: keeps leading zeros)",
        ),
        Column::boundaries(ColumnId::Name, "団体名", "Name"),
        value_column(c),
        Column::derived(
            ColumnId::Class,
            FieldType::Integer,
            "階級",
            "Class: index in the legend (empty where the value is missing)",
        ),
        Column::derived(ColumnId::Label, FieldType::Text, "階級の凡例", "Class label"),
        Column::derived(
            ColumnId::Colour,
            FieldType::Text,
            "色",
            "Colour of the class (#rrggbb)",
        ),
        Column::derived(
            ColumnId::Provenance,
            FieldType::Text,
            "値の由来",
            "Provenance of the value: OFFICIAL, CALIBRATED_SYNTHETIC, or MIXED for a share of both",
        ),
    ];
    if let Some(b) = &c.bivariate {
        out.push(Column {
            id: ColumnId::Y,
            name: ColumnId::Y.name(),
            label_ja: b.y.label_ja.clone(),
            label_en: b.y.label_en.clone(),
            kind: FieldType::Real,
            unit: b.y.unit.clone(),
            source: source_titles(c),
            reference_date: b
                .y
                .year
                .map(|y| y.to_string())
                .or_else(|| reference_date(c)),
            provenance: None,
        });
    }
    out
}

/// One area's cell of `column`.
pub fn cell(column: &Column, a: &MapArea) -> FieldValue {
    let text = |s: &str| FieldValue::Text(s.to_owned());
    match column.id {
        ColumnId::Code => text(&a.code),
        ColumnId::Name => text(&a.name),
        ColumnId::Value => match &a.value {
            // Whole by `integral`'s test, and far inside i64.
            #[allow(clippy::cast_possible_truncation)]
            RespondentValue::Number(n) if column.kind == FieldType::Integer => {
                FieldValue::Integer(*n as i64)
            }
            RespondentValue::Number(n) => FieldValue::Real(*n),
            RespondentValue::Category(s) => text(s),
            RespondentValue::Missing => FieldValue::Null,
        },
        ColumnId::Class => a
            .class
            .and_then(|k| i64::try_from(k).ok())
            .map_or(FieldValue::Null, FieldValue::Integer),
        ColumnId::Label => text(&a.label),
        ColumnId::Colour => text(&a.colour),
        ColumnId::Provenance => a.provenance.map_or(FieldValue::Null, |p| text(p.as_str())),
        ColumnId::Y => a.second.map_or(FieldValue::Null, FieldValue::Real),
    }
}

/// A one-line title of the map: indicator, option and edition.
pub fn title(c: &Choropleth) -> String {
    let option = c
        .spec
        .request()
        .option
        .as_ref()
        .map(|o| format!(" [{o}]"))
        .unwrap_or_default();
    match &c.edition {
        Some(e) => format!(
            "{}{option} ({}, {})",
            c.indicator.label_ja, e.code, e.reference_date
        ),
        None => format!("{}{option}", c.indicator.label_ja),
    }
}

/// The map as a table of features with the geometry its GeoJSON has (`drawn`: the layer drawn
/// at the map's level of detail and precision), named `choropleth`, its description the
/// provenance and the credit lines.
pub fn feature_table(c: &Choropleth, drawn: &Drawn) -> Result<FeatureTable, StoredGeometryError> {
    let columns = columns(c);
    let features = c
        .areas
        .iter()
        .map(|a| {
            let geometry = match drawn.geometries.get(a.index) {
                Some(raw) => drawn_geometry(raw)?,
                None => None,
            };
            Ok(Feature {
                values: columns.iter().map(|column| cell(column, a)).collect(),
                geometry,
            })
        })
        .collect::<Result<Vec<_>, StoredGeometryError>>()?;
    let (provenance, official, synthetic) = values_provenance(c);
    let description = format!(
        "{} / {}. Values: {} ({official} official, {synthetic} synthetic). {}. Download: {}",
        c.indicator.label_ja,
        c.indicator.label_en,
        provenance.as_str(),
        credits(c).join(" "),
        render::file_stem(c),
    );
    Ok(FeatureTable {
        name: "choropleth".to_owned(),
        title: title(c),
        description,
        fields: columns
            .iter()
            .map(|column| Field {
                name: column.name,
                kind: column.kind,
                title: column.label_en.clone(),
                description: column.label_ja.clone(),
            })
            .collect(),
        features,
    })
}
