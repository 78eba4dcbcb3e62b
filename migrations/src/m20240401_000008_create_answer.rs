//! The per-authority answers of an edition.
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
                    .table(Answer::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Answer::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Answer::EditionCode)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Answer::QuestionCode)
                            .string_len(64)
                            .not_null(),
                    )
                    // PREFECTURE or MUNICIPALITY: the respondent's level.
                    .col(ColumnDef::new(Answer::Subject).string_len(16).not_null())
                    // Two digits for a prefecture, five for a municipality; no foreign key as it may be either.
                    .col(
                        ColumnDef::new(Answer::RespondentCode)
                            .string_len(5)
                            .not_null(),
                    )
                    // One row per chosen option; null with a null Amount: a multiple-choice answer choosing none of the listed options.
                    .col(ColumnDef::new(Answer::OptionCode).string_len(64).null())
                    // The number given to a COUNT question.
                    .col(ColumnDef::new(Answer::Amount).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_answer_edition")
                            .from(Answer::Table, Answer::EditionCode)
                            .to(SurveyEdition::Table, SurveyEdition::Code)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_answer_question")
                            .from(Answer::Table, Answer::QuestionCode)
                            .to(Question::Table, Question::Code)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_answer_edition_question")
                    .table(Answer::Table)
                    .col(Answer::EditionCode)
                    .col(Answer::QuestionCode)
                    .col(Answer::Subject)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_answer_respondent")
                    .table(Answer::Table)
                    .col(Answer::EditionCode)
                    .col(Answer::RespondentCode)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Answer::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Answer {
    Table,
    Id,
    EditionCode,
    QuestionCode,
    Subject,
    RespondentCode,
    OptionCode,
    Amount,
}
