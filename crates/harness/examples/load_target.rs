//! The targets and in-process measurements of `scripts/load.sh`.
//!
//! hooklab's numbers are only as good as its platform and shop are fast: if
//! the platform chokes on polls, a polling scenario measures hooklab and not
//! polling. This binary gives the load script something to aim at and
//! measures what a load generator cannot see from outside. Subcommands:
//!
//! - `serve [--payments N] [--orders N] [--max-secs S] [--deliveries N]
//!   [--rounds R] [--threads T] [--dir PATH]`: serves, each on its own
//!   `127.0.0.1:0` socket, (1) the real platform router with N pending
//!   payments `pay_000001..` of one merchant, whose API key it prints as
//!   `api_key KEY` (they settle in a day, so every read is a "wasted poll"),
//!   (2) a bare axum app answering the same payment JSON from memory on the
//!   same route, and `{"received":true}` on the webhook path without reading
//!   the body, (3) the shop's webhook receiver with orders `ord_000001..`
//!   placed in its book, trusting one secret, and (4) a control app
//!   (`GET /stats`, `GET /stop`). Before serving it writes, for each round
//!   `r` and wrk thread `t`, `PATH/deliveries-r-t.http`: raw HTTP requests,
//!   separated by a NUL byte, each a Standard Webhooks delivery signed with
//!   the receiver's secret (a distinct `webhook-id`, a timestamp of now), so
//!   wrk's Lua can replay signed deliveries without computing an HMAC. It
//!   prints one `name value` line per server and file folder, then `ready`,
//!   and runs until `/stop` or `--max-secs`.
//! - `dispatch [--orders N] [--per-s R]`: the dispatcher's deliveries per
//!   second, two ways. `dispatch_burst`: N payments (created through the
//!   router, no socket) all settle at the same instant and the dispatcher
//!   delivers them over loopback to a fast receiver that counts distinct
//!   `webhook-id`s; the rate is N over (last delivery's end - settlement
//!   instant). `dispatch_e2e`: a webhook-only [`run_scenario`] of N orders
//!   arriving at R per second, settling 1 ms after creation; the rate is
//!   webhook attempts over the run's duration (creations included).
//!   Both check that no delivery was lost or doubled.
//! - `memory [--orders N]`: RSS growth per pending order: N pending payments
//!   in a platform, the same N orders in a shop's order book, and N sleeping
//!   pollers (what the poll strategy adds per order), from `VmRSS`.
//! - `latency [--orders N]`: real-mode webhook notification latency at low
//!   load (one order every 10 ms), from the run's histogram.
//!
//! Every line of results is `name key=value ...`, for the script to parse.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::routing::{get, post};
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::http::HttpClient;
use hooklab_core::ids::{EventId, MerchantId, OrderId, PaymentId};
use hooklab_core::report::StrategyReport;
use hooklab_core::rng::SeededRng;
use hooklab_core::scenario::Scenario;
use hooklab_core::shutdown::{self, Shutdown};
use hooklab_core::signature::WebhookSecret;
use hooklab_core::wire::{Event, EventType, Payment, PaymentStatus};
use hooklab_harness::run::Silent;
use hooklab_harness::transport::RealHttp;
use hooklab_harness::{RunOptions, run_scenario};
use hooklab_platform::{Merchant, Platform, PlatformConfig};
use hooklab_shop::client::PlatformClient;
use hooklab_shop::orders::OrderBook;
use hooklab_shop::poll::Poller;
use hooklab_shop::receiver::{self, Receiver, WEBHOOK_PATH};
use http_body_util::BodyExt;
use std::collections::HashSet;
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower::ServiceExt;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| v.parse().expect("flag values are whole numbers"))
            .unwrap_or(default)
    };
    match args.first().map(String::as_str) {
        Some("serve") => {
            let dir = args
                .iter()
                .position(|a| a == "--dir")
                .and_then(|i| args.get(i + 1))
                .map(std::path::PathBuf::from)
                .unwrap_or_else(std::env::temp_dir);
            serve(
                ServeLoad {
                    payments: flag("--payments", 10_000),
                    orders: flag("--orders", 10_000),
                    deliveries: flag("--deliveries", 150_000),
                    rounds: flag("--rounds", 2),
                    threads: flag("--threads", 2),
                    dir,
                },
                flag("--max-secs", 300),
            )
        }
        Some("dispatch") => dispatch(flag("--orders", 20_000), flag("--per-s", 100_000)),
        // The burst alone, to profile it (`perf record -g -- load_target burst`).
        Some("burst") => dispatch_burst(flag("--orders", 20_000)),
        Some("memory") => memory(flag("--orders", 100_000)),
        Some("latency") => latency(flag("--orders", 200)),
        _ => {
            eprintln!(
                "usage: load_target serve [--payments N] [--orders N] [--max-secs S] [--deliveries N] \
                 [--rounds R] [--threads T] [--dir PATH]\n       \
                 load_target dispatch [--orders N] [--per-s R]\n       \
                 load_target burst [--orders N]\n       \
                 load_target memory [--orders N]\n       \
                 load_target latency [--orders N]"
            );
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn real_http() -> Arc<dyn HttpClient> {
    RealHttp::new()
}

/// The one merchant's API key: every platform request carries it as
/// `Authorization: Bearer`.
const API_KEY: &str = "sk_test_load_target";

/// A platform whose payments (those it does not plan) settle after `settle`,
/// with one merchant whose key is [`API_KEY`].
fn platform(clock: Clock, settle: Dur) -> Platform {
    let config = PlatformConfig {
        default_settle: settle,
        merchants: vec![Merchant {
            id: MerchantId::numbered(1),
            api_key: API_KEY.to_owned(),
        }],
        ..PlatformConfig::default()
    };
    Platform::new(clock, config, real_http())
}

/// Sends one request through `router` without a socket; answers status and body.
async fn exchange(router: &Router, request: http::Request<Body>) -> (u16, Bytes) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.into_body().collect().await.unwrap().to_bytes(),
    )
}

/// Creates order `n`'s payment as the shop does (its order id as the key).
async fn create(router: &Router, n: u64, simulate: Option<Dur>) -> Bytes {
    let simulate = simulate
        .map(|d| format!(r#","simulate":{{"settle_after_ms":"{}us"}}"#, d.as_us()))
        .unwrap_or_default();
    let body =
        format!(r#"{{"order_id":"ord_{n:06}","amount_cents":4990,"currency":"BRL"{simulate}}}"#);
    let request = http::Request::post("/v1/payments")
        .header("content-type", "application/json")
        .header("idempotency-key", format!("ord_{n:06}"))
        .header(http::header::AUTHORIZATION, format!("Bearer {API_KEY}"))
        .body(Body::from(body))
        .unwrap();
    let (status, body) = exchange(router, request).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    body
}

async fn bind() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

fn spawn_server(
    listener: tokio::net::TcpListener,
    router: Router,
    mut shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move { shutdown.wait().await })
            .await;
    })
}

// ---------------------------------------------------------------- serve

/// What `serve` prepares: payments, orders, and the signed deliveries wrk
/// replays.
struct ServeLoad {
    /// Pending payments in the platform.
    payments: u64,
    /// Orders placed in the shop's book.
    orders: u64,
    /// Signed deliveries per round (split among the threads' files).
    deliveries: u64,
    /// Rounds of the comparison: each gets its own deliveries, so a later
    /// round never replays an earlier round's `webhook-id`s.
    rounds: u64,
    /// wrk threads: each reads its own file.
    threads: u64,
    /// Where the files go.
    dir: std::path::PathBuf,
}

/// Writes the signed deliveries of every round and thread (see the module
/// docs): delivery `k` of round `r` is event `evt_r{r}_{k}`, the approval of
/// order `ord_{k mod orders}`, so after the first pass over the book every
/// delivery is a new event about an order already known.
fn write_deliveries(load: &ServeLoad, secret: &WebhookSecret, clock: Clock) {
    let timestamp = clock.unix_secs(clock.now());
    let created_at = clock.rfc3339(clock.now());
    let threads = load.threads.max(1);
    for round in 1..=load.rounds.max(1) {
        for thread in 0..threads {
            let path = load.dir.join(format!("deliveries-{round}-{thread}.http"));
            let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
            for k in (thread..load.deliveries).step_by(threads as usize) {
                let n = k % load.orders.max(1) + 1;
                let id = EventId(format!("evt_r{round}_{k:07}"));
                let event = Event {
                    id: id.clone(),
                    kind: EventType::PaymentApproved,
                    created_at: created_at.clone(),
                    data: Payment {
                        id: PaymentId::numbered(n),
                        order_id: OrderId::numbered(n),
                        amount_cents: 4_990,
                        currency: "BRL".to_owned(),
                        status: PaymentStatus::Approved,
                        created_at: created_at.clone(),
                        settled_at: Some(created_at.clone()),
                    },
                };
                let body = serde_json::to_vec(&event).unwrap();
                let signature = secret.sign(id.as_str(), timestamp, &body);
                write!(
                    file,
                    "POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                     Content-Type: application/json\r\nContent-Length: {}\r\n\
                     webhook-id: {id}\r\nwebhook-timestamp: {timestamp}\r\n\
                     webhook-signature: {signature}\r\n\r\n",
                    body.len()
                )
                .unwrap();
                file.write_all(&body).unwrap();
                file.write_all(b"\0").unwrap();
            }
            file.flush().unwrap();
        }
    }
}

fn serve(load: ServeLoad, max_secs: u64) {
    multi_thread().block_on(async {
        let clock = Clock::starting_now(Clock::system_unix_us());
        let platform = platform(clock, Dur::from_secs(86_400));
        let platform_router = platform.router();
        for n in 1..=load.payments.max(1) {
            create(&platform_router, n, None).await;
        }
        let get_one = http::Request::get("/v1/payments/pay_000001")
            .header(http::header::AUTHORIZATION, format!("Bearer {API_KEY}"))
            .body(Body::empty())
            .unwrap();
        let (status, sample) = exchange(&platform_router, get_one).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&sample));

        let book = Arc::new(OrderBook::new());
        for n in 1..=load.orders.max(1) {
            book.place(OrderId::numbered(n), clock.now());
        }
        let shop_receiver = Receiver::new(clock, book);
        // The secret the platform would have handed out at registration.
        let secret = WebhookSecret::generate(&mut SeededRng::stream(7, "load-target-secret"));
        shop_receiver.trust(secret.clone());
        write_deliveries(&load, &secret, clock);

        let bare = Router::new()
            .route(
                "/v1/payments/{id}",
                get(move || {
                    let body = sample.clone();
                    async move { ([(http::header::CONTENT_TYPE, "application/json")], body) }
                }),
            )
            .route(
                WEBHOOK_PATH,
                post(|| async {
                    (
                        [(http::header::CONTENT_TYPE, "application/json")],
                        Bytes::from_static(br#"{"received":true}"#),
                    )
                }),
            );

        let (trigger, mut stopped) = shutdown::channel();
        let trigger = Arc::new(trigger);
        let stats = {
            let (platform, shop_receiver) = (platform.clone(), shop_receiver.clone());
            move || {
                let served = platform.served();
                let c = shop_receiver.counts();
                format!(
                    "{{\"platform_polls\":{},\"platform_polls_pending\":{},\"platform_rejected\":{},\
                     \"platform_unauthorized\":{},\"receiver_deliveries\":{},\"receiver_learned\":{},\
                     \"receiver_duplicates\":{},\"receiver_redeliveries\":{},\"receiver_ignored\":{},\
                     \"receiver_malformed\":{},\"receiver_rejected\":{}}}\n",
                    served.polls,
                    served.polls_pending,
                    served.rejected,
                    served.unauthorized,
                    c.deliveries.load(Ordering::Relaxed),
                    c.learned.load(Ordering::Relaxed),
                    c.duplicates.load(Ordering::Relaxed),
                    c.redeliveries.load(Ordering::Relaxed),
                    c.ignored.load(Ordering::Relaxed),
                    c.malformed.load(Ordering::Relaxed),
                    shop_receiver.rejected().values().sum::<u64>(),
                )
            }
        };
        let control = {
            let stats = stats.clone();
            let trigger = trigger.clone();
            Router::new()
                .route("/stats", get(move || std::future::ready(stats())))
                .route(
                    "/stop",
                    get(move || {
                        trigger.trigger();
                        std::future::ready("stopping\n")
                    }),
                )
        };

        let mut servers = Vec::new();
        let mut out = std::io::stdout().lock();
        writeln!(out, "api_key {API_KEY}").unwrap();
        writeln!(out, "deliveries {}", load.dir.display()).unwrap();
        for (name, router) in [
            ("platform", platform_router),
            ("bare", bare),
            ("receiver", receiver::router(shop_receiver.clone())),
            ("control", control),
        ] {
            let (listener, url) = bind().await;
            writeln!(out, "{name} {url}").unwrap();
            servers.push(spawn_server(listener, router, stopped.clone()));
        }
        writeln!(out, "ready").unwrap();
        out.flush().unwrap();
        drop(out);

        tokio::select! {
            _ = stopped.wait() => {}
            _ = tokio::time::sleep(Duration::from_secs(max_secs)) => trigger.trigger(),
        }
        for server in servers {
            let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        }
        print!("stats {}", stats());
    });
}

// ---------------------------------------------------------------- dispatch

/// A fast webhook receiver: answers 200 at once and remembers each
/// `webhook-id`, so lost and doubled deliveries can be counted.
#[derive(Default)]
struct CountingSink {
    total: AtomicU64,
    /// Distinct event ids seen; guarded by a std mutex held for one insert.
    ids: Mutex<HashSet<String>>,
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
    sink.ids.lock().unwrap().insert(id);
    sink.total.fetch_add(1, Ordering::Relaxed);
    "{\"received\":true}"
}

fn dispatch(orders: u64, per_s: u64) {
    dispatch_burst(orders);
    dispatch_e2e(orders, per_s);
    transport_ceiling(orders, 64);
}

/// What the dispatcher's transport ([`RealHttp`]) delivers to the same sink
/// when at most `concurrency` requests are in flight, so connections are
/// reused: the rate a dispatcher with a bounded worker pool could reach.
fn transport_ceiling(orders: u64, concurrency: u64) {
    multi_thread().block_on(async {
        let (trigger, stopped) = shutdown::channel();
        let sink = Arc::new(CountingSink::default());
        let (listener, sink_url) = bind().await;
        let server = spawn_server(
            listener,
            Router::new()
                .route(WEBHOOK_PATH, post(sink_receive))
                .with_state(sink.clone()),
            stopped,
        );
        let http = real_http();
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
                            return failed;
                        }
                        let request = http::Request::post(format!("{url}{WEBHOOK_PATH}"))
                            .header("content-type", "application/json")
                            .header("webhook-id", format!("evt_{n:06}"))
                            .body(Bytes::from_static(br#"{"type":"payment.approved"}"#))
                            .unwrap();
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
            failed += w.await.unwrap();
        }
        let elapsed = started.elapsed();
        trigger.trigger();
        let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        let distinct = sink.ids.lock().unwrap().len() as u64;
        println!(
            "transport_ceiling orders={orders} concurrency={concurrency} failed={failed} \
             distinct={distinct} window_ms={:.1} deliveries_per_s={:.0}",
            elapsed.as_secs_f64() * 1_000.0,
            distinct as f64 / elapsed.as_secs_f64(),
        );
    });
}

fn dispatch_burst(orders: u64) {
    multi_thread().block_on(async {
        let clock = Clock::starting_now(Clock::system_unix_us()).precise();
        let (trigger, stopped) = shutdown::channel();
        let sink = Arc::new(CountingSink::default());
        let (listener, sink_url) = bind().await;
        let sink_server = spawn_server(
            listener,
            Router::new()
                .route(WEBHOOK_PATH, post(sink_receive))
                .with_state(sink.clone()),
            stopped.clone(),
        );

        let platform = platform(clock, Dur::from_secs(86_400));
        let router = platform.router();
        let register = http::Request::post("/v1/webhook_endpoints")
            .header("content-type", "application/json")
            .header(http::header::AUTHORIZATION, format!("Bearer {API_KEY}"))
            .body(Body::from(format!(
                r#"{{"url":"{sink_url}{WEBHOOK_PATH}"}}"#
            )))
            .unwrap();
        assert_eq!(exchange(&router, register).await.0, 201);
        let workers = platform.spawn_workers(stopped.clone());

        // Every payment settles at the same instant, well after the last
        // creation: a burst of N events for the dispatcher.
        let settle_at = clock.now().plus(Dur::from_ms(500 + orders / 20));
        for n in 1..=orders {
            let left = Dur(settle_at.0.saturating_sub(clock.now().0));
            create(&router, n, Some(left)).await;
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
        let distinct = sink.ids.lock().unwrap().len() as u64;
        let received = sink.total.load(Ordering::Relaxed);
        let ok = distinct == orders && received == orders && succeeded == orders;
        println!(
            "dispatch_burst orders={orders} attempts={} succeeded={succeeded} received={received} \
             distinct={distinct} lost={} doubled={} failure_kinds={} window_ms={:.1} \
             first_attempt_after_ms={:.1} deliveries_per_s={:.0} \
             creations_done_before_settle={} ok={ok}",
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
    });
}

fn dispatch_e2e(orders: u64, per_s: u64) {
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
    let r = run(&text);
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
}

fn run(text: &str) -> StrategyReport {
    let scenario = Scenario::parse(text, "load_target").unwrap();
    let summary = run_scenario(&scenario, RunOptions::default(), &Silent).unwrap();
    summary.strategies.into_iter().next().unwrap()
}

// ---------------------------------------------------------------- memory

/// This process's resident set, in bytes, from `/proc/self/status`.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1_024
}

fn memory(orders: u64) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let clock = Clock::starting_now(Clock::system_unix_us());
        // Warm every lazy path (routing, formatting) on a throwaway platform.
        let warm = platform(clock, Dur::from_secs(86_400)).router();
        create(&warm, 1, None).await;
        let p = platform(clock, Dur::from_secs(86_400));
        let router = p.router();

        let before = rss_bytes();
        for n in 1..=orders {
            create(&router, n, None).await;
        }
        let after_platform = rss_bytes();

        let book = Arc::new(OrderBook::new());
        for n in 1..=orders {
            let order_id = OrderId::numbered(n);
            book.place(order_id.clone(), clock.now());
            book.attach(&Payment {
                id: PaymentId::numbered(n),
                order_id,
                amount_cents: 4_990,
                currency: "BRL".to_owned(),
                status: PaymentStatus::Pending,
                created_at: String::new(),
                settled_at: None,
            });
        }
        let after_book = rss_bytes();

        // The poll strategy adds one sleeping poller task per pending order,
        // tracked in a `JoinSet` as the shop tracks it (`Shop::spawn`).
        let (trigger, stopped) = shutdown::channel();
        let client = PlatformClient::new(real_http(), "http://127.0.0.1:9", clock);
        let mut pollers = tokio::task::JoinSet::new();
        let poller = Arc::new(Poller {
            clock,
            client: client.clone(),
            book: book.clone(),
            interval: Dur::from_secs(86_400),
            reconcile: false,
        });
        for n in 1..=orders {
            pollers.spawn(poller.clone().run(
                OrderId::numbered(n),
                PaymentId::numbered(n),
                clock.now(),
                stopped.clone(),
            ));
        }
        tokio::task::yield_now().await;
        let after_pollers = rss_bytes();
        trigger.trigger();
        while pollers.join_next().await.is_some() {}

        let per = |a: u64, b: u64| a.saturating_sub(b) as f64 / orders as f64;
        let platform_b = per(after_platform, before);
        let shop_b = per(after_book, after_platform);
        let poller_b = per(after_pollers, after_book);
        println!(
            "memory orders={orders} rss_before_mb={:.1} platform_bytes_per_order={platform_b:.0} \
             shop_book_bytes_per_order={shop_b:.0} webhook_total_bytes_per_order={:.0} \
             poller_task_bytes_per_order={poller_b:.0} poll_total_bytes_per_order={:.0} target_bytes=2048",
            before as f64 / 1_048_576.0,
            platform_b + shop_b,
            platform_b + shop_b + poller_b,
        );
    });
}

// ---------------------------------------------------------------- latency

fn latency(orders: u64) {
    let text = format!(
        r#"name = "latency-low-load"
seed = 5

[workload]
orders = {orders}
arrival = {{ dist = "fixed", every_ms = 10 }}
settle = {{ dist = "uniform", min_ms = 5, max_ms = 50 }}

[[strategy]]
name = "webhook"
kind = "webhook"
"#
    );
    let r = run(&text);
    let l = r.latency_ms;
    println!(
        "latency strategy=webhook orders={} notified={} p50_ms={} p90_ms={} p99_ms={} max_ms={} \
         mean_ms={} target_p50_ms=1",
        r.orders, r.notified, l.p50, l.p90, l.p99, l.max, l.mean
    );
}
