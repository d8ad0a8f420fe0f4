//! `[network] partitions` against the model, on the paused clock
//! (`crates/core/src/model/partition.rs`): a poller's, a webhook's and a
//! stream's draws' model equal to the measurement with windows that refuse
//! their creations, polls, attempts and opens; every row names the windows
//! in a health flag, and says whether the model replays them.

use crate::fixtures::{ScenarioBuilder, run, scenario, strategy};
use crate::model::{draws, within};
use hooklab_core::report::StrategyReport;

/// 300 orders every 7 ms settling uniformly in 200 ms..2 s, over a fixed
/// 5 ms one-way network cut from 0.5 s to 1.2 s and from 1.6 s to 1.65 s,
/// 2 merchants.
fn cut() -> ScenarioBuilder {
    scenario(
        "partitioned",
        11,
        300,
        r#"{ dist = "fixed", every_ms = 7 }"#,
        r#"{ dist = "uniform", min_ms = 200, max_ms = 2000 }"#,
    )
    .virtual_clock()
    .merchants(2)
    .table(
        "[network]\nlatency = { dist = \"fixed\", ms = 5 }\n\
         partitions = [{ from_ms = 500, until_ms = 1200 }, { from_ms = 1600, until_ms = 1650 }]",
    )
}

/// The draws' model equal to the measurement: the mean within 0.5%,
/// requests per order within 0.5%, the orders learned as many.
fn draws_match(r: &StrategyReport) {
    let d = draws(r);
    within(
        &format!("{}: mean vs the draws' model", r.name),
        r.latency_ms.mean,
        d.latency_mean_ms,
        0.005,
    );
    within(
        &format!("{}: requests per order vs the draws' model", r.name),
        r.requests_per_order,
        d.requests_per_order,
        0.005,
    );
    if let Some(missed) = d.missed_share {
        let measured = r.missed as f64 / r.orders as f64;
        assert!(
            (measured - missed).abs() < 1e-3,
            "{}: {measured} vs {d:?}",
            r.name
        );
    }
}

/// The paper model within 3 standard errors of the measurement, for the
/// mean delay and for requests per order.
fn paper_within_noise(r: &StrategyReport) {
    let p = &r.predicted;
    let se = r.latency_ms.stderr.expect("a standard error");
    let gap = (r.latency_ms.mean - p.latency_mean_ms).abs();
    assert!(
        gap <= 3.0 * se,
        "{}: mean {} against {p:?}, stderr {se}",
        r.name,
        r.latency_ms.mean
    );
    let se = r.requests_per_order_stderr.expect("a standard error");
    let gap = (r.requests_per_order - p.requests_per_order).abs();
    assert!(
        gap <= 3.0 * se,
        "{}: {} requests per order against {p:?}, stderr {se}",
        r.name,
        r.requests_per_order
    );
}

/// The row's health flag codes.
fn codes(r: &StrategyReport) -> Vec<&str> {
    r.health.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn a_poller_through_partitions_matches_its_draws_model() {
    let summary = run(&cut().poll("poll", "100"), None);
    let r = strategy(&summary, "poll");
    assert!(r.counts_agree, "{r:?}");
    // Orders placed in the long window wait for their creations' retries;
    // their polls, and everyone else's, fail inside the windows.
    assert!(r.latency_ms.max > 500.0, "{:?}", r.latency_ms);
    draws_match(r);
    // Blind to the windows, the model counted every refused poll as one
    // answered and put the mean at about half an interval.
    assert!(r.latency_ms.mean > 70.0, "{:?}", r.latency_ms);
    // The paper model replays the same windows over the plan.
    paper_within_noise(r);
    assert!(codes(r).contains(&"partitioned"), "{:?}", r.health);
    let message = &r
        .health
        .iter()
        .find(|f| f.code == "partitioned")
        .unwrap()
        .message;
    assert!(
        message.contains("2 times, 0.75 s in all (0.5 s to 1.2 s; 1.6 s to 1.65 s)"),
        "{message}"
    );
}

#[test]
fn a_webhook_through_partitions_matches_its_draws_model() {
    let summary = run(
        &cut()
            .table("[delivery]\nretry_schedule = [\"0s\", \"300ms\", \"1s\", \"5s\"]\njitter = 0.1")
            .webhook("webhook"),
        None,
    );
    let r = strategy(&summary, "webhook");
    assert!(r.counts_agree, "{r:?}");
    assert!(r.requests.webhook_failures > 0, "{:?}", r.requests);
    draws_match(r);
    paper_within_noise(r);
    assert_eq!(codes(r), ["partitioned"], "{:?}", r.health);
}

#[test]
fn a_stream_cut_by_partitions_matches_its_draws_model() {
    let summary = run(&cut().strategy("stream", "stream", ""), None);
    let r = strategy(&summary, "stream");
    assert_eq!((r.notified, r.missed, r.duplicates), (300, 0, 0), "{r:?}");
    assert!(r.requests.streams_opened > 2, "{:?}", r.requests);
    draws_match(r);
    within(
        "stream: mean vs the paper model",
        r.latency_ms.mean,
        r.predicted.latency_mean_ms,
        0.1,
    );
    assert_eq!(codes(r), ["partitioned"], "{:?}", r.health);
}

#[test]
fn a_strategy_the_model_does_not_replay_says_it_leaves_the_windows_out() {
    let summary = run(&cut().poll_events("events", "100", 100), None);
    let r = strategy(&summary, "events");
    assert!(
        codes(r).contains(&"partitions_unmodelled"),
        "{:?}",
        r.health
    );
    assert!(!codes(r).contains(&"partitioned"), "{:?}", r.health);
    let flag = r.health.iter().find(|f| f.code == "partitions_unmodelled");
    assert!(
        flag.is_some_and(|f| f.message.contains("leaves the windows out")),
        "{:?}",
        r.health
    );
    // Without windows, no flag.
    let summary = run(
        &scenario(
            "whole",
            11,
            50,
            r#"{ dist = "fixed", every_ms = 7 }"#,
            r#"{ dist = "fixed", ms = 300 }"#,
        )
        .virtual_clock()
        .poll("poll", "100"),
        None,
    );
    assert!(strategy(&summary, "poll").health.is_empty());
}

#[test]
fn a_stream_that_opens_late_counts_its_catch_up_in_both_models() {
    // The network is cut for the first 450 ms: the stream's opens at 0,
    // 100 and 300 ms are refused and the one at 700 ms gets through, while
    // the orders placed from 400 ms on are created (and settle, 0..60 ms
    // later) before it registers: they are learned from the catch-up's
    // page of the log, not one leg after their settlement.
    let s = scenario(
        "late-stream",
        4,
        200,
        r#"{ dist = "fixed", every_ms = 5 }"#,
        r#"{ dist = "uniform", min_ms = 0, max_ms = 60 }"#,
    )
    .virtual_clock()
    .table(
        "[network]\nlatency = { dist = \"fixed\", ms = 5 }\npartitions = [{ from_ms = 0, until_ms = 450 }]",
    )
    .strategy("stream", "stream", "");
    let summary = run(&s, None);
    let r = strategy(&summary, "stream");
    assert_eq!((r.notified, r.missed, r.duplicates), (200, 0, 0), "{r:?}");
    // An open stream's model said 5 ms (one leg after the settlement).
    assert!(r.latency_ms.mean > 20.0, "{:?}", r.latency_ms);
    draws_match(r);
    within(
        "late stream: mean vs the paper model",
        r.latency_ms.mean,
        r.predicted.latency_mean_ms,
        0.05,
    );
}

#[test]
fn a_stream_whose_first_open_is_slower_than_the_first_settlements() {
    // No partition, a fixed 10 ms network, an order a millisecond settling
    // 1..40 ms after its creation: the stream registers at 10 ms, its head
    // is back at 20 and its catch-up reads the log at 30, answered at 40.
    // The orders settled by 30 ms are learned at 40 (the stream pushed
    // them too, but the shop reads the stream only after its catch-up),
    // not one leg after their settlement.
    let s = scenario(
        "slow-first-open",
        6,
        120,
        r#"{ dist = "fixed", every_ms = 1 }"#,
        r#"{ dist = "uniform", min_ms = 1, max_ms = 40 }"#,
    )
    .virtual_clock()
    .merchants(2)
    .table("[network]\nlatency = { dist = \"fixed\", ms = 10 }")
    .strategy("stream", "stream", "");
    let summary = run(&s, None);
    let r = strategy(&summary, "stream");
    assert_eq!((r.notified, r.missed, r.duplicates), (120, 0, 0), "{r:?}");
    draws_match(r);
    assert!(r.health.is_empty(), "{:?}", r.health);
}
