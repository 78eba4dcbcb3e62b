//! The municipalities: 1,741 administered plus the six Northern Territories villages.

use sea_orm_migration::prelude::*;

use crate::m20240401_000001_create_prefecture::Prefecture;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Municipality::Table)
                    .if_not_exists()
                    // Five-digit JIS X 0402 code (N03_007) as text: leading zeros matter (01100).
                    .col(
                        ColumnDef::new(Municipality::Code)
                            .string_len(5)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Municipality::LgCode)
                            .string_len(6)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Municipality::Name).string().not_null())
                    .col(
                        ColumnDef::new(Municipality::PrefectureCode)
                            .string_len(2)
                            .not_null(),
                    )
                    // N03_002: the Hokkaido subprefecture (振興局), null elsewhere.
                    .col(ColumnDef::new(Municipality::Subprefecture).string().null())
                    // N03_003 when it is a county (郡); null for cities and wards.
                    .col(ColumnDef::new(Municipality::County).string().null())
                    // DESIGNATED_CITY, CORE_CITY, SPECIAL_WARD, CITY, TOWN or VILLAGE; text
                    // rather than a database enum so that SQLite and PostgreSQL share one schema.
                    .col(ColumnDef::new(Municipality::Kind).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Municipality::Administered)
                            .boolean()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_municipality_prefecture")
                            .from(Municipality::Table, Municipality::PrefectureCode)
                            .to(Prefecture::Table, Prefecture::Code)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_municipality_prefecture_kind")
                    .table(Municipality::Table)
                    .col(Municipality::PrefectureCode)
                    .col(Municipality::Kind)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Municipality::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Municipality {
    Table,
    Code,
    LgCode,
    Name,
    PrefectureCode,
    Subprefecture,
    County,
    Kind,
    Administered,
}
