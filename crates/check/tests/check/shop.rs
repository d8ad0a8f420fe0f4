//! The shop's own webhook receiver (`hooklab shop --strategy webhook`)
//! passes every case, with the default limits a user gets.

use super::{assert_passes_everything, config, now_secs, serve};
use hooklab_check::Secret;
use hooklab_core::clock::Clock;
use hooklab_core::signature::WebhookSecret;
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::{self, Receiver, WEBHOOK_PATH};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shops_receiver_passes_every_case() {
    // As `hooklab shop` builds it: a real clock, an order book, and the
    // secret the platform handed out at registration.
    let secret = WebhookSecret::from_key(&[0x33; 24]).unwrap();
    let clock = Clock::starting_now(now_secs() * 1_000_000);
    let receiver = Receiver::new(clock, Arc::new(OrderBook::new()));
    receiver.trust(secret.clone());
    let addr = serve(receiver::router(receiver.clone())).await;
    let url = format!("http://{addr}{WEBHOOK_PATH}");
    // The default body limit (GitHub's 25 MB), as a user would run it.
    let card = hooklab_check::run(config(url, Secret::Standard(secret)))
        .await
        .unwrap();
    assert_passes_everything(&card, &[]);
    // Nothing forged got through to the order book's counters.
    let rejected: u64 = receiver.rejected().values().sum();
    assert!(rejected >= 8, "{:?}", receiver.rejected());
}
