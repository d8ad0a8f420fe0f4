//! The platform as a server: `Platform::serve` on the caller's listener,
//! ids that never repeat across restarts, and the JSON error shape on every
//! refusal, the framework's included.

use super::*;

/// `Platform::serve` on a listener the test bound on port 0: the API answers
/// over the socket, and the server and its workers stop on the signal.
#[tokio::test]
async fn serve_answers_on_the_callers_listener_until_shutdown() {
    let (p, _) = platform(one_order(86_400_000));
    call(&p, "POST", "/v1/payments", Some(ORDER), Some("k")).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, shutdown) = shutdown::channel();
    let served = tokio::spawn({
        let p = p.clone();
        async move { p.serve(listener, shutdown).await }
    });

    let answer = raw_exchange(
        addr,
        &format!(
            "GET /v1/payments/pay_000001 HTTP/1.1\r\nHost: {addr}\r\n\
             Authorization: Bearer {KEY}\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""order_id":"ord_000001""#), "{answer}");
    assert_eq!(p.served().polls, 1);

    trigger.trigger();
    let stopped = tokio::time::timeout(Duration::from_secs(30), served).await;
    assert!(
        matches!(stopped, Ok(Ok(Ok(())))),
        "serve did not return cleanly after shutdown: {stopped:?}"
    );
}

/// A restarted platform (a new epoch) never hands out an id the previous
/// start did: the old `pay_…` a shop still polls names nothing.
#[tokio::test(start_paused = true)]
async fn ids_never_repeat_across_restarts() {
    let start = |seed: u64| {
        let config = PlatformConfig {
            id_epoch: hooklab_core::ids::IdEpoch::from_seed(seed),
            ..config(SettlementPlan::default())
        };
        Platform::new(
            Clock::starting_now(EPOCH_US),
            config,
            Arc::new(RecordingHttp::default()),
        )
    };
    let before = start(1);
    let (_, _, old) = call(&before, "POST", "/v1/payments", Some(ORDER), None).await;
    let old_id = old["id"].as_str().unwrap().to_owned();
    let after = start(2);
    let other = ORDER.replace("ord_000001", "ord_000002");
    let (_, _, new) = call(&after, "POST", "/v1/payments", Some(&other), None).await;
    assert_ne!(new["id"], old["id"]);
    let (status, _, _) = call(&after, "GET", &format!("/v1/payments/{old_id}"), None, None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "{old_id} survived the restart"
    );
    // Without an epoch (scenario runs), ids are exactly as they always were.
    let (p, _) = platform(SettlementPlan::default());
    let (_, _, plain) = call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    assert_eq!(plain["id"], "pay_000001");
}

/// The framework's own refusals and the edge cases of JSON get the API's
/// error shape and the right status (issue 14, item 14).
#[tokio::test(start_paused = true)]
async fn every_refusal_has_the_error_shape_even_the_frameworks() {
    let (p, _) = platform(SettlementPlan::default());
    let big = format!(
        r#"{{"order_id": "ord_000001", "amount_cents": 1, "currency": "BRL", "x": "{}"}}"#,
        "a".repeat(2 * 1024 * 1024)
    );
    let cases: Vec<(&str, &str, Option<&str>, StatusCode, &str)> = vec![
        (
            "POST",
            "/v1/payments",
            Some(r#"{"a":"#),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "POST",
            "/v1/payments",
            Some(&big),
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        (
            "GET",
            "/v1/payments/%FF%FE",
            None,
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "GET",
            "/v2/nothing",
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
    for (method, uri, body, status, code) in cases {
        let (got, headers, value) = call(&p, method, uri, body, None).await;
        assert_eq!(got, status, "{method} {uri}: {value}");
        assert_eq!(value["error"]["code"], code, "{method} {uri}: {value}");
        assert!(value["error"]["message"].is_string(), "{value}");
        assert_eq!(headers["content-type"], "application/json");
    }
}

/// A chunked body that breaks off mid-chunk, over a real socket: a 400 in
/// the error shape, not the framework's plain text.
#[tokio::test]
async fn a_broken_chunked_body_gets_the_error_shape() {
    let (p, _) = platform(SettlementPlan::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, shutdown) = shutdown::channel();
    let served = tokio::spawn({
        let p = p.clone();
        async move { p.serve(listener, shutdown).await }
    });
    let answer = raw_exchange(
        addr,
        &format!(
            "POST /v1/payments HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\n{{}}\r\n0\r\n\r\n"
        ),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains(r#"{"error":{"code":"#), "{answer}");
    trigger.trigger();
    served.await.unwrap().unwrap();
}
