//! A section of the survey summary.

use sea_orm::entity::prelude::*;

/// A section of the survey summary.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_section")]
pub struct Model {
    /// Numbering, e.g. `1-1-1` for (1)①1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Order in the summary.
    pub position: i32,
    /// Heading as written.
    pub label_ja: String,
    /// English heading.
    pub label_en: String,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
