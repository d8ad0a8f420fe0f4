//! # hooklab-live: watch polling and webhooks race, in the browser
//!
//! An instructor's strongest argument is the one the class watches happen:
//! the polling shop hammering the platform with requests that mostly come back
//! "still pending", while the webhook shop sits quiet until each settlement
//! arrives by itself. This crate serves that as a page, live or replayed.
//!
//! The parts, in the order data flows through them:
//!
//! - [`feed`]: a live run. The harness runs every strategy side by side and
//!   hands each event to [`feed::Feed`], which folds it into the board.
//! - [`replay`]: a finished run, played back from the timeline its
//!   `summary.json` keeps, at a chosen speed.
//! - [`board`]: what the page shows (lanes of orders, counters, request
//!   rates), aggregated on the server so a large run costs the browser one
//!   small frame per tick, not one message per request.
//! - [`state`]: the board behind one lock, and the broadcast channel frames
//!   go out on.
//! - [`server`]: the axum router: the page, its Server-Sent Events stream,
//!   the summary download, the replay controls.
//! - [`labels`]: the page's words, in English and Brazilian Portuguese.
//!
//! The page itself (`assets/`: HTML, CSS, JavaScript) is compiled into the
//! binary and fetches nothing from outside: it works with no network at all.

pub mod board;
pub mod feed;
pub mod labels;
pub mod replay;
pub mod server;
pub mod state;

pub use server::{router, serve};
pub use state::LiveState;

/// Why a replay could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Occurs when the summary file cannot be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Occurs when the file is not a hooklab summary.
    #[error("{path} is not a hooklab summary")]
    Parse {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

/// Reads a run's summary for a replay: `path` is the results folder or its
/// `summary.json`.
pub fn load_summary(path: &std::path::Path) -> Result<hooklab_core::report::Summary, LoadError> {
    let file = if path.is_dir() {
        path.join("summary.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file).map_err(|source| LoadError::Read {
        path: file.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| LoadError::Parse { path: file, source })
}

/// Resolves on Ctrl-C: the usual end of `hooklab live` (the one helper in
/// `hooklab_core::shutdown`).
pub use hooklab_core::shutdown::ctrl_c;
