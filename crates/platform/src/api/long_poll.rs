//! Long polling (RFC 6202): `GET /v1/payments/{id}?wait=30s` and
//! `GET /v1/events?after=CURSOR&wait=30s` hold the request until there is
//! news (the payment is final; an event after the cursor), or until the wait
//! is over, and then answer what there is, exactly as the same read without
//! `wait` would (conditional headers included).
//!
//! - `wait` is a duration (`500ms`, `30s`, `1m`; a bare number is
//!   milliseconds, as everywhere in hooklab), at most
//!   [`crate::PullConfig::max_wait`] (60 s by default); anything else is a
//!   400. `wait=0` answers at once.
//! - A merchant holds at most [`crate::PullConfig::max_held_per_merchant`]
//!   long polls at once; one more is a 429. Only a request that has to wait
//!   takes a place: one whose answer is ready is answered at once.
//! - The wait runs on the platform's [`hooklab_core::clock::Clock`], so it
//!   lasts 30 simulated seconds in virtual time; a waiter sleeps on its
//!   merchant's news channel ([`crate::news`]) and the timer, never in a
//!   loop, and is woken by the settlement that appends the event.
//! - A held request counts once, as any read (`polls` or `event_lists`, or
//!   `not_modified`), plus `long_polls`, and `long_poll_timeouts` if the
//!   wait ran out with nothing new. It spends one rate-limit token.
//! - At shutdown every held request is answered at once with what there is.
//! - A held request keeps nothing but its place and a subscription (a
//!   version number: the latest news, never a queue), and its answer is one
//!   payment or one page of at most `limit` events, written once: a client
//!   that never reads it leaves that answer in the socket's buffers until
//!   the server's idle timeout closes the connection. Held requests are
//!   bounded per merchant (above) and, over all merchants, by the server's
//!   connection limit.

use super::conditional;
use super::conditional::IfNoneMatch;
use super::refuse;
use crate::Shared;
use crate::error::ApiError;
use crate::i18n::Said;
use crate::news::HeldKind;
use axum::Json;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::ids::{EventId, MerchantId, PaymentId};
use hooklab_core::wire::EventPage;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// `?wait=` parsed and bounded: `None` when absent or zero.
pub(crate) fn parse_wait(shared: &Shared, wait: Option<&str>) -> Result<Option<Dur>, ApiError> {
    let Some(text) = wait else {
        return Ok(None);
    };
    let bad = |message: Said| {
        refuse(
            shared,
            ApiError::BadParameter {
                name: "wait",
                message,
            },
        )
    };
    let max = shared.config.pull.max_wait;
    // One rule for every duration hooklab reads: a bare number is
    // milliseconds, as in scenario files (documented there, and a file's
    // `interval_ms = 200` must keep meaning 200 ms) and in the CLI's flags
    // (`--settle-after 500`), all through `Dur::parse`. `wait` used to refuse
    // a bare number as ambiguous, so `wait=0` was a 400 here and `--every 0`
    // fine there: a client learned two rules for one syntax. Reading it as
    // milliseconds can only shorten a wait someone meant in seconds
    // (`wait=30` answers within 30 ms, a poll that comes back early), never
    // hold a request longer than asked or lose an answer, so the one rule is
    // the scenario files' rather than a second, stricter one.
    let d = Dur::parse(text).map_err(|e| {
        let said = crate::i18n::duration_said(&e);
        bad(Said::new(
            format!("{} (at most {max})", said.en),
            format!("{} (no máximo {max})", said.pt_br),
        ))
    })?;
    if d > max {
        return Err(bad(Said::new(
            format!("{d} is longer than the longest wait, {max}"),
            format!("{d} é mais que a espera mais longa, {max}"),
        )));
    }
    Ok((d > Dur::ZERO).then_some(d))
}

/// Waits for `merchant`'s next news, the deadline, or shutdown; `false` once
/// waiting should stop (the deadline passed, or the platform is closing).
async fn next_news(
    shared: &Shared,
    news: &mut crate::news::Subscription,
    deadline: Micros,
) -> bool {
    // Biased: tokio's select! picks among ready branches at random, so news
    // that came at the deadline's own instant (virtual time: the same
    // millisecond) was delivered on some runs and timed out on others, and
    // one seed gave two summaries about one run in four. News wins.
    tokio::select! {
        biased;
        changed = news.changed() => changed.is_ok(),
        () = shared.clock.sleep_until(deadline) => false,
        () = shared.news.closing() => false,
    }
}

/// A place among the merchant's held long polls, or the 429.
fn hold(shared: &Arc<Shared>, merchant: &MerchantId) -> Result<crate::news::Held, ApiError> {
    let max = shared.config.pull.max_held_per_merchant;
    shared
        .news
        .hold(merchant, HeldKind::LongPoll, max)
        .ok_or_else(|| {
            refuse(
                shared,
                ApiError::TooManyHeld {
                    what: "long polls",
                    max,
                },
            )
        })
}

/// `GET /v1/payments/{id}[?wait=]`: reads with `read` (one status read,
/// which settles a due payment), waiting for the payment to be final if
/// asked to, and answers it (conditionally).
pub(crate) async fn payment(
    shared: &Arc<Shared>,
    merchant: &MerchantId,
    id: &PaymentId,
    wait: Option<Dur>,
    headers: &IfNoneMatch,
    read: impl Fn() -> Result<(Bytes, bool), ApiError>,
) -> Result<Response, ApiError> {
    // Subscribed before the first read, so a settlement in between wakes
    // us; only a read that may wait subscribes (a plain poll never waits,
    // and subscribing cost it a lock, a hash and a channel per merchant).
    let news = wait.map(|_| shared.news.subscribe(merchant));
    let (mut json, mut pending) = read()?;
    if let (Some(wait), Some(mut news)) = (wait, news) {
        shared.served.long_polls.fetch_add(1, Ordering::Relaxed);
        if pending {
            let _held = hold(shared, merchant)?;
            let deadline = shared.clock.now().plus(wait);
            while pending && next_news(shared, &mut news, deadline).await {
                (json, pending) = read()?;
            }
            if pending {
                // Read once more: a payment due exactly at the deadline
                // settles on this read.
                (json, pending) = read()?;
            }
            if pending {
                shared
                    .served
                    .long_poll_timeouts
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    let etag = conditional::payment_etag(id, pending);
    let (response, not_modified) = conditional::answer(shared, merchant, headers, etag, || {
        super::payments::json_body(json).into_response()
    });
    if !not_modified {
        shared.served.polls.fetch_add(1, Ordering::Relaxed);
        if pending {
            shared.served.polls_pending.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(response)
}

/// `GET /v1/events[?after=&limit=&wait=]`: a page of the merchant's events
/// after the cursor, waiting for one if the page is empty and it was asked
/// to, answered conditionally.
pub(crate) async fn events(
    shared: &Arc<Shared>,
    merchant: &MerchantId,
    after: Option<EventId>,
    limit: usize,
    wait: Option<Dur>,
    headers: &IfNoneMatch,
) -> Result<Response, ApiError> {
    let list = || -> EventPage {
        shared
            .ledger()
            .list_events(merchant, after.as_ref(), limit, &shared.clock)
    };
    // As for a payment: only a read that may wait subscribes.
    let news = wait.map(|_| shared.news.subscribe(merchant));
    let mut page = list();
    if let (Some(wait), Some(mut news)) = (wait, news) {
        shared.served.long_polls.fetch_add(1, Ordering::Relaxed);
        if page.data.is_empty() {
            let _held = hold(shared, merchant)?;
            let deadline = shared.clock.now().plus(wait);
            while page.data.is_empty() && next_news(shared, &mut news, deadline).await {
                page = list();
            }
            if page.data.is_empty() {
                shared
                    .served
                    .long_poll_timeouts
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    let etag = conditional::page_etag(after.as_ref(), limit, &page);
    let (response, not_modified) = conditional::answer(shared, merchant, headers, etag, || {
        Json(page).into_response()
    });
    if !not_modified {
        shared.served.event_lists.fetch_add(1, Ordering::Relaxed);
    }
    Ok(response)
}
