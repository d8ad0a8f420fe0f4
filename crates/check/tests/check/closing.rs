//! Receivers that close or stall: a kept-alive connection the receiver
//! closes after each answer (without `Connection: close`) must not change
//! the scorecard from run to run, a receiver that drops connections is
//! graded on its answers with the drops counted (not on the first
//! request's luck), and a delivery cut by `--deadline` is not the
//! receiver's failure.

use super::config;
use super::receivers;
use hooklab_check::target::{Reply, Target};
use hooklab_check::{Case, Note, Secret, Verdict};
use hooklab_core::signature;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Reads one request (head and `Content-Length` body); `false` at the end
/// of the stream.
async fn read_request(stream: &mut TcpStream) -> bool {
    read_whole_request(stream).await.is_some()
}

/// One request: its head, and its body; `None` at the end of
/// the stream. Requests come one at a time (no pipelining), so nothing is
/// read past the body.
async fn read_whole_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length: usize = head
        .to_ascii_lowercase()
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    while data.len() < head_end + length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    Some((head, data.split_off(head_end)))
}

/// A correct Standard Webhooks receiver that drops connections on a fixed
/// pattern: of every four requests it reads, it closes the connection on
/// the first two without answering. The tester's Python receiver closed
/// half of them at random; here a dropped request's one retry on a fresh
/// connection (see `Target::post`) is sometimes dropped too, every run the
/// same way. Returns how many requests it read.
async fn dropping_receiver() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let read = Arc::new(AtomicUsize::new(0));
    let counter = read.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                while let Some((head, body)) = read_whole_request(&mut stream).await {
                    let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                    if n % 4 == 1 || n % 4 == 2 {
                        return;
                    }
                    let status = verdict(&head, &body);
                    let answer = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n");
                    if stream.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, read)
}

/// The status a correct receiver answers a request with.
fn verdict(head: &str, body: &[u8]) -> u16 {
    if body.len() > receivers::MAX_BODY_BYTES {
        return 413;
    }
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    };
    let checked = signature::verify(
        std::slice::from_ref(&receivers::secret()),
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
        body,
        super::now_secs(),
        signature::DEFAULT_TOLERANCE_SECS,
    );
    if checked.is_err() {
        401
    } else if serde_json::from_slice::<serde_json::Value>(body).is_err() {
        400
    } else {
        200
    }
}

/// The tester's Python receiver, made deterministic: it reads a request,
/// answers `500` with no `Connection: close`, and closes the connection
/// when the next request starts on it, unanswered (the race the Python
/// receiver loses only some of the time, lost every time).
async fn closing_receiver() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                if !read_request(&mut stream).await {
                    return;
                }
                let answer = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
                if stream.write_all(answer).await.is_err() {
                    return;
                }
                // Wait for the next request's first bytes, then drop it.
                let mut byte = [0u8; 1];
                let _ = stream.read(&mut byte).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_request_on_a_connection_closed_under_it_is_sent_again_on_a_fresh_one() {
    let addr = closing_receiver().await;
    let target = Target::new(&format!("http://{addr}/webhook"), Duration::from_secs(10)).unwrap();
    for i in 0..6 {
        let reply = target
            .post(Default::default(), bytes::Bytes::from_static(b"{}"))
            .await;
        assert!(
            matches!(reply, Reply::Answered { status: 500, .. }),
            "request {i}: {reply:?}"
        );
    }
}

#[tokio::test]
async fn a_receiver_closing_each_connection_gets_the_same_scorecard_every_time() {
    let addr = closing_receiver().await;
    let url = format!("http://{addr}/webhook");
    let secret = || Secret::Standard(receivers::secret());
    let mut cards = Vec::new();
    for _ in 0..2 {
        let card = hooklab_check::run(config(url.clone(), secret()))
            .await
            .unwrap();
        // Every request got the receiver's 500: none is blamed on the close.
        for result in &card.results {
            for reply in &result.replies {
                assert!(
                    matches!(reply, Reply::Answered { status: 500, .. }),
                    "{:?}: {reply:?}",
                    result.case
                );
            }
        }
        let grades: Vec<_> = card
            .results
            .iter()
            .map(|r| (r.case, r.verdict, r.note.clone(), r.replies.len()))
            .collect();
        cards.push(grades);
    }
    assert_eq!(cards[0], cards[1]);
}

#[tokio::test]
async fn a_receiver_dropping_connections_is_graded_on_its_answers_and_the_drops_counted() {
    // The tester's finding: a receiver closing half its connections got
    // "fail: accepts a genuine delivery, no answer" and every other case
    // skipped, on the first request's luck.
    let (addr, read) = dropping_receiver().await;
    let mut config = config(
        format!("http://{addr}/webhook"),
        Secret::Standard(receivers::secret()),
    );
    config.max_body_bytes = receivers::MAX_BODY_BYTES;
    config.timing_samples = 0;
    let card = hooklab_check::run(config).await.unwrap();
    let shown = hooklab_check::render::table(&card, hooklab_core::lang::Lang::En, false);
    // Its first two requests were dropped: the genuine delivery made a
    // third time got its 200.
    let genuine = card.result(Case::Genuine).unwrap();
    assert_eq!(genuine.verdict, Verdict::Pass, "{shown}");
    assert_eq!(
        genuine.note,
        Some(Note::AfterResends {
            resent: 2,
            seen_in: None
        }),
        "{shown}"
    );
    assert!(
        genuine.replies[..2].iter().all(Reply::is_dropped),
        "{shown}"
    );
    // Only the reliability case fails, and it counts the drops.
    assert_eq!(card.failed(), vec![Case::Reliability], "{shown}");
    let reliability = card.result(Case::Reliability).unwrap();
    let Some(Note::Unreliable {
        sent,
        server_errors,
        dropped,
        other,
    }) = reliability.note
    else {
        panic!("{shown}");
    };
    assert_eq!((sent, server_errors, other), (20, 0, 0), "{shown}");
    assert!(dropped > 0, "{shown}");
    assert!(shown.contains("the connection closed or reset"), "{shown}");
    // Every case ran, none skipped for the genuine case's luck.
    for result in &card.results {
        assert!(
            result.verdict != Verdict::Skip || result.case == Case::Timing,
            "{:?}\n{shown}",
            result.case
        );
    }
    // The notes after a resend name where the random failure was first
    // seen: the genuine case.
    let resent_later = card
        .results
        .iter()
        .filter(|r| r.case != Case::Genuine)
        .filter_map(|r| match r.note {
            Some(Note::AfterResends { seen_in, .. }) => Some(seen_in),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert!(!resent_later.is_empty(), "{shown}");
    assert!(
        resent_later.iter().all(|seen| *seen == Some(Case::Genuine)),
        "{shown}"
    );
    assert!(read.load(Ordering::SeqCst) > 40);
}

#[tokio::test(start_paused = true)]
async fn a_delivery_cut_by_the_deadline_is_not_graded_as_the_receivers() {
    // The tester's receiver, sound but slow: 4 s an answer there, 3 s here
    // so the deadline (20 s) falls between answers, cutting reliability's
    // sixth delivery. On the paused clock the seconds are the runtime's,
    // not the machine's.
    let router = axum::Router::new().route(
        "/webhook",
        axum::routing::post(|| async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            "ok"
        }),
    );
    let addr = super::serve(router).await;
    let mut config = config(
        format!("http://{addr}/webhook"),
        Secret::Standard(receivers::secret()),
    );
    config.deadline = Duration::from_secs(20);
    config.timing_samples = 20;
    let card = hooklab_check::run(config).await.unwrap();
    let shown = hooklab_check::render::table(&card, hooklab_core::lang::Lang::En, false);
    let limit = Duration::from_secs(15);
    for result in &card.results {
        let cut = result
            .replies
            .iter()
            .any(|r| matches!(r, Reply::TimedOut { after_ms } if u128::from(*after_ms) < limit.as_millis()));
        assert!(
            !(cut && result.verdict == Verdict::Fail && result.case != Case::Genuine),
            "{:?} failed on a delivery the deadline cut\n{shown}",
            result.case
        );
    }
    // The run says it was cut short, and the case the deadline fell in
    // (3 s an answer, 20 s: the seventh) says it started and was cut,
    // with what it got, not that the deadline "passed before" it.
    assert!(shown.contains("incomplete"), "{shown}");
    let cut = card
        .results
        .iter()
        .find(|r| r.note == Some(hooklab_check::Note::CutByDeadline(20)))
        .unwrap_or_else(|| panic!("no case cut mid-request\n{shown}"));
    assert_eq!(cut.verdict, Verdict::Skip);
    assert!(!cut.replies.is_empty(), "{shown}");
    assert!(
        shown.contains("Cut short: the battery's deadline of 20 s passed while this case waited"),
        "{shown}"
    );
    assert!(card.incomplete());
    assert_ne!(card.exit_code(), 0);
}

/// A correct receiver, but for bodies over its limit, which it takes and
/// echoes back with a 200: its answer's body is then over the 1 MiB a
/// sender reads.
async fn echoing_receiver() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                while let Some((head, body)) = read_whole_request(&mut stream).await {
                    let (status, echo) = if body.len() > receivers::MAX_BODY_BYTES {
                        (200, body)
                    } else {
                        (verdict(&head, &body), Vec::new())
                    };
                    let head = format!(
                        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n\r\n",
                        echo.len()
                    );
                    if stream.write_all(head.as_bytes()).await.is_err()
                        || stream.write_all(&echo).await.is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn an_oversized_body_taken_and_echoed_back_is_not_a_refusal() {
    // A tester's finding: the answers read "answered with a body over
    // 1 MiB" and the note "Closed the connection instead of reading it
    // all: that is a refusal", and the case passed: the receiver had taken
    // the whole body, with a 200.
    let addr = echoing_receiver().await;
    let mut config = config(
        format!("http://{addr}/webhook"),
        Secret::Standard(receivers::secret()),
    );
    config.max_body_bytes = receivers::MAX_BODY_BYTES;
    config.timing_samples = 0;
    let card = hooklab_check::run(config).await.unwrap();
    let shown = hooklab_check::render::table(&card, hooklab_core::lang::Lang::En, false);
    let oversized = card.result(Case::OversizedBody).unwrap();
    assert_eq!(
        (oversized.verdict, oversized.note.clone()),
        (Verdict::Warn, Some(Note::AnswerTooLarge)),
        "{shown}"
    );
    assert!(!shown.contains("that is a refusal"), "{shown}");
    for lang in [hooklab_core::lang::Lang::En, hooklab_core::lang::Lang::PtBr] {
        let said = hooklab_check::text::note(&Note::AnswerTooLarge, lang);
        assert!(said.contains("1 MiB"), "{said}");
    }
}

#[tokio::test]
async fn an_answer_that_breaks_off_after_its_status_says_which_status_came() {
    // A tester's finding: a receiver that sent `200` and closed the
    // connection before the end of its body read "No answer: the
    // connection failed or closed before a status came back", while its
    // log showed the 200 it sent.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                if read_request(&mut stream).await {
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
                        .await;
                }
            });
        }
    });
    let card = hooklab_check::run(config(
        format!("http://{addr}/webhook"),
        Secret::Standard(receivers::secret()),
    ))
    .await
    .unwrap();
    let shown = hooklab_check::render::table(&card, hooklab_core::lang::Lang::En, false);
    let genuine = card.result(Case::Genuine).unwrap();
    assert_eq!(genuine.note, Some(Note::NoAnswer), "{shown}");
    let Some(Reply::NoAnswer { error, .. }) = genuine.replies.last() else {
        panic!("{shown}");
    };
    assert!(error.starts_with("answered 200, then"), "{error}");
    assert!(shown.contains("detail: answered 200, then"), "{shown}");
    assert!(!shown.contains("before a status came back"), "{shown}");
    let pt = hooklab_check::render::table(&card, hooklab_core::lang::Lang::PtBr, false);
    assert!(pt.contains("Sem resposta completa"), "{pt}");
}
