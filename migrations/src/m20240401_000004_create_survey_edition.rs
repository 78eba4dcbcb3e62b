//! The survey edition: one survey year, with the provenance of its per-authority answers.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SurveyEdition::Table)
                    .if_not_exists()
                    // e.g. R5 (令和5年度).
                    .col(
                        ColumnDef::new(SurveyEdition::Code)
                            .string_len(16)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(SurveyEdition::Title).string().not_null())
                    // ISO 8601 date as text: both back ends compare such text in date order.
                    .col(
                        ColumnDef::new(SurveyEdition::ReferenceDate)
                            .string_len(10)
                            .not_null(),
                    )
                    .col(ColumnDef::new(SurveyEdition::Source).text().not_null())
                    // OFFICIAL_MICRODATA or CALIBRATED_SYNTHETIC.
                    .col(
                        ColumnDef::new(SurveyEdition::Provenance)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SurveyEdition::ProvenanceNote)
                            .text()
                            .not_null(),
                    )
                    // Bumped by every import, so that readers can tell their data is stale.
                    .col(
                        ColumnDef::new(SurveyEdition::DataVersion)
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SurveyEdition::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum SurveyEdition {
    Table,
    Code,
    Title,
    ReferenceDate,
    Source,
    Provenance,
    ProvenanceNote,
    DataVersion,
}
