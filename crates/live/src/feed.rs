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
