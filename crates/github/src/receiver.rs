//! The receiver: an axum server that takes GitHub's `POST /webhook`.
//!
//! It is the seed's FastAPI program, with the checks a public endpoint needs,
//! in the order that makes them safe:
//!
//! 1. **Cap the body** at GitHub's 25 MB, so nobody can make it buffer
//!    gigabytes (413).
//! 2. **Verify `X-Hub-Signature-256`** on the raw bytes, *before* parsing:
//!    unauthenticated input never reaches the JSON parser or the delivery
//!    log (401).
//! 3. **Parse** into an [`Event`]; malformed JSON or a missing field is the
//!    sender's mistake, answered 400, never a crash.
//! 4. **Deduplicate** on `X-GitHub-Delivery`: GitHub retries and people press
//!    "Redeliver", so the same delivery can arrive twice. It is acknowledged
//!    again (200) but reported as a redelivery, not printed as new.
//! 5. **Acknowledge first, print after**: the handler hands a [`Notice`] to the
//!    printer's queue and answers at once (see [`crate::printer`]).
//!
//! [`router`] builds the app from a [`ReceiverState`], so tests drive it with
//! `tower::ServiceExt::oneshot` and no socket; [`serve`] runs it on a listener
//! the caller bound, until the caller's shutdown future completes.

mod error;

pub use error::{ReceiveError, ServeError};

use crate::event::Event;
use crate::printer::{self, Notice, OutputFormat, Sink};
use crate::signature::{self, SIGNATURE_HEADER};
use axum::Router;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use hooklab_core::lang::Lang;
use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// GitHub caps webhook payloads at 25 MB; a bigger body is not from GitHub.
pub const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

/// The seed's path.
pub const DEFAULT_PATH: &str = "/webhook";

/// The longest `X-GitHub-Event` taken. GitHub's longest event name is
/// under 40 characters; a longer one is not from GitHub, and the name is
/// echoed in the answer and printed.
pub const MAX_EVENT_NAME_CHARS: usize = 64;

/// How many delivery ids the receiver remembers for deduplication. GitHub
/// lets a delivery be redelivered for days, so this is generous; the oldest
/// ids are forgotten first, which bounds memory.
pub const REMEMBERED_DELIVERIES: usize = 100_000;

/// How many parsed events may wait for the printer. When it is this far
/// behind, the receiver answers 503 instead of growing without bound, and
/// GitHub records a failed delivery that can be redelivered.
pub const PRINT_QUEUE_CAPACITY: usize = 4_096;

/// How long [`serve`] lets open connections finish after shutdown is asked
/// for. GitHub itself gives up on a delivery after 10 seconds.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The webhook's shared secret. Its `Debug` never shows the bytes, so it
/// cannot leak into a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    /// Wraps the secret as typed in GitHub's "Secret" field.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        WebhookSecret(secret.into())
    }

    /// The raw bytes, for HMAC.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// Whether requests must prove they came from GitHub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Require a valid `X-Hub-Signature-256` made with this secret.
    Secret(WebhookSecret),
    /// Accept anything, as the seed's program does. Anyone who finds the URL
    /// can make the receiver print (or, in real code, do) anything.
    Insecure,
}

/// Everything [`serve`] needs besides the listener and the shutdown signal.
pub struct ReceiverConfig {
    /// The path GitHub posts to, e.g. `/webhook`.
    pub path: String,
    /// Signature checking.
    pub verification: Verification,
    /// How events are printed.
    pub format: OutputFormat,
    /// Where printed lines go.
    pub sink: Sink,
}

/// The state every request handler shares.
#[derive(Clone)]
pub struct ReceiverState {
    inner: Arc<Shared>,
}

struct Shared {
    path: String,
    verification: Verification,
    /// Delivery ids seen so far. A `std::sync::Mutex`, not tokio's: it is held
    /// for one hash-set operation and never across an `.await`.
    deliveries: Mutex<DeliveryLog>,
    /// The printer's queue (see [`crate::printer`]).
    notices: mpsc::Sender<Notice>,
    /// The language of refusal messages: the printer's (English for JSON
    /// lines, which have no language).
    lang: Lang,
    /// What the handlers answered, for the summary at the end (see
    /// [`Received`]). Atomics: each handler adds one, nobody reads them
    /// until the server has stopped. Its own `Arc`: [`serve`] keeps it,
    /// and must not keep the rest, whose sender would keep the printer
    /// waiting after the last connection closed.
    tally: Arc<Tally>,
}

/// What a receiver took while it ran, counted by its handlers: what
/// `hooklab github listen` says when it is stopped, as `hooklab shop`
/// says what it placed and learned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Received {
    /// Deliveries seen for the first time and handed to the printer.
    pub events: u64,
    /// Deliveries whose id was already seen: acknowledged, not printed again.
    pub redeliveries: u64,
    /// Deliveries to the webhook's path refused (a 4xx or 5xx answer: a
    /// bad signature, a malformed payload, a busy printer). Requests to
    /// other paths, and bodies over the cap refused before the handler,
    /// are not counted.
    pub refused: u64,
    /// Connections still open [`SHUTDOWN_GRACE`] after shutdown was asked
    /// for (a sender still sending, or still reading), and cut.
    pub cut: u64,
    /// Whether the receiver stopped by itself because its output was
    /// closed: stdout a pipe whose reader left (`hooklab github listen |
    /// head -1`), or a test's line receiver dropped. It stops as `yes |
    /// head` does, rather than answering every later delivery 503.
    pub output_closed: bool,
}

/// [`Received`]'s counters while the server runs.
#[derive(Debug, Default)]
struct Tally {
    events: AtomicU64,
    redeliveries: AtomicU64,
    refused: AtomicU64,
}

impl Tally {
    fn read(&self) -> Received {
        Received {
            events: self.events.load(Ordering::Relaxed),
            redeliveries: self.redeliveries.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            cut: 0,
            output_closed: false,
        }
    }
}

impl ReceiverState {
    /// State for a receiver at `path` that hands its notices to `notices`.
    pub fn new(
        path: impl Into<String>,
        verification: Verification,
        notices: mpsc::Sender<Notice>,
    ) -> Self {
        Self::answering_in(path, verification, notices, Lang::En)
    }

    /// [`ReceiverState::new`], its refusals' messages in `lang` (the
    /// language the receiver prints in; the codes are the same in all).
    pub fn answering_in(
        path: impl Into<String>,
        verification: Verification,
        notices: mpsc::Sender<Notice>,
        lang: Lang,
    ) -> Self {
        ReceiverState {
            inner: Arc::new(Shared {
                path: path.into(),
                verification,
                deliveries: Mutex::new(DeliveryLog::new(REMEMBERED_DELIVERIES)),
                notices,
                lang,
                tally: Arc::default(),
            }),
        }
    }

    /// What the handlers answered so far.
    pub fn received(&self) -> Received {
        self.inner.tally.read()
    }
}

/// The receiver's axum app.
///
/// # Panics
///
/// If the state's path is not a plain path (`{`, `:` or `*` make it a
/// route pattern axum may refuse): `hooklab github listen` checks `--path`
/// first.
pub fn router(state: ReceiverState) -> Router {
    let path = state.inner.path.clone();
    let routes = Router::new()
        .route(&path, post(receive).fallback(wrong_method))
        .fallback(not_found);
    // axum's default limit is 2 MB, too small for GitHub's biggest pushes; a
    // declared Content-Length over this one is refused at once with 413.
    hooklab_core::http::server::body_limit(routes, MAX_BODY_BYTES)
        .with_state(state)
        .layer(hooklab_core::http::trace::layer("github"))
}

/// Runs the receiver on `listener` until `shutdown` completes, or until its
/// printer cannot write any more, printing with `config.format` into
/// `config.sink`.
///
/// The caller binds the listener (so tests bind `127.0.0.1:0` and read the
/// port) and owns the shutdown signal (Ctrl-C in the CLI, a oneshot in tests).
/// It keeps the bounds of every hooklab server (header-read and idle
/// timeouts, a connection limit: see [`hooklab_core::http::server`]). After
/// shutdown it lets open requests finish for up to [`SHUTDOWN_GRACE`], cuts
/// the rest (counted in [`Received::cut`]), then waits for the printer to
/// print what was already acknowledged, and answers what it took.
///
/// A printer that fails stops the server at once, as a Ctrl-C would: a
/// receiver that cannot print would otherwise answer every delivery 503
/// until someone noticed. Its output closed (a broken pipe: `| head -1`)
/// is a way to end well ([`Received::output_closed`]); any other failure
/// (a full disk) is [`ServeError::Printer`].
pub async fn serve(
    listener: TcpListener,
    config: ReceiverConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Received, ServeError> {
    let (notices, queue) = mpsc::channel(PRINT_QUEUE_CAPACITY);
    let format = config.format;
    let sink = config.sink;
    // Told when the printer fails; dropped unsent when it ends well (after
    // the server stopped, so nobody waits on it then).
    let (failed, printer_failed) = tokio::sync::oneshot::channel::<()>();
    let printer = tokio::task::spawn_blocking(move || {
        let printed = printer::run(queue, format, sink);
        if printed.is_err() {
            let _ = failed.send(());
        }
        printed
    });
    let shutdown = async move {
        tokio::select! {
            () = shutdown => {}
            Ok(()) = printer_failed => {}
        }
    };
    let lang = match format {
        OutputFormat::Text(lang) => lang,
        OutputFormat::JsonLines => Lang::En,
    };
    let state = ReceiverState::answering_in(config.path, config.verification, notices, lang);
    let tally = state.inner.tally.clone();
    let app = router(state);

    // The bounds every hooklab server keeps; the shutdown deadline is this
    // receiver's grace.
    let limits = hooklab_core::http::server::ServerLimits {
        shutdown_deadline: SHUTDOWN_GRACE,
        // Its shutdown warning in the language of the lines it prints.
        lang,
        ..Default::default()
    };
    let served = hooklab_core::http::server::serve(listener, app, shutdown, limits)
        .await
        .map_err(ServeError::Io)?;
    // Every connection is closed (or was cut at the deadline), so the last
    // sender is gone: the printer drains the queue and returns.
    let output_closed = match printer.await.map_err(|_| ServeError::PrinterPanicked)? {
        Ok(()) => false,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => true,
        Err(e) => return Err(ServeError::Printer(e)),
    };
    // A sender still sending at the deadline was cut: counted, not an
    // error of the receiver's (GitHub gives up on it after 10 s too).
    Ok(Received {
        cut: served.cut_at_deadline as u64,
        output_closed,
        ..tally.read()
    })
}

/// `POST <path>`: one webhook delivery. A refused one is also printed, as
/// one line, so whoever watches the terminal sees a forgery being refused.
async fn receive(
    State(state): State<ReceiverState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let answer = check_and_queue(&state, &headers, body);
    if let Err(error) = &answer {
        state.inner.tally.refused.fetch_add(1, Ordering::Relaxed);
        let (status, code) = error.status_and_code();
        if status.is_client_error() {
            // Like a redelivery note, a refusal line that cannot be queued is
            // not worth failing for: the answer is what protects.
            let _ = state.inner.notices.try_send(Notice::Refused {
                status: status.as_u16(),
                code,
                delivery: header_str(&headers, "x-github-delivery").map(printer::excerpt),
            });
        }
    }
    answer.unwrap_or_else(|error| error.response_in(state.inner.lang))
}

/// The checks, in order, and the event's hand-off to the printer.
fn check_and_queue(
    state: &ReceiverState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ReceiveError> {
    let body = body.map_err(|rejection| {
        // The server answers a body its budget or its deadline refused
        // itself (429, 408): the refusal printed says so, not "400".
        match hooklab_core::http::server::refused_by_server(&rejection) {
            Some(StatusCode::TOO_MANY_REQUESTS) => ReceiveError::ServerBusy,
            Some(StatusCode::REQUEST_TIMEOUT) => ReceiveError::BodyTimedOut,
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => ReceiveError::BodyTooLarge,
            _ => ReceiveError::BodyUnreadable(rejection.body_text()),
        }
    })?;
    let shared = &state.inner;

    // Authenticate before anything else looks at the bytes.
    if let Verification::Secret(secret) = &shared.verification {
        let header = signature_header(headers)?;
        signature::verify(secret.as_bytes(), &body, header).map_err(ReceiveError::Signature)?;
    }

    let event_type = header_str(headers, "x-github-event")
        .filter(|name| !name.is_empty())
        .ok_or(ReceiveError::MissingEventType)?;
    if !is_event_name(event_type) {
        return Err(ReceiveError::MalformedEventType(printer::excerpt(
            event_type,
        )));
    }
    let event = Event::parse(event_type, &body).map_err(|error| {
        // A webhook configured with GitHub's other content type sends
        // `payload=<urlencoded JSON>`: say how to fix it, not just "bad JSON".
        let form = header_str(headers, "content-type")
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if form {
            ReceiveError::FormEncoded
        } else {
            ReceiveError::Payload(error)
        }
    })?;

    let delivery = header_str(headers, "x-github-delivery").map(str::to_owned);
    if let Some(id) = &delivery
        && !lock(&shared.deliveries).first_sighting(id)
    {
        let notice = Notice::Redelivery {
            delivery: id.clone(),
            event_type: event_type.to_owned(),
        };
        // A redelivery note that cannot be queued is not worth a failure:
        // the event itself was already printed.
        let _ = shared.notices.try_send(notice);
        shared.tally.redeliveries.fetch_add(1, Ordering::Relaxed);
        return Ok(acknowledge(event_type, true));
    }

    if let Err(full_or_closed) = shared.notices.try_send(Notice::Event {
        delivery: delivery.clone(),
        event,
    }) {
        // Not printed, so not really received: forget the id, so that
        // GitHub's redelivery of it is treated as new.
        if let Some(id) = &delivery {
            lock(&shared.deliveries).forget(id);
        }
        return Err(match full_or_closed {
            mpsc::error::TrySendError::Full(_) => ReceiveError::Busy,
            // The printer is gone, and `serve` is stopping the server.
            mpsc::error::TrySendError::Closed(_) => ReceiveError::Stopping,
        });
    }
    shared.tally.events.fetch_add(1, Ordering::Relaxed);
    Ok(acknowledge(event_type, false))
}

/// The seed's answer, `{"status": "ok", "event": <type>}`, plus
/// `"redelivery": true` when the delivery id was already seen.
#[derive(serde::Serialize)]
struct Ack<'a> {
    status: &'static str,
    event: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    redelivery: bool,
}

fn acknowledge(event_type: &str, redelivery: bool) -> Response {
    // A struct rather than `json!`, so the fields keep the seed's order.
    axum::Json(Ack {
        status: "ok",
        event: event_type,
        redelivery,
    })
    .into_response()
}

/// Whether `name` can be an `X-GitHub-Event`: GitHub's names are
/// lower-case words joined by `_` (`pull_request_review_comment`); dots and
/// dashes are allowed for other senders' names.
fn is_event_name(name: &str) -> bool {
    name.len() <= MAX_EVENT_NAME_CHARS
        && name
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-'))
}

/// Any other path: a JSON 404 that says where webhooks go.
async fn not_found(State(state): State<ReceiverState>) -> Response {
    ReceiveError::NotFound(state.inner.path.clone()).response_in(state.inner.lang)
}

/// The path with another method than `POST`: a JSON 405 in the receiver's
/// language, like its other refusals (axum's own is empty).
async fn wrong_method(State(state): State<ReceiverState>) -> Response {
    ReceiveError::WrongMethod(state.inner.path.clone()).response_in(state.inner.lang)
}

/// The one `X-Hub-Signature-256` header, if any. Sent twice (the genuine
/// one, then `sha256=00`), which one is meant is a guess, as with two
/// `Authorization` headers at the platform: refused with 400 before the
/// payload is looked at. Before, the first was taken, the second ignored,
/// and the delivery went on to the payload check.
fn signature_header(headers: &HeaderMap) -> Result<Option<&str>, ReceiveError> {
    let mut values = headers.get_all(SIGNATURE_HEADER).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ReceiveError::DuplicateSignature);
    }
    value
        .to_str()
        .map(Some)
        .map_err(|_| ReceiveError::Signature(signature::SignatureError::Malformed("not ASCII")))
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Locks the delivery log. A panic while holding it cannot leave the set
/// half-updated in a way that matters (at worst one id is remembered or
/// not), so a poisoned lock is used as is rather than failing every request.
fn lock(log: &Mutex<DeliveryLog>) -> std::sync::MutexGuard<'_, DeliveryLog> {
    log.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The delivery ids seen recently, oldest forgotten first.
struct DeliveryLog {
    seen: HashSet<String>,
    /// The same ids in arrival order, to know which to forget.
    order: VecDeque<String>,
    capacity: usize,
}

impl DeliveryLog {
    fn new(capacity: usize) -> Self {
        DeliveryLog {
            seen: HashSet::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    /// Records `id`; true if it had not been seen (or was already forgotten).
    fn first_sighting(&mut self, id: &str) -> bool {
        if self.seen.contains(id) {
            return false;
        }
        if self.order.len() == self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.seen.remove(&oldest);
        }
        self.seen.insert(id.to_owned());
        self.order.push_back(id.to_owned());
        true
    }

    /// Forgets `id`, so its next arrival counts as new.
    fn forget(&mut self, id: &str) {
        if self.seen.remove(id) {
            self.order.retain(|seen| seen != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_log_remembers_then_forgets_the_oldest() {
        let mut log = DeliveryLog::new(2);
        assert!(log.first_sighting("a"));
        assert!(!log.first_sighting("a"));
        assert!(log.first_sighting("b"));
        assert!(log.first_sighting("c")); // forgets "a"
        assert!(log.first_sighting("a"));
        assert!(!log.first_sighting("c"));
        log.forget("c");
        assert!(log.first_sighting("c"));
    }

    #[test]
    fn secrets_do_not_leak_into_debug_output() {
        let shown = format!("{:?}", Verification::Secret(WebhookSecret::new("hunter2")));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
