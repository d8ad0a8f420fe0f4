//! A body the API cannot read is refused 415 in the API's error shape: a
//! `Content-Type` that is not JSON, a `Content-Encoding` other than
//! identity; JSON with a charset, or with no type at all, is read
//! (`crates/platform/src/api/content.rs` says why).

use super::*;

/// `method uri` with the merchant's key, exactly `headers` besides it, and
/// `body`.
async fn send(
    p: &Platform,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, http::HeaderMap, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {KEY}"));
    for &(name, value) in headers {
        req = req.header(name, value);
    }
    let req = req.body(Body::from(body.to_owned())).unwrap();
    let res = p.router().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let value = match bytes.is_empty() {
        true => Value::Null,
        false => serde_json::from_slice(&bytes).unwrap(),
    };
    (status, headers, value)
}

/// The answer is a 415 in the API's shape, naming `header`.
fn unsupported(status: StatusCode, headers: &http::HeaderMap, body: &Value, header: &str) {
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["error"]["code"], "unsupported_media_type", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(header), "{message}");
    assert_eq!(headers["content-type"], "application/json");
}

/// The compact body the shop writes (the fast path reads it) and a spaced
/// one (serde reads it).
const BODIES: [&str; 2] = [
    r#"{"order_id":"ord_000001","amount_cents":4990,"currency":"BRL"}"#,
    ORDER,
];

#[tokio::test(start_paused = true)]
async fn a_payment_declared_as_another_type_is_refused_and_not_created() {
    let (p, _) = platform(SettlementPlan::default());
    for body in BODIES {
        for wrong in [
            "text/plain",
            // What curl's -d sends without -H.
            "application/x-www-form-urlencoded",
            "application/json; charset=iso-8859-1",
            "application/jsonp",
        ] {
            let (status, headers, answer) =
                send(&p, "POST", "/v1/payments", &[("content-type", wrong)], body).await;
            unsupported(status, &headers, &answer, "Content-Type");
            let message = answer["error"]["message"].as_str().unwrap();
            assert!(message.contains(wrong), "{message}");
            assert!(message.contains("application/json"), "{message}");
        }
        // Two types: which one describes the body is a guess.
        let (status, headers, answer) = send(
            &p,
            "POST",
            "/v1/payments",
            &[
                ("content-type", "application/json"),
                ("content-type", "text/plain"),
            ],
            body,
        )
        .await;
        unsupported(status, &headers, &answer, "Content-Type");
    }
    // Nothing was created: the first payment read is still the first.
    let (status, _, created) = send(
        &p,
        "POST",
        "/v1/payments",
        &[("content-type", "application/json")],
        BODIES[0],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(
        created["id"].as_str().unwrap().ends_with("_000001"),
        "{created}"
    );
}

#[tokio::test(start_paused = true)]
async fn json_with_a_charset_in_any_case_is_read() {
    let (p, _) = platform(SettlementPlan::default());
    for (n, value) in [
        "application/json; charset=utf-8",
        "Application/JSON;Charset=\"UTF-8\"",
        "application/json ; charset=utf-8 ; q=1",
    ]
    .into_iter()
    .enumerate()
    {
        let body = format!(r#"{{"order_id":"ord_{n}","amount_cents":4990,"currency":"BRL"}}"#);
        let (status, _, answer) = send(
            &p,
            "POST",
            "/v1/payments",
            &[("content-type", value)],
            &body,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{value}: {answer}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_body_with_no_type_is_read_as_json() {
    let (p, _) = platform(SettlementPlan::default());
    for body in BODIES {
        let (status, _, answer) = send(&p, "POST", "/v1/payments", &[], body).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
    }
    // What is not JSON is still refused as before, not taken.
    let (status, _, answer) = send(&p, "POST", "/v1/payments", &[], "order_id=1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_json");
    let (status, _, answer) = send(
        &p,
        "POST",
        "/v1/webhook_endpoints",
        &[],
        r#"{"url": "http://127.0.0.1:9/webhooks/payments"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

#[tokio::test(start_paused = true)]
async fn an_encoded_body_is_refused_saying_which_coding_is_read() {
    let (p, _) = platform(SettlementPlan::default());
    for body in BODIES {
        for coding in ["gzip", "br", "identity, deflate"] {
            let (status, headers, answer) = send(
                &p,
                "POST",
                "/v1/payments",
                &[
                    ("content-type", "application/json"),
                    ("content-encoding", coding),
                ],
                body,
            )
            .await;
            unsupported(status, &headers, &answer, "Content-Encoding");
            assert_eq!(headers["accept-encoding"], "identity");
        }
    }
    let (status, headers, answer) = send(
        &p,
        "POST",
        "/v1/payments",
        &[("content-encoding", "identity")],
        BODIES[0],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert!(!headers.contains_key("accept-encoding"));
    // A type refusal does not say anything about codings.
    let (_, headers, _) = send(
        &p,
        "POST",
        "/v1/payments",
        &[("content-type", "text/plain")],
        BODIES[1],
    )
    .await;
    assert!(!headers.contains_key("accept-encoding"));
}

#[tokio::test(start_paused = true)]
async fn the_other_posts_refuse_a_body_they_cannot_read() {
    let (p, _) = platform(one_order(1_000));
    let _trigger = start(&p);
    let endpoint = r#"{"url": "http://127.0.0.1:9/webhooks/payments"}"#;
    let recover = r#"{"since": "2026-01-01T00:00:00Z"}"#;
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let gzip = [("content-encoding", "gzip")];
    for (wrong, header) in [(&form[..], "Content-Type"), (&gzip[..], "Content-Encoding")] {
        let (status, headers, answer) =
            send(&p, "POST", "/v1/webhook_endpoints", wrong, endpoint).await;
        unsupported(status, &headers, &answer, header);
    }
    register(&p).await;
    // recover reads its endpoint first: an unknown one is 404 whatever the
    // body; a known one refuses the body.
    let (status, _, answer) = send(
        &p,
        "POST",
        "/v1/webhook_endpoints/we_000009/recover",
        &form,
        recover,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    for wrong in [&form[..], &gzip[..]] {
        let (status, headers, answer) = send(
            &p,
            "POST",
            "/v1/webhook_endpoints/we_000001/recover",
            wrong,
            recover,
        )
        .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{answer}");
        assert_eq!(answer["error"]["code"], "unsupported_media_type");
        assert_eq!(headers["content-type"], "application/json");
    }
    let (status, _, answer) = send(
        &p,
        "POST",
        "/v1/webhook_endpoints/we_000001/recover",
        &[],
        recover,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");

    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    p.settle_due();
    // rotate_secret and redeliver read no body: without one (curl -X
    // POST, or curl -d '' with its form type) any type is fine; a body
    // that is sent is checked as everywhere.
    for uri in [
        "/v1/webhook_endpoints/we_000001/rotate_secret",
        "/v1/events/evt_000001/redeliver",
    ] {
        for wrong in [&form[..], &gzip[..]] {
            let (status, _, answer) = send(&p, "POST", uri, wrong, "{}").await;
            assert_eq!(
                status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{uri}: {answer}"
            );
            assert_eq!(answer["error"]["code"], "unsupported_media_type");
        }
        for headers in [&form[..], &[][..]] {
            let (status, _, answer) = send(&p, "POST", uri, headers, "").await;
            assert!(status.is_success(), "{uri}: {status} {answer}");
        }
        let json = [("content-type", "application/json")];
        let (status, _, answer) = send(&p, "POST", uri, &json, "{}").await;
        assert!(status.is_success(), "{uri}: {status} {answer}");
    }
}
