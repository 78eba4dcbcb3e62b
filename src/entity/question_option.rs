//! An answer option.

use sea_orm::entity::prelude::*;

/// An answer option.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "question_option")]
pub struct Model {
    /// Its question.
    #[sea_orm(primary_key, auto_increment = false)]
    pub question_code: String,
    /// Option code, e.g. `yes`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Order.
    pub position: i32,
    /// Label as written.
    pub label_ja: String,
    /// English label.
    pub label_en: String,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
