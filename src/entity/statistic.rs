//! An official statistic (one SSDSE-A variable) with every municipality's value.

use sea_orm::entity::prelude::*;

/// A statistic.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statistic")]
pub struct Model {
    /// The publisher's code, e.g. `A1101`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Japanese label as published, e.g. 総人口.
    #[sea_orm(column_type = "Text")]
    pub label: String,
    /// Unit, e.g. 人, ha, 千円; `None` where it cannot be told.
    pub unit: Option<String>,
    /// The year the values refer to.
    pub year: i32,
    /// Source record code.
    pub source_code: String,
    /// Column position in the file.
    pub position: i32,
    /// JSON object: five-digit municipal code → number.
    #[sea_orm(column_type = "Text")]
    pub values: String,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
