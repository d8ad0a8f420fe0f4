//! The model against the measurement, on the paused clock.
//!
//! Issue 13's bar: for a poller, the measured mean lies within 1% of the
//! model fed this run's draws (`predicted_for_draws`: in virtual time any
//! gap is a bug in hooklab) and within 3 standard errors of the paper model
//! (`predicted`), and requests per order within 2% of it; for webhooks
//! with faults and hybrids, within 10% of the draws' model. Also the
//! counts that must agree: the summary's refusals and its timeline's, and
//! a timed-out delivery on both sides.

use crate::fixtures::{ScenarioBuilder, run, scenario};
use hooklab_core::report::StrategyReport;

/// The draws' prediction, which every virtual run must have.
pub(crate) fn draws(r: &StrategyReport) -> &hooklab_core::model::Prediction {
    r.predicted_for_draws
        .as_ref()
        .expect("a prediction for the draws")
}

/// 500 Poisson orders (100 a second, log-normal settlements around 300 ms)
/// from four merchants over a fixed 5 ms network, virtual clock, with a
/// short retry schedule of this `jitter` and the `[faults]` table's lines:
/// the model tests' common ground under faults, strategies left to add.
pub(crate) fn four_merchants_behind_5ms(
    name: &str,
    seed: u64,
    jitter: f64,
    faults: &str,
) -> ScenarioBuilder {
    scenario(
        name,
        seed,
        500,
        r#"{ dist = "poisson", per_s = 100 }"#,
        r#"{ dist = "lognormal", median_ms = 300, sigma = 1.5 }"#,
    )
    .virtual_clock()
    .merchants(4)
    .table(&format!(
        r#"
[network]
latency = {{ dist = "fixed", ms = 5 }}
[delivery]
retry_schedule = ["0s", "100ms", "500ms", "1s"]
jitter = {jitter:?}
[faults]
{faults}
"#
    ))
}

/// `|a − b| ≤ share·|b|`, with the numbers in the message.
pub(crate) fn within(what: &str, measured: f64, predicted: f64, share: f64) {
    assert!(
        (measured - predicted).abs() <= share * predicted.abs(),
        "{what}: measured {measured} against {predicted} (more than {}% apart)",
        share * 100.0
    );
}

/// The poller bar: 1% of the draws' model, 3 standard errors of the paper
/// model (at least the summary's rounding, 1 µs, for a delay that never
/// varies), requests per order within 2% of the paper model.
fn poller_bar(r: &StrategyReport) {
    let mean = r.latency_ms.mean;
    within(
        "mean vs the draws' model",
        mean,
        draws(r).latency_mean_ms,
        0.01,
    );
    let stderr = r.latency_ms.stderr.expect("a standard error");
    let gap = (mean - r.predicted.latency_mean_ms).abs();
    assert!(
        gap <= (3.0 * stderr).max(0.002),
        "{}: mean {mean} ms is {gap} ms from the model's {} ms, stderr {stderr}",
        r.name,
        r.predicted.latency_mean_ms
    );
    within(
        "requests per order vs the model",
        r.requests_per_order,
        r.predicted.requests_per_order,
        0.02,
    );
    assert!(r.counts_agree, "{r:?}");
}

/// `orders` orders every 7 ms over a fixed 20 ms one-way network. A spread
/// S needs a few thousand for requests per order to sit within 2% of the
/// paper model by sampling alone (its standard error is about 0.3 polls at
/// 300 orders: 3% of 11).
fn over_20ms(name: &str, orders: u64, settle: &str) -> ScenarioBuilder {
    scenario(
        name,
        13,
        orders,
        r#"{ dist = "fixed", every_ms = 7 }"#,
        settle,
    )
    .virtual_clock()
    .table("[network]\nlatency = { dist = \"fixed\", ms = 20 }")
}

#[test]
fn a_poller_over_a_20ms_network_matches_the_model() {
    // The audit's case: 70.5 ms measured against 90.5 "predicted".
    let s = over_20ms(
        "spread",
        3000,
        r#"{ dist = "uniform", min_ms = 200, max_ms = 2000 }"#,
    )
    .poll("poll-100ms", "100");
    let summary = run(&s, None);
    let r = &summary.strategies[0];
    poller_bar(r);
    // Legs as the network says: 20 ms each way, no timer lateness in
    // virtual time.
    assert_eq!(r.predicted.request_leg_ms, Some(20.0));
    assert_eq!(r.predicted.response_leg_ms, Some(20.0));
    assert_eq!(draws(r).request_leg_ms, Some(20.0));
    assert!(r.predicted.rtt_source.is_some());
}

#[test]
fn a_fixed_settlement_and_one_shorter_than_the_interval() {
    // Fixed S = 450 ms polled every 200 ms (210 measured against 190.5 in
    // the audit), and S = 50 ms < T = 200 ms.
    let s = over_20ms("fixed", 300, r#"{ dist = "fixed", ms = 450 }"#).poll("poll-200ms", "200");
    poller_bar(&run(&s, None).strategies[0]);
    let s = over_20ms("short", 300, r#"{ dist = "fixed", ms = 50 }"#).poll("poll-200ms", "200");
    let summary = run(&s, None);
    let r = &summary.strategies[0];
    poller_bar(r);
    // One poll finds it: the first read (at 200 + 40 ms) is after S.
    assert_eq!(r.requests_per_order, 1.0);
}

#[test]
fn a_poller_faster_than_its_round_trip() {
    // T = 10 ms over a 40 ms round trip: each poll waits for the previous
    // answer; and a flag says the network shapes the delay.
    let s = over_20ms(
        "fast",
        1000,
        r#"{ dist = "uniform", min_ms = 200, max_ms = 400 }"#,
    )
    .poll("poll-10ms", "10");
    let summary = run(&s, None);
    let r = &summary.strategies[0];
    poller_bar(r);
    assert!(
        r.health.iter().any(|f| f.code == "rtt_vs_interval"),
        "{:?}",
        r.health
    );
    // T = 10 ms with no network: the timer is exact in virtual time.
    let s = scenario(
        "fast-local",
        13,
        1000,
        r#"{ dist = "fixed", every_ms = 7 }"#,
        r#"{ dist = "uniform", min_ms = 200, max_ms = 400 }"#,
    )
    .virtual_clock()
    .poll("poll-10ms", "10");
    poller_bar(&run(&s, None).strategies[0]);
}

#[test]
fn the_event_log_poller_with_regular_arrivals_and_one_event_a_page() {
    // Regular arrivals, where e^(−λT) said 60.5% wasted against 49.9%.
    for page_size in [100, 1] {
        let s = scenario(
            "events",
            5,
            300,
            r#"{ dist = "fixed", every_ms = 20 }"#,
            r#"{ dist = "uniform", min_ms = 200, max_ms = 2000 }"#,
        )
        .virtual_clock()
        .merchants(3)
        .table("[network]\nlatency = { dist = \"fixed\", ms = 5 }")
        .poll_events("events-50ms", "50", page_size);
        let summary = run(&s, None);
        let r = &summary.strategies[0];
        poller_bar(r);
        within(
            "wasted share vs the draws' model",
            r.polls_wasted_share,
            draws(r).polls_wasted_share.unwrap(),
            0.02,
        );
        let ci = r.polls_wasted_share_ci95.unwrap();
        assert!(ci[0] <= r.polls_wasted_share && r.polls_wasted_share <= ci[1]);
    }
}

#[test]
fn a_webhook_over_a_random_network_matches_the_model_of_its_own_deliveries() {
    // zapier-15min's case: legs uniform 5..40 ms. Fed the creations' legs
    // (another sample of the network) the draws' model put the webhook at
    // 23.05 ms against 23.72 measured; fed each delivery's own departure and
    // legs it is exact, up to the summary's rounding (1 µs).
    let s = scenario(
        "random-network",
        17,
        1000,
        r#"{ dist = "fixed", every_ms = 7 }"#,
        r#"{ dist = "uniform", min_ms = 100, max_ms = 900 }"#,
    )
    .virtual_clock()
    .table("[network]\nlatency = { dist = \"uniform\", min_ms = 5, max_ms = 40 }")
    .webhook("webhook")
    .hybrid("hybrid", r#""1s""#, "500");
    let summary = run(&s, None);
    for name in ["webhook", "hybrid"] {
        let r = crate::fixtures::strategy(&summary, name);
        let (mean, d) = (r.latency_ms.mean, draws(r));
        within(
            &format!("{name}: mean vs the draws' model"),
            mean,
            d.latency_mean_ms,
            0.01,
        );
        assert!(
            (mean - d.latency_mean_ms).abs() <= 0.002,
            "{name}: measured {mean} ms against the draws' {} ms",
            d.latency_mean_ms
        );
        let stderr = r.latency_ms.stderr.expect("a standard error");
        let gap = (mean - r.predicted.latency_mean_ms).abs();
        assert!(
            gap <= 3.0 * stderr,
            "{name}: mean {mean} ms is {gap} ms from the paper model's {} ms, stderr {stderr}",
            r.predicted.latency_mean_ms
        );
        assert_eq!(r.requests_per_order, 1.0, "{name}");
        assert!(r.counts_agree, "{r:?}");
    }
    // The webhook row reports the legs its deliveries took: whole
    // milliseconds of tokio's timer, so above the network's 22.5 ms mean.
    let hook = crate::fixtures::strategy(&summary, "webhook");
    let leg = draws(hook).request_leg_ms.expect("a request leg");
    assert!((22.5..24.5).contains(&leg), "{leg}");
}

/// The webhook-and-hybrid bar: within 10% of the draws' model.
fn faulty_bar(r: &StrategyReport) {
    let d = draws(r);
    within(
        "requests per order",
        r.requests_per_order,
        d.requests_per_order,
        0.10,
    );
    within("mean delay", r.latency_ms.mean, d.latency_mean_ms, 0.10);
    let dup = r.duplicates as f64 / r.orders as f64;
    let want = d.duplicates_per_order.unwrap();
    assert!(
        (dup - want).abs() <= 0.10 * want.max(0.05),
        "{}: duplicates {dup} per order against {want}",
        r.name
    );
    assert!(r.counts_agree, "{r:?}");
    let ci = r.missed_share_ci95.unwrap();
    let missed = r.missed as f64 / r.orders as f64;
    assert!(ci[0] <= missed && missed <= ci[1], "{ci:?} {missed}");
}

#[test]
fn a_hybrid_under_silent_loss_matches_the_model_for_its_draws() {
    let s = scenario(
        "loss",
        21,
        400,
        r#"{ dist = "fixed", every_ms = 10 }"#,
        r#"{ dist = "uniform", min_ms = 100, max_ms = 900 }"#,
    )
    .virtual_clock()
    .table("[network]\nlatency = { dist = \"fixed\", ms = 2 }\n[faults]\nsilent_loss = 0.12")
    .hybrid("hybrid", r#""1s""#, "500")
    .webhook("webhook");
    let summary = run(&s, None);
    let hybrid = crate::fixtures::strategy(&summary, "hybrid");
    faulty_bar(hybrid);
    assert_eq!(
        hybrid.missed, 0,
        "reconciliation wins every lost event back"
    );
    // The webhook alone misses what was lost: the draws' model says how many.
    let hook = crate::fixtures::strategy(&summary, "webhook");
    let missed = hook.missed as f64 / hook.orders as f64;
    within(
        "missed share",
        missed,
        draws(hook).missed_share.unwrap(),
        0.01,
    );
}

#[test]
fn duplicates_under_harsh_faults_match_the_model() {
    // Issue 13's leftover: with 20% receiver errors and 10% duplicated
    // events, the second chain was left out of the hybrid's model (its
    // duplicates came out at a seventh of the measurement, its requests
    // 10% low), and the webhook's delay kept the first chain's (7% high
    // against the draws). Both chains are followed now (`faults::arrival`).
    let s = scenario(
        "harsh",
        7,
        2000,
        r#"{ dist = "fixed", every_ms = 5 }"#,
        r#"{ dist = "uniform", min_ms = 200, max_ms = 1000 }"#,
    )
    .virtual_clock()
    .table(
        "[delivery]\nretry_schedule = [\"0s\", \"250ms\", \"500ms\", \"1s\"]\n[faults]\nreceiver_error_rate = 0.2\nduplicate_rate = 0.1",
    )
    .webhook("webhook")
    .hybrid("hybrid", r#""1.5s""#, r#""500ms""#);
    let summary = run(&s, None);
    for name in ["webhook", "hybrid"] {
        let r = crate::fixtures::strategy(&summary, name);
        faulty_bar(r);
        let dup = r.duplicates as f64 / r.orders as f64;
        let d = draws(r);
        within(
            &format!("{name}: duplicates per order vs the draws' model"),
            dup,
            d.duplicates_per_order.unwrap(),
            0.05,
        );
        // The paper model's duplicates, within 3 standard errors of a
        // count drawn per order (about √(p/n)).
        let paper = r.predicted.duplicates_per_order.unwrap();
        let stderr = (paper / r.orders as f64).sqrt();
        assert!(
            (dup - paper).abs() <= 3.0 * stderr,
            "{name}: {dup} duplicates per order against the paper's {paper}"
        );
        within(
            &format!("{name}: requests per order vs the draws' model"),
            r.requests_per_order,
            d.requests_per_order,
            0.02,
        );
        within(
            &format!("{name}: mean delay vs the draws' model"),
            r.latency_ms.mean,
            d.latency_mean_ms,
            0.04,
        );
    }
}

#[test]
fn the_committed_fault_scenarios_match_the_model_for_their_draws() {
    // Issue 13's bar for webhooks with faults and hybrids, on the files
    // themselves (forced to virtual time: the same draws, every time).
    for name in ["lost-webhooks", "flaky-receiver", "retry-for-days"] {
        let path = format!("{}/../../scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let scenario = hooklab_core::scenario::Scenario::parse(&text, &path).unwrap();
        // Through the fixture's lock, so no real-clock test measures the
        // machine while lost-webhooks' 3,000 orders keep it busy.
        let summary = crate::fixtures::run_with(
            &scenario,
            Some(hooklab_core::scenario::ClockMode::Virtual),
            None,
            &hooklab_harness::run::Silent,
        );
        for r in summary
            .strategies
            .iter()
            .filter(|r| r.predicted.missed_share.is_some())
        {
            faulty_bar(r);
            // A webhook's way is all in its draws: the first departure,
            // each retry's departure (the jitter as drawn), the legs. Fed
            // them, the model is exact up to the summary's rounding
            // (flaky-receiver's was 2.7% off while the retries followed
            // the jitter's law).
            if r.kind == hooklab_core::scenario::StrategyKind::Webhook {
                let d = draws(r).latency_mean_ms;
                let gap = (r.latency_ms.mean - d).abs();
                assert!(
                    gap <= (1e-4 * d).max(0.002),
                    "{name} {}: measured {} ms against the draws' {d} ms",
                    r.name,
                    r.latency_ms.mean
                );
            }
        }
    }
}

#[test]
fn down_windows_count_from_the_runs_clock_behind_its_setup() {
    // A tester's case: four shops register their endpoints before the first
    // order, one round trip each over 5 ms legs, so the orders start 40 ms
    // into the clock the windows count from. The model read the windows on
    // the orders' clock, 40 ms late, and put the webhook 3.4% (503s) and
    // 2.4% (refusals) above its own draws; without a network it was exact.
    for mode in ["503", "refuse"] {
        let s = four_merchants_behind_5ms(
            "down-behind-setup",
            7,
            0.0,
            &format!(r#"receiver_down = [{{ from_ms = "1s", until_ms = "2s", mode = "{mode}" }}]"#),
        )
        .webhook("webhook");
        let summary = run(&s, None);
        let r = crate::fixtures::strategy(&summary, "webhook");
        let d = draws(r);
        assert!(r.requests_per_order > 1.2, "{mode}: the window hit nothing");
        assert!(
            (r.latency_ms.mean - d.latency_mean_ms).abs() <= 0.002,
            "{mode}: measured {} ms against the draws' {} ms",
            r.latency_ms.mean,
            d.latency_mean_ms
        );
        within(
            &format!("{mode}: requests per order"),
            r.requests_per_order,
            d.requests_per_order,
            1e-3,
        );
    }
}

#[test]
fn receiver_errors_are_followed_as_the_run_drew_them() {
    // A tester's case: 30% of attempts answered 500, 500 orders. With the
    // error rate alone the draws' model put the webhook 9.4% above the
    // measurement (which attempts failed is a draw of its own, and the
    // schedule's last attempt lost 4 orders where the rate expected 2.7);
    // fed each attempt's outcome as the run's log tells it, it is exact.
    let s = scenario(
        "errors-as-drawn",
        7,
        500,
        r#"{ dist = "poisson", per_s = 100 }"#,
        r#"{ dist = "lognormal", median_ms = 300, sigma = 1.5 }"#,
    )
    .virtual_clock()
    .merchants(4)
    .table(
        r#"
[network]
latency = { dist = "fixed", ms = 5 }
[delivery]
retry_schedule = ["0s", "100ms", "500ms", "1s"]
jitter = 0.0
[faults]
receiver_error_rate = 0.3
"#,
    )
    .webhook("webhook")
    .hybrid("hybrid", r#""1s""#, r#""500ms""#);
    let summary = run(&s, None);
    for name in ["webhook", "hybrid"] {
        let r = crate::fixtures::strategy(&summary, name);
        let d = draws(r);
        assert!(
            (r.latency_ms.mean - d.latency_mean_ms).abs() <= 0.002,
            "{name}: measured {} ms against the draws' {} ms",
            r.latency_ms.mean,
            d.latency_mean_ms
        );
        within(
            &format!("{name}: requests per order"),
            r.requests_per_order,
            d.requests_per_order,
            1e-3,
        );
        let missed = r.missed as f64 / r.orders as f64;
        let want = d.missed_share.expect("a missed share");
        assert!(
            (missed - want).abs() < 1e-3,
            "{name}: missed {missed} against {want}"
        );
    }
}

#[test]
fn refusals_have_one_definition_in_the_summary_and_its_timeline() {
    let s = scenario(
        "refusals",
        4,
        300,
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
receiver_error_rate = 0.1
receiver_down = [
  { from_ms = "500ms", until_ms = "1000ms", mode = "refuse" },
  { from_ms = "1500ms", until_ms = "2000ms" },
]
"#,
    )
    .webhook("webhook");
    let summary = run(&s, None);
    let r = &summary.strategies[0];
    for reason in ["injected_500", "injected_503", "refused"] {
        assert!(
            r.rejected.get(reason).is_some_and(|n| *n > 0),
            "{reason}: {:?}",
            r.rejected
        );
    }
    assert_eq!(r.rejected, r.timeline.rejected_by_reason);
    let total: u64 = r.rejected.values().sum();
    assert_eq!(
        total,
        r.timeline
            .rejected
            .iter()
            .map(|n| u64::from(*n))
            .sum::<u64>()
    );
    // Every refusal was a failed attempt the platform counted.
    assert!(total <= r.requests.webhook_failures, "{r:?}");
}

#[test]
fn a_delivery_that_times_out_is_counted_alike_on_both_sides() {
    // The receiver answers after 2 s; the sender gives up after 1 s. Each
    // attempt reached the receiver and timed out at the sender: no false
    // "request counts disagree".
    let s = scenario(
        "slow-receiver",
        2,
        20,
        r#"{ dist = "fixed", every_ms = 10 }"#,
        r#"{ dist = "fixed", ms = 50 }"#,
    )
    .virtual_clock()
    .table(
        r#"
[delivery]
timeout_ms = "1s"
retry_schedule = ["0s", "1s"]
jitter = 0.0
[faults]
receiver_delay_ms = "2s"
"#,
    )
    .webhook("webhook");
    let summary = run(&s, None);
    let r = &summary.strategies[0];
    assert!(r.requests.webhook_failures > 0, "{r:?}");
    assert!(r.counts_agree, "{r:?}");
}

#[test]
fn a_run_polling_every_60_days_reports_its_orders() {
    // Delays of about 60 days once overflowed the histogram and vanished:
    // "0/3 notified, 3 missed" with no missed order named.
    let s = scenario(
        "sixty-days",
        1,
        3,
        r#"{ dist = "fixed", every_ms = 1000 }"#,
        r#"{ dist = "fixed", ms = 100 }"#,
    )
    .virtual_clock()
    .poll("poll-60d", r#""60d""#);
    let summary = run(&s, None);
    let r = &summary.strategies[0];
    assert_eq!((r.notified, r.missed), (3, 0), "{r:?}");
    assert_eq!(r.latency_ms.count, 3);
    assert!(r.latency_ms.max > 59.0 * 86_400_000.0, "{:?}", r.latency_ms);
    assert!(r.latency_ms.p99 > 59.0 * 86_400_000.0, "{:?}", r.latency_ms);
    assert!(r.health.iter().all(|f| f.code != "unrecorded_delays"));
}
