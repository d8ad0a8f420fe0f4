//! Scenarios for the tests, built from their parts instead of copied TOML,
//! and the one way the tests run them.
//!
//! A test says what matters to it (the workload, the strategies, the tables
//! it needs) and [`ScenarioBuilder`] writes the scenario file around it, so
//! the skeleton (`name`, `seed`, `[workload]`, `[[strategy]]`) exists once
//! and the file still goes through the same parser and validation as a
//! user's.

use hooklab_core::report::{StrategyReport, Summary};
use hooklab_core::scenario::{ClockMode, Scenario};
use hooklab_harness::run::Silent;
use hooklab_harness::{Progress, RunOptions, run_scenario};
use std::num::NonZeroUsize;
use std::sync::Mutex;

/// Taken by every run, so a real-time run never shares this binary's CPU
/// with another run.
pub static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A scenario file, written from its parts.
pub struct ScenarioBuilder {
    head: String,
    workload: Vec<String>,
    tables: Vec<String>,
    strategies: Vec<String>,
}

/// A scenario named `name` whose workload is `orders` orders arriving by
/// `arrival` and settling after `settle` (TOML inline tables, as in a
/// scenario file: `{ dist = "fixed", every_ms = 10 }`).
pub fn scenario(
    name: &str,
    seed: u64,
    orders: u64,
    arrival: &str,
    settle: &str,
) -> ScenarioBuilder {
    ScenarioBuilder {
        head: format!("name = \"{name}\"\nseed = {seed}\n"),
        workload: vec![
            format!("orders = {orders}"),
            format!("arrival = {arrival}"),
            format!("settle = {settle}"),
        ],
        tables: Vec::new(),
        strategies: Vec::new(),
    }
}

impl ScenarioBuilder {
    /// Runs on the paused clock unless a run's options say otherwise.
    pub fn virtual_clock(mut self) -> Self {
        self.head.push_str("clock = \"virtual\"\n");
        self
    }

    /// The workload's outcomes (`{ approved = 0.5, declined = 0.5 }`).
    pub fn outcomes(mut self, outcomes: &str) -> Self {
        self.workload.push(format!("outcomes = {outcomes}"));
        self
    }

    /// Another table (`[delivery]`, `[faults]`, `[network]`, `[run]`), given
    /// with its header.
    pub fn table(mut self, text: &str) -> Self {
        self.tables.push(text.trim().to_owned());
        self
    }

    /// A poller asking every `interval` (`15`, `"25m"`).
    pub fn poll(self, name: &str, interval: &str) -> Self {
        self.strategy(name, "poll", &format!("interval_ms = {interval}"))
    }

    /// An event-log poller asking every `interval`, `page_size` events a page.
    pub fn poll_events(self, name: &str, interval: &str, page_size: usize) -> Self {
        self.strategy(
            name,
            "poll_events",
            &format!("interval_ms = {interval}\npage_size = {page_size}"),
        )
    }

    /// The workload's number of merchants (each its own shop and poller).
    pub fn merchants(mut self, merchants: u32) -> Self {
        self.workload.push(format!("merchants = {merchants}"));
        self
    }

    /// A webhook receiver.
    pub fn webhook(self, name: &str) -> Self {
        self.strategy(name, "webhook", "")
    }

    /// Webhooks plus reconciliation polls.
    pub fn hybrid(self, name: &str, after: &str, every: &str) -> Self {
        self.strategy(
            name,
            "hybrid",
            &format!("reconcile_after_ms = {after}\nreconcile_every_ms = {every}"),
        )
    }

    /// A strategy of any kind, with its fields as TOML lines.
    pub fn strategy(mut self, name: &str, kind: &str, fields: &str) -> Self {
        let mut text = format!("[[strategy]]\nname = \"{name}\"\nkind = \"{kind}\"\n");
        if !fields.is_empty() {
            text.push_str(fields);
            text.push('\n');
        }
        self.strategies.push(text);
        self
    }

    /// The scenario file's text.
    pub fn text(&self) -> String {
        let mut text = self.head.clone();
        text.push_str("[workload]\n");
        for line in &self.workload {
            text.push_str(line);
            text.push('\n');
        }
        for table in &self.tables {
            text.push_str(table);
            text.push('\n');
        }
        for strategy in &self.strategies {
            text.push_str(strategy);
        }
        text
    }

    /// The scenario, parsed and validated as a user's file would be.
    pub fn build(&self) -> Scenario {
        Scenario::parse(&self.text(), "test.toml").unwrap()
    }
}

/// Runs `scenario` alone on the machine, on its own clock, or on `clock`.
pub fn run(scenario: &ScenarioBuilder, clock: Option<ClockMode>) -> Summary {
    run_with(&scenario.build(), clock, None, &Silent)
}

/// Runs a built `scenario` alone on the machine, a virtual run's strategies
/// on `jobs` threads (one per core when `None`), told to `progress`.
pub fn run_with(
    scenario: &Scenario,
    clock: Option<ClockMode>,
    jobs: Option<usize>,
    progress: &dyn Progress,
) -> Summary {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let options = RunOptions {
        clock,
        jobs: jobs.map(|n| NonZeroUsize::new(n).unwrap()),
        ..RunOptions::default()
    };
    run_scenario(scenario, options, progress).unwrap()
}

/// Runs `scenario` alone on the machine in real time, the platform on
/// threads of its own so its CPU time is measured.
pub fn run_measuring_platform_cpu(scenario: &ScenarioBuilder) -> Summary {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let options = RunOptions {
        clock: Some(ClockMode::Real),
        platform_cpu: true,
        ..RunOptions::default()
    };
    run_scenario(&scenario.build(), options, &Silent).unwrap()
}

/// The report of the strategy named `name`.
pub fn strategy<'a>(summary: &'a Summary, name: &str) -> &'a StrategyReport {
    summary.strategies.iter().find(|s| s.name == name).unwrap()
}
