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
//! workload of the strategy itself (up to [`CALIBRATION_ORDERS`] payments,
//! no faults, no `[network]` latency), folded like any run, in
//! [`CALIBRATION_ROUNDS`] rounds. What it hands back is the rounds' mean
//! delay less their settlement worker's lateness: the way of one
//! notification from the settled payment to the shop's record. The paper
//! model then adds the run's own settlement lateness, as it always did, so
//! the one thing taken from the calibration is what the platform's push
//! path, the client and the shop's handler cost on this machine.
//!
//! **Right before each strategy, not once before the first.** A single
//! calibration before the scenario's first strategy read the machine before
//! minutes of load (poll-interval-sweep's webhook, after six pollers:
//! 0.563 ± 0.024 ms against a model of 0.416 ms). So the run calibrates
//! each strategy the platform pushes to ([`needs_calibration`]: webhook,
//! hybrid, long poll, stream) with its own kind, right before that strategy
//! starts. It is still a calibration *before the strategy's load*: the
//! strategy's own run never feeds its paper prediction.
//!
//! **Idle as the run, not warm.** How long a delivery takes depends on how
//! long the threads on its way (the settlement worker's, the dispatcher's,
//! the client's connection task, the shop's server; on this 2-vCPU virtual
//! machine the vCPUs themselves, halted when idle) have been parked: a
//! delivery right after other traffic finds them awake. The calibration
//! used to settle each payment 5 ms after creating it, so every calibrated
//! delivery came 5 ms after a creation's exchange had woken both processes,
//! while a run's deliveries mostly come after an idle gap (all of
//! poll-interval-sweep's, whose creations end before its first settlement;
//! two thirds of checkout's). Timed stage by stage on one clock (the
//! settlement's due instant, the attempt's start, the shop's record), the
//! part that differed was the request leg, the attempt's start to the
//! shop's record: poll-interval-sweep's calibration rounds had medians of
//! 232 to 268 µs against 318 µs in the run right after them, and within
//! checkout's run the median request leg grew with the gap since the
//! previous delivery, 180 µs under 1 ms to 292 µs beyond 30 ms (both on the
//! shared machine, load about 15). A round creates its payments first
//! (`round_plan`), and then they settle at a stretch of the scenario's own
//! settlement gaps (`round_settlements`: bunched or spread as the run's
//! come, not one fixed gap), the rounds centred on five quantiles of the
//! run's settlements, so together they replay its dense and sparse
//! stretches in proportion. That is why the rounds' *mean* is kept: each
//! round is an equal share of the run's deliveries.
//!
//! **Nor idler than the run.** Taking every creation out from between the
//! deliveries overshot where the run creates payments while others settle
//! (checkout, a creation every 5 ms for its first 1.5 s; lost-webhooks;
//! spectrum-real): there a delivery often comes a millisecond or two after
//! a creation's exchange, which woke the same runtime threads, and the
//! rounds had none. The model then came out *above* the measurement:
//! checkout's webhook 0.180 ± 0.009 ms measured against 0.227 ± 0.016,
//! spectrum-real's 0.308 against 0.377, lost-webhooks' 0.211 against 0.231.
//! Timed delivery by delivery (each payment's due settlement, its attempt's
//! start, the shop's record) and binned by the gap since the last exchange
//! of any kind, a creation or a delivery, the rounds' median request legs
//! were the run's (checkout: 68 against 76 µs under 1 ms, 97/105 at 1–3 ms,
//! 108/118 at 3–7 ms, 131/133 at 7–15 ms, 152/158 at 15–30 ms); what
//! differed was how many deliveries fell in each bin: 32% of the rounds'
//! came within 3 ms of the last exchange against 47% of the run's, and 20%
//! more than 15 ms after it against 12%. So each settlement of a round now
//! keeps the run's last creation before it, when no other settlement came
//! in between and it came less than `CALIBRATION_GAP_MAX` (100 ms) before
//! (`Slot::created_before`), and `round_plan` creates one of the round's
//! later payments at that instant (one settling at least
//! `CALIBRATION_CREATE_MARGIN` later; the rest are created first, as
//! before). The rounds' gaps since the last exchange then fall as the
//! run's do (checkout: 16, 28, 28, 14, 9 and 4% in those bins and beyond,
//! against the run's 18, 26, 28, 15, 9 and 3%). A scenario whose creations
//! end before its settlements start (poll-interval-sweep) keeps none, and
//! its rounds are as idle as before: the guard against the old bias. What
//! this pacing still misses (a dense run's own extra work; one round the
//! machine starved lifting the rounds' mean) is measured in `docs/model.md`
//! ("The real clock: nor idler than the run").
//!
//! **The prediction's own error.** The rounds differ (other processes load
//! each one differently, and each replays other gaps), and that spread is
//! how well the way is known: the standard error of their mean
//! ([`Calibrated::stderr_us`]). The way enters the paper prediction whole,
//! so that is the prediction's standard error (`latency_mean_stderr_ms` in
//! `summary.json`), and the report marks the row only when model and
//! measurement differ by more than 1.96 times the combined standard error.
//!
//! The model fed the run's draws needs no calibration for a webhook: it
//! reads each delivery's own legs off the run's records
//! (`crate::deliveries`). A held request's or a stream's answer leaves no
//! such record, so there the draws' model takes the calibrated way beyond
//! the creations' response leg, and says so in its `rtt_source`.

use crate::network::Loopback;
use crate::run::{Setting, Silent, run_strategy};
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::dist::Arrival;
use hooklab_core::duration::Dur;
use hooklab_core::scenario::{
    ClockMode, DeliverySettings, Faults, NetworkSettings, Scenario, StrategySpec,
};
use hooklab_core::workload::{self, OrderPlan};

/// Deliveries one calibration round times, at most.
pub const CALIBRATION_ORDERS: u32 = 100;

/// Rounds a calibration runs, each a fresh platform and shop replaying
/// another stretch of the scenario's settlements (see `round_settlements`);
/// their mean is kept.
pub const CALIBRATION_ROUNDS: u32 = 5;

/// The longest gap a round keeps between two settlements. The run's own
/// gaps are kept below it; a longer one (a sparse scenario's) only makes the
/// round last longer: past 100 ms the threads the delivery wakes have long
/// been parked either way.
const CALIBRATION_GAP_MAX: Dur = Dur::from_ms(100);

/// How long one round's settlements may take to come in: fewer
/// notifications (down to [`CALIBRATION_ORDERS_MIN`]) when they come far
/// apart, so a sparse scenario's calibration stays a few seconds.
const CALIBRATION_ROUND_BUDGET: Dur = Dur::from_secs(1);
const CALIBRATION_ORDERS_MIN: u32 = 20;

/// The gap between two of a round's payment creations made before its
/// first settlement (those that replay none of the run's; see
/// `round_plan`).
const CALIBRATION_CREATE_GAP: Dur = Dur::from_ms(2);

/// How long, at least, a payment a round creates between its deliveries
/// waits before it settles: the creation's answer is back long before its
/// own event leaves (the run's payments wait 0.1 s and more).
const CALIBRATION_CREATE_MARGIN: Dur = Dur::from_ms(20);

/// How long after a round's last creation its first payment settles: as
/// long as the longest gap, so the first delivery finds the machine as
/// idle as the others do.
const CALIBRATION_LEAD: Dur = CALIBRATION_GAP_MAX;

/// The notifications one round times at a mean gap of `gap`.
fn round_orders(gap: Dur) -> u32 {
    let fit = CALIBRATION_ROUND_BUDGET.as_us() / gap.as_us().max(1);
    (fit.min(u64::from(CALIBRATION_ORDERS)) as u32).max(CALIBRATION_ORDERS_MIN)
}

/// The instants of `scenario`'s workload, µs on the plan's clock, each list
/// sorted: when its payments are created (at arrival: the placement's and
/// the request's legs are about the same for every payment and cancel in
/// the gaps) and when they settle.
struct PlanInstants {
    created: Vec<u64>,
    settled: Vec<u64>,
}

fn plan_instants(scenario: &Scenario) -> PlanInstants {
    let plan = workload::generate(&scenario.workload, scenario.seed);
    let mut created: Vec<u64> = plan.iter().map(|o| o.arrive_at.0).collect();
    let mut settled: Vec<u64> = plan
        .iter()
        .map(|o| o.arrive_at.plus(o.settle_after).0)
        .collect();
    created.sort_unstable();
    settled.sort_unstable();
    PlanInstants { created, settled }
}

/// One settlement of a round: when it comes, and whether a creation comes
/// right before it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Slot {
    /// Its offset from the round's first settlement.
    settle: Dur,
    /// How long before it the run's last payment creation came, when that
    /// creation came after the settlement before it (so it was the last
    /// exchange the delivery found) and less than [`CALIBRATION_GAP_MAX`]
    /// before it.
    created_before: Option<Dur>,
}

/// Which of the sorted `settled` round `round` replays: as many
/// consecutive ones as fit [`CALIBRATION_ROUND_BUDGET`] at their mean gap,
/// centred on the `(round + ½)/rounds` quantile.
fn round_stretch(settled: &[u64], round: u32, rounds: u32) -> std::ops::Range<usize> {
    let Some((&first, &last)) = settled.first().zip(settled.last()) else {
        return 0..0;
    };
    let mean_gap = Dur((last - first) / (settled.len().saturating_sub(1).max(1) as u64));
    let n = (round_orders(mean_gap) as usize).min(settled.len());
    let centre = (settled.len() as u64 * (2 * u64::from(round) + 1)
        / (2 * u64::from(rounds.max(1)))) as usize;
    let start = centre.saturating_sub(n / 2).min(settled.len() - n);
    start..start + n
}

/// Round `round`'s settlements, as offsets from its first one: a stretch
/// of consecutive settlements of the scenario's own plan, as many as fit
/// [`CALIBRATION_ROUND_BUDGET`] at the plan's mean gap, centred on the
/// `(round + ½)/rounds` quantile, so the rounds together replay the run's
/// dense and sparse stretches in proportion; its gaps are the run's own
/// (bunched or spread as they come), each at most [`CALIBRATION_GAP_MAX`].
/// Each settlement also keeps the run's last creation before it, when no
/// other settlement came in between ([`Slot::created_before`]): the
/// exchange that woke the threads its delivery takes.
fn round_settlements(plan: &PlanInstants, round: u32, rounds: u32) -> Vec<Slot> {
    let settled = &plan.settled;
    let stretch = round_stretch(settled, round, rounds);
    let start = stretch.start;
    let mut at = 0u64;
    let mut slots = Vec::with_capacity(stretch.len());
    for j in stretch {
        let t = settled[j];
        let previous = j.checked_sub(1).map(|p| settled[p]);
        if j > start {
            at += previous.map_or(0, |p| (t - p).min(CALIBRATION_GAP_MAX.as_us()));
        }
        // The last creation at or before this settlement, if none of the
        // settlements before it came after that creation.
        let made = plan.created.partition_point(|&c| c <= t);
        let created_before = made
            .checked_sub(1)
            .map(|c| plan.created[c])
            .filter(|&c| previous.is_none_or(|p| c > p))
            .map(|c| Dur(t - c))
            .filter(|&back| back < CALIBRATION_GAP_MAX);
        slots.push(Slot {
            settle: Dur(at),
            created_before,
        });
    }
    slots
}

/// Round `round`'s settlements ([`round_settlements`]) behind one more,
/// untimed: the run's settlement right before the stretch (the longest gap
/// before it when the stretch starts the run), replayed first and left out
/// of the round's mean ([`timed_mean_ms`]).
///
/// Why: a round is a fresh platform and shop, so its first delivery opens
/// the connection, runs the dispatcher's and the receiver's first request,
/// and comes after the round's whole idle lead: a cold start no delivery
/// of the run but its very first one makes. Timed, it weighed one delivery
/// in a round's 20 to 100, against one in the run's hundreds: on the shared
/// machine a round's first delivery took up to 6.5 ms (spectrum-real, 40 a
/// round), and leaving it out moved the calibrated way by 6 to 26 µs there
/// and 3 to 5 µs in checkout (100 a round), always down, toward the run
/// (`docs/model.md`, "The real clock: a round's first delivery"). Warmed so,
/// the first timed delivery finds a connection open and comes the run's
/// own gap after the settlement before it, as in the run.
fn warmed_settlements(plan: &PlanInstants, round: u32, rounds: u32) -> Vec<Slot> {
    let timed = round_settlements(plan, round, rounds);
    if timed.is_empty() {
        return timed;
    }
    let start = round_stretch(&plan.settled, round, rounds).start;
    let gap = start
        .checked_sub(1)
        .map_or(CALIBRATION_GAP_MAX.as_us(), |p| {
            (plan.settled[start] - plan.settled[p]).min(CALIBRATION_GAP_MAX.as_us())
        });
    std::iter::once(Slot {
        settle: Dur::ZERO,
        created_before: None,
    })
    .chain(timed.into_iter().map(|s| Slot {
        settle: Dur(s.settle.as_us() + gap),
        ..s
    }))
    .collect()
}

/// The mean delay of a round's timed deliveries, ms: every order's but the
/// first's (the warm-up, [`warmed_settlements`]; the first created, so the
/// first in number order), from the timeline's order lives (`[placed,
/// settled, known]`, every order kept), the delay being the known instant
/// less the settled one, as the run's latency is measured. `None` if none
/// of them was known.
fn timed_mean_ms(lives: &[[f64; 3]]) -> Option<f64> {
    let delays: Vec<f64> = lives
        .iter()
        .skip(1)
        .filter(|l| l[1] >= 0.0 && l[2] >= 0.0)
        .map(|l| l[2] - l[1])
        .collect();
    (!delays.is_empty()).then(|| delays.iter().sum::<f64>() / delays.len() as f64)
}

/// A round's plan for `slots`: each settles at its offset after a
/// [`CALIBRATION_LEAD`] past the first creations, and a creation comes at
/// each [`Slot::created_before`], as in the run. The payment created there
/// is the next to settle at least [`CALIBRATION_CREATE_MARGIN`] later (a
/// creation with none left is dropped); every other payment is created
/// first, [`CALIBRATION_CREATE_GAP`] apart. So the only exchange between two
/// deliveries is the run's own last creation between them: a delivery
/// right after a creation finds the threads on its way awake, one after an
/// idle gap finds them parked (see the module docs), in the proportions of
/// the run. `template`: a plan of as many orders, for ids, outcomes,
/// amounts; the plan comes in the order of the creations, as the order
/// driver places them.
fn round_plan(template: Vec<OrderPlan>, slots: &[Slot]) -> Vec<OrderPlan> {
    let n = slots.len();
    let margin = CALIBRATION_CREATE_MARGIN.as_us() as i64;
    // The creations the run had, µs from the round's first settlement
    // (negative: before it), and which payment each creates.
    let mut wanted: Vec<i64> = slots
        .iter()
        .filter_map(|s| {
            s.created_before
                .map(|back| s.settle.as_us() as i64 - back.as_us() as i64)
        })
        .collect();
    wanted.sort_unstable();
    let mut created: Vec<Option<i64>> = vec![None; n];
    let mut next = 0;
    for c in wanted {
        let eligible = slots.partition_point(|s| (s.settle.as_us() as i64) < c + margin);
        let j = next.max(eligible);
        if j < n {
            created[j] = Some(c);
            next = j + 1;
        }
    }
    let first = created.iter().filter(|c| c.is_none()).count() as u64;
    let base = CALIBRATION_CREATE_GAP.as_us() * first.saturating_sub(1) + CALIBRATION_LEAD.as_us();
    let mut early = 0u64;
    let mut times: Vec<(u64, u64)> = slots
        .iter()
        .zip(&created)
        .map(|(slot, c)| {
            let settle = base + slot.settle.as_us();
            let at = match c {
                Some(c) => (base as i64 + c).max(0) as u64,
                None => {
                    early += 1;
                    CALIBRATION_CREATE_GAP.as_us() * (early - 1)
                }
            };
            (at, settle)
        })
        .collect();
    times.sort_by_key(|&(at, _)| at);
    template
        .into_iter()
        .zip(times)
        .map(|(order, (at, settle))| OrderPlan {
            arrive_at: Micros(at),
            settle_after: Dur(settle - at),
            ..order
        })
        .collect()
}

/// What a delivery calibration measured: the way, and how well it knows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibrated {
    /// The mean of the rounds' ways (see [`calibrate_delivery`]).
    pub way: Dur,
    /// The standard error of that mean, µs: `s/√n` over the rounds' ways
    /// (s their standard deviation, n their count). It is the paper
    /// prediction's own uncertainty: the way is added to it whole, so a
    /// way known to ±e moves the prediction by ±e. `None` with fewer than
    /// two rounds (no spread to read).
    pub stderr_us: Option<f64>,
    /// How many rounds delivered.
    pub rounds: usize,
    /// Of those, how many were timed right after the strategy ran
    /// ([`Calibrated::and_after`]); the others right before it.
    pub rounds_after: usize,
    /// The notifications each round timed, at most.
    pub orders: u32,
}

impl Calibrated {
    /// This calibration (timed right before the strategy ran) pooled with
    /// `after`, timed right after it: the mean of all their rounds, and the
    /// standard error of that mean from all their rounds' spread, the two
    /// groups' own and the gap between them.
    ///
    /// **Why both sides of the run.** The rounds' spread says how well the
    /// way is known *at the moment they run*; the machine then keeps
    /// changing (on this shared 2-vCPU virtual machine, the host's other
    /// guests come and go over seconds). One calibration before each
    /// strategy saw it as the strategy met it, not as it left it: in one
    /// spectrum-real run the webhook's way was calibrated at 0.240 ms and
    /// the hybrid's, seconds later, at 0.308 ms, through the same dispatcher
    /// and receiver, each to about ±0.01 ms, while the runs right after them
    /// measured the other way round (webhook 0.307 ms, hybrid 0.243 ms),
    /// both marked `(!)`. Rounds on both sides bracket the run, and a
    /// machine that changed between them widens the prediction's error
    /// instead of hiding behind the tight spread of one moment.
    pub fn and_after(self, after: Calibrated) -> Calibrated {
        let (na, nb) = (self.rounds as f64, after.rounds as f64);
        let n = na + nb;
        if after.rounds == 0 {
            return self;
        }
        if self.rounds == 0 {
            return Calibrated {
                rounds_after: after.rounds,
                ..after
            };
        }
        let (ma, mb) = (self.way.as_us() as f64, after.way.as_us() as f64);
        let mean = (na * ma + nb * mb) / n;
        // Each group's sum of squares about its mean, back from its
        // standard error (`s/√k`: s² = se²·k), plus the groups' distances
        // from the pooled mean.
        let within = |c: &Calibrated, k: f64| c.stderr_us.map_or(0.0, |se| se * se * k * (k - 1.0));
        let squares = within(&self, na)
            + within(&after, nb)
            + na * (ma - mean).powi(2)
            + nb * (mb - mean).powi(2);
        let stderr_us = (n >= 2.0).then(|| (squares / (n - 1.0)).sqrt() / n.sqrt());
        Calibrated {
            way: Dur(mean.round() as u64),
            stderr_us,
            rounds: self.rounds + after.rounds,
            rounds_after: after.rounds,
            orders: self.orders.max(after.orders),
        }
    }
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
/// payment to the shop recording it, the mean of [`CALIBRATION_ROUNDS`]
/// rounds of `spec` itself, each replaying a stretch of the scenario's own
/// settlements (see the module docs). Runs inside the real-clock runtime,
/// right before the strategy. `loopback_rtt` is the bare round trip already
/// calibrated (the calibration run's own fold needs one). `None` if the
/// calibration run failed or delivered nothing.
/// `net`: a loopback like the one the strategy uses (the platform on a
/// runtime of its own when the run measures its CPU), so the calibrated way
/// crosses the same thread hand-offs as the run's notifications.
pub async fn calibrate_delivery(
    scenario: &Scenario,
    spec: &StrategySpec,
    loopback_rtt: Option<Dur>,
    net: &Loopback,
) -> Option<Calibrated> {
    let instants = plan_instants(scenario);
    let mut ways = Vec::with_capacity(CALIBRATION_ROUNDS as usize);
    let mut orders = 0;
    for round in 0..CALIBRATION_ROUNDS {
        let slots = warmed_settlements(&instants, round, CALIBRATION_ROUNDS);
        orders = orders.max(slots.len().saturating_sub(1) as u32);
        if let Some(way) = delivery_round(scenario, spec, &slots, loopback_rtt, net).await {
            ways.push(way);
        }
    }
    let rounds = ways.len();
    mean_and_stderr_us(&ways).map(|(mean_us, stderr_us)| Calibrated {
        way: Dur(mean_us.round() as u64),
        stderr_us,
        rounds,
        rounds_after: 0,
        orders,
    })
}

/// The mean of `ways`, µs, and its standard error `s/√n` (s the rounds'
/// sample standard deviation; `None` below two rounds). `None` if empty.
fn mean_and_stderr_us(ways: &[Dur]) -> Option<(f64, Option<f64>)> {
    let n = ways.len();
    if n == 0 {
        return None;
    }
    let xs = ways.iter().map(|w| w.as_us() as f64);
    let mean = xs.clone().sum::<f64>() / n as f64;
    let stderr = (n >= 2).then(|| {
        let var = xs.map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        var.sqrt() / (n as f64).sqrt()
    });
    Some((mean, stderr))
}

/// One calibration round: notifications of `spec` on a fresh platform and
/// shop, settling at `slots` ([`round_plan`]; the first, untimed, warms the
/// way, see [`warmed_settlements`]), the others' mean delay less the
/// round's settlement lateness.
async fn delivery_round(
    scenario: &Scenario,
    spec: &StrategySpec,
    slots: &[Slot],
    loopback_rtt: Option<Dur>,
    net: &Loopback,
) -> Option<Dur> {
    if slots.is_empty() {
        return None;
    }
    let mut bench = scenario.clone();
    bench.name = "calibration".to_owned();
    bench.workload.orders = slots.len() as u32;
    bench.workload.merchants = 1;
    bench.workload.arrival = Arrival::Fixed {
        every_ms: CALIBRATION_CREATE_GAP,
    };
    bench.faults = Faults::default();
    bench.network = NetworkSettings::default();
    bench.delivery = DeliverySettings::default();
    bench.sweep.clear();
    bench.strategies = vec![spec.clone()];
    let plan: std::sync::Arc<[OrderPlan]> =
        round_plan(workload::generate(&bench.workload, bench.seed), slots).into();
    let setting = Setting {
        scenario: &bench,
        clock: ClockMode::Real,
        calibrated: loopback_rtt,
        calibrated_delivery: None,
        timer_late: Dur::ZERO,
        // A calibration's report is read for its timed orders' delays: every
        // order's life is kept (`timed_mean_ms`).
        order_lives: slots.len(),
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
    let timed_ms = timed_mean_ms(&report.timeline.orders)?;
    let way_ms = timed_ms - report.predicted.settle_lateness_ms;
    tracing::debug!(
        strategy = spec.name(),
        deliveries = report.latency_ms.count,
        creations_between = slots.iter().filter(|s| s.created_before.is_some()).count(),
        mean_ms = report.latency_ms.mean,
        timed_mean_ms = timed_ms,
        p50_ms = report.latency_ms.p50,
        max_ms = report.latency_ms.max,
        settle_lateness_ms = report.predicted.settle_lateness_ms,
        way_ms,
        "delivery calibration round"
    );
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
            let when = match c.rounds_after {
                0 => format!(
                    "{} rounds of up to {} notifications of this strategy on a fresh platform and shop, timed right before it ran (so on the machine as it met the strategy)",
                    c.rounds, c.orders
                ),
                after => format!(
                    "{} rounds of up to {} notifications of this strategy on a fresh platform and shop, timed right before it ran and {after} right after it (so on the machine as it met the strategy and as it left it)",
                    c.rounds - after,
                    c.orders
                ),
            };
            source.push_str(&format!(
                "; this strategy's way from the settled payment to the shop's record: {:.3} ms, the mean of {when}, each round replaying a stretch of the run's own settlement gaps and the run's last payment creation before each settlement (every other payment created before the first settles), behind one untimed delivery that opens the round's connection, less their settlement lateness",
                way_us / 1e3,
            ));
            if let Some(se) = c.stderr_us {
                let spread = if c.rounds_after == 0 {
                    "the rounds' spread"
                } else {
                    "the spread of all the rounds, before and after (how much the machine changed between them included),"
                };
                source.push_str(&format!(
                    "; {spread} makes it known to ±{:.3} ms (one standard error of their mean), the prediction's own standard error",
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

    /// A calibration of `ways` as [`calibrate_delivery`] builds it.
    fn calibrated(ways: &[Dur]) -> Calibrated {
        let (mean_us, stderr_us) = mean_and_stderr_us(ways).unwrap();
        Calibrated {
            way: Dur(mean_us.round() as u64),
            stderr_us,
            rounds: ways.len(),
            rounds_after: 0,
            orders: 100,
        }
    }

    #[test]
    fn rounds_before_and_after_pool_as_one_set_and_a_drift_widens_the_error() {
        let before = [230, 250, 240, 245, 235].map(Dur);
        let after = [300, 310, 305, 315, 320].map(Dur);
        let pooled = calibrated(&before).and_after(calibrated(&after));
        let all: Vec<Dur> = before.iter().chain(&after).copied().collect();
        let direct = calibrated(&all);
        assert_eq!(pooled.way, direct.way);
        assert_eq!((pooled.rounds, pooled.rounds_after), (10, 5));
        let (p, d) = (pooled.stderr_us.unwrap(), direct.stderr_us.unwrap());
        assert!((p - d).abs() < 1e-9, "{p} vs {d}");
        // The machine moved by ~70 µs between the two: the pooled error is
        // several times either side's own.
        assert!(p > 3.0 * calibrated(&before).stderr_us.unwrap(), "{p}");
        // No rounds after (the calibration failed): the before stands.
        let none = Calibrated {
            rounds: 0,
            stderr_us: None,
            ..calibrated(&after)
        };
        assert_eq!(calibrated(&before).and_after(none), calibrated(&before));
    }

    #[test]
    fn the_rounds_mean_and_its_standard_error() {
        // Rounds 200, 210, 190, 205, 195 µs: mean 200, s = sqrt(250/4) =
        // 7.906; its standard error 7.906/sqrt(5) = 3.536.
        let ways = [200, 210, 190, 205, 195].map(Dur);
        let (mean, se) = mean_and_stderr_us(&ways).unwrap_or((f64::NAN, None));
        assert!((mean - 200.0).abs() < 1e-9, "{mean}");
        let se = se.unwrap_or(f64::NAN);
        assert!(
            (se - (250.0f64 / 4.0).sqrt() / 5f64.sqrt()).abs() < 1e-9,
            "{se}"
        );
        assert!((se - 3.536).abs() < 1e-3, "{se}");
        // Identical rounds: no spread; one round: nothing to read.
        assert_eq!(
            mean_and_stderr_us(&[Dur(7), Dur(7)]),
            Some((7.0, Some(0.0)))
        );
        assert_eq!(mean_and_stderr_us(&[Dur(7)]), Some((7.0, None)));
        assert_eq!(mean_and_stderr_us(&[]), None);
    }

    /// The settlements' offsets of `slots`, µs.
    fn offsets(slots: &[Slot]) -> Vec<u64> {
        slots.iter().map(|s| s.settle.as_us()).collect()
    }

    /// `n` orders numbered from 1, to be given their instants.
    fn template(n: u64) -> Vec<OrderPlan> {
        (0..n)
            .map(|i| OrderPlan {
                order_id: hooklab_core::ids::OrderId::numbered(i + 1),
                arrive_at: Micros(0),
                settle_after: Dur::ZERO,
                outcome: hooklab_core::wire::Outcome::Approved,
                amount_cents: 100,
                merchant: 0,
            })
            .collect()
    }

    /// `(created, settles)` of each order of `plan`, µs, in its order.
    fn instants(plan: &[OrderPlan]) -> Vec<(u64, u64)> {
        plan.iter()
            .map(|o| (o.arrive_at.0, o.arrive_at.plus(o.settle_after).0))
            .collect()
    }

    #[test]
    fn a_round_replays_a_stretch_of_the_runs_own_gaps() {
        // 1000 settlements 10 ms apart, with a 500 ms hole after the 600th:
        // a mean gap of 10.49 s / 999 = 10.5 ms, so 95 fit the 1 s budget.
        let mut settled: Vec<u64> = (0..1000u64).map(|i| i * 10_000).collect();
        for t in &mut settled[600..] {
            *t += 500_000;
        }
        let plan = |settled: &[u64]| PlanInstants {
            created: vec![0],
            settled: settled.to_vec(),
        };
        let last = offsets(&round_settlements(&plan(&settled), 4, 5));
        assert_eq!(last.len(), 95);
        // The last round is centred on the 90% quantile: the run's gaps.
        assert!(last.windows(2).all(|w| w[1] - w[0] == 10_000));
        // The round around the hole keeps it, shortened to the longest gap.
        let hole = offsets(&round_settlements(&plan(&settled[550..650]), 0, 1));
        let gaps: Vec<u64> = hole.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(
            gaps.iter()
                .filter(|&&g| g == CALIBRATION_GAP_MAX.as_us())
                .count(),
            1
        );
        assert_eq!(
            gaps.iter().filter(|&&g| g == 10_000).count(),
            gaps.len() - 1
        );
        // Far-apart settlements: fewer per round, never below the minimum,
        // nor more than the plan has.
        let sparse: Vec<u64> = (0..100u64).map(|i| i * 60_000).collect();
        assert_eq!(round_settlements(&plan(&sparse), 0, 5).len(), 20);
        assert_eq!(round_settlements(&plan(&sparse[..7]), 2, 5).len(), 7);
        assert!(round_settlements(&plan(&[]), 0, 5).is_empty());
    }

    #[test]
    fn a_settlement_keeps_the_runs_last_creation_before_it() {
        let ms = |t: u64| t * 1_000;
        let plan = PlanInstants {
            created: [0, 105, 108, 125, 200].map(ms).to_vec(),
            settled: [100, 110, 112, 130, 350].map(ms).to_vec(),
        };
        let slots = round_settlements(&plan, 0, 1);
        assert_eq!(offsets(&slots), [0, 10, 12, 30, 130].map(ms).to_vec());
        let before: Vec<Option<u64>> = slots
            .iter()
            .map(|s| s.created_before.map(|b| b.as_us()))
            .collect();
        // 100: its last creation (at 0) is a whole longest gap before it;
        // 110: 108's; 112: none since 110 settled; 130: 125's; 350: 200's
        // is 150 ms before it, beyond the longest gap.
        assert_eq!(before, vec![None, Some(ms(2)), None, Some(ms(5)), None]);
        // A plan whose creations all end long before its settlements (the
        // old bias's guard): no creation between two deliveries.
        let apart = PlanInstants {
            created: (0..100u64).map(|i| i * 2_000).collect(),
            settled: (0..100u64).map(|i| ms(1_000) + i * 10_000).collect(),
        };
        assert!(
            round_settlements(&apart, 2, 5)
                .iter()
                .all(|s| s.created_before.is_none())
        );
    }

    #[test]
    fn a_round_creates_a_payment_where_the_run_did() {
        let ms = |t: u64| Dur(t * 1_000);
        let slot = |settle: u64, before: Option<u64>| Slot {
            settle: ms(settle),
            created_before: before.map(ms),
        };
        let slots = [
            slot(0, None),
            slot(10, Some(2)),
            slot(12, None),
            slot(30, Some(5)),
            slot(130, None),
        ];
        let plan = round_plan(template(5), &slots);
        // Three payments created first, 2 ms apart; the first settlement a
        // lead later; the creation 2 ms before 10 ms (at 8 ms) makes the
        // payment settling at 30 ms (the next 20 ms after it), the one 5 ms
        // before 30 ms (25 ms) the one settling at 130 ms.
        let base = 4 + CALIBRATION_LEAD.as_us() / 1_000;
        let expected: Vec<(u64, u64)> = [
            (0, base),
            (2, base + 10),
            (4, base + 12),
            (base + 8, base + 30),
            (base + 25, base + 130),
        ]
        .iter()
        .map(|&(c, s)| (ms(c).as_us(), ms(s).as_us()))
        .collect();
        assert_eq!(instants(&plan), expected);
        // In the order of their creations, numbered in that order.
        let ids: Vec<&str> = plan.iter().map(|o| o.order_id.as_str()).collect();
        let numbered: Vec<hooklab_core::ids::OrderId> =
            (1..=5).map(hooklab_core::ids::OrderId::numbered).collect();
        assert_eq!(ids, numbered.iter().map(|o| o.as_str()).collect::<Vec<_>>());
        // Every payment waits at least the margin before it settles.
        assert!(
            plan.iter()
                .all(|o| o.settle_after >= CALIBRATION_CREATE_MARGIN)
        );
        // A creation no payment settles far enough after is dropped.
        let short = round_plan(template(2), &[slot(0, None), slot(10, Some(2))]);
        let first_settles = CALIBRATION_CREATE_GAP.as_us() + CALIBRATION_LEAD.as_us();
        assert_eq!(
            instants(&short),
            vec![
                (0, first_settles),
                (
                    CALIBRATION_CREATE_GAP.as_us(),
                    first_settles + ms(10).as_us()
                )
            ]
        );
    }

    #[test]
    fn every_payment_of_a_round_is_created_before_the_first_settles_when_the_run_had_no_creation_between()
     {
        let slots = [0, 3_000, 3_000, 50_000].map(|t| Slot {
            settle: Dur(t),
            created_before: None,
        });
        let plan = round_plan(template(4), &slots);
        let settles: Vec<u64> = instants(&plan).iter().map(|&(_, s)| s).collect();
        let last_created = plan.iter().map(|o| o.arrive_at.0).max().unwrap_or(u64::MAX);
        assert_eq!(last_created, 3 * CALIBRATION_CREATE_GAP.as_us());
        assert_eq!(settles[0], last_created + CALIBRATION_LEAD.as_us());
        let from_first: Vec<u64> = settles.iter().map(|t| t - settles[0]).collect();
        assert_eq!(from_first, vec![0, 3_000, 3_000, 50_000]);
    }

    /// The gap from each settlement but the first to the exchange before
    /// it (a creation at or before it, or the settlement before it), µs, at
    /// most the longest gap: `settled` sorted, `created` sorted.
    fn gaps_since_last_exchange(created: &[u64], settled: &[u64]) -> Vec<u64> {
        settled
            .windows(2)
            .map(|w| {
                let made = created.partition_point(|&c| c <= w[1]);
                let last = made.checked_sub(1).map_or(w[0], |c| created[c].max(w[0]));
                (w[1] - last).min(CALIBRATION_GAP_MAX.as_us())
            })
            .collect()
    }

    #[test]
    fn a_rounds_deliveries_find_the_last_exchange_as_the_runs_did() {
        // checkout's shape: a creation every 5 ms for 1.5 s, each settling
        // 200 to 2000 ms later (a fixed pseudo-random draw), so deliveries
        // and creations interleave for the first 1.5 s.
        let mut x = 42u64;
        let mut settle = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            200_000 + (x >> 33) % 1_800_000
        };
        let created: Vec<u64> = (0..300u64).map(|i| i * 5_000).collect();
        let mut settled: Vec<u64> = created.iter().map(|c| c + settle()).collect();
        settled.sort_unstable();
        let run = PlanInstants { created, settled };
        let (mut matched, mut total, mut after_creation) = (0, 0, 0);
        for round in 0..CALIBRATION_ROUNDS {
            let slots = round_settlements(&run, round, CALIBRATION_ROUNDS);
            let plan = round_plan(template(slots.len() as u64), &slots);
            let (mut made, mut settles): (Vec<u64>, Vec<u64>) = instants(&plan).into_iter().unzip();
            made.sort_unstable();
            settles.sort_unstable();
            let mine = gaps_since_last_exchange(&made, &settles);
            let stretch = &run.settled[round_stretch(&run.settled, round, CALIBRATION_ROUNDS)];
            let theirs = gaps_since_last_exchange(&run.created, stretch);
            assert_eq!(mine.len(), theirs.len());
            total += mine.len();
            matched += mine.iter().zip(&theirs).filter(|(a, b)| a == b).count();
            after_creation += slots
                .iter()
                .skip(1)
                .filter(|s| s.created_before.is_some())
                .count();
        }
        // A quarter of the rounds' deliveries come right after a creation
        // (the run's while it still places orders), and each delivery of a
        // round finds the last exchange as long before it as the run's did
        // (here every creation finds a later payment to make; a round
        // without them, as before, missed all 127).
        assert!(after_creation * 4 > total, "{after_creation} of {total}");
        assert_eq!(matched, total);
    }

    #[test]
    fn a_round_is_warmed_by_the_runs_settlement_before_its_stretch_and_times_the_rest() {
        let ms = |t: u64| t * 1_000;
        // Settlements 10 ms apart but a 30 ms gap before the 50th, and a
        // 250 ms one before the 80th: rounds of 20 (the minimum), the
        // third centred on the 50th.
        let mut settled: Vec<u64> = (0..100u64).map(|i| ms(10 * i)).collect();
        for t in &mut settled[49..] {
            *t += ms(20);
        }
        for t in &mut settled[79..] {
            *t += ms(240);
        }
        let plan = PlanInstants {
            created: vec![0],
            settled,
        };
        for round in 0..5 {
            let timed = round_settlements(&plan, round, 5);
            let warmed = warmed_settlements(&plan, round, 5);
            // One more, first, untimed; the timed ones keep their gaps and
            // their creations, after the run's own gap before the stretch.
            assert_eq!(warmed.len(), timed.len() + 1);
            assert_eq!(warmed[0].settle, Dur::ZERO);
            assert_eq!(warmed[0].created_before, None);
            let start = round_stretch(&plan.settled, round, 5).start;
            let gap = match start {
                0 => CALIBRATION_GAP_MAX.as_us(),
                s => (plan.settled[s] - plan.settled[s - 1]).min(CALIBRATION_GAP_MAX.as_us()),
            };
            for (w, t) in warmed[1..].iter().zip(&timed) {
                assert_eq!(w.settle.as_us(), t.settle.as_us() + gap, "round {round}");
                assert_eq!(w.created_before, t.created_before);
            }
            // The round's plan creates the warm-up first: it is order 1.
            let orders = round_plan(template(warmed.len() as u64), &warmed);
            assert_eq!(
                orders[0].order_id.as_str(),
                hooklab_core::ids::OrderId::numbered(1).as_str()
            );
            let first_settles = orders[0].arrive_at.plus(orders[0].settle_after);
            assert!(
                orders[1..]
                    .iter()
                    .all(|o| o.arrive_at.plus(o.settle_after) >= first_settles)
            );
        }
        // A stretch that starts the run is warmed a whole longest gap
        // before it; one that starts at the 50th settlement, 30 ms before.
        let first = warmed_settlements(&plan, 0, 5);
        assert_eq!(first[1].settle.as_us(), CALIBRATION_GAP_MAX.as_us());
        let tail = PlanInstants {
            created: vec![0],
            settled: plan.settled[48..68].to_vec(),
        };
        let warmed = warmed_settlements(&tail, 0, 1);
        assert_eq!(warmed.len(), 21);
        let lone = PlanInstants {
            created: vec![0],
            settled: plan.settled[49..69].to_vec(),
        };
        assert_eq!(round_stretch(&tail.settled, 0, 1).start, 0);
        assert_eq!(warmed[1].settle.as_us(), CALIBRATION_GAP_MAX.as_us());
        assert_eq!(warmed[2].settle.as_us() - warmed[1].settle.as_us(), ms(30));
        assert_eq!(warmed_settlements(&lone, 0, 1).len(), 21);
        let none = PlanInstants {
            created: vec![],
            settled: vec![],
        };
        assert!(warmed_settlements(&none, 0, 5).is_empty());
    }

    #[test]
    fn a_rounds_mean_leaves_its_warm_up_out() {
        // Order 1 (the warm-up) took 6.5 ms, a cold start; the others 0.3,
        // 0.5 and 0.4 ms; one never known (-1) counts for nothing.
        let lives = [
            [0.0, 100.0, 106.5],
            [2.0, 110.0, 110.3],
            [4.0, 120.0, 120.5],
            [6.0, 130.0, -1.0],
            [8.0, 140.0, 140.4],
        ];
        let mean = timed_mean_ms(&lives).unwrap_or(f64::NAN);
        assert!((mean - 0.4).abs() < 1e-9, "{mean}");
        assert_eq!(timed_mean_ms(&lives[..1]), None);
        assert_eq!(timed_mean_ms(&[]), None);
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
