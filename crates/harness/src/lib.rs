//! # hooklab-harness: runs a scenario and tells what happened
//!
//! The harness is where a run is put together:
//!
//! - [`transport`]: the real-mode [`hooklab_core::http::HttpClient`], reqwest
//!   over loopback sockets.
//! - [`run`]: replays one seeded workload against each strategy of a scenario,
//!   each on a fresh platform and shop bound to `127.0.0.1:0`, and folds what
//!   they recorded into a [`hooklab_core::report::Summary`]; its `fold`
//!   module reads what a stopped run recorded and folds it into one
//!   strategy's report, and its `deliveries` module reads each webhook
//!   delivery's own legs off the platform's and the shop's records.
//!   Its `crash` module kills and restarts the platform and the shop at a
//!   scenario's crash faults, the platform from its SQLite store, and
//!   reports what each crash lost.
//! - [`calibration`]: one webhook delivery's way through this machine's
//!   platform and receiver, timed before a real-clock run's load.
//! - [`error`]: [`HarnessError`], why a run could not be carried out, shared
//!   by the run and both networks.
//! - [`network`]: where a run's hosts live, real sockets ([`network::Loopback`])
//!   or [`virtual_net`] (hyper over in-memory pipes on a paused clock), with
//!   the scenario's `[network]` table applied in front of either.
//! - [`meter`]: counts bytes and connections at each end of every
//!   connection, and the platform's CPU time.
//! - [`sweep`]: expands a scenario's `[sweep]` table into one strategy per
//!   value.
//! - [`timeline`]: folds a run's events into per-second request counts.
//! - `outcomes`: folds each order's outcome the moment it ends, so a run's
//!   memory follows the orders in flight.
//! - `shard`: one strategy of a virtual run split into independent worlds
//!   (large separable strategies by default; `--shards`), what of a world is
//!   separable and what is not, and how the summary says so.
//!
//! Measurement and display stay apart: the harness measures and hands a
//! [`hooklab_core::report::Summary`] over, and the `hooklab-report` crate
//! renders it (table, Markdown, CSV, charts). Nothing here renders, and the
//! harness does not depend on the report crate.

pub mod calibration;
mod crash;
mod deliveries;
pub mod error;
mod fold;
pub mod meter;
pub mod network;
mod outcomes;
pub mod run;
mod shard;
pub mod sweep;
pub mod timeline;
pub mod transport;
pub mod virtual_net;

pub use error::HarnessError;
pub use run::{Progress, RunOptions, run_scenario};
