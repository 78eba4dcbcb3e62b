//! Database migrations of DX Atlas, one table per migration, for SQLite and PostgreSQL alike.
//!
//! Landed migrations are never edited: a change of schema is a new migration.

pub use sea_orm_migration::prelude::*;

mod m20240401_000001_create_prefecture;
mod m20240401_000002_create_municipality;
mod m20240401_000003_create_boundary;

/// Runs the migrations in name order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20240401_000001_create_prefecture::Migration),
            Box::new(m20240401_000002_create_municipality::Migration),
            Box::new(m20240401_000003_create_boundary::Migration),
        ]
    }
}
