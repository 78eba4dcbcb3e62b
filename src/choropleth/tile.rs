//! A choropleth as a Mapbox Vector Tile: the boundary tile's two layers, the map's own level
//! carrying its areas' values, classes and colours.

use std::collections::HashMap;

use geozero::error::GeozeroError;
use geozero::mvt::TileValue;

use super::map::{Choropleth, MapArea};
use super::request::MapLevel;
use crate::spatial::atlas::Atlas;
use crate::spatial::mvt;
use crate::spatial::tile::TileId;
use crate::survey::values::RespondentValue;

/// The choropleth as a Mapbox Vector Tile: the boundary tile's two layers, the map's own
/// level carrying each of its areas' value, provenance, class, colour and class label (areas
/// outside the map are left out of that layer), the other level its outlines.
pub fn vector_tile(c: &Choropleth, atlas: &Atlas, tile: TileId) -> Result<Vec<u8>, GeozeroError> {
    let by_position: HashMap<usize, &MapArea> = c.areas.iter().map(|a| (a.index, a)).collect();
    let labels = |a: &MapArea| {
        a.class
            .and_then(|i| c.legend.get(i))
            .map_or_else(|| c.missing.label.clone(), |class| class.label.clone())
    };
    let valued = |i: usize| {
        let a = by_position.get(&i)?;
        let mut properties = vec![("colour", TileValue::Str(a.colour.clone()))];
        match &a.value {
            RespondentValue::Number(n) => properties.push(("value", TileValue::Double(*n))),
            RespondentValue::Category(v) => properties.push(("value", TileValue::Str(v.clone()))),
            RespondentValue::Missing => {}
        }
        if let Some(class) = a.class.and_then(|k| u64::try_from(k).ok()) {
            properties.push(("class", TileValue::Uint(class)));
        }
        if let Some(p) = a.provenance {
            properties.push(("provenance", TileValue::Str(p.as_str().to_owned())));
        }
        if let Some(y) = a.second {
            properties.push(("y", TileValue::Double(y)));
        }
        properties.push(("label", TileValue::Str(labels(a))));
        Some(properties)
    };
    let outline = |_: usize| Some(Vec::new());
    let (municipal, prefectural) = match c.spec.level() {
        MapLevel::Municipality => (
            mvt::area_layer(mvt::MUNICIPALITIES, &atlas.municipalities, tile, valued)?,
            mvt::area_layer(mvt::PREFECTURES, &atlas.prefectures, tile, outline)?,
        ),
        MapLevel::Prefecture => (
            mvt::area_layer(mvt::MUNICIPALITIES, &atlas.municipalities, tile, outline)?,
            mvt::area_layer(mvt::PREFECTURES, &atlas.prefectures, tile, valued)?,
        ),
    };
    Ok(mvt::encode(
        [municipal, prefectural]
            .into_iter()
            .filter(|l| !l.features.is_empty())
            .collect(),
    ))
}
