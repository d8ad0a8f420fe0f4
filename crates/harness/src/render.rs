//! Turning a [`Summary`] into something people read.
//!
//! Renderers only read the summary; they never measure. Each measured number
//! stands beside the model's prediction for it, marked as such, so a reader
//! sees theory and measurement side by side. Every word comes from
//! [`crate::i18n`], in the [`Lang`] the caller asks for.
//!
//! [`write_results`] writes a run's folder: `summary.json`, `summary.md`,
//! `summary.csv` ([`crate::csv`]) and the SVG charts ([`crate::charts`]). All
//! of them are functions of the summary alone, which is what lets
//! `hooklab report` redraw a run without running it again.

use crate::charts::{self, ChartError};
use crate::i18n::{self, Lang, Msg};
use crate::index;
use hooklab_core::report::{StrategyReport, Summary};
use hooklab_core::scenario::{ClockMode, StrategyKind};
use std::fmt::Write as _;
use std::path::Path;

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
                .chain(cells.map(|c| i18n::decimal(lang, c)))
                .collect()
        })
        .collect();
    (header, rows)
}

/// A duration given in milliseconds, in the unit that reads best: `0.812 ms`,
/// `104 ms`, `2.35 s`, `12.5 min`, `5.08 h`, `1.25 d`. A simulated day's delays
/// are hours, and nobody reads 18304918 ms.
pub fn dur(ms: f64) -> String {
    const UNITS: [(f64, &str); 4] = [
        (86_400_000.0, "d"),
        (3_600_000.0, "h"),
        (60_000.0, "min"),
        (1_000.0, "s"),
    ];
    for (size, unit) in UNITS {
        // Switch unit at twice its size, so 90 s stays "90.0 s", not "1.50 min".
        if ms >= 2.0 * size {
            return format!("{} {unit}", num(ms / size));
        }
    }
    if ms >= 10_000.0 {
        return format!("{} s", num(ms / 1_000.0));
    }
    format!("{} ms", num(ms))
}

/// A number with as many decimals as it deserves.
pub(crate) fn num(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else if ms >= 1.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.3}")
    }
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
            i18n::decimal(lang, num(s.predicted.settle_lateness_ms)),
        )
    });
    let mut out = i18n::footnote(
        lang,
        &i18n::decimal(
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
    let n = |ms: f64| i18n::decimal(lang, dur(ms));
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

/// Why a results folder could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Occurs when a file or folder cannot be written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Occurs when plotters fails to draw a chart.
    #[error(transparent)]
    Chart(#[from] ChartError),
}

/// Writes `summary.json`, `summary.md`, `summary.csv` and the charts into
/// `dir`, creating it. Each file is written to a temporary name and renamed,
/// so a reader never sees half a file. When `dir` sits in a folder named
/// `results`, that folder's `README.md` index is rewritten too
/// ([`crate::index`]), so the index never lags behind the runs.
pub fn write_results(summary: &Summary, dir: &Path, lang: Lang) -> Result<(), WriteError> {
    let mut files = vec![
        ("summary.json", json(summary)),
        ("summary.md", markdown(summary, lang)),
        ("summary.csv", crate::csv::csv(summary)),
    ];
    files.extend(charts::all(summary, lang)?);
    std::fs::create_dir_all(dir)?;
    for (name, text) in files {
        write_atomically(&dir.join(name), &text)?;
    }
    if let Some(root) = dir
        .parent()
        .filter(|p| p.file_name() == Some("results".as_ref()))
    {
        write_atomically(&root.join("README.md"), &index::index(root)?)?;
    }
    Ok(())
}

/// Writes `text` to `path` through a temporary file and a rename.
pub(crate) fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
