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
//! - A cap on every response body ([`BodyCap`], per request, 8 MiB unless
//!   the caller asks for less): a declared `Content-Length` over it fails at
//!   once, and a body read chunk by chunk stops at it, with
//!   [`TransportError::TooLarge`]. Without it a receiver answering `200`
//!   with an endless body grew the platform by gigabytes in seconds.
//! - No retries inside the client: the dispatcher's retry schedule decides
//!   when to try again, and a retry hidden here would be an attempt that no
//!   delivery log shows (it also spares a copy of every request).
//!
//! It is compiled with the `real-http` feature only, so a crate that needs
//! the model and not a socket does not link reqwest.

use super::{
    BodyCap, ChunkFuture, Chunks, HttpClient, OpenFuture, SendFuture, TransportError,
    ensure_loopback,
};
use bytes::{Bytes, BytesMut};
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
    /// answer, up to the request's [`BodyCap`] (8 MiB without one). No time
    /// limit of its own: callers bound the exchange with theirs (a
    /// delivery's timeout, GitHub's 10 seconds).
    pub async fn exchange(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        ensure_loopback(request.uri())?;
        let cap = request
            .extensions()
            .get::<BodyCap>()
            .copied()
            .unwrap_or(BodyCap::DEFAULT);
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
        let body = capped_body(&mut response, cap.0).await?;
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

/// `response`'s body, read chunk by chunk and refused once it is over `limit`
/// bytes (at once when its `Content-Length` says so): a peer that answers
/// with an endless body costs at most `limit` bytes.
async fn capped_body(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<Bytes, TransportError> {
    let too_large = TransportError::TooLarge {
        status: response.status().as_u16(),
        limit,
    };
    let declared = response.content_length();
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large);
    }
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = response.chunk().await.map_err(failure)? {
        total += chunk.len();
        if total > limit {
            return Err(too_large);
        }
        chunks.push(chunk);
    }
    // The usual answer is one chunk, handed on without a copy.
    Ok(match chunks.len() {
        0 => Bytes::new(),
        1 => chunks.swap_remove(0),
        _ => {
            let mut whole = BytesMut::with_capacity(total);
            for chunk in chunks {
                whole.extend_from_slice(&chunk);
            }
            whole.freeze()
        }
    })
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

    /// A receiver on `127.0.0.1:0` that answers every request with `head`
    /// and then `chunk` over and over until the client goes away (once,
    /// when `chunk` is empty).
    async fn endless(head: &'static str, chunk: &'static [u8]) -> std::net::SocketAddr {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    if stream.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    // An empty `chunk`: the head was the whole answer.
                    while !chunk.is_empty() && stream.write_all(chunk).await.is_ok() {}
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn an_endless_answer_stops_at_the_cap() {
        // Declared far over the cap: refused before the body is read.
        let addr = endless(
            "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n",
            &[b'x'; 4096],
        )
        .await;
        let mut request = post(&format!("http://{addr}/webhooks"));
        request.extensions_mut().insert(BodyCap::ACK);
        let err = LoopbackHttp::new().send(request).await.unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::ResponseTooLarge);
        assert_eq!(
            err.to_string(),
            format!("answered 200 with a body over {} bytes", BodyCap::ACK.0)
        );
        // Undeclared (chunked, never ending): cut once the cap is passed.
        let addr = endless(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"40\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n",
        )
        .await;
        let err = LoopbackHttp::new()
            .send(post(&format!("http://{addr}/v1/events")))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::ResponseTooLarge);
        assert!(
            err.to_string().contains(&BodyCap::DEFAULT.0.to_string()),
            "{err}"
        );
    }

    #[tokio::test]
    async fn an_answer_under_the_cap_is_read_whole() {
        let addr = endless(
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
            b"",
        )
        .await;
        let mut request = post(&format!("http://{addr}/webhooks"));
        request.extensions_mut().insert(BodyCap(5));
        let response = LoopbackHttp::new().send(request).await.unwrap();
        assert_eq!(response.body().as_ref(), b"hello");
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
