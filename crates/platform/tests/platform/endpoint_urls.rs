//! A tester's findings on `POST /v1/webhook_endpoints`, pinned: loopback
//! written as numbers (`127.1`) is loopback, as `hooklab check` takes it;
//! `localhost.` is refused for its dot, as check refuses it; no path on the
//! platform's own address and port is a receiver; a URL over 2,048 bytes is
//! refused for its length.
//!
//! The ports in these URLs (8080) are labels, never bound or dialled: the
//! test platform's HTTP client (`platform()`) records the requests it is
//! given instead of sending them.

use super::{KEY, ORDER, call, one_order, platform, raw_exchange, start};
use hooklab_core::shutdown;
use http::StatusCode;
use std::time::Duration;

async fn register(p: &hooklab_platform::Platform, url: &str) -> (StatusCode, serde_json::Value) {
    let body = serde_json::json!({ "url": url }).to_string();
    let (status, _, answer) = call(p, "POST", "/v1/webhook_endpoints", Some(&body), None).await;
    (status, answer)
}

#[tokio::test(start_paused = true)]
async fn loopback_written_as_numbers_is_loopback_and_stored_as_the_dotted_quad() {
    let (p, http) = platform(one_order(10));
    let _workers = start(&p);
    for (url, stored) in [
        ("http://127.1:8080/x", "http://127.0.0.1:8080/x"),
        ("http://0x7f000001:8080/x", "http://127.0.0.1:8080/x"),
        ("http://2130706433:8080/x", "http://127.0.0.1:8080/x"),
        (
            "http://0177.0.0.2:8080/hooks?v=1",
            "http://127.0.0.2:8080/hooks?v=1",
        ),
        ("http://127.1:8080", "http://127.0.0.1:8080/"),
    ] {
        let (status, answer) = register(&p, url).await;
        assert_eq!(status, StatusCode::CREATED, "{url}: {answer}");
        assert_eq!(answer["url"], stored, "{url}");
    }
    // Still off this machine, however written; and host names stay refused.
    for far in [
        "http://10.1:8080/x",
        "http://0x0a000001:8080/x",
        "http://128.1/x",
    ] {
        let (status, answer) = register(&p, far).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{far}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains("not on loopback"), "{far}: {message}");
    }
    // The delivery goes to the dotted quad.
    call(&p, "POST", "/v1/payments", Some(ORDER), None).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let hosts: Vec<String> = http
        .take()
        .iter()
        .map(|(_, req)| req.uri().host().unwrap().to_owned())
        .collect();
    assert!(!hosts.is_empty());
    assert!(
        hosts.iter().all(|h| h == "127.0.0.1" || h == "127.0.0.2"),
        "{hosts:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rooted_localhost_is_refused_for_its_dot_as_check_refuses_it() {
    let (p, _) = platform(one_order(10));
    for url in ["http://localhost.:8080/x", "http://LOCALHOST.:8080/x"] {
        let (status, answer) = register(&p, url).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains("without its trailing dot"), "{message}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_url_over_2048_bytes_is_refused_for_its_length() {
    let (p, _) = platform(one_order(10));
    let path = "a".repeat(1_500_000);
    let (status, answer) = register(&p, &format!("http://127.0.0.1:8080/{path}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_field");
    let message = answer["error"]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "`url`: is 1500022 bytes long; a webhook URL may be at most 2048 bytes"
    );
    // At the limit it is taken.
    let url = format!("http://127.0.0.1:8080/{}", "a".repeat(2_048 - 22));
    assert_eq!(url.len(), hooklab_platform::api::MAX_URL_BYTES);
    let (status, answer) = register(&p, &url).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, answer) = register(&p, &format!("{url}a")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
}

/// On a socket: every URL on the platform's own address and port is
/// refused, its root too (it used to take any path but `/v1/…`), however
/// the host is written; another port is a receiver.
#[tokio::test]
async fn no_path_on_the_platforms_own_address_and_port_is_an_endpoint() {
    let (p, _) = platform(one_order(86_400_000));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (_trigger, shutdown) = shutdown::channel();
    tokio::spawn({
        let p = p.clone();
        async move { p.serve(listener, shutdown).await }
    });
    let register = |url: String, lang: &str| {
        let body = serde_json::json!({ "url": url }).to_string();
        format!(
            "POST /v1/webhook_endpoints HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\n\
             Content-Type: application/json\r\nAccept-Language: {lang}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let port = addr.port();
    for url in [
        format!("http://{addr}/"),
        format!("http://{addr}"),
        format!("http://{addr}/webhooks/payments"),
        format!("http://127.1:{port}/"),
        format!("http://0x7f000001:{port}/hooks"),
        format!("http://localhost:{port}/anything"),
    ] {
        let answer = raw_exchange(addr, &register(url.clone(), "en")).await;
        assert!(answer.starts_with("HTTP/1.1 422"), "{url}: {answer}");
        assert!(answer.contains("own address and port"), "{url}: {answer}");
        let answer = raw_exchange(addr, &register(url.clone(), "pt-BR")).await;
        assert!(answer.starts_with("HTTP/1.1 422"), "{url}: {answer}");
        assert!(
            answer.contains("desta própria plataforma"),
            "{url}: {answer}"
        );
    }
    // Another port on the same address is a receiver.
    let other = if port == 65_535 { port - 1 } else { port + 1 };
    let answer = raw_exchange(addr, &register(format!("http://127.0.0.1:{other}/x"), "en")).await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
}
