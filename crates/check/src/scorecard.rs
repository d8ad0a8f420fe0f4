//! The scorecard: every graded case of one run, and what it adds up to.

use crate::case::{Case, CaseResult, Note, Verdict};
use crate::delivery::Scheme;

/// The result of one `hooklab check`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    /// The receiver's URL.
    pub url: String,
    /// The scheme it was checked with.
    pub scheme: Scheme,
    /// The state URL, if one was given.
    pub state_url: Option<String>,
    /// The size of the oversized body that was sent (0 if it was not).
    pub oversized_bytes: usize,
    /// Forgeries per group asked for in the timing case.
    pub timing_samples: usize,
    /// How fast the receiver answered, and how the battery was sized from
    /// it; `None` when the genuine delivery was not accepted.
    pub pace: Option<crate::pace::Pace>,
    /// Every case, in the order it ran.
    pub results: Vec<CaseResult>,
}

/// How many cases ended each way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Counts {
    /// Every case.
    pub total: usize,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Warned.
    pub warned: usize,
    /// Skipped.
    pub skipped: usize,
    /// Of the skipped, those skipped because `--deadline` passed before
    /// they started or while they waited for an answer: the battery did
    /// not finish.
    pub out_of_time: usize,
}

impl Scorecard {
    /// The verdicts, counted.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts {
            total: self.results.len(),
            ..Counts::default()
        };
        for result in &self.results {
            match result.verdict {
                Verdict::Pass => counts.passed += 1,
                Verdict::Fail => counts.failed += 1,
                Verdict::Warn => counts.warned += 1,
                Verdict::Skip => counts.skipped += 1,
            }
            if matches!(
                result.note,
                Some(Note::OutOfTime(_) | Note::CutByDeadline(_))
            ) {
                counts.out_of_time += 1;
            }
        }
        counts
    }

    /// 0 when every case passed, warned or was skipped for a reason of its
    /// own; 1 when any failed, or when the battery did not finish (a case
    /// skipped because `--deadline` passed): a run that did not ask every
    /// question must not look green to a CI.
    pub fn exit_code(&self) -> u8 {
        let counts = self.counts();
        u8::from(counts.failed > 0 || counts.out_of_time > 0)
    }

    /// Whether the battery ran out of time before every case started.
    pub fn incomplete(&self) -> bool {
        self.counts().out_of_time > 0
    }

    /// The result of `case`, if it ran.
    pub fn result(&self, case: Case) -> Option<&CaseResult> {
        self.results.iter().find(|r| r.case == case)
    }

    /// The verdict of `case`, if it ran.
    pub fn verdict(&self, case: Case) -> Option<Verdict> {
        self.result(case).map(|r| r.verdict)
    }

    /// The cases that failed.
    pub fn failed(&self) -> Vec<Case> {
        self.results
            .iter()
            .filter(|r| r.verdict == Verdict::Fail)
            .map(|r| r.case)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(verdicts: &[Verdict]) -> Scorecard {
        Scorecard {
            url: "http://127.0.0.1:1/".into(),
            scheme: Scheme::Standard,
            state_url: None,
            oversized_bytes: 0,
            timing_samples: 0,
            pace: None,
            results: verdicts
                .iter()
                .zip(Case::ALL)
                .map(|(v, c)| CaseResult::new(c, Vec::new(), *v, Some(Note::NoAnswer)))
                .collect(),
        }
    }

    #[test]
    fn any_failure_exits_1_and_warnings_do_not() {
        assert_eq!(
            card(&[Verdict::Pass, Verdict::Warn, Verdict::Skip]).exit_code(),
            0
        );
        let failed = card(&[Verdict::Pass, Verdict::Fail]);
        assert_eq!(failed.exit_code(), 1);
        assert_eq!(failed.failed(), vec![Case::ALL[1]]);
        assert_eq!(
            failed.counts(),
            Counts {
                total: 2,
                passed: 1,
                failed: 1,
                warned: 0,
                skipped: 0,
                out_of_time: 0,
            }
        );
    }

    #[test]
    fn a_battery_cut_short_by_the_deadline_is_not_green() {
        let mut cut = card(&[Verdict::Pass]);
        cut.results
            .push(CaseResult::skipped(Case::Reliability, Note::OutOfTime(1)));
        assert!(cut.incomplete());
        assert_eq!(cut.exit_code(), 1);
        assert_eq!(cut.counts().out_of_time, 1);
        let mut skipped = card(&[Verdict::Pass]);
        skipped.results.push(CaseResult::skipped(
            Case::KeyRotation,
            Note::GithubHasNoRotation,
        ));
        assert!(!skipped.incomplete());
        assert_eq!(skipped.exit_code(), 0);
    }
}
