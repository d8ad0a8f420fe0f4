//! `[network] partitions` in the model: windows when nothing gets through.
//!
//! What the harness's network (`crates/harness/src/network.rs`) does in a
//! window `[from, until)` (from the run's start): a request that leaves
//! inside one fails at once as a refused connection; one that left before
//! but would arrive inside one (its one-way latency carries it in) fails
//! when it would have arrived; an answer already on its way still arrives;
//! a held request or a stream still open when a window starts is cut then.
//! The windows are known before the run, so the model replays them against
//! each order's instants, as [`super::faults`] replays the receiver's down
//! windows:
//!
//! - **creations** (`crates/shop/src/lib.rs`): a refused creation is tried
//!   again 100 ms after its failure came back, the wait doubling, five
//!   tries in all; an order whose five tries all fail is missed. The paper
//!   model replays that from each planned arrival; a run's draws carry the
//!   instants its payments were created.
//! - **poll** (`crates/shop/src/poll.rs`): a failed poll is not counted (the
//!   shop counts answers) and the schedule goes on: the next deadline polls
//!   again, or at once if it passed while the failure came back.
//!   [`poll_order`] follows [`super::poll::PollSchedule`]'s rules with those
//!   failures in.
//! - **webhook** (`crates/platform/src/dispatch.rs`): a failed attempt is
//!   retried on the schedule, as a connection a receiver refuses is: each
//!   window becomes a refusing down span of [`super::faults`], starting one
//!   request leg early (the attempts that would arrive inside it)
//!   ([`with_partitions`]).
//! - **stream** (`crates/shop/src/stream.rs`): replayed merchant by
//!   merchant ([`stream_replay`]): the reader opens at the run's origin;
//!   an open refused (or cut before its head arrives) is tried again after
//!   100 ms, doubling up to 5 s; an open stream registers at the platform
//!   one request leg after it left, and its head is back one response leg
//!   later. A stream opened without `Last-Event-ID` starts from the events
//!   appended by its registration and is caught up on the log (pages of
//!   100, each a round trip, sent once the head is back); every later event
//!   is pushed when the settlement worker appends it and arrives one
//!   response leg later, but is read only once the catch-up is done. A
//!   window cuts the stream when it starts (the reader waits the first
//!   100 ms, then doubles), and the next open resumes after the last event
//!   read. The same replay serves a stream that opens late without any
//!   partition: an order that settled before the stream registered is
//!   learned when the catch-up's answer comes back, not one leg after its
//!   settlement (the tester's case: 17 ms measured against the 5 ms of a
//!   model that assumed an open stream).
//!
//! - **poll_events** (`EventPoller` in `crates/shop/src/poll.rs`): each
//!   merchant's ticks replayed by [`super::events::event_poll_costs_through`]:
//!   a refused page is not counted and ends the tick's paging; the cursor
//!   stays, so the first tick that gets through after a window pages
//!   through everything the window held back. The run, and every poller,
//!   goes on until the last outcome is known: the last order learned, or
//!   the last creation given up.
//! - **long_poll_events** (`EventLongPoller` in `crates/shop/src/
//!   long_poll.rs`): each merchant's held request replayed by
//!   [`super::spectrum::event_long_poll_costs_through`]: one refused, or
//!   cut before its answer is back, is not counted and is tried again after
//!   a pause of 100 ms, doubling up to 5 s; the cursor stays.
//! - **conditional_poll, backoff_poll, long_poll**: replayed order by
//!   order in [`super::partition_polls`] (a conditional poll's answer is
//!   cut by a window that starts while it is on its way; a long poll
//!   pauses 100 ms after a failure, doubling up to 5 s).
//! - **hybrid** (`crates/shop/src/lib.rs`): its webhooks as a webhook's
//!   (the windows as refusing down spans), and its reconciliation polls as
//!   a plain poller's ([`super::hybrid`]: a refused poll is not counted,
//!   the next deadline polls again).
//!
//! - **poll behind `rate_limit_per_s`**: the token bucket's replay
//!   ([`super::ratelimit::replay_through`]) takes the windows: a request
//!   they refuse never reaches the bucket and takes no token, a refused
//!   poll's schedule goes on as above, a refused creation is tried again
//!   after the shop's doubling backoff, sharing its five tries with the
//!   429s. A replay that saw no 429 is the plain poller's above.
//!
//! Every strategy's windows are replayed ([`modelled`]); the health flag
//! ([`super::health::partition_flag`]) still says `partitions_unmodelled`
//! for one that [`modelled`] would leave out.

use super::Prediction;
use super::events::{EventArrival, EventPolling, event_poll_costs_through};
use super::faults::{Deliveries, DownSpan};
use super::forecast::{OrderTimes, RunDraws};
use super::partition_polls::{Deadlines, PullOrder, long_poll_order_through, scheduled_order};
use super::poll::{Legs, SettleLaw};
use super::spectrum::{EventLongPolling, event_long_poll_costs_through};
use crate::ids::OrderId;
use crate::report::round_ms;
use crate::scenario::{NetworkSettings, Scenario, StrategySpec};
use crate::workload::OrderPlan;

/// The windows of a run's `[network]`, µs on the clock the model reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Partitions {
    /// `[from, until)`, sorted by start.
    spans: Vec<(f64, f64)>,
}

/// Tries of one payment creation (`create_with_retries` in the shop).
pub const CREATION_TRIES: u32 = 5;
/// The shop's first wait before it tries a refused creation again, µs (it
/// doubles after each try).
pub const CREATION_BACKOFF_US: f64 = 100_000.0;
/// A stream reader's first wait before it reopens, µs
/// (`FIRST_RECONNECT` in the shop; it doubles after each failure).
pub const STREAM_FIRST_RECONNECT_US: f64 = 100_000.0;
/// Events a stream's catch-up reads per page of the log.
pub const CATCH_UP_PAGE: usize = 100;

/// The most steps a replay follows (a bound for absurd inputs).
const MAX_STEPS: usize = 10_000_000;

impl Partitions {
    /// The scenario's windows, µs from the run's start.
    pub fn from_network(net: &NetworkSettings) -> Self {
        let mut spans: Vec<(f64, f64)> = net
            .partitions
            .iter()
            .map(|w| (w.from_ms.as_us() as f64, w.until_ms.as_us() as f64))
            .filter(|(a, b)| b > a)
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        Partitions { spans }
    }

    /// The same windows `by_us` earlier: onto the clock of a run's draws,
    /// which counts from the instant after the run's setup (see
    /// [`RunDraws::windows_origin_us`]).
    pub fn moved_back(mut self, by_us: f64) -> Self {
        for w in &mut self.spans {
            w.0 -= by_us;
            w.1 -= by_us;
        }
        self
    }

    /// Whether there is no window.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Whether instant `t_us` lies in a window.
    pub fn covers(&self, t_us: f64) -> bool {
        self.spans.iter().any(|&(a, b)| a <= t_us && t_us < b)
    }

    /// A request leaving at `send_us` and arriving `request_us` later:
    /// `Some(instant its failure is back)` if a window refuses it (at once
    /// if it leaves inside one, when it would arrive if it arrives inside
    /// one), `None` if it gets through.
    pub fn refusal(&self, send_us: f64, request_us: f64) -> Option<f64> {
        if self.covers(send_us) {
            return Some(send_us);
        }
        let arrive = send_us + request_us;
        self.covers(arrive).then_some(arrive)
    }

    /// When a held exchange open at `now_us` is cut: `now_us` inside a
    /// window, else the next window's start, if any.
    pub fn next_cut(&self, now_us: f64) -> Option<f64> {
        self.spans
            .iter()
            .filter(|&&(_, b)| now_us < b)
            .map(|&(a, _)| a.max(now_us))
            .min_by(f64::total_cmp)
    }
}

/// When the platform creates the payment of an order placed at
/// `placed_us` (its first try leaves then, each arrives one request leg
/// later), or `None` if every try is refused.
pub fn created_at(p: &Partitions, placed_us: f64, legs: &Legs) -> Option<f64> {
    creation(p, placed_us, legs).ok()
}

/// [`created_at`], with the instant the shop gave the order up (its last
/// try's failure came back) when every try was refused.
pub fn creation(p: &Partitions, placed_us: f64, legs: &Legs) -> Result<f64, f64> {
    let (mut send, mut wait) = (placed_us, CREATION_BACKOFF_US);
    for tries in 1..=CREATION_TRIES {
        match p.refusal(send, legs.request_us) {
            None => return Ok(send + legs.request_us),
            Some(back) if tries == CREATION_TRIES => return Err(back),
            Some(back) => {
                send = back + wait;
                wait *= 2.0;
            }
        }
    }
    Err(send)
}

/// The mean request leg of the payment creations let in at their first
/// try, µs, from each order's `placed_us` and `created_us` (NaN: not
/// created). A creation refused first waits at least
/// [`CREATION_BACKOFF_US`] before it is tried again, so its `created −
/// placed` is a wait, not a leg: a first estimate keeps the differences
/// shorter than that wait, and the mean is then taken over the orders whose
/// first try that leg carries clear of every window (`None`: no such
/// order).
pub fn first_try_request_leg_us(
    p: &Partitions,
    placed_us: &[f64],
    created_us: &[f64],
) -> Option<f64> {
    let mean = |keep: &dyn Fn(f64, f64) -> bool| {
        let legs: Vec<f64> = placed_us
            .iter()
            .zip(created_us)
            .filter(|&(&placed, &created)| keep(placed, created - placed))
            .map(|(placed, created)| created - placed)
            .filter(|d| d.is_finite() && *d >= 0.0)
            .collect();
        (!legs.is_empty()).then(|| legs.iter().sum::<f64>() / legs.len() as f64)
    };
    let guess = mean(&|_, d| d < CREATION_BACKOFF_US)?;
    mean(&|placed, _| p.refusal(placed, guess).is_none()).or(Some(guess))
}

/// What polling one payment costs under the windows, in expectation over
/// its S.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PollOrder {
    /// Polls answered (the failed ones are not counted, as the shop does
    /// not count them).
    pub polls: f64,
    /// Of those, answered `pending`.
    pub wasted: f64,
    /// Mean delay from the scheduled settlement to the shop's record, µs.
    pub delay_us: f64,
}

/// The poller of a payment created at the platform at `created_us`, polling
/// every `interval_us`, with S of law `law`: [`super::poll::PollSchedule`]'s
/// rules (deadlines at the creation answer + kT, a poll sent when due plus
/// the timer's lateness or once the previous answer or failure is back),
/// and a poll that `p` refuses costs nothing and reads nothing.
pub fn poll_order(
    p: &Partitions,
    created_us: f64,
    law: &SettleLaw<'_>,
    interval_us: f64,
    legs: &Legs,
) -> PollOrder {
    if interval_us <= 0.0 {
        return PollOrder {
            polls: f64::INFINITY,
            wasted: f64::INFINITY,
            delay_us: f64::INFINITY,
        };
    }
    let start = created_us + legs.response_us;
    let (mut polls, mut answered_at, mut pending) = (0.0, 0.0, 1.0);
    let mut free = f64::NEG_INFINITY;
    for k in 1..=MAX_STEPS {
        let due = start + k as f64 * interval_us;
        let send = (due + legs.timer_late_us).max(free);
        if let Some(back) = p.refusal(send, legs.request_us) {
            free = back;
            continue;
        }
        let read = send + legs.request_us;
        let answer = read + legs.response_us;
        free = answer;
        polls += pending;
        let tail = law.tail(read - created_us);
        answered_at += (pending - tail) * answer;
        pending = tail;
        if pending < 1e-12 {
            break;
        }
    }
    PollOrder {
        polls,
        wasted: polls - 1.0,
        delay_us: answered_at - created_us - law.mean_us(),
    }
}

/// `d` with every window of `net` as a refusing down span (see the module
/// docs), one request leg of the deliveries early, and as the windows its
/// reconciliation polls go through (a hybrid's); `d` as it is without
/// windows.
pub fn with_partitions(mut d: Deliveries, net: &NetworkSettings, legs: &Legs) -> Deliveries {
    let early = d.legs(legs).request_us;
    let windows = Partitions::from_network(net);
    // A hybrid's reconciliation polls fail in them as a poller's do.
    d.poll_windows = windows.clone();
    for (from, until) in windows.spans {
        d.down.push(DownSpan {
            from_us: from - early,
            until_us: until,
            refuse: true,
        });
    }
    d
}

/// One settled payment a stream carries: its merchant and scheduled
/// settlement instant, µs on the run's clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StreamEvent {
    /// The merchant (0-based).
    pub merchant: u32,
    /// The scheduled settlement instant.
    pub settled_us: f64,
}

/// What a [`stream_replay`] counted.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StreamReplay {
    /// Streams opened (their head came back).
    pub opens: u64,
    /// Catch-up pages answered.
    pub pages: u64,
    /// Events learned before the run's end.
    pub learned: u64,
    /// Their delays from the scheduled settlement to the shop's record, µs.
    pub delay_sum_us: f64,
}

/// Every merchant's stream reader, replayed over `events` under `p` (see
/// the module docs), until `end_us`.
pub fn stream_replay(
    events: &[StreamEvent],
    merchants: u32,
    p: &Partitions,
    legs: &Legs,
    end_us: f64,
) -> StreamReplay {
    let mut out = StreamReplay::default();
    for m in 0..merchants.max(1) {
        let mut settled: Vec<f64> = events
            .iter()
            .filter(|e| e.merchant == m)
            .map(|e| e.settled_us)
            .collect();
        settled.sort_by(f64::total_cmp);
        merchant_stream(&settled, p, legs, end_us, &mut out);
    }
    out
}

/// One merchant's reader over its events' scheduled settlements (sorted:
/// the log's order), adding to `out`.
fn merchant_stream(
    settled: &[f64],
    p: &Partitions,
    legs: &Legs,
    end_us: f64,
    out: &mut StreamReplay,
) {
    let (req, resp) = (legs.request_us, legs.response_us);
    let mut learned: Vec<Option<f64>> = vec![None; settled.len()];
    // Every event up to `last` was read; `None`: the next stream opens from
    // now and is caught up.
    let mut last: Option<usize> = None;
    let (mut t, mut wait) = (0.0f64, STREAM_FIRST_RECONNECT_US);
    let record = |learned: &mut Vec<Option<f64>>, i: usize, at: f64| {
        if learned[i].is_none() && at <= end_us {
            learned[i] = Some(at);
        }
    };
    for _ in 0..MAX_STEPS {
        if t > end_us {
            break;
        }
        // When this try's failure (or the stream's cut) is back.
        let failed_at = 'attempt: {
            if let Some(back) = p.refusal(t, req) {
                break 'attempt back;
            }
            let registered = t + req;
            let head = registered + resp;
            if let Some(cut) = p.next_cut(registered).filter(|&c| c < head) {
                break 'attempt cut;
            }
            out.opens += 1;
            wait = STREAM_FIRST_RECONNECT_US;
            // The stream carries what comes after its cursor: the last
            // event read, or what the log held at its registration.
            let first = match last {
                Some(k) => k + 1,
                None => settled.partition_point(|&s| s <= registered),
            };
            let mut applied = vec![false; settled.len()];
            let mut free = head;
            if last.is_none() {
                let mut cursor = 0;
                loop {
                    if let Some(back) = p.refusal(free, req) {
                        // A failed catch-up drops the stream.
                        break 'attempt back;
                    }
                    let read = free + req;
                    let answer = read + resp;
                    let visible = settled.partition_point(|&s| s <= read);
                    let upto = visible.min(cursor + CATCH_UP_PAGE);
                    out.pages += 1;
                    for (i, done) in applied.iter_mut().enumerate().take(upto).skip(cursor) {
                        record(&mut learned, i, answer);
                        *done = true;
                    }
                    if upto > cursor {
                        last = Some(upto - 1);
                    }
                    cursor = upto;
                    free = answer;
                    if upto >= visible {
                        break;
                    }
                }
            }
            // The pushed events, each due one leg after it was appended
            // (not before the stream's head), read once the reader asks.
            let mut i = first;
            loop {
                let due = match settled.get(i) {
                    Some(&s) => (s + legs.settle_late_us).max(registered) + resp,
                    None => f64::INFINITY,
                };
                let due = if due > end_us { f64::INFINITY } else { due };
                if let Some(cut) = p.next_cut(free).filter(|&c| c < due) {
                    break 'attempt cut;
                }
                if due.is_infinite() {
                    // Open until the run ends.
                    break 'attempt f64::INFINITY;
                }
                free = free.max(due);
                if !applied[i] {
                    record(&mut learned, i, free);
                }
                last = Some(i);
                i += 1;
            }
        };
        if failed_at.is_infinite() {
            break;
        }
        t = failed_at + wait;
        wait = (wait * 2.0).min(crate::scenario::backoff::STREAM_RECONNECT_MAX.as_us() as f64);
    }
    for (s, at) in settled.iter().zip(&learned) {
        if let Some(at) = at {
            out.learned += 1;
            out.delay_sum_us += at - s;
        }
    }
}

/// A poller's requests and delays, or a stream's, under the windows, as a
/// [`Prediction`] (the missed share counts the orders never created).
fn replay_prediction(
    (requests, wasted): (f64, f64),
    (learned, delay_sum_us): (f64, f64),
    orders: usize,
    legs: &Legs,
    formula: &str,
    wasted_share: bool,
) -> Prediction {
    let n = orders.max(1) as f64;
    Prediction {
        latency_mean_ms: round_ms(delay_sum_us / learned.max(f64::MIN_POSITIVE) / 1e3),
        requests_per_order: round4(requests / n),
        polls_wasted_per_order: round4(wasted / n),
        polls_wasted_share: wasted_share.then(|| {
            round4(if requests > 0.0 {
                wasted / requests
            } else {
                0.0
            })
        }),
        missed_share: Some(round4((n - learned).max(0.0) / n)),
        rtt_ms: round_ms((legs.request_us + legs.response_us) / 1e3),
        timer_slack_ms: round_ms(legs.timer_late_us / 1e3),
        settle_lateness_ms: round_ms(legs.settle_late_us / 1e3),
        request_leg_ms: Some(round_ms(legs.request_us / 1e3)),
        response_leg_ms: Some(round_ms(legs.response_us / 1e3)),
        formula: formula.to_owned(),
        ..Prediction::default()
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

const POLL_FORMULA: &str = "each order's poller replayed over the partition windows: deadlines at the creation answer + kT, \
     a poll sent when due (+ timer lateness) or once the previous answer or failure is back; \
     a poll that leaves or would arrive in a window fails uncounted; the first answered read after S finds it; \
     a refused creation is tried again 100 ms after, doubling (5 tries)";
const STREAM_FORMULA: &str = "each merchant's stream replayed: opened at the start (tried again after 100 ms, doubling to 5 s, \
     when refused or cut by a partition window); registered one request leg after it left, its head back one response leg later; \
     an event appended before a stream opened without Last-Event-ID is learned when the catch-up page that reads it is back, \
     every later one one response leg after the settlement worker appends it (not before the catch-up is done); \
     requests = streams opened + catch-up pages";

/// The orders' payment creations on paper: each planned arrival plus the
/// placement lateness, tried again through the windows (`None`: never
/// created).
fn paper_creations(plan: &[OrderPlan], p: &Partitions, legs: &Legs) -> Vec<Option<f64>> {
    plan.iter()
        .map(|o| created_at(p, o.arrive_at.0 as f64 + legs.placement_late_us, legs))
        .collect()
}

/// The orders of `plan` as the paper model expects them
/// ([`OrderTimes::from_plan`]), each payment created when its tries get
/// through the windows; an order never created is left out (without
/// windows: every order, as `from_plan` gives them).
pub fn paper_orders(plan: &[OrderPlan], net: &NetworkSettings, legs: &Legs) -> Vec<OrderTimes> {
    let mut orders = OrderTimes::from_plan(plan, legs);
    let p = Partitions::from_network(net);
    if p.is_empty() {
        return orders;
    }
    let created = paper_creations(plan, &p, legs);
    let mut kept = created.iter();
    orders.retain_mut(|o| match kept.next().copied().flatten() {
        Some(at) => {
            o.created_us = at;
            true
        }
        None => false,
    });
    orders
}

/// Whether the model replays `[network] partitions` for `strategy` (the
/// health flag is `partitioned` then, `partitions_unmodelled` otherwise):
/// every strategy, a poller behind the platform's rate limit too (its
/// bucket's replay takes the windows, see the module docs).
pub fn modelled(strategy: &StrategySpec, _scenario: &Scenario) -> bool {
    match strategy {
        StrategySpec::Poll { .. }
        | StrategySpec::Webhook { .. }
        | StrategySpec::LongPollEvents { .. }
        | StrategySpec::Hybrid { .. }
        | StrategySpec::PollEvents { .. }
        | StrategySpec::ConditionalPoll { .. }
        | StrategySpec::BackoffPoll { .. }
        | StrategySpec::LongPoll { .. }
        | StrategySpec::Stream { .. } => true,
    }
}

/// One order of a per-payment puller (poll, conditional, backoff, long
/// poll) under the windows `p`: its payment created at `created_us`, S of
/// law `law` (for a long poll, the mean over `s_points`), `id` the order's
/// (a jittered backoff's deadlines are drawn from it). `None` for the
/// other strategies.
fn pull_order(
    strategy: &StrategySpec,
    scenario: &Scenario,
    p: &Partitions,
    (created_us, law, s_points): (f64, &SettleLaw<'_>, &[f64]),
    (id, tick_us): (&str, Option<f64>),
    legs: &Legs,
) -> Option<PullOrder> {
    Some(match strategy {
        StrategySpec::Poll { interval_ms, .. } => {
            let o = poll_order(p, created_us, law, interval_ms.as_us() as f64, legs);
            PullOrder {
                requests: o.polls,
                wasted: o.wasted,
                not_modified: 0.0,
                delay_us: o.delay_us,
            }
        }
        StrategySpec::ConditionalPoll { interval_ms, .. } => {
            let deadlines = Deadlines::Conditional {
                interval_us: interval_ms.as_us() as f64,
                asked_us: scenario.platform.poll_interval_s.unwrap_or(0) as f64 * 1e6,
            };
            scheduled_order(p, (created_us, law), deadlines, tick_us, legs)
        }
        StrategySpec::BackoffPoll { schedule, .. } => {
            let mut due = schedule.deadlines(id);
            let due = Deadlines::Schedule(&mut due);
            scheduled_order(p, (created_us, law), due, tick_us, legs)
        }
        StrategySpec::LongPoll { wait_ms, .. } => {
            let w = 1.0 / s_points.len().max(1) as f64;
            let mut o = PullOrder::default();
            for &s in s_points {
                let (requests, delay) =
                    long_poll_order_through(p, created_us, s, wait_ms.as_us() as f64, legs);
                o.requests += w * requests;
                o.wasted += w * (requests - 1.0);
                o.delay_us += w * delay;
            }
            o
        }
        _ => return None,
    })
}

/// Sums of [`PullOrder`]s over the orders created.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    requests: f64,
    wasted: f64,
    not_modified: f64,
    learned: f64,
    delay_sum_us: f64,
}

impl Tally {
    fn add(&mut self, o: PullOrder) {
        self.requests += o.requests;
        self.wasted += o.wasted;
        self.not_modified += o.not_modified;
        self.learned += 1.0;
        self.delay_sum_us += o.delay_us;
    }

    /// The prediction of a per-payment puller's tally over `orders` (the
    /// missed share counts the orders never created).
    fn prediction(&self, strategy: &StrategySpec, orders: usize, legs: &Legs) -> Prediction {
        let formula = match strategy {
            StrategySpec::ConditionalPoll { .. } => CONDITIONAL_FORMULA,
            StrategySpec::BackoffPoll { .. } => BACKOFF_FORMULA,
            StrategySpec::LongPoll { .. } => LONG_POLL_FORMULA,
            _ => POLL_FORMULA,
        };
        let p = replay_prediction(
            (self.requests, self.wasted),
            (self.learned, self.delay_sum_us),
            orders,
            legs,
            formula,
            true,
        );
        match strategy {
            StrategySpec::ConditionalPoll { .. } => Prediction {
                not_modified_per_order: Some(round4(self.not_modified / orders.max(1) as f64)),
                ..p
            },
            _ => p,
        }
    }
}

const CONDITIONAL_FORMULA: &str = "each order's conditional poller replayed over the partition windows: deadlines at the creation answer + kT, \
     a poll that leaves or would arrive in a window fails uncounted, one whose answer is on its way when a window starts is cut; \
     the first answered poll gets a 200 and the ETag, every pending one after it a 304; a refused creation is tried again 100 ms after, doubling (5 tries)";
const BACKOFF_FORMULA: &str = "each order's backoff poller replayed over the partition windows: polls due at the schedule's instants after the creation answer, \
     a poll that leaves or would arrive in a window fails uncounted and the next deadline polls again; \
     the first answered read after S finds it; a refused creation is tried again 100 ms after, doubling (5 tries)";
const LONG_POLL_FORMULA: &str = "each order's long poller replayed over the partition windows (S over 64 quantiles on paper): \
     a request held until S or the wait's end, the next sent when its answer is back; one refused, or cut by a window before its answer is back, \
     is tried again after 100 ms, doubling to 5 s; a refused creation is tried again 100 ms after, doubling (5 tries)";
const LONG_POLL_EVENTS_FORMULA: &str = "each merchant's held request on the event log replayed over the partition windows: \
     it reads at send + request leg, answers when an event is there or at the wait's end, the next sent when its answer is back; \
     one refused, or cut by a window before its answer is back, is tried again after 100 ms, doubling to 5 s; \
     every merchant asks until the last outcome is known; a refused creation is tried again 100 ms after, doubling (5 tries)";
const EVENTS_FORMULA: &str = "each merchant's event-log poller replayed over the partition windows: a tick every T, pages read what settled by then; \
     a page that leaves or would arrive in a window fails uncounted and ends the tick, the next tick pages on from the same cursor; \
     every merchant polls until the last outcome is known; a refused creation is tried again 100 ms after, doubling (5 tries)";

/// The event-log pollers' prediction (`poll_events`, `long_poll_events`;
/// `None` for the others) over `arrivals` under `p`, the run lasting at
/// least until `given_up_us` (see
/// [`super::events::event_poll_costs_through`],
/// [`super::spectrum::event_long_poll_costs_through`]).
fn events_prediction(
    strategy: &StrategySpec,
    scenario: &Scenario,
    (arrivals, given_up_us, tick_us): (&[EventArrival], f64, Option<f64>),
    p: &Partitions,
    orders: usize,
    legs: &Legs,
) -> Option<Prediction> {
    let merchants = scenario.workload.merchants.max(1);
    let (requests, wasted, learned, delay_sum_us, formula) = match strategy {
        StrategySpec::PollEvents {
            interval_ms,
            page_size,
            ..
        } => {
            let polling = EventPolling {
                start_us: 0.0,
                interval_us: interval_ms.as_us() as f64,
                page_size: *page_size,
                merchants,
                legs: *legs,
            };
            let c = event_poll_costs_through(arrivals, &polling, p, given_up_us);
            (c.pages, c.wasted, c.learned, c.delay_sum_us, EVENTS_FORMULA)
        }
        StrategySpec::LongPollEvents {
            wait_ms, page_size, ..
        } => {
            let polling = EventLongPolling {
                start_us: 0.0,
                wait_us: wait_ms.as_us() as f64,
                page_size: *page_size,
                merchants,
                legs: *legs,
                worker_tick_us: tick_us,
            };
            let c = event_long_poll_costs_through(arrivals, &polling, p, given_up_us);
            let formula = LONG_POLL_EVENTS_FORMULA;
            (c.requests, c.wasted, c.learned, c.delay_sum_us, formula)
        }
        _ => return None,
    };
    Some(replay_prediction(
        (requests as f64, wasted as f64),
        (learned as f64, delay_sum_us),
        orders,
        legs,
        formula,
        true,
    ))
}

/// The paper prediction of a strategy this module replays, `None` for the
/// others: a poller (plain, not behind a rate limit, which
/// [`super::ratelimit`] replays; of the event log; conditional; backoff;
/// long; long on the event log) under partition windows, and every stream (which may open late
/// without any window). A webhook's and a hybrid's windows go through
/// [`super::forecast`]'s model (see [`with_partitions`]).
pub fn paper(
    strategy: &StrategySpec,
    scenario: &Scenario,
    plan: &[OrderPlan],
    legs: &Legs,
) -> Option<Prediction> {
    let p = Partitions::from_network(&scenario.network);
    match strategy {
        StrategySpec::Stream { .. } => {
            let events: Vec<StreamEvent> = plan
                .iter()
                .zip(paper_creations(plan, &p, legs))
                .filter_map(|(o, created)| {
                    Some(StreamEvent {
                        merchant: o.merchant,
                        settled_us: created? + o.settle_after.as_us() as f64,
                    })
                })
                .collect();
            let r = stream_replay(
                &events,
                scenario.workload.merchants,
                &p,
                legs,
                f64::INFINITY,
            );
            Some(stream_prediction(&r, plan.len(), legs))
        }
        _ if p.is_empty() || !modelled(strategy, scenario) => None,
        StrategySpec::PollEvents { .. } | StrategySpec::LongPollEvents { .. } => {
            let tries: Vec<Result<f64, f64>> = plan
                .iter()
                .map(|o| creation(&p, o.arrive_at.0 as f64 + legs.placement_late_us, legs))
                .collect();
            let arrivals: Vec<EventArrival> = plan
                .iter()
                .zip(&tries)
                .filter_map(|(o, t)| {
                    let settled = t.ok()? + o.settle_after.as_us() as f64;
                    Some(EventArrival {
                        merchant: o.merchant,
                        settled_us: settled,
                        visible_us: settled,
                    })
                })
                .collect();
            let given_up = tries
                .iter()
                .filter_map(|t| t.err())
                .fold(f64::NEG_INFINITY, f64::max);
            events_prediction(
                strategy,
                scenario,
                (&arrivals, given_up, None),
                &p,
                plan.len(),
                legs,
            )
        }
        StrategySpec::Poll { .. }
        | StrategySpec::ConditionalPoll { .. }
        | StrategySpec::BackoffPoll { .. }
        | StrategySpec::LongPoll { .. } => {
            let settle = &scenario.workload.settle;
            let law = SettleLaw::Dist(settle);
            let grid = match strategy {
                StrategySpec::LongPoll { .. } => super::forecast::quantile_grid(settle),
                _ => Vec::new(),
            };
            let mut tally = Tally::default();
            for (o, created) in plan.iter().zip(paper_creations(plan, &p, legs)) {
                let Some(created) = created else { continue };
                let times = (created, &law, grid.as_slice());
                let id = o.order_id.as_str();
                tally.add(pull_order(strategy, scenario, &p, times, (id, None), legs)?);
            }
            Some(tally.prediction(strategy, plan.len(), legs))
        }
        _ => None,
    }
}

fn stream_prediction(r: &StreamReplay, orders: usize, legs: &Legs) -> Prediction {
    Prediction {
        polls_wasted_per_order: 0.0,
        ..replay_prediction(
            ((r.opens + r.pages) as f64, 0.0),
            (r.learned as f64, r.delay_sum_us),
            orders,
            legs,
            STREAM_FORMULA,
            false,
        )
    }
}

/// The prediction for a run's draws of a strategy this module replays
/// (see [`paper`]), `None` for the others. `created[i]` says whether order
/// `i`'s payment was created (empty: all were); the windows move back by
/// the draws' [`RunDraws::windows_origin_us`].
pub fn for_draws(
    strategy: &StrategySpec,
    scenario: &Scenario,
    draws: &RunDraws,
    legs: &Legs,
    created: &[bool],
) -> Option<Prediction> {
    let p = Partitions::from_network(&scenario.network).moved_back(draws.windows_origin_us);
    let was_created = |i: usize| created.get(i).copied().unwrap_or(true);
    let orders = || {
        draws
            .orders
            .iter()
            .enumerate()
            .filter(move |(i, _)| was_created(*i))
    };
    match strategy {
        StrategySpec::Stream { .. } => {
            let events: Vec<StreamEvent> = orders()
                .map(|(_, o): (usize, &OrderTimes)| StreamEvent {
                    merchant: o.merchant,
                    settled_us: o.settled_us(),
                })
                .collect();
            // A pushed event is due the settlement worker's *mean* lateness
            // after its scheduled instant, up to a timer tick (1 ms) off the
            // one it had: the run's last event, learned as the run ended,
            // must not fall past that end.
            let end = draws.run_end_us.map_or(f64::INFINITY, |e| e + 1_000.0);
            let r = stream_replay(&events, scenario.workload.merchants, &p, legs, end);
            Some(stream_prediction(&r, draws.orders.len(), legs))
        }
        _ if p.is_empty() || !modelled(strategy, scenario) => None,
        StrategySpec::PollEvents { .. } | StrategySpec::LongPollEvents { .. } => {
            let arrivals: Vec<EventArrival> = orders()
                .map(|(_, o)| EventArrival {
                    merchant: o.merchant,
                    settled_us: o.settled_us(),
                    visible_us: o.settled_by_worker_us.unwrap_or(o.settled_us()),
                })
                .collect();
            // An order whose creation was given up is known to the shop
            // then: the run went on at least until its measured end.
            let given_up = match (0..draws.orders.len()).all(was_created) {
                true => f64::NEG_INFINITY,
                false => draws.run_end_us.unwrap_or(f64::NEG_INFINITY),
            };
            events_prediction(
                strategy,
                scenario,
                (&arrivals, given_up, draws.timer_tick_us),
                &p,
                draws.orders.len(),
                legs,
            )
        }
        StrategySpec::Poll { .. }
        | StrategySpec::ConditionalPoll { .. }
        | StrategySpec::BackoffPoll { .. }
        | StrategySpec::LongPoll { .. } => {
            // Behind the rate limit, the bucket's replay through the
            // windows, when the bucket refused anything; otherwise it
            // refused nothing, and the per-order replay below is the same.
            if matches!(strategy, StrategySpec::Poll { .. })
                && let Some(p) =
                    super::forecast::rate_limited_draws(strategy, scenario, draws, legs)
            {
                return Some(p);
            }
            pulled_for_draws(strategy, scenario, &p, draws, legs, orders())
        }
        _ => None,
    }
}

/// A per-payment puller's prediction from `orders` of the run's draws,
/// each replayed through the windows `p` on the draws' timer tick.
fn pulled_for_draws<'d>(
    strategy: &StrategySpec,
    scenario: &Scenario,
    p: &Partitions,
    draws: &RunDraws,
    legs: &Legs,
    orders: impl Iterator<Item = (usize, &'d OrderTimes)>,
) -> Option<Prediction> {
    let mut tally = Tally::default();
    for (i, o) in orders {
        let law = SettleLaw::from_draws([o.settle_after_us]);
        let s = [o.settle_after_us as f64];
        let id = OrderId::numbered(i as u64 + 1);
        let times = (o.created_us, &law, &s[..]);
        let timer = (id.as_str(), draws.timer_tick_us);
        tally.add(pull_order(strategy, scenario, p, times, timer, legs)?);
    }
    Some(tally.prediction(strategy, draws.orders.len(), legs))
}

/// A jittered backoff poller's prediction from the run's draws on the
/// paused clock, with no windows: each order's own deadlines, each timer
/// firing on the clock's tick at or after its deadline. The sum over S's
/// law with the *mean* timer lateness (`forecast`'s) is that up to the
/// lateness of the poll that found each payment, a few µs in the mean.
/// `None` off the paused clock, for another strategy, or without jitter
/// (every deadline then falls on the tick already).
pub fn jittered_backoff_for_draws(
    strategy: &StrategySpec,
    scenario: &Scenario,
    draws: &RunDraws,
    legs: &Legs,
) -> Option<Prediction> {
    match strategy {
        StrategySpec::BackoffPoll { schedule, .. }
            if schedule.jitter > 0.0
                && schedule.at_ms.is_empty()
                && draws.timer_tick_us.is_some() =>
        {
            let none = Partitions::default();
            pulled_for_draws(
                strategy,
                scenario,
                &none,
                draws,
                legs,
                draws.orders.iter().enumerate(),
            )
        }
        _ => None,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::duration::Dur;
    use crate::scenario::DownWindow;

    /// Partitions from `(from, until)` pairs in ms (partition_polls' tests
    /// use it too).
    pub(in crate::model) fn windows(ms: &[(u64, u64)]) -> Partitions {
        Partitions::from_network(&NetworkSettings {
            latency: None,
            partitions: ms
                .iter()
                .map(|&(a, b)| DownWindow {
                    from_ms: Dur::from_ms(a),
                    until_ms: Dur::from_ms(b),
                })
                .collect(),
        })
    }

    /// Equal request and response legs of `ms` each.
    pub(in crate::model) fn legs(ms: f64) -> Legs {
        Legs {
            request_us: ms * 1e3,
            response_us: ms * 1e3,
            ..Legs::default()
        }
    }

    #[test]
    fn a_request_is_refused_when_it_leaves_or_would_arrive_in_a_window() {
        let p = windows(&[(100, 200)]);
        assert_eq!(p.refusal(50e3, 20e3), None);
        assert_eq!(p.refusal(90e3, 20e3), Some(110e3));
        assert_eq!(p.refusal(150e3, 20e3), Some(150e3));
        assert_eq!(p.refusal(200e3, 20e3), None);
        assert_eq!(p.next_cut(50e3), Some(100e3));
        assert_eq!(p.next_cut(150e3), Some(150e3));
        assert_eq!(p.next_cut(200e3), None);
    }

    #[test]
    fn a_creation_in_a_window_is_tried_again_with_a_doubling_wait() {
        // Placed at 0 in [0, 250): tries at 0 and 100 refused, 300 gets
        // through, arriving 5 ms later.
        let p = windows(&[(0, 250)]);
        assert_eq!(created_at(&p, 0.0, &legs(5.0)), Some(305e3));
        // Five tries within [0, 10 s): never created.
        assert_eq!(created_at(&windows(&[(0, 10_000)]), 0.0, &legs(5.0)), None);
    }

    #[test]
    fn a_poll_in_a_window_fails_uncounted_and_the_next_deadline_reads() {
        // Created at 0, 10 ms legs, T = 100 ms, S = 150 ms fixed: polls
        // due at 110 and 210 ms; the window [100, 250) refuses both (the
        // first as it leaves), the one due at 310 reads at 320 and answers
        // at 330: one poll, delay 180 ms. Without the window: reads at 120
        // (pending) and 220, answer at 230.
        let s = crate::dist::Distribution::Fixed {
            ms: Dur::from_ms(150),
        };
        let law = SettleLaw::Dist(&s);
        let o = poll_order(&windows(&[(100, 250)]), 0.0, &law, 100e3, &legs(10.0));
        assert_eq!((o.polls, o.wasted), (1.0, 0.0));
        assert!((o.delay_us - 180e3).abs() < 1e-6, "{o:?}");
        let o = poll_order(&Partitions::default(), 0.0, &law, 100e3, &legs(10.0));
        assert_eq!((o.polls, o.wasted), (2.0, 1.0));
        assert!((o.delay_us - 80e3).abs() < 1e-6, "{o:?}");
    }

    #[test]
    fn a_stream_that_opens_late_learns_the_earlier_events_from_its_catch_up() {
        // 5 ms legs: the stream registers at 5 ms and its head is back at
        // 10; the catch-up reads the log at 15 and answers at 20. Events
        // settled at 2 ms and 12 ms are learned at 20 (delays 18 and 8: the
        // second was pushed at 12 + 5 = 17, but the catch-up read it
        // first); one settled at 30 ms is pushed, learned at 35.
        let events: Vec<StreamEvent> = [2.0, 12.0, 30.0]
            .iter()
            .map(|ms| StreamEvent {
                merchant: 0,
                settled_us: ms * 1e3,
            })
            .collect();
        let r = stream_replay(&events, 1, &Partitions::default(), &legs(5.0), 1e9);
        assert_eq!((r.opens, r.pages, r.learned), (1, 1, 3));
        assert!((r.delay_sum_us - (18e3 + 8e3 + 5e3)).abs() < 1e-6, "{r:?}");
    }

    #[test]
    fn a_stream_cut_by_a_window_resumes_after_its_last_event() {
        // The stream is open from 10 ms; the window [100, 250) cuts it at
        // 100; the reader tries again at 200 (refused), then at 400:
        // registered at 405, the events settled at 120 and 300 come at once,
        // at 410 (delays 290 and 110); the one at 50 was pushed at 55.
        let events: Vec<StreamEvent> = [50.0, 120.0, 300.0]
            .iter()
            .map(|ms| StreamEvent {
                merchant: 0,
                settled_us: ms * 1e3,
            })
            .collect();
        let r = stream_replay(&events, 1, &windows(&[(100, 250)]), &legs(5.0), 1e9);
        assert_eq!((r.opens, r.pages, r.learned), (2, 1, 3));
        assert!(
            (r.delay_sum_us - (5e3 + 290e3 + 110e3)).abs() < 1e-6,
            "{r:?}"
        );
    }
}
