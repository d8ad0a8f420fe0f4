//! What one pushed notification costs this machine, measured right before
//! the strategy that receives it runs.
//!
//! The paper model says a webhook reaches the shop one request leg after the
//! settlement worker settles the payment, and a held request's (long poll)
//! or a stream's answer one response leg after it. On a real machine the
//! event also waits in the platform's dispatcher queue or wakes the held
//! request's task, is signed or framed, goes through the HTTP client's own
//! work (reqwest's), the shop's server and its handler before the shop
//! records it. A bare loopback round trip
//! ([`crate::network::calibrate_loopback_rtt`], about 0.02 ms) misses all of
//! that, so a real-clock webhook row measured about 0.2 ms against a paper
//! model of 0.11 ms and was marked `(!)`.
//!
//! [`calibrate_delivery`] therefore times real notifications through the
//! same code a run uses: a fresh platform and shop on `127.0.0.1:0`, a small
//! workload of the strategy itself ([`CALIBRATION_ORDERS`] payments, no
//! faults, no `[network]` latency, settling as far apart as the scenario's
//! own settlements, 2 to 10 ms), folded like any run, in
//! [`CALIBRATION_ROUNDS`] rounds. What it hands back is the median round's
//! mean delay less that round's settlement worker's mean lateness: the way
//! of one notification from the settled payment to the shop's record. The
//! paper model then adds the run's own settlement lateness, as it always
//! did, so the one thing taken from the calibration is what the platform's
//! push path, the client and the shop's handler cost on this machine.
//!
//! **Right before each strategy, not once before the first.** A single
//! calibration before the scenario's first strategy read the machine before
//! minutes of load: on the shared 2-core machine, a webhook measured after
//! six pollers (poll-interval-sweep) took 0.563 ± 0.024 ms against a way
//! calibrated at the start that made the model 0.416 ms, and the long polls
//! and the stream of spectrum-real took 0.47 to 0.55 ms against about 0.37
//! (they were given the webhook's way, which is not theirs either). So the
//! run calibrates each strategy the platform pushes to
//! ([`needs_calibration`]: webhook, hybrid, long poll, stream) with its own
//! kind, right before that strategy starts, on the machine as it meets it.
//! It is still a calibration *before the strategy's load*: the strategy's
//! own run never feeds its paper prediction.
//!
//! **The prediction's own error.** The rounds differ (other processes load
//! each one differently), and that spread is how well the way is known: the
//! standard error of the median of the rounds ([`Calibrated::stderr_us`]).
//! The way enters the paper prediction whole, so that is the prediction's
//! standard error (`latency_mean_stderr_ms` in `summary.json`), and the
//! report marks the row only when model and measurement differ by more
//! than 1.96 times the combined standard error.
//!
//! The median, not the fastest round: on the shared machine other processes
//! load every round, and the run after them, alike; the fastest round was
//! the luckiest, and read low (checkout's webhook: a 0.125 ms way, so a
//! 0.265 ms paper model, against 0.339 ms measured, flagged `(!)`). And
//! paced as the run: payments 2 ms apart kept the dispatcher's and the
//! receiver's threads awake, where checkout's settlements come about 11 ms
//! apart and each delivery wakes a parked thread.
//!
//! The model fed the run's draws needs no calibration for a webhook: it
//! reads each delivery's own legs off the run's records
//! (`crate::deliveries`). A held request's or a stream's answer leaves no
//! such record, so there the draws' model takes the calibrated way beyond
//! the creations' response leg, and says so in its `rtt_source`.

use crate::network::Loopback;
use crate::run::{Setting, Silent, run_strategy};
use hooklab_core::clock::Clock;
use hooklab_core::dist::{Arrival, Distribution};
use hooklab_core::duration::Dur;
use hooklab_core::scenario::{
    ClockMode, DeliverySettings, Faults, NetworkSettings, Scenario, StrategySpec,
};
use hooklab_core::workload;

/// Deliveries one calibration round times.
pub const CALIBRATION_ORDERS: u32 = 100;

/// Rounds a calibration runs, each a fresh platform and shop; the median
/// round's mean is kept (an odd count, so it is one of them). One disturbed
/// round, slow or fast, moves it no more than to its neighbour's.
pub const CALIBRATION_ROUNDS: u32 = 5;

/// The gap between two calibration payments: the scenario's own mean gap
/// between settlements, so the dispatcher and the receiver idle between two
/// deliveries as long as in the run (a thread parked longer wakes slower),
/// kept within these bounds so a round stays short and never a burst.
/// The upper bound was 10 ms: poll-interval-sweep's settlements come about
/// 60 ms apart, and its webhook measured a 0.451 ms way against 0.188 ms
/// calibrated 10 ms apart (rate-limited-polling: 0.342 against 0.186),
/// marked `(!)` on a quiet machine; paced like the run, the threads the
/// calibration wakes have parked as long as the run's.
const CALIBRATION_GAP_MIN: Dur = Dur::from_ms(2);
const CALIBRATION_GAP_MAX: Dur = Dur::from_ms(100);

/// How long one round's payments may take to come in, at its gap: fewer
/// notifications (down to [`CALIBRATION_ORDERS_MIN`]) when they come far
/// apart, so a sparse scenario's calibration stays a few seconds.
const CALIBRATION_ROUND_BUDGET: Dur = Dur::from_secs(1);
const CALIBRATION_ORDERS_MIN: u32 = 20;

/// The notifications one round times at `gap`.
fn round_orders(gap: Dur) -> u32 {
    let fit = CALIBRATION_ROUND_BUDGET.as_us() / gap.as_us().max(1);
    (fit.min(u64::from(CALIBRATION_ORDERS)) as u32).max(CALIBRATION_ORDERS_MIN)
}

/// The mean gap between the settlements of `scenario`'s workload, within
/// the calibration's bounds.
fn calibration_gap(scenario: &Scenario) -> Dur {
    let plan = workload::generate(&scenario.workload, scenario.seed);
    let settled = plan.iter().map(|o| o.arrive_at.plus(o.settle_after).0);
    let (first, last) = settled.fold((u64::MAX, 0), |(lo, hi), t| (lo.min(t), hi.max(t)));
    let gaps = plan.len().saturating_sub(1).max(1) as u64;
    Dur(last.saturating_sub(first) / gaps)
        .max(CALIBRATION_GAP_MIN)
        .min(CALIBRATION_GAP_MAX)
}

/// Each calibration payment settles this long after its creation.
const CALIBRATION_SETTLE: Dur = Dur::from_ms(5);

/// What a delivery calibration measured: the way, and how well it knows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibrated {
    /// The median round's way (see [`calibrate_delivery`]).
    pub way: Dur,
    /// The standard error of that median, µs: `sqrt(π/2)·s/√n` over the
    /// rounds' ways (s their standard deviation, n their count), the
    /// large-sample standard error of a median. It is the paper
    /// prediction's own uncertainty: the way is added to it whole, so a
    /// way known to ±e moves the prediction by ±e. `None` with fewer than
    /// two rounds (no spread to read).
    pub stderr_us: Option<f64>,
    /// How many rounds delivered.
    pub rounds: usize,
    /// The notifications each round timed (`round_orders`).
    pub orders: u32,
}

/// Whether `spec`'s paper model needs a calibrated way in real time: the
/// strategies whose delay is a push from the platform (a webhook's
/// delivery, a held request's or a stream's answer), whose way goes through
/// more of the platform and the shop than a bare loopback round trip.
pub fn needs_calibration(spec: &StrategySpec) -> bool {
    matches!(
        spec,
        StrategySpec::Webhook { .. }
            | StrategySpec::Hybrid { .. }
            | StrategySpec::LongPoll { .. }
            | StrategySpec::LongPollEvents { .. }
            | StrategySpec::Stream { .. }
    )
}

/// The mean way of one notification of `spec` on this machine as it is
/// right before the strategy runs: from the settlement worker settling a
/// payment to the shop recording it, the median of [`CALIBRATION_ROUNDS`]
/// rounds of `spec` itself on a small workload (see the module docs). Runs
/// inside the real-clock runtime, right before the strategy. `loopback_rtt`
/// is the bare round trip already calibrated (the calibration run's own
/// fold needs one). `None` if the calibration run failed or delivered
/// nothing.
/// `net`: a loopback like the one the strategy uses (the platform on a
/// runtime of its own when the run measures its CPU), so the calibrated way
/// crosses the same thread hand-offs as the run's notifications.
pub async fn calibrate_delivery(
    scenario: &Scenario,
    spec: &StrategySpec,
    loopback_rtt: Option<Dur>,
    net: &Loopback,
) -> Option<Calibrated> {
    let gap = calibration_gap(scenario);
    let orders = round_orders(gap);
    let mut ways = Vec::with_capacity(CALIBRATION_ROUNDS as usize);
    for _ in 0..CALIBRATION_ROUNDS {
        if let Some(way) = delivery_round(scenario, spec, (gap, orders), loopback_rtt, net).await {
            ways.push(way);
        }
    }
    let rounds = ways.len();
    let stderr_us = median_stderr_us(&ways);
    median(ways).map(|way| Calibrated {
        way,
        stderr_us,
        rounds,
        orders,
    })
}

/// The median of `ways` (the upper one of an even count), `None` if empty.
fn median(mut ways: Vec<Dur>) -> Option<Dur> {
    ways.sort_unstable();
    ways.get(ways.len() / 2).copied()
}

/// The large-sample standard error of the median of `ways`, µs:
/// `sqrt(π/2)·s/√n`, with s the rounds' sample standard deviation. `None`
/// below two rounds.
fn median_stderr_us(ways: &[Dur]) -> Option<f64> {
    let n = ways.len();
    if n < 2 {
        return None;
    }
    let xs = ways.iter().map(|w| w.as_us() as f64);
    let mean = xs.clone().sum::<f64>() / n as f64;
    let var = xs.map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    Some((std::f64::consts::FRAC_PI_2).sqrt() * var.sqrt() / (n as f64).sqrt())
}

/// One calibration round: `orders` notifications of `spec` on
/// a fresh platform and shop, `gap` apart, their mean delay less their
/// settlement lateness.
async fn delivery_round(
    scenario: &Scenario,
    spec: &StrategySpec,
    (gap, orders): (Dur, u32),
    loopback_rtt: Option<Dur>,
    net: &Loopback,
) -> Option<Dur> {
    let mut bench = scenario.clone();
    bench.name = "calibration".to_owned();
    bench.workload.orders = orders;
    bench.workload.merchants = 1;
    bench.workload.arrival = Arrival::Fixed { every_ms: gap };
    bench.workload.settle = Distribution::Fixed {
        ms: CALIBRATION_SETTLE,
    };
    bench.faults = Faults::default();
    bench.network = NetworkSettings::default();
    bench.delivery = DeliverySettings::default();
    bench.sweep.clear();
    bench.strategies = vec![spec.clone()];
    let plan: std::sync::Arc<[hooklab_core::workload::OrderPlan]> =
        workload::generate(&bench.workload, bench.seed).into();
    let setting = Setting {
        scenario: &bench,
        clock: ClockMode::Real,
        calibrated: loopback_rtt,
        calibrated_delivery: None,
        timer_late: Dur::ZERO,
        // A calibration's report is read for its mean delay only.
        order_lives: 1,
    };
    let report = match run_strategy(
        0,
        net,
        Clock::system_unix_us(),
        setting,
        spec,
        &plan,
        &Silent,
    )
    .await
    {
        Ok(report) => report,
        Err(e) => {
            tracing::warn!(
                error = &e as &dyn std::error::Error,
                "delivery calibration failed"
            );
            return None;
        }
    };
    if report.latency_ms.count == 0 {
        return None;
    }
    let way_ms = report.latency_ms.mean - report.predicted.settle_lateness_ms;
    Some(Dur((way_ms.max(0.0) * 1e3).round() as u64))
}

/// Where the paper prediction's legs come from, for one strategy's fold.
pub(crate) struct PaperLegs {
    /// One-way loopback time added to the `[network]` latency's mean, µs.
    pub loopback_leg_us: f64,
    /// Added to the run's settlement lateness for the webhook's departure,
    /// µs: the calibrated delivery's way beyond one loopback leg (the
    /// dispatcher's hand-off, the client's and the receiver's work). Zero in
    /// virtual time, where none of it takes time.
    pub handoff_us: f64,
    /// What was measured, in words (the summary's `rtt_source`).
    pub source: String,
}

/// The paper legs of a run on `clock`, from the calibrations (`rtt`, the
/// bare loopback round trip; `delivery`, [`calibrate_delivery`]'s way for
/// this strategy) or,
/// if the round trip could not be calibrated, from the run's median payment
/// creation round trip `create_rtt_us`, less the `[network]` leg.
pub(crate) fn paper_legs(
    clock: ClockMode,
    rtt: Option<Dur>,
    delivery: Option<Calibrated>,
    network_leg_us: f64,
    create_rtt_us: f64,
) -> PaperLegs {
    let (loopback_leg_us, mut source) = match (clock, rtt) {
        (ClockMode::Virtual, _) => {
            return PaperLegs {
                loopback_leg_us: 0.0,
                handoff_us: 0.0,
                source: "virtual time: the [network] latency's mean each way (in-memory pipes take no time)".to_owned(),
            };
        }
        (ClockMode::Real, Some(rtt)) => (
            rtt.as_us() as f64 / 2.0,
            "calibrated before the load: half a loopback round trip (median of 21) plus the [network] latency's mean, each way".to_owned(),
        ),
        (ClockMode::Real, None) => (
            (create_rtt_us / 2.0 - network_leg_us).max(0.0),
            "measured in the run: half the median payment creation round trip, each way (the calibration failed)".to_owned(),
        ),
    };
    let handoff_us = match delivery {
        Some(c) => {
            let way_us = c.way.as_us() as f64;
            source.push_str(&format!(
                "; this strategy's way from the settled payment to the shop's record: {:.3} ms, the median of {} means of {} notifications of this strategy on a fresh platform and shop, timed right before it ran (so on the machine as it met the strategy), paced as the run's settlements, less their settlement lateness",
                way_us / 1e3,
                c.rounds,
                c.orders
            ));
            if let Some(se) = c.stderr_us {
                source.push_str(&format!(
                    "; the rounds' spread makes it known to ±{:.3} ms (one standard error of their median), the prediction's own standard error",
                    se / 1e3
                ));
            }
            (way_us - loopback_leg_us).max(0.0)
        }
        None => 0.0,
    };
    PaperLegs {
        loopback_leg_us,
        handoff_us,
        source,
    }
}

/// Sleeps a timer calibration times.
const TIMER_SLEEPS: u64 = 50;

/// The gap between two of its wake-ups, as between a class scenario's
/// arrivals.
const TIMER_GAP: Dur = Dur::from_ms(2);

/// The mean lateness of tokio's timer on this machine, unloaded: the
/// runtime sleeps until `TIMER_SLEEPS` instants 2 ms apart, as the order
/// driver does between arrivals, and each wake is compared with its due
/// instant. tokio's timer ticks once a millisecond, so on an idle machine
/// this is already about 1 ms; an order placed that late was placed on
/// time as far as this machine's timer goes (see
/// [`hooklab_core::model::health`]). Zero in virtual time, where every
/// deadline is exact.
pub async fn calibrate_timer() -> Dur {
    let clock = Clock::starting_now(0);
    let origin = clock.now();
    let mut late_us = 0u64;
    for k in 1..=TIMER_SLEEPS {
        let due = origin.plus(Dur(k * TIMER_GAP.as_us()));
        clock.sleep_until(due).await;
        late_us += clock.now().since(due).as_us();
    }
    Dur(late_us / TIMER_SLEEPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_round_is_kept_not_the_fastest() {
        let ways = [206, 125, 307, 190, 199].map(Dur).to_vec();
        assert_eq!(median(ways), Some(Dur(199)));
        assert_eq!(median(vec![Dur(3), Dur(1)]), Some(Dur(3)));
        assert_eq!(median(Vec::new()), None);
    }

    #[test]
    fn the_rounds_spread_is_the_predictions_standard_error() {
        // Rounds 200, 210, 190, 205, 195 µs: mean 200, s = sqrt(250/4) =
        // 7.906; the median's standard error sqrt(π/2)·7.906/sqrt(5).
        let ways = [200, 210, 190, 205, 195].map(Dur);
        let se = median_stderr_us(&ways).unwrap_or(f64::NAN);
        let want = (std::f64::consts::FRAC_PI_2).sqrt() * (250.0f64 / 4.0).sqrt() / 5f64.sqrt();
        assert!((se - want).abs() < 1e-9, "{se} against {want}");
        assert!((se - 4.431).abs() < 1e-3, "{se}");
        // Identical rounds: no spread; one round: nothing to read.
        assert_eq!(median_stderr_us(&[Dur(7), Dur(7)]), Some(0.0));
        assert_eq!(median_stderr_us(&[Dur(7)]), None);
    }

    #[test]
    fn push_strategies_are_calibrated_and_pollers_are_not() {
        let name = String::new();
        assert!(needs_calibration(&StrategySpec::Webhook {
            name: name.clone()
        }));
        assert!(needs_calibration(&StrategySpec::Stream {
            name: name.clone()
        }));
        assert!(needs_calibration(&StrategySpec::LongPoll {
            name: name.clone(),
            wait_ms: Dur::from_ms(10_000),
        }));
        assert!(!needs_calibration(&StrategySpec::Poll {
            name,
            interval_ms: Dur::from_ms(100),
        }));
    }
}
