//! One per-authority answer row.

use sea_orm::entity::prelude::*;

use crate::domain::survey::Subject;

/// One per-authority answer row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "answer")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key, auto_increment = true)]
    pub id: i64,
    /// Edition.
    pub edition_code: String,
    /// Question.
    pub question_code: String,
    /// Who answered: a prefecture or a municipality.
    pub subject: Subject,
    /// Prefecture (2 digits) or municipality (5 digits).
    pub respondent_code: String,
    /// Chosen option.
    pub option_code: Option<String>,
    /// Number given to a count question.
    pub amount: Option<i64>,
    /// Share given to a rate question, in hundredths of a percent (see `domain::Percent`).
    pub rate_hundredths: Option<i64>,
    /// The source the answer comes from (see `survey::source`).
    pub source_code: Option<String>,
    /// The answer's own reference date, ISO 8601; null where its source does not state one.
    pub reference_date: Option<String>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
