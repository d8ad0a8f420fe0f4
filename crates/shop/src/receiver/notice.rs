//! The receiver's read of a payment event, and its short cut.
//!
//! Every delivery's body is read for three things: the event's `type`, and
//! its `data.order_id` and `data.status`. serde reads any JSON the
//! documented event can be written as (any order of fields, whitespace,
//! escapes, new fields). But the body a hooklab platform sends is always
//! written the same way (`dispatch::event_json`: the fields of
//! `hooklab_core::wire::Event` in their order, no whitespace, no text that
//! needs an escape), and serde's general read of it was one of the larger
//! parts of the receiver's own work per delivery. So [`read`] first tries
//! that exact layout, byte by byte, and hands anything else to serde: a
//! body in the layout reads the same either way (a test compares them), and
//! a body in any other shape is read by serde as before, with serde's
//! verdict.

use hooklab_core::wire::PaymentStatus;
use serde::Deserialize;
use std::borrow::Cow;

/// What the receiver reads of a payment event: its type, and the order and
/// status it is about. Strings are borrowed from the body unless escaped. A
/// tolerant reader: the other fields of the documented event
/// (`hooklab_core::wire::Event`) may be absent, or joined by new ones, without
/// the shop caring.
#[derive(Debug, Deserialize, PartialEq)]
pub(super) struct PaymentNotice<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) data: NoticeData<'a>,
}

/// The part of the event's `data` the receiver reads.
#[derive(Debug, Deserialize, PartialEq)]
pub(super) struct NoticeData<'a> {
    #[serde(borrow)]
    pub(super) order_id: Cow<'a, str>,
    pub(super) status: PaymentStatus,
}

/// `body` read as a payment event: the platform's own layout at once, any
/// other through serde.
pub(super) fn read(body: &[u8]) -> serde_json::Result<PaymentNotice<'_>> {
    match platform_layout(body) {
        Some(notice) => Ok(notice),
        None => serde_json::from_slice(body),
    }
}

/// `body` read if it is exactly in the layout the platform writes, `None`
/// otherwise (then serde reads it).
fn platform_layout(body: &[u8]) -> Option<PaymentNotice<'_>> {
    // Valid UTF-8 as a whole, so every text below is a `str` and serde
    // would have taken it too.
    let text = std::str::from_utf8(body).ok()?;
    let mut at = Layout { text, at: 0 };
    at.exactly("{\"id\":")?;
    at.string()?;
    at.exactly(",\"type\":")?;
    let kind = at.string()?;
    at.exactly(",\"created_at\":")?;
    at.string()?;
    at.exactly(",\"data\":{\"id\":")?;
    at.string()?;
    at.exactly(",\"order_id\":")?;
    let order_id = at.string()?;
    at.exactly(",\"amount_cents\":")?;
    at.whole_number()?;
    at.exactly(",\"currency\":")?;
    at.string()?;
    at.exactly(",\"status\":")?;
    let status = match at.string()? {
        "pending" => PaymentStatus::Pending,
        "approved" => PaymentStatus::Approved,
        "declined" => PaymentStatus::Declined,
        _ => return None,
    };
    at.exactly(",\"created_at\":")?;
    at.string()?;
    at.exactly(",\"settled_at\":")?;
    if at.exactly("null").is_none() {
        at.string()?;
    }
    at.exactly("}}")?;
    (at.at == text.len()).then_some(PaymentNotice {
        kind: Cow::Borrowed(kind),
        data: NoticeData {
            order_id: Cow::Borrowed(order_id),
            status,
        },
    })
}

/// A place in a body being matched against the platform's layout.
struct Layout<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Layout<'a> {
    /// Steps over `expected`, if the body goes on with it.
    fn exactly(&mut self, expected: &str) -> Option<()> {
        let rest = self.text.get(self.at..)?;
        rest.starts_with(expected)
            .then(|| self.at += expected.len())
    }

    /// A JSON string with nothing escaped: its text. A string with an
    /// escape or a control character (which JSON must escape) is left to
    /// serde.
    fn string(&mut self) -> Option<&'a str> {
        self.exactly("\"")?;
        let rest = self.text.get(self.at..)?;
        let len = rest
            .bytes()
            .position(|b| b == b'"' || b == b'\\' || b < 0x20)?;
        if rest.as_bytes()[len] != b'"' {
            return None;
        }
        self.at += len + 1;
        rest.get(..len)
    }

    /// A whole number as JSON writes it (no sign, no leading zero), of at
    /// most 20 digits (a `u64`; serde reads longer ones as floats, and
    /// refuses some).
    fn whole_number(&mut self) -> Option<()> {
        let rest = self.text.get(self.at..)?.as_bytes();
        let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 || len > 20 || (len > 1 && rest[0] == b'0') {
            return None;
        }
        self.at += len;
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"id":"evt_000001","type":"payment.approved","created_at":"2026-12-02T02:00:00.123Z","data":{"id":"pay_000001","order_id":"ord_000001","amount_cents":4990,"currency":"BRL","status":"approved","created_at":"2026-12-02T01:59:59.000Z","settled_at":"2026-12-02T02:00:00.123Z"}}"#;

    /// The layout's read and serde's agree on every body: those in the
    /// layout (read by the short cut) and near misses (left to serde).
    #[test]
    fn the_short_cut_reads_what_serde_reads() {
        let pending = EVENT
            .replace(r#""status":"approved""#, r#""status":"pending""#)
            .replace(
                r#""settled_at":"2026-12-02T02:00:00.123Z""#,
                r#""settled_at":null"#,
            );
        let in_layout = [
            EVENT.to_owned(),
            pending,
            EVENT.replace("4990", "0"),
            EVENT.replace("4990", "18446744073709551615"),
            EVENT.replace("ord_000001", "pedido_ção"),
            EVENT.replace("payment.approved", "payment.declined"),
            EVENT.replace("payment.approved", "refund.created"),
            EVENT.replace("ord_000001", ""),
        ];
        for body in &in_layout {
            let ours = platform_layout(body.as_bytes());
            assert!(ours.is_some(), "{body}");
            let serde: PaymentNotice = serde_json::from_str(body).unwrap();
            assert_eq!(ours.unwrap(), serde, "{body}");
        }
        let near_misses = [
            EVENT.replace("ord_000001", r"ord_\u0031"),
            EVENT.replace("ord_000001", "ord_\"1"),
            EVENT.replace("4990", "04990"),
            EVENT.replace("4990", "-4990"),
            EVENT.replace("4990", "49.90"),
            EVENT.replace("4990", "123456789012345678901234567890"),
            EVENT.replace(r#""status":"approved""#, r#""status":"lost""#),
            EVENT.replace(",\"type\"", ", \"type\""),
            EVENT.replace("\"BRL\"", "\"BRL\",\"order_id\":\"ord_2\""),
            format!("{EVENT} "),
            format!("{EVENT}x"),
            EVENT[..EVENT.len() - 1].to_owned(),
            EVENT.replace("ord_000001", "ord\t1"),
            String::new(),
        ];
        for body in &near_misses {
            assert!(platform_layout(body.as_bytes()).is_none(), "{body}");
            let by_read = read(body.as_bytes()).map_err(|e| e.to_string());
            let by_serde = serde_json::from_str::<PaymentNotice>(body).map_err(|e| e.to_string());
            assert_eq!(by_read, by_serde, "{body}");
        }
        // Not UTF-8: serde's verdict.
        let mut bytes = EVENT.as_bytes().to_vec();
        bytes[60] = 0xff;
        assert!(platform_layout(&bytes).is_none());
        assert_eq!(
            read(&bytes).map_err(|e| e.to_string()),
            serde_json::from_slice::<PaymentNotice>(&bytes).map_err(|e| e.to_string())
        );
    }

    /// What the platform's dispatcher writes is in the layout.
    #[test]
    fn the_platform_writes_the_layout() {
        let event = hooklab_core::wire::Event {
            id: hooklab_core::ids::EventId::numbered(7),
            kind: hooklab_core::wire::EventType::PaymentDeclined,
            created_at: "2026-12-02T02:00:00.123Z".to_owned(),
            data: hooklab_core::wire::Payment {
                id: hooklab_core::ids::PaymentId::numbered(7),
                order_id: hooklab_core::ids::OrderId::numbered(7),
                amount_cents: 4_990,
                currency: "BRL".to_owned(),
                status: PaymentStatus::Declined,
                created_at: "2026-12-02T01:59:59.000Z".to_owned(),
                settled_at: Some("2026-12-02T02:00:00.123Z".to_owned()),
            },
        };
        let body = serde_json::to_vec(&event).unwrap();
        let notice = platform_layout(&body).unwrap();
        assert_eq!(notice.kind, "payment.declined");
        assert_eq!(notice.data.order_id, "ord_000007");
        assert_eq!(notice.data.status, PaymentStatus::Declined);
    }
}
