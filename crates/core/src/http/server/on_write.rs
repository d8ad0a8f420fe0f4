//! The one connection wrapper that hears its writes: [`OnWrite`] forwards
//! every write to the stream it wraps and, each time a write moved bytes,
//! tells its state ([`Wrote::wrote`]).
//!
//! The idle timeout (`server.rs`) and the request-head deadline
//! (`head.rs`) both keep a clock that an answer going out restarts, and
//! both read the connection their own way. Each is an `OnWrite` with its
//! own state and its own `AsyncRead` impl; the write side, the same for
//! both, is written once here. A write the client's full buffers hold up
//! is told too ([`Wrote::blocked`]): the idle timeout cuts a client that
//! stops reading even when nothing reads from its connection.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;

/// What an [`OnWrite`] tells its state.
pub(super) trait Wrote {
    /// A write moved bytes out (at least one).
    fn wrote(&mut self);

    /// A write or flush could not move a byte (the client's buffers are
    /// full): the error to end the connection with, if it is time to;
    /// otherwise `None`, `cx` woken when it may be.
    fn blocked(&mut self, _cx: &mut Context<'_>) -> Option<io::Error> {
        None
    }
}

/// A connection `inner` whose writes `state` hears of.
pub(super) struct OnWrite<T, S> {
    pub(super) inner: T,
    pub(super) state: S,
}

impl<T: AsyncWrite + Unpin, S: Wrote + Unpin> OnWrite<T, S> {
    /// Tells the state of a write that moved bytes, or of one held up;
    /// passes every other result on.
    fn heard(
        &mut self,
        cx: &mut Context<'_>,
        written: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match written {
            Poll::Ready(Ok(n)) if n > 0 => self.state.wrote(),
            Poll::Pending => {
                if let Some(e) = self.state.blocked(cx) {
                    return Poll::Ready(Err(e));
                }
            }
            _ => {}
        }
        written
    }
}

impl<T: AsyncWrite + Unpin, S: Wrote + Unpin> AsyncWrite for OnWrite<T, S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.heard(cx, written)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending => match this.state.blocked(cx) {
                Some(e) => Poll::Ready(Err(e)),
                None => Poll::Pending,
            },
            flushed => flushed,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
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
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[derive(Default)]
    struct Count(usize);
    impl Wrote for Count {
        fn wrote(&mut self) {
            self.0 += 1;
        }
    }

    /// Each write that moved bytes is heard once, plain or vectored; an
    /// empty one is not.
    #[tokio::test]
    async fn every_write_that_moves_bytes_is_heard_once() {
        let (a, _b) = tokio::io::duplex(64);
        let mut io = OnWrite {
            inner: a,
            state: Count::default(),
        };
        io.write_all(b"abc").await.unwrap();
        assert_eq!(io.write(b"").await.unwrap(), 0);
        let bufs = [io::IoSlice::new(b"de"), io::IoSlice::new(b"f")];
        assert!(io.write_vectored(&bufs).await.unwrap() > 0);
        io.flush().await.unwrap();
        assert_eq!(io.state.0, 2);
    }
}
