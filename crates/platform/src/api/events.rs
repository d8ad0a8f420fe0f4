//! The event log: list (cursor-paged), attempts, redeliver.
//!
//! `GET /v1/events?after=<event id>&limit=N` is also how a shop can *poll for
//! events* instead of polling each payment: one request returns everything
//! new since its cursor, and a page that comes back empty is a wasted poll.

use super::query::Params;
use super::{Caller, refuse};
use crate::Shared;
use crate::error::ApiError;
use crate::i18n::Said;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hooklab_core::duration::Dur;
use hooklab_core::ids::{EventId, MerchantId};
use hooklab_core::wire::EventPage;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The largest page.
const MAX_LIMIT: usize = 1_000;

#[derive(Debug, Default)]
pub(crate) struct ListQuery {
    after: Option<String>,
    limit: Option<usize>,
    /// A long poll's wait (see [`super::long_poll`]).
    wait: Option<String>,
}

/// What `GET /v1/events` takes, for the messages that refuse a query.
const LIST_PARAMS: Params = Params {
    route: "GET /v1/events",
    takes: &[
        (
            "after",
            "the id of the last event you received",
            "o id do último evento que você recebeu",
        ),
        ("limit", LIMIT_TAKES, LIMIT_TAKES_PT),
        ("wait", WAIT_TAKES, WAIT_TAKES_PT),
    ],
};

/// What a long poll's `wait` takes, in words.
pub(super) const WAIT_TAKES: &str =
    "a duration such as 30s or 500ms (a bare number is milliseconds)";

/// [`WAIT_TAKES`] in Portuguese.
pub(super) const WAIT_TAKES_PT: &str =
    "uma duração como 30s ou 500ms (um número sozinho é em milissegundos)";

/// What a page's `limit` takes (1 to [`MAX_LIMIT`]).
const LIMIT_TAKES: &str = "a whole number from 1 to 1000";

/// [`LIMIT_TAKES`] in Portuguese.
const LIMIT_TAKES_PT: &str = "um número inteiro de 1 a 1000";

impl ListQuery {
    /// The query of `uri`, read by [`super::query::plain`] when it can be,
    /// by [`super::query::pairs`] otherwise (and for every refusal).
    fn of(uri: &http::Uri) -> Result<ListQuery, ApiError> {
        let mut q = ListQuery::default();
        let plain = super::query::plain(uri.query(), &["after", "limit", "wait"], |i, v| {
            match i {
                0 => q.after = Some(v.to_owned()),
                1 => q.limit = Some(super::query::number(v)?),
                _ => q.wait = Some(v.to_owned()),
            }
            Some(())
        });
        if plain.is_some() {
            return Ok(q);
        }
        let mut values = super::query::pairs(uri, &LIST_PARAMS)?.into_iter();
        let (after, limit, wait) = (values.next(), values.next(), values.next());
        Ok(ListQuery {
            after: after.flatten(),
            limit: limit
                .flatten()
                .map(|text| number_of(&LIST_PARAMS, "limit", &text))
                .transpose()?,
            wait: wait.flatten(),
        })
    }
}

/// The whole number `text`, the value of `name`, or its refusal.
fn number_of<T: std::str::FromStr>(
    params: &Params,
    name: &'static str,
    text: &str,
) -> Result<T, ApiError> {
    text.parse().map_err(|_| params.bad(name, text))
}

/// `GET /v1/events`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    uri: http::Uri,
    headers: super::conditional::IfNoneMatch,
) -> Result<Response, ApiError> {
    let query = ListQuery::of(&uri).map_err(|e| refuse(&shared, e))?;
    let (after, limit, wait) = checked(&shared, &merchant, query)?;
    match wait {
        None => Ok(answer_now(&shared, &merchant, after, limit, &headers)),
        Some(_) => {
            let mut response =
                super::long_poll::events(&shared, &merchant, after.clone(), limit, wait, &headers)
                    .await?;
            mark_forgotten(&shared, &merchant, after.as_ref(), &mut response);
            Ok(response)
        }
    }
}

/// The header a read of the log without `after` carries when some of the
/// merchant's events were forgotten unread (`--keep`): the newest of them,
/// after which the page starts (`Events-Forgotten-Through: evt_000042`).
///
/// A read without a cursor is a reader starting (or starting again): it
/// cannot be refused (a 410 would leave it no way in), so the platform
/// tells instead of refusing, as Kafka's fetch answers carry the log's
/// start offset. A reader that waited for something before this read (a
/// shop with orders in flight) learns that their events may be among the
/// forgotten ones, and asks for those payments directly; without the
/// header, it read an empty page and waited for ever. A header, not a
/// field of the page: the page (and its `ETag`) stays what it was, and a
/// client that starts with nothing waiting can ignore it.
pub(super) const FORGOTTEN_THROUGH: &str = "events-forgotten-through";

/// Adds [`FORGOTTEN_THROUGH`] to the answer of a read without a cursor
/// (`after` `None`) when the merchant's log lost an event unread. Read
/// after the page: a horizon that moved meanwhile is named, never one
/// older than the page's start.
fn mark_forgotten(
    shared: &Shared,
    merchant: &MerchantId,
    after: Option<&EventId>,
    response: &mut Response,
) {
    if after.is_some() {
        return;
    }
    let Some(newest) = shared.ledger().forgotten_through(merchant) else {
        return;
    };
    if let Ok(value) = http::HeaderValue::from_str(newest.as_str()) {
        response.headers_mut().insert(FORGOTTEN_THROUGH, value);
    }
}

/// The plain query of a read that does not wait, if `uri`'s is one (see
/// [`super::query::plain`]): what the fast path ([`super::fast`]) answers
/// itself. `None` for anything else (a `wait`, an escape, an unknown key),
/// which goes to the router.
pub(super) fn plain_query(uri: &http::Uri) -> Option<ListQuery> {
    let mut q = ListQuery::default();
    super::query::plain(uri.query(), &["after", "limit"], |i, v| {
        match i {
            0 => q.after = Some(v.to_owned()),
            _ => q.limit = Some(super::query::number(v)?),
        }
        Some(())
    })?;
    Some(q)
}

/// The cursor, page size and wait of `query`, checked (each refusal
/// counted): a `limit` out of range, a bad `wait`, a cursor that is none of
/// the merchant's events.
pub(super) fn checked(
    shared: &Shared,
    merchant: &MerchantId,
    query: ListQuery,
) -> Result<(Option<EventId>, usize, Option<Dur>), ApiError> {
    let limit = page_limit(shared, query.limit)?;
    let wait = super::long_poll::parse_wait(shared, query.wait.as_deref())?;
    let after = query.after.map(EventId);
    if let Some(cursor) = &after {
        // An unknown cursor used to replay the whole log from its first
        // event, as if none had been given: refuse it, as the stream refuses
        // an unknown Last-Event-ID. A forgotten event is still a place in
        // the log.
        let known = {
            let ledger = shared.ledger();
            ledger.event(merchant, cursor).is_some() || ledger.event_forgotten(cursor)
        };
        if !known {
            return Err(refuse(
                shared,
                ApiError::UnknownCursor {
                    name: "after",
                    message: Said::new(
                        format!(
                            "`{}` is none of your events; send the id of the last event you received, or no `after` to start from the first",
                            quoted(&cursor.0)
                        ),
                        format!(
                            "`{}` não é nenhum dos seus eventos; envie o id do último evento que você recebeu, ou nenhum `after` para começar do primeiro",
                            quoted(&cursor.0)
                        ),
                    ),
                },
            ));
        }
        expired(
            shared,
            merchant,
            cursor,
            &Said::new(
                "list again without `after`, which starts after the last event forgotten",
                "liste de novo sem `after`, que começa depois do último evento esquecido",
            ),
        )?;
    }
    Ok((after, limit, wait))
}

/// The 410 `cursor_expired` for a `cursor` (an `after`, a `Last-Event-ID`)
/// after which one of `merchant`'s events was forgotten before the client
/// read past it: answering the events still kept would skip it without a
/// sign, a loss the client could not see (the log after `evt_2` came back
/// empty, `next_after` still `evt_2`, with `evt_3` forgotten unread).
/// `restart` says how to start again.
pub(super) fn expired(
    shared: &Shared,
    merchant: &MerchantId,
    cursor: &EventId,
    restart: &Said,
) -> Result<(), ApiError> {
    let lost = shared.ledger().forgotten_after(merchant, cursor);
    let Some(newest) = lost else {
        return Ok(());
    };
    let keeps = match shared.config.retention.finished_for {
        Some(window) => Said::new(
            format!(
                "this platform keeps a finished event for {window} after its last delivery (`hooklab platform --keep`)"
            ),
            format!(
                "esta plataforma guarda um evento finalizado por {window} após a última entrega (`hooklab platform --keep`)"
            ),
        ),
        None => Said::new("this platform forgot them", "esta plataforma os esqueceu"),
    };
    let cursor = quoted(&cursor.0);
    Err(refuse(
        shared,
        ApiError::CursorExpired {
            message: Said::new(
                format!(
                    "events after `{cursor}` were forgotten before you read them (the newest forgotten: `{newest}`): {}, and this cursor is older. Read the payments you are waiting for with GET /v1/payments/{{id}} (a forgotten one answers 410 `forgotten`), then {}; read the log more often than that, or keep events longer",
                    keeps.en, restart.en
                ),
                format!(
                    "eventos depois de `{cursor}` foram esquecidos antes que você os lesse (o mais novo esquecido: `{newest}`): {}, e este cursor é mais antigo. Leia os pagamentos que você está esperando com GET /v1/payments/{{id}} (um esquecido responde 410 `forgotten`), depois {}; leia o log com mais frequência, ou guarde os eventos por mais tempo",
                    keeps.pt_br, restart.pt_br
                ),
            ),
        },
    ))
}

/// A read of the event log that does not wait: one page after the cursor,
/// answered conditionally. What [`super::long_poll::events`] does when it is
/// not asked to wait, without its future; the handler and the fast path
/// both answer here.
pub(super) fn answer_now(
    shared: &Shared,
    merchant: &MerchantId,
    after: Option<EventId>,
    limit: usize,
    headers: &super::conditional::IfNoneMatch,
) -> Response {
    let page = shared
        .ledger()
        .list_events(merchant, after.as_ref(), limit, &shared.clock);
    let etag = super::conditional::page_etag(after.as_ref(), limit, &page);
    let (response, not_modified) =
        super::conditional::answer(shared, merchant, headers, etag, || page_response(&page));
    if !not_modified {
        shared.served.event_lists.fetch_add(1, Ordering::Relaxed);
    }
    let mut response = response;
    mark_forgotten(shared, merchant, after.as_ref(), &mut response);
    response
}

/// `page` as axum's `Json` answers it. An empty page (nearly every answer
/// to an event poller) is written directly, `{"data":[],"has_more":false,
/// "next_after":…}`, when its cursor is plain ASCII that JSON writes as it
/// is; anything else goes through serde.
fn page_response(page: &EventPage) -> Response {
    if page.data.is_empty() && !page.has_more {
        let cursor = page.next_after.as_ref().map(EventId::as_str);
        if cursor.is_none_or(|c| c.bytes().all(plain_json)) {
            return super::payments::json_response(Bytes::from(empty_page(cursor)));
        }
    }
    Json(page).into_response()
}

/// A byte JSON writes unescaped inside a string (and that ids are made of).
fn plain_json(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The JSON of an empty last page whose cursor is `cursor`.
fn empty_page(cursor: Option<&str>) -> Vec<u8> {
    const HEAD: &[u8] = br#"{"data":[],"has_more":false,"next_after":"#;
    let mut json = Vec::with_capacity(HEAD.len() + cursor.map_or(4, str::len) + 3);
    json.extend_from_slice(HEAD);
    match cursor {
        Some(c) => {
            json.push(b'"');
            json.extend_from_slice(c.as_bytes());
            json.push(b'"');
        }
        None => json.extend_from_slice(b"null"),
    }
    json.push(b'}');
    json
}

/// A value as an error message quotes it: control characters escaped, and
/// at most 64 characters (a 5,000-character cursor is not echoed whole).
fn quoted(value: &str) -> String {
    let shown = hooklab_core::printable::escape_controls(value);
    match shown.char_indices().nth(64) {
        Some((at, _)) => format!("{}…", &shown[..at]),
        None => shown,
    }
}

/// A page's `limit`: 100 when not given, refused outside 1..=[`MAX_LIMIT`]
/// (both paged routes, the event log and an event's attempts, read it so).
fn page_limit(shared: &Shared, limit: Option<usize>) -> Result<usize, ApiError> {
    let limit = limit.unwrap_or(100);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(refuse(
            shared,
            ApiError::BadParameter {
                name: "limit",
                message: Said::new(
                    format!("must be {LIMIT_TAKES}, got `{limit}`"),
                    format!("deve ser {LIMIT_TAKES_PT}; veio `{limit}`"),
                ),
            },
        ));
    }
    Ok(limit)
}

/// What `GET /v1/events/{id}/attempts` takes: `starting_after`, the `seq`
/// of the last attempt already seen, and `limit`.
const ATTEMPTS_PARAMS: Params = Params {
    route: "GET /v1/events/{id}/attempts",
    takes: &[
        (
            "starting_after",
            "the `seq` of the last attempt you saw, a whole number",
            "o `seq` da última tentativa que você viu, um número inteiro",
        ),
        ("limit", LIMIT_TAKES, LIMIT_TAKES_PT),
    ],
};

/// `GET /v1/events/{id}/attempts?starting_after=<seq>&limit=N`: a page of
/// one event's kept attempts (at most [`MAX_LIMIT`], 100 by default), each
/// with its `seq`; `has_more` says whether to ask again with the last `seq`.
pub(crate) async fn attempts(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    Path(id): Path<String>,
    uri: http::Uri,
) -> Result<Response, ApiError> {
    let (starting_after, limit) = (|| {
        let mut values = super::query::pairs(&uri, &ATTEMPTS_PARAMS)?.into_iter();
        let (after, limit) = (values.next().flatten(), values.next().flatten());
        let after: Option<u64> = after
            .map(|t| number_of(&ATTEMPTS_PARAMS, "starting_after", &t))
            .transpose()?;
        let limit: Option<usize> = limit
            .map(|t| number_of(&ATTEMPTS_PARAMS, "limit", &t))
            .transpose()?;
        Ok((after, limit))
    })()
    .map_err(|e| refuse(&shared, e))?;
    let limit = page_limit(&shared, limit)?;
    let id = EventId(id);
    let (found, forgotten) = {
        let ledger = shared.ledger();
        (
            ledger.event(&merchant, &id).is_some(),
            ledger.event_forgotten(&id),
        )
    };
    if forgotten {
        return Err(shared.forgotten("event", id.0));
    }
    if !found {
        return Err(refuse(
            &shared,
            ApiError::NotFound {
                what: "event",
                id: id.0,
            },
        ));
    }
    let (page, has_more) = shared
        .deliveries
        .page(&id, starting_after.unwrap_or(0), limit);
    Ok(Json(json!({ "data": page, "has_more": has_more })).into_response())
}

/// `POST /v1/events/{id}/redeliver`: resends one event to every endpoint of
/// the merchant, with the same event id, at most
/// `Retention::redeliveries_per_event` times.
pub(crate) async fn redeliver(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    _: super::query::NoQuery,
    Path(id): Path<String>,
    headers: http::HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    // No body is read here; one that is sent is checked all the same (see
    // `content`).
    if !body.is_empty() {
        super::content::readable(&headers).map_err(|e| refuse(&shared, e))?;
    }
    let id = EventId(id);
    let limit = shared.config.retention.redeliveries_per_event;
    let (event, outbox) = {
        let mut ledger = shared.ledger();
        if ledger.event_forgotten(&id) {
            drop(ledger);
            return Err(shared.forgotten("event", id.0));
        }
        let event = ledger.redeliver(&merchant, &id, limit, &shared.clock);
        let outbox = match &event {
            Ok(_) if shared.store.is_durable() => {
                let count = ledger.event(&merchant, &id).map(|e| e.redeliveries);
                let endpoints: Vec<_> = ledger
                    .endpoints_of(&merchant, None)
                    .into_iter()
                    .map(|e| e.id)
                    .collect();
                let now_us = shared.clock.unix_us(shared.clock.now());
                shared
                    .store
                    .resend(&id, count, &endpoints, now_us)
                    .map_err(|e| shared.store_failed(e))?
            }
            _ => None,
        };
        (event, outbox)
    };
    let event = event.map_err(|at_limit| {
        refuse(
            &shared,
            if at_limit {
                ApiError::RedeliveryLimit {
                    id: id.0.clone(),
                    limit,
                }
            } else {
                ApiError::NotFound {
                    what: "event",
                    id: id.0.clone(),
                }
            },
        )
    })?;
    shared.dispatch(event, merchant, None, outbox);
    Ok((StatusCode::ACCEPTED, Json(json!({ "redelivering": id }))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::HttpBody as _;

    async fn body_of(response: Response) -> (Vec<(String, String)>, Vec<u8>) {
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let mut body = response.into_body();
        let mut bytes = Vec::new();
        while let Some(frame) =
            std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
        {
            if let Ok(data) = frame.unwrap().into_data() {
                bytes.extend_from_slice(&data);
            }
        }
        (headers, bytes)
    }

    /// The empty page written by hand is the page serde writes, byte for
    /// byte, headers included; a cursor JSON would escape goes to serde.
    #[tokio::test]
    async fn an_empty_page_is_written_as_axum_json_writes_it() {
        for cursor in [
            None,
            Some("evt_000042"),
            Some("evt_1a2b3c4d_000001"),
            Some("a\"b\\c\u{1}"),
        ] {
            let page = EventPage {
                data: vec![],
                has_more: false,
                next_after: cursor.map(|c| EventId(c.to_owned())),
            };
            let ours = body_of(page_response(&page)).await;
            let serde = body_of(Json(&page).into_response()).await;
            assert_eq!(ours, serde, "{cursor:?}");
        }
    }
}
