//! DX Atlas puts Japan's municipal digital-transformation survey on the map.
//!
//! A tour of the code, from the outside in:
//! - [`cli`] is the configuration; [`startup`] builds the server that `main` and the tests run.
//! - [`http`] is the router (GraphQL, GraphiQL, the SDL, downloads, health and readiness) and
//!   the accept loop with its connection limits.
//! - [`graphql`] is a thin layer of types and resolvers over [`repo`].
//! - [`repo`] reads and writes the [`entity`] tables; [`db`] connects and migrates.
//! - [`fetch`] finds the data files the manifest lists, downloading what is missing;
//!   [`import`] loads N03 boundary files, all or nothing.
//! - [`choropleth`] joins indicator values with boundaries: classes, colours, legend; rendered
//!   as GeoJSON, TopoJSON or CSV.
//! - [`stats`] classifies values, names ColorBrewer palettes, and measures spatial autocorrelation.
//! - [`survey`] is the survey: catalogue, published figures, sources, calibrated answers,
//!   aggregates, the dashboard table and microdata imports.
//! - [`readmodel`] is the in-memory model requests read, swapped after imports; [`cache`]
//!   keeps finished documents, compressed.
//! - [`spatial`] is geometry: TopoJSON, validation, measures, topology, simplification, index.
//! - [`domain`] holds the pure types with rules: codes, check digits, kinds of municipality.
//! - [`error`] is the one error type, mapped to GraphQL and HTTP in one place.

pub mod cache;
pub mod choropleth;
pub mod cli;
pub mod context;
pub mod db;
pub mod domain;
pub mod entity;
pub mod error;
pub mod fetch;
pub mod files;
pub mod graphql;
pub mod http;
pub mod import;
pub mod readmodel;
pub mod repo;
pub mod spatial;
pub mod startup;
pub mod stats;
pub mod survey;
pub mod telemetry;
pub mod tileset;
