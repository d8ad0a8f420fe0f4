//! How many bytes hyper's HTTP/1.1 would put on the wire for a message,
//! without writing them: what the direct transport counts.
//!
//! The pipe transport's meters count the bytes hyper really writes (request
//! and response heads, bodies, chunk framing). The direct transport hands
//! the router its `http::Request` without serialising it, so to report the
//! same traffic it computes the length of what hyper 1.x (the version in
//! `Cargo.lock`) would have written, rule by rule from its encoder
//! (`proto/h1/role.rs`, `encode.rs`):
//!
//! - the **request** line is `METHOD SP target SP HTTP/1.1 CRLF`, each header
//!   `name: value CRLF` in lower case, then `CRLF`; a non-empty body with no
//!   `content-length` and no `transfer-encoding` gets `content-length: N`
//!   ([`client_framing`], applied to the request the router then sees, since
//!   hyper's server would have parsed that header);
//! - the **response** line is `HTTP/1.1 200 OK CRLF`, or the code and its
//!   canonical reason; the headers are written as the server encoder does
//!   (the values of `connection`, `transfer-encoding` and `trailer` joined
//!   on one line, a `content-length` dropped when there is no body), then
//!   hyper's own framing header: `content-length: N` for a body of known
//!   length, `content-length: 0` for none (not after 204 or 304, nor for a
//!   HEAD), `transfer-encoding: chunked` for a stream. No `date` header:
//!   virtual servers turn it off (it reads the wall clock);
//! - a **chunked** body costs `HEX CRLF data CRLF` per non-empty frame and
//!   `0 CRLF CRLF` at its end.
//!
//! The equality with hyper's real count is tested, message by message, in
//! `direct.rs`'s tests and, run by run, in the harness's `transport` test.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};

/// `HTTP/1.1`, `CRLF` and the like: lengths of hyper's fixed strings.
const VERSION: u64 = 8;
const CRLF: u64 = 2;
/// `0\r\n\r\n`, the end of a chunked body.
pub const CHUNKED_END: u64 = 5;

/// How a message's body travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// Exactly this many bytes (a `content-length`, or nothing at all).
    Length(u64),
    /// Chunked: each frame framed, then the end marker.
    Chunked,
    /// Until the connection closes (HTTP/1.0 only: never here).
    CloseDelimited,
}

/// What hyper's server knows of a response body before it writes the head
/// (`Body::is_end_stream`, `size_hint().exact()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyLength {
    /// The body is already at its end: no body.
    None,
    /// Exactly this many bytes.
    Known(u64),
    /// A stream of unknown length.
    Unknown,
}

/// Bytes of `name: value CRLF`.
fn line(name: &HeaderName, value: &HeaderValue) -> u64 {
    (name.as_str().len() + 2 + value.len()) as u64 + CRLF
}

/// Decimal digits of `n`.
fn digits(mut n: u64) -> u64 {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// Bytes of one chunk of `n > 0` bytes in a chunked body: its size in hex,
/// `CRLF`, the data, `CRLF`.
pub fn chunk(n: u64) -> u64 {
    let mut hex = 1;
    let mut m = n >> 4;
    while m > 0 {
        m >>= 4;
        hex += 1;
    }
    hex + CRLF + n + CRLF
}

/// What hyper's client does to a request's headers before writing them
/// (`Client::set_length`): a body (`body_len > 0`) with neither
/// `content-length` nor `transfer-encoding` gets `content-length`, and an
/// empty body loses any `transfer-encoding`. Returns the body's framing.
pub fn client_framing(headers: &mut HeaderMap, body_len: u64) -> Framing {
    if body_len == 0 {
        headers.remove(header::TRANSFER_ENCODING);
        return Framing::Length(0);
    }
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return Framing::Chunked;
    }
    if let Some(len) = content_length(headers) {
        return Framing::Length(len);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body_len));
    Framing::Length(body_len)
}

/// The one `content-length` the headers agree on, if any.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    let mut found = None;
    for value in headers.get_all(header::CONTENT_LENGTH) {
        let len: u64 = value.to_str().ok()?.trim().parse().ok()?;
        if found.is_some_and(|f| f != len) {
            return None;
        }
        found = Some(len);
    }
    found
}

/// Bytes of a request's head as hyper's client writes it, `headers` being
/// those [`client_framing`] left.
pub fn request_head(method: &Method, target: &http::Uri, headers: &HeaderMap) -> u64 {
    // The target as `Uri`'s `Display` writes it (origin form: path, then
    // `?query`).
    let target_len = target.path().len() + target.query().map_or(0, |q| q.len() + 1);
    let mut n = (method.as_str().len() + 1 + target_len + 1) as u64 + VERSION + CRLF;
    for (name, value) in headers {
        n += line(name, value);
    }
    n + CRLF
}

fn can_chunk(method: &Method, status: StatusCode) -> bool {
    !(method == Method::HEAD
        || method == Method::CONNECT && status.is_success()
        || status.is_informational()
        || matches!(status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED))
}

fn can_have_content_length(method: &Method, status: StatusCode) -> bool {
    !(status.is_informational()
        || method == Method::CONNECT && status.is_success()
        || matches!(status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED))
}

/// Whether the headers ask to close the connection after this message
/// (`connection: close`, any case, among other tokens).
pub fn wants_close(headers: &HeaderMap) -> bool {
    headers.get_all(header::CONNECTION).iter().any(|value| {
        value.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|token| token.trim().eq_ignore_ascii_case("close"))
        })
    })
}

/// The framing header hyper's server adds to a response's head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// None: the response had its own, or may have none.
    Nothing,
    /// `content-length: N`.
    Length(u64),
    /// `transfer-encoding: chunked`.
    Chunked,
}

/// A response's head as hyper's server writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseHead {
    /// Its bytes on the wire.
    pub bytes: u64,
    /// How the body after it is framed.
    pub framing: Framing,
    /// The framing header hyper added.
    pub added: Added,
    /// Whether hyper left out the response's own `content-length` (a
    /// response with no body, not to a HEAD).
    pub dropped_length: bool,
}

/// Bytes of a response's head as hyper's server writes it (HTTP/1.1, no
/// `date`), and how its body is framed, for a request made with `method`.
pub fn response_head(
    method: &Method,
    status: StatusCode,
    reason: Option<&[u8]>,
    headers: &HeaderMap,
    body: BodyLength,
) -> ResponseHead {
    let mut added = Added::Nothing;
    let mut dropped_length = false;
    let mut n = match (status, reason) {
        (StatusCode::OK, None) => 17, // "HTTP/1.1 200 OK\r\n"
        _ => {
            let reason = reason.map_or_else(
                || status.canonical_reason().unwrap_or("<none>").len(),
                <[u8]>::len,
            );
            VERSION + 1 + 3 + 1 + reason as u64 + CRLF
        }
    };
    let mut framing = Framing::Length(0);
    let mut wrote_len = false;
    // The headers hyper joins on one line: the line's length so far.
    let mut joined: Option<(HeaderName, u64)> = None;
    let mut te_chunked_last = true;
    let flush = |joined: &mut Option<(HeaderName, u64)>, te_chunked_last: bool, n: &mut u64| {
        if let Some((name, len)) = joined.take() {
            *n += len + CRLF;
            if name == header::TRANSFER_ENCODING && !te_chunked_last {
                *n += ", chunked".len() as u64;
            }
        }
    };
    for name in headers.keys() {
        flush(&mut joined, te_chunked_last, &mut n);
        let values = headers.get_all(name);
        match *name {
            header::CONTENT_LENGTH => match body {
                // The first value only: hyper trusts it and skips the rest.
                BodyLength::Known(len) => {
                    if let Some(value) = values.iter().next() {
                        if !wrote_len {
                            n += line(name, value);
                            framing = Framing::Length(len);
                        }
                        wrote_len = true;
                    }
                }
                BodyLength::Unknown => {
                    if let Some(value) = values.iter().next() {
                        let len = value
                            .to_str()
                            .ok()
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .unwrap_or(0);
                        n += line(name, value);
                        framing = Framing::Length(len);
                        wrote_len = true;
                    }
                }
                // No body: only a HEAD's answer keeps its length.
                BodyLength::None => {
                    if method == Method::HEAD {
                        for value in values {
                            n += line(name, value);
                        }
                        wrote_len = true;
                    } else {
                        dropped_length = true;
                    }
                }
            },
            header::TRANSFER_ENCODING | header::TRAILER if !can_chunk(method, status) => {}
            header::TRANSFER_ENCODING | header::CONNECTION | header::TRAILER => {
                let mut len = name.as_str().len() as u64;
                for value in values.iter() {
                    len += 2 + value.len() as u64; // ": " first, ", " after
                }
                if *name == header::TRANSFER_ENCODING {
                    wrote_len = true;
                    framing = Framing::Chunked;
                    te_chunked_last = values.iter().next_back().is_some_and(|v| {
                        v.to_str().is_ok_and(|v| {
                            v.rsplit(',')
                                .next()
                                .is_some_and(|t| t.trim().eq_ignore_ascii_case("chunked"))
                        })
                    });
                }
                joined = Some((name.clone(), len));
            }
            _ => {
                for value in values {
                    n += line(name, value);
                }
            }
        }
    }
    flush(&mut joined, te_chunked_last, &mut n);
    if !wrote_len {
        match body {
            BodyLength::Unknown => {
                if can_chunk(method, status) {
                    n += "transfer-encoding: chunked\r\n".len() as u64;
                    framing = Framing::Chunked;
                    added = Added::Chunked;
                } else {
                    framing = Framing::CloseDelimited;
                }
            }
            BodyLength::None | BodyLength::Known(0) => {
                if can_have_content_length(method, status) && method != Method::HEAD {
                    n += "content-length: 0\r\n".len() as u64;
                    added = Added::Length(0);
                }
            }
            BodyLength::Known(len) => {
                if can_have_content_length(method, status) {
                    n += "content-length: ".len() as u64 + digits(len) + CRLF;
                    framing = Framing::Length(len);
                    added = Added::Length(len);
                }
            }
        }
    }
    if !can_chunk(method, status) {
        framing = Framing::Length(0);
    }
    ResponseHead {
        bytes: n + CRLF,
        framing,
        added,
        dropped_length,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn chunks_and_digits() {
        assert_eq!(chunk(1), 1 + 2 + 1 + 2);
        assert_eq!(chunk(15), 1 + 2 + 15 + 2);
        assert_eq!(chunk(16), 2 + 2 + 16 + 2);
        assert_eq!(chunk(4096), 4 + 2 + 4096 + 2);
        assert_eq!(digits(0), 1);
        assert_eq!(digits(9), 1);
        assert_eq!(digits(10), 2);
        assert_eq!(digits(1_000_000), 7);
    }

    #[test]
    fn heads_have_hypers_length() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.2:80"));
        let framing = client_framing(&mut headers, 0);
        assert_eq!(framing, Framing::Length(0));
        let target: http::Uri = "/v1/payments?limit=10".parse().unwrap();
        let text = "GET /v1/payments?limit=10 HTTP/1.1\r\nhost: 127.0.0.2:80\r\n\r\n";
        assert_eq!(
            request_head(&Method::GET, &target, &headers),
            text.len() as u64
        );

        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let head = response_head(
            &Method::GET,
            StatusCode::OK,
            None,
            &headers,
            BodyLength::Known(42),
        );
        let text =
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 42\r\n\r\n";
        assert_eq!(
            (head.bytes, head.framing, head.added),
            (text.len() as u64, Framing::Length(42), Added::Length(42))
        );
        let head = response_head(
            &Method::GET,
            StatusCode::NOT_MODIFIED,
            None,
            &HeaderMap::new(),
            BodyLength::None,
        );
        let text = "HTTP/1.1 304 Not Modified\r\n\r\n";
        assert_eq!(
            (head.bytes, head.framing, head.added),
            (text.len() as u64, Framing::Length(0), Added::Nothing)
        );
    }
}
