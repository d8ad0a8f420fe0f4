//! How fast the receiver answers, and how the battery fits a slow one into
//! its deadline.
//!
//! A correct receiver may be slow: a student's first receiver often does
//! its work (a database write, an e-mail) before it answers. Before, such a
//! receiver met the battery's fixed sizes: one taking 2.5 s an answer made
//! the battery run past its own 120 s deadline (exit 1, "incomplete", a
//! tool failure and no grade), and one taking 12 s spent the deadline on
//! the reliability case and never reached the cases after it. Now the
//! battery measures the receiver's pace on its own deliveries, the genuine
//! one first ([`Pace::accept_us`]) and then the refusals
//! ([`Pace::refuse_us`]), and sizes its two long cases from it:
//!
//! - the reliability case sends as many of its 20 deliveries as leave time
//!   for the cases after it ([`reliability_deliveries`]);
//! - the timing case sends as many forgeries as fit in its 30 s, and is
//!   skipped, for a reason of its own, when not even the fewest it can
//!   compare fit ([`timing_samples`]): seconds of answer time hide the
//!   nanoseconds a `==` leaks anyway.
//!
//! What was cut, and the `--deadline` that would send it all
//! ([`Pace::full_secs`]), is said on the scorecard's pace line and in the
//! JSON's `pace`. Estimates only size the cases; every grade is still on
//! the answers that came back.

use crate::battery::RELIABILITY_DELIVERIES;
use crate::case::{Case, CaseResult, Expectation};
use crate::target::Reply;
use serde::Serialize;
use std::time::Duration;

/// Requests the timing case sends before it measures (its warm-up).
pub const TIMING_WARMUP: usize = 10;

/// Fewer timed answers per group than this, and the timing case cannot
/// compare: it is skipped.
pub const TIMING_MIN_SAMPLES: usize = 20;

/// The longest the timing case samples, whatever the deadline.
pub const TIMING_BUDGET: Duration = Duration::from_secs(30);

/// What the duplicate case waits on a state URL besides its answers: the
/// count settling (at most 2 s) and the watch after the pair (1 s).
const STATE_WAIT: Duration = Duration::from_secs(3);

/// The receiver's pace, and what the battery made of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Pace {
    /// The time to the whole answer to the genuine delivery, in
    /// microseconds: what every delivery the receiver accepts is expected
    /// to take.
    pub accept_us: u64,
    /// The median time to answer the refusal cases' deliveries, in
    /// microseconds (`None` before they ran, or if none was answered).
    pub refuse_us: Option<u64>,
    /// The reliability case's deliveries, as planned from the pace (of
    /// [`RELIABILITY_DELIVERIES`]); `None` if it did not run.
    pub reliability_planned: Option<usize>,
    /// The timing case's forgeries per group, as planned from the pace (of
    /// `timing_asked`); `None` if it did not run, 0 when it was skipped as
    /// too slow to time.
    pub timing_planned: Option<usize>,
    /// The forgeries per group asked for (`--timing-samples`).
    pub timing_asked: usize,
    /// The battery's deadline, in seconds.
    pub deadline_secs: u64,
    /// About how long, in seconds, a battery at this pace takes with every
    /// case in full: the `--deadline` to give for all of them.
    pub full_secs: u64,
}

impl Pace {
    /// The pace of a receiver that answered the genuine delivery in `accept`.
    pub fn new(accept: Duration, timing_asked: usize, deadline: Duration) -> Self {
        Pace {
            accept_us: micros(accept),
            timing_asked,
            deadline_secs: deadline.as_secs(),
            ..Pace::default()
        }
    }

    /// The genuine delivery's answer time.
    pub fn accept(&self) -> Duration {
        Duration::from_micros(self.accept_us)
    }

    /// A refusal's answer time, or the genuine one's before any is known.
    pub fn refuse(&self) -> Duration {
        Duration::from_micros(self.refuse_us.unwrap_or(self.accept_us))
    }

    /// Whether the battery sent less than was asked of its long cases.
    pub fn reduced(&self) -> bool {
        self.reliability_planned
            .is_some_and(|n| n < RELIABILITY_DELIVERIES)
            || self.timing_planned.is_some_and(|n| n < self.timing_asked)
    }

    /// The time `requests` answers take at `each`.
    fn time(each: Duration, requests: usize) -> Duration {
        each.saturating_mul(u32::try_from(requests).unwrap_or(u32::MAX))
    }

    /// Records the refusal cases' pace from `results` (the median answer
    /// time of their answered deliveries).
    pub fn measure_refusals(&mut self, results: &[CaseResult]) {
        let refusals = |r: &&CaseResult| r.case.expectation() == Expectation::Refuse;
        self.refuse_us = median_us(results.iter().filter(refusals), |_| true);
    }

    /// Records the pace of accepted deliveries from `results`: the median
    /// time of every 2xx to a genuine delivery (the genuine case, the
    /// reliability case and the cases that must be accepted), so that one
    /// slow first answer (a cold start) is not taken for the receiver's
    /// pace on the scorecard. Kept when there is none.
    pub fn measure_accepts(&mut self, results: &[CaseResult]) {
        let accepted = |r: &&CaseResult| {
            matches!(
                r.case.expectation(),
                Expectation::Accept | Expectation::Fast | Expectation::Reliable
            )
        };
        let measured = median_us(results.iter().filter(accepted), Reply::is_success);
        self.accept_us = measured.unwrap_or(self.accept_us);
    }

    /// What the cases after the reliability case (but the timing case)
    /// need at this pace: each of their requests at the pace of its kind,
    /// and the state URL's waits.
    fn after_reliability(&self, cases: &[Case], state: bool) -> Duration {
        let mut need = Duration::ZERO;
        for case in cases {
            let each = match case.expectation() {
                Expectation::Accept | Expectation::Fast => self.accept(),
                _ => self.refuse(),
            };
            need += Pace::time(each, requests(*case));
            if *case == Case::Duplicate && state {
                need += STATE_WAIT;
            }
        }
        need
    }

    /// Estimates [`Pace::full_secs`] at the reliability case's start:
    /// what has run (`elapsed`), the reliability case's 20 deliveries,
    /// `after` (the cases after it) and the timing case in full (at most
    /// its 30 s), with a tenth more for the estimate's error, rounded up
    /// to ten seconds.
    fn estimate_full(&mut self, elapsed: Duration, after: Duration, timing: bool) {
        let reliability = Pace::time(self.accept(), RELIABILITY_DELIVERIES);
        let timing = if timing {
            Pace::time(self.refuse(), TIMING_WARMUP + 2 * self.timing_asked).min(TIMING_BUDGET)
        } else {
            Duration::ZERO
        };
        let total = (elapsed + reliability + after + timing).mul_f64(1.1);
        self.full_secs = total.as_secs().div_ceil(10).max(1) * 10;
    }
}

/// The requests one round of `case` sends (the reliability and timing
/// cases are sized apart).
fn requests(case: Case) -> usize {
    match case {
        Case::ForgedSignature => 3,
        Case::Duplicate => 2,
        Case::Reliability | Case::Timing => 0,
        _ => 1,
    }
}

/// How many deliveries the reliability case sends: all 20 when they fit,
/// else as many as leave the cases after it (`after`, those that will
/// run) time to run at `pace`, within `share` (its most of the time
/// `left`), and at least one. Also records the plan and the estimate of a
/// full battery in `pace`.
pub fn reliability_deliveries(
    pace: &mut Pace,
    after: &[Case],
    state: bool,
    timing: bool,
    elapsed: Duration,
    left: Duration,
    share: Duration,
) -> usize {
    let need = pace.after_reliability(after, state);
    pace.estimate_full(elapsed, need, timing);
    // A tenth more than the estimate: at 12 s an answer, an estimate with
    // no margin left the last case cut by a fraction of a second.
    let room = share.min(left.saturating_sub(need.mul_f64(1.1)));
    let planned = match u128::from(pace.accept_us) {
        0 => RELIABILITY_DELIVERIES,
        each => usize::try_from(room.as_micros() / each)
            .unwrap_or(usize::MAX)
            .clamp(1, RELIABILITY_DELIVERIES),
    };
    pace.reliability_planned = Some(planned);
    planned
}

/// How many forgeries per group the timing case sends: `asked`, or as many
/// as fit with its warm-up in the smaller of its 30 s and the time `left`,
/// at the pace the receiver refuses. `None` when not even
/// [`TIMING_MIN_SAMPLES`] fit in its 30 s: the receiver refuses too slowly
/// to be timed, whatever the deadline (a plan cut by a short deadline is
/// the deadline's, and runs). Records the plan in `pace`.
pub fn timing_samples(pace: &mut Pace, asked: usize, left: Duration) -> Option<usize> {
    let each = u128::from(pace.refuse().as_micros().max(1) as u64);
    let fit = |budget: Duration| {
        let requests = usize::try_from(budget.as_micros() / each).unwrap_or(usize::MAX);
        requests.saturating_sub(TIMING_WARMUP) / 2
    };
    if fit(TIMING_BUDGET) < TIMING_MIN_SAMPLES {
        pace.timing_planned = Some(0);
        return None;
    }
    let planned = asked.min(fit(TIMING_BUDGET.min(left)).max(TIMING_MIN_SAMPLES));
    pace.timing_planned = Some(planned);
    Some(planned)
}

/// The median answer time, in microseconds, of the answers in `results`
/// that `keep` takes.
fn median_us<'a>(
    results: impl Iterator<Item = &'a CaseResult>,
    keep: impl Fn(&Reply) -> bool,
) -> Option<u64> {
    let times: Vec<f64> = results
        .flat_map(|r| r.replies.iter())
        .filter(|reply| keep(reply))
        .filter_map(|reply| match reply {
            Reply::Answered { elapsed_us, .. } => Some(*elapsed_us as f64),
            _ => None,
        })
        .collect();
    crate::stats::median(&times).map(|us| us as u64)
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    /// The cases after the reliability case in the Standard scheme.
    fn after() -> Vec<Case> {
        let at = Case::ALL
            .iter()
            .position(|c| *c == Case::Reliability)
            .unwrap();
        Case::ALL[at + 1..]
            .iter()
            .copied()
            .filter(|c| *c != Case::Timing)
            .collect()
    }

    #[test]
    fn a_fast_receiver_gets_the_whole_battery() {
        let mut pace = Pace::new(Duration::from_millis(2), 200, 120 * S);
        pace.refuse_us = Some(1_000);
        let planned = reliability_deliveries(&mut pace, &after(), true, true, S, 119 * S, 59 * S);
        assert_eq!(planned, RELIABILITY_DELIVERIES);
        assert_eq!(timing_samples(&mut pace, 200, 100 * S), Some(200));
        assert!(!pace.reduced());
    }

    #[test]
    fn a_receiver_taking_12_s_to_accept_leaves_time_for_the_cases_after_reliability() {
        // Refusals quick, work before the answer: 12 s. After 12 s for the
        // genuine case, 108 s are left, and the six accepted deliveries
        // after reliability need 72 s (and the two refusals 4 ms):
        // reliability gets 2, not 5 (half of 108 s), which cut the battery
        // short before.
        let mut pace = Pace::new(12 * S, 200, 120 * S);
        pace.refuse_us = Some(2_000);
        let planned =
            reliability_deliveries(&mut pace, &after(), false, true, 12 * S, 108 * S, 54 * S);
        assert_eq!(planned, 2);
        assert!(pace.reduced());
        // 12 + 240 + 72 + a little, and a tenth more.
        assert!(pace.full_secs >= 12 + 240 + 72, "{pace:?}");
        assert!(pace.full_secs <= 400, "{pace:?}");
    }

    #[test]
    fn a_receiver_refusing_in_seconds_is_too_slow_to_time() {
        let mut pace = Pace::new(2 * S, 200, 120 * S);
        pace.refuse_us = Some(2_000_000);
        assert_eq!(timing_samples(&mut pace, 200, 40 * S), None);
        assert_eq!(pace.timing_planned, Some(0));
        // 100 ms a refusal: 300 fit in 30 s, 145 per group after the warm-up.
        pace.refuse_us = Some(100_000);
        assert_eq!(timing_samples(&mut pace, 200, 40 * S), Some(145));
        // A deadline shorter than 30 s sizes it, down to the fewest it compares.
        assert_eq!(timing_samples(&mut pace, 200, 10 * S), Some(45));
        assert_eq!(timing_samples(&mut pace, 200, S), Some(TIMING_MIN_SAMPLES));
    }

    #[test]
    fn the_refusal_pace_is_the_median_of_the_refusals_answers() {
        let answered = |ms: u64| Reply::Answered {
            status: 401,
            elapsed_us: ms * 1000,
        };
        let results = vec![
            CaseResult::new(
                Case::Genuine,
                vec![answered(9_000)],
                crate::Verdict::Pass,
                None,
            ),
            CaseResult::new(
                Case::ForgedSignature,
                vec![answered(1), answered(2), answered(3)],
                crate::Verdict::Pass,
                None,
            ),
            CaseResult::new(
                Case::WrongSecret,
                vec![answered(4)],
                crate::Verdict::Pass,
                None,
            ),
        ];
        let mut pace = Pace::new(9 * S, 0, S);
        pace.measure_refusals(&results);
        assert_eq!(pace.refuse_us, Some(2_500));
        // One slow first answer is not the pace once others came quickly.
        let mut results = results;
        results.push(CaseResult::new(
            Case::Reliability,
            vec![
                Reply::Answered {
                    status: 200,
                    elapsed_us: 5_000,
                };
                4
            ],
            crate::Verdict::Pass,
            None,
        ));
        pace.measure_accepts(&results);
        assert_eq!(pace.accept_us, 5_000);
    }
}
