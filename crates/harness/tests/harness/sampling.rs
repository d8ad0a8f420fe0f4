//! Bounded summaries: a run's `summary.json` keeps exact counts of every
//! order, but only a bounded, deterministic sample of their lives and a
//! bounded list of missed-order examples, so its size does not grow with the
//! number of orders.

use crate::fixtures::{ScenarioBuilder, scenario};
use hooklab_core::report::{MISSED_EXAMPLES, Summary, order_stride};
use hooklab_core::scenario::ClockMode;
use hooklab_harness::run::Silent;
use hooklab_harness::{RunOptions, run_scenario};
use std::num::NonZeroUsize;

/// `orders` orders, 2 ms apart, settling 20 to 200 ms later, a poller and a
/// webhook.
fn shop(orders: u64) -> ScenarioBuilder {
    scenario(
        "sampled",
        11,
        orders,
        r#"{ dist = "fixed", every_ms = 2 }"#,
        r#"{ dist = "uniform", min_ms = 20, max_ms = 200 }"#,
    )
    .virtual_clock()
    .poll("poll-50ms", "50")
    .webhook("webhook")
}

/// Runs `scenario` keeping `lives` order lives in all.
fn run_keeping(scenario: &ScenarioBuilder, lives: usize) -> Summary {
    let options = RunOptions {
        clock: Some(ClockMode::Virtual),
        order_lives: NonZeroUsize::new(lives),
        ..RunOptions::default()
    };
    run_scenario(&scenario.build(), options, &Silent).unwrap()
}

fn json(summary: &Summary) -> String {
    serde_json::to_string_pretty(summary).unwrap()
}

#[test]
fn the_sample_is_bounded_as_orders_grow_and_the_counts_stay_exact() {
    // 60 lives in all: 30 per strategy.
    let small = run_keeping(&shop(300), 60);
    let large = run_keeping(&shop(900), 60);
    for (summary, orders) in [(&small, 300u64), (&large, 900)] {
        for s in &summary.strategies {
            let t = &s.timeline;
            assert_eq!(s.orders, orders);
            assert_eq!(t.order_stride, order_stride(orders, 30), "{}", s.name);
            assert!(t.orders.len() <= 30, "{}: {}", s.name, t.orders.len());
            assert_eq!(t.orders.len(), t.via.len());
            // The sample is spread over the run: its last order was placed
            // in the last stride of arrivals (orders arrive every 2 ms).
            let last_placed = t.orders.last().unwrap()[0];
            let last_arrival = (orders - 1) as f64 * 2.0;
            assert!(
                last_placed >= last_arrival - t.order_stride as f64 * 2.0,
                "{}: {last_placed} vs {last_arrival}",
                s.name
            );
            // Every sampled order was learned, and by the strategy's channel.
            assert!(t.orders.iter().all(|o| o.iter().all(|x| *x >= 0.0)));
            let letter = if s.name == "webhook" { 'w' } else { 'p' };
            assert!(t.via.chars().all(|c| c == letter), "{}: {}", s.name, t.via);
            // The buckets still count every order and request.
            let sum = |v: &[u32]| v.iter().map(|x| u64::from(*x)).sum::<u64>();
            assert_eq!((s.notified, s.missed), (orders, 0), "{}", s.name);
            assert_eq!(sum(&t.known), s.notified, "{}", s.name);
            assert_eq!(sum(&t.polls), s.requests.all_polls(), "{}", s.name);
            assert_eq!(sum(&t.deliveries), s.requests.webhook_attempts);
            assert_eq!(s.latency_ms.count, orders);
        }
    }
    // Three times the orders, the same number of lives: the file grows by a
    // few digits of the counts, not by 600 orders' lives (about 110 bytes
    // each, 66 KB). The bucket columns are left out of the comparison: a
    // timeline has 100 to 250 buckets whatever the number of orders, and how
    // many depends on the run's length.
    let without_buckets = |summary: &Summary| {
        let mut s = summary.clone();
        for r in &mut s.strategies {
            let t = &mut r.timeline;
            for column in [
                &mut t.polls,
                &mut t.polls_wasted,
                &mut t.deliveries,
                &mut t.retries,
                &mut t.failed_deliveries,
                &mut t.rejected,
                &mut t.rate_limited,
                &mut t.known,
            ] {
                column.clear();
            }
        }
        json(&s).len()
    };
    let (small, large) = (without_buckets(&small), without_buckets(&large));
    assert!(
        large < small + 2_000,
        "{small} bytes for 300 orders, {large} for 900"
    );
}

#[test]
fn a_run_with_fewer_orders_than_the_bound_keeps_every_life() {
    let all = run_keeping(&shop(40), 1_000);
    for s in &all.strategies {
        assert_eq!(s.timeline.order_stride, 1);
        assert_eq!(s.timeline.orders.len(), 40);
    }
    // And the stride is not written: such a summary reads as before.
    assert!(!json(&all).contains("order_stride"));
}

#[test]
fn missed_orders_are_counted_by_reason_with_a_bounded_list_of_examples() {
    // Every delivery acknowledged and then lost: every order missed.
    let orders = MISSED_EXAMPLES as u64 + 50;
    let lossy = scenario(
        "all-lost",
        5,
        orders,
        r#"{ dist = "fixed", every_ms = 1 }"#,
        r#"{ dist = "fixed", ms = 10 }"#,
    )
    .virtual_clock()
    .table("[faults]\nsilent_loss = 1.0")
    .webhook("webhook");
    let summary = run_keeping(&lossy, 1_000);
    let hook = &summary.strategies[0];
    assert_eq!(hook.missed, orders, "{hook:?}");
    assert_eq!(hook.missed_orders.len(), MISSED_EXAMPLES);
    assert_eq!(
        hook.missed_by_reason,
        [("lost_after_ack".to_owned(), orders)].into()
    );
    // The examples are the first missed orders, in number order.
    assert_eq!(hook.missed_orders[0].order_id, "ord_000001");
    assert_eq!(
        hook.missed_orders[MISSED_EXAMPLES - 1].order_id,
        format!("ord_{MISSED_EXAMPLES:06}")
    );
}
