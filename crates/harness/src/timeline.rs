//! The run's timeline, folded from the events the platform and the shop
//! announced during the run.
//!
//! During a strategy's run, every [`RunEvent`] goes through a channel to the
//! harness, which keeps them (and forwards each to the [`crate::Progress`]
//! listener, which is how the live page sees the run as it happens). At the
//! end, [`fold`] turns them into a compact [`Timeline`]: counts per time
//! bucket by kind, each order's placed / settled / known instants, and the
//! refused deliveries by reason (named as the summary's `rejected` names
//! them, [`hooklab_core::events::rejection`]).

use hooklab_core::clock::Micros;
use hooklab_core::events::{Happening, RunEvent};
use hooklab_core::ids::OrderId;
use hooklab_core::report::Timeline;

/// About how many buckets a timeline has.
const TARGET_BUCKETS: u64 = 200;

/// The number of an order (`ord_000042` is 42), to index it.
fn order_number(order: &OrderId) -> Option<usize> {
    order.as_str().strip_prefix(OrderId::PREFIX)?.parse().ok()
}

/// A "nice" bucket width at or above `raw_us`: 1, 2 or 5 times a power of ten µs.
fn nice_width(raw_us: u64) -> u64 {
    let mut unit = 1u64;
    loop {
        for step in [1, 2, 5] {
            if unit * step >= raw_us {
                return unit * step;
            }
        }
        unit = unit.saturating_mul(10);
    }
}

fn ms(at: Micros) -> f64 {
    (at.0 as f64 / 1_000.0 * 1_000.0).round() / 1_000.0
}

/// Folds a run's events (in any order) over a run of length `end` with
/// `orders` orders.
pub fn fold(events: &[RunEvent], orders: usize, end: Micros) -> Timeline {
    let width = nice_width((end.0 / TARGET_BUCKETS).max(1_000));
    let n = (end.0 / width + 1) as usize;
    let mut t = Timeline {
        bucket_ms: width as f64 / 1_000.0,
        polls: vec![0; n],
        polls_wasted: vec![0; n],
        deliveries: vec![0; n],
        retries: vec![0; n],
        failed_deliveries: vec![0; n],
        rejected: vec![0; n],
        rejected_by_reason: Default::default(),
        rate_limited: vec![0; n],
        known: vec![0; n],
        orders: vec![[-1.0; 3]; orders],
        via: "-".repeat(orders),
    };
    let mut via = vec![b'-'; orders];
    for e in events {
        let b = ((e.at.0 / width) as usize).min(n - 1);
        let order_slot = |order: &OrderId| {
            order_number(order)
                .and_then(|k| k.checked_sub(1))
                .filter(|k| *k < orders)
        };
        match &e.what {
            Happening::OrderPlaced { order } => {
                if let Some(k) = order_slot(order) {
                    t.orders[k][0] = ms(e.at);
                }
            }
            Happening::Settled { order, .. } => {
                if let Some(k) = order_slot(order) {
                    t.orders[k][1] = ms(e.at);
                }
            }
            Happening::Poll { pending, .. } => {
                t.polls[b] += 1;
                t.polls_wasted[b] += u32::from(*pending);
            }
            Happening::EventPoll { found } => {
                t.polls[b] += 1;
                t.polls_wasted[b] += u32::from(*found == 0);
            }
            Happening::RateLimited => t.rate_limited[b] += 1,
            Happening::Delivery { attempt, ok, .. } => {
                t.deliveries[b] += 1;
                t.retries[b] += u32::from(*attempt > 1);
                t.failed_deliveries[b] += u32::from(!*ok);
            }
            Happening::Rejected { reason } => {
                t.rejected[b] += 1;
                *t.rejected_by_reason.entry(reason.clone()).or_insert(0) += 1;
            }
            Happening::Known {
                order, via: how, ..
            } => {
                t.known[b] += 1;
                if let Some(k) = order_slot(order) {
                    t.orders[k][2] = ms(e.at);
                    via[k] = match how.as_str() {
                        "webhook" => b'w',
                        "creation" => b'c',
                        "stream" => b's',
                        _ => b'p',
                    };
                }
            }
            Happening::Duplicate { .. }
            | Happening::EndpointRegistered { .. }
            | Happening::EndpointDisabled { .. } => {}
        }
    }
    t.via = String::from_utf8(via).unwrap_or_default();
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklab_core::ids::PaymentId;

    fn at(ms: u64, what: Happening) -> RunEvent {
        RunEvent {
            at: Micros(ms * 1_000),
            what,
        }
    }

    #[test]
    fn events_fold_into_buckets_and_order_lives() {
        let o1 = OrderId::numbered(1);
        let events = vec![
            at(0, Happening::OrderPlaced { order: o1.clone() }),
            at(
                100,
                Happening::Poll {
                    order: o1.clone(),
                    pending: true,
                    reconcile: false,
                },
            ),
            at(
                150,
                Happening::Settled {
                    order: o1.clone(),
                    payment: PaymentId::numbered(1),
                    outcome: "approved".into(),
                },
            ),
            at(
                200,
                Happening::Poll {
                    order: o1.clone(),
                    pending: false,
                    reconcile: false,
                },
            ),
            at(
                200,
                Happening::Known {
                    order: o1.clone(),
                    via: "poll".into(),
                    status: "approved".into(),
                },
            ),
        ];
        let t = fold(&events, 2, Micros(1_000_000));
        assert_eq!(t.bucket_ms, 5.0);
        assert_eq!(t.polls.iter().sum::<u32>(), 2);
        assert_eq!(t.polls_wasted.iter().sum::<u32>(), 1);
        assert_eq!(t.known[40], 1);
        assert_eq!(t.orders[0], [0.0, 150.0, 200.0]);
        assert_eq!(t.orders[1], [-1.0, -1.0, -1.0]);
        assert_eq!(t.via, "p-");
    }

    #[test]
    fn widths_are_round() {
        assert_eq!(nice_width(1_000), 1_000);
        assert_eq!(nice_width(1_300), 2_000);
        assert_eq!(nice_width(3_100), 5_000);
        assert_eq!(nice_width(430_000_000), 500_000_000);
    }
}
