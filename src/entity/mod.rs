//! SeaORM entities, one per table; no behaviour beyond the mapping.

pub mod boundary;
pub mod municipality;
pub mod prefecture;
