//! The fixed labels of a report: table headers, chart titles, axes and
//! legends, one [`Msg`] each, with one `match` arm per language.

use hooklab_core::lang::Lang;

/// A fixed label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Table column: the strategy's name.
    Strategy,
    /// Table column: notified orders out of all orders.
    Notified,
    /// Table column: missed orders.
    Missed,
    /// Table column: duplicate notices.
    Dup,
    /// Table column: mean delay, with the model's prediction.
    MeanMsModel,
    /// Table column: median delay.
    P50Ms,
    /// Table column: 99th percentile delay.
    P99Ms,
    /// Table column: largest delay.
    MaxMs,
    /// Table column: requests per order, with the model's prediction.
    ReqPerOrderModel,
    /// Table column: share of wasted polls.
    WastedPolls,
    /// Table column: the measured mean delay and its 95% interval.
    MeanCi,
    /// Table column: the model's mean delay over the scenario's distributions.
    Model,
    /// Table column: the model's mean delay over this run's own draws.
    ModelDraws,
    /// Table column: notification requests per day.
    ReqPerDay,
    /// Table column: polls per day against the webhook strategy's deliveries.
    PollsPerWebhook,
    /// Table column: kilobytes on the wire per order, both directions.
    KbPerOrder,
    /// Table column: connections held open, time-averaged, and their peak.
    ConnsHeld,
    /// Table column: the platform's CPU time per notified order.
    PlatformCpuPerOrder,
    /// Chart title: kilobytes on the wire against delay.
    TradeoffBytesTitle,
    /// Axis: kilobytes per order, log scale.
    KbPerOrderLog,
    /// Heading of the health flags under the table.
    Health,
    /// The grade of a health flag that happened but is too small to move
    /// the numbers (see `crate::health`).
    HealthMild,
    /// Markdown heading of the full table, under the slide.
    AllNumbers,
    /// Slide column: mean delay.
    MeanDelay,
    /// Slide column: requests per order.
    ReqPerOrder,
    /// Slide column: wasted share of polls.
    WastedShort,
    /// Section heading for the charts in Markdown.
    Charts,
    /// Chart title: latency CDF.
    CdfTitle,
    /// Axis: notification delay in ms (log scale).
    DelayAxisLog,
    /// Axis: orders notified by a delay, as a share of all orders (a
    /// strategy that missed some stops short of 100%).
    ShareNotified,
    /// Chart title: outcomes per strategy.
    OutcomesTitle,
    /// Axis of the outcomes' left panel: orders.
    OrdersAxis,
    /// Axis of the outcomes' right panel: notices that were not orders
    /// (duplicates) and the webhook deliveries the receiver refused.
    Notices,
    /// The outcomes' right panel when it has nothing to draw.
    NoNotices,
    /// Legend: notified orders.
    LegendNotified,
    /// Legend: missed orders.
    LegendMissed,
    /// Legend: duplicate notices.
    LegendDuplicates,
    /// Legend: deliveries the receiver refused.
    LegendRejected,
    /// Chart title: requests per order.
    RequestsTitle,
    /// Chart title: notification requests per second over the run.
    TimelineTitle,
    /// Axis: notification requests per second.
    RequestsPerSecond,
    /// Axis: time since the run's start, in seconds.
    TimeSeconds,
    /// Axis: time since the run's start, in minutes.
    TimeMinutes,
    /// Axis: time since the run's start, in hours.
    TimeHours,
    /// Legend suffix: the wasted part of a strategy's polls.
    WastedSuffix,
    /// Axis of the timeline's lower panel: retries and failed deliveries.
    RetriesPerSecond,
    /// Legend suffix: a strategy's webhook retries.
    RetriesSuffix,
    /// Legend suffix: a strategy's failed webhook deliveries.
    FailedSuffix,
    /// Axis: requests per order.
    RequestsPerOrder,
    /// Legend: polls that found the final status.
    UsefulPolls,
    /// Legend: polls that found nothing new.
    WastedPollsLegend,
    /// Legend: webhook delivery attempts.
    WebhookDeliveries,
    /// Legend: the shop's requests a dead platform refused.
    RefusedRequests,
    /// Legend: the shop's requests the platform refused with 429 (its rate
    /// limit), which no req/order counts.
    RateLimitedRequests,
    /// Chart title: the trade-off.
    TradeoffTitle,
    /// Axis: delay in ms (log scale).
    DelayMsLog,
    /// Axis: requests per order (log scale).
    RequestsPerOrderLog,
    /// Legend suffix: mean.
    Mean,
    /// Legend: the model's predicted mean delay.
    ModelMean,
    /// Legend: what a chart's whiskers are (the 95% interval of the
    /// measured value).
    Whisker95,
    /// Legend: the model's value of a bar (a cross).
    ModelMark,
    /// A sweep's curve, in the trade-off chart's legend.
    SweepCurve,
    /// Legend suffix: p99.
    P99,
    /// Warning when the two sides' request counts disagree.
    CountsDisagree,
    /// Table cell suffix, after the duplicates: notices of a conflicting
    /// outcome (`2 + 1 confl.`), shown only when there are some.
    ConflictsShort,
    /// Note under the table when some strategy had conflicting notices.
    ConflictsNote,
    /// Legend: notices of a conflicting outcome.
    LegendConflicts,
}

impl Msg {
    /// The label in `lang`.
    pub fn text(self, lang: Lang) -> &'static str {
        use Lang::{En, PtBr};
        use Msg::*;
        match (self, lang) {
            (Strategy, En) => "strategy",
            (Strategy, PtBr) => "estratégia",
            (Notified, En) => "notified",
            (Notified, PtBr) => "notificados",
            (Missed, En) => "missed",
            (Missed, PtBr) => "perdidos",
            (Dup, En) => "dup",
            (Dup, PtBr) => "duplic.",
            (MeanMsModel, En) => "mean (model)",
            (MeanMsModel, PtBr) => "média (modelo)",
            (P50Ms, En) => "p50",
            (P50Ms, PtBr) => "p50",
            (P99Ms, En) => "p99",
            (P99Ms, PtBr) => "p99",
            (MaxMs, En) => "max",
            (MaxMs, PtBr) => "máx.",
            (ReqPerOrderModel, En) => "req/order (model)",
            (ReqPerOrderModel, PtBr) => "req./pedido (modelo)",
            (WastedPolls, En) => "wasted polls",
            (WastedPolls, PtBr) => "consultas desperdiçadas",
            (MeanCi, En) => "mean ± 95%",
            (MeanCi, PtBr) => "média ± 95%",
            (Model, En) => "model",
            (Model, PtBr) => "modelo",
            (ModelDraws, En) => "model, these draws",
            (ModelDraws, PtBr) => "modelo (sorteios desta execução)",
            (ReqPerDay, En) => "req/day",
            (ReqPerDay, PtBr) => "req./dia",
            (PollsPerWebhook, En) => "polls per webhook",
            (PollsPerWebhook, PtBr) => "consultas por webhook",
            (KbPerOrder, En) => "KB/order",
            (KbPerOrder, PtBr) => "KB/pedido",
            (ConnsHeld, En) => "conns held (max)",
            (ConnsHeld, PtBr) => "conexões abertas (máx.)",
            (PlatformCpuPerOrder, En) => "platform CPU ms/order",
            (PlatformCpuPerOrder, PtBr) => "CPU da plataforma ms/pedido",
            (TradeoffBytesTitle, En) => "Bytes against delay",
            (TradeoffBytesTitle, PtBr) => "Bytes contra atraso",
            (KbPerOrderLog, En) => "KB on the wire per order (log scale)",
            (KbPerOrderLog, PtBr) => "KB na rede por pedido (escala log.)",
            (Health, En) => "Health of the run:",
            (Health, PtBr) => "Saúde da execução:",
            (HealthMild, En) => "mild",
            (HealthMild, PtBr) => "leve",
            (AllNumbers, En) => "All numbers",
            (AllNumbers, PtBr) => "Todos os números",
            (MeanDelay, En) => "mean delay",
            (MeanDelay, PtBr) => "atraso médio",
            (ReqPerOrder, En) => "req/order",
            (ReqPerOrder, PtBr) => "req./pedido",
            (WastedShort, En) => "wasted",
            (WastedShort, PtBr) => "desperd.",
            (Charts, En) => "Charts",
            (Charts, PtBr) => "Gráficos",
            (CdfTitle, En) => "Notification delay, cumulative",
            (CdfTitle, PtBr) => "Atraso da notificação, acumulado",
            (DelayAxisLog, En) => "delay from settlement to notification (log scale)",
            (DelayAxisLog, PtBr) => "atraso entre liquidação e notificação (escala log.)",
            (ShareNotified, En) => "orders notified by then, % of all orders",
            (ShareNotified, PtBr) => "pedidos já notificados, em % de todos os pedidos",
            (OutcomesTitle, En) => "Outcomes per strategy",
            (OutcomesTitle, PtBr) => "Desfecho por estratégia",
            (OrdersAxis, En) => "orders",
            (OrdersAxis, PtBr) => "pedidos",
            (Notices, En) => "duplicate notices and rejected deliveries",
            (Notices, PtBr) => "avisos duplicados e entregas recusadas",
            (NoNotices, En) => "no duplicate notices, no rejected deliveries",
            (NoNotices, PtBr) => "nenhum aviso duplicado, nenhuma entrega recusada",
            (LegendNotified, En) => "notified",
            (LegendNotified, PtBr) => "notificados",
            (LegendMissed, En) => "missed",
            (LegendMissed, PtBr) => "perdidos",
            (LegendDuplicates, En) => "duplicates",
            (LegendDuplicates, PtBr) => "duplicados",
            (LegendRejected, En) => "rejected deliveries",
            (LegendRejected, PtBr) => "entregas recusadas",
            (TimelineTitle, En) => "Notification requests per second, over the run",
            (TimelineTitle, PtBr) => "Requisições de notificação por segundo, ao longo da execução",
            (RequestsPerSecond, En) => "notification requests per second",
            (RequestsPerSecond, PtBr) => "requisições de notificação por segundo",
            (TimeSeconds, En) => "time since the start (s)",
            (TimeSeconds, PtBr) => "tempo desde o início (s)",
            (TimeMinutes, En) => "time since the start (min)",
            (TimeMinutes, PtBr) => "tempo desde o início (min)",
            (TimeHours, En) => "time since the start (h)",
            (TimeHours, PtBr) => "tempo desde o início (h)",
            (RetriesPerSecond, En) => "retries and failures per s",
            (RetriesPerSecond, PtBr) => "tentativas e falhas por s",
            (RetriesSuffix, En) => "retries",
            (RetriesSuffix, PtBr) => "novas tentativas",
            (FailedSuffix, En) => "failed deliveries",
            (FailedSuffix, PtBr) => "entregas que falharam",
            (WastedSuffix, En) => "wasted",
            (WastedSuffix, PtBr) => "desperdiçadas",
            (RequestsTitle, En) => "Notification requests per order",
            (RequestsTitle, PtBr) => "Requisições de notificação por pedido",
            (RequestsPerOrder, En) => "requests per order",
            (RequestsPerOrder, PtBr) => "requisições por pedido",
            (UsefulPolls, En) => "polls that found the outcome",
            (UsefulPolls, PtBr) => "consultas que acharam o desfecho",
            (WastedPollsLegend, En) => "wasted polls",
            (WastedPollsLegend, PtBr) => "consultas desperdiçadas",
            (RefusedRequests, En) => "requests refused (platform down)",
            (RefusedRequests, PtBr) => "requisições recusadas (plataforma fora do ar)",
            (RateLimitedRequests, En) => "requests refused with 429 (rate limit; not in req/order)",
            (RateLimitedRequests, PtBr) => {
                "requisições recusadas com 429 (limite de taxa; fora de req./pedido)"
            }
            (WebhookDeliveries, En) => "webhook deliveries",
            (WebhookDeliveries, PtBr) => "entregas de webhook",
            (TradeoffTitle, En) => "Requests against delay",
            (TradeoffTitle, PtBr) => "Requisições contra atraso",
            (DelayMsLog, En) => "delay (log scale)",
            (DelayMsLog, PtBr) => "atraso (escala log.)",
            (RequestsPerOrderLog, En) => "requests per order (log scale)",
            (RequestsPerOrderLog, PtBr) => "requisições por pedido (escala log.)",
            (Mean, En) => "mean",
            (Mean, PtBr) => "média",
            (ModelMean, En) => "model's mean",
            (ModelMean, PtBr) => "média do modelo",
            (Whisker95, En) => "whisker: 95% interval",
            (Whisker95, PtBr) => "barra de erro: intervalo de 95%",
            (ModelMark, En) => "model",
            (ModelMark, PtBr) => "modelo",
            (SweepCurve, En) => "sweep",
            (SweepCurve, PtBr) => "varredura",
            (P99, En) => "p99",
            (P99, PtBr) => "p99",
            (CountsDisagree, En) => {
                "WARNING: for at least one strategy, the platform's and the shop's request counts disagree (see summary.json, counts_agree)."
            }
            (CountsDisagree, PtBr) => {
                "ATENÇÃO: em pelo menos uma estratégia, as contagens de requisições da plataforma e da loja não batem (veja summary.json, counts_agree)."
            }
            (ConflictsShort, En) => "confl.",
            (ConflictsShort, PtBr) => "confl.",
            (ConflictsNote, En) => {
                "\"+ N confl.\" after the duplicates: notices that told the shop a final outcome other than the one it already knew (declined for an order known approved); the first outcome stands, and they are counted apart from the duplicates (summary.json, conflicts)."
            }
            (ConflictsNote, PtBr) => {
                "\"+ N confl.\" depois dos duplicados: avisos que deram à loja um desfecho final diferente do que ela já conhecia (recusado para um pedido já aprovado); vale o primeiro desfecho, e eles são contados à parte dos duplicados (summary.json, conflicts)."
            }
            (LegendConflicts, En) => "conflicting outcomes",
            (LegendConflicts, PtBr) => "desfechos conflitantes",
        }
    }
}
