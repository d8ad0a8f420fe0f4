//! `summary.csv`: one row per strategy (and per sweep value), flat columns.
//!
//! The CSV is for spreadsheets and plotting scripts, so its column names are
//! fixed snake_case identifiers (the JSON field paths, flattened with `_`) in
//! every language, numbers are written in full precision with a `.` decimal
//! point, and a swept strategy's base name, field and value get their own
//! columns, so a pivot table or a chart needs no string parsing.
//!
//! A row is a `Row` struct: BurntSushi's `csv` crate takes the header from
//! its field names and the values from its fields, so a column's name and its
//! value cannot drift apart, and quoting (RFC 4180) is the crate's job.

use crate::render::{displayable, polls_per_webhook, requests_per_day};
use hooklab_core::report::{StrategyReport, Summary, SweepPoint, split_name};
use serde::{Serialize, Serializer};

/// A decimal number as Rust prints it: the shortest text that reads back
/// as the same `f64`, never in exponent form, and without a trailing `.0`
/// (`200`, `0.5`, `1.0033`). The csv crate's own float formatting would
/// write `200.0` and `1e-7`, and change every committed `summary.csv`.
#[derive(Clone, Copy, Debug)]
struct Decimal(f64);

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// One line of `summary.csv`; the field names are the header's columns, in
/// order.
#[derive(Debug, Serialize)]
struct Row<'a> {
    scenario: &'a str,
    strategy: &'a str,
    /// The swept strategy's name, or the strategy's own when not swept.
    base_strategy: &'a str,
    /// Empty when not swept.
    sweep_field: &'a str,
    /// Empty when not swept.
    sweep_value: &'a str,
    kind: String,
    /// Empty for strategies that do not poll on an interval.
    interval_ms: Option<Decimal>,
    orders: u64,
    notified: u64,
    missed: u64,
    duplicates: u64,
    notified_by_poll: u64,
    notified_by_webhook: u64,
    latency_count: u64,
    latency_mean_ms: Decimal,
    latency_p50_ms: Decimal,
    latency_p90_ms: Decimal,
    latency_p99_ms: Decimal,
    latency_p999_ms: Decimal,
    latency_max_ms: Decimal,
    requests_total: u64,
    payment_creates: u64,
    polls: u64,
    polls_wasted: u64,
    webhook_attempts: u64,
    endpoint_registrations: u64,
    webhook_retries: u64,
    webhook_failures: u64,
    reconcile_polls: u64,
    /// Deliveries the receiver refused, whatever the reason.
    rejected_deliveries: u64,
    requests_per_order: Decimal,
    polls_wasted_share: Decimal,
    predicted_latency_mean_ms: Decimal,
    predicted_requests_per_order: Decimal,
    predicted_rtt_ms: Decimal,
    counts_agree: bool,
    run_ms: Decimal,
    /// Notification requests per day of the strategy's run.
    requests_per_day: Option<Decimal>,
    /// Polls per day against the run's webhook strategy's deliveries per
    /// day; empty for a strategy that does not poll or a run without one.
    polls_per_webhook: Option<Decimal>,
    /// Standard error of the mean delay; empty in older summaries.
    latency_stderr_ms: Option<Decimal>,
    latency_ci95_low_ms: Option<Decimal>,
    latency_ci95_high_ms: Option<Decimal>,
    /// The model over this run's own draws; empty in older summaries.
    draws_latency_mean_ms: Option<Decimal>,
    draws_requests_per_order: Option<Decimal>,
    requests_per_order_stderr: Option<Decimal>,
    /// The health flags' codes, joined by `;`.
    health: String,
    /// Learned from an event pushed on a stream (with `notified_by_poll`
    /// and `notified_by_webhook` it adds up to `notified`).
    notified_by_stream: u64,
    /// `GET /v1/events` pages; with `payment_creates`, `polls`,
    /// `webhook_attempts`, `endpoint_registrations`, `rate_limited`,
    /// `not_modified`, `streams_opened` and `refused` they add up to
    /// `requests_total`.
    event_polls: u64,
    event_polls_wasted: u64,
    rate_limited: u64,
    /// Conditional polls answered `304` (wasted, in no other count).
    not_modified: u64,
    /// Of the polls and event pages, the long polls.
    long_polls: u64,
    streams_opened: u64,
    /// Events pushed on open streams (not requests).
    events_streamed: u64,
    /// Polls, event pages and streams a dead platform refused (a crash):
    /// in `requests_total` and in `notification_requests`.
    refused: u64,
    /// Every poll (payments, event log, `304`s) and the wasted ones: what
    /// `polls_wasted_share` divides.
    all_polls: u64,
    all_polls_wasted: u64,
    /// Polls, webhook attempts, streams opened and refused requests: what
    /// `requests_per_order` divides by `orders`.
    notification_requests: u64,
    missed_share_ci95_low: Option<Decimal>,
    missed_share_ci95_high: Option<Decimal>,
    polls_wasted_share_ci95_low: Option<Decimal>,
    polls_wasted_share_ci95_high: Option<Decimal>,
}

impl<'a> Row<'a> {
    fn new(summary: &'a Summary, s: &'a StrategyReport, point: Option<&'a SweepPoint>) -> Self {
        let scenario = summary.scenario.name.as_str();
        let (base_strategy, sweep_field, sweep_value) = match point {
            Some(p) => (p.base.as_str(), p.field.as_str(), p.value.as_str()),
            None => (s.name.as_str(), "", ""),
        };
        let (l, r) = (&s.latency_ms, &s.requests);
        Row {
            scenario,
            strategy: &s.name,
            base_strategy,
            sweep_field,
            sweep_value,
            kind: s.kind.to_string(),
            interval_ms: s.interval_ms.map(Decimal),
            orders: s.orders,
            notified: s.notified,
            missed: s.missed,
            duplicates: s.duplicates,
            notified_by_poll: s.notified_by.poll,
            notified_by_webhook: s.notified_by.webhook,
            latency_count: l.count,
            latency_mean_ms: Decimal(l.mean),
            latency_p50_ms: Decimal(l.p50),
            latency_p90_ms: Decimal(l.p90),
            latency_p99_ms: Decimal(l.p99),
            latency_p999_ms: Decimal(l.p999),
            latency_max_ms: Decimal(l.max),
            requests_total: r.total,
            payment_creates: r.payment_creates,
            polls: r.polls,
            polls_wasted: r.polls_wasted,
            webhook_attempts: r.webhook_attempts,
            endpoint_registrations: r.endpoint_registrations,
            webhook_retries: r.webhook_retries,
            webhook_failures: r.webhook_failures,
            reconcile_polls: r.reconcile_polls,
            rejected_deliveries: s.rejected.values().sum(),
            requests_per_order: Decimal(s.requests_per_order),
            polls_wasted_share: Decimal(s.polls_wasted_share),
            predicted_latency_mean_ms: Decimal(s.predicted.latency_mean_ms),
            predicted_requests_per_order: Decimal(s.predicted.requests_per_order),
            predicted_rtt_ms: Decimal(s.predicted.rtt_ms),
            counts_agree: s.counts_agree,
            run_ms: Decimal(s.run_ms),
            requests_per_day: requests_per_day(summary, s).map(Decimal),
            polls_per_webhook: polls_per_webhook(summary, s).map(Decimal),
            latency_stderr_ms: l.stderr.map(Decimal),
            latency_ci95_low_ms: l.ci95.map(|c| Decimal(c[0])),
            latency_ci95_high_ms: l.ci95.map(|c| Decimal(c[1])),
            draws_latency_mean_ms: s
                .predicted_for_draws
                .as_ref()
                .map(|p| Decimal(p.latency_mean_ms)),
            draws_requests_per_order: s
                .predicted_for_draws
                .as_ref()
                .map(|p| Decimal(p.requests_per_order)),
            requests_per_order_stderr: s.requests_per_order_stderr.map(Decimal),
            health: s
                .health
                .iter()
                .map(|f| f.code.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            notified_by_stream: s.notified_by.stream,
            event_polls: r.event_polls,
            event_polls_wasted: r.event_polls_wasted,
            rate_limited: r.rate_limited,
            not_modified: r.not_modified,
            long_polls: r.long_polls,
            streams_opened: r.streams_opened,
            events_streamed: r.events_streamed,
            refused: r.refused,
            all_polls: r.all_polls(),
            all_polls_wasted: r.all_polls_wasted(),
            notification_requests: r.all_polls()
                + r.webhook_attempts
                + r.streams_opened
                + r.refused,
            missed_share_ci95_low: s.missed_share_ci95.map(|c| Decimal(c[0])),
            missed_share_ci95_high: s.missed_share_ci95.map(|c| Decimal(c[1])),
            polls_wasted_share_ci95_low: s.polls_wasted_share_ci95.map(|c| Decimal(c[0])),
            polls_wasted_share_ci95_high: s.polls_wasted_share_ci95.map(|c| Decimal(c[1])),
        }
    }
}

/// `summary.csv`, with a header row and `\n` line ends.
///
/// The header comes with the first row, so a summary without strategies
/// (which a valid scenario cannot produce) gives an empty file.
pub fn csv(summary: &Summary) -> Result<String, csv::Error> {
    // `\n` rather than the crate's default `\r\n`: the committed files are
    // text files in a git repository, diffed line by line.
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Names with control characters are escaped here too: a spreadsheet
    // or a `cat` of the file must not run them.
    let summary = &displayable(summary);
    for s in &summary.strategies {
        let point = split_name(&s.name);
        writer.serialize(Row::new(summary, s, point.as_ref()))?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    // Every field was a Rust string or a number, so the bytes are UTF-8 and
    // nothing is replaced here.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
