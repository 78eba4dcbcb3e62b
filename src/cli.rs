//! Command line and configuration: one clap struct, every setting also readable from the
//! environment, so that `dx-atlas --help` is the manual.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// What `--help` says below the options: endpoints, data folders, logging.
const AFTER_HELP: &str = "\
Endpoints of `serve`:
  /graphql                 GraphQL (POST, or GET with ?query=); GraphiQL in a browser
  /schema.graphql          the schema (SDL)
  /                        the map page
  /choropleth.geojson, /choropleth.topojson, /choropleth.csv
                           map downloads, with the choropleth's arguments as query parameters
  /municipalities/{code}.geojson
                           one municipality's boundary
  /healthz, /readyz        liveness; readiness (the database answers)
  /metrics                 Prometheus metrics

Data folders: boundary files are looked for in --geodata (DX_ATLAS_GEODATA), else in geodata/
and then ../shared/geodata; `dx-atlas fetch` (and `serve` on an empty database) downloads
missing ones into geodata/, each checked against the sha256 of geodata/manifest.toml.

Logging: RUST_LOG filters the log (default info, e.g. RUST_LOG=dx_atlas=debug); colours only on
a terminal, and never with NO_COLOR set.";

/// DX Atlas: Japan's municipal digital-transformation survey on the map, served as GraphQL,
/// GeoJSON and CSV.
#[derive(Debug, Parser)]
#[command(name = "dx-atlas", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the GraphQL API (migrating, fetching the data files and importing them into an
    /// empty database first).
    Serve(ServeConfig),
    /// Make sure every data file of the manifest is present and unaltered, downloading what
    /// is missing from its public source into the data folder (default geodata/).
    Fetch(FetchConfig),
    /// Import boundary files into the database, all or nothing, and print a report.
    Import(ImportConfig),
    /// Import the ministry's per-authority answers (CSV or XLSX) into an edition, all or
    /// nothing; every answer's source becomes the ministry's 個別データ (OFFICIAL).
    ImportSurvey(ImportSurveyConfig),
    /// Import the Digital Agency's dashboard table (its zip, or a folder of its CSVs): official
    /// answers for the indicators it gives, synthetic ones drawn anew around them, all or
    /// nothing.
    ImportDashboard(ImportDashboardConfig),
    /// Import SSDSE-A (the Statistics Center's municipal statistics, as published) into the
    /// database, all or nothing; the same file again changes nothing.
    ImportStatistics(ImportStatisticsConfig),
    /// Import municipalities' readings, websites and town halls (localgovjp) and romanised
    /// names (jp-prefecture), all or nothing.
    ImportNames(ImportNamesConfig),
    /// Write an edition's answers as long-format CSV (respondent, indicator, value, with each
    /// value's provenance, source and reference date) to stdout.
    ExportSurvey(ExportSurveyConfig),
    /// Print the GraphQL schema (SDL), as committed in schema.graphql.
    Schema,
    /// Vector tiles of the boundaries.
    #[command(subcommand)]
    Tiles(TilesCommand),
}

/// What `dx-atlas tiles` does.
#[derive(Debug, Subcommand)]
pub enum TilesCommand {
    /// Write every boundary tile that holds something, from zoom 0 to --max-zoom, to one file
    /// for static hosting (PMTiles) or for tile servers and QGIS (MBTiles).
    Export(TilesExportConfig),
}

/// Settings of `dx-atlas tiles export`.
#[derive(Debug, Clone, Args)]
pub struct TilesExportConfig {
    /// Database settings.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// The archive's format.
    #[arg(long, value_enum)]
    pub format: crate::tileset::ArchiveFormat,
    /// Deepest zoom written (0 to 14).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u8).range(0..=14))]
    pub max_zoom: u8,
    /// The file to write (replaced if it exists).
    pub file: PathBuf,
}

/// Settings of `dx-atlas import-statistics`.
#[derive(Debug, Clone, Args)]
pub struct ImportStatisticsConfig {
    /// Database settings.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// SSDSE-A as published (default: data/ssdse/SSDSE-A-2025.csv, then ../shared/data/ssdse/).
    pub file: Option<PathBuf>,
}

/// Settings of `dx-atlas import-names`.
#[derive(Debug, Clone, Args)]
pub struct ImportNamesConfig {
    /// Database settings.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// The folder holding localgovjp-utf8.csv and jp_prefecture-cities.csv (default:
    /// data/names, then ../shared/data/names).
    pub folder: Option<PathBuf>,
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DatabaseConfig {
    /// Database URL: a SQLite file (embedded default) or `postgres://…` for a shared store.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://dx-atlas.sqlite?mode=rwc"
    )]
    pub database_url: String,
}

/// Settings of `dx-atlas serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Database settings.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Address and port to listen on; port 0 picks a free one.
    #[arg(long, env = "DX_ATLAS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Folder of boundary files for the first import (default: geodata/, then
    /// ../shared/geodata; missing files are downloaded into geodata/).
    #[arg(long, env = "DX_ATLAS_GEODATA")]
    pub geodata: Option<PathBuf>,
    /// Download missing data files from `{MIRROR}/{file name}` instead of their public source.
    #[arg(long, env = "DX_ATLAS_MIRROR")]
    pub mirror: Option<String>,
    /// Requests served at once; more are refused at once with 503 rather than queued.
    #[arg(long, env = "DX_ATLAS_MAX_CONCURRENCY", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_concurrency: u32,
    /// Seconds a request may take before it is answered with 503 (code TIMEOUT).
    #[arg(long, env = "DX_ATLAS_REQUEST_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_secs: u64,
    /// Megabytes one GraphQL answer may hold; a larger one is refused (RESPONSE_TOO_LARGE).
    #[arg(long, env = "DX_ATLAS_MAX_ANSWER_MB", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_answer_mb: u32,
    /// Seconds a client has to send a request's headers, and to start its next request on a
    /// kept-alive connection; slower ones are disconnected.
    #[arg(long, env = "DX_ATLAS_HEADER_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub header_timeout_secs: u64,
    /// Connections served at once with that deadline; as many again get half a second to send
    /// their request (enough for health checks), and more are closed at once.
    #[arg(long, env = "DX_ATLAS_MAX_CONNECTIONS", default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// Largest request body, bytes.
    #[arg(long, env = "DX_ATLAS_MAX_BODY", default_value_t = 64 * 1024,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1024..=67_108_864))]
    pub max_body_bytes: usize,
    /// Origins allowed by CORS, comma-separated, each as a browser sends it
    /// (`https://maps.example`, with no path), or `*` for any (default: none).
    #[arg(long, env = "DX_ATLAS_CORS_ORIGINS", value_delimiter = ',', value_parser = cors_origin)]
    pub cors_origins: Vec<String>,
    /// Finished choropleth documents kept in memory (each with its gzip and brotli forms).
    #[arg(long, env = "DX_ATLAS_CACHE_ENTRIES", default_value_t = 64,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    pub cache_entries: usize,
    /// Megabytes the cached documents may take, all encodings counted. A document asked for
    /// once may use a quarter of them; asked for again, it is kept with the rest, least
    /// recently used first out, so one-off maps never push out popular ones.
    #[arg(long, env = "DX_ATLAS_CACHE_MB", default_value_t = 64,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=65_536))]
    pub cache_mb: usize,
    /// Vector tiles kept in memory (each with its gzip and brotli forms), apart from the map
    /// documents: a map front-end asks for a few dozen per view.
    #[arg(long, env = "DX_ATLAS_TILE_CACHE_ENTRIES", default_value_t = 20_000,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000_000))]
    pub tile_cache_entries: usize,
    /// Megabytes the cached tiles may take, all encodings counted (kept as the documents are).
    #[arg(long, env = "DX_ATLAS_TILE_CACHE_MB", default_value_t = 128,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=65_536))]
    pub tile_cache_mb: usize,
    /// Simplification levels built at once (default: one per core). A map at a level not yet
    /// built waits for a build slot; one that gets none within --level-build-wait-ms is refused
    /// with 503 (code BUSY) and Retry-After, while built levels, tiles and health checks are
    /// served meanwhile.
    #[arg(long, env = "DX_ATLAS_LEVEL_BUILDS",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=256))]
    pub level_builds: Option<usize>,
    /// Milliseconds a map waits for a level build slot before it is refused.
    #[arg(long, env = "DX_ATLAS_LEVEL_BUILD_WAIT_MS", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub level_build_wait_ms: u64,
    /// How often to check whether another process imported new data, milliseconds.
    #[arg(long, env = "DX_ATLAS_RELOAD_INTERVAL_MS", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(100..=3_600_000))]
    pub reload_interval_ms: u64,
    /// The address clients reach the service at, e.g. `https://maps.example/atlas` behind a
    /// proxy: the OGC API's links are built under it. Unset, they are built from each
    /// request's `Host` and `X-Forwarded-Proto`, `X-Forwarded-Host`, `X-Forwarded-Prefix`.
    #[arg(long, env = "DX_ATLAS_PUBLIC_URL", value_parser = crate::ogcapi::links::public_url)]
    pub public_url: Option<String>,
}

/// Settings of `dx-atlas fetch`.
#[derive(Debug, Clone, Args)]
pub struct FetchConfig {
    /// Folder to look in and download into (default: look in geodata/, then
    /// ../shared/geodata; download into geodata/).
    #[arg(long, env = "DX_ATLAS_GEODATA")]
    pub geodata: Option<PathBuf>,
    /// Download from `{MIRROR}/{file name}` instead of each file's public source.
    #[arg(long, env = "DX_ATLAS_MIRROR")]
    pub mirror: Option<String>,
}

/// Settings of `dx-atlas import`.
#[derive(Debug, Clone, Args)]
pub struct ImportConfig {
    /// Database settings.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Folder of boundary files (default: geodata/, then ../shared/geodata).
    #[arg(long, env = "DX_ATLAS_GEODATA")]
    pub geodata: Option<PathBuf>,
    /// Municipal boundaries to read instead of the folder's default file: TopoJSON or GeoJSON
    /// in the N03 schema, such as the ministry's own unsimplified N03 GeoJSON.
    #[arg(long)]
    pub municipalities: Option<PathBuf>,
    /// Prefectural boundaries to read instead of the folder's default file.
    #[arg(long)]
    pub prefectures: Option<PathBuf>,
    /// Delete stored municipalities the file lacks (after mergers); without it such a file
    /// is refused, naming them.
    #[arg(long)]
    pub remove_missing: bool,
}

/// Settings of `dx-atlas import-survey`.
#[derive(Debug, Clone, Args)]
pub struct ImportSurveyConfig {
    /// Database settings.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// The edition whose answers the file replaces, e.g. R5.
    #[arg(long, default_value = "R5")]
    pub edition: String,
    /// Mapping file (TOML): layout, key columns, header → indicator and cell → option maps.
    /// Without it the file is read in the long format (respondent, indicator, value).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// The CSV (UTF-8) or XLSX file.
    pub file: PathBuf,
}

/// Settings of `dx-atlas import-dashboard`.
#[derive(Debug, Clone, Args)]
pub struct ImportDashboardConfig {
    /// Database settings.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// The edition the answers belong to.
    #[arg(long, default_value = "R5")]
    pub edition: String,
    /// The dashboard's table zip as published, or a folder holding its four CSVs (default:
    /// data/dashboard, then ../shared/data/dashboard).
    pub folder: Option<PathBuf>,
}

/// Settings of `dx-atlas export-survey`.
#[derive(Debug, Clone, Args)]
pub struct ExportSurveyConfig {
    /// Database settings.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// The edition to export.
    #[arg(long, default_value = "R5")]
    pub edition: String,
}

/// An origin as browsers send it in `Origin`: scheme, host and port, nothing else. An origin
/// written with a path or a trailing slash would never match a request, so it is refused here
/// rather than silently allowing no one.
fn cors_origin(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text == "*" {
        return Ok(text.to_owned());
    }
    let host = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or_else(|| format!("`{text}` is not an origin: write it as https://host[:port]"))?;
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_graphic() && b != b'/') {
        return Err(format!(
            "`{text}` is not an origin: write it as https://host[:port], with no path"
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::cors_origin;

    #[test]
    fn cors_origins_are_written_as_browsers_send_them() {
        for origin in ["*", "https://maps.example", "http://localhost:5173"] {
            assert_eq!(cors_origin(origin).as_deref(), Ok(origin));
        }
        for wrong in [
            "https://maps.example/",
            "maps.example",
            "https://",
            "https://a b",
        ] {
            let error = cors_origin(wrong).expect_err(wrong);
            assert!(error.contains(wrong), "{error}");
        }
    }
}
