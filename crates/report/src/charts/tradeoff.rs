//! `tradeoff.svg`: requests per order against delay; a sweep is a curve.

use super::style::{Area, CAPTION, Drawn, color, legend, log_range, title};
use crate::i18n::Msg;
use crate::units::{decimal, num};
use hooklab_core::lang::Lang;
use hooklab_core::report::{StrategyReport, Summary, split_name};
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;

/// The strategies grouped by base name, in order of first appearance; the
/// points of a sweep sorted by requests per order, so they draw as a curve.
pub(crate) fn groups(strategies: &[StrategyReport]) -> Vec<(String, Vec<&StrategyReport>)> {
    let mut out: Vec<(String, Vec<&StrategyReport>)> = Vec::new();
    for s in strategies {
        let base = split_name(&s.name).map_or_else(|| s.name.clone(), |p| p.base);
        match out.iter_mut().find(|(b, _)| *b == base) {
            Some((_, members)) => members.push(s),
            None => out.push((base, vec![s])),
        }
    }
    for (_, members) in &mut out {
        members.sort_by(|a, b| a.requests_per_order.total_cmp(&b.requests_per_order));
    }
    out
}

/// Mean and p99 delay against requests per order, one line per group.
pub(crate) fn draw(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
    let groups = groups(&summary.strategies);
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
            let label = match split_name(&s.name) {
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
