//! The real-mode transport: reqwest over loopback sockets.
//!
//! It implements [`HttpClient`], the seam that lets the same dispatcher and
//! poller run over real sockets here and over in-memory pipes in virtual mode
//! (`virtual_net`, where hyper's client runs over those pipes). The client
//! itself is [`LoopbackHttp`], set up once in `hooklab_core::http::real` and
//! shared with `hooklab github send`: HTTP/1.1, `TCP_NODELAY` (Nagle's
//! algorithm would add tens of milliseconds to every webhook), pooled
//! keep-alive connections, no proxy, no redirects, and only loopback URLs.

use bytes::Bytes;
use hooklab_core::http::real::LoopbackHttp;
use hooklab_core::http::{HttpClient, OpenFuture, SendFuture};
use std::sync::Arc;

/// An HTTP client over real sockets, refusing anything but loopback.
#[derive(Clone, Debug)]
pub struct RealHttp {
    http: LoopbackHttp,
}

impl RealHttp {
    /// A new client with its own connection pool.
    pub fn new() -> Arc<Self> {
        Arc::new(RealHttp {
            http: LoopbackHttp::new(),
        })
    }
}

impl HttpClient for RealHttp {
    fn send(&self, request: http::Request<Bytes>) -> SendFuture {
        self.http.send(request)
    }

    fn open(&self, request: http::Request<Bytes>) -> OpenFuture {
        self.http.open(request)
    }
}
