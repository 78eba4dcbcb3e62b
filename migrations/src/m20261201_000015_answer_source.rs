//! Every answer names its source and its own reference date (null where the data does not
//! state one). Answers stored before sources existed came from their edition's one source:
//! they are given it here.

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
                    .add_column(ColumnDef::new(Answer::SourceCode).string_len(64).null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Answer::Table)
                    .add_column(ColumnDef::new(Answer::ReferenceDate).string_len(10).null())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for (provenance, source) in [
            ("CALIBRATED_SYNTHETIC", "calibrated-synthetic"),
            ("OFFICIAL_MICRODATA", "mic-microdata"),
        ] {
            db.execute_unprepared(&format!(
                "UPDATE answer SET source_code = '{source}' WHERE source_code IS NULL AND \
                 edition_code IN (SELECT code FROM survey_edition WHERE provenance = '{provenance}')"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Answer::SourceCode, Answer::ReferenceDate] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Answer::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Answer {
    Table,
    SourceCode,
    ReferenceDate,
}
