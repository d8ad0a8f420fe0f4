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
    let said = hooklab_check::text::note(
        timing.note.as_ref().unwrap(),
        hooklab_core::lang::Lang::PtBr,
    );
    assert!(
        said.contains("assinaturas forjadas foram aceitas (veja o caso que falhou acima)"),
        "{said}"
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
async fn a_receiver_comparing_half_the_digest_fails_the_forged_signature_and_the_timing_case() {
    // A receiver that compares only the first half of the hex digest
    // refuses a random MAC, another secret's and a changed body. Before,
    // it passed every case but the timing one, which met it first, at its
    // first last-byte forgery, and was then skipped ("forged signatures
    // were accepted"): exit 0. Now the forged-signature case's near misses
    // catch it, the timing case is skipped before it sends anything, and
    // the timing case alone fails at that first forgery and sends no more.
    use hooklab_check::Verdict;
    use hooklab_check::case::SharedPrefix;
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
    assert_eq!(card.failed(), vec![Case::ForgedSignature], "{shown}");
    assert_eq!(card.exit_code(), 1);
    assert_eq!(
        card.result(Case::ForgedSignature).unwrap().note,
        Some(hooklab_check::Note::PrefixAccepted(SharedPrefix {
            chars: 32,
            of: 64
        })),
        "{shown}"
    );
    for case in [Case::WrongSecret, Case::TamperedBody] {
        assert_eq!(card.verdict(case), Some(Verdict::Pass), "{case:?}\n{shown}");
    }
    assert_eq!(
        card.result(Case::Timing).unwrap().note,
        Some(hooklab_check::Note::TimingAccepted),
        "{shown}"
    );
    // Skipped before sending: every request is an answer on the scorecard.
    assert_eq!(
        seen.load(Ordering::SeqCst),
        super::answered(&card),
        "{shown}"
    );
    // The timing case alone: its 10 warm-up forgeries (wrong in the first
    // byte, refused) and the first pair, whose second was taken: a fail,
    // saying how much of it was genuine, and nothing sent after it.
    let before = seen.load(Ordering::SeqCst);
    let url = format!("http://{addr}/webhook");
    let target = hooklab_check::target::Target::new(&url, Duration::from_secs(10)).unwrap();
    let mut signer = hooklab_check::delivery::Signer::new(
        github_secret(),
        url.parse().unwrap(),
        super::now_secs(),
        7,
    );
    let timing = hooklab_check::timing::run(
        &target,
        &mut signer,
        super::TIMING_SAMPLES,
        Duration::from_secs(30),
        &hooklab_check::battery::Silent,
    )
    .await
    .unwrap();
    assert_eq!(timing.verdict, Verdict::Fail, "{timing:?}");
    assert_eq!(
        timing.note,
        Some(hooklab_check::Note::PrefixAccepted(SharedPrefix {
            chars: 62,
            of: 64
        }))
    );
    assert_eq!(seen.load(Ordering::SeqCst) - before, 12);
}
