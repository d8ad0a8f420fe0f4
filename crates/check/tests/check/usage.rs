//! Mistakes of the user are errors, not scorecards: nothing listening, a
//! URL off this machine, a state URL that does not keep the contract.

use super::config;
use super::receivers::{self, Flaw};
use hooklab_check::target::TargetError;
use hooklab_check::{CheckError, Secret};

fn secret() -> Secret {
    Secret::Standard(receivers::secret())
}

#[tokio::test]
async fn nothing_listening_is_a_usage_error_that_says_so() {
    // A port that was free a moment ago: bound, then closed.
    let addr = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let error = hooklab_check::run(config(format!("http://{addr}/webhook"), secret()))
        .await
        .unwrap_err();
    assert!(matches!(error, CheckError::NotListening { .. }), "{error}");
    assert!(error.is_usage());
    assert!(
        error.to_string().contains("nothing is listening"),
        "{error}"
    );
}

#[tokio::test]
async fn a_url_off_this_machine_is_refused_before_anything_is_sent() {
    for url in [
        "http://10.0.0.1/webhook",
        "https://127.0.0.1/webhook",
        "ftp://x",
    ] {
        let error = hooklab_check::run(config(url.into(), secret()))
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                CheckError::Target(
                    TargetError::NotLoopback { .. }
                        | TargetError::NotHttp { .. }
                        | TargetError::BadUrl { .. }
                )
            ),
            "{url}: {error}"
        );
        assert!(error.is_usage());
    }
}

#[tokio::test]
async fn a_state_url_that_breaks_the_contract_is_refused_up_front() {
    let addr = receivers::start(Flaw::None).await;
    let mut config = config(format!("http://{addr}/webhook"), secret());
    config.state_url = Some(format!("http://{addr}/no-such-state"));
    let error = hooklab_check::run(config).await.unwrap_err();
    assert!(matches!(error, CheckError::StateUrl { .. }), "{error}");
    assert!(
        error.to_string().contains("405") || error.to_string().contains("404"),
        "{error}"
    );
    assert!(error.is_usage());
}

#[test]
fn secrets_are_checked_for_their_scheme() {
    use hooklab_check::Scheme;
    assert!(Secret::parse(Scheme::Standard, "s3cret").is_err());
    assert!(Secret::parse(Scheme::Standard, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
    assert!(Secret::parse(Scheme::Github, "").is_err());
    assert!(Secret::parse(Scheme::Github, "s3cret").is_ok());
}

#[tokio::test]
async fn a_body_limit_out_of_range_is_refused_before_anything_is_sent() {
    // A receiver that would take everything: the refusal must come first.
    let addr = receivers::start(Flaw::None).await;
    for (given, scheme_secret) in [
        (0, secret()),
        (100, secret()),
        (99_999_999_999_999, secret()),
        (
            hooklab_check::battery::MAX_MAX_BODY_BYTES + 1,
            Secret::parse(hooklab_check::Scheme::Github, "s").unwrap(),
        ),
    ] {
        let mut config = config(format!("http://{addr}/webhook"), scheme_secret);
        config.max_body_bytes = given;
        let error = hooklab_check::run(config).await.unwrap_err();
        let CheckError::MaxBody { min, max, .. } = error else {
            panic!("{given}: {error}");
        };
        assert!(error.is_usage());
        assert!(min > 100 && max == 64 << 20, "{error}");
        let (pt, _) = hooklab_check::text::error(&error, hooklab_core::lang::Lang::PtBr);
        assert!(pt.contains("fora do intervalo"), "{pt}");
    }
}

#[tokio::test]
async fn the_smallest_body_limit_taken_sends_a_body_one_byte_over_it() {
    let addr = receivers::start(Flaw::None).await;
    let probe = config(format!("http://{addr}/webhook"), secret());
    let min = {
        let mut c = probe.clone();
        c.max_body_bytes = 0;
        match hooklab_check::run(c).await.unwrap_err() {
            CheckError::MaxBody { min, .. } => min,
            other => panic!("{other}"),
        }
    };
    let mut config = probe;
    config.max_body_bytes = min;
    config.timing_samples = 0;
    let card = hooklab_check::run(config).await.unwrap();
    assert_eq!(card.oversized_bytes, min + 1);
}

#[tokio::test]
async fn a_zero_deadline_is_refused_before_anything_is_sent() {
    let addr = receivers::start(Flaw::None).await;
    let mut config = config(format!("http://{addr}/webhook"), secret());
    config.deadline = std::time::Duration::ZERO;
    let error = hooklab_check::run(config).await.unwrap_err();
    assert!(matches!(error, CheckError::Deadline), "{error}");
    assert!(error.is_usage());
    let (pt, _) = hooklab_check::text::error(&error, hooklab_core::lang::Lang::PtBr);
    assert!(pt.contains("--deadline 0"), "{pt}");
}

#[tokio::test]
async fn past_the_deadline_the_cases_not_started_are_skipped_and_the_run_is_not_green() {
    let addr = receivers::start(Flaw::None).await;
    let mut config = config(format!("http://{addr}/webhook"), secret());
    // Passed as soon as the genuine case has run, and nothing after it starts.
    config.deadline = std::time::Duration::from_nanos(1);
    let card = hooklab_check::run(config).await.unwrap();
    let genuine = card.result(hooklab_check::Case::Genuine).unwrap();
    assert_eq!(genuine.verdict, hooklab_check::Verdict::Pass);
    for result in card.results.iter().skip(1) {
        assert_eq!(
            result.verdict,
            hooklab_check::Verdict::Skip,
            "{:?}",
            result.case
        );
        assert!(
            matches!(result.note, Some(hooklab_check::Note::OutOfTime(0))),
            "{:?}",
            result.note
        );
    }
    assert!(card.incomplete());
    assert_eq!(card.failed(), vec![]);
    assert_eq!(card.exit_code(), 1);
    let en = hooklab_check::render::table(&card, hooklab_core::lang::Lang::En, false);
    let pt = hooklab_check::render::table(&card, hooklab_core::lang::Lang::PtBr, false);
    assert!(en.contains("deadline of 0 s"), "{en}");
    assert!(pt.contains("prazo da bateria, 0 s"), "{pt}");
    assert!(
        en.contains("1 of 18 passed, 0 failed, 0 warned, 17 skipped; incomplete: 17 cases did not finish before the deadline (exit code 1)"),
        "{en}"
    );
    assert!(
        pt.contains("1 de 18 passou, 0 falharam, 0 com aviso, 17 pulados; incompleto: 17 casos não terminaram antes do prazo (código de saída 1)"),
        "{pt}"
    );
}

#[tokio::test]
async fn no_request_waits_past_the_deadline() {
    // A receiver that never answers: without the cap, the genuine delivery
    // would wait the sender's 15 s whatever the deadline.
    let router = axum::Router::new().route(
        "/webhook",
        axum::routing::post(std::future::pending::<&'static str>),
    );
    let addr = super::serve(router).await;
    let mut config = config(format!("http://{addr}/webhook"), secret());
    config.deadline = std::time::Duration::from_secs(1);
    let card = hooklab_check::run(config).await.unwrap();
    let genuine = card.result(hooklab_check::Case::Genuine).unwrap();
    match genuine.replies.last() {
        Some(hooklab_check::target::Reply::TimedOut { after_ms }) => {
            assert!(*after_ms <= 1_000, "waited {after_ms} ms");
        }
        other => panic!("{other:?}"),
    }
    assert_ne!(card.exit_code(), 0);
}

/// The first case's wait, as the progress line is told it.
#[derive(Default)]
struct FirstWait(std::sync::Mutex<Option<hooklab_check::Wait>>);

impl hooklab_check::battery::Progress for FirstWait {
    fn case_started(
        &self,
        _: hooklab_check::Case,
        index: usize,
        _: usize,
        wait: hooklab_check::Wait,
    ) {
        if index == 0 {
            *self.0.lock().unwrap() = Some(wait);
        }
    }
}

#[tokio::test]
async fn the_progress_line_is_told_the_deadline_when_it_is_shorter_than_the_senders_limit() {
    let addr = receivers::start(Flaw::None).await;
    let mut config = config(format!("http://{addr}/webhook"), secret());
    // Svix's 15 s against a 2 s deadline: a silent receiver is waited on 2 s.
    config.deadline = std::time::Duration::from_secs(2);
    let seen = FirstWait::default();
    hooklab_check::battery::run_with(config, &seen)
        .await
        .unwrap();
    let wait = seen.0.lock().unwrap().unwrap();
    assert_eq!(
        wait,
        hooklab_check::Wait {
            limit: std::time::Duration::from_secs(2),
            by: hooklab_check::WaitBy::Deadline,
        }
    );
    let en = hooklab_check::text::wait(wait, hooklab_core::lang::Lang::En);
    let pt = hooklab_check::text::wait(wait, hooklab_core::lang::Lang::PtBr);
    assert!(en.contains("up to 2 s, the battery's deadline"), "{en}");
    assert!(pt.contains("até 2 s, o prazo da bateria"), "{pt}");
}

#[tokio::test]
async fn loopback_written_short_is_checked_like_127_0_0_1() {
    // A tester's finding: `127.1` and `0x7f000001` were "not on this
    // machine"; both are 127.0.0.1 to the URL parser that sends.
    let addr = receivers::start(Flaw::None).await;
    for host in ["127.1", "0x7f000001"] {
        let mut config = config(format!("http://{host}:{}/webhook", addr.port()), secret());
        config.timing_samples = 0;
        let card = hooklab_check::run(config).await.unwrap();
        assert_eq!(
            card.verdict(hooklab_check::Case::Genuine),
            Some(hooklab_check::Verdict::Pass),
            "{host}"
        );
    }
}
