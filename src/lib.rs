//! DX Atlas puts Japan's municipal digital-transformation survey on the map.
//!
//! A tour of the code, from the outside in:
//! - [`cli`] is the configuration; [`startup`] builds the server that `main` and the tests run;
//!   [`telemetry`] sets up the log.
//! - [`http`] is the router (GraphQL, GraphiQL, the SDL, downloads, vector tiles and TileJSON,
//!   health and readiness) and the accept loop with its connection limits.
//! - [`graphql`] is the schema: types, query roots per domain, loaders and limits. Its
//!   resolvers turn arguments into calls to [`choropleth`], [`survey`] and [`context`], which
//!   know the rules, and into plain reads of [`repo`].
//! - [`repo`] reads and writes the [`entity`] tables; [`db`] connects and migrates.
//! - [`fetch`] finds the data files the manifest lists, downloading what is missing;
//!   [`files`] reads them with a bound on their size; [`import`] loads N03 boundary files,
//!   all or nothing.
//! - [`choropleth`] is the map pipeline: a request parsed once into a spec, its inputs
//!   gathered, values classed and coloured with a legend, then rendered as GeoJSON, TopoJSON,
//!   CSV or vector tiles; and spatial autocorrelation of a map's values.
//! - [`ogcapi`] is OGC API – Features and – Tiles without HTTP: the two collections, their
//!   schema, the feature table each generation is served from, paging and absolute links.
//! - [`tileset`] is the tile set as a whole: TileJSON, and PMTiles and MBTiles archives.
//! - [`stats`] classifies values, names ColorBrewer palettes, and measures spatial
//!   autocorrelation and correlation.
//! - [`survey`] is the survey: catalogue, published figures, sources, calibrated answers,
//!   aggregates, the dashboard table and microdata imports.
//! - [`dataset`] is the whole survey as one dataset: wide and long tables, statistics, and a
//!   data package with the boundaries.
//! - [`context`] is what researchers join to the survey: official statistics per municipality
//!   (SSDSE-A, with derived ones), names, and variables read as a number per municipality.
//! - [`readmodel`] is the in-memory model requests read, swapped after imports; [`cache`]
//!   keeps finished documents, compressed.
//! - [`spatial`] is geometry: TopoJSON, validation, measures, topology, simplification, index,
//!   tiles.
//! - [`domain`] holds the pure types with rules: codes, check digits, kinds of municipality,
//!   the survey's vocabulary.
//! - [`error`] is the one error type, mapped to GraphQL and HTTP in one place.

pub mod cache;
pub mod choropleth;
pub mod cli;
pub mod context;
pub mod dataset;
pub mod db;
pub mod domain;
pub mod entity;
pub mod error;
pub mod fetch;
pub mod files;
pub mod graphql;
pub mod http;
pub mod import;
pub mod ogcapi;
pub mod readmodel;
pub mod repo;
pub mod spatial;
pub mod startup;
pub mod stats;
pub mod survey;
pub mod telemetry;
pub mod tileset;
