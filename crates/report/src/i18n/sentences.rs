//! The sentences of a report: the headline above the table, the footnote
//! under it, and one reading per strategy, in each language.
//!
//! Sentences are functions rather than labels because their numbers sit in a
//! different place in each language, and Portuguese writes its decimals with
//! a comma ([`crate::units::decimal`]).

use crate::units::decimal;
use hooklab_core::lang::Lang;
use hooklab_core::report::{HealthCode, HealthFlag, MissedOrder, MissedWhy};

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
    let orders = crate::units::count(lang, orders as f64);
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
/// in Portuguese translates them here. Their numbers are written as the
/// tables' are (`one every 119.172 s`, `uniforme 200 ms a 1,5 s`): [`decimal`]
/// rewrites only a point between digits, never the `..` of a range.
pub(crate) fn workload_words(lang: Lang, text: &str) -> String {
    let words = match lang {
        Lang::En => text.to_owned(),
        Lang::PtBr => [
            ("one every", "um a cada"),
            ("uniform", "uniforme"),
            ("exponential", "exponencial"),
            ("lognormal", "log-normal"),
            ("fixed", "fixa"),
            ("median", "mediana"),
            ("mean", "média"),
        ]
        .iter()
        .fold(text.to_owned(), |t, (en, pt)| t.replace(en, pt)),
    };
    // Every order at one instant: "one every 0ms" says it backwards.
    let words = match lang {
        Lang::En => words.replace("one every 0ms", "all at once"),
        Lang::PtBr => words.replace("um a cada 0ms", "todos de uma vez"),
    };
    let words = decimal(lang, seconds(&words));
    match lang {
        Lang::En => words,
        // Portuguese writes a space between a number and its unit ("5 ms",
        // as its tables do) and a range with "a": "200 ms a 2 s".
        // Minutes are "min" ("m" is a metre): summaries written before
        // `Dur` said `10min` keep `10m`.
        Lang::PtBr => minutes(&spaced_units(&words)).replace("..", " a "),
    }
}

/// `text` (its units already spaced) with each unit `m` after a number
/// written `min`: `média 10 m` is `média 10 min`.
fn minutes(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        out.push(*c);
        let after_number = i >= 2 && chars[i - 1] == ' ' && chars[i - 2].is_ascii_digit();
        let alone = !chars.get(i + 1).is_some_and(|n| n.is_alphabetic());
        if *c == 'm' && after_number && alone {
            out.push_str("in");
        }
    }
    out
}

/// `text` with a space between each number and the unit glued to it
/// (`5ms` is `5 ms`): in a workload's words every letter right after a
/// digit starts a unit.
fn spaced_units(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous = ' ';
    for c in text.chars() {
        if previous.is_ascii_digit() && c.is_ascii_alphabetic() {
            out.push(' ');
        }
        out.push(c);
        previous = c;
    }
    out
}

/// Whole milliseconds of a second or more as seconds (`119172ms` is
/// `119.172 s`, as the scenarios' README writes it): a reader counts
/// seconds, not thousands of milliseconds. Shorter ones, and numbers with a
/// fraction, stay as they are.
fn seconds(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("ms") {
        let (head, tail) = rest.split_at(at);
        let digits = head.len() - head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (before, number) = head.split_at(head.len() - digits);
        // A fraction's digits (`0.5ms`) are not a whole number; the `..`
        // of a range is not a decimal point.
        let mut back = before.chars().rev();
        let whole = !(matches!(back.next(), Some('.' | ','))
            && back.next().is_some_and(|c| c.is_ascii_digit()));
        match number.parse::<u64>() {
            Ok(ms) if whole && ms >= 1_000 => {
                let secs = format!("{}.{:03}", ms / 1_000, ms % 1_000);
                let secs = secs.trim_end_matches('0').trim_end_matches('.');
                out.push_str(before);
                out.push_str(secs);
                out.push_str(" s");
            }
            _ => {
                out.push_str(head);
                out.push_str("ms");
            }
        }
        rest = &tail[2..];
    }
    out.push_str(rest);
    out
}

/// `singular` or `plural` as a number `x` printed with decimals takes in
/// `lang`: English writes the plural after any decimal (`1.00 requests`),
/// Portuguese the singular under 2 (`1,00 requisição`, `0,50 requisição`).
fn agree<'a>(lang: Lang, x: f64, singular: &'a str, plural: &'a str) -> &'a str {
    let one = match lang {
        Lang::En => false,
        Lang::PtBr => x.abs() < 2.0,
    };
    if one { singular } else { plural }
}

/// "requests" after a number of requests per order printed with two
/// decimals (`rpo`), in `lang`.
fn requests_noun(lang: Lang, rpo: f64) -> &'static str {
    let shown = (rpo * 100.0).round() / 100.0;
    match lang {
        Lang::En => "requests",
        Lang::PtBr => agree(lang, shown, "requisição", "requisições"),
    }
}

/// The same for a whole count: the singular for exactly 1 in both
/// languages (`1 pedido`, `0 pedidos`).
fn agree_count<'a>(n: u64, singular: &'a str, plural: &'a str) -> &'a str {
    if n == 1 { singular } else { plural }
}

/// The footnote under a table: where the predictions come from.
///
/// `late`: for runs with webhooks, the first such strategy's name and its
/// settlement worker's measured lateness, already formatted.
pub fn footnote(
    lang: Lang,
    rtt: &str,
    slack_ms: f64,
    late: Option<(&str, &str)>,
    way: Option<(&str, &str)>,
) -> String {
    // Short sentences, one input each: the model's page says the rest
    // (a tester's finding: one sentence of some 130 words, pointing at the
    // code rather than at the page that explains it).
    match lang {
        Lang::En => {
            let mut more = late.map_or(String::new(), |(name, ms)| {
                format!(" It is also fed the settlement worker's measured lateness ({ms} ms in {name}'s run).")
            });
            if let Some((name, ms)) = way {
                more.push_str(&format!(" For each strategy the platform pushes to (webhook, hybrid, long poll, stream), it is fed as well the way of that strategy's own notifications through the platform and the shop, calibrated outside that strategy's load ({ms} ms in {name}'s). The calibration is the mean of 5 rounds of up to 100 real notifications of the strategy timed right before it runs and 5 right after, replaying stretches of its own settlement gaps and the creations just before them. The spread of the 10 rounds, how much the machine changed between before and after included, is the prediction's own standard error. Model, these draws reads the legs of each webhook delivery off the run itself."));
            }
            format!(
                "Measured: in this run. Model: the prediction of the model that docs/model.md explains (its code is in crates/core/src/model/). It is fed the measured round trip ({rtt} ms) and a poll timer slack of {slack_ms} ms.{more} Each strategy's inputs are in summary.json."
            )
        }
        Lang::PtBr => {
            let mut more = late.map_or(String::new(), |(name, ms)| {
                format!(
                    " Recebe também o atraso medido do liquidador ({ms} ms na execução de {name})."
                )
            });
            if let Some((name, ms)) = way {
                more.push_str(&format!(" Para cada estratégia a que a plataforma empurra as notificações (webhook, híbrido, long poll, stream), recebe ainda o caminho das notificações dessa estratégia pela plataforma e pela loja, calibrado fora da carga dela ({ms} ms na de {name}). A calibração é a média de 5 rodadas de até 100 notificações reais da estratégia, cronometradas logo antes de ela rodar e 5 logo depois, repetindo partes dos seus próprios intervalos entre liquidações e as criações logo antes deles. A dispersão dessas 10 rodadas, incluída a mudança da máquina entre antes e depois, é o erro-padrão da própria previsão. O modelo (sorteios desta execução) lê as pernas de cada entrega de webhook na própria execução."));
            }
            format!(
                "Medido: nesta execução. Modelo: a previsão do modelo que docs/modelo.pt-BR.md explica (o código está em crates/core/src/model/). Ele recebe o tempo de ida e volta medido ({rtt} ms) e uma folga de temporizador de {} ms para as consultas.{more} As entradas de cada estratégia estão em summary.json.",
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
    /// Wasted share, formatted as a percentage in the language.
    pub wasted_pct: &'a str,
    /// Mean delay, formatted ms.
    pub mean: &'a str,
    /// The model's mean delay, formatted ms.
    pub model: &'a str,
    /// Whether it polls the event log (one request per interval, whatever
    /// the orders) rather than each payment: the sentence says which, or a
    /// cost per order reads like one poll per payment.
    pub events: bool,
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
            events,
        } = self;
        let noun = requests_noun(lang, *rpo);
        let rpo = decimal(lang, format!("{rpo:.2}"));
        let what = match (lang, events) {
            (Lang::En, true) => " the event log",
            (Lang::PtBr, true) => " o registro de eventos",
            (_, false) => "",
        };
        match lang {
            Lang::En => format!(
                "{name}: polling{what} every {interval} cost {rpo} {noun} per order, {wasted_pct} of them wasted, for a mean delay of {mean} (model: {model})."
            ),
            Lang::PtBr => format!(
                "{name}: consultar{what} a cada {interval} custou {rpo} {noun} por pedido, {wasted_pct} delas desperdiçadas, para um atraso médio de {mean} (modelo: {model})."
            ),
        }
    }
}

/// How a strategy between polling and push learns, in a few words (its
/// kind's name in the reading).
pub fn spectrum_how(
    lang: Lang,
    kind: hooklab_core::scenario::StrategyKind,
    interval: &str,
) -> String {
    use hooklab_core::scenario::StrategyKind as K;
    match (lang, kind) {
        (Lang::En, K::ConditionalPoll) => format!("conditional polling every {interval}"),
        (Lang::PtBr, K::ConditionalPoll) => format!("a consulta condicional a cada {interval}"),
        (Lang::En, K::BackoffPoll) => "polling with backoff".to_owned(),
        (Lang::PtBr, K::BackoffPoll) => "a consulta com recuo".to_owned(),
        (Lang::En, K::LongPoll) => "long polling each payment".to_owned(),
        (Lang::PtBr, K::LongPoll) => "o long polling de cada pagamento".to_owned(),
        (Lang::En, K::LongPollEvents) => "long polling the event log".to_owned(),
        (Lang::PtBr, K::LongPollEvents) => "o long polling do registro de eventos".to_owned(),
        (Lang::En, _) => "an event stream (SSE)".to_owned(),
        (Lang::PtBr, _) => "um fluxo de eventos (SSE)".to_owned(),
    }
}

/// One sentence reading the numbers of a strategy between polling and
/// push (`how` from [`spectrum_how`]).
pub fn spectrum_reading(
    lang: Lang,
    name: &str,
    how: &str,
    rpo: f64,
    wasted_pct: &str,
    mean: &str,
    model: &str,
) -> String {
    let noun = requests_noun(lang, rpo);
    let rpo = decimal(lang, format!("{rpo:.2}"));
    match lang {
        Lang::En => format!(
            "{name}: {how} cost {rpo} {noun} per order, {wasted_pct} of them wasted, for a mean delay of {mean} (model: {model})."
        ),
        Lang::PtBr => format!(
            "{name}: {how} custou {rpo} {noun} por pedido, {wasted_pct} delas desperdiçadas, para um atraso médio de {mean} (modelo: {model})."
        ),
    }
}

/// One sentence reading a stream's numbers. A stream polls only the
/// catch-up page it reads each time it opens: `pages` of them, `empty` of
/// those with no event waiting. That is not a poller's waste (a fresh stream
/// has nothing to catch up on), so it is counted, not given as a share.
#[allow(clippy::too_many_arguments)] // each is one number of the sentence
pub fn stream_reading(
    lang: Lang,
    name: &str,
    rpo: f64,
    opened: u64,
    pages: u64,
    empty: u64,
    mean: &str,
    model: &str,
) -> String {
    let noun = requests_noun(lang, rpo);
    let rpo = decimal(lang, format!("{rpo:.2}"));
    let (o, p, e) = (
        crate::units::count(lang, opened as f64),
        crate::units::count(lang, pages as f64),
        crate::units::count(lang, empty as f64),
    );
    let streams = match lang {
        Lang::En => agree_count(opened, "stream", "streams"),
        Lang::PtBr => agree_count(opened, "stream aberto", "streams abertos"),
    };
    let read = match (lang, pages) {
        (Lang::En, 0) => "no catch-up page".to_owned(),
        (Lang::En, 1) => "1 catch-up page read on opening".to_owned(),
        (Lang::En, _) => format!("{p} catch-up pages read on opening"),
        (Lang::PtBr, 0) => "nenhuma página de recuperação".to_owned(),
        (Lang::PtBr, 1) => "1 página de recuperação lida ao abrir".to_owned(),
        (Lang::PtBr, _) => format!("{p} páginas de recuperação lidas ao abrir"),
    };
    let empties = match (lang, pages, empty) {
        (_, 0, _) => String::new(),
        (Lang::En, 1, 1) => " (empty: no event was waiting yet)".to_owned(),
        (Lang::En, _, _) if empty == pages => {
            format!(" (all {e} empty: no event was waiting yet)")
        }
        (Lang::En, _, 0) => " (none empty)".to_owned(),
        (Lang::En, _, _) => format!(" ({e} of them empty)"),
        (Lang::PtBr, 1, 1) => " (vazia: nenhum evento esperava ainda)".to_owned(),
        (Lang::PtBr, _, _) if empty == pages => {
            format!(" (todas as {e} vazias: nenhum evento esperava ainda)")
        }
        (Lang::PtBr, _, 0) => " (nenhuma vazia)".to_owned(),
        (Lang::PtBr, _, 1) => " (1 delas vazia)".to_owned(),
        (Lang::PtBr, _, _) => format!(" ({e} delas vazias)"),
    };
    match lang {
        Lang::En => format!(
            "{name}: an event stream (SSE) cost {rpo} {noun} per order, {o} {streams} and {read}{empties}, for a mean delay of {mean} (model: {model})."
        ),
        Lang::PtBr => format!(
            "{name}: um fluxo de eventos (SSE) custou {rpo} {noun} por pedido, {o} {streams} e {read}{empties}, para um atraso médio de {mean} (modelo: {model})."
        ),
    }
}

/// The line a timeline draws when its axis ends before the runs do:
/// nothing happened in the tail (`last`, `end`: instants on the axis, with
/// their unit).
pub fn quiet_tail(lang: Lang, last: &str, end: &str) -> String {
    match lang {
        Lang::En => {
            format!("axis ends at {last}: nothing happens from then until the runs end at {end}")
        }
        Lang::PtBr => format!(
            "o eixo termina em {last}: nada acontece dali até o fim das execuções, em {end}"
        ),
    }
}

/// A delay chart's legend entry for a strategy that missed orders: its
/// curve stops at the share it notified (`webhook: 2,683 of 3,000`).
pub fn cdf_legend(lang: Lang, name: &str, notified: u64, orders: u64) -> String {
    let (n, o) = (
        crate::units::count(lang, notified as f64),
        crate::units::count(lang, orders as f64),
    );
    match lang {
        Lang::En => format!("{name}: {n} of {o} notified"),
        Lang::PtBr => format!("{name}: {n} de {o} notificados"),
    }
}

/// One sentence reading a webhook strategy's numbers; `known`: whether it
/// notified any order (a strategy that notified none has no delay to read).
pub fn webhook_reading(
    lang: Lang,
    name: &str,
    rpo: f64,
    mean: &str,
    p99: &str,
    known: bool,
) -> String {
    let text = decimal(lang, format!("{rpo:.2}"));
    // The plural follows the number as printed (`1,00`), not the float.
    let shown = (rpo * 100.0).round() / 100.0;
    match (lang, known) {
        (Lang::En, true) => format!(
            "{name}: {text} webhook {} per order, mean delay {mean}, p99 {p99}.",
            agree(lang, shown, "request", "requests")
        ),
        (Lang::PtBr, true) => format!(
            "{name}: {text} {} de webhook por pedido, atraso médio de {mean}, p99 de {p99}.",
            agree(lang, shown, "requisição", "requisições")
        ),
        (Lang::En, false) => format!(
            "{name}: notified no order ({text} webhook {} per order), so there is no delay to read.",
            agree(lang, shown, "request", "requests")
        ),
        (Lang::PtBr, false) => format!(
            "{name}: não notificou nenhum pedido ({text} {} de webhook por pedido), e não há atraso a ler.",
            agree(lang, shown, "requisição", "requisições")
        ),
    }
}

/// One sentence reading a hybrid's numbers: its requests per order are
/// webhook attempts *and* reconciliation polls, so it says both
/// (`[total, webhook attempts, polls answered, polls refused at connect]`
/// per order; the refused, by a dead platform, are said apart, and only
/// when there are some).
pub fn hybrid_reading(
    lang: Lang,
    name: &str,
    per_order: [f64; 4],
    mean: &str,
    p99: &str,
) -> String {
    let shown = per_order.map(|x| (x * 100.0).round() / 100.0);
    let [total, hooks, polls, refused] = per_order.map(|x| decimal(lang, format!("{x:.2}")));
    let down = shown[3] > 0.0;
    match lang {
        Lang::En if down => format!(
            "{name}: {total} notification requests per order ({hooks} webhook attempts, {polls} reconciliation polls and {refused} refused at connect while the platform was down), mean delay {mean}, p99 {p99}."
        ),
        Lang::En => format!(
            "{name}: {total} notification requests per order ({hooks} webhook attempts and {polls} reconciliation polls), mean delay {mean}, p99 {p99}."
        ),
        Lang::PtBr if down => format!(
            "{name}: {total} {} de notificação por pedido ({hooks} {} de webhook, {polls} {} de reconciliação e {refused} {} na conexão com a plataforma fora do ar), atraso médio de {mean}, p99 de {p99}.",
            agree(lang, shown[0], "requisição", "requisições"),
            agree(lang, shown[1], "tentativa", "tentativas"),
            agree(lang, shown[2], "consulta", "consultas"),
            agree(lang, shown[3], "recusada", "recusadas"),
        ),
        Lang::PtBr => format!(
            "{name}: {total} {} de notificação por pedido ({hooks} {} de webhook e {polls} {} de reconciliação), atraso médio de {mean}, p99 de {p99}.",
            agree(lang, shown[0], "requisição", "requisições"),
            agree(lang, shown[1], "tentativa", "tentativas"),
            agree(lang, shown[2], "consulta", "consultas"),
        ),
    }
}

/// The line under the timeline chart of a run whose order lives are a
/// sample: `shown` of each strategy's `orders`, one in every `stride`.
pub fn sample_note(lang: Lang, shown: usize, orders: u64, stride: u64) -> String {
    let (shown, orders, stride) = (
        crate::units::count(lang, shown as f64),
        crate::units::count(lang, orders as f64),
        crate::units::count(lang, stride as f64),
    );
    match lang {
        Lang::En => format!(
            "The chart counts every request of all {orders} orders. The order lives `summary.json` keeps (what the live replay draws, one row per order) are a sample of {shown} of the {orders} orders of each strategy, one in every {stride}, so the file stays small; every number of the table counts all {orders}."
        ),
        Lang::PtBr => format!(
            "O gráfico conta cada requisição dos {orders} pedidos. As vidas de pedido que o `summary.json` guarda (o que a reprodução ao vivo desenha, uma linha por pedido) são uma amostra de {shown} dos {orders} pedidos de cada estratégia, um a cada {stride}, para o arquivo continuar pequeno; cada número da tabela conta todos os {orders}."
        ),
    }
}

/// The line explaining the `±` and the marker.
pub fn interval_note(lang: Lang) -> String {
    match lang {
        Lang::En => "± is the 95% interval of the measured mean (1.96 standard errors of the mean): a prediction inside it differs from the measurement by no more than sampling noise. (!) marks a prediction outside the interval: model and measurement disagree by more than noise, and the gap is worth explaining. In the wasted column ± (or [low–high], where the interval leans away from 0 or 100%) is the 95% (Wilson) interval of the share, in percent. Event-log pollers and streams show req/order without ±: their requests come with the clock, not one set per order.".to_owned(),
        Lang::PtBr => "± é o intervalo de 95% da média medida (1,96 erros-padrão da média): uma previsão dentro dele difere da medição só pelo ruído da amostra. (!) marca uma previsão fora do intervalo: modelo e medição divergem mais do que o ruído explica, e a diferença merece explicação. Na coluna de consultas desperdiçadas, ± (ou [mínimo–máximo], onde o intervalo se afasta de 0 ou de 100%) é o intervalo de 95% (Wilson) da parcela, em porcentagem. Consultas ao registro de eventos e streams mostram req./pedido sem ±: suas requisições vêm com o relógio, não uma leva por pedido.".to_owned(),
    }
}

/// The legend of the missed column, under a table where a row's cell
/// reads `N [a–b] (m)`.
pub fn missed_note(lang: Lang) -> String {
    match lang {
        Lang::En => "missed: N [a–b] (m) is N orders missed, [a–b] the 95% (Wilson) interval of that count, and (m) the model's prediction, in orders; a bare N is a strategy whose missed orders the model does not predict, so there is nothing to compare.".to_owned(),
        Lang::PtBr => "perdidos: N [a–b] (m) são N pedidos perdidos, [a–b] o intervalo de 95% (Wilson) dessa contagem e (m) a previsão do modelo, em pedidos; um N sozinho é uma estratégia cujos pedidos perdidos o modelo não prevê, e não há o que comparar.".to_owned(),
    }
}

/// Under the table when a duplicates or wasted cell carries the model's
/// prediction.
pub fn dup_wasted_note(lang: Lang) -> String {
    match lang {
        Lang::En => "dup: N (m) is N duplicate notices and (m) the model's prediction, in notices (its duplicates per order times the orders); wasted polls: the measured share, its interval, then (m%) the model's share.".to_owned(),
        Lang::PtBr => "duplic.: N (m) são N avisos duplicados e (m) a previsão do modelo, em avisos (as suas duplicatas por pedido vezes os pedidos); consultas desperdiçadas: a parcela medida, o seu intervalo e depois (m%) a parcela do modelo.".to_owned(),
    }
}

/// Appended to [`interval_note`] when a prediction has a standard error of
/// its own (a real-clock run's calibrated way).
pub fn combined_error_note(lang: Lang) -> String {
    match lang {
        Lang::En => "A prediction with its own standard error (a real-clock run's calibrated way, `latency_mean_stderr_ms`) carries its own ± (1.96 of its standard errors) and is marked only when it differs from the measured mean by more than 1.96 times the combined standard error, sqrt(se_measured² + se_predicted²).".to_owned(),
        Lang::PtBr => "Uma previsão com erro-padrão próprio (o caminho calibrado de uma execução no relógio real, `latency_mean_stderr_ms`) traz o seu próprio ± (1,96 vez o seu erro-padrão) e só é marcada quando difere da média medida por mais de 1,96 vez o erro-padrão combinado, sqrt(ep_medido² + ep_previsto²).".to_owned(),
    }
}

/// The line under a slide when a marker is shown.
pub fn outside_note(lang: Lang) -> String {
    match lang {
        Lang::En => "(!) the model's prediction lies outside the measured 95% interval.".to_owned(),
        Lang::PtBr => "(!) a previsão do modelo está fora do intervalo de 95% medido.".to_owned(),
    }
}

/// The line explaining the second prediction.
pub fn draws_note(lang: Lang) -> String {
    match lang {
        Lang::En => "model, these draws: the same model fed this run's own draws (settlement instants, arrivals, each webhook's departure, retries and legs, which attempts the receiver failed, which deliveries it acknowledged and dropped, which events the sender sent twice) and its measured legs; in virtual time it must equal the measurement, and a gap there is a bug in hooklab.".to_owned(),
        Lang::PtBr => "modelo (sorteios desta execução): o mesmo modelo alimentado com esses sorteios (instantes de liquidação, chegadas, o instante em que cada webhook saiu da plataforma, as suas novas tentativas e as suas pernas, as tentativas que o receptor fez falhar, as entregas que ele confirmou e descartou, os eventos que o remetente enviou duas vezes) e as suas pernas medidas; no relógio virtual deve igualar a medição, e uma diferença ali é um defeito do hooklab.".to_owned(),
    }
}

/// The line explaining requests per day and polls per webhook (`hook`: the
/// webhook strategy the polls are compared with).
pub fn per_day_note(lang: Lang, hook: Option<&str>, no_rate: bool) -> String {
    let mut out = match lang {
        Lang::En => "req/day: notification requests (polls and webhook attempts) a day at the scenario's order rate (requests per order × orders per day). Event-log pollers and streams: those of the strategy's first 24 h if its run lasted that long (a run goes on until its last order is known); otherwise an event-log poller's count over its run scaled to 24 h, a long poll's answers that carried events per order and its empty ones scaled to 24 h, and a stream's opens and catch-up pages as they happened (a stream opens once per connection: its count grows only with reconnects, which a short run cannot say how often come).".to_owned(),
        Lang::PtBr => "req./dia: requisições de notificação (consultas e tentativas de webhook) por dia no ritmo de pedidos do cenário (requisições por pedido × pedidos por dia). Consultas ao registro de eventos e streams: as das primeiras 24 h da estratégia, se a execução durou isso (uma execução continua até o último pedido ser conhecido); senão, a contagem de uma consulta ao registro na execução toda, escalada para 24 h; as respostas de uma consulta longa que trouxeram eventos, por pedido, e as vazias, escaladas para 24 h; e as aberturas e páginas de recuperação de um stream como aconteceram (um stream abre uma vez por conexão: a conta só cresce com as reconexões, e uma execução curta não diz de quanto em quanto tempo elas vêm).".to_owned(),
    };
    if no_rate {
        out.push_str(match lang {
            Lang::En => " This scenario has no order rate (every order arrives at one instant), so a strategy whose cost is paid per order shows no req/day (-): its run's length says nothing about a day.",
            Lang::PtBr => " Este cenário não tem ritmo de pedidos (todos os pedidos chegam no mesmo instante), e uma estratégia cujo custo é pago por pedido não mostra req./dia (-): a duração da sua execução nada diz sobre um dia.",
        });
    }
    if let Some(hook) = hook {
        out.push_str(&match lang {
            Lang::En => format!(" polls per webhook: a strategy's polls a day against the webhook deliveries a day of the strategy \"{hook}\", both counted so."),
            Lang::PtBr => format!(" consultas por webhook: as consultas por dia de uma estratégia contra as entregas de webhook por dia da estratégia \"{hook}\", ambas contadas assim."),
        });
    }
    out
}

/// The `polls_below_model` flag of a strategy, in the table's precision
/// (two decimals, as its req/order column): `measured` requests per order
/// against `draws`, what the model expects for this run's own draws (not
/// the table's prediction in parentheses, `laws`, made from the scenario's
/// laws, which the sentence names so the two are not confused).
pub fn polls_below_model(lang: Lang, measured: f64, draws: f64, laws: f64) -> String {
    let [a, b, c] = [measured, draws, laws].map(|x| decimal(lang, format!("{x:.2}")));
    match lang {
        Lang::En => format!(
            "{a} requests per order against {b} the model expects for this run's own draws (the table's ({c}) is its prediction from the scenario's laws): the pollers fell behind (the machine could not keep up)"
        ),
        Lang::PtBr => format!(
            "{a} requisições por pedido contra {b} que o modelo espera para os sorteios desta execução (o ({c}) da tabela é a previsão a partir das leis do cenário): as consultas ficaram para trás (a máquina não acompanhou)"
        ),
    }
}

/// A placement lag graded mild (see `crate::health`): the flag's numbers
/// (`[mean, max, timer]`, ms, as its message gives them, one decimal), and
/// why they are small: beside the polling interval (`interval`) or the
/// median delay measured, `yardstick_ms`.
pub fn placement_lag_mild(
    lang: Lang,
    lag_ms: [f64; 3],
    yardstick_ms: f64,
    interval: bool,
) -> String {
    let [mean, max, timer] = lag_ms.map(|ms| decimal(lang, format!("{ms:.1}")));
    let yardstick = decimal(lang, crate::units::dur(yardstick_ms));
    match lang {
        Lang::En => format!(
            "orders were placed slightly behind plan (mean {mean} ms, max {max} ms late, against {timer} ms of the timer's own lateness before the load): small beside the {yardstick} {}, so the delays measured stand",
            if interval {
                "polling interval"
            } else {
                "median delay measured"
            }
        ),
        Lang::PtBr => format!(
            "os pedidos foram feitos um pouco atrasados em relação ao plano (média de {mean} ms, máximo de {max} ms, contra {timer} ms de atraso do próprio temporizador antes da carga): pouco perto {}, então os atrasos medidos valem",
            if interval {
                format!("do intervalo de consulta de {yardstick}")
            } else {
                format!("do atraso mediano medido de {yardstick}")
            }
        ),
    }
}

/// A health flag in `lang`. The flag's message is English with its numbers
/// in it; Portuguese says the same with the same numbers, read back from
/// the message (an unknown code, or a message without its numbers, is
/// quoted as it is).
pub fn health_message(lang: Lang, flag: &HealthFlag) -> String {
    if lang == Lang::En {
        // The check words its numbers plainly ("40 of 1000 requests"); the
        // report groups their thousands as its tables do.
        return decimal(lang, flag.message.clone());
    }
    let numbers: Vec<String> = flag
        .message
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|t| t.trim_matches('.'))
        .filter(|t| !t.is_empty() && t.chars().any(|c| c.is_ascii_digit()))
        .map(|t| decimal(lang, t.to_owned()))
        .collect();
    let code = [
        HealthCode::RttVsInterval,
        HealthCode::PlacementLag,
        HealthCode::PollsBelowModel,
        HealthCode::RateLimitStorm,
        HealthCode::RateLimited,
        HealthCode::Partitioned,
        HealthCode::PartitionsUnmodelled,
        HealthCode::UnrecordedDelays,
        HealthCode::ModelUnresolved,
    ]
    .into_iter()
    .find(|c| c.as_str() == flag.code);
    // The one flag with no number to carry over.
    if code == Some(HealthCode::ModelUnresolved) {
        return "as somas do modelo sobre as consultas não conseguiram limitar a cauda da lei de liquidação, então a previsão não é mostrada, em vez de mostrada errada".to_owned();
    }
    let (Some(code), [a, b, ..]) = (code, numbers.as_slice()) else {
        return flag.message.clone();
    };
    match code {
        HealthCode::RttVsInterval => format!(
            "o tempo de ida e volta ({a} ms) é pelo menos um décimo do intervalo de consulta ({b} ms): a rede pesa no atraso tanto quanto o intervalo"
        ),
        HealthCode::PlacementLag => format!(
            "os pedidos foram feitos atrasados em relação ao plano (média de {a} ms, máximo de {b} ms): a máquina não acompanhou as chegadas"
        ),
        HealthCode::PollsBelowModel => format!(
            "{a} consultas por pedido contra {b} esperadas para os sorteios desta execução: as consultas ficaram para trás (a máquina não acompanhou)"
        ),
        HealthCode::RateLimitStorm => format!(
            "{a} de {b} requisições foram recusadas com 429: os atrasos incluem a espera pelo limite de taxa, que o modelo cobre só para a consulta simples (os 429 do balde de fichas e as esperas de Retry-After da loja), então nenhuma previsão é mostrada"
        ),
        HealthCode::RateLimited => format!(
            "{a} de {b} requisições foram recusadas com 429: os atrasos incluem a espera pelo limite de taxa; o modelo reproduz o balde de fichas e as esperas de Retry-After da loja sobre os pedidos"
        ),
        HealthCode::Partitioned | HealthCode::PartitionsUnmodelled => {
            let head = partitions_pt(a, b, &numbers[2..]);
            if code == HealthCode::Partitioned {
                format!(
                    "{head}; o modelo reproduz as janelas sobre os pedidos para esta estratégia (criações tentadas de novo, webhooks repetidos pelo cronograma, consultas e páginas de eventos falhando até o próximo prazo, requisições presas e streams tentados de novo depois de uma pausa, streams postos em dia)"
                )
            } else {
                format!(
                    "{head}; o modelo deixa as janelas de fora para esta estratégia (as requisições que falharam nelas e as esperas que elas somam): a previsão é a de uma rede que nunca falha"
                )
            }
        }
        HealthCode::UnrecordedDelays => format!(
            "{a} de {b} atrasos não couberam no histograma: os percentis os deixam de fora (a média, o mínimo e o máximo os contam)"
        ),
        HealthCode::ModelUnresolved => flag.message.clone(),
    }
}

/// The head of a partition flag in Portuguese: `count` windows, `total`
/// seconds in all, then each window's two ends, as the English message
/// lists them.
fn partitions_pt(count: &str, total: &str, ends: &[String]) -> String {
    let spans = ends
        .chunks(2)
        .map(|w| match w {
            [from, until] => format!("de {from} s a {until} s"),
            [from] => format!("de {from} s"),
            _ => String::new(),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let times = if count == "1" { "vez" } else { "vezes" };
    format!(
        "a rede ficou particionada {count} {times}, {total} s ao todo ({spans}): as requisições enviadas ou chegando nesse tempo falharam (conexões recusadas, streams e requisições presas cortados)"
    )
}

/// The clause about missed orders, appended to a reading.
pub fn missed_clause(lang: Lang, missed: u64, first: Option<&MissedOrder>) -> String {
    let mut text = match lang {
        Lang::En => format!(
            " {missed} {} missed",
            agree_count(missed, "order", "orders")
        ),
        Lang::PtBr => format!(
            " {missed} {}",
            agree_count(missed, "pedido perdido", "pedidos perdidos")
        ),
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

/// The shop client's recorded error (`ClientError`'s English text), in
/// Portuguese for the shapes it has; anything else stays as recorded, quoted
/// as the original.
fn client_error_pt(error: &str) -> String {
    if let Some(rest) = error.strip_prefix("the platform answered ") {
        // `429: rate_limited: rate limit exceeded: retry after 1 s`
        let mut parts = rest.splitn(3, ": ");
        if let (Some(status), Some(code)) = (parts.next(), parts.next()) {
            let what = match status {
                "429" => "limite de requisições excedido",
                "401" => "chave de API recusada",
                "404" => "não encontrado",
                "409" => "conflito",
                "422" => "pedido inválido",
                "503" => "plataforma indisponível",
                _ => "erro",
            };
            return format!("a plataforma respondeu {status} ({what}; código `{code}`)");
        }
    }
    match error {
        "no answer from the platform" => "a plataforma não respondeu".to_owned(),
        _ if error.starts_with("the platform did not answer within ") => {
            "a plataforma aceitou a conexão mas não respondeu a tempo".to_owned()
        }
        _ => format!("(mensagem original, em inglês: {error})"),
    }
}

/// Why an order was missed, in Portuguese.
fn missed_reason_pt(why: &MissedWhy) -> String {
    match why {
        // The error comes from the HTTP client or the platform's answer, as
        // recorded; only the frame is translated.
        MissedWhy::CreationFailed { error } => {
            format!(
                "o pagamento não pôde ser criado: {}",
                client_error_pt(error)
            )
        }
        MissedWhy::PaymentUnknown { error } => format!(
            "a plataforma não conhece mais o pagamento: {}",
            client_error_pt(error)
        ),
        MissedWhy::NotSettled => {
            "a plataforma ainda não tinha liquidado o pagamento quando a execução terminou"
                .to_owned()
        }
        MissedWhy::NotPolledYet => {
            "a consulta ainda não tinha visto o status final quando a execução terminou".to_owned()
        }
        MissedWhy::NotStreamedYet => {
            "o stream de eventos ainda não tinha trazido o status final quando a execução terminou"
                .to_owned()
        }
        MissedWhy::NoDelivery => {
            "nenhuma entrega de webhook foi tentada antes do fim da execução".to_owned()
        }
        MissedWhy::LostAfterAck { attempts, last } => format!(
            "{attempts} {} de webhook, a última confirmada ({}), mas o pedido nunca foi atualizado: perdido depois da confirmação",
            agree_count(u64::from(*attempts), "tentativa", "tentativas"),
            attempt_result_pt(last)
        ),
        MissedWhy::AttemptsFailed { attempts, last } => format!(
            "{attempts} {} de webhook; a última terminou com {}",
            agree_count(u64::from(*attempts), "tentativa", "tentativas"),
            attempt_result_pt(last)
        ),
        MissedWhy::Crash { loss } => format!("perdido numa queda: {}", loss.portuguese()),
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
    fn health_flags_are_said_in_portuguese_with_their_numbers() {
        let flag = HealthCode::PlacementLag.flag(
            "orders were placed behind plan (mean 12.5 ms, max 81.0 ms late): the machine could not keep up with the arrivals".to_owned(),
        );
        let pt = health_message(Lang::PtBr, &flag);
        assert!(pt.contains("média de 12,5 ms, máximo de 81,0 ms"), "{pt}");
        assert_eq!(health_message(Lang::En, &flag), flag.message);
        let storm = HealthCode::RateLimitStorm.flag(
            "40 of 1000 requests were refused with 429: the delays include waiting out the rate limit".to_owned(),
        );
        assert!(
            health_message(Lang::PtBr, &storm).starts_with("40 de 1.000 requisições"),
            "{}",
            health_message(Lang::PtBr, &storm)
        );
        assert!(health_message(Lang::En, &storm).starts_with("40 of 1,000 requests"));
    }

    #[test]
    fn partition_flags_are_said_in_portuguese_with_their_windows() {
        let modelled = hooklab_core::model::health::partition_flag(
            &[(1_000.0, 2_500.0), (4_000.0, 4_200.0)],
            true,
        )
        .unwrap();
        let pt = health_message(Lang::PtBr, &modelled);
        assert!(
            pt.starts_with(
                "a rede ficou particionada 2 vezes, 1,7 s ao todo (de 1 s a 2,5 s; de 4 s a 4,2 s)"
            ),
            "{pt}"
        );
        assert!(pt.contains("o modelo reproduz as janelas"), "{pt}");
        let left_out =
            hooklab_core::model::health::partition_flag(&[(0.0, 600_000.0)], false).unwrap();
        let pt = health_message(Lang::PtBr, &left_out);
        assert!(
            pt.starts_with("a rede ficou particionada 1 vez, 600 s ao todo (de 0 s a 600 s)"),
            "{pt}"
        );
        assert!(pt.contains("deixa as janelas de fora"), "{pt}");
    }

    #[test]
    fn workload_words_are_translated() {
        assert_eq!(
            workload_words(Lang::PtBr, "uniform 200ms..2s"),
            "uniforme 200 ms a 2 s"
        );
        assert_eq!(
            workload_words(Lang::PtBr, "one every 5ms"),
            "um a cada 5 ms"
        );
        assert_eq!(
            workload_words(Lang::PtBr, "uniform 200ms..1.5s"),
            "uniforme 200 ms a 1,5 s"
        );
        assert_eq!(
            workload_words(Lang::PtBr, "exponential, mean 1s"),
            "exponencial, média 1 s"
        );
        assert_eq!(
            workload_words(Lang::En, "uniform 200ms..1.5s"),
            "uniform 200ms..1.5s"
        );
        assert_eq!(
            workload_words(Lang::PtBr, "one every 119172ms"),
            "um a cada 119,172 s"
        );
        assert_eq!(
            workload_words(Lang::En, "one every 119172ms"),
            "one every 119.172 s"
        );
        assert_eq!(
            workload_words(Lang::PtBr, "one every 1500ms"),
            "um a cada 1,5 s"
        );
        assert_eq!(workload_words(Lang::En, "one every 0ms"), "all at once");
        assert_eq!(
            workload_words(Lang::PtBr, "one every 0ms"),
            "todos de uma vez"
        );
        assert_eq!(
            workload_words(Lang::En, "uniform 0.5ms..2000ms"),
            "uniform 0.5ms..2 s"
        );
        // "m" is a metre in Portuguese: minutes are "min", whether the
        // summary wrote `10m` (before) or `10min`.
        for written in ["exponential, mean 10m", "exponential, mean 10min"] {
            assert_eq!(
                workload_words(Lang::PtBr, written),
                "exponencial, média 10 min"
            );
        }
        assert_eq!(
            workload_words(Lang::PtBr, "uniform 1m..10m"),
            "uniforme 1 min a 10 min"
        );
    }

    #[test]
    fn counts_agree_with_their_nouns() {
        let one = webhook_reading(Lang::PtBr, "w", 1.0, "1 ms", "2 ms", true);
        assert!(
            one.contains("1,00 requisição de webhook por pedido"),
            "{one}"
        );
        let many = webhook_reading(Lang::PtBr, "w", 2.5, "1 ms", "2 ms", true);
        assert!(many.contains("2,50 requisições de webhook"), "{many}");
        let en = webhook_reading(Lang::En, "w", 1.0, "1 ms", "2 ms", true);
        assert!(en.contains("1.00 webhook requests per order"), "{en}");
        let hybrid = hybrid_reading(Lang::PtBr, "h", [1.0, 0.0, 1.0, 0.0], "1 ms", "2 ms");
        assert!(
            hybrid.contains("1,00 requisição de notificação por pedido (0,00 tentativa de webhook e 1,00 consulta de reconciliação)"),
            "{hybrid}"
        );
        // hybrid-dual of crash-lab: 1 poll answered and 2 refused per order.
        let down = hybrid_reading(Lang::PtBr, "h", [3.0, 0.0, 1.0, 2.0], "1 ms", "2 ms");
        assert!(
            down.contains("(0,00 tentativa de webhook, 1,00 consulta de reconciliação e 2,00 recusadas na conexão com a plataforma fora do ar)"),
            "{down}"
        );
        let none = webhook_reading(Lang::PtBr, "memory", 0.0, "-", "-", false);
        assert!(none.contains("não notificou nenhum pedido"), "{none}");
        assert!(!none.contains("atraso médio de -"), "{none}");
        assert_eq!(missed_clause(Lang::En, 1, None), " 1 order missed.");
        assert_eq!(
            missed_clause(Lang::PtBr, 300, None),
            " 300 pedidos perdidos."
        );
        for text in [one, many, en, none] {
            assert!(!text.contains("(s)") && !text.contains("(ões)"), "{text}");
        }
    }
}
