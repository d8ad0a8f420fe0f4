//! # hooklab-platform: a mock payment platform that behaves like a real one
//!
//! The shop in hooklab delegates payment to this platform, as the seed's
//! e-commerce delegates it to an external provider. The platform has the parts
//! a real provider has, each in its own module:
//!
//! - [`api`]: the HTTP API (axum): create a payment, read its status (what a
//!   poller calls), register a webhook endpoint. One service
//!   ([`Platform::service`], a tower `Service`; [`Platform::router`] wraps it
//!   in an `axum::Router`), testable without a socket; [`Platform::serve`]
//!   serves it on a listener the caller bound, with the workers beside it,
//!   until a shutdown signal.
//! - [`ledger`]: the payments, idempotency keys and endpoints, behind one
//!   `std::sync::Mutex` (never held across an `.await`); a finished payment
//!   is forgotten after a window ([`Retention`]), so memory follows what is
//!   in flight.
//! - [`settlement`]: settles each payment at its scheduled instant and emits an
//!   event. The instant is fixed when the payment is created, and a status read
//!   after that instant always sees the final status even if the settlement
//!   task is late: the platform never lets its own lag leak into the numbers.
//! - [`dispatch`]: the webhook dispatcher. It runs apart from the API, fed by a
//!   queue, so a slow receiver never slows a poll.
//! - [`store`]: where the books survive a crash: nowhere (memory), or an
//!   SQLite file written through before the platform answers or acts, with
//!   a transactional outbox for webhooks.
//! - [`error`]: the one error type of the API, rendered as
//!   `{"error": {"code", "message"}}`, its message in English or
//!   Brazilian Portuguese ([`i18n`]: `Accept-Language`, else
//!   [`PlatformConfig::lang`]).
//!
//! The platform never imports the shop: they meet only over HTTP, as a real
//! shop and a real provider do.

pub mod api;
pub mod dispatch;
pub mod error;
pub mod i18n;
pub mod ledger;
pub mod merchants;
pub mod news;
pub mod settlement;
pub mod store;

use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::events::{EventSink, Happening};
use hooklab_core::http::HttpClient;
use hooklab_core::http::server::ServerLimits;
use hooklab_core::ids::IdEpoch;
use hooklab_core::rng::SharedRng;
use hooklab_core::scenario::DeliverySettings;
use hooklab_core::shutdown::{self, Shutdown};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{Notify, mpsc};

pub use dispatch::{AttemptResult, AttemptSink, DeliveryAttempt};
pub use ledger::Settlement;
pub use merchants::{
    MAX_RATE_LIMIT_PER_S, MIN_RATE_LIMIT_PER_S, Merchant, RateLimitError, check_rate_limit,
};
pub use news::{PollInterval, PullConfig};
pub use settlement::SettlementPlan;

/// How the platform behaves.
#[derive(Clone, Debug)]
pub struct PlatformConfig {
    /// When each payment settles, decided by the harness from the scenario.
    pub plan: SettlementPlan,
    /// Settlement delay of a payment the plan does not know and that asks for
    /// nothing (`simulate`): a hand-made payment settles after this, approved.
    pub default_settle: Dur,
    /// Seeds the platform's random choices (endpoint secrets).
    pub seed: u64,
    /// Retry schedule, timeout and jitter of webhook deliveries.
    pub delivery: DeliverySettings,
    /// Share of events delivered twice (a fault a scenario can inject).
    pub duplicate_rate: f64,
    /// Each event's first delivery is held back by up to this, at random,
    /// so deliveries can arrive out of order (a fault a scenario can inject).
    pub reorder: Dur,
    /// The merchants and their API keys. Requests without one of these keys
    /// get 401.
    pub merchants: Vec<Merchant>,
    /// Requests per second allowed per API key (None: no limit).
    pub rate_limit_per_s: Option<f64>,
    /// How long a rotated-out secret still signs deliveries.
    pub secret_grace: Dur,
    /// Where the platform announces settlements and delivery attempts.
    pub events: EventSink,
    /// Long polls, event streams and `X-Poll-Interval` (see [`news`]).
    pub pull: PullConfig,
    /// Put in every payment, event and endpoint id this platform mints, so
    /// that a restarted platform never reuses an id a shop may still hold.
    /// [`IdEpoch::NONE`] (the default, and what scenario runs use) mints
    /// `pay_000001` as before; `hooklab platform` draws one per start.
    pub id_epoch: IdEpoch,
    /// Timeouts, connection limit and shutdown deadline of
    /// [`Platform::serve`].
    pub server: ServerLimits,
    /// When an endpoint that keeps failing (any answer but a 2xx, or no
    /// answer) is disabled, as Svix and Shopify disable endpoints that keep
    /// failing; a success resets the run. `None` (the default, and what
    /// scenario runs use, so their results do not change) never disables for
    /// failures; `hooklab platform` uses [`DisablePolicy::SERVER`].
    pub disable_after_failures: Option<DisablePolicy>,
    /// How much of the delivery log is kept, and how often one event may be
    /// redelivered.
    pub retention: Retention,
    /// With a durable store: whether a settlement writes its outbox rows in
    /// its own transaction (the default) or separately, later.
    pub outbox: store::OutboxMode,
    /// The language of the API's error messages when a request's
    /// `Accept-Language` names none it speaks (see [`i18n`]).
    pub lang: hooklab_core::lang::Lang,
}

/// The platform's memory bounds. A platform left running against a dead
/// shop retries every event on its schedule and keeps every payment; without
/// bounds its attempt log grew by hundreds of megabytes, and 54,000 payments
/// took it from 7 MB to 417 MB, and it never shrank.
///
/// A finished payment (settled, every delivery of its event over) is
/// forgotten with its event after [`Retention::finished_for`]: a request
/// for it then gets `410` with code `forgotten`. With the SQLite store it
/// stays on disk; only memory is freed. A simulation can also forget each
/// payment once its shop knew it ([`Platform::forget_once_known`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// The newest attempts kept in the log (`GET /v1/events/{id}/attempts`);
    /// older ones are dropped. `None`: all (scenario runs, whose reports
    /// read every attempt).
    pub attempts_logged: Option<usize>,
    /// The first attempts kept per event; later ones are counted (on the
    /// event's `delivery_attempts`) but not logged. `None`: all.
    pub attempts_per_event: Option<usize>,
    /// `POST /v1/events/{id}/redeliver` calls allowed per event; beyond,
    /// 429 `redelivery_limit`.
    pub redeliveries_per_event: u32,
    /// How long a finished payment and its event stay in memory after the
    /// last of its deliveries ended (or it settled, with no endpoint).
    /// `None`: for ever (scenario runs, whose reports read every
    /// settlement). With a window, [`Platform::settlements`] lists only the
    /// payments still kept.
    pub finished_for: Option<Dur>,
}

impl Retention {
    /// Everything kept: what scenario runs use, so their reports see every
    /// attempt and their results do not change.
    pub const KEEP_ALL: Retention = Retention {
        attempts_logged: None,
        attempts_per_event: None,
        redeliveries_per_event: 100,
        finished_for: None,
    };

    /// What `hooklab platform` keeps: about 100,000 attempts (some 20 MB),
    /// 50 per event, 100 redeliveries per event, and a finished payment for
    /// [`DEFAULT_KEEP_FINISHED`].
    pub const SERVER: Retention = Retention {
        attempts_logged: Some(100_000),
        attempts_per_event: Some(50),
        redeliveries_per_event: 100,
        finished_for: Some(DEFAULT_KEEP_FINISHED),
    };
}

/// How long `hooklab platform` keeps a finished payment in memory: 24 h, as
/// long as Stripe keeps an idempotency key, and long enough for a class to
/// look back at the day's payments.
pub const DEFAULT_KEEP_FINISHED: Dur = Dur::from_secs(86_400);

/// How many payments and events a platform keeps in memory now
/// ([`Platform::books`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Books {
    /// Payments kept.
    pub payments: usize,
    /// Events kept.
    pub events: usize,
    /// Payments forgotten so far (see [`Retention::finished_for`]).
    pub forgotten: u64,
}

/// When failures disable an endpoint: after a run of at least `failures`
/// failed attempts in a row that has also gone on for at least
/// `failing_for` (from its first failure to the attempt that ends it, with
/// no success in between). Both, because a count alone measures the
/// traffic, not the outage: a burst of 400 orders to a shop that died gave
/// 20 failed first attempts within 1.7 s, and the endpoint was disabled
/// while the shop was restarting. A time alone would disable an endpoint
/// that failed once, days ago, and was never tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisablePolicy {
    /// The fewest failed attempts in a row.
    pub failures: u32,
    /// The shortest time the run of failures must have lasted.
    pub failing_for: Dur,
}

impl DisablePolicy {
    /// What `hooklab platform` uses: 20 failed attempts over at least five
    /// days, as Svix disables an endpoint whose attempts all failed for five
    /// days. The retry schedule gives each event 8 attempts over about 27 h,
    /// so an endpoint is disabled only when events kept coming, and kept
    /// failing, for longer than any of them is retried; a shop that stops
    /// for minutes, hours, or a day, keeps its endpoint.
    pub const SERVER: DisablePolicy = DisablePolicy {
        failures: 20,
        failing_for: Dur::from_secs(5 * 86_400),
    };

    /// Disables after `failures` failed attempts in a row, however quickly
    /// they came (a test's policy, or a lab's that wants to show disabling).
    pub const fn after_failures(failures: u32) -> DisablePolicy {
        DisablePolicy {
            failures,
            failing_for: Dur::ZERO,
        }
    }

    /// Whether a run of `failures` failed attempts that began at `since`
    /// disables its endpoint at `now`.
    pub fn disables(&self, failures: u32, since: Micros, now: Micros) -> bool {
        failures >= self.failures && now >= since && now.since(since) >= self.failing_for
    }
}

impl PlatformConfig {
    /// Refuses settings the platform cannot honour (today: a rate limit
    /// outside [`check_rate_limit`]'s range). Call before [`Platform::new`].
    pub fn validate(&self) -> Result<(), RateLimitError> {
        if let Some(rate) = self.rate_limit_per_s {
            check_rate_limit(rate)?;
        }
        Ok(())
    }
}

impl Default for PlatformConfig {
    fn default() -> Self {
        PlatformConfig {
            plan: SettlementPlan::default(),
            default_settle: Dur::from_secs(2),
            seed: 0,
            delivery: DeliverySettings::default(),
            duplicate_rate: 0.0,
            reorder: Dur::ZERO,
            merchants: Vec::new(),
            rate_limit_per_s: None,
            secret_grace: Dur::from_secs(86_400),
            events: EventSink::default(),
            pull: PullConfig::default(),
            id_epoch: IdEpoch::NONE,
            server: ServerLimits::default(),
            disable_after_failures: None,
            retention: Retention::KEEP_ALL,
            outbox: store::OutboxMode::Transactional,
            lang: hooklab_core::lang::Lang::En,
        }
    }
}

/// Requests the platform served, by kind. Compared with what the shop says
/// it sent: the two must agree.
#[derive(Debug, Default)]
pub struct ServedCounts {
    /// `POST /v1/payments` answered 2xx.
    pub payment_creates: AtomicU64,
    /// Requests refused 401 (no or unknown API key).
    pub unauthorized: AtomicU64,
    /// Requests refused 429 (over the key's rate limit).
    pub rate_limited: AtomicU64,
    /// `GET /v1/events` answered 2xx.
    pub event_lists: AtomicU64,
    /// `GET /v1/payments/{id}` answered 2xx.
    pub polls: AtomicU64,
    /// Of those, the ones that found the payment still pending.
    pub polls_pending: AtomicU64,
    /// `POST /v1/webhook_endpoints` answered 2xx.
    pub endpoint_registrations: AtomicU64,
    /// Requests answered 4xx.
    pub rejected: AtomicU64,
    /// Conditional reads answered `304 Not Modified` (counted in no other
    /// count, and given their rate-limit token back).
    pub not_modified: AtomicU64,
    /// Reads that asked to wait (`?wait=`) and were held.
    pub long_polls: AtomicU64,
    /// Of those, the ones answered at their timeout with nothing new.
    pub long_poll_timeouts: AtomicU64,
    /// Event streams opened (`GET /v1/events/stream`).
    pub streams_opened: AtomicU64,
    /// Events sent down streams.
    pub events_streamed: AtomicU64,
}

/// A copy of [`ServedCounts`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServedSnapshot {
    /// See [`ServedCounts::payment_creates`].
    pub payment_creates: u64,
    /// See [`ServedCounts::polls`].
    pub polls: u64,
    /// See [`ServedCounts::polls_pending`].
    pub polls_pending: u64,
    /// See [`ServedCounts::endpoint_registrations`].
    pub endpoint_registrations: u64,
    /// See [`ServedCounts::rejected`].
    pub rejected: u64,
    /// See [`ServedCounts::unauthorized`].
    pub unauthorized: u64,
    /// See [`ServedCounts::rate_limited`].
    pub rate_limited: u64,
    /// See [`ServedCounts::event_lists`].
    pub event_lists: u64,
    /// Webhook delivery attempts the dispatcher made.
    pub webhook_attempts: u64,
    /// See [`ServedCounts::not_modified`].
    pub not_modified: u64,
    /// See [`ServedCounts::long_polls`].
    pub long_polls: u64,
    /// See [`ServedCounts::long_poll_timeouts`].
    pub long_poll_timeouts: u64,
    /// See [`ServedCounts::streams_opened`].
    pub streams_opened: u64,
    /// See [`ServedCounts::events_streamed`].
    pub events_streamed: u64,
}

/// State shared by the API handlers and the background workers.
pub(crate) struct Shared {
    pub(crate) clock: Clock,
    pub(crate) config: PlatformConfig,
    /// Payments, idempotency keys, endpoints, the settlement schedule. One lock,
    /// held only for map operations, never across an `.await`.
    pub(crate) ledger: Mutex<ledger::Ledger>,
    /// Wakes the settlement worker when a payment settling sooner than any
    /// other is created.
    pub(crate) schedule_changed: Notify,
    /// The queue between settlement and dispatch.
    pub(crate) dispatch_tx: mpsc::UnboundedSender<dispatch::Dispatch>,
    /// Taken once by [`Platform::spawn_workers`].
    pub(crate) dispatch_rx: Mutex<Option<mpsc::UnboundedReceiver<dispatch::Dispatch>>>,
    pub(crate) served: ServedCounts,
    /// How late the settlement worker was.
    pub(crate) lateness: settlement::Lateness,
    pub(crate) deliveries: dispatch::DeliveryLog,
    pub(crate) http: Arc<dyn HttpClient>,
    /// The dispatcher's random choices (jitter, injected duplicates), seeded.
    pub(crate) rng: SharedRng,
    /// Wakes long polls and streams when an event is appended.
    pub(crate) news: Arc<news::News>,
    /// Where changes are journalled before the platform answers or acts
    /// (see [`store`]); `Memory` journals nothing.
    pub(crate) store: store::Store,
    /// Delivery outcomes waiting for the store's next batch commit.
    pub(crate) attempt_queue: store::AttemptQueue,
    /// The first write the store refused; the platform stops on it.
    pub(crate) failure: Mutex<Option<store::StoreError>>,
    /// Triggered with the first `failure`: stops the server and workers.
    halt: shutdown::ShutdownTrigger,
    halted: Shutdown,
    /// The address [`Platform::serve`] listens on, once it does: an endpoint
    /// pointing back at the API is refused. Unset under the harness, which
    /// serves the router over in-memory pipes.
    pub(crate) own_addr: std::sync::OnceLock<std::net::SocketAddr>,
}

impl Shared {
    /// Announces a settlement and queues its event for the merchant's
    /// endpoints (the outbox rows the store wrote for it, if durable).
    pub(crate) fn settled(
        &self,
        event: hooklab_core::wire::Event,
        merchant: hooklab_core::ids::MerchantId,
        at: Micros,
        outbox: Option<Vec<store::OutboxRow>>,
    ) {
        self.config.events.emit(at, || Happening::Settled {
            order: event.data.order_id.clone(),
            payment: event.data.id.clone(),
            outcome: event.data.status.to_string(),
        });
        self.news.publish(&merchant);
        // Its settlement already counted this dispatch as open.
        self.queue(event, merchant, None, outbox);
    }

    /// Puts an event on the dispatcher's queue, for `merchant`'s endpoints (or
    /// only `only`), or for the endpoints of its outbox rows when the store
    /// wrote some.
    pub(crate) fn dispatch(
        &self,
        event: hooklab_core::wire::Event,
        merchant: hooklab_core::ids::MerchantId,
        only: Option<hooklab_core::ids::EndpointId>,
        outbox: Option<Vec<store::OutboxRow>>,
    ) {
        let now = self.clock.now();
        // Open until the dispatcher has handed it out: the payment is not
        // finished meanwhile.
        self.ledger().event_deliveries_changed(&event.id, 1, now);
        self.queue(event, merchant, only, outbox);
    }

    fn queue(
        &self,
        event: hooklab_core::wire::Event,
        merchant: hooklab_core::ids::MerchantId,
        only: Option<hooklab_core::ids::EndpointId>,
        outbox: Option<Vec<store::OutboxRow>>,
    ) {
        // The receiver lives as long as the dispatcher; if it has stopped, the
        // run is ending and the event has nowhere to go.
        let _ = self.dispatch_tx.send(dispatch::Dispatch {
            event,
            merchant,
            only,
            outbox,
        });
    }

    /// Records a write the store refused and stops the platform: what it
    /// could not make durable it must not answer or act on. Answers the
    /// error for the request that hit it (503).
    pub(crate) fn store_failed(&self, error: store::StoreError) -> error::ApiError {
        tracing::error!(
            error = &error as &dyn std::error::Error,
            "the platform's store refused a write; stopping"
        );
        let message = error.to_string();
        let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        failure.get_or_insert(error);
        drop(failure);
        self.halt.trigger();
        error::ApiError::StoreUnavailable(message)
    }

    /// Commits the delivery outcomes queued so far, in one transaction.
    pub(crate) fn flush_attempts(&self) {
        let rows = self.attempt_queue.take();
        if let Err(e) = self.store.attempts(&rows) {
            self.store_failed(e);
        }
    }

    /// The 410 for `id`, a payment or event forgotten once finished, saying
    /// after what.
    pub(crate) fn forgotten(&self, what: &'static str, id: String) -> error::ApiError {
        let why = match self.config.retention.finished_for {
            Some(window) => i18n::Said::new(
                format!(
                    "this platform keeps a finished payment and its event in memory for {window} \
                     after the last delivery (`hooklab platform --keep`), and this one's retention \
                     window has passed"
                ),
                format!(
                    "esta plataforma guarda na memória um pagamento finalizado e seu evento por \
                     {window} após a última entrega (`hooklab platform --keep`), e esse prazo já passou"
                ),
            ),
            None => i18n::Said::new(
                "this simulation forgets a finished payment once its shop knew the outcome",
                "esta simulação esquece um pagamento finalizado assim que a loja fica sabendo do resultado",
            ),
        };
        api::refuse(self, error::ApiError::Forgotten { what, id, why })
    }

    /// `d` moved by up to ±jitter, at random.
    pub(crate) fn jittered(&self, d: Dur) -> Dur {
        let jitter = self.config.delivery.jitter;
        if jitter == 0.0 || d == Dur::ZERO {
            return d;
        }
        let u = self.rng.next_f64();
        Dur((d.as_us() as f64 * (1.0 + jitter * (2.0 * u - 1.0))).max(0.0) as u64)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&self, p: f64) -> bool {
        self.rng.chance(p)
    }

    /// Locks the ledger. A panic while holding the lock cannot leave the maps
    /// half-updated in a way later readers must avoid (every update is one map
    /// insert), so a poisoned lock is taken over rather than propagated.
    pub(crate) fn ledger(&self) -> MutexGuard<'_, ledger::Ledger> {
        self.ledger
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A running payment platform: its API router and its background workers.
#[derive(Clone)]
pub struct Platform {
    shared: Arc<Shared>,
}

impl Platform {
    /// A platform on `clock`, sending webhooks through `http`, keeping its
    /// books in memory only.
    pub fn new(clock: Clock, config: PlatformConfig, http: Arc<dyn HttpClient>) -> Self {
        let seed = config.seed;
        let merchants = merchants::Merchants::new(&config.merchants, config.rate_limit_per_s);
        let ledger = ledger::Ledger::new(seed, config.id_epoch.clone(), merchants)
            .with_window(config.retention.finished_for);
        Self::assemble(clock, config, http, ledger, store::Store::Memory)
    }

    /// A platform whose books live in `opened` (see [`store`]): rebuilt from
    /// what the store held, with every open delivery queued again at its
    /// next attempt time, and every later change journalled.
    ///
    /// `clock` should be [`Clock::resumed`] from
    /// [`store::Opened::origin_unix_us`] and `config.id_epoch` the store's
    /// ([`store::Opened::id_epoch`]) when the store held something, so that
    /// stored instants and ids mean what they meant.
    pub fn with_store(
        clock: Clock,
        config: PlatformConfig,
        http: Arc<dyn HttpClient>,
        opened: store::Opened,
    ) -> Result<Self, store::StoreError> {
        let store::Opened { store, snapshot } = opened;
        let seed = config.seed;
        let merchants = merchants::Merchants::new(&config.merchants, config.rate_limit_per_s);
        let ledger =
            match &snapshot {
                Some(snapshot) => ledger::Ledger::restore(seed, merchants, snapshot, &clock)
                    .map_err(|what| store::StoreError::BadRow {
                        path: store.path().map(Into::into).unwrap_or_default(),
                        what,
                    })?,
                None => ledger::Ledger::new(seed, config.id_epoch.clone(), merchants),
            }
            .with_window(config.retention.finished_for);
        store.start(
            &config.merchants,
            clock.unix_us(Micros(0)),
            &config.id_epoch,
        )?;
        let platform = Self::assemble(clock, config, http, ledger, store);
        if let Some(snapshot) = snapshot {
            platform.resume(&snapshot);
        }
        Ok(platform)
    }

    /// Queues every delivery the store left open, at its next attempt time,
    /// after putting the stored attempt log back.
    fn resume(&self, snapshot: &store::Snapshot) {
        let shared = &self.shared;
        for stored in &snapshot.attempts {
            let payment = {
                let ledger = shared.ledger();
                ledger
                    .event_by_id(&stored.event_id, &shared.clock)
                    .map(|(event, _)| event.data.id.clone())
            };
            let (Some(payment_id), Some(result)) =
                (payment, dispatch::parse_result(&stored.result))
            else {
                continue;
            };
            shared.deliveries.record(
                DeliveryAttempt {
                    event_id: stored.event_id.clone(),
                    payment_id,
                    endpoint_id: stored.endpoint_id.clone(),
                    attempt: stored.attempt,
                    started_at: store::from_unix(&shared.clock, stored.started_at_us),
                    duration: Dur(stored.duration_us.max(0) as u64),
                    result,
                    next_attempt_at: stored
                        .next_attempt_at_us
                        .map(|us| store::from_unix(&shared.clock, us)),
                },
                &shared.config.retention,
            );
        }
        for open in &snapshot.open_deliveries {
            let found = {
                let ledger = shared.ledger();
                ledger.event_by_id(&open.event_id, &shared.clock)
            };
            let Some((event, merchant)) = found else {
                tracing::warn!(event = %open.event_id, "outbox row names no event: skipped");
                continue;
            };
            let at = open
                .next_attempt_at_us
                .map_or(Micros(0), |us| store::from_unix(&shared.clock, us));
            shared.dispatch(
                event,
                merchant,
                None,
                Some(vec![store::OutboxRow {
                    id: open.outbox_id,
                    endpoint: open.endpoint_id.clone(),
                    resume: Some((open.attempts as usize, at)),
                }]),
            );
        }
    }

    fn assemble(
        clock: Clock,
        config: PlatformConfig,
        http: Arc<dyn HttpClient>,
        ledger: ledger::Ledger,
        store: store::Store,
    ) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let seed = config.seed;
        let (halt, halted) = shutdown::channel();
        Platform {
            shared: Arc::new(Shared {
                clock,
                config,
                ledger: Mutex::new(ledger),
                schedule_changed: Notify::new(),
                dispatch_tx: tx,
                dispatch_rx: Mutex::new(Some(rx)),
                served: ServedCounts::default(),
                lateness: settlement::Lateness::default(),
                deliveries: dispatch::DeliveryLog::default(),
                http,
                rng: SharedRng::stream(seed, "dispatcher"),
                news: Arc::default(),
                store,
                attempt_queue: store::AttemptQueue::default(),
                failure: Mutex::new(None),
                halt,
                halted,
                own_addr: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The HTTP API as a tower `Service` of `http::Request<Body>`: the fast
    /// path for plain polls and the routes behind it, with no router around
    /// them. What the servers call ([`Platform::serve`], the virtual
    /// network); it answers every request exactly as [`Platform::router`]
    /// does, for about 2,550 instructions less a request.
    pub fn service(&self) -> api::Api {
        api::Api::new(self.shared.clone())
    }

    /// The HTTP API as an `axum::Router` ([`Platform::service`] as its
    /// fallback service), for callers that need a `Router`: the live page,
    /// tests, a router nesting it.
    pub fn router(&self) -> axum::Router {
        api::router(self.shared.clone())
    }

    /// The HTTP API without its fast path for plain polls (`api::fast`):
    /// every request through axum's routing and the layers. Answers exactly
    /// as [`Platform::router`] does; for the tests and the bench that
    /// compare the two.
    #[doc(hidden)]
    pub fn router_without_fast_path(&self) -> axum::Router {
        api::routed(self.shared.clone())
    }

    /// Serves the API on `listener`, with the settlement worker and the
    /// webhook dispatcher running beside it, until `shutdown`; returns once
    /// the workers have stopped too. Call once. The server keeps the bounds
    /// of [`PlatformConfig::server`] (see [`hooklab_core::http::server`]).
    ///
    /// The listener and the signal come from the caller, as in mini-redis's
    /// `server::run(listener, shutdown)`: a test binds `127.0.0.1:0` and
    /// reads the port before serving, and a program decides what stops it
    /// (Ctrl-C, the end of a run). In virtual time, where there is no socket,
    /// the harness serves [`Platform::service`] over its virtual network and
    /// starts the same workers with [`Platform::spawn_workers`].
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: Shutdown,
    ) -> std::io::Result<()> {
        if let Ok(addr) = listener.local_addr() {
            let _ = self.shared.own_addr.set(addr);
        }
        let workers = self.spawn_workers(shutdown.clone());
        let mut stop = self.stop_signal(shutdown);
        // The API itself, not a `Router` around it (`Platform::service`).
        hooklab_core::http::server::serve_wrapped(
            listener,
            self.service(),
            async move { stop.wait().await },
            self.shared.config.server,
            |stream| stream,
        )
        .await?;
        for worker in workers {
            // A worker that panicked has nothing left to stop; the API has
            // already answered its last request.
            let _ = worker.await;
        }
        match self.store_failure() {
            Some(e) => Err(std::io::Error::other(e)),
            None => Ok(()),
        }
    }

    /// `shutdown`, or the store refusing a write, whichever comes first.
    fn stop_signal(&self, shutdown: Shutdown) -> Shutdown {
        if !self.shared.store.is_durable() {
            return shutdown;
        }
        let (trigger, stop) = shutdown::channel();
        let mut outer = shutdown;
        let mut halted = self.shared.halted.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = outer.wait() => {}
                _ = halted.wait() => {}
            }
            trigger.trigger();
        });
        stop
    }

    /// The write the store refused, if one was (the platform stopped on it).
    pub fn store_failure(&self) -> Option<store::StoreError> {
        self.shared
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Where the platform keeps its books.
    pub fn store(&self) -> &store::Store {
        &self.shared.store
    }

    /// The store's file, if the platform keeps one.
    pub fn data_path(&self) -> Option<&std::path::Path> {
        self.shared.store.path()
    }

    /// Starts the settlement worker and the webhook dispatcher; both stop on
    /// `shutdown`. Call once ([`Platform::serve`] calls it).
    pub fn spawn_workers(&self, shutdown: Shutdown) -> Vec<tokio::task::JoinHandle<()>> {
        let shutdown = self.stop_signal(shutdown);
        self.shared.news.set_shutdown(shutdown.clone());
        let mut handles = vec![tokio::spawn(settlement::run(
            self.shared.clone(),
            shutdown.clone(),
        ))];
        let rx = self
            .shared
            .dispatch_rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if self.shared.store.is_durable() {
            handles.push(tokio::spawn(store::flush(
                self.shared.clone(),
                shutdown.clone(),
            )));
        }
        if let Some(rx) = rx {
            handles.push(tokio::spawn(dispatch::run(
                self.shared.clone(),
                rx,
                shutdown,
            )));
        }
        handles
    }

    /// What the platform served so far.
    pub fn served(&self) -> ServedSnapshot {
        let s = &self.shared.served;
        ServedSnapshot {
            payment_creates: s.payment_creates.load(Ordering::Relaxed),
            polls: s.polls.load(Ordering::Relaxed),
            polls_pending: s.polls_pending.load(Ordering::Relaxed),
            endpoint_registrations: s.endpoint_registrations.load(Ordering::Relaxed),
            rejected: s.rejected.load(Ordering::Relaxed),
            unauthorized: s.unauthorized.load(Ordering::Relaxed),
            rate_limited: s.rate_limited.load(Ordering::Relaxed),
            event_lists: s.event_lists.load(Ordering::Relaxed),
            webhook_attempts: self.shared.deliveries.attempt_count(),
            not_modified: s.not_modified.load(Ordering::Relaxed),
            long_polls: s.long_polls.load(Ordering::Relaxed),
            long_poll_timeouts: s.long_poll_timeouts.load(Ordering::Relaxed),
            streams_opened: s.streams_opened.load(Ordering::Relaxed),
            events_streamed: s.events_streamed.load(Ordering::Relaxed),
        }
    }

    /// Every payment that settled, with its scheduled settlement instant
    /// (only those still kept, under a [`Retention::finished_for`] window
    /// or after [`Platform::forget_once_known`]).
    pub fn settlements(&self) -> Vec<Settlement> {
        self.shared.ledger().settlements()
    }

    /// How many payments and events the platform keeps in memory now.
    pub fn books(&self) -> Books {
        let (payments, events, forgotten) = self.shared.ledger().kept();
        Books {
            payments,
            events,
            forgotten,
        }
    }

    /// Forgets each finished payment `margin` after its shop learned its
    /// outcome, as `events` hears it; answers the sink to give the shop in
    /// place of `events` (it passes every event on). Call before the first
    /// payment is created.
    ///
    /// For a simulation, whose harness sees the shop learn each outcome
    /// (`Happening::Known`): once the shop knows, no strategy asks about the
    /// payment again (a poller stops at its final answer), except a request
    /// already on its way when the shop learned by another channel, which
    /// `margin` is there for. Memory is bounded by the payments in flight:
    /// [`Platform::settlements`] then lists only the payments still kept
    /// (the harness folds every outcome from `events` as it happens, so it
    /// needs no list of all).
    pub fn forget_once_known(&self, events: EventSink, margin: Dur) -> EventSink {
        self.shared.ledger().forget_once_known(margin);
        let shared = self.shared.clone();
        EventSink::to(move |e| {
            if let Happening::Known { order, .. } = &e.what {
                shared.ledger().known(order, e.at);
            }
            events.emit(e.at, || e.what);
        })
    }

    /// Numbers the ids of the payments created from now on `numbers[0]`,
    /// `numbers[1]`, … (increasing) instead of 1, 2, …: a part of a
    /// workload run on a platform of its own (the harness's shards) then
    /// gets the ids one platform taking the whole workload gives.
    pub fn number_payments(&self, numbers: Arc<[u64]>) {
        self.shared.ledger().number_payments(numbers);
    }

    /// Every delivery attempt kept so far (all of them under
    /// [`Retention::KEEP_ALL`]), in the order they finished.
    pub fn delivery_attempts(&self) -> Vec<DeliveryAttempt> {
        self.shared.deliveries.attempts()
    }

    /// Hands every delivery attempt to `sink` as it is logged, in the log's
    /// order (the log still keeps what [`PlatformConfig::retention`] says:
    /// with `attempts_logged: Some(0)`, nothing). For a simulation's
    /// harness, which folds each attempt's figures as it finishes instead
    /// of reading a whole run's log at its end. Call before the first
    /// payment is created; a second sink is refused (answers `false`).
    pub fn fold_attempts(&self, sink: AttemptSink) -> bool {
        self.shared.deliveries.sink.set(sink).is_ok()
    }

    /// Every delivery attempt kept so far, moved out of the log, which is
    /// empty afterwards: for a reader of a stopped platform's whole log, so
    /// that a million attempts are not held twice (the harness folds each
    /// attempt as it ends instead, [`Platform::fold_attempts`]). The counts
    /// ([`Platform::attempts_dropped`], the served ones) do not change.
    pub fn take_delivery_attempts(&self) -> Vec<DeliveryAttempt> {
        self.shared.deliveries.take_attempts()
    }

    /// Attempts not kept in the log, or dropped from it, by
    /// [`PlatformConfig::retention`].
    pub fn attempts_dropped(&self) -> u64 {
        self.shared.deliveries.dropped()
    }

    /// The mean time between a payment's scheduled settlement and the
    /// settlement worker settling it (and queueing its webhook), over every
    /// payment the worker settled; `None` if it settled none. A status read
    /// that comes first settles the payment itself, and is not counted here.
    pub fn settlement_lateness(&self) -> Option<Dur> {
        self.shared.lateness.mean()
    }

    /// What [`Platform::settlement_lateness`] is the mean of: the sum of the
    /// worker's latenesses, µs, and how many payments it settled. Several
    /// platforms' means (the harness's shards of one strategy, each a world
    /// of its own) combine exactly from these, not from their means.
    pub fn settlement_lateness_sums(&self) -> (u64, u64) {
        self.shared.lateness.sums()
    }

    /// Settles every payment due by now (the worker does this on its own; tests
    /// and the harness call it to be sure nothing due is left pending).
    pub fn settle_due(&self) {
        settlement::settle_due(&self.shared, self.shared.clock.now());
    }

    /// The merchants and their API keys.
    pub fn merchants(&self) -> &[Merchant] {
        &self.shared.config.merchants
    }

    /// The instant of the last scheduled settlement, if any payment is pending.
    pub fn last_scheduled(&self) -> Option<Micros> {
        self.shared.ledger().last_scheduled()
    }
}
