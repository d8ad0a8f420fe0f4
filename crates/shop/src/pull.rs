//! The shop's side of the platform's reads between polling and push:
//! conditional reads (`If-None-Match` → `304`), long polls (`?wait=`) and
//! the event stream (`GET /v1/events/stream`).
//!
//! It also holds what the three readers of the event log (the event poller,
//! the event long poller, the stream) do when the platform answers their
//! cursor `410 cursor_expired`: an event after the cursor was forgotten
//! before they read it, so some order's outcome went by unseen, and no
//! read of the log will ever bring it back. They read the log again from
//! where the platform restarts it, then ask the platform directly about
//! every order still waiting ([`reread_waiting`]): a payment that settled
//! is learned; one the platform forgot as well (`404`/`410` to the read)
//! can no longer be learned, and the order ends as missed, with that reason,
//! instead of waiting for ever. Re-reading after the log, not before,
//! leaves no instant uncovered: whatever settles later is in the log after
//! the new cursor.
//!
//! Two more [`Gap`]s end in the same re-read. A read *without* a cursor
//! (every reader's first, and each restart of the log) has nothing to
//! refuse, so no 410 can come; the platform tells instead, naming the
//! newest event it forgot unread (`Events-Forgotten-Through`): an event
//! poller slower than the platform's `--keep` learns there that its
//! orders' events went by unseen ([`Horizon`]). And a platform started
//! again without its data knows no cursor (a 400) and, for a reader that
//! had none, is only another id: after a dropped connection, or while it
//! holds no cursor, a reader compares the id of the platform answering
//! (`GET /v1/platform`) with the one its waiting payments' ids carry
//! ([`platform_changed`]); its new log will never hold their events.
//!
//! They extend [`PlatformClient`] and count what they send as the
//! platform counts what it serves: a `304` only in `not_modified`, a long
//! poll as a poll (or a page) and in `long_polls`, a stream in
//! `streams_opened`. Held requests and streams go through
//! [`hooklab_core::http::HttpClient::open`], so the scenario's `[network]`
//! applies to them as it does to every request, and a partition ends them.

use crate::client::{ClientError, EventRead, PlatformClient};
use crate::missed::{MissedCode, MissedReason};
use crate::orders::{Channel, OrderBook};
use bytes::Bytes;
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::events::Happening;
use hooklab_core::http::Chunks;
use hooklab_core::ids::{EventId, OrderId, PaymentId};
use hooklab_core::lang::{Lang, Said};
use hooklab_core::wire::{EventPage, Payment};
use std::sync::atomic::Ordering;

/// What a conditional read of a payment got.
#[derive(Debug)]
pub enum Conditional {
    /// A payment object (the first read, or the payment changed), with its
    /// `ETag` to send back next time.
    Fresh {
        /// The payment.
        payment: Payment,
        /// Its tag, if the platform sent one.
        etag: Option<String>,
    },
    /// `304 Not Modified`: nothing changed since the tag sent.
    NotModified,
}

impl ClientError {
    /// Whether the platform refused an event-log cursor (an `after`, a
    /// `Last-Event-ID`) with `410 cursor_expired`: an event after it was
    /// forgotten unread. See [`reread_waiting`] for what a reader does then.
    pub fn is_cursor_expired(&self) -> bool {
        matches!(
            self,
            ClientError::Refused { status: 410, code, .. } if code == "cursor_expired"
        )
    }
}

/// Why a reader of the event log asks the platform directly about the
/// orders still waiting ([`reread_waiting`]): the log it reads can no
/// longer tell some of their outcomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gap {
    /// The platform answered the reader's cursor `410 cursor_expired`: an
    /// event after it was forgotten unread.
    CursorExpired,
    /// A read without a cursor (the reader's first, or a restart) said
    /// that events up to this one were forgotten unread
    /// (`Events-Forgotten-Through`): there is no cursor to refuse, so no
    /// 410 comes, and an order waiting since before may have had its
    /// event among them.
    Forgotten(EventId),
    /// The platform no longer knows the reader's cursor, or it is another
    /// platform than the one that made the waiting payments (its id, from
    /// `GET /v1/platform`, is not the one their ids carry): it started
    /// afresh without its data, and its log will never hold their events.
    NewPlatform(Said),
}

impl Gap {
    /// The gap of a reader whose cursor the platform refused as unknown
    /// (`400 unknown_cursor`, see [`ClientError::is_unknown_cursor`]):
    /// `stream` for a stream's `Last-Event-ID`, else a page's `after`.
    pub fn unknown_cursor(stream: bool, error: &ClientError) -> Gap {
        let (en, pt) = match stream {
            true => (
                "the platform no longer knows the stream's Last-Event-ID",
                "a plataforma não conhece mais o Last-Event-ID do stream",
            ),
            false => (
                "the platform no longer knows the log's cursor",
                "a plataforma não conhece mais o cursor do log",
            ),
        };
        Gap::NewPlatform(Said::new(
            format!("{en}: {}", error.chain_in(Lang::En)),
            format!("{pt}: {}", error.chain_in(Lang::PtBr)),
        ))
    }

    /// Why an order read again after this gap ends missed, `error` being
    /// what the read of its payment got: its code, and the sentence in
    /// both languages (the English is what the book said before it had a
    /// code, word for word).
    fn reason(&self, error: &ClientError) -> MissedReason {
        let (code, en, pt) = match self {
            Gap::CursorExpired => (
                MissedCode::CursorExpired,
                "its event was forgotten unread (the event log answered 410 cursor_expired)"
                    .to_owned(),
                "seu evento foi esquecido sem ser lido (o log de eventos respondeu 410 cursor_expired)"
                    .to_owned(),
            ),
            Gap::Forgotten(newest) => (
                MissedCode::EventForgotten,
                format!(
                    "its event was forgotten unread (the event log, read without a cursor, starts after `{newest}`: Events-Forgotten-Through)"
                ),
                format!(
                    "seu evento foi esquecido sem ser lido (o log de eventos, lido sem cursor, começa depois de `{newest}`: Events-Forgotten-Through)"
                ),
            ),
            Gap::NewPlatform(what) => (
                MissedCode::PlatformReplaced,
                format!("the event log it was waiting on is gone ({})", what.en),
                format!("o log de eventos que ele esperava não existe mais ({})", what.pt_br),
            ),
        };
        MissedReason::new(
            code,
            Said::new(
                format!(
                    "{en} and the platform no longer answers for its payment: {}",
                    error.chain_in(Lang::En)
                ),
                format!(
                    "{pt}, e a plataforma não responde mais pelo pagamento: {}",
                    error.chain_in(Lang::PtBr)
                ),
            ),
        )
    }
}

/// The newest forgotten event a reader of the log was told of
/// (`Events-Forgotten-Through`), so that it asks about its waiting orders
/// once per new loss, not at every read without a cursor.
#[derive(Debug, Default)]
pub struct Horizon(Option<EventId>);

impl Horizon {
    /// The gap a read without a cursor reveals, if it names a forgotten
    /// event this reader was not told of yet. The first one seen counts
    /// too: the shop may have placed orders before its first read (an
    /// event poller reads one interval after it starts), and the platform
    /// cannot say which forgotten events came before that.
    pub fn news(&mut self, read: &EventRead) -> Option<Gap> {
        let newest = read.forgotten_through.as_ref()?;
        if self.0.as_ref() == Some(newest) {
            return None;
        }
        self.0 = Some(newest.clone());
        Some(Gap::Forgotten(newest.clone()))
    }
}

/// Whether the platform answering now is not the one that made the
/// payments still waiting: `Some(gap)` when one of them carries another
/// platform's id (the platform was started afresh without its data on the
/// same address). A reader of the log asks this after its connection
/// dropped, or while it holds no cursor (a restart between two reads shows
/// no drop): a cursor the new platform does not know would be refused, but
/// a reader without one reads the new platform's log and would wait for
/// ever. No request when no waiting payment carries an id (a virtual run
/// mints bare ids: nothing to compare). `Err` when the platform did not
/// answer: ask again later.
pub async fn platform_changed(
    client: &PlatformClient,
    book: &OrderBook,
) -> Result<Option<Gap>, ClientError> {
    let waiting = waiting_payments(book);
    // A bare id (`pay_000001`) names no platform.
    let minted: Vec<&PaymentId> = waiting
        .iter()
        .map(|(_, p)| p)
        .filter(|p| p.number().is_none())
        .collect();
    if minted.is_empty() {
        return Ok(None);
    }
    let info = client.platform_info().await?;
    let of_this_platform = |id: &PaymentId| {
        info.id.as_deref().is_some_and(|epoch| {
            id.as_str()
                .strip_prefix(PaymentId::PREFIX)
                .and_then(|rest| rest.strip_prefix(epoch))
                .is_some_and(|rest| rest.starts_with('_'))
        })
    };
    Ok(minted.iter().find(|p| !of_this_platform(p)).map(|p| {
        Gap::NewPlatform(Said::new(
            format!(
                "its payment `{p}` was made by another platform than the one answering now, `{}`: it was started again without its data",
                info.id.as_deref().unwrap_or("(no id)")
            ),
            format!(
                "seu pagamento `{p}` foi feito por outra plataforma que não a que responde agora, `{}`: ela foi iniciada de novo sem os dados",
                info.id.as_deref().unwrap_or("(sem id)")
            ),
        ))
    }))
}

/// The orders in `book` still waiting with a payment: not known, not
/// ended as missed.
fn waiting_payments(book: &OrderBook) -> Vec<(OrderId, PaymentId)> {
    let gone: std::collections::HashSet<_> = book
        .abandoned_orders()
        .into_iter()
        .map(|(order, _)| order)
        .collect();
    book.entries()
        .into_iter()
        .filter(|e| e.known_at.is_none() && !gone.contains(&e.order_id))
        .filter_map(|e| Some((e.order_id, e.payment_id?)))
        .collect()
}

/// What a reader of the event log does after a [`Gap`] (a `410
/// cursor_expired`, see the module docs), once it has read the log again from its restart: asks
/// the platform for each order in `book` still waiting with a payment
/// (`GET /v1/payments/{id}`), records a final status, and ends as missed
/// ([`OrderBook::abandoned`], with the reason) an order whose payment the
/// platform no longer knows. `false` when some read got no answer (the
/// platform is away, or asked to wait): the caller re-reads again later,
/// since nothing else would ever tell those orders' outcome.
pub async fn reread_waiting(
    client: &PlatformClient,
    book: &OrderBook,
    clock: &Clock,
    gap: &Gap,
) -> bool {
    let waiting = waiting_payments(book);
    let mut answered = true;
    for (order, payment) in waiting {
        match client.poll_status(&order, &payment, false).await {
            Ok(status) => {
                let now = clock.now();
                book.events().emit(now, || Happening::Poll {
                    order: order.clone(),
                    pending: !status.is_final(),
                    reconcile: false,
                });
                book.record(&order, status, Channel::Poll, now);
            }
            // Gone (404, 410 `forgotten`), or the id now names another
            // order's payment (a platform started afresh): never learned.
            Err(e) if e.is_payment_gone() || matches!(e, ClientError::ForeignPayment { .. }) => {
                book.abandoned(order, gap.reason(&e));
            }
            Err(e) => {
                tracing::debug!(error = %e.chain(), %order, "re-read after an expired cursor failed");
                answered = false;
            }
        }
    }
    answered
}

/// `X-Poll-Interval`, in seconds, if the answer carried one.
fn poll_interval(headers: &http::HeaderMap) -> Option<Dur> {
    headers
        .get("x-poll-interval")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Dur::from_secs(s.min(3_600)))
}

/// `wait` as the platform reads it: whole milliseconds with a unit.
fn wait_param(wait: Dur) -> String {
    format!("{}ms", wait.as_us().div_ceil(1_000).max(1))
}

impl PlatformClient {
    /// Sends `request` and reads its whole answer, body chunk by chunk
    /// (the held-request path: a partition can cut it). `limit`: how long
    /// the whole exchange may take (the client's timeout plus the wait).
    async fn open_whole(
        &self,
        request: http::Request<Bytes>,
        limit: Option<Dur>,
    ) -> Result<(http::StatusCode, http::HeaderMap, Bytes), ClientError> {
        let http = self.http.clone();
        let exchange = async move {
            let response = http.open(request).await?;
            let (parts, mut chunks) = response.into_parts();
            let mut body = Vec::new();
            while let Some(chunk) = chunks.next_chunk().await {
                body.extend_from_slice(&chunk?);
            }
            Ok::<_, hooklab_core::http::TransportError>((parts.status, parts.headers, body))
        };
        let answer = match limit {
            Some(limit) => match tokio::time::timeout(limit.to_std(), exchange).await {
                Ok(answer) => answer,
                Err(_) => {
                    self.sent.failures.fetch_add(1, Ordering::Relaxed);
                    self.sent.timed_out.fetch_add(1, Ordering::Relaxed);
                    return Err(ClientError::TimedOut(limit));
                }
            },
            None => exchange.await,
        };
        match answer {
            Ok((status, headers, body)) => Ok((status, headers, Bytes::from(body))),
            Err(e) => {
                self.sent.failures.fetch_add(1, Ordering::Relaxed);
                if e.kind() == hooklab_core::http::TransportErrorKind::Broken {
                    self.sent.cut.fetch_add(1, Ordering::Relaxed);
                }
                Err(e.into())
            }
        }
    }

    fn get(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<http::Request<Bytes>, ClientError> {
        self.get_request(path, headers)
    }

    /// Checks that `payment` is `order`'s (see [`ClientError::ForeignPayment`]).
    fn own(
        &self,
        order: &OrderId,
        id: &PaymentId,
        payment: Payment,
    ) -> Result<Payment, ClientError> {
        if &payment.order_id != order {
            self.sent.foreign_answers.fetch_add(1, Ordering::Relaxed);
            return Err(ClientError::ForeignPayment {
                payment: id.clone(),
                expected: order.clone(),
                answered: payment.order_id,
            });
        }
        Ok(payment)
    }

    /// Counts a payment read that got a payment object.
    fn count_poll(&self, payment: &Payment) {
        self.sent.polls.fetch_add(1, Ordering::Relaxed);
        if !payment.status.is_final() {
            self.sent.polls_pending.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// `GET /v1/payments/{id}` with `If-None-Match: etag` (none on the
    /// first read), and the `X-Poll-Interval` the platform asked for.
    pub async fn poll_payment_conditional(
        &self,
        order: &OrderId,
        id: &PaymentId,
        etag: Option<&str>,
    ) -> Result<(Conditional, Option<Dur>), ClientError> {
        let headers: Vec<(&str, &str)> = etag.map(|t| ("if-none-match", t)).into_iter().collect();
        let request = self.get(&format!("/v1/payments/{id}"), &headers)?;
        let (status, headers, body) = self.open_whole(request, self.timeout).await?;
        let interval = poll_interval(&headers);
        if status == http::StatusCode::NOT_MODIFIED {
            self.sent.not_modified.fetch_add(1, Ordering::Relaxed);
            return Ok((Conditional::NotModified, interval));
        }
        if !status.is_success() {
            return Err(self.refused(status, &headers, &body));
        }
        let payment: Payment = Self::decode(&body)?;
        self.count_poll(&payment);
        let payment = self.own(order, id, payment)?;
        let etag = headers
            .get(http::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok((Conditional::Fresh { payment, etag }, interval))
    }

    /// `GET /v1/payments/{id}?wait=`: held by the platform until the
    /// payment is final or the wait runs out.
    pub async fn long_poll_payment(
        &self,
        order: &OrderId,
        id: &PaymentId,
        wait: Dur,
    ) -> Result<Payment, ClientError> {
        let path = format!("/v1/payments/{id}?wait={}", wait_param(wait));
        let request = self.get(&path, &[])?;
        let limit = self.timeout.map(|t| Dur(t.as_us() + wait.as_us()));
        let (status, headers, body) = self.open_whole(request, limit).await?;
        if !status.is_success() {
            return Err(self.refused(status, &headers, &body));
        }
        self.sent.long_polls.fetch_add(1, Ordering::Relaxed);
        let payment: Payment = Self::decode(&body)?;
        self.count_poll(&payment);
        self.own(order, id, payment)
    }

    /// `GET /v1/events?after=&limit=&wait=`: a page of the event log, held
    /// until an event after the cursor exists or the wait runs out.
    pub async fn long_poll_events(
        &self,
        after: Option<&EventId>,
        limit: usize,
        wait: Dur,
    ) -> Result<EventRead, ClientError> {
        let wait_text = wait_param(wait);
        let path = match after {
            Some(cursor) => format!("/v1/events?after={cursor}&limit={limit}&wait={wait_text}"),
            None => format!("/v1/events?limit={limit}&wait={wait_text}"),
        };
        let request = self.get(&path, &[])?;
        let timeout = self.timeout.map(|t| Dur(t.as_us() + wait.as_us()));
        let (status, headers, body) = self.open_whole(request, timeout).await?;
        if !status.is_success() {
            return Err(self.refused(status, &headers, &body));
        }
        self.sent.long_polls.fetch_add(1, Ordering::Relaxed);
        self.sent.event_lists.fetch_add(1, Ordering::Relaxed);
        let page: EventPage = Self::decode(&body)?;
        if page.data.is_empty() {
            self.sent.event_lists_empty.fetch_add(1, Ordering::Relaxed);
        }
        Ok(EventRead::of(page, &headers))
    }

    /// `GET /v1/events/stream`, resuming after `last_event_id` if given:
    /// the open stream's body, to be read as events arrive.
    pub async fn open_stream(
        &self,
        last_event_id: Option<&EventId>,
    ) -> Result<Box<dyn Chunks>, ClientError> {
        let headers: Vec<(&str, &str)> = last_event_id
            .map(|id| ("last-event-id", id.as_str()))
            .into_iter()
            .chain([("accept", "text/event-stream")])
            .collect();
        let request = self.get("/v1/events/stream", &headers)?;
        let opened = self.http.open(request);
        let response = match self.timeout {
            Some(limit) => match tokio::time::timeout(limit.to_std(), opened).await {
                Ok(r) => r,
                Err(_) => {
                    self.sent.failures.fetch_add(1, Ordering::Relaxed);
                    self.sent.timed_out.fetch_add(1, Ordering::Relaxed);
                    return Err(ClientError::TimedOut(limit));
                }
            },
            None => opened.await,
        };
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                self.sent.failures.fetch_add(1, Ordering::Relaxed);
                return Err(e.into());
            }
        };
        let (parts, mut chunks) = response.into_parts();
        if !parts.status.is_success() {
            let mut body = Vec::new();
            while let Some(Ok(chunk)) = chunks.next_chunk().await {
                body.extend_from_slice(&chunk);
            }
            return Err(self.refused(parts.status, &parts.headers, &body));
        }
        self.sent.streams_opened.fetch_add(1, Ordering::Relaxed);
        Ok(chunks)
    }

    /// Counts one event received on a stream.
    pub(crate) fn count_streamed(&self) {
        self.sent.events_streamed.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_whole_milliseconds_with_a_unit() {
        assert_eq!(wait_param(Dur::from_secs(30)), "30000ms");
        assert_eq!(wait_param(Dur(1)), "1ms");
        let mut h = http::HeaderMap::new();
        assert_eq!(poll_interval(&h), None);
        h.insert("x-poll-interval", http::HeaderValue::from_static("60"));
        assert_eq!(poll_interval(&h), Some(Dur::from_secs(60)));
    }
}
