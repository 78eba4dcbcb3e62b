//! An edition's provenance is one of OFFICIAL, CALIBRATED_SYNTHETIC and MIXED. Databases
//! written before sources were records name the ministry's spreadsheets OFFICIAL_MICRODATA:
//! that is OFFICIAL, and is stored so here, so that every stored text names a known value.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE survey_edition SET provenance = 'OFFICIAL' \
                 WHERE provenance = 'OFFICIAL_MICRODATA'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The older text meant the same; nothing to undo.
        Ok(())
    }
}
