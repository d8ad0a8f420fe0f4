//! Webhook endpoints: registrations refused as the fuzzer found them loose,
//! a registration replacing the one for the same URL, deletion, disabling
//! after too many failed attempts in a row, and the attempt log's bounds.

use super::*;

/// Platform semantics the fuzzer found loose (issue 14, item 15).
#[tokio::test(start_paused = true)]
async fn reused_keys_id_aliases_bad_ports_control_characters_and_unknown_endpoints_are_refused() {
    let (p, _) = platform(one_order(1_000));
    let _trigger = start(&p);
    // The same key with another simulated settlement is another request.
    call(&p, "POST", "/v1/payments", Some(ORDER), Some("k")).await;
    let simulated = ORDER.replace(
        "}",
        r#", "simulate": {"settle_after_ms": 5000, "outcome": "declined"}}"#,
    );
    let (status, _, body) = call(&p, "POST", "/v1/payments", Some(&simulated), Some("k")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_conflict");

    // Only the canonical spelling names the event.
    tokio::time::sleep(Duration::from_secs(2)).await;
    p.settle_due();
    let (status, _, _) = call(&p, "GET", "/v1/events/evt_000001/attempts", None, None).await;
    assert_eq!(status, StatusCode::OK);
    for alias in ["evt_1", "evt_+1", "evt_+00001", "evt_0000001"] {
        let uri = format!("/v1/events/{alias}/attempts");
        let (status, _, body) = call(&p, "GET", &uri, None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{alias}: {body}");
        let (status, _, _) = call(
            &p,
            "POST",
            &format!("/v1/events/{alias}/redeliver"),
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{alias}");
    }

    for port in ["99999", "0", "65536"] {
        let url = format!(r#"{{"url": "http://127.0.0.1:{port}/webhooks"}}"#);
        let (status, _, body) = call(&p, "POST", "/v1/webhook_endpoints", Some(&url), None).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "port {port}: {body}"
        );
        assert_eq!(body["error"]["code"], "invalid_field");
    }

    let controlled = ORDER.replace("ord_000001", r"ord_\u001b[2J");
    let (status, _, body) = call(&p, "POST", "/v1/payments", Some(&controlled), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // A bad Idempotency-Key is a bad header, as two of them are: 400.
    let (status, _, _) = call(&p, "POST", "/v1/payments", Some(ORDER), Some("a\tb")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    for body in [
        Some(r#"{"since": "2026-01-01T00:00:00Z"}"#),
        Some("{"),
        None,
    ] {
        let (status, _, answer) = call(
            &p,
            "POST",
            "/v1/webhook_endpoints/we_000099/recover",
            body,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body:?}: {answer}");
    }
}

/// A shop that restarts registers again: the registration replaces its
/// endpoint for the same URL (one delivery per event, not one per start),
/// and an endpoint can be deleted (issue 14, item 2).
#[tokio::test(start_paused = true)]
async fn a_registration_for_the_same_url_replaces_the_old_endpoint_and_delete_removes_one() {
    let http = Arc::new(RecordingHttp::default());
    let p = with_delivery(&["0s"], one_order(1_000), http.clone());
    let _trigger = start(&p);
    let first = register(&p).await;
    let second = register(&p).await;
    assert_ne!(first.to_text(), second.to_text());
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let sent = http.take();
    assert_eq!(sent.len(), 1, "one endpoint, one delivery");
    let req = &sent[0].1;
    let h = |n: &str| req.headers().get(n).map(|v| v.to_str().unwrap());
    let verify = |secret: &WebhookSecret| {
        signature::verify(
            std::slice::from_ref(secret),
            h("webhook-id"),
            h("webhook-timestamp"),
            h("webhook-signature"),
            req.body(),
            EPOCH_US / 1_000_000 + 1,
            300,
        )
    };
    assert_eq!(verify(&second), Ok(()), "signed with the new secret");
    assert!(verify(&first).is_err(), "and only with it");

    let (status, _, body) = call(&p, "DELETE", "/v1/webhook_endpoints/we_000002", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["deleted"], true);
    let (status, _, body) = call(&p, "DELETE", "/v1/webhook_endpoints/we_000002", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
    // Nobody else's endpoint can be deleted.
    register(&p).await;
    let (status, _, _) = call_as(
        &p,
        Some(OTHER_KEY),
        "DELETE",
        "/v1/webhook_endpoints/we_000003",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// An endpoint that fails `disable_after_failures` attempts in a row is
/// disabled, with the reason in the event log; a 401 is reported as a
/// refused signature.
#[tokio::test(start_paused = true)]
async fn an_endpoint_failing_too_many_attempts_in_a_row_is_disabled_and_401s_are_named() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = {
        let lines = lines.clone();
        hooklab_core::events::EventSink::to(move |e| lines.lock().unwrap().push(e.line()))
    };
    let http = RecordingHttp::answering(&[(401, None); 10]);
    let delivery = DeliverySettings {
        retry_schedule: ["0s", "1s", "1s", "1s", "1s"]
            .iter()
            .map(|d| Dur::parse(d).unwrap())
            .collect(),
        timeout_ms: Dur::from_secs(15),
        jitter: 0.0,
    };
    let cfg = PlatformConfig {
        delivery,
        disable_after_failures: Some(hooklab_platform::DisablePolicy::after_failures(3)),
        events: sink,
        ..config(one_order(1_000))
    };
    let p = Platform::new(Clock::starting_now(EPOCH_US), cfg, http.clone());
    let _trigger = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        http.take().len(),
        3,
        "no attempt after the endpoint was disabled"
    );
    let lines = lines.lock().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("HTTP 401, the receiver refused the signature")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("we_000001 DISABLED: 3 consecutive failed attempts")),
        "{lines:#?}"
    );
}

/// The attempt log is bounded and paged, and redeliveries are limited
/// (issue 14, item 11).
#[tokio::test(start_paused = true)]
async fn the_attempt_log_is_bounded_paged_and_redeliveries_are_limited() {
    let http = RecordingHttp::answering(&[(500, None); 64]);
    let delivery = DeliverySettings {
        retry_schedule: std::iter::repeat_n(Dur::from_secs(1), 10).collect(),
        timeout_ms: Dur::from_secs(15),
        jitter: 0.0,
    };
    let cfg = PlatformConfig {
        delivery,
        retention: hooklab_platform::Retention {
            attempts_logged: Some(1_000),
            attempts_per_event: Some(4),
            redeliveries_per_event: 2,
            finished_for: None,
        },
        ..config(one_order(1_000))
    };
    let p = Platform::new(Clock::starting_now(EPOCH_US), cfg, http.clone());
    let _trigger = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(http.take().len(), 10, "every attempt is made");
    assert_eq!(p.delivery_attempts().len(), 4, "the first 4 are kept");
    assert_eq!(p.attempts_dropped(), 6);
    let (_, _, event) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(
        event["data"][0]["delivery_attempts"], 10,
        "yet all are counted"
    );

    let (status, _, first) = call(
        &p,
        "GET",
        "/v1/events/evt_000001/attempts?limit=3",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["data"].as_array().unwrap().len(), 3);
    assert_eq!(first["has_more"], true);
    let last = first["data"][2]["seq"].as_u64().unwrap();
    let uri = format!("/v1/events/evt_000001/attempts?limit=3&starting_after={last}");
    let (_, _, second) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(second["data"].as_array().unwrap().len(), 1);
    assert_eq!(second["has_more"], false);
    assert_eq!(second["data"][0]["attempt"], 4);
    let (status, _, body) = call(
        &p,
        "GET",
        "/v1/events/evt_000001/attempts?limit=0",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    for _ in 0..2 {
        let (status, _, _) = call(&p, "POST", "/v1/events/evt_000001/redeliver", None, None).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let (status, _, body) = call(&p, "POST", "/v1/events/evt_000001/redeliver", None, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "redelivery_limit");
}

/// The log's global cap drops the oldest attempts.
#[tokio::test(start_paused = true)]
async fn the_attempt_log_keeps_only_the_newest_attempts() {
    let http = RecordingHttp::answering(&[(500, None); 64]);
    let delivery = DeliverySettings {
        retry_schedule: std::iter::repeat_n(Dur::from_secs(1), 10).collect(),
        timeout_ms: Dur::from_secs(15),
        jitter: 0.0,
    };
    let cfg = PlatformConfig {
        delivery,
        retention: hooklab_platform::Retention {
            attempts_logged: Some(3),
            ..hooklab_platform::Retention::KEEP_ALL
        },
        ..config(one_order(1_000))
    };
    let p = Platform::new(Clock::starting_now(EPOCH_US), cfg, http);
    let _trigger = start(&p);
    register(&p).await;
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    let kept: Vec<u32> = p.delivery_attempts().iter().map(|a| a.attempt).collect();
    assert_eq!(kept, [8, 9, 10]);
    assert_eq!(p.attempts_dropped(), 7);
}
