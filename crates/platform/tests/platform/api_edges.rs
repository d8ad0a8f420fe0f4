//! An adversarial tester's findings in the API, each pinned: an event
//! forgotten before a cursor read past it is a 410 `cursor_expired`, not an
//! empty page; an `Idempotency-Key` of spaces is no key and refused; the
//! `Bearer` scheme is case-insensitive and a wrong scheme is named; every
//! bad query parameter is one 400 `invalid_parameter` naming it; `wait`
//! reads a bare number as milliseconds, as the CLI and scenario files do;
//! an amount over the bound is told the bound.

use super::{EPOCH_US, KEY, ORDER, RecordingHttp, call, call_as, config, one_order, start};
use axum::body::Body;
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::ids::OrderId;
use hooklab_core::wire::Outcome;
use hooklab_platform::{Platform, PlatformConfig, Retention, SettlementPlan};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

/// A raw request as merchant 1 would send it, but with `authorization` as
/// given: status and body.
async fn with_authorization(p: &Platform, authorization: &str) -> (StatusCode, Value) {
    let req = Request::get("/v1/events")
        .header("authorization", authorization)
        .body(Body::empty())
        .unwrap();
    let res = p.router().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or("")
}

/// The tester's run: `--keep 1s`; payment 1 settles at 200 ms and is read
/// (cursor `evt_000001`); payment 2, made at 0.5 s, settles 3 s later, is
/// kept 1 s, and is forgotten before the cursor's next read at 5 s. It was
/// in the log (read at 3.7 s it is listed): the event was lost unread, and
/// the read after it answered an empty page as if nothing had happened.
#[tokio::test(start_paused = true)]
async fn an_event_forgotten_before_the_cursor_read_past_it_is_a_410_cursor_expired() {
    let plan = SettlementPlan::new([
        (OrderId::numbered(1), Dur::from_ms(200), Outcome::Approved),
        (OrderId::numbered(2), Dur::from_secs(3), Outcome::Approved),
    ]);
    let cfg = PlatformConfig {
        retention: Retention {
            finished_for: Some(Dur::from_secs(1)),
            ..Retention::SERVER
        },
        ..config(plan)
    };
    let p = Platform::new(
        Clock::starting_now(EPOCH_US),
        cfg,
        Arc::new(RecordingHttp::default()),
    );
    let _workers = start(&p);
    let second = ORDER.replace("ord_000001", "ord_000002");
    let (status, _, _) = call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    assert_eq!(status, StatusCode::CREATED);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, _, page) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(page["next_after"], "evt_000001", "{page}");
    let (status, _, _) = call(&p, "POST", "/v1/payments", Some(&second), None).await;
    assert_eq!(status, StatusCode::CREATED);

    tokio::time::sleep(Duration::from_millis(3_200)).await;
    let (_, _, page) = call(&p, "GET", "/v1/events?after=evt_000001", None, None).await;
    assert_eq!(page["data"][0]["id"], "evt_000002", "listed while kept");

    tokio::time::sleep(Duration::from_millis(1_300)).await;
    for uri in [
        "/v1/events?after=evt_000001",
        "/v1/events?after=evt_000001&limit=5",
        "/v1/events?after=evt_000001&wait=10s",
    ] {
        let (status, _, body) = call(&p, "GET", uri, None, None).await;
        assert_eq!(status, StatusCode::GONE, "{uri}: {body}");
        assert_eq!(body["error"]["code"], "cursor_expired", "{body}");
        let said = message(&body);
        for part in ["evt_000001", "evt_000002", "1s", "GET /v1/payments/{id}"] {
            assert!(said.contains(part), "{part}: {said}");
        }
    }
    // The stream refuses to resume there for the same reason.
    let req = Request::get("/v1/events/stream")
        .header("authorization", format!("Bearer {KEY}"))
        .header("last-event-id", "evt_000001")
        .body(Body::empty())
        .unwrap();
    let res = p.router().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::GONE);

    // What the message says to do works: without `after` the log starts
    // after what was forgotten, and its cursor is a good one.
    let (status, headers, page) = call(&p, "GET", "/v1/events", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["data"], serde_json::json!([]));
    assert_eq!(page["next_after"], "evt_000002", "{page}");
    // And it says so, having no cursor to refuse: a reader that waited for
    // something since before learns the log lost an event unread.
    assert_eq!(headers["events-forgotten-through"], "evt_000002");
    let (_, headers, _) = call(&p, "GET", "/v1/events?wait=1ms", None, None).await;
    assert_eq!(headers["events-forgotten-through"], "evt_000002");
    let stream = Request::get("/v1/events/stream")
        .header("authorization", format!("Bearer {KEY}"))
        .body(Body::empty())
        .unwrap();
    let res = p.router().oneshot(stream).await.unwrap();
    assert_eq!(res.headers()["events-forgotten-through"], "evt_000002");
    drop(res);
    let (status, headers, _) = call(&p, "GET", "/v1/events?after=evt_000002", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("events-forgotten-through").is_none());
}

#[tokio::test(start_paused = true)]
async fn an_idempotency_key_of_spaces_is_refused_and_a_key_is_read_without_its_ends() {
    let (p, _http) = super::platform(one_order(86_400_000));
    for key in ["", " ", "  \t "] {
        let (status, _, body) = call(&p, "POST", "/v1/payments", Some(ORDER), Some(key)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{key:?}: {body}");
        assert!(message(&body).contains("Idempotency-Key"), "{body}");
    }
    assert_eq!(p.books().payments, 0, "nothing created");
    // Over a socket hyper trims a value's ends; in memory they are trimmed
    // here, so ` k1 ` is the key `k1` whatever carried it.
    let (status, _, first) = call(&p, "POST", "/v1/payments", Some(ORDER), Some(" k1 ")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, headers, again) = call(&p, "POST", "/v1/payments", Some(ORDER), Some("k1")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(first["id"], again["id"]);
    assert_eq!(p.books().payments, 1);
}

#[tokio::test(start_paused = true)]
async fn the_bearer_scheme_is_case_insensitive_and_a_wrong_scheme_is_named() {
    let (p, _http) = super::platform(one_order(1_000));
    for good in [
        format!("Bearer {KEY}"),
        format!("bearer {KEY}"),
        format!("BEARER {KEY}"),
        format!("Bearer\t{KEY}"),
        format!("Bearer  {KEY} "),
        format!(" bearer \t {KEY}\t"),
    ] {
        let (status, body) = with_authorization(&p, &good).await;
        assert_eq!(status, StatusCode::OK, "{good:?}: {body}");
    }
    for (bad, said) in [
        (format!("Basic {KEY}"), "scheme `Basic`, not `Bearer`"),
        (KEY.to_owned(), "not `Bearer`"),
        (format!("Bearer{KEY}"), "not `Bearer`"),
        ("Bearer".to_owned(), "missing or unknown API key"),
        (
            "Bearer sk_test_nobody".to_owned(),
            "missing or unknown API key",
        ),
    ] {
        let (status, body) = with_authorization(&p, &bad).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad:?}: {body}");
        assert_eq!(body["error"]["code"], "unauthorized");
        assert!(message(&body).contains(said), "{bad:?}: {body}");
    }
    assert_eq!(p.served().unauthorized, 5);
}

/// Each bad query parameter, on every route that reads or refuses one, and
/// what its message must name. A plain query (the fast path) and the same
/// query escaped (the router) are refused alike.
#[tokio::test(start_paused = true)]
async fn every_bad_query_parameter_is_one_400_invalid_parameter_naming_it() {
    let (p, _http) = super::platform(one_order(1_000));
    let (status, _, _) = call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    assert_eq!(status, StatusCode::CREATED);
    tokio::time::sleep(Duration::from_secs(2)).await;
    p.settle_due();
    let cases = [
        (
            "GET",
            "/v1/events?limit=-1",
            "`limit`: must be a whole number from 1 to 1000, got `-1`",
        ),
        (
            "GET",
            "/v1/events?limit=0",
            "`limit`: must be a whole number from 1 to 1000, got `0`",
        ),
        (
            "GET",
            "/v1/events?limit=%30",
            "`limit`: must be a whole number from 1 to 1000, got `0`",
        ),
        ("GET", "/v1/events?limit=1001", "from 1 to 1000, got `1001`"),
        ("GET", "/v1/events?limit=many", "from 1 to 1000, got `many`"),
        (
            "GET",
            "/v1/events?limit=1&limit=2",
            "`limit`: sent more than once",
        ),
        (
            "GET",
            "/v1/events?after=abc",
            "`after`: `abc` is none of your events",
        ),
        (
            "GET",
            "/v1/events?foo=bar",
            "`foo`: is not a parameter here: GET /v1/events takes `after`",
        ),
        (
            "GET",
            "/v1/payments/pay_000001?foo=bar",
            "`foo`: is not a parameter here: GET /v1/payments/{id} takes `wait`",
        ),
        (
            "GET",
            "/v1/payments/pay_000001?wait=soon",
            "`wait`: `soon` is not a duration",
        ),
        (
            "GET",
            "/v1/events/evt_000001/attempts?limit=0",
            "`limit`: must be a whole number from 1 to 1000",
        ),
        (
            "GET",
            "/v1/events/evt_000001/attempts?starting_after=x",
            "`starting_after`: must be the `seq` of the last attempt you saw",
        ),
        (
            "GET",
            "/v1/events/evt_000001/attempts?seq=1",
            "`seq`: is not a parameter here",
        ),
        (
            "GET",
            "/v1/events/stream?after=evt_000001",
            "`after`: is not a parameter here: GET /v1/events/stream takes no query parameters",
        ),
        (
            "POST",
            "/v1/payments?amount_cents=1",
            "`amount_cents`: is not a parameter here: POST /v1/payments takes no query parameters",
        ),
        (
            "POST",
            "/v1/events/evt_000001/redeliver?x=1",
            "`x`: is not a parameter here",
        ),
        (
            "DELETE",
            "/v1/webhook_endpoints/we_000001?force=1",
            "`force`: is not a parameter here",
        ),
    ];
    for (method, uri, said) in cases {
        let body = (method == "POST").then_some(ORDER);
        let (status, _, answer) = call(&p, method, uri, body, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {uri}: {answer}");
        // A cursor naming none of the merchant's events has its own code,
        // which a client matches to read the log from its start again.
        let code = if uri.contains("after=abc") {
            "unknown_cursor"
        } else {
            "invalid_parameter"
        };
        assert_eq!(answer["error"]["code"], code, "{uri}: {answer}");
        assert!(message(&answer).contains(said), "{uri}: {answer}");
    }
    assert_eq!(
        p.books().payments,
        1,
        "the POST with a query created nothing"
    );
    // Good queries still read.
    for uri in [
        "/v1/events?limit=1000",
        "/v1/events?after=evt_000001&limit=1",
        "/v1/events/evt_000001/attempts?starting_after=0&limit=1",
        "/v1/payments/pay_000001?wait=0",
    ] {
        let (status, _, answer) = call(&p, "GET", uri, None, None).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {answer}");
    }
}

/// `wait=0` was "`0` has no unit" while `--every 0` and a scenario's
/// `interval_ms = 0` read it: a bare number is milliseconds everywhere.
#[tokio::test(start_paused = true)]
async fn a_bare_wait_is_milliseconds_as_everywhere_else() {
    let (p, _http) = super::platform(one_order(86_400_000));
    let (status, _, _) = call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    assert_eq!(status, StatusCode::CREATED);
    for (wait, waited) in [("0", 0), ("1500", 1_500), ("1500ms", 1_500), ("2s", 2_000)] {
        let t0 = tokio::time::Instant::now();
        let uri = format!("/v1/payments/pay_000001?wait={wait}");
        let (status, _, body) = call(&p, "GET", &uri, None, None).await;
        assert_eq!(status, StatusCode::OK, "{wait}: {body}");
        assert_eq!(t0.elapsed(), Duration::from_millis(waited), "{wait}");
    }
}

#[tokio::test(start_paused = true)]
async fn an_amount_over_the_bound_is_told_the_bound() {
    let (p, _http) = super::platform(one_order(1_000));
    for amount in ["9007199254740993", "1000000000001", "0"] {
        let body = format!(r#"{{"order_id":"o7","amount_cents":{amount},"currency":"BRL"}}"#);
        let (status, _, answer) =
            call_as(&p, Some(KEY), "POST", "/v1/payments", Some(&body), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["error"]["code"], "invalid_field");
        let said = message(&answer);
        assert!(
            said.contains("from 1 to 1000000000000") && said.contains(&format!("got {amount}")),
            "{said}"
        );
    }
    let top = r#"{"order_id":"o8","amount_cents":1000000000000,"currency":"BRL"}"#;
    let (status, _, _) = call(&p, "POST", "/v1/payments", Some(top), None).await;
    assert_eq!(status, StatusCode::CREATED, "the bound itself is allowed");
}
