//! A fast path for the two answers a poll-heavy run reads most: a payment
//! object and an empty page of the event log, in the compact form the
//! platform writes them (`serde_json`'s, fields in the struct's order, no
//! spaces, no escapes).
//!
//! Decoding them with `serde_json` cost about 4,000 instructions a payment
//! (field names matched one by one, every string checked for escapes and
//! copied), the largest part of a poller's own work. [`payment`] and
//! [`empty_page`] read only that exact form, byte by byte, and answer
//! `None` for anything else (another field order, a space, an escape, a
//! non-ASCII byte, a number with a sign, a leading zero or a fraction,
//! bytes after the object): the caller then decodes with `serde_json` as
//! before. What they accept is valid JSON with every field `serde_json`
//! requires, of the right type, so both decodings give the same value, and
//! every body the fast path refuses gets the same value or the same error
//! as before.

use hooklab_core::wire::PaymentStatus;

/// The fields of a payment object, borrowed from its body.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PaymentFields<'a> {
    pub(crate) id: &'a str,
    pub(crate) order_id: &'a str,
    pub(crate) amount_cents: u64,
    pub(crate) currency: &'a str,
    pub(crate) status: PaymentStatus,
    pub(crate) created_at: &'a str,
    pub(crate) settled_at: Option<&'a str>,
}

/// A cursor over a body, each step consuming exactly what it expects.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn literal(&mut self, text: &[u8]) -> Option<()> {
        self.rest = self.rest.strip_prefix(text)?;
        Some(())
    }

    /// A string of printable ASCII with no quote or backslash inside:
    /// what needs no unescaping and is valid UTF-8 as it stands.
    ///
    /// One pass up to the closing quote, each byte checked as it is met
    /// (finding the quote first and checking the bytes after was two).
    fn string(&mut self) -> Option<&'a str> {
        let rest = self.rest.strip_prefix(b"\"")?;
        let mut end = 0;
        loop {
            match *rest.get(end)? {
                b'"' => break,
                b'\\' => return None,
                b if (0x20..0x7f).contains(&b) => end += 1,
                _ => return None,
            }
        }
        let text = &rest[..end];
        self.rest = &rest[end + 1..];
        std::str::from_utf8(text).ok()
    }

    /// A non-negative integer as JSON writes it (no sign, no leading
    /// zero, no fraction or exponent), that fits a `u64`.
    fn integer(&mut self) -> Option<u64> {
        let end = self
            .rest
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(self.rest.len());
        let digits = &self.rest[..end];
        if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') {
            return None;
        }
        if matches!(self.rest.get(end), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let mut n: u64 = 0;
        for &d in digits {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        self.rest = &self.rest[end..];
        Some(n)
    }

    fn null_or_string(&mut self) -> Option<Option<&'a str>> {
        if self.rest.starts_with(b"null") {
            self.rest = &self.rest[4..];
            return Some(None);
        }
        self.string().map(Some)
    }

    fn end(&self) -> Option<()> {
        self.rest.is_empty().then_some(())
    }
}

fn status(text: &str) -> Option<PaymentStatus> {
    match text {
        "pending" => Some(PaymentStatus::Pending),
        "approved" => Some(PaymentStatus::Approved),
        "declined" => Some(PaymentStatus::Declined),
        _ => None,
    }
}

/// A payment object written exactly as the platform writes one, or `None`.
pub(crate) fn payment(body: &[u8]) -> Option<PaymentFields<'_>> {
    let mut r = Reader { rest: body };
    r.literal(b"{\"id\":")?;
    let id = r.string()?;
    r.literal(b",\"order_id\":")?;
    let order_id = r.string()?;
    r.literal(b",\"amount_cents\":")?;
    let amount_cents = r.integer()?;
    r.literal(b",\"currency\":")?;
    let currency = r.string()?;
    r.literal(b",\"status\":")?;
    let status = status(r.string()?)?;
    r.literal(b",\"created_at\":")?;
    let created_at = r.string()?;
    r.literal(b",\"settled_at\":")?;
    let settled_at = r.null_or_string()?;
    r.literal(b"}")?;
    r.end()?;
    Some(PaymentFields {
        id,
        order_id,
        amount_cents,
        currency,
        status,
        created_at,
        settled_at,
    })
}

/// A page of the event log with no event, written exactly as the platform
/// writes one: whether more follow, and its cursor; or `None`.
pub(crate) fn empty_page(body: &[u8]) -> Option<(bool, Option<&str>)> {
    let mut r = Reader { rest: body };
    r.literal(b"{\"data\":[],\"has_more\":")?;
    let has_more = if r.literal(b"true").is_some() {
        true
    } else {
        r.literal(b"false")?;
        false
    };
    r.literal(b",\"next_after\":")?;
    let next_after = r.null_or_string()?;
    r.literal(b"}")?;
    r.end()?;
    Some((has_more, next_after))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use hooklab_core::ids::{EventId, OrderId, PaymentId};
    use hooklab_core::wire::{EventPage, Payment};

    fn sample(status: PaymentStatus, settled_at: Option<&str>) -> Payment {
        Payment {
            id: PaymentId::numbered(7),
            order_id: OrderId::numbered(42),
            amount_cents: 12_345,
            currency: "BRL".into(),
            status,
            created_at: "2026-01-01T00:00:01.250Z".into(),
            settled_at: settled_at.map(str::to_owned),
        }
    }

    /// What the platform writes is read, to the same value as serde's.
    #[test]
    fn the_platforms_own_bodies_take_the_fast_path() {
        for p in [
            sample(PaymentStatus::Pending, None),
            sample(PaymentStatus::Approved, Some("2026-01-01T00:00:02.000Z")),
            sample(PaymentStatus::Declined, Some("x")),
        ] {
            let body = serde_json::to_vec(&p).unwrap();
            let f = payment(&body).unwrap();
            assert_eq!(f.id, p.id.as_str());
            assert_eq!(f.order_id, p.order_id.as_str());
            assert_eq!(f.amount_cents, p.amount_cents);
            assert_eq!(f.currency, p.currency);
            assert_eq!(f.status, p.status);
            assert_eq!(f.created_at, p.created_at);
            assert_eq!(f.settled_at, p.settled_at.as_deref());
        }
        for (has_more, next_after) in [(false, None), (true, Some(EventId::numbered(9)))] {
            let page = EventPage {
                data: Vec::new(),
                has_more,
                next_after: next_after.clone(),
            };
            let body = serde_json::to_vec(&page).unwrap();
            let read = empty_page(&body).unwrap();
            assert_eq!(read, (has_more, next_after.as_ref().map(EventId::as_str)));
        }
    }

    /// Anything off the exact form is left to serde, whether serde takes
    /// it (spaces, another order, escapes) or refuses it.
    #[test]
    fn anything_else_is_left_to_serde() {
        let good = serde_json::to_string(&sample(PaymentStatus::Pending, None)).unwrap();
        assert!(payment(good.as_bytes()).is_some());
        let variants = [
            good.replacen(':', ": ", 1),
            format!("{good} "),
            good.replacen("\"BRL\"", "\"B\\u0052L\"", 1),
            good.replacen("12345", "012345", 1),
            good.replacen("12345", "-12345", 1),
            good.replacen("12345", "12345.0", 1),
            good.replacen("12345", "1e5", 1),
            good.replacen("12345", "99999999999999999999", 1),
            good.replacen("\"pending\"", "\"settled\"", 1),
            good.replacen("\"ord_000042\"", "42", 1),
            good.replacen("\"BRL\"", "\"R\u{e9}\"", 1),
            good.replacen(",\"settled_at\":null", "", 1),
            good.replacen('}', ",\"x\":1}", 1),
            good[..good.len() - 1].to_owned(),
        ];
        for v in &variants {
            assert!(payment(v.as_bytes()).is_none(), "{v}");
        }
        for v in [
            r#"{"data":[], "has_more":false,"next_after":null}"#,
            r#"{"has_more":false,"data":[],"next_after":null}"#,
            r#"{"data":[],"has_more":0,"next_after":null}"#,
            r#"{"data":[],"has_more":false,"next_after":null}x"#,
            r#"{"data":[],"has_more":false}"#,
        ] {
            assert!(empty_page(v.as_bytes()).is_none(), "{v}");
        }
    }
}
