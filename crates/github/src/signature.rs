//! GitHub's webhook signature: `X-Hub-Signature-256`.
//!
//! When a webhook has a secret, GitHub computes an HMAC-SHA256 of the **raw
//! request body** with that secret and sends it as
//! `X-Hub-Signature-256: sha256=<64 lowercase hex digits>`. A receiver that
//! knows the same secret recomputes the HMAC and compares. This module teaches
//! three details that a hand-rolled check usually gets wrong:
//!
//! - **Sign the bytes, not the JSON.** The HMAC covers the body exactly as it
//!   arrived. Parsing and re-serialising would change whitespace or key order
//!   and break the check, so the receiver verifies *before* it parses.
//! - **Compare in constant time.** `==` on strings stops at the first
//!   differing byte, and how long it took leaks how much of a forged signature
//!   was right. [`verify`] hands the comparison to `hmac`'s `verify_slice`,
//!   which takes the same time whatever the bytes.
//! - **Say why it failed.** A missing header, a header that is not
//!   `sha256=<hex>` and a wrong signature are different mistakes (the first two
//!   are usually a misconfigured webhook; the last a wrong secret or a forger),
//!   so [`SignatureError`] keeps them apart.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header GitHub puts the signature in.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// The prefix that names the algorithm inside the header value.
const PREFIX: &str = "sha256=";

type HmacSha256 = Hmac<Sha256>;

/// Why a request's signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Occurs when the request has no `X-Hub-Signature-256` header: the webhook
    /// was created without a secret, or the request did not come from GitHub.
    #[error("missing X-Hub-Signature-256 header (is the webhook's secret set?)")]
    Missing,
    /// Occurs when the header is not `sha256=` followed by 64 hex digits.
    #[error("malformed X-Hub-Signature-256 header: {0}")]
    Malformed(&'static str),
    /// Occurs when the header is well formed but is not the HMAC of this body
    /// with this secret: a wrong secret, a tampered body, or a forgery.
    #[error("X-Hub-Signature-256 does not match the body (wrong secret or tampered body)")]
    Mismatch,
}

impl SignatureError {
    /// A short, stable code for JSON error bodies and logs.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Missing => "missing_signature",
            SignatureError::Malformed(_) => "malformed_signature",
            SignatureError::Mismatch => "signature_mismatch",
        }
    }
}

/// A fresh HMAC keyed with `secret`.
fn keyed(secret: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length (long ones are hashed first), so this
    // cannot fail; `new_from_slice` only returns a Result because other MACs
    // have fixed key sizes.
    match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// The `X-Hub-Signature-256` header value GitHub would send for `body`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = keyed(secret);
    mac.update(body);
    format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks `header` (the `X-Hub-Signature-256` value, if any) against `body`.
///
/// Call this on the raw body, before parsing it.
pub fn verify(secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_digest = header
        .trim()
        .strip_prefix(PREFIX)
        .ok_or(SignatureError::Malformed(
            "expected it to start with `sha256=`",
        ))?;
    // SHA-256 is 32 bytes, 64 hex digits. Checking the length first keeps the
    // error precise; it leaks nothing, since every valid signature has it.
    if hex_digest.len() != 64 {
        return Err(SignatureError::Malformed(
            "expected 64 hex digits after `sha256=`",
        ));
    }
    let expected =
        hex::decode(hex_digest).map_err(|_| SignatureError::Malformed("not hexadecimal"))?;
    let mut mac = keyed(secret);
    mac.update(body);
    // `verify_slice` compares in constant time (it uses `subtle` inside).
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example from GitHub's "Validating webhook deliveries" page.
    const SECRET: &[u8] = b"It's a Secret to Everybody";
    const BODY: &[u8] = b"Hello, World!";
    const EXPECTED: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn signs_githubs_documented_vector() {
        assert_eq!(sign(SECRET, BODY), EXPECTED);
    }

    #[test]
    fn verifies_githubs_documented_vector() {
        assert_eq!(verify(SECRET, BODY, Some(EXPECTED)), Ok(()));
    }

    #[test]
    fn uppercase_hex_is_accepted() {
        let upper = format!("sha256={}", EXPECTED[7..].to_uppercase());
        assert_eq!(verify(SECRET, BODY, Some(&upper)), Ok(()));
    }

    #[test]
    fn missing_header_is_missing() {
        assert_eq!(verify(SECRET, BODY, None), Err(SignatureError::Missing));
    }

    #[test]
    fn wrong_secret_is_a_mismatch() {
        assert_eq!(
            verify(b"not the secret", BODY, Some(EXPECTED)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn tampered_body_is_a_mismatch() {
        assert_eq!(
            verify(SECRET, b"Hello, World?", Some(EXPECTED)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_headers_say_why() {
        for bad in [
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "sha256=abc",
            "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        ] {
            assert!(
                matches!(
                    verify(SECRET, BODY, Some(bad)),
                    Err(SignatureError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }
}
