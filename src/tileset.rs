//! The tile set as a whole: which tiles hold something, its TileJSON 3.0 description, and
//! every tile written to one file (PMTiles or MBTiles) for static hosting.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use flate2::write::GzEncoder;
use geo::BoundingRect;
use pmtiles::{PmTilesWriter, TileCoord, TileType};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, Statement, TransactionTrait};
use serde_json::{json, Value};

pub use crate::error::ExportError;
use crate::spatial::atlas::Atlas;
use crate::spatial::mvt::{self, MUNICIPALITIES, PREFECTURES};
use crate::spatial::tile::{TileId, MAX_ZOOM};
use crate::spatial::CREDIT;

/// What a tile set is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ArchiveFormat {
    /// PMTiles 3: one file a map reads by HTTP range requests, from any static host.
    Pmtiles,
    /// MBTiles 1.3: an SQLite database of tiles, which tile servers (martin, tileserver-gl)
    /// and QGIS read.
    Mbtiles,
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct ExportReport {
    /// Tiles written (tiles over sea only are left out).
    pub tiles: usize,
    /// Tiles per zoom.
    pub per_zoom: Vec<usize>,
    /// Size of the file.
    pub bytes: u64,
    /// Seconds taken.
    pub seconds: f64,
}

impl std::fmt::Display for ExportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} tiles, {} bytes, in {:.1} s",
            self.tiles, self.bytes, self.seconds
        )?;
        for (z, n) in self.per_zoom.iter().enumerate() {
            writeln!(f, "  zoom {z}: {n} tiles")?;
        }
        Ok(())
    }
}

/// West, south, east and north of every boundary.
pub fn bounds(atlas: &Atlas) -> [f64; 4] {
    atlas
        .prefectures
        .areas
        .iter()
        .filter_map(|a| a.geometry.bounding_rect())
        .fold(
            [f64::MAX, f64::MAX, f64::MIN, f64::MIN],
            |[w, s, e, n], r| {
                [
                    w.min(r.min().x),
                    s.min(r.min().y),
                    e.max(r.max().x),
                    n.max(r.max().y),
                ]
            },
        )
}

/// Tiles from zoom 0 to `max_zoom` that meet some prefecture's bounding box, in z/x/y order.
pub fn candidate_tiles(atlas: &Atlas, max_zoom: u8) -> BTreeSet<TileId> {
    let mut tiles = BTreeSet::new();
    for z in 0..=max_zoom.min(MAX_ZOOM) {
        for area in &atlas.prefectures.areas {
            let Some(rect) = area.geometry.bounding_rect() else {
                continue;
            };
            let Ok(origin) = TileId::new(z, 0, 0) else {
                continue;
            };
            let last = (1_u32 << z) - 1;
            let column = |units: f64| tile_index(units, last);
            let nw = origin.project(geo::Coord {
                x: rect.min().x,
                y: rect.max().y,
            });
            let se = origin.project(geo::Coord {
                x: rect.max().x,
                y: rect.min().y,
            });
            for x in column(nw.x)..=column(se.x) {
                for y in column(nw.y)..=column(se.y) {
                    tiles.extend(TileId::new(z, x, y).ok());
                }
            }
        }
    }
    tiles
}

/// The tile index a position in zoom-origin units falls in, within 0..=last.
fn tile_index(units: f64, last: u32) -> u32 {
    let index = (units / f64::from(crate::spatial::tile::EXTENT)).floor();
    // Clamped to 0..=last first, so the conversion is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let index = index.clamp(0.0, f64::from(last)) as u32;
    index
}

/// What a tile set holds and where its tiles are.
#[derive(Debug, Clone, Copy)]
pub struct TileSet<'a> {
    /// Its name.
    pub name: &'a str,
    /// The tile URL template; none for an archive, which holds its tiles.
    pub tiles: Option<&'a str>,
    /// The deepest zoom it has tiles for (from zoom 0).
    pub max_zoom: u8,
    /// West, south, east and north of what its tiles show.
    pub bounds: [f64; 4],
}

/// A TileJSON 3.0 document of the two layers of `set`, of dataset `version`, with `values` the
/// layer a map's values are on and the fields they add.
pub fn tilejson(
    set: &TileSet<'_>,
    version: i64,
    credits: &[&str],
    values: Option<(&str, &[(&str, &str)])>,
) -> Value {
    let TileSet {
        name,
        tiles,
        max_zoom,
        bounds: [west, south, east, north],
    } = *set;
    let mut municipal = json!({
        "code": "String: the five-digit local government code without its check digit",
        "name": "String: the Japanese name",
        "prefecture": "String: the two-digit prefecture code",
        "kind": "String: the kind of municipality",
        "administered": "Boolean: false for the Northern Territories villages",
    });
    let mut prefectural = json!({
        "code": "String: the two-digit prefecture code",
        "name": "String: the Japanese name",
        "prefecture": "String: the two-digit prefecture code",
    });
    if let Some((layer, extra)) = values {
        let valued = if layer == PREFECTURES {
            &mut prefectural
        } else {
            &mut municipal
        };
        if let Some(fields) = valued.as_object_mut() {
            for (field, about) in extra {
                fields.insert((*field).to_owned(), json!(about));
            }
        }
    }
    let max_zoom = max_zoom.min(MAX_ZOOM);
    let mut document = json!({
        "tilejson": "3.0.0",
        "name": name,
        "version": format!("1.0.{}", version.max(0)),
        "attribution": credits.join(" / "),
        "scheme": "xyz",
        "minzoom": 0,
        "maxzoom": max_zoom,
        "bounds": [west, south, east, north],
        "center": [f64::midpoint(west, east), f64::midpoint(south, north), center_zoom(max_zoom)],
        "vector_layers": [
            {"id": MUNICIPALITIES, "description": "Municipalities (N03), simplified per zoom; feature id the numeric code", "minzoom": 0, "maxzoom": max_zoom, "fields": municipal},
            {"id": PREFECTURES, "description": "Prefectures (N03), simplified per zoom; feature id the numeric code", "minzoom": 0, "maxzoom": max_zoom, "fields": prefectural},
        ],
    });
    // TileJSON requires `tiles` of a tile server; an archive's readers take the tiles it holds,
    // and an empty template would send them to a URL that is not there.
    if let (Some(template), Some(members)) = (tiles, document.as_object_mut()) {
        members.insert("tiles".into(), json!([template]));
    }
    document
}

/// The zoom a viewer opens at: all of Japan in view (zoom 4), or the deepest zoom a shallower
/// tile set has.
fn center_zoom(max_zoom: u8) -> u8 {
    max_zoom.min(4)
}

/// Writes every boundary tile from zoom 0 to `max_zoom` that holds something into `path`.
pub async fn export(
    atlas: std::sync::Arc<Atlas>,
    version: i64,
    format: ArchiveFormat,
    max_zoom: u8,
    path: &Path,
) -> Result<ExportReport, ExportError> {
    if max_zoom > MAX_ZOOM {
        return Err(ExportError::Zoom(max_zoom));
    }
    let started = Instant::now();
    let build_atlas = std::sync::Arc::clone(&atlas);
    let tiles = tokio::task::spawn_blocking(move || built_tiles(&build_atlas, max_zoom))
        .await
        .map_err(|e| ExportError::File {
            path: path.display().to_string(),
            source: std::io::Error::other(e),
        })??;
    let mut per_zoom = vec![0; usize::from(max_zoom) + 1];
    for (tile, _) in &tiles {
        per_zoom[usize::from(tile.z)] += 1;
    }
    let set = TileSet {
        name: "DX Atlas: municipal and prefectural boundaries",
        tiles: None,
        max_zoom,
        bounds: held_bounds(&tiles, max_zoom, bounds(&atlas)),
    };
    let metadata = tilejson(&set, version, &[CREDIT], None);
    match format {
        ArchiveFormat::Pmtiles => write_pmtiles(&tiles, &metadata, &set, path)?,
        ArchiveFormat::Mbtiles => write_mbtiles(&tiles, &metadata, max_zoom, path).await?,
    }
    let bytes = std::fs::metadata(path).map_err(file_error(path))?.len();
    Ok(ExportReport {
        tiles: tiles.len(),
        per_zoom,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Tiles with their encoded bytes.
type Encoded = Vec<(TileId, Vec<u8>)>;

/// What the tiles of the deepest zoom show of `data` (the boundaries' own bounds): the data
/// within those tiles. Islands too small for that zoom are not drawn, so the tiles may stop
/// short of the data (Minamitorishima at zoom 7), and an archive must not promise more.
fn held_bounds(tiles: &[(TileId, Vec<u8>)], max_zoom: u8, data: [f64; 4]) -> [f64; 4] {
    let deepest = tiles.iter().map(|(t, _)| t.z).max().unwrap_or(max_zoom);
    let covered = tiles
        .iter()
        .filter(|(t, _)| t.z == deepest)
        .map(|(t, _)| t.bounds())
        .reduce(|[w, s, e, n], [w2, s2, e2, n2]| [w.min(w2), s.min(s2), e.max(e2), n.max(n2)]);
    match covered {
        Some([w, s, e, n]) => [
            data[0].max(w),
            data[1].max(s),
            data[2].min(e),
            data[3].min(n),
        ],
        None => data,
    }
}

/// Every candidate tile that holds something, encoded, on all cores.
fn built_tiles(atlas: &Atlas, max_zoom: u8) -> Result<Encoded, ExportError> {
    let candidates: Vec<TileId> = candidate_tiles(atlas, max_zoom).into_iter().collect();
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let chunk = candidates.len().div_ceil(workers).max(1);
    let parts: Vec<Result<Encoded, ExportError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = candidates
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut out = Vec::with_capacity(part.len());
                    for tile in part {
                        let body = mvt::boundary_tile(atlas, *tile).map_err(|source| {
                            ExportError::Encode {
                                tile: format!("{}/{}/{}", tile.z, tile.x, tile.y),
                                source,
                            }
                        })?;
                        if !body.is_empty() {
                            out.push((*tile, body));
                        }
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(ExportError::File {
                        path: String::new(),
                        source: std::io::Error::other("a tile worker panicked"),
                    })
                })
            })
            .collect()
    });
    let mut tiles = Vec::with_capacity(candidates.len());
    for part in parts {
        tiles.extend(part?);
    }
    Ok(tiles)
}

/// The error of an input or output on `path`.
fn file_error(path: &Path) -> impl Fn(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::File {
        path: path.display().to_string(),
        source,
    }
}

fn write_pmtiles(
    tiles: &[(TileId, Vec<u8>)],
    metadata: &Value,
    set: &TileSet<'_>,
    path: &Path,
) -> Result<(), ExportError> {
    let file = std::fs::File::create(path).map_err(file_error(path))?;
    let [west, south, east, north] = set.bounds;
    let max_zoom = set.max_zoom;
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .min_zoom(0)
        .max_zoom(max_zoom)
        .bounds(west, south, east, north)
        .center(f64::midpoint(west, east), f64::midpoint(south, north))
        .center_zoom(center_zoom(max_zoom))
        .metadata(metadata.to_string())
        .create(file)?;
    // PMTiles wants tiles in the order of their Hilbert ids.
    let mut ordered: Vec<(u64, &TileId, &Vec<u8>)> = Vec::with_capacity(tiles.len());
    for (tile, body) in tiles {
        let coord = TileCoord::new(tile.z, tile.x, tile.y)?;
        ordered.push((pmtiles::TileId::from(coord).value(), tile, body));
    }
    ordered.sort_by_key(|(id, _, _)| *id);
    for (_, tile, body) in ordered {
        writer.add_tile(TileCoord::new(tile.z, tile.x, tile.y)?, body)?;
    }
    writer.finalize()?;
    Ok(())
}

async fn write_mbtiles(
    tiles: &[(TileId, Vec<u8>)],
    metadata: &Value,
    max_zoom: u8,
    path: &Path,
) -> Result<(), ExportError> {
    let file_error = file_error(path);
    if path.exists() {
        std::fs::remove_file(path).map_err(&file_error)?;
    }
    // Thousands of inserts: not one log line each.
    let mut options = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
    options.sqlx_logging(false);
    let db = Database::connect(options).await?;
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    for statement in [
        "CREATE TABLE metadata (name TEXT NOT NULL PRIMARY KEY, value TEXT)",
        "CREATE TABLE tiles (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, tile_data BLOB, PRIMARY KEY (zoom_level, tile_column, tile_row))",
    ] {
        txn.execute(Statement::from_string(backend, statement)).await?;
    }
    for (name, value) in mbtiles_metadata(metadata, max_zoom) {
        txn.execute(Statement::from_sql_and_values(
            backend,
            "INSERT INTO metadata (name, value) VALUES (?, ?)",
            [name.into(), value.into()],
        ))
        .await?;
    }
    for (tile, body) in tiles {
        // MBTiles counts rows from the south (TMS), and stores vector tiles gzipped.
        let row = (1_u32 << tile.z) - 1 - tile.y;
        let mut gzip = GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(body).map_err(&file_error)?;
        let data = gzip.finish().map_err(&file_error)?;
        txn.execute(Statement::from_sql_and_values(
            backend,
            "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)",
            [
                i32::from(tile.z).into(),
                i64::from(tile.x).into(),
                i64::from(row).into(),
                data.into(),
            ],
        ))
        .await?;
    }
    txn.commit().await?;
    db.close().await?;
    Ok(())
}

/// The rows of an MBTiles `metadata` table, from the tile set's TileJSON.
fn mbtiles_metadata(metadata: &Value, max_zoom: u8) -> [(&'static str, String); 10] {
    let [west, south, east, north] = metadata["bounds"]
        .as_array()
        .map(|b| {
            let v = |i: usize| b.get(i).and_then(Value::as_f64).unwrap_or_default();
            [v(0), v(1), v(2), v(3)]
        })
        .unwrap_or_default();
    let fields = json!({"vector_layers": metadata["vector_layers"]}).to_string();
    [
        (
            "name",
            metadata["name"].as_str().unwrap_or("DX Atlas").to_owned(),
        ),
        ("format", "pbf".to_owned()),
        ("type", "overlay".to_owned()),
        (
            "version",
            metadata["version"].as_str().unwrap_or("1").to_owned(),
        ),
        ("bounds", format!("{west},{south},{east},{north}")),
        (
            "center",
            format!(
                "{},{},{}",
                f64::midpoint(west, east),
                f64::midpoint(south, north),
                center_zoom(max_zoom)
            ),
        ),
        ("minzoom", "0".to_owned()),
        ("maxzoom", max_zoom.to_string()),
        ("attribution", CREDIT.to_owned()),
        ("json", fields),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_bounds_are_the_data_within_the_deepest_tiles() {
        let tile = |z, x, y| (TileId::new(z, x, y).unwrap(), vec![1_u8]);
        // Zoom 1's north-east tile is 0..180°E, 0..85°N; the data reaches past it to the west.
        let tiles = [tile(0, 0, 0), tile(1, 1, 0)];
        let data = [-10.0, 20.0, 150.0, 50.0];
        assert_eq!(held_bounds(&tiles, 1, data), [0.0, 20.0, 150.0, 50.0]);
        // Without tiles the data's bounds stand.
        assert_eq!(held_bounds(&[], 3, data), data);
    }
}
