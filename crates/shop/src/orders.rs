//! The shop's order book, and the one idempotent update every strategy uses.
//!
//! Whether a payment's outcome arrives by poll or by webhook, once or three
//! times, [`OrderBook::record`] applies it once: the first notice of a final
//! status sets it and stamps when the shop learned it; any later notice is a
//! duplicate and changes nothing (it is counted). This is the property that
//! makes at-least-once webhook delivery safe.
//!
//! The book is keyed by *order*, and an order is entered before its payment is
//! even requested: a webhook may arrive before the creation response does
//! (a payment can settle at once), and it must find its order waiting.
//!
//! A book made with [`OrderBook::forgetting`] keeps only the orders in
//! flight: the moment an order's outcome is learned, its entry is handed to
//! the book's [`OrderEnded`] listener (the harness folds it into its counts)
//! and dropped; the book remembers only that the order is known (one bit per
//! numbered order), which is all a later duplicate notice needs. Its memory
//! follows the orders in flight, not the orders of the run.

use crate::missed::MissedReason;
use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::events::{EventSink, Happening};
use hooklab_core::ids::{OrderId, PaymentId};
use hooklab_core::model::stats::Moments;
use hooklab_core::wire::{Payment, PaymentStatus};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// How the shop learned a payment's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A status poll.
    Poll,
    /// A webhook delivery.
    Webhook,
    /// The creation response itself (a payment that was already final).
    Creation,
    /// An event pushed on a Server-Sent Events stream.
    Stream,
}

impl Channel {
    /// The channel's name in events and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Poll => "poll",
            Channel::Webhook => "webhook",
            Channel::Creation => "creation",
            Channel::Stream => "stream",
        }
    }
}

/// What a notice did to the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The shop learned the outcome now.
    Learned,
    /// The outcome was already known: nothing changed.
    Duplicate,
    /// A final outcome other than the one already known: nothing changed
    /// (the first final outcome stands), and it is counted apart.
    Conflict,
    /// The notice said the payment is still pending.
    StillPending,
    /// The shop has no such order.
    UnknownOrder,
}

/// One order, as the shop keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderEntry {
    /// The order.
    pub order_id: OrderId,
    /// Its payment, once the platform answered the creation.
    pub payment_id: Option<PaymentId>,
    /// When the shop placed the order (just before asking for its payment).
    pub placed: Micros,
    /// When the creation's answer reached the shop (a poller's clock starts
    /// here), if recorded with [`OrderBook::attach_at`]. With `placed` and
    /// the platform's creation instant, it splits the creation's round trip
    /// into its two legs, which the model needs apart.
    pub answered: Option<Micros>,
    /// The status as the shop knows it.
    pub status: PaymentStatus,
    /// When the shop learned the final status.
    pub known_at: Option<Micros>,
    /// How it learned it.
    pub via: Option<Channel>,
    /// Notices after the first final one.
    pub duplicates: u32,
}

/// Hears each order a [`OrderBook::forgetting`] book learned the outcome
/// of, once, with its entry as it was then; the book keeps nothing more of it.
/// Called on the task that learned it, with no lock of the book held.
pub type OrderEnded = Arc<dyn Fn(OrderEntry) + Send + Sync>;

/// The book's maps hash order ids with foldhash rather than std's SipHash:
/// every poll and every notice hashes its order id once or twice (`is_known`
/// and `record` were 4 % of a poll-heavy run), and the keys are the shop's
/// own order ids, entered only by [`OrderBook::place`]. A notice about any
/// other id (a forged or foreign webhook) only looks up, and a lookup
/// cannot lengthen the table's probe sequences, so a fast hasher opens no
/// collision attack. Nothing iterates the maps in hash order (`entries`
/// sorts).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

#[derive(Debug, Default)]
struct Book {
    /// Every order of a book that keeps all; of a forgetting book, the
    /// orders whose outcome is not yet known.
    by_order: FastMap<OrderId, OrderEntry>,
    /// Of a forgetting book, which orders are known and gone from `by_order`.
    forgotten: Forgotten,
    /// Orders whose payment could not be created, with why.
    failed: Vec<(OrderId, MissedReason)>,
    /// Orders whose payment the platform no longer knows (it lost its
    /// state): no poll will ever answer them.
    abandoned: Vec<(OrderId, MissedReason)>,
    known: u64,
    duplicates: u64,
    /// Final outcomes that contradicted the one known ([`Notice::Conflict`]).
    conflicts: u64,
}

/// The known orders a forgetting book dropped: one bit per numbered order
/// (`ord_000042` is bit 42), and a map for any other spelling of an id.
/// Each keeps the outcome too (a second bit, set for `declined`), so a later
/// notice of the other outcome is still a [`Notice::Conflict`], not passed
/// off as a duplicate.
#[derive(Debug, Default)]
struct Forgotten {
    bits: Vec<u64>,
    /// Of the numbered orders in `bits`, the declined ones; grown only when
    /// a declined order is dropped.
    declined: Vec<u64>,
    others: HashMap<OrderId, PaymentStatus>,
}

/// Sets bit `n` of `bits`, growing it by doubling, so a run's growing
/// numbers cost amortised O(1).
fn set_bit(bits: &mut Vec<u64>, n: usize) {
    let word = n / 64;
    if bits.len() <= word {
        bits.resize((word + 1).max(bits.len() * 2), 0);
    }
    bits[word] |= 1 << (n % 64);
}

fn bit(bits: &[u64], n: usize) -> bool {
    bits.get(n / 64)
        .is_some_and(|word| word & (1 << (n % 64)) != 0)
}

impl Forgotten {
    fn insert(&mut self, order: OrderId, status: PaymentStatus) {
        match order.number().and_then(|n| usize::try_from(n).ok()) {
            Some(n) => {
                set_bit(&mut self.bits, n);
                if status == PaymentStatus::Declined {
                    set_bit(&mut self.declined, n);
                }
            }
            None => {
                self.others.insert(order, status);
            }
        }
    }

    /// The outcome a dropped order was known by, or `None` if it was not
    /// dropped.
    fn status(&self, order: &OrderId) -> Option<PaymentStatus> {
        match order.number().and_then(|n| usize::try_from(n).ok()) {
            Some(n) => bit(&self.bits, n).then(|| {
                if bit(&self.declined, n) {
                    PaymentStatus::Declined
                } else {
                    PaymentStatus::Approved
                }
            }),
            None => self.others.get(order).copied(),
        }
    }

    fn contains(&self, order: &OrderId) -> bool {
        self.status(order).is_some()
    }
}

/// The order book. One `std::sync::Mutex` guards all entries; it is held
/// only for a map lookup and an update, never across an `.await`.
pub struct OrderBook {
    book: Mutex<Book>,
    /// How many orders are settled in the shop's eyes (known or failed):
    /// the harness and progress bars watch it instead of polling the book.
    settled_tx: watch::Sender<u64>,
    /// Where the shop announces what it learns (and its pollers what they
    /// find): off unless someone listens.
    events: EventSink,
    /// Of a forgetting book, who hears each order whose outcome is learned
    /// (see the module docs); `None`: the book keeps every entry.
    ended: Option<OrderEnded>,
    /// How late the pollers' timers fired. Its own std mutex, held for one
    /// addition, so a poller's note never waits for the order map.
    timer_lateness: Mutex<Moments>,
}

impl std::fmt::Debug for OrderBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderBook")
            .field("book", &self.book)
            .field("events", &self.events)
            .field("forgetting", &self.ended.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for OrderBook {
    fn default() -> Self {
        Self::new()
    }
}

impl OrderBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::with_events(EventSink::default())
    }

    /// An empty book that announces what the shop learns to `events`.
    pub fn with_events(events: EventSink) -> Self {
        OrderBook {
            book: Mutex::new(Book::default()),
            settled_tx: watch::channel(0).0,
            events,
            ended: None,
            timer_lateness: Mutex::new(Moments::default()),
        }
    }

    /// An empty book that announces to `events` and keeps only the orders
    /// in flight: each order whose outcome it learns goes to `ended` and is
    /// dropped (see the module docs). [`OrderBook::entries`] then lists the
    /// orders still in flight, and a later notice of a dropped order is
    /// still a [`Notice::Duplicate`] (but no entry counts it any more: only
    /// [`OrderBook::duplicates`] does).
    pub fn forgetting(events: EventSink, ended: OrderEnded) -> Self {
        OrderBook {
            ended: Some(ended),
            ..Self::with_events(events)
        }
    }

    /// Where this shop's events go.
    pub fn events(&self) -> &EventSink {
        &self.events
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Enters an order, before its payment is requested.
    pub fn place(&self, order_id: OrderId, now: Micros) {
        self.events.emit(now, || Happening::OrderPlaced {
            order: order_id.clone(),
        });
        self.lock()
            .by_order
            .entry(order_id.clone())
            .or_insert_with(|| OrderEntry {
                order_id,
                payment_id: None,
                placed: now,
                answered: None,
                status: PaymentStatus::Pending,
                known_at: None,
                via: None,
                duplicates: 0,
            });
    }

    /// Attaches the payment the platform created for an order.
    pub fn attach(&self, payment: &Payment) {
        if let Some(entry) = self.lock().by_order.get_mut(&payment.order_id) {
            entry.payment_id = Some(payment.id.clone());
        }
    }

    /// Attaches the payment the platform created for an order, whose
    /// creation answer reached the shop at `answered`.
    pub fn attach_at(&self, payment: &Payment, answered: Micros) {
        if let Some(entry) = self.lock().by_order.get_mut(&payment.order_id) {
            entry.payment_id = Some(payment.id.clone());
            entry.answered = Some(answered);
        }
    }

    /// Notes how late a poller's timer fired (fired minus due): the model's
    /// timer lateness is the run's own, not a constant.
    pub fn note_timer_lateness(&self, late: Dur) {
        self.timer_lateness
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .record(late.as_us());
    }

    /// Every poller timer lateness noted so far, summed exactly.
    pub fn timer_lateness(&self) -> Moments {
        *self
            .timer_lateness
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Records that an order could not get a payment at all
    /// ([`MissedReason::creation_failed`]).
    pub fn creation_failed(&self, order_id: OrderId, reason: MissedReason) {
        let mut book = self.lock();
        book.failed.push((order_id, reason));
        let settled = book.known + (book.failed.len() + book.abandoned.len()) as u64;
        drop(book);
        self.announce_settled(settled);
    }

    /// Records that the platform no longer knows an order's payment (404 or
    /// 410 to a poll: it restarted without its data, or forgot it): the
    /// order ends unknown, with why, instead of being polled forever.
    pub fn abandoned(&self, order_id: OrderId, reason: MissedReason) {
        let mut book = self.lock();
        if book.abandoned.iter().any(|(o, _)| *o == order_id) {
            return;
        }
        book.abandoned.push((order_id, reason));
        let settled = book.known + (book.failed.len() + book.abandoned.len()) as u64;
        drop(book);
        self.announce_settled(settled);
    }

    /// Orders whose payment the platform no longer knew, with why in
    /// English (what `summary.json` keeps).
    pub fn abandoned_orders(&self) -> Vec<(OrderId, String)> {
        english(&self.lock().abandoned)
    }

    /// Orders whose payment the platform no longer knew, with why: its
    /// code and its sentence in either language.
    pub fn abandoned_reasons(&self) -> Vec<(OrderId, MissedReason)> {
        self.lock().abandoned.clone()
    }

    /// Tells the watchers that `settled` orders are known or failed. Two
    /// notices counted under the lock can announce in either order, so the
    /// watched count only ever moves up: a late, smaller count must not
    /// overwrite a larger one (a run waiting for the last order would wait
    /// forever).
    fn announce_settled(&self, settled: u64) {
        self.settled_tx.send_if_modified(|current| {
            let grew = settled > *current;
            if grew {
                *current = settled;
            }
            grew
        });
    }

    /// Applies a notice of `status` for `order_id`'s payment, learned at
    /// `now` by `via`. Idempotent: see the module docs.
    pub fn record(
        &self,
        order_id: &OrderId,
        status: PaymentStatus,
        via: Channel,
        now: Micros,
    ) -> Notice {
        let mut book = self.lock();
        let Some(entry) = book.by_order.get_mut(order_id) else {
            let Some(known) = book.forgotten.status(order_id) else {
                return Notice::UnknownOrder;
            };
            if status.is_final() && status != known {
                // As for an entry still kept, below: the first one stands.
                return self.conflict(book, order_id, known, status, now);
            }
            book.duplicates += 1;
            drop(book);
            self.events.emit(now, || Happening::Duplicate {
                order: order_id.clone(),
            });
            return Notice::Duplicate;
        };
        if entry.known_at.is_some() && status.is_final() && status != entry.status {
            // Not a duplicate: another outcome. The first final one stands.
            let known = entry.status;
            return self.conflict(book, order_id, known, status, now);
        }
        if entry.known_at.is_some() {
            entry.duplicates += 1;
            book.duplicates += 1;
            drop(book);
            self.events.emit(now, || Happening::Duplicate {
                order: order_id.clone(),
            });
            return Notice::Duplicate;
        }
        if !status.is_final() {
            return Notice::StillPending;
        }
        entry.status = status;
        entry.known_at = Some(now);
        entry.via = Some(via);
        book.known += 1;
        // Given up on (its creation's answer never came, or its payment was
        // said gone) and learned after all: it ends once, known, not twice.
        if !book.failed.is_empty() || !book.abandoned.is_empty() {
            book.failed.retain(|(o, _)| o != order_id);
            book.abandoned.retain(|(o, _)| o != order_id);
        }
        let settled = book.known + (book.failed.len() + book.abandoned.len()) as u64;
        // A forgetting book hands the entry over and keeps one bit of it.
        let ended = self.ended.as_ref().and_then(|ended| {
            let entry = book.by_order.remove(order_id)?;
            book.forgotten.insert(order_id.clone(), status);
            Some((ended, entry))
        });
        drop(book);
        // Hand over and announce before waking the watchers, so whoever
        // stops at the last outcome has already heard about it.
        if let Some((ended, entry)) = ended {
            ended(entry);
        }
        self.events.emit(now, || Happening::Known {
            order: order_id.clone(),
            via: via.as_str().to_owned(),
            status: status.to_string(),
        });
        self.announce_settled(settled);
        Notice::Learned
    }

    /// Counts and announces a notice that `order_id`'s payment is `told`
    /// when the shop knows it `known` (see [`Notice::Conflict`]).
    fn conflict(
        &self,
        mut book: std::sync::MutexGuard<'_, Book>,
        order_id: &OrderId,
        known: PaymentStatus,
        told: PaymentStatus,
        now: Micros,
    ) -> Notice {
        book.conflicts += 1;
        drop(book);
        self.events.emit(now, || Happening::Conflict {
            order: order_id.clone(),
            known: known.to_string(),
            told: told.to_string(),
        });
        Notice::Conflict
    }

    /// Whether the shop already knows the final status of `order_id`.
    pub fn is_known(&self, order_id: &OrderId) -> bool {
        let book = self.lock();
        match book.by_order.get(order_id) {
            Some(e) => e.known_at.is_some(),
            None => book.forgotten.contains(order_id),
        }
    }

    /// Watches how many orders are known or failed.
    pub fn watch_settled(&self) -> watch::Receiver<u64> {
        self.settled_tx.subscribe()
    }

    /// A copy of every entry (of a forgetting book, of every order still
    /// in flight), sorted by order id (stable output).
    pub fn entries(&self) -> Vec<OrderEntry> {
        let mut v: Vec<_> = self.lock().by_order.values().cloned().collect();
        v.sort_by(|a, b| a.order_id.cmp(&b.order_id));
        v
    }

    /// Orders that never got a payment, with why.
    pub fn failed(&self) -> Vec<(OrderId, String)> {
        english(&self.lock().failed)
    }

    /// [`OrderBook::failed`], with why as a [`MissedReason`].
    pub fn failed_reasons(&self) -> Vec<(OrderId, MissedReason)> {
        self.lock().failed.clone()
    }

    /// Duplicate notices so far.
    pub fn duplicates(&self) -> u64 {
        self.lock().duplicates
    }

    /// Conflicting notices so far ([`Notice::Conflict`]).
    pub fn conflicts(&self) -> u64 {
        self.lock().conflicts
    }
}

/// Missed orders with why in English.
fn english(missed: &[(OrderId, MissedReason)]) -> Vec<(OrderId, String)> {
    missed
        .iter()
        .map(|(order, why)| (order.clone(), why.english().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklab_core::ids::OrderId;

    fn payment(n: u64) -> Payment {
        Payment {
            id: PaymentId::numbered(n),
            order_id: OrderId::numbered(n),
            amount_cents: 100,
            currency: "BRL".into(),
            status: PaymentStatus::Pending,
            created_at: String::new(),
            settled_at: None,
        }
    }

    #[test]
    fn the_watched_count_never_goes_back() {
        // Two notices counted 3 and 4 under the lock may announce 4 first:
        // the late 3 must not hide the 4 from a run waiting for the last order.
        let book = OrderBook::new();
        let watched = book.watch_settled();
        book.announce_settled(4);
        book.announce_settled(3);
        assert_eq!(*watched.borrow(), 4);
        book.announce_settled(5);
        assert_eq!(*watched.borrow(), 5);
    }

    #[test]
    fn the_first_final_notice_wins_the_same_again_is_a_duplicate_another_a_conflict() {
        let book = OrderBook::new();
        let p = payment(1);
        let o = &p.order_id;
        book.place(o.clone(), Micros(0));
        // A webhook may come before the creation answer: the order is waiting.
        assert_eq!(
            book.record(o, PaymentStatus::Pending, Channel::Poll, Micros(5)),
            Notice::StillPending
        );
        assert_eq!(
            book.record(o, PaymentStatus::Approved, Channel::Webhook, Micros(10)),
            Notice::Learned
        );
        book.attach(&p);
        assert_eq!(
            book.record(o, PaymentStatus::Approved, Channel::Poll, Micros(20)),
            Notice::Duplicate
        );
        // Another final outcome is not a duplicate but a conflict; the
        // first final one still stands.
        assert_eq!(
            book.record(o, PaymentStatus::Declined, Channel::Webhook, Micros(30)),
            Notice::Conflict
        );
        assert_eq!(book.conflicts(), 1);
        let e = &book.entries()[0];
        assert_eq!(
            (e.status, e.known_at, e.via, e.duplicates),
            (
                PaymentStatus::Approved,
                Some(Micros(10)),
                Some(Channel::Webhook),
                1
            )
        );
        assert_eq!(e.payment_id.as_ref(), Some(&p.id));
        assert_eq!(e.answered, None);
        assert_eq!(book.duplicates(), 1);
        assert_eq!(*book.watch_settled().borrow(), 1);
    }

    #[test]
    fn the_creation_answer_and_timer_lateness_are_kept_for_the_model() {
        let book = OrderBook::new();
        let p = payment(2);
        book.place(p.order_id.clone(), Micros(100));
        book.attach_at(&p, Micros(140));
        assert_eq!(book.entries()[0].answered, Some(Micros(140)));
        book.note_timer_lateness(Dur(0));
        book.note_timer_lateness(Dur(1_000));
        let late = book.timer_lateness();
        assert_eq!(
            (late.count, late.mean_us(), late.max_us),
            (2, Some(500.0), 1_000)
        );
    }

    #[test]
    fn a_forgetting_book_hands_each_known_order_over_and_still_catches_duplicates() {
        let handed = Arc::new(Mutex::new(Vec::<OrderEntry>::new()));
        let to = handed.clone();
        let book = OrderBook::forgetting(
            EventSink::default(),
            Arc::new(move |e| to.lock().unwrap_or_else(|p| p.into_inner()).push(e)),
        );
        let (one, two) = (payment(1), payment(2));
        for p in [&one, &two] {
            book.place(p.order_id.clone(), Micros(0));
            book.attach_at(p, Micros(7));
        }
        let o = &one.order_id;
        assert_eq!(
            book.record(o, PaymentStatus::Approved, Channel::Poll, Micros(10)),
            Notice::Learned
        );
        // Gone from the book, handed over once, with what the shop knew.
        assert_eq!(book.entries().len(), 1);
        assert_eq!(book.entries()[0].order_id, two.order_id);
        let first = handed.lock().unwrap_or_else(|p| p.into_inner()).clone();
        assert_eq!(first.len(), 1);
        assert_eq!(
            (first[0].known_at, first[0].via, first[0].answered),
            (Some(Micros(10)), Some(Channel::Poll), Some(Micros(7)))
        );
        // A later notice is still a duplicate, and the order still known.
        assert!(book.is_known(o));
        assert_eq!(
            book.record(o, PaymentStatus::Approved, Channel::Webhook, Micros(20)),
            Notice::Duplicate
        );
        assert_eq!(book.duplicates(), 1);
        assert!(!book.is_known(&two.order_id));
        assert_eq!(
            book.record(
                &OrderId::numbered(3),
                PaymentStatus::Approved,
                Channel::Poll,
                Micros(1)
            ),
            Notice::UnknownOrder
        );
        assert_eq!(handed.lock().unwrap_or_else(|p| p.into_inner()).len(), 1);
        assert_eq!(*book.watch_settled().borrow(), 1);
    }

    /// A forgetting book drops each known order but its outcome: a later
    /// notice of the other outcome is a conflict, counted and announced as
    /// a keeping book counts it, and the same outcome again a duplicate,
    /// for a numbered order id and for any other spelling.
    #[test]
    fn a_forgetting_book_still_tells_a_conflict_from_a_duplicate() {
        let heard = Arc::new(Mutex::new(Vec::new()));
        let to = heard.clone();
        let events = EventSink::to(move |e: hooklab_core::events::RunEvent| {
            to.lock().unwrap_or_else(|p| p.into_inner()).push(e.what)
        });
        let book = OrderBook::forgetting(events, Arc::new(|_| {}));
        let odd = OrderId("order-a".into());
        let cases = [
            (OrderId::numbered(70), PaymentStatus::Declined),
            (OrderId::numbered(3), PaymentStatus::Approved),
            (odd.clone(), PaymentStatus::Declined),
        ];
        let other = |s: PaymentStatus| match s {
            PaymentStatus::Approved => PaymentStatus::Declined,
            _ => PaymentStatus::Approved,
        };
        for (o, status) in &cases {
            book.place(o.clone(), Micros(0));
            assert_eq!(
                book.record(o, *status, Channel::Poll, Micros(1)),
                Notice::Learned
            );
        }
        assert!(book.entries().is_empty(), "every known order was dropped");
        for (o, status) in &cases {
            assert_eq!(
                book.record(o, other(*status), Channel::Webhook, Micros(2)),
                Notice::Conflict,
                "{o}"
            );
            assert_eq!(
                book.record(o, *status, Channel::Webhook, Micros(3)),
                Notice::Duplicate,
                "{o}"
            );
        }
        assert_eq!((book.conflicts(), book.duplicates()), (3, 3));
        let heard = heard.lock().unwrap_or_else(|p| p.into_inner());
        let told: Vec<_> = heard
            .iter()
            .filter_map(|h| match h {
                Happening::Conflict { order, known, told } => {
                    Some((order.clone(), known.clone(), told.clone()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            told,
            [
                (OrderId::numbered(70), "declined".into(), "approved".into()),
                (OrderId::numbered(3), "approved".into(), "declined".into()),
                (odd, "declined".into(), "approved".into()),
            ]
        );
    }

    #[test]
    fn unknown_payments_change_nothing() {
        let book = OrderBook::new();
        assert_eq!(
            book.record(
                &OrderId::numbered(9),
                PaymentStatus::Approved,
                Channel::Webhook,
                Micros(1)
            ),
            Notice::UnknownOrder
        );
        assert!(book.entries().is_empty());
    }
}
