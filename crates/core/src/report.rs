//! The plain-data summary of a run: what `summary.json` holds.
//!
//! Measurement is kept apart from display (as hatoo/oha does): the harness
//! fills these structs, and renderers (table, Markdown, JSON) only read them.
//! Every number here was either measured in the run or computed by the model
//! ([`crate::model`]), and the field names say which (`predicted` vs the rest).
//!
//! Its parts: the [`Summary`] and its [`StrategyReport`]s; the
//! [`LatencySummary`] and [`cdf_points`] folded from a [`latency_histogram`];
//! and the names of sweep points ([`point_name`], [`split_name`]), the one
//! convention the harness (which names swept strategies) and the renderers
//! (which draw a sweep as a curve) share.

use crate::model::Prediction;
use crate::model::stats::{Moments, moments_interval};
use crate::scenario::{ClockMode, StrategyKind};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// A whole run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// What was run.
    pub scenario: ScenarioInfo,
    /// One entry per strategy, in the scenario's order.
    pub strategies: Vec<StrategyReport>,
}

/// The scenario, as the report needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// The scenario's name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its description in Brazilian Portuguese, if the file has one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description_pt_br: String,
    /// Its seed.
    pub seed: u64,
    /// Which clock ran it.
    pub clock: ClockMode,
    /// How many orders each strategy saw.
    pub orders: u64,
    /// The arrival process, in words.
    pub arrival: String,
    /// The settlement-delay distribution, in words.
    pub settle: String,
    /// Orders a day at the scenario's arrival rate, which turns a cost per
    /// order into a cost per day; absent in summaries written before it was
    /// recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders_per_day: Option<f64>,
    /// The scenario file that produced the run, as given on the command line
    /// (`scenarios/checkout.toml`), or `built-in checkout` for the built-in
    /// scenario; absent in summaries written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// What one strategy did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrategyReport {
    /// The strategy's name.
    pub name: String,
    /// Its kind.
    pub kind: StrategyKind,
    /// The polling interval, for pollers (ms).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub interval_ms: Option<f64>,
    /// Orders placed.
    pub orders: u64,
    /// Orders whose final status the shop learned.
    pub notified: u64,
    /// Orders whose final status the shop never learned by the end of the run.
    pub missed: u64,
    /// Notices of an already-final payment (ignored, but counted).
    pub duplicates: u64,
    /// Notices of a final outcome other than the one the shop already knew
    /// (`payment.declined` for an order known approved): the first outcome
    /// stands, and these are counted apart from `duplicates`, as the shop's
    /// order book counts them. Absent when zero (so summaries without any
    /// read as before), and in summaries written before it was recorded.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub conflicts: u64,
    /// How the notified orders were learned.
    pub notified_by: NotifiedBy,
    /// Notification delay: from the scheduled settlement instant to the shop's
    /// recording of the final status.
    pub latency_ms: LatencySummary,
    /// Requests, counted by their senders.
    pub requests: RequestCounts,
    /// Notification requests per order (polls plus webhook attempts; payment
    /// creations excluded).
    pub requests_per_order: f64,
    /// Share of polls that found nothing new (0 when there were no polls).
    pub polls_wasted_share: f64,
    /// The model's expectations over the scenario's distributions: what a
    /// student computes on paper.
    pub predicted: Prediction,
    /// The same model applied to this run's own draws (settlement instants,
    /// arrivals, drawn fault rates) with the measured legs and timer lateness.
    /// In virtual time it must match the measurement almost exactly: a gap
    /// is a bug in hooklab. Absent in summaries written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_for_draws: Option<Prediction>,
    /// Why the model is not compared with this strategy, when it is not:
    /// a crash hit its run, and the model assumes no process dies. Then
    /// `predicted_for_draws` is absent and the table shows `-` in both model
    /// columns; `predicted` stays, as what the paper model says of the same
    /// scenario without the crash, and is not compared either. Absent when
    /// the model speaks for the row, and in summaries written before it
    /// existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_withheld: Option<String>,
    /// Standard error of `requests_per_order` (over the orders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_order_stderr: Option<f64>,
    /// 95% Wilson interval of the missed share (`missed / orders`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed_share_ci95: Option<[f64; 2]>,
    /// 95% Wilson interval of the wasted share of polls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polls_wasted_share_ci95: Option<[f64; 2]>,
    /// What may make this run's numbers untrustworthy (an overloaded machine,
    /// a round trip as long as the interval, a 429 storm), printed under the
    /// table. Empty when the run was healthy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health: Vec<HealthFlag>,
    /// Whether the receivers' counts of requests equal the senders' counts, kind
    /// by kind. `false` would mean hooklab lost or invented a request.
    pub counts_agree: bool,
    /// How long the strategy's run took on its clock, ms (first order to end).
    pub run_ms: f64,
    /// Every refused delivery, by reason ([`crate::events::rejection`]:
    /// `signature_*`, `injected_503`, `injected_500`, `invalid_body`,
    /// `refused`): the same definition as the timeline's
    /// `rejected_by_reason`. Summaries written before counted only the
    /// signature failures, under their short names (`missing`, …).
    #[serde(default)]
    pub rejected: std::collections::BTreeMap<String, u64>,
    /// Missed orders, with why: every one up to [`MISSED_EXAMPLES`], then
    /// the first [`MISSED_EXAMPLES`] in number order as examples (`missed`
    /// says how many there were in all, `missed_by_reason` why).
    pub missed_orders: Vec<MissedOrder>,
    /// Every missed order counted by why ([`MissedWhy::kind`]:
    /// `creation_failed`, `not_settled`, `not_polled_yet`, `not_streamed_yet`, `no_delivery`,
    /// `lost_after_ack`, `attempts_failed`); absent when none was missed, and
    /// in summaries written before it existed.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub missed_by_reason: std::collections::BTreeMap<String, u64>,
    /// What the scenario's crashes cost this strategy (absent when nothing
    /// crashed, and in summaries from before crash faults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crash: Option<crate::crash::CrashReport>,
    /// What happened over time (empty in summaries from before it existed).
    #[serde(default)]
    pub timeline: Timeline,
    /// The notification delay's cumulative distribution, compact: about 45
    /// `[ms, quantile]` pairs read from the histogram (every 2.5%, then the
    /// tail), enough to redraw the CDF chart from `summary.json` alone.
    /// Empty in summaries written before it existed.
    #[serde(default)]
    pub latency_cdf_ms: Vec<[f64; 2]>,
    /// Bytes on the wire, connections opened and held, and the platform's
    /// CPU ([`crate::traffic`]). Absent in summaries written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<crate::traffic::Traffic>,
}

/// What happened over the run's time: requests per time bucket by kind, and
/// each order's life. Saved in `summary.json` so charts and replays need
/// nothing else. Columns, not rows, to keep the file small.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Width of one bucket, ms (about 1/200 of the run).
    pub bucket_ms: f64,
    /// Polls answered (payment polls and event-log pages), per bucket.
    pub polls: Vec<u32>,
    /// Of those, the ones that found nothing new.
    pub polls_wasted: Vec<u32>,
    /// Webhook delivery attempts, per bucket.
    pub deliveries: Vec<u32>,
    /// Of those, retries (attempt 2 and later).
    pub retries: Vec<u32>,
    /// Of those, failed attempts.
    pub failed_deliveries: Vec<u32>,
    /// Deliveries refused (by the receiver, or at connect), per bucket.
    pub rejected: Vec<u32>,
    /// The same refusals over the whole run, by reason: the summary's
    /// `rejected` counts them from the hosts' counters, this from the
    /// events, and the two must agree.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub rejected_by_reason: std::collections::BTreeMap<String, u64>,
    /// 429 answers, per bucket.
    pub rate_limited: Vec<u32>,
    /// Orders whose outcome the shop learned, per bucket.
    pub known: Vec<u32>,
    /// The sampled orders in number order (every order when
    /// `order_stride` is 1): `[placed, settled, known]`, ms from the run's
    /// start; -1 where it did not happen.
    pub orders: Vec<[f64; 3]>,
    /// Each order in number order, how it was learned: `p` poll, `w` webhook,
    /// `s` event stream, `c` at creation, `-` never.
    pub via: String,
    /// Which orders `orders` and `via` hold: numbers 1, 1 + stride,
    /// 1 + 2·stride, … ([`order_stride`]). 1 (and absent from the file) when
    /// they hold every order. Only the order lives are a sample: the counts
    /// per bucket, like every number of the report, count every order.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub order_stride: u64,
    /// For a run that lasted a day or more: what its first 24 h counted
    /// (see [`DayCounts`]). Absent for a shorter run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_day: Option<DayCounts>,
}

/// A run's notification requests in exactly its first 24 h: the polls
/// answered and the webhook attempts ended at or before 24 h after the
/// run's start, the instants the timeline counts them at. A run lasts
/// until its last order is known, so a day of arrivals runs past 24 h by its
/// last settlements (zapier-15min's day ran 24.75 h): its requests per day
/// are these, not its whole run's scaled down to a day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCounts {
    /// Polls answered (payment polls and event-log pages).
    pub polls: u64,
    /// Webhook delivery attempts.
    pub deliveries: u64,
}

/// One day, µs.
pub const DAY_US: u64 = 86_400_000_000;

impl Default for Timeline {
    fn default() -> Self {
        Timeline {
            bucket_ms: 0.0,
            polls: Vec::new(),
            polls_wasted: Vec::new(),
            deliveries: Vec::new(),
            retries: Vec::new(),
            failed_deliveries: Vec::new(),
            rejected: Vec::new(),
            rejected_by_reason: Default::default(),
            rate_limited: Vec::new(),
            known: Vec::new(),
            orders: Vec::new(),
            via: String::new(),
            order_stride: 1,
            first_day: None,
        }
    }
}

fn one() -> u64 {
    1
}

fn is_one(n: &u64) -> bool {
    *n == 1
}

/// How many order lives (`[placed, settled, known]` and a letter, about 110
/// bytes of `summary.json` each) a summary keeps in all, shared among its
/// strategies: 20,000 keep `summary.json` near 2.2 MB of order lives
/// whatever the number of orders, and every committed scenario (2,400
/// orders at most, 8 strategies at most) keeps all of its orders. With
/// everything else a strategy writes bounded too (at most 201 buckets, about
/// 45 CDF points, [`MISSED_EXAMPLES`] examples), a summary of up to 20
/// strategies stays under 5 MB (a test builds the worst case).
pub const ORDER_LIVES_PER_SUMMARY: u64 = 20_000;

/// How many missed orders a strategy's report lists as examples
/// ([`StrategyReport::missed_orders`]); `missed` and `missed_by_reason`
/// count them all. 200 keeps every missed order of the committed results
/// (101 at most) listed.
pub const MISSED_EXAMPLES: usize = 200;

/// The stride of a deterministic sample of at most `sample` of `orders`
/// orders: keeping numbers 1, 1 + stride, 1 + 2·stride, … spreads the sample
/// evenly over the run (the first order, then one in every `stride`), and
/// depends on nothing but the two counts, so it is the same on every run.
/// 1 (every order) when `orders <= sample`.
pub fn order_stride(orders: u64, sample: u64) -> u64 {
    orders.div_ceil(sample.max(1)).max(1)
}

impl Timeline {
    /// Whether `orders` holds a sample rather than every order.
    pub fn is_sampled(&self) -> bool {
        self.order_stride > 1
    }
}

/// How notified orders were learned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifiedBy {
    /// By a status poll.
    pub poll: u64,
    /// By a webhook delivery.
    pub webhook: u64,
    /// By an event pushed on a Server-Sent Events stream (left out of the
    /// file when 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stream: u64,
}

/// Request counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCounts {
    /// Every request of the run, all kinds together.
    pub total: u64,
    /// `POST /v1/payments`.
    pub payment_creates: u64,
    /// `GET /v1/payments/{id}`.
    pub polls: u64,
    /// Polls that found the payment still pending.
    pub polls_wasted: u64,
    /// Webhook delivery attempts (the platform's POSTs to the shop).
    pub webhook_attempts: u64,
    /// `POST /v1/webhook_endpoints`.
    pub endpoint_registrations: u64,
    /// Webhook attempts after the first for the same event.
    #[serde(default)]
    pub webhook_retries: u64,
    /// Webhook attempts that failed (no answer, or not 2xx).
    #[serde(default)]
    pub webhook_failures: u64,
    /// Of the polls, a hybrid's reconciliation polls.
    #[serde(default)]
    pub reconcile_polls: u64,
    /// `GET /v1/events` pages (the `poll_events` strategy).
    #[serde(default)]
    pub event_polls: u64,
    /// Event-log pages with nothing new: wasted.
    #[serde(default)]
    pub event_polls_wasted: u64,
    /// Requests the platform refused with 429 (rate limited).
    #[serde(default)]
    pub rate_limited: u64,
    /// Conditional polls answered `304 Not Modified` (wasted, bodiless; in
    /// no other count). Left out of the file when 0, as are the next ones.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_modified: u64,
    /// Of the polls and event pages, the long polls (`?wait=`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub long_polls: u64,
    /// Event streams opened (the first, and each reconnect).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub streams_opened: u64,
    /// Events received on streams (pushed on an open connection, not
    /// requests).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub events_streamed: u64,
    /// The shop's polls, event pages and stream opens refused at connect
    /// while the platform was down (a crash fault): sent, and they learned
    /// nothing. In `total` and in `requests_per_order`, in no other count.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refused: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl RequestCounts {
    /// Every poll, of payments or of the event log, `304`s included.
    pub fn all_polls(&self) -> u64 {
        self.polls + self.event_polls + self.not_modified
    }

    /// Every poll that found nothing new.
    pub fn all_polls_wasted(&self) -> u64 {
        self.polls_wasted + self.event_polls_wasted + self.not_modified
    }

    /// Sets `total` from the parts.
    pub fn with_total(mut self) -> Self {
        self.total = self.payment_creates
            + self.polls
            + self.event_polls
            + self.webhook_attempts
            + self.endpoint_registrations
            + self.rate_limited
            + self.not_modified
            + self.streams_opened
            + self.refused;
        self
    }
}

/// An order the shop never learned about, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissedOrder {
    /// The order.
    pub order_id: String,
    /// Why it was missed, in English words.
    pub reason: String,
    /// Why it was missed, as data, so a report can say it in any language
    /// (absent in files written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<MissedWhy>,
}

/// Why an order was missed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MissedWhy {
    /// The payment could not be created (the error as the client saw it).
    CreationFailed {
        /// The client's error.
        error: String,
    },
    /// The platform had not settled the payment when the run ended.
    NotSettled,
    /// The poller had not seen the final status when the run ended.
    NotPolledYet,
    /// The event stream had not carried the final status when the run
    /// ended (a stream asks nothing: "not polled" would misname it).
    NotStreamedYet,
    /// No webhook delivery was attempted before the run ended.
    NoDelivery,
    /// Webhook attempts were made and the last was acknowledged, but the shop
    /// never recorded the outcome: lost after the acknowledgement.
    LostAfterAck {
        /// How many attempts.
        attempts: u32,
        /// How the last ended (`HTTP 200`).
        last: String,
    },
    /// Every webhook attempt failed.
    AttemptsFailed {
        /// How many attempts.
        attempts: u32,
        /// How the last ended (`HTTP 503`, `connect`, `timeout`).
        last: String,
    },
    /// The platform answered a poll of the payment 404 or 410: it lost or
    /// forgot it, so no poll could learn its outcome.
    PaymentUnknown {
        /// The client's error.
        error: String,
    },
    /// A crash lost it (see [`crate::crash`]).
    Crash {
        /// Why.
        loss: crate::crash::CrashLoss,
    },
}

impl MissedWhy {
    /// The reason's kind, as `summary.json` tags it (`not_polled_yet`).
    pub fn kind(&self) -> &'static str {
        match self {
            MissedWhy::CreationFailed { .. } => "creation_failed",
            MissedWhy::NotSettled => "not_settled",
            MissedWhy::NotPolledYet => "not_polled_yet",
            MissedWhy::NotStreamedYet => "not_streamed_yet",
            MissedWhy::NoDelivery => "no_delivery",
            MissedWhy::LostAfterAck { .. } => "lost_after_ack",
            MissedWhy::AttemptsFailed { .. } => "attempts_failed",
            MissedWhy::PaymentUnknown { .. } => "payment_unknown",
            MissedWhy::Crash { loss } => loss.kind(),
        }
    }

    /// The reason in English words (what `MissedOrder::reason` holds).
    pub fn english(&self) -> String {
        match self {
            MissedWhy::CreationFailed { error } => {
                format!("the payment could not be created: {error}")
            }
            MissedWhy::NotSettled => {
                "the platform had not settled the payment when the run ended".to_owned()
            }
            MissedWhy::NotPolledYet => {
                "the poller had not seen the final status when the run ended".to_owned()
            }
            MissedWhy::NotStreamedYet => {
                "the event stream had not carried the final status when the run ended".to_owned()
            }
            MissedWhy::NoDelivery => {
                "no webhook delivery was attempted before the run ended".to_owned()
            }
            MissedWhy::LostAfterAck { attempts, last } => format!(
                "{attempts} webhook attempt(s), the last acknowledged ({last}) but the order was never updated: lost after the acknowledgement"
            ),
            MissedWhy::AttemptsFailed { attempts, last } => {
                format!("{attempts} webhook attempt(s); the last ended with {last}")
            }
            MissedWhy::PaymentUnknown { error } => {
                format!("the platform no longer knows the payment: {error}")
            }
            MissedWhy::Crash { loss } => format!("lost to a crash: {}", loss.english()),
        }
    }
}

/// Latency percentiles, in milliseconds, from an HdrHistogram of microseconds;
/// with [`LatencySummary::from_histogram_exact`], the mean, minimum and
/// maximum exact (from [`Moments`]) and the mean's standard error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// How many values.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest value.
    pub max: f64,
    /// Smallest value, exact (absent in summaries whose mean and max came
    /// from the histogram's buckets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The standard error of the mean, ms: `s/√n` (absent when the mean
    /// came from buckets, or with fewer than two values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<f64>,
    /// The mean's 95% interval, `[low, high]` ms (`mean ± 1.96·stderr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95: Option<[f64; 2]>,
}

/// Rounds to microsecond precision in milliseconds, so JSON stays readable.
pub fn round_ms(x: f64) -> f64 {
    (x * 1_000.0).round() / 1_000.0
}

impl LatencySummary {
    /// Summarises a histogram of microseconds.
    pub fn from_histogram(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return LatencySummary::default();
        }
        let ms = |us: u64| round_ms(us as f64 / 1_000.0);
        LatencySummary {
            count: h.len(),
            mean: round_ms(h.mean() / 1_000.0),
            p50: ms(h.value_at_quantile(0.50)),
            p90: ms(h.value_at_quantile(0.90)),
            p99: ms(h.value_at_quantile(0.99)),
            p999: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
            ..LatencySummary::default()
        }
    }

    /// Percentiles from the histogram, and the mean, min, max and standard
    /// error exactly from `exact` (the same values, summed as integers):
    /// a constant 150 ms then reads 150.000, not the 149.952 of its bucket.
    /// The percentiles are kept between the exact minimum and maximum.
    pub fn from_histogram_exact(h: &Histogram<u64>, exact: &Moments) -> Self {
        let mut s = Self::from_histogram(h);
        let Some(mean_us) = exact.mean_us() else {
            return s;
        };
        let ms = |us: f64| round_ms(us / 1_000.0);
        s.count = exact.count;
        s.mean = ms(mean_us);
        s.max = ms(exact.max_us as f64);
        s.min = Some(ms(exact.min_us as f64));
        // A histogram percentile is its bucket's upper bound, which can lie
        // above the exact maximum (crash-lab's after-commit p99 read
        // 4603.903 over a max of 4600.000) or below the exact minimum: no
        // percentile is outside the values themselves.
        let (low, high) = (ms(exact.min_us as f64), s.max);
        for p in [&mut s.p50, &mut s.p90, &mut s.p99, &mut s.p999] {
            *p = p.clamp(low, high);
        }
        if let Some(interval) = moments_interval(exact) {
            s.stderr = Some(ms(interval.stderr));
            s.ci95 = Some([ms(interval.low), ms(interval.high)]);
        }
        s
    }
}

/// Something about a run that makes its numbers less trustworthy than they
/// look, printed under the table (`health` in `summary.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthFlag {
    /// A stable code, for tools and translations (see [`HealthCode`]).
    pub code: String,
    /// What happened and what it means, in English words.
    pub message: String,
}

/// The health flags hooklab knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthCode {
    /// The round trip is at least a tenth of the polling interval: the
    /// network, not the interval, shapes the delay.
    RttVsInterval,
    /// Orders were placed behind plan (the machine could not keep up with
    /// the arrivals).
    PlacementLag,
    /// Fewer polls per order than the model expects: pollers fell behind.
    PollsBelowModel,
    /// Many requests were refused with 429, and the model does not cover
    /// the rate limit for the strategy (its prediction is not shown).
    RateLimitStorm,
    /// Many requests were refused with 429; the model replays the rate
    /// limit (a plain poller), so its prediction stands.
    RateLimited,
    /// The `[network]` was partitioned during the run, and the model
    /// replays the windows for this strategy (webhook, poll, stream).
    Partitioned,
    /// The `[network]` was partitioned during the run, and the model leaves
    /// the windows out for this strategy.
    PartitionsUnmodelled,
    /// Some delays could not be recorded in the latency histogram (its
    /// percentiles leave them out; the mean, min and max do not).
    UnrecordedDelays,
    /// The model could not compute a prediction to a known accuracy (its
    /// prediction is not shown).
    ModelUnresolved,
}

impl HealthCode {
    /// The code as `summary.json` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthCode::RttVsInterval => "rtt_vs_interval",
            HealthCode::PlacementLag => "placement_lag",
            HealthCode::PollsBelowModel => "polls_below_model",
            HealthCode::RateLimitStorm => "rate_limit_storm",
            HealthCode::RateLimited => "rate_limited",
            HealthCode::Partitioned => "partitioned",
            HealthCode::PartitionsUnmodelled => "partitions_unmodelled",
            HealthCode::UnrecordedDelays => "unrecorded_delays",
            HealthCode::ModelUnresolved => "model_unresolved",
        }
    }

    /// A flag of this code saying `message`.
    pub fn flag(self, message: String) -> HealthFlag {
        HealthFlag {
            code: self.as_str().to_owned(),
            message,
        }
    }
}

/// The quantiles kept for a CDF: every 2.5%, then the tail, where webhooks
/// and polling differ most.
const CDF_QUANTILES: usize = 40;
const CDF_TAIL: [f64; 4] = [0.99, 0.995, 0.999, 1.0];

/// A compact CDF of a latency histogram (microseconds): `[ms, quantile]`
/// pairs, about 45 of them, enough to draw the curve
/// ([`StrategyReport::latency_cdf_ms`]) without keeping every order's latency
/// in `summary.json`.
pub fn cdf_points(h: &Histogram<u64>) -> Vec<[f64; 2]> {
    if h.is_empty() {
        return Vec::new();
    }
    (0..=CDF_QUANTILES)
        .map(|i| i as f64 / CDF_QUANTILES as f64)
        .filter(|q| *q < CDF_TAIL[0])
        .chain(CDF_TAIL)
        .map(|q| [round_ms(h.value_at_quantile(q) as f64 / 1_000.0), q])
        .collect()
}

/// A histogram for latencies in microseconds: 1 µs to 30 days, 3 significant
/// digits (0.1% error), as HdrHistogram is meant to be used.
pub fn latency_histogram() -> Histogram<u64> {
    latency_histogram_up_to(30 * 86_400 * 1_000_000)
}

/// A histogram for latencies in microseconds from 1 µs to at least
/// `max_us` (and at least 30 days), 3 significant digits: sized to what a
/// run can observe, so no delay is ever refused (a run polling every 60
/// days once lost every one of its delays).
#[allow(clippy::expect_used)]
pub fn latency_histogram_up_to(max_us: u64) -> Histogram<u64> {
    // low = 1, high >= 2 * low and sigfig = 3 are bounds hdrhistogram
    // accepts for any high up to u64::MAX / 2, so this cannot fail.
    let high = max_us.clamp(30 * 86_400 * 1_000_000, u64::MAX / 2);
    Histogram::new_with_bounds(1, high, 3).expect("histogram bounds are valid")
}

/// One point of a parameter sweep, read back from a strategy's name.
///
/// The harness names each swept strategy `base@field=value`
/// ([`point_name`]), so a saved `summary.json` alone is enough to draw a
/// sweep's curve again ([`split_name`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepPoint {
    /// The swept strategy's name in the scenario.
    pub base: String,
    /// The swept field.
    pub field: String,
    /// The value, formatted (`500ms`, `0.1`).
    pub value: String,
}

/// The name of a swept strategy: `base@field=value`.
pub fn point_name(base: &str, field: &str, value: &str) -> String {
    format!("{base}@{field}={value}")
}

/// Reads a name made by [`point_name`]; `None` for a strategy not swept.
pub fn split_name(name: &str) -> Option<SweepPoint> {
    let (base, rest) = name.split_once('@')?;
    let (field, value) = rest.split_once('=')?;
    Some(SweepPoint {
        base: base.to_owned(),
        field: field.to_owned(),
        value: value.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_cdf_climbs_to_one_at_the_largest_latency() {
        assert!(cdf_points(&latency_histogram()).is_empty());
        let mut h = latency_histogram();
        for us in 1..=1_000u64 {
            h.record(us * 1_000).unwrap();
        }
        let cdf = cdf_points(&h);
        assert_eq!(cdf.len(), 44);
        assert!(
            cdf.windows(2)
                .all(|w| w[0][0] <= w[1][0] && w[0][1] < w[1][1])
        );
        assert_eq!(cdf.last().unwrap()[1], 1.0);
        assert!((cdf.last().unwrap()[0] - 1_000.0).abs() < 1.0, "{cdf:?}");
        let median = cdf.iter().find(|p| p[1] == 0.5).unwrap();
        assert!((median[0] - 500.0).abs() < 1.0, "{median:?}");
    }

    /// A strategy's report as large as a run can make it: the bound's share
    /// of order lives with the widest numbers a 30-day run writes, 201
    /// buckets of large counts, every missed-order example with a long
    /// reason, long formulas and flags.
    fn worst_case_report(lives: usize) -> StrategyReport {
        let wide = 2_591_999_999.999;
        let why = MissedWhy::AttemptsFailed {
            attempts: 4_000_000_000,
            last: "connect: connection refused (the receiver is down: injected fault)".into(),
        };
        let column = vec![4_000_000_000u32; 201];
        let prediction = Prediction {
            formula: "x".repeat(600),
            rtt_source: Some("y".repeat(200)),
            ..Prediction::default()
        };
        StrategyReport {
            name: "n".repeat(60),
            kind: StrategyKind::Hybrid,
            interval_ms: Some(wide),
            orders: u64::MAX,
            notified: u64::MAX,
            missed: u64::MAX,
            duplicates: u64::MAX,
            conflicts: u64::MAX,
            notified_by: NotifiedBy::default(),
            latency_ms: LatencySummary::default(),
            requests: RequestCounts::default(),
            requests_per_order: wide,
            polls_wasted_share: 0.1234,
            predicted: prediction.clone(),
            predicted_for_draws: Some(prediction),
            model_withheld: None,
            requests_per_order_stderr: Some(wide),
            missed_share_ci95: Some([0.1234, 0.1234]),
            polls_wasted_share_ci95: Some([0.1234, 0.1234]),
            health: (0..5)
                .map(|_| HealthCode::PlacementLag.flag("z".repeat(300)))
                .collect(),
            counts_agree: true,
            run_ms: wide,
            rejected: (0..8)
                .map(|k| (format!("signature_{k}"), u64::MAX))
                .collect(),
            missed_orders: (0..MISSED_EXAMPLES)
                .map(|_| MissedOrder {
                    order_id: "ord_5000000".into(),
                    reason: why.english(),
                    why: Some(why.clone()),
                })
                .collect(),
            missed_by_reason: [("attempts_failed".to_owned(), u64::MAX)].into(),
            crash: None,
            traffic: None,
            timeline: Timeline {
                bucket_ms: wide,
                polls: column.clone(),
                polls_wasted: column.clone(),
                deliveries: column.clone(),
                retries: column.clone(),
                failed_deliveries: column.clone(),
                rejected: column.clone(),
                rejected_by_reason: (0..8)
                    .map(|k| (format!("signature_{k}"), u64::MAX))
                    .collect(),
                rate_limited: column.clone(),
                known: column,
                orders: vec![[wide; 3]; lives],
                via: "w".repeat(lives),
                order_stride: 250,
                first_day: Some(DayCounts {
                    polls: u64::MAX,
                    deliveries: u64::MAX,
                }),
            },
            latency_cdf_ms: vec![[wide, 0.995]; 45],
        }
    }

    /// A summary without conflicts is written as before the field existed
    /// (committed summaries stay byte for byte); one with them keeps them.
    #[test]
    fn conflicts_are_written_only_when_there_are_some() {
        let mut r = worst_case_report(1);
        r.conflicts = 0;
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("\"conflicts\""), "{text}");
        let back: StrategyReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back.conflicts, 0);
        r.conflicts = 3;
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains("\"conflicts\":3"), "{text}");
        let back: StrategyReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn a_summary_at_the_bounds_stays_under_5_mb() {
        // The bound on order lives is per summary, shared among strategies;
        // what else a strategy writes is bounded too (201 buckets, 45 CDF
        // points, MISSED_EXAMPLES examples), about 125 KB at worst: under
        // 5 MB with up to 20 strategies, whatever the number of orders.
        for strategies in [1usize, 2, 8, 20] {
            let lives = ORDER_LIVES_PER_SUMMARY as usize / strategies;
            let summary = Summary {
                scenario: ScenarioInfo {
                    name: "s".repeat(60),
                    description: "d".repeat(2_000),
                    description_pt_br: "d".repeat(2_000),
                    seed: u64::MAX,
                    clock: ClockMode::Virtual,
                    orders: 5_000_000,
                    arrival: "poisson, 1000/s".into(),
                    settle: "uniform 100ms..1.6s".into(),
                    orders_per_day: Some(f64::MAX),
                    file: Some("f".repeat(200)),
                },
                strategies: (0..strategies).map(|_| worst_case_report(lives)).collect(),
            };
            let bytes = serde_json::to_string_pretty(&summary).unwrap().len();
            assert!(bytes < 5_000_000, "{strategies} strategies: {bytes} bytes");
        }
        // The sample's stride keeps at most `sample` of any number of orders.
        for orders in [0u64, 1, 19_999, 20_000, 20_001, 1_000_000, 5_000_000] {
            let stride = order_stride(orders, ORDER_LIVES_PER_SUMMARY);
            assert!(
                orders.div_ceil(stride) <= ORDER_LIVES_PER_SUMMARY,
                "{orders}"
            );
            assert_eq!(stride == 1, orders <= ORDER_LIVES_PER_SUMMARY, "{orders}");
        }
    }

    #[test]
    fn sweep_names_round_trip() {
        let name = point_name("poll", "interval_ms", "500ms");
        assert_eq!(name, "poll@interval_ms=500ms");
        let point = split_name(&name).unwrap();
        assert_eq!(
            (
                point.base.as_str(),
                point.field.as_str(),
                point.value.as_str()
            ),
            ("poll", "interval_ms", "500ms")
        );
        assert_eq!(split_name("webhook"), None);
    }

    #[test]
    fn percentiles_come_from_the_histogram_in_ms() {
        let mut h = latency_histogram();
        for us in 1..=1_000u64 {
            h.record(us * 1_000).unwrap();
        }
        let s = LatencySummary::from_histogram(&h);
        assert_eq!(s.count, 1_000);
        assert!((s.p50 - 500.0).abs() < 1.0, "{s:?}");
        assert!((s.p99 - 990.0).abs() < 1.5, "{s:?}");
        assert!((s.max - 1_000.0).abs() < 1.0, "{s:?}");
        assert!((s.mean - 500.5).abs() < 1.0, "{s:?}");
        // Bucketed summaries carry no error bar, and write none.
        assert_eq!((s.min, s.stderr, s.ci95), (None, None, None));
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("stderr"), "{json}");
    }

    #[test]
    fn mean_min_and_max_are_exact_beside_the_histogram() {
        // A constant 150 ms: the histogram's bucket says 149.952 / 150.015;
        // the exact sums say 150.000, with no spread.
        let (mut h, mut m) = (latency_histogram(), Moments::default());
        for _ in 0..100 {
            h.record(150_000).unwrap();
            m.record(150_000);
        }
        let bucketed = LatencySummary::from_histogram(&h);
        assert_ne!(bucketed.mean, 150.0);
        let s = LatencySummary::from_histogram_exact(&h, &m);
        assert_eq!((s.mean, s.max, s.min), (150.0, 150.0, Some(150.0)));
        assert_eq!(s.stderr, Some(0.0));
        assert_eq!(s.ci95, Some([150.0, 150.0]));
        // Its percentiles are the bucket's upper bound, above the exact
        // maximum: capped at it.
        assert!(bucketed.p50 > 150.0, "{bucketed:?}");
        assert_eq!((s.p50, s.p90, s.p99, s.p999), (150.0, 150.0, 150.0, 150.0));
        // A zero delay is 0, not the histogram's smallest bucket.
        let (mut h, mut m) = (latency_histogram(), Moments::default());
        h.record(1).unwrap();
        m.record(0);
        m.record(0);
        let s = LatencySummary::from_histogram_exact(&h, &m);
        assert_eq!((s.mean, s.max, s.count), (0.0, 0.0, 2));
        // 100 and 300 ms: mean 200, s = 141.42, stderr = 100.
        let mut m = Moments::default();
        m.record(100_000);
        m.record(300_000);
        let s = LatencySummary::from_histogram_exact(&latency_histogram(), &m);
        assert_eq!(s.stderr, Some(100.0));
        // Old summaries (no new fields) still load.
        let old = r#"{"count":1,"mean":1.0,"p50":1.0,"p90":1.0,"p99":1.0,"p999":1.0,"max":1.0}"#;
        let s: LatencySummary = serde_json::from_str(old).unwrap();
        assert_eq!(s.stderr, None);
    }
}
