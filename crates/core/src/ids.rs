//! Typed identifiers.
//!
//! Every id on the wire is a string with a short prefix, as real providers do
//! (`pay_…`, `evt_…`): a human reading a log can tell what an id names, and the
//! type system stops a payment id from being passed where an order id belongs.
//!
//! Numbered ids have one spelling: the prefix, an optional [`IdEpoch`], and
//! the number zero-padded to at least six digits. [`PaymentId::number`] and
//! friends read only that spelling, so `evt_1`, `evt_+1` and `evt_0000001`
//! are not aliases of `evt_000001`: an id is a name, and a name that several
//! strings reach is one a cache, a log search or a deduplicating receiver
//! gets wrong.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// The id numbered `n`, as the platform or the workload mints it.
            pub fn numbered(n: u64) -> Self {
                Self(numbered_text($prefix, "", n))
            }

            /// The id numbered `n` in `epoch` (`pay_<epoch>_000001`); with
            /// [`IdEpoch::NONE`], the same as [`Self::numbered`].
            pub fn numbered_in(epoch: &IdEpoch, n: u64) -> Self {
                Self(numbered_text($prefix, &epoch.0, n))
            }

            /// The number of an id spelled as [`Self::numbered`] spells it,
            /// and of no other string.
            pub fn number(&self) -> Option<u64> {
                self.number_in(&IdEpoch::NONE)
            }

            /// The number of an id spelled as [`Self::numbered_in`] spells it
            /// in `epoch`, and of no other string: an id of another epoch, a
            /// sign, a missing or an extra leading zero all name nothing.
            pub fn number_in(&self, epoch: &IdEpoch) -> Option<u64> {
                let digits = self.0.strip_prefix($prefix)?.strip_prefix(epoch.0.as_str())?;
                canonical_number(digits)
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// What a platform start puts in every id it mints, so that a restarted
/// platform never hands out `pay_000001` again: a shop still polling its old
/// `pay_000001` would otherwise read another order's payment.
///
/// [`IdEpoch::NONE`] (the default) leaves ids as `pay_000001`: virtual runs
/// mint every id afresh each run, and their results must not change. A
/// platform serving real clients draws one from the clock
/// ([`IdEpoch::from_seed`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IdEpoch(String);

impl IdEpoch {
    /// No epoch: `pay_000001`.
    pub const NONE: IdEpoch = IdEpoch(String::new());

    /// The epoch named by `seed`: eight hex digits and an underscore
    /// (`pay_1a2b3c4d_000001`).
    pub fn from_seed(seed: u64) -> Self {
        // Fold the seed to 32 bits: enough to tell two starts apart, short
        // enough to read in a log.
        let folded = (seed ^ (seed >> 32)) as u32;
        IdEpoch(format!("{folded:08x}_"))
    }

    /// The epoch as it appears in ids (empty, or `1a2b3c4d_`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `format!("{prefix}{epoch}{n:06}")`, written without the formatting
/// machinery into a string of exactly its length: the platform mints a
/// payment id at every creation and an event id at every settlement, and
/// `format!` cost about 2,000 instructions an id (and a buffer larger than
/// the id, kept as long as the payment).
fn numbered_text(prefix: &str, epoch: &str, n: u64) -> String {
    // `u64::MAX` has 20 digits; numbers under a million are zero-padded to 6.
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    let mut rest = n;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let start = start.min(digits.len() - 6);
    let number = &digits[start..];
    let mut text = String::with_capacity(prefix.len() + epoch.len() + number.len());
    text.push_str(prefix);
    text.push_str(epoch);
    // ASCII digits only: always UTF-8.
    text.extend(number.iter().map(|&d| char::from(d)));
    text
}

/// `digits` as a number, if it is the canonical spelling of one: ASCII
/// digits only, zero-padded to exactly six places when shorter, never a
/// leading zero beyond that padding, and never zero (numbering starts at 1).
fn canonical_number(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let canonical_len = (n.checked_ilog10().unwrap_or(0) as usize + 1).max(6);
    (digits.len() == canonical_len && n > 0).then_some(n)
}

string_id!(
    /// A payment, minted by the platform (`pay_000001`).
    PaymentId,
    "pay_"
);
string_id!(
    /// An order, minted by the shop (`ord_000001`).
    OrderId,
    "ord_"
);
string_id!(
    /// An event the platform sends to webhook endpoints (`evt_000001`). It stays
    /// the same on every delivery attempt, so receivers can deduplicate on it.
    EventId,
    "evt_"
);
string_id!(
    /// A registered webhook endpoint (`we_000001`).
    EndpointId,
    "we_"
);
string_id!(
    /// A merchant: one shop with its own API key, payments and endpoints
    /// (`mch_000001`).
    MerchantId,
    "mch_"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written ids are `format!`'s, at every length of number
    /// (under and over the six padded places, up to `u64::MAX`), with and
    /// without an epoch, and hold no spare capacity.
    #[test]
    fn numbered_ids_are_formats_text() {
        let epoch = IdEpoch::from_seed(0x1234_5678_9abc_def0);
        let powers = (0..20).map(|k| 10u64.pow(k));
        for n in powers.flat_map(|p| [p - 1, p, p + 1]).chain([
            42,
            999_999,
            1_000_000,
            u64::MAX - 1,
            u64::MAX,
        ]) {
            let plain = PaymentId::numbered(n);
            assert_eq!(plain.0, format!("pay_{n:06}"));
            assert_eq!(plain.0.capacity(), plain.0.len());
            let dated = EventId::numbered_in(&epoch, n);
            assert_eq!(dated.0, format!("evt_{}{n:06}", epoch.as_str()));
            assert_eq!(
                OrderId::numbered_in(&IdEpoch::NONE, n),
                OrderId::numbered(n)
            );
        }
    }

    #[test]
    fn ids_are_prefixed_and_zero_padded() {
        assert_eq!(PaymentId::numbered(7).as_str(), "pay_000007");
        assert_eq!(OrderId::numbered(1234567).to_string(), "ord_1234567");
    }

    #[test]
    fn only_the_canonical_spelling_of_a_numbered_id_has_a_number() {
        let number = |text: &str| EventId(text.to_owned()).number();
        assert_eq!(number("evt_000001"), Some(1));
        assert_eq!(number("evt_123456"), Some(123_456));
        assert_eq!(number("evt_1234567"), Some(1_234_567));
        for alias in [
            "evt_1",
            "evt_+1",
            "evt_+00001",
            "evt_0000001",
            "evt_000000",
            "evt_00000a",
            "evt_ 00001",
            "evt_",
            "pay_000001",
            "evt_99999999999999999999",
            "",
        ] {
            assert_eq!(number(alias), None, "{alias:?}");
        }
    }

    #[test]
    fn an_epoch_is_part_of_the_id_and_none_leaves_ids_as_they_were() {
        assert_eq!(
            PaymentId::numbered_in(&IdEpoch::NONE, 7),
            PaymentId::numbered(7)
        );
        let a = IdEpoch::from_seed(1);
        let b = IdEpoch::from_seed(2);
        assert_ne!(a, b);
        let id = PaymentId::numbered_in(&a, 7);
        assert_eq!(id.as_str(), format!("pay_{}000007", a.as_str()));
        assert_eq!(id.number_in(&a), Some(7));
        assert_eq!(id.number_in(&b), None, "another start's id names nothing");
        assert_eq!(id.number(), None);
        assert_eq!(PaymentId::numbered(7).number_in(&a), None);
    }
}
