//! Mapbox Vector Tile encoding (spec 2.1) of areas cut to a tile: geozero's protobuf types,
//! geometry commands and key/value dictionaries.

use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use geozero::error::GeozeroError;
use geozero::mvt::{tile as pb, Message, TagsBuilder, Tile, TileValue};
use geozero::ToMvt;

use super::atlas::{Area, Atlas, Layer};
use super::grid::{GridPolygons, IntPoint};
use super::tile::{self, TileId, EXTENT};

/// One feature of a layer.
pub struct Feature<'a> {
    /// The feature id: the area's numeric code, which MapLibre's `promoteId` and feature
    /// state join on.
    pub id: u64,
    /// Properties, written through the layer's key and value dictionaries.
    pub properties: Vec<(&'static str, TileValue)>,
    /// Polygons in tile units, exteriors with positive area.
    pub polygons: &'a GridPolygons,
}

/// A layer of `features`, named `name`, at [`EXTENT`].
pub fn layer<'a>(
    name: &str,
    features: impl IntoIterator<Item = Feature<'a>>,
) -> Result<pb::Layer, GeozeroError> {
    let mut tags = TagsBuilder::new();
    let mut written = Vec::new();
    for feature in features {
        let mut encoded =
            Geometry::MultiPolygon(multipolygon(feature.polygons)).to_mvt_unscaled()?;
        encoded.id = Some(feature.id);
        for (key, value) in feature.properties {
            let (k, v) = tags.insert_ref(key, value);
            encoded.tags.extend([k, v]);
        }
        written.push(encoded);
    }
    let (keys, values) = tags.into_tags();
    Ok(pb::Layer {
        version: 2,
        name: name.to_owned(),
        features: written,
        keys,
        values: values.into_iter().map(Into::into).collect(),
        extent: Some(EXTENT),
    })
}

/// The tile of these layers, as protobuf bytes (uncompressed).
pub fn encode(layers: Vec<pb::Layer>) -> Vec<u8> {
    Tile { layers }.encode_to_vec()
}

/// Grid polygons as geo's closed rings, which the geometry writer takes.
fn multipolygon(polygons: &GridPolygons) -> MultiPolygon<f64> {
    let ring = |r: &Vec<IntPoint>| {
        let mut coords: Vec<Coord<f64>> = r
            .iter()
            .map(|p| Coord {
                x: f64::from(p.x),
                y: f64::from(p.y),
            })
            .collect();
        coords.extend(coords.first().copied());
        LineString::from(coords)
    };
    MultiPolygon::new(
        polygons
            .iter()
            .filter_map(|rings| {
                let (exterior, holes) = rings.split_first()?;
                Some(Polygon::new(
                    ring(exterior),
                    holes.iter().map(ring).collect(),
                ))
            })
            .collect(),
    )
}

/// Properties every tile gives an area: its code, name, prefecture, kind (municipalities) and
/// whether it is administered (false for the Northern Territories villages).
pub fn area_properties(area: &Area) -> Vec<(&'static str, TileValue)> {
    let mut properties = vec![
        ("code", TileValue::Str(area.code.clone())),
        ("name", TileValue::Str(area.name.clone())),
        ("prefecture", TileValue::Str(area.prefecture.clone())),
    ];
    if let Some(kind) = area.kind {
        properties.push(("kind", TileValue::Str(kind.as_str().to_owned())));
        properties.push(("administered", TileValue::Bool(area.administered)));
    }
    properties
}

/// The layer `name` of what `tile` shows of `areas`: each area with [`area_properties`] and
/// what `more` adds for it by position (`None` leaves the area out of the layer).
pub fn area_layer(
    name: &str,
    areas: &Layer,
    tile: TileId,
    more: impl Fn(usize) -> Option<Vec<(&'static str, TileValue)>>,
) -> Result<pb::Layer, GeozeroError> {
    let cut = tile::areas(areas, tile);
    let features = cut.iter().filter_map(|part| {
        let area = areas.areas.get(part.index)?;
        let mut properties = area_properties(area);
        properties.extend(more(part.index)?);
        Some(Feature {
            // Codes are digits by construction; a code that is not stays without an id.
            id: area.code.parse().unwrap_or_default(),
            properties,
            polygons: &part.polygons,
        })
    });
    layer(name, features)
}

/// The boundary tile: a `municipalities` and a `prefectures` layer, either left out where
/// the tile holds none of it.
pub fn boundary_tile(atlas: &Atlas, tile: TileId) -> Result<Vec<u8>, GeozeroError> {
    let layers = [
        area_layer(MUNICIPALITIES, &atlas.municipalities, tile, |_| {
            Some(Vec::new())
        })?,
        area_layer(PREFECTURES, &atlas.prefectures, tile, |_| Some(Vec::new()))?,
    ];
    Ok(encode(
        layers
            .into_iter()
            .filter(|l| !l.features.is_empty())
            .collect(),
    ))
}

/// Name of the municipal layer.
pub const MUNICIPALITIES: &str = "municipalities";
/// Name of the prefectural layer.
pub const PREFECTURES: &str = "prefectures";
