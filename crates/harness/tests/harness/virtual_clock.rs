//! Virtual time: reproducible, fast, and measuring what real time measures.
//!
//! These tests run scenarios on the paused clock over the in-memory network
//! and check the three promises of virtual mode: the same seed gives the same
//! `summary.json` byte for byte; a small scenario gives the same counts in
//! both clocks and latencies that agree; and a simulated day of sparse events
//! runs at all (assertions are on counts and simulated time, never on wall
//! time, which a shared machine cannot promise). The sender-side faults run
//! here too.

use crate::fixtures::{ScenarioBuilder, run, scenario, strategy};
use hooklab_core::report::Summary;
use hooklab_core::scenario::ClockMode;

const VIRTUAL: Option<ClockMode> = Some(ClockMode::Virtual);

/// Every source of randomness at once: jittered retries, injected receiver
/// errors and duplicates, random network latency, many concurrent pollers.
fn busy() -> ScenarioBuilder {
    scenario(
        "busy",
        11,
        120,
        r#"{ dist = "poisson", per_s = 400 }"#,
        r#"{ dist = "lognormal", median_ms = 150, sigma = 0.8 }"#,
    )
    .outcomes("{ approved = 0.8, declined = 0.2 }")
    .table(
        r#"
[delivery]
retry_schedule = ["0s", "50ms", "200ms", "1s"]
[faults]
receiver_error_rate = 0.2
duplicate_rate = 0.1
[network]
latency = { dist = "uniform", min_ms = 1, max_ms = 8 }
"#,
    )
    .poll("poll", "40")
    .webhook("webhook")
    .hybrid("hybrid", r#""2s""#, r#""1s""#)
}

#[test]
fn the_same_seed_gives_a_byte_identical_summary() {
    // The bytes `summary.json` would hold (the report crate pretty-prints
    // the same way).
    let json = |s: &Summary| serde_json::to_string_pretty(s).unwrap();
    let first = json(&run(&busy(), VIRTUAL));
    let second = json(&run(&busy(), VIRTUAL));
    assert!(first.contains("\"clock\": \"virtual\""), "{first}");
    assert_eq!(first, second, "two virtual runs of one seed differ");
    // And the run did something worth comparing: retries, reconciliation.
    let summary = run(&busy(), VIRTUAL);
    let hook = strategy(&summary, "webhook");
    assert!(hook.requests.webhook_retries > 0, "{hook:?}");
    assert!(strategy(&summary, "poll").requests.polls_wasted > 0);
    for r in &summary.strategies {
        assert!(r.counts_agree, "{r:?}");
    }
}

/// Settlements a fixed 250 ms after creation and a fixed 2 ms one-way
/// latency: no poll lands near a settlement instant, so the counts cannot
/// differ between clocks by a hair's breadth of scheduling.
#[test]
fn both_clocks_count_the_same_and_agree_on_latency() {
    let both = scenario(
        "both-clocks",
        5,
        40,
        r#"{ dist = "fixed", every_ms = 10 }"#,
        r#"{ dist = "fixed", ms = 250 }"#,
    )
    .table(
        r#"[network]
latency = { dist = "fixed", ms = 2 }"#,
    )
    .poll("poll-100ms", "100")
    .webhook("webhook");
    let real = run(&both, Some(ClockMode::Real));
    let virt = run(&both, VIRTUAL);
    for name in ["poll-100ms", "webhook"] {
        let (r, v) = (strategy(&real, name), strategy(&virt, name));
        assert_eq!((r.notified, r.missed), (40, 0), "real {r:?}");
        assert_eq!((v.notified, v.missed), (40, 0), "virtual {v:?}");
        assert!(r.counts_agree && v.counts_agree, "{name}");
        // A few milliseconds of real-world cost (HTTP, scheduling on a
        // shared machine) plus the network model's round trip: in real time
        // each of a poll's four one-way trips is a real timer, which fires on
        // the next 1 ms tick after its deadline, or later.
        // Real time only adds to the virtual clock's costs, so the real mean
        // is not below the virtual one. How much it adds is the machine's
        // load, not hooklab's (a shared 2-core machine under a parallel
        // build added 13 ms): the bound is half a poll interval, past which
        // a poll would have been a whole tick late on average, which no
        // load on loopback explains.
        let gap = r.latency_ms.mean - v.latency_ms.mean;
        assert!(
            (-1.0..=50.0).contains(&gap),
            "{name}: real mean {} ms, virtual mean {} ms",
            r.latency_ms.mean,
            v.latency_ms.mean
        );
        // The counts are the same while the real clock keeps up. A starved
        // machine (load 26 on two cores) fires the 200 ms poll after the
        // 250 ms settlement, and that poll finds the answer: a late poller
        // polls less, never more. So equality is asked of a run whose polls
        // were on time (its mean within a few ms of the virtual one), and
        // "no more than the virtual clock's" of any run.
        if gap < 5.0 {
            assert_eq!(r.requests_per_order, v.requests_per_order, "{name}");
        } else {
            assert!(
                r.requests_per_order <= v.requests_per_order,
                "{name}: real {} polls per order, virtual {}",
                r.requests_per_order,
                v.requests_per_order
            );
        }
    }
    // The model's latency shows up in virtual time exactly: a webhook takes
    // one one-way trip after the settlement, a poll answer a round trip more
    // than its send instant.
    let hook = strategy(&virt, "webhook");
    assert!((hook.latency_ms.mean - 2.0).abs() < 0.01, "{hook:?}");
    assert_eq!(strategy(&virt, "poll-100ms").requests_per_order, 3.0);
}

#[test]
fn a_simulated_day_of_sparse_events_runs_to_the_end() {
    let day = scenario(
        "sparse-day",
        3,
        20,
        r#"{ dist = "fixed", every_ms = "72m" }"#,
        r#"{ dist = "fixed", ms = "1h" }"#,
    )
    .poll("poll-25m", r#""25m""#)
    .webhook("webhook");
    let summary = run(&day, VIRTUAL);
    let poll = strategy(&summary, "poll-25m");
    assert_eq!((poll.notified, poll.missed), (20, 0), "{poll:?}");
    // Polls at 25, 50 and 75 minutes after each creation: the third finds it.
    assert_eq!(poll.requests.polls, 60);
    assert_eq!(poll.requests.polls_wasted, 40);
    // Notified 15 minutes after the settlement (within the histogram's 0.1%).
    let quarter_hour = 15.0 * 60_000.0;
    assert!(
        (poll.latency_ms.mean / quarter_hour - 1.0).abs() < 0.001,
        "{poll:?}"
    );
    let hook = strategy(&summary, "webhook");
    assert_eq!((hook.notified, hook.requests.webhook_attempts), (20, 20));
    // The run covered the whole simulated day: the last order arrives at
    // 19 × 72 min = 22.8 h and settles an hour later.
    assert!(hook.run_ms >= 23.8 * 3_600_000.0, "{hook:?}");
}

#[test]
fn a_partition_fails_deliveries_until_it_heals_and_retries_get_through() {
    let partitioned = scenario(
        "partitioned",
        9,
        10,
        r#"{ dist = "fixed", every_ms = 10 }"#,
        r#"{ dist = "fixed", ms = 500 }"#,
    )
    .table(
        r#"
[delivery]
retry_schedule = ["0s", "1s", "5s"]
jitter = 0.0
[network]
partitions = [{ from_ms = "400ms", until_ms = "3s" }]
"#,
    )
    .webhook("webhook");
    let summary = run(&partitioned, VIRTUAL);
    let hook = strategy(&summary, "webhook");
    assert_eq!((hook.notified, hook.missed), (10, 0), "{hook:?}");
    // Attempts at +0 s and +1 s fall in the partition; +6 s gets through.
    assert_eq!(hook.requests.webhook_failures, 20, "{hook:?}");
    assert_eq!(hook.requests.webhook_retries, 20, "{hook:?}");
    // So every event arrives 6 s after its settlement (within the
    // histogram's 0.1%).
    assert!(
        (hook.latency_ms.max / 6_000.0 - 1.0).abs() < 0.001,
        "{hook:?}"
    );
    assert!(
        (hook.latency_ms.p50 / 6_000.0 - 1.0).abs() < 0.001,
        "{hook:?}"
    );
}

/// The sender-side faults, in virtual time: a receiver refusing connections
/// (retries win the events back), out-of-order and duplicated deliveries (the
/// shop applies each outcome once).
#[test]
fn refused_connections_reordered_and_duplicated_deliveries() {
    let faults = scenario(
        "sender-faults",
        3,
        200,
        r#"{ dist = "fixed", every_ms = 10 }"#,
        r#"{ dist = "fixed", ms = 50 }"#,
    )
    .virtual_clock()
    .table(
        r#"
[delivery]
retry_schedule = ["0s", "1s", "2s", "4s"]
jitter = 0.0
[faults]
receiver_down = [{ from_ms = "500ms", until_ms = "1500ms", mode = "refuse" }]
reorder_ms = 300
duplicate_rate = 0.2
"#,
    )
    .webhook("webhook");
    let summary = run(&faults, None);
    let hook = &summary.strategies[0];
    assert_eq!((hook.notified, hook.missed), (200, 0), "{hook:?}");
    assert!(
        hook.requests.webhook_failures > 0,
        "some attempts met the refusal"
    );
    assert!(hook.requests.webhook_retries > 0, "and were retried");
    assert!(
        hook.duplicates > 0,
        "duplicated deliveries are counted, not applied twice"
    );
    assert!(
        hook.counts_agree,
        "refused attempts never reached the receiver, and are not counted as received"
    );
    // Orders settle in order (fixed arrival, fixed settlement); with reordering
    // the shop learns some of them out of that order.
    let known: Vec<f64> = hook.timeline.orders.iter().map(|o| o[2]).collect();
    assert!(
        known.windows(2).any(|w| w[1] < w[0]),
        "some events overtook others"
    );
}
