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
