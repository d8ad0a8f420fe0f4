//! What happens during a run, one event at a time.
//!
//! The platform and the shop announce each thing that happens (an order
//! placed, a poll answered, a delivery attempted, an outcome learned) to an
//! [`EventSink`]. Nobody has to listen: a measured run's sink is off, and an
//! event is then never even built ([`EventSink::emit`] takes a closure). When
//! someone listens, the same events become:
//!
//! - the lines `hooklab platform` and `hooklab shop` print, one per request,
//!   so a class can watch polling hammer the platform while webhooks sit
//!   quiet ([`RunEvent::line`]);
//! - the run's timeline (requests per second by kind, each order's life),
//!   saved beside the summary for charts and replays;
//! - the live classroom page's feed.

use crate::clock::Micros;
use crate::ids::{OrderId, PaymentId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One thing that happened, and when (on the run's clock).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEvent {
    /// When, in µs since the run's origin.
    pub at: Micros,
    /// What.
    #[serde(flatten)]
    pub what: Happening,
}

/// The things that happen in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Happening {
    /// The shop placed an order (and is about to ask for its payment).
    OrderPlaced {
        /// The order.
        order: OrderId,
    },
    /// The platform settled a payment (at its scheduled instant).
    Settled {
        /// The order.
        order: OrderId,
        /// The payment.
        payment: PaymentId,
        /// `approved` or `declined`.
        outcome: String,
    },
    /// The shop got an answer to a status poll.
    Poll {
        /// The order polled.
        order: OrderId,
        /// Whether the answer was still `pending` (a wasted poll).
        pending: bool,
        /// Whether it was a hybrid's reconciliation poll.
        reconcile: bool,
    },
    /// The shop got a page of the event log.
    EventPoll {
        /// Events on the page.
        found: u32,
    },
    /// The platform refused one of the shop's requests with 429.
    RateLimited,
    /// The platform made a webhook delivery attempt.
    Delivery {
        /// The order the event is about.
        order: OrderId,
        /// 1 for the first attempt.
        attempt: u32,
        /// `HTTP 200`, `HTTP 503`, `connect`, `timeout`…
        result: String,
        /// Whether the receiver accepted it (2xx).
        ok: bool,
    },
    /// The shop's receiver refused a delivery (bad signature, fault, …).
    Rejected {
        /// Why: `mismatch`, `stale`, `missing`, `malformed`, `down`, `error`.
        reason: String,
    },
    /// The shop learned an order's final status.
    Known {
        /// The order.
        order: OrderId,
        /// `poll`, `webhook` or `creation`.
        via: String,
        /// `approved` or `declined`.
        status: String,
    },
    /// The shop was told again about an order it already knew.
    Duplicate {
        /// The order.
        order: OrderId,
    },
    /// A merchant registered a webhook endpoint with the platform.
    EndpointRegistered {
        /// The endpoint's id.
        endpoint: String,
        /// Where events will go.
        url: String,
    },
    /// The platform stopped delivering to an endpoint.
    EndpointDisabled {
        /// The endpoint's id.
        endpoint: String,
        /// Why (`20 consecutive failed attempts`, `410 Gone`).
        reason: String,
    },
}

impl RunEvent {
    /// One line for a person watching (`+1.250s poll ord_000003: pending`).
    pub fn line(&self) -> String {
        let t = format!("+{:.3}s", self.at.0 as f64 / 1e6);
        match &self.what {
            Happening::OrderPlaced { order } => format!("{t} order {order} placed"),
            Happening::Settled {
                order,
                payment,
                outcome,
            } => format!("{t} settled {payment} ({order}): {outcome}"),
            Happening::Poll {
                order,
                pending,
                reconcile,
            } => {
                let what = if *reconcile { "reconcile poll" } else { "poll" };
                let answer = if *pending {
                    "still pending (wasted)"
                } else {
                    "final"
                };
                format!("{t} {what} {order}: {answer}")
            }
            Happening::EventPoll { found } => format!("{t} event-log poll: {found} new event(s)"),
            Happening::RateLimited => format!("{t} 429 rate limited"),
            Happening::Delivery {
                order,
                attempt,
                result,
                ok,
            } => {
                let verdict = if *ok { "delivered" } else { "FAILED" };
                format!("{t} webhook {order} attempt {attempt}: {result} ({verdict})")
            }
            Happening::Rejected { reason } => format!("{t} receiver REJECTED a delivery: {reason}"),
            Happening::Known { order, via, status } => {
                format!("{t} shop knows {order}: {status} (by {via})")
            }
            Happening::Duplicate { order } => format!("{t} duplicate notice for {order} (ignored)"),
            Happening::EndpointRegistered { endpoint, url } => {
                format!("{t} webhook endpoint {endpoint} registered: {url}")
            }
            Happening::EndpointDisabled { endpoint, reason } => {
                format!("{t} webhook endpoint {endpoint} DISABLED: {reason}")
            }
        }
    }
}

/// Where run events go: nowhere (the default) or a callback.
#[derive(Clone, Default)]
pub struct EventSink(Option<Arc<dyn Fn(RunEvent) + Send + Sync>>);

impl std::fmt::Debug for EventSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "EventSink(on)"
        } else {
            "EventSink(off)"
        })
    }
}

impl EventSink {
    /// A sink that hands each event to `listener`.
    pub fn to(listener: impl Fn(RunEvent) + Send + Sync + 'static) -> Self {
        EventSink(Some(Arc::new(listener)))
    }

    /// Whether anyone listens.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Announces what `make` builds, at `at`, if anyone listens.
    pub fn emit(&self, at: Micros, make: impl FnOnce() -> Happening) {
        if let Some(listener) = &self.0 {
            listener(RunEvent { at, what: make() });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn an_off_sink_builds_nothing_and_an_on_sink_gets_events() {
        let off = EventSink::default();
        off.emit(Micros(0), || {
            unreachable!("an off sink never builds its event")
        });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let tap = seen.clone();
        let on = EventSink::to(move |e| tap.lock().unwrap().push(e));
        on.emit(Micros(1_250_000), || Happening::Poll {
            order: OrderId::numbered(3),
            pending: true,
            reconcile: false,
        });
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen[0].line(),
            "+1.250s poll ord_000003: still pending (wasted)"
        );
        let json = serde_json::to_string(&seen[0]).unwrap();
        assert_eq!(
            json,
            r#"{"at":1250000,"kind":"poll","order":"ord_000003","pending":true,"reconcile":false}"#
        );
    }
}
