//! The two predictions of a strategy: over the scenario's distributions,
//! and over this run's draws.
//!
//! Both call the same per-strategy models ([`super::poll`],
//! [`super::events`], [`super::faults`], [`super::hybrid`]); they differ
//! only in what they sum over:
//!
//! | strategy    | [`predicted`]                                   | [`predicted_for_draws`]                    |
//! |-------------|-------------------------------------------------|--------------------------------------------|
//! | poll        | S's exact CDF                                   | the empirical CDF of the run's S draws     |
//! | poll_events | the plan's settlement instants                  | the platform's recorded instants           |
//! | webhook     | S over 64 quantiles, the scenario's fault rates | each order's instant, the drawn fault rates |
//! | hybrid      | as webhook                                      | as webhook                                 |
//!
//! All instants are µs on the run's clock counted from the run's origin
//! (the instant the harness starts placing orders and the event pollers
//! start).

use super::Prediction;
use super::events::{EventArrival, EventPolling, event_poll_costs};
use super::faults::{Deliveries, FaultRates, webhook_order};
use super::hybrid::{Reconcile, hybrid_order};
use super::poll::{Legs, SettleLaw, poll_costs};
use crate::dist::Distribution;
use crate::duration::Dur;
use crate::report::round_ms;
use crate::scenario::{Scenario, StrategySpec};
use crate::workload::OrderPlan;

/// One order, as the model needs it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OrderTimes {
    /// The merchant (0-based).
    pub merchant: u32,
    /// When the platform created its payment, µs from the run's origin.
    pub created_us: f64,
    /// How long after the creation it was scheduled to settle, µs.
    pub settle_after_us: u64,
    /// When the settlement worker actually settled it (its event appeared),
    /// µs from the origin, if the run recorded it; otherwise the model adds
    /// the mean settlement lateness to the scheduled instant.
    pub settled_by_worker_us: Option<f64>,
}

impl OrderTimes {
    /// The scheduled settlement instant, µs from the origin.
    pub fn settled_us(&self) -> f64 {
        self.created_us + self.settle_after_us as f64
    }

    /// The orders of `plan` as the model expects them: each payment created
    /// one request leg after its arrival.
    pub fn from_plan(plan: &[OrderPlan], legs: &Legs) -> Vec<OrderTimes> {
        plan.iter()
            .map(|o| OrderTimes {
                merchant: o.merchant,
                created_us: o.arrive_at.0 as f64 + legs.request_us,
                settle_after_us: o.settle_after.as_us(),
                settled_by_worker_us: None,
            })
            .collect()
    }
}

/// What a run drew, for [`predicted_for_draws`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunDraws {
    /// Every order of the run.
    pub orders: Vec<OrderTimes>,
    /// The fault rates the run's receivers and dispatcher drew (injected
    /// errors per attempt checked, losses per delivery taken, duplicated
    /// events per event); `None` to use the scenario's.
    pub fault_rates: Option<FaultRates>,
}

/// Quantile points of S for the webhook and hybrid sums.
const GRID: usize = 64;

/// The midpoints of `GRID` equal-probability slices of `dist`, µs: a
/// quadrature of any function of S (exact for a fixed S).
fn quantile_grid(dist: &Distribution) -> Vec<f64> {
    if let Distribution::Fixed { ms } = dist {
        return vec![ms.as_us() as f64];
    }
    let mut hi = (dist.mean_us() * 2.0).max(1.0);
    (0..GRID)
        .map(|g| {
            let q = (g as f64 + 0.5) / GRID as f64;
            while dist.cdf(Dur(hi as u64)) < q && hi < 1e15 {
                hi *= 2.0;
            }
            let (mut lo, mut up) = (0.0f64, hi);
            for _ in 0..64 {
                let mid = (lo + up) / 2.0;
                if dist.cdf(Dur(mid as u64)) < q {
                    lo = mid;
                } else {
                    up = mid;
                }
            }
            up
        })
        .collect()
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The inputs every prediction reports, and its rounding.
fn prediction(legs: &Legs, formula: &str) -> Prediction {
    Prediction {
        rtt_ms: round_ms((legs.request_us + legs.response_us) / 1e3),
        timer_slack_ms: round_ms(legs.timer_late_us / 1e3),
        settle_lateness_ms: round_ms(legs.settle_late_us / 1e3),
        request_leg_ms: Some(round_ms(legs.request_us / 1e3)),
        response_leg_ms: Some(round_ms(legs.response_us / 1e3)),
        formula: formula.to_owned(),
        ..Prediction::default()
    }
}

const POLL_FORMULA: &str = "E[n] = 1 + sum_k P(S > kT + D), D = response leg + timer lateness + request leg; \
     delay = T*E[n] - E[S] + D + response leg (a poll waits for the previous answer when T is shorter than a round trip)";
const EVENTS_FORMULA: &str = "the poller's ticks replayed over the settlement instants, merchant by merchant: \
     a page reads every event settled by then (page_size at a time), learned one response leg later; \
     every merchant polls until the last order of all is learned";
const WEBHOOK_FORMULA: &str = "settlement lateness + request leg (+ receiver delay); per attempt: down window or error rate q fails, \
     retried after the schedule's delays (jittered); silent loss s drops an acknowledged event; \
     missed = q^N + (1 - q^N)s without windows";
const HYBRID_FORMULA: &str = "webhook as modelled, plus reconciliation polls sent at R + jE + D until the shop knows: \
     sum_j P(S > R + jE + D - webhook delay), and for a lost webhook every poll until one reads after S";

/// Shared by both predictions: the strategy's model over `orders`, with S
/// for webhooks integrated over `grid` (`None`: each order's own S).
fn model(
    strategy: &StrategySpec,
    scenario: &Scenario,
    orders: &[OrderTimes],
    law: SettleLaw<'_>,
    grid: Option<&[f64]>,
    rates: Option<FaultRates>,
    legs: Legs,
) -> Prediction {
    let mut deliveries = Deliveries::from_scenario(&scenario.delivery, &scenario.faults);
    if let Some(rates) = rates {
        deliveries = deliveries.with_rates(rates);
    }
    match strategy {
        StrategySpec::Poll { interval_ms, .. } => {
            let c = poll_costs(&law, interval_ms.as_us() as f64, legs);
            Prediction {
                latency_mean_ms: round_ms(c.delay_us / 1e3),
                requests_per_order: round4(c.polls),
                polls_wasted_per_order: round4(c.polls - 1.0),
                polls_wasted_share: Some(round4((c.polls - 1.0) / c.polls)),
                ..prediction(&legs, POLL_FORMULA)
            }
        }
        StrategySpec::PollEvents {
            interval_ms,
            page_size,
            ..
        } => {
            let arrivals: Vec<EventArrival> = orders
                .iter()
                .map(|o| EventArrival {
                    merchant: o.merchant,
                    settled_us: o.settled_us(),
                    visible_us: o
                        .settled_by_worker_us
                        .unwrap_or(o.settled_us() + legs.settle_late_us),
                })
                .collect();
            let c = event_poll_costs(
                &arrivals,
                &EventPolling {
                    start_us: 0.0,
                    interval_us: interval_ms.as_us() as f64,
                    page_size: *page_size,
                    merchants: scenario.workload.merchants.max(1),
                    legs,
                },
            );
            let n = orders.len().max(1) as f64;
            Prediction {
                latency_mean_ms: round_ms(c.delay_mean_us() / 1e3),
                requests_per_order: round4(c.pages as f64 / n),
                polls_wasted_per_order: round4(c.wasted as f64 / n),
                polls_wasted_share: Some(round4(c.wasted_share())),
                ..prediction(&legs, EVENTS_FORMULA)
            }
        }
        StrategySpec::Webhook { .. } | StrategySpec::Hybrid { .. } => {
            // Down windows make an order's fate depend on when it settles;
            // without them one order at instant 0 stands for all.
            let time_free = deliveries.down.is_empty();
            let standing = [OrderTimes {
                merchant: 0,
                created_us: 0.0,
                settle_after_us: 0,
                settled_by_worker_us: None,
            }];
            let orders = if time_free && grid.is_some() {
                &standing[..]
            } else {
                orders
            };
            let mut sums = Sums::default();
            for o in orders {
                let delays: Vec<f64> = match grid {
                    Some(g) => g.to_vec(),
                    None => vec![o.settle_after_us as f64],
                };
                let weight = 1.0 / delays.len() as f64;
                for s in delays {
                    sums.add(strategy, &deliveries, o.created_us, s, &legs, weight);
                }
            }
            sums.prediction(strategy, &legs)
        }
    }
}

/// Webhook and hybrid sums over orders (each order's weights sum to 1).
#[derive(Default)]
struct Sums {
    orders: f64,
    attempts: f64,
    polls: f64,
    wasted: f64,
    missed: f64,
    duplicates: f64,
    delay_learned_us: f64,
}

impl Sums {
    fn add(
        &mut self,
        strategy: &StrategySpec,
        d: &Deliveries,
        created_us: f64,
        settle_after_us: f64,
        legs: &Legs,
        weight: f64,
    ) {
        self.orders += weight;
        match strategy {
            StrategySpec::Hybrid {
                reconcile_after_ms,
                reconcile_every_ms,
                ..
            } => {
                let reconcile = Reconcile {
                    after_us: reconcile_after_ms.as_us() as f64,
                    every_us: reconcile_every_ms.as_us() as f64,
                };
                let o = hybrid_order(d, reconcile, created_us, settle_after_us, legs);
                self.attempts += weight * o.attempts;
                self.polls += weight * o.polls;
                self.wasted += weight * o.polls_wasted;
                self.duplicates += weight * o.duplicates;
                self.delay_learned_us += weight * o.delay_us;
            }
            _ => {
                let o = webhook_order(d, created_us + settle_after_us, legs);
                self.attempts += weight * o.attempts;
                self.missed += weight * o.missed;
                self.duplicates += weight * o.duplicates;
                self.delay_learned_us += weight * o.delay_learned_us;
            }
        }
    }

    fn prediction(&self, strategy: &StrategySpec, legs: &Legs) -> Prediction {
        let n = self.orders.max(f64::MIN_POSITIVE);
        let learned = (self.orders - self.missed).max(f64::MIN_POSITIVE);
        let hybrid = matches!(strategy, StrategySpec::Hybrid { .. });
        Prediction {
            latency_mean_ms: round_ms(self.delay_learned_us / learned / 1e3),
            requests_per_order: round4((self.attempts + self.polls) / n),
            polls_wasted_per_order: round4(self.wasted / n),
            polls_wasted_share: hybrid.then(|| {
                round4(if self.polls > 0.0 {
                    self.wasted / self.polls
                } else {
                    0.0
                })
            }),
            missed_share: Some(round4(self.missed / n)),
            duplicates_per_order: Some(round4(self.duplicates / n)),
            webhook_attempts_per_order: hybrid.then(|| round4(self.attempts / n)),
            ..prediction(
                legs,
                if hybrid {
                    HYBRID_FORMULA
                } else {
                    WEBHOOK_FORMULA
                },
            )
        }
    }
}

/// The model over the scenario's distributions: S's exact law (pollers) or
/// 64 quantiles of it (webhooks, hybrids), the scenario's fault rates, and
/// for the event-log poller and down windows the plan's instants. `legs`:
/// the network's expected legs (the `[network]` latency's mean plus this
/// machine's own loopback leg) and the measured timer and settlement
/// lateness.
pub fn predicted(
    strategy: &StrategySpec,
    scenario: &Scenario,
    plan: &[OrderPlan],
    legs: Legs,
) -> Prediction {
    let settle = &scenario.workload.settle;
    let grid = quantile_grid(settle);
    let orders = OrderTimes::from_plan(plan, &legs);
    model(
        strategy,
        scenario,
        &orders,
        SettleLaw::Dist(settle),
        Some(&grid),
        None,
        legs,
    )
}

/// The same model over what this run drew: each order's creation instant
/// and settlement delay, the fault rates its receivers drew, and the legs
/// and lateness it measured.
pub fn predicted_for_draws(
    strategy: &StrategySpec,
    scenario: &Scenario,
    draws: &RunDraws,
    legs: Legs,
) -> Prediction {
    let law = SettleLaw::from_draws(draws.orders.iter().map(|o| o.settle_after_us));
    model(
        strategy,
        scenario,
        &draws.orders,
        law,
        None,
        draws.fault_rates,
        legs,
    )
}
