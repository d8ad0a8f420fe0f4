//! Scenario files: what students write, and errors that help them fix it.
//!
//! A scenario is TOML (see `scenarios/README.md` for every field). Loading one
//! has three steps, and each failure names the file, the line and the field:
//!
//! 1. TOML syntax (`toml` reports the byte span);
//! 2. shape: unknown fields, wrong types, negative durations (serde, with
//!    `deny_unknown_fields` everywhere, so a typo is an error and not a silent
//!    default);
//! 3. meaning: zero orders, shares that do not sum to 1, a zero polling
//!    interval (the `validate` module). These problems carry a field path,
//!    which [`locate`] turns back into a line by walking the parsed document.
//!
//! Its parts:
//!
//! - `tables`: the validated tables ([`Workload`], [`StrategySpec`],
//!   [`DeliverySettings`], [`Faults`], …), re-exported here;
//! - `file`: the file as written, before validation;
//! - `validate`: what makes a parsed file meaningless, as field paths and messages;
//! - `location`: from a field path to its line and back ([`locate`], [`path_at`]).

mod file;
mod location;
mod tables;
mod validate;

pub use location::{FieldPath, PathSeg, locate, path_at};
pub use tables::{
    ClockMode, DeliverySettings, DownMode, DownWindow, Faults, NetworkSettings, Outcomes,
    PlatformSettings, ReceiverDown, RunSettings, StrategyKind, StrategySpec, Workload,
};

use file::ScenarioFile;
use location::{line_col, source_line, unknown_field_name};
use serde::Serialize;
use std::path::Path;

/// A whole scenario, validated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scenario {
    /// Names the scenario; results go to `results/<name>/`.
    pub name: String,
    /// One or two sentences saying what the scenario shows.
    #[serde(default)]
    pub description: String,
    /// The same in Brazilian Portuguese (`description_pt_br`), shown by
    /// reports in pt-BR; empty if the file has none.
    #[serde(default)]
    pub description_pt_br: String,
    /// Same seed, same workload.
    pub seed: u64,
    /// Which clock runs it.
    #[serde(default)]
    pub clock: ClockMode,
    /// The orders.
    pub workload: Workload,
    /// The strategies to compare, each run against the same workload.
    pub strategies: Vec<StrategySpec>,
    /// How long a run waits for stragglers.
    pub run: RunSettings,
    /// How the platform delivers webhooks.
    pub delivery: DeliverySettings,
    /// Faults injected into the run.
    pub faults: Faults,
    /// The network between the platform and the shop.
    pub network: NetworkSettings,
    /// How the platform treats its API clients.
    pub platform: PlatformSettings,
    /// Parameter sweeps, as written: `"strategy-name.field" = [values…]`.
    /// Expanded by the harness; kept raw here so the sweep logic lives in one
    /// place.
    pub sweep: std::collections::BTreeMap<String, Vec<toml::Value>>,
}

/// One thing wrong with a scenario, located in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// The field, when one is to blame.
    pub field: Option<String>,
    /// What is wrong, and what would be right.
    pub message: String,
    /// The text of the line, to show under the message.
    pub source_line: String,
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// Occurs when the file cannot be read.
    #[error("{file}: cannot read the scenario")]
    Read {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Occurs when the file is not valid TOML, has fields of the wrong shape, or
    /// has values that make no sense.
    #[error("{}", render_problems(file, problems))]
    Invalid {
        /// The file.
        file: String,
        /// Everything found wrong, in file order.
        problems: Vec<Problem>,
    },
}

fn render_problems(file: &str, problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let field = p
            .field
            .as_deref()
            .map(|f| format!("field `{f}`: "))
            .unwrap_or_default();
        out.push_str(&format!(
            "{file}:{}:{}: {field}{}",
            p.line, p.column, p.message
        ));
        if !p.source_line.trim().is_empty() {
            out.push_str(&format!("\n  {:>4} | {}", p.line, p.source_line.trim_end()));
        }
    }
    out.push_str("\nEvery field is described in scenarios/README.md.");
    out
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            file: file.clone(),
            source,
        })?;
        Scenario::parse(&text, &file)
    }

    /// Parses and validates scenario text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let raw: ScenarioFile = match toml::from_str(text) {
            Ok(s) => s,
            Err(e) => {
                let mut offset = e.span().map(|s| s.start).unwrap_or(0);
                let message = e.message().trim().to_owned();
                let mut field = path_at(text, offset).filter(|p| !p.0.is_empty());
                // serde reports an unknown field at its table; point at the field.
                if let (Some(path), Some(name)) = (field.as_mut(), unknown_field_name(&message))
                    && path.0.last() != Some(&PathSeg::Key(name.to_owned()))
                {
                    path.0.push(PathSeg::Key(name.to_owned()));
                    if let Some(at) = locate(text, path) {
                        offset = at;
                    }
                }
                let field = field.map(|p| p.to_string());
                let (line, column) = line_col(text, offset);
                return Err(ScenarioError::Invalid {
                    file: file.to_owned(),
                    problems: vec![Problem {
                        line,
                        column,
                        field,
                        message,
                        source_line: source_line(text, line),
                    }],
                });
            }
        };
        let mut problems: Vec<Problem> = raw
            .validate()
            .into_iter()
            .map(|(path, message)| {
                let offset = locate(text, &FieldPath::parse(&path)).unwrap_or(0);
                let (line, column) = if offset == 0 && !text.is_empty() {
                    (1, 1)
                } else {
                    line_col(text, offset)
                };
                Problem {
                    line,
                    column,
                    field: Some(path),
                    message,
                    source_line: source_line(text, line),
                }
            })
            .collect();
        if problems.is_empty() {
            Ok(raw.into_scenario())
        } else {
            problems.sort_by_key(|p| (p.line, p.column));
            Err(ScenarioError::Invalid {
                file: file.to_owned(),
                problems,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Distribution;
    use crate::duration::Dur;

    const GOOD: &str = r#"
name = "checkout"
seed = 42
[workload]
orders = 300
arrival = { dist = "fixed", every_ms = 5 }
settle = { dist = "uniform", min_ms = 200, max_ms = "2s" }
outcomes = { approved = 0.9, declined = 0.1 }
[[strategy]]
name = "poll-200ms"
kind = "poll"
interval_ms = 200
[[strategy]]
name = "webhook"
kind = "webhook"
"#;

    fn problems(text: &str) -> Vec<Problem> {
        match Scenario::parse(text, "x.toml") {
            Err(ScenarioError::Invalid { problems, .. }) => problems,
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn a_good_scenario_loads() {
        let s = Scenario::parse(GOOD, "x.toml").unwrap();
        assert_eq!(s.workload.orders, 300);
        assert_eq!(s.strategies.len(), 2);
        assert_eq!(s.strategies[0].kind(), StrategyKind::Poll);
        assert_eq!(
            s.workload.settle,
            Distribution::Uniform {
                min_ms: Dur::from_ms(200),
                max_ms: Dur::from_secs(2)
            }
        );
        assert_eq!(s.clock, ClockMode::Real);
        assert_eq!(s.delivery.retry_schedule.len(), 8);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let p = problems("name = \"x\"\nseed = = 4\n");
        assert_eq!(p[0].line, 2);
    }

    #[test]
    fn unknown_fields_name_the_field_and_line() {
        let text = GOOD.replace("interval_ms = 200", "interval_ms = 200\nintervall = 3");
        let p = problems(&text);
        assert_eq!(p[0].line, 13, "{p:?}");
        assert!(p[0].message.contains("intervall"), "{p:?}");
        assert_eq!(
            p[0].field.as_deref(),
            Some("strategy[0].intervall"),
            "{p:?}"
        );
    }

    #[test]
    fn negative_interval_is_refused_with_its_field() {
        let p = problems(&GOOD.replace("interval_ms = 200", "interval_ms = -5"));
        assert_eq!(p[0].line, 12);
        assert_eq!(
            p[0].field.as_deref(),
            Some("strategy[0].interval_ms"),
            "{p:?}"
        );
        assert!(p[0].message.contains("negative"), "{p:?}");
    }

    #[test]
    fn semantic_problems_are_located() {
        let p = problems(
            &GOOD
                .replace("orders = 300", "orders = 0")
                .replace("declined = 0.1", "declined = 0.2"),
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0].field.as_deref(), Some("workload.orders"));
        assert_eq!(p[0].line, 5);
        assert_eq!(p[1].field.as_deref(), Some("workload.outcomes"));
        assert_eq!(p[1].line, 8);
        let p = problems(&GOOD.replace("interval_ms = 200", "interval_ms = 0"));
        assert_eq!(
            (p[0].field.as_deref(), p[0].line),
            (Some("strategy[0].interval_ms"), 12)
        );
    }

    #[test]
    fn the_error_message_shows_file_line_and_source() {
        let err = Scenario::parse(
            &GOOD.replace("orders = 300", "orders = 0"),
            "scenarios/x.toml",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("scenarios/x.toml:5:1: field `workload.orders`: must be at least 1"),
            "{text}"
        );
        assert!(text.contains("orders = 0"), "{text}");
    }
}
