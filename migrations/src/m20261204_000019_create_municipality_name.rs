//! What municipalities are called and where their town halls are: readings, romanised names,
//! official websites, from sources other than the boundaries (so a boundary import keeps them).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MunicipalityName::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(MunicipalityName::Code)
                            .string_len(5)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(MunicipalityName::Kana).text().null())
                    .col(ColumnDef::new(MunicipalityName::Romaji).text().null())
                    .col(ColumnDef::new(MunicipalityName::Website).text().null())
                    .col(
                        ColumnDef::new(MunicipalityName::TownHallLat)
                            .double()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(MunicipalityName::TownHallLon)
                            .double()
                            .null(),
                    )
                    // Every searchable form of the name, folded, each after a newline, so that
                    // `LIKE '%' || char(10) || prefix || '%'` is a prefix search over all of them.
                    .col(
                        ColumnDef::new(MunicipalityName::SearchKeys)
                            .text()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MunicipalityName::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MunicipalityName {
    Table,
    Code,
    Kana,
    Romaji,
    Website,
    TownHallLat,
    TownHallLon,
    SearchKeys,
}
