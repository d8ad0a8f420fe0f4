//! Where the platform's books survive a crash: nowhere ([`Store::Memory`],
//! what scenario runs use) or an SQLite file ([`Store::Sqlite`], what
//! `hooklab platform` uses by default).
//!
//! The in-memory ledger ([`crate::ledger`]) stays the working set that serves
//! every read, so a polling storm only ever takes the ledger's mutex, never
//! SQLite's write lock. The SQLite store is a write-through journal beside
//! it: each change is committed before the platform answers or acts on it.
//!
//! - a payment, with its idempotency key, before `201 Created` goes out;
//! - an endpoint (created, replaced, deleted, disabled, its secret rotated)
//!   before the answer;
//! - a settlement: the payment's status, its event **and** one outbox row
//!   per endpoint to deliver it to, in **one transaction** (the
//!   transactional outbox), before the event is handed to the dispatcher;
//! - each delivery attempt's outcome and next attempt time, batched: the
//!   dispatcher's workers queue them and one task commits whatever has
//!   queued in one transaction, so a burst of attempts costs a few commits,
//!   not one each.
//!
//! On start, [`open`] loads the file into a [`Snapshot`]; the platform
//! rebuilds its ledger from it, settles every payment whose time has come,
//! resumes every open outbox row at its next attempt time and schedules the
//! rest. An attempt whose outcome was not yet committed when the process died
//! is made again: delivery is at least once, and receivers deduplicate by
//! event id.
//!
//! A write that fails (a full disk, a file made read-only under the platform)
//! stops the platform: an answer it could not make durable is answered 503,
//! and [`crate::Platform::serve`] returns the error.
//!
//! Parts: `schema` (the tables), `sqlite` (opening and writing), `load`
//! (reading a store back), `outbox`
//! (the dispatcher's side of the outbox).

mod load;
pub(crate) mod outbox;
pub(crate) mod schema;
mod sqlite;

use crate::ledger::{EndpointRecord, PaymentRecord};
use crate::merchants::Merchant;
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::ids::{EndpointId, EventId, IdEpoch, MerchantId, PaymentId};
use hooklab_core::shutdown::Shutdown;
use hooklab_core::wire::{DeliveryState, Event, Outcome, PaymentStatus, Simulate};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use sqlite::SqliteStore;

/// Why the store could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Occurs when SQLite cannot open or create the file (a missing or
    /// read-only folder, no permission).
    #[error(
        "cannot open or create the platform's data file {}: check that its folder exists and is writable, or use :memory:",
        path.display()
    )]
    Open {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// Occurs when another process has the file open (another `hooklab
    /// platform`, or a run with the same `--data`).
    #[error(
        "{} is in use by another hooklab process{}: stop it first, or give this one another --data path",
        path.display(),
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Locked {
        /// The file.
        path: PathBuf,
        /// The other process, as its lock file names it.
        pid: Option<u32>,
    },
    /// Occurs when the lock file beside the data file cannot be made
    /// (a read-only folder).
    #[error(
        "cannot create the lock file {} of {}: check that its folder exists and is writable",
        lock.display(),
        path.display()
    )]
    LockFile {
        /// The data file.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Occurs when `--reset` cannot remove the old file.
    #[error("cannot remove {} to start empty", path.display())]
    Reset {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Occurs when the file is not an SQLite database at all (corrupt, or
    /// some other kind of file).
    #[error("{}", not_a_database(path, *hooklab))]
    NotADatabase {
        /// The file.
        path: PathBuf,
        /// Whether its header still says it is hooklab's (a corrupt store,
        /// which `--reset` may empty); otherwise `--reset` refuses it too.
        hooklab: bool,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// Occurs when the file is an SQLite database that another program made.
    #[error("{}", foreign(path, *found))]
    Foreign {
        /// The file.
        path: PathBuf,
        /// Its `application_id`.
        found: i32,
    },
    /// Occurs when the file is hooklab's, but of a schema this build does
    /// not know.
    #[error(
        "{} has schema version {found}; this hooklab knows version {known}: \
         use the hooklab that wrote it, or start with --reset",
        path.display()
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: i32,
        /// This build's.
        known: i32,
    },
    /// Occurs when a row does not hold what the schema says (edited by hand).
    #[error("{} holds a row hooklab cannot read: {what}", path.display())]
    BadRow {
        /// The file.
        path: PathBuf,
        /// Which row, and what is wrong.
        what: String,
    },
    /// Occurs when a write fails: the disk is full, or the file became
    /// read-only or was removed while the platform ran.
    #[error("cannot write the platform's data file {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
}

/// [`StoreError::NotADatabase`]'s message: --reset is offered only for a
/// file whose header says it is hooklab's.
fn not_a_database(path: &Path, hooklab: bool) -> String {
    if hooklab {
        format!(
            "{} is a corrupt hooklab data file: move it away or start with --reset",
            path.display()
        )
    } else {
        format!(
            "{} is not a hooklab data file (not an SQLite database: corrupt, or another kind of file); \
             hooklab leaves it alone: move it away or give another --data path",
            path.display()
        )
    }
}

/// [`StoreError::Foreign`]'s message: a shop inbox ("hksh") is named as such.
fn foreign(path: &Path, found: i32) -> String {
    if found == 0x686b_7368 {
        format!(
            "{} is a shop inbox, not a platform data file: give the platform another --data path",
            path.display()
        )
    } else {
        format!(
            "{} is an SQLite database, but not hooklab's (application id {found:#x}); \
             hooklab leaves it alone: give another --data path",
            path.display()
        )
    }
}

impl StoreError {
    /// Whether the error is the file's fault (bad input, exit code 2) rather
    /// than the machine's (exit code 1).
    pub fn is_bad_file(&self) -> bool {
        matches!(
            self,
            StoreError::NotADatabase { .. }
                | StoreError::Locked { .. }
                | StoreError::Foreign { .. }
                | StoreError::Version { .. }
                | StoreError::BadRow { .. }
        )
    }
}

/// How a settlement's webhooks reach the outbox (with a durable store).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutboxMode {
    /// The status, the event and the outbox rows commit in one
    /// transaction: a crash keeps all of them or none.
    #[default]
    Transactional,
    /// The status and the event commit first; the outbox rows are written
    /// later, when the dispatcher takes the event off its in-memory queue.
    /// A crash between the two loses the webhook: the payment is final and
    /// nobody will ever tell the shop. Kept to show what the outbox
    /// prevents.
    DualWrite,
}

/// Where the platform keeps its books. `Memory` does nothing, so a scenario
/// run behaves exactly as before the store existed.
#[derive(Debug, Default)]
pub enum Store {
    /// Nothing survives the process.
    #[default]
    Memory,
    /// An SQLite file survives it.
    Sqlite(SqliteStore),
}

/// A store just opened, and what it held.
#[derive(Debug)]
pub struct Opened {
    /// The store, to hand to [`crate::Platform::with_store`].
    pub store: Store,
    /// What the file held (`None` for a new file).
    pub snapshot: Option<Snapshot>,
}

/// Opens (or creates) the store at `path`; `reset` empties it first.
/// `:memory:` opens no file and gives [`Store::Memory`].
pub fn open(path: &Path, reset: bool) -> Result<Opened, StoreError> {
    if path.as_os_str() == ":memory:" {
        return Ok(Opened {
            store: Store::Memory,
            snapshot: None,
        });
    }
    let (store, snapshot) = SqliteStore::open(path, reset)?;
    Ok(Opened {
        store: Store::Sqlite(store),
        snapshot,
    })
}

impl Opened {
    /// The merchants the file knows.
    pub fn merchants(&self) -> &[Merchant] {
        self.snapshot.as_ref().map_or(&[], |s| &s.merchants)
    }

    /// The unix time (µs) of the first start's clock origin, to resume the
    /// same clock with [`Clock::resumed`]: every stored instant then reads
    /// the same on the new clock.
    pub fn origin_unix_us(&self) -> Option<i64> {
        self.snapshot.as_ref().map(|s| s.origin_unix_us)
    }

    /// The id epoch the file's ids were minted in, so a restarted platform
    /// goes on numbering them.
    pub fn id_epoch(&self) -> Option<IdEpoch> {
        self.snapshot.as_ref().map(|s| s.epoch.clone())
    }
}

/// Everything a store held when it was opened: the ledger is rebuilt from
/// it. Instants are stored as unix time (µs) and read on the resumed clock.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub(crate) origin_unix_us: i64,
    pub(crate) epoch: IdEpoch,
    pub(crate) next_endpoint: u64,
    pub(crate) merchants: Vec<Merchant>,
    /// In number order.
    pub(crate) payments: Vec<StoredPayment>,
    pub(crate) idempotency: Vec<(MerchantId, String, PaymentId)>,
    pub(crate) endpoints: Vec<StoredEndpoint>,
    /// In number order.
    pub(crate) events: Vec<StoredEvent>,
    /// Outbox rows still pending or retrying.
    pub(crate) open_deliveries: Vec<OpenDelivery>,
    /// The attempt log, in the order the attempts were made: a restarted
    /// platform answers `GET /v1/events/{id}/attempts` as before it died.
    pub(crate) attempts: Vec<StoredAttempt>,
}

/// One logged delivery attempt, as the `attempts` table keeps it.
#[derive(Clone, Debug)]
pub(crate) struct StoredAttempt {
    pub(crate) event_id: EventId,
    pub(crate) endpoint_id: EndpointId,
    pub(crate) attempt: u32,
    pub(crate) started_at_us: i64,
    pub(crate) duration_us: i64,
    /// `HTTP 200`, `timeout`, … (`AttemptResult::describe`).
    pub(crate) result: String,
    /// When the next attempt was scheduled (jitter and `Retry-After`
    /// included), if one was.
    pub(crate) next_attempt_at_us: Option<i64>,
}

impl Snapshot {
    /// How many payments are still pending, and how many deliveries open:
    /// what the platform prints when it resumes.
    pub fn pending(&self) -> (usize, usize) {
        let payments = self
            .payments
            .iter()
            .filter(|p| !p.status.is_final())
            .count();
        (payments, self.open_deliveries.len())
    }
}

/// A payment row.
#[derive(Debug)]
pub(crate) struct StoredPayment {
    pub(crate) id: PaymentId,
    pub(crate) merchant: MerchantId,
    pub(crate) order_id: hooklab_core::ids::OrderId,
    pub(crate) amount_cents: u64,
    pub(crate) currency: String,
    pub(crate) status: PaymentStatus,
    pub(crate) outcome: Outcome,
    pub(crate) created_us: i64,
    pub(crate) settles_at_us: i64,
    pub(crate) simulate: Option<Simulate>,
}

/// An endpoint row.
#[derive(Debug)]
pub(crate) struct StoredEndpoint {
    pub(crate) id: EndpointId,
    pub(crate) merchant: MerchantId,
    pub(crate) url: String,
    pub(crate) secret: String,
    /// (secret, until unix µs).
    pub(crate) retiring: Vec<(String, i64)>,
    pub(crate) disabled: bool,
}

/// An event row.
#[derive(Debug)]
pub(crate) struct StoredEvent {
    pub(crate) event: Event,
    pub(crate) merchant: MerchantId,
    pub(crate) created_us: i64,
    pub(crate) state: DeliveryState,
    pub(crate) attempts: u32,
    pub(crate) redeliveries: u32,
}

/// An outbox row still to deliver.
#[derive(Clone, Debug)]
pub(crate) struct OpenDelivery {
    pub(crate) outbox_id: i64,
    pub(crate) event_id: EventId,
    pub(crate) endpoint_id: EndpointId,
    /// Attempts made (and committed) so far: the next one's index.
    pub(crate) attempts: u32,
    /// When the next attempt is due (unix µs); `None`: now.
    pub(crate) next_attempt_at_us: Option<i64>,
}

/// One outbox row the settlement transaction wrote: where the dispatcher
/// sends the event, and the row it marks.
#[derive(Clone, Debug)]
pub(crate) struct OutboxRow {
    pub(crate) id: i64,
    pub(crate) endpoint: EndpointId,
    /// `None`: a first attempt, sent as the dispatcher sends any first
    /// attempt. `Some`: a delivery resumed after a restart, with the index
    /// of its next attempt and when it is due.
    pub(crate) resume: Option<(usize, Micros)>,
}

/// Where an outbox row stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// (A new row is `pending`, written by the settlement's SQL.)
pub(crate) enum OutboxState {
    /// Failed, another attempt is due at `next_attempt_at_us`.
    Retrying,
    /// The endpoint answered 2xx.
    Succeeded,
    /// The retry schedule ran out.
    Failed,
    /// The endpoint answered 410 Gone.
    Gone,
    /// The endpoint was deleted or disabled before the attempt.
    Dropped,
}

impl OutboxState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OutboxState::Retrying => "retrying",
            OutboxState::Succeeded => "succeeded",
            OutboxState::Failed => "failed",
            OutboxState::Gone => "gone",
            OutboxState::Dropped => "dropped",
        }
    }
}

/// One attempt's outcome, queued for the next batch.
#[derive(Clone, Debug)]
pub(crate) struct AttemptRow {
    pub(crate) outbox_id: i64,
    pub(crate) event_id: EventId,
    pub(crate) endpoint_id: EndpointId,
    /// 1 for the first attempt.
    pub(crate) attempt: u32,
    pub(crate) state: OutboxState,
    /// The event's delivery state after it.
    pub(crate) event_state: DeliveryState,
    pub(crate) started_us: i64,
    pub(crate) duration_us: u64,
    pub(crate) result: String,
    pub(crate) next_attempt_at_us: Option<i64>,
}

/// One settlement for the settlement transaction.
pub(crate) struct SettledRow<'a> {
    pub(crate) event: &'a Event,
    pub(crate) merchant: &'a MerchantId,
    pub(crate) created_us: i64,
    /// Where it goes: one outbox row each.
    pub(crate) endpoints: Vec<EndpointId>,
}

/// The attempts waiting for the next batch commit. Pushed by the
/// dispatcher's workers, taken whole by the flusher: the std mutex is held
/// for a push or a swap.
#[derive(Debug, Default)]
pub(crate) struct AttemptQueue {
    rows: Mutex<Vec<AttemptRow>>,
    pub(crate) ready: tokio::sync::Notify,
}

impl AttemptQueue {
    pub(crate) fn push(&self, row: AttemptRow) {
        let mut rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        rows.push(row);
        drop(rows);
        self.ready.notify_one();
    }

    pub(crate) fn take(&self) -> Vec<AttemptRow> {
        std::mem::take(&mut *self.rows.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// A stored unix time on `clock`'s scale. An instant before the clock's
/// origin (only when the clock could not be resumed, after a reboot) reads
/// as the origin.
pub(crate) fn from_unix(clock: &Clock, unix_us: i64) -> Micros {
    Micros(u64::try_from(unix_us - clock.unix_us(Micros(0))).unwrap_or(0))
}

/// An enum's serde name (`approved`, `retrying`): how the rows spell them.
pub(crate) fn name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        // Only unit variants are stored this way; they serialise as strings.
        _ => String::new(),
    }
}

impl Store {
    /// Whether anything survives the process.
    pub fn is_durable(&self) -> bool {
        matches!(self, Store::Sqlite(_))
    }

    /// The file, if there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Store::Memory => None,
            Store::Sqlite(s) => Some(s.path()),
        }
    }

    /// Records this start: the merchants, and (on a first start) the
    /// clock's origin and the id epoch.
    pub(crate) fn start(
        &self,
        merchants: &[Merchant],
        origin_unix_us: i64,
        epoch: &IdEpoch,
    ) -> Result<(), StoreError> {
        match self {
            Store::Memory => Ok(()),
            Store::Sqlite(s) => s.start(merchants, origin_unix_us, epoch),
        }
    }

    pub(crate) fn payment_created(
        &self,
        record: &PaymentRecord,
        key: Option<&str>,
        simulate: Option<Simulate>,
        clock: &Clock,
    ) -> Result<(), StoreError> {
        match self {
            Store::Memory => Ok(()),
            Store::Sqlite(s) => s.payment_created(record, key, simulate, clock),
        }
    }

    pub(crate) fn endpoint_saved(
        &self,
        record: &EndpointRecord,
        number: Option<u64>,
        removed: &[EndpointId],
        clock: &Clock,
    ) -> Result<(), StoreError> {
        match self {
            Store::Memory => Ok(()),
            Store::Sqlite(s) => s.endpoint_saved(record, number, removed, clock),
        }
    }

    pub(crate) fn endpoint_removed(&self, id: &EndpointId) -> Result<(), StoreError> {
        match self {
            Store::Memory => Ok(()),
            Store::Sqlite(s) => s.endpoint_removed(id),
        }
    }

    /// The settlement transaction: statuses, events and outbox rows. Answers
    /// each settlement's outbox rows (none for `Memory`, whose dispatcher
    /// looks up the endpoints itself, as it always did).
    pub(crate) fn settled(
        &self,
        rows: &[SettledRow<'_>],
    ) -> Result<Vec<Option<Vec<OutboxRow>>>, StoreError> {
        match self {
            Store::Memory => Ok(rows.iter().map(|_| None).collect()),
            Store::Sqlite(s) => s.settled(rows).map(|r| r.into_iter().map(Some).collect()),
        }
    }

    /// Outbox rows for a redelivery or a recovery (and the event's
    /// redelivery count).
    pub(crate) fn resend(
        &self,
        event: &EventId,
        redeliveries: Option<u32>,
        endpoints: &[EndpointId],
        now_us: i64,
    ) -> Result<Option<Vec<OutboxRow>>, StoreError> {
        match self {
            Store::Memory => Ok(None),
            Store::Sqlite(s) => s.resend(event, redeliveries, endpoints, now_us).map(Some),
        }
    }

    pub(crate) fn attempts(&self, rows: &[AttemptRow]) -> Result<(), StoreError> {
        match self {
            Store::Memory => Ok(()),
            Store::Sqlite(s) => s.attempts(rows),
        }
    }
}

/// The batch committer: commits the delivery outcomes queued by the
/// dispatcher's workers, whatever has queued since the last commit in one
/// transaction, until `shutdown` (and once more then).
pub(crate) async fn flush(shared: std::sync::Arc<crate::Shared>, mut shutdown: Shutdown) {
    loop {
        tokio::select! {
            biased;
            _ = shutdown.wait() => break,
            _ = shared.attempt_queue.ready.notified() => {
                // Group commit: let a burst's outcomes gather for a moment,
                // so one transaction carries hundreds of them rather than
                // one each. An outcome not yet committed when the process
                // dies only means that attempt is made again.
                tokio::select! {
                    biased;
                    _ = shutdown.wait() => break,
                    _ = shared.clock.sleep_until(shared.clock.now().plus(GROUP_COMMIT)) => {}
                }
                shared.flush_attempts();
            }
        }
    }
    shared.flush_attempts();
}

/// How long the batch committer lets delivery outcomes gather.
const GROUP_COMMIT: hooklab_core::duration::Dur = hooklab_core::duration::Dur::from_ms(2);
