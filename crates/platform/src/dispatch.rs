//! The webhook dispatcher: the platform's outbound side.
//!
//! Settlement puts events on a queue; this worker takes them off and POSTs
//! each to every endpoint of the event's merchant, through one `Lane` per
//! endpoint, so a slow or dead receiver delays only its own deliveries and
//! never a poll (the API never waits on the dispatcher). Every attempt is logged with its
//! result, which is what a real provider's delivery log shows and what the
//! harness reads to explain a missed order.
//!
//! Each endpoint has at most [`MAX_IN_FLIGHT_PER_ENDPOINT`] attempts in
//! flight: a burst of settlements queues up here instead of opening thousands
//! of connections at once and overflowing the receiver's accept queue.
//!
//! With a durable store ([`crate::store`]), each event arrives with the
//! outbox rows its settlement committed, one per endpoint; every attempt's
//! outcome goes to the store's batch queue, and a delivery resumed after a
//! restart arrives with the index and time of its next attempt.
//!
//! Each attempt's request is built in place ([`request`]): the body and
//! its `webhook-id` once per delivery, the `webhook-timestamp` once per
//! second by each worker.
//!
//! Every delivery and attempt is also logged through `tracing` at DEBUG
//! (`RUST_LOG=hooklab=debug`): the spans of `Ctx::send` and `attempt`
//! carry the event, the endpoint and the attempt number.

mod deadline;
mod endpoints;
pub mod request;

use crate::Shared;
use crate::ledger::{EndpointRecord, FastMap};
use crate::store::{AttemptRow, OutboxRow, OutboxState};
use deadline::AttemptTimer;
pub(crate) use endpoints::EndpointCache;
use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::http::TransportErrorKind;
use hooklab_core::ids::MerchantId;
use hooklab_core::ids::{EndpointId, EventId, PaymentId};
use hooklab_core::shutdown::Shutdown;
use hooklab_core::wire::{DeliveryState, Event};
use request::{TimestampHeader, WebhookBody};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// How one delivery attempt ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptResult {
    /// The receiver answered with this HTTP status.
    Status(u16),
    /// No HTTP answer (serialised as `connect`, `broken`, `timeout` or
    /// `bad_url`).
    Error(TransportErrorKind),
}

impl AttemptResult {
    /// Whether the receiver accepted the event (any 2xx).
    pub fn is_success(&self) -> bool {
        matches!(self, AttemptResult::Status(s) if (200..300).contains(s))
    }

    /// [`Self::describe`], and what a 401 or 403 means for a webhook: the
    /// receiver refused the signature (a secret it does not know, or a
    /// clock too far off), which retrying will not mend.
    pub fn explain(&self) -> String {
        match self {
            AttemptResult::Status(s @ (401 | 403)) => {
                format!("HTTP {s}, the receiver refused the signature")
            }
            other => other.describe(),
        }
    }

    /// A short description (`200`, `connect`).
    pub fn describe(&self) -> String {
        match self {
            AttemptResult::Status(s) => format!("HTTP {s}"),
            AttemptResult::Error(kind) => kind.as_str().to_owned(),
        }
    }
}

/// An attempt's result read back from its stored form
/// ([`AttemptResult::describe`]: `HTTP 503`, `timeout`); `None` for text it
/// never writes.
pub(crate) fn parse_result(text: &str) -> Option<AttemptResult> {
    if let Some(status) = text.strip_prefix("HTTP ") {
        return status.parse().ok().map(AttemptResult::Status);
    }
    [
        TransportErrorKind::Connect,
        TransportErrorKind::Broken,
        TransportErrorKind::Timeout,
        TransportErrorKind::BadUrl,
        TransportErrorKind::ResponseTooLarge,
    ]
    .into_iter()
    .find(|kind| kind.as_str() == text)
    .map(AttemptResult::Error)
}

/// One attempt to deliver one event to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeliveryAttempt {
    /// The event (the same id on every attempt).
    pub event_id: EventId,
    /// The payment the event is about.
    pub payment_id: PaymentId,
    /// The endpoint.
    pub endpoint_id: EndpointId,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// When the attempt started, on the run's clock.
    pub started_at: Micros,
    /// How long it took.
    pub duration: Dur,
    /// How it ended.
    pub result: AttemptResult,
    /// When the next attempt is due, if there will be one.
    pub next_attempt_at: Option<Micros>,
}

/// Where every attempt goes as it is logged, besides the log: a
/// simulation's harness folds each one's figures as it finishes
/// ([`crate::Platform::fold_attempts`]), so that it needs no log of the
/// whole run (a million attempts were some 545 MB at its end).
#[derive(Clone)]
pub struct AttemptSink {
    attempt: Arc<dyn Fn(&DeliveryAttempt) + Send + Sync>,
    duplicated: Option<Duplicated>,
}

/// What an [`AttemptSink`] is told when an event is sent twice: the
/// payment whose delivery chains are two.
type Duplicated = Arc<dyn Fn(&PaymentId) + Send + Sync>;

impl AttemptSink {
    /// A sink that calls `f` with each attempt, in the log's order.
    pub fn to(f: impl Fn(&DeliveryAttempt) + Send + Sync + 'static) -> Self {
        AttemptSink {
            attempt: Arc::new(f),
            duplicated: None,
        }
    }

    /// Also calls `f` with the payment of each event sent twice (the
    /// injected duplicates of [`crate::PlatformConfig::duplicate_rate`]),
    /// before either copy's first attempt is queued: that event's attempts
    /// make two chains, each ended by an attempt that announces no retry.
    pub fn with_duplicates(mut self, f: impl Fn(&PaymentId) + Send + Sync + 'static) -> Self {
        self.duplicated = Some(Arc::new(f));
        self
    }
}

impl std::fmt::Debug for AttemptSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AttemptSink")
    }
}

/// How much of the attempt log a platform keeps (see [`crate::Retention`]).
/// Attempts are appended by delivery tasks; the mutex guards the kept
/// attempts and their per-event counts, and is held only for a push, a page
/// or a copy (and the sink's call, so that it hears the log's order).
#[derive(Debug, Default)]
pub(crate) struct DeliveryLog {
    kept: Mutex<KeptAttempts>,
    /// Hears every attempt before the log keeps or drops it; set once.
    pub(crate) sink: std::sync::OnceLock<AttemptSink>,
    /// Attempts started (counted when the request goes out, so that it can be
    /// compared with what receivers saw).
    started: AtomicU64,
    /// Attempts not kept, or dropped to make room (the bounds of
    /// [`crate::Retention`]).
    dropped: AtomicU64,
}

#[derive(Debug, Default)]
struct KeptAttempts {
    /// Each kept attempt with its sequence number (1 for the first attempt
    /// ever logged), oldest first: the cursor of the paged attempts.
    log: VecDeque<(u64, DeliveryAttempt)>,
    /// How many of each event's attempts are in `log`; an event leaves the
    /// map with its last kept attempt. Only kept under a bound.
    per_event: HashMap<EventId, u32>,
    next_seq: u64,
}

/// One attempt as `GET /v1/events/{id}/attempts` answers it: with its place
/// in the log, the `starting_after` of the next page.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ListedAttempt {
    pub(crate) seq: u64,
    #[serde(flatten)]
    pub(crate) attempt: DeliveryAttempt,
}

impl DeliveryLog {
    pub(crate) fn record(&self, attempt: DeliveryAttempt, retention: &crate::Retention) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sink) = self.sink.get() {
            (sink.attempt)(&attempt);
        }
        kept.next_seq += 1;
        let seq = kept.next_seq;
        if retention.attempts_logged == Some(0) {
            // Nothing kept (a harness that folds each attempt through its
            // sink): counted as dropped, as the bound below would.
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if retention.attempts_per_event.is_none() && retention.attempts_logged.is_none() {
            // Everything kept: no count per event to keep (a million events
            // would cost a map entry and an id string each).
            kept.log.push_back((seq, attempt));
            return;
        }
        let for_event = kept.per_event.get(&attempt.event_id).copied().unwrap_or(0);
        if retention
            .attempts_per_event
            .is_some_and(|cap| for_event as usize >= cap)
        {
            // The first attempts of an event say why it fails; the
            // thousandth says the same again.
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        *kept.per_event.entry(attempt.event_id.clone()).or_default() += 1;
        kept.log.push_back((seq, attempt));
        if let Some(cap) = retention.attempts_logged {
            while kept.log.len() > cap {
                let Some((_, old)) = kept.log.pop_front() else {
                    break;
                };
                if let Some(n) = kept.per_event.get_mut(&old.event_id) {
                    *n -= 1;
                    if *n == 0 {
                        kept.per_event.remove(&old.event_id);
                    }
                }
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Tells the sink, if it listens, that `payment`'s event is sent twice.
    pub(crate) fn duplicated(&self, payment: &PaymentId) {
        if let Some(f) = self.sink.get().and_then(|s| s.duplicated.as_ref()) {
            f(payment);
        }
    }

    pub(crate) fn attempts(&self) -> Vec<DeliveryAttempt> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.log.iter().map(|(_, a)| a.clone()).collect()
    }

    /// Every kept attempt, moved out: the log is empty afterwards (its
    /// buffer is reused, no id is copied).
    pub(crate) fn take_attempts(&self) -> Vec<DeliveryAttempt> {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.per_event.clear();
        let log = Vec::from(std::mem::take(&mut kept.log));
        log.into_iter().map(|(_, a)| a).collect()
    }

    /// Up to `limit` kept attempts of `event` after sequence number `after`,
    /// and whether more follow.
    pub(crate) fn page(
        &self,
        event: &EventId,
        after: u64,
        limit: usize,
    ) -> (Vec<ListedAttempt>, bool) {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        // Sequence numbers increase along the log: start past the cursor.
        let start = kept.log.partition_point(|(seq, _)| *seq <= after);
        let mut matching = kept
            .log
            .range(start..)
            .filter(|(_, a)| &a.event_id == event);
        let page: Vec<ListedAttempt> = matching
            .by_ref()
            .take(limit)
            .map(|(seq, a)| ListedAttempt {
                seq: *seq,
                attempt: a.clone(),
            })
            .collect();
        let more = matching.next().is_some();
        (page, more)
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub(crate) fn attempt_count(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }
}

/// The most attempts in flight to one endpoint at once.
pub const MAX_IN_FLIGHT_PER_ENDPOINT: usize = 64;

/// What goes on the dispatcher's queue.
#[derive(Clone, Debug)]
pub(crate) struct Dispatch {
    /// The event.
    pub(crate) event: Event,
    /// Whose it is: only that merchant's endpoints receive it.
    pub(crate) merchant: MerchantId,
    /// Send to this endpoint only (a redelivery or recovery), or to all.
    pub(crate) only: Option<EndpointId>,
    /// With a durable store: the outbox rows to deliver (their endpoints,
    /// not `only`, say where).
    pub(crate) outbox: Option<Vec<OutboxRow>>,
}

/// The dispatcher: takes each queued event and hands one delivery per
/// endpoint to that endpoint's [`Lane`], until `shutdown`.
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut queue: mpsc::UnboundedReceiver<Dispatch>,
    shutdown: Shutdown,
) {
    let endpoints_version = shared.ledger().endpoints_version();
    let ctx = Arc::new(Ctx {
        shared,
        shutdown,
        tasks: Mutex::new(JoinSet::new()),
        killed: std::sync::atomic::AtomicBool::new(false),
        endpoints_version,
    });
    // A dispatcher aborted where it stands (a crash fault: the harness kills
    // the platform's tasks) takes its workers and retry waits with it, as a
    // killed process does; they hold the context, so without this they
    // would outlive it. After a normal stop the set is already empty.
    let _kill = KillOnDrop(ctx.clone());
    // One lane per endpoint, and the endpoints as last read from the
    // ledger. Only this task touches them.
    let mut lanes: FastMap<EndpointId, Arc<Lane>> = FastMap::default();
    let mut endpoints = EndpointCache::new(&ctx.shared);
    let mut shutdown = ctx.shutdown.clone();
    'events: loop {
        tokio::select! {
            biased;
            _ = shutdown.wait() => break,
            next = queue.recv() => match next {
                Some(dispatch) => ctx.hand_out(dispatch, &mut lanes, &mut endpoints),
                None => break,
            },
        }
        // What is already queued is handed out without a `select!` per
        // event: each one registered a shutdown waiter (a lock on the
        // signal's waiter list) and took it off again, in the loop that every
        // event of a burst waits behind. The flag is read between events, so
        // a shutdown still stops the hand-out at the next one, and each event
        // spends one unit of tokio's cooperative budget before it is taken,
        // as `recv` does, so this task yields exactly where it did.
        loop {
            if ctx.shutdown.is_triggered() {
                break 'events;
            }
            tokio::task::coop::consume_budget().await;
            match queue.try_recv() {
                Ok(dispatch) => ctx.hand_out(dispatch, &mut lanes, &mut endpoints),
                Err(_) => break,
            }
        }
    }
    // Let attempts already on the wire finish and be logged (queued attempts
    // and deliveries waiting for a retry see the shutdown and stop at once),
    // so that the log and the receiver's count agree. Each attempt is bounded
    // by its timeout. A task that ends may have started another (a retry's
    // wait), so drain until nothing is left.
    loop {
        let mut tasks = std::mem::take(&mut *lock(&ctx.tasks));
        if tasks.is_empty() {
            break;
        }
        while tasks.join_next().await.is_some() {}
    }
    ctx.shared.flush_attempts();
}

/// Aborts every task of the dispatcher when dropped (see [`run`]).
struct KillOnDrop(Arc<Ctx>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.0
            .killed
            .store(true, std::sync::atomic::Ordering::Relaxed);
        lock(&self.0.tasks).abort_all();
    }
}

/// What every task of the dispatcher shares.
struct Ctx {
    shared: Arc<Shared>,
    shutdown: Shutdown,
    /// Every worker and every wait for a retry, so that shutdown can wait
    /// for the attempts on the wire. The std mutex is held only to add a
    /// task or take the set.
    tasks: Mutex<JoinSet<()>>,
    /// Set when the dispatcher was aborted: no task starts after that.
    killed: std::sync::atomic::AtomicBool,
    /// The ledger's endpoints' version (see [`EndpointCache`]).
    endpoints_version: crate::ledger::EndpointsVersion,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One endpoint's outbound lane: the attempts due now, in order, and the
/// workers sending them, at most [`MAX_IN_FLIGHT_PER_ENDPOINT`]. A worker
/// takes attempts until the queue is empty, then ends; a push starts a worker
/// when fewer than the cap are running. Both happen under the lane's lock, so
/// a queued attempt always has a worker coming for it.
///
/// A burst of 20,000 settlements thus costs 64 tasks, not 20,000 tasks parked
/// on a semaphore.
#[derive(Default)]
struct Lane {
    state: Mutex<LaneState>,
}

#[derive(Default)]
struct LaneState {
    queue: VecDeque<Attempt>,
    workers: usize,
}

/// One attempt, due now: the delivery and its place in the retry schedule.
struct Attempt {
    delivery: Arc<Delivery>,
    /// 0 for the first attempt.
    index: usize,
}

/// One event on its way to one endpoint.
struct Delivery {
    /// The endpoint as the dispatcher read it (shared by the deliveries
    /// made from one read, see [`EndpointCache`]).
    endpoint: Arc<EndpointRecord>,
    /// The ledger's [`crate::ledger::EndpointsVersion`] at which `endpoint`
    /// was enabled: while it has not moved, an attempt needs no look-up.
    checked: u64,
    event_id: EventId,
    payment_id: PaymentId,
    order_id: hooklab_core::ids::OrderId,
    /// The event's JSON and its `webhook-id`, sent by every attempt.
    body: WebhookBody,
    /// The endpoint's lane.
    lane: Arc<Lane>,
    /// Its outbox row, with a durable store.
    outbox: Option<i64>,
}

impl Ctx {
    /// Runs `task` in the background, tracked for shutdown. Finished tasks
    /// are dropped first, so the set does not grow with the run (a platform
    /// can deliver for days).
    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        let mut tasks = lock(&self.tasks);
        if self.killed.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    /// Hands one queued event out: a delivery per endpoint, each on its
    /// endpoint's lane.
    ///
    /// The event came counted open once (its settlement, or
    /// [`Shared::dispatch`], counted it): that count passes to its first
    /// delivery, and only each further one is counted under the ledger's
    /// lock, before its first attempt can end it; an event with no delivery
    /// gives its count back. The common event (one endpoint, read from
    /// `endpoints` while they did not change) so takes no lock here.
    fn hand_out(
        self: &Arc<Self>,
        dispatch: Dispatch,
        lanes: &mut FastMap<EndpointId, Arc<Lane>>,
        endpoints: &mut EndpointCache,
    ) {
        let shared = &self.shared;
        let (targets, checked) = crate::store::outbox::targets(shared, &dispatch, endpoints);
        // Serialised only for someone to send it to: a merchant that polls
        // has no endpoint, and a poll-heavy run rendered every event's JSON
        // for nobody.
        let body = if targets.is_empty() {
            Ok(WebhookBody::default())
        } else {
            WebhookBody::of_event(&dispatch.event)
        };
        let body = match body {
            Ok(b) => b,
            // An Event always serialises; if one ever did not, skip it (and
            // say so) rather than panic.
            Err(e) => {
                tracing::error!(
                    event = %dispatch.event.id,
                    error = &e as &dyn std::error::Error,
                    "event not delivered: it did not serialise"
                );
                return;
            }
        };
        let Dispatch { event, .. } = dispatch;
        let Event {
            id: event_id, data, ..
        } = event;
        let (mut payment_id, mut order_id) = (data.id, data.order_id);
        let mut spare = true;
        let count = targets.len();
        for (n, (endpoint, row)) in targets.into_iter().enumerate() {
            // The last delivery takes the event's ids, the others copies.
            let last = n + 1 == count;
            let ids = if last {
                (
                    std::mem::replace(&mut payment_id, PaymentId(String::new())),
                    std::mem::replace(&mut order_id, hooklab_core::ids::OrderId(String::new())),
                )
            } else {
                (payment_id.clone(), order_id.clone())
            };
            tracing::debug!(
                event = %event_id,
                endpoint = %endpoint.id,
                url = %endpoint.uri,
                "delivery queued"
            );
            let lane = match lanes.get(&endpoint.id) {
                Some(lane) => lane.clone(),
                None => lanes.entry(endpoint.id.clone()).or_default().clone(),
            };
            let delivery = Arc::new(Delivery {
                endpoint,
                checked,
                event_id: event_id.clone(),
                payment_id: ids.0,
                order_id: ids.1,
                body: body.clone(),
                lane,
                outbox: row.as_ref().map(|r| r.id),
            });
            if let Some((index, at)) = row.and_then(|r| r.resume) {
                self.open(&delivery, &mut spare);
                // Resumed after a restart: its next attempt, when it was due.
                let wait = at.since(shared.clock.now());
                let wait = if at > shared.clock.now() {
                    wait
                } else {
                    Dur::ZERO
                };
                self.after(wait, Attempt { delivery, index });
                continue;
            }
            // Fault injection: a sender that sometimes delivers twice, as
            // at-least-once senders do.
            if shared.chance(shared.config.duplicate_rate) {
                shared.deliveries.duplicated(&delivery.payment_id);
                self.first_attempt(delivery.clone(), &mut spare);
            }
            self.first_attempt(delivery, &mut spare);
        }
        if spare {
            // Nothing started: the dispatch itself is handed out.
            shared
                .ledger()
                .event_deliveries_changed(&event_id, -1, shared.clock.now());
        }
    }

    /// Counts `delivery` open on its event, unless the dispatch's own count
    /// is still `spare` (see [`Self::hand_out`]): then it takes that one.
    fn open(&self, delivery: &Delivery, spare: &mut bool) {
        if !std::mem::take(spare) {
            self.opened(delivery);
        }
    }

    /// Counts `delivery` open on its event, before its first attempt can
    /// end it: the event's payment is not finished while it runs.
    fn opened(&self, delivery: &Delivery) {
        let now = self.shared.clock.now();
        self.shared
            .ledger()
            .event_deliveries_changed(&delivery.event_id, 1, now);
    }

    /// Queues a delivery's first attempt: now, unless the scenario holds
    /// first attempts back (`reorder`) or the schedule starts with a delay.
    fn first_attempt(self: &Arc<Self>, delivery: Arc<Delivery>, spare: &mut bool) {
        let shared = &self.shared;
        let Some(first) = shared.config.delivery.retry_schedule.first() else {
            return;
        };
        self.open(&delivery, spare);
        let mut wait = shared.jittered(*first);
        if shared.config.reorder > Dur::ZERO {
            // Fault injection: hold the first attempt back at random, so
            // events overtake one another on their way.
            let held = shared.rng.next_f64() * shared.config.reorder.as_us() as f64;
            wait = Dur(wait.as_us() + held as u64);
        }
        self.after(wait, Attempt { delivery, index: 0 });
    }

    /// Queues `attempt` on its lane after `wait`. A zero wait must not go
    /// through the timer: tokio's timer fires on its next 1 ms tick, which
    /// would add up to a millisecond to every first delivery.
    fn after(self: &Arc<Self>, wait: Dur, attempt: Attempt) {
        if wait == Dur::ZERO {
            return self.push(attempt);
        }
        let ctx = self.clone();
        let at = ctx.shared.clock.now().plus(wait);
        self.spawn(async move {
            let mut shutdown = ctx.shutdown.clone();
            tokio::select! {
                biased;
                _ = shutdown.wait() => {}
                _ = ctx.shared.clock.sleep_until(at) => ctx.push(attempt),
            }
        });
    }

    /// Queues `attempt` on its lane, starting a worker if the lane has room.
    fn push(self: &Arc<Self>, attempt: Attempt) {
        let lane = attempt.delivery.lane.clone();
        let start_worker = {
            let mut state = lock(&lane.state);
            state.queue.push_back(attempt);
            let room = state.workers < MAX_IN_FLIGHT_PER_ENDPOINT;
            if room {
                state.workers += 1;
            }
            room
        };
        if start_worker {
            let ctx = self.clone();
            self.spawn(async move { ctx.work(&lane).await });
        }
    }

    /// A lane's worker: sends the lane's attempts one after the other until
    /// the queue is empty or the dispatcher shuts down. It keeps the
    /// `webhook-timestamp` of the second it is sending in, and one timer for
    /// its attempts' timeouts (see [`deadline`]).
    async fn work(self: Arc<Self>, lane: &Lane) {
        let mut timestamp = TimestampHeader::default();
        let mut timer = AttemptTimer::new();
        loop {
            let next = {
                let mut state = lock(&lane.state);
                let next = state.queue.pop_front();
                if next.is_none() || self.shutdown.is_triggered() {
                    state.workers -= 1;
                    None
                } else {
                    next
                }
            };
            let Some(attempt) = next else { return };
            self.send(attempt, &mut timestamp, &mut timer).await;
        }
    }

    /// Makes one attempt, logs it, and schedules the next one if the
    /// delivery failed and the schedule has one.
    ///
    /// Each delay of the schedule counts from the previous failure, is moved
    /// by up to ±jitter at random (seeded), and is stretched to a
    /// `Retry-After` the receiver asked for with a 429 or 503. The event id is
    /// the same on every attempt, so the receiver can deduplicate. Retries
    /// stop when the event is accepted, the endpoint answers 410 Gone, or the
    /// schedule runs out.
    #[tracing::instrument(
        level = "debug",
        name = "delivery",
        skip_all,
        fields(
            event = %delivery.event_id,
            endpoint = %delivery.endpoint.id,
            attempt = index + 1,
        )
    )]
    async fn send(
        self: &Arc<Self>,
        Attempt { delivery, index }: Attempt,
        timestamp: &mut TimestampHeader,
        timer: &mut AttemptTimer,
    ) {
        let shared = &self.shared;
        let clock = shared.clock;
        // The endpoint this attempt goes to: the delivery's, or, when a new
        // registration for the same URL replaced it (a shop that restarted
        // registers again), its successor, so the restart loses nothing.
        let successor = if self.endpoints_version.get() == delivery.checked {
            // Nothing changed since the endpoint was read enabled.
            None
        } else {
            let ledger = shared.ledger();
            if ledger.endpoint_enabled(&delivery.endpoint.id) {
                None
            } else {
                Some(ledger.successor_of(&delivery.endpoint).cloned())
            }
        };
        let endpoint = match &successor {
            None => &delivery.endpoint,
            Some(Some(next)) => next,
            Some(None) => {
                tracing::debug!("endpoint disabled: attempt dropped");
                shared
                    .ledger()
                    .event_deliveries_changed(&delivery.event_id, -1, clock.now());
                if let Some(id) = delivery.outbox {
                    shared.attempt_queue.push(crate::store::outbox::dropped_row(
                        shared,
                        id,
                        &delivery.event_id,
                        &delivery.endpoint.id,
                    ));
                }
                return;
            }
        };
        let schedule = &shared.config.delivery.retry_schedule;
        let started_at = clock.now();
        let (result, asked_wait) =
            attempt(shared, &delivery, endpoint, started_at, timestamp, timer).await;
        // The attempt's end, read once: its bookkeeping, its events, its
        // duration and its next attempt's time all count from it (nothing
        // below awaits, so a virtual clock could not have moved anyway).
        let ended = clock.now();
        let gone = result == AttemptResult::Status(410);
        let done = result.is_success() || gone;
        let next_delay = schedule.get(index + 1).filter(|_| !done);
        let state = if result.is_success() {
            DeliveryState::Succeeded
        } else if next_delay.is_none() {
            DeliveryState::Failed
        } else {
            DeliveryState::Retrying
        };
        tracing::debug!(result = %result.describe(), state = ?state, "attempt logged");
        let disabled = {
            let mut ledger = shared.ledger();
            ledger.note_attempt(&delivery.event_id, state, next_delay.is_none(), ended);
            if gone {
                // 410 Gone: the receiver says this endpoint will never come back.
                ledger.disable_endpoint(&endpoint.id);
                Some("it answered 410 Gone".to_owned())
            } else {
                ledger
                    .note_endpoint_result(
                        &endpoint.id,
                        result.is_success(),
                        shared.config.disable_after_failures,
                        ended,
                    )
                    .map(|run| format!("{run} consecutive failed attempts"))
            }
        };
        shared
            .config
            .events
            .emit(ended, || hooklab_core::events::Happening::Delivery {
                order: delivery.order_id.clone(),
                attempt: index as u32 + 1,
                result: result.explain(),
                ok: result.is_success(),
            });
        let newly_disabled = disabled.is_some();
        if let Some(reason) = disabled {
            // Info, not a warning: the event sink below already tells the
            // user, in their language; a warning would print it again in
            // English.
            tracing::info!(endpoint = %endpoint.id, reason = %reason, "endpoint disabled");
            shared.config.events.emit(ended, || {
                hooklab_core::events::Happening::EndpointDisabled {
                    endpoint: endpoint.id.to_string(),
                    reason,
                }
            });
        }
        if newly_disabled
            && let Some(record) = shared.ledger().endpoint_by_id(&endpoint.id)
            && let Err(e) = shared.store.endpoint_saved(record, None, &[], &clock)
        {
            shared.store_failed(e);
        }
        // Drawn here, before the attempt is logged, so the next attempt's
        // time can be journalled with this one (no `.await` in between: the
        // draws come in the same order as before).
        let wait =
            next_delay.map(|delay| shared.jittered(*delay).max(asked_wait.unwrap_or(Dur::ZERO)));
        let duration = ended.since(started_at);
        if let Some(outbox_id) = delivery.outbox {
            let outbox_state = if result.is_success() {
                OutboxState::Succeeded
            } else if gone {
                OutboxState::Gone
            } else if wait.is_none() {
                OutboxState::Failed
            } else {
                OutboxState::Retrying
            };
            shared.attempt_queue.push(AttemptRow {
                outbox_id,
                event_id: delivery.event_id.clone(),
                endpoint_id: endpoint.id.clone(),
                attempt: index as u32 + 1,
                state: outbox_state,
                event_state: state,
                started_us: clock.unix_us(started_at),
                duration_us: duration.as_us(),
                result: result.describe(),
                next_attempt_at_us: wait.map(|w| clock.unix_us(ended.plus(w))),
            });
        }
        let endpoint_id = endpoint.id.clone();
        // The delivery's last attempt hands its ids to the log (a delivery
        // is its attempts' only owner, unless a duplicate shares it): two
        // strings not copied and then freed with the delivery.
        let (retry, (event_id, payment_id)) = match wait {
            Some(wait) => {
                let ids = (delivery.event_id.clone(), delivery.payment_id.clone());
                (Some((wait, delivery)), ids)
            }
            None => (None, Delivery::into_ids(delivery)),
        };
        shared.deliveries.record(
            DeliveryAttempt {
                event_id,
                payment_id,
                endpoint_id,
                attempt: index as u32 + 1,
                started_at,
                duration,
                result,
                // The instant the next attempt is really scheduled for
                // (jitter and Retry-After in), as journalled above.
                next_attempt_at: wait.map(|w| ended.plus(w)),
            },
            &shared.config.retention,
        );
        if let Some((wait, delivery)) = retry {
            self.after(
                wait,
                Attempt {
                    delivery,
                    index: index + 1,
                },
            );
        }
    }
}

impl Delivery {
    /// The event's and the payment's ids of a delivery that is over:
    /// moved out when nothing else holds it, copied otherwise.
    fn into_ids(delivery: Arc<Delivery>) -> (EventId, PaymentId) {
        match Arc::try_unwrap(delivery) {
            Ok(d) => (d.event_id, d.payment_id),
            Err(shared) => (shared.event_id.clone(), shared.payment_id.clone()),
        }
    }
}

/// `event`'s JSON, the bytes `serde_json::to_vec` writes for it. Written
/// by hand when no text needs an escape (every event of this workspace: ids,
/// RFC 3339 times, a currency code): one buffer sized once, no serialiser
/// (serde's was a few thousand instructions a delivery, in the dispatcher's
/// loop that every event of a burst waits behind). Any text that needs
/// escaping goes to serde, so the bytes are serde's either way.
pub(crate) fn event_json(event: &Event) -> serde_json::Result<Vec<u8>> {
    let p = &event.data;
    let settled_at = p.settled_at.as_deref();
    let texts = [
        event.id.as_str(),
        event.created_at.as_str(),
        p.id.as_str(),
        p.order_id.as_str(),
        p.currency.as_str(),
        p.created_at.as_str(),
        settled_at.unwrap_or(""),
    ];
    if !texts.iter().all(|t| plain_json_text(t)) {
        return serde_json::to_vec(event);
    }
    let status = match p.status {
        hooklab_core::wire::PaymentStatus::Pending => "pending",
        hooklab_core::wire::PaymentStatus::Approved => "approved",
        hooklab_core::wire::PaymentStatus::Declined => "declined",
    };
    // The amount's digits on the stack: `to_string` went through the
    // formatting machinery and a heap string of its own.
    let mut digits = [0u8; 20];
    let amount = decimal(p.amount_cents, &mut digits);
    let mut json = Vec::with_capacity(192 + texts.iter().map(|t| t.len()).sum::<usize>());
    let mut put = |parts: &[&[u8]]| parts.iter().for_each(|part| json.extend_from_slice(part));
    put(&[
        b"{\"id\":\"",
        event.id.as_str().as_bytes(),
        b"\",\"type\":\"",
        event.kind.as_str().as_bytes(),
        b"\",\"created_at\":\"",
        event.created_at.as_bytes(),
        b"\",\"data\":{\"id\":\"",
        p.id.as_str().as_bytes(),
        b"\",\"order_id\":\"",
        p.order_id.as_str().as_bytes(),
        b"\",\"amount_cents\":",
        amount,
        b",\"currency\":\"",
        p.currency.as_bytes(),
        b"\",\"status\":\"",
        status.as_bytes(),
        b"\",\"created_at\":\"",
        p.created_at.as_bytes(),
    ]);
    match settled_at {
        Some(at) => put(&[b"\",\"settled_at\":\"", at.as_bytes(), b"\"}}"]),
        None => put(&[b"\",\"settled_at\":null}}"]),
    }
    Ok(json)
}

/// `n` in decimal, as `n.to_string()` writes it, in the end of `buffer`
/// (20 digits hold `u64::MAX`).
fn decimal(mut n: u64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buffer[start..];
        }
    }
}

/// Whether serde_json writes `text` as it is between its quotes: it escapes
/// only control characters, `"` and `\\`.
fn plain_json_text(text: &str) -> bool {
    // Folded without an early exit, so the compiler checks many bytes an
    // instruction (an id or a time is a few dozen bytes, and almost always
    // plain); `all` stopped to branch on every byte.
    text.bytes().fold(true, |plain, b| {
        plain & (b >= 0x20) & (b != b'"') & (b != b'\\')
    })
}

/// One signed POST, with its timeout. Returns the result and, for a 429 or
/// 503 with `Retry-After: <seconds>`, how long the receiver asked to wait.
/// `timestamp` is the worker's `webhook-timestamp` (see [`request`]);
/// `timer`, its timer for the timeout (see [`deadline`]).
#[tracing::instrument(level = "debug", skip_all, fields(url = %endpoint.uri))]
async fn attempt(
    shared: &Shared,
    delivery: &Delivery,
    endpoint: &EndpointRecord,
    started_at: Micros,
    timestamp: &mut TimestampHeader,
    timer: &mut AttemptTimer,
) -> (AttemptResult, Option<Dur>) {
    // The header's text is what is signed, byte for byte.
    let timestamp = timestamp.at(shared.clock.unix_secs(started_at));
    let timestamp_text = timestamp.to_str().unwrap_or_default();
    // During a rotation, sign with every live secret (space-separated), so a
    // receiver that knows either one accepts the delivery. One string for
    // the header, sized for one signature (`v1,` and 44 characters).
    let mut signature = String::with_capacity(48);
    for secret in endpoint.signing_secrets(started_at) {
        if !signature.is_empty() {
            signature.push(' ');
        }
        secret.sign_onto(
            delivery.event_id.as_str(),
            timestamp_text,
            delivery.body.json(),
            &mut signature,
        );
    }
    // Base64 and spaces: always a header value. The string becomes it
    // without a copy.
    let request = http::HeaderValue::try_from(signature)
        .ok()
        .and_then(|signature| {
            request::webhook_request(&endpoint.uri, &delivery.body, timestamp, signature)
        });
    let Some(request) = request else {
        tracing::debug!("request not built: the event id cannot be a header");
        return (AttemptResult::Error(TransportErrorKind::BadUrl), None);
    };
    shared.deliveries.started.fetch_add(1, Ordering::Relaxed);
    let timeout = shared.config.delivery.timeout_ms.to_std();
    match deadline::answer_by(shared.http.send(request), timeout, timer).await {
        Some(Ok(response)) => {
            let status = response.status().as_u16();
            let asked = if status == 429 || status == 503 {
                response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|secs| Dur::from_secs(secs.min(86_400)))
            } else {
                None
            };
            tracing::debug!(status, "answered");
            (AttemptResult::Status(status), asked)
        }
        Some(Err(e)) => {
            tracing::debug!(error = &e as &dyn std::error::Error, "no answer");
            (AttemptResult::Error(e.kind()), None)
        }
        None => {
            tracing::debug!(timeout_ms = timeout.as_millis() as u64, "no answer in time");
            (AttemptResult::Error(TransportErrorKind::Timeout), None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklab_core::ids::OrderId;
    use hooklab_core::wire::{EventType, Payment, PaymentStatus};

    fn event(id: &str, order: &str, currency: &str, settled: Option<&str>, amount: u64) -> Event {
        Event {
            id: EventId(id.to_owned()),
            kind: EventType::PaymentDeclined,
            created_at: "2026-12-02T02:00:00.123Z".to_owned(),
            data: Payment {
                id: PaymentId("pay_000007".to_owned()),
                order_id: OrderId(order.to_owned()),
                amount_cents: amount,
                currency: currency.to_owned(),
                status: PaymentStatus::Declined,
                created_at: "2026-12-02T01:59:59.000Z".to_owned(),
                settled_at: settled.map(str::to_owned),
            },
        }
    }

    /// The amount's digits are `to_string`'s, at every length.
    #[test]
    fn decimal_is_to_string() {
        let mut buffer = [0u8; 20];
        let powers = (0..20).map(|k| 10u64.pow(k));
        for n in powers
            .flat_map(|p| [p - 1, p, p + 1])
            .chain([4_990, u64::MAX - 1, u64::MAX])
        {
            assert_eq!(decimal(n, &mut buffer), n.to_string().as_bytes());
        }
    }

    /// The hand-written event JSON is serde's, byte for byte: plain texts
    /// (written by hand), texts that need escapes (handed to serde), both
    /// event types and every status, amounts from 0 to `u64::MAX`, a
    /// pending payment's `null`.
    #[test]
    fn event_json_is_serdes_bytes() {
        let mut events = vec![
            event(
                "evt_000001",
                "ord_000001",
                "BRL",
                Some("2026-12-02T02:00:00.123Z"),
                4_990,
            ),
            event("evt_1", "ord_\"quoted\"", "BRL", None, 0),
            event("evt_2", "ord_back\\slash", "US\tD", Some("x"), u64::MAX),
            event("evt_3", "pedido_ção", "EUR", Some(""), 1),
            event("", "", "", None, 10),
            event("evt_4", "ord_\u{1}", "BRL", None, 7),
        ];
        let mut approved = events[0].clone();
        approved.kind = EventType::PaymentApproved;
        approved.data.status = PaymentStatus::Approved;
        let mut pending = events[1].clone();
        pending.data.status = PaymentStatus::Pending;
        events.extend([approved, pending]);
        for e in &events {
            let ours = event_json(e).unwrap();
            let serde = serde_json::to_vec(e).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&serde)
            );
        }
    }
}
