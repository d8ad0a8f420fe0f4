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
    /// How long it works on a delivery it accepts, before answering.
    work: Duration,
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
    tokio::time::sleep(slow.work).await;
    (StatusCode::OK, "ok")
}

/// Starts the slow receiver, working `work` on each delivery it accepts;
/// its clock and the battery's read `start_secs` now.
async fn start(start_secs: i64, work: Duration) -> (std::net::SocketAddr, Arc<Slow>) {
    let slow = Arc::new(Slow {
        secret: receivers::secret(),
        start_secs,
        started: Instant::now(),
        skews: Mutex::new(Vec::new()),
        work,
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
    let (addr, slow) = start(start_secs, WORK).await;
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

#[tokio::test(start_paused = true)]
async fn a_receiver_taking_seconds_for_every_answer_gets_a_grade_within_the_default_deadline() {
    // A tester's finding: a correct receiver taking about 2 s for every
    // answer (refusals too) made the battery run past its own 120 s
    // deadline: the timing case spent the last of it on forgeries, and the
    // run read "incomplete", exit 1, a tool failure and no grade. 2.5 s
    // here, with the default deadline and timing samples.
    let addr = receivers::start_slow(receivers::Flaw::None, Duration::from_millis(2_500)).await;
    let mut config = super::config_at(addr, Secret::Standard(receivers::secret()));
    config.timing_samples = hooklab_check::battery::DEFAULT_TIMING_SAMPLES;
    config.state_url = Some(format!("http://{addr}/state"));
    let card = hooklab_check::run(config).await.unwrap();
    let shown = shown(&card);
    assert!(!card.incomplete(), "{shown}");
    assert_eq!(card.exit_code(), 0, "{shown}");
    // Too slow to time, said as the receiver's pace, not the deadline's.
    assert_eq!(
        card.result(Case::Timing).unwrap().note,
        Some(Note::TimingTooSlow(2_500)),
        "{shown}"
    );
    assert_eq!(card.verdict(Case::AnswersFast), Some(Verdict::Warn));
    assert_eq!(
        card.verdict(Case::Duplicate),
        Some(Verdict::Pass),
        "{shown}"
    );
    let pace = card.pace.unwrap();
    // The pace line, as the table prints it (wrapped) and unwrapped.
    let line = hooklab_check::text::pace(&pace, hooklab_core::lang::Lang::En).unwrap();
    assert!(
        line.starts_with(
            "Pace: the receiver answers a genuine delivery in 2.5 s and refuses a forgery in 2.5 s: fine for GitHub (10 s) and Svix (15 s), but over 1 s"
        ),
        "{line}"
    );
    assert!(line.contains("The timing case sent nothing"), "{line}");
    assert!(shown.contains("Pace: the receiver answers"), "{shown}");
    let pt = super::table(&card, hooklab_core::lang::Lang::PtBr);
    assert!(
        pt.contains("Ritmo: o receptor responde a uma entrega genuína em 2,5 s"),
        "{pt}"
    );
    assert!(pt.contains("leva 2,5 s para recusar"), "{pt}");
    assert_eq!(pace.timing_planned, Some(0));
    let json = hooklab_check::render::json(&card, hooklab_core::lang::Lang::En);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["pace"]["accept_us"], 2_500_000, "{json}");
    assert!(
        doc["pace_note"].as_str().unwrap().starts_with("Pace: "),
        "{json}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_receiver_slower_than_github_s_timeout_fails_answers_fast_and_the_battery_finishes() {
    // A tester's finding: a receiver working 12 s before each answer (its
    // refusals quick) passed, with no word that GitHub gives up after
    // 10 s; and its 12 s a delivery spent the deadline on the reliability
    // case, so the cases after it were cut. Now the reliability case is
    // sized to leave them time, and answers-fast fails, saying what to do.
    let start_secs = super::now_secs();
    let (addr, _) = start(start_secs, Duration::from_secs(12)).await;
    let mut config = super::config_at(addr, Secret::Standard(receivers::secret()));
    config.now_unix_secs = start_secs;
    config.timing_samples = hooklab_check::battery::DEFAULT_TIMING_SAMPLES;
    let card = hooklab_check::run(config).await.unwrap();
    let shown = shown(&card);
    assert!(!card.incomplete(), "{shown}");
    let fast = card.result(Case::AnswersFast).unwrap();
    assert_eq!(fast.verdict, Verdict::Fail, "{shown}");
    assert!(
        matches!(fast.note, Some(Note::TooSlow(ms)) if ms >= 12_000),
        "{shown}"
    );
    assert_eq!(card.failed(), vec![Case::AnswersFast], "{shown}");
    let said = hooklab_check::text::note(fast.note.as_ref().unwrap(), hooklab_core::lang::Lang::En);
    assert!(
        said.contains("past GitHub's 10 s, where GitHub counts the delivery failed"),
        "{said}"
    );
    assert!(
        said.contains("Answer 2xx first, then do the work"),
        "{said}"
    );
    for case in [
        Case::KeyRotation,
        Case::RawBytes,
        Case::Duplicate,
        Case::UnknownEvent,
        Case::NotJson,
        Case::OversizedBody,
    ] {
        assert_eq!(card.verdict(case), Some(Verdict::Pass), "{case:?}\n{shown}");
    }
    // Fewer reliability deliveries, said, with the deadline that sends all.
    let pace = card.pace.unwrap();
    let planned = pace.reliability_planned.unwrap();
    assert!(
        planned < hooklab_check::battery::RELIABILITY_DELIVERIES,
        "{shown}"
    );
    assert_eq!(
        card.result(Case::Reliability).unwrap().replies.len(),
        planned
    );
    let line = hooklab_check::text::pace(&pace, hooklab_core::lang::Lang::En).unwrap();
    assert!(line.contains("past GitHub's 10 s"), "{line}");
    assert!(
        line.contains(&format!(
            "the battery sent {planned} of the reliability case's 20 deliveries; about --deadline {} would send every delivery",
            pace.full_secs
        )),
        "{line}"
    );
    assert!(pace.full_secs > 120, "{pace:?}");
    let pt = super::table(&card, hooklab_core::lang::Lang::PtBr);
    assert!(pt.contains("passou dos 10 s do GitHub"), "{pt}");
}
