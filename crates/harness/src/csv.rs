//! `summary.csv`: one row per strategy (and per sweep value), flat columns.
//!
//! The CSV is for spreadsheets and plotting scripts, so its column names are
//! fixed snake_case identifiers (the JSON field paths, flattened with `_`) in
//! every language, numbers are written in full precision with a `.` decimal
//! point, and a swept strategy's base name, field and value get their own
//! columns, so a pivot table or a chart needs no string parsing.

use crate::sweep;
use hooklab_core::report::{StrategyReport, Summary};

/// The header row's columns, in order.
const COLUMNS: [&str; 37] = [
    "scenario",
    "strategy",
    "base_strategy",
    "sweep_field",
    "sweep_value",
    "kind",
    "interval_ms",
    "orders",
    "notified",
    "missed",
    "duplicates",
    "notified_by_poll",
    "notified_by_webhook",
    "latency_count",
    "latency_mean_ms",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p99_ms",
    "latency_p999_ms",
    "latency_max_ms",
    "requests_total",
    "payment_creates",
    "polls",
    "polls_wasted",
    "webhook_attempts",
    "endpoint_registrations",
    "webhook_retries",
    "webhook_failures",
    "reconcile_polls",
    "rejected_deliveries",
    "requests_per_order",
    "polls_wasted_share",
    "predicted_latency_mean_ms",
    "predicted_requests_per_order",
    "predicted_rtt_ms",
    "counts_agree",
    "run_ms",
];

/// `summary.csv`, with a header row and `\n` line ends.
pub fn csv(summary: &Summary) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for s in &summary.strategies {
        out.push_str(&row(&summary.scenario.name, s).join(","));
        out.push('\n');
    }
    out
}

fn row(scenario: &str, s: &StrategyReport) -> Vec<String> {
    let point = sweep::split_name(&s.name);
    let (base, field, value) = match &point {
        Some(p) => (p.base.as_str(), p.field.as_str(), p.value.as_str()),
        None => (s.name.as_str(), "", ""),
    };
    let n = |x: u64| x.to_string();
    let f = |x: f64| x.to_string();
    let l = &s.latency_ms;
    let r = &s.requests;
    let row = vec![
        field_text(scenario),
        field_text(&s.name),
        field_text(base),
        field_text(field),
        field_text(value),
        s.kind.to_string(),
        s.interval_ms.map(f).unwrap_or_default(),
        n(s.orders),
        n(s.notified),
        n(s.missed),
        n(s.duplicates),
        n(s.notified_by.poll),
        n(s.notified_by.webhook),
        n(l.count),
        f(l.mean),
        f(l.p50),
        f(l.p90),
        f(l.p99),
        f(l.p999),
        f(l.max),
        n(r.total),
        n(r.payment_creates),
        n(r.polls),
        n(r.polls_wasted),
        n(r.webhook_attempts),
        n(r.endpoint_registrations),
        n(r.webhook_retries),
        n(r.webhook_failures),
        n(r.reconcile_polls),
        n(s.rejected.values().sum()),
        f(s.requests_per_order),
        f(s.polls_wasted_share),
        f(s.predicted.latency_mean_ms),
        f(s.predicted.requests_per_order),
        f(s.predicted.rtt_ms),
        s.counts_agree.to_string(),
        f(s.run_ms),
    ];
    debug_assert_eq!(row.len(), COLUMNS.len());
    row
}

/// Quotes a text field when it holds a comma, a quote or a line break
/// (RFC 4180), so any name survives the round trip through a spreadsheet.
fn field_text(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn awkward_names_are_quoted() {
        assert_eq!(field_text("poll-1s"), "poll-1s");
        assert_eq!(field_text("a,b"), "\"a,b\"");
        assert_eq!(field_text("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
