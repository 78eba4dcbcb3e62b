//! A municipality row.

use sea_orm::entity::prelude::*;

use crate::domain::MunicipalityKind;

/// A municipality (市区町村).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "municipality")]
pub struct Model {
    /// Five-digit code (N03_007), e.g. `13104`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Six-digit 全国地方公共団体コード with check digit, e.g. `131041`.
    pub lg_code: String,
    /// Japanese name, e.g. 新宿区.
    pub name: String,
    /// Two-digit prefecture code.
    pub prefecture_code: String,
    /// Hokkaido subprefecture (振興局), N03_002.
    pub subprefecture: Option<String>,
    /// County (郡), from N03_003.
    pub county: Option<String>,
    /// Kind, stored as `MunicipalityKind::as_str`.
    #[sea_orm(column_type = "String(StringLen::N(16))")]
    pub kind: MunicipalityKind,
    /// False for the six Northern Territories villages.
    pub administered: bool,
}

/// Relations of a municipality.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The prefecture it lies in.
    #[sea_orm(
        belongs_to = "super::prefecture::Entity",
        from = "Column::PrefectureCode",
        to = "super::prefecture::Column::Code"
    )]
    Prefecture,
}

impl Related<super::prefecture::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Prefecture.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
