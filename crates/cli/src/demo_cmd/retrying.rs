//! The shop's line while a payment's creation is being retried: the
//! platform died or is refusing for a while, and a shop at a terminal tries
//! each creation again for two minutes (see
//! `hooklab_shop::creation::CreationRetry::INTERACTIVE`). Without a line,
//! those minutes looked like a hung shop; the shop's
//! [`RetryNotices`] bound the lines to one when retrying starts and then one
//! every ten seconds, however many orders wait.

use super::Out;
use hooklab_core::duration::Dur;
use hooklab_core::lang::Lang;
use hooklab_shop::client::ClientError;
use hooklab_shop::creation::{RetryNotices, Retrying};
use std::sync::Arc;

/// Notices that print [`line()`] on `out`.
pub(super) fn notices(out: &Out) -> Arc<RetryNotices> {
    let out = out.clone();
    Arc::new(RetryNotices::new(move |retrying| {
        out.say(line(&out, retrying));
    }))
}

/// "platform unreachable (no answer), retrying order ord_… for another
/// 118s (and 3 other orders)", in the language.
pub(super) fn line(out: &Out, r: &Retrying<'_>) -> String {
    let now = out.now();
    // Whole seconds (at least one): the budget's milliseconds are noise
    // here, and rounded down the line never promises more than is left.
    let left = out.dur(Dur::from_secs((r.left.as_us() / 1_000_000).max(1)));
    let (order, others) = (r.order, r.others);
    match out.lang {
        Lang::En => {
            let and = match others {
                0 => String::new(),
                1 => " (and 1 other order)".to_owned(),
                n => format!(" (and {n} other orders)"),
            };
            format!(
                "{now} {}, retrying order {order} for another {left}{and}",
                why(Lang::En, r.why)
            )
        }
        Lang::PtBr => {
            let and = match others {
                0 => String::new(),
                1 => " (e mais 1 pedido)".to_owned(),
                n => format!(" (e mais {n} pedidos)"),
            };
            format!(
                "{now} {}, tentando de novo o pedido {order} por mais {left}{and}",
                why(Lang::PtBr, r.why)
            )
        }
    }
}

/// Why the creation is being retried, as the line opens.
fn why(lang: Lang, error: &ClientError) -> String {
    match (lang, error) {
        (Lang::En, ClientError::Refused { status: 429, .. }) => {
            "platform rate-limiting this shop (429)".to_owned()
        }
        (Lang::PtBr, ClientError::Refused { status: 429, .. }) => {
            "plataforma limitando a taxa desta loja (429)".to_owned()
        }
        (Lang::En, ClientError::Refused { status, .. }) => {
            format!("platform unavailable ({status})")
        }
        (Lang::PtBr, ClientError::Refused { status, .. }) => {
            format!("plataforma indisponível ({status})")
        }
        (Lang::En, ClientError::TimedOut(_)) => "platform not answering (timed out)".to_owned(),
        (Lang::PtBr, ClientError::TimedOut(_)) => {
            "plataforma sem responder (tempo esgotado)".to_owned()
        }
        (Lang::En, _) => "platform unreachable (no answer)".to_owned(),
        (Lang::PtBr, _) => "plataforma inacessível (sem resposta)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklab_core::ids::OrderId;

    /// The line names the cause, the order and the time left in whole
    /// seconds, and counts the other orders waiting, in each language.
    #[test]
    fn the_line_says_why_which_order_and_for_how_long() {
        let order = OrderId("ord_7".to_owned());
        let no_answer = ClientError::TimedOut(Dur::from_secs(5));
        let busy = ClientError::Refused {
            status: 503,
            retry_after: None,
            code: "unavailable".to_owned(),
            message: "restarting".to_owned(),
        };
        let retrying = |why, others| Retrying {
            order: &order,
            why,
            left: Dur::from_ms(117_200),
            others,
        };
        for (lang, why, others, said) in [
            (
                Lang::En,
                &no_answer,
                0,
                "12:41:07.123 platform not answering (timed out), retrying order ord_7 for another 117s",
            ),
            (
                Lang::En,
                &busy,
                3,
                "12:41:07.123 platform unavailable (503), retrying order ord_7 for another 117s (and 3 other orders)",
            ),
            (
                Lang::PtBr,
                &no_answer,
                1,
                "12:41:07,123 plataforma sem responder (tempo esgotado), tentando de novo o pedido ord_7 por mais 117 s (e mais 1 pedido)",
            ),
            (
                Lang::PtBr,
                &busy,
                0,
                "12:41:07,123 plataforma indisponível (503), tentando de novo o pedido ord_7 por mais 117 s",
            ),
        ] {
            let out = super::super::out::for_test(lang);
            assert_eq!(line(&out, &retrying(why, others)), said);
        }
    }
}
