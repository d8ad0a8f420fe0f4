//! The platform's HTTP API.
//!
//! | route | what it does |
//! |---|---|
//! | `POST /v1/payments` | creates a payment (`Idempotency-Key` makes retries safe) |
//! | `GET /v1/payments/{id}` | answers the payment object: what a poller calls |
//! | `POST /v1/webhook_endpoints` | registers a URL to receive events |
//!
//! Handlers read the body as bytes and parse it themselves, so that every bad
//! body gets the API's own error shape (see [`crate::error`]) rather than the
//! framework's plain-text rejection.

use crate::Shared;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use hooklab_core::duration::Dur;
use hooklab_core::ids::PaymentId;
use hooklab_core::wire::{CreateEndpoint, CreatePayment, Outcome, WebhookEndpoint};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The API's router, on the platform's shared state.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/payments", post(create_payment))
        .route("/v1/payments/{id}", get(get_payment))
        .route("/v1/webhook_endpoints", post(create_endpoint))
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared)
}

/// Counts a refused request, then hands the error on.
fn refuse(shared: &Shared, e: ApiError) -> ApiError {
    shared.served.rejected.fetch_add(1, Ordering::Relaxed);
    e
}

/// The longest simulated settlement a test-mode request may ask for.
const MAX_SIMULATED_SETTLE: Dur = Dur::from_secs(30 * 86_400);

fn validate_payment(req: &CreatePayment) -> Result<(), ApiError> {
    if req.order_id.as_str().is_empty() || req.order_id.as_str().len() > 200 {
        return Err(ApiError::InvalidField {
            field: "order_id",
            message: "must be between 1 and 200 characters".to_owned(),
        });
    }
    if req.amount_cents == 0 || req.amount_cents > 1_000_000_000_000 {
        return Err(ApiError::InvalidField {
            field: "amount_cents",
            message: format!(
                "must be a positive amount in the smallest currency unit, got {}",
                req.amount_cents
            ),
        });
    }
    if !(req.currency.len() == 3 && req.currency.chars().all(|c| c.is_ascii_uppercase())) {
        return Err(ApiError::InvalidField {
            field: "currency",
            message: format!(
                "must be three capital letters (ISO 4217), such as \"BRL\"; got \"{}\"",
                req.currency
            ),
        });
    }
    if let Some(sim) = req.simulate
        && sim.settle_after_ms > MAX_SIMULATED_SETTLE
    {
        return Err(ApiError::InvalidField {
            field: "simulate.settle_after_ms",
            message: format!("at most 30 days, got {}", sim.settle_after_ms),
        });
    }
    Ok(())
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if !key.is_empty() && key.len() <= 255 => Ok(Some(key.to_owned())),
        _ => Err(ApiError::InvalidField {
            field: "Idempotency-Key",
            message: "must be 1 to 255 visible ASCII characters".to_owned(),
        }),
    }
}

async fn create_payment(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let result = (|| {
        let key = idempotency_key(&headers)?;
        let req: CreatePayment = ApiError::parse_json(&body)?;
        validate_payment(&req)?;
        let (after, outcome) = match req.simulate {
            Some(sim) => (sim.settle_after_ms, sim.outcome),
            None => shared
                .config
                .plan
                .lookup(&req.order_id)
                .unwrap_or((shared.config.default_settle, Outcome::Approved)),
        };
        let now = shared.clock.now();
        let (record, replayed) = shared.ledger().create(req, key, now, after, outcome)?;
        Ok((record, replayed))
    })();
    let (record, replayed) = result.map_err(|e| refuse(&shared, e))?;
    if !replayed {
        // Wake the settlement worker: this payment may settle before any other.
        shared.schedule_changed.notify_one();
    }
    shared
        .served
        .payment_creates
        .fetch_add(1, Ordering::Relaxed);
    let mut response = (StatusCode::CREATED, Json(record.to_wire(&shared.clock))).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

async fn get_payment(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = PaymentId(id);
    let now = shared.clock.now();
    let (payment, event) = {
        let mut ledger = shared.ledger();
        // A read after the settlement instant settles the payment on the spot.
        let event = ledger.settle_if_due(&id, now, &shared.clock);
        match ledger.get(&id) {
            Some(record) => (record.to_wire(&shared.clock), event),
            None => {
                drop(ledger);
                return Err(refuse(
                    &shared,
                    ApiError::NotFound {
                        what: "payment",
                        id: id.0,
                    },
                ));
            }
        }
    };
    if let Some(event) = event {
        let _ = shared.events.send(event);
    }
    shared.served.polls.fetch_add(1, Ordering::Relaxed);
    if !payment.status.is_final() {
        shared.served.polls_pending.fetch_add(1, Ordering::Relaxed);
    }
    Ok(Json(payment).into_response())
}

async fn create_endpoint(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let result = (|| {
        let req: CreateEndpoint = ApiError::parse_json(&body)?;
        let uri: http::Uri = req.url.parse().map_err(|_| ApiError::InvalidField {
            field: "url",
            message: format!("`{}` is not a URL", req.url),
        })?;
        hooklab_core::http::ensure_loopback(&uri).map_err(|e| ApiError::InvalidField {
            field: "url",
            message: e.to_string(),
        })?;
        Ok(shared.ledger().add_endpoint(req.url, uri))
    })();
    let record = result.map_err(|e| refuse(&shared, e))?;
    shared
        .served
        .endpoint_registrations
        .fetch_add(1, Ordering::Relaxed);
    let body = WebhookEndpoint {
        id: record.id,
        url: record.url,
        secret: record.secret.to_text(),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn no_route(State(shared): State<Arc<Shared>>, uri: http::Uri) -> ApiError {
    refuse(&shared, ApiError::NoRoute(uri.path().to_owned()))
}

async fn method_not_allowed(State(shared): State<Arc<Shared>>) -> ApiError {
    refuse(&shared, ApiError::MethodNotAllowed)
}
