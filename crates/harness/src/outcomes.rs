//! Each order's outcome, folded the moment the order ends, so that what a
//! run keeps follows the orders in flight, not the orders of the run.
//!
//! The shop's order book is a forgetting one
//! ([`hooklab_shop::orders::OrderBook::forgetting`]): when the shop learns an
//! order's outcome it hands the order's entry here and drops it. The
//! platform's `Settled` and `Delivery` announcements come here too, as they
//! are made (from the run's event sink, before the event is queued for the
//! timeline). An order that is both known and settled is notified: its delay
//! goes into the exact sums and the histogram, its legs into the model's
//! means, and nothing of it is kept but a few numbers per order
//! ([`Outcomes`] says which). An order that is settled but not yet known
//! waits in a map of the orders in flight.
//!
//! When the run has stopped, [`Outcomes::finish`] folds what is still in
//! flight (the shop's remaining entries: missed orders, failed creations)
//! the same way, and says why each unnotified order was missed, in the
//! workload's order. The result is, number for number, what a fold over
//! every order's record at the end would give: every sum here is exact (an
//! integer sum does not care in which order orders end), and the histogram
//! grows as it must instead of being sized to the largest delay beforehand
//! (the counts of its buckets do not depend on its size).
//!
//! The few numbers kept per order of the workload are [`Columns`], atomic
//! cells in one allocation per strategy: the shards of a strategy
//! ([`crate::shard`]) share one, each writing only its own orders' cells,
//! so a run holds them once whatever its number of shards (they were one
//! copy per shard, some 16 bytes an order each).

use crate::deliveries::DeliveryDraws;
use crate::deliveries::in_flight::InFlight;
use hdrhistogram::Histogram;
use hooklab_core::clock::Micros;
use hooklab_core::crash::CrashLoss;
use hooklab_core::duration::Dur;
use hooklab_core::events::{Happening, RunEvent};
use hooklab_core::ids::{OrderId, PaymentId};
use hooklab_core::model::stats::Moments;
use hooklab_core::report::{
    MISSED_EXAMPLES, MissedOrder, MissedWhy, NotifiedBy, latency_histogram_up_to,
};
use hooklab_core::scenario::StrategySpec;
use hooklab_core::workload::OrderPlan;
use hooklab_platform::DeliveryAttempt;
use hooklab_shop::orders::{Channel, OrderEntry};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Where order `ord_000042` sits in a per-order column (41).
pub(crate) fn order_number(order: &OrderId) -> Option<usize> {
    let n: usize = order.as_str().strip_prefix(OrderId::PREFIX)?.parse().ok()?;
    n.checked_sub(1)
}

/// What is kept of every order of the workload, by order number: whether
/// it was notified and whether it had a payment (a bit each), its creation
/// instant at the platform (8 bytes), its webhook attempts and its status
/// polls (4 bytes each). About 16.25 bytes an order, the only memory of a
/// run's fold that grows with its orders.
///
/// Atomic cells, so that the shards of one strategy share one set
/// ([`Outcomes::sharing`]): each order lives in one shard, so its cells have
/// one writer; every write is `Relaxed`, and the fold reads them once every
/// shard stopped (its runtime's thread joined, which orders the reads after
/// the writes).
#[derive(Debug)]
pub(crate) struct Columns {
    notified: Box<[AtomicU64]>,
    /// Whether the shop's entry of the order had its payment's id, so its
    /// webhook attempts count as its own (as they are matched by payment).
    has_payment: Box<[AtomicU64]>,
    /// Creation instant at the platform, µs from the origin, as `f64` bits
    /// (`NaN`: none).
    created_us: Box<[AtomicU64]>,
    /// Webhook attempts about each order, from the platform's announcements.
    webhooks: Box<[AtomicU32]>,
    /// Status polls of each order, counted by the timeline's recorder
    /// ([`crate::timeline::Recorder::count_polls_in`]).
    polls: Arc<[AtomicU32]>,
}

impl Columns {
    /// Empty columns for `orders` orders.
    pub(crate) fn new(orders: usize) -> Arc<Self> {
        let words = orders.div_ceil(64);
        let nan = f64::NAN.to_bits();
        Arc::new(Columns {
            notified: (0..words).map(|_| AtomicU64::new(0)).collect(),
            has_payment: (0..words).map(|_| AtomicU64::new(0)).collect(),
            created_us: (0..orders).map(|_| AtomicU64::new(nan)).collect(),
            webhooks: (0..orders).map(|_| AtomicU32::new(0)).collect(),
            polls: (0..orders).map(|_| AtomicU32::new(0)).collect(),
        })
    }

    /// The status-poll counters, for the run's recorder.
    pub(crate) fn polls(&self) -> Arc<[AtomicU32]> {
        self.polls.clone()
    }

    fn set_bit(bits: &[AtomicU64], k: usize) {
        if let Some(word) = bits.get(k / 64) {
            word.fetch_or(1 << (k % 64), Ordering::Relaxed);
        }
    }

    fn bit(bits: &[AtomicU64], k: usize) -> bool {
        bits.get(k / 64)
            .is_some_and(|w| w.load(Ordering::Relaxed) & (1 << (k % 64)) != 0)
    }

    fn notified(&self, k: usize) -> bool {
        Self::bit(&self.notified, k)
    }

    fn has_payment(&self, k: usize) -> bool {
        Self::bit(&self.has_payment, k)
    }

    /// Order `k`'s creation instant, µs from the origin (`NaN`: none, or no
    /// such order).
    fn created_us(&self, k: usize) -> f64 {
        self.created_us
            .get(k)
            .map_or(f64::NAN, |c| f64::from_bits(c.load(Ordering::Relaxed)))
    }

    /// Takes in `other`'s cells (another world's of the same plan, which
    /// placed other orders): bits and counts add, a creation instant is the
    /// one of the world that created it.
    fn absorb(&self, other: &Columns) {
        let or = |mine: &[AtomicU64], theirs: &[AtomicU64]| {
            for (m, t) in mine.iter().zip(theirs) {
                m.fetch_or(t.load(Ordering::Relaxed), Ordering::Relaxed);
            }
        };
        or(&self.notified, &other.notified);
        or(&self.has_payment, &other.has_payment);
        for (k, theirs) in other.created_us.iter().enumerate() {
            let theirs = f64::from_bits(theirs.load(Ordering::Relaxed));
            if let Some(mine) = self.created_us.get(k)
                && f64::from_bits(mine.load(Ordering::Relaxed)).is_nan()
            {
                mine.store(theirs.to_bits(), Ordering::Relaxed);
            }
        }
        let add = |mine: &[AtomicU32], theirs: &[AtomicU32]| {
            for (m, t) in mine.iter().zip(theirs) {
                m.fetch_add(t.load(Ordering::Relaxed), Ordering::Relaxed);
            }
        };
        add(&self.webhooks, &other.webhooks);
        add(&self.polls, &other.polls);
    }
}

/// The fold of a run's outcomes, shared by the run's event sink and its
/// order book's listener. One std mutex guards it, held for one order's
/// update and never across an `.await`.
pub(crate) struct Outcomes(Mutex<Folding>);

/// What the fold holds: the per-order [`Columns`] (perhaps shared with the
/// other shards of the strategy); everything else is either exact sums or
/// orders in flight.
struct Folding {
    plan: Arc<[OrderPlan]>,
    columns: Arc<Columns>,
    /// The run's origin, once the first order may be placed.
    origin: Micros,
    /// Orders settled (at this scheduled instant) whose outcome the shop
    /// has not yet learned.
    settled: HashMap<usize, Micros>,
    /// Orders the shop learned the outcome of before their settlement was
    /// announced (it cannot happen on a platform that announces before it
    /// answers; kept so the fold never depends on it).
    known_unsettled: HashMap<usize, OrderEntry>,
    /// Placement instant, µs from the origin, kept only for a poller behind
    /// the rate limit (see [`Outcomes::keep_placements`]).
    placed_us: Option<Vec<f64>>,
    /// Each order's payment, by order number, kept only for a strategy that
    /// receives webhooks on a platform with lives (see
    /// [`Outcomes::keep_payments`]).
    payments: Option<Vec<Option<PaymentId>>>,
    /// A webhook strategy's delivery draws, and the attempts of the
    /// payments still being delivered (see [`Outcomes::fold_attempts`]).
    deliveries: Option<(InFlight, DeliveryDraws)>,
    /// The number and instant of each order the shop learned by webhook
    /// (kept with `payments`, which holds its payment: no second copy of
    /// the id).
    webhook_known: Vec<(usize, Micros)>,
    exact: Moments,
    histogram: Histogram<u64>,
    unrecorded: u64,
    notified_by: NotifiedBy,
    placement: Moments,
    request: Moments,
    response: Moments,
}

/// Everything [`Outcomes::finish`] folded, for [`crate::fold`].
pub(crate) struct Folded {
    /// Each notified order's delay from its scheduled settlement to the
    /// instant the shop knew, µs, summed exactly.
    pub exact: Moments,
    /// The same delays (at least 1 µs each), for percentiles.
    pub histogram: Histogram<u64>,
    /// Delays the histogram could not hold.
    pub unrecorded: u64,
    /// How the notified orders were learned.
    pub notified_by: NotifiedBy,
    /// The first [`MISSED_EXAMPLES`] missed orders, in the workload's order.
    pub missed_orders: Vec<MissedOrder>,
    /// Every missed order, by reason.
    pub missed_by_reason: BTreeMap<String, u64>,
    /// How late each placed order was placed, µs.
    pub placement: Moments,
    /// Payment creations' request legs (placed to created), µs.
    pub request: Moments,
    /// Their response legs (created to answered), µs.
    pub response: Moments,
    /// The per-order columns, read through [`Folded::created_us`],
    /// [`Folded::webhooks`] and [`Folded::polls`].
    columns: Arc<Columns>,
    /// Each order's placement instant, µs from the origin, by order number
    /// (`NaN`: never placed); empty unless [`Outcomes::keep_placements`]
    /// was called.
    pub placed_us: Vec<f64>,
    /// A webhook strategy's delivery draws, by order number (see
    /// [`Outcomes::fold_attempts`]); read them through
    /// [`Folded::has_payment`], as the model matches deliveries to orders by
    /// the payment the shop knew.
    pub deliveries: Option<DeliveryDraws>,
    /// Where the run's clock started (see [`Outcomes::begin`]).
    pub origin: Micros,
}

impl Folded {
    /// Order `k`'s creation instant at the platform, µs from the origin, by
    /// order number (`NaN`: never settled or never placed).
    pub fn created_us(&self, k: usize) -> f64 {
        self.columns.created_us(k)
    }

    /// Order `k`'s webhook attempts (0 when the shop never knew its
    /// payment).
    pub fn webhooks(&self, k: usize) -> u32 {
        match self.columns.webhooks.get(k) {
            Some(n) if self.columns.has_payment(k) => n.load(Ordering::Relaxed),
            _ => 0,
        }
    }

    /// Whether the shop's entry of order `k` had its payment's id (its
    /// webhook attempts are its own).
    pub fn has_payment(&self, k: usize) -> bool {
        self.columns.has_payment(k)
    }

    /// Order `k`'s status polls, as the timeline's recorder counted them.
    pub fn polls(&self, k: usize) -> u32 {
        self.columns
            .polls
            .get(k)
            .map_or(0, |n| n.load(Ordering::Relaxed))
    }
}

impl Outcomes {
    /// A fold for a run of `plan`, with columns of its own.
    pub(crate) fn new(plan: Arc<[OrderPlan]>) -> Arc<Self> {
        let columns = Columns::new(plan.len());
        Self::sharing(plan, columns)
    }

    /// A fold for a run of `plan` keeping its per-order numbers in
    /// `columns`, which the other shards of its strategy share (each writes
    /// only the orders it places).
    pub(crate) fn sharing(plan: Arc<[OrderPlan]>, columns: Arc<Columns>) -> Arc<Self> {
        let mut histogram = latency_histogram_up_to(0);
        // Grows past 30 days if a delay does: none is refused.
        histogram.auto(true);
        Arc::new(Outcomes(Mutex::new(Folding {
            plan,
            columns,
            origin: Micros(0),
            settled: HashMap::new(),
            known_unsettled: HashMap::new(),
            placed_us: None,
            payments: None,
            deliveries: None,
            webhook_known: Vec::new(),
            exact: Moments::default(),
            histogram,
            unrecorded: 0,
            notified_by: NotifiedBy::default(),
            placement: Moments::default(),
            request: Moments::default(),
            response: Moments::default(),
        })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Folding> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The per-order columns this fold writes.
    pub(crate) fn columns(&self) -> Arc<Columns> {
        self.lock().columns.clone()
    }

    /// Folds a webhook strategy's delivery attempts into its draws
    /// ([`crate::deliveries`]): `tries`, the retry schedule's length;
    /// `copies`, whether the model will ask for each event's chains (under
    /// silent loss or duplicates). Every attempt then comes through
    /// [`Outcomes::attempt`], and each event sent twice through
    /// [`Outcomes::duplicated`] (each payment is folded when its chains
    /// ended, see [`crate::deliveries::in_flight`]), unless
    /// [`Outcomes::keep_payments`] was called too: then the log is read at
    /// the end.
    pub(crate) fn fold_attempts(&self, tries: usize, copies: bool) {
        let mut f = self.lock();
        let n = f.plan.len();
        let origin = f.origin;
        f.deliveries = Some((
            InFlight::new(),
            DeliveryDraws::new(n, tries, copies, origin),
        ));
    }

    /// Hears that the platform sends `payment`'s event twice (its attempt
    /// sink, [`hooklab_platform::AttemptSink::with_duplicates`]), before
    /// either copy's first attempt.
    pub(crate) fn duplicated(&self, payment: &PaymentId) {
        if let Some((in_flight, _)) = self.lock().deliveries.as_mut() {
            in_flight.duplicated(payment);
        }
    }

    /// The most delivery attempts held at once while their payments were
    /// in flight, if attempts are folded as they end (not read from the
    /// platform's log at the end: [`Outcomes::keep_payments`]).
    pub(crate) fn attempts_held_most(&self) -> Option<usize> {
        let f = self.lock();
        match (&f.deliveries, &f.payments) {
            (Some((in_flight, _)), None) => Some(in_flight.most_held()),
            _ => None,
        }
    }

    /// Hears one delivery attempt as the platform logs it (its attempt
    /// sink, [`hooklab_platform::Platform::fold_attempts`]).
    pub(crate) fn attempt(&self, a: &DeliveryAttempt) {
        let mut f = self.lock();
        let f = &mut *f;
        if let Some((in_flight, draws)) = f.deliveries.as_mut() {
            let columns = &f.columns;
            in_flight.attempt(a, draws, |k| columns.notified(k));
        }
    }

    /// Keeps each order's payment id and, for orders learned by webhook,
    /// when, so that a platform's whole log can be matched to its orders at
    /// the run's end (a platform with lives, whose logs are read then: see
    /// [`Outcomes::fold_attempts`]). About 40 bytes an order.
    pub(crate) fn keep_payments(&self) {
        let mut f = self.lock();
        let n = f.plan.len();
        f.payments = Some(vec![None; n]);
    }

    /// Keeps each order's placement instant, for the rate-limited poller's
    /// model (it replays every creation from its placement:
    /// `hooklab_core::model::ratelimit`).
    pub(crate) fn keep_placements(&self) {
        let mut f = self.lock();
        let n = f.plan.len();
        f.placed_us = Some(vec![f64::NAN; n]);
    }

    /// Says where the run's clock starts (arrivals count from it): call
    /// before the first order is placed.
    pub(crate) fn begin(&self, origin: Micros) {
        let mut f = self.lock();
        f.origin = origin;
        if let Some((_, draws)) = f.deliveries.as_mut() {
            draws.begin(origin);
        }
    }

    /// Hears one of the run's events as it is announced: settlements and
    /// webhook attempts count here; the rest is the timeline's.
    pub(crate) fn observe(&self, e: &RunEvent) {
        match &e.what {
            Happening::Settled { order, payment, .. } => {
                let Some(k) = order_number(order) else { return };
                let mut f = self.lock();
                if k >= f.plan.len() {
                    return;
                }
                // Its attempts will be matched to the order by payment
                // (unless the log is read at the end, by the shop's ids).
                if f.payments.is_none()
                    && let Some((in_flight, _)) = f.deliveries.as_mut()
                {
                    in_flight.settled(payment, k);
                }
                // A platform restarted after a crash may settle an order
                // again from its store: the first settlement is the one.
                if f.columns.notified(k) {
                    return;
                }
                match f.known_unsettled.remove(&k) {
                    Some(entry) => f.fold_entry(k, &entry, Some(e.at)),
                    None => {
                        f.settled.entry(k).or_insert(e.at);
                    }
                }
            }
            Happening::Delivery { order, .. } => {
                if let Some(k) = order_number(order) {
                    let f = self.lock();
                    if let Some(n) = f.columns.webhooks.get(k) {
                        n.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            _ => {}
        }
    }

    /// Folds an order whose outcome the shop just learned (the order book's
    /// listener): at once if its settlement was announced, else when it is.
    pub(crate) fn ended(&self, entry: OrderEntry) {
        let Some(k) = order_number(&entry.order_id) else {
            return;
        };
        let mut f = self.lock();
        if k >= f.plan.len() {
            return;
        }
        match f.settled.remove(&k) {
            Some(settled_at) => f.fold_entry(k, &entry, Some(settled_at)),
            None => {
                f.known_unsettled.insert(k, entry);
            }
        }
    }

    /// Takes in the fold of another world of the same strategy and plan
    /// (a shard, [`crate::shard`]), whose orders this world never placed:
    /// every order's columns come from the world that placed it (they are
    /// already there when both share them, [`Outcomes::sharing`]), and the
    /// sums, the histogram and the counts add. Call before
    /// [`Outcomes::finish`], once both worlds stopped. A strategy that
    /// receives webhooks is never split (`crate::shard::shards_of`), so
    /// there are no delivery draws to take in.
    pub(crate) fn absorb(&self, other: &Outcomes) {
        let mut theirs = other.lock();
        let theirs = &mut *theirs;
        let mut f = self.lock();
        f.settled.extend(theirs.settled.drain());
        f.known_unsettled.extend(theirs.known_unsettled.drain());
        if !Arc::ptr_eq(&f.columns, &theirs.columns) {
            f.columns.absorb(&theirs.columns);
        }
        if let (Some(mine), Some(their)) = (f.payments.as_mut(), theirs.payments.as_mut()) {
            for (mine, their) in mine.iter_mut().zip(their.iter_mut()) {
                if mine.is_none() {
                    *mine = their.take();
                }
            }
        }
        f.webhook_known.append(&mut theirs.webhook_known);
        f.exact.merge(&theirs.exact);
        // Both grow as needed (`auto`): adding never refuses a count.
        let _ = f.histogram.add(&theirs.histogram);
        f.unrecorded += theirs.unrecorded;
        let by = theirs.notified_by;
        f.notified_by.poll += by.poll;
        f.notified_by.webhook += by.webhook;
        f.notified_by.stream += by.stream;
        f.placement.merge(&theirs.placement);
        f.request.merge(&theirs.request);
        f.response.merge(&theirs.response);
    }

    /// Folds what is left once the run stopped: `remaining`, the shop's
    /// entries still in its book (orders whose outcome it never learned),
    /// `failed`, the orders that never got a payment, `attempts`, the
    /// platforms' delivery log when it is read at the end (see
    /// [`Outcomes::keep_payments`]; else every attempt was folded as it
    /// ended), `lost`,
    /// the orders a crash fault lost (that is why they were missed), and
    /// `abandoned`, the orders whose payment the platform no longer knew.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn finish(
        &self,
        spec: &StrategySpec,
        remaining: Vec<OrderEntry>,
        failed: Vec<(OrderId, String)>,
        abandoned: Vec<(OrderId, String)>,
        attempts: &[DeliveryAttempt],
        lost: &HashMap<OrderId, CrashLoss>,
    ) -> Folded {
        let mut f = self.lock();
        let f = &mut *f;
        // What never ended: the shop's entries left, and those known but
        // never settled; each by its number.
        let mut left: HashMap<usize, OrderEntry> = std::mem::take(&mut f.known_unsettled);
        for entry in remaining {
            if let Some(k) = order_number(&entry.order_id).filter(|k| *k < f.plan.len()) {
                left.insert(k, entry);
            }
        }
        for (k, entry) in &left {
            let settled_at = f.settled.get(k).copied();
            f.fold_entry(*k, entry, settled_at);
        }
        // The deliveries' draws, whole: what is still in flight, or the
        // whole log matched to the shop's payments.
        let deliveries = f.deliveries.take().map(|(mut in_flight, mut draws)| {
            let columns = &f.columns;
            match &f.payments {
                Some(payments) => {
                    draws.read_log(attempts, payments, &f.webhook_known, |k| {
                        columns.notified(k)
                    });
                }
                None => in_flight.finish(&mut draws, |k| columns.notified(k)),
            }
            draws
        });
        let failed: HashMap<OrderId, String> = failed.into_iter().collect();
        let abandoned: HashMap<OrderId, String> = abandoned.into_iter().collect();
        let mut missed_orders = Vec::new();
        let mut missed_by_reason = BTreeMap::<String, u64>::new();
        for (index, order) in f.plan.iter().enumerate() {
            // The workload numbers its orders 1 to n in this order.
            let k = order_number(&order.order_id).unwrap_or(index);
            if f.columns.notified(k) {
                continue;
            }
            let entry = left.get(&k);
            let why = if let Some(error) = failed.get(&order.order_id) {
                MissedWhy::CreationFailed {
                    error: error.to_string(),
                }
            } else if let Some(error) = abandoned.get(&order.order_id) {
                MissedWhy::PaymentUnknown {
                    error: error.to_string(),
                }
            } else if !f.settled.contains_key(&k) {
                MissedWhy::NotSettled
            } else if matches!(
                spec,
                StrategySpec::Poll { .. } | StrategySpec::PollEvents { .. }
            ) {
                MissedWhy::NotPolledYet
            } else {
                // Its payment's attempts (how many, and the last to end).
                let payment = entry.and_then(|e| e.payment_id.as_ref());
                let tried = deliveries.as_ref().and_then(|d| d.tried(k));
                match payment.and(tried) {
                    // Every strategy without webhooks finds out by asking.
                    _ if matches!(spec, StrategySpec::Stream { .. }) => MissedWhy::NotStreamedYet,
                    _ if !spec.receives_webhooks() => MissedWhy::NotPolledYet,
                    None => MissedWhy::NoDelivery,
                    Some((n, last)) if last.is_success() => MissedWhy::LostAfterAck {
                        attempts: *n,
                        last: last.describe(),
                    },
                    Some((n, last)) => MissedWhy::AttemptsFailed {
                        attempts: *n,
                        last: last.describe(),
                    },
                }
            };
            let why = lost
                .get(&order.order_id)
                .map_or(why, |&loss| MissedWhy::Crash { loss });
            *missed_by_reason.entry(why.kind().to_owned()).or_insert(0) += 1;
            if missed_orders.len() < MISSED_EXAMPLES {
                missed_orders.push(MissedOrder {
                    order_id: order.order_id.to_string(),
                    reason: why.english(),
                    why: Some(why),
                });
            }
        }
        Folded {
            exact: f.exact,
            histogram: f.histogram.clone(),
            unrecorded: f.unrecorded,
            notified_by: f.notified_by,
            missed_orders,
            missed_by_reason,
            placement: f.placement,
            request: f.request,
            response: f.response,
            columns: f.columns.clone(),
            placed_us: f.placed_us.take().unwrap_or_default(),
            deliveries,
            origin: f.origin,
        }
    }
}

impl Folding {
    /// Folds order `k`'s entry, settled at `settled_at` if it was: its
    /// placement, its creation's legs, and, if the shop knew its outcome,
    /// its delay. Each order is folded once.
    fn fold_entry(&mut self, k: usize, entry: &OrderEntry, settled_at: Option<Micros>) {
        let Some(order) = self.plan.get(k) else {
            return;
        };
        if let Some(payment) = &entry.payment_id {
            Columns::set_bit(&self.columns.has_payment, k);
            if let (Some(Channel::Webhook), Some(known_at), Some((in_flight, _))) =
                (entry.via, entry.known_at, self.deliveries.as_mut())
            {
                in_flight.known(payment, known_at);
            }
            if let Some(slot) = self.payments.as_mut().and_then(|p| p.get_mut(k)) {
                *slot = Some(payment.clone());
                if let (Some(Channel::Webhook), Some(known_at)) = (entry.via, entry.known_at) {
                    self.webhook_known.push((k, known_at));
                }
            }
        }
        self.placement.record(
            entry
                .placed
                .since(self.origin.plus(Dur(order.arrive_at.0)))
                .as_us(),
        );
        if let Some(slot) = self.placed_us.as_mut().and_then(|p| p.get_mut(k)) {
            *slot = entry.placed.since(self.origin).as_us() as f64;
        }
        let Some(settled_at) = settled_at else {
            return;
        };
        let created = Micros(settled_at.0.saturating_sub(order.settle_after.as_us()));
        if let Some(cell) = self.columns.created_us.get(k) {
            let us = created.since(self.origin).as_us() as f64;
            cell.store(us.to_bits(), Ordering::Relaxed);
        }
        if let Some(answered) = entry.answered {
            self.request.record(created.since(entry.placed).as_us());
            self.response.record(answered.since(created).as_us());
        }
        let Some(known_at) = entry.known_at else {
            return;
        };
        // Saturating: the shop cannot learn before the settlement, and if
        // the clocks ever said otherwise we record 0, not garbage.
        let delay = known_at.since(settled_at).as_us();
        self.exact.record(delay);
        // The histogram cannot hold 0; the exact sums can.
        if self.histogram.record(delay.max(1)).is_err() {
            self.unrecorded += 1;
        }
        match entry.via {
            Some(Channel::Webhook) => self.notified_by.webhook += 1,
            Some(Channel::Stream) => self.notified_by.stream += 1,
            _ => self.notified_by.poll += 1,
        }
        Columns::set_bit(&self.columns.notified, k);
    }
}
