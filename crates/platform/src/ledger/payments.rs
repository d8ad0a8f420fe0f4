//! Payments: creation (idempotent on its key), status reads, and the
//! schedule of settlements still to come.
//!
//! A payment's settlement instant is fixed when it is created. Whoever comes
//! first at or after that instant settles it, the settlement worker or a
//! status read, and either way the event announcing it is appended to the
//! log ([`super::events`]) with the *scheduled* instant: the platform's own
//! lag never shows in what the shop sees.

use super::settled::{OrderRef, SettledEntry};
use super::{EventRecord, Ledger};
use crate::error::ApiError;
use bytes::Bytes;
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::ids::{EventId, MerchantId, OrderId, PaymentId};
use hooklab_core::wire::{
    CreatePayment, DeliveryState, Event, Outcome, Payment, PaymentStatus, Simulate,
};
use std::cmp::Reverse;

/// A creation request, as the API hands it to [`Ledger::create`]: who asks,
/// what they ask for, and when and how the payment will settle.
#[derive(Debug)]
pub(crate) struct NewPayment<'a> {
    /// The merchant whose API key made the request.
    pub(crate) merchant: &'a MerchantId,
    /// The request's body.
    pub(crate) request: CreatePayment,
    /// The request's `Idempotency-Key`, if it had one.
    pub(crate) idempotency_key: Option<String>,
    /// How long after its creation the payment settles.
    pub(crate) settle_after: Dur,
    /// How it settles.
    pub(crate) outcome: Outcome,
}

/// One payment, as the platform keeps it.
///
/// A status read is the platform's hottest path (every poll lands on it), so
/// the record keeps its answer ready: the payment's JSON, rendered when the
/// payment is created and again when it settles (its status is the only
/// thing that ever changes). A read then copies a reference-counted buffer
/// instead of formatting dates and serialising on every poll. The
/// timestamps themselves stay instants: they are rendered only with the
/// JSON, and storing their text too would cost ~80 bytes per payment.
///
/// The record is also what its event is built from (see
/// [`super::events`]): the event's payment is this payment as it settled,
/// so the event log keeps numbers, not a second copy of every string.
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
    /// The `Idempotency-Key` that created it, dropped with the payment when
    /// it is forgotten (a retry after that creates a new payment, as a key
    /// that expired does at Stripe).
    pub(crate) key: Option<Box<str>>,
    /// What the creation asked to simulate: with the fields above, what
    /// tells a retry from a reused key.
    pub(crate) simulate: Option<Simulate>,
    /// The number of the event announcing its settlement, once settled.
    pub(crate) event: Option<u64>,
    /// Whether its merchant's shop is known to have learned its outcome
    /// (only a simulation says so; see [`super::forget`]).
    pub(crate) known: bool,
    /// When it is due to be forgotten, once finished (the latest of its
    /// entries in the forget queue; an earlier one is stale).
    pub(crate) forget_at: Option<Micros>,
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
    pub(super) fn render(&mut self, payment: &Payment) {
        self.json = json_of(&PaymentView::of(payment));
    }

    /// Renders [`Self::json`] from the record itself, pending: the bytes
    /// [`Self::render`] writes from [`Self::to_wire`], without the copies of
    /// the id, the order id and the currency that a `Payment` would need
    /// (a creation has no other use for one).
    fn render_pending(&mut self, clock: &Clock) {
        let created_at = clock.rfc3339(self.created);
        self.json = json_of(&PaymentView {
            id: self.id.as_str(),
            order_id: self.order_id.as_str(),
            amount_cents: self.amount_cents,
            currency: &self.currency,
            status: self.status,
            created_at: &created_at,
            settled_at: None,
        });
    }

    /// Whether the payment is pending and its settlement instant has come.
    fn is_due(&self, now: Micros) -> bool {
        !self.status.is_final() && self.settles_at <= now
    }

    /// Whether `req` asks for exactly what created this payment: a true
    /// retry, not a reused key.
    fn same_request(&self, req: &CreatePayment) -> bool {
        self.order_id == req.order_id
            && self.amount_cents == req.amount_cents
            && self.currency == req.currency
            && self.simulate == req.simulate
    }
}

/// [`Payment`] borrowed from a record or from a `Payment`: the same fields,
/// in the same order, serialised the same way (each id is a newtype of its
/// text, which serde writes as the text). A test compares the two.
#[derive(serde::Serialize)]
struct PaymentView<'a> {
    id: &'a str,
    order_id: &'a str,
    amount_cents: u64,
    currency: &'a str,
    status: PaymentStatus,
    created_at: &'a str,
    settled_at: Option<&'a str>,
}

impl<'a> PaymentView<'a> {
    fn of(payment: &'a Payment) -> Self {
        PaymentView {
            id: payment.id.as_str(),
            order_id: payment.order_id.as_str(),
            amount_cents: payment.amount_cents,
            currency: &payment.currency,
            status: payment.status,
            created_at: &payment.created_at,
            settled_at: payment.settled_at.as_deref(),
        }
    }
}

/// Whether serde_json writes `text` as it is between its quotes: it escapes
/// only control bytes, `"` and the backslash (its `ESCAPE` table), and writes every
/// other byte, UTF-8 included, unchanged.
fn plain_json_text(text: &str) -> bool {
    // Folded without an early exit, so the compiler checks many bytes an
    // instruction (an id or a time is a few dozen bytes, and almost always
    // plain); `all` stopped to branch on every byte.
    text.bytes().fold(true, |plain, b| {
        plain & (b >= 0x20) & (b != b'"') & (b != b'\\')
    })
}

/// `payment`'s JSON, the bytes `serde_json::to_vec` writes for it, in a
/// buffer sized for it. Written by hand when no string needs an escape
/// (every payment a shop of this workspace creates): serde's serialiser
/// was about 2,850 instructions a payment, and every payment is rendered
/// twice (created, settled). Any text that needs escaping goes to serde.
fn json_of(payment: &PaymentView<'_>) -> Bytes {
    let texts = [
        payment.id,
        payment.order_id,
        payment.currency,
        payment.created_at,
        payment.settled_at.unwrap_or(""),
    ];
    if !texts.iter().all(|t| plain_json_text(t)) {
        let mut json = Vec::with_capacity(256);
        // Serialising strings and integers into a Vec cannot fail.
        if serde_json::to_writer(&mut json, payment).is_err() {
            json.clear();
        }
        json.shrink_to_fit();
        return Bytes::from(json);
    }
    let status = match payment.status {
        PaymentStatus::Pending => "pending",
        PaymentStatus::Approved => "approved",
        PaymentStatus::Declined => "declined",
    };
    let mut digits = [0u8; 20];
    let amount = decimal(payment.amount_cents, &mut digits);
    let settled_len = payment.settled_at.map_or(2, str::len);
    let len = texts[..4].iter().map(|t| t.len()).sum::<usize>()
        + amount.len()
        + status.len()
        + settled_len
        + 97;
    let mut json = Vec::with_capacity(len);
    for (piece, text) in [
        (&br#"{"id":""#[..], payment.id.as_bytes()),
        (br#"","order_id":""#, payment.order_id.as_bytes()),
        (br#"","amount_cents":"#, amount),
        (br#","currency":""#, payment.currency.as_bytes()),
        (br#"","status":""#, status.as_bytes()),
        (br#"","created_at":""#, payment.created_at.as_bytes()),
        (br#"","settled_at":"#, b""),
    ] {
        json.extend_from_slice(piece);
        json.extend_from_slice(text);
    }
    match payment.settled_at {
        Some(at) => {
            json.push(b'"');
            json.extend_from_slice(at.as_bytes());
            json.extend_from_slice(br#""}"#);
        }
        None => json.extend_from_slice(b"null}"),
    }
    debug_assert_eq!(json.len(), len);
    Bytes::from(json)
}

/// `n` in decimal, as serde_json writes a `u64`, in `buf`.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[at..];
        }
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

impl Ledger {
    /// Settles payment `number` (pending, due): its final status, its JSON
    /// re-rendered, and the event announcing it appended to the log.
    fn settle(&mut self, number: u64, clock: &Clock) -> Option<(Event, MerchantId, Micros)> {
        let event_number = self.events.minted() + 1;
        let record = self.payments.get_mut(number)?;
        let (settled_at, outcome) = (record.settles_at, record.outcome);
        record.status = outcome.status();
        let payment = record.to_wire(clock);
        record.render(&payment);
        record.event = Some(event_number);
        let merchant = record.merchant.clone();
        let order_id = OrderRef::of(&record.order_id);
        let event = Event {
            id: EventId::numbered_in(&self.epoch, event_number),
            kind: outcome.event_type(),
            // The payment's `settled_at`, the same instant's text: not
            // formatted a second time.
            created_at: payment
                .settled_at
                .clone()
                .unwrap_or_else(|| clock.rfc3339(settled_at)),
            data: payment,
        };
        // The merchant's id is copied only for its first event: `entry`
        // would take (and then drop) a copy on every settlement.
        match self.events_by_merchant.get_mut(&merchant) {
            Some(mine) => mine.push_back(event_number),
            None => {
                self.events_by_merchant
                    .entry(merchant.clone())
                    .or_default()
                    .push_back(event_number);
            }
        }
        self.events.push(EventRecord {
            payment: number,
            state: DeliveryState::Pending,
            attempts: 0,
            redeliveries: 0,
            // The dispatch `Shared::settled` queues for it.
            open: 1,
        });
        if self.keeps_settlements() {
            self.settled.push(SettledEntry {
                payment: number,
                event: event_number,
                order_id,
                settled_at,
                outcome,
            });
        }
        Some((event, merchant, settled_at))
    }

    /// Creates a payment, or finds the one an earlier request with the same
    /// `Idempotency-Key` created; answers its JSON (`true` in the second place
    /// means replayed).
    pub(crate) fn create(
        &mut self,
        new: NewPayment<'_>,
        now: Micros,
        clock: &Clock,
    ) -> Result<(Bytes, bool), ApiError> {
        self.forget_due(now);
        let NewPayment {
            merchant,
            request: req,
            idempotency_key,
            settle_after,
            outcome,
        } = new;
        let key = idempotency_key.map(|k| (merchant.clone(), k));
        if let Some(key) = &key
            && let Some(&number) = self.idempotency.get(key)
            && let Some(record) = self.payments.get(number)
        {
            if !record.same_request(&req) {
                return Err(ApiError::IdempotencyConflict(key.1.clone()));
            }
            return Ok((record.json.clone(), true));
        }
        if let Some((merchant, key)) = &key
            && let Some(number) = self.forgetting.keys.payment(merchant, key)
        {
            // The key's payment was forgotten after `--keep`: creating
            // another would charge the customer twice.
            return Err(ApiError::Forgotten {
                what: "payment",
                id: self.payment_id(number).as_str().to_owned(),
                why: crate::i18n::Said::new(
                    format!(
                        "the Idempotency-Key `{}` created it; a replay is refused rather than \
                         charged twice: use a new key for a new payment",
                        crate::error::quoted(key)
                    ),
                    format!(
                        "a Idempotency-Key `{}` o criou; repeti-la é recusado para não cobrar \
                         duas vezes: use uma chave nova para um novo pagamento",
                        crate::error::quoted(key)
                    ),
                ),
            });
        }
        let number = self.payments.minted() + 1;
        let mut record = PaymentRecord {
            id: self.payment_id(number),
            merchant: merchant.clone(),
            order_id: req.order_id,
            amount_cents: req.amount_cents,
            currency: req.currency,
            status: PaymentStatus::Pending,
            created: now,
            settles_at: now.plus(settle_after),
            outcome,
            json: Bytes::new(),
            key: key.as_ref().map(|(_, k)| k.as_str().into()),
            simulate: req.simulate,
            event: None,
            known: false,
            forget_at: None,
        };
        record.render_pending(clock);
        let json = record.json.clone();
        self.schedule.push(Reverse((record.settles_at, number)));
        if let Some(key) = key {
            self.idempotency.insert(key, number);
        }
        self.track_order(&record.order_id, number);
        self.payments.push(Box::new(record));
        Ok((json, false))
    }

    /// The number of payment `id`, if `id` is spelled as the ledger spells
    /// its ids ([`PaymentId::numbered_in`] its epoch: at least six digits,
    /// zero padded), so `pay_1` names no payment, as when ids were hash
    /// keys, and neither does an id a previous start minted.
    pub(super) fn payment_number(&self, id: &PaymentId) -> Option<u64> {
        let shown = id.number_in(&self.epoch).filter(|&n| n >= 1)?;
        match &self.payment_numbers {
            None => Some(shown),
            Some(numbers) => match numbers.last() {
                Some(&last) if shown > last => Some(numbers.len() as u64 + shown - last),
                _ => {
                    // A status read asks about a payment still kept, nearly
                    // always: search the kept window's part of the list
                    // first (some 60,000 numbers, a few hundred KB that stay
                    // in cache), and the whole list (half a million numbers
                    // in a shard of a million orders, every probe a cache
                    // miss) only for an id outside it. The list increases,
                    // so either search finds the one slot that holds
                    // `shown`.
                    let kept = usize::try_from(self.payments.first() - 1)
                        .ok()
                        .and_then(|from| numbers.get(from..))
                        .filter(|kept| kept.first().is_some_and(|&n| n <= shown));
                    let (from, within) = match kept {
                        Some(kept) => (numbers.len() - kept.len(), kept),
                        None => (0, &numbers[..]),
                    };
                    within
                        .binary_search(&shown)
                        .ok()
                        .map(|slot| (from + slot) as u64 + 1)
                }
            },
        }
    }

    /// Payment `number`'s id: numbered as the ledger numbers it, or with the
    /// number [`Self::number_payments`] gave it.
    pub(super) fn payment_id(&self, number: u64) -> PaymentId {
        let shown = match &self.payment_numbers {
            None => number,
            Some(numbers) => usize::try_from(number - 1)
                .ok()
                .and_then(|slot| numbers.get(slot).copied())
                // Past the list: on after its last number, so ids stay
                // distinct and increasing.
                .unwrap_or_else(|| {
                    numbers.last().copied().unwrap_or(0) + number - numbers.len() as u64
                }),
        };
        PaymentId::numbered_in(&self.epoch, shown)
    }

    /// Shows payment `n`'s id (the `n`-th created) with the number
    /// `numbers[n - 1]` (increasing) instead of `n`. A harness's shard
    /// places only some of the workload's orders, and numbers their
    /// payments by their place in the whole workload, so each id is the one
    /// a single platform taking every order gives it. Ids only: the books
    /// keep their own numbers.
    pub(crate) fn number_payments(&mut self, numbers: std::sync::Arc<[u64]>) {
        self.payment_numbers = Some(numbers);
    }

    /// Whether payment `id` was made here and forgotten since (see
    /// [`super::forget`]): what tells `410 forgotten` from `404`.
    pub(crate) fn payment_forgotten(&self, id: &PaymentId) -> bool {
        self.payment_number(id)
            .is_some_and(|n| self.payments.forgotten(n))
    }

    /// A status read of `merchant`'s payment `id` (None for another
    /// merchant's: isolation). A read after the settlement instant settles
    /// the payment on the spot. One index lookup: the read, the ownership
    /// check and the settlement share it.
    pub(crate) fn read_status(
        &mut self,
        merchant: &MerchantId,
        id: &PaymentId,
        now: Micros,
        clock: &Clock,
    ) -> Option<StatusRead> {
        self.forget_due(now);
        let number = self.payment_number(id)?;
        let record = self
            .payments
            .get(number)
            .filter(|p| &p.merchant == merchant)?;
        let settled = if record.is_due(now) {
            self.settle(number, clock)
        } else {
            None
        };
        let record = self.payments.get(number)?;
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
        number: u64,
        now: Micros,
        clock: &Clock,
    ) -> Option<(Event, MerchantId, Micros)> {
        if !self.payments.get(number)?.is_due(now) {
            return None;
        }
        self.settle(number, clock)
    }

    /// Removes and returns the numbers of payments scheduled at or before
    /// `now`, at most `limit` of them, earliest first.
    pub(crate) fn pop_due(&mut self, now: Micros, limit: usize) -> Vec<u64> {
        let mut due = Vec::new();
        while let Some(Reverse((at, _))) = self.schedule.peek() {
            if *at > now || due.len() >= limit {
                break;
            }
            if let Some(Reverse((_, number))) = self.schedule.pop() {
                due.push(number);
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

    /// The payment created last (what the store journals after a creation).
    pub(crate) fn last_payment(&self) -> Option<&PaymentRecord> {
        self.payments.last().map(|r| &**r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::merchants::Merchants;
    use hooklab_core::ids::IdEpoch;

    /// Order 1's payment, settling approved 500 ms after its creation.
    fn new<'a>(merchant: &'a MerchantId, key: &str) -> NewPayment<'a> {
        NewPayment {
            merchant,
            request: CreatePayment {
                order_id: OrderId::numbered(1),
                amount_cents: 4_990,
                currency: "BRL".to_owned(),
                simulate: None,
            },
            idempotency_key: Some(key.to_owned()),
            settle_after: Dur::from_ms(500),
            outcome: Outcome::Approved,
        }
    }

    /// The JSON a read answers is always the payment object serialised now:
    /// pending before the instant, final (with `settled_at`) after it, and the
    /// same bytes on a replayed creation.
    #[test]
    fn status_reads_answer_the_current_payment_json() {
        let clock = Clock::starting_now(1_795_000_000_000_000);
        let merchant = MerchantId::numbered(1);
        let mut ledger = Ledger::new(1, IdEpoch::NONE, Merchants::default());
        let (created, replayed) = ledger
            .create(new(&merchant, "k"), Micros(0), &clock)
            .unwrap();
        assert!(!replayed);
        let id = PaymentId::numbered(1);
        let wire =
            |l: &Ledger| serde_json::to_vec(&l.payments.get(1).unwrap().to_wire(&clock)).unwrap();
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
        assert!(ledger.settle_if_due(1, Micros(700_000), &clock).is_none());

        let (replay, replayed) = ledger
            .create(new(&merchant, "k"), Micros(800_000), &clock)
            .unwrap();
        assert!(replayed);
        assert_eq!(replay, settled.json);
    }

    /// The hand-written JSON is serde's, byte for byte: pending and
    /// settled, small and large amounts, and texts that need escaping (which
    /// go to serde) or are non-ASCII (which do not).
    #[test]
    fn a_payment_renders_as_serde_writes_it() {
        let mut n = 0;
        for order in ["ord_000001", "a\"quote", "back\\slash", "tab\t", "é✓", ""] {
            for amount in [0, 7, 4_990, 10, u64::MAX] {
                for (status, settled) in [
                    (PaymentStatus::Pending, None),
                    (PaymentStatus::Approved, Some("2026-12-01T00:00:01.500Z")),
                    (PaymentStatus::Declined, Some("x\u{1}")),
                ] {
                    n += 1;
                    let payment = Payment {
                        id: PaymentId::numbered(n),
                        order_id: OrderId(order.to_owned()),
                        amount_cents: amount,
                        currency: "BRL".to_owned(),
                        status,
                        created_at: "2026-12-01T00:00:00.000Z".to_owned(),
                        settled_at: settled.map(str::to_owned),
                    };
                    let ours = json_of(&PaymentView::of(&payment));
                    assert_eq!(ours, serde_json::to_vec(&payment).unwrap(), "{payment:?}");
                }
            }
        }
    }

    /// A ledger told the numbers its payments show mints those ids, reads
    /// them back to its own records, and names nothing by a number it was
    /// not given (another shard's payment).
    #[test]
    fn payments_numbered_from_a_list_show_those_numbers() {
        let clock = Clock::starting_now(1_795_000_000_000_000);
        let merchant = MerchantId::numbered(1);
        let mut ledger = Ledger::new(1, IdEpoch::NONE, Merchants::default());
        ledger.number_payments(vec![2, 999_999, 1_000_001].into());
        let mut ids = Vec::new();
        for key in ["a", "b", "c", "d"] {
            let (json, _) = ledger
                .create(new(&merchant, key), Micros(0), &clock)
                .unwrap();
            let payment: Payment = serde_json::from_slice(&json).unwrap();
            ids.push(payment.id.0);
        }
        assert_eq!(
            ids,
            ["pay_000002", "pay_999999", "pay_1000001", "pay_1000002"]
        );
        for (own, id) in ids.iter().enumerate() {
            let found = ledger.payment_number(&PaymentId(id.clone()));
            assert_eq!(found, Some(own as u64 + 1), "{id}");
        }
        let read = ledger.read_status(&merchant, &PaymentId::numbered(999_999), Micros(1), &clock);
        assert!(read.is_some_and(|r| r.pending));
        for other in ["pay_000001", "pay_000003", "pay_1000000"] {
            assert_eq!(
                ledger.payment_number(&PaymentId(other.to_owned())),
                None,
                "{other}"
            );
        }
    }

    /// The search of the kept window and of the whole list agree: an id
    /// of a payment forgotten since (before the window) is still found by
    /// its number (a `410`, not a `404`), one in the window too, and a
    /// number no payment was given is found in neither.
    #[test]
    fn numbered_ids_are_found_inside_and_before_the_kept_window() {
        let clock = Clock::starting_now(1_795_000_000_000_000);
        let merchant = MerchantId::numbered(1);
        let mut ledger = Ledger::new(1, IdEpoch::NONE, Merchants::default());
        ledger.number_payments(vec![2, 4, 6, 8].into());
        for key in ["a", "b", "c", "d"] {
            ledger
                .create(new(&merchant, key), Micros(0), &clock)
                .unwrap();
        }
        ledger.payments.remove(1);
        ledger.payments.remove(2);
        assert_eq!(ledger.payments.first(), 3, "the window starts at the third");
        let number = |shown: u64| ledger.payment_number(&PaymentId::numbered(shown));
        assert_eq!(
            [2, 4, 6, 8, 9].map(number),
            [Some(1), Some(2), Some(3), Some(4), Some(5)],
            "past the list, the numbers go on by one"
        );
        assert_eq!([1, 3, 5, 7].map(number), [None; 4]);
        assert!(ledger.payment_forgotten(&PaymentId::numbered(4)));
        assert!(!ledger.payment_forgotten(&PaymentId::numbered(6)));
    }

    #[test]
    fn only_the_canonical_spelling_of_an_id_names_a_payment() {
        let ledger = Ledger::new(1, IdEpoch::NONE, Merchants::default());
        let index = |text: &str| ledger.payment_number(&PaymentId(text.to_owned()));
        assert_eq!(index("pay_000001"), Some(1));
        assert_eq!(index("pay_123456"), Some(123_456));
        assert_eq!(index("pay_1234567"), Some(1_234_567));
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
