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
//! A forgotten payment's idempotency key is not forgotten with it: it moves
//! to [`ForgottenKeys`], so a replay of the key (with any body) is answered
//! `410 forgotten` instead of creating a second payment, a double charge.
//! That list is bounded ([`FORGOTTEN_KEYS`], oldest dropped first), so memory
//! stays bounded too; a key older than the last 100,000 forgotten ones is
//! treated as new.
//!
//! With a durable store, a forgotten payment stays on disk; only memory is
//! freed (and a restart reads it back, to forget it again at once).

use super::{FastMap, Ledger};
use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::ids::MerchantId;
use hooklab_core::ids::OrderId;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};

/// How many forgotten payments' idempotency keys are remembered: about 4 MB
/// at most (a key is kept as a 64-bit hash and a payment number), and a
/// day's worth for a platform creating one payment a second.
pub(crate) const FORGOTTEN_KEYS: usize = 100_000;

/// The idempotency keys of forgotten payments, each with its payment's
/// number, oldest first. Keys are kept as a keyed 64-bit hash of
/// `(merchant, key)` rather than their text: two keys would have to share a
/// hash for a new payment to be refused by mistake (odds about 1 in 10^9
/// with the list full).
#[derive(Debug, Default)]
pub(crate) struct ForgottenKeys {
    hasher: RandomState,
    by_hash: HashMap<u64, u64>,
    order: VecDeque<u64>,
}

impl ForgottenKeys {
    fn hash(&self, merchant: &MerchantId, key: &str) -> u64 {
        self.hasher.hash_one((merchant.as_str(), key))
    }

    /// Remembers that `merchant`'s `key` created payment `number`, now
    /// forgotten; drops the oldest beyond [`FORGOTTEN_KEYS`].
    pub(crate) fn insert(&mut self, merchant: &MerchantId, key: &str, number: u64) {
        let hash = self.hash(merchant, key);
        if self.by_hash.insert(hash, number).is_none() {
            self.order.push_back(hash);
        }
        while self.order.len() > FORGOTTEN_KEYS {
            if let Some(old) = self.order.pop_front() {
                self.by_hash.remove(&old);
            }
        }
    }

    /// The forgotten payment `merchant`'s `key` created, if it is remembered.
    pub(crate) fn payment(&self, merchant: &MerchantId, key: &str) -> Option<u64> {
        self.by_hash.get(&self.hash(merchant, key)).copied()
    }

    /// How many are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }
}

/// What the ledger forgets, and when.
#[derive(Debug, Default)]
pub(crate) struct Forgetting {
    /// Forget a finished payment this long after it finished.
    pub(crate) window: Option<Dur>,
    /// Forget a finished payment this long after its shop knew it too;
    /// with `by_order`, set by [`crate::Platform::forget_once_known`].
    pub(crate) known_margin: Option<Dur>,
    /// Each order's payment, to find it from the shop's word (only while
    /// `known_margin` is set; its entry goes with the payment). A
    /// [`FastMap`]: only a simulation sets `known_margin`
    /// ([`crate::Platform::forget_once_known`], the harness's), and there
    /// every order id is its own shop's.
    by_order: FastMap<OrderId, u64>,
    /// Payments to forget, soonest first. An entry is checked again when it
    /// comes due: a payment redelivered since is not finished any more.
    due: BinaryHeap<Reverse<(Micros, u64)>>,
    /// Payments forgotten so far.
    pub(crate) forgotten: u64,
    /// Their idempotency keys, so a replay is refused rather than charged
    /// again.
    pub(crate) keys: ForgottenKeys,
    /// Each merchant's newest event forgotten before its shop was known to
    /// have it (every one forgotten after a window): the event log is whole
    /// only after it, so a cursor before it has lost an event (see
    /// [`Ledger::log_horizon`]). A simulation forgets only what its shop
    /// knew, and sets nothing here.
    horizon: FastMap<MerchantId, u64>,
}

impl Ledger {
    /// Whether every settlement stays listed ([`Ledger::settlements`]) after
    /// its payment is forgotten: only when nothing forgets payments. A
    /// platform that runs for days under a window keeps nothing per payment
    /// for ever, and neither does a simulation that forgets once its shop
    /// knew: its harness folds each outcome from the events as they happen
    /// and never asks for the list, which was about 64 bytes a payment kept
    /// to the end of the run (64 MB at a million orders), appended to at
    /// every settlement (issue 19). A run that reads the list (a crash lab,
    /// whose platform is replaced at each restart) does not forget.
    pub(super) fn keeps_settlements(&self) -> bool {
        self.forgetting.window.is_none() && self.forgetting.known_margin.is_none()
    }

    /// Starts finding payments from their orders, for the shop's word; from
    /// now on settlements are listed only while their payments are kept
    /// (see [`Self::keeps_settlements`]).
    pub(crate) fn forget_once_known(&mut self, margin: Dur) {
        self.forgetting.known_margin = Some(margin);
        self.settled = Vec::new();
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
            self.forgetting.keys.insert(&p.merchant, &key, number);
            self.idempotency
                .remove(&(p.merchant.clone(), key.into_string()));
        }
        if self.forgetting.by_order.get(&p.order_id) == Some(&number) {
            self.forgetting.by_order.remove(&p.order_id);
        }
        if let Some(event) = p.event {
            if !p.known {
                let h = self
                    .forgetting
                    .horizon
                    .entry(p.merchant.clone())
                    .or_default();
                *h = (*h).max(event);
            }
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

    /// The number of `merchant`'s newest event forgotten unread (see
    /// [`Forgetting`]'s `horizon`), if any: a cursor before it skipped an
    /// event, and a read with no cursor starts after it.
    pub(super) fn log_horizon(&self, merchant: &MerchantId) -> Option<u64> {
        if self.forgetting.horizon.is_empty() {
            return None;
        }
        self.forgetting.horizon.get(merchant).copied()
    }

    /// The newest of `merchant`'s events forgotten unread, if one was: a
    /// read of the log without a cursor starts after it, and says so (the
    /// `Events-Forgotten-Through` header, see `crate::api`).
    pub(crate) fn forgotten_through(
        &self,
        merchant: &MerchantId,
    ) -> Option<hooklab_core::ids::EventId> {
        let horizon = self.log_horizon(merchant)?;
        Some(hooklab_core::ids::EventId::numbered_in(
            &self.epoch,
            horizon,
        ))
    }

    /// The newest of `merchant`'s events forgotten unread after `cursor`, if
    /// one was: what makes `GET /v1/events?after=cursor` a 410.
    pub(crate) fn forgotten_after(
        &self,
        merchant: &MerchantId,
        cursor: &hooklab_core::ids::EventId,
    ) -> Option<hooklab_core::ids::EventId> {
        let horizon = self.log_horizon(merchant)?;
        let at = self.event_number(cursor)?;
        (at < horizon).then(|| hooklab_core::ids::EventId::numbered_in(&self.epoch, horizon))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgotten_keys_are_bounded_and_drop_the_oldest_first() {
        let mut keys = ForgottenKeys::default();
        let alice = MerchantId("merch_alice".to_owned());
        let bob = MerchantId("merch_bob".to_owned());
        keys.insert(&alice, "k", 1);
        assert_eq!(keys.payment(&alice, "k"), Some(1));
        assert_eq!(keys.payment(&bob, "k"), None, "keys are per merchant");
        for n in 2..=FORGOTTEN_KEYS as u64 + 1 {
            keys.insert(&alice, &format!("k{n}"), n);
        }
        assert_eq!(keys.len(), FORGOTTEN_KEYS);
        assert_eq!(keys.payment(&alice, "k"), None, "the oldest went first");
        assert_eq!(keys.payment(&alice, "k2"), Some(2));
        let last = FORGOTTEN_KEYS as u64 + 1;
        assert_eq!(keys.payment(&alice, &format!("k{last}")), Some(last));
    }
}
