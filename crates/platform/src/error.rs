//! The API's one error type.
//!
//! Every bad request gets a 4xx and the same JSON shape,
//! `{"error": {"code": "...", "message": "..."}}`, as real providers answer:
//! the code is for programs, the message is for the developer reading it.
//! Nothing a client sends can make the platform panic or answer 500.
//!
//! The message is in English or Brazilian Portuguese ([`crate::i18n`]):
//! [`ApiError`]'s `Display` is the English (what logs and tests read),
//! [`ApiError::message`] either; the code is the same in both.

use crate::i18n::{Said, thing_pt};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hooklab_core::lang::Lang;
use hooklab_core::wire::ErrorBody;

/// Why the API refused a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Occurs when the body is not JSON at all.
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    /// Occurs when the JSON lacks a field, has one of the wrong type, or has
    /// one the API does not know.
    #[error("{0}")]
    InvalidRequest(String),
    /// Occurs when the body is JSON, but not an object: an array, a string,
    /// a number, `true`, `false` or `null`. (serde reads a struct from an
    /// array too, by position: `[]` was answered "invalid length 0,
    /// expected struct CreatePayment with 4 elements".)
    #[error("the body must be a JSON object ({{\"field\": value, …}}), not {}", found.0)]
    NotAnObject {
        /// What the body is, in English and Portuguese.
        found: (&'static str, &'static str),
    },
    /// Occurs when the JSON is well-formed but a value is not acceptable.
    #[error("`{field}`: {message}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        message: Said,
    },
    /// Occurs when the id in the path names nothing this platform has.
    #[error("no {what} with id `{}`", quoted(id))]
    NotFound {
        /// What kind of thing was looked for.
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// Occurs when the id names a payment or event this platform had, and
    /// forgot once it was finished (see `crate::Retention::finished_for`).
    #[error("{what} `{}` is finished and was forgotten: {why}", id.escape_debug())]
    Forgotten {
        /// `payment` or `event`.
        what: &'static str,
        /// The id asked for.
        id: String,
        /// After what it was forgotten.
        why: Said,
    },
    /// Occurs when an `Idempotency-Key` is reused with different parameters.
    #[error(
        "the Idempotency-Key `{}` was already used with different parameters; use a new key for a new payment",
        quoted(.0)
    )]
    IdempotencyConflict(String),
    /// Occurs when the request has no API key, or one nobody has.
    #[error(
        "missing or unknown API key: send `Authorization: Bearer <api key>` (hooklab platform prints its key at start)"
    )]
    Unauthorized,
    /// Occurs when `Authorization` is sent with another scheme than
    /// `Bearer` (`Basic …`, or a key with no scheme): the key is not even
    /// looked at, so saying it is unknown would send the client looking in
    /// the wrong place.
    #[error(
        "`Authorization` uses the scheme `{}`, not `Bearer`: send `Authorization: Bearer <api key>` (hooklab platform prints its key at start)",
        quoted(.0)
    )]
    AuthScheme(String),
    /// Occurs when the key has used up its requests for now.
    #[error("rate limit exceeded: retry after {retry_after_secs} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// Occurs when an event was redelivered as often as the platform allows.
    #[error(
        "event `{}` was already redelivered {limit} times, the most this platform allows; fix the receiver, then use recover",
        quoted(id)
    )]
    RedeliveryLimit {
        /// The event.
        id: String,
        /// The limit.
        limit: u32,
    },
    /// Occurs when the platform's store refused to record the change (a full
    /// disk): nothing was promised, and the platform is stopping.
    #[error("the platform could not record this durably and is stopping: {0}")]
    StoreUnavailable(String),
    /// Occurs when no route matches the path.
    #[error("no route for {}", quoted(.0))]
    NoRoute(String),
    /// Occurs when the route exists but not for this method.
    #[error("method not allowed on this path")]
    MethodNotAllowed,
    /// Occurs when a query parameter or header of a long poll or a stream
    /// (`wait`, `Last-Event-ID`) is not acceptable.
    #[error("`{name}`: {message}")]
    BadParameter {
        /// The parameter or header.
        name: &'static str,
        /// What is wrong with it.
        message: Said,
    },
    /// Occurs when a query names a parameter the route does not take: as
    /// [`ApiError::BadParameter`] (the same 400 `invalid_parameter`), with
    /// the name the client sent.
    #[error("`{}`: {message}", quoted(name))]
    UnknownParameter {
        /// The parameter sent.
        name: String,
        /// What the route takes instead.
        message: Said,
    },
    /// Occurs when `GET /v1/events?after=` (or a stream's `Last-Event-ID`)
    /// names none of the merchant's events: the platform started again
    /// without its data, or the cursor is another platform's or another
    /// merchant's. A 400 of its own code, `unknown_cursor`, so a client
    /// can start reading from the log's beginning again without reading
    /// the message (which is in the platform's language).
    #[error("`{name}`: {message}")]
    UnknownCursor {
        /// `after` or `Last-Event-ID`.
        name: &'static str,
        /// Which cursor, and what to send instead.
        message: Said,
    },
    /// Occurs when `GET /v1/events?after=` (or a stream's `Last-Event-ID`)
    /// names a place in the log after which an event was forgotten before
    /// the client read it: answering the events still kept would skip it
    /// without a sign.
    #[error("{message}")]
    CursorExpired {
        /// What was forgotten, how long the log keeps, what to do.
        message: Said,
    },
    /// Occurs when a body's `Content-Type` or `Content-Encoding` is not one
    /// the API reads (see `crate::api::content`): 415.
    #[error("{}", unsupported(header, value.as_deref(), &message.en))]
    UnsupportedMediaType {
        /// `Content-Type` or `Content-Encoding`.
        header: &'static str,
        /// The value sent (`None`: the header was sent more than once).
        value: Option<String>,
        /// What the API reads instead.
        message: Said,
    },
    /// Occurs when the merchant already holds as many long polls or streams
    /// open as the platform allows.
    #[error("too many {what} held open at once (at most {max} per merchant): close one first")]
    TooManyHeld {
        /// `long polls` or `streams`.
        what: &'static str,
        /// The bound.
        max: usize,
    },
}

/// The longest quote of a client's value in a message, in characters.
const QUOTED_CHARS: usize = 80;

/// The longest message an answer carries, in characters: serde's own words
/// can quote a value too (`invalid type: string "…"`).
const MESSAGE_CHARS: usize = 1_000;

/// A value the client sent, as an error quotes it: at most
/// [`QUOTED_CHARS`], control characters escaped, with its length when cut.
pub(crate) fn quoted(value: &str) -> String {
    hooklab_core::printable::excerpt(value, QUOTED_CHARS)
}

/// An [`ApiError::UnsupportedMediaType`]'s words: the header, as sent
/// (quoted), then what to send.
fn unsupported(header: &str, value: Option<&str>, message: &str) -> String {
    match value {
        Some(value) => format!("`{header}: {}`: {message}", quoted(value)),
        None => format!("`{header}`: {message}"),
    }
}

impl ApiError {
    /// What the answer says, in `lang`: the `Display` in English, the same
    /// sentence in Brazilian Portuguese. Values the client sent, codes,
    /// headers and routes are quoted as they are in both.
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            ApiError::MalformedJson(detail) => {
                format!("o corpo não é um JSON válido: {}", crate::i18n::serde_pt(detail))
            }
            ApiError::InvalidRequest(detail) => crate::i18n::serde_pt(detail),
            ApiError::NotAnObject { found } => format!(
                "o corpo deve ser um objeto JSON ({{\"campo\": valor, …}}), não {}",
                found.1
            ),
            ApiError::InvalidField { field, message } => {
                format!("`{field}`: {}", message.pt_br)
            }
            ApiError::NotFound { what, id } => {
                format!("não existe {} com o id `{}`", thing_pt(what), quoted(id))
            }
            ApiError::Forgotten { what, id, why } => format!(
                "o {} `{}` já terminou e foi esquecido: {}",
                thing_pt(what),
                id.escape_debug(),
                why.pt_br
            ),
            ApiError::IdempotencyConflict(key) => format!(
                "a Idempotency-Key `{}` já foi usada com outros parâmetros; use uma chave nova para um novo pagamento",
                quoted(key)
            ),
            ApiError::Unauthorized => "chave de API ausente ou desconhecida: envie \
                `Authorization: Bearer <chave de API>` (o hooklab platform mostra a chave ao iniciar)"
                .to_owned(),
            ApiError::AuthScheme(scheme) => format!(
                "`Authorization` usa o esquema `{}`, não `Bearer`: envie `Authorization: Bearer <chave de API>` (o hooklab platform mostra a chave ao iniciar)",
                quoted(scheme)
            ),
            ApiError::RateLimited { retry_after_secs } => {
                format!("limite de requisições excedido: tente de novo daqui a {retry_after_secs} s")
            }
            ApiError::RedeliveryLimit { id, limit } => format!(
                "o evento `{}` já foi reenviado {limit} vezes, o máximo que esta plataforma permite; corrija o receptor e depois use recover",
                quoted(id)
            ),
            ApiError::StoreUnavailable(detail) => format!(
                "a plataforma não conseguiu gravar isto de forma durável e está parando: {detail}"
            ),
            ApiError::NoRoute(path) => format!("não há rota para {}", quoted(path)),
            ApiError::MethodNotAllowed => "método não permitido neste caminho".to_owned(),
            ApiError::BadParameter { name, message } | ApiError::UnknownCursor { name, message } => {
                format!("`{name}`: {}", message.pt_br)
            }
            ApiError::UnknownParameter { name, message } => {
                format!("`{}`: {}", quoted(name), message.pt_br)
            }
            ApiError::CursorExpired { message } => message.pt_br.clone(),
            ApiError::UnsupportedMediaType {
                header,
                value,
                message,
            } => unsupported(header, value.as_deref(), &message.pt_br),
            ApiError::TooManyHeld { what, max } => format!(
                "{} demais abertos ao mesmo tempo (no máximo {max} por lojista): feche um primeiro",
                thing_pt(what)
            ),
        }
    }

    /// The answer to send, its message in `lang` and `Content-Language`
    /// saying which.
    pub fn answer(self, lang: Lang) -> Response {
        let (status, code) = self.status_and_code();
        let message = hooklab_core::printable::excerpt(&self.message(lang), MESSAGE_CHARS);
        let mut response = (status, Json(ErrorBody::new(code, message))).into_response();
        response.headers_mut().insert(
            http::header::CONTENT_LANGUAGE,
            http::HeaderValue::from_static(lang.code()),
        );
        match self {
            ApiError::RateLimited { retry_after_secs } => {
                response.headers_mut().insert(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from(retry_after_secs),
                );
            }
            // RFC 9110, 12.5.3: a 415 for a coding says which it takes.
            ApiError::UnsupportedMediaType {
                header: "Content-Encoding",
                ..
            } => {
                response.headers_mut().insert(
                    http::header::ACCEPT_ENCODING,
                    http::HeaderValue::from_static("identity"),
                );
            }
            _ => {}
        }
        response
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::MalformedJson(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            ApiError::InvalidRequest(_) | ApiError::NotAnObject { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
            }
            ApiError::InvalidField { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"),
            ApiError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Forgotten { .. } => (StatusCode::GONE, "forgotten"),
            ApiError::IdempotencyConflict(_) => (StatusCode::CONFLICT, "idempotency_conflict"),
            ApiError::NoRoute(_) => (StatusCode::NOT_FOUND, "no_route"),
            ApiError::StoreUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable"),
            ApiError::Unauthorized | ApiError::AuthScheme(_) => {
                (StatusCode::UNAUTHORIZED, "unauthorized")
            }
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::BadParameter { .. } | ApiError::UnknownParameter { .. } => {
                (StatusCode::BAD_REQUEST, "invalid_parameter")
            }
            ApiError::UnknownCursor { .. } => (StatusCode::BAD_REQUEST, "unknown_cursor"),
            ApiError::CursorExpired { .. } => (StatusCode::GONE, "cursor_expired"),
            ApiError::TooManyHeld { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_held"),
            // The code the framework's own 415s get (`error_shape`).
            ApiError::UnsupportedMediaType { .. } => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::RedeliveryLimit { .. } => (StatusCode::TOO_MANY_REQUESTS, "redelivery_limit"),
        }
    }

    /// Parses a JSON body, sorting serde's errors into malformed JSON (400) and
    /// well-formed JSON of the wrong shape (422).
    ///
    /// The syntax is checked on its own first: serde stops at the first
    /// unknown field, so `{"a":` would otherwise be answered 422 "unknown
    /// field `a`" when it is not JSON at all.
    pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
        serde_json::from_slice::<serde::de::IgnoredAny>(body)
            .map_err(|e| ApiError::MalformedJson(e.to_string()))?;
        // Every body the API reads is an object: one that is not is said
        // so, not read by position (serde takes a struct from an array).
        let found = match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') | None => None,
            Some(b'[') => Some(("an array", "uma lista (array)")),
            Some(b'"') => Some(("a string", "um texto")),
            Some(b't' | b'f') => Some(("true or false", "true ou false")),
            Some(b'n') => Some(("null", "null")),
            Some(_) => Some(("a number", "um número")),
        };
        if let Some(found) = found {
            return Err(ApiError::NotAnObject { found });
        }
        serde_json::from_slice(body).map_err(|e| {
            use serde_json::error::Category;
            match e.classify() {
                Category::Data => ApiError::InvalidRequest(e.to_string()),
                Category::Syntax | Category::Eof | Category::Io => {
                    ApiError::MalformedJson(e.to_string())
                }
            }
        })
    }
}

/// Through axum (the routes' handlers and extractors): in the language of
/// the request being answered ([`crate::i18n`]).
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let lang = crate::i18n::answering();
        self.answer(lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each variant, with values of the kind the API quotes.
    fn every_kind() -> Vec<ApiError> {
        let said = || Said::new("must be so", "deve ser assim");
        vec![
            ApiError::MalformedJson("expected value at line 1 column 1".to_owned()),
            ApiError::InvalidRequest("missing field `currency` at line 1 column 9".to_owned()),
            ApiError::InvalidField {
                field: "url",
                message: said(),
            },
            ApiError::NotFound {
                what: "webhook endpoint",
                id: "we_1".to_owned(),
            },
            ApiError::Forgotten {
                what: "payment",
                id: "pay_1".to_owned(),
                why: said(),
            },
            ApiError::IdempotencyConflict("k".to_owned()),
            ApiError::Unauthorized,
            ApiError::AuthScheme("Basic".to_owned()),
            ApiError::RateLimited {
                retry_after_secs: 2,
            },
            ApiError::RedeliveryLimit {
                id: "evt_1".to_owned(),
                limit: 100,
            },
            ApiError::StoreUnavailable("disk full".to_owned()),
            ApiError::NoRoute("/v2".to_owned()),
            ApiError::MethodNotAllowed,
            ApiError::BadParameter {
                name: "wait",
                message: said(),
            },
            ApiError::UnknownParameter {
                name: "x".to_owned(),
                message: said(),
            },
            ApiError::CursorExpired { message: said() },
            ApiError::UnsupportedMediaType {
                header: "Content-Type",
                value: Some("text/plain".to_owned()),
                message: said(),
            },
            ApiError::TooManyHeld {
                what: "long polls",
                max: 8,
            },
            // Last: the test below reads the others by their place.
            ApiError::UnknownCursor {
                name: "after",
                message: said(),
            },
            // After the ones the test below reads by their place.
            ApiError::NotAnObject {
                found: ("an array", "uma lista (array)"),
            },
        ]
    }

    #[test]
    fn every_kind_has_a_portuguese_message_and_one_code() {
        for e in every_kind() {
            let en = e.message(Lang::En);
            let pt = e.message(Lang::PtBr);
            assert_eq!(en, e.to_string());
            assert_ne!(en, pt, "{e:?}");
            let code = e.status_and_code();
            let answer = e.answer(Lang::PtBr);
            assert_eq!(answer.status(), code.0);
            assert_eq!(answer.headers()[http::header::CONTENT_LANGUAGE], "pt-BR");
        }
    }

    #[test]
    fn portuguese_reads_as_a_sentence() {
        let kinds = every_kind();
        let pt = |i: usize| kinds[i].message(Lang::PtBr);
        assert_eq!(pt(3), "não existe endpoint de webhook com o id `we_1`");
        assert_eq!(
            pt(4),
            "o pagamento `pay_1` já terminou e foi esquecido: deve ser assim"
        );
        assert_eq!(
            pt(8),
            "limite de requisições excedido: tente de novo daqui a 2 s"
        );
        assert_eq!(
            pt(17),
            "long polls demais abertos ao mesmo tempo (no máximo 8 por lojista): feche um primeiro"
        );
        assert_eq!(
            pt(0),
            "o corpo não é um JSON válido: esperava um valor na linha 1, coluna 1"
        );
    }

    #[test]
    fn the_words_a_client_sent_are_quoted_the_same_in_both() {
        let e = ApiError::NotFound {
            what: "payment",
            id: "pay_\u{1b}[31m".to_owned(),
        };
        assert!(e.message(Lang::PtBr).contains(&quoted("pay_\u{1b}[31m")));
        assert_eq!(
            e.message(Lang::PtBr),
            format!(
                "não existe pagamento com o id `{}`",
                quoted("pay_\u{1b}[31m")
            )
        );
    }
}
