//! The `dx-atlas` binary: parses the command line and dispatches.

use std::process::ExitCode;

use clap::Parser;
use dx_atlas::cli::{
    Cli, Command, ExportSurveyConfig, ImportConfig, ImportSurveyConfig, TilesCommand,
    TilesExportConfig,
};
use dx_atlas::error::{AppError, AppResult};
use dx_atlas::spatial::levels::BuildGate;
use dx_atlas::survey::{dashboard, microdata};
use dx_atlas::{context, db, fetch, graphql, import, startup::Application, telemetry};

// mimalloc rather than the system allocator, and without transparent huge pages: glibc's
// allocator, and mimalloc with huge pages, keep freed memory resident after a load test;
// this keeps about 100 MB against their 140 to 160 (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error.detail());
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> AppResult<()> {
    match cli.command {
        Command::Serve(config) => {
            let app = Application::build(&config).await?;
            tracing::info!(
                "DX Atlas listening on http://{}:{}/graphql",
                config.bind.ip(),
                app.port()
            );
            app.run_until_stopped()
                .await
                .map_err(|e| AppError::internal("serving", e))
        }
        Command::Fetch(config) => {
            let report = fetch::fetch_everything(&fetch::FetchOptions {
                folder: config.geodata,
                mirror: config.mirror,
                only: None,
            })
            .await?;
            println!("{report}");
            Ok(())
        }
        Command::Import(config) => run_import(config).await,
        Command::ImportSurvey(config) => import_survey(config).await,
        Command::ImportDashboard(config) => {
            let db = connect(&config.database.database_url).await?;
            let report = dashboard::import(&db, &config.edition, config.folder.as_deref()).await?;
            println!("{report}");
            Ok(())
        }
        Command::ImportStatistics(config) => {
            let db = connect(&config.database.database_url).await?;
            let path = match config.file {
                Some(path) => path,
                None => data_file(fetch::DataSet::Ssdse, context::store::SSDSE_FILE).await?,
            };
            let report = context::store::import_statistics(&db, &path).await?;
            println!("{report}");
            Ok(())
        }
        Command::ImportNames(config) => {
            let db = connect(&config.database.database_url).await?;
            let (readings, romaji) = match config.folder {
                Some(folder) => (
                    folder.join(context::names::READINGS_FILE),
                    folder.join(context::names::ROMAJI_FILE),
                ),
                None => (
                    data_file(fetch::DataSet::Names, context::names::READINGS_FILE).await?,
                    data_file(fetch::DataSet::Names, context::names::ROMAJI_FILE).await?,
                ),
            };
            let report = context::store::import_names(&db, &readings, &romaji).await?;
            println!("{report}");
            Ok(())
        }
        Command::ExportSurvey(config) => export_survey(config).await,
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Tiles(TilesCommand::Export(config)) => export_tiles(config).await,
    }
}

async fn export_tiles(config: TilesExportConfig) -> AppResult<()> {
    let db = connect(&config.database.database_url).await?;
    // An archive of no tiles would look like success to whoever publishes it.
    if dx_atlas::repo::areas::is_empty(&db).await? {
        return Err(AppError::NotFound(
            "the database holds no boundaries to draw: run `dx-atlas import` (or `dx-atlas \
             serve`, which imports them into an empty database) first"
                .into(),
        ));
    }
    let version = dx_atlas::repo::version::current(&db).await?;
    // An export builds every zoom's level in turn, waiting for its slot: nothing is refused.
    let gate = std::sync::Arc::new(BuildGate::per_core(std::time::Duration::from_secs(1)));
    let atlas = std::sync::Arc::new(dx_atlas::readmodel::load_atlas(&db, &gate).await?);
    let report =
        dx_atlas::tileset::export(atlas, version, config.format, config.max_zoom, &config.file)
            .await?;
    println!("{}: {report}", config.file.display());
    Ok(())
}

/// A data set's file, found in its folders or downloaded.
async fn data_file(set: fetch::DataSet, name: &str) -> AppResult<std::path::PathBuf> {
    let options = fetch::FetchOptions {
        folder: None,
        mirror: None,
        only: Some(vec![name.to_owned()]),
    };
    Ok(fetch::fetch_data_set(set, &options).await?.path(name)?)
}

async fn connect(url: &str) -> AppResult<sea_orm::DatabaseConnection> {
    let db = db::connect(url).await?;
    db::migrate(&db).await?;
    Ok(db)
}

async fn run_import(config: ImportConfig) -> AppResult<()> {
    let db = connect(&config.database.database_url).await?;
    let sources = import::ImportSources::locate(
        config.geodata.as_deref(),
        config.municipalities,
        config.prefectures,
    )?;
    let report = if config.remove_missing {
        import::import_boundaries_removing_absent(&db, &sources).await?
    } else {
        import::import_boundaries(&db, &sources).await?
    };
    println!("{report}");
    Ok(())
}

async fn import_survey(config: ImportSurveyConfig) -> AppResult<()> {
    let db = connect(&config.database.database_url).await?;
    let report = microdata::import(
        &db,
        &config.edition,
        &config.file,
        config.mapping.as_deref(),
    )
    .await?;
    println!(
        "imported {} answer rows ({} respondents, {} indicators) into edition {}; every answer is now OFFICIAL",
        report.rows, report.respondents, report.indicators, report.edition
    );
    Ok(())
}

async fn export_survey(config: ExportSurveyConfig) -> AppResult<()> {
    let db = connect(&config.database.database_url).await?;
    microdata::export(&db, &config.edition, std::io::stdout().lock()).await?;
    Ok(())
}
