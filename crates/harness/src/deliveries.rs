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
        legs,
    }
}
