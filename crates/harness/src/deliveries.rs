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

use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::ids::PaymentId;
use hooklab_core::model::faults::DeliveryLegs;
use hooklab_core::model::stats::Moments;
use hooklab_platform::DeliveryAttempt;

use std::collections::HashMap;

/// The deliveries' own draws, for the webhook and hybrid models.
pub(crate) struct DeliveryDraws<'a> {
    /// Each payment's first attempt: when it left the dispatcher.
    pub first_attempt: HashMap<&'a PaymentId, Micros>,
    /// When each payment's retries left (attempts 2, 3, … in order), for
    /// payments whose event was retried and not duplicated (two chains'
    /// attempts share their numbers, so whose retry is whose is unknown:
    /// the model follows the jitter's law there).
    pub retries: HashMap<&'a PaymentId, Vec<Micros>>,
    /// The mean legs of the attempts that delivered an order (the
    /// receiver's injected delay taken out: the model adds it), if any did.
    pub legs: Option<DeliveryLegs>,
}

/// Reads the draws off the platform's `attempts` and the shop's `entries`;
/// `receiver_delay` is the scenario's `receiver_delay_ms`.
pub(crate) fn delivery_draws<'a>(
    attempts: &'a [DeliveryAttempt],
    webhook_known: &'a [(PaymentId, Micros)],
    receiver_delay: Dur,
) -> DeliveryDraws<'a> {
    let mut first_attempt = HashMap::<&PaymentId, Micros>::new();
    for a in attempts.iter().filter(|a| a.attempt == 1) {
        let at = first_attempt.entry(&a.payment_id).or_insert(a.started_at);
        // A duplicated event has two first attempts: the earlier counts.
        *at = (*at).min(a.started_at);
    }
    // Each attempt's departure, and the next one's as the dispatcher drew
    // it when this one failed (`next_attempt_at`): the retry the run
    // stopped before it left is a draw too.
    let mut retries = HashMap::<&PaymentId, Vec<(u32, bool, Micros)>>::new();
    let mut duplicated = HashMap::<&PaymentId, u32>::new();
    for a in attempts {
        if a.attempt == 1 {
            *duplicated.entry(&a.payment_id).or_default() += 1;
        } else {
            retries
                .entry(&a.payment_id)
                .or_default()
                .push((a.attempt, false, a.started_at));
        }
        if let Some(next) = a.next_attempt_at {
            retries
                .entry(&a.payment_id)
                .or_default()
                .push((a.attempt + 1, true, next));
        }
    }
    let retries = retries
        .into_iter()
        .filter(|(p, _)| duplicated.get(p).copied().unwrap_or(0) == 1)
        .filter_map(|(p, mut r)| {
            // A retry that left is logged twice, as it left and as
            // announced (in virtual time the same instant): keep the first.
            r.sort_unstable();
            r.dedup_by_key(|(n, _, _)| *n);
            // Attempts 2, 3, … with none missing (a log cut by retention
            // leaves a gap: the law takes over from there).
            let run = r
                .iter()
                .enumerate()
                .take_while(|(i, (n, _, _))| *n as usize == i + 2)
                .map(|(_, (_, _, at))| *at)
                .collect::<Vec<_>>();
            (!run.is_empty()).then_some((p, run))
        })
        .collect();
    let known: HashMap<&PaymentId, Micros> = webhook_known.iter().map(|(p, at)| (p, *at)).collect();
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
        retries,
        legs,
    }
}
