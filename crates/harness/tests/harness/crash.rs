//! Crash faults in virtual time: a platform killed in the middle of a
//! settlement batch loses every pending delivery with an in-memory store and
//! every unwritten webhook with a dual write, and nothing with a
//! transactional outbox; a shop that acknowledges before it records loses
//! what it acknowledged when it dies, one that records first loses nothing.
//! Every order ends notified or missed with a reason, and the same seed
//! gives the same summary. And on the real clock, the same crash of a
//! memory store and of an outbox.

use super::fixtures::{run, scenario, strategy};
use hooklab_core::crash::CrashLoss;
use hooklab_core::scenario::ClockMode;

/// crash-lab in small: 40 payments settle at once at 2 s, the platform dies
/// then (down 3 s), the shop dies 50 ms into the resumed deliveries.
fn lab() -> super::fixtures::ScenarioBuilder {
    scenario(
        "crash-test",
        18,
        40,
        "{ dist = \"fixed\", every_ms = 0 }",
        "{ dist = \"fixed\", ms = \"2s\" }",
    )
    .virtual_clock()
    .table("[delivery]\nretry_schedule = [\"0s\", \"1s\", \"5s\", \"30s\"]\njitter = 0.0\n")
    .table(
        "[faults]\nplatform_crash = [{ at_ms = \"2s\", down_ms = \"3s\" }]\n\
         shop_crash = [{ at_ms = \"5050ms\", down_ms = \"1s\" }]\nreceiver_delay_ms = 100\n",
    )
    .strategy("memory", "webhook", "store = \"memory\"")
    .strategy(
        "dual-write",
        "webhook",
        "store = \"sqlite\"\noutbox = \"dual_write\"",
    )
    .strategy(
        "before-commit",
        "webhook",
        "store = \"sqlite\"\nack = \"before_commit\"",
    )
    .strategy(
        "after-commit",
        "webhook",
        "store = \"sqlite\"\noutbox = \"transactional\"\nack = \"after_commit\"",
    )
    .strategy(
        "hybrid-dual-write",
        "hybrid",
        "store = \"sqlite\"\noutbox = \"dual_write\"\nreconcile_after_ms = \"3s\"\nreconcile_every_ms = \"1s\"",
    )
}

#[test]
fn only_the_transactional_outbox_with_ack_after_commit_loses_nothing() {
    let summary = run(&lab(), None);
    for (name, loss) in [
        ("memory", CrashLoss::PlatformMemory),
        ("dual-write", CrashLoss::DualWrite),
        ("before-commit", CrashLoss::AckBeforeCommit),
    ] {
        let s = strategy(&summary, name);
        let crash = s.crash.as_ref().expect("a crash report");
        let lost = crash.lost.get(&loss).copied().unwrap_or(0);
        assert!(lost > 0, "{name} lost nothing: {crash:?}");
        assert_eq!(crash.lost_total(), lost, "{name}: one reason only");
        assert_eq!(
            s.missed_by_reason.get(loss.kind()).copied(),
            Some(lost),
            "{name}: every lost order is missed with its reason: {:?}",
            s.missed_by_reason
        );
    }
    for name in ["after-commit", "hybrid-dual-write"] {
        let s = strategy(&summary, name);
        let crash = s.crash.as_ref().expect("a crash report");
        assert_eq!(crash.lost_total(), 0, "{name}: {crash:?}");
        assert_eq!(s.notified, s.orders, "{name}");
    }
    let outbox = strategy(&summary, "after-commit").crash.clone().unwrap();
    assert_eq!(outbox.deliveries_resumed, 40, "{outbox:?}");
    assert_eq!(outbox.platform_crashes, 1);
    for s in &summary.strategies {
        // Every order is accounted for: notified, or missed with a reason.
        assert_eq!(s.notified + s.missed, s.orders, "{}", s.name);
        assert_eq!(
            s.missed_by_reason.values().sum::<u64>(),
            s.missed,
            "{}: {:?}",
            s.name,
            s.missed_by_reason
        );
    }
    // A crash at a virtual instant is deterministic.
    assert_eq!(run(&lab(), None), summary);
}

/// Every webhook attempt that failed is counted under its reason, in the
/// summary's `rejected` and in its timeline alike: nothing lost, nothing
/// invented.
fn assert_every_failed_delivery_has_a_reason(summary: &hooklab_core::report::Summary) {
    for s in &summary.strategies {
        assert_eq!(
            s.rejected.values().sum::<u64>(),
            s.requests.webhook_failures,
            "{}: {:?} against {:?}",
            s.name,
            s.rejected,
            s.requests
        );
        assert_eq!(s.timeline.rejected_by_reason, s.rejected, "{}", s.name);
    }
}

#[test]
fn a_delivery_the_shop_was_processing_when_it_crashed_is_counted_as_such() {
    // The small lab's shop dies 50 ms into the resumed deliveries' 100 ms
    // of processing: with ack after commit each of them is answered 503
    // unrecorded, and retried.
    let summary = run(&lab(), None);
    let outbox = strategy(&summary, "after-commit");
    let crashed = outbox
        .rejected
        .get(hooklab_core::events::rejection::SHOP_CRASHED)
        .copied()
        .unwrap_or(0);
    assert!(crashed > 0, "{:?}", outbox.rejected);
    assert!(
        outbox.requests.webhook_retries >= crashed,
        "{:?}",
        outbox.requests
    );
    assert_every_failed_delivery_has_a_reason(&summary);
}

#[test]
fn crash_lab_counts_refused_requests_and_refused_deliveries_each_one_way() {
    // The committed scenario itself: its 300 deliveries resume while the
    // shop dies, so some are refused at connect (the small lab's 40 all
    // break in flight instead).
    let path = format!(
        "{}/../../scenarios/crash-lab.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let scenario = hooklab_core::scenario::Scenario::parse(&text, &path).unwrap();
    let summary = super::fixtures::run_with(&scenario, None, None, &hooklab_harness::run::Silent);
    // The hybrid's reconciliation polls at 3 s and 4 s reach a dead
    // platform (back at 5 s): the shop sent them, the port refused them.
    // They count in its requests and its requests per order, once.
    let hybrid = strategy(&summary, "hybrid-dual");
    let crash = hybrid.crash.as_ref().unwrap();
    let r = &hybrid.requests;
    assert_eq!(r.refused, 600, "{r:?}");
    assert_eq!(crash.requests_refused_while_down, r.refused, "{crash:?}");
    assert_eq!(r.polls, 300, "the polls at 5 s, answered: {r:?}");
    assert_eq!(
        r.total,
        r.payment_creates + r.polls + r.webhook_attempts + r.endpoint_registrations + r.refused,
        "{r:?}"
    );
    assert!((hybrid.requests_per_order - 3.0).abs() < 1e-9, "{hybrid:?}");
    assert!(
        hybrid.counts_agree,
        "refused requests never reached the platform"
    );
    // The platform's deliveries to the dead shop are refused deliveries:
    // the same count in the summary and its timeline, and no request of
    // the shop (a dead shop sends nothing).
    let outbox = strategy(&summary, "after-commit");
    let refused = outbox.rejected.get("refused").copied().unwrap_or(0);
    assert!(refused > 0, "{:?}", outbox.rejected);
    assert_eq!(
        outbox.timeline.rejected_by_reason.get("refused").copied(),
        Some(refused)
    );
    assert_eq!(outbox.requests.refused, 0);
    assert_eq!(
        outbox.crash.as_ref().unwrap().requests_refused_while_down,
        0
    );
    // The rest of its failed deliveries were in the shop's hands when it
    // died: counted too, under their own reason.
    assert_every_failed_delivery_has_a_reason(&summary);
}

#[test]
fn a_restart_before_the_outcome_is_committed_delivers_again_and_the_dedup_catches_it() {
    // One payment settles every 100 ms from 1 s, and its webhook is
    // answered at once; the platform commits each outcome in a batch 2 ms
    // later. It dies at 1.501 s, after the shop recorded the 1.5 s delivery
    // and before the platform committed its 2xx: back at 2.501 s, it sends
    // that one again (a duplicate the dedup catches), resumes the
    // payments its file held pending, and loses nothing.
    let s = scenario(
        "crash-dup",
        3,
        20,
        "{ dist = \"fixed\", every_ms = 100 }",
        "{ dist = \"fixed\", ms = \"1s\" }",
    )
    .virtual_clock()
    .table("[delivery]\nretry_schedule = [\"0s\", \"1s\"]\njitter = 0.0\n")
    .table("[faults]\nplatform_crash = [{ at_ms = \"1501ms\", down_ms = \"1s\" }]\n")
    .strategy("outbox", "webhook", "store = \"sqlite\"");
    let summary = run(&s, None);
    let outbox = strategy(&summary, "outbox");
    let crash = outbox.crash.as_ref().unwrap();
    assert_eq!(outbox.notified, 20, "{crash:?}");
    assert_eq!(crash.lost_total(), 0, "{crash:?}");
    assert_eq!(crash.duplicates_after_restart, 1, "{crash:?}");
    assert_eq!(crash.deliveries_resumed, 1, "{crash:?}");
    // The payments created at 0.6 s to 1.5 s, not yet settled at the crash.
    assert_eq!(crash.settlements_resumed, 10, "{crash:?}");
    assert_eq!(crash.pending_at_crash, 10, "{crash:?}");
}

#[test]
fn on_the_real_clock_a_memory_store_loses_and_an_outbox_does_not() {
    // Real sockets and real time: the platform dies at 1 s, a second before
    // the payments settle, and is back at 1.5 s. What was in memory is
    // gone; what was in the file settles and is delivered.
    let s = scenario(
        "crash-real",
        7,
        10,
        "{ dist = \"fixed\", every_ms = 10 }",
        "{ dist = \"fixed\", ms = \"2s\" }",
    )
    .table("[delivery]\nretry_schedule = [\"0s\", \"1s\"]\ntimeout_ms = \"1s\"\njitter = 0.0\n")
    .table("[faults]\nplatform_crash = [{ at_ms = \"1s\", down_ms = \"500ms\" }]\n")
    .strategy("memory", "webhook", "store = \"memory\"")
    .strategy("outbox", "webhook", "store = \"sqlite\"");
    let summary = run(&s, Some(ClockMode::Real));
    let memory = strategy(&summary, "memory");
    let lost = memory
        .crash
        .as_ref()
        .unwrap()
        .lost
        .get(&CrashLoss::PlatformMemory);
    assert_eq!(lost, Some(&10), "{:?}", memory.crash);
    let outbox = strategy(&summary, "outbox");
    assert_eq!(outbox.notified, 10, "{:?}", outbox.crash);
    assert_eq!(outbox.crash.as_ref().unwrap().settlements_resumed, 10);
    for s in &summary.strategies {
        assert_eq!(s.notified + s.missed, s.orders, "{}", s.name);
    }
}
