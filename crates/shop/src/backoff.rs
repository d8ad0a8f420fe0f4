//! Polling on a schedule that backs off (`kind = "backoff_poll"`).
//!
//! A payment is most likely to settle soon after it is created, and less
//! likely the longer it stays pending; a poller that backs off asks often at
//! first and rarely later (Deolasee et al., WWW10 2001, adapt between push
//! and pull on the same idea). The schedule is data
//! ([`hooklab_core::scenario::BackoffSchedule`]: a geometric one or an
//! explicit list of instants), read from the same function the model reads
//! it from, so shop and model agree on every deadline. Otherwise it is
//! [`crate::poll::Poller`]: fixed deadlines from the creation answer, a poll
//! sent only after the previous answer came back.

use crate::client::{ClientError, PlatformClient};
use crate::orders::{Channel, OrderBook};
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::events::Happening;
use hooklab_core::ids::{OrderId, PaymentId};
use hooklab_core::scenario::BackoffSchedule;
use hooklab_core::shutdown::Shutdown;
use std::sync::Arc;

/// Polls one payment at its schedule's instants until it is final.
pub struct BackoffPoller {
    /// The run's clock.
    pub clock: Clock,
    /// The platform's API.
    pub client: PlatformClient,
    /// Where outcomes go.
    pub book: Arc<OrderBook>,
    /// When the polls are due.
    pub schedule: BackoffSchedule,
}

impl BackoffPoller {
    /// Polls `payment_id` (of `order_id`, whose creation answer arrived at
    /// `created`) at `created + t_k` until it is final, the order is known,
    /// or `shutdown`.
    pub async fn run(
        self: Arc<Self>,
        order_id: OrderId,
        payment_id: PaymentId,
        created: Micros,
        mut shutdown: Shutdown,
    ) {
        let deadlines = self.schedule.deadlines(order_id.as_str());
        let mut not_before = created;
        for at_us in deadlines {
            let due = created.plus(Dur(at_us));
            // A Retry-After pushes the polls due before it to its end.
            let next = due.max(not_before);
            if !crate::poll::sleep_until_due(&self.clock, &self.book, next, &mut shutdown).await {
                return;
            }
            if self.book.is_known(&order_id) {
                return;
            }
            let answer = Box::pin(self.client.poll_status(&order_id, &payment_id, false)).await;
            match answer {
                Ok(status) => {
                    let now = self.clock.now();
                    self.book.events().emit(now, || Happening::Poll {
                        order: order_id.clone(),
                        pending: !status.is_final(),
                        reconcile: false,
                    });
                    self.book.record(&order_id, status, Channel::Poll, now);
                    if status.is_final() {
                        return;
                    }
                }
                Err(ClientError::Refused {
                    retry_after: Some(wait),
                    ..
                }) => not_before = self.clock.now().plus(wait),
                Err(e) if e.is_payment_gone() => {
                    self.book
                        .abandoned(order_id, crate::missed::MissedReason::payment_gone(&e));
                    return;
                }
                Err(_) => {}
            }
        }
    }
}
