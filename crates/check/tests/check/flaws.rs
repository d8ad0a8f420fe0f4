//! Each flawed receiver fails exactly the cases that catch its flaw, and a
//! correct one passes every case.

use super::receivers::{self, Flaw, MAX_BODY_BYTES};
use super::{assert_passes_everything, config, shown};
use hooklab_check::{Case, Note, Scorecard, Secret, Verdict};
use hooklab_core::lang::Lang;

/// Runs the battery against a receiver with `flaw`, with its state URL.
async fn check(flaw: Flaw) -> Scorecard {
    let addr = receivers::start(flaw).await;
    check_at(addr, 7).await
}

/// Runs the battery against the receiver at `addr`, with its state URL;
/// `seed` makes the delivery ids, fresh for each seed.
async fn check_at(addr: std::net::SocketAddr, seed: u64) -> Scorecard {
    let mut config = config(
        format!("http://{addr}/webhook"),
        Secret::Standard(receivers::secret()),
    );
    config.seed = seed;
    config.state_url = Some(format!("http://{addr}/state"));
    config.max_body_bytes = MAX_BODY_BYTES;
    hooklab_check::run(config).await.unwrap()
}

/// Every verdict but the timing case's (a statistical hint on a noisy
/// loopback, which may pass or warn).
fn verdicts(card: &Scorecard) -> Vec<(Case, Verdict)> {
    card.results
        .iter()
        .filter(|r| r.case != Case::Timing)
        .map(|r| (r.case, r.verdict))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_fails_every_third_delivery_fails_only_reliability_and_the_same_each_run() {
    let addr = receivers::start(Flaw::FailsEveryThird).await;
    // Three runs against one receiver: its counter stands at another phase
    // at the start of each, so the 500s fall on other cases each time.
    let cards = [
        check_at(addr, 7).await,
        check_at(addr, 8).await,
        check_at(addr, 9).await,
    ];
    for card in &cards {
        assert_eq!(card.failed(), vec![Case::Reliability], "{}", shown(card));
        assert_eq!(verdicts(card), verdicts(&cards[0]), "{}", shown(card));
        let reliability = card.result(Case::Reliability).unwrap();
        let Some(Note::Unreliable {
            sent,
            server_errors,
            dropped,
            other,
        }) = reliability.note
        else {
            panic!("{}", shown(card));
        };
        assert_eq!((sent, dropped, other), (20, 0, 0), "{}", shown(card));
        assert!((6..=7).contains(&server_errors), "{}", shown(card));
        assert_eq!(card.exit_code(), 1);
        let duplicate = card.result(Case::Duplicate).unwrap().state.unwrap();
        assert_eq!(duplicate.after, duplicate.before + 1, "{}", shown(card));
    }
    // Some 500 fell on a case that expects a 2xx, and the same delivery
    // made again was graded instead, saying so.
    let resent = cards
        .iter()
        .flat_map(|card| &card.results)
        .filter(|r| matches!(r.note, Some(Note::AfterResends { .. })))
        .count();
    assert!(resent > 0, "{}", shown(&cards[0]));
    let en = shown(&cards[0]);
    assert!(en.contains("fails at random"), "{en}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_refused_with_a_5xx_still_reports_the_state_it_saw() {
    // The tester's finding: every duplicate pair got 200 then 500; the
    // failed case showed `"state": null` although --state-url was given.
    let card = check(Flaw::FailsEveryFirstRepeat).await;
    assert_eq!(card.failed(), vec![Case::Duplicate], "{}", shown(&card));
    let duplicate = card.result(Case::Duplicate).unwrap();
    assert_eq!(duplicate.note, Some(Note::Refused), "{}", shown(&card));
    let state = duplicate.state.expect("the state URL was read");
    // The last pair's first copy was processed, its 500 was not.
    assert_eq!(state.after, state.before + 1, "{}", shown(&card));
    assert!(shown(&card).contains("processed"), "{}", shown(&card));
    // Six rounds of the pair, each under one id, not twelve answers that
    // read as a sender retrying with a fresh id each time.
    for (lang, said) in [
        (
            Lang::En,
            "6 rounds, each the delivery twice with the same id (a new id each round): 200, then 500 in every round",
        ),
        (
            Lang::PtBr,
            "6 rodadas, cada uma a entrega duas vezes com o mesmo id (um id novo a cada rodada): 200, depois 500 em todas as rodadas",
        ),
    ] {
        let table = super::table(&card, lang);
        assert!(table.contains(said), "{table}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&hooklab_check::render::json(&card, Lang::En)).unwrap();
    let case = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "duplicate")
        .unwrap();
    assert_eq!(case["state"]["after"], state.after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_5xx_is_blamed_on_the_case_that_saw_it() {
    // The tester's finding: one 500, to the first duplicate, and the note
    // said "the receiver fails at random (see \"accepts every genuine
    // delivery...\")" while that case reported "All 20 got a 2xx".
    let card = check(Flaw::FailsTheFirstRepeatOnce).await;
    assert!(card.failed().is_empty(), "{}", shown(&card));
    let reliability = card.result(Case::Reliability).unwrap();
    assert_eq!(reliability.note, Some(Note::Reliable(20)));
    let duplicate = card.result(Case::Duplicate).unwrap();
    assert_eq!(duplicate.verdict, Verdict::Pass, "{}", shown(&card));
    assert_eq!(
        duplicate.note,
        Some(Note::AfterResends {
            resent: 1,
            seen_in: None
        }),
        "{}",
        shown(&card)
    );
    let said = hooklab_check::text::note(duplicate.note.as_ref().unwrap(), Lang::En);
    assert!(
        !said.contains(hooklab_check::text::title(Case::Reliability, Lang::En)),
        "{said}"
    );
    assert!(said.contains("first seen here"), "{said}");
    assert!(duplicate.state.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_to_one_feature_only_fails_that_feature() {
    let card = check(Flaw::CrashesOnRotation).await;
    assert_eq!(card.failed(), vec![Case::KeyRotation], "{}", shown(&card));
    let rotation = card.result(Case::KeyRotation).unwrap();
    assert_eq!(rotation.note, Some(Note::Refused));
    assert_eq!(
        rotation.replies.len(),
        hooklab_check::battery::MAX_ATTEMPTS,
        "{}",
        shown(&card)
    );
    assert!(rotation.replies.iter().all(|r| r.status() == Some(500)));
    let reliability = card.result(Case::Reliability).unwrap();
    assert_eq!(
        (reliability.verdict, reliability.note.clone()),
        (Verdict::Pass, Some(Note::Reliable(20)))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_to_a_feature_of_a_receiver_that_fails_at_random_is_inconclusive() {
    let card = check(Flaw::FailsEveryThirdAndCrashesOnRotation).await;
    assert_eq!(card.failed(), vec![Case::Reliability], "{}", shown(&card));
    let rotation = card.result(Case::KeyRotation).unwrap();
    assert_eq!(
        (rotation.verdict, rotation.note.clone()),
        (
            Verdict::Warn,
            Some(Note::Inconclusive {
                attempts: hooklab_check::battery::MAX_ATTEMPTS,
                seen_in: Case::Reliability,
            })
        ),
        "{}",
        shown(&card)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correct_receiver_passes_every_case_and_the_duplicate_counts_once() {
    let card = check(Flaw::None).await;
    assert_passes_everything(&card, &[]);
    let duplicate = card.result(Case::Duplicate).unwrap();
    let state = duplicate.state.expect("the state URL was read");
    assert_eq!(state.after, state.before + 1, "{}", shown(&card));
    let timing = card.result(Case::Timing).unwrap().timing.unwrap();
    assert_eq!(timing.samples, super::TIMING_SAMPLES);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_checked_without_the_state_url_says_it_was_by_status_codes_only() {
    // A tester's finding: without --state-url the duplicate case passed
    // on two 200s, which a receiver that processes the copy again answers
    // too; the answers column did not say what was checked.
    let addr = receivers::start(Flaw::ProcessesDuplicates).await;
    let mut config = config(
        format!("http://{addr}/webhook"),
        Secret::Standard(receivers::secret()),
    );
    config.max_body_bytes = MAX_BODY_BYTES;
    config.timing_samples = 0;
    let card = hooklab_check::run(config).await.unwrap();
    let duplicate = card.result(Case::Duplicate).unwrap();
    assert_eq!(
        duplicate.note,
        Some(Note::StateNotGiven),
        "{}",
        shown(&card)
    );
    let json = hooklab_check::render::json(&card, Lang::En);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let case = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "duplicate")
        .unwrap();
    assert!(
        case["got"]
            .as_str()
            .unwrap()
            .ends_with(" (status codes only)"),
        "{case}"
    );
    let note = case["note"].as_str().unwrap();
    assert!(note.starts_with("Checked by status codes only"), "{note}");
    assert!(note.contains("--state-url"), "{note}");
    let pt = hooklab_check::render::table(&card, Lang::PtBr, false);
    assert!(pt.contains("(só os códigos de status)"), "{pt}");
    // With it, the same receiver fails: the copy was processed again.
    let card = check_at(addr, 8).await;
    assert_eq!(card.verdict(Case::Duplicate), Some(Verdict::Fail));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skipping_the_signature_check_fails_every_forgery_and_exits_1() {
    let card = check(Flaw::SkipsSignature).await;
    assert_eq!(
        card.failed(),
        vec![
            Case::ForgedSignature,
            Case::WrongSecret,
            Case::TamperedBody,
            Case::NoSignature,
            Case::UnknownVersion,
            Case::EmptySignature,
            Case::StaleTimestamp,
            Case::FutureTimestamp,
        ],
        "{}",
        shown(&card)
    );
    assert_eq!(card.exit_code(), 1);
    let timing = card.result(Case::Timing).unwrap();
    assert_eq!(
        (timing.verdict, timing.note.clone()),
        (Verdict::Skip, Some(Note::TimingAccepted))
    );
    let forged = card.result(Case::ForgedSignature).unwrap();
    assert_eq!(forged.note, Some(Note::Accepted));
    assert_eq!(forged.replies[0].status(), Some(200));
    // A 2xx to a rotation or to odd JSON bytes proves nothing when forgeries
    // get one too: skipped, saying why, never passed.
    for case in [Case::KeyRotation, Case::RawBytes] {
        let result = card.result(case).unwrap();
        assert_eq!(
            (result.verdict, result.note.clone()),
            (
                Verdict::Skip,
                Some(Note::SignaturesNotChecked(Case::ForgedSignature))
            ),
            "{}",
            shown(&card)
        );
        assert!(result.replies.is_empty());
    }
    let pt = hooklab_check::render::table(&card, hooklab_core::lang::Lang::PtBr, false);
    assert!(pt.contains("o receptor não confere assinaturas"), "{pt}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skipping_the_timestamp_check_fails_the_stale_and_future_cases() {
    let card = check(Flaw::SkipsTimestamp).await;
    assert_eq!(
        card.failed(),
        vec![Case::StaleTimestamp, Case::FutureTimestamp],
        "{}",
        shown(&card)
    );
    assert_eq!(card.exit_code(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_serializing_before_verifying_fails_the_raw_bytes_case() {
    let card = check(Flaw::Reserializes).await;
    assert_eq!(card.failed(), vec![Case::RawBytes], "{}", shown(&card));
    let raw = card.result(Case::RawBytes).unwrap();
    assert_eq!(raw.replies[0].status(), Some(401));
    assert_eq!(raw.note, Some(Note::Refused));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processing_a_duplicate_twice_is_seen_through_the_state_url() {
    let card = check(Flaw::ProcessesDuplicates).await;
    assert_eq!(card.failed(), vec![Case::Duplicate], "{}", shown(&card));
    let duplicate = card.result(Case::Duplicate).unwrap();
    assert_eq!(duplicate.note, Some(Note::ProcessedTwice));
    let state = duplicate.state.unwrap();
    assert_eq!(state.after, state.before + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_with_the_wrong_secret_fails_genuine_and_skips_the_refusals() {
    let addr = receivers::start(Flaw::None).await;
    let other = hooklab_core::signature::WebhookSecret::from_key(&[1u8; 32]).unwrap();
    let card = hooklab_check::run(config(
        format!("http://{addr}/webhook"),
        Secret::Standard(other),
    ))
    .await
    .unwrap();
    assert_eq!(card.verdict(Case::Genuine), Some(Verdict::Fail));
    // One failure for one cause, its line naming the cause.
    assert_eq!(card.failed(), vec![Case::Genuine], "{}", shown(&card));
    let genuine = card.result(Case::Genuine).unwrap();
    assert_eq!(genuine.note, Some(Note::SignatureRefused(401)));
    for lang in [Lang::En, Lang::PtBr] {
        let said = hooklab_check::text::note(genuine.note.as_ref().unwrap(), lang);
        assert!(
            said.contains("--secret") && said.contains("--scheme"),
            "{said}"
        );
    }
    for case in [
        Case::ForgedSignature,
        Case::StaleTimestamp,
        Case::Timing,
        Case::KeyRotation,
        Case::RawBytes,
        Case::Duplicate,
        Case::UnknownEvent,
    ] {
        let result = card.result(case).unwrap();
        assert_eq!(result.verdict, Verdict::Skip, "{case:?}");
        assert_eq!(result.note, Some(Note::GenuineRefused(401)));
        assert!(result.replies.is_empty());
    }
    assert_eq!(card.exit_code(), 1);
}

/// A wrong path (a 404 to the genuine delivery) is one failure, said as
/// "nothing at this path", not five "failed" for one cause: the cases that
/// must be accepted are skipped as the refusals are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_path_fails_only_genuine_and_says_to_check_the_url() {
    let addr = receivers::start(Flaw::None).await;
    let card = hooklab_check::run(config(
        format!("http://{addr}/webhooks-typo"),
        Secret::Standard(receivers::secret()),
    ))
    .await
    .unwrap();
    assert_eq!(card.failed(), vec![Case::Genuine], "{}", shown(&card));
    let genuine = card.result(Case::Genuine).unwrap();
    assert_eq!(genuine.note, Some(Note::NothingAtPath));
    for (lang, words) in [
        (Lang::En, "nothing is at this path; check the URL"),
        (Lang::PtBr, "não há nada neste caminho; confira a URL"),
    ] {
        let table = hooklab_check::render::table(&card, lang, false);
        assert!(table.contains(words), "{table}");
        assert!(!table.contains("--secret"), "{table}");
    }
    for case in [
        Case::KeyRotation,
        Case::RawBytes,
        Case::Duplicate,
        Case::UnknownEvent,
    ] {
        let result = card.result(case).unwrap();
        assert_eq!(result.verdict, Verdict::Skip, "{case:?}");
        assert_eq!(result.note, Some(Note::GenuineRefused(404)), "{case:?}");
    }
    assert_eq!(card.exit_code(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scorecard_renders_as_markdown_and_json() {
    let card = check(Flaw::SkipsTimestamp).await;
    let md = hooklab_check::render::markdown(&card, hooklab_core::lang::Lang::PtBr);
    assert_eq!(
        md.lines().filter(|l| l.starts_with("| ")).count(),
        Case::ALL.len() + 1
    );
    assert!(
        md.contains("| ❌ falhou | recusa um timestamp antigo |"),
        "{md}"
    );
    let json: serde_json::Value = serde_json::from_str(&hooklab_check::render::json(
        &card,
        hooklab_core::lang::Lang::En,
    ))
    .unwrap();
    assert_eq!(json["exit_code"], 1);
    assert_eq!(json["summary"]["failed"], 2);
    let ids: Vec<&str> = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, Case::ALL.map(Case::id).to_vec());
}

/// Accepts connections on `127.0.0.1:0` and hands each to `handle`.
async fn raw_receiver<F, Fut>(handle: F) -> std::net::SocketAddr
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handle(stream));
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_answers_times_out_once_and_skips_the_rest_saying_so() {
    // Reads the request and holds the connection open without a word.
    let addr = raw_receiver(|mut stream| async move {
        use tokio::io::AsyncReadExt as _;
        let mut buf = vec![0u8; 64 * 1024];
        while stream.read(&mut buf).await.is_ok_and(|n| n > 0) {}
    })
    .await;
    let mut config = config(
        format!("http://{addr}/webhook"),
        Secret::Standard(receivers::secret()),
    );
    config.request_timeout = Some(std::time::Duration::from_millis(300));
    let card = hooklab_check::run(config).await.unwrap();
    let genuine = card.result(Case::Genuine).unwrap();
    assert_eq!(genuine.verdict, Verdict::Fail);
    assert_eq!(genuine.note, Some(Note::TimedOut(1)));
    for result in &card.results[1..] {
        assert_eq!(result.verdict, Verdict::Skip, "{:?}", result.case);
        assert_eq!(
            result.note,
            Some(Note::GenuineTimedOut(1)),
            "{:?}",
            result.case
        );
    }
    let pt = hooklab_check::render::table(&card, hooklab_core::lang::Lang::PtBr, false);
    assert!(pt.contains("ficou sem resposta em 1 s"), "{pt}");
    assert!(!pt.contains("confira --secret"), "{pt}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_hangs_up_is_named_in_words_with_the_library_s_as_a_detail() {
    // Reads the request, then closes without answering.
    let addr = raw_receiver(|mut stream| async move {
        use tokio::io::AsyncReadExt as _;
        let mut buf = vec![0u8; 64 * 1024];
        let mut seen = Vec::new();
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            // The whole request is in once the body after the headers is.
            if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if seen.len() >= end + 4 + length {
                    break;
                }
            }
        }
    })
    .await;
    let card = hooklab_check::run(config(
        format!("http://{addr}/webhook"),
        Secret::Standard(receivers::secret()),
    ))
    .await
    .unwrap();
    let genuine = card.result(Case::Genuine).unwrap();
    let Some(hooklab_check::target::Reply::NoAnswer { cause, .. }) = genuine.replies.first() else {
        panic!("{genuine:?}")
    };
    assert_eq!(*cause, hooklab_check::target::Cause::ConnectionClosed);
    let skipped = card.result(Case::ForgedSignature).unwrap();
    assert_eq!(skipped.note, Some(Note::GenuineNoAnswer(*cause)));
    let pt = hooklab_check::render::table(&card, hooklab_core::lang::Lang::PtBr, false);
    assert!(
        pt.contains("sem resposta (o receptor fechou a conexão antes de uma resposta completa)"),
        "{pt}"
    );
    let detail = pt
        .lines()
        .find(|l| {
            l.trim_start()
                .starts_with("detalhe técnico (mensagem original, em inglês): ")
        })
        .unwrap_or_else(|| panic!("no detail line in {pt}"));
    assert!(detail.contains("connection closed"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_crashes_on_everything_is_sent_to_its_log_not_to_the_flags() {
    // The pt-BR tester's finding: "falhou aceita uma entrega genuína 6 ×
    // 500", then every skipped case said "(confira --secret, --scheme e o
    // caminho da URL)", none of which was wrong.
    let router = axum::Router::new().route(
        "/webhook",
        axum::routing::post(|| async { axum::http::StatusCode::INTERNAL_SERVER_ERROR }),
    );
    let addr = super::serve(router).await;
    let card = hooklab_check::run(config(
        format!("http://{addr}/webhook"),
        Secret::Standard(receivers::secret()),
    ))
    .await
    .unwrap();
    assert_eq!(card.failed(), vec![Case::Genuine], "{}", shown(&card));
    let genuine = card.result(Case::Genuine).unwrap();
    let attempts = hooklab_check::battery::MAX_ATTEMPTS;
    assert_eq!(genuine.note, Some(Note::GenuineServerError(500)));
    assert_eq!(
        (genuine.attempts, genuine.replies.len()),
        (attempts, attempts)
    );
    let forged = card.result(Case::ForgedSignature).unwrap();
    assert_eq!(forged.note, Some(Note::GenuineRefused(500)));
    for (lang, attempts, log) in [
        (Lang::En, "500 to each of 6 attempts", "log"),
        (Lang::PtBr, "500 em cada uma das 6 tentativas", "log dele"),
    ] {
        let table = hooklab_check::render::table(&card, lang, false);
        assert!(table.contains(attempts), "{table}");
        assert!(!table.contains("6 × 500"), "{table}");
        assert!(!table.contains("--scheme"), "{table}");
        for result in [genuine, forged] {
            let said = hooklab_check::text::note(result.note.as_ref().unwrap(), lang);
            assert!(said.contains(log) && said.contains("traceback"), "{said}");
        }
    }
    assert_eq!(card.exit_code(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_compares_only_a_prefix_of_the_signature_fails_and_exits_1() {
    // The tester's finding: a receiver checking `v1,`, the timestamp and
    // the body size, but comparing only the first 8 base64 characters of
    // the signature, read "17 of 18 passed, 0 failed" (exit 0): the only
    // forgery was random bytes, and the timing case, whose last-byte
    // forgeries it accepted, said "skipped: forged signatures were
    // accepted".
    let card = check(Flaw::ComparesPrefix).await;
    assert_eq!(
        card.failed(),
        vec![Case::ForgedSignature],
        "{}",
        shown(&card)
    );
    assert_eq!(card.exit_code(), 1);
    let forged = card.result(Case::ForgedSignature).unwrap();
    // The random bytes are refused; the first near miss, its first 21 of
    // 44 characters genuine, is not.
    let statuses: Vec<_> = forged.replies.iter().map(|r| r.status()).collect();
    assert_eq!(
        statuses,
        [Some(401), Some(200), Some(200)],
        "{}",
        shown(&card)
    );
    assert_eq!(
        forged.note,
        Some(Note::PrefixAccepted(hooklab_check::case::SharedPrefix {
            chars: 21,
            of: 44
        }))
    );
    // An earlier forgery case failed: only then is the timing case skipped
    // as "forgeries were accepted". A prefix compared is no reason to skip
    // the rotation or the raw bytes, which pass.
    let timing = card.result(Case::Timing).unwrap();
    assert_eq!(
        (timing.verdict, timing.note.clone()),
        (Verdict::Skip, Some(Note::TimingAccepted))
    );
    for case in [Case::KeyRotation, Case::RawBytes] {
        assert_eq!(card.verdict(case), Some(Verdict::Pass), "{}", shown(&card));
    }
    let note = forged.note.as_ref().unwrap();
    let en = hooklab_check::text::note(note, Lang::En);
    assert!(
        en.contains("differs from the genuine one only after character 21 (of 44): the receiver compares a prefix"),
        "{en}"
    );
    let pt = hooklab_check::text::note(note, Lang::PtBr);
    assert!(
        pt.contains(
            "difere da genuína só depois do caractere 21 (de 44): o receptor compara um prefixo"
        ),
        "{pt}"
    );
    assert!(shown(&card).contains("(exit code 1)"), "{}", shown(&card));
    let table = super::table(&card, Lang::PtBr);
    assert!(table.contains("1 falhou"), "{table}");
    assert!(table.contains("código de saída 1"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timing_case_fails_when_it_gets_a_2xx_to_one_of_its_forgeries() {
    // The timing case alone, against the prefix receiver: it is the case
    // that meets it when no earlier case did (before, its own forgery
    // accepted made it "skipped", and the run could exit 0).
    use hooklab_check::delivery::Signer;
    use hooklab_check::target::Target;
    let addr = receivers::start(Flaw::ComparesPrefix).await;
    let url = format!("http://{addr}/webhook");
    let target = Target::new(&url, std::time::Duration::from_secs(10)).unwrap();
    let mut signer = Signer::new(
        Secret::Standard(receivers::secret()),
        url.parse().unwrap(),
        super::now_secs(),
        7,
    );
    let result = hooklab_check::timing::run(
        &target,
        &mut signer,
        super::TIMING_SAMPLES,
        std::time::Duration::from_secs(30),
        &hooklab_check::battery::Silent,
    )
    .await
    .unwrap();
    assert_eq!(result.verdict, Verdict::Fail, "{result:?}");
    assert_eq!(
        result.note,
        Some(Note::PrefixAccepted(hooklab_check::case::SharedPrefix {
            chars: 41,
            of: 44
        }))
    );
    // Sent no more after that 2xx: the one accepted is all it kept.
    assert_eq!(result.replies.len(), 1);
    assert_eq!(result.replies[0].status(), Some(200));
}
