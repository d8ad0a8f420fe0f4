//! The third step of loading a scenario: values that parse but make no sense
//! (zero orders, shares that do not sum to 1, a zero polling interval). Each
//! problem is a field path and a message; [`Scenario::parse`](super::Scenario::parse)
//! turns the path back into a line with [`locate`](super::locate).

use super::file::ScenarioFile;
use super::tables::StrategySpec;
use crate::duration::Dur;

impl ScenarioFile {
    /// Everything wrong with the values, as (field path, message) pairs.
    pub(super) fn validate(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut bad = |path: &str, msg: String| out.push((path.to_owned(), msg));
        if self.name.is_empty()
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
            || self.name.starts_with('.')
        {
            bad(
                "name",
                format!(
                    "`{}` cannot name a results folder: use letters, digits, `-`, `_` and `.` (not first)",
                    self.name
                ),
            );
        }
        let w = &self.workload;
        if w.orders == 0 {
            bad(
                "workload.orders",
                "must be at least 1 (a run needs orders to measure)".to_owned(),
            );
        } else if w.orders > 5_000_000 {
            bad(
                "workload.orders",
                format!("at most 5000000 orders fit in one run, got {}", w.orders),
            );
        }
        if let Err((field, msg)) = w.arrival.validate() {
            bad(&format!("workload.arrival.{field}"), msg);
        }
        if let Err((field, msg)) = w.settle.validate() {
            bad(&format!("workload.settle.{field}"), msg);
        }
        let o = w.outcomes;
        for (field, share) in [("approved", o.approved), ("declined", o.declined)] {
            if !(0.0..=1.0).contains(&share) {
                bad(
                    &format!("workload.outcomes.{field}"),
                    format!("a share is between 0 and 1, got {share}"),
                );
            }
        }
        let sum = o.approved + o.declined;
        if (sum - 1.0).abs() > 1e-9 {
            bad(
                "workload.outcomes",
                format!(
                    "the shares must sum to 1, but approved {} + declined {} = {sum}",
                    o.approved, o.declined
                ),
            );
        }
        if w.merchants == 0 || w.merchants > 100_000 {
            bad(
                "workload.merchants",
                format!("between 1 and 100000, got {}", w.merchants),
            );
        }
        if w.amount_cents == 0 {
            bad("workload.amount_cents", "must be greater than 0".to_owned());
        }
        if !(w.currency.len() == 3 && w.currency.chars().all(|c| c.is_ascii_uppercase())) {
            bad(
                "workload.currency",
                format!(
                    "must be three capital letters (ISO 4217), such as \"BRL\"; got \"{}\"",
                    w.currency
                ),
            );
        }
        if self.delivery.retry_schedule.is_empty() || self.delivery.retry_schedule.len() > 50 {
            bad(
                "delivery.retry_schedule",
                "needs 1 to 50 delays (one per attempt; the first is usually \"0s\")".to_owned(),
            );
        }
        if self.delivery.timeout_ms == Dur::ZERO {
            bad("delivery.timeout_ms", "must be greater than 0".to_owned());
        }
        if !(0.0..=1.0).contains(&self.delivery.jitter) {
            bad(
                "delivery.jitter",
                format!("a share between 0 and 1, got {}", self.delivery.jitter),
            );
        }
        let f = &self.faults;
        for (field, share) in [
            ("receiver_error_rate", f.receiver_error_rate),
            ("silent_loss", f.silent_loss),
            ("duplicate_rate", f.duplicate_rate),
        ] {
            if !(0.0..=1.0).contains(&share) {
                bad(
                    &format!("faults.{field}"),
                    format!("a share between 0 and 1, got {share}"),
                );
            }
        }
        for (i, w) in f.receiver_down.iter().enumerate() {
            if w.until_ms <= w.from_ms {
                bad(
                    &format!("faults.receiver_down[{i}].until_ms"),
                    format!("must be after from_ms ({})", w.from_ms),
                );
            }
        }
        if let Some(rate) = self.platform.rate_limit_per_s
            && !(rate.is_finite() && rate > 0.0)
        {
            bad(
                "platform.rate_limit_per_s",
                format!("must be greater than 0, got {rate}"),
            );
        }
        if let Some(latency) = &self.network.latency
            && let Err((field, msg)) = latency.validate()
        {
            bad(&format!("network.latency.{field}"), msg);
        }
        for (i, w) in self.network.partitions.iter().enumerate() {
            if w.until_ms <= w.from_ms {
                bad(
                    &format!("network.partitions[{i}].until_ms"),
                    format!("must be after from_ms ({})", w.from_ms),
                );
            }
        }
        if self.strategy.is_empty() {
            bad(
                "strategy",
                "add at least one [[strategy]] table (kind = \"poll\" or \"webhook\")".to_owned(),
            );
        }
        for (i, table) in self.strategy.iter().enumerate() {
            if table.name.is_empty() {
                bad(
                    &format!("strategy[{i}].name"),
                    "must not be empty".to_owned(),
                );
            }
            if self.strategy[..i].iter().any(|t| t.name == table.name) {
                bad(
                    &format!("strategy[{i}].name"),
                    format!(
                        "`{}` is already the name of an earlier strategy; names must be unique",
                        table.name
                    ),
                );
            }
            let spec = match table.to_spec() {
                Ok(spec) => spec,
                Err((field, msg)) => {
                    bad(&format!("strategy[{i}].{field}"), msg);
                    continue;
                }
            };
            if let StrategySpec::Hybrid {
                reconcile_every_ms, ..
            } = spec
                && reconcile_every_ms == Dur::ZERO
            {
                bad(
                    &format!("strategy[{i}].reconcile_every_ms"),
                    "must be greater than 0".to_owned(),
                );
            }
            if let StrategySpec::PollEvents { page_size, .. } = spec
                && !(1..=1_000).contains(&page_size)
            {
                bad(
                    &format!("strategy[{i}].page_size"),
                    format!("between 1 and 1000, got {page_size}"),
                );
            }
            if let StrategySpec::Poll { interval_ms, .. }
            | StrategySpec::PollEvents { interval_ms, .. } = spec
                && interval_ms == Dur::ZERO
            {
                bad(
                    &format!("strategy[{i}].interval_ms"),
                    "must be greater than 0 (polling with no pause would flood the platform)"
                        .to_owned(),
                );
            }
        }
        out
    }
}
