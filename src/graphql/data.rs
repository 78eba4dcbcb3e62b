//! What resolvers reach through the schema's context data.

use async_graphql::Context;
use sea_orm::DatabaseConnection;

/// The database, put in the schema's data by [`super::build_schema`].
pub fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}
