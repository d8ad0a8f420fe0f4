//! Slow clients of the held reads: a client that opens an event stream and
//! never reads it costs the platform a bounded amount, and is cut.

use super::{KEY, call, get, order, platform_with};
use hooklab_core::duration::Dur;
use hooklab_core::ids::OrderId;
use hooklab_core::shutdown;
use hooklab_core::wire::Outcome;
use hooklab_platform::SettlementPlan;
use http::StatusCode;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

/// Events appended while the client reads nothing: about 650 KB of SSE
/// frames, far more than the small sockets below and hyper's write buffer
/// (16 frames) can hold for it, so the stream has to stop pulling from the
/// log.
const EVENTS: u64 = 2_000;

/// The most events the platform may hand a stalled stream here: what the
/// small sockets hold (a few KB each, about 330 bytes an event) and hyper's
/// 16 frames come to a few dozen (54 when this was written); a queue of
/// the platform's own would hand out all of them.
const STALLED_BOUND: u64 = 300;

/// A client opens `GET /v1/events/stream` on a real socket with a small
/// receive buffer, reads the answer's head and then nothing. The platform
/// reads the log for the stream only as fast as the socket takes it: once
/// the buffers are full it stops (it handed the stream far fewer events
/// than the log has, counted in `events_streamed`), nothing moves on the
/// connection, the server's idle timeout closes it, and the stream's place
/// is free again for the merchant's next stream. What the client finally
/// finds on its socket is a part of the log and then the end.
#[tokio::test]
async fn a_stream_whose_client_never_reads_stops_pulling_and_is_cut() {
    let plan = SettlementPlan::new(
        (1..=EVENTS).map(|i| (OrderId::numbered(i), Dur::ZERO, Outcome::Approved)),
    );
    let p = platform_with(plan, |c| {
        c.pull.max_streams_per_merchant = 1;
        c.server.idle_timeout = Duration::from_millis(400);
    });
    // Small socket buffers on both sides (an accepted socket inherits its
    // listener's), so what the kernel holds for the stalled client is a few
    // kilobytes, not the megabytes autotuning would give it, and what the
    // platform hands out beyond that is what it queues itself.
    let listener = tokio::net::TcpSocket::new_v4().unwrap();
    listener.set_send_buffer_size(4_096).unwrap();
    listener.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = listener.listen(64).unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, shutdown) = shutdown::channel();
    let served = tokio::spawn({
        let p = p.clone();
        async move { p.serve(listener, shutdown).await }
    });
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4_096).unwrap();
    let mut socket = socket.connect(addr).await.unwrap();
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
    let mut buf = [0u8; 512];
    while !String::from_utf8_lossy(&seen).contains("\r\n\r\n") {
        let n = socket.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 200"));

    // From here the client reads nothing. Every payment settles at once.
    for i in 1..=EVENTS {
        let (status, _, _) = call(&p, "POST", "/v1/payments", Some(&order(i)), None).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    p.settle_due();

    // The stalled stream is cut by the idle timeout: its place comes free.
    let reopened = async {
        loop {
            let res = p
                .router()
                .oneshot(get("/v1/events/stream", &[]))
                .await
                .unwrap();
            if res.status() == StatusCode::OK {
                return;
            }
            assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), reopened)
        .await
        .expect("the never-reading stream kept its place");
    let streamed = p.served().events_streamed;
    assert!(
        streamed <= STALLED_BOUND,
        "the platform kept pulling the log for a client that reads nothing: {streamed} of {EVENTS}"
    );

    // What the client finds now: part of the log, then the end.
    let mut rest = Vec::new();
    let drained =
        tokio::time::timeout(Duration::from_secs(30), socket.read_to_end(&mut rest)).await;
    assert!(drained.is_ok(), "the connection was not closed");
    let got = String::from_utf8_lossy(&rest).matches("\nid: evt_").count() as u64;
    assert!(
        got <= streamed,
        "{got} events on the wire, {streamed} handed out"
    );
    trigger.trigger();
    let _ = tokio::time::timeout(Duration::from_secs(30), served).await;
}
