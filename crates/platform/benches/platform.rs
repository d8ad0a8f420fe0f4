//! What one request to the platform's API costs, through the router alone.
//!
//! Every poll a shop makes lands on `GET /v1/payments/{id}`, and every
//! checkout on `POST /v1/payments`. If those handlers are slow, a polling
//! scenario measures the platform instead of polling, so their cost is
//! tracked here, in-process, without a socket (`tower::ServiceExt::oneshot`
//! on [`Platform::router`], as the handler tests do):
//!
//! - `platform/get_payment/pending`: the status read of a pending payment
//!   (among 10,000), body collected, the poller's view.
//! - `platform/get_payment/bare`: the same route shape served by a bare axum
//!   handler that answers the same JSON bytes from memory. The ratio of the
//!   two is the in-process analogue of the load script's `platform/bare`.
//! - `platform/create_payment`: a creation with an `Idempotency-Key`, as the
//!   shop sends it; each measurement starts from a fresh platform so the
//!   ledger does not grow without bound across samples.
//!
//! The load script (`scripts/load.sh`) measures the same endpoints over
//! loopback sockets with `wrk`; BENCHMARKS.md holds the figures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::http::{HttpClient, SendFuture, TransportError};
use hooklab_core::ids::MerchantId;
use hooklab_platform::{Merchant, Platform, PlatformConfig};
use http_body_util::BodyExt;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// Payments created before the status reads start.
const PAYMENTS: u64 = 10_000;

/// The platform never sends a webhook in these benches (no endpoint is
/// registered); this client refuses, should it ever be asked.
struct NoNetwork;

impl HttpClient for NoNetwork {
    fn send(&self, _request: http::Request<Bytes>) -> SendFuture {
        Box::pin(async { Err(TransportError::Connect("no network in benches".into())) })
    }
}

/// The one merchant's API key; every request carries it, as the shop's do.
const API_KEY: &str = "sk_test_bench";

/// A platform whose payments stay pending for a day: status reads take the
/// path a wasted poll takes. One merchant, no rate limit.
fn platform() -> Platform {
    let config = PlatformConfig {
        default_settle: Dur::from_secs(86_400),
        merchants: vec![Merchant {
            id: MerchantId::numbered(1),
            api_key: API_KEY.to_owned(),
        }],
        ..PlatformConfig::default()
    };
    Platform::new(
        Clock::starting_now(Clock::system_unix_us()),
        config,
        Arc::new(NoNetwork),
    )
}

fn create_request(n: u64) -> http::Request<Body> {
    let body = format!(r#"{{"order_id":"ord_{n:06}","amount_cents":4990,"currency":"BRL"}}"#);
    http::Request::post("/v1/payments")
        .header("content-type", "application/json")
        .header("idempotency-key", format!("ord_{n:06}"))
        .header(http::header::AUTHORIZATION, format!("Bearer {API_KEY}"))
        .body(Body::from(body))
        .unwrap()
}

fn get_request(n: u64) -> http::Request<Body> {
    http::Request::get(format!("/v1/payments/pay_{n:06}"))
        .header(http::header::AUTHORIZATION, format!("Bearer {API_KEY}"))
        .body(Body::empty())
        .unwrap()
}

/// Sends one request through `router` and collects the whole answer, as a
/// client would read it.
async fn exchange(router: &Router, request: http::Request<Body>) -> (u16, Bytes) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, body)
}

/// Sends every request, timing only the exchanges.
async fn timed(router: &Router, requests: Vec<http::Request<Body>>, ok: u16) -> Duration {
    let started = Instant::now();
    for request in requests {
        let (status, body) = exchange(router, request).await;
        assert_eq!(status, ok);
        black_box(body);
    }
    started.elapsed()
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // A platform with PAYMENTS pending payments, and the JSON of one of them.
    let (router, sample) = rt.block_on(async {
        let p = platform();
        let router = p.router();
        for n in 1..=PAYMENTS {
            let (status, _) = exchange(&router, create_request(n)).await;
            assert_eq!(status, 201);
        }
        let (status, body) = exchange(&router, get_request(1)).await;
        assert_eq!(status, 200);
        (router, body)
    });
    let bare = Router::new().route(
        "/v1/payments/{id}",
        get(move || {
            let body = sample.clone();
            async move { ([(http::header::CONTENT_TYPE, "application/json")], body) }
        }),
    );

    let mut group = c.benchmark_group("platform");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(1));

    group.bench_function("get_payment/pending", |b| {
        b.iter_custom(|iters| {
            let requests = (0..iters).map(|i| get_request(1 + i % PAYMENTS)).collect();
            rt.block_on(timed(&router, requests, 200))
        })
    });
    group.bench_function("get_payment/bare", |b| {
        b.iter_custom(|iters| {
            let requests = (0..iters).map(|i| get_request(1 + i % PAYMENTS)).collect();
            rt.block_on(timed(&bare, requests, 200))
        })
    });
    group.bench_function("create_payment", |b| {
        b.iter_custom(|iters| {
            let fresh = platform().router();
            let requests = (1..=iters).map(create_request).collect();
            let elapsed = rt.block_on(timed(&fresh, requests, 201));
            // Dropping a ledger of many payments is not part of a creation.
            drop(fresh);
            elapsed
        })
    });
    group.finish();
}

criterion_group!(platform_benches, benches);
criterion_main!(platform_benches);
