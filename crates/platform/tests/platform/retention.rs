//! The platform's memory over time: a finished payment is forgotten after
//! the retention window (or, in a simulation, once its shop knew it) and
//! answered `410 forgotten`; one whose delivery is still retrying is kept;
//! attempts come in bounded pages; and the books hold what is in flight,
//! not everything ever made. Paused tokio time: the window passes without
//! a sleep.

use super::{EPOCH_US, ORDER, OTHER_KEY, RecordingHttp, call, call_as, config, register, start};
use hooklab_core::clock::{Clock, Micros};
use hooklab_core::duration::Dur;
use hooklab_core::events::{EventSink, Happening};
use hooklab_core::ids::OrderId;
use hooklab_core::scenario::DeliverySettings;
use hooklab_core::wire::Outcome;
use hooklab_platform::{Books, Platform, PlatformConfig, Retention, SettlementPlan};
use http::StatusCode;
use std::sync::Arc;
use std::time::Duration;

const WINDOW: Dur = Dur::from_secs(3_600);

/// Orders 1 to `n`, each settling approved `after_ms` after its creation.
fn orders(n: u64, after_ms: u64) -> SettlementPlan {
    SettlementPlan::new((1..=n).map(|i| {
        (
            OrderId::numbered(i),
            Dur::from_ms(after_ms),
            Outcome::Approved,
        )
    }))
}

fn order_body(n: u64) -> String {
    format!(
        r#"{{"order_id": "{}", "amount_cents": 4990, "currency": "BRL"}}"#,
        OrderId::numbered(n)
    )
}

/// A platform that forgets a finished payment `WINDOW` after it finished,
/// delivering with `delivery`.
fn forgetting(
    plan: SettlementPlan,
    delivery: DeliverySettings,
    http: Arc<RecordingHttp>,
) -> Platform {
    let cfg = PlatformConfig {
        delivery,
        retention: Retention {
            finished_for: Some(WINDOW),
            ..Retention::SERVER
        },
        ..config(plan)
    };
    Platform::new(Clock::starting_now(EPOCH_US), cfg, http)
}

fn schedule(delays: &[&str]) -> DeliverySettings {
    DeliverySettings {
        retry_schedule: delays.iter().map(|d| Dur::parse(d).unwrap()).collect(),
        timeout_ms: Dur::from_secs(15),
        jitter: 0.0,
    }
}

#[tokio::test(start_paused = true)]
async fn a_finished_payment_is_forgotten_after_the_window_and_answered_410() {
    let http = Arc::new(RecordingHttp::default());
    let p = forgetting(orders(1, 500), schedule(&["0s"]), http.clone());
    let _trigger = start(&p);
    register(&p).await;
    let (status, _, created) = call(&p, "POST", "/v1/payments", Some(ORDER), Some("k1")).await;
    assert_eq!(status, StatusCode::CREATED);
    let uri = format!("/v1/payments/{}", created["id"].as_str().unwrap());

    // Settled at 500 ms, delivered (200) at once: finished.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(http.take().len(), 1, "one delivery");
    let (status, _, read) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(
        (status, read["status"].as_str()),
        (StatusCode::OK, Some("approved"))
    );
    // Reading it does not hold it: the window counts from the delivery.
    tokio::time::sleep(WINDOW.to_std() - Duration::from_secs(2)).await;
    let (status, _, _) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::OK, "kept until the window has passed");
    assert_eq!(p.books().payments, 1);

    tokio::time::sleep(Duration::from_secs(61)).await;
    assert_eq!(
        p.books(),
        Books {
            payments: 0,
            events: 0,
            forgotten: 1
        },
        "the worker forgets it with no request coming"
    );
    let (status, _, body) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    assert_eq!(body["error"]["code"], "forgotten");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("forgotten") && message.contains("retention window"),
        "{message}"
    );
    for (method, path) in [
        ("GET", "/v1/events/evt_000001/attempts"),
        ("POST", "/v1/events/evt_000001/redeliver"),
    ] {
        let (status, _, body) = call(&p, method, path, None, None).await;
        assert_eq!(status, StatusCode::GONE, "{path}: {body}");
        assert_eq!(body["error"]["code"], "forgotten", "{path}");
    }
    // Another merchant hears the same (the id's number says only that it
    // was made), and an id never made is still unknown.
    let (status, _, _) = call_as(&p, Some(OTHER_KEY), "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::GONE);
    let (status, _, body) = call(&p, "GET", "/v1/payments/pay_000009", None, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    // The event is gone from the log, and its id is still a valid cursor.
    let (_, _, page) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 0, "{page}");
    let (status, _, _) = call(&p, "GET", "/v1/events?after=evt_000001", None, None).await;
    assert_eq!(status, StatusCode::OK);
    // Its idempotency key outlives it: the same request is refused with
    // 410 naming the forgotten payment, not charged a second time.
    let (status, _, again) = call(&p, "POST", "/v1/payments", Some(ORDER), Some("k1")).await;
    assert_eq!(status, StatusCode::GONE, "{again}");
    assert_eq!(again["error"]["code"], "forgotten");
    let message = again["error"]["message"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    assert!(
        message.contains(id) && message.contains("Idempotency-Key `k1`"),
        "{message}"
    );
    assert_eq!(p.books().payments, 0, "no second payment");
    // A new key is a new payment.
    let (status, _, fresh) = call(&p, "POST", "/v1/payments", Some(ORDER), Some("k2")).await;
    assert_eq!(status, StatusCode::CREATED, "{fresh}");
    assert_ne!(fresh["id"], created["id"]);
}

#[tokio::test(start_paused = true)]
async fn a_payment_whose_delivery_is_still_retrying_is_kept() {
    // The receiver fails every attempt: 0 s, then 2 h, then 2 h.
    let http = RecordingHttp::answering(&[(500, None); 3]);
    let p = forgetting(orders(1, 500), schedule(&["0s", "2h", "2h"]), http.clone());
    let _trigger = start(&p);
    register(&p).await;
    let (_, _, created) = call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    let uri = format!("/v1/payments/{}", created["id"].as_str().unwrap());

    // Settled long ago, past the window, but its delivery is not over.
    tokio::time::sleep(Duration::from_secs(3 * 3_600)).await;
    assert_eq!(http.take().len(), 2, "two attempts so far");
    let (status, _, read) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(
        (status, read["status"].as_str()),
        (StatusCode::OK, Some("approved"))
    );
    let (status, _, event) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(event["data"][0]["delivery_state"], "retrying");

    // The last attempt (at 4 h) fails: the event is given up, the payment
    // finished, and forgotten a window later.
    tokio::time::sleep(Duration::from_secs(3_600) + Duration::from_secs(1)).await;
    assert_eq!(http.take().len(), 1, "the third and last attempt");
    let (status, _, _) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::OK, "still within the window");
    tokio::time::sleep(WINDOW.to_std() + Duration::from_secs(60)).await;
    let (status, _, body) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
}

#[tokio::test(start_paused = true)]
async fn a_redelivery_reopens_a_finished_payment_until_it_ends_again() {
    let http = Arc::new(RecordingHttp::default());
    let p = forgetting(orders(1, 500), schedule(&["0s"]), http.clone());
    let _trigger = start(&p);
    register(&p).await;
    let (_, _, created) = call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    let uri = format!("/v1/payments/{}", created["id"].as_str().unwrap());
    tokio::time::sleep(WINDOW.to_std() - Duration::from_secs(60)).await;
    // A redelivery a minute before the window ends: the window starts again
    // from its end.
    let (status, _, _) = call(&p, "POST", "/v1/events/evt_000001/redeliver", None, None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(
        http.take().len(),
        2,
        "the first delivery and the redelivery"
    );
    let (status, _, _) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::OK, "kept a window after the redelivery");
    tokio::time::sleep(WINDOW.to_std()).await;
    let (status, _, _) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::GONE);
}

#[tokio::test(start_paused = true)]
async fn the_books_hold_what_is_in_flight_not_everything_ever_made() {
    // One payment every 100 ms for 2,000 payments (200 s), each settling
    // 500 ms later with no endpoint: finished at once, forgotten 60 s later.
    // In flight at any moment: about 60 s / 100 ms = 600 finished ones
    // still in their window, plus 5 pending.
    const N: u64 = 2_000;
    let cfg = PlatformConfig {
        retention: Retention {
            finished_for: Some(Dur::from_secs(60)),
            ..Retention::SERVER
        },
        ..config(orders(N, 500))
    };
    let p = Platform::new(
        Clock::starting_now(EPOCH_US),
        cfg,
        Arc::new(RecordingHttp::default()),
    );
    let _trigger = start(&p);
    let bound = 600 + 5 + 2;
    let mut most = 0;
    for n in 1..=N {
        let (status, _, _) = call(&p, "POST", "/v1/payments", Some(&order_body(n)), None).await;
        assert_eq!(status, StatusCode::CREATED);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let books = p.books();
        assert!(books.payments <= bound, "after {n}: {books:?}");
        assert!(books.events <= bound, "after {n}: {books:?}");
        most = most.max(books.payments);
    }
    assert!(most > 500, "the window did keep payments: at most {most}");
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(
        p.books(),
        Books {
            payments: 0,
            events: 0,
            forgotten: N
        }
    );
    assert!(
        p.settlements().is_empty(),
        "with a window, settlements are listed from the payments kept"
    );
}

#[tokio::test(start_paused = true)]
async fn a_simulation_forgets_a_finished_payment_once_its_shop_knew_it() {
    let p = Platform::new(
        Clock::starting_now(EPOCH_US),
        config(orders(3, 500)),
        Arc::new(RecordingHttp::default()),
    );
    let _trigger = start(&p);
    let heard = Arc::new(std::sync::Mutex::new(0));
    let tap = heard.clone();
    let shop = p.forget_once_known(
        EventSink::to(move |_| *tap.lock().unwrap() += 1),
        Dur::from_secs(10),
    );
    for n in 1..=3 {
        call(&p, "POST", "/v1/payments", Some(&order_body(n)), None).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(p.books().payments, 3, "settled, but no shop knew them yet");
    let known = |n: u64, at_s: u64| {
        shop.emit(Micros(at_s * 1_000_000), || Happening::Known {
            order: OrderId::numbered(n),
            via: "poll".to_owned(),
            status: "approved".to_owned(),
        })
    };
    known(1, 1);
    known(2, 1);
    assert_eq!(*heard.lock().unwrap(), 2, "the events are passed on");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (status, _, _) = call(&p, "GET", "/v1/payments/pay_000001", None, None).await;
    assert_eq!(status, StatusCode::OK, "within the margin");
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (status, _, body) = call(&p, "GET", "/v1/payments/pay_000001", None, None).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("shop knew"), "{message}");
    let (status, _, _) = call(&p, "GET", "/v1/payments/pay_000003", None, None).await;
    assert_eq!(status, StatusCode::OK, "its shop never said it knew");
    assert_eq!(p.books().payments, 1);
    // Nothing is kept of the two forgotten payments, not even a
    // settlement entry: the list names only the payment still kept.
    let settled: Vec<String> = p
        .settlements()
        .iter()
        .map(|s| s.payment_id.0.clone())
        .collect();
    assert_eq!(settled, ["pay_000003"]);
}

#[tokio::test(start_paused = true)]
async fn attempts_come_in_pages_of_100_by_default() {
    // 150 failed attempts of one event, one a second.
    let delays: Vec<&str> = std::iter::once("0s")
        .chain(std::iter::repeat_n("1s", 149))
        .collect();
    let http = RecordingHttp::answering(&[(500, None); 150]);
    let cfg = PlatformConfig {
        delivery: schedule(&delays),
        ..config(orders(1, 500))
    };
    let p = Platform::new(Clock::starting_now(EPOCH_US), cfg, http.clone());
    let _trigger = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(200)).await;
    assert_eq!(http.take().len(), 150);
    let (status, _, page) = call(&p, "GET", "/v1/events/evt_000001/attempts", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let data = page["data"].as_array().unwrap();
    assert_eq!(
        (data.len(), &page["has_more"]),
        (100, &serde_json::json!(true))
    );
    let last = data[99]["seq"].as_u64().unwrap();
    let uri = format!("/v1/events/evt_000001/attempts?starting_after={last}&limit=1000");
    let (_, _, rest) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 50);
    assert_eq!(rest["has_more"], false);
    let (status, _, _) = call(
        &p,
        "GET",
        "/v1/events/evt_000001/attempts?limit=1001",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a page is at most 1,000");
}
