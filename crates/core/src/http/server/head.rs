//! A request head sent too slowly is answered `408 request_timeout` in the
//! JSON shape, as a body sent too slowly is, instead of a silent close.
//!
//! hyper's own header-read timeout only drops the connection: a client
//! sending a GET one byte every 100 ms got nothing at all after 10 s, while
//! the same client trickling a body got a proper 408. hyper gives no hook
//! for its timeout, so [`HeadDeadline`] keeps its own clock on the
//! connection's bytes: a request head is in progress when bytes came in
//! since the last answer went out and the blank line that ends a head has
//! not come yet. When such a head is not whole within the limit, counted as
//! hyper counts (from when the connection opened or the last answer was
//! written), it writes the 408 itself and fails the read, which ends the
//! connection. hyper's timer, set a little later, still closes connections
//! that never send a byte (nothing to answer there: a 408 on an idle
//! keep-alive connection could be read as the answer to the client's next
//! request).
//!
//! The answer is written best effort, with one non-blocking write: a client
//! that sends a head and does not read has an empty send buffer, so it
//! always fits; if it does not, the connection closes without it.

use super::on_write::{OnWrite, Wrote};
use crate::wire::ErrorBody;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// How much later than [`HeadDeadline`]'s limit hyper's own header-read
/// timer is set: a quarter of it, so the 408 is always written first.
pub(super) fn hyper_backstop(limit: Duration) -> Duration {
    limit + limit / 4
}

/// A connection whose request heads must arrive whole within `limit`. Its
/// write side is [`OnWrite`]'s (an answer going out starts the next head's
/// time); the clock is its [`Head`] state.
pub(super) type HeadDeadline<T> = OnWrite<T, Head>;

/// A [`HeadDeadline`]'s clock and what it read of the current head.
pub(super) struct Head {
    limit: Duration,
    /// When the current head's time started: the connection's opening or
    /// the last answer's bytes.
    since: Instant,
    /// Bytes read since the last answer's bytes went out.
    read_since_write: usize,
    /// The last bytes read, to find a `\r\n\r\n` split across reads.
    tail: [u8; 3],
    /// Whether the blank line that ends the head was read since the last
    /// answer (the bytes after it are a body, which has its own deadline).
    head_done: bool,
    timer: Pin<Box<Sleep>>,
}

/// `inner`, its request heads due within `limit`.
pub(super) fn head_deadline<T>(inner: T, limit: Duration) -> HeadDeadline<T> {
    let now = Instant::now();
    OnWrite {
        inner,
        state: Head {
            limit,
            since: now,
            read_since_write: 0,
            tail: [0; 3],
            head_done: false,
            timer: Box::pin(tokio::time::sleep_until(now + limit)),
        },
    }
}

impl Head {
    /// Notes bytes read: whether they hold the end of the head. The bytes
    /// are looked at where they lie (hyper's read buffer): a blank line
    /// split across reads is found with the last three bytes of the one
    /// before, kept in `tail`.
    fn saw(&mut self, bytes: &[u8]) {
        self.read_since_write += bytes.len();
        if self.head_done || bytes.is_empty() {
            return;
        }
        // The blank lines that begin in the tail: the tail and the first
        // bytes of this read, at most 6 bytes.
        let mut edge = [0u8; 6];
        let first = bytes.len().min(3);
        edge[..3].copy_from_slice(&self.tail);
        edge[3..3 + first].copy_from_slice(&bytes[..first]);
        if ends_a_head(&edge[..3 + first]) || ends_a_head(bytes) {
            self.head_done = true;
        }
        // The last three bytes of the tail and this read together.
        match bytes.len() {
            n if n >= 3 => self.tail.copy_from_slice(&bytes[n - 3..]),
            n => {
                self.tail.copy_within(n.., 0);
                self.tail[3 - n..].copy_from_slice(bytes);
            }
        }
    }
}

/// Whether `bytes` hold a `\r\n\r\n`.
fn ends_a_head(bytes: &[u8]) -> bool {
    let mut at = 0;
    while at + 4 <= bytes.len() {
        match bytes[at + 3] {
            // The fourth byte of a window that is neither `\r` nor `\n`
            // rules out every blank line starting in the window: skip it.
            b'\r' | b'\n' => {
                if &bytes[at..at + 4] == b"\r\n\r\n" {
                    return true;
                }
                at += 1;
            }
            _ => at += 4,
        }
    }
    false
}

impl Wrote for Head {
    /// Notes an answer's bytes going out: the next bytes read start a head.
    fn wrote(&mut self) {
        self.since = Instant::now();
        self.read_since_write = 0;
        self.tail = [0; 3];
        self.head_done = false;
    }
}

/// The 408 written for a head that did not arrive in time.
fn timed_out_answer(limit: Duration) -> Vec<u8> {
    let message = format!(
        "the request's head did not arrive within {} s",
        limit.as_secs_f64()
    );
    let body = serde_json::to_vec(&ErrorBody::new("request_timeout", message)).unwrap_or_default();
    let mut answer = format!(
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for HeadDeadline<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let head = &mut this.state;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                head.saw(&buf.filled()[before..]);
                Poll::Ready(result)
            }
            Poll::Pending => {
                // Only a head under way is this clock's to end.
                if head.read_since_write == 0 || head.head_done {
                    return Poll::Pending;
                }
                let deadline = head.since + head.limit;
                if head.timer.deadline() != deadline {
                    head.timer.as_mut().reset(deadline);
                }
                match head.timer.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => {
                        let answer = timed_out_answer(head.limit);
                        // One try: see the module docs.
                        let _ = Pin::new(&mut this.inner).poll_write(cx, &answer);
                        let _ = Pin::new(&mut this.inner).poll_flush(cx);
                        Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "the request's head did not arrive in time (answered 408)",
                        )))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_end_of_a_head_is_found_across_reads() {
        let (a, _b) = tokio::io::duplex(64);
        let mut io = head_deadline(a, Duration::from_secs(1));
        let head = &mut io.state;
        head.saw(b"GET / HTTP/1.1\r\nHost: x\r");
        assert!(!head.head_done);
        head.saw(b"\n\r");
        assert!(!head.head_done);
        head.saw(b"\n");
        assert!(head.head_done);
        head.wrote();
        assert!(!head.head_done);
        assert_eq!(head.read_since_write, 0);
        head.saw(b"\r\n\r\n");
        assert!(head.head_done);
    }

    /// The in-place scan finds the end of a head exactly where joining every
    /// read into one buffer would, however the bytes are split.
    #[tokio::test]
    async fn the_scan_agrees_with_a_joined_buffer_at_every_split() {
        let texts: [&[u8]; 6] = [
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\n\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: \r\r\n\n\r\n\rHost: y\r\n",
            b"\r\n\r",
            b"\n\r\n\r\n",
            b"GET / HTTP/1.1\r\nX-Pad: \r\n\r",
        ];
        for text in texts {
            for cut in 0..=text.len() {
                for cut2 in cut..=text.len() {
                    let (a, _b) = tokio::io::duplex(64);
                    let mut io = head_deadline(a, Duration::from_secs(1));
                    let head = &mut io.state;
                    let mut joined = Vec::new();
                    for part in [&text[..cut], &text[cut..cut2], &text[cut2..]] {
                        head.saw(part);
                        joined.extend_from_slice(part);
                        let expected = joined.windows(4).any(|w| w == b"\r\n\r\n");
                        assert_eq!(head.head_done, expected, "{text:?} cut at {cut}, {cut2}");
                    }
                    assert_eq!(head.read_since_write, text.len());
                }
            }
        }
    }
}
