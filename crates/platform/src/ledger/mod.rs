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
//!   [`crate::store`]), after a restart.

mod endpoints;
mod events;
mod latest;
mod payments;
mod restore;

pub(crate) use endpoints::EndpointRecord;
pub(crate) use events::EventRecord;
pub use payments::Settlement;
pub(crate) use payments::{NewPayment, PaymentRecord};

use crate::merchants::Merchants;
use hooklab_core::clock::Micros;
use hooklab_core::ids::{IdEpoch, MerchantId, PaymentId};
use hooklab_core::rng::SeededRng;
use payments::Fingerprint;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

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
    /// Put in every id this ledger mints (see [`IdEpoch`]).
    epoch: IdEpoch,
    rng: SeededRng,
}

impl Ledger {
    pub(crate) fn new(seed: u64, epoch: IdEpoch, merchants: Merchants) -> Self {
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
            epoch,
            rng: SeededRng::stream(seed, "platform-secrets"),
        }
    }
}
