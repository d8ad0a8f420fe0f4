//! Parameter sweeps: one strategy, many values of one of its fields.
//!
//! A scenario's `[sweep]` table names a strategy field and a list of values:
//!
//! ```toml
//! [sweep]
//! "poll-200ms.interval_ms" = [50, 100, 200, 500, 1000]
//! ```
//!
//! [`expand`] replaces that strategy by one strategy per value, named
//! `poll-200ms@interval_ms=500ms`, before the run; every other strategy is
//! kept as it is. The name carries the sweep point, so a saved `summary.json`
//! alone is enough to draw the curve again: the name's format lives in the
//! core ([`hooklab_core::report::point_name`], read back by
//! [`hooklab_core::report::split_name`]), shared with the renderers.
//!
//! The expander does not know the fields of each strategy kind: it writes the
//! strategy out as a TOML table, sets the field, and reads it back with the
//! scenario's own deserialiser. So any field a strategy gains is sweepable.
//! Every key and value was already checked when the scenario loaded
//! (`hooklab_core::scenario`, with the sweep's line), like a written
//! `[[strategy]]` table; the errors below are what a scenario built in code
//! can still meet.

use hooklab_core::report::point_name;
use hooklab_core::scenario::{Scenario, StrategySpec, sweep_label};

/// Why a `[sweep]` table cannot be expanded.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// Occurs when a key is not `"<strategy name>.<field>"`.
    #[error(
        "[sweep] key `{0}`: expected \"<strategy name>.<field>\", such as \"poll-200ms.interval_ms\""
    )]
    KeyShape(String),
    /// Occurs when a key names a strategy the scenario does not have.
    #[error("[sweep] key `{key}`: there is no strategy named `{strategy}` (strategies: {known})")]
    UnknownStrategy {
        /// The key, as written.
        key: String,
        /// The strategy it names.
        strategy: String,
        /// The scenario's strategies.
        known: String,
    },
    /// Occurs when a key names a field the strategy does not have.
    #[error("[sweep] key `{key}`: a {kind} strategy has no field `{field}` (fields: {known})")]
    UnknownField {
        /// The key, as written.
        key: String,
        /// The strategy's kind.
        kind: String,
        /// The field it names.
        field: String,
        /// The fields that can be swept.
        known: String,
    },
    /// Occurs when two keys sweep the same strategy.
    #[error("[sweep] keys `{0}` and `{1}` sweep the same strategy: sweep one field per strategy")]
    TwoFields(String, String),
    /// Occurs when a key has no values.
    #[error("[sweep] key `{0}`: give at least one value")]
    Empty(String),
    /// Occurs when a value does not fit the field.
    #[error("[sweep] key `{key}`, value {value}: {message}")]
    BadValue {
        /// The key, as written.
        key: String,
        /// The value, as written.
        value: String,
        /// Why the strategy refused it.
        message: String,
    },
}

/// `scenario` with each swept strategy replaced by one strategy per value.
pub fn expand(scenario: &Scenario) -> Result<Scenario, SweepError> {
    let mut by_strategy: Vec<(usize, &str, &str, &[toml::Value])> = Vec::new();
    for (key, values) in &scenario.sweep {
        let (strategy, field) = key
            .rsplit_once('.')
            .filter(|(s, f)| !s.is_empty() && !f.is_empty())
            .ok_or_else(|| SweepError::KeyShape(key.clone()))?;
        let index = scenario
            .strategies
            .iter()
            .position(|s| s.name() == strategy)
            .ok_or_else(|| SweepError::UnknownStrategy {
                key: key.clone(),
                strategy: strategy.to_owned(),
                known: names(&scenario.strategies),
            })?;
        if values.is_empty() {
            return Err(SweepError::Empty(key.clone()));
        }
        if let Some((_, other, _, _)) = by_strategy.iter().find(|(i, ..)| *i == index) {
            return Err(SweepError::TwoFields((*other).to_owned(), key.clone()));
        }
        by_strategy.push((index, key, field, values));
    }
    let mut out = scenario.clone();
    out.strategies.clear();
    for (index, spec) in scenario.strategies.iter().enumerate() {
        match by_strategy.iter().find(|(i, ..)| *i == index) {
            None => out.strategies.push(spec.clone()),
            Some((_, key, field, values)) => {
                for value in *values {
                    let point = with_field(spec, key, field, value)?;
                    // A sweep point keeps its strategy's own retry profile.
                    if let Some(profile) = scenario.retry_by_strategy.get(spec.name()) {
                        out.retry_by_strategy
                            .insert(point.name().to_owned(), *profile);
                    }
                    // And its own store, outbox and acknowledgement.
                    if let Some(own) = scenario.durability_by_strategy.get(spec.name()) {
                        out.durability_by_strategy
                            .insert(point.name().to_owned(), *own);
                    }
                    out.strategies.push(point);
                }
            }
        }
    }
    out.sweep.clear();
    Ok(out)
}

fn names(strategies: &[StrategySpec]) -> String {
    strategies
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `spec` with `field` set to `value`, renamed after the sweep point.
fn with_field(
    spec: &StrategySpec,
    key: &str,
    field: &str,
    value: &toml::Value,
) -> Result<StrategySpec, SweepError> {
    let bad = |message: String| SweepError::BadValue {
        key: key.to_owned(),
        value: value.to_string(),
        message,
    };
    let mut table = match toml::Value::try_from(spec) {
        Ok(toml::Value::Table(table)) => table,
        Ok(_) => return Err(bad("the strategy is not a table".to_owned())),
        Err(e) => return Err(bad(e.to_string())),
    };
    if field == "name" || field == "kind" || !table.contains_key(field) {
        let known: Vec<&str> = table
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "name" && *k != "kind")
            .collect();
        return Err(SweepError::UnknownField {
            key: key.to_owned(),
            kind: spec.kind().to_string(),
            field: field.to_owned(),
            known: if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            },
        });
    }
    let label = sweep_label(field, value);
    table.insert(field.to_owned(), value.clone());
    table.insert(
        "name".to_owned(),
        toml::Value::String(point_name(spec.name(), field, &label)),
    );
    toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| bad(e.message().to_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use hooklab_core::duration::Dur;
    use hooklab_core::report::split_name;

    const BASE: &str = r#"
name = "s"
seed = 1
[workload]
orders = 3
arrival = { dist = "fixed", every_ms = 5 }
settle = { dist = "fixed", ms = 10 }
[[strategy]]
name = "poll"
kind = "poll"
interval_ms = 200
[[strategy]]
name = "webhook"
kind = "webhook"
"#;

    fn scenario(sweep: &str) -> Scenario {
        Scenario::parse(&format!("{BASE}\n[sweep]\n{sweep}\n"), "test.toml").unwrap()
    }

    #[test]
    fn a_sweep_replaces_its_strategy_by_one_per_value() {
        let s = expand(&scenario(r#""poll.interval_ms" = [50, "1s", 2500]"#)).unwrap();
        let names: Vec<_> = s.strategies.iter().map(|s| s.name().to_owned()).collect();
        assert_eq!(
            names,
            [
                "poll@interval_ms=50ms",
                "poll@interval_ms=1s",
                "poll@interval_ms=2500ms",
                "webhook"
            ]
        );
        match &s.strategies[1] {
            StrategySpec::Poll { interval_ms, .. } => assert_eq!(*interval_ms, Dur(1_000_000)),
            other => panic!("{other:?}"),
        }
        let point = split_name(names[2].as_str()).unwrap();
        assert_eq!(
            (point.base.as_str(), point.value.as_str()),
            ("poll", "2500ms")
        );
    }

    #[test]
    fn bad_keys_are_named_in_the_error() {
        // The scenario's own loading refuses them, at the sweep's line
        // (hooklab_core::scenario checks every sweep key and value).
        let refused = |sweep: &str| {
            Scenario::parse(&format!("{BASE}\n[sweep]\n{sweep}\n"), "test.toml")
                .unwrap_err()
                .to_string()
        };
        let err = refused(r#""pol.interval_ms" = [50]"#);
        assert!(err.contains("`pol.interval_ms`"), "{err}");
        assert!(err.contains("no strategy named `pol`"), "{err}");
        assert!(err.starts_with("test.toml:17:"), "{err}");
        let err = refused(r#""poll.interval" = [50]"#);
        assert!(err.contains("no field `interval`"), "{err}");
        let err = refused(r#""webhook.interval_ms" = [50]"#);
        assert!(err.contains("webhook"), "{err}");
        let err = refused(r#""poll.interval_ms" = ["soon"]"#);
        assert!(err.contains("\"soon\""), "{err}");
        let err = refused(r#""poll.interval_ms" = [0]"#);
        assert!(err.contains("must be greater than 0"), "{err}");
    }
}
