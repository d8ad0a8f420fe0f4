//! What a request body must be for the API to read it: JSON, sent as it is.
//!
//! Every body the API reads is JSON, decoded from the bytes as they came.
//! A body declared as something else (`Content-Type: text/plain`, or
//! curl's `-d` default, `application/x-www-form-urlencoded`) or encoded
//! (`Content-Encoding: gzip`) would be read as JSON all the same and
//! answered 400 or 422 about its fields, or, worse, taken: a real API
//! refuses it with 415 Unsupported Media Type (RFC 9110, 15.5.16), and so
//! does the live page's `POST /control`. [`readable`] decides it:
//!
//! - `Content-Type`, when present, must be `application/json`, in any case,
//!   with any parameters; a `charset` among them must be `utf-8`, the only
//!   encoding JSON between systems may use (RFC 8259, 8.1). Sent twice, it
//!   is refused too: which one describes the body is a guess.
//! - A **missing** `Content-Type` is accepted, and the body read as JSON.
//!   RFC 9110 (8.3) lets a recipient examine the data when the type is
//!   absent, and reading it as JSON misreads nothing: a body that is not
//!   JSON is still refused, 400 `invalid_json`. Every client hooklab ships
//!   declares its JSON (the shop's client, the platform's tests, the
//!   benches, `scripts/soak.sh`), but a hand-written client often does not
//!   (Python's `requests.post(url, data=text)`, Java's `HttpClient`), and
//!   refusing it would only turn an answer about the body into one about a
//!   header.
//! - `Content-Encoding`, when present, must list only `identity` (empty
//!   list elements are ignored, as RFC 9110 5.6.1 asks); any coding is
//!   refused, and the answer carries `Accept-Encoding: identity`, as RFC
//!   9110 (12.5.3) asks of a 415 for a coding.
//!
//! `POST /v1/payments`, `POST /v1/webhook_endpoints` and `POST
//! /v1/webhook_endpoints/{id}/recover` read a body and check it always;
//! `rotate_secret` and `redeliver` read none, and check only a body that
//! is sent (`curl -X POST` sends none and no type; `curl -d ''` sends an
//! empty one with curl's form type, and neither says anything to refuse).

use crate::error::ApiError;
use crate::i18n::Said;
use http::HeaderMap;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE};

/// Whether the body that comes with `headers` is one the API can read (see
/// the module's docs): `Err(ApiError::UnsupportedMediaType)` if not.
pub(super) fn readable(headers: &HeaderMap) -> Result<(), ApiError> {
    let mut types = headers.get_all(CONTENT_TYPE).iter();
    if let Some(first) = types.next() {
        if types.next().is_some() {
            return Err(ApiError::UnsupportedMediaType {
                header: "Content-Type",
                value: None,
                message: Said::new(
                    "sent more than once; send one: application/json",
                    "enviado mais de uma vez; envie um só: application/json",
                ),
            });
        }
        if !is_json(first.as_bytes()) {
            return Err(ApiError::UnsupportedMediaType {
                header: "Content-Type",
                value: Some(String::from_utf8_lossy(first.as_bytes()).into_owned()),
                message: Said::new(
                    "the API reads JSON only: send `Content-Type: application/json` \
                     (curl: -H 'Content-Type: application/json'; -d alone sends a form type)",
                    "a API só lê JSON: envie `Content-Type: application/json` \
                     (curl: -H 'Content-Type: application/json'; o -d sozinho envia um tipo de formulário)",
                ),
            });
        }
    }
    for value in headers.get_all(CONTENT_ENCODING) {
        let codings = value.as_bytes().split(|&b| b == b',');
        if codings
            .map(<[u8]>::trim_ascii)
            .any(|c| !c.is_empty() && !c.eq_ignore_ascii_case(b"identity"))
        {
            return Err(ApiError::UnsupportedMediaType {
                header: "Content-Encoding",
                value: Some(String::from_utf8_lossy(value.as_bytes()).into_owned()),
                message: Said::new(
                    "the API reads a body as it is sent: send it without a coding \
                     (leave Content-Encoding out, or send identity)",
                    "a API lê o corpo como ele é enviado: envie-o sem codificação \
                     (deixe de fora o Content-Encoding, ou envie identity)",
                ),
            });
        }
    }
    Ok(())
}

/// Whether a `Content-Type` value is `application/json` with, if any, a
/// `charset` of `utf-8`.
fn is_json(value: &[u8]) -> bool {
    let mut parts = value.split(|&b| b == b';');
    let essence = parts.next().unwrap_or_default().trim_ascii();
    if !essence.eq_ignore_ascii_case(b"application/json") {
        return false;
    }
    parts.all(|parameter| {
        let Some((name, value)) = split_once(parameter, b'=') else {
            // A parameter without a value is malformed, but names no
            // charset: nothing about the body's bytes is in doubt.
            return true;
        };
        if !name.trim_ascii().eq_ignore_ascii_case(b"charset") {
            return true;
        }
        let value = value.trim_ascii();
        let value = value
            .strip_prefix(b"\"")
            .and_then(|v| v.strip_suffix(b"\""))
            .unwrap_or(value);
        value.eq_ignore_ascii_case(b"utf-8")
    })
}

fn split_once(bytes: &[u8], at: u8) -> Option<(&[u8], &[u8])> {
    let i = bytes.iter().position(|&b| b == at)?;
    Some((&bytes[..i], &bytes[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for &(name, value) in pairs {
            h.append(name, http::HeaderValue::from_static(value));
        }
        h
    }

    fn refused(pairs: &[(&'static str, &'static str)]) -> bool {
        matches!(
            readable(&headers(pairs)),
            Err(ApiError::UnsupportedMediaType { .. })
        )
    }

    #[test]
    fn json_in_any_case_with_parameters_is_read() {
        for value in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            "application/json; charset=\"utf-8\"",
            " application/json ; foo=bar",
            "application/json; q",
        ] {
            let h = headers(&[("content-type", value)]);
            assert!(readable(&h).is_ok(), "{value}");
        }
        assert!(readable(&HeaderMap::new()).is_ok());
    }

    #[test]
    fn another_type_a_second_type_or_another_charset_is_refused() {
        for value in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/jsonx",
            "application/json-seq",
            "application/problem+json",
            "application/json; charset=iso-8859-1",
            "application/json; charset=utf-16",
            "",
            "json",
        ] {
            let h = headers(&[("content-type", value)]);
            assert!(
                matches!(readable(&h), Err(ApiError::UnsupportedMediaType { .. })),
                "{value}"
            );
        }
        assert!(refused(&[
            ("content-type", "application/json"),
            ("content-type", "application/json"),
        ]));
    }

    #[test]
    fn only_the_identity_coding_is_read() {
        assert!(!refused(&[("content-encoding", "identity")]));
        assert!(!refused(&[("content-encoding", "IDENTITY, ")]));
        assert!(!refused(&[("content-encoding", "")]));
        assert!(refused(&[("content-encoding", "gzip")]));
        assert!(refused(&[("content-encoding", "identity, br")]));
        assert!(refused(&[
            ("content-encoding", "identity"),
            ("content-encoding", "deflate"),
        ]));
    }
}
