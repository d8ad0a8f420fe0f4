//! The ledger rebuilt from a store's [`Snapshot`] after a restart: the same
//! payments, keys, endpoints and events, numbered as before, and the
//! schedule of every payment still pending (those whose instant passed while
//! the platform was down settle as soon as the worker starts).

use super::payments::Fingerprint;
use super::{EndpointRecord, EventRecord, Ledger, PaymentRecord, Settlement};
use crate::merchants::Merchants;
use crate::store::{Snapshot, from_unix};
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::signature::WebhookSecret;
use hooklab_core::wire::{Outcome, PaymentStatus};
use std::cmp::Reverse;

impl Ledger {
    /// The ledger `snapshot` describes, on `clock` (resumed from the
    /// store's origin). Fails, saying which row, when the rows do not fit
    /// together (a row removed or edited by hand).
    pub(crate) fn restore(
        seed: u64,
        merchants: Merchants,
        snapshot: &Snapshot,
        clock: &Clock,
    ) -> Result<Self, String> {
        let mut ledger = Ledger::new(seed, snapshot.epoch.clone(), merchants);
        for stored in &snapshot.payments {
            // Payment N sits at index N - 1: a gap would misplace every
            // later one.
            if stored.id.number_in(&ledger.epoch) != Some(ledger.payments.len() as u64 + 1) {
                return Err(format!("payment `{}` is out of sequence", stored.id));
            }
            let mut record = PaymentRecord {
                id: stored.id.clone(),
                merchant: stored.merchant.clone(),
                order_id: stored.order_id.clone(),
                amount_cents: stored.amount_cents,
                currency: stored.currency.clone(),
                status: stored.status,
                created: from_unix(clock, stored.created_us),
                settles_at: from_unix(clock, stored.settles_at_us),
                outcome: stored.outcome,
                json: Bytes::new(),
            };
            record.render(&record.to_wire(clock));
            if !record.status.is_final() {
                ledger
                    .schedule
                    .push(Reverse((record.settles_at, record.id.clone())));
            }
            ledger.payments.push(record);
        }
        ledger.next_payment = ledger.payments.len() as u64;
        for (merchant, key, id) in &snapshot.idempotency {
            let index = ledger
                .payment_index(id)
                .ok_or_else(|| format!("idempotency key `{key}` names no payment"))?;
            let (Some(record), Some(stored)) =
                (ledger.payments.get(index), snapshot.payments.get(index))
            else {
                return Err(format!("idempotency key `{key}` names no payment"));
            };
            let fingerprint = Fingerprint::of(record, stored.simulate);
            ledger
                .idempotency
                .insert((merchant.clone(), key.clone()), (fingerprint, id.clone()));
        }
        for stored in &snapshot.endpoints {
            let bad = || format!("endpoint `{}`", stored.id);
            let mut retiring = Vec::new();
            for (secret, until) in &stored.retiring {
                let secret = WebhookSecret::parse(secret).map_err(|_| bad())?;
                retiring.push((secret, from_unix(clock, *until)));
            }
            ledger.endpoints.push(EndpointRecord {
                id: stored.id.clone(),
                merchant: stored.merchant.clone(),
                url: stored.url.clone(),
                uri: stored.url.parse().map_err(|_| bad())?,
                secret: WebhookSecret::parse(&stored.secret).map_err(|_| bad())?,
                retiring,
                disabled: stored.disabled,
                consecutive_failures: 0,
            });
        }
        ledger.next_endpoint = snapshot.next_endpoint;
        for stored in &snapshot.events {
            let event = &stored.event;
            if event.id.number_in(&ledger.epoch) != Some(ledger.events.len() as u64 + 1) {
                return Err(format!("event `{}` is out of sequence", event.id));
            }
            let created = from_unix(clock, stored.created_us);
            let outcome = match event.data.status {
                PaymentStatus::Approved => Outcome::Approved,
                PaymentStatus::Declined => Outcome::Declined,
                PaymentStatus::Pending => {
                    return Err(format!("event `{}` is about a pending payment", event.id));
                }
            };
            ledger.settled.push(Settlement {
                payment_id: event.data.id.clone(),
                order_id: event.data.order_id.clone(),
                settled_at: created,
                outcome,
                event_id: event.id.clone(),
            });
            ledger
                .events_by_merchant
                .entry(stored.merchant.clone())
                .or_default()
                .push(ledger.events.len());
            ledger.events.push(EventRecord {
                event: event.clone(),
                merchant: stored.merchant.clone(),
                created,
                state: stored.state,
                attempts: stored.attempts,
                redeliveries: stored.redeliveries,
            });
        }
        Ok(ledger)
    }
}
