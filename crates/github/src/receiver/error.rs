//! The receiver's errors, and how each is answered over HTTP.
//!
//! One enum per server, implementing `IntoResponse`, as axum's examples do:
//! every failure is answered in the same JSON shape,
//! `{"error": {"code": "...", "message": "..."}}`, so whoever configured the
//! webhook can read in GitHub's "Recent Deliveries" tab *why* it failed.

use crate::event::PayloadError;
use crate::signature::SignatureError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why one delivery was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// Occurs when the body is larger than GitHub's 25 MB cap (413).
    #[error("body larger than GitHub's 25 MB cap")]
    BodyTooLarge,
    /// Occurs when the body could not be read off the connection (400).
    #[error("could not read the body: {0}")]
    BodyUnreadable(String),
    /// Occurs when the signature is missing, malformed or wrong (401).
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// Occurs when `X-Hub-Signature-256` is sent more than once (400):
    /// which one is meant is a guess, so neither is taken.
    #[error("X-Hub-Signature-256 sent more than once; send exactly one")]
    DuplicateSignature,
    /// Occurs when there is no `X-GitHub-Event` header to say what the body is (400).
    #[error("missing X-GitHub-Event header")]
    MissingEventType,
    /// Occurs when the webhook's content type is `application/x-www-form-urlencoded` (415).
    #[error(
        "the body is form-encoded; set the webhook's Content type to application/json in GitHub"
    )]
    FormEncoded,
    /// Occurs when the body is not JSON, or lacks a field the event needs (400).
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// Occurs when the printer is too far behind (or gone) to take the event (503);
    /// GitHub records a failed delivery that can be redelivered.
    #[error("receiver is busy; the event was not taken, redeliver it later")]
    Busy,
    /// Occurs when a request is sent to any other path (404); holds the real path.
    #[error("no such path; webhooks are received at POST {0}")]
    NotFound(String),
}

impl ReceiveError {
    /// The HTTP status and the stable `code` of the JSON error body.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ReceiveError::BodyTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            ReceiveError::BodyUnreadable(_) => (StatusCode::BAD_REQUEST, "body_unreadable"),
            ReceiveError::Signature(error) => (StatusCode::UNAUTHORIZED, error.code()),
            ReceiveError::DuplicateSignature => (StatusCode::BAD_REQUEST, "duplicate_signature"),
            ReceiveError::MissingEventType => (StatusCode::BAD_REQUEST, "missing_event_type"),
            ReceiveError::FormEncoded => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "form_encoded"),
            ReceiveError::Payload(PayloadError::MissingField { .. }) => {
                (StatusCode::BAD_REQUEST, "missing_field")
            }
            ReceiveError::Payload(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            ReceiveError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            ReceiveError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        }
    }
}

impl IntoResponse for ReceiveError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let body = json!({"error": {"code": code, "message": self.to_string()}});
        (status, axum::Json(body)).into_response()
    }
}

/// Why [`super::serve`] stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Occurs when accepting or serving connections fails.
    #[error("serving failed")]
    Io(#[source] std::io::Error),
    /// Occurs when connections were still open when the shutdown grace period ended.
    #[error("connections still open {grace:?} after shutdown; stopped without them", grace = super::SHUTDOWN_GRACE)]
    GraceExpired,
    /// Occurs when the printer could not write (stdout closed, for instance).
    #[error("printing failed")]
    Printer(#[source] std::io::Error),
    /// Occurs when the printer thread panicked.
    #[error("the printer thread panicked")]
    PrinterPanicked,
}
