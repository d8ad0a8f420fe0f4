//! Playing a finished run back from its `summary.json`.
//!
//! Every summary keeps, per strategy, a compact [`Timeline`]: requests per
//! time bucket by kind, and each order's placed / settled / known instants
//! (for a run with more orders than the summary's bound, those of an evenly
//! spread sample of them: the lane then shows the sample, and says so, while
//! its counters, folded from the buckets, still count every order).
//! A replay walks a clock over it at a chosen speed (60 turns a simulated
//! hour into a minute; from [`MIN_SPEED`] to [`MAX_SPEED`]), and each tick shows what had happened by then: the
//! buckets that started, the orders placed, settled and learned. So a
//! day-long virtual scenario plays in class in minutes, and a real run can be
//! slowed down to be watched.
//!
//! A replay can also seek ([`Replay::seek`]): forwards it shows what happened
//! up to the new instant, backwards it starts the board over and replays up
//! to it, so what the page shows at an instant never depends on how the
//! replay got there.
//!
//! The replay's end is exact, not approximate: when its clock reaches the end
//! of the run, every counter becomes the summary's own number and the final
//! table is rendered from the summary.

use crate::board::{Board, Counters, Lane, Mode, OrderLife, Phase};

/// The slowest a replay goes: a second of the run in 100 s. Slower, a tick
/// of the page (200 ms) moves the run's clock by less than 2 ms, far below
/// any timeline's bucket, and nothing on the page would be seen to move
/// (at `1e-300` the replay never ends).
pub const MIN_SPEED: f64 = 0.01;

/// The fastest a replay goes: a simulated day in under a second, a month
/// in 26 s, each tick of the page 5.6 simulated hours. Faster, a tick
/// jumps past most runs whole, which seeking (`at_ms`) does better.
pub const MAX_SPEED: f64 = 100_000.0;

/// Whether `speed` (run time per wall-clock time) is one a replay takes:
/// from [`MIN_SPEED`] to [`MAX_SPEED`] (not NaN, not infinite).
pub fn speed_in_range(speed: f64) -> bool {
    (MIN_SPEED..=MAX_SPEED).contains(&speed)
}
use hooklab_core::lang::Lang;
use hooklab_core::report::{Summary, Timeline};
use hooklab_report::render;

/// A replay in progress: the summary, and how far its buckets were shown.
#[derive(Clone, Debug)]
pub struct Replay {
    summary: Summary,
    lang: Lang,
    /// Per lane, how many of its timeline buckets were folded in.
    shown_buckets: Vec<usize>,
}

impl Replay {
    /// A replay of `summary` at `speed`, and the board it draws on.
    pub fn new(summary: Summary, speed: f64, lang: Lang) -> (Self, Board) {
        let lanes = summary
            .strategies
            .iter()
            .map(|s| {
                let t = &s.timeline;
                // Old summaries have no timeline: one bucket as wide as the run.
                let bucket_ms = if t.bucket_ms > 0.0 { t.bucket_ms } else { 1.0 };
                // A large run's timeline keeps a sample of its orders: the
                // lane shows those (the counters still count every order).
                let orders = if t.is_sampled() {
                    t.orders.len()
                } else {
                    s.orders as usize
                };
                let mut lane = Lane::new(&s.name, &s.kind.to_string(), orders, bucket_ms);
                lane.of_orders = s.orders;
                lane.order_stride = t.order_stride.max(1);
                lane
            })
            .collect();
        let mut board = Board::new(Mode::Replay, lanes);
        board.speed = speed;
        board.end_ms = end_of(&summary);
        let replay = Replay {
            shown_buckets: vec![0; summary.strategies.len()],
            summary,
            lang,
        };
        (replay, board)
    }

    /// The summary being replayed.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Moves the replay's clock on by `real_ms` of wall time (times the
    /// board's speed), unless paused, and shows what happened meanwhile.
    pub fn advance(&mut self, real_ms: f64, board: &mut Board) {
        if board.paused || board.phase != Phase::Running {
            return;
        }
        board.now_ms = (board.now_ms + real_ms * board.speed).min(board.end_ms);
        self.show(board);
    }

    /// Moves the replay's clock to `at_ms` on the run's clock (0 if it is
    /// not a number, the end if past it), paused or not. Backwards, the board
    /// starts over and is replayed up to `at_ms`: it then shows exactly what
    /// a replay played from 0 to `at_ms` shows, and a finished replay runs
    /// again. At the end, the replay finishes as if it had played there.
    pub fn seek(&mut self, at_ms: f64, board: &mut Board) {
        let at = at_ms.max(0.0).min(board.end_ms);
        if board.phase == Phase::Finished && at >= board.end_ms {
            return;
        }
        if at < board.now_ms || board.phase == Phase::Finished {
            board.rewind();
            self.shown_buckets.fill(0);
        }
        board.now_ms = at;
        board.touch();
        self.show(board);
    }

    /// Shows what had happened by the board's clock, and finishes the
    /// replay if that is the end.
    fn show(&mut self, board: &mut Board) {
        let now = board.now_ms;
        for (i, s) in self.summary.strategies.iter().enumerate() {
            let Some(lane) = board.lanes.get_mut(i) else {
                continue;
            };
            show_orders(&s.timeline, now, lane);
            self.shown_buckets[i] = show_buckets(&s.timeline, now, self.shown_buckets[i], lane);
        }
        if now >= board.end_ms {
            self.finish(board);
        }
    }

    /// Ends the replay: everything shown, the summary's numbers, the table.
    pub fn finish(&mut self, board: &mut Board) {
        for (i, s) in self.summary.strategies.iter().enumerate() {
            let Some(lane) = board.lanes.get_mut(i) else {
                continue;
            };
            show_orders(&s.timeline, f64::INFINITY, lane);
            self.shown_buckets[i] =
                show_buckets(&s.timeline, f64::INFINITY, self.shown_buckets[i], lane);
            board.finish_lane(i, s);
        }
        board.now_ms = board.end_ms;
        board.finish(render::table(&self.summary, self.lang));
    }
}

/// Where a replay ends: the longest strategy's run, or its last order's last
/// instant if later.
fn end_of(summary: &Summary) -> f64 {
    summary
        .strategies
        .iter()
        .flat_map(|s| {
            let last = s
                .timeline
                .orders
                .iter()
                .flat_map(|o| o.iter().copied())
                .fold(0.0, f64::max);
            [s.run_ms, last]
        })
        .fold(0.0, f64::max)
}

/// Shows every order's life as it stood at `now`.
fn show_orders(t: &Timeline, now: f64, lane: &mut Lane) {
    let via: Vec<char> = t.via.chars().collect();
    for (k, [placed, settled, known]) in t.orders.iter().copied().enumerate() {
        let by = |at: f64| if at >= 0.0 && at <= now { at } else { -1.0 };
        let known_ms = by(known);
        lane.set_order(
            k,
            OrderLife {
                placed_ms: by(placed),
                settled_ms: by(settled),
                known_ms,
                via: if known_ms >= 0.0 {
                    via.get(k).copied().unwrap_or('-')
                } else {
                    '-'
                },
            },
        );
    }
}

/// Folds in the buckets from `from` that started by `now`; returns how many
/// buckets are now shown.
fn show_buckets(t: &Timeline, now: f64, from: usize, lane: &mut Lane) -> usize {
    let mut b = from;
    while b < t.polls.len() && (b as f64) * t.bucket_ms <= now {
        let at = |v: &[u32]| u64::from(v.get(b).copied().unwrap_or(0));
        let c: &mut Counters = &mut lane.counters;
        c.polls += at(&t.polls);
        c.wasted += at(&t.polls_wasted);
        c.deliveries += at(&t.deliveries);
        c.retries += at(&t.retries);
        c.failed += at(&t.failed_deliveries);
        c.rejected += at(&t.rejected);
        c.rate_limited += at(&t.rate_limited);
        c.known += at(&t.known);
        let requests = at(&t.polls) + at(&t.deliveries) + at(&t.rate_limited);
        lane.add_rate(b, u32::try_from(requests).unwrap_or(u32::MAX));
        b += 1;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_speed_is_taken_from_the_minimum_to_the_maximum_only() {
        for speed in [MIN_SPEED, 1.0, 60.0, 36_000.0, MAX_SPEED] {
            assert!(speed_in_range(speed), "{speed}");
        }
        for speed in [
            0.0,
            -0.0,
            -60.0,
            1e-300,
            0.009_999,
            100_000.001,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            assert!(!speed_in_range(speed), "{speed}");
        }
    }
}
