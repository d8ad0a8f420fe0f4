//! Polling one payment every T behind the platform's rate limit: the token
//! bucket replayed over the orders.
//!
//! With `[platform] rate_limit_per_s = r`, the platform gives each
//! merchant's API key a token bucket (`crates/platform/src/merchants.rs`):
//! it holds at most `max(r, 1)` tokens, starts full (r tokens) at the key's
//! first request, refills at r tokens a second, and every request it lets
//! in takes one token. A request that finds less than one token is refused
//! `429` with `Retry-After: ⌈(1 − tokens)/r⌉` seconds (at least 1), and
//! takes none. The shop honours it (`crates/shop/src/poll.rs`,
//! `crates/shop/src/lib.rs`):
//!
//! - a refused *poll* moves the poller's next deadline to
//!   `max(next deadline, answer + Retry-After)`, and the deadlines then go
//!   on every T from there;
//! - a refused *payment creation* is tried again `Retry-After` after its
//!   answer, five tries in all; after the fifth refusal the order is lost
//!   (the shop never gets a payment to poll).
//!
//! Which request gets a token depends on every other request of the same
//! key, so there is no per-order sum as in [`super::poll`]. The model
//! replays the bucket instead: every creation and every poll of every
//! order, in the order they reach the platform, each leg and timer
//! lateness as in [`super::poll::PollSchedule`],
//! the bucket refilled and spent with the platform's own arithmetic (the
//! same floating-point steps at the same instants, so a request that finds
//! exactly one token is let in here too). It counts the polls answered
//! (what `requests_per_order` counts), those that found the payment
//! pending, the 429s (creations' and polls'), and each learned order's
//! delay from its settlement (the platform's creation instant plus S) to
//! the shop's record. No request leaves at or after the run's end.
//!
//! In virtual time every instant is a whole millisecond, so requests often
//! reach the platform together and the one token goes to the first. The
//! replay orders them as tokio runs the tasks: timers due together fire in
//! the order they were armed (a poller arms its next timer when its answer
//! arrives); a new poller, a task spawned when its creation's answer
//! arrives, arms its first timer after every poller answered at that
//! instant armed theirs; and an order's first creation try, from a task
//! the order driver spawns at its arrival, comes after every request whose
//! timer fired at that instant. Fed a virtual run's own placements, the
//! replay then counts every poll and 429 of the run, millisecond by
//! millisecond (`crates/harness/tests/harness/rate_limit.rs`).
//!
//! A bucket that never runs dry refuses nothing, and the replay is then the
//! plain poller of [`super::poll`]: the forecast uses that model's sums
//! (exact over S's law) whenever the replay saw no 429.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::partition::{CREATION_BACKOFF_US, Partitions};
use super::poll::Legs;

/// Tries of one payment creation before the shop gives the order up (its
/// `create_with_retries`).
pub const CREATE_TRIES: u32 = 5;

/// The longest `Retry-After` the shop honours, s.
const RETRY_AFTER_CAP_S: u64 = 3_600;

/// One order, as the replay needs it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placed {
    /// The merchant (its API key has its own bucket).
    pub merchant: u32,
    /// When the shop sent the payment creation, µs from the run's origin.
    pub placed_us: f64,
    /// How long after its creation the platform settles it, µs.
    pub settle_after_us: u64,
}

/// The platform's bucket, as `Merchants::admit` keeps it.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated_us: u64,
}

/// The buckets of every key, with the platform's arithmetic.
#[derive(Debug)]
struct Buckets {
    rate_per_s: f64,
    by_merchant: HashMap<u32, Bucket>,
}

impl Buckets {
    /// Lets a request of `merchant` at `now_us` in (`None`), or refuses it
    /// with the `Retry-After` it carries, s.
    fn admit(&mut self, merchant: u32, now_us: u64) -> Option<u64> {
        let rate = self.rate_per_s;
        let bucket = self.by_merchant.entry(merchant).or_insert(Bucket {
            tokens: rate,
            updated_us: now_us,
        });
        let elapsed_s = now_us.saturating_sub(bucket.updated_us) as f64 / 1e6;
        bucket.tokens = (bucket.tokens + elapsed_s * rate).min(rate.max(1.0));
        bucket.updated_us = now_us;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            None
        } else {
            let wait_s = (1.0 - bucket.tokens) / rate;
            Some(wait_s.ceil().max(1.0) as u64)
        }
    }
}

/// What the replay counted, in all (not per order).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RateLimitedCosts {
    /// Orders replayed.
    pub orders: u64,
    /// Polls the platform answered (let in by the bucket).
    pub polls: u64,
    /// Of those, the ones that found the payment pending.
    pub wasted: u64,
    /// Requests refused with 429: creations' and polls'.
    pub rate_limited: u64,
    /// Of those, the polls'.
    pub polls_refused: u64,
    /// Orders whose creation was refused [`CREATE_TRIES`] times.
    pub creations_failed: u64,
    /// Orders the shop learned before the run's end.
    pub learned: u64,
    /// The sum of the learned orders' delays (settlement to record), µs.
    pub delay_sum_us: f64,
}

impl RateLimitedCosts {
    /// The mean delay of the learned orders, µs.
    pub fn delay_mean_us(&self) -> f64 {
        self.delay_sum_us / self.learned.max(1) as f64
    }

    /// Adds another replay's counts (the paper model sums several).
    pub fn add(&mut self, other: &RateLimitedCosts) {
        self.orders += other.orders;
        self.polls += other.polls;
        self.wasted += other.wasted;
        self.rate_limited += other.rate_limited;
        self.polls_refused += other.polls_refused;
        self.creations_failed += other.creations_failed;
        self.learned += other.learned;
        self.delay_sum_us += other.delay_sum_us;
    }
}

/// A request on its way to the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Request {
    /// Try `try_no` (1-based) of order `order`'s payment creation.
    Create { order: usize, try_no: u32 },
    /// A status poll of order `order`.
    Poll { order: usize },
}

/// An instant as a heap key (µs, finite), then the order requests were sent
/// in (the tie-break among requests that reach the platform together).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Arrival {
    at_us: f64,
    sent: u64,
    request: Request,
    /// Whether a partition window refused the request: `at_us` is then
    /// the instant its failure is back at the shop, and it never reached
    /// the bucket.
    refused: bool,
}

impl Arrival {
    /// Whether the request comes from a task spawned at its instant: the
    /// order driver wakes at an arrival and spawns the checkout, which
    /// runs after every task the same instant's timers woke (the pollers,
    /// and the checkouts waiting out a `Retry-After`), so its first try
    /// reaches the platform after theirs.
    fn spawned(&self) -> bool {
        matches!(self.request, Request::Create { try_no: 1, .. })
    }
}

impl Eq for Arrival {}

impl PartialOrd for Arrival {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Arrival {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.at_us
            .total_cmp(&other.at_us)
            .then(self.spawned().cmp(&other.spawned()))
            .then(self.sent.cmp(&other.sent))
    }
}

/// Per order: when its payment was created and when the poller's next
/// deadline is.
#[derive(Clone, Copy, Debug, Default)]
struct State {
    created_us: f64,
    next_due_us: f64,
}

/// The replay's queue of requests on their way.
struct Queue {
    heap: BinaryHeap<Reverse<Arrival>>,
    sent: u64,
    until_us: f64,
    request_us: f64,
    /// First polls of pollers started at the current instant, sent once
    /// every other request of the instant has been handled.
    deferred: Vec<(f64, Request)>,
    /// The `[network]` partition windows, on the replay's clock.
    windows: Partitions,
}

impl Queue {
    /// Sends `request` at `send_us` (it reaches the platform one request
    /// leg later), unless the run has ended by then. A request a window
    /// refuses (it leaves inside one, or would arrive inside one) comes
    /// back as a failure instead, when the shop learns it
    /// ([`Partitions::refusal`]).
    fn send(&mut self, send_us: f64, request: Request) {
        if send_us >= self.until_us {
            return;
        }
        self.sent += 1;
        let (at_us, refused) = match self.windows.refusal(send_us, self.request_us) {
            Some(back) => (back, true),
            None => (send_us + self.request_us, false),
        };
        self.heap.push(Reverse(Arrival {
            at_us,
            sent: self.sent,
            request,
            refused,
        }));
    }

    /// Sends `request` at `send_us`, but numbered after every request sent
    /// at the current instant: a new poller is a task spawned when its
    /// creation's answer arrives, so it arms its first timer after the
    /// pollers answered at the same instant armed theirs, and the timer
    /// wheel fires timers due together in the order they were armed.
    fn defer(&mut self, send_us: f64, request: Request) {
        self.deferred.push((send_us, request));
    }

    /// The next request to reach the platform, sending the deferred ones
    /// first once no other request is left at the current instant.
    fn next(&mut self, current_us: f64) -> Option<Arrival> {
        if self
            .heap
            .peek()
            .is_none_or(|Reverse(a)| a.at_us > current_us)
        {
            for (send_us, request) in std::mem::take(&mut self.deferred) {
                self.send(send_us, request);
            }
        }
        self.heap.pop().map(|Reverse(a)| a)
    }
}

/// When a timer due at `due_us`, armed when an answer came back at
/// `answer_us`, lets its request go: at once if already due (no lateness on
/// top), else when due plus the timer's lateness.
fn fires(due_us: f64, answer_us: f64, legs: &Legs) -> f64 {
    if due_us > answer_us {
        due_us + legs.timer_late_us
    } else {
        answer_us
    }
}

/// Replays `orders` polled every `interval_us` behind a bucket of
/// `rate_per_s` per merchant, with `legs`, until `until_us` (the run's end)
/// or until every order is learned or lost.
pub fn replay(
    orders: &[Placed],
    interval_us: f64,
    rate_per_s: f64,
    legs: &Legs,
    until_us: f64,
) -> RateLimitedCosts {
    replay_through(
        orders,
        interval_us,
        rate_per_s,
        legs,
        until_us,
        &Partitions::default(),
    )
}

/// [`replay`] through the partition windows `windows` (on the replay's
/// clock): a request a window refuses never reaches the bucket and takes
/// no token. Its failure comes back at once if it left inside a window,
/// when it would have arrived if it would arrive inside one; then a
/// creation is tried again after the shop's backoff (100 ms, doubling
/// after every failed try, a 429's included: `create_with_retries`), the
/// five tries shared with the 429s, and a poll is not counted and the
/// schedule goes on (the next deadline, or at once if it passed while the
/// failure came back), as [`super::partition::poll_order`] replays it.
/// The order requests reach the bucket in is the one [`replay`] keeps; a
/// failure re-arms its poller's timer when it is back, as an answer does.
pub fn replay_through(
    orders: &[Placed],
    interval_us: f64,
    rate_per_s: f64,
    legs: &Legs,
    until_us: f64,
    windows: &Partitions,
) -> RateLimitedCosts {
    let mut costs = RateLimitedCosts {
        orders: orders.len() as u64,
        ..RateLimitedCosts::default()
    };
    if interval_us <= 0.0 || !rate_per_s.is_finite() || rate_per_s <= 0.0 {
        return costs;
    }
    let mut buckets = Buckets {
        rate_per_s,
        by_merchant: HashMap::new(),
    };
    let mut state = vec![State::default(); orders.len()];
    let mut queue = Queue {
        heap: BinaryHeap::new(),
        sent: 0,
        until_us,
        request_us: legs.request_us,
        deferred: Vec::new(),
        windows: windows.clone(),
    };
    // The orders are placed in arrival order (the driver's loop).
    let mut by_placement: Vec<usize> = (0..orders.len()).collect();
    by_placement.sort_by(|&a, &b| orders[a].placed_us.total_cmp(&orders[b].placed_us));
    for k in by_placement {
        queue.send(
            orders[k].placed_us,
            Request::Create {
                order: k,
                try_no: 1,
            },
        );
    }
    let mut current_us = f64::NEG_INFINITY;
    while let Some(arrival) = queue.next(current_us) {
        let at = arrival.at_us;
        current_us = at;
        // The platform's clock counts whole µs.
        let now_us = at.max(0.0).floor() as u64;
        if arrival.refused {
            // `at` is when the failure is back at the shop.
            match arrival.request {
                Request::Create { order, try_no } => {
                    if try_no >= CREATE_TRIES {
                        costs.creations_failed += 1;
                        continue;
                    }
                    let backoff = CREATION_BACKOFF_US * f64::from(1u32 << (try_no - 1).min(30));
                    queue.send(
                        fires(at + backoff, at, legs),
                        Request::Create {
                            order,
                            try_no: try_no + 1,
                        },
                    );
                }
                Request::Poll { order } => {
                    let s = &mut state[order];
                    let due = s.next_due_us;
                    s.next_due_us = due + interval_us;
                    queue.send(fires(due, at, legs), Request::Poll { order });
                }
            }
            continue;
        }
        let answer = at + legs.response_us;
        match arrival.request {
            Request::Create { order, try_no } => {
                let o = &orders[order];
                match buckets.admit(o.merchant, now_us) {
                    None => {
                        // The poller's clock starts when the answer arrives;
                        // its first deadline is one interval later.
                        state[order].created_us = now_us as f64;
                        let due = answer + interval_us;
                        state[order].next_due_us = due + interval_us;
                        queue.defer(fires(due, answer, legs), Request::Poll { order });
                    }
                    Some(wait_s) => {
                        costs.rate_limited += 1;
                        if try_no >= CREATE_TRIES {
                            costs.creations_failed += 1;
                            continue;
                        }
                        let due = answer + (wait_s.min(RETRY_AFTER_CAP_S) * 1_000_000) as f64;
                        queue.send(
                            fires(due, answer, legs),
                            Request::Create {
                                order,
                                try_no: try_no + 1,
                            },
                        );
                    }
                }
            }
            Request::Poll { order } => {
                let o = &orders[order];
                let s = &mut state[order];
                match buckets.admit(o.merchant, now_us) {
                    None => {
                        costs.polls += 1;
                        let settled = s.created_us + o.settle_after_us as f64;
                        if at >= settled {
                            costs.learned += 1;
                            costs.delay_sum_us += answer - settled;
                            continue;
                        }
                        costs.wasted += 1;
                    }
                    Some(wait_s) => {
                        costs.rate_limited += 1;
                        costs.polls_refused += 1;
                        let wait_us = (wait_s.min(RETRY_AFTER_CAP_S) * 1_000_000) as f64;
                        s.next_due_us = s.next_due_us.max(answer + wait_us);
                    }
                }
                let due = s.next_due_us;
                s.next_due_us = due + interval_us;
                queue.send(fires(due, answer, legs), Request::Poll { order });
            }
        }
    }
    costs
}

/// The mean request leg of the creations let in at their first try, µs:
/// `created − placed` for each order whose payment was created, where that
/// is shorter than the shortest `Retry-After` (1 s). A creation refused
/// first waits at least that long, so its `created − placed` is a wait, not
/// a leg. `placed_us` and `created_us` by order (NaN: not created).
pub fn first_try_request_leg_us(placed_us: &[f64], created_us: &[f64]) -> Option<f64> {
    first_try_request_leg_through(placed_us, created_us, &Partitions::default())
}

/// [`first_try_request_leg_us`] under the partition windows `windows` (on
/// the same clock): a creation a window refused first waits at least
/// [`CREATION_BACKOFF_US`] (100 ms) before its next try, far less than a
/// `Retry-After`, so a first estimate keeps the differences under that
/// wait, and the mean is then taken over the orders whose first try that
/// leg carries clear of every window (and under the shortest
/// `Retry-After`). Without windows, [`first_try_request_leg_us`]'s.
pub fn first_try_request_leg_through(
    placed_us: &[f64],
    created_us: &[f64],
    windows: &Partitions,
) -> Option<f64> {
    let mean = |keep: &dyn Fn(f64, f64) -> bool| {
        let legs: Vec<f64> = placed_us
            .iter()
            .zip(created_us)
            .map(|(&p, &c)| (p, c - p))
            .filter(|&(p, d)| d.is_finite() && (0.0..1e6).contains(&d) && keep(p, d))
            .map(|(_, d)| d)
            .collect();
        (!legs.is_empty()).then(|| legs.iter().sum::<f64>() / legs.len() as f64)
    };
    if windows.is_empty() {
        return mean(&|_, _| true);
    }
    let guess = mean(&|_, d| d < CREATION_BACKOFF_US).or_else(|| mean(&|_, _| true))?;
    mean(&|placed, _| windows.refusal(placed, guess).is_none()).or(Some(guess))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(n: usize, every_us: f64, settle_after_us: u64) -> Vec<Placed> {
        (0..n)
            .map(|k| Placed {
                merchant: 0,
                placed_us: k as f64 * every_us,
                settle_after_us,
            })
            .collect()
    }

    #[test]
    fn the_bucket_lets_in_what_the_platform_lets_in() {
        // The platform's own test: 2 a second, two at once pass, the third
        // waits 1 s; half a second later one token is back.
        let mut b = Buckets {
            rate_per_s: 2.0,
            by_merchant: HashMap::new(),
        };
        assert_eq!(b.admit(0, 0), None);
        assert_eq!(b.admit(0, 0), None);
        assert_eq!(b.admit(0, 0), Some(1));
        assert_eq!(b.admit(1, 0), None);
        assert_eq!(b.admit(0, 500_000), None);
        // A slow bucket asks for more than a second.
        let mut slow = Buckets {
            rate_per_s: 0.25,
            by_merchant: HashMap::new(),
        };
        assert_eq!(slow.admit(0, 0), Some(3));
    }

    #[test]
    fn a_bucket_that_never_empties_is_the_plain_poller() {
        // S = 450 ms, T = 200 ms, no network: polls at 200, 400, 600 ms.
        let c = replay(
            &placed(10, 50_000.0, 450_000),
            200e3,
            1_000.0,
            &Legs::default(),
            1e9,
        );
        assert_eq!(
            (c.polls, c.wasted, c.rate_limited, c.learned),
            (30, 20, 0, 10)
        );
        assert!((c.delay_mean_us() - 150e3).abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn a_refused_poll_waits_out_retry_after_by_hand() {
        // One order, 1 token a second: the creation at 0 takes the only token (the bucket starts with r = 1).
        // The first poll at 100 ms finds 0.1 token: 429, Retry-After
        // ⌈0.9⌉ = 1 s, so the next deadline is 1.1 s; the bucket is full
        // (1 token) again there: let in, and S = 500 ms has passed: learned 600 ms late, one poll
        // answered, one refused.
        let c = replay(&placed(1, 0.0, 500_000), 100e3, 1.0, &Legs::default(), 1e9);
        assert_eq!(
            (c.polls, c.wasted, c.rate_limited, c.polls_refused),
            (1, 0, 1, 1)
        );
        assert!((c.delay_mean_us() - 600e3).abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn a_creation_refused_five_times_loses_the_order() {
        // Rate 1/s, S = 10 s, T = 1 s; order 1 placed at 0 takes the only
        // token, order 2 placed at 0.5 s finds half a token: refused,
        // Retry-After ⌈0.5⌉ = 1 s. Order 1 polls at 1, 2, … s, each time
        // taking the token that came back; order 2 tries again at 1.5,
        // 2.5, 3.5 and 4.5 s, each time finding half a token: five
        // refusals, lost.
        let orders = [0.0, 500e3].map(|placed_us| Placed {
            merchant: 0,
            placed_us,
            settle_after_us: 10_000_000,
        });
        let c = replay(&orders, 1e6, 1.0, &Legs::default(), 30e6);
        assert_eq!((c.creations_failed, c.rate_limited), (1, 5), "{c:?}");
        // Order 1: polls at 1 … 10 s, the tenth at its settlement.
        assert_eq!((c.polls, c.wasted, c.learned), (10, 9, 1), "{c:?}");
        assert_eq!(c.delay_sum_us, 0.0);
    }

    /// Orders of one merchant: (placed, S), µs.
    fn orders(list: &[(f64, u64)]) -> Vec<Placed> {
        list.iter()
            .map(|&(placed_us, settle_after_us)| Placed {
                merchant: 0,
                placed_us,
                settle_after_us,
            })
            .collect()
    }

    #[test]
    fn a_poll_refused_by_a_window_takes_no_token() {
        // Rate 1/s, one order placed at 0 (S = 500 ms, T = 100 ms, no
        // network): the creation takes the only token. The window
        // [50, 250) ms refuses the polls due at 100 and 200 ms as they
        // leave: uncounted, no token. The one at 300 finds 0.3 token: 429,
        // Retry-After ⌈0.7⌉ = 1 s, so the next goes at 1.3 s, finds the
        // bucket full and learns the order 800 ms after its settlement.
        // Without the window the 429 came at 100 ms and the order was
        // learned at 1.1 s.
        let one = placed(1, 0.0, 500_000);
        let p = crate::model::partition::tests::windows(&[(50, 250)]);
        let c = replay_through(&one, 100e3, 1.0, &Legs::default(), 1e9, &p);
        assert_eq!(
            (
                c.polls,
                c.wasted,
                c.rate_limited,
                c.polls_refused,
                c.learned
            ),
            (1, 0, 1, 1, 1),
            "{c:?}"
        );
        assert!((c.delay_mean_us() - 800e3).abs() < 1e-9, "{c:?}");
        let c = replay(&one, 100e3, 1.0, &Legs::default(), 1e9);
        assert!((c.delay_mean_us() - 600e3).abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn a_creation_refused_by_a_window_waits_the_shops_backoff() {
        // Placed at 0 in [0, 250) ms: tries at 0 and 100 ms refused (the
        // backoff 100, then 200 ms), the one at 300 ms creates it; its
        // first poll at 400 ms learns it (S = 50 ms) 50 ms late.
        let one = placed(1, 0.0, 50_000);
        let p = crate::model::partition::tests::windows(&[(0, 250)]);
        let c = replay_through(&one, 100e3, 10.0, &Legs::default(), 1e9, &p);
        assert_eq!((c.polls, c.rate_limited, c.learned), (1, 0, 1), "{c:?}");
        assert!((c.delay_mean_us() - 50e3).abs() < 1e-9, "{c:?}");
        // Five tries in a window ten seconds long: lost.
        let p = crate::model::partition::tests::windows(&[(0, 10_000)]);
        let c = replay_through(&one, 100e3, 10.0, &Legs::default(), 1e9, &p);
        assert_eq!((c.creations_failed, c.rate_limited, c.learned), (1, 0, 0));
    }

    #[test]
    fn a_poll_due_at_an_arrival_goes_before_its_checkout() {
        // Rate 1/s, T = 1 s, S = 1 s. Order 1 (placed at 0) takes the
        // token; at 1 s its poll and order 2's checkout come together with
        // one token back: the poll (a timer) goes first and learns order
        // 1 at once; the checkout (spawned at its arrival) is refused and
        // tried again at 2 s, its poll at 3 s learns order 2 at once.
        let c = replay(
            &orders(&[(0.0, 1_000_000), (1e6, 1_000_000)]),
            1e6,
            1.0,
            &Legs::default(),
            30e6,
        );
        assert_eq!(
            (c.polls, c.wasted, c.rate_limited, c.learned),
            (2, 0, 1, 2),
            "{c:?}"
        );
        assert_eq!(c.delay_sum_us, 0.0, "{c:?}");
    }

    #[test]
    fn a_new_poller_arms_its_timer_after_the_pollers_of_its_instant() {
        // Rate 2/s (2 tokens at most), T = 1 s. Y placed at 0 (S = 2 s),
        // X at 1 s (S = 0.5 s), Z at 1.5 s (S = 10 s). At 1 s Y's poll and
        // X's creation take the two tokens; at 1.5 s Z's creation the one
        // back. At 2 s one token is back, and Y's and X's polls are both
        // due: Y's poller armed its timer when its answer came at 1 s, X's
        // new poller after it, so Y's goes first (and learns Y); X's is
        // refused (Retry-After ⌈0.5⌉ = 1 s) and learns X at 3 s, 1.5 s
        // after its settlement. Z polls at 2.5 … 11.5 s.
        let c = replay(
            &orders(&[(0.0, 2_000_000), (1e6, 500_000), (1.5e6, 10_000_000)]),
            1e6,
            2.0,
            &Legs::default(),
            30e6,
        );
        assert_eq!(
            (c.polls, c.wasted, c.rate_limited, c.learned),
            (13, 10, 1, 3),
            "{c:?}"
        );
        assert_eq!(c.delay_sum_us, 1.5e6, "{c:?}");
    }
}
