//! The `dx-atlas` binary: parses the command line and dispatches.

use std::process::ExitCode;

use clap::Parser;
use dx_atlas::cli::{Cli, Command};
use dx_atlas::survey::microdata;
use dx_atlas::{db, graphql, import, startup::Application, telemetry};

// mimalloc rather than the system allocator, and without transparent huge pages: glibc's
// allocator, and mimalloc with huge pages, keep freed memory resident after a load test;
// this keeps about 100 MB against their 140 to 160 (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(config) => serve(config).await,
        Command::Import(config) => run_import(config).await,
        Command::ImportSurvey(config) => import_survey(config).await,
        Command::ExportSurvey(config) => export_survey(config).await,
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: dx_atlas::cli::ServeConfig) -> Result<(), String> {
    let app = Application::build(&config).await.map_err(|e| e.detail())?;
    tracing::info!(
        "DX Atlas listening on http://{}:{}/graphql",
        config.bind.ip(),
        app.port()
    );
    app.run_until_stopped().await.map_err(|e| e.to_string())
}

async fn run_import(config: dx_atlas::cli::ImportConfig) -> Result<(), String> {
    let db = db::connect(&config.database.database_url)
        .await
        .map_err(|e| e.detail())?;
    db::migrate(&db).await.map_err(|e| e.detail())?;
    let sources = import::ImportSources::locate(
        config.geodata.as_deref(),
        config.municipalities,
        config.prefectures,
    )
    .map_err(|e| e.to_string())?;
    let report = import::import_boundaries(&db, &sources)
        .await
        .map_err(|e| e.detail())?;
    println!("{report}");
    Ok(())
}

async fn connect(url: &str) -> Result<sea_orm::DatabaseConnection, String> {
    let db = db::connect(url).await.map_err(|e| e.detail())?;
    db::migrate(&db).await.map_err(|e| e.detail())?;
    Ok(db)
}

async fn import_survey(config: dx_atlas::cli::ImportSurveyConfig) -> Result<(), String> {
    let db = connect(&config.database.database_url).await?;
    let report = microdata::import(
        &db,
        &config.edition,
        &config.file,
        config.mapping.as_deref(),
    )
    .await
    .map_err(|e| e.detail())?;
    println!(
        "imported {} answer rows ({} respondents, {} indicators) into edition {}; provenance is now OFFICIAL_MICRODATA",
        report.rows, report.respondents, report.indicators, report.edition
    );
    Ok(())
}

async fn export_survey(config: dx_atlas::cli::ExportSurveyConfig) -> Result<(), String> {
    let db = connect(&config.database.database_url).await?;
    microdata::export(&db, &config.edition, std::io::stdout().lock())
        .await
        .map_err(|e| e.detail())?;
    Ok(())
}
