//! Startup as one seam: `Application::build` is what `main` runs and what the tests run.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::cli::ServeConfig;
use crate::error::{AppError, AppResult};
use crate::fetch;
use crate::graphql;
use crate::http::{self, AppState};
use crate::import::{import_boundaries, ImportSources, MUNICIPALITIES_FILE, PREFECTURES_FILE};
use crate::readmodel::ReadModel;
use crate::{db, repo, survey};

/// On a new database, the dashboard table's official answers, its files found or downloaded;
/// without them the service runs on synthetic answers, and says so.
async fn import_official_answers(db: &DatabaseConnection, config: &ServeConfig) -> AppResult<()> {
    let options = fetch::FetchOptions {
        folder: None,
        mirror: config.mirror.clone(),
        only: None,
    };
    if let Err(e) = fetch::fetch_dashboard(&options).await {
        tracing::warn!(
            "every per-authority value is calibrated synthetic: the Digital Agency's dashboard table is not here\n{e}"
        );
        return Ok(());
    }
    let report = survey::dashboard::import(db, survey::seed::R5, None).await?;
    tracing::info!("imported the dashboard table\n{report}");
    Ok(())
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
        if let Some(handle) = crate::telemetry::metrics() {
            let handle = handle.clone();
            // Histograms are summarised on upkeep; without it they grow without bound.
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(5));
                loop {
                    tick.tick().await;
                    handle.run_upkeep();
                }
            });
        }
        let db = db::connect(&config.database.database_url).await?;
        db::migrate(&db).await?;
        let empty = repo::areas::is_empty(&db).await?;
        if empty {
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
            let report = import_boundaries(&db, &sources).await?;
            tracing::info!("import finished\n{report}");
        }
        if survey::seed::ensure_r5(&db).await? {
            tracing::info!("seeded survey edition R5 with calibrated synthetic answers");
        }
        if empty {
            import_official_answers(&db, config).await?;
        }
        let model = ReadModel::load(
            db.clone(),
            config.cache_entries,
            config.cache_mb.saturating_mul(1 << 20),
        )
        .await?;
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
