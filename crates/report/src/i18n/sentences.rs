//! The sentences of a report: the headline above the table, the footnote
//! under it, and one reading per strategy, in each language.
//!
//! Sentences are functions rather than labels because their numbers sit in a
//! different place in each language, and Portuguese writes its decimals with
//! a comma ([`crate::units::decimal`]).

use crate::units::decimal;
use hooklab_core::lang::Lang;
use hooklab_core::report::{MissedOrder, MissedWhy};

/// The headline above a table: scenario, seed, size, clock and workload.
pub fn headline(
    lang: Lang,
    name: &str,
    seed: u64,
    orders: u64,
    real_clock: bool,
    arrival: &str,
    settle: &str,
) -> String {
    let (arrival, settle) = (workload_words(lang, arrival), workload_words(lang, settle));
    match lang {
        Lang::En => {
            let clock = if real_clock { "real" } else { "virtual" };
            format!(
                "{name} · seed {seed} · {orders} orders · {clock} clock\narrivals: {arrival} · settlement: {settle}"
            )
        }
        Lang::PtBr => {
            let clock = if real_clock { "real" } else { "virtual" };
            format!(
                "{name} · semente {seed} · {orders} pedidos · relógio {clock}\nchegadas: {arrival} · liquidação: {settle}"
            )
        }
    }
}

/// Translates the few words the core uses to describe distributions
/// (`one every 5ms`, `uniform 200ms..2s`, `exponential, mean 1s`). Those
/// descriptions are saved in `summary.json` in English, so a report re-rendered
/// in Portuguese translates them here.
fn workload_words(lang: Lang, text: &str) -> String {
    match lang {
        Lang::En => text.to_owned(),
        Lang::PtBr => [
            ("one every", "um a cada"),
            ("uniform", "uniforme"),
            ("exponential", "exponencial"),
            ("lognormal", "log-normal"),
            ("fixed", "fixo"),
            ("median", "mediana"),
            ("mean", "média"),
        ]
        .iter()
        .fold(text.to_owned(), |t, (en, pt)| t.replace(en, pt)),
    }
}

/// The footnote under a table: where the predictions come from.
///
/// `late`: for runs with webhooks, the first such strategy's name and its
/// settlement worker's measured lateness, already formatted.
pub fn footnote(lang: Lang, rtt: &str, slack_ms: f64, late: Option<(&str, &str)>) -> String {
    match lang {
        Lang::En => {
            let late = late.map_or(String::new(), |(name, ms)| {
                format!(", the settlement worker's measured lateness ({ms} ms in {name}'s run)")
            });
            format!(
                "Measured in this run; (model) is the prediction of crates/core/src/model.rs, fed the measured round trip ({rtt} ms){late} and a poll timer slack of {slack_ms} ms. Each strategy's inputs are in summary.json."
            )
        }
        Lang::PtBr => {
            let late = late.map_or(String::new(), |(name, ms)| {
                format!(", o atraso medido do liquidador ({ms} ms na execução de {name})")
            });
            format!(
                "Medido nesta execução; (modelo) é a previsão de crates/core/src/model.rs, alimentada com o tempo de ida e volta medido ({rtt} ms){late} e uma folga de temporizador de {} ms para consultas. As entradas de cada estratégia estão em summary.json.",
                decimal(lang, slack_ms.to_string())
            )
        }
    }
}

/// One sentence reading a poller's numbers.
pub struct PollReading<'a> {
    /// The strategy's name.
    pub name: &'a str,
    /// The polling interval, formatted.
    pub interval: &'a str,
    /// Requests per order.
    pub requests_per_order: f64,
    /// Wasted share, in percent.
    pub wasted_pct: f64,
    /// Mean delay, formatted ms.
    pub mean: &'a str,
    /// The model's mean delay, formatted ms.
    pub model: &'a str,
}

impl PollReading<'_> {
    /// The sentence in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let PollReading {
            name,
            interval,
            requests_per_order: rpo,
            wasted_pct,
            mean,
            model,
        } = self;
        match lang {
            Lang::En => format!(
                "{name}: polling every {interval} cost {rpo:.2} requests per order, {wasted_pct:.1}% of them wasted, for a mean delay of {mean} (model: {model})."
            ),
            Lang::PtBr => format!(
                "{name}: consultar a cada {interval} custou {} requisições por pedido, {wasted_pct:.1}% delas desperdiçadas, para um atraso médio de {mean} (modelo: {model}).",
                decimal(lang, format!("{rpo:.2}"))
            ),
        }
    }
}

/// One sentence reading a webhook strategy's numbers.
pub fn webhook_reading(lang: Lang, name: &str, rpo: f64, mean: &str, p99: &str) -> String {
    match lang {
        Lang::En => {
            format!("{name}: {rpo:.2} webhook request(s) per order, mean delay {mean}, p99 {p99}.")
        }
        Lang::PtBr => format!(
            "{name}: {} requisição(ões) de webhook por pedido, atraso médio de {mean}, p99 de {p99}.",
            decimal(lang, format!("{rpo:.2}"))
        ),
    }
}

/// The clause a hybrid adds to its webhook reading: its reconciliation polls
/// per order, the price of its safety net.
pub fn reconcile_clause(lang: Lang, per_order: f64) -> String {
    match lang {
        Lang::En => format!(" Of those, {per_order:.2} per order were reconciliation polls."),
        Lang::PtBr => {
            format!(
                " Dessas, {} por pedido foram consultas de reconciliação.",
                decimal(lang, format!("{per_order:.2}"))
            )
        }
    }
}

/// The clause about missed orders, appended to a reading.
pub fn missed_clause(lang: Lang, missed: u64, first: Option<&MissedOrder>) -> String {
    let mut text = match lang {
        Lang::En => format!(" {missed} order(s) missed"),
        Lang::PtBr => format!(" {missed} pedido(s) perdido(s)"),
    };
    if let Some(first) = first {
        let order = &first.order_id;
        match (lang, &first.why) {
            (Lang::En, _) => text.push_str(&format!(" (first: {order}: {})", first.reason)),
            (Lang::PtBr, Some(why)) => {
                text.push_str(&format!(" (primeiro: {order}: {})", missed_reason_pt(why)));
            }
            // A file written before reasons were recorded as data has only
            // the English sentence: name the order, leave the English out.
            (Lang::PtBr, None) => text.push_str(&format!(" (primeiro: {order})")),
        }
    }
    text.push('.');
    text
}

/// Why an order was missed, in Portuguese.
fn missed_reason_pt(why: &MissedWhy) -> String {
    match why {
        // The error comes from the HTTP client or the platform's answer, as
        // recorded; only the frame is translated.
        MissedWhy::CreationFailed { error } => {
            format!("o pagamento não pôde ser criado: {error}")
        }
        MissedWhy::NotSettled => {
            "a plataforma ainda não tinha liquidado o pagamento quando a execução terminou"
                .to_owned()
        }
        MissedWhy::NotPolledYet => {
            "a consulta ainda não tinha visto o status final quando a execução terminou".to_owned()
        }
        MissedWhy::NoDelivery => {
            "nenhuma entrega de webhook foi tentada antes do fim da execução".to_owned()
        }
        MissedWhy::LostAfterAck { attempts, last } => format!(
            "{attempts} tentativa(s) de webhook, a última confirmada ({}), mas o pedido nunca foi atualizado: perdido depois da confirmação",
            attempt_result_pt(last)
        ),
        MissedWhy::AttemptsFailed { attempts, last } => format!(
            "{attempts} tentativa(s) de webhook; a última terminou com {}",
            attempt_result_pt(last)
        ),
    }
}

/// How an attempt ended (`HTTP 503`, `connect`, `broken`, `timeout`,
/// `bad_url`), in Portuguese.
fn attempt_result_pt(result: &str) -> String {
    match result {
        "connect" => "conexão recusada".to_owned(),
        "broken" => "conexão interrompida".to_owned(),
        "timeout" => "tempo esgotado".to_owned(),
        "bad_url" => "URL inválida".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_words_are_translated() {
        assert_eq!(
            workload_words(Lang::PtBr, "uniform 200ms..2s"),
            "uniforme 200ms..2s"
        );
        assert_eq!(workload_words(Lang::PtBr, "one every 5ms"), "um a cada 5ms");
    }
}
