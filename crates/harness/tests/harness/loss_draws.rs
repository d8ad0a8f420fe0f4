//! Silent loss and duplicates, followed as the run drew them.
//!
//! In virtual time the model fed a run's draws must equal the measurement.
//! Under silent loss and duplicates it used to take the rates the run drew,
//! not which delivery drew what: a tester's hybrid under 10% silent loss
//! measured 70.4 ms against 59.5 ms for its draws (which orders lost their
//! webhook is a draw of its own, and a lost one waits seconds for a
//! reconciliation poll), and the webhook's missed count was the rate times
//! the orders. Fed the receiver's own log of what it dropped, and each
//! event's chains as the sender's log tells them apart, the draws' model
//! gives the measured mean, requests per order, missed orders and
//! duplicates.

use crate::fixtures::run;
use crate::model::{draws, four_merchants_behind_5ms};

/// 500 orders over a 5 ms network, four merchants, the webhook and a hybrid
/// under `faults` (the `[faults]` table's lines).
fn under(name: &str, seed: u64, faults: &str) -> hooklab_core::report::Summary {
    let s = four_merchants_behind_5ms(name, seed, 0.2, faults)
        .webhook("webhook")
        .hybrid("hybrid", r#""1s""#, r#""500ms""#);
    run(&s, None)
}

/// The bar: the draws' model gives the measured mean (within 0.1%, and the
/// summary's rounding of 1 µs), requests per order (0.1%), and the very
/// missed orders and duplicates.
fn as_drawn(summary: &hooklab_core::report::Summary, case: &str) {
    for name in ["webhook", "hybrid"] {
        let r = crate::fixtures::strategy(summary, name);
        let d = draws(r);
        let what = format!("{case}, {name}");
        let gap = (r.latency_ms.mean - d.latency_mean_ms).abs();
        assert!(
            gap <= (1e-3 * d.latency_mean_ms).max(0.002),
            "{what}: measured {} ms against the draws' {} ms",
            r.latency_ms.mean,
            d.latency_mean_ms
        );
        let gap = (r.requests_per_order - d.requests_per_order).abs();
        assert!(
            gap <= 1e-3 * d.requests_per_order,
            "{what}: {} requests per order against the draws' {}",
            r.requests_per_order,
            d.requests_per_order
        );
        let orders = r.orders as f64;
        let missed = d.missed_share.expect("a missed share") * orders;
        assert_eq!(
            r.missed,
            missed.round() as u64,
            "{what}: missed {} against the draws' {missed}",
            r.missed
        );
        let duplicates = d.duplicates_per_order.expect("duplicates") * orders;
        assert_eq!(
            r.duplicates,
            duplicates.round() as u64,
            "{what}: {} duplicates against the draws' {duplicates}",
            r.duplicates
        );
    }
}

/// One case: the faults, a run, the bar; `check` says what the faults must
/// have done for the case to test anything.
fn case(
    case: &str,
    seed: u64,
    faults: &str,
    check: fn(&hooklab_core::report::StrategyReport) -> bool,
) {
    let summary = under(case, seed, faults);
    let webhook = crate::fixtures::strategy(&summary, "webhook");
    assert!(
        check(webhook),
        "{case}: the faults hit too little: {webhook:?}"
    );
    as_drawn(&summary, case);
}

#[test]
fn ten_percent_silent_loss_is_followed_as_drawn() {
    // The tester's case: the hybrid was 15% off its draws.
    case("loss-10", 3, "silent_loss = 0.1", |w| w.missed > 20);
}

#[test]
fn thirty_percent_silent_loss_is_followed_as_drawn() {
    case("loss-30", 11, "silent_loss = 0.3", |w| w.missed > 100);
}

#[test]
fn duplicated_events_retry_on_their_own_chains() {
    // Receiver errors: each of a duplicated event's two chains retries on
    // its own (the log told them apart, and before they took the rate).
    case(
        "duplicates-errors",
        5,
        "duplicate_rate = 0.3\nreceiver_error_rate = 0.3",
        |w| w.duplicates > 100,
    );
}

#[test]
fn a_duplicated_events_lost_copy_is_the_one_the_receiver_dropped() {
    case(
        "duplicates-loss",
        7,
        "duplicate_rate = 0.3\nsilent_loss = 0.2",
        |w| w.duplicates > 50 && w.missed > 10,
    );
}

#[test]
fn duplicates_loss_and_errors_together_are_followed_as_drawn() {
    case(
        "duplicates-loss-errors",
        9,
        "duplicate_rate = 0.3\nsilent_loss = 0.2\nreceiver_error_rate = 0.2",
        |w| w.duplicates > 50 && w.missed > 10,
    );
}
