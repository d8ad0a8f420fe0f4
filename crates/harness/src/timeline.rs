//! The run's timeline, folded from the events the platform and the shop
//! announce, as they come.
//!
//! During a strategy's run, every [`RunEvent`] goes through a channel to the
//! harness, which hands each to the [`crate::Progress`] listener (that is how
//! the live page sees the run as it happens) and to a [`Recorder`], which
//! folds it at once and keeps nothing of it: memory follows the length of the
//! run's clock in buckets and a bounded sample of orders, never the number
//! of events. At the end, [`Recorder::finish`] gives a compact [`Timeline`]:
//! counts per time bucket by kind (exact: every event is counted), the
//! refused deliveries by reason (named as the summary's `rejected` names
//! them, [`hooklab_core::events::rejection`]), and the placed / settled /
//! known instants of a deterministic sample of the orders (every one when a
//! run has no more than its bound, see
//! [`hooklab_core::report::order_stride`]).
//!
//! The bucket width is only known at the end (about 1/200 of the run, or of
//! its active part when the run idled most of its length, see
//! [`Recorder::finish`]), so
//! the recorder counts in finer buckets whose width is a power of ten µs: any
//! final width (1, 2 or 5 times a power of ten, never finer than the fine
//! one) is a whole number of fine buckets, so merging them gives the very
//! counts a fold at the final width would. When the run grows past
//! `FINE_BUCKETS` fine buckets, ten of them merge into one.

use hooklab_core::clock::Micros;
use hooklab_core::events::{Happening, RunEvent};
use hooklab_core::ids::OrderId;
use hooklab_core::report::{DAY_US, DayCounts, Timeline, order_stride};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// About how many buckets a timeline has.
const TARGET_BUCKETS: u64 = 200;

/// The most buckets a timeline has when it is made finer to show a
/// strategy's polling period ([`Recorder::show_period`]): ten times the
/// usual, so a summary stays small (each bucket is a few bytes per column)
/// whatever the run's length.
const MAX_BUCKETS: u64 = 10 * TARGET_BUCKETS;

/// The most fine buckets a recorder keeps before it merges ten into one:
/// ten times the timeline's buckets, so the width it ends with is never
/// coarser than the timeline's (see [`Recorder::record`]).
const FINE_BUCKETS: u64 = 20 * TARGET_BUCKETS;

/// The number of an order (`ord_000042` is 42), to index it.
fn order_number(order: &OrderId) -> Option<usize> {
    order.as_str().strip_prefix(OrderId::PREFIX)?.parse().ok()
}

/// A "nice" bucket width at or above `raw_us`: 1, 2 or 5 times a power of ten µs.
fn nice_width(raw_us: u64) -> u64 {
    let mut unit = 1u64;
    loop {
        for step in [1, 2, 5] {
            if unit * step >= raw_us {
                return unit * step;
            }
        }
        unit = unit.saturating_mul(10);
    }
}

/// The width that shows a period of `period_us` where `default_us` (about
/// 1/200 of the run) aliases it: `None` when the default already shows it
/// (it is at most half the period), when the period is shorter than the
/// default (the rounds are then too many to tell apart at the chart's
/// scale, and a bucket averages them into the steady rate the chart can
/// show: spectrum's every 500 ms over 105 s), or when no width fits. A period
/// between one and two usual buckets is the case: the rounds fall one or
/// two to a bucket, unevenly, and the chart shows a rhythm that is not the
/// poller's. The widest nice width that
/// divides the period (so every round of polls falls at the same place in
/// its buckets, not one bucket early now and then) and is at most a quarter
/// of it (at least three empty buckets between two rounds), never finer
/// than `fine_us` (a whole number of fine buckets) nor making more than
/// [`MAX_BUCKETS`] buckets over `end_us`.
///
/// zapier-15min (one event-log poll per merchant every 15 min, all
/// merchants together, over a day) had 500 s buckets, which drew the 900 s
/// rounds as one bucket in two with now and then two in a row: 100 s
/// buckets draw one round every 9. Hook0's day (every 60 s over a day,
/// 500 s buckets) keeps its width.
fn period_width(period_us: u64, default_us: u64, fine_us: u64, end_us: u64) -> Option<u64> {
    if period_us == 0 || default_us <= period_us / 2 || default_us > period_us {
        return None;
    }
    let mut unit = 1u64;
    let mut best = None;
    while unit <= period_us / 4 {
        for step in [1, 2, 5] {
            let w = unit * step;
            if w <= period_us / 4
                && period_us.is_multiple_of(w)
                && w >= fine_us
                && w.is_multiple_of(fine_us)
                && end_us / w < MAX_BUCKETS
            {
                best = Some(w);
            }
        }
        unit = unit.saturating_mul(10);
    }
    best
}

fn ms(at: Micros) -> f64 {
    (at.0 as f64 / 1_000.0 * 1_000.0).round() / 1_000.0
}

/// The counts of one fine bucket, by kind (the columns of a [`Timeline`]).
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    polls: u32,
    polls_wasted: u32,
    deliveries: u32,
    retries: u32,
    failed_deliveries: u32,
    rejected: u32,
    rate_limited: u32,
    known: u32,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.polls += other.polls;
        self.polls_wasted += other.polls_wasted;
        self.deliveries += other.deliveries;
        self.retries += other.retries;
        self.failed_deliveries += other.failed_deliveries;
        self.rejected += other.rejected;
        self.rate_limited += other.rate_limited;
        self.known += other.known;
    }
}

/// Folds a run's events into its [`Timeline`] as they come, and counts each
/// order's polls (for the error bar of requests per order).
///
/// What it holds is bounded by the run's span in fine buckets
/// (`FINE_BUCKETS`, 4,000, at most), the sample of order lives, and one `u32` per
/// order for the polls (shared with the run's outcomes, and with the other
/// shards of its strategy: `Recorder::count_polls_in`): never by the
/// number of events.
#[derive(Debug)]
pub struct Recorder {
    /// Width of a fine bucket, µs: a power of ten, 1 ms or more.
    fine_us: u64,
    /// Counts per fine bucket, from the run's start.
    fine: Vec<Counts>,
    /// Counts of events at or after the run's end (see [`Recorder::close_at`]):
    /// all in the timeline's last bucket.
    after_end: Counts,
    /// The run's end once known; until then, events only come from before it.
    end: Option<Micros>,
    rejected_by_reason: BTreeMap<String, u64>,
    /// Orders in the run.
    orders: usize,
    /// The sample keeps orders number 1, 1 + stride, 1 + 2·stride, …
    stride: usize,
    /// The sampled orders' `[placed, settled, known]`, ms (-1: not yet).
    lives: Vec<[f64; 3]>,
    /// The sampled orders' channel letters (`p`, `w`, `c`, `-`).
    via: Vec<u8>,
    /// Status polls of each order (index: number − 1): atomic counters, so
    /// the shards of a strategy count into one column, each its own orders.
    polls_by_order: Arc<[AtomicU32]>,
    /// The run's start on its clock (see [`Recorder::start_at`]).
    origin: Micros,
    /// A polling period the timeline should show, µs (see
    /// [`Recorder::show_period`]).
    period_us: Option<u64>,
    /// Polls and deliveries counted at or before 24 h after `origin`.
    first_day: DayCounts,
}

impl Recorder {
    /// A recorder for a run of `orders` orders that keeps the lives of at
    /// most `sample` of them (at least one).
    pub fn new(orders: usize, sample: usize) -> Self {
        let stride = order_stride(orders as u64, sample as u64) as usize;
        let kept = orders.div_ceil(stride);
        Recorder {
            fine_us: 1_000,
            fine: Vec::new(),
            after_end: Counts::default(),
            end: None,
            rejected_by_reason: BTreeMap::new(),
            orders,
            stride,
            lives: vec![[-1.0; 3]; kept],
            via: vec![b'-'; kept],
            polls_by_order: (0..orders).map(|_| AtomicU32::new(0)).collect(),
            origin: Micros(0),
            first_day: DayCounts::default(),
            period_us: None,
        }
    }

    /// Counts each order's status polls in `polls` (one counter per order,
    /// index: number − 1) instead of a column of its own: the run's
    /// outcomes read them there ([`crate::outcomes::Columns`]), and every
    /// shard of a strategy counts into the same one.
    pub(crate) fn count_polls_in(&mut self, polls: Arc<[AtomicU32]>) {
        self.polls_by_order = polls;
    }

    /// Asks for buckets fine enough to show requests that come every
    /// `period` all together (an event-log poller: every merchant polls at
    /// the same instants), where the usual 1/200 of the run would blur
    /// them; kept bounded (see `period_width`). Without it, or when no
    /// width fits, the usual width.
    pub fn show_period(&mut self, period: hooklab_core::duration::Dur) {
        self.period_us = Some(period.as_us());
    }

    /// [`Recorder::show_period`] for the strategies whose requests come all
    /// together every interval: event-log polling (each merchant polls the
    /// log at the same instants). A per-payment poller's rounds start at
    /// each payment's creation and spread over the interval, so its
    /// timeline keeps the usual width.
    pub fn for_strategy(&mut self, spec: &hooklab_core::scenario::StrategySpec) {
        if let hooklab_core::scenario::StrategySpec::PollEvents { interval_ms, .. } = spec {
            self.show_period(*interval_ms);
        }
    }

    /// Says the run started at `origin` on its clock (the harness places
    /// its first order then, after the shop registered its endpoints): its
    /// first day counts from there. Until told, from the clock's 0.
    pub fn start_at(&mut self, origin: Micros) {
        self.origin = origin;
    }

    /// Whether an event at `at` falls in the run's first 24 h.
    fn on_first_day(&self, at: Micros) -> u64 {
        u64::from(at.0 <= self.origin.0 + DAY_US)
    }

    /// Counts `n` webhook attempts a platform crash cut at `at`: each was
    /// sent, and counted as it went out (`requests.webhook_attempts`), but
    /// never ended, so no event announced it. Counted as deliveries, neither
    /// failed nor retries (their outcome is unknown, and the attempt log,
    /// which those counts come from, has no record of them), so the
    /// timeline's deliveries are the summary's attempts.
    pub fn cut_attempts(&mut self, at: Micros, n: u64) {
        self.first_day.deliveries += n * self.on_first_day(at);
        let b = self.bucket(at);
        b.deliveries = b
            .deliveries
            .saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
    }

    /// Says the run ended at `end`: events still to come are counted in the
    /// timeline's last bucket, as a fold over the whole run would put them.
    pub fn close_at(&mut self, end: Micros) {
        self.end = Some(end);
    }

    /// The sample's slot of `order`, if it is in the sample.
    fn slot(&self, order: &OrderId) -> Option<usize> {
        let k = order_number(order)?.checked_sub(1)?;
        (k < self.orders && k % self.stride == 0).then_some(k / self.stride)
    }

    /// The fine bucket counting an event at `at`.
    fn bucket(&mut self, at: Micros) -> &mut Counts {
        if self.end.is_some_and(|end| at >= end) {
            return &mut self.after_end;
        }
        // Before the end is known every event comes from before it, so the
        // fine width only grows while `at / 400 <= end / 400 <= final width
        // / 2`: the final width stays a whole number of fine buckets.
        while at.0 / self.fine_us >= FINE_BUCKETS {
            self.fine_us *= 10;
            let merged = self.fine.chunks(10).map(|tens| {
                let mut sum = Counts::default();
                tens.iter().for_each(|c| sum.add(c));
                sum
            });
            self.fine = merged.collect();
        }
        let b = (at.0 / self.fine_us) as usize;
        if self.fine.len() <= b {
            self.fine.resize(b + 1, Counts::default());
        }
        &mut self.fine[b]
    }

    /// Folds one event in.
    pub fn record(&mut self, e: &RunEvent) {
        match &e.what {
            Happening::OrderPlaced { order } => {
                if let Some(k) = self.slot(order) {
                    self.lives[k][0] = ms(e.at);
                }
            }
            Happening::Settled { order, .. } => {
                if let Some(k) = self.slot(order) {
                    self.lives[k][1] = ms(e.at);
                }
            }
            Happening::Poll { order, pending, .. } => {
                self.first_day.polls += self.on_first_day(e.at);
                let b = self.bucket(e.at);
                b.polls += 1;
                b.polls_wasted += u32::from(*pending);
                let n = order_number(order).and_then(|n| n.checked_sub(1));
                if let Some(count) = n.and_then(|k| self.polls_by_order.get(k)) {
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }
            Happening::EventPoll { found } => {
                self.first_day.polls += self.on_first_day(e.at);
                let b = self.bucket(e.at);
                b.polls += 1;
                b.polls_wasted += u32::from(*found == 0);
            }
            Happening::RateLimited => self.bucket(e.at).rate_limited += 1,
            Happening::Delivery { attempt, ok, .. } => {
                self.first_day.deliveries += self.on_first_day(e.at);
                let b = self.bucket(e.at);
                b.deliveries += 1;
                b.retries += u32::from(*attempt > 1);
                b.failed_deliveries += u32::from(!*ok);
            }
            Happening::Rejected { reason } => {
                self.bucket(e.at).rejected += 1;
                *self.rejected_by_reason.entry(reason.clone()).or_insert(0) += 1;
            }
            Happening::Known {
                order, via: how, ..
            } => {
                self.bucket(e.at).known += 1;
                if let Some(k) = self.slot(order) {
                    self.lives[k][2] = ms(e.at);
                    self.via[k] = match how.as_str() {
                        "webhook" => b'w',
                        "creation" => b'c',
                        "stream" => b's',
                        _ => b'p',
                    };
                }
            }
            Happening::Duplicate { .. }
            | Happening::Conflict { .. }
            | Happening::EndpointRegistered { .. }
            | Happening::EndpointDisabled { .. }
            | Happening::UnknownOrder { .. } => {}
        }
    }

    /// Takes in the recorder of another world of the same strategy (a
    /// shard, `crate::shard`) that recorded the same orders' sample and
    /// ended at the same instant: counts add bucket by bucket (the finer of
    /// the two fine widths merged into the coarser, both powers of ten, as
    /// [`Recorder::record`] merges its own), and each sampled order's life
    /// is the one of the world that placed it. Polls counted into one
    /// shared column (`Recorder::count_polls_in`) are already there.
    pub fn absorb(&mut self, mut other: Recorder) {
        let coarsen = |r: &mut Recorder, fine_us: u64| {
            while r.fine_us < fine_us {
                r.fine_us *= 10;
                let merged = r.fine.chunks(10).map(|tens| {
                    let mut sum = Counts::default();
                    tens.iter().for_each(|c| sum.add(c));
                    sum
                });
                r.fine = merged.collect();
            }
        };
        let width = self.fine_us.max(other.fine_us);
        coarsen(self, width);
        coarsen(&mut other, width);
        if self.fine.len() < other.fine.len() {
            self.fine.resize(other.fine.len(), Counts::default());
        }
        for (mine, theirs) in self.fine.iter_mut().zip(&other.fine) {
            mine.add(theirs);
        }
        self.after_end.add(&other.after_end);
        for (reason, n) in other.rejected_by_reason {
            *self.rejected_by_reason.entry(reason).or_insert(0) += n;
        }
        for (mine, theirs) in self.lives.iter_mut().zip(&other.lives) {
            for (m, t) in mine.iter_mut().zip(theirs) {
                if *m < 0.0 {
                    *m = *t;
                }
            }
        }
        for (mine, theirs) in self.via.iter_mut().zip(&other.via) {
            if *mine == b'-' {
                *mine = *theirs;
            }
        }
        if !Arc::ptr_eq(&self.polls_by_order, &other.polls_by_order) {
            for (mine, theirs) in self.polls_by_order.iter().zip(other.polls_by_order.iter()) {
                mine.fetch_add(theirs.load(Ordering::Relaxed), Ordering::Relaxed);
            }
        }
        self.first_day.polls += other.first_day.polls;
        self.first_day.deliveries += other.first_day.deliveries;
    }

    /// The status polls of each order, in number order (`ord_000001`
    /// first).
    pub fn polls_by_order(&self) -> Vec<u32> {
        self.polls_by_order
            .iter()
            .map(|n| n.load(Ordering::Relaxed))
            .collect()
    }

    /// When the last thing of the run happened, µs on its clock: the end
    /// of its last fine bucket with a request, a refusal or a
    /// notification, or its sampled orders' last instant; `end` when
    /// events came at or after it.
    fn active_until(&self, end: Micros) -> u64 {
        let busy = |c: &Counts| c.polls + c.deliveries + c.rejected + c.rate_limited + c.known > 0;
        if busy(&self.after_end) {
            return end.0;
        }
        let last_bucket = self
            .fine
            .iter()
            .rposition(busy)
            .map_or(0, |b| (b as u64 + 1) * self.fine_us);
        let last_life = self.lives.iter().flatten().fold(0.0f64, |a, &b| a.max(b));
        last_bucket.max((last_life * 1_000.0).round() as u64)
    }

    /// The timeline of a run that ended at `end`.
    ///
    /// Buckets are about 1/200 of the run, or of its active part when that
    /// is at most half of it: a run that goes on idle (a missed order
    /// waiting for its deadline: 3.5 s of polls and webhooks, then 33 h
    /// until the run gave up) would otherwise put all it did in one
    /// 1,000 s bucket. The timeline then ends with its last active bucket;
    /// the run's length is `run_ms`.
    pub fn finish(&self, end: Micros) -> Timeline {
        let active = self.active_until(end);
        let span = if active > 0 && active.saturating_mul(2) <= end.0 {
            active
        } else {
            end.0
        };
        let usual = nice_width((span / TARGET_BUCKETS).max(1_000));
        let width = self
            .period_us
            .and_then(|p| period_width(p, usual, self.fine_us, span))
            .unwrap_or(usual);
        let n = (span / width + 1) as usize;
        let mut buckets = vec![Counts::default(); n];
        // Whole fine buckets per final bucket; a fine width coarser than the
        // final one (only if the end was never given and late events
        // stretched the run) still lands each count in the bucket its start
        // falls in.
        for (b, counts) in self.fine.iter().enumerate() {
            let at = b as u64 * self.fine_us;
            buckets[((at / width) as usize).min(n - 1)].add(counts);
        }
        buckets[n - 1].add(&self.after_end);
        let column = |f: fn(&Counts) -> u32| buckets.iter().map(f).collect::<Vec<u32>>();
        Timeline {
            bucket_ms: width as f64 / 1_000.0,
            polls: column(|c| c.polls),
            polls_wasted: column(|c| c.polls_wasted),
            deliveries: column(|c| c.deliveries),
            retries: column(|c| c.retries),
            failed_deliveries: column(|c| c.failed_deliveries),
            rejected: column(|c| c.rejected),
            rejected_by_reason: self.rejected_by_reason.clone(),
            rate_limited: column(|c| c.rate_limited),
            known: column(|c| c.known),
            orders: self.lives.clone(),
            via: String::from_utf8(self.via.clone()).unwrap_or_default(),
            order_stride: self.stride as u64,
            first_day: (end.since(self.origin).as_us() >= DAY_US).then_some(self.first_day),
        }
    }
}

/// Folds a run's events (in any order) over a run of length `end` with
/// `orders` orders, keeping every order's life.
pub fn fold(events: &[RunEvent], orders: usize, end: Micros) -> Timeline {
    let mut recorder = Recorder::new(orders, orders.max(1));
    recorder.close_at(end);
    events.iter().for_each(|e| recorder.record(e));
    recorder.finish(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklab_core::ids::PaymentId;

    fn at(ms: u64, what: Happening) -> RunEvent {
        RunEvent {
            at: Micros(ms * 1_000),
            what,
        }
    }

    #[test]
    fn a_run_of_a_day_or_more_counts_its_first_24_hours() {
        let day_ms = DAY_US / 1_000;
        let page = |ms| at(ms, Happening::EventPoll { found: 0 });
        let delivery = |ms| {
            at(
                ms,
                Happening::Delivery {
                    order: OrderId::numbered(1),
                    attempt: 1,
                    result: "HTTP 200".into(),
                    ok: true,
                },
            )
        };
        // A page answered at 24 h exactly is the day's; one a millisecond
        // later, and the delivery after it, are not.
        let events = vec![
            page(900_000),
            page(day_ms),
            page(day_ms + 1),
            delivery(1_000),
            delivery(day_ms + 40),
        ];
        let t = fold(&events, 1, Micros(DAY_US + 3_600_000_000));
        assert_eq!(
            t.first_day,
            Some(DayCounts {
                polls: 2,
                deliveries: 1
            })
        );
        assert_eq!(t.polls.iter().sum::<u32>(), 3);
        // A shorter run has no first day.
        assert_eq!(fold(&events[..1], 1, Micros(DAY_US - 1)).first_day, None);
        // A run that starts 23 s into its clock (endpoints registered
        // first) counts its day from there.
        let mut recorder = Recorder::new(1, 1);
        recorder.start_at(Micros(23_000_000));
        events.iter().for_each(|e| recorder.record(e));
        let t = recorder.finish(Micros(DAY_US + 23_000_000));
        assert_eq!(
            t.first_day,
            Some(DayCounts {
                polls: 3,
                deliveries: 2
            })
        );
    }

    #[test]
    fn events_fold_into_buckets_and_order_lives() {
        let o1 = OrderId::numbered(1);
        let events = vec![
            at(0, Happening::OrderPlaced { order: o1.clone() }),
            at(
                100,
                Happening::Poll {
                    order: o1.clone(),
                    pending: true,
                    reconcile: false,
                },
            ),
            at(
                150,
                Happening::Settled {
                    order: o1.clone(),
                    payment: PaymentId::numbered(1),
                    outcome: "approved".into(),
                },
            ),
            at(
                200,
                Happening::Poll {
                    order: o1.clone(),
                    pending: false,
                    reconcile: false,
                },
            ),
            at(
                200,
                Happening::Known {
                    order: o1.clone(),
                    via: "poll".into(),
                    status: "approved".into(),
                },
            ),
        ];
        let t = fold(&events, 2, Micros(400_000));
        assert_eq!(t.bucket_ms, 2.0);
        assert_eq!(t.polls.iter().sum::<u32>(), 2);
        assert_eq!(t.polls_wasted.iter().sum::<u32>(), 1);
        assert_eq!(t.known[100], 1);
        assert_eq!(t.orders[0], [0.0, 150.0, 200.0]);
        assert_eq!(t.orders[1], [-1.0, -1.0, -1.0]);
        assert_eq!(t.via, "p-");
    }

    #[test]
    fn fine_buckets_merged_as_the_run_grows_give_the_counts_of_the_final_width() {
        // Polls scattered over ten hours, folded as they come (so the fine
        // width grows from 1 ms to 10 s on the way), then some after the end:
        // each lands where a fold at the final width puts it.
        let end = Micros(36_000_000_000);
        let mut recorder = Recorder::new(3, 3);
        let mut at = 0u64;
        let mut times = Vec::new();
        while at < end.0 {
            times.push(at);
            at += 1 + (at * 7_919 + 13) % 90_000_000;
        }
        let poll = |at: u64| RunEvent {
            at: Micros(at),
            what: Happening::EventPoll { found: 0 },
        };
        times.iter().for_each(|t| recorder.record(&poll(*t)));
        recorder.close_at(end);
        for late in [end.0, end.0 + 5_000_000] {
            recorder.record(&poll(late));
            times.push(late);
        }
        let t = recorder.finish(end);
        let width = (t.bucket_ms * 1_000.0) as u64;
        assert_eq!(width, 200_000_000);
        let last = t.polls.len() - 1;
        let mut want = vec![0u32; last + 1];
        for at in &times {
            want[((at / width) as usize).min(last)] += 1;
        }
        assert_eq!(t.polls, want);
        assert_eq!(t.polls.iter().sum::<u32>() as usize, times.len());
    }

    /// checkout with 5% silent loss: polls and webhooks over 3.5 s, then
    /// the webhook run waits 33 h for the orders it lost. Sized to the run,
    /// its buckets were 1,000 s and all it did fell in the first; sized to
    /// what it did, 20 ms, and the timeline stops there.
    #[test]
    fn a_run_idle_after_its_activity_sizes_its_buckets_to_the_activity() {
        let events: Vec<RunEvent> = (0..3_500)
            .map(|ms| {
                at(
                    ms,
                    Happening::Poll {
                        order: OrderId::numbered(1),
                        pending: true,
                        reconcile: false,
                    },
                )
            })
            .collect();
        let t = fold(&events, 1, Micros(119_291_296_000));
        assert_eq!(t.bucket_ms, 20.0);
        assert_eq!(t.polls.len(), 176);
        assert_eq!(t.polls.iter().sum::<u32>(), 3_500);
        assert!(t.polls.iter().all(|&n| n <= 20), "{:?}", t.polls);
        // Active over more than half of its run, the run sizes them.
        let t = fold(&events, 1, Micros(6_000_000));
        assert_eq!(t.bucket_ms, 50.0);
        assert_eq!(t.polls.len(), 121);
    }

    #[test]
    fn a_sample_keeps_every_stride_th_order() {
        let mut recorder = Recorder::new(10, 4);
        for n in 1..=10 {
            recorder.record(&at(
                n,
                Happening::OrderPlaced {
                    order: OrderId::numbered(n),
                },
            ));
        }
        let t = recorder.finish(Micros(1_000_000));
        // ceil(10 / 4) = 3: orders 1, 4, 7 and 10.
        assert_eq!(t.order_stride, 3);
        let placed: Vec<f64> = t.orders.iter().map(|o| o[0]).collect();
        assert_eq!(placed, [1.0, 4.0, 7.0, 10.0]);
        assert_eq!(t.via, "----");
    }

    #[test]
    fn widths_are_round() {
        assert_eq!(nice_width(1_000), 1_000);
        assert_eq!(nice_width(1_300), 2_000);
        assert_eq!(nice_width(3_100), 5_000);
        assert_eq!(nice_width(430_000_000), 500_000_000);
    }

    /// An event-log poller every 15 min over a day, all merchants at once
    /// (zapier-15min): the usual 500 s buckets put a round in one bucket in
    /// two, and twice in a row now and then; asked to show the period, the
    /// timeline has 100 s buckets with one round exactly every 9, and no
    /// more buckets than its bound.
    #[test]
    fn a_polling_period_is_shown_by_finer_buckets_within_the_bound() {
        let s = 1_000_000u64;
        let period = 900 * s;
        let end = 89_400 * s;
        let rounds = |show: bool| {
            let mut recorder = Recorder::new(0, 1);
            if show {
                recorder.show_period(hooklab_core::duration::Dur(period));
            }
            for k in 1..=(end / period) {
                for _ in 0..500 {
                    recorder.record(&at(k * period / 1_000, Happening::EventPoll { found: 0 }));
                }
            }
            recorder.finish(Micros(end))
        };
        let usual = rounds(false);
        assert_eq!(usual.bucket_ms, 500_000.0);
        let shown = rounds(true);
        assert_eq!(shown.bucket_ms, 100_000.0);
        assert!(shown.polls.len() as u64 <= MAX_BUCKETS);
        let busy: Vec<usize> = (0..shown.polls.len())
            .filter(|&b| shown.polls[b] > 0)
            .collect();
        assert!(busy.windows(2).all(|w| w[1] - w[0] == 9), "{busy:?}");
        assert_eq!(
            shown.polls.iter().sum::<u32>(),
            usual.polls.iter().sum::<u32>()
        );
        // Every 60 s over a day (hook0-day): shorter than a 500 s bucket, the usual width.
        assert_eq!(period_width(60 * s, 500 * s, 100 * s, 87_000 * s), None);
        // A default already at most half the period is kept.
        assert_eq!(period_width(900 * s, 200 * s, 100 * s, 40_000 * s), None);
        // So is one wider than the period (spectrum: every 500 ms, 1 s
        // buckets over 105 s): the rounds merge into a rate.
        assert_eq!(period_width(s / 2, s, s / 10, 105 * s), None);
    }
}
