//! Web Mercator tiles (OGC's WebMercatorQuad, the z/x/y scheme of every web map): which areas
//! a tile holds, and their geometry in the tile's 4096 units, simplified from the same
//! topology as the GeoJSON of that zoom, clipped to the tile and its buffer, and valid on the
//! tile's integer grid.

use std::f64::consts::PI;

use geo::{Coord, Rect};
use thiserror::Error;

use super::atlas::Layer;
use super::coverage;
use super::grid::{GridPolygons, IntPoint, Ring};
use super::simplify::Level;

/// Units across a tile (spec 2.1's usual extent).
pub const EXTENT: u32 = 4096;
/// Units of geometry kept beyond each edge, so that a renderer's strokes and labels at the
/// edge join those of the next tile.
pub const BUFFER: i32 = 64;
/// Deepest zoom served: at 14 a tile unit is under 2.5 m, finer than the boundaries.
pub const MAX_ZOOM: u8 = 14;

/// Latitude where Web Mercator stops (the square world of zoom 0).
const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// A tile's address; ordered by zoom, then column, then row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Zoom, 0 to [`MAX_ZOOM`].
    pub z: u8,
    /// Column from the antimeridian eastwards.
    pub x: u32,
    /// Row from the north.
    pub y: u32,
}

/// A tile address that does not exist.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TileError {
    /// Deeper than [`MAX_ZOOM`].
    #[error("zoom {0} is deeper than tiles are served (0 to {MAX_ZOOM})")]
    Zoom(u8),
    /// A column or row beyond the zoom's `2^z` tiles.
    #[error("tile {x}/{y} does not exist at zoom {z}: columns and rows run from 0 to {last}")]
    Outside {
        /// Zoom.
        z: u8,
        /// Column asked for.
        x: u32,
        /// Row asked for.
        y: u32,
        /// Last column and row of the zoom.
        last: u32,
    },
}

impl TileId {
    /// The tile at `z`/`x`/`y`, if it exists.
    pub fn new(z: u8, x: u32, y: u32) -> Result<Self, TileError> {
        if z > MAX_ZOOM {
            return Err(TileError::Zoom(z));
        }
        let last = (1_u32 << z) - 1;
        if x > last || y > last {
            return Err(TileError::Outside { z, x, y, last });
        }
        Ok(Self { z, x, y })
    }

    /// Tiles of the world at this zoom, per axis.
    fn count(self) -> f64 {
        f64::from(1_u32 << self.z)
    }

    /// The position of a WGS 84 longitude/latitude in this tile's units (y down), unclipped.
    pub fn project(self, c: Coord<f64>) -> Coord<f64> {
        let world = self.count() * f64::from(EXTENT);
        let lat = c.y.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
        Coord {
            x: (c.x + 180.0) / 360.0 * world - f64::from(self.x) * f64::from(EXTENT),
            y: (1.0 - lat.tan().asinh() / PI) / 2.0 * world - f64::from(self.y) * f64::from(EXTENT),
        }
    }

    /// Longitude/latitude of a position in this tile's units.
    fn unproject(self, x: f64, y: f64) -> Coord<f64> {
        let world = self.count() * f64::from(EXTENT);
        let gx = (f64::from(self.x) * f64::from(EXTENT) + x) / world;
        let gy = (f64::from(self.y) * f64::from(EXTENT) + y) / world;
        Coord {
            x: gx * 360.0 - 180.0,
            y: (PI * (1.0 - 2.0 * gy)).sinh().atan().to_degrees(),
        }
    }

    /// West, south, east and north of the tile, in degrees.
    pub fn bounds(self) -> [f64; 4] {
        let extent = f64::from(EXTENT);
        let nw = self.unproject(0.0, 0.0);
        let se = self.unproject(extent, extent);
        [nw.x, se.y, se.x, nw.y]
    }

    /// The tile and its buffer, in degrees.
    fn buffered(self) -> Rect<f64> {
        let (lo, hi) = (-f64::from(BUFFER), f64::from(EXTENT) + f64::from(BUFFER));
        Rect::new(self.unproject(lo, hi), self.unproject(hi, lo))
    }
}

/// One area's part of a tile.
#[derive(Debug, Clone)]
pub struct TileArea {
    /// Position in the layer.
    pub index: usize,
    /// Polygons in tile units (y down), exteriors with positive area as spec 2.1 wants them.
    pub polygons: GridPolygons,
}

/// The areas of `layer` that `tile` shows, in code order, each simplified at the tile's zoom
/// ([`Level::for_zoom`], as the GeoJSON of that zoom), clipped to the tile and its buffer and
/// snapped to the tile's grid together ([`coverage::partition`]): valid, and neighbours
/// sharing their borders position for position, with no ground drawn twice.
pub fn areas(layer: &Layer, tile: TileId) -> Vec<TileArea> {
    let simplified = layer.simplified(Level::for_zoom(tile.z));
    let window = Window::buffered();
    let (indices, shapes): (Vec<usize>, Vec<GridPolygons>) = layer
        .overlapping(tile.buffered())
        .into_iter()
        .filter_map(|index| {
            let shape = simplified.shapes.get(index)?;
            let polygons: GridPolygons = shape
                .iter()
                .map(|rings| {
                    rings
                        .iter()
                        .map(|r| {
                            let ring = layer.topology.ring(r, &simplified.arcs);
                            window.clip(ring.iter().map(|c| tile.project(*c)).collect())
                        })
                        .filter(|ring| ring.len() >= 3)
                        .collect::<Vec<_>>()
                })
                .filter(|rings| !rings.is_empty())
                .collect();
            (!polygons.is_empty()).then_some((index, polygons))
        })
        .unzip();
    coverage::partition(&shapes)
        .into_iter()
        .zip(indices)
        .filter(|(polygons, _)| !polygons.is_empty())
        .map(|(polygons, index)| TileArea { index, polygons })
        .collect()
}

/// The tile's square with its buffer, in tile units.
struct Window {
    lo: f64,
    hi: f64,
}

/// An edge of the window, as the clipping passes take them.
#[derive(Clone, Copy)]
enum Edge {
    West,
    East,
    North,
    South,
}

impl Window {
    fn buffered() -> Self {
        Self {
            lo: -f64::from(BUFFER),
            hi: f64::from(EXTENT) + f64::from(BUFFER),
        }
    }

    fn inside(&self, edge: Edge, c: Coord<f64>) -> bool {
        match edge {
            Edge::West => c.x >= self.lo,
            Edge::East => c.x <= self.hi,
            Edge::North => c.y >= self.lo,
            Edge::South => c.y <= self.hi,
        }
    }

    /// Where the segment from `a` to `b` crosses the edge's line.
    fn crossing(&self, edge: Edge, a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
        let at_x = |x: f64| Coord {
            x,
            y: a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x),
        };
        let at_y = |y: f64| Coord {
            x: a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y),
            y,
        };
        match edge {
            Edge::West => at_x(self.lo),
            Edge::East => at_x(self.hi),
            Edge::North => at_y(self.lo),
            Edge::South => at_y(self.hi),
        }
    }

    /// A closed ring clipped to the window (Sutherland–Hodgman, one pass per edge), then
    /// rounded to the grid and opened. Written here because a tile needs only a rectangle cut,
    /// in one linear pass per edge, of areas that may have thousands of positions outside
    /// it; geo's boolean operations would run a full overlay on every one of them. Where the
    /// cut leaves a concave area joined along the edge by a seam of no width, the snapping that
    /// follows removes the seam (its two edges cancel), as PostGIS's `ST_AsMVTGeom` does after
    /// its own cut.
    fn clip(&self, ring: Vec<Coord<f64>>) -> Ring {
        let mut points = ring;
        // The closing position is implied from here on.
        if points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        for edge in [Edge::West, Edge::East, Edge::North, Edge::South] {
            if points.is_empty() {
                break;
            }
            let mut out = Vec::with_capacity(points.len() + 4);
            let mut previous = points[points.len() - 1];
            for &current in &points {
                let (was_in, is_in) = (self.inside(edge, previous), self.inside(edge, current));
                if is_in != was_in {
                    out.push(self.crossing(edge, previous, current));
                }
                if is_in {
                    out.push(current);
                }
                previous = current;
            }
            points = out;
        }
        let mut grid_ring: Ring = Vec::with_capacity(points.len());
        for c in points {
            // Within the window, a few thousand units either way, so the conversion is exact.
            #[allow(clippy::cast_possible_truncation)]
            let p = IntPoint::new(c.x.round() as i32, c.y.round() as i32);
            if grid_ring.last() != Some(&p) {
                grid_ring.push(p);
            }
        }
        while grid_ring.len() > 1 && grid_ring.first() == grid_ring.last() {
            grid_ring.pop();
        }
        grid_ring
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_outside_the_zoom_are_refused() {
        assert_eq!(TileId::new(15, 0, 0), Err(TileError::Zoom(15)));
        assert!(matches!(
            TileId::new(3, 8, 0),
            Err(TileError::Outside { last: 7, .. })
        ));
        assert!(TileId::new(3, 7, 7).is_ok());
    }

    #[test]
    fn tokyo_station_falls_in_its_tile_at_zoom_10() {
        // Tokyo Station (139.7671, 35.6812) is in tile 10/909/403 of every XYZ map.
        let tile = TileId::new(10, 909, 403).unwrap();
        let p = tile.project(Coord {
            x: 139.7671,
            y: 35.6812,
        });
        assert!(
            (0.0..4096.0).contains(&p.x) && (0.0..4096.0).contains(&p.y),
            "{p:?}"
        );
        let [w, s, e, n] = tile.bounds();
        assert!(w < 139.7671 && 139.7671 < e && s < 35.6812 && 35.6812 < n);
    }

    #[test]
    fn a_ring_larger_than_the_tile_is_cut_to_the_buffered_square() {
        let window = Window::buffered();
        let big = vec![
            Coord { x: -1e4, y: -1e4 },
            Coord { x: 1e4, y: -1e4 },
            Coord { x: 1e4, y: 1e4 },
            Coord { x: -1e4, y: 1e4 },
            Coord { x: -1e4, y: -1e4 },
        ];
        let clipped = window.clip(big);
        assert_eq!(clipped.len(), 4);
        let side = i64::from(EXTENT) + 2 * i64::from(BUFFER);
        assert_eq!(
            crate::spatial::grid::twice_area(&clipped).abs(),
            2 * side * side
        );
    }
}
