//! The tables of a scenario file, as the rest of hooklab reads them once the
//! file is validated: the workload, the strategies, delivery, faults, network,
//! platform and run settings. Each type's serde attributes say how it is
//! written in TOML (`deny_unknown_fields` everywhere, so a typo is an error).

use crate::dist::{Arrival, Distribution};
use crate::duration::Dur;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which clock a run uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockMode {
    /// Real time, real sockets on 127.0.0.1.
    #[default]
    Real,
    /// Simulated time (tokio's paused clock) over an in-memory network.
    Virtual,
}

impl fmt::Display for ClockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClockMode::Real => "real",
            ClockMode::Virtual => "virtual",
        })
    }
}

/// The orders of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// How many orders.
    pub orders: u32,
    /// When they arrive.
    pub arrival: Arrival,
    /// How long after its creation each payment settles.
    pub settle: Distribution,
    /// The shares of final outcomes.
    #[serde(default)]
    pub outcomes: Outcomes,
    /// Each order's amount, in centavos.
    #[serde(default = "default_amount")]
    pub amount_cents: u64,
    /// The currency (ISO 4217).
    #[serde(default = "default_currency")]
    pub currency: String,
    /// How many merchants (shops) share the platform, each with its own API
    /// key, webhook endpoint and pollers; each order belongs to one, drawn at
    /// random (seeded). A provider sees thousands.
    #[serde(default = "default_merchants")]
    pub merchants: u32,
}

fn default_amount() -> u64 {
    4_990
}

fn default_merchants() -> u32 {
    1
}

fn default_currency() -> String {
    "BRL".to_owned()
}

/// The shares of final outcomes; they must sum to 1.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    /// Share of approved payments.
    #[serde(default)]
    pub approved: f64,
    /// Share of declined payments.
    #[serde(default)]
    pub declined: f64,
}

impl Default for Outcomes {
    fn default() -> Self {
        Outcomes {
            approved: 1.0,
            declined: 0.0,
        }
    }
}

/// One way for the shop to learn payment outcomes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StrategySpec {
    /// Ask the platform about each pending payment every `interval_ms`.
    Poll {
        /// The strategy's name in reports.
        name: String,
        /// Time between two polls of one payment; the first poll comes one
        /// interval after the payment's creation.
        interval_ms: Dur,
    },
    /// Register a webhook endpoint and wait for the platform to call it.
    Webhook {
        /// The strategy's name in reports.
        name: String,
    },
    /// Poll the platform's event log (`GET /v1/events?after=<cursor>`) every
    /// `interval_ms`: one request per interval for all pending payments.
    PollEvents {
        /// The strategy's name in reports.
        name: String,
        /// Time between two polls of the log.
        interval_ms: Dur,
        /// Events per page (a poll fetches pages until nothing more is new).
        page_size: usize,
    },
    /// Webhooks, plus a reconciliation poll of every payment still unknown
    /// `reconcile_after_ms` after its creation, every `reconcile_every_ms`: the
    /// safety net real integrations keep for lost events.
    Hybrid {
        /// The strategy's name in reports.
        name: String,
        /// How long after creation a payment no webhook told about is checked.
        reconcile_after_ms: Dur,
        /// How often it is checked again while still unknown.
        reconcile_every_ms: Dur,
    },
    /// `poll` with `If-None-Match`: a poll whose payment did not change
    /// gets a bodiless `304`; the interval grows to the platform's
    /// `X-Poll-Interval` when it asks for more.
    ConditionalPoll {
        /// The strategy's name in reports.
        name: String,
        /// Time between two polls of one payment (at least; the platform's
        /// `X-Poll-Interval` may ask for more).
        interval_ms: Dur,
    },
    /// Long polling, per payment: `GET /v1/payments/{id}?wait=`, asked again
    /// at once whenever the wait runs out with nothing new.
    LongPoll {
        /// The strategy's name in reports.
        name: String,
        /// How long the platform may hold each request.
        wait_ms: Dur,
    },
    /// Long polling the event log, one cursor per merchant:
    /// `GET /v1/events?after=CURSOR&wait=`.
    LongPollEvents {
        /// The strategy's name in reports.
        name: String,
        /// How long the platform may hold each request.
        wait_ms: Dur,
        /// Events per page.
        page_size: usize,
    },
    /// Polling one payment on a schedule that backs off (given as data).
    BackoffPoll {
        /// The strategy's name in reports.
        name: String,
        /// When the polls are due.
        schedule: super::backoff::BackoffSchedule,
    },
    /// One Server-Sent Events connection per merchant
    /// (`GET /v1/events/stream`), resumed with `Last-Event-ID` after a drop.
    Stream {
        /// The strategy's name in reports.
        name: String,
    },
}

/// The kind of a strategy, without its parameters. A file may also spell
/// a kind as `hooklab shop --strategy` does (`poll-events`): a student
/// copies one into the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrategyKind {
    /// See [`StrategySpec::Poll`].
    Poll,
    /// See [`StrategySpec::Webhook`].
    Webhook,
    /// See [`StrategySpec::Hybrid`].
    Hybrid,
    /// See [`StrategySpec::PollEvents`].
    #[serde(alias = "poll-events")]
    PollEvents,
    /// See [`StrategySpec::ConditionalPoll`].
    #[serde(alias = "conditional-poll")]
    ConditionalPoll,
    /// See [`StrategySpec::LongPoll`].
    #[serde(alias = "long-poll")]
    LongPoll,
    /// See [`StrategySpec::LongPollEvents`].
    #[serde(alias = "long-poll-events")]
    LongPollEvents,
    /// See [`StrategySpec::BackoffPoll`].
    #[serde(alias = "backoff-poll")]
    BackoffPoll,
    /// See [`StrategySpec::Stream`].
    Stream,
}

impl fmt::Display for StrategyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StrategyKind::Poll => "poll",
            StrategyKind::Webhook => "webhook",
            StrategyKind::Hybrid => "hybrid",
            StrategyKind::PollEvents => "poll_events",
            StrategyKind::ConditionalPoll => "conditional_poll",
            StrategyKind::LongPoll => "long_poll",
            StrategyKind::LongPollEvents => "long_poll_events",
            StrategyKind::BackoffPoll => "backoff_poll",
            StrategyKind::Stream => "stream",
        })
    }
}

impl StrategySpec {
    /// The strategy's name.
    pub fn name(&self) -> &str {
        match self {
            StrategySpec::Poll { name, .. }
            | StrategySpec::Webhook { name }
            | StrategySpec::Hybrid { name, .. }
            | StrategySpec::PollEvents { name, .. }
            | StrategySpec::ConditionalPoll { name, .. }
            | StrategySpec::LongPoll { name, .. }
            | StrategySpec::LongPollEvents { name, .. }
            | StrategySpec::BackoffPoll { name, .. }
            | StrategySpec::Stream { name } => name,
        }
    }

    /// The strategy's kind.
    pub fn kind(&self) -> StrategyKind {
        match self {
            StrategySpec::Poll { .. } => StrategyKind::Poll,
            StrategySpec::Webhook { .. } => StrategyKind::Webhook,
            StrategySpec::Hybrid { .. } => StrategyKind::Hybrid,
            StrategySpec::PollEvents { .. } => StrategyKind::PollEvents,
            StrategySpec::ConditionalPoll { .. } => StrategyKind::ConditionalPoll,
            StrategySpec::LongPoll { .. } => StrategyKind::LongPoll,
            StrategySpec::LongPollEvents { .. } => StrategyKind::LongPollEvents,
            StrategySpec::BackoffPoll { .. } => StrategyKind::BackoffPoll,
            StrategySpec::Stream { .. } => StrategyKind::Stream,
        }
    }

    /// Whether the shop needs a webhook receiver for this strategy.
    pub fn receives_webhooks(&self) -> bool {
        matches!(
            self,
            StrategySpec::Webhook { .. } | StrategySpec::Hybrid { .. }
        )
    }

    /// How long after the last settlement this strategy may reasonably take to
    /// learn it, beyond the run's grace period: one polling interval for a
    /// poller; the whole retry schedule for a webhook; the reconciliation delay
    /// and one period for a hybrid; one wait for a long poller; the longest
    /// gap of a backoff schedule; a few seconds for a stream to reconnect.
    pub fn patience(&self, delivery: &DeliverySettings) -> Dur {
        match self {
            StrategySpec::Poll { interval_ms, .. }
            | StrategySpec::PollEvents { interval_ms, .. }
            | StrategySpec::ConditionalPoll { interval_ms, .. } => *interval_ms,
            StrategySpec::LongPoll { wait_ms, .. }
            | StrategySpec::LongPollEvents { wait_ms, .. } => *wait_ms,
            StrategySpec::BackoffPoll { schedule, .. } => schedule.longest_gap(),
            StrategySpec::Stream { .. } => super::backoff::STREAM_RECONNECT_MAX,
            StrategySpec::Webhook { .. } => delivery.worst_case_span(),
            StrategySpec::Hybrid {
                reconcile_after_ms,
                reconcile_every_ms,
                ..
            } => Dur(reconcile_after_ms.as_us() + reconcile_every_ms.as_us()),
        }
    }
}

/// How the platform delivers webhooks: the `[delivery]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliverySettings {
    /// Delay before each attempt, counted from the previous failure (the first
    /// from the settlement). Its length is the number of attempts. Default:
    /// Svix's `0s, 5s, 5m, 30m, 2h, 5h, 10h, 10h`.
    #[serde(default = "default_retry_schedule")]
    pub retry_schedule: Vec<Dur>,
    /// How long one attempt may take before it counts as a timeout.
    #[serde(default = "default_delivery_timeout")]
    pub timeout_ms: Dur,
    /// Each retry delay is moved by up to this share, at random (seeded), so
    /// that retries of many events do not all land at once.
    #[serde(default = "default_jitter")]
    pub jitter: f64,
}

fn default_retry_schedule() -> Vec<Dur> {
    ["0s", "5s", "5m", "30m", "2h", "5h", "10h", "10h"]
        .iter()
        .filter_map(|d| Dur::parse(d).ok())
        .collect()
}

fn default_delivery_timeout() -> Dur {
    Dur::from_secs(15)
}

fn default_jitter() -> f64 {
    0.2
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            retry_schedule: default_retry_schedule(),
            timeout_ms: default_delivery_timeout(),
            jitter: default_jitter(),
        }
    }
}

impl DeliverySettings {
    /// The longest an event can take to be delivered or given up: every
    /// delay at its jittered maximum, plus every attempt's timeout.
    pub fn worst_case_span(&self) -> Dur {
        let delays: u64 = self.retry_schedule.iter().map(|d| d.as_us()).sum();
        let attempts = self.retry_schedule.len() as u64;
        Dur((delays as f64 * (1.0 + self.jitter)) as u64 + attempts * self.timeout_ms.as_us())
    }
}

/// Faults injected into a run: the `[faults]` table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Windows (from the run's start) when the shop's receiver is down.
    #[serde(default)]
    pub receiver_down: Vec<ReceiverDown>,
    /// Share of deliveries the receiver answers with a 500, at random.
    #[serde(default)]
    pub receiver_error_rate: f64,
    /// Added delay before the receiver answers each delivery.
    #[serde(default)]
    pub receiver_delay_ms: Dur,
    /// Share of deliveries the receiver acknowledges (2xx) and then drops before
    /// recording: the crash-after-ack case no retry can see.
    #[serde(default)]
    pub silent_loss: f64,
    /// Share of events the sender delivers twice.
    #[serde(default)]
    pub duplicate_rate: f64,
    /// Holds each event's first delivery back by a random delay up to this
    /// long (seeded), so events can arrive in another order than they
    /// happened, as real senders' queues deliver them.
    #[serde(default)]
    pub reorder_ms: Dur,
    /// When the platform dies and how long it stays down (see
    /// [`super::crash`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platform_crash: Vec<super::crash::CrashWindow>,
    /// When the shop dies and how long it stays down.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shop_crash: Vec<super::crash::CrashWindow>,
}

/// A window when the shop's receiver is down, and how it looks from outside.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiverDown {
    /// Start, from the run's start.
    pub from_ms: Dur,
    /// End, from the run's start.
    pub until_ms: Dur,
    /// `"503"` (default): the server is up and answers 503 Service
    /// Unavailable; `"refuse"`: nothing listens, connections are refused.
    #[serde(default)]
    pub mode: DownMode,
}

/// How a down receiver looks to the sender.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DownMode {
    /// It answers 503.
    #[default]
    #[serde(rename = "503")]
    Unavailable,
    /// Connections are refused.
    #[serde(rename = "refuse")]
    Refuse,
}

/// How the platform treats its API clients: the `[platform]` table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformSettings {
    /// Requests per second each API key may make (a token bucket holding one
    /// second's worth); beyond it the platform answers 429 with `Retry-After`.
    /// Default: no limit.
    #[serde(default)]
    pub rate_limit_per_s: Option<f64>,
    /// The `X-Poll-Interval` (seconds) the platform sends on status reads
    /// and event pages, asking pollers to wait that long (a
    /// `conditional_poll` honours it). Default: not sent.
    #[serde(default)]
    pub poll_interval_s: Option<u64>,
    /// The `X-Poll-Interval` sent instead while the platform is loaded:
    /// at least `loaded_at_requests_per_s` requests in the current or the
    /// previous second. Default: `poll_interval_s`.
    #[serde(default)]
    pub poll_interval_loaded_s: Option<u64>,
    /// Requests in one second from which the platform counts as loaded.
    /// Default: 1000.
    #[serde(default)]
    pub loaded_at_requests_per_s: Option<u64>,
    /// Where the platform keeps its books (default: memory; see
    /// [`super::crash`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<super::crash::StoreKind>,
    /// How a settlement reaches the outbox (default: transactional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<super::crash::OutboxKind>,
}

/// The network between the platform and the shop: the `[network]` table.
/// Virtual mode applies it in its in-memory transport; real mode adds it on
/// top of loopback's own (tiny) latency.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSettings {
    /// One-way latency of every message, as a distribution
    /// (`{ dist = "uniform", min_ms = 5, max_ms = 20 }`). Default: none added.
    #[serde(default)]
    pub latency: Option<Distribution>,
    /// Windows (from the run's start) when nothing gets through between the
    /// platform and the shop: connections fail.
    #[serde(default)]
    pub partitions: Vec<DownWindow>,
}

/// A time window when the receiver is down.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownWindow {
    /// Start, from the run's start.
    pub from_ms: Dur,
    /// End, from the run's start.
    pub until_ms: Dur,
}

/// How a run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSettings {
    /// After the last payment settles (plus one polling interval for a poller),
    /// how long the run still waits before it counts an order as missed.
    #[serde(default = "default_grace")]
    pub grace_ms: Dur,
}

fn default_grace() -> Dur {
    Dur::from_secs(2)
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            grace_ms: default_grace(),
        }
    }
}
