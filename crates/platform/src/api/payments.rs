//! `POST /v1/payments` and `GET /v1/payments/{id}`.

use super::{Caller, refuse};
use crate::Shared;
use crate::error::ApiError;
use crate::i18n::Said;
use crate::ledger::NewPayment;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hooklab_core::duration::Dur;
use hooklab_core::ids::{MerchantId, PaymentId};
use hooklab_core::wire::{CreatePayment, Outcome};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The largest amount a payment may have: 10^12 cents, ten billion reais.
const MAX_AMOUNT_CENTS: u64 = 1_000_000_000_000;

/// The longest simulated settlement a test-mode request may ask for.
pub const MAX_SIMULATED_SETTLE: Dur = Dur::from_secs(30 * 86_400);

fn validate(req: &CreatePayment) -> Result<(), ApiError> {
    let most = hooklab_core::wire::MAX_ORDER_ID_BYTES;
    if req.order_id.as_str().is_empty() || req.order_id.as_str().len() > most {
        return Err(ApiError::InvalidField {
            field: "order_id",
            message: Said::new(
                format!("must be between 1 and {most} bytes ({most} ASCII characters)"),
                format!("deve ter de 1 a {most} bytes ({most} caracteres ASCII)"),
            ),
        });
    }
    // An id is echoed in logs, terminals and other programs' URLs: a
    // control character there (an ANSI escape, a newline) is an attack.
    if req.order_id.as_str().chars().any(char::is_control) {
        return Err(ApiError::InvalidField {
            field: "order_id",
            message: Said::new(
                "must not contain control characters",
                "não pode conter caracteres de controle",
            ),
        });
    }
    // Nor invisible format characters: a right-to-left override prints the
    // rest of a log line reversed, a zero-width space makes two ids look alike.
    if let Some(c) = req
        .order_id
        .as_str()
        .chars()
        .find(|&c| hooklab_core::printable::is_format_char(c))
    {
        return Err(ApiError::InvalidField {
            field: "order_id",
            message: Said::new(
                format!(
                    "must not contain invisible Unicode format characters (found U+{:04X}: bidi overrides and isolates, zero-width characters, byte order marks)",
                    u32::from(c)
                ),
                format!(
                    "não pode conter caracteres invisíveis de formatação Unicode (encontrado U+{:04X}: controles de direção bidi, caracteres de largura zero, marcas de ordem de bytes)",
                    u32::from(c)
                ),
            ),
        });
    }
    if req.amount_cents == 0 || req.amount_cents > MAX_AMOUNT_CENTS {
        // Both bounds named: 9007199254740993 is positive, and was told it
        // must be positive.
        return Err(ApiError::InvalidField {
            field: "amount_cents",
            message: Said::new(
                format!(
                    "must be a whole amount in the smallest currency unit from 1 to {MAX_AMOUNT_CENTS} (10^12: ten billion in a two-decimal currency), got {}",
                    req.amount_cents
                ),
                format!(
                    "deve ser um valor inteiro na menor unidade da moeda, de 1 a {MAX_AMOUNT_CENTS} (10^12: dez bilhões numa moeda com duas casas decimais); veio {}",
                    req.amount_cents
                ),
            ),
        });
    }
    if !(req.currency.len() == 3 && req.currency.chars().all(|c| c.is_ascii_uppercase())) {
        return Err(ApiError::InvalidField {
            field: "currency",
            message: Said::new(
                format!(
                    "must be three capital letters (ISO 4217), such as \"BRL\"; got \"{}\"",
                    req.currency
                ),
                format!(
                    "deve ter três letras maiúsculas (ISO 4217), como \"BRL\"; veio \"{}\"",
                    req.currency
                ),
            ),
        });
    }
    if let Some(sim) = req.simulate
        && sim.settle_after_ms > MAX_SIMULATED_SETTLE
    {
        return Err(ApiError::InvalidField {
            field: "simulate.settle_after_ms",
            message: Said::new(
                format!("at most 30 days, got {}", sim.settle_after_ms),
                format!("no máximo 30 dias; veio {}", sim.settle_after_ms),
            ),
        });
    }
    Ok(())
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let mut values = headers.get_all("idempotency-key").iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    // Two keys: which one the client meant is a guess, and a wrong guess
    // is a double charge or a lost payment.
    if values.next().is_some() {
        return Err(ApiError::BadParameter {
            name: "Idempotency-Key",
            message: Said::new(
                "sent more than once; send exactly one key per request",
                "enviado mais de uma vez; envie exatamente uma chave por requisição",
            ),
        });
    }
    // A field value's ends are not part of it (RFC 9110, 5.5): hyper trims
    // them, the in-memory transport does not, so they are trimmed here and a
    // key is the same key whatever carried it.
    match value.to_str().map(|key| key.trim_matches([' ', '\t'])) {
        Ok(key) if !key.is_empty() && key.len() <= 255 && !key.chars().any(char::is_control) => {
            Ok(Some(key.to_owned()))
        }
        // An empty header too: it is not "no key" (that is no header), and
        // taking it for none would create a payment a retry creates again;
        // and so a key of spaces only, empty once trimmed.
        _ => Err(ApiError::BadParameter {
            name: "Idempotency-Key",
            message: Said::new(
                "must be 1 to 255 visible ASCII characters, not empty or only spaces (leave the header out to send no key)",
                "deve ter de 1 a 255 caracteres ASCII visíveis, sem ser vazia nem só espaços (deixe o cabeçalho de fora para não enviar chave)",
            ),
        }),
    }
}

/// `POST /v1/payments`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    uri: http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    create_with(&shared, &merchant, &uri, &headers, &body)
}

/// `POST /v1/payments` once its caller is admitted and its body read: the
/// handler's work, which the fast path ([`super::fast`]) calls too.
pub(super) fn create_with(
    shared: &Shared,
    merchant: &MerchantId,
    uri: &http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let result = (|| {
        // Everything is in the body: a query is a mistake (`?amount_cents=`
        // would otherwise be ignored, and the body's amount charged).
        super::query::none(uri, "POST /v1/payments")?;
        // A body declared as another type, or encoded, is refused before
        // anything reads it (see `content`).
        super::content::readable(headers)?;
        let key = idempotency_key(headers)?;
        // The compact form the shop writes, without serde; any other body
        // as before (see `create_body`).
        let req: CreatePayment = match super::create_body::compact(body) {
            Some(req) => req,
            None => ApiError::parse_json(body)?,
        };
        validate(&req)?;
        let (after, outcome) = match req.simulate {
            Some(sim) => (sim.settle_after_ms, sim.outcome),
            None => shared
                .config
                .plan
                .lookup(&req.order_id)
                .unwrap_or((shared.config.default_settle, Outcome::Approved)),
        };
        let now = shared.clock.now();
        let simulate = req.simulate;
        let new = NewPayment {
            merchant,
            request: req,
            idempotency_key: key,
            settle_after: after,
            outcome,
        };
        let mut ledger = shared.ledger();
        let (json, replayed) = ledger.create(new, now, &shared.clock)?;
        // Committed before the answer, under the ledger's lock so that the
        // journal's order is the ledger's. The new record holds the key (the
        // request's, moved in rather than copied).
        if !replayed && let Some(record) = ledger.last_payment() {
            shared
                .store
                .payment_created(record, record.key.as_deref(), simulate, &shared.clock)
                .map_err(|e| shared.store_failed(e))?;
        }
        Ok((json, replayed))
    })();
    let (json, replayed) = result.map_err(|e| refuse(shared, e))?;
    if !replayed {
        // Wake the settlement worker: this payment may settle before any other.
        shared.schedule_changed.notify_one();
    }
    shared
        .served
        .payment_creates
        .fetch_add(1, Ordering::Relaxed);
    let mut response = (StatusCode::CREATED, json_body(json)).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// What `GET /v1/payments/{id}` takes: only a long poll's `wait`.
const GET_PARAMS: super::query::Params = super::query::Params {
    route: "GET /v1/payments/{id}",
    takes: &[(
        "wait",
        super::events::WAIT_TAKES,
        super::events::WAIT_TAKES_PT,
    )],
};

/// The `wait` of `uri`'s query, read by [`super::query::plain`] when it
/// can be, by [`super::query::pairs`] otherwise (and for every refusal).
fn wait_of(uri: &http::Uri) -> Result<Option<String>, ApiError> {
    let mut wait = None;
    let plain = super::query::plain(uri.query(), &["wait"], |_, v| {
        wait = Some(v.to_owned());
        Some(())
    });
    match plain {
        Some(()) => Ok(wait),
        None => Ok(super::query::pairs(uri, &GET_PARAMS)?.pop().flatten()),
    }
}

/// `GET /v1/payments/{id}`: one poll, or a long poll with `?wait=` (see
/// [`super::long_poll`]), answered conditionally ([`super::conditional`]).
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    Path(id): Path<String>,
    uri: http::Uri,
    headers: super::conditional::IfNoneMatch,
) -> Result<Response, ApiError> {
    let wait = wait_of(&uri).map_err(|e| refuse(&shared, e))?;
    let wait = super::long_poll::parse_wait(&shared, wait.as_deref())?;
    let id = PaymentId(id);
    match wait {
        None => answer_now(&shared, &merchant, &id, &headers),
        Some(_) => {
            let read = || read(&shared, &merchant, &id);
            super::long_poll::payment(&shared, &merchant, &id, wait, &headers, read).await
        }
    }
}

/// A poll that does not wait (no `?wait=`): one status read, answered
/// conditionally. What [`super::long_poll::payment`] does when it is not
/// asked to wait, without its future; the handler answers plain polls here,
/// the fast path ([`super::fast`]) in [`poll_now`].
pub(super) fn answer_now(
    shared: &Shared,
    merchant: &MerchantId,
    id: &PaymentId,
    headers: &super::conditional::IfNoneMatch,
) -> Result<Response, ApiError> {
    let (json, pending) = read(shared, merchant, id)?;
    Ok(answer_read(shared, merchant, id, headers, json, pending))
}

/// [`Caller::admit`] and then [`answer_now`], for the fast path: the same
/// steps, counts and answers, but the rate limit and the status read share
/// one hold of the ledger's lock and one reading of the clock (the handler
/// takes the lock twice and reads the clock twice: on two cores serving
/// polls the lock is contended, and a thread that finds it held parks). A
/// virtual run's clock does not move within a call, so there both readings
/// were this one.
pub(super) fn poll_now(
    shared: &Shared,
    request: &http::HeaderMap,
    id: &PaymentId,
    headers: &super::conditional::IfNoneMatch,
) -> Result<Response, ApiError> {
    let key = Caller::key(shared, request)?;
    let now = shared.clock.now();
    let mut ledger = shared.ledger();
    let merchant = match ledger.merchants.admit(key, now) {
        Ok(merchant) => merchant,
        Err(denied) => {
            drop(ledger);
            return Err(Caller::denied(shared, denied));
        }
    };
    let read = read_in(shared, ledger, &merchant, id, now);
    // What `admit` does after the verdict: it touches neither the ledger nor
    // anything the read changes, so after the read is the same.
    Caller::admitted(shared);
    let (json, pending) = read?;
    Ok(answer_read(shared, &merchant, id, headers, json, pending))
}

/// A status read's answer: 200 with the JSON or 304, its tag, the counts.
fn answer_read(
    shared: &Shared,
    merchant: &MerchantId,
    id: &PaymentId,
    headers: &super::conditional::IfNoneMatch,
    json: Bytes,
    pending: bool,
) -> Response {
    let etag = super::conditional::payment_etag(id, pending);
    let (response, not_modified) =
        super::conditional::answer(shared, merchant, headers, etag, || json_response(json));
    if !not_modified {
        shared.served.polls.fetch_add(1, Ordering::Relaxed);
        if pending {
            shared.served.polls_pending.fetch_add(1, Ordering::Relaxed);
        }
    }
    response
}

/// One status read: the payment's JSON and whether it is still pending.
///
/// The hottest path of the platform: one lock, one hash lookup, and a
/// payment JSON rendered beforehand (see [`crate::ledger::PaymentRecord`]).
fn read(shared: &Shared, merchant: &MerchantId, id: &PaymentId) -> Result<(Bytes, bool), ApiError> {
    let now = shared.clock.now();
    read_in(shared, shared.ledger(), merchant, id, now)
}

/// [`read`] at `now`, in the ledger `ledger` holds locked (released before
/// the settlement, if any, is queued).
fn read_in(
    shared: &Shared,
    mut ledger: std::sync::MutexGuard<'_, crate::ledger::Ledger>,
    merchant: &MerchantId,
    id: &PaymentId,
    now: hooklab_core::clock::Micros,
) -> Result<(Bytes, bool), ApiError> {
    // The lock is released before the settlement (if any) is queued; a
    // durable store commits it first.
    let (read, targets) = {
        let read = ledger.read_status(merchant, id, now, &shared.clock);
        let targets = match read.as_ref().and_then(|r| r.settled.as_ref()) {
            Some(settled) => {
                crate::settlement::outbox_targets(shared, &ledger, std::slice::from_ref(settled))
            }
            None => Vec::new(),
        };
        drop(ledger);
        (read, targets)
    };
    let outbox = match read.as_ref().and_then(|r| r.settled.as_ref()) {
        Some(settled) => crate::settlement::journal(shared, std::slice::from_ref(settled), targets)
            .map_err(|e| shared.store_failed(e))?
            .pop()
            .flatten(),
        None => None,
    };
    // Another merchant's payment is not found, exactly as a missing one.
    let Some(read) = read else {
        // A forgotten one says so (its number only says it was made).
        if shared.ledger().payment_forgotten(id) {
            return Err(shared.forgotten("payment", id.0.clone()));
        }
        return Err(refuse(
            shared,
            ApiError::NotFound {
                what: "payment",
                id: id.0.clone(),
            },
        ));
    };
    if let Some((event, owner, at)) = read.settled {
        shared.settled(event, owner, at, outbox);
    }
    Ok((read.json, read.pending))
}

/// [`json_body`] as a response, built directly: the same status (200), the
/// same one header and the same body, without the tuple's two header
/// inserts (`Bytes` sets `application/octet-stream`, the tuple replaces it).
pub(super) fn json_response(json: Bytes) -> Response {
    let mut response = Response::new(axum::body::Body::from(json));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A body of ready JSON, with the `Content-Type` axum's `Json` would set.
pub(super) fn json_body(json: Bytes) -> impl IntoResponse {
    (
        [(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json,
    )
}
