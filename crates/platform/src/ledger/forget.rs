//! Forgetting finished payments: what keeps the books bounded by what is in
//! flight rather than by everything the platform ever did.
//!
//! A payment is *finished* when it has settled and every delivery of its
//! event is over (delivered, given up, or dropped with its endpoint): no
//! worker will touch it again, and only a client asking about it can. Two
//! rules forget a finished payment, with its event and idempotency key:
//!
//! - a window ([`crate::Retention::finished_for`]): `hooklab platform`
//!   keeps a finished payment 24 h, then answers `410 forgotten` for it, as
//!   Stripe lets idempotency keys expire after 24 h;
//! - the shop's word ([`crate::Platform::forget_once_known`]): a simulation,
//!   whose harness sees the shop learn each outcome, forgets a payment a
//!   margin after both its shop knew it and it finished, so that a run of
//!   a million orders keeps only the ones in flight.
//!
//! Nothing here sets a timer: forgetting happens when the ledger is next
//! used at or after the due instant (a creation, a status read, a delivery's
//! end), and `hooklab platform`'s settlement worker also wakes for it. A
//! simulation's clock therefore sees exactly the same wake-ups as before.
//!
//! With a durable store, a forgotten payment stays on disk; only memory is
//! freed (and a restart reads it back, to forget it again at once).

use super::Ledger;
use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::ids::OrderId;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// What the ledger forgets, and when.
#[derive(Debug, Default)]
pub(crate) struct Forgetting {
    /// Forget a finished payment this long after it finished.
    pub(crate) window: Option<Dur>,
    /// Forget a finished payment this long after its shop knew it too;
    /// with `by_order`, set by [`crate::Platform::forget_once_known`].
    pub(crate) known_margin: Option<Dur>,
    /// Each order's payment, to find it from the shop's word (only while
    /// `known_margin` is set; its entry goes with the payment).
    by_order: HashMap<OrderId, u64>,
    /// Payments to forget, soonest first. An entry is checked again when it
    /// comes due: a payment redelivered since is not finished any more.
    due: BinaryHeap<Reverse<(Micros, u64)>>,
    /// Payments forgotten so far.
    pub(crate) forgotten: u64,
}

impl Ledger {
    /// Whether every settlement stays listed ([`Ledger::settlements`]) after
    /// its payment is forgotten: yes unless a window forgets payments (a
    /// platform that runs for days keeps nothing per payment for ever).
    pub(super) fn keeps_settlements(&self) -> bool {
        self.forgetting.window.is_none()
    }

    /// Starts finding payments from their orders, for the shop's word.
    pub(crate) fn forget_once_known(&mut self, margin: Dur) {
        self.forgetting.known_margin = Some(margin);
    }

    /// Notes payment `number`, of `order`, for the shop's word.
    pub(super) fn track_order(&mut self, order: &OrderId, number: u64) {
        if self.forgetting.known_margin.is_some() {
            self.forgetting.by_order.insert(order.clone(), number);
        }
    }

    /// The shop of `order` learned its outcome at `now`.
    pub(crate) fn known(&mut self, order: &OrderId, now: Micros) {
        let Some(&number) = self.forgetting.by_order.get(order) else {
            return;
        };
        if let Some(p) = self.payments.get_mut(number) {
            p.known = true;
        }
        self.check_finished(number, now);
        self.forget_due(now);
    }

    /// Adds `change` to the open dispatches and deliveries of event
    /// `number`; when none is left, its payment may be finished.
    pub(crate) fn deliveries_changed(&mut self, number: u64, change: i64, now: Micros) {
        let Some(e) = self.events.get_mut(number) else {
            return;
        };
        e.open = (i64::from(e.open) + change).clamp(0, i64::from(u32::MAX)) as u32;
        if e.open == 0 {
            let payment = e.payment;
            self.check_finished(payment, now);
        }
    }

    /// [`Self::deliveries_changed`] for event `id`.
    pub(crate) fn event_deliveries_changed(
        &mut self,
        id: &hooklab_core::ids::EventId,
        change: i64,
        now: Micros,
    ) {
        if let Some(number) = self.event_number(id) {
            self.deliveries_changed(number, change, now);
        }
    }

    /// Whether payment `number` is finished: settled, and no dispatch or
    /// delivery of its event open.
    fn finished(&self, number: u64) -> bool {
        let Some(p) = self.payments.get(number) else {
            return false;
        };
        p.status.is_final()
            && p.event
                .is_some_and(|e| self.events.get(e).is_none_or(|e| e.open == 0))
    }

    /// Queues payment `number` to be forgotten if it is finished (and, for
    /// the shop's word, known).
    fn check_finished(&mut self, number: u64, now: Micros) {
        if !self.finished(number) {
            return;
        }
        let known = self.payments.get(number).is_some_and(|p| p.known);
        let after = match (self.forgetting.window, self.forgetting.known_margin) {
            (Some(w), Some(m)) if known => w.min(m),
            (Some(w), _) => w,
            (None, Some(m)) if known => m,
            _ => return,
        };
        let at = now.plus(after);
        if let Some(p) = self.payments.get_mut(number) {
            p.forget_at = Some(at);
        }
        self.forgetting.due.push(Reverse((at, number)));
    }

    /// Queues every finished payment a window after its settlement (a
    /// ledger just restored from a store).
    pub(super) fn queue_restored(&mut self) {
        let Some(window) = self.forgetting.window else {
            return;
        };
        let finished: Vec<(Micros, u64)> = self
            .payments
            .iter()
            .filter(|&(n, _)| self.finished(n))
            .map(|(n, p)| (p.settles_at.plus(window), n))
            .collect();
        for (at, number) in finished {
            if let Some(p) = self.payments.get_mut(number) {
                p.forget_at = Some(at);
            }
            self.forgetting.due.push(Reverse((at, number)));
        }
    }

    /// Forgets every payment due to be forgotten by `now` that is still
    /// finished.
    pub(crate) fn forget_due(&mut self, now: Micros) {
        while let Some(&Reverse((at, number))) = self.forgetting.due.peek() {
            if at > now {
                break;
            }
            self.forgetting.due.pop();
            // Only its latest entry counts: a payment redelivered since was
            // queued again when that delivery ended.
            let latest = self
                .payments
                .get(number)
                .is_some_and(|p| p.forget_at == Some(at));
            if latest && self.finished(number) {
                self.forget(number);
            }
        }
    }

    /// When the next payment is due to be forgotten, if one is queued.
    pub(crate) fn next_forget(&self) -> Option<Micros> {
        self.forgetting.due.peek().map(|Reverse((at, _))| *at)
    }

    /// Forgets payment `number`, its event and its idempotency key.
    fn forget(&mut self, number: u64) {
        let Some(p) = self.payments.remove(number) else {
            return;
        };
        self.forgetting.forgotten += 1;
        if let Some(key) = p.key {
            self.idempotency
                .remove(&(p.merchant.clone(), key.into_string()));
        }
        if self.forgetting.by_order.get(&p.order_id) == Some(&number) {
            self.forgetting.by_order.remove(&p.order_id);
        }
        if let Some(event) = p.event {
            self.events.remove(event);
            if let Some(mine) = self.events_by_merchant.get_mut(&p.merchant) {
                while mine.front().is_some_and(|&n| self.events.get(n).is_none()) {
                    mine.pop_front();
                }
                if mine.capacity() > 1024 && mine.capacity() > 4 * mine.len() {
                    mine.shrink_to(2 * mine.len());
                }
            }
        }
    }

    /// How many payments and events are kept now, and how many payments
    /// were forgotten.
    pub(crate) fn kept(&self) -> (usize, usize, u64) {
        (
            self.payments.kept(),
            self.events.kept(),
            self.forgetting.forgotten,
        )
    }
}
