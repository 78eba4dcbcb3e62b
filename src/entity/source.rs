//! A source of answers: who published it, where, under which terms, and the files read.

use sea_orm::entity::prelude::*;

use crate::domain::survey::SourceKind;

/// A source of answers.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "source")]
pub struct Model {
    /// Code, e.g. `digital-agency-dashboard`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Official or synthetic.
    pub kind: SourceKind,
    /// Title.
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// Publisher.
    #[sea_orm(column_type = "Text")]
    pub publisher: String,
    /// Where the original files are published.
    #[sea_orm(column_type = "Text", nullable)]
    pub url: Option<String>,
    /// The credit line its terms require.
    #[sea_orm(column_type = "Text", nullable)]
    pub credit: Option<String>,
    /// Licence or terms of use.
    #[sea_orm(column_type = "Text", nullable)]
    pub licence: Option<String>,
    /// Publication date, ISO 8601, where known.
    pub published: Option<String>,
    /// One line per file read: `sha256  name`.
    #[sea_orm(column_type = "Text")]
    pub files: String,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
