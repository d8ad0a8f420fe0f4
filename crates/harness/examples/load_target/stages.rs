//! `stages`: where one webhook notification's time goes at low load.
//!
//! `latency` prints the whole notification (the shop's record less the
//! payment's due instant) from a scenario run. This one sets up the same
//! pieces by hand (a platform with one endpoint, the shop's receiver and
//! order book on `127.0.0.1:0`, one multi-thread runtime, the precise
//! clock, as a real run has them) so that every stage can be read on the
//! one clock they share, per notification:
//!
//! - `pickup`: the due instant to the attempt's start (the settlement
//!   worker's lateness, queueing the event, the dispatcher's lane and its
//!   worker, signing);
//! - `request`: the attempt's start to the shop's record (the HTTP client,
//!   loopback, the shop's server, the receiver's checks);
//! - `answer`: the shop's record to the attempt's end (the answer's way
//!   back; not part of the notification);
//! - `total`: the due instant to the shop's record, what `latency` judges.
//!
//! Payments are all created first and then settle one every `gap_ms`, so
//! each notification comes after an idle gap as in `latency`'s run. The
//! settlement worker's mean lateness is printed beside them.

use crate::common::{self, API_KEY, Result, bind, create, expect_status};
use axum::body::Body;
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::ids::OrderId;
use hooklab_core::shutdown;
use hooklab_core::signature::WebhookSecret;
use hooklab_core::wire::WebhookEndpoint;
use hooklab_shop::orders::OrderBook;
use hooklab_shop::receiver::{self, Receiver, WEBHOOK_PATH};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `stages`: see the module docs.
pub fn stages(orders: u64, gap_ms: u64) -> Result<()> {
    common::multi_thread()?.block_on(async {
        let clock = Clock::starting_now(Clock::system_unix_us()).precise();
        let (trigger, stopped) = shutdown::channel();
        let book = Arc::new(OrderBook::new());
        let shop = Receiver::new(clock, book.clone());
        let (listener, shop_url) = bind().await?;
        let shop_server = tokio::spawn(receiver::serve(
            listener,
            receiver::router(shop.clone()),
            stopped.clone(),
        ));

        let platform = common::platform(clock, Dur::from_secs(86_400));
        let router = platform.router();
        let register = http::Request::post("/v1/webhook_endpoints")
            .header("content-type", "application/json")
            .header(http::header::AUTHORIZATION, format!("Bearer {API_KEY}"))
            .body(Body::from(format!(
                r#"{{"url":"{shop_url}{WEBHOOK_PATH}"}}"#
            )))?;
        let endpoint: WebhookEndpoint =
            serde_json::from_slice(&expect_status(&router, register, 201).await?)?;
        let secret = WebhookSecret::parse(&endpoint.secret)
            .map_err(|_| common::LoadError::Missing("the platform's secret does not parse"))?;
        shop.trust(secret);
        let workers = platform.spawn_workers(stopped.clone());

        let gap = Dur::from_ms(gap_ms.max(1));
        let first = clock.now().plus(Dur::from_ms(300 + orders / 10));
        for n in 1..=orders {
            book.place(OrderId::numbered(n), clock.now());
            let due = first.plus(Dur(gap.as_us() * (n - 1)));
            create(&router, n, Some(due.since(clock.now()))).await?;
        }
        let last = first.plus(Dur(gap.as_us() * orders));
        let deadline = Instant::now()
            + Duration::from_micros(last.since(clock.now()).as_us())
            + Duration::from_secs(10);
        while book.entries().iter().any(|e| e.known_at.is_none()) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        trigger.trigger();
        for handle in workers {
            let _ = tokio::time::timeout(Duration::from_secs(5), handle).await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), shop_server).await;

        let due: HashMap<OrderId, Micros> = platform
            .settlements()
            .into_iter()
            .map(|s| (s.order_id, s.settled_at))
            .collect();
        let known: HashMap<OrderId, Micros> = book
            .entries()
            .into_iter()
            .filter_map(|e| Some((e.order_id, e.known_at?)))
            .collect();
        let by_payment: HashMap<_, _> = platform
            .settlements()
            .into_iter()
            .map(|s| (s.payment_id, s.order_id))
            .collect();
        let (mut pickup, mut request, mut answer, mut total) = (vec![], vec![], vec![], vec![]);
        for a in platform.delivery_attempts() {
            let Some(order) = by_payment.get(&a.payment_id) else {
                continue;
            };
            let (Some(&due), Some(&known)) = (due.get(order), known.get(order)) else {
                continue;
            };
            let end = a.started_at.plus(a.duration);
            pickup.push(a.started_at.0 as i64 - due.0 as i64);
            request.push(known.0 as i64 - a.started_at.0 as i64);
            answer.push(end.0 as i64 - known.0 as i64);
            total.push(known.0 as i64 - due.0 as i64);
        }
        let lateness = platform
            .settlement_lateness()
            .map_or(-1.0, |d| d.as_us() as f64);
        println!(
            "stages orders={orders} gap_ms={gap_ms} notified={} settle_lateness_mean_us={lateness:.0} {} {} {} {}",
            total.len(),
            quantiles("pickup", &mut pickup),
            quantiles("request", &mut request),
            quantiles("answer", &mut answer),
            quantiles("total", &mut total),
        );
        Ok(())
    })
}

/// `NAME_p50_us=.. NAME_p90_us=..` of `values` (µs).
fn quantiles(name: &str, values: &mut [i64]) -> String {
    values.sort_unstable();
    let at = |q: f64| {
        if values.is_empty() {
            return -1;
        }
        values[((values.len() - 1) as f64 * q).round() as usize]
    };
    format!(
        "{name}_p10_us={} {name}_p50_us={} {name}_p90_us={}",
        at(0.1),
        at(0.5),
        at(0.9)
    )
}
