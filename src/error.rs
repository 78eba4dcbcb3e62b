//! The application's error type, mapped once to GraphQL errors (with `extensions.code`) and
//! to HTTP responses. Internal causes are logged, never sent.

use std::path::{Path, PathBuf};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use thiserror::Error;

use crate::domain::{BBoxError, CodeError};

/// A boundary or survey file that could not be imported: which file, which feature or row, why.
#[derive(Debug, Error)]
#[error("{}{}: {reason}", file.display(), feature_index.map(|i| format!(", feature {i}")).unwrap_or_default())]
pub struct ImportError {
    /// The file.
    pub file: PathBuf,
    /// The feature's position in the file (0-based), when the fault lies in one feature.
    pub feature_index: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

impl ImportError {
    /// An error in `file`, at `feature_index` if given.
    pub fn new(file: &Path, feature_index: Option<usize>, reason: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            feature_index,
            reason: reason.into(),
        }
    }
}

/// A data file (survey answers, dashboard table, statistics, names) that could not be
/// imported: which file, row, column and value, why.
#[derive(Debug, Error)]
#[error(
    "{}{}{}{}: {reason}",
    file.display(),
    row.map(|r| format!(", row {r}")).unwrap_or_default(),
    column.as_ref().map(|c| format!(", column `{c}`")).unwrap_or_default(),
    value.as_ref().map(|v| format!(", value `{v}`")).unwrap_or_default()
)]
pub struct DataFileError {
    /// The file.
    pub file: PathBuf,
    /// The row, counted as a spreadsheet does (the header is row 1).
    pub row: Option<usize>,
    /// The column header.
    pub column: Option<String>,
    /// The offending cell's text.
    pub value: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl DataFileError {
    /// The refusal of `file` at a place (row, column header, cell text, each where known).
    pub fn at(
        file: &std::path::Path,
        row: Option<usize>,
        column: Option<&str>,
        value: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_owned(),
            row,
            column: column.map(str::to_owned),
            value: value.map(str::to_owned),
            reason: reason.into(),
        }
    }
}

/// Input that breaks its rules: the argument to blame, where there is one (as the client
/// wrote it: `classes`, `x.per`), and the message, which names it first.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct BadInput {
    /// The argument, where one is to blame; sent as `extensions.argument`.
    pub argument: Option<String>,
    /// What is wrong, as the client reads it.
    pub message: String,
}

impl BadInput {
    /// The same fault found inside argument `outer`, which the message now names first
    /// (`per: statistic: no statistic …`).
    #[must_use]
    pub fn within(self, outer: &str) -> Self {
        Self {
            argument: Some(outer.to_owned()),
            message: format!("{outer}: {}", self.message),
        }
    }

    /// The same fault, its argument a field of input object `outer` (`per` of `x`: `x.per`).
    #[must_use]
    pub fn field_of(self, outer: &str) -> Self {
        Self {
            argument: Some(match self.argument {
                Some(inner) => format!("{outer}.{inner}"),
                None => outer.to_owned(),
            }),
            message: format!("{outer}.{}", self.message),
        }
    }
}

/// A level build that could not start within the gate's wait: every build slot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("the server is drawing other maps at new levels of detail; retry in {} s", retry_after.as_secs().max(1))]
pub struct LevelBusy {
    /// When a retry has a fair chance (the gate's wait).
    pub retry_after: std::time::Duration,
}

/// Every failure DX Atlas reports.
#[derive(Debug, Error)]
pub enum AppError {
    /// A code that breaks the code rules.
    #[error(transparent)]
    BadCode(#[from] CodeError),
    /// An argument out of its allowed range or shape.
    #[error(transparent)]
    BadInput(BadInput),
    /// Nothing has that name.
    #[error("{0}")]
    NotFound(String),
    /// A file could not be imported; nothing was changed.
    #[error("import failed, nothing was changed: {0}")]
    Import(#[from] ImportError),
    /// A data file could not be imported; nothing was changed.
    #[error("import failed, nothing was changed: {0}")]
    SurveyImport(#[from] DataFileError),
    /// Data files are missing or altered.
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
    /// No connection to the database could be made.
    #[error(transparent)]
    Connect(#[from] crate::db::ConnectError),
    /// The database failed.
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
    /// The server could not listen on its address (taken, or not this machine's).
    #[error("cannot listen on {address}: {source}; is another server running there? Choose another address with --bind or DX_ATLAS_BIND")]
    Listen {
        /// The address asked for.
        address: std::net::SocketAddr,
        /// Why not.
        source: std::io::Error,
    },
    /// A tile archive could not be written.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// A map's level of detail is not built yet and no build could start in time: every build
    /// slot is taken (a client asking for many new levels at once).
    #[error(transparent)]
    Busy(#[from] LevelBusy),
    /// Anything else that is our fault: what failed and why, for the log only.
    #[error("internal error")]
    Internal(#[from] Internal),
}

/// A cause that can travel across threads.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// An internal failure: what was being done, and its cause where there is one. Logged with
/// the whole chain of causes; clients are told only that the error is internal.
#[derive(Debug, Error)]
#[error("{context}")]
pub struct Internal {
    /// What was being done, or which invariant broke.
    pub context: String,
    /// Why it failed.
    #[source]
    pub source: Option<Cause>,
}

impl Internal {
    /// This failure and its causes, one after the other.
    fn chain(&self) -> String {
        let mut text = self.context.clone();
        let mut cause: Option<&(dyn std::error::Error + 'static)> = self
            .source
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static));
        while let Some(c) = cause {
            text.push_str(": ");
            text.push_str(&c.to_string());
            cause = c.source();
        }
        text
    }
}

impl AppError {
    /// Argument `argument` breaks its rules: the message reads `argument: detail`.
    pub fn bad_argument(argument: impl Into<String>, detail: impl std::fmt::Display) -> Self {
        let argument = argument.into();
        Self::BadInput(BadInput {
            message: format!("{argument}: {detail}"),
            argument: Some(argument),
        })
    }

    /// Input wrong as a whole, with no one argument to blame.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::BadInput(BadInput {
            argument: None,
            message: message.into(),
        })
    }

    /// A bad input found inside argument `outer` (see [`BadInput::within`]); any other error
    /// as it is.
    #[must_use]
    pub fn within(self, outer: &str) -> Self {
        match self {
            Self::BadInput(b) => Self::BadInput(b.within(outer)),
            other => other,
        }
    }

    /// A bad input of a field of input object `outer` (see [`BadInput::field_of`]); any other
    /// error as it is.
    #[must_use]
    pub fn field_of(self, outer: &str) -> Self {
        match self {
            Self::BadInput(b) => Self::BadInput(b.field_of(outer)),
            other => other,
        }
    }

    /// An internal failure while doing `context`, keeping its cause.
    pub fn internal(context: impl Into<String>, source: impl Into<Cause>) -> Self {
        Self::Internal(Internal {
            context: context.into(),
            source: Some(source.into()),
        })
    }

    /// A broken invariant: stored data that cannot be as it is, with no further cause.
    pub fn invariant(context: impl Into<String>) -> Self {
        Self::Internal(Internal {
            context: context.into(),
            source: None,
        })
    }

    /// The whole message with its cause, for operators (the command line, logs). Clients get
    /// the `Display` text, which keeps internal and database causes to the log.
    pub fn detail(&self) -> String {
        match self {
            Self::Database(e) => format!("database error: {e}"),
            Self::Internal(e) => format!("internal error: {}", e.chain()),
            other => other.to_string(),
        }
    }

    /// The machine-readable code sent in `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadCode(_) => "BAD_CODE",
            Self::BadInput(_) => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Import(_) | Self::SurveyImport(_) => "IMPORT_FAILED",
            Self::Database(_) => "DATABASE_ERROR",
            Self::Fetch(_) => "DATA_MISSING",
            Self::Connect(_) => "DATABASE_UNAVAILABLE",
            Self::Busy(_) => "BUSY",
            Self::Listen { .. } | Self::Export(_) | Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::BadCode(_) | Self::BadInput(_) | Self::Import(_) | Self::SurveyImport(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Database(_) | Self::Fetch(_) | Self::Connect(_) | Self::Busy(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Listen { .. } | Self::Export(_) | Self::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn log(&self) {
        match self {
            Self::Database(e) => tracing::error!(error = %e, "database error"),
            Self::Internal(e) => tracing::error!(error = %e.chain(), "internal error"),
            _ => {}
        }
    }
}

impl async_graphql::ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        self.log();
        let code = self.code();
        let argument = match self {
            Self::BadInput(b) => b.argument.clone(),
            _ => None,
        };
        let retry = match self {
            Self::Busy(busy) => Some(retry_secs(busy)),
            _ => None,
        };
        async_graphql::Error::new(self.to_string()).extend_with(|_, e| {
            e.set("code", code);
            if let Some(argument) = argument {
                e.set("argument", argument);
            }
            if let Some(secs) = retry {
                e.set("retryAfter", secs);
            }
        })
    }
}

impl From<BBoxError> for AppError {
    fn from(e: BBoxError) -> Self {
        Self::bad_argument("bbox", e)
    }
}

/// Whole seconds to wait before a retry, at least one (what `Retry-After` takes).
fn retry_secs(busy: &LevelBusy) -> u64 {
    busy.retry_after.as_secs().max(1)
}

/// Turns an application result into a GraphQL one with `extensions.code`. Resolvers use this
/// rather than `?` alone, which would convert through async-graphql's blanket `From<Display>`
/// and lose the code.
pub trait GraphqlResultExt<T> {
    /// The result with its error extended.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GraphqlResultExt<T> for Result<T, AppError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| async_graphql::ErrorExtensions::extend(&e))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let body = serde_json::json!({"error": {"code": self.code(), "message": self.to_string()}});
        let mut response = (self.status(), axum::Json(body)).into_response();
        if let Self::Busy(busy) = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_secs(busy)));
        }
        response
    }
}

/// Results of the application.
pub type AppResult<T> = Result<T, AppError>;

/// Why a tile set could not be written.
#[derive(Debug, Error)]
pub enum ExportError {
    /// The file could not be written.
    #[error("cannot write {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// Why not.
        source: std::io::Error,
    },
    /// The PMTiles writer failed.
    #[error("writing PMTiles: {0}")]
    Pmtiles(#[from] pmtiles::PmtError),
    /// The MBTiles database failed.
    #[error("writing MBTiles: {0}")]
    Mbtiles(#[from] sea_orm::DbErr),
    /// A tile could not be encoded.
    #[error("encoding tile {tile}: {source}")]
    Encode {
        /// z/x/y.
        tile: String,
        /// Why not.
        source: geozero::error::GeozeroError,
    },
    /// The zoom asked for is beyond the tiles served.
    #[error("--max-zoom {0} is deeper than tiles are served")]
    Zoom(u8),
}
