//! # hooklab-check: grade any webhook receiver
//!
//! `hooklab check URL --secret SECRET` points a battery of deliveries at a
//! running webhook receiver, written in any language, and prints a
//! scorecard: does it accept genuine events, refuse forged, tampered, stale
//! and unsigned ones, verify the raw bytes, answer fast, survive a
//! duplicate and an unknown event type? Stripe's docs tell developers to
//! write these tests themselves; this crate is those tests, for the Standard
//! Webhooks scheme and for GitHub's.
//!
//! A map of the crate, in reading order:
//!
//! - [`case`]: the battery as data: every [`Case`], how it is graded, and
//!   the graded [`CaseResult`].
//! - [`scheme`]: the two schemes, Standard Webhooks and GitHub's, and their
//!   secrets.
//! - [`delivery`]: what each case sends, signed with hooklab-core's
//!   Standard Webhooks code or hooklab-github's `X-Hub-Signature-256`, then
//!   spoiled in exactly one way.
//! - [`spoil`]: the one thing each case spoils (a version label, a MAC
//!   byte, a body byte).
//! - [`json`]: JSON in unusual but valid bytes, and padded to a size.
//! - [`target`]: the receiver under test, over loopback with `reqwest`
//!   (no proxy, no redirects, a sender's timeout).
//! - [`state`]: the `--state-url` contract, `{"processed": N}`, which lets
//!   the duplicate case see real idempotency.
//! - [`pace`]: how fast the receiver answers, and how the battery sizes
//!   its long cases so a slow receiver still gets a grade in time.
//! - [`stats`]: the Mann-Whitney U test behind the timing hint.
//! - [`timing`]: the timing case: first-byte against last-byte forgeries.
//! - [`battery`]: runs the cases and grades the answers into a
//!   [`Scorecard`].
//! - [`scorecard`]: the results, their counts and the exit code.
//! - [`text`]: every sentence, in English and Brazilian Portuguese.
//! - [`render`]: the scorecard as a terminal table, Markdown or JSON.
//!
//! ```no_run
//! # async fn demo() -> Result<(), hooklab_check::CheckError> {
//! use hooklab_check::{CheckConfig, Scheme, Secret};
//! let secret = Secret::parse(Scheme::Github, "s3cret").expect("a GitHub secret is any text");
//! let config = CheckConfig::new("http://127.0.0.1:8080/webhook", secret, 1_767_225_600, 42);
//! let card = hooklab_check::run(config).await?;
//! print!("{}", hooklab_check::render::table(&card, hooklab_core::lang::Lang::En, false));
//! # Ok(()) }
//! ```

pub mod battery;
pub mod case;
pub mod delivery;
pub mod json;
pub mod pace;
pub mod render;
pub mod scheme;
pub mod scorecard;
pub mod spoil;
pub mod state;
pub mod stats;
pub mod target;
pub mod text;
pub mod timing;

pub use battery::{CheckConfig, CheckError, Wait, WaitBy, run};
pub use case::{Case, CaseResult, Note, Verdict};
pub use delivery::{Scheme, Secret};
pub use scorecard::{Counts, Scorecard};
