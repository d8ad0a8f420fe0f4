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
//! - `latency-cdf.svg`: the share of orders notified within a delay, one line
//!   per strategy, on a log time axis (polling's straight ramp against the
//!   webhook's cliff);
//! - `outcomes.svg`: notified and missed orders per strategy, with the
//!   duplicate notices and rejected deliveries stacked above them;
//! - `requests.svg`: notification requests per order, split into useful polls,
//!   wasted polls and webhook deliveries;
//! - `timeline.svg`: notification requests per second over the run, and the
//!   wasted part of them: polling's flat busy line against webhooks following
//!   the settlements.
//! - `tradeoff.svg`: requests per order against mean and p99 delay; a sweep is
//!   a curve, a single strategy a point.

use crate::i18n::{Lang, Msg, decimal};
use crate::render::num;
use crate::sweep;
use hdrhistogram::Histogram as Hdr;
use hooklab_core::report::{StrategyReport, Summary, round_ms};
use plotters::coord::Shift;
use plotters::coord::combinators::IntoLogRange;
use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::prelude::*;

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart {file}: {message}")]
pub struct ChartError {
    /// The chart's file name.
    pub file: &'static str,
    /// What plotters said.
    pub message: String,
}

type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
/// Draws one chart on a blank area.
type DrawChart = fn(&Area, &Summary, Lang) -> Drawn;

const SIZE: (u32, u32) = (960, 540);
const CAPTION: (&str, u32) = ("sans-serif", 24);
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The quantiles kept for a CDF: every 2.5%, then the tail, where webhooks
/// and polling differ most.
const CDF_QUANTILES: usize = 40;
const CDF_TAIL: [f64; 4] = [0.99, 0.995, 0.999, 1.0];

/// A compact CDF of a latency histogram (microseconds): `[ms, quantile]`
/// pairs, about 45 of them, enough to draw the curve without keeping every
/// order's latency in `summary.json`.
pub fn cdf_points(h: &Hdr<u64>) -> Vec<[f64; 2]> {
    if h.is_empty() {
        return Vec::new();
    }
    (0..=CDF_QUANTILES)
        .map(|i| i as f64 / CDF_QUANTILES as f64)
        .filter(|q| *q < CDF_TAIL[0])
        .chain(CDF_TAIL)
        .map(|q| [round_ms(h.value_at_quantile(q) as f64 / 1_000.0), q])
        .collect()
}

/// Every chart of `summary`, as `(file name, SVG text)`.
pub fn all(summary: &Summary, lang: Lang) -> Result<Vec<(&'static str, String)>, ChartError> {
    let charts: [(&'static str, DrawChart); 5] = [
        ("latency-cdf.svg", latency_cdf),
        ("outcomes.svg", outcomes),
        ("requests.svg", requests),
        ("tradeoff.svg", tradeoff),
        ("timeline.svg", timeline),
    ];
    charts
        .into_iter()
        .map(|(file, draw)| {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
                root.fill(&WHITE)
                    .and_then(|()| draw(&root, summary, lang))
                    .and_then(|()| root.present())
                    .map_err(|e| ChartError {
                        file,
                        message: e.to_string(),
                    })?;
            }
            Ok((file, svg))
        })
        .collect()
}

/// Notification requests per second over the run, one solid line per
/// strategy, and a dashed line for the part of its polls that were wasted:
/// polling is a flat, busy line; webhooks follow the settlements.
fn timeline(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
    // Each strategy's buckets, as (start in seconds, total/s, wasted/s).
    let series: Vec<Vec<(f64, f64, f64)>> = summary
        .strategies
        .iter()
        .map(|s| {
            let t = &s.timeline;
            let width_s = (t.bucket_ms / 1_000.0).max(1e-9);
            (0..t.polls.len())
                .map(|b| {
                    let at = |v: &Vec<u32>| f64::from(v.get(b).copied().unwrap_or(0));
                    let total = at(&t.polls) + at(&t.deliveries);
                    (
                        b as f64 * width_s,
                        total / width_s,
                        at(&t.polls_wasted) / width_s,
                    )
                })
                .collect()
        })
        .collect();
    let end_s = series.iter().flatten().map(|p| p.0).fold(1.0f64, f64::max);
    let (scale, axis) = if end_s > 2.0 * 3_600.0 {
        (3_600.0, Msg::TimeHours)
    } else if end_s > 120.0 {
        (60.0, Msg::TimeMinutes)
    } else {
        (1.0, Msg::TimeSeconds)
    };
    let peak = series.iter().flatten().map(|p| p.1).fold(1.0f64, f64::max);
    let mut chart = ChartBuilder::on(root)
        .caption(title(Msg::TimelineTitle, summary, lang), CAPTION)
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..end_s / scale, 0.0..peak * 1.1)?;
    chart
        .configure_mesh()
        .x_desc(axis.text(lang))
        .y_desc(Msg::RequestsPerSecond.text(lang))
        .x_label_formatter(&|v| decimal(lang, tick(*v)))
        .y_label_formatter(&|v| decimal(lang, tick(*v)))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    for (i, (s, points)) in summary.strategies.iter().zip(&series).enumerate() {
        let c = color(i);
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.0 / scale, p.1)),
                c.stroke_width(2),
            ))?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(2)));
        if points.iter().any(|p| p.2 > 0.0) {
            chart
                .draw_series(DashedLineSeries::new(
                    points.iter().map(|p| (p.0 / scale, p.2)),
                    6,
                    4,
                    c.stroke_width(1),
                ))?
                .label(format!("{} ({})", s.name, Msg::WastedSuffix.text(lang)))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(1))
                });
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// An axis tick: `0` for zero, otherwise as many decimals as it deserves.
fn tick(v: f64) -> String {
    if v.abs() < 1e-9 {
        "0".to_owned()
    } else {
        num(v)
    }
}

fn title(msg: Msg, summary: &Summary, lang: Lang) -> String {
    format!("{} · {}", msg.text(lang), summary.scenario.name)
}

fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 15))
        .draw()
}

/// A positive log-axis range covering `values`, with some air around them.
fn log_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo.is_infinite() {
        return 0.1..10.0;
    }
    (lo / 1.5)..(hi * 1.5).max(lo * 10.0)
}

fn latency_cdf(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
    let range = log_range(
        summary
            .strategies
            .iter()
            .flat_map(|s| s.latency_cdf_ms.iter().map(|p| p[0])),
    );
    let floor = range.start;
    let mut chart = ChartBuilder::on(root)
        .caption(title(Msg::CdfTitle, summary, lang), CAPTION)
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(range.log_scale(), 0.0..100.0)?;
    chart
        .configure_mesh()
        .x_desc(Msg::DelayAxisLog.text(lang))
        .y_desc(Msg::ShareNotified.text(lang))
        .x_label_formatter(&|v| decimal(lang, num(*v)))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    for (i, s) in summary.strategies.iter().enumerate() {
        let c = color(i);
        // The share is of all orders, so a strategy that missed some never
        // reaches 100%: the chart shows the loss instead of hiding it.
        let share = s.notified as f64 / s.orders.max(1) as f64 * 100.0;
        chart
            .draw_series(LineSeries::new(
                s.latency_cdf_ms
                    .iter()
                    .map(|p| (p[0].max(floor), p[1] * share)),
                c.stroke_width(3),
            ))?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3)));
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

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
    match sweep::split_name(name) {
        Some(point) => format!("{} {}", point.base, point.value),
        None => name.to_owned(),
    }
}

fn outcomes(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
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

fn requests(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
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

fn tradeoff(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
    let groups = sweep::groups(&summary.strategies);
    let x_range = log_range(summary.strategies.iter().map(|s| s.requests_per_order));
    let y_range = log_range(
        summary
            .strategies
            .iter()
            .flat_map(|s| [s.latency_ms.mean, s.latency_ms.p99]),
    );
    let (x_floor, y_floor) = (x_range.start, y_range.start);
    let mut chart = ChartBuilder::on(root)
        .caption(title(Msg::TradeoffTitle, summary, lang), CAPTION)
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range.log_scale(), y_range.log_scale())?;
    chart
        .configure_mesh()
        .x_desc(Msg::RequestsPerOrderLog.text(lang))
        .y_desc(Msg::DelayMsLog.text(lang))
        .x_label_formatter(&|v| decimal(lang, num(*v)))
        .y_label_formatter(&|v| decimal(lang, num(*v)))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    for (i, (base, members)) in groups.iter().enumerate() {
        let c = color(i);
        let point =
            |s: &StrategyReport, y: f64| (s.requests_per_order.max(x_floor), y.max(y_floor));
        let mean: Vec<_> = members
            .iter()
            .map(|s| point(s, s.latency_ms.mean))
            .collect();
        let p99: Vec<_> = members.iter().map(|s| point(s, s.latency_ms.p99)).collect();
        chart
            .draw_series(LineSeries::new(mean.clone(), c.stroke_width(3)).point_size(5))?
            .label(format!("{base} · {}", Msg::Mean.text(lang)))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3)));
        chart
            .draw_series(DashedLineSeries::new(p99.clone(), 6, 4, c.stroke_width(2)))?
            .label(format!("{base} · {}", Msg::P99.text(lang)))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 8, y)], c.stroke_width(2)));
        chart.draw_series(
            p99.iter()
                .map(|p| TriangleMarker::new(*p, 6, c.stroke_width(2))),
        )?;
        // Each point says which value (or which strategy) it is.
        chart.draw_series(members.iter().zip(&mean).map(|(s, p)| {
            let label = match sweep::split_name(&s.name) {
                Some(point) => point.value,
                None => s.name.clone(),
            };
            // Offset right of the marker, so the text never covers it.
            EmptyElement::at(*p)
                + Text::new(label, (8, -16), ("sans-serif", 14).into_font().color(&c))
        }))?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}
