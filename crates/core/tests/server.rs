//! `http::server::serve` seen from a raw TCP client on `127.0.0.1:0`: the
//! edge cases a browser or `curl` never sends, and that a proxy, `nc -N` or
//! a hostile client do.
//!
//! - **Half-close**: a whole request followed by `shutdown(SHUT_WR)` is
//!   answered, for GET and POST, HTTP/1.1 and 1.0; a half-closed
//!   connection with no request, or half of one, is closed without a hang.
//! - **Heads refused in JSON**: every head the server refuses before its
//!   routes see it is answered in the JSON error shape, with a code per
//!   case, never with hyper's empty 400 or 431.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::routing::{get, post};
use hooklab_core::http::server::{ServerLimits, serve};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A server on port 0 with a GET and a POST route, until the trigger drops.
/// Each handler waits once before it answers, as a real one does (a
/// database, a lock): a handler that answers on its first poll was
/// answered before hyper looked at the read side again.
async fn start(limits: ServerLimits) -> (SocketAddr, hooklab_core::shutdown::ShutdownTrigger) {
    let router = Router::new()
        .route(
            "/hello",
            get(|| async {
                tokio::task::yield_now().await;
                "hello"
            }),
        )
        .route(
            "/echo",
            post(|body: bytes::Bytes| async move {
                tokio::task::yield_now().await;
                body
            }),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, mut shutdown) = hooklab_core::shutdown::channel();
    tokio::spawn(serve(
        listener,
        router,
        async move { shutdown.wait().await },
        limits,
    ));
    (addr, trigger)
}

/// Sends `request`, shuts the write half, and reads until the server closes
/// (30 s at most: a hang fails the test, not the suite).
async fn half_closed(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .expect("the server never closed the half-closed connection")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// The tester's finding: up to two in three whole requests followed by a
/// half-close went unanswered (hyper closed the connection on the read's
/// end before the answer was written), and a POST so dropped was never
/// processed.
#[tokio::test]
async fn a_whole_request_then_a_half_close_is_always_answered() {
    let (addr, _trigger) = start(ServerLimits::default()).await;
    for version in ["1.1", "1.0"] {
        let get = format!("GET /hello HTTP/{version}\r\nHost: x\r\n\r\n");
        let post =
            format!("POST /echo HTTP/{version}\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        for request in [get, post] {
            for round in 0..50 {
                let answer = half_closed(addr, request.as_bytes()).await;
                assert!(
                    answer.starts_with(&format!("HTTP/{version} 200")) && answer.ends_with("hello"),
                    "round {round} of {request:?}: {answer:?}"
                );
            }
        }
    }
}

/// Two requests sent at once, then the half-close: both are answered.
#[tokio::test]
async fn pipelined_requests_then_a_half_close_are_all_answered() {
    let (addr, _trigger) = start(ServerLimits::default()).await;
    let two = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n\
                POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    for round in 0..20 {
        let answer = half_closed(addr, two).await;
        assert_eq!(
            answer.matches("HTTP/1.1 200").count(),
            2,
            "round {round}: {answer:?}"
        );
    }
}

/// No request, half a head, or a head whose body never comes, then the
/// half-close: the server closes (long timeouts: only the end of the
/// client's bytes can end these), and answers no request it did not get.
#[tokio::test]
async fn a_half_close_without_a_whole_request_is_closed_at_once() {
    let limits = ServerLimits {
        header_read_timeout: Duration::from_secs(3_600),
        idle_timeout: Duration::from_secs(3_600),
        request_timeout: Duration::from_secs(3_600),
        ..ServerLimits::default()
    };
    let (addr, _trigger) = start(limits).await;
    assert_eq!(half_closed(addr, b"").await, "");
    assert_eq!(half_closed(addr, b"GET /hello HTTP/1.1\r\nHo").await, "");
    let cut = half_closed(
        addr,
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nhal",
    )
    .await;
    assert!(!cut.contains("200"), "{cut:?}");
}

/// Sends `request` (its writes may fail once the server has refused it and
/// closed) while reading the answer until the server closes.
async fn answer_to(addr: SocketAddr, request: Vec<u8>) -> String {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let sending = tokio::spawn(async move {
        let _ = write.write_all(&request).await;
        write
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), read.read_to_end(&mut answer))
        .await
        .expect("the server never closed the connection");
    let _ = sending.await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status and the JSON error code of `answer`, which must be in the
/// JSON error shape.
fn refusal_of(answer: &str) -> (u16, String) {
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {answer:?}"));
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{answer:?}"
    );
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let body: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer:?}"));
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    (status, body["error"]["code"].as_str().unwrap().to_owned())
}

/// The tester's list: heads hyper refused itself, with an empty 400 or 431,
/// are refused in the JSON shape with a code per case.
#[tokio::test]
async fn heads_hyper_would_refuse_bare_are_refused_in_json() {
    let (addr, _trigger) = start(ServerLimits::default()).await;
    let many = format!(
        "GET /hello HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..500)
            .map(|i| format!("X-{i}: v\r\n"))
            .collect::<String>()
    );
    let long = format!(
        "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "v".repeat(200 * 1024)
    );
    let wide = format!(
        "GET /hello HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..10)
            .map(|i| format!("X-{i}: {}\r\n", "v".repeat(4000)))
            .collect::<String>()
    );
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (b"GARBAGE\r\n\r\n".to_vec(), 400, "malformed_request"),
        (
            b"GET /hello\r\nHost: x\r\n\r\n".to_vec(),
            400,
            "malformed_request",
        ),
        (
            b"GET  /hello HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            400,
            "malformed_request",
        ),
        (
            b"GET /hello HTTP/1.1 x\r\nHost: x\r\n\r\n".to_vec(),
            400,
            "malformed_request",
        ),
        (
            b"G(T /hello HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            400,
            "malformed_request",
        ),
        (
            b"GET /he\0llo HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            400,
            "malformed_request",
        ),
        (
            b"GET /hello HTTP/1.1\r\nHost x\r\n\r\n".to_vec(),
            400,
            "malformed_request",
        ),
        (
            b"GET /hello HTTP/1.1\r\n Host: x\r\n\r\n".to_vec(),
            400,
            "malformed_request",
        ),
        (
            b"GET /hello HTTP/1.1\r\nX: a\0b\r\n\r\n".to_vec(),
            400,
            "malformed_request",
        ),
        (
            b"GET /hello HTTP/1.1\r\nX: a\rb\r\n\r\n".to_vec(),
            400,
            "malformed_request",
        ),
        (
            b"GET /hello HTTP/2.0\r\nHost: x\r\n\r\n".to_vec(),
            400,
            "unsupported_http_version",
        ),
        (
            b"POST /echo HTTP/1.1\r\nContent-Length: -1\r\n\r\n".to_vec(),
            400,
            "bad_content_length",
        ),
        (
            b"POST /echo HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhello".to_vec(),
            400,
            "bad_content_length",
        ),
        (
            b"POST /echo HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello".to_vec(),
            400,
            "bad_content_length",
        ),
        (
            b"POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec(),
            400,
            "unsupported_transfer_encoding",
        ),
        (
            b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
            400,
            "unsupported_transfer_encoding",
        ),
        (many.into_bytes(), 431, "headers_too_large"),
        (long.into_bytes(), 431, "headers_too_large"),
        (wide.into_bytes(), 431, "headers_too_large"),
    ];
    for (request, status, code) in cases {
        let answer = answer_to(addr, request.clone()).await;
        let shown = String::from_utf8_lossy(&request[..request.len().min(80)]).into_owned();
        assert_eq!(
            refusal_of(&answer),
            (status, code.to_owned()),
            "{shown:?}: {answer:?}"
        );
    }
}

/// What the rules must not refuse: what hyper takes and real clients send.
#[tokio::test]
async fn heads_that_are_valid_http_still_reach_the_routes() {
    let (addr, _trigger) = start(ServerLimits::default()).await;
    let fits = format!(
        "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "v".repeat(ServerLimits::default().max_header_bytes - "X-Big: ".len())
    );
    let hundred = format!(
        "GET /hello HTTP/1.1\r\nConnection: close\r\n{}\r\n",
        (1..100)
            .map(|i| format!("X-{i}: v\r\n"))
            .collect::<String>()
    );
    let cases: Vec<Vec<u8>> = vec![
        b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        b"\r\nGET /hello HTTP/1.0\nHost: x\n\n".to_vec(),
        b"GET /hello?q=%00&a=\xc3\xa9 HTTP/1.1\r\nX:\tv\xc3\xa9 \r\nConnection: close\r\n\r\n".to_vec(),
        b"POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n"
            .to_vec(),
        fits.into_bytes(),
        hundred.into_bytes(),
    ];
    for request in cases {
        let answer = answer_to(addr, request.clone()).await;
        let shown = String::from_utf8_lossy(&request[..request.len().min(80)]).into_owned();
        // The gzip'd chunked body is the route's to refuse, not the head's.
        let status = answer.split(' ').nth(1).unwrap_or_default().to_owned();
        assert!(
            status == "200" || request.windows(4).any(|w| w == b"gzip"),
            "{shown:?}: {answer:?}"
        );
        assert!(
            !answer.contains("malformed_request") && !answer.contains("headers_too"),
            "{answer:?}"
        );
    }
}
