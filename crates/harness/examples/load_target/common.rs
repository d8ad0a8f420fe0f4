//! What the subcommands share: the one merchant and its platform, requests
//! through a router without a socket, loopback listeners, a scenario run,
//! and the error type.

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::http::HttpClient;
use hooklab_core::ids::MerchantId;
use hooklab_core::report::StrategyReport;
use hooklab_core::scenario::{Scenario, ScenarioError};
use hooklab_core::shutdown::Shutdown;
use hooklab_harness::run::Silent;
use hooklab_harness::transport::RealHttp;
use hooklab_harness::{HarnessError, RunOptions, run_scenario};
use hooklab_platform::{Merchant, Platform, PlatformConfig};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

/// Why a measurement could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Occurs when a socket, a file or the terminal fails.
    #[error("I/O failed")]
    Io(#[from] std::io::Error),
    /// Occurs when a request cannot be built.
    #[error("cannot build a request")]
    Request(#[from] http::Error),
    /// Occurs when an answer's body cannot be read.
    #[error("cannot read an answer's body")]
    Body(#[from] axum::Error),
    /// Occurs when an event cannot be serialised.
    #[error("cannot serialise an event")]
    Json(#[from] serde_json::Error),
    /// Occurs when a built-in scenario does not parse.
    #[error("the built-in scenario is invalid")]
    Scenario(#[from] ScenarioError),
    /// Occurs when a scenario run fails.
    #[error("the run failed")]
    Run(#[from] HarnessError),
    /// Occurs when a task of the measurement panicked.
    #[error("a task failed")]
    Task(#[from] tokio::task::JoinError),
    /// Occurs when the platform answers a set-up request with an error.
    #[error("the platform answered {status} to a set-up request: {body}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The answer's body.
        body: String,
    },
    /// Occurs when the durable burst's SQLite store cannot be opened or
    /// written.
    #[error("the platform's store failed")]
    Store(#[from] hooklab_platform::store::StoreError),
    /// Occurs when something this program relies on is not there
    /// (`/proc/self/status` without `VmRSS`, a run without a strategy).
    #[error("{0}")]
    Missing(&'static str),
}

/// What every subcommand returns.
pub type Result<T> = std::result::Result<T, LoadError>;

/// `error` and every cause beneath it, on one line.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

/// A multi-thread runtime, as the CLI runs real mode.
pub fn multi_thread() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// The real-mode transport, hyper's client over loopback.
pub fn real_http() -> Arc<dyn HttpClient> {
    RealHttp::new()
}

/// The one merchant's API key: every platform request carries it as
/// `Authorization: Bearer`.
pub const API_KEY: &str = "sk_test_load_target";

/// A platform whose payments (those it does not plan) settle after `settle`,
/// with one merchant whose key is [`API_KEY`].
pub fn platform(clock: Clock, settle: Dur) -> Platform {
    Platform::new(clock, config(settle), real_http())
}

/// [`platform`], whose delivery attempts time out after 10 minutes rather
/// than the default: for a profile under callgrind, where every attempt is
/// some 50 times slower (`burst --unbounded`).
pub fn platform_unbounded(clock: Clock, settle: Dur) -> Platform {
    Platform::new(clock, unbounded(config(settle)), real_http())
}

/// The one merchant's platform configuration.
fn config(settle: Dur) -> PlatformConfig {
    PlatformConfig {
        default_settle: settle,
        merchants: vec![Merchant {
            id: MerchantId::numbered(1),
            api_key: API_KEY.to_owned(),
        }],
        ..PlatformConfig::default()
    }
}

/// `config` with a delivery timeout of 10 minutes.
fn unbounded(mut config: PlatformConfig) -> PlatformConfig {
    config.delivery.timeout_ms = Dur::from_secs(600);
    config
}

/// [`platform`], with its books in `opened` (see `hooklab_platform::store`);
/// `unbounded`: as [`platform_unbounded`].
pub fn platform_with_store(
    clock: Clock,
    settle: Dur,
    opened: hooklab_platform::store::Opened,
    unbounded_timeout: bool,
) -> Result<Platform> {
    let config = match unbounded_timeout {
        true => unbounded(config(settle)),
        false => config(settle),
    };
    Ok(Platform::with_store(clock, config, real_http(), opened)?)
}

/// Sends one request through `router` without a socket; answers status and body.
pub async fn exchange(router: &Router, request: http::Request<Body>) -> Result<(u16, Bytes)> {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|never| match never {});
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// Sends one set-up request through `router`; fails unless it answers `want`.
pub async fn expect_status(
    router: &Router,
    request: http::Request<Body>,
    want: u16,
) -> Result<Bytes> {
    let (status, body) = exchange(router, request).await?;
    if status != want {
        return Err(LoadError::Refused {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    Ok(body)
}

/// Creates order `n`'s payment as the shop does (its order id as the key).
pub async fn create(router: &Router, n: u64, simulate: Option<Dur>) -> Result<Bytes> {
    let simulate = simulate
        .map(|d| format!(r#","simulate":{{"settle_after_ms":"{}us"}}"#, d.as_us()))
        .unwrap_or_default();
    let body =
        format!(r#"{{"order_id":"ord_{n:06}","amount_cents":4990,"currency":"BRL"{simulate}}}"#);
    let request = http::Request::post("/v1/payments")
        .header("content-type", "application/json")
        .header("idempotency-key", format!("ord_{n:06}"))
        .header(http::header::AUTHORIZATION, format!("Bearer {API_KEY}"))
        .body(Body::from(body))?;
    expect_status(router, request, 201).await
}

/// A listener on `127.0.0.1:0` and its base URL.
pub async fn bind() -> Result<(tokio::net::TcpListener, String)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    Ok((listener, url))
}

/// Serves a helper app (the bare app, the control app, a counting sink)
/// until `shutdown`. The platform and the receiver are served by their own
/// crates' `serve` functions.
pub fn spawn_app(
    listener: tokio::net::TcpListener,
    router: Router,
    mut shutdown: Shutdown,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move { shutdown.wait().await })
            .await
    })
}

/// Runs a one-strategy scenario in real mode; answers its report.
pub fn run(text: &str) -> Result<StrategyReport> {
    let scenario = Scenario::parse(text, "load_target")?;
    let summary = run_scenario(&scenario, RunOptions::default(), &Silent)?;
    summary
        .strategies
        .into_iter()
        .next()
        .ok_or(LoadError::Missing("the run has no strategy"))
}
