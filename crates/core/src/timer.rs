//! A timer that fires within tens of microseconds, for real-mode settlement.
//!
//! tokio's timer wheel has one-millisecond slots: a sleep ends on the first
//! tick at or after its deadline, so on average half a millisecond late, and
//! often a whole one once the runtime's own `epoll_wait` rounding is counted.
//! That is fine for a poller (real pollers are not that precise either), but
//! it is not fine for the instant a payment settles: every webhook would start
//! up to a millisecond late, and the lab would measure tokio's timer instead
//! of the webhook.
//!
//! [`PreciseSleep`] hands the last stretch of a wait to one OS thread that
//! sleeps on a condition variable with a timeout (a futex with a
//! nanosecond timeout: the kernel's high-resolution timers, late by the
//! thread's timer slack, 50 µs by default) and wakes the task when its
//! deadline has passed. The thread holds a heap of deadlines, so one thread
//! serves every platform in the process.
//!
//! Only real-mode clocks use it ([`crate::clock::Clock::precise`]): on tokio's
//! paused clock a wait must go through tokio's timer, or virtual time would
//! not advance past it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

/// Sleeps until `deadline` (operating-system time), woken by the timer
/// thread. Dropping it cancels the wake-up.
pub struct PreciseSleep {
    deadline: Instant,
    slot: Option<Arc<Slot>>,
}

impl PreciseSleep {
    /// A sleep until `deadline`. Nothing is registered until it is polled.
    pub fn until(deadline: Instant) -> Self {
        PreciseSleep {
            deadline,
            slot: None,
        }
    }
}

/// What a sleeping future and the timer thread share.
#[derive(Default)]
struct Slot {
    /// The task to wake; `None` once fired or cancelled.
    waker: Mutex<Option<Waker>>,
}

impl Future for PreciseSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        match &self.slot {
            Some(slot) => {
                // Still early (a spurious poll): keep the newest waker.
                *lock(&slot.waker) = Some(cx.waker().clone());
            }
            None => {
                let Some(timer) = timer() else {
                    // No timer thread (see `available`): callers check first;
                    // never hang a task that did not.
                    return Poll::Ready(());
                };
                let slot = Arc::new(Slot {
                    waker: Mutex::new(Some(cx.waker().clone())),
                });
                timer.register(self.deadline, slot.clone());
                self.slot = Some(slot);
            }
        }
        Poll::Pending
    }
}

impl Drop for PreciseSleep {
    fn drop(&mut self) {
        // The heap entry stays until its deadline; with no waker it wakes
        // nobody.
        if let Some(slot) = &self.slot {
            lock(&slot.waker).take();
        }
    }
}

/// The process's timer thread and its heap of deadlines.
struct Timer {
    heap: Mutex<BinaryHeap<Reverse<Entry>>>,
    changed: Condvar,
}

struct Entry {
    deadline: Instant,
    /// Breaks ties in registration order (and makes `Ord` total).
    seq: u64,
    slot: Arc<Slot>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every critical section is a push, a pop or a swap: a panic inside one
    // cannot leave the data half-changed.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether the timer thread runs (it starts on first use). If the OS refused
/// to start it, callers sleep on tokio's timer instead.
pub fn available() -> bool {
    timer().is_some()
}

/// The timer, started on first use; `None` if the OS would not start its
/// thread.
fn timer() -> Option<&'static Timer> {
    static TIMER: OnceLock<Option<&'static Timer>> = OnceLock::new();
    *TIMER.get_or_init(|| {
        let timer: &'static Timer = Box::leak(Box::new(Timer {
            heap: Mutex::new(BinaryHeap::new()),
            changed: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("hooklab-timer".to_owned())
            .spawn(move || timer.run())
            .ok()
            .map(|_| timer)
    })
}

impl Timer {
    fn register(&self, deadline: Instant, slot: Arc<Slot>) {
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut heap = lock(&self.heap);
        let sooner = heap.peek().is_none_or(|Reverse(e)| deadline < e.deadline);
        heap.push(Reverse(Entry {
            deadline,
            seq,
            slot,
        }));
        drop(heap);
        if sooner {
            self.changed.notify_one();
        }
    }

    /// Wakes every entry whose deadline has passed, then sleeps until the
    /// next one (or until a sooner one is registered). Runs for the life of
    /// the process.
    fn run(&self) {
        let mut heap = lock(&self.heap);
        loop {
            let now = Instant::now();
            while heap.peek().is_some_and(|Reverse(e)| e.deadline <= now) {
                if let Some(Reverse(entry)) = heap.pop()
                    && let Some(waker) = lock(&entry.slot.waker).take()
                {
                    waker.wake();
                }
            }
            heap = match heap.peek() {
                Some(Reverse(next)) => {
                    let wait = next.deadline.saturating_duration_since(now);
                    self.changed
                        .wait_timeout(heap, wait)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
                None => self.changed.wait(heap).unwrap_or_else(|p| p.into_inner()),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn wakes_after_the_deadline_in_order() {
        let start = Instant::now();
        let later = tokio::spawn(PreciseSleep::until(start + Duration::from_millis(6)));
        PreciseSleep::until(start + Duration::from_millis(3)).await;
        assert!(Instant::now() >= start + Duration::from_millis(3));
        later.await.unwrap();
        assert!(Instant::now() >= start + Duration::from_millis(6));
    }

    #[tokio::test]
    async fn a_past_deadline_is_ready_at_once_and_a_dropped_sleep_wakes_nobody() {
        PreciseSleep::until(Instant::now()).await;
        // Register a sleep far ahead, then drop it: its entry stays in the
        // heap until its deadline, but with no waker to call.
        let mut sleep = Box::pin(PreciseSleep::until(
            Instant::now() + Duration::from_secs(60),
        ));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(sleep.as_mut().poll(&mut cx).is_pending());
        let slot = sleep.slot.clone().expect("a pending sleep is registered");
        assert!(lock(&slot.waker).is_some());
        drop(sleep);
        assert!(
            lock(&slot.waker).is_none(),
            "a dropped sleep must wake nobody"
        );
    }
}
