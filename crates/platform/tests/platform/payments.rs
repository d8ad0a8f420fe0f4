//! Payments through the API: creation, settlement at the planned instant,
//! `simulate`, idempotency keys, bad input, unknown keys, one merchant
//! kept from another's data, and the rate limit.

use super::*;

#[tokio::test(start_paused = true)]
async fn a_payment_is_created_pending_and_settles_at_its_planned_instant() {
    let plan = SettlementPlan::new([(OrderId::numbered(1), Dur::from_ms(500), Outcome::Declined)]);
    let (p, _) = platform(plan);
    let (status, _, created) = call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    assert_eq!(status, StatusCode::CREATED);
    for field in [
        "id",
        "order_id",
        "amount_cents",
        "currency",
        "status",
        "created_at",
        "settled_at",
    ] {
        assert!(created.get(field).is_some(), "missing {field} in {created}");
    }
    assert_eq!(created["status"], "pending");
    assert!(created["settled_at"].is_null());
    let uri = format!("/v1/payments/{}", created["id"].as_str().unwrap());

    tokio::time::advance(Duration::from_millis(499)).await;
    let (_, _, before) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(before["status"], "pending");

    tokio::time::advance(Duration::from_millis(1)).await;
    // No worker is running: the read itself settles a payment whose time came.
    let (status, _, after) = call(&p, "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after["status"], "declined");
    assert_eq!(after["settled_at"], "2026-01-01T00:00:00.500Z");
    let settled = p.settlements();
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].settled_at.0, 500_000);
    let served = p.served();
    assert_eq!(
        (served.payment_creates, served.polls, served.polls_pending),
        (1, 2, 1)
    );
}

#[tokio::test(start_paused = true)]
async fn simulate_asks_for_a_settlement_time_and_outcome() {
    let (p, _) = platform(SettlementPlan::default());
    let body = r#"{"order_id": "hand-made", "amount_cents": 100, "currency": "BRL", "simulate": {"settle_after_ms": "250ms", "outcome": "declined"}}"#;
    let (_, _, created) = call(&p, "POST", "/v1/payments", Some(body), None).await;
    tokio::time::advance(Duration::from_millis(250)).await;
    let (_, _, after) = call(
        &p,
        "GET",
        &format!("/v1/payments/{}", created["id"].as_str().unwrap()),
        None,
        None,
    )
    .await;
    assert_eq!(after["status"], "declined");
}

#[tokio::test(start_paused = true)]
async fn an_idempotency_key_makes_a_retry_return_the_same_payment() {
    let (p, _) = platform(SettlementPlan::default());
    let (s1, _, first) = call(&p, "POST", "/v1/payments", Some(ORDER), Some("k1")).await;
    let (s2, h2, second) = call(&p, "POST", "/v1/payments", Some(ORDER), Some("k1")).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    let other = ORDER.replace("4990", "5000");
    let (s3, _, conflict) = call(&p, "POST", "/v1/payments", Some(&other), Some("k1")).await;
    assert_eq!(s3, StatusCode::CONFLICT);
    assert_eq!(conflict["error"]["code"], "idempotency_conflict");
    // Without a key, the same body is a second payment.
    let (_, _, third) = call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    assert_ne!(first["id"], third["id"]);
    // Keys are per merchant: another merchant's same key is its own.
    let (s4, _, bobs) = call_as(
        &p,
        Some(OTHER_KEY),
        "POST",
        "/v1/payments",
        Some(ORDER),
        Some("k1"),
    )
    .await;
    assert_eq!(s4, StatusCode::CREATED);
    assert_ne!(bobs["id"], first["id"]);
}

#[tokio::test(start_paused = true)]
async fn bad_input_gets_a_4xx_with_the_error_shape_and_changes_nothing() {
    let (p, _) = platform(SettlementPlan::default());
    let cases: &[(&str, &str, Option<&str>, StatusCode, &str)] = &[
        (
            "POST",
            "/v1/payments",
            Some("{not json"),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "POST",
            "/v1/payments",
            Some(""),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "POST",
            "/v1/payments",
            Some(r#"{"order_id": "o", "currency": "BRL"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/payments",
            Some(r#"{"order_id": "o", "amount_cents": "ten", "currency": "BRL"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/payments",
            Some(r#"{"order_id": "o", "amount_cents": -5, "currency": "BRL"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/payments",
            Some(r#"{"order_id": "o", "amount_cents": 0, "currency": "BRL"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            "POST",
            "/v1/payments",
            Some(r#"{"order_id": "o", "amount_cents": 5, "currency": "reais"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            "POST",
            "/v1/payments",
            Some(r#"{"order_id": "o", "amount_cents": 5, "currency": "BRL", "tip": 1}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            "GET",
            "/v1/payments/pay_999999",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "POST",
            "/v1/webhook_endpoints",
            Some(r#"{"url": "http://10.0.0.8/hook"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            "POST",
            "/v1/webhook_endpoints",
            Some(r#"{"url": 7}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/webhook_endpoints/we_000009/rotate_secret",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "POST",
            "/v1/webhook_endpoints/we_000009/recover",
            Some(r#"{"since": "2026-01-01T00:00:00Z"}"#),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "GET",
            "/v1/events?limit=0",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        ),
        (
            "GET",
            "/v1/events?limit=many",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        ),
        (
            "GET",
            "/v1/events/evt_000001/attempts",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "POST",
            "/v1/events/nonsense/redeliver",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "GET",
            "/v2/anything",
            None,
            StatusCode::NOT_FOUND,
            "no_route",
        ),
        (
            "DELETE",
            "/v1/payments",
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    for (method, uri, body, want_status, want_code) in cases {
        let (status, _, value) = call(&p, method, uri, *body, None).await;
        assert_eq!(status, *want_status, "{method} {uri} {body:?}: {value}");
        assert_eq!(
            value["error"]["code"], *want_code,
            "{method} {uri} {body:?}: {value}"
        );
        assert!(
            value["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let served = p.served();
    assert_eq!(served.payment_creates, 0);
    assert_eq!(served.rejected, cases.len() as u64);
    assert!(p.settlements().is_empty());
}

#[tokio::test(start_paused = true)]
async fn requests_without_a_known_key_get_401_and_touch_nothing() {
    let (p, _) = platform(SettlementPlan::default());
    for key in [None, Some("sk_test_mallory")] {
        let (status, _, value) = call_as(&p, key, "POST", "/v1/payments", Some(ORDER), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(value["error"]["code"], "unauthorized");
    }
    assert_eq!(p.served().unauthorized, 2);
    assert_eq!(p.served().payment_creates, 0);
}

#[tokio::test(start_paused = true)]
async fn one_merchant_never_sees_anothers_payments_events_or_endpoints() {
    let (p, _) = platform(one_order(10));
    let (_, _, created) = call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    let uri = format!("/v1/payments/{}", created["id"].as_str().unwrap());
    let (status, _, _) = call_as(&p, Some(OTHER_KEY), "GET", &uri, None, None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another merchant's payment is not found"
    );
    tokio::time::advance(Duration::from_millis(10)).await;
    p.settle_due();
    let (_, _, alices) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(alices["data"].as_array().unwrap().len(), 1);
    let (_, _, bobs) = call_as(&p, Some(OTHER_KEY), "GET", "/v1/events", None, None).await;
    assert_eq!(bobs["data"].as_array().unwrap().len(), 0);
    let (status, _, _) = call_as(
        &p,
        Some(OTHER_KEY),
        "POST",
        "/v1/events/evt_000001/redeliver",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    register(&p).await;
    let (status, _, _) = call_as(
        &p,
        Some(OTHER_KEY),
        "POST",
        "/v1/webhook_endpoints/we_000001/rotate_secret",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(start_paused = true)]
async fn a_key_over_its_rate_limit_gets_429_with_retry_after() {
    let http = Arc::new(RecordingHttp::default());
    let cfg = PlatformConfig {
        rate_limit_per_s: Some(2.0),
        ..config(SettlementPlan::default())
    };
    let p = Platform::new(Clock::starting_now(EPOCH_US), cfg, http);
    assert_eq!(
        call(&p, "GET", "/v1/events", None, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&p, "GET", "/v1/events", None, None).await.0,
        StatusCode::OK
    );
    let (status, headers, value) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(value["error"]["code"], "rate_limited");
    assert_eq!(headers["retry-after"], "1");
    // Another key has its own bucket.
    assert_eq!(
        call_as(&p, Some(OTHER_KEY), "GET", "/v1/events", None, None)
            .await
            .0,
        StatusCode::OK
    );
    tokio::time::advance(Duration::from_millis(500)).await;
    assert_eq!(
        call(&p, "GET", "/v1/events", None, None).await.0,
        StatusCode::OK
    );
    assert_eq!(p.served().rate_limited, 1);
}

/// A body that is JSON but not an object (a tester posted an array): serde
/// reads a struct from an array by position, so `[]` was answered
/// "invalid length 0, expected struct CreatePayment with 4 elements", and
/// an array of the fields in order made a payment. Now each is a 422 in
/// the error shape saying an object was expected, and makes nothing.
#[tokio::test(start_paused = true)]
async fn a_body_that_is_not_a_json_object_is_refused_saying_so() {
    let (p, _) = platform(SettlementPlan::default());
    for (body, found) in [
        ("[]", "not an array"),
        (r#"["o", 4990, "BRL", null]"#, "not an array"),
        (r#"  ["o", 4990, "BRL"]"#, "not an array"),
        (r#""o""#, "not a string"),
        ("4990", "not a number"),
        ("null", "not null"),
    ] {
        let (status, _, answer) = call(&p, "POST", "/v1/payments", Some(body), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], "invalid_request", "{body}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("must be a JSON object"),
            "{body}: {message}"
        );
        assert!(message.contains(found), "{body}: {message}");
    }
    let (status, _, answer) = call(
        &p,
        "POST",
        "/v1/webhook_endpoints",
        Some(r#"["http://127.0.0.1:9/hook"]"#),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("must be a JSON object")
    );
    let (_, _, list) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(list["data"], serde_json::json!([]), "{list}");
}
