//! What a shop does when an order's event is gone from the platform's log
//! before it read it: the platform forgets a finished payment and its event
//! after its retention window (`hooklab platform --keep`), and a reader of
//! the log whose cursor is older is answered `410 cursor_expired`.
//!
//! The engineer tester's finding: the shop lost the platform for longer
//! than the window, and the order whose event was forgotten meanwhile
//! stayed pending for ever (the event poller asked with the same cursor,
//! got the same 410, every interval; the stream reopened with the same
//! `Last-Event-ID`). Now each reader of the log starts it again, asks the
//! platform directly about every order still waiting, and an order whose
//! payment is gone too ends as missed, with the reason; the others go on
//! and are learned; the shop's inbox keeps it as missed, so that a
//! restart does not wait for it either.
//!
//! A real platform answers in this process, through its router, under
//! tokio's paused clock (no socket: the retention window and the outage
//! are exact, whatever the machine's load). The network between them can be
//! cut (`Link::cut`): requests then fail to connect, and open streams break.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::events::EventSink;
use hooklab_core::ids::{MerchantId, OrderId};
use hooklab_core::scenario::StrategySpec;
use hooklab_core::shutdown;
use hooklab_core::wire::{Outcome, PaymentStatus};
use hooklab_platform::{Merchant, Platform, PlatformConfig, Retention, SettlementPlan};
use hooklab_shop::Shop;
use hooklab_shop::client::PlatformClient;
use hooklab_shop::inbox::{Inbox, InboxOwner};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The base URL the shop is given: only a label here, never bound or
/// dialled. Every request goes through the in-process `Link` to the
/// platform's router (under tokio's paused clock, which sockets cannot
/// share); the inbox records it as its owner.
const BASE: &str = "http://127.0.0.1:4242";

const KEY: &str = "sk_test_recovery";
const EPOCH_US: i64 = 1_767_225_600_000_000;

#[path = "support/link.rs"]
mod link;
use link::{Link, Nowhere, order};

/// Order 1 settles at 200 ms and is read; then the link is cut until
/// 4.5 s. Order 2 settles at 3 s and, kept 1 s, is forgotten at 4 s, its
/// event unread. Order 3 settles at 20 s. Every order must end: 1 and 3
/// approved, 2 missed with the reason.
/// A platform on `clock` settling by `plan`, with the one merchant `KEY`,
/// keeping a finished payment `keep`.
fn platform(clock: Clock, plan: SettlementPlan, keep: Dur) -> Platform {
    let config = PlatformConfig {
        plan,
        merchants: vec![Merchant {
            id: MerchantId::numbered(1),
            api_key: KEY.to_owned(),
        }],
        retention: Retention {
            finished_for: Some(keep),
            ..Retention::SERVER
        },
        ..PlatformConfig::default()
    };
    Platform::new(clock, config, Arc::new(Nowhere))
}

async fn through_an_expired_cursor(strategy: StrategySpec) {
    let started = tokio::time::Instant::now();
    let clock = Clock::starting_now(EPOCH_US);
    let plan = SettlementPlan::new([
        (OrderId::numbered(1), Dur::from_ms(200), Outcome::Approved),
        (OrderId::numbered(2), Dur::from_secs(3), Outcome::Declined),
        (OrderId::numbered(3), Dur::from_secs(20), Outcome::Approved),
    ]);
    let platform = platform(clock, plan, Dur::from_secs(1));
    let (_platform_stop, platform_shutdown) = shutdown::channel();
    platform.spawn_workers(platform_shutdown);
    let (cut, cut_rx) = watch::channel(false);
    let link = Arc::new(Link {
        platform: std::sync::Mutex::new(platform.clone()),
        cut: cut_rx,
    });
    let client = PlatformClient::new(link, BASE, clock).with_api_key(KEY);
    // The shop's inbox, journalling what its book hears.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.sqlite");
    let owner = InboxOwner::new(BASE, KEY);
    let (inbox, _) = Inbox::open(&path, clock, &owner).unwrap();
    let inbox = Arc::new(inbox);
    let journal = {
        let inbox = inbox.clone();
        EventSink::to(move |event| inbox.note(&event))
    };
    let (stop, shutdown) = shutdown::channel();
    let shop = Shop::new(clock, client, strategy, "BRL".to_owned(), shutdown).with_events(journal);
    shop.start();
    for n in 1..=3 {
        shop.place_order(&order(n)).await.unwrap();
    }
    let book = shop.book().clone();
    let mut settled = book.watch_settled();
    settled.wait_for(|n| *n >= 1).await.unwrap();
    assert!(book.is_known(&OrderId::numbered(1)));
    cut.send(true).unwrap();
    tokio::time::sleep_until(started + Duration::from_millis(4_500)).await;
    assert!(
        platform.books().forgotten >= 2,
        "orders 1 and 2 forgotten: {:?}",
        platform.books()
    );
    cut.send(false).unwrap();
    let ended =
        tokio::time::timeout(Duration::from_secs(3_600), settled.wait_for(|n| *n >= 3)).await;
    let entries = book.entries();
    let abandoned = book.abandoned_orders();
    assert!(
        ended.is_ok(),
        "an order never ended: {entries:?}, abandoned {abandoned:?}"
    );
    let status = |n: u64| {
        let entry = entries
            .iter()
            .find(|e| e.order_id == OrderId::numbered(n))
            .unwrap();
        (entry.status, entry.known_at.is_some())
    };
    assert_eq!(status(1), (PaymentStatus::Approved, true));
    assert_eq!(status(3), (PaymentStatus::Approved, true));
    assert_eq!(status(2), (PaymentStatus::Pending, false));
    assert_eq!(abandoned.len(), 1, "{abandoned:?}");
    let (missed, why) = &abandoned[0];
    assert_eq!(missed, &OrderId::numbered(2));
    assert!(
        why.contains("cursor_expired") && why.contains("410"),
        "{why}"
    );
    stop.trigger();
    shop.stopped().await;
    // Kept as missed, with its reason: a restart does not wait for it.
    assert_eq!(inbox.missed_gone(&book, clock.now()).unwrap(), 1);
    drop((shop, book, inbox));
    let (_, contents) = Inbox::open(&path, clock, &owner).unwrap();
    assert_eq!(
        (contents.pending.len(), contents.known, contents.missed),
        (0, 2, 1)
    );
}

#[tokio::test(start_paused = true)]
async fn the_event_poller_recovers_from_an_expired_cursor() {
    through_an_expired_cursor(StrategySpec::PollEvents {
        name: "poll_events".to_owned(),
        interval_ms: Dur::from_secs(1),
        page_size: 100,
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_event_long_poller_recovers_from_an_expired_cursor() {
    through_an_expired_cursor(StrategySpec::LongPollEvents {
        name: "long_poll_events".to_owned(),
        wait_ms: Dur::from_secs(1),
        page_size: 100,
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_stream_recovers_from_an_expired_cursor() {
    through_an_expired_cursor(StrategySpec::Stream {
        name: "stream".to_owned(),
    })
    .await;
}

/// An order whose creation the shop gave up on (no answer within its
/// retry budget: the platform made the payment, its answer was lost) and
/// whose outcome then arrives (a webhook, the event log) ends once, known:
/// it used to be counted twice, failed and known, so a shop waiting for
/// its orders to end stopped one order early, and a report counted one
/// order more than were placed.
#[test]
fn an_order_given_up_at_creation_and_then_learned_ends_once() {
    use hooklab_core::clock::Micros;
    use hooklab_core::lang::Said;
    use hooklab_shop::missed::{MissedCode, MissedReason};
    use hooklab_shop::orders::{Channel, Notice, OrderBook};
    let book = OrderBook::new();
    let (one, two) = (OrderId::numbered(1), OrderId::numbered(2));
    book.place(one.clone(), Micros(0));
    book.place(two.clone(), Micros(0));
    let (why, said) = (
        MissedCode::CreationFailed,
        Said::new("timed out after 10s", "-"),
    );
    book.creation_failed(one.clone(), MissedReason::new(why, said));
    assert_eq!(*book.watch_settled().borrow(), 1);
    let notice = book.record(&one, PaymentStatus::Approved, Channel::Webhook, Micros(5));
    assert_eq!(notice, Notice::Learned);
    assert_eq!(*book.watch_settled().borrow(), 1, "one order, ended once");
    assert!(book.failed().is_empty(), "{:?}", book.failed());
    // The same for an order given up as gone and then learned.
    let (why, said) = (MissedCode::PaymentGone, Said::new("404", "-"));
    book.abandoned(two.clone(), MissedReason::new(why, said));
    assert_eq!(*book.watch_settled().borrow(), 2);
    book.record(&two, PaymentStatus::Declined, Channel::Webhook, Micros(6));
    assert_eq!(*book.watch_settled().borrow(), 2);
    assert!(book.abandoned_orders().is_empty());
}

/// A long-polled payment the platform no longer knows (it was started
/// again without its data, and answers 404) ends its order unknown, with
/// the reason, as the other pollers' do; the long poller used to retry it
/// for ever, and the shop never ended.
#[tokio::test(start_paused = true)]
async fn a_long_polled_payment_the_platform_lost_ends_its_order() {
    let clock = Clock::starting_now(EPOCH_US);
    let plan = || {
        SettlementPlan::new([(
            OrderId::numbered(1),
            Dur::from_secs(3_600),
            Outcome::Approved,
        )])
    };
    let first = platform(clock, plan(), Dur::from_secs(60));
    let (_platform_stop, platform_shutdown) = shutdown::channel();
    first.spawn_workers(platform_shutdown.clone());
    let (_cut, cut_rx) = watch::channel(false);
    let link = Arc::new(Link {
        platform: std::sync::Mutex::new(first),
        cut: cut_rx,
    });
    let client = PlatformClient::new(link.clone(), BASE, clock).with_api_key(KEY);
    let (stop, shutdown) = shutdown::channel();
    let strategy = StrategySpec::LongPoll {
        name: "long_poll".to_owned(),
        wait_ms: Dur::from_secs(1),
    };
    let shop = Shop::new(clock, client, strategy, "BRL".to_owned(), shutdown);
    shop.place_order(&order(1)).await.unwrap();
    // Started again without its data: the held poll ends, the next is a 404.
    let fresh = platform(clock, plan(), Dur::from_secs(60));
    fresh.spawn_workers(platform_shutdown);
    *link.platform.lock().unwrap() = fresh;
    let mut settled = shop.book().watch_settled();
    let ended =
        tokio::time::timeout(Duration::from_secs(3_000), settled.wait_for(|n| *n >= 1)).await;
    let abandoned = shop.book().abandoned_orders();
    assert!(
        ended.is_ok(),
        "the order never ended: {:?}",
        shop.book().entries()
    );
    assert_eq!(abandoned.len(), 1, "{abandoned:?}");
    assert!(abandoned[0].1.contains("404"), "{abandoned:?}");
    stop.trigger();
    shop.stopped().await;
}
