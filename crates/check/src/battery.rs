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
//! that proves nothing. For the same reason a 2xx to the key rotation or to
//! the raw bytes proves nothing once a forgery got one
//! ([`Case::needs_refused`]): those are skipped too, and so is the timing
//! case, which times refusals and would have none, before it sends its
//! hundreds of forgeries. A reason known before a case sends anything is
//! its note even once the deadline has passed: the deadline only names
//! cases that would have run. A genuine delivery the deadline cut short (a
//! `--deadline` shorter than a slow receiver's answer) is no refusal: it is
//! skipped as cut short, and the cases after it as out of time.
//!
//! A 5xx is never taken alone as a receiver's answer to a case, because a
//! receiver that fails at random would otherwise get another grade each run,
//! with the blame on whichever case the 5xx fell on. Nor is a connection
//! that closed or reset before an answer ([`Reply::is_dropped`]): a receiver
//! that drops half its connections got "fail: no answer" on the genuine
//! case, and every other case skipped, on the first request's luck. The
//! case's delivery is made again and resent, [`MAX_ATTEMPTS`] times in all,
//! and the first answer that is neither is graded ([`grade_attempts`]). The
//! random failures are the reliability case's finding, graded once
//! ([`grade_reliability`]), with the share of each kind.
//!
//! **Time.** Every delivery is signed with the time it is made, just before
//! it is sent: the clock at the battery's start plus tokio's monotonic time
//! since (a test's paused clock moves it too), so the stale and future cases
//! are 6 minutes from their own sending. Before, every timestamp was the
//! battery's start: against a receiver taking 3 s an answer the "6 minutes
//! ahead" delivery arrived 65 s later, only 295 s ahead, and a correct
//! receiver failed `future-timestamp`. The refusals run first, then the
//! reliability case, which takes at most half the time left of the deadline
//! ([`RELIABILITY_SHARE`]), so the cases after it still run; one cut short
//! says after how many deliveries, and is graded on the answers it got.
//! How many it sends, and how many forgeries the timing case sends, are
//! sized from the receiver's pace, measured on the genuine delivery and the
//! refusals ([`crate::pace`]): a slow but correct receiver gets a grade
//! within the deadline, and the scorecard's pace line says what was cut.

use crate::case::{Case, CaseResult, Expectation, Note, StateChange, Verdict};
use crate::delivery::{Secret, Signer};
use crate::pace::Pace;
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

/// How many times in all a case's deliveries are sent while they get a 5xx.
/// A receiver that answers 5xx at random, to a share p of deliveries, is
/// graded on a 5xx it gave by chance with probability p^6 per case (0.07%
/// at p = 30%), and then only warns (see [`grade_attempts`]).
pub const MAX_ATTEMPTS: usize = 6;

/// Genuine deliveries the reliability case sends. A receiver that fails a
/// share p of them at random goes unseen with probability (1 - p)^20: 0.08%
/// at p = 30%, 12% at 10%, 82% at 1%.
pub const RELIABILITY_DELIVERIES: usize = 20;

/// The share of the deadline left when the reliability case starts that it
/// may use: it sends no further delivery once it has used half, so the
/// cases after it (the ones that must be accepted, a few genuine deliveries
/// each) get the other half. Against a fast receiver it never binds.
pub const RELIABILITY_SHARE: f64 = 0.5;

/// Above this, an answer to a genuine delivery earns a warning: the work
/// belongs after the answer.
pub const FAST_ENOUGH: Duration = Duration::from_secs(1);

/// Past this, `answers-fast` fails, whatever the scheme: GitHub's timeout,
/// the shortest of the senders hooklab imitates (Svix waits 15 s, and many
/// senders far less than either). A Standard Webhooks receiver answering in
/// 12 s is still answered within Svix's 15 s, so every other case is
/// graded; this one says it would fail with GitHub and most others. Before,
/// it passed with no word of it.
pub const STRICTEST_SENDER_LIMIT: Duration = hooklab_github::sender::TIMEOUT;

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
    /// The clock when the battery starts, in unix seconds. Every delivery
    /// is signed with it plus the time elapsed since (see
    /// [`crate::delivery::Signer`]).
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
    /// Occurs when the deadline is zero: the battery would run the genuine
    /// case and skip every other one.
    #[error(
        "--deadline 0 would skip every case but the first: give at least 1 second (the default is 120)"
    )]
    Deadline,
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

/// How long each request of a case waits for its answer, and what set it:
/// the progress line says it, and a `--deadline` shorter than the sender's
/// limit is what a silent receiver is waited on, not the sender's 15 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wait {
    /// The longest a request waits.
    pub limit: Duration,
    /// What set it.
    pub by: WaitBy,
}

/// What sets a request's [`Wait`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitBy {
    /// The sender's own limit (GitHub 10 s, Svix 15 s).
    Sender,
    /// [`CheckConfig::request_timeout`].
    RequestTimeout,
    /// The battery's deadline, shorter than the limit: no request waits past
    /// it.
    Deadline,
}

/// What a run tells as it goes: the CLI draws a progress line from it (a
/// slow receiver keeps a battery busy for minutes). Every method has a
/// default that does nothing.
pub trait Progress: Send + Sync {
    /// `case`, the `index`-th of `total` (from 0), starts sending; each of
    /// its requests waits at most `wait.limit`.
    fn case_started(&self, case: Case, index: usize, total: usize, wait: Wait) {
        let _ = (case, index, total, wait);
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
    let mut target = Target::new(&config.url, limit)?;
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
    // Before any request: a battery with no time at all is a typo.
    if config.deadline.is_zero() {
        return Err(CheckError::Deadline);
    }
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
    // Whether the genuine delivery failed outright (not a 5xx at random):
    // then every later case is skipped, the ones that must be accepted too.
    // Each of those is a genuine delivery with one twist (a rotated key,
    // odd bytes, a duplicate, an unknown event), refused for the same cause;
    // before, a wrong path gave five "failed" lines for one 404.
    let mut genuine_refused = false;
    // The first case that saw the receiver fail at random (a 5xx or a
    // dropped connection to one delivery, another answer to a like one):
    // the notes of later cases name it.
    let mut intermittent: Option<Case> = None;
    let mut oversized_bytes = 0;
    let total = Case::ALL.len();
    let budget = Budget {
        started: tokio::time::Instant::now(),
        deadline: config.deadline,
    };
    let out_of_time = Note::OutOfTime(config.deadline.as_secs());
    // The receiver's pace, once the genuine delivery is accepted: the
    // reliability and timing cases are sized from it (see [`crate::pace`]).
    let mut pace: Option<Pace> = None;
    for (index, case) in Case::ALL.into_iter().enumerate() {
        // A reason known without sending anything comes before the
        // deadline: the case would be skipped for it with all the time in
        // the world, and it says more (before, a slow receiver that accepts
        // forgeries read "the deadline passed before this case" on the
        // timing case, and the battery counted as incomplete).
        let skip = match &genuine_failed {
            // Every further request would wait as long: skip them all.
            Some(note @ Note::GenuineTimedOut(_)) => Some(note.clone()),
            Some(note) if case.needs_genuine_accepted() || genuine_refused => Some(note.clone()),
            _ if !signer.expresses(case) => Some(not_in_scheme(case)),
            _ if case == Case::Timing && config.timing_samples == 0 => Some(Note::TimingOff),
            _ => forgery_accepted(case, &results).map(|accepted| match case {
                Case::Timing => Note::TimingAccepted,
                _ => Note::SignaturesNotChecked(accepted),
            }),
        }
        .or_else(|| (case != Case::Genuine && budget.passed()).then(|| out_of_time.clone()));
        if let Some(note) = skip {
            let result = CaseResult::skipped(case, note);
            progress.case_finished(&result, index, total);
            results.push(result);
            continue;
        }
        // No request waits past the deadline; the genuine delivery, which
        // always runs, waits at least a second (the CLI's shortest
        // deadline: only the library can give less).
        let cutoff = if case == Case::Genuine {
            config.deadline.max(Duration::from_secs(1))
        } else {
            config.deadline
        };
        target.set_cutoff(budget.started + cutoff);
        // The deadline in force, when it is shorter than the limit: the
        // whole deadline, which is what the first case (the one the line
        // speaks for) waits at most; later cases wait at most what is left.
        let wait = if cutoff < limit {
            Wait {
                limit: cutoff,
                by: WaitBy::Deadline,
            }
        } else {
            Wait {
                limit,
                by: if config.request_timeout.is_some() {
                    WaitBy::RequestTimeout
                } else {
                    WaitBy::Sender
                },
            }
        };
        progress.case_started(case, index, total, wait);
        let result = match case {
            Case::Timing => {
                let left = config.deadline.saturating_sub(budget.started.elapsed());
                // Sized from how fast the receiver refused the forgeries
                // before; skipped, for that reason, when it refuses too
                // slowly to be timed at all (before, a receiver taking 2.5 s
                // an answer spent the last of the deadline here, and the
                // battery read "incomplete").
                let samples = match pace.as_mut() {
                    Some(pace) => {
                        pace.measure_refusals(&results);
                        crate::pace::timing_samples(pace, config.timing_samples, left)
                            .ok_or(pace.refuse())
                    }
                    None => Ok(config.timing_samples),
                };
                let result = match samples {
                    Err(each) => Ok(CaseResult::skipped(
                        case,
                        Note::TimingTooSlow(u64::try_from(each.as_millis()).unwrap_or(u64::MAX)),
                    )),
                    Ok(samples) => timing::run(&target, &mut signer, samples, left, progress).await,
                }?;
                // Too few answers because the battery ran out of time is
                // the deadline's doing, and says so.
                if result.note == Some(Note::TimingTooFew) && budget.passed() {
                    CaseResult::skipped(case, out_of_time.clone())
                } else {
                    result
                }
            }
            Case::Reliability => {
                let planned = match pace.as_mut() {
                    Some(pace) => {
                        pace.measure_refusals(&results);
                        let after: Vec<Case> = Case::ALL[index + 1..]
                            .iter()
                            .copied()
                            .filter(|c| *c != Case::Timing && signer.expresses(*c))
                            .collect();
                        let left = budget.left();
                        crate::pace::reliability_deliveries(
                            pace,
                            &after,
                            state.is_some(),
                            config.timing_samples > 0,
                            budget.started.elapsed(),
                            left,
                            left.mul_f64(RELIABILITY_SHARE),
                        )
                    }
                    None => RELIABILITY_DELIVERIES,
                };
                let result = reliability(&target, &mut signer, &budget, planned, progress).await?;
                cut_short(result, budget.passed(), limit, &out_of_time)
            }
            Case::Duplicate => {
                let (result, at_random) =
                    duplicate(&target, &mut signer, state.as_ref(), &budget, intermittent).await?;
                if at_random {
                    intermittent = intermittent.or(Some(case));
                }
                if budget.passed() && result.replies.iter().any(|r| cut_by_deadline(r, limit)) {
                    cut_off(result, &config)
                } else {
                    result
                }
            }
            _ => {
                let mut attempts = Vec::new();
                let last_sent = loop {
                    let deliveries = signer.deliveries(case, config.max_body_bytes);
                    if case == Case::OversizedBody {
                        oversized_bytes = deliveries.first().map_or(0, |d| d.body.len());
                    }
                    let mut replies = Vec::with_capacity(deliveries.len());
                    for delivery in &deliveries {
                        let headers = signer.headers(delivery)?;
                        replies.push(target.post(headers, delivery.body.clone()).await);
                    }
                    // A delivery made again is signed again, at its own time.
                    let again = case.resends_on_5xx() && wants_resend(&replies);
                    attempts.push(replies);
                    if !again || attempts.len() >= MAX_ATTEMPTS || budget.passed() {
                        break deliveries;
                    }
                };
                let cut = |r: &Reply| cut_by_deadline(r, limit);
                if budget.passed() && attempts.iter().flatten().any(cut) {
                    // Waited only until the deadline, not the sender's
                    // limit: the deadline's doing, not the receiver's. The
                    // genuine case too: before, `--deadline 2` against a
                    // sound receiver taking 3 s failed it ("no answer
                    // within 2 s") and skipped the rest as if the receiver
                    // never answered; now the rest are out of time.
                    cut_off(
                        CaseResult::from_attempts(case, &attempts, Verdict::Skip, None),
                        &config,
                    )
                } else {
                    let (verdict, note) =
                        grade_attempts(case, &attempts, intermittent, scheme.sender_limit());
                    let note = match (note, attempts.last()) {
                        (Some(Note::Accepted), Some(last)) => Some(which_forgery(last, &last_sent)),
                        (note, _) => note,
                    };
                    if failed_at_random(&attempts) {
                        intermittent = intermittent.or(Some(case));
                    }
                    CaseResult::from_attempts(case, &attempts, verdict, note)
                }
            }
        };
        if let Some(Note::Unreliable {
            server_errors,
            dropped,
            ..
        }) = &result.note
            && server_errors + dropped > 0
        {
            intermittent = intermittent.or(Some(Case::Reliability));
        }
        let result = if case == Case::Genuine {
            with_genuine_hint(result)
        } else {
            result
        };
        if case == Case::Genuine {
            genuine_refused = result.verdict == Verdict::Fail;
            if result.verdict == Verdict::Pass
                && let Some(accept) = result.replies.last().and_then(Reply::elapsed)
            {
                pace = Some(Pace::new(accept, config.timing_samples, config.deadline));
            }
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
            // A genuine delivery the deadline cut short is no refusal: the
            // cases after it are out of time, not skipped for its sake.
            if !matches!(result.verdict, Verdict::Pass | Verdict::Skip) {
                // The last attempt is the answer graded.
                genuine_failed = Some(match result.replies.last() {
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
        pace: pace.map(|mut pace| {
            pace.measure_accepts(&results);
            pace
        }),
        results,
    })
}

/// The genuine case's result with the likely cause of a refusal named on
/// its own line: a 404 says nothing is at the URL's path, a 401 or 403
/// that the signature was not taken (`--secret`, `--scheme`), a 5xx to
/// every attempt that the receiver itself fails (its log says why: the
/// flags are not the first thing to check). Other answers keep their note.
fn with_genuine_hint(mut result: CaseResult) -> CaseResult {
    if result.verdict != Verdict::Fail || result.note != Some(Note::Refused) {
        return result;
    }
    let note = match result.replies.last() {
        Some(Reply::Answered { status: 404, .. }) => Note::NothingAtPath,
        Some(Reply::Answered {
            status: status @ (401 | 403),
            ..
        }) => Note::SignatureRefused(*status),
        Some(Reply::Answered {
            status: status @ 500..=599,
            ..
        }) => Note::GenuineServerError(*status),
        _ => return result,
    };
    result.note = Some(note);
    result
}

/// A case the deadline cut while it waited for an answer: skipped, with
/// what it got so far, saying it started and was cut (before, a 25 MB body
/// still being sent at the deadline read "the deadline passed before this
/// case"). It counts as not finished ([`Scorecard::incomplete`]). The
/// genuine case is cut so too, and the cases after it are then out of time.
fn cut_off(mut result: CaseResult, config: &CheckConfig) -> CaseResult {
    result.verdict = Verdict::Skip;
    result.note = Some(Note::CutByDeadline(config.deadline.as_secs()));
    result.state = None;
    result
}

/// The battery's deadline, from when it started.
struct Budget {
    started: tokio::time::Instant,
    deadline: Duration,
}

impl Budget {
    /// Whether the deadline has passed: no case starts, and no request is
    /// sent again, after it.
    fn passed(&self) -> bool {
        self.started.elapsed() >= self.deadline
    }

    /// What is left of the deadline.
    fn left(&self) -> Duration {
        self.deadline.saturating_sub(self.started.elapsed())
    }
}

/// Whether `reply` timed out sooner than the sender's `limit`: it waited
/// only until the battery's deadline, so it says nothing of the receiver.
fn cut_by_deadline(reply: &Reply, limit: Duration) -> bool {
    matches!(reply, Reply::TimedOut { after_ms } if u128::from(*after_ms) < limit.as_millis())
}

/// The reliability case once the deadline may have cut it: its deliveries
/// cut short are not the receiver's failures. The case is graded on the
/// deliveries that did finish, and its note says how many of the 20 those
/// were ("cut short after 9 of 20"); only when none finished is it skipped
/// as out of time. Before, a receiver slow but sound (4 s an answer) was
/// failed with "1 × timed out" for the delivery the deadline stopped, and
/// then, once that was fixed, the case was skipped whole: the 57 s of
/// answers it had were thrown away.
fn cut_short(result: CaseResult, passed: bool, limit: Duration, out_of_time: &Note) -> CaseResult {
    if !passed || !result.replies.iter().any(|r| cut_by_deadline(r, limit)) {
        return result;
    }
    let done: Vec<Reply> = result
        .replies
        .into_iter()
        .filter(|r| !cut_by_deadline(r, limit))
        .collect();
    if done.is_empty() {
        return CaseResult::skipped(result.case, out_of_time.clone());
    }
    let (verdict, note) = grade_reliability(&done);
    CaseResult::new(result.case, done, verdict, Some(note))
}

/// Whether one attempt at a case should be sent again: it got a 5xx, or
/// its connection closed before an answer.
fn wants_resend(replies: &[Reply]) -> bool {
    replies.iter().any(Reply::is_failure_to_retry)
}

/// Whether the attempts at one case show a receiver that fails at random:
/// a 5xx or a dropped connection, then, to the same kind of delivery, an
/// answer that is neither.
fn failed_at_random(attempts: &[Vec<Reply>]) -> bool {
    attempts.len() > 1 && attempts.last().is_some_and(|last| !wants_resend(last))
}

/// The first case in `case`'s [`Case::needs_refused`] whose forgery was
/// accepted, if any: a 2xx to `case` would then prove nothing. For the
/// timing case a near miss accepted counts too ([`Note::PrefixAccepted`]):
/// its own forgeries are near misses, and would be accepted as well. Not
/// for the others: a receiver that compares a prefix of the MAC still
/// computes it over the raw bytes and tries each signature of a rotation.
fn forgery_accepted(case: Case, results: &[CaseResult]) -> Option<Case> {
    case.needs_refused().iter().copied().find(|needed| {
        results.iter().any(|r| {
            r.case == *needed
                && match &r.note {
                    Some(Note::Accepted) => true,
                    Some(Note::PrefixAccepted(_)) => case == Case::Timing,
                    _ => false,
                }
        })
    })
}

/// What a 2xx to one of `deliveries` (answered with `replies`, in order)
/// says: the first one accepted is a near miss ([`Note::PrefixAccepted`],
/// the receiver compares at most that prefix of the signature), or not
/// ([`Note::Accepted`]: it does not compare the signature at all).
pub fn which_forgery(replies: &[Reply], deliveries: &[crate::delivery::Delivery]) -> Note {
    let accepted = replies
        .iter()
        .zip(deliveries)
        .find(|(reply, _)| reply.is_success());
    match accepted.and_then(|(_, delivery)| delivery.shares) {
        Some(shares) if shares.chars > 0 => Note::PrefixAccepted(shares),
        _ => Note::Accepted,
    }
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
            Expectation::Accept | Expectation::Reliable => accept(reply),
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

/// The verdict on the attempts at `case`: each attempt one sending of its
/// deliveries, made again (fresh ids, the same change, signed anew) while
/// it got a 5xx or a dropped connection, [`MAX_ATTEMPTS`] at most. The last
/// attempt is graded with [`grade`]; a failure that the receiver gives at
/// random is not taken for its answer to the case. If even the last
/// attempt failed so, a case that expects a 2xx fails as a refusal only
/// when `intermittent` is `None` (no earlier case saw the receiver fail at
/// random): otherwise nobody can tell its refusal of the case's feature
/// from bad luck, and it warns, [`Note::Inconclusive`], naming the case
/// that saw it. A verdict reached after resends that has no note of its own
/// says how many failures came first and which case saw the receiver fail
/// at random first ([`Note::AfterResends`]; `None`: this one).
pub fn grade_attempts(
    case: Case,
    attempts: &[Vec<Reply>],
    intermittent: Option<Case>,
    limit: Duration,
) -> (Verdict, Option<Note>) {
    let Some(last) = attempts.last() else {
        return (Verdict::Skip, None);
    };
    let (verdict, note) = grade(case, last, limit);
    let still_failing = wants_resend(last);
    let expects_2xx = matches!(case.expectation(), Expectation::Accept | Expectation::Fast);
    if still_failing
        && expects_2xx
        && let Some(seen_in) = intermittent
    {
        let attempts = attempts.len();
        return (
            Verdict::Warn,
            Some(Note::Inconclusive { attempts, seen_in }),
        );
    }
    let resent = attempts.len() - 1;
    if !still_failing && resent > 0 {
        let seen_in = intermittent.filter(|seen| *seen != case);
        return (
            verdict,
            note.or(Some(Note::AfterResends { resent, seen_in })),
        );
    }
    (verdict, note)
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
        Reply::NoAnswer {
            cause: Cause::BodyTooLarge,
            ..
        } => (Verdict::Fail, Some(Note::AnswerTooLarge)),
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
        // Not an answer whose own body was over 1 MiB (a 200 echoing the
        // body): before, that passed with "closed the connection", beside
        // "answered with a body over 1 MiB".
        Reply::NoAnswer { .. } if case == Case::OversizedBody && reply.is_dropped() => {
            (Verdict::Pass, Some(Note::ClosedOnOversize))
        }
        Reply::NoAnswer {
            cause: Cause::BodyTooLarge,
            ..
        } => (Verdict::Warn, Some(Note::AnswerTooLarge)),
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
    if elapsed > limit.min(STRICTEST_SENDER_LIMIT) {
        (Verdict::Fail, Some(Note::TooSlow(ms)))
    } else if elapsed > FAST_ENOUGH {
        (Verdict::Warn, Some(Note::Slow(ms)))
    } else {
        (Verdict::Pass, None)
    }
}

/// Many genuine deliveries, one after another, each with a fresh id: the
/// share answered with a 5xx, a dropped connection or anything else but a
/// 2xx is the finding. Stops early at the deadline, or once it has used its
/// [`RELIABILITY_SHARE`] of the time left when it started, and says how
/// many were sent.
async fn reliability(
    target: &Target,
    signer: &mut Signer,
    budget: &Budget,
    planned: usize,
    progress: &dyn Progress,
) -> Result<CaseResult, CheckError> {
    let started = tokio::time::Instant::now();
    let share = budget.left().mul_f64(RELIABILITY_SHARE);
    let mut replies = Vec::with_capacity(RELIABILITY_DELIVERIES);
    for sent in 0..planned.min(RELIABILITY_DELIVERIES) {
        if sent > 0 && (budget.passed() || started.elapsed() >= share) {
            break;
        }
        for delivery in signer.deliveries(Case::Genuine, 0) {
            let headers = signer.headers(&delivery)?;
            replies.push(target.post(headers, delivery.body.clone()).await);
        }
        progress.requests_done(sent + 1, planned);
    }
    let (verdict, note) = grade_reliability(&replies);
    Ok(CaseResult::new(
        Case::Reliability,
        replies,
        verdict,
        Some(note),
    ))
}

/// The reliability case's verdict: a pass only when every genuine delivery
/// got a 2xx. Any other answer is a genuine event the sender must retry
/// (and, failing often enough, an endpoint a sender disables); the note
/// counts the 5xx, the dropped connections and the rest apart.
pub fn grade_reliability(replies: &[Reply]) -> (Verdict, Note) {
    let server_errors = replies.iter().filter(|r| r.is_server_error()).count();
    let dropped = replies.iter().filter(|r| r.is_dropped()).count();
    let other = replies
        .iter()
        .filter(|r| !r.is_success() && !r.is_failure_to_retry())
        .count();
    if server_errors + dropped + other == 0 {
        (Verdict::Pass, Note::Reliable(replies.len()))
    } else {
        (
            Verdict::Fail,
            Note::Unreliable {
                sent: replies.len(),
                server_errors,
                dropped,
                other,
            },
        )
    }
}

/// The same delivery twice; with a state URL, also whether it was processed
/// once. A pair with a 5xx (or a dropped connection) in it is sent again as
/// a fresh pair (a new id), as every case's is (see [`grade_attempts`]);
/// with a state URL, the count is read around the last pair, and reported
/// whatever the answers were (a pair refused with a 500 may still have been
/// processed, once or twice). Also says whether the pairs showed the
/// receiver failing at random.
async fn duplicate(
    target: &Target,
    signer: &mut Signer,
    state: Option<&StateProbe>,
    budget: &Budget,
    intermittent: Option<Case>,
) -> Result<(CaseResult, bool), CheckError> {
    let mut attempts = Vec::new();
    let before = loop {
        let before = match state {
            Some(probe) => Some(probe.settled().await),
            None => None,
        };
        let mut replies = Vec::new();
        for delivery in signer.deliveries(Case::Duplicate, 0) {
            let headers = signer.headers(&delivery)?;
            replies.push(target.post(headers, delivery.body.clone()).await);
        }
        let again = wants_resend(&replies);
        attempts.push(replies);
        if !again || attempts.len() >= MAX_ATTEMPTS || budget.passed() {
            break before;
        }
    };
    let at_random = failed_at_random(&attempts);
    let (verdict, note) = grade_attempts(
        Case::Duplicate,
        &attempts,
        intermittent,
        signer.scheme().sender_limit(),
    );
    let answered = verdict == Verdict::Pass;
    let mut result = CaseResult::from_attempts(Case::Duplicate, &attempts, verdict, note);
    let (Some(probe), Some(before)) = (state, before) else {
        if answered {
            result.note = result.note.or(Some(Note::StateNotGiven));
        }
        return Ok((result, at_random));
    };
    let watched = match before {
        Ok(before) => probe.watch(before).await.map(|after| (before, after)),
        Err(error) => Err(error),
    };
    match watched {
        // A failure of the answers is the finding; an unreadable count
        // only replaces a pass.
        Err(error) if answered => {
            result.verdict = Verdict::Warn;
            result.note = Some(Note::StateUnreadable(error));
        }
        Err(_) => {}
        Ok((before, after)) => {
            result.state = Some(StateChange { before, after });
            if answered {
                match after.saturating_sub(before) {
                    0 => {
                        result.verdict = Verdict::Warn;
                        result.note = Some(Note::NeverCounted);
                    }
                    1 => {}
                    _ => {
                        result.verdict = Verdict::Fail;
                        result.note = Some(Note::ProcessedTwice);
                    }
                }
            }
        }
    }
    Ok((result, at_random))
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
    fn a_reliability_delivery_cut_by_the_deadline_is_not_a_failure() {
        // A tester's finding: a receiver answering 200 after 4 s, cut by
        // `--deadline 20`, failed "3 × 200, 1 × timed out"; a later one:
        // the case was then skipped whole, its answers thrown away.
        let out = Note::OutOfTime(20);
        let cut = Reply::TimedOut { after_ms: 1_500 };
        let result = |replies: Vec<Reply>| {
            let (verdict, note) = grade_reliability(&replies);
            CaseResult::new(Case::Reliability, replies, verdict, Some(note))
        };
        let slow = result(
            vec![answered(200, 4_000); 3]
                .into_iter()
                .chain([cut.clone()])
                .collect(),
        );
        assert_eq!(
            slow.verdict,
            Verdict::Fail,
            "graded as before without the cut"
        );
        let graded = cut_short(slow, true, LIMIT, &out);
        assert_eq!(graded.verdict, Verdict::Pass);
        assert_eq!(graded.note, Some(Note::Reliable(3)));
        assert_eq!(graded.replies.len(), 3);
        // Nothing finished: nothing to grade.
        let none = result(vec![cut.clone()]);
        assert_eq!(
            cut_short(none, true, LIMIT, &out),
            CaseResult::skipped(Case::Reliability, out.clone())
        );
        // A failure among the finished deliveries stands, on those alone.
        let failing = result(vec![answered(200, 1), answered(500, 1), cut.clone()]);
        let graded = cut_short(failing, true, LIMIT, &out);
        assert_eq!(graded.verdict, Verdict::Fail);
        assert_eq!(graded.replies.len(), 2);
        // A timeout at the sender's own limit is the receiver's.
        let own = result(vec![answered(200, 1), Reply::TimedOut { after_ms: 10_000 }]);
        assert_eq!(cut_short(own, true, LIMIT, &out).verdict, Verdict::Fail);
    }

    #[test]
    fn accept_cases_pass_only_on_2xx() {
        let g = |r: Reply| grade(Case::Genuine, &[r], LIMIT);
        assert_eq!(g(answered(200, 1)), (Verdict::Pass, None));
        assert_eq!(g(answered(204, 1)), (Verdict::Pass, None));
        assert_eq!(g(answered(401, 1)), (Verdict::Fail, Some(Note::Refused)));
        assert_eq!(g(answered(302, 1)), (Verdict::Fail, Some(Note::Redirected)));
        assert_eq!(g(closed()), (Verdict::Fail, Some(Note::NoAnswer)));
        // A status came, with a body too large: not "no answer".
        let huge = Reply::NoAnswer {
            error: "answered 200 with a body over 1048576 bytes".into(),
            connect: false,
            cause: Cause::BodyTooLarge,
        };
        assert_eq!(g(huge), (Verdict::Fail, Some(Note::AnswerTooLarge)));
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
        // A tester's finding: 12 s passed a Standard Webhooks receiver
        // (Svix waits 15 s) with no word of GitHub's 10 s. Past GitHub's
        // limit fails, whatever the scheme's own.
        let svix = Duration::from_secs(15);
        assert_eq!(
            grade(Case::AnswersFast, &[answered(200, 12_000)], svix),
            (Verdict::Fail, Some(Note::TooSlow(12_000)))
        );
        assert_eq!(
            grade(Case::AnswersFast, &[answered(200, 9_000)], svix),
            (Verdict::Warn, Some(Note::Slow(9_000)))
        );
    }

    #[test]
    fn a_5xx_then_another_answer_grades_the_other_answer() {
        let attempts = [vec![answered(500, 1)], vec![answered(200, 1)]];
        assert_eq!(
            grade_attempts(Case::KeyRotation, &attempts, None, LIMIT),
            (
                Verdict::Pass,
                Some(Note::AfterResends {
                    resent: 1,
                    seen_in: None
                })
            )
        );
        let attempts = [vec![answered(503, 1)], vec![answered(200, 1)]];
        assert_eq!(
            grade_attempts(Case::ForgedSignature, &attempts, None, LIMIT),
            (Verdict::Fail, Some(Note::Accepted))
        );
        assert!(failed_at_random(&attempts));
        assert!(!failed_at_random(&attempts[..1]));
    }

    #[test]
    fn a_5xx_every_time_is_a_refusal_only_from_a_receiver_that_does_not_fail_at_random() {
        let attempts = vec![vec![answered(500, 1)]; MAX_ATTEMPTS];
        let seen = Some(Case::Reliability);
        let inconclusive = Note::Inconclusive {
            attempts: MAX_ATTEMPTS,
            seen_in: Case::Reliability,
        };
        assert_eq!(
            grade_attempts(Case::RawBytes, &attempts, None, LIMIT),
            (Verdict::Fail, Some(Note::Refused))
        );
        assert_eq!(
            grade_attempts(Case::RawBytes, &attempts, seen, LIMIT),
            (Verdict::Warn, Some(inconclusive.clone()))
        );
        assert_eq!(
            grade_attempts(Case::AnswersFast, &attempts, seen, LIMIT),
            (Verdict::Warn, Some(inconclusive))
        );
        // A refusal with a 5xx stays what it was: a warning.
        assert_eq!(
            grade_attempts(Case::ForgedSignature, &attempts, seen, LIMIT),
            (Verdict::Warn, Some(Note::RefusedWith5xx))
        );
    }

    #[test]
    fn reliability_passes_only_when_every_genuine_delivery_got_a_2xx() {
        let mut replies = vec![answered(200, 1); 14];
        assert_eq!(
            grade_reliability(&replies),
            (Verdict::Pass, Note::Reliable(14))
        );
        replies.extend(vec![answered(500, 1); 4]);
        replies.push(closed());
        replies.push(answered(401, 1));
        assert_eq!(
            grade_reliability(&replies),
            (
                Verdict::Fail,
                Note::Unreliable {
                    sent: 20,
                    server_errors: 4,
                    dropped: 1,
                    other: 1
                }
            )
        );
    }

    #[test]
    fn a_dropped_connection_is_sent_again_like_a_5xx() {
        // A tester's finding: a receiver closing half its connections
        // failed the genuine case, and had every other case skipped, on
        // the first request's luck.
        let attempts = [vec![closed()], vec![closed()], vec![answered(200, 1)]];
        assert!(wants_resend(&attempts[0]));
        assert!(failed_at_random(&attempts));
        assert_eq!(
            grade_attempts(Case::Genuine, &attempts, None, LIMIT),
            (
                Verdict::Pass,
                Some(Note::AfterResends {
                    resent: 2,
                    seen_in: None
                })
            )
        );
        // Not a refused connection, nor an answer too large: those say
        // something of the receiver every time.
        let refused = Reply::NoAnswer {
            error: "Connection refused".into(),
            connect: true,
            cause: Cause::ConnectionRefused,
        };
        assert!(!wants_resend(&[refused]));
    }

    #[test]
    fn the_note_after_resends_names_the_case_that_first_saw_the_failure() {
        // A tester's finding: one 500, to the first duplicate, gave the
        // duplicate case the note "the receiver fails at random (see
        // \"accepts every genuine delivery\")", whose 20 all got a 2xx.
        let attempts = [
            vec![answered(200, 1), answered(500, 1)],
            vec![answered(200, 1); 2],
        ];
        let note = |seen| grade_attempts(Case::Duplicate, &attempts, seen, LIMIT).1;
        let here = Some(Note::AfterResends {
            resent: 1,
            seen_in: None,
        });
        assert_eq!(note(None), here);
        // Its own name is not "another case".
        assert_eq!(note(Some(Case::Duplicate)), here);
        assert_eq!(
            note(Some(Case::ForgedSignature)),
            Some(Note::AfterResends {
                resent: 1,
                seen_in: Some(Case::ForgedSignature)
            })
        );
    }

    #[test]
    fn the_first_forgery_accepted_says_how_much_of_the_signature_is_compared() {
        use crate::case::SharedPrefix;
        use crate::delivery::Delivery;
        let forgery = |shares| Delivery {
            id: "msg".into(),
            timestamp: 0,
            event: String::new(),
            body: bytes::Bytes::new(),
            signature: Some("v1,x".into()),
            shares,
        };
        let half = SharedPrefix { chars: 21, of: 44 };
        let last = SharedPrefix { chars: 41, of: 44 };
        let sent = [forgery(None), forgery(Some(half)), forgery(Some(last))];
        let said = |statuses: [u16; 3]| {
            let replies: Vec<_> = statuses.iter().map(|s| answered(*s, 1)).collect();
            which_forgery(&replies, &sent)
        };
        // Random bytes taken: the signature is not compared at all.
        assert_eq!(said([200, 200, 200]), Note::Accepted);
        // The shortest genuine prefix taken is the finding.
        assert_eq!(said([401, 200, 200]), Note::PrefixAccepted(half));
        assert_eq!(said([401, 401, 200]), Note::PrefixAccepted(last));
        // A forgery wrong from its first character is no prefix.
        let first = [forgery(Some(SharedPrefix { chars: 0, of: 44 }))];
        assert_eq!(which_forgery(&[answered(200, 1)], &first), Note::Accepted);
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
