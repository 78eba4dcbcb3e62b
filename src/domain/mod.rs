//! Pure domain types with their rules: authority codes and check digits, prefectures,
//! kinds of municipality, the survey's vocabulary. Nothing here knows of GraphQL or HTTP; the
//! survey's vocabulary says how it is stored, so that an unknown stored text is an error.

pub mod bbox;
pub mod codes;
pub mod kind;
pub mod percent;
pub mod prefectures;
pub mod survey;

pub use bbox::{BBoxError, BoundingBox};
pub use codes::{AuthorityCode, CodeError, PrefectureCode};
pub use kind::MunicipalityKind;
pub use percent::{Percent, PercentError};
