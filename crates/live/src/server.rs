//! The HTTP side: the page, its event stream, the summary and the controls.
//!
//! | route            | what                                                   |
//! |------------------|--------------------------------------------------------|
//! | `GET /`          | the page (HTML; labels in the run's language)          |
//! | `GET /live.css`, `GET /live.js` | its style and script, compiled in       |
//! | `GET /events`    | Server-Sent Events: a snapshot, then a frame per tick  |
//! |                  | (429 `too_many_viewers` while [`MAX_VIEWERS`] watch)  |
//! | `GET /board.json`| the board now (what a new page starts from)            |
//! | `GET /summary.json` | the run's summary, once there is one               |
//! | `POST /control`  | `{"paused": bool, "speed": number, "at_ms": number}`,  |
//! |                  | each optional, for a replay (`at_ms` seeks)            |
//!
//! Everything the page needs is in the binary (`include_str!`): no CDN, no
//! web font, no build step, so it works in a classroom with no network.

use crate::labels;
use crate::state::{Controls, LiveState, MAX_VIEWERS, TICK, Watch};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use std::convert::Infallible;
use std::future::Future;
use tokio::net::TcpListener;
use tokio::sync::broadcast::error::RecvError;

const PAGE: &str = include_str!("../assets/index.html");
const STYLE: &str = include_str!("../assets/live.css");
const SCRIPT: &str = include_str!("../assets/live.js");

/// How long connections get to finish once shutdown is asked for.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// The slowest and fastest a replay may go (the page's controls and
/// `hooklab live --speed` take the same range).
pub use crate::replay::{MAX_SPEED, MIN_SPEED};

/// Why a request was refused, answered as `{"error": {"code", "message"}}`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Occurs when `/summary.json` is asked for before the run ended.
    #[error("the run has not finished yet")]
    NotFinished,
    /// Occurs when the controls are used on a live run.
    #[error("only a replay can be paused or sped up")]
    NotAReplay,
    /// Occurs when a speed is not a number from the minimum to the maximum.
    #[error("speed must be a number from {MIN_SPEED} to {MAX_SPEED}")]
    BadSpeed,
    /// Occurs when the instant to seek to is not a number of ms from 0.
    #[error(
        "at_ms must be a number of milliseconds from 0 (the start of the run); \
         past the end means the end"
    )]
    BadAtMs,
    /// Occurs when the body of `POST /control` is not the JSON object it
    /// takes.
    #[error("{0}")]
    BadBody(#[from] JsonRejection),
    /// Occurs when a page asks for the event stream while
    /// [`MAX_VIEWERS`] pages hold one.
    #[error(
        "{MAX_VIEWERS} pages are watching already, the most this server feeds: \
         close one and reload"
    )]
    TooManyViewers,
}

impl ApiError {
    fn code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::NotFinished => (StatusCode::NOT_FOUND, "not_finished"),
            ApiError::NotAReplay => (StatusCode::CONFLICT, "not_a_replay"),
            ApiError::BadSpeed => (StatusCode::BAD_REQUEST, "bad_speed"),
            ApiError::BadAtMs => (StatusCode::BAD_REQUEST, "bad_at_ms"),
            // JSON of the wrong shape (an unknown field, a wrong type) is a
            // bad request like the others here, not axum's 422.
            ApiError::BadBody(JsonRejection::JsonDataError(_)) => {
                (StatusCode::BAD_REQUEST, "bad_body")
            }
            ApiError::BadBody(rejection) => (rejection.status(), "bad_body"),
            ApiError::TooManyViewers => (StatusCode::TOO_MANY_REQUESTS, "too_many_viewers"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.code();
        let body = serde_json::json!({"error": {"code": code, "message": self.to_string()}});
        (status, Json(body)).into_response()
    }
}

/// The live view's routes over `state`.
pub fn router(state: LiveState) -> Router {
    let routes = Router::new()
        .route("/", get(page))
        .route("/live.css", get(style))
        .route("/live.js", get(script))
        .route("/events", get(events))
        .route("/board.json", get(board))
        .route("/summary.json", get(summary))
        .route("/control", post(control));
    // axum's 2 MB (a control is a few bytes), a declared Content-Length over
    // it refused at once with 413.
    hooklab_core::http::server::body_limit(routes, hooklab_core::http::server::DEFAULT_BODY_BYTES)
        .with_state(state)
        .layer(hooklab_core::http::trace::layer("live"))
}

async fn page(State(state): State<LiveState>) -> Html<String> {
    // `<` escaped so no label can close the script element it sits in.
    let labels = labels::json(state.lang()).replace('<', "\\u003c");
    Html(
        PAGE.replace("{{LANG}}", labels::html_lang(state.lang()))
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

async fn summary(State(state): State<LiveState>) -> Result<Response, ApiError> {
    let json = state.summary_json().ok_or(ApiError::NotFinished)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"summary.json\"",
            ),
        ],
        json.to_string(),
    )
        .into_response())
}

/// The body of `POST /control`; any field may be left out, and one it
/// does not know (`{"sped": 2}`) is refused, not ignored: a typo would
/// otherwise answer 200 and change nothing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlRequest {
    paused: Option<bool>,
    speed: Option<f64>,
    /// Any JSON value, so that one that is not a number is refused as
    /// [`ApiError::BadAtMs`] like a negative one.
    at_ms: Option<serde_json::Value>,
}

async fn control(
    State(state): State<LiveState>,
    req: Result<Json<ControlRequest>, JsonRejection>,
) -> Result<Json<Controls>, ApiError> {
    let Json(req) = req?;
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
    let controls = state
        .control(req.paused, req.speed, at_ms)
        .ok_or(ApiError::NotAReplay)?;
    Ok(Json(controls))
}

/// Where an event stream is: the snapshot still to send, then frames (and
/// the page's slot among the [`MAX_VIEWERS`], given back when it closes).
struct Viewer {
    state: LiveState,
    watch: Watch,
}

async fn events(
    State(state): State<LiveState>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let watch = state.watch().ok_or(ApiError::TooManyViewers)?;
    let viewer = Viewer { state, watch };
    let stream = stream::unfold(viewer, |mut v| async move {
        if let Some(snapshot) = v.watch.snapshot.take() {
            return Some((Ok(Event::default().data(&*snapshot)), v));
        }
        let next = tokio::select! {
            frame = v.watch.frames.recv() => frame,
            () = v.state.closed() => return None,
        };
        let data = match next {
            Ok(frame) => frame,
            // This page fell behind: send it the whole board instead of the
            // frames it missed (encoded once for every page behind).
            Err(RecvError::Lagged(_)) => v.state.page_snapshot()?,
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(Event::default().data(&*data)), v))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
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
