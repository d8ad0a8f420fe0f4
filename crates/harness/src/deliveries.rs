//! What each webhook delivery of a run took, read off the records both
//! sides keep on the run's one clock.
//!
//! The platform logs every attempt: when it left the dispatcher
//! (`started_at`) and how long its answer took to come back (`duration`).
//! The shop's order book records the instant the receiver learned each
//! order. Both read the same clock (one process; in virtual time, tokio's
//! paused one), so for the attempt that delivered an order the request leg
//! is `known_at − started_at` and the response leg `started_at + duration −
//! known_at`. In virtual time that is the `[network]` latency as tokio's
//! timer served it (rounded up to whole milliseconds); in real time it is
//! also the HTTP client's, the shop's server's and the receiver's work.
//!
//! The webhook model fed a run's draws
//! ([`hooklab_core::model::predicted_for_draws`]) takes these, and each
//! event's first departure, instead of the payment creations' legs: those
//! are another sample of the same network, and put `zapier-15min`'s webhook
//! at 23.05 ms against 23.72 measured.
//!
//! They also take each event's chains as the log tells them: a duplicated
//! event has two, whose attempts share their numbers; each retry left when
//! the attempt before it in its chain announced it (`next_attempt_at`), so
//! the two are told apart by matching each retry to the announcement it
//! answers. And which acknowledged deliveries the receiver dropped (its
//! log of silent losses, [`hooklab_shop::receiver::Receiver::losses`]):
//! each loss falls inside one acknowledged attempt, from its departure to
//! its answer's arrival.
//!
//! Nothing here needs a whole run's log: each payment's attempts are
//! folded into a few numbers by order once its last attempt ended
//! ([`DeliveryDraws::fold_payment`]), and every count as each attempt
//! ends ([`DeliveryDraws::count`]). [`in_flight`] holds the attempts of
//! the payments still being delivered and hands each payment over when it
//! is done, so a webhook run's memory follows its events in flight, not
//! its orders (a million orders' log was some 545 MB at the run's end).
//! A run whose platform has lives (crashes, a store) reads its lives' logs
//! at its end instead ([`DeliveryDraws::read_log`]), to the same figures.

use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::http::TransportErrorKind;
use hooklab_core::ids::PaymentId;
use hooklab_core::model::faults::{ATTEMPTS_UNKNOWN, CopiesDrawn, DeliveryLegs};
use hooklab_core::model::stats::Moments;
use hooklab_platform::{AttemptResult, DeliveryAttempt};

use std::collections::{HashMap, HashSet};

pub(crate) mod in_flight;

/// One delivery chain's attempts, in the order of their numbers.
type Chain<'a> = Vec<&'a DeliveryAttempt>;

/// What a run's attempts add up to, each counted as it ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct AttemptCounts {
    /// Attempts logged.
    pub total: u64,
    /// Those after an event's first (`attempt > 1`).
    pub retries: u64,
    /// Those the receiver did not accept.
    pub failures: u64,
    /// Those with an HTTP answer.
    pub answered: u64,
    /// Those that timed out or whose connection broke: they may have
    /// reached the receiver or not.
    pub unanswered: u64,
    /// First attempts (two for a duplicated event).
    pub firsts: u64,
    /// Events with an attempt.
    pub events: u64,
}

/// The acknowledged attempt of each of a payment's chains, as its
/// departure and its answer's arrival (`None`: that chain was never
/// acknowledged), and a second chain's retries: what
/// [`DeliveryDraws::copies`] matches the receiver's losses against.
#[derive(Debug)]
struct Acked {
    windows: Vec<Option<(Micros, Micros)>>,
    second_retries_us: Vec<f64>,
}

/// The deliveries' own draws, for the webhook and hybrid models, by order
/// number: folded payment by payment, so that no attempt is kept once its
/// payment is done.
#[derive(Debug)]
pub(crate) struct DeliveryDraws {
    /// The length of the retry schedule (the attempts of one chain).
    tries: usize,
    /// Whether [`DeliveryDraws::copies`] will be asked (under silent loss
    /// or duplicates): each chain's acknowledged attempt is kept then.
    copies: bool,
    /// Where the run's clock started: retries are µs from it.
    origin: Micros,
    /// Every attempt's counts.
    pub counts: AttemptCounts,
    /// Each order's payment's first attempt, when it left the dispatcher
    /// (µs on the run's clock; `u64::MAX`: none logged), 8 bytes an order.
    first_attempt: Vec<u64>,
    /// How many attempts each order's payment had and how the last ended,
    /// kept only for the orders not yet notified when their payment was
    /// done: the reason a missed order gives.
    tried: HashMap<usize, (u32, AttemptResult)>,
    /// Each order's first chain's retries (see
    /// [`DeliveryDraws::retries_us`]), kept only when not empty.
    retries: HashMap<usize, Vec<f64>>,
    /// Each order's chains' acknowledged attempts, when `copies`.
    acked: HashMap<usize, Acked>,
    /// Whether an event of one chain left a retry in the log (or announced
    /// one): then its attempts are followed as drawn.
    pub retried: bool,
    /// The request and response legs of the attempts that delivered an
    /// order (the receiver's injected delay still in), µs.
    request: Moments,
    response: Moments,
}

impl DeliveryDraws {
    /// No draws yet, for `orders` orders, a schedule of `tries` attempts
    /// and a run whose clock starts at `origin`; `copies`: whether
    /// [`DeliveryDraws::copies`] will be asked.
    pub fn new(orders: usize, tries: usize, copies: bool, origin: Micros) -> Self {
        DeliveryDraws {
            tries,
            copies,
            origin,
            counts: AttemptCounts::default(),
            first_attempt: vec![u64::MAX; orders],
            tried: HashMap::new(),
            retries: HashMap::new(),
            acked: HashMap::new(),
            retried: false,
            request: Moments::default(),
            response: Moments::default(),
        }
    }

    /// Says where the run's clock starts (before the first attempt).
    pub fn begin(&mut self, origin: Micros) {
        self.origin = origin;
    }

    /// Counts one attempt as it ended (events are counted by payment, in
    /// [`DeliveryDraws::fold_payment`]).
    pub fn count(&mut self, a: &DeliveryAttempt) {
        let c = &mut self.counts;
        c.total += 1;
        c.retries += u64::from(a.attempt > 1);
        c.firsts += u64::from(a.attempt == 1);
        c.failures += u64::from(!a.result.is_success());
        match a.result {
            AttemptResult::Status(_) => c.answered += 1,
            AttemptResult::Error(TransportErrorKind::Timeout | TransportErrorKind::Broken) => {
                c.unanswered += 1;
            }
            AttemptResult::Error(_) => {}
        }
    }

    /// Folds one payment's attempts, every one of them in the log's order:
    /// the payment of the orders `orders` (one; more only when a crashed
    /// platform's ids came back), `known_at` the instant the shop learned
    /// it by webhook, `notified` whether an order is notified already (its
    /// attempts then never explain a miss). Answers how many events the
    /// attempts were of.
    pub fn fold_payment(
        &mut self,
        orders: &[usize],
        logged: Vec<&DeliveryAttempt>,
        known_at: Option<Micros>,
        notified: impl Fn(usize) -> bool,
    ) -> u64 {
        let Some(last) = logged.last() else {
            return 0;
        };
        let tried = (logged.len() as u32, last.result.clone());
        let first = logged
            .iter()
            .filter(|a| a.attempt == 1)
            .map(|a| a.started_at)
            // A duplicated event has two first attempts: the earlier counts.
            .min();
        let mut events: Vec<&hooklab_core::ids::EventId> =
            logged.iter().map(|a| &a.event_id).collect();
        events.sort_unstable();
        events.dedup();
        // The attempt that delivered the order: acknowledged, and on the
        // wire when the shop learned it (the earliest such, if two copies
        // were).
        if let Some(k) = known_at {
            let mut delivering: Option<&DeliveryAttempt> = None;
            for a in logged.iter().filter(|a| a.result.is_success()) {
                if a.started_at <= k
                    && k <= a.started_at.plus(a.duration)
                    && delivering.is_none_or(|d| a.started_at < d.started_at)
                {
                    delivering = Some(a);
                }
            }
            if let Some(a) = delivering {
                self.request.record(k.since(a.started_at).as_us());
                self.response
                    .record(a.started_at.plus(a.duration).since(k).as_us());
            }
        }
        let (tries, origin) = (self.tries, self.origin);
        let chains = split_chains(logged);
        if let Some([one]) = chains.as_deref() {
            self.retried |= !retry_run(one).is_empty();
        }
        let retries = match &chains {
            None => vec![ATTEMPTS_UNKNOWN],
            Some(c) => c
                .first()
                .map_or_else(Vec::new, |c| chain_retries_us(c, tries, origin)),
        };
        let acked = |chains: &[Chain<'_>]| Acked {
            windows: chains
                .iter()
                .map(|c| {
                    c.iter()
                        .find(|a| a.result.is_success())
                        .map(|a| (a.started_at, a.started_at.plus(a.duration)))
                })
                .collect(),
            second_retries_us: chains
                .get(1)
                .map_or_else(Vec::new, |c| chain_retries_us(c, tries, origin)),
        };
        for &k in orders {
            if let (Some(at), Some(slot)) = (first, self.first_attempt.get_mut(k)) {
                *slot = at.0;
            }
            if !notified(k) {
                self.tried.insert(k, tried.clone());
            }
            if !retries.is_empty() {
                self.retries.insert(k, retries.clone());
            }
            if let Some(chains) = chains.as_deref().filter(|_| self.copies) {
                self.acked.insert(k, acked(chains));
            }
        }
        events.len() as u64
    }

    /// Folds a whole run's `attempts` at its end (a platform with lives,
    /// whose logs are read then): each payment's are matched to its orders
    /// by `payments` (each order's payment, by order number) and to the
    /// instants the shop learned them by webhook by `webhook_known`.
    pub fn read_log(
        &mut self,
        attempts: &[DeliveryAttempt],
        payments: &[Option<PaymentId>],
        webhook_known: &[(usize, Micros)],
        notified: impl Fn(usize) -> bool,
    ) {
        let mut by_payment = HashMap::<&PaymentId, Vec<&DeliveryAttempt>>::new();
        for a in attempts {
            self.count(a);
            by_payment.entry(&a.payment_id).or_default().push(a);
        }
        // Events once each, whichever life logged them.
        self.counts.events = attempts
            .iter()
            .map(|a| &a.event_id)
            .collect::<HashSet<_>>()
            .len() as u64;
        let known: HashMap<&PaymentId, Micros> = webhook_known
            .iter()
            .filter_map(|&(k, at)| Some((payments.get(k)?.as_ref()?, at)))
            .collect();
        let mut orders_of = HashMap::<&PaymentId, Vec<usize>>::new();
        for (k, p) in payments.iter().enumerate() {
            if let Some(p) = p {
                orders_of.entry(p).or_default().push(k);
            }
        }
        for (payment, logged) in by_payment {
            let orders = orders_of.get(payment).map_or(&[][..], Vec::as_slice);
            self.fold_payment(orders, logged, known.get(payment).copied(), &notified);
        }
    }

    /// When order `k`'s payment's first attempt left, µs from the origin.
    pub fn first_attempt_us(&self, k: usize) -> Option<f64> {
        let at = *self.first_attempt.get(k).filter(|at| **at != u64::MAX)?;
        Some(Micros(at).since(self.origin).as_us() as f64)
    }

    /// How many attempts order `k`'s payment had and how the last ended,
    /// if it had any and the order was not notified when they were done.
    pub fn tried(&self, k: usize) -> Option<&(u32, AttemptResult)> {
        self.tried.get(&k)
    }

    /// When order `k`'s payment's first chain's retries left, µs from the
    /// origin, in the shape `model::faults::chain` reads (see its docs):
    /// empty when nothing of it was logged, [`ATTEMPTS_UNKNOWN`] when the
    /// log does not tell its attempts whole, and ending with an attempt
    /// that never leaves when the schedule's last failed.
    pub fn retries_us(&self, k: usize) -> Vec<f64> {
        self.retries.get(&k).cloned().unwrap_or_default()
    }

    /// Order `k`'s payment's chains and which of them the receiver
    /// acknowledged and dropped, `lost` being the instants of its losses
    /// for this order (see [`CopiesDrawn`]); its `lost` is empty when the
    /// log does not tell the chains apart (the model takes the rates then).
    pub fn copies(&self, k: usize, lost: &[Micros]) -> CopiesDrawn {
        let Some(acked) = self.acked.get(&k) else {
            return CopiesDrawn::default();
        };
        let chains = acked.windows.len();
        let mut dropped = vec![false; chains];
        for at in lost {
            // The chain whose acknowledged attempt was on the wire when the
            // receiver drew the loss; failing that (a clock read on either
            // side of an edge), the first acknowledged one not yet marked.
            let within =
                |n: usize| acked.windows[n].is_some_and(|(from, to)| from <= *at && *at <= to);
            let open = (0..chains).filter(|n| !dropped[*n] && acked.windows[*n].is_some());
            let hit = open.clone().find(|n| within(*n)).or_else(|| open.min());
            if let Some(n) = hit {
                dropped[n] = true;
            }
        }
        CopiesDrawn {
            lost: dropped,
            second_retries_us: acked.second_retries_us.clone(),
        }
    }

    /// The mean legs of the attempts that delivered an order, the
    /// receiver's injected delay (`receiver_delay`, the scenario's
    /// `receiver_delay_ms`) taken out (the model adds it), if any did.
    pub fn legs(&self, receiver_delay: Dur) -> Option<DeliveryLegs> {
        self.request.mean_us().map(|request_us| DeliveryLegs {
            request_us: (request_us - receiver_delay.as_us() as f64).max(0.0),
            response_us: self.response.mean_us().unwrap_or(0.0),
        })
    }
}

/// One payment's logged attempts as chains: all of them for one first
/// attempt; for two (a duplicated event), each retry (attempt n) joins the
/// chain whose attempt n − 1 announced one, the earliest due taking the
/// earliest departure (each lane sends in turn, so neither overtakes).
/// `None` when that does not hold: no or more than two first attempts, a
/// retry with no announcement before it, or one that left before it was
/// due.
fn split_chains(mut logged: Vec<&DeliveryAttempt>) -> Option<Vec<Chain<'_>>> {
    logged.sort_by_key(|a| (a.attempt, a.started_at));
    match logged.iter().filter(|a| a.attempt == 1).count() {
        1 => return Some(vec![logged]),
        2 => {}
        _ => return None,
    }
    let mut chains: Vec<Chain<'_>> = logged[..2].iter().map(|a| vec![*a]).collect();
    let mut rest = &logged[2..];
    let mut n = 2;
    while !rest.is_empty() {
        let now = rest.iter().take_while(|a| a.attempt == n).count();
        if now == 0 {
            return None;
        }
        let due = |c: &Chain<'_>| {
            c.last()
                .filter(|a| a.attempt + 1 == n)
                .and_then(|a| a.next_attempt_at)
        };
        let mut waiting: Vec<usize> = (0..chains.len())
            .filter(|c| due(&chains[*c]).is_some())
            .collect();
        waiting.sort_by_key(|c| due(&chains[*c]));
        if now > waiting.len() {
            return None;
        }
        for (a, c) in rest[..now].iter().zip(waiting) {
            if due(&chains[c]).is_some_and(|at| a.started_at < at) {
                return None;
            }
            chains[c].push(a);
        }
        rest = &rest[now..];
        n += 1;
    }
    Some(chains)
}

/// When a chain's retries left (attempts 2, 3, … in order, none missing:
/// a log cut by retention leaves a gap, and the law takes over from
/// there), each attempt's departure and the next one's as the dispatcher
/// drew it when this one failed (`next_attempt_at`): the retry the run
/// stopped before it left is a draw too.
fn retry_run(chain: &[&DeliveryAttempt]) -> Vec<Micros> {
    let mut r = Vec::<(u32, bool, Micros)>::new();
    for a in chain {
        if a.attempt > 1 {
            r.push((a.attempt, false, a.started_at));
        }
        if let Some(next) = a.next_attempt_at {
            r.push((a.attempt + 1, true, next));
        }
    }
    // A retry that left is logged twice, as it left and as announced (in
    // virtual time the same instant): keep the first.
    r.sort_unstable();
    r.dedup_by_key(|(n, _, _)| *n);
    r.iter()
        .enumerate()
        .take_while(|(i, (n, _, _))| *n as usize == i + 2)
        .map(|(_, (_, _, at))| *at)
        .collect()
}

/// A chain's retries in the shape `model::faults::chain` reads, µs from
/// `origin` (see [`DeliveryDraws::retries_us`]).
fn chain_retries_us(chain: &[&DeliveryAttempt], tries: usize, origin: Micros) -> Vec<f64> {
    let run = retry_run(chain);
    let Some(last) = chain.iter().max_by_key(|a| a.attempt) else {
        return Vec::new();
    };
    if last.attempt as usize > run.len() + 1 {
        return vec![ATTEMPTS_UNKNOWN];
    }
    let mut at: Vec<f64> = run.iter().map(|t| t.since(origin).as_us() as f64).collect();
    let given_up = last.attempt as usize == tries
        && !last.result.is_success()
        && last.next_attempt_at.is_none();
    if given_up {
        at.push(f64::INFINITY);
    }
    at
}

#[cfg(test)]
mod tests;
