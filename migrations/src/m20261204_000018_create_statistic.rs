//! Official statistics joined on the municipal codes (SSDSE-A): one row per variable, its
//! values held as one column. A map, a correlation or a population band always needs every
//! municipality's value of a variable at once, so a variable is read whole; 125 rows load in a
//! few milliseconds where 217,000 long-format rows would take most of a second.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Statistic::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Statistic::Code)
                            .string_len(16)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Statistic::Label).text().not_null())
                    // Null where the file does not say and DX Atlas cannot tell.
                    .col(ColumnDef::new(Statistic::Unit).string_len(16).null())
                    .col(ColumnDef::new(Statistic::Year).integer().not_null())
                    .col(
                        ColumnDef::new(Statistic::SourceCode)
                            .string_len(64)
                            .not_null(),
                    )
                    // Column position in the file, so lists keep the publisher's order.
                    .col(ColumnDef::new(Statistic::Position).integer().not_null())
                    // A JSON object: five-digit municipal code → number.
                    .col(ColumnDef::new(Statistic::Values).text().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Statistic::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Statistic {
    Table,
    Code,
    Label,
    Unit,
    Year,
    SourceCode,
    Position,
    Values,
}
