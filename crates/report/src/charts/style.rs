//! What every chart shares: its size, fonts and palette, its title and
//! legend, and the axis helpers (log ranges, ticks). Each chart module draws
//! with these; this module draws nothing itself.

use crate::i18n::Msg;
use crate::units::num;
use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use plotters::coord::Shift;
use plotters::prelude::*;

/// What drawing a chart returns: plotters' error, over the SVG backend's.
pub(crate) type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;
/// The blank area a chart is drawn on.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Every chart's size in pixels: 16:9, a slide's shape.
pub(crate) const SIZE: (u32, u32) = (960, 540);
/// The title's font.
pub(crate) const CAPTION: (&str, u32) = ("sans-serif", 24);
/// Paul Tol's "muted" scheme, one colour per strategy in order: nine hues
/// that stay apart for the common kinds of colour blindness (matplotlib's
/// `tab10`, used before, puts red beside green), none of them grey, so
/// they never read as the live page's order states, which are drawn in
/// greys and black and told apart by shape
/// (`crates/live/assets/live.js`). The first three, the usual run's, are
/// the most distinct: indigo, rose, green.
pub(crate) const PALETTE: [RGBColor; 9] = [
    RGBColor(0x33, 0x22, 0x88),
    RGBColor(0xcc, 0x66, 0x77),
    RGBColor(0x11, 0x77, 0x33),
    RGBColor(0xdd, 0xcc, 0x77),
    RGBColor(0x88, 0xcc, 0xee),
    RGBColor(0x88, 0x22, 0x55),
    RGBColor(0x44, 0xaa, 0x99),
    RGBColor(0x99, 0x99, 0x33),
    RGBColor(0xaa, 0x44, 0x99),
];

/// The colour of the `i`-th strategy of a run (the palette repeats past
/// nine). Every chart, and the live page (`crates/live/assets/live.js`,
/// same colours in the same order), colours a strategy by its place in the
/// summary and by nothing else: a colour always means one strategy, never
/// a kind of request or outcome.
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The grey that stands for "any strategy's colour" in a legend of layers
/// (solid, lighter, lightest), since the bars' colours are the strategies'.
pub(crate) const LEGEND_GREY: RGBColor = RGBColor(70, 70, 70);

/// `c` lightened towards white: `share` 1 is `c`, 0 is white. Opaque, so
/// stacked layers never blend.
pub(crate) fn tint(c: RGBColor, share: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) * share + 255.0 * (1.0 - share)).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// `c` darkened towards black: `share` 1 is `c`, 0 is black (a pattern's
/// lines over a tint of `c`).
pub(crate) fn darken(c: RGBColor, share: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) * share).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// How much air [`log_range`] leaves around the values on a log axis:
/// the axis starts this many times below the smallest and ends this many
/// times above the largest.
const LOG_AIR: f64 = 1.5;

/// The marks of a finer log axis, per decade: no two a factor of more than
/// [`LOG_AIR`] apart, so one always lies in the air at each end of a
/// [`log_range`].
const FINE_MARKS: [f64; 8] = [1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0];

/// Each `multiples` times each power of ten inside `range`, in order.
fn decade_marks(range: &std::ops::Range<f64>, multiples: &[f64]) -> Vec<f64> {
    let (lo, hi) = (range.start.max(1e-9), range.end);
    let mut out = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi && out.len() < 200 {
        for m in multiples {
            let v = m * decade;
            if v >= lo && v <= hi {
                out.push(v);
            }
        }
        decade *= 10.0;
    }
    out
}

/// Ticks for a log axis over `range`: 1, 2 and 5 times the powers of ten
/// inside it, each once (plotters' own log ticks can print one label twice,
/// as "10.0" at the end of an axis); over many decades only the powers of
/// ten, over less than one the finer [`FINE_MARKS`]. And the ticks always
/// cover the data: one at or below the smallest value and one at or above
/// the largest (a [`log_range`] holds its values at least [`LOG_AIR`]
/// inside its ends). Before, retry-for-days' axis ticked 5, 10 and 20 with
/// both its points, at 3.6 and 4.05, left of every tick.
pub(crate) fn log_ticks(range: &std::ops::Range<f64>) -> Vec<f64> {
    let mut out = decade_marks(range, &[1.0, 2.0, 5.0]);
    // Over many decades, 1-2-5 is too dense: keep the powers of ten.
    if out.len() > 12 {
        out.retain(|v| (v.log10().fract().abs() < 1e-9) || (1.0 - v.log10().fract()).abs() < 1e-9);
    }
    let fine = decade_marks(range, &FINE_MARKS);
    if out.len() < 4 {
        out = fine.clone();
    }
    cover(out, &fine, range)
}

/// `ticks` with, where they leave the data's ends bare, the nearest of
/// `finer` added outside each end (the data lies inside `range` by at
/// least [`LOG_AIR`]).
fn cover(mut ticks: Vec<f64>, finer: &[f64], range: &std::ops::Range<f64>) -> Vec<f64> {
    let (low, high) = (range.start * LOG_AIR, range.end / LOG_AIR);
    // An added tick crowding its neighbour (0.004 beside 0.005: their
    // labels overlap) takes its place.
    let crowded = |a: f64, b: f64| b / a < 1.6;
    if ticks.first().is_none_or(|&t| t > low)
        && let Some(&t) = finer.iter().rev().find(|&&t| t <= low)
    {
        if ticks.len() > 3 && crowded(t, ticks[0]) {
            ticks.remove(0);
        }
        ticks.insert(0, t);
    }
    if ticks.last().is_none_or(|&t| t < high)
        && let Some(&t) = finer.iter().find(|&&t| t >= high)
    {
        if ticks.len() > 3 && crowded(ticks[ticks.len() - 1], t) {
            ticks.pop();
        }
        ticks.push(t);
    }
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    ticks
}

/// Ticks for a log axis of durations in milliseconds over `range`: below a
/// second 1, 2 and 5 times the powers of ten, and from there the durations
/// a clock reads (`1 s`, `10 s`, `1 min`, `10 min`, `1 h`, `6 h`, `1 d`),
/// so a run of hours is not marked at `16.7 min` and `2.78 h` (powers of
/// ten in milliseconds shown in their unit). Over many decades, only the
/// coarser marks are kept, as [`log_ticks`] keeps the powers of ten.
pub(crate) fn time_ticks(range: &std::ops::Range<f64>) -> Vec<f64> {
    const S: f64 = 1_000.0;
    const MIN: f64 = 60.0 * S;
    const H: f64 = 60.0 * MIN;
    const D: f64 = 24.0 * H;
    // (mark, coarse): the coarse marks are the ones kept on a wide axis.
    let mut marks: Vec<(f64, bool)> = Vec::new();
    let mut decade = 1e-3;
    while decade < S {
        marks.extend([(decade, true), (2.0 * decade, false), (5.0 * decade, false)]);
        decade *= 10.0;
    }
    marks.extend([
        (S, true),
        (2.0 * S, false),
        (5.0 * S, false),
        (10.0 * S, true),
        (30.0 * S, false),
        (MIN, true),
        (2.0 * MIN, false),
        (5.0 * MIN, false),
        (10.0 * MIN, true),
        (30.0 * MIN, false),
        (H, true),
        (2.0 * H, false),
        (6.0 * H, true),
        (12.0 * H, false),
        (D, true),
        (2.0 * D, false),
        (5.0 * D, false),
        (10.0 * D, true),
    ]);
    let mut days = 100.0 * D;
    while days <= range.end && marks.len() < 200 {
        marks.push((days, true));
        days *= 10.0;
    }
    let inside = |m: &&(f64, bool)| m.0 >= range.start && m.0 <= range.end;
    let all: Vec<f64> = marks.iter().filter(inside).map(|m| m.0).collect();
    if all.len() <= 12 {
        return all;
    }
    let coarse = marks
        .iter()
        .filter(inside)
        .filter(|m| m.1)
        .map(|m| m.0)
        .collect();
    // A clock's marks lie up to three times apart: the data's ends are
    // covered where one of them falls in the axis's air.
    cover(coarse, &all, range)
}

/// A log axis's tick without the zeros [`tick`]'s three significant
/// digits pad it with: `1 2 5 10`, not `1.00 2.00 5.00 10.0`.
pub(crate) fn round_tick(v: f64) -> String {
    let text = tick(v);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// An axis tick: `0` for zero, otherwise as many decimals as it deserves.
pub(crate) fn tick(v: f64) -> String {
    if v.abs() < 1e-9 {
        "0".to_owned()
    } else {
        num(v)
    }
}

/// The label formatter of a linear axis over `range` with plotters'
/// `labels` ticks: every tick with the same decimals, the fewest that show
/// each tick exactly. [`tick`] formats each tick alone (three significant
/// digits), so one axis read `0 0.500 1.00 1.50 2.00`; this reads
/// `0.0 0.5 1.0 1.5 2.0`. The ticks are plotters' own
/// (`Ranged::key_points`, as its mesh draws them).
pub(crate) fn axis_labels(
    lang: Lang,
    range: std::ops::Range<f64>,
    labels: usize,
) -> impl Fn(&f64) -> String {
    use plotters::coord::ranged1d::Ranged;
    let points = plotters::coord::types::RangedCoordf64::from(range).key_points(labels);
    let decimals = points.iter().map(|v| decimals_of(*v)).max().unwrap_or(0);
    move |v: &f64| crate::units::decimal(lang, format!("{v:.decimals$}"))
}

/// The fewest decimals (at most 6) that write `v` exactly.
fn decimals_of(v: f64) -> usize {
    (0..=6)
        .find(|d| {
            let scale = 10f64.powi(*d as i32);
            ((v * scale).round() / scale - v).abs() <= 1e-9 * v.abs().max(1.0)
        })
        .unwrap_or(6)
}

/// A chart's title: what it shows, then the scenario's name.
pub(crate) fn title(msg: Msg, summary: &Summary, lang: Lang) -> String {
    format!("{} · {}", msg.text(lang), summary.scenario.name)
}

/// Draws the series' legend at `position`, on a translucent white box.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
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
pub(crate) fn log_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo.is_infinite() {
        return 0.1..10.0;
    }
    // plotters walks a log axis decade by decade up to its end: an end of
    // `1e308 * 1.5` (infinite) never came, and `hooklab report` spun forever
    // on such a summary. No run's value comes near 10¹⁵ (a Dur holds 10¹⁵
    // µs), so the axis stops there whatever the file says.
    const TOP: f64 = 1e15;
    let lo = lo.min(TOP / 10.0);
    let (mut start, mut end) = (lo / LOG_AIR, hi.max(lo) * LOG_AIR);
    // At least a decade wide, widened on both sides alike, so values close
    // together sit in the middle of the axis (before, the axis ended ten
    // times above the smallest: two points at 3.6 and 4.05 sat in its
    // left sixth).
    if end / start < 10.0 {
        let widen = (10.0 * start / end).sqrt();
        start /= widen;
        end *= widen;
    }
    start..end.min(TOP)
}

#[cfg(test)]
mod axis_tests {
    use super::*;

    /// Sets of values as the charts meet them: two points close together,
    /// one alone, a spread over decades, values at a mark's edge.
    fn value_sets() -> Vec<Vec<f64>> {
        let mut sets = vec![
            vec![3.559, 4.0521],
            vec![7.0],
            vec![0.004, 0.42, 1.0, 5.0, 5.5],
            vec![1.9, 2.1],
            vec![1e-3, 1e9],
            vec![99.0, 101.0],
            vec![0.15, 0.16, 0.17],
        ];
        // And a sweep of narrow pairs across a decade and a half.
        for k in 0..60 {
            let lo = 10f64.powf(f64::from(k) / 40.0);
            sets.push(vec![lo, lo * 1.12]);
        }
        sets
    }

    #[test]
    fn log_ticks_cover_the_data_range() {
        for values in value_sets() {
            let range = log_range(values.iter().copied());
            let ticks = log_ticks(&range);
            let (lo, hi) = (values[0], values[values.len() - 1]);
            assert!(ticks.len() >= 3, "{values:?}: {ticks:?}");
            assert!(ticks.len() <= 14, "{values:?}: {ticks:?}");
            assert!(ticks.windows(2).all(|w| w[0] < w[1]), "{ticks:?}");
            assert!(
                ticks.iter().all(|t| range.contains(t) || *t == range.end),
                "{range:?}: {ticks:?}"
            );
            assert!(ticks[0] <= lo, "{values:?}: first tick {}", ticks[0]);
            assert!(
                ticks[ticks.len() - 1] >= hi,
                "{values:?}: last tick {}",
                ticks[ticks.len() - 1]
            );
        }
        // retry-for-days: its two points between ticks, not left of all.
        let ticks = log_ticks(&log_range([3.559, 4.0521].into_iter()));
        assert!(ticks.contains(&3.0) && ticks.contains(&5.0), "{ticks:?}");
    }

    #[test]
    fn time_ticks_cover_the_data_where_a_mark_falls_in_the_air() {
        // 0.3 s to 19.6 h: over many decades only the coarse marks (1 s,
        // 10 s, 1 min, ...) are kept, and 200 ms comes back below 0.3 s.
        let (lo, hi) = (300.0, 70_665_633.0);
        let range = log_range([lo, hi].into_iter());
        let ticks = time_ticks(&range);
        assert!(ticks[0] <= lo && ticks[ticks.len() - 1] >= hi, "{ticks:?}");
    }

    #[test]
    fn one_axis_reads_in_one_precision() {
        let label = axis_labels(Lang::PtBr, 0.0..2.1, 11);
        let shown: Vec<String> = [0.0, 0.5, 1.0, 1.5, 2.0].iter().map(&label).collect();
        assert_eq!(shown, ["0,0", "0,5", "1,0", "1,5", "2,0"]);
        let whole = axis_labels(Lang::En, 0.0..2_500.0, 11);
        assert_eq!(whole(&0.0), "0");
        assert_eq!(whole(&2_000.0), "2,000");
    }
}
