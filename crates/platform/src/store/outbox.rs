//! The dispatcher's side of the outbox: which endpoints a queued event goes
//! to (the rows its settlement committed, or, for a dual write, rows written
//! only now), and the update of a row dropped without an attempt.

use super::{AttemptRow, OutboxMode, OutboxRow, OutboxState};
use crate::Shared;
use crate::dispatch::Dispatch;
use crate::ledger::EndpointRecord;
use hooklab_core::ids::{EndpointId, EventId};
use hooklab_core::wire::DeliveryState;

/// Where one queued event goes: each endpoint, with its outbox row when the
/// store wrote one. Rows whose endpoint was deleted or disabled since are
/// marked dropped.
pub(crate) fn targets(
    shared: &Shared,
    dispatch: &Dispatch,
) -> Vec<(EndpointRecord, Option<OutboxRow>)> {
    let Some(rows) = &dispatch.outbox else {
        let endpoints = shared
            .ledger()
            .endpoints_of(&dispatch.merchant, dispatch.only.as_ref());
        if shared.store.is_durable() && shared.config.outbox == OutboxMode::DualWrite {
            // The second write of a dual write: the outbox rows, only now.
            let ids: Vec<EndpointId> = endpoints.iter().map(|e| e.id.clone()).collect();
            let now_us = shared.clock.unix_us(shared.clock.now());
            match shared.store.resend(&dispatch.event.id, None, &ids, now_us) {
                Ok(Some(rows)) => {
                    return endpoints
                        .into_iter()
                        .zip(rows.into_iter().map(Some))
                        .collect();
                }
                Ok(None) => {}
                Err(e) => {
                    shared.store_failed(e);
                    return Vec::new();
                }
            }
        }
        return endpoints.into_iter().map(|e| (e, None)).collect();
    };
    let mut targets = Vec::with_capacity(rows.len());
    let mut dropped = Vec::new();
    {
        let ledger = shared.ledger();
        for row in rows {
            match ledger.endpoint_by_id(&row.endpoint) {
                Some(e) if !e.disabled => targets.push((e.clone(), Some(row.clone()))),
                _ => dropped.push(row.clone()),
            }
        }
    }
    for row in dropped {
        shared.attempt_queue.push(dropped_row(
            shared,
            row.id,
            &dispatch.event.id,
            &row.endpoint,
        ));
    }
    targets
}

/// An outbox row's update for a delivery dropped without an attempt.
pub(crate) fn dropped_row(
    shared: &Shared,
    outbox_id: i64,
    event: &EventId,
    endpoint: &EndpointId,
) -> AttemptRow {
    AttemptRow {
        outbox_id,
        event_id: event.clone(),
        endpoint_id: endpoint.clone(),
        attempt: 0,
        state: OutboxState::Dropped,
        event_state: DeliveryState::Failed,
        started_us: shared.clock.unix_us(shared.clock.now()),
        duration_us: 0,
        result: "endpoint disabled or deleted".to_owned(),
        next_attempt_at_us: None,
    }
}
