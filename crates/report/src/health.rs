//! The run-health block under the table: what a run says about its own
//! trustworthiness (`health` in `summary.json`), one line per flag, each
//! graded.
//!
//! The harness raises a flag whenever something *might* have bent the
//! numbers (see `hooklab_core::model::health`); the report then says how
//! much it matters for the strategy it was raised on. Three levels: no
//! flag (fine), [`Grade::Mild`] (it happened, but it is too small beside
//! the strategy's own delays to move them), and [`Grade::Bad`] (the
//! numbers deserve less trust). Only the placement lag is graded mild for
//! now: the other flags (a rate-limit storm, a network partition, polls
//! short of the model) change what the numbers mean, whatever their size.

use crate::i18n::{self, Msg};
use hooklab_core::lang::Lang;
use hooklab_core::report::{HealthCode, HealthFlag, StrategyReport, Summary};
use hooklab_core::scenario::StrategyKind;
use std::fmt::Write as _;

/// How much a health flag matters for the strategy it was raised on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grade {
    /// It happened, but it is small beside what the strategy measured: the
    /// line says so, and the numbers stand.
    Mild,
    /// The numbers deserve less trust: the flag's own words.
    Bad,
}

/// A mean placement lag beyond the timer's own lateness at most this share
/// of the strategy's [`yardstick`] is mild.
///
/// Why 1%: a poller learns of a settlement at its next poll, so its delay
/// is spread evenly over the interval T wherever in the cycle the order was
/// placed, and placing orders late moves the mean delay by at most the mean
/// lag (the model is fed the placement's lateness as well). The measured
/// mean of N delays spread over T has a 95% interval of ±1.96·T/√(12·N):
/// ±0.033·T for 300 orders, ±0.012·T for 2,400. A shift of 0.01·T stays
/// inside that interval for any run of up to a few thousand orders, so it
/// cannot make a model look wrong that is right. The committed checkout
/// run's poll-200ms placed orders 0.5 ms beyond its timer on average:
/// 0.25% of its 200 ms interval.
pub const MILD_MEAN_SHARE: f64 = 0.01;

/// A largest placement lag beyond the timer's own lateness at most this
/// share of the yardstick is mild.
///
/// Why a quarter: the largest lag is one stall of the machine, and it moves
/// only the few orders placed during it, each by at most the stall. A stall
/// shorter than a quarter of the interval delays those orders by less than
/// a quarter of a poll cycle, and a handful of them among hundreds moves
/// the mean by a fraction of a percent; the p99 and the largest delay
/// still show them, which is what the line says. checkout's poll-200ms had
/// one such stall of 30 ms against its 200 ms interval (15%); a machine
/// that truly could not keep up (the live page racing 8 strategies)
/// placed orders 81 ms late on average.
pub const MILD_MAX_SHARE: f64 = 0.25;

/// What a placement lag is measured against: the polling interval for a
/// strategy that polls on a timer (its delays are spread over it), else
/// the median delay it measured (a webhook's is under a millisecond, so
/// any stall the flag fires on is large beside it). `None` when neither is
/// known.
pub fn yardstick(s: &StrategyReport) -> Option<Yardstick> {
    let polls_on_a_timer = matches!(
        s.kind,
        StrategyKind::Poll
            | StrategyKind::PollEvents
            | StrategyKind::ConditionalPoll
            | StrategyKind::BackoffPoll
    );
    let yardstick = match s.interval_ms {
        Some(ms) if polls_on_a_timer => Yardstick { ms, interval: true },
        // The median, not the mean: a hybrid's mean is pulled up by the
        // few orders its polls caught, while most of its delays are its
        // webhooks' fraction of a millisecond, beside which a stall of
        // 20 ms is not small.
        _ if s.latency_ms.count > 0 => Yardstick {
            ms: if s.latency_ms.p50 > 0.0 {
                s.latency_ms.p50
            } else {
                s.latency_ms.mean
            },
            interval: false,
        },
        _ => return None,
    };
    (yardstick.ms.is_finite() && yardstick.ms > 0.0).then_some(yardstick)
}

/// What a strategy's placement lag is measured against (see
/// [`yardstick`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Yardstick {
    /// Its length, ms.
    pub ms: f64,
    /// Whether it is the polling interval (else the measured median delay).
    pub interval: bool,
}

/// A placement-lag flag's numbers, ms, read back from its message: the mean
/// and largest lag and the timer's own lateness (0 in messages written
/// before the timer was timed). `None` for a message without them.
pub fn placement_numbers(flag: &HealthFlag) -> Option<PlacementLag> {
    let numbers: Vec<f64> = flag
        .message
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|t| t.trim_matches('.'))
        .filter_map(|t| t.parse().ok())
        .collect();
    match numbers.as_slice() {
        [mean_ms, max_ms, timer_ms, ..] => Some(PlacementLag {
            mean_ms: *mean_ms,
            max_ms: *max_ms,
            timer_ms: *timer_ms,
        }),
        [mean_ms, max_ms] => Some(PlacementLag {
            mean_ms: *mean_ms,
            max_ms: *max_ms,
            timer_ms: 0.0,
        }),
        _ => None,
    }
}

/// A placement lag as its flag words it, ms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlacementLag {
    /// Mean lag, placed minus planned.
    pub mean_ms: f64,
    /// Largest lag.
    pub max_ms: f64,
    /// The timer's own lateness before the load: the lag of an idle machine.
    pub timer_ms: f64,
}

/// How much `flag` matters for `s` (see [`Grade`]).
pub fn grade(s: &StrategyReport, flag: &HealthFlag) -> Grade {
    if flag.code != HealthCode::PlacementLag.as_str() {
        return Grade::Bad;
    }
    match (placement_numbers(flag), yardstick(s)) {
        (Some(lag), Some(yardstick)) => grade_placement(lag, yardstick.ms),
        _ => Grade::Bad,
    }
}

/// How much a placement lag matters against a yardstick of `yardstick_ms`
/// (see [`MILD_MEAN_SHARE`] and [`MILD_MAX_SHARE`]): only the lag beyond
/// the timer's own lateness counts, as the flag counts it.
pub fn grade_placement(lag: PlacementLag, yardstick_ms: f64) -> Grade {
    let beyond = |ms: f64| (ms - lag.timer_ms).max(0.0);
    if beyond(lag.mean_ms) <= MILD_MEAN_SHARE * yardstick_ms
        && beyond(lag.max_ms) <= MILD_MAX_SHARE * yardstick_ms
    {
        Grade::Mild
    } else {
        Grade::Bad
    }
}

/// The health flags of every strategy, one line each (`- name: message`,
/// `- name (mild): message`), under a heading; empty when every run was
/// healthy.
pub fn block(summary: &Summary, lang: Lang) -> String {
    let mut out = String::new();
    for s in &summary.strategies {
        for flag in &s.health {
            // Polls below the model: said with the table's own numbers and
            // precision (the flag's message has three decimals, and its
            // expectation is the draws' one, not the table's).
            let draws = s.predicted_for_draws.as_ref().map(|p| p.requests_per_order);
            let mild = grade(s, flag) == Grade::Mild;
            let said = match (draws, placement_numbers(flag), yardstick(s)) {
                (_, Some(lag), Some(yardstick)) if mild => i18n::placement_lag_mild(
                    lang,
                    [lag.mean_ms, lag.max_ms, lag.timer_ms],
                    yardstick.ms,
                    yardstick.interval,
                ),
                (Some(draws), _, _) if flag.code == HealthCode::PollsBelowModel.as_str() => {
                    i18n::polls_below_model(
                        lang,
                        s.requests_per_order,
                        draws,
                        s.predicted.requests_per_order,
                    )
                }
                _ => i18n::health_message(lang, flag),
            };
            if mild {
                let _ = writeln!(out, "- {} ({}): {said}", s.name, Msg::HealthMild.text(lang));
            } else {
                let _ = writeln!(out, "- {}: {said}", s.name);
            }
        }
    }
    if out.is_empty() {
        return out;
    }
    format!("{}\n{out}", Msg::Health.text(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lag(mean_ms: f64, max_ms: f64, timer_ms: f64) -> PlacementLag {
        PlacementLag {
            mean_ms,
            max_ms,
            timer_ms,
        }
    }

    #[test]
    fn a_lag_small_beside_the_yardstick_is_mild_and_a_large_one_bad() {
        // checkout's poll-200ms: 0.5 ms beyond the timer on average, one
        // 30 ms stall, against a 200 ms interval.
        assert_eq!(grade_placement(lag(1.6, 31.0, 1.1), 200.0), Grade::Mild);
        // Just under the thresholds (2 ms and 50 ms beyond the timer).
        assert_eq!(grade_placement(lag(3.0, 51.0, 1.1), 200.0), Grade::Mild);
        // Past either: bad.
        assert_eq!(grade_placement(lag(3.3, 31.0, 1.1), 200.0), Grade::Bad);
        assert_eq!(grade_placement(lag(1.6, 52.0, 1.1), 200.0), Grade::Bad);
        // The live page racing 8 strategies: 12.5 ms on average.
        assert_eq!(grade_placement(lag(12.5, 81.0, 0.0), 500.0), Grade::Bad);
        // Against a webhook's sub-millisecond delays, checkout's lag is bad.
        assert_eq!(grade_placement(lag(1.6, 31.0, 1.1), 0.4), Grade::Bad);
    }

    #[test]
    fn a_flags_numbers_are_read_back_with_or_without_the_timer() {
        let now = HealthCode::PlacementLag.flag(
            "orders were placed behind plan (mean 1.6 ms, max 31.0 ms late, against 1.1 ms of the timer's own lateness before the load): the machine could not keep up with the arrivals".to_owned(),
        );
        assert_eq!(placement_numbers(&now), Some(lag(1.6, 31.0, 1.1)));
        let old = HealthCode::PlacementLag.flag(
            "orders were placed behind plan (mean 1.5 ms, max 30.0 ms late): the machine could not keep up with the arrivals".to_owned(),
        );
        assert_eq!(placement_numbers(&old), Some(lag(1.5, 30.0, 0.0)));
        let wordless = HealthCode::PlacementLag.flag("late".to_owned());
        assert_eq!(placement_numbers(&wordless), None);
    }
}
