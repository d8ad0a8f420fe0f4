//! What a class hits when it follows the help: copies of scenarios, folders,
//! unwritable outputs, and Portuguese from the first command.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CHECKOUT: &str = include_str!("../../../scenarios/checkout.toml");
const COMMITTED_SUMMARY: &str = include_str!("../../../results/checkout/summary.json");

fn hooklab(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hooklab"));
    command
        .current_dir(cwd)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("HOOKLAB_LANG");
    command
}

/// A class's folder: a copy of the committed results/checkout/summary.json,
/// and a small copy of checkout.toml under `file_name`.
fn classroom(file_name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("results/checkout")).unwrap();
    std::fs::write(
        dir.path().join("results/checkout/summary.json"),
        COMMITTED_SUMMARY,
    )
    .unwrap();
    let file = dir.path().join(file_name);
    std::fs::write(&file, CHECKOUT.replace("orders = 300", "orders = 5")).unwrap();
    (dir, file)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_copy_writes_under_its_own_file_name_and_says_which_file_made_it() {
    let (dir, _) = classroom("my.toml");
    let out = hooklab(dir.path())
        .args(["run", "my.toml", "--clock", "virtual"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let committed = std::fs::read_to_string(dir.path().join("results/checkout/summary.json"));
    assert_eq!(committed.unwrap(), COMMITTED_SUMMARY);
    let mine = std::fs::read_to_string(dir.path().join("results/my/summary.json")).unwrap();
    let mine: serde_json::Value = serde_json::from_str(&mine).unwrap();
    assert_eq!(mine["scenario"]["file"], "my.toml");
    assert_eq!(mine["scenario"]["orders"], 5);
    let md = std::fs::read_to_string(dir.path().join("results/my/summary.md")).unwrap();
    assert!(md.contains("`my.toml`"), "{md}");
}

#[test]
fn a_copy_named_like_a_committed_result_is_refused_with_the_way_out() {
    let (dir, _) = classroom("checkout.toml");
    let out = hooklab(dir.path())
        .args(["run", "checkout.toml", "--clock", "virtual"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for needle in [
        "results/checkout",
        "scenarios/checkout.toml",
        "--out",
        "--force",
    ] {
        assert!(err.contains(needle), "no {needle} in {err}");
    }
    let committed = std::fs::read_to_string(dir.path().join("results/checkout/summary.json"));
    assert_eq!(committed.unwrap(), COMMITTED_SUMMARY);
    // --force is the deliberate choice.
    let out = hooklab(dir.path())
        .args(["run", "checkout.toml", "--clock", "virtual", "--force"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn an_unwritable_out_fails_before_the_run() {
    let (dir, _) = classroom("my.toml");
    // A file where a folder should be: no folder can be made under it, for
    // root too (tests may run as root, which ignores permission bits).
    std::fs::write(dir.path().join("blocker"), "").unwrap();
    let out = hooklab(dir.path())
        .args([
            "run",
            "my.toml",
            "--clock",
            "virtual",
            "--out",
            "blocker/out",
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("blocker/out"), "{err}");
    assert!(err.contains("before running"), "{err}");
    // Nothing of the run was printed: it never started.
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn markdown_without_writing_links_no_chart() {
    let (dir, _) = classroom("my.toml");
    let out = hooklab(dir.path())
        .args([
            "run",
            "my.toml",
            "--clock",
            "virtual",
            "--format",
            "markdown",
            "--no-write",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("| poll-1s"), "{md}");
    assert!(!md.contains(".svg"), "{md}");
    assert!(!dir.path().join("results/my").exists());
}
