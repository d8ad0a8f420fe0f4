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
use hooklab_core::ids::EventId;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// The largest page.
const MAX_LIMIT: usize = 1_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    after: Option<String>,
    limit: Option<usize>,
    /// A long poll's wait (see [`super::long_poll`]).
    wait: Option<String>,
}

/// `GET /v1/events`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| {
        refuse(
            &shared,
            ApiError::InvalidRequest(format!(
                "bad query: {e}; use ?after=<event id>&limit=<1..1000>"
            )),
        )
    })?;
    let limit = query.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(refuse(
            &shared,
            ApiError::InvalidField {
                field: "limit",
                message: format!("must be between 1 and {MAX_LIMIT}, got {limit}"),
            },
        ));
    }
    let wait = super::long_poll::parse_wait(&shared, query.wait.as_deref())?;
    let after = query.after.map(EventId);
    super::long_poll::events(&shared, &merchant, after, limit, wait, &headers).await
}

/// `GET /v1/events/{id}/attempts`.
pub(crate) async fn attempts(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = EventId(id);
    if shared.ledger().event(&merchant, &id).is_none() {
        return Err(refuse(
            &shared,
            ApiError::NotFound {
                what: "event",
                id: id.0,
            },
        ));
    }
    let attempts: Vec<_> = shared
        .deliveries
        .attempts()
        .into_iter()
        .filter(|a| a.event_id == id)
        .collect();
    Ok(Json(json!({ "data": attempts })).into_response())
}

/// `POST /v1/events/{id}/redeliver`: resends one event to every endpoint of
/// the merchant, with the same event id.
pub(crate) async fn redeliver(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = EventId(id);
    let event = shared
        .ledger()
        .event(&merchant, &id)
        .map(|r| r.event.clone());
    let event = event.ok_or_else(|| {
        refuse(
            &shared,
            ApiError::NotFound {
                what: "event",
                id: id.0.clone(),
            },
        )
    })?;
    shared.dispatch(event, merchant, None);
    Ok((StatusCode::ACCEPTED, Json(json!({ "redelivering": id }))).into_response())
}
