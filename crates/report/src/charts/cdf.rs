//! `latency-cdf.svg`: the share of all orders notified within a delay.

use super::style::{Area, CAPTION, Drawn, color, legend, log_range, time_ticks, title};
use crate::i18n::Msg;
use crate::units::{decimal, num};
use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;

/// The share of all orders notified within each delay, one line per
/// strategy, on a log time axis.
pub(crate) fn draw(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
    let range = log_range(
        summary
            .strategies
            .iter()
            .flat_map(|s| s.latency_cdf_ms.iter().map(|p| p[0])),
    );
    let floor = range.start;
    let ticks = time_ticks(&range);
    let mut chart = ChartBuilder::on(root)
        .caption(title(Msg::CdfTitle, summary, lang), CAPTION)
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(range.log_scale().with_key_points(ticks), 0.0..100.0)?;
    chart
        .configure_mesh()
        .x_desc(Msg::DelayAxisLog.text(lang))
        .y_desc(Msg::ShareNotified.text(lang))
        .x_label_formatter(&|v| decimal(lang, tick(*v)))
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
            // The legend says where a curve that stops short stops.
            .label(if s.missed > 0 {
                crate::i18n::cdf_legend(lang, &s.name, s.notified, s.orders)
            } else {
                s.name.clone()
            })
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3)));
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

/// A tick of the delay axis, in the largest unit it holds at least one of,
/// as a clock reads it (`10 ms`, `1 s`, `90 s` is `1.5 min`, `1 h`): a log
/// axis spans decades, and a run of hours read in milliseconds
/// ("10,000,000") is a number to count digits of. Round ticks drop their
/// zeros (`1 s`, not `1.00 s`). The marks themselves are
/// [`super::style::time_ticks`]'s, so most are whole in their unit.
pub(super) fn tick(ms: f64) -> String {
    const UNITS: [(f64, &str); 4] = [
        (86_400_000.0, "d"),
        (3_600_000.0, "h"),
        (60_000.0, "min"),
        (1_000.0, "s"),
    ];
    let (value, unit) = UNITS
        .iter()
        .find(|(size, _)| ms >= *size)
        .map_or((ms, "ms"), |(size, unit)| (ms / size, unit));
    let text = num(value);
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text} {unit}")
}

#[cfg(test)]
mod tests {
    use super::tick;

    #[test]
    fn ticks_read_in_their_own_unit() {
        assert_eq!(tick(10.0), "10 ms");
        assert_eq!(tick(1_000.0), "1 s");
        assert_eq!(tick(90_000.0), "1.5 min");
        assert_eq!(tick(1_000_000.0), "16.7 min");
        assert_eq!(tick(3_600_000.0), "1 h");
        assert_eq!(tick(86_400_000.0), "1 d");
        assert_eq!(tick(0.5), "0.5 ms");
    }

    #[test]
    fn a_long_axis_is_marked_where_a_clock_reads() {
        use crate::charts::style::time_ticks;
        // retry-for-days' axis: milliseconds to days, thinned to the coarse
        // marks, none of them a power of ten in milliseconds past a second;
        // and 2 d, a finer mark, where the coarse ones stop short of the
        // data's end (up to 1.5 times below the axis's: 1.5 d).
        let marks: Vec<String> = time_ticks(&(10.0..200_000_000.0))
            .into_iter()
            .map(tick)
            .collect();
        assert_eq!(
            marks,
            [
                "10 ms", "100 ms", "1 s", "10 s", "1 min", "10 min", "1 h", "6 h", "1 d", "2 d"
            ]
        );
        // A short axis keeps the 1-2-5 marks.
        let marks: Vec<String> = time_ticks(&(0.1..30.0)).into_iter().map(tick).collect();
        assert_eq!(
            marks,
            [
                "0.1 ms", "0.2 ms", "0.5 ms", "1 ms", "2 ms", "5 ms", "10 ms", "20 ms"
            ]
        );
    }
}
