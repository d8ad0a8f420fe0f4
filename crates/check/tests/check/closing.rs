//! Receivers that close or stall: a kept-alive connection the receiver
//! closes after each answer (without `Connection: close`) must not change
//! the scorecard from run to run, and a delivery cut by `--deadline` is not
//! the receiver's failure.

use super::config;
use super::receivers;
use hooklab_check::target::{Reply, Target};
use hooklab_check::{Case, Secret, Verdict};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Reads one request (head and `Content-Length` body); `false` at the end
/// of the stream.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    while data.len() < head_end + length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    true
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
    // The run says it was cut short.
    assert!(shown.contains("incomplete"), "{shown}");
    assert_ne!(card.exit_code(), 0);
}
