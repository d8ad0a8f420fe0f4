//! The webhook dispatcher: the platform's outbound side.
//!
//! Settlement puts events on a queue; this worker takes them off and POSTs
//! each to every registered endpoint, one task per delivery, so a slow or dead
//! receiver delays only its own deliveries and never a poll (the API never
//! waits on the dispatcher). Every attempt is logged with its result, which is
//! what a real provider's delivery log shows and what the harness reads to
//! explain a missed order.

use crate::Shared;
use crate::ledger::EndpointRecord;
use bytes::Bytes;
use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::ids::{EndpointId, EventId, PaymentId};
use hooklab_core::shutdown::Shutdown;
use hooklab_core::wire::Event;
use serde::Serialize;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// How one delivery attempt ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptResult {
    /// The receiver answered with this HTTP status.
    Status(u16),
    /// No HTTP answer: `connect`, `broken`, `timeout` or `bad_url`.
    Error(&'static str),
}

impl AttemptResult {
    /// Whether the receiver accepted the event (any 2xx).
    pub fn is_success(&self) -> bool {
        matches!(self, AttemptResult::Status(s) if (200..300).contains(s))
    }

    /// A short description (`200`, `connect`).
    pub fn describe(&self) -> String {
        match self {
            AttemptResult::Status(s) => format!("HTTP {s}"),
            AttemptResult::Error(kind) => (*kind).to_owned(),
        }
    }
}

/// One attempt to deliver one event to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeliveryAttempt {
    /// The event (the same id on every attempt).
    pub event_id: EventId,
    /// The payment the event is about.
    pub payment_id: PaymentId,
    /// The endpoint.
    pub endpoint_id: EndpointId,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// When the attempt started, on the run's clock.
    pub started_at: Micros,
    /// How long it took.
    pub duration: Dur,
    /// How it ended.
    pub result: AttemptResult,
}

/// The log of every attempt. Attempts are appended by delivery tasks; the
/// mutex guards the vector and is held only for a push or a copy.
#[derive(Debug, Default)]
pub(crate) struct DeliveryLog {
    attempts: Mutex<Vec<DeliveryAttempt>>,
    /// Attempts started (counted when the request goes out, so that it can be
    /// compared with what receivers saw).
    started: AtomicU64,
}

impl DeliveryLog {
    fn record(&self, attempt: DeliveryAttempt) {
        self.attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(attempt);
    }

    pub(crate) fn attempts(&self) -> Vec<DeliveryAttempt> {
        self.attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn attempt_count(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }
}

/// The dispatcher worker: delivers each queued event to every endpoint until
/// `shutdown`.
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut events: mpsc::UnboundedReceiver<Event>,
    mut shutdown: Shutdown,
) {
    let mut inflight = JoinSet::new();
    loop {
        tokio::select! {
            biased;
            _ = shutdown.wait() => break,
            next = events.recv() => match next {
                Some(event) => {
                    let endpoints = shared.ledger().endpoints();
                    let body = match serde_json::to_vec(&event) {
                        Ok(b) => Bytes::from(b),
                        // An Event always serialises; skip it rather than panic.
                        Err(_) => continue,
                    };
                    for endpoint in endpoints {
                        inflight.spawn(deliver(shared.clone(), endpoint, event.id.clone(), event.data.id.clone(), body.clone()));
                    }
                }
                None => break,
            },
        }
        // Reap finished deliveries so the set does not grow with the run.
        while inflight.try_join_next().is_some() {}
    }
    inflight.abort_all();
}

/// One attempt to deliver one event to one endpoint.
async fn deliver(
    shared: Arc<Shared>,
    endpoint: EndpointRecord,
    event_id: EventId,
    payment_id: PaymentId,
    body: Bytes,
) {
    let clock = shared.clock;
    let started_at = clock.now();
    let request = http::Request::post(endpoint.uri.clone())
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, "hooklab-platform/0.1")
        .header("webhook-id", event_id.as_str())
        .header("webhook-timestamp", clock.unix_secs(started_at).to_string())
        .body(body);
    let result = match request {
        Ok(request) => {
            shared.deliveries.started.fetch_add(1, Ordering::Relaxed);
            let timeout = shared.config.delivery_timeout.to_std();
            match tokio::time::timeout(timeout, shared.http.send(request)).await {
                Ok(Ok(response)) => AttemptResult::Status(response.status().as_u16()),
                Ok(Err(e)) => AttemptResult::Error(e.kind()),
                Err(_) => AttemptResult::Error("timeout"),
            }
        }
        Err(_) => AttemptResult::Error("bad_url"),
    };
    shared.deliveries.record(DeliveryAttempt {
        event_id,
        payment_id,
        endpoint_id: endpoint.id,
        attempt: 1,
        started_at,
        duration: clock.now().since(started_at),
        result,
    });
}
