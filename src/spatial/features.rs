//! A table of features for GIS files: typed fields and one (multi)polygon per row, in WGS 84
//! longitude/latitude (EPSG:4326), written as FlatGeobuf here and as a GeoPackage by
//! [`super::gpkg`]. What the rows hold is the caller's (a map's values and boundaries); this
//! module knows only the formats.

use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
use geo::MultiPolygon;
use geozero::{ColumnValue, PropertyProcessor};
use serde_json::value::RawValue;
use thiserror::Error;

use super::geojson::{parse_stored, StoredGeometryError};

/// The type of a field, as a GIS file declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text: codes keep their leading zeros (`01100`).
    Text,
    /// A whole number (64 bits).
    Integer,
    /// A floating-point number (64 bits).
    Real,
}

/// One field: its name and type, with the labels GIS clients may show.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Column name (`code`, `value`…).
    pub name: &'static str,
    /// Its type.
    pub kind: FieldType,
    /// A short title (English).
    pub title: String,
    /// What it holds.
    pub description: String,
}

/// One value of a row, of its field's type or missing.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// Text.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A floating-point number.
    Real(f64),
    /// No value.
    Null,
}

/// One row: the values in the order of the table's fields, and the geometry (`None` for an
/// area without one).
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Values, one per field.
    pub values: Vec<FieldValue>,
    /// Boundary, WGS 84 longitude/latitude.
    pub geometry: Option<MultiPolygon<f64>>,
}

/// A layer of polygon features.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureTable {
    /// Layer (table) name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Description: what is mapped, its provenance and the credit lines.
    pub description: String,
    /// Fields.
    pub fields: Vec<Field>,
    /// Rows.
    pub features: Vec<Feature>,
}

/// Why a GIS file could not be written.
#[derive(Debug, Error)]
pub enum FeatureFileError {
    /// A geometry written by [`super::atlas::Layer::drawn`] could not be read back.
    #[error("reading a drawn geometry: {0}")]
    Geometry(#[from] StoredGeometryError),
    /// The FlatGeobuf writer failed.
    #[error("writing FlatGeobuf: {0}")]
    FlatGeobuf(String),
    /// The GeoPackage's SQLite database failed.
    #[error("writing the GeoPackage: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// Its temporary file could not be made or read.
    #[error("the GeoPackage's temporary file: {0}")]
    Io(#[from] std::io::Error),
    /// A geometry could not be encoded as WKB.
    #[error("encoding a geometry: {0}")]
    Encode(#[from] geozero::error::GeozeroError),
}

/// A drawn GeoJSON geometry (Polygon, MultiPolygon or `null`) as polygons.
pub fn drawn_geometry(raw: &RawValue) -> Result<Option<MultiPolygon<f64>>, StoredGeometryError> {
    let text = raw.get().trim();
    if text == "null" {
        return Ok(None);
    }
    parse_stored(text).map(Some)
}

/// The table as FlatGeobuf: MultiPolygon, EPSG:4326, with the packed Hilbert R-tree that lets
/// GDAL and QGIS read a bounding box over HTTP by ranges (the features are written in the
/// index's order, not the table's).
pub fn flatgeobuf(table: &FeatureTable) -> Result<Vec<u8>, FeatureFileError> {
    let fgb_error = |e: flatgeobuf::Error| FeatureFileError::FlatGeobuf(e.to_string());
    let mut fgb = FgbWriter::create_with_options(
        &table.name,
        GeometryType::MultiPolygon,
        FgbWriterOptions {
            write_index: true,
            detect_type: false,
            promote_to_multi: true,
            crs: FgbCrs {
                org: Some("EPSG"),
                code: 4326,
                ..FgbCrs::default()
            },
            title: Some(&table.title),
            description: Some(&table.description),
            ..FgbWriterOptions::default()
        },
    )
    .map_err(fgb_error)?;
    for field in &table.fields {
        let kind = match field.kind {
            FieldType::Text => ColumnType::String,
            FieldType::Integer => ColumnType::Long,
            FieldType::Real => ColumnType::Double,
        };
        fgb.add_column(field.name, kind, |fbb, column| {
            column.nullable = true;
            column.title = Some(fbb.create_string(&field.title));
            column.description = Some(fbb.create_string(&field.description));
        });
    }
    for feature in &table.features {
        // An area without a boundary keeps its row, with an empty geometry: FlatGeobuf has no
        // null geometry in a typed layer.
        let geometry =
            geo::Geometry::MultiPolygon(feature.geometry.clone().unwrap_or_else(empty_polygons));
        let mut failed = None;
        fgb.add_feature_geom(geometry, |writer| {
            for (i, (field, value)) in table.fields.iter().zip(&feature.values).enumerate() {
                let column = match value {
                    FieldValue::Text(s) => ColumnValue::String(s),
                    FieldValue::Integer(n) => ColumnValue::Long(*n),
                    FieldValue::Real(x) => ColumnValue::Double(*x),
                    // A missing value is a property left out, which readers take as null.
                    FieldValue::Null => continue,
                };
                if let Err(e) = writer.property(i, field.name, &column) {
                    failed = Some(e);
                }
            }
        })?;
        if let Some(e) = failed {
            return Err(e.into());
        }
    }
    let mut out = Vec::new();
    fgb.write(&mut out).map_err(fgb_error)?;
    Ok(out)
}

fn empty_polygons() -> MultiPolygon<f64> {
    MultiPolygon::new(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flatgeobuf::{FallibleStreamingIterator, FgbReader};
    use geo::polygon;
    use geozero::FeatureProperties;

    fn table() -> FeatureTable {
        let square = polygon![(x: 139.0, y: 35.0), (x: 140.0, y: 35.0), (x: 140.0, y: 36.0), (x: 139.0, y: 35.0)];
        FeatureTable {
            name: "choropleth".into(),
            title: "test".into(),
            description: "a test".into(),
            fields: vec![
                Field {
                    name: "code",
                    kind: FieldType::Text,
                    title: "Code".into(),
                    description: String::new(),
                },
                Field {
                    name: "value",
                    kind: FieldType::Integer,
                    title: "Value".into(),
                    description: String::new(),
                },
            ],
            features: vec![
                Feature {
                    values: vec![FieldValue::Text("01100".into()), FieldValue::Integer(3)],
                    geometry: Some(MultiPolygon::new(vec![square])),
                },
                Feature {
                    values: vec![FieldValue::Text("01202".into()), FieldValue::Null],
                    geometry: None,
                },
            ],
        }
    }

    #[test]
    fn drawn_geometries_are_read_back_and_null_is_none() {
        let raw = serde_json::value::to_raw_value(&serde_json::json!({
            "type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]
        }))
        .unwrap();
        assert_eq!(drawn_geometry(&raw).unwrap().unwrap().0.len(), 1);
        let null = serde_json::value::to_raw_value(&serde_json::Value::Null).unwrap();
        assert_eq!(drawn_geometry(&null).unwrap(), None);
    }

    #[test]
    fn flatgeobuf_keeps_codes_as_text_and_numbers_typed() {
        let bytes = flatgeobuf(&table()).unwrap();
        let reader = FgbReader::open(std::io::Cursor::new(bytes)).unwrap();
        let header = reader.header();
        assert_eq!(header.features_count(), 2);
        assert_eq!(header.index_node_size(), 16);
        assert_eq!(header.crs().unwrap().code(), 4326);
        let mut features = reader.select_all().unwrap();
        let mut codes = Vec::new();
        while let Some(feature) = features.next().unwrap() {
            codes.push(feature.property::<String>("code").unwrap());
        }
        codes.sort();
        assert_eq!(codes, ["01100", "01202"]);
    }
}
