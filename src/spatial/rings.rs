//! Polygon validation: closed rings, finite WGS 84 positions, RFC 7946 orientation.

use geo::orient::{Direction, Orient};
use geo::{Area, BooleanOps, Coord, LineString, MultiPolygon, Polygon, Validation};
use rstar::RTree;

use super::geojson::positions;
use super::{grid, validity};
use thiserror::Error;

/// Polygons as read from a file, before validation: polygons → rings → positions (lon, lat).
pub type RawGeometry = Vec<Vec<Vec<Coord<f64>>>>;

/// A validated boundary, and what had to be corrected.
#[derive(Debug, Clone)]
pub struct ValidBoundary {
    /// The geometry, valid in the OGC sense, exteriors counter-clockwise and holes clockwise
    /// (RFC 7946 §3.1.6).
    pub geometry: MultiPolygon<f64>,
    /// True when the source's winding differed from RFC 7946 and was corrected.
    pub reoriented: bool,
    /// True when a ring crossed itself and was repaired (see [`REPAIR_TOLERANCE`]).
    pub repaired: bool,
}

/// A ring that crosses itself is repaired (split at its crossings, as GEOS's `make_valid`
/// does) only when that keeps its area within this share: a sliver folded over by an earlier
/// simplification, not a shape whose parts cancel out (a bow-tie has no area to keep).
pub const REPAIR_TOLERANCE: f64 = 1e-3;

/// How far a repaired vertex may lie from a vertex of the source to be put back on it:
/// the repair works on a fixed grid, and borders are shared only where neighbours' vertices
/// are equal.
const SNAP_DEGREES: f64 = 1e-6;

/// Why polygons are not a boundary: which polygon and ring, and what is wrong with it.
#[derive(Debug, Error, PartialEq)]
pub enum RingError {
    /// No polygon at all.
    #[error("geometry has no polygons")]
    NoPolygons,
    /// More positions than [`MAX_POSITIONS`].
    #[error("geometry has {0} positions, more than a boundary may have ({MAX_POSITIONS})")]
    TooManyPositions(usize),
    /// A polygon without its exterior ring.
    #[error("polygon {0} has no rings")]
    NoRings(usize),
    /// One ring is malformed.
    #[error("polygon {polygon}, ring {ring}: {fault}")]
    Ring {
        /// The polygon's position.
        polygon: usize,
        /// The ring's position in it (0: the exterior).
        ring: usize,
        /// What is wrong.
        fault: RingFault,
    },
    /// Invalid in the OGC sense, and not repairable within [`REPAIR_TOLERANCE`].
    #[error("the geometry is not valid ({fault}), and repairing it would change its area from {drawn:.3e} to {repaired:.3e} square degrees")]
    Unrepairable {
        /// Why it is invalid.
        fault: Invalidity,
        /// The area its rings enclose as drawn, square degrees.
        drawn: f64,
        /// The area of its repair.
        repaired: f64,
    },
}

/// What is wrong with one ring.
#[derive(Debug, Error, PartialEq)]
pub enum RingFault {
    /// Fewer than four positions.
    #[error("a ring needs at least four positions, this one has {0}")]
    TooFewPositions(usize),
    /// First and last positions differ.
    #[error("ring is not closed (its first and last positions differ)")]
    NotClosed,
    /// A position outside WGS 84's ranges, or not finite.
    #[error("position {index} ({x}, {y}) is not a WGS 84 longitude/latitude")]
    NotWgs84 {
        /// The position's index in the ring.
        index: usize,
        /// Its longitude.
        x: f64,
        /// Its latitude.
        y: f64,
    },
}

/// Why a geometry is invalid in the OGC sense.
#[derive(Debug, Error, PartialEq)]
pub enum Invalidity {
    /// As geo's `Validation` reports it.
    #[error("{0}")]
    Geo(geo::algorithm::validation::InvalidMultiPolygon),
    /// A ring through one position twice, or parts meeting along an edge (which GEOS refuses
    /// and geo lets pass).
    #[error("a ring passes through one position twice, or two parts meet along an edge")]
    TouchesItself,
}

/// Validates polygons: every ring closed, at least four positions, longitudes in
/// [-180, 180] and latitudes in [-90, 90]; then orients them as RFC 7946 requires, and checks
/// OGC validity with geo's `Validation`, repairing slight self-crossings and refusing the rest.
/// The error names the polygon and ring, or the fault.
pub fn validate(raw: RawGeometry) -> Result<ValidBoundary, RingError> {
    checked(raw)
}

/// Most positions one boundary may have: far above any municipality of N03 at full
/// resolution, and a bound on the work its validation and topology take.
pub const MAX_POSITIONS: usize = 1_000_000;

fn checked(raw: RawGeometry) -> Result<ValidBoundary, RingError> {
    if raw.is_empty() {
        return Err(RingError::NoPolygons);
    }
    let positions: usize = raw.iter().flatten().map(Vec::len).sum();
    if positions > MAX_POSITIONS {
        return Err(RingError::TooManyPositions(positions));
    }
    let mut polygons = Vec::with_capacity(raw.len());
    for (p, rings) in raw.into_iter().enumerate() {
        let mut rings = rings.into_iter().enumerate().map(|(r, ring)| {
            check_ring(&ring).map_err(|fault| RingError::Ring {
                polygon: p,
                ring: r,
                fault,
            })?;
            Ok::<_, RingError>(LineString::from(ring))
        });
        let exterior = rings.next().ok_or(RingError::NoRings(p))??;
        let interiors = rings.collect::<Result<Vec<_>, _>>()?;
        polygons.push(Polygon::new(exterior, interiors));
    }
    let geometry = MultiPolygon::new(polygons);
    let oriented = geometry.orient(Direction::Default);
    let reoriented = oriented != geometry;
    let (geometry, repaired) = valid_or_repaired(oriented)?;
    Ok(ValidBoundary {
        geometry,
        reoriented,
        repaired,
    })
}

/// The geometry if it is valid (geo's checks, and no ring through one position twice); else
/// its repair, when the repair is valid and
/// keeps the area within [`REPAIR_TOLERANCE`]; else the validity fault.
fn valid_or_repaired(geometry: MultiPolygon<f64>) -> Result<(MultiPolygon<f64>, bool), RingError> {
    let fault = match geometry.check_validation() {
        Err(fault) => Invalidity::Geo(fault),
        Ok(()) if validity::is_valid(&positions(&geometry)) => return Ok((geometry, false)),
        Ok(()) => Invalidity::TouchesItself,
    };
    // Oriented exteriors count positive and holes negative: the area the rings enclose as
    // drawn, where a bow-tie's two halves cancel out.
    let drawn: f64 = geometry.0.iter().map(Area::signed_area).sum();
    let mut repaired = geometry.union(&MultiPolygon::<f64>::new(Vec::new()));
    if !geos_valid(&repaired) {
        // The union can leave a ring through one position twice; the grid's repair cuts it.
        repaired = from_positions(grid::valid_rounded(positions(&geometry), REPAIR_DECIMALS));
    }
    let area = repaired.unsigned_area();
    let kept = area > 0.0 && (area - drawn).abs() <= REPAIR_TOLERANCE * area;
    if !kept || !geos_valid(&repaired) {
        return Err(RingError::Unrepairable {
            fault,
            drawn,
            repaired: area,
        });
    }
    let snapped = snap_to_source(&repaired, &geometry).orient(Direction::Default);
    let geometry = if geos_valid(&snapped) {
        snapped
    } else {
        repaired.orient(Direction::Default)
    };
    Ok((geometry, true))
}

/// Decimals of the grid a repair falls back to: a centimetre, below the files' precision.
const REPAIR_DECIMALS: u8 = 7;

/// Valid for geo, and no ring through one position twice (which GEOS refuses and geo lets
/// pass).
fn geos_valid(geometry: &MultiPolygon<f64>) -> bool {
    geometry.is_valid() && !touches_itself(geometry)
}

fn touches_itself(geometry: &MultiPolygon<f64>) -> bool {
    positions(geometry)
        .iter()
        .flatten()
        .any(|ring| validity::touches_itself(ring))
}

fn from_positions(polygons: Vec<Vec<Vec<[f64; 2]>>>) -> MultiPolygon<f64> {
    let ring = |r: Vec<[f64; 2]>| {
        LineString::from(
            r.into_iter()
                .map(|[x, y]| Coord { x, y })
                .collect::<Vec<_>>(),
        )
    };
    MultiPolygon::new(
        polygons
            .into_iter()
            .filter_map(|rings| {
                let mut rings = rings.into_iter();
                let exterior = rings.next()?;
                Some(Polygon::new(ring(exterior), rings.map(ring).collect()))
            })
            .collect(),
    )
}

/// Puts each vertex of `repaired` back on the nearest vertex of `source` within
/// [`SNAP_DEGREES`]; vertices the repair added at crossings stay where they are.
fn snap_to_source(repaired: &MultiPolygon<f64>, source: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let points: Vec<[f64; 2]> = source
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.0.iter().map(|c| [c.x, c.y]))
        .collect();
    let tree = RTree::bulk_load(points);
    let snap = |c: &Coord<f64>| {
        tree.nearest_neighbor(&[c.x, c.y])
            .filter(|n| (n[0] - c.x).hypot(n[1] - c.y) <= SNAP_DEGREES)
            .map_or(*c, |n| Coord { x: n[0], y: n[1] })
    };
    let ring = |r: &LineString<f64>| LineString::from(r.0.iter().map(snap).collect::<Vec<_>>());
    MultiPolygon::new(
        repaired
            .0
            .iter()
            .map(|p| Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect()))
            .collect(),
    )
}

fn check_ring(ring: &[Coord<f64>]) -> Result<(), RingFault> {
    if ring.len() < 4 {
        return Err(RingFault::TooFewPositions(ring.len()));
    }
    if ring.first() != ring.last() {
        return Err(RingFault::NotClosed);
    }
    if let Some((i, c)) = ring.iter().enumerate().find(|(_, c)| {
        !(c.x.is_finite()
            && c.y.is_finite()
            && (-180.0..=180.0).contains(&c.x)
            && (-90.0..=90.0).contains(&c.y))
    }) {
        return Err(RingFault::NotWgs84 {
            index: i,
            x: c.x,
            y: c.y,
        });
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
    fn a_bow_tie_is_refused_for_its_missing_area() {
        let bow_tie = ring(&[(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)]);
        let err = validate(vec![vec![bow_tie]]).unwrap_err().to_string();
        assert!(err.contains("self-intersection"), "{err}");
        assert!(err.contains("repairing it would change its area"), "{err}");
    }

    #[test]
    fn a_faulty_ring_is_named_with_its_polygon_and_its_reason() {
        let open = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]);
        let err = validate(vec![vec![open]]).unwrap_err();
        assert_eq!(
            err,
            RingError::Ring {
                polygon: 0,
                ring: 0,
                fault: RingFault::NotClosed
            }
        );
        assert_eq!(
            err.to_string(),
            "polygon 0, ring 0: ring is not closed (its first and last positions differ)"
        );
        assert_eq!(validate(vec![vec![]]).unwrap_err(), RingError::NoRings(0));
    }

    #[test]
    fn a_small_fold_is_repaired_to_a_valid_polygon() {
        // A square whose top edge folds over itself in a loop of a thousandth of its area.
        let folded = ring(&[
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (5.1, 10.0),
            (4.9, 10.1),
            (4.9, 9.9),
            (5.1, 10.1),
            (5.0, 10.0),
            (0.0, 10.0),
            (0.0, 0.0),
        ]);
        let valid = validate(vec![vec![folded]]).unwrap();
        assert!(valid.repaired);
        assert!(valid.geometry.is_valid());
        assert!((valid.geometry.unsigned_area() - 100.0).abs() < 0.1);
        // Vertices the fold did not touch are the source's own.
        assert!(valid
            .geometry
            .0
            .iter()
            .any(|p| p.exterior().0.contains(&Coord { x: 10.0, y: 10.0 })));
    }

    #[test]
    fn a_ring_through_one_position_twice_is_cut_into_a_shell_and_a_hole() {
        // Valid for geo's checks, not for GEOS: the boundary runs in to (4, 4) around a
        // small square and back out along the same way.
        let pinched = ring(&[
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 10.0),
            (0.0, 5.0),
            (4.0, 4.0),
            (4.0, 6.0),
            (6.0, 6.0),
            (6.0, 4.0),
            (4.0, 4.0),
            (0.0, 5.0),
            (0.0, 0.0),
        ]);
        let valid = validate(vec![vec![pinched]]).unwrap();
        assert!(valid.repaired);
        assert!(geos_valid(&valid.geometry), "{:?}", valid.geometry);
        assert!((valid.geometry.unsigned_area() - 96.0).abs() < 1e-6);
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
            err.to_string().contains("polygon 0, ring 0") && err.to_string().contains("not closed"),
            "{err}"
        );
    }

    #[test]
    fn positions_outside_wgs84_are_refused() {
        let far = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 95.0), (0.0, 0.0)]);
        assert!(validate(vec![vec![far]])
            .unwrap_err()
            .to_string()
            .contains("position 2"));
    }
}
