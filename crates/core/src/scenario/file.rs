//! The scenario file as written, before validation: what serde reads the TOML
//! into, and how it becomes a [`Scenario`] once [`validate`](super::validate)
//! found nothing wrong with it.

use super::Scenario;
use super::tables::{
    ClockMode, DeliverySettings, Faults, NetworkSettings, PlatformSettings, RunSettings,
    StrategyKind, StrategySpec, Workload,
};
use crate::duration::Dur;
use serde::Deserialize;

/// The file as written, before validation. Strategy tables are read flat (one
/// struct with optional fields) rather than as a tagged enum, so that serde
/// reports a bad field at its own line instead of at the `[[strategy]]` header.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScenarioFile {
    pub(super) name: String,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) description_pt_br: String,
    pub(super) seed: u64,
    #[serde(default)]
    pub(super) clock: ClockMode,
    pub(super) workload: Workload,
    #[serde(default)]
    pub(super) strategy: Vec<StrategyTable>,
    #[serde(default)]
    pub(super) run: RunSettings,
    #[serde(default)]
    pub(super) delivery: DeliverySettings,
    #[serde(default)]
    pub(super) faults: Faults,
    #[serde(default)]
    pub(super) network: NetworkSettings,
    #[serde(default)]
    pub(super) platform: PlatformSettings,
    #[serde(default)]
    pub(super) sweep: std::collections::BTreeMap<String, Vec<toml::Value>>,
}

/// One `[[strategy]]` table as written.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StrategyTable {
    pub(super) name: String,
    pub(super) kind: StrategyKind,
    pub(super) interval_ms: Option<Dur>,
    pub(super) reconcile_after_ms: Option<Dur>,
    pub(super) reconcile_every_ms: Option<Dur>,
    pub(super) page_size: Option<usize>,
}

impl StrategyTable {
    /// The strategy, or the (field, message) that is wrong with the table.
    pub(super) fn to_spec(&self) -> Result<StrategySpec, (&'static str, String)> {
        let name = self.name.clone();
        // Every optional field, whether it is set, and the kinds it belongs to:
        // a field written for the wrong kind is an error, never silently ignored.
        let fields: [(&'static str, bool, &[StrategyKind]); 4] = [
            (
                "interval_ms",
                self.interval_ms.is_some(),
                &[StrategyKind::Poll, StrategyKind::PollEvents],
            ),
            (
                "reconcile_after_ms",
                self.reconcile_after_ms.is_some(),
                &[StrategyKind::Hybrid],
            ),
            (
                "reconcile_every_ms",
                self.reconcile_every_ms.is_some(),
                &[StrategyKind::Hybrid],
            ),
            (
                "page_size",
                self.page_size.is_some(),
                &[StrategyKind::PollEvents],
            ),
        ];
        for (field, set, kinds) in fields {
            if set && !kinds.contains(&self.kind) {
                let owners: Vec<String> = kinds.iter().map(|k| format!("\"{k}\"")).collect();
                return Err((
                    field,
                    format!(
                        "`{field}` belongs to kind {}, not \"{}\": remove it or change `kind`",
                        owners.join(" or "),
                        self.kind
                    ),
                ));
            }
        }
        let need = |field: &'static str, what: &str| {
            (
                field,
                format!("a {} strategy needs `{field}`: {what}", self.kind),
            )
        };
        match self.kind {
            StrategyKind::Poll => Ok(StrategySpec::Poll {
                name,
                interval_ms: self.interval_ms.ok_or_else(|| need("interval_ms", "the time between two polls, such as 200 or \"15m\""))?,
            }),
            StrategyKind::PollEvents => Ok(StrategySpec::PollEvents {
                name,
                interval_ms: self.interval_ms.ok_or_else(|| need("interval_ms", "the time between two polls of the event log, such as \"15m\""))?,
                page_size: self.page_size.unwrap_or(100),
            }),
            StrategyKind::Webhook => Ok(StrategySpec::Webhook { name }),
            StrategyKind::Hybrid => Ok(StrategySpec::Hybrid {
                name,
                reconcile_after_ms: self.reconcile_after_ms.ok_or_else(|| need("reconcile_after_ms", "how long after creation to start checking payments no webhook has told about"))?,
                reconcile_every_ms: self.reconcile_every_ms.ok_or_else(|| need("reconcile_every_ms", "how often to check such payments"))?,
            }),
        }
    }
}

impl ScenarioFile {
    /// The validated scenario. Call only once [`ScenarioFile::validate`] found
    /// nothing wrong: a strategy table that does not make a strategy is left out.
    pub(super) fn into_scenario(self) -> Scenario {
        Scenario {
            name: self.name,
            description: self.description,
            description_pt_br: self.description_pt_br,
            seed: self.seed,
            clock: self.clock,
            workload: self.workload,
            strategies: self
                .strategy
                .iter()
                .filter_map(|t| t.to_spec().ok())
                .collect(),
            run: self.run,
            delivery: self.delivery,
            faults: self.faults,
            network: self.network,
            platform: self.platform,
            sweep: self.sweep,
        }
    }
}
