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
//! The older [`predict`] (a constant half-millisecond timer slack, a whole
//! round trip added to every poll) stays until the harness calls the new
//! functions; see `MODEL-WIRING.md`.
//!
//! **Webhook, when nothing fails** (both models): one delivery per order; the delay is the
//! one-way trip of that delivery, plus how late the platform's settlement
//! worker settled the payment (the webhook cannot leave before). It leaves
//! out the event's way through the platform between settlement and the
//! request leaving (a queue and a task hand-off) and the receiver's own
//! work, so a measured webhook delay runs somewhat above it.

pub mod events;
pub mod faults;
pub mod forecast;
pub mod health;
pub mod hybrid;
pub mod poll;
pub mod stats;

pub use forecast::{OrderTimes, RunDraws, predicted, predicted_for_draws};
pub use poll::Legs;

use crate::dist::Distribution;
use crate::duration::Dur;
use crate::scenario::StrategySpec;
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
}

/// Inputs of the older [`predict`] that come from the run, not from the
/// scenario ([`Legs`] replaces it for the leg-by-leg model).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelInputs {
    /// The measured median round trip of one request.
    pub rtt: Dur,
    /// Mean lateness of a poller's timer (half its resolution).
    pub timer_slack: Dur,
    /// The measured mean lateness of the platform's settlement worker.
    pub settle_lateness: Dur,
}

/// E[max(1, ⌈S/T⌉)]: the expected number of polls until the one that finds the
/// payment settled.
pub fn expected_polls(settle: &Distribution, interval: Dur) -> f64 {
    if interval == Dur::ZERO {
        return f64::INFINITY;
    }
    let mut total = 1.0;
    let mut k: u64 = 1;
    // The tail sum converges as fast as the distribution's tail; stop when the
    // terms no longer matter, with a hard bound for absurd inputs.
    while k < 20_000_000 {
        let t = Dur(interval.as_us().saturating_mul(k));
        let tail = 1.0 - settle.cdf(t);
        if tail < 1e-12 {
            break;
        }
        total += tail;
        k += 1;
    }
    total
}

/// The older prediction for `strategy` under settlement delays `settle`,
/// which the harness still calls: a whole round trip and a constant timer
/// slack added to every poll (see [`predicted`] for the leg-by-leg model).
pub fn predict(strategy: &StrategySpec, settle: &Distribution, inputs: ModelInputs) -> Prediction {
    let rtt_ms = inputs.rtt.as_ms_f64();
    let slack_ms = inputs.timer_slack.as_ms_f64();
    let late_ms = inputs.settle_lateness.as_ms_f64();
    // One delivery per order when nothing fails: half a round trip after the
    // settlement worker settles the payment.
    let one_delivery = |formula: &str| Prediction {
        latency_mean_ms: rtt_ms / 2.0 + late_ms,
        requests_per_order: 1.0,
        polls_wasted_per_order: 0.0,
        rtt_ms,
        timer_slack_ms: slack_ms,
        settle_lateness_ms: late_ms,
        formula: formula.to_owned(),
        ..Prediction::default()
    };
    match strategy {
        StrategySpec::Poll { interval_ms, .. } => {
            let n = expected_polls(settle, *interval_ms);
            let t_ms = interval_ms.as_ms_f64();
            let wait_ms = t_ms * n - settle.mean_us() / 1_000.0;
            Prediction {
                latency_mean_ms: wait_ms + rtt_ms + slack_ms,
                requests_per_order: n,
                polls_wasted_per_order: n - 1.0,
                rtt_ms,
                timer_slack_ms: slack_ms,
                settle_lateness_ms: late_ms,
                formula: "T*E[n] - E[S] + rtt + slack, n = max(1, ceil(S/T))".to_owned(),
                ..Prediction::default()
            }
        }
        StrategySpec::Webhook { .. } => {
            one_delivery("one delivery: rtt/2 + settlement lateness (no faults)")
        }
        StrategySpec::PollEvents { interval_ms, .. } => {
            // Settlements fall at random instants relative to the log poller's
            // ticks, so the wait is uniform over one interval: T/2.
            let t_ms = interval_ms.as_ms_f64();
            Prediction {
                latency_mean_ms: t_ms / 2.0 + rtt_ms + slack_ms,
                // Requests per order depend on how long settlements keep
                // coming, not only on the strategy: the harness fills them in
                // with `poll_events_costs`.
                requests_per_order: 0.0,
                polls_wasted_per_order: 0.0,
                rtt_ms,
                timer_slack_ms: slack_ms,
                settle_lateness_ms: late_ms,
                formula: "T/2 + rtt + slack; share of polls finding news 1 - e^(-lambda*T)"
                    .to_owned(),
                ..Prediction::default()
            }
        }
        StrategySpec::Hybrid { .. } => {
            one_delivery("as a webhook when nothing is lost; reconciliation polls are not modelled")
        }
    }
}

/// For `poll_events`: each of `merchants` pollers polls every `interval`
/// for `run`; settlements reach each merchant at `settlements_per_s` (a
/// Poisson process). Returns the expected polls per order, and the share of
/// polls that find nothing new, `e^(-λT)`.
pub fn poll_events_costs(
    interval: Dur,
    run: Dur,
    orders: u64,
    merchants: u32,
    settlements_per_s: f64,
) -> (f64, f64) {
    let t_s = interval.as_us() as f64 / 1e6;
    let polls_each = (run.as_us() as f64 / interval.as_us().max(1) as f64).floor();
    let per_order = polls_each * f64::from(merchants.max(1)) / orders.max(1) as f64;
    let empty_share = (-settlements_per_s * t_s).exp();
    (per_order, empty_share)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    fn poll(ms: u64) -> StrategySpec {
        StrategySpec::Poll {
            name: "p".into(),
            interval_ms: Dur::from_ms(ms),
        }
    }

    #[test]
    fn fixed_settlement_is_exact() {
        // S = 450 ms, T = 200 ms: polls at 200, 400, 600 -> 3 polls, delay 150 ms.
        let s = Distribution::Fixed {
            ms: Dur::from_ms(450),
        };
        let p = predict(
            &poll(200),
            &s,
            ModelInputs {
                rtt: Dur::ZERO,
                timer_slack: Dur::ZERO,
                settle_lateness: Dur::ZERO,
            },
        );
        assert!((p.requests_per_order - 3.0).abs() < 1e-9);
        assert!((p.latency_mean_ms - 150.0).abs() < 1e-9);
        assert!((p.polls_wasted_per_order - 2.0).abs() < 1e-9);
    }

    #[test]
    fn uniform_settlement_matches_a_monte_carlo_of_the_same_rule() {
        let s = Distribution::Uniform {
            min_ms: Dur::from_ms(200),
            max_ms: Dur::from_ms(2_000),
        };
        let t = 200.0;
        let mut rng = SeededRng::new(3);
        let (mut polls, mut delay) = (0.0, 0.0);
        let n = 200_000;
        for _ in 0..n {
            let x = s.sample(&mut rng).as_ms_f64();
            let k = (x / t).ceil().max(1.0);
            polls += k;
            delay += k * t - x;
        }
        let p = predict(
            &poll(200),
            &s,
            ModelInputs {
                rtt: Dur::ZERO,
                timer_slack: Dur::ZERO,
                settle_lateness: Dur::ZERO,
            },
        );
        assert!(
            (p.requests_per_order - polls / f64::from(n)).abs() < 0.02,
            "{p:?}"
        );
        assert!(
            (p.latency_mean_ms - delay / f64::from(n)).abs() < 1.0,
            "{p:?}"
        );
        // And the textbook approximation: about T/2.
        assert!((p.latency_mean_ms - 100.0).abs() < 2.0);
    }

    #[test]
    fn webhook_is_one_request_and_half_a_round_trip() {
        let s = Distribution::Fixed {
            ms: Dur::from_ms(1),
        };
        let w = StrategySpec::Webhook { name: "w".into() };
        let p = predict(
            &w,
            &s,
            ModelInputs {
                rtt: Dur(400),
                timer_slack: Dur(500),
                settle_lateness: Dur(60),
            },
        );
        assert_eq!(p.requests_per_order, 1.0);
        // The pollers' slack does not apply; the settlement's lateness does.
        assert!((p.latency_mean_ms - 0.26).abs() < 1e-9);
    }
}
