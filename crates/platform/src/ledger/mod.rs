//! The platform's books: payments, idempotency keys, webhook endpoints, the
//! events log, and the schedule of settlements still to come.
//!
//! All of it sits behind one `std::sync::Mutex` in `Shared` (the crate root). A std
//! mutex and not a tokio one, as mini-redis explains for its `Db`: every
//! critical section is a few map operations with no `.await` inside, so the
//! lock is never held across a suspension point and a blocking lock is both
//! correct and faster.
//!
//! Everything a merchant can see is keyed by merchant too, so one merchant's
//! request can never reach another's payment, event or endpoint.
//!
//! One `Ledger`, three parts, each adding its own methods to it:
//!
//! - `payments`: payments, idempotency keys and the settlement schedule;
//!   settling a payment appends its event to the log;
//! - `events`: the events log, paged by cursor, with each event's delivery
//!   state;
//! - `endpoints`: webhook endpoints and their signing secrets, rotated with
//!   a grace period;
//! - `restore`: the ledger rebuilt from what a durable store held (see
//!   [`crate::store`]), after a restart;
//! - `forget`: finished payments forgotten, after a window or once their
//!   shop knew them, so that memory follows what is in flight;
//! - `settled`: what is kept of each settlement for the report;
//! - `numbered`: the sliding window of numbered records that payments and
//!   events are kept in.

mod endpoints;
mod events;
mod forget;
mod latest;
mod numbered;
mod payments;
mod restore;
mod settled;

pub(crate) use endpoints::{EndpointRecord, Version as EndpointsVersion};
pub(crate) use events::EventRecord;
pub(crate) use payments::{NewPayment, PaymentRecord};
pub use settled::Settlement;

use crate::merchants::Merchants;
use hooklab_core::clock::Micros;
use hooklab_core::ids::{IdEpoch, MerchantId};
use hooklab_core::rng::SeededRng;
use numbered::Numbered;
use settled::SettledEntry;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

/// A map hashed with foldhash rather than std's SipHash, for the books'
/// tables whose keys no client chooses: a merchant (inserted only for the
/// merchant an API key resolved to, from the platform's own table) or, in
/// [`forget`], an order of a simulation's own shop. Every event-log read
/// hashes its merchant once, every creation its order; SipHash is about
/// five times foldhash's cost on these short ids. A client-chosen key (the
/// idempotency table's) stays on SipHash: a fast hash of keys an attacker
/// picks and inserts could be made to collide.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The books. See the module docs for why one mutex guards all of it.
#[derive(Debug)]
pub(crate) struct Ledger {
    pub(crate) merchants: Merchants,
    /// Every payment kept. The ledger numbers them (`pay_000001` is the
    /// first), so a status read is an index, not a hash of the id, as for
    /// `events`. Boxed: a forgotten payment's slot, kept until the payments
    /// before it go too, is one pointer.
    payments: Numbered<Box<PaymentRecord>>,
    /// `(merchant, Idempotency-Key)` to the payment it created.
    idempotency: HashMap<(MerchantId, String), u64>,
    endpoints: Vec<EndpointRecord>,
    /// Moved on every change of `endpoints` (see `endpoints.rs`): the
    /// dispatcher reads it without this lock.
    endpoints_version: endpoints::Version,
    /// Every event kept, by number.
    events: Numbered<EventRecord>,
    /// Each merchant's events, as numbers, for cursor paging (forgotten
    /// ones are dropped from the front). Looked up by every event-log read.
    events_by_merchant: FastMap<MerchantId, VecDeque<u64>>,
    /// Pending payments by settlement instant, soonest first. Ties break on
    /// the payment's number, so the order of settlements never depends on a
    /// hash.
    schedule: BinaryHeap<Reverse<(Micros, u64)>>,
    /// Every settlement, unless a window forgets payments.
    settled: Vec<SettledEntry>,
    next_endpoint: u64,
    /// What is forgotten, and when (see `forget`).
    forgetting: forget::Forgetting,
    /// Put in every id this ledger mints (see [`IdEpoch`]).
    epoch: IdEpoch,
    /// The number each payment's id shows, by the ledger's own number
    /// minus one, when they differ (see [`Ledger::number_payments`]).
    payment_numbers: Option<std::sync::Arc<[u64]>>,
    rng: SeededRng,
}

impl Ledger {
    pub(crate) fn new(seed: u64, epoch: IdEpoch, merchants: Merchants) -> Self {
        Ledger {
            merchants,
            payments: Numbered::default(),
            idempotency: HashMap::new(),
            endpoints: Vec::new(),
            endpoints_version: endpoints::Version::default(),
            events: Numbered::default(),
            events_by_merchant: FastMap::default(),
            schedule: BinaryHeap::new(),
            settled: Vec::new(),
            next_endpoint: 0,
            forgetting: forget::Forgetting::default(),
            epoch,
            payment_numbers: None,
            rng: SeededRng::stream(seed, "platform-secrets"),
        }
    }

    /// The epoch this ledger's ids carry (a restored ledger's: its store's).
    pub(crate) fn epoch(&self) -> &IdEpoch {
        &self.epoch
    }

    /// Forgets a finished payment `window` after it finished (see `forget`).
    /// A ledger restored from a store already holds finished payments: each
    /// is queued to be forgotten a window after it settled.
    pub(crate) fn with_window(mut self, window: Option<hooklab_core::duration::Dur>) -> Self {
        self.forgetting.window = window;
        if window.is_some() {
            // Listed from the payments kept instead (see `keeps_settlements`).
            self.settled = Vec::new();
            self.queue_restored();
        }
        self
    }
}
