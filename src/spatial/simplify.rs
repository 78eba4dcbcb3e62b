//! Topology-preserving simplification: every arc is simplified once (Douglas-Peucker with its
//! ends fixed), so two neighbours always draw the same border and no gap or overlap can open
//! between them, whatever the level. Small islands go by an explicit minimum-area rule, and a
//! shape that simplification would make invalid is simplified less where it broke.

use std::collections::BTreeSet;

use geo::{Coord, GeodesicArea, LineString, Polygon, Simplify};

use super::geojson::rounded_polygons;
use super::topology::{resolve, ArcRef, Topology};
use super::validity;

/// How far to simplify.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Douglas-Peucker tolerance, degrees; 0 keeps every position.
    pub tolerance: f64,
    /// Parts of an area (other than its largest) smaller than this, km², are dropped.
    pub min_island_km2: f64,
}

impl Level {
    /// No simplification: every position and every island of the stored boundaries.
    pub const FULL: Self = Self {
        tolerance: 0.0,
        min_island_km2: 0.0,
    };

    /// The level for a web-map zoom (256-pixel tiles): a tolerance of half a pixel in
    /// longitude, and islands smaller than about four square pixels at 35°N dropped.
    pub fn for_zoom(zoom: u8) -> Self {
        let degrees_per_pixel = 360.0 / (256.0 * f64::from(1u32 << zoom.min(24)));
        let km_per_pixel = degrees_per_pixel * 111.32 * 35f64.to_radians().cos();
        Self {
            tolerance: degrees_per_pixel / 2.0,
            min_island_km2: 4.0 * km_per_pixel * km_per_pixel,
        }
    }

    /// Decimals of coordinates at this level unless a request names others: enough to keep a
    /// tenth of the tolerance, and never fewer than 5 (about a metre): coarser rounding folds
    /// narrow parts of an area over each other, which no simplification can then undo.
    pub fn decimals(&self) -> u8 {
        if self.tolerance <= 0.0 {
            6
        } else {
            // Clamped to 5..=7 first, so the conversion is exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let decimals = (10.0 / self.tolerance).log10().ceil().clamp(5.0, 7.0) as u8;
            decimals
        }
    }
}

/// A simplified topology: arcs and, per shape, the polygons that survive.
#[derive(Debug, Clone)]
pub struct Simplified {
    /// Simplified arcs (same indices as the source topology).
    pub arcs: Vec<Vec<Coord<f64>>>,
    /// Per shape: polygons → rings → arc references.
    pub shapes: Vec<Vec<Vec<Vec<ArcRef>>>>,
    /// How many times each arc's tolerance was halved to keep a shape whole (past
    /// [`MAX_HALVINGS`]: the arc is kept as it is).
    halvings: Vec<u8>,
}

fn simplify_open(points: &[Coord<f64>], tolerance: f64) -> Vec<Coord<f64>> {
    if tolerance <= 0.0 || points.len() <= 2 {
        return points.to_vec();
    }
    LineString::from(points.to_vec()).simplify(tolerance).0
}

/// Simplifies one arc; a closed arc is split at the position farthest from its start so that
/// Douglas-Peucker, which keeps ends, cannot fold it to a line.
fn simplify_arc(arc: &[Coord<f64>], tolerance: f64) -> Vec<Coord<f64>> {
    let closed = arc.len() > 3 && arc.first() == arc.last();
    if !closed {
        return simplify_open(arc, tolerance);
    }
    let start = arc[0];
    let far = (1..arc.len() - 1)
        .max_by(|a, b| {
            let d = |c: &Coord<f64>| (c.x - start.x).powi(2) + (c.y - start.y).powi(2);
            d(&arc[*a]).total_cmp(&d(&arc[*b]))
        })
        .unwrap_or(arc.len() / 2);
    let mut out = simplify_open(&arc[..=far], tolerance);
    out.extend(simplify_open(&arc[far..], tolerance).into_iter().skip(1));
    out
}

fn ring_area_km2(topology: &Topology, arcs: &[Vec<Coord<f64>>], ring: &[ArcRef]) -> f64 {
    let positions = topology.ring(ring, arcs);
    Polygon::new(LineString::from(positions), vec![]).geodesic_area_unsigned() / 1_000_000.0
}

/// Simplifies `topology` to `level`.
pub fn simplify(topology: &Topology, level: Level) -> Simplified {
    // Only true islands may be dropped: a polygon that shares a border with another area
    // would leave a hole in the map.
    let users = topology.arc_users();
    let island = |rings: &Vec<Vec<ArcRef>>| {
        rings
            .iter()
            .flatten()
            .all(|r| users.get(resolve(*r).0).is_some_and(|u| u.len() == 1))
    };
    // Which polygons survive: each shape's largest, every one that borders another area, and
    // islands at or above the minimum area.
    let shapes: Vec<Vec<Vec<Vec<ArcRef>>>> = topology
        .shapes
        .iter()
        .map(|polygons| {
            let areas: Vec<f64> = polygons
                .iter()
                .map(|rings| {
                    rings
                        .first()
                        .map_or(0.0, |r| ring_area_km2(topology, &topology.arcs, r))
                })
                .collect();
            let largest = areas
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(i, _)| i);
            polygons
                .iter()
                .zip(&areas)
                .enumerate()
                .filter(|(i, (rings, area))| {
                    *i == largest || **area >= level.min_island_km2 || !island(rings)
                })
                .map(|(_, (rings, _))| rings.clone())
                .collect()
        })
        .collect();

    let mut simplified = Simplified {
        arcs: topology
            .arcs
            .iter()
            .map(|arc| simplify_arc(arc, level.tolerance))
            .collect(),
        halvings: vec![0; topology.arcs.len()],
        shapes,
    };
    let everything = (0..simplified.shapes.len()).collect();
    simplified.repair(topology, &users, level, everything);
    simplified
}

/// `simplified` with the arcs of the shapes at positions `lost` simplified again at half
/// their tolerance (and every shape using a changed arc made valid again), or `None` when
/// those arcs are all whole already. For a shape a map's grid collapsed although
/// it is valid on its own: a needle simplification left narrower than the grid.
pub fn refined(
    topology: &Topology,
    simplified: &Simplified,
    level: Level,
    lost: &[usize],
) -> Option<Simplified> {
    let arcs: BTreeSet<usize> = lost
        .iter()
        .filter_map(|&s| simplified.shapes.get(s))
        .flatten()
        .flatten()
        .flatten()
        .map(|r| resolve(*r).0)
        .filter(|&i| {
            let whole = topology.arcs.get(i).map_or(0, Vec::len);
            simplified
                .halvings
                .get(i)
                .is_some_and(|h| *h <= MAX_HALVINGS)
                && simplified.arcs.get(i).is_some_and(|arc| arc.len() < whole)
        })
        .collect();
    if arcs.is_empty() {
        return None;
    }
    let users = topology.arc_users();
    let mut out = simplified.clone();
    let mut to_check = BTreeSet::new();
    for i in arcs {
        out.halve(topology, level, i);
        to_check.extend(users[i].iter().copied());
    }
    out.repair(topology, &users, level, to_check);
    Some(out)
}

/// Halvings of the tolerance an arc may get, for a shape simplification broke, before it is
/// kept as it is: from zoom 0's 0.7° down to some 20 m.
const MAX_HALVINGS: u8 = 12;

impl Simplified {
    /// Simplifies arc `i` again at half its last tolerance, or keeps it whole past
    /// [`MAX_HALVINGS`].
    fn halve(&mut self, topology: &Topology, level: Level, i: usize) {
        let (Some(halvings), Some(source)) = (self.halvings.get_mut(i), topology.arcs.get(i))
        else {
            return;
        };
        *halvings += 1;
        self.arcs[i] = if *halvings > MAX_HALVINGS {
            source.clone()
        } else {
            simplify_arc(source, level.tolerance / f64::from(1_u32 << *halvings))
        };
    }

    /// Refines the arcs where simplification broke a shape among `to_check`: a shape with a
    /// ring reduced below a triangle, or left invalid in the OGC sense (a ring crossing itself
    /// or another of its rings; GEOS and every GIS refuse those), has its arcs simplified again
    /// at half the tolerance, until it is valid or they are whole. Halving rather than keeping
    /// them whole at once keeps a coarse zoom coarse. Arcs are shared, so the neighbours of a
    /// refined shape draw the same refined border; every shape using a changed arc is checked
    /// again.
    fn repair(
        &mut self,
        topology: &Topology,
        users: &[BTreeSet<usize>],
        level: Level,
        mut to_check: BTreeSet<usize>,
    ) {
        let decimals = level.decimals();
        while !to_check.is_empty() {
            let mut refine: BTreeSet<usize> = BTreeSet::new();
            for &s in &to_check {
                let Some(polygons) = self.shapes.get(s) else {
                    continue;
                };
                let degenerate = polygons
                    .iter()
                    .flatten()
                    .any(|ring| topology.ring(ring, &self.arcs).len() < 4);
                if !degenerate && shape_is_valid(topology, &self.arcs, polygons, decimals) {
                    continue;
                }
                refine.extend(
                    polygons
                        .iter()
                        .flatten()
                        .flatten()
                        .map(|r| resolve(*r).0)
                        .filter(|i| self.halvings[*i] <= MAX_HALVINGS),
                );
            }
            to_check.clear();
            for i in refine {
                self.halve(topology, level, i);
                to_check.extend(users[i].iter().copied());
            }
        }
    }
}

/// Whether a shape drawn with `arcs` and rounded to `decimals`, as documents write it, is
/// valid, nothing of it lost to the rounding: each polygon's first ring its exterior, the rest
/// its holes.
fn shape_is_valid(
    topology: &Topology,
    arcs: &[Vec<Coord<f64>>],
    polygons: &[Vec<Vec<ArcRef>>],
    decimals: u8,
) -> bool {
    let rounded = rounded_polygons(
        polygons
            .iter()
            .map(|rings| rings.iter().map(|r| topology.ring(r, arcs))),
        Some(decimals),
    );
    let rings = |p: &[Vec<Vec<ArcRef>>]| p.iter().map(Vec::len).collect::<Vec<_>>();
    let kept: Vec<usize> = rounded.iter().map(Vec::len).collect();
    kept == rings(polygons) && validity::is_valid(&rounded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, MultiPolygon};

    #[test]
    fn neighbours_keep_identical_borders() {
        // Two squares sharing a wiggly border.
        let border = [
            (1.0, 0.0),
            (1.01, 0.2),
            (0.99, 0.4),
            (1.02, 0.6),
            (1.0, 1.0),
        ];
        let mut left: Vec<(f64, f64)> = vec![(0.0, 0.0)];
        left.extend(border);
        left.extend([(0.0, 1.0), (0.0, 0.0)]);
        let mut right: Vec<(f64, f64)> = vec![(2.0, 0.0), (2.0, 1.0)];
        right.extend(border.iter().rev());
        right.push((2.0, 0.0));
        let shape = |pts: &[(f64, f64)]| {
            MultiPolygon::new(vec![Polygon::new(
                LineString::from(pts.iter().map(|&(x, y)| Coord { x, y }).collect::<Vec<_>>()),
                vec![],
            )])
        };
        let t = Topology::build(&[shape(&left), shape(&right)]);
        let s = simplify(
            &t,
            Level {
                tolerance: 0.05,
                min_island_km2: 0.0,
            },
        );
        let a = t.ring(&s.shapes[0][0][0], &s.arcs);
        let b = t.ring(&s.shapes[1][0][0], &s.arcs);
        let on_border = |c: &&Coord<f64>| c.x > 0.5 && c.x < 1.5;
        let mut ab: Vec<_> = a
            .iter()
            .filter(on_border)
            .map(|c| (c.x.to_bits(), c.y.to_bits()))
            .collect();
        let mut bb: Vec<_> = b
            .iter()
            .filter(on_border)
            .map(|c| (c.x.to_bits(), c.y.to_bits()))
            .collect();
        ab.sort_unstable();
        ab.dedup();
        bb.sort_unstable();
        bb.dedup();
        assert_eq!(ab, bb);
        assert!(ab.len() < border.len(), "the border was simplified");
    }

    #[test]
    fn small_islands_go_but_the_largest_part_stays() {
        let main = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)];
        let islet =
            polygon![(x: 3.0, y: 3.0), (x: 3.001, y: 3.0), (x: 3.001, y: 3.001), (x: 3.0, y: 3.0)];
        let t = Topology::build(&[MultiPolygon::new(vec![main, islet])]);
        let s = simplify(
            &t,
            Level {
                tolerance: 0.0,
                min_island_km2: 1.0,
            },
        );
        assert_eq!(s.shapes[0].len(), 1);
        let kept = simplify(
            &t,
            Level {
                tolerance: 0.0,
                min_island_km2: 0.0,
            },
        );
        assert_eq!(kept.shapes[0].len(), 2);
    }

    #[test]
    fn refining_a_lost_shape_halves_its_tolerance_until_its_arcs_are_whole() {
        // A wavy island: at a tolerance of a tenth of a degree it is a handful of positions.
        let mut ring: Vec<Coord<f64>> = (0..=64)
            .map(|i| {
                let t = f64::from(i) / 64.0 * std::f64::consts::TAU;
                let r = 0.5 + 0.02 * (8.0 * t).sin();
                Coord {
                    x: r * t.cos(),
                    y: r * t.sin(),
                }
            })
            .collect();
        ring.pop();
        ring.push(ring[0]);
        let t = Topology::build(&[MultiPolygon::new(vec![Polygon::new(
            LineString::from(ring),
            vec![],
        )])]);
        let level = Level {
            tolerance: 0.1,
            min_island_km2: 0.0,
        };
        let whole: usize = t.arcs.iter().map(Vec::len).sum();
        let positions = |s: &Simplified| s.arcs.iter().map(Vec::len).sum::<usize>();
        let mut s = simplify(&t, level);
        let mut counts = vec![positions(&s)];
        while let Some(finer) = refined(&t, &s, level, &[0]) {
            s = finer;
            counts.push(positions(&s));
        }
        assert!(counts[0] < whole, "{counts:?}");
        assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
        assert_eq!(counts.last(), Some(&whole), "{counts:?}");
        assert!(counts.len() <= usize::from(MAX_HALVINGS) + 2, "{counts:?}");
        // An area whose arcs are whole has nothing left to refine.
        assert!(refined(&t, &s, level, &[0]).is_none());
        assert!(refined(&t, &simplify(&t, Level::FULL), Level::FULL, &[0]).is_none());
    }

    #[test]
    fn zoom_levels_shrink_the_tolerance() {
        assert!(Level::for_zoom(4).tolerance > Level::for_zoom(8).tolerance);
        assert!(Level::for_zoom(5).min_island_km2 > Level::for_zoom(9).min_island_km2);
    }
}
