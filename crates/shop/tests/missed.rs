//! Every order the shop ends missed carries a reason with a stable code
//! and its sentence in English and in Brazilian Portuguese (the shop's
//! reasons used to be English text only). The English is what the book
//! said before, which `summary.json` keeps.
//!
//! A real platform answers in this process, through its router, under
//! tokio's paused clock, as in `gone.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::ids::{IdEpoch, MerchantId, OrderId};
use hooklab_core::lang::Lang;
use hooklab_core::scenario::StrategySpec;
use hooklab_core::shutdown;
use hooklab_core::wire::Outcome;
use hooklab_platform::{Merchant, Platform, PlatformConfig, Retention, SettlementPlan};
use hooklab_shop::Shop;
use hooklab_shop::client::PlatformClient;
use hooklab_shop::missed::{MissedCode, MissedReason};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Only a label: every request goes through the in-process `Link`.
const BASE: &str = "http://127.0.0.1:4242";
const KEY: &str = "sk_test_missed";
const EPOCH_US: i64 = 1_767_225_600_000_000;

#[path = "support/link.rs"]
mod link;
use link::{Link, Nowhere, order};

/// A platform keeping a finished payment `keep`, minting ids in `epoch`.
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

/// Order 1 (settling in an hour) placed with `strategy`; the platform is
/// then started again without its data: the order's reason once it ended.
async fn missed_after_a_restart(strategy: StrategySpec) -> MissedReason {
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
    cut.send(true).unwrap();
    let fresh = platform(clock, plan(), Dur::from_secs(60), 2);
    fresh.spawn_workers(platform_shutdown);
    *link.platform.lock().unwrap() = fresh;
    cut.send(false).unwrap();
    let book = shop.book().clone();
    let mut settled = book.watch_settled();
    let ended =
        tokio::time::timeout(Duration::from_secs(3_600), settled.wait_for(|s| *s >= 1)).await;
    assert!(ended.is_ok(), "the order never ended: {:?}", book.entries());
    let mut reasons = book.abandoned_reasons();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    // The English, as the harness reads it, is the reason's own.
    assert_eq!(book.abandoned_orders()[0].1, reasons[0].1.english());
    stop.trigger();
    shop.stopped().await;
    reasons.remove(0).1
}

#[tokio::test(start_paused = true)]
async fn a_poller_facing_a_restarted_platform_ends_its_order_payment_gone_in_both_languages() {
    let why = missed_after_a_restart(StrategySpec::Poll {
        name: "poll".to_owned(),
        interval_ms: Dur::from_secs(1),
    })
    .await;
    assert_eq!(why.code(), MissedCode::PaymentGone);
    assert_eq!(why.code().as_str(), "payment_gone");
    assert!(
        why.text(Lang::En).contains("the platform answered 404"),
        "{why:?}"
    );
    assert!(
        why.text(Lang::PtBr).contains("a plataforma respondeu 404"),
        "{why:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stream_facing_a_restarted_platform_ends_its_order_platform_replaced_in_both_languages() {
    let why = missed_after_a_restart(StrategySpec::Stream {
        name: "stream".to_owned(),
    })
    .await;
    assert_eq!(why.code(), MissedCode::PlatformReplaced);
    let (en, pt) = (why.text(Lang::En), why.text(Lang::PtBr));
    assert!(
        en.contains("another platform") && en.contains("404"),
        "{en}"
    );
    assert!(
        pt.contains("o log de eventos que ele esperava não existe mais")
            && pt.contains("outra plataforma")
            && pt.contains("a plataforma não responde mais pelo pagamento"),
        "{pt}"
    );
    assert!(!pt.contains("another platform"), "{pt}");
}
