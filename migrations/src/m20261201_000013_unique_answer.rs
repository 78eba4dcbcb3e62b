//! One answer per edition, question, respondent and option: two imports that overlap can no
//! longer leave an answer twice. A count answer has no option; `COALESCE` makes those rows
//! unique too (a plain unique index treats NULLs as distinct on both back ends).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS answer_one_per_key ON answer \
                 (edition_code, question_code, respondent_code, COALESCE(option_code, ''))",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS answer_one_per_key")
            .await
            .map(|_| ())
    }
}
