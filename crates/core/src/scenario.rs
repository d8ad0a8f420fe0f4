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
//!    interval ([`Scenario::validate`]). These problems carry a field path,
//!    which [`locate`] turns back into a line by walking the parsed document.

use crate::dist::{Arrival, Distribution};
use crate::duration::Dur;
use serde::{Deserialize, Serialize};
use std::fmt;
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

/// The file as written, before validation. Strategy tables are read flat (one
/// struct with optional fields) rather than as a tagged enum, so that serde
/// reports a bad field at its own line instead of at the `[[strategy]]` header.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    description_pt_br: String,
    seed: u64,
    #[serde(default)]
    clock: ClockMode,
    workload: Workload,
    #[serde(default)]
    strategy: Vec<StrategyTable>,
    #[serde(default)]
    run: RunSettings,
    #[serde(default)]
    delivery: DeliverySettings,
    #[serde(default)]
    faults: Faults,
    #[serde(default)]
    network: NetworkSettings,
    #[serde(default)]
    platform: PlatformSettings,
    #[serde(default)]
    sweep: std::collections::BTreeMap<String, Vec<toml::Value>>,
}

/// One `[[strategy]]` table as written.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct StrategyTable {
    name: String,
    kind: StrategyKind,
    interval_ms: Option<Dur>,
    reconcile_after_ms: Option<Dur>,
    reconcile_every_ms: Option<Dur>,
    page_size: Option<usize>,
}

impl StrategyTable {
    /// The strategy, or the (field, message) that is wrong with the table.
    fn to_spec(&self) -> Result<StrategySpec, (&'static str, String)> {
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
}

/// The kind of a strategy, without its parameters.
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
    PollEvents,
}

impl fmt::Display for StrategyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StrategyKind::Poll => "poll",
            StrategyKind::Webhook => "webhook",
            StrategyKind::Hybrid => "hybrid",
            StrategyKind::PollEvents => "poll_events",
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
            | StrategySpec::PollEvents { name, .. } => name,
        }
    }

    /// The strategy's kind.
    pub fn kind(&self) -> StrategyKind {
        match self {
            StrategySpec::Poll { .. } => StrategyKind::Poll,
            StrategySpec::Webhook { .. } => StrategyKind::Webhook,
            StrategySpec::Hybrid { .. } => StrategyKind::Hybrid,
            StrategySpec::PollEvents { .. } => StrategyKind::PollEvents,
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
    /// and one period for a hybrid.
    pub fn patience(&self, delivery: &DeliverySettings) -> Dur {
        match self {
            StrategySpec::Poll { interval_ms, .. }
            | StrategySpec::PollEvents { interval_ms, .. } => *interval_ms,
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

/// One step of a path to a field: a key, or an index in an array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSeg {
    /// A table key.
    Key(String),
    /// A position in an array (0-based).
    Index(usize),
}

/// A path to a field, such as `strategy[1].interval_ms`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<PathSeg>);

impl FieldPath {
    /// Parses `a.b[2].c`.
    pub fn parse(text: &str) -> Self {
        let mut segs = Vec::new();
        for part in text.split('.').filter(|p| !p.is_empty()) {
            let mut rest = part;
            if let Some(open) = rest.find('[') {
                segs.push(PathSeg::Key(rest[..open].to_owned()));
                rest = &rest[open..];
                while let Some(close) = rest.find(']') {
                    if let Ok(i) = rest[1..close].parse() {
                        segs.push(PathSeg::Index(i));
                    }
                    rest = &rest[close + 1..];
                    if !rest.starts_with('[') {
                        break;
                    }
                }
            } else {
                segs.push(PathSeg::Key(rest.to_owned()));
            }
        }
        FieldPath(segs)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSeg::Key(k) if i == 0 => write!(f, "{k}")?,
                PathSeg::Key(k) => write!(f, ".{k}")?,
                PathSeg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
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
    #[error("{file}: cannot read the scenario: {source}")]
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
            Ok(Scenario {
                name: raw.name,
                description: raw.description,
                description_pt_br: raw.description_pt_br,
                seed: raw.seed,
                clock: raw.clock,
                workload: raw.workload,
                strategies: raw
                    .strategy
                    .iter()
                    .filter_map(|t| t.to_spec().ok())
                    .collect(),
                run: raw.run,
                delivery: raw.delivery,
                faults: raw.faults,
                network: raw.network,
                platform: raw.platform,
                sweep: raw.sweep,
            })
        } else {
            problems.sort_by_key(|p| (p.line, p.column));
            Err(ScenarioError::Invalid {
                file: file.to_owned(),
                problems,
            })
        }
    }
}

impl ScenarioFile {
    /// Everything wrong with the values, as (field path, message) pairs.
    fn validate(&self) -> Vec<(String, String)> {
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

/// The field named by serde's "unknown field `x`, expected …" message.
fn unknown_field_name(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

fn source_line(text: &str, line: usize) -> String {
    text.lines()
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .to_owned()
}

/// The byte offset where the field at `path` is written in `text`, if it is
/// written there; otherwise the offset of its nearest written parent.
pub fn locate(text: &str, path: &FieldPath) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let doc = DeTable::parse(text).ok()?;
    let mut table: &DeTable = doc.get_ref();
    let mut best: Option<usize> = None;
    let mut segs = path.0.iter().peekable();
    while let Some(seg) = segs.next() {
        let PathSeg::Key(key) = seg else { return best };
        let (k, v) = table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key.as_str())?;
        best = Some(k.span().start);
        let mut value = v;
        while let Some(PathSeg::Index(i)) = segs.peek() {
            segs.next();
            match value.get_ref() {
                DeValue::Array(items) => match items.get(*i) {
                    Some(item) => {
                        value = item;
                        best = Some(item.span().start);
                    }
                    None => return best,
                },
                _ => return best,
            }
        }
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            _ => return best,
        }
    }
    best
}

/// The path of the deepest field whose key or value covers `offset`.
pub fn path_at(text: &str, offset: usize) -> Option<FieldPath> {
    use toml::de::{DeTable, DeValue};
    fn walk(table: &DeTable, offset: usize, path: &mut Vec<PathSeg>) -> bool {
        for (k, v) in table.iter() {
            let ks = k.span();
            let vs = v.span();
            let covers =
                (ks.start <= offset && offset < ks.end) || (vs.start <= offset && offset < vs.end);
            let inside_table = matches!(v.get_ref(), DeValue::Table(_) | DeValue::Array(_));
            if covers || inside_table {
                path.push(PathSeg::Key(k.get_ref().to_string()));
                match v.get_ref() {
                    DeValue::Table(t) => {
                        if walk(t, offset, path) || covers {
                            return true;
                        }
                    }
                    DeValue::Array(items) => {
                        for (i, item) in items.iter().enumerate() {
                            path.push(PathSeg::Index(i));
                            if let DeValue::Table(t) = item.get_ref()
                                && walk(t, offset, path)
                            {
                                return true;
                            }
                            let s = item.span();
                            if s.start <= offset && offset < s.end {
                                return true;
                            }
                            path.pop();
                        }
                        if covers {
                            return true;
                        }
                    }
                    _ => return true,
                }
                path.pop();
            }
        }
        false
    }
    let doc = DeTable::parse(text).ok()?;
    let mut path = Vec::new();
    walk(doc.get_ref(), offset, &mut path);
    Some(FieldPath(path))
}

#[cfg(test)]
mod tests {
    use super::*;

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
