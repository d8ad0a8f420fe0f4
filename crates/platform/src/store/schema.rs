//! The SQLite schema of the platform's store: one table per thing the
//! platform keeps, readable with `sqlite3 hooklab-platform.sqlite`
//! (docs/database.md describes every column).
//!
//! Instants are stored as unix time in microseconds (`*_us` columns), not as
//! the run clock's offsets: a restarted platform has a new clock, and the
//! file must mean the same thing to it, and to a student reading it.
//!
//! The file says it is hooklab's with SQLite's `application_id` (a number in
//! the database header meant for exactly this) and its schema version with
//! `user_version`, so a foreign or future database is refused rather than
//! written over.

/// `PRAGMA application_id` of a hooklab platform store: "hklb" in ASCII.
pub(crate) const APPLICATION_ID: i32 = 0x686b_6c62;

/// `PRAGMA user_version`: the schema below. A file with another version is
/// refused (there is no older schema to migrate from yet).
pub(crate) const SCHEMA_VERSION: i32 = 1;

/// Creates every table of a new store (in one transaction, with the pragmas
/// that mark the file as hooklab's).
pub(crate) const CREATE: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE merchants (
    id      TEXT PRIMARY KEY,
    api_key TEXT NOT NULL UNIQUE
);
CREATE TABLE payments (
    number        INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    merchant_id   TEXT NOT NULL,
    order_id      TEXT NOT NULL,
    amount_cents  INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    status        TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    settles_at_us INTEGER NOT NULL,
    simulate      TEXT
);
CREATE INDEX payments_pending ON payments (settles_at_us) WHERE status = 'pending';
CREATE TABLE idempotency_keys (
    merchant_id TEXT NOT NULL,
    key         TEXT NOT NULL,
    payment_id  TEXT NOT NULL,
    PRIMARY KEY (merchant_id, key)
);
CREATE TABLE endpoints (
    id          TEXT PRIMARY KEY,
    number      INTEGER NOT NULL,
    merchant_id TEXT NOT NULL,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    retiring    TEXT NOT NULL,
    disabled    INTEGER NOT NULL
);
CREATE TABLE events (
    number            INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    merchant_id       TEXT NOT NULL,
    payment_id        TEXT NOT NULL,
    type              TEXT NOT NULL,
    created_at_us     INTEGER NOT NULL,
    body              TEXT NOT NULL,
    delivery_state    TEXT NOT NULL,
    delivery_attempts INTEGER NOT NULL,
    redeliveries      INTEGER NOT NULL
);
CREATE TABLE outbox (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id           TEXT NOT NULL,
    endpoint_id        TEXT NOT NULL,
    state              TEXT NOT NULL,
    attempts           INTEGER NOT NULL,
    next_attempt_at_us INTEGER,
    last_result        TEXT,
    updated_at_us      INTEGER NOT NULL
);
CREATE INDEX outbox_open ON outbox (next_attempt_at_us) WHERE state IN ('pending', 'retrying');
CREATE TABLE attempts (
    id            INTEGER PRIMARY KEY,
    outbox_id     INTEGER NOT NULL,
    event_id      TEXT NOT NULL,
    endpoint_id   TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    started_at_us INTEGER NOT NULL,
    duration_us   INTEGER NOT NULL,
    result        TEXT NOT NULL,
    next_attempt_at_us INTEGER
);
"#;

/// Adds `attempts.next_attempt_at_us` to a file made before it existed: a
/// nullable column, so the schema version stays 1 (an older hooklab names
/// its columns when it writes, and ignores this one).
pub(crate) const ADD_ATTEMPT_SCHEDULE: &str =
    "ALTER TABLE attempts ADD COLUMN next_attempt_at_us INTEGER";

/// The tables [`CREATE`] makes, to tell a half-made file from a foreign one.
pub(crate) const TABLES: [&str; 8] = [
    "meta",
    "merchants",
    "payments",
    "idempotency_keys",
    "endpoints",
    "events",
    "outbox",
    "attempts",
];
