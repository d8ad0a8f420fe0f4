//! The body of `POST /v1/payments` read without serde when it is in the
//! compact form a client of this workspace sends.
//!
//! [`crate::error::ApiError::parse_json`] reads a body twice (once as any
//! JSON, so that a syntax error is told apart from a wrong field, then as a
//! `CreatePayment` under `deny_unknown_fields`): about 3,260 instructions a
//! creation, most of a creation's decoding. The shop writes its creations
//! with `serde_json::to_vec`, so nearly every body is exactly
//! `{"order_id":"…","amount_cents":N,"currency":"…"}`: fields in the
//! struct's order, no spaces, no `simulate`. [`compact`] reads only that
//! form, byte by byte, and answers `None` for anything else (another order,
//! a space, an escape or a control byte in a string, a number with a sign,
//! a leading zero, a fraction or one past `u64`, a `simulate`, bytes after
//! the object); the caller then reads the body with `parse_json` as before.
//! What it accepts is JSON that `parse_json` reads as the same
//! `CreatePayment` (a test checks both on every body it tries), so every
//! accepted body gets the same payment and every other body the same answer
//! and the same refusal, byte for byte, as before.

use hooklab_core::ids::OrderId;
use hooklab_core::wire::CreatePayment;

/// `body` as a `CreatePayment` if it is in the compact form (see the
/// module's docs); `None` otherwise, with nothing decided about it.
pub(super) fn compact(body: &[u8]) -> Option<CreatePayment> {
    let rest = body.strip_prefix(br#"{"order_id":"#)?;
    let (order_id, rest) = string(rest)?;
    let rest = rest.strip_prefix(br#","amount_cents":"#)?;
    let (amount_cents, rest) = integer(rest)?;
    let rest = rest.strip_prefix(br#","currency":"#)?;
    let (currency, rest) = string(rest)?;
    if rest != b"}" {
        return None;
    }
    Some(CreatePayment {
        order_id: OrderId(order_id.to_owned()),
        amount_cents,
        currency: currency.to_owned(),
        simulate: None,
    })
}

/// A JSON string that needs no unescaping, and what follows it: no
/// backslash, no control byte (which JSON forbids unescaped), valid UTF-8.
fn string(rest: &[u8]) -> Option<(&str, &[u8])> {
    let rest = rest.strip_prefix(b"\"")?;
    let end = rest.iter().position(|&b| b == b'"')?;
    let text = &rest[..end];
    if text.iter().any(|&b| b < 0x20 || b == b'\\') {
        return None;
    }
    let text = std::str::from_utf8(text).ok()?;
    Some((text, &rest[end + 1..]))
}

/// A non-negative integer as JSON writes it that fits a `u64` (no sign, no
/// leading zero), and what follows it. A fraction or an exponent after the
/// digits is left to the caller's next literal, which refuses it.
fn integer(rest: &[u8]) -> Option<(u64, &[u8])> {
    let end = rest
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    let digits = &rest[..end];
    if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some((n, &rest[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use proptest::prelude::*;

    /// What `compact` must agree with: `parse_json`'s value whenever
    /// `compact` reads a body.
    fn agrees(body: &[u8]) -> Result<(), TestCaseError> {
        if let Some(fast) = compact(body) {
            match ApiError::parse_json::<CreatePayment>(body) {
                Ok(slow) => prop_assert_eq!(fast, slow),
                Err(e) => {
                    return Err(TestCaseError::fail(format!(
                        "compact read {:?}, parse_json refused it: {e}",
                        String::from_utf8_lossy(body)
                    )));
                }
            }
        }
        Ok(())
    }

    #[test]
    fn reads_what_the_shop_writes() {
        let request = CreatePayment {
            order_id: OrderId::numbered(42),
            amount_cents: 12_345,
            currency: "BRL".to_owned(),
            simulate: None,
        };
        let body = serde_json::to_vec(&request).unwrap();
        assert_eq!(compact(&body), Some(request));
    }

    #[test]
    fn leaves_every_other_form_to_serde() {
        let not_compact: &[&[u8]] = &[
            b"",
            b"{}",
            br#"{"order_id":"o","amount_cents":5,"currency":"BRL"} "#,
            br#" {"order_id":"o","amount_cents":5,"currency":"BRL"}"#,
            br#"{"order_id": "o","amount_cents":5,"currency":"BRL"}"#,
            br#"{"amount_cents":5,"order_id":"o","currency":"BRL"}"#,
            br#"{"order_id":"o\"","amount_cents":5,"currency":"BRL"}"#,
            br#"{"order_id":"o\u0041","amount_cents":5,"currency":"BRL"}"#,
            b"{\"order_id\":\"o\tx\",\"amount_cents\":5,\"currency\":\"BRL\"}",
            b"{\"order_id\":\"o\xff\",\"amount_cents\":5,\"currency\":\"BRL\"}",
            br#"{"order_id":"o","amount_cents":05,"currency":"BRL"}"#,
            br#"{"order_id":"o","amount_cents":-5,"currency":"BRL"}"#,
            br#"{"order_id":"o","amount_cents":5.0,"currency":"BRL"}"#,
            br#"{"order_id":"o","amount_cents":5e2,"currency":"BRL"}"#,
            br#"{"order_id":"o","amount_cents":18446744073709551616,"currency":"BRL"}"#,
            br#"{"order_id":"o","amount_cents":"5","currency":"BRL"}"#,
            br#"{"order_id":"o","amount_cents":5,"currency":"BRL","simulate":null}"#,
            br#"{"order_id":"o","amount_cents":5,"currency":"BRL","x":1}"#,
            br#"{"order_id":"o","amount_cents":5,"currency":"BRL"}}"#,
            br#"{"order_id":"o","amount_cents":5,"currency":"BRL""#,
            br#"{"order_id":null,"amount_cents":5,"currency":"BRL"}"#,
        ];
        for body in not_compact {
            assert_eq!(compact(body), None, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn reads_edge_values_as_serde_does() {
        let edges: &[&[u8]] = &[
            br#"{"order_id":"","amount_cents":0,"currency":""}"#,
            br#"{"order_id":"ord_1","amount_cents":18446744073709551615,"currency":"BRL"}"#,
            "{\"order_id\":\"pedido-ção-✓\",\"amount_cents\":1,\"currency\":\"brl\"}".as_bytes(),
            b"{\"order_id\":\"del\x7f\",\"amount_cents\":7,\"currency\":\"BRL\"}",
            br#"{"order_id":"a/b c'd","amount_cents":7,"currency":"EURO"}"#,
        ];
        for body in edges {
            assert!(compact(body).is_some(), "{}", String::from_utf8_lossy(body));
            agrees(body).unwrap();
        }
    }

    proptest! {
        /// Bodies near the compact form: any text in the strings, any
        /// digits (or not) for the amount, any tail.
        #[test]
        fn agrees_with_parse_json_near_the_form(
            order in any::<String>(),
            amount in "[-0-9.eE]{0,22}",
            currency in any::<String>(),
            tail in prop::sample::select(vec!["}", "} ", "", "}}", ",\"simulate\":null}"]),
        ) {
            let body = format!(
                r#"{{"order_id":"{order}","amount_cents":{amount},"currency":"{currency}"{tail}"#
            );
            agrees(body.as_bytes())?;
        }

        /// Every creation serde writes without a `simulate` and with no
        /// text that needs an escape is read, to the same value.
        #[test]
        fn reads_every_plain_serde_body(
            order in "[ -!#-\\[\\]-~\u{80}-\u{10ffff}]{0,40}",
            amount in any::<u64>(),
            currency in "[ -!#-\\[\\]-~]{0,5}",
        ) {
            let request = CreatePayment {
                order_id: OrderId(order),
                amount_cents: amount,
                currency,
                simulate: None,
            };
            let body = serde_json::to_vec(&request).unwrap();
            prop_assert_eq!(compact(&body), Some(request));
        }

        /// Arbitrary bytes: whatever `compact` reads, `parse_json` reads
        /// the same.
        #[test]
        fn agrees_with_parse_json_on_any_bytes(body in prop::collection::vec(any::<u8>(), 0..80)) {
            agrees(&body)?;
        }
    }
}
