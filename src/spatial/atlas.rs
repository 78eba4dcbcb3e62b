//! The in-memory spatial model: every boundary with its topology, simplification levels,
//! contiguity and a spatial index, built from the rows `readmodel` loads. The boundaries are a
//! few megabytes and change only on import, so map requests never touch the database for them.

use std::collections::HashMap;
use std::sync::Arc;

use geo::{BoundingRect, Intersects, MultiPolygon, Point, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::coverage;
use super::geojson::{rounded_polygons, GeometryWriter};
use super::grid::{Positions, MAX_SNAPPED_DECIMALS};
use super::levels::{BuildGate, LevelBusy, LevelCache, Patience};
use super::simplify::{refined, simplify, Level, Simplified};
use super::topojson::{encode, EncodedTopology};
use super::topology::Topology;

/// One area of a layer.
#[derive(Debug, Clone)]
pub struct Area {
    /// Two-digit or five-digit code.
    pub code: String,
    /// Japanese name.
    pub name: String,
    /// Prefecture code.
    pub prefecture: String,
    /// Kind of municipality (`None` for prefectures).
    pub kind: Option<crate::domain::MunicipalityKind>,
    /// False for the Northern Territories villages.
    pub administered: bool,
    /// Boundary (empty when the file had none).
    pub geometry: MultiPolygon<f64>,
}

type Indexed = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Areas of one level with their topology and index.
pub struct Layer {
    /// Areas in code order.
    pub areas: Vec<Area>,
    by_code: HashMap<String, usize>,
    /// Shared arcs of all areas.
    pub topology: Topology,
    rook: Vec<Vec<usize>>,
    queen: Vec<Vec<usize>>,
    index: RTree<Indexed>,
    simplified: LevelCache<(u64, u64), Simplified>,
    drawn: LevelCache<(u64, u64, u8), Drawn>,
    encoded: LevelCache<EncodedKey, EncodedTopology>,
}

/// A TopoJSON topology's level (tolerance and island bits), quantization, decimals of the
/// arcs' refinement, and the digest of the areas it draws.
type EncodedKey = (u64, u64, u32, u8, [u8; 16]);

/// Simplifications kept per layer: the zooms of a web map and a few explicit tolerances.
const SIMPLIFIED_ENTRIES: usize = 24;
/// Bytes of simplified arcs kept per layer (full precision is some 20 MB of positions).
const SIMPLIFIED_BYTES: usize = 96 << 20;
/// Written geometries kept per layer: zooms × precisions a map page asks for.
const DRAWN_ENTRIES: usize = 24;
/// Bytes of written geometry kept per layer.
const DRAWN_BYTES: usize = 64 << 20;

/// TopoJSON topologies kept per layer: one per level, precision and set of areas mapped (the
/// whole country, a prefecture, a population band).
const ENCODED_ENTRIES: usize = 32;
/// Bytes of encoded topology kept per layer.
const ENCODED_BYTES: usize = 64 << 20;

/// A layer's geometry at one level and precision, written once as GeoJSON geometry objects
/// (one per area, by position; `null` for an area rounded to nothing). Every map document of
/// that level copies these bytes instead of formatting some 400,000 coordinates again.
pub struct Drawn {
    /// Geometry of each area, by position in the layer.
    pub geometries: Vec<Box<RawValue>>,
    /// The simplification drawn: the level's, with the arcs of any area the grid would have
    /// collapsed refined (see [`Layer::drawn`]).
    simplified: Arc<Simplified>,
}

impl Drawn {
    /// The written geometry's bytes (the simplification is mostly the level's own, counted in
    /// its cache).
    fn bytes(&self) -> usize {
        self.geometries.iter().map(|g| g.get().len()).sum()
    }
}

fn encoded_bytes(t: &EncodedTopology) -> usize {
    let positions: usize = t.arcs.iter().map(Vec::len).sum();
    let refs: usize = t.geometries.iter().flatten().flatten().map(Vec::len).sum();
    (positions * 2 + refs) * std::mem::size_of::<i64>()
}

fn simplified_bytes(s: &Simplified) -> usize {
    let positions: usize = s.arcs.iter().map(Vec::len).sum();
    let refs: usize = s.shapes.iter().flatten().flatten().map(Vec::len).sum();
    positions * std::mem::size_of::<geo::Coord<f64>>() + refs * std::mem::size_of::<i64>()
}

impl Layer {
    /// The layer of `areas`, named `name` in `/metrics`, its levels built through `gate`.
    fn new(areas: Vec<Area>, name: &'static str, gate: &Arc<BuildGate>) -> Self {
        let shapes: Vec<MultiPolygon<f64>> = areas.iter().map(|a| a.geometry.clone()).collect();
        let topology = Topology::build(&shapes);
        let rook = topology.rook_neighbours();
        let queen = topology.queen_neighbours();
        let index = RTree::bulk_load(
            areas
                .iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    let r: Rect<f64> = a.geometry.bounding_rect()?;
                    Some(GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i,
                    ))
                })
                .collect(),
        );
        let by_code = areas
            .iter()
            .enumerate()
            .map(|(i, a)| (a.code.clone(), i))
            .collect();
        Self {
            areas,
            by_code,
            topology,
            rook,
            queen,
            index,
            simplified: LevelCache::new(
                SIMPLIFIED_ENTRIES,
                SIMPLIFIED_BYTES,
                simplified_bytes,
                Arc::clone(gate),
                ("simplified", name),
            ),
            drawn: LevelCache::new(
                DRAWN_ENTRIES,
                DRAWN_BYTES,
                Drawn::bytes,
                Arc::clone(gate),
                ("drawn", name),
            ),
            encoded: LevelCache::new(
                ENCODED_ENTRIES,
                ENCODED_BYTES,
                encoded_bytes,
                Arc::clone(gate),
                ("encoded", name),
            ),
        }
    }

    /// The position of the area with this code.
    pub fn position(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// The area containing a position (on a border: either side), found through the index.
    pub fn at(&self, lon: f64, lat: f64) -> Option<usize> {
        let point = Point::new(lon, lat);
        self.index
            .locate_all_at_point(&[lon, lat])
            .map(|hit| hit.data)
            .filter(|i| self.areas[*i].geometry.intersects(&point))
            .min()
    }

    /// Areas whose boundary meets a bounding box.
    pub fn intersecting(&self, rect: Rect<f64>) -> Vec<usize> {
        let envelope =
            AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        let polygon = rect.to_polygon();
        let mut out: Vec<usize> = self
            .index
            .locate_in_envelope_intersecting(&envelope)
            .map(|hit| hit.data)
            .filter(|i| self.areas[*i].geometry.intersects(&polygon))
            .collect();
        out.sort_unstable();
        out
    }

    /// Areas whose bounding box meets `rect`, in code order: what a tile may hold.
    pub fn overlapping(&self, rect: Rect<f64>) -> Vec<usize> {
        let envelope =
            AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        let mut out: Vec<usize> = self
            .index
            .locate_in_envelope_intersecting(&envelope)
            .map(|hit| hit.data)
            .collect();
        out.sort_unstable();
        out
    }

    /// Areas sharing a border with area `i` (rook contiguity).
    pub fn rook(&self, i: usize) -> &[usize] {
        self.rook.get(i).map_or(&[], Vec::as_slice)
    }

    /// Rook contiguity of every area.
    pub fn rook_all(&self) -> &[Vec<usize>] {
        &self.rook
    }

    /// Queen contiguity (sharing a border or a corner) of every area.
    pub fn queen_all(&self) -> &[Vec<usize>] {
        &self.queen
    }

    /// The topology simplified to `level`, computed once per level and kept while used.
    pub fn simplified(&self, level: Level) -> Arc<Simplified> {
        let key = (level.tolerance.to_bits(), level.min_island_km2.to_bits());
        self.simplified
            .get_or_wait(key, || simplify(&self.topology, level))
    }

    /// [`Self::simplified`], or [`LevelBusy`] when it is not built and no build can start
    /// within the gate's wait: what a request asks before it draws.
    pub fn try_simplified(&self, level: Level) -> Result<Arc<Simplified>, LevelBusy> {
        let key = (level.tolerance.to_bits(), level.min_island_km2.to_bits());
        self.simplified
            .get_or_insert_with(key, Patience::Refuse, || simplify(&self.topology, level))
    }

    /// The areas at positions `indices` at `level` as a TopoJSON topology quantized to
    /// `quantization` steps per axis ([`encode`]: shared arcs, snapped to the quantization grid
    /// as one arrangement), encoded once per level, quantization and set of areas,
    /// and kept while used: every map of those areas shares it, whatever its values. Its arcs
    /// are those the GeoJSON of `level` at `decimals` (the quantization's grid, or about)
    /// draws, refined where that grid would collapse an area.
    pub fn encoded(
        &self,
        level: Level,
        decimals: u8,
        indices: &[usize],
        quantization: u32,
    ) -> Arc<EncodedTopology> {
        let mut digest = Sha256::new();
        for i in indices {
            digest.update(i.to_le_bytes());
        }
        let mut areas = [0; 16];
        areas.copy_from_slice(&digest.finalize()[..16]);
        let key = (
            level.tolerance.to_bits(),
            level.min_island_km2.to_bits(),
            quantization,
            decimals,
            areas,
        );
        self.encoded.get_or_wait(key, || {
            let drawn = self.drawn(level, decimals);
            let simplified = &drawn.simplified;
            let shapes: Vec<&[Vec<Vec<i64>>]> = indices
                .iter()
                .map(|&i| simplified.shapes.get(i).map_or(&[][..], Vec::as_slice))
                .collect();
            encode(&simplified.arcs, &shapes, quantization)
        })
    }

    /// Every area's geometry at `level`, rounded to `decimals` and snapped to that grid as one
    /// arrangement ([`coverage::snapped`]: valid, borders shared, no ground drawn twice),
    /// written as GeoJSON once and kept while used. Simplification keeps each area valid on
    /// its own, but a coarse grid can still collapse a needle it left narrower than a grid
    /// step: the arcs of an area the arrangement lost are simplified again at half their
    /// tolerance, and the map snapped again, until every area that can be drawn at all on
    /// this grid is (the neighbours along refined arcs draw the same refined border).
    pub fn drawn(&self, level: Level, decimals: u8) -> Arc<Drawn> {
        self.drawn
            .get_or_wait(drawn_key(level, decimals), || self.draw(level, decimals))
    }

    /// [`Self::drawn`], or [`LevelBusy`] when it is not drawn and no build can start within
    /// the gate's wait: what a request asks before it renders a map.
    pub fn try_drawn(&self, level: Level, decimals: u8) -> Result<Arc<Drawn>, LevelBusy> {
        self.drawn
            .get_or_insert_with(drawn_key(level, decimals), Patience::Refuse, || {
                self.draw(level, decimals)
            })
    }

    /// Draws every area at `level` and `decimals` (see [`Self::drawn`]).
    fn draw(&self, level: Level, decimals: u8) -> Drawn {
        let mut simplified = self.simplified(level);
        loop {
            let drawn = coverage::snapped(self.rounded(&simplified, decimals), decimals);
            let lost: Vec<usize> = drawn
                .iter()
                .enumerate()
                .filter(|(i, polygons)| polygons.is_empty() && self.drawable(*i, decimals))
                .map(|(i, _)| i)
                .collect();
            let finer = (!lost.is_empty())
                .then(|| refined(&self.topology, &simplified, level, &lost))
                .flatten();
            let Some(finer) = finer else {
                let geometries = drawn
                    .iter()
                    .map(|polygons| write_geometry(&GeometryWriter(polygons)))
                    .collect();
                return Drawn {
                    geometries,
                    simplified,
                };
            };
            simplified = Arc::new(finer);
        }
    }

    /// The stored boundary of area `i` rounded to `decimals` (at most
    /// [`MAX_SNAPPED_DECIMALS`]), snapped with every other area of the layer as one
    /// arrangement: the same border as its neighbours', position for position. `None` for an
    /// area the layer does not hold; JSON `null` for one rounded to nothing;
    /// [`LevelBusy`] when the layer is not drawn at those decimals yet and no build can start
    /// within the gate's wait.
    pub fn precise(&self, i: usize, decimals: u8) -> Result<Option<Box<RawValue>>, LevelBusy> {
        let drawn = self.try_drawn(Level::FULL, decimals.min(MAX_SNAPPED_DECIMALS))?;
        Ok(drawn.geometries.get(i).cloned())
    }

    /// Every area of `simplified`, its positions rounded to `decimals`.
    fn rounded(&self, simplified: &Simplified, decimals: u8) -> Vec<Positions> {
        simplified
            .shapes
            .iter()
            .map(|shape| {
                rounded_polygons(
                    shape.iter().map(|rings| {
                        rings
                            .iter()
                            .map(|r| self.topology.ring(r, &simplified.arcs))
                    }),
                    Some(decimals),
                )
            })
            .collect()
    }

    /// Whether area `i` in full keeps a polygon rounded to `decimals`: one smaller than the
    /// grid has no room there, however finely it is simplified.
    fn drawable(&self, i: usize, decimals: u8) -> bool {
        self.topology.shapes.get(i).is_some_and(|shape| {
            !rounded_polygons(
                shape.iter().map(|rings| {
                    rings
                        .iter()
                        .map(|r| self.topology.ring(r, &self.topology.arcs))
                }),
                Some(decimals),
            )
            .is_empty()
        })
    }
}

/// The key of a drawn level: tolerance and island bits, decimals.
fn drawn_key(level: Level, decimals: u8) -> (u64, u64, u8) {
    (
        level.tolerance.to_bits(),
        level.min_island_km2.to_bits(),
        decimals,
    )
}

/// One geometry as raw JSON. Writing finite numbers and arrays cannot fail; if it ever did,
/// the area would be drawn without geometry (`null`) rather than fail every map of the level.
fn write_geometry(geometry: &GeometryWriter<'_>) -> Box<RawValue> {
    serde_json::value::to_raw_value(geometry).unwrap_or_default()
}

/// Zooms whose simplification and drawn geometry (at the zoom's own precision) are computed
/// when the model is built rather than on first use:
/// the API's default (6) and the map page's first view (7). The map page's fine detail (9),
/// asked for once a user zooms in, is left to its first request: simplifying with every shape
/// checked valid costs some 0.4 s a level, and first start has a budget of 5 s.
pub const PRECOMPUTED_ZOOMS: [u8; 2] = [6, 7];

/// Both layers.
pub struct Atlas {
    /// All 1,747 municipalities (administered or not).
    pub municipalities: Layer,
    /// The 47 prefectures.
    pub prefectures: Layer,
}

impl Atlas {
    /// Builds the model of both layers: their topology, neighbours and index, and the
    /// simplifications and drawn geometry of [`PRECOMPUTED_ZOOMS`]. CPU work of a few hundred milliseconds.
    /// Every level build, now and later, passes `gate`.
    pub fn build(municipalities: Vec<Area>, prefectures: Vec<Area>, gate: &Arc<BuildGate>) -> Self {
        let atlas = Atlas {
            municipalities: Layer::new(municipalities, "municipalities", gate),
            prefectures: Layer::new(prefectures, "prefectures", gate),
        };
        for zoom in PRECOMPUTED_ZOOMS {
            let level = Level::for_zoom(zoom);
            for layer in [&atlas.municipalities, &atlas.prefectures] {
                layer.drawn(level, level.decimals());
            }
        }
        atlas
    }
}
