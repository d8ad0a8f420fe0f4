//! `timeline.svg`: notification requests per second over the run.

use super::style::{Area, CAPTION, Drawn, color, legend, tick, title};
use crate::i18n::Msg;
use crate::units::decimal;
use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use plotters::prelude::*;

/// Notification requests per second over the run, one solid line per
/// strategy, and a dashed line for the part of its polls that were wasted:
/// polling is a flat, busy line; webhooks follow the settlements.
pub(crate) fn draw(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
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
                // Dashed in the legend too, as the series is drawn.
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (6, 0)], c.stroke_width(1))
                        + PathElement::new(vec![(10, 0), (16, 0)], c.stroke_width(1))
                        + PathElement::new(vec![(20, 0), (24, 0)], c.stroke_width(1))
                });
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}
