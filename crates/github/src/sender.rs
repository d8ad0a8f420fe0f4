//! The sender: what GitHub's delivery agent ("Hookshot") does, on loopback.
//!
//! For each delivery GitHub posts the JSON body with a handful of headers a
//! receiver relies on:
//!
//! | header | what it is for |
//! | --- | --- |
//! | `X-GitHub-Event` | which event the body describes (`push`, `ping`, ...) |
//! | `X-GitHub-Delivery` | a UUID per delivery, repeated on redelivery: the deduplication key |
//! | `X-GitHub-Hook-ID` | which webhook sent it |
//! | `X-Hub-Signature-256` | `sha256=` + HMAC of the body with the secret (only if one is set) |
//! | `User-Agent` | always starts with `GitHub-Hookshot/` |
//! | `Content-Type` | `application/json` (the webhook's "Content type" setting) |
//!
//! [`Hookshot`] sends a [`Delivery`] with those headers through hooklab's one
//! real HTTP client, `hooklab_core::http::real::LoopbackHttp` (reqwest,
//! pooled, so a benchmark reuses connections; no proxy, no redirects), and
//! returns the receiver's [`Answer`]. Like GitHub, it gives up after 10
//! seconds. It only sends to loopback: hooklab never sends traffic off this
//! machine.
//!
//! A receiver may refuse a delivery on its head alone (a `Content-Length`
//! over its cap: 413) and close while the body is still going out; the
//! client's write then fails ("Broken pipe") and the answer the receiver
//! wrote is lost with the connection. When the connection breaks under a
//! body, [`Hookshot`] asks again with the head alone, on a connection of
//! its own, and reports the receiver's refusal if one comes ([`Answer`]'s
//! `early`). The body is never sent a second time: a receiver that had
//! taken the first one whole does not get it twice.

use crate::receiver::WebhookSecret;
use crate::signature::{self, SIGNATURE_HEADER};
use bytes::Bytes;
use hooklab_core::http::real::LoopbackHttp;
use hooklab_core::http::{TransportError, ensure_loopback};
use http::{Method, Request, StatusCode, Uri};
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::Duration;

/// GitHub's `User-Agent`: `GitHub-Hookshot/` and a short hex build id.
pub const USER_AGENT: &str = "GitHub-Hookshot/5c1e6a7";

/// GitHub waits this long for an answer before marking a delivery failed.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A delivery id, shaped like GitHub's (a UUID such as
/// `72d3162e-cc78-11e3-81ab-4c9367dc0958`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeliveryId(String);

impl DeliveryId {
    /// Uses `id` as is (`--delivery` lets a student resend the same id to see
    /// the receiver's deduplication).
    pub fn new(id: impl Into<String>) -> Self {
        DeliveryId(id.into())
    }

    /// A UUID-shaped id derived from `seed` by hashing (version 4 and variant
    /// bits set, like a random UUID). The caller brings the entropy (the CLI
    /// uses the clock and the process id), so tests stay deterministic.
    pub fn derive(seed: &[u8]) -> Self {
        let digest = Sha256::digest(seed);
        let mut b = [0u8; 16];
        b.copy_from_slice(&digest[..16]);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h = hex::encode(b);
        DeliveryId(format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        ))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One webhook delivery: an event name, its ids and its exact body bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// `X-GitHub-Event`.
    pub event: String,
    /// `X-GitHub-Delivery`.
    pub id: DeliveryId,
    /// `X-GitHub-Hook-ID`.
    pub hook_id: u64,
    /// The body, sent byte for byte: the signature covers these bytes.
    pub body: Bytes,
}

/// The receiver's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status, e.g. 200 or 401.
    pub status: StatusCode,
    /// The whole response body.
    pub body: Bytes,
    /// The receiver refused the delivery on its head and broke the
    /// connection while the body went out: this answer is the one it gave
    /// to the head sent again alone (see the module docs).
    pub early: bool,
}

/// Why a delivery got no answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Occurs when the target URL's host is not on loopback (or it has none).
    #[error(transparent)]
    NotLoopback(TransportError),
    /// Occurs when the target URL is on a host but not plain `http://`
    /// (`https://127.0.0.1:8080/`, say): hooklab speaks no TLS, so the reason
    /// is the scheme, whatever the host.
    #[error(transparent)]
    NotHttp(TransportError),
    /// Occurs when a header value cannot be sent (an event name with a newline, say).
    #[error("cannot build the request")]
    Build(#[source] http::Error),
    /// Occurs when the connection fails (nothing listening, refused).
    #[error("cannot reach the receiver")]
    Connect(#[source] TransportError),
    /// Occurs when the connection breaks before the whole answer arrived.
    #[error("the answer broke off")]
    ReadAnswer(#[source] TransportError),
    /// Occurs when no answer came within GitHub's 10 seconds.
    #[error("no answer within {TIMEOUT:?} (GitHub would mark this delivery failed)")]
    Timeout,
}

/// Refuses any URL that is not plain `http://` on loopback (see
/// [`ensure_loopback`]), saying which of the two is wrong.
pub fn ensure_plain_loopback(to: &Uri) -> Result<(), SendError> {
    ensure_loopback(to).map_err(|e| refusal(to, e))
}

/// The refusal of `to`: its scheme when it has a host but is not `http`,
/// otherwise its host.
fn refusal(to: &Uri, error: TransportError) -> SendError {
    if to.host().is_some() && to.scheme_str() != Some("http") {
        SendError::NotHttp(error)
    } else {
        SendError::NotLoopback(error)
    }
}

/// GitHub's delivery agent, in miniature: a pooled HTTP/1.1 client.
#[derive(Clone, Debug)]
pub struct Hookshot {
    http: LoopbackHttp,
}

impl Default for Hookshot {
    fn default() -> Self {
        Hookshot::new()
    }
}

impl Hookshot {
    /// A client that keeps connections alive between deliveries.
    pub fn new() -> Self {
        Hookshot {
            http: LoopbackHttp::new(),
        }
    }

    /// Posts `delivery` to `to`, signed with `secret` if there is one, and
    /// returns the receiver's answer.
    pub async fn send(
        &self,
        to: &Uri,
        delivery: &Delivery,
        secret: Option<&WebhookSecret>,
    ) -> Result<Answer, SendError> {
        let sent = request(to, delivery, secret)?;
        let response = tokio::time::timeout(TIMEOUT, self.http.exchange(sent))
            .await
            .map_err(|_| SendError::Timeout)?;
        let response = match response {
            Ok(response) => response,
            Err(e @ TransportError::Broken(_)) if !delivery.body.is_empty() => {
                // The receiver may have refused the head and closed under
                // the body: ask it again with the head alone.
                let head = request(to, delivery, secret)?;
                return match early_answer(to, &head).await {
                    Some(answer) => Ok(answer),
                    None => Err(SendError::ReadAnswer(e)),
                };
            }
            Err(e) => {
                return Err(match e {
                    TransportError::BadUrl(_) => refusal(to, e),
                    TransportError::Connect(_) => SendError::Connect(e),
                    TransportError::Timeout => SendError::Timeout,
                    TransportError::Broken(_) | TransportError::TooLarge { .. } => {
                        SendError::ReadAnswer(e)
                    }
                });
            }
        };
        let (parts, body) = response.into_parts();
        Ok(Answer {
            status: parts.status,
            body,
            early: false,
        })
    }
}

/// How long [`early_answer`] waits for the receiver to refuse a head.
const EARLY_WAIT: Duration = Duration::from_secs(2);

/// The most of an early answer read (a refusal is a short JSON body).
const MAX_EARLY_BYTES: usize = 64 * 1024;

/// Sends `request`'s head alone (its `Content-Length` the whole body's) to
/// `to` on a connection of its own, and returns the receiver's refusal if
/// it answers one within [`EARLY_WAIT`]; `None` if it waits for the body,
/// answers something else, or cannot be reached. The connection then
/// closes with the body unsent, so nothing is delivered twice.
async fn early_answer(to: &Uri, request: &Request<Bytes>) -> Option<Answer> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = to.host()?.trim_start_matches('[').trim_end_matches(']');
    let port = to.port_u16().unwrap_or(80);
    let target = to.path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!("POST {target} HTTP/1.1\r\nhost: {host}:{port}\r\n").into_bytes();
    for (name, value) in request.headers() {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    let length = request.body().len();
    head.extend_from_slice(format!("content-length: {length}\r\n\r\n").as_bytes());
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect((host, port)).await.ok()?;
        stream.write_all(&head).await.ok()?;
        let mut answer = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            let n = stream.read(&mut buf).await.unwrap_or(0);
            answer.extend_from_slice(&buf[..n]);
            if n == 0 || answer.len() >= MAX_EARLY_BYTES {
                return parse_answer(&answer, true);
            }
            if let Some(whole) = parse_answer(&answer, false) {
                return Some(whole);
            }
        }
    };
    let answer = tokio::time::timeout(EARLY_WAIT, exchange).await.ok()??;
    // Only a refusal answers a head without its body.
    (answer.status.is_client_error() || answer.status.is_server_error()).then_some(answer)
}

/// The answer in `bytes` (`HTTP/1.x NNN ...`, headers, body): once its
/// body is there whole by its `Content-Length`, or, at the stream's `end`,
/// whatever of it came.
fn parse_answer(bytes: &[u8], end: bool) -> Option<Answer> {
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()?
        .split(' ')
        .nth(1)?
        .parse::<StatusCode>()
        .ok()?;
    let length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok());
    let body = &bytes[head_end + 4..];
    let body = match length {
        Some(length) if body.len() >= length => &body[..length],
        _ if end => body,
        _ => return None,
    };
    Some(Answer {
        status,
        body: Bytes::copy_from_slice(body),
        early: true,
    })
}

/// The request GitHub would make for `delivery` (refused unless `to` is loopback).
pub fn request(
    to: &Uri,
    delivery: &Delivery,
    secret: Option<&WebhookSecret>,
) -> Result<Request<Bytes>, SendError> {
    ensure_plain_loopback(to)?;
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(to.clone())
        .header("user-agent", USER_AGENT)
        .header("content-type", "application/json")
        .header("accept", "*/*")
        .header("x-github-event", delivery.event.as_str())
        .header("x-github-delivery", delivery.id.as_str())
        .header("x-github-hook-id", delivery.hook_id.to_string())
        .header("x-github-hook-installation-target-type", "repository");
    // Without a secret GitHub sends no signature header at all, and so do we:
    // a verifying receiver should answer 401 `missing_signature`.
    if let Some(secret) = secret {
        builder = builder.header(
            SIGNATURE_HEADER,
            signature::sign(secret.as_bytes(), &delivery.body),
        );
    }
    builder
        .body(delivery.body.clone())
        .map_err(SendError::Build)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery() -> Delivery {
        Delivery {
            event: "ping".into(),
            id: DeliveryId::derive(b"seed"),
            hook_id: 9,
            body: Bytes::from_static(b"Hello, World!"),
        }
    }

    #[test]
    fn delivery_ids_look_like_uuids_v4() {
        let id = DeliveryId::derive(b"anything");
        let parts: Vec<&str> = id.as_str().split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
        assert_eq!(id, DeliveryId::derive(b"anything"));
        assert_ne!(id, DeliveryId::derive(b"something else"));
    }

    #[test]
    fn requests_carry_githubs_headers_and_signature() {
        let secret = WebhookSecret::new("It's a Secret to Everybody");
        let to: Uri = "http://127.0.0.1:9/webhook".parse().unwrap();
        let req = request(&to, &delivery(), Some(&secret)).unwrap();
        let h = req.headers();
        assert_eq!(h["x-github-event"], "ping");
        assert_eq!(h["x-github-hook-id"], "9");
        assert_eq!(h["content-type"], "application/json");
        assert!(
            h["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("GitHub-Hookshot/")
        );
        assert_eq!(
            h[SIGNATURE_HEADER],
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn unsigned_requests_have_no_signature_header() {
        let to: Uri = "http://localhost:9/webhook".parse().unwrap();
        let req = request(&to, &delivery(), None).unwrap();
        assert!(req.headers().get(SIGNATURE_HEADER).is_none());
    }

    #[test]
    fn https_on_this_machine_is_refused_for_its_scheme_not_its_host() {
        let to: Uri = "https://127.0.0.1:8080/webhook".parse().unwrap();
        assert!(matches!(
            request(&to, &delivery(), None),
            Err(SendError::NotHttp(_))
        ));
        let off: Uri = "https://140.82.115.80/webhook".parse().unwrap();
        // Both are wrong; the scheme is named first, as fixing the host
        // alone would not do.
        assert!(matches!(
            request(&off, &delivery(), None),
            Err(SendError::NotHttp(_))
        ));
    }

    /// The tester's finding: a 30 MB payload to a listener that answers
    /// 413 at once was reported as "Broken pipe (os error 32)"; the
    /// receiver's 413 and its JSON are what the sender reports now.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_body_refused_on_its_head_reports_the_receivers_answer() {
        use hooklab_core::http::server::{ServerLimits, body_limit, serve};
        let received = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counted = received.clone();
        let routes = axum::Router::new().route(
            "/webhook",
            axum::routing::post(move |_body: Bytes| async move {
                counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                "taken"
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let to: Uri = format!("http://{}/webhook", listener.local_addr().unwrap())
            .parse()
            .unwrap();
        let (_trigger, mut shutdown) = hooklab_core::shutdown::channel();
        tokio::spawn(serve(
            listener,
            body_limit(routes, 1024),
            async move { shutdown.wait().await },
            ServerLimits::default(),
        ));
        let big = Delivery {
            body: Bytes::from(vec![b' '; 30 * 1024 * 1024]),
            ..delivery()
        };
        for round in 0..50 {
            let answer = Hookshot::new().send(&to, &big, None).await;
            let answer = answer.unwrap_or_else(|e| panic!("round {round}: {e:?}"));
            assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
            let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
            assert_eq!(body["error"]["code"], "body_too_large", "{body}");
        }
        // A body under the cap is delivered once, as before.
        let answer = Hookshot::new().send(&to, &delivery(), None).await.unwrap();
        assert_eq!((answer.status, answer.early), (StatusCode::OK, false));
        assert_eq!(received.load(std::sync::atomic::Ordering::Relaxed), 1);
    }

    #[test]
    fn an_early_answer_is_read_whole_or_to_the_streams_end() {
        let whole = b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 2\r\n\r\n{}";
        let answer = parse_answer(whole, false).unwrap();
        assert_eq!(
            (answer.status.as_u16(), &answer.body[..]),
            (413, &b"{}"[..])
        );
        assert!(parse_answer(&whole[..whole.len() - 1], false).is_none());
        assert_eq!(
            &parse_answer(&whole[..whole.len() - 1], true).unwrap().body[..],
            b"{"
        );
        assert!(parse_answer(b"garbage", true).is_none());
    }

    #[test]
    fn refuses_to_send_off_this_machine() {
        let to: Uri = "http://140.82.115.80:8080/webhook".parse().unwrap();
        assert!(matches!(
            request(&to, &delivery(), None),
            Err(SendError::NotLoopback(_))
        ));
    }
}
