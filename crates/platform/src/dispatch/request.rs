//! A webhook's HTTP request, built in place.
//!
//! Every attempt of every delivery is one POST with the same shape: the
//! event's JSON as the body and five headers, `content-type`, `user-agent`
//! and the three of Standard Webhooks (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature`). The dispatcher sends a few tens of thousands of them
//! a second in a burst, so what it costs to assemble one is part of how
//! close the dispatcher comes to its transport's own rate. Here each part is
//! made at most once and then shared:
//!
//! - the body and its `webhook-id` ([`WebhookBody`]) once per delivery: the
//!   id is the event's first field, so its header value is a slice of the
//!   JSON already written (the same bytes, no copy), not the id formatted
//!   again;
//! - the `webhook-timestamp` ([`TimestampHeader`]) once per second by each
//!   worker: every attempt started within one second carries the same text;
//! - the request itself without `http::request::Builder` (which moves its
//!   whole state at every step and parses each header again): one header
//!   map sized for the five, filled directly ([`webhook_request`]).
//!
//! The signature is over the header values exactly as sent, so a receiver
//! using any Standard Webhooks library verifies what this module writes.
//! The load target's transport ceiling builds its requests with the same
//! function, so both put the same bytes on the wire and the ceiling
//! compares like with like.

use bytes::Bytes;
use hooklab_core::signature::{ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use hooklab_core::wire::Event;
use http::{HeaderMap, HeaderName, HeaderValue};

/// The Standard Webhooks headers' names, made once (a name parsed from a
/// `&str` is copied on every request).
static ID: HeaderName = HeaderName::from_static(ID_HEADER);
static TIMESTAMP: HeaderName = HeaderName::from_static(TIMESTAMP_HEADER);
static SIGNATURE: HeaderName = HeaderName::from_static(SIGNATURE_HEADER);

/// What every attempt of a delivery sends unchanged: the event's JSON and
/// its `webhook-id`. Cloning it is two reference counts. The default is
/// empty (no body, no id): an event with nowhere to go.
#[derive(Clone, Debug, Default)]
pub struct WebhookBody {
    /// The event as `serde_json::to_vec` writes it.
    json: Bytes,
    /// The `webhook-id` header, or `None` when the event id cannot be a
    /// header value (a control byte): an attempt then fails as a request
    /// that could not be built, as it always did.
    id: Option<HeaderValue>,
}

/// How every event's JSON begins, up to its id (see
/// [`crate::dispatch::event_json`]).
const ID_PREFIX: &[u8] = b"{\"id\":\"";

impl WebhookBody {
    /// `event`'s body (its JSON, as `serde_json::to_vec` writes it) and its
    /// `webhook-id`.
    pub fn of_event(event: &Event) -> serde_json::Result<Self> {
        let json = super::event_json(event)?;
        Ok(Self::new(Bytes::from(json), event.id.as_str()))
    }

    /// `json`, the JSON of the event whose id is `id`. The header is cut
    /// from the JSON when the JSON holds the id verbatim right after
    /// `{"id":"` (every event whose id needs no escape); otherwise the id
    /// is copied into a header of its own.
    pub fn new(json: Bytes, id: &str) -> Self {
        let end = ID_PREFIX.len() + id.len();
        let verbatim = json.starts_with(ID_PREFIX)
            && json.get(ID_PREFIX.len()..end) == Some(id.as_bytes())
            && json.get(end) == Some(&b'"');
        let id = if verbatim {
            HeaderValue::from_maybe_shared(json.slice(ID_PREFIX.len()..end)).ok()
        } else {
            HeaderValue::from_str(id).ok()
        };
        WebhookBody { json, id }
    }

    /// The event's JSON.
    pub fn json(&self) -> &Bytes {
        &self.json
    }

    /// The `webhook-id` header's value, if the event id can be one.
    pub fn id_header(&self) -> Option<&HeaderValue> {
        self.id.as_ref()
    }
}

/// One worker's `webhook-timestamp`: the header of the last second it sent
/// in, formatted again only when the second changes. A worker in a burst
/// sends hundreds of attempts a second; they share one text (and one
/// allocation), and each is signed over that text.
#[derive(Debug, Default)]
pub struct TimestampHeader {
    /// The unix second `value` says, and the header; `None` before the
    /// first attempt.
    current: Option<(i64, HeaderValue)>,
}

impl TimestampHeader {
    /// The header for `unix_secs`, the second the attempt starts in.
    pub fn at(&mut self, unix_secs: i64) -> &HeaderValue {
        let (secs, value) = self
            .current
            .get_or_insert_with(|| (unix_secs, HeaderValue::from(unix_secs)));
        if *secs != unix_secs {
            *secs = unix_secs;
            *value = HeaderValue::from(unix_secs);
        }
        value
    }
}

/// The webhook POST of `body` to `uri`: `content-type`, `user-agent`,
/// `webhook-id`, `webhook-timestamp` (`timestamp`, the text `signature`
/// signed) and `webhook-signature`, in that order, and the answer capped at
/// [`hooklab_core::http::BodyCap::ACK`] (only the status matters; an endless
/// acknowledgement fails the attempt). `None` when the event id cannot be a
/// header (see [`WebhookBody`]).
pub fn webhook_request(
    uri: &http::Uri,
    body: &WebhookBody,
    timestamp: &HeaderValue,
    signature: HeaderValue,
) -> Option<http::Request<Bytes>> {
    let id = body.id.clone()?;
    let mut headers = HeaderMap::with_capacity(5);
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        http::header::USER_AGENT,
        HeaderValue::from_static("hooklab-platform/0.1"),
    );
    headers.insert(ID.clone(), id);
    headers.insert(TIMESTAMP.clone(), timestamp.clone());
    headers.insert(SIGNATURE.clone(), signature);
    let mut request = http::Request::new(body.json.clone());
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = uri.clone();
    *request.headers_mut() = headers;
    request
        .extensions_mut()
        .insert(hooklab_core::http::BodyCap::ACK);
    Some(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklab_core::ids::{EventId, OrderId, PaymentId};
    use hooklab_core::rng::SeededRng;
    use hooklab_core::signature::{self, WebhookSecret};
    use hooklab_core::wire::{EventType, Payment, PaymentStatus};

    fn event(id: &str, order: &str, status: PaymentStatus, settled: Option<&str>) -> Event {
        Event {
            id: EventId(id.to_owned()),
            kind: EventType::PaymentApproved,
            created_at: "2026-12-02T02:00:00.123Z".to_owned(),
            data: Payment {
                id: PaymentId("pay_000007".to_owned()),
                order_id: OrderId(order.to_owned()),
                amount_cents: 4_990,
                currency: "BRL".to_owned(),
                status,
                created_at: "2026-12-02T01:59:59.000Z".to_owned(),
                settled_at: settled.map(str::to_owned),
            },
        }
    }

    /// The request as the dispatcher built it before this module: through
    /// `http::request::Builder`, each header from its text, the body
    /// serialised by serde, the timestamp formatted for the attempt.
    fn builder_request(
        uri: &http::Uri,
        event: &Event,
        timestamp: i64,
        secrets: &[WebhookSecret],
    ) -> http::Request<Bytes> {
        let body = serde_json::to_vec(event).unwrap();
        let stamp = timestamp.to_string();
        let mut sig = String::new();
        for secret in secrets {
            if !sig.is_empty() {
                sig.push(' ');
            }
            secret.sign_onto(event.id.as_str(), &stamp, &body, &mut sig);
        }
        http::Request::post(uri.clone())
            .header("content-type", "application/json")
            .header("user-agent", "hooklab-platform/0.1")
            .header(signature::ID_HEADER, event.id.as_str())
            .header(signature::TIMESTAMP_HEADER, stamp)
            .header(signature::SIGNATURE_HEADER, sig)
            .body(Bytes::from(body))
            .unwrap()
    }

    /// The same request built in place, as the dispatcher builds it now.
    fn in_place_request(
        uri: &http::Uri,
        event: &Event,
        stamps: &mut TimestampHeader,
        timestamp: i64,
        secrets: &[WebhookSecret],
    ) -> http::Request<Bytes> {
        let body = WebhookBody::of_event(event).unwrap();
        let stamp = stamps.at(timestamp).clone();
        let mut sig = String::new();
        for secret in secrets {
            if !sig.is_empty() {
                sig.push(' ');
            }
            secret.sign_onto(
                event.id.as_str(),
                stamp.to_str().unwrap(),
                body.json(),
                &mut sig,
            );
        }
        let sig = HeaderValue::try_from(sig).unwrap();
        webhook_request(uri, &body, &stamp, sig).unwrap()
    }

    /// Method, URI, every header (names, values, order) and body are what
    /// the builder made, for several events (settled and pending, ids of
    /// different lengths, an order id the hand-written JSON hands to
    /// serde), one and two secrets, and timestamps that repeat (the cached
    /// header) and move on; and each request verifies as Standard Webhooks.
    #[test]
    fn the_in_place_request_is_the_builders() {
        let mut rng = SeededRng::stream(3, "request-test");
        let (old, new) = (
            WebhookSecret::generate(&mut rng),
            WebhookSecret::generate(&mut rng),
        );
        let uri: http::Uri = "http://127.0.0.1:9/webhooks".parse().unwrap();
        let events = [
            event(
                "evt_000001",
                "ord_000001",
                PaymentStatus::Approved,
                Some("2026-12-02T02:00:00.123Z"),
            ),
            event("evt_1", "ord_2", PaymentStatus::Pending, None),
            event(
                "evt_0123456789abcdef",
                "ord_\"quoted\"",
                PaymentStatus::Declined,
                Some("2026-12-02T02:00:01.000Z"),
            ),
        ];
        let mut stamps = TimestampHeader::default();
        let secret_sets = [vec![old.clone()], vec![old.clone(), new.clone()]];
        for (n, event) in events.iter().enumerate() {
            for (s, secrets) in secret_sets.iter().enumerate() {
                for timestamp in [1_764_640_800, 1_764_640_800, 1_764_640_801 + n as i64] {
                    let before = builder_request(&uri, event, timestamp, secrets);
                    let now = in_place_request(&uri, event, &mut stamps, timestamp, secrets);
                    assert_eq!(now.method(), before.method());
                    assert_eq!(now.uri(), before.uri());
                    let pairs = |r: &http::Request<Bytes>| -> Vec<(String, Vec<u8>)> {
                        r.headers()
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
                            .collect()
                    };
                    assert_eq!(pairs(&now), pairs(&before), "event {n}, secrets {s}");
                    assert_eq!(now.body(), before.body(), "event {n}");
                    assert_eq!(
                        now.extensions().get::<hooklab_core::http::BodyCap>(),
                        Some(&hooklab_core::http::BodyCap::ACK)
                    );
                    let header = |name: &str| now.headers().get(name).and_then(|v| v.to_str().ok());
                    for secret in secrets {
                        signature::verify(
                            std::slice::from_ref(secret),
                            header(signature::ID_HEADER),
                            header(signature::TIMESTAMP_HEADER),
                            header(signature::SIGNATURE_HEADER),
                            now.body(),
                            timestamp,
                            signature::DEFAULT_TOLERANCE_SECS,
                        )
                        .unwrap();
                    }
                }
            }
        }
    }

    /// The id header is cut from the JSON only where the JSON holds the id
    /// verbatim; an id that needs an escape gets its own copy, and one that
    /// cannot be a header leaves the request unbuilt.
    #[test]
    fn the_id_header_is_the_event_id() {
        let plain = event("evt_42", "ord_1", PaymentStatus::Approved, None);
        let body = WebhookBody::of_event(&plain).unwrap();
        assert_eq!(body.id_header().unwrap(), "evt_42");
        // The header shares the body's bytes: its text lies inside them.
        let (json, id) = (body.json().as_ptr_range(), body.id_header().unwrap());
        assert!(json.contains(&id.as_bytes().as_ptr()));

        let quoted = event("evt_\"q\"", "ord_1", PaymentStatus::Approved, None);
        let body = WebhookBody::of_event(&quoted).unwrap();
        assert_eq!(body.id_header().unwrap(), "evt_\"q\"");

        // Not the event's id at the front (a JSON of another event).
        let body = WebhookBody::new(Bytes::from_static(b"{\"id\":\"evt_420\"}"), "evt_42");
        assert_eq!(body.id_header().unwrap(), "evt_42");

        let control = event("evt_\u{1}", "ord_1", PaymentStatus::Approved, None);
        let body = WebhookBody::of_event(&control).unwrap();
        assert!(body.id_header().is_none());
        let uri: http::Uri = "http://127.0.0.1:9/webhooks".parse().unwrap();
        let stamp = HeaderValue::from(1_i64);
        let sig = HeaderValue::from_static("v1,x");
        assert!(webhook_request(&uri, &body, &stamp, sig).is_none());
    }

    /// The timestamp header is formatted for the second asked, and again
    /// when the second changes (forwards or back).
    #[test]
    fn the_timestamp_header_follows_the_second() {
        let mut stamps = TimestampHeader::default();
        assert_eq!(stamps.at(1_764_640_800), "1764640800");
        assert_eq!(stamps.at(1_764_640_800), "1764640800");
        assert_eq!(stamps.at(1_764_640_801), "1764640801");
        assert_eq!(stamps.at(1_764_640_799), "1764640799");
        assert_eq!(stamps.at(0), "0");
    }
}
