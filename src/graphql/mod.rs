//! The GraphQL schema: query roots per domain merged into one, types and loaders.
//! Resolvers stay thin: they parse arguments and call [`crate::repo`].

pub mod areas;
pub mod budget;
pub mod choropleth;
pub mod context;
pub mod data;
pub mod documents;
pub mod extensions;
pub mod geometry;
pub mod loaders;
pub mod survey;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema, SchemaBuilder};
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::readmodel::ReadModel;

/// The root of every query.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    areas::AreaQuery,
    survey::SurveyQuery,
    choropleth::MapQuery,
    context::ContextQuery,
);

/// The schema type served at `/graphql`.
pub type AtlasSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// Deepest nesting of selections a query may have. The standard introspection query that
/// GraphiQL, code generators and API testers send nests 15 deep; the data itself needs far
/// less, and the complexity limit bounds what nesting can fan out to.
pub const MAX_DEPTH: usize = 20;
/// Largest complexity a query may have: every field counts one, a boundary
/// [`cost::BOUNDARY`], and a list multiplies what is selected under it by how many items it
/// holds (see [`cost`]). A page of 1,000 municipalities with their boundaries and a few
/// values is about 25,000.
pub const MAX_COMPLEXITY: usize = 50_000;

/// What fields weigh in the complexity of a query. Without list multipliers a query of a
/// few hundred fields could fan out to millions of resolutions (every prefecture's
/// municipalities' neighbours' neighbours' prefectures' boundaries).
pub mod cost {
    /// A municipality's boundary (geometry or feature): its stored GeoJSON averages 4.7 KB.
    pub const BOUNDARY: usize = 10;
    /// A prefecture's boundary: 51 KB on average, eleven municipalities' worth, so that one
    /// prefecture's boundary repeated under each of its municipalities weighs what it answers.
    pub const PREFECTURE_BOUNDARY: usize = 110;
    /// Items of `prefectures`.
    pub const PREFECTURES: usize = 47;
    /// Items of `Prefecture.municipalities`: the mean (1,747 / 47), as complexity is an
    /// estimate of work, not a bound.
    pub const MUNICIPALITIES_PER_PREFECTURE: usize = 38;
    /// Items of `Municipality.neighbors`: the mean is between five and six.
    pub const NEIGHBOURS: usize = 6;
    /// Items of a `municipalities` page when `first` is not given.
    pub const DEFAULT_PAGE: usize = 100;
    /// A spatial autocorrelation before its permutations, each of which adds a quarter: the
    /// largest run (99,999 permutations) takes half of a query's budget.
    pub const ANALYSIS: usize = 100;
    /// Items of `indicators`: at least as many as the catalogue holds (150), as a list's
    /// cost is what it may hold.
    pub const INDICATORS: usize = 160;
    /// Items of `statistics`: SSDSE-A's 125 variables and the derived ones, with room.
    pub const STATISTICS: usize = 140;
    /// An aggregate reads every answer of its indicator: ten in one query at most.
    pub const AGGREGATE: usize = 5_000;
    /// An indicator's coverage reads its answers and who is asked: twenty in one query.
    pub const COVERAGE: usize = 2_500;
    /// A reconciliation recomputes every published figure: two in one query.
    pub const RECONCILE: usize = 25_000;
    /// Complexities beyond this count as this: far above the limit, and far enough below
    /// `usize::MAX` that the engine's sums of them (a document holds at most
    /// [`super::extensions::MAX_EXPANDED_SELECTIONS`] selections) never overflow.
    pub const CEILING: usize = 1 << 40;
    /// How many [`CEILING`]s the engine may add up: a document's selections, expanded.
    #[cfg(test)]
    pub const MAX_SUMMED: usize = super::extensions::MAX_EXPANDED_SELECTIONS;

    /// What a list of `items`, each costing `child`, costs: saturating at [`CEILING`], where
    /// a nesting of lists would otherwise overflow.
    pub fn times(items: usize, child: usize) -> usize {
        items.saturating_mul(child).min(CEILING)
    }
}

fn builder() -> SchemaBuilder<QueryRoot, EmptyMutation, EmptySubscription> {
    Schema::build(QueryRoot::default(), EmptyMutation, EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(64)
        .extension(extensions::ErrorCodes)
        .extension(extensions::SchemaDescription)
        .extension(extensions::QueryShape)
        // Automatic persisted queries: a client may send the sha256 of a query it sent once.
        .extension(
            async_graphql::extensions::apollo_persisted_queries::ApolloPersistedQueries::new(
                async_graphql::extensions::apollo_persisted_queries::LruCacheStorage::new(1024),
            ),
        )
}

/// Builds the schema over a database connection and the read model.
pub fn build_schema(db: DatabaseConnection, model: Arc<ReadModel>) -> AtlasSchema {
    builder()
        .data(model)
        .data(DataLoader::new(
            loaders::AreaLoader { db: db.clone() },
            tokio::spawn,
        ))
        .data(db)
        .finish()
}

/// The schema's description: what `__schema { description }` answers and the SDL's schema
/// definition carries.
pub const DESCRIPTION: &str = "DX Atlas: Japan's survey of municipal and prefectural digital transformation (総務省「自治体DX・情報化推進状況調査」), every answer linked to the authority's boundary, with official statistics (SSDSE) and boundaries (国土数値情報 N03). Values carry their provenance, source and reference date; calibrated synthetic values are labelled as such.";

/// The schema in SDL, as committed in `schema.graphql`, its schema definition described.
pub fn sdl() -> String {
    let sdl = builder().finish().sdl();
    // async-graphql writes no description on the schema definition; GraphQL's SDL allows one.
    let described = format!("\"\"\"\n{DESCRIPTION}\n\"\"\"\nschema {{");
    sdl.replacen("\nschema {", &format!("\n{described}"), 1)
}

#[cfg(test)]
mod tests {
    use super::cost;
    use crate::survey::catalogue::Catalogue;

    #[test]
    fn the_indicators_list_costs_at_least_what_it_holds() {
        let held = Catalogue::r5().unwrap().questions.len();
        assert!(held <= cost::INDICATORS, "{held} indicators");
    }

    #[test]
    fn nested_lists_saturate_instead_of_overflowing() {
        let deep = (0..40).fold(1, |child, _| cost::times(cost::NEIGHBOURS, child));
        assert_eq!(deep, cost::CEILING);
        assert!(deep.checked_mul(cost::MAX_SUMMED).is_some());
    }
}
