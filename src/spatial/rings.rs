//! Polygon validation: closed rings, finite WGS 84 positions, RFC 7946 orientation.

use geo::orient::{Direction, Orient};
use geo::{Coord, LineString, MultiPolygon, Polygon};

/// Polygons as read from a file, before validation: polygons → rings → positions (lon, lat).
pub type RawGeometry = Vec<Vec<Vec<Coord<f64>>>>;

/// A validated boundary, and whether any ring had to be turned round.
#[derive(Debug, Clone)]
pub struct ValidBoundary {
    /// The geometry, exteriors counter-clockwise and holes clockwise (RFC 7946 §3.1.6).
    pub geometry: MultiPolygon<f64>,
    /// True when the source's winding differed from RFC 7946 and was corrected.
    pub reoriented: bool,
}

/// Validates polygons: every ring closed, at least four positions, longitudes in
/// [-180, 180] and latitudes in [-90, 90]; then orients them as RFC 7946 requires.
/// The error names the polygon and ring.
pub fn validate(raw: RawGeometry) -> Result<ValidBoundary, String> {
    if raw.is_empty() {
        return Err("geometry has no polygons".into());
    }
    let mut polygons = Vec::with_capacity(raw.len());
    for (p, rings) in raw.into_iter().enumerate() {
        let mut rings = rings.into_iter().enumerate().map(|(r, ring)| {
            check_ring(&ring).map_err(|why| format!("polygon {p}, ring {r}: {why}"))?;
            Ok::<_, String>(LineString::from(ring))
        });
        let exterior = rings
            .next()
            .ok_or_else(|| format!("polygon {p} has no rings"))??;
        let interiors = rings.collect::<Result<Vec<_>, _>>()?;
        polygons.push(Polygon::new(exterior, interiors));
    }
    let geometry = MultiPolygon::new(polygons);
    let oriented = geometry.orient(Direction::Default);
    let reoriented = oriented != geometry;
    Ok(ValidBoundary {
        geometry: oriented,
        reoriented,
    })
}

fn check_ring(ring: &[Coord<f64>]) -> Result<(), String> {
    if ring.len() < 4 {
        return Err(format!(
            "a ring needs at least four positions, this one has {}",
            ring.len()
        ));
    }
    if ring.first() != ring.last() {
        return Err("ring is not closed (its first and last positions differ)".into());
    }
    if let Some((i, c)) = ring.iter().enumerate().find(|(_, c)| {
        !(c.x.is_finite()
            && c.y.is_finite()
            && (-180.0..=180.0).contains(&c.x)
            && (-90.0..=90.0).contains(&c.y))
    }) {
        return Err(format!(
            "position {i} ({}, {}) is not a WGS 84 longitude/latitude",
            c.x, c.y
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(f64, f64)]) -> Vec<Coord<f64>> {
        points.iter().map(|&(x, y)| Coord { x, y }).collect()
    }

    #[test]
    fn clockwise_exteriors_are_turned_round() {
        let clockwise = ring(&[(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)]);
        let valid = validate(vec![vec![clockwise]]).unwrap();
        assert!(valid.reoriented);
        let exterior = valid.geometry.0[0].exterior();
        assert_eq!(exterior.0[1], Coord { x: 1.0, y: 0.0 });
    }

    #[test]
    fn open_rings_are_refused_with_their_place() {
        let open = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]);
        let err = validate(vec![vec![open]]).unwrap_err();
        assert!(
            err.contains("polygon 0, ring 0") && err.contains("not closed"),
            "{err}"
        );
    }

    #[test]
    fn positions_outside_wgs84_are_refused() {
        let far = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 95.0), (0.0, 0.0)]);
        assert!(validate(vec![vec![far]])
            .unwrap_err()
            .contains("position 2"));
    }
}
