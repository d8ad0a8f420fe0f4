//! What theory predicts, printed beside what was measured.
//!
//! The model is small on purpose: a student can check every line on paper.
//! Each strategy's model follows the code of that strategy leg by leg (a
//! request's trip, its answer's trip, a timer's lateness), so that in
//! virtual time, fed this run's own draws, it must match the measurement
//! almost exactly: a gap there is a bug in hooklab, not noise.
//!
//! - [`poll`]: polling one payment every T. `E[n] = 1 + Σ P(S > kT + Δ)`,
//!   `E[delay] = T·E[n] − E[S] + Δ + leg`, Δ = response leg + timer
//!   lateness + request leg.
//! - [`events`]: polling the event log, replayed over the run's settlement
//!   instants (any arrival pattern, paging, the final poll).
//! - [`faults`]: one webhook's delivery chain under the scenario's faults
//!   (errors, down windows, silent loss, duplicates, the retry schedule).
//! - [`hybrid`]: webhooks plus reconciliation polls.
//! - [`lane`]: the dispatcher's lane when every attempt times out (its
//!   worker cap and the run's end bound the attempts sent).
//! - [`ratelimit`]: polling one payment behind the platform's token bucket
//!   and its 429 `Retry-After`, the bucket replayed over every request.
//! - [`spectrum`]: conditional polling, backoff, long polling (per payment
//!   and on the event log) and the event stream.
//! - [`partition`]: `[network] partitions` replayed over the orders
//!   (creations, polls, event-log pages, webhook attempts, a hybrid's
//!   reconciliation polls, streams), and a stream that opens after orders
//!   settled.
//! - [`partition_polls`]: the same windows for conditional, backoff and
//!   long polls, order by order.
//! - [`health`]: flags for a run whose numbers deserve less trust.
//! - [`stats`]: error bars (standard error, Wilson interval) and an exact
//!   accumulator for means and maxima.
//!
//! Two predictions per strategy: [`predicted`] sums over the scenario's
//! distributions (what a student computes on paper), and
//! [`predicted_for_draws`] applies the same formulas to what this run drew
//! (its settlement delays and instants, its fault rates) with the legs and
//! lateness it measured. The first shows the theory; the second shows that
//! the instrument measures what the theory says it should.
//!
//! **Webhook, when nothing fails** (both models): one delivery per order; the delay is the
//! one-way trip of that delivery, plus how late the platform's settlement
//! worker settled the payment (the webhook cannot leave before). On paper,
//! in real time, the trip is a calibrated delivery's way (the dispatcher's
//! queue and hand-off, the HTTP client, the receiver); fed a run's draws,
//! each event leaves when the platform's log says its first attempt left,
//! and takes the mean legs the run's deliveries took.

pub mod events;
pub mod faults;
pub mod forecast;
pub mod health;
pub mod hybrid;
pub mod lane;
pub mod partition;
pub mod partition_polls;
pub mod poll;
pub mod ratelimit;
pub mod spectrum;
pub mod stats;

pub use forecast::{OrderTimes, RunDraws, predicted, predicted_for_draws};
pub use poll::Legs;

use serde::{Deserialize, Serialize};

/// The model's expectations for one strategy.
///
/// The same fields serve `predicted` (the model over the scenario's
/// distributions) and `predicted_for_draws` (the same model over this run's
/// draws). Fields added after the first summaries were written are optional
/// and default, so every old `summary.json` still loads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Expected mean notification delay, ms (of the orders learned).
    pub latency_mean_ms: f64,
    /// Expected notification requests per order (polls or webhook attempts).
    pub requests_per_order: f64,
    /// Expected polls per order that find nothing new.
    pub polls_wasted_per_order: f64,
    /// The measured round trip the prediction used, ms.
    pub rtt_ms: f64,
    /// The poll timer slack the prediction used, ms (its measured lateness,
    /// in predictions made leg by leg).
    pub timer_slack_ms: f64,
    /// The settlement worker's measured lateness the prediction used, ms
    /// (0 in files written before it was measured).
    #[serde(default)]
    pub settle_lateness_ms: f64,
    /// The formula, in words.
    pub formula: String,
    /// For `poll_events`: the share of polls expected to find nothing new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polls_wasted_share: Option<f64>,
    /// The one-way request leg the prediction used, ms (sender to handler).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_leg_ms: Option<f64>,
    /// The one-way response leg the prediction used, ms (handler back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_leg_ms: Option<f64>,
    /// For strategies that receive webhooks: the expected share of orders
    /// the shop never learns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed_share: Option<f64>,
    /// For strategies that receive webhooks: expected duplicate notices per
    /// order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicates_per_order: Option<f64>,
    /// For a hybrid: of the requests per order, the webhook attempts (the
    /// rest are reconciliation polls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_attempts_per_order: Option<f64>,
    /// For a poller behind the platform's rate limit: expected `429`
    /// answers per order (its creations' and its polls', as the summary's
    /// `requests.rate_limited` counts them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limited_per_order: Option<f64>,
    /// For conditional polling: expected `304 Not Modified` answers per
    /// order (the wasted polls that carried a tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_modified_per_order: Option<f64>,
    /// Where the round trip came from, in words: `calibrated before the
    /// load` (the paper prediction in real time), `the network's latency
    /// only` (virtual time), or `measured in the run` (the draws').
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtt_source: Option<String>,
    /// For the strategies the platform pushes to (webhook, hybrid, long
    /// poll, stream), in real time: one notification's way from the settled
    /// payment to the shop's record (the platform's dispatcher or held
    /// request, the HTTP client, the shop's handler), ms, timed on real
    /// notifications of the strategy right before it ran (the mean of the
    /// calibration's rounds, each replaying a stretch of the run's own
    /// settlement gaps after every payment is created); the paper model's
    /// push leg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_way_ms: Option<f64>,
    /// The prediction's own standard error of `latency_mean_ms`, ms, where
    /// it has one: in real time, the calibrated way's (the spread of the
    /// calibration's rounds, see `delivery_way_ms`). A row is marked when
    /// model and measurement differ by more than 1.96 times the combined
    /// standard error `sqrt(se_measured² + se_predicted²)`. `None`: the
    /// prediction is exact given its inputs (virtual time, pollers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_mean_stderr_ms: Option<f64>,
    /// Whether the model could not compute this prediction to a known
    /// accuracy (a settlement law whose tail its sums cannot bound, see
    /// [`poll::PollCosts::resolved`]): its numbers are not to be shown, and
    /// the run's `model_unresolved` health flag says why.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unresolved: bool,
}
