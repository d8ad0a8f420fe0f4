//! The ledger rebuilt from a store's [`Snapshot`] after a restart: the same
//! payments, keys, endpoints and events, numbered as before, and the
//! schedule of every payment still pending (those whose instant passed while
//! the platform was down settle as soon as the worker starts).

use super::settled::{OrderRef, SettledEntry};
use super::{EndpointRecord, EventRecord, Ledger, PaymentRecord};
use crate::merchants::Merchants;
use crate::store::{Snapshot, from_unix};
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::signature::WebhookSecret;
use hooklab_core::wire::PaymentStatus;
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
            // Payment N is numbered N: a gap would misplace every later one.
            if stored.id.number_in(&ledger.epoch) != Some(ledger.payments.minted() + 1) {
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
                key: None,
                simulate: stored.simulate,
                event: None,
                known: false,
                forget_at: None,
            };
            record.render(&record.to_wire(clock));
            let pending = !record.status.is_final();
            let settles_at = record.settles_at;
            let number = ledger.payments.push(Box::new(record));
            if pending {
                ledger.schedule.push(Reverse((settles_at, number)));
            }
        }
        for (merchant, key, id) in &snapshot.idempotency {
            let record = ledger
                .payment_number(id)
                .and_then(|n| Some((n, ledger.payments.get_mut(n)?)));
            let Some((number, record)) = record else {
                return Err(format!("idempotency key `{key}` names no payment"));
            };
            record.key = Some(key.as_str().into());
            ledger
                .idempotency
                .insert((merchant.clone(), key.clone()), number);
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
                failing_since: None,
            });
        }
        ledger.next_endpoint = snapshot.next_endpoint;
        for stored in &snapshot.events {
            let event = &stored.event;
            let number = ledger.events.minted() + 1;
            if event.id.number_in(&ledger.epoch) != Some(number) {
                return Err(format!("event `{}` is out of sequence", event.id));
            }
            if event.data.status == PaymentStatus::Pending {
                return Err(format!("event `{}` is about a pending payment", event.id));
            }
            // The event is rebuilt from its payment's record: the record
            // must be the payment as the event announced it.
            let payment = ledger.payment_number(&event.data.id);
            let record = payment.and_then(|n| Some((n, ledger.payments.get_mut(n)?)));
            let Some((payment, record)) = record else {
                return Err(format!("event `{}` names no payment", event.id));
            };
            if record.status != event.data.status || record.merchant != stored.merchant {
                return Err(format!(
                    "event `{}` does not match payment `{}`",
                    event.id, event.data.id
                ));
            }
            record.event = Some(number);
            let entry = SettledEntry {
                payment,
                event: number,
                order_id: OrderRef::of(&record.order_id),
                // The instant the event was stamped with: its settlement.
                settled_at: from_unix(clock, stored.created_us),
                outcome: record.outcome,
            };
            ledger.settled.push(entry);
            ledger
                .events_by_merchant
                .entry(stored.merchant.clone())
                .or_default()
                .push_back(number);
            ledger.events.push(EventRecord {
                payment,
                state: stored.state,
                attempts: stored.attempts,
                redeliveries: stored.redeliveries,
                // Deliveries resumed from the outbox open it again.
                open: 0,
            });
        }
        Ok(ledger)
    }
}
