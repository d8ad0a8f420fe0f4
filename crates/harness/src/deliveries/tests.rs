//! The attempt fold against the end-of-run read: a seeded run of payments
//! whose attempts fail, are retried, time out and are acknowledged, many in
//! flight at once, folded as they end ([`InFlight`]) gives the figures a
//! read of the whole log at the end gives ([`DeliveryDraws::read_log`]),
//! and holds only the payments still being delivered.

use super::in_flight::InFlight;
use super::*;
use hooklab_core::ids::{EndpointId, EventId};
use hooklab_core::rng::SeededRng;

const ORDERS: usize = 3_000;
const TRIES: usize = 4;

/// What happens in the seeded run, at its instant.
enum Step {
    Settled(usize),
    /// The shop learned order `k` by webhook.
    Known(usize, Micros),
    Attempt(DeliveryAttempt),
}

/// Every step of the run, in the order of their instants: order `k`
/// settles at `k` ms, its attempts go out one after the other (the next
/// one when the last announced it), each lasting 0.1 to 2 ms; the first
/// succeeds two times in three, a later one half the time, the
/// schedule's last fails for good; one acknowledged delivery in ten is
/// lost by the receiver (never known).
fn seeded_run() -> Vec<(Micros, u8, usize, Step)> {
    let mut rng = SeededRng::new(19);
    let mut steps = Vec::new();
    for k in 0..ORDERS {
        let settled = Micros(1_000 * k as u64);
        steps.push((settled, 0, k, Step::Settled(k)));
        let mut at = settled;
        for n in 1..=TRIES as u32 {
            let duration = Dur(100 + rng.next_u64() % 1_900);
            let ok = n < TRIES as u32 && rng.next_f64() < if n == 1 { 0.67 } else { 0.5 };
            let result = match (ok, rng.next_u64() % 3) {
                (true, _) => AttemptResult::Status(200),
                (false, 0) => AttemptResult::Error(TransportErrorKind::Timeout),
                (false, 1) => AttemptResult::Error(TransportErrorKind::Connect),
                (false, _) => AttemptResult::Status(500),
            };
            let ended = at.plus(duration);
            let next = (!ok && n < TRIES as u32).then(|| ended.plus(Dur(5_000 * u64::from(n))));
            if ok && rng.next_f64() >= 0.1 {
                let known = at.plus(Dur(duration.as_us() / 2));
                steps.push((known, 1, k, Step::Known(k, known)));
            }
            steps.push((
                ended,
                2,
                k,
                Step::Attempt(DeliveryAttempt {
                    event_id: EventId(format!("evt_{k:06}")),
                    payment_id: PaymentId::numbered(k as u64 + 1),
                    endpoint_id: EndpointId("ep_000001".into()),
                    attempt: n,
                    started_at: at,
                    duration,
                    result,
                    next_attempt_at: next,
                }),
            ));
            match next {
                Some(next) => at = next,
                None => break,
            }
        }
    }
    steps.sort_by_key(|(at, rank, k, _)| (*at, *rank, *k));
    steps
}

/// Everything the report reads of `draws`, for orders notified as
/// `notified` says at the run's end.
fn figures(draws: &DeliveryDraws, notified: &[bool]) -> String {
    let mut out = format!(
        "{:?} retried {} legs {:?}\n",
        draws.counts,
        draws.retried,
        draws.legs(Dur::ZERO)
    );
    for (k, known) in notified.iter().enumerate() {
        let lost = [Micros(1_000 * k as u64 + 500)];
        out.push_str(&format!(
            "{k} {:?} {:?} {:?} {:?}\n",
            draws.first_attempt_us(k),
            (!known).then(|| draws.tried(k)),
            draws.retries_us(k),
            draws.copies(k, &lost),
        ));
    }
    out
}

#[test]
fn attempts_folded_as_they_end_give_the_end_of_run_figures_and_hold_only_those_in_flight() {
    let origin = Micros(0);
    let mut in_flight = InFlight::new(true);
    let mut live = DeliveryDraws::new(ORDERS, TRIES, true, origin);
    let mut notified = vec![false; ORDERS];
    let (mut log, mut known) = (Vec::new(), Vec::new());
    // Payments settled whose last attempt has not ended: what is in flight.
    let mut delivering = 0usize;
    let mut most = 0usize;
    for (_, _, _, step) in seeded_run() {
        match step {
            Step::Settled(k) => {
                in_flight.settled(&PaymentId::numbered(k as u64 + 1), k);
                delivering += 1;
            }
            Step::Known(k, at) => {
                in_flight.known(&PaymentId::numbered(k as u64 + 1), at);
                notified[k] = true;
                known.push((k, at));
            }
            Step::Attempt(a) => {
                in_flight.attempt(&a, &mut live, |k| notified[k]);
                delivering -= usize::from(a.next_attempt_at.is_none());
                log.push(a);
            }
        }
        assert_eq!(in_flight.len(), delivering, "only the payments in flight");
        assert!(in_flight.attempts_held() <= delivering * TRIES);
        most = most.max(delivering);
    }
    in_flight.finish(&mut live, |k| notified[k]);
    assert!(
        most < ORDERS / 50,
        "the run keeps few payments in flight: {most}"
    );
    assert_eq!(in_flight.len(), 0);

    let mut at_end = DeliveryDraws::new(ORDERS, TRIES, true, origin);
    let payments: Vec<Option<PaymentId>> = (0..ORDERS)
        .map(|k| Some(PaymentId::numbered(k as u64 + 1)))
        .collect();
    at_end.read_log(&log, &payments, &known, |k| notified[k]);

    assert!(live.counts.retries > 0 && live.counts.unanswered > 0 && live.retried);
    assert_eq!(live.counts.events, ORDERS as u64);
    assert_eq!(figures(&live, &notified), figures(&at_end, &notified));
}
