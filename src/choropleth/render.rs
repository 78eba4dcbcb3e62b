//! Rendering a choropleth: a GeoJSON FeatureCollection or a TopoJSON topology, each with the
//! legend, statistics, provenance and credit as foreign members; or CSV of the values alone.

use geo::{LineString, MultiPolygon, Polygon};
use serde_json::{json, Map, Value};

use super::{
    Choropleth, ChoroplethRequest, Classification, Format, LegendClass, MapLevel, MapValue,
    PrefectureValue,
};
use crate::spatial::atlas::Atlas;
use crate::spatial::geojson::with_precision;
use crate::spatial::topojson::{encode, EncodeGeometry};
use crate::spatial::CREDIT;

/// The query string that names the same choropleth on the download endpoints.
pub fn query_string(r: &ChoroplethRequest) -> String {
    let mut parts: Vec<String> = vec![format!("indicator={}", r.indicator)];
    if let Some(o) = &r.option {
        parts.push(format!("option={o}"));
    }
    if let Some(e) = &r.edition {
        parts.push(format!("edition={e}"));
    }
    parts.push(format!(
        "level={}",
        match r.level {
            MapLevel::Municipality => "MUNICIPALITY",
            MapLevel::Prefecture => "PREFECTURE",
        }
    ));
    if r.level == MapLevel::Prefecture {
        parts.push(format!(
            "prefectureValue={}",
            match r.prefecture_value {
                PrefectureValue::OwnAnswer => "OWN_ANSWER",
                PrefectureValue::MunicipalShare => "MUNICIPAL_SHARE",
            }
        ));
    }
    if let Some(p) = r.prefecture {
        parts.push(format!("prefecture={p}"));
    }
    let (method, breaks) = match &r.classification {
        Classification::Quantiles => ("QUANTILES", None),
        Classification::EqualInterval => ("EQUAL_INTERVAL", None),
        Classification::NaturalBreaks => ("NATURAL_BREAKS", None),
        Classification::StandardDeviation => ("STANDARD_DEVIATION", None),
        Classification::Manual(b) => ("MANUAL", Some(b)),
    };
    parts.push(format!("classification={method}"));
    if let Some(b) = breaks {
        let list: Vec<String> = b.iter().map(f64::to_string).collect();
        parts.push(format!("breaks={}", list.join(",")));
    }
    parts.push(format!("classes={}", r.classes));
    if let Some(p) = &r.palette {
        parts.push(format!("palette={p}"));
    }
    if let Some(z) = r.zoom {
        parts.push(format!("zoom={z}"));
    }
    if let Some(t) = r.tolerance {
        parts.push(format!("tolerance={t}"));
    }
    if let Some(m) = r.min_island_km2 {
        parts.push(format!("minIslandKm2={m}"));
    }
    if let Some(p) = r.precision {
        parts.push(format!("precision={p}"));
    }
    parts.join("&")
}

/// File name stem of a download, e.g. `dx-atlas_R5_cio.appointed_municipality`.
pub fn file_stem(c: &Choropleth) -> String {
    let level = match c.request.level {
        MapLevel::Municipality => "municipality",
        MapLevel::Prefecture => "prefecture",
    };
    let mut stem = format!("dx-atlas_{}_{}", c.edition.code, c.indicator.code);
    if let Some(o) = &c.request.option {
        stem.push('_');
        stem.push_str(o);
    }
    stem.push('_');
    stem.push_str(level);
    if let Some(p) = c.request.prefecture {
        stem.push_str(&format!("_{p}"));
    }
    stem
}

/// Links to the same choropleth on the download endpoints.
pub fn downloads(c: &Choropleth) -> Value {
    let q = query_string(&c.request);
    json!({
        "geojson": format!("/choropleth.geojson?{q}"),
        "topojson": format!("/choropleth.topojson?{q}"),
        "csv": format!("/choropleth.csv?{q}"),
    })
}

fn value_json(v: &MapValue) -> Value {
    match v {
        MapValue::Number(n) => json!(n),
        MapValue::Category(c) => json!(c),
        MapValue::Missing => Value::Null,
    }
}

fn class_json(c: &LegendClass) -> Value {
    json!({
        "index": c.index, "lower": c.lower, "upper": c.upper, "category": c.category,
        "label": c.label, "colour": c.colour, "count": c.count,
    })
}

/// Legend, statistics, indicator, edition and provenance, credit and links: the members every
/// rendering carries beside its geometry.
pub fn metadata(c: &Choropleth) -> Map<String, Value> {
    let s = &c.statistics;
    let mut m = Map::new();
    m.insert(
        "legend".into(),
        json!({
            "method": c.method,
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
            "type": c.indicator.kind, "option": c.request.option,
        }),
    );
    m.insert(
        "edition".into(),
        json!({
            "code": c.edition.code, "referenceDate": c.edition.reference_date,
            "provenance": c.edition.provenance, "provenanceNote": c.edition.provenance_note,
        }),
    );
    m.insert("credit".into(), json!(CREDIT));
    m.insert("downloads".into(), downloads(c));
    m
}

fn properties(area: &super::MapArea) -> Value {
    // The class's label is in the legend, looked up by `class`; repeating it on every feature
    // would only make the document larger.
    json!({
        "code": area.code, "name": area.name, "value": value_json(&area.value),
        "class": area.class, "colour": area.colour,
    })
}

/// The choropleth as a GeoJSON FeatureCollection (RFC 7946) with foreign members.
pub fn geojson(c: &Choropleth, atlas: &Atlas) -> Value {
    let layer = match c.request.level {
        MapLevel::Municipality => &atlas.municipalities,
        MapLevel::Prefecture => &atlas.prefectures,
    };
    let simplified = layer.simplified(c.request.simplify_level());
    let decimals = Some(c.request.decimals());
    let features: Vec<Value> = c
        .areas
        .iter()
        .map(|area| {
            let polygons: Vec<Polygon<f64>> = simplified
                .shapes
                .get(area.index)
                .map(|shape| {
                    shape
                        .iter()
                        .filter_map(|rings| {
                            let mut rings = rings
                                .iter()
                                .map(|r| LineString::from(layer.topology.ring(r, &simplified.arcs)));
                            let exterior = rings.next()?;
                            Some(Polygon::new(exterior, rings.collect()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let geometry = if polygons.is_empty() {
                Value::Null
            } else {
                with_precision(&MultiPolygon::new(polygons), decimals)
            };
            json!({"type": "Feature", "id": area.code, "properties": properties(area), "geometry": geometry})
        })
        .collect();
    let mut doc = Map::new();
    doc.insert("type".into(), json!("FeatureCollection"));
    doc.insert("features".into(), Value::Array(features));
    doc.extend(metadata(c));
    Value::Object(doc)
}

/// The choropleth as a TopoJSON topology (object `choropleth`) with foreign members.
pub fn topojson(c: &Choropleth, atlas: &Atlas) -> Value {
    let layer = match c.request.level {
        MapLevel::Municipality => &atlas.municipalities,
        MapLevel::Prefecture => &atlas.prefectures,
    };
    let simplified = layer.simplified(c.request.simplify_level());
    let empty = Vec::new();
    let geometries: Vec<EncodeGeometry<'_>> = c
        .areas
        .iter()
        .map(|area| EncodeGeometry {
            id: &area.code,
            properties: properties(area),
            polygons: simplified.shapes.get(area.index).unwrap_or(&empty),
        })
        .collect();
    // As many quantization steps per axis as the precision distinguishes across Japan (~31°).
    let quantization = (31.0 * 10f64.powi(i32::from(c.request.decimals()))).clamp(1e4, 1e8) as u32;
    let mut doc = match encode(&simplified.arcs, &geometries, "choropleth", quantization) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    doc.extend(metadata(c));
    Value::Object(doc)
}

/// The document in the requested format.
pub fn document(c: &Choropleth, atlas: &Atlas) -> Value {
    match c.request.format {
        Format::GeoJson => geojson(c, atlas),
        Format::TopoJson => topojson(c, atlas),
    }
}

/// The values as CSV: code, name, value, class, label, colour, provenance.
pub fn csv(c: &Choropleth) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "code",
        "name",
        "value",
        "class",
        "label",
        "colour",
        "provenance",
    ])?;
    for a in &c.areas {
        let value = match &a.value {
            MapValue::Number(n) => n.to_string(),
            MapValue::Category(s) => s.clone(),
            MapValue::Missing => String::new(),
        };
        let class = a.class.map(|c| c.to_string()).unwrap_or_default();
        w.write_record([
            a.code.as_str(),
            a.name.as_str(),
            value.as_str(),
            class.as_str(),
            a.label.as_str(),
            a.colour.as_str(),
            c.edition.provenance.as_str(),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
