//! The SQLite store: a platform killed in the middle of its work and started
//! again on the same file settles every payment and delivers every webhook;
//! files that are not a hooklab store, and a full disk, are refused with an
//! error, never a panic.
//!
//! "Killed" is a dropped runtime: every task of the first platform stops
//! at its next suspension point, with no shutdown and nothing flushed that
//! was not already committed, as with `kill -9`.

use super::{EPOCH_US, ORDER, RecordingHttp, config};
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::ids::OrderId;
use hooklab_core::scenario::DeliverySettings;
use hooklab_core::shutdown;
use hooklab_core::wire::{Event, Outcome};
use hooklab_platform::store::{self, Store, StoreError};
use hooklab_platform::{Platform, SettlementPlan};
use http::StatusCode;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const ORDERS: u64 = 6;

fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

/// Order N settles N × 100 ms after its creation; retries after 0, 1 s, 5 s.
fn durable_config() -> hooklab_platform::PlatformConfig {
    let plan = SettlementPlan::new((1..=ORDERS).map(|n| {
        (
            OrderId::numbered(n),
            Dur::from_ms(n * 100),
            Outcome::Approved,
        )
    }));
    hooklab_platform::PlatformConfig {
        delivery: DeliverySettings {
            retry_schedule: ["0s", "1s", "5s"]
                .iter()
                .map(|d| Dur::parse(d).unwrap())
                .collect(),
            timeout_ms: Dur::from_secs(15),
            jitter: 0.0,
        },
        ..config(plan)
    }
}

fn order(n: u64) -> String {
    ORDER.replace("ord_000001", OrderId::numbered(n).as_str())
}

/// The event ids the receiver accepted (2xx), with how often each came.
fn accepted(http: &RecordingHttp, answers: &[u16]) -> BTreeMap<String, u32> {
    let mut seen = BTreeMap::new();
    for (i, (_, req)) in http.take().iter().enumerate() {
        if answers.get(i).copied().unwrap_or(200) == 200 {
            let event: Event = serde_json::from_slice(req.body()).unwrap();
            *seen.entry(event.id.0).or_insert(0) += 1;
        }
    }
    seen
}

#[test]
fn a_platform_killed_mid_run_resumes_from_its_file_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.sqlite");
    // The first two deliveries fail: at the kill they are waiting to be
    // retried, and the later payments have not settled yet.
    let answers = [500, 500];

    let first = paused_runtime();
    let (http1, origin, killed) = first.block_on(async {
        let http = RecordingHttp::answering(&answers.map(|s| (s, None)));
        let clock = Clock::starting_now(EPOCH_US);
        let opened = store::open(&path, false).unwrap();
        assert!(opened.snapshot.is_none(), "a new file holds nothing");
        let p = Platform::with_store(clock, durable_config(), http.clone(), opened).unwrap();
        let (trigger, signal) = shutdown::channel();
        p.spawn_workers(signal);
        super::register(&p).await;
        for n in 1..=ORDERS {
            let (status, _, _) =
                super::call(&p, "POST", "/v1/payments", Some(&order(n)), None).await;
            assert_eq!(status, StatusCode::CREATED);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(
            p.settlements().len(),
            2,
            "orders 1 and 2 settled before the kill"
        );
        // The first attempt's log entry says when the retry is due.
        let event = p
            .settlements()
            .into_iter()
            .find(|s| s.payment_id.0 == "pay_000001")
            .unwrap()
            .event_id;
        let uri = format!("/v1/events/{}/attempts", event.0);
        let (_, _, log) = super::call(&p, "GET", &uri, None, None).await;
        let due = log["data"][0]["next_attempt_at"].clone();
        assert!(!due.is_null(), "{log}");
        // The trigger is leaked, not dropped: dropping it would be a
        // graceful shutdown.
        std::mem::forget(trigger);
        (
            http,
            clock.unix_us(hooklab_core::clock::Micros(0)),
            (p, due),
        )
    });
    let (killed, due_before_kill) = killed;
    let before = accepted(&http1, &answers);
    assert!(before.is_empty(), "both first attempts failed: {before:?}");
    // The kill: every task is dropped where it stands.
    drop(killed);
    drop(first);

    let second = paused_runtime();
    let http2 = Arc::new(RecordingHttp::default());
    let settled = second.block_on(async {
        let opened = store::open(&path, false).unwrap();
        assert_eq!(opened.origin_unix_us(), Some(origin));
        let (pending, open) = opened.snapshot.as_ref().unwrap().pending();
        assert_eq!(
            (pending, open),
            (4, 2),
            "4 payments pending, 2 deliveries retrying"
        );
        // The platform comes back 2 s after its start (1.75 s down).
        let clock = Clock::resumed(origin, origin + 2_000_000);
        let config = hooklab_platform::PlatformConfig {
            id_epoch: opened.id_epoch().unwrap(),
            ..durable_config()
        };
        let p = Platform::with_store(clock, config, http2.clone(), opened).unwrap();
        let (_trigger, signal) = shutdown::channel();
        p.spawn_workers(signal);
        tokio::time::sleep(Duration::from_secs(10)).await;
        // A poll after the restart reads the same payment as before.
        let (status, _, payment) =
            super::call(&p, "GET", "/v1/payments/pay_000001", None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(payment["status"], "approved");
        // Its event's attempt log came back from the file: the failed
        // attempt before the kill, then the ones after it.
        let settlements = p.settlements();
        let event = &settlements
            .iter()
            .find(|s| s.payment_id.0 == "pay_000001")
            .unwrap()
            .event_id;
        let uri = format!("/v1/events/{}/attempts", event.0);
        let (status, _, log) = super::call(&p, "GET", &uri, None, None).await;
        assert_eq!(status, StatusCode::OK, "{log}");
        let attempts = log["data"].as_array().unwrap();
        assert!(attempts.len() >= 2, "{log}");
        assert_eq!(attempts[0]["attempt"], 1, "{log}");
        // With the instant its retry was scheduled for, as before the kill.
        assert_eq!(attempts[0]["next_attempt_at"], due_before_kill, "{log}");
        settlements
    });
    assert_eq!(settled.len() as u64, ORDERS, "every payment settled");
    let after = accepted(&http2, &[]);
    let events: BTreeSet<_> = settled.iter().map(|s| s.event_id.0.clone()).collect();
    let delivered: BTreeSet<_> = after.keys().cloned().collect();
    assert_eq!(delivered, events, "every event delivered at least once");
    let duplicates: u32 = after.values().map(|n| n - 1).sum();
    // Both failed attempts were committed before the kill, so nothing was
    // sent twice; a kill between an accepted attempt and its commit would
    // show here as a duplicate the receiver's dedup catches.
    assert_eq!(duplicates, 0, "{after:?}");
    // The file remembers what happened: the outbox is empty.
    let again = store::open(&path, false).unwrap();
    assert_eq!(again.snapshot.unwrap().pending(), (0, 0));
}

#[test]
fn a_file_that_is_not_a_database_is_refused_as_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.sqlite");
    std::fs::write(
        &path,
        b"these are not the bytes of an SQLite database, at all......",
    )
    .unwrap();
    let err = store::open(&path, false).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
    assert!(err.is_bad_file());
    assert!(err.to_string().contains("not an SQLite database"), "{err}");
    assert!(!err.to_string().contains("--reset"), "{err}");
    // --reset refuses it too: it is not hooklab's to remove.
    let err = store::open(&path, true).unwrap_err();
    assert!(
        matches!(err, StoreError::NotADatabase { hooklab: false, .. }),
        "{err:?}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"these are not the bytes of an SQLite database, at all......",
        "the file is untouched"
    );
}

#[test]
fn a_corrupt_hooklab_file_is_emptied_by_reset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.sqlite");
    drop(store::open(&path, false).unwrap());
    // Keep the header (and its application id), spoil the pages after it.
    let mut bytes = std::fs::read(&path).unwrap();
    for b in bytes.iter_mut().skip(100) {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", path.display()));
    }
    match store::open(&path, false) {
        Err(StoreError::NotADatabase { hooklab: true, .. }) => {}
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("a spoiled file opened"),
    }
    let opened = store::open(&path, true).unwrap();
    assert!(opened.snapshot.is_none());
    assert!(matches!(opened.store, Store::Sqlite(_)));
}

#[test]
fn another_programs_database_is_refused_and_never_reset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
    }
    for reset in [false, true] {
        let err = store::open(&path, reset).unwrap_err();
        assert!(matches!(err, StoreError::Foreign { .. }), "{err:?}");
        assert!(err.is_bad_file());
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let body: String = conn
        .query_row("SELECT body FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(body, "mine", "the foreign file is untouched");
}

#[test]
fn a_full_disk_answers_503_and_stops_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.sqlite");
    paused_runtime().block_on(async {
        let opened = store::open(&path, false).unwrap();
        let p = Platform::with_store(
            Clock::starting_now(EPOCH_US),
            durable_config(),
            Arc::new(RecordingHttp::default()),
            opened,
        )
        .unwrap();
        let pages = page_count(&path);
        if let Store::Sqlite(s) = p.store() {
            s.limit_pages(pages).unwrap();
        }
        let mut refused = None;
        for n in 1..=2_000 {
            let (status, _, body) =
                super::call(&p, "POST", "/v1/payments", Some(&order(n)), None).await;
            if status != StatusCode::CREATED {
                refused = Some((status, body));
                break;
            }
        }
        let (status, body) = refused.expect("the capped file filled up");
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["error"]["code"], "store_unavailable");
        let failure = p.store_failure().expect("the failure is kept");
        assert!(matches!(failure, StoreError::Write { .. }), "{failure:?}");
        assert!(!failure.is_bad_file());
    });
}

fn page_count(path: &Path) -> u32 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_query_value(None, "page_count", |r| r.get(0))
        .unwrap()
}

/// A shop that restarts registers its URL again, which replaces its
/// endpoint: a delivery still retrying for the old endpoint goes to the new
/// one, signed with the new secret, instead of being dropped.
#[tokio::test(start_paused = true)]
async fn a_retry_for_a_replaced_endpoint_goes_to_its_successor() {
    let http = RecordingHttp::answering(&[(500, None)]);
    let p = super::with_delivery(&["0s", "1s"], super::one_order(100), http.clone());
    let _workers = super::start(&p);
    super::register(&p).await;
    super::call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(http.take().len(), 1, "the first attempt failed");
    let fresh = super::register(&p).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let sent = http.take();
    assert_eq!(sent.len(), 1, "the retry went out");
    let req = &sent[0].1;
    let h = |n: &str| req.headers().get(n).map(|v| v.to_str().unwrap());
    let verified = hooklab_core::signature::verify(
        &[fresh],
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
        req.body(),
        EPOCH_US / 1_000_000 + 1,
        300,
    );
    assert_eq!(verified, Ok(()), "signed with the new endpoint's secret");
    assert!(p.delivery_attempts()[1].result.is_success());
}

/// The lesson of the outbox, at the moment it matters: the platform dies
/// right after a settlement committed, before the dispatcher took its event
/// off the in-memory queue. With the transactional outbox the webhook's row
/// was in the same transaction, and the restarted platform delivers it; with
/// a dual write the row was never written, and the payment is final with
/// nobody left to tell the shop.
#[test]
fn a_crash_between_the_writes_loses_a_dual_writes_webhook_and_never_the_outboxs() {
    use hooklab_platform::store::OutboxMode;
    for (mode, expected) in [(OutboxMode::Transactional, 1), (OutboxMode::DualWrite, 0)] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("platform.sqlite");
        let config = || hooklab_platform::PlatformConfig {
            outbox: mode,
            ..config(super::one_order(100))
        };
        let first = paused_runtime();
        let (origin, killed) = first.block_on(async {
            let clock = Clock::starting_now(EPOCH_US);
            let opened = store::open(&path, false).unwrap();
            let http = Arc::new(RecordingHttp::default());
            // No workers: the dispatcher never runs before the kill.
            let p = Platform::with_store(clock, config(), http, opened).unwrap();
            super::register(&p).await;
            super::call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
            tokio::time::sleep(Duration::from_millis(150)).await;
            p.settle_due();
            assert_eq!(p.settlements().len(), 1);
            (clock.unix_us(hooklab_core::clock::Micros(0)), p)
        });
        drop(killed);
        drop(first);
        let second = paused_runtime();
        let http = Arc::new(RecordingHttp::default());
        let settled = second.block_on(async {
            let opened = store::open(&path, false).unwrap();
            let clock = Clock::resumed(origin, origin + 2_000_000);
            let config = hooklab_platform::PlatformConfig {
                id_epoch: opened.id_epoch().unwrap(),
                ..config()
            };
            let p = Platform::with_store(clock, config, http.clone(), opened).unwrap();
            let (_trigger, signal) = shutdown::channel();
            p.spawn_workers(signal);
            tokio::time::sleep(Duration::from_secs(10)).await;
            p.settlements().len()
        });
        assert_eq!(settled, 1, "{mode:?}: the settlement itself survived");
        assert_eq!(http.take().len(), expected, "{mode:?}");
    }
}

/// `GET /v1/platform`: the platform's id is the epoch its file keeps, the
/// same after a restart on that file (even one given another epoch to
/// start with), another for another file, and asked without a key: what
/// a shop's inbox compares to follow its platform to another port.
#[test]
fn the_platform_id_is_its_files_epoch_and_survives_a_restart() {
    use hooklab_core::ids::IdEpoch;
    let dir = tempfile::tempdir().unwrap();
    let id_of = |path: &Path, seed: u64| {
        paused_runtime().block_on(async {
            let opened = store::open(path, false).unwrap();
            let config = hooklab_platform::PlatformConfig {
                id_epoch: IdEpoch::from_seed(seed),
                ..durable_config()
            };
            let clock = Clock::starting_now(EPOCH_US);
            let p = Platform::with_store(clock, config, Arc::new(RecordingHttp::default()), opened)
                .unwrap();
            let (status, _, body) =
                super::call_as(&p, None, "GET", "/v1/platform", None, None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["durable"], true, "{body}");
            body["id"].as_str().unwrap().to_owned()
        })
    };
    let first = dir.path().join("platform.sqlite");
    let id = id_of(&first, 0x1a2b_3c4d);
    assert_eq!(id, "1a2b3c4d");
    assert_eq!(id_of(&first, 0x5555_5555), id, "restarted on its file");
    assert_ne!(id_of(&dir.path().join("other.sqlite"), 0x5555_5555), id);
}
