//! End-to-end runs on loopback sockets bound to port 0.
//!
//! These run in real time, so they assert what a slow, shared 2-core machine
//! still guarantees: counts, agreement and the model within wide margins,
//! never wall-clock speed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hooklab_core::scenario::{Scenario, StrategyKind};
use hooklab_harness::run::Silent;
use hooklab_harness::{RunOptions, run_scenario};

fn scenario(text: &str) -> Scenario {
    Scenario::parse(text, "test.toml").unwrap()
}

#[test]
fn a_tiny_scenario_notifies_every_order_and_both_sides_count_the_same() {
    let s = scenario(
        r#"
name = "tiny"
seed = 7
[workload]
orders = 20
arrival = { dist = "fixed", every_ms = 2 }
settle = { dist = "uniform", min_ms = 10, max_ms = 60 }
outcomes = { approved = 0.5, declined = 0.5 }
[[strategy]]
name = "poll"
kind = "poll"
interval_ms = 15
[[strategy]]
name = "webhook"
kind = "webhook"
"#,
    );
    let summary = run_scenario(&s, RunOptions::default(), &Silent).unwrap();
    assert_eq!(summary.strategies.len(), 2);
    for r in &summary.strategies {
        assert_eq!((r.orders, r.notified, r.missed), (20, 20, 0), "{r:?}");
        assert!(r.counts_agree, "platform and shop disagree: {r:?}");
        assert_eq!(r.requests.payment_creates, 20);
        assert_eq!(r.latency_ms.count, 20);
    }
    let poll = &summary.strategies[0];
    assert!(
        poll.requests.polls >= 20 && poll.requests.polls_wasted == poll.requests.polls - 20,
        "{poll:?}"
    );
    assert_eq!(poll.notified_by.poll, 20);
    let hook = &summary.strategies[1];
    assert_eq!(hook.requests.webhook_attempts, 20);
    assert_eq!(hook.requests.endpoint_registrations, 1);
    assert_eq!(hook.notified_by.webhook, 20);
}

/// The issue's acceptance run: 300 orders settling uniformly in 200..2000 ms.
#[test]
fn measurement_agrees_with_the_model() {
    let s = scenario(
        r#"
name = "model-check"
seed = 42
[workload]
orders = 300
arrival = { dist = "fixed", every_ms = 5 }
settle = { dist = "uniform", min_ms = 200, max_ms = 2000 }
[[strategy]]
name = "poll-200ms"
kind = "poll"
interval_ms = 200
[[strategy]]
name = "webhook"
kind = "webhook"
"#,
    );
    let summary = run_scenario(&s, RunOptions::default(), &Silent).unwrap();
    let poll = &summary.strategies[0];
    assert_eq!(poll.kind, StrategyKind::Poll);
    assert_eq!(poll.missed, 0, "{poll:?}");
    let mean_err = (poll.latency_ms.mean - poll.predicted.latency_mean_ms).abs()
        / poll.predicted.latency_mean_ms;
    assert!(
        mean_err < 0.15,
        "poll mean {} vs model {}",
        poll.latency_ms.mean,
        poll.predicted.latency_mean_ms
    );
    let req_err = (poll.requests_per_order - poll.predicted.requests_per_order).abs()
        / poll.predicted.requests_per_order;
    assert!(
        req_err < 0.10,
        "poll req/order {} vs model {}",
        poll.requests_per_order,
        poll.predicted.requests_per_order
    );

    let hook = &summary.strategies[1];
    assert_eq!((hook.notified, hook.missed), (300, 0), "{hook:?}");
    assert_eq!(
        hook.requests.webhook_attempts, 300,
        "exactly one attempt per order"
    );
    assert_eq!(hook.requests_per_order, 1.0);
    assert!(
        hook.latency_ms.p50 < 20.0,
        "webhook p50 {} ms",
        hook.latency_ms.p50
    );
    assert!(poll.counts_agree && hook.counts_agree);
}

/// The sender-side faults, in virtual time: a receiver refusing connections
/// (retries win the events back), out-of-order and duplicated deliveries (the
/// shop applies each outcome once).
#[test]
fn refused_connections_reordered_and_duplicated_deliveries() {
    let s = scenario(
        r#"
name = "sender-faults"
seed = 3
clock = "virtual"
[workload]
orders = 200
arrival = { dist = "fixed", every_ms = 10 }
settle = { dist = "fixed", ms = 50 }
[delivery]
retry_schedule = ["0s", "1s", "2s", "4s"]
jitter = 0.0
[faults]
receiver_down = [{ from_ms = "500ms", until_ms = "1500ms", mode = "refuse" }]
reorder_ms = 300
duplicate_rate = 0.2
[[strategy]]
name = "webhook"
kind = "webhook"
"#,
    );
    let summary = run_scenario(&s, RunOptions::default(), &Silent).unwrap();
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
