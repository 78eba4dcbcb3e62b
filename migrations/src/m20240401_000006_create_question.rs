//! The the question catalogue (indicators).
use crate::m20240401_000005_create_survey_section::SurveySection;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Question::Table)
                    .if_not_exists()
                    // Stable readable code, e.g. cio.appointed.
                    .col(
                        ColumnDef::new(Question::Code)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Question::SectionCode)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Question::Position).integer().not_null())
                    .col(ColumnDef::new(Question::LabelJa).string().not_null())
                    .col(ColumnDef::new(Question::LabelEn).string().not_null())
                    // YES_NO, SINGLE_CHOICE, MULTIPLE_CHOICE, COUNT or PLANNING_STATUS.
                    .col(ColumnDef::new(Question::Kind).string_len(24).not_null())
                    // BOTH, PREFECTURES or MUNICIPALITIES.
                    .col(ColumnDef::new(Question::Asked).string_len(16).not_null())
                    // 1733 or 1741; null when only prefectures are asked.
                    .col(ColumnDef::new(Question::MunicipalUniverse).integer().null())
                    // Follow-ups: asked only of those who gave ConditionOption to ConditionQuestion.
                    .col(
                        ColumnDef::new(Question::ConditionQuestion)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Question::ConditionOption)
                            .string_len(64)
                            .null(),
                    )
                    // Where it differs from the edition's (AI/RPA 2022-12-31, telework 2023-10-01).
                    .col(
                        ColumnDef::new(Question::ReferenceDate)
                            .string_len(10)
                            .null(),
                    )
                    .col(ColumnDef::new(Question::Source).text().null())
                    // False: named by the summary without a figure; no answer is ever generated.
                    .col(ColumnDef::new(Question::HasData).boolean().not_null())
                    .col(ColumnDef::new(Question::Note).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_question_section")
                            .from(Question::Table, Question::SectionCode)
                            .to(SurveySection::Table, SurveySection::Code)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_question_section")
                    .table(Question::Table)
                    .col(Question::SectionCode)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Question::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
#[allow(clippy::enum_variant_names)] // The column is condition_question: the name says what it holds.
pub(crate) enum Question {
    Table,
    Code,
    SectionCode,
    Position,
    LabelJa,
    LabelEn,
    Kind,
    Asked,
    MunicipalUniverse,
    ConditionQuestion,
    ConditionOption,
    ReferenceDate,
    Source,
    HasData,
    Note,
}
