//! A platform dead at the run's end settles nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::PlatformLife;
use crate::network::Network;
use crate::virtual_net::VirtualNet;
use hooklab_core::clock::Micros;
use hooklab_core::duration::Dur;
use hooklab_core::ids::OrderId;
use hooklab_core::rng::SeededRng;
use hooklab_core::scenario::Scenario;
use hooklab_core::wire::{CreatePayment, Outcome};
use hooklab_platform::{Merchant, PlatformConfig, SettlementPlan};
use hooklab_shop::client::PlatformClient;
use hooklab_shop::orders::OrderBook;

const SCENARIO: &str = r#"
name = "dead-at-the-end"
description = "the platform crashes at 1 s and is down for an hour"
seed = 3
clock = "virtual"

[workload]
orders = 1
arrival = { dist = "fixed", every_ms = 0 }
settle = { dist = "fixed", ms = "2s" }

[faults]
platform_crash = [{ at_ms = "1s", down_ms = "1h" }]

[[strategy]]
name = "memory"
kind = "webhook"
store = "memory"
"#;

/// A run can stop while its platform is down (every order known or
/// failed before the restart); the harness then settles what is due, as
/// it does on a live platform, and a dead one must not: its payment due at
/// 2 s stays pending, as it was when the process died at 1 s.
#[tokio::test(start_paused = true)]
async fn a_platform_dead_at_the_runs_end_settles_nothing() {
    let scenario = Scenario::parse(SCENARIO, "dead.toml").unwrap();
    let spec = &scenario.strategies[0];
    let net = VirtualNet::new();
    let clock = net.clock(0);
    let merchant = Merchant::generate(1, &mut SeededRng::new(3));
    let order = OrderId("ord_000001".into());
    let config = PlatformConfig {
        plan: SettlementPlan::new([(order.clone(), Dur::from_secs(2), Outcome::Approved)]),
        merchants: vec![merchant.clone()],
        ..PlatformConfig::default()
    };
    let (trigger, shutdown) = hooklab_core::shutdown::channel();
    let (life, url, _servers) =
        PlatformLife::serve(&net, &scenario, spec, clock, config, net.client(), shutdown)
            .await
            .unwrap();
    let client = PlatformClient::new(life.shop_link(net.client()), &url, clock)
        .with_api_key(&merchant.api_key);
    let request = CreatePayment {
        order_id: order.clone(),
        amount_cents: 1_000,
        currency: "BRL".into(),
        simulate: None,
    };
    client
        .create_payment(&request, order.as_str())
        .await
        .unwrap();

    clock.sleep_until(Micros(1_000_000)).await;
    life.crash_platform(clock.now(), &[], &OrderBook::new());
    // The run stops at 5 s, the platform still down.
    clock.sleep_until(Micros(5_000_000)).await;
    life.settle_due_at_end();
    assert!(
        life.current().settlements().is_empty(),
        "a dead platform settled {:?}",
        life.current().settlements()
    );
    trigger.trigger();
}
