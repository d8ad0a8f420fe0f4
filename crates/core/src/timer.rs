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
//! Waking a task is not instant either: the timer thread's futex returns up
//! to its timer slack late, and the runtime thread it wakes may be parked
//! in `epoll_wait` and need tens of microseconds more to run the task. On
//! this lab's 2-core VM that chain was most of a webhook's p50 at low load
//! (issue 19's target is 0.3 ms for the whole notification). So the timer
//! thread wakes a task [`EARLY`] before its deadline, and the task, once
//! polled, spins the few microseconds that are left ([`SPIN_AT_MOST`] at
//! the very most) instead of going back to sleep: the runtime thread is
//! awake when the instant comes. A spin costs at most [`SPIN_AT_MOST`] of
//! one core, and only in real mode; so that a busy platform (settlements
//! every few hundred microseconds) does not spin a core away, a sleep is
//! woken early only when no spin ended in the last [`SPIN_GAP`]: at most
//! about 7 % of one core, and every settlement at low load.
//!
//! Only real-mode clocks use it ([`crate::clock::Clock::precise`]): on tokio's
//! paused clock a wait must go through tokio's timer, or virtual time would
//! not advance past it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// How long before its deadline the timer thread wakes a task: about the
/// futex's timer slack (50 µs) plus a parked runtime thread's wake-up,
/// measured at 50 to 150 µs on a quiet 2-core VM.
pub const EARLY: Duration = Duration::from_micros(150);

/// The longest a polled sleep spins instead of registering again: a poll
/// this close to its deadline waits in place (see the module docs). More
/// than [`EARLY`], so a wake-up that came on time always ends in the spin.
pub const SPIN_AT_MOST: Duration = Duration::from_micros(200);

/// The least time between the end of one spin and a sleep registered to be
/// woken early (see the module docs).
pub const SPIN_GAP: Duration = Duration::from_millis(2);

/// Sleeps until `deadline` (operating-system time), woken by the timer
/// thread. Dropping it cancels the wake-up.
pub struct PreciseSleep {
    deadline: Instant,
    slot: Option<Arc<Slot>>,
    /// Registered to be woken [`EARLY`], to spin the rest.
    early: bool,
}

/// When the last spin ended, in nanoseconds since [`origin`] (0: never).
static LAST_SPIN_END: AtomicU64 = AtomicU64::new(0);

/// The instant the spin clock counts from.
fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

fn nanos_since_origin(at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(origin()).as_nanos()).unwrap_or(u64::MAX)
}

/// Whether a sleep registered at `now` may be woken early and spin.
fn may_spin(now: Instant) -> bool {
    let last = LAST_SPIN_END.load(Ordering::Relaxed);
    last == 0 || nanos_since_origin(now).saturating_sub(last) >= SPIN_GAP.as_nanos() as u64
}

/// Waits in place until `deadline`, and notes when the spin ended.
fn spin_until(deadline: Instant) {
    let mut now = Instant::now();
    while now < deadline {
        std::hint::spin_loop();
        now = Instant::now();
    }
    LAST_SPIN_END.store(nanos_since_origin(now).max(1), Ordering::Relaxed);
}

impl PreciseSleep {
    /// A sleep until `deadline`. Nothing is registered until it is polled.
    pub fn until(deadline: Instant) -> Self {
        PreciseSleep {
            deadline,
            slot: None,
            early: false,
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
        let now = Instant::now();
        if now >= self.deadline {
            return Poll::Ready(());
        }
        let close = self.deadline - now <= SPIN_AT_MOST;
        if close && (self.early || (self.slot.is_none() && may_spin(now))) {
            // Woken early on purpose (or first polled this close): the rest
            // is shorter than any wake-up, so wait here.
            spin_until(self.deadline);
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
                let early = may_spin(now);
                let wake_at = match early {
                    true => self.deadline - EARLY,
                    false => self.deadline,
                };
                timer.register(wake_at, slot.clone());
                self.slot = Some(slot);
                self.early = early;
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

    /// A spin that just ended holds the next early wake-up back for
    /// [`SPIN_GAP`], so a busy platform does not spin a core away; after
    /// the gap, early wake-ups are allowed again.
    #[test]
    fn a_spin_holds_early_wake_ups_back_for_the_gap() {
        spin_until(Instant::now() + Duration::from_micros(20));
        let ended = Instant::now();
        assert!(!may_spin(ended));
        assert!(may_spin(ended + SPIN_GAP + Duration::from_secs(1)));
    }
}
