//! A run's deadline waits out the outages that open before it
//! (`Scenario::deadline_us`): a platform crash, a shop crash, a partition
//! still on at the old deadline (last settlement + patience + grace) no
//! longer ends the run while the world is down, so the orders a strategy
//! learns once it is back are notified, not missed, and the platform's
//! counts agree with the shop's (a platform still dead at the end used to
//! be counted twice).

use super::fixtures::{run, scenario, strategy};

/// `orders` payments placed at once, each settling 2 s later.
fn burst(name: &str, orders: u64) -> super::fixtures::ScenarioBuilder {
    scenario(
        name,
        7,
        orders,
        "{ dist = \"fixed\", every_ms = 0 }",
        "{ dist = \"fixed\", ms = \"2s\" }",
    )
    .virtual_clock()
}

#[test]
fn a_poller_waits_out_a_platform_crash_that_straddles_the_old_deadline() {
    // Old deadline: 2 s + 500 ms + 2 s = 4.5 s, with the platform down
    // from 1 s to 11 s: every order was missed, and the dead platform's
    // creations were counted twice. Now the deadline is 4.5 s + 9 s (the
    // crash's part after the last settlement) = 13.5 s, and the platform,
    // back from its store at 11 s, settles them for the next poll.
    let s = burst("deadline-poll-crash", 20)
        .table("[faults]\nplatform_crash = [{ at_ms = \"1s\", down_ms = \"10s\" }]\n")
        .strategy("poll", "poll", "interval_ms = 500\nstore = \"sqlite\"");
    let summary = run(&s, None);
    let poll = strategy(&summary, "poll");
    assert_eq!(poll.notified, 20, "{:?}", poll.missed_by_reason);
    assert_eq!(poll.missed, 0);
    assert!(poll.counts_agree, "{:?}", poll.requests);
    assert_eq!(poll.requests.payment_creates, 20, "{:?}", poll.requests);
    // Learned once the platform is back (the poll due at its restart's
    // instant reads it), before the new deadline.
    assert!(
        poll.run_ms >= 11_000.0 && poll.run_ms < 13_500.0,
        "{}",
        poll.run_ms
    );
}

#[test]
fn a_hybrid_learns_every_order_through_a_late_platform_crash() {
    // crash-lab's hybrid, with the platform down 20 s instead of 3: the
    // dual write lost every webhook, and the reconciliation polls (3 s
    // after creation, then every second) reach a dead platform until
    // 22 s, long after the old deadline (2 s + 4 s + 2 s = 8 s).
    let s = burst("deadline-hybrid-crash", 30)
        .table("[delivery]\nretry_schedule = [\"0s\", \"1s\"]\njitter = 0.0\n")
        .table("[faults]\nplatform_crash = [{ at_ms = \"2s\", down_ms = \"20s\" }]\n")
        .strategy(
            "hybrid",
            "hybrid",
            "store = \"sqlite\"\noutbox = \"dual_write\"\n\
             reconcile_after_ms = \"3s\"\nreconcile_every_ms = \"1s\"",
        );
    let summary = run(&s, None);
    let hybrid = strategy(&summary, "hybrid");
    assert_eq!(hybrid.notified, 30, "{:?}", hybrid.missed_by_reason);
    assert_eq!(hybrid.notified_by.poll, 30, "{:?}", hybrid.notified_by);
    assert!(hybrid.counts_agree, "{:?}", hybrid.requests);
    assert!(
        hybrid.run_ms >= 22_000.0 && hybrid.run_ms < 28_000.0,
        "{}",
        hybrid.run_ms
    );
}

#[test]
fn a_partition_open_at_the_old_deadline_is_waited_out() {
    // Nothing gets through from 1 s to 10 s: the polls after the 2 s
    // settlements fail until then. Old deadline 4.5 s (all missed); now
    // 4.5 s + 8 s = 12.5 s, and the first poll after 10 s learns them.
    let s = burst("deadline-partition", 20)
        .table("[network]\npartitions = [{ from_ms = \"1s\", until_ms = \"10s\" }]\n")
        .poll("poll", "500");
    let summary = run(&s, None);
    let poll = strategy(&summary, "poll");
    assert_eq!(poll.notified, 20, "{:?}", poll.missed_by_reason);
    assert!(poll.counts_agree, "{:?}", poll.requests);
    assert!(
        poll.run_ms >= 10_000.0 && poll.run_ms < 12_500.0,
        "{}",
        poll.run_ms
    );
}

#[test]
fn a_run_that_learns_nothing_ends_at_the_deadline_with_overlapping_outages_counted_once() {
    // An in-memory platform dies at the 2 s settlements and forgets them:
    // nothing is ever learned, and the run ends at its deadline. Before
    // the outages: 2 s + 3 s of retries (1 s of delays, two 1 s timeouts)
    // + 2 s of grace = 7 s. Down: the platform 2 s to 5 s, the shop 4 s
    // to 8 s, the network 7 s to 9 s, one outage of 7 s from 2 s to 9 s
    // (not 3 + 4 + 2 = 9 s): the deadline is 14 s.
    let s = burst("deadline-overlap", 10)
        .table("[delivery]\nretry_schedule = [\"0s\", \"1s\"]\njitter = 0.0\ntimeout_ms = \"1s\"\n")
        .table(
            "[faults]\nplatform_crash = [{ at_ms = \"2s\", down_ms = \"3s\" }]\n\
             shop_crash = [{ at_ms = \"4s\", down_ms = \"4s\" }]\n",
        )
        .table("[network]\npartitions = [{ from_ms = \"7s\", until_ms = \"9s\" }]\n")
        .strategy("memory", "webhook", "store = \"memory\"");
    let built = s.build();
    let spec = &built.strategies[0];
    assert_eq!(built.deadline_us(spec, 2e6), 14e6);
    let summary = run(&s, None);
    let memory = strategy(&summary, "memory");
    assert_eq!(memory.missed, 10, "{:?}", memory.missed_by_reason);
    assert_eq!(memory.run_ms, 14_000.0);
    assert!(memory.counts_agree, "{:?}", memory.requests);
}
