//! Startup as one seam: `Application::build` is what `main` runs and what the tests run.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::cache::DocumentCache;
use crate::cli::ServeConfig;
use crate::error::{AppError, AppResult};
use crate::fetch;
use crate::graphql;
use crate::http::{self, AppState};
use crate::import::{import_boundaries, ImportSources, MUNICIPALITIES_FILE, PREFECTURES_FILE};
use crate::readmodel::ReadModel;
use crate::spatial::levels::BuildGate;
use crate::{context, db, repo, survey};

/// On a new database, the dashboard table's four files, found or downloaded; without them the
/// service runs on synthetic answers, and says so.
async fn official_answers(
    config: &ServeConfig,
) -> AppResult<Option<[survey::dashboard::Table; 4]>> {
    let options = fetch::FetchOptions {
        folder: None,
        mirror: config.mirror.clone(),
        only: None,
    };
    if let Err(e) = fetch::fetch_data_set(fetch::DataSet::Dashboard, &options).await {
        tracing::warn!(
            "every per-authority value is calibrated synthetic: the Digital Agency's dashboard table is not here\n{e}"
        );
        return Ok(None);
    }
    Ok(Some(survey::dashboard::load(None)?))
}

/// Seeds the survey edition when it is missing: from the dashboard table on a new database
/// where its files are at hand, else with calibrated synthetic answers alone.
async fn seed_survey(db: &DatabaseConnection, config: &ServeConfig, empty: bool) -> AppResult<()> {
    let tables = if empty {
        official_answers(config).await?
    } else {
        None
    };
    if let Some(tables) = tables {
        if let Some(report) = survey::dashboard::seed_r5(db, &tables).await? {
            tracing::info!("seeded survey edition R5 from the dashboard table\n{report}");
        }
    } else if survey::seed::ensure_r5(db).await? {
        tracing::info!("seeded survey edition R5 with calibrated synthetic answers");
    }
    Ok(())
}

/// Imports SSDSE-A and the municipalities' names where they have not been imported yet, their
/// files found or downloaded; without them the statistics and names are simply absent, and
/// the log says how to add them.
async fn import_context(db: &DatabaseConnection, config: &ServeConfig) -> AppResult<()> {
    let options = fetch::FetchOptions {
        folder: None,
        mirror: config.mirror.clone(),
        only: None,
    };
    if repo::survey::source(db, survey::source::SSDSE.code)
        .await?
        .is_none()
    {
        match fetch::fetch_data_set(fetch::DataSet::Ssdse, &options).await {
            Ok(fetched) => {
                let path = fetched.path(context::store::SSDSE_FILE)?;
                let report = context::store::import_statistics(db, &path).await?;
                tracing::info!("imported the statistics\n{report}");
            }
            Err(e) => tracing::warn!("no statistics: SSDSE-A is not here\n{e}"),
        }
    }
    if repo::survey::source(db, survey::source::NAMES.code)
        .await?
        .is_none()
    {
        match fetch::fetch_data_set(fetch::DataSet::Names, &options).await {
            Ok(fetched) => {
                let readings = fetched.path(context::names::READINGS_FILE)?;
                let romaji = fetched.path(context::names::ROMAJI_FILE)?;
                let report = context::store::import_names(db, &readings, &romaji).await?;
                tracing::info!("imported the names\n{report}");
            }
            Err(e) => {
                tracing::warn!("no readings or romanised names: their files are not here\n{e}");
            }
        }
    }
    Ok(())
}

/// Summarises the metrics' histograms every few seconds: without upkeep they grow without
/// bound.
fn spawn_metrics_upkeep() {
    if let Some(handle) = crate::telemetry::metrics() {
        let handle = handle.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        });
    }
}

/// Imports the boundaries into an empty database (fetching them first when they are not at
/// hand); says whether the database was empty.
async fn import_boundaries_if_empty(
    db: &DatabaseConnection,
    config: &ServeConfig,
) -> AppResult<bool> {
    if !repo::areas::is_empty(db).await? {
        return Ok(false);
    }
    let fetched = fetch::fetch(&fetch::FetchOptions {
        folder: config.geodata.clone(),
        mirror: config.mirror.clone(),
        only: Some(vec![MUNICIPALITIES_FILE.into(), PREFECTURES_FILE.into()]),
    })
    .await?;
    let sources = ImportSources {
        municipalities: fetched.path(MUNICIPALITIES_FILE)?,
        prefectures: fetched.path(PREFECTURES_FILE)?,
    };
    tracing::info!(?sources, "empty database: importing boundaries");
    let report = import_boundaries(db, &sources).await?;
    tracing::info!("import finished\n{report}");
    Ok(true)
}

/// The read model over `db`, with the caches and the build gate the configuration sizes.
async fn load_read_model(
    db: &DatabaseConnection,
    config: &ServeConfig,
) -> AppResult<Arc<ReadModel>> {
    let wait = Duration::from_millis(config.level_build_wait_ms);
    let gate = match config.level_builds {
        Some(slots) => BuildGate::new(slots, wait),
        None => BuildGate::per_core(wait),
    };
    ReadModel::load(
        db.clone(),
        DocumentCache::new(
            config.cache_entries,
            config.cache_mb.saturating_mul(1 << 20),
        )
        .named("documents"),
        DocumentCache::new(
            config.tile_cache_entries,
            config.tile_cache_mb.saturating_mul(1 << 20),
        )
        .named("tiles"),
        Arc::new(gate),
    )
    .await
}

/// A server that is ready to run: database migrated and loaded, port bound.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    db: DatabaseConnection,
    limits: http::server::ConnectionLimits,
}

impl Application {
    /// Connects, migrates, imports the boundaries into an empty database, and binds the port.
    pub async fn build(config: &ServeConfig) -> AppResult<Self> {
        spawn_metrics_upkeep();
        let db = db::connect(&config.database.database_url).await?;
        db::migrate(&db).await?;
        let empty = import_boundaries_if_empty(&db, config).await?;
        seed_survey(&db, config, empty).await?;
        import_context(&db, config).await?;
        let model = load_read_model(&db, config).await?;
        model.watch(Duration::from_millis(config.reload_interval_ms));
        let schema = graphql::build_schema(db.clone(), Arc::clone(&model));
        let router = http::router(
            AppState {
                db: db.clone(),
                schema,
                model,
                max_answer_bytes: usize::try_from(config.max_answer_mb)
                    .unwrap_or(usize::MAX)
                    .saturating_mul(1 << 20),
                public_url: config.public_url.as_deref().map(Arc::from),
                features: Arc::default(),
                datasets: Arc::default(),
            },
            config,
        );
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|source| AppError::Listen {
                address: config.bind,
                source,
            })?;
        Ok(Self {
            listener,
            router,
            db,
            limits: http::server::ConnectionLimits {
                header_timeout: Duration::from_secs(config.header_timeout_secs),
                max_connections: usize::try_from(config.max_connections).unwrap_or(usize::MAX),
            },
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    /// The database connection the server uses.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> io::Result<()> {
        http::server::serve(self.listener, self.router, self.limits, shutdown_signal()).await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
