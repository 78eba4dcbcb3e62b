//! Where answers come from, as records: the calibrated generator, the ministry's 個別データ,
//! the Digital Agency's dashboard table. Every answer names one (next migration).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Source::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Source::Code)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    // OFFICIAL or CALIBRATED_SYNTHETIC.
                    .col(ColumnDef::new(Source::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Source::Title).text().not_null())
                    .col(ColumnDef::new(Source::Publisher).text().not_null())
                    // Where the original files are published; null for the generator.
                    .col(ColumnDef::new(Source::Url).text().null())
                    .col(ColumnDef::new(Source::Credit).text().null())
                    .col(ColumnDef::new(Source::Licence).text().null())
                    // ISO 8601; null where not known.
                    .col(ColumnDef::new(Source::Published).string_len(10).null())
                    // One line per file read: `sha256  name`.
                    .col(ColumnDef::new(Source::Files).text().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Source::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Source {
    Table,
    Code,
    Kind,
    Title,
    Publisher,
    Url,
    Credit,
    Licence,
    Published,
    Files,
}
