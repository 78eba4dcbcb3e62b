//! The answer options of each question.
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
                    .table(QuestionOption::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(QuestionOption::QuestionCode)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(QuestionOption::Code)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(QuestionOption::Position)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(QuestionOption::LabelJa).string().not_null())
                    .col(ColumnDef::new(QuestionOption::LabelEn).string().not_null())
                    .primary_key(
                        Index::create()
                            .col(QuestionOption::QuestionCode)
                            .col(QuestionOption::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_option_question")
                            .from(QuestionOption::Table, QuestionOption::QuestionCode)
                            .to(Question::Table, Question::Code)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(QuestionOption::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum QuestionOption {
    Table,
    QuestionCode,
    Code,
    Position,
    LabelJa,
    LabelEn,
}
