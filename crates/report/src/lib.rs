//! # hooklab-report: what a run's numbers look like to people
//!
//! The harness measures and hands over a [`hooklab_core::report::Summary`];
//! this crate only reads one and renders it. It depends on the core, plotters
//! and the csv crate, and on no runtime or HTTP crate, so measurement and
//! display stay apart by construction (as hatoo/oha keeps them), and
//! `hooklab report` can redraw any saved `summary.json` without running it.
//!
//! Its parts, from the leaves up (no module imports one above it):
//!
//! - [`units`]: numbers as people read them: durations in the unit that reads
//!   best, decimals, and the decimal comma of Portuguese.
//! - [`i18n`]: every label ([`i18n::Msg`]) and sentence (headline, footnote,
//!   readings) in English and Brazilian Portuguese, by
//!   [`hooklab_core::lang::Lang`].
//! - [`traffic`]: the cost columns (KB per order, connections held, the
//!   platform's CPU) and how they were measured.
//! - [`crash`]: the crash table (what each crash lost, what a store
//!   resumed), for runs with crash faults.
//! - [`health`]: the run-health block under the table, each flag graded
//!   (mild, or bad).
//! - [`render`]: the terminal table, the Markdown report (`summary.md`) and
//!   the JSON (`summary.json`).
//! - [`csv`]: `summary.csv`, one flat row per strategy, from a
//!   `#[derive(Serialize)]` row.
//! - [`charts`]: the SVG charts (latency CDF, outcomes, requests, timeline,
//!   trade-off).
//! - [`index`]: `results/README.md`, the index of every committed run.
//! - [`write`](mod@write): writes a results folder (every file above) atomically.
//! - [`doc_numbers`]: the lessons' and the model docs' quoted numbers,
//!   rendered from the committed results (inline references).

pub mod charts;
pub mod crash;
pub mod csv;
pub mod doc_numbers;
pub mod health;
pub mod i18n;
pub mod index;
pub mod render;
pub mod traffic;
pub mod units;
pub mod write;

pub use render::Format;
pub use write::{WriteError, write_results};
