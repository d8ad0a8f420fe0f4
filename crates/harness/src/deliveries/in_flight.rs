//! The attempts of the payments still being delivered, folded into a
//! run's [`DeliveryDraws`] payment by payment as each is done.
//!
//! The platform hands every attempt over as it is logged
//! ([`hooklab_platform::Platform::fold_attempts`]), in the log's order,
//! and says which events it sends twice (the injected duplicates,
//! [`hooklab_platform::AttemptSink::with_duplicates`]) before either
//! copy's first attempt is queued. A payment is done when each of its
//! chains ended, a chain with an attempt that announced no retry (it was
//! acknowledged, or the schedule ran out): one chain when the event is
//! sent once to its merchant's one endpoint, two when it is sent twice.
//! A chain that ends with no attempt logged (its endpoint disabled while
//! it waited) leaves its payment here; what is still here at the run's end
//! is folded by [`InFlight::finish`].

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
    /// Whether its event is sent twice (two chains to end, not one).
    twice: bool,
    /// How many of its chains ended.
    ended: u8,
    /// Its attempts so far, in the log's order.
    attempts: Vec<DeliveryAttempt>,
}

impl Pending {
    /// Whether every chain of the payment ended.
    fn done(&self) -> bool {
        self.ended > u8::from(self.twice)
    }
}

/// The payments settled whose attempts may not all be over.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    pending: HashMap<PaymentId, Pending>,
    /// Attempts held now, all payments in flight together.
    held: usize,
    /// The most attempts held at once so far.
    most: usize,
}

impl InFlight {
    /// Nothing in flight.
    pub fn new() -> Self {
        InFlight::default()
    }

    /// How many payments are in flight.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// How many attempts are held, all payments in flight together.
    #[cfg(test)]
    pub fn attempts_held(&self) -> usize {
        self.held
    }

    /// The most attempts held at once so far (the attempt being folded
    /// counted in).
    pub fn most_held(&self) -> usize {
        self.most
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

    /// Hears that `payment`'s event is sent twice, before either copy's
    /// first attempt is queued: the payment is done when both chains ended.
    pub fn duplicated(&mut self, payment: &PaymentId) {
        if let Some(p) = self.pending.get_mut(payment) {
            p.twice = true;
        } else {
            self.pending.insert(
                payment.clone(),
                Pending {
                    twice: true,
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
    /// its payment's others when it ends the payment's last chain.
    pub fn attempt(
        &mut self,
        a: &DeliveryAttempt,
        draws: &mut DeliveryDraws,
        notified: impl Fn(usize) -> bool,
    ) {
        draws.count(a);
        let ends_chain = a.next_attempt_at.is_none();
        self.most = self.most.max(self.held + 1);
        let Some(p) = self.pending.get_mut(&a.payment_id) else {
            // A payment whose settlement was not announced (none is
            // delivered before it is) and not sent twice: folded on its
            // own, with no order.
            let pending = Pending {
                attempts: vec![a.clone()],
                ended: u8::from(ends_chain),
                ..Pending::default()
            };
            if pending.done() {
                fold(pending, draws, &notified);
            } else {
                self.held += 1;
                self.pending.insert(a.payment_id.clone(), pending);
            }
            return;
        };
        p.attempts.push(a.clone());
        p.ended = p.ended.saturating_add(u8::from(ends_chain));
        self.held += 1;
        if p.done()
            && let Some(p) = self.pending.remove(&a.payment_id)
        {
            self.held -= p.attempts.len();
            fold(p, draws, &notified);
        }
    }

    /// Folds every payment still in flight (the run is over).
    pub fn finish(&mut self, draws: &mut DeliveryDraws, notified: impl Fn(usize) -> bool) {
        for (_, p) in self.pending.drain() {
            fold(p, draws, &notified);
        }
        self.held = 0;
    }
}

fn fold(p: Pending, draws: &mut DeliveryDraws, notified: &impl Fn(usize) -> bool) {
    let orders: Vec<usize> = p.order.into_iter().collect();
    let events = draws.fold_payment(&orders, p.attempts.iter().collect(), p.known_at, notified);
    draws.counts.events += events;
}
