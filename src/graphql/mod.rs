//! The GraphQL schema: query roots per domain merged into one, types and loaders.
//! Resolvers stay thin: they parse arguments and call [`crate::repo`].

pub mod areas;
pub mod choropleth;
pub mod geometry;
pub mod loaders;
pub mod survey;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema, SchemaBuilder};
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::spatial::atlas::Atlas;

/// The root of every query.
#[derive(MergedObject, Default)]
pub struct QueryRoot(areas::AreaQuery, survey::SurveyQuery, choropleth::MapQuery);

/// The schema type served at `/graphql`.
pub type AtlasSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

fn builder() -> SchemaBuilder<QueryRoot, EmptyMutation, EmptySubscription> {
    Schema::build(QueryRoot::default(), EmptyMutation, EmptySubscription)
}

/// Builds the schema over a database connection and the in-memory spatial model.
pub fn build_schema(db: DatabaseConnection, atlas: Arc<Atlas>) -> AtlasSchema {
    builder()
        .data(atlas)
        .data(DataLoader::new(
            loaders::AreaLoader { db: db.clone() },
            tokio::spawn,
        ))
        .data(db)
        .finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
