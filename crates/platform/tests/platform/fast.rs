//! The fast path in front of the router (`api::fast`) answers exactly as
//! the router does: three platforms made alike get the same requests, one
//! through `Platform::service` (the fast path first, no router around it:
//! what the servers call), one through `Platform::router` (the same as an
//! `axum::Router`'s fallback service) and one through
//! `Platform::router_without_fast_path`, and every answer (status, every
//! header in order, body bytes) and the served counts must be equal. The
//! requests are the kinds the fast path takes and its edges, which it must
//! leave to the router: a long poll, an escaped id, a bad query, a declared
//! body over the cap, another method, a missing or unknown key, a rate
//! limit, a conditional read and its 304, a forgotten cursor.

use super::*;
use hooklab_platform::PollInterval;

/// One request, as bytes, so it can be sent to both platforms.
struct Req {
    method: &'static str,
    uri: String,
    headers: Vec<(&'static str, String)>,
    body: &'static str,
}

fn req(method: &'static str, uri: &str) -> Req {
    Req {
        method,
        uri: uri.to_owned(),
        headers: vec![("authorization", format!("Bearer {KEY}"))],
        body: "",
    }
}

impl Req {
    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn no_key(mut self) -> Self {
        self.headers.retain(|(n, _)| *n != "authorization");
        self
    }

    fn body(mut self, body: &'static str) -> Self {
        self.body = body;
        self
    }

    fn build(&self) -> Request<Body> {
        let mut r = Request::builder().method(self.method).uri(&self.uri);
        for (name, value) in &self.headers {
            r = r.header(*name, value);
        }
        r.body(Body::from(self.body)).unwrap()
    }
}

/// An answer, whole: status, headers in order, body.
type Answer = (StatusCode, Vec<(String, Vec<u8>)>, Bytes);

async fn send<S>(service: S, r: &Req) -> Answer
where
    S: tower::Service<Request<Body>, Response = axum::response::Response>,
    S::Error: std::fmt::Debug,
{
    let res = service.oneshot(r.build()).await.unwrap();
    let status = res.status();
    let headers = res
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, headers, body)
}

/// `r` sent to the first platform's router (the fast path as a router's
/// fallback service), the second's routes without the fast path and the
/// third's service (the fast path with no router around it): the same
/// answer from each.
async fn all_three([fast, slow, bare]: [&Platform; 3], r: &Req) {
    let (a, b, c) = (
        send(fast.router(), r).await,
        send(slow.router_without_fast_path(), r).await,
        send(bare.service(), r).await,
    );
    assert_eq!(a, b, "{} {}", r.method, r.uri);
    assert_eq!(c, b, "{} {} (the service alone)", r.method, r.uri);
}

fn alike() -> PlatformConfig {
    let mut cfg = config(SettlementPlan::new([
        (OrderId::numbered(1), Dur::from_ms(200), Outcome::Approved),
        (OrderId::numbered(2), Dur::from_ms(200), Outcome::Declined),
    ]));
    cfg.rate_limit_per_s = Some(50.0);
    cfg.pull.poll_interval = Some(PollInterval {
        normal_secs: 5,
        loaded_secs: 30,
        loaded_at_requests: 1_000,
    });
    cfg
}

#[tokio::test(start_paused = true)]
async fn the_fast_path_answers_every_request_as_the_router_does() {
    let fast = Platform::new(
        Clock::starting_now(EPOCH_US),
        alike(),
        Arc::new(RecordingHttp::default()),
    );
    let slow = Platform::new(
        Clock::starting_now(EPOCH_US),
        alike(),
        Arc::new(RecordingHttp::default()),
    );
    let bare = Platform::new(
        Clock::starting_now(EPOCH_US),
        alike(),
        Arc::new(RecordingHttp::default()),
    );
    let (_a, _b, _c) = (start(&fast), start(&slow), start(&bare));
    let three = [&fast, &slow, &bare];
    let order = |n: u32| -> &'static str {
        match n {
            1 => r#"{"order_id": "ord_000001", "amount_cents": 4990, "currency": "BRL"}"#,
            _ => r#"{"order_id": "ord_000002", "amount_cents": 100, "currency": "BRL"}"#,
        }
    };
    let mut script = vec![
        req("GET", "/v1/events"),
        req("POST", "/v1/payments").body(order(1)),
        req("POST", "/v1/payments")
            .body(order(2))
            .header("idempotency-key", "k2"),
        req("POST", "/v1/payments")
            .body(order(2))
            .header("idempotency-key", "k2"),
        req("POST", "/v1/payments")
            .body(order(1))
            .header("idempotency-key", "k2"),
        req("POST", "/v1/payments").body("{\"order_id\":"),
        req("POST", "/v1/payments").body(r#"{"order_id": "x"}"#),
        req("POST", "/v1/payments").body(order(1)).no_key(),
        req("POST", "/v1/payments?x=1").body(order(1)),
        req("POST", "/v1/payments")
            .body(order(1))
            .header("content-length", "3000000"),
        req("GET", "/v1/payments/pay_000001"),
        req("GET", "/v1/payments/pay_000001").header("if-none-match", "\"pay_000001.1\""),
        req("GET", "/v1/payments/pay_000001").header("if-none-match", "\"other\""),
        req("GET", "/v1/payments/pay_000009"),
        req("GET", "/v1/payments/pay%5F000001"),
        req("GET", "/v1/payments/pay_000001/"),
        req("GET", "/v1/payments/"),
        req("GET", "/v1/payments/pay_000001?wait=0s"),
        req("GET", "/v1/payments/pay_000001?wait=5"),
        req("GET", "/v1/payments/pay_000001?other=1"),
        req("GET", "/v1/payments/pay_000001").no_key(),
        req("GET", "/v1/payments/pay_000001").header("authorization", "Bearer sk_nope"),
        req("GET", "/v1/payments/pay_000001")
            .no_key()
            .header("authorization", "Bearer sk_nope"),
        req("GET", "/v1/payments/pay_000001")
            .no_key()
            .header("authorization", "Basic abc"),
        req("GET", "/v1/payments/pay_000001")
            .no_key()
            .header("authorization", "Bearer"),
        req("GET", "/v1/payments/pay_000001")
            .no_key()
            .header("authorization", format!("bearer\t{KEY} ").as_str()),
        req("GET", "/v1/payments/pay_000001")
            .no_key()
            .header("authorization", format!("Bearer {OTHER_KEY}").as_str()),
        req("GET", "/v1/payments/pay_000001").header("content-length", "3000000"),
        req("HEAD", "/v1/payments/pay_000001"),
        req("DELETE", "/v1/payments/pay_000001"),
    ];
    // After the settlements: the final payments, the events, the cursors.
    let later = vec![
        req("GET", "/v1/payments/pay_000001"),
        req("GET", "/v1/payments/pay_000001").header("if-none-match", "\"pay_000001.1\""),
        req("GET", "/v1/payments/pay_000002").header("if-none-match", "W/\"pay_000002.2\""),
        req("GET", "/v1/events"),
        req("GET", "/v1/events?limit=1"),
        req("GET", "/v1/events?after=evt_000001"),
        req("GET", "/v1/events?after=evt_000002&limit=10"),
        req("GET", "/v1/events?after=evt_000099"),
        req("GET", "/v1/events?limit=0"),
        req("GET", "/v1/events?limit=5000"),
        req("GET", "/v1/events?limit=%31"),
        req("GET", "/v1/events?cursor=1"),
        req("GET", "/v1/events?after=evt_000002&wait=0s"),
        req("GET", "/v1/events").header("if-none-match", "*"),
        req("GET", "/v1/events").no_key(),
        req("GET", "/v1/events?after=evt_000001")
            .header("authorization", format!("Bearer {OTHER_KEY}").as_str()),
    ];
    for r in &script {
        all_three(three, r).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    script = later;
    for r in &script {
        all_three(three, r).await;
    }
    // Past the rate limit (50 a second, at one instant): the 429s and their
    // Retry-After, the same.
    for _ in 0..60 {
        all_three(three, &req("GET", "/v1/events?after=evt_000002")).await;
    }
    assert!(fast.served().rate_limited > 0);
    // The status read past the rate limit too, once the bucket refilled:
    // its 200s, 304s (which give their token back) and then 429s.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let limited = fast.served().rate_limited;
    for n in 0..120 {
        let r = match n % 3 {
            0 => req("GET", "/v1/payments/pay_000001").header("if-none-match", "\"pay_000001.2\""),
            _ => req("GET", "/v1/payments/pay_000002"),
        };
        all_three(three, &r).await;
    }
    assert!(fast.served().rate_limited > limited);
    assert_eq!(fast.served(), slow.served());
    assert_eq!(bare.served(), slow.served());
}

/// A request body that is not whole at the first poll (a socket's, still
/// arriving) is left to the router, and read there whole.
#[tokio::test(start_paused = true)]
async fn a_body_still_arriving_goes_to_the_router() {
    let (p, _http) = platform(one_order(200));
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<http_body::Frame<Bytes>, std::io::Error>>(4);
    let body = Body::new(http_body_util::StreamBody::new(tokio_stream_from(rx)));
    let request = Request::builder()
        .method("POST")
        .uri("/v1/payments")
        .header("authorization", format!("Bearer {KEY}"))
        .body(body)
        .unwrap();
    let answer = tokio::spawn(p.router().oneshot(request));
    let (head, tail) = ORDER.split_at(10);
    tx.send(Ok(http_body::Frame::data(Bytes::from(head))))
        .await
        .unwrap();
    tokio::task::yield_now().await;
    tx.send(Ok(http_body::Frame::data(Bytes::from(tail))))
        .await
        .unwrap();
    drop(tx);
    let res = answer.await.unwrap().unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(p.served().payment_creates, 1);
}

/// The receiving end of `rx` as a stream of frames.
fn tokio_stream_from<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> + Send {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
