//! Why the live server refused a request, in the run's language.
//!
//! Every refusal is answered in the one JSON shape,
//! `{"error": {"code", "message"}}`: the `code` is for programs and the
//! same in every language, the `message` is for people and in the language
//! `hooklab live` was started with (`--lang`, `HOOKLAB_LANG`), as the
//! GitHub receiver answers its refusals
//! (`hooklab_github::receiver::ReceiveError::message`). The server's own
//! refusals (an unknown path, a wrong method) come from the router's
//! fallbacks here, not from the framework's English defaults.

use super::{MAX_SPEED, MIN_SPEED};
use crate::state::MAX_VIEWERS;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hooklab_core::lang::Lang;

/// Why a request was refused, answered as `{"error": {"code", "message"}}`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Occurs when `/summary.json` is asked for before the run ended.
    #[error("the run has not finished yet")]
    NotFinished,
    /// Occurs when the controls are used on a live run.
    #[error("only a replay can be paused or sped up")]
    NotAReplay,
    /// Occurs when a speed is not a number from the minimum to the maximum.
    #[error("speed must be a number from {MIN_SPEED} to {MAX_SPEED}")]
    BadSpeed,
    /// Occurs when the instant to seek to is not a number of ms from 0.
    #[error(
        "at_ms must be a number of milliseconds from 0 (the start of the run); \
         past the end means the end"
    )]
    BadAtMs,
    /// Occurs when the body of `POST /control` is not the JSON object it
    /// takes.
    #[error("{}", .0.english())]
    BadBody(BodyError),
    /// Occurs when a page asks for the event stream while
    /// [`MAX_VIEWERS`] pages hold one.
    #[error(
        "{MAX_VIEWERS} pages are watching already, the most this server feeds: \
         close one and reload"
    )]
    TooManyViewers,
    /// Occurs when no route has the path (404); holds the path, shortened.
    #[error(
        "no page at {0}: this server serves GET /, /events, /board.json and /summary.json, \
         and POST /control"
    )]
    NoRoute(String),
    /// Occurs when the path is served, but not with this method (405;
    /// the router adds the `Allow` header).
    #[error("{path} does not take {method} (the Allow header says what it takes)")]
    MethodNotAllowed {
        /// The method asked for.
        method: String,
        /// The path, shortened.
        path: String,
    },
}

/// What is wrong with the body of `POST /control` (all `bad_body`).
#[derive(Debug)]
pub enum BodyError {
    /// Sent without `Content-Type: application/json` (415).
    NotJson,
    /// The body could not be read (413 when over the limit, else 400).
    Unreadable(StatusCode),
    /// Not valid JSON, at this line and column.
    Syntax {
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
    },
    /// JSON, but not an object.
    NotAnObject,
    /// A field the control does not take (a typo of `speed`, say).
    UnknownField(String),
    /// `paused` not `true` or `false`.
    PausedNotBool,
    /// `speed` not a number.
    SpeedNotNumber,
    /// Any other mismatch serde found (a field given twice), in its words.
    Other(String),
}

impl BodyError {
    fn english(&self) -> String {
        match self {
            BodyError::NotJson => {
                "send the body of POST /control as JSON, with Content-Type: application/json"
                    .to_owned()
            }
            BodyError::Unreadable(status) if *status == StatusCode::PAYLOAD_TOO_LARGE => format!(
                "the body is larger than this server takes ({} bytes)",
                hooklab_core::http::server::DEFAULT_BODY_BYTES
            ),
            BodyError::Unreadable(_) => "the body could not be read".to_owned(),
            BodyError::Syntax { line, column } => {
                format!("the body is not valid JSON (line {line}, column {column})")
            }
            BodyError::NotAnObject => {
                format!("the body must be a JSON object, such as {EXAMPLE} (each field optional)")
            }
            BodyError::UnknownField(name) => {
                format!("unknown field `{name}`: POST /control takes paused, speed and at_ms")
            }
            BodyError::PausedNotBool => "paused must be true or false".to_owned(),
            BodyError::SpeedNotNumber => {
                format!("speed must be a number from {MIN_SPEED} to {MAX_SPEED}")
            }
            BodyError::Other(why) => {
                format!("the body is not the object POST /control takes: {why}")
            }
        }
    }

    fn portuguese(&self) -> String {
        match self {
            BodyError::NotJson => {
                "envie o corpo de POST /control como JSON, com Content-Type: application/json"
                    .to_owned()
            }
            BodyError::Unreadable(status) if *status == StatusCode::PAYLOAD_TOO_LARGE => format!(
                "o corpo é maior do que este servidor aceita ({} bytes)",
                hooklab_core::http::server::DEFAULT_BODY_BYTES
            ),
            BodyError::Unreadable(_) => "não foi possível ler o corpo".to_owned(),
            BodyError::Syntax { line, column } => {
                format!("o corpo não é JSON válido (linha {line}, coluna {column})")
            }
            BodyError::NotAnObject => {
                format!("o corpo deve ser um objeto JSON, como {EXAMPLE} (cada campo é opcional)")
            }
            BodyError::UnknownField(name) => {
                format!("campo desconhecido `{name}`: POST /control aceita paused, speed e at_ms")
            }
            BodyError::PausedNotBool => "paused deve ser true ou false".to_owned(),
            BodyError::SpeedNotNumber => {
                format!(
                    "speed deve ser um número de {} a {MAX_SPEED}",
                    pt_number(MIN_SPEED)
                )
            }
            BodyError::Other(why) => {
                format!(
                    "o corpo não é o objeto que POST /control aceita (nas palavras do leitor de JSON: {why})"
                )
            }
        }
    }
}

/// The control's body as the messages show it.
const EXAMPLE: &str = r#"{"paused": true, "speed": 60, "at_ms": 0}"#;

/// A number with the Portuguese decimal comma (`0,01`).
fn pt_number(x: f64) -> String {
    x.to_string().replace('.', ",")
}

/// At most 100 characters of a path or field name from the request, its
/// control characters escaped: a 60 KB path must not make a 60 KB answer.
pub(super) fn shortened(text: &str) -> String {
    const MAX_CHARS: usize = 100;
    let mut out: String = text.chars().take(MAX_CHARS).collect();
    if text.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    hooklab_core::printable::escape_controls(&out)
}

impl ApiError {
    /// The HTTP status and the stable `code` of the JSON error body.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::NotFinished => (StatusCode::NOT_FOUND, "not_finished"),
            ApiError::NotAReplay => (StatusCode::CONFLICT, "not_a_replay"),
            ApiError::BadSpeed => (StatusCode::BAD_REQUEST, "bad_speed"),
            ApiError::BadAtMs => (StatusCode::BAD_REQUEST, "bad_at_ms"),
            ApiError::BadBody(BodyError::NotJson) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "bad_body")
            }
            ApiError::BadBody(BodyError::Unreadable(status)) => (*status, "bad_body"),
            // JSON of the wrong shape (an unknown field, a wrong type) is a
            // bad request like the others here, not axum's 422.
            ApiError::BadBody(_) => (StatusCode::BAD_REQUEST, "bad_body"),
            ApiError::TooManyViewers => (StatusCode::TOO_MANY_REQUESTS, "too_many_viewers"),
            // The codes the edge gives the framework's own refusals
            // (`hooklab_core::http::server::error_shape`).
            ApiError::NoRoute(_) => (StatusCode::NOT_FOUND, "no_route"),
            ApiError::MethodNotAllowed { .. } => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
            }
        }
    }

    /// The error body's `message` in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            ApiError::NotFinished => "a execução ainda não terminou".to_owned(),
            ApiError::NotAReplay => "só uma reprodução pode ser pausada ou acelerada".to_owned(),
            ApiError::BadSpeed => format!(
                "speed deve ser um número de {} a {MAX_SPEED}",
                pt_number(MIN_SPEED)
            ),
            ApiError::BadAtMs => "at_ms deve ser um número de milissegundos a partir de 0 \
                 (o início da execução); depois do fim quer dizer o fim"
                .to_owned(),
            ApiError::BadBody(body) => body.portuguese(),
            ApiError::TooManyViewers => format!(
                "{MAX_VIEWERS} páginas já estão assistindo, o máximo que este servidor \
                 alimenta: feche uma e recarregue"
            ),
            ApiError::NoRoute(path) => format!(
                "não há página em {path}: este servidor serve GET /, /events, /board.json e \
                 /summary.json, e POST /control"
            ),
            ApiError::MethodNotAllowed { method, path } => {
                format!("{path} não aceita {method} (o cabeçalho Allow diz o que aceita)")
            }
        }
    }

    /// The answer to the request, its message in `lang`.
    pub fn response_in(&self, lang: Lang) -> Response {
        let (status, code) = self.status_and_code();
        let body = serde_json::json!({"error": {"code": code, "message": self.message(lang)}});
        (status, Json(body)).into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.response_in(Lang::En)
    }
}

/// The message of the early 413 a declared `Content-Length` over the limit
/// gets (`hooklab_core::http::server::body_limit`, before any route), in
/// Portuguese.
pub(super) fn declared_too_large_pt(declared: u64) -> String {
    format!(
        "o corpo declara {declared} bytes (Content-Length), acima do limite deste servidor, {} bytes",
        hooklab_core::http::server::DEFAULT_BODY_BYTES
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every refusal has a Portuguese message of its own, and the code is
    /// the same in both languages.
    #[test]
    fn every_refusal_speaks_portuguese_with_the_same_code() {
        let all = [
            ApiError::NotFinished,
            ApiError::NotAReplay,
            ApiError::BadSpeed,
            ApiError::BadAtMs,
            ApiError::BadBody(BodyError::NotJson),
            ApiError::BadBody(BodyError::Unreadable(StatusCode::PAYLOAD_TOO_LARGE)),
            ApiError::BadBody(BodyError::Unreadable(StatusCode::BAD_REQUEST)),
            ApiError::BadBody(BodyError::Syntax { line: 1, column: 2 }),
            ApiError::BadBody(BodyError::NotAnObject),
            ApiError::BadBody(BodyError::UnknownField("sped".to_owned())),
            ApiError::BadBody(BodyError::PausedNotBool),
            ApiError::BadBody(BodyError::SpeedNotNumber),
            ApiError::BadBody(BodyError::Other("duplicate field `speed`".to_owned())),
            ApiError::TooManyViewers,
            ApiError::NoRoute("/x".to_owned()),
            ApiError::MethodNotAllowed {
                method: "GET".to_owned(),
                path: "/control".to_owned(),
            },
        ];
        for error in &all {
            let (en, pt) = (error.message(Lang::En), error.message(Lang::PtBr));
            assert_ne!(en, pt, "{error:?}");
            // serde's own words are quoted as they are.
            if matches!(error, ApiError::BadBody(BodyError::Other(_))) {
                continue;
            }
            for english in [" must ", " the ", " is ", " not ", "pages", "field"] {
                assert!(!pt.contains(english), "{error:?}: {pt}");
            }
        }
        assert_eq!(
            ApiError::BadSpeed.message(Lang::PtBr),
            "speed deve ser um número de 0,01 a 100000"
        );
    }

    #[test]
    fn a_long_path_is_shortened_and_its_controls_escaped() {
        let long = "/".repeat(5_000);
        assert_eq!(shortened(&long).chars().count(), 101);
        assert_eq!(shortened("/a\u{1b}[2J"), "/a\\u{1b}[2J");
    }
}
