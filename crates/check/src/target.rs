//! The receiver under test, reached over loopback with `reqwest`.
//!
//! A sender of webhooks is an HTTP client with firm habits, and this one has
//! the same: it follows no redirects (a 3xx is a failed delivery), uses no
//! proxy, speaks plain HTTP/1.1, keeps connections alive between deliveries
//! (so the timing case measures the receiver, not TCP handshakes) and gives
//! up after the sender's limit (GitHub 10 s, Svix 15 s). Like every hooklab
//! client it refuses any URL that is not on this machine.
//!
//! [`Target::post`] never fails: whatever happens becomes a [`Reply`], because
//! "no answer" is itself something to grade.
//!
//! **A kept-alive connection the receiver is closing.** A receiver may close
//! its side after each answer without saying `Connection: close` (Python's
//! `http.server` with a hand-written answer does). The next request may then
//! go out on the pooled connection just as its close arrives, and fail before
//! any byte of an answer: whether it does depends on which packet wins, so
//! the same receiver scored "reset the connection" seven times in one run and
//! once in the next. Such a request is sent once more, on a fresh connection
//! (see [`Target::post`]).

use bytes::Bytes;
use hooklab_core::http::{ensure_loopback, is_rooted_localhost};
use reqwest::header::HeaderMap;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
// Elapsed times are measured, not scheduled: they are what this tool reports.
// tokio's `Instant` is the monotonic clock hooklab's `Clock` also reads.
use tokio::time::Instant;

/// What came back for one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reply {
    /// An HTTP answer.
    Answered {
        /// Its status code.
        status: u16,
        /// From just before sending to the end of the answer's body, in microseconds.
        elapsed_us: u64,
    },
    /// The connection failed or closed before a whole answer arrived.
    NoAnswer {
        /// The innermost error, in the HTTP library's own (English) words,
        /// e.g. `Connection reset by peer (os error 104)`: a detail, printed
        /// apart from the translated [`Cause`].
        error: String,
        /// Whether it failed while connecting (nothing listening).
        connect: bool,
        /// What happened, as a class a person can act on.
        cause: Cause,
    },
    /// No answer within the sender's limit.
    TimedOut {
        /// The limit, in milliseconds.
        after_ms: u64,
    },
}

/// Why a request got no answer, as a class (the library's words vary with
/// its version and the operating system; these do not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Nothing accepted the connection: no program listens on that port.
    ConnectionRefused,
    /// The connection could not be made for another reason.
    ConnectFailed,
    /// The receiver reset the connection (it crashed, or dropped it hard).
    ConnectionReset,
    /// The receiver closed the connection before a whole answer.
    ConnectionClosed,
    /// What came back was not HTTP.
    NotHttp,
    /// The answer's head (status line and headers) was over
    /// [`MAX_ANSWER_HEAD_BYTES`], or had over [`MAX_ANSWER_HEADERS`] header
    /// lines: the HTTP client stops reading there, as a sender's does.
    HeadTooLarge,
    /// An answer came, with a body over [`MAX_ANSWER_BYTES`]: a sender stops
    /// reading there and counts the delivery failed.
    BodyTooLarge,
    /// Something else went wrong in transport.
    Other,
}

impl Cause {
    /// The cause of `error`: the first link of its chain that names one.
    pub fn of(error: &reqwest::Error) -> Cause {
        let mut link: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(current) = link {
            if let Some(io) = current.downcast_ref::<std::io::Error>() {
                use std::io::ErrorKind as K;
                match io.kind() {
                    K::ConnectionRefused => return Cause::ConnectionRefused,
                    K::ConnectionReset | K::ConnectionAborted => return Cause::ConnectionReset,
                    K::BrokenPipe | K::UnexpectedEof => return Cause::ConnectionClosed,
                    _ => {}
                }
            }
            if let Some(hyper) = current.downcast_ref::<hyper::Error>() {
                if hyper.is_incomplete_message() || hyper.is_closed() {
                    return Cause::ConnectionClosed;
                }
                // A head over the client's limit is a parse error too, but
                // it was HTTP: say what happened (before: "not HTTP").
                if hyper.is_parse_too_large() {
                    return Cause::HeadTooLarge;
                }
                if hyper.is_parse() {
                    return Cause::NotHttp;
                }
            }
            link = current.source();
        }
        if error.is_connect() {
            Cause::ConnectFailed
        } else {
            Cause::Other
        }
    }
}

impl Reply {
    /// The status, if there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Reply::Answered { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the answer was a 2xx.
    pub fn is_success(&self) -> bool {
        self.status().is_some_and(|s| (200..300).contains(&s))
    }

    /// Whether the answer was a 5xx: what a receiver says when it fails,
    /// whether for this delivery or at random, so never taken alone as its
    /// answer to a case (see [`crate::battery`]).
    pub fn is_server_error(&self) -> bool {
        self.status().is_some_and(|s| (500..600).contains(&s))
    }

    /// Whether the connection closed or reset before an answer: what a
    /// receiver's crash, or one that drops connections at random, looks
    /// like from the sender's side. Sent again like a 5xx, and counted with
    /// them (see [`crate::battery`]).
    pub fn is_dropped(&self) -> bool {
        matches!(
            self,
            Reply::NoAnswer {
                connect: false,
                cause: Cause::ConnectionClosed | Cause::ConnectionReset,
                ..
            }
        )
    }

    /// Whether the receiver failed this request in a way a sender retries
    /// and that may be chance: a 5xx, or a dropped connection.
    pub fn is_failure_to_retry(&self) -> bool {
        self.is_server_error() || self.is_dropped()
    }

    /// The time to the answer, if there was one.
    pub fn elapsed(&self) -> Option<Duration> {
        match self {
            Reply::Answered { elapsed_us, .. } => Some(Duration::from_micros(*elapsed_us)),
            _ => None,
        }
    }
}

/// Why a URL cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// Occurs when the text is not a URL.
    #[error("`{url}` is not a URL: {reason}")]
    BadUrl {
        /// The text given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Occurs when the URL's host is not on loopback.
    #[error("{source}")]
    NotLoopback {
        /// The URL given.
        url: String,
        /// Why, in the core's words.
        #[source]
        source: hooklab_core::http::TransportError,
    },
    /// Occurs when the URL has a host but is not plain `http://`
    /// (`https://127.0.0.1/`): hooklab speaks no TLS, whatever the host.
    #[error("{source}")]
    NotHttp {
        /// The URL given.
        url: String,
        /// Why, in the core's words.
        #[source]
        source: hooklab_core::http::TransportError,
    },
    /// Occurs when the URL carries a query, a fragment or a user name:
    /// not where deliveries go (`http://127.0.0.1:14253?x=1` was taken for
    /// a path).
    #[error(
        "`{url}` has {part}: give the receiver's URL as a scheme, a host, a port and a path, such as http://127.0.0.1:8080/webhook"
    )]
    GluedOn {
        /// The URL given.
        url: String,
        /// What it carries.
        part: Glued,
    },
    /// Occurs when the host is `localhost.`, rooted: the system's hosts
    /// file has no trailing dot, so the resolver may ask DNS, off this
    /// machine.
    #[error(
        "`{url}`: write localhost without its trailing dot (`localhost.` may be looked up through DNS, off this machine), or 127.0.0.1, such as http://127.0.0.1:8080/webhook"
    )]
    RootedLocalhost {
        /// The URL given.
        url: String,
    },
    /// Occurs when the HTTP client cannot be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// Checks that `url` is a plain `http://` URL on loopback, and parses it.
/// The host is the one the request goes to: a loopback address in a short
/// form (`127.1`) is taken, as the URL parser reads it (`127.0.0.1`), and
/// `localhost.` is refused for its dot ([`TargetError::RootedLocalhost`]).
pub fn loopback_url(url: &str) -> Result<reqwest::Url, TargetError> {
    let bad = |reason: String| TargetError::BadUrl {
        url: url.to_owned(),
        reason,
    };
    let uri: http::Uri = url
        .parse()
        .map_err(|e: http::uri::InvalidUri| bad(e.to_string()))?;
    let parsed = reqwest::Url::parse(url);
    if let Err(source) = ensure_loopback(&uri) {
        let url = url.to_owned();
        if uri.host().is_some() && uri.scheme_str() != Some("http") {
            return Err(TargetError::NotHttp { url, source });
        }
        if uri.host().is_some_and(is_rooted_localhost) {
            return Err(TargetError::RootedLocalhost { url });
        }
        // `127.1`, `0x7f000001`, `2130706433`: not an address as the core
        // reads the host, but one as WHATWG URL parsing does, and that is
        // the parse the request goes by (its host is `127.0.0.1`). Taken
        // when that address is on loopback; the core's rule still refuses
        // every host name but `localhost`.
        let loopback = parsed
            .as_ref()
            .ok()
            .and_then(|p| p.host_str())
            .is_some_and(|host| {
                host.parse::<std::net::Ipv4Addr>()
                    .is_ok_and(|ip| ip.is_loopback())
            });
        if !loopback {
            return Err(TargetError::NotLoopback { url, source });
        }
    }
    let parsed = parsed.map_err(|e| bad(e.to_string()))?;
    // A query, a fragment or a user name is not part of where deliveries
    // go: `http://127.0.0.1:14253?x=1` was taken for a path, and a
    // fragment or credentials would be dropped or sent without a word.
    let glued = if parsed.fragment().is_some() {
        Some(Glued::Fragment)
    } else if parsed.query().is_some() {
        Some(Glued::Query)
    } else if !parsed.username().is_empty() || parsed.password().is_some() {
        Some(Glued::UserName)
    } else {
        None
    };
    match glued {
        Some(part) => Err(TargetError::GluedOn {
            url: url.to_owned(),
            part,
        }),
        None => Ok(parsed),
    }
}

/// A part of a URL that is not where a delivery goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glued {
    /// `?…`
    Query,
    /// `#…`
    Fragment,
    /// `user@` or `user:password@`.
    UserName,
}

impl std::fmt::Display for Glued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Glued::Query => "a query (?…)",
            Glued::Fragment => "a fragment (#…)",
            Glued::UserName => "a user name (…@)",
        })
    }
}

/// A receiver's URL and the client that talks to it.
#[derive(Clone)]
pub struct Target {
    client: reqwest::Client,
    /// A client that keeps no connection: the one retry of a request whose
    /// kept-alive connection closed under it goes out on a fresh one.
    fresh: reqwest::Client,
    /// Whether an answer has come back, so a connection may sit in
    /// `client`'s pool: only then can a request meet a closing one.
    /// Atomic because clones of the target share it (no lock needed: a
    /// flag that only ever turns on).
    answered: Arc<AtomicBool>,
    url: reqwest::Url,
    timeout: Duration,
    /// The battery's deadline: no request waits past it (`--deadline`
    /// bounds the whole battery, not each request).
    cutoff: Option<Instant>,
}

impl Target {
    /// A client for `url` (loopback only) that waits at most `timeout` per request.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, TargetError> {
        let url = loopback_url(url)?;
        let client = client()?;
        let fresh = fresh_client()?;
        Ok(Target {
            client,
            fresh,
            answered: Arc::new(AtomicBool::new(false)),
            url,
            timeout,
            cutoff: None,
        })
    }

    /// No request waits for its answer past `at`: a request sent with less
    /// than its timeout left waits only what is left.
    pub fn set_cutoff(&mut self, at: Instant) {
        self.cutoff = Some(at);
    }

    /// How long the next request may wait: its timeout, or less when the
    /// deadline comes first.
    fn wait_limit(&self) -> Duration {
        match self.cutoff {
            Some(at) => self
                .timeout
                .min(at.saturating_duration_since(Instant::now())),
            None => self.timeout,
        }
    }

    /// The receiver's URL.
    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }

    /// The client, for the state URL's reads.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// POSTs `body` with `headers` and waits for the whole answer.
    ///
    /// A request that may have gone out on a kept-alive connection and
    /// failed before any byte of an answer (the connection was closed or
    /// reset under it) is sent once more on a fresh connection, within the
    /// same wait. HTTP lets a client retry a request on a new connection
    /// when the one it used closed before any answer, for idempotent
    /// methods (RFC 9112 §9.3.1): the client cannot tell whether the server
    /// saw it. A POST here is safe to send again all the same: the receiver
    /// answered nothing for it, so no verdict rests on it, and a webhook
    /// receiver must take a delivery twice anyway (senders deliver at least
    /// once; the duplicate case grades exactly that). A receiver that
    /// closes without answering every time fails the retry too, and is
    /// graded on it as before.
    pub async fn post(&self, headers: HeaderMap, body: Bytes) -> Reply {
        let started = Instant::now();
        let limit = self.wait_limit();
        let reused = self.answered.load(Ordering::Relaxed);
        let first = exchange(&self.client, &self.url, headers.clone(), body.clone());
        let reply = match tokio::time::timeout(limit, first).await {
            Ok(Err((error, None))) if reused && closed_before_answer(&error) => {
                let left = limit.saturating_sub(started.elapsed());
                let again = exchange(&self.fresh, &self.url, headers, body);
                tokio::time::timeout(left, again).await
            }
            other => other,
        };
        let reply = match reply {
            Ok(Ok((status, false))) => Reply::NoAnswer {
                error: format!("answered {status} with a body over {MAX_ANSWER_BYTES} bytes"),
                connect: false,
                cause: Cause::BodyTooLarge,
            },
            Ok(Ok((status, true))) => Reply::Answered {
                status,
                elapsed_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            },
            // A status came, then the connection ended before the body
            // did: the detail says which status, as the receiver's log does.
            Ok(Err((error, status))) => Reply::NoAnswer {
                connect: error.is_connect(),
                cause: Cause::of(&error),
                error: match status {
                    Some(status) => format!(
                        "answered {status}, then the answer broke off before its end: {}",
                        innermost(&error)
                    ),
                    None => innermost(&error),
                },
            },
            Err(_) => Reply::TimedOut {
                after_ms: u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
            },
        };
        if matches!(reply, Reply::Answered { .. }) {
            self.answered.store(true, Ordering::Relaxed);
        }
        reply
    }
}

/// One POST and its whole answer (up to [`MAX_ANSWER_BYTES`]): the status,
/// and whether the body fitted. A failure keeps the status if one came
/// before it (the answer broke off in its body).
async fn exchange(
    client: &reqwest::Client,
    url: &reqwest::Url,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(u16, bool), (reqwest::Error, Option<u16>)> {
    let mut response = client
        .post(url.clone())
        .headers(headers)
        .body(body)
        .send()
        .await
        .map_err(|e| (e, None))?;
    let status = response.status().as_u16();
    // Read the whole answer: a sender does, and the time to answer
    // includes the body. Up to a cap, as a sender does too.
    let whole = read_capped(&mut response, MAX_ANSWER_BYTES)
        .await
        .map_err(|e| (e, Some(status)))?;
    Ok((status, whole.is_some()))
}

/// Whether `error` is a connection that closed or reset before an answer's
/// head came back (not a refused connection, not a broken answer: `send`
/// fails before the status line only).
fn closed_before_answer(error: &reqwest::Error) -> bool {
    !error.is_connect()
        && error.is_request()
        && matches!(
            Cause::of(error),
            Cause::ConnectionClosed | Cause::ConnectionReset
        )
}

/// The most of an answer's body `check` reads (1 MiB): a webhook's
/// acknowledgement needs none, and a receiver that streams for ever must
/// not fill this process's memory.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// The largest answer head (status line and headers) the client reads, in
/// bytes: hyper's default read buffer (8 KiB + 100 × 4 KiB), which reqwest
/// keeps. A receiver has no reason to come near it; one that does gets
/// [`Cause::HeadTooLarge`], not "not HTTP".
pub const MAX_ANSWER_HEAD_BYTES: usize = 8192 + 4096 * 100;

/// The most header lines an answer may have: hyper's default, which
/// reqwest keeps. More is [`Cause::HeadTooLarge`] too.
pub const MAX_ANSWER_HEADERS: usize = 100;

/// `response`'s body, read chunk by chunk: `None` once it is over `limit`
/// bytes (at once when its `Content-Length` says so).
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<Option<Bytes>, reqwest::Error> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(Bytes::from(body)))
}

/// An HTTP/1.1 client with a sender's habits (see the module docs).
pub fn client() -> Result<reqwest::Client, TargetError> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("hooklab-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(TargetError::Client)
}

/// [`client`] without a pool: every request opens its own connection.
fn fresh_client() -> Result<reqwest::Client, TargetError> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("hooklab-check/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(0)
        .build()
        .map_err(TargetError::Client)
}

/// The innermost cause of an error: reqwest's own message only says which
/// URL failed, the OS error at the bottom says how.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_on_loopback_is_a_target() {
        assert!(loopback_url("http://127.0.0.1:8080/webhook").is_ok());
        assert!(loopback_url("http://localhost:1/").is_ok());
        assert!(matches!(
            loopback_url("http://192.168.0.10/webhook"),
            Err(TargetError::NotLoopback { .. })
        ));
        // Refused for its scheme: the host is fine.
        assert!(matches!(
            loopback_url("https://127.0.0.1/"),
            Err(TargetError::NotHttp { .. })
        ));
        assert!(matches!(
            loopback_url("not a url"),
            Err(TargetError::BadUrl { .. })
        ));
        for glued in [
            "http://127.0.0.1:14253?x=1",
            "http://127.0.0.1:14253/webhook#x",
            "http://me:pw@127.0.0.1:14253/webhook",
        ] {
            assert!(
                matches!(loopback_url(glued), Err(TargetError::GluedOn { .. })),
                "{glued}"
            );
        }
    }

    #[test]
    fn loopback_written_short_is_loopback_and_a_rooted_localhost_is_refused_for_its_dot() {
        // A tester's finding: these were "not on this machine". WHATWG URL
        // parsing, which reqwest sends by, reads them as 127.0.0.1.
        for short in [
            "http://127.1:8080/webhook",
            "http://0x7f000001:8080/webhook",
            "http://2130706433:8080/webhook",
            "http://127.0.0.2:8080/webhook",
        ] {
            let parsed = loopback_url(short).unwrap_or_else(|e| panic!("{short}: {e}"));
            let host = parsed.host_str().unwrap();
            assert!(
                host.parse::<std::net::Ipv4Addr>().unwrap().is_loopback(),
                "{short}: {host}"
            );
        }
        assert_eq!(
            loopback_url("http://127.1:8080/webhook")
                .unwrap()
                .host_str(),
            Some("127.0.0.1")
        );
        // Still off this machine, however written.
        for far in [
            "http://10.1:8080/",
            "http://0x0a000001:8080/",
            "http://128.1/",
        ] {
            assert!(
                matches!(loopback_url(far), Err(TargetError::NotLoopback { .. })),
                "{far}"
            );
        }
        // `localhost.` may be looked up through DNS: refused, for its dot.
        for rooted in ["http://localhost.:8080/", "http://LOCALHOST.:8080/webhook"] {
            assert!(
                matches!(
                    loopback_url(rooted),
                    Err(TargetError::RootedLocalhost { .. })
                ),
                "{rooted}"
            );
        }
    }

    /// Serves `head` (an answer's status line and headers, without the
    /// blank line) to every request, then an empty body.
    async fn answering_head(head: String) -> std::net::SocketAddr {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let answer = format!("{head}Content-Length: 0\r\n\r\n");
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf).await;
                    let _ = stream.write_all(answer.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        addr
    }

    async fn post_to(addr: std::net::SocketAddr) -> Reply {
        let target =
            Target::new(&format!("http://{addr}/webhook"), Duration::from_secs(60)).unwrap();
        target
            .post(HeaderMap::new(), Bytes::from_static(b"{}"))
            .await
    }

    #[tokio::test]
    async fn an_answer_head_over_the_client_s_limit_is_said_as_such_not_as_not_http() {
        // A tester's finding: a receiver answering with oversized headers
        // was "not HTTP". The limit is the HTTP client's (hyper's default):
        // a head just under it is an answer, one just over it is not.
        let head = |size: usize| {
            let status = "HTTP/1.1 200 OK\r\n";
            let fixed = status.len() + "X-Big: \r\n".len() + "Content-Length: 0\r\n\r\n".len();
            format!("{status}X-Big: {}\r\n", "x".repeat(size - fixed))
        };
        let under = post_to(answering_head(head(MAX_ANSWER_HEAD_BYTES - 100)).await).await;
        assert_eq!(under.status(), Some(200), "{under:?}");
        let over = post_to(answering_head(head(2 * MAX_ANSWER_HEAD_BYTES)).await).await;
        let Reply::NoAnswer { cause, .. } = &over else {
            panic!("{over:?}");
        };
        assert_eq!(*cause, Cause::HeadTooLarge, "{over:?}");
        // Too many header lines is the same limit's other half.
        let many: String = (0..MAX_ANSWER_HEADERS + 1)
            .map(|i| format!("X-H{i}: 1\r\n"))
            .collect();
        let over = post_to(answering_head(format!("HTTP/1.1 200 OK\r\n{many}")).await).await;
        assert!(
            matches!(
                over,
                Reply::NoAnswer {
                    cause: Cause::HeadTooLarge,
                    ..
                }
            ),
            "{over:?}"
        );
    }

    #[test]
    fn only_answers_have_a_status() {
        let ok = Reply::Answered {
            status: 204,
            elapsed_us: 10,
        };
        assert!(ok.is_success());
        assert_eq!(ok.elapsed(), Some(Duration::from_micros(10)));
        let refused = Reply::Answered {
            status: 401,
            elapsed_us: 10,
        };
        assert!(!refused.is_success());
        let none = Reply::TimedOut { after_ms: 10 };
        assert_eq!(none.status(), None);
        assert!(!none.is_success());
    }

    #[tokio::test]
    async fn an_endless_answer_is_cut_at_the_cap_and_said_as_such() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf).await;
                    let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
                    if stream.write_all(head).await.is_err() {
                        return;
                    }
                    let chunk = format!("1000\r\n{}\r\n", "x".repeat(4096));
                    while stream.write_all(chunk.as_bytes()).await.is_ok() {}
                });
            }
        });
        let target =
            Target::new(&format!("http://{addr}/webhook"), Duration::from_secs(60)).unwrap();
        let reply = target
            .post(HeaderMap::new(), Bytes::from_static(b"{}"))
            .await;
        let Reply::NoAnswer { error, cause, .. } = &reply else {
            panic!("{reply:?}");
        };
        assert_eq!(*cause, Cause::BodyTooLarge);
        assert_eq!(
            error,
            &format!("answered 200 with a body over {MAX_ANSWER_BYTES} bytes")
        );
    }
}
