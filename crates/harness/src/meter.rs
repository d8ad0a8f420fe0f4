//! Counting what a run costs: bytes and connections on the wire, and the
//! platform's CPU time.
//!
//! **Bytes and connections.** Every connection of a run is wrapped, at each
//! end the harness can reach, in a [`Metered`] reader/writer that counts the
//! bytes hyper really writes and reads on it (request and response heads
//! and bodies, chunk framing, event-stream keep-alives: what would cross a
//! socket), counts the connection when it opens and notes when it closes.
//! The count is kept per served host ([`Meters::link`]), so traffic splits by
//! direction with no extra work: the shop calling the platform's API is the
//! `platform` host's link, the platform delivering webhooks is the `shop`
//! host's. Counting at the connection, not per strategy, means a new
//! strategy (a long poll, a stream) is counted as soon as it sends anything.
//!
//! - Virtual time wraps both ends of every in-memory pipe, so each link is
//!   counted twice, and the two counts must agree.
//! - Real time wraps the server's end of every accepted socket (both servers
//!   are hooklab's own). The client's end is reqwest's, which hands its
//!   connections to no one (its connector returns a private type), so real
//!   mode reports the server's count only.
//!
//! "Held" connections are those open at an instant, averaged over the
//! strategy's run (time-weighted) and at their peak. An idle keep-alive
//! connection is held too: it costs the server a descriptor all the same.
//!
//! **CPU.** In real mode, when asked (`RunOptions::platform_cpu`, which
//! `hooklab run` sets), the platform runs on a runtime of its own
//! ([`platform_runtime`]), whose worker threads read their own CPU clock
//! (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`) when they start, wake, park
//! and stop, and add what they used in between to one counter: so the figure
//! is the platform's own work (its API, settlement, dispatcher and their
//! HTTP), not the shop's.

use hooklab_core::traffic::{Link, WireCount};
use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// Which end of a connection a [`Metered`] wraps: it decides whether the
/// bytes it writes are requests or responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The end that sends requests.
    Client,
    /// The end that answers them.
    Server,
}

/// What one end of a link's connections saw, counted as it happens.
#[derive(Debug)]
pub struct WireMeter {
    request_bytes: AtomicU64,
    response_bytes: AtomicU64,
    /// Connections open now, their peak and their time integral. Held only
    /// to update or read them, never across an `.await`.
    held: Mutex<Held>,
}

#[derive(Debug)]
struct Held {
    opened: u64,
    open: u64,
    max: u64,
    /// Sum of (connections open × µs) since `since`, up to `last`.
    integral_us: u128,
    since: Instant,
    last: Instant,
}

impl Held {
    /// Moves the integral up to `now`.
    fn advance(&mut self, now: Instant) {
        if now > self.last {
            let us = now.duration_since(self.last).as_micros();
            self.integral_us += u128::from(self.open) * us;
            self.last = now;
        }
    }
}

impl WireMeter {
    fn new(now: Instant) -> Self {
        WireMeter {
            request_bytes: AtomicU64::new(0),
            response_bytes: AtomicU64::new(0),
            held: Mutex::new(Held {
                opened: 0,
                open: 0,
                max: 0,
                integral_us: 0,
                since: now,
                last: now,
            }),
        }
    }

    fn held(&self) -> MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn opened(&self) {
        let mut held = self.held();
        held.advance(Instant::now());
        held.opened += 1;
        held.open += 1;
        held.max = held.max.max(held.open);
    }

    fn closed(&self) {
        let mut held = self.held();
        held.advance(Instant::now());
        held.open = held.open.saturating_sub(1);
    }

    /// What this end saw, with connections held averaged from the meter's
    /// start to `until` (the run's end).
    pub fn count(&self, until: Instant) -> WireCount {
        let mut held = self.held();
        held.advance(until);
        let span_us = until.saturating_duration_since(held.since).as_micros();
        let held_mean = if span_us == 0 {
            0.0
        } else {
            held.integral_us as f64 / span_us as f64
        };
        WireCount {
            request_bytes: self.request_bytes.load(Ordering::Relaxed),
            response_bytes: self.response_bytes.load(Ordering::Relaxed),
            connections_opened: held.opened,
            held_mean: (held_mean * 1e4).round() / 1e4,
            held_max: held.max,
        }
    }
}

/// Both ends of one served host's connections.
#[derive(Debug)]
pub struct LinkMeter {
    /// The clients' ends (counted in virtual time only).
    pub client: WireMeter,
    /// The server's end.
    pub server: WireMeter,
    /// Whether the clients' ends are wrapped on this network.
    client_measured: bool,
}

impl LinkMeter {
    /// The link's counts, held connections averaged up to `until`.
    pub fn link(&self, until: Instant) -> Link {
        Link {
            client: self.client_measured.then(|| self.client.count(until)),
            server: self.server.count(until),
        }
    }
}

/// The meters of one network, by served host name (`platform`, `shop`).
#[derive(Debug)]
pub struct Meters {
    by_host: Mutex<BTreeMap<String, Arc<LinkMeter>>>,
    client_measured: bool,
}

impl Meters {
    /// Meters for a network; `client_measured` says whether it wraps the
    /// clients' ends too.
    pub fn new(client_measured: bool) -> Self {
        Meters {
            by_host: Mutex::new(BTreeMap::new()),
            client_measured,
        }
    }

    /// The meter of the host served as `name`, made on first use (from now).
    pub fn link(&self, name: &str) -> Arc<LinkMeter> {
        let mut hosts = self.by_host.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .entry(name.to_owned())
            .or_insert_with(|| {
                let now = Instant::now();
                Arc::new(LinkMeter {
                    client: WireMeter::new(now),
                    server: WireMeter::new(now),
                    client_measured: self.client_measured,
                })
            })
            .clone()
    }

    /// The counts of the host served as `name` (all zero if it never was).
    pub fn counts(&self, name: &str, until: Instant) -> Link {
        self.link(name).link(until)
    }
}

impl LinkMeter {
    /// Counts `n` request bytes at both ends: what the client wrote is what
    /// the server read. For the direct transport, which has no I/O to wrap.
    pub fn carried_request(&self, n: u64) {
        self.client.request_bytes.fetch_add(n, Ordering::Relaxed);
        self.server.request_bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts `n` response bytes at both ends.
    pub fn carried_response(&self, n: u64) {
        self.client.response_bytes.fetch_add(n, Ordering::Relaxed);
        self.server.response_bytes.fetch_add(n, Ordering::Relaxed);
    }
}

/// One end of a connection that has no I/O of its own (the direct
/// transport's): counted opened when made, closed when dropped, exactly as
/// a [`Metered`] counts the connection it wraps.
#[derive(Debug)]
pub struct ConnEnd {
    link: Arc<LinkMeter>,
    end: End,
}

impl ConnEnd {
    /// One more connection opened at `end` of `link`.
    pub fn new(link: Arc<LinkMeter>, end: End) -> Self {
        let this = ConnEnd { link, end };
        this.meter().opened();
        this
    }

    fn meter(&self) -> &WireMeter {
        match self.end {
            End::Client => &self.link.client,
            End::Server => &self.link.server,
        }
    }
}

impl Drop for ConnEnd {
    fn drop(&mut self) {
        self.meter().closed();
    }
}

/// A connection's I/O, counted: bytes each way, and the connection itself
/// from when it is wrapped until it is dropped.
pub struct Metered<T> {
    inner: T,
    link: Arc<LinkMeter>,
    end: End,
}

impl<T> Metered<T> {
    /// `inner`, counted at `end` of `link`: one more connection opened.
    pub fn new(inner: T, link: Arc<LinkMeter>, end: End) -> Self {
        let metered = Metered { inner, link, end };
        metered.meter().opened();
        metered
    }

    fn meter(&self) -> &WireMeter {
        match self.end {
            End::Client => &self.link.client,
            End::Server => &self.link.server,
        }
    }

    /// Counts `n` bytes read (a client reads responses, a server requests).
    fn read(&self, n: usize) {
        let counter = match self.end {
            End::Client => &self.meter().response_bytes,
            End::Server => &self.meter().request_bytes,
        };
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Counts `n` bytes written.
    fn wrote(&self, n: usize) {
        let counter = match self.end {
            End::Client => &self.meter().request_bytes,
            End::Server => &self.meter().response_bytes,
        };
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
}

impl<T> Drop for Metered<T> {
    fn drop(&mut self) {
        self.meter().closed();
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Metered<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        this.read(buf.filled().len().saturating_sub(before));
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Metered<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = written {
            this.wrote(n);
        }
        written
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = written {
            this.wrote(n);
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// CPU time a runtime's threads used, added up as they park and stop.
#[derive(Clone, Debug, Default)]
pub struct CpuMeter {
    used_ns: Arc<AtomicU64>,
}

impl CpuMeter {
    /// CPU time used so far (work in progress on a running thread is added
    /// when it next parks).
    pub fn used(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.used_ns.load(Ordering::Relaxed))
    }
}

/// This thread's CPU clock, in ns (`None` where the system has none).
fn thread_cpu_ns() -> Option<u64> {
    #[cfg(unix)]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        u64::try_from(t.tv_sec)
            .ok()
            .map(|s| s * 1_000_000_000 + t.tv_nsec as u64)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

thread_local! {
    /// The thread's CPU clock when it last started or woke; `None` while it
    /// is parked. Only the thread itself reads or writes it.
    static AWAKE_SINCE_NS: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Adds what this thread used since it woke to `used`, and forgets the mark.
fn add_since_awake(used: &AtomicU64) {
    if let (Some(since), Some(now)) = (AWAKE_SINCE_NS.take(), thread_cpu_ns()) {
        used.fetch_add(now.saturating_sub(since), Ordering::Relaxed);
    }
}

fn mark_awake() {
    AWAKE_SINCE_NS.set(thread_cpu_ns());
}

/// A multi-thread runtime for the platform alone (real mode), and the meter
/// of its threads' CPU time.
pub fn platform_runtime() -> io::Result<(tokio::runtime::Runtime, CpuMeter)> {
    let meter = CpuMeter::default();
    let (on_park, on_stop) = (meter.used_ns.clone(), meter.used_ns.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("platform")
        .enable_all()
        .on_thread_start(mark_awake)
        .on_thread_unpark(mark_awake)
        .on_thread_park(move || add_since_awake(&on_park))
        .on_thread_stop(move || add_since_awake(&on_stop))
        .build()?;
    Ok((runtime, meter))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(start_paused = true)]
    async fn both_ends_count_bytes_and_held_time() {
        let meters = Meters::new(true);
        let link = meters.link("platform");
        let start = Instant::now();
        let (a, b) = tokio::io::duplex(1024);
        let mut client = Metered::new(a, link.clone(), End::Client);
        let mut server = Metered::new(b, link.clone(), End::Server);
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 18];
        server.read_exact(&mut buf).await.unwrap();
        server.write_all(b"HTTP/1.1 204 No\r\n\r\n").await.unwrap();
        let mut answer = [0u8; 19];
        client.read_exact(&mut answer).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        drop((client, server));
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;

        let counts = meters.counts("platform", start + std::time::Duration::from_secs(2));
        assert!(counts.ends_agree(), "{counts:?}");
        let server = &counts.server;
        assert_eq!((server.request_bytes, server.response_bytes), (18, 19));
        assert_eq!((server.connections_opened, server.held_max), (1, 1));
        assert_eq!(server.held_mean, 0.5, "open for one second of two");
        assert_eq!(
            meters.counts("shop", Instant::now()).server.request_bytes,
            0
        );
    }

    #[test]
    fn the_platform_runtime_counts_its_threads_cpu() {
        let (runtime, cpu) = platform_runtime().unwrap();
        runtime.block_on(async {
            tokio::spawn(async {
                // Busy work on a worker thread, measured by its CPU clock.
                let mut x = 0u64;
                for i in 0..5_000_000u64 {
                    x = x.wrapping_mul(31).wrapping_add(i);
                }
                std::hint::black_box(x);
            })
            .await
            .unwrap();
        });
        runtime.shutdown_timeout(std::time::Duration::from_secs(5));
        if cfg!(unix) {
            assert!(cpu.used() > std::time::Duration::ZERO);
        }
    }
}
