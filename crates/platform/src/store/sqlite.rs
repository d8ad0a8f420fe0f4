//! The SQLite journal: opening a file (and refusing one that is not a
//! hooklab store), loading it, and one short transaction per change.
//!
//! The connection sits behind a std mutex, held for one transaction and
//! never across an `.await`. WAL mode lets `sqlite3` read the file while the
//! platform writes it, and `synchronous = NORMAL` commits without an fsync
//! (the WAL is synced at checkpoints): a commit survives the process being
//! killed, which is what this store is for; only a power cut can take the
//! last commits with it.

use super::schema::{ADD_ATTEMPT_SCHEDULE, APPLICATION_ID, CREATE, SCHEMA_VERSION, TABLES};
use super::{AttemptRow, OutboxRow, SettledRow, Snapshot, StoreError, name};
use crate::ledger::{EndpointRecord, PaymentRecord};
use crate::merchants::Merchant;
use hooklab_core::clock::Clock;
use hooklab_core::ids::{EndpointId, EventId, IdEpoch};
use hooklab_core::wire::Simulate;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// An open SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    /// One connection, one writer at a time.
    conn: Mutex<Connection>,
    path: PathBuf,
    /// This process's hold on the file (`hooklab_core::file_lock`): a
    /// second platform given it is refused.
    _lock: hooklab_core::file_lock::FileLock,
}

/// What SQLite says about a file it could open: empty (new), ours, or not.
enum Identity {
    New,
    Ours,
}

impl SqliteStore {
    /// Opens or creates the store at `path` (emptied first when `reset`),
    /// and loads what it holds (`None` when new).
    pub(super) fn open(path: &Path, reset: bool) -> Result<(Self, Option<Snapshot>), StoreError> {
        let path = path.to_path_buf();
        // Before anything reads or resets the file: two platforms resuming
        // the same rows collide.
        let lock = hooklab_core::file_lock::lock(&path).map_err(|e| match e {
            hooklab_core::file_lock::LockError::Held { path, pid } => {
                StoreError::Locked { path, pid }
            }
            hooklab_core::file_lock::LockError::Io { path, lock, source } => {
                StoreError::LockFile { path, lock, source }
            }
        })?;
        let mut conn = connect(&path)?;
        let mut identity = identify(&conn, &path);
        if reset {
            // Only hooklab's own file is emptied: a foreign database, a file
            // that is not SQLite at all (notes, a photo) or one SQLite cannot
            // open is somebody else's, and --reset never removes it.
            match identity {
                Ok(_) | Err(StoreError::Version { .. } | StoreError::BadRow { .. }) => {}
                Err(StoreError::NotADatabase { hooklab: true, .. }) => {}
                Err(e) => return Err(e),
            }
            drop(conn);
            for file in [
                path.clone(),
                suffixed(&path, "-wal"),
                suffixed(&path, "-shm"),
            ] {
                match std::fs::remove_file(&file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(source) => return Err(StoreError::Reset { path: file, source }),
                }
            }
            conn = connect(&path)?;
            identity = identify(&conn, &path);
        }
        let identity = identity?;
        let opened = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        // WAL needs a `-wal` file beside the database: a read-only folder
        // fails here, with SQLite's own words.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(opened)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(opened)?;
        // Checkpoints (the WAL copied into the database, with an fsync) every
        // 10,000 pages (about 40 MB) instead of 1,000: a burst of
        // settlements then costs a few fsyncs, not dozens.
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)
            .map_err(opened)?;
        let snapshot = match identity {
            Identity::New => {
                let tx = conn.transaction().map_err(opened)?;
                tx.execute_batch(CREATE).map_err(opened)?;
                tx.pragma_update(None, "application_id", APPLICATION_ID)
                    .map_err(opened)?;
                tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                    .map_err(opened)?;
                tx.commit().map_err(opened)?;
                None
            }
            Identity::Ours => {
                let has_schedule: i64 = conn
                    .query_row(
                        "SELECT count(*) FROM pragma_table_info('attempts') \
                         WHERE name = 'next_attempt_at_us'",
                        [],
                        |r| r.get(0),
                    )
                    .map_err(opened)?;
                if has_schedule == 0 {
                    conn.execute_batch(ADD_ATTEMPT_SCHEDULE).map_err(opened)?;
                }
                let snapshot = super::load::load(&conn, &path)?;
                // A file whose first start died before it wrote its meta rows
                // is as good as new.
                (snapshot.origin_unix_us != 0).then_some(snapshot)
            }
        };
        Ok((
            SqliteStore {
                conn: Mutex::new(conn),
                path,
                _lock: lock,
            },
            snapshot,
        ))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Caps the file at `pages` pages (SQLite's `max_page_count`): a write
    /// that needs more fails as on a full disk. For tests and experiments.
    pub fn limit_pages(&self, pages: u32) -> Result<(), StoreError> {
        self.lock()
            .pragma_update(None, "max_page_count", pages)
            .map_err(|e| self.write_error(e))
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic mid-transaction rolls the transaction back (it is dropped
        // uncommitted), so the connection is fine to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write_error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Write {
            path: self.path.clone(),
            source,
        }
    }

    /// Runs `f` in one transaction and commits it.
    fn transaction<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.write_error(e))?;
        let value = f(&tx).map_err(|e| self.write_error(e))?;
        tx.commit().map_err(|e| self.write_error(e))?;
        Ok(value)
    }

    /// Records the clock's origin and the id epoch (the first start's only:
    /// a restart keeps them) and the merchants of this start.
    pub(super) fn start(
        &self,
        merchants: &[Merchant],
        origin_unix_us: i64,
        epoch: &IdEpoch,
    ) -> Result<(), StoreError> {
        self.transaction(|tx| {
            let mut meta = tx.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)")?;
            meta.execute(params!["origin_unix_us", origin_unix_us.to_string()])?;
            meta.execute(params!["id_epoch", epoch.as_str()])?;
            meta.execute(params!["next_endpoint", "0"])?;
            let mut merchant = tx.prepare(
                "INSERT INTO merchants (id, api_key) VALUES (?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET api_key = excluded.api_key",
            )?;
            for m in merchants {
                merchant.execute(params![m.id.as_str(), m.api_key])?;
            }
            Ok(())
        })
    }

    pub(super) fn payment_created(
        &self,
        record: &PaymentRecord,
        key: Option<&str>,
        simulate: Option<Simulate>,
        clock: &Clock,
    ) -> Result<(), StoreError> {
        let simulate = simulate.and_then(|s| serde_json::to_string(&s).ok());
        self.transaction(|tx| {
            tx.prepare_cached(
                "INSERT INTO payments (id, merchant_id, order_id, amount_cents, currency, status, \
                 outcome, created_at_us, settles_at_us, simulate) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                record.id.as_str(),
                record.merchant.as_str(),
                record.order_id.as_str(),
                record.amount_cents as i64,
                record.currency,
                name(&record.status),
                name(&record.outcome),
                clock.unix_us(record.created),
                clock.unix_us(record.settles_at),
                simulate,
            ])?;
            if let Some(key) = key {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO idempotency_keys (merchant_id, key, payment_id) \
                     VALUES (?1, ?2, ?3)",
                )?
                .execute(params![
                    record.merchant.as_str(),
                    key,
                    record.id.as_str()
                ])?;
            }
            Ok(())
        })
    }

    /// Saves `record` (new when `number` is given: the endpoint counter
    /// moves to it), and removes the endpoints it replaced.
    pub(super) fn endpoint_saved(
        &self,
        record: &EndpointRecord,
        number: Option<u64>,
        removed: &[EndpointId],
        clock: &Clock,
    ) -> Result<(), StoreError> {
        let retiring: Vec<(String, i64)> = record
            .retiring
            .iter()
            .map(|(s, until)| (s.to_text(), clock.unix_us(*until)))
            .collect();
        let retiring = serde_json::to_string(&retiring).unwrap_or_else(|_| "[]".to_owned());
        self.transaction(|tx| {
            for id in removed {
                tx.execute("DELETE FROM endpoints WHERE id = ?1", params![id.as_str()])?;
            }
            let number = match number {
                Some(n) => {
                    tx.execute(
                        "UPDATE meta SET value = ?1 WHERE key = 'next_endpoint'",
                        params![n.to_string()],
                    )?;
                    n as i64
                }
                None => tx
                    .query_row(
                        "SELECT number FROM endpoints WHERE id = ?1",
                        params![record.id.as_str()],
                        |r| r.get(0),
                    )
                    .optional()?
                    .unwrap_or(0),
            };
            tx.execute(
                "INSERT OR REPLACE INTO endpoints (id, number, merchant_id, url, secret, retiring, disabled) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    record.id.as_str(),
                    number,
                    record.merchant.as_str(),
                    record.url,
                    record.secret.to_text(),
                    retiring,
                    record.disabled,
                ],
            )?;
            Ok(())
        })
    }

    pub(super) fn endpoint_removed(&self, id: &EndpointId) -> Result<(), StoreError> {
        self.transaction(|tx| {
            tx.execute("DELETE FROM endpoints WHERE id = ?1", params![id.as_str()])?;
            Ok(())
        })
    }

    /// The transactional outbox: each payment's final status, its event and
    /// its outbox rows, all of a batch in one transaction.
    pub(super) fn settled(
        &self,
        rows: &[SettledRow<'_>],
    ) -> Result<Vec<Vec<OutboxRow>>, StoreError> {
        self.transaction(|tx| {
            let mut status =
                tx.prepare_cached("UPDATE payments SET status = ?1 WHERE id = ?2")?;
            let mut event = tx.prepare_cached(
                "INSERT INTO events (number, id, merchant_id, payment_id, type, created_at_us, body, \
                 delivery_state, delivery_attempts, redeliveries) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, 0)",
            )?;
            let mut outbox = tx.prepare_cached(
                "INSERT INTO outbox (event_id, endpoint_id, state, attempts, next_attempt_at_us, updated_at_us) \
                 VALUES (?1, ?2, 'pending', 0, ?3, ?3)",
            )?;
            let mut written = Vec::with_capacity(rows.len());
            for row in rows {
                let e = row.event;
                status.execute(params![name(&e.data.status), e.data.id.as_str()])?;
                let body = serde_json::to_string(e).unwrap_or_default();
                let number = e.id.number_in(&epoch_of(&e.id)).unwrap_or(0) as i64;
                event.execute(params![
                    number,
                    e.id.as_str(),
                    row.merchant.as_str(),
                    e.data.id.as_str(),
                    name(&e.kind),
                    row.created_us,
                    body,
                ])?;
                let mut mine = Vec::with_capacity(row.endpoints.len());
                for endpoint in &row.endpoints {
                    outbox.execute(params![e.id.as_str(), endpoint.as_str(), row.created_us])?;
                    mine.push(OutboxRow {
                        id: tx.last_insert_rowid(),
                        endpoint: endpoint.clone(),
                        resume: None,
                    });
                }
                written.push(mine);
            }
            Ok(written)
        })
    }

    pub(super) fn resend(
        &self,
        event: &EventId,
        redeliveries: Option<u32>,
        endpoints: &[EndpointId],
        now_us: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        self.transaction(|tx| {
            if let Some(n) = redeliveries {
                tx.execute(
                    "UPDATE events SET redeliveries = ?1 WHERE id = ?2",
                    params![n, event.as_str()],
                )?;
            }
            let mut outbox = tx.prepare_cached(
                "INSERT INTO outbox (event_id, endpoint_id, state, attempts, next_attempt_at_us, updated_at_us) \
                 VALUES (?1, ?2, 'pending', 0, ?3, ?3)",
            )?;
            let mut rows = Vec::new();
            for endpoint in endpoints {
                outbox.execute(params![event.as_str(), endpoint.as_str(), now_us])?;
                rows.push(OutboxRow {
                    id: tx.last_insert_rowid(),
                    endpoint: endpoint.clone(),
                    resume: None,
                });
            }
            Ok(rows)
        })
    }

    /// A batch of attempts: each one's row in `attempts`, its outbox row and
    /// its event's delivery state, in one transaction.
    pub(super) fn attempts(&self, rows: &[AttemptRow]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        self.transaction(|tx| {
            let mut log = tx.prepare_cached(
                "INSERT INTO attempts (outbox_id, event_id, endpoint_id, attempt, started_at_us, duration_us, result, next_attempt_at_us) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let mut outbox = tx.prepare_cached(
                "UPDATE outbox SET state = ?1, attempts = MAX(attempts, ?2), next_attempt_at_us = ?3, \
                 last_result = ?4, updated_at_us = ?5 WHERE id = ?6",
            )?;
            // Once an endpoint acknowledged, the event stays delivered (as
            // in the ledger).
            let mut event = tx.prepare_cached(
                "UPDATE events SET delivery_attempts = delivery_attempts + 1, \
                 delivery_state = CASE WHEN delivery_state = 'succeeded' THEN delivery_state ELSE ?1 END \
                 WHERE id = ?2",
            )?;
            for row in rows {
                if row.attempt > 0 {
                    log.execute(params![
                        row.outbox_id,
                        row.event_id.as_str(),
                        row.endpoint_id.as_str(),
                        row.attempt,
                        row.started_us,
                        row.duration_us as i64,
                        row.result,
                        row.next_attempt_at_us,
                    ])?;
                    event.execute(params![name(&row.event_state), row.event_id.as_str()])?;
                }
                outbox.execute(params![
                    row.state.as_str(),
                    row.attempt,
                    row.next_attempt_at_us,
                    row.result,
                    row.started_us + row.duration_us as i64,
                    row.outbox_id,
                ])?;
            }
            Ok(())
        })
    }
}

/// The id epoch an event id was minted in: what lies between `evt_` and
/// its last six or more digits.
fn epoch_of(id: &EventId) -> IdEpoch {
    epoch_from_text(
        id.as_str()
            .strip_prefix("evt_")
            .and_then(|rest| rest.rsplit_once('_'))
            .map_or("", |(epoch, _)| epoch),
    )
}

/// The [`IdEpoch`] spelled `text` (`1a2b3c4d`, or empty for none).
pub(super) fn epoch_from_text(text: &str) -> IdEpoch {
    let text = text.trim_end_matches('_');
    match u32::from_str_radix(text, 16) {
        // `from_seed` folds a seed to 32 bits; a 32-bit seed folds to itself.
        Ok(folded) if text.len() == 8 => IdEpoch::from_seed(u64::from(folded)),
        _ => IdEpoch::NONE,
    }
}

/// An enum stored by its serde name ([`name`]), read back.
pub(super) fn parse_name<T: serde::de::DeserializeOwned>(text: String) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text)).ok()
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(conn)
}

/// Whether the file at the other end of `conn` is new, hooklab's, or
/// neither (an error that says which).
/// Whether the file's first 72 bytes are an SQLite header carrying
/// hooklab's `application_id` (big-endian at offset 68): a corrupt hooklab
/// store, which --reset may empty, unlike any other unreadable file.
fn header_is_hooklabs(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 72];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
    read.is_ok()
        && header.starts_with(b"SQLite format 3\0")
        && header[68..72] == APPLICATION_ID.to_be_bytes()
}

fn identify(conn: &Connection, path: &Path) -> Result<Identity, StoreError> {
    let classify = |source: rusqlite::Error| match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::NotADatabase {
            path: path.to_path_buf(),
            hooklab: header_is_hooklabs(path),
            source,
        },
        _ => StoreError::Open {
            path: path.to_path_buf(),
            source,
        },
    };
    // SQLite reads the header only now: a file of random bytes fails here.
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
    if app == 0 && tables == 0 {
        return Ok(Identity::New);
    }
    if app != APPLICATION_ID {
        return Err(StoreError::Foreign {
            path: path.to_path_buf(),
            found: app,
        });
    }
    let version: i32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(classify)?;
    if version != SCHEMA_VERSION {
        return Err(StoreError::Version {
            path: path.to_path_buf(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    for table in TABLES {
        let found: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                params![table],
                |r| r.get(0),
            )
            .map_err(classify)?;
        if found == 0 {
            return Err(StoreError::BadRow {
                path: path.to_path_buf(),
                what: format!("table `{table}` is missing"),
            });
        }
    }
    Ok(Identity::Ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_reads_back_from_its_ids() {
        let epoch = IdEpoch::from_seed(0x1234_5678_9abc_def0);
        let id = EventId::numbered_in(&epoch, 42);
        assert_eq!(epoch_of(&id), epoch);
        assert_eq!(id.number_in(&epoch_of(&id)), Some(42));
        assert_eq!(epoch_of(&EventId::numbered(7)), IdEpoch::NONE);
        assert_eq!(epoch_from_text(epoch.as_str()), epoch);
        assert_eq!(epoch_from_text(""), IdEpoch::NONE);
    }
}
