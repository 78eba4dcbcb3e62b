//! The every number written in the survey summary.
use crate::m20240401_000004_create_survey_edition::SurveyEdition;
use crate::m20240401_000006_create_question::Question;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PublishedFigure::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(PublishedFigure::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PublishedFigure::EditionCode)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedFigure::Position)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedFigure::QuestionCode)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedFigure::Subject)
                            .string_len(16)
                            .not_null(),
                    )
                    // COUNT (respondents choosing OptionCode), SUM (of a count question) or RESPONDENTS (how many were asked).
                    .col(
                        ColumnDef::new(PublishedFigure::Measure)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedFigure::OptionCode)
                            .string_len(64)
                            .null(),
                    )
                    // A breakdown by kind of municipality, as the summary's front-yard tables give.
                    .col(
                        ColumnDef::new(PublishedFigure::GroupCode)
                            .string_len(32)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PublishedFigure::Value)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedFigure::Denominator)
                            .big_integer()
                            .null(),
                    )
                    // As written in the text.
                    .col(ColumnDef::new(PublishedFigure::Percent).double().null())
                    // The phrase of the text the number comes from.
                    .col(ColumnDef::new(PublishedFigure::Quote).text().not_null())
                    // Implied by the text's percentages rather than written.
                    .col(
                        ColumnDef::new(PublishedFigure::Derived)
                            .boolean()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_figure_edition")
                            .from(PublishedFigure::Table, PublishedFigure::EditionCode)
                            .to(SurveyEdition::Table, SurveyEdition::Code)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_figure_question")
                            .from(PublishedFigure::Table, PublishedFigure::QuestionCode)
                            .to(Question::Table, Question::Code)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_figure_edition")
                    .table(PublishedFigure::Table)
                    .col(PublishedFigure::EditionCode)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PublishedFigure::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum PublishedFigure {
    Table,
    Id,
    EditionCode,
    Position,
    QuestionCode,
    Subject,
    Measure,
    OptionCode,
    GroupCode,
    Value,
    Denominator,
    Percent,
    Quote,
    Derived,
}
