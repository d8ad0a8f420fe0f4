//! The `hooklab` binary as a user runs it: exit codes, messages, files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod class;
mod data_key;
mod data_lock;
mod demo;
mod findings;
mod flag_checks;
mod github_ctrl_c;
mod github_stdout_closed;
mod hostile;
mod live_ctrl_c;
mod live_stop_ctrl_c;
mod messages;
mod pt_class4;
mod pt_class5;
mod pt_findings;
mod ptlesson;
mod replay_speed;
mod server_lang;
mod shop_ctrl_c;
mod stderr;
mod student_input;

use std::process::Command;

fn hooklab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hooklab"))
}

/// A fresh folder, removed when dropped (even when the test fails), so a
/// test run leaves nothing behind in the system's temporary folder.
fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("hooklab-cli-")
        .tempdir()
        .unwrap()
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
    let tmp = temp_dir();
    let dir = tmp.path();
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
    let tmp = temp_dir();
    let dir = tmp.path();
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

/// Runs `hooklab run FILE ARGS…` on `text` in a fresh folder, in English
/// unless `args` say otherwise; returns the exit code and stderr.
fn run_text(text: &str, args: &[&str]) -> (Option<i32>, String) {
    let tmp = temp_dir();
    let file = tmp.path().join("s.toml");
    std::fs::write(&file, text).unwrap();
    let out = hooklab()
        .args(["--lang", "en", "run"])
        .arg(&file)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .args(args)
        .output()
        .unwrap();
    assert!(!tmp.path().join("out").exists() || out.status.success());
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).replace(&file.display().to_string(), "s.toml"),
    )
}

#[test]
fn sweep_values_and_platform_bounds_are_refused_with_exit_2() {
    let events = GOOD.replace("kind = \"poll\"", "kind = \"poll_events\"");
    let cases = [
        (
            format!("{GOOD}[sweep]\n\"poll.interval_ms\" = [0]\n"),
            "s.toml:15:",
            "must be greater than 0",
        ),
        (
            format!("{events}[sweep]\n\"poll.page_size\" = [0]\n"),
            "s.toml:15:",
            "between 1 and 1,000",
        ),
        (
            format!("{GOOD}[sweep]\n\"poll.interval_ms\" = [10, \"10ms\"]\n"),
            "s.toml:15:",
            "give each value once",
        ),
        (
            GOOD.replace("orders = 10", "orders = 10\namount_cents = 1000000000001"),
            "s.toml:5:",
            "the most the platform accepts",
        ),
        (
            format!("{GOOD}[platform]\nrate_limit_per_s = 0.5\n"),
            "s.toml:15:",
            "at least 1 request a second",
        ),
    ];
    for (text, located, says) in cases {
        let (code, stderr) = run_text(&text, &[]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains(located) && stderr.contains(says),
            "{located} {says}: {stderr}"
        );
    }
}

#[test]
fn scenario_errors_follow_the_language() {
    let tmp = temp_dir();
    let file = tmp.path().join("s.toml");
    std::fs::write(&file, GOOD.replace("orders = 10", "orders = -5")).unwrap();
    let out = hooklab()
        .args(["--lang", "pt-BR", "run"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("campo `workload.orders`: `orders` deve ser um número inteiro de pelo menos 1; recebido -5"),
        "{stderr}"
    );
    assert!(!stderr.contains("u32"), "{stderr}");
}

#[test]
fn a_run_too_big_for_the_machine_is_refused_unless_forced() {
    let huge = "name = \"huge\"\nseed = 1\nclock = \"virtual\"\n[workload]\norders = 5000000\n\
                arrival = { dist = \"fixed\", every_ms = 1 }\nsettle = { dist = \"fixed\", ms = 20 }\n\
                [[strategy]]\nname = \"webhook\"\nkind = \"webhook\"\n"
        .to_owned()
        + &(1..20)
            .map(|i| format!("[[strategy]]\nname = \"w{i}\"\nkind = \"webhook\"\n"))
            .collect::<String>();
    let huge = huge.as_str();
    let (code, stderr) = run_text(huge, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("HTTP exchanges") && stderr.contains("--force"),
        "{stderr}"
    );
    let tmp = temp_dir();
    let file = tmp.path().join("s.toml");
    std::fs::write(&file, huge).unwrap();
    let out = hooklab()
        .args(["--lang", "pt-BR", "run"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("trocas HTTP") && stderr.contains("--force"),
        "{stderr}"
    );
    // --force is accepted (the run itself is not started here: it is huge).
    let help = hooklab().args(["run", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("--force"));
    let help = hooklab().args(["live", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("--force"));
}
