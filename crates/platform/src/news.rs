//! News for the clients that wait instead of asking again: long polls
//! (`?wait=`), event streams (`GET /v1/events/stream`), and the load that
//! decides `X-Poll-Interval`.
//!
//! Every event the ledger appends is announced here, per merchant, on a
//! channel of its own (`News::publish`, called by `Shared::settled` once the
//! ledger's lock is released): a version counter and a
//! [`tokio::sync::Notify`]. Not a `tokio::sync::watch`: a watch channel
//! files each receiver under one of eight notifiers chosen at random, so
//! the long polls a settlement wakes answered in a different order from one
//! run to the next, each answer then drew a different network latency, and
//! one seed gave several summaries. `Notify` wakes its waiters in the order
//! they began to wait. A waiter
//! subscribes *before* it reads the ledger, so an event appended between its
//! read and its wait still wakes it: nothing is polled in a loop, and no lock
//! is held across an `.await` (the map of channels sits behind a std mutex
//! used only for map operations).
//!
//! The same module bounds how many requests a merchant may hold open (held
//! long polls, open streams), with guards that give the place back when the
//! request ends or its client goes away, and ends every held request when
//! the platform shuts down (a graceful shutdown waits for open requests, and
//! a stream never ends on its own).

use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::ids::MerchantId;
use hooklab_core::shutdown::Shutdown;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use tokio::sync::Notify;

/// How the platform serves the clients between polling and push: long-poll
/// and stream bounds, the stream's keep-alive, and `X-Poll-Interval`.
/// The default sends no `X-Poll-Interval`, so no scenario changes.
#[derive(Clone, Debug)]
pub struct PullConfig {
    /// The longest `?wait=` a request may ask for (more is a 400).
    pub max_wait: Dur,
    /// Held long polls per merchant at once (one more is a 429).
    pub max_held_per_merchant: usize,
    /// Open event streams per merchant at once (one more is a 429).
    pub max_streams_per_merchant: usize,
    /// How often an idle stream sends a keep-alive comment.
    pub keep_alive: Dur,
    /// `X-Poll-Interval` on status reads and event pages (None: not sent).
    pub poll_interval: Option<PollInterval>,
}

impl Default for PullConfig {
    fn default() -> Self {
        PullConfig {
            max_wait: Dur::from_secs(60),
            max_held_per_merchant: 100,
            max_streams_per_merchant: 4,
            keep_alive: Dur::from_secs(15),
            poll_interval: None,
        }
    }
}

/// The `X-Poll-Interval` the platform asks for: `normal_secs` usually,
/// `loaded_secs` while it is loaded. "Loaded" is deliberately simple: the API
/// admitted at least `loaded_at_requests` requests (all merchants together)
/// in the current or the previous whole second of the platform's clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PollInterval {
    /// Seconds asked for when the platform is not loaded.
    pub normal_secs: u64,
    /// Seconds asked for when it is.
    pub loaded_secs: u64,
    /// Requests in one second from which the platform counts as loaded.
    pub loaded_at_requests: u64,
}

/// Which kind of held request a [`Held`] place is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum HeldKind {
    /// A long poll (`?wait=`).
    LongPoll,
    /// An event stream.
    Stream,
}

/// Requests admitted per whole second of the clock, for "loaded".
#[derive(Debug, Default)]
struct LoadMeter {
    second: u64,
    this_second: u64,
    previous_second: u64,
}

/// The platform's news desk. See the module docs.
#[derive(Debug, Default)]
pub(crate) struct News {
    channels: Mutex<HashMap<MerchantId, Arc<Channel>>>,
    held: Mutex<HashMap<(MerchantId, HeldKind), usize>>,
    load: Mutex<LoadMeter>,
    /// Set once the workers start ([`News::set_shutdown`]): what ends held
    /// requests. Before that (a router tested on its own), nothing does.
    shutdown: OnceLock<Shutdown>,
}

/// Takes a poisoned lock over: every update below is one map or counter
/// operation, which a panic cannot leave half done.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl News {
    /// A receiver that sees every event announced for `merchant` from now on.
    pub(crate) fn subscribe(&self, merchant: &MerchantId) -> Subscription {
        let channel = lock(&self.channels)
            .entry(merchant.clone())
            .or_default()
            .clone();
        let seen = channel.version.load(Ordering::Acquire);
        Subscription { channel, seen }
    }

    /// Announces a new event of `merchant` to everyone waiting for one.
    pub(crate) fn publish(&self, merchant: &MerchantId) {
        // A merchant nobody ever waited for has no channel, and needs none:
        // a later subscriber reads the ledger before it waits.
        let channel = lock(&self.channels).get(merchant).cloned();
        if let Some(channel) = channel {
            channel.version.fetch_add(1, Ordering::AcqRel);
            channel.notify.notify_waiters();
        }
    }

    /// A place for one more held request of `merchant`, if fewer than `max`
    /// are held.
    pub(crate) fn hold(
        self: &Arc<Self>,
        merchant: &MerchantId,
        kind: HeldKind,
        max: usize,
    ) -> Option<Held> {
        let mut held = lock(&self.held);
        let n = held.entry((merchant.clone(), kind)).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Held {
            news: self.clone(),
            key: (merchant.clone(), kind),
        })
    }

    /// How many requests of `kind` `merchant` holds now.
    #[cfg(test)]
    pub(crate) fn held(&self, merchant: &MerchantId, kind: HeldKind) -> usize {
        lock(&self.held)
            .get(&(merchant.clone(), kind))
            .copied()
            .unwrap_or(0)
    }

    /// Remembers what ends held requests (the workers' shutdown signal).
    pub(crate) fn set_shutdown(&self, shutdown: Shutdown) {
        // Set by the first `spawn_workers` (called once); a second call
        // would carry the same signal.
        let _ = self.shutdown.set(shutdown);
    }

    /// Waits until the platform shuts down (forever if it has no workers).
    pub(crate) async fn closing(&self) {
        match self.shutdown.get() {
            Some(shutdown) => shutdown.clone().wait().await,
            None => std::future::pending().await,
        }
    }

    /// Counts one admitted request at `now`.
    pub(crate) fn note_request(&self, now: Micros) {
        let second = now.0 / 1_000_000;
        let mut load = lock(&self.load);
        if second != load.second {
            load.previous_second = if second == load.second + 1 {
                load.this_second
            } else {
                0
            };
            load.second = second;
            load.this_second = 0;
        }
        load.this_second += 1;
    }

    /// Whether the platform counts as loaded at `now` (see [`PollInterval`]).
    pub(crate) fn loaded(&self, now: Micros, at_requests: u64) -> bool {
        let second = now.0 / 1_000_000;
        let load = lock(&self.load);
        let (this, previous) = match second.checked_sub(load.second) {
            Some(0) => (load.this_second, load.previous_second),
            Some(1) => (0, load.this_second),
            _ => (0, 0),
        };
        this.max(previous) >= at_requests
    }
}

/// One merchant's news: how many events were announced, and who waits.
#[derive(Debug, Default)]
struct Channel {
    version: AtomicU64,
    notify: Notify,
}

/// What a waiter holds: its merchant's channel and the last version it saw.
#[derive(Debug)]
pub(crate) struct Subscription {
    channel: Arc<Channel>,
    seen: u64,
}

impl Subscription {
    /// Waits until news came since the subscription or the last `changed`.
    /// It never fails (a merchant's channel lives as long as the platform);
    /// the `Result` keeps the shape of a channel that could close.
    pub(crate) async fn changed(&mut self) -> Result<(), Infallible> {
        loop {
            let notified = self.channel.notify.notified();
            tokio::pin!(notified);
            // Registered before the version is read, so news published
            // between the read and the wait still wakes this waiter.
            notified.as_mut().enable();
            let now = self.channel.version.load(Ordering::Acquire);
            if now != self.seen {
                self.seen = now;
                return Ok(());
            }
            notified.await;
        }
    }

    /// Whether news came that `changed` has not returned yet.
    #[cfg(test)]
    fn has_changed(&self) -> bool {
        self.channel.version.load(Ordering::Acquire) != self.seen
    }
}

/// One held request's place; dropping it (the request answered, or its
/// client gone) gives the place back.
#[derive(Debug)]
pub(crate) struct Held {
    news: Arc<News>,
    key: (MerchantId, HeldKind),
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(n) = lock(&self.news.held).get_mut(&self.key) {
            *n = n.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_bounded_per_merchant_and_given_back_on_drop() {
        let news = Arc::new(News::default());
        let (a, b) = (MerchantId::numbered(1), MerchantId::numbered(2));
        let first = news.hold(&a, HeldKind::LongPoll, 2);
        let second = news.hold(&a, HeldKind::LongPoll, 2);
        assert!(first.is_some() && second.is_some());
        assert!(news.hold(&a, HeldKind::LongPoll, 2).is_none());
        // Another merchant, or another kind, has its own count.
        assert!(news.hold(&b, HeldKind::LongPoll, 2).is_some());
        assert!(news.hold(&a, HeldKind::Stream, 2).is_some());
        drop(first);
        assert_eq!(news.held(&a, HeldKind::LongPoll), 1);
        assert!(news.hold(&a, HeldKind::LongPoll, 2).is_some());
    }

    #[test]
    fn loaded_means_enough_requests_in_this_or_the_last_second() {
        let news = News::default();
        for us in [0, 100_000, 900_000] {
            news.note_request(Micros(us));
        }
        assert!(news.loaded(Micros(950_000), 3));
        assert!(!news.loaded(Micros(950_000), 4));
        // The previous second still counts ...
        assert!(news.loaded(Micros(1_500_000), 3));
        // ... but not the one before it.
        assert!(!news.loaded(Micros(2_000_000), 1));
        news.note_request(Micros(5_000_000));
        assert!(!news.loaded(Micros(5_000_000), 2));
    }

    #[tokio::test]
    async fn a_subscriber_is_woken_by_its_merchants_news_only() {
        let news = News::default();
        let (a, b) = (MerchantId::numbered(1), MerchantId::numbered(2));
        let mut rx = news.subscribe(&a);
        news.publish(&b);
        assert!(!rx.has_changed());
        news.publish(&a);
        assert!(rx.has_changed());
        rx.changed().await.unwrap();
        assert!(!rx.has_changed());
    }

    #[tokio::test]
    async fn waiters_wake_in_the_order_they_began_to_wait() {
        // One seed, one run: the held requests a settlement wakes must
        // answer in the same order every time (a watch channel's random
        // notifier shards did not).
        let news = Arc::new(News::default());
        let merchant = MerchantId::numbered(1);
        let woken = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for n in 0..32 {
            let mut rx = news.subscribe(&merchant);
            let woken = woken.clone();
            tasks.push(tokio::spawn(async move {
                rx.changed().await.unwrap();
                lock(&woken).push(n);
            }));
            // Let the task start waiting before the next one subscribes.
            tokio::task::yield_now().await;
        }
        news.publish(&merchant);
        for task in tasks {
            task.await.unwrap();
        }
        let order = lock(&woken).clone();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..32).collect::<Vec<_>>());
        // The waiting order, so the same on every run.
        assert_eq!(order, sorted);
    }
}
