//! A shop restarted on its `--data` inbox picks up where it stopped: it
//! takes back the webhook endpoint it registered (the id and secret the
//! inbox kept) instead of registering a new one that none of the old
//! events go to, asks the platform to resend what it did not deliver
//! (`recover`, which also enables the endpoint again if it was disabled),
//! and asks again for every order it was waiting for, with the order's own
//! `Idempotency-Key`: the platform answers the payment it already has (and
//! so its status now), or creates it if it never did. No resumed order is
//! waited on with nothing coming to tell its outcome.
//!
//! Restarted with another `--listen`, the endpoint it kept delivers to the
//! old address, where nothing listens: the shop registers one for the new
//! address, removes the old from the platform (which cannot change an
//! endpoint's URL), asks for the old one's undelivered events at the new
//! one, and says so in its line.

use super::Out;
use hooklab_core::clock::Clock;
use hooklab_core::duration::Dur;
use hooklab_core::ids::OrderId;
use hooklab_core::lang::Lang;
use hooklab_core::signature::WebhookSecret;
use hooklab_core::wire::{Outcome, WebhookEndpoint};
use hooklab_core::workload::OrderPlan;
use hooklab_shop::Shop;
use hooklab_shop::client::{ClientError, PlatformClient};
use hooklab_shop::inbox::Inbox;
use hooklab_shop::receiver::Receiver;
use hooklab_shop::resume::{Missed, SavedEndpoint};

/// Every order the demo shop places is this much, so that an order asked
/// for again after a restart is the same request (the platform refuses an
/// `Idempotency-Key` sent again with another body).
pub(super) const AMOUNT_CENTS: u64 = 4_990;

/// The plan of the demo's order `order_id`.
pub(super) fn plan(order_id: OrderId) -> OrderPlan {
    OrderPlan {
        order_id,
        arrive_at: Default::default(),
        settle_after: Dur::ZERO,
        outcome: Outcome::Approved,
        amount_cents: AMOUNT_CENTS,
        merchant: 0,
    }
}

/// How the shop came by its endpoint.
pub(super) enum Subscribed {
    /// Registered now.
    Registered(WebhookEndpoint),
    /// The one its inbox kept, taken back; the platform is resending this
    /// many events it had not delivered.
    Reused(SavedEndpoint, u64),
    /// The inbox kept one for another address (the shop was started with
    /// another `--listen`): registered anew for this one, the old one
    /// removed from the platform, and its undelivered events sent here.
    Moved(Moved),
}

/// An endpoint that moved to the shop's new address (see
/// [`Subscribed::Moved`]).
pub(super) struct Moved {
    /// The endpoint registered for the new address.
    pub endpoint: WebhookEndpoint,
    /// The address the old one delivered to.
    pub from: String,
    /// The old endpoint's id.
    pub old: hooklab_core::ids::EndpointId,
    /// Whether the platform removed the old one (or no longer had it).
    pub removed: bool,
    /// Events the platform is resending to the new one.
    pub resending: u64,
}

/// The shop's endpoint for `url`: the one `inbox` kept, taken back with a
/// recovery, or (none kept, or the platform no longer knows it) a new
/// registration, kept in `inbox` before any order. `receiver` trusts the
/// secret before anything can be sent to it.
pub(super) async fn subscribe(
    shop: &Shop,
    client: &PlatformClient,
    receiver: &Receiver,
    url: &str,
    inbox: Option<&Inbox>,
) -> anyhow::Result<Subscribed> {
    let Some(inbox) = inbox else {
        return Ok(Subscribed::Registered(shop.subscribe(receiver, url).await?));
    };
    if let Some(saved) = inbox.saved_endpoint(url)? {
        receiver.trust(WebhookSecret::parse(&saved.secret)?);
        let since = hooklab_core::clock::rfc3339_from_unix_us(saved.registered_at_us);
        match client.recover_endpoint(&saved.id, &since).await {
            Ok(resending) => {
                shop.platform_reached();
                return Ok(Subscribed::Reused(saved, resending));
            }
            // The platform no longer knows it (it was started afresh, or the
            // endpoint was deleted): registered again below.
            Err(ClientError::Refused { status: 404, .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // Kept for another address: its deliveries go where nothing listens
    // any more. Read before registering, which keeps the new one.
    let elsewhere = inbox.endpoint_elsewhere(url)?;
    let registered_at_us = Clock::system_unix_us();
    let endpoint = shop.subscribe(receiver, url).await?;
    inbox.save_endpoint(
        url,
        &SavedEndpoint {
            id: endpoint.id.clone(),
            secret: endpoint.secret.clone(),
            registered_at_us,
        },
    )?;
    let Some((from, old)) = elsewhere else {
        return Ok(Subscribed::Registered(endpoint));
    };
    // The platform has no way to change an endpoint's URL (it can register,
    // delete, rotate a secret and recover): the new one is registered above,
    // before the old is removed, so no event settles with neither; then the
    // events the old one failed to deliver since it was registered are
    // asked for at the new one.
    let removed = match client.deregister_endpoint(&old.id).await {
        // Gone already (the platform started afresh) is removed too.
        Ok(()) | Err(ClientError::Refused { status: 404, .. }) => true,
        Err(_) => false,
    };
    if removed {
        inbox.forget_endpoint(&from)?;
    }
    let since = hooklab_core::clock::rfc3339_from_unix_us(old.registered_at_us);
    let resending = match client.recover_endpoint(&endpoint.id, &since).await {
        Ok(n) => n,
        // An instant before the platform's lifetime (it started afresh,
        // after the old registration): it has nothing of then to resend.
        Err(ClientError::Refused { status: 422, .. }) => 0,
        Err(e) => return Err(e.into()),
    };
    Ok(Subscribed::Moved(Moved {
        endpoint,
        from,
        old: old.id,
        removed,
        resending,
    }))
}

/// The line that says how the shop came by its endpoint.
pub(super) fn said(out: &Out, url: &str, subscribed: &Subscribed) -> String {
    let now = out.now();
    match (out.lang, subscribed) {
        (Lang::En, Subscribed::Registered(e)) => format!(
            "{now} shop receiving webhooks at {url} (endpoint {}, signing secret {}, signatures checked)",
            e.id, e.secret
        ),
        (Lang::PtBr, Subscribed::Registered(e)) => format!(
            "{now} loja recebendo webhooks em {url} (endpoint {}, segredo de assinatura {}, assinaturas verificadas)",
            e.id, e.secret
        ),
        (Lang::En, Subscribed::Reused(e, n)) => format!(
            "{now} shop receiving webhooks at {url} again (endpoint {}, kept in its inbox; the platform \
             is resending {n} undelivered {})",
            e.id,
            if *n == 1 { "event" } else { "events" }
        ),
        (Lang::PtBr, Subscribed::Reused(e, n)) => format!(
            "{now} loja recebendo webhooks em {url} de novo (endpoint {}, guardado na caixa de entrada; \
             a plataforma está reenviando {n} {})",
            e.id,
            if *n == 1 {
                "evento não entregue"
            } else {
                "eventos não entregues"
            }
        ),
        (Lang::En, Subscribed::Moved(m)) => format!(
            "{now} shop receiving webhooks at {url} (endpoint {}, signing secret {}, signatures checked): \
             its inbox's endpoint {} delivered to {}, {}; the platform is resending {} undelivered {} here",
            m.endpoint.id,
            m.endpoint.secret,
            m.old,
            m.from,
            if m.removed {
                "so it was removed from the platform"
            } else {
                "and could not be removed from the platform (it retries that address until it disables it)"
            },
            m.resending,
            if m.resending == 1 { "event" } else { "events" }
        ),
        (Lang::PtBr, Subscribed::Moved(m)) => format!(
            "{now} loja recebendo webhooks em {url} (endpoint {}, segredo de assinatura {}, assinaturas verificadas): \
             o endpoint {} da caixa de entrada entregava em {}, {}; a plataforma está reenviando {} {} para cá",
            m.endpoint.id,
            m.endpoint.secret,
            m.old,
            m.from,
            if m.removed {
                "então foi removido da plataforma"
            } else {
                "e não foi possível removê-lo da plataforma (ela tenta esse endereço até desativá-lo)"
            },
            m.resending,
            if m.resending == 1 {
                "evento não entregue"
            } else {
                "eventos não entregues"
            }
        ),
    }
}

/// Asks for each of `orders` (resumed from the inbox, already in the
/// shop's book) again, one after the other, with its `Idempotency-Key`: a
/// payment the platform has is answered with its status now (a final one
/// ends the order; a pending one goes on by the shop's strategy), one it
/// never created is created. An order whose creation the platform refuses
/// is recorded in `inbox` as missed, and said; one that got no answer
/// stays waiting for the next start ([`creation_failed`]).
pub(super) async fn ask_again(
    shop: Shop,
    clock: Clock,
    inbox: std::sync::Arc<Inbox>,
    orders: Vec<OrderId>,
    out: Out,
) {
    for order in orders {
        match shop.place_order(&plan(order.clone())).await {
            Ok(()) => {}
            Err(e) => creation_failed(&inbox, &order, &e, &out, clock.now()),
        }
    }
}

/// Why an order whose creation failed with `error` is missed; `None` when
/// it is not: the request got no answer, so the platform may well have
/// made the payment (and will settle it), and the order stays waiting in
/// the inbox for the next start to ask again, with its `Idempotency-Key`.
fn missed_for(error: &ClientError) -> Option<Missed> {
    match error {
        ClientError::Transport(_) | ClientError::TimedOut(_) => None,
        // A payment the platform forgot answers 410: its outcome is gone.
        // (the shop's book ends it unknown too: `is_creation_forgotten`).
        e if e.is_creation_forgotten() => Some(Missed::PaymentGone),
        // Refused: the platform answered, and will not make it.
        _ => Some(Missed::CreationFailed),
    }
}

/// Prints why `order`'s creation failed, and records in `inbox` that it
/// ended without a payment, or (no answer: see [`missed_for`]) says that
/// it stays waiting for the next start.
pub(super) fn creation_failed(
    inbox: &Inbox,
    order: &OrderId,
    error: &ClientError,
    out: &Out,
    at: hooklab_core::clock::Micros,
) {
    out.say(super::failure_line(out, order, error));
    let Some(why) = missed_for(error) else {
        let now = out.now();
        out.say(match out.lang {
            Lang::En => format!(
                "{now} order {order} stays waiting in the inbox: the next start asks for it again"
            ),
            Lang::PtBr => format!(
                "{now} o pedido {order} continua esperando na caixa de entrada: o próximo início pergunta por ele de novo"
            ),
        });
        return;
    };
    if let Err(e) = inbox.missed(order, why, at) {
        // Said, not fatal: a restart would ask for the order again.
        let now = out.now();
        out.say(match out.lang {
            Lang::En => format!("{now} order {order} could not be recorded as missed: {e}"),
            Lang::PtBr => {
                format!("{now} não foi possível registrar o pedido {order} como perdido: {e}")
            }
        });
    }
}

/// Records in `inbox` as missed every order of `book` that ended unknown
/// (its payment gone from the platform), so that a restart does not wait
/// for it for ever; a write that fails is said.
pub(super) fn record_gone(
    inbox: &Inbox,
    book: &hooklab_shop::orders::OrderBook,
    out: &Out,
    at: hooklab_core::clock::Micros,
) {
    if let Err(e) = inbox.missed_gone(book, at) {
        let now = out.now();
        out.say(match out.lang {
            Lang::En => format!("{now} the orders that ended unknown could not be recorded as missed: {e}"),
            Lang::PtBr => format!(
                "{now} não foi possível registrar como perdidos os pedidos que terminaram sem resultado: {e}"
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An order whose creation got no answer may exist on the platform:
    /// it used to be stored as missed when it was placed in this run (and
    /// so never asked for again, though the platform would settle it); now
    /// it stays waiting, as a resumed one did. A refusal is missed, with
    /// its reason.
    #[test]
    fn only_an_answered_refusal_makes_an_order_missed() {
        let no_answer = ClientError::TimedOut(Dur::from_secs(10));
        assert_eq!(missed_for(&no_answer), None);
        let refused = |status: u16| ClientError::Refused {
            status,
            retry_after: None,
            code: "x".to_owned(),
            message: String::new(),
        };
        assert_eq!(missed_for(&refused(401)), Some(Missed::CreationFailed));
        assert_eq!(missed_for(&refused(410)), Some(Missed::PaymentGone));
    }
}
