//! The crash table: for each strategy of a run with crash faults, what its
//! processes kept (store, outbox, acknowledgement), the orders each crash
//! lost and why, what a restarted platform resumed from its store, and the
//! duplicates a restart caused (caught by the shop's dedup). A run without
//! crashes shows none of it.
//!
//! The model (`crates/core/src/model`) predicts delays and requests for a
//! run where nothing dies; it has no term for a crash, and the table says
//! so rather than printing a prediction it does not make.

use hooklab_core::crash::{CrashLoss, CrashReport};
use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use std::fmt::Write as _;

/// Whether any strategy of `summary` ran with crash faults or a store.
pub fn crashed(summary: &Summary) -> bool {
    summary.strategies.iter().any(|s| s.crash.is_some())
}

fn header(lang: Lang) -> [&'static str; 10] {
    match lang {
        Lang::En => [
            "strategy",
            "store / outbox / ack",
            "lost",
            "why",
            "pending at crash",
            "deliveries resumed",
            "settlements resumed",
            "dup after restart",
            "deliveries refused (shop down)",
            "requests refused (platform down)",
        ],
        Lang::PtBr => [
            "estratégia",
            "banco / outbox / ack",
            "perdidos",
            "por quê",
            "pendentes na queda",
            "entregas retomadas",
            "liquidações retomadas",
            "dup após reinício",
            "entregas recusadas (loja fora do ar)",
            "requisições recusadas (plataforma fora do ar)",
        ],
    }
}

fn why(c: &CrashReport, lang: Lang) -> String {
    let parts: Vec<String> = CrashLoss::ALL
        .iter()
        .filter_map(|loss| {
            let n = c.lost.get(loss).copied().unwrap_or(0);
            let text = match lang {
                Lang::En => loss.english(),
                Lang::PtBr => loss.portuguese(),
            };
            (n > 0).then(|| format!("{n}: {text}"))
        })
        .collect();
    if parts.is_empty() {
        "-".to_owned()
    } else {
        parts.join("; ")
    }
}

fn rows(summary: &Summary, lang: Lang) -> Vec<[String; 10]> {
    summary
        .strategies
        .iter()
        .filter_map(|s| {
            let c = s.crash.as_ref()?;
            let d = c.durability;
            Some([
                s.name.clone(),
                format!("{} / {} / {}", d.store, d.outbox, d.ack),
                c.lost_total().to_string(),
                why(c, lang),
                c.pending_at_crash.to_string(),
                c.deliveries_resumed.to_string(),
                c.settlements_resumed.to_string(),
                c.duplicates_after_restart.to_string(),
                // The same count as the summary's `rejected.refused`, its
                // timeline's and the outcomes chart's.
                s.rejected
                    .get(hooklab_core::events::rejection::REFUSED)
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
                c.requests_refused_while_down.to_string(),
            ])
        })
        .collect()
}

/// What the table's columns mean, and what the model says about crashes.
fn note(summary: &Summary, lang: Lang) -> String {
    let (platform, shop) = summary
        .strategies
        .iter()
        .filter_map(|s| s.crash.as_ref())
        .map(|c| (c.platform_crashes, c.shop_crashes))
        .max()
        .unwrap_or_default();
    let plural = |n: u32, one: &'static str, many: &'static str| if n == 1 { one } else { many };
    match lang {
        Lang::En => format!(
            "Up to {platform} platform {} and {shop} shop {} per strategy (a strategy whose run ended first does not see the later ones). lost: orders a crash lost for good (each also counted as missed, with its reason). pending at crash: orders the platform held whose outcome the shop did not know yet when it died (what a memory store loses). resumed: what a restarted platform found open in its SQLite store and carried on. dup after restart: deliveries the shop received again after a restart and recognised. deliveries refused: the platform's webhook attempts refused at connect while the shop was down (the outcomes chart's \"rejected deliveries: refused\"). requests refused: the shop's requests refused at connect while the platform was down; its polls among them count in req./order (a dead shop sends nothing). The model (crates/core/src/model) does not cover crashes: its predictions above assume no process dies, so they are not compared with these rows.",
            plural(platform, "crash", "crashes"),
            plural(shop, "crash", "crashes"),
        ),
        Lang::PtBr => format!(
            "Até {platform} {} da plataforma e {shop} {} da loja por estratégia (uma estratégia cuja execução terminou antes não vê as seguintes). perdidos: pedidos que uma queda perdeu de vez (cada um contado também como perdido na tabela, com o motivo). pendentes na queda: pedidos que a plataforma guardava e cujo resultado a loja ainda não sabia quando ela caiu (o que um banco em memória perde). retomadas: o que a plataforma reiniciada achou em aberto no seu banco SQLite e continuou. dup após reinício: entregas que a loja recebeu de novo depois de um reinício e reconheceu. entregas recusadas: tentativas de webhook da plataforma recusadas na conexão enquanto a loja estava fora do ar (o \"entregas recusadas: conexão recusada\" do gráfico de resultados). requisições recusadas: requisições da loja recusadas na conexão enquanto a plataforma estava fora do ar; as consultas entre elas contam em req./pedido (uma loja morta não envia nada). O modelo (crates/core/src/model) não cobre quedas: as previsões acima supõem que nenhum processo cai, e não são comparadas com estas linhas.",
            plural(platform, "queda", "quedas"),
            plural(shop, "queda", "quedas"),
        ),
    }
}

/// A plain warning for each strategy of a real-clock run whose platform
/// crash did not land in the window the scenario aims it at (statuses
/// written, webhooks not yet sent): payments still unsettled when it died
/// (`settlements_resumed`: on the real clock, orders placed behind plan
/// settle after the crash instant, and the restarted platform settles and
/// delivers them), or settled and handed to the dispatcher before it
/// (`settled_before_crash`, a late timer). Those could not be lost the way
/// the lesson shows, so a dual write that lost nothing is not read as
/// safe. Empty in virtual time, where every instant is exact and the
/// scenario's own design (a crash before a settlement, to show its
/// resumption) holds.
fn missed_window(summary: &Summary, lang: Lang) -> String {
    if summary.scenario.clock != hooklab_core::scenario::ClockMode::Real {
        return String::new();
    }
    summary
        .strategies
        .iter()
        .filter_map(|s| {
            let c = s.crash.as_ref()?;
            let (unsettled, early) = (c.settlements_resumed, c.settled_before_crash);
            if c.platform_crashes == 0 || unsettled + early == 0 {
                return None;
            }
            let (late_en, late_pt) = match early {
                0 => (String::new(), String::new()),
                n => (
                    format!(", and {n} already settled and handed to the dispatcher"),
                    format!(", e {n} já liquidados e passados ao despachante"),
                ),
            };
            Some(match lang {
                Lang::En => format!(
                    "\n{}: the platform's crash missed its window for {} payment(s): {unsettled} not yet settled when it died (placed behind plan on the real clock; the restarted platform settled and delivered them){late_en}. A crash cannot lose those between the status write and the webhook, so this run under-shows what it loses there: run it with clock = \"virtual\" for the lesson's numbers.",
                    s.name,
                    unsettled + early
                ),
                Lang::PtBr => format!(
                    "\n{}: a queda da plataforma perdeu a janela para {} pagamento(s): {unsettled} ainda não liquidados quando ela caiu (feitos atrasados em relação ao plano no relógio real; a plataforma reiniciada os liquidou e entregou){late_pt}. Uma queda não perde esses entre a gravação do status e o webhook, então esta execução mostra menos do que ela perde ali: rode com clock = \"virtual\" para os números da aula.",
                    s.name,
                    unsettled + early
                ),
            })
        })
        .collect()
}

/// The crash section of `summary.md` (a heading, the table and its note),
/// or `None` when nothing crashed.
pub fn markdown(summary: &Summary, lang: Lang) -> Option<String> {
    if !crashed(summary) {
        return None;
    }
    let header = header(lang);
    let mut out = format!(
        "## {}\n\n| {} |\n|---|---|{}\n",
        match lang {
            Lang::En => "Crashes",
            Lang::PtBr => "Quedas",
        },
        header.join(" | "),
        "---:|---|".to_owned() + &"---:|".repeat(header.len() - 4)
    );
    for row in rows(summary, lang) {
        let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    let _ = writeln!(
        out,
        "\n{}{}",
        note(summary, lang),
        missed_window(summary, lang)
    );
    Some(out)
}

/// The same for the terminal: one line per strategy.
pub fn text(summary: &Summary, lang: Lang) -> Option<String> {
    if !crashed(summary) {
        return None;
    }
    let header = header(lang);
    let mut out = String::new();
    for row in rows(summary, lang) {
        let _ = writeln!(
            out,
            "{} ({}): {} {}, {} ({}); {} {}, {} {}, {} {}, {} {}, {} {}, {} {}",
            row[0],
            row[1],
            header[2],
            row[2],
            header[3],
            row[3],
            header[4],
            row[4],
            header[5],
            row[5],
            header[6],
            row[6],
            header[7],
            row[7],
            header[8],
            row[8],
            header[9],
            row[9]
        );
    }
    let _ = writeln!(
        out,
        "{}{}",
        note(summary, lang),
        missed_window(summary, lang)
    );
    Some(out)
}
