//! Shops that would wait for ever, silently, for a payment the platform no
//! longer has (the adversarial tester's finding), and now end every order
//! notified or missed with a reason.
//!
//! - An event poller whose interval is longer than the platform keeps a
//!   finished event: its first read has no cursor, so no `410
//!   cursor_expired` can come; the page's `Events-Forgotten-Through`
//!   header tells it that events were forgotten unread, and it asks for its
//!   waiting payments directly (forgotten: `410`, the orders end missed).
//! - A reader of the log (stream, event poller, event long poller) facing
//!   a platform started again without its data: the new platform's log
//!   will never hold the order's event, and its id (`GET /v1/platform`) is
//!   not the one the waiting payment's id carries; the reader asks for the
//!   payment (`404`) and the order ends missed.
//!
//! A real platform answers in this process, through its router, under
//! tokio's paused clock (no socket: the retention window and the restart
//! are exact, whatever the machine's load), as in `recovery.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::ids::{IdEpoch, MerchantId, OrderId};
use hooklab_core::scenario::StrategySpec;
use hooklab_core::shutdown;
use hooklab_core::wire::{Outcome, PaymentStatus};
use hooklab_platform::{Merchant, Platform, PlatformConfig, Retention, SettlementPlan};
use hooklab_shop::Shop;
use hooklab_shop::client::PlatformClient;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The base URL the shop is given: only a label here, never bound or
/// dialled. Every request goes through the in-process `Link` to the
/// platform's router (under tokio's paused clock, which sockets cannot
/// share); the inbox records it as its owner.
const BASE: &str = "http://127.0.0.1:4242";

const KEY: &str = "sk_test_gone";
const EPOCH_US: i64 = 1_767_225_600_000_000;

#[path = "support/link.rs"]
mod link;
use link::{Link, Nowhere, order};

/// A platform on `clock` settling by `plan`, with the one merchant `KEY`,
/// keeping a finished payment `keep`, minting ids in `epoch` (as
/// `hooklab platform` does: each start without its data another).
fn platform(clock: Clock, plan: SettlementPlan, keep: Dur, epoch: u64) -> Platform {
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
        id_epoch: IdEpoch::from_seed(epoch),
        ..PlatformConfig::default()
    };
    Platform::new(clock, config, Arc::new(Nowhere))
}

/// The shop's orders once `n` of them ended, or what was still waiting an
/// hour (virtual) later.
async fn ended(shop: &Shop, n: u64) -> Vec<(OrderId, String)> {
    let book = shop.book().clone();
    let mut settled = book.watch_settled();
    let ended =
        tokio::time::timeout(Duration::from_secs(3_600), settled.wait_for(|s| *s >= n)).await;
    assert!(
        ended.is_ok(),
        "an order never ended: {:?}, abandoned {:?}",
        book.entries(),
        book.abandoned_orders()
    );
    book.abandoned_orders()
}

/// Two orders settle at 500 ms; the platform keeps a finished event 1 s,
/// the event poller reads every 3 s. Its first read, without a cursor,
/// comes after both events were forgotten: it used to read an empty page,
/// with no 410 to tell it, for ever. Both orders end missed, with why.
#[tokio::test(start_paused = true)]
async fn an_event_poller_slower_than_the_keep_ends_its_forgotten_orders() {
    let clock = Clock::starting_now(EPOCH_US);
    let plan = SettlementPlan::new([
        (OrderId::numbered(1), Dur::from_ms(500), Outcome::Approved),
        (OrderId::numbered(2), Dur::from_ms(500), Outcome::Declined),
    ]);
    let platform = platform(clock, plan, Dur::from_secs(1), 1);
    let (_platform_stop, platform_shutdown) = shutdown::channel();
    platform.spawn_workers(platform_shutdown);
    let (_cut, cut_rx) = watch::channel(false);
    let link = Arc::new(Link {
        platform: std::sync::Mutex::new(platform.clone()),
        cut: cut_rx,
    });
    let client = PlatformClient::new(link, BASE, clock).with_api_key(KEY);
    let (stop, shutdown) = shutdown::channel();
    let strategy = StrategySpec::PollEvents {
        name: "poll_events".to_owned(),
        interval_ms: Dur::from_secs(3),
        page_size: 100,
    };
    let shop = Shop::new(clock, client, strategy, "BRL".to_owned(), shutdown);
    shop.start();
    for n in 1..=2 {
        shop.place_order(&order(n)).await.unwrap();
    }
    let abandoned = ended(&shop, 2).await;
    assert!(platform.books().forgotten >= 2, "{:?}", platform.books());
    assert_eq!(abandoned.len(), 2, "{abandoned:?}");
    for (_, why) in &abandoned {
        assert!(
            why.contains("Events-Forgotten-Through") && why.contains("410"),
            "{why}"
        );
    }
    stop.trigger();
    shop.stopped().await;
}

/// Order 1 waits (it settles after an hour); the platform is started
/// again without its data (another id) while the shop's reader of the log
/// is cut off from it. The new platform's log will never hold order 1's
/// event: the reader used to wait for ever (the stream printed nothing,
/// the event pollers read empty pages). Now it sees the platform is
/// another, asks for the payment (404), and the order ends missed.
async fn facing_a_restarted_empty_platform(strategy: StrategySpec) {
    let clock = Clock::starting_now(EPOCH_US);
    let plan = || {
        SettlementPlan::new([(
            OrderId::numbered(1),
            Dur::from_secs(3_600),
            Outcome::Approved,
        )])
    };
    let first = platform(clock, plan(), Dur::from_secs(60), 1);
    let (_platform_stop, platform_shutdown) = shutdown::channel();
    first.spawn_workers(platform_shutdown.clone());
    let (cut, cut_rx) = watch::channel(false);
    let link = Arc::new(Link {
        platform: std::sync::Mutex::new(first),
        cut: cut_rx,
    });
    let client = PlatformClient::new(link.clone(), BASE, clock).with_api_key(KEY);
    let (stop, shutdown) = shutdown::channel();
    let shop = Shop::new(clock, client, strategy, "BRL".to_owned(), shutdown);
    shop.start();
    shop.place_order(&order(1)).await.unwrap();
    // The crash: the link goes down (an open stream breaks), the platform
    // comes back empty, with another id.
    cut.send(true).unwrap();
    let fresh = platform(clock, plan(), Dur::from_secs(60), 2);
    fresh.spawn_workers(platform_shutdown);
    *link.platform.lock().unwrap() = fresh;
    cut.send(false).unwrap();
    let abandoned = ended(&shop, 1).await;
    let entry = shop.book().entries().remove(0);
    assert_eq!(entry.status, PaymentStatus::Pending);
    assert_eq!(abandoned.len(), 1, "{abandoned:?}");
    let why = &abandoned[0].1;
    assert!(
        why.contains("another platform") && why.contains("404"),
        "{why}"
    );
    stop.trigger();
    shop.stopped().await;
}

#[tokio::test(start_paused = true)]
async fn a_stream_facing_a_restarted_empty_platform_ends_its_order() {
    facing_a_restarted_empty_platform(StrategySpec::Stream {
        name: "stream".to_owned(),
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn an_event_poller_facing_a_restarted_empty_platform_ends_its_order() {
    facing_a_restarted_empty_platform(StrategySpec::PollEvents {
        name: "poll_events".to_owned(),
        interval_ms: Dur::from_secs(1),
        page_size: 100,
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn an_event_long_poller_facing_a_restarted_empty_platform_ends_its_order() {
    facing_a_restarted_empty_platform(StrategySpec::LongPollEvents {
        name: "long_poll_events".to_owned(),
        wait_ms: Dur::from_secs(1),
        page_size: 100,
    })
    .await;
}

/// Order 1 is placed and settles; the platform keeps it 1 s, then forgets
/// it. A shop started again later (a fresh book, as `hooklab shop` resumes
/// from its inbox) asks for order 1 again with its `Idempotency-Key`, and
/// is answered `410 forgotten`. The order used to be counted as one that
/// "could not be placed" (its creation failed), while the inbox recorded
/// it `payment_gone`; now the book ends it unknown, as `payment_gone`, and
/// fails no creation.
#[tokio::test(start_paused = true)]
async fn an_order_asked_for_again_after_its_payment_was_forgotten_ends_unknown() {
    let clock = Clock::starting_now(EPOCH_US);
    let plan = SettlementPlan::new([(OrderId::numbered(1), Dur::from_ms(500), Outcome::Approved)]);
    let platform = platform(clock, plan, Dur::from_secs(1), 1);
    let (_platform_stop, platform_shutdown) = shutdown::channel();
    platform.spawn_workers(platform_shutdown);
    let (_cut, cut_rx) = watch::channel(false);
    let link = Arc::new(Link {
        platform: std::sync::Mutex::new(platform.clone()),
        cut: cut_rx,
    });
    let strategy = || StrategySpec::Webhook {
        name: "webhook".to_owned(),
    };
    let start = || {
        let client = PlatformClient::new(link.clone(), BASE, clock).with_api_key(KEY);
        let (stop, shutdown) = shutdown::channel();
        let shop = Shop::new(clock, client, strategy(), "BRL".to_owned(), shutdown);
        shop.start();
        (shop, stop)
    };
    let (first, stop) = start();
    first.place_order(&order(1)).await.unwrap();
    stop.trigger();
    first.stopped().await;
    // Settled at 500 ms, forgotten 1 s later: well past both.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (again, stop) = start();
    let asked = again.place_order(&order(1)).await;
    assert!(
        matches!(
            &asked,
            Err(e) if e.is_creation_forgotten()
        ),
        "{asked:?}"
    );
    assert!(platform.books().forgotten >= 1, "{:?}", platform.books());
    let book = again.book();
    assert_eq!(book.failed(), vec![], "counted as not placed");
    let gone = book.abandoned_reasons();
    assert_eq!(gone.len(), 1, "{gone:?}");
    assert_eq!(gone[0].0, OrderId::numbered(1));
    assert_eq!(
        gone[0].1.code(),
        hooklab_shop::missed::MissedCode::PaymentGone
    );
    // Ended: the wait for every order does not hang on it.
    assert_eq!(*book.watch_settled().borrow(), 1);
    stop.trigger();
    again.stopped().await;
}
