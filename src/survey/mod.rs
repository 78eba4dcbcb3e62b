//! The survey: its question catalogue and published figures, the respondent universes, the
//! calibrated synthetic answers, seeding an edition, and importing official microdata.

pub mod aggregate;
pub mod calibrate;
pub mod catalogue;
pub mod dashboard;
pub mod microdata;
pub mod seed;
pub mod source;
pub mod universe;
