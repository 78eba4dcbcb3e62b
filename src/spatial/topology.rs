//! Topology of a set of polygons: rings cut at junctions into shared arcs, as TopoJSON does.
//!
//! Neighbouring municipalities in N03 share their borders coordinate for coordinate, so a
//! border is found by exact equality of positions. Each border becomes one arc, referenced by
//! both neighbours (once reversed), which is what lets it be simplified once for both and what
//! tells who borders whom. A junction is a position where three or more edges meet (the ends of
//! a shared border); a ring with no junction (an island, or an enclave) is one closed arc.

use std::collections::{BTreeSet, HashMap};

use geo::{Coord, LineString, MultiPolygon, Polygon};

/// A position's exact bits, so that equality is exact and hashing is possible.
type Key = (u64, u64);

fn key(c: &Coord<f64>) -> Key {
    (c.x.to_bits(), c.y.to_bits())
}

/// An arc reference as TopoJSON writes it: `i` for arc `i`, `!i` (that is `-i - 1`) reversed.
pub type ArcRef = i64;

/// Arcs and, per shape, its polygons as rings of arc references.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    /// Arcs in WGS 84 lon/lat; consecutive arcs of a ring share their end positions.
    pub arcs: Vec<Vec<Coord<f64>>>,
    /// Per shape: polygons → rings (exterior first) → arc references.
    pub shapes: Vec<Vec<Vec<Vec<ArcRef>>>>,
}

/// Resolves an arc reference to its index and direction.
// Arc indices are far below 2^31 (a country has a few hundred thousand arcs), and a reference
// or its complement is never negative here, so the conversions are exact.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn resolve(r: ArcRef) -> (usize, bool) {
    if r < 0 {
        ((!r) as usize, true)
    } else {
        (r as usize, false)
    }
}

impl Topology {
    /// Builds the topology of `shapes` (one multipolygon per area).
    pub fn build(shapes: &[MultiPolygon<f64>]) -> Self {
        // The planar graph: each position's distinct neighbours along any ring.
        let mut adjacent: HashMap<Key, BTreeSet<Key>> = HashMap::new();
        for ring in shapes.iter().flat_map(rings_of) {
            for w in ring.0.windows(2) {
                let (a, b) = (key(&w[0]), key(&w[1]));
                if a != b {
                    adjacent.entry(a).or_default().insert(b);
                    adjacent.entry(b).or_default().insert(a);
                }
            }
        }
        let is_junction = |k: &Key| adjacent.get(k).is_some_and(|n| n.len() > 2);

        let mut topology = Topology::default();
        let mut index: HashMap<Vec<Key>, usize> = HashMap::new();
        for shape in shapes {
            let polygons = shape
                .0
                .iter()
                .map(|polygon| {
                    rings_of_polygon(polygon)
                        .map(|ring| topology.cut(ring, &is_junction, &mut index))
                        .collect()
                })
                .collect();
            topology.shapes.push(polygons);
        }
        topology
    }

    /// Cuts one closed ring at its junctions and records its arcs.
    fn cut(
        &mut self,
        ring: &LineString<f64>,
        is_junction: &impl Fn(&Key) -> bool,
        index: &mut HashMap<Vec<Key>, usize>,
    ) -> Vec<ArcRef> {
        // Positions without the closing repeat, with repeated neighbours removed.
        let mut points: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
        for c in &ring.0[..ring.0.len().saturating_sub(1)] {
            if points.last().map(key) != Some(key(c)) {
                points.push(*c);
            }
        }
        if points.len() > 1 && points.first().map(key) == points.last().map(key) {
            points.pop();
        }
        if points.is_empty() {
            return Vec::new();
        }
        let junctions: Vec<usize> = (0..points.len())
            .filter(|i| is_junction(&key(&points[*i])))
            .collect();
        let chains: Vec<Vec<Coord<f64>>> = if junctions.is_empty() {
            // A closed arc: start at the smallest position so that both sides of an enclave
            // border produce the same arc (one of them reversed).
            let start = (0..points.len())
                .min_by_key(|i| key(&points[*i]))
                .unwrap_or(0);
            let mut chain: Vec<Coord<f64>> = points[start..]
                .iter()
                .chain(&points[..start])
                .copied()
                .collect();
            chain.push(points[start]);
            vec![chain]
        } else {
            let n = points.len();
            let mut chains = Vec::with_capacity(junctions.len());
            for (j, &from) in junctions.iter().enumerate() {
                let to = junctions[(j + 1) % junctions.len()];
                let steps = if to > from { to - from } else { to + n - from };
                chains.push((0..=steps).map(|s| points[(from + s) % n]).collect());
            }
            chains
        };
        chains
            .into_iter()
            .map(|chain| self.intern(chain, index))
            .collect()
    }

    /// Finds an arc with the same positions (either way round) or adds a new one.
    // Arc indices are far below 2^31, so they convert to references exactly.
    #[allow(clippy::cast_possible_wrap)]
    fn intern(&mut self, chain: Vec<Coord<f64>>, index: &mut HashMap<Vec<Key>, usize>) -> ArcRef {
        let forward: Vec<Key> = chain.iter().map(key).collect();
        if let Some(&i) = index.get(&forward) {
            return i as ArcRef;
        }
        let backward: Vec<Key> = forward.iter().rev().copied().collect();
        if let Some(&i) = index.get(&backward) {
            return !(i as ArcRef);
        }
        let i = self.arcs.len();
        self.arcs.push(chain);
        index.insert(forward, i);
        i as ArcRef
    }

    /// The positions of a ring given as arc references, closed.
    pub fn ring(&self, refs: &[ArcRef], arcs: &[Vec<Coord<f64>>]) -> Vec<Coord<f64>> {
        let mut out: Vec<Coord<f64>> = Vec::new();
        for &r in refs {
            let (i, reversed) = resolve(r);
            let Some(arc) = arcs.get(i) else { continue };
            let skip = usize::from(!out.is_empty());
            if reversed {
                out.extend(arc.iter().rev().skip(skip));
            } else {
                out.extend(arc.iter().skip(skip));
            }
        }
        out
    }

    /// Which shapes use each arc.
    pub fn arc_users(&self) -> Vec<BTreeSet<usize>> {
        let mut users = vec![BTreeSet::new(); self.arcs.len()];
        for (s, polygons) in self.shapes.iter().enumerate() {
            for r in polygons.iter().flatten().flatten() {
                if let Some(u) = users.get_mut(resolve(*r).0) {
                    u.insert(s);
                }
            }
        }
        users
    }

    /// Shapes sharing a border (an arc) with each shape: rook contiguity.
    pub fn rook_neighbours(&self) -> Vec<Vec<usize>> {
        let mut out = vec![BTreeSet::new(); self.shapes.len()];
        for users in self.arc_users() {
            for &a in &users {
                for &b in &users {
                    if a != b {
                        out[a].insert(b);
                    }
                }
            }
        }
        out.into_iter().map(|s| s.into_iter().collect()).collect()
    }

    /// Shapes sharing at least one position with each shape: queen contiguity.
    pub fn queen_neighbours(&self) -> Vec<Vec<usize>> {
        let mut at: HashMap<Key, BTreeSet<usize>> = HashMap::new();
        for (s, polygons) in self.shapes.iter().enumerate() {
            for r in polygons.iter().flatten().flatten() {
                if let Some(arc) = self.arcs.get(resolve(*r).0) {
                    // Interior positions of an arc are shared exactly by the arc's users, so
                    // its end positions are enough beside the rook relation.
                    for c in [arc.first(), arc.last()].into_iter().flatten() {
                        at.entry(key(c)).or_default().insert(s);
                    }
                }
            }
        }
        let mut out: Vec<BTreeSet<usize>> = self
            .rook_neighbours()
            .into_iter()
            .map(|v| v.into_iter().collect())
            .collect();
        for users in at.values() {
            for &a in users {
                for &b in users {
                    if a != b {
                        out[a].insert(b);
                    }
                }
            }
        }
        out.into_iter().map(|s| s.into_iter().collect()).collect()
    }
}

fn rings_of_polygon(p: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    std::iter::once(p.exterior()).chain(p.interiors())
}

fn rings_of(m: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    m.0.iter().flat_map(rings_of_polygon)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    /// Two unit squares side by side, sharing the border x = 1.
    fn pair() -> Vec<MultiPolygon<f64>> {
        vec![
            MultiPolygon::new(vec![
                polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 0.5), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)],
            ]),
            MultiPolygon::new(vec![
                polygon![(x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.5), (x: 1.0, y: 0.0)],
            ]),
        ]
    }

    #[test]
    fn a_shared_border_is_one_arc_used_both_ways() {
        let t = Topology::build(&pair());
        let shared: Vec<usize> = t
            .arc_users()
            .iter()
            .enumerate()
            .filter(|(_, u)| u.len() == 2)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(shared.len(), 1);
        assert_eq!(
            t.arcs[shared[0]].len(),
            3,
            "the border keeps its middle vertex"
        );
        assert_eq!(t.rook_neighbours(), vec![vec![1], vec![0]]);
        for (s, shape) in pair().iter().enumerate() {
            let ring = t.ring(&t.shapes[s][0][0], &t.arcs);
            assert_eq!(ring.first(), ring.last());
            assert_eq!(ring.len(), shape.0[0].exterior().0.len());
        }
    }

    #[test]
    fn touching_at_a_corner_is_queen_not_rook() {
        let shapes = vec![
            MultiPolygon::new(vec![
                polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)],
            ]),
            MultiPolygon::new(vec![
                polygon![(x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 2.0, y: 2.0), (x: 1.0, y: 2.0), (x: 1.0, y: 1.0)],
            ]),
        ];
        let t = Topology::build(&shapes);
        assert_eq!(t.rook_neighbours(), vec![Vec::<usize>::new(), vec![]]);
        assert_eq!(t.queen_neighbours(), vec![vec![1], vec![0]]);
    }
}
