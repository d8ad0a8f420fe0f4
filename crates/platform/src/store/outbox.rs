//! The dispatcher's side of the outbox: which endpoints a queued event goes
//! to (the rows its settlement committed, or, for a dual write, rows written
//! only now), and the update of a row dropped without an attempt.

use super::{AttemptRow, OutboxMode, OutboxRow, OutboxState};
use crate::Shared;
use crate::dispatch::{Dispatch, EndpointCache};
use crate::ledger::EndpointRecord;
use hooklab_core::ids::{EndpointId, EventId};
use hooklab_core::wire::DeliveryState;
use std::sync::Arc;

/// Each endpoint an event goes to, with its outbox row when the store wrote
/// one.
pub(crate) type Targets = Vec<(Arc<EndpointRecord>, Option<OutboxRow>)>;

/// Where one queued event goes: each endpoint, with its outbox row when the
/// store wrote one, and the endpoints' version they were read enabled at
/// (see the dispatcher's `EndpointCache`, which reads them). Rows whose
/// endpoint was deleted or disabled since are marked dropped.
pub(crate) fn targets(
    shared: &Shared,
    dispatch: &Dispatch,
    cache: &mut EndpointCache,
) -> (Targets, u64) {
    let Some(rows) = &dispatch.outbox else {
        let (endpoints, version) = match &dispatch.only {
            // A redelivery or a recovery, to one endpoint: rare, read as it is.
            Some(only) => {
                let ledger = shared.ledger();
                let version = cache.current();
                let list: Vec<Arc<EndpointRecord>> = ledger
                    .endpoints_of(&dispatch.merchant, Some(only))
                    .into_iter()
                    .map(Arc::new)
                    .collect();
                (list.into(), version)
            }
            None => cache.of_merchant(shared, &dispatch.merchant),
        };
        if shared.store.is_durable() && shared.config.outbox == OutboxMode::DualWrite {
            // The second write of a dual write: the outbox rows, only now.
            let ids: Vec<EndpointId> = endpoints.iter().map(|e| e.id.clone()).collect();
            let now_us = shared.clock.unix_us(shared.clock.now());
            match shared.store.resend(&dispatch.event.id, None, &ids, now_us) {
                Ok(Some(rows)) => {
                    let targets = endpoints
                        .iter()
                        .cloned()
                        .zip(rows.into_iter().map(Some))
                        .collect();
                    return (targets, version);
                }
                Ok(None) => {}
                Err(e) => {
                    shared.store_failed(e);
                    return (Vec::new(), version);
                }
            }
        }
        let targets = endpoints.iter().map(|e| (e.clone(), None)).collect();
        return (targets, version);
    };
    let (found, version) = cache.by_ids(shared, rows.iter().map(|row| &row.endpoint));
    let mut targets = Vec::with_capacity(rows.len());
    for (row, endpoint) in rows.iter().zip(found) {
        match endpoint {
            Some(e) => targets.push((e, Some(row.clone()))),
            None => shared.attempt_queue.push(dropped_row(
                shared,
                row.id,
                &dispatch.event.id,
                &row.endpoint,
            )),
        }
    }
    (targets, version)
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
