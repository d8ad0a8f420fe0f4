//! The one real HTTP client: reqwest, pooled, over loopback sockets only.
//!
//! Every program of hooklab that calls another program's URL as a real client
//! does (the shop polling the platform in real mode, the platform delivering
//! webhooks in real mode, `hooklab github send`) sends through
//! [`LoopbackHttp`], so the client is set up in one place:
//!
//! - HTTP/1.1 only: every hooklab server speaks it, and it is what webhook
//!   senders use.
//! - `TCP_NODELAY`, so a small request is not held back by Nagle's algorithm
//!   (tens of milliseconds on every webhook).
//! - Connections kept alive and reused, as any production client does; idle
//!   ones close after 30 s.
//! - No proxy (not even one from `HTTP_PROXY`) and no redirects: a proxy or a
//!   `Location` header could carry a request off this machine, past
//!   [`ensure_loopback`], which every send calls first.
//! - No retries inside the client: the dispatcher's retry schedule decides
//!   when to try again, and a retry hidden here would be an attempt that no
//!   delivery log shows (it also spares a copy of every request).
//!
//! It is compiled with the `real-http` feature only, so a crate that needs
//! the model and not a socket does not link reqwest.

use super::{
    ChunkFuture, Chunks, HttpClient, OpenFuture, SendFuture, TransportError, ensure_loopback,
};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

/// How long a connection attempt may take before it counts as refused.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an idle pooled connection is kept for reuse.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A pooled HTTP/1.1 client that sends only to loopback. Cloning it is cheap
/// and shares the pool.
#[derive(Clone, Debug)]
pub struct LoopbackHttp {
    /// The client, or why it could not be built. With no TLS compiled in and
    /// none of the settings above able to fail, building does not fail in
    /// practice; if it ever did, every send reports the cause instead of the
    /// constructor panicking.
    client: Result<reqwest::Client, Arc<reqwest::Error>>,
}

impl Default for LoopbackHttp {
    fn default() -> Self {
        LoopbackHttp::new()
    }
}

impl LoopbackHttp {
    /// A new client with its own connection pool.
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .http1_only()
            .tcp_nodelay(true)
            .connect_timeout(CONNECT_TIMEOUT)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .build()
            .map_err(Arc::new);
        LoopbackHttp { client }
    }

    /// Sends `request` (its URI absolute, on loopback) and reads the whole
    /// answer. No time limit of its own: callers bound the exchange with
    /// theirs (a delivery's timeout, GitHub's 10 seconds).
    pub async fn exchange(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        ensure_loopback(request.uri())?;
        let client = match &self.client {
            Ok(client) => client,
            Err(e) => return Err(TransportError::Connect(Box::new(e.clone()))),
        };
        let request =
            reqwest::Request::try_from(request).map_err(|e| TransportError::BadUrl(e.into()))?;
        let mut response = client.execute(request).await.map_err(failure)?;
        let status = response.status();
        let version = response.version();
        let headers = std::mem::take(response.headers_mut());
        let body = response.bytes().await.map_err(failure)?;
        let mut whole = http::Response::new(body);
        *whole.status_mut() = status;
        *whole.version_mut() = version;
        *whole.headers_mut() = headers;
        Ok(whole)
    }
}

impl HttpClient for LoopbackHttp {
    fn send(&self, request: http::Request<Bytes>) -> SendFuture {
        let http = self.clone();
        Box::pin(async move { http.exchange(request).await })
    }

    fn open(&self, request: http::Request<Bytes>) -> OpenFuture {
        let http = self.clone();
        Box::pin(async move { http.open_chunks(request).await })
    }
}

/// A reqwest response's body, chunk by chunk as the socket delivers it.
struct ReqwestChunks(reqwest::Response);

impl Chunks for ReqwestChunks {
    fn next_chunk(&mut self) -> ChunkFuture<'_> {
        Box::pin(async move { self.0.chunk().await.map_err(failure).transpose() })
    }
}

impl LoopbackHttp {
    /// Sends `request` and hands back the response at its head, the body
    /// to be read as it arrives (long polls, event streams).
    pub async fn open_chunks(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Box<dyn Chunks>>, TransportError> {
        ensure_loopback(request.uri())?;
        let client = match &self.client {
            Ok(client) => client,
            Err(e) => return Err(TransportError::Connect(Box::new(e.clone()))),
        };
        let request =
            reqwest::Request::try_from(request).map_err(|e| TransportError::BadUrl(e.into()))?;
        let mut response = client.execute(request).await.map_err(failure)?;
        let mut head = http::Response::new(());
        *head.status_mut() = response.status();
        *head.version_mut() = response.version();
        *head.headers_mut() = std::mem::take(response.headers_mut());
        let (parts, ()) = head.into_parts();
        let chunks: Box<dyn Chunks> = Box::new(ReqwestChunks(response));
        Ok(http::Response::from_parts(parts, chunks))
    }
}

/// Sorts a reqwest error into the seam's kinds, keeping it as the cause.
fn failure(e: reqwest::Error) -> TransportError {
    if e.is_connect() {
        TransportError::Connect(e.into())
    } else if e.is_builder() {
        TransportError::BadUrl(e.into())
    } else if e.is_timeout() {
        TransportError::Timeout
    } else {
        TransportError::Broken(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::TransportErrorKind;

    fn post(uri: &str) -> http::Request<Bytes> {
        http::Request::post(uri)
            .body(Bytes::from_static(b"{}"))
            .unwrap()
    }

    #[tokio::test]
    async fn refuses_a_delivery_off_this_machine() {
        let http = LoopbackHttp::new();
        // Refused before any connection: nothing is sent, so the test needs
        // no network (the address is TEST-NET-3, reserved for documentation).
        let err = http
            .send(post("http://203.0.113.7:8080/webhooks"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::BadUrl);
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert!(cause.contains("not on loopback"), "{cause}");
        let err = http
            .send(post("https://127.0.0.1:8443/webhooks"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::BadUrl);
    }

    #[tokio::test]
    async fn a_closed_port_is_a_connect_failure_with_its_cause() {
        // Bind, read the port, close: nothing listens there any more.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = LoopbackHttp::new()
            .send(post(&format!("http://{addr}/webhooks")))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::Connect);
        // The whole chain, as `{:#}` prints it: each cause said once.
        let mut chain = vec![err.to_string()];
        let mut next = std::error::Error::source(&err);
        while let Some(cause) = next {
            chain.push(cause.to_string());
            next = cause.source();
        }
        assert!(chain.len() >= 2, "{chain:?}");
        for (i, line) in chain.iter().enumerate() {
            assert!(
                chain[i + 1..]
                    .iter()
                    .all(|later| !later.contains(line.as_str())),
                "{chain:?}"
            );
        }
    }
}
