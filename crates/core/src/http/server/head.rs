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
//! they pass, and two heads are answered here, in the JSON shape, before
//! hyper parses them:
//!
//! - a request target over [`MAX_TARGET_BYTES`]: `414 uri_too_long`, as
//!   soon as the target passes the limit rather than after the whole head
//!   (hyper's own limit is 64 KiB, answered with no body);
//! - a head with both `Content-Length` and `Transfer-Encoding`: `400
//!   bad_request`. Which one frames the body is the classic way to smuggle
//!   a request past a proxy that picks the other; hyper would follow
//!   `Transfer-Encoding`, but a server at the edge should not guess.
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

/// The longest request target (path and query) a server takes: 8 KiB, what
/// common proxies allow; a longer one is answered `414 uri_too_long`.
pub const MAX_TARGET_BYTES: usize = 8 * 1024;

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
    /// What a refusal found while the client's bytes are drained.
    refusing: Option<Refusal>,
    drained: usize,
}

/// Why a head is refused here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    /// The head did not arrive within the limit (408).
    TooSlow,
    /// The request target is over [`MAX_TARGET_BYTES`] (414).
    TargetTooLong,
    /// Both `Content-Length` and `Transfer-Encoding` (400).
    AmbiguousLength,
}

/// How much of the current line [`Scan`] keeps: enough for a
/// `Content-Length` header with any `u64` and some spaces.
const KEPT: usize = 48;

/// The line-by-line scan of one request head.
#[derive(Clone, Debug)]
struct Scan {
    /// Whether this head's first byte is known (see the module docs).
    aligned: bool,
    /// Bytes of the body before this one's that are still to come and are
    /// not a head (a body hyper drains after the answer).
    skip: u64,
    /// Lines ended so far (0: on the request line).
    lines: u32,
    /// The current line's length so far, and its first bytes.
    line_len: usize,
    kept: [u8; KEPT],
    /// Spaces seen on the request line, and the target's length so far.
    spaces: u8,
    target_len: usize,
    /// The blank line that ends the head was read.
    done: bool,
    /// Bytes read after the head's end (its body, and maybe more).
    after: u64,
    /// The head's `Content-Length`, if it has one (`Err`: one that is not
    /// a plain number, or two different ones).
    length: Option<Result<u64, ()>>,
    chunked: bool,
}

impl Scan {
    fn new(aligned: bool, skip: u64) -> Self {
        Scan {
            aligned,
            skip,
            lines: 0,
            line_len: 0,
            kept: [0; KEPT],
            spaces: 0,
            target_len: 0,
            done: false,
            after: 0,
            length: None,
            chunked: false,
        }
    }

    /// The scan of the next head, once this one's answer is done: aligned
    /// only if this head's body ended where its `Content-Length` says and
    /// nothing was read past it (then what comes next is a head's first
    /// byte), with what is still to come of the body skipped.
    fn next(&self) -> Self {
        if !self.aligned {
            return Scan::new(false, 0);
        }
        if !self.done {
            // Answered (by hyper, or a refusal) before the head ended: the
            // connection closes; start clean.
            return Scan::new(self.lines == 0 && self.line_len == 0, 0);
        }
        match (self.chunked, self.length) {
            (false, None) => Scan::new(self.after == 0, 0),
            (false, Some(Ok(length))) if self.after <= length => {
                Scan::new(true, length - self.after)
            }
            _ => Scan::new(false, 0),
        }
    }

    /// Scans bytes read: whether they earn a refusal.
    fn saw(&mut self, mut bytes: &[u8]) -> Option<Refusal> {
        if !self.aligned {
            return None;
        }
        if self.skip > 0 {
            let skipped = bytes
                .len()
                .min(usize::try_from(self.skip).unwrap_or(usize::MAX));
            self.skip -= skipped as u64;
            bytes = &bytes[skipped..];
        }
        while !bytes.is_empty() {
            if self.done {
                self.after += bytes.len() as u64;
                return None;
            }
            let (part, ended, rest) = match memchr::memchr(b'\n', bytes) {
                Some(at) => (&bytes[..at], true, &bytes[at + 1..]),
                None => (bytes, false, &[][..]),
            };
            if let Some(refusal) = self.part(part) {
                return Some(refusal);
            }
            if ended && let Some(refusal) = self.end_line() {
                return Some(refusal);
            }
            bytes = rest;
        }
        None
    }

    /// A piece of the current line (no `\n` in it).
    fn part(&mut self, part: &[u8]) -> Option<Refusal> {
        if self.line_len < KEPT {
            let keep = part.len().min(KEPT - self.line_len);
            self.kept[self.line_len..self.line_len + keep].copy_from_slice(&part[..keep]);
        }
        self.line_len += part.len();
        if self.lines > 0 {
            return None;
        }
        // The request line: `METHOD SP target SP version`.
        let mut rest = part;
        while !rest.is_empty() {
            let (field, spaced, after) = match memchr::memchr(b' ', rest) {
                Some(at) => (&rest[..at], true, &rest[at + 1..]),
                None => (rest, false, &[][..]),
            };
            if self.spaces == 1 {
                self.target_len += field.len();
                if self.target_len > MAX_TARGET_BYTES {
                    return Some(Refusal::TargetTooLong);
                }
            }
            if spaced {
                self.spaces = self.spaces.saturating_add(1);
            }
            rest = after;
        }
        None
    }

    /// The current line ended (its `\n` read).
    fn end_line(&mut self) -> Option<Refusal> {
        let kept = &self.kept[..self.line_len.min(KEPT)];
        // A line longer than what is kept cannot hold a plain number.
        let whole = self.line_len < KEPT;
        let blank = self.line_len == 0 || (self.line_len == 1 && kept == b"\r");
        let line = self.lines;
        self.line_len = 0;
        if blank {
            // Empty lines before a request line are skipped (RFC 9112,
            // 2.2), as hyper skips them; after it, one ends the head.
            if line > 0 {
                self.done = true;
            }
            return None;
        }
        self.lines += 1;
        if line == 0 {
            return None;
        }
        if let Some(value) = header_value(kept, b"content-length:") {
            let parsed = match whole {
                true => plain_number(value),
                false => Err(()),
            };
            self.length = match self.length {
                None => Some(parsed),
                Some(Ok(earlier)) if parsed == Ok(earlier) => Some(parsed),
                Some(_) => Some(Err(())),
            };
        } else if header_value(kept, b"transfer-encoding:").is_some() {
            self.chunked = true;
        } else {
            return None;
        }
        match (self.length.is_some(), self.chunked) {
            (true, true) => Some(Refusal::AmbiguousLength),
            _ => None,
        }
    }
}

/// The value of header `name` (lower case, with its colon) on `line`, if
/// the line is that header.
fn header_value<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let head = line.get(..name.len())?;
    head.eq_ignore_ascii_case(name).then(|| &line[name.len()..])
}

/// A header value that is one plain decimal number, spaces around it.
fn plain_number(value: &[u8]) -> Result<u64, ()> {
    let text = std::str::from_utf8(value).map_err(drop)?;
    let text = text.trim_matches(|c| c == ' ' || c == '\t' || c == '\r');
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    text.parse().map_err(drop)
}

/// `inner`, its request heads due within `limit`; `shared` is the
/// connection's state its service sets the [`Phase`] of.
pub(super) fn head_deadline<T>(inner: T, limit: Duration, shared: Arc<Expiry>) -> HeadDeadline<T> {
    let now = Instant::now();
    OnWrite {
        inner,
        state: Head {
            limit,
            since: now,
            timer: Box::pin(tokio::time::sleep_until(now + limit)),
            shared,
            read: 0,
            scan: Scan::new(true, 0),
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

/// The answer written for a `refusal`: the JSON error shape, closing.
fn answer(refusal: Refusal, limit: Duration) -> Vec<u8> {
    let (status, code, message) = match refusal {
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
                "the request target (path and query) is over this server's limit of {MAX_TARGET_BYTES} bytes"
            ),
        ),
        Refusal::AmbiguousLength => (
            "400 Bad Request",
            "bad_request",
            "the request has both Content-Length and Transfer-Encoding: which one frames \
             the body is ambiguous; send one"
                .to_owned(),
        ),
    };
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
        let answer = answer(refusal, self.state.limit);
        let _ = Pin::new(&mut self.inner).poll_write(cx, &answer);
        let _ = Pin::new(&mut self.inner).poll_flush(cx);
        let why = match refusal {
            Refusal::TooSlow => "the request's head did not arrive in time (answered 408)",
            Refusal::TargetTooLong => "the request target was too long (answered 414)",
            Refusal::AmbiguousLength => {
                "the request had Content-Length and Transfer-Encoding (answered 400)"
            }
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a head ends in `text` read whole (the reference): after the
    /// first empty line that follows a non-empty one, `\n` or `\r\n`.
    fn reference_end(text: &[u8]) -> Option<usize> {
        let mut seen_line = false;
        let mut start = 0;
        for (at, byte) in text.iter().enumerate() {
            if *byte == b'\n' {
                let line = &text[start..at];
                let blank = line.is_empty() || line == b"\r";
                if blank && seen_line {
                    return Some(at + 1);
                }
                seen_line |= !blank;
                start = at + 1;
            }
        }
        None
    }

    /// The line scan finds the end of a head exactly where the reference
    /// does on the joined bytes, however they are split across reads.
    #[test]
    fn the_scan_agrees_with_a_joined_buffer_at_every_split() {
        let long = format!(
            "GET /{} HTTP/1.1\r\nX-Long: {}\r\nContent-Length: 0\r\n\r\n",
            "p".repeat(60),
            "v".repeat(60)
        );
        let texts: [&[u8]; 8] = [
            long.as_bytes(),
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\n\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: \r\r\n\n\r\n\rHost: y\r\n",
            b"\r\n\r",
            b"\r\nGET / HTTP/1.1\nHost: y\n\n",
            b"\n\r\n\r\n",
            b"GET / HTTP/1.1\r\nX-Pad: \r\n\r",
        ];
        for text in texts {
            let end = reference_end(text);
            for cut in 0..=text.len() {
                for cut2 in cut..=text.len() {
                    let mut scan = Scan::new(true, 0);
                    for part in [&text[..cut], &text[cut..cut2], &text[cut2..]] {
                        assert_eq!(scan.saw(part), None);
                    }
                    assert_eq!(scan.done, end.is_some(), "{text:?} cut at {cut}, {cut2}");
                    if let Some(end) = end {
                        assert_eq!(scan.after, (text.len() - end) as u64);
                    }
                }
            }
        }
    }

    #[test]
    fn an_over_long_target_is_refused_at_every_split_and_one_at_the_limit_is_not() {
        let long = format!("GET /{} HTTP/1.1\r\n", "a".repeat(MAX_TARGET_BYTES));
        let fits = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_TARGET_BYTES - 1));
        for cut in (0..long.len()).step_by(97) {
            let mut scan = Scan::new(true, 0);
            let refused = [&long.as_bytes()[..cut], &long.as_bytes()[cut..]]
                .iter()
                .find_map(|part| scan.saw(part));
            assert_eq!(refused, Some(Refusal::TargetTooLong), "cut at {cut}");
        }
        let mut scan = Scan::new(true, 0);
        assert_eq!(scan.saw(fits.as_bytes()), None);
        assert!(scan.done);
    }

    #[test]
    fn content_length_with_transfer_encoding_is_refused_in_either_order() {
        for head in [
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\nCONTENT-LENGTH:3\r\n\r\n",
        ] {
            let mut scan = Scan::new(true, 0);
            assert_eq!(scan.saw(head.as_bytes()), Some(Refusal::AmbiguousLength));
        }
        // One of them alone is hyper's to read.
        let mut scan = Scan::new(true, 0);
        assert_eq!(
            scan.saw(
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-Content-Length: 3\r\n\r\n"
            ),
            None
        );
        assert!(scan.done && scan.chunked && scan.length.is_none());
    }

    /// After a body framed by its length, the next head is scanned from its
    /// first byte; after a chunked body, or bytes read past the body, the
    /// next heads are left to hyper.
    #[test]
    fn the_next_head_is_scanned_only_when_its_first_byte_is_known() {
        let refused = format!("GET /{} HTTP/1.1\r\n", "a".repeat(MAX_TARGET_BYTES + 1));
        let cases: [(&[u8], bool); 4] = [
            (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", true),
            (b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab", true),
            (b"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n", false),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                false,
            ),
        ];
        for (first, aligned) in cases {
            let mut scan = Scan::new(true, 0);
            assert_eq!(scan.saw(first), None);
            let mut next = scan.next();
            assert_eq!(next.aligned, aligned, "{first:?}");
            // The rest of a body is skipped, not taken for a head.
            let rest = vec![b' '; next.skip as usize];
            assert_eq!(next.saw(&rest), None);
            let verdict = next.saw(refused.as_bytes());
            assert_eq!(verdict.is_some(), aligned, "{first:?}");
        }
    }
}
