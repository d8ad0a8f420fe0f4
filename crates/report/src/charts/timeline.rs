//! `timeline.svg`: notification requests per second over the run, and,
//! for runs whose webhooks were retried or failed, those per second in a
//! panel below.

use super::place::text_box;
use super::style::{Area, CAPTION, Drawn, axis_labels, color, round_tick, tick, title};
use crate::i18n::{Msg, quiet_tail};
use crate::units::decimal;
use hooklab_core::lang::Lang;
use hooklab_core::report::{Summary, Timeline};
use plotters::coord::CoordTranslate;
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
/// between (a fleet polling at the same instant every interval), and if so
/// how many buckets apart the bursts are (the median gap): its line is
/// then the mean over that many buckets, since a line through the empty
/// buckets would fill the chart with a comb. Before, such a strategy was
/// drawn as bars among the others' lines.
fn burst_period(points: &[Bucket]) -> Option<usize> {
    let active: Vec<usize> = (0..points.len())
        .filter(|&b| points[b].total > 0.0)
        .collect();
    let (&first, &last) = (active.first()?, active.last()?);
    let span = last - first + 1;
    // A fifth of the span silent, between at least ten bursts.
    if active.len() < 10 || (span - active.len()) * 5 < span {
        return None;
    }
    // A burst may last a few buckets: its period is the median gap
    // between the starts of runs of busy buckets.
    let starts: Vec<usize> = active
        .iter()
        .enumerate()
        .filter(|&(k, &b)| k == 0 || active[k - 1] + 1 < b)
        .map(|(_, &b)| b)
        .collect();
    let mut gaps: Vec<usize> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_unstable();
    let period = *gaps.get(gaps.len() / 2)?;
    (period > 1).then_some(period)
}

/// `points` averaged over `window` buckets centred on each (the rate over
/// one burst period, so a burst's requests spread over the period they
/// stand for, and the line keeps their total).
fn smoothed(points: &[Bucket], window: usize) -> Vec<Bucket> {
    let mean = |b: usize, value: fn(&Bucket) -> f64| {
        let start = b.saturating_sub(window / 2);
        let end = (start + window).min(points.len());
        points[start..end].iter().map(value).sum::<f64>() / window as f64
    };
    (0..points.len())
        .map(|b| Bucket {
            at: points[b].at,
            total: mean(b, |p| p.total),
            wasted: mean(b, |p| p.wasted),
            retries: points[b].retries,
            failed: points[b].failed,
        })
        .collect()
}

/// How a legend entry's sample is drawn: as the chart draws its series.
#[derive(Clone, Copy)]
enum Key {
    /// A solid line with the strategy's marker (its index).
    Marked(usize),
    /// A thin dashed line: wasted polls, or retries.
    Dashed(usize),
}

/// The width of the legend column beside the plots, px: sized to the
/// longest entry, so the legend covers no data and no text spills out.
fn legend_width(entries: &[(String, Key)]) -> u32 {
    let text = entries
        .iter()
        .map(|(label, _)| text_box(label, LEGEND_FONT).0)
        .max()
        .unwrap_or(0);
    (text + 52).clamp(120, 380) as u32
}

/// The legend's font size, px.
const LEGEND_FONT: u32 = 13;

/// Draws `entries` down the column `side`, from `top_px`, in rows that fit
/// the column's height.
fn side_legend(side: &Area, entries: &[(String, Key)], top_px: i32) -> Drawn {
    let height = side.dim_in_pixel().1 as i32 - top_px - 8;
    let row = (height / entries.len().max(1) as i32).clamp(10, 19);
    let font = LEGEND_FONT.min(row as u32 - 1);
    for (k, (label, key)) in entries.iter().enumerate() {
        let y = top_px + row * k as i32 + row / 2;
        match *key {
            Key::Marked(i) => {
                side.draw(&PathElement::new(
                    vec![(8, y), (36, y)],
                    color(i).stroke_width(2),
                ))?;
                mark(side, (22, y), i)?;
            }
            Key::Dashed(i) => {
                for x in [8, 18, 28] {
                    side.draw(&PathElement::new(
                        vec![(x, y), (x + 6, y)],
                        color(i).stroke_width(1),
                    ))?;
                }
            }
        }
        side.draw(&Text::new(
            label.clone(),
            (44, y - font as i32 / 2 - 1),
            ("sans-serif", font).into_font(),
        ))?;
    }
    Ok(())
}

/// Draws the `i`-th strategy's marker at `at`: a hollow shape of its own
/// (circle, triangle, square, diamond, cross), so two strategies whose
/// lines coincide still show both, and read apart in grey.
fn mark<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    i: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    CT::From: Clone,
{
    mark_shifted(area, at, i, 0)
}

/// [`mark`], `dx` pixels right of `at`.
fn mark_shifted<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    i: usize,
    dx: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    CT::From: Clone,
{
    let ink = color(i).stroke_width(2);
    let outline = |points: &[(i32, i32)]| {
        let moved = points.iter().map(|&(x, y)| (x + dx, y)).collect::<Vec<_>>();
        EmptyElement::at(at.clone()) + PathElement::new(moved, ink)
    };
    match i % 5 {
        0 => area.draw(&(EmptyElement::at(at.clone()) + Circle::new((dx, 0), 4, ink))),
        1 => area.draw(&outline(&[(0, -5), (5, 4), (-5, 4), (0, -5)])),
        2 => area.draw(&outline(&[(-4, -4), (4, -4), (4, 4), (-4, 4), (-4, -4)])),
        3 => area.draw(&outline(&[(0, -5), (5, 0), (0, 5), (-5, 0), (0, -5)])),
        _ => area.draw(&(EmptyElement::at(at) + Cross::new((dx, 0), 4, ink))),
    }
}

/// The markers drawn on one panel so far, in pixels, with their
/// strategy: a marker that would land on another strategy's (two
/// strategies with the same count in the same bucket, as crash-lab's
/// before-commit and hybrid-dual at 5.0 s) is drawn just beside it
/// instead, left or right, so neither hides the other.
#[derive(Default)]
struct Dodge(Vec<(usize, (i32, i32))>);

impl Dodge {
    /// How far right (negative: left) of `px` the `i`-th strategy's marker
    /// goes to land on no other strategy's (and records where it went).
    fn shift(&mut self, i: usize, px: (i32, i32)) -> i32 {
        let taken = |dx: i32| {
            self.0
                .iter()
                .any(|&(j, (x, y))| j != i && (x - (px.0 + dx)).abs() < 6 && (y - px.1).abs() < 6)
        };
        let dx = (0..12)
            .map(|k| {
                if k % 2 == 0 {
                    k / 2 * 11
                } else {
                    -(k / 2 + 1) * 11
                }
            })
            .find(|&dx| !taken(dx))
            .unwrap_or(0);
        self.0.push((i, (px.0 + dx, px.1)));
        dx
    }
}

/// Which of a line's `values` (one per visible bucket) carry the `i`-th of
/// `n` strategies' marker: every bucket with requests when there are few,
/// otherwise about a dozen, each strategy's shifted from the others', so
/// markers of lines drawn over one another fall side by side.
fn marked(values: &[f64], i: usize, n: usize) -> Vec<usize> {
    let busy: Vec<usize> = (0..values.len()).filter(|&b| values[b] > 0.0).collect();
    if busy.len() <= 12 {
        return busy;
    }
    let step = (values.len() / 12).max(n).max(1);
    let offset = i * step / n.max(1);
    busy.into_iter().filter(|b| b % step == offset).collect()
}

/// Requests per second over the run, one solid line per strategy with its
/// own markers (the mean over a burst period for a bursty one), and a
/// dashed line for the part of its polls that were wasted: polling is a
/// flat, busy line; webhooks follow the settlements. Below, when any
/// webhook was retried or failed, a panel with each such strategy's
/// retries (dashed) and failed deliveries (solid) per second: what a flaky
/// receiver piles up. Each panel's legend sits in a column beside it, so
/// it covers no line. The time axis ends where the last thing of any run
/// happened, and says so when the runs went on idle after it.
pub(crate) fn draw(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
    let raw: Vec<Vec<Bucket>> = summary
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
    // Each instant or span in its own unit: the runs' end, 33 h after an
    // axis of seconds, reads 33.1 h, not 2,000 min.
    let at = |s: f64| {
        let (scale, axis) = time_unit(s);
        decimal(lang, format!("{} {}", tick(s / scale), unit(axis)))
    };
    let periods: Vec<Option<usize>> = raw.iter().map(|p| burst_period(p)).collect();
    let series: Vec<Vec<Bucket>> = raw
        .iter()
        .zip(&periods)
        .map(|(p, period)| match period {
            Some(w) => smoothed(p, *w),
            None => smoothed(p, 1),
        })
        .collect();
    let retried: Vec<usize> = series
        .iter()
        .enumerate()
        .filter(|(_, p)| p.iter().any(|b| b.retries > 0.0 || b.failed > 0.0))
        .map(|(i, _)| i)
        .collect();
    // The legends first: their column's width is the longest entry's.
    let mut top_keys: Vec<(String, Key)> = Vec::new();
    for (i, (s, points)) in summary.strategies.iter().zip(&series).enumerate() {
        let name = match periods[i] {
            Some(w) => {
                let span_s = w as f64 * s.timeline.bucket_ms / 1_000.0;
                let (span_scale, span_unit) = time_unit(span_s);
                let span = decimal(
                    lang,
                    format!("{} {}", round_tick(span_s / span_scale), unit(span_unit)),
                );
                mean_over(lang, &s.name, &span)
            }
            None => s.name.clone(),
        };
        top_keys.push((name, Key::Marked(i)));
        if points.iter().any(|p| p.wasted > 0.0) {
            top_keys.push((
                format!("{} ({})", s.name, Msg::WastedSuffix.text(lang)),
                Key::Dashed(i),
            ));
        }
    }
    let mut bottom_keys: Vec<(String, Key)> = Vec::new();
    for &i in &retried {
        let name = &summary.strategies[i].name;
        if series[i].iter().any(|p| p.failed > 0.0) {
            bottom_keys.push((
                format!("{name}: {}", Msg::FailedSuffix.text(lang)),
                Key::Marked(i),
            ));
        }
        if series[i].iter().any(|p| p.retries > 0.0) {
            bottom_keys.push((
                format!("{name}: {}", Msg::RetriesSuffix.text(lang)),
                Key::Dashed(i),
            ));
        }
    }
    let column = legend_width(&top_keys).max(legend_width(&bottom_keys));
    let area = root.titled(&title(Msg::TimelineTitle, summary, lang), CAPTION)?;
    let (top, bottom) = if retried.is_empty() {
        (area, None)
    } else {
        let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 * 3 / 5);
        (top, Some(bottom))
    };
    let (plot, side) = beside(&top, column);
    let visible = |p: &&Bucket| p.at < end_s;
    // The axis reaches the data's peak, however small (0.15 requests a
    // second over a day of retries was drawn on an axis to 1.0).
    let peak = series
        .iter()
        .flatten()
        .filter(visible)
        .map(|p| p.total)
        .fold(0.0f64, f64::max);
    let peak = if peak > 0.0 { peak } else { 1.0 };
    // The axis's top, with room above the data for the quiet-tail note.
    let top_y = peak * if cut { 1.25 } else { 1.1 };
    let x_range = 0.0..end_s / scale;
    let mut chart = ChartBuilder::on(&plot)
        .margin(16)
        .margin_right(8)
        .x_label_area_size(if bottom.is_some() { 30 } else { 50 })
        .y_label_area_size(80)
        .build_cartesian_2d(x_range.clone(), 0.0..top_y)?;
    // One precision per axis (plotters' default of 11 labels on each).
    let x_label = axis_labels(lang, x_range.clone(), 11);
    let y_label = axis_labels(lang, 0.0..top_y, 11);
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
    let n = series.len();
    let mut dodge = Dodge::default();
    for (i, points) in series.iter().enumerate() {
        let c = color(i);
        let shown: Vec<&Bucket> = points.iter().filter(visible).collect();
        chart.draw_series(LineSeries::new(
            shown.iter().map(|p| (p.at / scale, p.total)),
            c.stroke_width(2),
        ))?;
        let totals: Vec<f64> = shown.iter().map(|p| p.total).collect();
        for b in marked(&totals, i, n) {
            let at = (shown[b].at / scale, shown[b].total);
            let dx = dodge.shift(i, chart.backend_coord(&at));
            mark_shifted(chart.plotting_area(), at, i, dx)?;
        }
        if points.iter().any(|p| p.wasted > 0.0) {
            dashed(
                &mut chart,
                shown.iter().map(|p| (p.at / scale, p.wasted)),
                c,
            )?;
        }
    }
    side_legend(&side, &top_keys, 16)?;
    if cut {
        let note = quiet_tail(lang, &at(last_s), &at(run_end_s));
        chart.plotting_area().draw(&Text::new(
            note,
            (x_range.start, top_y * 0.985),
            ("sans-serif", 14).into_font().color(&BLACK.mix(0.7)),
        ))?;
    }
    let Some(bottom) = bottom else {
        return Ok(());
    };
    let (plot, side) = beside(&bottom, column);
    draw_retries(&plot, &series, &retried, (end_s, scale, axis), lang)?;
    side_legend(&side, &bottom_keys, 4)
}

/// `area` split into a plot and, right of it, a legend column `column` px
/// wide (at most half of it).
fn beside<'a>(area: &Area<'a>, column: u32) -> (Area<'a>, Area<'a>) {
    let width = area.dim_in_pixel().0;
    area.split_horizontally(width - column.min(width / 2))
}

/// A bursty strategy's legend entry: its name and the span its line is the
/// mean over.
fn mean_over(lang: Lang, name: &str, span: &str) -> String {
    match lang {
        Lang::En => format!("{name} (mean over {span})"),
        Lang::PtBr => format!("{name} (média em {span})"),
    }
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

/// A thin dashed series (its legend entry is a [`Key::Dashed`]).
fn dashed<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    points: impl Iterator<Item = (f64, f64)> + Clone,
    c: RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart.draw_series(DashedLineSeries::new(points, 6, 4, c.stroke_width(1)))?;
    Ok(())
}

/// The lower panel: webhook retries (dashed) and failed deliveries (solid,
/// with the strategy's markers) per second, for the strategies in
/// `retried`.
fn draw_retries(
    area: &Area<'_>,
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
        .margin_right(8)
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
    let mut dodge = Dodge::default();
    for &i in retried {
        let c = color(i);
        let shown: Vec<&Bucket> = series[i].iter().filter(visible).collect();
        if shown.iter().any(|p| p.failed > 0.0) {
            chart.draw_series(LineSeries::new(
                shown.iter().map(|p| (p.at / scale, p.failed)),
                c.stroke_width(2),
            ))?;
            let failed: Vec<f64> = shown.iter().map(|p| p.failed).collect();
            for b in marked(&failed, i, series.len()) {
                let at = (shown[b].at / scale, shown[b].failed);
                let dx = dodge.shift(i, chart.backend_coord(&at));
                mark_shifted(chart.plotting_area(), at, i, dx)?;
            }
        }
        if shown.iter().any(|p| p.retries > 0.0) {
            dashed(
                &mut chart,
                shown.iter().map(|p| (p.at / scale, p.retries)),
                c,
            )?;
        }
    }
    Ok(())
}
