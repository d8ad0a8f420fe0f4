//! The push–pull spectrum's endpoints: conditional reads (`ETag`,
//! `If-None-Match`, 304, `X-Poll-Interval`), long polls (`?wait=`) and the
//! event stream (`GET /v1/events/stream`), through `oneshot` on paused time,
//! and the stream once over a real socket.

use super::{EPOCH_US, KEY, ORDER, OTHER_KEY, RecordingHttp, call, config, one_order, start};
use axum::body::Body;
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::ids::OrderId;
use hooklab_core::shutdown;
use hooklab_core::wire::Outcome;
use hooklab_platform::{Platform, PlatformConfig, PollInterval, PullConfig, SettlementPlan};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tower::ServiceExt;

mod slow;

/// A platform whose config `adjust` changed.
fn platform_with(plan: SettlementPlan, adjust: impl FnOnce(&mut PlatformConfig)) -> Platform {
    let mut cfg = config(plan);
    adjust(&mut cfg);
    Platform::new(
        Clock::starting_now(EPOCH_US),
        cfg,
        Arc::new(RecordingHttp::default()),
    )
}

/// Orders 1..=n, order i settling approved i seconds after its creation.
fn orders(n: u64) -> SettlementPlan {
    SettlementPlan::new(
        (1..=n).map(|i| (OrderId::numbered(i), Dur::from_secs(i), Outcome::Approved)),
    )
}

fn order(i: u64) -> String {
    format!(r#"{{"order_id": "ord_{i:06}", "amount_cents": 4990, "currency": "BRL"}}"#)
}

/// A GET as merchant 1 with extra headers.
fn get(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::builder()
        .uri(uri)
        .header("authorization", format!("Bearer {KEY}"));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.body(Body::empty()).unwrap()
}

/// The answer to `req`: status, headers, body bytes.
async fn send(p: &Platform, req: Request<Body>) -> (StatusCode, HeaderMap, bytes::Bytes) {
    let res = p.router().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    (
        parts.status,
        parts.headers,
        body.collect().await.unwrap().to_bytes(),
    )
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// Polls `fut` once, as a client's request that the server starts on; it
/// must still be waiting.
async fn poll_once<F: Future>(fut: &mut Pin<Box<F>>) {
    std::future::poll_fn(|cx| {
        assert!(fut.as_mut().poll(cx).is_pending(), "answered at once");
        Poll::Ready(())
    })
    .await;
}

fn assert_error(status: StatusCode, body: &[u8], want: StatusCode, code: &str) {
    assert_eq!(status, want, "{}", String::from_utf8_lossy(body));
    let v = json(body);
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[tokio::test(start_paused = true)]
async fn a_matching_if_none_match_gets_304_with_no_body_until_the_payment_changes() {
    let p = platform_with(one_order(1_000), |_| {});
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    let (status, headers, body) = send(&p, get("/v1/payments/pay_000001", &[])).await;
    assert_eq!(status, StatusCode::OK);
    let tag = headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(tag, "\"pay_000001.1\"");
    assert!(headers.get("x-poll-interval").is_none(), "off by default");
    assert_eq!(json(&body)["status"], "pending");

    let inm = [("if-none-match", tag.as_str())];
    let (status, headers, body) = send(&p, get("/v1/payments/pay_000001", &inm)).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(headers["etag"], tag.as_str());

    tokio::time::advance(Duration::from_millis(1_000)).await;
    let (status, headers, body) = send(&p, get("/v1/payments/pay_000001", &inm)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "settled: the old tag no longer matches"
    );
    assert_eq!(headers["etag"], "\"pay_000001.2\"");
    assert_eq!(json(&body)["status"], "approved");

    let served = p.served();
    assert_eq!((served.polls, served.polls_pending), (2, 1));
    assert_eq!(served.not_modified, 1, "304s are counted apart");
}

#[tokio::test(start_paused = true)]
async fn an_event_page_is_tagged_and_its_tag_changes_when_an_event_arrives() {
    let p = platform_with(one_order(1_000), |_| {});
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    let (status, headers, body) = send(&p, get("/v1/events", &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["data"].as_array().unwrap().len(), 0);
    let tag = headers["etag"].to_str().unwrap().to_owned();
    let inm = [("if-none-match", tag.as_str())];
    let (status, _, body) = send(&p, get("/v1/events", &inm)).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    // The same tag for another query does not match.
    let (status, _, _) = send(&p, get("/v1/events?limit=5", &inm)).await;
    assert_eq!(status, StatusCode::OK);

    tokio::time::advance(Duration::from_millis(1_000)).await;
    p.settle_due();
    let (status, headers, body) = send(&p, get("/v1/events", &inm)).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(headers["etag"], tag.as_str());
    assert_eq!(json(&body)["data"][0]["id"], "evt_000001");
    let served = p.served();
    assert_eq!((served.event_lists, served.not_modified), (3, 1));
}

#[tokio::test(start_paused = true)]
async fn a_304_gives_its_rate_limit_token_back() {
    let p = platform_with(one_order(86_400_000), |c| c.rate_limit_per_s = Some(3.0));
    // Three tokens: the creation and a first read spend two.
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    let (_, headers, _) = send(&p, get("/v1/payments/pay_000001", &[])).await;
    let tag = headers["etag"].to_str().unwrap().to_owned();
    for _ in 0..10 {
        let (status, _, _) = send(
            &p,
            get(
                "/v1/payments/pay_000001",
                &[("if-none-match", tag.as_str())],
            ),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_MODIFIED);
    }
    // One token is left for a full read, and then none.
    let (status, _, _) = send(&p, get("/v1/payments/pay_000001", &[])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = send(&p, get("/v1/payments/pay_000001", &[])).await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(p.served().not_modified, 10);
}

#[tokio::test(start_paused = true)]
async fn x_poll_interval_rises_when_the_platform_is_loaded() {
    let p = platform_with(one_order(86_400_000), |c| {
        c.pull.poll_interval = Some(PollInterval {
            normal_secs: 5,
            loaded_secs: 60,
            loaded_at_requests: 3,
        });
    });
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    // The second request of this second: not loaded yet.
    let (_, headers, _) = send(&p, get("/v1/payments/pay_000001", &[])).await;
    assert_eq!(headers["x-poll-interval"], "5");
    let (_, headers, _) = send(&p, get("/v1/events", &[])).await;
    assert_eq!(headers["x-poll-interval"], "60");
    // Two seconds later the burst is forgotten.
    tokio::time::advance(Duration::from_secs(2)).await;
    let (_, headers, _) = send(&p, get("/v1/events", &[])).await;
    assert_eq!(headers["x-poll-interval"], "5");
}

#[tokio::test(start_paused = true)]
async fn a_long_poll_on_a_payment_answers_when_it_settles_or_at_the_timeout() {
    let p = platform_with(orders(0), |_| {});
    let _workers = start(&p);
    let body = |ms: u64| {
        format!(
            r#"{{"order_id": "o{ms}", "amount_cents": 1, "currency": "BRL", "simulate": {{"settle_after_ms": {ms}}}}}"#
        )
    };
    call(&p, "POST", "/v1/payments", Some(&body(2_000)), None).await;
    call(&p, "POST", "/v1/payments", Some(&body(100_000)), None).await;

    let t0 = tokio::time::Instant::now();
    let (status, headers, answer) = send(&p, get("/v1/payments/pay_000001?wait=30s", &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        t0.elapsed(),
        Duration::from_secs(2),
        "answered at the settlement"
    );
    assert_eq!(json(&answer)["status"], "approved");
    assert_eq!(headers["etag"], "\"pay_000001.2\"");

    let t1 = tokio::time::Instant::now();
    let (status, _, answer) = send(&p, get("/v1/payments/pay_000002?wait=30s", &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        t1.elapsed(),
        Duration::from_secs(30),
        "answered at the timeout"
    );
    assert_eq!(json(&answer)["status"], "pending");

    // A final payment answers at once, even when asked to wait.
    let t2 = tokio::time::Instant::now();
    let (status, _, _) = send(&p, get("/v1/payments/pay_000001?wait=30s", &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(t2.elapsed(), Duration::ZERO);

    let served = p.served();
    assert_eq!((served.long_polls, served.long_poll_timeouts), (3, 1));
    assert_eq!((served.polls, served.polls_pending), (3, 1));
}

#[tokio::test(start_paused = true)]
async fn a_long_poll_on_events_answers_with_the_next_event_or_nothing_new() {
    let p = platform_with(one_order(1_000), |_| {});
    let _workers = start(&p);
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    let t0 = tokio::time::Instant::now();
    let (status, _, page) = send(&p, get("/v1/events?wait=10s", &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(t0.elapsed(), Duration::from_secs(1));
    let page = json(&page);
    assert_eq!(page["data"][0]["id"], "evt_000001");
    assert_eq!(page["next_after"], "evt_000001");

    let t1 = tokio::time::Instant::now();
    let (status, _, page) = send(&p, get("/v1/events?after=evt_000001&wait=5s", &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(t1.elapsed(), Duration::from_secs(5));
    let page = json(&page);
    assert_eq!(page["data"].as_array().unwrap().len(), 0);
    assert_eq!(page["next_after"], "evt_000001");
    let served = p.served();
    assert_eq!((served.long_polls, served.long_poll_timeouts), (2, 1));
    assert_eq!(served.event_lists, 2);
}

#[tokio::test(start_paused = true)]
async fn another_merchants_event_does_not_wake_a_long_poll() {
    let p = platform_with(one_order(1_000), |_| {});
    let _workers = start(&p);
    // Merchant 2's payment settles at 1 s; merchant 1 waits for its own.
    let mut req = get("/v1/payments", &[]);
    *req.method_mut() = http::Method::POST;
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {OTHER_KEY}").parse().unwrap(),
    );
    *req.body_mut() = Body::from(ORDER);
    req.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    let (status, _, _) = send(&p, req).await;
    assert_eq!(status, StatusCode::CREATED);
    let t0 = tokio::time::Instant::now();
    let (_, _, page) = send(&p, get("/v1/events?wait=3s", &[])).await;
    assert_eq!(t0.elapsed(), Duration::from_secs(3));
    assert_eq!(json(&page)["data"].as_array().unwrap().len(), 0);
}

#[tokio::test(start_paused = true)]
async fn bad_waits_are_400s_in_the_error_shape() {
    let p = platform_with(one_order(86_400_000), |_| {});
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    // A bare number is milliseconds, as everywhere in hooklab: `61000` is
    // over the bound as `61s` is.
    for wait in ["abc", "10h", "-1", "-1s", "61000", "61s", "1.5x"] {
        for base in ["/v1/payments/pay_000001", "/v1/events"] {
            let uri = format!("{base}?wait={wait}");
            let (status, _, body) = send(&p, get(&uri, &[])).await;
            assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");
        }
    }
    let (status, _, body) = send(&p, get("/v1/payments/pay_000001?wiat=30s", &[])).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");
    // 60 s is the bound itself, and allowed.
    let limit = platform_with(one_order(1_000), |_| {});
    call(&limit, "POST", "/v1/payments", Some(ORDER), None).await;
    let (status, _, _) = send(&limit, get("/v1/payments/pay_000001?wait=60s", &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(p.served().long_polls, 0);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_event_cursor_is_a_400_not_a_replay_of_the_whole_log() {
    let p = platform_with(one_order(1_000), |_| {});
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    let long = "z".repeat(5_000);
    for cursor in ["evt_999999", "%1b%5b2J", long.as_str()] {
        let uri = format!("/v1/events?after={cursor}");
        let (status, _, body) = send(&p, get(&uri, &[])).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "unknown_cursor");
        assert!(body.len() < 1_000, "{} bytes", body.len());
    }
    // No cursor: the log from its start, as before.
    let (status, _, _) = send(&p, get("/v1/events", &[])).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(start_paused = true)]
async fn held_long_polls_are_bounded_per_merchant_and_a_dropped_one_frees_its_place() {
    let p = platform_with(one_order(86_400_000), |c| c.pull.max_held_per_merchant = 2);
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    let hold = || {
        let p = p.clone();
        Box::pin(async move { send(&p, get("/v1/payments/pay_000001?wait=30s", &[])).await })
    };
    let mut first = hold();
    let mut second = hold();
    poll_once(&mut first).await;
    poll_once(&mut second).await;
    let (status, _, body) = send(&p, get("/v1/events?wait=30s", &[])).await;
    assert_error(
        status,
        &body,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_held",
    );
    // A read that does not wait is not bounded.
    let (status, _, _) = send(&p, get("/v1/payments/pay_000001", &[])).await;
    assert_eq!(status, StatusCode::OK);
    // The client of the first went away: its place is free again.
    drop(first);
    let mut third = hold();
    poll_once(&mut third).await;
    let (status, _, answer) = second.await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&answer)["status"], "pending");
}

/// The next SSE frame of a stream's body, as text.
async fn frame(body: &mut Body) -> String {
    loop {
        let f = body.frame().await.expect("stream ended").unwrap();
        if let Ok(data) = f.into_data() {
            return String::from_utf8(data.to_vec()).unwrap();
        }
    }
}

/// Opens a stream as merchant 1; its body.
async fn open(p: &Platform, last_event_id: Option<&str>) -> Body {
    let headers: Vec<_> = last_event_id
        .map(|id| ("last-event-id", id))
        .into_iter()
        .collect();
    let res = p
        .router()
        .oneshot(get("/v1/events/stream", &headers))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    res.into_body()
}

#[tokio::test(start_paused = true)]
async fn the_stream_sends_each_event_and_resumes_after_last_event_id() {
    let p = platform_with(orders(3), |_| {});
    let _workers = start(&p);
    let mut first = open(&p, None).await;
    for i in 1..=3 {
        call(&p, "POST", "/v1/payments", Some(&order(i)), None).await;
    }
    let t0 = tokio::time::Instant::now();
    for i in 1..=2 {
        let text = frame(&mut first).await;
        assert_eq!(t0.elapsed(), Duration::from_secs(i), "sent as it happens");
        let id = format!("evt_{i:06}");
        assert!(text.starts_with(&format!("id: {id}\ndata: {{")), "{text}");
        let data: Value =
            serde_json::from_str(text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap())
                .unwrap();
        assert_eq!(data["id"], id.as_str());
        assert_eq!(data["data"]["order_id"], format!("ord_{i:06}"));
    }
    // The connection drops after the second event; the third settles while
    // nobody listens, and the reconnect gets it, and only it.
    drop(first);
    tokio::time::advance(Duration::from_secs(2)).await;
    let mut again = open(&p, Some("evt_000002")).await;
    let text = frame(&mut again).await;
    assert!(text.starts_with("id: evt_000003\n"), "{text}");
    // Idle now: a keep-alive comment after 15 s.
    let t1 = tokio::time::Instant::now();
    assert_eq!(frame(&mut again).await, ": keep-alive\n\n");
    assert_eq!(t1.elapsed(), Duration::from_secs(15));
    let served = p.served();
    assert_eq!((served.streams_opened, served.events_streamed), (2, 3));
}

#[tokio::test(start_paused = true)]
async fn a_bad_last_event_id_is_a_400_and_open_streams_are_bounded() {
    let p = platform_with(one_order(1_000), |c| {
        c.pull.max_streams_per_merchant = 1;
    });
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::advance(Duration::from_secs(1)).await;
    p.settle_due();
    for bad in ["evt_999999", "garbage", "", "pay_000001"] {
        let (status, _, body) = send(&p, get("/v1/events/stream", &[("last-event-id", bad)])).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "unknown_cursor");
    }
    // Merchant 2 cannot resume from merchant 1's event.
    let mut req = get("/v1/events/stream", &[("last-event-id", "evt_000001")]);
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {OTHER_KEY}").parse().unwrap(),
    );
    let (status, _, body) = send(&p, req).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "unknown_cursor");

    let open_one = open(&p, Some("evt_000001")).await;
    let (status, _, body) = send(&p, get("/v1/events/stream", &[])).await;
    assert_error(
        status,
        &body,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_held",
    );
    drop(open_one);
    let _reopened = open(&p, None).await;
    assert_eq!(p.served().streams_opened, 2);
}

/// The stream over a real socket: an event reaches the client as it
/// happens, and shutdown ends the stream so `serve` returns.
#[tokio::test]
async fn the_stream_works_over_a_socket_and_ends_at_shutdown() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let p = platform_with(one_order(50), |c| c.pull = PullConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, shutdown) = shutdown::channel();
    let served = tokio::spawn({
        let p = p.clone();
        async move { p.serve(listener, shutdown).await }
    });
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(
            format!(
                "GET /v1/events/stream HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    // The answer's head comes before any event: the stream is open.
    while !String::from_utf8_lossy(&seen).contains("\r\n\r\n") {
        let n = socket.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&seen).to_string();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");

    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    let reading = async {
        while !String::from_utf8_lossy(&seen).contains("id: evt_000001\ndata: ") {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&seen));
            seen.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(30), reading)
        .await
        .expect("the event never came down the stream");

    trigger.trigger();
    let stopped = tokio::time::timeout(Duration::from_secs(30), served).await;
    assert!(
        matches!(stopped, Ok(Ok(Ok(())))),
        "serve did not return after shutdown: {stopped:?}"
    );
    let served = p.served();
    assert_eq!((served.streams_opened, served.events_streamed), (1, 1));
}
