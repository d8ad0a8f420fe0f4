//! Untrusted input at the edge: bodies over the API's limit are refused as
//! soon as the head says so, huge values are quoted short, and ids or URLs
//! that would mislead a terminal, leak a password or loop back are refused.

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

#[tokio::test]
async fn an_order_id_with_invisible_format_characters_is_refused() {
    let (p, _) = platform(one_order(86_400_000));
    for id in ["o\u{202e}\u{2066}x", "ord\u{200b}1", "\u{feff}ord"] {
        let body = serde_json::json!({"order_id": id, "amount_cents": 4990, "currency": "BRL"});
        let (status, _, answer) =
            super::call(&p, "POST", "/v1/payments", Some(&body.to_string()), None).await;
        assert_eq!(
            status,
            http::StatusCode::UNPROCESSABLE_ENTITY,
            "{id:?}: {answer}"
        );
        assert_eq!(answer["error"]["code"], "invalid_field");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("format characters")
        );
    }
}

#[tokio::test]
async fn an_endpoint_url_with_credentials_is_refused_without_echoing_them() {
    let (p, _) = platform(one_order(86_400_000));
    let body = r#"{"url": "http://user:s3cr3t@127.0.0.1:1/x"}"#;
    let (status, _, answer) =
        super::call(&p, "POST", "/v1/webhook_endpoints", Some(body), None).await;
    assert_eq!(status, http::StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("user name or password") && !message.contains("s3cr3t"),
        "{message}"
    );
}

/// A fragment is refused in the error shape, as `hooklab check` refuses
/// it: the URL was stored with it while no delivery could send it. And a
/// host in capitals is loopback like its lower case.
#[tokio::test]
async fn an_endpoint_url_with_a_fragment_is_refused() {
    let (p, _) = platform(one_order(86_400_000));
    let body = r#"{"url": "http://127.0.0.1:1/webhooks#top"}"#;
    let (status, _, answer) =
        super::call(&p, "POST", "/v1/webhook_endpoints", Some(body), None).await;
    assert_eq!(status, http::StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_field", "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("fragment"), "{message}");
    let body = r#"{"url": "http://LOCALHOST:1/webhooks"}"#;
    let (status, _, answer) =
        super::call(&p, "POST", "/v1/webhook_endpoints", Some(body), None).await;
    assert_eq!(status, http::StatusCode::CREATED, "{answer}");
}

/// Served on a socket, the platform knows its address and refuses an
/// endpoint that would POST every delivery to its own API.
#[tokio::test]
async fn an_endpoint_at_the_platforms_own_api_is_refused() {
    let (p, _) = platform(one_order(86_400_000));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (_trigger, shutdown) = shutdown::channel();
    tokio::spawn({
        let p = p.clone();
        async move { p.serve(listener, shutdown).await }
    });
    let register = |url: String| {
        let body = serde_json::json!({ "url": url }).to_string();
        format!(
            "POST /v1/webhook_endpoints HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let answer = raw_exchange(addr, &register(format!("http://{addr}/v1/payments"))).await;
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    assert!(answer.contains("own API"), "{answer}");
    let localhost = format!("http://localhost:{}/v1/events", addr.port());
    let answer = raw_exchange(addr, &register(localhost)).await;
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    // In capitals too: it is the same host.
    let shouted = format!("http://LOCALHOST:{}/v1/events", addr.port());
    let answer = raw_exchange(addr, &register(shouted)).await;
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    // Another path on the same port is the platform too (see
    // `endpoint_urls`): refused.
    let answer = raw_exchange(addr, &register(format!("http://{addr}/webhooks/payments"))).await;
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
}
