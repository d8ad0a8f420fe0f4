//! Crash faults and durability: what a scenario says about a process dying
//! and about what survives it.
//!
//! ```toml
//! [faults]
//! platform_crash = [{ at_ms = "2s", down_ms = "3s" }]   # and shop_crash
//!
//! [platform]
//! store = "sqlite"            # or "memory" (the default)
//! outbox = "dual_write"       # or "transactional" (the default)
//!
//! [[strategy]]
//! name = "inbox-late"
//! kind = "webhook"
//! store = "sqlite"            # per strategy, in place of [platform]'s
//! ack = "before_commit"       # or "after_commit" (the default)
//! ```
//!
//! A crash stops that side abruptly at `at_ms` (nothing flushed that its
//! store did not already hold) and starts it again `down_ms` later from its
//! store. `store`, `outbox` and `ack` can be set per strategy, as `retry`
//! can (`super::retry`), so one run puts an in-memory queue, a dual write
//! and a transactional outbox side by side on the same workload and crash.
//!
//! Its parts: the tables ([`CrashWindow`], [`StoreKind`], [`OutboxKind`],
//! [`AckMode`], [`Durability`]) and the checks of `problems`.

use super::FieldPath;
use super::file::ScenarioFile;
use super::tables::StrategyKind;
use super::text::Said;
use crate::duration::Dur;
use serde::{Deserialize, Serialize};

/// One crash of a process: `[{ at_ms = "2s", down_ms = "3s" }]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrashWindow {
    /// When it dies, from the run's start.
    pub at_ms: Dur,
    /// How long it stays dead before it starts again from its store.
    pub down_ms: Dur,
}

impl CrashWindow {
    /// When it is back.
    pub fn back_at(&self) -> Dur {
        Dur(self.at_ms.as_us() + self.down_ms.as_us())
    }
}

/// Where the platform keeps its books.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    /// In memory only: a crash loses everything (the default).
    #[default]
    Memory,
    /// An SQLite file (one per strategy, in a temporary folder), written
    /// through before the platform answers or acts.
    Sqlite,
}

/// How a settlement's webhooks reach the SQLite outbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// The status, the event and the outbox rows in one transaction (the
    /// default).
    #[default]
    Transactional,
    /// The status and event first, the outbox rows later, when the
    /// dispatcher takes the event: a crash between the two loses it.
    DualWrite,
}

/// When the shop's receiver answers 2xx.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckMode {
    /// After the outcome is recorded (the default): a crash before the
    /// record means no 2xx, and the platform retries.
    #[default]
    AfterCommit,
    /// First the 2xx, then the record: a shop crash between the two loses
    /// the order, and the platform, told 2xx, never retries.
    BeforeCommit,
}

impl std::fmt::Display for StoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StoreKind::Memory => "memory",
            StoreKind::Sqlite => "sqlite",
        })
    }
}

impl std::fmt::Display for OutboxKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OutboxKind::Transactional => "transactional",
            OutboxKind::DualWrite => "dual_write",
        })
    }
}

impl std::fmt::Display for AckMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AckMode::AfterCommit => "after_commit",
            AckMode::BeforeCommit => "before_commit",
        })
    }
}

/// What one strategy's processes keep through a crash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durability {
    /// The platform's store.
    pub store: StoreKind,
    /// The platform's outbox (with `store = "sqlite"`).
    pub outbox: OutboxKind,
    /// The shop's receiver.
    pub ack: AckMode,
}

/// A strategy's own `store`, `outbox` and `ack`, as written (each in place
/// of the run-wide one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurabilityOverride {
    /// `store = …` in the strategy's table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<StoreKind>,
    /// `outbox = …` in the strategy's table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<OutboxKind>,
    /// `ack = …` in the strategy's table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack: Option<AckMode>,
}

impl DurabilityOverride {
    /// Whether the strategy set any of the three.
    pub fn is_empty(&self) -> bool {
        self.store.is_none() && self.outbox.is_none() && self.ack.is_none()
    }

    /// The durability it means over the run-wide `store` and `outbox`.
    pub fn over(&self, store: Option<StoreKind>, outbox: Option<OutboxKind>) -> Durability {
        Durability {
            store: self.store.or(store).unwrap_or_default(),
            outbox: self.outbox.or(outbox).unwrap_or_default(),
            ack: self.ack.unwrap_or_default(),
        }
    }
}

/// What is wrong with the crash faults and the durability keys: a crash
/// that lasts no time, crashes out of order or overlapping, a dual write
/// without a store to write, an `ack` on a strategy that receives no
/// webhooks.
pub(super) fn problems(file: &ScenarioFile) -> Vec<(FieldPath, Said)> {
    let mut out = Vec::new();
    let mut bad = |path: String, said: Said| out.push((FieldPath::parse(&path), said));
    for (side, list) in [
        ("platform_crash", &file.faults.platform_crash),
        ("shop_crash", &file.faults.shop_crash),
    ] {
        let mut previous: Option<Dur> = None;
        for (i, w) in list.iter().enumerate() {
            if w.down_ms == Dur::ZERO {
                bad(
                    format!("faults.{side}[{i}].down_ms"),
                    Said::new(
                        "must be greater than 0 (a process that is down for no time did not crash)",
                        "deve ser maior que 0 (um processo que fica fora do ar por tempo nenhum não caiu)",
                    ),
                );
            }
            if let Some(back) = previous
                && w.at_ms < back
            {
                bad(
                    format!("faults.{side}[{i}].at_ms"),
                    Said::new(
                        format!(
                            "must not come before the previous crash is over (at {back}): list crashes in order, each after the last restart"
                        ),
                        format!(
                            "não pode vir antes do fim da queda anterior (em {back}): liste as quedas em ordem, cada uma depois do último reinício"
                        ),
                    ),
                );
            }
            previous = Some(w.back_at());
        }
    }
    let run_store = file.platform.store;
    let run_outbox = file.platform.outbox;
    if run_outbox == Some(OutboxKind::DualWrite) && run_store != Some(StoreKind::Sqlite) {
        // Unless every strategy names its own store.
        let all_own = !file.strategy.is_empty()
            && file
                .strategy
                .iter()
                .all(|t| t.store == Some(StoreKind::Sqlite));
        if !all_own {
            bad("platform.outbox".to_owned(), dual_write_without_store());
        }
    }
    for (i, t) in file.strategy.iter().enumerate() {
        let store = t.store.or(run_store).unwrap_or_default();
        if t.outbox == Some(OutboxKind::DualWrite) && store != StoreKind::Sqlite {
            bad(format!("strategy[{i}].outbox"), dual_write_without_store());
        }
        if t.ack.is_some() && !matches!(t.kind, StrategyKind::Webhook | StrategyKind::Hybrid) {
            bad(
                format!("strategy[{i}].ack"),
                Said::new(
                    format!(
                        "`ack` says when the shop's webhook receiver answers, and a \"{}\" strategy has none: use it with kind \"webhook\" or \"hybrid\"",
                        t.kind
                    ),
                    format!(
                        "`ack` diz quando o receptor de webhooks da loja responde, e uma estratégia \"{}\" não tem receptor: use com kind \"webhook\" ou \"hybrid\"",
                        t.kind
                    ),
                ),
            );
        }
    }
    out
}

fn dual_write_without_store() -> Said {
    Said::new(
        "a dual write writes to a store, and this strategy keeps its books in memory: add `store = \"sqlite\"`",
        "uma escrita dupla escreve num banco, e esta estratégia guarda tudo na memória: acrescente `store = \"sqlite\"`",
    )
}

#[cfg(test)]
mod tests {
    use super::super::{Problem, Scenario, ScenarioError};
    use super::*;

    const BASE: &str = "name = \"x\"\nseed = 1\nclock = \"virtual\"\n[workload]\norders = 10\n\
        arrival = { dist = \"fixed\", every_ms = 5 }\n\
        settle = { dist = \"fixed\", ms = 100 }\n";

    fn parse(extra: &str) -> Result<Scenario, ScenarioError> {
        Scenario::parse(&format!("{BASE}{extra}"), "x.toml")
    }

    fn problems(extra: &str) -> Vec<Problem> {
        match parse(extra) {
            Err(ScenarioError::Invalid { problems, .. }) => problems,
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    const WEBHOOK: &str = "[[strategy]]\nname = \"w\"\nkind = \"webhook\"\n";

    #[test]
    fn crashes_and_durability_load_run_wide_and_per_strategy() {
        let s = parse(&format!(
            "[faults]\nplatform_crash = [{{ at_ms = \"2s\", down_ms = \"3s\" }}]\n\
             shop_crash = [{{ at_ms = 100, down_ms = 50 }}, {{ at_ms = 200, down_ms = 10 }}]\n\
             [platform]\nstore = \"sqlite\"\noutbox = \"dual_write\"\n{WEBHOOK}\
             [[strategy]]\nname = \"m\"\nkind = \"hybrid\"\nstore = \"memory\"\noutbox = \"transactional\"\n\
             ack = \"before_commit\"\nreconcile_after_ms = \"1s\"\nreconcile_every_ms = \"1s\"\n"
        ))
        .unwrap();
        assert_eq!(
            s.faults.platform_crash,
            vec![CrashWindow {
                at_ms: Dur::from_secs(2),
                down_ms: Dur::from_secs(3)
            }]
        );
        assert_eq!(s.faults.shop_crash[1].back_at(), Dur::from_ms(210));
        assert_eq!(
            s.durability_for(&s.strategies[0]),
            Durability {
                store: StoreKind::Sqlite,
                outbox: OutboxKind::DualWrite,
                ack: AckMode::AfterCommit
            }
        );
        assert_eq!(
            s.durability_for(&s.strategies[1]),
            Durability {
                store: StoreKind::Memory,
                outbox: OutboxKind::Transactional,
                ack: AckMode::BeforeCommit
            }
        );
        // Without the keys: memory, as every run before them.
        let plain = parse(WEBHOOK).unwrap();
        assert_eq!(
            plain.durability_for(&plain.strategies[0]),
            Durability::default()
        );
        assert!(!plain.has_crash_keys());
    }

    #[test]
    fn bad_crashes_are_refused_at_their_line_in_both_languages() {
        let p = problems(&format!(
            "[faults]\nplatform_crash = [\n  {{ at_ms = \"2s\", down_ms = 0 }},\n]\n{WEBHOOK}"
        ));
        assert_eq!(
            p[0].field.as_deref(),
            Some("faults.platform_crash[0].down_ms")
        );
        assert_eq!(p[0].line, 10, "{p:?}");
        assert!(p[0].what.pt_br.contains("maior que 0"), "{:?}", p[0].what);
        let p = problems(&format!(
            "[faults]\nshop_crash = [{{ at_ms = \"2s\", down_ms = \"3s\" }}, {{ at_ms = \"4s\", down_ms = 1 }}]\n{WEBHOOK}"
        ));
        assert_eq!(p[0].field.as_deref(), Some("faults.shop_crash[1].at_ms"));
        assert!(p[0].what.en.contains("in order"), "{:?}", p[0].what);
        // A dual write needs a store.
        let p = problems(&format!("{WEBHOOK}outbox = \"dual_write\"\n"));
        assert_eq!(p[0].field.as_deref(), Some("strategy[0].outbox"));
        assert!(
            p[0].what.en.contains("store = \\\"sqlite\\\"")
                || p[0].what.en.contains("store = \"sqlite\"")
        );
        let p = problems(&format!("[platform]\noutbox = \"dual_write\"\n{WEBHOOK}"));
        assert_eq!(p[0].field.as_deref(), Some("platform.outbox"));
        // `ack` belongs to receivers.
        let p = problems(
            "[[strategy]]\nname = \"p\"\nkind = \"poll\"\ninterval_ms = 10\nack = \"before_commit\"\n",
        );
        assert_eq!(p[0].field.as_deref(), Some("strategy[0].ack"), "{p:?}");
        // An unknown store: its line, the known ones listed.
        let p = problems(&format!("{WEBHOOK}store = \"postgres\"\n"));
        assert!(p[0].what.en.contains("sqlite"), "{:?}", p[0].what);
    }

    #[test]
    fn both_clocks_take_crash_keys() {
        let text = format!(
            "{}[faults]\nplatform_crash = [{{ at_ms = 1, down_ms = 1 }}]\n{WEBHOOK}",
            BASE.replace("clock = \"virtual\"\n", "")
        );
        let s = Scenario::parse(&text, "x.toml").unwrap();
        assert_eq!(s.clock, super::super::ClockMode::Real);
        assert!(s.has_crash_keys());
    }
}
