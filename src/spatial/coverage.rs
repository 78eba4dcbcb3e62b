//! A coverage (areas that meet along shared borders without overlapping, such as the
//! municipalities of a tile) snapped to an integer grid as one arrangement. Rounding each
//! area on its own can make two borders cross, and then both areas claim the ground between;
//! repairing each on its own moves the crossing to a grid position that its neighbour's
//! border does not pass through. Here every edge of every area is snap rounded together
//! (Hobby's snap rounding: every position and every crossing rounded to its grid point, and
//! every edge bent through each such point whose pixel it passes), so edges meet only at
//! grid points. The faces of that arrangement are then given out, each to the area that
//! winds round it, so the result is a partition and neighbours share each border position
//! for position.
//!
//! Written here because no maintained Rust crate nodes many polygons at once while keeping
//! track of which polygon each edge came from: i_overlay nodes two shapes (subject and clip),
//! and GEOS's noders are C++. i_overlay still dissolves each area's faces (see
//! [`grid::fill`]).

use hashbrown::{HashMap, HashSet};

use super::grid::{self, DecimalGrid, GridPolygons, IntPoint, Positions, Ring};

/// Each of `areas` (polygons on the grid, exterior first, in any orientation, possibly
/// crossing themselves or one another) as valid polygons on the same grid, such that no two
/// areas share ground and wherever two meet they have the same border positions. Ground an
/// area wound round positively stays its own; where rounding made two areas cover the same
/// sliver, it goes to the one that winds round it more often, then to the earlier one.
/// An area with no ground left is empty.
pub fn partition(areas: &[GridPolygons]) -> Vec<GridPolygons> {
    let segments = Segments::of(areas);
    if segments.ends.is_empty() {
        return vec![Vec::new(); areas.len()];
    }
    let links = segments.snapped();
    let graph = Graph::new(&links);
    let owners = graph.owners(&links);
    let mut contours: Vec<Vec<Ring>> = vec![Vec::new(); areas.len()];
    for (cycle, owner) in graph.cycles.iter().zip(owners) {
        if let Some(rings) = owner.and_then(|o| contours.get_mut(o as usize)) {
            rings.push(cycle.iter().map(|&h| start(&links, h)).collect());
        }
    }
    contours.iter().map(|rings| grid::fill(rings)).collect()
}

/// The areas of a layer, their positions rounded to `decimals` places (rings closed, exterior
/// first), snapped to that grid together ([`partition`]): an area rounding broke is repaired
/// without its border parting from its neighbours', and parts of different areas that
/// simplification or rounding made overlap (islands a few metres apart) no longer do. Grids
/// finer than 7 decimals are snapped on the grid of 7 (a centimetre).
pub fn snapped(areas: Vec<Positions>, decimals: u8) -> Vec<Positions> {
    let grid = DecimalGrid::around(areas.iter().flatten().flatten().flatten(), decimals);
    let on_grid: Option<Vec<GridPolygons>> = areas.iter().map(|a| grid.polygons(a)).collect();
    match on_grid {
        Some(on_grid) => partition(&on_grid)
            .iter()
            .map(|polygons| grid.positions(polygons))
            .collect(),
        // A layer wider than the overlay's range at this grid: each area on its own.
        None => areas
            .into_iter()
            .map(|a| grid::valid_rounded(a, decimals))
            .collect(),
    }
}

/// How many times each area's boundary runs along a segment in its stored direction, minus
/// the times it runs the other way: the change in that area's winding number from the
/// segment's right to its left.
type Deltas = Vec<(u32, i32)>;

/// Segments of an arrangement, each stored once, from the smaller end to the larger.
#[derive(Default)]
struct Segments {
    index: HashMap<(IntPoint, IntPoint), usize>,
    ends: Vec<(IntPoint, IntPoint)>,
    deltas: Vec<Deltas>,
}

impl Segments {
    /// The edges of the areas, exteriors wound positively and holes negatively, so that each
    /// area's winding number is 1 on its ground.
    fn of(areas: &[GridPolygons]) -> Self {
        let mut segments = Self::default();
        for (owner, polygons) in (0_u32..).zip(areas) {
            for rings in polygons {
                for (i, ring) in rings.iter().enumerate() {
                    let area = grid::twice_area(ring);
                    if area == 0 {
                        continue;
                    }
                    let sign = if (area > 0) == (i == 0) { 1 } else { -1 };
                    let mut previous = ring[ring.len() - 1];
                    for &p in ring {
                        segments.add(previous, p, &[(owner, sign)]);
                        previous = p;
                    }
                }
            }
        }
        segments
            .deltas
            .iter_mut()
            .for_each(|d| d.retain(|e| e.1 != 0));
        segments
    }

    /// Adds the segment from `a` to `b`, carrying `deltas` as they count from `a` to `b`.
    fn add(&mut self, a: IntPoint, b: IntPoint, deltas: &[(u32, i32)]) {
        if a == b {
            return;
        }
        let (key, sign) = if (a.x, a.y) < (b.x, b.y) {
            ((a, b), 1)
        } else {
            ((b, a), -1)
        };
        let k = *self.index.entry(key).or_insert_with(|| {
            self.ends.push(key);
            self.deltas.push(Vec::new());
            self.ends.len() - 1
        });
        let stored = &mut self.deltas[k];
        for &(owner, delta) in deltas {
            match stored.iter_mut().find(|e| e.0 == owner) {
                Some(e) => e.1 += sign * delta,
                None => stored.push((owner, sign * delta)),
            }
        }
    }

    /// The arrangement snap rounded: hot pixels at every end and at every crossing rounded,
    /// each segment bent through the hot pixels it passes, pieces that several segments
    /// became merged, and pieces that change no winding number dropped. A piece bent from one
    /// hot pixel to the next can pass yet another, so bending repeats (twice is rare) until
    /// no piece passes a hot pixel between its ends.
    fn snapped(&self) -> Segments {
        let hot = HotPixels::new(self);
        let (mut links, mut bent) = hot.bend(self);
        for _ in 0..4 {
            if !bent {
                break;
            }
            (links, bent) = hot.bend(&links);
        }
        links
    }

    /// Every point where two segments cross (not where one ends on another), rounded.
    fn crossings(&self, cell: i64) -> Vec<IntPoint> {
        let mut by_cell: HashMap<(i64, i64), Vec<u32>> = HashMap::new();
        let mut cells = Vec::new();
        for (k, &(a, b)) in (0_u32..).zip(&self.ends) {
            cells_along(a, b, cell, &mut cells);
            for c in &cells {
                by_cell.entry(*c).or_default().push(k);
            }
        }
        let mut points = Vec::new();
        for ks in by_cell.values() {
            for (i, &k) in ks.iter().enumerate() {
                for &l in &ks[i + 1..] {
                    let (a, b) = self.ends[k as usize];
                    let (c, d) = self.ends[l as usize];
                    if let Some(p) = crossing(a, b, c, d) {
                        points.push(p);
                    }
                }
            }
        }
        points
    }
}

/// The grid points every piece of the snapped arrangement must pass through: the ends of
/// the segments and their crossings, rounded, bucketed for lookup along a segment.
struct HotPixels {
    cell: i64,
    by_cell: HashMap<(i64, i64), Vec<IntPoint>>,
}

impl HotPixels {
    fn new(segments: &Segments) -> Self {
        let cell = cell_size(&segments.ends);
        let mut by_cell: HashMap<(i64, i64), Vec<IntPoint>> = HashMap::new();
        let mut seen = HashSet::new();
        let ends = segments.ends.iter().flat_map(|&(a, b)| [a, b]);
        for p in ends.chain(segments.crossings(cell)) {
            if seen.insert(p) {
                by_cell.entry(cell_of(p, cell)).or_default().push(p);
            }
        }
        Self { cell, by_cell }
    }

    /// Each segment bent through the hot pixels it passes, in order along it; the pieces
    /// merged where they coincide and dropped where their winding changes cancel; and
    /// whether any segment was bent.
    fn bend(&self, segments: &Segments) -> (Segments, bool) {
        let mut links = Segments::default();
        let mut bent = false;
        let mut cells = Vec::new();
        let mut through = Vec::new();
        for (k, &(a, b)) in segments.ends.iter().enumerate() {
            if segments.deltas[k].is_empty() {
                continue;
            }
            cells_along(a, b, self.cell, &mut cells);
            through.clear();
            for c in &cells {
                for &h in self.by_cell.get(c).into_iter().flatten() {
                    if h != a && h != b && passes(a, b, h) {
                        through.push((along(a, b, h), h));
                    }
                }
            }
            through.sort_unstable_by_key(|e| e.0);
            bent |= !through.is_empty();
            let mut previous = a;
            for &(_, h) in &through {
                links.add(previous, h, &segments.deltas[k]);
                previous = h;
            }
            links.add(previous, b, &segments.deltas[k]);
        }
        links.deltas.iter_mut().for_each(|d| d.retain(|e| e.1 != 0));
        (links, bent)
    }
}

/// A side of the grid's buckets: about twice the usual segment, so that a segment touches
/// few buckets and a bucket holds few segments.
fn cell_size(ends: &[(IntPoint, IntPoint)]) -> i64 {
    let total: i64 = ends
        .iter()
        .map(|(a, b)| {
            (i64::from(a.x) - i64::from(b.x))
                .abs()
                .max((i64::from(a.y) - i64::from(b.y)).abs())
        })
        .sum();
    let n = i64::try_from(ends.len()).unwrap_or(i64::MAX).max(1);
    (2 * total / n).clamp(4, 1 << 12)
}

fn cell_of(p: IntPoint, cell: i64) -> (i64, i64) {
    (
        i64::from(p.x).div_euclid(cell),
        i64::from(p.y).div_euclid(cell),
    )
}

/// The buckets within a unit of the segment from `a` to `b` (a hot pixel reaches half a
/// unit around its point), walked along the segment's longer axis.
fn cells_along(a: IntPoint, b: IntPoint, cell: i64, out: &mut Vec<(i64, i64)>) {
    out.clear();
    let steep = (b.y - a.y).abs() > (b.x - a.x).abs();
    // Along the major axis u, across it v.
    let (au, av, bu, bv) = if steep {
        (a.y, a.x, b.y, b.x)
    } else {
        (a.x, a.y, b.x, b.y)
    };
    let (au, av, bu, bv) = (i64::from(au), i64::from(av), i64::from(bu), i64::from(bv));
    let (u0, u1) = (au.min(bu), au.max(bu));
    let v_at = |u: i64| {
        if au == bu {
            av as f64
        } else {
            av as f64 + (bv - av) as f64 * (u - au) as f64 / (bu - au) as f64
        }
    };
    for cu in (u0 - 1).div_euclid(cell)..=(u1 + 1).div_euclid(cell) {
        let lo = (cu * cell - 1).clamp(u0, u1);
        let hi = ((cu + 1) * cell + 1).clamp(u0, u1);
        let (va, vb) = (v_at(lo), v_at(hi));
        // Coordinates of the grid are far inside i64, so the conversions are exact.
        #[allow(clippy::cast_possible_truncation)]
        let (v0, v1) = (
            (va.min(vb) - 1.0).floor() as i64,
            (va.max(vb) + 1.0).ceil() as i64,
        );
        for cv in v0.div_euclid(cell)..=v1.div_euclid(cell) {
            out.push(if steep { (cv, cu) } else { (cu, cv) });
        }
    }
}

/// Twice the signed area of the triangle `a`, `b`, `c`: positive when `c` is left of the line
/// from `a` to `b`.
fn orient(a: (i64, i64), b: (i64, i64), c: (i64, i64)) -> i128 {
    i128::from(b.0 - a.0) * i128::from(c.1 - a.1) - i128::from(b.1 - a.1) * i128::from(c.0 - a.0)
}

fn wide(p: IntPoint) -> (i64, i64) {
    (i64::from(p.x), i64::from(p.y))
}

/// Where the segment `a`–`b` crosses `c`–`d` inside both, rounded to the grid.
fn crossing(a: IntPoint, b: IntPoint, c: IntPoint, d: IntPoint) -> Option<IntPoint> {
    let (a, b, c, d) = (wide(a), wide(b), wide(c), wide(d));
    let (o1, o2) = (orient(a, b, c).signum(), orient(a, b, d).signum());
    let (o3, o4) = (orient(c, d, a).signum(), orient(c, d, b).signum());
    if o1 * o2 >= 0 || o3 * o4 >= 0 {
        return None;
    }
    let denominator = i128::from(b.0 - a.0) * i128::from(d.1 - c.1)
        - i128::from(b.1 - a.1) * i128::from(d.0 - c.0);
    let numerator = i128::from(c.0 - a.0) * i128::from(d.1 - c.1)
        - i128::from(c.1 - a.1) * i128::from(d.0 - c.0);
    let t = numerator as f64 / denominator as f64;
    // Between the ends of a segment on the grid, so within i32.
    #[allow(clippy::cast_possible_truncation)]
    Some(IntPoint::new(
        (a.0 as f64 + t * (b.0 - a.0) as f64).round() as i32,
        (a.1 as f64 + t * (b.1 - a.1) as f64).round() as i32,
    ))
}

/// Whether the segment from `a` to `b` passes through the hot pixel of `h`: the unit square
/// around it, its west and south sides included and its east and north sides not, so that
/// pixels tile the plane. Exact, in doubled coordinates where the square's sides are odd and
/// the segment's ends even.
fn passes(a: IntPoint, b: IntPoint, h: IntPoint) -> bool {
    let (a, b, h) = (wide(a), wide(b), wide(h));
    let (a, b) = ((2 * a.0, 2 * a.1), (2 * b.0, 2 * b.1));
    let (x0, x1, y0, y1) = (2 * h.0 - 1, 2 * h.0 + 1, 2 * h.1 - 1, 2 * h.1 + 1);
    if a.0.max(b.0) < x0 || a.0.min(b.0) > x1 || a.1.max(b.1) < y0 || a.1.min(b.1) > y1 {
        return false;
    }
    let corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)];
    let sides = corners.map(|c| orient(a, b, c).signum());
    let positive = sides.iter().filter(|s| **s > 0).count();
    let negative = sides.iter().filter(|s| **s < 0).count();
    if positive == 4 || negative == 4 {
        return false;
    }
    if positive + negative == 3 && (positive == 3 || negative == 3) {
        // The line only grazes one corner: the square holds it only if it is the south-west
        // one, and the segment only if the corner lies between its ends.
        let grazed = sides.iter().position(|s| *s == 0).unwrap_or(0);
        let (cx, cy) = corners[grazed];
        return grazed == 0
            && a.0.min(b.0) <= cx
            && cx <= a.0.max(b.0)
            && a.1.min(b.1) <= cy
            && cy <= a.1.max(b.1);
    }
    true
}

/// How far along the segment from `a` to `b` the point `h` lies, for ordering the pixels it
/// passes (in order along a segment, their points' projections strictly increase).
fn along(a: IntPoint, b: IntPoint, h: IntPoint) -> i128 {
    let (a, b, h) = (wide(a), wide(b), wide(h));
    i128::from(h.0 - a.0) * i128::from(b.0 - a.0) + i128::from(h.1 - a.1) * i128::from(b.1 - a.1)
}

/// The snapped arrangement as half-edges: half-edge `2k` runs along link `k` from its first
/// end to its second, `2k + 1` back. Its faces are traced as cycles with the face on the left.
struct Graph {
    /// The cycle each half-edge belongs to.
    cycle_of: Vec<usize>,
    /// Half-edges of each cycle, in order.
    cycles: Vec<Vec<usize>>,
}

impl Graph {
    fn new(links: &Segments) -> Self {
        let mut vertices: HashMap<IntPoint, Vec<usize>> = HashMap::new();
        for (k, &(a, b)) in links.ends.iter().enumerate() {
            vertices.entry(a).or_default().push(2 * k);
            vertices.entry(b).or_default().push(2 * k + 1);
        }
        let half_edges = 2 * links.ends.len();
        let mut next = vec![0; half_edges];
        let direction = |h: usize| {
            let (a, b) = links.ends[h / 2];
            let (from, to) = if h.is_multiple_of(2) { (a, b) } else { (b, a) };
            (
                i64::from(to.x) - i64::from(from.x),
                i64::from(to.y) - i64::from(from.y),
            )
        };
        for out in vertices.values_mut() {
            out.sort_by(|&g, &h| by_angle(direction(g), direction(h)));
            // Arriving along the twin of `out[i]`, the face on the left goes on along the
            // edge just clockwise of it.
            for i in 0..out.len() {
                let before = out[(i + out.len() - 1) % out.len()];
                next[out[i] ^ 1] = before;
            }
        }
        let mut cycle_of = vec![usize::MAX; half_edges];
        let mut cycles = Vec::new();
        for start in 0..half_edges {
            if cycle_of[start] != usize::MAX {
                continue;
            }
            let mut cycle = Vec::new();
            let mut h = start;
            while cycle_of[h] == usize::MAX {
                cycle_of[h] = cycles.len();
                cycle.push(h);
                h = next[h];
            }
            cycles.push(cycle);
        }
        Self { cycle_of, cycles }
    }

    /// The area each cycle's face belongs to. Within a connected part of the arrangement the
    /// winding numbers pass from face to face across each link; each part's first face is
    /// found by casting a ray, from a point just inside it, across all links.
    fn owners(&self, links: &Segments) -> Vec<Option<u32>> {
        let rays = Rays::new(links);
        let mut windings: Vec<Option<Deltas>> = vec![None; self.cycles.len()];
        let mut queue = Vec::new();
        for start in 0..self.cycles.len() {
            if windings[start].is_some() {
                continue;
            }
            windings[start] = Some(rays.winding(links, self.cycles[start][0]));
            queue.push(start);
            while let Some(c) = queue.pop() {
                let here = windings[c].clone().unwrap_or_default();
                for &h in &self.cycles[c] {
                    let across = self.cycle_of[h ^ 1];
                    if windings[across].is_some() {
                        continue;
                    }
                    // Left of h minus right of h is h's delta; the right of h is the left of
                    // its twin.
                    let sign = if h.is_multiple_of(2) { 1 } else { -1 };
                    let mut there = here.clone();
                    add_deltas(&mut there, &links.deltas[h / 2], -sign);
                    windings[across] = Some(there);
                    queue.push(across);
                }
            }
        }
        windings
            .into_iter()
            .map(|w| {
                w.unwrap_or_default()
                    .into_iter()
                    .filter(|e| e.1 > 0)
                    .max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(&x.0)))
                    .map(|e| e.0)
            })
            .collect()
    }
}

/// Where half-edge `h` starts.
fn start(links: &Segments, h: usize) -> IntPoint {
    let (a, b) = links.ends[h / 2];
    if h.is_multiple_of(2) {
        a
    } else {
        b
    }
}

fn add_deltas(to: &mut Deltas, deltas: &[(u32, i32)], sign: i32) {
    for &(owner, delta) in deltas {
        match to.iter_mut().find(|e| e.0 == owner) {
            Some(e) => e.1 += sign * delta,
            None => to.push((owner, sign * delta)),
        }
    }
}

/// Orders directions counter-clockwise from the positive x axis, exactly.
fn by_angle(u: (i64, i64), v: (i64, i64)) -> std::cmp::Ordering {
    let half = |d: (i64, i64)| u8::from(!(d.1 > 0 || (d.1 == 0 && d.0 > 0)));
    half(u)
        .cmp(&half(v))
        .then_with(|| 0.cmp(&orient((0, 0), u, v)))
}

/// Links bucketed by the rows they span, for casting horizontal rays.
struct Rays {
    rows: HashMap<i64, Vec<usize>>,
    row: i64,
    /// How far from an edge's middle a point still lies in the face beside it: less than
    /// half the distance from a half-integer point to any line through two grid points
    /// that misses it, 1 / (2 × the longest link).
    offset: f64,
}

impl Rays {
    fn new(links: &Segments) -> Self {
        let row = cell_size(&links.ends);
        let mut rows: HashMap<i64, Vec<usize>> = HashMap::new();
        let mut longest = 1.0_f64;
        for (k, &(a, b)) in links.ends.iter().enumerate() {
            let (y0, y1) = (a.y.min(b.y), a.y.max(b.y));
            for r in i64::from(y0).div_euclid(row)..=i64::from(y1).div_euclid(row) {
                rows.entry(r).or_default().push(k);
            }
            longest = longest.max(f64::from(b.x - a.x).hypot(f64::from(b.y - a.y)));
        }
        Self {
            rows,
            row,
            offset: 0.25 / longest,
        }
    }

    /// Winding numbers of the face left of half-edge `h`, at a point just left of its middle.
    fn winding(&self, links: &Segments, h: usize) -> Deltas {
        let (a, b) = links.ends[h / 2];
        let (from, to) = if h.is_multiple_of(2) { (a, b) } else { (b, a) };
        let (dx, dy) = (f64::from(to.x - from.x), f64::from(to.y - from.y));
        let length = dx.hypot(dy);
        let px = f64::midpoint(f64::from(from.x), f64::from(to.x)) - dy / length * self.offset;
        let py = f64::midpoint(f64::from(from.y), f64::from(to.y)) + dx / length * self.offset;
        // Within the grid's rows, so the conversion is exact.
        #[allow(clippy::cast_possible_truncation)]
        let row = (py.floor() as i64).div_euclid(self.row);
        let mut winding = Deltas::new();
        for &k in self.rows.get(&row).into_iter().flatten() {
            let (u, v) = links.ends[k];
            let (uy, vy) = (f64::from(u.y), f64::from(v.y));
            let side =
                (f64::from(v.x) - f64::from(u.x)) * (py - uy) - (vy - uy) * (px - f64::from(u.x));
            if uy <= py && py < vy && side > 0.0 {
                add_deltas(&mut winding, &links.deltas[k], 1);
            } else if vy <= py && py < uy && side < 0.0 {
                add_deltas(&mut winding, &links.deltas[k], -1);
            }
        }
        winding
    }
}

#[cfg(test)]
mod tests {
    use geo::{Area, BooleanOps, Coord, LineString, MultiPolygon, Polygon};

    use super::*;

    fn ring(points: &[(i32, i32)]) -> Ring {
        points.iter().map(|&(x, y)| IntPoint::new(x, y)).collect()
    }

    fn square(x: i32, y: i32, side: i32) -> Ring {
        ring(&[(x, y), (x + side, y), (x + side, y + side), (x, y + side)])
    }

    fn geometry(polygons: &GridPolygons) -> MultiPolygon<f64> {
        let line = |r: &Ring| {
            LineString::from(
                r.iter()
                    .map(|p| Coord {
                        x: f64::from(p.x),
                        y: f64::from(p.y),
                    })
                    .collect::<Vec<_>>(),
            )
        };
        MultiPolygon::new(
            polygons
                .iter()
                .map(|rings| Polygon::new(line(&rings[0]), rings[1..].iter().map(line).collect()))
                .collect(),
        )
    }

    fn area(polygons: &GridPolygons) -> f64 {
        geometry(polygons).unsigned_area()
    }

    fn overlap(a: &GridPolygons, b: &GridPolygons) -> f64 {
        geometry(a).intersection(&geometry(b)).unsigned_area()
    }

    #[test]
    fn neighbours_that_already_meet_exactly_are_kept_as_they_are() {
        let west = vec![vec![square(0, 0, 10)]];
        let east = vec![vec![square(10, 0, 10)]];
        let out = partition(&[west, east]);
        assert_eq!(area(&out[0]), 100.0);
        assert_eq!(area(&out[1]), 100.0);
        assert_eq!(overlap(&out[0], &out[1]), 0.0);
    }

    #[test]
    fn borders_that_rounding_made_cross_are_shared_once_snapped() {
        // The west area's eastern border leans east and the east area's western border leans
        // west: between them lies ground both claim.
        let west = vec![vec![ring(&[(0, 0), (10, 0), (13, 7), (10, 10), (0, 10)])]];
        let east = vec![vec![ring(&[(11, 0), (20, 0), (20, 10), (10, 10), (9, 3)])]];
        assert!(overlap(&west, &east) > 1.0);
        let out = partition(&[west, east]);
        assert_eq!(overlap(&out[0], &out[1]), 0.0, "{out:?}");
        // Every position of one on the other's border is one of the other's positions too.
        let positions = |p: &GridPolygons| -> std::collections::HashSet<IntPoint> {
            p.iter().flatten().flatten().copied().collect()
        };
        let shared: Vec<_> = positions(&out[0])
            .intersection(&positions(&out[1]))
            .copied()
            .collect();
        assert!(shared.len() >= 2, "{out:?}");
        let total = area(&out[0]) + area(&out[1]);
        assert_eq!(
            total,
            geometry(&out[0]).union(&geometry(&out[1])).unsigned_area()
        );
    }

    #[test]
    fn an_island_in_a_lake_belongs_to_the_area_that_holds_it() {
        // A with a lake; B an island in the lake; C an island of A's own inside the lake too.
        let a = vec![
            vec![square(0, 0, 30), square(5, 5, 20)],
            vec![square(20, 20, 3)],
        ];
        let b = vec![vec![square(8, 8, 5)]];
        let out = partition(&[a, b]);
        assert_eq!(area(&out[0]), 900.0 - 400.0 + 9.0);
        assert_eq!(area(&out[1]), 25.0);
        assert_eq!(overlap(&out[0], &out[1]), 0.0);
    }

    #[test]
    fn a_ring_crossing_itself_keeps_the_lobe_it_winds_round_the_right_way() {
        let folded = vec![vec![ring(&[(0, 0), (6, 6), (6, 0), (0, 2)])]];
        let out = partition(&[folded]);
        assert_eq!(out[0].len(), 1, "{out:?}");
        let twice = grid::twice_area(&out[0][0][0]);
        assert!((24..=30).contains(&twice), "{twice}: {out:?}");
    }

    #[test]
    fn a_pixel_is_passed_through_its_west_and_south_sides_only() {
        let h = IntPoint::new(0, 0);
        // Through the middle.
        assert!(passes(IntPoint::new(-3, -1), IntPoint::new(3, 1), h));
        // Grazing the north-east corner (0.5, 0.5): not in the pixel.
        assert!(!passes(IntPoint::new(0, 1), IntPoint::new(1, 0), h));
        // Grazing the south-west corner (-0.5, -0.5): in it.
        assert!(passes(IntPoint::new(-1, 0), IntPoint::new(0, -1), h));
        // Passing by.
        assert!(!passes(IntPoint::new(-3, 2), IntPoint::new(3, 2), h));
    }

    #[test]
    fn many_jittered_neighbours_never_share_ground() {
        // A grid of squares whose corners are each moved a few units, independently for the
        // two sides of every border, as rounding different geometry would.
        let mut seed = 12345_u64;
        let mut jitter = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            i32::try_from(seed >> 61).unwrap_or(0) - 3
        };
        let mut areas = Vec::new();
        for i in 0..6 {
            for j in 0..6 {
                let (x, y) = (i * 20, j * 20);
                let mut corners = Vec::new();
                for (cx, cy) in [
                    (x, y),
                    (x + 10, y),
                    (x + 20, y),
                    (x + 20, y + 20),
                    (x, y + 20),
                ] {
                    corners.push((cx + jitter(), cy + jitter()));
                }
                areas.push(vec![vec![ring(&corners)]]);
            }
        }
        let out = partition(&areas);
        for i in 0..out.len() {
            for j in i + 1..out.len() {
                assert_eq!(overlap(&out[i], &out[j]), 0.0, "{i} and {j}");
            }
        }
        let kept: f64 = out.iter().map(area).sum();
        assert!(kept > 0.8 * 36.0 * 400.0, "{kept}");
    }
}
