//! What one webhook delivery costs the shop's receiver, through its router.
//!
//! The webhook strategy is only as cheap as the receiver that answers each
//! delivery, so its handler is timed in-process, without a socket
//! (`tower::ServiceExt::oneshot` on [`receiver::router`]):
//!
//! - `receiver/event/first_notice`: an event for an order the shop is still
//!   waiting on: parse, look up, record (the order book learns). Each
//!   measurement starts from a fresh book with one placed order per event.
//! - `receiver/event/signed_first_notice`: the same as `first_notice`, with
//!   the receiver trusting a secret and every delivery signed (Standard
//!   Webhooks): verify the HMAC, then dedup, parse, learn. What the target of
//!   issue 7 (signed, with dedup) is about.
//! - `receiver/event/duplicate`: the same event again (same `webhook-id`),
//!   for an order already known: the receiver's dedup short-cut.
//! - `receiver/bare`: the same route served by a bare axum handler that
//!   ignores the body and answers `{"received":true}`. The ratio of the
//!   receiver to it is the in-process analogue of the load script's
//!   `receiver/bare`.
//!
//! Only `signed_first_notice` verifies signatures: the other receivers trust
//! no secret, so they take deliveries unsigned.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::routing::post;
use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hooklab_core::clock::Clock;
use hooklab_core::ids::OrderId;
use hooklab_core::rng::SeededRng;
use hooklab_core::signature::{ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSecret};
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::{self, Receiver, WEBHOOK_PATH};
use http_body_util::BodyExt;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// Orders placed for the duplicate benchmark.
const ORDERS: u64 = 10_000;

/// The body the platform sends when order `n`'s payment is approved.
fn event_body(n: u64) -> String {
    format!(
        concat!(
            r#"{{"id":"evt_{n:06}","type":"payment.approved","created_at":"2026-11-27T00:00:01.000Z","#,
            r#""data":{{"id":"pay_{n:06}","order_id":"ord_{n:06}","amount_cents":4990,"currency":"BRL","#,
            r#""status":"approved","created_at":"2026-11-27T00:00:00.000Z","settled_at":"2026-11-27T00:00:01.000Z"}}}}"#
        ),
        n = n
    )
}

fn delivery(n: u64) -> http::Request<Body> {
    http::Request::post(WEBHOOK_PATH)
        .header("content-type", "application/json")
        .header(ID_HEADER, format!("evt_{n:06}"))
        .body(Body::from(event_body(n)))
        .unwrap()
}

/// Order `n`'s delivery signed with `secret` at the receiver's present.
fn signed_delivery(n: u64, secret: &WebhookSecret, clock: &Clock) -> http::Request<Body> {
    let id = format!("evt_{n:06}");
    let body = event_body(n);
    let timestamp = clock.unix_secs(clock.now());
    http::Request::post(WEBHOOK_PATH)
        .header("content-type", "application/json")
        .header(ID_HEADER, id.as_str())
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            SIGNATURE_HEADER,
            secret.sign(&id, timestamp, body.as_bytes()),
        )
        .body(Body::from(body))
        .unwrap()
}

/// A receiver whose book holds orders `1..=orders`, all still pending.
fn receiver_with(orders: u64) -> (Arc<Receiver>, Router) {
    let clock = Clock::starting_now(Clock::system_unix_us());
    let book = Arc::new(OrderBook::new());
    for n in 1..=orders {
        book.place(OrderId::numbered(n), clock.now());
    }
    let receiver = Receiver::new(clock, book);
    let router = receiver::router(receiver.clone());
    (receiver, router)
}

/// Sends every delivery, timing only the exchanges.
async fn timed(router: &Router, requests: Vec<http::Request<Body>>) -> Duration {
    let started = Instant::now();
    for request in requests {
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), http::StatusCode::OK);
        black_box(response.into_body().collect().await.unwrap().to_bytes());
    }
    started.elapsed()
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // Every order of this receiver is learned once up front, so each
    // delivery in the benchmark is a duplicate.
    let (known, known_router) = receiver_with(ORDERS);
    rt.block_on(timed(&known_router, (1..=ORDERS).map(delivery).collect()));
    assert_eq!(known.counts().learned.load(Ordering::Relaxed), ORDERS);

    let bare = Router::new().route(
        WEBHOOK_PATH,
        post(|| async {
            (
                [(http::header::CONTENT_TYPE, "application/json")],
                Bytes::from_static(br#"{"received":true}"#),
            )
        }),
    );

    let mut group = c.benchmark_group("receiver");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(1));

    group.bench_function("event/first_notice", |b| {
        b.iter_custom(|iters| {
            let (fresh, router) = receiver_with(iters);
            let elapsed = rt.block_on(timed(&router, (1..=iters).map(delivery).collect()));
            assert_eq!(fresh.counts().learned.load(Ordering::Relaxed), iters);
            elapsed
        })
    });
    let secret = WebhookSecret::generate(&mut SeededRng::new(7));
    group.bench_function("event/signed_first_notice", |b| {
        b.iter_custom(|iters| {
            let (fresh, router) = receiver_with(iters);
            fresh.trust(secret.clone());
            let clock = Clock::starting_now(Clock::system_unix_us());
            let requests = (1..=iters)
                .map(|n| signed_delivery(n, &secret, &clock))
                .collect();
            let elapsed = rt.block_on(timed(&router, requests));
            assert_eq!(fresh.counts().learned.load(Ordering::Relaxed), iters);
            elapsed
        })
    });
    group.bench_function("event/duplicate", |b| {
        b.iter_custom(|iters| {
            let requests = (0..iters).map(|i| delivery(1 + i % ORDERS)).collect();
            rt.block_on(timed(&known_router, requests))
        })
    });
    group.bench_function("bare", |b| {
        b.iter_custom(|iters| {
            let requests = (0..iters).map(|i| delivery(1 + i % ORDERS)).collect();
            rt.block_on(timed(&bare, requests))
        })
    });
    group.finish();
}

criterion_group!(receiver_benches, benches);
criterion_main!(receiver_benches);
