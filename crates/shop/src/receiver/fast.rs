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
//!   all), which [`Delivery`] reads frame by frame as the handler does
//!   (`Gathered`, the handler's reader): hyper hands the service a request
//!   before it has read its body, so the body has to be waited for;
//! - no delay fault to wait out ([`ReceiverFaults::delay`](super::ReceiverFaults::delay),
//!   answered after commit): the one step of a delivery that awaits;
//! - nothing would be logged: the request log
//!   ([`hooklab_core::http::trace`]) writes at DEBUG, and while no
//!   subscriber takes DEBUG ([`hooklab_core::http::trace::quiet`]) its span
//!   and line are nothing. With `RUST_LOG=…debug` every delivery goes
//!   through the router and is logged as before.
//!
//! Anything else goes to the router, unchanged. What the fast path runs is
//! the handler's own code (its body reader, `Receiver::arrive`, then
//! `Receiver::take`: the
//! faults, the signature, the timestamp, the dedup set, the notice, the
//! order book), so its answers, counts and refusals are the router's; it
//! then adds the `Content-Length` axum's method router adds. The refusals
//! it makes are the handler's own, already in the JSON error shape; the
//! server's edge ([`hooklab_core::http::server`]) shapes whatever else the
//! router answers. `tests/receiver_fast.rs` sends each kind of request to
//! both and compares status, headers and body.

use super::{Gathered, Gathering, MAX_BODY_BYTES, Receiver, WEBHOOK_PATH};
use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

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

    /// The fast path alone: the answer to `request` if it takes it (a
    /// future, which reads the body and answers), or the request back,
    /// untouched, for the router. [`Endpoint`]'s `call` is this, then the
    /// router.
    pub fn answer_now(&self, request: Request) -> Taken {
        if !hooklab_core::http::trace::quiet()
            || request.method() != http::Method::POST
            || request.uri().path() != WEBHOOK_PATH
            || self.receiver.delays()
        {
            return Taken::Router(request);
        }
        let Some(declared) = within_limit(&request) else {
            return Taken::Router(request);
        };
        let (mut parts, body) = request.into_parts();
        Taken::Fast(Delivery {
            receiver: self.receiver.clone(),
            // Moved out, not copied, as the handler does.
            headers: std::mem::take(&mut parts.headers),
            body,
            gathered: Some(Gathered::new(declared)),
        })
    }
}

/// Where [`Endpoint::answer_now`] put a request.
pub enum Taken {
    /// Taken by the fast path: its answer, to await.
    Fast(Delivery),
    /// Handed back, untouched, for the router.
    Router(Request),
}

/// The length of `request`'s body if the router's body limit and the
/// handler's reader would take it as a body of known length: no declared
/// `Content-Length` over the cap (read as the limit reads it), and a body
/// whose length is known (hyper knows it from the `Content-Length`) and
/// within the cap.
fn within_limit(request: &Request) -> Option<u64> {
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let exact = request.body().size_hint().exact()?;
    (declared.is_none_or(|n| n <= MAX_BODY_BYTES as u64) && exact <= MAX_BODY_BYTES as u64)
        .then_some(exact)
}

/// One delivery the fast path took: its body read frame by frame (as the
/// handler reads it), then the handler's steps, in one future that boxes
/// nothing.
pub struct Delivery {
    receiver: Arc<Receiver>,
    headers: HeaderMap,
    body: Body,
    /// The body so far; taken when the answer is made.
    gathered: Option<Gathered>,
}

impl Future for Delivery {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(gathered) = this.gathered.as_mut() else {
            // Polled again after it answered: the caller's bug; a refusal
            // is a safe thing to hand it.
            return Poll::Ready(Ok(http::StatusCode::INTERNAL_SERVER_ERROR.into_response()));
        };
        let mut answer = loop {
            let Some(frame) = std::task::ready!(Pin::new(&mut this.body).poll_frame(cx)) else {
                break None;
            };
            match gathered.frame(frame) {
                Gathering::More => {}
                Gathering::Done => break None,
                Gathering::Failed(refusal) => break Some(refusal),
            }
        };
        let body = this
            .gathered
            .take()
            .map(Gathered::whole)
            .unwrap_or_default();
        let receiver = &this.receiver;
        let mut response = match answer.take() {
            Some(refusal) => refusal,
            None => match receiver.arrive() {
                Some(arrived) => receiver.take(&this.headers, &body, arrived, arrived),
                None => super::down(),
            },
        };
        content_length(&mut response);
        Poll::Ready(Ok(response))
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

/// What [`Endpoint`] answers with: the fast path's [`Delivery`], or the
/// router's future.
pub enum EndpointFuture {
    /// Taken by the fast path.
    Fast(Delivery),
    /// The router's answer.
    Routed(axum::routing::future::RouteFuture<Infallible>),
}

impl Future for EndpointFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            EndpointFuture::Fast(delivery) => Pin::new(delivery).poll(cx),
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
            Taken::Fast(delivery) => EndpointFuture::Fast(delivery),
            Taken::Router(request) => {
                EndpointFuture::Routed(tower::Service::call(&mut self.router, request))
            }
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
