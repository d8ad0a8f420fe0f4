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
