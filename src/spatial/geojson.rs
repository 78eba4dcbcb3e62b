//! GeoJSON (RFC 7946) writing: stored form, precision rounding, features with the credit line.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use thiserror::Error;

use super::CREDIT;

/// The geometry as an RFC 7946 object: a `Polygon` when there is one part, else a `MultiPolygon`.
pub fn geometry_value(geometry: &MultiPolygon<f64>) -> Value {
    let ring = |ls: &geo::LineString<f64>| -> Value {
        Value::Array(ls.0.iter().map(|c| json!([c.x, c.y])).collect())
    };
    let polygon = |p: &geo::Polygon<f64>| -> Value {
        Value::Array(
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(ring)
                .collect(),
        )
    };
    match geometry.0.as_slice() {
        [one] => json!({"type": "Polygon", "coordinates": polygon(one)}),
        many => {
            json!({"type": "MultiPolygon", "coordinates": many.iter().map(polygon).collect::<Vec<_>>()})
        }
    }
}

#[derive(Deserialize)]
struct Stored<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(borrow)]
    coordinates: &'a RawValue,
}

/// Why a stored geometry could not be read back.
#[derive(Debug, Error)]
pub enum StoredGeometryError {
    /// Not the JSON DX Atlas writes.
    #[error("not GeoJSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Another type of geometry.
    #[error("`{0}` is not Polygon or MultiPolygon")]
    Kind(String),
    /// A polygon without its exterior ring.
    #[error("a polygon without rings")]
    NoRings,
}

/// Reads a stored geometry (as [`geometry_value`] wrote it) back into polygons, straight into
/// typed coordinates. Going through a JSON tree would allocate some 140 bytes a position in
/// small pieces: tens of megabytes for the whole country each time the read model is built,
/// which the allocator then keeps.
pub fn parse_stored(text: &str) -> Result<MultiPolygon<f64>, StoredGeometryError> {
    let stored: Stored<'_> = serde_json::from_str(text)?;
    let coordinates = stored.coordinates.get();
    let polygons: Vec<Vec<Vec<[f64; 2]>>> = match stored.kind {
        "Polygon" => vec![serde_json::from_str(coordinates)?],
        "MultiPolygon" => serde_json::from_str(coordinates)?,
        other => return Err(StoredGeometryError::Kind(other.to_owned())),
    };
    polygons
        .into_iter()
        .map(|rings| {
            let mut rings = rings.into_iter().map(|ring| {
                LineString::from(
                    ring.into_iter()
                        .map(|[x, y]| Coord { x, y })
                        .collect::<Vec<_>>(),
                )
            });
            let exterior = rings.next().ok_or(StoredGeometryError::NoRings)?;
            Ok(Polygon::new(exterior, rings.collect()))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(MultiPolygon::new)
}

/// The geometry's stored form: [`geometry_value`]'s object written straight to text, without
/// the JSON tree in between (for the reason [`parse_stored`] gives).
pub fn geometry_text(geometry: &MultiPolygon<f64>) -> String {
    let polygons = positions(geometry);
    if polygons.is_empty() {
        return r#"{"type":"MultiPolygon","coordinates":[]}"#.to_owned();
    }
    serde_json::to_string(&GeometryWriter(&polygons))
        .unwrap_or_else(|_| geometry_value(geometry).to_string())
}

/// Reads a stored geometry back into polygons.
pub fn parse_geometry(value: &Value) -> Option<MultiPolygon<f64>> {
    let rings = |v: &Value| -> Option<Vec<geo::LineString<f64>>> {
        v.as_array()?
            .iter()
            .map(|ring| {
                ring.as_array()?
                    .iter()
                    .map(|p| {
                        Some(Coord {
                            x: p.get(0)?.as_f64()?,
                            y: p.get(1)?.as_f64()?,
                        })
                    })
                    .collect::<Option<Vec<_>>>()
                    .map(geo::LineString::from)
            })
            .collect()
    };
    let polygon = |v: &Value| -> Option<geo::Polygon<f64>> {
        let mut rs = rings(v)?.into_iter();
        let exterior = rs.next()?;
        Some(geo::Polygon::new(exterior, rs.collect()))
    };
    let coordinates = value.get("coordinates")?;
    match value.get("type")?.as_str()? {
        "Polygon" => Some(MultiPolygon::new(vec![polygon(coordinates)?])),
        "MultiPolygon" => coordinates
            .as_array()?
            .iter()
            .map(polygon)
            .collect::<Option<Vec<_>>>()
            .map(MultiPolygon::new),
        _ => None,
    }
}

/// One polygon as GeoJSON writes it: rings of `[lon, lat]` positions, exterior first.
pub type PolygonPositions = Vec<Vec<[f64; 2]>>;

/// A multipolygon's positions as GeoJSON writes them.
pub fn positions(geometry: &MultiPolygon<f64>) -> Vec<PolygonPositions> {
    geometry
        .0
        .iter()
        .map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|ring| ring.0.iter().map(|c| [c.x, c.y]).collect())
                .collect()
        })
        .collect()
}

/// Rounds every position to `decimals` places, then drops what rounding degenerated: repeated
/// positions, rings left with fewer than four positions, polygons whose exterior vanished.
/// `None` keeps every position as it is.
pub fn rounded_polygons<I, R>(polygons: I, decimals: Option<u8>) -> Vec<PolygonPositions>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = Vec<Coord<f64>>>,
{
    let position = |c: &Coord<f64>| [c.x, c.y];
    let Some(decimals) = decimals else {
        return polygons
            .into_iter()
            .map(|rings| {
                rings
                    .into_iter()
                    .map(|ring| ring.iter().map(position).collect())
                    .collect()
            })
            .collect();
    };
    let factor = 10f64.powi(i32::from(decimals));
    polygons
        .into_iter()
        .filter_map(|rings| {
            let mut rings = rings.into_iter().map(|ring| {
                let mut out: Vec<[f64; 2]> = Vec::with_capacity(ring.len());
                for c in &ring {
                    let p = [
                        (c.x * factor).round() / factor,
                        (c.y * factor).round() / factor,
                    ];
                    if out.last() != Some(&p) {
                        out.push(p);
                    }
                }
                out
            });
            let exterior = rings.next().filter(|r| r.len() >= 4)?;
            Some(
                std::iter::once(exterior)
                    .chain(rings.filter(|r| r.len() >= 4))
                    .collect(),
            )
        })
        .collect()
}

/// Polygons written as an RFC 7946 geometry straight to a serializer, without building a
/// JSON tree: a `Polygon` for one part, a `MultiPolygon` for several, `null` for none.
pub struct GeometryWriter<'a>(pub &'a [PolygonPositions]);

impl Serialize for GeometryWriter<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            [] => serializer.serialize_none(),
            [one] => {
                let mut m = serializer.serialize_map(Some(2))?;
                m.serialize_entry("type", "Polygon")?;
                m.serialize_entry("coordinates", one)?;
                m.end()
            }
            many => {
                let mut m = serializer.serialize_map(Some(2))?;
                m.serialize_entry("type", "MultiPolygon")?;
                m.serialize_entry("coordinates", many)?;
                m.end()
            }
        }
    }
}

/// A GeoJSON Feature with the credit line as a foreign member (RFC 7946 §6.1).
pub fn feature(id: &str, geometry: Value, properties: Map<String, Value>) -> Value {
    json!({
        "type": "Feature",
        "id": id,
        "geometry": geometry,
        "properties": properties,
        "credit": CREDIT,
    })
}

/// A geometry with the credit line as a foreign member.
pub fn credited_geometry(mut geometry: Value) -> Value {
    if let Value::Object(map) = &mut geometry {
        map.insert("credit".into(), Value::String(CREDIT.into()));
    }
    geometry
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn stored_form_round_trips_bit_for_bit() {
        let p = MultiPolygon::new(vec![polygon![
            (x: 139.70346069335938, y: 35.69384002685547),
            (x: 139.7000000000001, y: 35.69384002685547),
            (x: 139.7000000000001, y: 35.7),
            (x: 139.70346069335938, y: 35.69384002685547)
        ]]);
        let text = geometry_value(&p).to_string();
        let back = parse_geometry(&serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(back, p);
        assert_eq!(parse_stored(&text).unwrap(), p);
        let text = geometry_text(&p);
        assert_eq!(parse_stored(&text).unwrap(), p);
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            geometry_value(&p)
        );
    }

    #[test]
    fn rounding_drops_collapsed_rings() {
        let tiny = MultiPolygon::new(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)],
            polygon![(x: 5.0, y: 5.0), (x: 5.0001, y: 5.0), (x: 5.0001, y: 5.0001), (x: 5.0, y: 5.0)],
        ]);
        let rounded = rounded_polygons(
            tiny.0
                .iter()
                .map(|p| std::iter::once(p.exterior().0.clone())),
            Some(2),
        );
        assert_eq!(rounded.len(), 1);
    }
}
