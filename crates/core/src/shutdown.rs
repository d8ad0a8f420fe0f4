//! A shutdown signal passed to every long-running task.
//!
//! Servers and workers take their shutdown signal as an argument (as
//! mini-redis does), never from a global: a test can start and stop as many
//! platforms as it likes, each on its own port, each with its own signal.

use tokio::sync::watch;

/// The side that asks for shutdown. Dropping it also shuts everything down.
#[derive(Debug)]
pub struct ShutdownTrigger(watch::Sender<bool>);

/// The side that waits for shutdown. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Shutdown(watch::Receiver<bool>);

/// A new trigger and its first listener.
pub fn channel() -> (ShutdownTrigger, Shutdown) {
    let (tx, rx) = watch::channel(false);
    (ShutdownTrigger(tx), Shutdown(rx))
}

impl ShutdownTrigger {
    /// Asks every listener to stop.
    pub fn trigger(&self) {
        // `send_replace` succeeds even when no listener is left.
        self.0.send_replace(true);
    }

    /// Another listener.
    pub fn subscribe(&self) -> Shutdown {
        Shutdown(self.0.subscribe())
    }
}

impl Shutdown {
    /// Whether shutdown was asked for.
    pub fn is_triggered(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits until shutdown is asked for (or the trigger is dropped).
    pub async fn wait(&mut self) {
        // `wait_for` returns an error only when the sender is gone, which also
        // means: stop.
        let _ = self.0.wait_for(|stop| *stop).await;
    }
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
    }
}
