//! When a run stops waiting: its deadline, one definition shared by the
//! harness (which stops there and counts every order still unknown as
//! missed) and the model (which predicts a run that ends there).
//!
//! The deadline is the last settlement, plus the strategy's patience
//! ([`StrategySpec::patience`]), plus the grace period (`[run] grace_ms`).
//! That tail is time for the world to work in, so an outage takes none of
//! it: a window that opens before the deadline (a platform or shop crash,
//! a network partition, the receiver down for a strategy that receives
//! webhooks) holds the tail, and the deadline moves to the window's end
//! plus what was left of the tail when it opened. The moved deadline may
//! reach the next window, which moves it again. Windows that overlap count
//! once (the world is down while any of them is), and a window that ended
//! before the last settlement moves nothing: the tail had not started.
//!
//! Without a window the deadline is the sum it always was, to the
//! microsecond: a scenario without outages ends where it did.
//!
//! Why: a platform that crashed at the deadline, or a partition still
//! open there, ended the run while the world was down, and every order the
//! strategy would have learned once it was back (a hybrid's reconciliation
//! polls, a webhook's resumed outbox) was reported missed.

use super::{Scenario, StrategySpec};

impl Scenario {
    /// The instant `strategy`'s run stops waiting, µs on the clock the
    /// fault windows count from (the run's start), given the instant its
    /// last payment settles on that clock: that instant, plus the
    /// strategy's patience, plus `[run] grace_ms`, with every outage of
    /// its world that opens at or before that deadline (as it moves)
    /// waited out: the deadline moves to the outage's end plus what was
    /// left when it opened.
    ///
    /// In `f64`, so that the model's instants (which are not whole
    /// microseconds) go through the same definition as the harness's; whole
    /// microseconds in give whole microseconds out, exactly (below 2^53 µs,
    /// 285 years).
    pub fn deadline_us(&self, strategy: &StrategySpec, last_settled_us: f64) -> f64 {
        // Added in this order, as the harness and the model always did, so
        // that a run without outages keeps its deadline to the last bit.
        let deadline_us = last_settled_us
            + strategy.patience(&self.delivery_for(strategy)).as_us() as f64
            + self.run.grace_ms.as_us() as f64;
        waited_out(last_settled_us, deadline_us, &self.outages_us(strategy))
    }

    /// Every window, µs from the run's start, when `strategy`'s world is
    /// down: the platform's and the shop's crashes (from the crash until
    /// the restart), the network's partitions, and, for a strategy that
    /// receives webhooks, the receiver's down windows (a poller never
    /// calls the receiver).
    fn outages_us(&self, strategy: &StrategySpec) -> Vec<(f64, f64)> {
        let faults = &self.faults;
        let crashes = faults
            .platform_crash
            .iter()
            .chain(&faults.shop_crash)
            .map(|w| (w.at_ms.as_us(), w.back_at().as_us()));
        let partitions = self
            .network
            .partitions
            .iter()
            .map(|w| (w.from_ms.as_us(), w.until_ms.as_us()));
        let receiver = faults
            .receiver_down
            .iter()
            .filter(|_| strategy.receives_webhooks())
            .map(|w| (w.from_ms.as_us(), w.until_ms.as_us()));
        crashes
            .chain(partitions)
            .chain(receiver)
            .map(|(from, until)| (from as f64, until as f64))
            .collect()
    }
}

/// The deadline of a tail of up time from `start_us` to `deadline_us`,
/// through the down `windows` (`[from, until)`, in any order, overlapping
/// or not): each window that opens at or before the deadline so far moves
/// it by the part of the window not yet waited out. One at the deadline's
/// very instant counts too: the run and the crash would race for it.
fn waited_out(start_us: f64, deadline_us: f64, windows: &[(f64, f64)]) -> f64 {
    let mut windows = windows.to_vec();
    windows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut deadline = deadline_us;
    // Everything before this instant is behind the tail already: before
    // its start, or inside a window waited out.
    let mut counted = start_us;
    for (from, until) in windows {
        let from = from.max(counted);
        if from > deadline {
            break;
        }
        if until > from {
            deadline += until - from;
            counted = until;
        }
    }
    deadline
}

#[cfg(test)]
mod tests {
    use super::super::Scenario;
    use super::*;

    #[test]
    fn without_windows_the_tail_is_the_sum() {
        assert_eq!(waited_out(1_000.0, 1_500.0, &[]), 1_500.0);
    }

    #[test]
    fn a_window_that_opens_before_the_deadline_moves_it_by_its_length() {
        // Deadline 1,500; down 1,200..2,000: 300 of the tail were left.
        assert_eq!(waited_out(1_000.0, 1_500.0, &[(1_200.0, 2_000.0)]), 2_300.0);
        // One straddling the start: only its part after the start holds
        // the tail.
        assert_eq!(waited_out(1_000.0, 1_500.0, &[(800.0, 1_100.0)]), 1_600.0);
        // At the deadline's instant: waited out too.
        assert_eq!(waited_out(1_000.0, 1_500.0, &[(1_500.0, 1_600.0)]), 1_600.0);
    }

    #[test]
    fn windows_before_the_start_or_after_the_deadline_move_nothing() {
        let windows = [(100.0, 900.0), (1_501.0, 9_000.0)];
        assert_eq!(waited_out(1_000.0, 1_500.0, &windows), 1_500.0);
    }

    #[test]
    fn overlapping_windows_count_once_and_a_moved_deadline_reaches_the_next() {
        // 1,100..1,300 and 1,200..1,400 overlap: down 300, not 400. Then
        // 1,700..1,800 opens before the moved deadline (1,800) and moves
        // it again; 1,950..2,000 opens after it (1,900) and does not.
        let windows = [
            (1_950.0, 2_000.0),
            (1_200.0, 1_400.0),
            (1_700.0, 1_800.0),
            (1_100.0, 1_300.0),
        ];
        assert_eq!(waited_out(1_000.0, 1_500.0, &windows), 1_900.0);
        // One inside another adds nothing of its own.
        let nested = [(1_100.0, 1_400.0), (1_200.0, 1_300.0)];
        assert_eq!(waited_out(1_000.0, 1_500.0, &nested), 1_800.0);
    }

    const BASE: &str = "name = \"x\"\nseed = 1\nclock = \"virtual\"\n[workload]\norders = 10\n\
        arrival = { dist = \"fixed\", every_ms = 5 }\n\
        settle = { dist = \"fixed\", ms = 100 }\n\
        [[strategy]]\nname = \"p\"\nkind = \"poll\"\ninterval_ms = \"1s\"\n\
        [[strategy]]\nname = \"w\"\nkind = \"webhook\"\n\
        [delivery]\nretry_schedule = [\"0s\", \"1s\"]\njitter = 0.0\ntimeout_ms = \"1s\"\n";

    fn parse(extra: &str) -> Scenario {
        Scenario::parse(&format!("{BASE}{extra}"), "x.toml").unwrap()
    }

    #[test]
    fn the_scenario_deadline_waits_out_crashes_partitions_and_its_receivers_outages() {
        // Poller: 1 s of patience; webhook: 1 s of delays and two 1 s
        // timeouts, 3 s. Grace: the default 2 s. Last settlement at 1 s.
        let plain = parse("");
        let (poll, webhook) = (&plain.strategies[0], &plain.strategies[1]);
        assert_eq!(plain.deadline_us(poll, 1e6), 4e6);
        assert_eq!(plain.deadline_us(webhook, 1e6), 6e6);

        // A platform crash at 3 s, down 5 s: 1 s of the poller's tail was
        // left, the webhook's 3 s.
        let crash = parse("[faults]\nplatform_crash = [{ at_ms = \"3s\", down_ms = \"5s\" }]\n");
        assert_eq!(crash.deadline_us(poll, 1e6), 9e6);
        assert_eq!(crash.deadline_us(webhook, 1e6), 11e6);
        // And a shop crash overlapping it (7 s to 10 s) adds its last 2 s.
        let both = parse(
            "[faults]\nplatform_crash = [{ at_ms = \"3s\", down_ms = \"5s\" }]\n\
             shop_crash = [{ at_ms = \"7s\", down_ms = \"3s\" }]\n",
        );
        assert_eq!(both.deadline_us(poll, 1e6), 11e6);

        // A partition holds everyone; a receiver down only the webhook.
        let partition =
            parse("[network]\npartitions = [{ from_ms = \"2s\", until_ms = \"3s\" }]\n");
        assert_eq!(partition.deadline_us(poll, 1e6), 5e6);
        let down = parse("[faults]\nreceiver_down = [{ from_ms = \"2s\", until_ms = \"3s\" }]\n");
        assert_eq!(down.deadline_us(poll, 1e6), 4e6);
        assert_eq!(down.deadline_us(webhook, 1e6), 7e6);
        // An outage over before the last settlement: nothing moves.
        assert_eq!(down.deadline_us(webhook, 5e6), 10e6);
    }
}
