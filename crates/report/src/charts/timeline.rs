//! `timeline.svg`: notification requests per second over the run, and,
//! for runs whose webhooks were retried or failed, those per second in a
//! panel below.

use super::style::{Area, CAPTION, Drawn, axis_labels, color, legend, tick, tint, title};
use crate::i18n::{Msg, quiet_tail};
use crate::units::decimal;
use hooklab_core::lang::Lang;
use hooklab_core::report::{StrategyReport, Summary, Timeline};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// One strategy's buckets: start (s), then per second its notification
/// requests, wasted polls, webhook retries and failed deliveries.
struct Bucket {
    at: f64,
    total: f64,
    wasted: f64,
    retries: f64,
    failed: f64,
}

fn buckets(t: &Timeline) -> Vec<Bucket> {
    let width_s = (t.bucket_ms / 1_000.0).max(1e-9);
    (0..t.polls.len())
        .map(|b| {
            let at = |v: &Vec<u32>| f64::from(v.get(b).copied().unwrap_or(0)) / width_s;
            Bucket {
                at: b as f64 * width_s,
                total: at(&t.polls) + at(&t.deliveries),
                wasted: at(&t.polls_wasted),
                retries: at(&t.retries),
                failed: at(&t.failed_deliveries),
            }
        })
        .collect()
}

/// When the last thing of a strategy's run happened, s: the end of its last
/// bucket with a request, a refusal or a notification, or its last order's
/// last instant.
fn last_event_s(t: &Timeline) -> f64 {
    let width_s = t.bucket_ms / 1_000.0;
    let busy = |b: usize| {
        [
            &t.polls,
            &t.deliveries,
            &t.rejected,
            &t.rate_limited,
            &t.known,
        ]
        .iter()
        .any(|v| v.get(b).is_some_and(|&n| n > 0))
    };
    let last_bucket = (0..t.polls.len())
        .rev()
        .find(|&b| busy(b))
        .map_or(0.0, |b| (b + 1) as f64 * width_s);
    let last_life = t
        .orders
        .iter()
        .flat_map(|o| o.iter().copied())
        .fold(0.0f64, f64::max)
        / 1_000.0;
    last_bucket.max(last_life)
}

/// Whether a strategy's requests come in bursts with quiet buckets
/// between (a fleet polling at the same instant every interval): drawn as
/// one bar per bucket, since a line through the empty buckets would fill
/// the chart with a comb.
fn bursty(points: &[Bucket]) -> bool {
    let active: Vec<&Bucket> = points.iter().filter(|p| p.total > 0.0).collect();
    let (Some(first), Some(last)) = (active.first(), active.last()) else {
        return false;
    };
    let span = points
        .iter()
        .filter(|p| p.at >= first.at && p.at <= last.at)
        .count();
    // A fifth of the span silent, between at least ten bursts.
    active.len() >= 10 && (span - active.len()) * 5 >= span
}

/// Requests per second over the run, one solid line per strategy (bars for
/// a bursty one), and a dashed line for the part of its polls that were
/// wasted: polling is a flat, busy line; webhooks follow the settlements.
/// Below, when any webhook was retried or failed, a panel with each such
/// strategy's retries (dashed) and failed deliveries (solid) per second:
/// what a flaky receiver piles up. The time axis ends where the last thing
/// of any run happened, and says so when the runs went on idle after it.
pub(crate) fn draw(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
    let series: Vec<Vec<Bucket>> = summary
        .strategies
        .iter()
        .map(|s| buckets(&s.timeline))
        .collect();
    // A run that idled most of its length has a timeline that stops with
    // its activity (crates/harness's `Recorder::finish`): its end is its
    // `run_ms`.
    let run_end_s = summary
        .strategies
        .iter()
        .map(|s| {
            let buckets_s = s.timeline.polls.len() as f64 * s.timeline.bucket_ms / 1_000.0;
            buckets_s.max(s.run_ms / 1_000.0)
        })
        .fold(1.0f64, f64::max);
    let last_s = summary
        .strategies
        .iter()
        .map(|s| last_event_s(&s.timeline))
        .fold(0.0f64, f64::max);
    // An idle tail longer than a tenth of the axis is cut off, and said.
    let cut = last_s > 0.0 && last_s < run_end_s * 0.9;
    let end_s = if cut { last_s * 1.05 } else { run_end_s };
    let (scale, axis) = time_unit(end_s);
    let retried: Vec<usize> = series
        .iter()
        .enumerate()
        .filter(|(_, p)| p.iter().any(|b| b.retries > 0.0 || b.failed > 0.0))
        .map(|(i, _)| i)
        .collect();
    let (top, bottom) = if retried.is_empty() {
        (root.clone(), None)
    } else {
        let (top, bottom) = root.split_vertically(root.dim_in_pixel().1 * 3 / 5);
        (top, Some(bottom))
    };
    let peak = series
        .iter()
        .flatten()
        .filter(|p| p.at < end_s)
        .map(|p| p.total)
        .fold(1.0f64, f64::max);
    let x_range = 0.0..end_s / scale;
    let mut chart = ChartBuilder::on(&top)
        .caption(title(Msg::TimelineTitle, summary, lang), CAPTION)
        .margin(16)
        .x_label_area_size(if bottom.is_some() { 30 } else { 50 })
        .y_label_area_size(80)
        .build_cartesian_2d(x_range.clone(), 0.0..peak * 1.1)?;
    // One precision per axis (plotters' default of 11 labels on each).
    let x_label = axis_labels(lang, x_range.clone(), 11);
    let y_label = axis_labels(lang, 0.0..peak * 1.1, 11);
    let mut mesh = chart.configure_mesh();
    mesh.y_desc(Msg::RequestsPerSecond.text(lang))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .axis_desc_style(("sans-serif", 16));
    // The time axis is named once, under the lowest panel.
    if bottom.is_none() {
        mesh.x_desc(axis.text(lang));
    }
    mesh.draw()?;
    let visible = |p: &&Bucket| p.at < end_s;
    for (i, (s, points)) in summary.strategies.iter().zip(&series).enumerate() {
        let c = color(i);
        if bursty(points) {
            // A thin spike per bucket, so the silence between two bursts
            // stays white; its wasted part a lighter tint of it.
            let spikes = |value: fn(&Bucket) -> f64, colour: RGBColor| {
                points
                    .iter()
                    .filter(visible)
                    .filter(move |p| value(p) > 0.0)
                    .map(move |p| {
                        PathElement::new(
                            vec![(p.at / scale, 0.0), (p.at / scale, value(p))],
                            colour.stroke_width(2),
                        )
                    })
                    .collect::<Vec<_>>()
            };
            chart
                .draw_series(spikes(|p| p.total, c))?
                .label(s.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()));
            if points.iter().any(|p| p.wasted > 0.0) {
                let light = tint(c, 0.4);
                chart
                    .draw_series(spikes(|p| p.wasted, light))?
                    .label(format!("{} ({})", s.name, Msg::WastedSuffix.text(lang)))
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 14, y + 6)], light.filled())
                    });
            }
            continue;
        }
        chart
            .draw_series(LineSeries::new(
                points
                    .iter()
                    .filter(visible)
                    .map(|p| (p.at / scale, p.total)),
                c.stroke_width(2),
            ))?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(2)));
        if points.iter().any(|p| p.wasted > 0.0) {
            dashed(
                &mut chart,
                points
                    .iter()
                    .filter(visible)
                    .map(|p| (p.at / scale, p.wasted)),
                c,
                format!("{} ({})", s.name, Msg::WastedSuffix.text(lang)),
            )?;
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    if cut {
        // Each instant in its own unit: the runs' end, 33 h after an axis
        // of seconds, reads 33.1 h, not 2,000 min.
        let at = |s: f64| {
            let (scale, axis) = time_unit(s);
            decimal(lang, format!("{} {}", tick(s / scale), unit(axis)))
        };
        let note = quiet_tail(lang, &at(last_s), &at(run_end_s));
        chart.plotting_area().draw(&Text::new(
            note,
            (x_range.start, peak * 1.07),
            ("sans-serif", 14).into_font().color(&BLACK.mix(0.7)),
        ))?;
    }
    let Some(bottom) = bottom else {
        return Ok(());
    };
    draw_retries(
        &bottom,
        summary,
        &series,
        &retried,
        (end_s, scale, axis),
        lang,
    )
}

/// The unit a time axis ending at `end_s` counts in: seconds up to 2 min,
/// minutes up to 2 h, then hours (its scale, s per unit).
fn time_unit(end_s: f64) -> (f64, Msg) {
    if end_s > 2.0 * 3_600.0 {
        (3_600.0, Msg::TimeHours)
    } else if end_s > 120.0 {
        (60.0, Msg::TimeMinutes)
    } else {
        (1.0, Msg::TimeSeconds)
    }
}

/// The unit a time axis's numbers are in, for the quiet-tail note.
fn unit(axis: Msg) -> &'static str {
    match axis {
        Msg::TimeHours => "h",
        Msg::TimeMinutes => "min",
        _ => "s",
    }
}

/// A dashed series, dashed in the legend too.
fn dashed<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    points: impl Iterator<Item = (f64, f64)> + Clone,
    c: RGBColor,
    label: String,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .draw_series(DashedLineSeries::new(points, 6, 4, c.stroke_width(1)))?
        .label(label)
        .legend(move |(x, y)| {
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (6, 0)], c.stroke_width(1))
                + PathElement::new(vec![(10, 0), (16, 0)], c.stroke_width(1))
                + PathElement::new(vec![(20, 0), (24, 0)], c.stroke_width(1))
        });
    Ok(())
}

/// The lower panel: webhook retries (dashed) and failed deliveries (solid,
/// thin) per second, for the strategies in `retried`.
fn draw_retries(
    area: &Area<'_>,
    summary: &Summary,
    series: &[Vec<Bucket>],
    retried: &[usize],
    (end_s, scale, axis): (f64, f64, Msg),
    lang: Lang,
) -> Drawn {
    let visible = |p: &&Bucket| p.at < end_s;
    let peak = retried
        .iter()
        .flat_map(|&i| series[i].iter().filter(visible))
        .map(|p| p.retries.max(p.failed))
        .fold(1e-9f64, f64::max);
    let mut chart = ChartBuilder::on(area)
        .margin(16)
        .margin_top(4)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..end_s / scale, 0.0..peak * 1.15)?;
    let x_label = axis_labels(lang, 0.0..end_s / scale, 11);
    let y_label = axis_labels(lang, 0.0..peak * 1.15, 5);
    chart
        .configure_mesh()
        .x_desc(axis.text(lang))
        .y_desc(Msg::RetriesPerSecond.text(lang))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .y_labels(5)
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    let strategies: Vec<(usize, &StrategyReport)> = retried
        .iter()
        .map(|&i| (i, &summary.strategies[i]))
        .collect();
    for (i, s) in strategies {
        let c = color(i);
        let points = &series[i];
        if points.iter().any(|p| p.failed > 0.0) {
            chart
                .draw_series(LineSeries::new(
                    points
                        .iter()
                        .filter(visible)
                        .map(|p| (p.at / scale, p.failed)),
                    c.stroke_width(2),
                ))?
                .label(format!("{}: {}", s.name, Msg::FailedSuffix.text(lang)))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(2))
                });
        }
        if points.iter().any(|p| p.retries > 0.0) {
            dashed(
                &mut chart,
                points
                    .iter()
                    .filter(visible)
                    .map(|p| (p.at / scale, p.retries)),
                c,
                format!("{}: {}", s.name, Msg::RetriesSuffix.text(lang)),
            )?;
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}
