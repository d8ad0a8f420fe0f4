//! Settlement: each payment becomes final at its scheduled instant.
//!
//! The instant is fixed when the payment is created, from the harness's
//! [`SettlementPlan`] (the scenario decides), or from the request's `simulate`
//! field (a provider's test mode), or from the platform's default.
//!
//! Two paths settle a payment, and both go through
//! `Ledger::settle_if_due` (in [`crate::ledger`]), which is idempotent:
//!
//! - the worker (`run`) sleeps until the next scheduled instant and settles
//!   every payment due, emitting one event each to the dispatcher's queue;
//! - a status read ([`crate::api`]) that comes after the instant settles the
//!   payment on the spot, so a poll never sees `pending` for a payment whose
//!   time has come just because the worker has not woken yet.
//!
//! With a durable store, both paths commit the settlement (status, event and
//! outbox rows: `journal`) before the event goes to the dispatcher and
//! before the read is answered, outside the ledger's lock.

use crate::Shared;
use crate::ledger::Ledger;
use crate::store::{OutboxRow, SettledRow, StoreError};
use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::ids::OrderId;
use hooklab_core::ids::{EndpointId, MerchantId};
use hooklab_core::shutdown::Shutdown;
use hooklab_core::wire::Event;
use hooklab_core::wire::Outcome;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// When each order's payment settles, and how: the harness fills it from the
/// scenario's workload, so the platform's behaviour is part of the seeded run.
///
/// Kept by order number when every order id is a numbered one
/// (`ord_000001`, as the workload makes them): 16 bytes an order instead of
/// a hash entry and a copied id string, which at a million orders is most
/// of what the plan cost.
#[derive(Clone, Debug, Default)]
pub struct SettlementPlan {
    entries: Arc<PlanEntries>,
}

#[derive(Debug)]
enum PlanEntries {
    /// Order N's entry at index N.
    ByNumber(Vec<Option<(Dur, Outcome)>>),
    /// Any other ids.
    ByName(HashMap<OrderId, (Dur, Outcome)>),
}

impl Default for PlanEntries {
    fn default() -> Self {
        PlanEntries::ByNumber(Vec::new())
    }
}

/// The highest order number kept by number: beyond, the plan is a map (a
/// sparse numbering would make a vector of holes).
const MAX_NUMBERED: u64 = 1 << 26;

impl SettlementPlan {
    /// A plan from (order, delay after creation, outcome) triples.
    pub fn new(entries: impl IntoIterator<Item = (OrderId, Dur, Outcome)>) -> Self {
        let mut by_number: Vec<Option<(Dur, Outcome)>> = Vec::new();
        let mut entries = entries.into_iter();
        let mut by_name = None;
        for (order, after, outcome) in entries.by_ref() {
            match order.number().filter(|&n| n <= MAX_NUMBERED) {
                Some(n) => {
                    let i = n as usize;
                    if by_number.len() <= i {
                        by_number.resize(i + 1, None);
                    }
                    by_number[i] = Some((after, outcome));
                }
                None => {
                    // An id that is not a number: everything goes by name
                    // (a numbered id's text is `OrderId::numbered` of it).
                    let mut map: HashMap<OrderId, (Dur, Outcome)> = by_number
                        .iter()
                        .enumerate()
                        .filter_map(|(n, e)| Some((OrderId::numbered(n as u64), (*e)?)))
                        .collect();
                    map.insert(order, (after, outcome));
                    by_name = Some(map);
                    break;
                }
            }
        }
        let entries = match by_name {
            Some(mut map) => {
                map.extend(entries.map(|(o, d, out)| (o, (d, out))));
                PlanEntries::ByName(map)
            }
            None => {
                by_number.shrink_to_fit();
                PlanEntries::ByNumber(by_number)
            }
        };
        SettlementPlan {
            entries: Arc::new(entries),
        }
    }

    /// When and how `order`'s payment settles, if the plan knows the order.
    pub fn lookup(&self, order: &OrderId) -> Option<(Dur, Outcome)> {
        match &*self.entries {
            PlanEntries::ByNumber(v) => *v.get(usize::try_from(order.number()?).ok()?)?,
            PlanEntries::ByName(map) => map.get(order).copied(),
        }
    }
}

/// Settles every payment due at `now`, queueing one event per settlement.
pub(crate) fn settle_due(shared: &Shared, now: Micros) {
    while settle_batch(shared, now, None) {}
}

/// Settles up to [`SETTLE_BATCH`] payments due at `now`, queueing one event
/// each; returns whether there were any. `lateness`: where to record how
/// late each came (`now` minus its scheduled instant), for the worker's own
/// settlements.
fn settle_batch(shared: &Shared, now: Micros, lateness: Option<&Lateness>) -> bool {
    let (events, targets) = {
        let mut ledger = shared.ledger();
        let due = ledger.pop_due(now, SETTLE_BATCH);
        if due.is_empty() {
            return false;
        }
        let events: Vec<_> = due
            .iter()
            .filter_map(|&number| ledger.settle_if_due(number, now, &shared.clock))
            .collect();
        let targets = outbox_targets(shared, &ledger, &events);
        (events, targets)
    };
    let outboxes = match journal(shared, &events, targets) {
        Ok(outboxes) => outboxes,
        Err(e) => {
            // Not durable, so not announced: the platform stops.
            shared.store_failed(e);
            return false;
        }
    };
    for ((event, merchant, at), outbox) in events.into_iter().zip(outboxes) {
        if let Some(lateness) = lateness {
            lateness.record(now.since(at));
        }
        shared.settled(event, merchant, at, outbox);
    }
    true
}

/// Where each of `settled` (just settled in `ledger`) must be delivered:
/// the enabled endpoints of its merchant, one outbox row each. Read under
/// the ledger's lock, so the rows name the endpoints of that moment; empty
/// in memory, and for a dual write, whose dispatcher writes them later.
pub(crate) fn outbox_targets(
    shared: &Shared,
    ledger: &Ledger,
    settled: &[(Event, MerchantId, Micros)],
) -> Vec<Vec<EndpointId>> {
    let transactional = shared.store.is_durable()
        && shared.config.outbox == crate::store::OutboxMode::Transactional;
    settled
        .iter()
        .map(|(_, merchant, _)| {
            if transactional {
                ledger
                    .endpoints_of(merchant, None)
                    .into_iter()
                    .map(|e| e.id)
                    .collect()
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// Commits `settled` to the store in one transaction: each payment's
/// status, its event, and its outbox rows (`targets`, from
/// [`outbox_targets`]). Answers each one's outbox rows (`None` in memory and
/// for a dual write, where the dispatcher looks the endpoints up itself).
///
/// Called after the ledger's lock is released, so a poll never waits for
/// SQLite; still before the event goes to the dispatcher and before the read
/// that settled it is answered. A poll that comes in between may see the
/// final status a moment before it is durable: if the process dies then, the
/// payment settles again at the same instant with the same outcome.
pub(crate) fn journal(
    shared: &Shared,
    settled: &[(Event, MerchantId, Micros)],
    targets: Vec<Vec<EndpointId>>,
) -> Result<Vec<Option<Vec<OutboxRow>>>, StoreError> {
    if !shared.store.is_durable() {
        return Ok(settled.iter().map(|_| None).collect());
    }
    let rows: Vec<SettledRow<'_>> = settled
        .iter()
        .zip(targets)
        .map(|((event, merchant, at), endpoints)| SettledRow {
            event,
            merchant,
            created_us: shared.clock.unix_us(*at),
            endpoints,
        })
        .collect();
    let written = shared.store.settled(&rows)?;
    Ok(
        if shared.config.outbox == crate::store::OutboxMode::DualWrite {
            written.into_iter().map(|_| None).collect()
        } else {
            written
        },
    )
}

/// How many payments [`settle_batch`] settles under one hold of the ledger.
/// The worker yields between batches: the dispatcher starts on the first
/// events of a burst while the rest settle (a task woken by the settlement
/// worker would otherwise wait until the whole burst is settled, in tokio's
/// unstealable LIFO slot), and a status read waits for one batch, not the
/// burst.
const SETTLE_BATCH: usize = 64;

/// How late the settlement worker settled payments: a webhook cannot leave
/// before its payment settles, so this is part of every webhook's delay, and
/// the model is fed its measured mean.
#[derive(Debug, Default)]
pub(crate) struct Lateness {
    sum_us: AtomicU64,
    count: AtomicU64,
}

impl Lateness {
    fn record(&self, late: Dur) {
        self.sum_us.fetch_add(late.as_us(), Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The mean lateness, if anything was settled by the worker.
    pub(crate) fn mean(&self) -> Option<Dur> {
        let count = self.count.load(Ordering::Relaxed);
        (count > 0).then(|| Dur(self.sum_us.load(Ordering::Relaxed) / count))
    }

    /// The sum of the latenesses, µs, and how many: what several platforms'
    /// means combine from (the harness's shards of one strategy).
    pub(crate) fn sums(&self) -> (u64, u64) {
        (
            self.sum_us.load(Ordering::Relaxed),
            self.count.load(Ordering::Relaxed),
        )
    }
}

/// How often a platform that forgets after a window looks for what to
/// forget, at least.
const FORGET_TICK: Dur = Dur::from_secs(60);

/// The settlement worker: sleeps until the next scheduled settlement, settles
/// what is due, repeats, until `shutdown`.
pub(crate) async fn run(shared: Arc<Shared>, mut shutdown: Shutdown) {
    loop {
        let now = shared.clock.now();
        while settle_batch(&shared, now, Some(&shared.lateness)) {
            tokio::task::yield_now().await;
        }
        let next = {
            let mut ledger = shared.ledger();
            if shared.config.retention.finished_for.is_some() {
                // A platform that forgets after a window also wakes for it,
                // so an idle one gives its memory back too. (A simulation
                // without a window sets no timer here: its clock sees the
                // same wake-ups as ever.)
                // At least once a minute: a payment that finishes later is
                // queued without waking this worker.
                ledger.forget_due(now);
                let tick = now.plus(FORGET_TICK);
                [ledger.next_due(), ledger.next_forget(), Some(tick)]
                    .into_iter()
                    .flatten()
                    .min()
            } else {
                ledger.next_due()
            }
        };
        // `biased`: check shutdown first, so the order in which branches are
        // polled never depends on tokio's random choice (virtual runs must be
        // reproducible).
        match next {
            Some(at) => tokio::select! {
                biased;
                _ = shutdown.wait() => return,
                _ = shared.schedule_changed.notified() => {}
                _ = shared.clock.sleep_until_exact(at) => {}
            },
            None => tokio::select! {
                biased;
                _ = shutdown.wait() => return,
                _ = shared.schedule_changed.notified() => {}
            },
        }
    }
}

#[cfg(test)]
mod plan_tests {
    use super::*;

    #[test]
    fn a_plan_finds_its_orders_by_number_or_by_name() {
        let a = (Dur::from_ms(5), Outcome::Approved);
        let d = (Dur::from_ms(7), Outcome::Declined);
        let numbered = SettlementPlan::new([
            (OrderId::numbered(2), a.0, a.1),
            (OrderId::numbered(1), d.0, d.1),
        ]);
        assert!(matches!(&*numbered.entries, PlanEntries::ByNumber(_)));
        assert_eq!(numbered.lookup(&OrderId::numbered(1)), Some(d));
        assert_eq!(numbered.lookup(&OrderId::numbered(2)), Some(a));
        assert_eq!(numbered.lookup(&OrderId::numbered(3)), None);
        assert_eq!(numbered.lookup(&OrderId("ord_1".to_owned())), None);
        let mixed = SettlementPlan::new([
            (OrderId::numbered(1), d.0, d.1),
            (OrderId("cart-9".to_owned()), a.0, a.1),
            (OrderId::numbered(4), a.0, a.1),
        ]);
        assert!(matches!(&*mixed.entries, PlanEntries::ByName(_)));
        assert_eq!(mixed.lookup(&OrderId::numbered(1)), Some(d));
        assert_eq!(mixed.lookup(&OrderId("cart-9".to_owned())), Some(a));
        assert_eq!(mixed.lookup(&OrderId::numbered(4)), Some(a));
        assert_eq!(mixed.lookup(&OrderId::numbered(2)), None);
    }
}
