//! `[network] partitions` for the per-payment pollers between polling and
//! push: conditional polls, backoff polls and long polls, replayed order
//! by order through the windows as [`super::partition::poll_order`]
//! replays a plain poller.
//!
//! Each follows its shop code (`crates/shop/src/{conditional,backoff,
//! long_poll}.rs`) and the harness's network (`crates/harness/src/
//! network.rs`):
//!
//! - **conditional_poll** reads through the network's *held* path (the
//!   answer's head and body come as chunks): a poll that leaves or would
//!   arrive inside a window is refused, and one whose answer is still on
//!   its way when a window starts is cut then (a plain poll's answer gets
//!   through). A failed poll is not counted and moves the next deadline
//!   one interval on, as an answered one does. The `ETag` comes only with
//!   an answer: the first *answered* poll sends none and gets a `200`, and
//!   every pending one after it a `304`.
//! - **backoff_poll**: polls due at the schedule's instants after the
//!   creation answer, as for a plain poll: a refused one is not counted and
//!   the next deadline polls again (at once if it passed while the failure
//!   came back).
//! - **long_poll**: the first request leaves when the creation answer
//!   arrives, each later one when the previous answer is back. A refused
//!   request, or one a window cuts before its answer is back (a hold
//!   included), is tried again after a pause of 100 ms, doubling up to
//!   5 s, reset by an answer. Past the last window the rest is
//!   [`super::spectrum::long_poll_order`]'s.

use super::partition::{Partitions, STREAM_FIRST_RECONNECT_US};
use super::poll::{Legs, SettleLaw};
use super::spectrum::long_poll_order;
use crate::scenario::backoff::STREAM_RECONNECT_MAX;

/// The most polls or holds a replay follows (a bound for absurd inputs).
const MAX_STEPS: usize = 10_000_000;

/// What pulling one payment costs under the windows, in expectation over
/// its S.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PullOrder {
    /// Requests answered (the failed ones are not counted: the shop counts
    /// answers), `304`s included.
    pub requests: f64,
    /// Of those, answered `pending` (or `304`).
    pub wasted: f64,
    /// Of the wasted, the `304`s (conditional polls).
    pub not_modified: f64,
    /// Mean delay from the scheduled settlement to the shop's record, µs.
    pub delay_us: f64,
}

/// How a per-payment poller's deadlines go (µs after its start, the
/// creation answer's arrival).
pub enum Deadlines<'a> {
    /// A conditional poller: the first due after `interval_us`, each next
    /// one interval later, the interval `max(asked_us, interval_us)` once
    /// an answer carried the platform's `X-Poll-Interval`.
    Conditional {
        /// The strategy's interval.
        interval_us: f64,
        /// The platform's `X-Poll-Interval` (0: none).
        asked_us: f64,
    },
    /// A backoff poller's schedule.
    Schedule(&'a mut dyn Iterator<Item = u64>),
}

/// The poller of a payment created at the platform at `created_us`, with S
/// of law `law`, due at `deadlines`, through the windows `p` (see the
/// module docs): a conditional one counts the `304`s and lets a window cut
/// an answer on its way. Its timer fires at the first multiple of
/// `tick_us` at or after a deadline still ahead, if given (the paused
/// clock: see [`super::forecast::RunDraws::timer_tick_us`]), else the
/// mean lateness after it.
pub fn scheduled_order(
    p: &Partitions,
    (created_us, law): (f64, &SettleLaw<'_>),
    mut deadlines: Deadlines<'_>,
    tick_us: Option<f64>,
    legs: &Legs,
) -> PullOrder {
    let conditional = matches!(deadlines, Deadlines::Conditional { .. });
    let start = created_us + legs.response_us;
    let mut out = PullOrder::default();
    let (mut answered_at, mut pending, mut answered_any) = (0.0, 1.0, false);
    let (mut free, mut due) = (f64::NEG_INFINITY, 0.0);
    for _ in 0..MAX_STEPS {
        due = match &mut deadlines {
            Deadlines::Conditional {
                interval_us,
                asked_us,
            } => {
                if *interval_us <= 0.0 {
                    break;
                }
                due + if answered_any {
                    asked_us.max(*interval_us)
                } else {
                    *interval_us
                }
            }
            Deadlines::Schedule(next) => match next.next() {
                Some(at) => at as f64,
                None => break,
            },
        };
        let fires = match tick_us.filter(|&t| t > 0.0) {
            Some(tick) => ((start + due) / tick).ceil() * tick,
            None => start + due + legs.timer_late_us,
        };
        let send = fires.max(free);
        if let Some(back) = p.refusal(send, legs.request_us) {
            free = back;
            continue;
        }
        let read = send + legs.request_us;
        let answer = read + legs.response_us;
        if conditional && let Some(cut) = p.next_cut(read).filter(|&c| c < answer) {
            free = cut;
            continue;
        }
        free = answer;
        out.requests += pending;
        let tail = law.tail(read - created_us);
        out.wasted += tail;
        if conditional && answered_any {
            out.not_modified += tail;
        }
        answered_at += (pending - tail) * answer;
        pending = tail;
        answered_any = true;
        if pending < 1e-12 {
            break;
        }
    }
    PullOrder {
        delay_us: answered_at - created_us - law.mean_us(),
        ..out
    }
}

/// One long-polled payment created at the platform at `created_us`,
/// settling `s_us` later, holds of `wait_us`, through the windows `p`
/// (see the module docs): (requests answered, delay from the scheduled
/// settlement to the shop's record, µs).
pub fn long_poll_order_through(
    p: &Partitions,
    created_us: f64,
    s_us: f64,
    wait_us: f64,
    legs: &Legs,
) -> (f64, f64) {
    let settled = created_us + s_us;
    let (mut send, mut pause, mut requests) = (
        created_us + legs.response_us,
        STREAM_FIRST_RECONNECT_US,
        0.0,
    );
    let max_pause = STREAM_RECONNECT_MAX.as_us() as f64;
    'requests: for _ in 0..MAX_STEPS {
        if p.next_cut(send).is_none() {
            // No window ahead: the plain replay, from a request leaving
            // now (its `a₀` counts from a creation one response leg back).
            let (more, delay) = long_poll_order(settled - send + legs.response_us, wait_us, legs);
            return (requests + more, delay);
        }
        let failed_at = 'exchange: {
            if let Some(back) = p.refusal(send, legs.request_us) {
                break 'exchange back;
            }
            let read = send + legs.request_us;
            let hold_end = read + wait_us;
            let (answer_at, found) = if settled <= read {
                (read, true)
            } else if settled <= hold_end {
                // Answered when the worker settles it, or by the read at
                // the wait's end (which settles a due payment).
                ((settled + legs.settle_late_us).min(hold_end), true)
            } else {
                (hold_end, false)
            };
            let back = answer_at + legs.response_us;
            if let Some(cut) = p.next_cut(read).filter(|&c| c < back) {
                break 'exchange cut;
            }
            requests += 1.0;
            if found {
                return (requests, back - settled);
            }
            pause = STREAM_FIRST_RECONNECT_US;
            send = back;
            continue 'requests;
        };
        send = failed_at + pause;
        pause = (pause * 2.0).min(max_pause);
    }
    (requests, f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Distribution;
    use crate::duration::Dur;
    use crate::model::partition::tests::{legs, windows};

    fn fixed(ms: u64) -> Distribution {
        Distribution::Fixed {
            ms: Dur::from_ms(ms),
        }
    }

    #[test]
    fn a_conditional_poll_cut_on_its_way_back_is_not_answered() {
        // Created at 0, 5 ms legs, T = 100 ms, S = 350 ms. Polls due at
        // 105, 205, 305, 405 ms read at 110, 210, 310, 410. The window
        // [214, 300) lets the poll that read at 210 through to the
        // platform, but cuts its answer (due back at 215) at 214: that poll
        // is not answered. Answered: 110 (200, pending, gets the tag), 310
        // (304), 410 (settled, answered at 415): 3 requests, 2 wasted, one
        // 304, delay 415 − 350 = 65 ms.
        let s = fixed(350);
        let law = SettleLaw::Dist(&s);
        let conditional = || Deadlines::Conditional {
            interval_us: 100e3,
            asked_us: 0.0,
        };
        let o = scheduled_order(
            &windows(&[(214, 300)]),
            (0.0, &law),
            conditional(),
            None,
            &legs(5.0),
        );
        assert_eq!((o.requests, o.wasted, o.not_modified), (3.0, 2.0, 1.0));
        assert!((o.delay_us - 65e3).abs() < 1e-6, "{o:?}");
        // The first poll refused: the next answered one sends no tag.
        let o = scheduled_order(
            &windows(&[(100, 150)]),
            (0.0, &law),
            conditional(),
            None,
            &legs(5.0),
        );
        assert_eq!((o.requests, o.wasted, o.not_modified), (3.0, 2.0, 1.0));
        let o = scheduled_order(
            &Partitions::default(),
            (0.0, &law),
            conditional(),
            None,
            &legs(5.0),
        );
        assert_eq!((o.requests, o.wasted, o.not_modified), (4.0, 3.0, 2.0));
    }

    #[test]
    fn a_backoff_poll_refused_waits_for_the_next_deadline() {
        // Deadlines 100, 200, 400, 800 ms after the creation answer (at
        // 5 ms), S = 250 ms: reads at 110, 210, 410. The window [200, 420)
        // refuses the polls due at 205 and 405; the one due at 805 reads at
        // 810, answered at 815: 2 requests, delay 565 ms.
        let s = fixed(250);
        let law = SettleLaw::Dist(&s);
        let mut due = [100_000u64, 200_000, 400_000, 800_000].into_iter();
        let o = scheduled_order(
            &windows(&[(200, 420)]),
            (0.0, &law),
            Deadlines::Schedule(&mut due),
            None,
            &legs(5.0),
        );
        assert_eq!((o.requests, o.wasted, o.not_modified), (2.0, 1.0, 0.0));
        assert!((o.delay_us - 565e3).abs() < 1e-6, "{o:?}");
        // A deadline 0.7 ms before the window [415, 500) ends (at 499.3
        // ms: 494.3 after the start): with a 0.5 ms mean lateness its poll
        // leaves at 499.8, inside the window (refused), and the next
        // deadline's (805.5) reads at 810.5, answered at 815.5: delay
        // 565.5 ms; on the paused clock's 1 ms tick it leaves at 500, the
        // window over: read at 505, answered at 510, delay 260 ms.
        let late = Legs {
            timer_late_us: 500.0,
            ..legs(5.0)
        };
        let run = |tick: Option<f64>| {
            let mut due = [494_300u64, 800_000].into_iter();
            scheduled_order(
                &windows(&[(415, 500)]),
                (0.0, &law),
                Deadlines::Schedule(&mut due),
                tick,
                &late,
            )
        };
        let (mean, tick) = (run(None), run(Some(1e3)));
        assert!((mean.delay_us - 565.5e3).abs() < 1e-6, "{mean:?}");
        assert!((tick.delay_us - 260e3).abs() < 1e-6, "{tick:?}");
    }

    #[test]
    fn a_long_poll_cut_in_its_hold_pauses_and_asks_again() {
        // Created at 0, 5 ms legs, holds of 1 s, S = 700 ms: the first
        // request reads at 10, held; the window [300, 400) cuts it at 300;
        // after a pause of 100 ms the next leaves at 400 (the window is
        // over), reads at 405, is held until 700 and answered at 705:
        // 1 request answered, delay 5 ms.
        let o = long_poll_order_through(&windows(&[(300, 400)]), 0.0, 700e3, 1e6, &legs(5.0));
        assert_eq!(o.0, 1.0);
        assert!((o.1 - 5e3).abs() < 1e-6, "{o:?}");
        // The window [300, 450): the try at 400 is refused, the pause
        // doubles to 200 ms, the try at 600 reads at 605 and the settlement
        // at 700 is answered at 705.
        let o = long_poll_order_through(&windows(&[(300, 450)]), 0.0, 700e3, 1e6, &legs(5.0));
        assert_eq!(o.0, 1.0);
        assert!((o.1 - 5e3).abs() < 1e-6, "{o:?}");
        // S = 420 ms in that window: learned from the hold read at 605,
        // answered at 610 (delay 190 ms).
        let o = long_poll_order_through(&windows(&[(300, 450)]), 0.0, 420e3, 1e6, &legs(5.0));
        assert_eq!(o.0, 1.0);
        assert!((o.1 - 190e3).abs() < 1e-6, "{o:?}");
        // Without a window: the plain replay.
        let o = long_poll_order_through(&Partitions::default(), 0.0, 2_500e3, 1e6, &legs(5.0));
        assert_eq!(o, long_poll_order(2_500e3, 1e6, &legs(5.0)));
    }
}
