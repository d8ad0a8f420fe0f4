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

use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::ids::PaymentId;
use hooklab_core::model::faults::{ATTEMPTS_UNKNOWN, CopiesDrawn, DeliveryLegs};
use hooklab_core::model::stats::Moments;
use hooklab_platform::DeliveryAttempt;

use std::collections::HashMap;

/// One delivery chain's attempts, in the order of their numbers.
type Chain<'a> = Vec<&'a DeliveryAttempt>;

/// The deliveries' own draws, for the webhook and hybrid models.
pub(crate) struct DeliveryDraws<'a> {
    /// Each payment's first attempt: when it left the dispatcher.
    pub first_attempt: HashMap<&'a PaymentId, Micros>,
    /// Each payment's chains: one, or two for a duplicated event, the one
    /// that left first (or either, at one instant) first; `None` when the
    /// log does not tell them apart (no first attempt logged, a retry no
    /// chain announced, a gap left by retention).
    chains: HashMap<&'a PaymentId, Option<Vec<Chain<'a>>>>,
    /// Whether an event of one chain left a retry in the log (or announced
    /// one): then its attempts are followed as drawn.
    pub retried: bool,
    /// The mean legs of the attempts that delivered an order (the
    /// receiver's injected delay taken out: the model adds it), if any did.
    pub legs: Option<DeliveryLegs>,
}

impl DeliveryDraws<'_> {
    /// When `payment`'s first chain's retries left, µs from `origin`, in
    /// the shape `model::faults::chain` reads (see its docs): empty when
    /// nothing of it was logged, [`ATTEMPTS_UNKNOWN`] when the log does not
    /// tell its attempts whole, and ending with an attempt that never
    /// leaves when the schedule's last (`tries`) failed.
    pub fn retries_us(&self, payment: &PaymentId, tries: usize, origin: Micros) -> Vec<f64> {
        match self.chains.get(payment) {
            None => Vec::new(),
            Some(None) => vec![ATTEMPTS_UNKNOWN],
            Some(Some(chains)) => chains
                .first()
                .map_or_else(Vec::new, |c| chain_retries_us(c, tries, origin)),
        }
    }

    /// `payment`'s chains and which of them the receiver acknowledged and
    /// dropped, `lost` being the instants of its losses for this order (see
    /// [`CopiesDrawn`]); its `lost` is empty when the log does not tell the
    /// chains apart (the model takes the rates then).
    pub fn copies(
        &self,
        payment: &PaymentId,
        lost: &[Micros],
        tries: usize,
        origin: Micros,
    ) -> CopiesDrawn {
        let Some(Some(chains)) = self.chains.get(payment) else {
            return CopiesDrawn::default();
        };
        let acknowledged: Vec<Option<&DeliveryAttempt>> = chains
            .iter()
            .map(|c| c.iter().copied().find(|a| a.result.is_success()))
            .collect();
        let mut dropped = vec![false; chains.len()];
        for at in lost {
            // The chain whose acknowledged attempt was on the wire when the
            // receiver drew the loss; failing that (a clock read on either
            // side of an edge), the first acknowledged one not yet marked.
            let within = |n: usize| {
                acknowledged[n]
                    .is_some_and(|a| a.started_at <= *at && *at <= a.started_at.plus(a.duration))
            };
            let open = (0..chains.len()).filter(|n| !dropped[*n] && acknowledged[*n].is_some());
            let hit = open.clone().find(|n| within(*n)).or_else(|| open.min());
            if let Some(n) = hit {
                dropped[n] = true;
            }
        }
        CopiesDrawn {
            lost: dropped,
            second_retries_us: chains
                .get(1)
                .map_or_else(Vec::new, |c| chain_retries_us(c, tries, origin)),
        }
    }
}

/// Reads the draws off the platform's `attempts` and the orders the shop
/// learned by webhook (`webhook_known`, by order number, whose payments
/// `payments` holds); `receiver_delay` is the scenario's
/// `receiver_delay_ms`. `copies`: whether [`DeliveryDraws::copies`] will be
/// asked (under silent loss or duplicates); without it, when every attempt
/// was a first one that succeeded and announced no retry, no chain is built
/// (none would be read: nothing was retried), a map and a list an order
/// fewer at the run's end.
pub(crate) fn delivery_draws<'a>(
    attempts: &'a [DeliveryAttempt],
    payments: &'a [Option<PaymentId>],
    webhook_known: &[(usize, Micros)],
    receiver_delay: Dur,
    copies: bool,
) -> DeliveryDraws<'a> {
    let mut first_attempt = HashMap::<&PaymentId, Micros>::new();
    for a in attempts.iter().filter(|a| a.attempt == 1) {
        let at = first_attempt.entry(&a.payment_id).or_insert(a.started_at);
        // A duplicated event has two first attempts: the earlier counts.
        *at = (*at).min(a.started_at);
    }
    let plain = !copies
        && attempts
            .iter()
            .all(|a| a.attempt == 1 && a.next_attempt_at.is_none() && a.result.is_success());
    let mut by_payment = HashMap::<&PaymentId, Vec<&DeliveryAttempt>>::new();
    for a in attempts.iter().filter(|_| !plain) {
        by_payment.entry(&a.payment_id).or_default().push(a);
    }
    let chains: HashMap<&PaymentId, Option<Vec<Chain<'_>>>> = by_payment
        .into_iter()
        .map(|(p, logged)| (p, split_chains(logged)))
        .collect();
    let retried = chains.values().any(|c| match c.as_deref() {
        Some([one]) => !retry_run(one).is_empty(),
        _ => false,
    });
    let known: HashMap<&PaymentId, Micros> = webhook_known
        .iter()
        .filter_map(|&(k, at)| Some((payments.get(k)?.as_ref()?, at)))
        .collect();
    // The attempt that delivered each order: acknowledged, and on the wire
    // when the shop learned it (the earliest such, if two copies were).
    let mut delivering = HashMap::<&PaymentId, &DeliveryAttempt>::new();
    for a in attempts.iter().filter(|a| a.result.is_success()) {
        let Some(k) = known.get(&a.payment_id) else {
            continue;
        };
        if a.started_at <= *k && *k <= a.started_at.plus(a.duration) {
            let d = delivering.entry(&a.payment_id).or_insert(a);
            if a.started_at < d.started_at {
                *d = a;
            }
        }
    }
    let (mut request, mut response) = (Moments::default(), Moments::default());
    for (payment, a) in &delivering {
        let k = known[payment];
        request.record(k.since(a.started_at).as_us());
        response.record(a.started_at.plus(a.duration).since(k).as_us());
    }
    let legs = request.mean_us().map(|request_us| DeliveryLegs {
        request_us: (request_us - receiver_delay.as_us() as f64).max(0.0),
        response_us: response.mean_us().unwrap_or(0.0),
    });
    DeliveryDraws {
        first_attempt,
        chains,
        retried,
        legs,
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
