//! Long polling (RFC 6202): ask, and let the platform hold the question
//! until it has news.
//!
//! - [`LongPoller`] (`kind = "long_poll"`), one per pending payment:
//!   `GET /v1/payments/{id}?wait=W`, sent as soon as the creation answer
//!   arrives and again as soon as a held request comes back with the
//!   payment still pending. The platform answers the moment the payment
//!   settles, so the shop learns about one network leg after the
//!   settlement, at the price of one request per `W` of waiting.
//! - [`EventLongPoller`] (`kind = "long_poll_events"`), one per merchant:
//!   `GET /v1/events?after=CURSOR&wait=W`, one cursor for all the
//!   merchant's payments.
//!
//! A request that fails (a partition cut it, the platform refused a
//! connection) is sent again after a short pause that doubles up to 5 s
//! while failures go on; nothing is lost, since the payment (or the log
//! after the cursor) is still there to be read. A payment the platform no
//! longer knows (`404`, `410`) ends its order unknown, with the reason, as
//! the other pollers do; a cursor it expired is handled as in
//! [`crate::pull`].

use crate::client::{ClientError, PlatformClient};
use crate::orders::{Channel, OrderBook};
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::events::Happening;
use hooklab_core::ids::{EventId, OrderId, PaymentId};
use hooklab_core::scenario::backoff::STREAM_RECONNECT_MAX;
use hooklab_core::shutdown::Shutdown;
use std::sync::Arc;

/// The first pause after a failed request.
const FIRST_RETRY: Dur = Dur::from_ms(100);

/// Waits `pause` (or a Retry-After, if longer); `false` on shutdown.
async fn pause(clock: &Clock, shutdown: &mut Shutdown, pause: Dur) -> bool {
    tokio::select! {
        biased;
        _ = shutdown.wait() => false,
        _ = clock.sleep_until(clock.now().plus(pause)) => true,
    }
}

/// The pause after `error`, and the next one if failures go on.
fn after_failure(error: &ClientError, retry: Dur) -> (Dur, Dur) {
    let next = Dur(retry.as_us() * 2).min(STREAM_RECONNECT_MAX);
    match error {
        ClientError::Refused {
            retry_after: Some(wait),
            ..
        } => (retry.max(*wait), next),
        _ => (retry, next),
    }
}

/// Long polls one payment until its status is final.
pub struct LongPoller {
    /// The run's clock.
    pub clock: Clock,
    /// The platform's API.
    pub client: PlatformClient,
    /// Where outcomes go.
    pub book: Arc<OrderBook>,
    /// How long the platform may hold each request.
    pub wait: Dur,
}

impl LongPoller {
    /// Long polls `payment_id` (of `order_id`) until it is final or
    /// `shutdown`. A request on the wire is not abandoned at shutdown: the
    /// platform answers every held request when it closes, so both sides
    /// count it.
    pub async fn run(
        self: Arc<Self>,
        order_id: OrderId,
        payment_id: PaymentId,
        mut shutdown: Shutdown,
    ) {
        let mut retry = FIRST_RETRY;
        while !shutdown.is_triggered() {
            let answer = Box::pin(
                self.client
                    .long_poll_payment(&order_id, &payment_id, self.wait),
            )
            .await;
            match answer {
                Ok(payment) => {
                    retry = FIRST_RETRY;
                    let now = self.clock.now();
                    self.book.events().emit(now, || Happening::Poll {
                        order: order_id.clone(),
                        pending: !payment.status.is_final(),
                        reconcile: false,
                    });
                    self.book
                        .record(&order_id, payment.status, Channel::Poll, now);
                    if payment.status.is_final() {
                        return;
                    }
                }
                // The platform no longer knows the payment (404: it was
                // started afresh; 410: it forgot it): asking again would
                // never learn its outcome. The order ends unknown, with why.
                Err(e) if e.is_payment_gone() => {
                    self.book
                        .abandoned(order_id, crate::missed::MissedReason::payment_gone(&e));
                    return;
                }
                Err(e) => {
                    let (wait, next) = after_failure(&e, retry);
                    retry = next;
                    if !pause(&self.clock, &mut shutdown, wait).await {
                        return;
                    }
                }
            }
        }
    }
}

/// Long polls one merchant's event log, one cursor for all its payments.
pub struct EventLongPoller {
    /// The run's clock.
    pub clock: Clock,
    /// The platform's API (with the merchant's key).
    pub client: PlatformClient,
    /// Where outcomes go.
    pub book: Arc<OrderBook>,
    /// How long the platform may hold each request.
    pub wait: Dur,
    /// Events per page.
    pub page_size: usize,
}

impl EventLongPoller {
    /// Long polls from the log's start until `shutdown`. A cursor answered
    /// `410 cursor_expired` is dropped, and once the log is read again
    /// every waiting order is asked about directly (see [`crate::pull`]).
    pub async fn run(self, mut shutdown: Shutdown) {
        use crate::pull::{Gap, Horizon};
        let mut cursor: Option<EventId> = None;
        // A re-read of the waiting orders still owed, and why.
        let mut reread: Option<Gap> = None;
        // The forgotten events a read without a cursor told of.
        let mut horizon = Horizon::default();
        // A request failed since the platform was last seen: it may be
        // another platform now (see `crate::pull::platform_changed`).
        let mut dropped = false;
        let mut retry = FIRST_RETRY;
        while !shutdown.is_triggered() {
            let from_start = cursor.is_none();
            // Owing a re-read, the log is read without waiting: the orders
            // to ask about are waiting already.
            let answer = if reread.is_some() {
                self.client
                    .list_events(cursor.as_ref(), self.page_size)
                    .await
            } else {
                self.client
                    .long_poll_events(cursor.as_ref(), self.page_size, self.wait)
                    .await
            };
            match answer {
                Ok(read) => {
                    retry = FIRST_RETRY;
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
                    if page.next_after.is_some() {
                        cursor = page.next_after;
                    }
                    if page.has_more {
                        continue;
                    }
                    // Once the log after the new cursor is read through (a
                    // page not full): is this still the platform that made
                    // the waiting payments, and what settled unseen?
                    if dropped || cursor.is_none() {
                        match crate::pull::platform_changed(&self.client, &self.book).await {
                            Ok(gap) => {
                                dropped = false;
                                reread = gap.or(reread);
                            }
                            Err(_) => dropped = true,
                        }
                    }
                    if let Some(gap) = &reread {
                        if !crate::pull::reread_waiting(&self.client, &self.book, &self.clock, gap)
                            .await
                        {
                            let wait = retry;
                            retry = Dur(retry.as_us() * 2).min(STREAM_RECONNECT_MAX);
                            if !pause(&self.clock, &mut shutdown, wait).await {
                                return;
                            }
                            continue;
                        }
                        reread = None;
                    }
                }
                Err(e) if e.is_unknown_cursor() && cursor.is_some() => {
                    cursor = None;
                    reread = Some(Gap::unknown_cursor(false, &e));
                }
                Err(e) if e.is_cursor_expired() && cursor.is_some() => {
                    cursor = None;
                    reread = Some(Gap::CursorExpired);
                }
                Err(e) => {
                    dropped = true;
                    let (wait, next) = after_failure(&e, retry);
                    retry = next;
                    if !pause(&self.clock, &mut shutdown, wait).await {
                        return;
                    }
                }
            }
        }
    }
}
