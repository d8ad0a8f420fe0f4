//! The two signing schemes `hooklab check` speaks, and their secrets.

use hooklab_core::signature::{SecretError, WebhookSecret};
use hooklab_github::sender;

/// Which signing scheme the receiver expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`.
    Standard,
    /// GitHub: `X-Hub-Signature-256: sha256=<hex>`, `X-GitHub-Event`, `X-GitHub-Delivery`.
    Github,
}

impl Scheme {
    /// How long the scheme's best-known sender waits for an answer before it
    /// counts the delivery as failed: Svix 15 s, GitHub 10 s.
    pub fn sender_limit(self) -> std::time::Duration {
        match self {
            Scheme::Standard => std::time::Duration::from_secs(15),
            Scheme::Github => sender::TIMEOUT,
        }
    }

    /// The scheme's name for people.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Standard => "Standard Webhooks",
            Scheme::Github => "GitHub",
        }
    }
}

/// The receiver's secret, in its scheme's form.
#[derive(Clone, Debug)]
pub enum Secret {
    /// A `whsec_…` secret.
    Standard(WebhookSecret),
    /// The text typed in GitHub's "Secret" field.
    Github(hooklab_github::receiver::WebhookSecret),
}

impl Secret {
    /// Reads `text` as `scheme` expects it.
    pub fn parse(scheme: Scheme, text: &str) -> Result<Secret, SecretError> {
        match scheme {
            Scheme::Standard => WebhookSecret::parse(text.trim()).map(Secret::Standard),
            // GitHub secrets are any text; an empty one means no signature,
            // which is no secret at all.
            Scheme::Github if text.is_empty() => Err(SecretError::Malformed),
            Scheme::Github => Ok(Secret::Github(
                hooklab_github::receiver::WebhookSecret::new(text),
            )),
        }
    }

    /// The scheme this secret belongs to.
    pub fn scheme(&self) -> Scheme {
        match self {
            Secret::Standard(_) => Scheme::Standard,
            Secret::Github(_) => Scheme::Github,
        }
    }
}
