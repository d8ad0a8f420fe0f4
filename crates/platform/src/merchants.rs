//! Merchants, their API keys, and the per-key rate limit.
//!
//! A real provider serves many shops. Each authenticates with
//! `Authorization: Bearer <api key>` and sees only its own payments, events
//! and endpoints: asking for another merchant's payment answers 404, exactly
//! as asking for one that does not exist (a 403 would confirm it exists).
//!
//! The rate limit is a token bucket per key: `rate_limit_per_s` tokens a
//! second, at most one second's worth saved up. A request with no token gets
//! 429 and `Retry-After`, which is how aggressive polling really fails.

use hooklab_core::clock::Micros;
use hooklab_core::ids::MerchantId;
use hooklab_core::rng::SeededRng;
use std::collections::HashMap;

/// The slowest rate limit a platform takes: one request every 1,000 s. Below
/// it a refused client would be told to wait longer than a run lasts (at
/// `1e-300` the `Retry-After` was 18446744073709551615 s).
pub const MIN_RATE_LIMIT_PER_S: f64 = 0.001;

/// The fastest rate limit a platform takes; beyond it, leave the limit off.
pub const MAX_RATE_LIMIT_PER_S: f64 = 1e6;

/// Why a rate limit was refused.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum RateLimitError {
    /// Occurs when the rate is not a finite number between
    /// [`MIN_RATE_LIMIT_PER_S`] and [`MAX_RATE_LIMIT_PER_S`] (0, negative,
    /// NaN, infinite, 1e-300).
    #[error(
        "a rate limit must be between {MIN_RATE_LIMIT_PER_S} and {MAX_RATE_LIMIT_PER_S} requests per second, got {} (leave it out for no limit)",
        hooklab_core::printable::number(*.0)
    )]
    OutOfRange(f64),
}

/// `rate` if a platform can enforce it (see [`RateLimitError`]).
pub fn check_rate_limit(rate: f64) -> Result<f64, RateLimitError> {
    if rate.is_finite() && (MIN_RATE_LIMIT_PER_S..=MAX_RATE_LIMIT_PER_S).contains(&rate) {
        Ok(rate)
    } else {
        Err(RateLimitError::OutOfRange(rate))
    }
}

/// A merchant's credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merchant {
    /// The merchant.
    pub id: MerchantId,
    /// Its secret API key (`sk_test_…`).
    pub api_key: String,
}

impl Merchant {
    /// The `n`-th merchant, with a key drawn from `rng` (seeded: the same
    /// scenario gives the same keys).
    pub fn generate(n: u64, rng: &mut SeededRng) -> Self {
        let mut key = [0u8; 16];
        rng.fill_bytes(&mut key);
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        Merchant {
            id: MerchantId::numbered(n),
            api_key: format!("sk_test_{hex}"),
        }
    }
}

/// A token bucket.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: Micros,
}

/// Who is who, and how fast each may go. Guarded by the ledger's mutex.
#[derive(Debug, Default)]
pub(crate) struct Merchants {
    /// Hashed with foldhash, not SipHash: every request looks its key up
    /// here, and the keys are only ever the platform's own (made once, from
    /// its seeded generator); a client's key is looked up, never inserted,
    /// and a lookup cannot lengthen the table's probe sequences, so a key
    /// crafted to collide costs one more comparison at most.
    by_key: HashMap<String, MerchantId, foldhash::fast::RandomState>,
    buckets: HashMap<MerchantId, Bucket>,
    rate_per_s: Option<f64>,
}

/// Why a request was not let in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Denied {
    /// No key, or a key nobody has.
    Unauthorized,
    /// Out of tokens: retry after this many seconds (at least 1).
    RateLimited { retry_after_secs: u64 },
}

impl Merchants {
    pub(crate) fn new(merchants: &[Merchant], rate_per_s: Option<f64>) -> Self {
        Merchants {
            by_key: merchants
                .iter()
                .map(|m| (m.api_key.clone(), m.id.clone()))
                .collect(),
            buckets: HashMap::new(),
            rate_per_s,
        }
    }

    /// The merchant of API key `key` (read from `Authorization: Bearer` by
    /// the API, `crate::api::Caller`), if it may go now.
    pub(crate) fn admit(&mut self, key: Option<&str>, now: Micros) -> Result<MerchantId, Denied> {
        let key = key.ok_or(Denied::Unauthorized)?;
        let merchant = self.by_key.get(key).cloned().ok_or(Denied::Unauthorized)?;
        let Some(rate) = self.rate_per_s else {
            return Ok(merchant);
        };
        let bucket = self.buckets.entry(merchant.clone()).or_insert(Bucket {
            tokens: rate,
            updated: now,
        });
        let elapsed_s = now.since(bucket.updated).as_us() as f64 / 1e6;
        bucket.tokens = (bucket.tokens + elapsed_s * rate).min(rate.max(1.0));
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(merchant)
        } else {
            let wait_s = (1.0 - bucket.tokens) / rate;
            Err(Denied::RateLimited {
                retry_after_secs: wait_s.ceil().max(1.0) as u64,
            })
        }
    }

    /// Gives back the token `merchant`'s request spent: a `304 Not
    /// Modified`, like GitHub's, does not count against the rate limit.
    pub(crate) fn refund(&mut self, merchant: &MerchantId) {
        if let (Some(rate), Some(bucket)) = (self.rate_per_s, self.buckets.get_mut(merchant)) {
            bucket.tokens = (bucket.tokens + 1.0).min(rate.max(1.0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_a_bucket_cannot_enforce_are_refused() {
        for bad in [0.0, -5.0, 1e-300, f64::NAN, f64::INFINITY, 1e7] {
            let refused = check_rate_limit(bad);
            assert!(refused.is_err(), "{bad}");
            let message = refused.unwrap_err().to_string();
            assert!(message.contains("between 0.001 and 1000000"), "{message}");
        }
        for good in [0.001, 0.5, 1.0, 50.0, 1e6] {
            assert_eq!(check_rate_limit(good), Ok(good));
        }
    }

    #[test]
    fn keys_identify_merchants_and_the_bucket_refills() {
        let mut rng = SeededRng::new(1);
        let a = Merchant::generate(1, &mut rng);
        let b = Merchant::generate(2, &mut rng);
        assert_ne!(a.api_key, b.api_key);
        let mut m = Merchants::new(&[a.clone(), b.clone()], Some(2.0));
        let bearer = a.api_key.clone();
        assert_eq!(m.admit(None, Micros(0)), Err(Denied::Unauthorized));
        assert_eq!(
            m.admit(Some("sk_test_nope"), Micros(0)),
            Err(Denied::Unauthorized)
        );
        assert_eq!(m.admit(Some(&bearer), Micros(0)), Ok(a.id.clone()));
        assert_eq!(m.admit(Some(&bearer), Micros(0)), Ok(a.id.clone()));
        assert_eq!(
            m.admit(Some(&bearer), Micros(0)),
            Err(Denied::RateLimited {
                retry_after_secs: 1
            })
        );
        // Another merchant has its own bucket.
        assert!(m.admit(Some(&b.api_key), Micros(0)).is_ok());
        // Half a second at 2/s refills one token.
        assert_eq!(m.admit(Some(&bearer), Micros(500_000)), Ok(a.id));
    }
}
