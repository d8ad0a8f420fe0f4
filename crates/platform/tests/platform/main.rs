//! The platform's API, driven through `tower::ServiceExt::oneshot`: no socket,
//! paused tokio time, so settlement and retry instants are exact.
//!
//! One test binary, with its modules: `payments` (the payment API),
//! `api_edges` (an adversarial tester's findings, pinned),
//! `content` (the bodies it reads: their type and coding),
//! `delivery` (webhook attempts and retries), `endpoints` (registration and
//! the attempt log), `server` (the platform on a socket, and its error
//! shape), `router_props` (arbitrary requests thrown at the router),
//! `retention` (what the platform forgets), `durable` (the SQLite store),
//! `limits` (its bounds), `languages` (error messages in English and
//! pt-BR), `endpoint_urls` (which webhook URLs it takes) and `spectrum`
//! (conditional, long-poll and stream reads). This file holds what they share: the recording client, the
//! merchants and the calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_edges;
mod content;
mod delivery;
mod disable;
mod durable;
mod endpoint_urls;
mod endpoints;
mod fast;
mod languages;
mod limits;
mod payments;
mod retention;
mod robust;
mod router_props;
mod server;
mod spectrum;

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

/// `POST /v1/webhook_endpoints/we_000001/recover` for every event since
/// the start of 2026 (the tests' first endpoint, all its history).
async fn recover_first_endpoint(p: &Platform) -> (StatusCode, http::HeaderMap, Value) {
    call(
        p,
        "POST",
        "/v1/webhook_endpoints/we_000001/recover",
        Some(r#"{"since": "2026-01-01T00:00:00.000Z"}"#),
        None,
    )
    .await
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
