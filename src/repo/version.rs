//! The dataset version: bumped by every import, read by every server to know when to reload.

use sea_orm::{ConnectionTrait, Statement};

use crate::error::AppResult;

/// The current version.
pub async fn current(db: &impl ConnectionTrait) -> AppResult<i64> {
    let backend = db.get_database_backend();
    let row = db
        .query_one(Statement::from_string(
            backend,
            "SELECT version FROM dataset_version WHERE id = 1",
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get("", "version")?,
        None => 0,
    })
}

/// Takes the import lock: call first in every import's transaction, so that imports run one
/// after another. On PostgreSQL the version row is locked until the transaction ends (a
/// second import waits, then sees the first's rows); SQLite allows one writer at a time by
/// itself, and a second waits for the first's commit on its busy timeout.
pub async fn lock_for_import(db: &impl ConnectionTrait) -> AppResult<()> {
    let backend = db.get_database_backend();
    if backend == sea_orm::DatabaseBackend::Postgres {
        db.execute(Statement::from_string(
            backend,
            "SELECT version FROM dataset_version WHERE id = 1 FOR UPDATE",
        ))
        .await?;
    }
    Ok(())
}

/// Bumps the version; call inside the import's transaction.
pub async fn bump(db: &impl ConnectionTrait) -> AppResult<()> {
    let backend = db.get_database_backend();
    db.execute(Statement::from_string(
        backend,
        "UPDATE dataset_version SET version = version + 1 WHERE id = 1",
    ))
    .await?;
    Ok(())
}
