//! hooklab-live's integration tests, in one binary (one link, not three).
//!
//! - [`handlers`]: each route through `tower::ServiceExt::oneshot`, no socket.
//! - [`replays`]: a committed result replayed to its end gives its numbers.
//! - [`seeking`]: a replay moved to an instant shows what a replay played to
//!   that instant shows.
//! - [`stalled`]: a page that stops reading is sent the frames every page
//!   shares, and the newest board once it reads again.
//! - [`browser`]: the page in headless Chromium, over WebDriver, on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod handlers;
mod replays;
mod seeking;
mod stalled;
mod webdriver;

use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use hooklab_live::board::{Board, Counters, Phase};
use hooklab_report::render;
use std::path::PathBuf;

/// Asserts that a (pt-BR) replay's board ended on `summary`'s own numbers:
/// finished, the summary's table, every lane's counters the report's.
pub fn assert_finished_on(board: &Board, summary: &Summary) {
    assert_eq!(board.phase, Phase::Finished);
    assert_eq!(
        board.table.as_deref(),
        Some(render::table(summary, Lang::PtBr).as_str())
    );
    for (lane, s) in board.lanes.iter().zip(&summary.strategies) {
        assert_eq!(lane.counters, Counters::from_report(s), "{}", s.name);
    }
}

/// A committed results folder.
pub fn results(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../results")
        .join(name)
}
