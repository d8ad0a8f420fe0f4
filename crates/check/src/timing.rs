//! The timing case: does refusing a forgery take longer the more of it is right?
//!
//! A signature compared with `==` is refused at the first wrong byte, so a
//! forgery wrong only in its last byte takes a little longer to refuse than
//! one wrong in its first. [`run`] sends a few hundred of each, interleaved,
//! and compares the two groups' answer times with the Mann-Whitney U test
//! ([`crate::stats`]). On loopback, the nanoseconds a `==` costs drown in
//! tens of microseconds of noise: a pass is a hint, not a proof, and a
//! difference only warns. One thing fails the case: a forgery of its own
//! that gets a 2xx (a receiver comparing a prefix of the signature takes
//! the last-byte ones).

use crate::battery::{CheckError, Progress};
use crate::case::{Case, CaseResult, Note, TimingStats, Verdict};
use crate::delivery::{Delivery, Signer};
use crate::stats;
use crate::target::{Reply, Target};
use std::time::Duration;
use tokio::time::Instant;

/// The significance level. Strict, because loopback is noisy
/// and a warning should be worth a look.
pub const TIMING_ALPHA: f64 = 0.001;

pub use crate::pace::{TIMING_BUDGET, TIMING_MIN_SAMPLES, TIMING_WARMUP};

/// Forgeries wrong in the first byte against forgeries wrong in the last,
/// interleaved (alternating which goes first) so that drift in the
/// machine's speed falls on both groups alike; `left` is what remains of the
/// battery's deadline, and sampling (warm-up included) stops at it.
pub async fn run(
    target: &Target,
    signer: &mut Signer,
    samples: usize,
    left: Duration,
    progress: &dyn Progress,
) -> Result<CaseResult, CheckError> {
    if samples == 0 {
        return Ok(CaseResult::skipped(Case::Timing, Note::TimingOff));
    }
    let (first, last) = signer.timing_pair();
    let (first_headers, last_headers) = (signer.headers(&first)?, signer.headers(&last)?);
    let budget = TIMING_BUDGET.min(left);
    let started = Instant::now();
    // The battery skips this case when an earlier forgery was accepted
    // ([`Case::needs_refused`]); a receiver that took none of those but
    // takes one of these fails at its first 2xx, and is sent no more:
    // each forgery accepted is an event it acts on (before, all 410 were
    // sent first, and a student's receiver printed each one). A fail, not
    // a skip: before, a receiver comparing the first 8 characters of the
    // signature accepted the last-byte forgeries here and read "skipped:
    // forged signatures were accepted", with 0 cases failed and exit 0.
    let accepted = |reply: Reply, forged: &Delivery| {
        let note = crate::battery::which_forgery(
            std::slice::from_ref(&reply),
            std::slice::from_ref(forged),
        );
        Ok(CaseResult::new(
            Case::Timing,
            vec![reply],
            Verdict::Fail,
            Some(note),
        ))
    };
    for _ in 0..TIMING_WARMUP {
        if started.elapsed() > budget {
            break;
        }
        let reply = target.post(first_headers.clone(), first.body.clone()).await;
        if reply.is_success() {
            return accepted(reply, &first);
        }
    }
    let mut first_us = Vec::with_capacity(samples);
    let mut last_us = Vec::with_capacity(samples);
    for i in 0..samples {
        for first_group in [i % 2 == 0, i % 2 == 1] {
            let (headers, group, forged) = if first_group {
                (&first_headers, &mut first_us, &first)
            } else {
                (&last_headers, &mut last_us, &last)
            };
            let reply = target.post(headers.clone(), first.body.clone()).await;
            if reply.is_success() {
                return accepted(reply, forged);
            }
            if let Reply::Answered { elapsed_us, .. } = reply {
                group.push(elapsed_us as f64);
            }
        }
        progress.requests_done(2 * (i + 1), 2 * samples);
        if started.elapsed() > budget {
            break;
        }
    }
    let (Some(median_first_us), Some(median_last_us)) =
        (stats::median(&first_us), stats::median(&last_us))
    else {
        return Ok(CaseResult::skipped(Case::Timing, Note::TimingTooFew));
    };
    if first_us.len().min(last_us.len()) < TIMING_MIN_SAMPLES {
        return Ok(CaseResult::skipped(Case::Timing, Note::TimingTooFew));
    }
    let p_value = stats::mann_whitney_p(&first_us, &last_us);
    // Only one direction is the leak: a comparison that stops at the first
    // wrong byte answers first-byte forgeries sooner.
    let leak = p_value < TIMING_ALPHA && median_first_us < median_last_us;
    let (verdict, note) = if leak {
        (Verdict::Warn, Note::TimingDifference)
    } else {
        (Verdict::Pass, Note::TimingNoDifference)
    };
    let mut result = CaseResult::new(Case::Timing, Vec::new(), verdict, Some(note));
    result.timing = Some(TimingStats {
        samples: first_us.len().min(last_us.len()),
        median_first_us,
        median_last_us,
        p_value,
    });
    Ok(result)
}
