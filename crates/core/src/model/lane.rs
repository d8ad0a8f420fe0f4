//! The dispatcher's lane when every attempt times out: how many attempts a
//! run really sends.
//!
//! The chain model ([`super::faults::chain`]) follows one event's attempts
//! as if nothing else were sent and the run went on until the last one. Two
//! things of the real platform and harness break that when the receiver is
//! slower than the delivery timeout, so that every attempt fails only when
//! the timeout runs out:
//!
//! - the dispatcher sends at most [`DISPATCH_WORKERS`] attempts to one
//!   endpoint at once (`MAX_IN_FLIGHT_PER_ENDPOINT` in
//!   `crates/platform/src/dispatch.rs`; a harness test checks they agree),
//!   and an attempt that times out holds its worker for the whole timeout:
//!   the lane then sends `DISPATCH_WORKERS / timeout` attempts a second,
//!   and the rest wait in its queue;
//! - the run stops once every order is known (a hybrid's polls learn them
//!   all) or at its deadline: an attempt still queued or not yet due then is
//!   never sent.
//!
//! With 300 hybrid orders 100 ms apart, a receiver taking 20 s and the
//! default 15 s timeout, the chain model counted 8 attempts an order (9.28
//! requests per order) where the run sent 135 attempts in all (1.76): 64
//! workers held 15 s each over a 31.7 s run. [`lane_attempts`] follows the
//! lane instead: attempts in the order they fall due, each taken by the
//! first free worker, each failure coming back one timeout after it left,
//! the next attempt due one schedule delay later (the jitter's mean: none),
//! and none leaving at or after the run's end.
//!
//! Outside that regime an attempt holds its worker for a round trip (well
//! under a millisecond on loopback), the lane never fills, and the chain
//! model stands.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Attempts the platform's dispatcher sends to one endpoint at once (its
/// `MAX_IN_FLIGHT_PER_ENDPOINT`).
pub const DISPATCH_WORKERS: usize = 64;

/// An instant as a heap key (µs, finite).
#[derive(Clone, Copy, Debug, PartialEq)]
struct At(f64);

impl Eq for At {}

impl PartialOrd for At {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for At {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// How many attempts one endpoint's lane sends before `until_us` when every
/// attempt times out: `first_due_us`, each event's first attempt's due
/// instant; `schedule_us`, the delay before each attempt (the first's is
/// already in `first_due_us`); `timeout_us`, how long each failing attempt
/// holds its worker; `workers`, the lane's cap.
pub fn lane_attempts(
    first_due_us: &[f64],
    schedule_us: &[f64],
    timeout_us: f64,
    workers: usize,
    until_us: f64,
) -> u64 {
    // (due, attempt index) of the attempts due, earliest first: the lane's
    // queue is in the order attempts fall due.
    let mut due: BinaryHeap<Reverse<(At, usize)>> = first_due_us
        .iter()
        .filter(|t| t.is_finite())
        .map(|&t| Reverse((At(t), 0)))
        .collect();
    // When each worker is free again.
    let mut free: BinaryHeap<Reverse<At>> = (0..workers.max(1)).map(|_| Reverse(At(0.0))).collect();
    let mut sent = 0;
    while let Some(Reverse((At(at), index))) = due.pop() {
        let Some(Reverse(At(worker))) = free.pop() else {
            break;
        };
        let leaves = at.max(worker);
        if leaves >= until_us {
            // Every attempt still queued leaves later still.
            break;
        }
        sent += 1;
        let back = leaves + timeout_us;
        free.push(Reverse(At(back)));
        if let Some(delay) = schedule_us.get(index + 1) {
            due.push(Reverse((At(back + delay), index + 1)));
        }
    }
    sent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_lane_sends_every_attempt_of_the_schedule() {
        // Two events, three attempts each, 1 s timeouts: all six leave
        // (the last at 0 + 1 + 1 + 1 + 2 = 5 s) before a 10 s end.
        let sent = lane_attempts(&[0.0, 1.0], &[0.0, 1e6, 2e6], 1e6, 64, 10e6);
        assert_eq!(sent, 6);
        // A run that ends at 2.5 s sees the first two of each: the second
        // leaves at 2 s, the third would at 5 s.
        assert_eq!(
            lane_attempts(&[0.0, 1.0], &[0.0, 1e6, 2e6], 1e6, 64, 2.5e6),
            4
        );
    }

    #[test]
    fn a_full_lane_sends_workers_per_timeout() {
        // 300 events due at once, one attempt each, 2 workers, 1 s timeouts,
        // a 10.5 s run: two attempts leave each second, at 0, 1, ..., 10 s.
        let firsts = vec![0.0; 300];
        assert_eq!(lane_attempts(&firsts, &[0.0], 1e6, 2, 10.5e6), 22);
        // The committed-run case by hand: 64 workers, 15 s timeouts, a run
        // 31.7 s long with every event due by then: 64 · ⌈31.7 / 15⌉ = 192
        // attempts at most, here 64 at 0, 64 at 15, 64 at 30 s.
        let firsts = vec![0.0; 300];
        let schedule = [0.0, 5e6, 300e6];
        assert_eq!(lane_attempts(&firsts, &schedule, 15e6, 64, 31.7e6), 192);
    }
}
