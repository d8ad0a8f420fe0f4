//! Polling the event log (`poll_events`), from the run's plan.
//!
//! Each merchant's shop has one `EventPoller` (`crates/shop/src/poll.rs`)
//! with one cursor: every T (from the poller's start) it asks for every
//! event after the cursor, a page of at most `page_size` at a time, until a
//! page says there is nothing more. Each page is one request (a round
//! trip); a first page with nothing new is a wasted poll. An event exists
//! once the platform's settlement worker settled its payment.
//!
//! Nothing here assumes how settlements arrive (the textbook `e^(−λT)` and
//! `T/2` hold only for a Poisson stream): the settlement instants are known
//! before the run (arrival + request leg + settlement delay), so the model
//! replays the poller's rules over them, merchant by merchant:
//!
//! - poll k is due at `start + kT`, leaves after its timer's lateness or
//!   when the previous poll's last page came back, whichever is later;
//! - page reads at `send + request leg`, sees every event visible by then
//!   (settled at or before the read), takes `page_size` of them; the next
//!   page leaves when its answer is back;
//! - every order of a page is learned when the page's answer arrives;
//! - the run ends when the last order of *all* merchants is learned; every
//!   merchant's poller has polled at every tick before that, including the
//!   poll that finds the last settlement (the final poll the old model left
//!   out), and a poll on the wire at the end is finished and counted.
//!
//! Ties (a read at the very microsecond an event appears) count as seen.
//!
//! Under `[network] partitions` ([`event_poll_costs_through`]) a page that
//! leaves, or would arrive, inside a window fails uncounted and ends that
//! tick's paging (the shop breaks out of its loop); its cursor stays, so
//! the next tick's first page reads everything the window held back, page
//! after page. With no window the replay is the one above, to the bit.

use super::partition::Partitions;
use super::poll::Legs;

/// One settlement, as a merchant's event poller sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EventArrival {
    /// The merchant (0-based).
    pub merchant: u32,
    /// The scheduled settlement instant, µs on the run's clock: delays
    /// count from here.
    pub settled_us: f64,
    /// When its event appeared in the log, µs (the settlement worker's
    /// wake-up: scheduled plus its lateness).
    pub visible_us: f64,
}

/// A merchant's event poller, as the model replays it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EventPolling {
    /// Every merchant's poller starts here, µs on the run's clock.
    pub start_us: f64,
    /// Time between two polls, µs.
    pub interval_us: f64,
    /// Events per page (at least 1).
    pub page_size: usize,
    /// The merchants (each has a poller, even one with no order).
    pub merchants: u32,
    /// Legs and timer lateness.
    pub legs: Legs,
}

/// What the event pollers did, in total over all merchants.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EventCosts {
    /// Polls (ticks) over all merchants.
    pub polls: u64,
    /// Pages fetched: the requests.
    pub pages: u64,
    /// Pages with nothing new: the wasted requests.
    pub wasted: u64,
    /// Orders learned.
    pub learned: u64,
    /// Sum of their delays (answer minus scheduled settlement), µs.
    pub delay_sum_us: f64,
    /// When the last order was learned, µs on the run's clock.
    pub end_us: f64,
}

impl EventCosts {
    /// Mean delay, µs (0 if nothing was learned).
    pub fn delay_mean_us(&self) -> f64 {
        if self.learned == 0 {
            0.0
        } else {
            self.delay_sum_us / self.learned as f64
        }
    }

    /// Share of requests that found nothing new.
    pub fn wasted_share(&self) -> f64 {
        if self.pages == 0 {
            0.0
        } else {
            self.wasted as f64 / self.pages as f64
        }
    }
}

/// One merchant's poller over its own events (sorted by visibility).
struct MerchantRun<'a> {
    events: &'a [EventArrival],
    p: &'a EventPolling,
    windows: &'a Partitions,
}

/// What one merchant's polls did up to a stopping rule.
#[derive(Default)]
struct MerchantTally {
    polls: u64,
    pages: u64,
    wasted: u64,
    delay_sum_us: f64,
    /// When its last event was learned.
    last_learned_us: f64,
}

impl MerchantRun<'_> {
    /// Replays polls while `keep_going(send instant, events learned so far)`.
    fn replay(&self, keep_going: impl Fn(f64, usize) -> bool) -> MerchantTally {
        let p = self.p;
        let mut t = MerchantTally::default();
        let mut cursor = 0usize;
        let mut free_at = f64::NEG_INFINITY;
        for k in 1u64.. {
            let due = p.start_us + k as f64 * p.interval_us;
            let send = (due + p.legs.timer_late_us).max(free_at);
            if !keep_going(send, cursor) {
                break;
            }
            t.polls += 1;
            let mut page_send = send;
            loop {
                if let Some(back) = self.windows.refusal(page_send, p.legs.request_us) {
                    // Refused: not an answer, not counted; the next tick
                    // pages again from the same cursor.
                    page_send = back;
                    break;
                }
                let read = page_send + p.legs.request_us;
                let answer = read + p.legs.response_us;
                let visible = self.events[cursor..].partition_point(|e| e.visible_us <= read);
                let take = visible.min(p.page_size.max(1));
                t.pages += 1;
                if take == 0 {
                    t.wasted += 1;
                }
                for e in &self.events[cursor..cursor + take] {
                    t.delay_sum_us += answer - e.settled_us;
                }
                if take > 0 {
                    t.last_learned_us = answer;
                }
                cursor += take;
                page_send = answer;
                // `has_more`: more were visible than the page could hold.
                if visible <= take {
                    break;
                }
            }
            free_at = page_send;
        }
        t
    }
}

/// Replays every merchant's event poller over `arrivals` (any order).
pub fn event_poll_costs(arrivals: &[EventArrival], p: &EventPolling) -> EventCosts {
    event_poll_costs_through(arrivals, p, &Partitions::default(), f64::NEG_INFINITY)
}

/// [`event_poll_costs`] through partition windows (see the module docs),
/// on a run that lasts at least until `end_at_least_us` (the instant its
/// last order whose creation every try failed was given up: the shop
/// knows that order's outcome then, and every poller polls until the
/// last outcome is known).
pub fn event_poll_costs_through(
    arrivals: &[EventArrival],
    p: &EventPolling,
    windows: &Partitions,
    end_at_least_us: f64,
) -> EventCosts {
    let mut by_merchant: Vec<Vec<EventArrival>> = vec![Vec::new(); p.merchants.max(1) as usize];
    for a in arrivals {
        if let Some(list) = by_merchant.get_mut(a.merchant as usize) {
            list.push(*a);
        }
    }
    for list in &mut by_merchant {
        // The log lists events in the order they were settled.
        list.sort_by(|a, b| a.visible_us.total_cmp(&b.visible_us));
    }
    if p.interval_us <= 0.0 {
        return EventCosts::default();
    }
    // First pass: when each merchant learns its last order; the run ends at
    // the latest of those.
    let end = by_merchant
        .iter()
        .filter(|events| !events.is_empty())
        .map(|events| {
            let run = MerchantRun { events, p, windows };
            run.replay(|_, learned| learned < events.len())
                .last_learned_us
        })
        .fold(p.start_us.max(end_at_least_us), f64::max);
    // Second pass: every poll that left by the end, with its pages (a poll
    // on the wire is finished and counted; timers that fire at the very
    // instant the last order is learned fire before the run can stop them).
    // A merchant's own polls up to its last order are in the count anyway.
    let mut costs = EventCosts {
        end_us: end,
        ..EventCosts::default()
    };
    for events in &by_merchant {
        let run = MerchantRun { events, p, windows };
        let t = run.replay(|send, learned| send <= end || learned < events.len());
        costs.polls += t.polls;
        costs.pages += t.pages;
        costs.wasted += t.wasted;
        costs.learned += events.len() as u64;
        costs.delay_sum_us += t.delay_sum_us;
    }
    costs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(merchant: u32, ms: f64) -> EventArrival {
        EventArrival {
            merchant,
            settled_us: ms * 1e3,
            visible_us: ms * 1e3,
        }
    }

    fn polling(interval_ms: f64, page_size: usize, merchants: u32, legs: Legs) -> EventPolling {
        EventPolling {
            start_us: 0.0,
            interval_us: interval_ms * 1e3,
            page_size,
            merchants,
            legs,
        }
    }

    #[test]
    fn regular_arrivals_by_hand() {
        // One settlement every 200 ms (at 50, 250, …, 10 of them, the last
        // at 1850 ms), polls every 100 ms, no network: polls at 100, 200,
        // …, 1900. The poll at 1900 finds the last one: 19 polls, 10 of them
        // find one event each, 9 are wasted (47.4%, not the e^(−λT) =
        // e^(−0.5) = 60.7% of a Poisson stream of the same rate). Each event
        // waits until the next multiple of 100: 50 ms, not T/2 on average
        // by chance but every time.
        let arrivals: Vec<_> = (0..10)
            .map(|i| at(0, 50.0 + 200.0 * f64::from(i)))
            .collect();
        let c = event_poll_costs(&arrivals, &polling(100.0, 100, 1, Legs::default()));
        assert_eq!((c.polls, c.pages, c.wasted, c.learned), (19, 19, 9, 10));
        assert!((c.delay_mean_us() - 50e3).abs() < 1e-6, "{c:?}");
        assert_eq!(c.end_us, 1_900e3);
    }

    #[test]
    fn page_size_one_costs_a_request_per_event() {
        // Five settlements at 10..50 ms, polled at 100 ms with one event
        // per page and 5 ms legs: the poll at 100 ms fetches five pages (the
        // fifth says nothing more), each a round trip of 10 ms: pages read
        // at 105, 115, …, 145 and answer at 110, 120, …, 150.
        let arrivals: Vec<_> = (1..=5).map(|i| at(0, 10.0 * f64::from(i))).collect();
        let legs = Legs {
            request_us: 5e3,
            response_us: 5e3,
            ..Legs::default()
        };
        let c = event_poll_costs(&arrivals, &polling(100.0, 1, 1, legs));
        assert_eq!((c.polls, c.pages, c.wasted), (1, 5, 0));
        // Delays: 110−10, 120−20, …, 150−50 = 100 ms each.
        assert!((c.delay_mean_us() - 100e3).abs() < 1e-6, "{c:?}");
        // With pages of 100, one page carries all five, answered at 110.
        let c = event_poll_costs(&arrivals, &polling(100.0, 100, 1, legs));
        assert_eq!((c.polls, c.pages, c.wasted), (1, 1, 0));
        assert!((c.delay_mean_us() - 80e3).abs() < 1e-6, "{c:?}");
        // Exactly a page full: `has_more` is false, no extra request.
        let c = event_poll_costs(&arrivals, &polling(100.0, 5, 1, legs));
        assert_eq!(c.pages, 1);
    }

    #[test]
    fn every_merchant_polls_until_the_last_order_of_all() {
        // Merchant 0 settles at 50 ms, merchant 1 at 950 ms, merchant 2
        // never: all three poll at 100, …, 1000 (the run ends when the poll
        // at 1000 finds merchant 1's event): 30 polls, 28 wasted.
        let arrivals = [at(0, 50.0), at(1, 950.0)];
        let c = event_poll_costs(&arrivals, &polling(100.0, 100, 3, Legs::default()));
        assert_eq!((c.polls, c.pages, c.wasted, c.learned), (30, 30, 28, 2));
        assert!((c.delay_mean_us() - 50e3).abs() < 1e-6);
    }
}
