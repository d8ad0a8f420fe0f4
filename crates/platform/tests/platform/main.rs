//! The platform's API, driven through `tower::ServiceExt::oneshot`: no socket,
//! paused tokio time, so settlement and retry instants are exact.
//!
//! One test binary, with its modules: `router_props` throws arbitrary
//! requests at the router; `retention` checks what the platform forgets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod durable;
mod limits;
mod retention;
mod robust;
mod router_props;

use axum::body::Body;
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::http::{HttpClient, SendFuture};
use hooklab_core::ids::{MerchantId, OrderId};
use hooklab_core::scenario::DeliverySettings;
use hooklab_core::shutdown::{self, ShutdownTrigger};
use hooklab_core::signature::{self, WebhookSecret};
use hooklab_core::wire::{Event, Outcome};
use hooklab_platform::{Merchant, Platform, PlatformConfig, SettlementPlan};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

/// An outbound client that records what the dispatcher sends, and answers
/// from a script (then 200): the platform's side of a `TestReceiver`.
#[derive(Default)]
struct RecordingHttp {
    sent: Mutex<Vec<(tokio::time::Instant, Request<Bytes>)>>,
    script: Mutex<VecDeque<(u16, Option<&'static str>)>>,
}

impl RecordingHttp {
    fn answering(script: &[(u16, Option<&'static str>)]) -> Arc<Self> {
        let http = RecordingHttp::default();
        http.script.lock().unwrap().extend(script.iter().copied());
        Arc::new(http)
    }

    fn take(&self) -> Vec<(tokio::time::Instant, Request<Bytes>)> {
        std::mem::take(&mut *self.sent.lock().unwrap())
    }
}

impl HttpClient for RecordingHttp {
    fn send(&self, request: Request<Bytes>) -> SendFuture {
        self.sent
            .lock()
            .unwrap()
            .push((tokio::time::Instant::now(), request));
        let (status, retry_after) = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or((200, None));
        Box::pin(async move {
            let mut response = http::Response::builder().status(status);
            if let Some(r) = retry_after {
                response = response.header("retry-after", r);
            }
            Ok(response.body(Bytes::new()).unwrap())
        })
    }
}

const KEY: &str = "sk_test_alice";
const OTHER_KEY: &str = "sk_test_bob";
const EPOCH_US: i64 = 1_767_225_600_000_000;

fn config(plan: SettlementPlan) -> PlatformConfig {
    PlatformConfig {
        plan,
        merchants: vec![
            Merchant {
                id: MerchantId::numbered(1),
                api_key: KEY.to_owned(),
            },
            Merchant {
                id: MerchantId::numbered(2),
                api_key: OTHER_KEY.to_owned(),
            },
        ],
        ..PlatformConfig::default()
    }
}

fn platform(plan: SettlementPlan) -> (Platform, Arc<RecordingHttp>) {
    let http = Arc::new(RecordingHttp::default());
    (
        Platform::new(Clock::starting_now(EPOCH_US), config(plan), http.clone()),
        http,
    )
}

fn one_order(after_ms: u64) -> SettlementPlan {
    SettlementPlan::new([(
        OrderId::numbered(1),
        Dur::from_ms(after_ms),
        Outcome::Approved,
    )])
}

async fn call(
    p: &Platform,
    method: &str,
    uri: &str,
    body: Option<&str>,
    key: Option<&str>,
) -> (StatusCode, http::HeaderMap, Value) {
    call_as(p, Some(KEY), method, uri, body, key).await
}

async fn call_as(
    p: &Platform,
    api_key: Option<&str>,
    method: &str,
    uri: &str,
    body: Option<&str>,
    key: Option<&str>,
) -> (StatusCode, http::HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(api_key) = api_key {
        req = req.header("authorization", format!("Bearer {api_key}"));
    }
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

/// Starts the platform's workers; dropping the trigger stops them.
fn start(p: &Platform) -> ShutdownTrigger {
    let (trigger, shutdown) = shutdown::channel();
    p.spawn_workers(shutdown);
    trigger
}

async fn register(p: &Platform) -> WebhookSecret {
    let (status, _, endpoint) = call(
        p,
        "POST",
        "/v1/webhook_endpoints",
        Some(r#"{"url": "http://127.0.0.1:9/webhooks/payments"}"#),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");
    WebhookSecret::parse(endpoint["secret"].as_str().unwrap()).unwrap()
}

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
    // Keys are per merchant: another merchant's same key is its own.
    let (s4, _, bobs) = call_as(
        &p,
        Some(OTHER_KEY),
        "POST",
        "/v1/payments",
        Some(ORDER),
        Some("k1"),
    )
    .await;
    assert_eq!(s4, StatusCode::CREATED);
    assert_ne!(bobs["id"], first["id"]);
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
            "POST",
            "/v1/webhook_endpoints/we_000009/rotate_secret",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "POST",
            "/v1/webhook_endpoints/we_000009/recover",
            Some(r#"{"since": "2026-01-01T00:00:00Z"}"#),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "GET",
            "/v1/events?limit=0",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            "GET",
            "/v1/events?limit=many",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            "GET",
            "/v1/events/evt_000001/attempts",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "POST",
            "/v1/events/nonsense/redeliver",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
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
async fn requests_without_a_known_key_get_401_and_touch_nothing() {
    let (p, _) = platform(SettlementPlan::default());
    for key in [None, Some("sk_test_mallory")] {
        let (status, _, value) = call_as(&p, key, "POST", "/v1/payments", Some(ORDER), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(value["error"]["code"], "unauthorized");
    }
    assert_eq!(p.served().unauthorized, 2);
    assert_eq!(p.served().payment_creates, 0);
}

#[tokio::test(start_paused = true)]
async fn one_merchant_never_sees_anothers_payments_events_or_endpoints() {
    let (p, _) = platform(one_order(10));
    let (_, _, created) = call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    let uri = format!("/v1/payments/{}", created["id"].as_str().unwrap());
    let (status, _, _) = call_as(&p, Some(OTHER_KEY), "GET", &uri, None, None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another merchant's payment is not found"
    );
    tokio::time::advance(Duration::from_millis(10)).await;
    p.settle_due();
    let (_, _, alices) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(alices["data"].as_array().unwrap().len(), 1);
    let (_, _, bobs) = call_as(&p, Some(OTHER_KEY), "GET", "/v1/events", None, None).await;
    assert_eq!(bobs["data"].as_array().unwrap().len(), 0);
    let (status, _, _) = call_as(
        &p,
        Some(OTHER_KEY),
        "POST",
        "/v1/events/evt_000001/redeliver",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    register(&p).await;
    let (status, _, _) = call_as(
        &p,
        Some(OTHER_KEY),
        "POST",
        "/v1/webhook_endpoints/we_000001/rotate_secret",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(start_paused = true)]
async fn a_key_over_its_rate_limit_gets_429_with_retry_after() {
    let http = Arc::new(RecordingHttp::default());
    let cfg = PlatformConfig {
        rate_limit_per_s: Some(2.0),
        ..config(SettlementPlan::default())
    };
    let p = Platform::new(Clock::starting_now(EPOCH_US), cfg, http);
    assert_eq!(
        call(&p, "GET", "/v1/events", None, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&p, "GET", "/v1/events", None, None).await.0,
        StatusCode::OK
    );
    let (status, headers, value) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(value["error"]["code"], "rate_limited");
    assert_eq!(headers["retry-after"], "1");
    // Another key has its own bucket.
    assert_eq!(
        call_as(&p, Some(OTHER_KEY), "GET", "/v1/events", None, None)
            .await
            .0,
        StatusCode::OK
    );
    tokio::time::advance(Duration::from_millis(500)).await;
    assert_eq!(
        call(&p, "GET", "/v1/events", None, None).await.0,
        StatusCode::OK
    );
    assert_eq!(p.served().rate_limited, 1);
}

#[tokio::test(start_paused = true)]
async fn a_settlement_is_delivered_once_signed_to_the_merchants_endpoint() {
    let (p, http) = platform(one_order(100));
    let _workers = start(&p);
    let secret = register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    // Paused time: sleeping lets tokio jump to the settlement instant.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let sent = http.take();
    assert_eq!(sent.len(), 1);
    let req = &sent[0].1;
    assert_eq!(req.method(), "POST");
    assert_eq!(req.uri(), "http://127.0.0.1:9/webhooks/payments");
    let event: Event = serde_json::from_slice(req.body()).unwrap();
    assert_eq!(event.kind.as_str(), "payment.approved");
    assert_eq!(event.data.order_id, OrderId::numbered(1));
    let h = |n: &str| req.headers().get(n).map(|v| v.to_str().unwrap());
    assert_eq!(h("webhook-id"), Some(event.id.as_str()));
    let verified = signature::verify(
        &[secret],
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
        req.body(),
        EPOCH_US / 1_000_000,
        300,
    );
    assert_eq!(verified, Ok(()));
    let attempts = p.delivery_attempts();
    assert_eq!(attempts.len(), 1);
    assert!(attempts[0].result.is_success());
    assert_eq!(
        attempts[0].started_at.0, 100_000,
        "delivered at the settlement instant"
    );
    let (_, _, page) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(page["data"][0]["delivery_state"], "succeeded");
}

fn with_delivery(schedule: &[&str], plan: SettlementPlan, http: Arc<RecordingHttp>) -> Platform {
    let delivery = DeliverySettings {
        retry_schedule: schedule.iter().map(|d| Dur::parse(d).unwrap()).collect(),
        timeout_ms: Dur::from_secs(15),
        jitter: 0.0,
    };
    let cfg = PlatformConfig {
        delivery,
        ..config(plan)
    };
    Platform::new(Clock::starting_now(EPOCH_US), cfg, http)
}

#[tokio::test(start_paused = true)]
async fn failed_attempts_are_retried_on_the_schedule_with_the_same_event_id() {
    let http = RecordingHttp::answering(&[(503, None), (500, None)]);
    let p = with_delivery(&["0s", "1s", "2s", "4s"], one_order(100), http.clone());
    let t0 = tokio::time::Instant::now();
    let _workers = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let sent = http.take();
    let at_ms: Vec<u128> = sent.iter().map(|(t, _)| (*t - t0).as_millis()).collect();
    assert_eq!(
        at_ms,
        vec![100, 1_100, 3_100],
        "0s, then 1s and 2s after each failure"
    );
    let ids: Vec<_> = sent
        .iter()
        .map(|(_, r)| r.headers()["webhook-id"].clone())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "the event id never changes"
    );
    let attempts = p.delivery_attempts();
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(attempts[0].next_attempt_at.is_some() && attempts[2].next_attempt_at.is_none());
    let (_, _, page) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(page["data"][0]["delivery_state"], "succeeded");
    assert_eq!(page["data"][0]["delivery_attempts"], 3);
}

#[tokio::test(start_paused = true)]
async fn retry_after_on_429_stretches_the_next_delay() {
    let http = RecordingHttp::answering(&[(429, Some("7"))]);
    let p = with_delivery(&["0s", "1s"], one_order(0), http.clone());
    let t0 = tokio::time::Instant::now();
    let _workers = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let at_ms: Vec<u128> = http
        .take()
        .iter()
        .map(|(t, _)| (*t - t0).as_millis())
        .collect();
    assert_eq!(
        at_ms,
        vec![0, 7_000],
        "the receiver asked for 7 s, more than the schedule's 1 s"
    );
}

#[tokio::test(start_paused = true)]
async fn a_410_disables_the_endpoint_and_exhausted_retries_mark_the_event_failed() {
    let http = RecordingHttp::answering(&[(410, None)]);
    let plan = SettlementPlan::new([
        (OrderId::numbered(1), Dur::from_ms(10), Outcome::Approved),
        (OrderId::numbered(2), Dur::from_ms(1_000), Outcome::Approved),
    ]);
    let p = with_delivery(&["0s", "1s"], plan, http.clone());
    let _workers = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    call(
        &p,
        "POST",
        "/v1/payments",
        Some(&ORDER.replace("ord_000001", "ord_000002")),
        None,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        http.take().len(),
        1,
        "nothing is sent after a 410, not even a retry"
    );
    let (_, _, page) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(page["data"][0]["delivery_state"], "failed");
    assert_eq!(
        page["data"][1]["delivery_state"], "pending",
        "no endpoint left to try"
    );
}

#[tokio::test(start_paused = true)]
async fn events_page_by_cursor_and_can_be_redelivered_and_recovered() {
    let http = RecordingHttp::answering(&[(500, None), (500, None), (500, None)]);
    let plan = SettlementPlan::new((1..=3).map(|n| {
        (
            OrderId::numbered(n),
            Dur::from_ms(10 * n),
            Outcome::Approved,
        )
    }));
    let p = with_delivery(&["0s"], plan, http.clone());
    let _workers = start(&p);
    register(&p).await;
    for n in 1..=3 {
        let body = ORDER.replace("ord_000001", OrderId::numbered(n).as_str());
        call(&p, "POST", "/v1/payments", Some(&body), None).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(http.take().len(), 3);
    let (_, _, first) = call(&p, "GET", "/v1/events?limit=2", None, None).await;
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    assert_eq!(first["has_more"], true);
    assert_eq!(first["data"][0]["delivery_state"], "failed");
    let cursor = first["next_after"].as_str().unwrap();
    let (_, _, second) = call(
        &p,
        "GET",
        &format!("/v1/events?after={cursor}&limit=2"),
        None,
        None,
    )
    .await;
    assert_eq!(second["data"].as_array().unwrap().len(), 1);
    assert_eq!(second["has_more"], false);
    let (_, _, empty) = call(&p, "GET", "/v1/events?after=evt_000003", None, None).await;
    assert_eq!(empty["data"].as_array().unwrap().len(), 0);
    assert_eq!(
        empty["next_after"], "evt_000003",
        "an empty page keeps the cursor"
    );

    let (_, _, attempts) = call(&p, "GET", "/v1/events/evt_000001/attempts", None, None).await;
    assert_eq!(attempts["data"][0]["result"]["status"], 500);

    let (status, _, _) = call(&p, "POST", "/v1/events/evt_000002/redeliver", None, None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(10)).await;
    let redelivered = http.take();
    assert_eq!(redelivered.len(), 1);
    assert_eq!(
        redelivered[0].1.headers()["webhook-id"],
        "evt_000002",
        "same event id"
    );

    let (status, _, recovered) = call(
        &p,
        "POST",
        "/v1/webhook_endpoints/we_000001/recover",
        Some(r#"{"since": "2026-01-01T00:00:00.000Z"}"#),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        recovered["resending"], 2,
        "the two events still failed: 1 and 3"
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    let mut ids: Vec<String> = http
        .take()
        .iter()
        .map(|(_, r)| r.headers()["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, vec!["evt_000001", "evt_000003"]);
}

#[tokio::test(start_paused = true)]
async fn after_a_rotation_deliveries_carry_both_signatures() {
    let (p, http) = platform(one_order(10));
    let _workers = start(&p);
    let old = register(&p).await;
    let (status, _, rotated) = call(
        &p,
        "POST",
        "/v1/webhook_endpoints/we_000001/rotate_secret",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let new = WebhookSecret::parse(rotated["secret"].as_str().unwrap()).unwrap();
    assert_ne!(new, old);
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let sent = http.take();
    let req = &sent[0].1;
    let sig = req.headers()["webhook-signature"].to_str().unwrap();
    assert_eq!(sig.split(' ').count(), 2);
    for secret in [old, new] {
        let h = |n: &str| req.headers().get(n).map(|v| v.to_str().unwrap());
        let ok = signature::verify(
            &[secret],
            h("webhook-id"),
            h("webhook-timestamp"),
            Some(sig),
            req.body(),
            EPOCH_US / 1_000_000,
            300,
        );
        assert_eq!(ok, Ok(()));
    }
}

/// An outbound client whose every answer takes one second (of tokio's
/// paused clock), counting how many requests are out at once.
#[derive(Clone, Default)]
struct SlowHttp(Arc<SlowState>);

#[derive(Default)]
struct SlowState {
    out: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
    ids: Mutex<Vec<String>>,
}

impl HttpClient for SlowHttp {
    fn send(&self, request: Request<Bytes>) -> SendFuture {
        use std::sync::atomic::Ordering::SeqCst;
        let state = self.0.clone();
        let id = request.headers()["webhook-id"].to_str().unwrap().to_owned();
        Box::pin(async move {
            let out = state.out.fetch_add(1, SeqCst) + 1;
            state.most.fetch_max(out, SeqCst);
            tokio::time::sleep(Duration::from_secs(1)).await;
            state.out.fetch_sub(1, SeqCst);
            state.ids.lock().unwrap().push(id);
            Ok(http::Response::builder()
                .status(200)
                .body(Bytes::new())
                .unwrap())
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_burst_keeps_at_most_64_attempts_in_flight_per_endpoint_and_loses_none() {
    const N: u64 = 200;
    let slow = SlowHttp::default();
    let plan = SettlementPlan::new(
        (1..=N).map(|n| (OrderId::numbered(n), Dur::from_ms(500), Outcome::Approved)),
    );
    let p = Platform::new(
        Clock::starting_now(EPOCH_US),
        config(plan),
        Arc::new(slow.clone()),
    );
    let _workers = start(&p);
    register(&p).await;
    for n in 1..=N {
        let order =
            format!(r#"{{"order_id": "ord_{n:06}", "amount_cents": 4990, "currency": "BRL"}}"#);
        let (status, _, _) = call(&p, "POST", "/v1/payments", Some(&order), None).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    // All settle at 500 ms; 64 at a time, one second each: four waves, the
    // last over by 4.5 s.
    tokio::time::sleep(Duration::from_millis(4_600)).await;
    let state = &slow.0;
    let most = state.most.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(most, hooklab_platform::dispatch::MAX_IN_FLIGHT_PER_ENDPOINT);
    let mut ids = state.ids.lock().unwrap().clone();
    assert_eq!(ids.len(), N as usize, "every event delivered");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N as usize, "none delivered twice");
    assert_eq!(p.delivery_attempts().len(), N as usize);
}

/// One HTTP/1.1 exchange over a real socket, by hand (the test crate has no
/// HTTP client): the raw answer, read until the server closes.
async fn raw_exchange(addr: std::net::SocketAddr, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8(answer).unwrap()
}

/// `Platform::serve` on a listener the test bound on port 0: the API answers
/// over the socket, and the server and its workers stop on the signal.
#[tokio::test]
async fn serve_answers_on_the_callers_listener_until_shutdown() {
    let (p, _) = platform(one_order(86_400_000));
    call(&p, "POST", "/v1/payments", Some(ORDER), Some("k")).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, shutdown) = shutdown::channel();
    let served = tokio::spawn({
        let p = p.clone();
        async move { p.serve(listener, shutdown).await }
    });

    let answer = raw_exchange(
        addr,
        &format!(
            "GET /v1/payments/pay_000001 HTTP/1.1\r\nHost: {addr}\r\n\
             Authorization: Bearer {KEY}\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""order_id":"ord_000001""#), "{answer}");
    assert_eq!(p.served().polls, 1);

    trigger.trigger();
    let stopped = tokio::time::timeout(Duration::from_secs(30), served).await;
    assert!(
        matches!(stopped, Ok(Ok(Ok(())))),
        "serve did not return cleanly after shutdown: {stopped:?}"
    );
}

mod spectrum;
/// A restarted platform (a new epoch) never hands out an id the previous
/// start did: the old `pay_…` a shop still polls names nothing.
#[tokio::test(start_paused = true)]
async fn ids_never_repeat_across_restarts() {
    let start = |seed: u64| {
        let config = PlatformConfig {
            id_epoch: hooklab_core::ids::IdEpoch::from_seed(seed),
            ..config(SettlementPlan::default())
        };
        Platform::new(
            Clock::starting_now(EPOCH_US),
            config,
            Arc::new(RecordingHttp::default()),
        )
    };
    let before = start(1);
    let (_, _, old) = call(&before, "POST", "/v1/payments", Some(ORDER), None).await;
    let old_id = old["id"].as_str().unwrap().to_owned();
    let after = start(2);
    let other = ORDER.replace("ord_000001", "ord_000002");
    let (_, _, new) = call(&after, "POST", "/v1/payments", Some(&other), None).await;
    assert_ne!(new["id"], old["id"]);
    let (status, _, _) = call(&after, "GET", &format!("/v1/payments/{old_id}"), None, None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "{old_id} survived the restart"
    );
    // Without an epoch (scenario runs), ids are exactly as they always were.
    let (p, _) = platform(SettlementPlan::default());
    let (_, _, plain) = call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    assert_eq!(plain["id"], "pay_000001");
}

/// The framework's own refusals and the edge cases of JSON get the API's
/// error shape and the right status (issue 14, item 14).
#[tokio::test(start_paused = true)]
async fn every_refusal_has_the_error_shape_even_the_frameworks() {
    let (p, _) = platform(SettlementPlan::default());
    let big = format!(
        r#"{{"order_id": "ord_000001", "amount_cents": 1, "currency": "BRL", "x": "{}"}}"#,
        "a".repeat(2 * 1024 * 1024)
    );
    let cases: Vec<(&str, &str, Option<&str>, StatusCode, &str)> = vec![
        (
            "POST",
            "/v1/payments",
            Some(r#"{"a":"#),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "POST",
            "/v1/payments",
            Some(&big),
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        (
            "GET",
            "/v1/payments/%FF%FE",
            None,
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "GET",
            "/v2/nothing",
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
    for (method, uri, body, status, code) in cases {
        let (got, headers, value) = call(&p, method, uri, body, None).await;
        assert_eq!(got, status, "{method} {uri}: {value}");
        assert_eq!(value["error"]["code"], code, "{method} {uri}: {value}");
        assert!(value["error"]["message"].is_string(), "{value}");
        assert_eq!(headers["content-type"], "application/json");
    }
}

/// A chunked body that breaks off mid-chunk, over a real socket: a 400 in
/// the error shape, not the framework's plain text.
#[tokio::test]
async fn a_broken_chunked_body_gets_the_error_shape() {
    let (p, _) = platform(SettlementPlan::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, shutdown) = shutdown::channel();
    let served = tokio::spawn({
        let p = p.clone();
        async move { p.serve(listener, shutdown).await }
    });
    let answer = raw_exchange(
        addr,
        &format!(
            "POST /v1/payments HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\n{{}}\r\n0\r\n\r\n"
        ),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains(r#"{"error":{"code":"#), "{answer}");
    trigger.trigger();
    served.await.unwrap().unwrap();
}

/// Platform semantics the fuzzer found loose (issue 14, item 15).
#[tokio::test(start_paused = true)]
async fn reused_keys_id_aliases_bad_ports_control_characters_and_unknown_endpoints_are_refused() {
    let (p, _) = platform(one_order(1_000));
    let _trigger = start(&p);
    // The same key with another simulated settlement is another request.
    call(&p, "POST", "/v1/payments", Some(ORDER), Some("k")).await;
    let simulated = ORDER.replace(
        "}",
        r#", "simulate": {"settle_after_ms": 5000, "outcome": "declined"}}"#,
    );
    let (status, _, body) = call(&p, "POST", "/v1/payments", Some(&simulated), Some("k")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_conflict");

    // Only the canonical spelling names the event.
    tokio::time::sleep(Duration::from_secs(2)).await;
    p.settle_due();
    let (status, _, _) = call(&p, "GET", "/v1/events/evt_000001/attempts", None, None).await;
    assert_eq!(status, StatusCode::OK);
    for alias in ["evt_1", "evt_+1", "evt_+00001", "evt_0000001"] {
        let uri = format!("/v1/events/{alias}/attempts");
        let (status, _, body) = call(&p, "GET", &uri, None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{alias}: {body}");
        let (status, _, _) = call(
            &p,
            "POST",
            &format!("/v1/events/{alias}/redeliver"),
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{alias}");
    }

    for port in ["99999", "0", "65536"] {
        let url = format!(r#"{{"url": "http://127.0.0.1:{port}/webhooks"}}"#);
        let (status, _, body) = call(&p, "POST", "/v1/webhook_endpoints", Some(&url), None).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "port {port}: {body}"
        );
        assert_eq!(body["error"]["code"], "invalid_field");
    }

    let controlled = ORDER.replace("ord_000001", r"ord_\u001b[2J");
    let (status, _, body) = call(&p, "POST", "/v1/payments", Some(&controlled), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _, _) = call(&p, "POST", "/v1/payments", Some(ORDER), Some("a\tb")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    for body in [
        Some(r#"{"since": "2026-01-01T00:00:00Z"}"#),
        Some("{"),
        None,
    ] {
        let (status, _, answer) = call(
            &p,
            "POST",
            "/v1/webhook_endpoints/we_000099/recover",
            body,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body:?}: {answer}");
    }
}

/// A shop that restarts registers again: the registration replaces its
/// endpoint for the same URL (one delivery per event, not one per start),
/// and an endpoint can be deleted (issue 14, item 2).
#[tokio::test(start_paused = true)]
async fn a_registration_for_the_same_url_replaces_the_old_endpoint_and_delete_removes_one() {
    let http = Arc::new(RecordingHttp::default());
    let p = with_delivery(&["0s"], one_order(1_000), http.clone());
    let _trigger = start(&p);
    let first = register(&p).await;
    let second = register(&p).await;
    assert_ne!(first.to_text(), second.to_text());
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let sent = http.take();
    assert_eq!(sent.len(), 1, "one endpoint, one delivery");
    let req = &sent[0].1;
    let h = |n: &str| req.headers().get(n).map(|v| v.to_str().unwrap());
    let verify = |secret: &WebhookSecret| {
        signature::verify(
            std::slice::from_ref(secret),
            h("webhook-id"),
            h("webhook-timestamp"),
            h("webhook-signature"),
            req.body(),
            EPOCH_US / 1_000_000 + 1,
            300,
        )
    };
    assert_eq!(verify(&second), Ok(()), "signed with the new secret");
    assert!(verify(&first).is_err(), "and only with it");

    let (status, _, body) = call(&p, "DELETE", "/v1/webhook_endpoints/we_000002", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["deleted"], true);
    let (status, _, body) = call(&p, "DELETE", "/v1/webhook_endpoints/we_000002", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
    // Nobody else's endpoint can be deleted.
    register(&p).await;
    let (status, _, _) = call_as(
        &p,
        Some(OTHER_KEY),
        "DELETE",
        "/v1/webhook_endpoints/we_000003",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// An endpoint that fails `disable_after_failures` attempts in a row is
/// disabled, with the reason in the event log; a 401 is reported as a
/// refused signature.
#[tokio::test(start_paused = true)]
async fn an_endpoint_failing_too_many_attempts_in_a_row_is_disabled_and_401s_are_named() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = {
        let lines = lines.clone();
        hooklab_core::events::EventSink::to(move |e| lines.lock().unwrap().push(e.line()))
    };
    let http = RecordingHttp::answering(&[(401, None); 10]);
    let delivery = DeliverySettings {
        retry_schedule: ["0s", "1s", "1s", "1s", "1s"]
            .iter()
            .map(|d| Dur::parse(d).unwrap())
            .collect(),
        timeout_ms: Dur::from_secs(15),
        jitter: 0.0,
    };
    let cfg = PlatformConfig {
        delivery,
        disable_after_failures: Some(3),
        events: sink,
        ..config(one_order(1_000))
    };
    let p = Platform::new(Clock::starting_now(EPOCH_US), cfg, http.clone());
    let _trigger = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        http.take().len(),
        3,
        "no attempt after the endpoint was disabled"
    );
    let lines = lines.lock().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("HTTP 401, the receiver refused the signature")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("we_000001 DISABLED: 3 consecutive failed attempts")),
        "{lines:#?}"
    );
}

/// The attempt log is bounded and paged, and redeliveries are limited
/// (issue 14, item 11).
#[tokio::test(start_paused = true)]
async fn the_attempt_log_is_bounded_paged_and_redeliveries_are_limited() {
    let http = RecordingHttp::answering(&[(500, None); 64]);
    let delivery = DeliverySettings {
        retry_schedule: std::iter::repeat_n(Dur::from_secs(1), 10).collect(),
        timeout_ms: Dur::from_secs(15),
        jitter: 0.0,
    };
    let cfg = PlatformConfig {
        delivery,
        retention: hooklab_platform::Retention {
            attempts_logged: Some(1_000),
            attempts_per_event: Some(4),
            redeliveries_per_event: 2,
            finished_for: None,
        },
        ..config(one_order(1_000))
    };
    let p = Platform::new(Clock::starting_now(EPOCH_US), cfg, http.clone());
    let _trigger = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(http.take().len(), 10, "every attempt is made");
    assert_eq!(p.delivery_attempts().len(), 4, "the first 4 are kept");
    assert_eq!(p.attempts_dropped(), 6);
    let (_, _, event) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(
        event["data"][0]["delivery_attempts"], 10,
        "yet all are counted"
    );

    let (status, _, first) = call(
        &p,
        "GET",
        "/v1/events/evt_000001/attempts?limit=3",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["data"].as_array().unwrap().len(), 3);
    assert_eq!(first["has_more"], true);
    let last = first["data"][2]["seq"].as_u64().unwrap();
    let uri = format!("/v1/events/evt_000001/attempts?limit=3&starting_after={last}");
    let (_, _, second) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(second["data"].as_array().unwrap().len(), 1);
    assert_eq!(second["has_more"], false);
    assert_eq!(second["data"][0]["attempt"], 4);
    let (status, _, body) = call(
        &p,
        "GET",
        "/v1/events/evt_000001/attempts?limit=0",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    for _ in 0..2 {
        let (status, _, _) = call(&p, "POST", "/v1/events/evt_000001/redeliver", None, None).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let (status, _, body) = call(&p, "POST", "/v1/events/evt_000001/redeliver", None, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "redelivery_limit");
}

/// The log's global cap drops the oldest attempts.
#[tokio::test(start_paused = true)]
async fn the_attempt_log_keeps_only_the_newest_attempts() {
    let http = RecordingHttp::answering(&[(500, None); 64]);
    let delivery = DeliverySettings {
        retry_schedule: std::iter::repeat_n(Dur::from_secs(1), 10).collect(),
        timeout_ms: Dur::from_secs(15),
        jitter: 0.0,
    };
    let cfg = PlatformConfig {
        delivery,
        retention: hooklab_platform::Retention {
            attempts_logged: Some(3),
            ..hooklab_platform::Retention::KEEP_ALL
        },
        ..config(one_order(1_000))
    };
    let p = Platform::new(Clock::starting_now(EPOCH_US), cfg, http);
    let _trigger = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    let kept: Vec<u32> = p.delivery_attempts().iter().map(|a| a.attempt).collect();
    assert_eq!(kept, [8, 9, 10]);
    assert_eq!(p.attempts_dropped(), 7);
}
