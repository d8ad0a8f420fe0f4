//! Replays end exactly where their summaries say.

use hooklab_core::lang::Lang;
use hooklab_live::board::Phase;
use hooklab_live::{LiveState, load_summary};

#[test]
fn a_simulated_day_replays_to_the_summarys_numbers() {
    let summary = load_summary(&crate::results("retry-for-days")).unwrap();
    let state = LiveState::replay(summary.clone(), 3_600.0, Lang::PtBr);
    state.start();
    // Half-way, the counters are on their way, not at the end.
    let end = state.with_board(|b| b.end_ms);
    state.tick(end / 2.0 / 3_600.0);
    state.with_board(|b| {
        assert_eq!(b.phase, Phase::Running);
        let known: u64 = b.lanes.iter().map(|l| l.counters.known).sum();
        let total: u64 = summary.strategies.iter().map(|s| s.notified).sum();
        assert!(known > 0 && known < total, "{known} of {total}");
    });
    state.tick(end);
    state.with_board(|b| {
        crate::assert_finished_on(b, &summary);
        for (lane, s) in b.lanes.iter().zip(&summary.strategies) {
            let shown: Vec<[f64; 3]> = lane
                .orders
                .iter()
                .map(|o| [o.placed_ms, o.settled_ms, o.known_ms])
                .collect();
            assert_eq!(shown, s.timeline.orders, "{}", s.name);
        }
    });
}

#[test]
fn the_timelines_counts_add_up_to_the_summarys() {
    // The replay shows bucket counts as it goes, and the report's at the end:
    // they must agree, or the counters would jump at the last frame.
    for name in ["checkout", "retry-for-days", "flaky-receiver"] {
        let summary = load_summary(&crate::results(name)).unwrap();
        for s in &summary.strategies {
            let t = &s.timeline;
            let sum = |v: &[u32]| v.iter().map(|x| u64::from(*x)).sum::<u64>();
            assert_eq!(sum(&t.polls), s.requests.all_polls(), "{name}/{}", s.name);
            assert_eq!(
                sum(&t.deliveries),
                s.requests.webhook_attempts,
                "{name}/{}",
                s.name
            );
            assert_eq!(sum(&t.known), s.notified, "{name}/{}", s.name);
        }
    }
}

#[test]
fn the_rejection_counter_does_not_go_back_at_the_end_of_a_replay() {
    // The replay counts rejections bucket by bucket from the timeline, then
    // shows the summary's own numbers at the end: if the two disagreed (the
    // summary's `rejected` once counted only signature failures while the
    // timeline also counted injected 503s), the counter would fall from
    // 1,260 to 0 in front of the class.
    for name in ["flaky-receiver", "retry-for-days"] {
        let summary = load_summary(&crate::results(name)).unwrap();
        let state = LiveState::replay(summary.clone(), 3_600.0, Lang::En);
        state.start();
        let end = state.with_board(|b| b.end_ms);
        state.tick(end * 0.999 / 3_600.0);
        let before: Vec<u64> =
            state.with_board(|b| b.lanes.iter().map(|l| l.counters.rejected).collect());
        state.tick(end);
        state.with_board(|b| {
            for ((lane, s), before) in b.lanes.iter().zip(&summary.strategies).zip(&before) {
                let want: u64 = s.rejected.values().sum();
                assert_eq!(lane.counters.rejected, want, "{name}/{}", s.name);
                assert!(
                    lane.counters.rejected >= *before,
                    "{name}/{}: rejected went from {before} back to {}",
                    s.name,
                    lane.counters.rejected
                );
            }
        });
    }
}

#[test]
fn a_sampled_run_replays_its_sample_and_ends_on_the_summarys_numbers() {
    // 400 orders, 20 lives kept in all: each of the two strategies keeps
    // one order in 40 (10 of them), while every count is of all 400.
    let scenario = hooklab_core::scenario::Scenario::parse(
        r#"
name = "sampled"
seed = 3
clock = "virtual"
[workload]
orders = 400
arrival = { dist = "fixed", every_ms = 5 }
settle = { dist = "uniform", min_ms = 50, max_ms = 500 }
[[strategy]]
name = "poll-100ms"
kind = "poll"
interval_ms = 100
[[strategy]]
name = "webhook"
kind = "webhook"
"#,
        "sampled.toml",
    )
    .unwrap();
    let options = hooklab_harness::RunOptions {
        order_lives: std::num::NonZeroUsize::new(20),
        ..Default::default()
    };
    let summary =
        hooklab_harness::run_scenario(&scenario, options, &hooklab_harness::run::Silent).unwrap();
    for s in &summary.strategies {
        assert_eq!(s.timeline.order_stride, 40, "{}", s.name);
        assert_eq!(s.timeline.orders.len(), 10, "{}", s.name);
    }
    let state = LiveState::replay(summary.clone(), 100.0, Lang::PtBr);
    state.start();
    let end = state.with_board(|b| b.end_ms);
    state.tick(end / 2.0 / 100.0);
    state.with_board(|b| {
        assert_eq!(b.phase, Phase::Running);
        for lane in &b.lanes {
            // The lane shows the sample, and knows what it samples.
            assert_eq!((lane.orders.len(), lane.of_orders), (10, 400));
            assert_eq!(lane.order_stride, 40);
            // The counters come from the buckets: of all 400 orders.
            assert!(lane.counters.known > 10, "{}", lane.counters.known);
            assert!(lane.counters.known < 400, "{}", lane.counters.known);
        }
        let frame: serde_json::Value = serde_json::from_str(&b.snapshot().unwrap()).unwrap();
        assert_eq!(frame["lanes"][0]["sampled_from"], 400);
        assert_eq!(frame["lanes"][0]["order_stride"], 40);
    });
    state.tick(end);
    state.with_board(|b| {
        crate::assert_finished_on(b, &summary);
        for (lane, s) in b.lanes.iter().zip(&summary.strategies) {
            let shown: Vec<[f64; 3]> = lane
                .orders
                .iter()
                .map(|o| [o.placed_ms, o.settled_ms, o.known_ms])
                .collect();
            assert_eq!(shown, s.timeline.orders, "{}", s.name);
            assert_eq!(lane.counters.known, 400, "{}", s.name);
        }
    });
}
