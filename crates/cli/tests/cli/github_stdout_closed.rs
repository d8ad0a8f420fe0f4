//! `hooklab github listen | head -1`: once `head` had its line and left,
//! the listener's next print failed, its printer stopped, and every later
//! delivery was answered 503 until a Ctrl-C. Now a closed stdout stops the
//! listener by itself, as `yes | head` stops `yes`: the delivery it could
//! not print was already acknowledged (it was queued while the printer
//! still ran), its last line on stderr says why it stopped and what it
//! took, and it exits 0.

use crate::class::{Killed, hooklab, read_line};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// `hooklab github send push` to `url`, delivery `id`: its stdout, which
/// starts with the answer's status line.
fn send(dir: &std::path::Path, url: &str, id: &str) -> String {
    let sent = hooklab(dir)
        .args(["github", "send", "push", "--to", url, "--secret", "s3cret"])
        .args(["--delivery", id])
        .output()
        .unwrap();
    String::from_utf8_lossy(&sent.stdout).into_owned()
}

#[test]
fn a_listener_whose_stdout_is_closed_stops_by_itself_and_never_answers_503() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, said) in [
        (
            "en",
            "hooklab github: stopped: stdout was closed (the program reading it, such as `head`, \
             has ended): 2 events received",
        ),
        (
            "pt-BR",
            "hooklab github: parado: a saída padrão foi fechada (o programa que a lia, como o \
             `head`, terminou): 2 eventos recebidos",
        ),
    ] {
        let mut child = Killed(
            hooklab(dir.path())
                .args([
                    "--lang",
                    lang,
                    "github",
                    "listen",
                    "--listen",
                    "127.0.0.1:0",
                ])
                .args(["--secret", "s3cret"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let mut out = child.0.stdout.take().unwrap();
        let mut err = child.0.stderr.take().unwrap();
        let first = read_line(&mut err);
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_owned();

        let answer = send(dir.path(), &url, "d-1");
        assert!(answer.starts_with("HTTP 200"), "{lang}: first: {answer}");
        // `head -1`: the first line (the blank before the event's block),
        // then the pipe's reading end is closed.
        assert_eq!(read_line(&mut out), "", "{lang}");
        drop(out);
        // Queued while the printer still runs: acknowledged; printing it
        // finds the pipe closed, and the listener stops.
        let answer = send(dir.path(), &url, "d-2");
        assert!(answer.starts_with("HTTP 200"), "{lang}: second: {answer}");

        // A hang guard, not a speed check: before, it ran until a Ctrl-C.
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.0.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "{lang}: still running 30 s after its stdout was closed"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut rest = Vec::new();
        loop {
            let line = read_line(&mut err);
            if line.is_empty() {
                break;
            }
            rest.push(line);
        }
        let rest = rest.join("\n");
        assert_eq!(status.code(), Some(0), "{lang}: {rest}");
        assert!(rest.contains(said), "{lang}: {rest}");
        // Once stopped, nothing is listening there: a later delivery is
        // refused at the door (GitHub retries it), not answered 503 by a
        // listener that can no longer print.
        let answer = send(dir.path(), &url, "d-3");
        assert!(answer.is_empty(), "{lang}: after: {answer}");
    }
}
