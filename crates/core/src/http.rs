//! The outbound-HTTP seam.
//!
//! The platform's webhook dispatcher and the shop's poller both *send* HTTP
//! requests. They do it through [`HttpClient`], never through a concrete client,
//! so the harness can back them with real sockets (real mode) or with hyper over
//! in-memory pipes (virtual mode). Requests and responses are whole-body
//! (`Bytes`): webhook payloads and payment objects are small, and a whole body is
//! what signatures and JSON parsing need anyway.
//!
//! Its parts:
//!
//! - [`HttpClient`] and [`TransportError`]: the seam, and why a request got no
//!   answer (its cause kept as the error's source).
//! - [`ensure_loopback`]: the guard every transport calls before it connects.
//! - `real` (with the `real-http` feature): `LoopbackHttp`, the one reqwest
//!   client setup, behind the harness's real-mode transport and `hooklab
//!   github send`.
//! - [`trace`]: the request log every hooklab server puts on its router.
//! - `server` (with the `server` feature): the accept loop every hooklab
//!   server runs (timeouts, a connection limit, a shutdown deadline) and the
//!   JSON error shape for the framework's own refusals.

#[cfg(feature = "real-http")]
pub mod real;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "runtime")]
pub mod trace;

use bytes::Bytes;
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;

/// A future that sends one request.
pub type SendFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<Bytes>, TransportError>> + Send>>;

/// A future for a response body's next chunk: `None` once the body ended.
pub type ChunkFuture<'a> =
    Pin<Box<dyn Future<Output = Option<Result<Bytes, TransportError>>> + Send + 'a>>;

/// A response body read as it arrives: what a held request (a long poll)
/// and an event stream need, whose answer comes later or never ends.
pub trait Chunks: Send {
    /// The next chunk of the body, as it arrives; `None` once it ended.
    fn next_chunk(&mut self) -> ChunkFuture<'_>;
}

/// A future returned by [`HttpClient::open`].
pub type OpenFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<Box<dyn Chunks>>, TransportError>> + Send>>;

/// A whole body as one chunk: [`HttpClient::open`]'s default.
struct Whole(Option<Bytes>);

impl Chunks for Whole {
    fn next_chunk(&mut self) -> ChunkFuture<'_> {
        let chunk = self.0.take().map(Ok);
        Box::pin(async move { chunk })
    }
}

/// Something that can send an HTTP request and return the whole response.
pub trait HttpClient: Send + Sync + 'static {
    /// Sends `request` (its URI is absolute: `http://127.0.0.1:PORT/path`).
    fn send(&self, request: http::Request<Bytes>) -> SendFuture;

    /// Sends `request` and returns the response as soon as its head
    /// arrives, its body read chunk by chunk: for held requests and
    /// streams. The scenario's `[network]` applies to every chunk, and a
    /// partition ends the exchange (see the harness's `NetworkModel`).
    /// By default, the whole response as one chunk (right for a client that
    /// cannot stream, such as a test double; a stream never ends there).
    fn open(&self, request: http::Request<Bytes>) -> OpenFuture {
        let sent = self.send(request);
        Box::pin(async move {
            let (parts, body) = sent.await?.into_parts();
            let chunks: Box<dyn Chunks> = Box::new(Whole(Some(body)));
            Ok(http::Response::from_parts(parts, chunks))
        })
    }
}

/// The cause a [`TransportError`] carries: the client's own error (a hyper or
/// reqwest error, an I/O error), or a sentence where there is none (`"the
/// network is partitioned"`, via `.into()`).
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// Why a request got no HTTP response at all.
///
/// Each message names what failed and keeps the cause as its
/// [`source`](std::error::Error::source), not in its text, so a report that
/// prints the chain (`anyhow`'s `{:#}`, tracing's error fields) says each
/// cause once.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Occurs when nothing listens at the address, or the connection is refused.
    #[error("connection refused or failed")]
    Connect(#[source] Cause),
    /// Occurs when the peer closed the connection or sent something that is not HTTP.
    #[error("connection broken")]
    Broken(#[source] Cause),
    /// Occurs when no response arrived within the caller's time limit.
    #[error("timed out")]
    Timeout,
    /// Occurs when the URL cannot be sent to (not http, not loopback, malformed).
    #[error("bad URL")]
    BadUrl(#[source] Cause),
    /// Occurs when the answer came, but its body (declared or as it arrived)
    /// is over the [`BodyCap`] the request carried: the client stopped
    /// reading at the cap rather than hold an endless body in memory.
    #[error("answered {status} with a body over {limit} bytes")]
    TooLarge {
        /// The answer's status code.
        status: u16,
        /// The cap, in bytes.
        limit: usize,
    },
}

/// The most bytes of a response body a real client reads for one request:
/// a request extension (`request.extensions_mut().insert(BodyCap(n))`), so
/// each caller picks the cap that fits what it expects back (a webhook's
/// acknowledgement, a page of payments). A request without one gets
/// [`BodyCap::DEFAULT`]. Beyond the cap the exchange fails with
/// [`TransportError::TooLarge`]. The virtual transport does not look at it:
/// its peers are hooklab's own servers, whose answers are small, and a
/// virtual run must not change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyCap(pub usize);

impl BodyCap {
    /// 8 MiB, for API calls (the shop, `hooklab order`): the platform's
    /// largest answer, a page of 1,000 events, is under 1 MB; a peer that
    /// streams for ever is cut long before it hurts.
    pub const DEFAULT: BodyCap = BodyCap(8 * 1024 * 1024);
    /// 64 KiB, for a webhook's acknowledgement: a sender reads the status
    /// and nothing else, and Standard Webhooks receivers answer with an
    /// empty or tiny body.
    pub const ACK: BodyCap = BodyCap(64 * 1024);
}

/// What kind of [`TransportError`] a request met: plain data, for delivery
/// logs and reports (serialised as `connect`, `broken`, `timeout`, `bad_url`,
/// `response_too_large`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportErrorKind {
    /// See [`TransportError::Connect`].
    Connect,
    /// See [`TransportError::Broken`].
    Broken,
    /// See [`TransportError::Timeout`].
    Timeout,
    /// See [`TransportError::BadUrl`].
    BadUrl,
    /// See [`TransportError::TooLarge`].
    ResponseTooLarge,
}

impl TransportErrorKind {
    /// A short, stable name for reports and logs (the serialised form).
    pub fn as_str(self) -> &'static str {
        match self {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Broken => "broken",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::BadUrl => "bad_url",
            TransportErrorKind::ResponseTooLarge => "response_too_large",
        }
    }
}

impl std::fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TransportError {
    /// Which kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        match self {
            TransportError::Connect(_) => TransportErrorKind::Connect,
            TransportError::Broken(_) => TransportErrorKind::Broken,
            TransportError::Timeout => TransportErrorKind::Timeout,
            TransportError::BadUrl(_) => TransportErrorKind::BadUrl,
            TransportError::TooLarge { .. } => TransportErrorKind::ResponseTooLarge,
        }
    }
}

/// Whether `host` is the rooted `localhost.` (any case), which
/// [`ensure_loopback`] refuses with its own reason: a caller that words the
/// refusal itself can say that reason rather than "not on loopback".
pub fn is_rooted_localhost(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost.")
}

/// The IPv4 address a host written as numbers names, as a WHATWG URL
/// parser reads it (the URL Standard's "IPv4 parser"): `127.1`,
/// `0x7f000001`, `2130706433` and `0177.0.0.1` are all `127.0.0.1`. `None`
/// for a host that is not one (`localhost`, `example.com`, `1.2.3.4.5`,
/// `127.256.0.1`).
///
/// [`ensure_loopback`] reads only the dotted quad (`127.0.0.1`); reqwest,
/// curl and browsers send a request for `http://127.1/` to `127.0.0.1`. A
/// caller that takes these forms (the platform's webhook endpoints, as
/// `hooklab check` does through reqwest's parser) rewrites the host to the
/// dotted quad, which every part of hooklab then reads alike.
pub fn numeric_ipv4(host: &str) -> Option<std::net::Ipv4Addr> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        let (digits, radix) =
            if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
                (hex, 16)
            } else if part.len() > 1 && part.starts_with('0') {
                (&part[1..], 8)
            } else {
                (*part, 10)
            };
        if part.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        // `0x` alone is 0, as the standard reads it.
        let n = if digits.is_empty() {
            0
        } else {
            u64::from_str_radix(digits, radix).ok()?
        };
        numbers.push(n);
    }
    let (last, leading) = numbers.split_last()?;
    if leading.iter().any(|&n| n > 255) || *last >= 256u64.pow(5 - numbers.len() as u32) {
        return None;
    }
    let mut address = *last;
    for (i, n) in leading.iter().enumerate() {
        address += n << (8 * (3 - i));
    }
    u32::try_from(address).ok().map(std::net::Ipv4Addr::from)
}

/// Refuses any URL whose host is not on the loopback network.
///
/// hooklab is a lab bench: its tools and tests never send traffic anywhere but
/// this machine. Both transports call this before they connect.
pub fn ensure_loopback(uri: &http::Uri) -> Result<(), TransportError> {
    let host = uri
        .host()
        .ok_or_else(|| TransportError::BadUrl(format!("`{uri}` has no host").into()))?;
    if uri.scheme_str() != Some("http") {
        return Err(TransportError::BadUrl(
            format!("`{uri}`: only plain http:// on loopback is supported").into(),
        ));
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    // Host names are case-insensitive (`LOCALHOST` is `localhost`). The
    // rooted `localhost.` is not looked up as `localhost` is (the system's
    // hosts file has no trailing dot, so the resolver may ask DNS, off this
    // machine): refused, saying so.
    if is_rooted_localhost(host) {
        return Err(TransportError::BadUrl(
            format!(
                "`{uri}`: write `localhost` without its trailing dot (`localhost.` may be looked up through DNS, off this machine), or 127.0.0.1"
            )
            .into(),
        ));
    }
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false);
    if loopback {
        Ok(())
    } else {
        Err(TransportError::BadUrl(
            format!(
                "`{uri}` is not on loopback (127.0.0.0/8, ::1, localhost); hooklab only talks to this machine"
            )
            .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error and its sources, joined as `anyhow`'s `{:#}` prints them.
    fn chain(e: &dyn std::error::Error) -> String {
        let mut out = e.to_string();
        let mut next = e.source();
        while let Some(cause) = next {
            out.push_str(": ");
            out.push_str(&cause.to_string());
            next = cause.source();
        }
        out
    }

    #[test]
    fn hosts_written_as_numbers_are_read_as_a_url_parser_reads_them() {
        let ip = |s: &str| numeric_ipv4(s).map(|a| a.to_string());
        for (host, address) in [
            ("127.0.0.1", "127.0.0.1"),
            ("127.1", "127.0.0.1"),
            ("0x7f000001", "127.0.0.1"),
            ("0X7F000001", "127.0.0.1"),
            ("2130706433", "127.0.0.1"),
            ("0177.0.0.1", "127.0.0.1"),
            ("127.0.1", "127.0.0.1"),
            ("127.0.0.2.", "127.0.0.2"),
            ("10.1", "10.0.0.1"),
            ("0x0a000001", "10.0.0.1"),
            ("0x", "0.0.0.0"),
        ] {
            assert_eq!(ip(host).as_deref(), Some(address), "{host}");
        }
        for host in [
            "localhost",
            "example.com",
            "1.2.3.4.5",
            "127.256.0.1",
            "4294967296",
            "127..1",
            "",
            "08",
            "0x1g",
            "127.1.2.3a",
        ] {
            assert_eq!(ip(host), None, "{host}");
        }
    }

    #[test]
    fn messages_say_their_cause_once() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused by peer");
        let err = TransportError::Connect(refused.into());
        assert_eq!(err.to_string(), "connection refused or failed");
        assert_eq!(chain(&err), "connection refused or failed: refused by peer");
        assert_eq!(err.kind(), TransportErrorKind::Connect);

        let err = ensure_loopback(&"http://10.0.0.1/".parse().unwrap()).unwrap_err();
        let full = chain(&err);
        assert_eq!(full.matches("not on loopback").count(), 1, "{full}");
        assert!(full.starts_with("bad URL: `http://10.0.0.1/`"), "{full}");
    }

    #[test]
    fn kinds_keep_their_report_names() {
        let names: Vec<String> = [
            TransportErrorKind::Connect,
            TransportErrorKind::Broken,
            TransportErrorKind::Timeout,
            TransportErrorKind::BadUrl,
        ]
        .iter()
        .map(|k| serde_json::to_string(k).unwrap())
        .collect();
        assert_eq!(
            names,
            [
                r#""connect""#,
                r#""broken""#,
                r#""timeout""#,
                r#""bad_url""#
            ]
        );
        assert_eq!(TransportErrorKind::BadUrl.to_string(), "bad_url");
    }

    #[test]
    fn only_loopback_urls_pass() {
        for ok in [
            "http://127.0.0.1:8080/x",
            "http://127.9.9.9/",
            "http://localhost:1/",
            "http://[::1]:5/",
            "http://LOCALHOST/x",
            "http://LocalHost:8080/x",
        ] {
            assert!(ensure_loopback(&ok.parse().unwrap()).is_ok(), "{ok}");
        }
        // The rooted name is refused with what to write instead, not as
        // "not on loopback".
        for rooted in ["http://localhost./x", "http://LOCALHOST.:1/"] {
            let err = ensure_loopback(&rooted.parse().unwrap()).unwrap_err();
            let said = chain(&err);
            assert!(said.contains("without its trailing dot"), "{said}");
            assert!(!said.contains("not on loopback"), "{said}");
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
