//! The events log: every settlement's event, in order, with its delivery
//! state, paged per merchant by cursor (`GET /v1/events?after=`).
//!
//! Events are numbered as they are appended (`evt_000001` is the first), so
//! an event's number is its place in the log and a lookup is an index.

use super::Ledger;
use hooklab_core::clock::Micros;
use hooklab_core::ids::{EventId, MerchantId};
use hooklab_core::wire::{DeliveryState, Event, EventPage, ListedEvent};

/// One event in the log.
#[derive(Clone, Debug)]
pub(crate) struct EventRecord {
    pub(crate) event: Event,
    pub(crate) merchant: MerchantId,
    pub(crate) created: Micros,
    pub(crate) state: DeliveryState,
    pub(crate) attempts: u32,
    /// `redeliver` calls so far (bounded by the platform's retention).
    pub(crate) redeliveries: u32,
}

impl Ledger {
    /// Where event `id` is in `events`, if `id` is spelled exactly as the
    /// ledger spells its ids: `evt_1` and `evt_+1` are not `evt_000001`.
    pub(super) fn event_index(&self, id: &EventId) -> Option<usize> {
        usize::try_from(id.number_in(&self.epoch)?)
            .ok()?
            .checked_sub(1)
    }

    /// `merchant`'s event `id` (None for another merchant's).
    pub(crate) fn event(&self, merchant: &MerchantId, id: &EventId) -> Option<&EventRecord> {
        self.events
            .get(self.event_index(id)?)
            .filter(|e| &e.merchant == merchant)
    }

    /// Event `id`, of any merchant.
    pub(crate) fn event_by_id(&self, id: &EventId) -> Option<&EventRecord> {
        self.events.get(self.event_index(id)?)
    }

    /// A page of `merchant`'s events after the cursor `after` (exclusive).
    pub(crate) fn list_events(
        &self,
        merchant: &MerchantId,
        after: Option<&EventId>,
        limit: usize,
    ) -> EventPage {
        let mine: &[usize] = self
            .events_by_merchant
            .get(merchant)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let start = match after.and_then(|a| self.event_index(a)) {
            // Indices are increasing: the first one after the cursor.
            Some(cursor) => mine.partition_point(|&i| i <= cursor),
            None => 0,
        };
        let page: Vec<ListedEvent> = mine[start..]
            .iter()
            .take(limit)
            .map(|&i| {
                let r = &self.events[i];
                ListedEvent {
                    event: r.event.clone(),
                    delivery_state: r.state,
                    delivery_attempts: r.attempts,
                }
            })
            .collect();
        let next_after = page
            .last()
            .map(|e| e.event.id.clone())
            .or_else(|| after.cloned());
        EventPage {
            has_more: start + page.len() < mine.len(),
            data: page,
            next_after,
        }
    }

    /// Counts a redelivery of `merchant`'s event `id` if fewer than `limit`
    /// were made: the event, or `Err(true)` at the limit, `Err(false)` when
    /// there is no such event.
    pub(crate) fn redeliver(
        &mut self,
        merchant: &MerchantId,
        id: &EventId,
        limit: u32,
    ) -> Result<Event, bool> {
        let index = self.event_index(id).ok_or(false)?;
        let record = self
            .events
            .get_mut(index)
            .filter(|e| &e.merchant == merchant)
            .ok_or(false)?;
        if record.redeliveries >= limit {
            return Err(true);
        }
        record.redeliveries += 1;
        Ok(record.event.clone())
    }

    /// Records an attempt's outcome on the event's delivery state.
    pub(crate) fn note_attempt(&mut self, id: &EventId, state: DeliveryState) {
        if let Some(r) = self.event_index(id).and_then(|i| self.events.get_mut(i)) {
            r.attempts += 1;
            // Once an endpoint acknowledged, the event stays delivered.
            if r.state != DeliveryState::Succeeded {
                r.state = state;
            }
        }
    }

    /// `merchant`'s failed events created at or after `since`.
    pub(crate) fn failed_since(&self, merchant: &MerchantId, since: Micros) -> Vec<Event> {
        self.events
            .iter()
            .filter(|r| {
                &r.merchant == merchant && r.state == DeliveryState::Failed && r.created >= since
            })
            .map(|r| r.event.clone())
            .collect()
    }
}
