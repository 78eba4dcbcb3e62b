//! Database connection and migrations, for SQLite (embedded default) and PostgreSQL.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use thiserror::Error;

/// How long a PostgreSQL server may take to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why no connection could be made, said with the URL (its password left out).
#[derive(Debug, Error)]
pub enum ConnectError {
    /// The URL does not parse, or names neither SQLite nor PostgreSQL.
    #[error("database URL `{url}`: {reason}; give sqlite://FILE?mode=rwc or postgres://USER@HOST:PORT/DATABASE")]
    BadUrl {
        /// The URL as given, without its password.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// Nothing accepts connections at the PostgreSQL URL's host and port.
    #[error("cannot reach PostgreSQL at {address} (from `{url}`): {source}")]
    Unreachable {
        /// `host:port`.
        address: String,
        /// The URL, without its password.
        url: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The server was reached but refused or failed the connection.
    #[error("cannot connect to `{url}`: {source}")]
    Failed {
        /// The URL, without its password.
        url: String,
        /// The cause.
        source: DbErr,
    },
}

/// The URL without its password, for messages.
fn redacted(url: &url::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}

/// Checks a URL before connecting: a known scheme, and for PostgreSQL a database name (a
/// URL without one would silently use the server's default database) and a reachable server.
async fn check(url: &str) -> Result<(), ConnectError> {
    if url.starts_with("sqlite:") {
        return Ok(());
    }
    let parsed = url::Url::parse(url).map_err(|e| ConnectError::BadUrl {
        url: url.split('@').next_back().unwrap_or_default().to_owned(),
        reason: e.to_string(),
    })?;
    let shown = redacted(&parsed);
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        return Err(ConnectError::BadUrl {
            url: shown,
            reason: format!("unknown scheme `{}`", parsed.scheme()),
        });
    }
    if parsed.path().trim_matches('/').is_empty() {
        return Err(ConnectError::BadUrl {
            url: shown,
            reason: "no database name".to_owned(),
        });
    }
    let host = parsed.host_str().unwrap_or("localhost").to_owned();
    let address = format!("{host}:{}", parsed.port().unwrap_or(5432));
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(&address)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(source)) => Err(ConnectError::Unreachable {
            address,
            url: shown,
            source,
        }),
        Err(_) => Err(ConnectError::Unreachable {
            address,
            url: shown,
            source: std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
            ),
        }),
    }
}

/// Connects to `url` with a pool sized for a 2-core server.
pub async fn connect(url: &str) -> Result<DatabaseConnection, ConnectError> {
    check(url).await?;
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(if url.starts_with("sqlite") { 4 } else { 16 })
        .connect_timeout(CONNECT_TIMEOUT)
        .sqlx_logging(false);
    Database::connect(options)
        .await
        .map_err(|source| ConnectError::Failed {
            url: url::Url::parse(url).map_or_else(|_| url.to_owned(), |u| redacted(&u)),
            source,
        })
}

/// Brings the schema up to date.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_postgres_url_without_a_database_is_refused() {
        let error = check("postgres://dx:secret@127.0.0.1:5432")
            .await
            .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("no database name"), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }

    #[tokio::test]
    async fn an_unreachable_port_says_so_at_once() {
        let error = check("postgres://dx@127.0.0.1:1/atlas").await.unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("cannot reach PostgreSQL at 127.0.0.1:1"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn an_unknown_scheme_is_refused() {
        let error = check("mysql://dx@127.0.0.1/atlas").await.unwrap_err();
        assert!(error.to_string().contains("unknown scheme `mysql`"));
    }
}
