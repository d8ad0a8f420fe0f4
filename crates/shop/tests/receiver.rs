//! The shop's webhook receiver, driven through `oneshot`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use hooklab_core::clock::Clock;
use hooklab_core::ids::OrderId;
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::{Receiver, WEBHOOK_PATH, router};
use http::{Request, StatusCode};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tower::ServiceExt;

fn event(order: &str, status: &str) -> String {
    format!(
        r#"{{"id": "evt_000001", "type": "payment.{status}", "created_at": "2026-01-01T00:00:00.000Z",
           "data": {{"id": "pay_000001", "order_id": "{order}", "amount_cents": 100, "currency": "BRL",
                    "status": "{status}", "created_at": "2026-01-01T00:00:00.000Z", "settled_at": "2026-01-01T00:00:01.000Z"}}}}"#
    )
}

async fn post(receiver: &Arc<Receiver>, body: &str) -> StatusCode {
    let req = Request::post(WEBHOOK_PATH)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    router(receiver.clone())
        .oneshot(req)
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn an_event_settles_its_order_once_and_repeats_are_duplicates() {
    let book = Arc::new(OrderBook::new());
    book.place(OrderId::numbered(1), Default::default());
    let receiver = Receiver::new(Clock::starting_now(0), book.clone());
    assert_eq!(
        post(&receiver, &event("ord_000001", "approved")).await,
        StatusCode::OK
    );
    assert_eq!(
        post(&receiver, &event("ord_000001", "approved")).await,
        StatusCode::OK
    );
    assert!(book.is_known(&OrderId::numbered(1)));
    assert_eq!(book.duplicates(), 1);
    let c = receiver.counts();
    assert_eq!(
        (
            c.deliveries.load(Ordering::Relaxed),
            c.learned.load(Ordering::Relaxed),
            c.duplicates.load(Ordering::Relaxed)
        ),
        (2, 1, 1)
    );
}

#[tokio::test]
async fn bad_bodies_are_refused_and_unknown_types_acknowledged() {
    let book = Arc::new(OrderBook::new());
    book.place(OrderId::numbered(1), Default::default());
    let receiver = Receiver::new(Clock::starting_now(0), book.clone());
    assert_eq!(post(&receiver, "{oops").await, StatusCode::BAD_REQUEST);
    assert_eq!(
        post(&receiver, r#"{"type": "payment.approved", "data": 5}"#).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post(&receiver, r#"{"type": "refund.created", "data": {}}"#).await,
        StatusCode::OK
    );
    assert!(
        !book.is_known(&OrderId::numbered(1)),
        "no bad request touched the order"
    );
    let c = receiver.counts();
    assert_eq!(
        (
            c.malformed.load(Ordering::Relaxed),
            c.ignored.load(Ordering::Relaxed)
        ),
        (2, 1)
    );
}
