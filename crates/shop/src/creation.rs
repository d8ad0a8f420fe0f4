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

use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;

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
