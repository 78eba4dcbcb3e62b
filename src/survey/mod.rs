//! The survey: its question catalogue and published figures, the respondent universes, the
//! calibrated synthetic answers, seeding an edition, importing official answers, and writing
//! the survey's records.

pub mod aggregate;
pub mod answer;
pub mod calibrate;
pub mod catalogue;
pub mod dashboard;
pub mod microdata;
pub mod seed;
pub mod source;
pub mod store;
pub mod universe;
pub mod values;
