//! `hooklab github listen --secret S` passes every case GitHub's scheme has.

use super::{assert_passes_everything, config};
use hooklab_check::{Case, Secret};
use hooklab_github::printer::{OutputFormat, Sink};
use hooklab_github::receiver::{self, ReceiverConfig, Verification, WebhookSecret};
use tokio::sync::{mpsc, oneshot};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_github_listener_passes_every_case() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (lines, mut printed) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(receiver::serve(
        listener,
        ReceiverConfig {
            path: "/webhook".into(),
            verification: Verification::Secret(WebhookSecret::new("s3cret")),
            format: OutputFormat::JsonLines,
            sink: Sink::Lines(lines),
        },
        async {
            let _ = stopped.await;
        },
    ));
    let secret = Secret::parse(hooklab_check::Scheme::Github, "s3cret").unwrap();
    let card = hooklab_check::run(config(format!("http://{addr}/webhook"), secret))
        .await
        .unwrap();
    assert_passes_everything(
        &card,
        &[
            Case::StaleTimestamp,
            Case::FutureTimestamp,
            Case::KeyRotation,
        ],
    );
    stop.send(()).unwrap();
    served.await.unwrap().unwrap();
    // Printed: the genuine pushes and the unknown event, each once, and a
    // redelivery notice for the duplicate; never a forgery.
    let mut events = Vec::new();
    while let Ok(line) = printed.try_recv() {
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        events.push(value["event"].as_str().unwrap_or("").to_owned());
    }
    let pushes = events.iter().filter(|e| *e == "push").count();
    // genuine, raw bytes, answers fast, the duplicate's first delivery
    // (and its redelivery notice, if the printer shows it as a push line).
    assert!((4..=5).contains(&pushes), "{events:?}");
    assert!(events.iter().any(|e| e == "sponsorship"), "{events:?}");
}
