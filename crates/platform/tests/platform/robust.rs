//! What a bad peer must not get from the platform (issue 14): secrets that
//! pile up over rotations, a second payment for a doubled header, an
//! endpoint refused without the reason, an endless acknowledgement held in
//! memory, and an attempt log whose `next_attempt_at` is not when the retry
//! really goes out.

use super::{
    EPOCH_US, KEY, ORDER, RecordingHttp, call, config, one_order, platform, register, start,
    with_delivery,
};
use axum::body::Body;
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::http::{BodyCap, HttpClient, SendFuture, TransportError};
use hooklab_core::signature::{self, WebhookSecret};
use hooklab_platform::Platform;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

#[tokio::test(start_paused = true)]
async fn rotations_keep_the_current_secret_and_at_most_two_old_ones() {
    let (p, http) = platform(one_order(10));
    let _workers = start(&p);
    let mut secrets = vec![register(&p).await];
    for _ in 0..5 {
        let (status, _, rotated) = call(
            &p,
            "POST",
            "/v1/webhook_endpoints/we_000001/rotate_secret",
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{rotated}");
        secrets.push(WebhookSecret::parse(rotated["secret"].as_str().unwrap()).unwrap());
    }
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let sent = http.take();
    let req = &sent[0].1;
    let sig = req.headers()["webhook-signature"].to_str().unwrap();
    assert_eq!(sig.split(' ').count(), 3, "the current and two old: {sig}");
    let h = |n: &str| req.headers().get(n).map(|v| v.to_str().unwrap());
    let verifies = |secret: &WebhookSecret| {
        signature::verify(
            std::slice::from_ref(secret),
            h("webhook-id"),
            h("webhook-timestamp"),
            Some(sig),
            req.body(),
            EPOCH_US / 1_000_000,
            300,
        )
        .is_ok()
    };
    let signed: Vec<bool> = secrets.iter().map(verifies).collect();
    assert_eq!(
        signed,
        [false, false, false, true, true, true],
        "the three newest sign, the oldest were dropped"
    );
}

#[tokio::test(start_paused = true)]
async fn two_idempotency_keys_are_refused_with_400_and_create_nothing() {
    let (p, _http) = platform(one_order(10));
    let request = Request::post("/v1/payments")
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .header("idempotency-key", "a")
        .header("idempotency-key", "b")
        .body(Body::from(ORDER))
        .unwrap();
    let response = p.router().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key"),
        "{body}"
    );
    assert_eq!(p.books().payments, 0);
}

#[tokio::test(start_paused = true)]
async fn two_authorizations_or_an_empty_idempotency_key_are_refused_with_400() {
    let (p, _http) = platform(one_order(10));
    let two_keys = Request::post("/v1/payments")
        .header("authorization", format!("Bearer {KEY}"))
        .header("authorization", "Bearer sk_test_other")
        .header("content-type", "application/json")
        .body(Body::from(ORDER))
        .unwrap();
    let empty_key = Request::post("/v1/payments")
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .header("idempotency-key", "")
        .body(Body::from(ORDER))
        .unwrap();
    for (request, header) in [(two_keys, "Authorization"), (empty_key, "Idempotency-Key")] {
        let response = p.router().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{header}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(header),
            "{body}"
        );
    }
    assert_eq!(p.books().payments, 0);
}

#[tokio::test(start_paused = true)]
async fn an_endpoint_off_loopback_is_refused_saying_why() {
    let (p, _http) = platform(one_order(10));
    for (url, why) in [
        ("http://10.1.2.3:8080/webhooks", "not on loopback"),
        ("https://127.0.0.1/webhooks", "only plain http://"),
    ] {
        let body = serde_json::json!({ "url": url }).to_string();
        let (status, _, answer) =
            call(&p, "POST", "/v1/webhook_endpoints", Some(&body), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(why), "{url}: {message}");
    }
}

/// A receiver whose acknowledgement is over the client's cap, as
/// `LoopbackHttp` reports one (its own tests send it an endless body).
struct EndlessAck;

impl HttpClient for EndlessAck {
    fn send(&self, request: Request<Bytes>) -> SendFuture {
        let limit = request
            .extensions()
            .get::<BodyCap>()
            .map_or(usize::MAX, |cap| cap.0);
        Box::pin(async move { Err(TransportError::TooLarge { status: 200, limit }) })
    }
}

#[tokio::test(start_paused = true)]
async fn deliveries_cap_the_acknowledgement_and_log_an_endless_one_as_too_large() {
    let (p, http) = platform(one_order(10));
    let _workers = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let sent = http.take();
    assert_eq!(
        sent[0].1.extensions().get::<BodyCap>(),
        Some(&BodyCap::ACK),
        "a delivery reads at most 64 KiB of its answer"
    );

    let p = Platform::new(
        Clock::starting_now(EPOCH_US),
        config(one_order(10)),
        Arc::new(EndlessAck),
    );
    let _workers = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let attempts = p.delivery_attempts();
    let first = serde_json::to_value(&attempts[0]).unwrap();
    assert_eq!(first["result"]["error"], "response_too_large", "{first}");
}

#[tokio::test(start_paused = true)]
async fn next_attempt_at_is_when_the_retry_really_goes_out() {
    // Asked to wait 7 s (Retry-After) where the schedule says 1 s.
    let http = RecordingHttp::answering(&[(503, Some("7"))]);
    let p = with_delivery(&["0s", "1s"], one_order(100), http.clone());
    let _workers = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(http.take().len(), 2);
    let attempts = p.delivery_attempts();
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        attempts[0].next_attempt_at,
        Some(attempts[1].started_at),
        "{attempts:?}"
    );
    assert_eq!(attempts[1].next_attempt_at, None);
}
