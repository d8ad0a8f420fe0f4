//! What a run says about its crashes: the orders a crash lost and why, the
//! deliveries a restarted platform resumed from its store, and the
//! duplicates a restart caused (caught by the shop's dedup).
//!
//! The harness fills a [`CrashReport`] for each strategy whose scenario
//! crashed a process (`[faults] platform_crash`, `shop_crash`); the report
//! crate prints it. A lost order also ends as missed with its
//! [`CrashLoss`] (`MissedWhy::Crash` in [`crate::report`]), so every order
//! ends notified or missed with a reason.

use crate::scenario::Durability;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a crash lost an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashLoss {
    /// The platform kept the payment, its settlement or its undelivered
    /// webhook only in memory, and died with it.
    PlatformMemory,
    /// The payment's status was written and its outbox row was not yet
    /// (a dual write) when the platform died: no one will ever send it.
    DualWrite,
    /// The shop answered 2xx and died before recording the outcome: the
    /// platform, told 2xx, never retries.
    AckBeforeCommit,
}

impl CrashLoss {
    /// Every reason, in the order reports list them.
    pub const ALL: [CrashLoss; 3] = [
        CrashLoss::PlatformMemory,
        CrashLoss::DualWrite,
        CrashLoss::AckBeforeCommit,
    ];

    /// Its `missed_by_reason` key (`lost_platform_memory`).
    pub fn kind(self) -> &'static str {
        match self {
            CrashLoss::PlatformMemory => "lost_platform_memory",
            CrashLoss::DualWrite => "lost_dual_write",
            CrashLoss::AckBeforeCommit => "lost_ack_before_commit",
        }
    }

    /// The reason in English.
    pub fn english(self) -> &'static str {
        match self {
            CrashLoss::PlatformMemory => "pending delivery lost with the platform's memory",
            CrashLoss::DualWrite => "event never written: dual write",
            CrashLoss::AckBeforeCommit => "acknowledged before commit",
        }
    }

    /// The reason in Brazilian Portuguese.
    pub fn portuguese(self) -> &'static str {
        match self {
            CrashLoss::PlatformMemory => "entrega pendente perdida com a memória da plataforma",
            CrashLoss::DualWrite => "evento nunca gravado: escrita dupla",
            CrashLoss::AckBeforeCommit => "confirmado antes de gravar",
        }
    }
}

/// One strategy's crashes and what they cost.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CrashReport {
    /// What the strategy's processes kept through a crash.
    pub durability: Durability,
    /// How many times the platform crashed.
    #[serde(default)]
    pub platform_crashes: u32,
    /// How many times the shop crashed.
    #[serde(default)]
    pub shop_crashes: u32,
    /// Orders lost to a crash, by reason ([`CrashLoss::kind`]). Each is
    /// also missed, with that reason.
    #[serde(default)]
    pub lost: BTreeMap<CrashLoss, u64>,
    /// Orders the platform held whose outcome the shop did not know yet
    /// when the platform crashed (its pending settlements and undelivered
    /// webhooks: what a memory store loses), added over its crashes.
    #[serde(default)]
    pub pending_at_crash: u64,
    /// Deliveries a restarted platform found open in its outbox and
    /// resumed.
    #[serde(default)]
    pub deliveries_resumed: u64,
    /// Payments a restarted platform found pending in its store and
    /// settled on schedule.
    #[serde(default)]
    pub settlements_resumed: u64,
    /// Deliveries the shop received again because of a restart (an attempt
    /// made before the crash whose outcome the platform had not committed,
    /// or a delivery the shop had recorded before its own crash), and that
    /// its dedup recognised.
    #[serde(default)]
    pub duplicates_after_restart: u64,
    /// The shop's requests (every kind) refused at connect because the
    /// platform was down; its polls, event pages and streams among them are
    /// also `requests.refused`. A dead shop sends nothing, and the
    /// deliveries the platform sent to a dead shop are `rejected.refused`.
    #[serde(default)]
    pub requests_refused_while_down: u64,
    /// Payments due at a platform crash's instant that the platform had
    /// settled and handed to its dispatcher before the crash landed: the
    /// crash missed the window between the status write and the webhook
    /// for these (a dual write then loses fewer, or none). Always 0 in
    /// virtual time; on the real clock, only when the harness's timer came
    /// later than its lead. Left out of `summary.json` when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub settled_before_crash: u64,
}

/// Whether a count is 0 (to leave it out of `summary.json`).
fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl CrashReport {
    /// Whether a crash hit the strategy's run (a durable store alone, or
    /// crash instants after its run ended, do not): the model, which
    /// assumes no process dies, speaks only for a run no crash hit.
    pub fn hit(&self) -> bool {
        self.platform_crashes + self.shop_crashes > 0
    }

    /// Orders lost to crashes, for every reason.
    pub fn lost_total(&self) -> u64 {
        self.lost.values().sum()
    }
}
