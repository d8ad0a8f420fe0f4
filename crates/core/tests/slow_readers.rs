//! `http::server::serve`'s write-progress deadline
//! (`ServerLimits::write_stall_timeout`), seen from raw TCP clients on
//! `127.0.0.1:0`:
//!
//! - a client that pipelines requests for answers bigger than the socket
//!   buffers, and keeps sending but never reads, is cut (a reset) once the
//!   answers have moved no byte for the deadline, though its sends never
//!   stop;
//! - a client that reads slowly, a little at a time, is never cut, though
//!   its answer takes longer than the deadline;
//! - a long poll, whose server writes nothing for longer than the
//!   deadline, is not cut.
//!
//! The other timeouts are an hour, so only the write-progress deadline can
//! end these connections. Real time, short deadlines: the server's timers
//! and the kernel's socket buffers run together, and paused time would let
//! a timer fire before the kernel's wake-up arrived. Nothing asserts that
//! anything is fast; a hang fails the test after 60 s, not the suite.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::routing::get;
use hooklab_core::http::server::{ServerLimits, serve};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Each `/big` answer: more than loopback's socket buffers hold until the
/// client reads (a few MB at most), once a few are pipelined.
const BIG_BYTES: usize = 2 * 1024 * 1024;

/// How long `/wait` holds its answer: longer than any deadline below.
const HELD: Duration = Duration::from_secs(3);

/// The write-progress deadline of these tests.
const STALL: Duration = Duration::from_secs(1);

/// A hang fails a test after this long.
const HANG: Duration = Duration::from_secs(60);

/// Every limit but the write-progress deadline an hour long.
fn limits(write_stall_timeout: Duration) -> ServerLimits {
    let hour = Duration::from_secs(3_600);
    ServerLimits {
        header_read_timeout: hour,
        idle_timeout: hour,
        request_timeout: hour,
        write_stall_timeout,
        ..ServerLimits::default()
    }
}

/// A server on port 0 with a big answer and a long poll, until the
/// trigger drops.
async fn start(limits: ServerLimits) -> (SocketAddr, hooklab_core::shutdown::ShutdownTrigger) {
    let big = bytes::Bytes::from(vec![b'x'; BIG_BYTES]);
    let router = Router::new()
        .route("/big", get(move || async move { big.clone() }))
        .route(
            "/wait",
            get(|| async {
                tokio::time::sleep(HELD).await;
                "waited"
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

const GET_BIG: &[u8] = b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n";

/// The tester's client: pipelined requests for big answers, sent for as
/// long as the server takes them and then some, never a byte read. Its
/// sends are the kind of activity the idle timeout counts; they must not
/// keep the connection. The server cuts it: a send fails with a reset (or
/// a broken pipe, if the reset came between two sends).
#[tokio::test]
async fn a_client_that_never_reads_is_cut_though_it_keeps_sending() {
    let (addr, _trigger) = start(limits(STALL)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let sending = async {
        // 8 answers of 2 MiB first, then more requests for ever: whatever
        // the server reads of them only adds answers it cannot send.
        loop {
            stream.write_all(GET_BIG).await?;
        }
    };
    let ended: std::io::Result<()> = tokio::time::timeout(HANG, sending)
        .await
        .expect("the server never cut a client that reads nothing");
    let kind = ended.unwrap_err().kind();
    assert!(
        matches!(
            kind,
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
        ),
        "{kind:?}"
    );
}

/// The same answers read slowly: 64 KiB every 10 ms into a 64 KiB
/// receive buffer, so that the server's writes keep waiting for the
/// client (16 MiB is more than the server's send buffer can grow to), but
/// never for the deadline. Every answer arrives whole, though they take
/// longer than the deadline.
#[tokio::test]
async fn a_slow_but_moving_reader_is_not_cut() {
    let (addr, _trigger) = start(limits(STALL)).await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(64 * 1024).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    let answers = 8;
    stream.write_all(&GET_BIG.repeat(answers)).await.unwrap();
    let started = Instant::now();
    let reading = async {
        let mut got = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        while got.len() < answers * BIG_BYTES {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed after {} bytes", got.len());
            got.extend_from_slice(&chunk[..n]);
        }
        got
    };
    let got = tokio::time::timeout(HANG, reading)
        .await
        .expect("no answer");
    let text = String::from_utf8_lossy(&got);
    assert_eq!(text.matches("HTTP/1.1 200").count(), answers);
    // The answers took longer than the deadline (at most 64 KiB per 10
    // ms): a deadline on the whole answer rather than on each stall
    // would have cut them.
    assert!(started.elapsed() > STALL, "{:?}", started.elapsed());
    // And the connection is still served.
    stream
        .write_all(b"GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&rest).ends_with("waited") {
        let n = tokio::time::timeout(HANG, stream.read(&mut chunk))
            .await
            .expect("no answer")
            .unwrap();
        assert!(n > 0, "closed: {:?}", String::from_utf8_lossy(&rest));
        rest.extend_from_slice(&chunk[..n]);
    }
}

/// A long poll: the server holds the answer three times the deadline,
/// writing nothing, and answers it.
#[tokio::test]
async fn a_long_poll_waiting_quietly_is_not_cut() {
    let (addr, _trigger) = start(limits(STALL)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /wait HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(HANG, stream.read_to_end(&mut answer))
        .await
        .expect("no answer")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("waited"),
        "{answer:?}"
    );
}
