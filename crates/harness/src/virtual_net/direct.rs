//! The direct transport: a virtual exchange as one call of the host's
//! router (or of the platform's API service), with no HTTP/1.1 framing in
//! between.
//!
//! The pipe transport serialises every request with hyper's client, pushes
//! the bytes through a `tokio::io::duplex` pipe, parses them again with
//! hyper's server, and the same for the answer: four codecs, two connection
//! tasks and a pipe per exchange, which measured 93–138K exchanges per
//! second on their own (BENCHMARKS.md), under the 100K a whole poll-heavy
//! run must reach. Here the request goes to the [`axum::Router`] as a tower
//! `Service` (`http::Request<Body>` in, `http::Response<Body>` out); the
//! router's layers (trace, body limits, auth) and every handler run exactly
//! as behind hyper. The platform's host is its API service itself
//! (`hooklab_platform::api::Api`: the fast path, then the routes), called
//! without the `axum::Router` that [`hooklab_platform::Platform::router`]
//! puts around it, as the platform's own server calls it.
//!
//! What hyper did that changes what a run observes is kept:
//!
//! - the request the router sees carries the `content-length` hyper's
//!   client adds to a body, the `Host` header and the origin-form target,
//!   as hyper's server would have parsed them (so `body_limit`'s early 413
//!   still answers a declared length over the cap);
//! - the answer the client sees carries the framing header hyper's server
//!   adds (`content-length`, `transfer-encoding: chunked`), its body cut to
//!   what that framing lets through (nothing after a 204 or 304);
//! - **bytes**: both ends of the link count the length hyper would have
//!   written ([`super::wire_len`]), head and body, chunk framing included;
//! - **connections**: a pool per host, as the pipe transport keeps: an
//!   exchange takes an idle connection or opens one (counted at both ends),
//!   gives it back when its answer has been read, and closes it on
//!   `connection: close`, when the pool is full, when a body is dropped
//!   before its end, or when the exchange is abandoned (a caller's timeout
//!   drops the future: the handler is dropped with it, as hyper's server
//!   drops the service future when it finds its client gone);
//! - a held request's or a stream's body is read by a task of its own as
//!   the handler yields it, as hyper's server writes it into the pipe
//!   whether or not the client reads yet.
//!
//! What is not kept: a body larger than the pipe (64 KiB) no longer makes
//! its writer wait for its reader, and a body the server answers without
//! reading (the early 413) is counted whole, where hyper's server counts
//! what it happened to read. Neither occurs in hooklab's scenarios.

use super::wire_len::{self, Added, BodyLength, CHUNKED_END, Framing};
use super::{App, Host};
use crate::meter::{ConnEnd, End};
use axum::body::Body;
use bytes::{Bytes, BytesMut};
use hooklab_core::http::{ChunkFuture, Chunks, TransportError};
use http_body_util::BodyExt;
use hyper::body::Body as _;
use std::sync::Arc;
use tower::ServiceExt;

/// One virtual connection: its two ends, each counted open until dropped.
pub(super) struct Conn {
    _client: ConnEnd,
    _server: ConnEnd,
}

impl Conn {
    /// A new connection to `host`: one more opened at both ends.
    pub(super) fn open(host: &Host) -> Self {
        Conn {
            _client: ConnEnd::new(host.link.clone(), End::Client),
            _server: ConnEnd::new(host.link.clone(), End::Server),
        }
    }
}

/// A request as the router receives it, and what the exchange must know
/// of it afterwards.
struct Prepared {
    request: http::Request<Body>,
    method: http::Method,
    /// The request asked to close the connection after its answer.
    close: bool,
}

/// Puts `request` in the form hyper's server would have handed the router
/// and counts the bytes hyper's client would have written for it.
fn prepare(host: &Host, request: http::Request<Bytes>) -> Result<Prepared, TransportError> {
    let (mut parts, body) = super::origin_form(request, &host.authority)?.into_parts();
    let framing = wire_len::client_framing(&mut parts.headers, body.len() as u64);
    let len = body.len() as u64;
    let body_wire = match framing {
        Framing::Chunked if len > 0 => wire_len::chunk(len) + CHUNKED_END,
        Framing::Chunked => CHUNKED_END,
        Framing::Length(_) | Framing::CloseDelimited => len,
    };
    host.link.carried_request(
        wire_len::request_head(&parts.method, &parts.uri, &parts.headers) + body_wire,
    );
    // Nothing of the caller's request but its bytes reaches a server.
    parts.extensions = http::Extensions::new();
    let method = parts.method.clone();
    let close = wire_len::wants_close(&parts.headers);
    Ok(Prepared {
        request: http::Request::from_parts(parts, Body::from(body)),
        method,
        close,
    })
}

/// What hyper's server knows of `body` before it writes the head.
fn body_length(body: &Body) -> BodyLength {
    if body.is_end_stream() {
        BodyLength::None
    } else {
        match body.size_hint().exact() {
            Some(n) => BodyLength::Known(n),
            None => BodyLength::Unknown,
        }
    }
}

/// Runs the host's app on `prepared`, counts the answer's head, and gives the
/// head as the client would read it (hyper's framing header added), the
/// body still to read, its framing, and whether the connection must close.
async fn answer(host: &Host, prepared: Prepared) -> (http::response::Parts, Body, Framing, bool) {
    let Prepared {
        request,
        method,
        close,
    } = prepared;
    let response = match &host.app {
        App::Router(router) => router.clone().oneshot(request).await,
        // No clone: the API answers from a shared reference.
        App::Platform(api) => api.answer(request).await,
    };
    let response = match response {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let (mut parts, body) = response.into_parts();
    let length = body_length(&body);
    let reason = parts
        .extensions
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| r.as_bytes().to_vec());
    let head = wire_len::response_head(
        &method,
        parts.status,
        reason.as_deref(),
        &parts.headers,
        length,
    );
    host.link.carried_response(head.bytes);
    // The head as hyper's client would parse it: with the framing header
    // hyper's server wrote, without a length it left out.
    if head.dropped_length {
        parts.headers.remove(http::header::CONTENT_LENGTH);
    }
    match head.added {
        Added::Nothing => {}
        Added::Length(n) => {
            parts
                .headers
                .insert(http::header::CONTENT_LENGTH, host.lengths.value(n));
        }
        Added::Chunked => {
            parts.headers.insert(
                http::header::TRANSFER_ENCODING,
                http::HeaderValue::from_static("chunked"),
            );
        }
    }
    let framing = head.framing;
    let close = close || wire_len::wants_close(&parts.headers);
    // A body hyper would not send (after a HEAD, a 204, a 304): none.
    let body = match framing {
        Framing::Length(0) => Body::empty(),
        _ => body,
    };
    (parts, body, framing, close)
}

/// `content-length` values made before, by length: a value made from a
/// number allocates its text, and a run's answers come in few lengths (a
/// pending payment, an empty page), so nearly every answer finds its value
/// here and takes a clone (a reference count) instead. Direct-mapped by
/// the length's low bits: a miss replaces the slot.
pub(super) struct Lengths(std::sync::Mutex<[Option<(u64, http::HeaderValue)>; LENGTH_SLOTS]>);

const LENGTH_SLOTS: usize = 16;

impl Lengths {
    pub(super) fn new() -> Self {
        Lengths(std::sync::Mutex::new(std::array::from_fn(|_| None)))
    }

    /// The header value of length `n`, as `HeaderValue::from(n)` makes it.
    fn value(&self, n: u64) -> http::HeaderValue {
        let mut slots = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let slot = &mut slots[(n % LENGTH_SLOTS as u64) as usize];
        match slot {
            Some((len, value)) if *len == n => value.clone(),
            _ => {
                let value = http::HeaderValue::from(n);
                *slot = Some((n, value.clone()));
                value
            }
        }
    }
}

/// What is left to send of a body framed as `framing`, as bytes go.
struct Framer {
    framing: Framing,
    /// For a length-framed body: bytes still owed.
    remaining: u64,
}

impl Framer {
    fn new(framing: Framing) -> Self {
        let remaining = match framing {
            Framing::Length(n) => n,
            Framing::Chunked | Framing::CloseDelimited => u64::MAX,
        };
        Framer { framing, remaining }
    }

    /// `data` as it arrives at the client (cut to what a length lets
    /// through) and the bytes it costs on the wire.
    fn frame(&mut self, mut data: Bytes) -> (Bytes, u64) {
        match self.framing {
            Framing::Chunked => {
                let wire = wire_len::chunk(data.len() as u64);
                (data, wire)
            }
            Framing::Length(_) | Framing::CloseDelimited => {
                if (data.len() as u64) > self.remaining {
                    data.truncate(self.remaining as usize);
                }
                self.remaining -= data.len() as u64;
                let wire = data.len() as u64;
                (data, wire)
            }
        }
    }

    /// The bytes the body's end costs.
    fn end(&self) -> u64 {
        match self.framing {
            Framing::Chunked => CHUNKED_END,
            Framing::Length(_) | Framing::CloseDelimited => 0,
        }
    }

    /// Whether the length the head declared was all sent.
    fn complete(&self) -> bool {
        !matches!(self.framing, Framing::Length(_)) || self.remaining == 0
    }
}

fn broken(e: axum::Error) -> TransportError {
    TransportError::Broken(Box::new(e))
}

/// Scheduler turns a message spends on its way, each way: over a pipe, a
/// request waits for the client connection's task to write it and the
/// server connection's task to read it, and the answer the same back.
const HOPS_EACH_WAY: usize = 2;

/// A message on its way: the caller's task steps aside `hops` times, so
/// the exchange holds its connection while the other tasks woken at the
/// same instant run, as an exchange over a pipe does. Without it an
/// exchange would finish inside one turn of its task, and exchanges that
/// start together would share one connection where HTTP/1.1 (and the pipe
/// transport) opens one per concurrent exchange: `crash-lab`'s 300
/// checkouts at one instant opened 128 connections with no step aside, 197
/// with one each way, and 300, as over pipes, from four in all.
async fn in_flight_n(hops: usize) {
    for _ in 0..hops {
        in_flight().await;
    }
}

async fn in_flight() {
    // Not `tokio::task::yield_now`: tokio defers that wake-up until after
    // its timer driver has been polled, where a paused clock may move on.
    // Waking at once puts the task at the back of the run queue, at the
    // same instant.
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}

/// One whole exchange with `host`: what `VirtualHttp::send` does in direct
/// mode.
pub(super) async fn send(
    host: Arc<Host>,
    request: http::Request<Bytes>,
) -> Result<http::Response<Bytes>, TransportError> {
    let conn = host.checkout_direct();
    let prepared = prepare(&host, request)?;
    in_flight_n(HOPS_EACH_WAY).await;
    let (parts, mut body, framing, close) = answer(&host, prepared).await;
    let mut framer = Framer::new(framing);
    let mut wire = 0;
    let mut whole = Bytes::new();
    let mut more: Option<BytesMut> = None;
    while let Some(frame) = body.frame().await {
        // A body that fails midway: hyper's server aborts the connection.
        let Ok(data) = frame.map_err(broken)?.into_data() else {
            continue; // trailers: hooklab's servers send none
        };
        if data.is_empty() || framer.remaining == 0 {
            continue;
        }
        let (data, bytes) = framer.frame(data);
        wire += bytes;
        match &mut more {
            Some(buf) => buf.extend_from_slice(&data),
            None if whole.is_empty() => whole = data,
            None => {
                let mut buf = BytesMut::from(&whole[..]);
                buf.extend_from_slice(&data);
                more = Some(buf);
            }
        }
    }
    host.link.carried_response(wire + framer.end());
    if !framer.complete() {
        return Err(TransportError::Broken(
            "the body ended before its declared length".into(),
        ));
    }
    in_flight_n(HOPS_EACH_WAY).await;
    host.checkin_direct(conn, close);
    let body = more.map_or(whole, BytesMut::freeze);
    Ok(http::Response::from_parts(parts, body))
}

/// A piece of a body on its way from the task reading the handler's body
/// to the client.
enum Piece {
    Data(Bytes),
    Failed(TransportError),
    /// The body ended: the connection, to give back unless it must close.
    End(Conn, bool),
}

/// An exchange whose answer is read as it arrives: what `VirtualHttp::open`
/// does in direct mode.
pub(super) async fn open(
    host: Arc<Host>,
    request: http::Request<Bytes>,
) -> Result<http::Response<Box<dyn Chunks>>, TransportError> {
    let conn = host.checkout_direct();
    let prepared = prepare(&host, request)?;
    in_flight_n(HOPS_EACH_WAY).await;
    let (parts, body, framing, close) = answer(&host, prepared).await;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let link = host.link.clone();
    tokio::spawn(async move {
        let mut body = std::pin::pin!(body);
        let mut framer = Framer::new(framing);
        loop {
            // `biased`: a fixed polling order, so runs are reproducible.
            let frame = tokio::select! {
                biased;
                // The client went away: hyper's server would find the
                // connection closed and drop the body; so does this task,
                // and the connection with it.
                () = tx.closed() => return,
                frame = body.frame() => frame,
            };
            match frame {
                Some(Ok(frame)) => {
                    let Ok(data) = frame.into_data() else {
                        continue;
                    };
                    if data.is_empty() || framer.remaining == 0 {
                        continue;
                    }
                    let (data, wire) = framer.frame(data);
                    link.carried_response(wire);
                    if tx.send(Piece::Data(data)).is_err() {
                        return;
                    }
                }
                Some(Err(e)) => {
                    let _ = tx.send(Piece::Failed(broken(e)));
                    return;
                }
                None => {
                    link.carried_response(framer.end());
                    let piece = if framer.complete() {
                        Piece::End(conn, close)
                    } else {
                        Piece::Failed(TransportError::Broken(
                            "the body ended before its declared length".into(),
                        ))
                    };
                    let _ = tx.send(piece);
                    return;
                }
            }
        }
    });
    // The head on its way back (the body follows through the task).
    in_flight_n(HOPS_EACH_WAY).await;
    let chunks: Box<dyn Chunks> = Box::new(DirectChunks {
        rx,
        host: Some(host),
    });
    Ok(http::Response::from_parts(parts, chunks))
}

/// A response body read as the handler yields it. The connection goes
/// back to its host's pool once the client has read the end, as the pipe
/// transport's does; dropped before that, it closes.
struct DirectChunks {
    rx: tokio::sync::mpsc::UnboundedReceiver<Piece>,
    /// Until the body ended.
    host: Option<Arc<Host>>,
}

impl Chunks for DirectChunks {
    fn next_chunk(&mut self) -> ChunkFuture<'_> {
        Box::pin(async move {
            let host = self.host.as_ref()?;
            match self.rx.recv().await {
                Some(Piece::Data(data)) => Some(Ok(data)),
                Some(Piece::End(conn, close)) => {
                    host.checkin_direct(conn, close);
                    self.host = None;
                    None
                }
                Some(Piece::Failed(e)) => {
                    self.host = None;
                    Some(Err(e))
                }
                None => {
                    self.host = None;
                    Some(Err(TransportError::Broken(
                        "the server stopped answering".into(),
                    )))
                }
            }
        })
    }
}
