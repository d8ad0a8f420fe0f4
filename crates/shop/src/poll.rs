//! The polling strategy: "has payment X settled yet?", every interval.
//!
//! One [`Poller`] per pending payment. It sleeps until one interval after the
//! payment's creation, asks, and repeats on a fixed schedule (creation + k·T)
//! until the answer is final. Every answer that is still `pending` is a wasted
//! request: the price of polling that hooklab measures.

use crate::client::{ClientError, PlatformClient};
use crate::orders::{Channel, OrderBook};
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::events::Happening;
use hooklab_core::ids::{OrderId, PaymentId};
use hooklab_core::shutdown::Shutdown;
use std::sync::Arc;

/// Polls one payment until its status is final.
pub struct Poller {
    /// The run's clock.
    pub clock: Clock,
    /// The platform's API.
    pub client: PlatformClient,
    /// Where outcomes go.
    pub book: Arc<OrderBook>,
    /// Time between two polls.
    pub interval: Dur,
    /// Whether these are a hybrid's reconciliation polls (counted apart).
    pub reconcile: bool,
}

/// A payment poller's wait for its next deadline, `due`: false when
/// `shutdown` came first. Shared by every per-payment poller (fixed,
/// conditional, backoff), so they measure the timer the same way.
///
/// tokio's `sleep_until` itself rather than the clock's async wrapper, whose
/// extra state every sleeping poller would carry. Only a deadline still
/// ahead when the poller slept measures the timer's lateness: one already
/// passed (the previous answer came back late) is a wait the model adds
/// itself.
pub(crate) async fn sleep_until_due(
    clock: &Clock,
    book: &OrderBook,
    due: Micros,
    shutdown: &mut Shutdown,
) -> bool {
    let ahead = due > clock.now();
    tokio::select! {
        biased;
        _ = shutdown.wait() => return false,
        _ = tokio::time::sleep_until(clock.instant_at(due)) => {}
    }
    if ahead {
        book.note_timer_lateness(clock.now().since(due));
    }
    true
}

impl Poller {
    /// Polls `payment_id` (of `order_id`, created at `created`) at
    /// `created + k·T` for k = 1, 2, … until it is final, the order is known
    /// by other means, or `shutdown`.
    pub async fn run(
        self: Arc<Self>,
        order_id: OrderId,
        payment_id: PaymentId,
        created: Micros,
        mut shutdown: Shutdown,
    ) {
        let mut next = created.plus(self.interval);
        loop {
            if !sleep_until_due(&self.clock, &self.book, next, &mut shutdown).await {
                return;
            }
            if self.book.is_known(&order_id) {
                return;
            }
            next = next.plus(self.interval);
            // Boxed: the request's state lives on the heap only while the
            // request is out, so a sleeping poller (one per pending order)
            // stays small.
            let answer = Box::pin(
                self.client
                    .poll_status(&order_id, &payment_id, self.reconcile),
            )
            .await;
            match answer {
                Ok(status) => {
                    let now = self.clock.now();
                    self.book.events().emit(now, || Happening::Poll {
                        order: order_id.clone(),
                        pending: !status.is_final(),
                        reconcile: self.reconcile,
                    });
                    self.book.record(&order_id, status, Channel::Poll, now);
                    if status.is_final() {
                        return;
                    }
                }
                // Rate limited: honour Retry-After, as a good client must.
                // The wait costs delay, and that cost is what the report shows.
                Err(ClientError::Refused {
                    retry_after: Some(wait),
                    ..
                }) => {
                    next = next.max(self.clock.now().plus(wait));
                }
                Err(e) if e.is_payment_gone() => {
                    self.book
                        .abandoned(order_id, crate::missed::MissedReason::payment_gone(&e));
                    return;
                }
                // Any other failure is counted by the client; the schedule goes on.
                Err(_) => {}
            }
        }
    }
}

/// Polls the platform's event log instead of each payment: every interval,
/// fetch every event after the cursor (page by page), apply them, move the
/// cursor. One request per interval however many payments are pending, but
/// an interval with no new event is a wasted poll.
pub struct EventPoller {
    /// The run's clock.
    pub clock: Clock,
    /// The platform's API.
    pub client: PlatformClient,
    /// Where outcomes go.
    pub book: Arc<OrderBook>,
    /// Time between two polls.
    pub interval: Dur,
    /// Events per page.
    pub page_size: usize,
}

impl EventPoller {
    /// Polls from `start` every interval until `shutdown`.
    ///
    /// A cursor answered `410 cursor_expired` (an event after it was
    /// forgotten unread) is dropped: the log is read again from where the
    /// platform restarts it, then every waiting order is asked about
    /// directly (see [`crate::pull`]), at each interval until all answered.
    /// The same re-read follows a read without a cursor that names events
    /// forgotten unread, a cursor the platform no longer knows, and a
    /// platform that is not the one that made the waiting payments.
    pub async fn run(self, start: Micros, mut shutdown: Shutdown) {
        use crate::pull::{Gap, Horizon};
        let mut cursor: Option<hooklab_core::ids::EventId> = None;
        // A re-read of the waiting orders still owed, and why.
        let mut reread: Option<Gap> = None;
        // The forgotten events a read without a cursor told of.
        let mut horizon = Horizon::default();
        // A read failed since the platform was last seen: it may be
        // another platform now (see `crate::pull::platform_changed`).
        let mut dropped = false;
        let mut next = start.plus(self.interval);
        loop {
            let due = next;
            let ahead = due > self.clock.now();
            tokio::select! {
                biased;
                _ = shutdown.wait() => return,
                _ = self.clock.sleep_until(next) => {}
            }
            // As in `Poller::run`: only a deadline still ahead measures the timer.
            if ahead {
                self.book.note_timer_lateness(self.clock.now().since(due));
            }
            next = next.plus(self.interval);
            // Page until the log has nothing more after the cursor.
            loop {
                let from_start = cursor.is_none();
                match self
                    .client
                    .list_events(cursor.as_ref(), self.page_size)
                    .await
                {
                    Ok(read) => {
                        if from_start && let Some(gap) = horizon.news(&read) {
                            // A 410 that restarted the log is the sharper reason.
                            reread.get_or_insert(gap);
                        }
                        let page = read.page;
                        let now = self.clock.now();
                        self.book.events().emit(now, || Happening::EventPoll {
                            found: page.data.len() as u32,
                        });
                        for listed in &page.data {
                            let payment = &listed.event.data;
                            self.book
                                .record(&payment.order_id, payment.status, Channel::Poll, now);
                        }
                        cursor = page.next_after;
                        if !page.has_more {
                            // After the log is read, not before: what
                            // settles later is in the log after the cursor.
                            if dropped || cursor.is_none() {
                                match crate::pull::platform_changed(&self.client, &self.book).await
                                {
                                    Ok(gap) => {
                                        dropped = false;
                                        reread = gap.or(reread);
                                    }
                                    Err(_) => dropped = true,
                                }
                            }
                            if let Some(gap) = &reread
                                && crate::pull::reread_waiting(
                                    &self.client,
                                    &self.book,
                                    &self.clock,
                                    gap,
                                )
                                .await
                            {
                                reread = None;
                            }
                            break;
                        }
                    }
                    Err(ClientError::Refused {
                        retry_after: Some(wait),
                        ..
                    }) => {
                        next = next.max(self.clock.now().plus(wait));
                        break;
                    }
                    Err(e) if e.is_unknown_cursor() && cursor.is_some() => {
                        cursor = None;
                        reread = Some(Gap::unknown_cursor(false, &e));
                    }
                    Err(e) if e.is_cursor_expired() && cursor.is_some() => {
                        cursor = None;
                        reread = Some(Gap::CursorExpired);
                    }
                    Err(_) => {
                        dropped = true;
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use bytes::Bytes;
    use hooklab_core::http::{HttpClient, SendFuture};

    /// Answers every request 404 in the API's error shape: a platform that
    /// restarted without its data.
    struct Forgot;

    impl HttpClient for Forgot {
        fn send(&self, _request: http::Request<Bytes>) -> SendFuture {
            Box::pin(async move {
                let body = Bytes::from_static(
                    br#"{"error":{"code":"not_found","message":"no payment pay_000001"}}"#,
                );
                let mut answer = http::Response::new(body);
                *answer.status_mut() = http::StatusCode::NOT_FOUND;
                Ok(answer)
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_payment_the_platform_no_longer_knows_ends_the_order_instead_of_polling_forever() {
        let clock = Clock::starting_now(0);
        let book = Arc::new(OrderBook::new());
        let order = OrderId::numbered(1);
        book.place(order.clone(), clock.now());
        let poller = Arc::new(Poller {
            clock,
            client: PlatformClient::new(Arc::new(Forgot), "http://127.0.0.1:1", clock),
            book: book.clone(),
            interval: Dur::from_ms(100),
            reconcile: false,
        });
        let (_trigger, shutdown) = hooklab_core::shutdown::channel();
        // Returns on its own (a timeout would mean it polls forever).
        tokio::time::timeout(
            std::time::Duration::from_secs(3_600),
            poller.run(
                order.clone(),
                PaymentId("pay_000001".into()),
                clock.now(),
                shutdown,
            ),
        )
        .await
        .unwrap();
        let abandoned = book.abandoned_orders();
        assert_eq!(abandoned.len(), 1);
        assert!(abandoned[0].1.contains("404"), "{abandoned:?}");
        assert_eq!(*book.watch_settled().borrow(), 1);
    }
}
