//! Turning a [`Summary`] into text people read: the terminal table, the
//! Markdown report, the JSON.
//!
//! Renderers only read the summary; they never measure. Each measured number
//! stands beside the model's prediction for it, marked as such, so a reader
//! sees theory and measurement side by side. Every word comes from
//! [`crate::i18n`], in the [`Lang`] the caller asks for; every number goes
//! through [`crate::units`].

use crate::i18n::{self, Msg};
use crate::units::{decimal, dur, num};
use hooklab_core::lang::Lang;
use hooklab_core::report::{StrategyReport, Summary};
use hooklab_core::scenario::{ClockMode, StrategyKind};
use std::fmt::Write as _;

/// What goes to standard output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// An aligned text table for a terminal.
    #[default]
    Table,
    /// `summary.json`.
    Json,
    /// `summary.md`.
    Markdown,
}

/// The rows of the comparison, as strings: shared by the terminal table and
/// the Markdown table so the two never disagree.
fn rows(summary: &Summary, lang: Lang) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let header = [
        Msg::Strategy,
        Msg::Notified,
        Msg::Missed,
        Msg::Dup,
        Msg::MeanMsModel,
        Msg::P50Ms,
        Msg::P99Ms,
        Msg::MaxMs,
        Msg::ReqPerOrderModel,
        Msg::WastedPolls,
    ]
    .iter()
    .map(|m| m.text(lang))
    .collect();
    let rows = summary
        .strategies
        .iter()
        .map(|s| {
            let cells = vec![
                s.name.clone(),
                format!("{}/{}", s.notified, s.orders),
                s.missed.to_string(),
                s.duplicates.to_string(),
                format!(
                    "{} ({})",
                    dur(s.latency_ms.mean),
                    dur(s.predicted.latency_mean_ms)
                ),
                dur(s.latency_ms.p50),
                dur(s.latency_ms.p99),
                dur(s.latency_ms.max),
                format!(
                    "{:.2} ({:.2})",
                    s.requests_per_order, s.predicted.requests_per_order
                ),
                if s.requests.all_polls() == 0 {
                    "-".to_owned()
                } else {
                    format!("{:.1}%", s.polls_wasted_share * 100.0)
                },
            ];
            // Every cell but the strategy's name is a number.
            let mut cells = cells.into_iter();
            cells
                .next()
                .into_iter()
                .chain(cells.map(|c| decimal(lang, c)))
                .collect()
        })
        .collect();
    (header, rows)
}

fn headline(summary: &Summary, lang: Lang) -> String {
    let s = &summary.scenario;
    i18n::headline(
        lang,
        &s.name,
        s.seed,
        s.orders,
        s.clock == ClockMode::Real,
        &s.arrival,
        &s.settle,
    )
}

fn footnote(summary: &Summary, lang: Lang) -> String {
    let first = summary.strategies.first();
    // The settlement's lateness matters to webhooks: quote the first
    // strategy that receives them.
    let hooked = summary
        .strategies
        .iter()
        .find(|s| matches!(s.kind, StrategyKind::Webhook | StrategyKind::Hybrid));
    let late = hooked.map(|s| {
        (
            s.name.as_str(),
            decimal(lang, num(s.predicted.settle_lateness_ms)),
        )
    });
    let mut out = i18n::footnote(
        lang,
        &decimal(
            lang,
            num(first.map(|s| s.predicted.rtt_ms).unwrap_or_default()),
        ),
        first
            .map(|s| s.predicted.timer_slack_ms)
            .unwrap_or_default(),
        late.as_ref().map(|(name, ms)| (*name, ms.as_str())),
    );
    if summary.strategies.iter().any(|s| !s.counts_agree) {
        out.push('\n');
        out.push_str(Msg::CountsDisagree.text(lang));
    }
    out
}

/// The terminal table.
pub fn table(summary: &Summary, lang: Lang) -> String {
    let (header, rows) = rows(summary, lang);
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = headline(summary, lang);
    out.push_str("\n\n");
    // `{:>w$}` pads by chars, which is what a terminal shows for the accented
    // letters of the Portuguese headers.
    let line = |cells: Vec<String>| -> String {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i == 0 {
                let _ = write!(l, "{cell:<w$}");
            } else {
                let _ = write!(l, "  {cell:>w$}");
            }
        }
        l.trim_end().to_owned()
    };
    out.push_str(&line(header.iter().map(|h| h.to_string()).collect()));
    out.push('\n');
    out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
    out.push('\n');
    for row in rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    out.push('\n');
    for s in &summary.strategies {
        out.push_str(&reading(s, lang));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&footnote(summary, lang));
    out.push('\n');
    out
}

/// One plain sentence reading a strategy's numbers.
pub fn reading(s: &StrategyReport, lang: Lang) -> String {
    // Pollers are read by their interval; everything that receives webhooks
    // (with or without reconciliation polls) by its delay and cost.
    let n = |ms: f64| decimal(lang, dur(ms));
    let mut text = if matches!(s.kind, StrategyKind::Poll | StrategyKind::PollEvents) {
        i18n::PollReading {
            name: &s.name,
            interval: &s.interval_ms.map(n).unwrap_or_default(),
            requests_per_order: s.requests_per_order,
            wasted_pct: s.polls_wasted_share * 100.0,
            mean: &n(s.latency_ms.mean),
            model: &n(s.predicted.latency_mean_ms),
        }
        .text(lang)
    } else {
        i18n::webhook_reading(
            lang,
            &s.name,
            s.requests_per_order,
            &n(s.latency_ms.mean),
            &n(s.latency_ms.p99),
        )
    };
    if s.kind == StrategyKind::Hybrid && s.requests.polls > 0 {
        text.push_str(&i18n::reconcile_clause(
            lang,
            s.requests.polls as f64 / s.orders.max(1) as f64,
        ));
    }
    if s.missed > 0 {
        text.push_str(&i18n::missed_clause(
            lang,
            s.missed,
            s.missed_orders.first(),
        ));
    }
    text
}

/// The chart files, and the message that titles each in Markdown.
pub const CHARTS: [(&str, Msg); 5] = [
    ("latency-cdf.svg", Msg::CdfTitle),
    ("tradeoff.svg", Msg::TradeoffTitle),
    ("requests.svg", Msg::RequestsTitle),
    ("timeline.svg", Msg::TimelineTitle),
    ("outcomes.svg", Msg::OutcomesTitle),
];

/// `summary.md`: the table, the readings, and the charts (relative links to
/// the SVGs written beside it).
pub fn markdown(summary: &Summary, lang: Lang) -> String {
    let (header, rows) = rows(summary, lang);
    let mut out = format!("# {}\n\n", summary.scenario.name);
    let scenario = &summary.scenario;
    let description = match lang {
        Lang::PtBr if !scenario.description_pt_br.is_empty() => &scenario.description_pt_br,
        _ => &scenario.description,
    };
    if !description.is_empty() {
        let _ = write!(out, "{}\n\n", description.trim());
    }
    if let Some(file) = &scenario.file {
        let _ = write!(
            out,
            "{} `{file}`\n\n",
            if lang == Lang::PtBr {
                "Arquivo do cenário:"
            } else {
                "Scenario file:"
            }
        );
    }
    let _ = write!(out, "{}\n\n", headline(summary, lang).replace('\n', "  \n"));
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(
        out,
        "|{}",
        header
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---|" } else { "---:|" })
            .collect::<String>()
    );
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
    for s in &summary.strategies {
        let _ = writeln!(out, "- {}", reading(s, lang));
    }
    let _ = write!(out, "\n{}\n", footnote(summary, lang));
    let _ = write!(out, "\n## {}\n\n", Msg::Charts.text(lang));
    for (file, title) in CHARTS {
        let _ = write!(out, "![{}]({file})\n\n", title.text(lang));
    }
    out
}

/// `summary.json`, pretty-printed.
pub fn json(summary: &Summary) -> String {
    // A Summary holds only strings, numbers and enums: it always serialises.
    let mut text =
        serde_json::to_string_pretty(summary).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// Renders `summary` in `format`.
pub fn render(summary: &Summary, format: Format, lang: Lang) -> String {
    match format {
        Format::Table => table(summary, lang),
        Format::Json => json(summary),
        Format::Markdown => markdown(summary, lang),
    }
}
