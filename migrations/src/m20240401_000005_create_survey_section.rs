//! The sections of the survey summary, numbered as there.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SurveySection::Table)
                    .if_not_exists()
                    // The summary's numbering: (1)①1 is 1-1-1.
                    .col(
                        ColumnDef::new(SurveySection::Code)
                            .string_len(16)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(SurveySection::Position).integer().not_null())
                    .col(ColumnDef::new(SurveySection::LabelJa).string().not_null())
                    .col(ColumnDef::new(SurveySection::LabelEn).string().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SurveySection::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum SurveySection {
    Table,
    Code,
    Position,
    LabelJa,
    LabelEn,
}
