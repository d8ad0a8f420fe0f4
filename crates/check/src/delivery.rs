//! What each case sends: deliveries signed as the two schemes sign them,
//! then spoiled on purpose.
//!
//! The signing is not re-implemented here. Standard Webhooks signatures come
//! from [`hooklab_core::signature`] (the code the platform signs with), and
//! GitHub's from [`hooklab_github::signature`], with GitHub's headers from
//! [`hooklab_github::sender::request`] and its payload shapes from
//! [`hooklab_github::payload`]. A [`Signer`] makes a genuine delivery for a
//! case and then changes exactly one thing about it: the signature, the body,
//! the timestamp or the event type. Everything random (forged bytes, the
//! other secret) is drawn from a seeded RNG, and the clock is injected, so a
//! test knows exactly what was sent.
//!
//! **Every delivery is signed with the time it is made**, which the battery
//! does just before sending it: the unix time given at the start, plus
//! tokio's monotonic time since ([`Signer::now_secs`]). A test on tokio's
//! paused clock moves it with the runtime's, so a receiver slow by minutes
//! is checked in milliseconds. Before, every delivery carried the start's
//! time: against a receiver taking 3 s an answer, the delivery "6 minutes
//! ahead" was sent 65 s in and arrived only 295 s ahead, inside a correct
//! receiver's 300 s tolerance, and the stale one was 425 s old.

pub use crate::scheme::{Scheme, Secret};

use crate::case::{Case, SharedPrefix};
use crate::json;
use crate::spoil::{
    Position, add_accented_text, change_one_byte, relabel, shared_prefix, spoil_byte, tamper_target,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use hooklab_core::clock::rfc3339_from_unix_us;
use hooklab_core::ids::{EventId, OrderId, PaymentId};
use hooklab_core::rng::SeededRng;
use hooklab_core::signature::WebhookSecret;
use hooklab_core::wire::{Event, EventType, Payment, PaymentStatus};
use hooklab_github::payload::{self, SampleOptions};
use hooklab_github::sender::{self, DeliveryId, SendError};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

/// How old (or how far ahead) the stale and future timestamps are, from the
/// time they are sent: a full minute past the 5-minute tolerance Standard
/// Webhooks recommends, so a few seconds of clock skew cannot change the
/// verdict.
pub const TIMESTAMP_OFFSET_SECS: i64 = 6 * 60;

/// The event type a receiver cannot know, per scheme.
pub const UNKNOWN_STANDARD_TYPE: &str = "payment.disputed";
/// GitHub's: a real event that a receiver written for pushes rarely handles.
pub const UNKNOWN_GITHUB_EVENT: &str = "sponsorship";

/// The body of the not-JSON case.
pub const NOT_JSON: &[u8] = b"payment approved, trust me {";

/// One request to send, before it becomes headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// `webhook-id` or `X-GitHub-Delivery`.
    pub id: String,
    /// `webhook-timestamp` (Standard Webhooks only).
    pub timestamp: i64,
    /// `X-GitHub-Event` (GitHub only; Standard Webhooks puts the type in the body).
    pub event: String,
    /// The exact bytes sent.
    pub body: Bytes,
    /// The signature header's value, or `None` to send no such header.
    pub signature: Option<String>,
    /// For a near-miss forgery (the forged-signature case's second and
    /// third): how much of it is the genuine signature's. `None` for every
    /// other delivery.
    pub shares: Option<SharedPrefix>,
}

/// Makes the deliveries of every case.
pub struct Signer {
    secret: Secret,
    /// The receiver's URL, for GitHub's headers and its ping-shaped payloads.
    url: http::Uri,
    /// The unix time at `started`, in seconds.
    start_secs: i64,
    /// When the signer was made, on tokio's clock (paused in tests).
    started: tokio::time::Instant,
    seed: u64,
    rng: SeededRng,
    /// Deliveries made so far, so every one gets a fresh id.
    made: u32,
}

impl Signer {
    /// A signer for `secret`, posting to `url`, whose clock reads
    /// `start_secs` (unix seconds) now and moves on with tokio's clock, and
    /// whose random draws come from `seed`.
    pub fn new(secret: Secret, url: http::Uri, start_secs: i64, seed: u64) -> Self {
        Signer {
            secret,
            url,
            start_secs,
            started: tokio::time::Instant::now(),
            seed,
            rng: SeededRng::stream(seed, "check-forgeries"),
            made: 0,
        }
    }

    /// The signer's clock, in unix seconds: the start's, plus the whole
    /// seconds elapsed since on tokio's clock. Truncated, as senders write
    /// `webhook-timestamp`.
    pub fn now_secs(&self) -> i64 {
        let elapsed = i64::try_from(self.started.elapsed().as_secs()).unwrap_or(i64::MAX);
        self.start_secs.saturating_add(elapsed)
    }

    /// The scheme signed with.
    pub fn scheme(&self) -> Scheme {
        self.secret.scheme()
    }

    /// Whether the scheme can express `case`: GitHub signs no timestamp and
    /// sends one signature, so it has no stale, future or rotation case.
    pub fn expresses(&self, case: Case) -> bool {
        self.scheme() == Scheme::Standard
            || !matches!(
                case,
                Case::StaleTimestamp | Case::FutureTimestamp | Case::KeyRotation
            )
    }

    /// The deliveries `case` sends (the timing case has its own,
    /// [`Signer::timing_pair`]; cases a scheme cannot express send none).
    /// `max_body` is the size the oversized body goes one byte past.
    pub fn deliveries(&mut self, case: Case, max_body: usize) -> Vec<Delivery> {
        let scheme = self.scheme();
        let genuine = |signer: &mut Signer| signer.signed(signer.payload(), None);
        match case {
            Case::Genuine | Case::AnswersFast | Case::Reliability => vec![genuine(self)],
            // Random bytes first, then the near misses with the longest
            // genuine prefix last: the first one accepted tells how little
            // of the signature the receiver compares. (Before, only random
            // bytes were sent, and a receiver comparing the first 8
            // characters passed every case.)
            Case::ForgedSignature => {
                let forged = self.forged_signature();
                let random = Delivery {
                    signature: Some(forged),
                    ..genuine(self)
                };
                let near_miss = |signer: &mut Signer, position| {
                    let mut delivery = genuine(signer);
                    let valid = delivery.signature.take().unwrap_or_default();
                    let forged = spoil_byte(&valid, position);
                    delivery.shares = Some(shared_prefix(&valid, &forged));
                    delivery.signature = Some(forged);
                    delivery
                };
                vec![
                    random,
                    near_miss(self, Position::SecondHalf),
                    near_miss(self, Position::Last),
                ]
            }
            Case::WrongSecret => {
                let mut delivery = genuine(self);
                delivery.signature = Some(self.other_secret_signature(&delivery));
                vec![delivery]
            }
            Case::TamperedBody => {
                let mut delivery = genuine(self);
                let (needle, offset, byte) = tamper_target(scheme);
                delivery.body = change_one_byte(&delivery.body, needle, offset, byte);
                vec![delivery]
            }
            Case::NoSignature => vec![Delivery {
                signature: None,
                ..genuine(self)
            }],
            Case::UnknownVersion => {
                let mut delivery = genuine(self);
                delivery.signature = delivery.signature.as_deref().map(relabel);
                vec![delivery]
            }
            Case::EmptySignature => vec![Delivery {
                signature: Some(String::new()),
                ..genuine(self)
            }],
            Case::StaleTimestamp | Case::FutureTimestamp if scheme == Scheme::Github => Vec::new(),
            Case::StaleTimestamp => {
                let ts = self.now_secs() - TIMESTAMP_OFFSET_SECS;
                vec![self.signed(self.payload(), Some(ts))]
            }
            Case::FutureTimestamp => {
                let ts = self.now_secs() + TIMESTAMP_OFFSET_SECS;
                vec![self.signed(self.payload(), Some(ts))]
            }
            Case::KeyRotation if scheme == Scheme::Github => Vec::new(),
            Case::KeyRotation => {
                let mut delivery = genuine(self);
                let other = self.other_secret_signature(&delivery);
                delivery.signature = delivery.signature.map(|valid| format!("{other} {valid}"));
                vec![delivery]
            }
            Case::RawBytes => {
                let mut value = self.payload();
                add_accented_text(&mut value, scheme);
                let unusual = json::unusual(&value);
                vec![self.signed_bytes(Bytes::from(unusual), self.event_name(), None)]
            }
            Case::Duplicate => {
                let delivery = genuine(self);
                vec![delivery.clone(), delivery]
            }
            Case::UnknownEvent => {
                let (value, event) = match scheme {
                    Scheme::Standard => {
                        let mut value = self.payload();
                        value["type"] = Value::from(UNKNOWN_STANDARD_TYPE);
                        (value, String::new())
                    }
                    Scheme::Github => (
                        payload::sample(UNKNOWN_GITHUB_EVENT, &self.sample_options()),
                        UNKNOWN_GITHUB_EVENT.to_owned(),
                    ),
                };
                vec![self.signed_bytes(Bytes::from(value.to_string()), event, None)]
            }
            Case::NotJson => {
                vec![self.signed_bytes(Bytes::from_static(NOT_JSON), self.event_name(), None)]
            }
            Case::OversizedBody => {
                let body = json::padded(self.payload(), max_body.saturating_add(1));
                vec![self.signed_bytes(Bytes::from(body), self.event_name(), None)]
            }
            Case::Timing => Vec::new(),
        }
    }

    /// The size of the oversized case's body with an empty padding field: a
    /// `max_body` under it cannot be gone one byte past with this payload.
    pub fn smallest_padded(&self) -> usize {
        json::padded(self.payload(), 0).len()
    }

    /// Two forgeries of one delivery: its genuine signature with the first
    /// byte of the MAC changed, and with the last byte changed, each saying
    /// how much of it is genuine. A comparison that stops at the first
    /// differing byte answers the first sooner.
    pub fn timing_pair(&mut self) -> (Delivery, Delivery) {
        let genuine = self.signed(self.payload(), None);
        let valid = genuine.signature.clone().unwrap_or_default();
        let spoiled = |position| {
            let forged = spoil_byte(&valid, position);
            Delivery {
                shares: Some(shared_prefix(&valid, &forged)),
                signature: Some(forged),
                ..genuine.clone()
            }
        };
        (spoiled(Position::First), spoiled(Position::Last))
    }

    /// The headers `delivery` is sent with, as its scheme's sender sends them.
    pub fn headers(&self, delivery: &Delivery) -> Result<HeaderMap, SendError> {
        let (mut headers, signature_header) = match self.scheme() {
            Scheme::Standard => {
                let mut headers = HeaderMap::new();
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                insert(&mut headers, "webhook-id", &delivery.id);
                insert(
                    &mut headers,
                    "webhook-timestamp",
                    &delivery.timestamp.to_string(),
                );
                (headers, "webhook-signature")
            }
            Scheme::Github => {
                let github = sender::Delivery {
                    event: delivery.event.clone(),
                    id: DeliveryId::new(delivery.id.clone()),
                    hook_id: 1,
                    body: delivery.body.clone(),
                };
                // GitHub's own header set, unsigned; the case decides the signature.
                let request = sender::request(&self.url, &github, None)?;
                let (parts, _) = request.into_parts();
                (parts.headers, hooklab_github::signature::SIGNATURE_HEADER)
            }
        };
        if let Some(signature) = &delivery.signature {
            insert(&mut headers, signature_header, signature);
        }
        Ok(headers)
    }

    /// The next delivery id: unique per run (the seed) and per delivery.
    fn next_id(&mut self) -> String {
        self.made += 1;
        match self.scheme() {
            Scheme::Standard => format!("msg_check_{:016x}_{:03}", self.seed, self.made),
            Scheme::Github => {
                DeliveryId::derive(format!("hooklab check {} {}", self.seed, self.made).as_bytes())
                    .as_str()
                    .to_owned()
            }
        }
    }

    /// The scheme's genuine payload: a payment approved, or a push.
    fn payload(&self) -> Value {
        match self.scheme() {
            Scheme::Standard => {
                let n = u64::from(self.made) + 1;
                let at = rfc3339_from_unix_us(self.now_secs().saturating_mul(1_000_000));
                let event = Event {
                    // Replaced by the delivery's id in `signed`.
                    id: EventId(String::new()),
                    kind: EventType::PaymentApproved,
                    created_at: at.clone(),
                    data: Payment {
                        id: PaymentId(format!("pay_check_{n:03}")),
                        order_id: OrderId(format!("ord_check_{n:03}")),
                        amount_cents: 4_990,
                        currency: "BRL".to_owned(),
                        status: PaymentStatus::Approved,
                        created_at: at.clone(),
                        settled_at: Some(at),
                    },
                };
                serde_json::to_value(event).unwrap_or(Value::Null)
            }
            Scheme::Github => payload::sample("push", &self.sample_options()),
        }
    }

    fn sample_options(&self) -> SampleOptions {
        SampleOptions {
            hook_url: self.url.to_string(),
            timestamp: time::OffsetDateTime::from_unix_timestamp(self.now_secs())
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
            ..SampleOptions::default()
        }
    }

    /// `X-GitHub-Event` for the genuine payload (empty for Standard Webhooks).
    fn event_name(&self) -> String {
        match self.scheme() {
            Scheme::Standard => String::new(),
            Scheme::Github => "push".to_owned(),
        }
    }

    /// `value` as compact JSON under a fresh id, genuinely signed.
    fn signed(&mut self, mut value: Value, timestamp: Option<i64>) -> Delivery {
        let id = self.next_id();
        if self.scheme() == Scheme::Standard {
            // The event's id is the delivery's id, as hooklab's platform sends it.
            value["id"] = Value::from(id.clone());
        }
        let body = Bytes::from(value.to_string());
        let event = self.event_name();
        self.sign_as(id, body, event, timestamp)
    }

    /// `body` under a fresh id, genuinely signed.
    fn signed_bytes(&mut self, body: Bytes, event: String, timestamp: Option<i64>) -> Delivery {
        let id = self.next_id();
        self.sign_as(id, body, event, timestamp)
    }

    fn sign_as(&self, id: String, body: Bytes, event: String, timestamp: Option<i64>) -> Delivery {
        let timestamp = timestamp.unwrap_or(self.now_secs());
        let signature = match &self.secret {
            Secret::Standard(secret) => secret.sign(&id, timestamp, &body),
            Secret::Github(secret) => hooklab_github::signature::sign(secret.as_bytes(), &body),
        };
        Delivery {
            id,
            timestamp,
            event,
            body,
            signature: Some(signature),
            shares: None,
        }
    }

    /// A signature of the right form whose MAC is random bytes.
    fn forged_signature(&mut self) -> String {
        let mut mac = [0u8; 32];
        self.rng.fill_bytes(&mut mac);
        match self.scheme() {
            Scheme::Standard => format!("v1,{}", B64.encode(mac)),
            Scheme::Github => format!("sha256={}", hex::encode(mac)),
        }
    }

    /// `delivery` signed correctly, but with a random secret.
    fn other_secret_signature(&mut self, delivery: &Delivery) -> String {
        match self.scheme() {
            Scheme::Standard => WebhookSecret::generate(&mut self.rng).sign(
                &delivery.id,
                delivery.timestamp,
                &delivery.body,
            ),
            Scheme::Github => {
                let mut other = [0u8; 20];
                self.rng.fill_bytes(&mut other);
                hooklab_github::signature::sign(hex::encode(other).as_bytes(), &delivery.body)
            }
        }
    }
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &str) {
    // Every value built here is ASCII (ids, digits, base64, hex); one that
    // is not would be a bug, and sending no header is the safe failure.
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklab_core::signature::{Rejection, verify};

    const NOW: i64 = 1_767_225_600;

    fn standard() -> (Signer, WebhookSecret) {
        let secret = WebhookSecret::from_key(&[7u8; 24]).unwrap();
        let signer = Signer::new(
            Secret::Standard(secret.clone()),
            "http://127.0.0.1:9/hook".parse().unwrap(),
            NOW,
            42,
        );
        (signer, secret)
    }

    fn github() -> Signer {
        Signer::new(
            Secret::Github(hooklab_github::receiver::WebhookSecret::new("s3cret")),
            "http://127.0.0.1:9/webhook".parse().unwrap(),
            NOW,
            42,
        )
    }

    fn check(secret: &WebhookSecret, d: &Delivery, now: i64) -> Result<(), Rejection> {
        verify(
            std::slice::from_ref(secret),
            Some(&d.id),
            Some(&d.timestamp.to_string()),
            d.signature.as_deref(),
            &d.body,
            now,
            300,
        )
    }

    fn one(signer: &mut Signer, case: Case) -> Delivery {
        signer.deliveries(case, 1 << 20).remove(0)
    }

    #[test]
    fn each_standard_case_breaks_exactly_what_it_says() {
        let (mut s, secret) = standard();
        assert_eq!(check(&secret, &one(&mut s, Case::Genuine), NOW), Ok(()));
        assert_eq!(check(&secret, &one(&mut s, Case::KeyRotation), NOW), Ok(()));
        assert_eq!(check(&secret, &one(&mut s, Case::RawBytes), NOW), Ok(()));
        assert_eq!(
            check(&secret, &one(&mut s, Case::UnknownEvent), NOW),
            Ok(())
        );
        assert_eq!(check(&secret, &one(&mut s, Case::NotJson), NOW), Ok(()));
        for (case, rejection) in [
            (Case::ForgedSignature, Rejection::Mismatch),
            (Case::WrongSecret, Rejection::Mismatch),
            (Case::TamperedBody, Rejection::Mismatch),
            (Case::NoSignature, Rejection::Missing),
            (Case::UnknownVersion, Rejection::Malformed),
            (Case::EmptySignature, Rejection::Malformed),
            (Case::StaleTimestamp, Rejection::Stale),
            (Case::FutureTimestamp, Rejection::Stale),
        ] {
            assert_eq!(
                check(&secret, &one(&mut s, case), NOW),
                Err(rejection),
                "{case:?}"
            );
        }
    }

    #[test]
    fn the_forged_signatures_are_random_then_ever_closer_near_misses() {
        let (mut s, secret) = standard();
        let forged = s.deliveries(Case::ForgedSignature, 1 << 20);
        let shares: Vec<_> = forged.iter().map(|d| d.shares).collect();
        assert_eq!(
            shares,
            [
                None,
                Some(SharedPrefix { chars: 21, of: 44 }),
                Some(SharedPrefix { chars: 41, of: 44 })
            ]
        );
        for delivery in &forged {
            assert_eq!(check(&secret, delivery, NOW), Err(Rejection::Mismatch));
        }
        let mut g = github();
        let shares: Vec<_> = g
            .deliveries(Case::ForgedSignature, 1 << 20)
            .iter()
            .map(|d| d.shares.map(|p| (p.chars, p.of)))
            .collect();
        assert_eq!(shares, [None, Some((32, 64)), Some((62, 64))]);
    }

    #[test]
    fn stale_and_future_deliveries_are_genuine_at_their_own_time() {
        let (mut s, secret) = standard();
        let stale = one(&mut s, Case::StaleTimestamp);
        assert_eq!(check(&secret, &stale, NOW - TIMESTAMP_OFFSET_SECS), Ok(()));
        let future = one(&mut s, Case::FutureTimestamp);
        assert_eq!(check(&secret, &future, NOW + TIMESTAMP_OFFSET_SECS), Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn every_delivery_is_signed_at_the_time_it_is_made() {
        // A tester's finding: against a receiver taking 3 s an answer, the
        // "6 minutes ahead" delivery, made 65 s into the battery, carried
        // the start's time plus 360 s: only 295 s ahead when it arrived.
        let (mut s, secret) = standard();
        tokio::time::advance(std::time::Duration::from_secs(65)).await;
        let now = NOW + 65;
        assert_eq!(s.now_secs(), now);
        let genuine = one(&mut s, Case::Genuine);
        assert_eq!(genuine.timestamp, now);
        assert_eq!(check(&secret, &genuine, now), Ok(()));
        let future = one(&mut s, Case::FutureTimestamp);
        assert_eq!(future.timestamp, now + TIMESTAMP_OFFSET_SECS);
        assert_eq!(check(&secret, &future, now), Err(Rejection::Stale));
        let stale = one(&mut s, Case::StaleTimestamp);
        assert_eq!(stale.timestamp, now - TIMESTAMP_OFFSET_SECS);
        // The payload's times are the sending's too.
        let body: Value = serde_json::from_slice(&genuine.body).unwrap();
        assert_eq!(
            body["created_at"],
            rfc3339_from_unix_us(now * 1_000_000).as_str()
        );
    }

    #[test]
    fn the_tampered_byte_is_in_the_genuine_body_and_keeps_it_json() {
        for mut signer in [standard().0, github()] {
            let genuine = one(&mut signer, Case::Genuine);
            let (needle, offset, byte) = tamper_target(signer.scheme());
            assert_ne!(needle.as_bytes()[offset], byte);
            let tampered = change_one_byte(&genuine.body, needle, offset, byte);
            let differing = genuine
                .body
                .iter()
                .zip(tampered.iter())
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!((genuine.body.len(), differing), (tampered.len(), 1));
            assert!(serde_json::from_slice::<Value>(&tampered).is_ok());
        }
    }

    #[test]
    fn raw_bytes_are_the_same_json_in_other_bytes() {
        let mut s = github();
        let raw = one(&mut s, Case::RawBytes);
        let text = std::str::from_utf8(&raw.body).unwrap();
        assert!(text.contains('\t') && text.contains("pão"), "{text}");
        let parsed: Value = serde_json::from_slice(&raw.body).unwrap();
        assert_ne!(parsed.to_string().as_bytes(), &raw.body[..]);
        assert_eq!(
            hooklab_github::signature::verify(b"s3cret", &raw.body, raw.signature.as_deref()),
            Ok(())
        );
    }

    #[test]
    fn github_cases_verify_or_fail_as_designed() {
        use hooklab_github::signature::{SignatureError, verify};
        let mut s = github();
        let sig = |d: &Delivery| verify(b"s3cret", &d.body, d.signature.as_deref());
        assert_eq!(sig(&one(&mut s, Case::Genuine)), Ok(()));
        assert_eq!(
            sig(&one(&mut s, Case::ForgedSignature)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            sig(&one(&mut s, Case::WrongSecret)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            sig(&one(&mut s, Case::TamperedBody)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            sig(&one(&mut s, Case::NoSignature)),
            Err(SignatureError::Missing)
        );
        assert!(matches!(
            sig(&one(&mut s, Case::UnknownVersion)),
            Err(SignatureError::Malformed(_))
        ));
        assert!(s.deliveries(Case::StaleTimestamp, 1).is_empty());
        assert!(s.deliveries(Case::KeyRotation, 1).is_empty());
        let unknown = one(&mut s, Case::UnknownEvent);
        assert_eq!(unknown.event, UNKNOWN_GITHUB_EVENT);
        let headers = s.headers(&unknown).unwrap();
        assert_eq!(headers["x-github-event"], UNKNOWN_GITHUB_EVENT);
        assert_eq!(headers["x-github-delivery"], unknown.id.as_str());
        assert!(headers.contains_key("x-hub-signature-256"));
    }

    #[test]
    fn ids_are_fresh_except_for_the_duplicate() {
        let (mut s, _) = standard();
        let a = one(&mut s, Case::Genuine);
        let b = one(&mut s, Case::Genuine);
        assert_ne!(a.id, b.id);
        let pair = s.deliveries(Case::Duplicate, 1);
        assert_eq!(pair.len(), 2);
        assert_eq!(pair[0], pair[1]);
    }

    #[test]
    fn timing_forgeries_differ_from_the_genuine_signature_at_either_end() {
        for mut signer in [standard().0, github()] {
            let (first, last) = signer.timing_pair();
            assert_eq!(first.body, last.body);
            let (a, b) = (first.signature.unwrap(), last.signature.unwrap());
            assert_eq!(a.len(), b.len());
            let split = a.find([',', '=']).unwrap() + 1;
            let differing: Vec<usize> = a[split..]
                .bytes()
                .zip(b[split..].bytes())
                .enumerate()
                .filter(|(_, (x, y))| x != y)
                .map(|(i, _)| i)
                .collect();
            let digits = a.len() - split;
            assert!(differing[0] < 2, "{differing:?}");
            assert!(*differing.last().unwrap() >= digits - 4, "{differing:?}");
        }
    }

    #[test]
    fn the_oversized_body_is_one_byte_over_and_signed() {
        let (mut s, secret) = standard();
        let big = one(&mut s, Case::OversizedBody);
        assert_eq!(big.body.len(), (1 << 20) + 1);
        assert_eq!(check(&secret, &big, NOW), Ok(()));
        assert!(serde_json::from_slice::<Value>(&big.body).is_ok());
    }
}
