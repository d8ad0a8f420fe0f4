//! The events log: every settlement's event, in order, with its delivery
//! state, paged per merchant by cursor (`GET /v1/events?after=`).
//!
//! Events are numbered as they are appended (`evt_000001` is the first), so
//! an event's number is its place in the log and a lookup is an index. An
//! event keeps numbers, not the event itself: its payment is the payment's
//! record as it settled, so the event is built from that record when it is
//! listed or sent again. A forgotten event (see [`super::forget`]) leaves
//! its number a valid cursor: a page after it starts after it.

use super::Ledger;
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::ids::{EventId, MerchantId};
use hooklab_core::wire::{DeliveryState, Event, EventPage, ListedEvent};

/// One event in the log.
#[derive(Clone, Debug)]
pub(crate) struct EventRecord {
    /// The number of the payment it announces.
    pub(crate) payment: u64,
    pub(crate) state: DeliveryState,
    pub(crate) attempts: u32,
    /// `redeliver` calls so far (bounded by the platform's retention).
    pub(crate) redeliveries: u32,
    /// Dispatches queued for it and deliveries of it still going (each a
    /// chain of attempts to one endpoint): the event is finished when none
    /// is left.
    pub(crate) open: u32,
}

impl Ledger {
    /// The number of event `id`, if `id` is spelled exactly as the ledger
    /// spells its ids: `evt_1` and `evt_+1` are not `evt_000001`.
    pub(super) fn event_number(&self, id: &EventId) -> Option<u64> {
        id.number_in(&self.epoch).filter(|&n| n >= 1)
    }

    /// Whether event `id` was made here and forgotten since.
    pub(crate) fn event_forgotten(&self, id: &EventId) -> bool {
        self.event_number(id)
            .is_some_and(|n| self.events.forgotten(n))
    }

    /// Event `number` as it is delivered, and its merchant.
    fn build_event(&self, number: u64, clock: &Clock) -> Option<(Event, MerchantId)> {
        let record = self.events.get(number)?;
        let payment = self.payments.get(record.payment)?;
        let event = Event {
            id: EventId::numbered_in(&self.epoch, number),
            kind: payment.outcome.event_type(),
            created_at: clock.rfc3339(payment.settles_at),
            data: payment.to_wire(clock),
        };
        Some((event, payment.merchant.clone()))
    }

    /// `merchant`'s event `id` (None for another merchant's).
    pub(crate) fn event(&self, merchant: &MerchantId, id: &EventId) -> Option<&EventRecord> {
        let record = self.events.get(self.event_number(id)?)?;
        let payment = self.payments.get(record.payment)?;
        (&payment.merchant == merchant).then_some(record)
    }

    /// Event `id`, of any merchant, as it is delivered, and its merchant.
    pub(crate) fn event_by_id(&self, id: &EventId, clock: &Clock) -> Option<(Event, MerchantId)> {
        self.build_event(self.event_number(id)?, clock)
    }

    /// A page of `merchant`'s events after the cursor `after` (exclusive).
    pub(crate) fn list_events(
        &self,
        merchant: &MerchantId,
        after: Option<&EventId>,
        limit: usize,
        clock: &Clock,
    ) -> EventPage {
        let mine = self.events_by_merchant.get(merchant);
        let numbers = mine.into_iter().flatten().copied();
        // Without a cursor the log starts after its horizon (see
        // `Ledger::log_horizon`): from there on nothing was forgotten, so
        // the cursors it hands out are good ones. An event kept from before
        // it (one retried for days) is still an event, not part of the log.
        let horizon = match after {
            None => self.log_horizon(merchant),
            Some(_) => None,
        };
        let start = match after.and_then(|a| self.event_number(a)).or(horizon) {
            // Numbers are increasing: the first one after the cursor.
            Some(cursor) => mine.map_or(0, |m| m.partition_point(|&n| n <= cursor)),
            None => 0,
        };
        // Numbers of forgotten events may remain between kept ones; they
        // are skipped.
        let mut kept = numbers.skip(start).filter_map(|n| {
            let r = self.events.get(n)?;
            let (event, _) = self.build_event(n, clock)?;
            Some(ListedEvent {
                event,
                delivery_state: r.state,
                delivery_attempts: r.attempts,
            })
        });
        let page: Vec<ListedEvent> = kept.by_ref().take(limit).collect();
        let has_more = kept.next().is_some();
        let next_after = page
            .last()
            .map(|e| e.event.id.clone())
            .or_else(|| after.cloned())
            .or_else(|| horizon.map(|h| EventId::numbered_in(&self.epoch, h)));
        EventPage {
            has_more,
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
        clock: &Clock,
    ) -> Result<Event, bool> {
        let number = self.event_number(id).ok_or(false)?;
        if self.event(merchant, id).is_none() {
            return Err(false);
        }
        let (event, _) = self.build_event(number, clock).ok_or(false)?;
        let record = self.events.get_mut(number).ok_or(false)?;
        if record.redeliveries >= limit {
            return Err(true);
        }
        record.redeliveries += 1;
        Ok(event)
    }

    /// Records an attempt's outcome on the event's delivery state; `ended`
    /// when it was the last attempt of its delivery.
    pub(crate) fn note_attempt(
        &mut self,
        id: &EventId,
        state: DeliveryState,
        ended: bool,
        now: Micros,
    ) {
        let Some(number) = self.event_number(id) else {
            return;
        };
        if let Some(r) = self.events.get_mut(number) {
            r.attempts += 1;
            // Once an endpoint acknowledged, the event stays delivered.
            if r.state != DeliveryState::Succeeded {
                r.state = state;
            }
        }
        if ended {
            self.deliveries_changed(number, -1, now);
        }
    }

    /// `merchant`'s events created at or after `since` that no endpoint
    /// acknowledged and that nothing is delivering any more: failed (the
    /// schedule ran out), dropped (their endpoint was disabled while they
    /// were retried), or never sent (they settled while it was disabled).
    /// An event still on its retry schedule is left to it.
    pub(crate) fn failed_since(
        &self,
        merchant: &MerchantId,
        since: Micros,
        clock: &Clock,
    ) -> Vec<Event> {
        self.events_by_merchant
            .get(merchant)
            .into_iter()
            .flatten()
            .filter(|&&n| {
                self.events.get(n).is_some_and(|r| {
                    r.state != DeliveryState::Succeeded
                        && r.open == 0
                        && self
                            .payments
                            .get(r.payment)
                            .is_some_and(|p| p.settles_at >= since)
                })
            })
            .filter_map(|&n| Some(self.build_event(n, clock)?.0))
            .collect()
    }
}
