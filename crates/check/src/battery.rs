//! Runs the battery against a receiver and grades each answer.
//!
//! [`run`] sends every [`Case`] in order, one request at a time, over one
//! kept-alive client, and folds the answers into a [`Scorecard`]. Sending and
//! grading are apart: [`grade`] is a pure function of the case and what came
//! back, so the rules are tested without a socket, and the printers in
//! [`crate::render`] only read the scorecard.
//!
//! The genuine case runs first and decides two things. If nothing listens at
//! the URL, the run stops with [`CheckError::NotListening`] (bad usage, not a
//! scorecard). If the genuine delivery is refused, every refusal case is
//! skipped: a receiver that refuses everything also "refuses a forgery", and
//! that proves nothing.

use crate::case::{Case, CaseResult, Expectation, Note, StateChange, Verdict};
use crate::delivery::{Secret, Signer};
use crate::scorecard::Scorecard;
use crate::state::{StateError, StateProbe};
use crate::target::{Cause, Reply, Target, TargetError};
use crate::timing;
use hooklab_github::sender::SendError;
use std::time::Duration;

/// The size the oversized body goes one byte past when the receiver's own
/// limit is not given: GitHub's documented 25 MB cap on payloads.
pub const DEFAULT_MAX_BODY_BYTES: usize = hooklab_github::receiver::MAX_BODY_BYTES;

/// The largest `--max-body` taken: 64 MiB. The oversized body is built in
/// memory and sent whole, so a typo such as 99999999999999 would otherwise
/// abort on a failed allocation; no sender hooklab imitates goes near it
/// (GitHub caps payloads at 25 MB).
pub const MAX_MAX_BODY_BYTES: usize = 64 << 20;

/// Forgeries per group in the timing case, unless told otherwise.
pub const DEFAULT_TIMING_SAMPLES: usize = 200;

/// How long a whole battery may take unless told otherwise. A receiver that
/// answers after 12 s kept it busy for over 6 minutes; past this, the cases
/// not yet sent are skipped with [`Note::OutOfTime`].
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

/// Above this, an answer to a genuine delivery earns a warning: the work
/// belongs after the answer.
pub const FAST_ENOUGH: Duration = Duration::from_secs(1);

/// What to check, and against what.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// The receiver's URL (loopback only).
    pub url: String,
    /// The receiver's secret, which also picks the scheme.
    pub secret: Secret,
    /// The receiver's `GET` that answers `{"processed": N}` (see [`crate::state`]).
    pub state_url: Option<String>,
    /// The receiver's body limit: the oversized case sends one byte more.
    pub max_body_bytes: usize,
    /// Forgeries per group in the timing case (0 skips it).
    pub timing_samples: usize,
    /// How long the whole battery may take: the genuine case always runs,
    /// later cases start only before it has passed, and the timing case
    /// stops sampling at it.
    pub deadline: Duration,
    /// The clock, in unix seconds: every timestamp sent is relative to it.
    pub now_unix_secs: i64,
    /// Seeds the forged bytes, the other secret and the delivery ids.
    pub seed: u64,
    /// How long one request may wait for its answer. `None`, the default,
    /// is the sender's own limit (GitHub 10 s, Svix 15 s), which is what a
    /// real sender would wait; tests shorten it.
    pub request_timeout: Option<Duration>,
}

impl CheckConfig {
    /// A configuration with the defaults for everything but the essentials.
    pub fn new(url: impl Into<String>, secret: Secret, now_unix_secs: i64, seed: u64) -> Self {
        CheckConfig {
            url: url.into(),
            secret,
            state_url: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            timing_samples: DEFAULT_TIMING_SAMPLES,
            deadline: DEFAULT_DEADLINE,
            now_unix_secs,
            seed,
            request_timeout: None,
        }
    }
}

/// Why a check could not produce a scorecard.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Occurs when the URL or the state URL is not plain `http://` on loopback.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// Occurs when nothing accepts connections at the URL.
    #[error(
        "nothing is listening at {url} ({error}): start your receiver first, and check the port"
    )]
    NotListening {
        /// The URL.
        url: String,
        /// The connection error, in the HTTP library's words.
        error: String,
        /// Its class.
        cause: Cause,
    },
    /// Occurs when `--state-url` does not answer `{"processed": N}` before the run.
    #[error("--state-url {url} {error}")]
    StateUrl {
        /// The state URL.
        url: String,
        /// What is wrong with its answer.
        #[source]
        error: StateError,
    },
    /// Occurs when the body limit is smaller than a genuine delivery (the
    /// oversized case would send a body under the limit, or an ordinary one)
    /// or larger than [`MAX_MAX_BODY_BYTES`].
    #[error(
        "--max-body {given} is out of range: give {min} to {max} bytes (from the size of a genuine delivery, which the oversized case must exceed, to 64 MiB, which it builds in memory)"
    )]
    MaxBody {
        /// The limit given.
        given: usize,
        /// A genuine delivery's size, padding field included.
        min: usize,
        /// [`MAX_MAX_BODY_BYTES`].
        max: usize,
    },
    /// Occurs when a request cannot be built (a bug: every header is ASCII).
    #[error("cannot build a request: {0}")]
    Request(#[from] SendError),
}

impl CheckError {
    /// Whether the user must fix something (exit 2), rather than hooklab (exit 1).
    pub fn is_usage(&self) -> bool {
        !matches!(self, CheckError::Request(_))
    }
}

/// What a run tells as it goes: the CLI draws a progress line from it (a
/// slow receiver keeps a battery busy for minutes). Every method has a
/// default that does nothing.
pub trait Progress: Send + Sync {
    /// `case`, the `index`-th of `total` (from 0), starts sending; each of
    /// its requests waits at most `limit`.
    fn case_started(&self, case: Case, index: usize, total: usize, limit: Duration) {
        let _ = (case, index, total, limit);
    }
    /// `done` of the `planned` requests of the running case have an answer
    /// (only the timing case, which sends hundreds, says so).
    fn requests_done(&self, done: usize, planned: usize) {
        let _ = (done, planned);
    }
    /// The case is graded.
    fn case_finished(&self, result: &CaseResult, index: usize, total: usize) {
        let _ = (result, index, total);
    }
}

/// A run nobody watches.
pub struct Silent;

impl Progress for Silent {}

/// Sends the battery to `config.url` and grades every answer.
pub async fn run(config: CheckConfig) -> Result<Scorecard, CheckError> {
    run_with(config, &Silent).await
}

/// [`run`], telling `progress` about every case as it starts and ends.
pub async fn run_with(
    config: CheckConfig,
    progress: &dyn Progress,
) -> Result<Scorecard, CheckError> {
    let scheme = config.secret.scheme();
    let limit = config.request_timeout.unwrap_or(scheme.sender_limit());
    let target = Target::new(&config.url, limit)?;
    let uri: http::Uri = target
        .url()
        .as_str()
        .parse()
        .map_err(|e: http::uri::InvalidUri| TargetError::BadUrl {
            url: config.url.clone(),
            reason: e.to_string(),
        })?;
    let mut signer = Signer::new(
        config.secret.clone(),
        uri,
        config.now_unix_secs,
        config.seed,
    );
    // Before any request: a limit the oversized case cannot go one byte past
    // with a genuine payload, or one too big to build, is a typo.
    let min = signer.smallest_padded();
    if !(min..=MAX_MAX_BODY_BYTES).contains(&config.max_body_bytes) {
        return Err(CheckError::MaxBody {
            given: config.max_body_bytes,
            min,
            max: MAX_MAX_BODY_BYTES,
        });
    }
    let state = match &config.state_url {
        None => None,
        Some(url) => {
            let probe = StateProbe::new(url, target.client().clone())?;
            probe.read().await.map_err(|error| CheckError::StateUrl {
                url: url.clone(),
                error,
            })?;
            Some(probe)
        }
    };
    let mut results = Vec::with_capacity(Case::ALL.len());
    // Why the genuine delivery was not accepted, once it is known.
    let mut genuine_failed: Option<Note> = None;
    let mut oversized_bytes = 0;
    let total = Case::ALL.len();
    let started = tokio::time::Instant::now();
    let out_of_time = Note::OutOfTime(config.deadline.as_secs());
    for (index, case) in Case::ALL.into_iter().enumerate() {
        let skip = match &genuine_failed {
            _ if case != Case::Genuine && started.elapsed() >= config.deadline => {
                Some(out_of_time.clone())
            }
            // Every further request would wait as long: skip them all.
            Some(note @ Note::GenuineTimedOut(_)) => Some(note.clone()),
            Some(note) if case.needs_genuine_accepted() => Some(note.clone()),
            _ => None,
        };
        if let Some(note) = skip {
            let result = CaseResult::skipped(case, note);
            progress.case_finished(&result, index, total);
            results.push(result);
            continue;
        }
        progress.case_started(case, index, total, limit);
        let result = match case {
            Case::Timing => {
                let left = config.deadline.saturating_sub(started.elapsed());
                timing::run(&target, &mut signer, config.timing_samples, left, progress).await?
            }
            Case::Duplicate => duplicate(&target, &mut signer, state.as_ref()).await?,
            _ => {
                let deliveries = signer.deliveries(case, config.max_body_bytes);
                if deliveries.is_empty() {
                    CaseResult::skipped(case, not_in_scheme(case))
                } else {
                    if case == Case::OversizedBody {
                        oversized_bytes = deliveries[0].body.len();
                    }
                    let mut replies = Vec::with_capacity(deliveries.len());
                    for delivery in &deliveries {
                        let headers = signer.headers(delivery)?;
                        replies.push(target.post(headers, delivery.body.clone()).await);
                    }
                    let (verdict, note) = grade(case, &replies, scheme.sender_limit());
                    CaseResult::new(case, replies, verdict, note)
                }
            }
        };
        if case == Case::Genuine {
            if let Some(Reply::NoAnswer {
                connect: true,
                error,
                cause,
            }) = result.replies.first()
            {
                return Err(CheckError::NotListening {
                    url: config.url.clone(),
                    error: error.clone(),
                    cause: *cause,
                });
            }
            if result.verdict != Verdict::Pass {
                genuine_failed = Some(match result.replies.first() {
                    Some(Reply::TimedOut { after_ms }) => {
                        Note::GenuineTimedOut(after_ms.div_ceil(1000))
                    }
                    Some(Reply::NoAnswer { cause, .. }) => Note::GenuineNoAnswer(*cause),
                    Some(Reply::Answered { status, .. }) => Note::GenuineRefused(*status),
                    None => Note::GenuineRefused(0),
                });
            }
        }
        progress.case_finished(&result, index, total);
        results.push(result);
    }
    Ok(Scorecard {
        url: config.url,
        scheme,
        state_url: config.state_url,
        oversized_bytes,
        timing_samples: config.timing_samples,
        results,
    })
}

/// Why a scheme cannot express `case`.
fn not_in_scheme(case: Case) -> Note {
    match case {
        Case::KeyRotation => Note::GithubHasNoRotation,
        _ => Note::GithubHasNoTimestamp,
    }
}

/// The verdict on `replies` to `case`, whose sender waits `limit` at most.
/// A case with several requests takes the worst of their verdicts.
pub fn grade(case: Case, replies: &[Reply], limit: Duration) -> (Verdict, Option<Note>) {
    let mut worst: Option<(Verdict, Option<Note>)> = None;
    for reply in replies {
        let graded = match case.expectation() {
            Expectation::Accept => accept(reply),
            Expectation::Refuse => refuse(reply, case, Verdict::Fail),
            Expectation::RefuseOrWarn => refuse(reply, case, Verdict::Warn),
            Expectation::Fast => fast(reply, limit),
            // Graded on its statistics, in `timing`.
            Expectation::Timing => (Verdict::Pass, None),
        };
        match &worst {
            Some((verdict, _)) if severity(graded.0) <= severity(*verdict) => {}
            _ => worst = Some(graded),
        }
    }
    worst.unwrap_or((Verdict::Skip, None))
}

fn severity(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Pass | Verdict::Skip => 0,
        Verdict::Warn => 1,
        Verdict::Fail => 2,
    }
}

fn timed_out(after_ms: u64) -> Note {
    Note::TimedOut(after_ms.div_ceil(1000))
}

/// The receiver must take it: 2xx.
fn accept(reply: &Reply) -> (Verdict, Option<Note>) {
    match reply {
        Reply::Answered { status, .. } => match status {
            200..=299 => (Verdict::Pass, None),
            300..=399 => (Verdict::Fail, Some(Note::Redirected)),
            _ => (Verdict::Fail, Some(Note::Refused)),
        },
        Reply::NoAnswer { .. } => (Verdict::Fail, Some(Note::NoAnswer)),
        Reply::TimedOut { after_ms } => (Verdict::Fail, Some(timed_out(*after_ms))),
    }
}

/// The receiver must refuse it with a 4xx; taking it earns `if_accepted`.
fn refuse(reply: &Reply, case: Case, if_accepted: Verdict) -> (Verdict, Option<Note>) {
    match reply {
        Reply::Answered { status, .. } => match status {
            400..=499 => (Verdict::Pass, None),
            200..=299 => (if_accepted, Some(Note::Accepted)),
            300..=399 => (Verdict::Warn, Some(Note::Redirected)),
            _ => (Verdict::Warn, Some(Note::RefusedWith5xx)),
        },
        // Closing the connection on a body too big to read is a refusal.
        Reply::NoAnswer { .. } if case == Case::OversizedBody => {
            (Verdict::Pass, Some(Note::ClosedOnOversize))
        }
        Reply::NoAnswer { .. } => (Verdict::Warn, Some(Note::NoAnswer)),
        Reply::TimedOut { after_ms } => (Verdict::Warn, Some(timed_out(*after_ms))),
    }
}

/// The receiver must take it, and in time.
fn fast(reply: &Reply, limit: Duration) -> (Verdict, Option<Note>) {
    let accepted = accept(reply);
    if accepted.0 != Verdict::Pass {
        return accepted;
    }
    let elapsed = reply.elapsed().unwrap_or_default();
    let ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    if elapsed > limit {
        (Verdict::Fail, Some(Note::TooSlow(ms)))
    } else if elapsed > FAST_ENOUGH {
        (Verdict::Warn, Some(Note::Slow(ms)))
    } else {
        (Verdict::Pass, None)
    }
}

/// The same delivery twice; with a state URL, also whether it was processed once.
async fn duplicate(
    target: &Target,
    signer: &mut Signer,
    state: Option<&StateProbe>,
) -> Result<CaseResult, CheckError> {
    let before = match state {
        Some(probe) => Some(probe.settled().await),
        None => None,
    };
    let mut replies = Vec::new();
    for delivery in signer.deliveries(Case::Duplicate, 0) {
        let headers = signer.headers(&delivery)?;
        replies.push(target.post(headers, delivery.body.clone()).await);
    }
    let (verdict, note) = grade(Case::Duplicate, &replies, signer.scheme().sender_limit());
    if verdict != Verdict::Pass {
        return Ok(CaseResult::new(Case::Duplicate, replies, verdict, note));
    }
    let (Some(probe), Some(before)) = (state, before) else {
        return Ok(CaseResult::new(
            Case::Duplicate,
            replies,
            Verdict::Pass,
            Some(Note::StateNotGiven),
        ));
    };
    let watched = match before {
        Ok(before) => probe.watch(before).await.map(|after| (before, after)),
        Err(error) => Err(error),
    };
    let (before, after) = match watched {
        Ok(counts) => counts,
        Err(error) => {
            let note = Note::StateUnreadable(error);
            return Ok(CaseResult::new(
                Case::Duplicate,
                replies,
                Verdict::Warn,
                Some(note),
            ));
        }
    };
    let (verdict, note) = match after.saturating_sub(before) {
        0 => (Verdict::Warn, Some(Note::NeverCounted)),
        1 => (Verdict::Pass, None),
        _ => (Verdict::Fail, Some(Note::ProcessedTwice)),
    };
    let mut result = CaseResult::new(Case::Duplicate, replies, verdict, note);
    result.state = Some(StateChange { before, after });
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_secs(10);

    fn answered(status: u16, elapsed_ms: u64) -> Reply {
        Reply::Answered {
            status,
            elapsed_us: elapsed_ms * 1000,
        }
    }

    fn closed() -> Reply {
        Reply::NoAnswer {
            error: "Connection reset by peer".into(),
            connect: false,
            cause: Cause::ConnectionReset,
        }
    }

    #[test]
    fn accept_cases_pass_only_on_2xx() {
        let g = |r: Reply| grade(Case::Genuine, &[r], LIMIT);
        assert_eq!(g(answered(200, 1)), (Verdict::Pass, None));
        assert_eq!(g(answered(204, 1)), (Verdict::Pass, None));
        assert_eq!(g(answered(401, 1)), (Verdict::Fail, Some(Note::Refused)));
        assert_eq!(g(answered(302, 1)), (Verdict::Fail, Some(Note::Redirected)));
        assert_eq!(g(closed()), (Verdict::Fail, Some(Note::NoAnswer)));
        assert_eq!(
            g(Reply::TimedOut { after_ms: 10_000 }),
            (Verdict::Fail, Some(Note::TimedOut(10)))
        );
    }

    #[test]
    fn refusals_pass_on_4xx_fail_on_2xx_and_warn_otherwise() {
        let g = |r: Reply| grade(Case::ForgedSignature, &[r], LIMIT);
        assert_eq!(g(answered(401, 1)), (Verdict::Pass, None));
        assert_eq!(g(answered(400, 1)), (Verdict::Pass, None));
        assert_eq!(g(answered(200, 1)), (Verdict::Fail, Some(Note::Accepted)));
        assert_eq!(
            g(answered(500, 1)),
            (Verdict::Warn, Some(Note::RefusedWith5xx))
        );
        assert_eq!(g(closed()), (Verdict::Warn, Some(Note::NoAnswer)));
    }

    #[test]
    fn size_and_json_cases_only_warn() {
        let g = |case, r: Reply| grade(case, &[r], LIMIT);
        assert_eq!(g(Case::NotJson, answered(400, 1)), (Verdict::Pass, None));
        assert_eq!(
            g(Case::NotJson, answered(200, 1)),
            (Verdict::Warn, Some(Note::Accepted))
        );
        assert_eq!(
            g(Case::NotJson, answered(500, 1)),
            (Verdict::Warn, Some(Note::RefusedWith5xx))
        );
        assert_eq!(
            g(Case::OversizedBody, answered(413, 1)),
            (Verdict::Pass, None)
        );
        assert_eq!(
            g(Case::OversizedBody, closed()),
            (Verdict::Pass, Some(Note::ClosedOnOversize))
        );
    }

    #[test]
    fn fast_means_within_a_second_and_never_past_the_senders_limit() {
        let g = |r: Reply| grade(Case::AnswersFast, &[r], LIMIT);
        assert_eq!(g(answered(200, 900)), (Verdict::Pass, None));
        assert_eq!(
            g(answered(200, 1_500)),
            (Verdict::Warn, Some(Note::Slow(1_500)))
        );
        assert_eq!(
            g(answered(200, 10_001)),
            (Verdict::Fail, Some(Note::TooSlow(10_001)))
        );
        assert_eq!(g(answered(500, 1)), (Verdict::Fail, Some(Note::Refused)));
    }

    #[test]
    fn a_pair_takes_the_worst_verdict() {
        let pair = [answered(200, 1), answered(500, 1)];
        assert_eq!(
            grade(Case::Duplicate, &pair, LIMIT),
            (Verdict::Fail, Some(Note::Refused))
        );
    }
}
