//! One timer per lane worker for its attempts' timeouts.
//!
//! Every attempt waits for its answer at most the delivery timeout. Wrapping
//! each in `tokio::time::timeout` made a timer per attempt: created, put
//! in the runtime's timer wheel on its first poll (under the wheel's lock)
//! and taken out again when the answer came first, as it nearly always
//! does. In a burst that was tens of thousands of insertions and removals
//! a second, in the loop every delivery waits behind.
//!
//! A worker sends its attempts one after the other, so one timer serves
//! them all ([`AttemptTimer`]): each attempt moves its deadline to the
//! attempt's own (now plus the timeout, as `timeout` computes it). Moving
//! a registered timer later takes no lock (tokio only notes the new
//! deadline; the wheel finds it when the old one comes and files it again),
//! and every deadline is later than the one before it, since the clock only
//! moves forward and the timeout is the platform's one setting.
//!
//! [`answer_by`] polls the answer first and the deadline second, with the
//! same cooperative-budget rule as `timeout` (a deadline is still checked
//! when the answer's poll used up the task's budget), so an attempt ends as
//! it ended with `timeout`: the answer if it is ready, a timeout once the
//! deadline has passed.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use tokio::task::coop;
use tokio::time::{Instant, Sleep};

/// A lane worker's timer: one [`Sleep`], moved to each attempt's deadline.
pub(crate) struct AttemptTimer {
    sleep: Pin<Box<Sleep>>,
}

impl AttemptTimer {
    /// A timer set to nothing yet (it joins the runtime's timer wheel with
    /// its first attempt).
    pub(crate) fn new() -> Self {
        AttemptTimer {
            sleep: Box::pin(tokio::time::sleep_until(Instant::now())),
        }
    }
}

/// `answer`'s output, or `None` once `timeout` has passed since now (never,
/// if now plus `timeout` overflows the clock, as with `tokio::time::timeout`).
/// `timer` is the worker's; it keeps the deadline after the answer.
pub(crate) async fn answer_by<F: Future + Unpin>(
    mut answer: F,
    timeout: std::time::Duration,
    timer: &mut AttemptTimer,
) -> Option<F::Output> {
    let deadline = Instant::now().checked_add(timeout);
    if let Some(deadline) = deadline {
        timer.sleep.as_mut().reset(deadline);
    }
    let sleep = &mut timer.sleep;
    std::future::poll_fn(move |cx| {
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(output) = Pin::new(&mut answer).poll(cx) {
            return Poll::Ready(Some(output));
        }
        if deadline.is_none() {
            return Poll::Pending;
        }
        // As `timeout` does: if it was the answer that used up the budget,
        // the deadline is polled without one, or a future that always used
        // it up would never be timed out.
        let elapsed = if had_budget && !coop::has_budget_remaining() {
            Pin::new(&mut coop::unconstrained(sleep.as_mut())).poll(cx)
        } else {
            sleep.as_mut().poll(cx)
        };
        elapsed.map(|()| None)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The answer wins while it is ready, whatever the deadline; a pending
    /// one times out at its deadline and not before; and the timer serves
    /// attempt after attempt, including one after a timeout.
    #[tokio::test(start_paused = true)]
    async fn attempts_end_as_with_tokio_timeout() {
        let mut timer = AttemptTimer::new();
        let timeout = Duration::from_secs(10);
        let ready = answer_by(std::future::ready(7), timeout, &mut timer).await;
        assert_eq!(ready, Some(7));
        let start = Instant::now();
        let never = answer_by(std::future::pending::<u8>(), timeout, &mut timer).await;
        assert_eq!(never, None);
        assert_eq!(start.elapsed(), timeout);
        // Answered after 3 s of a 10 s timeout: the answer, at 3 s.
        let start = Instant::now();
        let late = Box::pin(async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            5
        });
        assert_eq!(answer_by(late, timeout, &mut timer).await, Some(5));
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        // And the next one still gets its whole 10 s, not what was left.
        let start = Instant::now();
        let never = answer_by(std::future::pending::<u8>(), timeout, &mut timer).await;
        assert_eq!(never, None);
        assert_eq!(start.elapsed(), timeout);
    }

    /// A timeout too long for the clock never fires, as with
    /// `tokio::time::timeout`.
    #[tokio::test(start_paused = true)]
    async fn an_endless_timeout_waits_for_the_answer() {
        let mut timer = AttemptTimer::new();
        let slow = Box::pin(async {
            tokio::time::sleep(Duration::from_secs(86_400)).await;
            2
        });
        assert_eq!(answer_by(slow, Duration::MAX, &mut timer).await, Some(2));
    }
}
