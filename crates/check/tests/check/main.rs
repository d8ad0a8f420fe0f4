//! Integration tests of hooklab-check, in one test binary: the battery run
//! against small receivers written here, each with one flaw
//! ([`receivers`], graded in [`flaws`]), ones that close or drop
//! connections ([`closing`]) and a slow one on tokio's paused clock
//! ([`slow`]); against hooklab's own shop receiver ([`shop`]) and GitHub
//! listener ([`github`]), which must pass every case; and the usage errors
//! ([`usage`]). Every server binds `127.0.0.1:0`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod closing;
mod flaws;
mod github;
mod receivers;
mod shop;
mod slow;
mod usage;

use hooklab_check::{Case, CheckConfig, Scorecard, Secret, Verdict};
use hooklab_core::clock::Clock;
use std::net::SocketAddr;

/// Forgeries per group in the timing case: enough to compute, few enough
/// for a debug build.
pub(crate) const TIMING_SAMPLES: usize = 60;

/// The wall clock in unix seconds: the receivers here read it too.
pub(crate) fn now_secs() -> i64 {
    Clock::system_unix_us() / 1_000_000
}

/// Serves `router` on `127.0.0.1:0` until the test ends.
pub(crate) async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// A configuration for `url` with the test's timing samples.
pub(crate) fn config(url: String, secret: Secret) -> CheckConfig {
    let mut config = CheckConfig::new(url, secret, now_secs(), 7);
    config.timing_samples = TIMING_SAMPLES;
    config
}

/// Asserts that every case passed or, being not applicable to the scheme,
/// was skipped; the timing case, a statistical hint on a noisy loopback,
/// may also warn. Prints the scorecard when it does not hold.
pub(crate) fn assert_passes_everything(card: &Scorecard, skipped: &[Case]) {
    let shown = hooklab_check::render::table(card, hooklab_core::lang::Lang::En, false);
    for result in &card.results {
        let expected = if skipped.contains(&result.case) {
            result.verdict == Verdict::Skip
        } else if result.case == Case::Timing {
            matches!(result.verdict, Verdict::Pass | Verdict::Warn)
        } else {
            result.verdict == Verdict::Pass
        };
        assert!(
            expected,
            "{:?} is {:?}\n{shown}",
            result.case, result.verdict
        );
    }
    assert_eq!(card.results.len(), Case::ALL.len(), "{shown}");
    assert_eq!(card.exit_code(), 0, "{shown}");
}
