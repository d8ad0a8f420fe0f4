//! Where a run's hosts live: the seam between the two clocks.
//!
//! A run needs two things from its network: a way to *serve* a router (the
//! platform's API, the shop's webhook receiver) and get back the URL others
//! reach it at, and an outbound [`HttpClient`] for the hosts that send. In
//! real mode, [`Loopback`] binds sockets on `127.0.0.1:0` and sends through
//! reqwest. In virtual mode, the in-memory network does the same over
//! `tokio::io::duplex` pipes, so tokio's paused clock can jump ahead whenever
//! every task waits. Nothing else in a run knows which one it has.
//!
//! The scenario's `[network]` table (latency, partitions) is not part of
//! either: [`Shaped`] puts a [`NetworkModel`] in front of whichever network
//! the run has, so both clocks see the same network through the same code.

use crate::error::HarnessError;
use crate::meter::{CpuMeter, End, Metered, Meters};
use crate::transport::RealHttp;
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::dist::Distribution;
use hooklab_core::duration::Dur;
use hooklab_core::http::server::{ServerLimits, serve_wrapped};
use hooklab_core::http::{
    ChunkFuture, Chunks, HttpClient, OpenFuture, SendFuture, TransportError, ensure_loopback,
};
use hooklab_core::rng::SeededRng;
use hooklab_core::scenario::NetworkSettings;
use hooklab_core::shutdown::Shutdown;
use hooklab_platform::Platform;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// A served host: its base URL (`http://host:port`) and its server task.
pub type Served = (String, JoinHandle<()>);

/// A future returned by [`Network::serve`].
pub type ServeFuture<'a> = Pin<Box<dyn Future<Output = Result<Served, HarnessError>> + Send + 'a>>;

/// A served platform: its base URL and its tasks (its server's and its
/// workers', however the network runs them).
pub type ServedPlatform = (String, Vec<JoinHandle<()>>);

/// A future returned by [`Network::serve_platform`].
pub type PlatformFuture<'a> =
    Pin<Box<dyn Future<Output = Result<ServedPlatform, HarnessError>> + Send + 'a>>;

/// A network a run's hosts live on.
pub trait Network: Send + Sync {
    /// Serves `router` until `shutdown`; `name` names the host (`platform`,
    /// `shop`) where the network can use it.
    fn serve<'a>(
        &'a self,
        name: &'a str,
        router: axum::Router,
        shutdown: Shutdown,
    ) -> ServeFuture<'a>;

    /// Serves `platform` (its API and its workers) until `shutdown`. By
    /// default its router is served like any other host's and its workers
    /// are started beside it, which is what a network without sockets must
    /// do; a network with sockets serves it with [`Platform::serve`], as a
    /// program does.
    fn serve_platform<'a>(
        &'a self,
        platform: &'a Platform,
        shutdown: Shutdown,
    ) -> PlatformFuture<'a> {
        Box::pin(async move {
            let (url, server) = self
                .serve("platform", platform.router(), shutdown.clone())
                .await?;
            let mut tasks = vec![server];
            tasks.extend(platform.spawn_workers(shutdown));
            Ok((url, tasks))
        })
    }

    /// A client for outbound requests.
    fn client(&self) -> Arc<dyn HttpClient>;

    /// The byte and connection counts of the hosts it served, if it keeps
    /// them.
    fn meters(&self) -> Option<&Meters> {
        None
    }

    /// CPU time the platform's threads used so far, where the platform runs
    /// on threads of its own (real mode).
    fn platform_cpu(&self) -> Option<std::time::Duration> {
        None
    }

    /// A run's clock on this network, its origin stamped `origin_unix_us`.
    fn clock(&self, origin_unix_us: i64) -> Clock;
}

/// Real sockets on `127.0.0.1`, ports picked by the system. The server's
/// end of every accepted connection is counted ([`Meters`]); reqwest's
/// client end cannot be reached, so it is not.
pub struct Loopback {
    meters: Meters,
    /// Where the platform runs, if on a runtime of its own, and that
    /// runtime's CPU meter.
    platform: Option<(tokio::runtime::Handle, CpuMeter)>,
}

impl Loopback {
    /// Hosts served on the caller's runtime.
    pub fn new() -> Self {
        Loopback {
            meters: Meters::new(false),
            platform: None,
        }
    }

    /// Hosts served on the caller's runtime, except the platform, served on
    /// `runtime` (built by [`crate::meter::platform_runtime`] with `cpu`), so
    /// its CPU time can be told from the shop's.
    pub fn with_platform_runtime(runtime: tokio::runtime::Handle, cpu: CpuMeter) -> Self {
        Loopback {
            meters: Meters::new(false),
            platform: Some((runtime, cpu)),
        }
    }
}

impl Default for Loopback {
    fn default() -> Self {
        Self::new()
    }
}

/// A listener on `127.0.0.1:0` and the base URL it is reached at.
async fn bind_loopback() -> Result<(tokio::net::TcpListener, String), HarnessError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(HarnessError::Bind)?;
    let addr = listener.local_addr().map_err(HarnessError::Bind)?;
    Ok((listener, format!("http://{addr}")))
}

impl Network for Loopback {
    fn serve<'a>(
        &'a self,
        name: &'a str,
        router: axum::Router,
        mut shutdown: Shutdown,
    ) -> ServeFuture<'a> {
        Box::pin(async move {
            let (listener, url) = bind_loopback().await?;
            let link = self.meters.link(name);
            // The shop's server: its receivers' router is the only other
            // host a run serves. Served as `receiver::serve` does, with
            // each connection counted.
            let task = tokio::spawn(async move {
                let stop = async move { shutdown.wait().await };
                let count = move |stream| Metered::new(stream, link.clone(), End::Server);
                let served =
                    serve_wrapped(listener, router, stop, ServerLimits::default(), count).await;
                if let Err(e) = served {
                    tracing::error!(
                        error = &e as &dyn std::error::Error,
                        "a loopback server stopped"
                    );
                }
            });
            Ok((url, task))
        })
    }

    fn serve_platform<'a>(
        &'a self,
        platform: &'a Platform,
        shutdown: Shutdown,
    ) -> PlatformFuture<'a> {
        Box::pin(async move {
            // A std listener, made a tokio one inside the task that serves
            // it: its socket then belongs to the platform's own runtime.
            let listener = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .map_err(HarnessError::Bind)?;
            let url = format!(
                "http://{}",
                listener.local_addr().map_err(HarnessError::Bind)?
            );
            let platform = platform.clone();
            let link = self.meters.link("platform");
            // What `Platform::serve` does (its workers, then its API with
            // the default limits the harness gives it), with each accepted
            // connection counted.
            let serving = async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => listener,
                    Err(e) => {
                        let e = &e as &dyn std::error::Error;
                        tracing::error!(error = e, "the platform could not listen");
                        return;
                    }
                };
                let workers = platform.spawn_workers(shutdown.clone());
                let mut stop = shutdown;
                let count = move |stream| Metered::new(stream, link.clone(), End::Server);
                let served = serve_wrapped(
                    listener,
                    platform.service(),
                    async move { stop.wait().await },
                    ServerLimits::default(),
                    count,
                )
                .await;
                if let Err(e) = served {
                    let e = &e as &dyn std::error::Error;
                    tracing::error!(error = e, "the platform's server stopped");
                }
                for worker in workers {
                    let _ = worker.await;
                }
            };
            let task = match &self.platform {
                Some((runtime, _)) => runtime.spawn(serving),
                None => tokio::spawn(serving),
            };
            Ok((url, vec![task]))
        })
    }

    fn client(&self) -> Arc<dyn HttpClient> {
        RealHttp::new()
    }

    fn meters(&self) -> Option<&Meters> {
        Some(&self.meters)
    }

    fn platform_cpu(&self) -> Option<std::time::Duration> {
        self.platform.as_ref().map(|(_, cpu)| cpu.used())
    }

    /// Real time, with settlements on the precise timer (see
    /// [`hooklab_core::timer`]).
    fn clock(&self, origin_unix_us: i64) -> Clock {
        Clock::starting_now(origin_unix_us).precise()
    }
}

/// Requests a calibration sends: an odd count, so the median is one of them.
const CALIBRATION_REQUESTS: usize = 21;

/// One loopback round trip of this machine, measured before any load: the
/// median of `CALIBRATION_REQUESTS` requests to a server of its own on
/// `127.0.0.1:0`, each answered at once. The model's paper prediction uses
/// it (plus the `[network]` latency's mean) rather than the run's own round
/// trips, which balloon when strategies race side by side (a 4 ms webhook
/// once "predicted" 182 ms). `None` if the calibration could not run; the
/// caller then falls back to the round trips measured in the run.
pub async fn calibrate_loopback_rtt() -> Option<Dur> {
    let (trigger, shutdown) = hooklab_core::shutdown::channel();
    let router = axum::Router::new().route(
        "/calibrate",
        axum::routing::get(|| async { http::StatusCode::NO_CONTENT }),
    );
    let calibration = Loopback::new();
    let (url, task) = match calibration.serve("calibration", router, shutdown).await {
        Ok(served) => served,
        Err(e) => {
            tracing::warn!(
                error = &e as &dyn std::error::Error,
                "no calibration server"
            );
            return None;
        }
    };
    let client = calibration.client();
    let mut rtts = Vec::with_capacity(CALIBRATION_REQUESTS);
    // One request first, unmeasured: it opens the connection the others reuse,
    // as a run's clients do once warm.
    for n in 0..=CALIBRATION_REQUESTS {
        let request = http::Request::get(format!("{url}/calibrate"))
            .body(Bytes::new())
            .ok()?;
        let sent = std::time::Instant::now();
        if let Err(e) = client.send(request).await {
            tracing::warn!(error = &e as &dyn std::error::Error, "calibration failed");
            break;
        }
        if n > 0 {
            rtts.push(Dur(sent.elapsed().as_micros() as u64));
        }
    }
    trigger.trigger();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), task).await;
    if rtts.len() < CALIBRATION_REQUESTS {
        return None;
    }
    rtts.sort_unstable();
    Some(rtts[rtts.len() / 2])
}

/// The scenario's `[network]` table, applied to every request a run's hosts
/// send: a partition refuses the connection, and each message (the request,
/// then the response) waits one sampled one-way latency on tokio's clock.
///
/// It sits in front of *either* transport ([`Shaped`]), so real sockets and
/// the in-memory pipes see the same network: one code path for both clocks.
/// Because it sleeps on tokio's clock, a paused runtime skips the waits at no
/// wall-clock cost.
#[derive(Debug)]
pub struct NetworkModel {
    /// The run's start: partition windows count from here.
    origin: tokio::time::Instant,
    latency: Option<Distribution>,
    /// `[from, until)` windows, from the run's start.
    partitions: Vec<(Dur, Dur)>,
    /// Latency draws, seeded. Held only for one draw, never across an `.await`.
    rng: Mutex<SeededRng>,
}

impl NetworkModel {
    /// A model of `settings` whose windows count from now (call it where the
    /// run's clock starts, inside the run's runtime).
    pub fn new(settings: &NetworkSettings, seed: u64) -> Self {
        NetworkModel {
            origin: tokio::time::Instant::now(),
            latency: settings.latency,
            partitions: settings
                .partitions
                .iter()
                .map(|w| (w.from_ms, w.until_ms))
                .collect(),
            rng: Mutex::new(SeededRng::stream(seed, "network")),
        }
    }

    /// Whether the model changes nothing (no latency, no partitions).
    pub fn is_transparent(&self) -> bool {
        self.latency.is_none() && self.partitions.is_empty()
    }

    /// Whether the network is partitioned now.
    fn partitioned(&self) -> bool {
        let now = Dur(self.origin.elapsed().as_micros() as u64);
        self.partitions
            .iter()
            .any(|(from, until)| *from <= now && now < *until)
    }

    /// Carries one message across: waits one sampled one-way latency.
    async fn carry(&self) {
        if let Some(latency) = &self.latency {
            let delay = latency.sample(&mut self.rng.lock().unwrap_or_else(|p| p.into_inner()));
            tokio::time::sleep(delay.to_std()).await;
        }
    }

    /// Sends `request` through `inner` across this network. A request that
    /// leaves, or would arrive, during a partition fails as a refused
    /// connection (what a sender sees when a route is down); one in flight
    /// when a partition starts still gets its answer.
    pub async fn send(
        &self,
        inner: &dyn HttpClient,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        ensure_loopback(request.uri())?;
        let partitioned = || TransportError::Connect("the network is partitioned".into());
        if self.partitioned() {
            return Err(partitioned());
        }
        self.carry().await;
        if self.partitioned() {
            return Err(partitioned());
        }
        let response = inner.send(request).await?;
        self.carry().await;
        Ok(response)
    }
}

impl NetworkModel {
    /// When the next partition starts (now, if one is on), if any.
    fn next_cut(&self) -> Option<tokio::time::Instant> {
        let now = Dur(self.origin.elapsed().as_micros() as u64);
        self.partitions
            .iter()
            .filter(|(_, until)| now < *until)
            .map(|(from, _)| self.origin + (*from).max(now).to_std())
            .min()
    }

    /// Waits for `work`, unless the partition at `cut` comes first: then the
    /// exchange is cut, as a partition ends a held request or a stream.
    async fn before_cut<T>(
        cut: Option<tokio::time::Instant>,
        work: impl Future<Output = T>,
    ) -> Result<T, TransportError> {
        let Some(cut) = cut else {
            return Ok(work.await);
        };
        tokio::select! {
            biased;
            done = work => Ok(done),
            () = tokio::time::sleep_until(cut) => Err(TransportError::Broken(
                "the network was partitioned while the answer was on its way".into(),
            )),
        }
    }

    /// One sampled one-way latency.
    fn sample(&self) -> Dur {
        match &self.latency {
            Some(latency) => {
                latency.sample(&mut self.rng.lock().unwrap_or_else(|p| p.into_inner()))
            }
            None => Dur::ZERO,
        }
    }

    /// Opens `request` through `inner` across this network: the request
    /// waits one latency, the head and each later chunk of the answer one
    /// latency each (chunks keep their order, as on a TCP connection, and
    /// the bytes that arrive together travel together); a partition refuses
    /// a request as [`NetworkModel::send`] does, and ends an exchange still
    /// open when it starts (the long poll or stream must reconnect).
    pub async fn open(
        self: Arc<Self>,
        inner: &dyn HttpClient,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Box<dyn Chunks>>, TransportError> {
        ensure_loopback(request.uri())?;
        let partitioned = || TransportError::Connect("the network is partitioned".into());
        if self.partitioned() {
            return Err(partitioned());
        }
        self.carry().await;
        if self.partitioned() {
            return Err(partitioned());
        }
        let response = Self::before_cut(self.next_cut(), inner.open(request)).await??;
        let (parts, mut body) = response.into_parts();
        let arrived = tokio::time::Instant::now();
        let due = arrived + self.sample().to_std();
        // A task reads the body as it arrives, so each chunk's latency
        // counts from its arrival, not from when the reader asks for it.
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let model = self.clone();
        tokio::spawn(async move {
            let (mut last_arrival, mut last_due) = (arrived, due);
            loop {
                // `biased`: an unbiased select picks at random between two
                // ready branches, and a chunk drawn after the reader left
                // would shift every later latency draw of the run.
                let chunk = tokio::select! {
                    biased;
                    () = tx.closed() => return,
                    chunk = body.next_chunk() => chunk,
                };
                let now = tokio::time::Instant::now();
                if now != last_arrival {
                    last_due = last_due.max(now + model.sample().to_std());
                    last_arrival = now;
                }
                let end = chunk.is_none();
                if tx.send((last_due, chunk)).is_err() || end {
                    return;
                }
            }
        });
        Self::before_cut(self.next_cut(), tokio::time::sleep_until(due)).await?;
        let chunks: Box<dyn Chunks> = Box::new(ShapedChunks {
            model: self,
            rx,
            ended: false,
        });
        Ok(http::Response::from_parts(parts, chunks))
    }
}

/// An answer's chunks across a [`NetworkModel`]: each handed over at its
/// due instant, unless a partition cuts the exchange first.
struct ShapedChunks {
    model: Arc<NetworkModel>,
    rx: tokio::sync::mpsc::UnboundedReceiver<(
        tokio::time::Instant,
        Option<Result<Bytes, TransportError>>,
    )>,
    ended: bool,
}

impl Chunks for ShapedChunks {
    fn next_chunk(&mut self) -> ChunkFuture<'_> {
        Box::pin(async move {
            if self.ended {
                return None;
            }
            let cut = self.model.next_cut();
            let next = NetworkModel::before_cut(cut, async {
                let (due, chunk) = self.rx.recv().await?;
                tokio::time::sleep_until(due).await;
                chunk
            })
            .await;
            match next {
                Ok(Some(chunk)) => Some(chunk),
                Ok(None) => {
                    self.ended = true;
                    None
                }
                Err(cut) => {
                    // Dropping the receiver ends the reading task, which
                    // drops the connection: the far end sees it go.
                    self.ended = true;
                    self.rx.close();
                    Some(Err(cut))
                }
            }
        })
    }
}

/// An [`HttpClient`] that sends through a [`NetworkModel`].
pub struct ShapedHttp {
    inner: Arc<dyn HttpClient>,
    model: Arc<NetworkModel>,
}

impl HttpClient for ShapedHttp {
    fn send(&self, request: http::Request<Bytes>) -> SendFuture {
        let inner = self.inner.clone();
        let model = self.model.clone();
        Box::pin(async move { model.send(inner.as_ref(), request).await })
    }

    fn open(&self, request: http::Request<Bytes>) -> OpenFuture {
        let inner = self.inner.clone();
        let model = self.model.clone();
        Box::pin(async move { model.open(inner.as_ref(), request).await })
    }
}

/// A [`Network`] with the scenario's `[network]` table applied to its
/// clients: `Shaped::new(Loopback, …)` in real mode,
/// `Shaped::new(VirtualNet::new(), …)` in virtual mode.
pub struct Shaped<N> {
    net: N,
    model: Arc<NetworkModel>,
}

impl<N: Network> Shaped<N> {
    /// `net` seen through `settings`; partition windows count from now.
    pub fn new(net: N, settings: &NetworkSettings, seed: u64) -> Self {
        Shaped {
            net,
            model: Arc::new(NetworkModel::new(settings, seed)),
        }
    }
}

impl<N: Network> Network for Shaped<N> {
    fn serve<'a>(
        &'a self,
        name: &'a str,
        router: axum::Router,
        shutdown: Shutdown,
    ) -> ServeFuture<'a> {
        self.net.serve(name, router, shutdown)
    }

    fn serve_platform<'a>(
        &'a self,
        platform: &'a Platform,
        shutdown: Shutdown,
    ) -> PlatformFuture<'a> {
        self.net.serve_platform(platform, shutdown)
    }

    fn meters(&self) -> Option<&Meters> {
        self.net.meters()
    }

    fn platform_cpu(&self) -> Option<std::time::Duration> {
        self.net.platform_cpu()
    }

    fn client(&self) -> Arc<dyn HttpClient> {
        let inner = self.net.client();
        // No table, no detour: the default network costs nothing extra.
        if self.model.is_transparent() {
            inner
        } else {
            Arc::new(ShapedHttp {
                inner,
                model: self.model.clone(),
            })
        }
    }

    fn clock(&self, origin_unix_us: i64) -> Clock {
        self.net.clock(origin_unix_us)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use hooklab_core::scenario::DownWindow;
    use std::time::Duration;
    use tokio::time::Instant;

    /// Answers every request at once, so only the model's time shows.
    struct AnswersAtOnce;

    impl HttpClient for AnswersAtOnce {
        fn send(&self, _request: http::Request<Bytes>) -> SendFuture {
            Box::pin(async { Ok(http::Response::new(Bytes::from_static(b"ok"))) })
        }
    }

    fn request() -> http::Request<Bytes> {
        http::Request::get("http://127.0.0.2:80/")
            .body(Bytes::new())
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn latency_is_paid_each_way_and_partitions_refuse() {
        let settings = NetworkSettings {
            latency: Some(Distribution::Fixed {
                ms: Dur::from_ms(5),
            }),
            partitions: vec![DownWindow {
                from_ms: Dur::from_ms(100),
                until_ms: Dur::from_ms(200),
            }],
        };
        let model = NetworkModel::new(&settings, 1);
        let start = Instant::now();
        let ms = |n| start + Duration::from_millis(n);

        model.send(&AnswersAtOnce, request()).await.unwrap();
        assert_eq!(
            start.elapsed(),
            Duration::from_millis(10),
            "two one-way trips"
        );

        // Sent before the partition, but arriving inside it: refused.
        tokio::time::sleep_until(ms(97)).await;
        let err = model.send(&AnswersAtOnce, request()).await.unwrap_err();
        assert_eq!(err.kind().as_str(), "connect");
        // Sent inside it: refused at once.
        tokio::time::sleep_until(ms(150)).await;
        assert_eq!(
            model
                .send(&AnswersAtOnce, request())
                .await
                .unwrap_err()
                .kind()
                .as_str(),
            "connect"
        );
        assert_eq!(Instant::now(), ms(150));
        // After it heals, requests get through again.
        tokio::time::sleep_until(ms(200)).await;
        assert!(model.send(&AnswersAtOnce, request()).await.is_ok());
        // Off-loopback URLs are refused before anything else.
        let outside = http::Request::get("http://10.0.0.1/")
            .body(Bytes::new())
            .unwrap();
        assert_eq!(
            model
                .send(&AnswersAtOnce, outside)
                .await
                .unwrap_err()
                .kind()
                .as_str(),
            "bad_url"
        );
    }

    #[test]
    fn an_empty_table_adds_no_detour() {
        let model = NetworkModel::new(&NetworkSettings::default(), 1);
        assert!(model.is_transparent());
    }
}
