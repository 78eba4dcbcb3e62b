//! A question of the catalogue (an indicator).

use sea_orm::entity::prelude::*;

use crate::domain::survey::{Asked, QuestionType};

/// A question of the catalogue (an indicator).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "question")]
pub struct Model {
    /// Stable readable code, e.g. `cio.appointed`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Section.
    pub section_code: String,
    /// Order in the summary.
    pub position: i32,
    /// Label as written.
    pub label_ja: String,
    /// English label.
    pub label_en: String,
    /// Answer shape.
    pub kind: QuestionType,
    /// Who is asked.
    pub asked: Asked,
    /// 1733 or 1741.
    pub municipal_universe: Option<i32>,
    /// Follow-ups: the parent question.
    pub condition_question: Option<String>,
    /// Follow-ups: the parent's option.
    pub condition_option: Option<String>,
    /// Where it differs from the edition's.
    pub reference_date: Option<String>,
    /// Where the figures come from another survey.
    #[sea_orm(column_type = "Text", nullable)]
    pub source: Option<String>,
    /// False when the summary gives no figure: no answers exist.
    pub has_data: bool,
    /// Remarks on the modelling.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
