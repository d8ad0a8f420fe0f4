//! Standard Webhooks signatures: how a receiver knows a delivery is genuine.
//!
//! The seed names the first cost of webhooks: the connection and the data must
//! be secured. Anyone who learns a receiver's URL can POST to it; a signature
//! proves the sender knows the endpoint's secret and that the body was not
//! changed on the way. hooklab follows the Standard Webhooks spec (used by
//! Svix and others), so its deliveries verify with any conforming library:
//!
//! - headers `webhook-id`, `webhook-timestamp` (unix seconds) and
//!   `webhook-signature` = `v1,<base64 HMAC-SHA256>`, where the HMAC is over
//!   `"{id}.{timestamp}.{body}"`, keyed with the base64-decoded part of the
//!   endpoint's `whsec_…` secret;
//! - several space-separated signatures may be present (during a secret
//!   rotation the sender signs with the old and the new secret);
//! - the receiver rejects a timestamp too far from now (default 5 minutes),
//!   which stops an attacker from replaying an old, genuinely signed request.
//!
//! Comparison is constant-time, so response timing leaks nothing about how
//! much of a forged signature was right.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The default tolerance between a delivery's timestamp and the receiver's clock.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// The header naming the delivery (the event id), signed and deduplicated on.
pub const ID_HEADER: &str = "webhook-id";
/// The header with the delivery's unix time in seconds, as ASCII digits.
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// The header with the space-separated `v1,<base64>` signatures.
pub const SIGNATURE_HEADER: &str = "webhook-signature";

/// An endpoint's signing secret.
#[derive(Clone)]
pub struct WebhookSecret {
    key: Vec<u8>,
    /// The HMAC already keyed with `key`: each signature clones it instead
    /// of hashing the key again (two SHA-256 blocks saved per delivery).
    keyed: Hmac<Sha256>,
}

impl PartialEq for WebhookSecret {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for WebhookSecret {}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a secret, even in debug output.
        f.write_str("WebhookSecret(..)")
    }
}

/// Why a secret could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Occurs when the text is not `whsec_` followed by base64.
    #[error("a webhook secret is `whsec_` followed by base64")]
    Malformed,
    /// Occurs when the key is shorter than 24 or longer than 64 bytes.
    #[error("a webhook secret's key must be 24 to 64 bytes, got {0}")]
    Length(usize),
}

impl WebhookSecret {
    /// Reads `whsec_<base64>`.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let b64 = text.strip_prefix("whsec_").ok_or(SecretError::Malformed)?;
        let key = B64.decode(b64).map_err(|_| SecretError::Malformed)?;
        if !(24..=64).contains(&key.len()) {
            return Err(SecretError::Length(key.len()));
        }
        Ok(Self::keyed(key))
    }

    fn keyed(key: Vec<u8>) -> Self {
        // HMAC accepts keys of any length, so this cannot fail.
        let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        WebhookSecret { key, keyed }
    }

    /// A secret from raw key bytes (24 to 64 of them).
    pub fn from_key(key: &[u8]) -> Result<Self, SecretError> {
        if !(24..=64).contains(&key.len()) {
            return Err(SecretError::Length(key.len()));
        }
        Ok(Self::keyed(key.to_vec()))
    }

    /// A fresh secret of 24 random bytes (the size Svix uses), drawn from `rng`
    /// so a seeded run mints the same secrets every time.
    pub fn generate(rng: &mut crate::rng::SeededRng) -> Self {
        let mut key = vec![0u8; 24];
        rng.fill_bytes(&mut key);
        Self::keyed(key)
    }

    /// The `whsec_…` form.
    pub fn to_text(&self) -> String {
        format!("whsec_{}", B64.encode(&self.key))
    }

    /// The HMAC over `"{id}.{timestamp}.{body}"`, with `timestamp` the bytes
    /// of the header as sent (never a re-formatted number: a receiver that
    /// parsed `"0123"` and signed `"123"` would check another message).
    fn mac(&self, id: &str, timestamp: &str, body: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.finalize().into_bytes().into()
    }

    /// The `v1,<base64>` signature of a delivery sent at `timestamp` (unix
    /// seconds). It signs the timestamp's decimal form (`timestamp.to_string()`),
    /// which is exactly what the [`TIMESTAMP_HEADER`] must carry.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut signature = String::new();
        self.sign_onto(id, &timestamp.to_string(), body, &mut signature);
        signature
    }

    /// Appends the `v1,<base64>` signature of a delivery whose
    /// [`TIMESTAMP_HEADER`] is `timestamp_header` (the header's text as it
    /// is sent, signed byte for byte) to `out`: a sender that already wrote
    /// the header's text, and builds a header of several signatures, signs
    /// without a string per signature.
    pub fn sign_onto(&self, id: &str, timestamp_header: &str, body: &[u8], out: &mut String) {
        out.push_str("v1,");
        B64.encode_string(self.mac(id, timestamp_header, body), out);
    }
}

/// A signature of `webhook-signature` decoded, as [`verify`] reads one: the
/// 32 bytes of an HMAC-SHA256, or `None` for well-formed base64 of another
/// length, which no secret's HMAC can match.
fn decode_signature(b64: &str) -> Result<Option<[u8; 32]>, Rejection> {
    // Decoded on the stack: a header's signatures cost no allocation. The
    // engine wants room for its estimate (3 bytes per 4 characters, rounded
    // up), so 48 bytes take any text up to 64 characters; a longer one
    // (never an HMAC-SHA256: that is 44) is decoded on the heap, only to
    // tell well-formed from malformed.
    let mut buffer = [0u8; 48];
    let decoded = if b64.len() <= 64 {
        let n = B64
            .decode_slice(b64, &mut buffer)
            .map_err(|_| Rejection::Malformed)?;
        &buffer[..n]
    } else {
        B64.decode(b64).map_err(|_| Rejection::Malformed)?;
        return Ok(None);
    };
    Ok(<[u8; 32]>::try_from(decoded).ok())
}

/// The most signatures [`verify`] reads from one `webhook-signature`
/// header; more is [`Rejection::Malformed`]. A sender signs with one secret
/// per key it is rotating through (two or three), and the spec sets no
/// number; without a bound, one request of 20,000 `v1,…` entries (140 KB)
/// took a receiver 0.4 s of work to refuse.
pub const MAX_SIGNATURES: usize = 16;

/// Why a delivery was rejected. Each reason is counted apart by the receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Rejection {
    /// Occurs when `webhook-id`, `webhook-timestamp` or `webhook-signature` is absent.
    #[error("missing webhook-id, webhook-timestamp or webhook-signature header")]
    Missing,
    /// Occurs when a header is present but not in the spec's form.
    #[error("malformed signature headers")]
    Malformed,
    /// Occurs when the timestamp is too far from the receiver's clock.
    #[error("timestamp outside the allowed tolerance (a replay, or a wrong clock)")]
    Stale,
    /// Occurs when no signature matches: wrong secret or a tampered body.
    #[error("no signature matches (wrong secret or tampered body)")]
    Mismatch,
}

impl Rejection {
    /// A short, stable name for reports: `missing`, `malformed`, `stale`, `mismatch`.
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::Missing => "missing",
            Rejection::Malformed => "malformed",
            Rejection::Stale => "stale",
            Rejection::Mismatch => "mismatch",
        }
    }
}

/// Verifies a delivery against any of `secrets` (several during a rotation).
///
/// `now_secs` is the receiver's clock in unix seconds (injected, so tests and
/// virtual time are exact). Checks, in order: presence, form, freshness, then
/// the signatures in constant time.
pub fn verify(
    secrets: &[WebhookSecret],
    id: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now_secs: i64,
    tolerance_secs: i64,
) -> Result<(), Rejection> {
    let (Some(id), Some(timestamp), Some(signature)) = (id, timestamp, signature) else {
        return Err(Rejection::Missing);
    };
    if id.is_empty() || id.len() > 256 {
        return Err(Rejection::Malformed);
    }
    let ts = parse_timestamp(timestamp).ok_or(Rejection::Malformed)?;
    // Checked: `now - ts` overflows for a timestamp near `now - 2^63`, and a
    // wrapped difference would read as fresh. An overflow is as stale as it gets.
    let fresh = now_secs
        .checked_sub(ts)
        .is_some_and(|skew| skew.unsigned_abs() <= tolerance_secs.max(0).unsigned_abs());
    if !fresh {
        return Err(Rejection::Stale);
    }
    // Every signature is read (and a malformed one refuses the delivery)
    // before any is compared. Up to `INLINE` of them are kept on the stack:
    // a sender signs with at most three secrets (one current, two retiring).
    const INLINE: usize = 4;
    let mut inline = [[0u8; 32]; INLINE];
    let mut kept = 0;
    let mut more: Vec<[u8; 32]> = Vec::new();
    let mut any_v1 = false;
    for (n, part) in signature.split(' ').filter(|p| !p.is_empty()).enumerate() {
        // A header of thousands of signatures is no sender's (see
        // `MAX_SIGNATURES`): refused before it costs a decode each.
        if n == MAX_SIGNATURES {
            return Err(Rejection::Malformed);
        }
        let Some((version, b64)) = part.split_once(',') else {
            return Err(Rejection::Malformed);
        };
        if version != "v1" {
            // Other schemes (v1a: asymmetric) are allowed by the spec; skip them.
            continue;
        }
        any_v1 = true;
        match decode_signature(b64)? {
            Some(mac) if kept < INLINE => {
                inline[kept] = mac;
                kept += 1;
            }
            Some(mac) => more.push(mac),
            None => {}
        }
    }
    if !any_v1 {
        return Err(Rejection::Malformed);
    }
    let candidates = &inline[..kept];
    for secret in secrets {
        let expected = secret.mac(id, timestamp, body);
        for c in candidates.iter().chain(&more) {
            if bool::from(c[..].ct_eq(&expected[..])) {
                return Ok(());
            }
        }
    }
    Err(Rejection::Mismatch)
}

/// A `webhook-timestamp` header's unix seconds, read strictly: ASCII digits
/// only, no sign, no spaces, no leading zero (except `0` itself), and small
/// enough for an `i64`. Each of these has one spelling, so the bytes signed and
/// the number checked for freshness cannot disagree.
fn parse_timestamp(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.is_empty()
        || !bytes.iter().all(u8::is_ascii_digit)
        || (bytes.len() > 1 && bytes[0] == b'0')
    {
        return None;
    }
    // Digits only, so `parse` sees no sign; it still refuses an overflow.
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The test vector published with the Standard Webhooks spec.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn check(
        secret: &WebhookSecret,
        sig: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), Rejection> {
        verify(
            std::slice::from_ref(secret),
            Some(ID),
            Some(&TS.to_string()),
            sig,
            body,
            now,
            DEFAULT_TOLERANCE_SECS,
        )
    }

    #[test]
    fn the_spec_test_vector_signs_and_verifies() {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        assert_eq!(secret.sign(ID, TS, BODY), SIG);
        assert_eq!(check(&secret, Some(SIG), BODY, TS), Ok(()));
        assert_eq!(secret.to_text(), SECRET);
    }

    #[test]
    fn a_header_of_more_signatures_than_any_sender_makes_is_malformed() {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        let others = |n: usize| vec!["v1,AAAA"; n].join(" ");
        // The genuine one among the most a header may carry: accepted.
        let most = format!("{} {SIG}", others(MAX_SIGNATURES - 1));
        assert_eq!(check(&secret, Some(&most), BODY, TS), Ok(()));
        // One more, even with the genuine one first: refused unread.
        let over = format!("{SIG} {}", others(MAX_SIGNATURES));
        assert_eq!(
            check(&secret, Some(&over), BODY, TS),
            Err(Rejection::Malformed)
        );
        let flood = others(20_000);
        assert_eq!(
            check(&secret, Some(&flood), BODY, TS),
            Err(Rejection::Malformed)
        );
    }

    #[test]
    fn every_rejection_reason() {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        let other = WebhookSecret::from_key(&[7u8; 24]).unwrap();
        assert_eq!(check(&secret, None, BODY, TS), Err(Rejection::Missing));
        assert_eq!(
            check(&secret, Some("v1"), BODY, TS),
            Err(Rejection::Malformed)
        );
        assert_eq!(
            check(&secret, Some("v1,@@@"), BODY, TS),
            Err(Rejection::Malformed)
        );
        assert_eq!(
            check(&secret, Some(SIG), BODY, TS + 301),
            Err(Rejection::Stale)
        );
        assert_eq!(
            check(&secret, Some(SIG), BODY, TS - 301),
            Err(Rejection::Stale)
        );
        assert_eq!(
            check(&secret, Some(SIG), br#"{"test": 1}"#, TS),
            Err(Rejection::Mismatch)
        );
        assert_eq!(check(&other, Some(SIG), BODY, TS), Err(Rejection::Mismatch));
        let bad_ts = verify(&[secret], Some(ID), Some("soon"), Some(SIG), BODY, TS, 300);
        assert_eq!(bad_ts, Err(Rejection::Malformed));
    }

    /// Verifies the spec vector's signature with `timestamp` as the header.
    fn with_timestamp(timestamp: &str, now: i64) -> Result<(), Rejection> {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        verify(
            &[secret],
            Some(ID),
            Some(timestamp),
            Some(SIG),
            BODY,
            now,
            DEFAULT_TOLERANCE_SECS,
        )
    }

    #[test]
    fn the_timestamp_has_one_spelling() {
        let ts = TS.to_string();
        assert_eq!(with_timestamp(&ts, TS), Ok(()));
        // Each of these parses to TS with a lenient reader and used to verify.
        for other in [
            format!("+{ts}"),
            format!("0{ts}"),
            format!(" {ts} "),
            format!("{ts} "),
            format!("{ts}\t"),
        ] {
            assert_eq!(
                with_timestamp(&other, TS),
                Err(Rejection::Malformed),
                "{other:?}"
            );
        }
        for other in ["", "-1", "1e9", "12_3", "٣", "99999999999999999999"] {
            assert_eq!(
                with_timestamp(other, TS),
                Err(Rejection::Malformed),
                "{other:?}"
            );
        }
        assert_eq!(parse_timestamp("0"), Some(0));
        assert_eq!(parse_timestamp("00"), None);
    }

    /// `verify` with a signature made over `header` by the spec's secret.
    fn signed_at(header: &str, now: i64) -> Result<(), Rejection> {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        let signature = format!("v1,{}", B64.encode(secret.mac(ID, header, BODY)));
        verify(
            &[secret],
            Some(ID),
            Some(header),
            Some(&signature),
            BODY,
            now,
            DEFAULT_TOLERANCE_SECS,
        )
    }

    #[test]
    fn a_huge_skew_is_refused_and_never_overflows() {
        // A correctly signed timestamp 2^63 seconds before now: `now - ts` is
        // 2^63, one more than an i64 holds (a debug build used to panic, a
        // release build to wrap it to a negative skew and call it fresh).
        let ts = TS + i64::MIN;
        assert_eq!(signed_at(&ts.to_string(), TS), Err(Rejection::Malformed));
        // The largest timestamp against the smallest clock overflows too, and
        // is refused as stale rather than wrapping.
        assert_eq!(
            signed_at(&i64::MAX.to_string(), i64::MIN),
            Err(Rejection::Stale)
        );
        // The edges of the tolerance still hold.
        let ts = TS.to_string();
        assert_eq!(signed_at(&ts, TS + DEFAULT_TOLERANCE_SECS), Ok(()));
        assert_eq!(signed_at(&ts, TS - DEFAULT_TOLERANCE_SECS), Ok(()));
        assert_eq!(
            signed_at(&ts, TS + DEFAULT_TOLERANCE_SECS + 1),
            Err(Rejection::Stale)
        );
    }

    #[test]
    fn the_signature_covers_the_timestamp_header_as_sent() {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        let header = TS.to_string();
        let by_text = format!("v1,{}", B64.encode(secret.mac(ID, &header, BODY)));
        assert_eq!(secret.sign(ID, TS, BODY), by_text);
        // A signature over other timestamp bytes does not verify.
        let shifted = format!(
            "v1,{}",
            B64.encode(secret.mac(ID, &format!("{header} "), BODY))
        );
        assert_eq!(
            verify(
                std::slice::from_ref(&secret),
                Some(ID),
                Some(&header),
                Some(&shifted),
                BODY,
                TS,
                DEFAULT_TOLERANCE_SECS,
            ),
            Err(Rejection::Mismatch)
        );
    }

    #[test]
    fn any_of_several_signatures_and_secrets_may_match() {
        let old = WebhookSecret::parse(SECRET).unwrap();
        let new = WebhookSecret::from_key(&[9u8; 32]).unwrap();
        let both = format!("{} {}", new.sign(ID, TS, BODY), old.sign(ID, TS, BODY));
        assert_eq!(check(&old, Some(&both), BODY, TS), Ok(()));
        assert_eq!(check(&new, Some(&both), BODY, TS), Ok(()));
        let only_new = new.sign(ID, TS, BODY);
        assert_eq!(
            verify(
                &[old, new],
                Some(ID),
                Some(&TS.to_string()),
                Some(&only_new),
                BODY,
                TS,
                300
            ),
            Ok(())
        );
    }

    #[test]
    fn signatures_of_other_lengths_and_many_signatures_are_read_as_before() {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        // Well-formed base64 that is no HMAC-SHA256 (short, 48 bytes, 300
        // bytes: the last one past the stack buffer) never matches, and is
        // not malformed.
        for len in [4usize, 31, 33, 48, 300] {
            let other = format!("v1,{}", B64.encode(vec![1u8; len]));
            assert_eq!(
                check(&secret, Some(&other), BODY, TS),
                Err(Rejection::Mismatch),
                "{len}"
            );
            let both = format!("{other} {SIG}");
            assert_eq!(check(&secret, Some(&both), BODY, TS), Ok(()), "{len}");
        }
        // Malformed base64 past the stack buffer is still malformed.
        let long = format!("v1,{}@", "A".repeat(80));
        assert_eq!(
            check(&secret, Some(&long), BODY, TS),
            Err(Rejection::Malformed)
        );
        // More signatures than are kept on the stack: the right one last.
        let wrong = WebhookSecret::from_key(&[3u8; 24]).unwrap();
        let mut many: Vec<String> = (0..6)
            .map(|n| wrong.sign(&format!("msg_{n}"), TS, BODY))
            .collect();
        many.push(SIG.to_owned());
        assert_eq!(check(&secret, Some(&many.join(" ")), BODY, TS), Ok(()));
        many.pop();
        assert_eq!(
            check(&secret, Some(&many.join(" ")), BODY, TS),
            Err(Rejection::Mismatch)
        );
        // A malformed signature after the matching one refuses the delivery.
        let after = format!("{SIG} v1,@@@");
        assert_eq!(
            check(&secret, Some(&after), BODY, TS),
            Err(Rejection::Malformed)
        );
        // Only other schemes: malformed, as before.
        assert_eq!(
            check(&secret, Some("v1a,AAAA"), BODY, TS),
            Err(Rejection::Malformed)
        );
    }

    #[test]
    fn sign_onto_appends_what_sign_answers() {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        let mut header = String::from("v1,x ");
        secret.sign_onto(ID, &TS.to_string(), BODY, &mut header);
        assert_eq!(header, format!("v1,x {SIG}"));
    }

    #[test]
    fn secrets_are_checked_and_never_printed() {
        assert_eq!(WebhookSecret::parse("sk_123"), Err(SecretError::Malformed));
        assert_eq!(
            WebhookSecret::parse("whsec_AAAA"),
            Err(SecretError::Length(3))
        );
        assert_eq!(
            format!("{:?}", WebhookSecret::parse(SECRET).unwrap()),
            "WebhookSecret(..)"
        );
    }
}
