//! Where a run's hosts live: the seam between the two clocks.
//!
//! A run needs two things from its network: a way to *serve* a router (the
//! platform's API, the shop's webhook receiver) and get back the URL others
//! reach it at, and an outbound [`HttpClient`] for the hosts that send. In
//! real mode, [`Loopback`] binds sockets on `127.0.0.1:0` and sends through
//! hyper's client. In virtual mode, the in-memory network does the same over
//! `tokio::io::duplex` pipes, so tokio's paused clock can jump ahead whenever
//! every task waits. Nothing else in a run knows which one it has.

use crate::run::HarnessError;
use crate::transport::RealHttp;
use hooklab_core::duration::Dur;
use hooklab_core::http::HttpClient;
use hooklab_core::shutdown::Shutdown;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// A served host: its base URL (`http://host:port`) and its server task.
pub type Served = (String, JoinHandle<()>);

/// A future returned by [`Network::serve`].
pub type ServeFuture<'a> = Pin<Box<dyn Future<Output = Result<Served, HarnessError>> + Send + 'a>>;

/// A network a run's hosts live on.
pub trait Network: Send + Sync {
    /// Serves `router` until `shutdown`; `name` names the host (`platform`,
    /// `shop`) where the network can use it.
    fn serve<'a>(
        &'a self,
        name: &'a str,
        router: axum::Router,
        shutdown: Shutdown,
    ) -> ServeFuture<'a>;

    /// A client for outbound requests.
    fn client(&self) -> Arc<dyn HttpClient>;

    /// Mean lateness of a timer on this network's clock, for the model.
    fn timer_slack(&self) -> Dur;
}

/// Real sockets on `127.0.0.1`, ports picked by the system.
pub struct Loopback;

/// Mean lateness of a tokio timer in real mode: it fires on the first 1 ms
/// tick at or after its deadline, so half a millisecond on average.
const REAL_TIMER_SLACK: Dur = Dur(500);

impl Network for Loopback {
    fn serve<'a>(
        &'a self,
        _name: &'a str,
        router: axum::Router,
        mut shutdown: Shutdown,
    ) -> ServeFuture<'a> {
        Box::pin(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(HarnessError::Bind)?;
            let addr = listener.local_addr().map_err(HarnessError::Bind)?;
            let task = tokio::spawn(async move {
                let _ = axum::serve(listener, router)
                    .with_graceful_shutdown(async move { shutdown.wait().await })
                    .await;
            });
            Ok((format!("http://{addr}"), task))
        })
    }

    fn client(&self) -> Arc<dyn HttpClient> {
        RealHttp::new()
    }

    fn timer_slack(&self) -> Dur {
        REAL_TIMER_SLACK
    }
}
