//! `--state-url`: how `hooklab check` sees whether a duplicate was processed twice.
//!
//! An answer alone cannot show idempotency: a receiver that answers 200 to a
//! redelivery may still have charged the customer twice. So a receiver may
//! expose one tiny read-only endpoint, and the duplicate case watches it.
//!
//! The contract: `GET <state-url>` answers `200` with a JSON object whose
//! `processed` field is a non-negative integer, the number of deliveries the
//! receiver has acted on so far (other fields are ignored):
//!
//! ```json
//! {"processed": 3}
//! ```
//!
//! A receiver may act after it answers (it should, when the work is slow),
//! so the count is read until it settles before the pair is sent, and
//! watched for [`WATCH`] after: one more is right, two more is a duplicate
//! processed twice.

use crate::target::{TargetError, loopback_url};
use std::time::Duration;
use tokio::time::Instant;

/// How long the count is watched after the duplicate pair.
pub const WATCH: Duration = Duration::from_secs(1);

/// How long to wait for the count to stop moving before the pair is sent.
const SETTLE_MAX: Duration = Duration::from_secs(2);

/// The pause between two reads.
const STEP: Duration = Duration::from_millis(50);

/// How long one read may take.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the state URL could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Occurs when the GET gets no answer.
    #[error("no answer: {0}")]
    Unreachable(String),
    /// Occurs when the answer is not a 200.
    #[error("answered {0}, not 200")]
    Status(u16),
    /// Occurs when the body is not `{"processed": <non-negative integer>}`.
    #[error("the body is not {{\"processed\": <count>}}: {0}")]
    Shape(String),
}

/// The most of a state answer's body read: `{"processed": N}` is a few bytes.
const MAX_STATE_BYTES: usize = 64 * 1024;

/// Reads a receiver's processed count.
pub struct StateProbe {
    client: reqwest::Client,
    url: reqwest::Url,
}

impl StateProbe {
    /// A probe of `url` (loopback only), read with `client`.
    pub fn new(url: &str, client: reqwest::Client) -> Result<Self, TargetError> {
        Ok(StateProbe {
            client,
            url: loopback_url(url)?,
        })
    }

    /// The count now.
    pub async fn read(&self) -> Result<u64, StateError> {
        let get = async {
            let mut response = self.client.get(self.url.clone()).send().await?;
            let status = response.status().as_u16();
            // A count is a few bytes; an endless body is cut at 64 KiB.
            let body = crate::target::read_capped(&mut response, MAX_STATE_BYTES).await?;
            Ok::<_, reqwest::Error>((status, body))
        };
        let (status, body) = tokio::time::timeout(READ_TIMEOUT, get)
            .await
            .map_err(|_| StateError::Unreachable(format!("nothing within {READ_TIMEOUT:?}")))?
            .map_err(|e| StateError::Unreachable(e.to_string()))?;
        if status != 200 {
            return Err(StateError::Status(status));
        }
        let Some(body) = body else {
            return Err(StateError::Shape(format!(
                "answered {status} with a body over {MAX_STATE_BYTES} bytes"
            )));
        };
        parse(&body)
    }

    /// The count once two reads 50 ms apart agree (or after 2 s),
    /// so work still in flight from earlier cases is not mistaken for the
    /// duplicate's.
    pub async fn settled(&self) -> Result<u64, StateError> {
        let deadline = Instant::now() + SETTLE_MAX;
        let mut last = self.read().await?;
        loop {
            tokio::time::sleep(STEP).await;
            let now = self.read().await?;
            if now == last || Instant::now() >= deadline {
                return Ok(now);
            }
            last = now;
        }
    }

    /// The highest count seen within [`WATCH`], stopping early once it is
    /// past `before + 1` (processed twice: nothing more to learn).
    pub async fn watch(&self, before: u64) -> Result<u64, StateError> {
        let deadline = Instant::now() + WATCH;
        let mut highest = before;
        loop {
            highest = highest.max(self.read().await?);
            if highest > before.saturating_add(1) || Instant::now() >= deadline {
                return Ok(highest);
            }
            tokio::time::sleep(STEP).await;
        }
    }
}

/// Reads `{"processed": N}`.
fn parse(body: &[u8]) -> Result<u64, StateError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| StateError::Shape(e.to_string()))?;
    value
        .get("processed")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| {
            let shown: String = String::from_utf8_lossy(body).chars().take(80).collect();
            StateError::Shape(format!("got `{shown}`"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_is_one_integer_field() {
        assert_eq!(parse(br#"{"processed": 3}"#), Ok(3));
        assert_eq!(parse(br#"{"processed":0,"other":"x"}"#), Ok(0));
        for bad in [
            &b"3"[..],
            br#"{"processed": -1}"#,
            br#"{"count": 3}"#,
            b"nope",
        ] {
            assert!(matches!(parse(bad), Err(StateError::Shape(_))), "{bad:?}");
        }
    }
}
