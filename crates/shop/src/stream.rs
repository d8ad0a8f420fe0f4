//! The stream strategy: one Server-Sent Events connection per merchant
//! (`GET /v1/events/stream`), each event recorded as it arrives.
//!
//! The platform pushes each of the merchant's events with an `id:` line.
//! The shop remembers the last id it saw; when the connection drops (a
//! partition, a restart, a proxy timing out) it reconnects with
//! `Last-Event-ID: <that id>` and the platform resumes right after it, so
//! nothing is lost across the drop. Reconnects back off (100 ms doubling up
//! to [`STREAM_RECONNECT_MAX`]), as the SSE spec's `retry` suggests.
//!
//! One gap needs care: a stream opened without `Last-Event-ID` starts "from
//! now", so the events appended before it opened (an order that settled
//! before the first connection, or before a reconnect to a platform that
//! no longer knew the last id) would never come. So every stream opened
//! without `Last-Event-ID` is followed by a catch-up: once it is open, the
//! shop reads the log (`GET /v1/events`) from its beginning, then reads the
//! stream, skipping the events the catch-up already applied (the stream
//! sends what came after its opening, and the catch-up may have read some
//! of those too). Reading the log after the opening, not before, leaves no
//! instant uncovered. If the catch-up fails, the stream is dropped and
//! opened again (after the catch-up's last page, if it read one).
//!
//! A `Last-Event-ID` the platform answers `410 cursor_expired` (an event
//! after it was forgotten unread) is dropped the same way, and once the
//! new stream is caught up every order still waiting is asked about
//! directly (see [`crate::pull`]).
//! So is a `Last-Event-ID` it no longer knows (a platform started again
//! without its data), a catch-up whose first page names events forgotten
//! unread, and a reopening (after a drop) that finds another platform than
//! the one that made the waiting payments (see [`crate::pull::platform_changed`]).
//!
//! [`SseParser`] is the small part of the SSE format the platform uses:
//! `id:` and `data:` fields, a blank line ending an event, `:` comments
//! (the keep-alive).

use crate::client::{ClientError, PlatformClient};
use crate::orders::{Channel, OrderBook};
use crate::pull::{Gap, Horizon};
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::events::Happening;
use hooklab_core::ids::EventId;
use hooklab_core::scenario::backoff::STREAM_RECONNECT_MAX;
use hooklab_core::shutdown::Shutdown;
use hooklab_core::wire::Event;
use std::collections::HashSet;
use std::sync::Arc;

/// One event as the stream carried it.
#[derive(Clone, Debug, PartialEq)]
pub struct SseEvent {
    /// Its `id:` (the platform's event id), if it had one.
    pub id: Option<String>,
    /// Its `data:` lines, joined by newlines.
    pub data: String,
}

/// Splits a stream's bytes into events, whatever the chunks' boundaries.
#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes of a line not ended yet.
    partial: Vec<u8>,
    id: Option<String>,
    data: Vec<String>,
}

impl SseParser {
    /// Feeds `chunk`; returns the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        for &b in chunk {
            if b != b'\n' {
                self.partial.push(b);
                continue;
            }
            let mut line = std::mem::take(&mut self.partial);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8_lossy(&line);
            if line.is_empty() {
                if !self.data.is_empty() {
                    out.push(SseEvent {
                        id: self.id.take(),
                        data: std::mem::take(&mut self.data).join("\n"),
                    });
                }
                self.id = None;
                continue;
            }
            if line.starts_with(':') {
                continue; // a comment: the keep-alive
            }
            let (field, value) = line.split_once(':').unwrap_or((&line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "id" => self.id = Some(value.to_owned()),
                "data" => self.data.push(value.to_owned()),
                _ => {}
            }
        }
        out
    }
}

/// One merchant's stream reader.
pub struct StreamReader {
    /// The run's clock.
    pub clock: Clock,
    /// The platform's API (with the merchant's key).
    pub client: PlatformClient,
    /// Where outcomes go.
    pub book: Arc<OrderBook>,
}

/// The first wait before a reconnect.
const FIRST_RECONNECT: Dur = Dur::from_ms(100);

impl StreamReader {
    /// Records one event's payment.
    fn apply(&self, event: &Event) {
        let payment = &event.data;
        self.book.record(
            &payment.order_id,
            payment.status,
            Channel::Stream,
            self.clock.now(),
        );
    }

    /// Reads the log from its start (the catch-up after opening a stream
    /// without `Last-Event-ID`), applying every event. Moves `last` to the
    /// last event read and puts every id read in `applied`, page by page, so
    /// a failure part-way keeps what was read.
    async fn catch_up(
        &self,
        last: &mut Option<EventId>,
        applied: &mut HashSet<EventId>,
        horizon: &mut Horizon,
        reread: &mut Option<Gap>,
    ) -> Result<(), ClientError> {
        let mut cursor: Option<EventId> = None;
        loop {
            let read = self.client.list_events(cursor.as_ref(), 100).await?;
            if cursor.is_none()
                && let Some(gap) = horizon.news(&read)
            {
                // A 410 that restarted the log is the sharper reason.
                reread.get_or_insert(gap);
            }
            let page = read.page;
            let now = self.clock.now();
            self.book.events().emit(now, || Happening::EventPoll {
                found: page.data.len() as u32,
            });
            for listed in &page.data {
                self.apply(&listed.event);
                applied.insert(listed.event.id.clone());
            }
            if page.next_after.is_some() {
                cursor = page.next_after;
                last.clone_from(&cursor);
            }
            if !page.has_more {
                return Ok(());
            }
        }
    }

    /// Reads the merchant's stream until `shutdown`, reconnecting after
    /// every drop.
    pub async fn run(self, mut shutdown: Shutdown) {
        // Every event up to `last` has been applied: a stream resumes after
        // it. `None`: the next stream opens from now and is caught up.
        let mut last: Option<EventId> = None;
        // A re-read of the waiting orders still owed, and why (see
        // [`crate::pull`]): done once a stream is open and caught up.
        let mut reread: Option<Gap> = None;
        // The forgotten events a catch-up was told of.
        let mut horizon = Horizon::default();
        // The last stream dropped, or an opening failed: the platform may
        // be another now (see [`crate::pull::platform_changed`]). True at
        // the start too: orders placed before the first opening may have
        // been made by a platform gone since (no request when none waits).
        let mut dropped = true;
        let mut wait = FIRST_RECONNECT;
        loop {
            if shutdown.is_triggered() {
                return;
            }
            let from_now = last.is_none();
            match self.client.open_stream(last.as_ref()).await {
                Ok(mut chunks) => {
                    wait = FIRST_RECONNECT;
                    // The events the catch-up applied; the stream's first
                    // events may be among them.
                    let mut applied = HashSet::new();
                    let caught_up = if from_now {
                        let read = tokio::select! {
                            biased;
                            _ = shutdown.wait() => return,
                            read = self.catch_up(&mut last, &mut applied, &mut horizon, &mut reread) => read,
                        };
                        read.map_err(|e| {
                            tracing::debug!(error = %e.chain(), "stream catch-up failed");
                        })
                        .is_ok()
                    } else {
                        true
                    };
                    // Back after a drop: is this still the platform that
                    // made the waiting payments? A platform started afresh
                    // knows no cursor, and its log none of their events.
                    let known = !(caught_up && dropped)
                        || {
                            let changed = tokio::select! {
                                biased;
                                _ = shutdown.wait() => return,
                                changed = crate::pull::platform_changed(&self.client, &self.book) => changed,
                            };
                            match changed {
                                Ok(gap) => {
                                    if gap.is_some() {
                                        reread = gap;
                                    }
                                    true
                                }
                                Err(_) => false,
                            }
                        };
                    // What settled unseen before the catch-up's log is
                    // asked for now; if a read gets no answer, the stream
                    // is dropped and the re-read tried at the next opening.
                    let reread_done = match (&reread, caught_up && known) {
                        (Some(gap), true) => {
                            let done = tokio::select! {
                                biased;
                                _ = shutdown.wait() => return,
                                done = crate::pull::reread_waiting(&self.client, &self.book, &self.clock, gap) => done,
                            };
                            if done {
                                reread = None;
                            }
                            done
                        }
                        _ => true,
                    };
                    let mut parser = SseParser::default();
                    // A failed catch-up drops the stream: it opens again.
                    if caught_up && known && reread_done {
                        loop {
                            // A stream never ends on its own: stop reading at
                            // shutdown (a platform in this process ends its
                            // streams then too; one in another does not).
                            let next = tokio::select! {
                                biased;
                                chunk = chunks.next_chunk() => chunk,
                                _ = shutdown.wait() => return,
                            };
                            let Some(Ok(chunk)) = next else { break };
                            for sse in parser.feed(&chunk) {
                                let Ok(event) = serde_json::from_str::<Event>(&sse.data) else {
                                    tracing::warn!("a streamed event did not parse; skipped");
                                    continue;
                                };
                                self.client.count_streamed();
                                let id = sse.id.map_or_else(|| event.id.clone(), EventId);
                                // The stream is in the log's order: once one of
                                // its events is past the catch-up, all are.
                                if !applied.is_empty() && applied.remove(&id) {
                                    last = Some(id);
                                    continue;
                                }
                                applied = HashSet::new();
                                self.apply(&event);
                                last = Some(id);
                            }
                        }
                    }
                    // The body ended: the platform closes streams when it
                    // shuts down; otherwise the connection dropped.
                    if shutdown.is_triggered() {
                        return;
                    }
                    dropped = true;
                }
                Err(ClientError::Refused {
                    retry_after: Some(after),
                    ..
                }) => wait = wait.max(after),
                // The platform no longer knows the last event (it restarted
                // without its data): open from now, and catch up on its log
                // from the start.
                // Its log will never hold what the waiting orders wait
                // for: they are asked about once caught up.
                Err(e) if e.is_unknown_cursor() => {
                    last = None;
                    reread = Some(Gap::unknown_cursor(true, &e));
                }
                // An event after the last one read was forgotten unread: open
                // from now, catch up, and ask for the waiting orders.
                Err(e) if e.is_cursor_expired() => {
                    last = None;
                    reread = Some(Gap::CursorExpired);
                }
                Err(e) => {
                    dropped = true;
                    tracing::debug!(error = %e.chain(), "stream open failed");
                }
            }
            tokio::select! {
                biased;
                _ = shutdown.wait() => return,
                _ = self.clock.sleep_until(self.clock.now().plus(wait)) => {}
            }
            wait = Dur(wait.as_us() * 2).min(STREAM_RECONNECT_MAX);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_survive_any_chunk_boundary() {
        let text = b": keep-alive\n\nid: evt_1\ndata: {\"a\":1}\n\nid: evt_2\r\ndata: x\r\ndata: y\r\n\r\n";
        let whole = SseParser::default().feed(text);
        assert_eq!(
            whole,
            [
                SseEvent {
                    id: Some("evt_1".into()),
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    id: Some("evt_2".into()),
                    data: "x\ny".into()
                },
            ]
        );
        for cut in 0..text.len() {
            let mut p = SseParser::default();
            let mut got = p.feed(&text[..cut]);
            got.extend(p.feed(&text[cut..]));
            assert_eq!(got, whole, "cut at {cut}");
        }
    }
}
