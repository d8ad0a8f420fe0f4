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
//! one cached level check and no formatting.

use std::time::Duration;
use tower_http::trace::{HttpMakeClassifier, MakeSpan, OnResponse, TraceLayer};
use tracing::Span;

/// The layer [`layer`] returns: tower-http's, with hooklab's span and
/// response log, and nothing logged per body chunk, at end of stream or on
/// a 5xx (the `answered` line already shows the status).
pub type RequestLogLayer = TraceLayer<HttpMakeClassifier, RequestSpan, (), AnsweredLog, (), (), ()>;

/// The request log for the server called `server` (`platform`, `shop`, ...),
/// to put on its router with `.layer(...)`.
pub fn layer(server: &'static str) -> RequestLogLayer {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan { server })
        .on_request(())
        .on_response(AnsweredLog)
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
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
