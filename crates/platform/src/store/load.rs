//! Loading a store: every table read back into a [`Snapshot`], each row
//! checked (an edited or truncated row is reported, never a panic).

use super::sqlite::{epoch_from_text, parse_name};
use super::{
    OpenDelivery, Snapshot, StoreError, StoredAttempt, StoredEndpoint, StoredEvent, StoredPayment,
};
use crate::merchants::Merchant;
use hooklab_core::ids::{EndpointId, EventId, MerchantId, OrderId, PaymentId};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use std::path::Path;

/// Reads the whole store.
pub(super) fn load(conn: &Connection, path: &Path) -> Result<Snapshot, StoreError> {
    let read = |source: rusqlite::Error| match source.sqlite_error_code() {
        // Identified as hooklab's before loading: --reset may empty it.
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::NotADatabase {
            path: path.to_path_buf(),
            hooklab: true,
            source,
        },
        _ => StoreError::BadRow {
            path: path.to_path_buf(),
            what: source.to_string(),
        },
    };
    let bad = |what: String| StoreError::BadRow {
        path: path.to_path_buf(),
        what,
    };
    let meta = |key: &str| -> Result<Option<String>, StoreError> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
            r.get(0)
        })
        .optional()
        .map_err(read)
    };
    let mut snapshot = Snapshot {
        origin_unix_us: match meta("origin_unix_us")? {
            Some(v) => v
                .parse()
                .map_err(|_| bad(format!("meta origin_unix_us `{v}`")))?,
            None => 0,
        },
        epoch: epoch_from_text(&meta("id_epoch")?.unwrap_or_default()),
        next_endpoint: match meta("next_endpoint")? {
            Some(v) => v
                .parse()
                .map_err(|_| bad(format!("meta next_endpoint `{v}`")))?,
            None => 0,
        },
        ..Snapshot::default()
    };
    let mut stmt = conn
        .prepare("SELECT id, api_key FROM merchants ORDER BY id")
        .map_err(read)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Merchant {
                id: MerchantId(r.get(0)?),
                api_key: r.get(1)?,
            })
        })
        .map_err(read)?;
    for row in rows {
        snapshot.merchants.push(row.map_err(read)?);
    }

    let mut stmt = conn
        .prepare(
            "SELECT id, merchant_id, order_id, amount_cents, currency, status, outcome, \
             created_at_us, settles_at_us, simulate FROM payments ORDER BY number",
        )
        .map_err(read)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })
        .map_err(read)?;
    for row in rows {
        let (id, merchant, order, amount, currency, status, outcome, created, settles, simulate) =
            row.map_err(read)?;
        let what = || format!("payment `{id}`");
        snapshot.payments.push(StoredPayment {
            id: PaymentId(id.clone()),
            merchant: MerchantId(merchant),
            order_id: OrderId(order),
            amount_cents: u64::try_from(amount).map_err(|_| bad(what()))?,
            currency,
            status: parse_name(status).ok_or_else(|| bad(what()))?,
            outcome: parse_name(outcome).ok_or_else(|| bad(what()))?,
            created_us: created,
            settles_at_us: settles,
            simulate: match simulate {
                Some(s) => Some(serde_json::from_str(&s).map_err(|_| bad(what()))?),
                None => None,
            },
        });
    }

    let mut stmt = conn
        .prepare("SELECT merchant_id, key, payment_id FROM idempotency_keys")
        .map_err(read)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                MerchantId(r.get(0)?),
                r.get::<_, String>(1)?,
                PaymentId(r.get(2)?),
            ))
        })
        .map_err(read)?;
    for row in rows {
        snapshot.idempotency.push(row.map_err(read)?);
    }

    let mut stmt = conn
        .prepare(
            "SELECT id, merchant_id, url, secret, retiring, disabled FROM endpoints ORDER BY number",
        )
        .map_err(read)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, bool>(5)?,
            ))
        })
        .map_err(read)?;
    for row in rows {
        let (id, merchant, url, secret, retiring, disabled) = row.map_err(read)?;
        let retiring: Vec<(String, i64)> = serde_json::from_str(&retiring)
            .map_err(|_| bad(format!("endpoint `{id}`: retiring secrets")))?;
        snapshot.endpoints.push(StoredEndpoint {
            id: EndpointId(id),
            merchant: MerchantId(merchant),
            url,
            secret,
            retiring,
            disabled,
        });
    }

    let mut stmt = conn
        .prepare(
            "SELECT id, merchant_id, created_at_us, body, delivery_state, delivery_attempts, \
             redeliveries FROM events ORDER BY number",
        )
        .map_err(read)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, u32>(5)?,
                r.get::<_, u32>(6)?,
            ))
        })
        .map_err(read)?;
    for row in rows {
        let (id, merchant, created, body, state, attempts, redeliveries) = row.map_err(read)?;
        let what = || format!("event `{id}`");
        snapshot.events.push(StoredEvent {
            event: serde_json::from_str(&body).map_err(|_| bad(what()))?,
            merchant: MerchantId(merchant),
            created_us: created,
            state: parse_name(state).ok_or_else(|| bad(what()))?,
            attempts,
            redeliveries,
        });
    }

    let mut stmt = conn
        .prepare(
            "SELECT id, event_id, endpoint_id, attempts, next_attempt_at_us FROM outbox \
             WHERE state IN ('pending', 'retrying') ORDER BY id",
        )
        .map_err(read)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(OpenDelivery {
                outbox_id: r.get(0)?,
                event_id: EventId(r.get(1)?),
                endpoint_id: EndpointId(r.get(2)?),
                attempts: r.get(3)?,
                next_attempt_at_us: r.get(4)?,
            })
        })
        .map_err(read)?;
    for row in rows {
        snapshot.open_deliveries.push(row.map_err(read)?);
    }

    let mut stmt = conn
        .prepare(
            "SELECT event_id, endpoint_id, attempt, started_at_us, duration_us, result, \
             next_attempt_at_us FROM attempts ORDER BY id",
        )
        .map_err(read)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(StoredAttempt {
                event_id: EventId(r.get(0)?),
                endpoint_id: EndpointId(r.get(1)?),
                attempt: r.get(2)?,
                started_at_us: r.get(3)?,
                duration_us: r.get(4)?,
                result: r.get(5)?,
                next_attempt_at_us: r.get(6)?,
            })
        })
        .map_err(read)?;
    for row in rows {
        snapshot.attempts.push(row.map_err(read)?);
    }
    Ok(snapshot)
}
