//! The platform's API, driven through `tower::ServiceExt::oneshot`: no socket,
//! paused tokio time, so settlement instants are exact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::http::{HttpClient, SendFuture};
use hooklab_core::ids::OrderId;
use hooklab_core::shutdown;
use hooklab_core::wire::{Event, Outcome};
use hooklab_platform::{Platform, PlatformConfig, SettlementPlan};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

/// An outbound client that records what the dispatcher sends and answers 200.
#[derive(Default)]
struct RecordingHttp {
    sent: Mutex<Vec<Request<Bytes>>>,
}

impl HttpClient for RecordingHttp {
    fn send(&self, request: Request<Bytes>) -> SendFuture {
        self.sent.lock().unwrap().push(request);
        Box::pin(async {
            Ok(http::Response::builder()
                .status(200)
                .body(Bytes::new())
                .unwrap())
        })
    }
}

fn platform(plan: SettlementPlan) -> (Platform, Arc<RecordingHttp>) {
    let http = Arc::new(RecordingHttp::default());
    let config = PlatformConfig {
        plan,
        ..PlatformConfig::default()
    };
    (
        Platform::new(
            Clock::starting_now(1_767_225_600_000_000),
            config,
            http.clone(),
        ),
        http,
    )
}

async fn call(
    p: &Platform,
    method: &str,
    uri: &str,
    body: Option<&str>,
    key: Option<&str>,
) -> (StatusCode, http::HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let req = req
        .header("content-type", "application/json")
        .body(
            body.map(|b| Body::from(b.to_owned()))
                .unwrap_or_else(Body::empty),
        )
        .unwrap();
    let res = p.router().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, headers, value)
}

const ORDER: &str = r#"{"order_id": "ord_000001", "amount_cents": 4990, "currency": "BRL"}"#;

#[tokio::test(start_paused = true)]
async fn a_payment_is_created_pending_and_settles_at_its_planned_instant() {
    let plan = SettlementPlan::new([(OrderId::numbered(1), Dur::from_ms(500), Outcome::Declined)]);
    let (p, _) = platform(plan);
    let (status, _, created) = call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    assert_eq!(status, StatusCode::CREATED);
    for field in [
        "id",
        "order_id",
        "amount_cents",
        "currency",
        "status",
        "created_at",
        "settled_at",
    ] {
        assert!(created.get(field).is_some(), "missing {field} in {created}");
    }
    assert_eq!(created["status"], "pending");
    assert!(created["settled_at"].is_null());
    let uri = format!("/v1/payments/{}", created["id"].as_str().unwrap());

    tokio::time::advance(Duration::from_millis(499)).await;
    let (_, _, before) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(before["status"], "pending");

    tokio::time::advance(Duration::from_millis(1)).await;
    // No worker is running: the read itself settles a payment whose time came.
    let (status, _, after) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after["status"], "declined");
    assert_eq!(after["settled_at"], "2026-01-01T00:00:00.500Z");
    let settled = p.settlements();
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].settled_at.0, 500_000);
    let served = p.served();
    assert_eq!(
        (served.payment_creates, served.polls, served.polls_pending),
        (1, 2, 1)
    );
}

#[tokio::test(start_paused = true)]
async fn simulate_asks_for_a_settlement_time_and_outcome() {
    let (p, _) = platform(SettlementPlan::default());
    let body = r#"{"order_id": "hand-made", "amount_cents": 100, "currency": "BRL", "simulate": {"settle_after_ms": "250ms", "outcome": "declined"}}"#;
    let (_, _, created) = call(&p, "POST", "/v1/payments", Some(body), None).await;
    tokio::time::advance(Duration::from_millis(250)).await;
    let (_, _, after) = call(
        &p,
        "GET",
        &format!("/v1/payments/{}", created["id"].as_str().unwrap()),
        None,
        None,
    )
    .await;
    assert_eq!(after["status"], "declined");
}

#[tokio::test(start_paused = true)]
async fn an_idempotency_key_makes_a_retry_return_the_same_payment() {
    let (p, _) = platform(SettlementPlan::default());
    let (s1, _, first) = call(&p, "POST", "/v1/payments", Some(ORDER), Some("k1")).await;
    let (s2, h2, second) = call(&p, "POST", "/v1/payments", Some(ORDER), Some("k1")).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    let other = ORDER.replace("4990", "5000");
    let (s3, _, conflict) = call(&p, "POST", "/v1/payments", Some(&other), Some("k1")).await;
    assert_eq!(s3, StatusCode::CONFLICT);
    assert_eq!(conflict["error"]["code"], "idempotency_conflict");
    // Without a key, the same body is a second payment.
    let (_, _, third) = call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    assert_ne!(first["id"], third["id"]);
}

#[tokio::test(start_paused = true)]
async fn bad_input_gets_a_4xx_with_the_error_shape_and_changes_nothing() {
    let (p, _) = platform(SettlementPlan::default());
    let cases: &[(&str, &str, Option<&str>, StatusCode, &str)] = &[
        (
            "POST",
            "/v1/payments",
            Some("{not json"),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "POST",
            "/v1/payments",
            Some(""),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "POST",
            "/v1/payments",
            Some(r#"{"order_id": "o", "currency": "BRL"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/payments",
            Some(r#"{"order_id": "o", "amount_cents": "ten", "currency": "BRL"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/payments",
            Some(r#"{"order_id": "o", "amount_cents": -5, "currency": "BRL"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/payments",
            Some(r#"{"order_id": "o", "amount_cents": 0, "currency": "BRL"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            "POST",
            "/v1/payments",
            Some(r#"{"order_id": "o", "amount_cents": 5, "currency": "reais"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            "POST",
            "/v1/payments",
            Some(r#"{"order_id": "o", "amount_cents": 5, "currency": "BRL", "tip": 1}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            "GET",
            "/v1/payments/pay_999999",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "POST",
            "/v1/webhook_endpoints",
            Some(r#"{"url": "http://10.0.0.8/hook"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            "POST",
            "/v1/webhook_endpoints",
            Some(r#"{"url": 7}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            "GET",
            "/v2/anything",
            None,
            StatusCode::NOT_FOUND,
            "no_route",
        ),
        (
            "DELETE",
            "/v1/payments",
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    for (method, uri, body, want_status, want_code) in cases {
        let (status, _, value) = call(&p, method, uri, *body, None).await;
        assert_eq!(status, *want_status, "{method} {uri} {body:?}: {value}");
        assert_eq!(
            value["error"]["code"], *want_code,
            "{method} {uri} {body:?}: {value}"
        );
        assert!(
            value["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let served = p.served();
    assert_eq!(served.payment_creates, 0);
    assert_eq!(served.rejected, cases.len() as u64);
    assert!(p.settlements().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_settlement_is_delivered_once_to_each_endpoint() {
    let plan = SettlementPlan::new([(OrderId::numbered(1), Dur::from_ms(100), Outcome::Approved)]);
    let (p, http) = platform(plan);
    let (trigger, shutdown) = shutdown::channel();
    let workers = p.spawn_workers(shutdown);
    let (status, _, endpoint) = call(
        &p,
        "POST",
        "/v1/webhook_endpoints",
        Some(r#"{"url": "http://127.0.0.1:9/webhooks/payments"}"#),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(endpoint["secret"].as_str().unwrap().starts_with("whsec_"));
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    // Paused time: sleeping lets tokio jump to the settlement instant.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let sent = std::mem::take(&mut *http.sent.lock().unwrap());
    assert_eq!(sent.len(), 1);
    let req = &sent[0];
    assert_eq!(req.method(), "POST");
    assert_eq!(req.uri(), "http://127.0.0.1:9/webhooks/payments");
    let event: Event = serde_json::from_slice(req.body()).unwrap();
    assert_eq!(event.kind.as_str(), "payment.approved");
    assert_eq!(event.data.order_id, OrderId::numbered(1));
    assert_eq!(req.headers()["webhook-id"], event.id.as_str());
    let attempts = p.delivery_attempts();
    assert_eq!(attempts.len(), 1);
    assert!(attempts[0].result.is_success());
    assert_eq!(
        attempts[0].started_at.0, 100_000,
        "delivered at the settlement instant"
    );
    assert_eq!(p.served().webhook_attempts, 1);
    trigger.trigger();
    for w in workers {
        w.await.unwrap();
    }
}
