//! Measures of a boundary on the WGS 84 ellipsoid: geodesic area, bounding box, centroid.

use geo::{BoundingRect, Centroid, GeodesicArea, MultiPolygon};

/// What DX Atlas stores beside each geometry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measures {
    /// Geodesic area, km² (Karney's algorithm, via geographiclib).
    pub area_km2: f64,
    /// West, south, east, north.
    pub bbox: [f64; 4],
    /// Planar centroid of the lon/lat polygons: good enough for a label, not a survey point.
    pub centroid: [f64; 2],
}

/// Measures a validated boundary; `None` for an empty geometry.
pub fn measure(geometry: &MultiPolygon<f64>) -> Option<Measures> {
    let rect = geometry.bounding_rect()?;
    let centroid = geometry.centroid()?;
    Some(Measures {
        area_km2: geometry.geodesic_area_unsigned() / 1_000_000.0,
        bbox: [rect.min().x, rect.min().y, rect.max().x, rect.max().y],
        centroid: [centroid.x(), centroid.y()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn one_degree_square_at_the_equator() {
        let square = MultiPolygon::new(vec![polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)
        ]]);
        let m = measure(&square).unwrap();
        // 1° × 1° at the equator on WGS 84 is about 12,308 km².
        assert!((m.area_km2 - 12_308.8).abs() < 1.0, "{}", m.area_km2);
        assert_eq!(m.bbox, [0.0, 0.0, 1.0, 1.0]);
        assert_eq!(m.centroid, [0.5, 0.5]);
    }
}
