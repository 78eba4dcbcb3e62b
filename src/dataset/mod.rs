//! The whole survey as one dataset, for researchers who want every indicator of every
//! authority at once: a wide and a long table and the statistics, as CSV and workbooks, and a
//! data package with the boundaries. Built from the read model, one edition at a time, and
//! kept for the generation it was built from. Nothing here knows of HTTP or GraphQL.
//!
//! [`spec`] parses what a request asks for; [`data`] gathers an edition, [`store`] keeps it;
//! [`tables`] lays out the tables, [`table`] writes CSV and [`sheets`] workbooks;
//! [`package`] writes the data package; [`files`] writes any one file.

pub mod data;
pub mod files;
pub mod package;
pub mod sheets;
pub mod spec;
pub mod store;
pub mod table;
pub mod tables;
