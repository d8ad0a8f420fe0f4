//! The receiver's answers, through `tower::ServiceExt::oneshot`: every
//! refusal and every event type, with no socket and no printer (the tests
//! read the printer's queue directly).

use super::{SECRET, sample};
use axum::Router;
use axum::body::Body;
use hooklab_github::event::Event;
use hooklab_github::printer::Notice;
use hooklab_github::receiver::{self, MAX_BODY_BYTES, ReceiverState, Verification, WebhookSecret};
use hooklab_github::signature;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tower::ServiceExt;

/// A receiver that checks signatures with [`SECRET`], and the queue its
/// notices go to (read directly instead of through a printer).
fn app() -> (Router, mpsc::Receiver<Notice>) {
    app_with(Verification::Secret(WebhookSecret::new(SECRET)))
}

fn app_with(verification: Verification) -> (Router, mpsc::Receiver<Notice>) {
    let (tx, rx) = mpsc::channel(16);
    let state = ReceiverState::new("/webhook", verification, tx);
    (receiver::router(state), rx)
}

/// A request as GitHub would send it, signed with `secret` (if any).
fn github_request(event: &str, delivery: &str, body: &[u8], secret: Option<&str>) -> Request<Body> {
    let mut builder = Request::post("/webhook")
        .header("content-type", "application/json")
        .header("user-agent", "GitHub-Hookshot/5c1e6a7")
        .header("x-github-event", event)
        .header("x-github-delivery", delivery)
        .header("x-github-hook-id", "1");
    if let Some(secret) = secret {
        builder = builder.header(
            "x-hub-signature-256",
            signature::sign(secret.as_bytes(), body),
        );
    }
    builder.body(Body::from(body.to_vec())).unwrap()
}

async fn call(app: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
    (status, body)
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error.code>")
}

#[tokio::test]
async fn wrong_secret_is_refused_and_printed_as_one_refusal() {
    let (app, mut notices) = app();
    let body = sample("push");
    let (status, answer) = call(&app, github_request("push", "d1", &body, Some("wrong"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&answer), "signature_mismatch");
    assert!(answer["error"]["message"].is_string());
    assert!(matches!(
        notices.try_recv(),
        Ok(Notice::Refused {
            status: 401,
            code: "signature_mismatch",
            ..
        })
    ));
    // One line per refusal, and nothing printed as an event.
    assert!(notices.try_recv().is_err());
}

#[tokio::test]
async fn missing_signature_header_is_refused() {
    let (app, mut notices) = app();
    let (status, answer) = call(&app, github_request("push", "d1", &sample("push"), None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&answer), "missing_signature");
    assert!(matches!(
        notices.try_recv(),
        Ok(Notice::Refused {
            status: 401,
            code: "missing_signature",
            ..
        })
    ));
    // One line per refusal, and nothing printed as an event.
    assert!(notices.try_recv().is_err());
}

#[tokio::test]
async fn malformed_signature_header_is_refused() {
    let (app, _notices) = app();
    let mut request = github_request("push", "d1", &sample("push"), None);
    request
        .headers_mut()
        .insert("x-hub-signature-256", "sha1=abc".parse().unwrap());
    let (status, answer) = call(&app, request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&answer), "malformed_signature");
}

#[tokio::test]
async fn tampered_body_is_refused() {
    let (app, mut notices) = app();
    let body = sample("push");
    let signature = signature::sign(SECRET.as_bytes(), &body);
    // Someone in the middle changes the author after GitHub signed the body.
    let tampered = String::from_utf8(body)
        .unwrap()
        .replace("DevSamuelAguiar\"", "Mallory\"");
    let mut request = github_request("push", "d1", tampered.as_bytes(), None);
    request
        .headers_mut()
        .insert("x-hub-signature-256", signature.parse().unwrap());
    let (status, answer) = call(&app, request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&answer), "signature_mismatch");
    assert!(matches!(
        notices.try_recv(),
        Ok(Notice::Refused {
            status: 401,
            code: "signature_mismatch",
            ..
        })
    ));
    // One line per refusal, and nothing printed as an event.
    assert!(notices.try_recv().is_err());
}

#[tokio::test]
async fn redelivery_is_acknowledged_but_not_printed_as_new() {
    let (app, mut notices) = app();
    let body = sample("push");
    let first = call(&app, github_request("push", "same-id", &body, Some(SECRET))).await;
    assert_eq!(
        first,
        (StatusCode::OK, json!({"status": "ok", "event": "push"}))
    );
    let again = call(&app, github_request("push", "same-id", &body, Some(SECRET))).await;
    assert_eq!(
        again,
        (
            StatusCode::OK,
            json!({"status": "ok", "event": "push", "redelivery": true})
        )
    );
    assert!(matches!(notices.try_recv(), Ok(Notice::Event { .. })));
    assert_eq!(
        notices.try_recv().unwrap(),
        Notice::Redelivery {
            delivery: "same-id".into(),
            event_type: "push".into()
        }
    );
    // A different delivery id is a new event, even with the same body.
    let other = call(
        &app,
        github_request("push", "other-id", &body, Some(SECRET)),
    )
    .await;
    assert_eq!(other.0, StatusCode::OK);
    assert!(matches!(notices.try_recv(), Ok(Notice::Event { .. })));
}

#[tokio::test]
async fn malformed_json_is_a_400_json_error() {
    let (app, mut notices) = app();
    let body = b"{\"ref\": \"refs/heads/main\", oops";
    let (status, answer) = call(&app, github_request("push", "d1", body, Some(SECRET))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&answer), "malformed_json");
    assert!(matches!(
        notices.try_recv(),
        Ok(Notice::Refused {
            status: 400,
            code: "malformed_json",
            ..
        })
    ));
    // One line per refusal, and nothing printed as an event.
    assert!(notices.try_recv().is_err());
}

#[tokio::test]
async fn payload_missing_a_field_is_a_400_naming_it() {
    let (app, _notices) = app();
    let body =
        json!({"ref": "refs/heads/main", "after": "abc", "repository": {"full_name": "a/b"}})
            .to_string();
    let (status, answer) = call(
        &app,
        github_request("push", "d1", body.as_bytes(), Some(SECRET)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&answer), "missing_field");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("pusher.name")
    );
}

#[tokio::test]
async fn oversized_body_is_a_413_json_error() {
    let (app, mut notices) = app();
    let body = vec![b' '; MAX_BODY_BYTES + 1];
    let (status, answer) = call(&app, github_request("push", "d1", &body, Some(SECRET))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&answer), "body_too_large");
    assert!(matches!(
        notices.try_recv(),
        Ok(Notice::Refused {
            status: 413,
            code: "body_too_large",
            ..
        })
    ));
    // One line per refusal, and nothing printed as an event.
    assert!(notices.try_recv().is_err());
}

#[tokio::test]
async fn body_at_the_cap_is_accepted() {
    let (app, _notices) = app();
    // A real push padded with whitespace to exactly 25 MB: still valid JSON.
    let mut body = sample("push");
    body.resize(MAX_BODY_BYTES, b' ');
    let (status, _) = call(&app, github_request("push", "d1", &body, Some(SECRET))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn each_event_type_is_acknowledged_and_parsed() {
    let (app, mut notices) = app();
    for (i, event) in ["push", "pull_request", "issues", "ping"]
        .iter()
        .enumerate()
    {
        let request = github_request(event, &format!("d{i}"), &sample(event), Some(SECRET));
        let answer = call(&app, request).await;
        assert_eq!(
            answer,
            (StatusCode::OK, json!({"status": "ok", "event": event}))
        );
    }
    let events: Vec<Event> = std::iter::from_fn(|| notices.try_recv().ok())
        .map(|notice| match notice {
            Notice::Event { event, .. } => event,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    let repo = "DevSamuelAguiar/teste2-webhook".to_owned();
    assert_eq!(
        events,
        [
            Event::Push {
                repository: repo.clone(),
                commit_id: "d612b155f24f9cfb023e5bd704016cf4a0288cf5".into(),
                branch: "desenvolvimento".into(),
                author: "DevSamuelAguiar".into(),
            },
            Event::PullRequest {
                repository: repo.clone(),
                action: "opened".into(),
                title: "Add a webhook receiver".into(),
            },
            Event::Issues {
                repository: repo.clone(),
                action: "opened".into(),
                title: "The webhook receiver prints nothing".into(),
            },
            Event::Ping {
                repository: Some(repo),
                zen: "Keep it logically awesome.".into(),
                hook_id: 1,
            },
        ]
    );
}

#[tokio::test]
async fn unknown_event_type_keeps_the_whole_payload() {
    let (app, mut notices) = app();
    let body = json!({"action": "created", "starred_at": "2026-11-27T12:00:00Z",
        "repository": {"full_name": "a/b"}});
    let request = github_request("star", "d1", body.to_string().as_bytes(), Some(SECRET));
    let answer = call(&app, request).await;
    assert_eq!(
        answer,
        (StatusCode::OK, json!({"status": "ok", "event": "star"}))
    );
    let Ok(Notice::Event { event, delivery }) = notices.try_recv() else {
        panic!("expected an event")
    };
    assert_eq!(delivery.as_deref(), Some("d1"));
    assert_eq!(
        event,
        Event::Other {
            event_type: "star".into(),
            repository: Some("a/b".into()),
            payload: body
        }
    );
}

#[tokio::test]
async fn missing_event_header_is_a_400() {
    let (app, _notices) = app();
    let mut request = github_request("push", "d1", &sample("push"), Some(SECRET));
    request.headers_mut().remove("x-github-event");
    let (status, answer) = call(&app, request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&answer), "missing_event_type");
}

#[tokio::test]
async fn form_encoded_webhook_is_told_to_use_json() {
    let (app, _notices) = app();
    let body = b"payload=%7B%22zen%22%3A%22x%22%7D";
    let mut request = github_request("ping", "d1", body, Some(SECRET));
    request.headers_mut().insert(
        "content-type",
        "application/x-www-form-urlencoded".parse().unwrap(),
    );
    let (status, answer) = call(&app, request).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_code(&answer), "form_encoded");
}

#[tokio::test]
async fn insecure_mode_accepts_unsigned_requests_like_the_seed() {
    let (app, mut notices) = app_with(Verification::Insecure);
    let answer = call(&app, github_request("push", "d1", &sample("push"), None)).await;
    assert_eq!(
        answer,
        (StatusCode::OK, json!({"status": "ok", "event": "push"}))
    );
    assert!(notices.try_recv().is_ok());
}

#[tokio::test]
async fn other_paths_get_a_json_404_saying_where_to_post() {
    let (app, _notices) = app();
    let request = Request::post("/hook").body(Body::empty()).unwrap();
    let (status, answer) = call(&app, request).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/webhook")
    );
}

#[tokio::test]
async fn full_printer_queue_is_a_503_and_the_delivery_can_be_retried() {
    // A queue of one that nobody reads: the second event cannot be taken.
    let (tx, mut rx) = mpsc::channel(1);
    let state = ReceiverState::new(
        "/webhook",
        Verification::Secret(WebhookSecret::new(SECRET)),
        tx,
    );
    let app = receiver::router(state);
    let body = sample("ping");
    let first = call(&app, github_request("ping", "a", &body, Some(SECRET))).await;
    assert_eq!(first.0, StatusCode::OK);
    let (status, answer) = call(&app, github_request("ping", "b", &body, Some(SECRET))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_code(&answer), "busy");
    // Once the printer catches up, GitHub's redelivery of "b" is new, not a duplicate.
    rx.recv().await.unwrap();
    let retry = call(&app, github_request("ping", "b", &body, Some(SECRET))).await;
    assert_eq!(
        retry,
        (StatusCode::OK, json!({"status": "ok", "event": "ping"}))
    );
}

#[tokio::test]
async fn acknowledgement_is_the_seeds_answer_byte_for_byte() {
    let (app, _notices) = app();
    let request = github_request("push", "d1", &sample("push"), Some(SECRET));
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&bytes[..], br#"{"status":"ok","event":"push"}"#);
}

#[tokio::test]
async fn a_signature_header_sent_twice_is_a_400_before_the_payload_is_read() {
    // A tester's finding: the genuine signature, then `sha256=00`, went on
    // to the payload check. Here the body is not even JSON: the refusal
    // must come from the headers.
    let (app, mut notices) = app();
    let body = b"not json";
    let mut request = github_request("push", "d-twice", body, Some(SECRET));
    request.headers_mut().append(
        "x-hub-signature-256",
        http::HeaderValue::from_static("sha256=00"),
    );
    let (status, answer) = call(&app, request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&answer), "duplicate_signature");
    assert!(
        answer["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("more than once")),
        "{answer}"
    );
    assert!(matches!(
        notices.try_recv(),
        Ok(Notice::Refused {
            status: 400,
            code: "duplicate_signature",
            ..
        })
    ));
    // One genuine header still passes.
    let body = sample("push");
    let (status, _) = call(&app, github_request("push", "d-once", &body, Some(SECRET))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_event_name_that_is_no_event_name_is_refused_with_a_bounded_answer() {
    // A tester's finding: a 3,000-character X-GitHub-Event came back whole
    // in the answer and in the printed lines.
    let (app, mut notices) = app();
    let long = "a".repeat(3_000);
    for bad in [
        long.as_str(),
        "Push",
        "push event",
        "push;rm",
        &"x".repeat(65),
    ] {
        let body = sample("push");
        let request = github_request(bad, "d1", &body, Some(SECRET));
        let (status, answer) = call(&app, request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:.80}");
        assert_eq!(error_code(&answer), "malformed_event_type", "{answer}");
        let shown = answer.to_string();
        assert!(shown.len() < 400, "{shown}");
        assert!(matches!(
            notices.try_recv(),
            Ok(Notice::Refused {
                status: 400,
                code: "malformed_event_type",
                ..
            })
        ));
        assert!(notices.try_recv().is_err());
    }
    // The longest accepted name is 64 characters of a-z, 0-9, _ . -.
    let longest = format!("{}_.-9", "z".repeat(60));
    let body = sample(&longest);
    let (status, answer) = call(&app, github_request(&longest, "d2", &body, Some(SECRET))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["event"], longest.as_str());
}

#[tokio::test]
async fn a_huge_delivery_id_is_printed_as_a_bounded_excerpt() {
    use hooklab_core::lang::Lang;
    use hooklab_github::printer::{OutputFormat, render};
    let (app, mut notices) = app();
    let id = "d".repeat(3_000);
    let body = sample("push");
    for _ in 0..2 {
        let (status, _) = call(&app, github_request("push", &id, &body, Some(SECRET))).await;
        assert_eq!(status, StatusCode::OK);
    }
    let forged = github_request("push", &id, &body, Some("wrong"));
    let (status, _) = call(&app, forged).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let mut seen = 0;
    while let Ok(notice) = notices.try_recv() {
        seen += 1;
        for format in [
            OutputFormat::Text(Lang::En),
            OutputFormat::Text(Lang::PtBr),
            OutputFormat::JsonLines,
        ] {
            for line in render(&notice, format) {
                assert!(!line.contains(&"d".repeat(65)), "{line:.200}");
            }
        }
    }
    assert_eq!(seen, 3, "the event, the redelivery, the refusal");
}
