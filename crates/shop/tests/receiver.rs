//! The shop's webhook receiver, driven through `oneshot`: every rejection
//! reason, deduplication, the body cap, bad JSON, unknown event types. None of
//! the refused requests may touch an order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::ids::OrderId;
use hooklab_core::signature::WebhookSecret;
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::{MAX_BODY_BYTES, Receiver, WEBHOOK_PATH, router};
use http::{Request, StatusCode};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tower::ServiceExt;

const NOW_SECS: i64 = 1_767_225_600;

/// A delivery to try: the expected rejection reason, then the `webhook-id`,
/// `webhook-timestamp` and `webhook-signature` headers (if sent) and the body.
type Case = (
    &'static str,
    Option<&'static str>,
    Option<i64>,
    Option<String>,
    Vec<u8>,
);

fn event(order: &str, status: &str) -> String {
    format!(
        r#"{{"id": "evt_000001", "type": "payment.{status}", "created_at": "2026-01-01T00:00:00.000Z",
           "data": {{"id": "pay_000001", "order_id": "{order}", "amount_cents": 100, "currency": "BRL",
                    "status": "{status}", "created_at": "2026-01-01T00:00:00.000Z", "settled_at": "2026-01-01T00:00:01.000Z"}}}}"#
    )
}

fn secret() -> WebhookSecret {
    WebhookSecret::from_key(&[42u8; 24]).unwrap()
}

/// A receiver whose clock reads `NOW_SECS`, trusting `secret()`, with order 1 placed.
fn setup() -> (Arc<OrderBook>, Arc<Receiver>) {
    let book = Arc::new(OrderBook::new());
    book.place(OrderId::numbered(1), Micros(0));
    let receiver = Receiver::new(Clock::starting_now(NOW_SECS * 1_000_000), book.clone());
    receiver.trust(secret());
    (book, receiver)
}

async fn post(
    receiver: &Arc<Receiver>,
    id: Option<&str>,
    ts: Option<i64>,
    sig: Option<String>,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::post(WEBHOOK_PATH).header("content-type", "application/json");
    if let Some(id) = id {
        req = req.header("webhook-id", id);
    }
    if let Some(ts) = ts {
        req = req.header("webhook-timestamp", ts.to_string());
    }
    if let Some(sig) = sig {
        req = req.header("webhook-signature", sig);
    }
    let res = router(receiver.clone())
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

/// A correctly signed delivery of `body` with id `id`.
async fn signed(receiver: &Arc<Receiver>, id: &str, body: &str) -> (StatusCode, serde_json::Value) {
    let sig = secret().sign(id, NOW_SECS, body.as_bytes());
    post(
        receiver,
        Some(id),
        Some(NOW_SECS),
        Some(sig),
        body.as_bytes().to_vec(),
    )
    .await
}

#[tokio::test]
async fn a_signed_event_settles_its_order_and_a_redelivery_is_deduplicated() {
    let (book, receiver) = setup();
    let body = event("ord_000001", "approved");
    assert_eq!(
        signed(&receiver, "evt_000001", &body).await.0,
        StatusCode::OK
    );
    let (status, answer) = signed(&receiver, "evt_000001", &body).await;
    assert_eq!(status, StatusCode::OK, "a redelivery is acknowledged");
    assert_eq!(answer["redelivery"], true);
    assert!(book.is_known(&OrderId::numbered(1)));
    let c = receiver.counts();
    assert_eq!(c.learned.load(Ordering::Relaxed), 1);
    assert_eq!(c.redeliveries.load(Ordering::Relaxed), 1);
    // Another event id about the same order is a duplicate notice for the book.
    assert_eq!(
        signed(&receiver, "evt_000002", &body).await.0,
        StatusCode::OK
    );
    assert_eq!(book.duplicates(), 1);
}

#[tokio::test]
async fn every_rejection_reason_is_a_401_counted_apart_and_touches_nothing() {
    let (book, receiver) = setup();
    let body = event("ord_000001", "approved");
    let good = secret().sign("evt_000001", NOW_SECS, body.as_bytes());
    let wrong =
        WebhookSecret::from_key(&[7u8; 24])
            .unwrap()
            .sign("evt_000001", NOW_SECS, body.as_bytes());
    let cases: Vec<Case> = vec![
        (
            "missing",
            None,
            Some(NOW_SECS),
            Some(good.clone()),
            body.clone().into_bytes(),
        ),
        (
            "missing",
            Some("evt_000001"),
            Some(NOW_SECS),
            None,
            body.clone().into_bytes(),
        ),
        (
            "malformed",
            Some("evt_000001"),
            Some(NOW_SECS),
            Some("v1".to_owned()),
            body.clone().into_bytes(),
        ),
        (
            "malformed",
            Some("evt_000001"),
            Some(NOW_SECS),
            Some("v1,not*base64".to_owned()),
            body.clone().into_bytes(),
        ),
        (
            "stale",
            Some("evt_000001"),
            Some(NOW_SECS - 301),
            Some(secret().sign("evt_000001", NOW_SECS - 301, body.as_bytes())),
            body.clone().into_bytes(),
        ),
        (
            "stale",
            Some("evt_000001"),
            Some(NOW_SECS + 301),
            Some(secret().sign("evt_000001", NOW_SECS + 301, body.as_bytes())),
            body.clone().into_bytes(),
        ),
        (
            "mismatch",
            Some("evt_000001"),
            Some(NOW_SECS),
            Some(wrong),
            body.clone().into_bytes(),
        ),
        (
            "mismatch",
            Some("evt_000001"),
            Some(NOW_SECS),
            Some(good),
            event("ord_000001", "declined").into_bytes(),
        ),
    ];
    for (reason, id, ts, sig, body) in cases {
        let (status, answer) = post(&receiver, id, ts, sig, body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{reason}");
        assert_eq!(
            answer["error"]["code"],
            format!("signature_{reason}"),
            "{reason}"
        );
    }
    let rejected = receiver.rejected();
    assert_eq!(
        (
            rejected["missing"],
            rejected["malformed"],
            rejected["stale"],
            rejected["mismatch"]
        ),
        (2, 2, 2, 2)
    );
    assert!(
        !book.is_known(&OrderId::numbered(1)),
        "no rejected request touched the order"
    );
    assert_eq!(receiver.counts().learned.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn oversized_malformed_and_unknown_bodies() {
    let (book, receiver) = setup();
    let big = vec![b' '; MAX_BODY_BYTES + 1];
    let (status, _) = post(
        &receiver,
        Some("evt_1"),
        Some(NOW_SECS),
        Some("v1,AAAA".to_owned()),
        big,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        signed(&receiver, "evt_2", "{oops").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        signed(
            &receiver,
            "evt_3",
            r#"{"type": "payment.approved", "data": 5}"#
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    let (status, answer) = signed(
        &receiver,
        "evt_4",
        r#"{"type": "refund.created", "data": {}}"#,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an unknown event type is acknowledged"
    );
    assert_eq!(answer["ignored"], "refund.created");
    assert!(!book.is_known(&OrderId::numbered(1)));
    let c = receiver.counts();
    assert_eq!(
        (
            c.malformed.load(Ordering::Relaxed),
            c.ignored.load(Ordering::Relaxed)
        ),
        (2, 1)
    );
}

/// A correctly signed event about an order the shop never placed is
/// acknowledged (retrying cannot make the order appear; a refusal would get
/// the endpoint disabled), but not silently: the answer names the order, it
/// is counted, and it touches no order. Its
/// redelivery is recognised as such.
#[tokio::test]
async fn a_signed_event_for_an_unknown_order_is_acknowledged_counted_and_named() {
    let (book, receiver) = setup();
    let body = event("ord_elsewhere", "approved");
    let (status, answer) = signed(&receiver, "evt_000009", &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["unknown_order"], "ord_elsewhere", "{answer}");
    let (status, answer) = signed(&receiver, "evt_000009", &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["redelivery"], true, "{answer}");
    let c = receiver.counts();
    assert_eq!(
        (
            c.unknown_orders.load(Ordering::Relaxed),
            c.ignored.load(Ordering::Relaxed),
            c.learned.load(Ordering::Relaxed),
            c.redeliveries.load(Ordering::Relaxed),
        ),
        (1, 1, 0, 1),
        "counted as unknown, within the ignored"
    );
    assert!(!book.is_known(&OrderId("ord_elsewhere".to_owned())));
    assert!(book.entries().len() == 1, "no order was made up for it");
    // The shop's own order is still learned as usual.
    let (_, answer) = signed(&receiver, "evt_000010", &event("ord_000001", "approved")).await;
    assert_eq!(answer, serde_json::json!({"received": true}));
    assert_eq!(receiver.counts().learned.load(Ordering::Relaxed), 1);
}

/// The line about an unknown order goes to the book's listener as a
/// `Happening`, so `hooklab shop` prints it in the reader's language as its
/// other lines (it was an English log warning whatever `--lang` said); a
/// second one within the throttle window is not said, only counted.
#[tokio::test]
async fn an_unknown_order_is_said_to_the_listener_in_the_readers_language() {
    use hooklab_core::events::{EventSink, Happening, RunEvent};
    use hooklab_core::lang::Lang;
    let heard: Arc<std::sync::Mutex<Vec<RunEvent>>> = Arc::default();
    let sink = {
        let heard = heard.clone();
        EventSink::to(move |e| heard.lock().unwrap().push(e))
    };
    let book = Arc::new(OrderBook::with_events(sink));
    let receiver = Receiver::new(Clock::starting_now(NOW_SECS * 1_000_000), book);
    receiver.trust(secret());
    signed(&receiver, "evt_000009", &event("ord_elsewhere", "approved")).await;
    signed(&receiver, "evt_000011", &event("ord_other", "approved")).await;
    let said: Vec<RunEvent> = heard
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e.what, Happening::UnknownOrder { .. }))
        .cloned()
        .collect();
    assert_eq!(
        said.len(),
        1,
        "one line within the throttle window: {said:?}"
    );
    assert_eq!(
        said[0].what,
        Happening::UnknownOrder {
            order: OrderId("ord_elsewhere".to_owned()),
            unsaid: 0
        }
    );
    let pt = said[0].line_in(Lang::PtBr, "09:41:07,123");
    assert!(
        pt.contains("pedido que esta loja não conhece") && pt.contains("ord_elsewhere"),
        "{pt}"
    );
    let en = said[0].line_in(Lang::En, "09:41:07.123");
    assert!(en.contains("an order this shop does not know"), "{en}");
    assert_eq!(receiver.counts().unknown_orders.load(Ordering::Relaxed), 2);
}

/// Several merchants' receivers behind one server, served by
/// `receiver::serve` on a listener the test bound on port 0: a delivery
/// reaches the receiver its path names, and no other; the server stops on
/// the signal.
#[tokio::test]
async fn tenants_are_served_one_path_each_until_shutdown() {
    use hooklab_core::shutdown;
    use hooklab_shop::receiver::{serve, tenant_path, tenants_router};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (_, first) = setup();
    let (book, second) = setup();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, stop) = shutdown::channel();
    let served = tokio::spawn(serve(
        listener,
        tenants_router(&[first.clone(), second.clone()]),
        stop,
    ));

    let body = event("ord_000001", "approved");
    let signature = secret().sign("msg_1", NOW_SECS, body.as_bytes());
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nwebhook-id: msg_1\r\nwebhook-timestamp: {NOW_SECS}\r\n\
         webhook-signature: {signature}\r\nConnection: close\r\n\r\n{body}",
        tenant_path(1),
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(second.counts().learned.load(Ordering::Relaxed), 1);
    assert_eq!(first.counts().deliveries.load(Ordering::Relaxed), 0);
    assert!(book.entries()[0].known_at.is_some());

    trigger.trigger();
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(30), served).await;
    assert!(matches!(stopped, Ok(Ok(Ok(())))), "{stopped:?}");
}

/// A tester's finding: `payment.declined` (msg_2) signed for an order the
/// shop knew approved (msg_1) was answered 200 and logged as a "duplicate
/// notice (ignored)". The first final outcome stands, but the line and the
/// counts name it a conflict, in both languages.
#[tokio::test]
async fn a_conflicting_outcome_is_named_and_counted_as_a_conflict() {
    use hooklab_core::events::{EventSink, Happening, RunEvent};
    use hooklab_core::lang::Lang;
    let heard: Arc<std::sync::Mutex<Vec<RunEvent>>> = Arc::default();
    let sink = {
        let heard = heard.clone();
        EventSink::to(move |e| heard.lock().unwrap().push(e))
    };
    let book = Arc::new(OrderBook::with_events(sink));
    book.place(OrderId::numbered(1), Micros(0));
    let receiver = Receiver::new(Clock::starting_now(NOW_SECS * 1_000_000), book.clone());
    receiver.trust(secret());
    let approved = event("ord_000001", "approved");
    assert_eq!(
        signed(&receiver, "msg_1", &approved).await.0,
        StatusCode::OK
    );
    let declined = event("ord_000001", "declined");
    assert_eq!(
        signed(&receiver, "msg_2", &declined).await.0,
        StatusCode::OK
    );
    // The same outcome again is a duplicate, as before.
    assert_eq!(
        signed(&receiver, "msg_3", &approved).await.0,
        StatusCode::OK
    );
    let c = receiver.counts();
    assert_eq!(c.conflicts.load(Ordering::Relaxed), 1);
    assert_eq!(c.duplicates.load(Ordering::Relaxed), 1);
    assert_eq!((book.conflicts(), book.duplicates()), (1, 1));
    let entry = book.entries().into_iter().next().unwrap();
    assert_eq!(entry.status, hooklab_core::wire::PaymentStatus::Approved);
    let heard = heard.lock().unwrap();
    let conflict = heard
        .iter()
        .find(|e| matches!(e.what, Happening::Conflict { .. }))
        .expect("no conflict line");
    let en = conflict.line_in(Lang::En, "09:41:07.123");
    assert!(
        en.contains("CONFLICTING") && en.contains("declined") && en.contains("approved"),
        "{en}"
    );
    assert!(!en.contains("duplicate"), "{en}");
    let pt = conflict.line_in(Lang::PtBr, "09:41:07,123");
    assert!(
        pt.contains("CONFLITANTE") && pt.contains("recusado"),
        "{pt}"
    );
}

/// A body whose `type` disagrees with its `data.status` is malformed: 400
/// in the JSON shape, and no order is touched.
#[tokio::test]
async fn a_type_that_disagrees_with_its_status_is_refused_as_malformed() {
    let (book, receiver) = setup();
    let body = event("ord_000001", "approved")
        .replace("\"status\": \"approved\"", "\"status\": \"declined\"");
    assert!(body.contains("payment.approved") && body.contains("\"status\": \"declined\""));
    let (status, answer) = signed(&receiver, "msg_1", &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_event");
    assert!(!book.is_known(&OrderId::numbered(1)));
    assert_eq!(receiver.counts().malformed.load(Ordering::Relaxed), 1);
}
