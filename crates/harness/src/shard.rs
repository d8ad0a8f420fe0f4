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
//! What does not add up, so differs from one world's summary, and how the
//! summary says so:
//!
//! - the shop's connection pool: one client keeps 256 idle connections per
//!   host for every merchant and order of a world; K shards keep K pools.
//!   `traffic.*.connections_opened`, `held_mean` and `held_max` are then the
//!   sums of K pools' (the bytes are exact). Which exchanges share a
//!   connection depends on how exchanges of the same instant interleave in
//!   one runtime, which no fold of separate worlds can recover. The summary
//!   says it ran as K shops (`traffic.shops`, absent for one), and the
//!   report's note under the cost columns says what that means.
//!
//! Payment ids add up once numbered right: a shard's platform numbers each
//! payment by its order's place in the whole plan
//! (`Platform::number_payments`), which is what one world's platform, taking
//! every order in the plan's order, numbers it; so the ids' bytes are one
//! world's past the millionth payment too (seven digits from then on).
//! Event ids stay numbered per shard: a poller of payments never reads
//! them, and an event-log poller's run has one event per payment, so they
//! have one world's length while a run has fewer than a million orders.
//!
//! # When
//!
//! By default ([`crate::RunOptions::shards`] `None`) a separable strategy
//! runs in [`DEFAULT_SHARDS`] shards when it is expected to make at least
//! [`SHARD_FROM_EXCHANGES`] exchanges (`hooklab_core::cost`'s estimate, a
//! pure function of the scenario), and in one world otherwise: every lab
//! committed in `scenarios/` but `hook0-day` stays one world, the scale
//! rows and `hook0-day` run as two. `hooklab run --shards K` (hidden) asks
//! for K, 1 for one world. [`shards_of`] is the only place that decides,
//! from the scenario and that option alone (never from `--jobs` or the
//! machine), so `--jobs 1` and `--jobs 2` give the same summary.
//!
//! # Memory
//!
//! Each shard is a world: its own platform, shop, order book and runtime,
//! about half the orders in flight each, so the in-flight state adds up to
//! one world's. What the shards hold for the whole plan is held once and
//! shared: the plan (one `Arc`), the settlement plan (built once, [`Share`]),
//! and the per-order columns of the fold and the timeline
//! ([`crate::outcomes::Columns`], about 16 bytes an order, indexed by the
//! plan's order number: [`SharedColumns`]), atomic cells each written only
//! by the shard that placed the order. Each shard's platform also keeps the
//! numbers its payments' ids show (8 bytes an order it places).
//! A `poll_events` shard starts only its own merchants' pollers; the other
//! merchants' shops exist but never start.

use crate::fold::{self, Observations};
use crate::outcomes::Columns;
use crate::run::{Progress, Stopped};
use hooklab_core::events::RunEvent;
use hooklab_core::report::StrategyReport;
use hooklab_core::scenario::{ClockMode, Scenario, StrategySpec};
use hooklab_core::traffic::{Link, Traffic, WireCount};
use hooklab_core::workload::OrderPlan;
use hooklab_platform::SettlementPlan;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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

/// The exchanges a strategy is expected to make
/// ([`hooklab_core::cost::expected_exchanges`]) from which it runs in
/// [`DEFAULT_SHARDS`] shards when nothing else is asked: 200,000, between
/// the largest committed lab (`zapier-15min`, some 50,000) and the smallest
/// scale row (100,000 orders polled every 500 ms, some 370,000). Below it a
/// run takes a few seconds and its summary stays one shop's.
pub const SHARD_FROM_EXCHANGES: u64 = 200_000;

/// One shard's share of its strategy: the part it runs, and what every
/// shard of the strategy reads but need not hold a copy of.
#[derive(Clone, Copy)]
pub(crate) struct Share<'a> {
    pub part: Part,
    /// The platform's settlement plan for the whole workload (about 24
    /// bytes per order), built once for all the shards instead of once per
    /// world.
    pub settlement: &'a SettlementPlan,
    /// The strategy's per-order columns, one set for all its shards.
    pub columns: &'a SharedColumns,
}

/// The per-order columns of one sharded strategy
/// ([`crate::outcomes::Columns`]: a few bytes an order of the plan), made
/// by whichever of its shards starts first and shared by all of them, each
/// writing only the orders it places: the plan's orders are held once, not
/// once per shard.
#[derive(Default)]
pub(crate) struct SharedColumns(Mutex<Option<Arc<Columns>>>);

impl SharedColumns {
    /// The columns, made for `orders` orders by the first caller.
    pub fn get(&self, orders: usize) -> Arc<Columns> {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert_with(|| Columns::new(orders)).clone()
    }

    /// Lets the columns go once the strategy's report is folded (its
    /// shards' outcomes hold the rest of the references).
    pub fn release(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// How many shards a large separable strategy runs in by default: two. A
/// constant, not the machine's cores, so the summary (which says how many
/// shops ran, `traffic.shops`) is the same on every machine; two is what
/// the machine these labs were measured on can run at once, and every more
/// world would only add its own copy of the per-order state and its own
/// connection pool.
pub const DEFAULT_SHARDS: usize = 2;

/// How many shards `spec` runs in: `asked` (the hidden `--shards` option)
/// when given, otherwise [`DEFAULT_SHARDS`] when the strategy is expected
/// to make at least `from` exchanges ([`SHARD_FROM_EXCHANGES`] unless a
/// test lowers it), for a strategy whose world is separable (see the
/// module's docs); at most one per merchant (`poll_events`) or per order
/// (`poll`); one otherwise. Nothing here reads `--jobs` or the machine.
pub(crate) fn shards_of(
    scenario: &Scenario,
    clock: ClockMode,
    spec: &StrategySpec,
    orders: usize,
    asked: Option<usize>,
    from: u64,
) -> usize {
    let alone = clock == ClockMode::Virtual
        && scenario.faults == Default::default()
        && scenario.network == Default::default()
        && scenario.platform == Default::default()
        && scenario.durability_for(spec) == Default::default();
    let units = match spec {
        StrategySpec::Poll { .. } => orders,
        StrategySpec::PollEvents { .. } => scenario.workload.merchants.max(1) as usize,
        _ => return 1,
    };
    if !alone {
        return 1;
    }
    let wanted = match asked {
        Some(k) => k,
        None if hooklab_core::cost::expected_exchanges(scenario, spec) >= from as f64 => {
            DEFAULT_SHARDS
        }
        None => 1,
    };
    wanted.min(units).max(1)
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

    fn attempts_held(&self, index: usize, most: u64) {
        self.inner.attempts_held(index, most);
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
    let mut shops = 1;
    for shard in shards {
        shops += 1;
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
        timeline,
        // Said in the summary: its connection counts are `shops` pools'.
        traffic: traffic.map(|t| Traffic {
            platform_cpu_ms: None,
            shops: (shops > 1).then_some(shops),
            ..t
        }),
        crash: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many shards each strategy of `scenario` runs in by default.
    fn by_default(scenario: &Scenario) -> Vec<(String, usize)> {
        let orders = scenario.workload.orders as usize;
        scenario
            .strategies
            .iter()
            .map(|spec| {
                let k = shards_of(
                    scenario,
                    scenario.clock,
                    spec,
                    orders,
                    None,
                    SHARD_FROM_EXCHANGES,
                );
                (spec.name().to_owned(), k)
            })
            .collect()
    }

    /// Every committed lab runs in one world by default but `hook0-day`'s
    /// event-log poller, which runs in two: the threshold sits between them.
    #[test]
    fn only_the_large_committed_lab_is_sharded_by_default() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let scenario = crate::sweep::expand(&Scenario::load(&path).unwrap()).unwrap();
            seen += 1;
            for (name, k) in by_default(&scenario) {
                let large = scenario.name == "hook0-day" && name == "poll-events-60s";
                assert_eq!(k, if large { 2 } else { 1 }, "{}: {name}", scenario.name);
            }
        }
        assert!(seen >= 10, "read {seen} scenarios from {}", dir.display());
    }

    /// The scale rows (`scripts/scale.sh`): 100,000 orders and more polled
    /// every 500 ms run in two shards; a webhook never does, nor a poll with
    /// network latency.
    #[test]
    fn the_scale_rows_are_sharded_by_default() {
        let row = |orders: u32, strategy: &str, extra: &str| {
            let text = format!(
                "name = \"row\"\nseed = 19\nclock = \"virtual\"\n\
                 [workload]\norders = {orders}\n\
                 arrival = {{ dist = \"poisson\", per_s = 1000 }}\n\
                 settle = {{ dist = \"uniform\", min_ms = 100, max_ms = 1600 }}\n\
                 {extra}\n[[strategy]]\n{strategy}\n"
            );
            by_default(&Scenario::parse(&text, "row.toml").unwrap())
        };
        let poll = "name = \"poll-500ms\"\nkind = \"poll\"\ninterval_ms = 500";
        let webhook = "name = \"webhook\"\nkind = \"webhook\"";
        for orders in [100_000, 1_000_000, 5_000_000] {
            assert_eq!(row(orders, poll, ""), [("poll-500ms".to_owned(), 2)]);
            assert_eq!(row(orders, webhook, ""), [("webhook".to_owned(), 1)]);
        }
        assert_eq!(row(10_000, poll, ""), [("poll-500ms".to_owned(), 1)]);
        let latency = "[network]\nlatency = { dist = \"uniform\", min_ms = 1, max_ms = 4 }";
        assert_eq!(
            row(1_000_000, poll, latency),
            [("poll-500ms".to_owned(), 1)]
        );
    }
}
