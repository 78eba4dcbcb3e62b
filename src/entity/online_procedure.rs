//! A row of the 59 online procedures table.

use sea_orm::entity::prelude::*;

/// A row of the 59 online procedures table (national estimates, not per authority).
// Served by GraphQL as it is stored, as sea-orm's GraphQL example serves its models.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, async_graphql::SimpleObject)]
#[sea_orm(table_name = "online_procedure")]
#[graphql(name = "OnlineProcedure")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key, auto_increment = true)]
    #[graphql(skip)]
    pub id: i64,
    /// Edition.
    #[graphql(skip)]
    pub edition_code: String,
    /// Table and group.
    pub category: String,
    /// Number in its group.
    pub number: i32,
    /// Name as written.
    pub name_ja: String,
    /// BOTH, PREFECTURES or MUNICIPALITIES.
    pub scope: String,
    /// Annual procedures (national estimate).
    pub annual_total: Option<i64>,
    /// Online rate, percent.
    pub online_rate_percent: Option<f64>,
    /// Remarks.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
