//! The outbound-HTTP seam.
//!
//! The platform's webhook dispatcher and the shop's poller both *send* HTTP
//! requests. They do it through [`HttpClient`], never through a concrete client,
//! so the harness can back them with real sockets (real mode) or with hyper over
//! in-memory pipes (virtual mode). Requests and responses are whole-body
//! (`Bytes`): webhook payloads and payment objects are small, and a whole body is
//! what signatures and JSON parsing need anyway.

use bytes::Bytes;
use std::future::Future;
use std::pin::Pin;

/// A future that sends one request.
pub type SendFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<Bytes>, TransportError>> + Send>>;

/// Something that can send an HTTP request and return the whole response.
pub trait HttpClient: Send + Sync + 'static {
    /// Sends `request` (its URI is absolute: `http://127.0.0.1:PORT/path`).
    fn send(&self, request: http::Request<Bytes>) -> SendFuture;
}

/// Why a request got no HTTP response at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// Occurs when nothing listens at the address, or the connection is refused.
    #[error("connection refused or failed: {0}")]
    Connect(String),
    /// Occurs when the peer closed the connection or sent something that is not HTTP.
    #[error("connection broken: {0}")]
    Broken(String),
    /// Occurs when no response arrived within the caller's time limit.
    #[error("timed out")]
    Timeout,
    /// Occurs when the URL cannot be sent to (not http, not loopback, malformed).
    #[error("bad URL: {0}")]
    BadUrl(String),
}

impl TransportError {
    /// A short, stable name for reports and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            TransportError::Connect(_) => "connect",
            TransportError::Broken(_) => "broken",
            TransportError::Timeout => "timeout",
            TransportError::BadUrl(_) => "bad_url",
        }
    }
}

/// Refuses any URL whose host is not on the loopback network.
///
/// hooklab is a lab bench: its tools and tests never send traffic anywhere but
/// this machine. Both transports call this before they connect.
pub fn ensure_loopback(uri: &http::Uri) -> Result<(), TransportError> {
    let host = uri
        .host()
        .ok_or_else(|| TransportError::BadUrl(format!("`{uri}` has no host")))?;
    if uri.scheme_str() != Some("http") {
        return Err(TransportError::BadUrl(format!(
            "`{uri}`: only plain http:// on loopback is supported"
        )));
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false);
    if loopback {
        Ok(())
    } else {
        Err(TransportError::BadUrl(format!(
            "`{uri}` is not on loopback (127.0.0.0/8, ::1, localhost); hooklab only talks to this machine"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_urls_pass() {
        for ok in [
            "http://127.0.0.1:8080/x",
            "http://127.9.9.9/",
            "http://localhost:1/",
            "http://[::1]:5/",
        ] {
            assert!(ensure_loopback(&ok.parse().unwrap()).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1/",
            "http://example.com/",
            "https://127.0.0.1/",
            "http://192.168.1.1:80/",
        ] {
            assert!(ensure_loopback(&bad.parse().unwrap()).is_err(), "{bad}");
        }
    }
}
