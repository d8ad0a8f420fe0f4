//! The shop's side of the platform's API.
//!
//! Every request goes through [`hooklab_core::http::HttpClient`], so the same
//! code runs over real sockets or over the virtual network. Every answered
//! request is counted by kind ([`SentCounts`]), to be compared with the
//! platform's own counts at the end of a run: the two must agree.

use bytes::Bytes;
use hdrhistogram::Histogram;
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::events::{EventSink, Happening};
use hooklab_core::http::{HttpClient, TransportError};
use hooklab_core::ids::{EventId, OrderId, PaymentId};
use hooklab_core::lang::Lang;
use hooklab_core::report::latency_histogram;
use hooklab_core::wire::{
    CreateEndpoint, CreatePayment, ErrorBody, EventPage, Payment, PaymentStatus, PlatformInfo,
    WebhookEndpoint,
};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Why a call to the platform failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Occurs when the request got no HTTP answer.
    #[error("no answer from the platform")]
    Transport(#[from] TransportError),
    /// Occurs when the platform answered with an error status.
    #[error("the platform answered {status}: {code}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// For a 429 or 503: how long the platform asked to wait.
        retry_after: Option<Dur>,
        /// The error code from the body, if it had the API's shape.
        code: String,
        /// The error message from the body.
        message: String,
    },
    /// Occurs when the platform took the request (or the connection) and did
    /// not answer within the client's timeout: a stuck or overloaded server.
    #[error(
        "the platform did not answer within {0} (it accepted the connection, so it is running but stuck or overloaded)"
    )]
    TimedOut(Dur),
    /// Occurs when a poll of an order's payment answers a payment of another
    /// order: the platform restarted and gave the id to someone else (a
    /// platform from before ids carried an epoch), or it is not the platform
    /// the order was created on. The answer is not this order's outcome.
    #[error(
        "payment {payment} answered for order {answered}, not for {expected}: not this order's outcome"
    )]
    ForeignPayment {
        /// The payment polled.
        payment: PaymentId,
        /// The order it was created for.
        expected: OrderId,
        /// The order the answer names.
        answered: OrderId,
    },
    /// Occurs when a 2xx answer's body is not what the API documents.
    #[error("the platform's answer did not parse: {0}")]
    Decode(String),
    /// Occurs when the request could not even be built (a bad base URL).
    #[error("cannot build the request: {0}")]
    Build(String),
    /// Occurs when the platform hands out a webhook signing secret the shop
    /// cannot use.
    #[error("the platform's webhook signing secret is unusable")]
    Secret(#[from] hooklab_core::signature::SecretError),
}

/// A page of the event log as the shop read it, with what the platform
/// said about the log before it.
#[derive(Clone, Debug)]
pub struct EventRead {
    /// The page.
    pub page: EventPage,
    /// On a read without a cursor: the newest of the merchant's events the
    /// platform forgot unread, after which the page starts (its
    /// `Events-Forgotten-Through` header). An order waiting since before
    /// may have had its event there: see [`crate::pull`].
    pub forgotten_through: Option<EventId>,
}

impl EventRead {
    /// `page`, with the header `headers` carry.
    pub(crate) fn of(page: EventPage, headers: &http::HeaderMap) -> EventRead {
        let forgotten_through = headers
            .get("events-forgotten-through")
            .and_then(|v| v.to_str().ok())
            .map(|v| EventId(v.trim().to_owned()))
            .filter(|id| !id.0.is_empty());
        EventRead {
            page,
            forgotten_through,
        }
    }
}

impl ClientError {
    /// Whether a poll of a payment was answered "no such payment" (404) or
    /// "forgotten" (410): the platform lost or dropped it, and asking again
    /// will never learn its outcome.
    pub fn is_payment_gone(&self) -> bool {
        matches!(
            self,
            ClientError::Refused {
                status: 404 | 410,
                ..
            }
        )
    }

    /// Whether a creation was answered `410 forgotten`: its `Idempotency-Key`
    /// made a payment the platform has since forgotten (a shop restarted
    /// after the platform's retention asks for it again), so the payment
    /// is gone, not refused. A `404` is not: no creation answers it for a
    /// payment, only for a path or server that is not the platform's.
    pub fn is_creation_forgotten(&self) -> bool {
        matches!(self, ClientError::Refused { status: 410, .. })
    }

    /// Whether the platform refused an event-log cursor it does not know:
    /// it restarted without its data (or is another platform), so the
    /// cursor names nothing. The poller reads the log again from its start;
    /// the order book ignores what it already knows.
    ///
    /// Told by the error's code, which is for programs and the same in
    /// every language, never by its message, which is for people and in
    /// the platform's language (`hooklab --lang pt-BR platform`).
    pub fn is_unknown_cursor(&self) -> bool {
        matches!(
            self,
            ClientError::Refused { status: 400, code, .. } if code == UNKNOWN_CURSOR
        )
    }

    /// The error and every cause beneath it, on one line (`a: b: c`), for
    /// where only text can be kept (the order book records why a creation
    /// failed as text, and the report shows it).
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            text.push_str(": ");
            text.push_str(&e.to_string());
            cause = e.source();
        }
        text
    }

    /// [`ClientError::chain`] in `lang`: in English the chain itself; in
    /// Brazilian Portuguese the same sentence, with the platform's own
    /// message quoted as it answered it (in the platform's language) and
    /// the system's words beneath, which are English, said as such.
    pub fn chain_in(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.chain();
        }
        // The causes beneath the first: the transport's and the system's
        // words, which have no Portuguese.
        let beneath = || {
            let mut causes = Vec::new();
            let mut cause = std::error::Error::source(self).and_then(|e| e.source());
            while let Some(e) = cause {
                causes.push(e.to_string());
                cause = e.source();
            }
            match causes.is_empty() {
                true => String::new(),
                false => format!(" (o sistema diz, em inglês: {})", causes.join(": ")),
            }
        };
        match self {
            ClientError::Transport(e) => {
                use hooklab_core::http::TransportError as T;
                let what = match e {
                    T::Connect(_) => "conexão recusada ou falhou".to_owned(),
                    T::Broken(_) => "a conexão caiu".to_owned(),
                    T::Timeout => "tempo esgotado".to_owned(),
                    T::BadUrl(_) => "URL inválida".to_owned(),
                    T::TooLarge { status, limit } => {
                        format!("respondeu {status} com um corpo de mais de {limit} bytes")
                    }
                };
                format!("a plataforma não respondeu: {what}{}", beneath())
            }
            ClientError::Refused {
                status,
                code,
                message,
                ..
            } => format!("a plataforma respondeu {status}: {code}: {message}"),
            ClientError::TimedOut(wait) => format!(
                "a plataforma não respondeu em {wait} (ela aceitou a conexão: está rodando, mas travada ou sobrecarregada)"
            ),
            ClientError::ForeignPayment {
                payment,
                expected,
                answered,
            } => format!(
                "o pagamento {payment} respondeu pelo pedido {answered}, não por {expected}: não é o resultado deste pedido"
            ),
            ClientError::Decode(detail) => {
                format!("a resposta da plataforma não pôde ser lida (em inglês: {detail})")
            }
            ClientError::Build(detail) => {
                format!("não foi possível montar a requisição (em inglês: {detail})")
            }
            ClientError::Secret(e) => format!(
                "o segredo de assinatura de webhook da plataforma é inutilizável (em inglês: {e}){}",
                beneath()
            ),
        }
    }
}

/// Requests the shop sent that the platform answered with 2xx, by kind.
#[derive(Debug, Default)]
pub struct SentCounts {
    /// `POST /v1/payments`.
    pub payment_creates: AtomicU64,
    /// `GET /v1/payments/{id}`.
    pub polls: AtomicU64,
    /// Polls whose answer was still `pending`: wasted.
    pub polls_pending: AtomicU64,
    /// Of the polls, a hybrid's reconciliation polls.
    pub reconcile_polls: AtomicU64,
    /// `POST /v1/webhook_endpoints`.
    pub endpoint_registrations: AtomicU64,
    /// Requests that failed (no answer, or an error status).
    pub failures: AtomicU64,
    /// Requests the platform refused with 429 (rate limited).
    pub rate_limited: AtomicU64,
    /// `GET /v1/events` pages fetched.
    pub event_lists: AtomicU64,
    /// Of those, pages with nothing new: wasted.
    pub event_lists_empty: AtomicU64,
    /// Polls answered with a payment of another order (see
    /// [`ClientError::ForeignPayment`]): counted, never recorded as an outcome.
    pub foreign_answers: AtomicU64,
    /// Requests that got no answer within the client's timeout.
    pub timed_out: AtomicU64,
    /// Conditional reads answered `304 Not Modified` (counted in no other
    /// count, as the platform counts them).
    pub not_modified: AtomicU64,
    /// Reads sent with `?wait=` (long polls), also counted as polls or pages.
    pub long_polls: AtomicU64,
    /// Event streams opened (`GET /v1/events/stream`).
    pub streams_opened: AtomicU64,
    /// Events received on streams.
    pub events_streamed: AtomicU64,
    /// Held requests and streams whose answer a broken connection (a
    /// partition) cut: the platform may have counted them, the shop could
    /// not.
    pub cut: AtomicU64,
    /// Long polls or streams refused because the merchant already held as
    /// many open as the platform allows (a 429 `too_many_held`).
    pub held_refused: AtomicU64,
}

/// The path of a payment, but for its id.
const PAYMENTS: &str = "/v1/payments/";

/// The code of the platform's `400` to an event-log cursor (`after`, a
/// stream's `Last-Event-ID`) that names none of the merchant's events.
const UNKNOWN_CURSOR: &str = "unknown_cursor";

/// Appends header `name: value` to `request`, or fails as the request
/// builder does for a name or value that is not valid.
fn append(request: &mut http::Request<Bytes>, name: &str, value: &str) -> Result<(), ClientError> {
    let name = http::HeaderName::try_from(name).map_err(|e| ClientError::Build(e.to_string()))?;
    let value =
        http::HeaderValue::try_from(value).map_err(|e| ClientError::Build(e.to_string()))?;
    request.headers_mut().append(name, value);
    Ok(())
}

/// `base`'s scheme and authority, if `base` is exactly `scheme://authority`
/// (nothing after the authority, so any `/path` joined to it parses to
/// these and that path).
fn origin_of(base: &str) -> Option<(http::uri::Scheme, http::uri::Authority)> {
    let uri = http::Uri::try_from(base).ok()?;
    let parts = uri.into_parts();
    let (scheme, authority) = (parts.scheme?, parts.authority?);
    let rebuilt = format!("{scheme}://{authority}");
    (rebuilt == base).then_some((scheme, authority))
}

/// A payment object as a poll reads it: the same fields, types and
/// checks as [`Payment`] (every field required, `settled_at` may be
/// `null`, unknown fields ignored), its strings borrowed from the body.
#[derive(serde::Deserialize)]
struct PaymentView<'a> {
    #[serde(borrow, rename = "id")]
    _id: Text<'a>,
    #[serde(borrow)]
    order_id: Text<'a>,
    #[serde(rename = "amount_cents")]
    _amount_cents: u64,
    #[serde(borrow, rename = "currency")]
    _currency: Text<'a>,
    status: PaymentStatus,
    #[serde(borrow, rename = "created_at")]
    _created_at: Text<'a>,
    #[serde(borrow, rename = "settled_at")]
    _settled_at: Option<Text<'a>>,
}

/// A JSON string, borrowed from the body unless it has escapes: what a
/// `String` field accepts, and refused with the same message.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Visit)
    }
}

/// A client of the platform's API. Cheap to clone; clones share counts.
#[derive(Clone)]
pub struct PlatformClient {
    pub(crate) http: Arc<dyn HttpClient>,
    pub(crate) base: Arc<str>,
    /// `base`'s scheme and authority, parsed once, when `base` is exactly
    /// `scheme://authority`: a request's URI is then these and its path,
    /// and only the path is parsed per request (the whole URL was about
    /// 500 instructions a request, most of it the scheme and authority
    /// again). `None`: each URL is parsed whole, as before.
    origin: Option<(http::uri::Scheme, http::uri::Authority)>,
    /// `Bearer <api key>`, sent with every request.
    pub(crate) authorization: Option<Arc<str>>,
    /// The same, as a header value made once (a clone shares its bytes), so
    /// a request does not check and copy it again; `None` if it is not a
    /// valid header value, and then each request fails to build, as before.
    authorization_header: Option<http::HeaderValue>,
    /// Where 429s are announced.
    pub(crate) events: EventSink,
    pub(crate) clock: Clock,
    pub(crate) sent: Arc<SentCounts>,
    /// Round trips of payment creations, in µs: the model's measured input.
    /// Guarded by a std mutex held only to record one value.
    create_rtt_us: Arc<Mutex<Histogram<u64>>>,
    /// How long a request may wait for its answer (None: as long as the
    /// transport lets it; scenario runs bound nothing here, so their timers
    /// and results do not change).
    pub(crate) timeout: Option<Dur>,
}

impl PlatformClient {
    /// A client for the platform at `base` (such as `http://127.0.0.1:4242`).
    pub fn new(http: Arc<dyn HttpClient>, base: &str, clock: Clock) -> Self {
        let base = base.trim_end_matches('/');
        PlatformClient {
            http,
            origin: origin_of(base),
            base: base.into(),
            authorization: None,
            authorization_header: None,
            events: EventSink::default(),
            clock,
            sent: Arc::new(SentCounts::default()),
            create_rtt_us: Arc::new(Mutex::new(latency_histogram())),
            timeout: None,
        }
    }

    /// What a person at a terminal waits for an answer before being told the
    /// platform is stuck (`hooklab order`, `hooklab shop`).
    pub const INTERACTIVE_TIMEOUT: Dur = Dur::from_secs(10);

    /// The same client, giving up on a request after `timeout` with
    /// [`ClientError::TimedOut`]: a server that accepts and never answers
    /// must not hang the program.
    pub fn with_timeout(mut self, timeout: Dur) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The same client, announcing what it meets to `events`.
    pub fn with_events(mut self, events: EventSink) -> Self {
        self.events = events;
        self
    }

    /// The same client, authenticating with `api_key`.
    pub fn with_api_key(mut self, api_key: &str) -> Self {
        let bearer = format!("Bearer {api_key}");
        self.authorization_header = http::HeaderValue::from_str(&bearer).ok();
        self.authorization = Some(bearer.into());
        self
    }

    /// What this client sent so far.
    pub fn sent(&self) -> &SentCounts {
        &self.sent
    }

    /// Every payment creation's round trip, µs (at least 1 each): what
    /// [`PlatformClient::median_create_rtt_us`] reads, for several clients'
    /// median (the harness's shards of one strategy).
    pub fn create_rtts_us(&self) -> Histogram<u64> {
        self.create_rtt_us
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The median round trip of payment creations, in µs (0 before any).
    pub fn median_create_rtt_us(&self) -> u64 {
        let h = self.create_rtt_us.lock().unwrap_or_else(|p| p.into_inner());
        if h.is_empty() {
            0
        } else {
            h.value_at_quantile(0.5)
        }
    }

    /// A request to the platform, with the shop's user agent and key, then
    /// `headers` (as `http`'s request builder would make it, with the same
    /// errors, but without moving the builder's whole state on each step).
    pub(crate) fn get_request(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<http::Request<Bytes>, ClientError> {
        let mut request = self.start_request(http::Method::GET, path, Bytes::new())?;
        self.authorize(&mut request)?;
        for (name, value) in headers {
            append(&mut request, name, value)?;
        }
        Ok(request)
    }

    /// A request to `path` with the shop's user agent, and no key yet. One
    /// allocation for the URL, and the header value made once: a poll-heavy
    /// run builds hundreds of thousands of these. Built in place rather
    /// than with `http::request::Builder`, whose every step moves a
    /// few hundred bytes of state (about 1,500 instructions a request).
    fn start_request(
        &self,
        method: http::Method,
        path: &str,
        body: Bytes,
    ) -> Result<http::Request<Bytes>, ClientError> {
        let uri = self.uri(path)?;
        let mut request = http::Request::new(body);
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        request.headers_mut().append(
            http::header::USER_AGENT,
            http::HeaderValue::from_static("hooklab-shop/0.1"),
        );
        Ok(request)
    }

    /// The URI of `path` on the platform: `base` followed by `path`, the
    /// same `Uri` (and the same error) as parsing the two joined.
    fn uri(&self, path: &str) -> Result<http::Uri, ClientError> {
        let build = |e: &dyn std::fmt::Display| ClientError::Build(e.to_string());
        match &self.origin {
            // Only a path that starts with `/` ends the authority where
            // the joined URL's would end it.
            Some((scheme, authority)) if path.starts_with('/') => {
                let mut parts = http::uri::Parts::default();
                parts.scheme = Some(scheme.clone());
                parts.authority = Some(authority.clone());
                parts.path_and_query =
                    Some(http::uri::PathAndQuery::try_from(path).map_err(|e| build(&e))?);
                http::Uri::from_parts(parts).map_err(|e| build(&e))
            }
            _ => {
                let mut url = String::with_capacity(self.base.len() + path.len());
                url.push_str(&self.base);
                url.push_str(path);
                http::Uri::try_from(url).map_err(|e| build(&e))
            }
        }
    }

    /// Adds the shop's key, if it has one.
    fn authorize(&self, request: &mut http::Request<Bytes>) -> Result<(), ClientError> {
        match (&self.authorization_header, &self.authorization) {
            (Some(header), _) => {
                request
                    .headers_mut()
                    .append(http::header::AUTHORIZATION, header.clone());
                Ok(())
            }
            // Not a valid header value: the request fails to build, saying why.
            (None, Some(auth)) => append(request, http::header::AUTHORIZATION.as_str(), auth),
            (None, None) => Ok(()),
        }
    }

    async fn exchange(
        &self,
        method: http::Method,
        path: &str,
        key: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<Bytes, ClientError> {
        Ok(self.exchange_answer(method, path, key, body).await?.1)
    }

    /// As [`Self::exchange`], with the answer's headers.
    async fn exchange_answer(
        &self,
        method: http::Method,
        path: &str,
        key: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<(http::HeaderMap, Bytes), ClientError> {
        let json = body.is_some();
        let mut request =
            self.start_request(method, path, Bytes::from(body.unwrap_or_default()))?;
        if json {
            request.headers_mut().append(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
        }
        if let Some(key) = key {
            append(&mut request, "idempotency-key", key)?;
        }
        self.authorize(&mut request)?;
        let sent = self.http.send(request);
        let answer = match self.timeout {
            Some(limit) => match tokio::time::timeout(limit.to_std(), sent).await {
                Ok(answer) => answer,
                Err(_) => {
                    self.sent.failures.fetch_add(1, Ordering::Relaxed);
                    self.sent.timed_out.fetch_add(1, Ordering::Relaxed);
                    return Err(ClientError::TimedOut(limit));
                }
            },
            None => sent.await,
        };
        let response = match answer {
            Ok(r) => r,
            Err(e) => {
                self.sent.failures.fetch_add(1, Ordering::Relaxed);
                return Err(e.into());
            }
        };
        let status = response.status();
        let (parts, body) = response.into_parts();
        let headers = parts.headers;
        if status.is_success() {
            return Ok((headers, body));
        }
        Err(self.refused(status, &headers, &body))
    }

    /// Counts a refusal (an answer with an error status) and turns it into
    /// [`ClientError::Refused`], with the `Retry-After` of a 429 or 503.
    pub(crate) fn refused(
        &self,
        status: http::StatusCode,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> ClientError {
        self.sent.failures.fetch_add(1, Ordering::Relaxed);
        let (code, message) = match serde_json::from_slice::<ErrorBody>(body) {
            Ok(e) => (e.error.code, e.error.message),
            Err(_) => (
                "unknown".to_owned(),
                String::from_utf8_lossy(body).into_owned(),
            ),
        };
        // A 429 for too many held requests is a bound on open connections,
        // not the rate limit (the platform counts it as a rejection).
        if code == "too_many_held" {
            self.sent.held_refused.fetch_add(1, Ordering::Relaxed);
        } else if status.as_u16() == 429 {
            self.sent.rate_limited.fetch_add(1, Ordering::Relaxed);
            self.events
                .emit(self.clock.now(), || Happening::RateLimited);
        }
        let retry_after = (status.as_u16() == 429 || status.as_u16() == 503)
            .then(|| headers.get(http::header::RETRY_AFTER))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Dur::from_secs(s.min(3_600)));
        ClientError::Refused {
            status: status.as_u16(),
            retry_after,
            code,
            message,
        }
    }

    pub(crate) fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ClientError> {
        serde_json::from_slice(body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// A payment object: read by the fast path when it is in the
    /// platform's own compact form (see `compact`), by serde otherwise;
    /// the same value either way.
    fn decode_payment(body: &[u8]) -> Result<Payment, ClientError> {
        match crate::compact::payment(body) {
            Some(f) => Ok(Payment {
                id: PaymentId(f.id.to_owned()),
                order_id: OrderId(f.order_id.to_owned()),
                amount_cents: f.amount_cents,
                currency: f.currency.to_owned(),
                status: f.status,
                created_at: f.created_at.to_owned(),
                settled_at: f.settled_at.map(str::to_owned),
            }),
            None => Self::decode(body),
        }
    }

    /// `POST /v1/payments`, with an `Idempotency-Key`.
    pub async fn create_payment(
        &self,
        request: &CreatePayment,
        idempotency_key: &str,
    ) -> Result<Payment, ClientError> {
        let body = serde_json::to_vec(request).map_err(|e| ClientError::Build(e.to_string()))?;
        let started = self.clock.now();
        let answer = self
            .exchange(
                http::Method::POST,
                "/v1/payments",
                Some(idempotency_key),
                Some(body),
            )
            .await?;
        let rtt = self.clock.now().since(started).as_us().max(1);
        let _ = self
            .create_rtt_us
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .record(rtt);
        self.sent.payment_creates.fetch_add(1, Ordering::Relaxed);
        Self::decode_payment(&answer)
    }

    /// `GET /v1/payments/{id}`: one poll.
    pub async fn get_payment(&self, id: &PaymentId) -> Result<Payment, ClientError> {
        self.get_payment_counted(id, false).await
    }

    /// `GET /v1/payments/{id}` of `order`'s payment, counted as a
    /// reconciliation poll if `reconcile`. An answer about another order is
    /// refused ([`ClientError::ForeignPayment`], counted in
    /// [`SentCounts::foreign_answers`] and logged): recording it would give
    /// this order someone else's outcome.
    pub async fn poll_payment(
        &self,
        order: &OrderId,
        id: &PaymentId,
        reconcile: bool,
    ) -> Result<Payment, ClientError> {
        let payment = self.get_payment_counted(id, reconcile).await?;
        self.check_order(order, id, &payment.order_id.0)?;
        Ok(payment)
    }

    /// What [`PlatformClient::poll_payment`] does, counted and checked the
    /// same, for a poller that needs only the status: the answer is
    /// checked field by field as a [`Payment`] would be, but none of its
    /// strings is copied out of the body (five allocations a poll fewer).
    pub async fn poll_status(
        &self,
        order: &OrderId,
        id: &PaymentId,
        reconcile: bool,
    ) -> Result<PaymentStatus, ClientError> {
        let answer = self.get_payment_answer(id, reconcile).await?;
        let (answered, status) = match crate::compact::payment(&answer) {
            Some(fields) => (Cow::Borrowed(fields.order_id), fields.status),
            None => {
                let view: PaymentView<'_> = serde_json::from_slice(&answer)
                    .map_err(|e| ClientError::Decode(e.to_string()))?;
                (view.order_id.0, view.status)
            }
        };
        if !status.is_final() {
            self.sent.polls_pending.fetch_add(1, Ordering::Relaxed);
        }
        self.check_order(order, id, &answered)?;
        Ok(status)
    }

    /// Refuses (and counts, and logs) an answer about payment `id` that
    /// names `answered` rather than `order`.
    fn check_order(
        &self,
        order: &OrderId,
        id: &PaymentId,
        answered: &str,
    ) -> Result<(), ClientError> {
        if order.as_str() == answered {
            return Ok(());
        }
        self.sent.foreign_answers.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            payment = %id,
            expected = %order,
            answered = %answered,
            "a poll answered another order's payment (did the platform restart?); not recorded"
        );
        Err(ClientError::ForeignPayment {
            payment: id.clone(),
            expected: order.clone(),
            answered: OrderId(answered.to_owned()),
        })
    }

    /// `GET /v1/payments/{id}`, counted as a reconciliation poll if `reconcile`.
    pub async fn get_payment_counted(
        &self,
        id: &PaymentId,
        reconcile: bool,
    ) -> Result<Payment, ClientError> {
        let answer = self.get_payment_answer(id, reconcile).await?;
        let payment = Self::decode_payment(&answer)?;
        if !payment.status.is_final() {
            self.sent.polls_pending.fetch_add(1, Ordering::Relaxed);
        }
        Ok(payment)
    }

    /// `GET /v1/payments/{id}`'s body, the poll counted (and as a
    /// reconciliation poll if `reconcile`).
    async fn get_payment_answer(
        &self,
        id: &PaymentId,
        reconcile: bool,
    ) -> Result<Bytes, ClientError> {
        // Joined by hand, not with `format!` (its machinery was about 300
        // instructions a poll for two pieces of text).
        let mut path = String::with_capacity(PAYMENTS.len() + id.as_str().len());
        path.push_str(PAYMENTS);
        path.push_str(id.as_str());
        let answer = self.exchange(http::Method::GET, &path, None, None).await?;
        self.sent.polls.fetch_add(1, Ordering::Relaxed);
        if reconcile {
            self.sent.reconcile_polls.fetch_add(1, Ordering::Relaxed);
        }
        Ok(answer)
    }

    /// `GET /v1/events?after=<cursor>&limit=N`: one page of the event log.
    pub async fn list_events(
        &self,
        after: Option<&EventId>,
        limit: usize,
    ) -> Result<EventRead, ClientError> {
        let path = match after {
            Some(cursor) => format!("/v1/events?after={cursor}&limit={limit}"),
            None => format!("/v1/events?limit={limit}"),
        };
        let (headers, answer) = self
            .exchange_answer(http::Method::GET, &path, None, None)
            .await?;
        self.sent.event_lists.fetch_add(1, Ordering::Relaxed);
        let page: EventPage = match crate::compact::empty_page(&answer) {
            Some((has_more, next_after)) => EventPage {
                data: Vec::new(),
                has_more,
                next_after: next_after.map(|id| EventId(id.to_owned())),
            },
            None => Self::decode(&answer)?,
        };
        if page.data.is_empty() {
            self.sent.event_lists_empty.fetch_add(1, Ordering::Relaxed);
        }
        Ok(EventRead::of(page, &headers))
    }

    /// `GET /v1/platform`: which platform answers (its id), so the shop's
    /// inbox can tell the platform that holds its orders on another address.
    pub async fn platform_info(&self) -> Result<PlatformInfo, ClientError> {
        let answer = self
            .exchange(http::Method::GET, "/v1/platform", None, None)
            .await?;
        Self::decode(&answer)
    }

    /// `POST /v1/webhook_endpoints`: asks the platform to call `url`.
    pub async fn register_endpoint(&self, url: &str) -> Result<WebhookEndpoint, ClientError> {
        let body = serde_json::to_vec(&CreateEndpoint {
            url: url.to_owned(),
        })
        .map_err(|e| ClientError::Build(e.to_string()))?;
        let answer = self
            .exchange(
                http::Method::POST,
                "/v1/webhook_endpoints",
                None,
                Some(body),
            )
            .await?;
        self.sent
            .endpoint_registrations
            .fetch_add(1, Ordering::Relaxed);
        Self::decode(&answer)
    }

    /// `DELETE /v1/webhook_endpoints/{id}`: no more deliveries to `id`. A
    /// shop that stops without a durable inbox says so, so the platform does
    /// not retry the next orders' events against a port nobody listens on.
    pub async fn deregister_endpoint(
        &self,
        id: &hooklab_core::ids::EndpointId,
    ) -> Result<(), ClientError> {
        let path = format!("/v1/webhook_endpoints/{id}");
        self.exchange(http::Method::DELETE, &path, None, None)
            .await
            .map(|_| ())
    }

    /// `POST /v1/webhook_endpoints/{id}/recover`: a restarted shop takes its
    /// endpoint back (the platform enables it again if it was disabled) and
    /// asks for every event since `since` (RFC 3339) that it did not
    /// acknowledge. Answers how many the platform is resending; a 404 means
    /// the platform no longer knows the endpoint.
    pub async fn recover_endpoint(
        &self,
        id: &hooklab_core::ids::EndpointId,
        since: &str,
    ) -> Result<u64, ClientError> {
        #[derive(serde::Deserialize)]
        struct Resending {
            resending: u64,
        }
        let path = format!("/v1/webhook_endpoints/{id}/recover");
        let body = serde_json::to_vec(&serde_json::json!({ "since": since }))
            .map_err(|e| ClientError::Build(e.to_string()))?;
        let answer = self
            .exchange(http::Method::POST, &path, None, Some(body))
            .await?;
        Ok(Self::decode::<Resending>(&answer)?.resending)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use hooklab_core::http::SendFuture;

    #[test]
    fn the_platforms_unknown_cursor_refusals_are_recognised_by_their_code() {
        let refused = |code: &str, message: &str| ClientError::Refused {
            status: 400,
            retry_after: None,
            code: code.to_owned(),
            message: message.to_owned(),
        };
        // By the code, whatever the message says, in any language.
        for message in ["`evt_9` is none of your events", "`evt_9` não é nenhum", ""] {
            assert!(refused("unknown_cursor", message).is_unknown_cursor());
        }
        // The old words under another code are another refusal.
        assert!(
            !refused("invalid_parameter", "`evt_9` is none of your events").is_unknown_cursor()
        );
        assert!(!refused("invalid_parameter", "limit must be 1..1000").is_unknown_cursor());
    }

    /// Answers every request with one fixed body.
    struct Answering(&'static str);

    impl HttpClient for Answering {
        fn send(&self, _request: http::Request<Bytes>) -> SendFuture {
            let body = Bytes::from_static(self.0.as_bytes());
            Box::pin(async move { Ok(http::Response::new(body)) })
        }
    }

    /// Takes every request and never answers: a stuck server.
    struct Silent;

    impl HttpClient for Silent {
        fn send(&self, _request: http::Request<Bytes>) -> SendFuture {
            Box::pin(std::future::pending())
        }
    }

    const ORDER_2S_PAYMENT: &str = r#"{"id": "pay_000001", "order_id": "ord_000002",
        "amount_cents": 100, "currency": "BRL", "status": "approved",
        "created_at": "2026-01-01T00:00:00Z", "settled_at": "2026-01-01T00:00:01Z"}"#;

    /// After a platform restart `pay_000001` may be another order's payment:
    /// its status must not become this order's outcome.
    #[tokio::test]
    async fn a_poll_answering_another_orders_payment_is_refused_and_counted() {
        let client = PlatformClient::new(
            Arc::new(Answering(ORDER_2S_PAYMENT)),
            "http://127.0.0.1:9",
            Clock::starting_now(0),
        );
        let answer = client
            .poll_payment(&OrderId::numbered(1), &PaymentId::numbered(1), false)
            .await;
        match answer {
            Err(ClientError::ForeignPayment {
                expected, answered, ..
            }) => {
                assert_eq!(expected, OrderId::numbered(1));
                assert_eq!(answered, OrderId::numbered(2));
            }
            other => panic!("expected a foreign payment, got {other:?}"),
        }
        assert_eq!(client.sent().foreign_answers.load(Ordering::Relaxed), 1);
        // The payment's own order accepts it.
        let own = client
            .poll_payment(&OrderId::numbered(2), &PaymentId::numbered(1), false)
            .await
            .unwrap();
        assert_eq!(own.status, hooklab_core::wire::PaymentStatus::Approved);
        // The poller's status-only read refuses and counts alike.
        let answer = client
            .poll_status(&OrderId::numbered(1), &PaymentId::numbered(1), false)
            .await;
        assert!(
            matches!(answer, Err(ClientError::ForeignPayment { ref answered, .. }) if *answered == OrderId::numbered(2)),
            "{answer:?}"
        );
        assert_eq!(client.sent().foreign_answers.load(Ordering::Relaxed), 2);
        let status = client
            .poll_status(&OrderId::numbered(2), &PaymentId::numbered(1), false)
            .await
            .unwrap();
        assert_eq!(status, hooklab_core::wire::PaymentStatus::Approved);
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_that_never_answers_times_out_with_a_clear_message() {
        let client = PlatformClient::new(
            Arc::new(Silent),
            "http://127.0.0.1:9",
            Clock::starting_now(0),
        )
        .with_timeout(Dur::from_secs(10));
        let answer = client.get_payment(&PaymentId::numbered(1)).await;
        let Err(e @ ClientError::TimedOut(_)) = answer else {
            panic!("expected a timeout, got {answer:?}");
        };
        assert!(e.to_string().contains("did not answer within 10s"), "{e}");
        assert_eq!(client.sent().timed_out.load(Ordering::Relaxed), 1);
    }
}
