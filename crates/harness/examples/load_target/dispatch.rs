//! `dispatch` and `burst`: the dispatcher's deliveries per second, two ways.
//!
//! - `dispatch_burst`: N payments (created through the router, no socket)
//!   all settle at the same instant and the dispatcher delivers them over
//!   loopback to a fast receiver that counts distinct `webhook-id`s; the rate
//!   is N over (last delivery's end - settlement instant).
//! - `dispatch_e2e`: a webhook-only `run_scenario` of N orders arriving at R
//!   per second, settling 1 ms after creation; the rate is webhook attempts
//!   over the run's duration (creations included).
//!
//! - `dispatch_burst` with `durable`: the same burst from a platform whose
//!   books are in an SQLite file (settlements commit their outbox rows,
//!   attempts commit in batches), printed as `durable_burst`.
//!
//! Both check that no delivery was lost or doubled. `transport_ceiling`
//! (also its own subcommand, `ceiling`) prints, beside them, what the
//! transport alone delivers to the same sink with the dispatcher's messages
//! and its cap on requests in flight: the ceiling the burst is judged
//! against.
//!
//! Beside its rate each line prints the process's CPU time per delivery
//! over its window (`cpu_us_per_delivery`, every thread: the sink, the
//! client, and for a burst the settlement and the dispatcher) and how many
//! cores that kept busy on average (`cores_busy`): on a shared machine the
//! rates move with what else runs, while the CPU a delivery costs moves
//! much less, so the two lines' CPU figures say what the dispatcher adds
//! even when the rates are noisy.

use crate::common::{self, API_KEY, Result, bind, create, expect_status};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::routing::post;
use axum::serve::ListenerExt;
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::ids::{EventId, OrderId, PaymentId};
use hooklab_core::rng::SeededRng;
use hooklab_core::shutdown;
use hooklab_core::signature::WebhookSecret;
use hooklab_core::wire::{Event, EventType, Payment, PaymentStatus};
use hooklab_platform::dispatch::MAX_IN_FLIGHT_PER_ENDPOINT;
use hooklab_platform::dispatch::request::{TimestampHeader, WebhookBody, webhook_request};
use hooklab_shop::receiver::WEBHOOK_PATH;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What all of this process's threads have used so far, from each
/// thread's `/proc/self/task/<tid>/schedstat`: nanoseconds on a CPU,
/// nanoseconds runnable but waiting for one, and times scheduled in.
/// `None` where the kernel does not say (not Linux). Read from `/proc`
/// rather than with `clock_gettime`: rustix's clock reader finds the vDSO by
/// reading memory that valgrind does not map, and the burst must stay
/// profilable under callgrind (`burst --unbounded`).
#[derive(Clone, Copy, Debug, Default)]
struct Sched {
    on_cpu: Duration,
    waiting: Duration,
    switches: u64,
}

fn process_cpu() -> Option<Sched> {
    let mut total = Sched::default();
    let mut threads = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        // A thread that ended meanwhile has no file left: it is skipped.
        let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().ok());
        let (Some(Some(on)), Some(Some(wait)), Some(Some(runs))) =
            (fields.next(), fields.next(), fields.next())
        else {
            return None;
        };
        total.on_cpu += Duration::from_nanos(on);
        total.waiting += Duration::from_nanos(wait);
        total.switches += runs;
        threads += 1;
    }
    (threads > 0).then_some(total)
}

/// `cpu_us_per_delivery=C cores_busy=B switches_per_delivery=S
/// cpu_wait_share=W`: the CPU time used between `before` and `after` (see
/// [`process_cpu`]) per delivery and as a share of `window`; how often a
/// thread was scheduled in per delivery (a thread that parks and is woken
/// again costs two context switches); and the time threads spent ready but
/// waiting for a CPU, as a share of the window (what other programs on the
/// machine took from this one). `?` for each when it could not be read.
fn cpu_shape(
    before: Option<Sched>,
    after: Option<Sched>,
    deliveries: u64,
    window: Duration,
) -> String {
    match (before, after) {
        (Some(b), Some(a)) => {
            let used = a.on_cpu.saturating_sub(b.on_cpu).as_secs_f64();
            let waited = a.waiting.saturating_sub(b.waiting).as_secs_f64();
            let span = window.as_secs_f64().max(1e-9);
            format!(
                "cpu_us_per_delivery={:.2} cores_busy={:.2} switches_per_delivery={:.3} \
                 cpu_wait_share={:.2}",
                used * 1e6 / deliveries.max(1) as f64,
                used / span,
                a.switches.saturating_sub(b.switches) as f64 / deliveries.max(1) as f64,
                waited / span,
            )
        }
        _ => {
            "cpu_us_per_delivery=? cores_busy=? switches_per_delivery=? cpu_wait_share=?".to_owned()
        }
    }
}

/// A fast webhook receiver: answers 200 at once and remembers each
/// `webhook-id`, so lost and doubled deliveries can be counted. It also sums
/// the bodies' bytes and the headers it got, so the burst and the ceiling
/// can show that they sent the same messages.
#[derive(Default)]
struct CountingSink {
    total: AtomicU64,
    /// Body bytes received, over every request.
    body_bytes: AtomicU64,
    /// Header lines received, over every request.
    headers: AtomicU64,
    /// Distinct event ids seen; guarded by a std mutex held for one insert.
    ids: Mutex<HashSet<String>>,
    /// Connections accepted: the burst and the ceiling must spread their
    /// requests over the same number (at most the cap in flight).
    connections: AtomicU64,
}

impl CountingSink {
    /// The ids seen. A panic while holding the lock leaves the set whole (it
    /// is one insert), so a poisoned lock is taken over.
    fn ids(&self) -> MutexGuard<'_, HashSet<String>> {
        self.ids.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The sink as an app on `WEBHOOK_PATH`.
    fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route(WEBHOOK_PATH, post(sink_receive))
            .with_state(self.clone())
    }

    /// Serves the sink on `listener` until `shutdown`, counting the
    /// connections it accepts.
    fn serve(
        self: &Arc<Self>,
        listener: tokio::net::TcpListener,
        mut shutdown: shutdown::Shutdown,
    ) -> tokio::task::JoinHandle<std::io::Result<()>> {
        let counter = self.clone();
        let listener = listener.tap_io(move |_| {
            counter.connections.fetch_add(1, Ordering::Relaxed);
        });
        let router = self.router();
        tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move { shutdown.wait().await })
                .await
        })
    }

    /// `body_bytes=B headers=H connections=C`: the mean body and header
    /// count of what it received, and over how many connections.
    fn message_shape(&self) -> String {
        let n = self.total.load(Ordering::Relaxed).max(1) as f64;
        format!(
            "body_bytes={:.0} headers={:.1} connections={}",
            self.body_bytes.load(Ordering::Relaxed) as f64 / n,
            self.headers.load(Ordering::Relaxed) as f64 / n,
            self.connections.load(Ordering::Relaxed),
        )
    }
}

async fn sink_receive(
    State(sink): State<Arc<CountingSink>>,
    headers: http::HeaderMap,
    body: Bytes,
) -> &'static str {
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    sink.ids().insert(id);
    sink.body_bytes
        .fetch_add(body.len() as u64, Ordering::Relaxed);
    sink.headers
        .fetch_add(headers.len() as u64, Ordering::Relaxed);
    sink.total.fetch_add(1, Ordering::Relaxed);
    "{\"received\":true}"
}

/// `dispatch`: the burst, the end-to-end run and the transport's ceiling.
pub fn dispatch(orders: u64, per_s: u64) -> Result<()> {
    dispatch_burst(orders, false, false)?;
    dispatch_e2e(orders, per_s)?;
    transport_ceiling(orders)
}

/// What the dispatcher's transport (`RealHttp`) delivers to the same sink
/// with the dispatcher's own messages and the dispatcher's cap on requests
/// in flight ([`MAX_IN_FLIGHT_PER_ENDPOINT`] workers over reused
/// connections): the rate a dispatcher whose own work cost nothing would
/// reach, so the burst can be judged as a share of it.
///
/// The messages are the burst's: the same event JSON (`Event` of a payment
/// of 4,990 BRL approved, the platform's id spellings, RFC 3339 times), the
/// same five headers (`content-type`, `user-agent`, `webhook-id`,
/// `webhook-timestamp`, `webhook-signature` with one `v1,` signature) and
/// the same 64 KiB cap on the answer. They are rendered and signed before
/// the clock starts: the window holds only what the transport does, and
/// rendering and signing stay the dispatcher's cost, as they are in a
/// burst. Each request is assembled in the window, by the dispatcher's own
/// [`webhook_request`] with a timestamp header kept per worker, so both
/// put the same bytes on the wire at the same cost. Both lines print the sink's mean body size and header count, so a
/// difference in shape shows.
pub fn transport_ceiling(orders: u64) -> Result<()> {
    let concurrency = MAX_IN_FLIGHT_PER_ENDPOINT as u64;
    common::multi_thread()?.block_on(async {
        let (trigger, stopped) = shutdown::channel();
        let sink = Arc::new(CountingSink::default());
        let (listener, sink_url) = bind().await?;
        let server = sink.serve(listener, stopped);
        let http = common::real_http();
        let uri: http::Uri = format!("{sink_url}{WEBHOOK_PATH}")
            .parse()
            .map_err(http::Error::from)?;
        let messages = Arc::new(signed_events(orders)?);
        let next = Arc::new(AtomicU64::new(0));
        let cpu_before = process_cpu();
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (http, next, uri) = (http.clone(), next.clone(), uri.clone());
                let messages = messages.clone();
                tokio::spawn(async move {
                    let mut failed = 0u64;
                    // Each worker keeps its timestamp header, as a
                    // dispatcher's worker does.
                    let mut timestamp = TimestampHeader::default();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed) as usize;
                        let Some(m) = messages.get(n) else {
                            return failed;
                        };
                        // Built as the dispatcher builds each attempt's.
                        let request = webhook_request(
                            &uri,
                            &m.body,
                            timestamp.at(m.timestamp),
                            m.signature.clone(),
                        );
                        let sent = match request {
                            Some(request) => http.send(request).await,
                            None => {
                                failed += 1;
                                continue;
                            }
                        };
                        match sent {
                            Ok(r) if r.status().is_success() => {}
                            _ => failed += 1,
                        }
                    }
                })
            })
            .collect();
        let mut failed = 0;
        for w in workers {
            failed += w.await?;
        }
        let elapsed = started.elapsed();
        let cpu = cpu_shape(cpu_before, process_cpu(), orders, elapsed);
        trigger.trigger();
        let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        let distinct = sink.ids().len() as u64;
        println!(
            "transport_ceiling orders={orders} concurrency={concurrency} failed={failed} \
             distinct={distinct} {} window_ms={:.1} deliveries_per_s={:.0} {cpu}",
            sink.message_shape(),
            elapsed.as_secs_f64() * 1_000.0,
            distinct as f64 / elapsed.as_secs_f64(),
        );
        Ok(())
    })
}

/// One ready delivery of the ceiling: what the dispatcher would send.
struct SignedEvent {
    /// The event's JSON and its `webhook-id`, as the dispatcher makes them.
    body: WebhookBody,
    /// The unix second it is signed at.
    timestamp: i64,
    /// Its `webhook-signature`.
    signature: http::HeaderValue,
}

/// `orders` approvals, rendered as the platform renders an event (the
/// bytes of `serde_json` of `Event`) and signed as the dispatcher signs
/// them.
fn signed_events(orders: u64) -> Result<Vec<SignedEvent>> {
    let clock = Clock::starting_now(Clock::system_unix_us());
    let secret = WebhookSecret::generate(&mut SeededRng::stream(7, "ceiling-secret"));
    let now = clock.now();
    let (timestamp, at) = (clock.unix_secs(now), clock.rfc3339(now));
    (1..=orders)
        .map(|n| {
            let event = Event {
                id: EventId::numbered(n),
                kind: EventType::PaymentApproved,
                created_at: at.clone(),
                data: Payment {
                    id: PaymentId::numbered(n),
                    order_id: OrderId::numbered(n),
                    amount_cents: 4_990,
                    currency: "BRL".to_owned(),
                    status: PaymentStatus::Approved,
                    created_at: at.clone(),
                    settled_at: Some(at.clone()),
                },
            };
            let body = WebhookBody::of_event(&event)?;
            let signature = secret.sign(event.id.as_str(), timestamp, body.json());
            Ok(SignedEvent {
                body,
                timestamp,
                signature: http::HeaderValue::try_from(signature).map_err(http::Error::from)?,
            })
        })
        .collect()
}

/// `burst`: see the module docs. `unbounded`: for a profile under
/// callgrind (some 50 times slower), where the burst's wall-clock bounds
/// would fire and measure timeouts instead of deliveries: the settlement
/// instant leaves 5 ms per creation instead of 0.05, the delivery timeout is
/// 10 minutes and the wait for the last delivery 30.
pub fn dispatch_burst(orders: u64, durable: bool, unbounded: bool) -> Result<()> {
    // Removed (with the database) when the burst is over.
    let data = tempfile::tempdir()?;
    common::multi_thread()?.block_on(async {
        let clock = Clock::starting_now(Clock::system_unix_us()).precise();
        let (trigger, stopped) = shutdown::channel();
        let sink = Arc::new(CountingSink::default());
        let (listener, sink_url) = bind().await?;
        let sink_server = sink.serve(listener, stopped.clone());

        let platform = if durable {
            let opened = hooklab_platform::store::open(&data.path().join("burst.sqlite"), false)?;
            common::platform_with_store(clock, Dur::from_secs(86_400), opened, unbounded)?
        } else if unbounded {
            common::platform_unbounded(clock, Dur::from_secs(86_400))
        } else {
            common::platform(clock, Dur::from_secs(86_400))
        };
        let router = platform.router();
        let register = http::Request::post("/v1/webhook_endpoints")
            .header("content-type", "application/json")
            .header(http::header::AUTHORIZATION, format!("Bearer {API_KEY}"))
            .body(Body::from(format!(
                r#"{{"url":"{sink_url}{WEBHOOK_PATH}"}}"#
            )))?;
        expect_status(&router, register, 201).await?;
        let workers = platform.spawn_workers(stopped.clone());

        // Every payment settles at the same instant, well after the last
        // creation: a burst of N events for the dispatcher.
        let per_creation_us = if unbounded { 5_000 } else { 50 };
        let settle_at = clock.now().plus(Dur(500_000 + orders * per_creation_us));
        for n in 1..=orders {
            let left = Dur(settle_at.0.saturating_sub(clock.now().0));
            create(&router, n, Some(left)).await?;
        }
        let created_by = clock.now();
        // The CPU the window uses, from here (the process idles until the
        // settlement instant) to the last delivery's arrival (seen within
        // 5 ms, idle too).
        let cpu_before = process_cpu();

        let deadline = Instant::now() + Duration::from_secs(if unbounded { 1_800 } else { 60 });
        while sink.total.load(Ordering::Relaxed) < orders && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let cpu_after = process_cpu();
        // Give a doubled delivery the chance to show up.
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.trigger();
        for handle in workers {
            let _ = tokio::time::timeout(Duration::from_secs(5), handle).await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), sink_server).await;

        let attempts = platform.delivery_attempts();
        let first_settle = platform
            .settlements()
            .iter()
            .map(|s| s.settled_at)
            .min()
            .unwrap_or(settle_at);
        let last_end = attempts
            .iter()
            .map(|a| a.started_at.plus(a.duration))
            .max()
            .unwrap_or(first_settle);
        let window = last_end.since(first_settle);
        // How much of the window went by before the first attempt left:
        // settling the burst and queueing its events.
        let first_start = attempts
            .iter()
            .map(|a| a.started_at)
            .min()
            .unwrap_or(first_settle);
        let lead = first_start.since(first_settle);
        let (in_flight_mean, starved) = in_flight(&attempts, first_settle, window);
        let succeeded = attempts.iter().filter(|a| a.result.is_success()).count() as u64;
        let mut failures: Vec<String> = attempts
            .iter()
            .filter(|a| !a.result.is_success())
            .map(|a| a.result.describe())
            .collect();
        failures.sort();
        failures.dedup();
        let distinct = sink.ids().len() as u64;
        let received = sink.total.load(Ordering::Relaxed);
        let ok = distinct == orders && received == orders && succeeded == orders;
        println!(
            "{} orders={orders} attempts={} succeeded={succeeded} received={received} \
             distinct={distinct} lost={} doubled={} failure_kinds={} {} window_ms={:.1} \
             first_attempt_after_ms={:.1} in_flight_mean={in_flight_mean:.1} \
             below_half_cap_share={starved:.2} deliveries_per_s={:.0} {} \
             creations_done_before_settle={} ok={ok}",
            if durable {
                "durable_burst"
            } else {
                "dispatch_burst"
            },
            attempts.len(),
            orders.saturating_sub(distinct),
            received.saturating_sub(distinct),
            if failures.is_empty() {
                "none".to_owned()
            } else {
                failures.join(",").replace(' ', "_")
            },
            sink.message_shape(),
            window.as_ms_f64(),
            lead.as_ms_f64(),
            distinct as f64 / (window.as_ms_f64() / 1_000.0).max(1e-9),
            cpu_shape(
                cpu_before,
                cpu_after,
                orders,
                Duration::from_micros(window.as_us())
            ),
            created_by < settle_at,
        );
        Ok(())
    })
}

/// How many attempts were on the wire on average over `window` (from
/// `from`), and the share of the window during which fewer than half of
/// [`MAX_IN_FLIGHT_PER_ENDPOINT`] were: a burst whose lane ran dry (its
/// workers waiting for the settlement and the dispatcher to hand them
/// events) keeps the transport below the ceiling's concurrency, whatever
/// each request costs.
fn in_flight(
    attempts: &[hooklab_platform::dispatch::DeliveryAttempt],
    from: hooklab_core::clock::Micros,
    window: Dur,
) -> (f64, f64) {
    let span = window.as_us().max(1) as f64;
    let busy: u64 = attempts.iter().map(|a| a.duration.as_us()).sum();
    // +1 at each start, -1 at each end, in time order (ends first at a tie).
    let mut steps: Vec<(u64, i64)> = attempts
        .iter()
        .flat_map(|a| [(a.started_at.0, 1), (a.started_at.plus(a.duration).0, -1)])
        .collect();
    steps.sort_unstable_by_key(|&(at, d)| (at, d));
    let half = (MAX_IN_FLIGHT_PER_ENDPOINT / 2) as i64;
    let (mut level, mut last, mut low) = (0i64, from.0, 0u64);
    for (at, d) in steps {
        let at = at.max(from.0);
        if level < half {
            low += at - last.min(at);
        }
        last = last.max(at);
        level += d;
    }
    (busy as f64 / span, low as f64 / span)
}

/// The end-to-end rate: see the module docs.
fn dispatch_e2e(orders: u64, per_s: u64) -> Result<()> {
    let text = format!(
        r#"name = "dispatch-e2e"
seed = 11

[workload]
orders = {orders}
arrival = {{ dist = "poisson", per_s = {per_s} }}
settle = {{ dist = "fixed", ms = 1 }}

[run]
grace_ms = 10000

[[strategy]]
name = "webhook"
kind = "webhook"
"#
    );
    let r = common::run(&text)?;
    let attempts = r.requests.webhook_attempts;
    let ok = r.notified == r.orders && r.duplicates == 0 && attempts == r.orders && r.counts_agree;
    println!(
        "dispatch_e2e orders={} notified={} missed={} duplicates={} webhook_attempts={attempts} \
         creates={} run_ms={} deliveries_per_s={:.0} counts_agree={} ok={ok}",
        r.orders,
        r.notified,
        r.missed,
        r.duplicates,
        r.requests.payment_creates,
        r.run_ms,
        attempts as f64 / (r.run_ms / 1_000.0).max(1e-9),
        r.counts_agree,
    );
    if let Some(m) = r.missed_orders.first() {
        println!(
            "dispatch_e2e_first_missed order={} reason={:?}",
            m.order_id, m.reason
        );
    }
    Ok(())
}
