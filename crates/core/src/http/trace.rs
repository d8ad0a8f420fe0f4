//! The servers' request log: one `tower-http` trace layer for every hooklab
//! server (the platform's API, the shop's webhook receiver, the GitHub
//! listener, the live page).
//!
//! Each request gets a `request` span (server, method, URI) and, when it is
//! answered, one `answered` event (status, latency in microseconds), both at
//! DEBUG level. They are emitted from this module, so their target starts
//! with `hooklab` like every other hooklab log line: `RUST_LOG=hooklab=debug`
//! shows them (tower-http's own default callbacks would log under
//! `tower_http`). With no subscriber, or a filter above DEBUG, a request costs
//! one cached level check and goes round tower-http's layer
//! (`RequestLogLayer`, with the `server` feature: the layer and `layer`
//! are that feature's; this module's span and response log are not).

use std::time::Duration;
#[cfg(feature = "server")]
use tower_http::trace::{HttpMakeClassifier, TraceLayer};
use tower_http::trace::{MakeSpan, OnResponse};
use tracing::Span;

/// tower-http's trace layer as hooklab sets it: hooklab's span and response
/// log, and nothing logged per body chunk, at end of stream or on a 5xx
/// (the `answered` line already shows the status).
#[cfg(feature = "server")]
type Traced = TraceLayer<HttpMakeClassifier, RequestSpan, (), AnsweredLog, (), (), ()>;

/// The request log for the server called `server` (`platform`, `shop`, ...),
/// to put on its router with `.layer(...)`.
#[cfg(feature = "server")]
pub fn layer(server: &'static str) -> RequestLogLayer {
    RequestLogLayer {
        trace: TraceLayer::new_for_http()
            .make_span_with(RequestSpan { server })
            .on_request(())
            .on_response(AnsweredLog)
            .on_body_chunk(())
            .on_eos(())
            .on_failure(()),
    }
}

/// The layer [`layer`] returns: tower-http's trace layer (`Traced`), gone
/// round while nothing would be logged.
///
/// Both its span and its line are at DEBUG, so while the most verbose level
/// any subscriber takes ([`LevelFilter::current`](tracing::level_filters::LevelFilter::current))
/// is above DEBUG, tower-http's layer would still read the clock, make a
/// disabled span, clone its callbacks and wrap the answer's body, about two
/// thousand instructions a request for nothing. A request then goes straight
/// to the route; with `RUST_LOG=hooklab=debug` (or any subscriber taking
/// DEBUG) every request goes through tower-http's layer as before. The
/// check is made per request, so a filter changed at run time is followed.
#[cfg(feature = "server")]
#[derive(Clone, Debug)]
pub struct RequestLogLayer {
    trace: Traced,
}

#[cfg(feature = "server")]
impl<S> tower::Layer<S> for RequestLogLayer {
    type Service = RequestLog<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestLog {
            trace: tower::Layer::layer(&self.trace, inner),
        }
    }
}

/// A route behind [`RequestLogLayer`].
#[cfg(feature = "server")]
#[derive(Clone, Debug)]
pub struct RequestLog<S> {
    trace: <Traced as tower::Layer<S>>::Service,
}

/// Whether the request log would write nothing: it logs at DEBUG, and no
/// subscriber takes DEBUG. A fast path that answers a request without the
/// layer (the shop receiver's) asks this first: while it holds, skipping
/// the layer loses no line.
#[cfg(feature = "server")]
pub fn quiet() -> bool {
    tracing::level_filters::LevelFilter::current() < tracing::Level::DEBUG
}

#[cfg(feature = "server")]
type TracedFuture<S> =
    <<Traced as tower::Layer<S>>::Service as tower::Service<axum::extract::Request>>::Future;

#[cfg(feature = "server")]
impl<S> tower::Service<axum::extract::Request> for RequestLog<S>
where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        >,
    S::Future: Unpin,
{
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = RequestLogFuture<S::Future, TracedFuture<S>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.trace.poll_ready(cx)
    }

    fn call(&mut self, request: axum::extract::Request) -> Self::Future {
        match quiet() {
            true => RequestLogFuture::Quiet(self.trace.get_mut().call(request)),
            false => RequestLogFuture::Logged(self.trace.call(request)),
        }
    }
}

/// [`RequestLog`]'s answer: the route's own, or tower-http's around it.
#[cfg(feature = "server")]
pub enum RequestLogFuture<Q, L> {
    /// Nothing would be logged: the route's answer as it is.
    Quiet(Q),
    /// Through tower-http's layer, its answer's body boxed into axum's (as
    /// axum does with any layer's answer).
    Logged(L),
}

#[cfg(feature = "server")]
impl<Q, L, B, E> std::future::Future for RequestLogFuture<Q, L>
where
    Q: std::future::Future<Output = Result<axum::response::Response, E>> + Unpin,
    L: std::future::Future<Output = Result<http::Response<B>, E>> + Unpin,
    B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Output = Result<axum::response::Response, E>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        match self.get_mut() {
            RequestLogFuture::Quiet(answer) => std::pin::Pin::new(answer).poll(cx),
            RequestLogFuture::Logged(answer) => std::pin::Pin::new(answer)
                .poll(cx)
                .map(|answered| answered.map(|response| response.map(axum::body::Body::new))),
        }
    }
}

/// Makes each request's span: which server, which method, which URI.
#[derive(Clone, Copy, Debug)]
pub struct RequestSpan {
    server: &'static str,
}

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &http::Request<B>) -> Span {
        tracing::debug_span!(
            "request",
            server = self.server,
            method = %request.method(),
            uri = %request.uri(),
        )
    }
}

/// Logs each answer, inside its request's span.
#[derive(Clone, Copy, Debug)]
pub struct AnsweredLog;

impl<B> OnResponse<B> for AnsweredLog {
    fn on_response(self, response: &http::Response<B>, latency: Duration, _span: &Span) {
        tracing::debug!(
            status = response.status().as_u16(),
            latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
            "answered"
        );
    }
}
