//! What theory predicts, printed beside what was measured.
//!
//! The model is small on purpose: a student can check every line on paper.
//!
//! **Polling every T.** A payment settles S after its creation. The shop polls
//! at T, 2T, 3T, … and learns the outcome at the first poll at or after S, the
//! `n = max(1, ⌈S/T⌉)`-th. So
//!
//! - polls per order: `E[n] = 1 + Σ_{k≥1} P(S > kT)`, summed from the settlement
//!   distribution's exact CDF;
//! - delay: `nT − S`, whose mean is `T·E[n] − E[S]` (about T/2 when S spreads over
//!   many intervals), plus one round trip for the poll that finds it, plus the
//!   timer's slack;
//! - wasted polls per order: `E[n] − 1` (every poll but the last finds nothing).
//!
//! **Webhook.** One delivery per order, when nothing fails; the delay is the
//! one-way trip of that delivery, plus how late the platform's settlement
//! worker settled the payment (the webhook cannot leave before). It leaves
//! out the event's way through the platform between settlement and the
//! request leaving (a queue and a task hand-off) and the receiver's own
//! work, so a measured webhook delay runs somewhat above it.
//!
//! Two inputs are *measured* in the run: the round trip (the median of the
//! run's own payment creations) and the settlement worker's mean lateness
//! (in real mode the worker wakes on a sub-millisecond OS timer, see
//! `hooklab_core::timer`; in virtual mode on tokio's timer, which fires on
//! whole milliseconds). The pollers' timer slack is tokio's timer resolution
//! (1 ms) halved. All three are reported beside the prediction.

use crate::dist::Distribution;
use crate::duration::Dur;
use crate::scenario::StrategySpec;
use serde::{Deserialize, Serialize};

/// The model's expectations for one strategy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Expected mean notification delay, ms.
    pub latency_mean_ms: f64,
    /// Expected notification requests per order (polls or webhook attempts).
    pub requests_per_order: f64,
    /// Expected polls per order that find nothing new.
    pub polls_wasted_per_order: f64,
    /// The measured round trip the prediction used, ms.
    pub rtt_ms: f64,
    /// The poll timer slack the prediction used, ms.
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
}

/// Inputs of the model that come from the run, not from the scenario.
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

/// The model's prediction for `strategy` under settlement delays `settle`.
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
        polls_wasted_share: None,
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
                polls_wasted_share: None,
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
                polls_wasted_share: None,
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
