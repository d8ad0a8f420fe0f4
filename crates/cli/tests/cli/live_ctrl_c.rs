//! `hooklab live` and Ctrl-C. A tester's finding: Ctrl-C three seconds into
//! `hooklab live scenarios/spectrum-real.toml --now` (and again at five)
//! ended the process 27.5 s after the second, with no word and exit code
//! 0: the run went on to its end. Now the first Ctrl-C says the run is cut
//! short and the process ends, exit code 130 (a shell's code for a command
//! SIGINT ended, which is how `hooklab run` ends on Ctrl-C).

use super::{hooklab, temp_dir};
use std::io::BufRead as _;
use std::process::{Child, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// One poller over a minute of orders on the real clock: a run still going
/// when the test presses Ctrl-C, whatever the machine's speed.
const A_MINUTE: &str = r#"name = "live-ctrl-c"
seed = 3
clock = "real"
[workload]
orders = 600
arrival = { dist = "fixed", every_ms = 100 }
settle = { dist = "fixed", ms = 50 }
[[strategy]]
name = "poll-1s"
kind = "poll"
interval_ms = 1000
"#;

/// The lines of `child`'s standard error, read on a thread of their own.
pub(crate) fn stderr_lines(child: &mut Child) -> Receiver<String> {
    let err = child.stderr.take().unwrap();
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(err).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// Waits for a line holding `what`; every line read so far, it included.
pub(crate) fn until(lines: &Receiver<String>, what: &str, seen: &mut Vec<String>) {
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("no {what:?} on stderr, after:\n{}", seen.join("\n")));
        let found = line.contains(what);
        seen.push(line);
        if found {
            return;
        }
    }
}

pub(crate) fn ctrl_c(child: &Child) {
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[test]
fn ctrl_c_during_a_live_run_stops_it_says_so_and_exits_130() {
    for (lang, stopping) in [
        (
            "en",
            "stopping: the run is cut short, its strategies stop with it",
        ),
        (
            "pt-BR",
            "parando: a execução foi interrompida, e suas estratégias param com ela",
        ),
    ] {
        let dir = temp_dir();
        let file = dir.path().join("a-minute.toml");
        std::fs::write(&file, A_MINUTE).unwrap();
        let mut child = hooklab()
            .args(["--lang", lang, "live"])
            .arg(&file)
            .args(["--now", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = stderr_lines(&mut child);
        let mut seen = Vec::new();
        until(&lines, "http://127.0.0.1:", &mut seen);
        ctrl_c(&child);
        // A hang guard, not a speed check: the run itself lasts a minute.
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{lang}: still running 20 s after Ctrl-C:\n{}",
                    seen.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        seen.extend(lines.iter());
        let said = seen.join("\n");
        assert_eq!(status.code(), Some(130), "{lang}: {status:?}\n{said}");
        assert!(said.contains(stopping), "{lang}:\n{said}");
        assert!(said.contains("summary.json"), "{lang}:\n{said}");
    }
}
