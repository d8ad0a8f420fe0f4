//! The HTTP side: the page, its event stream, the summary and the controls.
//!
//! | route            | what                                                   |
//! |------------------|--------------------------------------------------------|
//! | `GET /`          | the page (HTML; labels in the run's language)          |
//! | `GET /live.css`, `GET /live.js` | its style and script, compiled in       |
//! | `GET /events`    | Server-Sent Events: a snapshot, then a frame per tick  |
//! |                  | (a page behind: the newest board, [`QUEUED_PER_PAGE`]) |
//! |                  | (429 `too_many_viewers` while [`MAX_VIEWERS`](crate::state::MAX_VIEWERS) watch) |
//! | `GET /board.json`| the board now (what a new page starts from)            |
//! | `GET /summary.json` | the run's summary, once there is one               |
//! | `POST /control`  | `{"paused": bool, "speed": number, "at_ms": number}`,  |
//! |                  | each optional, for a replay (`at_ms` seeks)            |
//!
//! Everything the page needs is in the binary (`include_str!`): no CDN, no
//! web font, no build step, so it works in a classroom with no network.
//!
//! Every refusal (`server/refusal.rs`, [`ApiError`]) is in the JSON error
//! shape with its message in the run's language, an unknown path or a wrong
//! method included; the body of `POST /control` is read in
//! `server/control.rs`.

mod control;
mod refusal;

pub use refusal::{ApiError, BodyError};

use crate::labels;
use crate::state::{Controls, LiveState, TICK, Watch};
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream;
use hooklab_core::lang::Lang;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;

const PAGE: &str = include_str!("../assets/index.html");
const STYLE: &str = include_str!("../assets/live.css");
const SCRIPT: &str = include_str!("../assets/live.js");

/// How long connections get to finish once shutdown is asked for.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// The slowest and fastest a replay may go (the page's controls and
/// `hooklab live --speed` take the same range).
pub use crate::replay::{MAX_SPEED, MIN_SPEED};

/// The live view's routes over `state`.
pub fn router(state: LiveState) -> Router {
    let routes = Router::new()
        .route("/", get(page))
        .route("/live.css", get(style))
        .route("/live.js", get(script))
        .route("/events", get(events))
        .route("/board.json", get(board))
        .route("/summary.json", get(summary))
        .route("/control", post(control))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method);
    // axum's 2 MB (a control is a few bytes), a declared Content-Length over
    // it refused at once with 413.
    let limited = hooklab_core::http::server::body_limit(
        routes,
        hooklab_core::http::server::DEFAULT_BODY_BYTES,
    );
    limited
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            early_refusal_in_language,
        ))
        .with_state(state)
        .layer(hooklab_core::http::trace::layer("live"))
}

/// Any path no route has: 404 `no_route`, in the run's language.
async fn no_route(State(state): State<LiveState>, uri: Uri) -> Response {
    ApiError::NoRoute(refusal::shortened(uri.path())).response_in(state.lang())
}

/// A route's path with a method it does not take: 405
/// `method_not_allowed` (the method router adds `Allow`).
async fn wrong_method(State(state): State<LiveState>, method: Method, uri: Uri) -> Response {
    ApiError::MethodNotAllowed {
        method: refusal::shortened(method.as_str()),
        path: refusal::shortened(uri.path()),
    }
    .response_in(state.lang())
}

/// The 413 that `body_limit` answers before any route (a declared
/// `Content-Length` over the limit), its message in Portuguese when the run
/// is: it is the one refusal here not made by this crate. Only refusals
/// with that status and code are read again; everything else passes as it
/// is.
async fn early_refusal_in_language(
    State(state): State<LiveState>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let response = next.run(request).await;
    let (Lang::PtBr, Some(declared)) = (state.lang(), declared) else {
        return response;
    };
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // The refusal is a short JSON body; more is not one.
    let bytes = axum::body::to_bytes(body, 4_096).await.unwrap_or_default();
    let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if json["error"]["code"] != "body_too_large" {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    }
    json["error"]["message"] = refusal::declared_too_large_pt(declared).into();
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&json).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

async fn page(State(state): State<LiveState>) -> Html<String> {
    // `<` escaped so no label can close the script element it sits in.
    let labels = labels::json(state.lang()).replace('<', "\\u003c");
    Html(
        PAGE.replace("{{LANG}}", labels::html_lang(state.lang()))
            .replace("{{TITLE}}", labels::title(state.lang()))
            .replace("{{LABELS}}", &labels),
    )
}

async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE)
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
}

async fn board(State(state): State<LiveState>) -> Response {
    match state.snapshot() {
        Some(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn summary(State(state): State<LiveState>) -> Response {
    let Some(json) = state.summary_json() else {
        return ApiError::NotFinished.response_in(state.lang());
    };
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"summary.json\"",
            ),
        ],
        json.to_string(),
    )
        .into_response()
}

async fn control(
    State(state): State<LiveState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match controlled(&state, &headers, body) {
        Ok(controls) => Json(controls).into_response(),
        Err(error) => error.response_in(state.lang()),
    }
}

fn controlled(
    state: &LiveState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Controls, ApiError> {
    let req = control::parse(headers, body)?;
    if let Some(speed) = req.speed
        && !crate::replay::speed_in_range(speed)
    {
        return Err(ApiError::BadSpeed);
    }
    let at_ms = req
        .at_ms
        .map(|v| {
            v.as_f64()
                .filter(|t| t.is_finite() && *t >= 0.0)
                .ok_or(ApiError::BadAtMs)
        })
        .transpose()?;
    state
        .control(req.paused, req.speed, at_ms)
        .ok_or(ApiError::NotAReplay)
}

/// How long an event stream may stay silent before it is sent a comment
/// (`:`), so that proxies and the server's idle timeout see it alive (as
/// axum's `KeepAlive` default).
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(15);

/// How many of a page's messages may wait in its connection, not yet
/// taken by the socket: one being written and one behind it. hyper's own
/// bound is 16 writes or about 400 KB a connection, a dozen whole boards
/// for each page that stopped reading; past this one, the page's frames
/// wait in the shared channel, and a page that fell behind is sent the
/// newest board instead.
pub const QUEUED_PER_PAGE: usize = 2;

/// Where an event stream is: the snapshot still to send, then frames (and
/// the page's slot among the [`MAX_VIEWERS`], given back when it closes).
struct Viewer {
    state: LiveState,
    watch: Watch,
    /// The number of the last frame this page's board includes: frames up
    /// to it are dropped rather than sent.
    shown: u64,
    /// This page's messages its connection holds.
    queued: Arc<Queued>,
}

/// A page's messages handed to its connection and not yet written out:
/// hyper drops a message's bytes once the socket has taken them all (the
/// kernel's buffer, not the process's memory).
#[derive(Debug, Default)]
struct Queued {
    /// Messages handed over and not dropped yet (at most
    /// [`QUEUED_PER_PAGE`]).
    count: AtomicUsize,
    /// Woken each time one is dropped.
    written: Notify,
}

/// One message as handed to a connection: the bytes every page shares,
/// and the page's count, given back when the connection drops them.
struct Handed {
    event: Bytes,
    queued: Arc<Queued>,
}

impl AsRef<[u8]> for Handed {
    fn as_ref(&self) -> &[u8] {
        &self.event
    }
}

impl Drop for Handed {
    fn drop(&mut self) {
        self.queued.count.fetch_sub(1, Ordering::AcqRel);
        self.queued.written.notify_one();
    }
}

impl Viewer {
    /// The next bytes for this page, once its connection has room for
    /// them (fewer than [`QUEUED_PER_PAGE`] of its messages waiting);
    /// `None` once the stream ends.
    async fn next(&mut self) -> Option<Bytes> {
        while self.queued.count.load(Ordering::Acquire) >= QUEUED_PER_PAGE {
            // A permit left by a drop since the last wait is taken at once:
            // no wake-up is lost between the check and the wait.
            tokio::select! {
                () = self.queued.written.notified() => {}
                () = self.state.closed() => return None,
            }
        }
        let event = self.next_event().await?;
        self.queued.count.fetch_add(1, Ordering::AcqRel);
        Some(Bytes::from_owner(Handed {
            event,
            queued: self.queued.clone(),
        }))
    }

    /// The message after the last one, as every page shares it.
    ///
    /// Every frame is the one encoding all pages share
    /// ([`Frame`](crate::state::Frame)): the connection's write queue holds
    /// references, not copies. A page that stops reading stops being
    /// asked for bytes; when it reads again it is sent the newest whole
    /// board and no frame older than that, however many it missed.
    async fn next_event(&mut self) -> Option<Bytes> {
        if let Some(snapshot) = self.watch.snapshot.take() {
            self.shown = snapshot.seq();
            return Some(snapshot.event());
        }
        loop {
            let next = tokio::select! {
                frame = self.watch.frames.recv() => frame,
                () = self.state.closed() => return None,
                () = tokio::time::sleep(KEEP_ALIVE) => return Some(Bytes::from_static(b":\n\n")),
            };
            let frame = match next {
                Ok(frame) => frame,
                // This page fell behind: send it the whole board instead of
                // the frames it missed (encoded once for every page behind).
                Err(RecvError::Lagged(_)) => self.state.page_snapshot()?,
                Err(RecvError::Closed) => return None,
            };
            // Kept in the channel from before the board this page has.
            if frame.seq() <= self.shown {
                continue;
            }
            self.shown = frame.seq();
            return Some(frame.event());
        }
    }
}

async fn events(State(state): State<LiveState>) -> Response {
    match stream_for(state.clone()) {
        Some(body) => (
            [
                (header::CONTENT_TYPE, "text/event-stream"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            body,
        )
            .into_response(),
        None => ApiError::TooManyViewers.response_in(state.lang()),
    }
}

/// The event stream of one more page (Server-Sent Events, written here
/// rather than by axum's `Sse`, which copies each event into a buffer of
/// its own for every page), or `None` while
/// [`MAX_VIEWERS`](crate::state::MAX_VIEWERS) pages hold one.
fn stream_for(state: LiveState) -> Option<Body> {
    let watch = state.watch()?;
    let viewer = Viewer {
        state,
        watch,
        shown: 0,
        queued: Arc::default(),
    };
    let stream = stream::unfold(viewer, |mut v| async move {
        let bytes = v.next().await?;
        Some((Ok::<_, Infallible>(bytes), v))
    });
    Some(Body::from_stream(stream))
}

/// Serves the live view on `listener` until `shutdown` resolves, with the
/// ticker that cuts a frame every [`TICK`].
pub async fn serve(
    listener: TcpListener,
    state: LiveState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let ticker = tokio::spawn(tick(state.clone()));
    let closer = state.clone();
    let stop = async move {
        shutdown.await;
        // Event streams never end by themselves: end them, or the
        // graceful shutdown would wait for them until its deadline.
        closer.close();
    };
    // The bounds every hooklab server keeps (see
    // `hooklab_core::http::server`); a connection that will not finish is
    // cut at the grace's end.
    let limits = hooklab_core::http::server::ServerLimits {
        shutdown_deadline: SHUTDOWN_GRACE,
        // The server's own lines (a shutdown that cut connections, a busy
        // answer's message) in the viewer's language, as the page's.
        lang: state.lang(),
        ..Default::default()
    };
    let result = hooklab_core::http::server::serve(listener, router(state), stop, limits).await;
    ticker.abort();
    result.map(drop)
}

/// Cuts a frame every [`TICK`], measuring the real time that passed (a busy
/// machine may tick late; the replay's clock must not fall behind for it).
async fn tick(state: LiveState) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = tokio::time::Instant::now();
    loop {
        interval.tick().await;
        let now = tokio::time::Instant::now();
        state.tick((now - last).as_secs_f64() * 1_000.0);
        last = now;
    }
}
