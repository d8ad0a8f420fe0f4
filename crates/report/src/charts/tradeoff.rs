//! `tradeoff.svg`: requests per order against delay; a sweep is a curve,
//! and the model's prediction is drawn beside the measured points.
//! `tradeoff-bytes.svg`: the same delays against kilobytes on the wire per
//! order (a 304 or a webhook is cheaper than a page of events, a stream
//! cheaper than either), measured only: the model predicts no bytes.

use super::place::{Rect, place, text_box};
use super::style::{
    Area, CAPTION, Drawn, LEGEND_GREY, color, log_range, log_ticks, time_ticks, title,
};
use crate::i18n::Msg;
use crate::render::{OUTSIDE, mean_interval, mean_outside, modelled, outside, requests_interval};
use crate::units::decimal;
use hooklab_core::lang::Lang;
use hooklab_core::report::{StrategyReport, Summary, split_name};
use plotters::coord::combinators::{BindKeyPoints, IntoLogRange};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The width of the legend column right of the plot, so the legend never
/// covers a point.
const LEGEND_WIDTH: u32 = 250;

/// The colours of a chart's sweep curves, in order: neutrals, which no
/// strategy's colour is (see `style::PALETTE`).
const SWEEP_CURVES: [RGBColor; 3] = [
    RGBColor(0, 0, 0),
    RGBColor(0x80, 0x80, 0x80),
    RGBColor(0xb0, 0xb0, 0xb0),
];

/// The strategies grouped by base name, in order of first appearance, each
/// with its index in the summary (its colour); the points of a sweep sorted
/// by requests per order, so they draw as a curve.
pub(crate) fn groups(
    strategies: &[StrategyReport],
) -> Vec<(String, Vec<(usize, &StrategyReport)>)> {
    let mut out: Vec<(String, Vec<(usize, &StrategyReport)>)> = Vec::new();
    for (i, s) in strategies.iter().enumerate() {
        let base = split_name(&s.name).map_or_else(|| s.name.clone(), |p| p.base);
        match out.iter_mut().find(|(b, _)| *b == base) {
            Some((_, members)) => members.push((i, s)),
            None => out.push((base, vec![(i, s)])),
        }
    }
    for (_, members) in &mut out {
        members.sort_by(|a, b| a.1.requests_per_order.total_cmp(&b.1.requests_per_order));
    }
    out
}

/// How a legend entry's sample is drawn: as the chart draws the series.
#[derive(Clone, Copy)]
enum Sample {
    /// A solid line with a hollow circle: the measured mean.
    Mean(RGBColor),
    /// A dashed line with a triangle: the measured p99.
    P99(RGBColor),
    /// A dotted line with a cross: the model's mean.
    Model(RGBColor),
    /// A capped line: the 95% interval of a measured value.
    Whisker(RGBColor),
}

fn draw_sample(area: &Area, sample: Sample, (x, y): (i32, i32)) -> Drawn {
    match sample {
        Sample::Mean(c) => {
            area.draw(&PathElement::new(
                vec![(x, y), (x + 30, y)],
                c.stroke_width(3),
            ))?;
            area.draw(&Circle::new((x + 15, y), 5, c.stroke_width(3)))
        }
        Sample::P99(c) => {
            for k in [0, 12, 24] {
                area.draw(&PathElement::new(
                    vec![(x + k, y), (x + k + 6, y)],
                    c.stroke_width(2),
                ))?;
            }
            area.draw(&TriangleMarker::new((x + 15, y), 6, c.filled()))
        }
        Sample::Model(c) => {
            for k in [0, 8, 16, 24] {
                area.draw(&PathElement::new(
                    vec![(x + k, y), (x + k + 3, y)],
                    c.stroke_width(2),
                ))?;
            }
            area.draw(&Cross::new((x + 15, y), 5, c.stroke_width(2)))
        }
        Sample::Whisker(c) => {
            let ink = c.stroke_width(2);
            area.draw(&PathElement::new(
                vec![(x + 15, y - 8), (x + 15, y + 8)],
                ink,
            ))?;
            for end in [y - 8, y + 8] {
                area.draw(&PathElement::new(vec![(x + 10, end), (x + 20, end)], ink))?;
            }
            Ok(())
        }
    }
}

/// What the x axis of a trade-off chart counts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Against {
    /// Notification requests per order (and the model's beside them).
    Requests,
    /// Kilobytes on the wire per order, both directions.
    Bytes,
}

/// Mean and p99 delay against requests per order, one line per group, and
/// the model's mean beside them.
pub(crate) fn draw(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
    draw_against(root, summary, lang, Against::Requests)
}

/// Mean and p99 delay against kilobytes on the wire per order.
pub(crate) fn draw_bytes(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
    draw_against(root, summary, lang, Against::Bytes)
}

fn draw_against(root: &Area, summary: &Summary, lang: Lang, against: Against) -> Drawn {
    let mut groups = groups(&summary.strategies);
    let x_of = |s: &StrategyReport| match against {
        Against::Requests => s.requests_per_order,
        Against::Bytes => crate::traffic::kb_per_order(s).unwrap_or(0.0),
    };
    if against == Against::Bytes {
        for (_, members) in &mut groups {
            members.sort_by(|a, b| x_of(a.1).total_cmp(&x_of(b.1)));
        }
    }
    let predicted =
        |s: &StrategyReport| (s.predicted.requests_per_order, s.predicted.latency_mean_ms);
    let with_model = against == Against::Requests;
    // The requests per order's interval where the table shows its `±`
    // (where the model speaks: see `render::requests_interval`); bytes
    // have none.
    let x_interval = |s: &StrategyReport| {
        (with_model && modelled(s))
            .then(|| requests_interval(s))
            .flatten()
    };
    let x_range = log_range(summary.strategies.iter().flat_map(|s| {
        std::iter::once(x_of(s))
            .chain(with_model.then(|| predicted(s).0))
            .chain(
                x_interval(s)
                    .into_iter()
                    .flat_map(|(low, high)| [low, high]),
            )
    }));
    let y_range = log_range(
        summary
            .strategies
            .iter()
            .filter(|s| s.latency_ms.count > 0)
            .flat_map(|s| {
                let interval = mean_interval(s).map(|(_, (low, high))| [low, high]);
                [s.latency_ms.mean, s.latency_ms.p99]
                    .into_iter()
                    .chain(with_model.then(|| predicted(s).1))
                    .chain(interval.into_iter().flatten())
            }),
    );
    let (x_floor, y_floor) = (x_range.start, y_range.start);
    let (x_ticks, y_ticks) = (log_ticks(&x_range), time_ticks(&y_range));
    let (heading, x_desc) = match against {
        Against::Requests => (Msg::TradeoffTitle, Msg::RequestsPerOrderLog),
        Against::Bytes => (Msg::TradeoffBytesTitle, Msg::KbPerOrderLog),
    };
    let area = root.titled(&title(heading, summary, lang), CAPTION)?;
    let (plot, side) = area.split_horizontally(area.dim_in_pixel().0 - LEGEND_WIDTH);
    let mut chart = ChartBuilder::on(&plot)
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(
            x_range.log_scale().with_key_points(x_ticks),
            y_range.log_scale().with_key_points(y_ticks),
        )?;
    chart
        .configure_mesh()
        .x_desc(x_desc.text(lang))
        .y_desc(Msg::DelayMsLog.text(lang))
        .x_label_formatter(&|v| decimal(lang, super::style::round_tick(*v)))
        .y_label_formatter(&|v| decimal(lang, super::cdf::tick(*v)))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    let mut entries: Vec<(String, Sample)> = Vec::new();
    // The point labels (text, colour, point in pixels) and every marker
    // drawn, in pixels, for the collision pass.
    let mut labels: Vec<(String, usize, (i32, i32))> = Vec::new();
    let mut markers: Vec<(i32, i32)> = Vec::new();
    let mut sweeps = 0;
    let mut whiskers = 0;
    for (base, members) in &groups {
        // A strategy of its own draws in its colour. A sweep's curve joins
        // several strategies, each point in its own colour: the curve takes
        // a neutral of its own, never a strategy's (before, it took its
        // first point's colour and read as that one strategy), and the
        // legend names it.
        let c = match members.as_slice() {
            [(i, _)] => color(*i),
            _ => {
                sweeps += 1;
                SWEEP_CURVES[(sweeps - 1) % SWEEP_CURVES.len()]
            }
        };
        let at = |x: f64, y: f64| (x.max(x_floor), y.max(y_floor));
        let learned: Vec<_> = members
            .iter()
            .filter(|(_, s)| s.latency_ms.count > 0)
            .collect();
        let mean: Vec<_> = learned
            .iter()
            .map(|(i, s)| (*i, at(x_of(s), s.latency_ms.mean)))
            .collect();
        let p99: Vec<_> = learned
            .iter()
            .map(|(i, s)| (*i, at(x_of(s), s.latency_ms.p99)))
            .collect();
        let mut model: Vec<_> = members
            .iter()
            .filter(|_| with_model)
            .map(|(i, s)| (*i, at(predicted(s).0, predicted(s).1)))
            .collect();
        model.sort_by(|a, b| a.1.0.total_cmp(&b.1.0));
        chart.draw_series(LineSeries::new(mean.iter().map(|p| p.1), c.stroke_width(3)))?;
        chart.draw_series(DashedLineSeries::new(
            p99.iter().map(|p| p.1),
            6,
            4,
            c.stroke_width(2),
        ))?;
        chart.draw_series(DashedLineSeries::new(
            model.iter().map(|p| p.1),
            3,
            5,
            c.stroke_width(2),
        ))?;
        // Each point in its own strategy's colour, as in every other chart.
        chart.draw_series(
            mean.iter()
                .map(|(i, p)| Circle::new(*p, 5, color(*i).stroke_width(3))),
        )?;
        chart.draw_series(
            p99.iter()
                .map(|(i, p)| TriangleMarker::new(*p, 6, color(*i).filled())),
        )?;
        chart.draw_series(
            model
                .iter()
                .map(|(i, p)| Cross::new(*p, 5, color(*i).stroke_width(2))),
        )?;
        // Each mean's whiskers, in its strategy's colour: its 95% interval
        // up and down, and the requests per order's left and right, each
        // capped (a cap is a pixel length: the axes are logarithmic).
        for (i, s) in &learned {
            let ink = color(*i).stroke_width(2);
            let mut bars = Vec::new();
            if let Some((_, (low, high))) = mean_interval(s) {
                bars.push(([at(x_of(s), low), at(x_of(s), high)], [(-5, 0), (5, 0)]));
            }
            if let Some((low, high)) = x_interval(s) {
                bars.push((
                    [at(low, s.latency_ms.mean), at(high, s.latency_ms.mean)],
                    [(0, -5), (0, 5)],
                ));
            }
            for ([a, b], cap) in bars {
                whiskers += 1;
                chart.draw_series([PathElement::new(vec![a, b], ink)])?;
                chart.draw_series(
                    [a, b].map(|end| EmptyElement::at(end) + PathElement::new(cap.to_vec(), ink)),
                )?;
            }
        }
        // Each point says which value (or which strategy) it is, and (!)
        // where the table marks its mean or its requests per order: the
        // model's value lies outside the interval. Placed once every point
        // is drawn (`place`), so crowded labels move apart.
        for ((i, s), (_, p)) in learned.iter().zip(&mean) {
            let label = match split_name(&s.name) {
                Some(point) => point.value,
                None => s.name.clone(),
            };
            let missed = with_model
                && modelled(s)
                && (mean_outside(s, &s.predicted)
                    || outside(Some(s.predicted.requests_per_order), requests_interval(s)));
            let label = if missed {
                format!("{label} {OUTSIDE}")
            } else {
                label
            };
            labels.push((label, *i, chart.backend_coord(p)));
        }
        markers.extend(
            mean.iter()
                .chain(&p99)
                .chain(&model)
                .map(|(_, p)| chart.backend_coord(p)),
        );
        // A sweep's entries name it as one ("poll, sweep").
        let base = if members.len() > 1 {
            format!("{base} ({})", Msg::SweepCurve.text(lang))
        } else {
            base.clone()
        };
        entries.push((
            format!("{base} · {}", Msg::Mean.text(lang)),
            Sample::Mean(c),
        ));
        entries.push((format!("{base} · {}", Msg::P99.text(lang)), Sample::P99(c)));
    }
    if with_model {
        entries.push((
            Msg::ModelMean.text(lang).to_owned(),
            Sample::Model(LEGEND_GREY),
        ));
    }
    if whiskers > 0 {
        entries.push((
            Msg::Whisker95.text(lang).to_owned(),
            Sample::Whisker(LEGEND_GREY),
        ));
    }
    draw_labels(
        root,
        &chart.plotting_area().get_pixel_range(),
        &labels,
        &markers,
    )?;
    // The legend in its own column: it cannot cover a point.
    for (k, (label, sample)) in entries.iter().enumerate() {
        let y = 40 + 24 * k as i32;
        draw_sample(&side, *sample, (8, y))?;
        side.draw(&Text::new(
            label.clone(),
            (46, y - 8),
            ("sans-serif", 15).into_font(),
        ))?;
    }
    Ok(())
}

/// The point labels' font size, px.
const LABEL_SIZE: u32 = 14;

/// Draws each point's label where [`place`] puts it, inside the plot
/// (`plot`, in pixels), with a thin line back to its point when it had to
/// move away from it.
fn draw_labels(
    root: &Area,
    plot: &(std::ops::Range<i32>, std::ops::Range<i32>),
    labels: &[(String, usize, (i32, i32))],
    markers: &[(i32, i32)],
) -> Drawn {
    let bounds = Rect {
        x0: plot.0.start,
        y0: plot.1.start,
        x1: plot.0.end,
        y1: plot.1.end,
    };
    let points: Vec<(i32, i32)> = labels.iter().map(|l| l.2).collect();
    let sizes: Vec<(i32, i32)> = labels.iter().map(|l| text_box(&l.0, LABEL_SIZE)).collect();
    let placed = place(&points, &sizes, markers, bounds);
    for ((text, i, point), at) in labels.iter().zip(&placed) {
        let c = color(*i);
        if at.leader {
            root.draw(&PathElement::new(
                vec![*point, at.rect.nearest(*point)],
                c.mix(0.6).stroke_width(1),
            ))?;
        }
        // A label left of its point ends at its box's right edge, one
        // above or below is centred on it: the text hugs its point even
        // where the viewer's font is narrower than the box.
        let (x, anchor) = if at.rect.x1 <= point.0 {
            (at.rect.x1, HPos::Right)
        } else if at.rect.x0 >= point.0 {
            (at.rect.x0, HPos::Left)
        } else {
            ((at.rect.x0 + at.rect.x1) / 2, HPos::Center)
        };
        root.draw(&Text::new(
            text.clone(),
            (x, at.rect.y0),
            ("sans-serif", LABEL_SIZE)
                .into_font()
                .color(&c)
                .pos(Pos::new(anchor, VPos::Top)),
        ))?;
    }
    Ok(())
}
