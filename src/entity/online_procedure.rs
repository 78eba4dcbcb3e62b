//! A row of the 59 online procedures table.

use sea_orm::entity::prelude::*;

use crate::domain::survey::{online_use_indicator, Asked};

/// A row of the 59 online procedures table (national estimates, not per authority).
// Served by GraphQL as it is stored, as sea-orm's GraphQL example serves its models.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, async_graphql::SimpleObject)]
#[sea_orm(table_name = "online_procedure")]
#[graphql(name = "OnlineProcedure", complex)]
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
    /// Who carries it out.
    #[graphql(skip)]
    pub scope: Asked,
    /// Annual procedures (national estimate).
    pub annual_total: Option<i64>,
    /// Online rate, percent.
    pub online_rate_percent: Option<f64>,
    /// Remarks.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
}

#[async_graphql::ComplexObject]
impl Model {
    /// Who carries it out: BOTH, PREFECTURES or MUNICIPALITIES.
    async fn scope(&self) -> String {
        self.scope.to_value()
    }

    /// The indicator of this procedure's online-use rate per authority (from the Digital
    /// Agency's dashboard table), usable in `choropleth`, `aggregate` and `value`.
    async fn indicator(&self) -> String {
        online_use_indicator(&self.category, self.number)
    }
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
