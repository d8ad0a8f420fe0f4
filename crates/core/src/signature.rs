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

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.finalize().into_bytes().into()
    }

    /// The `v1,<base64>` signature of a delivery.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        format!("v1,{}", B64.encode(self.mac(id, timestamp, body)))
    }
}

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
    let ts: i64 = timestamp.trim().parse().map_err(|_| Rejection::Malformed)?;
    if (now_secs - ts).abs() > tolerance_secs {
        return Err(Rejection::Stale);
    }
    let mut candidates = Vec::new();
    for part in signature.split(' ').filter(|p| !p.is_empty()) {
        let Some((version, b64)) = part.split_once(',') else {
            return Err(Rejection::Malformed);
        };
        if version != "v1" {
            // Other schemes (v1a: asymmetric) are allowed by the spec; skip them.
            continue;
        }
        candidates.push(B64.decode(b64).map_err(|_| Rejection::Malformed)?);
    }
    if candidates.is_empty() {
        return Err(Rejection::Malformed);
    }
    for secret in secrets {
        let expected = secret.mac(id, ts, body);
        for c in &candidates {
            if c.len() == expected.len() && bool::from(c.ct_eq(&expected)) {
                return Ok(());
            }
        }
    }
    Err(Rejection::Mismatch)
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
