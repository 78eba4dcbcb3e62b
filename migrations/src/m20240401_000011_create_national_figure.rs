//! The national figures that belong to no single question.
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
                    .table(NationalFigure::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(NationalFigure::EditionCode)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NationalFigure::Code)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(NationalFigure::LabelJa).string().not_null())
                    .col(ColumnDef::new(NationalFigure::Value).double().not_null())
                    .col(
                        ColumnDef::new(NationalFigure::Unit)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(NationalFigure::Quote).text().not_null())
                    .primary_key(
                        Index::create()
                            .col(NationalFigure::EditionCode)
                            .col(NationalFigure::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_national_figure_edition")
                            .from(NationalFigure::Table, NationalFigure::EditionCode)
                            .to(SurveyEdition::Table, SurveyEdition::Code)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NationalFigure::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum NationalFigure {
    Table,
    EditionCode,
    Code,
    LabelJa,
    Value,
    Unit,
    Quote,
}
