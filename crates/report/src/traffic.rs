//! The cost columns of the comparison table: kilobytes on the wire per
//! order, connections held open and, in real time, the platform's CPU per
//! notified order; and the note under the table that says how each was
//! measured. Only the columns a run has numbers for are shown: a summary
//! written before costs were counted shows none.

use crate::i18n::Msg;
use crate::units::decimal;
use hooklab_core::lang::Lang;
use hooklab_core::report::{StrategyReport, Summary};

/// Whether every strategy of `summary` has its traffic counted.
pub fn counted(summary: &Summary) -> bool {
    !summary.strategies.is_empty() && summary.strategies.iter().all(|s| s.traffic.is_some())
}

/// Kilobytes (1,000 bytes) both ways per order, as the servers' ends
/// counted them.
pub fn kb_per_order(s: &StrategyReport) -> Option<f64> {
    let t = s.traffic.as_ref()?;
    (s.orders > 0).then(|| t.bytes() as f64 / 1e3 / s.orders as f64)
}

fn with_cpu(summary: &Summary) -> bool {
    summary.strategies.iter().any(|s| {
        s.traffic
            .as_ref()
            .is_some_and(|t| t.platform_cpu_ms_per_order.is_some())
    })
}

/// The cost columns' headers (none when costs were not counted).
pub fn header(summary: &Summary) -> Vec<Msg> {
    if !counted(summary) {
        return Vec::new();
    }
    let mut out = vec![Msg::KbPerOrder, Msg::ConnsHeld];
    if with_cpu(summary) {
        out.push(Msg::PlatformCpuPerOrder);
    }
    out
}

/// `s`'s cost cells, matching [`header`].
pub fn cells(summary: &Summary, s: &StrategyReport, lang: Lang) -> Vec<String> {
    let Some(t) = s.traffic.as_ref().filter(|_| counted(summary)) else {
        return Vec::new();
    };
    let dash = || "-".to_owned();
    let mut out = vec![
        kb_per_order(s).map_or_else(dash, |kb| decimal(lang, format!("{kb:.2}"))),
        decimal(lang, format!("{:.2} ({})", t.held_mean(), t.held_max())),
    ];
    if with_cpu(summary) {
        out.push(
            t.platform_cpu_ms_per_order
                .map_or_else(dash, |ms| decimal(lang, format!("{ms:.3}"))),
        );
    }
    out
}

/// How the cost columns were measured, under the table (`None` when there
/// are none).
pub fn note(summary: &Summary, lang: Lang) -> Option<String> {
    if !counted(summary) {
        return None;
    }
    let mut out = match lang {
        Lang::En => "KB/order: bytes on the wire both ways (request and response heads and bodies, as hyper wrote and read them on each connection), API calls and webhook deliveries, over the orders. conns held: connections open at once, both directions, averaged over the run's time (the most at once in brackets; an idle keep-alive connection counts, and virtual time keeps them until the run ends).".to_owned(),
        Lang::PtBr => "KB/pedido: bytes na rede nos dois sentidos (cabeçalhos e corpos de requisições e respostas, como o hyper os escreveu e leu em cada conexão), chamadas à API e entregas de webhook, divididos pelos pedidos. conexões abertas: conexões abertas ao mesmo tempo, nos dois sentidos, em média no tempo da execução (o máximo entre parênteses; uma conexão keep-alive ociosa conta, e o tempo virtual as mantém até o fim da execução).".to_owned(),
    };
    if with_cpu(summary) {
        out.push_str(match lang {
            Lang::En => " platform CPU: the CPU clock of the platform's own runtime threads (clock_gettime(CLOCK_THREAD_CPUTIME_ID), read as each thread wakes and parks), over the orders notified.",
            Lang::PtBr => " CPU da plataforma: o relógio de CPU das threads do runtime próprio da plataforma (clock_gettime(CLOCK_THREAD_CPUTIME_ID), lido quando cada thread acorda e dorme), dividido pelos pedidos notificados.",
        });
    }
    let shops: Vec<(&str, u64)> = summary
        .strategies
        .iter()
        .filter_map(|s| Some((s.name.as_str(), s.traffic.as_ref()?.shops?)))
        .collect();
    if !shops.is_empty() {
        let each = |word: &str| {
            let all: Vec<String> = shops
                .iter()
                .map(|(name, k)| format!("{name} {word} {k}"))
                .collect();
            all.join(", ")
        };
        out.push_str(&match lang {
            Lang::En => format!(" Ran as several shops ({}): a large virtual run of one strategy is split into that many independent worlds, each with its own shop and its own pool of connections, so its conns held and connections opened add up that many pools (one shop would hold fewer); every other number is one shop's.", each("as")),
            Lang::PtBr => format!(" Rodaram como várias lojas ({}): uma execução virtual grande de uma estratégia é dividida nesse número de mundos independentes, cada um com sua loja e seu próprio pool de conexões; por isso suas conexões abertas somam as desses pools (uma loja só manteria menos), e todos os outros números são os de uma loja só.", each("como")),
        });
    }
    if summary
        .strategies
        .iter()
        .any(|s| s.traffic.as_ref().is_some_and(|t| !t.ends_agree()))
    {
        out.push_str(match lang {
            Lang::En => " (!) The client's and the server's ends of a link counted different bytes: hooklab lost or invented traffic.",
            Lang::PtBr => " (!) As pontas do cliente e do servidor de um enlace contaram bytes diferentes: o hooklab perdeu ou inventou tráfego.",
        });
    }
    Some(out)
}
