//! The two predictions of a strategy: over the scenario's distributions,
//! and over this run's draws.
//!
//! Both call the same per-strategy models ([`super::poll`],
//! [`super::events`], [`super::faults`], [`super::hybrid`],
//! [`super::spectrum`]); they differ
//! only in what they sum over:
//!
//! | strategy    | [`predicted`]                                   | [`predicted_for_draws`]                    |
//! |-------------|-------------------------------------------------|--------------------------------------------|
//! | poll        | S's exact CDF                                   | the empirical CDF of the run's S draws     |
//! | poll behind `rate_limit_per_s` | the bucket replayed over fresh samples of the workload (plain poll if none is refused) | the bucket replayed over the run's placements and S draws |
//! | poll_events | the plan's settlement instants                  | the platform's recorded instants           |
//! | webhook     | S over 64 quantiles, the scenario's fault rates | each order's instant and first attempt's departure, its retries, copies and losses as drawn, the deliveries' own legs |
//! | hybrid      | as webhook                                      | as webhook (its polls: the creations' legs) |
//! | conditional_poll, backoff_poll, long_poll | as poll (backoff with jitter: each order's own instants) | as poll |
//! | long_poll_events | as poll_events                             | as poll_events                             |
//! | stream      | each merchant's stream replayed ([`super::partition`]): opened late, cut, caught up | the same, over the run's creations and legs |
//! | under `[network] partitions` | every poller (plain, event-log, conditional, backoff, long; not one behind a rate limit) and the stream replayed through the windows, a webhook's windows as refusing down spans, a hybrid's both ([`super::partition`], [`super::partition_polls`]) | the same, the windows moved back by the setup, on the paused clock's 1 ms timer tick |
//!
//! All instants are µs on the run's clock counted from the run's origin
//! (the instant the harness starts placing orders and the event pollers
//! start).

use super::Prediction;
use super::events::{EventArrival, EventPolling, event_poll_costs};
use super::faults::{
    CopiesDrawn, Deliveries, DeliveryLegs, EventDraws, FaultRates, webhook_order_drawn,
};
use super::hybrid::{Reconcile, hybrid_order, hybrid_order_drawn};
use super::lane::{DISPATCH_WORKERS, lane_attempts};
use super::poll::{Legs, SettleLaw, poll_costs};
use super::ratelimit::{Placed, RateLimitedCosts, replay_through};
use super::spectrum::{
    EventLongPolling, SpectrumCosts, conditional_poll_costs, event_long_poll_costs,
    long_poll_costs, scheduled_poll_costs, stream_delay_us,
};
use crate::dist::Distribution;
use crate::duration::Dur;
use crate::ids::OrderId;
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
    /// µs from the origin, if the run recorded it. Without it the event-log
    /// model takes the scheduled instant, *not* scheduled + mean lateness:
    /// in virtual time every wake-up (the worker's and every read's) lands
    /// on a whole millisecond, so a read sees an event settled at ⌈u⌉ ms
    /// exactly when it comes at or after u; in real time the worker runs on
    /// a precise timer, tens of µs late. Adding the mean would move the
    /// events that settle just before a read to the next poll.
    pub settled_by_worker_us: Option<f64>,
    /// When its event's first webhook attempt left the dispatcher, µs from
    /// the origin, if the run recorded it: the settlement worker's lateness
    /// for this payment and the first delay's jitter as drawn. Without it
    /// the webhook model takes the mean lateness and the jitter's law.
    pub first_attempt_us: Option<f64>,
}

impl OrderTimes {
    /// The scheduled settlement instant, µs from the origin.
    pub fn settled_us(&self) -> f64 {
        self.created_us + self.settle_after_us as f64
    }

    /// The orders of `plan` as the model expects them: each payment created
    /// one request leg after it was placed, placed at its arrival instant
    /// plus the mean placement lateness (the driver's timer: in virtual
    /// time it wakes on the next whole millisecond).
    pub fn from_plan(plan: &[OrderPlan], legs: &Legs) -> Vec<OrderTimes> {
        plan.iter()
            .map(|o| OrderTimes {
                merchant: o.merchant,
                created_us: o.arrive_at.0 as f64 + legs.placement_late_us + legs.request_us,
                settle_after_us: o.settle_after.as_us(),
                settled_by_worker_us: None,
                first_attempt_us: None,
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
    /// The mean legs of the run's own deliveries, for the webhook and hybrid
    /// models; `None` to use the legs every request shares.
    pub delivery_legs: Option<DeliveryLegs>,
    /// When each order's webhook retries left (attempts 2, 3, … of its
    /// event's first chain), by the order's index in `orders`: the retry
    /// jitter as drawn (see [`super::faults::chain`]). Empty when the run
    /// retried nothing, or for a strategy without webhooks.
    pub retries_us: Vec<Vec<f64>>,
    /// Each order's event as the sender and the receiver drew it: how many
    /// chains were started, and which acknowledged deliveries the receiver
    /// dropped (see [`super::faults::CopiesDrawn`]), by the order's index in
    /// `orders`. Empty: the drawn duplicate and loss rates (a run without
    /// either fault).
    pub webhook_copies: Vec<CopiesDrawn>,
    /// When the run ended, µs from the origin: no attempt leaves after it
    /// ([`super::lane`]); `None`: the run's expected end.
    pub run_end_us: Option<f64>,
    /// Where the draws' origin (the instant the first order may be placed)
    /// lies on the clock the scenario's fault windows count from: the run's
    /// setup before it (the shops registering their endpoints, each a round
    /// trip across the `[network]`), µs. A `receiver_down` window is moved
    /// back by this much onto the draws' clock; with 5 ms legs and four
    /// merchants the setup took 40 ms, and the model, reading the windows
    /// 40 ms late, put the webhook of a run with a down window 3.4% above
    /// its own draws.
    pub windows_origin_us: f64,
    /// When the shop sent each order's payment creation (its first try),
    /// µs from the origin, by the order's index in `orders`: read only by
    /// the rate-limited poller's replay ([`super::ratelimit`]), whose
    /// creations may be refused and tried again. Empty: one request leg
    /// before each order's creation.
    pub placed_us: Vec<f64>,
    /// On the paused clock, the timers' tick, µs: a timer due at `u`
    /// fires at the first multiple of it at or after `u` (tokio's timer
    /// counts whole milliseconds), where the mean lateness says only how
    /// late on average. Read by the replays of [`super::partition`], where
    /// a jittered backoff deadline a fraction of a millisecond before a
    /// window's end decides whether its poll gets through. `None`: the
    /// mean lateness (the real clock, or no tick known).
    pub timer_tick_us: Option<f64>,
}

/// Quantile points of S for the webhook and hybrid sums.
const GRID: usize = 64;

/// The midpoints of `GRID` equal-probability slices of `dist`, µs: a
/// quadrature of any function of S (exact for a fixed S).
pub(super) fn quantile_grid(dist: &Distribution) -> Vec<f64> {
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
const CONDITIONAL_FORMULA: &str = "the polls of poll (E[n] = 1 + sum_k P(S > kT + D), same delay); \
     every pending poll after the first sends If-None-Match and gets a 304: E[304] = E[n] - 1 - P(S > T + D)";
const BACKOFF_FORMULA: &str = "polls due at the schedule's instants t_k after the creation answer: \
     E[n] = sum_k P(S > t_(k-1) + D), D = response leg + timer lateness + request leg; delay = the first answer after S, minus S";
const LONG_POLL_FORMULA: &str = "holds [a_k, a_k + W], a_0 = response + request leg, a_(k+1) = a_k + W + RTT: \
     requests = 1 + #{k: a_k + W < S} (1 + floor(S/W) on a network that takes no time); \
     delay = settlement lateness + one leg inside a hold, a_(k+1) - S + one leg in a gap";
const LONG_POLL_EVENTS_FORMULA: &str = "one held request per merchant, replayed over the settlement instants: \
     a request reads at send + request leg, answers when an event is there or at the wait's end, \
     learned one response leg later, the next sent at once; every request sent before the last order is learned is counted";
const STREAM_FORMULA: &str = "one connection per merchant; each event is pushed when the settlement worker appends it: \
     delay = settlement lateness + one leg; requests = 2 x merchants / orders (each stream opened from now, and the page of the log read once it opened)";
const RATE_LIMITED_FORMULA: &str = "the token bucket replayed over every creation and poll in the order they reach the platform: \
     max(r, 1) tokens, r a second, one a request let in; a request that finds less than one is refused 429 with Retry-After = ceil((1 - tokens)/r) s; \
     a refused poll's next deadline moves to max(next, answer + Retry-After), a refused creation is tried again after it (5 tries); \
     requests = polls answered, delay = first answer after S";
/// What [`RATE_LIMITED_FORMULA`] adds under `[network] partitions`.
const RATE_LIMITED_WINDOWS: &str = "; a request that leaves or would arrive in a partition window takes no token and fails uncounted: \
     a poll's schedule goes on, a creation is tried again 100 ms after, doubling (5 tries with the 429s)";
const HYBRID_FORMULA: &str = "webhook as modelled, plus reconciliation polls sent at R + jE + D until the shop knows: \
     sum_j P(S > R + jE + D - webhook delay), and for a lost webhook every poll until one reads after S";

/// The scenario's deliveries of `strategy`, with the rates and legs a run
/// drew where given.
fn deliveries(
    strategy: &StrategySpec,
    scenario: &Scenario,
    rates: Option<FaultRates>,
    own_legs: Option<DeliveryLegs>,
) -> Deliveries {
    let mut deliveries =
        Deliveries::from_scenario(&scenario.delivery_for(strategy), &scenario.faults);
    if let Some(rates) = rates {
        deliveries = deliveries.with_rates(rates);
    }
    if let Some(own) = own_legs {
        deliveries = deliveries.with_legs(own);
    }
    deliveries
}

/// Shared by both predictions: the strategy's model over `orders`, with S
/// for webhooks integrated over `grid` (`None`: each order's own S).
fn model(
    strategy: &StrategySpec,
    scenario: &Scenario,
    (orders, retries_us, copies): (&[OrderTimes], &[Vec<f64>], &[CopiesDrawn]),
    law: SettleLaw<'_>,
    grid: Option<&[f64]>,
    deliveries: Deliveries,
    legs: Legs,
) -> Prediction {
    match strategy {
        StrategySpec::Poll { interval_ms, .. } => {
            let c = poll_costs(&law, interval_ms.as_us() as f64, legs);
            Prediction {
                latency_mean_ms: round_ms(c.delay_us / 1e3),
                requests_per_order: round4(c.polls),
                polls_wasted_per_order: round4(c.polls - 1.0),
                polls_wasted_share: Some(round4((c.polls - 1.0) / c.polls)),
                unresolved: !c.resolved,
                ..prediction(&legs, POLL_FORMULA)
            }
        }
        StrategySpec::PollEvents {
            interval_ms,
            page_size,
            ..
        } => {
            let arrivals = event_arrivals(orders);
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
        StrategySpec::ConditionalPoll { interval_ms, .. } => {
            // The platform's X-Poll-Interval, when longer, sets the pace
            // (its loaded value is left out: when load comes is not in the
            // model).
            let asked = scenario.platform.poll_interval_s.unwrap_or(0) as f64 * 1e6;
            let t = interval_ms.as_us();
            let c = if asked > t as f64 {
                // The first poll is due at T; each answer then asks for more.
                let every = asked as u64;
                scheduled_poll_costs(&law, (0..).map(|k: u64| t + k * every), true, legs)
            } else {
                conditional_poll_costs(&law, t as f64, legs)
            };
            spectrum_prediction(&c, &legs, CONDITIONAL_FORMULA)
        }
        StrategySpec::BackoffPoll { schedule, .. } => {
            // Without jitter every order has the same instants: one sum
            // over S's law. With it, each order its own, from the seeded
            // stream the shop draws them from.
            let c = if schedule.jitter > 0.0 && schedule.at_ms.is_empty() {
                let mut sum = SpectrumCosts::default();
                for (i, o) in orders.iter().enumerate() {
                    let id = OrderId::numbered(i as u64 + 1);
                    let own = SettleLaw::from_draws([o.settle_after_us]);
                    let law = if grid.is_some() { law.clone() } else { own };
                    let deadlines = schedule.deadlines(id.as_str());
                    let c = scheduled_poll_costs(&law, deadlines, false, legs);
                    sum.unresolved |= c.unresolved;
                    sum.requests += c.requests;
                    sum.wasted += c.wasted;
                    sum.delay_us += c.delay_us;
                }
                let n = orders.len().max(1) as f64;
                SpectrumCosts {
                    requests: sum.requests / n,
                    wasted: sum.wasted / n,
                    not_modified: 0.0,
                    delay_us: sum.delay_us / n,
                    unresolved: sum.unresolved,
                }
            } else {
                // Unjittered: geometric up to the cap, or `at_ms` then its
                // last gap again, so the gaps even out.
                scheduled_poll_costs(&law, schedule.deadlines(""), true, legs)
            };
            Prediction {
                not_modified_per_order: None,
                ..spectrum_prediction(&c, &legs, BACKOFF_FORMULA)
            }
        }
        StrategySpec::LongPoll { wait_ms, .. } => {
            let c = long_poll_costs(&law, wait_ms.as_us() as f64, legs);
            Prediction {
                not_modified_per_order: None,
                ..spectrum_prediction(&c, &legs, LONG_POLL_FORMULA)
            }
        }
        StrategySpec::LongPollEvents {
            wait_ms, page_size, ..
        } => long_poll_events(orders, (wait_ms, *page_size), scenario, legs, None),
        StrategySpec::Stream { .. } => {
            let n = orders.len().max(1) as f64;
            Prediction {
                latency_mean_ms: round_ms(stream_delay_us(&legs) / 1e3),
                // Each merchant's first stream opens from now and is
                // followed by one page of the log (the catch-up of what
                // settled before it opened; crates/shop/src/stream.rs).
                requests_per_order: round4(2.0 * f64::from(scenario.workload.merchants.max(1)) / n),
                polls_wasted_per_order: 0.0,
                ..prediction(&legs, STREAM_FORMULA)
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
                first_attempt_us: None,
            }];
            let summed = if time_free && grid.is_some() {
                &standing[..]
            } else {
                orders
            };
            let mut sums = Sums::default();
            for (i, o) in summed.iter().enumerate() {
                // Over the grid, S varies and so does the departure: the
                // recorded one belongs to the order's own S only.
                let (delays, departs, drawn) = match grid {
                    Some(g) => (g.to_vec(), None, EventDraws::default()),
                    None => (
                        vec![o.settle_after_us as f64],
                        o.first_attempt_us,
                        EventDraws {
                            retries_us: retries_us.get(i).map_or(&[], Vec::as_slice),
                            copies: copies.get(i),
                        },
                    ),
                };
                let weight = 1.0 / delays.len() as f64;
                for s in delays {
                    let times = (o.created_us, s, departs);
                    sums.add(strategy, &deliveries, times, drawn, &legs, weight);
                }
            }
            // A webhook's legs are its deliveries'; a hybrid's polls keep
            // the shared legs, and the row reports those.
            let reported = match strategy {
                StrategySpec::Webhook { .. } => deliveries.legs(&legs),
                _ => legs,
            };
            let mut p = sums.prediction(strategy, &reported);
            if every_attempt_times_out(&deliveries, &legs) {
                let sent = sent_through_lane(strategy, scenario, orders, grid, &deliveries, &legs);
                let n = orders.len().max(1) as f64;
                let attempts = sent * (1.0 + deliveries.rates.duplicate_rate.clamp(0.0, 1.0)) / n;
                let polls = p.requests_per_order
                    - p.webhook_attempts_per_order.unwrap_or(p.requests_per_order);
                p.requests_per_order = round4(polls + attempts);
                if p.webhook_attempts_per_order.is_some() {
                    p.webhook_attempts_per_order = Some(round4(attempts));
                }
            }
            p
        }
    }
}

/// Whether every delivery attempt fails by its timeout: the receiver
/// answers no sooner than the dispatcher gives up, and no down window
/// answers some of them at once (see [`super::lane`]).
fn every_attempt_times_out(d: &Deliveries, legs: &Legs) -> bool {
    let l = d.legs(legs);
    d.down.is_empty()
        && !d.schedule_us.is_empty()
        && l.request_us + d.receiver_delay_us + l.response_us >= d.timeout_us
}

/// The attempts the dispatcher's lanes (one per merchant's endpoint) send
/// before the run ends, when every attempt times out ([`super::lane`]).
/// Each event's first attempt falls due at its settlement plus the
/// settlement worker's lateness and the first delay (in the paper model,
/// at the mean S: the lane's count depends on the instants only through
/// the queue). The run's end is the one measured, or the expected one: a
/// webhook run, whose orders are never learned, ends at its deadline (last
/// settlement + the delivery's worst case + grace, outages waited out:
/// [`Scenario::deadline_us`]); a hybrid's once its
/// last order is learned by a poll (the last creation, at the top quantile
/// of S), or at its deadline if sooner.
fn sent_through_lane(
    strategy: &StrategySpec,
    scenario: &Scenario,
    orders: &[OrderTimes],
    grid: Option<&[f64]>,
    d: &Deliveries,
    legs: &Legs,
) -> f64 {
    let first = d.schedule_us.first().copied().unwrap_or(0.0);
    let mean_s = grid.map(|g| g.iter().sum::<f64>() / g.len().max(1) as f64);
    let settled = |o: &OrderTimes| o.created_us + mean_s.unwrap_or(o.settle_after_us as f64);
    let end = d.run_end_us.unwrap_or_else(|| {
        let last_settled = orders
            .iter()
            .map(|o| {
                o.created_us
                    + grid
                        .and_then(|g| g.last().copied())
                        .unwrap_or(o.settle_after_us as f64)
            })
            .fold(0.0, f64::max);
        let deadline = scenario.deadline_us(strategy, last_settled);
        match Reconcile::of(strategy) {
            Some(reconcile) => {
                let last = orders.iter().map(|o| o.created_us).fold(0.0, f64::max);
                let s = grid.and_then(|g| g.last().copied()).unwrap_or_else(|| {
                    orders
                        .iter()
                        .map(|o| o.settle_after_us as f64)
                        .fold(0.0, f64::max)
                });
                let o = hybrid_order(d, reconcile, last, s, None, legs);
                (last + s + o.delay_if_lost_us).min(deadline)
            }
            None => deadline,
        }
    });
    let mut by_merchant: std::collections::BTreeMap<u32, Vec<f64>> = Default::default();
    for o in orders {
        let due = match (grid, o.first_attempt_us) {
            (None, Some(at)) => at,
            _ => settled(o) + legs.settle_late_us + first,
        };
        by_merchant.entry(o.merchant).or_default().push(due);
    }
    by_merchant
        .values()
        .map(|firsts| {
            lane_attempts(firsts, &d.schedule_us, d.timeout_us, DISPATCH_WORKERS, end) as f64
        })
        .sum()
}

/// A prediction from per-order costs (conditional, backoff, long polls).
fn spectrum_prediction(c: &SpectrumCosts, legs: &Legs, formula: &str) -> Prediction {
    Prediction {
        latency_mean_ms: round_ms(c.delay_us / 1e3),
        requests_per_order: round4(c.requests),
        polls_wasted_per_order: round4(c.wasted),
        polls_wasted_share: Some(round4(if c.requests > 0.0 {
            c.wasted / c.requests
        } else {
            0.0
        })),
        not_modified_per_order: Some(round4(c.not_modified)),
        unresolved: c.unresolved,
        ..prediction(legs, formula)
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
        (created_us, settle_after_us, departs_us): (f64, f64, Option<f64>),
        drawn: EventDraws<'_>,
        legs: &Legs,
        weight: f64,
    ) {
        self.orders += weight;
        match Reconcile::of(strategy) {
            Some(reconcile) => {
                let times = (created_us, settle_after_us, departs_us);
                let o = hybrid_order_drawn(d, reconcile, times, drawn, legs);
                self.attempts += weight * o.attempts;
                self.polls += weight * o.polls;
                self.wasted += weight * o.polls_wasted;
                self.duplicates += weight * o.duplicates;
                self.delay_learned_us += weight * o.delay_us;
            }
            None => {
                let settled = created_us + settle_after_us;
                let o = webhook_order_drawn(d, settled, departs_us, drawn, legs);
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
    if let Some(p) = rate_limited_paper(strategy, scenario, &legs) {
        return p;
    }
    if let Some(p) = super::partition::paper(strategy, scenario, plan, &legs) {
        return p;
    }
    let settle = &scenario.workload.settle;
    let grid = quantile_grid(settle);
    // Under `[network] partitions`, each creation when its tries get through.
    let orders = super::partition::paper_orders(plan, &scenario.network, &legs);
    model(
        strategy,
        scenario,
        (&orders, &[], &[]),
        SettleLaw::Dist(settle),
        Some(&grid),
        partitioned(
            strategy,
            scenario,
            deliveries(strategy, scenario, None, None),
            &legs,
        ),
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
    if let Some(p) = rate_limited_draws(strategy, scenario, draws, &legs) {
        return p;
    }
    if let Some(p) = super::partition::for_draws(strategy, scenario, draws, &legs, &[]) {
        return p;
    }
    if let Some(p) = super::partition::jittered_backoff_for_draws(strategy, scenario, draws, &legs)
    {
        return p;
    }
    // A held request of the event log wakes when the worker settles, on
    // the paused clock's tick: with the mean lateness instead, each answer
    // (and the next request, sent from it) was up to a tick off, and the
    // chain of them 0.009 ms off the measurement in `results/spectrum`.
    if let StrategySpec::LongPollEvents {
        wait_ms, page_size, ..
    } = strategy
        && draws.timer_tick_us.is_some()
    {
        let wait = (wait_ms, *page_size);
        return long_poll_events(&draws.orders, wait, scenario, legs, draws.timer_tick_us);
    }
    let law = SettleLaw::from_draws(draws.orders.iter().map(|o| o.settle_after_us));
    let own = Deliveries {
        run_end_us: draws.run_end_us,
        attempts_as_drawn: !draws.retries_us.is_empty(),
        ..deliveries(strategy, scenario, draws.fault_rates, draws.delivery_legs)
    };
    model(
        strategy,
        scenario,
        (&draws.orders, &draws.retries_us, &draws.webhook_copies),
        law,
        None,
        partitioned(strategy, scenario, own, &legs).windows_moved_back(draws.windows_origin_us),
        legs,
    )
}

/// Each order's event as an event-log poller meets it: visible when the
/// worker settled it, or at its scheduled instant (reads come on whole
/// milliseconds in virtual time, so the scheduled instant decides what a
/// read sees).
fn event_arrivals(orders: &[OrderTimes]) -> Vec<EventArrival> {
    orders
        .iter()
        .map(|o| EventArrival {
            merchant: o.merchant,
            settled_us: o.settled_us(),
            visible_us: o.settled_by_worker_us.unwrap_or(o.settled_us()),
        })
        .collect()
}

/// The event-log long pollers replayed over `orders`, the settlement
/// worker waking a held request on the paused clock's tick `tick_us` when
/// given (the run's draws), else its mean lateness after the instant.
fn long_poll_events(
    orders: &[OrderTimes],
    (wait_ms, page_size): (&Dur, usize),
    scenario: &Scenario,
    legs: Legs,
    tick_us: Option<f64>,
) -> Prediction {
    let arrivals = event_arrivals(orders);
    let c = event_long_poll_costs(
        &arrivals,
        &EventLongPolling {
            start_us: 0.0,
            wait_us: wait_ms.as_us() as f64,
            page_size,
            merchants: scenario.workload.merchants.max(1),
            legs,
            worker_tick_us: tick_us,
        },
    );
    let n = orders.len().max(1) as f64;
    let learned = c.learned.max(1) as f64;
    Prediction {
        latency_mean_ms: round_ms(c.delay_sum_us / learned / 1e3),
        requests_per_order: round4(c.requests as f64 / n),
        polls_wasted_per_order: round4(c.wasted as f64 / n),
        polls_wasted_share: Some(round4(c.wasted as f64 / c.requests.max(1) as f64)),
        ..prediction(&legs, LONG_POLL_EVENTS_FORMULA)
    }
}

/// A webhook's or a hybrid's deliveries with the `[network]` partition
/// windows as refusing down spans, and for the hybrid's reconciliation
/// polls as windows that refuse them
/// ([`super::partition::with_partitions`]); any other strategy's as they
/// are.
fn partitioned(
    strategy: &StrategySpec,
    scenario: &Scenario,
    d: Deliveries,
    legs: &Legs,
) -> Deliveries {
    match strategy {
        StrategySpec::Webhook { .. } | StrategySpec::Hybrid { .. } => {
            super::partition::with_partitions(d, &scenario.network, legs)
        }
        _ => d,
    }
}

/// Workload samples the paper model of a rate-limited poller replays: as
/// many as keep it near [`PAPER_ORDERS`] orders in all, within 1 and 32.
const PAPER_ORDERS: u64 = 50_000;

/// A poller behind the platform's rate limit, on paper: the bucket
/// replayed ([`super::ratelimit`]) over fresh samples of the scenario's
/// workload (its distributions, seeds derived from the scenario's, not the
/// run's own draws), each placed at its arrival plus the placement
/// lateness and ended at its expected deadline (last settlement + T +
/// grace, outages waited out: [`Scenario::deadline_us`]). `None` when the strategy is not a plain poller, the platform
/// has no limit, or no sample saw a 429 (the plain poll model then holds,
/// exactly).
fn rate_limited_paper(
    strategy: &StrategySpec,
    scenario: &Scenario,
    legs: &Legs,
) -> Option<Prediction> {
    let (StrategySpec::Poll { interval_ms, .. }, Some(rate)) =
        (strategy, scenario.platform.rate_limit_per_s)
    else {
        return None;
    };
    let t = interval_ms.as_us() as f64;
    let orders = u64::from(scenario.workload.orders).max(1);
    let samples = (PAPER_ORDERS / orders).clamp(1, 32);
    let mut sum = RateLimitedCosts::default();
    for k in 1..=samples {
        let seed = scenario.seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let plan = crate::workload::generate(&scenario.workload, seed);
        let placed: Vec<Placed> = plan
            .iter()
            .map(|o| Placed {
                merchant: o.merchant,
                placed_us: o.arrive_at.0 as f64 + legs.placement_late_us,
                settle_after_us: o.settle_after.as_us(),
            })
            .collect();
        let end = scenario.deadline_us(strategy, crate::workload::last_settlement(&plan).0 as f64);
        let windows = super::partition::Partitions::from_network(&scenario.network);
        sum.add(&replay_through(&placed, t, rate, legs, end, &windows));
    }
    let windows = !scenario.network.partitions.is_empty();
    (sum.rate_limited > 0).then(|| rate_limited_prediction(&sum, legs, windows))
}

/// A poller behind the platform's rate limit, over the run's draws: the
/// bucket replayed over each order's placement and S as drawn, until the
/// run's end, through the `[network]` partition windows. `None` as for
/// [`rate_limited_paper`] (the partition model, [`super::partition`],
/// then replays a poller the bucket never refused).
pub(super) fn rate_limited_draws(
    strategy: &StrategySpec,
    scenario: &Scenario,
    draws: &RunDraws,
    legs: &Legs,
) -> Option<Prediction> {
    let (StrategySpec::Poll { interval_ms, .. }, Some(rate)) =
        (strategy, scenario.platform.rate_limit_per_s)
    else {
        return None;
    };
    let t = interval_ms.as_us() as f64;
    let placed: Vec<Placed> = draws
        .orders
        .iter()
        .enumerate()
        .map(|(i, o)| Placed {
            merchant: o.merchant,
            placed_us: draws
                .placed_us
                .get(i)
                .copied()
                .filter(|p| p.is_finite())
                .unwrap_or(o.created_us - legs.request_us),
            settle_after_us: o.settle_after_us,
        })
        .collect();
    let end = draws.run_end_us.unwrap_or_else(|| {
        let last_settled = draws
            .orders
            .iter()
            .map(OrderTimes::settled_us)
            .fold(0.0, f64::max);
        scenario.deadline_us(strategy, last_settled)
    });
    let windows = super::partition::Partitions::from_network(&scenario.network)
        .moved_back(draws.windows_origin_us);
    let c = replay_through(&placed, t, rate, legs, end, &windows);
    let windows = !windows.is_empty();
    (c.rate_limited > 0).then(|| rate_limited_prediction(&c, legs, windows))
}

/// The prediction of a rate-limited poller's replay (through partition
/// windows if `windows`).
fn rate_limited_prediction(c: &RateLimitedCosts, legs: &Legs, windows: bool) -> Prediction {
    let formula = match windows {
        true => format!("{RATE_LIMITED_FORMULA}{RATE_LIMITED_WINDOWS}"),
        false => RATE_LIMITED_FORMULA.to_owned(),
    };
    let n = c.orders.max(1) as f64;
    Prediction {
        latency_mean_ms: round_ms(c.delay_mean_us() / 1e3),
        requests_per_order: round4(c.polls as f64 / n),
        polls_wasted_per_order: round4(c.wasted as f64 / n),
        polls_wasted_share: Some(round4(c.wasted as f64 / c.polls.max(1) as f64)),
        missed_share: Some(round4(c.orders.saturating_sub(c.learned) as f64 / n)),
        rate_limited_per_order: Some(round4(c.rate_limited as f64 / n)),
        ..prediction(legs, &formula)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload;

    fn scenario(body: &str) -> Scenario {
        let text = format!(
            "name = \"t\"\nseed = 9\n[workload]\norders = 400\narrival = {{ dist = \"fixed\", every_ms = 7 }}\n{body}"
        );
        Scenario::parse(&text, "t.toml").unwrap()
    }

    fn legs(one_way_ms: f64, late_ms: f64) -> Legs {
        Legs {
            request_us: one_way_ms * 1e3,
            response_us: one_way_ms * 1e3,
            timer_late_us: late_ms * 1e3,
            ..Legs::default()
        }
    }

    /// The poller of `crates/shop/src/poll.rs`, in a few lines: deadlines
    /// at start + kT, a poll leaves when due (plus lateness) or when the
    /// previous answer is back, and the first read at or after the
    /// settlement finds it. Returns (mean polls, mean delay µs).
    fn simulate_poller(orders: &[OrderTimes], t_us: f64, l: &Legs) -> (f64, f64) {
        let (mut polls, mut delay) = (0.0, 0.0);
        for o in orders {
            let start = o.created_us + l.response_us;
            let mut free = f64::NEG_INFINITY;
            for k in 1.. {
                let send = (start + k as f64 * t_us + l.timer_late_us).max(free);
                let read = send + l.request_us;
                free = read + l.response_us;
                if read >= o.settled_us() {
                    polls += k as f64;
                    delay += free - o.settled_us();
                    break;
                }
            }
        }
        let n = orders.len() as f64;
        (polls / n, delay / n)
    }

    #[test]
    fn the_prediction_for_the_draws_is_the_simulated_poller_exactly() {
        let s = scenario(
            "settle = { dist = \"uniform\", min_ms = 200, max_ms = 2000 }\n\
             [[strategy]]\nname = \"p\"\nkind = \"poll\"\ninterval_ms = 100\n",
        );
        let plan = workload::generate(&s.workload, s.seed);
        // 20 ms legs and T = 100 ms; then T = 10 ms, shorter than a round trip.
        for (t_ms, l) in [
            (100u64, legs(20.0, 0.3)),
            (10, legs(20.0, 0.0)),
            (10, legs(0.0, 0.0)),
        ] {
            let spec = StrategySpec::Poll {
                name: "p".into(),
                interval_ms: Dur::from_ms(t_ms),
            };
            let draws = RunDraws {
                windows_origin_us: 0.0,
                orders: OrderTimes::from_plan(&plan, &l),
                fault_rates: None,
                delivery_legs: None,
                retries_us: Vec::new(),
                webhook_copies: Vec::new(),
                run_end_us: None,
                placed_us: Vec::new(),
                timer_tick_us: None,
            };
            let p = predicted_for_draws(&spec, &s, &draws, l);
            let (polls, delay_us) = simulate_poller(&draws.orders, t_ms as f64 * 1e3, &l);
            assert!(
                (p.requests_per_order - polls).abs() < 1e-4,
                "T={t_ms}: {p:?} vs {polls}"
            );
            assert!(
                (p.latency_mean_ms - delay_us / 1e3).abs() < 1e-3,
                "T={t_ms}: {p:?} vs {delay_us}"
            );
        }
    }

    /// poll-interval-sweep's poll@50ms (real clock) measured 0.022 ± 0.003 s
    /// against a paper model of 0.025 s, marked `(!)`, while the model fed
    /// its draws said 0.022 s. The cause is the seed, not the model: with S
    /// spread over 110 intervals the residual from the settlement to the
    /// next read is uniform on [0, T], so the paper mean is T/2 + one leg
    /// exactly, and seed 7's 100 settlement delays happen to sit about 3 ms
    /// (2.2 standard errors) closer to a read than that (with these legs;
    /// under other legs and timer lateness the same draws sit elsewhere: a
    /// loaded rerun measured 0.026 s). Over many seeds
    /// the draws' model averages the paper model, so the paper model is
    /// unbiased and the mark is the 5% a 95% interval leaves out.
    #[test]
    fn poll_at_50ms_seed_7_is_low_by_its_draws_not_by_the_model() {
        let s = |seed: u64| {
            Scenario::parse(
                &format!(
                    "name = \"t\"\nseed = {seed}\n[workload]\norders = 100\n\
                     arrival = {{ dist = \"fixed\", every_ms = 5 }}\n\
                     settle = {{ dist = \"uniform\", min_ms = 500, max_ms = 6000 }}\n\
                     [[strategy]]\nname = \"p\"\nkind = \"poll\"\ninterval_ms = 50\n"
                ),
                "t.toml",
            )
            .unwrap()
        };
        // The committed run's paper legs: 0.071 ms each way, 1.119 ms late.
        let l = Legs {
            request_us: 71.0,
            response_us: 71.0,
            timer_late_us: 1_119.0,
            ..Legs::default()
        };
        let draws_mean = |seed: u64| {
            let sc = s(seed);
            let plan = workload::generate(&sc.workload, sc.seed);
            let draws = RunDraws {
                windows_origin_us: 0.0,
                orders: OrderTimes::from_plan(&plan, &l),
                fault_rates: None,
                delivery_legs: None,
                retries_us: Vec::new(),
                webhook_copies: Vec::new(),
                run_end_us: None,
                placed_us: Vec::new(),
                timer_tick_us: None,
            };
            predicted_for_draws(&sc.strategies[0], &sc, &draws, l).latency_mean_ms
        };
        let sc = s(7);
        let plan = workload::generate(&sc.workload, sc.seed);
        let paper = predicted(&sc.strategies[0], &sc, &plan, l).latency_mean_ms;
        assert!((paper - 25.071).abs() < 0.01, "{paper}");
        // 21.896 ms with the paper's legs (22.193 in the committed run, fed
        // that run's own creation legs), against 22.158 measured.
        let seed7 = draws_mean(7);
        assert!((seed7 - 21.896).abs() < 0.01, "{seed7}");
        // 300 seeds: the mean of their draws' models has a standard error
        // of about 14.4/sqrt(100)/sqrt(300) = 0.083 ms.
        let seeds = 300;
        let mean = (1..=seeds).map(draws_mean).sum::<f64>() / seeds as f64;
        assert!((mean - paper).abs() < 0.3, "{mean} against {paper}");
    }

    /// A hybrid whose receiver (20 s) is slower than the delivery timeout
    /// (the default 15 s): every attempt times out, holding one of the
    /// dispatcher's 64 workers for 15 s, and the run ends once the polls
    /// learned every order. Its virtual run (300 orders 100 ms apart, S
    /// uniform 0.2..2 s, reconcile after 1.5 s then every 500 ms, seed 2)
    /// sent 135 attempts and 392 polls in 31.7 s: 1.7567 requests per order,
    /// where the chain model alone said 9.28 (8 attempts an order).
    #[test]
    fn a_hybrid_whose_receiver_outlasts_the_timeout_sends_what_the_lane_lets_through() {
        let sc = Scenario::parse(
            "name = \"t\"\nseed = 2\n[workload]\norders = 300\n\
             arrival = { dist = \"fixed\", every_ms = 100 }\n\
             settle = { dist = \"uniform\", min_ms = 200, max_ms = 2000 }\n\
             [faults]\nreceiver_delay_ms = \"20s\"\n\
             [[strategy]]\nname = \"h\"\nkind = \"hybrid\"\n\
             reconcile_after_ms = \"1.5s\"\nreconcile_every_ms = \"500ms\"\n",
            "t.toml",
        )
        .unwrap();
        let plan = workload::generate(&sc.workload, sc.seed);
        let l = Legs::default();
        let draws = RunDraws {
            windows_origin_us: 0.0,
            orders: OrderTimes::from_plan(&plan, &l),
            fault_rates: None,
            delivery_legs: None,
            retries_us: Vec::new(),
            webhook_copies: Vec::new(),
            run_end_us: Some(31.7e6),
            placed_us: Vec::new(),
            timer_tick_us: None,
        };
        let p = predicted_for_draws(&sc.strategies[0], &sc, &draws, l);
        assert!((p.requests_per_order - 1.7567).abs() < 0.02, "{p:?}");
        let attempts = p.webhook_attempts_per_order.unwrap_or(f64::NAN);
        assert!((attempts - 135.0 / 300.0).abs() < 0.01, "{p:?}");
        // The paper model, with the run's end expected rather than measured.
        let paper = predicted(&sc.strategies[0], &sc, &plan, l);
        assert!(
            (paper.requests_per_order - 1.7567).abs() / 1.7567 < 0.05,
            "{paper:?}"
        );
    }

    #[test]
    fn a_webhook_under_loss_and_errors_by_hand() {
        let s = scenario(
            "settle = { dist = \"fixed\", ms = 100 }\n\
             [delivery]\nretry_schedule = [\"0s\", \"1s\"]\njitter = 0.0\n\
             [faults]\nsilent_loss = 0.1\nreceiver_error_rate = 0.5\n\
             [[strategy]]\nname = \"w\"\nkind = \"webhook\"\n",
        );
        let plan = workload::generate(&s.workload, s.seed);
        let l = legs(10.0, 0.0);
        let p = predicted(&s.strategies[0], &s, &plan, l);
        // Attempts 1 + 0.5; missed 0.25 + 0.75·0.1 = 0.325; learned: 0.45
        // at 10 ms, 0.225 at 10 + 10 + 1000 + 10 = 1030 ms.
        assert_eq!(p.requests_per_order, 1.5);
        assert_eq!(p.missed_share, Some(0.325));
        let mean = (0.45 * 10.0 + 0.225 * 1030.0) / 0.675;
        assert!((p.latency_mean_ms - mean).abs() < 1e-3, "{p:?}");
        // The drawn rates replace the scenario's.
        let draws = RunDraws {
            windows_origin_us: 0.0,
            orders: OrderTimes::from_plan(&plan, &l),
            fault_rates: Some(FaultRates::default()),
            delivery_legs: None,
            retries_us: Vec::new(),
            webhook_copies: Vec::new(),
            run_end_us: None,
            placed_us: Vec::new(),
            timer_tick_us: None,
        };
        let d = predicted_for_draws(&s.strategies[0], &s, &draws, l);
        assert_eq!((d.requests_per_order, d.missed_share), (1.0, Some(0.0)));
        assert!((d.latency_mean_ms - 10.0).abs() < 1e-9);
    }

    #[test]
    fn a_down_window_in_the_paper_prediction_by_hand() {
        // Orders every 7 ms, each settling 100 ms after creation, no
        // network; the receiver answers 503 until 1 s; retry after 1 s.
        // Settlements at 7i + 100 ms fall in the window for i ≤ 128: those
        // 129 of 400 orders wait exactly 1 s for their second attempt.
        let s = scenario(
            "settle = { dist = \"fixed\", ms = 100 }\n\
             [delivery]\nretry_schedule = [\"0s\", \"1s\"]\njitter = 0.0\n\
             [faults]\nreceiver_down = [{ from_ms = 0, until_ms = 1000 }]\n\
             [[strategy]]\nname = \"w\"\nkind = \"webhook\"\n",
        );
        let plan = workload::generate(&s.workload, s.seed);
        let p = predicted(&s.strategies[0], &s, &plan, Legs::default());
        assert_eq!(p.requests_per_order, 1.3225);
        assert_eq!(p.latency_mean_ms, 322.5);
        assert_eq!(p.missed_share, Some(0.0));
    }

    #[test]
    fn a_hybrid_under_silent_loss_by_hand() {
        // Fixed S = 600 ms, 20% lost, reconcile after 1.5 s: a lost order
        // costs one poll and waits 1500 + 3 legs − 600 = 960 ms.
        let s = scenario(
            "settle = { dist = \"fixed\", ms = 600 }\n\
             [faults]\nsilent_loss = 0.2\n\
             [[strategy]]\nname = \"h\"\nkind = \"hybrid\"\nreconcile_after_ms = 1500\nreconcile_every_ms = 500\n",
        );
        let plan = workload::generate(&s.workload, s.seed);
        let l = legs(20.0, 0.0);
        let p = predicted(&s.strategies[0], &s, &plan, l);
        assert_eq!(p.requests_per_order, 1.2);
        assert_eq!(p.webhook_attempts_per_order, Some(1.0));
        assert_eq!(p.missed_share, Some(0.0));
        assert!(
            (p.latency_mean_ms - (0.8 * 20.0 + 0.2 * 960.0)).abs() < 1e-3,
            "{p:?}"
        );
    }

    #[test]
    fn the_event_log_poller_from_the_plan() {
        // One order every 7 ms settling 1 s later; polled every 100 ms, no
        // network: the last of 400 orders settles at 2793 + 1000 = 3793
        // ms, found at 3800: 38 polls for 400 orders. The first settles at
        // 1000 ms (found by the poll at that very instant), so the 9 polls
        // at 100 … 900 ms are the wasted ones.
        let s = scenario(
            "settle = { dist = \"fixed\", ms = 1000 }\n\
             [[strategy]]\nname = \"e\"\nkind = \"poll_events\"\ninterval_ms = 100\n",
        );
        let plan = workload::generate(&s.workload, s.seed);
        let p = predicted(&s.strategies[0], &s, &plan, Legs::default());
        assert_eq!(p.requests_per_order, round4(38.0 / 400.0));
        assert_eq!(p.polls_wasted_share, Some(round4(9.0 / 38.0)));
        assert_eq!(p.polls_wasted_per_order, round4(9.0 / 400.0));
        // A settlement at 7i + 1000 waits until the next multiple of 100.
        let wait: f64 = (0..400u32)
            .map(|i| {
                let at = 7.0 * f64::from(i) + 1000.0;
                (at / 100.0).ceil() * 100.0 - at
            })
            .sum::<f64>()
            / 400.0;
        assert!((p.latency_mean_ms - wait).abs() < 1e-3, "{p:?} vs {wait}");
    }

    #[test]
    fn quantiles_of_a_uniform_are_evenly_spaced() {
        let u = Distribution::Uniform {
            min_ms: Dur::from_ms(0),
            max_ms: Dur::from_ms(640),
        };
        let g = quantile_grid(&u);
        assert_eq!(g.len(), GRID);
        assert!((g[0] - 5_000.0).abs() < 2.0, "{}", g[0]);
        assert!((g[63] - 635_000.0).abs() < 2.0, "{}", g[63]);
    }
}
