//! # hooklab-harness: runs a scenario and tells what happened
//!
//! The harness is where a run is put together:
//!
//! - [`transport`]: the real-mode [`hooklab_core::http::HttpClient`], reqwest
//!   over loopback sockets.
//! - [`run`]: replays one seeded workload against each strategy of a scenario,
//!   each on a fresh platform and shop bound to `127.0.0.1:0`, and folds what
//!   they recorded into a [`hooklab_core::report::Summary`].
//! - [`render`]: turns a summary into a terminal table, Markdown or JSON, and
//!   writes the results folder; [`csv`], [`charts`] (SVG) and [`index`]
//!   (`results/README.md`) are its parts, [`i18n`] holds every label in
//!   English and Brazilian Portuguese.
//! - [`network`]: where a run's hosts live, real sockets ([`network::Loopback`])
//!   or [`virtual_net`] (hyper over in-memory pipes on a paused clock), with
//!   the scenario's `[network]` table applied in front of either.
//! - [`sweep`]: expands a scenario's `[sweep]` table into one strategy per
//!   value.
//!
//! Measurement and display stay apart: [`run`] produces plain data, and
//! [`render`] only reads it.

pub mod charts;
pub mod csv;
pub mod i18n;
pub mod index;
pub mod network;
pub mod render;
pub mod run;
pub mod sweep;
pub mod timeline;
pub mod transport;
pub mod virtual_net;

pub use run::{HarnessError, Progress, RunOptions, run_scenario};
