//! The server-wide body budget (`ServerLimits::body_budget_bytes`) seen from
//! raw TCP clients on `127.0.0.1:0`: clients that send a head and most of a
//! large body, then stall, fill it; the next large body is refused `429
//! server_busy` (with `Retry-After`, and the connection closed) instead of
//! being held too, whether its `Content-Length` cannot fit, it outgrows the
//! budget mid-way, or, chunked, it grows past 64 KiB; small bodies keep the
//! last quarter; and what stalled bodies held is given back when their
//! clients go away.
//!
//! Every timeout is an hour, so only the budget can refuse a body. The test
//! knows how much of a stalled body the server holds from the route itself:
//! `/upload/{id}` keeps every frame it reads, as a buffering handler does,
//! and reports its running total on a channel.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hooklab_core::http::server::{ServerLimits, refused_by_server, serve};
use hooklab_core::lang::Lang;
use http::StatusCode;
use hyper::body::Body as _;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const KIB: usize = 1024;

/// The budget of these tests: 1 MiB, of which large bodies (over 64 KiB)
/// may take 768 KiB and small ones the rest.
const BUDGET: usize = 1024 * KIB;

/// How long a test waits for what must come (a hang fails the test).
const GUARD: Duration = Duration::from_secs(20);

/// Each `/upload/{id}` request's bytes read so far, as `(id, total)`.
type Progress = mpsc::UnboundedSender<(u32, usize)>;

/// Reads its body frame by frame, keeping every frame, and reports its
/// total after each; answers the total once the body is whole, 400 if it
/// failed (the server answers 429 instead when the budget refused it).
async fn upload(State(progress): State<Progress>, Path(id): Path<u32>, mut body: Body) -> Response {
    let mut kept = Vec::new();
    let mut total = 0;
    loop {
        match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    total += data.len();
                    kept.push(data);
                    let _ = progress.send((id, total));
                }
            }
            Some(Err(_)) => return (StatusCode::BAD_REQUEST, "the body failed").into_response(),
            None => return total.to_string().into_response(),
        }
    }
}

/// The id under which `/classify` reports what its body's failure was.
const CLASSIFIED: u32 = 0;

/// Reads its body with axum's `Bytes` extractor, as the GitHub listener
/// does, and reports [`refused_by_server`]'s reading of a failure (its
/// status code, 0 for `None`) as upload [`CLASSIFIED`]'s total: the
/// server's own answer replaces the handler's, so the report is the only
/// way to see what the handler was told.
async fn classify(
    State(progress): State<Progress>,
    body: Result<bytes::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    match body {
        Ok(body) => body.into_response(),
        Err(rejection) => {
            let status = refused_by_server(&rejection).map_or(0, |s| s.as_u16());
            let _ = progress.send((CLASSIFIED, usize::from(status)));
            rejection.into_response()
        }
    }
}

/// The bytes each upload has reported.
struct Seen {
    progress: mpsc::UnboundedReceiver<(u32, usize)>,
    totals: HashMap<u32, usize>,
}

impl Seen {
    /// Waits until upload `id`'s handler holds `bytes`.
    async fn holds(&mut self, id: u32, bytes: usize) {
        let wait = async {
            while self.totals.get(&id).copied().unwrap_or(0) < bytes {
                let (from, total) = self.progress.recv().await.unwrap();
                self.totals.insert(from, total);
            }
        };
        tokio::time::timeout(GUARD, wait)
            .await
            .unwrap_or_else(|_| panic!("upload {id} never held {bytes} bytes"));
    }
}

impl Seen {
    /// Every total reported so far.
    fn drained(&mut self) -> &HashMap<u32, usize> {
        while let Ok((from, total)) = self.progress.try_recv() {
            self.totals.insert(from, total);
        }
        &self.totals
    }
}

/// A server on port 0 with the test budget, in `lang`, until the trigger
/// drops, charging every byte of every body (no free allowance: the byte
/// counts below are the budget's own).
async fn start(lang: Lang) -> (SocketAddr, Seen, hooklab_core::shutdown::ShutdownTrigger) {
    start_with(lang, 0).await
}

/// [`start`], leaving the first `free_bytes` of every body uncharged.
async fn start_with(
    lang: Lang,
    free_bytes: usize,
) -> (SocketAddr, Seen, hooklab_core::shutdown::ShutdownTrigger) {
    let (sender, progress) = mpsc::unbounded_channel();
    let router = Router::new()
        .route("/upload/{id}", post(upload))
        .route("/echo", post(|body: bytes::Bytes| async move { body }))
        .route("/classify", post(classify))
        // axum's own cap only (no early 413): 100 KiB.
        .route(
            "/capped",
            post(|body: bytes::Bytes| async move { body })
                .layer(axum::extract::DefaultBodyLimit::max(100 * KIB)),
        )
        .with_state(sender);
    let hour = Duration::from_secs(3_600);
    let limits = ServerLimits {
        header_read_timeout: hour,
        idle_timeout: hour,
        request_timeout: hour,
        body_budget_bytes: BUDGET,
        body_free_bytes: free_bytes,
        lang,
        ..ServerLimits::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, mut shutdown) = hooklab_core::shutdown::channel();
    tokio::spawn(serve(
        listener,
        router,
        async move { shutdown.wait().await },
        limits,
    ));
    let seen = Seen {
        progress,
        totals: HashMap::new(),
    };
    (addr, seen, trigger)
}

/// Opens a connection to upload `id`, declares `declared` bytes and sends
/// `sent` of them.
async fn begin(addr: SocketAddr, id: u32, declared: usize, sent: usize) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head =
        format!("POST /upload/{id} HTTP/1.1\r\nHost: x\r\nContent-Length: {declared}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![b'x'; sent]).await.unwrap();
    stream
}

/// Opens upload `id` and waits until the server holds the `sent` bytes.
async fn stall(
    addr: SocketAddr,
    seen: &mut Seen,
    id: u32,
    declared: usize,
    sent: usize,
) -> TcpStream {
    let stream = begin(addr, id, declared, sent).await;
    seen.holds(id, sent).await;
    stream
}

/// Reads what the server sends until it closes the connection (a reset
/// after the answer counts as closed: the server may not have read the
/// whole body it refused).
async fn until_closed(mut stream: TcpStream) -> String {
    let mut answer = Vec::new();
    let read = async {
        let mut buf = [0; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(GUARD, read)
        .await
        .expect("the server neither answered nor closed the connection");
    String::from_utf8_lossy(&answer).into_owned()
}

/// Requires `answer` to be 429 `server_busy` with `Retry-After: 1` and
/// `Connection: close`, and returns its message.
fn server_busy(answer: &str) -> String {
    assert!(answer.starts_with("HTTP/1.1 429 "), "{answer}");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let head = head.to_ascii_lowercase();
    assert!(head.contains("\r\nretry-after: 1\r\n"), "{answer}");
    assert!(head.contains("\r\nconnection: close\r\n"), "{answer}");
    assert!(
        head.contains("\r\ncontent-type: application/json\r\n"),
        "{answer}"
    );
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["error"]["code"], "server_busy", "{body}");
    body["error"]["message"].as_str().unwrap().to_owned()
}

/// Sends a whole request on a connection of its own and reads the answer.
async fn whole(addr: SocketAddr, path: &str, body_bytes: usize) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {body_bytes}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![b'y'; body_bytes]).await.unwrap();
    until_closed(stream).await
}

#[tokio::test]
async fn stalled_large_bodies_fill_the_budget_and_the_next_large_one_is_refused_429() {
    let (addr, mut seen, _trigger) = start(Lang::PtBr).await;
    // Three clients hold 750 of the 768 KiB large bodies may take.
    let mut stalled = Vec::new();
    for id in 1..=3 {
        stalled.push(stall(addr, &mut seen, id, 260 * KIB, 250 * KIB).await);
    }
    // The fourth declares 260 KiB, which cannot fit: refused at once,
    // before any of its body is sent, and its connection closed.
    let fourth = begin(addr, 4, 260 * KIB, 0).await;
    let message = server_busy(&until_closed(fourth).await);
    // In the server's language.
    assert!(message.contains("tente de novo"), "{message}");
    assert!(message.contains("1 MiB"), "{message}");
    drop(stalled);
}

/// Bodies that each fit when they began, and together do not: the one
/// whose frame would take large bodies past their three quarters is
/// refused mid-way (the charge is per frame, not only a look at the
/// `Content-Length`).
#[tokio::test]
async fn a_body_that_outgrows_the_budget_mid_way_is_refused_429() {
    let (addr, mut seen, _trigger) = start(Lang::En).await;
    let mut open = Vec::new();
    for id in 1..=3 {
        open.push(stall(addr, &mut seen, id, 400 * KIB, KIB).await);
    }
    // 1 and 2 grow to 300 KiB each: 601 KiB held.
    for (id, stream) in [1, 2].into_iter().zip(open.iter_mut()) {
        stream.write_all(&vec![b'x'; 299 * KIB]).await.unwrap();
        seen.holds(id, 300 * KIB).await;
    }
    // 3 sends 200 KiB more, 167 KiB of which would fit.
    let mut third = open.pop().unwrap();
    // (The write may fail: the server stops reading what it refused.)
    let _ = third.write_all(&vec![b'x'; 200 * KIB]).await;
    let message = server_busy(&until_closed(third).await);
    assert!(message.contains("try again"), "{message}");
    let held = seen.drained()[&3];
    assert!(held < 168 * KIB, "upload 3 held {held} bytes");
    drop(open);
}

/// Large bodies stalled up to their three quarters leave the last quarter
/// to small ones: a large body that would still fit the whole budget is
/// refused, small ones are held and answered, up to the whole budget.
#[tokio::test]
async fn small_bodies_get_through_while_large_ones_stall() {
    let (addr, mut seen, _trigger) = start(Lang::En).await;
    let mut stalled = Vec::new();
    for id in 1..=3 {
        stalled.push(stall(addr, &mut seen, id, 260 * KIB, 250 * KIB).await);
    }
    // 274 KiB of the budget are free, but not for a large body.
    let large = begin(addr, 4, 260 * KIB, 0).await;
    server_busy(&until_closed(large).await);
    // Four small bodies stall in the last quarter (986 KiB held), and a
    // small request is answered.
    for id in 5..=8 {
        stalled.push(stall(addr, &mut seen, id, 60 * KIB, 59 * KIB).await);
    }
    let answer = whole(addr, "/echo", 2).await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert!(answer.ends_with("\r\n\r\nyy"), "{answer}");
    // A small body past the whole budget is refused too.
    let small = begin(addr, 9, 60 * KIB, 0).await;
    server_busy(&until_closed(small).await);
    drop(stalled);
}

/// A chunked body declares no length: it is small, and may use the last
/// quarter, until the frame that takes it past 64 KiB; from there it is a
/// large body, refused while large ones fill their three quarters.
#[tokio::test]
async fn a_chunked_body_is_refused_once_it_grows_large_while_large_ones_stall() {
    let (addr, mut seen, _trigger) = start(Lang::En).await;
    let mut stalled = Vec::new();
    for id in 1..=3 {
        stalled.push(stall(addr, &mut seen, id, 260 * KIB, 250 * KIB).await);
    }
    let mut chunked = TcpStream::connect(addr).await.unwrap();
    let head = "POST /upload/4 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    chunked.write_all(head.as_bytes()).await.unwrap();
    // 60 KiB: small so far, held beyond the large bodies' 768 KiB.
    let first = format!("{:x}\r\n{}\r\n", 60 * KIB, "x".repeat(60 * KIB));
    chunked.write_all(first.as_bytes()).await.unwrap();
    seen.holds(4, 60 * KIB).await;
    // 8 KiB more makes it large: refused.
    let second = format!("{:x}\r\n{}\r\n", 8 * KIB, "x".repeat(8 * KIB));
    let _ = chunked.write_all(second.as_bytes()).await;
    server_busy(&until_closed(chunked).await);
    drop(stalled);
}

#[tokio::test]
async fn what_stalled_bodies_held_is_given_back_when_their_clients_go_away() {
    let (addr, mut seen, _trigger) = start(Lang::En).await;
    let mut stalled = Vec::new();
    for id in 1..=3 {
        stalled.push(stall(addr, &mut seen, id, 260 * KIB, 250 * KIB).await);
    }
    let full = begin(addr, 4, 260 * KIB, 0).await;
    server_busy(&until_closed(full).await);
    // The stalled clients give up: each shuts its side and reads until the
    // server has closed the connection, which it does once the body has
    // failed (this runtime has one thread: by the time the client sees the
    // close, the server's task has dropped the request and its body).
    for mut stream in stalled {
        stream.shutdown().await.unwrap();
        until_closed(stream).await;
    }
    // Their 750 KiB are back: a large body fits again, whole.
    let answer = whole(addr, "/upload/5", 300 * KIB).await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert!(
        answer.ends_with(&format!("\r\n\r\n{}", 300 * KIB)),
        "{answer}"
    );
    // And again: a body read whole gives its bytes back too.
    let answer = whole(addr, "/upload/6", 700 * KIB).await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    // The server idle again, a body declared over the whole budget, which
    // no wait would make fit, is not told to try again: the route's own cap
    // refuses it (413), as without the budget.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /capped HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        2 * BUDGET
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // (The write may fail: the server stops reading past its cap.)
    let _ = stream.write_all(&vec![b'x'; 120 * KIB]).await;
    let answer = until_closed(stream).await;
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
}

/// A tester's finding: small bodies may use the whole budget, so 1,024
/// connections each stalling 65,535 of a declared 65,536 bytes spent a
/// 64 MiB budget and an 8 KB webhook delivery was refused 429 until the
/// request deadline cut them. The first bytes of every body are free
/// (`ServerLimits::body_free_bytes`): here 16 KiB, and a body that size
/// gets through however many small ones stall, while a larger one still
/// competes for what is left.
#[tokio::test]
async fn a_body_within_the_free_allowance_gets_through_while_small_ones_fill_the_budget() {
    let (addr, mut seen, _trigger) = start_with(Lang::En, 16 * KIB).await;
    let mut stalled = Vec::new();
    // Each stalls 59 of a declared 60 KiB: 43 KiB charged. 23 of them hold
    // 989 of the 1,024 KiB; the 24th's 44 KiB cannot fit.
    for id in 1..=23 {
        stalled.push(stall(addr, &mut seen, id, 60 * KIB, 59 * KIB).await);
    }
    let refused = begin(addr, 24, 60 * KIB, 0).await;
    server_busy(&until_closed(refused).await);
    // 8 KiB, within the allowance: answered whole.
    let answer = whole(addr, "/echo", 8 * KIB).await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    let (_, body) = answer.split_once("\r\n\r\n").unwrap();
    assert_eq!(body, "y".repeat(8 * KIB), "{}", &answer[..200]);
    // 60 KiB, past it: 44 KiB to charge, 35 KiB left.
    server_busy(&whole(addr, "/echo", 60 * KIB).await);
    drop(stalled);
}

/// A handler whose body the budget refused is told so
/// (`refused_by_server` reads 429 through axum's rejection), so a handler
/// that logs its refusals can say what the client got: the GitHub listener
/// printed "400: body could not be read" beside the server's 429.
#[tokio::test]
async fn a_handler_can_tell_the_budget_refused_its_body() {
    let (addr, mut seen, _trigger) = start(Lang::En).await;
    let mut stalled = Vec::new();
    for id in 1..=3 {
        stalled.push(stall(addr, &mut seen, id, 260 * KIB, 250 * KIB).await);
    }
    // 750 of the 768 KiB large bodies may take are held: 100 KiB more is
    // refused on its first read, before the handler has a byte.
    server_busy(&whole(addr, "/classify", 100 * KIB).await);
    seen.holds(CLASSIFIED, 429).await;
    assert_eq!(seen.drained()[&CLASSIFIED], 429);
    drop(stalled);
}
