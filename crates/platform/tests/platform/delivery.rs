//! Webhook delivery: signed attempts to the merchant's endpoint, retries on
//! the schedule (stretched by `Retry-After`), a 410 and exhausted retries,
//! the event log's pages, redelivery and recovery, key rotation, and the
//! bound on attempts in flight per endpoint.

use super::*;

#[tokio::test(start_paused = true)]
async fn a_settlement_is_delivered_once_signed_to_the_merchants_endpoint() {
    let (p, http) = platform(one_order(100));
    let _workers = start(&p);
    let secret = register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    // Paused time: sleeping lets tokio jump to the settlement instant.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let sent = http.take();
    assert_eq!(sent.len(), 1);
    let req = &sent[0].1;
    assert_eq!(req.method(), "POST");
    assert_eq!(req.uri(), "http://127.0.0.1:9/webhooks/payments");
    let event: Event = serde_json::from_slice(req.body()).unwrap();
    assert_eq!(event.kind.as_str(), "payment.approved");
    assert_eq!(event.data.order_id, OrderId::numbered(1));
    let h = |n: &str| req.headers().get(n).map(|v| v.to_str().unwrap());
    assert_eq!(h("webhook-id"), Some(event.id.as_str()));
    let verified = signature::verify(
        &[secret],
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
        req.body(),
        EPOCH_US / 1_000_000,
        300,
    );
    assert_eq!(verified, Ok(()));
    let attempts = p.delivery_attempts();
    assert_eq!(attempts.len(), 1);
    assert!(attempts[0].result.is_success());
    assert_eq!(
        attempts[0].started_at.0, 100_000,
        "delivered at the settlement instant"
    );
    let (_, _, page) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(page["data"][0]["delivery_state"], "succeeded");
}

#[tokio::test(start_paused = true)]
async fn failed_attempts_are_retried_on_the_schedule_with_the_same_event_id() {
    let http = RecordingHttp::answering(&[(503, None), (500, None)]);
    let p = with_delivery(&["0s", "1s", "2s", "4s"], one_order(100), http.clone());
    let t0 = tokio::time::Instant::now();
    let _workers = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let sent = http.take();
    let at_ms: Vec<u128> = sent.iter().map(|(t, _)| (*t - t0).as_millis()).collect();
    assert_eq!(
        at_ms,
        vec![100, 1_100, 3_100],
        "0s, then 1s and 2s after each failure"
    );
    let ids: Vec<_> = sent
        .iter()
        .map(|(_, r)| r.headers()["webhook-id"].clone())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "the event id never changes"
    );
    let attempts = p.delivery_attempts();
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(attempts[0].next_attempt_at.is_some() && attempts[2].next_attempt_at.is_none());
    let (_, _, page) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(page["data"][0]["delivery_state"], "succeeded");
    assert_eq!(page["data"][0]["delivery_attempts"], 3);
}

#[tokio::test(start_paused = true)]
async fn retry_after_on_429_stretches_the_next_delay() {
    let http = RecordingHttp::answering(&[(429, Some("7"))]);
    let p = with_delivery(&["0s", "1s"], one_order(0), http.clone());
    let t0 = tokio::time::Instant::now();
    let _workers = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let at_ms: Vec<u128> = http
        .take()
        .iter()
        .map(|(t, _)| (*t - t0).as_millis())
        .collect();
    assert_eq!(
        at_ms,
        vec![0, 7_000],
        "the receiver asked for 7 s, more than the schedule's 1 s"
    );
}

#[tokio::test(start_paused = true)]
async fn a_410_disables_the_endpoint_and_exhausted_retries_mark_the_event_failed() {
    let http = RecordingHttp::answering(&[(410, None)]);
    let plan = SettlementPlan::new([
        (OrderId::numbered(1), Dur::from_ms(10), Outcome::Approved),
        (OrderId::numbered(2), Dur::from_ms(1_000), Outcome::Approved),
    ]);
    let p = with_delivery(&["0s", "1s"], plan, http.clone());
    let _workers = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    call(
        &p,
        "POST",
        "/v1/payments",
        Some(&ORDER.replace("ord_000001", "ord_000002")),
        None,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        http.take().len(),
        1,
        "nothing is sent after a 410, not even a retry"
    );
    let (_, _, page) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(page["data"][0]["delivery_state"], "failed");
    assert_eq!(
        page["data"][1]["delivery_state"], "pending",
        "no endpoint left to try"
    );
}

#[tokio::test(start_paused = true)]
async fn events_page_by_cursor_and_can_be_redelivered_and_recovered() {
    let http = RecordingHttp::answering(&[(500, None), (500, None), (500, None)]);
    let plan = SettlementPlan::new((1..=3).map(|n| {
        (
            OrderId::numbered(n),
            Dur::from_ms(10 * n),
            Outcome::Approved,
        )
    }));
    let p = with_delivery(&["0s"], plan, http.clone());
    let _workers = start(&p);
    register(&p).await;
    for n in 1..=3 {
        let body = ORDER.replace("ord_000001", OrderId::numbered(n).as_str());
        call(&p, "POST", "/v1/payments", Some(&body), None).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(http.take().len(), 3);
    let (_, _, first) = call(&p, "GET", "/v1/events?limit=2", None, None).await;
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    assert_eq!(first["has_more"], true);
    assert_eq!(first["data"][0]["delivery_state"], "failed");
    let cursor = first["next_after"].as_str().unwrap();
    let (_, _, second) = call(
        &p,
        "GET",
        &format!("/v1/events?after={cursor}&limit=2"),
        None,
        None,
    )
    .await;
    assert_eq!(second["data"].as_array().unwrap().len(), 1);
    assert_eq!(second["has_more"], false);
    let (_, _, empty) = call(&p, "GET", "/v1/events?after=evt_000003", None, None).await;
    assert_eq!(empty["data"].as_array().unwrap().len(), 0);
    assert_eq!(
        empty["next_after"], "evt_000003",
        "an empty page keeps the cursor"
    );

    let (_, _, attempts) = call(&p, "GET", "/v1/events/evt_000001/attempts", None, None).await;
    assert_eq!(attempts["data"][0]["result"]["status"], 500);

    let (status, _, _) = call(&p, "POST", "/v1/events/evt_000002/redeliver", None, None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(10)).await;
    let redelivered = http.take();
    assert_eq!(redelivered.len(), 1);
    assert_eq!(
        redelivered[0].1.headers()["webhook-id"],
        "evt_000002",
        "same event id"
    );

    let (status, _, recovered) = recover_first_endpoint(&p).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        recovered["resending"], 2,
        "the two events still failed: 1 and 3"
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    let mut ids: Vec<String> = http
        .take()
        .iter()
        .map(|(_, r)| r.headers()["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, vec!["evt_000001", "evt_000003"]);
}

#[tokio::test(start_paused = true)]
async fn after_a_rotation_deliveries_carry_both_signatures() {
    let (p, http) = platform(one_order(10));
    let _workers = start(&p);
    let old = register(&p).await;
    let (status, _, rotated) = call(
        &p,
        "POST",
        "/v1/webhook_endpoints/we_000001/rotate_secret",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let new = WebhookSecret::parse(rotated["secret"].as_str().unwrap()).unwrap();
    assert_ne!(new, old);
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let sent = http.take();
    let req = &sent[0].1;
    let sig = req.headers()["webhook-signature"].to_str().unwrap();
    assert_eq!(sig.split(' ').count(), 2);
    for secret in [old, new] {
        let h = |n: &str| req.headers().get(n).map(|v| v.to_str().unwrap());
        let ok = signature::verify(
            &[secret],
            h("webhook-id"),
            h("webhook-timestamp"),
            Some(sig),
            req.body(),
            EPOCH_US / 1_000_000,
            300,
        );
        assert_eq!(ok, Ok(()));
    }
}

/// An outbound client whose every answer takes one second (of tokio's
/// paused clock), counting how many requests are out at once.
#[derive(Clone, Default)]
struct SlowHttp(Arc<SlowState>);

#[derive(Default)]
struct SlowState {
    out: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
    ids: Mutex<Vec<String>>,
}

impl HttpClient for SlowHttp {
    fn send(&self, request: Request<Bytes>) -> SendFuture {
        use std::sync::atomic::Ordering::SeqCst;
        let state = self.0.clone();
        let id = request.headers()["webhook-id"].to_str().unwrap().to_owned();
        Box::pin(async move {
            let out = state.out.fetch_add(1, SeqCst) + 1;
            state.most.fetch_max(out, SeqCst);
            tokio::time::sleep(Duration::from_secs(1)).await;
            state.out.fetch_sub(1, SeqCst);
            state.ids.lock().unwrap().push(id);
            Ok(http::Response::builder()
                .status(200)
                .body(Bytes::new())
                .unwrap())
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_burst_keeps_at_most_64_attempts_in_flight_per_endpoint_and_loses_none() {
    const N: u64 = 200;
    let slow = SlowHttp::default();
    let plan = SettlementPlan::new(
        (1..=N).map(|n| (OrderId::numbered(n), Dur::from_ms(500), Outcome::Approved)),
    );
    let p = Platform::new(
        Clock::starting_now(EPOCH_US),
        config(plan),
        Arc::new(slow.clone()),
    );
    let _workers = start(&p);
    register(&p).await;
    for n in 1..=N {
        let order =
            format!(r#"{{"order_id": "ord_{n:06}", "amount_cents": 4990, "currency": "BRL"}}"#);
        let (status, _, _) = call(&p, "POST", "/v1/payments", Some(&order), None).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    // All settle at 500 ms; 64 at a time, one second each: four waves, the
    // last over by 4.5 s.
    tokio::time::sleep(Duration::from_millis(4_600)).await;
    let state = &slow.0;
    let most = state.most.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(most, hooklab_platform::dispatch::MAX_IN_FLIGHT_PER_ENDPOINT);
    let mut ids = state.ids.lock().unwrap().clone();
    assert_eq!(ids.len(), N as usize, "every event delivered");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N as usize, "none delivered twice");
    assert_eq!(p.delivery_attempts().len(), N as usize);
}
