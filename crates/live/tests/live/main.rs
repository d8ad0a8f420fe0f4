//! hooklab-live's integration tests, in one binary (one link, not three).
//!
//! - [`handlers`]: each route through `tower::ServiceExt::oneshot`, no socket.
//! - [`replays`]: a committed result replayed to its end gives its numbers.
//! - [`seeking`]: a replay moved to an instant shows what a replay played to
//!   that instant shows.
//! - [`browser`]: the page in headless Chromium, over WebDriver, on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod handlers;
mod replays;
mod seeking;
mod webdriver;

use std::path::PathBuf;

/// A committed results folder.
pub fn results(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../results")
        .join(name)
}
