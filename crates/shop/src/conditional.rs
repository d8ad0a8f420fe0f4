//! Conditional polling: `poll`, with `If-None-Match`, honouring
//! `X-Poll-Interval`.
//!
//! The same schedule as [`crate::poll::Poller`] (due at creation + k·T),
//! but each poll after the first sends back the `ETag` of the previous
//! answer: while the payment is still pending the platform answers `304 Not
//! Modified` with no body, which (as GitHub's Events API does) does not
//! spend the rate limit. The number of polls does not change, only what a
//! wasted one costs. If the platform asks for a longer interval with
//! `X-Poll-Interval` (it does when loaded), the next deadlines are that far
//! apart: a well-behaved client's share of the load shedding.

use crate::client::{ClientError, PlatformClient};
use crate::orders::{Channel, OrderBook};
use crate::pull::Conditional;
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::events::Happening;
use hooklab_core::ids::{OrderId, PaymentId};
use hooklab_core::shutdown::Shutdown;
use std::sync::Arc;

/// Polls one payment conditionally until its status is final.
pub struct ConditionalPoller {
    /// The run's clock.
    pub clock: Clock,
    /// The platform's API.
    pub client: PlatformClient,
    /// Where outcomes go.
    pub book: Arc<OrderBook>,
    /// The shortest time between two polls.
    pub interval: Dur,
}

impl ConditionalPoller {
    /// Polls `payment_id` (of `order_id`, created at `created`) at
    /// `created + k·T` (or further apart if the platform asks) until it is
    /// final, the order is known, or `shutdown`.
    pub async fn run(
        self: Arc<Self>,
        order_id: OrderId,
        payment_id: PaymentId,
        created: Micros,
        mut shutdown: Shutdown,
    ) {
        let mut etag: Option<String> = None;
        let mut interval = self.interval;
        let mut next = created.plus(interval);
        loop {
            if !crate::poll::sleep_until_due(&self.clock, &self.book, next, &mut shutdown).await {
                return;
            }
            if self.book.is_known(&order_id) {
                return;
            }
            let answer = Box::pin(self.client.poll_payment_conditional(
                &order_id,
                &payment_id,
                etag.as_deref(),
            ))
            .await;
            match answer {
                Ok((answer, asked)) => {
                    // The platform's X-Poll-Interval, never below our own.
                    interval = asked.map_or(self.interval, |a| a.max(self.interval));
                    next = next.plus(interval);
                    let now = self.clock.now();
                    let payment = match answer {
                        Conditional::NotModified => None,
                        Conditional::Fresh { payment, etag: tag } => {
                            etag = tag;
                            Some(payment)
                        }
                    };
                    let pending = payment.as_ref().is_none_or(|p| !p.status.is_final());
                    self.book.events().emit(now, || Happening::Poll {
                        order: order_id.clone(),
                        pending,
                        reconcile: false,
                    });
                    if let Some(payment) = payment {
                        self.book
                            .record(&order_id, payment.status, Channel::Poll, now);
                        if payment.status.is_final() {
                            return;
                        }
                    }
                }
                Err(ClientError::Refused {
                    retry_after: Some(wait),
                    ..
                }) => {
                    next = next.plus(interval).max(self.clock.now().plus(wait));
                }
                Err(e) if e.is_payment_gone() => {
                    self.book
                        .abandoned(order_id, crate::missed::MissedReason::payment_gone(&e));
                    return;
                }
                Err(_) => next = next.plus(interval),
            }
        }
    }
}
