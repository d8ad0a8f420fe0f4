//! How many simulated HTTP exchanges per second virtual mode sustains.
//!
//! Virtual mode's wall time grows with the number of simulated requests, not
//! with simulated time, so its speed is "exchanges per second": one request
//! through hyper's client connection, an in-memory pipe, hyper's server
//! connection and the axum router, and the response all the way back.
//!
//! - `virtual/get_payment`: `GET /v1/payments/{id}` of one payment through
//!   the platform's real router, over [`VirtualHttp`] on its HTTP/1.1 pipes
//!   (`--transport http1`, the ceiling BENCHMARKS.md quotes), from 64
//!   concurrent tasks on the paused single-threaded runtime a virtual run
//!   uses. The purest measure of the transport (plus the platform's JSON).
//! - `virtual/poll_scenario`: a whole virtual run of a poll-heavy scenario
//!   (2,000 orders polled every 10 ms); its exchanges are the run's
//!   `requests.total`, on the default (direct) transport. What a student's
//!   scenario really costs per request.
//!
//! Before the benchmarks, one probe of each prints its exchanges per second;
//! criterion's throughput lines (`thrpt`, elements = exchanges) say the same
//! with its own statistics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hooklab_core::clock::Clock;
use hooklab_core::http::HttpClient;
use hooklab_core::ids::MerchantId;
use hooklab_core::scenario::{ClockMode, Scenario};
use hooklab_harness::network::Network;
use hooklab_harness::run::Silent;
use hooklab_harness::virtual_net::{self, VirtualNet, VirtualTransport};
use hooklab_harness::{RunOptions, run_scenario};
use hooklab_platform::{Merchant, Platform, PlatformConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Concurrent requesters in `get_payment`.
const CONCURRENCY: u64 = 64;

/// Exchanges per criterion iteration of `get_payment`.
const BATCH: u64 = 6_400;

/// The one merchant's API key: every request carries it.
const API_KEY: &str = "sk_test_bench";

/// A platform served on a virtual network, and one payment's URL on it.
struct Bench {
    runtime: tokio::runtime::Runtime,
    client: Arc<dyn HttpClient>,
    url: String,
    // Kept alive: dropping them would stop the platform.
    _net: VirtualNet,
    _trigger: hooklab_core::shutdown::ShutdownTrigger,
}

fn setup() -> Bench {
    let runtime = virtual_net::paused_runtime().unwrap();
    let net = VirtualNet::with_transport(VirtualTransport::Http1);
    let (trigger, shutdown) = hooklab_core::shutdown::channel();
    let (client, url) = runtime.block_on(async {
        let clock = Clock::starting_now(virtual_net::ORIGIN_UNIX_US);
        let client = net.client();
        let config = PlatformConfig {
            merchants: vec![Merchant {
                id: MerchantId::numbered(1),
                api_key: API_KEY.to_owned(),
            }],
            ..PlatformConfig::default()
        };
        let platform = Platform::new(clock, config, client.clone());
        let (base, _task) = net
            .serve("platform", platform.router(), shutdown)
            .await
            .unwrap();
        let body = r#"{"order_id":"ord_bench","amount_cents":4990,"currency":"BRL"}"#;
        let create = http::Request::post(format!("{base}/v1/payments"))
            .header("content-type", "application/json")
            .header("idempotency-key", "ord_bench")
            .header(http::header::AUTHORIZATION, format!("Bearer {API_KEY}"))
            .body(Bytes::from(body))
            .unwrap();
        let response = client.send(create).await.unwrap();
        assert!(response.status().is_success(), "{response:?}");
        let payment: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        let id = payment["id"].as_str().unwrap().to_owned();
        (client, format!("{base}/v1/payments/{id}"))
    });
    Bench {
        runtime,
        client,
        url,
        _net: net,
        _trigger: trigger,
    }
}

/// Sends `n` GETs from [`CONCURRENCY`] tasks; returns the wall time.
fn get_payments(bench: &Bench, n: u64) -> Duration {
    let start = Instant::now();
    bench.runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for worker in 0..CONCURRENCY {
            let (client, url) = (bench.client.clone(), bench.url.clone());
            let share = n / CONCURRENCY + u64::from(worker < n % CONCURRENCY);
            tasks.spawn(async move {
                for _ in 0..share {
                    let get = http::Request::get(&url)
                        .header(http::header::AUTHORIZATION, format!("Bearer {API_KEY}"))
                        .body(Bytes::new())
                        .unwrap();
                    let response = client.send(get).await.unwrap();
                    assert_eq!(response.status(), 200);
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
    });
    start.elapsed()
}

const POLL_SCENARIO: &str = r#"
name = "bench-virtual-polls"
seed = 1
clock = "virtual"
[workload]
orders = 2000
arrival = { dist = "fixed", every_ms = 1 }
settle = { dist = "uniform", min_ms = 100, max_ms = 500 }
[[strategy]]
name = "poll-10ms"
kind = "poll"
interval_ms = 10
"#;

/// One virtual run of [`POLL_SCENARIO`]: (exchanges, wall time).
fn poll_run(scenario: &Scenario) -> (u64, Duration) {
    let options = RunOptions {
        clock: Some(ClockMode::Virtual),
        ..RunOptions::default()
    };
    let start = Instant::now();
    let summary = run_scenario(scenario, options, &Silent).unwrap();
    let elapsed = start.elapsed();
    let report = &summary.strategies[0];
    assert_eq!(report.notified, report.orders, "{report:?}");
    (report.requests.total, elapsed)
}

fn per_second(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn virtual_exchanges(c: &mut Criterion) {
    let bench = setup();
    let probe = 100_000;
    let wall = get_payments(&bench, probe);
    println!(
        "virtual/get_payment probe: {probe} exchanges in {:.3} s = {:.0} exchanges/s",
        wall.as_secs_f64(),
        per_second(probe, wall)
    );
    let scenario = Scenario::parse(POLL_SCENARIO, "bench.toml").unwrap();
    let (exchanges, wall) = poll_run(&scenario);
    println!(
        "virtual/poll_scenario probe: {exchanges} exchanges in {:.3} s = {:.0} exchanges/s",
        wall.as_secs_f64(),
        per_second(exchanges, wall)
    );

    let mut group = c.benchmark_group("virtual");
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("get_payment", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| get_payments(&bench, BATCH)).sum())
    });
    group.throughput(Throughput::Elements(exchanges));
    group.sample_size(10);
    group.bench_function("poll_scenario", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| poll_run(&scenario).1).sum())
    });
    group.finish();
}

criterion_group!(benches, virtual_exchanges);
criterion_main!(benches);
