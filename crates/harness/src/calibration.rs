//! What one webhook delivery costs this machine, measured before the load.
//!
//! The paper model says a webhook reaches the shop one request leg after the
//! settlement worker settles the payment. On a real machine the event also
//! waits in the platform's dispatcher queue, is signed, goes through the
//! HTTP client's own work (reqwest's), the shop's server and the receiver's
//! verification and bookkeeping before the shop records it. A bare loopback
//! round trip ([`crate::network::calibrate_loopback_rtt`], about 0.02 ms)
//! misses all of that, so a real-clock webhook row measured about 0.2 ms
//! against a paper model of 0.11 ms and was marked `(!)`.
//!
//! [`calibrate_delivery`] therefore times real deliveries through the same
//! code a run uses: a fresh platform and shop on `127.0.0.1:0`, a small
//! webhook-only workload ([`CALIBRATION_ORDERS`] payments, no faults, no
//! `[network]` latency, settling as far apart as the scenario's own
//! settlements, 2 to 10 ms), folded like any run, in [`CALIBRATION_ROUNDS`]
//! rounds. What it hands back is the median round's mean delay less that
//! round's settlement worker's mean lateness: the
//! way of one delivery from the settled payment to the shop's record. The
//! paper model then adds the run's own settlement lateness, as it always did,
//! so the one thing taken from the calibration is what the dispatcher, the
//! client and the receiver cost on this machine as it is loaded now, by
//! everything but the run itself.
//!
//! The median, not the fastest round: on the shared machine other processes
//! load every round, and the run after them, alike; the fastest round was
//! the luckiest, and read low (checkout's webhook: a 0.125 ms way, so a
//! 0.265 ms paper model, against 0.339 ms measured, flagged `(!)`). And
//! paced as the run: payments 2 ms apart kept the dispatcher's and the
//! receiver's threads awake, where checkout's settlements come about 11 ms
//! apart and each delivery wakes a parked thread. With both, three release
//! runs of checkout on the loaded machine calibrated 0.207 to 0.218 ms
//! against 0.23 to 0.24 ms measured in the runs (their mean delay less their
//! lateness), each paper model inside its run's 95% interval.
//!
//! The model fed the run's draws needs no calibration: it reads each
//! delivery's own legs off the run's records (`crate::deliveries`).

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
const CALIBRATION_GAP_MIN: Dur = Dur::from_ms(2);
const CALIBRATION_GAP_MAX: Dur = Dur::from_ms(10);

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

/// The mean way of one webhook delivery on this machine before the run's
/// load: from the settlement worker settling a payment to the shop
/// recording its event, the median of [`CALIBRATION_ROUNDS`] rounds (see
/// the module docs). Runs inside the real-clock runtime, before the
/// scenario's first strategy. `loopback_rtt` is the bare round trip already
/// calibrated (the calibration run's own fold needs one). `None` if the
/// calibration run failed or delivered nothing.
/// `net`: the loopback the run's strategies use (the platform on a runtime
/// of its own when the run measures its CPU), so the calibrated way crosses
/// the same thread hand-offs as the run's deliveries.
pub async fn calibrate_delivery(
    scenario: &Scenario,
    loopback_rtt: Option<Dur>,
    net: &Loopback,
) -> Option<Dur> {
    let gap = calibration_gap(scenario);
    let mut ways = Vec::with_capacity(CALIBRATION_ROUNDS as usize);
    for _ in 0..CALIBRATION_ROUNDS {
        if let Some(way) = delivery_round(scenario, gap, loopback_rtt, net).await {
            ways.push(way);
        }
    }
    median(ways)
}

/// The median of `ways` (the upper one of an even count), `None` if empty.
fn median(mut ways: Vec<Dur>) -> Option<Dur> {
    ways.sort_unstable();
    ways.get(ways.len() / 2).copied()
}

/// One calibration round: [`CALIBRATION_ORDERS`] deliveries on a fresh
/// platform and shop, `gap` apart, their mean delay less their settlement
/// lateness.
async fn delivery_round(
    scenario: &Scenario,
    gap: Dur,
    loopback_rtt: Option<Dur>,
    net: &Loopback,
) -> Option<Dur> {
    let mut bench = scenario.clone();
    bench.name = "calibration".to_owned();
    bench.workload.orders = CALIBRATION_ORDERS;
    bench.workload.merchants = 1;
    bench.workload.arrival = Arrival::Fixed { every_ms: gap };
    bench.workload.settle = Distribution::Fixed {
        ms: CALIBRATION_SETTLE,
    };
    bench.faults = Faults::default();
    bench.network = NetworkSettings::default();
    bench.delivery = DeliverySettings::default();
    bench.sweep.clear();
    let spec = StrategySpec::Webhook {
        name: "calibration".to_owned(),
    };
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
        &spec,
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
/// bare loopback round trip; `delivery`, [`calibrate_delivery`]'s way) or,
/// if the round trip could not be calibrated, from the run's median payment
/// creation round trip `create_rtt_us`, less the `[network]` leg.
pub(crate) fn paper_legs(
    clock: ClockMode,
    rtt: Option<Dur>,
    delivery: Option<Dur>,
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
        Some(way) => {
            let way_us = way.as_us() as f64;
            source.push_str(&format!(
                "; a webhook's way from the settled payment to the shop's record: {:.3} ms, the median of {CALIBRATION_ROUNDS} means of {CALIBRATION_ORDERS} deliveries through the platform's dispatcher to the shop's receiver before the run's load, paced as the run's settlements, less their settlement lateness",
                way_us / 1e3
            ));
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
}
