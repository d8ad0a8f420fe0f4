//! `--jobs`: a virtual run's strategies and sweep points are independent
//! worlds, so running them on several threads changes the wall time and
//! nothing else. The summary of `jobs` 2 and 3 is the summary of `jobs` 1,
//! byte for byte, and the threads really do run at once.

use crate::fixtures::{run_with, scenario};
use hooklab_core::report::{StrategyReport, Summary};
use hooklab_core::scenario::{ClockMode, Scenario};
use hooklab_harness::Progress;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

const VIRTUAL: Option<ClockMode> = Some(ClockMode::Virtual);

/// Five strategies of uneven length (a three-point poll sweep, a webhook with
/// retries, a hybrid), with every source of randomness the run has: jittered
/// retries, receiver errors, duplicates, network latency.
fn sweep() -> Scenario {
    let built = scenario(
        "jobs",
        23,
        150,
        r#"{ dist = "poisson", per_s = 300 }"#,
        r#"{ dist = "lognormal", median_ms = 200, sigma = 0.7 }"#,
    )
    .outcomes("{ approved = 0.7, declined = 0.3 }")
    .table(
        r#"
[delivery]
retry_schedule = ["0s", "50ms", "300ms", "1s"]
[faults]
receiver_error_rate = 0.15
duplicate_rate = 0.1
[network]
latency = { dist = "uniform", min_ms = 1, max_ms = 6 }
[sweep]
"poll.interval_ms" = [25, 100, 400]
"#,
    )
    .poll("poll", "50")
    .webhook("webhook")
    .hybrid("hybrid", r#""1s""#, r#""500ms""#)
    .build();
    hooklab_harness::sweep::expand(&built).unwrap()
}

/// The bytes `summary.json` would hold.
fn json(summary: &Summary) -> String {
    serde_json::to_string_pretty(summary).unwrap()
}

/// Counts what it hears and, when `hold`, holds the first strategy to start
/// until a second one starts too (or 30 s pass): with one thread the second
/// could never start first, so `met` says two strategies ran at once.
#[derive(Default)]
struct Rendezvous {
    hold: bool,
    started: Mutex<Vec<usize>>,
    finished: Mutex<Vec<usize>>,
    arrived: Condvar,
    met: Mutex<Option<bool>>,
}

impl Progress for Rendezvous {
    fn strategy_started(&self, index: usize, _total: usize, _name: &str, _orders: u64) {
        let mut started = self.started.lock().unwrap();
        started.push(index);
        match started.len() {
            1 if self.hold => {
                let (started, wait) = self
                    .arrived
                    .wait_timeout_while(started, Duration::from_secs(30), |s| s.len() < 2)
                    .unwrap();
                drop(started);
                *self.met.lock().unwrap() = Some(!wait.timed_out());
            }
            2 => self.arrived.notify_all(),
            _ => {}
        }
    }

    fn strategy_finished(&self, index: usize, _report: &StrategyReport) {
        self.finished.lock().unwrap().push(index);
    }
}

#[test]
fn more_threads_give_the_same_summary_byte_for_byte() {
    let scenario = sweep();
    assert_eq!(scenario.strategies.len(), 5, "{:?}", scenario.strategies);
    let one = json(&run_with(
        &scenario,
        VIRTUAL,
        Some(1),
        &hooklab_harness::run::Silent,
    ));
    assert!(one.contains("poll@interval_ms=400ms"), "{one}");
    for jobs in [2, 3] {
        let many = json(&run_with(
            &scenario,
            VIRTUAL,
            Some(jobs),
            &hooklab_harness::run::Silent,
        ));
        assert_eq!(one, many, "--jobs {jobs} changed the summary");
    }
    // More threads than strategies: as many as there are strategies.
    let wide = json(&run_with(
        &scenario,
        VIRTUAL,
        Some(8),
        &hooklab_harness::run::Silent,
    ));
    assert_eq!(one, wide, "--jobs 8 changed the summary");
}

#[test]
fn two_threads_run_two_strategies_at_once_and_report_each_once() {
    let scenario = sweep();
    let heard = Rendezvous {
        hold: true,
        ..Rendezvous::default()
    };
    let summary = run_with(&scenario, VIRTUAL, Some(2), &heard);
    assert_eq!(
        *heard.met.lock().unwrap(),
        Some(true),
        "no second strategy started alongside the first"
    );
    let names: Vec<&str> = summary.strategies.iter().map(|s| s.name.as_str()).collect();
    let expected: Vec<&str> = scenario.strategies.iter().map(|s| s.name()).collect();
    assert_eq!(names, expected, "the reports are in the scenario's order");
    for list in [&heard.started, &heard.finished] {
        let mut seen = list.lock().unwrap().clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..scenario.strategies.len()).collect::<Vec<_>>());
    }
}

#[test]
fn one_thread_runs_the_strategies_in_order() {
    let scenario = sweep();
    let heard = Rendezvous::default();
    let order = |list: &Mutex<Vec<usize>>| list.lock().unwrap().clone();
    let _ = run_with(&scenario, VIRTUAL, Some(1), &heard);
    assert_eq!(order(&heard.started), vec![0, 1, 2, 3, 4]);
    assert_eq!(order(&heard.finished), vec![0, 1, 2, 3, 4]);
}
