//! Bodies over the API's limit are refused as soon as the head says so.

use super::{KEY, one_order, platform, raw_exchange};
use hooklab_core::shutdown;
use serde_json::Value;

/// A `Content-Length` over 2 MB gets 413 in the error shape at once, without
/// the body: before, the connection was held for the idle timeout (60 s) and
/// then answered 400 "error reading a body".
#[tokio::test]
async fn a_declared_body_over_the_limit_is_refused_at_once_with_413() {
    let (p, _) = platform(one_order(86_400_000));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (_trigger, shutdown) = shutdown::channel();
    tokio::spawn({
        let p = p.clone();
        async move { p.serve(listener, shutdown).await }
    });
    let head = format!(
        "POST /v1/payments HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: 3000000\r\n\r\n"
    );
    let answer = raw_exchange(addr, &head);
    let answer = tokio::time::timeout(std::time::Duration::from_secs(20), answer)
        .await
        .expect("no answer before the body was sent");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "body_too_large", "{body}");
}

/// A huge id or URL is quoted as a short excerpt: a 404 for a 60 KB id was a
/// 60 KB answer, a 422 for a 100 KB URL a 100 KB one.
#[tokio::test]
async fn huge_values_are_quoted_as_an_excerpt() {
    let (p, _) = platform(one_order(86_400_000));
    let id = "p".repeat(60_000);
    let (status, _, body) = super::call(&p, "GET", &format!("/v1/payments/{id}"), None, None).await;
    assert_eq!(status, http::StatusCode::NOT_FOUND);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.len() < 300 && message.contains("60000 characters"),
        "{message}"
    );

    let url = format!("http://127.0.0.1:1/{}", "u".repeat(100_000));
    let request = serde_json::json!({ "url": url }).to_string();
    let (status, _, body) =
        super::call(&p, "POST", "/v1/webhook_endpoints", Some(&request), None).await;
    assert_eq!(status, http::StatusCode::UNPROCESSABLE_ENTITY);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.len() < 1_200, "a {} byte message", message.len());
}

#[test]
fn a_huge_rate_limit_is_quoted_in_scientific_notation() {
    let said = hooklab_platform::check_rate_limit(1e300)
        .unwrap_err()
        .to_string();
    assert!(said.contains("got 1e300 "), "{said}");
}
