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
