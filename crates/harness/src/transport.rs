//! The real-mode transport: hyper's client over loopback sockets.
//!
//! It implements [`HttpClient`], the seam that lets the same dispatcher and
//! poller run over real sockets here and over in-memory pipes in virtual mode.
//! Connections are kept alive and reused (as any production HTTP client
//! does), with `TCP_NODELAY` so small requests are not held back by Nagle's
//! algorithm, which would add tens of milliseconds to every webhook.

use bytes::Bytes;
use hooklab_core::http::{HttpClient, SendFuture, TransportError, ensure_loopback};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::time::Duration;

/// An HTTP client over real sockets, refusing anything but loopback.
#[derive(Clone, Debug)]
pub struct RealHttp {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl RealHttp {
    /// A new client with its own connection pool.
    pub fn new() -> Arc<Self> {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Arc::new(RealHttp { client })
    }
}

impl HttpClient for RealHttp {
    fn send(&self, request: http::Request<Bytes>) -> SendFuture {
        let client = self.client.clone();
        Box::pin(async move {
            ensure_loopback(request.uri())?;
            let response = client.request(request.map(Full::new)).await.map_err(|e| {
                if e.is_connect() {
                    TransportError::Connect(e.to_string())
                } else {
                    TransportError::Broken(e.to_string())
                }
            })?;
            whole(response).await
        })
    }
}

/// Reads a response's whole body: both transports hand back whole bodies
/// (see `hooklab_core::http`).
pub(crate) async fn whole(
    response: http::Response<hyper::body::Incoming>,
) -> Result<http::Response<bytes::Bytes>, TransportError> {
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| TransportError::Broken(e.to_string()))?
        .to_bytes();
    Ok(http::Response::from_parts(parts, body))
}
