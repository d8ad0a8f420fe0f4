//! The request-head deadline, and the refusals a head earns before hyper
//! reads it.
//!
//! **The deadline.** A client has `header_read_timeout` to send a request's
//! head, counted from when the connection opened or from when the last
//! answer was done. [`HeadDeadline`] keeps that clock on the connection's
//! bytes, in place of hyper's header-read timer, for three clients:
//!
//! - one that connects and sends nothing: closed at the deadline;
//! - one that sends half a head (a GET one byte every 100 ms): answered
//!   `408 request_timeout` in the JSON shape, then closed (hyper's own timer
//!   only dropped it, with no byte sent, while a slow body got a 408);
//! - one that keeps a connection idle between two requests: closed at the
//!   deadline (no 408 there: it could be read as the answer to the next
//!   request the client sends).
//!
//! The clock stops while the server answers. Whether it does is the
//! connection's [`Phase`], shared with the service (`Edge` in `server.rs`):
//! answering from when hyper hands it a request until the answer's body is
//! done, so a long poll held for a minute or an event stream is not a slow
//! head. The answer done, the clock restarts (at once, and again at each
//! write until the next head comes).
//!
//! **The refusals.** The same bytes are scanned line by line (`memchr`) as
//! they pass, and the heads hyper would refuse with an empty body are
//! answered here, in the JSON shape, before hyper parses them (the rules
//! are `scan.rs`'s):
//!
//! - a request target over the server's
//!   [`max_target_bytes`](super::ServerLimits::max_target_bytes): `414 uri_too_long`, as
//!   soon as the target passes the limit rather than after the whole head
//!   (hyper's own limit is 64 KiB, answered with no body);
//! - a head with both `Content-Length` and `Transfer-Encoding`: `400
//!   bad_request`. Which one frames the body is the classic way to smuggle
//!   a request past a proxy that picks the other; hyper would follow
//!   `Transfer-Encoding`, but a server at the edge should not guess;
//! - a head that is not HTTP/1.1's syntax (a bad request line, a NUL in
//!   the target, a target that is not UTF-8, a header line with no colon,
//!   a bare carriage return):
//!   `400 malformed_request`; a version such as `HTTP/2.0`: `400
//!   unsupported_http_version`; a `Content-Length` that is not a number, or
//!   two different ones: `400 bad_content_length`; a `Transfer-Encoding`
//!   other than `chunked`: `400 unsupported_transfer_encoding`;
//! - a header line over
//!   [`max_header_bytes`](super::ServerLimits::max_header_bytes), a head over
//!   [`max_head_bytes`](super::ServerLimits::max_head_bytes), or more than 100
//!   headers: `431 headers_too_large`, as soon as the limit is passed.
//!
//! The messages are English: the server has no language setting of its own
//! (its callers' languages are for their own routes' messages).
//!
//! Only a head whose first byte the scanner knows is scanned: after a body
//! whose end it cannot place (a chunked one, left to hyper, which bounds
//! it; or bytes of a pipelined request read with the one before), the
//! connection's later heads are left to hyper's own checks. The deadline
//! does not depend on the scan.
//!
//! Answers are written best effort, with one non-blocking write: a client
//! that sends a head and does not read has an empty send buffer, so a short
//! answer always fits; if it does not, the connection closes without it.
//! Before a refusal, what the client already sent is read and dropped, so
//! that closing with unread bytes does not reset the connection under the
//! answer.

mod scan;

use super::Expiry;
use super::on_write::{OnWrite, Wrote};
use crate::wire::ErrorBody;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

pub(super) use scan::HeadLimits;
use scan::{Malformed, Refusal, Scan, TooLarge};

/// At most this much of what a refused client sent is read and dropped
/// before the refusal is written.
const MAX_DRAIN_BYTES: usize = 64 * 1024;

/// Where a connection is between requests, as its service tells the
/// [`HeadDeadline`]. Both are polled by the connection's one task, so the
/// atomic only has to be `Sync`, not ordered.
#[derive(Debug, Default)]
pub(super) struct Phase(AtomicU8);

/// Waiting for a head: the deadline runs.
const WAITING: u8 = 0;
/// hyper handed the service a request: no deadline until it is answered.
const ANSWERING: u8 = 1;
/// The answer is done; the stream restarts its clock when it next looks.
const ANSWERED: u8 = 2;

impl Phase {
    /// hyper handed the service a request.
    pub(super) fn answering(&self) {
        self.0.store(ANSWERING, Ordering::Relaxed);
    }

    /// The request's answer is done (its body sent to hyper whole).
    pub(super) fn answered(&self) {
        self.0.store(ANSWERED, Ordering::Relaxed);
    }

    fn get(&self) -> u8 {
        self.0.load(Ordering::Relaxed)
    }

    fn set_waiting(&self) {
        self.0.store(WAITING, Ordering::Relaxed);
    }
}

/// A connection whose request heads must arrive within `limit`. Its write
/// side is [`OnWrite`]'s (an answer going out restarts the clock); the clock
/// and the scan are its [`Head`] state.
pub(super) type HeadDeadline<T> = OnWrite<T, Head>;

/// A [`HeadDeadline`]'s clock and what it read of the current head.
pub(super) struct Head {
    limit: Duration,
    /// When the current head's time started: the connection's opening or
    /// the last answer.
    since: Instant,
    /// Set at `since + limit` or earlier: it is moved only once it fired
    /// (moving a tokio timer takes the timer wheel's lock; doing it on
    /// every request of a kept-alive connection showed against a bare
    /// server), and a timer that fired early is set again.
    timer: Pin<Box<Sleep>>,
    /// The connection's shared state: its [`Phase`] (`expiry.phase`).
    shared: Arc<Expiry>,
    /// Bytes read since the clock restarted.
    read: u64,
    scan: Scan,
    /// The limits the scan holds heads to, for the refusals' messages.
    limits: HeadLimits,
    /// What a refusal found while the client's bytes are drained.
    refusing: Option<Refusal>,
    drained: usize,
}

/// `inner`, its request heads due within `limit` and held to `limits`;
/// `shared` is the connection's state its service sets the [`Phase`] of.
pub(super) fn head_deadline<T>(
    inner: T,
    limit: Duration,
    limits: HeadLimits,
    shared: Arc<Expiry>,
) -> HeadDeadline<T> {
    let now = Instant::now();
    OnWrite {
        inner,
        state: Head {
            limit,
            since: now,
            timer: Box::pin(tokio::time::sleep_until(now + limit)),
            shared,
            read: 0,
            scan: Scan::new(true, 0, limits),
            limits,
            refusing: None,
            drained: 0,
        },
    }
}

impl Head {
    /// The answer is done: the next head's time starts now.
    fn restart(&mut self) {
        self.since = Instant::now();
        self.read = 0;
        self.scan = self.scan.next();
        self.shared.phase.set_waiting();
    }

    /// Restarts the clock if the service said its answer is done.
    fn look(&mut self) {
        if self.shared.phase.get() == ANSWERED {
            self.restart();
        }
    }

    /// Whether the head's time ran out (`since + limit` has passed).
    fn timed_out(&mut self, cx: &mut Context<'_>) -> bool {
        let deadline = self.since + self.limit;
        loop {
            if self.timer.is_elapsed() {
                if Instant::now() >= deadline {
                    return true;
                }
                self.timer.as_mut().reset(deadline);
            }
            match self.timer.as_mut().poll(cx) {
                Poll::Pending => return false,
                Poll::Ready(()) => continue,
            }
        }
    }
}

impl Wrote for Head {
    /// An answer's bytes went out: unless the service is still answering
    /// (a stream's next event, a `100 Continue`), the next head's time
    /// starts now.
    fn wrote(&mut self) {
        if self.shared.phase.get() != ANSWERING {
            self.restart();
        }
    }
}

/// The status, code and message of a `refusal`.
fn said(
    refusal: Refusal,
    limit: Duration,
    limits: HeadLimits,
) -> (&'static str, &'static str, String) {
    const BAD: &str = "400 Bad Request";
    const MALFORMED: &str = "malformed_request";
    const TOO_LARGE: &str = "431 Request Header Fields Too Large";
    match refusal {
        Refusal::TooSlow => (
            "408 Request Timeout",
            "request_timeout",
            format!(
                "the request's head did not arrive within {} s",
                limit.as_secs_f64()
            ),
        ),
        Refusal::TargetTooLong => (
            "414 URI Too Long",
            "uri_too_long",
            format!(
                "the request target (path and query) is over this server's limit of {} bytes",
                limits.target
            ),
        ),
        Refusal::AmbiguousLength => (
            BAD,
            "bad_request",
            "the request has both Content-Length and Transfer-Encoding: which one frames \
             the body is ambiguous; send one"
                .to_owned(),
        ),
        Refusal::Malformed(what) => (
            BAD,
            MALFORMED,
            match what {
                Malformed::RequestLine => {
                    "the request line is not `METHOD /target HTTP/1.1` \
                                           (a token method, one space between the three parts)"
                }
                Malformed::TargetByte => {
                    "the request target holds a byte a URL cannot \
                                          (a control byte such as NUL, or DEL): percent-encode it"
                }
                Malformed::TargetNotUtf8 => {
                    "the request target is not UTF-8: percent-encode its bytes \
                     (`%C3%A9` for `é`)"
                }
                Malformed::HeaderLine => {
                    "a header line is not `Name: value` (a token name \
                                          at the line's start, then a colon)"
                }
                Malformed::HeaderByte => {
                    "a header value holds a control byte (NUL, a carriage \
                                          return, ...); only tab and visible bytes may be sent"
                }
                Malformed::BareCr => "a line holds a carriage return not followed by a line feed",
            }
            .to_owned(),
        ),
        Refusal::UnsupportedVersion => (
            BAD,
            "unsupported_http_version",
            "this server speaks HTTP/1.1 and HTTP/1.0 only; send `HTTP/1.1` on the request line"
                .to_owned(),
        ),
        Refusal::BadContentLength => (
            BAD,
            "bad_content_length",
            "Content-Length must be one plain decimal number, the same in every \
             Content-Length header"
                .to_owned(),
        ),
        Refusal::UnsupportedTransferEncoding => (
            BAD,
            "unsupported_transfer_encoding",
            "the only Transfer-Encoding this server reads is `chunked`, last, on an HTTP/1.1 \
             request; send the body as it is, with Content-Length"
                .to_owned(),
        ),
        Refusal::TooLarge(what) => (
            TOO_LARGE,
            "headers_too_large",
            match what {
                TooLarge::Line => format!(
                    "a header line is over this server's limit of {} bytes",
                    limits.line
                ),
                TooLarge::Count => {
                    format!("the request has over {} headers", scan::MAX_HEADERS)
                }
                TooLarge::Head => format!(
                    "the request's head is over this server's limit of {} bytes",
                    limits.head
                ),
            },
        ),
    }
}

/// The answer written for a `refusal`: the JSON error shape, closing.
fn answer(refusal: Refusal, limit: Duration, limits: HeadLimits) -> Vec<u8> {
    let (status, code, message) = said(refusal, limit, limits);
    let body = serde_json::to_vec(&ErrorBody::new(code, message)).unwrap_or_default();
    let mut answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
}

impl<T: AsyncRead + AsyncWrite + Unpin> HeadDeadline<T> {
    /// Writes the refusal (one try: see the module docs) and fails the
    /// read, which ends the connection.
    fn refuse(&mut self, cx: &mut Context<'_>, refusal: Refusal) -> Poll<io::Result<()>> {
        let answer = answer(refusal, self.state.limit, self.state.limits);
        let _ = Pin::new(&mut self.inner).poll_write(cx, &answer);
        let _ = Pin::new(&mut self.inner).poll_flush(cx);
        let (status, code, _) = said(refusal, self.state.limit, self.state.limits);
        let why = format!("the request's head was refused: {status} {code}");
        Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, why)))
    }

    /// Reads and drops what the refused client has sent so far (at most
    /// [`MAX_DRAIN_BYTES`]), then refuses.
    fn drain_and_refuse(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
        refusal: Refusal,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        while self.state.drained < MAX_DRAIN_BYTES {
            match Pin::new(&mut self.inner).poll_read(cx, buf) {
                Poll::Ready(Ok(())) if buf.filled().len() > before => {
                    self.state.drained += buf.filled().len() - before;
                    buf.set_filled(before);
                }
                // The end of the stream, an error, or nothing more yet.
                _ => break,
            }
        }
        self.state.refusing = None;
        self.refuse(cx, refusal)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for HeadDeadline<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(refusal) = this.state.refusing {
            return this.drain_and_refuse(cx, buf, refusal);
        }
        this.state.look();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let head = &mut this.state;
                let new = &buf.filled()[before..];
                head.read += new.len() as u64;
                match head.scan.saw(new) {
                    None => Poll::Ready(Ok(())),
                    Some(refusal) => {
                        // hyper never sees a refused head.
                        buf.set_filled(before);
                        head.refusing = Some(refusal);
                        this.drain_and_refuse(cx, buf, refusal)
                    }
                }
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let head = &mut this.state;
                // No deadline while the service answers (a long poll, a
                // body read under its own deadline, an event stream).
                if head.shared.phase.get() != WAITING || !head.timed_out(cx) {
                    return Poll::Pending;
                }
                match head.read {
                    // Nothing of a head: a silent or idle connection,
                    // closed with no answer (see the module docs).
                    0 => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "no request head within the header-read timeout",
                    ))),
                    _ => this.refuse(cx, Refusal::TooSlow),
                }
            }
        }
    }
}
