//! Replaying a scenario against each strategy.
//!
//! For each strategy a run (one after the other on the real clock; on the
//! virtual clock, on several threads at once, see [`RunOptions::jobs`]):
//!
//! 1. starts a fresh platform and shop on the run's [`Network`]: real sockets
//!    bound to `127.0.0.1:0` (never a fixed port), or the in-memory network of
//!    virtual time; and a fresh clock whose origin is the strategy's start;
//! 2. registers the shop's webhook endpoint if the strategy receives webhooks;
//! 3. places every order of the workload at its arrival instant (the same
//!    workload for every strategy, generated once from the seed);
//! 4. waits until the shop knows every outcome, or until the deadline: the
//!    last settlement, plus the strategy's patience (one polling interval),
//!    plus the scenario's grace period, with every outage (crash, partition,
//!    receiver down) that opens before it waited out
//!    ([`Scenario::deadline_us`]);
//! 5. stops everything and hands what the platform and the shop recorded to
//!    the `fold` module, which folds it into a [`StrategyReport`], with the
//!    timeline of the events they announced (each also handed to the
//!    [`Progress`] listener as it happened).
//!
//! Latency is measured from the *scheduled* settlement instant the platform
//! recorded, to the instant the shop recorded the outcome: an overloaded
//! machine makes the numbers worse, never better.

use crate::calibration::{Calibrated, calibrate_delivery, calibrate_timer, needs_calibration};
use crate::crash::{self, PlatformLife};
use crate::error::HarnessError;
use crate::fold::{self, Observations};
use crate::meter;
use crate::network::{Loopback, Network, Shaped, calibrate_loopback_rtt};
use crate::outcomes::Outcomes;
use crate::timeline::Recorder;
use crate::virtual_net::{self, VirtualNet, VirtualTransport};
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::events::{EventSink, RunEvent};
use hooklab_core::http::HttpClient;
use hooklab_core::report::{ORDER_LIVES_PER_SUMMARY, ScenarioInfo, StrategyReport, Summary};
use hooklab_core::rng::SeededRng;
use hooklab_core::scenario::{ClockMode, DownMode, Scenario, StrategySpec};
use hooklab_core::shutdown;
use hooklab_core::traffic::Traffic;
use hooklab_core::workload::{self, OrderPlan};
use hooklab_platform::{Merchant, PlatformConfig, SettlementPlan};
use hooklab_shop::Shop;
use hooklab_shop::client::PlatformClient;
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::{self, Receiver, ReceiverFaults};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Hears how a run is going (the CLI draws a progress bar with it).
pub trait Progress: Send + Sync {
    /// A strategy's run starts.
    fn strategy_started(&self, _index: usize, _total: usize, _name: &str, _orders: u64) {}
    /// `known` orders of the current strategy are settled in the shop's eyes.
    fn orders_known(&self, _index: usize, _known: u64) {}
    /// Something happened in the current strategy's run (a poll, a delivery,
    /// an outcome learned). Called from the harness's own task, in order.
    ///
    /// Strategies that run at once (side by side, or a virtual run with
    /// [`RunOptions::jobs`] above one) call these from several threads: each
    /// strategy's calls arrive in order, tagged with its `index`, but calls of
    /// different strategies interleave.
    fn event(&self, _index: usize, _event: &RunEvent) {}
    /// A webhook strategy's world stopped (a shard's, for a strategy run
    /// in shards), having held at most `most` delivery attempts at once:
    /// the attempts of the payments still being delivered, which the
    /// harness keeps until each payment's chains ended and folds then
    /// (`crate::deliveries`). Not called when the platform's logs are read
    /// at the run's end instead (crash faults, a store).
    fn attempts_held(&self, _index: usize, _most: u64) {}
    /// A strategy's run ended.
    fn strategy_finished(&self, _index: usize, _report: &StrategyReport) {}
}

/// A [`Progress`] that hears nothing.
pub struct Silent;
impl Progress for Silent {}

/// Choices made outside the scenario file.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Overrides the scenario's `clock`.
    pub clock: Option<ClockMode>,
    /// Runs every strategy at the same time (real clock only), for the live
    /// view; otherwise one after the other, each with the machine to itself.
    pub side_by_side: bool,
    /// How many strategies of a virtual-clock run go at once, each on an OS
    /// thread of its own (`None`: one per core,
    /// [`std::thread::available_parallelism`]). Each strategy is a world of
    /// its own (its platform, shop, network and paused clock), so the summary
    /// is the same, byte for byte, whatever the number. Real-clock runs
    /// ignore it: they measure the machine, so strategies share it only when
    /// asked to ([`RunOptions::side_by_side`]).
    pub jobs: Option<NonZeroUsize>,
    /// Runs each real-clock platform on a runtime (threads) of its own, so
    /// its CPU time per notified order can be measured
    /// (`traffic.platform_cpu_ms`). Off by default: every API request then
    /// crosses from the shop's runtime to the platform's, which wakes a
    /// parked thread and, on a loaded 2-core machine, was measured to add
    /// about 5 ms to a real-time poll's delay. `hooklab run` turns it on.
    pub platform_cpu: bool,
    /// How many order lives (`[placed, settled, known]`) the summary keeps
    /// in all, shared evenly among its strategies, each strategy keeping a
    /// deterministic sample of its orders when it has more
    /// ([`hooklab_core::report::order_stride`]). `None`:
    /// [`ORDER_LIVES_PER_SUMMARY`], which keeps `summary.json` under 5 MB
    /// whatever the number of orders. Every count stays exact.
    pub order_lives: Option<NonZeroUsize>,
    /// How many shards a virtual run's separable strategies run in
    /// (`crate::shard`: `poll` split by order, `poll_events` by merchant,
    /// in scenarios with nothing shared between them). `None`: the
    /// scenario decides, two for a strategy expected to make at least
    /// 200,000 exchanges, one for any smaller one; `Some(1)`: one world
    /// each. Never decided by [`RunOptions::jobs`] or the machine, so the
    /// summary does not depend on them; a sharded strategy's summary is one
    /// world's but for the connection counts (K pools, not one), and says
    /// so (`traffic.shops`).
    pub shards: Option<NonZeroUsize>,
    /// The expected exchanges from which a separable strategy runs in
    /// shards when [`RunOptions::shards`] is `None` (`None`: 200,000). For
    /// tests, which show on small runs what the default does to large ones;
    /// `hooklab run` never sets it.
    pub shard_from_exchanges: Option<u64>,
    /// How a virtual run's hosts exchange messages: called directly
    /// (default) or over real HTTP/1.1 on in-memory pipes, to show the
    /// summary is the same ([`crate::virtual_net::VirtualTransport`]).
    pub transport: VirtualTransport,
}

impl RunOptions {
    /// How many order lives each of `strategies` strategies keeps: an even
    /// share of [`RunOptions::order_lives`], at least one.
    pub fn order_lives_each(&self, strategies: usize) -> usize {
        let all = self
            .order_lives
            .map_or(ORDER_LIVES_PER_SUMMARY as usize, NonZeroUsize::get);
        (all / strategies.max(1)).max(1)
    }

    /// The number of threads a virtual run may use: `jobs`, or one per core
    /// (one where the number of cores cannot be read).
    pub fn workers(&self) -> usize {
        self.jobs
            .or_else(|| std::thread::available_parallelism().ok())
            .map_or(1, NonZeroUsize::get)
    }
}

/// Runs every strategy of `scenario` and summarises the run.
pub fn run_scenario(
    scenario: &Scenario,
    options: RunOptions,
    progress: &dyn Progress,
) -> Result<Summary, HarnessError> {
    let clock_mode = options.clock.unwrap_or(scenario.clock);
    // Real mode shares one multi-thread runtime. Virtual mode builds a fresh
    // paused one per strategy (below): no task of one strategy outlives it
    // into the next, and every strategy starts at the same virtual instant.
    let runtime = match clock_mode {
        ClockMode::Real => Some(
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(HarnessError::Runtime)?,
        ),
        ClockMode::Virtual => None,
    };
    // Shared, not copied, by every strategy's driver (a million orders' plan
    // is about 80 MB).
    let plan: Arc<[OrderPlan]> = workload::generate(&scenario.workload, scenario.seed).into();
    // One loopback round trip of this machine, before any load: the paper
    // prediction's legs (the run's own round trips balloon when strategies
    // race side by side). Virtual pipes take no time.
    let calibrated = match &runtime {
        Some(runtime) => runtime.block_on(calibrate_loopback_rtt()),
        None => Some(Dur::ZERO),
    };
    // And, for each strategy the platform pushes to (webhook, hybrid, long
    // poll, stream), its own notification's way through the platform and
    // the shop (see `calibration`): the paper model's leg in real time,
    // timed right before that strategy runs and right after it, on the
    // machine as it meets it and as it leaves it (`after_calibration`).
    let calibrate = |runtime: &tokio::runtime::Runtime,
                     spec: &StrategySpec|
     -> Result<Option<Calibrated>, HarnessError> {
        if !needs_calibration(spec) {
            return Ok(None);
        }
        let (net, platform) = loopback(options.platform_cpu)?;
        let way = runtime.block_on(calibrate_delivery(scenario, spec, calibrated, &net));
        if let Some(platform) = platform {
            platform.shutdown_timeout(std::time::Duration::from_secs(5));
        }
        Ok(way)
    };
    // And the timer's own lateness, the yardstick of the placement lag.
    let timer_late = match &runtime {
        Some(runtime) => runtime.block_on(calibrate_timer()),
        None => Dur::ZERO,
    };
    let total = scenario.strategies.len();
    let order_lives = options.order_lives_each(total);
    let (net, seed) = (&scenario.network, scenario.seed);
    let mut strategies = Vec::with_capacity(total);
    match &runtime {
        // Side by side: every strategy at once, each on its own platform and
        // shop, for the live classroom view. They share the machine, so the
        // numbers are a little worse than one at a time.
        Some(runtime) if options.side_by_side => {
            // Side by side, every strategy meets the same race: each pushed
            // strategy is calibrated before the race starts, and again once
            // it is over (below), as `run` brackets each strategy's own run.
            let ways = scenario
                .strategies
                .iter()
                .map(|spec| calibrate(runtime, spec))
                .collect::<Result<Vec<_>, _>>()?;
            for (index, spec) in scenario.strategies.iter().enumerate() {
                progress.strategy_started(index, total, spec.name(), plan.len() as u64);
            }
            let (loopbacks, platforms): (Vec<_>, Vec<_>) = scenario
                .strategies
                .iter()
                .map(|_| loopback(options.platform_cpu))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .unzip();
            let runs = scenario
                .strategies
                .iter()
                .zip(loopbacks)
                .zip(ways)
                .enumerate()
                .map(|(index, ((spec, loopback), calibrated_delivery))| {
                    let plan = &plan;
                    async move {
                        let net = Shaped::new(loopback, net, seed);
                        let setting = Setting {
                            scenario,
                            clock: clock_mode,
                            calibrated,
                            calibrated_delivery,
                            timer_late,
                            order_lives,
                        };
                        let origin = Clock::system_unix_us();
                        let mut world =
                            World::start(index, &net, origin, setting, spec, plan, None).await?;
                        world.wait(progress).await;
                        world.stop(&net, progress).await
                    }
                });
            let stopped = runtime.block_on(futures_util::future::join_all(runs));
            for platform in platforms.into_iter().flatten() {
                platform.shutdown_timeout(std::time::Duration::from_secs(5));
            }
            for (index, stopped) in stopped.into_iter().enumerate() {
                let mut stopped = stopped?;
                // And right after the race, each pushed strategy again, one
                // after the other, pooled with its rounds before
                // (`Calibrated::and_after`): the model column is then the
                // one `run` prints for the same measurements.
                after_calibration(&mut stopped, |spec| calibrate(runtime, spec))?;
                let report = stopped.report();
                progress.strategy_finished(index, &report);
                strategies.push(report);
            }
        }
        Some(runtime) => {
            // Real-clock runs stay one after the other whatever `jobs` says:
            // they measure this machine, and two strategies sharing its cores
            // would each measure the other's load.
            for (index, spec) in scenario.strategies.iter().enumerate() {
                let calibrated_delivery = calibrate(runtime, spec)?;
                progress.strategy_started(index, total, spec.name(), plan.len() as u64);
                // The `[network]` table is applied by the `Shaped` wrapper,
                // built inside the runtime, where the run's clock starts.
                let (loopback, platform) = loopback(options.platform_cpu)?;
                let stopped = runtime.block_on(async {
                    let net = Shaped::new(loopback, net, seed);
                    let origin = Clock::system_unix_us();
                    let setting = Setting {
                        scenario,
                        clock: clock_mode,
                        calibrated,
                        calibrated_delivery,
                        timer_late,
                        order_lives,
                    };
                    let mut world =
                        World::start(index, &net, origin, setting, spec, &plan, None).await?;
                    world.wait(progress).await;
                    world.stop(&net, progress).await
                });
                if let Some(platform) = platform {
                    platform.shutdown_timeout(std::time::Duration::from_secs(5));
                }
                let mut stopped = stopped?;
                // And right after it: the way as the strategy left the
                // machine (`Calibrated::and_after`), before its report.
                after_calibration(&mut stopped, |spec| calibrate(runtime, spec))?;
                let report = stopped.report();
                progress.strategy_finished(index, &report);
                strategies.push(report);
            }
        }
        None => {
            let setting = Setting {
                scenario,
                clock: clock_mode,
                calibrated,
                calibrated_delivery: None,
                timer_late,
                order_lives,
            };
            strategies = run_virtual(setting, &plan, options.workers(), &options, progress)?;
        }
    }
    Ok(Summary {
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            description_pt_br: scenario.description_pt_br.clone(),
            seed: scenario.seed,
            clock: clock_mode,
            orders: plan.len() as u64,
            arrival: describe_arrival(scenario),
            settle: scenario.workload.settle.describe(),
            orders_per_day: scenario.workload.arrival.per_day(),
            file: None,
        },
        strategies,
    })
}

/// Pools a pushed strategy's calibration before its run with one made
/// right after it (`calibrate`, called only when there was one before):
/// the way as the strategy met the machine and as it left it
/// ([`Calibrated::and_after`]). The same for `run`'s strategies one after
/// the other and for the live view's side by side, so both print the same
/// model for the same measurements. A failed calibration after keeps the
/// one before.
fn after_calibration(
    stopped: &mut Stopped<'_>,
    calibrate: impl FnOnce(&StrategySpec) -> Result<Option<Calibrated>, HarnessError>,
) -> Result<(), HarnessError> {
    if let Some(before) = stopped.setting.calibrated_delivery {
        let after = calibrate(stopped.spec)?;
        stopped.setting.calibrated_delivery =
            Some(after.map_or(before, |after| before.and_after(after)));
    }
    Ok(())
}

/// Runs every strategy of a virtual-clock scenario on up to `workers` OS
/// threads and returns their reports in the scenario's order.
///
/// Each strategy (or each of its shards, [`crate::shard`]) gets a fresh
/// paused current-thread runtime: no task of one strategy outlives it into
/// the next, every strategy starts at the same virtual instant, and nothing
/// of one world (its network, clock, event channel, timeline) is seen by
/// another. A strategy's report therefore depends only on the scenario, the
/// strategy and its number of shards, never on which thread ran it or when;
/// the reports are put back in the scenario's order, so the summary does not
/// depend on `workers` either. The progress listener hears each strategy's
/// calls in order, but calls of different strategies (and shards)
/// interleave.
///
/// A shard runs until its own orders are known, then its runtime is kept,
/// paused, until every shard of its strategy got there; then each runs on
/// to the latest of their ends and stops (see [`crate::shard`]).
///
/// The first failure (in the scenario's order, among the strategies that
/// ran) is returned; once one strategy fails, no thread starts another.
fn run_virtual(
    setting: Setting<'_>,
    plan: &Arc<[OrderPlan]>,
    workers: usize,
    options: &RunOptions,
    progress: &dyn Progress,
) -> Result<Vec<StrategyReport>, HarnessError> {
    let specs = &setting.scenario.strategies;
    let total = specs.len();
    let scenario = setting.scenario;
    let asked = options.shards.map(NonZeroUsize::get);
    let from = options
        .shard_from_exchanges
        .unwrap_or(crate::shard::SHARD_FROM_EXCHANGES);
    let shards: Vec<usize> = specs
        .iter()
        .map(|spec| crate::shard::shards_of(scenario, setting.clock, spec, plan.len(), asked, from))
        .collect();
    // Read by every shard of every sharded strategy, built once.
    let settlement = if shards.iter().any(|&k| k > 1) {
        settlement_plan(plan)
    } else {
        SettlementPlan::default()
    };
    // Each sharded strategy's per-order columns, one set for its shards.
    let columns: Vec<crate::shard::SharedColumns> =
        shards.iter().map(|_| Default::default()).collect();
    let transport = options.transport;
    let net = || {
        Shaped::new(
            VirtualNet::with_transport(transport),
            &scenario.network,
            scenario.seed,
        )
    };
    // Orders known by each shard of each strategy, for the progress bar.
    let known: Vec<Vec<AtomicU64>> = shards
        .iter()
        .map(|&k| (0..k).map(|_| AtomicU64::new(0)).collect())
        .collect();
    let strategy_started = |index: usize| {
        progress.strategy_started(index, total, specs[index].name(), plan.len() as u64);
    };
    let whole = |index: usize| -> Result<StrategyReport, HarnessError> {
        strategy_started(index);
        let spec = &specs[index];
        let report = virtual_net::paused_runtime()?.block_on(async {
            // Built inside the runtime, where the run's clock starts.
            let net = net();
            let origin = virtual_net::ORIGIN_UNIX_US;
            run_strategy(index, &net, origin, setting, spec, plan, progress).await
        })?;
        progress.strategy_finished(index, &report);
        Ok(report)
    };

    // The work, in the scenario's order: each strategy whole, or its shards'
    // first halves; a strategy's shards' second halves are queued (first)
    // once all its shards reached their own end.
    let queue = Mutex::new(
        shards
            .iter()
            .enumerate()
            .flat_map(|(index, &k)| {
                (0..k).map(move |shard| match k {
                    1 => Work::Whole(index),
                    _ => Work::Start(index, shard),
                })
            })
            .collect::<std::collections::VecDeque<_>>(),
    );
    // Each sharded strategy's shards: paused after their first half, then
    // stopped.
    let paused: Vec<Mutex<Vec<Option<Paused<'_>>>>> = shards
        .iter()
        .map(|&k| Mutex::new((0..k).map(|_| None).collect()))
        .collect();
    let stopped: Vec<Mutex<Vec<Option<Stopped<'_>>>>> = shards
        .iter()
        .map(|&k| Mutex::new((0..k).map(|_| None).collect()))
        .collect();
    let failed = AtomicBool::new(false);

    let step = |work: Work| -> Option<(usize, Result<StrategyReport, HarnessError>)> {
        match work {
            Work::Whole(index) => Some((index, whole(index))),
            Work::Start(index, shard) => {
                if shard == 0 {
                    strategy_started(index);
                }
                let spec = &specs[index];
                let share = crate::shard::Share {
                    part: crate::shard::part(spec, shard, shards[index]),
                    settlement: &settlement,
                    columns: &columns[index],
                };
                let listener = crate::shard::ShardProgress {
                    inner: progress,
                    known: &known[index],
                    shard,
                };
                let first_half = || -> Result<Paused<'_>, HarnessError> {
                    let runtime = virtual_net::paused_runtime()?;
                    let (net, world, end) = runtime.block_on(async {
                        let net = net();
                        let origin = virtual_net::ORIGIN_UNIX_US;
                        let mut world =
                            World::start(index, &net, origin, setting, spec, plan, Some(share))
                                .await?;
                        let end = world.wait(&listener).await;
                        Ok::<_, HarnessError>((net, world, end))
                    })?;
                    Ok(Paused {
                        runtime,
                        net,
                        world,
                        end,
                    })
                };
                let half = match first_half() {
                    Ok(half) => half,
                    Err(e) => return Some((index, Err(e))),
                };
                let mut all = lock_ignoring_poison(&paused[index]);
                all[shard] = Some(half);
                if all.iter().all(Option::is_some) {
                    // The run's end: the latest shard's (each stopped at
                    // its deadline at the latest, the same for all).
                    let end = all.iter().flatten().map(|p| p.end).max();
                    let mut queue = lock_ignoring_poison(&queue);
                    for shard in (0..all.len()).rev() {
                        queue.push_front(Work::Finish(index, shard, end.unwrap_or(Micros(0))));
                    }
                }
                None
            }
            Work::Finish(index, shard, end) => {
                let half = lock_ignoring_poison(&paused[index])[shard].take()?;
                let listener = crate::shard::ShardProgress {
                    inner: progress,
                    known: &known[index],
                    shard,
                };
                let Paused {
                    runtime,
                    net,
                    mut world,
                    end: own,
                } = half;
                let result = runtime.block_on(async {
                    if own < end {
                        world.wait_until(end, &listener).await;
                    }
                    world.stop(&net, &listener).await
                });
                drop(runtime);
                let stop = match result {
                    Ok(stop) => stop,
                    Err(e) => return Some((index, Err(e))),
                };
                let mut all = lock_ignoring_poison(&stopped[index]);
                all[shard] = Some(stop);
                if !all.iter().all(Option::is_some) {
                    return None;
                }
                let shards: Vec<Stopped<'_>> = all.iter_mut().filter_map(Option::take).collect();
                drop(all);
                columns[index].release();
                let report = crate::shard::report(shards).ok_or(HarnessError::Runtime(
                    std::io::Error::other("a sharded strategy without shards"),
                ));
                if let Ok(report) = &report {
                    progress.strategy_finished(index, report);
                }
                Some((index, report))
            }
        }
    };

    // Each thread takes the next piece of work not yet taken, so a long
    // strategy on one thread does not hold back the others.
    let worker = || {
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let Some(work) = lock_ignoring_poison(&queue).pop_front() else {
                break;
            };
            if let Some((index, result)) = step(work) {
                if result.is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
                done.push((index, result));
            }
        }
        done
    };
    let workers = workers.clamp(1, shards.iter().sum::<usize>().max(1));
    let mut results: Vec<(usize, Result<StrategyReport, HarnessError>)> = if workers == 1 {
        worker()
    } else {
        std::thread::scope(|scope| {
            let threads: Vec<_> = (0..workers).map(|_| scope.spawn(worker)).collect();
            threads
                .into_iter()
                .flat_map(|thread| match thread.join() {
                    Ok(done) => done,
                    // A strategy's panic is the run's panic, as it is when
                    // strategies run one after the other.
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    };
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// A piece of a virtual run's work (see [`run_virtual`]).
#[derive(Clone, Copy, Debug)]
enum Work {
    /// A strategy in one world, start to end.
    Whole(usize),
    /// A shard of a strategy, until its own orders are known.
    Start(usize, usize),
    /// The same shard, on to the run's end (the instant), and stopped.
    Finish(usize, usize, Micros),
}

/// A shard between its two halves: its runtime, with every task of its
/// world in it, paused (nothing runs, and its clock stands still, until
/// the next `block_on`).
struct Paused<'s> {
    runtime: tokio::runtime::Runtime,
    net: Shaped<VirtualNet>,
    world: World<'s>,
    end: Micros,
}

fn lock_ignoring_poison<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The real network of one strategy, and the platform's own runtime when
/// `platform_cpu` asks for one (shut it down once the strategy ended,
/// outside any async context).
fn loopback(
    platform_cpu: bool,
) -> Result<(Loopback, Option<tokio::runtime::Runtime>), HarnessError> {
    if !platform_cpu {
        return Ok((Loopback::new(), None));
    }
    let (runtime, cpu) = meter::platform_runtime().map_err(HarnessError::Runtime)?;
    let loopback = Loopback::with_platform_runtime(runtime.handle().clone(), cpu);
    Ok((loopback, Some(runtime)))
}

/// The platform's settlement plan for `plan`'s orders.
fn settlement_plan(plan: &[OrderPlan]) -> SettlementPlan {
    SettlementPlan::new(
        plan.iter()
            .map(|o| (o.order_id.clone(), o.settle_after, o.outcome)),
    )
}

fn describe_arrival(scenario: &Scenario) -> String {
    match scenario.workload.arrival {
        hooklab_core::dist::Arrival::Fixed { every_ms } => format!("one every {every_ms}"),
        hooklab_core::dist::Arrival::Poisson { per_s } => {
            format!("poisson, {}/s", hooklab_core::printable::number(per_s))
        }
    }
}

/// What every strategy of a scenario runs in.
#[derive(Clone, Copy)]
pub(crate) struct Setting<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Which clock runs it.
    pub clock: ClockMode,
    /// One loopback round trip measured before any load (zero in virtual
    /// time; `None` if it could not be measured).
    pub calibrated: Option<Dur>,
    /// This strategy's notification way through the platform and the shop,
    /// timed right before it ran, and once it stopped pooled with the same
    /// timed right after it ([`Calibrated::and_after`]; real time, and only
    /// for the strategies the platform pushes to; see
    /// [`crate::calibration`]).
    pub calibrated_delivery: Option<Calibrated>,
    /// tokio's timer lateness on this machine before any load (zero in
    /// virtual time; see [`crate::calibration::calibrate_timer`]).
    pub timer_late: Dur,
    /// How many order lives each strategy's timeline keeps
    /// ([`RunOptions::order_lives`] shared among the strategies).
    pub order_lives: usize,
}

/// Runs one strategy on `net`, with a clock whose origin is stamped
/// `origin_unix_us`.
pub(crate) async fn run_strategy(
    index: usize,
    net: &dyn Network,
    origin_unix_us: i64,
    setting: Setting<'_>,
    spec: &StrategySpec,
    plan: &Arc<[OrderPlan]>,
    progress: &dyn Progress,
) -> Result<StrategyReport, HarnessError> {
    let mut world = World::start(index, net, origin_unix_us, setting, spec, plan, None).await?;
    world.wait(progress).await;
    Ok(world.stop(net, progress).await?.report())
}

/// One world of a strategy: its platform, shops, receivers, order driver
/// and timeline, from the moment they start ([`World::start`]) to the
/// moment they stop ([`World::stop`]). A strategy runs in one world, or
/// (a virtual run's shards, [`crate::shard`]) in several, each placing its
/// part of the orders, which wait for one another's end before stopping.
pub(crate) struct World<'s> {
    index: usize,
    setting: Setting<'s>,
    spec: &'s StrategySpec,
    plan: Arc<[OrderPlan]>,
    clock: Clock,
    trigger: shutdown::ShutdownTrigger,
    events_rx: tokio::sync::mpsc::UnboundedReceiver<RunEvent>,
    outcomes: Arc<Outcomes>,
    recorder: Recorder,
    refusing: Option<Arc<RefusingLink>>,
    life: Arc<PlatformLife>,
    servers: Vec<tokio::task::JoinHandle<()>>,
    book: Arc<OrderBook>,
    client: PlatformClient,
    shops: Vec<Shop>,
    receivers: Vec<Arc<Receiver>>,
    crashes: Option<tokio::task::JoinHandle<()>>,
    driver: tokio::task::JoinHandle<()>,
    origin: Micros,
    deadline: Micros,
    /// This world's orders (all the plan's, or one shard's).
    total: u64,
    settled: tokio::sync::watch::Receiver<u64>,
}

/// What a world left once it stopped, for the fold (one world's, or every
/// shard's merged, [`crate::shard`]).
pub(crate) struct Stopped<'s> {
    pub setting: Setting<'s>,
    pub spec: &'s StrategySpec,
    pub plan: Arc<[OrderPlan]>,
    pub life: Arc<PlatformLife>,
    pub platform: hooklab_platform::Platform,
    pub book: Arc<OrderBook>,
    pub outcomes: Arc<Outcomes>,
    pub client: PlatformClient,
    pub receivers: Vec<Arc<Receiver>>,
    /// Deliveries the refusing link refused.
    pub refused: u64,
    /// The instant the world stopped, on its clock.
    pub ended: Micros,
    /// How long it ran, from its first possible order.
    pub run: Dur,
    /// Its timeline, closed at `ended` but not yet finished.
    pub recorder: Recorder,
    pub traffic: Option<Traffic>,
}

impl<'s> World<'s> {
    /// Starts a world on `net`: the platform, one shop (and receiver) per
    /// merchant, the endpoints, and the order driver, which places the
    /// orders of `part` (every order when `None`) at their arrival instants.
    pub(crate) async fn start(
        index: usize,
        net: &dyn Network,
        origin_unix_us: i64,
        setting: Setting<'s>,
        spec: &'s StrategySpec,
        plan: &Arc<[OrderPlan]>,
        share: Option<crate::shard::Share<'_>>,
    ) -> Result<World<'s>, HarnessError> {
        let part = share.map(|s| s.part);
        let scenario = setting.scenario;
        let clock = net.clock(origin_unix_us);
        let (trigger, shutdown) = shutdown::channel();
        // Everything the platform and the shop announce comes here, to be folded
        // into the timeline at once (nothing of it is kept) and passed on to the
        // progress listener.
        let (events_tx, events_rx) = tokio::sync::mpsc::unbounded_channel::<RunEvent>();
        // Each order's outcome is folded the moment it ends (see `outcomes`):
        // settlements and webhook attempts as they are announced, the shop's
        // entries as the forgetting order book hands them over.
        // A shard's per-order columns are its strategy's, shared by all its
        // shards (`crate::shard::SharedColumns`).
        let outcomes = match share {
            Some(share) => Outcomes::sharing(plan.clone(), share.columns.get(plan.len())),
            None => Outcomes::new(plan.clone()),
        };
        // A creation refused first (a 429, a partition) waits before it is
        // tried again: the model reads the legs from first tries only.
        if (matches!(spec, StrategySpec::Poll { .. })
            && scenario.platform.rate_limit_per_s.is_some())
            || !scenario.network.partitions.is_empty()
        {
            outcomes.keep_placements();
        }
        let events = {
            let outcomes = outcomes.clone();
            EventSink::to(move |e| {
                outcomes.observe(&e);
                let _ = events_tx.send(e);
            })
        };
        let mut recorder = Recorder::new(plan.len(), setting.order_lives);
        recorder.count_polls_in(outcomes.columns().polls());
        recorder.for_strategy(spec);
        let http: Arc<dyn HttpClient> = net.client();

        // The platform, with the workload's settlement plan.
        let settlement = match share {
            Some(share) => share.settlement.clone(),
            None => settlement_plan(plan),
        };
        // The merchants, each with its own API key, seeded.
        let mut keys = SeededRng::stream(scenario.seed, "merchants");
        let merchants: Vec<Merchant> = (1..=u64::from(scenario.workload.merchants.max(1)))
            .map(|n| Merchant::generate(n, &mut keys))
            .collect();
        let config = PlatformConfig {
            plan: settlement,
            seed: scenario.seed,
            // `[delivery]`, or the retry profile the strategy names.
            delivery: scenario.delivery_for(spec),
            duplicate_rate: scenario.faults.duplicate_rate,
            reorder: scenario.faults.reorder_ms,
            merchants: merchants.clone(),
            events: events.clone(),
            rate_limit_per_s: scenario.platform.rate_limit_per_s,
            pull: pull_config(&scenario.platform),
            // Each attempt is folded as it ends (its sink, below), so the
            // log keeps none, unless the platform has lives: their logs are
            // read at the run's end (`crash::CrashLog::attempts`).
            retention: if crash::has_lives(scenario, spec) {
                hooklab_platform::Retention::KEEP_ALL
            } else {
                hooklab_platform::Retention {
                    attempts_logged: Some(0),
                    ..hooklab_platform::Retention::KEEP_ALL
                }
            },
            ..PlatformConfig::default()
        };
        // A receiver that is "down, refusing connections" is seen by the sender
        // as refused connections: the platform's outbound link refuses during
        // those windows.
        let faults = &scenario.faults;
        let windows = |mode: DownMode| -> Vec<(Micros, Micros)> {
            faults
                .receiver_down
                .iter()
                .filter(|w| w.mode == mode)
                .map(|w| (Micros(w.from_ms.as_us()), Micros(w.until_ms.as_us())))
                .collect()
        };
        let mut refused = windows(DownMode::Refuse);
        // A crashed shop refuses connections, as a receiver down refusing does.
        refused.extend(crash::shop_down(scenario));
        let refusing = (!refused.is_empty()).then(|| {
            Arc::new(RefusingLink {
                inner: http.clone(),
                clock,
                windows: refused,
                events: events.clone(),
                refused: AtomicU64::new(0),
            })
        });
        let platform_http: Arc<dyn HttpClient> = match &refusing {
            Some(link) => link.clone(),
            None => http.clone(),
        };
        // One platform, or (with crash faults or a store) one per life.
        let (life, platform_url, mut servers) = PlatformLife::serve(
            net,
            scenario,
            spec,
            clock,
            config,
            platform_http,
            shutdown.clone(),
        )
        .await?;

        // A webhook strategy's attempts are folded into its delivery draws
        // as each ends (`deliveries`); a platform with lives leaves them in
        // its lives' logs, matched to the shop's payments at the end.
        if spec.receives_webhooks() {
            let faults = &scenario.faults;
            outcomes.fold_attempts(
                fold::spec_attempts(scenario, spec),
                faults.silent_loss > 0.0 || faults.duplicate_rate > 0.0,
            );
            if life.log().is_some() {
                outcomes.keep_payments();
            } else {
                // Each payment is done when its chains ended: two for an
                // event the platform sends twice, which it says first.
                let (each, twice) = (outcomes.clone(), outcomes.clone());
                life.current().fold_attempts(
                    hooklab_platform::AttemptSink::to(move |a| each.attempt(a))
                        .with_duplicates(move |p| twice.duplicated(p)),
                );
            }
        }

        // One shop per merchant. They share one order book (order ids are unique
        // across merchants) and one client's counters, so the report adds them
        // up with no extra work; each has its own key, pollers and receiver.
        // The platform forgets each finished payment a minute after the shop
        // learned it: memory follows the orders in flight (reports unchanged).
        // A run with crash faults keeps everything: its platform is replaced at
        // each restart, and the lab is small.
        let events_of_shop = if life.restarts() {
            events.clone()
        } else {
            life.current()
                .forget_once_known(events.clone(), Dur::from_secs(60))
        };
        // And the shop's book forgets each order it learned, handing it to the
        // outcomes fold first.
        let book = {
            let outcomes = outcomes.clone();
            Arc::new(OrderBook::forgetting(
                events_of_shop,
                Arc::new(move |entry| outcomes.ended(entry)),
            ))
        };
        let client = PlatformClient::new(life.shop_link(http.clone()), &platform_url, clock)
            .with_events(events);
        let receiver_faults = ReceiverFaults {
            down: windows(DownMode::Unavailable),
            error_rate: faults.receiver_error_rate,
            delay: faults.receiver_delay_ms,
            silent_loss: faults.silent_loss,
            ack_before_commit: crash::ack_before_commit(scenario, spec),
        };
        let mut shops = Vec::with_capacity(merchants.len());
        let mut receivers = Vec::with_capacity(merchants.len());
        for (n, merchant) in merchants.iter().enumerate() {
            let client = client.clone().with_api_key(&merchant.api_key);
            let shop = Shop::new(
                clock,
                client,
                spec.clone(),
                scenario.workload.currency.clone(),
                shutdown.clone(),
            )
            .with_book(book.clone());
            let seed = scenario.seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            receivers.push(Receiver::with_faults(
                clock,
                book.clone(),
                receiver_faults.clone(),
                seed,
            ));
            shops.push(shop);
        }
        if spec.receives_webhooks() {
            // All merchants' receivers behind one server, one path each, as a
            // multi-tenant integration (Zapier, say) receives for its users.
            let router = receiver::tenants_router(&receivers);
            let (url, task) = net.serve("shop", router, shutdown.clone()).await?;
            servers.push(task);
            for (n, (shop, receiver)) in shops.iter().zip(&receivers).enumerate() {
                shop.subscribe(receiver, &format!("{url}{}", receiver::tenant_path(n)))
                    .await
                    .map_err(HarnessError::Register)?;
            }
        }

        let crashes = life.spawn_crashes(&receivers, &book);

        // Place every order at its arrival instant, at its merchant's shop, each
        // in its own task so a slow creation never delays the next arrival.
        // A shard's world starts only its own merchants' shops and places
        // only its own orders; every other part of it is the whole world's.
        let origin = clock.now();
        recorder.start_at(origin);
        outcomes.begin(origin);
        let merchant_in = |n: usize| part.is_none_or(|p| p.has_merchant(n));
        let order_in = |k: usize, o: &OrderPlan| part.is_none_or(|p| p.has_order(k, o));
        for (n, shop) in shops.iter().enumerate() {
            if merchant_in(n) {
                shop.start();
            }
        }
        let total = match part {
            None => plan.len() as u64,
            Some(_) => {
                // A shard's payments take the numbers one platform taking
                // the whole plan gives them (the order's place in the plan,
                // from 1), so their ids, and the bytes of every answer
                // naming them, are one world's (six digits up to the
                // 999,999th, seven from the millionth).
                let numbers: Arc<[u64]> = plan
                    .iter()
                    .enumerate()
                    .filter(|(k, o)| order_in(*k, o))
                    .map(|(k, _)| k as u64 + 1)
                    .collect();
                let count = numbers.len() as u64;
                life.current().number_payments(numbers);
                count
            }
        };
        let inline_pollers = scenario.platform.rate_limit_per_s.is_none();
        let driver = {
            let shops = shops.clone();
            let orders = plan.clone();
            tokio::spawn(async move {
                for k in 0..orders.len() {
                    let order = &orders[k];
                    if part.is_some_and(|p| !p.has_order(k, order)) {
                        continue;
                    }
                    clock.sleep_until(origin.plus(Dur(order.arrive_at.0))).await;
                    let Some(shop) = shops.get(order.merchant as usize).cloned() else {
                        continue;
                    };
                    let (checkout, orders) = (shop.clone(), orders.clone());
                    shop.spawn(async move {
                        // A failure is recorded in the order book as a missed order.
                        // The order's poller, if it has one, runs on in this
                        // task (one task per order, not two), unless the
                        // platform rate-limits: there the order in which
                        // same-instant requests reach the bucket decides
                        // who is refused, and the poller's own task keeps
                        // the order the rate-limit model was checked on.
                        let _ = if inline_pollers {
                            checkout.checkout(&orders[k]).await
                        } else {
                            checkout.place_order(&orders[k]).await
                        };
                    });
                }
            })
        };

        // The deadline: the last settlement (of the whole plan, in every
        // shard), plus the strategy's patience, plus the grace period, with
        // every outage opening before it waited out. The fault windows
        // count from the clock's start, as `origin` does.
        let last_settled = origin.plus(Dur(workload::last_settlement(plan).0));
        let deadline = Micros(scenario.deadline_us(spec, last_settled.0 as f64) as u64);
        let settled = book.watch_settled();
        Ok(World {
            index,
            setting,
            spec,
            plan: plan.clone(),
            clock,
            trigger,
            events_rx,
            outcomes,
            recorder,
            refusing,
            life,
            servers,
            book,
            client,
            shops,
            receivers,
            crashes,
            driver,
            origin,
            deadline,
            total,
            settled,
        })
    }

    /// Waits until the shop knows every outcome of this world's orders, or
    /// until the deadline, folding the events into the timeline as they
    /// come; answers the instant it stopped waiting.
    pub(crate) async fn wait(&mut self, progress: &dyn Progress) -> Micros {
        let World {
            index,
            clock,
            events_rx,
            recorder,
            deadline,
            total,
            settled,
            ..
        } = self;
        // One timer for the whole wait, not one per turn of the loop: a run
        // makes several events per order, and each turn used to register and
        // cancel a timer of its own.
        let out_of_time = clock.sleep_until(*deadline);
        tokio::pin!(out_of_time);
        loop {
            let known = *settled.borrow_and_update();
            progress.orders_known(*index, known);
            if known >= *total {
                break;
            }
            tokio::select! {
                biased;
                _ = &mut out_of_time => break,
                changed = settled.changed() => if changed.is_err() { break },
                Some(event) = events_rx.recv() => {
                    progress.event(*index, &event);
                    recorder.record(&event);
                    // And every event already waiting, in one turn: no time
                    // passes meanwhile (nothing here awaits), so this changes
                    // only how often the loop turns, not what it records.
                    while let Ok(event) = events_rx.try_recv() {
                        progress.event(*index, &event);
                        recorder.record(&event);
                    }
                }
            }
        }
        clock.now()
    }

    /// Goes on running until `end`, a later instant than this world's own
    /// end (another shard's, [`crate::shard`]), and until every task due at
    /// `end` has taken its first step, as they all have in one world when
    /// its harness stops there: that world stops on the news of the last
    /// outcome, which comes from one of those tasks after its exchange's
    /// turns, each of which puts it behind all the others.
    ///
    /// Here a task of its own wakes with them (the same timer instant) and
    /// yields once: a spawned task that yields goes back behind every task
    /// already queued, so its next step comes after their first. This
    /// wait, the runtime's `block_on` future, would not do: tokio polls it
    /// again after at most a few dozen tasks, whatever is queued.
    pub(crate) async fn wait_until(&mut self, end: Micros, progress: &dyn Progress) {
        let World {
            index,
            clock,
            events_rx,
            recorder,
            ..
        } = self;
        let (due_done, all_due_done) = tokio::sync::oneshot::channel::<()>();
        let clock = *clock;
        // Done by the time the answer comes (it sends, then returns).
        drop(tokio::spawn(async move {
            clock.sleep_until(end).await;
            tokio::task::yield_now().await;
            let _ = due_done.send(());
        }));
        tokio::pin!(all_due_done);
        loop {
            tokio::select! {
                biased;
                _ = &mut all_due_done => break,
                Some(event) = events_rx.recv() => {
                    progress.event(*index, &event);
                    recorder.record(&event);
                    while let Ok(event) = events_rx.try_recv() {
                        progress.event(*index, &event);
                        recorder.record(&event);
                    }
                }
            }
        }
    }

    /// Stops everything (the shops' requests on the wire finish first) and
    /// collects what the hosts recorded.
    pub(crate) async fn stop(
        self,
        net: &dyn Network,
        progress: &dyn Progress,
    ) -> Result<Stopped<'s>, HarnessError> {
        let World {
            index,
            setting,
            spec,
            plan,
            clock,
            trigger,
            mut events_rx,
            outcomes,
            mut recorder,
            refusing,
            life,
            servers,
            book,
            client,
            shops,
            receivers,
            crashes,
            driver,
            origin,
            ..
        } = self;
        let ended = clock.now();
        // Held connections are averaged up to here, the run's end.
        let ended_at = tokio::time::Instant::now();
        recorder.close_at(ended);
        driver.abort();
        if let Some(crashes) = crashes {
            crashes.abort();
        }
        let platform = life.current();
        life.settle_due_at_end();
        trigger.trigger();
        // The shops' pollers and checkouts first: a request on the wire finishes
        // (the servers are still answering), so both sides count it.
        for shop in &shops {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), shop.stopped()).await;
        }
        for server in servers {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
        }

        // The events still in the channel happened before the end, too.
        while let Ok(event) = events_rx.try_recv() {
            progress.event(index, &event);
            recorder.record(&event);
        }
        if let Some(most) = outcomes.attempts_held_most() {
            progress.attempts_held(index, most as u64);
        }
        // Read once every server stopped: both ends counted the last exchange.
        if let Some(failed) = life.failure() {
            return Err(failed);
        }
        let traffic = net.meters().map(|meters| Traffic {
            api: meters.counts("platform", ended_at),
            webhooks: meters.counts("shop", ended_at),
            // A platform a crash fault restarts runs on the run's own threads,
            // not on the platform's runtime: its CPU is not measured.
            platform_cpu_ms: net
                .platform_cpu()
                .filter(|_| !life.restarts())
                .map(|cpu| (cpu.as_secs_f64() * 1e6).round() / 1e3),
            platform_cpu_ms_per_order: None,
            shops: None,
        });
        Ok(Stopped {
            setting,
            spec,
            plan,
            refused: refusing
                .as_ref()
                .map_or(0, |link| link.refused.load(Ordering::Relaxed)),
            life,
            platform,
            book,
            outcomes,
            client,
            receivers,
            ended,
            run: ended.since(origin),
            recorder,
            traffic,
        })
    }
}

impl Stopped<'_> {
    /// The strategy's report, from this one world.
    pub(crate) fn report(self) -> StrategyReport {
        let mut recorder = self.recorder;
        // Attempts a crash cut never end: the timeline counts them where
        // they were cut, as the summary counts them when they went out.
        if let Some(log) = self.life.log() {
            for (at, n) in log.cut_attempts() {
                recorder.cut_attempts(at, n);
            }
        }
        let timeline = recorder.finish(self.ended);
        let setting = self.setting;
        fold::strategy_report(Observations {
            spec: self.spec,
            scenario: setting.scenario,
            clock: setting.clock,
            plan: &self.plan,
            platforms: std::slice::from_ref(&self.platform),
            books: std::slice::from_ref(&self.book),
            outcomes: &self.outcomes,
            clients: std::slice::from_ref(&self.client),
            receivers: &self.receivers,
            refused: self.refused,
            calibrated_rtt: setting.calibrated,
            calibrated_delivery: setting.calibrated_delivery,
            timer_late: setting.timer_late,
            run: self.run,
            timeline,
            traffic: self.traffic,
            crash: self.life.log(),
        })
    }
}

/// The platform's bounds and `X-Poll-Interval` for the reads between
/// polling and push, from the `[platform]` table (the defaults send no
/// `X-Poll-Interval`, so older scenarios run as they did).
fn pull_config(p: &hooklab_core::scenario::PlatformSettings) -> hooklab_platform::PullConfig {
    hooklab_platform::PullConfig {
        poll_interval: p
            .poll_interval_s
            .map(|normal_secs| hooklab_platform::PollInterval {
                normal_secs,
                loaded_secs: p.poll_interval_loaded_s.unwrap_or(normal_secs),
                loaded_at_requests: p.loaded_at_requests_per_s.unwrap_or(1_000),
            }),
        ..hooklab_platform::PullConfig::default()
    }
}

/// The platform's outbound link while the receiver is down refusing
/// connections: every request in a window fails to connect. Each refusal
/// is counted and announced (`refused`), as the receiver counts and
/// announces its own.
struct RefusingLink {
    inner: Arc<dyn HttpClient>,
    clock: Clock,
    windows: Vec<(Micros, Micros)>,
    events: EventSink,
    refused: AtomicU64,
}

impl HttpClient for RefusingLink {
    fn send(&self, request: http::Request<bytes::Bytes>) -> hooklab_core::http::SendFuture {
        let now = self.clock.now();
        if self
            .windows
            .iter()
            .any(|(from, until)| *from <= now && now < *until)
        {
            self.refused.fetch_add(1, Ordering::Relaxed);
            self.events
                .emit(now, || hooklab_core::events::Happening::Rejected {
                    reason: hooklab_core::events::rejection::REFUSED.to_owned(),
                });
            return Box::pin(async {
                Err(hooklab_core::http::TransportError::Connect(
                    "connection refused (the receiver is down: injected fault)".into(),
                ))
            });
        }
        self.inner.send(request)
    }
}
