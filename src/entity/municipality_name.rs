//! A municipality's reading, romanised name, website and town-hall point.

use sea_orm::entity::prelude::*;

/// Names of one municipality.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "municipality_name")]
pub struct Model {
    /// Five-digit code.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Reading in hiragana, e.g. しんじゅくく.
    #[sea_orm(column_type = "Text", nullable)]
    pub kana: Option<String>,
    /// Romanised name, e.g. Shinjuku-ku.
    #[sea_orm(column_type = "Text", nullable)]
    pub romaji: Option<String>,
    /// Official website.
    #[sea_orm(column_type = "Text", nullable)]
    pub website: Option<String>,
    /// Town hall latitude (WGS 84).
    pub town_hall_lat: Option<f64>,
    /// Town hall longitude (WGS 84).
    pub town_hall_lon: Option<f64>,
    /// Folded search forms, each after a newline.
    #[sea_orm(column_type = "Text")]
    pub search_keys: String,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
