//! The the 59 online procedures table: national estimates.
use crate::m20240401_000004_create_survey_edition::SurveyEdition;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OnlineProcedure::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(OnlineProcedure::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OnlineProcedure::EditionCode)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OnlineProcedure::Category)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(OnlineProcedure::Number).integer().not_null())
                    .col(ColumnDef::new(OnlineProcedure::NameJa).string().not_null())
                    .col(
                        ColumnDef::new(OnlineProcedure::Scope)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OnlineProcedure::AnnualTotal)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OnlineProcedure::OnlineRatePercent)
                            .double()
                            .null(),
                    )
                    .col(ColumnDef::new(OnlineProcedure::Note).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_procedure_edition")
                            .from(OnlineProcedure::Table, OnlineProcedure::EditionCode)
                            .to(SurveyEdition::Table, SurveyEdition::Code)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OnlineProcedure::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum OnlineProcedure {
    Table,
    Id,
    EditionCode,
    Category,
    Number,
    NameJa,
    Scope,
    AnnualTotal,
    OnlineRatePercent,
    Note,
}
