//! The attempt fold against the end-of-run read: a seeded run of payments
//! whose attempts fail, are retried, time out and are acknowledged, many in
//! flight at once, some of their events sent twice, folded as they end
//! ([`InFlight`]) gives the figures a read of the whole log at the end
//! gives ([`DeliveryDraws::read_log`]), and holds only the payments still
//! being delivered.

use super::in_flight::InFlight;
use super::*;
use hooklab_core::ids::{EndpointId, EventId};
use hooklab_core::rng::SeededRng;

const ORDERS: usize = 3_000;
const TRIES: usize = 4;

/// What happens in the seeded run, at its instant.
enum Step {
    Settled(usize),
    /// Order `k`'s event is sent twice (said before either copy leaves).
    Twice(usize),
    /// The shop learned order `k` by webhook.
    Known(usize, Micros),
    Attempt(DeliveryAttempt),
}

/// Every step of the run, in the order of their instants: order `k`
/// settles at `k` ms, its attempts go out one after the other (the next
/// one when the last announced it), each lasting 0.1 to 2 ms; the first
/// succeeds two times in three, a later one half the time, the
/// schedule's last fails for good; one acknowledged delivery in ten is
/// lost by the receiver (never known). A share `twice` of the events is
/// sent twice: a second chain drawn the same way, whose first attempt
/// leaves up to 20 ms after the settlement (often after the first chain
/// ended, sometimes while it retries).
fn seeded_run(twice: f64) -> Vec<(Micros, u8, usize, Step)> {
    let mut rng = SeededRng::new(19);
    let mut copies = SeededRng::new(23);
    let mut steps = Vec::new();
    for k in 0..ORDERS {
        let settled = Micros(1_000 * k as u64);
        steps.push((settled, 0, k, Step::Settled(k)));
        let second = (twice > 0.0 && copies.next_f64() < twice)
            .then(|| settled.plus(Dur(copies.next_u64() % 20_000)));
        if second.is_some() {
            steps.push((settled, 0, k, Step::Twice(k)));
        }
        chain(k, settled, &mut rng, &mut steps);
        if let Some(start) = second {
            chain(k, start, &mut copies, &mut steps);
        }
    }
    steps.sort_by_key(|(at, rank, k, _)| (*at, *rank, *k));
    steps
}

/// One chain of order `k`'s event, its first attempt leaving at `at`.
fn chain(
    k: usize,
    mut at: Micros,
    rng: &mut SeededRng,
    steps: &mut Vec<(Micros, u8, usize, Step)>,
) {
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

/// Folds `seeded_run(twice)` as it goes, checking at every step that only
/// the payments in flight are held, and against a read of its whole log at
/// the end; answers the most attempts held at once and the attempts logged.
fn fold_as_they_end(twice: f64) -> (usize, usize) {
    let origin = Micros(0);
    let mut in_flight = InFlight::new();
    let mut live = DeliveryDraws::new(ORDERS, TRIES, true, origin);
    let mut notified = vec![false; ORDERS];
    let (mut log, mut known) = (Vec::new(), Vec::new());
    // Each order's chains not yet ended (one, two when sent twice): its
    // payment is in flight while any is left.
    let mut chains = vec![0u8; ORDERS];
    let mut delivering = 0usize;
    let mut most = 0usize;
    for (_, _, _, step) in seeded_run(twice) {
        match step {
            Step::Settled(k) => {
                in_flight.settled(&PaymentId::numbered(k as u64 + 1), k);
                chains[k] = 1;
                delivering += 1;
            }
            Step::Twice(k) => {
                in_flight.duplicated(&PaymentId::numbered(k as u64 + 1));
                chains[k] = 2;
            }
            Step::Known(k, at) => {
                in_flight.known(&PaymentId::numbered(k as u64 + 1), at);
                notified[k] = true;
                known.push((k, at));
            }
            Step::Attempt(a) => {
                in_flight.attempt(&a, &mut live, |k| notified[k]);
                let k = (a.payment_id.number().unwrap() - 1) as usize;
                if a.next_attempt_at.is_none() {
                    chains[k] -= 1;
                    delivering -= usize::from(chains[k] == 0);
                }
                log.push(a);
            }
        }
        assert_eq!(in_flight.len(), delivering, "only the payments in flight");
        assert!(in_flight.attempts_held() <= delivering * 2 * TRIES);
        most = most.max(delivering);
    }
    in_flight.finish(&mut live, |k| notified[k]);
    assert!(
        most < ORDERS / 50,
        "the run keeps few payments in flight: {most}"
    );
    assert_eq!((in_flight.len(), in_flight.attempts_held()), (0, 0));
    assert!(in_flight.most_held() <= most * 2 * TRIES);

    let mut at_end = DeliveryDraws::new(ORDERS, TRIES, true, origin);
    let payments: Vec<Option<PaymentId>> = (0..ORDERS)
        .map(|k| Some(PaymentId::numbered(k as u64 + 1)))
        .collect();
    at_end.read_log(&log, &payments, &known, |k| notified[k]);

    assert!(live.counts.retries > 0 && live.counts.unanswered > 0 && live.retried);
    assert_eq!(live.counts.events, ORDERS as u64);
    assert_eq!(figures(&live, &notified), figures(&at_end, &notified));
    (in_flight.most_held(), log.len())
}

#[test]
fn attempts_folded_as_they_end_give_the_end_of_run_figures_and_hold_only_those_in_flight() {
    let (most, logged) = fold_as_they_end(0.0);
    assert!(most > 0 && most * 50 < logged, "{most} of {logged}");
}

#[test]
fn events_sent_twice_are_folded_when_both_chains_ended() {
    let (most, logged) = fold_as_they_end(0.3);
    assert!(most > 0 && most * 50 < logged, "{most} of {logged}");
}
