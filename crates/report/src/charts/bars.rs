//! The bar charts: `outcomes.svg` (what became of each order) and
//! `requests.svg` (what each order cost), both stacked bars per strategy.

use super::style::{Area, CAPTION, Drawn, PALETTE, legend, title};
use crate::i18n::Msg;
use crate::units::decimal;
use hooklab_core::lang::Lang;
use hooklab_core::report::{StrategyReport, Summary, split_name};
use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::prelude::*;

/// A bar per strategy, its layers stacked bottom-up in `layers` order.
fn stacked_bars(
    root: &Area,
    caption: String,
    y_desc: &str,
    strategies: &[StrategyReport],
    layers: &[(&str, RGBColor, Vec<f64>)],
    lang: Lang,
) -> Drawn {
    let n = strategies.len();
    let total = |i: usize, upto: usize| -> f64 { layers[..=upto].iter().map(|l| l.2[i]).sum() };
    let top = (0..n)
        .map(|i| total(i, layers.len().saturating_sub(1)))
        .fold(0.0f64, f64::max);
    let names: Vec<String> = strategies.iter().map(|s| short_name(&s.name)).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(caption, CAPTION)
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        // plotters' integer ranges include their end: `0..n - 1` is n bars.
        .build_cartesian_2d(
            (0..n.saturating_sub(1)).into_segmented(),
            0.0..(top * 1.3).max(1.0),
        )?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n + 1)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_desc(y_desc)
        .y_label_formatter(&|v| {
            // Whole numbers without a tail of zeros: "100", not "100.0".
            decimal(
                lang,
                if v.fract() == 0.0 {
                    format!("{v:.0}")
                } else {
                    format!("{v:.1}")
                },
            )
        })
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    // Painted top layer first, each as the running total, so the lower
    // layers cover it. Plain rectangles rather than plotters' `Histogram`
    // series, which sums bars in a HashMap and so writes them in a random
    // order: the SVG would differ between two renderings of one summary.
    for (k, (label, c, _)) in layers.iter().enumerate().rev() {
        let c = *c;
        chart
            .draw_series((0..n).map(|i| {
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), total(i, k)),
                    ],
                    c.filled(),
                );
                bar.set_margin(0, 0, 24, 24);
                bar
            }))?
            .label(*label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// A bar label: a swept strategy shows its base name and value
/// (`poll 500ms`), not the long `poll@interval_ms=500ms`.
fn short_name(name: &str) -> String {
    match split_name(name) {
        Some(point) => format!("{} {}", point.base, point.value),
        None => name.to_owned(),
    }
}

/// Notified and missed orders, with duplicates and rejected deliveries
/// stacked above them.
pub(crate) fn outcomes(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
    let col = |f: fn(&StrategyReport) -> u64| -> Vec<f64> {
        summary.strategies.iter().map(|s| f(s) as f64).collect()
    };
    stacked_bars(
        root,
        title(Msg::OutcomesTitle, summary, lang),
        Msg::Orders.text(lang),
        &summary.strategies,
        &[
            (
                Msg::LegendNotified.text(lang),
                PALETTE[2],
                col(|s| s.notified),
            ),
            (Msg::LegendMissed.text(lang), PALETTE[3], col(|s| s.missed)),
            (
                Msg::LegendDuplicates.text(lang),
                PALETTE[1],
                col(|s| s.duplicates),
            ),
            (
                Msg::LegendRejected.text(lang),
                PALETTE[4],
                col(|s| s.rejected.values().sum()),
            ),
        ],
        lang,
    )
}

/// Notification requests per order: useful polls, wasted polls, webhook
/// deliveries.
pub(crate) fn requests(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
    let per_order = |f: fn(&StrategyReport) -> u64| -> Vec<f64> {
        summary
            .strategies
            .iter()
            .map(|s| f(s) as f64 / s.orders.max(1) as f64)
            .collect()
    };
    stacked_bars(
        root,
        title(Msg::RequestsTitle, summary, lang),
        Msg::RequestsPerOrder.text(lang),
        &summary.strategies,
        &[
            (
                Msg::UsefulPolls.text(lang),
                PALETTE[0],
                per_order(|s| {
                    s.requests.all_polls()
                        - s.requests.all_polls_wasted().min(s.requests.all_polls())
                }),
            ),
            (
                Msg::WastedPollsLegend.text(lang),
                PALETTE[7],
                per_order(|s| s.requests.all_polls_wasted()),
            ),
            (
                Msg::WebhookDeliveries.text(lang),
                PALETTE[1],
                per_order(|s| s.requests.webhook_attempts),
            ),
        ],
        lang,
    )
}
