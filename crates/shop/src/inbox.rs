//! The shop's inbox: an optional SQLite file of the shop's orders and of the
//! delivery ids (`webhook-id`) it has processed, so that deduplication
//! survives a shop restart.
//!
//! A receiver that keeps its dedup set in memory forgets it when it dies:
//! the platform's retry of a delivery the shop already applied (the 200 was
//! lost, or the platform restarted before it committed the outcome) is then
//! applied again. With an inbox, the receiver commits the delivery id and
//! the order's new status in **one transaction before it answers 2xx**
//! ("acknowledge after commit"): a crash before the commit means no 2xx, so
//! the platform retries; a crash after it means the retry is recognised.
//!
//! Orders placed are recorded as they are placed (through the shop's event
//! sink, [`Inbox::note`]), so a restarted shop knows which orders still wait
//! for their outcome.
//!
//! An inbox's orders are one platform's payments for one merchant: asked of
//! another platform, or with another merchant's key, they answer 404 or 401,
//! and a shop that took that for the platform's word would end good orders
//! as missed (or create them again somewhere else). So the inbox keeps whom
//! it belongs to ([`InboxOwner`]: the platform's address, normalised, its
//! id when the shop could ask it, and a fingerprint of the API key, never
//! the key) from the first open on, and [`Inbox::open`] refuses it to
//! anyone else ([`InboxError::OtherOwner`]). The same platform restarted
//! on its data file at another address has the same id: it is not anyone
//! else, and the inbox follows it.
//! A file written before it kept an owner takes the first one it is opened
//! with.

use hooklab_core::clock::{Clock, Micros};
use hooklab_core::events::{Happening, RunEvent};
use hooklab_core::ids::OrderId;
use hooklab_core::wire::PaymentStatus;
use rusqlite::{Connection, ErrorCode, OpenFlags, params};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

mod owner;
pub use owner::InboxOwner;
use owner::{Claim, Claimed};

/// `PRAGMA application_id` of a shop inbox: "hksh" in ASCII.
pub(crate) const APPLICATION_ID: i32 = 0x686b_7368;

pub(crate) const SCHEMA: &str = r#"
CREATE TABLE orders (
    order_id      TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    placed_at_us  INTEGER NOT NULL,
    known_at_us   INTEGER,
    via           TEXT
);
CREATE TABLE processed (
    webhook_id      TEXT PRIMARY KEY,
    order_id        TEXT NOT NULL,
    processed_at_us INTEGER NOT NULL
);
"#;

/// Why the inbox could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// Occurs when SQLite cannot open or create the file.
    #[error(
        "cannot open or create the shop's inbox {}: check that its folder exists and is writable",
        path.display()
    )]
    Open {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// Occurs when the file is not an SQLite database.
    #[error("{} is not an SQLite database (corrupt, or another kind of file)", path.display())]
    NotADatabase {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// Occurs when the file is another program's database (or the
    /// platform's: give the shop its own file).
    #[error("{} is an SQLite database, but not a hooklab shop inbox; give another --data path", path.display())]
    Foreign {
        /// The file.
        path: PathBuf,
    },
    /// Occurs when the inbox belongs to another platform or merchant than
    /// the one given (see [`InboxOwner::owns`]): its orders are not this
    /// platform's (or this key's) to answer about. Pass the same platform
    /// and API key (the same platform restarted on another address is
    /// recognised by its id, once it answers), or give another inbox file
    /// (or delete this one to start afresh).
    #[error(
        "{} holds the orders of the platform at {}{} with the API key of fingerprint {}, and this shop was given {}{} with a key of fingerprint {}: pass that platform and key again (the same platform on another address is recognised by its id while it runs), or give another --data file (or delete this one to start afresh)",
        path.display(), kept.platform, id_said(kept), kept.merchant, given.platform, id_said(given), given.merchant
    )]
    OtherOwner {
        /// The file.
        path: PathBuf,
        /// Whom the file belongs to (boxed, as `given`: two owners would
        /// make every `Result` of the inbox this large).
        kept: Box<InboxOwner>,
        /// Whom this open was for.
        given: Box<InboxOwner>,
    },
    /// Occurs when another process has the inbox open (another `hooklab
    /// shop` with the same `--data`), or its lock file cannot be made.
    #[error(transparent)]
    Lock(#[from] hooklab_core::file_lock::LockError),
    /// Occurs when a write fails (a full disk).
    #[error("cannot write the shop's inbox {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
}

/// ` (platform id X)`, or nothing when the id is not known.
fn id_said(owner: &InboxOwner) -> String {
    owner
        .platform_id
        .as_deref()
        .map(|id| format!(" (platform id {id})"))
        .unwrap_or_default()
}

impl InboxError {
    /// Whether the file is at fault (bad input) rather than the machine.
    pub fn is_bad_file(&self) -> bool {
        matches!(
            self,
            InboxError::NotADatabase { .. }
                | InboxError::Foreign { .. }
                | InboxError::OtherOwner { .. }
                | InboxError::Lock(hooklab_core::file_lock::LockError::Held { .. })
        )
    }
}

/// An open inbox. The connection sits behind a std mutex, held for one
/// transaction, never across an `.await`.
#[derive(Debug)]
pub struct Inbox {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// Turns the run clock's instants into unix time for the rows.
    clock: Clock,
    /// This process's hold on the file: a second shop given it is refused.
    _lock: hooklab_core::file_lock::FileLock,
}

/// What an inbox held when it was opened.
#[derive(Debug, Default)]
pub struct InboxContents {
    /// Delivery ids already processed: the receiver's dedup set.
    pub processed: HashSet<String>,
    /// Orders whose outcome the shop did not know yet.
    pub pending: Vec<OrderId>,
    /// Orders whose outcome it knew.
    pub known: usize,
    /// Orders that ended without one (see [`crate::resume::Missed`]).
    pub missed: usize,
    /// Whether this open recorded the inbox's owner: a new file, or one
    /// written before inboxes kept their owner.
    pub owner_recorded: bool,
    /// The address the inbox knew its platform at, when this open found
    /// the same platform (the same id) at another one: the inbox now names
    /// the new address.
    pub moved_from: Option<String>,
}

impl Inbox {
    /// Opens (or creates) the inbox at `path` for `owner`, and reads what
    /// it holds. An inbox that belongs to another owner is refused
    /// ([`InboxError::OtherOwner`]); one that names none yet (new, or
    /// written before inboxes kept their owner) is given `owner`.
    pub fn open(
        path: &Path,
        clock: Clock,
        owner: &InboxOwner,
    ) -> Result<(Inbox, InboxContents), InboxError> {
        let path = path.to_path_buf();
        // One shop per inbox: two would record the same deliveries twice.
        let lock = hooklab_core::file_lock::lock(&path)?;
        let open_err = |source| InboxError::Open {
            path: path.clone(),
            source,
        };
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .map_err(open_err)?;
        let classify = |source: rusqlite::Error| match source.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                InboxError::NotADatabase {
                    path: path.clone(),
                    source,
                }
            }
            _ => InboxError::Open {
                path: path.clone(),
                source,
            },
        };
        let app: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(classify)?;
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(classify)?;
        if !(app == APPLICATION_ID || app == 0 && tables == 0) {
            return Err(InboxError::Foreign { path: path.clone() });
        }
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
            .map_err(classify)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(classify)?;
        if tables == 0 {
            conn.execute_batch(SCHEMA).map_err(classify)?;
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(classify)?;
        }
        let claimed = owner::claim(&conn, &path, owner, clock).map_err(|e| match e {
            Claim::Sqlite(e) => classify(e),
            Claim::Other(e) => *e,
        })?;
        let mut contents = InboxContents {
            owner_recorded: claimed == Claimed::Recorded,
            moved_from: match claimed {
                Claimed::Moved { from } => Some(from),
                Claimed::Recorded | Claimed::Same => None,
            },
            ..InboxContents::default()
        };
        {
            let mut stmt = conn
                .prepare("SELECT webhook_id FROM processed")
                .map_err(classify)?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(classify)?;
            for row in rows {
                contents.processed.insert(row.map_err(classify)?);
            }
            let mut stmt = conn
                .prepare(
                    "SELECT order_id, known_at_us IS NOT NULL, status = ?1 FROM orders ORDER BY placed_at_us",
                )
                .map_err(classify)?;
            let rows = stmt
                .query_map([crate::resume::MISSED], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, bool>(1)?,
                        r.get::<_, bool>(2)?,
                    ))
                })
                .map_err(classify)?;
            for row in rows {
                // A missed order (no payment was ever created) is not
                // resumed: nothing would ever tell its outcome.
                match row.map_err(classify)? {
                    (_, true, _) => contents.known += 1,
                    (_, false, true) => contents.missed += 1,
                    (order, false, false) => contents.pending.push(OrderId(order)),
                }
            }
        }
        Ok((
            Inbox {
                conn: Mutex::new(conn),
                path,
                clock,
                _lock: lock,
            },
            contents,
        ))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `at` on the inbox's clock, in unix microseconds (its rows' unit).
    pub(crate) fn unix_us(&self, at: Micros) -> i64 {
        self.clock.unix_us(at)
    }

    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, InboxError> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let err = |source| InboxError::Write {
            path: self.path.clone(),
            source,
        };
        let tx = conn.transaction().map_err(err)?;
        let value = f(&tx).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(value)
    }

    /// Commits a delivery: its id as processed and its order's new status,
    /// in one transaction. Call before answering 2xx.
    pub fn processed(
        &self,
        webhook_id: &str,
        order: &OrderId,
        status: PaymentStatus,
        at: Micros,
    ) -> Result<(), InboxError> {
        let at_us = self.clock.unix_us(at);
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO processed (webhook_id, order_id, processed_at_us) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![webhook_id, order.as_str(), at_us])?;
            if status.is_final() {
                tx.prepare_cached(
                    "UPDATE orders SET status = ?1, known_at_us = ?2, via = 'webhook' \
                     WHERE order_id = ?3 AND known_at_us IS NULL",
                )?
                .execute(params![status.to_string(), at_us, order.as_str()])?;
            }
            Ok(())
        })
    }

    /// Records what the shop's event sink says happened to an order: placed,
    /// or its outcome learned by a poll. (A webhook's outcome is committed by
    /// [`Inbox::processed`] before the receiver answers.) A failed write is
    /// logged: an order missing from the inbox only means a restarted shop
    /// does not wait for it.
    pub fn note(&self, event: &RunEvent) {
        let at_us = self.clock.unix_us(event.at);
        let written = match &event.what {
            Happening::OrderPlaced { order } => self.write(|tx| {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO orders (order_id, status, placed_at_us) VALUES (?1, 'pending', ?2)",
                )?
                .execute(params![order.as_str(), at_us])?;
                Ok(())
            }),
            Happening::Known { order, via, status } if via != "webhook" => self.write(|tx| {
                tx.prepare_cached(
                    "UPDATE orders SET status = ?1, known_at_us = ?2, via = ?3 \
                     WHERE order_id = ?4 AND known_at_us IS NULL",
                )?
                .execute(params![status, at_us, via, order.as_str()])?;
                Ok(())
            }),
            _ => Ok(()),
        };
        if let Err(e) = written {
            tracing::warn!(error = &e as &dyn std::error::Error, "inbox not updated");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn clock() -> Clock {
        Clock::starting_now(1_767_225_600_000_000)
    }

    fn owner() -> crate::inbox::InboxOwner {
        crate::inbox::InboxOwner::new("http://127.0.0.1:4242", "sk_test_inbox_owner")
    }

    #[tokio::test(start_paused = true)]
    async fn processed_ids_and_pending_orders_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.sqlite");
        let (inbox, contents) = Inbox::open(&path, clock(), &owner()).unwrap();
        assert!(contents.processed.is_empty() && contents.pending.is_empty());
        for n in 1..=3 {
            inbox.note(&RunEvent {
                at: Micros(n),
                what: Happening::OrderPlaced {
                    order: OrderId::numbered(n),
                },
            });
        }
        inbox
            .processed(
                "evt_000001",
                &OrderId::numbered(1),
                PaymentStatus::Approved,
                Micros(9),
            )
            .unwrap();
        drop(inbox);
        let (_, contents) = Inbox::open(&path, clock(), &owner()).unwrap();
        assert!(contents.processed.contains("evt_000001"));
        assert_eq!(contents.known, 1);
        assert_eq!(
            contents.pending,
            vec![OrderId::numbered(2), OrderId::numbered(3)]
        );
    }

    /// One delivery of `evt_000001` (order 1 approved) to `receiver`.
    async fn deliver(receiver: std::sync::Arc<crate::receiver::Receiver>) {
        use tower::ServiceExt;
        let body = serde_json::json!({
            "id": "evt_000001",
            "type": "payment.approved",
            "created_at": "2026-01-01T00:00:00.000Z",
            "data": {
                "id": "pay_000001", "order_id": "ord_000001", "amount_cents": 4990,
                "currency": "BRL", "status": "approved",
                "created_at": "2026-01-01T00:00:00.000Z",
                "settled_at": "2026-01-01T00:00:00.000Z"
            }
        });
        let request = http::Request::post(crate::receiver::WEBHOOK_PATH)
            .header("content-type", "application/json")
            .header(hooklab_core::signature::ID_HEADER, "evt_000001")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        let response = crate::receiver::router(receiver)
            .oneshot(request)
            .await
            .unwrap();
        assert_eq!(response.status(), http::StatusCode::OK);
    }

    /// The platform's retry of a delivery the shop applied before it
    /// restarted is recognised by the restarted shop.
    #[tokio::test(start_paused = true)]
    async fn deduplication_survives_a_shop_restart() {
        use crate::orders::OrderBook;
        use crate::receiver::Receiver;
        use std::sync::Arc;
        use std::sync::atomic::Ordering;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.sqlite");
        for (run, learned, redelivered) in [(1, 1, 0), (2, 0, 1)] {
            let (inbox, contents) = Inbox::open(&path, clock(), &owner()).unwrap();
            let book = Arc::new(OrderBook::new());
            book.place(OrderId::numbered(1), Micros(0));
            let receiver = Receiver::with_inbox(clock(), book, Arc::new(inbox), contents.processed);
            deliver(receiver.clone()).await;
            let counts = receiver.counts();
            assert_eq!(counts.learned.load(Ordering::Relaxed), learned, "run {run}");
            assert_eq!(
                counts.redeliveries.load(Ordering::Relaxed),
                redelivered,
                "run {run}"
            );
        }
    }

    #[test]
    fn a_file_that_is_not_an_inbox_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.sqlite");
        std::fs::write(&path, vec![7u8; 4096]).unwrap();
        let err = Inbox::open(&path, clock(), &owner()).unwrap_err();
        assert!(matches!(err, InboxError::NotADatabase { .. }), "{err:?}");
        assert!(err.is_bad_file());
    }
}
