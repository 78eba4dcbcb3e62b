//! DX Atlas integration tests: the real server on an ephemeral port, real HTTP, a real SQLite
//! file and a real PostgreSQL database. Each case runs once per back end.

// A failed step in a test should stop it loudly, with the message given.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod architecture;
mod areas;
mod autocorrelation;
mod browser;
mod choropleth;
mod context;
mod dashboard;
mod errors;
mod fetch;
mod fuzz;
mod geometry;
mod graphql_http;
mod hostile;
mod import;
mod levels;
mod ogcapi;
mod production;
mod ranges;
mod service;
mod spatial;
mod survey;
mod survey_tables;
mod tables;
mod tiles;
