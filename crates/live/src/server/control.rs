//! The body of `POST /control`, read here rather than by axum's `Json`, so
//! that each way it can be wrong is a [`BodyError`] with a message in the
//! run's language (axum's rejections are English sentences with serde's
//! words in them).

use super::refusal::{ApiError, BodyError, shortened};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, header};
use serde::Deserialize;

/// The body of `POST /control`; any field may be left out, and one it
/// does not know (`{"sped": 2}`) is refused, not ignored: a typo would
/// otherwise answer 200 and change nothing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ControlRequest {
    pub paused: Option<bool>,
    pub speed: Option<f64>,
    /// Any JSON value, so that one that is not a number is refused as
    /// [`ApiError::BadAtMs`] like a negative one.
    pub at_ms: Option<serde_json::Value>,
}

/// The request's body as a [`ControlRequest`], or why not.
pub(super) fn parse(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<ControlRequest, ApiError> {
    if !is_json(headers) {
        return Err(ApiError::BadBody(BodyError::NotJson));
    }
    let body =
        body.map_err(|rejection| ApiError::BadBody(BodyError::Unreadable(rejection.status())))?;
    // Typed first: exactly what the control takes, as before.
    let typed = serde_json::from_slice::<ControlRequest>(&body);
    let error = match typed {
        Ok(request) => return Ok(request),
        Err(error) => error,
    };
    if !error.is_data() {
        return Err(ApiError::BadBody(BodyError::Syntax {
            line: error.line(),
            column: error.column(),
        }));
    }
    Err(ApiError::BadBody(diagnose(&body, error)))
}

/// Which part of a well-formed JSON body serde refused.
fn diagnose(body: &[u8], error: serde_json::Error) -> BodyError {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return BodyError::NotAnObject;
    };
    if let Some(name) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "paused" | "speed" | "at_ms"))
    {
        return BodyError::UnknownField(shortened(name));
    }
    let wrong = |name: &str, fits: fn(&serde_json::Value) -> bool| {
        fields.get(name).is_some_and(|v| !v.is_null() && !fits(v))
    };
    if wrong("paused", serde_json::Value::is_boolean) {
        return BodyError::PausedNotBool;
    }
    if wrong("speed", serde_json::Value::is_number) {
        return BodyError::SpeedNotNumber;
    }
    // Only a field given twice is left (the map kept the last one).
    BodyError::Other(shortened(&error.to_string()))
}

/// Whether the request says its body is JSON: `application/json`, or a
/// `+json` type, as axum's `Json` takes.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(content_type: &str, body: &str) -> Result<ControlRequest, ApiError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            content_type.parse().unwrap_or_else(|_| unreachable!()),
        );
        parse(&headers, Ok(Bytes::from(body.to_owned())))
    }

    #[test]
    fn each_bad_body_is_told_apart() {
        let kind = |ct, body| match parsed(ct, body) {
            Err(ApiError::BadBody(e)) => format!("{e:?}"),
            other => format!("{other:?}"),
        };
        assert_eq!(kind("text/plain", "{}"), "NotJson");
        assert_eq!(
            kind("application/json", "{\"speed\": NaN}"),
            "Syntax { line: 1, column: 11 }"
        );
        assert_eq!(kind("application/json", "[1]"), "NotAnObject");
        assert_eq!(
            kind("application/json", "{\"sped\": 2}"),
            "UnknownField(\"sped\")"
        );
        assert_eq!(
            kind("application/json", "{\"paused\": \"yes\"}"),
            "PausedNotBool"
        );
        assert_eq!(
            kind("application/json", "{\"speed\": \"fast\"}"),
            "SpeedNotNumber"
        );
        assert!(
            kind("application/json", "{\"speed\": 1, \"speed\": 2}")
                .starts_with("Other(\"duplicate field")
        );
        let ok = parsed(
            "application/merge-patch+json; charset=utf-8",
            "{\"paused\": null, \"speed\": 2}",
        );
        assert!(
            matches!(
                ok,
                Ok(ControlRequest {
                    paused: None,
                    speed: Some(2.0),
                    at_ms: None
                })
            ),
            "{ok:?}"
        );
    }
}
