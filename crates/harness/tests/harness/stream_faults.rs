//! The event-stream strategy through a durable store and crash faults, on
//! the paused clock: nothing lost, nothing invented. A stream on the SQLite
//! store learns each event as it is appended (as on the memory store), a
//! stream resumes with `Last-Event-ID` after the platform or the shop dies,
//! and the events appended before a stream first opened are caught up.
//! Around them, what the summary says of a crash: the webhook attempts a
//! crash cut count the same in the requests and the timeline, and a row a
//! crash hit carries no draws prediction, as its table row shows none.

use super::fixtures::{ScenarioBuilder, run, scenario, strategy};

/// 300 orders of 2 merchants, one every 4 ms, settling 100..800 ms later,
/// 5 ms legs: what the tester's scenarios share.
fn header() -> ScenarioBuilder {
    scenario(
        "stream-faults",
        7,
        300,
        "{ dist = \"fixed\", every_ms = 4 }",
        "{ dist = \"uniform\", min_ms = 100, max_ms = 800 }",
    )
    .virtual_clock()
    .merchants(2)
    .table("[network]\nlatency = { dist = \"fixed\", ms = 5 }\n")
    .strategy("stream", "stream", "")
}

#[test]
fn a_stream_on_the_sqlite_store_learns_each_event_as_on_the_memory_store() {
    let memory = run(&header(), None);
    let sqlite = run(&header().table("[platform]\nstore = \"sqlite\"\n"), None);
    let (memory, sqlite) = (strategy(&memory, "stream"), strategy(&sqlite, "stream"));
    assert_eq!(sqlite.notified, 300);
    // The crash link read a stream's whole body, which ends with the run:
    // every order was learned after the last settlement (a mean of 7.9 s).
    assert_eq!(sqlite.latency_ms, memory.latency_ms);
    let crash = sqlite.crash.as_ref().expect("a durability report");
    // A store alone is no crash: the model speaks for the row.
    assert!(!crash.hit(), "{crash:?}");
    assert_eq!(sqlite.predicted, memory.predicted);
}

#[test]
fn a_stream_resumes_after_a_platform_crash_and_misses_nothing() {
    let summary = run(
        &header()
            .table("[platform]\nstore = \"sqlite\"\n")
            .table("[faults]\nplatform_crash = [{ at_ms = \"700ms\", down_ms = \"400ms\" }]\n"),
        None,
    );
    let s = strategy(&summary, "stream");
    let crash = s.crash.as_ref().unwrap();
    assert_eq!(crash.platform_crashes, 1);
    // The stream held in the dead platform stayed open and silent: 231
    // missed while the crash table said nothing was lost.
    assert_eq!((s.notified, s.missed), (300, 0), "{:?}", s.missed_by_reason);
    assert_eq!(crash.lost_total(), s.missed);
    assert!(s.requests.streams_opened > 2, "{:?}", s.requests);
    // Orders due while the platform was down settle when it is back, and
    // the stream reconnects at most one backoff (800 ms) after that.
    assert!(s.latency_ms.max < 1_200.0, "{:?}", s.latency_ms);
}

#[test]
fn a_stream_reconnects_after_a_shop_crash_and_learns_promptly() {
    let summary = run(
        &header()
            .table("[platform]\nstore = \"sqlite\"\n")
            .table("[faults]\nshop_crash = [{ at_ms = \"700ms\", down_ms = \"200ms\" }]\n"),
        None,
    );
    let s = strategy(&summary, "stream");
    assert_eq!((s.notified, s.missed, s.duplicates), (300, 0, 0));
    // The dead shop's stream broke and it reconnected once it was back
    // (a mean of 7.88 s when the stream was read only at the run's end).
    assert!(s.requests.streams_opened > 2, "{:?}", s.requests);
    assert!(s.latency_ms.max < 1_000.0, "{:?}", s.latency_ms);
}

#[test]
fn a_stream_catches_up_on_what_settled_before_it_opened() {
    let summary = run(
        &scenario(
            "stream-before-open",
            7,
            300,
            "{ dist = \"fixed\", every_ms = 0 }",
            "{ dist = \"fixed\", ms = 0 }",
        )
        .virtual_clock()
        .merchants(3)
        .table("[network]\nlatency = { dist = \"uniform\", min_ms = 1, max_ms = 9 }\n")
        .strategy("stream", "stream", ""),
        None,
    );
    let s = strategy(&summary, "stream");
    // Opened "from now", the first streams skipped the 178 orders settled
    // before they opened; the catch-up reads them, and the stream's first
    // events, also in the catch-up, are not counted twice.
    assert_eq!((s.notified, s.missed, s.duplicates), (300, 0, 0));
    assert!(s.requests.event_polls >= 3, "{:?}", s.requests);
}

#[test]
fn attempts_a_platform_crash_cut_count_alike_in_requests_and_timeline() {
    let summary = run(
        &header()
            .table("[platform]\nstore = \"sqlite\"\n")
            .table("[faults]\nplatform_crash = [{ at_ms = \"700ms\", down_ms = \"400ms\" }]\n")
            .webhook("webhook")
            .hybrid("hybrid", r#""1s""#, r#""1s""#),
        None,
    );
    for name in ["webhook", "hybrid"] {
        let s = strategy(&summary, name);
        assert_eq!(s.crash.as_ref().unwrap().platform_crashes, 1);
        // An attempt in flight when the platform died was counted as it
        // went out and never announced: the timeline had 303 of 304.
        let timeline: u64 = s.timeline.deliveries.iter().map(|&d| u64::from(d)).sum();
        assert_eq!(timeline, s.requests.webhook_attempts, "{name}");
        assert!(s.counts_agree, "{name}");
        assert_eq!((s.notified, s.missed), (300, 0), "{name}");
    }
}

#[test]
fn a_row_a_crash_hit_has_no_draws_prediction_and_says_why() {
    let crashed = run(
        &header()
            .table("[platform]\nstore = \"sqlite\"\n")
            .table("[faults]\nplatform_crash = [{ at_ms = \"700ms\", down_ms = \"400ms\" }]\n")
            .poll("poll", "200"),
        None,
    );
    for s in &crashed.strategies {
        assert!(s.crash.as_ref().unwrap().hit(), "{}", s.name);
        assert_eq!(s.predicted_for_draws, None, "{}", s.name);
        let why = s.model_withheld.as_deref().unwrap_or_default();
        assert!(why.contains("crash"), "{}: {why}", s.name);
    }
    // A durable store alone leaves the model in place.
    let stored = run(&header().table("[platform]\nstore = \"sqlite\"\n"), None);
    let s = strategy(&stored, "stream");
    assert!(s.predicted_for_draws.is_some());
    assert_eq!(s.model_withheld, None);
}
