//! Virtual time: reproducible, fast, and measuring what real time measures.
//!
//! These tests run scenarios on the paused clock over the in-memory network
//! and check the three promises of virtual mode: the same seed gives the same
//! `summary.json` byte for byte; a small scenario gives the same counts in
//! both clocks and latencies that agree; and a simulated day of sparse events
//! runs at all (assertions are on counts and simulated time, never on wall
//! time, which a shared machine cannot promise).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hooklab_core::report::{StrategyReport, Summary};
use hooklab_core::scenario::{ClockMode, Scenario};
use hooklab_harness::run::Silent;
use hooklab_harness::{RunOptions, run_scenario};
use std::sync::Mutex;

/// Taken by every test, so the real-time run never shares this binary's CPU
/// with a virtual one: its latencies would measure the other test.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn run(text: &str, clock: ClockMode) -> Summary {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let scenario = Scenario::parse(text, "test.toml").unwrap();
    let options = RunOptions {
        clock: Some(clock),
        ..RunOptions::default()
    };
    run_scenario(&scenario, options, &Silent).unwrap()
}

fn strategy<'a>(summary: &'a Summary, name: &str) -> &'a StrategyReport {
    summary.strategies.iter().find(|s| s.name == name).unwrap()
}

/// Every source of randomness at once: jittered retries, injected receiver
/// errors and duplicates, random network latency, many concurrent pollers.
const BUSY: &str = r#"
name = "busy"
seed = 11
[workload]
orders = 120
arrival = { dist = "poisson", per_s = 400 }
settle = { dist = "lognormal", median_ms = 150, sigma = 0.8 }
outcomes = { approved = 0.8, declined = 0.2 }
[[strategy]]
name = "poll"
kind = "poll"
interval_ms = 40
[[strategy]]
name = "webhook"
kind = "webhook"
[[strategy]]
name = "hybrid"
kind = "hybrid"
reconcile_after_ms = "2s"
reconcile_every_ms = "1s"
[delivery]
retry_schedule = ["0s", "50ms", "200ms", "1s"]
[faults]
receiver_error_rate = 0.2
duplicate_rate = 0.1
[network]
latency = { dist = "uniform", min_ms = 1, max_ms = 8 }
"#;

#[test]
fn the_same_seed_gives_a_byte_identical_summary() {
    // The bytes `summary.json` would hold (the report crate pretty-prints
    // the same way).
    let json = |s: &Summary| serde_json::to_string_pretty(s).unwrap();
    let first = json(&run(BUSY, ClockMode::Virtual));
    let second = json(&run(BUSY, ClockMode::Virtual));
    assert!(first.contains("\"clock\": \"virtual\""), "{first}");
    assert_eq!(first, second, "two virtual runs of one seed differ");
    // And the run did something worth comparing: retries, reconciliation.
    let summary = run(BUSY, ClockMode::Virtual);
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
const BOTH_CLOCKS: &str = r#"
name = "both-clocks"
seed = 5
[workload]
orders = 40
arrival = { dist = "fixed", every_ms = 10 }
settle = { dist = "fixed", ms = 250 }
[[strategy]]
name = "poll-100ms"
kind = "poll"
interval_ms = 100
[[strategy]]
name = "webhook"
kind = "webhook"
[network]
latency = { dist = "fixed", ms = 2 }
"#;

#[test]
fn both_clocks_count_the_same_and_agree_on_latency() {
    let real = run(BOTH_CLOCKS, ClockMode::Real);
    let virt = run(BOTH_CLOCKS, ClockMode::Virtual);
    for name in ["poll-100ms", "webhook"] {
        let (r, v) = (strategy(&real, name), strategy(&virt, name));
        assert_eq!((r.notified, r.missed), (40, 0), "real {r:?}");
        assert_eq!((v.notified, v.missed), (40, 0), "virtual {v:?}");
        assert_eq!(r.requests_per_order, v.requests_per_order, "{name}");
        assert!(r.counts_agree && v.counts_agree, "{name}");
        // A few milliseconds of real-world cost (HTTP, scheduling on a
        // shared machine) plus the network model's round trip: in real time
        // each of a poll's four one-way trips is a real timer, which fires on
        // the next 1 ms tick after its deadline, or later.
        let gap = (r.latency_ms.mean - v.latency_ms.mean).abs();
        assert!(
            gap <= 5.0 + 2.0 * 2.0,
            "{name}: real mean {} ms, virtual mean {} ms",
            r.latency_ms.mean,
            v.latency_ms.mean
        );
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
    let day = r#"
name = "sparse-day"
seed = 3
[workload]
orders = 20
arrival = { dist = "fixed", every_ms = "72m" }
settle = { dist = "fixed", ms = "1h" }
[[strategy]]
name = "poll-25m"
kind = "poll"
interval_ms = "25m"
[[strategy]]
name = "webhook"
kind = "webhook"
"#;
    let summary = run(day, ClockMode::Virtual);
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
    let partitioned = r#"
name = "partitioned"
seed = 9
[workload]
orders = 10
arrival = { dist = "fixed", every_ms = 10 }
settle = { dist = "fixed", ms = 500 }
[[strategy]]
name = "webhook"
kind = "webhook"
[delivery]
retry_schedule = ["0s", "1s", "5s"]
jitter = 0.0
[network]
partitions = [{ from_ms = "400ms", until_ms = "3s" }]
"#;
    let summary = run(partitioned, ClockMode::Virtual);
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
