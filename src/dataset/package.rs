//! The whole survey as one download: a zip holding the wide, long and statistics tables as
//! CSV, the boundaries as GeoPackage (municipalities and prefectures), a `datapackage.json`
//! (Frictionless Data Package v1: each resource with its path, format, media type, encoding
//! and Table Schema; licences, sources and contributors) and a README with the credit lines.

use std::io::Write;

use serde_json::{json, Value};
use thiserror::Error;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::data::{Authority, SurveyData};
use super::table::{self, Table};
use crate::choropleth::columns::{
    BOUNDARIES_LICENCE, BOUNDARIES_PUBLISHER, BOUNDARIES_RELEASE, BOUNDARIES_TITLE,
};
use crate::choropleth::request::simplification;
use crate::error::{AppError, AppResult};
use crate::spatial::atlas::Layer;
use crate::spatial::features::{
    drawn_geometry, Feature, FeatureTable, Field, FieldType, FieldValue,
};
use crate::spatial::geojson::StoredGeometryError;
use crate::spatial::CREDIT;
use crate::survey::catalogue::Subject;
use crate::survey::source::SourceInfo;

/// Why a package could not be written.
#[derive(Debug, Error)]
pub enum PackageError {
    /// A table's CSV.
    #[error("writing a table: {0}")]
    Csv(#[from] csv::Error),
    /// The zip.
    #[error("writing the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Writing into the zip.
    #[error("writing the zip: {0}")]
    Io(#[from] std::io::Error),
    /// The descriptor.
    #[error("writing datapackage.json: {0}")]
    Json(#[from] serde_json::Error),
}

/// One file of the package, written: its path in the zip and its bytes.
pub struct Entry {
    /// Path inside the zip.
    pub path: String,
    /// Content.
    pub bytes: Vec<u8>,
}

/// The layers of boundaries the package holds, by file.
pub const BOUNDARY_FILES: [(&str, Subject); 2] = [
    ("municipalities.gpkg", Subject::Municipality),
    ("prefectures.gpkg", Subject::Prefecture),
];

/// The boundaries of the authorities of `subject`, drawn as the default map draws them
/// (zoom 6's simplification and precision), with their codes and names. CPU work; refused
/// with [`AppError::Busy`] when the level is not drawn and no build can start.
pub fn boundaries(data: &SurveyData, subject: Subject) -> AppResult<FeatureTable> {
    let layer: &Layer = match subject {
        Subject::Municipality => &data.atlas.municipalities,
        Subject::Prefecture => &data.atlas.prefectures,
    };
    let level = simplification(None, None, None);
    let drawn = layer.try_drawn(level, level.decimals())?;
    let field = |name: &'static str, title: &str, description: &str| Field {
        name,
        kind: FieldType::Text,
        title: title.to_owned(),
        description: description.to_owned(),
    };
    let features = data
        .authorities
        .iter()
        .filter(|a| a.subject == subject)
        .map(|a: &Authority| {
            let geometry = match drawn.geometries.get(a.position) {
                Some(raw) => drawn_geometry(raw)?,
                None => None,
            };
            let text = |s: &str| FieldValue::Text(s.to_owned());
            Ok(Feature {
                values: vec![
                    text(&a.code),
                    text(&a.name),
                    a.kind.map_or(FieldValue::Null, |k| text(k.as_str())),
                    text(&a.prefecture),
                ],
                geometry,
            })
        })
        .collect::<Result<Vec<_>, StoredGeometryError>>()
        .map_err(|e| AppError::internal("reading a drawn boundary", e))?;
    let name = layer_name(subject);
    Ok(FeatureTable {
        name: name.to_owned(),
        title: format!("{BOUNDARIES_TITLE} {BOUNDARIES_RELEASE}: {name}"),
        description: format!(
            "Boundaries (WGS 84, EPSG:4326) joinable to the survey tables by `code`. {CREDIT}"
        ),
        fields: vec![
            field(
                "code",
                "Code",
                "Local government code (JIS X 0401/0402), text",
            ),
            field("name", "Name", "団体名"),
            field(
                "kind",
                "Kind",
                "Kind of municipality; empty for a prefecture",
            ),
            field("prefecture", "Prefecture code", "Two-digit prefecture code"),
        ],
        features,
    })
}

/// The layer of `subject`'s boundaries, and its file's stem.
fn layer_name(subject: Subject) -> &'static str {
    match subject {
        Subject::Municipality => "municipalities",
        Subject::Prefecture => "prefectures",
    }
}

/// A Table Schema (Frictionless) of `table`: codes and names are `string`.
fn schema(table: &Table) -> Value {
    let fields: Vec<Value> = table
        .columns
        .iter()
        .map(|c| {
            let kind = match c.kind {
                FieldType::Text => "string",
                FieldType::Integer => "integer",
                FieldType::Real => "number",
            };
            let mut description = c.label_ja.clone();
            for (key, value) in [
                ("unit", c.unit.as_deref()),
                ("source", Some(c.source.as_str()).filter(|s| !s.is_empty())),
                ("reference date", c.reference_date.as_deref()),
                ("provenance", c.provenance.as_deref()),
            ] {
                if let Some(value) = value {
                    description.push_str(&format!("; {key}: {value}"));
                }
            }
            json!({ "name": c.name, "type": kind, "title": c.label_en, "description": description })
        })
        .collect();
    let mut schema = json!({ "fields": fields, "missingValues": [""] });
    if table.name != "long" {
        schema["primaryKey"] = json!(["code"]);
    }
    schema
}

fn licenses() -> Value {
    json!([
        {
            "name": "CC-BY-4.0",
            "path": "https://creativecommons.org/licenses/by/4.0/",
            "title": "The survey's and the statistics' terms (デジタル庁ウェブサイト利用規約, 政府標準利用規約 第2.0版) are compatible with CC BY 4.0: reuse with attribution"
        },
        {
            "path": "https://nlftp.mlit.go.jp/ksj/other/agreement.html",
            "title": format!("Boundaries: {BOUNDARIES_LICENCE}")
        }
    ])
}

/// The package's descriptor.
pub fn descriptor(
    data: &SurveyData,
    synthetic: bool,
    tables: &[Table],
    sources: &[&SourceInfo],
) -> Value {
    let e = &data.edition;
    let mut resources: Vec<Value> = tables
        .iter()
        .map(|t| {
            json!({
                "name": t.name, "path": format!("{}.csv", t.name), "profile": "tabular-data-resource",
                "title": t.title, "description": t.description, "format": "csv", "mediatype": "text/csv",
                "encoding": "utf-8", "schema": schema(t),
            })
        })
        .collect();
    resources.extend(BOUNDARY_FILES.iter().map(|(path, subject)| {
        json!({
            "name": path.trim_end_matches(".gpkg"), "path": path, "profile": "data-resource",
            "title": format!("{BOUNDARIES_TITLE} ({}), GeoPackage, EPSG:4326", layer_name(*subject)),
            "format": "gpkg", "mediatype": "application/geopackage+sqlite3",
        })
    }));
    let mut package_sources: Vec<Value> = vec![
        json!({ "title": format!("{BOUNDARIES_TITLE}, {BOUNDARIES_PUBLISHER}, {BOUNDARIES_RELEASE}"), "path": "https://nlftp.mlit.go.jp/ksj/" }),
    ];
    package_sources.extend(sources.iter().map(|s| match s.url {
        Some(url) => json!({ "title": format!("{}, {}", s.title, s.publisher), "path": url }),
        None => json!({ "title": format!("{}, {}", s.title, s.publisher) }),
    }));
    let mut contributors = vec![json!({ "title": "DX Atlas", "role": "wrangler" })];
    contributors.push(json!({ "title": BOUNDARIES_PUBLISHER, "role": "publisher" }));
    contributors.extend(
        sources
            .iter()
            .map(|s| json!({ "title": s.publisher, "role": "publisher" })),
    );
    let variant = if synthetic { "-synthetic" } else { "" };
    json!({
        "profile": "data-package",
        "name": format!("dx-atlas-survey-{}{variant}", e.code.to_ascii_lowercase()),
        "title": format!("{} ({}, {})", e.title, e.code, e.reference_date),
        "description": format!(
            "The survey as one dataset: a wide and a long table of every authority's answers, SSDSE-A statistics per municipality, and the boundaries, all joinable by `code`. {} {}",
            if synthetic { "Official and calibrated synthetic values, each marked." } else { "Official values only." },
            e.provenance_note
        ),
        "version": e.data_version.to_string(),
        "keywords": ["Japan", "local government", "digital transformation", "自治体DX"],
        "licenses": licenses(),
        "sources": package_sources,
        "contributors": contributors,
        "resources": resources,
    })
}

/// The README: what each file is, and the credit lines the terms require.
pub fn readme(
    data: &SurveyData,
    synthetic: bool,
    tables: &[Table],
    sources: &[&SourceInfo],
) -> String {
    let e = &data.edition;
    let mut text = format!("# {} ({}, {})\n\n", e.title, e.code, e.reference_date);
    text.push_str("The survey as one dataset, written by DX Atlas. Every file joins on `code`: two digits for a prefecture, five for a municipality, always text (read it as a string: `pandas.read_csv(..., dtype={\"code\": str})`).\n\n");
    text.push_str(if synthetic {
        "Values: official and calibrated synthetic. A synthetic value is not the authority's answer; the wide table's `indicator:provenance` columns and the long table's `provenance` column say which each value is.\n\n"
    } else {
        "Values: official only. Where an authority's value is not official the cell is empty.\n\n"
    });
    text.push_str(&format!("{}\n\n## Files\n\n", e.provenance_note));
    for t in tables {
        text.push_str(&format!("- `{}.csv`: {}\n", t.name, t.description));
    }
    for (path, subject) in BOUNDARY_FILES {
        text.push_str(&format!("- `{path}`: boundaries of the {} (GeoPackage, EPSG:4326), drawn as the default map draws them.\n", layer_name(subject)));
    }
    text.push_str("- `datapackage.json`: the Frictionless Data Package descriptor, with each column's type, label, unit, source, reference date and provenance.\n\n## Credits\n\n");
    text.push_str(&format!("- {CREDIT} ({BOUNDARIES_LICENCE})\n"));
    for s in sources {
        if let Some(credit) = s.credit {
            text.push_str(&format!(
                "- {credit} ({})\n",
                s.licence.unwrap_or(s.publisher)
            ));
        }
    }
    text
}

/// The zip of `entries`, deflated.
pub fn zip(entries: &[Entry]) -> Result<Vec<u8>, PackageError> {
    let mut writer = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for entry in entries {
        writer.start_file(entry.path.as_str(), options)?;
        writer.write_all(&entry.bytes)?;
    }
    Ok(writer.finish()?.into_inner())
}

/// The tables as CSV entries, then the descriptor and the README; the boundaries' entries are
/// the caller's (a GeoPackage is written over SQLite, which is async).
pub fn entries(
    data: &SurveyData,
    synthetic: bool,
    tables: &[Table],
    sources: &[&SourceInfo],
) -> Result<Vec<Entry>, PackageError> {
    let mut out = Vec::with_capacity(tables.len() + 2);
    for t in tables {
        out.push(Entry {
            path: format!("{}.csv", t.name),
            bytes: table::csv(t)?,
        });
    }
    out.push(Entry {
        path: "datapackage.json".to_owned(),
        bytes: serde_json::to_vec_pretty(&descriptor(data, synthetic, tables, sources))?,
    });
    out.push(Entry {
        path: "README.md".to_owned(),
        bytes: readme(data, synthetic, tables, sources).into_bytes(),
    });
    Ok(out)
}
