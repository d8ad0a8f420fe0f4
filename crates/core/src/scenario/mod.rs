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
//!    interval, an amount the platform would refuse, a bad `[sweep]` value
//!    (the `validate` and `sweep` modules). These problems carry a field
//!    path, which [`locate`] turns back into a line by walking the parsed
//!    document.
//!
//! Every problem keeps its parts apart (file, line, field, what is wrong in
//! English and in Portuguese, a hint), and [`ScenarioError::render`] says it
//! in either language; a bad value is quoted as a short, escaped excerpt.
//!
//! Its parts:
//!
//! - `tables`: the validated tables ([`Workload`], [`StrategySpec`],
//!   [`DeliverySettings`], [`Faults`], …), re-exported here;
//! - `file`: the file as written, before validation;
//! - `retry`: provider retry profiles (`retry = "github"`) and the raw `[delivery]` table;
//! - `deadline`: when a run stops waiting ([`Scenario::deadline_us`]),
//!   outages waited out, for the harness and the model alike;
//! - `validate`: what makes a parsed file meaningless, as field paths and messages;
//! - `sweep`: every `[sweep]` key and value, checked like a written strategy;
//! - `syntax`: TOML syntax mistakes said for a student, carets under the line;
//! - `text`: messages in both languages ([`Said`]), excerpts of bad values,
//!   serde's and the TOML reader's messages said in words;
//! - `location`: from a field path to its line and back ([`locate`], [`path_at`]).

pub mod backoff;
pub mod crash;
mod deadline;
mod file;
mod location;
mod retry;
#[cfg(test)]
mod spectrum_tests;
mod sweep;
mod syntax;
mod tables;
mod text;
mod validate;

pub use backoff::BackoffSchedule;
pub use crash::{AckMode, CrashWindow, Durability, OutboxKind, StoreKind};
pub use location::{FieldPath, PathSeg, locate, path_at};
pub use retry::RetryProfile;
pub use sweep::sweep_label;
pub use tables::{
    ClockMode, DeliverySettings, DownMode, DownWindow, Faults, NetworkSettings, Outcomes,
    PlatformSettings, ReceiverDown, RunSettings, StrategyKind, StrategySpec, Workload,
};
pub use text::{EXCERPT_CHARS, Said, edits, excerpt, num, num_rounded};
pub use validate::{MAX_AMOUNT_CENTS, MAX_ORDERS, MAX_WAIT, MIN_RATE_LIMIT_PER_S};

use crate::lang::Lang;
use file::ScenarioFile;
use location::{line_col, source_line, unknown_field_name};
use serde::Serialize;
use std::path::Path;
use text::{serde_said, shown_line};

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
    /// Strategies that name their own provider retry profile
    /// (`retry = "github"` in their table), by strategy name: their
    /// deliveries follow it instead of `delivery` ([`Scenario::delivery_for`]).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub retry_by_strategy: std::collections::BTreeMap<String, RetryProfile>,
    /// Strategies that name their own `store`, `outbox` or `ack`, by
    /// strategy name ([`Scenario::durability_for`]).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub durability_by_strategy: std::collections::BTreeMap<String, crash::DurabilityOverride>,
    /// Faults injected into the run.
    pub faults: Faults,
    /// The network between the platform and the shop.
    pub network: NetworkSettings,
    /// How the platform treats its API clients.
    pub platform: PlatformSettings,
    /// Parameter sweeps, as written: `"strategy-name.field" = [values…]`.
    /// Expanded by the harness; kept raw here so the sweep logic lives in one
    /// place. Every value was checked at load time like a written one.
    pub sweep: std::collections::BTreeMap<String, Vec<toml::Value>>,
}

/// One thing wrong with a scenario, located in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// The field, when one is to blame, as a path (`strategy[0].interval_ms`).
    pub field: Option<String>,
    /// What is wrong, and what would be right.
    pub what: Said,
    /// What to do about it, when more than the message says.
    pub hint: Option<Said>,
    /// The text of the line, to show under the message: control characters
    /// escaped and cut to a screen's width. For a TOML syntax mistake, a
    /// second line follows with carets under what the reader pointed at.
    pub source_line: String,
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// Occurs when the file cannot be read.
    #[error("{}: cannot read the scenario", text::printable(file))]
    Read {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Occurs when the file is not valid TOML, has fields of the wrong shape, or
    /// has values that make no sense.
    #[error("{}", render_problems(file, problems, Lang::En))]
    Invalid {
        /// The file.
        file: String,
        /// Everything found wrong, in file order.
        problems: Vec<Problem>,
    },
}

impl ScenarioError {
    /// The whole error in `lang`, as the CLI prints it: for a file that
    /// cannot be read, the reason; for an invalid one, every problem with
    /// its file, line, field and source line.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            ScenarioError::Read { file, source } => {
                let file = text::printable(file);
                match lang {
                    Lang::En => format!("{file}: cannot read the scenario: {source}"),
                    Lang::PtBr => {
                        let why = match source.kind() {
                            std::io::ErrorKind::NotFound => "o arquivo não existe",
                            std::io::ErrorKind::PermissionDenied => "sem permissão de leitura",
                            std::io::ErrorKind::IsADirectory => "é uma pasta, não um arquivo",
                            std::io::ErrorKind::InvalidData => "o arquivo não é texto UTF-8",
                            _ => "erro de entrada e saída",
                        };
                        format!("{file}: não foi possível ler o cenário: {why}")
                    }
                }
            }
            ScenarioError::Invalid { file, problems } => render_problems(file, problems, lang),
        }
    }
}

fn render_problems(file: &str, problems: &[Problem], lang: Lang) -> String {
    let file = text::printable(file);
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let field = p
            .field
            .as_deref()
            .map(|f| match lang {
                Lang::En => format!("field `{f}`: "),
                Lang::PtBr => format!("campo `{f}`: "),
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "{file}:{}:{}: {field}{}",
            p.line,
            p.column,
            p.what.get(lang)
        ));
        if let Some(hint) = &p.hint {
            out.push_str(&format!(" ({})", hint.get(lang)));
        }
        if !p.source_line.trim().is_empty() {
            out.push_str(&format!("\n  {:>4} | {}", p.line, p.source_line));
        }
    }
    out.push_str(match lang {
        Lang::En => "\nEvery field is described in scenarios/README.md.",
        Lang::PtBr => "\nTodos os campos estão descritos em scenarios/LEIAME.md.",
    });
    out
}

/// The longest prefix of `path` that names a table: serde reports a missing
/// field at its table, but the error's offset can fall on the table's first
/// key (`name = "x"` when `seed` is missing), whose path names a value.
fn table_part(text: &str, mut path: FieldPath) -> FieldPath {
    let Ok(doc) = toml::from_str::<toml::Table>(text) else {
        return path;
    };
    let mut value = toml::Value::Table(doc);
    let mut keep = 0;
    for (i, seg) in path.0.iter().enumerate() {
        let next = match (seg, &value) {
            (PathSeg::Key(k), toml::Value::Table(t)) => t.get(k).cloned(),
            (PathSeg::Index(n), toml::Value::Array(a)) => a.get(*n).cloned(),
            _ => None,
        };
        match next {
            Some(v) => {
                if v.is_table() {
                    keep = i + 1;
                }
                value = v;
            }
            None => break,
        }
    }
    path.0.truncate(keep);
    path
}

/// The name in serde's "missing field `x`" message.
fn missing_field_name(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// The offset of the first key of the document's top-level table (the
/// `name = …` line, usually), where a missing top-level field belongs.
fn top_level_offset(text: &str) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let doc = DeTable::parse(text).ok()?;
    doc.get_ref()
        .iter()
        .filter(|(_, v)| match v.get_ref() {
            DeValue::Table(_) => false,
            DeValue::Array(items) => !items
                .iter()
                .all(|i| matches!(i.get_ref(), DeValue::Table(_))),
            _ => true,
        })
        .map(|(k, _)| k.span().start)
        .min()
}

/// A hint for a decimal comma (`approved = 0,9`, `every_ms = "0,2s"`): TOML
/// reads the comma as a separator or a unit, and its own message ("a string
/// was not closed", "unknown unit `,2s`") does not say what went wrong to
/// someone who writes decimals the Brazilian way.
fn decimal_comma_hint(line: &str) -> Option<Said> {
    let code = line.split('#').next().unwrap_or("");
    let bytes = code.as_bytes();
    // Inside a list (`at_ms = [1,2]`) a comma between digits separates.
    let in_list = |i: usize| {
        let before = &code[..i];
        before.matches('[').count() > before.matches(']').count()
    };
    let at = (1..bytes.len().saturating_sub(1)).find(|&i| {
        bytes[i] == b','
            && bytes[i - 1].is_ascii_digit()
            && bytes[i + 1].is_ascii_digit()
            && !in_list(i)
    })?;
    let start = code[..at]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let end = code[at + 1..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(code.len(), |i| at + 1 + i);
    let written = &code[start..end];
    let meant = written.replace(',', ".");
    Some(Said::new(
        format!("decimals take a point in scenario files: write {meant}, not {written}"),
        format!(
            "nos arquivos de cenário os decimais levam ponto, como em inglês: escreva {meant}, não {written}"
        ),
    ))
}

/// What to add for a missing required field, as an example.
fn missing_hint(path: &FieldPath) -> Option<Said> {
    let last = match path.0.last() {
        Some(PathSeg::Key(k)) => k.as_str(),
        _ => return None,
    };
    let in_strategy = path.0.first() == Some(&PathSeg::Key("strategy".to_owned()));
    if last == "kind" && in_strategy {
        let kinds = STRATEGY_KINDS.join(", ");
        return Some(Said::new(
            format!("for example: kind = \"poll\"; one of: {kinds}"),
            format!("por exemplo: kind = \"poll\"; um de: {kinds}"),
        ));
    }
    let example = match last {
        "seed" => "seed = 42",
        "workload" => "[workload] with orders, arrival and settle",
        // A strategy's name is what the reports call it.
        "name" if in_strategy => "name = \"poll-2s\"",
        "name" => "name = \"my-scenario\"",
        "orders" => "orders = 300",
        "arrival" => "arrival = { dist = \"fixed\", every_ms = 5 }",
        "settle" => "settle = { dist = \"uniform\", min_ms = 200, max_ms = 2000 }",
        _ => return None,
    };
    // The example name is a name to replace, so it is in the reader's
    // language; field names stay as the file writes them.
    let pt = example
        .replace(
            " with orders, arrival and settle",
            " com orders, arrival e settle",
        )
        .replace("my-scenario", "meu-cenario");
    Some(Said::new(
        format!("for example: {example}"),
        format!("por exemplo: {pt}"),
    ))
}

/// The values of a strategy's `kind`, as a scenario file writes them.
const STRATEGY_KINDS: [&str; 9] = [
    "poll",
    "webhook",
    "hybrid",
    "poll_events",
    "conditional_poll",
    "backoff_poll",
    "long_poll",
    "long_poll_events",
    "stream",
];

/// The keys of the file's top level (before any `[table]`), as
/// [`file::ScenarioFile`] names them.
const TOP_LEVEL_KEYS: [&str; 13] = [
    "name",
    "description",
    "description_pt_br",
    "seed",
    "clock",
    "workload",
    "strategy",
    "run",
    "delivery",
    "faults",
    "network",
    "platform",
    "sweep",
];

/// For a top-level key written inside a table (`clock = "virtual"`
/// appended at the end of the file lands in the last `[[strategy]]`): where
/// it goes. TOML gives a key to the table whose header comes before it.
fn misplaced_top_level_hint(path: &FieldPath, unknown: &str) -> Option<Said> {
    if path.0.len() < 2 || !TOP_LEVEL_KEYS.contains(&unknown) {
        return None;
    }
    Some(Said::new(
        format!(
            "`{unknown}` is a top-level key: in TOML a key belongs to the table whose header \
             comes before it, so move it above the first `[table]` or `[[strategy]]`, beside \
             `name` and `seed`"
        ),
        format!(
            "`{unknown}` é uma chave do topo do arquivo: em TOML uma chave pertence à tabela \
             cujo cabeçalho vem antes dela; mova-a para antes da primeira `[tabela]` ou \
             `[[strategy]]`, junto de `name` e `seed`"
        ),
    ))
}

impl Scenario {
    /// How the platform delivers `strategy`'s webhooks: `[delivery]`, or
    /// the retry profile the strategy names for itself.
    pub fn delivery_for(&self, strategy: &StrategySpec) -> DeliverySettings {
        match self.retry_by_strategy.get(strategy.name()) {
            Some(profile) => profile.applied_to(&self.delivery),
            None => self.delivery.clone(),
        }
    }

    /// What `strategy`'s platform and shop keep through a crash: its own
    /// `store`, `outbox` and `ack`, or `[platform]`'s (memory by default).
    pub fn durability_for(&self, strategy: &StrategySpec) -> Durability {
        self.durability_by_strategy
            .get(strategy.name())
            .copied()
            .unwrap_or_default()
            .over(self.platform.store, self.platform.outbox)
    }

    /// Whether the file asks for a crash or a store anywhere (the real
    /// clock refuses them).
    pub fn has_crash_keys(&self) -> bool {
        !self.faults.platform_crash.is_empty()
            || !self.faults.shop_crash.is_empty()
            || self.platform.store.is_some()
            || self.platform.outbox.is_some()
            || !self.durability_by_strategy.is_empty()
    }

    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ScenarioError::Read {
            file: file.clone(),
            source,
        })?;
        let text =
            String::from_utf8(bytes).map_err(|e| not_utf8(&file, e.as_bytes(), e.utf8_error()))?;
        Scenario::parse(&text, &file)
    }

    /// Parses and validates scenario text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        // An empty file would be reported as "`name` is missing", which
        // sends a student looking for one field in a file that has none.
        if is_empty_scenario(text) {
            return Err(ScenarioError::Invalid {
                file: file.to_owned(),
                problems: vec![empty_file()],
            });
        }
        if let Some(problem) = file::syntax_problem(text) {
            return Err(ScenarioError::Invalid {
                file: file.to_owned(),
                problems: vec![problem],
            });
        }
        let raw: ScenarioFile = match toml::from_str(text) {
            Ok(s) => s,
            Err(e) => {
                let span = e.span();
                let mut offset = span.as_ref().map(|s| s.start).unwrap_or(0);
                let message = e.message().trim().to_owned();
                let mut field = span
                    .as_ref()
                    .and_then(|_| path_at(text, offset))
                    .filter(|p| !p.0.is_empty());
                let mut hint = None;
                // serde reports an unknown field at its table; point at the field.
                if let (Some(path), Some(name)) = (field.as_mut(), unknown_field_name(&message))
                    && path.0.last() != Some(&PathSeg::Key(name.to_owned()))
                {
                    // The offset may lie inside the unknown field's own value
                    // (`[[strategies]]` for `[[strategy]]`): the path then
                    // already names it, followed by its insides.
                    let own = PathSeg::Key(name.to_owned());
                    match path.0.iter().position(|seg| *seg == own) {
                        Some(at) => path.0.truncate(at + 1),
                        None => path.0.push(own),
                    }
                    if let Some(at) = locate(text, path) {
                        offset = at;
                    }
                }
                if let (Some(path), Some(name)) = (field.as_ref(), unknown_field_name(&message)) {
                    hint = misplaced_top_level_hint(path, name);
                }
                // A missing field is reported at the table that lacks it; a
                // missing top-level one (`seed`, `[workload]`) at the
                // top-level table's first key rather than at line 1, which
                // is usually a comment.
                if let Some(name) = missing_field_name(&message) {
                    let mut path = match field.take().map(|p| table_part(text, p)) {
                        Some(table) if !table.0.is_empty() => table,
                        _ => {
                            if let Some(at) = top_level_offset(text) {
                                offset = at;
                            }
                            FieldPath::default()
                        }
                    };
                    path.0.push(PathSeg::Key(name.to_owned()));
                    hint = missing_hint(&path);
                    field = Some(path);
                }
                // A duration refused inside an inline table (`settle = {
                // dist = "fixed", ms = 1e300 }`): serde names the table;
                // the key whose value is refused is the field.
                if message.contains("duration")
                    && let Some(path) = field.as_mut()
                    && let Some(key) =
                        location::refused_duration_key(&source_line(text, line_col(text, offset).0))
                {
                    path.0.push(PathSeg::Key(key));
                }
                let mut last = field.as_ref().and_then(|p| match p.0.last() {
                    Some(PathSeg::Key(k)) => Some(k.clone()),
                    _ => None,
                });
                // TOML's "duplicate key" names no key: the line it points
                // at writes it (`seed = 43`).
                if message == "duplicate key" {
                    let line = source_line(text, line_col(text, offset).0);
                    last = line
                        .split_once('=')
                        .map(|(key, _)| key.trim().trim_matches('"').to_owned())
                        .filter(|k| !k.is_empty() && k.len() <= 64)
                        .map(|k| crate::printable::escape_controls(&k));
                }
                // `[strategy.retry]` with `max_attempts = 0` under it, for
                // `retry = "svix"`: the field is `retry`, and it takes a name.
                let named = field.as_mut().and_then(|path| {
                    let [.., PathSeg::Key(outer), PathSeg::Key(key)] = path.0.as_slice() else {
                        return None;
                    };
                    let said = text::table_for_a_name(&message, outer, key)?;
                    let outer = outer.clone();
                    path.0.pop();
                    Some((said, outer))
                });
                // Pointed at the table's header, the thing to rewrite.
                if let Some(at) = named
                    .as_ref()
                    .and_then(|(_, outer)| location::table_header_before(text, offset, outer))
                {
                    offset = at;
                }
                let what = match named {
                    Some((said, _)) => said,
                    None => serde_said(&message, last.as_deref()),
                };
                let (line, column) = line_col(text, offset);
                if hint.is_none() {
                    hint = decimal_comma_hint(&source_line(text, line));
                }
                return Err(ScenarioError::Invalid {
                    file: file.to_owned(),
                    problems: vec![Problem {
                        line,
                        column,
                        field: field.map(|p| p.to_string()),
                        what,
                        hint,
                        source_line: shown_line(&source_line(text, line)),
                    }],
                });
            }
        };
        let mut problems: Vec<Problem> = raw
            .validate()
            .into_iter()
            .map(|(path, what)| {
                let offset = locate(text, &path).unwrap_or(0);
                let (line, column) = if offset == 0 && !text.is_empty() {
                    (1, 1)
                } else {
                    line_col(text, offset)
                };
                let written = source_line(text, line);
                let what = validate::with_its_unit(&path.to_string(), what, &written);
                Problem {
                    line,
                    column,
                    field: Some(path.to_string()),
                    what,
                    hint: None,
                    source_line: shown_line(&written),
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

/// Whether `text` holds no TOML at all: only blank lines and comments.
fn is_empty_scenario(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#')
    })
}

/// The problem of an empty file: what a scenario needs, and where to get one.
fn empty_file() -> Problem {
    Problem {
        line: 1,
        column: 1,
        field: None,
        what: text::Said::new(
            "the file is empty (no field, only blank lines or comments): a scenario needs at least `name`, `seed`, `[workload]` and one `[[strategy]]`; write one to start from with `hooklab new my-scenario`",
            "o arquivo está vazio (nenhum campo, só linhas em branco ou comentários): um cenário precisa de pelo menos `name`, `seed`, `[workload]` e uma `[[strategy]]`; crie um para começar com `hooklab new meu-cenario`",
        ),
        hint: None,
        source_line: String::new(),
    }
}

/// A file that is not UTF-8 text, said at its first bad byte: the line
/// and column it falls on, and what to do (an editor's "save as UTF-8").
fn not_utf8(file: &str, bytes: &[u8], e: std::str::Utf8Error) -> ScenarioError {
    let good = &bytes[..e.valid_up_to()];
    let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    // Columns count characters, as for any other problem.
    let column = String::from_utf8_lossy(&good[start..]).chars().count() + 1;
    let end = bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| start + i);
    let offset = e.valid_up_to();
    ScenarioError::Invalid {
        file: file.to_owned(),
        problems: vec![Problem {
            line,
            column,
            field: None,
            what: text::Said::new(
                format!(
                    "the file is not UTF-8 text: the byte at offset {offset} (line {line}, column {column}) is not valid UTF-8; save the file as UTF-8 (most editors offer it under \"Save as\" or \"Encoding\")"
                ),
                format!(
                    "o arquivo não é texto UTF-8: o byte na posição {offset} do arquivo (linha {line}, coluna {column}) não é UTF-8 válido; salve o arquivo como UTF-8 (a maioria dos editores oferece isso em \"Salvar como\" ou \"Codificação\")"
                ),
            ),
            hint: None,
            source_line: text::shown_line(&String::from_utf8_lossy(&bytes[start..end])),
        }],
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
    fn toml_refusals_say_which_key_and_what_to_do() {
        // The engineer tester's files: TOML's own words named no key and
        // offered no fix.
        let p = problems(&GOOD.replace("seed = 42", "seed = 42\nseed = 43"));
        assert_eq!(p[0].line, 4, "{p:?}");
        assert!(p[0].what.en.contains("`seed` is written twice"), "{p:?}");
        assert!(
            p[0].what.pt_br.contains("`seed` aparece duas vezes"),
            "{p:?}"
        );
        let p = problems(&GOOD.replace("seed = 42", "seed = 1e400"));
        assert!(p[0].what.en.contains("too large"), "{p:?}");
        assert!(p[0].what.pt_br.contains("grande demais"), "{p:?}");
        let deep = format!("{GOOD}\nx = {}{}\n", "[".repeat(200), "]".repeat(200));
        let p = problems(&deep);
        assert!(p[0].what.en.contains("nested far deeper"), "{p:?}");
        assert!(!p[0].what.en.contains("recurse"), "{p:?}");
    }

    #[test]
    fn a_file_that_is_not_utf8_is_said_at_its_first_bad_byte() {
        let dir = std::env::temp_dir().join(format!("hooklab-utf8-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("latin1.toml");
        let mut bytes = GOOD.as_bytes().to_vec();
        // `name = "checkout"` on line 2, its `o` as Latin-1 `ó` (0xF3).
        let at = GOOD.find("checkout").unwrap() + 2;
        bytes[at] = 0xF3;
        std::fs::write(&path, &bytes).unwrap();
        let err = Scenario::load(&path).unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        let ScenarioError::Invalid { problems, .. } = err else {
            panic!("{err:?}");
        };
        assert_eq!(
            (problems[0].line, problems[0].column),
            (2, 11),
            "{problems:?}"
        );
        assert!(
            problems[0]
                .what
                .en
                .contains(&format!("the byte at offset {at} (line 2, column 11)")),
            "{problems:?}"
        );
        assert!(
            problems[0]
                .what
                .pt_br
                .contains("salve o arquivo como UTF-8")
        );
        assert!(
            problems[0].source_line.starts_with("name = \"ch"),
            "{problems:?}"
        );
    }

    #[test]
    fn unknown_fields_name_the_field_and_line() {
        let text = GOOD.replace("interval_ms = 200", "interval_ms = 200\nintervall = 3");
        let p = problems(&text);
        assert_eq!(p[0].line, 13, "{p:?}");
        assert!(p[0].what.en.contains("intervall"), "{p:?}");
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
        assert!(p[0].what.en.contains("negative"), "{p:?}");
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
        // 0.2 without a unit is 0.2 ms: refused, with the unit it was
        // probably meant to have.
        let p = problems(&GOOD.replace("interval_ms = 200", "interval_ms = 0.2"));
        assert_eq!(
            (p[0].field.as_deref(), p[0].line),
            (Some("strategy[0].interval_ms"), 12)
        );
        assert!(p[0].what.en.contains("\"0.2s\""), "{p:?}");
        assert!(p[0].what.pt_br.contains("0,2 ms"), "{p:?}");
        assert!(
            Scenario::parse(
                &GOOD.replace("interval_ms = 200", "interval_ms = 1"),
                "x.toml"
            )
            .is_ok()
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

    fn rendered(text: &str, lang: Lang) -> String {
        Scenario::parse(text, "x.toml").unwrap_err().render(lang)
    }

    const HEADER: &str =
        "# A comment first, as every committed scenario has.\nname = \"checkout\"\n";

    /// A tester's finding: `[strategy.retry]` with `max_attempts = 0` under
    /// it was "unknown value `max_attempts`": a field called a value.
    #[test]
    fn a_name_written_as_a_table_says_how_to_write_the_name() {
        let text = format!("{GOOD}[strategy.retry]\nmax_attempts = 0\n");
        let p = problems(&text);
        assert_eq!(p[0].field.as_deref(), Some("strategy[1].retry"), "{p:?}");
        assert_eq!(p[0].line, 16, "{p:?}");
        let en = rendered(&text, Lang::En);
        assert!(
            en.contains("`retry` is a text, one name, not a table: write `retry = \"svix\"`"),
            "{en}"
        );
        assert!(en.starts_with("x.toml:16:"), "{en}");
        assert!(!en.contains("unknown value"), "{en}");
        let pt = rendered(&text, Lang::PtBr);
        assert!(
            pt.contains("`retry` é um texto, um nome, não uma tabela: escreva `retry = \"svix\"`"),
            "{pt}"
        );
        assert!(!pt.contains("valor desconhecido"), "{pt}");
        // A name that is not one still says "unknown value".
        let wrong = GOOD.replace("kind = \"webhook\"", "kind = \"webhook\"\nretry = \"svx\"");
        assert!(rendered(&wrong, Lang::En).contains("unknown value `svx`"));
    }

    #[test]
    fn a_decimal_comma_gets_a_hint_with_the_number_rewritten() {
        for (from, to) in [
            ("approved = 0.9", "approved = 0,9"),
            ("interval_ms = 200", "interval_ms = \"0,2s\""),
        ] {
            let p = problems(&GOOD.replace(from, to));
            let hint = p[0].hint.as_ref().expect("a hint");
            assert!(
                hint.en.contains("write 0.") && hint.en.contains(", not 0,"),
                "{p:?}"
            );
            assert!(hint.pt_br.contains("decimais levam ponto"), "{p:?}");
        }
        // A comma between values is no decimal.
        assert!(decimal_comma_hint("at_ms = [1,2]").is_none());
        assert!(decimal_comma_hint("x = 1 # 1,5 in a comment").is_none());
    }

    #[test]
    fn a_missing_seed_or_workload_points_at_the_top_level_table() {
        let text = format!(
            "{HEADER}{}",
            GOOD.replace("name = \"checkout\"\nseed = 42\n", "")
        );
        let p = problems(&text);
        assert_eq!(
            (p[0].line, p[0].field.as_deref()),
            (2, Some("seed")),
            "{p:?}"
        );
        assert!(p[0].what.en.contains("`seed` is missing"), "{p:?}");
        assert!(
            p[0].hint
                .as_ref()
                .is_some_and(|h| h.en.contains("seed = 42")),
            "{p:?}"
        );
        let start = GOOD.find("[workload]").unwrap();
        let end = GOOD.find("[[strategy]]").unwrap();
        let text = format!("{HEADER}seed = 1\n{}", &GOOD[end..]);
        let p = problems(&text);
        assert_eq!(
            (p[0].line, p[0].field.as_deref()),
            (2, Some("workload")),
            "{p:?}"
        );
        assert!(start < end);
        // With `name` first, the missing `seed` is still the top level's,
        // not a field of `name`.
        let p = problems(&GOOD.replace("seed = 42\n", ""));
        assert_eq!(p[0].field.as_deref(), Some("seed"), "{p:?}");
        // `[[strategies]]` for `[[strategy]]` is the unknown top-level key
        // itself, not a field inside it.
        let p = problems(&GOOD.replace("[[strategy]]", "[[strategies]]"));
        assert_eq!(p[0].field.as_deref(), Some("strategies"), "{p:?}");
        assert!(p[0].what.en.contains("unknown field `strategies`"), "{p:?}");
    }

    /// `clock = "virtaul"` appended at the end of the file lands in the last
    /// `[[strategy]]`: said as a top-level key out of place, not a typo.
    #[test]
    fn a_top_level_key_after_a_table_says_where_it_goes() {
        let p = problems(&format!("{GOOD}clock = \"virtual\"\n"));
        assert_eq!(p[0].field.as_deref(), Some("strategy[1].clock"), "{p:?}");
        let hint = p[0].hint.as_ref().expect("a hint");
        assert!(hint.en.contains("`clock` is a top-level key"), "{p:?}");
        assert!(hint.pt_br.contains("antes da primeira `[tabela]`"), "{p:?}");
        // A real typo inside a table gets no such hint.
        let p = problems(&GOOD.replace("interval_ms = 200", "intervl_ms = 200"));
        assert!(p[0].hint.is_none(), "{p:?}");
        // Every key listed is one the top level takes.
        for key in TOP_LEVEL_KEYS {
            let text = format!("{key} = 0\n");
            let message = match toml::from_str::<file::ScenarioFile>(&text) {
                Err(e) => e.message().to_owned(),
                Ok(_) => String::new(),
            };
            assert!(!message.contains("unknown field"), "{key}: {message}");
        }
    }

    #[test]
    fn a_missing_strategy_name_or_kind_gets_a_strategy_example() {
        let p = problems(&GOOD.replace("name = \"webhook\"\n", ""));
        let hint = p[0].hint.as_ref().expect("a hint");
        assert!(hint.en.contains("name = \"poll-2s\""), "{p:?}");
        let p = problems(&GOOD.replace("kind = \"webhook\"\n", ""));
        let hint = p[0].hint.as_ref().expect("a hint");
        assert!(hint.en.contains("one of: poll, webhook, hybrid"), "{p:?}");
        assert!(hint.pt_br.contains("um de: poll, webhook"), "{p:?}");
        for kind in STRATEGY_KINDS {
            let parsed = serde_json::from_str::<StrategyKind>(&format!("\"{kind}\""));
            assert!(parsed.is_ok(), "{kind}");
        }
    }

    #[test]
    fn a_poll_strategy_without_interval_points_at_its_table() {
        let p = problems(&GOOD.replace("interval_ms = 200\n", ""));
        assert_eq!(
            p[0].field.as_deref(),
            Some("strategy[0].interval_ms"),
            "{p:?}"
        );
        assert_eq!(p[0].line, 9, "{p:?}");
        assert!(p[0].what.en.contains("needs `interval_ms`"), "{p:?}");
    }

    #[test]
    fn negative_orders_are_explained_in_words() {
        let p = problems(&GOOD.replace("orders = 300", "orders = -5"));
        assert_eq!(p[0].line, 5, "{p:?}");
        assert_eq!(
            p[0].what.en,
            "`orders` must be a whole number of at least 1, got -5"
        );
        assert!(!p[0].what.en.contains("u32"), "{p:?}");
    }

    #[test]
    fn bounds_match_the_platform() {
        let p =
            problems(&GOOD.replace("orders = 300", "orders = 300\namount_cents = 1000000000001"));
        assert_eq!(
            p[0].field.as_deref(),
            Some("workload.amount_cents"),
            "{p:?}"
        );
        assert!(p[0].what.en.contains("1000000000000"), "{p:?}");
        Scenario::parse(
            &GOOD.replace("orders = 300", "orders = 300\namount_cents = 1000000000000"),
            "x",
        )
        .unwrap();
        let rated = |rate: &str| format!("{GOOD}\n[platform]\nrate_limit_per_s = {rate}\n");
        let p = problems(&rated("0.5"));
        assert_eq!(
            p[0].field.as_deref(),
            Some("platform.rate_limit_per_s"),
            "{p:?}"
        );
        assert_eq!(p[0].line, 18, "{p:?}");
        assert!(p[0].what.pt_br.contains("recebido 0.5"), "{p:?}");
        Scenario::parse(&rated("1"), "x").unwrap();
    }

    const SWEEP: &str = "\n[sweep]\n\"poll-200ms.interval_ms\" = ";

    #[test]
    fn swept_values_are_validated_at_the_sweep_line() {
        let p = problems(&format!("{GOOD}{SWEEP}[100, 0]\n"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].line, 18, "{p:?}");
        assert_eq!(
            p[0].field.as_deref(),
            Some("sweep.\"poll-200ms.interval_ms\"[1]"),
            "{p:?}"
        );
        assert!(p[0].what.en.contains("must be greater than 0"), "{p:?}");
        let p = problems(&format!("{GOOD}{SWEEP}[100, \"soon\"]\n"));
        assert!(p[0].what.en.contains("not a duration"), "{p:?}");
        // Two spellings of one duration would name two strategies alike.
        let p = problems(&format!("{GOOD}{SWEEP}[100, \"100ms\"]\n"));
        assert!(
            p[0].what.en.contains("poll-200ms@interval_ms=100ms"),
            "{p:?}"
        );
        let p = problems(&format!("{GOOD}{SWEEP}[]\n"));
        assert!(p[0].what.en.contains("at least one value"), "{p:?}");
        let p = problems(&format!("{GOOD}\n[sweep]\n\"nope.interval_ms\" = [1]\n"));
        assert!(p[0].what.en.contains("no strategy named `nope`"), "{p:?}");
        assert_eq!(p[0].line, 18, "{p:?}");
        let events = GOOD.replace("kind = \"poll\"", "kind = \"poll_events\"");
        let p = problems(&format!(
            "{events}\n[sweep]\n\"poll-200ms.page_size\" = [10, 0]\n"
        ));
        assert!(p[0].what.en.contains("between 1 and 1,000, got 0"), "{p:?}");
        Scenario::parse(
            &format!("{events}\n[sweep]\n\"poll-200ms.page_size\" = [10, 20]\n"),
            "x",
        )
        .unwrap();
    }

    #[test]
    fn bad_values_are_quoted_short_and_escaped() {
        let huge = "n".repeat(10_000_000);
        let text = GOOD
            .replace(
                "name = \"webhook\"",
                &format!("name = \"poll-200ms\"\n# {huge}"),
            )
            .replace(
                "name = \"poll-200ms\"\nkind = \"poll\"",
                &format!("name = \"{huge}\"\nkind = \"poll\""),
            );
        let text = text.replacen(
            &format!("name = \"poll-200ms\"\n# {huge}"),
            &format!("name = \"{huge}\""),
            1,
        );
        let message = rendered(&text, Lang::En);
        // Three short problems: each name is too long, and the second repeats the first.
        assert!(message.len() < 2_000, "{} bytes", message.len());
        assert!(
            message.contains("already the name"),
            "{}",
            &message[..200.min(message.len())]
        );
        let message = rendered(
            &GOOD.replace("name = \"checkout\"", "name = \"a\\u001b[2Jb\""),
            Lang::En,
        );
        assert!(!message.contains('\u{1b}'), "{message}");
        assert!(message.contains("a\\u{1b}[2Jb"), "{message}");
    }

    #[test]
    fn every_message_renders_in_portuguese() {
        let message = rendered(
            &GOOD.replace("declined = 0.1", "declined = 0.2"),
            Lang::PtBr,
        );
        assert!(
            message.starts_with("x.toml:8:1: campo `workload.outcomes`: as frações devem somar 1, mas approved 0.9 + declined 0.2 = 1.1"),
            "{message}"
        );
        assert!(message.ends_with("Todos os campos estão descritos em scenarios/LEIAME.md."));
        let message = rendered(&GOOD.replace("orders = 300", "orders = -5"), Lang::PtBr);
        assert!(
            message.contains("deve ser um número inteiro de pelo menos 1; recebido -5"),
            "{message}"
        );
        // Too large for the field's type, or only for its bound: the same
        // "at most" either way, not "at least 1".
        for (orders, got) in [
            ("99999999999999999999", "99.999.999.999.999.999.999"),
            ("6000000000", "6.000.000.000"),
            ("6000000", "6.000.000"),
        ] {
            let message = rendered(
                &GOOD.replace("orders = 300", &format!("orders = {orders}")),
                Lang::PtBr,
            );
            assert!(
                message.contains(&format!(
                    "cabem no máximo 5.000.000 pedidos numa execução; recebido {got}"
                )),
                "{message}"
            );
        }
        let message = rendered(
            &GOOD.replace(
                "orders = 300",
                "orders = 300\nmerchants = 99999999999999999999",
            ),
            Lang::En,
        );
        assert!(
            message.contains("between 1 and 100,000, got 99,999"),
            "{message}"
        );
        let message = rendered(
            &GOOD.replace("orders = 300", "orders = 300\nmerchants = 0"),
            Lang::PtBr,
        );
        assert!(
            message.contains("entre 1 e 100.000; recebido 0"),
            "{message}"
        );
        // The example name of a missing `name` is in the reader's language.
        let message = rendered("seed = 1\n", Lang::PtBr);
        assert!(message.contains("name = \"meu-cenario\""), "{message}");
        assert!(rendered("seed = 1\n", Lang::En).contains("name = \"my-scenario\""));
        let long = format!("/nonexistent/{}/x.toml", "d".repeat(60));
        let err = Scenario::load(Path::new(&long)).unwrap_err();
        assert!(err.render(Lang::En).starts_with(&long), "{err}");
        let err = Scenario::load(Path::new("/nonexistent/x.toml")).unwrap_err();
        assert!(
            err.render(Lang::PtBr).contains("o arquivo não existe"),
            "{}",
            err.render(Lang::PtBr)
        );
    }

    /// A tester's finding: an empty file said "`name` is missing", and
    /// `name = ""` said "`` cannot name a results folder".
    #[test]
    fn an_empty_file_and_an_empty_name_are_said_as_such() {
        for empty in ["", "\n\n", "# only a comment\n  \n"] {
            let p = problems(empty);
            assert_eq!(p.len(), 1, "{p:?}");
            assert!(p[0].what.en.starts_with("the file is empty"), "{p:?}");
            assert!(p[0].what.pt_br.starts_with("o arquivo está vazio"), "{p:?}");
            assert!(!p[0].what.en.contains("is missing"), "{p:?}");
        }
        let p = problems(&GOOD.replace("name = \"checkout\"", "name = \"\""));
        let name: Vec<&Problem> = p
            .iter()
            .filter(|p| p.field.as_deref() == Some("name"))
            .collect();
        assert_eq!(name.len(), 1, "{p:?}");
        assert!(name[0].what.en.starts_with("the name is empty"), "{p:?}");
        assert!(name[0].what.pt_br.starts_with("o nome está vazio"), "{p:?}");
        assert!(!name[0].what.pt_br.contains("``"), "{p:?}");
    }
}
