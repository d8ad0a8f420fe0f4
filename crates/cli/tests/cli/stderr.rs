//! A standard error that cannot be written to changes no exit code.

use super::{hooklab, temp_dir};
use std::process::Stdio;

/// `2>/dev/full`: every write to standard error fails. `eprintln!` panicked
/// (exit 101); the refusal of a bad scenario must still exit 2.
#[test]
fn a_failing_stderr_keeps_the_exit_code() {
    let dir = temp_dir();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\nseed = 1\n[workload]\norders = 0\n").unwrap();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let status = hooklab()
        .arg("validate")
        .arg(&bad)
        .stdout(Stdio::null())
        .stderr(Stdio::from(full))
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}

/// `hooklab github send` printed its line and the receiver's answer with
/// `eprintln!`/`println!`: `2>/dev/full` or `>/dev/full` panicked (exit
/// 101). A note that cannot be written is skipped; the answer, its output,
/// not printed is a failure said as one (exit 1).
#[test]
fn github_send_to_a_full_stdout_or_stderr_does_not_panic() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let dir = temp_dir();
    // Nothing listens on port 9: refused (exit 1), with its line unwritable.
    let refused = hooklab()
        .current_dir(dir.path())
        .args([
            "github",
            "send",
            "ping",
            "--to",
            "http://127.0.0.1:9/webhook",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::from(full()))
        .status()
        .unwrap();
    assert_eq!(refused.code(), Some(1));
    // A receiver that takes it, and an answer that cannot be printed.
    let mut listen = crate::class::Killed(
        hooklab()
            .args([
                "github",
                "listen",
                "--listen",
                "127.0.0.1:0",
                "--secret",
                "s3cret",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut err = listen.0.stderr.take().unwrap();
    let first = crate::class::read_line(&mut err);
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_owned();
    let unprinted = hooklab()
        .args(["github", "send", "ping", "--to", &url, "--secret", "s3cret"])
        .stdout(Stdio::from(full()))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&unprinted.stderr);
    assert_eq!(unprinted.status.code(), Some(1), "{said}");
    assert!(
        said.contains("cannot print the receiver's answer on stdout"),
        "{said}"
    );
    assert!(!said.contains("panicked"), "{said}");
}
