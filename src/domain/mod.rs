//! Pure domain types with their rules: authority codes and check digits, prefectures,
//! kinds of municipality. Nothing here knows of databases, GraphQL or HTTP.

pub mod codes;
pub mod kind;
pub mod prefectures;

pub use codes::{AuthorityCode, CodeError, PrefectureCode};
pub use kind::MunicipalityKind;
