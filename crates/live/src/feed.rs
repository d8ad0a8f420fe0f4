//! Feeding a live run into the board.
//!
//! The harness runs a scenario's strategies side by side and tells a
//! [`Progress`] listener about every event as it happens. [`Feed`] is that
//! listener: it folds each event into the board under the state's lock, and
//! nothing more; the ticker decides when the page hears about it. The run
//! itself blocks (the harness builds its own runtime), so [`start_run`] gives
//! it a thread of its own, away from the server's runtime.

use crate::board::{LIVE_BUCKET_MS, Lane};
use crate::state::LiveState;
use hooklab_core::events::RunEvent;
use hooklab_core::report::{StrategyReport, Summary};
use hooklab_core::scenario::{ClockMode, Scenario};
use hooklab_harness::{HarnessError, Progress, RunOptions, run_scenario};
use std::thread::JoinHandle;

/// The harness's progress listener for a live run.
pub struct Feed {
    state: LiveState,
}

impl Feed {
    /// A listener writing into `state`'s board.
    pub fn new(state: LiveState) -> Self {
        Feed { state }
    }
}

impl Progress for Feed {
    fn strategy_started(&self, index: usize, _total: usize, name: &str, orders: u64) {
        self.state.with_board(|board| {
            if let Some(lane) = board.lanes.get_mut(index)
                && lane.orders.len() != orders as usize
            {
                // The workload decides the count; the scenario's guess gives way.
                *lane = Lane::new(name, &lane.kind, orders as usize, LIVE_BUCKET_MS);
            }
        });
    }

    fn event(&self, index: usize, event: &RunEvent) {
        self.state.with_board(|board| board.apply(index, event));
    }

    fn strategy_finished(&self, index: usize, report: &StrategyReport) {
        self.state
            .with_board(|board| board.finish_lane(index, report));
    }
}

/// Starts the live run of `scenario` on a thread of its own: every strategy
/// at once, on the real clock. When it ends, the board shows the final table
/// and `summary.json` can be downloaded; the thread returns the summary.
/// Each strategy the platform pushes to is calibrated before the race and
/// again once it is over, as `hooklab run` calibrates it before and after
/// its own run, so the table's model column is the one `run` prints for the
/// same measurements (the table comes those few seconds of calibration
/// after the last lane ends).
pub fn start_run(
    scenario: Scenario,
    state: LiveState,
) -> std::io::Result<JoinHandle<Result<Summary, HarnessError>>> {
    std::thread::Builder::new()
        .name("hooklab-live-run".into())
        .spawn(move || {
            state.start();
            let feed = Feed::new(state.clone());
            // Side by side needs the real clock; the CLI refuses virtual
            // scenarios (a simulated day would take a day) before it gets here.
            let options = RunOptions {
                clock: Some(ClockMode::Real),
                side_by_side: true,
                ..RunOptions::default()
            };
            let summary = run_scenario(&scenario, options, &feed)?;
            state.finish(&summary);
            Ok(summary)
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use hooklab_core::lang::Lang;

    /// A poller and a webhook side by side, a dozen orders.
    const TINY: &str = r#"
name = "live-calibration"
seed = 7
[workload]
orders = 12
arrival = { dist = "fixed", every_ms = 20 }
settle = { dist = "uniform", min_ms = 50, max_ms = 300 }
[[strategy]]
name = "poll-100ms"
kind = "poll"
interval_ms = 100
[[strategy]]
name = "webhook"
kind = "webhook"
"#;

    #[test]
    fn a_live_run_calibrates_each_pushed_strategy_before_and_after_as_run_does() {
        let scenario = Scenario::parse(TINY, "live-calibration.toml").unwrap();
        let state = LiveState::live(&scenario, Lang::En);
        let summary = start_run(scenario, state).unwrap().join().unwrap().unwrap();
        let hook = summary
            .strategies
            .iter()
            .find(|s| s.name == "webhook")
            .unwrap();
        let p = &hook.predicted;
        let source = p.rtt_source.as_deref().unwrap_or_default();
        // The rounds before the race and those after it, pooled, as
        // `hooklab run` pools them for a strategy run alone: the model
        // column is the one `run` prints for the same measurements.
        assert!(
            source.contains("timed right before it ran and")
                && source.contains(
                    "right after it (so on the machine as it met the strategy and as it left it)"
                ),
            "{source}"
        );
        assert!(
            source.contains("the spread of all the rounds, before and after"),
            "{source}"
        );
        assert!(p.latency_mean_stderr_ms.is_some(), "{p:?}");
        // A poller is not calibrated.
        let poll = &summary.strategies[0];
        assert!(poll.predicted.latency_mean_stderr_ms.is_none(), "{poll:?}");
    }
}
