//! The virtual network: the hosts of a run on a paused clock, in memory.
//!
//! Virtual mode runs the same platform router, dispatcher and shop strategies
//! as real mode, on a single-threaded tokio runtime whose clock is paused
//! ([`paused_runtime`]). tokio then jumps its clock straight to the next timer
//! whenever every task waits, so a simulated day with sparse events costs
//! milliseconds of wall time, and the same seed gives the same numbers, byte
//! for byte.
//!
//! What this module teaches is that only the *transport* changes. Real
//! sockets must never meet a paused clock: while a task waits on a socket,
//! the clock would jump ahead and the measurement would be garbage. So an
//! exchange goes by one of two transports ([`VirtualTransport`]):
//!
//! - **direct** (the default, `virtual_net/direct.rs`): the client's `http::Request` is
//!   handed to the host's axum [`Router`] as a tower `Service` (the
//!   platform's host: to the platform's API service itself,
//!   [`Platform::service`], with no router around it); its layers
//!   (trace, body limits, auth) and handlers run as behind a socket, and the
//!   answer comes back as an `http::Response`. No HTTP/1.1 bytes are written
//!   or parsed: the meters count the bytes hyper *would* write, computed
//!   from its encoder's rules ([`wire_len`]), and the connection pool is kept
//!   (connections opened, held, closed as over pipes). Virtual mode skips
//!   the framing because it was the cost: hyper's client and server over a
//!   pipe carry 93–138K exchanges per second on their own, and a poll-heavy
//!   run must make 100K per CPU second with its platform and shop on top
//!   (issue 19; BENCHMARKS.md, "Scale of a virtual run").
//! - **http1** (`hooklab run --transport http1`): hosts talk real HTTP/1.1,
//!   hyper's client connection on one end and hyper's server connection
//!   serving the router on the other, the bytes through
//!   [`tokio::io::duplex`] pipes. It shows what the direct transport stands
//!   for: the harness's `transport` test runs one scenario both ways and
//!   compares the summaries.
//!
//! Why our own in-memory transport and not `turmoil` (see
//! `../shared/DESIGN.md`): turmoil steps every host on every tick even when
//! all are idle, so one idle simulated hour costs seconds of wall time.
//! Here an idle hour costs nothing: wall time grows with the number of
//! simulated requests, never with simulated time.
//!
//! The parts:
//!
//! - [`VirtualNet`]: a [`Network`] whose [`Network::serve`] registers a router
//!   (and [`Network::serve_platform`] the platform's API service) under a
//!   fake loopback address (`http://127.0.0.2:80`, `127.0.0.3:80`, …) and
//!   binds nothing;
//! - [`VirtualHttp`]: its [`HttpClient`], which keeps a small pool of open
//!   connections per host (as any real client does), so an exchange costs a
//!   few task wake-ups and no handshake, on either transport.
//!
//! The scenario's `[network]` table is applied in front of it, by the same
//! [`crate::network::Shaped`] wrapper real mode uses.

use crate::error::HarnessError;
use crate::meter::{End, LinkMeter, Metered, Meters};
use crate::network::{Network, PlatformFuture, ServeFuture};
use axum::Router;
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::http::{
    ChunkFuture, Chunks, HttpClient, OpenFuture, SendFuture, TransportError, ensure_loopback,
};
use hooklab_core::shutdown::Shutdown;
use hooklab_platform::Platform;
use hooklab_platform::api::Api;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

mod direct;
pub mod wire_len;

/// The unix time of a virtual run's origin, 2026-01-01T00:00:00Z in µs: fixed,
/// so `created_at` stamps and signatures are the same on every run.
pub const ORIGIN_UNIX_US: i64 = 1_767_225_600_000_000;

/// Bytes each direction of a pipe buffers: more than any message hooklab
/// sends, so a writer rarely waits for its reader.
const PIPE_BYTES: usize = 64 * 1024;

/// Idle connections kept per host. Beyond this, a connection is closed when
/// its exchange ends rather than kept.
const IDLE_PER_HOST: usize = 256;

/// A single-threaded tokio runtime with its clock paused: the runtime of a
/// virtual run. One thread, so the order in which tasks run follows from the
/// program alone; a paused clock, so time passes only when every task waits.
pub fn paused_runtime() -> Result<tokio::runtime::Runtime, HarnessError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .map_err(HarnessError::Runtime)
}

/// How a virtual network carries an exchange between its hosts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VirtualTransport {
    /// The router called as a tower `Service`, no HTTP/1.1 framing between
    /// the hosts (bytes counted as hyper would have written them): the
    /// default: 1.3 times the speed of a poll run, 3 times that of
    /// `hook0-day`, in CPU time; `virtual_net/direct.rs`).
    #[default]
    Direct,
    /// Real HTTP/1.1: hyper's client and server over in-memory pipes, to
    /// show that the hosts talk HTTP/1.1 and that the direct transport
    /// reports the same run (`hooklab run --transport http1`).
    Http1,
}

impl VirtualTransport {
    /// The name `--transport` takes (`direct`, `http1`).
    pub fn as_str(self) -> &'static str {
        match self {
            VirtualTransport::Direct => "direct",
            VirtualTransport::Http1 => "http1",
        }
    }
}

/// What a host serves.
enum App {
    /// A router (the shop's receivers, a test's, the crash lab's switch).
    Router(Router),
    /// The platform's API service, called without an `axum::Router` around
    /// it: the router it is the fallback of in [`Platform::router`] cost
    /// about 2,550 instructions an exchange and changed no answer
    /// (`hooklab_platform::api::Api`'s module says why).
    Platform(Api),
}

/// One served app and its idle connections.
struct Host {
    app: App,
    /// `Host` header value of requests to it (`127.0.0.2:80`), made once.
    authority: http::HeaderValue,
    /// Ends the host's server connections when the run stops.
    shutdown: Shutdown,
    /// Counts both ends of every connection to this host.
    link: Arc<LinkMeter>,
    /// Open connections waiting for their next exchange. Held only to push or
    /// pop one, never across an `.await`.
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
    /// The direct transport's idle connections (the same pool, without the
    /// pipes). Held only to push or pop one.
    idle_direct: Mutex<Vec<direct::Conn>>,
    /// Set when the host stops serving: a connection whose exchange ends
    /// then is closed, as a server shutting down gracefully closes it.
    stopped: AtomicBool,
    /// The direct transport's `content-length` values, made once each.
    lengths: direct::Lengths,
}

impl Host {
    fn idle(&self) -> MutexGuard<'_, Vec<SendRequest<Full<Bytes>>>> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A connection ready for one exchange: an idle one if any still works,
    /// otherwise a fresh pipe with a server connection on its far end.
    async fn checkout(&self) -> Result<SendRequest<Full<Bytes>>, TransportError> {
        loop {
            // The guard is a temporary of this statement: released before
            // the `.await` below.
            let Some(mut sender) = self.idle().pop() else {
                break;
            };
            if sender.ready().await.is_ok() {
                return Ok(sender);
            }
        }
        self.connect().await
    }

    fn idle_direct(&self) -> MutexGuard<'_, Vec<direct::Conn>> {
        self.idle_direct.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A direct connection for one exchange: an idle one, or a new one.
    fn checkout_direct(&self) -> direct::Conn {
        let idle = self.idle_direct().pop();
        idle.unwrap_or_else(|| direct::Conn::open(self))
    }

    /// Returns a direct connection to the pool after its exchange, unless
    /// the exchange asked to close it, the pool is full or the host stopped:
    /// then it closes here.
    fn checkin_direct(&self, conn: direct::Conn, close: bool) {
        if close || self.stopped.load(Ordering::Relaxed) {
            return;
        }
        let mut idle = self.idle_direct();
        if idle.len() < IDLE_PER_HOST {
            idle.push(conn);
        }
    }

    /// Returns a connection to the pool after its exchange.
    fn checkin(&self, sender: SendRequest<Full<Bytes>>) {
        let mut idle = self.idle();
        if idle.len() < IDLE_PER_HOST && !sender.is_closed() {
            idle.push(sender);
        }
    }

    /// Opens a connection: one duplex pipe, hyper's server connection serving
    /// the host's app on one end, hyper's client connection on the other.
    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, TransportError> {
        let (client_io, server_io) = tokio::io::duplex(PIPE_BYTES);
        // Both ends counted: what one writes the other reads, so the two
        // counts of a link must agree.
        let client_io = Metered::new(client_io, self.link.clone(), End::Client);
        let server_io = Metered::new(server_io, self.link.clone(), End::Server);
        let shutdown = self.shutdown.clone();
        match &self.app {
            App::Router(router) => serve_pipe(router.clone(), server_io, shutdown),
            // The router takes hyper's bodies as they are; the API takes
            // axum's, as axum's router would make it.
            App::Platform(api) => {
                let api = tower::ServiceBuilder::new()
                    .map_request(|r: http::Request<hyper::body::Incoming>| {
                        r.map(axum::body::Body::new)
                    })
                    .service(api.clone());
                serve_pipe(api, server_io, shutdown);
            }
        }
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(client_io))
            .await
            .map_err(|e| TransportError::Connect(e.into()))?;
        // The connection's I/O task; it ends when every sender is dropped.
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(
                    error = &e as &dyn std::error::Error,
                    "virtual client connection failed"
                );
            }
        });
        Ok(sender)
    }
}

/// Serves `service` with hyper's server connection on `server_io`, the far
/// end of a pipe, until the client closes it or `shutdown`.
fn serve_pipe<S>(service: S, server_io: Metered<tokio::io::DuplexStream>, mut shutdown: Shutdown)
where
    S: tower::Service<
            http::Request<hyper::body::Incoming>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let service = TowerToHyperService::new(service);
    tokio::spawn(async move {
        // No `Date` header: hyper would read the wall clock for it, and a
        // virtual run reads no wall clock (nothing here looks at it).
        let conn = hyper::server::conn::http1::Builder::new()
            .auto_date_header(false)
            .serve_connection(TokioIo::new(server_io), service);
        let mut conn = std::pin::pin!(conn);
        // `biased`: a fixed polling order, so runs are reproducible.
        tokio::select! {
            biased;
            _ = shutdown.wait() => {
                // Finish the exchange in progress, then close.
                conn.as_mut().graceful_shutdown();
                if let Err(e) = conn.await {
                    tracing::debug!(error = &e as &dyn std::error::Error, "virtual connection closed with an error");
                }
            }
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(error = &e as &dyn std::error::Error, "virtual connection closed with an error");
                }
            }
        }
    });
}

/// The hosts of one virtual network, by address (`127.0.0.2:80`).
type Registry = Mutex<BTreeMap<String, Arc<Host>>>;

fn lock(registry: &Registry) -> MutexGuard<'_, BTreeMap<String, Arc<Host>>> {
    registry.lock().unwrap_or_else(|p| p.into_inner())
}

/// An in-memory network of hosts, for a paused-clock run. Use one per run:
/// addresses are handed out in the order hosts are served, from `127.0.0.2`.
pub struct VirtualNet {
    hosts: Arc<Registry>,
    transport: VirtualTransport,
    /// How many hosts were served so far (names the next address).
    served: AtomicU32,
    /// Bytes and connections, by host name, at both ends.
    meters: Meters,
}

impl VirtualNet {
    /// An empty network, on the default (direct) transport.
    pub fn new() -> Self {
        Self::with_transport(VirtualTransport::default())
    }

    /// An empty network whose exchanges go by `transport`.
    pub fn with_transport(transport: VirtualTransport) -> Self {
        VirtualNet {
            hosts: Arc::default(),
            transport,
            served: AtomicU32::new(0),
            meters: Meters::new(true),
        }
    }
}

impl Default for VirtualNet {
    fn default() -> Self {
        Self::new()
    }
}

/// The `n`-th fake loopback address (0 → `127.0.0.2:80`). Never bound: it
/// only has to look like loopback, so `ensure_loopback` accepts it, and be
/// unique within the network.
fn address(n: u32) -> String {
    let [_, a, b, c] = (n + 2).to_be_bytes();
    format!("127.{a}.{b}.{c}:80")
}

/// The registry key of a request's host (`127.0.0.2:80`).
fn authority_of(uri: &http::Uri) -> Result<Cow<'_, str>, TransportError> {
    match (uri.authority(), uri.port_u16()) {
        // Written as registered (`127.0.0.2:80`): no need to build the key.
        (Some(authority), Some(_)) => Ok(Cow::Borrowed(authority.as_str())),
        (Some(authority), None) => Ok(Cow::Owned(format!("{}:80", authority.host()))),
        (None, _) => Err(TransportError::BadUrl(
            format!("`{uri}` has no host").into(),
        )),
    }
}

impl VirtualNet {
    /// Serves `app` as host `name` until `shutdown`: what
    /// [`Network::serve`] and [`Network::serve_platform`] do.
    fn host(
        &self,
        name: &str,
        app: App,
        mut shutdown: Shutdown,
    ) -> Result<crate::network::Served, HarnessError> {
        let n = self.served.fetch_add(1, Ordering::Relaxed);
        if n >= (1 << 24) - 2 {
            return Err(HarnessError::Unsupported(
                "the virtual network ran out of 127.x.y.z addresses".to_owned(),
            ));
        }
        let address = address(n);
        let authority = http::HeaderValue::from_str(&address)
            .map_err(|e| HarnessError::Unsupported(e.to_string()))?;
        let host = Arc::new(Host {
            app,
            authority,
            shutdown: shutdown.clone(),
            link: self.meters.link(name),
            idle: Mutex::new(Vec::new()),
            idle_direct: Mutex::new(Vec::new()),
            stopped: AtomicBool::new(false),
            lengths: direct::Lengths::new(),
        });
        lock(&self.hosts).insert(address.clone(), host);
        let hosts = self.hosts.clone();
        let key = address.clone();
        let task = tokio::spawn(async move {
            shutdown.wait().await;
            // Like a closed port: new connections are refused, and the
            // idle ones are dropped, which ends their tasks (the pipe
            // transport's server connections close their idle pipes on
            // the same signal).
            let host = lock(&hosts).remove(&key);
            if let Some(host) = host {
                host.stopped.store(true, Ordering::Relaxed);
                let idle = std::mem::take(&mut *host.idle_direct());
                drop(idle);
            }
        });
        Ok((format!("http://{address}"), task))
    }
}

impl Network for VirtualNet {
    fn serve<'a>(&'a self, name: &'a str, router: Router, shutdown: Shutdown) -> ServeFuture<'a> {
        Box::pin(async move { self.host(name, App::Router(router), shutdown) })
    }

    /// The platform's API service as the host, not its router
    /// ([`Platform::service`]); its workers started beside it, after it, as
    /// the trait's default does.
    fn serve_platform<'a>(
        &'a self,
        platform: &'a Platform,
        shutdown: Shutdown,
    ) -> PlatformFuture<'a> {
        Box::pin(async move {
            let app = App::Platform(platform.service());
            let (url, server) = self.host("platform", app, shutdown.clone())?;
            let mut tasks = vec![server];
            tasks.extend(platform.spawn_workers(shutdown));
            Ok((url, tasks))
        })
    }

    fn meters(&self) -> Option<&Meters> {
        Some(&self.meters)
    }

    fn client(&self) -> Arc<dyn HttpClient> {
        Arc::new(VirtualHttp {
            routes: Arc::new(Routes {
                hosts: self.hosts.clone(),
                last: Mutex::new(None),
            }),
            transport: self.transport,
        })
    }

    /// tokio's paused clock: every wait goes through tokio's timer, which is
    /// what lets virtual time jump.
    fn clock(&self, origin_unix_us: i64) -> Clock {
        Clock::starting_now(origin_unix_us)
    }
}

/// The virtual network's [`HttpClient`]: the router called directly, or
/// real HTTP/1.1 through hyper over pooled in-memory pipes. A request to an
/// address nobody serves fails as a refused connection.
pub struct VirtualHttp {
    routes: Arc<Routes>,
    transport: VirtualTransport,
}

/// Where a client's requests go: the network's hosts, and the last host
/// found, by the authority it was found for. A client sends nearly every
/// request to one host (the shop to the platform, the dispatcher to the
/// shop), and checking the URL and looking its host up again (the
/// loopback check parses the address; the registry is a locked map of
/// strings) cost more than a comparison of the authority's text.
struct Routes {
    hosts: Arc<Registry>,
    /// Held only to read or replace the pair, never across an `.await`.
    last: Mutex<Option<(http::uri::Authority, Arc<Host>)>>,
}

impl Routes {
    fn last(&self) -> MutexGuard<'_, Option<(http::uri::Authority, Arc<Host>)>> {
        self.last.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The host `uri` is for: what `ensure_loopback` then `host_of`
    /// answer. The remembered host stands for them while it serves: the
    /// same `http` authority, spelled the same, passed the loopback check
    /// and named it, and an address is never served twice; once it
    /// stopped (and left the registry, in the same step), the lookup is
    /// made again and refuses the connection.
    fn host(&self, uri: &http::Uri) -> Result<Arc<Host>, TransportError> {
        if uri.scheme_str() == Some("http")
            && let Some(authority) = uri.authority()
            && let Some((known, host)) = &*self.last()
            && known.as_str() == authority.as_str()
            && !host.stopped.load(Ordering::Relaxed)
        {
            return Ok(host.clone());
        }
        ensure_loopback(uri)?;
        let host = host_of(&self.hosts, uri)?;
        if let Some(authority) = uri.authority() {
            *self.last() = Some((authority.clone(), host.clone()));
        }
        Ok(host)
    }
}

/// The served host a request is for, or a refused connection.
fn host_of(hosts: &Registry, uri: &http::Uri) -> Result<Arc<Host>, TransportError> {
    let authority = authority_of(uri)?;
    lock(hosts)
        .get(authority.as_ref())
        .cloned()
        .ok_or_else(|| TransportError::Connect(format!("nothing is served at {authority}").into()))
}

/// A response body read frame by frame from its in-memory connection. The
/// connection goes back to its host's pool once the body ended, as a
/// pooled client does; a body dropped before its end closes the connection
/// (the far end sees its client go away, as a held request does when a
/// socket closes).
struct PipeChunks {
    body: hyper::body::Incoming,
    /// The connection, until the body ended.
    sender: Option<(Arc<Host>, SendRequest<Full<Bytes>>)>,
}

impl Chunks for PipeChunks {
    fn next_chunk(&mut self) -> ChunkFuture<'_> {
        Box::pin(async move {
            loop {
                match self.body.frame().await {
                    Some(Ok(frame)) => match frame.into_data() {
                        Ok(data) => return Some(Ok(data)),
                        // Trailers carry no body bytes.
                        Err(_) => continue,
                    },
                    Some(Err(e)) => return Some(Err(TransportError::Broken(e.into()))),
                    None => {
                        if let Some((host, sender)) = self.sender.take() {
                            host.checkin(sender);
                        }
                        return None;
                    }
                }
            }
        })
    }
}

impl HttpClient for VirtualHttp {
    fn open(&self, request: http::Request<Bytes>) -> OpenFuture {
        let routes = self.routes.clone();
        if self.transport == VirtualTransport::Direct {
            return Box::pin(async move {
                let host = routes.host(request.uri())?;
                direct::open(host, request).await
            });
        }
        Box::pin(async move {
            let host = routes.host(request.uri())?;
            let mut sender = host.checkout().await?;
            let response = sender
                .send_request(origin_form(request, &host.authority)?.map(Full::new))
                .await
                .map_err(|e| TransportError::Broken(e.into()))?;
            let (parts, body) = response.into_parts();
            let chunks: Box<dyn Chunks> = Box::new(PipeChunks {
                body,
                sender: Some((host, sender)),
            });
            Ok(http::Response::from_parts(parts, chunks))
        })
    }

    /// Each transport's exchange is a future of its own type, boxed at
    /// its own size.
    fn send(&self, request: http::Request<Bytes>) -> SendFuture {
        let routes = self.routes.clone();
        if self.transport == VirtualTransport::Direct {
            return Box::pin(async move {
                let host = routes.host(request.uri())?;
                direct::send(host, request).await
            });
        }
        Box::pin(async move {
            let host = routes.host(request.uri())?;
            let mut sender = host.checkout().await?;
            let response = sender
                .send_request(origin_form(request, &host.authority)?.map(Full::new))
                .await
                .map_err(|e| TransportError::Broken(e.into()))?;
            let response = whole(response).await?;
            host.checkin(sender);
            Ok(response)
        })
    }
}

/// The request as a client sends it on a connection: the target in origin
/// form (`/v1/payments?x=1`) and the host in a `Host` header, as
/// a pooled client (reqwest's, over hyper) does for real sockets.
fn origin_form(
    request: http::Request<Bytes>,
    authority: &http::HeaderValue,
) -> Result<http::Request<Bytes>, TransportError> {
    let (mut parts, body) = request.into_parts();
    // Rebuilt from parts, not reparsed, and the path moved rather than
    // cloned (a clone of bytes made from a `String` allocates their shared
    // header: once per exchange).
    let mut target = http::uri::Parts::default();
    target.path_and_query = Some(
        std::mem::take(&mut parts.uri)
            .into_parts()
            .path_and_query
            .unwrap_or_else(|| http::uri::PathAndQuery::from_static("/")),
    );
    parts.uri = http::Uri::from_parts(target).map_err(|e| TransportError::BadUrl(e.into()))?;
    if !parts.headers.contains_key(http::header::HOST) {
        parts.headers.insert(http::header::HOST, authority.clone());
    }
    Ok(http::Request::from_parts(parts, body))
}

/// Reads a response's whole body: transports hand back whole bodies (see
/// `hooklab_core::http`).
async fn whole(
    response: http::Response<hyper::body::Incoming>,
) -> Result<http::Response<Bytes>, TransportError> {
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| TransportError::Broken(e.into()))?
        .to_bytes();
    Ok(http::Response::from_parts(parts, body))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use axum::routing::get;
    use hooklab_core::http::TransportErrorKind;

    #[test]
    fn addresses_look_like_loopback_and_never_repeat() {
        assert_eq!(address(0), "127.0.0.2:80");
        assert_eq!(address(1), "127.0.0.3:80");
        assert_eq!(address(300), "127.0.1.46:80");
        let uri: http::Uri = format!("http://{}/", address(70_000)).parse().unwrap();
        assert!(ensure_loopback(&uri).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn serves_over_pipes_reuses_connections_and_refuses_unknown_hosts() {
        serves_reuses_and_refuses(VirtualTransport::Http1).await;
    }

    #[tokio::test(start_paused = true)]
    async fn serves_directly_reuses_connections_and_refuses_unknown_hosts() {
        serves_reuses_and_refuses(VirtualTransport::Direct).await;
    }

    async fn serves_reuses_and_refuses(transport: VirtualTransport) {
        let net = VirtualNet::with_transport(transport);
        let (trigger, shutdown) = hooklab_core::shutdown::channel();
        let router = Router::new().route("/hello", get(|| async { "hi" }));
        let (url, task) = net.serve("test", router, shutdown).await.unwrap();
        assert_eq!(url, "http://127.0.0.2:80");
        let client = net.client();
        for _ in 0..3 {
            let request = http::Request::get(format!("{url}/hello"))
                .body(Bytes::new())
                .unwrap();
            let response = client.send(request).await.unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(response.body().as_ref(), b"hi");
        }
        let host = lock(&net.hosts).get("127.0.0.2:80").cloned().unwrap();
        let idle = match transport {
            VirtualTransport::Http1 => host.idle().len(),
            VirtualTransport::Direct => host.idle_direct().len(),
        };
        assert_eq!(idle, 1, "one connection, reused");
        let link = net.meters.counts("test", tokio::time::Instant::now());
        assert_eq!(link.server.connections_opened, 1);
        assert!(link.ends_agree(), "{link:?}");
        // Three of each, as hyper writes them (no `date`: turned off).
        let request = "GET /hello HTTP/1.1\r\nhost: 127.0.0.2:80\r\n\r\n";
        let response = "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\n\
                        content-length: 2\r\n\r\nhi";
        assert_eq!(link.server.request_bytes, 3 * request.len() as u64);
        assert_eq!(link.server.response_bytes, 3 * response.len() as u64);
        drop(host);

        let stranger = http::Request::get("http://127.0.0.9:80/hello")
            .body(Bytes::new())
            .unwrap();
        let err = client.send(stranger).await.unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::Connect);
        let outside = http::Request::get("http://10.0.0.1/")
            .body(Bytes::new())
            .unwrap();
        assert_eq!(
            client.send(outside).await.unwrap_err().kind(),
            TransportErrorKind::BadUrl
        );

        trigger.trigger();
        task.await.unwrap();
        let late = http::Request::get(format!("{url}/hello"))
            .body(Bytes::new())
            .unwrap();
        assert_eq!(
            client.send(late).await.unwrap_err().kind(),
            TransportErrorKind::Connect
        );
    }
}
