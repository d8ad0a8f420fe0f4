//! The third step of loading a scenario: values that parse but make no sense
//! (zero orders, shares that do not sum to 1, a zero polling interval, an
//! amount the platform would refuse). Each problem is a field path and a
//! message in both languages; [`Scenario::parse`](super::Scenario::parse)
//! turns the path back into a line with [`locate`](super::locate).
//!
//! The bounds are the platform's own where it has one (`amount_cents` at most
//! [`MAX_AMOUNT_CENTS`], as `POST /v1/payments` checks), so a scenario that
//! loads never has every creation refused at run time.

use super::FieldPath;
use super::file::{ScenarioFile, StrategyTable};
use super::tables::StrategySpec;
use super::text::{Said, excerpt, excerpt_pt, num, num_rounded};
use crate::dist::{Arrival, Distribution};
use crate::duration::Dur;
use crate::lang::Lang;

/// The largest amount the platform accepts for one payment, in the smallest
/// currency unit (crates/platform's `POST /v1/payments` refuses more).
pub const MAX_AMOUNT_CENTS: u64 = 1_000_000_000_000;

/// The longest scenario or strategy name, in characters. A name heads a
/// column of the report's tables and names a results folder (most file
/// systems cap a name at 255 bytes); a sweep adds `@field=value` to a
/// strategy's, which still fits under that.
pub const MAX_NAME_CHARS: usize = 100;

/// A name longer than [`MAX_NAME_CHARS`], said in both languages.
fn too_long(name: &str) -> Option<Said> {
    let count = name.chars().count();
    (count > MAX_NAME_CHARS).then(|| {
        Said::new(
            format!(
                "`{}` is too long: a name has at most {MAX_NAME_CHARS} characters (it heads a report column and names a results folder)",
                excerpt(name)
            ),
            format!(
                "`{}` é longo demais: um nome tem no máximo {MAX_NAME_CHARS} caracteres (ele encabeça uma coluna do relatório e dá nome a uma pasta de resultados)",
                excerpt_pt(name)
            ),
        )
    })
}

/// The most orders one run may have.
pub const MAX_ORDERS: u32 = 5_000_000;

/// The most merchants a workload may have.
pub const MAX_MERCHANTS: u32 = 100_000;

/// The largest `page_size` of an event-log poller (the platform's page).
pub const MAX_PAGE_SIZE: usize = 1_000;

/// What a whole-number field with an upper bound says of `got` (the value
/// as each language writes it) when it is past the bound: the same words
/// whether the value fits the field's type (`orders = 6000000`, checked
/// here) or not (`orders = 99999999999999999999`, refused by serde before,
/// see [`super::text::serde_said`]). `None` for a field without a bound.
pub(super) fn too_large(field: &str, got: &Said) -> Option<Said> {
    let (en, pt) = (&got.en, &got.pt_br);
    Some(match field {
        "orders" => Said::new(
            format!(
                "at most {} orders fit in one run, got {en}",
                num_rounded(Lang::En, f64::from(MAX_ORDERS)),
            ),
            format!(
                "cabem no máximo {} pedidos numa execução; recebido {pt}",
                num_rounded(Lang::PtBr, f64::from(MAX_ORDERS)),
            ),
        ),
        "merchants" => Said::new(
            format!(
                "between 1 and {}, got {en}",
                num_rounded(Lang::En, f64::from(MAX_MERCHANTS))
            ),
            format!(
                "entre 1 e {}; recebido {pt}",
                num_rounded(Lang::PtBr, f64::from(MAX_MERCHANTS))
            ),
        ),
        "page_size" => Said::new(
            format!(
                "between 1 and {}, got {en}",
                num_rounded(Lang::En, MAX_PAGE_SIZE as f64)
            ),
            format!(
                "entre 1 e {}; recebido {pt}",
                num_rounded(Lang::PtBr, MAX_PAGE_SIZE as f64)
            ),
        ),
        "amount_cents" => Said::new(
            format!(
                "between 1 and {MAX_AMOUNT_CENTS} (the most the platform accepts for one payment), got {en}"
            ),
            format!(
                "entre 1 e {MAX_AMOUNT_CENTS} (o máximo que a plataforma aceita num pagamento); recebido {pt}"
            ),
        ),
        _ => return None,
    })
}

/// `value` as each language writes a count (`6,000,000`, `6.000.000`).
fn count(value: f64) -> Said {
    Said::new(num_rounded(Lang::En, value), num_rounded(Lang::PtBr, value))
}

/// The slowest rate limit a scenario may set: the platform's token bucket
/// holds one second's worth of requests, and below one a second no request
/// ever finds a whole token at the start, so every creation is refused.
pub const MIN_RATE_LIMIT_PER_S: f64 = 1.0;

/// The longest `wait_ms` of a long poller: the platform's bound on
/// `?wait=` (`PullConfig::max_wait` in crates/platform, 60 s), so a
/// scenario that loads never has its long polls refused.
pub const MAX_WAIT: Dur = Dur::from_secs(60);

/// A problem: the field path and what is wrong with it.
pub(super) type Found = (FieldPath, Said);

/// `x` for the English and the Portuguese message quoting a number of
/// the file: both as the file must write it, with a decimal point. A
/// Portuguese "approved 0,9 + declined 0,2" pointed at a file where 0,9
/// is a syntax error (a tester's finding).
fn n(x: f64) -> (String, String) {
    let written = num(Lang::En, x);
    (written.clone(), written)
}

fn share_problem(share: f64) -> Option<Said> {
    if (0.0..=1.0).contains(&share) {
        return None;
    }
    let (en, pt) = n(share);
    Some(Said::new(
        format!("a share is between 0 and 1, got {en}"),
        format!("uma fração fica entre 0 e 1; recebido {pt}"),
    ))
}

fn must_be_positive() -> Said {
    Said::new("must be greater than 0", "deve ser maior que 0")
}

/// What is wrong with a distribution's parameters, with the field to blame.
pub(super) fn distribution_problem(d: &Distribution) -> Option<(&'static str, Said)> {
    let (field, en) = d.validate().err()?;
    let pt = match *d {
        Distribution::Uniform { min_ms, max_ms } => {
            format!("deve ser pelo menos min_ms ({min_ms}); recebido {max_ms}")
        }
        Distribution::Lognormal { sigma, .. } if field == "sigma" => {
            format!("deve ficar entre 0 (excluído) e 5; recebido {}", n(sigma).1)
        }
        _ => "deve ser maior que 0".to_owned(),
    };
    Some((field, Said::new(en, pt)))
}

fn arrival_problem(a: &Arrival) -> Option<(&'static str, Said)> {
    let (field, en) = a.validate().err()?;
    let pt = match *a {
        Arrival::Poisson { per_s } => format!(
            "deve ser maior que 0 e no máximo 1000000; recebido {}",
            num(Lang::PtBr, per_s)
        ),
        Arrival::Fixed { .. } => "valor inválido".to_owned(),
    };
    Some((field, Said::new(en, pt)))
}

/// What is wrong with one strategy table's own values (its name aside), as
/// (field, message): the checks a `[[strategy]]` table and every `[sweep]`
/// value go through alike.
pub(super) fn strategy_problems(table: &StrategyTable) -> Vec<(&'static str, Said)> {
    let spec = match table.to_spec() {
        Ok(spec) => spec,
        Err(problem) => return vec![problem],
    };
    let mut out = Vec::new();
    match spec {
        StrategySpec::Hybrid {
            reconcile_every_ms, ..
        } if reconcile_every_ms == Dur::ZERO => {
            out.push(("reconcile_every_ms", must_be_positive()));
        }
        StrategySpec::PollEvents { page_size, .. }
        | StrategySpec::LongPollEvents { page_size, .. }
            if !(1..=MAX_PAGE_SIZE).contains(&page_size) =>
        {
            let got = count(page_size as f64);
            if let Some(said) = too_large("page_size", &got) {
                out.push(("page_size", said));
            }
        }
        _ => {}
    }
    if let StrategySpec::LongPoll { wait_ms, .. } | StrategySpec::LongPollEvents { wait_ms, .. } =
        &spec
        && !(Dur::from_ms(1)..=MAX_WAIT).contains(wait_ms)
    {
        out.push((
            "wait_ms",
            Said::new(
                format!(
                    "between 1 ms and {MAX_WAIT} (the longest wait the platform holds a request), got {wait_ms}"
                ),
                format!(
                    "entre 1 ms e {MAX_WAIT} (a espera mais longa em que a plataforma segura uma requisição); recebido {wait_ms}"
                ),
            ),
        ));
    }
    if let StrategySpec::BackoffPoll { schedule, .. } = &spec {
        out.extend(backoff_problems(table, schedule));
    }
    if let StrategySpec::Poll { interval_ms, .. }
    | StrategySpec::PollEvents { interval_ms, .. }
    | StrategySpec::ConditionalPoll { interval_ms, .. } = spec
        && interval_ms < Dur::from_ms(1)
    {
        out.push((
            "interval_ms",
            if interval_ms == Dur::ZERO {
                Said::new(
                    "must be greater than 0 (polling with no pause would flood the platform)",
                    "deve ser maior que 0 (consultar sem pausa inundaria a plataforma)",
                )
            } else {
                // `interval_ms = 0.2` is almost always 0.2 s written without
                // its unit: a bare number is milliseconds.
                let ms = interval_ms.as_us() as f64 / 1000.0;
                Said::new(
                    format!(
                        "must be at least 1 ms, got {ms} ms (a bare number is milliseconds: for {ms} seconds write \"{ms}s\")"
                    ),
                    format!(
                        "deve ser de pelo menos 1 ms; recebido {} ms (um número sozinho é em milissegundos: para {} segundos escreva \"{ms}s\")",
                        super::text::num(Lang::PtBr, ms),
                        super::text::num(Lang::PtBr, ms)
                    ),
                )
            },
        ));
    }
    out
}

/// `said` about `field`, unless it is the hint for a bare number of
/// milliseconds under 1 ms ("for 0.01 seconds write 0.01s") and the line
/// `written` gives the value as text with a unit (`"10us"`): then what is
/// wrong is the unit's size, not a missing unit.
pub(super) fn with_its_unit(field: &str, said: Said, written: &str) -> Said {
    let quoted = written
        .split_once('=')
        .is_some_and(|(_, value)| value.trim_start().starts_with(['"', '\'']));
    if field.ends_with(".interval_ms")
        && quoted
        && said.en.contains("a bare number is milliseconds")
    {
        return Said::new(
            "must be at least 1 ms, the shortest interval a poller takes: microseconds are too fine (write it in ms or s, as in \"200ms\")",
            "deve ser de pelo menos 1 ms, o menor intervalo de uma consulta: microssegundos são finos demais (escreva em ms ou s, como \"200ms\")",
        );
    }
    said
}

/// What is wrong with a backoff schedule: an explicit list mixed with the
/// geometric fields, a list that does not ascend, a factor below 1, a cap
/// below the first gap, a jitter outside [0, 1).
fn backoff_problems(
    table: &StrategyTable,
    s: &super::backoff::BackoffSchedule,
) -> Vec<(&'static str, Said)> {
    let mut out = Vec::new();
    if !s.at_ms.is_empty() {
        let mixed = [
            ("first_ms", table.first_ms.is_some()),
            ("factor", table.factor.is_some()),
            ("max_ms", table.max_ms.is_some()),
            ("jitter", table.jitter.is_some()),
        ];
        for (field, set) in mixed {
            if set {
                out.push((
                    field,
                    Said::new(
                        format!("`{field}` shapes a geometric schedule, but `at_ms` already lists the instants: keep one of the two"),
                        format!("`{field}` molda um calendário geométrico, mas `at_ms` já lista os instantes: fique com um dos dois"),
                    ),
                ));
            }
        }
        let ascending = s.at_ms[0] > Dur::ZERO && s.at_ms.windows(2).all(|w| w[0] < w[1]);
        if !ascending || s.at_ms.len() > 1_000 {
            out.push((
                "at_ms",
                Said::new(
                    "1 to 1000 instants after the creation, each later than the one before, such as [100, 300, 1000]",
                    "de 1 a 1000 instantes depois da criação, cada um depois do anterior, como [100, 300, 1000]",
                ),
            ));
        }
        return out;
    }
    if s.first_ms == Dur::ZERO {
        out.push(("first_ms", must_be_positive()));
    }
    if !(s.factor.is_finite() && (1.0..=100.0).contains(&s.factor)) {
        let (en, pt) = n(s.factor);
        out.push((
            "factor",
            Said::new(
                format!("between 1 (no backoff) and 100, got {en}"),
                format!("entre 1 (sem recuo) e 100; recebido {pt}"),
            ),
        ));
    }
    if s.max_ms < s.first_ms {
        out.push((
            "max_ms",
            Said::new(
                format!("must be at least first_ms ({})", s.first_ms),
                format!("deve ser pelo menos first_ms ({})", s.first_ms),
            ),
        ));
    }
    if !(0.0..1.0).contains(&s.jitter) {
        let (en, pt) = n(s.jitter);
        out.push((
            "jitter",
            Said::new(
                format!("a share from 0 up to (not including) 1, got {en}"),
                format!("uma fração de 0 até 1 (sem incluir o 1); recebido {pt}"),
            ),
        ));
    }
    out
}

impl ScenarioFile {
    /// Everything wrong with the values, as (field path, message) pairs.
    pub(super) fn validate(&self) -> Vec<Found> {
        let mut out: Vec<Found> = Vec::new();
        let mut bad = |path: &str, said: Said| out.push((FieldPath::parse(path), said));
        if self.name.is_empty() {
            bad(
                "name",
                Said::new(
                    "the name is empty: give the scenario one, as in name = \"my-scenario\" (ASCII letters, digits, `-`, `_` and `.`; it names the results folder)",
                    "o nome está vazio: dê um nome ao cenário, como name = \"meu-cenario\" (letras sem acento nem cedilha, dígitos, `-`, `_` e `.`; ele dá nome à pasta de resultados)",
                ),
            );
        } else if !self
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
            || self.name.starts_with('.')
        {
            bad(
                "name",
                Said::new(
                    format!(
                        "`{}` cannot name a results folder: use ASCII letters (a-z, A-Z), digits, `-`, `_` and `.` (not first)",
                        excerpt(&self.name)
                    ),
                    format!(
                        "`{}` não serve de nome de pasta de resultados: use letras sem acento nem cedilha (a-z, A-Z), dígitos, `-`, `_` e `.` (não no início)",
                        excerpt_pt(&self.name)
                    ),
                ),
            );
        }
        if let Some(said) = too_long(&self.name) {
            bad("name", said);
        }
        let w = &self.workload;
        if w.orders == 0 {
            bad(
                "workload.orders",
                Said::new(
                    "must be at least 1 (a run needs orders to measure)",
                    "deve ser pelo menos 1 (uma execução precisa de pedidos para medir)",
                ),
            );
        } else if w.orders > MAX_ORDERS
            && let Some(said) = too_large("orders", &count(f64::from(w.orders)))
        {
            bad("workload.orders", said);
        }
        if let Some((field, said)) = arrival_problem(&w.arrival) {
            bad(&format!("workload.arrival.{field}"), said);
        } else if let Some((field, en, pt)) = w.arrival.span_problem(w.orders) {
            bad(&format!("workload.arrival.{field}"), Said::new(en, pt));
        }
        if let Some((field, said)) = distribution_problem(&w.settle) {
            bad(&format!("workload.settle.{field}"), said);
        }
        let o = w.outcomes;
        for (field, share) in [("approved", o.approved), ("declined", o.declined)] {
            if let Some(said) = share_problem(share) {
                bad(&format!("workload.outcomes.{field}"), said);
            }
        }
        let sum = o.approved + o.declined;
        if (sum - 1.0).abs() > 1e-9 {
            let ((a, ap), (d, dp), (s, sp)) = (n(o.approved), n(o.declined), n(sum));
            bad(
                "workload.outcomes",
                Said::new(
                    format!("the shares must sum to 1, but approved {a} + declined {d} = {s}"),
                    format!("as frações devem somar 1, mas approved {ap} + declined {dp} = {sp}"),
                ),
            );
        }
        if (w.merchants == 0 || w.merchants > MAX_MERCHANTS)
            && let Some(said) = too_large("merchants", &count(f64::from(w.merchants)))
        {
            bad("workload.merchants", said);
        }
        if w.amount_cents == 0 || w.amount_cents > MAX_AMOUNT_CENTS {
            let got = w.amount_cents.to_string();
            if let Some(said) = too_large("amount_cents", &Said::new(got.clone(), got)) {
                bad("workload.amount_cents", said);
            }
        }
        if !(w.currency.len() == 3 && w.currency.chars().all(|c| c.is_ascii_uppercase())) {
            bad(
                "workload.currency",
                Said::new(
                    format!(
                        "must be three capital letters (ISO 4217), such as \"BRL\"; got \"{}\"",
                        excerpt(&w.currency)
                    ),
                    format!(
                        "deve ter três letras maiúsculas (ISO 4217), como \"BRL\"; recebido \"{}\"",
                        excerpt_pt(&w.currency)
                    ),
                ),
            );
        }
        if let Some((field, said)) = self.delivery.problem() {
            bad(field, said);
        }
        let delivery = self.delivery.settings();
        if delivery.retry_schedule.is_empty() || delivery.retry_schedule.len() > 50 {
            bad(
                "delivery.retry_schedule",
                Said::new(
                    "needs 1 to 50 delays (one per attempt; the first is usually \"0s\")",
                    "precisa de 1 a 50 esperas (uma por tentativa; a primeira costuma ser \"0s\")",
                ),
            );
        }
        if delivery.timeout_ms == Dur::ZERO {
            bad("delivery.timeout_ms", must_be_positive());
        }
        if let Some(said) = share_problem(delivery.jitter) {
            bad("delivery.jitter", said);
        }
        let f = &self.faults;
        for (field, share) in [
            ("receiver_error_rate", f.receiver_error_rate),
            ("silent_loss", f.silent_loss),
            ("duplicate_rate", f.duplicate_rate),
        ] {
            if let Some(said) = share_problem(share) {
                bad(&format!("faults.{field}"), said);
            }
        }
        let windows = [
            (
                "faults.receiver_down",
                f.receiver_down
                    .iter()
                    .map(|w| (w.from_ms, w.until_ms))
                    .collect::<Vec<_>>(),
            ),
            (
                "network.partitions",
                self.network
                    .partitions
                    .iter()
                    .map(|w| (w.from_ms, w.until_ms))
                    .collect(),
            ),
        ];
        for (table, list) in windows {
            for (i, (from, until)) in list.into_iter().enumerate() {
                if until <= from {
                    bad(
                        &format!("{table}[{i}].until_ms"),
                        Said::new(
                            format!("must be after from_ms ({from})"),
                            format!("deve vir depois de from_ms ({from})"),
                        ),
                    );
                }
            }
        }
        if let Some(rate) = self.platform.rate_limit_per_s
            && !(rate.is_finite() && rate >= MIN_RATE_LIMIT_PER_S)
        {
            let (en, pt) = n(rate);
            bad(
                "platform.rate_limit_per_s",
                Said::new(
                    format!(
                        "must be at least 1 request a second (the platform's bucket holds one second's worth, so less never lets a request in), got {en}"
                    ),
                    format!(
                        "deve ser pelo menos 1 requisição por segundo (o balde da plataforma guarda um segundo de requisições; menos que isso não deixa passar nenhuma); recebido {pt}"
                    ),
                ),
            );
        }
        for (field, secs) in [
            ("poll_interval_s", self.platform.poll_interval_s),
            (
                "poll_interval_loaded_s",
                self.platform.poll_interval_loaded_s,
            ),
        ] {
            if let Some(secs) = secs
                && !(1..=3_600).contains(&secs)
            {
                bad(
                    &format!("platform.{field}"),
                    Said::new(
                        format!("between 1 and 3600 seconds (what a client honours), got {secs}"),
                        format!(
                            "entre 1 e 3600 segundos (o que um cliente respeita); recebido {secs}"
                        ),
                    ),
                );
            }
        }
        if self.platform.loaded_at_requests_per_s == Some(0) {
            bad("platform.loaded_at_requests_per_s", must_be_positive());
        }
        if let Some(latency) = &self.network.latency
            && let Some((field, said)) = distribution_problem(latency)
        {
            bad(&format!("network.latency.{field}"), said);
        }
        if self.strategy.is_empty() {
            bad(
                "strategy",
                Said::new(
                    "add at least one [[strategy]] table (kind = \"poll\" or \"webhook\")",
                    "acrescente pelo menos uma tabela [[strategy]] (kind = \"poll\" ou \"webhook\")",
                ),
            );
        }
        for (i, table) in self.strategy.iter().enumerate() {
            if table.name.is_empty() {
                bad(
                    &format!("strategy[{i}].name"),
                    Said::new("must not be empty", "não pode ficar vazio"),
                );
            }
            if let Some(said) = too_long(&table.name) {
                bad(&format!("strategy[{i}].name"), said);
            }
            if self.strategy[..i].iter().any(|t| t.name == table.name) {
                bad(
                    &format!("strategy[{i}].name"),
                    Said::new(
                        format!(
                            "`{}` is already the name of an earlier strategy; names must be unique",
                            excerpt(&table.name)
                        ),
                        format!(
                            "`{}` já é o nome de uma estratégia anterior; os nomes devem ser únicos",
                            excerpt_pt(&table.name)
                        ),
                    ),
                );
            }
            for (field, said) in strategy_problems(table) {
                bad(&format!("strategy[{i}].{field}"), said);
            }
        }
        out.extend(self.validate_sweep());
        out.extend(super::crash::problems(self));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::MAX_NAME_CHARS;
    use crate::scenario::{Scenario, ScenarioError};

    fn scenario(name: &str, strategy: &str) -> String {
        format!(
            "name = \"{name}\"\nseed = 1\n[workload]\norders = 10\narrival = {{ dist = \"fixed\", every_ms = 5 }}\nsettle = {{ dist = \"fixed\", ms = 100 }}\noutcomes = {{ approved = 1.0 }}\n[[strategy]]\nname = \"{strategy}\"\nkind = \"poll\"\ninterval_ms = 200\n"
        )
    }

    /// Under 1 ms: a bare number is told it lacks its unit, a value with
    /// one that its unit is too fine; past 64 bits, that it is too large.
    #[test]
    fn an_interval_is_refused_for_what_is_wrong_with_it() {
        let said = |interval: &str| match Scenario::parse(
            &scenario("s", "p").replace("interval_ms = 200", &format!("interval_ms = {interval}")),
            "s.toml",
        ) {
            Err(e) => e.render(crate::lang::Lang::En),
            Ok(_) => panic!("{interval}: accepted"),
        };
        let bare = said("0.01");
        assert!(bare.contains("for 0.01 seconds write \"0.01s\""), "{bare}");
        let micro = said("\"10us\"");
        assert!(micro.contains("microseconds are too fine"), "{micro}");
        assert!(!micro.contains("0.01s"), "{micro}");
        let huge = said("99999999999999999999");
        assert!(huge.contains("too large for a duration: at most"), "{huge}");
        // Inside an inline table, the key is the field.
        let settle = match Scenario::parse(
            &scenario("s", "p").replace("ms = 100 }", "ms = 1e300 }"),
            "s.toml",
        ) {
            Err(e) => e.render(crate::lang::Lang::En),
            Ok(_) => panic!("1e300 accepted"),
        };
        assert!(settle.contains("field `workload.settle.ms`"), "{settle}");
    }

    #[test]
    fn names_over_the_cap_are_refused_with_their_line_and_an_excerpt() {
        let long = "p".repeat(65_536);
        for (text, field, line) in [
            (scenario("ok", &long), "strategy[0].name", 9),
            (scenario(&long, "ok"), "name", 1),
        ] {
            let Err(ScenarioError::Invalid { problems, .. }) = Scenario::parse(&text, "x.toml")
            else {
                panic!("a {field} of 65,536 characters loaded");
            };
            let p = problems
                .iter()
                .find(|p| p.field.as_deref() == Some(field))
                .unwrap_or_else(|| panic!("{problems:?}"));
            assert_eq!(p.line, line);
            assert!(
                p.what.en.contains("at most 100 characters"),
                "{}",
                p.what.en
            );
            assert!(p.what.pt_br.contains("no máximo 100 caracteres"));
            assert!(p.what.en.len() < 300, "the whole name was quoted");
        }
    }

    fn first_problem(text: &str) -> String {
        match Scenario::parse(text, "x.toml") {
            Err(ScenarioError::Invalid { problems, .. }) => problems[0].what.en.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn huge_numbers_are_quoted_short_and_without_serde_s_types() {
        let text = scenario("ok", "ok").replace("orders = 10", "orders = 99999999999999999999");
        let said = first_problem(&text);
        // The field's bound, as for a value the type holds; no "as i128".
        assert!(
            said.ends_with("orders fit in one run, got 99,999,999,999,999,999,999"),
            "{said}"
        );
        let text = scenario("ok", "ok").replace(
            "kind = \"poll\"\ninterval_ms = 200\n",
            "kind = \"backoff_poll\"\nfirst_ms = 100\nfactor = 1e308\nmax_ms = 2000\n",
        );
        let said = first_problem(&text);
        assert!(said.ends_with("got 1e308"), "{said}");
    }

    #[test]
    fn a_name_at_the_cap_loads() {
        let name = "p".repeat(MAX_NAME_CHARS);
        Scenario::parse(&scenario(&name, &name), "x.toml").unwrap();
    }
}
