//! The read model: what map requests are served from, built from the database (the source of
//! truth) and swapped atomically when an import anywhere bumps the dataset version. Several
//! servers sharing one PostgreSQL database each poll the version and rebuild on their own.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use geo::MultiPolygon;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::cache::DocumentCache;
use crate::choropleth::{MapData, MapMemo};
use crate::context::{self, statistics::Statistics};
use crate::entity::boundary;
use crate::error::{AppError, AppResult};
use crate::repo;
use crate::spatial::atlas::{Area, Atlas};
use crate::spatial::geojson::parse_stored;
use crate::spatial::levels::BuildGate;
use crate::survey::values::AnswerMemo;

/// One generation of the read model.
pub struct Generation {
    /// The spatial model.
    pub atlas: Arc<Atlas>,
    /// Official statistics per municipality, with the derived ones.
    pub statistics: Arc<Statistics>,
    /// Answers read for recent requests, kept for this generation only.
    pub answers: AnswerMemo,
    /// Maps built for recent tile requests, kept for this generation only.
    pub maps: MapMemo,
    /// The dataset version it was built from.
    pub version: i64,
}

impl Generation {
    /// What maps are drawn from, of this generation.
    pub fn map_data(&self) -> MapData<'_> {
        MapData {
            atlas: &self.atlas,
            statistics: &self.statistics,
            answers: &self.answers,
        }
    }
}

/// The current generation, the finished-document cache, and how to refresh them.
pub struct ReadModel {
    current: ArcSwap<Generation>,
    db: DatabaseConnection,
    /// Finished choropleth documents of the current generation.
    pub cache: DocumentCache,
    /// Vector tiles of the current generation: many and small, kept apart from the map
    /// documents so that panning over a city never pushes a map out, nor a map the tiles.
    pub tiles: DocumentCache,
    /// The gate every simplification level's build passes, in every generation.
    pub gate: Arc<BuildGate>,
}

impl ReadModel {
    /// Builds the first generation.
    pub async fn load(
        db: DatabaseConnection,
        cache: DocumentCache,
        tiles: DocumentCache,
        gate: Arc<BuildGate>,
    ) -> AppResult<Arc<Self>> {
        let version = repo::version::current(&db).await?;
        let atlas = Arc::new(load_atlas(&db, &gate).await?);
        let statistics = Arc::new(context::store::statistics(&db).await?);
        metrics::gauge!("dx_atlas_read_model_version").set(version as f64);
        Ok(Arc::new(Self {
            current: ArcSwap::from_pointee(Generation {
                atlas,
                statistics,
                answers: AnswerMemo::default(),
                maps: MapMemo::default(),
                version,
            }),
            db,
            cache,
            tiles,
            gate,
        }))
    }

    /// The current generation; requests hold it for their whole duration, so a swap never
    /// changes the data under a request.
    pub fn current(&self) -> Arc<Generation> {
        self.current.load_full()
    }

    /// The current spatial model.
    pub fn atlas(&self) -> Arc<Atlas> {
        Arc::clone(&self.current.load().atlas)
    }

    /// The current statistics.
    pub fn statistics(&self) -> Arc<Statistics> {
        Arc::clone(&self.current.load().statistics)
    }

    /// Rebuilds when the database's dataset version moved; returns whether it did.
    pub async fn refresh(&self) -> AppResult<bool> {
        let version = repo::version::current(&self.db).await?;
        if version == self.current.load().version {
            return Ok(false);
        }
        let atlas = Arc::new(load_atlas(&self.db, &self.gate).await?);
        let statistics = Arc::new(context::store::statistics(&self.db).await?);
        self.current.store(Arc::new(Generation {
            atlas,
            statistics,
            answers: AnswerMemo::default(),
            maps: MapMemo::default(),
            version,
        }));
        self.cache.clear();
        self.tiles.clear();
        metrics::gauge!("dx_atlas_read_model_version").set(version as f64);
        tracing::info!(version, "read model rebuilt");
        Ok(true)
    }

    /// Polls the dataset version every `interval` for as long as the process runs.
    pub fn watch(self: &Arc<Self>, interval: Duration) {
        let model = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = model.refresh().await {
                    tracing::warn!(error = %e, "read model refresh failed; serving the previous one");
                }
            }
        });
    }
}

/// Loads every municipality and prefecture with its boundary and builds the spatial model.
/// Every level it builds, at start and later, passes `gate`.
pub async fn load_atlas(db: &impl ConnectionTrait, gate: &Arc<BuildGate>) -> AppResult<Atlas> {
    let filter = repo::areas::MunicipalityFilter {
        include_not_administered: true,
        ..Default::default()
    };
    let municipalities = repo::areas::municipalities(db, &filter, None, None).await?;
    let prefectures = repo::areas::prefectures(db).await?;
    let codes: Vec<String> = municipalities
        .iter()
        .map(|m| m.code.clone())
        .chain(prefectures.iter().map(|p| p.code.clone()))
        .collect();
    let boundaries = repo::areas::boundaries(db, &codes).await?;
    let municipal = municipalities
        .into_iter()
        .map(|m| {
            Ok(Area {
                geometry: geometry(boundaries.get(&m.code))?,
                code: m.code,
                name: m.name,
                prefecture: m.prefecture_code,
                kind: Some(m.kind),
                administered: m.administered,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let prefectural = prefectures
        .into_iter()
        .map(|p| {
            Ok(Area {
                geometry: geometry(boundaries.get(&p.code))?,
                prefecture: p.code.clone(),
                code: p.code,
                name: p.name,
                kind: None,
                administered: true,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    // Topology building is CPU work: off the async workers.
    let gate = Arc::clone(gate);
    tokio::task::spawn_blocking(move || Atlas::build(municipal, prefectural, &gate))
        .await
        .map_err(|e| AppError::internal("building the spatial model", e))
}

/// A stored boundary's geometry; an area without a boundary row has an empty one.
fn geometry(b: Option<&boundary::Model>) -> AppResult<MultiPolygon<f64>> {
    let Some(b) = b else {
        return Ok(MultiPolygon::new(vec![]));
    };
    parse_stored(&b.geometry)
        .map_err(|e| AppError::internal(format!("reading the stored boundary of {}", b.code), e))
}
