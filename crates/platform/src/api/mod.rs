//! The platform's HTTP API.
//!
//! | route | what it does |
//! |---|---|
//! | `POST /v1/payments` | creates a payment (`Idempotency-Key` makes retries safe) |
//! | `GET /v1/payments/{id}` | answers the payment object: what a poller calls (`410 forgotten` once it is past retention) |
//! | `GET /v1/payments/{id}?wait=30s` | a long poll: answers once the payment is final, or at the timeout |
//! | `POST /v1/webhook_endpoints` | registers a URL to receive events (replacing the merchant's endpoint for the same URL): plain `http://` on loopback, at most [`MAX_URL_BYTES`] (2,048 bytes), never the platform's own address and port |
//! | `DELETE /v1/webhook_endpoints/{id}` | deletes an endpoint: no more deliveries to it |
//! | `POST /v1/webhook_endpoints/{id}/rotate_secret` | a new secret; the old one signs for a grace period |
//! | `POST /v1/webhook_endpoints/{id}/recover` | resends every failed event since `{"since"}` |
//! | `GET /v1/events?after=<id>&limit=N` | the event log, cursor-paged, with delivery states (`410 cursor_expired` once an event after the cursor was forgotten unread; without `after`, the header `Events-Forgotten-Through: <id>` names the newest of the merchant's events forgotten unread, after which the page starts) |
//! | `GET /v1/events?after=<id>&wait=30s` | a long poll: answers once an event follows the cursor, or at the timeout |
//! | `GET /v1/events/stream` | Server-Sent Events, one per event as it happens; resumes after `Last-Event-ID` |
//! | `GET /v1/events/{id}/attempts?starting_after=<seq>&limit=N` | one event's kept delivery attempts, paged |
//! | `POST /v1/events/{id}/redeliver` | resends one event (at most 100 times; then 429 `redelivery_limit`) |
//! | `GET /v1/platform` | which platform this is: its id, kept in its data file, so a shop's inbox knows it on another address (no key needed) |
//!
//! Memory is bounded by `PlatformConfig::retention` (`crate::Retention`):
//! `hooklab platform` keeps the newest 100,000 attempts and the first 50 of
//! each event, allows 100 redeliveries per event, and forgets a finished
//! payment and its event 24 h after its last delivery (`--keep`), answering
//! `410 forgotten` for them after that; scenario runs keep every attempt
//! (their reports read them all). `disable_after_failures`
//! disables an endpoint after a run of failed attempts (20 over five days in
//! `hooklab platform`, `DisablePolicy::SERVER`; off in scenario runs).
//!
//! Every route but `GET /v1/platform` needs `Authorization: Bearer <api
//! key>` (`Caller`) and counts against the key's rate limit. That one
//! tells no merchant's data (its id is in every id the platform hands
//! out), and a shop asks it once at start: counted, it would take the
//! first order's place under a tight `--rate-limit`. Handlers read bodies as bytes and
//! parse them themselves, so that every bad body gets the API's own error
//! shape (see [`crate::error`]) rather than the framework's plain-text
//! rejection.
//!
//! A refusal's message is in English or Brazilian Portuguese, as the
//! request's `Accept-Language` asks, else in the platform's language
//! (see [`crate::i18n`]); its `code` is the same in both.
//!
//! `GET /v1/payments/{id}` and `GET /v1/events` send an `ETag` and answer
//! `304 Not Modified` to a matching `If-None-Match` (see `conditional`);
//! long polls are in `long_poll`, the stream in `stream`.

pub(crate) mod conditional;
mod content;
mod create_body;
mod endpoints;
mod events;
pub(crate) mod fast;
pub(crate) mod long_poll;
mod payments;
pub use endpoints::MAX_URL_BYTES;
pub use payments::MAX_SIMULATED_SETTLE;
mod query;
pub(crate) mod stream;

pub use fast::{Api, ApiFuture};

use crate::Shared;
use crate::error::ApiError;
use crate::merchants::Denied;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use hooklab_core::ids::MerchantId;
use hooklab_core::wire::PlatformInfo;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The largest request body the API reads: axum's default, 2 MB.
pub const MAX_BODY_BYTES: usize = hooklab_core::http::server::DEFAULT_BODY_BYTES;

/// The API as an `axum::Router`, on the platform's shared state: [`Api`]
/// (the fast path for plain polls in front of [`routed`]) as its fallback
/// service, for callers that need a `Router`. Servers call [`Api`] itself.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback_service(Api::new(shared))
}

/// Every route, with the layers every request went through before the fast
/// path (the body limit, the error shape, the request log).
pub(crate) fn routed(shared: Arc<Shared>) -> Router {
    let shared_lang = shared.config.lang;
    let router = Router::new()
        .route("/v1/payments", post(payments::create))
        .route("/v1/payments/{id}", get(payments::get))
        .route("/v1/webhook_endpoints", post(endpoints::create))
        .route(
            "/v1/webhook_endpoints/{id}",
            axum::routing::delete(endpoints::delete),
        )
        .route(
            "/v1/webhook_endpoints/{id}/rotate_secret",
            post(endpoints::rotate_secret),
        )
        .route(
            "/v1/webhook_endpoints/{id}/recover",
            post(endpoints::recover),
        )
        .route("/v1/events", get(events::list))
        .route("/v1/events/stream", get(stream::stream))
        .route("/v1/events/{id}/attempts", get(events::attempts))
        .route("/v1/events/{id}/redeliver", post(events::redeliver))
        .route("/v1/platform", get(platform))
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed);
    // axum's 2 MB, and a declared Content-Length over it refused at once
    // (it held the connection for the idle timeout, then answered 400).
    let router = hooklab_core::http::server::body_limit(router, MAX_BODY_BYTES).with_state(shared);
    // The framework's own refusals (a body over 2 MB, a broken chunked body,
    // a path that is not UTF-8) in the API's error shape too.
    hooklab_core::http::server::error_shape(router)
        // One DEBUG span and `answered` line per request (`RUST_LOG=hooklab=debug`).
        .layer(hooklab_core::http::trace::layer("platform"))
        // Refusals in the request's language (`Accept-Language`, else the
        // platform's), the framework's above included.
        .layer(crate::i18n::layer(shared_lang))
}

/// `GET /v1/platform`: which platform this is ([`PlatformInfo`]). Its id is
/// the epoch every id it mints carries, which its store keeps from the
/// first start: the same on every restart on the same data file, whatever
/// the address, and another for another file (or each `:memory:` start).
async fn platform(
    State(shared): State<Arc<Shared>>,
    _: query::NoQuery,
) -> axum::Json<PlatformInfo> {
    let epoch = shared
        .ledger()
        .epoch()
        .as_str()
        .trim_end_matches('_')
        .to_owned();
    axum::Json(PlatformInfo {
        id: (!epoch.is_empty()).then_some(epoch),
        durable: shared.store.is_durable(),
    })
}

/// Counts a refused request, then hands the error on.
pub(crate) fn refuse(shared: &Shared, e: ApiError) -> ApiError {
    shared.served.rejected.fetch_add(1, Ordering::Relaxed);
    e
}

/// The merchant making a request: extracted from `Authorization: Bearer`, and
/// admitted by the rate limit, before any handler runs.
pub(crate) struct Caller(pub(crate) MerchantId);

impl Caller {
    /// The merchant whose key `headers` carry, if it may go now: what the
    /// extractor does, callable without axum (see [`fast`]). The steps are
    /// [`Caller::key`], the rate limit under the ledger's lock, then
    /// [`Caller::admitted`] or [`Caller::denied`]; a plain poll on the fast
    /// path takes them one by one, so that its status read shares the one
    /// lock and the one clock reading (`payments::poll_now`).
    pub(crate) fn admit(
        shared: &Shared,
        headers: &http::HeaderMap,
    ) -> Result<MerchantId, ApiError> {
        let key = Caller::key(shared, headers)?;
        let now = shared.clock.now();
        let verdict = shared.ledger().merchants.admit(key, now);
        match verdict {
            Ok(merchant) => {
                Caller::admitted(shared);
                Ok(merchant)
            }
            Err(denied) => Err(Caller::denied(shared, denied)),
        }
    }

    /// The API key `headers` carry (`None`: no `Authorization`), or the
    /// refusal, counted, of two keys or of a scheme other than `Bearer`:
    /// what [`Caller::admit`] checks before the rate limit, without a lock.
    pub(crate) fn key<'h>(
        shared: &Shared,
        headers: &'h http::HeaderMap,
    ) -> Result<Option<&'h str>, ApiError> {
        // Two keys: which merchant is asking is a guess (as with two
        // Idempotency-Keys), so neither is taken.
        let mut keys = headers.get_all(http::header::AUTHORIZATION).iter();
        let first = keys.next();
        if first.is_some() && keys.next().is_some() {
            return Err(refuse(
                shared,
                ApiError::BadParameter {
                    name: "Authorization",
                    message: crate::i18n::Said::new(
                        "sent more than once; send exactly one `Bearer` key per request",
                        "enviado mais de uma vez; envie exatamente uma chave `Bearer` por requisição",
                    ),
                },
            ));
        }
        match first.and_then(|v| v.to_str().ok()).map(bearer_key) {
            None => Ok(None),
            Some(Ok(key)) => Ok(Some(key)),
            Some(Err(scheme)) => {
                shared.served.unauthorized.fetch_add(1, Ordering::Relaxed);
                Err(ApiError::AuthScheme(scheme.to_owned()))
            }
        }
    }

    /// What [`Caller::admit`] does once the rate limit let a merchant in.
    pub(crate) fn admitted(shared: &Shared) {
        conditional::note_request(shared);
    }

    /// The refusal, counted, of a key the rate limit did not let in.
    pub(crate) fn denied(shared: &Shared, denied: Denied) -> ApiError {
        match denied {
            Denied::Unauthorized => {
                shared.served.unauthorized.fetch_add(1, Ordering::Relaxed);
                ApiError::Unauthorized
            }
            Denied::RateLimited { retry_after_secs } => {
                shared.served.rate_limited.fetch_add(1, Ordering::Relaxed);
                ApiError::RateLimited { retry_after_secs }
            }
        }
    }
}

/// The API key of an `Authorization` value, `Bearer <key>`, or the scheme
/// it has instead (`Err`).
///
/// RFC 9110 (11.1) makes the scheme case-insensitive, so `bearer` and
/// `BEARER` are `Bearer`. Between scheme and key the grammar has one or
/// more spaces (`1*SP`); a tab is read as a space too, as the ends of a
/// field value may be either (`OWS`): one rule for all the whitespace, so
/// that `Bearer<TAB>key` is not refused while `Bearer  key` passes. The key
/// is what follows, without the whitespace at its end (hyper trims a field
/// value's ends; the in-memory transport does not). `Bearer` with no key is
/// a missing key (`Ok("")`, which no merchant has).
fn bearer_key(header: &str) -> Result<&str, &str> {
    let header = header.trim_matches(is_space);
    let (scheme, key) = header.split_at(header.find(is_space).unwrap_or(header.len()));
    if scheme.eq_ignore_ascii_case("bearer") {
        Ok(key.trim_start_matches(is_space))
    } else {
        Err(scheme)
    }
}

/// Space or horizontal tab: HTTP's whitespace inside a field value.
fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

impl FromRequestParts<Arc<Shared>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, ApiError> {
        Caller::admit(shared, &parts.headers).map(Caller)
    }
}

async fn no_route(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    uri: http::Uri,
) -> ApiError {
    refuse(&shared, ApiError::NoRoute(uri.path().to_owned()))
}

async fn method_not_allowed(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
) -> ApiError {
    refuse(&shared, ApiError::MethodNotAllowed)
}
