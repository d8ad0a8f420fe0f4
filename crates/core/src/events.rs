//! What happens during a run, one event at a time.
//!
//! The platform and the shop announce each thing that happens (an order
//! placed, a poll answered, a delivery attempted, an outcome learned) to an
//! [`EventSink`]. Nobody has to listen: a measured run's sink is off, and an
//! event is then never even built ([`EventSink::emit`] takes a closure). When
//! someone listens, the same events become:
//!
//! - the lines `hooklab platform` and `hooklab shop` print, one per request,
//!   so a class can watch polling hammer the platform while webhooks sit
//!   quiet ([`RunEvent::line`]);
//! - the run's timeline (requests per second by kind, each order's life),
//!   saved beside the summary for charts and replays;
//! - the live classroom page's feed.

use crate::clock::Micros;
use crate::ids::{OrderId, PaymentId};
use crate::lang::Lang;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The reasons a delivery is refused, as `summary.json`'s `rejected` and
/// the timeline's `rejected_by_reason` both name them: one definition, so
/// the two always count the same refusals.
pub mod rejection {
    /// The receiver was down (a `[[faults.receiver_down]]` window of mode
    /// `unavailable`) and answered 503.
    pub const INJECTED_503: &str = "injected_503";
    /// The receiver's error rate (`receiver_error_rate`) answered 500.
    pub const INJECTED_500: &str = "injected_500";
    /// The body was not JSON, or not a payment event of the documented shape
    /// (400).
    pub const INVALID_BODY: &str = "invalid_body";
    /// The connection was refused (a down window of mode `refuse`): the
    /// receiver never saw the request.
    pub const REFUSED: &str = "refused";
    /// The shop crashed (a `shop_crash` fault) while its receiver was
    /// processing the delivery: answered 503, nothing recorded, so the
    /// sender tries again.
    pub const SHOP_CRASHED: &str = "shop_crashed";

    /// The name of a signature rejection: `signature_` and its short reason.
    pub fn signature(r: crate::signature::Rejection) -> &'static str {
        use crate::signature::Rejection;
        match r {
            Rejection::Missing => "signature_missing",
            Rejection::Malformed => "signature_malformed",
            Rejection::Stale => "signature_stale",
            Rejection::Mismatch => "signature_mismatch",
        }
    }
}

/// One thing that happened, and when (on the run's clock).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEvent {
    /// When, in µs since the run's origin.
    pub at: Micros,
    /// What.
    #[serde(flatten)]
    pub what: Happening,
}

/// The things that happen in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Happening {
    /// The shop placed an order (and is about to ask for its payment).
    OrderPlaced {
        /// The order.
        order: OrderId,
    },
    /// The platform settled a payment (at its scheduled instant).
    Settled {
        /// The order.
        order: OrderId,
        /// The payment.
        payment: PaymentId,
        /// `approved` or `declined`.
        outcome: String,
    },
    /// The shop got an answer to a status poll.
    Poll {
        /// The order polled.
        order: OrderId,
        /// Whether the answer was still `pending` (a wasted poll).
        pending: bool,
        /// Whether it was a hybrid's reconciliation poll.
        reconcile: bool,
    },
    /// The shop got a page of the event log.
    EventPoll {
        /// Events on the page.
        found: u32,
    },
    /// The platform refused one of the shop's requests with 429.
    RateLimited,
    /// The platform made a webhook delivery attempt.
    Delivery {
        /// The order the event is about.
        order: OrderId,
        /// 1 for the first attempt.
        attempt: u32,
        /// `HTTP 200`, `HTTP 503`, `connect`, `timeout`…
        result: String,
        /// Whether the receiver accepted it (2xx).
        ok: bool,
    },
    /// A delivery was refused: by the shop's receiver (bad signature, bad
    /// body, an injected fault) or at connect (a receiver down refusing
    /// connections).
    Rejected {
        /// Why, one of the names of [`rejection`]: `signature_mismatch`,
        /// `signature_stale`, `signature_missing`, `signature_malformed`,
        /// `injected_503`, `injected_500`, `invalid_body`, `refused`,
        /// `shop_crashed`.
        reason: String,
    },
    /// The shop learned an order's final status.
    Known {
        /// The order.
        order: OrderId,
        /// `poll`, `webhook` or `creation`.
        via: String,
        /// `approved` or `declined`.
        status: String,
    },
    /// The shop was told again about an order it already knew.
    Duplicate {
        /// The order.
        order: OrderId,
    },
    /// The shop was told a final outcome that contradicts the one it
    /// already knew (`payment.declined` after `payment.approved`): the
    /// first final outcome stands, and the contradiction is said, not
    /// passed off as a duplicate.
    Conflict {
        /// The order.
        order: OrderId,
        /// The outcome the shop knew, and keeps.
        known: String,
        /// The outcome the notice claimed.
        told: String,
    },
    /// A merchant registered a webhook endpoint with the platform.
    EndpointRegistered {
        /// The endpoint's id.
        endpoint: String,
        /// Where events will go.
        url: String,
    },
    /// The platform stopped delivering to an endpoint.
    EndpointDisabled {
        /// The endpoint's id.
        endpoint: String,
        /// Why (`20 consecutive failed attempts`, `410 Gone`).
        reason: String,
    },
    /// The shop's receiver acknowledged a signed event about an order it
    /// does not know, and did not apply it (announced at most once per
    /// throttle window: see `hooklab_shop::receiver`).
    UnknownOrder {
        /// The order the event names.
        order: OrderId,
        /// How many more such events came since the last announcement.
        unsaid: u64,
    },
}

impl RunEvent {
    /// One line for a person watching (`+1.250s poll ord_000003: pending`),
    /// stamped with the time since the run's origin.
    pub fn line(&self) -> String {
        self.line_in(Lang::En, &format!("+{:.3}s", self.at.0 as f64 / 1e6))
    }

    /// The same line in `lang`, after the stamp `t` the caller chose (the demo
    /// commands print the wall-clock time of day, so two terminals line up).
    pub fn line_in(&self, lang: Lang, t: &str) -> String {
        let pt = lang == Lang::PtBr;
        match &self.what {
            Happening::OrderPlaced { order } => match pt {
                false => format!("{t} order {order} placed"),
                true => format!("{t} pedido {order} feito"),
            },
            Happening::Settled {
                order,
                payment,
                outcome,
            } => match pt {
                false => format!("{t} settled {payment} ({order}): {outcome}"),
                true => format!("{t} liquidado {payment} ({order}): {}", outcome_pt(outcome)),
            },
            Happening::Poll {
                order,
                pending,
                reconcile,
            } => {
                let (what, answer) = match (pt, *reconcile, *pending) {
                    (false, r, p) => (
                        if r { "reconcile poll" } else { "poll" },
                        if p { "still pending (wasted)" } else { "final" },
                    ),
                    (true, r, p) => (
                        if r {
                            "consulta de reconciliação"
                        } else {
                            "consulta"
                        },
                        if p {
                            "ainda pendente (desperdiçada)"
                        } else {
                            "final"
                        },
                    ),
                };
                format!("{t} {what} {order}: {answer}")
            }
            Happening::EventPoll { found } => match pt {
                false => format!("{t} event-log poll: {found} new event(s)"),
                true => format!("{t} consulta ao registro de eventos: {found} evento(s) novo(s)"),
            },
            Happening::RateLimited => match pt {
                false => format!("{t} 429 rate limited"),
                true => format!("{t} 429 limite de requisições atingido"),
            },
            Happening::Delivery {
                order,
                attempt,
                result,
                ok,
            } => match pt {
                false => {
                    let verdict = if *ok { "delivered" } else { "FAILED" };
                    format!("{t} webhook {order} attempt {attempt}: {result} ({verdict})")
                }
                true => {
                    let verdict = if *ok { "entregue" } else { "FALHOU" };
                    // Every result the dispatcher words (`AttemptResult::
                    // explain`): `broken` and the refused signature's
                    // sentence were left in English.
                    let result = match result.as_str() {
                        "connect" => "conexão recusada".to_owned(),
                        "broken" => "conexão interrompida".to_owned(),
                        "timeout" => "tempo esgotado".to_owned(),
                        "bad_url" => "URL inválida".to_owned(),
                        "response_too_large" => "resposta grande demais".to_owned(),
                        other => match other.strip_suffix(", the receiver refused the signature") {
                            Some(status) => format!("{status}, o receptor recusou a assinatura"),
                            None => other.to_owned(),
                        },
                    };
                    format!("{t} webhook {order} tentativa {attempt}: {result} ({verdict})")
                }
            },
            Happening::Rejected { reason } => match pt {
                false => format!("{t} receiver REJECTED a delivery: {reason}"),
                true => {
                    let reason = match reason.as_str() {
                        "signature_mismatch" => "assinatura não confere",
                        "signature_stale" => "carimbo de tempo velho demais",
                        "signature_missing" => "sem assinatura",
                        "signature_malformed" => "assinatura malformada",
                        rejection::INJECTED_503 => "receptor fora do ar (503 injetado)",
                        rejection::INJECTED_500 => "erro injetado (500)",
                        rejection::INVALID_BODY => "corpo inválido",
                        rejection::REFUSED => "conexão recusada",
                        rejection::SHOP_CRASHED => "a loja caiu enquanto a processava",
                        other => other,
                    };
                    format!("{t} receptor RECUSOU uma entrega: {reason}")
                }
            },
            Happening::Known { order, via, status } => match pt {
                false => format!("{t} shop knows {order}: {status} (by {via})"),
                true => {
                    let via = match via.as_str() {
                        "poll" => "consulta",
                        "creation" => "criação",
                        other => other,
                    };
                    format!("{t} loja sabe {order}: {} (por {via})", outcome_pt(status))
                }
            },
            Happening::Duplicate { order } => match pt {
                false => format!("{t} duplicate notice for {order} (ignored)"),
                true => format!("{t} aviso duplicado de {order} (ignorado)"),
            },
            Happening::Conflict { order, known, told } => match pt {
                false => format!(
                    "{t} CONFLICTING notice for {order}: it says {told}, but the shop already knew {known} (the first outcome stands)"
                ),
                true => format!(
                    "{t} aviso CONFLITANTE de {order}: diz {}, mas a loja já sabia {} (vale o primeiro resultado)",
                    outcome_pt(told),
                    outcome_pt(known)
                ),
            },
            Happening::EndpointRegistered { endpoint, url } => match pt {
                false => format!("{t} webhook endpoint {endpoint} registered: {url}"),
                true => format!("{t} endpoint de webhook {endpoint} registrado: {url}"),
            },
            Happening::EndpointDisabled { endpoint, reason } => match pt {
                false => format!("{t} webhook endpoint {endpoint} DISABLED: {reason}"),
                true => format!(
                    "{t} endpoint de webhook {endpoint} DESATIVADO: {}",
                    disabled_reason_pt(reason)
                ),
            },
            Happening::UnknownOrder { order, unsaid } => {
                let line = match pt {
                    false => format!(
                        "{t} signed event about {order}, an order this shop does not know: \
                         acknowledged (2xx), not applied (another shop's on the same account, \
                         or an order placed before a restart without --data)"
                    ),
                    true => format!(
                        "{t} evento assinado sobre {order}, um pedido que esta loja não conhece: \
                         confirmado (2xx), não aplicado (de outra loja na mesma conta, ou um \
                         pedido feito antes de um reinício sem --data)"
                    ),
                };
                match (unsaid, pt) {
                    (0, _) => line,
                    (n, false) => format!("{line}; {n} more since the last such line"),
                    (n, true) => format!("{line}; mais {n} desde a última linha como esta"),
                }
            }
        }
    }

    /// Whether a line of this kind comes in storms (an unsigned flood), so a
    /// printer should summarise repeats rather than print each.
    pub fn floods(&self) -> bool {
        matches!(
            self.what,
            Happening::Rejected { .. } | Happening::RateLimited
        )
    }
}

/// A payment outcome in Portuguese (the wire keeps the English word).
fn outcome_pt(outcome: &str) -> &str {
    match outcome {
        "approved" => "aprovado",
        "declined" => "recusado",
        "pending" => "pendente",
        other => other,
    }
}

/// Where run events go: nowhere (the default) or a callback.
#[derive(Clone, Default)]
pub struct EventSink(Option<Arc<dyn Fn(RunEvent) + Send + Sync>>);

impl std::fmt::Debug for EventSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "EventSink(on)"
        } else {
            "EventSink(off)"
        })
    }
}

impl EventSink {
    /// A sink that hands each event to `listener`.
    pub fn to(listener: impl Fn(RunEvent) + Send + Sync + 'static) -> Self {
        EventSink(Some(Arc::new(listener)))
    }

    /// Whether anyone listens.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Announces what `make` builds, at `at`, if anyone listens.
    pub fn emit(&self, at: Micros, make: impl FnOnce() -> Happening) {
        if let Some(listener) = &self.0 {
            listener(RunEvent { at, what: make() });
        }
    }
}

/// Why the platform disabled an endpoint, in Portuguese: the dispatcher
/// words its two reasons in English (`20 consecutive failed attempts`, `it
/// answered 410 Gone`); anything else is quoted as it is.
fn disabled_reason_pt(reason: &str) -> String {
    if let Some(run) = reason.strip_suffix(" consecutive failed attempts") {
        return format!("{run} tentativas seguidas falharam");
    }
    match reason {
        "it answered 410 Gone" => "ele respondeu 410 Gone (não existe mais)".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn a_disabled_endpoint_says_why_in_portuguese() {
        let e = RunEvent {
            at: Micros(0),
            what: Happening::EndpointDisabled {
                endpoint: "we_1".to_owned(),
                reason: "20 consecutive failed attempts".to_owned(),
            },
        };
        assert_eq!(
            e.line_in(Lang::PtBr, "09:41:07.123"),
            "09:41:07.123 endpoint de webhook we_1 DESATIVADO: 20 tentativas seguidas falharam"
        );
    }

    /// A user's finding: a delivery to a receiver that closed the
    /// connection early printed `tentativa 1: broken (FALHOU)`.
    #[test]
    fn every_delivery_result_is_said_in_portuguese() {
        let line = |result: &str| {
            RunEvent {
                at: Micros(0),
                what: Happening::Delivery {
                    order: OrderId::numbered(1),
                    attempt: 1,
                    result: result.to_owned(),
                    ok: false,
                },
            }
            .line_in(Lang::PtBr, "09:41:07,123")
        };
        assert_eq!(
            line("broken"),
            "09:41:07,123 webhook ord_000001 tentativa 1: conexão interrompida (FALHOU)"
        );
        assert!(line("response_too_large").contains("resposta grande demais"));
        assert!(line("bad_url").contains("URL inválida"));
        assert_eq!(
            line("HTTP 401, the receiver refused the signature"),
            "09:41:07,123 webhook ord_000001 tentativa 1: HTTP 401, o receptor recusou a assinatura (FALHOU)"
        );
        assert!(line("HTTP 503").contains("tentativa 1: HTTP 503 (FALHOU)"));
    }

    #[test]
    fn an_off_sink_builds_nothing_and_an_on_sink_gets_events() {
        let off = EventSink::default();
        off.emit(Micros(0), || {
            unreachable!("an off sink never builds its event")
        });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let tap = seen.clone();
        let on = EventSink::to(move |e| tap.lock().unwrap().push(e));
        on.emit(Micros(1_250_000), || Happening::Poll {
            order: OrderId::numbered(3),
            pending: true,
            reconcile: false,
        });
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen[0].line(),
            "+1.250s poll ord_000003: still pending (wasted)"
        );
        assert_eq!(
            seen[0].line_in(Lang::PtBr, "09:41:07.123"),
            "09:41:07.123 consulta ord_000003: ainda pendente (desperdiçada)"
        );
        let json = serde_json::to_string(&seen[0]).unwrap();
        assert_eq!(
            json,
            r#"{"at":1250000,"kind":"poll","order":"ord_000003","pending":true,"reconcile":false}"#
        );
    }
}
