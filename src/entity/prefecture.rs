//! A prefecture row.

use sea_orm::entity::prelude::*;

/// A prefecture: two-digit code, six-digit authority code, names.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "prefecture")]
pub struct Model {
    /// Two-digit code, e.g. `13`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Six-digit 全国地方公共団体コード, e.g. `130001`.
    pub lg_code: String,
    /// Japanese name, e.g. 東京都.
    pub name: String,
    /// English name, e.g. Tokyo.
    pub name_en: String,
}

/// No relations are navigated from a prefecture; its municipalities name it (see
/// `municipality::Relation`).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
