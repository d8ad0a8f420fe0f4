//! The write-progress deadline: a client that stops reading its answers is
//! cut once the server's writes have moved no byte for
//! [`write_stall_timeout`](super::ServerLimits::write_stall_timeout).
//!
//! The idle timeout (`server.rs`) restarts on any byte either way, so it
//! measures the wrong thing for a client that pipelines requests and never
//! reads: what that client costs is the answers the server holds for it
//! (hyper's write buffer, a read buffer of pipelined requests, the kernel's
//! send buffer), and its own sends say nothing about whether they will ever
//! leave. [`WriteProgress`] keeps a clock that only the write side moves:
//!
//! - it starts when a write finds the socket full (`Pending`): the server
//!   has bytes to send and the client is not taking them;
//! - any write that moves a byte stops it: a client that reads slowly but
//!   reads is never cut, however slow;
//! - reads never touch it, and a connection with nothing to write (a held
//!   long poll, an event stream between keep-alives, a handler still
//!   working) has no clock at all.
//!
//! At the deadline the pending write fails, hyper ends the connection, and
//! the socket is closed with `SO_LINGER` 0: the kernel answers with a reset
//! and frees the send buffer at once, instead of keeping it (megabytes on
//! loopback) while it probes a zero window the client will never open.
//! Nothing is logged or counted per cut beyond hyper's own debug line: a
//! crowd of such clients must not grow anything.
//!
//! The kernel keeps the same deadline ([`WriteProgress::on_socket`] sets
//! `TCP_USER_TIMEOUT` to it): a connection the server closes for another
//! reason (the head deadline after its last answer, say) while the kernel
//! still holds answers the client never read is not kept in `FIN-WAIT-1`
//! for ever. Without it, a client that pipelined small answers, all of
//! which fit in the socket buffers, left the server's kernel probing its
//! zero window, with close to a megabyte queued per connection, as long
//! as the client lived. The same option ends a connection whose sent bytes
//! go unacknowledged that long (a peer gone from the network).
//!
//! The timer is made on a connection's first stall only: most connections
//! never fill their socket, and a timer per connection would be a timer
//! wheel entry per connection.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// A socket that can be told to reset rather than close gracefully.
pub trait ZeroLinger {
    /// Sets `SO_LINGER` to zero: closing drops unsent bytes and sends a
    /// reset. Best effort (a socket already gone has nothing to free).
    fn zero_linger(&self);
}

impl ZeroLinger for tokio::net::TcpStream {
    fn zero_linger(&self) {
        let _ = self.set_zero_linger();
    }
}

/// A connection whose writes must keep moving: a write held up for
/// `limit` with no byte moved fails, and the socket is set to reset when
/// it closes. What [`serve_wrapped`](super::serve_wrapped) hands its `wrap`.
#[derive(Debug)]
pub struct WriteProgress<T> {
    inner: T,
    limit: Duration,
    /// When the current stall began: the first write held up since a write
    /// last moved bytes. `None` while writes move, or nothing is written.
    stalled_since: Option<Instant>,
    /// Set at `stalled_since + limit`; made on the first stall.
    timer: Option<Pin<Box<Sleep>>>,
}

impl<T> WriteProgress<T> {
    /// `inner`, whose writes may stall for at most `limit`.
    pub fn new(inner: T, limit: Duration) -> Self {
        WriteProgress {
            inner,
            limit,
            stalled_since: None,
            timer: None,
        }
    }

    /// The connection this wraps.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }
}

impl WriteProgress<tokio::net::TcpStream> {
    /// An accepted socket, under the deadline in user space and in the
    /// kernel (`TCP_USER_TIMEOUT`: bytes queued and not taken, or sent and
    /// not acknowledged, for `limit` end the connection, open or closed).
    /// The option is best effort (Linux only): elsewhere, or where it
    /// fails, the user-space half remains.
    pub fn on_socket(stream: tokio::net::TcpStream, limit: Duration) -> Self {
        #[cfg(target_os = "linux")]
        let _ = socket2::SockRef::from(&stream).set_tcp_user_timeout(Some(limit));
        WriteProgress::new(stream, limit)
    }
}

impl<T: ZeroLinger> WriteProgress<T> {
    /// A write or flush moved nothing: starts the clock if it is not
    /// running, and says whether the stall has lasted the limit (then the
    /// socket is set to reset); otherwise `cx` is woken when it may have.
    fn stalled(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        let since = *self.stalled_since.get_or_insert_with(Instant::now);
        let deadline = since + self.limit;
        let timer = match &mut self.timer {
            Some(timer) => {
                if timer.deadline() != deadline {
                    timer.as_mut().reset(deadline);
                }
                timer
            }
            None => self
                .timer
                .insert(Box::pin(tokio::time::sleep_until(deadline))),
        };
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.inner.zero_linger();
                Some(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "the client took no byte of the answer for {} s",
                        self.limit.as_secs_f64()
                    ),
                ))
            }
            Poll::Pending => None,
        }
    }

    /// Passes a write's result on, its clock stopped if it moved bytes and
    /// run if it moved none.
    fn heard(
        &mut self,
        cx: &mut Context<'_>,
        written: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match written {
            Poll::Ready(Ok(n)) if n > 0 => self.stalled_since = None,
            Poll::Pending => {
                if let Some(e) = self.stalled(cx) {
                    return Poll::Ready(Err(e));
                }
            }
            _ => {}
        }
        written
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteProgress<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Reads say nothing about whether the answers leave: no clock here.
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + ZeroLinger + Unpin> AsyncWrite for WriteProgress<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.heard(cx, written)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.heard(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending => match this.stalled(cx) {
                Some(e) => Poll::Ready(Err(e)),
                None => Poll::Pending,
            },
            flushed => flushed,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    /// A duplex end that records being told to reset.
    struct Pipe {
        end: DuplexStream,
        reset: Arc<AtomicBool>,
    }

    impl ZeroLinger for Pipe {
        fn zero_linger(&self) {
            self.reset.store(true, Ordering::Relaxed);
        }
    }

    impl AsyncRead for Pipe {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().end).poll_read(cx, buf)
        }
    }

    impl AsyncWrite for Pipe {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.get_mut().end).poll_write(cx, buf)
        }
        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().end).poll_flush(cx)
        }
        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().end).poll_shutdown(cx)
        }
    }

    fn pipe(
        capacity: usize,
        limit: Duration,
    ) -> (WriteProgress<Pipe>, DuplexStream, Arc<AtomicBool>) {
        let (end, peer) = tokio::io::duplex(capacity);
        let reset = Arc::new(AtomicBool::new(false));
        let io = WriteProgress::new(
            Pipe {
                end,
                reset: reset.clone(),
            },
            limit,
        );
        (io, peer, reset)
    }

    /// A write the peer never takes fails at the limit, and the socket is
    /// told to reset; while the peer sends, its bytes are read, and that
    /// does not hold the cut off.
    #[tokio::test(start_paused = true)]
    async fn a_write_that_moves_nothing_for_the_limit_fails() {
        let (io, mut peer, reset) = pipe(16, Duration::from_secs(10));
        let (mut from_peer, mut to_peer) = tokio::io::split(io);
        let started = Instant::now();
        let reads = std::cell::Cell::new(0);
        let reading = async {
            let mut read = [0u8; 4];
            while from_peer.read(&mut read).await.unwrap() > 0 {
                reads.set(reads.get() + 1);
            }
            std::future::pending::<()>().await;
        };
        let client = async {
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_secs(3)).await;
                peer.write_all(b"more").await.unwrap();
            }
            std::future::pending::<()>().await;
        };
        let written = tokio::select! {
            written = to_peer.write_all(&[7u8; 64]) => written,
            () = reading => unreachable!(),
            () = client => unreachable!(),
        };
        assert_eq!(written.unwrap_err().kind(), io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(10));
        // The peer's bytes were read while the write waited (at 3, 6, 9 s).
        assert_eq!(reads.get(), 3);
        assert!(reset.load(Ordering::Relaxed));
    }

    /// A peer that takes a few bytes now and then, each time within the
    /// limit, is never cut, however long the answer takes.
    #[tokio::test(start_paused = true)]
    async fn a_slow_but_moving_reader_is_not_cut() {
        let (mut io, mut peer, reset) = pipe(16, Duration::from_secs(10));
        let reader = async {
            let mut got = 0;
            let mut chunk = [0u8; 8];
            while got < 256 {
                tokio::time::sleep(Duration::from_secs(9)).await;
                got += peer.read(&mut chunk).await.unwrap();
            }
            got
        };
        let (written, got) = tokio::join!(io.write_all(&[7u8; 256]), reader);
        written.unwrap();
        assert_eq!(got, 256);
        assert!(!reset.load(Ordering::Relaxed));
    }
}
