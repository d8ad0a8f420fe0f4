//! Polling one payment every T, leg by leg.
//!
//! What the poller (`crates/shop/src/poll.rs`) does, on the run's clock,
//! with the payment created at the platform at instant 0:
//!
//! 1. the creation's answer travels back to the shop: the *response leg*;
//!    the poller's clock starts when it arrives (`created` on the shop side);
//! 2. poll k's timer is due `k·T` after that, and fires a little late (the
//!    *timer lateness*: tokio's timer fires on whole milliseconds);
//! 3. the poll travels to the platform (the *request leg*), which reads the
//!    ledger: at `kT + Δ` after creation, `Δ = response leg + lateness +
//!    request leg`; a read at or after the settlement instant finds the
//!    payment final;
//! 4. the answer travels back (one more response leg) and the shop records
//!    it.
//!
//! So with `n` the first poll whose read comes at or after S,
//! `E[n] = 1 + Σ_{k≥1} P(S > kT + Δ)` and
//! `E[delay] = T·E[n] − E[S] + Δ + response leg`. For S spread over many
//! intervals that is about `T/2` plus one response leg (the request legs and
//! the lateness shift *when* polls read, not how far a read lands after the
//! settlement); for fixed or short S it is `nT − S + Δ + leg`.
//!
//! The deadlines are fixed (`created + kT`) whatever the answers do, but a
//! poll is sent only after the previous answer came back: when a round trip
//! is longer than T, poll k goes out as soon as poll k−1's answer arrives.
//! [`PollSchedule`] follows both rules, so the model holds at T = 10 ms over
//! a 20 ms network too.

use crate::dist::Distribution;

/// The times one poll exchange takes, as the model uses them, in µs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Legs {
    /// Mean one-way time of a request, from its sender to the handler that
    /// reads it (shop → platform for a poll, platform → receiver for a
    /// webhook).
    pub request_us: f64,
    /// Mean one-way time of an answer, from the handler back to the sender.
    pub response_us: f64,
    /// Mean lateness of a poller's timer (fired minus due).
    pub timer_late_us: f64,
    /// Mean lateness of the platform's settlement worker (settled minus
    /// scheduled): an event exists, and a webhook leaves, only after it.
    pub settle_late_us: f64,
    /// Mean lateness of order placement (placed minus planned arrival):
    /// shifts every creation, so it matters only where absolute instants
    /// do (the event log, down windows), and only for [`super::predicted`];
    /// the draws carry their real creation instants.
    pub placement_late_us: f64,
}

impl Legs {
    /// `Δ`: from the payment's creation at the platform to poll k's read,
    /// beyond `kT`.
    pub fn delta_us(&self) -> f64 {
        self.response_us + self.timer_late_us + self.request_us
    }
}

/// The settlement delay S, as the model sums over it: the scenario's
/// distribution, or the delays this run actually drew (their empirical
/// distribution, so the same formula gives the prediction for the draws).
#[derive(Clone, Debug)]
pub enum SettleLaw<'a> {
    /// The scenario's distribution (exact CDF).
    Dist(&'a Distribution),
    /// The run's draws, µs, sorted ascending.
    Draws(Vec<u64>),
}

impl<'a> SettleLaw<'a> {
    /// The empirical law of `draws` (µs, any order).
    pub fn from_draws(draws: impl IntoIterator<Item = u64>) -> SettleLaw<'a> {
        let mut v: Vec<u64> = draws.into_iter().collect();
        v.sort_unstable();
        SettleLaw::Draws(v)
    }

    /// `P(S > x)`, x in µs. Settlement delays are whole microseconds, so
    /// `S > x` is `S > ⌊x⌋`.
    pub fn tail(&self, x_us: f64) -> f64 {
        match self {
            SettleLaw::Dist(d) => {
                if x_us < 0.0 {
                    return 1.0;
                }
                1.0 - d.cdf(crate::duration::Dur(x_us.floor() as u64))
            }
            SettleLaw::Draws(v) => {
                if v.is_empty() {
                    return 0.0;
                }
                let at_most = v.partition_point(|&s| (s as f64) <= x_us);
                (v.len() - at_most) as f64 / v.len() as f64
            }
        }
    }

    /// `E[S]`, µs.
    pub fn mean_us(&self) -> f64 {
        match self {
            SettleLaw::Dist(d) => d.mean_us(),
            SettleLaw::Draws(v) if v.is_empty() => 0.0,
            SettleLaw::Draws(v) => v.iter().map(|&s| s as f64).sum::<f64>() / v.len() as f64,
        }
    }
}

/// When a poller's polls read the ledger, relative to the payment's creation
/// at the platform: the rules of `crates/shop/src/poll.rs`.
#[derive(Clone, Debug)]
pub struct PollSchedule {
    /// When the poller's clock starts (the shop received the creation
    /// answer), µs after creation.
    pub start_us: f64,
    /// The first deadline, µs after the start (T for a poller; for a
    /// hybrid's reconciliation, `reconcile_after`).
    pub first_us: f64,
    /// Time between two deadlines, µs.
    pub interval_us: f64,
    /// The legs and the timer's lateness.
    pub legs: Legs,
    /// Polls sent so far.
    sent: u64,
    /// When the previous answer arrived (a poll is not sent before).
    free_at_us: f64,
}

/// One poll of a [`PollSchedule`], µs after the payment's creation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PollTimes {
    /// The timer fired and the poll left (the shop checks first whether it
    /// already knows the outcome).
    pub send_us: f64,
    /// The platform read the ledger.
    pub read_us: f64,
    /// The answer reached the shop.
    pub answer_us: f64,
}

impl PollSchedule {
    /// A poller started `start_us` after creation, first due `first_us`
    /// later, then every `interval_us`.
    pub fn new(start_us: f64, first_us: f64, interval_us: f64, legs: Legs) -> Self {
        PollSchedule {
            start_us,
            first_us,
            interval_us,
            legs,
            sent: 0,
            free_at_us: f64::NEG_INFINITY,
        }
    }

    /// The schedule of a plain poller (`kind = "poll"`): started when the
    /// creation answer arrives, polling every `interval_us`.
    pub fn poller(interval_us: f64, legs: Legs) -> Self {
        Self::new(legs.response_us, interval_us, interval_us, legs)
    }

    /// The next poll, assuming the one before found the payment pending.
    pub fn next_poll(&mut self) -> PollTimes {
        let due = self.start_us + self.first_us + self.sent as f64 * self.interval_us;
        self.sent += 1;
        // A deadline already past fires at once (no lateness on top of the
        // wait for the previous answer).
        let send_us = (due + self.legs.timer_late_us).max(self.free_at_us);
        let read_us = send_us + self.legs.request_us;
        let answer_us = read_us + self.legs.response_us;
        self.free_at_us = answer_us;
        PollTimes {
            send_us,
            read_us,
            answer_us,
        }
    }

    /// The poll just taken from [`PollSchedule::next_poll`] failed, its
    /// failure back `back_us` after creation (a partition refused it): the
    /// next one leaves no sooner.
    pub fn failed(&mut self, back_us: f64) {
        self.free_at_us = back_us;
    }

    /// Skips the next `k` polls, all assumed to find the payment pending,
    /// once the polls are evenly spaced (the caller checked: the last two
    /// spacings equal): each is one spacing, `max(T, round trip)`, after
    /// the one before. A walk of billions of polls over a heavy tail
    /// becomes one step (`super::hybrid`).
    pub fn skip(&mut self, k: u64) {
        let spacing = self
            .interval_us
            .max(self.legs.request_us + self.legs.response_us);
        self.sent += k;
        self.free_at_us += k as f64 * spacing;
    }
}

/// What polling one payment costs, in expectation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PollCosts {
    /// `E[n]`: polls per order.
    pub polls: f64,
    /// Mean delay from the scheduled settlement to the shop's record, µs.
    pub delay_us: f64,
    /// Whether both numbers are known to [`POLLS_TOLERANCE`] and
    /// [`DELAY_TOLERANCE_US`]: `false` when the sums stopped at
    /// `MAX_POLLS` with a tail they could not bound (a settlement law whose
    /// density still rises there). Such a prediction must not be shown.
    pub resolved: bool,
}

/// The most polls the sums follow one by one. Beyond, the tail of a law
/// whose density falls is summed in closed form (see [`poll_costs`]), so
/// only a law still rising this far out is left unresolved.
pub(crate) const MAX_POLLS: u64 = 20_000_000;

/// The draws' sums switch to the closed form after this many polls (exact
/// for draws, so only a matter of speed).
const MAX_DRAW_POLLS: u64 = 1_000_000;

/// How far the polls per order may be from the truth, relative to the
/// value (and at least 1e-9 polls), for a prediction to be printed.
pub const POLLS_TOLERANCE: f64 = 1e-9;

/// How far the mean delay may be from the truth, µs, for a prediction to be
/// printed (the report shows whole µs).
pub const DELAY_TOLERANCE_US: f64 = 0.05;

/// `E[S; S ≤ x]`, µs: the part of the mean below `x` (the delay's sum needs
/// it: without it, a heavy tail's mass beyond the last poll summed would be
/// subtracted with no poll to answer it, which made the mean delay of
/// lognormal σ = 5 come out at −125,000 s).
fn mean_below(law: &SettleLaw<'_>, x_us: f64) -> f64 {
    match law {
        SettleLaw::Draws(v) => {
            if v.is_empty() {
                return 0.0;
            }
            let at_most = v.partition_point(|&s| (s as f64) <= x_us);
            v[..at_most].iter().map(|&s| s as f64).sum::<f64>() / v.len() as f64
        }
        SettleLaw::Dist(d) => law.mean_us() - mean_above(d, x_us),
    }
}

/// `E[S; S > x]`, µs, of a scenario's distribution, in closed form.
pub(crate) fn mean_above(d: &Distribution, x_us: f64) -> f64 {
    let x = x_us.floor();
    match *d {
        Distribution::Fixed { ms } => {
            let s = ms.as_us() as f64;
            if s > x { s } else { 0.0 }
        }
        Distribution::Uniform { min_ms, max_ms } => {
            let (a, b) = (min_ms.as_us() as f64, max_ms.as_us() as f64);
            if x >= b {
                0.0
            } else if x < a || b <= a {
                (a + b) / 2.0
            } else {
                (b - x) / (b - a) * (x + b) / 2.0
            }
        }
        Distribution::Exponential { mean_ms } => {
            let m = mean_ms.as_us() as f64;
            if x <= 0.0 {
                m
            } else {
                (x + m) * (-x / m).exp()
            }
        }
        Distribution::Lognormal { median_ms, sigma } => {
            // E[S; S > x] = e^{μ+σ²/2} Φ((μ + σ² − ln x)/σ), μ = ln median.
            let mean = d.mean_us();
            if x <= 0.0 {
                return mean;
            }
            let z = ((median_ms.as_us() as f64).ln() + sigma * sigma - x.ln()) / sigma;
            mean * 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
        }
    }
}

/// Where the density of `d` stops rising, µs: beyond, `P(S > x)` is convex,
/// which is what bounds the closed-form tail of [`poll_costs`]. `None` for
/// a fixed delay (no density: summed like one draw).
pub(crate) fn falling_from(d: &Distribution) -> Option<f64> {
    match *d {
        Distribution::Fixed { .. } => None,
        Distribution::Uniform { min_ms, .. } => Some(min_ms.as_us() as f64),
        Distribution::Exponential { .. } => Some(0.0),
        Distribution::Lognormal { median_ms, sigma } => {
            Some(median_ms.as_us() as f64 * (-sigma * sigma).exp())
        }
    }
}

/// `E[n]` and `E[delay]` for a poller every `interval_us` with `legs`,
/// under settlement law `law`:
/// `E[n] = Σ_{k≥1} P(S > read_{k−1})` (with `P(S > read_0) = 1`) and
/// `E[delay] = Σ_k P(n = k)·answer_k − E[S]`, where `read_k` and
/// `answer_k` come from [`PollSchedule`]: `kT + Δ` and `kT + Δ + leg` while
/// a round trip fits in T.
///
/// **The tail.** A heavy tail (lognormal σ = 5: a mean of 37 hours for a
/// median of 0.5 s) needs billions of polls before `P(S > read)` is
/// negligible, and a sum cut short there undercounts `E[n]` while `E[S]`
/// stays exact: the old sums predicted −125,000 s. Once the reads are
/// evenly spaced (every `P`, from read `a` on) and the density falls (so
/// `f(x) = P(S > x)` is convex), the rest has a closed form with a known
/// error: `Σ_{j≥0} f(a + jP) = I/P + f(a)/2 + ε`, `I = E[(S − a)⁺]`, where
/// the trapezoid rule's error on a convex `f` gives `0 ≤ ε ≤ P·g(a)/8 ≤
/// (f(a − P) − f(a))/8` (g the density); and, integrating by parts, the
/// reads land past S by `P·Σ − I` in all. The sums stop once that error is
/// below the tolerances; draws (and a fixed delay) are summed exactly, each
/// remaining draw s found by read `a + ⌈(s − a)/P⌉·P`.
pub fn poll_costs(law: &SettleLaw<'_>, interval_us: f64, legs: Legs) -> PollCosts {
    capped_poll_costs(law, interval_us, legs, MAX_POLLS)
}

/// [`poll_costs`], following at most `max_polls` polls one by one.
fn capped_poll_costs(
    law: &SettleLaw<'_>,
    interval_us: f64,
    legs: Legs,
    max_polls: u64,
) -> PollCosts {
    if interval_us <= 0.0 {
        return PollCosts {
            polls: f64::INFINITY,
            delay_us: f64::INFINITY,
            resolved: false,
        };
    }
    let mut schedule = PollSchedule::poller(interval_us, legs);
    let polls = std::iter::from_fn(move || Some(schedule.next_poll()));
    summed_poll_costs(law, polls, true, legs, max_polls)
}

/// The sums of [`poll_costs`] over any polls (ascending reads, each sent
/// once the one before found the payment pending), following at most
/// `max_polls` one by one: the backoff and conditional pollers'
/// (`super::spectrum`) as well as the plain poller's. `evens_out`: once
/// two reads are as far apart as the next, every read after is too (a
/// [`PollSchedule`], a backoff at its cap); only then is the tail closed in
/// closed form. Otherwise (a jittered schedule) the sums are followed one
/// by one, and a tail still pending at the cap is left unresolved.
pub(crate) fn summed_poll_costs(
    law: &SettleLaw<'_>,
    polls: impl Iterator<Item = PollTimes>,
    evens_out: bool,
    legs: Legs,
    max_polls: u64,
) -> PollCosts {
    // A fixed delay is one draw: its tail is a step, not convex.
    let fixed;
    let law = match law {
        SettleLaw::Dist(Distribution::Fixed { ms }) => {
            fixed = SettleLaw::Draws(vec![ms.as_us()]);
            &fixed
        }
        other => other,
    };
    let falling = match law {
        SettleLaw::Dist(d) => falling_from(d),
        SettleLaw::Draws(_) => None,
    };
    // Draws are summed in closed form at `MAX_DRAW_POLLS` only where the
    // reads even out; elsewhere they are followed to the full cap.
    let cap = if falling.is_some() || !evens_out {
        max_polls
    } else {
        max_polls.min(MAX_DRAW_POLLS)
    };
    let mut polls_ahead = polls.peekable();
    let (mut polls, mut answered_at, mut pending) = (0.0, 0.0, 1.0);
    // The previous read and its tail (for the spacing and the error bound).
    let mut before: Option<(f64, f64)> = None;
    for k in 1..=cap {
        let Some(poll) = polls_ahead.next() else {
            break;
        };
        polls += pending;
        let tail = law.tail(poll.read_us);
        answered_at += (pending - tail) * poll.answer_us;
        let previous = before.replace((poll.read_us, pending));
        pending = tail;
        if pending <= 0.0 {
            return PollCosts {
                polls,
                delay_us: answered_at - law.mean_us(),
                resolved: true,
            };
        }
        // The closed form needs two reads behind and evenly spaced ones
        // ahead: the next spacing equals the last one.
        let Some((read_before, pending_before)) = previous else {
            continue;
        };
        let spacing = poll.read_us - read_before;
        let mut periodic = || {
            evens_out
                && polls_ahead.peek().is_some_and(|next| {
                    (next.read_us - poll.read_us - spacing).abs() <= 1e-6 * spacing
                })
        };
        let a = poll.read_us;
        match (law, falling) {
            (SettleLaw::Dist(d), Some(from)) if read_before >= from => {
                let err_polls = (pending_before - pending) / 16.0;
                let err_delay = spacing * err_polls;
                let tight = err_polls <= POLLS_TOLERANCE * polls.max(1.0) * 1e-3
                    && err_delay <= DELAY_TOLERANCE_US * 1e-2;
                let last = k == cap;
                if (tight || pending < 1e-12 || last) && periodic() {
                    let rest = mean_above(d, a) - a * pending;
                    let sum = rest.max(0.0) / spacing + pending / 2.0 + err_polls;
                    let delay = answered_at - mean_below(law, a)
                        + spacing * (pending / 2.0 + err_polls)
                        + legs.response_us * pending;
                    return PollCosts {
                        polls: polls + sum,
                        delay_us: delay,
                        resolved: err_polls <= POLLS_TOLERANCE * (polls + sum).max(1.0)
                            && err_delay <= DELAY_TOLERANCE_US,
                    };
                }
            }
            (SettleLaw::Draws(v), _) if k == cap && periodic() => {
                // Each draw beyond `a` is found by read a + jP,
                // j = ⌈(s − a)/P⌉, and answered a response leg later.
                let n = v.len() as f64;
                let first = v.partition_point(|&s| (s as f64) <= a);
                for &s in &v[first..] {
                    let j = ((s as f64 - a) / spacing).ceil().max(1.0);
                    polls += j / n;
                    answered_at += (a + j * spacing + legs.response_us) / n;
                }
                return PollCosts {
                    polls,
                    delay_us: answered_at - law.mean_us(),
                    resolved: true,
                };
            }
            _ => {}
        }
    }
    // Still rising (or never evenly spaced) after `cap` polls: no bound.
    PollCosts {
        polls,
        delay_us: answered_at - mean_below(law, before.map_or(0.0, |b| b.0)),
        resolved: false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::duration::Dur;

    fn legs(one_way_ms: f64, late_ms: f64) -> Legs {
        Legs {
            request_us: one_way_ms * 1e3,
            response_us: one_way_ms * 1e3,
            timer_late_us: late_ms * 1e3,
            ..Legs::default()
        }
    }

    #[test]
    fn fixed_settlement_with_20ms_legs_by_hand() {
        // S = 450 ms, T = 200 ms, 20 ms each way, no lateness: reads at
        // 200+40 = 240, 440 (still pending), 640 (final); the answer lands
        // at 660: 3 polls, delay 660 − 450 = 210 ms (what the audit measured).
        let s = Distribution::Fixed {
            ms: Dur::from_ms(450),
        };
        let c = poll_costs(&SettleLaw::Dist(&s), 200e3, legs(20.0, 0.0));
        assert!((c.polls - 3.0).abs() < 1e-12, "{c:?}");
        assert!((c.delay_us - 210e3).abs() < 1e-6, "{c:?}");
    }

    #[test]
    fn spread_settlement_costs_half_an_interval_plus_one_leg() {
        // Uniform 200 ms..2 s, T = 100 ms, 20 ms legs: E[delay] = T/2 + 20.
        let s = Distribution::Uniform {
            min_ms: Dur::from_ms(200),
            max_ms: Dur::from_ms(2_000),
        };
        let c = poll_costs(&SettleLaw::Dist(&s), 100e3, legs(20.0, 0.0));
        assert!((c.delay_us - 70e3).abs() < 1.0, "{c:?}");
        // E[n] = 1 + Σ P(S > 100k + 40): reads at 140 … 1940 ms, then 2040.
        let by_hand: f64 = 1.0
            + (1..=19)
                .map(|k| s.cdf(Dur::from_ms(100 * k + 40)))
                .map(|c| 1.0 - c)
                .sum::<f64>();
        assert!((c.polls - by_hand).abs() < 1e-9, "{c:?} vs {by_hand}");
    }

    #[test]
    fn settlement_shorter_than_the_interval_is_one_poll() {
        // S = 5 ms < T = 100 ms, 20 ms legs, 1 ms lateness: the first read
        // (at 141 ms) finds it; delay = 100 + 41 + 20 − 5 = 156 ms.
        let s = Distribution::Fixed {
            ms: Dur::from_ms(5),
        };
        let c = poll_costs(&SettleLaw::Dist(&s), 100e3, legs(20.0, 1.0));
        assert_eq!(c.polls, 1.0);
        assert!((c.delay_us - 156e3).abs() < 1e-6, "{c:?}");
    }

    #[test]
    fn an_interval_shorter_than_the_round_trip_waits_for_each_answer() {
        // T = 10 ms over 20 ms legs: poll 1 leaves at 30 ms (20 + 10),
        // reads at 50, answers at 70; poll 2 is due at 40 but leaves at 70,
        // reads at 90; poll 3 reads at 130. S = 100 ms: 3 polls, answer at
        // 150, delay 50 ms.
        let s = Distribution::Fixed {
            ms: Dur::from_ms(100),
        };
        let c = poll_costs(&SettleLaw::Dist(&s), 10e3, legs(20.0, 0.0));
        assert_eq!(c.polls, 3.0);
        assert!((c.delay_us - 50e3).abs() < 1e-6, "{c:?}");
        // Without a network, T = 10 ms: polls read at 10, 20, …: S = 95 ms
        // is found by the 10th (100 ms), 5 ms late.
        let s = Distribution::Fixed {
            ms: Dur::from_ms(95),
        };
        let c = poll_costs(&SettleLaw::Dist(&s), 10e3, Legs::default());
        assert_eq!(c.polls, 10.0);
        assert!((c.delay_us - 5e3).abs() < 1e-6, "{c:?}");
    }

    #[test]
    fn a_read_at_the_settlement_instant_finds_it() {
        // S = 400 ms exactly at the second read: 2 polls, delay 0.
        let s = Distribution::Fixed {
            ms: Dur::from_ms(400),
        };
        let c = poll_costs(&SettleLaw::Dist(&s), 200e3, Legs::default());
        assert_eq!(c.polls, 2.0);
        assert!(c.delay_us.abs() < 1e-9);
        let draws = SettleLaw::from_draws([400_000, 400_001]);
        let c = poll_costs(&draws, 200e3, Legs::default());
        assert_eq!(c.polls, 2.5);
        assert!((c.delay_us - (0.0 + 199_999.0) / 2.0).abs() < 1e-6);
    }

    /// Polls and delay of one settlement delay `s_us`, by walking the
    /// schedule (the shop's rules, no model): what a virtual run measures.
    fn walk(s_us: f64, interval_us: f64, legs: Legs) -> (f64, f64) {
        let mut schedule = PollSchedule::poller(interval_us, legs);
        walk_polls(
            s_us,
            std::iter::from_fn(move || Some(schedule.next_poll())),
            legs,
        )
    }

    /// [`walk`] over any polls (ascending reads, as `polls` yields them):
    /// the first that reads at or after `s_us` finds it. Far beyond the
    /// first reads, once the spacing is the same three times running, it
    /// jumps ahead (only for schedules that then stay evenly spaced: the
    /// poller's, a backoff at its cap).
    pub(crate) fn walk_polls(
        s_us: f64,
        polls: impl Iterator<Item = PollTimes> + Clone,
        legs: Legs,
    ) -> (f64, f64) {
        let mut polls = polls;
        let mut n = 0.0;
        while let Some(poll) = polls.next() {
            n += 1.0;
            if poll.read_us >= s_us {
                return (n, poll.answer_us - s_us);
            }
            let mut ahead = polls.clone();
            let (Some(next), Some(after)) = (ahead.next(), ahead.next()) else {
                continue;
            };
            let spacing = next.read_us - poll.read_us;
            let even = (after.read_us - next.read_us - spacing).abs() <= 1e-6 * spacing;
            if n >= 4.0 && even && s_us - poll.read_us > 10.0 * spacing {
                let j = ((s_us - poll.read_us) / spacing).ceil();
                return (n + j, poll.read_us + j * spacing + legs.response_us - s_us);
            }
        }
        (n, f64::NAN)
    }

    #[test]
    fn heavy_lognormal_tails_predict_what_the_schedule_measures() {
        // The finding: median 500 ms, T = 1 s, σ up to 5 (the documented
        // range): the old sums, cut at 20 million polls with P(S > read)
        // still 2·10⁻⁴, predicted −125,189 s for σ = 5 and −14,544 ms for
        // σ = 3.5. Against 200,000 delays drawn and walked through the
        // schedule, the prediction must be within 3 standard errors.
        let l = legs(0.5, 0.25);
        for sigma in [3.0, 3.5, 4.0, 5.0] {
            let s = Distribution::Lognormal {
                median_ms: Dur::from_ms(500),
                sigma,
            };
            let c = poll_costs(&SettleLaw::Dist(&s), 1e6, l);
            assert!(c.resolved, "σ {sigma}: {c:?}");
            assert!(c.delay_us >= 0.0, "σ {sigma}: {c:?}");
            assert!(c.delay_us < 1e6 + 1e3, "σ {sigma}: {c:?}");
            // E[n] is about E[S]/T for a mean of many intervals.
            let spread = s.mean_us() / 1e6;
            assert!(
                (c.polls - spread).abs() < 0.01 * spread + 2.0,
                "σ {sigma}: {c:?}"
            );
            let mut rng = crate::rng::SeededRng::new(7);
            let (mut sum, mut sum_sq, n) = (0.0, 0.0, 200_000u64);
            for _ in 0..n {
                let d = s.sample(&mut rng).as_us() as f64;
                let (_, delay) = walk(d, 1e6, l);
                sum += delay;
                sum_sq += delay * delay;
            }
            let m = super::super::stats::mean_interval(n, sum, sum_sq).unwrap();
            let z = super::super::stats::z_score(m.mean, m.stderr, c.delay_us);
            assert!(z < 3.0, "σ {sigma}: model {c:?}, measured {m:?}, z {z}");
        }
    }

    #[test]
    fn draws_far_beyond_the_sums_are_counted_exactly() {
        // One draw 3·10⁶ intervals out (beyond the one-by-one sums) and one
        // at the first read: the closed form finds each draw's poll.
        let t = 1e3;
        let far = 3_000_000_500u64;
        let c = poll_costs(&SettleLaw::from_draws([far, 500]), t, Legs::default());
        assert!(c.resolved);
        let (n_far, d_far) = walk(far as f64, t, Legs::default());
        assert_eq!(n_far, 3_000_001.0);
        assert!((c.polls - (n_far + 1.0) / 2.0).abs() < 1e-6, "{c:?}");
        assert!((c.delay_us - (d_far + 500.0) / 2.0).abs() < 1e-3, "{c:?}");
        // A fixed delay as far out is one such draw.
        let s = Distribution::Fixed { ms: Dur(far) };
        let c = poll_costs(&SettleLaw::Dist(&s), t, Legs::default());
        assert_eq!(c.polls, n_far);
        assert!((c.delay_us - d_far).abs() < 1e-3, "{c:?}");
    }

    #[test]
    fn a_law_still_rising_past_the_sums_is_left_unresolved() {
        // Median 100 s polled every 1 ms, the sums cut at 10,000 polls
        // (10 s): the density still rises there, so the tail has no bound
        // and no number is given. With room (the real cap), it resolves.
        let s = Distribution::Lognormal {
            median_ms: Dur::from_ms(100_000),
            sigma: 0.1,
        };
        let c = capped_poll_costs(&SettleLaw::Dist(&s), 1e3, Legs::default(), 10_000);
        assert!(!c.resolved, "{c:?}");
        let c = poll_costs(&SettleLaw::Dist(&s), 1e3, Legs::default());
        assert!(c.resolved, "{c:?}");
        assert!((c.delay_us - 500.0).abs() < 1.0, "{c:?}");
    }
}
