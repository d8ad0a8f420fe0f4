//! End to end on `127.0.0.1:0`: the real server, the real sender, and the
//! printed lines captured through a channel (never a fixed port, never a sleep).

use super::{SECRET, sample, seed_options};
use bytes::Bytes;
use hooklab_core::lang::Lang;
use hooklab_github::command::{self, CommandError, SendConfig};
use hooklab_github::payload::{self, SampleOptions};
use hooklab_github::printer::{OutputFormat, Sink};
use hooklab_github::receiver::{self, ReceiverConfig, Verification, WebhookSecret};
use hooklab_github::sender::{Delivery, DeliveryId, Hookshot};
use http::{StatusCode, Uri};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// A receiver on `127.0.0.1:0` whose printed lines come back on a channel.
struct Running {
    url: Uri,
    lines: mpsc::UnboundedReceiver<String>,
    stop: oneshot::Sender<()>,
    served: tokio::task::JoinHandle<Result<receiver::Received, receiver::ServeError>>,
}

async fn start(format: OutputFormat) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (line_tx, lines) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let config = ReceiverConfig {
        path: "/webhook".into(),
        verification: Verification::Secret(WebhookSecret::new(SECRET)),
        format,
        sink: Sink::Lines(line_tx),
    };
    let served = tokio::spawn(receiver::serve(listener, config, async {
        let _ = stopped.await;
    }));
    Running {
        url: format!("http://{addr}/webhook").parse().unwrap(),
        lines,
        stop,
        served,
    }
}

async fn next_line(lines: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(10), lines.recv())
        .await
        .expect("no line printed within 10 s")
        .expect("printer stopped")
}

fn seed_delivery() -> Delivery {
    Delivery {
        event: "push".into(),
        id: DeliveryId::derive(b"seed push"),
        hook_id: 1,
        body: Bytes::from(sample("push")),
    }
}

#[tokio::test]
async fn end_to_end_the_seeds_push_prints_the_seeds_lines() {
    let mut receiver = start(OutputFormat::Text(Lang::PtBr)).await;
    let hookshot = Hookshot::new();
    let secret = WebhookSecret::new(SECRET);
    let delivery = seed_delivery();

    let answer = hookshot
        .send(&receiver.url, &delivery, Some(&secret))
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<Value>(&answer.body).unwrap(),
        json!({"status": "ok", "event": "push"})
    );
    let mut printed = Vec::new();
    for _ in 0..6 {
        printed.push(next_line(&mut receiver.lines).await);
    }
    // The seed presentation's expected output, line for line.
    assert_eq!(
        printed,
        [
            "--- EVENTO DO GITHUB ---",
            "Tipo de evento: push",
            "Repositório: DevSamuelAguiar/teste2-webhook",
            "Commit ID: d612b155f24f9cfb023e5bd704016cf4a0288cf5",
            "Branch: desenvolvimento",
            "Autor: DevSamuelAguiar",
        ]
    );

    // Redelivered: acknowledged, reported on one line, not printed again.
    let again = hookshot
        .send(&receiver.url, &delivery, Some(&secret))
        .await
        .unwrap();
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        next_line(&mut receiver.lines).await,
        format!("Reentrega, já exibida, ignorada: {} (push)", delivery.id)
    );

    // A forged delivery is refused, and the class sees it refused.
    let forged = Delivery {
        id: DeliveryId::derive(b"forged"),
        ..seed_delivery()
    };
    let refused = hookshot
        .send(&receiver.url, &forged, Some(&WebhookSecret::new("guess")))
        .await
        .unwrap();
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let line = next_line(&mut receiver.lines).await;
    assert!(
        line.starts_with("--- ENTREGA RECUSADA 401: assinatura não confere"),
        "{line}"
    );

    receiver.stop.send(()).unwrap();
    // What `hooklab github listen` says at its Ctrl-C: one of each.
    let received = receiver.served.await.unwrap().unwrap();
    assert_eq!(
        received,
        receiver::Received {
            events: 1,
            redeliveries: 1,
            refused: 1,
            cut: 0,
            output_closed: false,
        }
    );
    // The printer has stopped with nothing more to say.
    assert_eq!(receiver.lines.recv().await, None);
}

/// Its output closed (the line receiver dropped, as `| head -1` closes
/// stdout): the delivery queued before is acknowledged, printing it fails,
/// and the receiver stops by itself instead of answering 503 until it is
/// told to stop.
#[tokio::test]
async fn a_receiver_whose_output_is_closed_stops_by_itself() {
    let mut receiver = start(OutputFormat::JsonLines).await;
    let hookshot = Hookshot::new();
    let secret = WebhookSecret::new(SECRET);
    let first = seed_delivery();
    let answer = hookshot
        .send(&receiver.url, &first, Some(&secret))
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::OK);
    next_line(&mut receiver.lines).await;
    drop(receiver.lines);
    let second = Delivery {
        id: DeliveryId::derive(b"second"),
        ..seed_delivery()
    };
    let answer = hookshot
        .send(&receiver.url, &second, Some(&secret))
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::OK);
    // No stop was sent: a hang guard, not a speed check.
    let received = tokio::time::timeout(Duration::from_secs(30), receiver.served)
        .await
        .expect("still serving 30 s after its output was closed")
        .unwrap()
        .unwrap();
    assert_eq!(
        received,
        receiver::Received {
            events: 2,
            redeliveries: 0,
            refused: 0,
            cut: 0,
            output_closed: true,
        }
    );
    // Nothing listens there any more: refused at the door, never a 503.
    let third = Delivery {
        id: DeliveryId::derive(b"third"),
        ..seed_delivery()
    };
    let after = hookshot.send(&receiver.url, &third, Some(&secret)).await;
    assert!(after.is_err(), "{after:?}");
    drop(receiver.stop);
}

#[tokio::test]
async fn end_to_end_json_lines() {
    let mut receiver = start(OutputFormat::JsonLines).await;
    let delivery = Delivery {
        event: "ping".into(),
        id: DeliveryId::new("72d3162e-cc78-11e3-81ab-4c9367dc0958"),
        hook_id: 42,
        body: Bytes::from(
            payload::sample(
                "ping",
                &SampleOptions {
                    hook_id: 42,
                    ..seed_options()
                },
            )
            .to_string(),
        ),
    };
    let answer = Hookshot::new()
        .send(&receiver.url, &delivery, Some(&WebhookSecret::new(SECRET)))
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::OK);
    let line: Value = serde_json::from_str(&next_line(&mut receiver.lines).await).unwrap();
    assert_eq!(
        line,
        json!({
            "delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            "redelivery": false,
            "event": "ping",
            "data": {
                "repository": "DevSamuelAguiar/teste2-webhook",
                "zen": "Keep it logically awesome.",
                "hook_id": 42
            }
        })
    );
    receiver.stop.send(()).unwrap();
    receiver.served.await.unwrap().unwrap();
}

/// What `hooklab github send push --to URL` would run: the flags' defaults.
fn send_config(to: &str) -> SendConfig {
    SendConfig {
        event: "push".into(),
        to: to.parse().unwrap(),
        secret: None,
        repo: payload::DEFAULT_REPO.into(),
        branch: "main".into(),
        commit: None,
        author: None,
        action: None,
        title: None,
        delivery: None,
        hook_id: 1,
        payload: None,
    }
}

#[tokio::test]
async fn cli_send_reproduces_the_seeds_push() {
    let mut receiver = start(OutputFormat::Text(Lang::PtBr)).await;
    let to = receiver.url.to_string();
    let config = SendConfig {
        secret: Some(SECRET.into()),
        repo: "DevSamuelAguiar/teste2-webhook".into(),
        branch: "desenvolvimento".into(),
        commit: Some("d612b155f24f9cfb023e5bd704016cf4a0288cf5".into()),
        author: Some("DevSamuelAguiar".into()),
        ..send_config(&to)
    };
    command::send(config).await.unwrap();
    let mut printed = Vec::new();
    for _ in 0..6 {
        printed.push(next_line(&mut receiver.lines).await);
    }
    assert_eq!(printed[0], "--- EVENTO DO GITHUB ---");
    assert_eq!(
        printed[3],
        "Commit ID: d612b155f24f9cfb023e5bd704016cf4a0288cf5"
    );
    assert_eq!(printed[4], "Branch: desenvolvimento");
    receiver.stop.send(()).unwrap();
    receiver.served.await.unwrap().unwrap();
}

#[tokio::test]
async fn cli_send_of_a_broken_payload_file_is_refused_with_400() {
    let receiver = start(OutputFormat::JsonLines).await;
    let file = std::env::temp_dir().join(format!("hooklab-github-{}.json", std::process::id()));
    std::fs::write(&file, b"{\"ref\": oops").unwrap();
    let to = receiver.url.to_string();
    let config = SendConfig {
        secret: Some(SECRET.into()),
        payload: Some(file.clone()),
        ..send_config(&to)
    };
    let error = command::send(config).await.unwrap_err();
    std::fs::remove_file(&file).unwrap();
    assert!(
        matches!(error, CommandError::Rejected(StatusCode::BAD_REQUEST)),
        "{error:?}"
    );
    assert!(!error.is_usage());
    receiver.stop.send(()).unwrap();
    receiver.served.await.unwrap().unwrap();
}

#[tokio::test]
async fn cli_send_of_a_missing_payload_file_is_a_usage_error() {
    let config = SendConfig {
        payload: Some("/nonexistent/hooklab/payload.json".into()),
        ..send_config("http://127.0.0.1:9/webhook")
    };
    let error = command::send(config).await.unwrap_err();
    assert!(error.is_usage(), "{error}");
}
