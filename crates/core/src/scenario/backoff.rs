//! A backing-off poller's schedule, as data (`kind = "backoff_poll"`).
//!
//! A poller that backs off asks often while news is likely (just after the
//! payment was created) and rarely once it is not. Its schedule is either
//! geometric (`first_ms`, `factor`, `max_ms`, `jitter`: gaps `first`,
//! `first·factor`, `first·factor²`, … each capped at `max_ms`) or an
//! explicit list of instants a student writes down (`at_ms = [100, 300,
//! 1000]`, counted from the creation answer; after the last one the
//! poller keeps the last gap). Both the shop's poller and the model read
//! the instants from [`BackoffSchedule::deadlines`], so they can never
//! disagree about when a poll is due.
//!
//! Jitter moves each gap by up to `±jitter` of itself, drawn from a stream
//! seeded by the scenario's seed and the order's id: the same order gets
//! the same schedule in every run, and the model can replay it.

use crate::duration::Dur;
use crate::rng::SeededRng;
use serde::{Deserialize, Serialize};

/// How long a stream waits at most before it reconnects after a drop; also
/// the stream strategy's patience at the end of a run.
pub const STREAM_RECONNECT_MAX: Dur = Dur::from_secs(5);

/// When a backing-off poller's polls are due.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackoffSchedule {
    /// The first gap (from the creation answer to the first poll).
    pub first_ms: Dur,
    /// Each gap is the previous one times this (at least 1).
    pub factor: f64,
    /// No gap is longer than this.
    pub max_ms: Dur,
    /// Each gap moves by up to this share of itself, at random (seeded).
    pub jitter: f64,
    /// An explicit list of instants from the creation answer, ascending;
    /// when not empty it replaces the geometric schedule.
    pub at_ms: Vec<Dur>,
    /// The scenario's seed, for the jitter (set when the scenario loads).
    pub seed: u64,
}

/// 64-bit FNV-1a of a text: a stable per-order key for the jitter stream.
fn fnv(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The due instants of one order's polls, µs after the poller's start.
pub struct Deadlines<'a> {
    schedule: &'a BackoffSchedule,
    rng: Option<SeededRng>,
    /// Polls handed out so far.
    k: usize,
    /// The previous instant, µs.
    at_us: f64,
    /// The next un-jittered gap of the geometric schedule, µs.
    gap_us: f64,
}

impl Iterator for Deadlines<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        let s = self.schedule;
        let k = self.k;
        self.k += 1;
        if !s.at_ms.is_empty() {
            let next = match s.at_ms.get(k) {
                Some(at) => at.as_us() as f64,
                None => {
                    let n = s.at_ms.len();
                    let last = s.at_ms[n - 1].as_us() as f64;
                    let before = if n >= 2 {
                        s.at_ms[n - 2].as_us() as f64
                    } else {
                        0.0
                    };
                    // Keep the last gap (at least 1 ms, so time moves).
                    self.at_us + (last - before).max(1_000.0)
                }
            };
            self.at_us = next;
            return Some(next as u64);
        }
        let gap = self.gap_us.min(s.max_ms.as_us() as f64);
        self.gap_us = (self.gap_us * s.factor).min(s.max_ms.as_us() as f64);
        let moved = match &mut self.rng {
            Some(rng) => gap * (1.0 + s.jitter * (2.0 * rng.next_f64() - 1.0)),
            None => gap,
        };
        // Whole microseconds, at least 1 ms apart: the poller's timer.
        self.at_us += moved.round().max(1_000.0);
        Some(self.at_us as u64)
    }
}

impl BackoffSchedule {
    /// The due instants of `order`'s polls (µs after its poller starts).
    pub fn deadlines(&self, order: &str) -> Deadlines<'_> {
        let rng = (self.jitter > 0.0 && self.at_ms.is_empty())
            .then(|| SeededRng::stream(self.seed ^ fnv(order), "backoff"));
        Deadlines {
            schedule: self,
            rng,
            k: 0,
            at_us: 0.0,
            gap_us: self.first_ms.as_us() as f64,
        }
    }

    /// The longest gap between two polls (with jitter at its maximum).
    pub fn longest_gap(&self) -> Dur {
        if self.at_ms.is_empty() {
            let max = self.max_ms.max(self.first_ms).as_us() as f64;
            return Dur((max * (1.0 + self.jitter)) as u64);
        }
        let mut longest = Dur::ZERO;
        let mut previous = Dur::ZERO;
        for at in &self.at_ms {
            longest = longest.max(Dur(at.as_us().saturating_sub(previous.as_us())));
            previous = *at;
        }
        longest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometric(jitter: f64) -> BackoffSchedule {
        BackoffSchedule {
            first_ms: Dur::from_ms(100),
            factor: 2.0,
            max_ms: Dur::from_ms(1_000),
            jitter,
            at_ms: Vec::new(),
            seed: 7,
        }
    }

    #[test]
    fn geometric_gaps_double_up_to_the_cap() {
        let at: Vec<u64> = geometric(0.0).deadlines("ord_1").take(7).collect();
        // Gaps 100, 200, 400, 800, 1000, 1000, 1000 ms.
        assert_eq!(
            at,
            [100, 300, 700, 1_500, 2_500, 3_500, 4_500].map(|ms| ms * 1_000)
        );
        assert_eq!(geometric(0.0).longest_gap(), Dur::from_ms(1_000));
    }

    #[test]
    fn jitter_is_bounded_and_the_same_for_the_same_order() {
        let s = geometric(0.2);
        let a: Vec<u64> = s.deadlines("ord_1").take(20).collect();
        assert_eq!(a, s.deadlines("ord_1").take(20).collect::<Vec<_>>());
        assert_ne!(a, s.deadlines("ord_2").take(20).collect::<Vec<_>>());
        let plain: Vec<u64> = geometric(0.0).deadlines("ord_1").take(20).collect();
        let mut previous = (0u64, 0u64);
        for (j, p) in a.iter().zip(&plain) {
            let (gap, plain_gap) = (j - previous.0, p - previous.1);
            assert!(
                (gap as f64 - plain_gap as f64).abs() <= 0.2 * plain_gap as f64 + 1.0,
                "{gap} vs {plain_gap}"
            );
            previous = (*j, *p);
        }
    }

    #[test]
    fn an_explicit_list_keeps_its_last_gap() {
        let s = BackoffSchedule {
            at_ms: [100, 300, 1_000].map(Dur::from_ms).to_vec(),
            ..geometric(0.5)
        };
        let at: Vec<u64> = s.deadlines("ord_1").take(5).collect();
        assert_eq!(at, [100, 300, 1_000, 1_700, 2_400].map(|ms| ms * 1_000));
        assert_eq!(s.longest_gap(), Dur::from_ms(700));
    }
}
