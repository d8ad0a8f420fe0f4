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
