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
        let request = request(to, delivery, secret)?;
        let response = tokio::time::timeout(TIMEOUT, self.http.exchange(request))
            .await
            .map_err(|_| SendError::Timeout)?
            .map_err(|e| match e {
                TransportError::BadUrl(_) => refusal(to, e),
                TransportError::Connect(_) => SendError::Connect(e),
                TransportError::Timeout => SendError::Timeout,
                TransportError::Broken(_) | TransportError::TooLarge { .. } => {
                    SendError::ReadAnswer(e)
                }
            })?;
        let (parts, body) = response.into_parts();
        Ok(Answer {
            status: parts.status,
            body,
        })
    }
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

    #[test]
    fn refuses_to_send_off_this_machine() {
        let to: Uri = "http://140.82.115.80:8080/webhook".parse().unwrap();
        assert!(matches!(
            request(&to, &delivery(), None),
            Err(SendError::NotLoopback(_))
        ));
    }
}
