//! One row counting imports: every import bumps it in its own transaction, so that every
//! server sharing the database can tell its in-memory read model is stale and rebuild it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DatasetVersion::Table)
                    .if_not_exists()
                    // Always 1: a single row.
                    .col(
                        ColumnDef::new(DatasetVersion::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(DatasetVersion::Version)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(DatasetVersion::Table)
                    .columns([DatasetVersion::Id, DatasetVersion::Version])
                    .values_panic([1.into(), 0.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DatasetVersion::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DatasetVersion {
    Table,
    Id,
    Version,
}
