//! The engineer tester's findings, as a user meets them: a scenario whose
//! cost the estimate missed, a rate whose arrivals outrun the clock, and a
//! doctored summary too big to draw. Each is refused with the file, the
//! field and what to do, exit code 2, before anything runs or is drawn.

use super::{hooklab, temp_dir};

const COMMITTED_SUMMARY: &str = include_str!("../../../../results/checkout/summary.json");

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// 100 orders settling after an hour, reconciled every millisecond: some
/// 360 million polls. `validate` said ok and `run` started without
/// `--force`, for hours.
#[test]
fn a_hybrid_reconciling_every_millisecond_is_refused_for_its_cost() {
    let dir = temp_dir();
    let file = dir.path().join("reconcile.toml");
    std::fs::write(
        &file,
        "name = \"reconcile\"\nseed = 1\nclock = \"virtual\"\n[workload]\norders = 200\n\
         arrival = { dist = \"fixed\", every_ms = 5 }\nsettle = { dist = \"fixed\", ms = \"1h\" }\n\
         [faults]\nsilent_loss = 1.0\n\
         [[strategy]]\nname = \"h\"\nkind = \"hybrid\"\nreconcile_after_ms = 1\nreconcile_every_ms = 1\n",
    )
    .unwrap();
    let out = hooklab()
        .current_dir(dir.path())
        .args(["run", "reconcile.toml", "--no-write"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("reconcile.toml") && err.contains("million") && err.contains("--force"),
        "{err}"
    );
    // `validate` keeps it valid, and says the cost.
    let out = hooklab()
        .current_dir(dir.path())
        .args(["validate", "reconcile.toml"])
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(said.contains("million"), "{said}");
}

/// 10 orders at 1e-300 a second loaded, and 9 were never placed yet
/// counted missed, "not settled when the run ended".
#[test]
fn a_rate_too_slow_for_the_clock_is_refused_at_its_line() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("slow.toml"),
        "name = \"slow\"\nseed = 1\nclock = \"virtual\"\n[workload]\norders = 10\n\
         arrival = { dist = \"poisson\", per_s = 1e-300 }\nsettle = { dist = \"fixed\", ms = \"1h\" }\n\
         [[strategy]]\nname = \"w\"\nkind = \"webhook\"\n",
    )
    .unwrap();
    for command in ["validate", "run"] {
        let out = hooklab()
            .current_dir(dir.path())
            .args([command, "slow.toml"])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(err.contains("slow.toml:6:"), "{command}: {err}");
        assert!(err.contains("workload.arrival.per_s"), "{command}: {err}");
        assert!(err.contains("at least 3.59e-11"), "{command}: {err}");
        assert!(!err.contains("0000000000"), "{command}: {err}");
    }
}

/// A timeline of 100,000 buckets (the tester's had 5 million: 30 s,
/// 600 MB and a 40 MB chart) is refused by `report` before anything is
/// drawn, naming the file and the column (`live --replay` runs the same
/// check, `summary_check::implausible`).
#[test]
fn a_doctored_timeline_is_refused_before_it_is_drawn() {
    let dir = temp_dir();
    let mut summary: serde_json::Value = serde_json::from_str(COMMITTED_SUMMARY).unwrap();
    summary["strategies"][0]["timeline"]["polls"] =
        serde_json::Value::Array(vec![1.into(); 100_000]);
    std::fs::create_dir_all(dir.path().join("doctored")).unwrap();
    std::fs::write(
        dir.path().join("doctored/summary.json"),
        serde_json::to_string(&summary).unwrap(),
    )
    .unwrap();
    let out = hooklab()
        .current_dir(dir.path())
        .args(["report", "doctored/summary.json", "--out", "drawn"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("doctored/summary.json")
            && err.contains("`strategies[0].timeline.polls` has 100,000 buckets"),
        "{err}"
    );
    assert!(!dir.path().join("drawn").exists());
    // Counts that contradict each other are refused too.
    let mut summary: serde_json::Value = serde_json::from_str(COMMITTED_SUMMARY).unwrap();
    summary["strategies"][1]["missed"] = 5.into();
    std::fs::write(
        dir.path().join("doctored/summary.json"),
        serde_json::to_string(&summary).unwrap(),
    )
    .unwrap();
    let out = hooklab()
        .current_dir(dir.path())
        .env("HOOKLAB_LANG", "pt-BR")
        .args(["report", "doctored/summary.json", "--out", "drawn"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`strategies[1].missed`") && err.contains("notified + missed = orders"),
        "{err}"
    );
}

/// `run --clock virtual --out results/checkout` replaced the real-clock
/// reference without a word. The same file may replace its own results,
/// but a run on the other clock says so before it starts; a run on the
/// same clock says nothing.
#[test]
fn replacing_a_run_of_the_other_clock_is_said_before_the_run() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("tiny.toml"),
        "name = \"tiny\"\nseed = 1\nclock = \"virtual\"\n[workload]\norders = 5\n\
         arrival = { dist = \"fixed\", every_ms = 5 }\nsettle = { dist = \"fixed\", ms = 50 }\n\
         [[strategy]]\nname = \"w\"\nkind = \"webhook\"\n",
    )
    .unwrap();
    let run = || {
        hooklab()
            .current_dir(dir.path())
            .args(["-q", "run", "tiny.toml", "--out", "out"])
            .output()
            .unwrap()
    };
    let first = run();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let again = run();
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(!stderr(&again).contains("warning"), "{}", stderr(&again));
    // Make the folder's run a real-clock one, as results/checkout is.
    let path = dir.path().join("out/summary.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let doctored = text.replacen("\"clock\": \"virtual\"", "\"clock\": \"real\"", 1);
    assert_ne!(doctored, text, "the summary names its clock");
    std::fs::write(&path, doctored).unwrap();
    let other = run();
    let err = stderr(&other);
    assert_eq!(other.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning") && err.contains("real-clock run") && err.contains("--out"),
        "{err}"
    );
}
