//! SVG charts of a [`Summary`], drawn with `plotters`.
//!
//! plotters is built without its default features: its SVG backend writes
//! text as `<text>` elements and lets the viewer pick the font, so no font
//! library (font-kit, freetype, fontconfig) is linked and the charts render on
//! a machine that has none. Every chart is a pure function of the summary and
//! the language, so `hooklab report` redraws them byte for byte.
//!
//! The charts:
//!
//! - `latency-cdf.svg`: the share of all orders notified within a delay, one
//!   line per strategy (a strategy that missed orders stops short of 100%,
//!   and its legend says how many it notified), on a log time axis (polling's straight ramp against the
//!   webhook's cliff);
//! - `outcomes.svg`: notified and missed orders per strategy (left), and
//!   apart from them (right) the duplicate notices and the webhook
//!   deliveries the receiver refused, by reason (the summary's `rejected`),
//!   or a line saying there were none; both count axes tick whole numbers;
//! - `requests.svg`: notification requests per order, split into useful polls,
//!   wasted polls and webhook deliveries (and the requests a dead platform
//!   refused, when a crash refused any), then on top the requests the
//!   platform's rate limit refused with 429, which no req/order counts;
//! - `timeline.svg`: notification requests per second over the run, and the
//!   wasted part of them: polling's flat busy line against webhooks following
//!   the settlements; below, webhook retries and failed deliveries per second
//!   when there were any. The axis ends where the last thing happened.
//! - `tradeoff.svg`: requests per order against mean and p99 delay, and the
//!   model's mean beside them; a sweep is a curve, a single strategy a point;
//! - `tradeoff-bytes.svg`: the same delays against kilobytes on the wire per
//!   order (drawn when the summary counted them).
//!
//! Where the table shows a 95% interval (`±` or `[low–high]`) the charts
//! draw it as a capped whisker: the missed count's in `outcomes.svg`, the
//! requests per order's in `requests.svg`, the mean delay's (and the
//! requests per order's) in `tradeoff.svg`; where the table shows the
//! model's value, a cross; where it marks a prediction (!), the trade-off's
//! point label carries the mark too. A legend line says what the whiskers
//! are.
//!
//! A colour always means one strategy (its place in the summary), in every
//! chart and on the live page; layers of a bar are tints of it, each with a
//! pattern of lines of its own (`hatch`), so they read apart in grey too.
//!
//! Each chart is its own private module (`cdf`, `bars`, `timeline`,
//! `tradeoff`), `style` holds what they share (size, palette, legend, axis
//! helpers), `hatch` the bars' patterns, `place` the collision pass that
//! keeps point labels apart and inside the plot, and [`all`] draws them
//! all: the chart modules import only `style`, `hatch` and `place`, never
//! each other.

mod bars;
mod cdf;
mod hatch;
mod place;
mod style;
mod timeline;
mod tradeoff;

use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use plotters::prelude::*;
use style::{Area, Drawn, SIZE};

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart {file}")]
pub struct ChartError {
    /// The chart's file name.
    pub file: &'static str,
    /// What plotters said.
    #[source]
    pub source: DrawingAreaErrorKind<std::io::Error>,
}

/// Draws one chart on a blank area.
type DrawChart = fn(&Area, &Summary, Lang) -> Drawn;

/// Every chart of `summary`, as `(file name, SVG text)`.
pub fn all(summary: &Summary, lang: Lang) -> Result<Vec<(&'static str, String)>, ChartError> {
    // The charts' text shows names too: escaped like every other output.
    let summary = &crate::render::displayable(summary);
    let mut charts: Vec<(&'static str, DrawChart)> = vec![
        ("latency-cdf.svg", cdf::draw),
        ("outcomes.svg", bars::outcomes),
        ("requests.svg", bars::requests),
        ("tradeoff.svg", tradeoff::draw),
        ("timeline.svg", timeline::draw),
    ];
    // Bytes only where every strategy's were counted.
    if crate::traffic::counted(summary) {
        charts.push((crate::render::BYTES_CHART.0, tradeoff::draw_bytes));
    }
    charts
        .into_iter()
        .map(|(file, draw)| {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
                root.fill(&WHITE)
                    .and_then(|()| draw(&root, summary, lang))
                    .and_then(|()| root.present())
                    .map_err(|source| ChartError { file, source })?;
            }
            Ok((file, svg))
        })
        .collect()
}
