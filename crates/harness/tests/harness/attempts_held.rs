//! A webhook run holds the delivery attempts of the payments in flight,
//! not the run's: each payment's attempts are folded once its chains ended,
//! also when the platform sends events twice (`duplicate_rate`), whose
//! payments wait for both chains. The platform's log keeps none
//! (`Retention { attempts_logged: Some(0), .. }`); what the harness held at
//! most is told to the run's [`Progress`].

use crate::fixtures::{run_with, scenario, strategy};
use hooklab_harness::Progress;
use std::sync::atomic::{AtomicU64, Ordering};

/// The most attempts held at once, and how often it was told.
#[derive(Default)]
struct Held {
    most: AtomicU64,
    told: AtomicU64,
}

impl Progress for Held {
    fn attempts_held(&self, _index: usize, most: u64) {
        self.most.fetch_max(most, Ordering::Relaxed);
        self.told.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn a_webhook_run_with_duplicates_holds_the_attempts_in_flight_not_the_runs() {
    // 6,000 orders over 30 s, each settled 50 ms after it is placed; a
    // delivery fails one time in five (retried 100 ms later) and one event
    // in three is sent twice: a few dozen payments in flight at a time.
    let scenario = scenario(
        "attempts-held",
        7,
        6_000,
        "{ dist = \"fixed\", every_ms = 5 }",
        "{ dist = \"fixed\", ms = 50 }",
    )
    .virtual_clock()
    .table("[delivery]\nretry_schedule = [\"0s\", \"100ms\", \"300ms\"]")
    .table("[faults]\nduplicate_rate = 0.3\nreceiver_error_rate = 0.2")
    .webhook("webhook")
    .build();
    let held = Held::default();
    let summary = run_with(&scenario, None, Some(1), &held);
    let report = strategy(&summary, "webhook");
    let attempts = report.requests.webhook_attempts;
    assert!(report.duplicates > 1_000, "{report:?}");
    assert!(report.requests.webhook_retries > 500, "{report:?}");
    assert_eq!(held.told.load(Ordering::Relaxed), 1);
    // Before each payment waited for both its chains, a run with
    // duplicates held every attempt to its end (most == attempts).
    let most = held.most.load(Ordering::Relaxed);
    assert!(most > 0 && most * 20 < attempts, "{most} of {attempts}");
}
