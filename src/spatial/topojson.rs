//! TopoJSON decoding (the format of mbostock's topojson specification, 1.0).
//!
//! Written here rather than taken from the `topojson` crate because DX Atlas keeps the
//! shared arcs themselves: the topology is what lets neighbouring borders be simplified once
//! and found again for neighbour queries, and that crate decodes straight to GeoJSON.

use std::collections::{BTreeMap, HashSet};

use geo::Coord;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

use super::rings::RawGeometry;
use super::{coverage, grid};

/// A parsed topology: the arcs in absolute WGS 84 coordinates, and the named objects.
#[derive(Debug)]
pub struct Topology {
    /// Arcs, each a sequence of lon/lat positions, delta decoding and transform applied.
    pub arcs: Vec<Vec<Coord<f64>>>,
    /// The top-level objects by name.
    pub objects: BTreeMap<String, TopoGeometry>,
}

/// One geometry object of a topology.
#[derive(Debug, Deserialize)]
pub struct TopoGeometry {
    /// `Polygon`, `MultiPolygon`, `GeometryCollection`, or null for a feature without geometry.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Arc references, nested as the type requires.
    #[serde(default)]
    pub arcs: Option<Value>,
    /// Members of a `GeometryCollection`.
    #[serde(default)]
    pub geometries: Vec<TopoGeometry>,
    /// The feature's properties.
    #[serde(default)]
    pub properties: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct RawTopology {
    #[serde(rename = "type")]
    kind: String,
    arcs: Vec<Vec<Vec<f64>>>,
    transform: Option<Transform>,
    objects: BTreeMap<String, TopoGeometry>,
}

#[derive(Deserialize)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

/// A feature decoded from a topology: its properties and geometry.
#[derive(Debug)]
pub struct DecodedFeature {
    /// Properties as in the file.
    pub properties: Map<String, Value>,
    /// Polygon rings as decoded, not yet validated; `None` for a null geometry.
    pub geometry: Option<RawGeometry>,
}

/// Why a TopoJSON document could not be read: what is wrong, and where in the document.
#[derive(Debug, Error)]
pub enum TopoJsonError {
    /// Not JSON of a topology's shape.
    #[error("not TopoJSON: {0}")]
    NotJson(#[source] serde_json::Error),
    /// JSON whose `type` is not `Topology`.
    #[error("type is `{0}`, expected `Topology`")]
    NotTopology(String),
    /// A position of an arc with fewer than two numbers.
    #[error("arc {arc}: position {position} has fewer than two numbers")]
    ShortPosition {
        /// The arc's index.
        arc: usize,
        /// The position's index in it.
        position: usize,
    },
}

impl Topology {
    /// Parses a TopoJSON document and decodes its arcs.
    pub fn parse(bytes: &[u8]) -> Result<Self, TopoJsonError> {
        let raw: RawTopology = serde_json::from_slice(bytes).map_err(TopoJsonError::NotJson)?;
        if raw.kind != "Topology" {
            return Err(TopoJsonError::NotTopology(raw.kind));
        }
        let arcs = raw
            .arcs
            .iter()
            .enumerate()
            .map(|(i, arc)| {
                decode_arc(arc, raw.transform.as_ref())
                    .map_err(|position| TopoJsonError::ShortPosition { arc: i, position })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            arcs,
            objects: raw.objects,
        })
    }

    /// The features of the named object (a `GeometryCollection`, or a single geometry).
    pub fn features(&self, object: &str) -> Result<Vec<DecodedFeature>, (Option<usize>, String)> {
        let root = self
            .objects
            .get(object)
            .ok_or_else(|| (None, format!("no object named `{object}`")))?;
        let members: Vec<&TopoGeometry> = if root.kind.as_deref() == Some("GeometryCollection") {
            root.geometries.iter().collect()
        } else {
            vec![root]
        };
        members
            .into_iter()
            .enumerate()
            .map(|(i, g)| {
                Ok(DecodedFeature {
                    properties: g.properties.clone().unwrap_or_default(),
                    geometry: self.geometry(g).map_err(|e| (Some(i), e))?,
                })
            })
            .collect()
    }

    /// The name of the only object, when there is exactly one.
    pub fn single_object(&self) -> Option<&str> {
        let mut names = self.objects.keys();
        match (names.next(), names.next()) {
            (Some(name), None) => Some(name),
            _ => None,
        }
    }

    fn geometry(&self, g: &TopoGeometry) -> Result<Option<RawGeometry>, String> {
        let arcs = || g.arcs.as_ref().ok_or("geometry has no `arcs`");
        match g.kind.as_deref() {
            None => Ok(None),
            Some("Polygon") => Ok(Some(vec![self.polygon(arcs()?)?])),
            Some("MultiPolygon") => {
                let polygons = arcs()?
                    .as_array()
                    .ok_or("MultiPolygon arcs are not an array")?;
                Ok(Some(
                    polygons
                        .iter()
                        .map(|p| self.polygon(p))
                        .collect::<Result<_, _>>()?,
                ))
            }
            Some(other) => Err(format!(
                "geometry type `{other}` is not a boundary (Polygon or MultiPolygon expected)"
            )),
        }
    }

    fn polygon(&self, rings: &Value) -> Result<Vec<Vec<Coord<f64>>>, String> {
        rings
            .as_array()
            .ok_or("polygon arcs are not an array")?
            .iter()
            .map(|ring| self.ring(ring))
            .collect()
    }

    /// Stitches a ring from arc references; `~i` (that is, `-i - 1`) is arc `i` reversed.
    fn ring(&self, refs: &Value) -> Result<Vec<Coord<f64>>, String> {
        let refs = refs.as_array().ok_or("ring arcs are not an array")?;
        let mut ring: Vec<Coord<f64>> = Vec::new();
        for r in refs {
            let index = r
                .as_i64()
                .ok_or_else(|| format!("arc reference `{r}` is not an integer"))?;
            let (arc_index, reversed) = if index < 0 {
                (!index, true)
            } else {
                (index, false)
            };
            let arc = usize::try_from(arc_index)
                .ok()
                .and_then(|i| self.arcs.get(i))
                .ok_or_else(|| {
                    format!(
                        "arc reference {index} is out of range (the topology has {} arcs)",
                        self.arcs.len()
                    )
                })?;
            let start = usize::from(!ring.is_empty());
            if reversed {
                ring.extend(arc.iter().rev().skip(start));
            } else {
                ring.extend(arc.iter().skip(start));
            }
        }
        Ok(ring)
    }
}

/// The arc's positions, or the index of one with fewer than two numbers.
fn decode_arc(arc: &[Vec<f64>], transform: Option<&Transform>) -> Result<Vec<Coord<f64>>, usize> {
    let mut out = Vec::with_capacity(arc.len());
    let (mut x, mut y) = (0.0, 0.0);
    for (j, position) in arc.iter().enumerate() {
        let [px, py] = position
            .get(..2)
            .and_then(|s| <[f64; 2]>::try_from(s).ok())
            .ok_or(j)?;
        out.push(match transform {
            // Quantized topologies store the first position absolute and the rest as deltas.
            Some(t) => {
                x += px;
                y += py;
                Coord {
                    x: x * t.scale[0] + t.translate[0],
                    y: y * t.scale[1] + t.translate[1],
                }
            }
            None => Coord { x: px, y: py },
        });
    }
    Ok(out)
}

/// A quantized, delta-encoded topology: the arcs and, per geometry of the input, its polygons
/// as references into them. Serializing it writes the `transform`, `bbox` and `arcs` members;
/// the caller writes `objects`, whose geometries carry their own properties.
#[derive(Debug, Serialize)]
pub struct EncodedTopology {
    /// Scale and translation from quantized to WGS 84 positions.
    pub transform: EncodedTransform,
    /// West, south, east, north.
    pub bbox: [f64; 4],
    /// Arcs: a first quantized position, then deltas.
    pub arcs: Vec<Vec<[i64; 2]>>,
    /// Per input geometry: polygons → rings → references into `arcs`.
    #[serde(skip)]
    pub geometries: Vec<Vec<Vec<Vec<i64>>>>,
}

/// The `transform` member of a topology.
#[derive(Debug, Serialize)]
pub struct EncodedTransform {
    /// Degrees per quantization step, per axis.
    pub scale: [f64; 2],
    /// The south-west corner.
    pub translate: [f64; 2],
}

/// Encodes arcs and geometries (each: polygons → rings → arc references into `arcs`) as a
/// quantized, delta-encoded topology, keeping only the arcs the geometries use.
/// `quantization` is the number of distinguishable positions per axis (e.g. 1e5).
// Longer than most: the used arcs, their quantization and the re-indexed geometries are one
// pass of the encoding, each step reading the one before.
pub fn encode(
    arcs: &[Vec<Coord<f64>>],
    geometries: &[&[Vec<Vec<i64>>]],
    quantization: u32,
) -> EncodedTopology {
    use super::topology::resolve;
    let mut new_index: Vec<Option<usize>> = vec![None; arcs.len()];
    let mut used: Vec<usize> = Vec::new();
    for g in geometries {
        for r in g.iter().flatten().flatten() {
            let (i, _) = resolve(*r);
            if i < arcs.len() && new_index[i].is_none() {
                new_index[i] = Some(used.len());
                used.push(i);
            }
        }
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in used.iter().flat_map(|i| &arcs[*i]) {
        x0 = x0.min(c.x);
        y0 = y0.min(c.y);
        x1 = x1.max(c.x);
        y1 = y1.max(c.y);
    }
    let q = f64::from(quantization.max(2)) - 1.0;
    let kx = if x1 > x0 { (x1 - x0) / q } else { 1.0 };
    let ky = if y1 > y0 { (y1 - y0) / q } else { 1.0 };
    let encoded: Vec<Vec<[i64; 2]>> = used
        .iter()
        .map(|i| {
            let mut out: Vec<[i64; 2]> = Vec::with_capacity(arcs[*i].len());
            let (mut px, mut py) = (0i64, 0i64);
            let last = arcs[*i].len().saturating_sub(1);
            for (j, c) in arcs[*i].iter().enumerate() {
                // Positions lie within the box, so each quantizes to 0..quantization.
                #[allow(clippy::cast_possible_truncation)]
                let (qx, qy) = (
                    ((c.x - x0) / kx).round() as i64,
                    ((c.y - y0) / ky).round() as i64,
                );
                // Positions that quantize onto the previous one are dropped, but an arc keeps
                // both ends so that its rings still join.
                if j > 0 && j < last && qx == px && qy == py {
                    continue;
                }
                if j == 0 {
                    out.push([qx, qy]);
                } else {
                    out.push([qx - px, qy - py]);
                }
                px = qx;
                py = qy;
            }
            out
        })
        .collect();
    let remap = |r: i64| -> i64 {
        let (i, reversed) = resolve(r);
        let n = new_index
            .get(i)
            .copied()
            .flatten()
            .and_then(|n| i64::try_from(n).ok())
            .unwrap_or(0);
        if reversed {
            !n
        } else {
            n
        }
    };
    let geometries = geometries
        .iter()
        .map(|g| {
            g.iter()
                .map(|rings| {
                    rings
                        .iter()
                        .map(|ring| ring.iter().map(|r| remap(*r)).collect())
                        .collect()
                })
                .collect()
        })
        .collect();
    let mut topology = EncodedTopology {
        transform: EncodedTransform {
            scale: [kx, ky],
            translate: [x0, y0],
        },
        bbox: [x0, y0, x1, y1],
        arcs: encoded,
        geometries,
    };
    snap_together(&mut topology);
    topology
}

/// Quantizing puts positions on a grid, which can fold a narrow part of an area over another
/// as rounding does, and simplification can make islands of neighbours overlap. So the
/// geometries are snapped to the quantization grid together ([`coverage::partition`]); each
/// geometry that changed is drawn with arcs of its own, appended, with the same positions as
/// its neighbours wherever they meet. Geometries that did not change keep their shared arcs.
fn snap_together(topology: &mut EncodedTopology) {
    let absolute: Vec<Vec<[i64; 2]>> = topology
        .arcs
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0, 0);
            arc.iter()
                .map(|[dx, dy]| {
                    x += dx;
                    y += dy;
                    [x, y]
                })
                .collect()
        })
        .collect();
    let decoded: Vec<Vec<Vec<Vec<[i64; 2]>>>> = topology
        .geometries
        .iter()
        .map(|g| {
            g.iter()
                .map(|rings| rings.iter().map(|refs| stitched(&absolute, refs)).collect())
                .collect()
        })
        .collect();
    let on_grid: Vec<grid::GridPolygons> = decoded
        .iter()
        .map(|g| {
            g.iter()
                .map(|rings| rings.iter().map(|ring| grid_ring(ring)).collect())
                .collect()
        })
        .collect();
    let snapped = coverage::partition(&on_grid);
    for (g, (before, after)) in on_grid.iter().zip(snapped).enumerate() {
        if edges(before) == edges(&after) && parts(before) == parts(&after) {
            continue;
        }
        let mut polygons = Vec::new();
        for rings in after {
            let mut refs = Vec::new();
            for ring in rings {
                refs.push(vec![i64::try_from(topology.arcs.len()).unwrap_or(i64::MAX)]);
                topology.arcs.push(delta_encoded(&ring));
            }
            polygons.push(refs);
        }
        topology.geometries[g] = polygons;
    }
}

/// How many rings each polygon has, in order of that count: the same edges can be joined
/// differently, as a ring that passes through one position twice (GEOS refuses it) and as the
/// two rings snapping makes of it.
fn parts(polygons: &grid::GridPolygons) -> Vec<usize> {
    let mut rings: Vec<usize> = polygons.iter().map(Vec::len).collect();
    rings.sort_unstable();
    rings
}

/// The edges of polygons on a grid, each way round alike.
fn edges(polygons: &grid::GridPolygons) -> HashSet<(grid::IntPoint, grid::IntPoint)> {
    let mut out = HashSet::new();
    for ring in polygons.iter().flatten() {
        let Some(&last) = ring.last() else { continue };
        let mut previous = last;
        for &p in ring {
            if p != previous {
                let key = if (p.x, p.y) < (previous.x, previous.y) {
                    (p, previous)
                } else {
                    (previous, p)
                };
                out.insert(key);
            }
            previous = p;
        }
    }
    out
}

/// A ring of absolute quantized positions from arc references, as TopoJSON clients join
/// them: each arc after the first without its first position.
fn stitched(arcs: &[Vec<[i64; 2]>], refs: &[i64]) -> Vec<[i64; 2]> {
    use super::topology::resolve;
    let mut ring: Vec<[i64; 2]> = Vec::new();
    for r in refs {
        let (i, reversed) = resolve(*r);
        let Some(arc) = arcs.get(i) else { continue };
        let mut positions: Vec<[i64; 2]> = arc.clone();
        if reversed {
            positions.reverse();
        }
        let skip = usize::from(!ring.is_empty());
        ring.extend(positions.into_iter().skip(skip));
    }
    ring
}

/// A closed ring of quantized positions as an open grid ring. Quantized positions lie in
/// 0..=1e8, inside the grid's range.
fn grid_ring(ring: &[[i64; 2]]) -> grid::Ring {
    let open = ring.split_last().map_or(ring, |(_, rest)| rest);
    open.iter()
        .map(|&[x, y]| {
            grid::IntPoint::new(
                i32::try_from(x).unwrap_or(i32::MAX),
                i32::try_from(y).unwrap_or(i32::MAX),
            )
        })
        .collect()
}

/// An open grid ring as a closed, delta-encoded arc.
fn delta_encoded(ring: &[grid::IntPoint]) -> Vec<[i64; 2]> {
    let mut out = Vec::with_capacity(ring.len() + 1);
    let (mut px, mut py) = (0_i64, 0_i64);
    for p in ring.iter().chain(ring.first()) {
        let (x, y) = (i64::from(p.x), i64::from(p.y));
        out.push(if out.is_empty() {
            [x, y]
        } else {
            [x - px, y - py]
        });
        px = x;
        py = y;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Two arcs forming the unit square at (100, 30) with scale 1/2 (delta-encoded):
    // arc 0 runs west→east→north, arc 1 north-east→west→south.
    const SQUARE: &str = r#"{"type":"Topology","transform":{"scale":[0.5,0.5],"translate":[100,30]},
        "arcs":[[[0,0],[2,0],[0,2]],[[2,2],[-2,0],[0,-2]]],
        "objects":{"o":{"type":"GeometryCollection","geometries":[
          {"type":"Polygon","arcs":[[0,1]],"properties":{"N03_007":"13104"}},
          {"type":"Polygon","arcs":[[-2,-1]]},
          {"type":null}]}}}"#;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn decodes_delta_encoded_quantized_arcs() {
        let topo = Topology::parse(SQUARE.as_bytes()).unwrap();
        assert_eq!(
            topo.arcs[0],
            vec![c(100.0, 30.0), c(101.0, 30.0), c(101.0, 31.0)]
        );
        let features = topo.features("o").unwrap();
        let ring = &features[0].geometry.as_ref().unwrap()[0][0];
        assert_eq!(
            ring,
            &vec![
                c(100.0, 30.0),
                c(101.0, 30.0),
                c(101.0, 31.0),
                c(100.0, 31.0),
                c(100.0, 30.0)
            ]
        );
        let reversed = &features[1].geometry.as_ref().unwrap()[0][0];
        assert_eq!(
            reversed,
            &vec![
                c(100.0, 30.0),
                c(100.0, 31.0),
                c(101.0, 31.0),
                c(101.0, 30.0),
                c(100.0, 30.0)
            ]
        );
        assert!(features[2].geometry.is_none());
    }

    #[test]
    fn an_arc_out_of_range_names_the_feature() {
        let topo = Topology::parse(SQUARE.replace("[[0,1]]", "[[0,7]]").as_bytes()).unwrap();
        let (index, reason) = topo.features("o").unwrap_err();
        assert_eq!(index, Some(0));
        assert!(reason.contains("arc reference 7"), "{reason}");
    }
}
