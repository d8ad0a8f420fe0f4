//! The one thing each case spoils in an otherwise genuine delivery.
//!
//! Small pure functions, kept apart from [`crate::delivery`]'s signer so each
//! can be read (and tested) on its own: a signature relabelled with a version
//! the receiver must not know, a MAC with its first or last byte (or its
//! second half) inverted, one byte of the body changed, and accents added
//! for the raw-bytes case.

use crate::delivery::Scheme;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use serde_json::Value;

/// The right signature under a version label the receiver must not know:
/// `v2,` for Standard Webhooks, `sha512=` for GitHub.
pub(crate) fn relabel(valid: &str) -> String {
    if let Some(b64) = valid.strip_prefix("v1,") {
        format!("v2,{b64}")
    } else if let Some(hex) = valid.strip_prefix("sha256=") {
        format!("sha512={hex}")
    } else {
        valid.to_owned()
    }
}

/// Which bytes of a MAC [`spoil_byte`] changes.
#[derive(Clone, Copy)]
pub(crate) enum Position {
    /// The MAC's first byte.
    First,
    /// The MAC's last byte.
    Last,
    /// Every byte of the MAC's second half: the first half stays genuine.
    SecondHalf,
}

/// `valid` with the bytes of its MAC at `position` inverted, in the same
/// encoding.
pub(crate) fn spoil_byte(valid: &str, position: Position) -> String {
    let spoil = |mut mac: Vec<u8>| {
        let len = mac.len();
        let range = match position {
            Position::First => 0..1.min(len),
            Position::Last => len.saturating_sub(1)..len,
            Position::SecondHalf => len / 2..len,
        };
        for byte in &mut mac[range] {
            *byte ^= 0xff;
        }
        mac
    };
    if let Some(b64) = valid.strip_prefix("v1,")
        && let Ok(mac) = B64.decode(b64)
    {
        return format!("v1,{}", B64.encode(spoil(mac)));
    }
    if let Some(digits) = valid.strip_prefix("sha256=")
        && let Ok(mac) = hex::decode(digits)
    {
        return format!("sha256={}", hex::encode(spoil(mac)));
    }
    valid.to_owned()
}

/// How many leading characters of `forged`'s MAC, as encoded after its
/// label (`v1,`, `sha256=`), are `valid`'s, and how many characters
/// `valid`'s MAC has: a receiver that accepts `forged` compares at most
/// that many.
pub(crate) fn shared_prefix(valid: &str, forged: &str) -> crate::case::SharedPrefix {
    let mac = |s: &str| -> String {
        s.strip_prefix("v1,")
            .or_else(|| s.strip_prefix("sha256="))
            .unwrap_or(s)
            .to_owned()
    };
    let (valid, forged) = (mac(valid), mac(forged));
    let chars = valid
        .chars()
        .zip(forged.chars())
        .take_while(|(a, b)| a == b)
        .count();
    crate::case::SharedPrefix {
        chars,
        of: valid.chars().count(),
    }
}

/// Where the tampered case changes a byte: in something a receiver acts
/// on, the amount (`4990` becomes `9990`) or the branch pushed to (`main`
/// becomes `mair`). The needle, the offset in it, and the new byte.
pub(crate) fn tamper_target(scheme: Scheme) -> (&'static str, usize, u8) {
    match scheme {
        Scheme::Standard => ("\"amount_cents\":4990", 15, b'9'),
        Scheme::Github => ("\"ref\":\"refs/heads/main\"", 21, b'r'),
    }
}

/// `body` with the byte at `offset` inside the first `needle` set to `byte`
/// (unchanged if `needle` is absent, which would make the case pass
/// vacuously; the unit tests make sure it is present).
pub(crate) fn change_one_byte(body: &[u8], needle: &str, offset: usize, byte: u8) -> Bytes {
    let mut changed = body.to_vec();
    if let Some(at) = body
        .windows(needle.len())
        .position(|window| window == needle.as_bytes())
        && let Some(slot) = changed.get_mut(at + offset)
    {
        *slot = byte;
    }
    Bytes::from(changed)
}

/// Puts text with accents in the payload: a receiver that re-serializes
/// with `\u00e9` escapes (Python's default) changes those bytes too.
pub(crate) fn add_accented_text(value: &mut Value, scheme: Scheme) {
    let text = Value::from("Café com pão de queijo — pedido nº 7");
    match scheme {
        Scheme::Standard => value["data"]["description"] = text,
        Scheme::Github => value["head_commit"]["message"] = text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relabelling_keeps_the_mac_and_changes_the_version() {
        assert_eq!(relabel("v1,abc="), "v2,abc=");
        assert_eq!(relabel("sha256=00ff"), "sha512=00ff");
        assert_eq!(relabel("other"), "other");
    }

    #[test]
    fn spoiling_inverts_one_end_of_the_mac() {
        let valid = format!("sha256={}", "00".repeat(32));
        let first = spoil_byte(&valid, Position::First);
        let last = spoil_byte(&valid, Position::Last);
        assert_eq!(first, format!("sha256=ff{}", "00".repeat(31)));
        assert_eq!(last, format!("sha256={}ff", "00".repeat(31)));
    }

    #[test]
    fn the_near_misses_keep_a_long_genuine_prefix() {
        use crate::case::SharedPrefix;
        let valid = format!("sha256={}", "00".repeat(32));
        let half = spoil_byte(&valid, Position::SecondHalf);
        assert_eq!(
            half,
            format!("sha256={}{}", "00".repeat(16), "ff".repeat(16))
        );
        assert_eq!(
            shared_prefix(&valid, &half),
            SharedPrefix { chars: 32, of: 64 }
        );
        let last = spoil_byte(&valid, Position::Last);
        assert_eq!(
            shared_prefix(&valid, &last),
            SharedPrefix { chars: 62, of: 64 }
        );
        // Base64: 32 bytes are 44 characters; the second half's first
        // byte starts in the 22nd, the last byte in the 42nd.
        let valid = format!("v1,{}", B64.encode([0x5a; 32]));
        for (position, chars) in [(Position::SecondHalf, 21), (Position::Last, 41)] {
            let forged = spoil_byte(&valid, position);
            assert_eq!(
                shared_prefix(&valid, &forged),
                SharedPrefix { chars, of: 44 }
            );
        }
    }

    #[test]
    fn an_absent_needle_changes_nothing() {
        assert_eq!(&change_one_byte(b"{}", "nope", 0, b'x')[..], b"{}");
        assert_eq!(&change_one_byte(b"abc", "b", 0, b'x')[..], b"axc");
    }
}
