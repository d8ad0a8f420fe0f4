//! The receiver's fast path: a signed delivery answered without axum's
//! routing, extractors and layers, when answering it there is sure to be
//! the same as through the router ([`super::router`]).
//!
//! A delivery through the router pays for the route match (the original
//! URI and the matched path put in the request's extensions, an allocation
//! each), the layers' boxed services, cloned and called through, and their
//! futures (the request log, the body limit), the handler's boxed future
//! and its `State` extractor; the handler's own work (the signature, the
//! dedup set, the notice, the order book) is the smaller share
//! (BENCHMARKS.md, "receiver fast path"). The platform's API has the same
//! kind of fast path (`hooklab_platform::api::fast`), for its polls.
//!
//! [`Endpoint`] sits in front of the router and takes a request itself only
//! when it can tell, from the request alone and before anything has side
//! effects, that the router would do what it does:
//!
//! - the method is `POST` and the path is exactly [`WEBHOOK_PATH`] (the
//!   route; the handler reads no query);
//! - no declared `Content-Length` over [`MAX_BODY_BYTES`] (the body
//!   limit's early 413 answers those), and a body of known length within
//!   it (a chunked body goes through axum's `Bytes` extractor, limit and
//!   all) that one poll gives whole: a delivery's body nearly always comes
//!   with its head. A body not all there yet goes to the router, the part
//!   already read in front of the rest;
//! - no delay fault to wait out ([`ReceiverFaults::delay`](super::ReceiverFaults::delay),
//!   answered after commit): the one step of a delivery that awaits;
//! - nothing would be logged: the request log
//!   ([`hooklab_core::http::trace`]) writes at DEBUG, and while no
//!   subscriber takes DEBUG ([`hooklab_core::http::trace::quiet`]) its span
//!   and line are nothing. With `RUST_LOG=…debug` every delivery goes
//!   through the router and is logged as before.
//!
//! Anything else goes to the router, unchanged. What the fast path runs is
//! the handler's own code (`Receiver::arrive`, then `Receiver::take`: the
//! faults, the signature, the timestamp, the dedup set, the notice, the
//! order book), so its answers, counts and refusals are the router's; it
//! then adds the `Content-Length` axum's method router adds. The refusals
//! it makes are the handler's own, already in the JSON error shape; the
//! server's edge ([`hooklab_core::http::server`]) shapes whatever else the
//! router answers. `tests/receiver_fast.rs` sends each kind of request to
//! both and compares status, headers and body.

use super::{MAX_BODY_BYTES, Receiver, WEBHOOK_PATH};
use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::Frame;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// The shop's webhook endpoint as one tower `Service`: the fast path, and
/// the receiver's router ([`super::router`], with its layers) for
/// everything else. Cloning it clones two reference counts. Serve it with
/// [`super::serve`].
#[derive(Clone)]
pub struct Endpoint {
    receiver: Arc<Receiver>,
    router: Router,
}

impl Endpoint {
    /// The fast path in front of `receiver`'s router.
    pub fn new(receiver: Arc<Receiver>) -> Self {
        let router = super::router(receiver.clone());
        Endpoint { receiver, router }
    }

    /// The fast path alone: its answer to `request` if it takes it, or the
    /// request back, for the router (untouched, or with the part of its
    /// body already read put back in front of the rest). [`Endpoint`]'s
    /// `call` is this, then the router.
    pub fn answer_now(&self, request: Request) -> Result<Response, Request> {
        if !hooklab_core::http::trace::quiet()
            || request.method() != http::Method::POST
            || request.uri().path() != WEBHOOK_PATH
            || self.receiver.delays()
            || !within_limit(&request)
        {
            return Err(request);
        }
        let (mut parts, mut body) = request.into_parts();
        let body = match whole_now(&mut body) {
            Some(Ok(bytes)) => bytes,
            None => return Err(Request::from_parts(parts, body)),
            Some(Err(first)) => {
                let body = Body::new(Prefixed {
                    first: Some(first),
                    rest: body,
                });
                return Err(Request::from_parts(parts, body));
            }
        };
        // Moved out, not copied, as the handler does.
        let headers = std::mem::take(&mut parts.headers);
        let receiver = &self.receiver;
        let mut response = match receiver.arrive() {
            Ok(arrived) => receiver.take(&headers, &body, arrived, arrived),
            Err(refusal) => refusal,
        };
        content_length(&mut response);
        Ok(response)
    }
}

/// Whether the router's body limit and the handler's body read would take
/// `request`'s body as one of known length: no declared `Content-Length`
/// over the cap (read as the limit reads it), and a body whose length is
/// known (hyper knows it from the `Content-Length`) and within the cap.
fn within_limit(request: &Request) -> bool {
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let exact = request.body().size_hint().exact();
    declared.is_none_or(|n| n <= MAX_BODY_BYTES as u64)
        && exact.is_some_and(|n| n <= MAX_BODY_BYTES as u64)
}

/// What one poll of a body gave that was not all of it: its first frame
/// (or error), to hand back in front of the rest.
type FirstFrame = Result<Frame<Bytes>, axum::Error>;

/// A body read in one poll, without waiting: `None` if it is not ready
/// (nothing was taken from it); `Some(Ok)` when that poll gave all of it;
/// `Some(Err(frame))` when it gave only a part (or trailers, or failed),
/// which the caller hands back in front of the rest.
fn whole_now(body: &mut Body) -> Option<Result<Bytes, FirstFrame>> {
    if body.is_end_stream() {
        return Some(Ok(Bytes::new()));
    }
    // A waker that does nothing: a body not ready now is handed to the
    // router, whose poll registers its own.
    let mut cx = Context::from_waker(Waker::noop());
    let frame = match Pin::new(&mut *body).poll_frame(&mut cx) {
        Poll::Pending => return None,
        Poll::Ready(frame) => frame,
    };
    match frame {
        None => Some(Ok(Bytes::new())),
        Some(Ok(frame)) => match (body.is_end_stream(), frame.into_data()) {
            (true, Ok(data)) => Some(Ok(data)),
            (false, Ok(data)) => Some(Err(Ok(Frame::data(data)))),
            (_, Err(frame)) => Some(Err(Ok(frame))),
        },
        Some(Err(e)) => Some(Err(Err(e))),
    }
}

/// A body whose first frame was already taken: that frame, then the rest.
struct Prefixed {
    first: Option<FirstFrame>,
    rest: Body,
}

impl HttpBody for Prefixed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(first));
        }
        Pin::new(&mut self.rest).poll_frame(cx)
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

/// What [`Endpoint`] answers with: the fast path's answer, ready at the
/// first poll, or the router's future.
pub enum EndpointFuture {
    /// Answered by the fast path (taken on the first poll).
    Now(Option<Response>),
    /// The router's answer.
    Routed(axum::routing::future::RouteFuture<Infallible>),
}

impl Future for EndpointFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            EndpointFuture::Now(response) => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                // Polled again after it answered: the caller's bug; a
                // refusal is a safe thing to hand it.
                None => Poll::Ready(Ok(
                    http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
                )),
            },
            EndpointFuture::Routed(future) => Pin::new(future).poll(cx),
        }
    }
}

impl tower::Service<Request> for Endpoint {
    type Response = Response;
    type Error = Infallible;
    type Future = EndpointFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match self.answer_now(request) {
            Ok(response) => EndpointFuture::Now(Some(response)),
            Err(request) => EndpointFuture::Routed(tower::Service::call(&mut self.router, request)),
        }
    }
}

/// Served by [`hooklab_core::http::server::serve_wrapped`]: the fast path
/// answers only the handler's own answers (2xx, and its refusals, already
/// in the JSON shape); the router behind it gets the error-shape layer
/// ([`hooklab_core::http::server::error_shape`]) that a served router gets,
/// for the `HEAD` requests the server sends there (the fast path takes only
/// `POST`).
impl hooklab_core::http::server::Shaped for Endpoint {
    fn shaped(self) -> Self {
        Endpoint {
            receiver: self.receiver,
            router: self.router.shaped(),
        }
    }
}
