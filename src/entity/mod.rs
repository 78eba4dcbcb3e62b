//! SeaORM entities, one per table; no behaviour beyond the mapping.

pub mod answer;
pub mod boundary;
pub mod municipality;
pub mod municipality_name;
pub mod national_figure;
pub mod online_procedure;
pub mod prefecture;
pub mod published_figure;
pub mod question;
pub mod question_option;
pub mod source;
pub mod statistic;
pub mod survey_edition;
pub mod survey_section;
