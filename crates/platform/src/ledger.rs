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
use bytes::Bytes;
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

/// One payment, as the platform keeps it.
///
/// A status read is the platform's hottest path (every poll lands on it), so
/// the record keeps its answer ready: the payment's JSON, rendered when the
/// payment is created and again when it settles (its status is the only
/// thing that ever changes). A read then copies a reference-counted buffer
/// instead of formatting dates and serialising on every poll. The
/// timestamps themselves stay instants: they are rendered only with the
/// JSON, and storing their text too would cost ~80 bytes per payment.
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
    /// [`Self::to_wire`] serialised: what `GET /v1/payments/{id}` answers.
    /// Kept in step with `status` by [`Self::render`].
    pub(crate) json: Bytes,
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

    /// Renders [`Self::json`] from `payment` (this record's [`Self::to_wire`]);
    /// call after every change.
    fn render(&mut self, payment: &Payment) {
        // Serialising strings and integers into a Vec cannot fail.
        let mut json = serde_json::to_vec(payment).unwrap_or_default();
        json.shrink_to_fit();
        self.json = Bytes::from(json);
    }

    /// Whether the payment is pending and its settlement instant has come.
    fn is_due(&self, now: Micros) -> bool {
        !self.status.is_final() && self.settles_at <= now
    }
}

/// What a status read answers: the payment's JSON, whether it is still
/// pending, and the settlement the read itself caused, if any.
#[derive(Debug)]
pub(crate) struct StatusRead {
    pub(crate) json: Bytes,
    pub(crate) pending: bool,
    pub(crate) settled: Option<(Event, MerchantId, Micros)>,
}

/// Settles `record` (pending, due): its final status, its JSON re-rendered,
/// and the event announcing it appended to the log. Takes the ledger's parts
/// rather than the ledger, so a caller can hold the record it looked up.
fn settle(
    record: &mut PaymentRecord,
    clock: &Clock,
    events: &mut Vec<EventRecord>,
    events_by_merchant: &mut HashMap<MerchantId, Vec<usize>>,
    settled: &mut Vec<Settlement>,
) -> (Event, MerchantId, Micros) {
    let (settled_at, outcome) = (record.settles_at, record.outcome);
    record.status = outcome.status();
    let payment = record.to_wire(clock);
    record.render(&payment);
    let merchant = record.merchant.clone();
    let event = Event {
        id: EventId::numbered(events.len() as u64 + 1),
        kind: outcome.event_type(),
        created_at: clock.rfc3339(settled_at),
        data: payment,
    };
    events_by_merchant
        .entry(merchant.clone())
        .or_default()
        .push(events.len());
    events.push(EventRecord {
        event: event.clone(),
        merchant: merchant.clone(),
        created: settled_at,
        state: DeliveryState::Pending,
        attempts: 0,
    });
    settled.push(Settlement {
        payment_id: record.id.clone(),
        order_id: record.order_id.clone(),
        settled_at,
        outcome,
        event_id: event.id.clone(),
    });
    (event, merchant, settled_at)
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
    pub(crate) fn signing_secrets(&self, now: Micros) -> impl Iterator<Item = &WebhookSecret> {
        std::iter::once(&self.secret).chain(
            self.retiring
                .iter()
                .filter(move |(_, until)| *until > now)
                .map(|(s, _)| s),
        )
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
    /// Every payment. The ledger numbers them (`pay_000001` is the first), so
    /// payment N sits at index N - 1 and a status read is an index, not a
    /// hash of the id, as for `events`.
    payments: Vec<PaymentRecord>,
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
            payments: Vec::new(),
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

    /// Creates a payment, or finds the one an earlier request with the same
    /// `Idempotency-Key` created; answers its JSON (`true` in the second place
    /// means replayed).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create(
        &mut self,
        merchant: &MerchantId,
        req: CreatePayment,
        idempotency_key: Option<String>,
        now: Micros,
        clock: &Clock,
        settle_after: Dur,
        outcome: Outcome,
    ) -> Result<(Bytes, bool), ApiError> {
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
            if let Some(record) = Self::payment_index(id).and_then(|i| self.payments.get(i)) {
                return Ok((record.json.clone(), true));
            }
        }
        self.next_payment += 1;
        let mut record = PaymentRecord {
            id: PaymentId::numbered(self.next_payment),
            merchant: merchant.clone(),
            order_id: req.order_id,
            amount_cents: req.amount_cents,
            currency: req.currency,
            status: PaymentStatus::Pending,
            created: now,
            settles_at: now.plus(settle_after),
            outcome,
            json: Bytes::new(),
        };
        record.render(&record.to_wire(clock));
        let json = record.json.clone();
        self.schedule
            .push(Reverse((record.settles_at, record.id.clone())));
        if let Some(key) = key {
            self.idempotency
                .insert(key, (fingerprint, record.id.clone()));
        }
        self.payments.push(record);
        Ok((json, false))
    }

    /// Where payment `id` is in `payments`, if `id` is spelled as the ledger
    /// spells its ids ([`PaymentId::numbered`]: at least six digits, zero
    /// padded), so `pay_1` names no payment, as when ids were hash keys.
    fn payment_index(id: &PaymentId) -> Option<usize> {
        let digits = id.as_str().strip_prefix(PaymentId::PREFIX)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u64 = digits.parse().ok()?;
        let canonical_len = (n.checked_ilog10().unwrap_or(0) as usize + 1).max(6);
        if digits.len() != canonical_len {
            return None;
        }
        usize::try_from(n).ok()?.checked_sub(1)
    }

    /// A status read of `merchant`'s payment `id` (None for another
    /// merchant's: isolation). A read after the settlement instant settles
    /// the payment on the spot. One hash lookup: the read, the ownership
    /// check and the settlement share it.
    pub(crate) fn read_status(
        &mut self,
        merchant: &MerchantId,
        id: &PaymentId,
        now: Micros,
        clock: &Clock,
    ) -> Option<StatusRead> {
        let record = self
            .payments
            .get_mut(Self::payment_index(id)?)
            .filter(|p| &p.merchant == merchant)?;
        let settled = if record.is_due(now) {
            Some(settle(
                record,
                clock,
                &mut self.events,
                &mut self.events_by_merchant,
                &mut self.settled,
            ))
        } else {
            None
        };
        Some(StatusRead {
            json: record.json.clone(),
            pending: !record.status.is_final(),
            settled,
        })
    }

    /// Settles `id` if it is pending and its instant has come; returns the
    /// event announcing it, logged. Idempotent: a second call does nothing.
    pub(crate) fn settle_if_due(
        &mut self,
        id: &PaymentId,
        now: Micros,
        clock: &Clock,
    ) -> Option<(Event, MerchantId, Micros)> {
        let record = self.payments.get_mut(Self::payment_index(id)?)?;
        if !record.is_due(now) {
            return None;
        }
        Some(settle(
            record,
            clock,
            &mut self.events,
            &mut self.events_by_merchant,
            &mut self.settled,
        ))
    }

    /// Removes and returns the ids of payments scheduled at or before `now`,
    /// at most `limit` of them, earliest first.
    pub(crate) fn pop_due(&mut self, now: Micros, limit: usize) -> Vec<PaymentId> {
        let mut due = Vec::new();
        while let Some(Reverse((at, _))) = self.schedule.peek() {
            if *at > now || due.len() >= limit {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn order(n: u64) -> CreatePayment {
        CreatePayment {
            order_id: OrderId::numbered(n),
            amount_cents: 4_990,
            currency: "BRL".to_owned(),
            simulate: None,
        }
    }

    /// The JSON a read answers is always the payment object serialised now:
    /// pending before the instant, final (with `settled_at`) after it, and the
    /// same bytes on a replayed creation.
    #[test]
    fn status_reads_answer_the_current_payment_json() {
        let clock = Clock::starting_now(1_795_000_000_000_000);
        let merchant = MerchantId::numbered(1);
        let mut ledger = Ledger::new(1, Merchants::default());
        let (created, replayed) = ledger
            .create(
                &merchant,
                order(1),
                Some("k".to_owned()),
                Micros(0),
                &clock,
                Dur::from_ms(500),
                Outcome::Approved,
            )
            .unwrap();
        assert!(!replayed);
        let id = PaymentId::numbered(1);
        let wire = |l: &Ledger| serde_json::to_vec(&l.payments[0].to_wire(&clock)).unwrap();
        assert_eq!(created, wire(&ledger));

        let pending = ledger
            .read_status(&merchant, &id, Micros(499_999), &clock)
            .unwrap();
        assert!(pending.pending && pending.settled.is_none());
        assert_eq!(pending.json, created);

        let other = MerchantId::numbered(2);
        assert!(
            ledger
                .read_status(&other, &id, Micros(600_000), &clock)
                .is_none()
        );
        assert!(
            ledger.settled.is_empty(),
            "another merchant's read settles nothing"
        );

        let settled = ledger
            .read_status(&merchant, &id, Micros(600_000), &clock)
            .unwrap();
        assert!(!settled.pending);
        let (event, _, at) = settled.settled.unwrap();
        assert_eq!(at, Micros(500_000));
        assert_eq!(settled.json, wire(&ledger));
        let payment: Payment = serde_json::from_slice(&settled.json).unwrap();
        assert_eq!(payment.status, PaymentStatus::Approved);
        assert_eq!(
            payment.settled_at.as_deref(),
            Some(event.created_at.as_str())
        );
        assert_eq!(payment, event.data);
        assert!(ledger.settle_if_due(&id, Micros(700_000), &clock).is_none());

        let (replay, replayed) = ledger
            .create(
                &merchant,
                order(1),
                Some("k".to_owned()),
                Micros(800_000),
                &clock,
                Dur::from_ms(500),
                Outcome::Approved,
            )
            .unwrap();
        assert!(replayed);
        assert_eq!(replay, settled.json);
    }

    #[test]
    fn only_the_canonical_spelling_of_an_id_names_a_payment() {
        let index = |text: &str| Ledger::payment_index(&PaymentId(text.to_owned()));
        assert_eq!(index("pay_000001"), Some(0));
        assert_eq!(index("pay_123456"), Some(123_455));
        assert_eq!(index("pay_1234567"), Some(1_234_566));
        for other in [
            "pay_1",
            "pay_0000001",
            "pay_000000",
            "pay_+00001",
            "pay_00000a",
            "pay_",
            "ord_000001",
            "",
        ] {
            assert_eq!(index(other), None, "{other}");
        }
    }
}
