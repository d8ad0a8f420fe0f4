//! A correct receiver that answers slowly, on tokio's paused clock: its
//! seconds are the runtime's, so a battery of minutes takes milliseconds.
//!
//! The receiver reads its clock as the battery's signer does (the unix time
//! at the start plus tokio's time since), verifies as the Standard Webhooks
//! libraries do (300 s either way), and sleeps 3 s before answering a
//! delivery it accepts, as the tester's Python receiver did: refusals are
//! quick, work is slow. It records, for every delivery, its clock minus the
//! `webhook-timestamp`.

use super::{receivers, shown};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use hooklab_check::{Case, Note, Secret, Verdict};
use hooklab_core::signature::{self, WebhookSecret};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How long the receiver works on a delivery it accepts.
const WORK: Duration = Duration::from_secs(3);

struct Slow {
    secret: WebhookSecret,
    /// The unix time at `started`.
    start_secs: i64,
    started: Instant,
    /// `(webhook-id, now - webhook-timestamp)` for every delivery, in order.
    skews: Mutex<Vec<(String, i64)>>,
}

impl Slow {
    fn now_secs(&self) -> i64 {
        self.start_secs + i64::try_from(self.started.elapsed().as_secs()).unwrap()
    }
}

async fn receive(
    State(slow): State<Arc<Slow>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = slow.now_secs();
    let timestamp: i64 = header("webhook-timestamp")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let id = header("webhook-id").unwrap_or_default().to_owned();
    slow.skews.lock().unwrap().push((id, now - timestamp));
    let verdict = signature::verify(
        std::slice::from_ref(&slow.secret),
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
        &body,
        now,
        signature::DEFAULT_TOLERANCE_SECS,
    );
    if verdict.is_err() {
        return (StatusCode::UNAUTHORIZED, "refused");
    }
    if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
        return (StatusCode::BAD_REQUEST, "not JSON");
    }
    tokio::time::sleep(WORK).await;
    (StatusCode::OK, "ok")
}

/// Starts the slow receiver; its clock and the battery's read `start_secs`
/// now.
async fn start(start_secs: i64) -> (std::net::SocketAddr, Arc<Slow>) {
    let slow = Arc::new(Slow {
        secret: receivers::secret(),
        start_secs,
        started: Instant::now(),
        skews: Mutex::new(Vec::new()),
    });
    let router = axum::Router::new()
        .route("/webhook", axum::routing::post(receive))
        .layer(axum::extract::DefaultBodyLimit::max(
            receivers::MAX_BODY_BYTES,
        ))
        .with_state(slow.clone());
    (super::serve(router).await, slow)
}

/// Runs the battery against a slow receiver with `deadline`.
async fn check(deadline: Duration) -> (hooklab_check::Scorecard, Vec<(String, i64)>) {
    let start_secs = super::now_secs();
    let (addr, slow) = start(start_secs).await;
    let mut config = super::config_at(addr, Secret::Standard(receivers::secret()));
    // The receiver's clock and the signer's start together.
    config.now_unix_secs = start_secs;
    config.deadline = deadline;
    config.timing_samples = 0;
    let card = hooklab_check::run(config).await.unwrap();
    let skews = slow.skews.lock().unwrap().clone();
    (card, skews)
}

#[tokio::test(start_paused = true)]
async fn a_slow_correct_receiver_sees_every_delivery_signed_when_it_was_sent() {
    // The tester's finding: 3 s an answer, --deadline 200: the receiver
    // logged now - webhook-timestamp as 0 3 6 ... 65 425 -295, and the
    // delivery "6 minutes ahead" was accepted.
    let (card, skews) = check(Duration::from_secs(200)).await;
    let shown = shown(&card);
    let stale = card.result(Case::StaleTimestamp).unwrap();
    let future = card.result(Case::FutureTimestamp).unwrap();
    assert_eq!(future.verdict, Verdict::Pass, "{shown}");
    assert_eq!(stale.verdict, Verdict::Pass, "{shown}");
    assert!(card.failed().is_empty(), "{shown}");
    // The battery took minutes of the receiver's time.
    assert!(skews.len() > 30, "{skews:?}");
    let offset = hooklab_check::delivery::TIMESTAMP_OFFSET_SECS;
    for (at, (id, skew)) in skews.iter().enumerate() {
        // Each delivery is signed when it is made, just before it is sent;
        // the duplicate's second copy is the first one again, sent after
        // its answer.
        let repeated = skews[..at].iter().any(|(earlier, _)| earlier == id);
        let expected: &[i64] = if repeated {
            &[WORK.as_secs() as i64]
        } else {
            &[0, offset, -offset]
        };
        assert!(expected.contains(skew), "{id}: {skew} s\n{skews:?}");
    }
    assert_eq!(skews.iter().filter(|(_, s)| *s == offset).count(), 1);
    assert_eq!(skews.iter().filter(|(_, s)| *s == -offset).count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_short_deadline_still_asks_the_refusals_and_reports_what_reliability_saw() {
    // The tester's finding: --deadline 60 against 3 s an answer skipped
    // everything after the genuine case, reliability's 57 s of answers
    // thrown away, no forgery ever sent.
    let (card, _) = check(Duration::from_secs(60)).await;
    let shown = shown(&card);
    for result in &card.results {
        assert_ne!(
            result.note,
            Some(Note::OutOfTime(60)),
            "{:?}\n{shown}",
            result.case
        );
    }
    for case in [
        Case::ForgedSignature,
        Case::WrongSecret,
        Case::TamperedBody,
        Case::NoSignature,
        Case::UnknownVersion,
        Case::EmptySignature,
        Case::StaleTimestamp,
        Case::FutureTimestamp,
    ] {
        assert_eq!(card.verdict(case), Some(Verdict::Pass), "{case:?}\n{shown}");
    }
    let reliability = card.result(Case::Reliability).unwrap();
    let Some(Note::Reliable(sent)) = reliability.note else {
        panic!("{shown}");
    };
    assert_eq!(reliability.verdict, Verdict::Pass, "{shown}");
    assert_eq!(reliability.replies.len(), sent);
    assert!(
        (5..hooklab_check::battery::RELIABILITY_DELIVERIES).contains(&sent),
        "{sent}\n{shown}"
    );
    assert!(
        shown.contains(&format!("Cut short after {sent} of 20")),
        "{shown}"
    );
    // The cases after it ran too: the battery finished.
    for case in [
        Case::KeyRotation,
        Case::RawBytes,
        Case::Duplicate,
        Case::UnknownEvent,
    ] {
        assert_eq!(card.verdict(case), Some(Verdict::Pass), "{case:?}\n{shown}");
    }
    assert!(!card.incomplete(), "{shown}");
    // 3 s an answer: over a second, a warning, not a failure.
    assert_eq!(card.verdict(Case::AnswersFast), Some(Verdict::Warn));
    assert_eq!(card.exit_code(), 0, "{shown}");
    let pt = super::table(&card, hooklab_core::lang::Lang::PtBr);
    assert!(
        pt.contains(&format!("Interrompido depois de {sent} de 20 pelo prazo")),
        "{pt}"
    );
}

/// How long the trusting receiver ([`super::trusting`]) takes to answer
/// anything, on the paused clock.
const TRUSTING_WORK: Duration = Duration::from_millis(2_500);

#[tokio::test(start_paused = true)]
async fn a_slow_receiver_that_accepts_forgeries_has_its_timing_case_skipped_for_that_not_the_deadline()
 {
    // The pt-BR tester's finding: 2.5 s an answer, forgeries accepted, the
    // default 120 s deadline: the timing case used the last 20 s on
    // forgeries it then threw away, and read "the deadline passed before
    // this case"; the battery counted as incomplete.
    let (addr, seen) = super::trusting(TRUSTING_WORK).await;
    let config = super::config_at(addr, Secret::Standard(receivers::secret()));
    let card = hooklab_check::run(config).await.unwrap();
    let shown = shown(&card);
    let timing = card.result(Case::Timing).unwrap();
    assert_eq!(
        (timing.verdict, timing.note.clone()),
        (Verdict::Skip, Some(Note::TimingAccepted)),
        "{shown}"
    );
    assert!(!card.incomplete(), "{shown}");
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        super::answered(&card),
        "{shown}"
    );
    // Still graded for what it does: every forgery fails, and the cases
    // a forgery's 2xx makes meaningless say so.
    assert_eq!(card.verdict(Case::ForgedSignature), Some(Verdict::Fail));
    assert_eq!(
        card.result(Case::RawBytes).unwrap().note,
        Some(Note::SignaturesNotChecked(Case::ForgedSignature)),
        "{shown}"
    );
    assert_eq!(card.exit_code(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_reason_known_up_front_wins_over_the_deadline() {
    // With a deadline that passes among the refusals (2.5 s each, three
    // for the forged signatures: the sixth case is cut at 21 s), the cases
    // a forgery's 2xx makes meaningless
    // are still skipped for that reason, not counted as the deadline's.
    let (addr, seen) = super::trusting(TRUSTING_WORK).await;
    let mut config = super::config_at(addr, Secret::Standard(receivers::secret()));
    config.deadline = Duration::from_secs(21);
    let card = hooklab_check::run(config).await.unwrap();
    let shown = shown(&card);
    for case in [Case::KeyRotation, Case::RawBytes] {
        assert_eq!(
            card.result(case).unwrap().note,
            Some(Note::SignaturesNotChecked(Case::ForgedSignature)),
            "{case:?}\n{shown}"
        );
    }
    assert_eq!(
        card.result(Case::Timing).unwrap().note,
        Some(Note::TimingAccepted),
        "{shown}"
    );
    // The cases that would have run are the deadline's.
    assert_eq!(
        card.result(Case::EmptySignature).unwrap().note,
        Some(Note::CutByDeadline(21)),
        "{shown}"
    );
    for case in [
        Case::StaleTimestamp,
        Case::Reliability,
        Case::AnswersFast,
        Case::Duplicate,
        Case::NotJson,
    ] {
        assert_eq!(
            card.result(case).unwrap().note,
            Some(Note::OutOfTime(21)),
            "{case:?}\n{shown}"
        );
    }
    assert!(card.incomplete(), "{shown}");
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        super::answered(&card)
    );
}

#[tokio::test(start_paused = true)]
async fn a_deadline_shorter_than_the_genuine_answer_cuts_the_battery_short_and_fails_nothing() {
    // A tester's finding: `--deadline 2` against a sound receiver that
    // takes 3 s failed the genuine case ("no answer within 2 s"), and every
    // other case was skipped as if the receiver never answered. The
    // deadline cut the genuine delivery, not the receiver.
    let (card, _) = check(Duration::from_secs(2)).await;
    let shown = shown(&card);
    let genuine = card.result(Case::Genuine).unwrap();
    assert_eq!(
        (genuine.verdict, genuine.note.clone()),
        (Verdict::Skip, Some(Note::CutByDeadline(2))),
        "{shown}"
    );
    assert!(card.failed().is_empty(), "{shown}");
    for result in &card.results[1..] {
        // `check` turns the timing case off: that reason is known up front.
        let expected = if result.case == Case::Timing {
            Note::TimingOff
        } else {
            Note::OutOfTime(2)
        };
        assert_eq!(result.note, Some(expected), "{:?}\n{shown}", result.case);
    }
    assert!(card.incomplete(), "{shown}");
    assert_eq!(card.exit_code(), 1, "{shown}");
    let reason = hooklab_check::text::exit_reason(&card, hooklab_core::lang::Lang::En).unwrap();
    assert!(!reason.contains("failed"), "{reason}");
    assert!(reason.contains("and 1 was cut short by it"), "{reason}");
}
