//! The JSON that crosses the wire between the shop and the payment platform.
//!
//! These shapes follow what real payment providers do (Stripe, Adyen, Mercado
//! Pago): a payment object with a status, events that wrap the object they are
//! about, and one error shape for every bad request:
//! `{"error": {"code": "...", "message": "..."}}`.

use crate::duration::Dur;
use crate::ids::{EndpointId, EventId, OrderId, PaymentId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a payment is in its life. `Pending` moves once, to a final status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentStatus {
    /// The platform has not settled it yet.
    Pending,
    /// Settled: the money moved.
    Approved,
    /// Settled: the bank refused.
    Declined,
}

impl PaymentStatus {
    /// Whether this status is final (it will never change again).
    pub fn is_final(self) -> bool {
        !matches!(self, PaymentStatus::Pending)
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Approved => "approved",
            PaymentStatus::Declined => "declined",
        })
    }
}

/// How a payment ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The payment is approved.
    Approved,
    /// The payment is declined.
    Declined,
}

impl Outcome {
    /// The final status this outcome gives a payment.
    pub fn status(self) -> PaymentStatus {
        match self {
            Outcome::Approved => PaymentStatus::Approved,
            Outcome::Declined => PaymentStatus::Declined,
        }
    }

    /// The event type announcing this outcome.
    pub fn event_type(self) -> EventType {
        match self {
            Outcome::Approved => EventType::PaymentApproved,
            Outcome::Declined => EventType::PaymentDeclined,
        }
    }
}

/// The payment object, as `POST /v1/payments` and `GET /v1/payments/{id}` answer it
/// and as events carry it in `data`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The platform's id for the payment.
    pub id: PaymentId,
    /// The shop's order this payment pays for.
    pub order_id: OrderId,
    /// The amount, in the currency's smallest unit (centavos, cents).
    pub amount_cents: u64,
    /// ISO 4217 currency code, such as `BRL`.
    pub currency: String,
    /// Where the payment is in its life.
    pub status: PaymentStatus,
    /// When the platform created it (RFC 3339).
    pub created_at: String,
    /// When it settled (RFC 3339), or `null` while pending.
    pub settled_at: Option<String>,
}

/// The longest `order_id` the platform's `POST /v1/payments` accepts, in
/// bytes (as many ASCII characters). Every client that checks an order id
/// before sending it (`hooklab order --order-id`) checks this one bound, so
/// the two cannot disagree (the CLI once said 100 while the platform took
/// 200).
pub const MAX_ORDER_ID_BYTES: usize = 200;

/// The body of `POST /v1/payments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreatePayment {
    /// The shop's order id.
    pub order_id: OrderId,
    /// The amount, in the currency's smallest unit; must be positive.
    pub amount_cents: u64,
    /// Three upper-case letters (ISO 4217).
    pub currency: String,
    /// Test mode: ask for a settlement time and outcome, as providers' sandboxes allow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulate: Option<Simulate>,
}

/// Test-mode instructions in a payment creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Simulate {
    /// Settle this long after creation.
    pub settle_after_ms: Dur,
    /// How the payment ends (default approved).
    #[serde(default = "default_outcome")]
    pub outcome: Outcome,
}

fn default_outcome() -> Outcome {
    Outcome::Approved
}

/// The body of `POST /v1/webhook_endpoints`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateEndpoint {
    /// Where the platform will POST events.
    pub url: String,
}

/// A registered webhook endpoint, as the platform answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// The endpoint's id.
    pub id: EndpointId,
    /// Where events go.
    pub url: String,
    /// The signing secret (`whsec_` + base64), shown once at creation.
    pub secret: String,
}

/// The kinds of event the platform sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    /// A payment settled as approved.
    #[serde(rename = "payment.approved")]
    PaymentApproved,
    /// A payment settled as declined.
    #[serde(rename = "payment.declined")]
    PaymentDeclined,
}

impl EventType {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::PaymentApproved => "payment.approved",
            EventType::PaymentDeclined => "payment.declined",
        }
    }
}

/// An event, as the platform POSTs it to webhook endpoints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The event's id, the same on every delivery attempt.
    pub id: EventId,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// When it happened (RFC 3339).
    pub created_at: String,
    /// The payment it is about, as it was when the event happened.
    pub data: Payment,
}

/// Where an event's webhook deliveries stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not attempted yet (or no endpoint to send to).
    Pending,
    /// An attempt failed and another is scheduled.
    Retrying,
    /// An endpoint acknowledged it (2xx).
    Succeeded,
    /// Every attempt of the schedule failed, or the endpoint is gone.
    Failed,
}

/// One event in `GET /v1/events`, with its delivery state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedEvent {
    /// The event, as it is delivered.
    #[serde(flatten)]
    pub event: Event,
    /// Where its deliveries stand.
    pub delivery_state: DeliveryState,
    /// Delivery attempts so far.
    pub delivery_attempts: u32,
}

/// A page of `GET /v1/events?after=<cursor>&limit=N`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPage {
    /// Events after the cursor, oldest first.
    pub data: Vec<ListedEvent>,
    /// Whether more events follow this page.
    pub has_more: bool,
    /// The cursor for the next page: the id of the last event here (or the
    /// cursor asked with, if the page is empty). Pass it as `after`.
    pub next_after: Option<EventId>,
}

/// The body of `POST /v1/webhook_endpoints/{id}/recover`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoverRequest {
    /// Resend every failed event created at or after this instant (RFC 3339).
    pub since: String,
}

/// Which platform answers, as `GET /v1/platform` says it: what a shop's
/// inbox compares to know the platform that holds its orders, wherever it
/// listens now (a platform restarted on its data file on another port is
/// the same platform; one started afresh is another).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformInfo {
    /// The platform's id: the epoch its ids carry (`1a2b3c4d` in
    /// `pay_1a2b3c4d_000001`), kept in its data file from its first
    /// start. `None` for a platform whose ids carry no epoch (a virtual run).
    pub id: Option<String>,
    /// Whether it keeps its data in a file (`--data FILE`): its id then
    /// survives a restart. Without (`--data :memory:`) each start is a new
    /// platform, with a new id.
    pub durable: bool,
}

/// The error shape of every 4xx answer: `{"error": {"code", "message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The inside of [`ErrorBody`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable, machine-readable code, such as `not_found` or `invalid_json`.
    pub code: String,
    /// A sentence for the human reading it: what was wrong and what to do.
    pub message: String,
}

impl ErrorBody {
    /// An error body with this code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_and_event_have_the_documented_shape() {
        let p = Payment {
            id: PaymentId::numbered(1),
            order_id: OrderId::numbered(1),
            amount_cents: 4990,
            currency: "BRL".into(),
            status: PaymentStatus::Pending,
            created_at: "2026-01-01T00:00:00.000Z".into(),
            settled_at: None,
        };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["status"], "pending");
        assert!(v["settled_at"].is_null());
        let e = Event {
            id: EventId::numbered(1),
            kind: EventType::PaymentApproved,
            created_at: p.created_at.clone(),
            data: p,
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "payment.approved");
        assert_eq!(v["data"]["id"], "pay_000001");
    }

    #[test]
    fn create_payment_refuses_unknown_fields_and_reads_simulate() {
        let ok: CreatePayment = serde_json::from_str(
            r#"{"order_id":"o1","amount_cents":5,"currency":"BRL","simulate":{"settle_after_ms":500,"outcome":"declined"}}"#,
        )
        .unwrap();
        let sim = ok.simulate.unwrap();
        assert_eq!(sim.settle_after_ms, Dur::from_ms(500));
        assert_eq!(sim.outcome, Outcome::Declined);
        assert!(
            serde_json::from_str::<CreatePayment>(
                r#"{"order_id":"o","amount_cents":5,"currency":"BRL","x":1}"#
            )
            .is_err()
        );
    }
}
