//! Conditional reads: `ETag`, `If-None-Match` and `304 Not Modified`, and
//! the `X-Poll-Interval` the platform may ask pollers to keep.
//!
//! A poller that sends back the `ETag` of its last answer in `If-None-Match`
//! gets `304` with no body while nothing changed: the same number of
//! requests, but each wasted one costs a few headers instead of a payment
//! object or a page. As GitHub does for its Events API, a 304 does not count
//! against the rate limit: its token is given back (a key with no token left
//! still gets 429, since the platform cannot know before looking that the
//! answer would have been a 304). 304s are counted apart
//! ([`crate::ServedCounts::not_modified`]), in no other count.
//!
//! Tags come from each resource's version, not from hashing its body:
//!
//! - a payment changes once, when it settles, so its tag is its id and
//!   `1` (pending) or `2` (final): `"pay_000001.1"`;
//! - an event page changes when an event joins it or a delivery attempt
//!   changes one of its events' state, so its tag is a 64-bit FNV-1a hash of
//!   the query (cursor, limit), its events' ids, each one's attempts and
//!   state, and `has_more`: a walk over the page, no serialising.

use crate::Shared;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hooklab_core::ids::{EventId, MerchantId, PaymentId};
use hooklab_core::wire::{DeliveryState, EventPage};
use std::sync::atomic::Ordering;

/// The header a platform uses to ask for a polling interval, in seconds.
pub(crate) const X_POLL_INTERVAL: &str = "x-poll-interval";

/// A request's `If-None-Match` values, and nothing else of its headers:
/// the conditional reads used to take the whole `HeaderMap`, which axum
/// clones (every header, one allocation each) on every poll, to look at a
/// header a plain poller never sends.
#[derive(Debug, Default)]
pub(crate) struct IfNoneMatch(Vec<HeaderValue>);

impl IfNoneMatch {
    /// The `If-None-Match` values of `headers`, in order.
    pub(crate) fn of(headers: &http::HeaderMap) -> Self {
        IfNoneMatch(
            headers
                .get_all(http::header::IF_NONE_MATCH)
                .iter()
                .cloned()
                .collect(),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(IfNoneMatch::of(&parts.headers))
    }
}

/// The tag of a payment answer.
pub(crate) fn payment_etag(id: &PaymentId, pending: bool) -> HeaderValue {
    let version = if pending { b'1' } else { b'2' };
    let id = id.as_str().as_bytes();
    let mut tag = Vec::with_capacity(id.len() + 4);
    tag.push(b'"');
    tag.extend_from_slice(id);
    tag.extend_from_slice(&[b'.', version, b'"']);
    header_value(tag)
}

/// The tag of an event page answered to `?after=&limit=`.
pub(crate) fn page_etag(after: Option<&EventId>, limit: usize, page: &EventPage) -> HeaderValue {
    let mut h = Fnv::default();
    h.write(after.map_or("", EventId::as_str).as_bytes());
    h.write(&(limit as u64).to_le_bytes());
    for listed in &page.data {
        h.write(listed.event.id.as_str().as_bytes());
        h.write(&listed.delivery_attempts.to_le_bytes());
        h.write(&[match listed.delivery_state {
            DeliveryState::Pending => 0,
            DeliveryState::Retrying => 1,
            DeliveryState::Succeeded => 2,
            DeliveryState::Failed => 3,
        }]);
    }
    h.write(&[u8::from(page.has_more)]);
    // `"ev-{:016x}"`, written without the formatting machinery (a tag per
    // page, and nearly every page of an event poller is empty).
    let mut tag = Vec::with_capacity(21);
    tag.extend_from_slice(b"\"ev-");
    tag.extend(
        (0..16)
            .rev()
            .map(|i| b"0123456789abcdef"[((h.0 >> (4 * i)) & 0xf) as usize]),
    );
    tag.push(b'"');
    header_value(tag)
}

/// Our tags are ASCII by construction (ids are ASCII: the API rejects other
/// ids before they reach a tag). The buffer becomes the value's own bytes,
/// uncopied.
fn header_value(tag: Vec<u8>) -> HeaderValue {
    HeaderValue::from_maybe_shared(bytes::Bytes::from(tag))
        .unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// 64-bit FNV-1a: tiny, fast on short inputs, and the same in every run
/// (std's hasher is seeded per process).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }
}

/// Whether the request's `If-None-Match` names `etag` (weak comparison, as
/// RFC 9110 asks for `If-None-Match`; `*` matches any current answer).
pub(crate) fn matches(headers: &IfNoneMatch, etag: &HeaderValue) -> bool {
    if headers.0.is_empty() {
        return false;
    }
    let Ok(ours) = etag.to_str() else {
        return false;
    };
    let ours = ours.trim_start_matches("W/");
    headers
        .0
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

/// The answer to a read whose current tag is `etag`: `304` (no body, token
/// given back, counted in `not_modified`) if the client already has it,
/// otherwise `ok()`. Both carry the tag and, if configured, the poll
/// interval. The second value says whether it was a 304.
pub(crate) fn answer(
    shared: &Shared,
    merchant: &MerchantId,
    headers: &IfNoneMatch,
    etag: HeaderValue,
    ok: impl FnOnce() -> Response,
) -> (Response, bool) {
    let not_modified = matches(headers, &etag);
    let mut response = if not_modified {
        shared.ledger().merchants.refund(merchant);
        shared.served.not_modified.fetch_add(1, Ordering::Relaxed);
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ok()
    };
    let h = response.headers_mut();
    h.insert(http::header::ETAG, etag);
    if let Some(secs) = poll_interval(shared) {
        h.insert(X_POLL_INTERVAL, HeaderValue::from(secs));
    }
    (response, not_modified)
}

/// The `X-Poll-Interval` to send now, if the platform sends one.
fn poll_interval(shared: &Shared) -> Option<u64> {
    let p = shared.config.pull.poll_interval?;
    let loaded = shared.news.loaded(shared.clock.now(), p.loaded_at_requests);
    Some(if loaded { p.loaded_secs } else { p.normal_secs })
}

/// Counts an admitted request towards "loaded", if the platform sends
/// `X-Poll-Interval` (otherwise nobody reads the count).
pub(crate) fn note_request(shared: &Shared) {
    if shared.config.pull.poll_interval.is_some() {
        shared.news.note_request(shared.clock.now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklab_core::wire::{Event, ListedEvent};

    fn headers(inm: &str) -> IfNoneMatch {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::IF_NONE_MATCH,
            HeaderValue::from_str(inm).unwrap(),
        );
        IfNoneMatch::of(&h)
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists_and_star() {
        let tag = payment_etag(&PaymentId::numbered(1), true);
        assert_eq!(tag, "\"pay_000001.1\"");
        assert!(matches(&headers("\"pay_000001.1\""), &tag));
        assert!(matches(&headers("W/\"pay_000001.1\""), &tag));
        assert!(matches(&headers("\"x\", \"pay_000001.1\""), &tag));
        assert!(matches(&headers("*"), &tag));
        assert!(!matches(&headers("\"pay_000001.2\""), &tag));
        assert!(!matches(&IfNoneMatch::default(), &tag));
    }

    #[test]
    fn a_page_tag_changes_with_its_events_and_their_delivery_states() {
        let event: Event = serde_json::from_value(serde_json::json!({
            "id": "evt_000001", "type": "payment.approved",
            "created_at": "2026-12-01T00:00:00.000Z",
            "data": {"id": "pay_000001", "order_id": "ord_000001", "amount_cents": 1,
                     "currency": "BRL", "status": "approved",
                     "created_at": "2026-12-01T00:00:00.000Z",
                     "settled_at": "2026-12-01T00:00:00.000Z"}
        }))
        .unwrap();
        let empty = EventPage {
            data: vec![],
            has_more: false,
            next_after: None,
        };
        let mut one = EventPage {
            data: vec![ListedEvent {
                event,
                delivery_state: DeliveryState::Pending,
                delivery_attempts: 0,
            }],
            has_more: false,
            next_after: Some(EventId::numbered(1)),
        };
        let a = page_etag(None, 100, &empty);
        assert_eq!(a, page_etag(None, 100, &empty), "stable");
        // Spelled as `format!("\"ev-{:016x}\"")` spelled it.
        let mut h = Fnv::default();
        h.write(b"");
        h.write(&100u64.to_le_bytes());
        h.write(&[0]);
        assert_eq!(a, format!("\"ev-{:016x}\"", h.0).as_str());
        assert_ne!(a, page_etag(Some(&EventId::numbered(1)), 100, &empty));
        assert_ne!(a, page_etag(None, 10, &empty));
        let b = page_etag(None, 100, &one);
        assert_ne!(a, b);
        one.data[0].delivery_attempts = 1;
        one.data[0].delivery_state = DeliveryState::Succeeded;
        assert_ne!(b, page_etag(None, 100, &one));
    }
}
