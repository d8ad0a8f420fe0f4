//! How long each strategy takes to learn the outcome of N orders, end to end
//! on loopback, and how many requests it spends doing it.
//!
//! Each benchmark is one [`run_scenario`] of a one-strategy scenario: a fresh
//! platform and shop on `127.0.0.1:0`, 100 orders arriving one per
//! millisecond, each payment settling 5 to 20 ms after its creation (uniform),
//! and the run ends as soon as the shop knows every outcome. So an iteration's
//! time is "last order's notification" plus start-up and shut-down, and the
//! comparison between benchmarks is the comparison between strategies:
//!
//! - `strategies/poll-5ms`, `poll-20ms`, `poll-50ms`: polling at three
//!   intervals. Shorter intervals learn sooner and spend more polls.
//! - `strategies/webhook`: the platform calls the shop once per order.
//! - `strategies/hybrid`: webhooks, plus a reconciliation poll of any payment
//!   still unknown 100 ms after creation (the safety net for lost events).
//!
//! Time alone hides the cost, so before each benchmark one probe run prints
//! its request counts and notification latency from the run's `Summary`
//! (creates, polls and how many were wasted, webhook attempts, requests per
//! order), and checks that every order was notified. Virtual mode will get a
//! benchmark here when it exists (see BENCHMARKS.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use hooklab_core::report::StrategyReport;
use hooklab_core::scenario::Scenario;
use hooklab_harness::run::Silent;
use hooklab_harness::{RunOptions, run_scenario};
use std::hint::black_box;
use std::time::Duration;

/// Orders per run.
const ORDERS: u32 = 100;

/// One scenario per strategy, same seed and workload for all of them.
fn scenario(strategy: &str) -> Scenario {
    let table = match (strategy, strategy.strip_prefix("poll-")) {
        (_, Some(interval)) => {
            format!("name = \"{strategy}\"\nkind = \"poll\"\ninterval_ms = \"{interval}\"\n")
        }
        // Webhooks, plus a reconciliation poll of any payment still unknown
        // 100 ms after its creation (none should be, without faults).
        ("hybrid", None) => {
            "name = \"hybrid\"\nkind = \"hybrid\"\nreconcile_after_ms = 100\nreconcile_every_ms = 50\n"
                .to_owned()
        }
        (_, None) => format!("name = \"{strategy}\"\nkind = \"{strategy}\"\n"),
    };
    let text = format!(
        r#"name = "bench-{strategy}"
seed = 7

[workload]
orders = {ORDERS}
arrival = {{ dist = "fixed", every_ms = 1 }}
settle = {{ dist = "uniform", min_ms = 5, max_ms = 20 }}

[run]
grace_ms = 2000

[[strategy]]
{table}"#
    );
    Scenario::parse(&text, "benches/strategies.rs").unwrap()
}

fn run(scenario: &Scenario) -> StrategyReport {
    let summary = run_scenario(scenario, RunOptions::default(), &Silent).unwrap();
    summary.strategies.into_iter().next().unwrap()
}

/// Prints what one run of the strategy spent, beside the time criterion
/// reports, and refuses to benchmark a run that lost orders.
fn probe(scenario: &Scenario) {
    let r = run(scenario);
    let q = r.requests;
    println!(
        "strategies/{}: {} orders, notified {}, missed {}, duplicates {} | requests total {} = \
         creates {} + polls {} (wasted {}) + webhook attempts {} + registrations {} | \
         {} notification requests/order | latency p50 {} ms, p99 {} ms, max {} ms | \
         run {} ms | counts agree: {}",
        r.name,
        r.orders,
        r.notified,
        r.missed,
        r.duplicates,
        q.total,
        q.payment_creates,
        q.polls,
        q.polls_wasted,
        q.webhook_attempts,
        q.endpoint_registrations,
        r.requests_per_order,
        r.latency_ms.p50,
        r.latency_ms.p99,
        r.latency_ms.max,
        r.run_ms,
        r.counts_agree,
    );
    assert_eq!(r.notified, r.orders, "{:?}", r.missed_orders);
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("strategies");
    // An iteration is a whole run (~0.1 to 0.2 s): a few flat samples suffice.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for strategy in ["poll-5ms", "poll-20ms", "poll-50ms", "webhook", "hybrid"] {
        let scenario = scenario(strategy);
        probe(&scenario);
        group.bench_function(strategy, |b| b.iter(|| black_box(run(&scenario))));
    }
    group.finish();
}

criterion_group!(strategy_benches, benches);
criterion_main!(strategy_benches);
