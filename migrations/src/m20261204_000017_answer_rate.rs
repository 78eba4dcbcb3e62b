//! Answers that are shares (card holding, procedures online, a procedure's online use): the
//! percentage as published, held exactly in hundredths of a percent.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Answer::Table)
                    .add_column(ColumnDef::new(Answer::RateHundredths).big_integer().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Answer::Table)
                    .drop_column(Answer::RateHundredths)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Answer {
    Table,
    RateHundredths,
}
