//! Crash faults: the platform or the shop dies in the middle of a run and
//! starts again from what it stored (`[faults] platform_crash`,
//! `shop_crash`; see `hooklab_core::scenario::crash`).
//!
//! A platform crash is a kill, not a shutdown: every task of the platform
//! (its settlement worker, its dispatcher and every delivery worker and
//! retry wait, the store's batch committer) is aborted where it stands,
//! its in-memory books are dropped from service, and nothing is flushed
//! that its store did not already hold. Requests already inside it are
//! answered as a dead server's are (with an error), new ones are refused at
//! connect. After `down_ms` a new platform starts from the same store (an
//! SQLite file in a temporary folder, one per strategy) or, for
//! `store = "memory"`, from nothing, and is served at the **same address**
//! behind a [`Switch`], so the shop and its registered endpoint reach it
//! again without knowing anything happened.
//!
//! The crash lands at the end of its instant's settlements: every payment
//! due by then is settled (committed as far as the store commits) before
//! the tasks are aborted, so a crash at the instant of a burst catches the
//! burst's events between the status write and the dispatcher, the window
//! a dual write leaves open. In virtual time this makes a crash at a given
//! instant deterministic: the same seed gives the same summary.
//!
//! A shop crash makes the shop's receiver and client refuse everything
//! while it is down (the platform retries its deliveries on schedule, the
//! pollers' requests fail), and aborts the records its receiver had not yet
//! made: with `ack = "before_commit"` the receiver answers 2xx first and
//! records after its processing time (`receiver_delay_ms`), so what it
//! acknowledged within that time before the crash is lost. The orders the
//! shop recorded survive (its inbox).
//!
//! The dead platforms are kept aside, never served again, so the report can
//! still read what each one did ([`CrashLog`]): settlements, attempts and
//! counts are the sum of every incarnation's.
//!
//! Parts: this file (the platform's lives, the [`Switch`] at its address,
//! the shop's link and the crash driver) and `log` (what the report reads).

use crate::error::HarnessError;
use crate::network::Network;
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::http::{ChunkFuture, Chunks, HttpClient, OpenFuture, SendFuture, TransportError};
use hooklab_core::ids::{IdEpoch, OrderId};
use hooklab_core::scenario::{
    AckMode, ClockMode, CrashWindow, Durability, OutboxKind, Scenario, StoreKind, StrategySpec,
};
use hooklab_core::shutdown::Shutdown;
use hooklab_platform::store::{self, OutboxMode};
use hooklab_platform::{Platform, PlatformConfig};
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::Receiver;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::task::JoinHandle;

mod log;
pub(crate) use log::CrashLog;
use log::dedup_count;

/// The crashes of one strategy's run and what its processes keep.
#[derive(Clone, Debug)]
struct Plan {
    durability: Durability,
    platform: Vec<CrashWindow>,
    shop: Vec<CrashWindow>,
    /// Whether the run is on the real clock, where a platform crash stops
    /// the platform's workers [`REAL_CLOCK_FREEZE`] before its instant.
    real_clock: bool,
}

/// How long before a platform crash's instant, on the real clock, the
/// platform's workers (settlement worker, dispatcher, store committer) are
/// stopped, so that what is due at the instant is settled by the crash
/// itself, its statuses committed and its webhooks never sent, as in
/// virtual time.
///
/// Why: a crash at the instant of a burst must catch the burst's events
/// between the status write and the dispatcher. In virtual time the crash
/// task runs before any other task woken at that instant and settles the
/// burst itself. On the real clock the settlement worker and the crash task
/// both wake a millisecond or so late, in either order, and when the worker
/// came first the dispatcher wrote the outbox rows (a dual write's second
/// write) within that millisecond, so a restart resumed them. The API keeps
/// answering until the instant itself.
///
/// This does not make a real-clock crash-lab show the lesson by itself:
/// there the orders are placed behind plan (a real machine takes time to
/// create 300 payments "at once"), so their payments fall due after the
/// crash instant, are still pending when it lands, and the restarted
/// platform settles and delivers them. The report says so plainly for each
/// strategy (from `settlements_resumed`, and from
/// [`CrashReport::settled_before_crash`] when this timer itself came late).
///
/// [`CrashReport::settled_before_crash`]: hooklab_core::crash::CrashReport::settled_before_crash
const REAL_CLOCK_FREEZE: Dur = Dur::from_ms(50);

/// Whether `spec`'s platform has lives in `scenario` (crash faults or a
/// store): then each life keeps its whole attempt log, read at the run's
/// end ([`CrashLog::attempts`]).
pub(crate) fn has_lives(scenario: &Scenario, spec: &StrategySpec) -> bool {
    Plan::of(scenario, spec).is_some()
}

impl Plan {
    /// `None` when the strategy runs as every run did before crash faults:
    /// nothing crashes and the books stay in memory.
    fn of(scenario: &Scenario, spec: &StrategySpec) -> Option<Plan> {
        let durability = scenario.durability_for(spec);
        let plan = Plan {
            durability,
            platform: scenario.faults.platform_crash.clone(),
            shop: scenario.faults.shop_crash.clone(),
            real_clock: scenario.clock == ClockMode::Real,
        };
        (durability != Durability::default() || !plan.platform.is_empty() || !plan.shop.is_empty())
            .then_some(plan)
    }
}

/// The shop's receivers' answer to `ack` (before or after recording).
pub(crate) fn ack_before_commit(scenario: &Scenario, spec: &StrategySpec) -> bool {
    scenario.durability_for(spec).ack == AckMode::BeforeCommit
}

/// The windows (from the clock's origin) when the shop is down, as the
/// platform's outbound link refuses them.
pub(crate) fn shop_down(scenario: &Scenario) -> Vec<(Micros, Micros)> {
    scenario
        .faults
        .shop_crash
        .iter()
        .map(|w| (Micros(w.at_ms.as_us()), Micros(w.back_at().as_us())))
        .collect()
}

/// A dead platform, kept for the report.
struct Dead {
    platform: Platform,
    /// When it died.
    at: Micros,
    /// The orders it had settled by then.
    settled: HashSet<OrderId>,
    /// The attempts it loaded from its store when it started (its earlier
    /// lives'), in its log beside its own.
    attempts_loaded: u64,
}

/// What the current platform is, and what died before it. Held for a swap
/// or a read, never across an `.await`.
struct Lives {
    current: Platform,
    /// What the [`Switch`] serves: `None` while the platform is down.
    router: Option<axum::Router>,
    /// The current platform's workers, aborted by a crash.
    workers: Vec<JoinHandle<()>>,
    dead: Vec<Dead>,
    deliveries_resumed: u64,
    settlements_resumed: u64,
    pending_at_crash: u64,
    /// The shop's dedup counts (redeliveries and duplicates) at the first
    /// restart: what came after is the restarts' doing.
    dedup_at_first_crash: Option<u64>,
    /// Orders the shop acknowledged and had not recorded when it crashed.
    acked_unrecorded: HashSet<OrderId>,
    /// Payments due at a platform crash's instant that its workers had
    /// settled before they were stopped (real clock: a freeze timer later
    /// than [`REAL_CLOCK_FREEZE`]); the crash missed its window for them.
    settled_before_crash: u64,
    /// A store that could not be opened on a restart.
    failure: Option<String>,
    /// The attempts the current platform loaded from its store (its
    /// earlier lives'), in its log before it made any of its own.
    attempts_loaded: u64,
}

/// One step of the crash driver.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Stop the platform's workers ahead of its crash at this instant.
    Freeze(Micros),
    Crash,
    Restart,
}

impl Step {
    /// Order at one instant: crashes (and freezes) before restarts.
    fn rank(self) -> u8 {
        match self {
            Step::Freeze(_) | Step::Crash => 0,
            Step::Restart => 1,
        }
    }
}

/// One strategy's platform through its crashes, or the one platform of a
/// run without any.
pub(crate) struct PlatformLife {
    plan: Option<Plan>,
    lives: Mutex<Lives>,
    /// Whether the platform is down (its address refuses connections).
    down: AtomicBool,
    /// Whether the shop is down.
    shop_down: AtomicBool,
    /// The current life's end, triggered at its crash (then replaced):
    /// requests inside the dead platform end. A signal, not a `watch`
    /// channel, because a watch wakes its receivers in a random order, and
    /// the order the dead requests fail in decides which network latency
    /// each one's answer draws: one seed gave several summaries.
    died: Life,
    /// The shop's current life's end, triggered at its crash (then
    /// replaced): the shop's open bodies (its streams) break.
    shop_died: Life,
    clock: Clock,
    config: PlatformConfig,
    http: Arc<dyn HttpClient>,
    shutdown: Shutdown,
    /// The SQLite file, in a folder removed when the run ends.
    data: Option<(tempfile::TempDir, std::path::PathBuf)>,
    /// The shop's requests refused at connect while the platform was
    /// down, every kind.
    refused: AtomicU64,
    /// Of those, the `GET`s: polls, event pages, streams (the notification
    /// requests, counted in `requests.refused`).
    refused_reads: AtomicU64,
    restarts: AtomicU64,
    shop_crashes: AtomicU64,
}

impl PlatformLife {
    /// Starts the strategy's platform on `net` and serves it until
    /// `shutdown`: as every run did when the strategy has no crash and no
    /// store (so those runs do not change), otherwise on its store and
    /// behind a [`Switch`]. Answers the platform's URL and the tasks to
    /// await at the end.
    pub(crate) async fn serve(
        net: &dyn Network,
        scenario: &Scenario,
        spec: &StrategySpec,
        clock: Clock,
        mut config: PlatformConfig,
        http: Arc<dyn HttpClient>,
        shutdown: Shutdown,
    ) -> Result<(Arc<PlatformLife>, String, Vec<JoinHandle<()>>), HarnessError> {
        let plan = Plan::of(scenario, spec);
        let sqlite = plan
            .as_ref()
            .is_some_and(|p| p.durability.store == StoreKind::Sqlite);
        if let Some(plan) = &plan {
            config.outbox = match plan.durability.outbox {
                OutboxKind::Transactional => OutboxMode::Transactional,
                OutboxKind::DualWrite => OutboxMode::DualWrite,
            };
        }
        let data = if sqlite {
            let dir = tempfile::Builder::new()
                .prefix("hooklab-crash-")
                .tempdir()
                .map_err(|e| {
                    HarnessError::Unsupported(format!(
                        "cannot make a temporary folder for the platform's SQLite store: {e}"
                    ))
                })?;
            let path = dir.path().join("platform.sqlite");
            Some((dir, path))
        } else {
            None
        };
        let platform = match &data {
            Some((_, path)) => {
                let opened = store::open(path, true).map_err(store_error)?;
                Platform::with_store(clock, config.clone(), http.clone(), opened)
                    .map_err(store_error)?
            }
            None => Platform::new(clock, config.clone(), http.clone()),
        };
        let crashes = plan
            .as_ref()
            .is_some_and(|p| !p.platform.is_empty() || !p.shop.is_empty());
        let (url, tasks, router, workers) = if crashes {
            let router = platform.router();
            let workers = platform.spawn_workers(shutdown.clone());
            (String::new(), Vec::new(), Some(router), workers)
        } else {
            let (url, tasks) = net.serve_platform(&platform, shutdown.clone()).await?;
            (url, tasks, None, Vec::new())
        };
        let life = Arc::new(PlatformLife {
            plan,
            lives: Mutex::new(Lives {
                current: platform,
                router,
                workers,
                dead: Vec::new(),
                deliveries_resumed: 0,
                settlements_resumed: 0,
                pending_at_crash: 0,
                dedup_at_first_crash: None,
                acked_unrecorded: HashSet::new(),
                settled_before_crash: 0,
                failure: None,
                attempts_loaded: 0,
            }),
            down: AtomicBool::new(false),
            shop_down: AtomicBool::new(false),
            died: Mutex::new(hooklab_core::shutdown::channel()),
            shop_died: Mutex::new(hooklab_core::shutdown::channel()),
            clock,
            config,
            http,
            shutdown: shutdown.clone(),
            data,
            refused: AtomicU64::new(0),
            refused_reads: AtomicU64::new(0),
            restarts: AtomicU64::new(0),
            shop_crashes: AtomicU64::new(0),
        });
        if !crashes {
            return Ok((life, url, tasks));
        }
        let switch = Switch { life: life.clone() };
        let (url, server) = net
            .serve("platform", switch.router(), shutdown.clone())
            .await?;
        // The last incarnation's workers stop with the run, as a single
        // platform's do; the run waits for them as for its servers.
        let ending = {
            let life = life.clone();
            let mut shutdown = shutdown;
            tokio::spawn(async move {
                shutdown.wait().await;
                let workers = std::mem::take(&mut life.lock().workers);
                for worker in workers {
                    let _ = worker.await;
                }
            })
        };
        Ok((life, url, vec![server, ending]))
    }

    fn lock(&self) -> MutexGuard<'_, Lives> {
        self.lives.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The platform serving now (the last one, once the run ended).
    pub(crate) fn current(&self) -> Platform {
        self.lock().current.clone()
    }

    /// The link the shop's client sends through: refused while the
    /// platform or the shop is down.
    pub(crate) fn shop_link(self: &Arc<Self>, inner: Arc<dyn HttpClient>) -> Arc<dyn HttpClient> {
        if self.plan.is_none() {
            return inner;
        }
        Arc::new(DownLink {
            inner,
            life: self.clone(),
        })
    }

    /// Starts the task that crashes and restarts the platform and the shop
    /// at their instants (on the clock's scale, as every fault window), if
    /// the strategy has crashes. `receivers` and `book` are the shop's.
    pub(crate) fn spawn_crashes(
        self: &Arc<Self>,
        receivers: &[Arc<Receiver>],
        book: &Arc<OrderBook>,
    ) -> Option<JoinHandle<()>> {
        let plan = self.plan.as_ref()?;
        // Both sides' events in the order they come (a platform event first
        // at a tie), each a crash or a restart; on the real clock, each
        // platform crash is preceded by the stop of its workers.
        let mut steps: Vec<(Micros, u8, Step)> = Vec::new();
        for w in &plan.platform {
            let at = Micros(w.at_ms.as_us());
            if plan.real_clock {
                let early = Micros(at.0.saturating_sub(REAL_CLOCK_FREEZE.as_us()));
                steps.push((early, 0, Step::Freeze(at)));
            }
            steps.push((at, 0, Step::Crash));
            steps.push((Micros(w.back_at().as_us()), 0, Step::Restart));
        }
        for w in &plan.shop {
            steps.push((Micros(w.at_ms.as_us()), 1, Step::Crash));
            steps.push((Micros(w.back_at().as_us()), 1, Step::Restart));
        }
        if steps.is_empty() {
            return None;
        }
        steps.sort_by_key(|(at, side, step)| (*at, step.rank(), *side));
        let life = self.clone();
        let receivers = receivers.to_vec();
        let book = book.clone();
        let mut shutdown = self.shutdown.clone();
        Some(tokio::spawn(async move {
            for (at, side, step) in steps {
                tokio::select! {
                    biased;
                    _ = shutdown.wait() => return,
                    _ = life.clock.sleep_until(at) => {}
                }
                match (side, step) {
                    (_, Step::Freeze(instant)) => life.freeze_platform(instant),
                    (0, Step::Crash) => life.crash_platform(at, &receivers, &book),
                    (0, Step::Restart) => life.restart_platform(),
                    (_, Step::Crash) => life.crash_shop(&receivers),
                    (_, Step::Restart) => life.shop_down.store(false, Ordering::Relaxed),
                }
            }
        }))
    }

    /// Stops the platform's workers ahead of its crash at `instant` (real
    /// clock only, see [`REAL_CLOCK_FREEZE`]), and notes how many payments
    /// due by then they had settled already: none unless this timer was
    /// later than the lead.
    fn freeze_platform(&self, instant: Micros) {
        let mut lives = self.lock();
        for worker in lives.workers.drain(..) {
            worker.abort();
        }
        let early = lives
            .current
            .settlements()
            .into_iter()
            .filter(|s| s.settled_at >= instant)
            .count() as u64;
        lives.settled_before_crash += early;
    }

    /// Kills the platform: settles what is due at this instant, then aborts
    /// every task and stops serving it.
    fn crash_platform(&self, at: Micros, receivers: &[Arc<Receiver>], book: &OrderBook) {
        let mut lives = self.lock();
        lives.current.settle_due();
        for worker in lives.workers.drain(..) {
            worker.abort();
        }
        lives.router = None;
        self.down.store(true, Ordering::Relaxed);
        end_life(&self.died);
        let settled: HashSet<OrderId> = lives
            .current
            .settlements()
            .into_iter()
            .map(|s| s.order_id)
            .collect();
        // What it held that the shop did not know yet: every order it had
        // answered a creation for, still unknown to the shop (its pending
        // settlements and undelivered webhooks).
        let pending = book
            .entries()
            .iter()
            .filter(|e| e.answered.is_some() && e.known_at.is_none())
            .count() as u64;
        lives.pending_at_crash += pending;
        if lives.dedup_at_first_crash.is_none() {
            lives.dedup_at_first_crash = Some(dedup_count(receivers));
        }
        let platform = lives.current.clone();
        let attempts_loaded = lives.attempts_loaded;
        lives.dead.push(Dead {
            platform,
            at,
            settled,
            attempts_loaded,
        });
    }

    /// Starts a new platform from the store (or from nothing) and serves
    /// it at the old address.
    fn restart_platform(&self) {
        let n = self.restarts.fetch_add(1, Ordering::Relaxed) + 1;
        let mut config = self.config.clone();
        let started = match &self.data {
            Some((_, path)) => store::open(path, false).and_then(|opened| {
                if let Some(snapshot) = &opened.snapshot {
                    let (payments, deliveries) = snapshot.pending();
                    let mut lives = self.lock();
                    lives.settlements_resumed += payments as u64;
                    lives.deliveries_resumed += deliveries as u64;
                }
                if let Some(epoch) = opened.id_epoch() {
                    config.id_epoch = epoch;
                }
                Platform::with_store(self.clock, config, self.http.clone(), opened)
            }),
            None => {
                // Nothing survived, not even the id counters: a new epoch,
                // so the new platform never hands out an id the shop
                // already holds for another payment.
                config.id_epoch = IdEpoch::from_seed(self.config.seed.wrapping_add(n));
                Ok(Platform::new(self.clock, config, self.http.clone()))
            }
        };
        let platform = match started {
            Ok(platform) => platform,
            Err(e) => {
                self.lock().failure = Some(store_error(e).to_string());
                return;
            }
        };
        let loaded = platform.delivery_attempts().len() as u64 + platform.attempts_dropped();
        let workers = platform.spawn_workers(self.shutdown.clone());
        let mut lives = self.lock();
        lives.attempts_loaded = loaded;
        lives.router = Some(platform.router());
        lives.current = platform;
        lives.workers = workers;
        drop(lives);
        self.down.store(false, Ordering::Relaxed);
    }

    /// Kills the shop: from now until its restart it answers nothing and
    /// sends nothing, and the records its receivers had not made are lost.
    fn crash_shop(&self, receivers: &[Arc<Receiver>]) {
        self.shop_down.store(true, Ordering::Relaxed);
        self.shop_crashes.fetch_add(1, Ordering::Relaxed);
        end_life(&self.shop_died);
        let lost: Vec<OrderId> = receivers.iter().flat_map(|r| r.crash()).collect();
        self.lock().acked_unrecorded.extend(lost);
    }

    /// Settles what is due on the current platform as the run stops, so
    /// that nothing due is left pending, unless that platform is dead (it
    /// crashed, and its restart is not yet due or failed): a dead process
    /// settles nothing, announces nothing and writes nothing to its store.
    pub(crate) fn settle_due_at_end(&self) {
        let lives = self.lock();
        if !self.down.load(Ordering::Relaxed) {
            lives.current.settle_due();
        }
    }

    /// Whether the strategy's platform lives through crash faults (served
    /// behind the [`Switch`], on the run's own threads).
    pub(crate) fn restarts(&self) -> bool {
        self.plan
            .as_ref()
            .is_some_and(|p| !p.platform.is_empty() || !p.shop.is_empty())
    }

    /// The store error of a restart, if one failed.
    pub(crate) fn failure(&self) -> Option<HarnessError> {
        self.lock().failure.clone().map(HarnessError::Unsupported)
    }

    /// What the run's report reads of the platforms, dead and alive.
    pub(crate) fn log(&self) -> Option<CrashLog<'_>> {
        self.plan.as_ref()?;
        Some(CrashLog { life: self })
    }
}

fn store_error(e: store::StoreError) -> HarnessError {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    HarnessError::Unsupported(format!("the platform's SQLite store: {text}"))
}

/// The platform's address through its crashes: each request goes to the
/// platform serving now; one already inside a platform when it dies ends
/// as a dead server's would.
#[derive(Clone)]
struct Switch {
    life: Arc<PlatformLife>,
}

impl Switch {
    fn router(self) -> axum::Router {
        axum::Router::new().fallback(forward).with_state(self)
    }
}

/// A life's end: what a request started in it waits on.
type Life = Mutex<(hooklab_core::shutdown::ShutdownTrigger, Shutdown)>;

/// The signal that ends the current life.
fn this_life(life: &Life) -> Shutdown {
    life.lock().unwrap_or_else(|p| p.into_inner()).1.clone()
}

/// Ends the current life (its waiters wake in the order they began to
/// wait) and starts the next.
fn end_life(life: &Life) {
    let (ended, _) = std::mem::replace(
        &mut *life.lock().unwrap_or_else(|p| p.into_inner()),
        hooklab_core::shutdown::channel(),
    );
    ended.trigger();
}

async fn forward(
    axum::extract::State(switch): axum::extract::State<Switch>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use tower::ServiceExt;
    let mut died = this_life(&switch.life.died);
    let router = switch.life.lock().router.clone();
    let gone = || {
        let error = hooklab_core::wire::ErrorBody::new(
            "unavailable",
            "the platform died while answering (injected crash)",
        );
        (http::StatusCode::SERVICE_UNAVAILABLE, axum::Json(error)).into_response()
    };
    let Some(router) = router else {
        return gone();
    };
    tokio::select! {
        biased;
        () = died.wait() => gone(),
        answer = router.oneshot(request) => answer.into_response(),
    }
}

/// The shop's client link while a crash fault runs: nothing gets through
/// while the platform is down (its port is closed) or the shop is (it sends
/// nothing).
struct DownLink {
    inner: Arc<dyn HttpClient>,
    life: Arc<PlatformLife>,
}

impl DownLink {
    /// Why `request` fails at once, if the shop or the platform is down.
    fn refusal(&self, request: &http::Request<bytes::Bytes>) -> Option<TransportError> {
        // A dead shop sends nothing: its requests fail without being
        // counted anywhere. A live shop's request to a dead platform was
        // sent, and its port refused it: that one is counted.
        let why = if self.life.shop_down.load(Ordering::Relaxed) {
            "the shop is down (injected crash)"
        } else if self.life.down.load(Ordering::Relaxed) {
            self.life.refused.fetch_add(1, Ordering::Relaxed);
            if request.method() == http::Method::GET {
                self.life.refused_reads.fetch_add(1, Ordering::Relaxed);
            }
            "connection refused (the platform is down: injected crash)"
        } else {
            return None;
        };
        Some(TransportError::Connect(why.into()))
    }
}

impl HttpClient for DownLink {
    fn send(&self, request: http::Request<bytes::Bytes>) -> SendFuture {
        if let Some(refused) = self.refusal(&request) {
            return Box::pin(async move { Err(refused) });
        }
        self.inner.send(request)
    }

    /// The body as it arrives (without this, the trait's default would
    /// read a stream's whole body, which ends only with the run), cut when
    /// either side dies: a dead process's connections break.
    fn open(&self, request: http::Request<bytes::Bytes>) -> OpenFuture {
        if let Some(refused) = self.refusal(&request) {
            return Box::pin(async move { Err(refused) });
        }
        // Subscribed before the request leaves, so a crash while it is
        // under way cuts its body too.
        let platform_died = this_life(&self.life.died);
        let shop_died = this_life(&self.life.shop_died);
        let opened = self.inner.open(request);
        Box::pin(async move {
            let (parts, body) = opened.await?.into_parts();
            let body: Box<dyn Chunks> = Box::new(CutAtCrash {
                body: Some(body),
                platform_died,
                shop_died,
            });
            Ok(http::Response::from_parts(parts, body))
        })
    }
}

/// A response body read through a [`DownLink`]: it breaks when the
/// platform or the shop dies, as a connection to or from a killed process
/// does (a stream held in a dead platform would otherwise stay open and
/// silent, and the shop would never reconnect).
struct CutAtCrash {
    /// `None` once cut or ended.
    body: Option<Box<dyn Chunks>>,
    platform_died: Shutdown,
    shop_died: Shutdown,
}

impl Chunks for CutAtCrash {
    fn next_chunk(&mut self) -> ChunkFuture<'_> {
        Box::pin(async move {
            let body = self.body.as_mut()?;
            // Biased: a chunk and a crash at the same instant, the crash
            // wins (the process is gone before it could read it).
            let cut = tokio::select! {
                biased;
                () = self.platform_died.wait() => "the platform died (injected crash)",
                () = self.shop_died.wait() => "the shop died (injected crash)",
                chunk = body.next_chunk() => {
                    if chunk.is_none() {
                        self.body = None;
                    }
                    return chunk;
                }
            };
            self.body = None;
            Some(Err(TransportError::Broken(cut.into())))
        })
    }
}

#[cfg(test)]
mod tests;
