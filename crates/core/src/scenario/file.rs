//! The scenario file as written, before validation: what serde reads the TOML
//! into, and how it becomes a [`Scenario`] once [`validate`](super::validate)
//! found nothing wrong with it.

use super::Scenario;
use super::retry::{DeliveryTable, RetryProfile};
use super::tables::{
    ClockMode, Faults, NetworkSettings, PlatformSettings, RunSettings, StrategyKind, StrategySpec,
    Workload,
};
use super::text::Said;
use crate::duration::Dur;
use serde::{Deserialize, Serialize};

/// The file's first TOML syntax mistake (a missing quote, a key written
/// twice, `=` missing), said for a student by the `syntax` module: checked
/// before serde reads the file, so a file that is not TOML gets the line,
/// carets under what the reader pointed at, and what to type.
pub(super) fn syntax_problem(text: &str) -> Option<super::Problem> {
    super::syntax::problem(text)
}

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
    pub(super) delivery: DeliveryTable,
    #[serde(default)]
    pub(super) faults: Faults,
    #[serde(default)]
    pub(super) network: NetworkSettings,
    #[serde(default)]
    pub(super) platform: PlatformSettings,
    #[serde(default)]
    pub(super) sweep: std::collections::BTreeMap<String, Vec<toml::Value>>,
}

/// One `[[strategy]]` table as written. It serialises back to the same
/// table, so a `[sweep]` value can be set in it and read again by the same
/// deserialiser.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StrategyTable {
    pub(super) name: String,
    pub(super) kind: StrategyKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) interval_ms: Option<Dur>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) reconcile_after_ms: Option<Dur>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) reconcile_every_ms: Option<Dur>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) page_size: Option<usize>,
    /// A provider's retry profile for this strategy's deliveries, in place
    /// of `[delivery]`'s (webhook and hybrid only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) retry: Option<RetryProfile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) wait_ms: Option<Dur>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) first_ms: Option<Dur>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) factor: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) max_ms: Option<Dur>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) jitter: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) at_ms: Option<Vec<Dur>>,
    /// This strategy's platform store, in place of `[platform]`'s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) store: Option<super::crash::StoreKind>,
    /// This strategy's outbox, in place of `[platform]`'s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) outbox: Option<super::crash::OutboxKind>,
    /// When this strategy's receiver answers (webhook and hybrid only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) ack: Option<super::crash::AckMode>,
}

impl StrategyTable {
    /// The strategy, or the (field, message) that is wrong with the table.
    pub(super) fn to_spec(&self) -> Result<StrategySpec, (&'static str, Said)> {
        self.to_spec_seeded(0)
    }

    /// As [`StrategyTable::to_spec`], with the scenario's `seed` for a
    /// backoff schedule's jitter.
    pub(super) fn to_spec_seeded(&self, seed: u64) -> Result<StrategySpec, (&'static str, Said)> {
        let name = self.name.clone();
        // Every optional field, whether it is set, and the kinds it belongs to:
        // a field written for the wrong kind is an error, never silently ignored.
        use StrategyKind::{BackoffPoll, LongPoll, LongPollEvents};
        let fields: [(&'static str, bool, &[StrategyKind]); 11] = [
            (
                "interval_ms",
                self.interval_ms.is_some(),
                &[
                    StrategyKind::Poll,
                    StrategyKind::PollEvents,
                    StrategyKind::ConditionalPoll,
                ],
            ),
            (
                "wait_ms",
                self.wait_ms.is_some(),
                &[LongPoll, LongPollEvents],
            ),
            ("first_ms", self.first_ms.is_some(), &[BackoffPoll]),
            ("factor", self.factor.is_some(), &[BackoffPoll]),
            ("max_ms", self.max_ms.is_some(), &[BackoffPoll]),
            ("jitter", self.jitter.is_some(), &[BackoffPoll]),
            ("at_ms", self.at_ms.is_some(), &[BackoffPoll]),
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
                &[StrategyKind::PollEvents, LongPollEvents],
            ),
            (
                "retry",
                self.retry.is_some(),
                &[StrategyKind::Webhook, StrategyKind::Hybrid],
            ),
        ];
        for (field, set, kinds) in fields {
            if set && !kinds.contains(&self.kind) {
                let owners: Vec<String> = kinds.iter().map(|k| format!("\"{k}\"")).collect();
                return Err((
                    field,
                    Said::new(
                        format!(
                            "`{field}` belongs to kind {}, not \"{}\": remove it or change `kind`",
                            owners.join(" or "),
                            self.kind
                        ),
                        format!(
                            "`{field}` é do tipo {}, não \"{}\": tire o campo ou mude `kind`",
                            owners.join(" ou "),
                            self.kind
                        ),
                    ),
                ));
            }
        }
        let need = |field: &'static str, en: &str, pt: &str| {
            (
                field,
                Said::new(
                    format!("a {} strategy needs `{field}`: {en}", self.kind),
                    format!("uma estratégia {} precisa de `{field}`: {pt}", self.kind),
                ),
            )
        };
        match self.kind {
            StrategyKind::Poll => Ok(StrategySpec::Poll {
                name,
                interval_ms: self.interval_ms.ok_or_else(|| need("interval_ms", "the time between two polls, such as 200 or \"15m\"", "o tempo entre duas consultas, como 200 ou \"15min\""))?,
            }),
            StrategyKind::PollEvents => Ok(StrategySpec::PollEvents {
                name,
                interval_ms: self.interval_ms.ok_or_else(|| need("interval_ms", "the time between two polls of the event log, such as \"15m\"", "o tempo entre duas consultas ao registro de eventos, como \"15min\""))?,
                page_size: self.page_size.unwrap_or(100),
            }),
            StrategyKind::Webhook => Ok(StrategySpec::Webhook { name }),
            StrategyKind::Stream => Ok(StrategySpec::Stream { name }),
            StrategyKind::ConditionalPoll => Ok(StrategySpec::ConditionalPoll {
                name,
                interval_ms: self.interval_ms.ok_or_else(|| need("interval_ms", "the shortest time between two polls, such as 200 or \"15m\" (the platform's X-Poll-Interval may ask for more)", "o menor tempo entre duas consultas, como 200 ou \"15min\" (o X-Poll-Interval da plataforma pode pedir mais)"))?,
            }),
            StrategyKind::LongPoll => Ok(StrategySpec::LongPoll {
                name,
                wait_ms: self.wait_ms.ok_or_else(|| need("wait_ms", "how long the platform may hold each request, such as \"30s\" (at most 60 s)", "quanto tempo a plataforma pode segurar cada requisição, como \"30s\" (no máximo 60 s)"))?,
            }),
            StrategyKind::LongPollEvents => Ok(StrategySpec::LongPollEvents {
                name,
                wait_ms: self.wait_ms.ok_or_else(|| need("wait_ms", "how long the platform may hold each request, such as \"30s\" (at most 60 s)", "quanto tempo a plataforma pode segurar cada requisição, como \"30s\" (no máximo 60 s)"))?,
                page_size: self.page_size.unwrap_or(100),
            }),
            StrategyKind::BackoffPoll => {
                let at_ms = self.at_ms.clone().unwrap_or_default();
                let first_ms = match (self.first_ms, at_ms.is_empty()) {
                    (Some(first), _) => first,
                    (None, false) => Dur::ZERO,
                    (None, true) => return Err(need("first_ms", "the first gap, such as 100 (or an explicit list of instants, `at_ms = [100, 300, 1000]`)", "o primeiro intervalo, como 100 (ou uma lista explícita de instantes, `at_ms = [100, 300, 1000]`)")),
                };
                Ok(StrategySpec::BackoffPoll {
                    name,
                    schedule: super::backoff::BackoffSchedule {
                        first_ms,
                        factor: self.factor.unwrap_or(2.0),
                        max_ms: self.max_ms.unwrap_or(Dur::from_secs(60)),
                        jitter: self.jitter.unwrap_or(0.0),
                        at_ms,
                        seed,
                    },
                })
            }
            StrategyKind::Hybrid => Ok(StrategySpec::Hybrid {
                name,
                reconcile_after_ms: self.reconcile_after_ms.ok_or_else(|| need("reconcile_after_ms", "how long after creation to start checking payments no webhook has told about", "quanto tempo depois da criação começar a conferir pagamentos que nenhum webhook informou"))?,
                reconcile_every_ms: self.reconcile_every_ms.ok_or_else(|| need("reconcile_every_ms", "how often to check such payments", "de quanto em quanto tempo conferir esses pagamentos"))?,
            }),
        }
    }
}

impl ScenarioFile {
    /// The validated scenario. Call only once [`ScenarioFile::validate`] found
    /// nothing wrong: a strategy table that does not make a strategy is left out.
    pub(super) fn into_scenario(self) -> Scenario {
        let retry_by_strategy = self
            .strategy
            .iter()
            .filter_map(|t| Some((t.name.clone(), t.retry?)))
            .collect();
        let durability_by_strategy = self
            .strategy
            .iter()
            .map(|t| {
                let own = super::crash::DurabilityOverride {
                    store: t.store,
                    outbox: t.outbox,
                    ack: t.ack,
                };
                (t.name.clone(), own)
            })
            .filter(|(_, own)| !own.is_empty())
            .collect();
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
                .filter_map(|t| t.to_spec_seeded(self.seed).ok())
                .collect(),
            run: self.run,
            delivery: self.delivery.settings(),
            retry_by_strategy,
            durability_by_strategy,
            faults: self.faults,
            network: self.network,
            platform: self.platform,
            sweep: self.sweep,
        }
    }
}
