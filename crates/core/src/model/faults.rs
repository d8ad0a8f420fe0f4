//! One webhook's way to the shop, with the scenario's faults.
//!
//! What the platform's dispatcher (`crates/platform/src/dispatch.rs`) and
//! the shop's receiver (`crates/shop/src/receiver.rs`) do with one event:
//!
//! - the first attempt leaves when the settlement worker settles the
//!   payment (scheduled instant + its lateness) plus the schedule's first
//!   delay (0 by default); it reaches the receiver one request leg later;
//! - a receiver inside a `receiver_down` window answers 503 (checked when
//!   the request arrives; the failure is back one response leg later), or,
//!   in `mode = "refuse"`, the connection is refused at once when it leaves;
//! - otherwise it answers 500 with probability `receiver_error_rate` (after
//!   `receiver_delay_ms`), or acknowledges: then it drops the event with
//!   probability `silent_loss` (no retry: the sender was told "ok"), or
//!   records it (the shop learns the outcome then);
//! - after a failure, attempt j+1 leaves `schedule[j+1]` later, counted from
//!   when the failure came back, moved by up to ±`jitter` of itself (uniform);
//!   after the last, the event is given up.
//!
//! So with error rate q, loss s and N attempts, with no down window: an
//! event takes `(1 − q^N)/(1 − q)` attempts, is given up with probability
//! `q^N`, lost with `(1 − q^N)·s`, and the k-th attempt records it with
//! `q^(k−1)(1 − q)(1 − s)`, adding the first k−1 retry delays and round trips
//! to its delay. Down windows depend on *when* each attempt lands, so the
//! model follows each event's attempts on the clock: [`chain`] keeps a few
//! weighted paths, and splits a path only where a jittered retry could land
//! on either side of a window's edge (the share on each side is exact; each
//! side then goes on from its midpoint).
//!
//! With `duplicate_rate` d the sender starts a second chain for the same
//! event, at the same instant: it costs its own attempts, and the two chains
//! run independently ([`arrival`]). The receiver checks `webhook-id` before
//! it draws a silent loss, and remembers an id only once it has recorded the
//! event. So of two acknowledged copies, the first (at the earlier instant)
//! is recorded with probability 1 − s and the later one is then caught as a
//! redelivery (a duplicate); if the first was lost, the later one is drawn
//! again, and recorded at *its* instant with probability 1 − s. The order is
//! learned at the earlier of the recordings and missed only if both chains
//! miss. (Before, the model kept the first chain's delay and, for a hybrid,
//! ignored the second chain altogether: with 20% errors and 10% duplicates
//! a hybrid's duplicates were modelled at a seventh of the measurement.)
//!
//! Fed a run's draws, silent loss and duplicates are followed as drawn too
//! ([`CopiesDrawn`]): how many chains the sender started for each event
//! (one, or two), and whether the receiver dropped each chain's
//! acknowledged delivery, as its own log says ([`arrival`] then takes no
//! rate). Of the copies it kept, the earliest was recorded and any later one
//! caught by `webhook-id`, whichever chain was first. With 10% silent loss
//! the rate alone put a hybrid's draws at 59.5 ms against 70.4 measured:
//! which orders lost their webhook is a draw of its own, and a lost one
//! waits for a reconciliation poll, seconds rather than milliseconds.
//!
//! Fed a run's draws, two inputs come from the deliveries themselves rather
//! than from the legs every request shares: when each event's first attempt
//! left (the settlement worker's lateness for that payment and the first
//! delay's jitter, as drawn), and the mean legs of the deliveries' own
//! requests ([`DeliveryLegs`]). The payment creations' legs are another
//! sample of the same network: with `[network] latency` uniform 5..40 ms
//! they put the webhook of `zapier-15min` at 23.05 ms against 23.72
//! measured, 1.8 standard errors apart, where the model is exact.

use super::partition::Partitions;
use super::poll::Legs;
use crate::scenario::{DeliverySettings, DownMode, Faults};

/// The random faults, as rates: the scenario's, or those this run drew.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FaultRates {
    /// Share of attempts (outside down windows) answered 500.
    pub error_rate: f64,
    /// Share of acknowledged deliveries dropped before recording.
    pub silent_loss: f64,
    /// Share of events the sender delivers twice.
    pub duplicate_rate: f64,
}

/// A window when the receiver is down, µs on the run's clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DownSpan {
    /// Start.
    pub from_us: f64,
    /// End (excluded).
    pub until_us: f64,
    /// Connections refused (checked when the attempt leaves) rather than
    /// 503 answers (checked when it arrives).
    pub refuse: bool,
}

/// The one-way legs of a run's deliveries, µs: from the instant an attempt
/// left the dispatcher to the instant the shop recorded the event, and from
/// there to the answer's arrival back at the dispatcher, averaged over the
/// attempts that delivered an order.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DeliveryLegs {
    /// Dispatcher to the shop's record.
    pub request_us: f64,
    /// The shop's record back to the dispatcher.
    pub response_us: f64,
}

/// Everything about delivery that the model needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Deliveries {
    /// Delay before each attempt, µs (its length is the number of attempts).
    pub schedule_us: Vec<f64>,
    /// Each delay moves by up to ± this share of itself.
    pub jitter: f64,
    /// The receiver's added delay before it answers, µs.
    pub receiver_delay_us: f64,
    /// How long the dispatcher waits for an answer, µs: an attempt whose
    /// answer would come later fails as a timeout, and the shop (whose
    /// handler is dropped with the connection) records nothing.
    pub timeout_us: f64,
    /// The random faults.
    pub rates: FaultRates,
    /// The down windows.
    pub down: Vec<DownSpan>,
    /// The legs the deliveries' own requests took in a run, in place of the
    /// legs every request shares (`None`: those).
    pub own_legs: Option<DeliveryLegs>,
    /// When the run stopped, µs on its clock, if measured (`None`: the
    /// paper model; [`super::lane`] then takes the run's expected end).
    /// No attempt leaves after it, so one that would have costs nothing
    /// and records nothing. A hybrid's run stops once the shop knows every
    /// order, and the retries of a webhook a poll overtook were still
    /// waiting then: counting them put flaky-receiver's hybrid at 25
    /// duplicates where the run saw 22.
    pub run_end_us: Option<f64>,
    /// Whether each attempt's error draw is the run's (the model fed a
    /// run's draws, `retries_us` recorded): then an attempt outside a down
    /// window that a retry followed was answered 500, and one that no retry
    /// followed (not the schedule's last) was acknowledged. A duplicated
    /// event's second chain is followed so too when the run told its two
    /// chains apart ([`CopiesDrawn`]); otherwise it keeps the error rate. With 30% errors over
    /// 500 orders the rate alone put the webhook 9.4% above its own draws:
    /// the share of attempts that failed is one draw, the attempts that did
    /// are another.
    pub attempts_as_drawn: bool,
    /// The `[network]` partition windows a hybrid's reconciliation polls
    /// go through ([`super::hybrid`]; a webhook's own windows are among
    /// `down`, see [`super::partition::with_partitions`]). Empty: none.
    pub poll_windows: Partitions,
}

impl Deliveries {
    /// The scenario's `[delivery]` and `[faults]` tables.
    pub fn from_scenario(delivery: &DeliverySettings, faults: &Faults) -> Self {
        Deliveries {
            schedule_us: delivery
                .retry_schedule
                .iter()
                .map(|d| d.as_us() as f64)
                .collect(),
            jitter: delivery.jitter,
            receiver_delay_us: faults.receiver_delay_ms.as_us() as f64,
            timeout_us: delivery.timeout_ms.as_us() as f64,
            rates: FaultRates {
                error_rate: faults.receiver_error_rate,
                silent_loss: faults.silent_loss,
                duplicate_rate: faults.duplicate_rate,
            },
            down: faults
                .receiver_down
                .iter()
                .map(|w| DownSpan {
                    from_us: w.from_ms.as_us() as f64,
                    until_us: w.until_ms.as_us() as f64,
                    refuse: w.mode == DownMode::Refuse,
                })
                .collect(),
            own_legs: None,
            run_end_us: None,
            attempts_as_drawn: false,
            poll_windows: Partitions::default(),
        }
    }

    /// The same, with the rates replaced (by those a run drew).
    pub fn with_rates(mut self, rates: FaultRates) -> Self {
        self.rates = rates;
        self
    }

    /// The same, with every down window `by_us` earlier: the windows count
    /// from the run's clock, and a run's draws from the instant after its
    /// setup (see [`super::forecast::RunDraws::windows_origin_us`]).
    pub fn windows_moved_back(mut self, by_us: f64) -> Self {
        for w in &mut self.down {
            w.from_us -= by_us;
            w.until_us -= by_us;
        }
        self.poll_windows = std::mem::take(&mut self.poll_windows).moved_back(by_us);
        self
    }

    /// The same, with the deliveries' own legs (those a run measured).
    pub fn with_legs(mut self, legs: DeliveryLegs) -> Self {
        self.own_legs = Some(legs);
        self
    }

    /// `shared` with the request and response legs of the deliveries, where
    /// they have their own.
    pub fn legs(&self, shared: &Legs) -> Legs {
        match self.own_legs {
            Some(own) => Legs {
                request_us: own.request_us,
                response_us: own.response_us,
                ..*shared
            },
            None => *shared,
        }
    }

    /// Whether the window `w` covers an attempt that leaves at `send_us`.
    fn down_at(&self, send_us: f64, legs: &Legs) -> Option<&DownSpan> {
        self.down.iter().find(|w| {
            let checked = if w.refuse {
                send_us
            } else {
                send_us + legs.request_us
            };
            w.from_us <= checked && checked < w.until_us
        })
    }

    /// Where a retry due `delay_us` after `base_us` may leave: one
    /// `(probability, instant)` per stretch of the jitter's range that lies
    /// wholly in or out of every down window.
    fn jittered(&self, base_us: f64, delay_us: f64, legs: &Legs) -> Vec<(f64, f64)> {
        let spread = delay_us * self.jitter;
        if spread <= 0.0 {
            return vec![(1.0, base_us + delay_us)];
        }
        let (lo, hi) = (
            base_us + (delay_us - spread).max(0.0),
            base_us + delay_us + spread,
        );
        let mut cuts = vec![lo, hi];
        for w in &self.down {
            // A window is checked at arrival for 503s: shift it back.
            let offset = if w.refuse { 0.0 } else { legs.request_us };
            for edge in [w.from_us - offset, w.until_us - offset] {
                if lo < edge && edge < hi {
                    cuts.push(edge);
                }
            }
        }
        cuts.sort_by(f64::total_cmp);
        cuts.windows(2)
            .filter(|c| c[1] > c[0])
            .map(|c| ((c[1] - c[0]) / (hi - lo), (c[0] + c[1]) / 2.0))
            .collect()
    }
}

/// How one event's delivery chain ends, in probabilities.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChainOutcome {
    /// Expected attempts.
    pub attempts: f64,
    /// `(probability, instant)`: recorded by the shop then, µs on the run's
    /// clock.
    pub recorded: Vec<(f64, f64)>,
    /// `(probability, instant)`: acknowledged by the receiver then (recorded
    /// or silently lost), µs on the run's clock.
    pub acknowledged: Vec<(f64, f64)>,
    /// Probability it was acknowledged and dropped (silent loss).
    pub lost: f64,
    /// Probability every attempt failed.
    pub failed: f64,
}

impl ChainOutcome {
    /// Probability the shop records the event.
    pub fn recorded_share(&self) -> f64 {
        self.recorded.iter().map(|(p, _)| p).sum()
    }
}

/// `retries_us` of an event whose attempts a run's log does not tell whole
/// (see [`chain`]).
pub const ATTEMPTS_UNKNOWN: f64 = f64::NAN;

/// What a run drew for one event beyond its first chain's retries: the
/// chains the sender started and what the receiver did with each one's
/// acknowledged delivery (see the module docs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CopiesDrawn {
    /// One entry per chain the sender started, the first chain (the one
    /// whose retries are [`EventDraws::retries_us`]) first, two for a
    /// duplicated event: whether the receiver acknowledged that chain's
    /// delivery and dropped it (silent loss). Empty: not known (the rates).
    pub lost: Vec<bool>,
    /// A duplicated event's second chain's retries, in the shape of
    /// [`chain`]'s `retries_us`; empty for one chain.
    pub second_retries_us: Vec<f64>,
}

/// What a run drew for one event, as [`arrival`] reads it; the default is
/// the paper model's (nothing drawn).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EventDraws<'a> {
    /// The first chain's retries (see [`chain`]).
    pub retries_us: &'a [f64],
    /// The chains and losses, if the run recorded them (`None`: the
    /// duplicate and loss rates).
    pub copies: Option<&'a CopiesDrawn>,
}

impl<'a> EventDraws<'a> {
    /// Only the first chain's retries recorded.
    pub fn retries(retries_us: &'a [f64]) -> Self {
        EventDraws {
            retries_us,
            copies: None,
        }
    }
}

/// Paths below this probability are dropped (they cannot move a mean).
const NEGLIGIBLE: f64 = 1e-12;

/// Follows the attempts of the event of a payment settled (scheduled) at
/// `settled_us`, on the run's clock. `departs_us`: when its first attempt
/// left, if a run recorded it; otherwise the settlement worker's mean
/// lateness and the schedule's first delay (jittered) later.
///
/// `retries_us`: when the event's retries left (attempt 2, 3, …), if a run
/// recorded them: a path that fails attempt j goes on from the recorded
/// departure of attempt j + 1, the jitter as drawn, and from the jitter's
/// law only past what was recorded (or if the path failed where the run
/// did not). Empty for the paper model. With
/// [`Deliveries::attempts_as_drawn`], a trailing `f64::INFINITY` says the
/// last attempt failed and nothing followed, and a lone
/// [`ATTEMPTS_UNKNOWN`] that the run's log does not tell this event's
/// attempts whole (the error rate decides them).
pub fn chain(
    d: &Deliveries,
    settled_us: f64,
    departs_us: Option<f64>,
    retries_us: &[f64],
    legs: &Legs,
) -> ChainOutcome {
    let mut out = ChainOutcome::default();
    let unknown = retries_us.first().is_some_and(|r| r.is_nan());
    let as_drawn = d.attempts_as_drawn && !unknown;
    let retries_us = if unknown { &[][..] } else { retries_us };
    let Some(first) = d.schedule_us.first() else {
        out.failed = 1.0;
        return out;
    };
    let legs = &d.legs(legs);
    let (q, s) = (
        d.rates.error_rate.clamp(0.0, 1.0),
        d.rates.silent_loss.clamp(0.0, 1.0),
    );
    // (probability, instant the attempt leaves, index in the schedule)
    let mut paths: Vec<(f64, f64, usize)> = match departs_us {
        Some(at) => vec![(1.0, at, 0)],
        None => d
            .jittered(settled_us + legs.settle_late_us, *first, legs)
            .into_iter()
            .map(|(p, t)| (p, t, 0))
            .collect(),
    };
    while let Some((p, send, index)) = paths.pop() {
        if p < NEGLIGIBLE {
            continue;
        }
        if d.run_end_us.is_some_and(|end| send > end) {
            out.failed += p;
            continue;
        }
        out.attempts += p;
        let arrive = send + legs.request_us;
        let (fail, back) = match d.down_at(send, legs) {
            Some(w) if w.refuse => (1.0, send),
            Some(_) => (1.0, arrive + legs.response_us),
            None if legs.request_us + d.receiver_delay_us + legs.response_us >= d.timeout_us => {
                (1.0, send + d.timeout_us)
            }
            None => {
                let answered = arrive + d.receiver_delay_us;
                // As drawn: a retry (or the end mark) after this attempt
                // says it failed; none, that it was acknowledged.
                let q = match as_drawn {
                    true if retries_us.len() > index => 1.0,
                    true => 0.0,
                    false => q,
                };
                let ok = p * (1.0 - q);
                out.acknowledged.push((ok, answered));
                out.recorded.push((ok * (1.0 - s), answered));
                out.lost += ok * s;
                (q, answered + legs.response_us)
            }
        };
        if fail <= 0.0 {
            continue;
        }
        match d.schedule_us.get(index + 1) {
            Some(_) if retries_us.get(index).is_some() => {
                paths.push((p * fail, retries_us[index], index + 1));
            }
            Some(delay) => paths.extend(
                d.jittered(back, *delay, legs)
                    .into_iter()
                    .map(|(w, t)| (p * fail * w, t, index + 1)),
            ),
            None => out.failed += p * fail,
        }
    }
    out
}

/// How an order's webhooks reach the shop: both chains together (see the
/// module docs on duplicates).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Arrival {
    /// Delivery attempts, of both chains.
    pub attempts: f64,
    /// `(probability, instant)`: the shop first records the event then, µs
    /// on the run's clock.
    pub recorded: Vec<(f64, f64)>,
    /// Probability no copy is ever recorded (lost or given up).
    pub never: f64,
    /// Expected copies caught by `webhook-id` after one was recorded.
    pub redeliveries: f64,
}

/// The webhooks of the event of a payment settled (scheduled) at
/// `settled_us`: one chain, or with probability `duplicate_rate` two
/// independent ones, both leaving at `departs_us` if given (see [`chain`]).
/// `drawn.retries_us` are the first chain's (see [`chain`]); without
/// `drawn.copies` a second chain follows the jitter's law, with them
/// both chains and their losses are the run's ([`CopiesDrawn`]).
pub fn arrival(
    d: &Deliveries,
    settled_us: f64,
    departs_us: Option<f64>,
    drawn: EventDraws<'_>,
    legs: &Legs,
) -> Arrival {
    let retries_us = drawn.retries_us;
    let c = chain(d, settled_us, departs_us, retries_us, legs);
    let unknown = retries_us.first().is_some_and(|r| r.is_nan());
    if let Some(copies) = drawn.copies.filter(|c| !unknown && !c.lost.is_empty()) {
        return arrival_as_drawn(d, (settled_us, departs_us), c, copies, legs);
    }
    let dup = d.rates.duplicate_rate.clamp(0.0, 1.0);
    let s = d.rates.silent_loss.clamp(0.0, 1.0);
    // Fed a run's attempts but not its copies (the log did not tell the two
    // chains apart), the first chain is the run's; the second follows the
    // error rate.
    let second = (d.attempts_as_drawn && !unknown && dup > 0.0).then(|| {
        let by_law = Deliveries {
            attempts_as_drawn: false,
            ..d.clone()
        };
        chain(&by_law, settled_us, departs_us, &[], legs)
    });
    let mut out = Arrival {
        attempts: match &second {
            Some(c2) => c.attempts + dup * c2.attempts,
            None => (1.0 + dup) * c.attempts,
        },
        ..Arrival::default()
    };
    // One chain.
    for (p, t) in &c.recorded {
        out.recorded.push(((1.0 - dup) * p, *t));
    }
    if dup > 0.0 {
        let c2 = second.as_ref().unwrap_or(&c);
        for (p1, t1) in &c.acknowledged {
            // The other chain gave up: this copy alone, drawn once (either
            // chain may be the one that got through).
            match &second {
                None => out
                    .recorded
                    .push((2.0 * dup * p1 * c.failed * (1.0 - s), *t1)),
                Some(c2) => out.recorded.push((dup * p1 * c2.failed * (1.0 - s), *t1)),
            }
            for (p2, t2) in &c2.acknowledged {
                let both = dup * p1 * p2;
                let (first, later) = (t1.min(*t2), t1.max(*t2));
                // The first copy recorded; the later one is a redelivery.
                out.recorded.push((both * (1.0 - s), first));
                out.redeliveries += both * (1.0 - s);
                // The first lost; the later one drawn again.
                out.recorded.push((both * s * (1.0 - s), later));
            }
        }
        if let Some(c2) = &second {
            for (p2, t2) in &c2.acknowledged {
                out.recorded.push((dup * p2 * c.failed * (1.0 - s), *t2));
            }
        }
    }
    let learned: f64 = out.recorded.iter().map(|(p, _)| p).sum();
    out.never = (1.0 - learned).max(0.0);
    out
}

/// [`arrival`] with the chains the sender started and the receiver's losses
/// as the run drew them: `c` is the first chain. A chain's acknowledged
/// delivery is kept unless `copies` says it was dropped; of the kept
/// copies the earliest is recorded and a later one is a redelivery (the
/// receiver draws a loss only for a copy whose `webhook-id` it has not
/// recorded, so a copy it kept after another it kept is always caught).
fn arrival_as_drawn(
    d: &Deliveries,
    (settled_us, departs_us): (f64, Option<f64>),
    c: ChainOutcome,
    copies: &CopiesDrawn,
    legs: &Legs,
) -> Arrival {
    let kept = |n: usize| match copies.lost.get(n) {
        Some(true) => 0.0,
        _ => 1.0,
    };
    let k1 = kept(0);
    let mut out = Arrival::default();
    if copies.lost.len() < 2 {
        out.attempts = c.attempts;
        for (p, t) in &c.acknowledged {
            out.recorded.push((p * k1, *t));
        }
    } else {
        let k2 = kept(1);
        let c2 = chain(d, settled_us, departs_us, &copies.second_retries_us, legs);
        out.attempts = c.attempts + c2.attempts;
        for (p1, t1) in &c.acknowledged {
            // The other chain gave up: this copy alone.
            out.recorded.push((p1 * c2.failed * k1, *t1));
            for (p2, t2) in &c2.acknowledged {
                let both = p1 * p2;
                out.recorded.push((both * k1 * k2, t1.min(*t2)));
                out.redeliveries += both * k1 * k2;
                out.recorded.push((both * k1 * (1.0 - k2), *t1));
                out.recorded.push((both * (1.0 - k1) * k2, *t2));
            }
        }
        for (p2, t2) in &c2.acknowledged {
            out.recorded.push((p2 * c.failed * k2, *t2));
        }
    }
    let learned: f64 = out.recorded.iter().map(|(p, _)| p).sum();
    out.never = (1.0 - learned).max(0.0);
    out
}

/// What one order's webhooks cost and bring, in expectation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WebhookOrder {
    /// Delivery attempts.
    pub attempts: f64,
    /// Probability the shop never learns the outcome.
    pub missed: f64,
    /// Expected duplicate notices.
    pub duplicates: f64,
    /// `E[delay · 1{learned}]`, µs: divide the sum over orders by the
    /// learned share to get the mean delay of the learned orders.
    pub delay_learned_us: f64,
}

/// One order under the webhook strategy alone (`departs_us`: see
/// [`chain`]).
pub fn webhook_order(
    d: &Deliveries,
    settled_us: f64,
    departs_us: Option<f64>,
    legs: &Legs,
) -> WebhookOrder {
    webhook_order_drawn(d, settled_us, departs_us, EventDraws::default(), legs)
}

/// [`webhook_order`] with what a run drew for the event: its retries'
/// departures (see [`chain`]), its chains and losses (see [`arrival`]).
pub fn webhook_order_drawn(
    d: &Deliveries,
    settled_us: f64,
    departs_us: Option<f64>,
    drawn: EventDraws<'_>,
    legs: &Legs,
) -> WebhookOrder {
    let a = arrival(d, settled_us, departs_us, drawn, legs);
    WebhookOrder {
        attempts: a.attempts,
        missed: a.never,
        duplicates: a.redeliveries,
        delay_learned_us: a.recorded.iter().map(|(p, t)| p * (t - settled_us)).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deliveries(schedule_ms: &[f64], q: f64, s: f64) -> Deliveries {
        Deliveries {
            schedule_us: schedule_ms.iter().map(|ms| ms * 1e3).collect(),
            jitter: 0.0,
            receiver_delay_us: 0.0,
            timeout_us: 15e6,
            rates: FaultRates {
                error_rate: q,
                silent_loss: s,
                duplicate_rate: 0.0,
            },
            down: Vec::new(),
            own_legs: None,
            run_end_us: None,
            attempts_as_drawn: false,
            poll_windows: Partitions::default(),
        }
    }

    fn legs_ms(one_way: f64) -> Legs {
        Legs {
            request_us: one_way * 1e3,
            response_us: one_way * 1e3,
            ..Legs::default()
        }
    }

    #[test]
    fn retries_under_an_error_rate_by_hand() {
        // q = 0.5, schedule 0, 100 ms, 1 s (3 attempts), 10 ms legs.
        // Attempts: 1 + 0.5 + 0.25 = 1.75; given up: 0.125.
        // Recorded: 0.5 at 10 ms; 0.25 at 10+10+100+10 = 130 ms; 0.125 at
        // 130+10+1000+10 = 1150 ms. Mean delay of learned orders:
        // (0.5·10 + 0.25·130 + 0.125·1150) / 0.875 = 207.14… ms.
        let d = deliveries(&[0.0, 100.0, 1_000.0], 0.5, 0.0);
        let w = webhook_order(&d, 0.0, None, &legs_ms(10.0));
        assert!((w.attempts - 1.75).abs() < 1e-12, "{w:?}");
        assert!((w.missed - 0.125).abs() < 1e-12, "{w:?}");
        let mean = w.delay_learned_us / (1.0 - w.missed);
        assert!((mean - 181_250.0 / 0.875).abs() < 1e-6, "{mean}");
    }

    #[test]
    fn a_receiver_slower_than_the_timeout_loses_every_attempt() {
        // The receiver answers after 700 ms, the dispatcher waits 500 ms:
        // every attempt times out, the shop records nothing, all missed.
        let mut d = deliveries(&[0.0, 100.0, 1_000.0], 0.0, 0.0);
        d.receiver_delay_us = 700e3;
        d.timeout_us = 500e3;
        let w = webhook_order(&d, 0.0, None, &legs_ms(1.0));
        assert!((w.attempts - 3.0).abs() < 1e-12, "{w:?}");
        assert!((w.missed - 1.0).abs() < 1e-12, "{w:?}");
        // Just inside the timeout, every first attempt is recorded.
        d.receiver_delay_us = 400e3;
        let w = webhook_order(&d, 0.0, None, &legs_ms(1.0));
        assert!((w.attempts - 1.0).abs() < 1e-12, "{w:?}");
        assert!(w.missed.abs() < 1e-12, "{w:?}");
    }

    #[test]
    fn silent_loss_is_missed_and_never_retried() {
        let d = deliveries(&[0.0, 250.0, 500.0], 0.0, 0.1);
        let w = webhook_order(&d, 0.0, None, &legs_ms(0.0));
        assert_eq!(w.attempts, 1.0);
        assert!((w.missed - 0.1).abs() < 1e-12);
        // With an error rate too: missed = q^N + (1 − q^N)·s.
        let d = deliveries(&[0.0, 250.0], 0.2, 0.1);
        let w = webhook_order(&d, 0.0, None, &legs_ms(0.0));
        assert!((w.missed - (0.04 + 0.96 * 0.1)).abs() < 1e-12);
        assert!((w.attempts - 1.2).abs() < 1e-12);
    }

    #[test]
    fn duplicates_by_hand() {
        // d = 0.3, no other fault: 1.3 attempts, 0.3 duplicates, none missed.
        let mut d = deliveries(&[0.0], 0.0, 0.0);
        d.rates.duplicate_rate = 0.3;
        let w = webhook_order(&d, 0.0, None, &legs_ms(1.0));
        assert!((w.attempts - 1.3).abs() < 1e-12);
        assert!((w.duplicates - 0.3).abs() < 1e-12);
        assert_eq!(w.missed, 0.0);
    }

    #[test]
    fn two_chains_are_learned_at_the_earlier_recording_by_hand() {
        // Every event twice (d = 1), q = 0.5, schedule 0, 100 ms, 10 ms legs.
        // One chain: acknowledged at 10 ms (0.5) or 130 ms (0.25), given up
        // 0.25. Two: learned at 10 ms unless both missed it: 1 − 0.5² = 0.75;
        // at 130 ms: 2·0.25·0.25 + 0.25² = 0.1875; never: 0.25² = 0.0625.
        // Both acknowledged: (0.75)² = 0.5625 redeliveries.
        let mut d = deliveries(&[0.0, 100.0], 0.5, 0.0);
        d.rates.duplicate_rate = 1.0;
        let w = webhook_order(&d, 0.0, None, &legs_ms(10.0));
        assert!((w.attempts - 3.0).abs() < 1e-12, "{w:?}");
        assert!((w.missed - 0.0625).abs() < 1e-12, "{w:?}");
        assert!((w.duplicates - 0.5625).abs() < 1e-12, "{w:?}");
        let delay = 0.75 * 10e3 + 0.1875 * 130e3;
        assert!((w.delay_learned_us - delay).abs() < 1e-6, "{w:?}");
        // Silent loss 0.5, no errors, one attempt: the first copy recorded
        // 0.5 (the second then a redelivery), else the second drawn again
        // (0.25); never 0.25.
        let mut d = deliveries(&[0.0], 0.0, 0.5);
        d.rates.duplicate_rate = 1.0;
        let w = webhook_order(&d, 0.0, None, &legs_ms(1.0));
        assert!((w.missed - 0.25).abs() < 1e-12, "{w:?}");
        assert!((w.duplicates - 0.5).abs() < 1e-12, "{w:?}");
    }

    #[test]
    fn copies_and_losses_as_drawn_by_hand() {
        // One attempt, 10 ms legs, rates that the draws override (50% loss,
        // 30% duplicates).
        let mut d = deliveries(&[0.0, 100.0], 0.0, 0.5);
        d.rates.duplicate_rate = 0.3;
        let legs = legs_ms(10.0);
        let order = |d: &Deliveries, lost: &[bool], second: &[f64]| {
            let copies = CopiesDrawn {
                lost: lost.to_vec(),
                second_retries_us: second.to_vec(),
            };
            let drawn = EventDraws {
                retries_us: &[],
                copies: Some(&copies),
            };
            webhook_order_drawn(d, 0.0, Some(0.0), drawn, &legs)
        };
        // One chain, dropped: missed whole; kept: learned at 10 ms.
        let w = order(&d, &[true], &[]);
        assert_eq!((w.attempts, w.missed, w.duplicates), (1.0, 1.0, 0.0));
        let w = order(&d, &[false], &[]);
        assert_eq!((w.attempts, w.missed, w.delay_learned_us), (1.0, 0.0, 10e3));
        // Two chains: both kept, one is a redelivery; one dropped, the other
        // recorded, no redelivery; both dropped, missed.
        let w = order(&d, &[false, false], &[]);
        assert_eq!((w.attempts, w.missed, w.duplicates), (2.0, 0.0, 1.0));
        let w = order(&d, &[true, false], &[]);
        assert_eq!((w.attempts, w.missed, w.duplicates), (2.0, 0.0, 0.0));
        assert_eq!(w.delay_learned_us, 10e3);
        let w = order(&d, &[true, true], &[]);
        assert_eq!((w.missed, w.duplicates), (1.0, 0.0));
        // Attempts as drawn: the second chain failed its first attempt and
        // retried at 120 ms; the first chain's copy was dropped. Learned
        // when the retry lands, 130 ms: three attempts, no redelivery.
        d.attempts_as_drawn = true;
        let w = order(&d, &[true, false], &[120e3]);
        assert_eq!((w.attempts, w.missed, w.duplicates), (3.0, 0.0, 0.0));
        assert_eq!(w.delay_learned_us, 130e3);
        // Kept as well, the first copy (10 ms) was recorded, the retry a
        // redelivery.
        let w = order(&d, &[false, false], &[120e3]);
        assert_eq!(
            (w.attempts, w.duplicates, w.delay_learned_us),
            (3.0, 1.0, 10e3)
        );
    }

    #[test]
    fn a_down_window_pushes_attempts_to_the_retries_that_land_after_it() {
        // Down (503) from 1 s to 2 s; schedule 0, 250 ms, 500 ms, 1 s, 2 s;
        // no jitter, no network. Settled at 1.1 s: attempts at 1.1 (down),
        // 1.35 (down), 1.85 (down), 2.85 (up): 4 attempts, delay 1.75 s.
        let mut d = deliveries(&[0.0, 250.0, 500.0, 1_000.0, 2_000.0], 0.0, 0.0);
        d.down.push(DownSpan {
            from_us: 1e6,
            until_us: 2e6,
            refuse: false,
        });
        let w = webhook_order(&d, 1.1e6, None, &Legs::default());
        assert_eq!(w.attempts, 4.0);
        assert!((w.delay_learned_us - 1.75e6).abs() < 1e-6);
        // Settled at 1.9 s with 20% jitter: the 250 ms retry lands at
        // 2.1 to 2.2 s (wholly after the window) on 2.15 on average.
        d.jitter = 0.2;
        let w = webhook_order(&d, 1.9e6, None, &Legs::default());
        assert_eq!(w.attempts, 2.0);
        assert!((w.delay_learned_us - 0.25e6).abs() < 1e-6);
        // Settled at 1.79 s: the retry leaves between 1.99 and 2.09 s, 10%
        // of that range still inside the window; those wait 500 ms ±20%
        // more.
        let w = webhook_order(&d, 1.79e6, None, &Legs::default());
        assert!((w.attempts - 2.1).abs() < 1e-9, "{w:?}");
        // 90%: the midpoint of 2.0..2.09 (2.045); 10%: from 1.995, + 500.
        let want = 0.9 * (2.045e6 - 1.79e6) + 0.1 * (1.995e6 + 0.5e6 - 1.79e6);
        assert!((w.delay_learned_us - want).abs() < 1e-3, "{w:?}");
    }

    #[test]
    fn recorded_retries_replace_the_jitters_law() {
        // The window above, 20% jitter, settled at 1.79 s: by the law 10%
        // of the first retries land inside the window. A run whose retry
        // left at 1.995 s (inside) and then at 2.61 s (the 500 ms ±20%
        // drawn) is followed exactly: three attempts, learned at 2.61 s.
        let mut d = deliveries(&[0.0, 250.0, 500.0, 1_000.0, 2_000.0], 0.0, 0.0);
        d.jitter = 0.2;
        d.down.push(DownSpan {
            from_us: 1e6,
            until_us: 2e6,
            refuse: false,
        });
        let drawn = [1.995e6, 2.61e6];
        let drawn = EventDraws::retries(&drawn);
        let w = webhook_order_drawn(&d, 1.79e6, Some(1.79e6), drawn, &Legs::default());
        assert_eq!(w.attempts, 3.0, "{w:?}");
        assert!(
            (w.delay_learned_us - (2.61e6 - 1.79e6)).abs() < 1e-6,
            "{w:?}"
        );
        // A path the run did not take (recorded: one retry that succeeded;
        // the model's path fails it) goes on by the law past the record.
        let drawn = EventDraws::retries(&[1.5e6]);
        let w = webhook_order_drawn(&d, 1.79e6, Some(1.79e6), drawn, &Legs::default());
        assert!(w.attempts > 2.0, "{w:?}");
    }

    #[test]
    fn refused_connections_fail_at_once() {
        let mut d = deliveries(&[0.0, 100.0], 0.0, 0.0);
        d.down.push(DownSpan {
            from_us: 0.0,
            until_us: 50e3,
            refuse: true,
        });
        // Leaves at 10 ms (refused, no legs paid), retried at 110, arriving
        // at 130 (20 ms legs): 120 ms after the settlement.
        let w = webhook_order(&d, 10e3, None, &legs_ms(20.0));
        assert_eq!(w.attempts, 2.0);
        assert!((w.delay_learned_us - 120e3).abs() < 1e-6, "{w:?}");
    }
}
