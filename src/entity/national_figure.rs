//! A national figure of the summary.

use sea_orm::entity::prelude::*;

/// A national figure of the summary.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "national_figure")]
pub struct Model {
    /// Edition.
    #[sea_orm(primary_key, auto_increment = false)]
    pub edition_code: String,
    /// Stable code.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Label as written.
    pub label_ja: String,
    /// The number.
    pub value: f64,
    /// Unit, e.g. PERCENT.
    pub unit: String,
    /// The phrase of the text.
    #[sea_orm(column_type = "Text")]
    pub quote: String,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
