//! Boundaries of municipalities and prefectures.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Boundary::Table)
                    .if_not_exists()
                    // Two digits for a prefecture, five for a municipality: the lengths never
                    // collide, so one key serves both without a foreign key to either table.
                    .col(
                        ColumnDef::new(Boundary::Code)
                            .string_len(5)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Boundary::Level).string_len(16).not_null())
                    // RFC 7946 geometry (WGS 84 lon/lat, counter-clockwise exteriors) as JSON text.
                    // Numbers are written in their shortest round-trip form, so a geometry reads
                    // back bit for bit on both back ends; no PostGIS is needed because spatial
                    // queries run on the in-process index.
                    .col(ColumnDef::new(Boundary::Geometry).text().not_null())
                    .col(ColumnDef::new(Boundary::AreaKm2).double().not_null())
                    .col(ColumnDef::new(Boundary::MinLon).double().not_null())
                    .col(ColumnDef::new(Boundary::MinLat).double().not_null())
                    .col(ColumnDef::new(Boundary::MaxLon).double().not_null())
                    .col(ColumnDef::new(Boundary::MaxLat).double().not_null())
                    .col(ColumnDef::new(Boundary::CentroidLon).double().not_null())
                    .col(ColumnDef::new(Boundary::CentroidLat).double().not_null())
                    // The file the geometry came from, for provenance.
                    .col(ColumnDef::new(Boundary::Source).string().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_boundary_level")
                    .table(Boundary::Table)
                    .col(Boundary::Level)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Boundary::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Boundary {
    Table,
    Code,
    Level,
    Geometry,
    AreaKm2,
    MinLon,
    MinLat,
    MaxLon,
    MaxLat,
    CentroidLon,
    CentroidLat,
    Source,
}
