//! Turning a [`Summary`] into something people read.
//!
//! Renderers only read the summary; they never measure. Each measured number
//! stands beside the model's prediction for it, marked as such, so a reader
//! sees theory and measurement side by side.

use hooklab_core::report::{StrategyReport, Summary};
use hooklab_core::scenario::StrategyKind;
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
fn rows(summary: &Summary) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let header = vec![
        "strategy",
        "notified",
        "missed",
        "dup",
        "mean ms (model)",
        "p50 ms",
        "p99 ms",
        "max ms",
        "req/order (model)",
        "wasted polls",
    ];
    let rows = summary
        .strategies
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                format!("{}/{}", s.notified, s.orders),
                s.missed.to_string(),
                s.duplicates.to_string(),
                format!(
                    "{} ({})",
                    num(s.latency_ms.mean),
                    num(s.predicted.latency_mean_ms)
                ),
                num(s.latency_ms.p50),
                num(s.latency_ms.p99),
                num(s.latency_ms.max),
                format!(
                    "{:.2} ({:.2})",
                    s.requests_per_order, s.predicted.requests_per_order
                ),
                if s.requests.polls == 0 {
                    "-".to_owned()
                } else {
                    format!("{:.0}%", s.polls_wasted_share * 100.0)
                },
            ]
        })
        .collect();
    (header, rows)
}

/// A number of milliseconds with as many decimals as it deserves.
fn num(ms: f64) -> String {
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

fn headline(summary: &Summary) -> String {
    let s = &summary.scenario;
    format!(
        "{} · seed {} · {} orders · {} clock\narrivals: {} · settlement: {}",
        s.name, s.seed, s.orders, s.clock, s.arrival, s.settle
    )
}

fn footnote(summary: &Summary) -> String {
    let rtt = summary
        .strategies
        .first()
        .map(|s| s.predicted.rtt_ms)
        .unwrap_or_default();
    let mut out = format!(
        "Measured in this run; (model) is the prediction of crates/core/src/model.rs, fed the run's measured round trip ({} ms) and a timer slack of {} ms.",
        num(rtt),
        summary
            .strategies
            .first()
            .map(|s| s.predicted.timer_slack_ms)
            .unwrap_or_default()
    );
    if summary.strategies.iter().any(|s| !s.counts_agree) {
        out.push_str("\nWARNING: for at least one strategy, the platform's and the shop's request counts disagree (see summary.json, counts_agree).");
    }
    out
}

/// The terminal table.
pub fn table(summary: &Summary) -> String {
    let (header, rows) = rows(summary);
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = headline(summary);
    out.push_str("\n\n");
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
        out.push_str(&reading(s));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&footnote(summary));
    out.push('\n');
    out
}

/// One plain sentence reading a strategy's numbers.
pub fn reading(s: &StrategyReport) -> String {
    let mut text = match s.kind {
        StrategyKind::Poll => format!(
            "{}: polling every {} ms cost {:.2} requests per order, {:.0}% of them wasted, for a mean delay of {} ms (model: {} ms).",
            s.name,
            s.interval_ms.map(num).unwrap_or_default(),
            s.requests_per_order,
            s.polls_wasted_share * 100.0,
            num(s.latency_ms.mean),
            num(s.predicted.latency_mean_ms),
        ),
        StrategyKind::Webhook => format!(
            "{}: {:.2} webhook request(s) per order, mean delay {} ms, p99 {} ms.",
            s.name,
            s.requests_per_order,
            num(s.latency_ms.mean),
            num(s.latency_ms.p99),
        ),
    };
    if s.missed > 0 {
        let _ = write!(text, " {} order(s) missed", s.missed);
        if let Some(first) = s.missed_orders.first() {
            let _ = write!(text, " (first: {}: {})", first.order_id, first.reason);
        }
        text.push('.');
    }
    text
}

/// `summary.md`.
pub fn markdown(summary: &Summary) -> String {
    let (header, rows) = rows(summary);
    let mut out = format!("# {}\n\n", summary.scenario.name);
    if !summary.scenario.description.is_empty() {
        let _ = write!(out, "{}\n\n", summary.scenario.description.trim());
    }
    let _ = write!(out, "{}\n\n", headline(summary).replace('\n', "  \n"));
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
        let _ = writeln!(out, "- {}", reading(s));
    }
    let _ = write!(out, "\n{}\n", footnote(summary));
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
pub fn render(summary: &Summary, format: Format) -> String {
    match format {
        Format::Table => table(summary),
        Format::Json => json(summary),
        Format::Markdown => markdown(summary),
    }
}

/// Writes `summary.json` and `summary.md` into `dir`, creating it. Each file is
/// written to a temporary name and renamed, so a reader never sees half a file.
pub fn write_results(summary: &Summary, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in [
        ("summary.json", json(summary)),
        ("summary.md", markdown(summary)),
    ] {
        let tmp = dir.join(format!("{name}.tmp"));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, dir.join(name))?;
    }
    Ok(())
}
