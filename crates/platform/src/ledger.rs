//! The platform's books: payments, idempotency keys, webhook endpoints, the
//! events log, and the schedule of settlements still to come.
//!
//! All of it sits behind one `std::sync::Mutex` in [`crate::Shared`]. A std
//! mutex and not a tokio one, as mini-redis explains for its `Db`: every
//! critical section is a few map operations with no `.await` inside, so the
//! lock is never held across a suspension point and a blocking lock is both
//! correct and faster.
//!
//! Everything a merchant can see is keyed by merchant too, so one merchant's
//! request can never reach another's payment, event or endpoint.

use crate::error::ApiError;
use crate::merchants::Merchants;
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::ids::{EndpointId, EventId, MerchantId, OrderId, PaymentId};
use hooklab_core::rng::SeededRng;
use hooklab_core::signature::WebhookSecret;
use hooklab_core::wire::{
    CreatePayment, DeliveryState, Event, EventPage, ListedEvent, Outcome, Payment, PaymentStatus,
};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// One payment, as the platform keeps it. Timestamps are kept as instants on
/// the run's clock and rendered as text only when answered.
#[derive(Clone, Debug)]
pub(crate) struct PaymentRecord {
    pub(crate) id: PaymentId,
    pub(crate) merchant: MerchantId,
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
    pub(crate) merchant: MerchantId,
    pub(crate) url: String,
    pub(crate) uri: http::Uri,
    /// The current secret.
    pub(crate) secret: WebhookSecret,
    /// Secrets replaced by a rotation, still signed with until their instant,
    /// so receivers can switch without losing a delivery.
    pub(crate) retiring: Vec<(WebhookSecret, Micros)>,
    /// Set when the endpoint answered 410 Gone: no more deliveries.
    pub(crate) disabled: bool,
}

impl EndpointRecord {
    /// Every secret to sign with at `now`: the current one first.
    pub(crate) fn signing_secrets(&self, now: Micros) -> Vec<WebhookSecret> {
        let mut secrets = vec![self.secret.clone()];
        secrets.extend(
            self.retiring
                .iter()
                .filter(|(_, until)| *until > now)
                .map(|(s, _)| s.clone()),
        );
        secrets
    }
}

/// One event in the log.
#[derive(Clone, Debug)]
pub(crate) struct EventRecord {
    pub(crate) event: Event,
    pub(crate) merchant: MerchantId,
    pub(crate) created: Micros,
    pub(crate) state: DeliveryState,
    pub(crate) attempts: u32,
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
    pub(crate) merchants: Merchants,
    payments: HashMap<PaymentId, PaymentRecord>,
    idempotency: HashMap<(MerchantId, String), (Fingerprint, PaymentId)>,
    endpoints: Vec<EndpointRecord>,
    /// Every event, in order; an event's index is its number minus one.
    events: Vec<EventRecord>,
    /// Each merchant's events, as indices into `events`, for cursor paging.
    events_by_merchant: HashMap<MerchantId, Vec<usize>>,
    /// Pending payments by settlement instant, soonest first. Ties break on the
    /// payment id, so the order of settlements never depends on a hash.
    schedule: BinaryHeap<Reverse<(Micros, PaymentId)>>,
    settled: Vec<Settlement>,
    next_payment: u64,
    next_endpoint: u64,
    rng: SeededRng,
}

impl Ledger {
    pub(crate) fn new(seed: u64, merchants: Merchants) -> Self {
        Ledger {
            merchants,
            payments: HashMap::new(),
            idempotency: HashMap::new(),
            endpoints: Vec::new(),
            events: Vec::new(),
            events_by_merchant: HashMap::new(),
            schedule: BinaryHeap::new(),
            settled: Vec::new(),
            next_payment: 0,
            next_endpoint: 0,
            rng: SeededRng::stream(seed, "platform-secrets"),
        }
    }

    /// Creates a payment, or returns the one an earlier request with the same
    /// `Idempotency-Key` created (`true` in the second place means replayed).
    pub(crate) fn create(
        &mut self,
        merchant: &MerchantId,
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
        let key = idempotency_key.map(|k| (merchant.clone(), k));
        if let Some(key) = &key
            && let Some((seen, id)) = self.idempotency.get(key)
        {
            if *seen != fingerprint {
                return Err(ApiError::IdempotencyConflict(key.1.clone()));
            }
            if let Some(record) = self.payments.get(id) {
                return Ok((record.clone(), true));
            }
        }
        self.next_payment += 1;
        let record = PaymentRecord {
            id: PaymentId::numbered(self.next_payment),
            merchant: merchant.clone(),
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
        if let Some(key) = key {
            self.idempotency
                .insert(key, (fingerprint, record.id.clone()));
        }
        self.payments.insert(record.id.clone(), record.clone());
        Ok((record, false))
    }

    /// `merchant`'s payment `id` (None for another merchant's: isolation).
    pub(crate) fn get(&self, merchant: &MerchantId, id: &PaymentId) -> Option<&PaymentRecord> {
        self.payments.get(id).filter(|p| &p.merchant == merchant)
    }

    /// Settles `id` if it is pending and its instant has come; returns the
    /// event announcing it, logged. Idempotent: a second call does nothing.
    pub(crate) fn settle_if_due(
        &mut self,
        id: &PaymentId,
        now: Micros,
        clock: &Clock,
    ) -> Option<(Event, MerchantId, Micros)> {
        let record = self.payments.get_mut(id)?;
        if record.status.is_final() || record.settles_at > now {
            return None;
        }
        record.status = record.outcome.status();
        let payment = record.to_wire(clock);
        let (settled_at, outcome) = (record.settles_at, record.outcome);
        let (order_id, merchant) = (record.order_id.clone(), record.merchant.clone());
        let event = Event {
            id: EventId::numbered(self.events.len() as u64 + 1),
            kind: outcome.event_type(),
            created_at: clock.rfc3339(settled_at),
            data: payment,
        };
        self.events_by_merchant
            .entry(merchant.clone())
            .or_default()
            .push(self.events.len());
        self.events.push(EventRecord {
            event: event.clone(),
            merchant: merchant.clone(),
            created: settled_at,
            state: DeliveryState::Pending,
            attempts: 0,
        });
        self.settled.push(Settlement {
            payment_id: id.clone(),
            order_id,
            settled_at,
            outcome,
            event_id: event.id.clone(),
        });
        Some((event, merchant, settled_at))
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

    fn event_index(id: &EventId) -> Option<usize> {
        id.as_str()
            .strip_prefix(EventId::PREFIX)?
            .parse::<usize>()
            .ok()?
            .checked_sub(1)
    }

    /// `merchant`'s event `id` (None for another merchant's).
    pub(crate) fn event(&self, merchant: &MerchantId, id: &EventId) -> Option<&EventRecord> {
        self.events
            .get(Self::event_index(id)?)
            .filter(|e| &e.merchant == merchant)
    }

    /// A page of `merchant`'s events after the cursor `after` (exclusive).
    pub(crate) fn list_events(
        &self,
        merchant: &MerchantId,
        after: Option<&EventId>,
        limit: usize,
    ) -> EventPage {
        let mine: &[usize] = self
            .events_by_merchant
            .get(merchant)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let start = match after.and_then(Self::event_index) {
            // Indices are increasing: the first one after the cursor.
            Some(cursor) => mine.partition_point(|&i| i <= cursor),
            None => 0,
        };
        let page: Vec<ListedEvent> = mine[start..]
            .iter()
            .take(limit)
            .map(|&i| {
                let r = &self.events[i];
                ListedEvent {
                    event: r.event.clone(),
                    delivery_state: r.state,
                    delivery_attempts: r.attempts,
                }
            })
            .collect();
        let next_after = page
            .last()
            .map(|e| e.event.id.clone())
            .or_else(|| after.cloned());
        EventPage {
            has_more: start + page.len() < mine.len(),
            data: page,
            next_after,
        }
    }

    /// Records an attempt's outcome on the event's delivery state.
    pub(crate) fn note_attempt(&mut self, id: &EventId, state: DeliveryState) {
        if let Some(r) = Self::event_index(id).and_then(|i| self.events.get_mut(i)) {
            r.attempts += 1;
            // Once an endpoint acknowledged, the event stays delivered.
            if r.state != DeliveryState::Succeeded {
                r.state = state;
            }
        }
    }

    /// `merchant`'s failed events created at or after `since`.
    pub(crate) fn failed_since(&self, merchant: &MerchantId, since: Micros) -> Vec<Event> {
        self.events
            .iter()
            .filter(|r| {
                &r.merchant == merchant && r.state == DeliveryState::Failed && r.created >= since
            })
            .map(|r| r.event.clone())
            .collect()
    }

    /// Registers an endpoint with a fresh secret: `whsec_` and 24 random bytes
    /// in base64, as the Standard Webhooks spec shapes them.
    pub(crate) fn add_endpoint(
        &mut self,
        merchant: &MerchantId,
        url: String,
        uri: http::Uri,
    ) -> EndpointRecord {
        self.next_endpoint += 1;
        let record = EndpointRecord {
            id: EndpointId::numbered(self.next_endpoint),
            merchant: merchant.clone(),
            url,
            uri,
            secret: WebhookSecret::generate(&mut self.rng),
            retiring: Vec::new(),
            disabled: false,
        };
        self.endpoints.push(record.clone());
        record
    }

    /// Gives `merchant`'s endpoint `id` a new secret; the old one still signs
    /// until `now + grace`.
    pub(crate) fn rotate_secret(
        &mut self,
        merchant: &MerchantId,
        id: &EndpointId,
        now: Micros,
        grace: Dur,
    ) -> Option<EndpointRecord> {
        let fresh = WebhookSecret::generate(&mut self.rng);
        let e = self
            .endpoints
            .iter_mut()
            .find(|e| &e.id == id && &e.merchant == merchant)?;
        let old = std::mem::replace(&mut e.secret, fresh);
        e.retiring.retain(|(_, until)| *until > now);
        e.retiring.push((old, now.plus(grace)));
        Some(e.clone())
    }

    /// `merchant`'s endpoint `id`, enabled or not.
    pub(crate) fn endpoint(
        &self,
        merchant: &MerchantId,
        id: &EndpointId,
    ) -> Option<&EndpointRecord> {
        self.endpoints
            .iter()
            .find(|e| &e.id == id && &e.merchant == merchant)
    }

    /// `merchant`'s enabled endpoints (all of them, or only `only`).
    pub(crate) fn endpoints_of(
        &self,
        merchant: &MerchantId,
        only: Option<&EndpointId>,
    ) -> Vec<EndpointRecord> {
        self.endpoints
            .iter()
            .filter(|e| &e.merchant == merchant && !e.disabled && only.is_none_or(|o| o == &e.id))
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
