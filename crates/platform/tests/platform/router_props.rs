//! The router under arbitrary requests (proptest, through `oneshot`): no
//! method, path, header or body gets a 5xx, and every answer's body is JSON,
//! in the error shape whenever the status is an error.
//!
//! Cases are bounded (256 per run) so the property runs in a few seconds
//! with `cargo test`.

use super::{KEY, ORDER, config};
use axum::body::Body;
use hooklab_core::clock::Clock;
use hooklab_platform::{Platform, SettlementPlan};
use http::Request;
use http_body_util::BodyExt;
use proptest::prelude::*;
use std::sync::Arc;
use tower::ServiceExt;

/// Methods, known and not.
fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("GET".to_owned()),
        Just("POST".to_owned()),
        Just("DELETE".to_owned()),
        Just("PUT".to_owned()),
        Just("PATCH".to_owned()),
        Just("HEAD".to_owned()),
        Just("OPTIONS".to_owned()),
        "[A-Z]{1,8}",
    ]
}

/// Paths near the API's routes, with odd ids, percent-escapes (some not
/// UTF-8) and queries.
fn path() -> impl Strategy<Value = String> {
    let route = prop_oneof![
        Just("/v1/payments"),
        Just("/v1/payments/"),
        Just("/v1/webhook_endpoints"),
        Just("/v1/webhook_endpoints/"),
        Just("/v1/events"),
        Just("/v1/events/"),
        Just("/"),
        Just("/v2/"),
    ];
    let id = prop_oneof![
        1 => Just(String::new()),
        1 => Just("pay_000001".to_owned()),
        1 => Just("evt_000001".to_owned()),
        1 => Just("we_000001".to_owned()),
        1 => Just("evt_+1".to_owned()),
        // Not UTF-8 once decoded: the framework's own rejection, weighted
        // so that most runs meet it on every route with an id.
        4 => Just("%FF%FE".to_owned()),
        1 => Just("%00".to_owned()),
        1 => "[a-z_0-9%+.-]{0,24}",
    ];
    let tail = prop_oneof![
        Just(String::new()),
        Just("/attempts".to_owned()),
        Just("/redeliver".to_owned()),
        Just("/rotate_secret".to_owned()),
        Just("/recover".to_owned()),
        "/[a-z]{0,8}",
    ];
    let query = prop_oneof![
        Just(String::new()),
        Just("?limit=0".to_owned()),
        Just("?limit=99999999999999999999".to_owned()),
        Just("?after=evt_000001&limit=2".to_owned()),
        Just("?starting_after=-1".to_owned()),
        "\\?[a-z_=&%0-9]{0,20}",
    ];
    (route, id, tail, query).prop_map(|(r, i, t, q)| format!("{r}{i}{t}{q}"))
}

/// A port number past 65535, which no socket can have.
const NO_SUCH_PORT: u32 = 99_999;

/// Bodies: nothing, near-valid JSON, or arbitrary bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        Just(ORDER.as_bytes().to_vec()),
        Just(br#"{"a":"#.to_vec()),
        // An endpoint URL whose port does not exist (the platform must refuse
        // it): nothing is bound or dialled.
        Just(format!(r#"{{"url": "http://127.0.0.1:{NO_SUCH_PORT}/x"}}"#).into_bytes()),
        Just(br#"{"since": "not a date"}"#.to_vec()),
        Just(br#"{"order_id": "ord_1", "amount_cents": -1, "currency": "BRL"}"#.to_vec()),
        proptest::collection::vec(any::<u8>(), 0..256),
        "[{}\\[\\]\":,a-z0-9 ]{0,64}".prop_map(String::into_bytes),
    ]
}

/// Header values, visible ASCII or not.
fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(format!("Bearer {KEY}").into_bytes()),
        Just(b"Bearer nope".to_vec()),
        Just(b"application/json".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

/// Mostly the merchant's key: without one the request stops at 401, before
/// any route's own extractors (the path, the query, the body) run.
fn authorization() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        6 => Just(Some(format!("Bearer {KEY}").into_bytes())),
        1 => Just(None),
        1 => header_value().prop_map(Some),
    ]
}

proptest! {
    // No regression file: the seed cases worth keeping are the `Just`s above.
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_request_gets_a_5xx_or_a_body_outside_the_error_shape(
        method in method(),
        path in path(),
        authorization in authorization(),
        content_type in proptest::option::of(header_value()),
        idempotency_key in proptest::option::of(header_value()),
        body in body(),
    ) {
        let mut request = Request::builder().method(method.as_str()).uri(path.as_str());
        for (name, value) in [
            ("authorization", &authorization),
            ("content-type", &content_type),
            ("idempotency-key", &idempotency_key),
        ] {
            if let Some(value) = value {
                request = request.header(name, value.as_slice());
            }
        }
        // A request http itself cannot represent (a header value with a
        // newline) never reaches a server: skip it.
        let Ok(request) = request.body(Body::from(body)) else {
            return Ok(());
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let (status, bytes) = runtime.block_on(async {
            let platform = Platform::new(
                Clock::starting_now(super::EPOCH_US),
                config(SettlementPlan::default()),
                Arc::new(super::RecordingHttp::default()),
            );
            let response = platform.router().oneshot(request).await.unwrap();
            let status = response.status();
            (status, response.into_body().collect().await.unwrap().to_bytes())
        });
        prop_assert!(!status.is_server_error(), "{method} {path}: {status}");
        if method == "HEAD" {
            // HEAD answers have no body by definition.
            return Ok(());
        }
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| TestCaseError::fail(format!(
                "{method} {path}: {status} with a body that is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&bytes)
            )))?;
        if status.is_client_error() {
            prop_assert!(value["error"]["code"].is_string(), "{method} {path}: {value}");
            prop_assert!(value["error"]["message"].is_string(), "{method} {path}: {value}");
        }
    }
}
