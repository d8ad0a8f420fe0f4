//! A conflicting outcome reaches the summary: a virtual webhook run in
//! which a signed `payment.declined` arrives for an order the shop learned
//! approved, through the shop's own receiver. The summary's `conflicts`
//! must be the order book's count (one), not a duplicate.
//!
//! No scenario fault sends a wrong status (the mock platform never
//! contradicts itself), so the test plays the misbehaving sender: the run
//! stops, then the delivery is posted to the receiver the run used, signed
//! with a secret the receiver was told to trust, before the run is folded.
//! The run's book is a forgetting one (`run.rs`), which drops each order
//! once known, so this also checks that it still tells a conflict from a
//! duplicate.

use crate::network::{Network, Shaped};
use crate::run::{Setting, Silent, World};
use crate::virtual_net::{self, VirtualNet};
use axum::body::Body;
use hooklab_core::duration::Dur;
use hooklab_core::ids::{EventId, OrderId, PaymentId};
use hooklab_core::scenario::{ClockMode, Scenario};
use hooklab_core::signature::WebhookSecret;
use hooklab_core::wire::{Event, EventType, Payment, PaymentStatus};
use hooklab_core::workload::{self, OrderPlan};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tower::ServiceExt;

const SCENARIO: &str = r#"
name = "conflicts"
seed = 5
clock = "virtual"

[workload]
orders = 4
arrival = { dist = "fixed", every_ms = 10 }
settle = { dist = "fixed", ms = 50 }
outcomes = { approved = 1.0 }

[[strategy]]
name = "webhook"
kind = "webhook"
"#;

#[test]
fn a_conflicting_delivery_is_counted_in_the_summary_as_the_book_counts_it() {
    let scenario = Scenario::parse(SCENARIO, "conflicts.toml").unwrap();
    let plan: Arc<[OrderPlan]> = workload::generate(&scenario.workload, scenario.seed).into();
    let runtime = virtual_net::paused_runtime().unwrap();
    let (report, book_conflicts, receiver_conflicts, duplicates_before) = runtime.block_on(async {
        let net = Shaped::new(VirtualNet::new(), &scenario.network, scenario.seed);
        let setting = Setting {
            scenario: &scenario,
            clock: ClockMode::Virtual,
            calibrated: Some(Dur::ZERO),
            calibrated_delivery: None,
            timer_late: Dur::ZERO,
            order_lives: plan.len(),
        };
        let spec = &scenario.strategies[0];
        let origin = virtual_net::ORIGIN_UNIX_US;
        let mut world = World::start(0, &net, origin, setting, spec, &plan, None)
            .await
            .unwrap();
        world.wait(&Silent).await;
        let stopped = world.stop(&net, &Silent).await.unwrap();
        let book = stopped.book.clone();
        let order = OrderId::numbered(1);
        assert!(book.is_known(&order), "the run did not learn order 1");
        assert_eq!(book.conflicts(), 0);
        let duplicates_before = book.duplicates();

        // The wrong outcome, signed with a secret the receiver trusts.
        let receiver = stopped.receivers[0].clone();
        let secret = WebhookSecret::from_key(&[7u8; 24]).unwrap();
        receiver.trust(secret.clone());
        let clock = net.clock(origin);
        let now = clock.now();
        let event = Event {
            id: EventId("evt_forged".into()),
            kind: EventType::PaymentDeclined,
            created_at: clock.rfc3339(now),
            data: Payment {
                id: PaymentId::numbered(1),
                order_id: order,
                amount_cents: 100,
                currency: "BRL".into(),
                status: PaymentStatus::Declined,
                created_at: clock.rfc3339(now),
                settled_at: Some(clock.rfc3339(now)),
            },
        };
        let body = serde_json::to_vec(&event).unwrap();
        let at = clock.unix_secs(now);
        let request = http::Request::post(hooklab_shop::receiver::WEBHOOK_PATH)
            .header("content-type", "application/json")
            .header("webhook-id", "msg_forged")
            .header("webhook-timestamp", at.to_string())
            .header("webhook-signature", secret.sign("msg_forged", at, &body))
            .body(Body::from(body))
            .unwrap();
        let answer = hooklab_shop::receiver::router(receiver.clone())
            .oneshot(request)
            .await
            .unwrap();
        assert_eq!(answer.status(), http::StatusCode::OK);

        let receiver_conflicts = receiver.counts().conflicts.load(Ordering::Relaxed);
        let book_conflicts = book.conflicts();
        (
            stopped.report(),
            book_conflicts,
            receiver_conflicts,
            duplicates_before,
        )
    });
    assert_eq!((book_conflicts, receiver_conflicts), (1, 1));
    assert_eq!(report.conflicts, book_conflicts);
    // A conflict, not a duplicate: the duplicates are the run's own.
    assert_eq!(report.duplicates, duplicates_before);
    assert_eq!(report.notified, 4);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["conflicts"], 1);
}
