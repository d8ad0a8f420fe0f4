//! The attempts of the payments still being delivered, folded into a
//! run's [`DeliveryDraws`] payment by payment as each is done.
//!
//! The platform hands every attempt over as it is logged
//! ([`hooklab_platform::Platform::fold_attempts`]), in the log's order.
//! A payment is done when its chain ended: an attempt that announced no
//! retry (it was acknowledged, or the schedule ran out). That holds when
//! every event is sent once to its merchant's one endpoint; a sender that
//! duplicates events starts a second chain that may end later, so under
//! duplicates every payment waits for the run's end (as all of them did
//! before). What is still here then is folded by [`InFlight::finish`].

use super::DeliveryDraws;
use hooklab_core::clock::Micros;
use hooklab_core::ids::PaymentId;
use hooklab_platform::DeliveryAttempt;
use std::collections::HashMap;

/// One payment being delivered.
#[derive(Debug, Default)]
struct Pending {
    /// Its order's number, from its settlement's announcement.
    order: Option<usize>,
    /// When the shop learned its order by webhook, if it has.
    known_at: Option<Micros>,
    /// Its attempts so far, in the log's order.
    attempts: Vec<DeliveryAttempt>,
}

/// The payments settled whose attempts may not all be over.
#[derive(Debug)]
pub(crate) struct InFlight {
    pending: HashMap<PaymentId, Pending>,
    /// Whether a chain's end is its payment's last attempt (no
    /// duplicates): then a payment is folded as soon as it ends.
    chain_ends_payment: bool,
}

impl InFlight {
    /// Nothing in flight; `chain_ends_payment`: whether each event is
    /// delivered in one chain (the scenario duplicates none).
    pub fn new(chain_ends_payment: bool) -> Self {
        InFlight {
            pending: HashMap::new(),
            chain_ends_payment,
        }
    }

    /// How many payments are in flight.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// How many attempts are held, all payments in flight together.
    #[cfg(test)]
    pub fn attempts_held(&self) -> usize {
        self.pending.values().map(|p| p.attempts.len()).sum()
    }

    /// Hears that `payment`, order `k`'s, settled (its event is queued).
    pub fn settled(&mut self, payment: &PaymentId, k: usize) {
        if let Some(p) = self.pending.get_mut(payment) {
            p.order.get_or_insert(k);
        } else {
            self.pending.insert(
                payment.clone(),
                Pending {
                    order: Some(k),
                    ..Pending::default()
                },
            );
        }
    }

    /// Hears that the shop learned `payment`'s order by webhook at `at`
    /// (while the attempt that told it was on the wire, so before that
    /// attempt ended and its payment was done).
    pub fn known(&mut self, payment: &PaymentId, at: Micros) {
        if let Some(p) = self.pending.get_mut(payment) {
            p.known_at = Some(at);
        }
    }

    /// Takes one attempt as it ended: counted at once, and folded with
    /// its payment's others when it ends the payment.
    pub fn attempt(
        &mut self,
        a: &DeliveryAttempt,
        draws: &mut DeliveryDraws,
        notified: impl Fn(usize) -> bool,
    ) {
        draws.count(a);
        let ends = self.chain_ends_payment && a.next_attempt_at.is_none();
        let Some(p) = self.pending.get_mut(&a.payment_id) else {
            // A payment whose settlement was not announced (none is
            // delivered before it is): folded on its own, with no order.
            let pending = Pending {
                attempts: vec![a.clone()],
                ..Pending::default()
            };
            if ends {
                fold(pending, draws, &notified);
            } else {
                self.pending.insert(a.payment_id.clone(), pending);
            }
            return;
        };
        p.attempts.push(a.clone());
        if ends && let Some(p) = self.pending.remove(&a.payment_id) {
            fold(p, draws, &notified);
        }
    }

    /// Folds every payment still in flight (the run is over).
    pub fn finish(&mut self, draws: &mut DeliveryDraws, notified: impl Fn(usize) -> bool) {
        for (_, p) in self.pending.drain() {
            fold(p, draws, &notified);
        }
    }
}

fn fold(p: Pending, draws: &mut DeliveryDraws, notified: &impl Fn(usize) -> bool) {
    let orders: Vec<usize> = p.order.into_iter().collect();
    let events = draws.fold_payment(&orders, p.attempts.iter().collect(), p.known_at, notified);
    draws.counts.events += events;
}
