//! Every word the page shows, in each language hooklab speaks.
//!
//! Like [`hooklab_report::i18n`], a label is one row with both languages, so
//! a label without its Portuguese does not compile. The page gets them as one
//! JSON object written into its HTML, and never writes a word of its own.

use hooklab_core::lang::Lang;

/// `(key, English, Brazilian Portuguese)`.
const LABELS: &[(&str, &str, &str)] = &[
    ("title", "hooklab live", "hooklab ao vivo"),
    ("live", "live run", "execução ao vivo"),
    ("replay", "replay", "reprodução"),
    (
        "waiting",
        "waiting for the first viewer",
        "esperando o primeiro espectador",
    ),
    ("running", "running", "em andamento"),
    ("finished", "finished", "terminado"),
    ("paused", "paused", "pausado"),
    ("pause", "Pause", "Pausar"),
    ("resume", "Resume", "Continuar"),
    ("speed", "speed", "velocidade"),
    (
        "seek",
        "move the replay to another moment of the run",
        "levar a reprodução a outro momento da execução",
    ),
    ("download", "Download summary.json", "Baixar summary.json"),
    ("known", "known", "conhecidos"),
    ("polls", "polls", "consultas"),
    ("wasted", "wasted polls", "desperdiçadas"),
    ("deliveries", "webhook deliveries", "entregas de webhook"),
    ("retries", "retries", "novas tentativas"),
    ("rejected", "rejected", "recusas"),
    ("rate_limited", "429s", "429s"),
    ("duplicates", "duplicates", "duplicadas"),
    (
        "conflicts",
        "conflicting outcomes",
        "desfechos conflitantes",
    ),
    ("missed", "missed", "perdidos"),
    (
        "rps",
        "notification requests/s",
        "requisições de notificação/s",
    ),
    ("delays", "delay distribution", "atrasos"),
    ("orders", "orders", "pedidos"),
    (
        "sample",
        "a sample of {n} of {m}, one in every {k}",
        "uma amostra de {n} de {m}, um a cada {k}",
    ),
    ("time", "time", "tempo"),
    ("legend_pending", "payment pending", "pagamento pendente"),
    (
        "legend_waiting",
        "settled, shop does not know yet",
        "liquidado, a loja ainda não sabe",
    ),
    ("legend_poll", "learned by poll", "soube por consulta"),
    ("legend_webhook", "learned by webhook", "soube por webhook"),
    (
        "legend_stream",
        "learned from the event stream",
        "soube pelo fluxo de eventos",
    ),
    ("legend_missed", "missed", "perdido"),
    ("final", "Final comparison", "Comparação final"),
    (
        "no_delays",
        "no order known yet",
        "nenhum pedido conhecido ainda",
    ),
    (
        "disconnected",
        "connection lost, reconnecting…",
        "conexão perdida, reconectando…",
    ),
];

/// The page's labels in `lang`, as a JSON object.
pub fn json(lang: Lang) -> String {
    let map: serde_json::Map<String, serde_json::Value> = LABELS
        .iter()
        .map(|(key, en, pt)| {
            let text = match lang {
                Lang::En => en,
                Lang::PtBr => pt,
            };
            ((*key).to_owned(), serde_json::Value::from(*text))
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// The page's title, in its HTML before the script runs (the tab's name,
/// and what a page whose script did not run shows).
pub fn title(lang: Lang) -> &'static str {
    match lang {
        Lang::En => LABELS[0].1,
        Lang::PtBr => LABELS[0].2,
    }
}

/// The `lang` attribute of the page.
pub fn html_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::PtBr => "pt-BR",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page says what the reports and the CLI say: "recusas",
    /// "entregas de webhook".
    #[test]
    fn portuguese_labels_use_the_reports_words() {
        let pt = json(Lang::PtBr);
        assert!(pt.contains("\"recusas\""), "{pt}");
        assert!(pt.contains("\"entregas de webhook\""), "{pt}");
        assert!(!pt.contains("rejeitadas"), "{pt}");
    }
}
