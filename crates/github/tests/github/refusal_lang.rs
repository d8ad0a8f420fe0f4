//! A refusal's message follows the receiver's language: a receiver printing
//! Portuguese (`--lang pt-BR`) answers a forgery in Portuguese too, with the
//! same JSON shape and the same `code` as in English.

use super::{SECRET, sample};
use axum::body::Body;
use hooklab_core::lang::Lang;
use hooklab_github::receiver::{self, ReceiverState, Verification, WebhookSecret};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tokio::sync::mpsc;
use tower::ServiceExt;

/// The answer of a receiver in `lang` to a push signed with the wrong
/// secret, to a request on another path, and to a `GET` of its path.
async fn refusals(lang: Lang) -> Vec<(StatusCode, Value)> {
    let (tx, _rx) = mpsc::channel(16);
    let state = ReceiverState::answering_in(
        "/webhook",
        Verification::Secret(WebhookSecret::new(SECRET)),
        tx,
        lang,
    );
    let app = receiver::router(state);
    let forged = Request::post("/webhook")
        .header("content-type", "application/json")
        .header("x-github-event", "push")
        .header("x-github-delivery", "d1")
        .header(
            "x-hub-signature-256",
            hooklab_github::signature::sign(b"wrong", &sample("push")),
        )
        .body(Body::from(sample("push")))
        .unwrap();
    let elsewhere = Request::post("/other").body(Body::empty()).unwrap();
    let wrong_method = Request::get("/webhook").body(Body::empty()).unwrap();
    let mut out = Vec::new();
    for request in [forged, elsewhere, wrong_method] {
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        out.push((status, serde_json::from_slice(&bytes).unwrap()));
    }
    out
}

#[tokio::test]
async fn a_portuguese_receiver_refuses_in_portuguese_with_the_same_shape() {
    let en = refusals(Lang::En).await;
    let pt = refusals(Lang::PtBr).await;
    for ((en_status, en), (pt_status, pt)) in en.iter().zip(&pt) {
        assert_eq!(en_status, pt_status);
        assert_eq!(en["error"]["code"], pt["error"]["code"], "{en} {pt}");
        let keys = |v: &Value| {
            v["error"]
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
        };
        assert_eq!(keys(en), keys(pt));
        assert_eq!(en.as_object().map(|o| o.len()), Some(1));
    }
    assert_eq!(pt[0].0, StatusCode::UNAUTHORIZED);
    let message = |v: &Value| {
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(message(&en[0].1).contains("does not match"), "{}", en[0].1);
    assert!(
        message(&pt[0].1).contains("não confere com o corpo"),
        "{}",
        pt[0].1
    );
    assert!(
        message(&pt[1].1).contains("os webhooks são recebidos em POST /webhook"),
        "{}",
        pt[1].1
    );
    // A tester's finding: the wrong method got axum's empty 405.
    assert_eq!(pt[2].0, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(pt[2].1["error"]["code"], "method_not_allowed");
    assert!(
        message(&pt[2].1).contains("os webhooks são recebidos em POST /webhook"),
        "{}",
        pt[2].1
    );
    assert!(message(&en[2].1).contains("POST /webhook"), "{}", en[2].1);
}

#[tokio::test]
async fn the_wrong_method_says_which_one_to_use() {
    let (tx, _rx) = mpsc::channel(16);
    let state = ReceiverState::new("/webhook", Verification::Insecure, tx);
    let app = receiver::router(state);
    let request = Request::put("/webhook").body(Body::empty()).unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        response
            .headers()
            .get(http::header::ALLOW)
            .map(|v| v.as_bytes()),
        Some(&b"POST"[..])
    );
}
