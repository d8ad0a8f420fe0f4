//! `--shards`: a separable strategy split into K worlds, folded into one
//! report, gives the summary of one world but for the connection counts
//! (K pools instead of one, see `crate::shard`'s docs), which it declares
//! (`traffic.shops`), whatever K and whatever `--jobs`; strategies that are
//! not separable run in one world. Without `--shards` the scenario decides:
//! large strategies run in two shards, small ones in one world.

use crate::fixtures::{ONE_AT_A_TIME, scenario};
use hooklab_core::report::Summary;
use hooklab_core::scenario::{ClockMode, Scenario};
use hooklab_harness::run::Silent;
use hooklab_harness::{RunOptions, run_scenario};
use serde_json::Value;
use std::num::NonZeroUsize;

/// Runs `scenario` on the paused clock in `shards` shards on `jobs` threads.
fn run(scenario: &Scenario, shards: usize, jobs: usize) -> Summary {
    run_options(
        scenario,
        RunOptions {
            jobs: NonZeroUsize::new(jobs),
            shards: NonZeroUsize::new(shards),
            ..RunOptions::default()
        },
    )
}

/// Runs `scenario` on the paused clock with `options`.
fn run_options(scenario: &Scenario, options: RunOptions) -> Summary {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let options = RunOptions {
        clock: Some(ClockMode::Virtual),
        ..options
    };
    run_scenario(scenario, options, &Silent).unwrap()
}

/// Runs `scenario` as `hooklab run` does (no `--shards`) on `jobs` threads,
/// with a strategy counted large from `from` expected exchanges: the
/// default's 200,000 (`None`), or a bar these small runs clear.
fn run_default(scenario: &Scenario, jobs: usize, from: Option<u64>) -> Summary {
    run_options(
        scenario,
        RunOptions {
            jobs: NonZeroUsize::new(jobs),
            shard_from_exchanges: from,
            ..RunOptions::default()
        },
    )
}

/// How many shops each strategy says it ran as (`traffic.shops`, absent
/// for one).
fn shops(summary: &Summary) -> Vec<Option<u64>> {
    summary
        .strategies
        .iter()
        .map(|s| s.traffic.as_ref().unwrap().shops)
        .collect()
}

/// The bytes `summary.json` would hold.
fn json(summary: &Summary) -> String {
    serde_json::to_string_pretty(summary).unwrap()
}

/// The connection counts, by strategy: `[connections_opened, held_max]` of
/// the API link's server end.
fn connections(summary: &Summary) -> Vec<[u64; 2]> {
    summary
        .strategies
        .iter()
        .map(|s| {
            let api = &s.traffic.as_ref().unwrap().api.server;
            [api.connections_opened, api.held_max]
        })
        .collect()
}

/// The summary without what K pools count differently from one: every
/// link end's `connections_opened`, `held_mean` and `held_max`, and the
/// field that says how many pools there were.
fn without_pools(summary: &Summary) -> String {
    let mut v = serde_json::to_value(summary).unwrap();
    for s in v["strategies"].as_array_mut().unwrap() {
        if let Some(Value::Object(traffic)) = s.get_mut("traffic") {
            traffic.remove("shops");
        }
        for link in ["api", "webhooks"] {
            for end in ["client", "server"] {
                if let Some(Value::Object(counts)) =
                    s.pointer_mut(&format!("/traffic/{link}/{end}"))
                {
                    for field in ["connections_opened", "held_mean", "held_max"] {
                        assert!(counts.remove(field).is_some(), "{link}.{end}.{field}");
                    }
                }
            }
        }
    }
    serde_json::to_string_pretty(&v).unwrap()
}

/// Polls of 300 orders (Poisson, settling a uniform 50 ms to 1.2 s later)
/// and a webhook beside them (never sharded), three merchants.
fn polls() -> Scenario {
    scenario(
        "shards-poll",
        31,
        300,
        r#"{ dist = "poisson", per_s = 200 }"#,
        r#"{ dist = "uniform", min_ms = 50, max_ms = 1200 }"#,
    )
    .virtual_clock()
    .merchants(3)
    .outcomes("{ approved = 0.8, declined = 0.2 }")
    .poll("poll-100ms", "100")
    .poll("poll-7ms", "7")
    .webhook("webhook")
    .build()
}

/// 23 merchants polling the event log every second (pages of 2 events, so
/// some polls page on), against 120 orders at random merchants: merchants
/// with no order poll all the same.
fn event_polls() -> Scenario {
    scenario(
        "shards-poll-events",
        7,
        120,
        r#"{ dist = "fixed", every_ms = 40 }"#,
        r#"{ dist = "uniform", min_ms = 100, max_ms = 3000 }"#,
    )
    .virtual_clock()
    .merchants(23)
    .poll_events("events-1s", r#""1s""#, 2)
    .poll_events("events-250ms", "250", 50)
    .build()
}

#[test]
fn shards_give_one_worlds_summary_but_for_the_pools() {
    for scenario in [polls(), event_polls()] {
        let one = run(&scenario, 1, 1);
        // K = 1 is the run as it always was.
        assert_eq!(json(&one), json(&run(&scenario, 1, 2)), "{}", scenario.name);
        for shards in [2, 3] {
            let split = run(&scenario, shards, 1);
            assert_eq!(
                without_pools(&one),
                without_pools(&split),
                "{} in {shards} shards changed more than the connection counts",
                scenario.name
            );
            // The strategies did run in shards: K pools open more
            // connections than one (each at least its first); the webhook
            // runs in one world, so its counts do not move.
            for ((single, sharded), spec) in connections(&one)
                .iter()
                .zip(connections(&split))
                .zip(&scenario.strategies)
            {
                if spec.receives_webhooks() {
                    assert_eq!(*single, sharded, "{}", spec.name());
                } else {
                    assert!(
                        sharded[0] > single[0] || sharded[1] > single[1],
                        "{} in {shards} shards: {single:?} against {sharded:?}",
                        spec.name()
                    );
                }
            }
        }
    }
}

#[test]
fn shards_give_the_same_summary_on_any_number_of_threads() {
    for scenario in [polls(), event_polls()] {
        let one = json(&run(&scenario, 3, 1));
        for jobs in [2, 4] {
            assert_eq!(
                one,
                json(&run(&scenario, 3, jobs)),
                "{} in 3 shards, --jobs {jobs}",
                scenario.name
            );
        }
    }
}

#[test]
fn strategies_that_share_their_world_are_never_split() {
    // A rate limit per key, and network latency: one world whatever K.
    let limited = scenario(
        "shards-limited",
        5,
        150,
        r#"{ dist = "poisson", per_s = 300 }"#,
        r#"{ dist = "uniform", min_ms = 50, max_ms = 600 }"#,
    )
    .virtual_clock()
    .table(
        r#"
[platform]
rate_limit_per_s = 400
[network]
latency = { dist = "uniform", min_ms = 1, max_ms = 4 }
"#,
    )
    .poll("poll-20ms", "20")
    .build();
    assert_eq!(json(&run(&limited, 1, 1)), json(&run(&limited, 4, 2)));
}

#[test]
fn large_strategies_run_in_two_shards_by_default_and_say_so() {
    for scenario in [polls(), event_polls()] {
        let one = run(&scenario, 1, 1);
        // Small runs, as these are, stay one world by default: the same
        // bytes as `--shards 1`.
        assert_eq!(
            json(&one),
            json(&run_default(&scenario, 2, None)),
            "{}",
            scenario.name
        );
        // Counted large, the separable strategies run as two shops and the
        // summary says so; the rest is one world's, and the same on one
        // thread or two.
        let split = run_default(&scenario, 1, Some(1));
        assert_eq!(
            json(&split),
            json(&run_default(&scenario, 2, Some(1))),
            "{}: --jobs 1 against --jobs 2",
            scenario.name
        );
        assert_eq!(
            json(&split),
            json(&run(&scenario, 2, 2)),
            "{}",
            scenario.name
        );
        assert_eq!(
            without_pools(&one),
            without_pools(&split),
            "{}",
            scenario.name
        );
        let expected: Vec<Option<u64>> = scenario
            .strategies
            .iter()
            .map(|spec| (!spec.receives_webhooks()).then_some(2))
            .collect();
        assert_eq!(shops(&split), expected, "{}", scenario.name);
        assert!(shops(&one).iter().all(Option::is_none), "{}", scenario.name);
    }
}
