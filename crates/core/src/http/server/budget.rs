//! The server's budget for request bodies still arriving: one count of
//! bytes for the whole server, so that memory no longer grows as
//! connections × body cap.
//!
//! **Why.** Each route caps its bodies ([`body_limit`](super::body_limit)),
//! and each cap is fine on its own; their sum over connections is not. A
//! client that opens many connections, sends a head with a large
//! `Content-Length` and most of the body, then stalls, makes the server
//! hold every partial body until the request deadline: 40 such connections
//! held a GitHub listener (25 MB cap) at over 1 GB. The budget bounds the
//! sum.
//!
//! **What is counted.** Every data frame of a request body is charged as it
//! reaches the handler ([`Charged`]): those are the bytes a handler that
//! buffers its body (every hooklab handler does: a signature, a JSON
//! document) is holding while the rest is still on the wire. The charge is
//! given back when the body is dropped: when the handler has read it whole
//! (axum's extractors drop it as soon as they have their bytes), when it
//! failed (the request deadline, a client gone), or with the request. What
//! is *not* counted: the handler's own copy once the body is whole. It lives
//! for the handler's time, which the server controls and the client does
//! not; the attack this stops is the client's time. (A handler that streamed
//! a body without keeping it would be charged for all of it until the end:
//! no hooklab handler does.) hyper's own read buffer per connection is not
//! counted either: the connection limit bounds it.
//!
//! **Small bodies keep a quarter.** A body larger than [`SMALL_BODY_BYTES`]
//! (64 KiB) may only bring the total to three quarters of the budget; a
//! small one may use all of it. Large stalled bodies can take no more than
//! their three quarters, so ordinary webhook deliveries and API calls (a few
//! KiB each) still get through while they stall. A body is large when its
//! `Content-Length` says so, or, chunked, from the frame that takes it past
//! the threshold.
//!
//! **The first 16 KiB of every body are free.** Small bodies may use the
//! whole budget, so many connections each stalling a body just under 64
//! KiB could spend it all and have an 8 KB webhook delivery refused until
//! the request deadline cut them (a tester's finding: 1,024 stalled bodies
//! of 65,535 bytes left 1 KiB of 64 MiB). So the first
//! [`DEFAULT_BODY_FREE_BYTES`] of each body (`ServerLimits::body_free_bytes`)
//! are not charged: a delivery or API call of that size always gets
//! through, and what the stalled ones hold uncharged is bounded by the
//! connection limit, as hyper's own read buffer per connection is. Only
//! bodies over the allowance compete for the budget, and for the charge
//! beyond it.
//!
//! **The refusal.** A body that cannot get its bytes fails (the handler sees
//! an error, as for a client gone), and the server answers its request 429
//! `server_busy` in the JSON shape, in the server's language, with
//! `Retry-After: 1` and `Connection: close` (the rest of the body is still
//! on the wire). A body whose `Content-Length` could not fit right now is
//! refused on its first read, before any of it is taken, so the client
//! learns at once rather than after sending megabytes for nothing (unless
//! it is over the whole ceiling, which no wait would make fit: that is the
//! route's cap to refuse, 413, or the charge per frame's). Never a
//! wait: a body that waited for room would hold its connection for the
//! stalled ones' whole deadline.
//!
//! The count is one atomic (no lock, no task), charged by compare-and-swap
//! once per data frame (a webhook's body is usually one) and released once
//! per body.

use super::{Expired, closing_refusal};
use crate::lang::{Lang, Said};
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

/// A body up to this many bytes is small: it may use the whole budget,
/// where a larger one is kept to three quarters of it.
pub const SMALL_BODY_BYTES: usize = 64 * 1024;

/// The bytes at the start of every body that the budget does not charge
/// (see the module docs): 16 KiB, more than a typical webhook delivery or
/// API call.
pub const DEFAULT_BODY_FREE_BYTES: usize = 16 * 1024;

/// The budget every [`serve`](super::serve) keeps unless told otherwise:
/// 64 MiB, room for two of the GitHub listener's 25 MB deliveries at once
/// in its three quarters for large bodies, and for a thousand 16 KiB ones
/// in the quarter kept for small ones.
pub const DEFAULT_BODY_BUDGET_BYTES: usize = 64 * 1024 * 1024;

/// One server's count of request-body bytes held, shared by all its
/// connections.
#[derive(Debug)]
pub(super) struct BodyBudget {
    /// The whole budget, in bytes: what small bodies may bring the total to.
    limit_bytes: usize,
    /// Three quarters of the budget: what large bodies may bring it to.
    large_ceiling_bytes: usize,
    /// The bytes charged now, summed over every body of every connection.
    /// An atomic updated by compare-and-swap from each connection's task:
    /// no lock.
    held_bytes: AtomicUsize,
    /// The language of the refusal's message.
    lang: Lang,
    /// The first bytes of every body, not charged.
    free_bytes: usize,
}

impl BodyBudget {
    /// A budget of `limit_bytes`, its refusals said in `lang`.
    pub(super) fn new(limit_bytes: usize, lang: Lang) -> Self {
        BodyBudget {
            limit_bytes,
            large_ceiling_bytes: limit_bytes - limit_bytes / 4,
            held_bytes: AtomicUsize::new(0),
            lang,
            free_bytes: 0,
        }
    }

    /// The same budget, leaving the first `free_bytes` of every body
    /// uncharged.
    pub(super) fn with_free_bytes(mut self, free_bytes: usize) -> Self {
        self.free_bytes = free_bytes;
        self
    }

    /// What a refused request is answered with (see [`Busy::refusal`]).
    pub(super) fn busy(&self) -> Busy {
        Busy {
            lang: self.lang,
            limit_bytes: self.limit_bytes,
        }
    }

    /// The total that a body of this size may bring the count to.
    fn ceiling(&self, small: bool) -> usize {
        match small {
            true => self.limit_bytes,
            false => self.large_ceiling_bytes,
        }
    }

    /// Takes `bytes` if the count stays within `ceiling`.
    fn charge(&self, bytes: usize, ceiling: usize) -> bool {
        // Relaxed: the count guards no other memory; each update is atomic,
        // which is all a sum needs.
        self.held_bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                held.checked_add(bytes).filter(|&total| total <= ceiling)
            })
            .is_ok()
    }

    /// Whether `bytes` more would fit under `ceiling` now (not taken: the
    /// early look at a `Content-Length`).
    fn fits(&self, bytes: u64, ceiling: usize) -> bool {
        let room = ceiling.saturating_sub(self.held_bytes.load(Ordering::Relaxed));
        bytes <= room as u64
    }

    fn release(&self, bytes: usize) {
        self.held_bytes.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// What [`Edge`](super::Edge)'s answer needs to say `429 server_busy`: the
/// server's language and its budget (copied per request, not shared).
#[derive(Clone, Copy, Debug)]
pub(super) struct Busy {
    lang: Lang,
    limit_bytes: usize,
}

impl Busy {
    /// 429 `server_busy` in the JSON shape, in the server's language, with
    /// `Retry-After: 1` (stalled bodies are given back as they end) and
    /// `Connection: close` (what is left of the body is still on the wire).
    pub(super) fn refusal(self) -> Response {
        let message = busy_message(self.limit_bytes);
        let mut response = closing_refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "server_busy",
            message.get(self.lang).to_owned(),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        response
    }
}

/// The refusal's message, in both languages.
fn busy_message(limit_bytes: usize) -> Said {
    let mib = limit_bytes as f64 / (1024.0 * 1024.0);
    let mib = (mib * 100.0).round() / 100.0;
    // Portuguese writes a decimal comma.
    let mib_pt = mib.to_string().replace('.', ",");
    Said::new(
        format!(
            "the server is holding all the request bodies it can ({mib} MiB of bodies still \
             arriving): try again in a second"
        ),
        format!(
            "o servidor já guarda todos os corpos de requisição que pode ({mib_pt} MiB de \
             corpos ainda chegando): tente de novo em um segundo"
        ),
    )
}

/// Why a [`Charged`] body failed.
#[derive(Debug, thiserror::Error)]
#[error("the server's budget for request bodies is spent")]
pub(super) struct BudgetSpent;

/// A request body whose data frames are charged to the server's
/// [`BodyBudget`] as they arrive, and given back when it is dropped. When a
/// frame does not fit, the body fails and marks its request refused
/// ([`Expired::set_busy`]), so the server answers 429 whatever the handler
/// did with the failure.
pub(super) struct Charged<B> {
    inner: B,
    budget: Arc<BodyBudget>,
    /// Bytes of this body charged so far: given back on drop.
    held_bytes: usize,
    /// Bytes of this body read so far, charged or not.
    seen_bytes: usize,
    /// The body's `Content-Length`, if it has one.
    declared: Option<u64>,
    /// Whether the body has been read yet (the early look is on the first
    /// read, so a handler that never reads its body is never refused).
    read: bool,
    /// Whether the body has been refused: it stays failed.
    refused: bool,
    expired: Expired,
}

impl<B: HttpBody> Charged<B> {
    pub(super) fn new(inner: B, budget: &Arc<BodyBudget>, expired: Expired) -> Self {
        Charged {
            // hyper's body of a request with a `Content-Length` knows its
            // exact size; a chunked one does not.
            declared: inner.size_hint().exact(),
            inner,
            budget: budget.clone(),
            held_bytes: 0,
            seen_bytes: 0,
            read: false,
            refused: false,
            expired,
        }
    }
}

impl<B> Charged<B> {
    /// Whether this body, with `more` bytes, is small.
    fn small(&self, more: usize) -> bool {
        match self.declared {
            Some(declared) => declared <= SMALL_BODY_BYTES as u64,
            None => self.seen_bytes.saturating_add(more) <= SMALL_BODY_BYTES,
        }
    }

    /// What `more` bytes read after the `seen_bytes` so far add to the
    /// charge: those past the budget's free allowance.
    fn chargeable(&self, more: usize) -> usize {
        let free = self.budget.free_bytes;
        let after = self.seen_bytes.saturating_add(more).saturating_sub(free);
        after - self.seen_bytes.saturating_sub(free)
    }

    fn refuse(&mut self) -> Poll<Option<Result<Frame<bytes::Bytes>, axum::BoxError>>> {
        self.refused = true;
        self.expired.set_busy();
        Poll::Ready(Some(Err(Box::new(BudgetSpent))))
    }
}

impl<B> Drop for Charged<B> {
    fn drop(&mut self) {
        if self.held_bytes > 0 {
            self.budget.release(self.held_bytes);
        }
    }
}

impl<B> HttpBody for Charged<B>
where
    B: HttpBody<Data = bytes::Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = bytes::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        if this.refused {
            return Poll::Ready(Some(Err(Box::new(BudgetSpent))));
        }
        if !this.read {
            this.read = true;
            // Only a body that would fit an idle server is refused for
            // the room left now: one over the whole ceiling is left to the
            // route's own cap (a 413, not a "try again" that can never
            // succeed), and to the charge per frame.
            if let Some(declared) = this.declared {
                let ceiling = this.budget.ceiling(this.small(0));
                let charged = declared.saturating_sub(this.budget.free_bytes as u64);
                if charged <= ceiling as u64 && !this.budget.fits(charged, ceiling) {
                    return this.refuse();
                }
            }
        }
        let frame = match std::task::ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
            Some(Ok(frame)) => frame,
            Some(Err(e)) => return Poll::Ready(Some(Err(e.into()))),
            None => return Poll::Ready(None),
        };
        if let Some(data) = frame.data_ref() {
            let bytes = data.len();
            let charge = this.chargeable(bytes);
            if charge > 0 {
                let ceiling = this.budget.ceiling(this.small(bytes));
                if !this.budget.charge(charge, ceiling) {
                    return this.refuse();
                }
                this.held_bytes += charge;
            }
            this.seen_bytes += bytes;
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        !self.refused && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Expired {
    /// This request's body was refused for the budget.
    fn set_busy(&self) {
        // The highest number wins, as for `set`.
        self.expiry.busy.fetch_max(self.request, Ordering::Relaxed);
    }

    /// Whether this request's body was refused for the budget.
    pub(super) fn is_busy(&self) -> bool {
        self.expiry.busy.load(Ordering::Relaxed) == self.request
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use axum::body::Body;

    #[test]
    fn large_bodies_stop_at_three_quarters_small_ones_at_the_whole() {
        let budget = BodyBudget::new(1000, Lang::En);
        assert!(budget.charge(700, budget.ceiling(false)));
        assert!(budget.charge(50, budget.ceiling(false)));
        // 750 of 1000 held: a large body's next byte is over its ceiling.
        assert!(!budget.charge(1, budget.ceiling(false)));
        assert!(!budget.fits(1, budget.ceiling(false)));
        // A small one still has the last quarter, and no more.
        assert!(budget.fits(250, budget.ceiling(true)));
        assert!(budget.charge(250, budget.ceiling(true)));
        assert!(!budget.charge(1, budget.ceiling(true)));
        // Given back, it is there again.
        budget.release(700);
        assert!(budget.charge(450, budget.ceiling(false)));
        assert!(!budget.charge(usize::MAX, budget.ceiling(true)));
    }

    /// A body of `declared` length (or chunked) holding `held_bytes`,
    /// charged to `budget`.
    fn body(budget: &Arc<BodyBudget>, declared: Option<u64>, held_bytes: usize) -> Charged<Body> {
        assert!(budget.charge(held_bytes, budget.ceiling(true)));
        Charged {
            inner: Body::empty(),
            budget: budget.clone(),
            held_bytes,
            seen_bytes: held_bytes,
            declared,
            read: true,
            refused: false,
            expired: Expired::next(&Arc::default()),
        }
    }

    #[test]
    fn a_chunked_body_is_small_until_it_passes_the_threshold() {
        let budget = Arc::new(BodyBudget::new(1 << 20, Lang::En));
        let chunked = body(&budget, None, SMALL_BODY_BYTES - 10);
        assert!(chunked.small(10));
        assert!(!chunked.small(11));
        let declared = body(&budget, Some(SMALL_BODY_BYTES as u64 + 1), 0);
        assert!(!declared.small(0));
        assert!(body(&budget, Some(SMALL_BODY_BYTES as u64), 0).small(0));
        drop((chunked, declared));
        // What they held is given back.
        assert_eq!(budget.held_bytes.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn the_refusal_is_said_in_either_language() {
        assert_eq!(
            busy_message(64 << 20).get(Lang::En),
            "the server is holding all the request bodies it can (64 MiB of bodies still \
             arriving): try again in a second"
        );
        assert_eq!(
            busy_message(3 << 19).get(Lang::PtBr),
            "o servidor já guarda todos os corpos de requisição que pode (1,5 MiB de corpos \
             ainda chegando): tente de novo em um segundo"
        );
        let response = BodyBudget::new(1 << 20, Lang::PtBr).busy().refusal();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        assert_eq!(response.headers()[header::CONNECTION], "close");
    }
}
