//! The one way every hooklab server serves: the platform's API, the shop's
//! webhook receiver, the GitHub listener and the live page all call
//! [`serve`], and all put [`error_shape`] on their routers.
//!
//! `axum::serve` is a fine start and a poor edge: it has no header-read
//! timeout, no idle timeout and no connection limit, so a thousand clients
//! that send half a request hold a thousand descriptors for ever, and a
//! graceful shutdown waits for them for ever too. [`serve`] is the same
//! accept loop with the bounds a server facing the open internet needs
//! ([`ServerLimits`]):
//!
//! - a **header-read timeout**: a client has this long to send a request's
//!   head, counted from when the connection opens or from when the last
//!   answer was done; the clock stops while the server answers. A head
//!   begun but not whole by then is answered 408 `request_timeout` in the
//!   JSON shape; a connection that sent nothing, or sat idle after its last
//!   answer, is closed. The clock is `server/head.rs`'s, on the
//!   connection's bytes, not hyper's (which only closes), and the same scan
//!   answers a request target over
//!   [`max_target_bytes`](ServerLimits::max_target_bytes) (8 KiB) with 414
//!   `uri_too_long`, a head with both `Content-Length` and
//!   `Transfer-Encoding` with 400, a head hyper would refuse with an empty
//!   body (a bad request line, a NUL in the target, a target that is not
//!   UTF-8, `HTTP/2.0`, a bad
//!   `Content-Length` or `Transfer-Encoding`) with a 400 of its own code,
//!   and a header line over
//!   [`max_header_bytes`](ServerLimits::max_header_bytes) or a head over
//!   [`max_head_bytes`](ServerLimits::max_head_bytes) with 431
//!   `headers_too_large`, all in the JSON shape;
//! - an **idle timeout**: a connection on which nothing moved either way for
//!   this long while the server waits to read (a body sent a byte a minute)
//!   is closed. A handler that takes its time, or an event stream that sends
//!   a keep-alive now and then, is not idle;
//! - a **write-progress deadline**: a connection whose answer has moved no
//!   byte to the client for this long (10 s) is cut with a reset, however
//!   much the client keeps sending; reads do not restart it, and a
//!   connection with nothing to write has none (`server/stall.rs`);
//! - a **request deadline**: once a request's head has arrived, its body
//!   must arrive whole within this, however steadily it trickles (the idle
//!   timeout alone restarts on every byte, so a byte every 20 seconds kept a
//!   connection for ever). A body still coming at the deadline is answered
//!   408 `request_timeout` in the JSON shape and the connection is closed.
//!   With the header-read timeout, a whole request (head and body) has at
//!   most the two together; a handler's own time (a held long poll) does
//!   not count;
//! - a **connection limit** (by default half the process's descriptor
//!   limit): beyond it the server stops accepting, and new clients wait in
//!   the kernel's backlog until a connection closes, rather than the process
//!   running out of descriptors and answering nobody;
//! - a **body budget** (64 MiB by default) for the request bodies still
//!   arriving on all connections together: a large body that would take
//!   the server past three quarters of it, or any body past the whole, is
//!   answered 429 `server_busy` with `Retry-After: 1`, so stalled bodies
//!   cannot hold connections × body cap (`server/budget.rs`);
//! - a **graceful shutdown with a deadline**: on the signal the listener
//!   closes, connections finish the request they are serving, and whatever
//!   still runs at the deadline is cut.
//!
//! [`body_limit`] caps a router's request bodies and refuses a declared
//! `Content-Length` over the cap at once, with 413 in the JSON shape: axum's
//! own limit counts bytes as they arrive, so a client that declares 3 MB and
//! sends nothing held the connection until the idle timeout and then got a
//! 400.
//!
//! [`error_shape`] gives the framework's own refusals (an unknown route, a
//! wrong method, a body over the limit, a body that is not valid chunked
//! encoding, a path that is not UTF-8) the JSON error shape every hooklab
//! API answers, `{"error": {"code", "message"}}`.
//!
//! Both are one tower layer each whose future is a concrete type, and
//! [`serve`] shapes refusals around the router (`Edge`) rather than with one
//! more layer: every `Router::layer` wraps every route in one more boxed
//! service, which each request clones and calls through, and a hooklab
//! server's request is meant to cost close to what a bare axum app's costs
//! (issue 19).

use crate::lang::{Lang, Said};
use crate::wire::ErrorBody;
use axum::Router;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};

mod budget;
mod head;
mod on_write;
mod stall;

pub use stall::{WriteProgress, ZeroLinger};

pub use budget::{DEFAULT_BODY_BUDGET_BYTES, DEFAULT_BODY_FREE_BYTES, SMALL_BODY_BYTES};

/// The bounds [`serve`] keeps. The defaults suit a demo on one machine with a
/// 1,024-descriptor limit; tests shorten the timeouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// How long a client may take to send a request's head.
    pub header_read_timeout: Duration,
    /// How long a connection may sit with nothing moving while the server
    /// waits to read from it.
    pub idle_timeout: Duration,
    /// How long a request's body may take to arrive whole, counted from
    /// when its head arrived.
    pub request_timeout: Duration,
    /// Connections served at once; more wait in the backlog.
    pub max_connections: usize,
    /// How long a shutdown waits for open connections before cutting them.
    pub shutdown_deadline: Duration,
    /// How long the server's writes may move no byte while it has bytes to
    /// send: 10 s by default. A client that stops reading its answers (and
    /// pipelines more requests, whose bytes the idle timeout counts as
    /// activity) is cut then, with a reset, and the answers held for it are
    /// freed. Reads never restart this clock; a connection with nothing to
    /// write (a held long poll, a quiet event stream) has none running, and
    /// a client that reads slowly but reads is never cut
    /// (`server/stall.rs`).
    pub write_stall_timeout: Duration,
    /// The longest request target (path and query) a client may send: 8 KiB
    /// by default, what common proxies allow. A longer one is answered `414
    /// uri_too_long` in the JSON shape as soon as the target passes the
    /// limit, rather than after the whole head (hyper's own limit is 64 KiB,
    /// answered with no body).
    pub max_target_bytes: usize,
    /// The longest header line (name, colon and value) a client may send: 8
    /// KiB by default, as common proxies allow. A longer one is answered
    /// `431 headers_too_large` in the JSON shape as soon as the line passes
    /// the limit (hyper takes a single header up to its 400 KB buffer).
    pub max_header_bytes: usize,
    /// The longest request head (request line and every header line) a
    /// client may send: 32 KiB by default. A longer one is answered `431
    /// headers_too_large`, as is a head with more than 100 headers (hyper's
    /// own count, which it answers with an empty 431).
    pub max_head_bytes: usize,
    /// The bytes of request bodies the whole server holds at once while
    /// they arrive, summed over every connection: 64 MiB by default. A body
    /// over [`SMALL_BODY_BYTES`] (64 KiB) may only bring the sum to three
    /// quarters of it, so small ones (webhook deliveries, API calls) still
    /// get through while large ones stall; a body that does not fit is
    /// answered `429 server_busy` with `Retry-After: 1`. Keep it at least
    /// 4/3 of the largest body cap of the server's routes, or its largest
    /// bodies never fit. See `server/budget.rs`.
    pub body_budget_bytes: usize,
    /// The first bytes of every body that the budget does not charge: 16
    /// KiB by default ([`DEFAULT_BODY_FREE_BYTES`]), so a webhook delivery
    /// or an API call of that size is never refused `server_busy`, however
    /// many small bodies stall (the connection limit bounds what they hold
    /// uncharged, as it bounds hyper's own read buffers). 0 charges every
    /// byte.
    pub body_free_bytes: usize,
    /// The language of the server's own lines for people (its warning that
    /// a shutdown cut connections, its `server_busy` refusal): the run's,
    /// from its caller. English by default.
    pub lang: Lang,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            // Any honest client sends a 2 MB body over loopback in
            // milliseconds; 30 s leaves a slow machine room.
            request_timeout: Duration::from_secs(30),
            max_connections: default_max_connections(),
            shutdown_deadline: Duration::from_secs(5),
            write_stall_timeout: Duration::from_secs(10),
            max_target_bytes: 8 * 1024,
            max_header_bytes: 8 * 1024,
            max_head_bytes: 32 * 1024,
            body_budget_bytes: DEFAULT_BODY_BUDGET_BYTES,
            body_free_bytes: DEFAULT_BODY_FREE_BYTES,
            lang: Lang::En,
        }
    }
}

/// Half of the process's descriptor limit (its soft `RLIMIT_NOFILE`, read
/// from `/proc/self/limits`), leaving the other half for the process's own
/// outbound connections and files; 512 (half of the usual 1,024) where the
/// limit cannot be read. The limit exists so that a crowd of connections
/// makes new clients wait rather than the process run out of descriptors
/// and answer nobody; a machine with room for more keeps serving them.
fn default_max_connections() -> usize {
    static LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|text| {
                let line = text.lines().find(|l| l.starts_with("Max open files"))?;
                let soft = line
                    .trim_start_matches("Max open files")
                    .split_whitespace()
                    .next()?;
                soft.parse::<usize>().ok()
            })
            .map_or(512, |soft| (soft / 2).max(64))
    })
}

/// How a [`serve`] ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Served {
    /// Connections accepted over the server's life.
    pub connections: u64,
    /// Connections still open at the shutdown deadline, and cut.
    pub cut_at_deadline: usize,
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves,
/// then shuts down gracefully within `limits.shutdown_deadline`. The router
/// gets [`error_shape`] (a second one on a router that has it already
/// changes nothing: JSON refusals pass through).
///
/// The caller binds the listener (a test binds `127.0.0.1:0` and reads the
/// port first) and owns the signal, as in mini-redis's
/// `server::run(listener, shutdown)`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send,
    limits: ServerLimits,
) -> io::Result<Served> {
    serve_wrapped(listener, router, shutdown, limits, |stream| stream).await
}

/// What [`serve_wrapped`] serves: a tower service of requests that
/// [`Shaped::shaped`] makes answer every refusal in the JSON error shape. A
/// [`Router`] gets [`error_shape`]; a service whose refusals are all shaped
/// already (the platform's API, served without a router around it) is
/// served as it is.
pub trait Shaped:
    tower::Service<
        http::Request<Body>,
        Response = Response,
        Error = std::convert::Infallible,
        Future: Send + Unpin + 'static,
    > + Clone
    + Send
    + 'static
{
    /// The service, every refusal in the JSON error shape.
    fn shaped(self) -> Self;
}

impl Shaped for Router {
    fn shaped(self) -> Self {
        error_shape(self)
    }
}

/// [`serve`], with each accepted connection passed through `wrap` before
/// hyper reads it: the harness wraps them in a byte counter, to measure what
/// hyper really reads and writes on the wire. The connection comes under its
/// write-progress deadline already ([`WriteProgress`]), which must own the
/// socket to reset it. It serves a [`Router`] or any other [`Shaped`]
/// service.
pub async fn serve_wrapped<S>(
    listener: TcpListener,
    router: impl Shaped,
    shutdown: impl Future<Output = ()> + Send,
    limits: ServerLimits,
    wrap: impl Fn(WriteProgress<tokio::net::TcpStream>) -> S,
) -> io::Result<Served>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // Every server's refusals in the one shape, even a router that forgot:
    // shaped at the edge (see `Edge`), not by one more layer on every route.
    let edge = Edge::new(router, &limits);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Tells every connection to finish its request and close.
    let (closing, closing_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut served = Served::default();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A permit first, then the accept: at the limit, new clients wait in
        // the backlog instead of being accepted and left unserved.
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                // The semaphore is never closed.
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    // Out of descriptors, or a connection reset before it was
                    // accepted: neither ends the server. A short pause lets a
                    // descriptor free up instead of spinning on the error.
                    tracing::warn!(error = &e as &dyn std::error::Error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        served.connections += 1;
        // Small answers must not wait for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        let service = edge.connection();
        let io = TokioIo::new(head::head_deadline(
            idle_timeout(
                wrap(WriteProgress::on_socket(stream, limits.write_stall_timeout)),
                limits.idle_timeout,
            ),
            limits.header_read_timeout,
            head::HeadLimits {
                target: limits.max_target_bytes,
                line: limits.max_header_bytes,
                head: limits.max_head_bytes,
            },
            service.expiry.clone(),
        ));
        let mut closing = closing_rx.clone();
        connections.spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            // `HeadDeadline` keeps the header-read timeout; hyper's timer
            // (a timer reset on every request) is off.
            builder.header_read_timeout(None);
            // A client may send a whole request and shut its write half
            // (`nc -N`, `printf | socat`, some proxies): the read's end is
            // not the client gone, and the request is answered. hyper's
            // default closed the connection on that end, dropping the
            // answer (and the handler mid-way) whenever the handler had
            // not answered on its first poll. A connection half-closed
            // before a whole request still closes: hyper ends on the read's
            // end while it waits for a head, and a body cut short fails.
            // The cost: hyper no longer reads a connection while it
            // answers, so a client that goes away meanwhile is noticed when
            // the answer is written (a held long poll runs to its own
            // deadline; an event stream's keep-alive finds it), and a
            // client that stops reading is cut by the idle timeout on the
            // write side (`Idle::blocked`).
            builder.half_close(true);
            let connection = builder.serve_connection(io, service);
            let mut connection = std::pin::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                // `map(drop)`: the guard `wait_for` answers must not live
                // across the `.await` below.
                _ = async { closing.wait_for(|closing| *closing).await.map(drop) } => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = ended {
                // A client that went away or timed out: routine at an edge.
                tracing::debug!(error = &e as &dyn std::error::Error, "connection ended");
            }
        });
        // Finished connections are reaped as we go, so the set does not grow
        // with the server's life.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = closing.send(true);
    let drained = tokio::time::timeout(limits.shutdown_deadline, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        served.cut_at_deadline = connections.len();
        let line = cut_at_deadline(served.cut_at_deadline, limits.shutdown_deadline);
        tracing::warn!(
            connections = served.cut_at_deadline,
            "{}",
            line.get(limits.lang)
        );
        connections.shutdown().await;
    }
    Ok(served)
}

/// The warning that a shutdown cut `connections` still open at its
/// `deadline`, in both languages.
fn cut_at_deadline(connections: usize, deadline: Duration) -> Said {
    let secs = deadline.as_secs_f64();
    // Portuguese writes a decimal comma.
    let secs_pt = secs.to_string().replace('.', ",");
    Said::new(
        format!(
            "shutdown deadline ({secs} s) reached: {connections} connection(s) still open, cut"
        ),
        format!(
            "prazo de desligamento ({secs_pt} s) esgotado: {connections} conexão(ões) ainda \
             aberta(s), encerrada(s) à força"
        ),
    )
}

/// Each connection's service: the router, its refusals shaped at the edge,
/// and each request's body under the request deadline.
///
/// The shape is given here, around the router, rather than by
/// [`error_shape`] on it: a layer on a router is one more boxed level on
/// every route, cloned and called through on every request, while here it
/// is a status check on the answer. A refusal shaped here gets the bytes it
/// would get from [`error_shape`] on the router ([`Where::AtEdge`]), with
/// one exception handled by sending it there: the method router empties a
/// HEAD answer's body after the route's layers have seen it, so a HEAD
/// request goes to `shaped`, the same router with [`error_shape`] on it.
struct Edge<S> {
    router: S,
    /// The service with the error-shape layer ([`Shaped::shaped`]), for
    /// `HEAD` requests, whose body is emptied before the edge could read it.
    shaped: S,
    timeout: Duration,
    /// The connection's requests' body deadlines (see [`Expired`]).
    expiry: Arc<Expiry>,
    /// The server's body budget, shared by every connection.
    budget: Arc<budget::BodyBudget>,
}

impl<S: Shaped> Edge<S> {
    fn new(router: S, limits: &ServerLimits) -> Self {
        Edge {
            shaped: router.clone().shaped(),
            router,
            timeout: limits.request_timeout,
            expiry: Arc::default(),
            budget: Arc::new(
                budget::BodyBudget::new(limits.body_budget_bytes, limits.lang)
                    .with_free_bytes(limits.body_free_bytes),
            ),
        }
    }

    /// The service for one more connection.
    fn connection(&self) -> Self {
        Edge {
            router: self.router.clone(),
            shaped: self.shaped.clone(),
            timeout: self.timeout,
            expiry: Arc::default(),
            budget: self.budget.clone(),
        }
    }
}

/// One connection's state shared by its service and its stream: which
/// request's body ran out of time, and whether a request is being answered
/// (the head deadline's [`head::Phase`]). One per connection rather than a
/// flag allocated per request; requests are numbered so that a body kept
/// past its request (a handler that handed it to a task) cannot make a
/// later request's answer a 408.
#[derive(Debug, Default)]
struct Expiry {
    /// Set by [`Edge`] as it answers, read by the connection's
    /// `HeadDeadline`: no head deadline while a request is answered.
    phase: head::Phase,
    /// The last request's number.
    numbered: AtomicU64,
    /// The number of the last request whose body ran out of time (0: none).
    expired: AtomicU64,
    /// The number of the last request whose body the budget refused (0:
    /// none; see `budget.rs`).
    busy: AtomicU64,
}

/// One request's handle on its connection's [`Expiry`].
#[derive(Clone, Debug)]
struct Expired {
    expiry: Arc<Expiry>,
    request: u64,
}

impl Expired {
    /// The handle of the connection's next request.
    fn next(expiry: &Arc<Expiry>) -> Self {
        let request = expiry.numbered.fetch_add(1, Ordering::Relaxed) + 1;
        Expired {
            expiry: expiry.clone(),
            request,
        }
    }

    /// This request's body ran out of time.
    fn set(&self) {
        // The highest number wins: a late body of an earlier request never
        // hides a later one's.
        self.expiry
            .expired
            .fetch_max(self.request, Ordering::Relaxed);
    }

    /// Whether this request's body ran out of time.
    fn is_set(&self) -> bool {
        self.expiry.expired.load(Ordering::Relaxed) == self.request
    }
}

impl<S, B> hyper::service::Service<http::Request<B>> for Edge<S>
where
    S: Shaped,
    B: HttpBody<Data = bytes::Bytes> + Unpin + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = EdgeFuture<S::Future>;

    fn call(&self, request: http::Request<B>) -> Self::Future {
        let expired = Expired::next(&self.expiry);
        self.expiry.phase.answering();
        let head = request.method() == http::Method::HEAD;
        let request = request.map(|body| {
            let charged = budget::Charged::new(body, &self.budget, expired.clone());
            Body::new(BodyDeadline::new(charged, self.timeout, expired.clone()))
        });
        let (mut router, place) = match head {
            true => (self.shaped.clone(), Where::Off),
            false => (self.router.clone(), Where::AtEdge),
        };
        // A router is always ready (axum's `poll_ready` is `Ready(Ok)`), and
        // so is the platform's API, a router behind its fast path.
        let answer = tower::Service::call(&mut router, request);
        EdgeFuture {
            answer: Shaping::new(answer, place),
            expired,
            timeout: self.timeout,
            busy: self.budget.busy(),
        }
    }
}

/// [`Edge`]'s answer to one request.
struct EdgeFuture<F> {
    answer: Shaping<F>,
    expired: Expired,
    timeout: Duration,
    busy: budget::Busy,
}

impl<F> Future for EdgeFuture<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let response = match std::task::ready!(Pin::new(&mut this.answer).poll(cx)) {
            Ok(response) => response,
            Err(never) => match never {},
        };
        // Whatever the handler made of a body that failed half-way (axum
        // says 400), the client was too slow.
        let response = match this.expired.is_set() {
            true => request_timed_out(this.timeout),
            // A body the budget refused: the server is busy, whatever the
            // handler made of the failure.
            false if this.expired.is_busy() => this.busy.refusal(),
            false => response,
        };
        let expiry = &this.expired.expiry;
        // An answer of known length is done once hyper has it (nearly every
        // answer); a stream is done when its body ends.
        if response.body().size_hint().exact().is_some() {
            expiry.phase.answered();
            return Poll::Ready(Ok(response));
        }
        let expiry = expiry.clone();
        Poll::Ready(Ok(response.map(|body| {
            Body::new(Streamed {
                inner: body,
                expiry: Some(expiry),
            })
        })))
    }
}

/// A streamed answer's body (an event stream, say), which tells the
/// connection's head deadline when it is done (ended or dropped): until
/// then the server is answering, and no head is due.
struct Streamed {
    inner: Body,
    /// Taken when the body says it is done.
    expiry: Option<Arc<Expiry>>,
}

impl Streamed {
    fn done(&mut self) {
        if let Some(expiry) = self.expiry.take() {
            expiry.phase.answered();
        }
    }
}

impl Drop for Streamed {
    fn drop(&mut self) {
        self.done();
    }
}

impl HttpBody for Streamed {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let frame = std::task::ready!(Pin::new(&mut this.inner).poll_frame(cx));
        if frame.is_none() {
            this.done();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A request body that fails once `limit` has passed since the request's
/// head arrived (when it was made), marking its request [`Expired`] so the server answers
/// 408 whatever the handler did with the failure.
struct BodyDeadline<B> {
    inner: B,
    /// When the request's head arrived: the limit counts from here.
    since: Instant,
    /// Made the first time the body is not all there (see `poll_frame`).
    timer: Option<Pin<Box<Sleep>>>,
    limit: Duration,
    expired: Expired,
}

impl<B> BodyDeadline<B> {
    fn new(inner: B, limit: Duration, expired: Expired) -> Self {
        BodyDeadline {
            inner,
            since: Instant::now(),
            timer: None,
            limit,
            expired,
        }
    }
}

/// What the server itself answers a request whose body `error` failed
/// with, when the failure was the server's own doing and not the client's:
/// 429 when the body budget refused it (`server/budget.rs`), 408 when the
/// request deadline cut it. The server replaces the handler's answer with
/// that one; a handler that logs its refusals calls this so its log says
/// what the client got (a GitHub listener printed "400: body could not be
/// read" beside a 429 it never sent). `None` for any other failure. Walks
/// `error`'s sources, so an extractor's rejection (axum's `BytesRejection`)
/// will do.
pub fn refused_by_server(error: &(dyn std::error::Error + 'static)) -> Option<StatusCode> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<budget::BudgetSpent>() {
            return Some(StatusCode::TOO_MANY_REQUESTS);
        }
        if e.is::<BodyTooSlow>() {
            return Some(StatusCode::REQUEST_TIMEOUT);
        }
        cause = e.source();
    }
    None
}

/// Why a [`BodyDeadline`] body failed.
#[derive(Debug, thiserror::Error)]
#[error("the request's body did not arrive within {0:?}")]
struct BodyTooSlow(Duration);

impl<B> HttpBody for BodyDeadline<B>
where
    B: HttpBody<Data = bytes::Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = bytes::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        // The timer exists only for a body that has kept the handler
        // waiting: a webhook's body nearly always comes with its head, and
        // a timer per request was a timer-wheel entry per request.
        let (since, limit) = (this.since, this.limit);
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(since + limit)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                this.expired.set();
                Poll::Ready(Some(Err(Box::new(BodyTooSlow(this.limit)))))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// 408 `request_timeout` in the JSON shape, closing the connection (the
/// rest of the body is still on the wire).
fn request_timed_out(limit: Duration) -> Response {
    let message = format!(
        "the request's body did not arrive within {} s of its head",
        limit.as_secs_f64()
    );
    closing_refusal(StatusCode::REQUEST_TIMEOUT, "request_timeout", message)
}

/// A refusal in the JSON error shape that closes the connection: what is
/// left of the request's body is still on the wire, so the connection
/// cannot carry another request.
fn closing_refusal(status: StatusCode, code: &str, message: String) -> Response {
    let body = serde_json::to_vec(&ErrorBody::new(code, message)).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A connection that fails a pending read or write once nothing has moved
/// on it, in either direction, for `limit`. Reads and writes that move
/// bytes restart the clock; the timer is looked at only while a read or a
/// write waits, so a handler that takes its time (the server neither reads
/// nor writes) is never cut, and a client that stops reading an answer is.
/// Its write side is [`on_write::OnWrite`]'s; the clock is its [`Idle`]
/// state.
type IdleTimeout<T> = on_write::OnWrite<T, Idle>;

/// An [`IdleTimeout`]'s clock.
struct Idle {
    limit: Duration,
    last_activity: Instant,
    timer: Pin<Box<Sleep>>,
}

impl on_write::Wrote for Idle {
    fn wrote(&mut self) {
        self.last_activity = Instant::now();
    }

    /// An answer held up by a client that reads nothing is cut once
    /// nothing has moved for the limit: hyper does not read a connection
    /// while it answers (see `half_close` in [`serve_wrapped`]), so the
    /// read side alone would never see it.
    fn blocked(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        self.expired(cx)
            .then(|| io::Error::new(io::ErrorKind::TimedOut, "connection idle for too long"))
    }
}

impl Idle {
    /// Whether nothing has moved for the limit; if not, `cx` is woken when
    /// it may have.
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        loop {
            // The timer is moved only once it has fired: activity only
            // ever pushes the deadline later, and re-arming tokio's timer
            // on every request of a kept-alive connection (a lock on the
            // timer wheel each time) cost the platform and the receiver
            // measurably against a bare server. A timer that fires early
            // is checked below and set again.
            let deadline = self.last_activity + self.limit;
            if self.timer.is_elapsed() {
                self.timer.as_mut().reset(deadline);
            }
            match self.timer.as_mut().poll(cx) {
                // Activity may have moved the deadline since the timer was
                // set; only a deadline that holds cuts.
                Poll::Ready(()) if self.last_activity + self.limit <= Instant::now() => {
                    return true;
                }
                Poll::Ready(()) => {}
                Poll::Pending => return false,
            }
        }
    }
}

fn idle_timeout<T>(inner: T, limit: Duration) -> IdleTimeout<T> {
    let now = Instant::now();
    on_write::OnWrite {
        inner,
        state: Idle {
            limit,
            last_activity: now,
            timer: Box::pin(tokio::time::sleep_until(now + limit)),
        },
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleTimeout<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let idle = &mut this.state;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    idle.last_activity = Instant::now();
                }
                Poll::Ready(result)
            }
            Poll::Pending => match idle.expired(cx) {
                true => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connection idle for too long",
                ))),
                false => Poll::Pending,
            },
        }
    }
}

/// axum's default body limit, which a router without its own keeps.
pub const DEFAULT_BODY_BYTES: usize = 2 * 1024 * 1024;

/// `router` with request bodies capped at `max_bytes`: axum's
/// [`DefaultBodyLimit`](axum::extract::DefaultBodyLimit) for the bytes that
/// arrive, and a `Content-Length` over the cap refused before any byte of
/// the body is read, with 413 `body_too_large` in the JSON error shape (hyper
/// then closes the connection rather than read the body it was never asked
/// for). Put it where `DefaultBodyLimit` would go, before `with_state`.
///
/// One layer ([`BodyLimit`]) does both: each `Router::layer` wraps every
/// route in one more boxed service, which a request clones, boxes a future
/// for and calls through, so the two layers this was (axum's limit and a
/// `from_fn` middleware, which boxed a future of its own) were two such
/// levels on every request.
pub fn body_limit<S>(router: Router<S>, max_bytes: usize) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.layer(BodyLimit { max_bytes })
}

/// [`body_limit`]'s layer: the early 413, then axum's own limit.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit {
    max_bytes: usize,
}

impl BodyLimit {
    /// The layer of [`body_limit`]`(router, max_bytes)`, to compose with a
    /// router's other layers into one `Router::layer` (each `Router::layer`
    /// is one more boxed level that every request clones and calls
    /// through; a `tower::ServiceBuilder` of several layers is one).
    pub fn new(max_bytes: usize) -> Self {
        BodyLimit { max_bytes }
    }
}

impl<S> tower::Layer<S> for BodyLimit {
    type Service = Limited<<axum::extract::DefaultBodyLimit as tower::Layer<S>>::Service>;

    fn layer(&self, inner: S) -> Self::Service {
        let limit = axum::extract::DefaultBodyLimit::max(self.max_bytes);
        Limited {
            inner: tower::Layer::layer(&limit, inner),
            max_bytes: self.max_bytes,
        }
    }
}

/// A service behind [`BodyLimit`]: `inner` is the route with axum's limit.
#[derive(Clone, Debug)]
pub struct Limited<S> {
    inner: S,
    max_bytes: usize,
}

impl<S> tower::Service<axum::extract::Request> for Limited<S>
where
    S: tower::Service<axum::extract::Request, Response = Response>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = S::Error;
    type Future = LimitFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: axum::extract::Request) -> Self::Future {
        match declared_length(&request) {
            Some(declared) if declared > self.max_bytes as u64 => {
                LimitFuture::Now(Some(too_large(declared, self.max_bytes)))
            }
            _ => LimitFuture::Later(self.inner.call(request)),
        }
    }
}

/// [`Limited`]'s future: the early refusal at once, or the route's answer
/// (a concrete type, where the middleware this replaces boxed one).
pub enum LimitFuture<F> {
    /// Answered without the route (taken on the first poll).
    Now(Option<Response>),
    /// The route's answer.
    Later(F),
}

impl<F, E> Future for LimitFuture<F>
where
    F: Future<Output = Result<Response, E>> + Unpin,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            LimitFuture::Now(response) => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                // Polled again after it answered: the caller's bug; a
                // refusal is a safe thing to hand it.
                None => Poll::Ready(Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response())),
            },
            LimitFuture::Later(future) => Pin::new(future).poll(cx),
        }
    }
}

/// The request's `Content-Length`, when it has one hyper accepted (hyper
/// refuses two different ones, or one that is not a number, itself).
fn declared_length(request: &axum::extract::Request) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn too_large(declared: u64, max_bytes: usize) -> Response {
    let message = format!(
        "the body declares {declared} bytes (Content-Length), over this server's limit of {max_bytes} bytes"
    );
    closing_refusal(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", message)
}

/// How much of a refusal's plain-text body is kept as the message.
const MAX_MESSAGE_BYTES: usize = 512;

/// `router` with every refusal in the JSON error shape: a 4xx or 5xx whose
/// body is not already JSON (axum's own rejections, its empty 404 and 405)
/// is answered again as `{"error": {"code", "message"}}`, with the same
/// status and headers (a 405 keeps its `Allow`). Put it outermost, after the
/// routes, fallbacks and body limit.
///
/// Its layer ([`ErrorShape`]) looks at each answer's status and passes the
/// ones that need nothing (every 2xx, 3xx, JSON refusal) on as they are,
/// with no future boxed; only a refusal to rewrite is read and answered
/// again.
pub fn error_shape(router: Router) -> Router {
    router.layer(ErrorShape)
}

/// [`error_shape`]'s layer.
#[derive(Clone, Copy, Debug)]
pub struct ErrorShape;

impl<S> tower::Layer<S> for ErrorShape {
    type Service = ShapedRoute<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ShapedRoute { inner }
    }
}

/// A route behind [`ErrorShape`].
#[derive(Clone, Debug)]
pub struct ShapedRoute<S> {
    inner: S,
}

impl<S> tower::Service<axum::extract::Request> for ShapedRoute<S>
where
    S: tower::Service<axum::extract::Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Shaping<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: axum::extract::Request) -> Self::Future {
        Shaping::new(self.inner.call(request), Where::InRoute)
    }
}

/// Where a refusal is shaped, which decides who writes its
/// `Content-Length` and where its `Allow` goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Where {
    /// Inside a route ([`ErrorShape`]): the method router, around it, adds
    /// a 405's `Allow` and the `Content-Length` afterwards.
    InRoute,
    /// Around the whole router ([`Edge`]): the method router has added
    /// them already, so they are put where it would have put them.
    AtEdge,
    /// Not at all (the router shapes its own: see [`Edge`]).
    Off,
}

/// The answer of a route or router, its refusal shaped if it needs it.
pub struct Shaping<F> {
    state: ShapingState<F>,
    place: Where,
}

enum ShapingState<F> {
    Answering(F),
    Rewriting(Pin<Box<dyn Future<Output = Response> + Send>>),
}

impl<F> Shaping<F> {
    fn new(answer: F, place: Where) -> Self {
        Shaping {
            state: ShapingState::Answering(answer),
            place,
        }
    }
}

impl<F> Future for Shaping<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                ShapingState::Answering(answer) => {
                    let response = match std::task::ready!(Pin::new(answer).poll(cx)) {
                        Ok(response) => response,
                        Err(never) => match never {},
                    };
                    if this.place == Where::Off || !needs_shape(&response) {
                        return Poll::Ready(Ok(response));
                    }
                    this.state =
                        ShapingState::Rewriting(Box::pin(shape_refusal(response, this.place)));
                }
                ShapingState::Rewriting(rewrite) => return rewrite.as_mut().poll(cx).map(Ok),
            }
        }
    }
}

/// Whether `response` is a refusal not yet in the JSON shape.
fn needs_shape(response: &Response) -> bool {
    let status = response.status();
    (status.is_client_error() || status.is_server_error()) && !is_json(response)
}

async fn shape_refusal(response: Response, place: Where) -> Response {
    let status = response.status();
    let (mut parts, body) = response.into_parts();
    // The framework's refusals are short texts; read at most a little.
    let text = match axum::body::to_bytes(body, MAX_MESSAGE_BYTES * 4).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_owned(),
        Err(_) => String::new(),
    };
    let message = match text.is_empty() {
        true => status
            .canonical_reason()
            .unwrap_or("refused")
            .to_lowercase(),
        false => excerpt(&text),
    };
    let had_length = parts.headers.remove(header::CONTENT_LENGTH).is_some();
    // `Allow` after `Content-Type`, where the method router puts a 405's
    // (it adds it after the route's layers): the same bytes whether the
    // refusal is shaped in the route or at the edge.
    let allow: Vec<HeaderValue> = match parts.headers.entry(header::ALLOW) {
        header::Entry::Occupied(entry) => entry.remove_entry_mult().1.collect(),
        header::Entry::Vacant(_) => Vec::new(),
    };
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for value in allow {
        parts.headers.append(header::ALLOW, value);
    }
    let body = serde_json::to_vec(&ErrorBody::new(code_of(status), message)).unwrap_or_default();
    if place == Where::AtEdge && had_length {
        // What the method router writes after the route's layers, which a
        // refusal shaped in the route gets from it. (A refusal that came
        // without one came from no method router, the router's own 404:
        // hyper writes its length, as it does for the one shaped inside.)
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    let mut shaped = Response::from_parts(parts, Body::from(body));
    *shaped.status_mut() = status;
    shaped.into_response()
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// At most [`MAX_MESSAGE_BYTES`] of `text`, cut on a character boundary.
fn excerpt(text: &str) -> String {
    if text.len() <= MAX_MESSAGE_BYTES {
        return text.to_owned();
    }
    let mut end = MAX_MESSAGE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The error code of a refusal the framework made, by its status.
fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "no_route",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        s if s.is_server_error() => "internal",
        _ => "refused",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use axum::routing::post;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tower::ServiceExt;

    fn app() -> Router {
        error_shape(
            Router::new()
                .route("/echo", post(|body: bytes::Bytes| async move { body }))
                // Answers after `ms` milliseconds: a handler that takes
                // longer than the head deadline.
                .route(
                    "/slow/{ms}",
                    axum::routing::get(
                        |axum::extract::Path(ms): axum::extract::Path<u64>| async move {
                            tokio::time::sleep(Duration::from_millis(ms)).await;
                            "done"
                        },
                    ),
                )
                // Five chunks, `ms` milliseconds apart: a streamed answer.
                .route(
                    "/stream/{ms}",
                    axum::routing::get(
                        |axum::extract::Path(ms): axum::extract::Path<u64>| async move {
                            Body::new(Chunks {
                                left: 5,
                                every: Duration::from_millis(ms),
                                sleep: None,
                            })
                        },
                    ),
                ),
        )
    }

    /// A streamed body: `left` one-byte chunks, `every` apart.
    struct Chunks {
        left: u8,
        every: Duration,
        sleep: Option<Pin<Box<Sleep>>>,
    }

    impl HttpBody for Chunks {
        type Data = bytes::Bytes;
        type Error = Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
            let this = self.get_mut();
            if this.left == 0 {
                return Poll::Ready(None);
            }
            let every = this.every;
            let sleep = this
                .sleep
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(every)));
            std::task::ready!(sleep.as_mut().poll(cx));
            this.sleep = None;
            this.left -= 1;
            Poll::Ready(Some(Ok(Frame::data(bytes::Bytes::from_static(b"x")))))
        }
    }

    async fn shaped(method: &str, uri: &str, body: Body) -> (StatusCode, serde_json::Value) {
        let request = http::Request::builder()
            .method(method)
            .uri(uri)
            .body(body)
            .unwrap();
        let response = app().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn the_frameworks_refusals_get_the_error_shape() {
        let (status, body) = shaped("GET", "/nowhere", Body::empty()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"]["code"], "no_route");
        let (status, body) = shaped("GET", "/echo", Body::empty()).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body["error"]["code"], "method_not_allowed");
        let big = vec![b'x'; 2 * 1024 * 1024 + 1];
        let (status, body) = shaped("POST", "/echo", Body::from(big)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["error"]["code"], "body_too_large");
        assert!(body["error"]["message"].as_str().unwrap().len() <= MAX_MESSAGE_BYTES + 3);
    }

    #[tokio::test]
    async fn a_declared_body_over_the_limit_is_refused_at_once_with_413() {
        let app = body_limit(
            Router::new().route("/echo", post(|body: bytes::Bytes| async move { body })),
            1000,
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (_trigger, mut shutdown) = crate::shutdown::channel();
        // Long timeouts: an answer that came from one of them would be a 400
        // after a minute, and the test's own guard would fail first.
        tokio::spawn(serve(
            listener,
            app,
            async move { shutdown.wait().await },
            ServerLimits::default(),
        ));
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n")
            .await
            .unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(20), closed_by_server(stream))
            .await
            .expect("no answer before the body was sent");
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 413"), "{text}");
        let body: serde_json::Value =
            serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["error"]["code"], "body_too_large");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("limit of 1000 bytes"),
            "{body}"
        );
        // Under the limit, the body is read as before.
        let request = http::Request::post("/echo")
            .header(header::CONTENT_LENGTH, "3")
            .body(Body::from("abc"))
            .unwrap();
        let app = body_limit(
            Router::new().route("/echo", post(|body: bytes::Bytes| async move { body })),
            1000,
        );
        assert_eq!(app.oneshot(request).await.unwrap().status(), StatusCode::OK);
    }

    /// What a server answers to `request` on a connection of its own,
    /// without the `date` line (the two servers compared below answer in
    /// different seconds now and then).
    async fn raw_answer(addr: std::net::SocketAddr, request: &[u8]) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let answer = closed_by_server(stream).await;
        String::from_utf8_lossy(&answer)
            .split("\r\n")
            .filter(|line| !line.starts_with("date:"))
            .collect::<Vec<_>>()
            .join("\r\n")
    }

    /// A refusal shaped at the edge (`Edge`, what `serve` does for a router
    /// without the layer) is byte for byte what `error_shape` on the router
    /// answers: status line, headers in their order, body.
    #[tokio::test]
    async fn the_edge_shapes_refusals_as_the_layer_does() {
        fn routes() -> Router {
            let routes = Router::new()
                .route("/echo", post(|body: bytes::Bytes| async move { body }))
                .route(
                    "/text",
                    axum::routing::get(|| async { (StatusCode::BAD_REQUEST, "plain words") }),
                )
                .route(
                    "/allow",
                    axum::routing::get(|| async {
                        (
                            StatusCode::METHOD_NOT_ALLOWED,
                            [(header::ALLOW, "PUT"), (header::ALLOW, "PATCH")],
                            "use another",
                        )
                    }),
                );
            body_limit(routes, 10)
        }
        let mut addrs = Vec::new();
        let mut triggers = Vec::new();
        for router in [routes(), error_shape(routes())] {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            addrs.push(listener.local_addr().unwrap());
            let (trigger, mut shutdown) = crate::shutdown::channel();
            triggers.push(trigger);
            tokio::spawn(serve(
                listener,
                router,
                async move { shutdown.wait().await },
                ServerLimits::default(),
            ));
        }
        let requests: [&[u8]; 10] = [
            b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"HEAD /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"HEAD /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"GET /text HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"HEAD /text HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"GET /allow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nConnection: close\r\n\r\n",
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n14\r\n01234567890123456789\r\n0\r\n\r\n",
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
        ];
        for request in requests {
            let at_edge = raw_answer(addrs[0], request).await;
            let in_route = raw_answer(addrs[1], request).await;
            assert_eq!(at_edge, in_route, "{}", String::from_utf8_lossy(request));
            let status = at_edge.split(' ').nth(1).unwrap_or_default();
            assert!(status.starts_with('4'), "{at_edge}");
            if !request.starts_with(b"HEAD") {
                assert!(at_edge.contains("application/json"), "{at_edge}");
            }
        }
        // An answer the shape passes on is the same too.
        let ok =
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
        assert_eq!(
            raw_answer(addrs[0], ok).await,
            raw_answer(addrs[1], ok).await
        );
        drop(triggers);
    }

    /// A server on port 0 with short timeouts, for the tests below.
    async fn start(
        limits: ServerLimits,
    ) -> (
        std::net::SocketAddr,
        crate::shutdown::ShutdownTrigger,
        tokio::task::JoinHandle<io::Result<Served>>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (trigger, mut shutdown) = crate::shutdown::channel();
        let task = tokio::spawn(serve(
            listener,
            app(),
            async move { shutdown.wait().await },
            limits,
        ));
        (addr, trigger, task)
    }

    fn short() -> ServerLimits {
        ServerLimits {
            header_read_timeout: Duration::from_millis(300),
            idle_timeout: Duration::from_millis(300),
            request_timeout: Duration::from_millis(600),
            max_connections: 4,
            shutdown_deadline: Duration::from_millis(300),
            ..ServerLimits::default()
        }
    }

    async fn echo(addr: std::net::SocketAddr) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }

    /// Reads until the server closes; the stream's end is what the test
    /// waits for (bounded by the test's own generous timeout).
    async fn closed_by_server(mut stream: tokio::net::TcpStream) -> Vec<u8> {
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut rest))
            .await
            .expect("the server never closed the connection");
        rest
    }

    /// [`short`] with the idle timeout out of the way: only the head
    /// deadline can close a quiet connection.
    fn head_only() -> ServerLimits {
        ServerLimits {
            idle_timeout: Duration::from_secs(3_600),
            request_timeout: Duration::from_secs(3_600),
            ..short()
        }
    }

    #[tokio::test]
    async fn a_client_that_sends_half_a_head_is_answered_408_and_cut_off() {
        let (addr, _trigger, _task) = start(head_only()).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let text = String::from_utf8(closed_by_server(stream).await).unwrap();
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("\"request_timeout\""), "{text}");
    }

    #[tokio::test]
    async fn a_client_that_sends_nothing_is_closed_without_an_answer() {
        let (addr, _trigger, _task) = start(head_only()).await;
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        assert_eq!(closed_by_server(stream).await, b"");
    }

    #[tokio::test]
    async fn a_kept_alive_connection_idle_after_its_answer_is_closed_without_another() {
        let (addr, _trigger, _task) = start(head_only()).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
            .await
            .unwrap();
        let text = String::from_utf8(closed_by_server(stream).await).unwrap();
        // The one answer, and then the close: no 408 after it.
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        assert!(text.ends_with("\r\n\r\nhi"), "{text}");
        assert_eq!(text.matches("HTTP/1.1").count(), 1, "{text}");
    }

    /// Three times the head deadline in the handler, or between a streamed
    /// answer's chunks, is the server answering, not a slow head; the
    /// connection then serves a second request.
    #[tokio::test]
    async fn no_head_is_due_while_the_server_answers() {
        let limits = head_only();
        let (addr, _trigger, _task) = start(limits).await;
        let ms = limits.header_read_timeout.as_millis() * 3;
        for path in [format!("/slow/{ms}"), format!("/stream/{ms}")] {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
            stream.write_all(request.as_bytes()).await.unwrap();
            stream
                .write_all(b"GET /slow/0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            let text = String::from_utf8(closed_by_server(stream).await).unwrap();
            assert_eq!(text.matches("HTTP/1.1 200").count(), 2, "{path}: {text}");
            assert!(!text.contains("408"), "{path}: {text}");
        }
    }

    #[tokio::test]
    async fn an_over_long_target_is_answered_414_in_json() {
        let (addr, _trigger, _task) = start(head_only()).await;
        let long = format!(
            "GET /echo?{} HTTP/1.1\r\nHost: x\r\n\r\n",
            "q".repeat(ServerLimits::default().max_target_bytes)
        );
        let answer = raw_answer(addr, long.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 414"), "{answer}");
        let body: serde_json::Value =
            serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["error"]["code"], "uri_too_long");
        // At the limit, the route answers (405: the echo takes a POST).
        let fits = format!(
            "GET /echo?{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "q".repeat(ServerLimits::default().max_target_bytes - "/echo?".len())
        );
        let answer = raw_answer(addr, fits.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    }

    /// A target whose bytes are not UTF-8 (`é` sent as Latin-1), even in
    /// its fragment, is one hyper refused with an empty 400: here it is 400
    /// `malformed_request` in the JSON shape. UTF-8 in the target reaches
    /// the route as before.
    #[tokio::test]
    async fn a_target_that_is_not_utf8_is_answered_400_in_json() {
        let (addr, _trigger, _task) = start(head_only()).await;
        for target in [
            &b"/caf\xe9"[..],
            b"/echo?q=\xff",
            b"/\xc3(",
            b"/echo\xe2\x82",
            b"/echo#\xe9",
        ] {
            let mut request = b"POST ".to_vec();
            request.extend_from_slice(target);
            request.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            let answer = raw_answer(addr, &request).await;
            let shown = String::from_utf8_lossy(target);
            assert!(answer.starts_with("HTTP/1.1 400"), "{shown}: {answer}");
            let body: serde_json::Value =
                serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
            assert_eq!(body["error"]["code"], "malformed_request", "{shown}");
            assert!(
                body["error"]["message"].as_str().unwrap().contains("UTF-8"),
                "{body}"
            );
        }
        for target in ["/echo?q=caf\u{e9}", "/echo#\u{e9}"] {
            let request = format!(
                "POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
            );
            let answer = raw_answer(addr, request.as_bytes()).await;
            assert!(answer.starts_with("HTTP/1.1 200"), "{target}: {answer}");
            assert!(answer.ends_with("\r\n\r\nhi"), "{target}: {answer}");
        }
    }

    /// The limit is the server's to set: a lower one refuses what the
    /// default takes, and says its own number.
    #[tokio::test]
    async fn a_server_with_a_lower_target_limit_refuses_beyond_it() {
        let limits = ServerLimits {
            max_target_bytes: 64,
            ..head_only()
        };
        let (addr, _trigger, _task) = start(limits).await;
        let long = format!("GET /echo?{} HTTP/1.1\r\nHost: x\r\n\r\n", "q".repeat(59));
        let answer = raw_answer(addr, long.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 414"), "{answer}");
        assert!(answer.contains("limit of 64 bytes"), "{answer}");
        let fits = format!(
            "GET /echo?{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "q".repeat(58)
        );
        let answer = raw_answer(addr, fits.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    }

    #[tokio::test]
    async fn content_length_with_transfer_encoding_is_answered_400_in_json() {
        let (addr, _trigger, _task) = start(head_only()).await;
        let both = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\
                     Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        let answer = raw_answer(addr, both).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        let body: serde_json::Value =
            serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["error"]["code"], "bad_request");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Transfer-Encoding"),
            "{body}"
        );
        // Chunked alone is read by hyper as before.
        let chunked = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\
                        Connection: close\r\n\r\n2\r\nhi\r\n0\r\n\r\n";
        let answer = raw_answer(addr, chunked).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("hi"), "{answer}");
    }

    #[tokio::test]
    async fn a_client_that_sends_half_a_body_is_cut_off() {
        let (addr, _trigger, _task) = start(short()).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf")
            .await
            .unwrap();
        closed_by_server(stream).await;
    }

    #[tokio::test]
    async fn a_body_trickled_under_the_idle_timeout_is_cut_at_the_request_deadline() {
        let limits = ServerLimits {
            // Only the request deadline can end it: each byte comes well
            // within the idle timeout, and the head is sent at once.
            idle_timeout: Duration::from_secs(3_600),
            request_timeout: Duration::from_millis(500),
            ..short()
        };
        let (addr, _trigger, _task) = start(limits).await;
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (read, mut write) = stream.into_split();
        write
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
            .await
            .unwrap();
        // A byte every 50 ms for 50 s, far past the deadline; it stops
        // early once the server has closed (a write fails).
        let trickle = tokio::spawn(async move {
            for _ in 0..1000 {
                if write.write_all(b"x").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        answered_408_in_json(read, trickle).await;
        // A body sent at once is still answered.
        assert!(echo(addr).await.starts_with("HTTP/1.1 200"));
    }

    /// Reads what the server sends on a connection a `trickle` task feeds
    /// slowly until it closes (30 s at most), stops the trickle, and requires
    /// a 408 with the JSON error shape's `request_timeout`.
    async fn answered_408_in_json(
        mut read: tokio::net::tcp::OwnedReadHalf,
        trickle: tokio::task::JoinHandle<()>,
    ) {
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), read.read_to_end(&mut answer))
            .await
            .expect("the server never closed the trickling connection")
            .ok();
        trickle.abort();
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        let body: serde_json::Value =
            serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["error"]["code"], "request_timeout");
    }

    #[tokio::test]
    async fn a_head_trickled_past_the_header_timeout_is_answered_408_in_json() {
        // A tester's finding: a GET sent one byte every 100 ms was closed at
        // 10 s with no byte sent, where a slow body got a 408. Here the
        // header timeout is 300 ms and the head, a byte every 20 ms, would
        // take 40 s: only the header timeout can end it.
        let (addr, _trigger, _task) = start(short()).await;
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (read, mut write) = stream.into_split();
        let trickle = tokio::spawn(async move {
            let head = format!(
                "GET /echo HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n",
                "p".repeat(2_000)
            );
            for byte in head.bytes() {
                if write.write_all(&[byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        answered_408_in_json(read, trickle).await;
        // A head sent at once is still answered.
        assert!(echo(addr).await.starts_with("HTTP/1.1 200"));
    }

    #[tokio::test]
    async fn with_every_connection_held_idle_a_normal_request_is_still_answered() {
        let limits = short();
        let (addr, _trigger, _task) = start(limits).await;
        let mut idle = Vec::new();
        for _ in 0..limits.max_connections * 3 {
            idle.push(tokio::net::TcpStream::connect(addr).await.unwrap());
        }
        let answer = tokio::time::timeout(Duration::from_secs(30), echo(addr))
            .await
            .expect("a normal request was never answered");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("hi"), "{answer}");
        drop(idle);
    }

    /// The shutdown's warning is said in the server's language, with the
    /// count and the deadline in each.
    #[test]
    fn the_shutdown_warning_is_said_in_either_language() {
        let line = cut_at_deadline(3, Duration::from_millis(2_500));
        assert_eq!(
            line.get(Lang::En),
            "shutdown deadline (2.5 s) reached: 3 connection(s) still open, cut"
        );
        assert_eq!(
            line.get(Lang::PtBr),
            "prazo de desligamento (2,5 s) esgotado: 3 conexão(ões) ainda aberta(s), \
             encerrada(s) à força"
        );
        assert_eq!(ServerLimits::default().lang, Lang::En);
    }

    #[tokio::test]
    async fn shutdown_returns_by_its_deadline_while_a_client_holds_half_a_request() {
        let limits = ServerLimits {
            // Long enough that only the shutdown deadline can end it.
            header_read_timeout: Duration::from_secs(3_600),
            idle_timeout: Duration::from_secs(3_600),
            request_timeout: Duration::from_secs(3_600),
            ..short()
        };
        let (addr, trigger, task) = start(limits).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf")
            .await
            .unwrap();
        // The server has the connection once it has read what was sent;
        // a request answered on another connection shows the loop is past
        // the first accept.
        assert!(echo(addr).await.starts_with("HTTP/1.1 200"));
        trigger.trigger();
        let served = tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .expect("serve did not return after its shutdown deadline")
            .unwrap()
            .unwrap();
        assert_eq!(served.cut_at_deadline, 1, "{served:?}");
        drop(stream);
    }
}
