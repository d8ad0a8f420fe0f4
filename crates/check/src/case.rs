//! The battery: every case `hooklab check` runs, as data.
//!
//! A [`Case`] is one question asked of a receiver ("does it refuse a forged
//! signature?"). Each has a stable id (for JSON and for the docs' anchors),
//! an [`Expectation`] that says how its answer is graded, and texts in
//! English and Portuguese ([`crate::text`]). What is sent for each case is
//! built in [`crate::delivery`]; how it is sent and timed, in
//! [`crate::battery`]. A [`CaseResult`] is one graded case: what came back,
//! the [`Verdict`] and, when the verdict needs one, a [`Note`].

use crate::target::Reply;
use serde::Serialize;

/// One case of the battery, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Case {
    /// A delivery signed exactly as the sender would sign it.
    Genuine,
    /// Many genuine deliveries in a row: does every one get a 2xx, or do
    /// some get a 5xx at random?
    Reliability,
    /// Forged signatures of the right form: one of random bytes, and two
    /// near misses, the genuine signature with its second half or only its
    /// last byte changed (a receiver that compares a prefix takes those).
    ForgedSignature,
    /// A well-formed signature made with a secret that is not the receiver's.
    WrongSecret,
    /// A genuine signature over a body that was then changed by one byte.
    TamperedBody,
    /// No signature header at all.
    NoSignature,
    /// The right signature under a version label the receiver must not know.
    UnknownVersion,
    /// A signature header with nothing in it.
    EmptySignature,
    /// A genuine signature over a timestamp six minutes old.
    StaleTimestamp,
    /// A genuine signature over a timestamp six minutes ahead.
    FutureTimestamp,
    /// Two signatures, one made with another secret and one genuine.
    KeyRotation,
    /// A genuine delivery whose JSON has odd whitespace and key order.
    RawBytes,
    /// A genuine delivery, timed.
    AnswersFast,
    /// The same genuine delivery twice.
    Duplicate,
    /// A genuine delivery of an event type the receiver cannot know.
    UnknownEvent,
    /// A genuinely signed body that is not JSON.
    NotJson,
    /// A genuinely signed JSON body one byte over the size limit.
    OversizedBody,
    /// Forged signatures wrong in the first byte against ones wrong in the last.
    Timing,
}

/// How a case's answer is graded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// The receiver must answer 2xx; anything else fails.
    Accept,
    /// The receiver must answer 4xx; a 2xx fails, anything else warns.
    Refuse,
    /// The receiver should answer 4xx; anything else only warns.
    RefuseOrWarn,
    /// Graded on the time to a 2xx against the senders' limits.
    Fast,
    /// Graded by a statistical comparison of answer times, and failed if
    /// one of its forgeries gets a 2xx.
    Timing,
    /// Graded on the share of many genuine deliveries that got a 2xx.
    Reliable,
}

impl Case {
    /// Every case, in the order the battery runs them. The refusals come
    /// right after the genuine case: a receiver refuses a forgery before it
    /// does any slow work, so they are quick whatever the receiver's speed,
    /// and a short `--deadline` still asks them (before, a receiver taking
    /// 3 s an answer spent a 60 s deadline on the reliability case's 20
    /// deliveries and no forgery was ever sent). Their grades do not depend
    /// on whether the receiver fails at random (a refusal with a 5xx warns
    /// either way). The reliability case comes next, before the cases that
    /// must be accepted, so that those know whether a 5xx may be one of the
    /// receiver's intermittent failures. The oversized body may break a
    /// connection and the timing case sends hundreds of requests, so both
    /// come last.
    pub const ALL: [Case; 18] = [
        Case::Genuine,
        Case::ForgedSignature,
        Case::WrongSecret,
        Case::TamperedBody,
        Case::NoSignature,
        Case::UnknownVersion,
        Case::EmptySignature,
        Case::StaleTimestamp,
        Case::FutureTimestamp,
        Case::Reliability,
        Case::KeyRotation,
        Case::RawBytes,
        Case::AnswersFast,
        Case::Duplicate,
        Case::UnknownEvent,
        Case::NotJson,
        Case::OversizedBody,
        Case::Timing,
    ];

    /// The stable id, used in JSON output and as the docs' section names.
    pub fn id(self) -> &'static str {
        match self {
            Case::Genuine => "genuine",
            Case::Reliability => "reliability",
            Case::ForgedSignature => "forged-signature",
            Case::WrongSecret => "wrong-secret",
            Case::TamperedBody => "tampered-body",
            Case::NoSignature => "no-signature",
            Case::UnknownVersion => "unknown-version",
            Case::EmptySignature => "empty-signature",
            Case::StaleTimestamp => "stale-timestamp",
            Case::FutureTimestamp => "future-timestamp",
            Case::KeyRotation => "key-rotation",
            Case::RawBytes => "raw-bytes",
            Case::AnswersFast => "answers-fast",
            Case::Duplicate => "duplicate",
            Case::UnknownEvent => "unknown-event",
            Case::NotJson => "not-json",
            Case::OversizedBody => "oversized-body",
            Case::Timing => "timing",
        }
    }

    /// How this case's answer is graded.
    pub fn expectation(self) -> Expectation {
        match self {
            Case::Genuine
            | Case::KeyRotation
            | Case::RawBytes
            | Case::Duplicate
            | Case::UnknownEvent => Expectation::Accept,
            Case::ForgedSignature
            | Case::WrongSecret
            | Case::TamperedBody
            | Case::NoSignature
            | Case::UnknownVersion
            | Case::EmptySignature
            | Case::StaleTimestamp
            | Case::FutureTimestamp => Expectation::Refuse,
            Case::NotJson | Case::OversizedBody => Expectation::RefuseOrWarn,
            Case::AnswersFast => Expectation::Fast,
            Case::Timing => Expectation::Timing,
            Case::Reliability => Expectation::Reliable,
        }
    }

    /// Whether a refusal in this case only means something if the receiver
    /// accepts genuine deliveries: a receiver that refuses everything
    /// "refuses a forgery" too, and that proves nothing.
    pub fn needs_genuine_accepted(self) -> bool {
        !matches!(self.expectation(), Expectation::Accept)
    }

    /// The cases whose forgeries must have been refused for this case to
    /// mean anything. A receiver that checks no signature accepts a key
    /// rotation and odd JSON bytes too, and that proves nothing: the key
    /// rotation means something only if a forgery and another secret's
    /// signature are refused, the raw bytes only if a forgery and a changed
    /// body are. The timing case times refusals of signatures whose MAC is
    /// wrong by one byte: once a random MAC, a near miss (see
    /// [`Case::ForgedSignature`]) or another secret's was accepted, its
    /// hundreds of forgeries would be accepted too (each one an event a
    /// student's receiver acts on and prints), and there is no refusal to
    /// time. Both are known before the case sends anything, so
    /// it is skipped before it does. (Not a changed body's: a receiver that
    /// signs the wrong bytes may still compare MACs, and that comparison is
    /// what the case times.)
    pub fn needs_refused(self) -> &'static [Case] {
        match self {
            Case::KeyRotation => &[Case::ForgedSignature, Case::WrongSecret],
            Case::RawBytes => &[Case::ForgedSignature, Case::TamperedBody],
            Case::Timing => &[Case::ForgedSignature, Case::WrongSecret],
            _ => &[],
        }
    }

    /// Whether a 5xx, or a connection dropped before an answer, to this
    /// case is sent again (see [`crate::battery`]). Not the oversized body,
    /// which is graded a warning either way (closing on it is a refusal)
    /// and may be tens of megabytes; not the timing case, graded on times;
    /// not the reliability case, which counts them.
    pub fn resends_on_5xx(self) -> bool {
        !matches!(self, Case::OversizedBody | Case::Timing | Case::Reliability)
    }
}

/// A case's grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The receiver did what a sender and a careful engineer expect.
    Pass,
    /// The receiver loses events or accepts what it must not.
    Fail,
    /// Not wrong enough to fail, but worth fixing (or, for timing, a hint).
    Warn,
    /// Not applicable to this scheme, or meaningless given another result.
    Skip,
}

/// Why a verdict is what it is, when the case's own sentence is not enough.
/// Rendered in the chosen language by [`crate::text::note`].
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// A refusal came as a 5xx: senders retry those as if the receiver were down.
    RefusedWith5xx,
    /// A 3xx: senders follow no redirects, so it counts as a failed delivery.
    Redirected,
    /// The receiver accepted (2xx) what it should have refused.
    Accepted,
    /// The receiver refused (non-2xx) what it should have accepted.
    Refused,
    /// No whole answer: the connection failed or closed before the answer
    /// ended (before its status, or in its body).
    NoAnswer,
    /// A status came back, with a body over the cap a sender reads: the
    /// sender counts the delivery failed.
    AnswerTooLarge,
    /// No answer within the sender's limit, in seconds.
    TimedOut(u64),
    /// The oversized body was refused by closing the connection.
    ClosedOnOversize,
    /// The genuine delivery was answered 404: nothing is at the URL's path
    /// (said on the genuine case's own line).
    NothingAtPath,
    /// The genuine delivery was answered 401 or 403 (this status): the
    /// receiver did not take the signature, so `--secret` or `--scheme` is
    /// likely wrong (said on the genuine case's own line).
    SignatureRefused(u16),
    /// The genuine delivery got this 5xx to every attempt: the receiver
    /// fails on a genuine delivery (an exception, a crash), which its own
    /// log says more of than `--secret` or the URL (said on the genuine
    /// case's own line).
    GenuineServerError(u16),
    /// The genuine delivery was refused with this status, so this refusal
    /// proves nothing.
    GenuineRefused(u16),
    /// The genuine delivery got no answer (the connection ended early).
    GenuineNoAnswer(crate::target::Cause),
    /// The genuine delivery got no answer within the sender's limit, in
    /// seconds: every further case is skipped, as each would wait as long.
    GenuineTimedOut(u64),
    /// The battery's deadline (`--deadline`, in seconds) passed before this
    /// case started: a slow receiver would keep it busy for many minutes.
    OutOfTime(u64),
    /// The battery's deadline (`--deadline`, in seconds) passed while this
    /// case waited for an answer: it started, and was cut short. Its
    /// replies so far are kept; the battery did not finish.
    CutByDeadline(u64),
    /// GitHub sends no timestamp.
    GithubHasNoTimestamp,
    /// GitHub signs with one secret at a time.
    GithubHasNoRotation,
    /// Answered after more than a second, in milliseconds.
    Slow(u64),
    /// Answered after more than the sender's limit, in milliseconds.
    TooSlow(u64),
    /// Without `--state-url`, only the answers were checked.
    StateNotGiven,
    /// The state URL counted the event twice.
    ProcessedTwice,
    /// The state URL did not count the event at all.
    NeverCounted,
    /// The state URL did not answer as documented; holds why.
    StateUnreadable(crate::state::StateError),
    /// First-byte forgeries were answered significantly faster.
    TimingDifference,
    /// No significant difference was found.
    TimingNoDifference,
    /// Too few answers were timed to compare.
    TimingTooFew,
    /// The timing case was turned off (`--timing-samples 0`).
    TimingOff,
    /// Skipped: the receiver refuses a forgery in this many milliseconds,
    /// too slowly for the fewest forgeries the case compares to fit in its
    /// 30 s (see [`crate::pace::timing_samples`]). A reason of the
    /// receiver's pace, known before the case sends anything: no
    /// `--deadline` changes it, and the battery is not incomplete for it.
    TimingTooSlow(u64),
    /// Skipped: an earlier case's forgery was accepted (known before the
    /// timing case sends anything), so its forgeries would be too and
    /// there is no refusal to time. Only an earlier case's failure gives
    /// this note; a forgery of the timing case's own that gets a 2xx fails
    /// it ([`Note::PrefixAccepted`], or [`Note::Accepted`]).
    TimingAccepted,
    /// A forgery that shares its first characters with the genuine
    /// signature got a 2xx: the receiver compares only a prefix (or less)
    /// of the signature.
    PrefixAccepted(SharedPrefix),
    /// The reliability case: of `sent` genuine deliveries, `server_errors`
    /// got a 5xx, `dropped` lost their connection before an answer (closed
    /// or reset), and `other` another answer that is not a 2xx (a 4xx, a
    /// time-out). `sent` under [`crate::battery::RELIABILITY_DELIVERIES`]
    /// means the deadline cut the case short.
    Unreliable {
        /// Genuine deliveries sent (and answered or failed, not cut).
        sent: usize,
        /// Of them, answered with a 5xx.
        server_errors: usize,
        /// Of them, no answer: the connection closed or reset.
        dropped: usize,
        /// Of them, answered otherwise but not with a 2xx.
        other: usize,
    },
    /// The reliability case passed: every one of this many genuine
    /// deliveries got a 2xx (a rarer failure can still go unseen). Under
    /// [`crate::battery::RELIABILITY_DELIVERIES`]: cut short by the deadline.
    Reliable(usize),
    /// The first `resent` attempts got a 5xx or lost their connection; the
    /// answer graded is that of the attempt after them (the receiver fails
    /// intermittently). `seen_in` is the case that first saw the receiver
    /// fail at random, or `None` when this case is the first.
    AfterResends {
        /// Attempts before the one graded.
        resent: usize,
        /// An earlier case that saw the receiver fail at random.
        seen_in: Option<Case>,
    },
    /// Every one of `attempts` got a 5xx (or lost its connection), and the
    /// receiver fails at random elsewhere too (first seen in `seen_in`):
    /// whether it refuses this case's feature or failed each time by chance
    /// cannot be told.
    Inconclusive {
        /// Attempts sent, all failed.
        attempts: usize,
        /// The case that first saw the receiver fail at random.
        seen_in: Case,
    },
    /// Skipped: this case's forgery was accepted, so a 2xx here proves
    /// nothing (the receiver does not check signatures).
    SignaturesNotChecked(Case),
}

/// How much of a forged signature is the genuine one's: its first `chars`
/// characters of `of`, as encoded after the label (base64 after `v1,`, hex
/// after `sha256=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedPrefix {
    /// Leading characters equal to the genuine signature's.
    pub chars: usize,
    /// Characters in the genuine signature's MAC.
    pub of: usize,
}

/// How the idempotency of a duplicate was seen through `--state-url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StateChange {
    /// `processed` just before the first of the two deliveries.
    pub before: u64,
    /// The highest `processed` seen after both.
    pub after: u64,
}

/// What the timing case measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimingStats {
    /// Answers timed in each group.
    pub samples: usize,
    /// Median time to answer a forgery wrong in its first byte, in microseconds.
    pub median_first_us: f64,
    /// Median time to answer a forgery wrong in its last byte, in microseconds.
    pub median_last_us: f64,
    /// The Mann-Whitney U test's two-sided p-value for "same distribution".
    pub p_value: f64,
}

/// One graded case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// Which case.
    pub case: Case,
    /// What came back, one entry per request sent (none when skipped; the
    /// timing case keeps only its summary in `timing`).
    pub replies: Vec<Reply>,
    /// How many times the case's deliveries were sent: more than 1 when
    /// they were made again after a 5xx or a dropped connection (see
    /// [`crate::battery::grade_attempts`]), so `replies` holds every
    /// attempt's answers, in order. 1 for a case sent once or not resent
    /// (the reliability and timing cases), 0 for a skipped one.
    pub attempts: usize,
    /// The grade.
    pub verdict: Verdict,
    /// Why, when the case's own sentence is not enough.
    pub note: Option<Note>,
    /// For the duplicate case with `--state-url`: the count before and after.
    pub state: Option<StateChange>,
    /// For the timing case: what was measured.
    pub timing: Option<TimingStats>,
}

impl CaseResult {
    /// A result with replies and a verdict, and nothing else.
    pub fn new(case: Case, replies: Vec<Reply>, verdict: Verdict, note: Option<Note>) -> Self {
        CaseResult {
            case,
            attempts: usize::from(!replies.is_empty()),
            replies,
            verdict,
            note,
            state: None,
            timing: None,
        }
    }

    /// A skipped case.
    pub fn skipped(case: Case, note: Note) -> Self {
        CaseResult::new(case, Vec::new(), Verdict::Skip, Some(note))
    }

    /// A result graded on `attempts`, each one sending of the case's
    /// deliveries, their answers kept in order.
    pub fn from_attempts(
        case: Case,
        attempts: &[Vec<Reply>],
        verdict: Verdict,
        note: Option<Note>,
    ) -> Self {
        let mut result = CaseResult::new(case, attempts.concat(), verdict, note);
        result.attempts = attempts.len();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let ids: HashSet<_> = Case::ALL.iter().map(|c| c.id()).collect();
        assert_eq!(ids.len(), Case::ALL.len());
        for id in ids {
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id}"
            );
        }
    }

    #[test]
    fn only_refusals_and_timing_depend_on_the_genuine_case() {
        assert!(!Case::Genuine.needs_genuine_accepted());
        assert!(!Case::Duplicate.needs_genuine_accepted());
        assert!(Case::ForgedSignature.needs_genuine_accepted());
        assert!(Case::NotJson.needs_genuine_accepted());
        assert!(Case::Timing.needs_genuine_accepted());
        assert!(Case::AnswersFast.needs_genuine_accepted());
        assert!(Case::Reliability.needs_genuine_accepted());
    }

    #[test]
    fn the_quick_refusals_run_before_the_long_cases() {
        // A tester's finding: with a receiver taking 3 s an answer and
        // `--deadline 60`, the reliability case (20 deliveries) used the
        // whole deadline and no forgery was ever sent.
        let at = |case| Case::ALL.iter().position(|c| *c == case).unwrap();
        for refusal in Case::ALL
            .into_iter()
            .filter(|c| c.expectation() == Expectation::Refuse)
        {
            assert!(at(refusal) < at(Case::Reliability), "{refusal:?}");
            assert!(at(refusal) < at(Case::Timing), "{refusal:?}");
        }
        // The cases that must be accepted still come after the reliability
        // case, which tells them whether a 5xx may be bad luck.
        for accepted in [Case::KeyRotation, Case::RawBytes, Case::Duplicate] {
            assert!(at(Case::Reliability) < at(accepted), "{accepted:?}");
        }
    }

    #[test]
    fn the_cases_a_pass_depends_on_run_before_it() {
        for (index, case) in Case::ALL.iter().enumerate() {
            for needed in case.needs_refused() {
                let at = Case::ALL.iter().position(|c| c == needed).unwrap();
                assert!(at < index, "{case:?} needs {needed:?}");
            }
        }
    }
}
