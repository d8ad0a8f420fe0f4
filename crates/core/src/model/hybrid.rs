//! Webhooks plus reconciliation polls (`hybrid`).
//!
//! The shop (`crates/shop/src/lib.rs`) starts a reconciliation poller for
//! every payment when the creation answer arrives: its first poll is due
//! `R = reconcile_after` later, then one every `E = reconcile_every`. When
//! a timer fires, the poller first checks whether the shop already knows
//! the outcome (a webhook told it); if so it stops without a request.
//!
//! So for each way the order's webhook chain can end ([`super::faults`]:
//! recorded at instant w, or never: lost or given up), the reconciliation
//! polls are those sent before w, i.e. with S the settlement delay and the
//! poll reads at `R + jE + Δ` after creation (Δ as for a poller), about
//! `Σ_j P(S > R + jE + Δ − (webhook delay))` when nothing is lost, and for a
//! lost webhook every poll until the first that reads after S:
//! `1 + #{j ≥ 1: R + (j−1)E + Δ < S}`. The order is learned at whichever
//! comes first, the webhook or the poll's answer; a later notice of the
//! same outcome is a duplicate (a retried webhook that finally gets through
//! after a poll learned it, or a poll answered after the webhook).
//!
//! The delay of an order whose webhook was lost is that of a poller started
//! at `R`: `R + nE + Δ + leg − S` for the first poll n that finds it.

use super::faults::{Deliveries, EventDraws, arrival};
use super::poll::{Legs, PollSchedule, PollTimes};

/// A hybrid's reconciliation timing, µs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reconcile {
    /// `reconcile_after`: from the creation answer to the first poll.
    pub after_us: f64,
    /// `reconcile_every`: between two polls.
    pub every_us: f64,
}

impl Reconcile {
    /// A hybrid strategy's timing; `None` for any other strategy.
    pub fn of(strategy: &crate::scenario::StrategySpec) -> Option<Reconcile> {
        match strategy {
            crate::scenario::StrategySpec::Hybrid {
                reconcile_after_ms,
                reconcile_every_ms,
                ..
            } => Some(Reconcile {
                after_us: reconcile_after_ms.as_us() as f64,
                every_us: reconcile_every_ms.as_us() as f64,
            }),
            _ => None,
        }
    }
}

/// What one order costs and brings under a hybrid, in expectation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HybridOrder {
    /// Webhook delivery attempts.
    pub attempts: f64,
    /// Reconciliation polls.
    pub polls: f64,
    /// Of those, the ones that found the payment still pending.
    pub polls_wasted: f64,
    /// Duplicate notices.
    pub duplicates: f64,
    /// Mean delay, µs (every order is learned, by one way or the other).
    pub delay_us: f64,
    /// Probability the order was learned by a poll.
    pub by_poll: f64,
    /// The delay of the order if its webhook never gets through (lost or
    /// given up), µs: that of a poller started at `R`.
    pub delay_if_lost_us: f64,
}

/// The most reconciliation polls followed for one order.
const MAX_POLLS: usize = 1_000_000;

/// One order of a hybrid: payment created at the platform at `created_us`
/// (run clock), settling `settle_after_us` later, its webhook's first
/// attempt leaving at `departs_us` if a run recorded it (see
/// [`super::faults::chain`]).
pub fn hybrid_order(
    d: &Deliveries,
    reconcile: Reconcile,
    created_us: f64,
    settle_after_us: f64,
    departs_us: Option<f64>,
    legs: &Legs,
) -> HybridOrder {
    let times = (created_us, settle_after_us, departs_us);
    hybrid_order_drawn(d, reconcile, times, EventDraws::default(), legs)
}

/// [`hybrid_order`] with what a run drew for the order's event: its
/// retries' departures (see [`super::faults::chain`]), its chains and the
/// receiver's losses (see [`arrival`]): an order whose webhook the receiver
/// dropped is learned by a reconciliation poll.
pub fn hybrid_order_drawn(
    d: &Deliveries,
    reconcile: Reconcile,
    (created_us, settle_after_us, departs_us): (f64, f64, Option<f64>),
    drawn: EventDraws<'_>,
    legs: &Legs,
) -> HybridOrder {
    let settled = created_us + settle_after_us;
    // Both chains of a duplicated event (`faults::arrival`): the instant
    // the webhook is first recorded, or never; a second copy caught by its
    // `webhook-id` is a duplicate whatever the polls did.
    let webhook = arrival(d, settled, departs_us, drawn, legs);
    let branches = webhook
        .recorded
        .iter()
        .copied()
        .chain(std::iter::once((webhook.never, f64::INFINITY)));
    let mut out = HybridOrder {
        attempts: webhook.attempts,
        duplicates: webhook.redeliveries,
        ..HybridOrder::default()
    };
    for (p, webhook_at) in branches {
        // The never-delivered branch is followed even at probability 0, for
        // `delay_if_lost_us`.
        if p <= 0.0 && webhook_at.is_finite() {
            continue;
        }
        // Times relative to the creation at the platform.
        let mut schedule = PollSchedule::new(
            legs.response_us,
            reconcile.after_us,
            reconcile.every_us,
            *legs,
        );
        let webhook_rel = webhook_at - created_us;
        let mut learned_rel = webhook_rel;
        for _ in 0..MAX_POLLS {
            let poll = schedule.next_poll();
            // The poller looks at the order book before it sends. A webhook
            // recorded at the very instant its timer fires (virtual time,
            // where every instant is a whole millisecond) comes too late:
            // the timer wakes the poller itself, while the webhook still has
            // the network's hop and the shop's server to go through. Taken
            // the other way, a tie put a hybrid one poll and one duplicate
            // below its own draws.
            if webhook_rel < poll.send_us {
                break;
            }
            // A poll a partition window refuses is not counted, and the
            // next deadline polls again (`super::partition`).
            let windows = &d.poll_windows;
            if let Some(back) = windows.refusal(created_us + poll.send_us, legs.request_us) {
                schedule.failed(back - created_us);
                continue;
            }
            out.polls += p;
            if poll.read_us < settle_after_us {
                out.polls_wasted += p;
                // Not over a window still to come: its polls fail.
                if windows.next_cut(created_us + poll.send_us).is_some() {
                    continue;
                }
                skip_ahead(
                    &mut schedule,
                    &poll,
                    settle_after_us,
                    webhook_rel,
                    p,
                    &mut out,
                );
                continue;
            }
            if webhook_rel <= poll.answer_us {
                // The webhook got there while the poll was on the wire.
                out.duplicates += p;
            } else {
                learned_rel = poll.answer_us;
                out.by_poll += p;
                if webhook_at.is_finite() {
                    // The webhook still comes, later: a duplicate.
                    out.duplicates += p;
                }
            }
            break;
        }
        out.delay_us += p * (learned_rel - settle_after_us);
        if webhook_at.is_infinite() {
            out.delay_if_lost_us = learned_rel - settle_after_us;
        }
    }
    out
}

/// Polls skipped at once rather than followed, at the least: below, the
/// walk is short anyway (and stays the sums it always was).
const SKIP_FROM: f64 = 64.0;

/// Far from both the settlement and the webhook, in evenly spaced polls,
/// jumps over the polls that are sure to be sent and to find the payment
/// pending, counting them. Without it a heavy tail (lognormal σ = 5: one
/// order in 300 settles more than 10⁶ polls of 0.5 s out) ran out of
/// `MAX_POLLS` with no poll having found the payment, and a lost
/// webhook's order was learned at infinity (a delay of NaN for the whole
/// prediction, or polls cut short). The last polls before either end are
/// still followed one by one, for the tie rules.
fn skip_ahead(
    schedule: &mut PollSchedule,
    poll: &PollTimes,
    settle_after_us: f64,
    webhook_rel: f64,
    p: f64,
    out: &mut HybridOrder,
) {
    let mut ahead = schedule.clone();
    let (next, after) = (ahead.next_poll(), ahead.next_poll());
    let spacing = next.read_us - poll.read_us;
    if spacing <= 0.0 || (after.read_us - next.read_us - spacing).abs() > 1e-6 * spacing {
        return;
    }
    let to_settle = (settle_after_us - poll.read_us) / spacing;
    let to_webhook = (webhook_rel - poll.send_us) / spacing;
    // Two polls of margin before either end: float rounding of the
    // quotients cannot reach a poll that reads after S or leaves after the
    // webhook.
    let k = to_settle.min(to_webhook).floor() - 2.0;
    if k >= SKIP_FROM {
        schedule.skip(k as u64);
        out.polls += p * k;
        out.polls_wasted += p * k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::faults::FaultRates;

    fn lossy(s: f64) -> Deliveries {
        Deliveries {
            schedule_us: vec![0.0, 250e3, 500e3],
            jitter: 0.0,
            receiver_delay_us: 0.0,
            timeout_us: 15e6,
            rates: FaultRates {
                error_rate: 0.0,
                silent_loss: s,
                duplicate_rate: 0.0,
            },
            down: Vec::new(),
            own_legs: None,
            run_end_us: None,
            attempts_as_drawn: false,
            poll_windows: Default::default(),
        }
    }

    const RECONCILE: Reconcile = Reconcile {
        after_us: 1_500e3,
        every_us: 500e3,
    };

    #[test]
    fn nothing_lost_no_reconciliation_poll() {
        let o = hybrid_order(&lossy(0.0), RECONCILE, 0.0, 600e3, None, &Legs::default());
        assert_eq!((o.attempts, o.polls, o.duplicates), (1.0, 0.0, 0.0));
        assert_eq!(o.delay_us, 0.0);
        // Had it been lost: the poll at 1.5 s, 900 ms after the settlement.
        assert_eq!(o.delay_if_lost_us, 900e3);
    }

    #[test]
    fn silent_loss_by_hand() {
        // 10% lost; S = 600 ms, 1 ms legs. A lost order's first
        // reconciliation poll leaves at 1 + 1500 = 1501 ms, reads at 1502
        // (settled), answers at 1503: one poll, delay 903 ms. The rest are
        // learned 1 ms after the settlement.
        let legs = Legs {
            request_us: 1e3,
            response_us: 1e3,
            ..Legs::default()
        };
        let o = hybrid_order(&lossy(0.1), RECONCILE, 0.0, 600e3, None, &legs);
        assert!((o.polls - 0.1).abs() < 1e-12, "{o:?}");
        assert_eq!(o.polls_wasted, 0.0);
        assert!(
            (o.delay_us - (0.9 * 1e3 + 0.1 * 903e3)).abs() < 1e-6,
            "{o:?}"
        );
        assert!((o.by_poll - 0.1).abs() < 1e-12);
        assert!((o.delay_if_lost_us - 903e3).abs() < 1e-6);
        // S = 2.2 s: the lost order's polls read at 1502 and 2002 (pending),
        // then 2502: three polls, two wasted, delay 2503 − 2200 = 303 ms.
        // The webhook (at 2201) beats every poll of the others.
        let o = hybrid_order(&lossy(0.1), RECONCILE, 0.0, 2_200e3, None, &legs);
        assert!((o.polls - (0.9 * 2.0 + 0.1 * 3.0)).abs() < 1e-12, "{o:?}");
        assert!((o.polls_wasted - 2.0).abs() < 1e-12, "{o:?}");
        assert!(
            (o.delay_us - (0.9 * 1e3 + 0.1 * 303e3)).abs() < 1e-6,
            "{o:?}"
        );
    }

    #[test]
    fn a_late_webhook_after_a_reconciliation_poll_is_a_duplicate() {
        // Receiver down (503) from 0 to 10 s; schedule 0, 250 ms, 20 s:
        // the webhook is recorded at 20.25 s. The poll at 1.5 s learns it;
        // the webhook that finally gets through is a duplicate.
        let mut d = lossy(0.0);
        d.schedule_us = vec![0.0, 250e3, 20e6];
        d.down.push(crate::model::faults::DownSpan {
            from_us: 0.0,
            until_us: 10e6,
            refuse: false,
        });
        let o = hybrid_order(&d, RECONCILE, 0.0, 100e3, None, &Legs::default());
        assert_eq!(
            (o.attempts, o.polls, o.duplicates, o.by_poll),
            (3.0, 1.0, 1.0, 1.0)
        );
        assert!((o.delay_us - 1_400e3).abs() < 1e-6);
    }

    #[test]
    fn a_webhook_recorded_as_the_poll_leaves_does_not_stop_it() {
        // The first attempt waits 1.5 s, no legs: the webhook is recorded
        // at 1.5 s, the very instant the reconciliation poll's timer fires.
        // The poller looks first and sends; the webhook lands while the
        // poll is on the wire, so the poll's answer is a duplicate.
        let mut d = lossy(0.0);
        d.schedule_us = vec![1_500e3];
        let o = hybrid_order(&d, RECONCILE, 0.0, 0.0, None, &Legs::default());
        assert_eq!(
            (o.attempts, o.polls, o.duplicates, o.by_poll),
            (1.0, 1.0, 1.0, 0.0)
        );
        assert_eq!(o.delay_us, 1_500e3);
    }

    #[test]
    fn heavy_tails_are_polled_to_the_end() {
        // Lognormal settlements, median 500 ms, σ 3–5: one order in 300
        // (σ = 5) settles more than 10⁶ reconciliation polls out, where the
        // walk stopped: a lost webhook's order was never learned (delay
        // infinite, the mean NaN) and a kept one's polls were cut short.
        // Each order against the poller's rules walked (no model).
        let legs = Legs {
            request_us: 1e3,
            response_us: 1e3,
            ..Legs::default()
        };
        for sigma in [3.0, 4.0, 5.0] {
            let s = crate::dist::Distribution::Lognormal {
                median_ms: crate::duration::Dur::from_ms(500),
                sigma,
            };
            let mut rng = crate::rng::SeededRng::new(5);
            let (mut sum, mut sum_sq, mut lost_sum, n) = (0.0, 0.0, 0.0, 20_000u64);
            for _ in 0..n {
                let settle = s.sample(&mut rng).as_us() as f64;
                let mut schedule = PollSchedule::new(
                    legs.response_us,
                    RECONCILE.after_us,
                    RECONCILE.every_us,
                    legs,
                );
                let polls = std::iter::from_fn(move || Some(schedule.next_poll()));
                let (walked_polls, walked_delay) =
                    crate::model::poll::tests::walk_polls(settle, polls, legs);
                let lost = hybrid_order(&lossy(1.0), RECONCILE, 0.0, settle, None, &legs);
                assert_eq!(lost.polls, walked_polls, "σ {sigma}, S {settle}: {lost:?}");
                assert!(
                    (lost.delay_if_lost_us - walked_delay).abs() < 1.0,
                    "σ {sigma}, S {settle}: {lost:?} vs {walked_delay}"
                );
                // Nothing lost: the polls sent before the webhook (1 ms
                // after the settlement) are all but at most the last.
                let kept = hybrid_order(&lossy(0.0), RECONCILE, 0.0, settle, None, &legs);
                assert!(
                    kept.polls <= walked_polls && kept.polls >= walked_polls - 1.0,
                    "σ {sigma}, S {settle}: {kept:?} vs {walked_polls}"
                );
                let mixed = hybrid_order(&lossy(0.1), RECONCILE, 0.0, settle, None, &legs);
                assert!(mixed.delay_us >= 0.0, "σ {sigma}: {mixed:?}");
                sum += mixed.delay_us;
                sum_sq += mixed.delay_us * mixed.delay_us;
                lost_sum += walked_delay;
            }
            // The mix: 90% learned by the webhook 1 ms after the
            // settlement, 10% as the walk found them.
            let walked = 0.9 * 1e3 + 0.1 * lost_sum / n as f64;
            let m = crate::model::stats::mean_interval(n, sum, sum_sq).unwrap();
            let z = crate::model::stats::z_score(m.mean, m.stderr, walked);
            assert!(z < 3.0, "σ {sigma}: model {m:?}, walked {walked}, z {z}");
        }
    }

    #[test]
    fn a_webhook_the_run_dropped_is_learned_by_a_poll() {
        // 10% silent loss, but this run dropped this order's webhook: one
        // poll, and the lost order's 903 ms of `silent_loss_by_hand`, not
        // the rate's mix; kept, it is the webhook's 1 ms and no poll.
        let legs = Legs {
            request_us: 1e3,
            response_us: 1e3,
            ..Legs::default()
        };
        let times = (0.0, 600e3, None);
        for (lost, polls, delay) in [(true, 1.0, 903e3), (false, 0.0, 1e3)] {
            let copies = crate::model::faults::CopiesDrawn {
                lost: vec![lost],
                second_retries_us: Vec::new(),
            };
            let drawn = EventDraws {
                retries_us: &[],
                copies: Some(&copies),
            };
            let o = hybrid_order_drawn(&lossy(0.1), RECONCILE, times, drawn, &legs);
            assert_eq!((o.polls, o.by_poll), (polls, polls), "{lost}: {o:?}");
            assert!((o.delay_us - delay).abs() < 1e-6, "{lost}: {o:?}");
        }
    }
}
