//! One strategy of a virtual run split into shards: independent worlds, each
//! with its own platform, shop and paused clock, each placing its part of the
//! run's orders, run on the `--jobs` threads and folded into the strategy's
//! one report.
//!
//! Only two cores' worth of help is on offer on this machine, and the heavy
//! rows of a run are one heavy strategy each (`hook0-day`'s event-log
//! poller, a million orders polled): splitting one strategy's world is the
//! only way to put a second core on them.
//!
//! # What is separable, and what is not
//!
//! A strategy is sharded only when its orders (or its merchants) meet in
//! nothing but what adds up. [`shards_of`] allows `poll` (split by order)
//! and `poll_events` (split by merchant: every merchant polls the log,
//! orders or not) on the virtual clock, with no `[faults]`, no `[network]`
//! shaping, a default `[platform]` (no rate limit, no `X-Poll-Interval`, no
//! store) and no crash; everything else runs in one world.
//!
//! For those, every shard's world is the whole run's but for the orders it
//! places: the same plan (drawn up front, order by order, from the seed:
//! nothing of it depends on the shards), the same merchants and keys, the
//! same deadline, the same origin. Each order's life in its shard is its
//! life in the single world: its poller's schedule is its own (creation +
//! k·T, or the merchant's 60 s grid), the platform answers one merchant's
//! reads from that merchant's payments and events only, and every delay is
//! measured on the order's own instants. The fold then adds what adds:
//! counts, exact sums (`Moments`, integer µs), histograms bucket by bucket,
//! the timeline's buckets and its sample of order lives (each order's from
//! the shard that placed it), the model's per-order draws, and the
//! settlement worker's and the creations' legs from their sums and
//! histograms, not from their means.
//!
//! The shards' ends are made the single world's end: each runs until its
//! own orders are known (or the deadline), then waits for the others
//! ([`crate::run`] keeps its runtime paused meanwhile); the run's end is the
//! latest of them, and every earlier shard runs on to that instant before it
//! stops, so its merchants poll the event log as long as they did in one
//! world, and every poll due at the last instant is counted, as it is there.
//!
//! What does not add up, so differs from one world's summary:
//!
//! - the shop's connection pool: one client keeps 256 idle connections per
//!   host for every merchant and order of a world; K shards keep K pools.
//!   `traffic.*.connections_opened`, `held_mean` and `held_max` are then the
//!   sums of K pools' (the bytes are exact). Which exchanges share a
//!   connection depends on how exchanges of the same instant interleave in
//!   one runtime, which no fold of separate worlds can recover.
//! - payment and event ids are numbered per platform: a shard numbers its
//!   payments 1, 2, … where one world numbers the whole plan. They are
//!   zero-padded to six digits, so the bytes are the same while a run has
//!   fewer than a million payments and events; from the millionth on, one
//!   world's ids are a digit longer than the shards'.
//!
//! So the summary of a sharded run is byte-identical to one world's except
//! those fields. Sharding is asked for (`hooklab run --shards K`, hidden;
//! [`crate::RunOptions::shards`]), never on by default. [`shards_of`] is
//! the only place that decides, from the scenario and the `--shards` option
//! alone (never from `--jobs` or the machine), so `--jobs 1` and `--jobs 2`
//! give the same summary for any number of shards.

use crate::fold::{self, Observations};
use crate::run::{Progress, Stopped};
use hooklab_core::events::RunEvent;
use hooklab_core::report::StrategyReport;
use hooklab_core::scenario::{ClockMode, Scenario, StrategySpec};
use hooklab_core::traffic::{Link, Traffic, WireCount};
use hooklab_core::workload::OrderPlan;
use std::sync::atomic::{AtomicU64, Ordering};

/// Which of a strategy's orders and merchants one shard's world runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Part {
    /// This shard, from 0.
    pub shard: usize,
    /// How many shards the strategy runs in.
    pub of: usize,
    /// Whether orders are dealt out by merchant (every order of a merchant,
    /// and the merchant's own polling, in one shard) or one by one.
    pub by_merchant: bool,
}

impl Part {
    /// Whether merchant number `n` (from 0) starts its shop here.
    pub fn has_merchant(&self, n: usize) -> bool {
        !self.by_merchant || n % self.of == self.shard
    }

    /// Whether order `k` (its index in the plan) is placed here.
    pub fn has_order(&self, k: usize, order: &OrderPlan) -> bool {
        if self.by_merchant {
            order.merchant as usize % self.of == self.shard
        } else {
            k % self.of == self.shard
        }
    }
}

/// How many shards `spec` runs in: `asked` (the `--shards` option) for a
/// strategy whose world is separable (see the module's docs), at most one
/// per merchant (`poll_events`) or per order (`poll`); one otherwise.
pub(crate) fn shards_of(
    scenario: &Scenario,
    clock: ClockMode,
    spec: &StrategySpec,
    orders: usize,
    asked: usize,
) -> usize {
    let alone = clock == ClockMode::Virtual
        && scenario.faults == Default::default()
        && scenario.network == Default::default()
        && scenario.platform == Default::default()
        && scenario.durability_for(spec) == Default::default();
    if asked <= 1 || !alone {
        return 1;
    }
    let units = match spec {
        StrategySpec::Poll { .. } => orders,
        StrategySpec::PollEvents { .. } => scenario.workload.merchants.max(1) as usize,
        _ => return 1,
    };
    asked.min(units).max(1)
}

/// The part shard `shard` of `of` runs for `spec`.
pub(crate) fn part(spec: &StrategySpec, shard: usize, of: usize) -> Part {
    Part {
        shard,
        of,
        by_merchant: matches!(spec, StrategySpec::PollEvents { .. }),
    }
}

/// A shard's progress, passed on as its strategy's: the orders known are
/// every shard's, added up.
pub(crate) struct ShardProgress<'a> {
    pub inner: &'a dyn Progress,
    /// Orders known, by shard.
    pub known: &'a [AtomicU64],
    pub shard: usize,
}

impl Progress for ShardProgress<'_> {
    fn orders_known(&self, index: usize, known: u64) {
        if let Some(mine) = self.known.get(self.shard) {
            mine.store(known, Ordering::Relaxed);
        }
        let all = self.known.iter().map(|k| k.load(Ordering::Relaxed)).sum();
        self.inner.orders_known(index, all);
    }

    fn event(&self, index: usize, event: &RunEvent) {
        self.inner.event(index, event);
    }
}

/// The sum of two ends' counts, as K connection pools would count them.
fn add_wire(a: &mut WireCount, b: &WireCount) {
    a.request_bytes += b.request_bytes;
    a.response_bytes += b.response_bytes;
    a.connections_opened += b.connections_opened;
    a.held_mean = ((a.held_mean + b.held_mean) * 1e4).round() / 1e4;
    a.held_max += b.held_max;
}

fn add_link(a: &mut Link, b: &Link) {
    match (&mut a.client, &b.client) {
        (Some(a), Some(b)) => add_wire(a, b),
        (None, Some(b)) => a.client = Some(b.clone()),
        _ => {}
    }
    add_wire(&mut a.server, &b.server);
}

/// Folds every shard of one strategy, stopped at the same instant, into its
/// one report. `None` when there is no shard.
pub(crate) fn report(shards: Vec<Stopped<'_>>) -> Option<StrategyReport> {
    let mut shards = shards.into_iter();
    let first = shards.next()?;
    let mut recorder = first.recorder;
    let mut platforms = vec![first.platform];
    let mut books = vec![first.book];
    let mut clients = vec![first.client];
    let mut receivers = first.receivers;
    let mut refused = first.refused;
    let mut traffic = first.traffic;
    let mut ended = first.ended;
    let mut run = first.run;
    let outcomes = first.outcomes;
    for shard in shards {
        outcomes.absorb(&shard.outcomes);
        recorder.absorb(shard.recorder);
        platforms.push(shard.platform);
        books.push(shard.book);
        clients.push(shard.client);
        receivers.extend(shard.receivers);
        refused += shard.refused;
        // Every shard stops at the run's end; the latest is the end should
        // one ever stop later.
        ended = ended.max(shard.ended);
        run = run.max(shard.run);
        if let (Some(all), Some(theirs)) = (traffic.as_mut(), shard.traffic.as_ref()) {
            add_link(&mut all.api, &theirs.api);
            add_link(&mut all.webhooks, &theirs.webhooks);
        }
    }
    let setting = first.setting;
    let timeline = recorder.finish(ended);
    Some(fold::strategy_report(Observations {
        spec: first.spec,
        scenario: setting.scenario,
        clock: setting.clock,
        plan: &first.plan,
        platforms: &platforms,
        books: &books,
        outcomes: &outcomes,
        clients: &clients,
        receivers: &receivers,
        refused,
        calibrated_rtt: setting.calibrated,
        calibrated_delivery: setting.calibrated_delivery,
        timer_late: setting.timer_late,
        run,
        polls_by_order: recorder.polls_by_order(),
        timeline,
        traffic: traffic.map(|t| Traffic {
            platform_cpu_ms: None,
            ..t
        }),
        crash: None,
    }))
}
