//! The receiver's fast path ([`Endpoint`]) answers exactly as its router
//! does: two receivers made alike get the same requests, one through
//! [`router`], one through [`Endpoint`], and every answer (status, every
//! header in order, body bytes), the counts and the rejections by reason
//! must be equal. Each case also says whether the fast path must take it
//! (`Endpoint::answer_now`), so a fast path that took nothing, or took what
//! it must leave to the router, fails. The same comparison is then made on
//! the wire, through `receiver::serve` on two loopback servers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::{Body, HttpBody};
use bytes::Bytes;
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::ids::OrderId;
use hooklab_core::shutdown;
use hooklab_core::signature::WebhookSecret;
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::{
    self, Endpoint, MAX_BODY_BYTES, Receiver, Taken, WEBHOOK_PATH, router,
};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const NOW_SECS: i64 = 1_767_225_600;

/// Held by each test: one of them turns DEBUG on for a while, which would
/// send every delivery of the others to the router meanwhile.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn secret() -> WebhookSecret {
    WebhookSecret::from_key(&[42u8; 24]).unwrap()
}

/// A receiver whose clock reads `NOW_SECS`, trusting `secret()`, with
/// orders 1 and 2 placed.
fn receiver() -> Arc<Receiver> {
    let book = Arc::new(OrderBook::new());
    book.place(OrderId::numbered(1), Micros(0));
    book.place(OrderId::numbered(2), Micros(0));
    let receiver = Receiver::new(Clock::starting_now(NOW_SECS * 1_000_000), book);
    receiver.trust(secret());
    receiver
}

fn event(id: &str, order: &str, kind: &str, status: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"{kind}","created_at":"2026-01-01T00:00:00.000Z","data":{{"id":"pay_000001","order_id":"{order}","amount_cents":100,"currency":"BRL","status":"{status}","created_at":"2026-01-01T00:00:00.000Z","settled_at":"2026-01-01T00:00:01.000Z"}}}}"#
    )
}

/// How a request's body is handed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    /// One buffer, its length known (as hyper hands a body with a
    /// `Content-Length` that came with its head).
    Whole,
    /// Two frames, the length known: one poll gives only the first.
    Split,
    /// The first half, then a failure (a client gone half-way).
    Failing,
    /// One frame, no length known (as a chunked body).
    Unsized,
}

/// One request to send to both receivers.
struct Case {
    what: &'static str,
    method: &'static str,
    path: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    framing: Framing,
    /// Whether the fast path must answer it itself.
    fast: bool,
}

/// A delivery signed as the platform signs it, sent whole.
fn delivery(what: &'static str, id: &str, timestamp: i64, body: &str) -> Case {
    Case {
        what,
        method: "POST",
        path: WEBHOOK_PATH,
        headers: vec![
            ("content-type", "application/json".to_owned()),
            ("webhook-id", id.to_owned()),
            ("webhook-timestamp", timestamp.to_string()),
            (
                "webhook-signature",
                secret().sign(id, timestamp, body.as_bytes()),
            ),
        ],
        body: body.as_bytes().to_vec(),
        framing: Framing::Whole,
        fast: true,
    }
}

impl Case {
    fn routed(mut self) -> Self {
        self.fast = false;
        self
    }

    fn build(&self) -> Request<Body> {
        let mut r = Request::builder().method(self.method).uri(self.path);
        for (name, value) in &self.headers {
            r = r.header(*name, value);
        }
        let body = match self.framing {
            Framing::Whole => Body::from(self.body.clone()),
            Framing::Split => {
                let at = self.body.len() / 2;
                Body::new(Frames {
                    frames: vec![
                        Bytes::copy_from_slice(&self.body[..at]),
                        Bytes::copy_from_slice(&self.body[at..]),
                    ],
                    exact: Some(self.body.len() as u64),
                    fail: false,
                })
            }
            Framing::Failing => Body::new(Frames {
                frames: vec![Bytes::copy_from_slice(&self.body[..self.body.len() / 2])],
                exact: Some(self.body.len() as u64),
                fail: true,
            }),
            Framing::Unsized => Body::new(Frames {
                frames: vec![Bytes::from(self.body.clone())],
                exact: None,
                fail: false,
            }),
        };
        r.body(body).unwrap()
    }
}

/// A body of the given frames, each ready when polled, of a known length
/// or not, failing after them if `fail`.
struct Frames {
    frames: Vec<Bytes>,
    exact: Option<u64>,
    fail: bool,
}

impl HttpBody for Frames {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if !self.frames.is_empty() {
            return Poll::Ready(Some(Ok(http_body::Frame::data(self.frames.remove(0)))));
        }
        match std::mem::take(&mut self.fail) {
            true => Poll::Ready(Some(Err(std::io::Error::other("the client went away")))),
            false => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.frames.is_empty() && !self.fail
    }

    fn size_hint(&self) -> http_body::SizeHint {
        let left: u64 = self.frames.iter().map(|f| f.len() as u64).sum();
        match self.exact {
            Some(_) => http_body::SizeHint::with_exact(left),
            None => http_body::SizeHint::default(),
        }
    }
}

/// An answer, whole: status, headers in order, body.
type Answer = (StatusCode, Vec<(String, Vec<u8>)>, Bytes);

async fn whole(res: axum::response::Response) -> Answer {
    let status = res.status();
    let headers = res
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, headers, body)
}

fn cases() -> Vec<Case> {
    let approved = event("evt_1", "ord_000001", "payment.approved", "approved");
    let declined = event("evt_2", "ord_000002", "payment.declined", "declined");
    let unknown = event("evt_3", "ord_000099", "payment.approved", "approved");
    let disagrees = event("evt_4", "ord_000002", "payment.approved", "declined");
    let other_type = r#"{"type":"refund.created","data":{}}"#;
    let mut bad_signature = delivery("bad signature", "evt_5", NOW_SECS, &approved);
    bad_signature.headers[3].1 =
        WebhookSecret::from_key(&[7u8; 24])
            .unwrap()
            .sign("evt_5", NOW_SECS, approved.as_bytes());
    let mut unsigned = delivery("no signature", "evt_6", NOW_SECS, &approved);
    unsigned.headers.truncate(2);
    let mut bad_header = delivery("malformed signature", "evt_7", NOW_SECS, &approved);
    bad_header.headers[3].1 = "v1,???".to_owned();
    let mut declared_over = delivery("declared over the cap", "evt_8", NOW_SECS, &approved);
    declared_over
        .headers
        .push(("content-length", (MAX_BODY_BYTES + 1).to_string()));
    let big = " ".repeat(MAX_BODY_BYTES + 1);
    let mut split = delivery("a body in two frames", "evt_9", NOW_SECS, &declined);
    split.framing = Framing::Split;
    let mut failing = delivery("a body that fails half-way", "evt_22", NOW_SECS, &approved);
    failing.framing = Framing::Failing;
    let mut chunked = delivery("a body of unknown length", "evt_10", NOW_SECS, &approved);
    chunked.framing = Framing::Unsized;
    let mut get = delivery("wrong method", "evt_11", NOW_SECS, "");
    get.method = "GET";
    let mut elsewhere = delivery("wrong path", "evt_12", NOW_SECS, &approved);
    elsewhere.path = "/webhooks/payments/";
    let mut with_query = delivery("a query on the path", "evt_13", NOW_SECS, &declined);
    with_query.path = "/webhooks/payments?source=test";
    let mut head = delivery("HEAD", "evt_14", NOW_SECS, "");
    head.method = "HEAD";
    vec![
        delivery("good", "evt_1", NOW_SECS, &approved),
        delivery("duplicate (same webhook-id)", "evt_1", NOW_SECS, &approved),
        delivery("same order, another event", "evt_1b", NOW_SECS, &approved),
        delivery("declined", "evt_2", NOW_SECS, &declined),
        delivery(
            "conflict",
            "evt_2c",
            NOW_SECS,
            &approved.replace("ord_000001", "ord_000002"),
        ),
        bad_signature,
        unsigned,
        bad_header,
        delivery("stale", "evt_15", NOW_SECS - 3_600, &approved),
        delivery("from the future", "evt_16", NOW_SECS + 3_600, &approved),
        delivery("unknown order", "evt_3", NOW_SECS, &unknown),
        delivery("type and status disagree", "evt_4", NOW_SECS, &disagrees),
        delivery("another event type", "evt_17", NOW_SECS, other_type),
        delivery("not JSON", "evt_18", NOW_SECS, "{oops"),
        delivery(
            "JSON of another shape",
            "evt_19",
            NOW_SECS,
            r#"{"type":"payment.approved","data":5}"#,
        ),
        delivery("empty body", "evt_20", NOW_SECS, ""),
        declared_over.routed(),
        delivery("body over the cap", "evt_21", NOW_SECS, &big).routed(),
        split,
        failing,
        chunked.routed(),
        get.routed(),
        elsewhere.routed(),
        with_query,
        head.routed(),
    ]
}

#[tokio::test]
async fn the_fast_path_answers_every_request_as_the_router_does() {
    let _serial = SERIAL.lock().await;
    let (routed, fast) = (receiver(), receiver());
    let endpoint = Endpoint::new(fast.clone());
    let mut taken = 0;
    for case in cases() {
        let through_router =
            whole(router(routed.clone()).oneshot(case.build()).await.unwrap()).await;
        let through_endpoint = match endpoint.answer_now(case.build()) {
            Taken::Fast(delivery) => {
                assert!(case.fast, "{}: the fast path took it", case.what);
                taken += 1;
                whole(delivery.await.unwrap()).await
            }
            Taken::Router(request) => {
                assert!(!case.fast, "{}: the fast path left it", case.what);
                // Handed back whole: the endpoint's service sends it on to
                // the router.
                whole(endpoint.clone().oneshot(request).await.unwrap()).await
            }
        };
        assert_eq!(through_endpoint, through_router, "{}", case.what);
    }
    assert_eq!(taken, cases().iter().filter(|c| c.fast).count());
    assert!(taken >= 18, "{taken}");
    let (a, b) = (routed.counts(), fast.counts());
    let counts = |c: &receiver::ReceivedCounts| {
        [
            &c.deliveries,
            &c.learned,
            &c.duplicates,
            &c.conflicts,
            &c.ignored,
            &c.unknown_orders,
            &c.malformed,
            &c.redeliveries,
            &c.lost,
            &c.faulted,
        ]
        .map(|n| n.load(Ordering::Relaxed))
    };
    assert_eq!(counts(a), counts(b));
    // Every other request reached the handler: the six it never counts
    // are the two over the cap, the body that failed, the GET, the wrong
    // path and the HEAD.
    assert_eq!(counts(a)[0], cases().len() as u64 - 6, "{:?}", counts(a));
    assert_eq!(routed.rejected(), fast.rejected());
    assert_eq!(routed.rejected().len(), 4, "{:?}", routed.rejected());
}

/// While a subscriber takes DEBUG (the request log would write its line),
/// the fast path takes nothing: every delivery goes through the router and
/// its log.
#[test]
fn with_the_request_log_on_every_delivery_goes_to_the_router() {
    let _serial = SERIAL.blocking_lock();
    let subscriber = tracing_subscriber_at_debug();
    let _on = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();
    let endpoint = Endpoint::new(receiver());
    let approved = event("evt_1", "ord_000001", "payment.approved", "approved");
    let request = delivery("good", "evt_1", NOW_SECS, &approved).build();
    assert!(matches!(endpoint.answer_now(request), Taken::Router(_)));
}

/// A subscriber that takes every level and writes nothing.
fn tracing_subscriber_at_debug() -> impl tracing::Subscriber + Send + Sync {
    struct Everything;
    impl tracing::Subscriber for Everything {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
            Some(tracing::level_filters::LevelFilter::TRACE)
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, _: &tracing::Event<'_>) {}
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }
    Everything
}

/// `request`'s answer from the server at `addr`, read until it closes,
/// without its `date` header (the one line two servers may not share).
async fn raw_answer(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("the server never closed the connection")
    .ok();
    String::from_utf8_lossy(&answer)
        .split("\r\n")
        .filter(|line| !line.starts_with("date:"))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// On the wire, through `receiver::serve` (the server's edge: its error
/// shape, its body deadline): the same bytes from a server of the router
/// and one of the endpoint.
#[tokio::test]
async fn on_the_wire_the_endpoint_and_the_router_send_the_same_bytes() {
    let _serial = SERIAL.lock().await;
    let (trigger, stopped) = shutdown::channel();
    let routed_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fast_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addrs = [
        routed_listener.local_addr().unwrap(),
        fast_listener.local_addr().unwrap(),
    ];
    let (routed, fast) = (receiver(), receiver());
    tokio::spawn(receiver::serve(
        routed_listener,
        router(routed.clone()),
        stopped.clone(),
    ));
    tokio::spawn(receiver::serve(
        fast_listener,
        Endpoint::new(fast.clone()),
        stopped,
    ));
    for case in cases() {
        if case.framing != Framing::Whole || case.body.len() > 4096 {
            continue;
        }
        let mut raw = format!(
            "{} {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n",
            case.method, case.path
        );
        let declares = case.headers.iter().any(|(n, _)| *n == "content-length");
        for (name, value) in &case.headers {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        if !declares {
            raw.push_str(&format!("content-length: {}\r\n", case.body.len()));
        }
        raw.push_str("\r\n");
        let mut raw = raw.into_bytes();
        raw.extend_from_slice(&case.body);
        let (a, b) = (
            raw_answer(addrs[0], &raw).await,
            raw_answer(addrs[1], &raw).await,
        );
        assert!(a.starts_with("HTTP/1.1 "), "{}: {a}", case.what);
        assert_eq!(b, a, "{}", case.what);
        // Every refusal is in the JSON error shape, the router's 404 and
        // 405 too (shaped at the edge); a HEAD answer has no body.
        if !a.starts_with("HTTP/1.1 2") && case.method != "HEAD" {
            assert!(a.contains("{\"error\":{\"code\":"), "{}: {a}", case.what);
        }
    }
    assert_eq!(routed.rejected(), fast.rejected());
    assert_eq!(
        routed.counts().learned.load(Ordering::Relaxed),
        fast.counts().learned.load(Ordering::Relaxed)
    );
    assert!(fast.counts().learned.load(Ordering::Relaxed) >= 2);
    trigger.trigger();
}
