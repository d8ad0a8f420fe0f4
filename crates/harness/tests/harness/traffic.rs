//! Bytes and connections, counted at both ends of every connection: in
//! virtual time the shop's count and the platform's must agree, link by
//! link, and every strategy must show the traffic it made. And provider
//! retry profiles: each strategy's deliveries follow the one it names.

use crate::fixtures::{run, run_measuring_platform_cpu, scenario, strategy};
use hooklab_core::scenario::ClockMode;

#[test]
fn bytes_and_connections_are_counted_and_both_ends_agree_in_virtual_time() {
    let s = scenario(
        "traffic",
        7,
        40,
        "{ dist = \"fixed\", every_ms = 50 }",
        "{ dist = \"uniform\", min_ms = 100, max_ms = 900 }",
    )
    .virtual_clock()
    .merchants(2)
    .poll("poll", "200")
    .webhook("webhook")
    .hybrid("hybrid", "\"1s\"", "\"1s\"")
    .poll_events("events", "250", 10);
    let summary = run(&s, None);
    let again = run(&s, None);
    for name in ["poll", "webhook", "hybrid", "events"] {
        let r = strategy(&summary, name);
        let t = r.traffic.as_ref().expect("virtual runs count traffic");
        // Both ends of each link were measured, and saw the same bytes.
        let api_client = t.api.client.as_ref().expect("the shop's end is counted");
        assert_eq!(
            api_client, &t.api.server,
            "{name}: shop-seen vs platform-seen"
        );
        assert!(t.ends_agree(), "{name}: {t:?}");
        // Every strategy creates payments over the API: 40 requests of at
        // least a request line each, answered with at least a status line.
        assert!(t.api.server.request_bytes > 40 * 20, "{name}: {t:?}");
        assert!(t.api.server.response_bytes > 40 * 20, "{name}: {t:?}");
        assert!(t.api.server.connections_opened >= 1, "{name}");
        assert!(t.api.server.held_max >= t.api.server.held_mean.ceil() as u64);
        assert_eq!(t.platform_cpu_ms, None, "no CPU figure in virtual time");
        // Webhook deliveries only where the shop receives them.
        let hooks = &t.webhooks;
        if r.notified_by.webhook > 0 {
            assert_eq!(hooks.client.as_ref(), Some(&hooks.server), "{name}");
            // One delivery at least per order learned by webhook, each a
            // signed JSON body of well over 100 bytes.
            assert!(hooks.server.request_bytes > r.notified_by.webhook * 100);
            assert!(hooks.server.connections_opened >= 1);
        } else {
            assert_eq!(hooks.bytes(), 0, "{name}: no receiver, no deliveries");
        }
        // Deterministic: the same seed gives the same counts.
        assert_eq!(strategy(&again, name).traffic, r.traffic, "{name}");
    }
    // Polling every 200 ms asks more than the event log's pages, and the
    // webhook strategy asks the API least: bytes follow the requests.
    let api = |name: &str| {
        strategy(&summary, name)
            .traffic
            .as_ref()
            .unwrap()
            .api
            .bytes()
    };
    assert!(
        api("poll") > api("webhook"),
        "{} vs {}",
        api("poll"),
        api("webhook")
    );
}

#[test]
fn real_time_counts_the_servers_end_and_the_platforms_cpu() {
    let s = scenario(
        "traffic-real",
        3,
        20,
        "{ dist = \"fixed\", every_ms = 5 }",
        "{ dist = \"fixed\", ms = 20 }",
    )
    .webhook("webhook");
    let summary = run_measuring_platform_cpu(&s);
    let r = strategy(&summary, "webhook");
    let t = r.traffic.as_ref().expect("real runs count traffic");
    assert_eq!(t.api.client, None, "reqwest's end is not reachable");
    assert!(t.api.server.request_bytes > 20 * 20, "{t:?}");
    assert!(
        t.webhooks.server.request_bytes > r.notified_by.webhook * 100,
        "{t:?}"
    );
    assert!(t.webhooks.server.connections_opened >= 1);
    if cfg!(unix) {
        let cpu = t
            .platform_cpu_ms
            .expect("the platform runs on its own threads");
        assert!(cpu > 0.0, "{t:?}");
        assert!(t.platform_cpu_ms_per_order.is_some());
    }
    // Without its own threads, the platform's CPU cannot be told apart.
    let shared = run(&s, Some(ClockMode::Real));
    let t = strategy(&shared, "webhook").traffic.clone().unwrap();
    assert_eq!(t.platform_cpu_ms, None);
    assert!(t.webhooks.server.request_bytes > 0);
}

#[test]
fn each_strategy_delivers_on_its_own_providers_profile() {
    // The receiver answers 503 for the first 30 s: GitHub's single attempt
    // loses those events, Shopify's retries (1 min later) deliver them.
    let s = scenario(
        "profiles",
        5,
        20,
        "{ dist = \"fixed\", every_ms = \"2s\" }",
        "{ dist = \"fixed\", ms = 500 }",
    )
    .virtual_clock()
    .table("[faults]\nreceiver_down = [{ from_ms = 0, until_ms = \"30s\" }]")
    .strategy("github", "webhook", "retry = \"github\"")
    .strategy("shopify", "webhook", "retry = \"shopify\"");
    let summary = run(&s, None);
    let github = strategy(&summary, "github");
    let shopify = strategy(&summary, "shopify");
    // Orders 0..15 settle inside the window (at 0.5 s, 2.5 s, … 28.5 s).
    assert_eq!(github.missed, 15, "{:?}", github.requests);
    assert_eq!(github.requests.webhook_retries, 0, "GitHub never retries");
    assert_eq!(shopify.missed, 0);
    assert_eq!(
        shopify.requests.webhook_retries, 15,
        "one retry each, a minute on"
    );
    // Each prediction knows its strategy's profile.
    assert_eq!(github.predicted.missed_share, Some(0.75));
}
