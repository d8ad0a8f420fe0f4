//! `hooklab github listen --secret S` passes every case GitHub's scheme has.

use super::{assert_passes_everything, config, shown};
use hooklab_check::{Case, Secret};
use hooklab_github::printer::{OutputFormat, Sink};
use hooklab_github::receiver::{self, ReceiverConfig, Verification, WebhookSecret};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The secret every receiver here verifies with, for GitHub's scheme.
fn github_secret() -> Secret {
    Secret::parse(hooklab_check::Scheme::Github, "s3cret").unwrap()
}

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
    let card = hooklab_check::run(config(format!("http://{addr}/webhook"), github_secret()))
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
    // genuine, the reliability case's 20, raw bytes, answers fast, the
    // duplicate's first delivery (and its redelivery notice, if the printer
    // shows it as a push line).
    let expected = 4 + hooklab_check::battery::RELIABILITY_DELIVERIES;
    assert!((expected..=expected + 1).contains(&pushes), "{events:?}");
    assert!(events.iter().any(|e| e == "sponsorship"), "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_github_receiver_that_checks_nothing_passes_no_signature_case() {
    // The seed's GitHub receiver, as a student types it.
    let (addr, _) = super::trusting(Duration::ZERO).await;
    let card = hooklab_check::run(super::config_at(addr, github_secret()))
        .await
        .unwrap();
    let shown = shown(&card);
    assert_eq!(
        card.failed(),
        vec![
            Case::ForgedSignature,
            Case::WrongSecret,
            Case::TamperedBody,
            Case::NoSignature,
            Case::UnknownVersion,
            Case::EmptySignature,
        ],
        "{shown}"
    );
    let raw = card.result(Case::RawBytes).unwrap();
    assert_eq!(
        (raw.verdict, raw.note.clone()),
        (
            hooklab_check::Verdict::Skip,
            Some(hooklab_check::Note::SignaturesNotChecked(
                Case::ForgedSignature
            ))
        ),
        "{shown}"
    );
    // The scheme's own reason comes first: GitHub has no rotation at all.
    assert_eq!(
        card.result(Case::KeyRotation).unwrap().note,
        Some(hooklab_check::Note::GithubHasNoRotation)
    );
    assert_eq!(card.exit_code(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timing_case_sends_no_forgery_to_a_receiver_that_accepted_one() {
    // The pt-BR tester's finding: against the seed's GitHub receiver the
    // timing case sent its 410 forgeries (the receiver printed 442 events),
    // then said it was skipped because forgeries were accepted.
    let (addr, seen) = super::trusting(Duration::ZERO).await;
    let card = hooklab_check::run(super::config_at(addr, github_secret()))
        .await
        .unwrap();
    let shown = super::table(&card, hooklab_core::lang::Lang::PtBr);
    let timing = card.result(Case::Timing).unwrap();
    assert_eq!(
        (timing.verdict, timing.note.clone()),
        (
            hooklab_check::Verdict::Skip,
            Some(hooklab_check::Note::TimingAccepted)
        ),
        "{shown}"
    );
    assert!(
        shown.contains("assinaturas forjadas foram aceitas, então não há o que cronometrar"),
        "{shown}"
    );
    // Every request the receiver got is an answer on the scorecard: the
    // timing case sent nothing.
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        super::answered(&card),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timing_case_stops_at_the_first_forgery_accepted() {
    // A receiver that compares only the first half of the hex digest
    // refuses every forgery of the other cases, which change the whole MAC
    // or its first byte, and takes one wrong in the last byte: the timing
    // case cannot know before it sends, and must stop at that one.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = Arc::new(AtomicUsize::new(0));
    let counted = seen.clone();
    let handler = move |headers: axum::http::HeaderMap, body: axum::body::Body| {
        let counted = counted.clone();
        async move {
            use axum::http::StatusCode;
            counted.fetch_add(1, Ordering::SeqCst);
            let Ok(body) = axum::body::to_bytes(body, super::receivers::MAX_BODY_BYTES).await
            else {
                return StatusCode::PAYLOAD_TOO_LARGE;
            };
            let expected = hooklab_github::signature::sign(b"s3cret", &body);
            let given = headers
                .get("x-hub-signature-256")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            // "sha256=" and 32 of the 64 hex digits.
            let half = "sha256=".len() + 32;
            if given.len() != expected.len() || given[..half] != expected[..half] {
                return StatusCode::UNAUTHORIZED;
            }
            match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(_) => StatusCode::OK,
                Err(_) => StatusCode::BAD_REQUEST,
            }
        }
    };
    let router = axum::Router::new().route("/webhook", axum::routing::post(handler));
    let addr = super::serve(router).await;
    let card = hooklab_check::run(super::config_at(addr, github_secret()))
        .await
        .unwrap();
    let shown = shown(&card);
    for case in [Case::ForgedSignature, Case::WrongSecret, Case::TamperedBody] {
        assert_eq!(
            card.verdict(case),
            Some(hooklab_check::Verdict::Pass),
            "{case:?}\n{shown}"
        );
    }
    assert_eq!(
        card.result(Case::Timing).unwrap().note,
        Some(hooklab_check::Note::TimingAccepted),
        "{shown}"
    );
    // The timing case keeps no replies: what the receiver got beyond the
    // scorecard's answers is what it sent, its 10 warm-up forgeries (wrong
    // in the first byte, refused) and the first pair, whose second was
    // taken. Before, it sent all of its 130.
    let timing_sent = seen.load(Ordering::SeqCst) - super::answered(&card);
    assert_eq!(timing_sent, 12, "{shown}");
}
