//! The rate-limited poller against its model, on the paused clock.
//!
//! `rate_limit.toml` is `scenarios/rate-limited-polling.toml` on the
//! virtual clock: 200 orders at about 50 a second, one merchant whose key
//! the platform limits to 200 requests a second, polled every 100 ms (the
//! bucket runs dry: 429s, Retry-After waits, creations tried again) and
//! every second (it never does). The model replays the bucket
//! (`hooklab_core::model::ratelimit`); fed the run's own placements and
//! draws it must match the measurement within 1%, and with a bucket that
//! never empties it must be the plain poll model.

use crate::fixtures::{run_with, strategy};
use hooklab_core::scenario::Scenario;
use hooklab_harness::run::Silent;

const FILE: &str = include_str!("rate_limit.toml");

use crate::model::{draws, within};

#[test]
fn a_rate_limited_poller_matches_the_replay_of_its_bucket() {
    let scenario = Scenario::parse(FILE, "rate_limit.toml").unwrap();
    let summary = run_with(&scenario, None, None, &Silent);
    let r = strategy(&summary, "poll-100ms");
    let d = draws(r);
    eprintln!(
        "poll-100ms measured: mean {} ms, {} polls/order, {} wasted, {} 429s, {} missed of {}",
        r.latency_ms.mean,
        r.requests_per_order,
        r.requests.polls_wasted,
        r.requests.rate_limited,
        r.missed,
        r.orders
    );
    eprintln!("for the draws: {d:?}");
    eprintln!("paper: {:?}", r.predicted);
    // The storm the scenario is about.
    assert!(r.requests.rate_limited > 100, "{:?}", r.requests);
    let orders = r.orders as f64;
    within("mean delay", r.latency_ms.mean, d.latency_mean_ms, 0.01);
    within(
        "polls per order",
        r.requests_per_order,
        d.requests_per_order,
        0.01,
    );
    within(
        "wasted polls per order",
        r.requests.polls_wasted as f64 / orders,
        d.polls_wasted_per_order,
        0.01,
    );
    within(
        "429s per order",
        r.requests.rate_limited as f64 / orders,
        d.rate_limited_per_order.expect("a 429 count"),
        0.01,
    );
    within(
        "missed share",
        r.missed as f64 / orders,
        d.missed_share.expect("a missed share"),
        0.01,
    );
    // The flag says the delay is the rate limit's, and the prediction is
    // shown.
    let codes: Vec<&str> = r.health.iter().map(|f| f.code.as_str()).collect();
    assert!(codes.contains(&"rate_limited"), "{codes:?}");
    assert!(!hooklab_core::model::health::unmodelled(&r.health));
    // The paper model (the same replay over fresh samples of the workload)
    // says the same storm: within a few standard errors of the mean, and
    // far from the 0.05 s a model blind to the limit said.
    let stderr = r.latency_ms.stderr.expect("a standard error");
    assert!(
        (r.latency_ms.mean - r.predicted.latency_mean_ms).abs() < 4.0 * stderr,
        "mean {} against the paper's {} (stderr {stderr})",
        r.latency_ms.mean,
        r.predicted.latency_mean_ms
    );
    assert!(
        r.predicted.rate_limited_per_order.is_some(),
        "{:?}",
        r.predicted
    );

    // Polling every second fits in the bucket: no 429, and the model is
    // the plain poller's.
    let slow = strategy(&summary, "poll-1s");
    assert_eq!(slow.requests.rate_limited, 0, "{:?}", slow.requests);
    assert_eq!(draws(slow).rate_limited_per_order, None);
    within(
        "poll-1s mean",
        slow.latency_ms.mean,
        draws(slow).latency_mean_ms,
        0.01,
    );
}

#[test]
fn a_bucket_that_never_empties_is_the_plain_poll_model() {
    // The same scenario with a limit no poller reaches (10,000 tokens, as
    // many a second) against the same scenario without a limit: the same
    // run, and the same predictions, number for number.
    let limited = FILE.replace("rate_limit_per_s = 200", "rate_limit_per_s = 10000");
    assert_ne!(limited, FILE);
    let unlimited = FILE.replace("[platform]\nrate_limit_per_s = 200\n", "");
    assert_ne!(unlimited, FILE);
    let run = |text: &str| {
        let s = Scenario::parse(text, "rate_limit.toml").unwrap();
        run_with(&s, None, None, &Silent)
    };
    let (a, b) = (run(&limited), run(&unlimited));
    let (ra, rb) = (strategy(&a, "poll-100ms"), strategy(&b, "poll-100ms"));
    assert_eq!(ra.requests.rate_limited, 0, "{:?}", ra.requests);
    assert_eq!(ra.latency_ms.mean, rb.latency_ms.mean);
    assert_eq!(ra.requests_per_order, rb.requests_per_order);
    assert_eq!(ra.predicted, rb.predicted);
    // The same numbers; only the footnote's words on where the legs come
    // from differ (a rate-limited poller's are read off the creations let in
    // at their first try, and here every one was).
    let unsourced = |p: &Option<hooklab_core::model::Prediction>| {
        p.clone().map(|p| hooklab_core::model::Prediction {
            rtt_source: None,
            ..p
        })
    };
    assert_eq!(
        unsourced(&ra.predicted_for_draws),
        unsourced(&rb.predicted_for_draws)
    );
    assert_eq!(ra.predicted.rate_limited_per_order, None);
    // And that plain model matches the measurement as a poller's must.
    within("mean", ra.latency_ms.mean, draws(ra).latency_mean_ms, 0.01);
    within(
        "polls per order",
        ra.requests_per_order,
        draws(ra).requests_per_order,
        0.01,
    );
    assert!(ra.health.is_empty(), "{:?}", ra.health);
}
