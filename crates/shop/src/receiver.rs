//! The webhook strategy's receiver: `POST /webhooks/payments`.
//!
//! A good receiver does as little as possible before it answers: it parses
//! the event, applies it to the order book (idempotently) and answers 2xx at
//! once. Anything slow belongs after the answer, because the sender is
//! waiting and will retry if it times out.
//!
//! Before it trusts a delivery, it checks, in this order: the body is at most
//! 1 MiB (413); the Standard Webhooks signature is present, well-formed,
//! fresh and right (401, counted by reason; a rejected request never touches
//! an order); the body is JSON (400). It then deduplicates on `webhook-id`:
//! a redelivery of an event already applied is acknowledged and counted.
//!
//! A signed event about an order the shop does not know is acknowledged
//! (2xx), not applied, counted ([`ReceivedCounts::unknown_orders`])
//! and said: a line naming the order (a [`Happening::UnknownOrder`], which
//! `hooklab shop` prints in the reader's language), at most one per
//! [`UNKNOWN_ORDER_WARN_EVERY`] with how many came since the last one. Why
//! not a 4xx so the sender retries? Retrying cannot make the order appear:
//! this shop enters an order in its book *before* it asks for the payment,
//! so an event that beats the creation response still finds its order. An
//! unknown order is another shop's (two shops on one account both receive
//! every event) or one from before a restart that kept no data; refused,
//! the sender would retry it for days and then disable the endpoint, and
//! the good events behind it with it. (A shop whose orders could be
//! committed after the event arrives should answer 503 instead, so the
//! sender tries again later.)
//!
//! [`ReceiverFaults`] lets a scenario make this receiver misbehave on
//! purpose (down, erroring, slow, or losing events after acknowledging them),
//! which is how hooklab shows what retries and reconciliation are for. It can
//! also acknowledge before it records (`ack_before_commit`), so a crash of
//! the shop in between ([`Receiver::crash`]) loses what it acknowledged.
//!
//! # What a delivery costs (issue 19: receiver/bare >= 0.75)
//!
//! `scripts/load.sh` compares this receiver, on [`serve`] (hyper behind
//! hooklab's bounds: head deadline and scan, idle timeout, the edge's error
//! shape and body deadline), with a bare axum app on `axum::serve` that
//! answers `{"received":true}` without reading the body: the same hyper,
//! the same requests, none of the work. Measured 2026-12-02 (recv4), on a
//! 2-vCPU machine shared with other builds (load average 7 to 15, so wrk's
//! ratios from one round to the next spread from 0.4 to over 1 and judge
//! nothing):
//!
//! - callgrind, `load_target requests --target receiver|bare-webhook` at
//!   `--n` 3,000 and 6,000, the difference over 3,000: 97,730 instructions a
//!   delivery before, 93,536 after, against the bare app's 58,608 (valgrind
//!   hides SHA-NI, so its HMAC, ~20 K there, is far less in a real run:
//!   the release build's `sha2` runs `x86_sha::compress`, 1.5 to 2 % of
//!   the receiver's `perf record` samples);
//! - `perf stat -e task-clock` on the server process over each 2-s wrk
//!   run (`-t2 -c32`, load.sh's deliveries), ten runs each: the receiver's
//!   CPU a delivery, median 9.84 µs before (8.39 to 10.52), 8.26 after
//!   (7.80 to 9.34); the bare app's 4.4 to 6.3. Bare over receiver, CPU a
//!   request, run by run: median 0.546 before (0.454 to 0.608), 0.596 after
//!   (0.514 to 0.657). The server is the bottleneck here (it got 0.2 to
//!   0.4 of a CPU). Before this session, wrk's ratio on a quiet machine
//!   (0.598, 0.608) was callgrind's (58,608 / 97,730 = 0.60); callgrind's
//!   is 0.63 after: still short of 0.75.
//!
//! In `perf record` of the receiver under wrk, the kernel (writev, recv,
//! scheduling) is about half; of the rest, this handler is about a fifth
//! (the order book's `record`, the dedup set's look-up and insert, with
//! their locks and cache misses on a set of hundreds of thousands, the
//! HMAC, the notice's read), then hyper's parse and write, axum's routing
//! and the layers' futures, the head scan (under 1 %) and ~5 clock reads.
//! This session took out: a `String` per delivery for the dedup set (its
//! keys are `SeenId`s, looked up by `&str`), a second clock read, axum's
//! `Bytes` extractor's limited box and chunk list (`read_body`), and one
//! boxed router level (the request log and the body limit are one layer).
//!
//! Then (recvfast, 2026-12-02) the fast path, [`Endpoint`]: a delivery to
//! [`WEBHOOK_PATH`] is read and answered by the handler's own steps
//! without axum's route match, layers and boxed futures, while nothing
//! logs at DEBUG (see `receiver/fast.rs`). Callgrind, as above: 95,932
//! instructions a delivery before, 91,180 after, against the bare app's
//! 58,341; the server's connection task alone 54.0 K before, 49.6 K after
//! (the bare app's 16.9 K), of which the HMAC is 22.1 K under valgrind.
//! [`serve`] takes an [`Endpoint`] as well as a router.

mod fast;
mod notice;

pub use fast::{Delivery, Endpoint, EndpointFuture, Taken};

use crate::orders::{Channel, Notice, OrderBook};
use axum::extract::{FromRequest, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::events::{Happening, rejection};
use hooklab_core::http::server::Shaped;
use hooklab_core::ids::OrderId;
use hooklab_core::rng::SharedRng;
use hooklab_core::shutdown::Shutdown;
use hooklab_core::signature::{self, WebhookSecret};
use hooklab_core::wire::{ErrorBody, PaymentStatus};
use http_body_util::BodyExt;
use serde_json::json;
use std::borrow::Borrow;
use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::net::TcpListener;

/// The path the shop's receiver listens on.
pub const WEBHOOK_PATH: &str = "/webhooks/payments";

/// What the receiver saw, by result.
#[derive(Debug, Default)]
pub struct ReceivedCounts {
    /// Every request that reached the receiver's path.
    pub deliveries: AtomicU64,
    /// Deliveries that told the shop something new.
    pub learned: AtomicU64,
    /// Deliveries of an outcome the shop already knew.
    pub duplicates: AtomicU64,
    /// Deliveries of a final outcome other than the one the shop knew
    /// (acknowledged, not applied: the first final outcome stands).
    pub conflicts: AtomicU64,
    /// Deliveries acknowledged and not applied: an event type the shop does
    /// not handle, a payment still pending, or an order it does not know.
    pub ignored: AtomicU64,
    /// Of `ignored`, the signed payment events about an order the shop does
    /// not know, which it also warns about (see the module's docs). Kept
    /// within `ignored`, so a check that nothing was ignored (the load
    /// target's, `scripts/load.sh`) still sees them.
    pub unknown_orders: AtomicU64,
    /// Deliveries refused as malformed.
    pub malformed: AtomicU64,
    /// Redeliveries of an event already applied (same `webhook-id`).
    pub redeliveries: AtomicU64,
    /// Deliveries acknowledged and then dropped (the silent-loss fault).
    pub lost: AtomicU64,
    /// Deliveries answered with an injected failure (down or error rate).
    pub faulted: AtomicU64,
    /// Of `faulted`, the injected 500s (the error rate); the rest are the
    /// down windows' 503s. The model's error rate is drawn only for
    /// deliveries that arrived outside a down window, so it needs them apart.
    pub errored: AtomicU64,
    /// Deliveries the shop was processing when it crashed
    /// ([`Receiver::crash`]): answered 503, nothing recorded, so the sender
    /// tries again. Not in `faulted`.
    pub crashed: AtomicU64,
}

/// Misbehaviour a scenario injects into the receiver.
#[derive(Clone, Debug, Default)]
pub struct ReceiverFaults {
    /// Windows on the run's clock when the receiver answers 503.
    pub down: Vec<(Micros, Micros)>,
    /// Share of deliveries answered 500.
    pub error_rate: f64,
    /// Added delay before answering.
    pub delay: Dur,
    /// Share of deliveries acknowledged 200 but never recorded.
    pub silent_loss: f64,
    /// Acknowledge before commit: answer 2xx at once and record the
    /// outcome after `delay` (the processing time), so a crash in between
    /// ([`Receiver::crash`]) loses what was acknowledged. `false`: record,
    /// then answer (after commit).
    pub ack_before_commit: bool,
}

/// The largest body the receiver reads.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The least time between two warnings about unknown orders: a flood of
/// another shop's events is said once a while, with its count, not once a
/// delivery.
pub const UNKNOWN_ORDER_WARN_EVERY: Dur = Dur::from_secs(10);

/// When the receiver last warned about an unknown order, and how many it
/// has not warned about since.
#[derive(Default)]
struct UnknownOrderWarnings {
    last: Option<Micros>,
    unsaid: u64,
}

impl UnknownOrderWarnings {
    /// Notes one more unknown order at `now`: `Some(n)` when a warning is
    /// due, `n` being how many went unsaid since the last one; `None` while
    /// the last warning is less than [`UNKNOWN_ORDER_WARN_EVERY`] old.
    fn due(&mut self, now: Micros) -> Option<u64> {
        if self
            .last
            .is_some_and(|last| now < last.plus(UNKNOWN_ORDER_WARN_EVERY))
        {
            self.unsaid += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.unsaid))
    }
}

/// The receiver's state.
pub struct Receiver {
    clock: Clock,
    book: Arc<OrderBook>,
    counts: ReceivedCounts,
    /// The endpoint's secrets (several during a rotation). Empty until the
    /// shop has registered its endpoint. A request takes a reference (one
    /// lock, one refcount) rather than a copy; `trust` swaps in a new list.
    secrets: Mutex<Arc<[WebhookSecret]>>,
    tolerance_secs: i64,
    /// `webhook-id`s already applied: the dedup set (see [`SeenIds`]).
    seen: Mutex<SeenIds>,
    /// Rejections by reason (`missing`, `malformed`, `stale`, `mismatch`).
    rejected: Mutex<BTreeMap<&'static str, u64>>,
    faults: ReceiverFaults,
    /// Draws for injected faults, seeded.
    rng: SharedRng,
    /// Where processed deliveries are committed before the 2xx (see
    /// [`crate::inbox`]); `None`: the dedup set lives in memory only.
    inbox: Option<Arc<crate::inbox::Inbox>>,
    /// Outcomes acknowledged and not yet recorded (acknowledge before
    /// commit), by a number of their own: what a crash loses.
    unrecorded: Mutex<Unrecorded>,
    /// How many times the shop crashed: a delivery being processed when it
    /// did ends unanswered and unrecorded.
    crashes: AtomicU64,
    /// The throttle of the unknown-order warning.
    unknown_warnings: Mutex<UnknownOrderWarnings>,
    /// Each delivery acknowledged and dropped (silent loss): its order and
    /// the instant of the draw, so that the model fed a run's draws knows
    /// which deliveries were lost, not only how many ([`Receiver::losses`]).
    losses: Mutex<Vec<(OrderId, Micros)>>,
}

/// The dedup set, hashed with foldhash rather than std's SipHash: every
/// delivery hashes its `webhook-id` twice (the look-up, then the insert).
/// An id is inserted only once its delivery's signature checked out, so
/// the keys are the sender's, who holds the secret, not an attacker's to
/// pick for collisions (a receiver that trusts no secret yet, the demo
/// before registration, takes any delivery anyway). Nothing iterates it.
/// Its keys are [`SeenId`]s, looked up by `&str` (the header's text, never
/// copied for a look-up).
type SeenIds = HashSet<SeenId, foldhash::fast::RandomState>;

/// How long a `webhook-id` [`SeenId`] keeps in place.
const INLINE_ID_BYTES: usize = 30;

/// A `webhook-id` in the dedup set: up to [`INLINE_ID_BYTES`] bytes (a
/// Standard Webhooks `msg_...` id, hooklab's `evt_...`) in the set's own
/// slot, longer ones on the heap. A `String` key was one allocation per
/// delivery, and each look-up followed its pointer to compare; an inline
/// key is compared where the table holds it. Hashed and compared as the
/// `str` it holds, so the set is looked up by `&str` ([`Borrow`]).
#[derive(Clone)]
enum SeenId {
    Inline {
        len: u8,
        bytes: [u8; INLINE_ID_BYTES],
    },
    Heap(Box<str>),
}

impl SeenId {
    fn new(id: &str) -> Self {
        match u8::try_from(id.len()) {
            Ok(len) if id.len() <= INLINE_ID_BYTES => {
                let mut bytes = [0; INLINE_ID_BYTES];
                bytes[..id.len()].copy_from_slice(id.as_bytes());
                SeenId::Inline { len, bytes }
            }
            _ => SeenId::Heap(id.into()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // The bytes are a `str`'s, copied whole: the same `str`.
            SeenId::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            SeenId::Heap(id) => id,
        }
    }
}

impl Borrow<str> for SeenId {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for SeenId {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SeenId {}

impl Hash for SeenId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

/// The records an acknowledge-before-commit receiver still owes.
#[derive(Default)]
struct Unrecorded {
    next: u64,
    orders: BTreeMap<u64, OrderId>,
    tasks: tokio::task::JoinSet<()>,
}

impl Receiver {
    /// A receiver that records outcomes in `book`.
    pub fn new(clock: Clock, book: Arc<OrderBook>) -> Arc<Self> {
        Self::with_faults(clock, book, ReceiverFaults::default(), 0)
    }

    /// A receiver that misbehaves as `faults` says, drawing from `seed`.
    pub fn with_faults(
        clock: Clock,
        book: Arc<OrderBook>,
        faults: ReceiverFaults,
        seed: u64,
    ) -> Arc<Self> {
        Arc::new(Receiver {
            clock,
            book,
            counts: ReceivedCounts::default(),
            secrets: Mutex::new(Arc::from([])),
            tolerance_secs: signature::DEFAULT_TOLERANCE_SECS,
            seen: Mutex::default(),
            rejected: Mutex::new(BTreeMap::new()),
            faults,
            rng: SharedRng::stream(seed, "receiver-faults"),
            inbox: None,
            unrecorded: Mutex::default(),
            crashes: AtomicU64::new(0),
            unknown_warnings: Mutex::default(),
            losses: Mutex::default(),
        })
    }

    /// The shop dies: every record acknowledged and not yet made is
    /// dropped (what the process held in memory), and its orders returned.
    /// The dedup set survives (the shop's inbox keeps it).
    pub fn crash(&self) -> Vec<OrderId> {
        self.crashes.fetch_add(1, Ordering::Relaxed);
        let mut unrecorded = self.unrecorded.lock().unwrap_or_else(|p| p.into_inner());
        unrecorded.tasks.abort_all();
        std::mem::take(&mut unrecorded.orders)
            .into_values()
            .collect()
    }

    /// Records `order_id`'s outcome after the processing time, once the
    /// 2xx has gone (acknowledge before commit).
    fn record_later(
        self: &Arc<Self>,
        order_id: OrderId,
        status: PaymentStatus,
        webhook_id: Option<String>,
        arrived: Micros,
    ) {
        let mut unrecorded = self.unrecorded.lock().unwrap_or_else(|p| p.into_inner());
        let number = unrecorded.next;
        unrecorded.next += 1;
        unrecorded.orders.insert(number, order_id.clone());
        while unrecorded.tasks.try_join_next().is_some() {}
        let receiver = self.clone();
        unrecorded.tasks.spawn(async move {
            let at = arrived.plus(receiver.faults.delay);
            receiver.clock.sleep_until(at).await;
            receiver
                .unrecorded
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .orders
                .remove(&number);
            // Too late to refuse: the sender was told 2xx already.
            let _ = receiver.apply(&order_id, status, webhook_id.as_deref(), at);
        });
    }

    /// Commits a delivery (the inbox, when there is one), marks its
    /// `webhook-id` seen and applies it to the order book; answers what it
    /// did to the book (`None`: the inbox refused, nothing applied).
    fn apply(
        &self,
        order_id: &OrderId,
        status: PaymentStatus,
        webhook_id: Option<&str>,
        now: Micros,
    ) -> Option<Notice> {
        if let (Some(inbox), Some(id)) = (&self.inbox, webhook_id) {
            // Acknowledge after commit: no 2xx for what is not durable, so the
            // sender retries it.
            if let Err(e) = inbox.processed(id, order_id, status, now) {
                tracing::error!(
                    error = &e as &dyn std::error::Error,
                    "delivery not committed"
                );
                return None;
            }
        }
        if let Some(id) = webhook_id {
            self.seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(SeenId::new(id));
        }
        let counts = &self.counts;
        let notice = self.book.record(order_id, status, Channel::Webhook, now);
        match notice {
            Notice::Learned => counts.learned.fetch_add(1, Ordering::Relaxed),
            Notice::Duplicate => counts.duplicates.fetch_add(1, Ordering::Relaxed),
            Notice::Conflict => counts.conflicts.fetch_add(1, Ordering::Relaxed),
            Notice::StillPending => counts.ignored.fetch_add(1, Ordering::Relaxed),
            Notice::UnknownOrder => {
                self.warn_unknown(order_id, now);
                counts.unknown_orders.fetch_add(1, Ordering::Relaxed);
                counts.ignored.fetch_add(1, Ordering::Relaxed)
            }
        };
        Some(notice)
    }

    /// Says that a signed event about `order_id`, which the shop does not
    /// know, was acknowledged and not applied: at once for the first, then
    /// at most once per [`UNKNOWN_ORDER_WARN_EVERY`] on the run's clock,
    /// with how many were not said in between.
    ///
    /// Said as a [`Happening::UnknownOrder`] to the book's listener, which
    /// words it in the reader's language as every other line of `hooklab
    /// shop` (`RunEvent::line_in`); an English log warning only when nobody
    /// listens (the receiver used as a library), so it is never silent.
    fn warn_unknown(&self, order_id: &OrderId, now: Micros) {
        let due = self
            .unknown_warnings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .due(now);
        let Some(unsaid) = due else { return };
        let events = self.book.events();
        if events.is_on() {
            events.emit(now, || Happening::UnknownOrder {
                order: order_id.clone(),
                unsaid,
            });
            return;
        }
        tracing::warn!(
            order = %order_id,
            more_since_last_warning = unsaid,
            "a signed payment event for an order this shop does not know was acknowledged (2xx) \
             and not applied: another shop's on the same account, or an order placed before a \
             restart without --data"
        );
    }

    /// A receiver whose dedup set survives restarts: it starts from the
    /// delivery ids `inbox` has processed, and commits each new one (with
    /// its order's status) before answering 2xx.
    pub fn with_inbox(
        clock: Clock,
        book: Arc<OrderBook>,
        inbox: Arc<crate::inbox::Inbox>,
        processed: HashSet<String>,
    ) -> Arc<Self> {
        Arc::new(Receiver {
            clock,
            book,
            counts: ReceivedCounts::default(),
            secrets: Mutex::new(Arc::from([])),
            tolerance_secs: signature::DEFAULT_TOLERANCE_SECS,
            seen: Mutex::new(processed.iter().map(|id| SeenId::new(id)).collect()),
            rejected: Mutex::new(BTreeMap::new()),
            faults: ReceiverFaults::default(),
            rng: SharedRng::stream(0, "receiver-faults"),
            inbox: Some(inbox),
            unrecorded: Mutex::default(),
            crashes: AtomicU64::new(0),
            unknown_warnings: Mutex::default(),
            losses: Mutex::default(),
        })
    }

    /// Trusts deliveries signed with `secret` (the one the platform gave at
    /// registration). From then on, unsigned deliveries are refused.
    pub fn trust(&self, secret: WebhookSecret) {
        let mut secrets = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        let mut list = secrets.to_vec();
        list.push(secret);
        *secrets = list.into();
    }

    /// Rejections so far, by reason.
    pub fn rejected(&self) -> BTreeMap<String, u64> {
        self.rejected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect()
    }

    /// Announces a refused delivery, under its reason as the summary and the
    /// timeline name it (see [`hooklab_core::events::rejection`]).
    fn reject(&self, at: Micros, reason: &'static str) {
        self.book.events().emit(at, || Happening::Rejected {
            reason: reason.to_owned(),
        });
    }

    fn chance(&self, p: f64) -> bool {
        self.rng.chance(p)
    }

    /// What the receiver saw so far.
    pub fn counts(&self) -> &ReceivedCounts {
        &self.counts
    }

    /// The deliveries it acknowledged and dropped so far (silent loss), in
    /// the order it dropped them: each one's order and the instant it was
    /// drawn (on the run's clock, between the attempt's departure and its
    /// answer's arrival at the sender). As many as [`ReceivedCounts::lost`].
    pub fn losses(&self) -> Vec<(OrderId, Micros)> {
        self.losses
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The receiver's router.
pub fn router(receiver: Arc<Receiver>) -> Router {
    // The request log outside, then the body limit (a declared
    // Content-Length over it is refused at once with 413): as
    // `body_limit(routes, ..).layer(trace::layer(..))` would put them, in
    // one `Router::layer`, so a delivery goes through one boxed level, not
    // two.
    let layers = tower::ServiceBuilder::new()
        .layer(hooklab_core::http::trace::layer("shop"))
        .layer(hooklab_core::http::server::BodyLimit::new(MAX_BODY_BYTES));
    Router::new()
        .route(WEBHOOK_PATH, post(receive))
        .with_state(receiver)
        .layer(layers)
}

/// Several merchants' receivers behind one server, one path each
/// ([`tenant_path`]), as a multi-tenant integration (Zapier, say) receives
/// for its users.
pub fn tenants_router(receivers: &[Arc<Receiver>]) -> Router {
    receivers
        .iter()
        .enumerate()
        .fold(Router::new(), |router, (n, receiver)| {
            router.nest(&format!("/m/{n}"), self::router(receiver.clone()))
        })
}

/// Where merchant `n`'s receiver listens in [`tenants_router`].
pub fn tenant_path(n: usize) -> String {
    format!("/m/{n}{WEBHOOK_PATH}")
}

/// Serves `router` (an [`Endpoint`], a [`router`] or a [`tenants_router`])
/// on `listener` until `shutdown`: the shop's server, in the shape of the
/// platform's `Platform::serve` (the caller binds the listener and owns the
/// signal, so a test binds `127.0.0.1:0`), with the bounds every hooklab
/// server keeps (see [`hooklab_core::http::server`]).
pub async fn serve(
    listener: TcpListener,
    router: impl Shaped,
    shutdown: Shutdown,
) -> std::io::Result<()> {
    serve_in(listener, router, shutdown, hooklab_core::lang::Lang::En).await
}

/// [`serve`], with the server's own lines for people (its warning that the
/// shutdown deadline cut connections) in `lang`: `hooklab shop` passes
/// the run's language.
pub async fn serve_in(
    listener: TcpListener,
    router: impl Shaped,
    mut shutdown: Shutdown,
    lang: hooklab_core::lang::Lang,
) -> std::io::Result<()> {
    hooklab_core::http::server::serve_wrapped(
        listener,
        router,
        async move { shutdown.wait().await },
        hooklab_core::http::server::ServerLimits {
            lang,
            ..Default::default()
        },
        |stream| stream,
    )
    .await
    .map(drop)
}

/// The answer to a delivery that arrived in a down window (an injected
/// fault).
fn down() -> Response {
    let error = ErrorBody::new("unavailable", "the receiver is down (injected fault)");
    (StatusCode::SERVICE_UNAVAILABLE, Json(error)).into_response()
}

/// Whether the shop acts on events of this type.
fn is_payment_event(kind: &str) -> bool {
    matches!(kind, "payment.approved" | "payment.declined")
}

/// Why a payment event's `type` and its `data.status` disagree, if they do
/// (`payment.approved` with `"status": "declined"`): such a body is
/// malformed, not an outcome to pick one half of.
fn disagreement(kind: &str, status: PaymentStatus) -> Option<String> {
    let agrees = match kind {
        "payment.approved" => status == PaymentStatus::Approved,
        "payment.declined" => status == PaymentStatus::Declined,
        _ => return None,
    };
    (!agrees)
        .then(|| format!("the event's type `{kind}` disagrees with its data.status `{status}`"))
}

/// Acknowledges an event of a type the shop does not handle, and counts it.
fn ignored(count: &AtomicU64, kind: &str) -> Response {
    count.fetch_add(1, Ordering::Relaxed);
    (
        StatusCode::OK,
        Json(json!({"received": true, "ignored": kind})),
    )
        .into_response()
}

/// `{"received":true}`, the answer to every delivery taken: a constant, so
/// the common answer costs no JSON building.
fn received() -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        r#"{"received":true}"#,
    )
        .into_response()
}

/// The request's body, read whole, as axum's `Bytes` extractor reads it
/// within the router's body limit ([`MAX_BODY_BYTES`]), with the same
/// refusals.
///
/// A body of declared length (a `Content-Length`, which [`router`]'s limit
/// has checked already) is read straight from its frames: it cannot pass
/// the limit (hyper ends it at its length), and a delivery's body comes as
/// one frame, handed on without a copy. The extractor wrapped it in a
/// limited, boxed body and gathered it in a list of chunks, two allocations
/// a delivery for nothing. Any other body (chunked) goes through the
/// extractor, limit and all.
async fn read_body(request: Request) -> Result<Bytes, Response> {
    let declared = match axum::body::HttpBody::size_hint(request.body()).exact() {
        Some(len) if len <= MAX_BODY_BYTES as u64 => len,
        _ => {
            return Bytes::from_request(request, &())
                .await
                .map_err(IntoResponse::into_response);
        }
    };
    let mut body = request.into_body();
    let mut gathered = Gathered::new(declared);
    while let Some(frame) = body.frame().await {
        match gathered.frame(frame) {
            Gathering::More => {}
            Gathering::Done => break,
            Gathering::Failed(refusal) => return Err(refusal),
        }
    }
    Ok(gathered.whole())
}

/// A body of declared length, frame by frame: its one frame handed on as
/// it is (a delivery's usual case), several copied into one buffer. Both
/// ways a delivery is read ([`read_body`], the fast path's
/// [`fast::Delivery`]) gather with it, so they read a body alike.
struct Gathered {
    declared: u64,
    first: Option<Bytes>,
    rest: bytes::BytesMut,
}

/// What one more frame did to a [`Gathered`] body.
enum Gathering {
    /// Taken; more may come.
    More,
    /// The body ended (trailers end it, as for axum's extractor).
    Done,
    /// It failed half-way: the answer.
    Failed(Response),
}

impl Gathered {
    fn new(declared: u64) -> Self {
        Gathered {
            declared,
            first: None,
            rest: bytes::BytesMut::new(),
        }
    }

    /// Takes one frame of the body (or its failure).
    fn frame(&mut self, frame: Result<http_body::Frame<Bytes>, axum::Error>) -> Gathering {
        let frame = match frame {
            Ok(frame) => frame,
            // The extractor's answer to a body that failed half-way (a
            // client gone, or the server's body deadline, which the server
            // answers 408 whatever this says).
            Err(e) => {
                return Gathering::Failed(
                    (
                        StatusCode::BAD_REQUEST,
                        format!("Failed to buffer the request body: {e}"),
                    )
                        .into_response(),
                );
            }
        };
        let Ok(data) = frame.into_data() else {
            return Gathering::Done;
        };
        match self.first.take() {
            None if self.rest.is_empty() => self.first = Some(data),
            earlier => {
                if let Some(earlier) = earlier {
                    self.rest
                        .reserve(usize::try_from(self.declared).unwrap_or(0));
                    self.rest.extend_from_slice(&earlier);
                }
                self.rest.extend_from_slice(&data);
            }
        }
        Gathering::More
    }

    /// The body read so far, whole.
    fn whole(self) -> Bytes {
        match self.first {
            Some(only) => only,
            None => self.rest.freeze(),
        }
    }
}

/// The Standard Webhooks headers' names, made once.
static ID_HEADER: HeaderName = HeaderName::from_static(signature::ID_HEADER);
static TIMESTAMP_HEADER: HeaderName = HeaderName::from_static(signature::TIMESTAMP_HEADER);
static SIGNATURE_HEADER: HeaderName = HeaderName::from_static(signature::SIGNATURE_HEADER);

async fn receive(State(receiver): State<Arc<Receiver>>, mut request: Request) -> Response {
    // The headers are moved out rather than copied (axum's `HeaderMap`
    // extractor clones the map on every request); the body is read as the
    // `Bytes` extractor reads it, within the router's body limit.
    let headers: HeaderMap = std::mem::take(request.headers_mut());
    let body = match read_body(request).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let Some(arrived) = receiver.arrive() else {
        return down();
    };
    let life = receiver.crashes.load(Ordering::Relaxed);
    let delayed = receiver.delays();
    if delayed {
        receiver
            .clock
            .sleep_until(arrived.plus(receiver.faults.delay))
            .await;
        if receiver.crashes.load(Ordering::Relaxed) != life {
            // The shop died while it processed this one (a crash fault):
            // nothing recorded, no 2xx, and the sender will retry.
            receiver.counts.crashed.fetch_add(1, Ordering::Relaxed);
            receiver.reject(receiver.clock.now(), rejection::SHOP_CRASHED);
            let error = ErrorBody::new(
                "unavailable",
                "the shop died while processing (injected crash)",
            );
            return (StatusCode::SERVICE_UNAVAILABLE, Json(error)).into_response();
        }
    }
    // The instant it arrived, unless it waited out a delay fault: one clock
    // read per delivery rather than two.
    let now = match delayed {
        true => receiver.clock.now(),
        false => arrived,
    };
    receiver.take(&headers, &body, arrived, now)
}

impl Receiver {
    /// A delivery has arrived (its body read): counts it and reads the
    /// clock once; the instant it arrived, or `None` in a down window
    /// (counted and announced), answered [`down`].
    fn arrive(&self) -> Option<Micros> {
        let counts = &self.counts;
        counts.deliveries.fetch_add(1, Ordering::Relaxed);
        let arrived = self.clock.now();
        if self
            .faults
            .down
            .iter()
            .any(|(from, until)| *from <= arrived && arrived < *until)
        {
            counts.faulted.fetch_add(1, Ordering::Relaxed);
            self.reject(arrived, rejection::INJECTED_503);
            return None;
        }
        Some(arrived)
    }

    /// Whether a delivery waits out the delay fault before it is processed
    /// (a delay, answered after commit): the one step of a delivery that
    /// awaits anything.
    fn delays(&self) -> bool {
        self.faults.delay > Dur::ZERO && !self.faults.ack_before_commit
    }

    /// Everything after a delivery's arrival (and its delay fault, if any),
    /// none of which waits: the error fault, the signature, the dedup set,
    /// the notice, the order book; the answer. `arrived` is when it came,
    /// `now` when it is processed (the same but after a delay fault).
    ///
    /// Both ways a delivery reaches the receiver, the router's handler and
    /// the fast path ([`Endpoint`]), end here, so they answer alike.
    fn take(
        self: &Arc<Self>,
        headers: &HeaderMap,
        body: &Bytes,
        arrived: Micros,
        now: Micros,
    ) -> Response {
        let receiver = self;
        let counts = &receiver.counts;
        let faults = &receiver.faults;
        if receiver.chance(faults.error_rate) {
            counts.faulted.fetch_add(1, Ordering::Relaxed);
            counts.errored.fetch_add(1, Ordering::Relaxed);
            receiver.reject(receiver.clock.now(), rejection::INJECTED_500);
            let error = ErrorBody::new("internal", "the receiver failed (injected fault)");
            return (StatusCode::INTERNAL_SERVER_ERROR, Json(error)).into_response();
        }
        // Looked up by names made once: a name given as `&str` is parsed
        // (checked and lower-cased) on every look-up.
        let header = |name: &HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let id_header = header(&ID_HEADER);
        let secrets = Arc::clone(&receiver.secrets.lock().unwrap_or_else(|p| p.into_inner()));
        if !secrets.is_empty() {
            let verdict = signature::verify(
                &secrets,
                id_header,
                header(&TIMESTAMP_HEADER),
                header(&SIGNATURE_HEADER),
                body,
                receiver.clock.unix_secs(now),
                receiver.tolerance_secs,
            );
            if let Err(rejection) = verdict {
                *receiver
                    .rejected
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(rejection.reason())
                    .or_insert(0) += 1;
                receiver.reject(now, rejection::signature(rejection));
                let error = ErrorBody::new(
                    format!("signature_{}", rejection.reason()),
                    rejection.to_string(),
                );
                return (StatusCode::UNAUTHORIZED, Json(error)).into_response();
            }
        }
        let webhook_id = id_header;
        if let Some(id) = webhook_id
            && receiver
                .seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(id)
        {
            counts.redeliveries.fetch_add(1, Ordering::Relaxed);
            return (
                StatusCode::OK,
                Json(json!({"received": true, "redelivery": true})),
            )
                .into_response();
        }
        // The common case, a payment event, is read once, straight into the two
        // fields the shop acts on (the platform's own layout without serde, see
        // `notice`). Only a body that is not one is looked at
        // again, loosely, to tell an event type we do not know (acknowledged and
        // ignored: providers add types over time) from a malformed body
        // (refused).
        let notice = match notice::read(body) {
            Ok(notice) if is_payment_event(&notice.kind) => notice,
            Ok(other) => return ignored(&counts.ignored, &other.kind),
            Err(shape_error) => {
                let value: serde_json::Value = match serde_json::from_slice(body) {
                    Ok(v) => v,
                    Err(e) => {
                        counts.malformed.fetch_add(1, Ordering::Relaxed);
                        receiver.reject(now, rejection::INVALID_BODY);
                        let error =
                            ErrorBody::new("invalid_json", format!("the body is not JSON: {e}"));
                        return (StatusCode::BAD_REQUEST, Json(error)).into_response();
                    }
                };
                let kind = value.get("type").and_then(|t| t.as_str()).unwrap_or("");
                if !is_payment_event(kind) {
                    return ignored(&counts.ignored, kind);
                }
                counts.malformed.fetch_add(1, Ordering::Relaxed);
                receiver.reject(now, rejection::INVALID_BODY);
                let error = ErrorBody::new(
                    "invalid_event",
                    format!("the event does not have the documented shape: {shape_error}"),
                );
                return (StatusCode::BAD_REQUEST, Json(error)).into_response();
            }
        };
        if let Some(wrong) = disagreement(&notice.kind, notice.data.status) {
            counts.malformed.fetch_add(1, Ordering::Relaxed);
            receiver.reject(now, rejection::INVALID_BODY);
            let error = ErrorBody::new("invalid_event", wrong);
            return (StatusCode::BAD_REQUEST, Json(error)).into_response();
        }
        let order_id = OrderId(notice.data.order_id.into_owned());
        if receiver.chance(faults.silent_loss) {
            // Acknowledged, then lost: the sender thinks all is well.
            counts.lost.fetch_add(1, Ordering::Relaxed);
            receiver
                .losses
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((order_id, now));
            return received();
        }
        if faults.ack_before_commit {
            receiver.record_later(
                order_id,
                notice.data.status,
                webhook_id.map(str::to_owned),
                arrived,
            );
            return received();
        }
        match receiver.apply(&order_id, notice.data.status, webhook_id, now) {
            None => {
                let error = ErrorBody::new("unavailable", "the shop could not record the delivery");
                (StatusCode::SERVICE_UNAVAILABLE, Json(error)).into_response()
            }
            // Acknowledged (see the module's docs for why not a 4xx), and the
            // answer says so: a sender that logs answers shows the mistake.
            Some(Notice::UnknownOrder) => (
                StatusCode::OK,
                Json(json!({"received": true, "unknown_order": order_id.as_str()})),
            )
                .into_response(),
            Some(_) => received(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first unknown order is said at once; the next ones within
    /// [`UNKNOWN_ORDER_WARN_EVERY`] are counted, and said with the next
    /// warning.
    #[test]
    fn unknown_order_warnings_are_throttled_and_say_what_they_skipped() {
        let mut warnings = UnknownOrderWarnings::default();
        let every = UNKNOWN_ORDER_WARN_EVERY.as_us();
        assert_eq!(warnings.due(Micros(5)), Some(0));
        assert_eq!(warnings.due(Micros(6)), None);
        assert_eq!(warnings.due(Micros(4 + every)), None);
        assert_eq!(warnings.due(Micros(5 + every)), Some(2));
        assert_eq!(warnings.due(Micros(5 + 3 * every)), Some(0));
    }
}
