//! GeoJSON (RFC 7946) writing: stored form, precision rounding, features with the credit line.

use geo::{Coord, MultiPolygon};
use serde_json::{json, Map, Value};

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

/// Rounds every position to `decimals` places, then drops what rounding degenerated: repeated
/// positions, rings left with fewer than four positions, polygons whose exterior vanished.
/// `None` keeps full precision. A geometry rounded to nothing becomes `null`.
pub fn with_precision(geometry: &MultiPolygon<f64>, decimals: Option<u8>) -> Value {
    let Some(decimals) = decimals else {
        return geometry_value(geometry);
    };
    let factor = 10f64.powi(i32::from(decimals));
    let round = |c: &Coord<f64>| Coord {
        x: (c.x * factor).round() / factor,
        y: (c.y * factor).round() / factor,
    };
    let polygons: Vec<geo::Polygon<f64>> = geometry
        .0
        .iter()
        .filter_map(|p| {
            let mut rings = std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|ring| {
                    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
                    for c in ring.0.iter().map(round) {
                        if out.last() != Some(&c) {
                            out.push(c);
                        }
                    }
                    out
                });
            let exterior = rings.next().filter(|r| r.len() >= 4)?;
            let interiors = rings.filter(|r| r.len() >= 4).map(geo::LineString::from);
            Some(geo::Polygon::new(exterior.into(), interiors.collect()))
        })
        .collect();
    if polygons.is_empty() {
        Value::Null
    } else {
        geometry_value(&MultiPolygon::new(polygons))
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
    }

    #[test]
    fn rounding_drops_collapsed_rings() {
        let tiny = MultiPolygon::new(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)],
            polygon![(x: 5.0, y: 5.0), (x: 5.0001, y: 5.0), (x: 5.0001, y: 5.0001), (x: 5.0, y: 5.0)],
        ]);
        let rounded = with_precision(&tiny, Some(2));
        assert_eq!(rounded["type"], "Polygon");
    }
}
