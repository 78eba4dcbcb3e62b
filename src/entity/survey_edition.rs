//! A survey edition (one year of the survey).

use sea_orm::entity::prelude::*;

use crate::domain::survey::Provenance;

/// A survey edition (one year of the survey).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_edition")]
pub struct Model {
    /// Edition code, e.g. `R5`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Title of the survey.
    pub title: String,
    /// Status date, ISO 8601.
    pub reference_date: String,
    /// Where the survey and its summary come from.
    #[sea_orm(column_type = "Text")]
    pub source: String,
    /// Official, calibrated synthetic or mixed.
    pub provenance: Provenance,
    /// What the provenance means for the per-authority values.
    #[sea_orm(column_type = "Text")]
    pub provenance_note: String,
    /// Bumped by every import of answers.
    pub data_version: i64,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
