//! The event log: list (cursor-paged), attempts, redeliver.
//!
//! `GET /v1/events?after=<event id>&limit=N` is also how a shop can *poll for
//! events* instead of polling each payment: one request returns everything
//! new since its cursor, and a page that comes back empty is a wasted poll.

use super::{Caller, refuse};
use crate::Shared;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hooklab_core::duration::Dur;
use hooklab_core::ids::{EventId, MerchantId};
use hooklab_core::wire::EventPage;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The largest page.
const MAX_LIMIT: usize = 1_000;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    after: Option<String>,
    limit: Option<usize>,
    /// A long poll's wait (see [`super::long_poll`]).
    wait: Option<String>,
}

impl ListQuery {
    /// The query of `uri`, read by [`super::query::plain`] when it can be,
    /// by axum's `Query` otherwise (and for every refusal).
    fn of(uri: &http::Uri) -> Result<Query<ListQuery>, axum::extract::rejection::QueryRejection> {
        let mut q = ListQuery::default();
        let plain = super::query::plain(uri.query(), &["after", "limit", "wait"], |i, v| {
            match i {
                0 => q.after = Some(v.to_owned()),
                1 => q.limit = Some(super::query::number(v)?),
                _ => q.wait = Some(v.to_owned()),
            }
            Some(())
        });
        match plain {
            Some(()) => Ok(Query(q)),
            None => Query::try_from_uri(uri),
        }
    }
}

/// `GET /v1/events`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    uri: http::Uri,
    headers: super::conditional::IfNoneMatch,
) -> Result<Response, ApiError> {
    let Query(query) = ListQuery::of(&uri).map_err(|e| {
        refuse(
            &shared,
            ApiError::InvalidRequest(format!(
                "bad query: {e}; use ?after=<event id>&limit=<1..1000>"
            )),
        )
    })?;
    let (after, limit, wait) = checked(&shared, &merchant, query)?;
    match wait {
        None => Ok(answer_now(&shared, &merchant, after, limit, &headers)),
        Some(_) => super::long_poll::events(&shared, &merchant, after, limit, wait, &headers).await,
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
                ApiError::BadParameter {
                    name: "after",
                    message: format!(
                        "`{}` is none of your events; send the id of the last event you received, or no `after` to start from the first",
                        quoted(&cursor.0)
                    ),
                },
            ));
        }
    }
    Ok((after, limit, wait))
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
            ApiError::InvalidField {
                field: "limit",
                message: format!("must be between 1 and {MAX_LIMIT}, got {limit}"),
            },
        ));
    }
    Ok(limit)
}

/// The query of `GET /v1/events/{id}/attempts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AttemptsQuery {
    /// The `seq` of the last attempt already seen.
    starting_after: Option<u64>,
    limit: Option<usize>,
}

/// `GET /v1/events/{id}/attempts?starting_after=<seq>&limit=N`: a page of
/// one event's kept attempts (at most [`MAX_LIMIT`], 100 by default), each
/// with its `seq`; `has_more` says whether to ask again with the last `seq`.
pub(crate) async fn attempts(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    Path(id): Path<String>,
    query: Result<Query<AttemptsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| {
        refuse(
            &shared,
            ApiError::InvalidRequest(format!(
                "bad query: {e}; use ?starting_after=<seq>&limit=<1..1000>"
            )),
        )
    })?;
    let limit = page_limit(&shared, query.limit)?;
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
        .page(&id, query.starting_after.unwrap_or(0), limit);
    Ok(Json(json!({ "data": page, "has_more": has_more })).into_response())
}

/// `POST /v1/events/{id}/redeliver`: resends one event to every endpoint of
/// the merchant, with the same event id, at most
/// `Retention::redeliveries_per_event` times.
pub(crate) async fn redeliver(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
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
