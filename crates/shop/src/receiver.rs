//! The webhook strategy's receiver: `POST /webhooks/payments`.
//!
//! A good receiver does as little as possible before it answers: it parses
//! the event, applies it to the order book (idempotently) and answers 2xx at
//! once. Anything slow belongs after the answer, because the sender is
//! waiting and will retry if it times out.

use crate::orders::{Channel, Notice, OrderBook};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::wire::{ErrorBody, Event};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The path the shop's receiver listens on.
pub const WEBHOOK_PATH: &str = "/webhooks/payments";

/// What the receiver saw, by result.
#[derive(Debug, Default)]
pub struct ReceivedCounts {
    /// Every request that reached the receiver's path.
    pub deliveries: AtomicU64,
    /// Deliveries that told the shop something new.
    pub learned: AtomicU64,
    /// Deliveries of an outcome the shop already knew.
    pub duplicates: AtomicU64,
    /// Deliveries of an event type the shop does not handle (acknowledged).
    pub ignored: AtomicU64,
    /// Deliveries refused as malformed.
    pub malformed: AtomicU64,
}

/// The receiver's state.
pub struct Receiver {
    clock: Clock,
    book: Arc<OrderBook>,
    counts: ReceivedCounts,
}

impl Receiver {
    /// A receiver that records outcomes in `book`.
    pub fn new(clock: Clock, book: Arc<OrderBook>) -> Arc<Self> {
        Arc::new(Receiver {
            clock,
            book,
            counts: ReceivedCounts::default(),
        })
    }

    /// What the receiver saw so far.
    pub fn counts(&self) -> &ReceivedCounts {
        &self.counts
    }
}

/// The receiver's router.
pub fn router(receiver: Arc<Receiver>) -> Router {
    Router::new()
        .route(WEBHOOK_PATH, post(receive))
        .with_state(receiver)
}

async fn receive(State(receiver): State<Arc<Receiver>>, body: Bytes) -> Response {
    let now = receiver.clock.now();
    let counts = &receiver.counts;
    counts.deliveries.fetch_add(1, Ordering::Relaxed);
    // Parse loosely first: an event type we do not know is acknowledged and
    // ignored (providers add types over time), not refused.
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            counts.malformed.fetch_add(1, Ordering::Relaxed);
            let error = ErrorBody::new("invalid_json", format!("the body is not JSON: {e}"));
            return (StatusCode::BAD_REQUEST, Json(error)).into_response();
        }
    };
    let kind = value.get("type").and_then(|t| t.as_str()).unwrap_or("");
    if !kind.starts_with("payment.") || !matches!(kind, "payment.approved" | "payment.declined") {
        counts.ignored.fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::OK,
            Json(json!({"received": true, "ignored": kind})),
        )
            .into_response();
    }
    let event: Event = match serde_json::from_value(value) {
        Ok(e) => e,
        Err(e) => {
            counts.malformed.fetch_add(1, Ordering::Relaxed);
            let error = ErrorBody::new(
                "invalid_event",
                format!("the event does not have the documented shape: {e}"),
            );
            return (StatusCode::BAD_REQUEST, Json(error)).into_response();
        }
    };
    match receiver.book.record(
        &event.data.order_id,
        event.data.status,
        Channel::Webhook,
        now,
    ) {
        Notice::Learned => counts.learned.fetch_add(1, Ordering::Relaxed),
        Notice::Duplicate => counts.duplicates.fetch_add(1, Ordering::Relaxed),
        Notice::StillPending | Notice::UnknownOrder => {
            counts.ignored.fetch_add(1, Ordering::Relaxed)
        }
    };
    (StatusCode::OK, Json(json!({"received": true}))).into_response()
}
