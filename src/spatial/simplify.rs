//! Topology-preserving simplification: every arc is simplified once (Douglas-Peucker with its
//! ends fixed), so two neighbours always draw the same border and no gap or overlap can open
//! between them, whatever the level. Small islands go by an explicit minimum-area rule.

use geo::{Coord, GeodesicArea, LineString, Polygon, Simplify};

use super::topology::{resolve, ArcRef, Topology};

/// How far to simplify.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Douglas-Peucker tolerance, degrees; 0 keeps every position.
    pub tolerance: f64,
    /// Parts of an area (other than its largest) smaller than this, km², are dropped.
    pub min_island_km2: f64,
}

impl Level {
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
}

/// A simplified topology: arcs and, per shape, the polygons that survive.
#[derive(Debug, Clone)]
pub struct Simplified {
    /// Simplified arcs (same indices as the source topology).
    pub arcs: Vec<Vec<Coord<f64>>>,
    /// Per shape: polygons → rings → arc references.
    pub shapes: Vec<Vec<Vec<Vec<ArcRef>>>>,
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

    let mut protected = vec![false; topology.arcs.len()];
    loop {
        let arcs: Vec<Vec<Coord<f64>>> = topology
            .arcs
            .iter()
            .zip(&protected)
            .map(|(arc, keep)| {
                if *keep {
                    arc.clone()
                } else {
                    simplify_arc(arc, level.tolerance)
                }
            })
            .collect();
        // A ring that simplification reduced below a triangle keeps its arcs as they were;
        // they are shared, so its neighbours keep them too.
        let mut changed = false;
        for ring in shapes.iter().flatten().flatten() {
            if topology.ring(ring, &arcs).len() < 4 {
                for r in ring {
                    let (i, _) = resolve(*r);
                    if !protected[i] {
                        protected[i] = true;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            return Simplified { arcs, shapes };
        }
    }
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
    fn zoom_levels_shrink_the_tolerance() {
        assert!(Level::for_zoom(4).tolerance > Level::for_zoom(8).tolerance);
        assert!(Level::for_zoom(5).min_island_km2 > Level::for_zoom(9).min_island_km2);
    }
}
