//! A shutdown signal passed to every long-running task.
//!
//! Servers and workers take their shutdown signal as an argument (as
//! mini-redis does), never from a global: a test can start and stop as many
//! platforms as it likes, each on its own port, each with its own signal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Notify;

/// What the trigger and its listeners share: a flag that only ever goes
/// from false to true, and a notifier to wake whoever waits for it.
///
/// Not a `watch` channel: a sleeping poller (one per pending order) holds a
/// waiting future, and `Notify`'s is less than half the size of `watch`'s.
#[derive(Debug, Default)]
struct Signal {
    stop: AtomicBool,
    notify: Notify,
}

/// The side that asks for shutdown. Dropping it also shuts everything down.
#[derive(Debug)]
pub struct ShutdownTrigger(Arc<Signal>);

/// The side that waits for shutdown. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Shutdown(Arc<Signal>);

/// A new trigger and its first listener.
pub fn channel() -> (ShutdownTrigger, Shutdown) {
    let signal = Arc::new(Signal::default());
    (ShutdownTrigger(signal.clone()), Shutdown(signal))
}

impl ShutdownTrigger {
    /// Asks every listener to stop.
    pub fn trigger(&self) {
        self.0.stop.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Another listener.
    pub fn subscribe(&self) -> Shutdown {
        Shutdown(self.0.clone())
    }
}

impl Drop for ShutdownTrigger {
    fn drop(&mut self) {
        self.trigger();
    }
}

impl Shutdown {
    /// Whether shutdown was asked for (or the trigger was dropped).
    pub fn is_triggered(&self) -> bool {
        self.0.stop.load(Ordering::SeqCst)
    }

    /// Waits until shutdown is asked for (or the trigger is dropped).
    pub async fn wait(&mut self) {
        let mut notified = std::pin::pin!(self.0.notify.notified());
        // Registered before the flag is read: a trigger in between still
        // wakes this future, so no shutdown is missed.
        notified.as_mut().enable();
        if self.is_triggered() {
            return;
        }
        notified.await;
    }
}

/// Resolves on Ctrl-C: the usual end of `hooklab platform`, `shop`, `live`
/// and `github listen`, which all wait on this one function. If Ctrl-C
/// cannot be watched it never resolves: a server then runs until it is
/// killed, rather than stopping the moment it started.
pub async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// A Ctrl-C future already armed: [`ctrl_c`] polled once here, which
/// installs the handler, so a SIGINT from the moment this returns is caught
/// (until the first poll it ends the process on the spot, with no word
/// said). `platform`, `shop`, `live` and `github listen` arm theirs before
/// printing the line a user reacts to.
pub async fn armed_ctrl_c() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    let mut interrupt: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> =
        Box::pin(ctrl_c());
    std::future::poll_fn(|cx| {
        // A Ctrl-C since the install is kept, by a ready future in its
        // place: a finished `async fn` must not be polled again.
        if interrupt.as_mut().poll(cx).is_ready() {
            interrupt = Box::pin(std::future::ready(()));
        }
        std::task::Poll::Ready(())
    })
    .await;
    interrupt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_listener_sees_the_trigger() {
        let (trigger, mut a) = channel();
        let mut b = trigger.subscribe();
        assert!(!a.is_triggered());
        trigger.trigger();
        a.wait().await;
        b.wait().await;
        assert!(b.is_triggered());
    }

    #[tokio::test]
    async fn dropping_the_trigger_also_stops() {
        let (trigger, mut a) = channel();
        drop(trigger);
        a.wait().await;
        assert!(a.is_triggered());
    }

    #[tokio::test]
    async fn a_listener_waiting_before_the_trigger_is_woken() {
        let (trigger, mut a) = channel();
        let waiter = tokio::spawn(async move { a.wait().await });
        // Let the waiter register before the trigger.
        tokio::task::yield_now().await;
        trigger.trigger();
        let woken = tokio::time::timeout(std::time::Duration::from_secs(30), waiter).await;
        assert!(woken.is_ok(), "the waiting listener was never woken");
    }
}
