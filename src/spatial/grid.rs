//! Valid polygons on an integer grid. Rounding positions to a grid (the decimals of a
//! document, the 4096 units of a vector tile) can fold a narrow part of an area over another
//! or pinch a ring to a point, which no simplification undoes. The repair here is snap
//! rounding: the overlay of i_overlay (the engine under geo's boolean operations) works on
//! the integer grid itself, so crossings are resolved at grid positions and what comes out is
//! on the grid that went in. It leaves one thing GEOS refuses: a ring that passes through one
//! position twice. Such a ring is cut there, and the pieces become exteriors or holes by
//! their winding.

use std::collections::HashMap;

use geo::{Contains, Coord, InteriorPoint, LineString, Polygon};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{IntOverlayOptions, Overlay, ShapeType};
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::core::solver::Solver;
pub use i_overlay::i_float::int::point::IntPoint;

use super::validity;

/// A ring of grid positions, open: its first position is not repeated at its end.
pub type Ring = Vec<IntPoint>;

/// Polygons on the grid: each its exterior, then its holes.
pub type GridPolygons = Vec<Vec<Ring>>;

/// Largest coordinate, either sign, that the overlay takes: its products of two coordinate
/// differences must fit in 64 bits with room to spare.
pub const MAX_COORDINATE: i32 = 1 << 29;

/// The area the rings enclose (each polygon's exterior adding, its holes taking away, where
/// parts overlap counted once) as valid polygons on the same grid: exteriors with positive
/// area (counter-clockwise when y grows up), holes negative, every ring simple, parts apart
/// or touching at points only. Rings with no area are dropped, and so is a lobe that rounding
/// turned inside out (a ring crossing itself winds round it the wrong way): that ground
/// belongs to the neighbour the fold reached into.
pub fn repair(polygons: &[Vec<Ring>]) -> GridPolygons {
    let edges: usize = polygons.iter().flatten().map(Vec::len).sum();
    let mut overlay = Overlay::new_custom(
        edges,
        IntOverlayOptions::keep_all_points(),
        Solver::default(),
    );
    for rings in polygons {
        for (i, ring) in rings.iter().enumerate() {
            let area = twice_area(ring);
            // Exteriors wind one way and holes the other, whatever the source did, so that
            // the positive rule fills exactly what the polygons cover, and no inverted fold.
            if area == 0 {
                continue;
            }
            if (area > 0) == (i == 0) {
                overlay.add_contour(ring, ShapeType::Subject);
            } else {
                let reversed: Ring = ring.iter().rev().copied().collect();
                overlay.add_contour(&reversed, ShapeType::Subject);
            }
        }
    }
    valid_polygons(overlay.overlay(OverlayRule::Subject, FillRule::Positive))
}

/// The ground `rings` wind round positively, their winding numbers summed, as valid polygons
/// on the same grid. Rings that run along each other in opposite directions cancel there,
/// so faces of an arrangement that share edges merge into one area; every position is kept,
/// so borders stay as the arrangement drew them.
pub fn fill(rings: &[Ring]) -> GridPolygons {
    let mut overlay = Overlay::new_custom(
        rings.iter().map(Vec::len).sum(),
        IntOverlayOptions::keep_all_points(),
        Solver::default(),
    );
    for ring in rings {
        overlay.add_contour(ring, ShapeType::Subject);
    }
    valid_polygons(overlay.overlay(OverlayRule::Subject, FillRule::Positive))
}

/// The overlay's output made valid for GEOS: rings that pass through a position twice cut
/// there, and the pieces sorted into polygons by their winding.
fn valid_polygons(shapes: Vec<Vec<Ring>>) -> GridPolygons {
    let rings = shapes.into_iter().flatten();
    let (mut exteriors, mut holes) = (Vec::new(), Vec::new());
    for piece in rings.flat_map(untouched) {
        match twice_area(&piece).cmp(&0) {
            std::cmp::Ordering::Greater => exteriors.push(piece),
            std::cmp::Ordering::Less => holes.push(piece),
            std::cmp::Ordering::Equal => {}
        }
    }
    assemble(exteriors, holes)
}

/// Decimals a repair or a snapping of rounded degrees works at, at most (a centimetre): at
/// more, a country's positions times 10^decimals could leave the range the overlay takes. A
/// position on the grid of 7 decimals is on the grids of 8 and 9 too.
pub const MAX_SNAPPED_DECIMALS: u8 = 7;

/// Polygons of `[lon, lat]` positions, rings closed, exterior first: the form documents write.
pub type Positions = Vec<Vec<Vec<[f64; 2]>>>;

/// Polygons of `[lon, lat]` positions rounded to `decimals` places (rings closed, exterior
/// first), returned as they are when valid, else repaired on that grid by [`repair`].
pub fn valid_rounded(polygons: Positions, decimals: u8) -> Positions {
    if validity::is_valid(&polygons) {
        return polygons;
    }
    let grid = DecimalGrid::around(polygons.iter().flatten().flatten(), decimals);
    match grid.polygons(&polygons) {
        Some(on_grid) => grid.positions(&repair(&on_grid)),
        // Wider than any area of Japan at this grid: left as it is.
        None => polygons,
    }
}

/// The grid of positions rounded to some decimals of a degree, counted from a south-west
/// corner so that the numbers stay small.
pub struct DecimalGrid {
    factor: f64,
    x0: f64,
    y0: f64,
}

impl DecimalGrid {
    /// The grid of `decimals` places with its origin at the south-west corner of `positions`.
    pub fn around<'a>(positions: impl IntoIterator<Item = &'a [f64; 2]>, decimals: u8) -> Self {
        let factor = 10f64.powi(i32::from(decimals.min(MAX_SNAPPED_DECIMALS)));
        let (mut x0, mut y0) = (f64::MAX, f64::MAX);
        for [x, y] in positions {
            x0 = x0.min((x * factor).round());
            y0 = y0.min((y * factor).round());
        }
        Self { factor, x0, y0 }
    }

    /// Polygons of closed rings on this grid, opened; `None` when a position lies beyond the
    /// range the overlay takes.
    pub fn polygons(&self, polygons: &Positions) -> Option<GridPolygons> {
        let limit = f64::from(MAX_COORDINATE);
        let mut on_grid = Vec::with_capacity(polygons.len());
        for rings in polygons {
            let mut grid_rings = Vec::with_capacity(rings.len());
            for ring in rings {
                let open = ring.split_last().map_or(&ring[..], |(_, rest)| rest);
                let mut grid_ring = Vec::with_capacity(open.len());
                for [x, y] in open {
                    let (gx, gy) = (
                        (x * self.factor).round() - self.x0,
                        (y * self.factor).round() - self.y0,
                    );
                    if !(gx <= limit && gy <= limit) {
                        return None;
                    }
                    // Within 0..=MAX_COORDINATE, so the conversion is exact.
                    #[allow(clippy::cast_possible_truncation)]
                    grid_ring.push(IntPoint::new(gx as i32, gy as i32));
                }
                grid_rings.push(grid_ring);
            }
            on_grid.push(grid_rings);
        }
        Some(on_grid)
    }

    /// Polygons on this grid as closed rings of `[lon, lat]`.
    pub fn positions(&self, polygons: &GridPolygons) -> Positions {
        let degrees = |p: &IntPoint| {
            [
                (f64::from(p.x) + self.x0) / self.factor,
                (f64::from(p.y) + self.y0) / self.factor,
            ]
        };
        polygons
            .iter()
            .map(|rings| {
                rings
                    .iter()
                    .map(|ring| {
                        let mut closed: Vec<[f64; 2]> = ring.iter().map(degrees).collect();
                        closed.extend(closed.first().copied());
                        closed
                    })
                    .collect()
            })
            .collect()
    }
}

/// Twice the signed area of a ring (the shoelace sum): positive when it winds
/// counter-clockwise with y growing up.
pub fn twice_area(ring: &[IntPoint]) -> i64 {
    let Some(last) = ring.last() else { return 0 };
    let mut previous = *last;
    let mut sum = 0_i64;
    for p in ring {
        sum += i64::from(previous.x) * i64::from(p.y) - i64::from(p.x) * i64::from(previous.y);
        previous = *p;
    }
    sum
}

/// A ring cut wherever it passes through a position it already went through: each loop so
/// closed becomes a ring of its own. Loops of fewer than three positions (a spike out and
/// back, a repeated position) have no area and are dropped.
fn untouched(ring: Ring) -> Vec<Ring> {
    let mut pieces = Vec::new();
    let mut path: Ring = Vec::with_capacity(ring.len());
    let mut at: HashMap<IntPoint, usize> = HashMap::with_capacity(ring.len());
    for p in ring {
        if let Some(&k) = at.get(&p) {
            let looped = path.split_off(k + 1);
            for q in &looped {
                at.remove(q);
            }
            let mut piece = Vec::with_capacity(looped.len() + 1);
            piece.push(p);
            piece.extend(looped);
            pieces.push(piece);
        } else {
            at.insert(p, path.len());
            path.push(p);
        }
    }
    pieces.push(path);
    pieces.retain(|r| r.len() >= 3);
    pieces
}

/// Each hole given to the smallest exterior around it.
fn assemble(exteriors: Vec<Ring>, holes: Vec<Ring>) -> GridPolygons {
    let shells: Vec<Polygon<f64>> = exteriors.iter().map(|r| polygon_of(r)).collect();
    let areas: Vec<i64> = exteriors.iter().map(|r| twice_area(r)).collect();
    let mut polygons: GridPolygons = exteriors.into_iter().map(|e| vec![e]).collect();
    for hole in holes {
        let owner = if polygons.len() == 1 {
            Some(0)
        } else {
            polygon_of(&hole).interior_point().and_then(|inside| {
                (0..shells.len())
                    .filter(|i| shells[*i].contains(&inside))
                    .min_by_key(|i| areas[*i])
            })
        };
        if let Some(polygon) = owner.and_then(|i| polygons.get_mut(i)) {
            polygon.push(hole);
        }
    }
    polygons
}

fn polygon_of(ring: &[IntPoint]) -> Polygon<f64> {
    Polygon::new(
        LineString::from(
            ring.iter()
                .map(|p| Coord {
                    x: f64::from(p.x),
                    y: f64::from(p.y),
                })
                .collect::<Vec<_>>(),
        ),
        vec![],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(i32, i32)]) -> Ring {
        points.iter().map(|&(x, y)| IntPoint::new(x, y)).collect()
    }

    fn positions(polygons: &GridPolygons) -> usize {
        polygons.iter().flatten().map(Vec::len).sum()
    }

    #[test]
    fn a_ring_crossing_itself_keeps_the_lobe_it_winds_round_the_right_way() {
        // The edges (0,0)-(6,6) and (6,0)-(0,2) cross at (1.5, 1.5): a large lobe by (6, 3)
        // and a small one, wound the other way, by (0, 1). The small one is a fold: dropped.
        let folded = ring(&[(0, 0), (6, 6), (6, 0), (0, 2)]);
        let repaired = repair(&[vec![folded]]);
        assert_eq!(repaired.len(), 1, "{repaired:?}");
        assert_eq!(repaired[0].len(), 1);
        let area = twice_area(&repaired[0][0]);
        // 27 before the crossing is snapped to the grid.
        assert!((24..=30).contains(&area), "{area}: {repaired:?}");
    }

    #[test]
    fn a_ring_pinched_to_a_point_is_cut_into_a_shell_and_a_hole() {
        // A square whose boundary runs in to (2, 2) around an inner square and back out:
        // after rounding, the way in and the way out coincide.
        let pinched = ring(&[
            (0, 0),
            (6, 0),
            (6, 6),
            (0, 6),
            (0, 3),
            (2, 2),
            (2, 4),
            (4, 4),
            (4, 2),
            (2, 2),
            (0, 3),
        ]);
        let repaired = repair(&[vec![pinched]]);
        assert_eq!(repaired.len(), 1, "{repaired:?}");
        let polygon = &repaired[0];
        assert_eq!(polygon.len(), 2, "a shell and a hole: {polygon:?}");
        assert_eq!(twice_area(&polygon[0]), 72);
        assert_eq!(twice_area(&polygon[1]), -8);
        for r in polygon {
            assert_eq!(untouched(r.clone()).len(), 1, "{r:?} touches itself");
        }
    }

    #[test]
    fn overlapping_parts_merge_and_holes_keep_their_place() {
        let a = vec![ring(&[(0, 0), (4, 0), (4, 4), (0, 4)])];
        let b = vec![
            ring(&[(2, 0), (8, 0), (8, 6), (2, 6)]),
            ring(&[(6, 2), (7, 2), (7, 3), (6, 3)]),
        ];
        let repaired = repair(&[a, b]);
        assert_eq!(repaired.len(), 1, "{repaired:?}");
        assert_eq!(repaired[0].len(), 2);
        assert_eq!(twice_area(&repaired[0][1]), -2);
        assert!(positions(&repaired) >= 10);
    }

    #[test]
    fn a_ring_folded_flat_vanishes() {
        let flat = ring(&[(0, 0), (5, 0), (9, 0), (5, 0)]);
        assert!(repair(&[vec![flat]]).is_empty());
    }
}
