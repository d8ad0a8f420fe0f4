//! `GET /v1/events/stream`: the merchant's events as Server-Sent Events.
//!
//! One connection, held open: each event the merchant gets is sent as it is
//! appended to the log, as
//!
//! ```text
//! id: evt_000001
//! data: {"id":"evt_000001","type":"payment.approved",...}
//! ```
//!
//! (`data` is the event exactly as a webhook carries it). A client that lost
//! its connection reconnects with `Last-Event-ID: <the last id it saw>` and
//! the stream resumes right after that event: nothing lost, nothing
//! repeated. Without `Last-Event-ID` the stream starts from now (the log
//! before is `GET /v1/events`). A `Last-Event-ID` that names none of the
//! merchant's events is a 400: resuming from a cursor the platform does not
//! know would lose events silently. One after which an event was forgotten
//! unread (`--keep`) is a 410 `cursor_expired`, for the same reason; one
//! opened without it carries `Events-Forgotten-Through` as a read of the
//! log without a cursor does (see `events`), and a
//! stream whose client read nothing for that long ends rather than skip
//! the forgotten event, and its reconnection is told so.
//!
//! A keep-alive comment (`: keep-alive`) every
//! [`crate::PullConfig::keep_alive`] (15 s by default) keeps idle
//! connections and the proxies between open. A merchant has at most
//! [`crate::PullConfig::max_streams_per_merchant`] streams open at once (one
//! more is a 429). Opening one spends a rate-limit token; each stream
//! counts in `streams_opened`, each event sent in `events_streamed`. Every
//! stream ends when the platform shuts down.
//!
//! What a slow client costs is bounded, and nothing here queues for it: the
//! body is pulled, not pushed. The next event is read from the log only
//! when hyper asks for it, which it does once the previous frames went into
//! the socket, so a stream holds at most one page read ahead ([`PAGE`]
//! events) and one frame being written, whatever the log holds; hyper holds
//! at most its write buffer (16 frames), the kernel the two sockets'
//! buffers (a few megabytes at most with Linux's autotuning). A client that
//! never reads fills those and the stream stops
//! reading the log; nothing moves on its connection, and the server's idle
//! timeout (`ServerLimits::idle_timeout`, 60 s by default) closes it, which
//! drops the stream and gives its place back. The client sees the
//! connection end and resumes with `Last-Event-ID`, losing nothing.
//! Streams open at once are bounded per merchant (above) and, over all
//! merchants, by the server's connection limit.

use super::{Caller, refuse};
use crate::Shared;
use crate::error::ApiError;
use crate::i18n::Said;
use crate::news::{Held, HeldKind};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use hooklab_core::ids::{EventId, MerchantId};
use hooklab_core::wire::Event;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Events read from the log per hold of the ledger's lock: also the most a
/// stream reads ahead of what its client took (see the module's docs).
const PAGE: usize = 100;

/// Where one open stream stands.
struct Cursor {
    shared: Arc<Shared>,
    merchant: MerchantId,
    /// The last event sent (or resumed after).
    after: Option<EventId>,
    /// Read from the log, not sent yet.
    ready: VecDeque<Event>,
    news: crate::news::Subscription,
    /// The stream's place among the merchant's; given back when the client
    /// goes away and the stream is dropped.
    _held: Held,
}

impl Cursor {
    /// The next event to send, waiting for one if none is new; `None` once
    /// the platform is closing.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                self.after = Some(event.id.clone());
                return Some(event);
            }
            let page = {
                let ledger = self.shared.ledger();
                // An event forgotten before this stream sent it (a client
                // that read nothing for longer than the platform keeps a
                // finished event): the stream ends rather than skip it, and
                // the client's reconnection with its Last-Event-ID is told
                // (410 `cursor_expired`).
                if let Some(after) = &self.after
                    && ledger.forgotten_after(&self.merchant, after).is_some()
                {
                    return None;
                }
                ledger.list_events(
                    &self.merchant,
                    self.after.as_ref(),
                    PAGE,
                    &self.shared.clock,
                )
            };
            if !page.data.is_empty() {
                self.ready.extend(page.data.into_iter().map(|l| l.event));
                continue;
            }
            // Biased for the same reason as a long poll's wait: one seed,
            // one outcome.
            tokio::select! {
                biased;
                changed = self.news.changed() => changed.ok()?,
                () = self.shared.news.closing() => return None,
            }
        }
    }
}

/// The `Last-Event-ID` to resume after: absent, or one of the merchant's
/// events.
fn resume_after(
    shared: &Shared,
    merchant: &MerchantId,
    headers: &HeaderMap,
) -> Result<Option<EventId>, ApiError> {
    let Some(value) = headers.get("last-event-id") else {
        return Ok(None);
    };
    let bad = |message: Said| {
        refuse(
            shared,
            ApiError::BadParameter {
                name: "Last-Event-ID",
                message,
            },
        )
    };
    let text = value
        .to_str()
        .map_err(|_| {
            bad(Said::new(
                "is not text; send the `id:` of the last event you received",
                "não é texto; envie o `id:` do último evento que você recebeu",
            ))
        })?
        .trim();
    let id = EventId(text.to_owned());
    // A forgotten event is still a place in the log to resume after.
    let known = {
        let ledger = shared.ledger();
        ledger.event(merchant, &id).is_some() || ledger.event_forgotten(&id)
    };
    if !known {
        return Err(refuse(
            shared,
            ApiError::UnknownCursor {
                name: "Last-Event-ID",
                message: Said::new(
                    format!(
                        "`{text}` is none of your events; send the `id:` of the last event you received, or no Last-Event-ID to start from now"
                    ),
                    format!(
                        "`{text}` não é nenhum dos seus eventos; envie o `id:` do último evento que você recebeu, ou nenhum Last-Event-ID para começar de agora"
                    ),
                ),
            },
        ));
    }
    super::events::expired(
        shared,
        merchant,
        &id,
        &Said::new(
            "reconnect without Last-Event-ID, which starts from now (GET /v1/events without `after` lists what is kept)",
            "reconecte sem Last-Event-ID, que começa de agora (GET /v1/events sem `after` lista o que está guardado)",
        ),
    )?;
    Ok(Some(id))
}

/// `GET /v1/events/stream`.
pub(crate) async fn stream(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    _: super::query::NoQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let resumed = resume_after(&shared, &merchant, &headers)?;
    let max = shared.config.pull.max_streams_per_merchant;
    let held = shared
        .news
        .hold(&merchant, HeldKind::Stream, max)
        .ok_or_else(|| {
            refuse(
                &shared,
                ApiError::TooManyHeld {
                    what: "event streams",
                    max,
                },
            )
        })?;
    // Subscribed before the cursor is fixed, so an event appended in
    // between is either before the cursor or wakes the stream.
    let news = shared.news.subscribe(&merchant);
    // A stream from now, as a read of the log without a cursor, says
    // whether the log before it lost an event unread (see `events`).
    let forgotten = match resumed {
        None => shared.ledger().forgotten_through(&merchant),
        Some(_) => None,
    };
    let after = match resumed {
        Some(id) => Some(id),
        None => shared.ledger().latest_event(&merchant),
    };
    shared.served.streams_opened.fetch_add(1, Ordering::Relaxed);
    let keep_alive = shared.config.pull.keep_alive.to_std();
    let cursor = Cursor {
        shared,
        merchant,
        after,
        ready: VecDeque::new(),
        news,
        _held: held,
    };
    let events = futures_util::stream::unfold(cursor, |mut cursor| async move {
        let event = cursor.next().await?;
        cursor
            .shared
            .served
            .events_streamed
            .fetch_add(1, Ordering::Relaxed);
        // Serialising ids, strings and integers cannot fail.
        let data = serde_json::to_string(&event).unwrap_or_default();
        let sse = SseEvent::default().id(event.id.as_str()).data(data);
        Some((Ok::<_, Infallible>(sse), cursor))
    });
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(keep_alive).text("keep-alive"))
        .into_response();
    if let Some(value) = forgotten.and_then(|id| http::HeaderValue::from_str(id.as_str()).ok()) {
        response
            .headers_mut()
            .insert(super::events::FORGOTTEN_THROUGH, value);
    }
    Ok(response)
}
