//! Queries over the entities. Functions here take and return entity models and domain types;
//! they know nothing of GraphQL or HTTP.

pub mod areas;
pub mod boundaries;
pub mod survey;
pub mod version;
