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
//! prints, beside them, what the transport alone delivers to the same sink
//! with a bounded number of requests in flight.

use crate::common::{self, API_KEY, Result, bind, create, expect_status, spawn_app};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::routing::post;
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::shutdown;
use hooklab_shop::receiver::WEBHOOK_PATH;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A fast webhook receiver: answers 200 at once and remembers each
/// `webhook-id`, so lost and doubled deliveries can be counted.
#[derive(Default)]
struct CountingSink {
    total: AtomicU64,
    /// Distinct event ids seen; guarded by a std mutex held for one insert.
    ids: Mutex<HashSet<String>>,
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
}

async fn sink_receive(
    State(sink): State<Arc<CountingSink>>,
    headers: http::HeaderMap,
) -> &'static str {
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    sink.ids().insert(id);
    sink.total.fetch_add(1, Ordering::Relaxed);
    "{\"received\":true}"
}

/// `dispatch`: the burst, the end-to-end run and the transport's ceiling.
pub fn dispatch(orders: u64, per_s: u64) -> Result<()> {
    dispatch_burst(orders, false)?;
    dispatch_e2e(orders, per_s)?;
    transport_ceiling(orders, 64)
}

/// What the dispatcher's transport (`RealHttp`) delivers to the same sink
/// when at most `concurrency` requests are in flight, so connections are
/// reused: the rate a dispatcher with a bounded worker pool could reach.
fn transport_ceiling(orders: u64, concurrency: u64) -> Result<()> {
    common::multi_thread()?.block_on(async {
        let (trigger, stopped) = shutdown::channel();
        let sink = Arc::new(CountingSink::default());
        let (listener, sink_url) = bind().await?;
        let server = spawn_app(listener, sink.router(), stopped);
        let http = common::real_http();
        let next = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (http, next, url) = (http.clone(), next.clone(), sink_url.clone());
                tokio::spawn(async move {
                    let mut failed = 0u64;
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= orders {
                            return Ok::<_, http::Error>(failed);
                        }
                        let request = http::Request::post(format!("{url}{WEBHOOK_PATH}"))
                            .header("content-type", "application/json")
                            .header("webhook-id", format!("evt_{n:06}"))
                            .body(Bytes::from_static(br#"{"type":"payment.approved"}"#))?;
                        match http.send(request).await {
                            Ok(r) if r.status().is_success() => {}
                            _ => failed += 1,
                        }
                    }
                })
            })
            .collect();
        let mut failed = 0;
        for w in workers {
            failed += w.await??;
        }
        let elapsed = started.elapsed();
        trigger.trigger();
        let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        let distinct = sink.ids().len() as u64;
        println!(
            "transport_ceiling orders={orders} concurrency={concurrency} failed={failed} \
             distinct={distinct} window_ms={:.1} deliveries_per_s={:.0}",
            elapsed.as_secs_f64() * 1_000.0,
            distinct as f64 / elapsed.as_secs_f64(),
        );
        Ok(())
    })
}

/// `burst`: see the module docs.
pub fn dispatch_burst(orders: u64, durable: bool) -> Result<()> {
    // Removed (with the database) when the burst is over.
    let data = tempfile::tempdir()?;
    common::multi_thread()?.block_on(async {
        let clock = Clock::starting_now(Clock::system_unix_us()).precise();
        let (trigger, stopped) = shutdown::channel();
        let sink = Arc::new(CountingSink::default());
        let (listener, sink_url) = bind().await?;
        let sink_server = spawn_app(listener, sink.router(), stopped.clone());

        let platform = if durable {
            let opened = hooklab_platform::store::open(&data.path().join("burst.sqlite"), false)?;
            common::platform_with_store(clock, Dur::from_secs(86_400), opened)?
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
        let settle_at = clock.now().plus(Dur::from_ms(500 + orders / 20));
        for n in 1..=orders {
            let left = Dur(settle_at.0.saturating_sub(clock.now().0));
            create(&router, n, Some(left)).await?;
        }
        let created_by = clock.now();

        let deadline = Instant::now() + Duration::from_secs(60);
        while sink.total.load(Ordering::Relaxed) < orders && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
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
             distinct={distinct} lost={} doubled={} failure_kinds={} window_ms={:.1} \
             first_attempt_after_ms={:.1} deliveries_per_s={:.0} \
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
            window.as_ms_f64(),
            lead.as_ms_f64(),
            distinct as f64 / (window.as_ms_f64() / 1_000.0).max(1e-9),
            created_by < settle_at,
        );
        Ok(())
    })
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
