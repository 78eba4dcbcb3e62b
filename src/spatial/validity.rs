//! Validity as GEOS judges it (the library under shapely, QGIS and PostGIS): geo's
//! `Validation`, and the two faults it lets pass that GEOS refuses, a ring through one
//! position twice and two parts of one area crossing or sharing an edge.

use std::collections::HashSet;

use geo::{BoundingRect, Coord, Intersects, LineString, MultiPolygon, Polygon, Rect, Validation};

/// Whether polygons (rings of `[lon, lat]` positions, exterior first, each ring closed) are
/// valid in the OGC sense, as GEOS checks it.
pub fn is_valid(polygons: &[Vec<Vec<[f64; 2]>>]) -> bool {
    if polygons.iter().flatten().any(|ring| touches_itself(ring)) {
        return false;
    }
    let line = |ring: &Vec<[f64; 2]>| {
        LineString::from(
            ring.iter()
                .map(|&[x, y]| Coord { x, y })
                .collect::<Vec<_>>(),
        )
    };
    let polygons: Vec<Polygon<f64>> = polygons
        .iter()
        .filter_map(|rings| {
            let (exterior, holes) = rings.split_first()?;
            Some(Polygon::new(
                line(exterior),
                holes.iter().map(line).collect(),
            ))
        })
        .collect();
    !parts_meet(&polygons) && MultiPolygon::new(polygons).is_valid()
}

/// Whether a closed ring passes through one position twice: GEOS calls that a ring
/// self-intersection, which geo's `Validation` lets pass.
pub fn touches_itself(ring: &[[f64; 2]]) -> bool {
    let open = ring.split_last().map_or(ring, |(_, rest)| rest);
    let mut seen = HashSet::with_capacity(open.len());
    !open
        .iter()
        .all(|[x, y]| seen.insert((x.to_bits(), y.to_bits())))
}

/// Whether two parts of one area cross or touch along their exteriors: GEOS finds such a
/// multipolygon self-intersecting, and geo's `Validation` does not look. A touch at a point
/// would be allowed; counting it too costs a repair, not correctness.
pub fn parts_meet(polygons: &[Polygon<f64>]) -> bool {
    let boxes: Vec<Option<Rect<f64>>> = polygons.iter().map(BoundingRect::bounding_rect).collect();
    polygons.iter().enumerate().any(|(i, a)| {
        polygons.iter().enumerate().skip(i + 1).any(|(j, b)| {
            let overlap = match (boxes[i], boxes[j]) {
                (Some(p), Some(q)) => p.intersects(&q),
                _ => false,
            };
            overlap && a.exterior().intersects(b.exterior())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, size: f64) -> Vec<[f64; 2]> {
        vec![
            [x, y],
            [x + size, y],
            [x + size, y + size],
            [x, y + size],
            [x, y],
        ]
    }

    #[test]
    fn a_ring_through_one_position_twice_is_invalid() {
        // Two squares drawn as one ring, meeting at (1, 1).
        let figure_eight = vec![
            [0.0, 0.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [2.0, 1.0],
            [2.0, 2.0],
            [1.0, 2.0],
            [1.0, 1.0],
            [0.0, 1.0],
            [0.0, 0.0],
        ];
        assert!(!is_valid(&[vec![figure_eight]]));
        assert!(is_valid(&[vec![square(0.0, 0.0, 1.0)]]));
    }

    #[test]
    fn parts_sharing_an_edge_are_invalid_and_apart_are_valid() {
        let apart = [vec![square(0.0, 0.0, 1.0)], vec![square(3.0, 0.0, 1.0)]];
        assert!(is_valid(&apart));
        let sharing = [vec![square(0.0, 0.0, 1.0)], vec![square(1.0, 0.0, 1.0)]];
        assert!(!is_valid(&sharing));
    }
}
