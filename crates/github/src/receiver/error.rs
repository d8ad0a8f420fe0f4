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
use hooklab_core::lang::Lang;
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
    /// Occurs when the server's budget for bodies still arriving refused
    /// this one (429; the server itself answers `server_busy`, see
    /// `hooklab_core::http::server::refused_by_server`): said so that the
    /// listener's line names what the sender got.
    #[error("the server is holding all the request bodies it can: try again in a second")]
    ServerBusy,
    /// Occurs when the body did not arrive within the server's request
    /// deadline (408; the server answers `request_timeout` itself).
    #[error("the body did not arrive in time")]
    BodyTimedOut,
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
    /// Occurs when `X-GitHub-Event` is no event name (400): longer than
    /// [`super::MAX_EVENT_NAME_CHARS`], or with a character outside
    /// `a-z 0-9 _ . -`. Holds an excerpt of it (see
    /// [`crate::printer::excerpt`]), never the whole: the header is the
    /// sender's, and would be echoed back and printed.
    #[error("X-GitHub-Event `{0}` is not an event name: at most 64 characters of a-z, 0-9, _ . -")]
    MalformedEventType(String),
    /// Occurs when the path is asked with another method than `POST` (405);
    /// holds the path.
    #[error("method not allowed; webhooks are received at POST {0}")]
    WrongMethod(String),
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
    /// Occurs when the printer has stopped (its output was closed, or it
    /// failed) and the receiver is stopping with it (503): the event could
    /// not be printed, so it is not taken.
    #[error(
        "the receiver is stopping (it can no longer print); the event was not taken, redeliver it later"
    )]
    Stopping,
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
            ReceiveError::ServerBusy => (StatusCode::TOO_MANY_REQUESTS, "server_busy"),
            ReceiveError::BodyTimedOut => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            ReceiveError::Signature(error) => (StatusCode::UNAUTHORIZED, error.code()),
            ReceiveError::DuplicateSignature => (StatusCode::BAD_REQUEST, "duplicate_signature"),
            ReceiveError::MissingEventType => (StatusCode::BAD_REQUEST, "missing_event_type"),
            ReceiveError::MalformedEventType(_) => {
                (StatusCode::BAD_REQUEST, "malformed_event_type")
            }
            ReceiveError::WrongMethod(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ReceiveError::FormEncoded => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "form_encoded"),
            ReceiveError::Payload(PayloadError::MissingField { .. }) => {
                (StatusCode::BAD_REQUEST, "missing_field")
            }
            ReceiveError::Payload(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            ReceiveError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            ReceiveError::Stopping => (StatusCode::SERVICE_UNAVAILABLE, "stopping"),
            ReceiveError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        }
    }
}

impl ReceiveError {
    /// The error body's `message` in `lang`: the receiver answers in the
    /// language it prints in, so the sender's terminal (`hooklab github
    /// send`, or GitHub's "Recent Deliveries" tab) reads the refusal as the
    /// receiver's terminal does. The `code` stays the same in every
    /// language, for programs.
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            ReceiveError::BodyTooLarge => "corpo maior que o limite de 25 MB do GitHub".to_owned(),
            ReceiveError::BodyUnreadable(why) => format!("não foi possível ler o corpo: {why}"),
            ReceiveError::ServerBusy => {
                "o servidor já guarda todos os corpos de requisição que pode: tente de novo em um segundo"
                    .to_owned()
            }
            ReceiveError::BodyTimedOut => "o corpo não chegou a tempo".to_owned(),
            ReceiveError::Signature(SignatureError::Missing) => {
                "falta o cabeçalho X-Hub-Signature-256 (o segredo do webhook está configurado?)"
                    .to_owned()
            }
            ReceiveError::Signature(SignatureError::Malformed(why)) => {
                format!("cabeçalho X-Hub-Signature-256 malformado: {why}")
            }
            ReceiveError::Signature(SignatureError::Mismatch) => {
                "X-Hub-Signature-256 não confere com o corpo (segredo errado ou corpo alterado)"
                    .to_owned()
            }
            ReceiveError::DuplicateSignature => {
                "X-Hub-Signature-256 enviado mais de uma vez; envie exatamente um".to_owned()
            }
            ReceiveError::MissingEventType => "falta o cabeçalho X-GitHub-Event".to_owned(),
            ReceiveError::MalformedEventType(excerpt) => format!(
                "X-GitHub-Event `{excerpt}` não é um nome de evento: no máximo 64 caracteres de a-z, 0-9, _ . -"
            ),
            ReceiveError::WrongMethod(path) => {
                format!("método não permitido; os webhooks são recebidos em POST {path}")
            }
            ReceiveError::FormEncoded => {
                "o corpo veio form-encoded; escolha application/json como Content type do webhook no GitHub"
                    .to_owned()
            }
            ReceiveError::Payload(PayloadError::Json(why)) => {
                format!("o corpo não é JSON válido: {why}")
            }
            ReceiveError::Payload(PayloadError::NotAnObject) => {
                "o corpo é JSON, mas não é um objeto".to_owned()
            }
            ReceiveError::Payload(PayloadError::MissingField { event_type, field }) => {
                format!("o payload de {event_type} não tem `{field}` (ou ele tem o tipo errado)")
            }
            ReceiveError::Busy => {
                "o receptor está ocupado; o evento não foi aceito, reenvie mais tarde".to_owned()
            }
            ReceiveError::Stopping => {
                "o receptor está parando (não consegue mais exibir); o evento não foi aceito, reenvie mais tarde"
                    .to_owned()
            }
            ReceiveError::NotFound(path) => {
                format!("caminho inexistente; os webhooks são recebidos em POST {path}")
            }
        }
    }

    /// The answer to the request, its message in `lang` (see
    /// [`ReceiveError::message`]), in the one JSON shape.
    pub fn response_in(&self, lang: Lang) -> Response {
        let (status, code) = self.status_and_code();
        let body = json!({"error": {"code": code, "message": self.message(lang)}});
        let mut response = (status, axum::Json(body)).into_response();
        // A 405 names the methods there are (RFC 9110 §15.5.6).
        if let ReceiveError::WrongMethod(_) = self {
            response.headers_mut().insert(
                axum::http::header::ALLOW,
                axum::http::HeaderValue::from_static("POST"),
            );
        }
        response
    }
}

impl IntoResponse for ReceiveError {
    fn into_response(self) -> Response {
        self.response_in(Lang::En)
    }
}

/// Why [`super::serve`] stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Occurs when accepting or serving connections fails.
    #[error("serving failed")]
    Io(#[source] std::io::Error),
    /// Occurs when the printer could not write (stdout closed, for instance).
    #[error("printing failed")]
    Printer(#[source] std::io::Error),
    /// Occurs when the printer thread panicked.
    #[error("the printer thread panicked")]
    PrinterPanicked,
}
