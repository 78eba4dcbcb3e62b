//! Rendering a choropleth: a GeoJSON FeatureCollection or a TopoJSON topology, each with the
//! legend, statistics, provenance and credit as foreign members; or CSV of the values alone.

use std::sync::Arc;

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use super::map::{Choropleth, LegendClass, MapArea};
use super::request::{Format, MapLevel};
use crate::error::AppError;
use crate::spatial::atlas::{Atlas, Drawn, Layer};
use crate::spatial::CREDIT;
use crate::survey::source::{self, Provenance};
use crate::survey::values::RespondentValue;

/// File name stem of a download, e.g. `dx-atlas_R5_cio.appointed_municipality`.
pub fn file_stem(c: &Choropleth) -> String {
    let level = match c.spec.level() {
        MapLevel::Municipality => "municipality",
        MapLevel::Prefecture => "prefecture",
    };
    let mut stem = match &c.edition {
        Some(edition) => format!("dx-atlas_{}_{}", edition.code, c.indicator.code),
        None => format!("dx-atlas_{}", c.indicator.code),
    };
    if let Some(o) = &c.spec.request().option {
        stem.push('_');
        stem.push_str(o);
    }
    stem.push('_');
    stem.push_str(level);
    if let Some(p) = c.spec.request().prefecture {
        stem.push_str(&format!("_{p}"));
    }
    stem
}

/// Links to the same choropleth on the download endpoints: GeoJSON, TopoJSON, CSV (plain, and
/// with a byte-order mark for Excel), the `.xlsx` workbook, GeoPackage and FlatGeobuf.
pub fn downloads(c: &Choropleth) -> Value {
    let q = c.spec.query();
    json!({
        "geojson": format!("/choropleth.geojson?{q}"),
        "topojson": format!("/choropleth.topojson?{q}"),
        "csv": format!("/choropleth.csv?{q}"),
        "excelCsv": format!("/choropleth.csv?{q}&bom=true"),
        "xlsx": format!("/choropleth.xlsx?{q}"),
        "geopackage": format!("/choropleth.gpkg?{q}"),
        "flatgeobuf": format!("/choropleth.fgb?{q}"),
    })
}

fn class_json(c: &LegendClass) -> Value {
    json!({
        "index": c.index, "lower": c.lower, "upper": c.upper, "category": c.category,
        "label": c.label, "colour": c.colour, "count": c.count,
    })
}

/// The sources of a map's values, each with its kind, credit and the link to the original.
fn sources_json(c: &Choropleth) -> Value {
    Value::Array(
        c.sources
            .iter()
            .filter_map(|code| source::by_code(code).ok())
            .map(|s| {
                json!({
                    "code": s.code, "provenance": Provenance::from(s.kind).as_str(), "title": s.title,
                    "publisher": s.publisher, "url": s.url, "credit": s.credit, "published": s.published,
                })
            })
            .collect(),
    )
}

/// Every credit line a map's terms require: the boundaries' and each source's.
pub fn credits(c: &Choropleth) -> Vec<&'static str> {
    std::iter::once(CREDIT)
        .chain(
            c.sources
                .iter()
                .filter_map(|code| source::by_code(code).ok()?.credit),
        )
        .collect()
}

/// The provenance of a map's values (the edition's where it has none), and how many areas
/// have an official value and how many a synthetic one (or, for a municipal share, a share
/// of synthetic values).
pub fn values_provenance(c: &Choropleth) -> (Provenance, usize, usize) {
    let kinds = c.areas.iter().filter_map(|a| a.provenance);
    let official = kinds.clone().filter(|p| *p == Provenance::Official).count();
    let all = kinds.clone().count();
    let provenance = kinds.reduce(Provenance::with).unwrap_or_else(|| {
        c.edition
            .as_ref()
            .map_or(Provenance::Official, |e| e.provenance)
    });
    (provenance, official, all - official)
}

/// Legend, statistics, indicator, edition and provenance, credit and links: the members every
/// rendering carries beside its geometry.
pub fn metadata(c: &Choropleth) -> Map<String, Value> {
    let s = &c.statistics;
    let mut m = Map::new();
    m.insert(
        "legend".into(),
        json!({
            "method": c.method.as_str(),
            "numeric": c.numeric,
            "classes": c.legend.iter().map(class_json).collect::<Vec<_>>(),
            "missing": {"label": c.missing.label, "colour": c.missing.colour, "count": c.missing.count},
        }),
    );
    m.insert(
        "statistics".into(),
        json!({"n": s.n, "missing": s.missing, "min": s.min, "max": s.max, "mean": s.mean, "median": s.median}),
    );
    m.insert(
        "indicator".into(),
        json!({
            "code": c.indicator.code, "labelJa": c.indicator.label_ja, "labelEn": c.indicator.label_en,
            "type": c.indicator.kind.as_str(), "option": c.spec.request().option,
            "unit": c.indicator.unit, "year": c.indicator.year,
        }),
    );
    if let Some(b) = &c.bivariate {
        m.insert(
            "bivariate".into(),
            json!({
                "x": {"code": c.indicator.code, "label": c.indicator.label_ja, "bounds": b.x_bounds},
                "y": {"code": b.y.code, "label": b.y.label_ja, "unit": b.y.unit, "year": b.y.year,
                      "bounds": b.y_bounds},
                "grid": super::bivariate::GRID,
            }),
        );
    }
    if let Some(per) = &c.per {
        m.insert(
            "per".into(),
            json!({
                "statistic": per.code, "label": per.label, "unit": per.unit, "year": per.year,
                "scale": per.scale, "undivided": per.undivided,
            }),
        );
    }
    if let Some(edition) = &c.edition {
        m.insert(
            "edition".into(),
            json!({
                "code": edition.code, "referenceDate": edition.reference_date,
                "provenance": edition.provenance.as_str(), "provenanceNote": edition.provenance_note,
            }),
        );
    }
    let level = c.spec.simplify_level();
    m.insert(
        "simplification".into(),
        json!({
            "tolerance": level.tolerance, "minIslandKm2": level.min_island_km2,
            "precision": c.spec.decimals(),
        }),
    );
    let (provenance, official, synthetic) = values_provenance(c);
    m.insert(
        "provenance".into(),
        json!({"values": provenance.as_str(), "official": official, "synthetic": synthetic}),
    );
    m.insert("credit".into(), json!(CREDIT));
    m.insert("sources".into(), sources_json(c));
    m.insert("credits".into(), json!(credits(c)));
    m.insert("downloads".into(), downloads(c));
    m
}

/// Which layer a choropleth draws.
fn layer<'a>(c: &Choropleth, atlas: &'a Atlas) -> &'a Layer {
    match c.spec.level() {
        MapLevel::Municipality => &atlas.municipalities,
        MapLevel::Prefecture => &atlas.prefectures,
    }
}

/// A feature's properties. The class's label is in the legend, looked up by `class`;
/// repeating it on every feature would only make the document larger.
struct Properties<'a>(&'a MapArea);

impl Serialize for Properties<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let a = self.0;
        let mut m = serializer.serialize_map(Some(6 + usize::from(a.second.is_some())))?;
        m.serialize_entry("code", &a.code)?;
        m.serialize_entry("name", &a.name)?;
        match &a.value {
            RespondentValue::Number(n) => m.serialize_entry("value", n)?,
            RespondentValue::Category(c) => m.serialize_entry("value", c)?,
            RespondentValue::Missing => m.serialize_entry("value", &())?,
        }
        if let Some(y) = a.second {
            m.serialize_entry("y", &y)?;
        }
        m.serialize_entry("provenance", &a.provenance.map(Provenance::as_str))?;
        m.serialize_entry("class", &a.class)?;
        m.serialize_entry("colour", &a.colour)?;
        m.end()
    }
}

/// Writes the foreign members of [`metadata`] into a document being serialized.
fn write_metadata<M: SerializeMap>(m: &mut M, c: &Choropleth) -> Result<(), M::Error> {
    for (key, value) in metadata(c) {
        m.serialize_entry(&key, &value)?;
    }
    Ok(())
}

/// A choropleth as a GeoJSON FeatureCollection (RFC 7946) with the legend, statistics,
/// provenance and credit as foreign members.
///
/// It is written feature by feature straight to the serializer: a whole-country document has
/// some 400,000 positions, and building a JSON tree of them first would cost more than the
/// writing itself.
pub struct GeoJsonDocument<'a> {
    choropleth: &'a Choropleth,
    atlas: &'a Atlas,
}

impl<'a> GeoJsonDocument<'a> {
    /// The document of `choropleth` drawn with `atlas`'s boundaries.
    pub fn new(choropleth: &'a Choropleth, atlas: &'a Atlas) -> Self {
        Self { choropleth, atlas }
    }
}

impl Serialize for GeoJsonDocument<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = self.choropleth;
        let drawn = layer(c, self.atlas).drawn(c.spec.simplify_level(), c.spec.decimals());
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("type", "FeatureCollection")?;
        write_metadata(&mut m, c)?;
        m.serialize_entry(
            "features",
            &Features {
                areas: &c.areas,
                drawn: &drawn,
            },
        )?;
        m.end()
    }
}

/// The features, each area's geometry copied from the layer's written geometry.
struct Features<'a> {
    areas: &'a [MapArea],
    drawn: &'a Drawn,
}

impl Serialize for Features<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let null = RawValue::NULL;
        let mut seq = serializer.serialize_seq(Some(self.areas.len()))?;
        for area in self.areas {
            let geometry = self.drawn.geometries.get(area.index).map_or(null, |g| &**g);
            seq.serialize_element(&Feature { area, geometry })?;
        }
        seq.end()
    }
}

struct Feature<'a> {
    area: &'a MapArea,
    geometry: &'a RawValue,
}

impl Serialize for Feature<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(4))?;
        m.serialize_entry("type", "Feature")?;
        m.serialize_entry("id", &self.area.code)?;
        m.serialize_entry("properties", &Properties(self.area))?;
        m.serialize_entry("geometry", self.geometry)?;
        m.end()
    }
}

/// A choropleth as a TopoJSON topology (one object, `choropleth`) with the same foreign
/// members as [`GeoJsonDocument`].
pub struct TopoJsonDocument<'a> {
    choropleth: &'a Choropleth,
    atlas: &'a Atlas,
}

impl<'a> TopoJsonDocument<'a> {
    /// The document of `choropleth` drawn with `atlas`'s boundaries.
    pub fn new(choropleth: &'a Choropleth, atlas: &'a Atlas) -> Self {
        Self { choropleth, atlas }
    }
}

impl Serialize for TopoJsonDocument<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = self.choropleth;
        // As many quantization steps per axis as the precision distinguishes across Japan (~31°).
        // Clamped to 1e4..=1e8 first, well inside u32.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let quantization = (31.0 * 10f64.powi(i32::from(c.spec.decimals()))).clamp(1e4, 1e8) as u32;
        let indices: Vec<usize> = c.areas.iter().map(|area| area.index).collect();
        let topology = layer(c, self.atlas).encoded(
            c.spec.simplify_level(),
            c.spec.decimals(),
            &indices,
            quantization,
        );
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("type", "Topology")?;
        m.serialize_entry("transform", &topology.transform)?;
        m.serialize_entry("bbox", &topology.bbox)?;
        write_metadata(&mut m, c)?;
        m.serialize_entry(
            "objects",
            &Objects {
                areas: &c.areas,
                geometries: &topology.geometries,
            },
        )?;
        m.serialize_entry("arcs", &topology.arcs)?;
        m.end()
    }
}

struct Objects<'a> {
    areas: &'a [MapArea],
    geometries: &'a [Vec<Vec<Vec<i64>>>],
}

impl Serialize for Objects<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(1))?;
        m.serialize_entry("choropleth", &Collection(self))?;
        m.end()
    }
}

struct Collection<'a>(&'a Objects<'a>);

impl Serialize for Collection<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(2))?;
        m.serialize_entry("type", "GeometryCollection")?;
        m.serialize_entry(
            "geometries",
            &TopoGeometries {
                areas: self.0.areas,
                geometries: self.0.geometries,
            },
        )?;
        m.end()
    }
}

struct TopoGeometries<'a> {
    areas: &'a [MapArea],
    geometries: &'a [Vec<Vec<Vec<i64>>>],
}

impl Serialize for TopoGeometries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.areas.len()))?;
        for (area, polygons) in self.areas.iter().zip(self.geometries) {
            seq.serialize_element(&TopoGeometry { area, polygons })?;
        }
        seq.end()
    }
}

struct TopoGeometry<'a> {
    area: &'a MapArea,
    polygons: &'a [Vec<Vec<i64>>],
}

impl Serialize for TopoGeometry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(4))?;
        match self.polygons {
            [] => m.serialize_entry("type", &())?,
            [one] => {
                m.serialize_entry("type", "Polygon")?;
                m.serialize_entry("arcs", one)?;
            }
            many => {
                m.serialize_entry("type", "MultiPolygon")?;
                m.serialize_entry("arcs", many)?;
            }
        }
        m.serialize_entry("id", &self.area.code)?;
        m.serialize_entry("properties", &Properties(self.area))?;
        m.end()
    }
}

/// A choropleth document in either format, owning what it is drawn from, so that it can be
/// handed to a GraphQL response and serialized only if the field was asked for.
pub struct OwnedDocument {
    /// The choropleth.
    pub choropleth: Arc<Choropleth>,
    /// The boundaries it is drawn with.
    pub atlas: Arc<Atlas>,
}

impl Serialize for OwnedDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.choropleth.spec.format() {
            Format::GeoJson => {
                GeoJsonDocument::new(&self.choropleth, &self.atlas).serialize(serializer)
            }
            Format::TopoJson => {
                TopoJsonDocument::new(&self.choropleth, &self.atlas).serialize(serializer)
            }
        }
    }
}

/// The map's layer drawn at its level of detail and precision, the geometry its GeoJSON has,
/// through the build gate (refused with [`AppError::Busy`] as [`document`] is). CPU work.
pub fn drawn(c: &Choropleth, atlas: &Atlas) -> Result<Arc<Drawn>, AppError> {
    Ok(layer(c, atlas).try_drawn(c.spec.simplify_level(), c.spec.decimals())?)
}

/// The map's document, its level of detail drawn first through the build gate: a request that
/// finds the level not drawn and no build slot free within the gate's wait is refused
/// ([`AppError::Busy`]) before any work is done. CPU work: call it off the async workers.
pub fn document(c: &Choropleth, atlas: &Atlas) -> Result<Vec<u8>, AppError> {
    let _drawn = layer(c, atlas).try_drawn(c.spec.simplify_level(), c.spec.decimals())?;
    document_bytes(c, atlas).map_err(|e| AppError::internal("writing a map document", e))
}

/// The document's bytes in the requested format.
pub fn document_bytes(c: &Choropleth, atlas: &Atlas) -> serde_json::Result<Vec<u8>> {
    // Whole-country GeoJSON at the default zoom is about 800 KB: one allocation up front.
    let mut out = Vec::with_capacity(1 << 20);
    match c.spec.format() {
        Format::GeoJson => serde_json::to_writer(&mut out, &GeoJsonDocument::new(c, atlas))?,
        Format::TopoJson => serde_json::to_writer(&mut out, &TopoJsonDocument::new(c, atlas))?,
    }
    Ok(out)
}

/// The values as CSV: code, name, value, class, label, colour, each value's provenance
/// (OFFICIAL, CALIBRATED_SYNTHETIC, or MIXED for a share of both; empty where missing) and the
/// credit lines of the boundaries and of every source used.
pub fn csv(c: &Choropleth) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "code",
        "name",
        "value",
        "class",
        "label",
        "colour",
        "provenance",
        "credit",
    ];
    // A bivariate map's second value closes each row.
    if c.bivariate.is_some() {
        header.push("y");
    }
    w.write_record(&header)?;
    // A CSV has no place for metadata beside its rows: each row carries the credit lines.
    let credit = credits(c).join(" ");
    for a in &c.areas {
        let value = match &a.value {
            RespondentValue::Number(n) => n.to_string(),
            RespondentValue::Category(s) => s.clone(),
            RespondentValue::Missing => String::new(),
        };
        let class = a.class.map(|c| c.to_string()).unwrap_or_default();
        let y = a.second.map(|y| y.to_string()).unwrap_or_default();
        let mut row = vec![
            a.code.as_str(),
            a.name.as_str(),
            value.as_str(),
            class.as_str(),
            a.label.as_str(),
            a.colour.as_str(),
            a.provenance.map_or("", Provenance::as_str),
            credit.as_str(),
        ];
        if c.bivariate.is_some() {
            row.push(y.as_str());
        }
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
