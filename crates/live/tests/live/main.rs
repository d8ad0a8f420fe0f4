//! hooklab-live's integration tests, in one binary (one link, not three).
//!
//! - [`handlers`]: each route through `tower::ServiceExt::oneshot`, no socket.
//! - [`replays`]: a committed result replayed to its end gives its numbers.
//! - [`browser`]: the page in headless Chromium, over WebDriver, on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod handlers;
mod replays;
mod webdriver;

use std::path::PathBuf;

/// A committed results folder.
pub fn results(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../results")
        .join(name)
}
