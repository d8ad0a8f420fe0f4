//! `hooklab live` stopped by Ctrl-C when no run is cut short: a replay, or
//! a live run no page has started. A tester's finding: a real SIGINT then
//! ended the process with exit code 0 and no word, so a script could not
//! tell it from a finished command. Now it says the page is no longer
//! served and exits 130, as a Ctrl-C during a live run does
//! (`live_ctrl_c`).

use super::{hooklab, temp_dir};
use crate::live_ctrl_c::{ctrl_c, stderr_lines, until};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A real-clock scenario: `hooklab live` waits for a page before running it.
const WAITING: &str = r#"name = "live-waiting"
seed = 3
clock = "real"
[workload]
orders = 10
arrival = { dist = "fixed", every_ms = 100 }
settle = { dist = "fixed", ms = 50 }
[[strategy]]
name = "poll-1s"
kind = "poll"
interval_ms = 1000
"#;

#[test]
fn ctrl_c_during_a_replay_or_before_a_run_says_so_and_exits_130() {
    let results = concat!(env!("CARGO_MANIFEST_DIR"), "/../../results/checkout");
    let dir = temp_dir();
    let waiting = dir.path().join("waiting.toml");
    std::fs::write(&waiting, WAITING).unwrap();
    let waiting = waiting.display().to_string();
    for (lang, stopped) in [
        ("en", "stopped (Ctrl-C): the page is no longer served"),
        ("pt-BR", "parado (Ctrl-C): a página deixou de ser servida"),
    ] {
        for how in [&["--replay", results][..], &[waiting.as_str()][..]] {
            let mut child = hooklab()
                .args(["--lang", lang, "live"])
                .args(how)
                .args(["--listen", "127.0.0.1:0"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let lines = stderr_lines(&mut child);
            let mut seen = Vec::new();
            until(&lines, "http://127.0.0.1:", &mut seen);
            ctrl_c(&child);
            // A hang guard, not a speed check: the page is served until
            // Ctrl-C, for ever without it.
            let deadline = Instant::now() + Duration::from_secs(20);
            let status = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("{lang} {how:?}: still running 20 s after Ctrl-C");
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            seen.extend(lines.iter());
            let said = seen.join("\n");
            assert_eq!(
                status.code(),
                Some(130),
                "{lang} {how:?}: {status:?}\n{said}"
            );
            assert!(said.contains(stopped), "{lang} {how:?}:\n{said}");
            // Nothing was cut short: not the live run's words.
            assert!(!said.contains("summary.json"), "{lang} {how:?}:\n{said}");
        }
    }
}
