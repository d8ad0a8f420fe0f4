//! The webhook dispatcher: the platform's outbound side.
//!
//! Settlement puts events on a queue; this worker takes them off and POSTs
//! each to every endpoint of the event's merchant, one task per delivery, so a
//! slow or dead receiver delays only its own deliveries and never a poll (the
//! API never waits on the dispatcher). Every attempt is logged with its
//! result, which is what a real provider's delivery log shows and what the
//! harness reads to explain a missed order.
//!
//! Each endpoint has at most [`MAX_IN_FLIGHT_PER_ENDPOINT`] attempts in
//! flight: a burst of settlements queues up here instead of opening thousands
//! of connections at once and overflowing the receiver's accept queue.

use crate::Shared;
use crate::ledger::EndpointRecord;
use bytes::Bytes;
use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::ids::MerchantId;
use hooklab_core::ids::{EndpointId, EventId, PaymentId};
use hooklab_core::shutdown::Shutdown;
use hooklab_core::wire::{DeliveryState, Event};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Semaphore;
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
    /// When the next attempt is due, if there will be one.
    pub next_attempt_at: Option<Micros>,
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

/// The most attempts in flight to one endpoint at once.
pub const MAX_IN_FLIGHT_PER_ENDPOINT: usize = 64;

/// What goes on the dispatcher's queue.
#[derive(Clone, Debug)]
pub(crate) struct Dispatch {
    /// The event.
    pub(crate) event: Event,
    /// Whose it is: only that merchant's endpoints receive it.
    pub(crate) merchant: MerchantId,
    /// Send to this endpoint only (a redelivery or recovery), or to all.
    pub(crate) only: Option<EndpointId>,
}

/// The dispatcher worker: hands each queued event to a delivery task per
/// endpoint, until `shutdown`.
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut queue: mpsc::UnboundedReceiver<Dispatch>,
    mut shutdown: Shutdown,
) {
    let mut inflight = JoinSet::new();
    // One gate per endpoint. Only this task touches the map.
    let mut gates: HashMap<EndpointId, Arc<Semaphore>> = HashMap::new();
    loop {
        tokio::select! {
            biased;
            _ = shutdown.wait() => break,
            next = queue.recv() => match next {
                Some(dispatch) => {
                    let endpoints = shared.ledger().endpoints_of(&dispatch.merchant, dispatch.only.as_ref());
                    let body = match serde_json::to_vec(&dispatch.event) {
                        Ok(b) => Bytes::from(b),
                        // An Event always serialises; skip it rather than panic.
                        Err(_) => continue,
                    };
                    for endpoint in endpoints {
                        let gate = gates
                            .entry(endpoint.id.clone())
                            .or_insert_with(|| Arc::new(Semaphore::new(MAX_IN_FLIGHT_PER_ENDPOINT)))
                            .clone();
                        let delivery = Delivery {
                            endpoint,
                            event_id: dispatch.event.id.clone(),
                            payment_id: dispatch.event.data.id.clone(),
                            order_id: dispatch.event.data.order_id.clone(),
                            body: body.clone(),
                            gate,
                        };
                        // Fault injection: a sender that sometimes delivers
                        // twice, as at-least-once senders do.
                        if shared.chance(shared.config.duplicate_rate) {
                            inflight.spawn(deliver(shared.clone(), delivery.clone(), shutdown.clone()));
                        }
                        inflight.spawn(deliver(shared.clone(), delivery, shutdown.clone()));
                    }
                }
                None => break,
            },
        }
        // Reap finished deliveries so the set does not grow with the run.
        while inflight.try_join_next().is_some() {}
    }
    // Let attempts already on the wire finish and be logged (deliveries that
    // are waiting for a retry see the shutdown and stop at once), so that the
    // log and the receiver's count agree. Each attempt is bounded by its
    // timeout.
    while inflight.join_next().await.is_some() {}
}

/// One event on its way to one endpoint.
#[derive(Clone)]
struct Delivery {
    endpoint: EndpointRecord,
    event_id: EventId,
    payment_id: PaymentId,
    order_id: hooklab_core::ids::OrderId,
    body: Bytes,
    /// The endpoint's in-flight cap.
    gate: Arc<Semaphore>,
}

/// Delivers one event to one endpoint, retrying on the schedule until it is
/// accepted, the endpoint answers 410 Gone, or the schedule runs out.
///
/// Each delay of the schedule counts from the previous failure, is moved by
/// up to ±jitter at random (seeded), and is stretched to a `Retry-After` the
/// receiver asked for with a 429 or 503. The event id is the same on every
/// attempt, so the receiver can deduplicate.
async fn deliver(shared: Arc<Shared>, delivery: Delivery, mut shutdown: Shutdown) {
    let clock = shared.clock;
    let schedule = shared.config.delivery.retry_schedule.clone();
    let mut retry_after = Dur::ZERO;
    for (index, delay) in schedule.iter().enumerate() {
        let mut wait = shared.jittered(*delay).max(retry_after);
        if index == 0 && shared.config.reorder > Dur::ZERO {
            // Fault injection: hold the first attempt back at random, so
            // events overtake one another on their way.
            let held = shared.rng.next_f64() * shared.config.reorder.as_us() as f64;
            wait = Dur(wait.as_us() + held as u64);
        }
        // A zero wait must not go through the timer: tokio's timer fires on
        // its next 1 ms tick, which would add up to a millisecond to every
        // first delivery.
        if wait > Dur::ZERO {
            let at = clock.now().plus(wait);
            tokio::select! {
                biased;
                _ = shutdown.wait() => return,
                _ = clock.sleep_until(at) => {}
            }
        }
        if !shared.ledger().endpoint_enabled(&delivery.endpoint.id) {
            return;
        }
        let Ok(_permit) = delivery.gate.acquire().await else {
            return;
        };
        let started_at = clock.now();
        let (result, asked_wait) = attempt(&shared, &delivery, started_at).await;
        let gone = result == AttemptResult::Status(410);
        let done = result.is_success() || gone;
        let last = index + 1 == schedule.len();
        let next_attempt_at = match schedule.get(index + 1) {
            Some(next) if !done => Some(clock.now().plus(*next)),
            _ => None,
        };
        let state = if result.is_success() {
            DeliveryState::Succeeded
        } else if gone || last {
            DeliveryState::Failed
        } else {
            DeliveryState::Retrying
        };
        {
            let mut ledger = shared.ledger();
            ledger.note_attempt(&delivery.event_id, state);
            if gone {
                // 410 Gone: the receiver says this endpoint will never come back.
                ledger.disable_endpoint(&delivery.endpoint.id);
            }
        }
        shared
            .config
            .events
            .emit(clock.now(), || hooklab_core::events::Happening::Delivery {
                order: delivery.order_id.clone(),
                attempt: index as u32 + 1,
                result: result.describe(),
                ok: result.is_success(),
            });
        shared.deliveries.record(DeliveryAttempt {
            event_id: delivery.event_id.clone(),
            payment_id: delivery.payment_id.clone(),
            endpoint_id: delivery.endpoint.id.clone(),
            attempt: index as u32 + 1,
            started_at,
            duration: clock.now().since(started_at),
            result,
            next_attempt_at,
        });
        if done {
            return;
        }
        retry_after = asked_wait.unwrap_or(Dur::ZERO);
    }
}

/// One signed POST, with its timeout. Returns the result and, for a 429 or
/// 503 with `Retry-After: <seconds>`, how long the receiver asked to wait.
async fn attempt(
    shared: &Shared,
    delivery: &Delivery,
    started_at: Micros,
) -> (AttemptResult, Option<Dur>) {
    let timestamp = shared.clock.unix_secs(started_at);
    // During a rotation, sign with every live secret (space-separated), so a
    // receiver that knows either one accepts the delivery.
    let signature = delivery
        .endpoint
        .signing_secrets(started_at)
        .iter()
        .map(|s| s.sign(delivery.event_id.as_str(), timestamp, &delivery.body))
        .collect::<Vec<_>>()
        .join(" ");
    let request = http::Request::post(delivery.endpoint.uri.clone())
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, "hooklab-platform/0.1")
        .header("webhook-id", delivery.event_id.as_str())
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(delivery.body.clone());
    let Ok(request) = request else {
        return (AttemptResult::Error("bad_url"), None);
    };
    shared.deliveries.started.fetch_add(1, Ordering::Relaxed);
    let timeout = shared.config.delivery.timeout_ms.to_std();
    match tokio::time::timeout(timeout, shared.http.send(request)).await {
        Ok(Ok(response)) => {
            let status = response.status().as_u16();
            let asked = if status == 429 || status == 503 {
                response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|secs| Dur::from_secs(secs.min(86_400)))
            } else {
                None
            };
            (AttemptResult::Status(status), asked)
        }
        Ok(Err(e)) => (AttemptResult::Error(e.kind()), None),
        Err(_) => (AttemptResult::Error("timeout"), None),
    }
}
