//! # hooklab-shop: the e-commerce client
//!
//! The shop sells, pays each order through the payment platform, and must find
//! out how each payment ended. How it finds out is its *strategy*, the subject
//! of hooklab:
//!
//! - [`poll`]: ask the platform about each pending payment every interval;
//! - [`receiver`]: register a webhook endpoint and let the platform call it;
//! - between the two: [`conditional`] (polls answered `304` while nothing
//!   changed), [`backoff`] (polls that thin out), [`long_poll`] (requests the
//!   platform holds until there is news) and [`stream`] (one Server-Sent
//!   Events connection per merchant); [`pull`] is their side of the API.
//!
//! Whatever the strategy, the outcome lands in the [`orders::OrderBook`],
//! whose update is idempotent: a second notice of a final payment changes
//! nothing and is counted as a duplicate; an order that ends missed carries
//! a [`missed::MissedReason`] (a stable code, and its sentence in English and
//! Portuguese). [`client`] is the shop's side of the
//! platform's API, counting every request it sends. [`inbox`] is an optional
//! SQLite file that keeps the processed delivery ids across restarts.
//!
//! The shop never imports the platform: they meet only over HTTP.

pub mod backoff;
pub mod client;
mod compact;
pub mod conditional;
pub mod creation;
pub mod inbox;
pub mod long_poll;
pub mod missed;
pub mod orders;
pub mod poll;
pub mod pull;
pub mod receiver;
pub mod resume;
pub mod stream;

use client::{ClientError, PlatformClient};
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::events::EventSink;
use hooklab_core::scenario::StrategySpec;
use hooklab_core::shutdown::Shutdown;
use hooklab_core::signature::WebhookSecret;
use hooklab_core::wire::{CreatePayment, WebhookEndpoint};
use hooklab_core::workload::OrderPlan;
use orders::{Channel, OrderBook};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::task::JoinSet;

/// The shop: an order book, a client of the platform, and a strategy.
#[derive(Clone)]
pub struct Shop {
    clock: Clock,
    book: Arc<OrderBook>,
    client: PlatformClient,
    strategy: StrategySpec,
    currency: String,
    shutdown: Shutdown,
    /// Every background task of the shop (pollers, checkouts in progress), so
    /// that a run can wait for them to stop and count nothing half-done. The
    /// std mutex is held only to add a task or take the set.
    tasks: Arc<Mutex<JoinSet<()>>>,
    /// What every order's poller shares (client, book, interval), built at
    /// the first order that needs one: a sleeping poller task then holds a
    /// pointer to it, not its own copy (it is one task per pending order).
    poller: OnceLock<Arc<poll::Poller>>,
    /// The same, for the per-payment strategies between polling and push.
    spectrum: OnceLock<PerPayment>,
    /// How long a payment's creation is retried (see [`creation`]).
    creation: creation::CreationRetry,
    /// Whether the platform has answered this shop (a creation or its
    /// endpoint's registration): the creation retry's long budget is for a
    /// platform that went away, not one never reached.
    reached: Arc<std::sync::atomic::AtomicBool>,
    /// Who is told that creations are being retried (a shop at a
    /// terminal); `None` says nothing.
    retry_notices: Option<Arc<creation::RetryNotices>>,
}

/// What every pending payment's task shares, for the strategies between
/// polling and push that run one task per payment.
#[derive(Clone)]
enum PerPayment {
    Conditional(Arc<conditional::ConditionalPoller>),
    Backoff(Arc<backoff::BackoffPoller>),
    LongPoll(Arc<long_poll::LongPoller>),
}

impl Shop {
    /// A shop that learns outcomes by `strategy`, talking to the platform
    /// through `client`. Background work (pollers) stops on `shutdown`.
    pub fn new(
        clock: Clock,
        client: PlatformClient,
        strategy: StrategySpec,
        currency: String,
        shutdown: Shutdown,
    ) -> Self {
        Shop {
            clock,
            book: Arc::new(OrderBook::new()),
            client,
            strategy,
            currency,
            shutdown,
            tasks: Arc::new(Mutex::new(JoinSet::new())),
            poller: OnceLock::new(),
            spectrum: OnceLock::new(),
            creation: creation::CreationRetry::SCENARIO,
            reached: Arc::default(),
            retry_notices: None,
        }
    }

    /// The same shop, saying to `notices` when a payment's creation is
    /// being retried under a long budget (a terminal's
    /// [`creation::CreationRetry::INTERACTIVE`]: minutes that would
    /// otherwise pass in silence).
    pub fn with_retry_notices(mut self, notices: Arc<creation::RetryNotices>) -> Self {
        self.retry_notices = Some(notices);
        self
    }

    /// The same shop, retrying each payment's creation by `policy` (the
    /// default is [`creation::CreationRetry::SCENARIO`]).
    pub fn with_creation_retry(mut self, policy: creation::CreationRetry) -> Self {
        self.creation = policy;
        self
    }

    /// Tells the shop the platform has answered it (a restarted shop that
    /// took back its endpoint, say): from now on a creation is retried for
    /// the long budget of its [`creation::CreationRetry`].
    pub fn platform_reached(&self) {
        self.reached
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Runs `task` in the background, tracked: [`Shop::stopped`] waits for it.
    pub fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        // Drop finished tasks so the set does not grow with the run.
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    /// Waits until every background task has ended (call after shutdown:
    /// pollers stop at their next tick; a request on the wire finishes first,
    /// so its answer is counted).
    pub async fn stopped(&self) {
        let mut tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        while tasks.join_next().await.is_some() {}
    }

    /// The same shop, announcing what it does and learns to `events`. Call
    /// before anything else (it starts a fresh order book).
    pub fn with_events(mut self, events: EventSink) -> Self {
        self.book = Arc::new(OrderBook::with_events(events.clone()));
        self.client = self.client.with_events(events);
        self.poller = OnceLock::new();
        self.spectrum = OnceLock::new();
        self
    }

    /// The same shop, recording into `book` (shared by several shops, say,
    /// one per merchant of a multi-tenant integration).
    pub fn with_book(mut self, book: Arc<OrderBook>) -> Self {
        self.book = book;
        self.poller = OnceLock::new();
        self.spectrum = OnceLock::new();
        self
    }

    /// The order book.
    pub fn book(&self) -> &Arc<OrderBook> {
        &self.book
    }

    /// The platform client (and its counts).
    pub fn client(&self) -> &PlatformClient {
        &self.client
    }

    /// Creates a payment, retrying a refusal the platform asks to retry (429,
    /// 503) or a request that got no answer, by the shop's
    /// [`creation::CreationRetry`]. Safe because every try carries the same
    /// `Idempotency-Key` (the order id): a retry of a creation that did
    /// happen returns the same payment, never a second one.
    async fn create_with_retries(
        &self,
        request: &CreatePayment,
    ) -> Result<hooklab_core::wire::Payment, ClientError> {
        let policy = self
            .creation
            .for_contact(self.reached.load(std::sync::atomic::Ordering::Relaxed));
        let mut backoff = policy.first_wait;
        let mut tries = 0;
        let started = self.clock.now();
        loop {
            tries += 1;
            let err = match self
                .client
                .create_payment(request, request.order_id.as_str())
                .await
            {
                Ok(p) => {
                    self.reached
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                    return Ok(p);
                }
                Err(e) => e,
            };
            let asked = match &err {
                ClientError::Refused {
                    status: 429 | 503,
                    retry_after,
                    ..
                } => *retry_after,
                ClientError::Transport(_) => None,
                ClientError::TimedOut(_) if policy.retries_timeouts() => None,
                _ => return Err(err),
            };
            let now = self.clock.now();
            let Some(wait) = policy.next_wait(tries, backoff, asked, started, now) else {
                return Err(err);
            };
            // Said only under a long budget: the few quick tries before a
            // first answer end within seconds with their own line.
            let _retrying = match (&self.retry_notices, policy.budget) {
                (Some(notices), Some(budget)) => Some(notices.retrying(
                    creation::Retrying {
                        order: &request.order_id,
                        why: &err,
                        left: hooklab_core::duration::Dur(
                            budget.as_us().saturating_sub(now.since(started).as_us()),
                        ),
                        others: 0,
                    },
                    now,
                )),
                _ => None,
            };
            self.clock.sleep_until(now.plus(wait)).await;
            backoff = policy.grown(backoff);
        }
    }

    /// Starts the strategy's shop-wide background work, if it has any: the
    /// event-log poller of `poll_events`, the event-log long poller of
    /// `long_poll_events`, the stream reader of `stream`. Call once, before
    /// the first order.
    pub fn start(&self) {
        match &self.strategy {
            StrategySpec::LongPollEvents {
                wait_ms, page_size, ..
            } => {
                let poller = long_poll::EventLongPoller {
                    clock: self.clock,
                    client: self.client.clone(),
                    book: self.book.clone(),
                    wait: *wait_ms,
                    page_size: *page_size,
                };
                self.spawn(poller.run(self.shutdown.clone()));
            }
            StrategySpec::Stream { .. } => {
                let reader = stream::StreamReader {
                    clock: self.clock,
                    client: self.client.clone(),
                    book: self.book.clone(),
                };
                self.spawn(reader.run(self.shutdown.clone()));
            }
            _ => {}
        }
        if let StrategySpec::PollEvents {
            interval_ms,
            page_size,
            ..
        } = &self.strategy
        {
            let poller = poll::EventPoller {
                clock: self.clock,
                client: self.client.clone(),
                book: self.book.clone(),
                interval: *interval_ms,
                page_size: *page_size,
            };
            self.spawn(poller.run(self.clock.now(), self.shutdown.clone()));
        }
    }

    /// Registers `url` as this shop's webhook endpoint and has `receiver`
    /// trust the signing secret the platform hands back: from then on, the
    /// receiver accepts the platform's deliveries and nobody else's.
    pub async fn subscribe(
        &self,
        receiver: &receiver::Receiver,
        url: &str,
    ) -> Result<WebhookEndpoint, ClientError> {
        let endpoint = self.client.register_endpoint(url).await?;
        self.reached
            .store(true, std::sync::atomic::Ordering::Relaxed);
        receiver.trust(WebhookSecret::parse(&endpoint.secret)?);
        Ok(endpoint)
    }

    /// Checks out one order: creates its payment (with the order id as the
    /// `Idempotency-Key`, so a retried creation can never pay twice) and, if
    /// the strategy polls, starts polling it (in a task of its own).
    pub async fn place_order(&self, order: &OrderPlan) -> Result<(), ClientError> {
        if let Some(poller) = self.place(order).await? {
            self.spawn(poller);
        }
        Ok(())
    }

    /// [`Shop::place_order`] in the caller's task from start to end: a
    /// `poll` or `hybrid` order's poller runs here, once its payment is
    /// created, instead of in a task of its own. For a caller that already
    /// runs each checkout in a tracked task ([`Shop::spawn`], as the
    /// harness does): one task per polled order instead of two, which saves
    /// a task's allocation, its scheduling and its entry in the shop's set
    /// (`Shop::spawn` alone was 1.4 % of a poll-heavy run's instructions).
    /// The poller's first step (its first timer) comes a few scheduler
    /// turns earlier within the same instant. That changes the order in
    /// which same-instant requests reach the platform, which only a rate
    /// limit reads (who gets the bucket's last token): the harness keeps
    /// [`Shop::place_order`] for a rate-limited platform.
    pub async fn checkout(&self, order: &OrderPlan) -> Result<(), ClientError> {
        if let Some(poller) = self.place(order).await? {
            poller.await;
        }
        Ok(())
    }

    /// What [`Shop::place_order`] and [`Shop::checkout`] share: the
    /// payment's creation and, for the per-payment strategies between
    /// polling and push, their task; answers the poller still to run for a
    /// `poll` or `hybrid` order.
    async fn place(
        &self,
        order: &OrderPlan,
    ) -> Result<Option<impl std::future::Future<Output = ()> + Send + 'static>, ClientError> {
        let request = CreatePayment {
            order_id: order.order_id.clone(),
            amount_cents: order.amount_cents,
            currency: self.currency.clone(),
            simulate: None,
        };
        self.book.place(order.order_id.clone(), self.clock.now());
        let payment = match self.create_with_retries(&request).await {
            Ok(p) => p,
            // Its key made a payment the platform has since forgotten: the
            // order was placed (by an earlier start) and its payment is gone,
            // as a poll answered 410 says, so it ends unknown, not failed.
            Err(e) if e.is_creation_forgotten() => {
                self.book.abandoned(
                    order.order_id.clone(),
                    crate::missed::MissedReason::payment_gone(&e),
                );
                return Err(e);
            }
            Err(e) => {
                self.book.creation_failed(
                    order.order_id.clone(),
                    crate::missed::MissedReason::creation_failed(&e),
                );
                return Err(e);
            }
        };
        let created = self.clock.now();
        // When the answer arrived: with the platform's creation instant it
        // splits the creation's round trip into the model's two legs.
        self.book.attach_at(&payment, created);
        if payment.status.is_final() {
            self.book.record(
                &payment.order_id,
                payment.status,
                Channel::Creation,
                created,
            );
            return Ok(None);
        }
        if self.start_spectrum(&payment, created) {
            return Ok(None);
        }
        // Pollers: every interval for `poll`; for `hybrid`, a reconciliation
        // poller that starts late and stops as soon as a webhook tells.
        let schedule = match &self.strategy {
            StrategySpec::Poll { interval_ms, .. } => Some((created, *interval_ms, false)),
            StrategySpec::Hybrid {
                reconcile_after_ms,
                reconcile_every_ms,
                ..
            } => {
                // The poller's first poll is one interval after `start`; make
                // it land at creation + reconcile_after.
                let first = created.plus(*reconcile_after_ms);
                let start = Micros(first.0.saturating_sub(reconcile_every_ms.as_us()));
                Some((start, *reconcile_every_ms, true))
            }
            _ => None,
        };
        Ok(schedule.map(|(start, interval, reconcile)| {
            let poller = self.poller.get_or_init(|| {
                Arc::new(poll::Poller {
                    clock: self.clock,
                    client: self.client.clone(),
                    book: self.book.clone(),
                    interval,
                    reconcile,
                })
            });
            poller
                .clone()
                .run(payment.order_id, payment.id, start, self.shutdown.clone())
        }))
    }

    /// Starts the task of a per-payment strategy between polling and push
    /// (`conditional_poll`, `backoff_poll`, `long_poll`) for `payment`,
    /// whose creation answer arrived at `created`; `false` for any other
    /// strategy.
    fn start_spectrum(&self, payment: &hooklab_core::wire::Payment, created: Micros) -> bool {
        let shared = match &self.strategy {
            StrategySpec::ConditionalPoll { interval_ms, .. } => self.spectrum.get_or_init(|| {
                PerPayment::Conditional(Arc::new(conditional::ConditionalPoller {
                    clock: self.clock,
                    client: self.client.clone(),
                    book: self.book.clone(),
                    interval: *interval_ms,
                }))
            }),
            StrategySpec::BackoffPoll { schedule, .. } => self.spectrum.get_or_init(|| {
                PerPayment::Backoff(Arc::new(backoff::BackoffPoller {
                    clock: self.clock,
                    client: self.client.clone(),
                    book: self.book.clone(),
                    schedule: schedule.clone(),
                }))
            }),
            StrategySpec::LongPoll { wait_ms, .. } => self.spectrum.get_or_init(|| {
                PerPayment::LongPoll(Arc::new(long_poll::LongPoller {
                    clock: self.clock,
                    client: self.client.clone(),
                    book: self.book.clone(),
                    wait: *wait_ms,
                }))
            }),
            _ => return false,
        };
        let (order, id, stop) = (
            payment.order_id.clone(),
            payment.id.clone(),
            self.shutdown.clone(),
        );
        match shared.clone() {
            PerPayment::Conditional(p) => self.spawn(p.run(order, id, created, stop)),
            PerPayment::Backoff(p) => self.spawn(p.run(order, id, created, stop)),
            PerPayment::LongPoll(p) => self.spawn(p.run(order, id, stop)),
        }
        true
    }
}
