//! Typed identifiers.
//!
//! Every id on the wire is a string with a short prefix, as real providers do
//! (`pay_…`, `evt_…`): a human reading a log can tell what an id names, and the
//! type system stops a payment id from being passed where an order id belongs.

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
                Self(format!("{}{:06}", $prefix, n))
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

    #[test]
    fn ids_are_prefixed_and_zero_padded() {
        assert_eq!(PaymentId::numbered(7).as_str(), "pay_000007");
        assert_eq!(OrderId::numbered(1234567).to_string(), "ord_1234567");
    }
}
