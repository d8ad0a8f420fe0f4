//! The `hooklab` binary as a user runs it: exit codes, messages, files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

fn hooklab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hooklab"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hooklab-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const GOOD: &str = r#"name = "cli-tiny"
seed = 1
[workload]
orders = 10
arrival = { dist = "fixed", every_ms = 1 }
settle = { dist = "fixed", ms = 20 }
[[strategy]]
name = "poll"
kind = "poll"
interval_ms = 10
[[strategy]]
name = "webhook"
kind = "webhook"
"#;

#[test]
fn invalid_scenarios_exit_2_naming_file_line_and_field_and_write_nothing() {
    let dir = temp_dir("invalid");
    let cases = [
        ("syntax", GOOD.replace("seed = 1", "seed = = 1"), 2, None),
        (
            "unknown",
            GOOD.replace("interval_ms = 10", "interval_ms = 10\nspeed = 3"),
            11,
            Some("strategy[0].speed"),
        ),
        (
            "negative",
            GOOD.replace("interval_ms = 10", "interval_ms = -10"),
            10,
            Some("strategy[0].interval_ms"),
        ),
        (
            "shares",
            GOOD.replace(
                "[[strategy]]\nname = \"poll\"",
                "outcomes = { approved = 0.5, declined = 0.4 }\n[[strategy]]\nname = \"poll\"",
            ),
            7,
            Some("workload.outcomes"),
        ),
        (
            "zero",
            GOOD.replace("orders = 10", "orders = 0"),
            4,
            Some("workload.orders"),
        ),
    ];
    for (name, text, line, field) in cases {
        let file = dir.join(format!("{name}.toml"));
        std::fs::write(&file, text).unwrap();
        let out_dir = dir.join(format!("out-{name}"));
        let out = hooklab()
            .arg("run")
            .arg(&file)
            .arg("--out")
            .arg(&out_dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        let located = format!("{}:{line}:", file.display());
        assert!(
            stderr.contains(&located),
            "{name}: expected `{located}` in: {stderr}"
        );
        if let Some(field) = field {
            assert!(
                stderr.contains(&format!("`{field}`")),
                "{name}: expected field {field} in: {stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(out.stdout.is_empty(), "{name}: printed partial results");
        assert!(!out_dir.exists(), "{name}: wrote partial results");
    }
    let missing = hooklab()
        .args(["run", "/nonexistent/hooklab.toml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/hooklab.toml"));
}

#[test]
fn a_run_prints_json_and_writes_the_summary_files() {
    let dir = temp_dir("good");
    let file = dir.join("good.toml");
    std::fs::write(&file, GOOD).unwrap();
    let out_dir = dir.join("out");
    let out = hooklab()
        .arg("run")
        .arg(&file)
        .args(["--format", "json", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["scenario"]["name"], "cli-tiny");
    assert_eq!(printed["scenario"]["seed"], 1);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(printed, written);
    for s in written["strategies"].as_array().unwrap() {
        for key in [
            "name",
            "kind",
            "orders",
            "notified",
            "missed",
            "duplicates",
            "latency_ms",
            "requests",
            "requests_per_order",
            "predicted",
        ] {
            assert!(s.get(key).is_some(), "missing {key}");
        }
        for key in ["mean", "p50", "p90", "p99", "p999", "max"] {
            assert!(
                s["latency_ms"].get(key).is_some(),
                "missing latency_ms.{key}"
            );
        }
        for key in [
            "total",
            "payment_creates",
            "polls",
            "polls_wasted",
            "webhook_attempts",
        ] {
            assert!(s["requests"].get(key).is_some(), "missing requests.{key}");
        }
        assert_eq!(s["notified"], 10);
    }
    let md = std::fs::read_to_string(out_dir.join("summary.md")).unwrap();
    assert!(md.starts_with("# cli-tiny"));
}

#[test]
fn help_teaches_and_exits_0() {
    let out = hooklab().args(["run", "--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("scenarios/README.md"));
    let bad = hooklab()
        .args(["run", "--format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
