//! The context researchers join to the survey: official statistics per municipality (SSDSE-A)
//! and what municipalities are called (readings, romanised names, websites, town halls).
//! Nothing here knows of GraphQL or HTTP.

pub mod names;
pub mod relations;
pub mod ssdse;
pub mod statistics;
pub mod store;
pub mod variables;
