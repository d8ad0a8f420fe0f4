//! The fast path: the two reads a poller repeats, answered without axum's
//! routing, extractors and layers, when answering them there is sure to be
//! the same as through the router.
//!
//! A poll-heavy virtual run is mostly `GET /v1/payments/{id}` and
//! `GET /v1/events?after=…`, and about 40 % of its instructions were inside
//! the router call: the route match (the original URI, the matched path and
//! the path parameter each put in the request's extensions, an allocation
//! each), four layers each boxing the service it clones and the future it
//! makes (the request log, the error shape, the body limit's middleware and
//! its default-limit extension), and the extractors (the path parameter
//! decoded into a `String`). The handlers themselves are a small share.
//!
//! [`Api`] sits in front of the router and takes a request itself only when
//! it can tell, from the request alone and before anything has side
//! effects, that the router would do what it does:
//!
//! - the method is `GET` and the path is exactly `/v1/payments/{id}` (an id
//!   of ASCII letters, digits, `_`, `-`, `.`, so that the router's
//!   percent-decoding of the parameter would change nothing) or
//!   `/v1/events`;
//! - the query is plain ([`super::query::plain`]) and has no `wait`: a long
//!   poll goes to the router and [`super::long_poll`];
//! - no declared `Content-Length` over [`super::MAX_BODY_BYTES`] (the body
//!   limit's early 413 answers those);
//! - nothing would be logged: the request log (`hooklab_core::http::trace`)
//!   writes at DEBUG, so while the most verbose level any subscriber takes
//!   ([`tracing::level_filters::LevelFilter::current`]) is above DEBUG its
//!   span and line are nothing, and a request skipping the layer loses
//!   nothing. With `RUST_LOG=…debug` every request goes through the router
//!   and is logged as before.
//!
//! Anything else goes to the router, unchanged. What the fast path runs is
//! the handlers' own code (the API key and the rate limit,
//! [`super::Caller::admit`]; the read, [`super::payments::answer_now`],
//! [`super::events::answer_now`]; for a payment the same steps with the
//! rate limit and the read under one hold of the ledger's lock,
//! [`super::payments::poll_now`]); the layers it skips do nothing to these
//! answers (they are 2xx or 304, or the API's own JSON refusals, which the
//! error-shape layer passes through). So it holds in real mode as well as in
//! virtual runs: the same bytes, counts and refusals; the tests in
//! `tests/platform/fast.rs` send each kind of request to both and compare.
//!
//! [`Api`] is served as it is ([`crate::Platform::service`]): the virtual
//! network's direct transport calls it for every exchange with the
//! platform, and [`crate::Platform::serve`] hands it to the server. Put
//! behind an `axum::Router` as its fallback service
//! ([`crate::Platform::router`], for callers that need a `Router`: the
//! live page, tests), the same request cost about 2,550 instructions more
//! (the catch-all match putting an empty parameter list in the request's
//! extensions, which allocates their map; a boxed clone of the fallback
//! service and a boxed future a request) and changed no answer: the outer
//! router adds nothing to a response (its fallback route is not the top
//! level, so it sets no `Content-Length` and strips no `HEAD` body; the
//! routes' own router does both) and its empty parameter list is one the
//! routes' router would make anyway (BENCHMARKS.md, "The outer router").

use super::conditional::IfNoneMatch;
use super::{Caller, events, payments};
use crate::Shared;
use axum::extract::Request;
use axum::response::Response;
use futures_util::future::{Either, Ready, ready};
use hooklab_core::ids::PaymentId;
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Where a request went: answered by the fast path, or handed back for the
/// router, untouched.
enum Taken {
    Answered(Response),
    Router(Request),
}

/// The platform's API as one tower `Service` of `http::Request<Body>`: the
/// fast path, and the routes' router (with its layers) for everything else.
/// Cloning it clones two reference counts. Made by
/// [`crate::Platform::service`].
#[derive(Clone)]
pub struct Api {
    shared: Arc<Shared>,
    router: axum::Router,
}

/// What [`Api`] answers with: the fast path's answer, ready at the first
/// poll, or the routes' router's future.
pub type ApiFuture =
    Either<Ready<Result<Response, Infallible>>, axum::routing::future::RouteFuture<Infallible>>;

impl Api {
    /// The fast path in front of the API's routes ([`super::routed`], with
    /// their layers), on `shared`.
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        let router = super::routed(shared.clone());
        Api { shared, router }
    }

    /// Answers `request`, as `Service::call` does, from a shared
    /// reference: the fast path clones nothing, a request for the router
    /// clones the router (a reference count).
    pub fn answer(&self, request: Request) -> ApiFuture {
        match self.try_answer(request) {
            Taken::Answered(mut response) => {
                content_length(&mut response);
                Either::Left(ready(Ok(response)))
            }
            Taken::Router(request) => {
                Either::Right(tower::Service::call(&mut self.router.clone(), request))
            }
        }
    }

    /// The language to answer `headers` in ([`crate::i18n`]).
    fn lang(&self, headers: &http::HeaderMap) -> hooklab_core::lang::Lang {
        crate::i18n::for_request(headers, self.shared.config.lang)
    }

    /// The answer to `request` if the fast path takes it; the request back,
    /// for the router, otherwise.
    fn try_answer(&self, request: Request) -> Taken {
        if !quiet() || !small(&request) {
            return Taken::Router(request);
        }
        if request.method() == http::Method::POST && request.uri().path() == "/v1/payments" {
            return self.create(request);
        }
        if request.method() != http::Method::GET {
            return Taken::Router(request);
        }
        let path = request.uri().path();
        if let Some(id) = path.strip_prefix("/v1/payments/") {
            if id.is_empty() || !id.bytes().all(plain_path_byte) {
                return Taken::Router(request);
            }
            let plain = super::query::plain(request.uri().query(), &["wait"], |_, _| None);
            if plain.is_none() {
                return Taken::Router(request);
            }
            let id = PaymentId(id.to_owned());
            return Taken::Answered(self.payment(&request, &id));
        }
        if path == "/v1/events" {
            let Some(query) = events::plain_query(request.uri()) else {
                return Taken::Router(request);
            };
            return Taken::Answered(self.events(&request, query));
        }
        Taken::Router(request)
    }

    /// `POST /v1/payments`, as [`payments::create`] answers it, if its
    /// body is already whole (one poll of it gives all of it, as a body
    /// handed over in memory does); otherwise the request goes to the
    /// router with its body as it was.
    fn create(&self, request: Request) -> Taken {
        let (parts, mut body) = request.into_parts();
        let Some(whole) = whole_body(&mut body) else {
            return Taken::Router(Request::from_parts(parts, body));
        };
        let body = match whole {
            Ok(bytes) => bytes,
            // Read, but not whole in one go (or more than the cap): the
            // router reads the rest, the part read first before it.
            Err(first) => {
                let body = axum::body::Body::new(Prefixed {
                    first: Some(first),
                    rest: body,
                });
                return Taken::Router(Request::from_parts(parts, body));
            }
        };
        // The handler's order: the caller first (the rate limit), then the
        // body (here already read, which has no effect of its own).
        let shared = &self.shared;
        let answer = Caller::admit(shared, &parts.headers).and_then(|merchant| {
            payments::create_with(shared, &merchant, &parts.uri, &parts.headers, &body)
        });
        Taken::Answered(answer.unwrap_or_else(|e| e.answer(self.lang(&parts.headers))))
    }

    /// `GET /v1/payments/{id}`, as [`payments::get`] answers it (the
    /// caller and the read under one hold of the ledger's lock:
    /// [`payments::poll_now`]).
    fn payment(&self, request: &Request, id: &PaymentId) -> Response {
        let headers = IfNoneMatch::of(request.headers());
        payments::poll_now(&self.shared, request.headers(), id, &headers)
            .unwrap_or_else(|e| e.answer(self.lang(request.headers())))
    }

    /// `GET /v1/events`, as [`events::list`] answers it.
    fn events(&self, request: &Request, query: events::ListQuery) -> Response {
        let shared = &self.shared;
        let answer = Caller::admit(shared, request.headers()).and_then(|merchant| {
            let headers = IfNoneMatch::of(request.headers());
            let (after, limit, _no_wait) = events::checked(shared, &merchant, query)?;
            Ok(events::answer_now(
                shared, &merchant, after, limit, &headers,
            ))
        });
        answer.unwrap_or_else(|e| e.answer(self.lang(request.headers())))
    }
}

/// A body read in one poll, without waiting: `None` if it is not ready
/// (nothing was taken from it); `Some(Ok)` when that poll gave all of it,
/// at most [`super::MAX_BODY_BYTES`]; `Some(Err(frame))` when it gave only
/// a part (or too much, or failed), which the caller hands back in front of
/// the rest.
fn whole_body(
    body: &mut axum::body::Body,
) -> Option<Result<bytes::Bytes, Result<http_body::Frame<bytes::Bytes>, axum::Error>>> {
    use axum::body::HttpBody as _;
    use futures_util::FutureExt as _;
    if body.is_end_stream() {
        return Some(Ok(bytes::Bytes::new()));
    }
    let frame =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut *body).poll_frame(cx)).now_or_never()?;
    match frame {
        None => Some(Ok(bytes::Bytes::new())),
        Some(Ok(frame)) => {
            let whole = body.is_end_stream()
                && frame
                    .data_ref()
                    .is_some_and(|d| d.len() <= super::MAX_BODY_BYTES);
            match (whole, frame.into_data()) {
                (true, Ok(data)) => Some(Ok(data)),
                (_, Ok(data)) => Some(Err(Ok(http_body::Frame::data(data)))),
                (_, Err(frame)) => Some(Err(Ok(frame))),
            }
        }
        Some(Err(e)) => Some(Err(Err(e))),
    }
}

/// `body` whole, if one poll gives all of it (a body built from one buffer,
/// as a shaped refusal is); otherwise the body back, as it was.
pub(crate) fn read_whole(mut body: axum::body::Body) -> Result<bytes::Bytes, axum::body::Body> {
    match whole_body(&mut body) {
        Some(Ok(bytes)) => Ok(bytes),
        None => Err(body),
        Some(Err(first)) => Err(axum::body::Body::new(Prefixed {
            first: Some(first),
            rest: body,
        })),
    }
}

/// A body whose first frame was already taken: that frame, then the rest.
struct Prefixed {
    first: Option<Result<http_body::Frame<bytes::Bytes>, axum::Error>>,
    rest: axum::body::Body,
}

impl axum::body::HttpBody for Prefixed {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, axum::Error>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(first));
        }
        std::pin::Pin::new(&mut self.rest).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.first.is_none() && self.rest.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        let first = match &self.first {
            Some(Ok(frame)) => frame.data_ref().map_or(0, |d| d.len() as u64),
            _ => 0,
        };
        let rest = self.rest.size_hint();
        let mut hint = http_body::SizeHint::new();
        hint.set_lower(rest.lower().saturating_add(first));
        if let Some(upper) = rest.upper() {
            hint.set_upper(upper.saturating_add(first));
        }
        hint
    }
}

/// What axum's method router does to every answer of a handler (its
/// `set_content_length`): a `Content-Length` from the body's exact size,
/// unless the answer has one. The fast path's answers must carry the same
/// headers as the router's.
fn content_length(response: &mut Response) {
    use axum::body::HttpBody as _;
    if response
        .headers()
        .contains_key(http::header::CONTENT_LENGTH)
    {
        return;
    }
    if let Some(size) = response.body().size_hint().exact() {
        response
            .headers_mut()
            .insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(size));
    }
}

/// Whether the request log would write nothing for a request: it logs at
/// DEBUG, and no subscriber takes DEBUG.
fn quiet() -> bool {
    tracing::level_filters::LevelFilter::current() < tracing::Level::DEBUG
}

/// Whether the body limit's middleware would let `request` through: no
/// declared length over the cap (it reads the header as it does).
fn small(request: &Request) -> bool {
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    declared.is_none_or(|n| n <= super::MAX_BODY_BYTES as u64)
}

/// A byte of a path parameter that percent-decoding leaves as it is and
/// that cannot end the segment.
fn plain_path_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

impl tower::Service<Request> for Api {
    type Response = Response;
    type Error = Infallible;
    type Future = ApiFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        self.answer(request)
    }
}

/// Served as it is ([`hooklab_core::http::server::serve_wrapped`]): every
/// refusal it makes is already in the JSON error shape. The routes' router
/// has [`hooklab_core::http::server::error_shape`] outermost, and the fast
/// path answers only 2xx, 304 and the API's own JSON refusals, which that
/// layer passes through as they are.
impl hooklab_core::http::server::Shaped for Api {
    fn shaped(self) -> Self {
        self
    }
}
