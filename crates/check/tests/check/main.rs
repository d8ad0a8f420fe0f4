//! Integration tests of hooklab-check, in one test binary: the battery run
//! against small receivers written here, each with one flaw
//! ([`receivers`], graded in [`flaws`]), ones that close or drop
//! connections ([`closing`]) and a slow one on tokio's paused clock
//! ([`slow`]); against hooklab's own shop receiver ([`shop`]) and GitHub
//! listener ([`github`]), which must pass every case; and the usage errors
//! ([`usage`]). Every server binds `127.0.0.1:0`.
//!
//! Shared here: [`serve`], the configurations ([`config`], [`config_at`]),
//! the seed's trusting receiver that counts its requests ([`trusting`],
//! fast for [`github`], slow on the paused clock for [`slow`]) and the
//! helpers that read a scorecard ([`shown`], [`table`], [`answered`]).
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
use hooklab_core::lang::Lang;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

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

/// The scorecard as a table in `lang`, for assertion messages and for
/// what a class reads.
pub(crate) fn table(card: &Scorecard, lang: Lang) -> String {
    hooklab_check::render::table(card, lang, false)
}

/// [`table`] in English.
pub(crate) fn shown(card: &Scorecard) -> String {
    table(card, Lang::En)
}

/// How many requests the scorecard shows an answer (or a failure) to: what
/// a receiver that counts its requests saw, when no case sent more than it
/// kept (the timing case keeps none).
pub(crate) fn answered(card: &Scorecard) -> usize {
    card.results.iter().map(|r| r.replies.len()).sum()
}

/// The seed's receiver, as a student types it: no signature checked, no id
/// kept; 200 to any JSON body, 500 to one that is not (the seed's crash),
/// 413 past [`receivers::MAX_BODY_BYTES`]. It takes `work` to answer (on
/// tokio's paused clock in [`slow`]) and counts every request as it
/// arrives, before reading the body: axum's own limit would refuse the
/// oversized body before any handler saw it.
pub(crate) async fn trusting(work: Duration) -> (SocketAddr, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let counted = seen.clone();
    let handler = move |body: axum::body::Body| {
        let counted = counted.clone();
        async move {
            use axum::http::StatusCode;
            counted.fetch_add(1, Ordering::SeqCst);
            let read = axum::body::to_bytes(body, receivers::MAX_BODY_BYTES).await;
            if !work.is_zero() {
                tokio::time::sleep(work).await;
            }
            match read {
                Err(_) => StatusCode::PAYLOAD_TOO_LARGE,
                Ok(body) if serde_json::from_slice::<serde_json::Value>(&body).is_ok() => {
                    StatusCode::OK
                }
                Ok(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }
    };
    let router = axum::Router::new().route("/webhook", axum::routing::post(handler));
    (serve(router).await, seen)
}

/// [`config`] for the receiver at `addr`'s `/webhook`, with the body limit
/// of the receivers here.
pub(crate) fn config_at(addr: SocketAddr, secret: Secret) -> CheckConfig {
    let mut config = config(format!("http://{addr}/webhook"), secret);
    config.max_body_bytes = receivers::MAX_BODY_BYTES;
    config
}

/// Asserts that every case passed or, being not applicable to the scheme,
/// was skipped; the timing case, a statistical hint on a noisy loopback,
/// may also warn. Prints the scorecard when it does not hold.
pub(crate) fn assert_passes_everything(card: &Scorecard, skipped: &[Case]) {
    let shown = shown(card);
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
