//! The bar charts: `outcomes.svg` (what became of each order, and the
//! notices that were not orders) and `requests.svg` (what each order cost),
//! both stacked bars per strategy in the strategy's colour.

use super::hatch::{Hatch, Hatched};
use super::style::{Area, CAPTION, Drawn, LEGEND_GREY, color, darken, legend, tint, title};
use crate::i18n::Msg;
use crate::units::decimal;
use hooklab_core::lang::Lang;
use hooklab_core::report::{StrategyReport, Summary, split_name};
use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeSet;

/// One layer of stacked bars: its legend label, how strongly it takes the
/// bar's strategy colour (1 solid, towards 0 white), and a value per
/// strategy.
type Layer = (String, f64, Vec<f64>);

/// The shades of successive layers: solid first, then lighter, so a layer
/// reads by its tint while the bar keeps its strategy's colour.
const SHADES: [f64; 6] = [1.0, 0.4, 0.7, 0.2, 0.55, 0.1];

/// How much of a strategy's colour its pattern lines keep (the rest is
/// black): dark enough to read over any tint of it, still its hue.
const INK: f64 = 0.5;

/// The legend's pattern lines, over the grey tints.
const LEGEND_INK: RGBColor = RGBColor(20, 20, 20);

/// What a bar chart's y axis counts, which decides its ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Axis {
    /// Whole things (orders, notices): ticks on whole numbers only, never
    /// "0.5 orders".
    Count,
    /// A mean per order, fractional by nature: plotters' own ticks.
    PerOrder,
}

/// What a bar carries beside its layers, in the y axis's units: the 95%
/// interval of the measured value the table shows a ± (or `[low–high]`)
/// for, drawn as a whisker, and the model's value the table shows beside
/// it, drawn as a cross.
#[derive(Clone, Copy, Debug, Default)]
struct Mark {
    /// The whisker's ends.
    interval: Option<(f64, f64)>,
    /// The model's value.
    model: Option<f64>,
}

/// The whiskers' and the model crosses' ink: no strategy's colour (a colour
/// means a strategy), dark enough over any tint.
const MARK_INK: RGBColor = RGBColor(0, 0, 0);

/// Half the width of a whisker's caps and of a model cross, px.
const MARK_PX: i32 = 6;

/// A count axis's top and its label and light-line limits for plotters,
/// from the top it would have had (`y_top`, at least 1): the top rounded up
/// to a whole count `r`, and at most `r + 1` lines, bold and light alike
/// (plotters asks for bold × light light lines at most). plotters steps ticks by 1, 2 or 5 times a power of ten, the
/// smallest step that keeps within the limit; a step under 1 (0.5 and
/// below) would put at least `2r + 1` ticks on `0..r`, more than `r + 1`,
/// so every tick and light line falls on a whole number.
fn count_ticks(y_top: f64) -> (f64, usize, usize) {
    let r = y_top.max(1.0).ceil();
    let points = r as usize + 1;
    let bold = points.min(11);
    (r, bold, (points / bold).clamp(1, 10))
}

/// A bar per strategy, in the strategy's own colour, its layers stacked
/// bottom-up in `layers` order, each a tint of that colour and, past the
/// first, a pattern of lines of its own in a darker shade of it (a tint
/// alone does not survive grey print or every eye); the legend shows the
/// tints and patterns in grey (a colour means a strategy, never a layer).
fn stacked_bars(
    root: &Area,
    caption: Option<String>,
    (y_desc, axis): (&str, Axis),
    strategies: &[StrategyReport],
    layers: &[Layer],
    marks: &[Mark],
    lang: Lang,
) -> Drawn {
    let n = strategies.len();
    let total = |i: usize, upto: usize| -> f64 { layers[..=upto].iter().map(|l| l.2[i]).sum() };
    let whiskers = marks.iter().any(|m| m.interval.is_some());
    let models = marks.iter().any(|m| m.model.is_some());
    // The tallest bar, whisker or cross.
    let top = (0..n)
        .map(|i| total(i, layers.len().saturating_sub(1)))
        .chain(
            marks
                .iter()
                .flat_map(|m| [m.interval.map(|i| i.1), m.model].into_iter().flatten()),
        )
        .fold(0.0f64, f64::max);
    // Air above it for the legend, a line per entry.
    let entries = layers.len() + usize::from(whiskers) + usize::from(models);
    let y_top = (top * 1.3 + 0.5 * entries as f64 * top / 10.0).max(1.0);
    let (y_top, bold, light) = match axis {
        Axis::PerOrder => (y_top, 11, 10),
        Axis::Count => count_ticks(y_top),
    };
    let names: Vec<String> = strategies.iter().map(|s| short_name(&s.name)).collect();
    let mut builder = ChartBuilder::on(root);
    if let Some(caption) = caption {
        builder.caption(caption, CAPTION);
    }
    let mut chart = builder
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        // plotters' integer ranges include their end: `0..n - 1` is n bars.
        .build_cartesian_2d((0..n.saturating_sub(1)).into_segmented(), 0.0..y_top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n + 1)
        // Narrow slots take smaller names, so neighbours do not run into
        // each other.
        .x_label_style(("sans-serif", label_px(root, n)))
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_desc(y_desc)
        .y_labels(bold)
        .y_max_light_lines(light)
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
    // A bar's gap to its neighbours: 24 px a side, less where the bars are
    // many and narrow (nine strategies in half the chart left 42 px a slot,
    // and a fixed 24 px a side drew every bar at a negative width: none
    // showed).
    let slot = chart.plotting_area().dim_in_pixel().0 as i32 / n.max(1) as i32;
    let gap = (slot / 5).clamp(1, 24);
    // Each layer from the one below's top to its own, painted top layer
    // first (the legend's order). Plain rectangles rather than plotters'
    // `Histogram` series, which sums bars in a HashMap and so writes them in
    // a random order: the SVG would differ between two renderings of one
    // summary.
    for (k, (label, shade, _)) in layers.iter().enumerate().rev() {
        let (shade, hatch) = (*shade, Hatch::of_layer(k));
        let below = |i: usize| if k == 0 { 0.0 } else { total(i, k - 1) };
        chart
            .draw_series((0..n).map(|i| Hatched {
                corners: [
                    (SegmentValue::Exact(i), below(i)),
                    (SegmentValue::Exact(i + 1), total(i, k)),
                ],
                fill: tint(color(i), shade),
                hatch,
                ink: darken(color(i), INK),
                margin: gap,
            }))?
            .label(label.clone())
            .legend(move |(x, y)| Hatched {
                corners: [(x, y - 6), (x + 14, y + 6)],
                fill: tint(LEGEND_GREY, shade),
                hatch,
                ink: LEGEND_INK,
                margin: 0,
            });
    }
    // Over the bars, each whisker and cross at its bar's centre: a line
    // from the interval's low to its high, capped at both ends.
    let centre = |i: usize, y: f64| (SegmentValue::CenterOf(i), y);
    // Each drawn twice, wide in white then narrow in black, so it reads
    // over a dark bar as over a light one. The cross stands a little right
    // of the whisker: a model inside a short interval would hide it.
    let (halo, ink) = (WHITE.stroke_width(5), MARK_INK.stroke_width(2));
    let cap = |at, style| {
        EmptyElement::at(at) + PathElement::new(vec![(-MARK_PX, 0), (MARK_PX, 0)], style)
    };
    let cross = |at, style| EmptyElement::at(at) + Cross::new((3 * MARK_PX, 0), MARK_PX, style);
    for (i, m) in marks.iter().enumerate().take(n) {
        for style in [halo, ink] {
            if let Some((low, high)) = m.interval {
                chart.draw_series([PathElement::new(
                    vec![centre(i, low), centre(i, high)],
                    style,
                )])?;
                chart.draw_series([cap(centre(i, low), style), cap(centre(i, high), style)])?;
            }
            if let Some(model) = m.model {
                chart.draw_series([cross(centre(i, model), style)])?;
            }
        }
    }
    // Their legend lines, after the layers'.
    if whiskers {
        chart
            .draw_series(std::iter::empty::<PathElement<(SegmentValue<usize>, f64)>>())?
            .label(Msg::Whisker95.text(lang))
            .legend(move |(x, y)| {
                EmptyElement::at((x + 7, y))
                    + PathElement::new(vec![(0, -7), (0, 7)], ink)
                    + PathElement::new(vec![(-5, -7), (5, -7)], ink)
                    + PathElement::new(vec![(-5, 7), (5, 7)], ink)
            });
    }
    if models {
        chart
            .draw_series(std::iter::empty::<PathElement<(SegmentValue<usize>, f64)>>())?
            .label(Msg::ModelMark.text(lang))
            .legend(move |(x, y)| Cross::new((x + 7, y), MARK_PX, ink));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// The bar labels' size in pixels for `n` bars across `area`: plotters'
/// 12 where a name has room, down to 8 where the slots are narrow.
fn label_px(area: &Area, n: usize) -> u32 {
    let slot = area.dim_in_pixel().0 / n.max(1) as u32;
    (slot / 9).clamp(8, 12)
}

/// A bar label: a swept strategy shows its base name and value
/// (`poll 500ms`), not the long `poll@interval_ms=500ms`.
fn short_name(name: &str) -> String {
    match split_name(name) {
        Some(point) => format!("{} {}", point.base, point.value),
        None => name.to_owned(),
    }
}

/// Left, the orders: notified and missed (they add up to the orders);
/// right, the notices that are not orders: duplicates, conflicting notices
/// (when there were any) and the webhook deliveries the receiver refused,
/// by reason. Duplicates are never stacked
/// on orders. The platform's 429s are not in this panel: they are requests
/// the platform refused the shop, not notices the shop refused, and
/// `requests.svg` stacks them on the requests per order.
///
/// Counts from `summary.json`, per strategy: `notified` and `missed`
/// (left), `duplicates`, `conflicts` and each `rejected.<reason>` (right),
/// as they are.
pub(crate) fn outcomes(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
    let ss = &summary.strategies;
    let col = |f: &dyn Fn(&StrategyReport) -> u64| -> Vec<f64> {
        ss.iter().map(|s| f(s) as f64).collect()
    };
    let area = root.titled(&title(Msg::OutcomesTitle, summary, lang), CAPTION)?;
    let layers = notice_layers(ss, lang);
    // With no notice to show, the orders take the whole width, and the
    // words saying so a line under the title.
    let (orders, notices) = match layers.is_empty() {
        true => {
            let (line, rest) = area.split_vertically(28);
            (rest, line)
        }
        false => area.split_horizontally(area.dim_in_pixel().0 / 2),
    };
    stacked_bars(
        &orders,
        None,
        (Msg::OrdersAxis.text(lang), Axis::Count),
        ss,
        &[
            (
                Msg::LegendNotified.text(lang).to_owned(),
                SHADES[0],
                col(&|s| s.notified),
            ),
            (
                Msg::LegendMissed.text(lang).to_owned(),
                SHADES[1],
                col(&|s| s.missed),
            ),
        ],
        &missed_marks(ss),
        lang,
    )?;
    if layers.is_empty() {
        // Nothing to draw: an empty frame with a legend of layers that are
        // not there read as a chart that failed; say so in words instead.
        let (w, h) = notices.dim_in_pixel();
        let style = TextStyle::from(("sans-serif", 17).into_font())
            .color(&LEGEND_GREY)
            .pos(Pos::new(HPos::Center, VPos::Center));
        return notices.draw_text(
            Msg::NoNotices.text(lang),
            &style,
            ((w / 2) as i32, (h / 2) as i32),
        );
    }
    stacked_bars(
        &notices,
        None,
        (Msg::Notices.text(lang), Axis::Count),
        ss,
        &layers,
        &[],
        lang,
    )
}

/// The orders panel's marks, where the table shows `N [low–high] (model)`
/// in its missed column: the missed layer sits on the notified one and
/// ends at the orders, so its uncertain edge is the one between them, at
/// `orders − missed`. The whisker spans that edge's interval (`orders −
/// high` to `orders − low`, in orders) and the cross sits at `orders −
/// model`.
fn missed_marks(ss: &[StrategyReport]) -> Vec<Mark> {
    use crate::render::{missed_interval, modelled};
    ss.iter()
        .map(|s| {
            let orders = s.orders as f64;
            let edge = |share: f64| orders - share * orders;
            match (s.predicted.missed_share, missed_interval(s)) {
                (Some(share), Some((low, high))) if modelled(s) => Mark {
                    interval: Some((edge(high), edge(low))),
                    model: Some(edge(share)),
                },
                _ => Mark::default(),
            }
        })
        .collect()
}

/// The requests chart's marks, as the table's req/order column shows
/// them: `mean ± 1.96 se (model)` where the model speaks, the ± only where
/// the run measured a standard error. Both at the req/order height, which
/// the layers up to the 429s reach (a stream's opens aside).
fn requests_marks(ss: &[StrategyReport]) -> Vec<Mark> {
    use crate::render::{modelled, requests_interval};
    ss.iter()
        .map(|s| match modelled(s) {
            true => Mark {
                interval: requests_interval(s),
                model: Some(s.predicted.requests_per_order),
            },
            false => Mark::default(),
        })
        .collect()
}

/// The outcomes' right panel's layers: duplicates, conflicting notices,
/// then each reason a
/// delivery was refused for, each only when some strategy has any (a legend
/// entry with no bar under it says something that did not happen).
fn notice_layers(ss: &[StrategyReport], lang: Lang) -> Vec<Layer> {
    let col = |f: &dyn Fn(&StrategyReport) -> u64| -> Vec<f64> {
        ss.iter().map(|s| f(s) as f64).collect()
    };
    let reasons: BTreeSet<&str> = ss
        .iter()
        .flat_map(|s| s.rejected.keys().map(String::as_str))
        .collect();
    let mut layers: Vec<Layer> = vec![
        (
            Msg::LegendDuplicates.text(lang).to_owned(),
            0.0,
            col(&|s| s.duplicates),
        ),
        (
            Msg::LegendConflicts.text(lang).to_owned(),
            0.0,
            col(&|s| s.conflicts),
        ),
    ];
    for reason in reasons {
        layers.push((
            format!(
                "{}: {}",
                Msg::LegendRejected.text(lang),
                rejection_words(lang, reason)
            ),
            0.0,
            col(&|s| s.rejected.get(reason).copied().unwrap_or(0)),
        ));
    }
    layers.retain(|l| l.2.iter().any(|v| *v > 0.0));
    // Shades by place among the layers drawn, the first solid.
    for (k, layer) in layers.iter_mut().enumerate() {
        layer.1 = SHADES[k % SHADES.len()];
    }
    layers
}

/// A refused delivery's reason ([`hooklab_core::events::rejection`], a
/// code) as the legend says it: the code in English, words in Portuguese
/// (as the event log words it).
fn rejection_words(lang: Lang, reason: &str) -> &str {
    use hooklab_core::events::rejection;
    if lang == Lang::En {
        return reason;
    }
    match reason {
        "signature_mismatch" => "assinatura não confere",
        "signature_stale" => "carimbo de tempo velho demais",
        "signature_missing" => "sem assinatura",
        "signature_malformed" => "assinatura malformada",
        rejection::INJECTED_503 => "503 injetado",
        rejection::INJECTED_500 => "500 injetado",
        rejection::INVALID_BODY => "corpo inválido",
        rejection::REFUSED => "conexão recusada",
        rejection::SHOP_CRASHED => "loja caiu ao processar",
        other => other,
    }
}

/// Notification requests per order: useful polls, wasted polls, webhook
/// deliveries (`requests.all_polls()` less `all_polls_wasted()`, those,
/// and `webhook_attempts`, over `orders`), then the requests a dead platform
/// refused (`requests.refused`): together `requests_per_order` but for a
/// stream's opens (`streams_opened`, not drawn). On top, the 429s
/// (`requests.rate_limited`), which no req/order counts.
pub(crate) fn requests(root: &Area, summary: &Summary, lang: Lang) -> Drawn {
    let per_order = |f: fn(&StrategyReport) -> u64| -> Vec<f64> {
        summary
            .strategies
            .iter()
            .map(|s| f(s) as f64 / s.orders.max(1) as f64)
            .collect()
    };
    let mut layers = vec![
        (
            Msg::UsefulPolls.text(lang).to_owned(),
            SHADES[0],
            per_order(|s| {
                s.requests.all_polls() - s.requests.all_polls_wasted().min(s.requests.all_polls())
            }),
        ),
        (
            Msg::WastedPollsLegend.text(lang).to_owned(),
            SHADES[1],
            per_order(|s| s.requests.all_polls_wasted()),
        ),
        (
            Msg::WebhookDeliveries.text(lang).to_owned(),
            SHADES[2],
            per_order(|s| s.requests.webhook_attempts),
        ),
    ];
    // Requests a dead platform refused count in requests per order: a
    // layer of their own, drawn only when a crash refused any.
    if summary.strategies.iter().any(|s| s.requests.refused > 0) {
        layers.push((
            Msg::RefusedRequests.text(lang).to_owned(),
            SHADES[3],
            per_order(|s| s.requests.refused),
        ));
    }
    // The 429s the platform's rate limit answered (polls and payment
    // creations: `requests.rate_limited`, the health flag's "N of total
    // requests were refused with 429", and per order the model's
    // `rate_limited_per_order`) are requests the shop sent and paid for in
    // time, in no req/order: a layer on top, whose legend says so, drawn
    // only when the platform refused any.
    if summary
        .strategies
        .iter()
        .any(|s| s.requests.rate_limited > 0)
    {
        layers.push((
            Msg::RateLimitedRequests.text(lang).to_owned(),
            SHADES[4],
            per_order(|s| s.requests.rate_limited),
        ));
    }
    stacked_bars(
        root,
        Some(title(Msg::RequestsTitle, summary, lang)),
        (Msg::RequestsPerOrder.text(lang), Axis::PerOrder),
        &summary.strategies,
        &layers,
        &requests_marks(&summary.strategies),
        lang,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_in_portuguese_in_the_legend() {
        assert_eq!(rejection_words(Lang::PtBr, "refused"), "conexão recusada");
        assert_eq!(rejection_words(Lang::En, "refused"), "refused");
        assert_eq!(rejection_words(Lang::PtBr, "custom"), "custom");
    }
}
