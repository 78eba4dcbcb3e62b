//! Benchmarks of the map path, on the shipped boundaries and the calibrated R5 answers in a
//! temporary SQLite database loaded as `dx-atlas serve` loads an empty one:
//! building a whole-country municipality choropleth, encoding it as GeoJSON and TopoJSON,
//! locating points, and classifying values. Run with `cargo bench --bench map_path`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use dx_atlas::choropleth::{self, render, ChoroplethRequest, Format, MapData, MapSpec};
use dx_atlas::context::statistics::Statistics;
use dx_atlas::import::{import_boundaries, ImportSources};
use dx_atlas::spatial::atlas::Atlas;
use dx_atlas::spatial::levels::BuildGate;
use dx_atlas::spatial::simplify::{simplify, Level};
use dx_atlas::stats::classify::{classify, Method};
use dx_atlas::survey::values::AnswerMemo;
use dx_atlas::{db, survey};
use sea_orm::DatabaseConnection;
use tokio::runtime::Runtime;

struct Fixture {
    runtime: Runtime,
    db: DatabaseConnection,
    atlas: Atlas,
    statistics: Statistics,
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// The fixture's map data with `answers` as the answers already read: a fresh memo reads
    /// them from the database, as the first map of an indicator does.
    fn data<'a>(&'a self, answers: &'a AnswerMemo) -> MapData<'a> {
        MapData {
            atlas: &self.atlas,
            statistics: &self.statistics,
            answers,
        }
    }
}

fn fixture() -> Fixture {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.sqlite").display()
    );
    let (db, atlas) = runtime.block_on(async {
        let db = db::connect(&url).await.unwrap();
        db::migrate(&db).await.unwrap();
        let sources = ImportSources::locate(None, None, None).unwrap();
        import_boundaries(&db, &sources).await.unwrap();
        survey::seed::ensure_r5(&db).await.unwrap();
        let atlas = dx_atlas::readmodel::load_atlas(
            &db,
            &std::sync::Arc::new(BuildGate::per_core(std::time::Duration::from_secs(1))),
        )
        .await
        .unwrap();
        (db, atlas)
    });
    Fixture {
        runtime,
        db,
        atlas,
        // The maps measured here read no statistic.
        statistics: Statistics::default(),
        _dir: dir,
    }
}

/// The whole-country municipality map of CIO appointment at the default zoom, as the map page
/// first asks for it.
fn whole_country(format: Format) -> MapSpec {
    MapSpec::try_from(ChoroplethRequest::whole_country("cio.appointed"))
        .unwrap()
        .with_format(format)
}

fn choropleths(c: &mut Criterion) {
    let f = fixture();
    let build = |spec: MapSpec| {
        f.runtime
            .block_on(choropleth::build(
                &f.db,
                f.data(&AnswerMemo::default()),
                spec,
            ))
            .unwrap()
    };
    // The read model keeps each simplification level once computed; warm the default one as
    // a running server has.
    let geojson = build(whole_country(Format::GeoJson));
    let topojson = build(whole_country(Format::TopoJson));
    render::document_bytes(&geojson, &f.atlas).unwrap();

    let mut group = c.benchmark_group("whole_country_choropleth");
    group.bench_function("build", |b| {
        b.iter(|| build(black_box(whole_country(Format::GeoJson))));
    });
    group.bench_function("encode_geojson", |b| {
        b.iter(|| render::document_bytes(black_box(&geojson), &f.atlas).unwrap());
    });
    // The same document built as a JSON tree first and then written, as it was before the
    // writer streamed: the ratio is what streaming saves.
    group.bench_function("encode_geojson_through_value_tree", |b| {
        b.iter(|| {
            let tree =
                serde_json::to_value(render::GeoJsonDocument::new(black_box(&geojson), &f.atlas))
                    .unwrap();
            serde_json::to_vec(&tree).unwrap()
        });
    });
    group.bench_function("encode_topojson", |b| {
        b.iter(|| render::document_bytes(black_box(&topojson), &f.atlas).unwrap());
    });
    group.bench_function("build_and_encode_geojson", |b| {
        b.iter(|| {
            let built = build(black_box(whole_country(Format::GeoJson)));
            render::document_bytes(&built, &f.atlas).unwrap()
        });
    });
    group.sample_size(10);
    group.bench_function("simplify_zoom_6", |b| {
        b.iter(|| simplify(&f.atlas.municipalities.topology, Level::for_zoom(6)));
    });
    group.finish();

    // Points across the country, on land and at sea: stations, capes, bays, the open ocean.
    let points: Vec<(f64, f64)> = (0..200)
        .map(|i| {
            let t = f64::from(i) / 200.0;
            (128.0 + 18.0 * t, 26.0 + 19.0 * ((t * 7.0).fract()))
        })
        .chain([
            (139.7671, 35.6812),
            (141.3545, 43.0687),
            (127.6811, 26.2124),
        ])
        .collect();
    c.bench_function("point_in_polygon/municipality_at", |b| {
        b.iter(|| {
            points
                .iter()
                .filter_map(|(lon, lat)| f.atlas.municipalities.at(*lon, *lat))
                .count()
        });
    });

    let values: Vec<f64> = f
        .runtime
        .block_on(choropleth::build(
            &f.db,
            f.data(&AnswerMemo::default()),
            MapSpec::try_from(ChoroplethRequest::whole_country("staff.dx_it_units")).unwrap(),
        ))
        .unwrap()
        .areas
        .iter()
        .filter_map(|a| match a.value {
            choropleth::RespondentValue::Number(n) => Some(n),
            _ => None,
        })
        .collect();
    let mut group = c.benchmark_group("classify");
    for (name, method) in [
        ("quantiles", Method::Quantiles),
        ("equal_interval", Method::EqualInterval),
        ("fisher_jenks", Method::FisherJenks),
        ("std_mean", Method::StdMean),
    ] {
        group.bench_with_input(BenchmarkId::new(name, values.len()), &values, |b, v| {
            b.iter(|| classify(black_box(v), method, 5, &[]));
        });
    }
    group.finish();
    tiles(&f, c);
}

/// Building a boundary tile (cut, repaired and encoded, its zoom's simplification already
/// held, as on a server past its first tile of that zoom): the uncached cost of a tile
/// request. Tokyo at zooms 6, 10 and 14 (dense municipal borders), and the whole country at
/// zoom 2.
fn tiles(f: &Fixture, c: &mut Criterion) {
    use dx_atlas::spatial::mvt;
    use dx_atlas::spatial::tile::{TileId, EXTENT};
    let tile_at = |z: u8, lon: f64, lat: f64| {
        let p = TileId::new(z, 0, 0)
            .unwrap()
            .project(geo::Coord { x: lon, y: lat });
        // Positions over Japan, so the tile index is within 0..2^z.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let index = |units: f64| (units / f64::from(EXTENT)).floor() as u32;
        TileId::new(z, index(p.x), index(p.y)).unwrap()
    };
    let mut group = c.benchmark_group("tile");
    for (name, tile) in [
        ("japan_z2", tile_at(2, 139.7, 35.7)),
        ("tokyo_z6", tile_at(6, 139.7, 35.7)),
        ("tokyo_z10", tile_at(10, 139.7, 35.7)),
        ("tokyo_z14", tile_at(14, 139.7, 35.7)),
    ] {
        mvt::boundary_tile(&f.atlas, tile).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| mvt::boundary_tile(&f.atlas, black_box(tile)).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, choropleths);
criterion_main!(benches);
