//! Database migrations of DX Atlas, one table (or one constraint) per migration, for SQLite and PostgreSQL alike.
//!
//! Landed migrations are never edited: a change of schema is a new migration.

pub use sea_orm_migration::prelude::*;

mod m20240401_000001_create_prefecture;
mod m20240401_000002_create_municipality;
mod m20240401_000003_create_boundary;
mod m20240401_000004_create_survey_edition;
mod m20240401_000005_create_survey_section;
mod m20240401_000006_create_question;
mod m20240401_000007_create_question_option;
mod m20240401_000008_create_answer;
mod m20240401_000009_create_published_figure;
mod m20240401_000010_create_online_procedure;
mod m20240401_000011_create_national_figure;
mod m20240401_000012_create_dataset_version;
mod m20261201_000013_unique_answer;
mod m20261201_000014_create_source;
mod m20261201_000015_answer_source;
mod m20261201_000016_edition_provenance;
mod m20261204_000017_answer_rate;
mod m20261204_000018_create_statistic;
mod m20261204_000019_create_municipality_name;

/// Runs the migrations in name order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20240401_000001_create_prefecture::Migration),
            Box::new(m20240401_000002_create_municipality::Migration),
            Box::new(m20240401_000003_create_boundary::Migration),
            Box::new(m20240401_000004_create_survey_edition::Migration),
            Box::new(m20240401_000005_create_survey_section::Migration),
            Box::new(m20240401_000006_create_question::Migration),
            Box::new(m20240401_000007_create_question_option::Migration),
            Box::new(m20240401_000008_create_answer::Migration),
            Box::new(m20240401_000009_create_published_figure::Migration),
            Box::new(m20240401_000010_create_online_procedure::Migration),
            Box::new(m20240401_000011_create_national_figure::Migration),
            Box::new(m20240401_000012_create_dataset_version::Migration),
            Box::new(m20261201_000013_unique_answer::Migration),
            Box::new(m20261201_000014_create_source::Migration),
            Box::new(m20261201_000015_answer_source::Migration),
            Box::new(m20261201_000016_edition_provenance::Migration),
            Box::new(m20261204_000017_answer_rate::Migration),
            Box::new(m20261204_000018_create_statistic::Migration),
            Box::new(m20261204_000019_create_municipality_name::Migration),
        ]
    }
}
