//! How long the shop keeps trying to create an order's payment while the
//! platform does not answer (or asks it to come back: 429, 503).
//!
//! Every try carries the same `Idempotency-Key` (the order id), so a retry
//! of a creation that did happen returns the same payment, never a second
//! one: retrying is always safe, and the only question is for how long.
//! A simulation keeps the five quick tries it always had
//! ([`CreationRetry::SCENARIO`], so its results do not change); a shop at a
//! terminal ([`CreationRetry::INTERACTIVE`]) keeps trying for two minutes,
//! long enough for someone to restart a platform that died (`kill -9` and
//! start it again), instead of giving up after 1.5 s and leaving the order
//! unpaid. Only once the platform has answered this shop, though: a shop
//! that never reached it (not started yet, a wrong `--platform`) is told so
//! after the five quick tries, not two minutes later.

//!
//! Two minutes of silence read as a hung shop: a shop at a terminal is
//! given [`RetryNotices`], which say when a creation starts being retried
//! and then at most once every [`RetryNotices::EVERY`], whatever the number
//! of orders retrying at once (the CLI prints them; a simulation has none).

use crate::client::ClientError;
use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::ids::OrderId;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A creation's retry policy: waits that double from `first_wait` up to
/// `longest_wait` (a `Retry-After` the platform sends is honoured as it
/// is), for at most `tries` tries and, if set, until `budget` has passed
/// since the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreationRetry {
    /// The most tries, the first included.
    pub tries: u32,
    /// The longest time from the first try to the start of the last.
    pub budget: Option<Dur>,
    /// The wait after the first failed try.
    pub first_wait: Dur,
    /// The longest wait between two tries (the doubling stops there).
    pub longest_wait: Dur,
    /// The most tries while the platform has never answered this shop;
    /// `budget` is not used then, nor are timeouts retried.
    pub first_contact_tries: u32,
}

impl CreationRetry {
    /// What the harness's shops use: 5 tries, waits of 0.1, 0.2, 0.4 and
    /// 0.8 s between them.
    pub const SCENARIO: CreationRetry = CreationRetry {
        tries: 5,
        budget: None,
        first_wait: Dur::from_ms(100),
        longest_wait: Dur(u64::MAX),
        first_contact_tries: 5,
    };

    /// What `hooklab shop` uses: tries for two minutes from the first, the
    /// waits doubling from 0.1 s to 5 s (so a platform back after a restart
    /// is found within 5 s).
    pub const INTERACTIVE: CreationRetry = CreationRetry {
        tries: u32::MAX,
        budget: Some(Dur::from_secs(120)),
        first_wait: Dur::from_ms(100),
        longest_wait: Dur::from_secs(5),
        first_contact_tries: 5,
    };

    /// The policy for a shop the platform has (`reached`) or has never
    /// answered: before a first answer, [`Self::first_contact_tries`] quick
    /// tries and nothing more.
    pub fn for_contact(&self, reached: bool) -> CreationRetry {
        if reached {
            *self
        } else {
            CreationRetry {
                tries: self.tries.min(self.first_contact_tries),
                budget: None,
                ..*self
            }
        }
    }

    /// The wait before the next try after `tried` failed tries, the last of
    /// which ended at `now` (the first began at `started`): `asked` (a
    /// `Retry-After`) or `backoff`, or `None` to give up.
    pub fn next_wait(
        &self,
        tried: u32,
        backoff: Dur,
        asked: Option<Dur>,
        started: Micros,
        now: Micros,
    ) -> Option<Dur> {
        if tried >= self.tries {
            return None;
        }
        let wait = asked.unwrap_or(backoff);
        match self.budget {
            Some(budget) if now.plus(wait).since(started) > budget => None,
            _ => Some(wait),
        }
    }

    /// The backoff after `backoff`: doubled, at most `longest_wait`.
    pub fn grown(&self, backoff: Dur) -> Dur {
        Dur(backoff.as_us().saturating_mul(2)).min(self.longest_wait)
    }

    /// Whether a try that ran out of time (no answer within the client's
    /// timeout) is tried again: at a terminal, yes (the platform may be
    /// restarting); a simulation's shop gives up, as it always did.
    pub fn retries_timeouts(&self) -> bool {
        self.budget.is_some()
    }
}

/// One notice that a payment's creation is being retried.
#[derive(Debug)]
pub struct Retrying<'a> {
    /// The order whose creation failed and is tried again.
    pub order: &'a OrderId,
    /// Why the last try failed (no answer, a time-out, a 429 or a 503).
    pub why: &'a ClientError,
    /// How long the creation goes on being tried before it is given up.
    pub left: Dur,
    /// Other orders whose creations are being retried at the same time.
    pub others: usize,
}

/// Says that creations are being retried, boundedly: once when a retry
/// starts, then at most once every [`RetryNotices::EVERY`] for the whole
/// shop (a burst of orders against a platform that died would otherwise
/// print a line per order per try).
pub struct RetryNotices {
    say: Box<dyn Fn(&Retrying<'_>) + Send + Sync>,
    every: Dur,
    /// When the last notice was said (on the shop's clock); guarded by its
    /// mutex, held for one comparison and one assignment.
    last: Mutex<Option<Micros>>,
    /// Creations waiting to be tried again now, the counted one included.
    retrying: AtomicUsize,
}

impl std::fmt::Debug for RetryNotices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryNotices")
            .field("every", &self.every)
            .finish_non_exhaustive()
    }
}

impl RetryNotices {
    /// The longest silence between two notices while a retry goes on.
    pub const EVERY: Dur = Dur::from_secs(10);

    /// Notices handed to `say`, at most one every [`Self::EVERY`].
    pub fn new(say: impl Fn(&Retrying<'_>) + Send + Sync + 'static) -> Self {
        RetryNotices {
            say: Box::new(say),
            every: Self::EVERY,
            last: Mutex::new(None),
            retrying: AtomicUsize::new(0),
        }
    }

    /// A creation is about to wait and try again, at `now`: said if no
    /// notice was said within [`Self::EVERY`]. Answers a guard that counts
    /// the creation as retrying until it is dropped.
    pub(crate) fn retrying(&self, notice: Retrying<'_>, now: Micros) -> RetryingGuard<'_> {
        let others = self.retrying.fetch_add(1, Ordering::Relaxed);
        let due = {
            let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            let due = last.is_none_or(|at| now.since(at) >= self.every);
            if due {
                *last = Some(now);
            }
            due
        };
        if due {
            (self.say)(&Retrying { others, ..notice });
        }
        RetryingGuard(self)
    }
}

/// A creation counted as retrying (see [`RetryNotices::retrying`]).
pub(crate) struct RetryingGuard<'a>(&'a RetryNotices);

impl Drop for RetryingGuard<'_> {
    fn drop(&mut self) {
        self.0.retrying.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The simulation's policy is the five tries it always had: the same
    /// waits, and no sixth try however quick the failures.
    #[test]
    fn a_scenario_shop_tries_five_times_with_the_old_waits() {
        let p = CreationRetry::SCENARIO;
        let mut backoff = p.first_wait;
        let mut waits = Vec::new();
        for tried in 1..=5 {
            match p.next_wait(tried, backoff, None, Micros(0), Micros(0)) {
                Some(w) => waits.push(w.as_us() / 1_000),
                None => break,
            }
            backoff = p.grown(backoff);
        }
        assert_eq!(waits, vec![100, 200, 400, 800]);
    }

    /// A retry is said at once, then not again within ten seconds however
    /// many creations retry, then again; each notice counts the others.
    #[test]
    fn retry_notices_are_said_at_most_once_every_ten_seconds() {
        let said = std::sync::Arc::new(Mutex::new(Vec::new()));
        let notices = RetryNotices::new({
            let said = said.clone();
            move |r: &Retrying<'_>| {
                let mut said = said.lock().unwrap();
                said.push((r.order.to_string(), r.left, r.others));
            }
        });
        let why = ClientError::TimedOut(Dur::from_secs(5));
        let order = |n| OrderId::numbered(n);
        let (a, b, c) = (order(1), order(2), order(3));
        let notice = |order, left| Retrying {
            order,
            why: &why,
            left,
            others: 0,
        };
        let first = notices.retrying(notice(&a, Dur::from_secs(119)), Micros(0));
        let second = notices.retrying(notice(&b, Dur::from_secs(118)), Micros(2_000_000));
        drop(first);
        let again = notices.retrying(notice(&b, Dur::from_secs(109)), Micros(9_999_999));
        drop(again);
        let late = notices.retrying(notice(&c, Dur::from_secs(100)), Micros(10_000_000));
        drop((second, late));
        assert_eq!(
            *said.lock().unwrap(),
            vec![
                (a.to_string(), Dur::from_secs(119), 0),
                (c.to_string(), Dur::from_secs(100), 1),
            ]
        );
        assert_eq!(notices.retrying.load(Ordering::Relaxed), 0);
    }

    /// At a terminal the shop tries until its budget is spent, with waits
    /// capped at 5 s: a platform down for 2 s (the tester's restart) or
    /// 100 s is waited for, one down for longer is given up on.
    #[test]
    fn an_interactive_shop_tries_for_its_budget_with_capped_waits() {
        let p = CreationRetry::INTERACTIVE;
        let (mut now, mut backoff, mut tried) = (Micros(0), p.first_wait, 0);
        let mut longest = Dur::ZERO;
        while let Some(w) = p.next_wait(tried + 1, backoff, None, Micros(0), now) {
            tried += 1;
            longest = longest.max(w);
            now = now.plus(w);
            backoff = p.grown(backoff);
        }
        assert_eq!(longest, Dur::from_secs(5));
        assert!(now.since(Micros(0)) <= Dur::from_secs(120), "{now:?}");
        assert!(now.since(Micros(0)) > Dur::from_secs(115), "{now:?}");
        assert!(tried > 20, "{tried}");
        // Before the platform ever answered: the five quick tries only.
        let first = p.for_contact(false);
        assert_eq!((first.tries, first.budget), (5, None));
        assert!(!first.retries_timeouts());
        assert_eq!(p.for_contact(true), p);
        // A Retry-After past the budget's end is not waited for.
        assert_eq!(
            p.next_wait(1, backoff, Some(Dur::from_secs(121)), Micros(0), Micros(0)),
            None
        );
    }
}
