//! The 47 prefectures.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Prefecture::Table)
                    .if_not_exists()
                    // Two-digit JIS X 0401 code as text, so that "01" keeps its leading zero.
                    .col(
                        ColumnDef::new(Prefecture::Code)
                            .string_len(2)
                            .not_null()
                            .primary_key(),
                    )
                    // The six-digit 全国地方公共団体コード (e.g. 130001), stored to be searchable as written.
                    .col(ColumnDef::new(Prefecture::LgCode).string_len(6).not_null())
                    .col(ColumnDef::new(Prefecture::Name).string().not_null())
                    .col(ColumnDef::new(Prefecture::NameEn).string().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Prefecture::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Prefecture {
    Table,
    Code,
    LgCode,
    Name,
    NameEn,
}
