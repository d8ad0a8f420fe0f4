//! The fast path in front of the router (`api::fast`) steps aside when the
//! request log has something to write: with a subscriber that takes DEBUG, a
//! plain poll goes through the router and its trace layer.
//!
//! A test binary of its own, with this one test: tracing's most verbose
//! level and its callsites' interest are global to the process, and in the
//! `platform` binary the sibling tests' threads (which have no subscriber)
//! registered the trace layer's callsites at the same moment as this
//! thread's subscriber was set, and cached "never" for them. Alone in its
//! process, nothing races the subscriber this test sets, and it runs in
//! every `cargo test --workspace`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::http::{HttpClient, SendFuture};
use hooklab_core::ids::MerchantId;
use hooklab_platform::{Merchant, Platform, PlatformConfig, SettlementPlan};
use http::{Request, StatusCode};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

const KEY: &str = "sk_test_alice";

/// Answers every delivery 200 (no endpoint is registered: none is sent).
struct Accepts;

impl HttpClient for Accepts {
    fn send(&self, _: Request<Bytes>) -> SendFuture {
        Box::pin(async { Ok(http::Response::builder().body(Bytes::new()).unwrap()) })
    }
}

/// Records the names of the spans it is asked to open; takes every level.
#[derive(Default)]
struct SpanNames(Mutex<Vec<String>>);

impl tracing::Subscriber for SpanNames {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut names = self.0.lock().unwrap();
        names.push(span.metadata().name().to_owned());
        tracing::span::Id::from_u64(names.len() as u64)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// GETs `uri` with the merchant's key, through the router with its fast path.
async fn get(p: &Platform, uri: &str) -> StatusCode {
    let request = Request::get(uri)
        .header("authorization", format!("Bearer {KEY}"))
        .body(Body::empty())
        .unwrap();
    p.router().oneshot(request).await.unwrap().status()
}

/// With a subscriber that takes DEBUG, the request log has something to
/// write, so a plain poll goes through the router and its trace layer (its
/// `request` span is opened); the fast path only skips a log that writes
/// nothing.
#[tokio::test(start_paused = true)]
async fn with_debug_logging_plain_polls_are_logged_through_the_router() {
    let config = PlatformConfig {
        plan: SettlementPlan::new([]),
        merchants: vec![Merchant {
            id: MerchantId::numbered(1),
            api_key: KEY.to_owned(),
        }],
        ..PlatformConfig::default()
    };
    let p = Platform::new(
        Clock::starting_now(1_767_225_600_000_000),
        config,
        Arc::new(Accepts),
    );
    let names = Arc::new(SpanNames::default());
    // This thread's subscriber only: the test runtime runs every task of
    // the router on this thread.
    let _guard = tracing::dispatcher::set_default(&tracing::Dispatch::new(names.clone()));
    assert_eq!(get(&p, "/v1/events").await, StatusCode::OK);
    assert_eq!(
        get(&p, "/v1/payments/pay_000001").await,
        StatusCode::NOT_FOUND
    );
    let opened = names.0.lock().unwrap().clone();
    assert_eq!(
        opened.iter().filter(|n| *n == "request").count(),
        2,
        "{opened:?}"
    );
}
