//! The orders of a run.
//!
//! The workload is generated once from the scenario's seed, then replayed
//! identically against every strategy: the same orders, arriving at the same
//! instants, settling after the same delays with the same outcomes. The only
//! thing that differs between two strategies' runs is the strategy.

use crate::clock::Micros;
use crate::duration::Dur;
use crate::ids::OrderId;
use crate::rng::SeededRng;
use crate::scenario::Workload;
use crate::wire::Outcome;

/// One order of the workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderPlan {
    /// The order's id (`ord_000001`, numbered from 1 in arrival order).
    pub order_id: OrderId,
    /// When the customer checks out, on the run's clock.
    pub arrive_at: Micros,
    /// How long after the payment's creation the platform settles it.
    pub settle_after: Dur,
    /// How the payment ends.
    pub outcome: Outcome,
    /// The amount, in centavos.
    pub amount_cents: u64,
    /// The merchant (0-based) whose shop takes the order.
    pub merchant: u32,
}

/// Generates the orders of `workload` from `seed`.
///
/// Arrivals, settlement delays and outcomes each draw from their own stream
/// of the seed, so changing the settlement distribution leaves the arrival
/// instants exactly as they were.
pub fn generate(workload: &Workload, seed: u64) -> Vec<OrderPlan> {
    let mut arrivals = SeededRng::stream(seed, "arrival");
    let mut settles = SeededRng::stream(seed, "settle");
    let mut outcomes = SeededRng::stream(seed, "outcome");
    let mut merchants = SeededRng::stream(seed, "merchant");
    let mut at = Micros(0);
    (1..=u64::from(workload.orders))
        .map(|n| {
            if n > 1 {
                at = at.plus(workload.arrival.next_gap(&mut arrivals));
            }
            let outcome = if outcomes.next_f64() < workload.outcomes.approved {
                Outcome::Approved
            } else {
                Outcome::Declined
            };
            OrderPlan {
                order_id: OrderId::numbered(n),
                arrive_at: at,
                settle_after: workload.settle.sample(&mut settles),
                outcome,
                amount_cents: workload.amount_cents,
                merchant: if workload.merchants <= 1 {
                    0
                } else {
                    (merchants.next_f64() * f64::from(workload.merchants)) as u32
                },
            }
        })
        .collect()
}

/// The latest instant at which any order of the plan settles, counting from
/// its arrival (the payment is created right after it).
pub fn last_settlement(plan: &[OrderPlan]) -> Micros {
    plan.iter()
        .map(|o| o.arrive_at.plus(o.settle_after))
        .max()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{Arrival, Distribution};
    use crate::scenario::Outcomes;

    fn workload() -> Workload {
        Workload {
            orders: 1_000,
            arrival: Arrival::Poisson { per_s: 100.0 },
            settle: Distribution::Uniform {
                min_ms: Dur::from_ms(200),
                max_ms: Dur::from_ms(2_000),
            },
            outcomes: Outcomes {
                approved: 0.9,
                declined: 0.1,
            },
            amount_cents: 100,
            currency: "BRL".into(),
            merchants: 1,
        }
    }

    #[test]
    fn same_seed_same_orders_other_seed_other_orders() {
        let w = workload();
        assert_eq!(generate(&w, 42), generate(&w, 42));
        assert_ne!(generate(&w, 42), generate(&w, 43));
    }

    #[test]
    fn changing_settlement_keeps_arrivals() {
        let w = workload();
        let mut w2 = w.clone();
        w2.settle = Distribution::Fixed {
            ms: Dur::from_ms(5),
        };
        let a: Vec<_> = generate(&w, 1).into_iter().map(|o| o.arrive_at).collect();
        let b: Vec<_> = generate(&w2, 1).into_iter().map(|o| o.arrive_at).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn outcome_shares_and_arrival_rate_follow_the_scenario() {
        let plan = generate(&workload(), 9);
        let declined = plan
            .iter()
            .filter(|o| o.outcome == Outcome::Declined)
            .count();
        assert!((60..140).contains(&declined), "{declined}");
        let span_s = plan.last().unwrap().arrive_at.as_ms_f64() / 1_000.0;
        let rate = 999.0 / span_s;
        assert!((85.0..115.0).contains(&rate), "{rate}");
        assert_eq!(plan[0].arrive_at, Micros(0));
    }
}
