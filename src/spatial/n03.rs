//! Reading boundary files in the N03 property schema (国土数値情報 行政区域), as TopoJSON or GeoJSON.
//!
//! Properties: `N03_001` prefecture name, `N03_002` Hokkaido subprefecture, `N03_003` county
//! (郡) or designated-city name, `N03_004` municipality or ward name, `N03_007` five-digit code.
//! The ministry's own unsimplified files split designated cities into wards and municipalities
//! into many features; both are gathered here into one boundary per municipality.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use geo::{Coord, MultiPolygon};
use serde_json::{Map, Value};

use super::rings::{self, RawGeometry};
use super::topojson::Topology;
use crate::domain::kind::{is_not_administered, DESIGNATED_CITIES};
use crate::domain::{prefectures, AuthorityCode, MunicipalityKind, PrefectureCode};
use crate::error::ImportError;
use crate::files;

/// One feature as read from a file.
#[derive(Debug)]
pub struct SourceFeature {
    /// Its position in the file (0-based), for error messages.
    pub index: usize,
    /// Its properties.
    pub properties: Map<String, Value>,
    /// Its polygons, not yet validated; `None` when the file has a null geometry.
    pub geometry: Option<RawGeometry>,
}

/// A document's type alone: read before the document is parsed once, by its own reader.
#[derive(serde::Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Reads every feature of a TopoJSON topology (its only object, or the first whose name starts
/// with `N03`/`prefectures`) or of a GeoJSON FeatureCollection.
pub fn read_features(path: &Path) -> Result<Vec<SourceFeature>, ImportError> {
    let fail = |index: Option<usize>, reason: String| ImportError::new(path, index, reason);
    let bytes = files::read(path, files::BOUNDARY_FILE).map_err(|e| fail(None, e.to_string()))?;
    let head: Head =
        serde_json::from_slice(&bytes).map_err(|e| fail(None, format!("not valid JSON: {e}")))?;
    match head.kind.as_deref() {
        Some("Topology") => {
            let topology = Topology::parse(&bytes).map_err(|e| fail(None, e.to_string()))?;
            let object = topology
                .single_object()
                .map(str::to_owned)
                .ok_or_else(|| fail(None, "the topology must hold exactly one object".into()))?;
            let features = topology
                .features(&object)
                .map_err(|(index, reason)| fail(index, reason))?;
            Ok(features
                .into_iter()
                .enumerate()
                .map(|(index, f)| SourceFeature {
                    index,
                    properties: f.properties,
                    geometry: f.geometry,
                })
                .collect())
        }
        Some("FeatureCollection") => {
            let collection: geojson::FeatureCollection = serde_json::from_slice(&bytes)
                .map_err(|e| fail(None, format!("not a GeoJSON FeatureCollection: {e}")))?;
            collection
                .features
                .into_iter()
                .enumerate()
                .map(|(index, f)| {
                    let geometry = f
                        .geometry
                        .map(|g| geojson_polygons(g.value))
                        .transpose()
                        .map_err(|reason| fail(Some(index), reason))?;
                    Ok(SourceFeature {
                        index,
                        properties: f.properties.unwrap_or_default(),
                        geometry,
                    })
                })
                .collect()
        }
        other => Err(fail(
            None,
            format!(
                "expected a TopoJSON Topology or a GeoJSON FeatureCollection, found type {}",
                other.map_or_else(|| "(none)".to_owned(), |t| format!("`{t}`"))
            ),
        )),
    }
}

fn geojson_polygons(value: geojson::Value) -> Result<RawGeometry, String> {
    let position = |p: Vec<f64>| -> Result<Coord<f64>, String> {
        match p.as_slice() {
            [x, y, ..] => Ok(Coord { x: *x, y: *y }),
            _ => Err("a position has fewer than two numbers".into()),
        }
    };
    let polygon = |rings: Vec<Vec<Vec<f64>>>| -> Result<Vec<Vec<Coord<f64>>>, String> {
        rings
            .into_iter()
            .map(|r| r.into_iter().map(position).collect())
            .collect()
    };
    match value {
        geojson::Value::Polygon(p) => Ok(vec![polygon(p)?]),
        geojson::Value::MultiPolygon(ps) => ps.into_iter().map(polygon).collect(),
        other => Err(format!(
            "geometry type `{}` is not a boundary (Polygon or MultiPolygon expected)",
            other.type_name()
        )),
    }
}

fn text<'a>(properties: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    properties
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A municipality as read from N03, with its boundary.
#[derive(Debug, Clone)]
pub struct MunicipalityRecord {
    /// Five-digit code.
    pub code: AuthorityCode,
    /// Name (N03_004, or N03_003 for a designated city given whole).
    pub name: String,
    /// Hokkaido subprefecture (N03_002).
    pub subprefecture: Option<String>,
    /// County (N03_003 when it ends in 郡).
    pub county: Option<String>,
    /// Kind.
    pub kind: MunicipalityKind,
    /// False for the Northern Territories villages.
    pub administered: bool,
    /// Validated boundary; `None` when the file has no geometry for it.
    pub boundary: Option<MultiPolygon<f64>>,
}

/// A prefecture with its boundary.
#[derive(Debug, Clone)]
pub struct PrefectureRecord {
    /// Code.
    pub code: PrefectureCode,
    /// Validated boundary, if the file had one.
    pub boundary: Option<MultiPolygon<f64>>,
}

/// What was read, and what was passed over.
#[derive(Debug, Default)]
pub struct ReadReport {
    /// Features without a code named 所属未定地 (areas belonging to no municipality), by index.
    pub unassigned_areas: Vec<usize>,
    /// Features whose rings were turned round to RFC 7946 winding.
    pub reoriented: usize,
    /// Codes of the features whose self-crossing rings were repaired.
    pub repaired: Vec<String>,
    /// Codes that had no geometry in the file.
    pub without_geometry: Vec<String>,
    /// Ward features gathered into their designated city.
    pub wards_merged: usize,
}

/// Reads municipalities from N03 features; several features with one code become one boundary.
// Longer than most: each branch is one of N03's rules for a feature (所属未定地, the code's
// prefecture, a designated city's wards), read in the order the file states them.
pub fn municipalities(
    path: &Path,
    features: Vec<SourceFeature>,
) -> Result<(Vec<MunicipalityRecord>, ReadReport), ImportError> {
    let mut report = ReadReport::default();
    let mut by_code: BTreeMap<AuthorityCode, (MunicipalityRecord, Vec<geo::Polygon<f64>>)> =
        BTreeMap::new();
    for feature in features {
        let fail = |reason: String| ImportError::new(path, Some(feature.index), reason);
        let p = &feature.properties;
        let prefecture_name = text(p, "N03_001")
            .ok_or_else(|| fail("N03_001 (prefecture name) is missing".into()))?;
        let prefecture = prefectures::by_name(prefecture_name)
            .ok_or_else(|| fail(format!("N03_001 `{prefecture_name}` is not a prefecture")))?;
        let n03_003 = text(p, "N03_003");
        let name = text(p, "N03_004").or(n03_003);
        let Some(code_text) = text(p, "N03_007") else {
            if name == Some("所属未定地") {
                report.unassigned_areas.push(feature.index);
                continue;
            }
            return Err(fail("N03_007 (code) is missing".into()));
        };
        let code = AuthorityCode::parse(code_text).map_err(|e| fail(format!("N03_007: {e}")))?;
        if code.prefecture() != prefecture.code {
            return Err(fail(format!(
                "N03_007 `{code}` does not lie in N03_001 `{prefecture_name}` (code {})",
                prefecture.code
            )));
        }
        let name = name.ok_or_else(|| fail("N03_004 (name) is missing".into()))?;
        let (code, name, kind) = if let Some(kind) = MunicipalityKind::classify(code, name) {
            (code, name.to_owned(), kind)
        } else {
            // A ward of a designated city (行政区): the survey answers for the city.
            let city = n03_003
                .and_then(|city| {
                    DESIGNATED_CITIES
                        .iter()
                        .find(|(c, n)| *n == city && c.starts_with(&prefecture.code.to_string()))
                })
                .ok_or_else(|| {
                    fail(format!(
                        "N03_004 `{name}` is neither a city, ward, town nor village"
                    ))
                })?;
            report.wards_merged += 1;
            let city_code = AuthorityCode::parse(city.0).map_err(|e| fail(e.to_string()))?;
            (
                city_code,
                city.1.to_owned(),
                MunicipalityKind::DesignatedCity,
            )
        };
        let polygons = match feature.geometry {
            Some(raw) => {
                let valid = rings::validate(raw).map_err(|e| fail(e.to_string()))?;
                report.reoriented += usize::from(valid.reoriented);
                if valid.repaired {
                    report.repaired.push(code.to_string());
                }
                valid.geometry.0
            }
            None => Vec::new(),
        };
        let county = n03_003.filter(|c| c.ends_with('郡')).map(str::to_owned);
        let entry = by_code.entry(code).or_insert_with(|| {
            (
                MunicipalityRecord {
                    code,
                    name,
                    subprefecture: text(p, "N03_002").map(str::to_owned),
                    county,
                    kind,
                    administered: !is_not_administered(code),
                    boundary: None,
                },
                Vec::new(),
            )
        });
        entry.1.extend(polygons);
    }
    let records = by_code
        .into_values()
        .map(|(mut record, polygons)| {
            if polygons.is_empty() {
                report.without_geometry.push(record.code.to_string());
            } else {
                record.boundary = Some(MultiPolygon::new(polygons));
            }
            record
        })
        .collect();
    Ok((records, report))
}

/// Reads prefectures from features whose `N03_001` is the prefecture name; all 47 must be present.
pub fn prefectures(
    path: &Path,
    features: Vec<SourceFeature>,
) -> Result<(Vec<PrefectureRecord>, ReadReport), ImportError> {
    let mut report = ReadReport::default();
    let mut by_code: BTreeMap<PrefectureCode, Vec<geo::Polygon<f64>>> = BTreeMap::new();
    for feature in features {
        let fail = |reason: String| ImportError::new(path, Some(feature.index), reason);
        let name = text(&feature.properties, "N03_001")
            .ok_or_else(|| fail("N03_001 (prefecture name) is missing".into()))?;
        let prefecture = prefectures::by_name(name)
            .ok_or_else(|| fail(format!("N03_001 `{name}` is not a prefecture")))?;
        let polygons = match feature.geometry {
            Some(raw) => {
                let valid = rings::validate(raw).map_err(|e| fail(e.to_string()))?;
                report.reoriented += usize::from(valid.reoriented);
                if valid.repaired {
                    report.repaired.push(prefecture.code.to_string());
                }
                valid.geometry.0
            }
            None => Vec::new(),
        };
        by_code.entry(prefecture.code).or_default().extend(polygons);
    }
    if let Some(missing) = prefectures::all().find(|p| !by_code.contains_key(&p.code)) {
        return Err(ImportError::new(
            path,
            None,
            format!(
                "no feature for prefecture {} ({})",
                missing.code, missing.name
            ),
        ));
    }
    let records = by_code
        .into_iter()
        .map(|(code, polygons)| PrefectureRecord {
            code,
            boundary: (!polygons.is_empty()).then(|| MultiPolygon::new(polygons)),
        })
        .collect();
    Ok((records, report))
}

/// Where a boundary file is looked for: the folder given, else `geodata/`, else `../shared/geodata`.
pub fn locate(folder: Option<&Path>, file: &str) -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match folder {
        Some(f) => vec![f.join(file)],
        None => vec![
            Path::new("geodata").join(file),
            Path::new("../shared/geodata").join(file),
        ],
    };
    candidates.into_iter().find(|p| p.is_file())
}
