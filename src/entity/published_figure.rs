//! A number written in the survey summary.

use sea_orm::entity::prelude::*;

use crate::domain::survey::{Measure, Subject};

/// A number written in the survey summary.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "published_figure")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key, auto_increment = true)]
    pub id: i64,
    /// Edition.
    pub edition_code: String,
    /// Order in the summary.
    pub position: i32,
    /// Question.
    pub question_code: String,
    /// Prefectures or municipalities.
    pub subject: Subject,
    /// What the number counts.
    pub measure: Measure,
    /// Option counted.
    pub option_code: Option<String>,
    /// Breakdown by kind of municipality.
    pub group_code: Option<String>,
    /// The number.
    pub value: i64,
    /// Who was asked.
    pub denominator: Option<i64>,
    /// Percent as written.
    pub percent: Option<f64>,
    /// The phrase of the text.
    #[sea_orm(column_type = "Text")]
    pub quote: String,
    /// Implied by percentages rather than written.
    pub derived: bool,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
