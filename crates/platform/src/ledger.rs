//! The platform's books: payments, idempotency keys, webhook endpoints, and the
//! schedule of settlements still to come.
//!
//! All of it sits behind one `std::sync::Mutex` in [`crate::Shared`]. A std
//! mutex and not a tokio one, as mini-redis explains for its `Db`: every
//! critical section is a few map operations with no `.await` inside, so the
//! lock is never held across a suspension point and a blocking lock is both
//! correct and faster.

use crate::error::ApiError;
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::ids::{EndpointId, EventId, OrderId, PaymentId};
use hooklab_core::rng::SeededRng;
use hooklab_core::signature::WebhookSecret;
use hooklab_core::wire::{CreatePayment, Event, Outcome, Payment, PaymentStatus};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// One payment, as the platform keeps it. Timestamps are kept as instants on
/// the run's clock and rendered as text only when answered.
#[derive(Clone, Debug)]
pub(crate) struct PaymentRecord {
    pub(crate) id: PaymentId,
    pub(crate) order_id: OrderId,
    pub(crate) amount_cents: u64,
    pub(crate) currency: String,
    pub(crate) status: PaymentStatus,
    pub(crate) created: Micros,
    /// Fixed at creation: when the payment settles.
    pub(crate) settles_at: Micros,
    pub(crate) outcome: Outcome,
}

impl PaymentRecord {
    /// The payment object as the API answers it.
    pub(crate) fn to_wire(&self, clock: &Clock) -> Payment {
        Payment {
            id: self.id.clone(),
            order_id: self.order_id.clone(),
            amount_cents: self.amount_cents,
            currency: self.currency.clone(),
            status: self.status,
            created_at: clock.rfc3339(self.created),
            settled_at: self
                .status
                .is_final()
                .then(|| clock.rfc3339(self.settles_at)),
        }
    }
}

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

/// A registered webhook endpoint.
#[derive(Clone, Debug)]
pub(crate) struct EndpointRecord {
    pub(crate) id: EndpointId,
    pub(crate) url: String,
    pub(crate) uri: http::Uri,
    pub(crate) secret: WebhookSecret,
    /// Set when the endpoint answered 410 Gone: no more deliveries.
    pub(crate) disabled: bool,
}

/// What identifies a creation request, to tell a true retry (same key, same
/// parameters) from a reused key.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fingerprint {
    order_id: OrderId,
    amount_cents: u64,
    currency: String,
}

/// The books. See the module docs for why one mutex guards all of it.
#[derive(Debug)]
pub(crate) struct Ledger {
    payments: HashMap<PaymentId, PaymentRecord>,
    idempotency: HashMap<String, (Fingerprint, PaymentId)>,
    endpoints: Vec<EndpointRecord>,
    /// Pending payments by settlement instant, soonest first. Ties break on the
    /// payment id, so the order of settlements never depends on a hash.
    schedule: BinaryHeap<Reverse<(Micros, PaymentId)>>,
    settled: Vec<Settlement>,
    next_payment: u64,
    next_event: u64,
    next_endpoint: u64,
    rng: SeededRng,
}

impl Ledger {
    pub(crate) fn new(seed: u64) -> Self {
        Ledger {
            payments: HashMap::new(),
            idempotency: HashMap::new(),
            endpoints: Vec::new(),
            schedule: BinaryHeap::new(),
            settled: Vec::new(),
            next_payment: 0,
            next_event: 0,
            next_endpoint: 0,
            rng: SeededRng::stream(seed, "platform-secrets"),
        }
    }

    /// Creates a payment, or returns the one an earlier request with the same
    /// `Idempotency-Key` created (`true` in the second place means replayed).
    pub(crate) fn create(
        &mut self,
        req: CreatePayment,
        idempotency_key: Option<String>,
        now: Micros,
        settle_after: Dur,
        outcome: Outcome,
    ) -> Result<(PaymentRecord, bool), ApiError> {
        let fingerprint = Fingerprint {
            order_id: req.order_id.clone(),
            amount_cents: req.amount_cents,
            currency: req.currency.clone(),
        };
        if let Some(key) = &idempotency_key
            && let Some((seen, id)) = self.idempotency.get(key)
        {
            if *seen != fingerprint {
                return Err(ApiError::IdempotencyConflict(key.clone()));
            }
            if let Some(record) = self.payments.get(id) {
                return Ok((record.clone(), true));
            }
        }
        self.next_payment += 1;
        let record = PaymentRecord {
            id: PaymentId::numbered(self.next_payment),
            order_id: req.order_id,
            amount_cents: req.amount_cents,
            currency: req.currency,
            status: PaymentStatus::Pending,
            created: now,
            settles_at: now.plus(settle_after),
            outcome,
        };
        self.schedule
            .push(Reverse((record.settles_at, record.id.clone())));
        if let Some(key) = idempotency_key {
            self.idempotency
                .insert(key, (fingerprint, record.id.clone()));
        }
        self.payments.insert(record.id.clone(), record.clone());
        Ok((record, false))
    }

    pub(crate) fn get(&self, id: &PaymentId) -> Option<&PaymentRecord> {
        self.payments.get(id)
    }

    /// Settles `id` if it is pending and its instant has come; returns the
    /// event announcing it. Settling is idempotent: a second call does nothing.
    pub(crate) fn settle_if_due(
        &mut self,
        id: &PaymentId,
        now: Micros,
        clock: &Clock,
    ) -> Option<Event> {
        let record = self.payments.get_mut(id)?;
        if record.status.is_final() || record.settles_at > now {
            return None;
        }
        record.status = record.outcome.status();
        let payment = record.to_wire(clock);
        let (settled_at, outcome, order_id) =
            (record.settles_at, record.outcome, record.order_id.clone());
        self.next_event += 1;
        let event = Event {
            id: EventId::numbered(self.next_event),
            kind: outcome.event_type(),
            created_at: clock.rfc3339(settled_at),
            data: payment,
        };
        self.settled.push(Settlement {
            payment_id: id.clone(),
            order_id,
            settled_at,
            outcome,
            event_id: event.id.clone(),
        });
        Some(event)
    }

    /// Removes and returns the ids of payments scheduled at or before `now`.
    pub(crate) fn pop_due(&mut self, now: Micros) -> Vec<PaymentId> {
        let mut due = Vec::new();
        while let Some(Reverse((at, _))) = self.schedule.peek() {
            if *at > now {
                break;
            }
            if let Some(Reverse((_, id))) = self.schedule.pop() {
                due.push(id);
            }
        }
        due
    }

    /// The next scheduled settlement, if any.
    pub(crate) fn next_due(&self) -> Option<Micros> {
        self.schedule.peek().map(|Reverse((at, _))| *at)
    }

    /// The last scheduled settlement of a payment still in the schedule.
    pub(crate) fn last_scheduled(&self) -> Option<Micros> {
        self.schedule.iter().map(|Reverse((at, _))| *at).max()
    }

    pub(crate) fn settlements(&self) -> Vec<Settlement> {
        self.settled.clone()
    }

    /// Registers an endpoint with a fresh secret: `whsec_` and 24 random bytes
    /// in base64, as the Standard Webhooks spec shapes them.
    pub(crate) fn add_endpoint(&mut self, url: String, uri: http::Uri) -> EndpointRecord {
        self.next_endpoint += 1;
        let record = EndpointRecord {
            id: EndpointId::numbered(self.next_endpoint),
            url,
            uri,
            secret: WebhookSecret::generate(&mut self.rng),
            disabled: false,
        };
        self.endpoints.push(record.clone());
        record
    }

    /// The endpoints still enabled.
    pub(crate) fn endpoints(&self) -> Vec<EndpointRecord> {
        self.endpoints
            .iter()
            .filter(|e| !e.disabled)
            .cloned()
            .collect()
    }

    /// Whether `id` is still enabled.
    pub(crate) fn endpoint_enabled(&self, id: &EndpointId) -> bool {
        self.endpoints.iter().any(|e| &e.id == id && !e.disabled)
    }

    /// Disables `id` (it answered 410 Gone).
    pub(crate) fn disable_endpoint(&mut self, id: &EndpointId) {
        for e in self.endpoints.iter_mut().filter(|e| &e.id == id) {
            e.disabled = true;
        }
    }
}
