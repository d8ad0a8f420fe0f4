//! Why a run could not be carried out.
//!
//! [`HarnessError`] has its own module because every part of a run can fail
//! with it: [`crate::run`], [`crate::network`] and [`crate::virtual_net`] all
//! import it from here, and none of them imports another to reach it.
//!
//! Each variant that wraps a cause returns it as its `source` and does not
//! repeat it in its message, so a printed error chain names each cause once.

use hooklab_core::signature::SecretError;
use hooklab_shop::client::ClientError;

/// Why a run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// Occurs when a loopback socket cannot be bound.
    #[error("cannot bind a loopback socket")]
    Bind(#[source] std::io::Error),
    /// Occurs when the async runtime cannot be built.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// Occurs when the shop cannot register its webhook endpoint.
    #[error("the shop could not register its webhook endpoint")]
    Register(#[source] ClientError),
    /// Occurs when the platform answers a registration with a signing
    /// secret the shop cannot read.
    #[error("the platform returned a webhook secret the shop cannot read")]
    Secret(#[source] SecretError),
    /// Occurs when the scenario asks for something this build cannot run.
    #[error("{0}")]
    Unsupported(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    /// Every message of `error`'s chain, joined as `anyhow`'s `{:#}` does.
    fn chain(error: &HarnessError) -> String {
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }

    #[test]
    fn a_cause_is_named_once_in_the_chain() {
        let os = || std::io::Error::new(std::io::ErrorKind::AddrInUse, "address in use");
        for error in [HarnessError::Bind(os()), HarnessError::Runtime(os())] {
            assert_eq!(
                chain(&error).matches("address in use").count(),
                1,
                "{error:?}"
            );
        }
        let error = HarnessError::Secret(SecretError::Length(3));
        assert_eq!(
            chain(&error),
            "the platform returned a webhook secret the shop cannot read: \
             a webhook secret's key must be 24 to 64 bytes, got 3"
        );
    }
}
