//! What the ledger keeps of each settlement, for the harness's report: the
//! payment, the event and the order as numbers (the ids are spelled again
//! when asked), the scheduled instant and the outcome, so that a run of a
//! million orders keeps a few words per settlement after it forgot the
//! payments themselves (see [`super::forget`]).

use super::Ledger;
use hooklab_core::clock::Micros;
use hooklab_core::ids::{EventId, OrderId, PaymentId};
use hooklab_core::wire::Outcome;

/// A payment that settled, for the harness: the scheduled instant is the one
/// notification latency is measured from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// The payment.
    pub payment_id: PaymentId,
    /// Its order.
    pub order_id: OrderId,
    /// The scheduled settlement instant (not when a task got round to it).
    pub settled_at: Micros,
    /// How it ended.
    pub outcome: Outcome,
    /// The event announcing it.
    pub event_id: EventId,
}

/// A [`Settlement`] as the ledger keeps it: numbers instead of the payment
/// and event ids (rebuilt when asked), so a run of a million orders keeps
/// one string per settlement, not three.
#[derive(Clone, Debug)]
pub(super) struct SettledEntry {
    pub(super) payment: u64,
    pub(super) event: u64,
    pub(super) order_id: OrderRef,
    pub(super) settled_at: Micros,
    pub(super) outcome: Outcome,
}

/// An order id as a settlement keeps it: its number when it is a numbered
/// id (what a workload makes), with no string to allocate.
#[derive(Clone, Debug)]
pub(super) enum OrderRef {
    Numbered(u64),
    Named(OrderId),
}

impl OrderRef {
    pub(super) fn of(order: &OrderId) -> Self {
        match order.number() {
            Some(n) => OrderRef::Numbered(n),
            None => OrderRef::Named(order.clone()),
        }
    }

    /// The id again, spelled as it was: a number is read only from the
    /// canonical spelling, which `OrderId::numbered` writes back.
    pub(super) fn id(&self) -> OrderId {
        match self {
            OrderRef::Numbered(n) => OrderId::numbered(*n),
            OrderRef::Named(id) => id.clone(),
        }
    }
}

impl Ledger {
    /// Every settlement kept (all of them unless finished payments are
    /// forgotten after a window), in the order they happened.
    pub(crate) fn settlements(&self) -> Vec<Settlement> {
        if self.keeps_settlements() {
            return self
                .settled
                .iter()
                .map(|s| Settlement {
                    payment_id: self.payment_id(s.payment),
                    order_id: s.order_id.id(),
                    settled_at: s.settled_at,
                    outcome: s.outcome,
                    event_id: EventId::numbered_in(&self.epoch, s.event),
                })
                .collect();
        }
        // The settlements of the payments still kept, from their records.
        self.events
            .iter()
            .filter_map(|(event, e)| {
                let p = self.payments.get(e.payment)?;
                Some(Settlement {
                    payment_id: p.id.clone(),
                    order_id: p.order_id.clone(),
                    settled_at: p.settles_at,
                    outcome: p.outcome,
                    event_id: EventId::numbered_in(&self.epoch, event),
                })
            })
            .collect()
    }
}
