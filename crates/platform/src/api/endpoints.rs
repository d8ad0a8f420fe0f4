//! Webhook endpoints: register, rotate a secret, recover failed events.

use super::{Caller, refuse};
use crate::Shared;
use crate::error::ApiError;
use crate::i18n::Said;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hooklab_core::ids::EndpointId;
use hooklab_core::wire::{CreateEndpoint, RecoverRequest, WebhookEndpoint};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The longest webhook URL the API takes, in bytes: what browsers and
/// most servers take in a request line, and far more than any receiver's
/// address needs. A longer one is refused for its length, not as "not a
/// URL".
pub const MAX_URL_BYTES: usize = 2_048;

/// Whether `uri` is on the platform's own address and port, `own` (its
/// listening address, when it serves on a socket): deliveries would be
/// POSTed to the platform itself, whatever the path (`/` answers 404
/// `no_route` to every delivery, `/v1/payments` 401). Without a known
/// address (the harness's in-memory pipes) nothing is refused. `uri`'s host
/// is already a dotted quad, a bracketed IPv6 address or `localhost`
/// ([`canonical`]).
fn on_own_address(uri: &http::Uri, own: Option<&std::net::SocketAddr>) -> bool {
    let Some(own) = own else {
        return false;
    };
    let same_port = uri.port_u16().unwrap_or(80) == own.port();
    let host = uri.host().unwrap_or("").trim_matches(['[', ']']);
    let same_host = host.eq_ignore_ascii_case("localhost")
        || own.ip().is_unspecified()
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip == own.ip());
    same_port && same_host
}

/// `url` with its host written as the dotted quad when it is an IPv4
/// address in another form (`http://127.1:8080/x` is
/// `http://127.0.0.1:8080/x`, as `hooklab check`, curl and reqwest read
/// it; see [`hooklab_core::http::numeric_ipv4`]): the form every part of
/// the platform reads alike (the loopback rule, the delivery's transport,
/// the store). Any other URL is kept as it is.
fn canonical(url: String, uri: http::Uri) -> (String, http::Uri) {
    let Some(host) = uri.host() else {
        return (url, uri);
    };
    let Some(ip) = hooklab_core::http::numeric_ipv4(host) else {
        return (url, uri);
    };
    if ip.to_string() == host {
        return (url, uri);
    }
    let port = uri.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let scheme = uri.scheme_str().unwrap_or("http");
    let written = format!("{scheme}://{ip}{port}{path}");
    match written.parse() {
        Ok(rewritten) => (written, rewritten),
        Err(_) => (url, uri),
    }
}

/// Why `uri` is not one the platform delivers to (not plain `http://` on
/// loopback), in both languages: the core's English
/// ([`hooklab_core::http::ensure_loopback`]) and its Portuguese.
fn not_deliverable(uri: &http::Uri) -> Option<Said> {
    let e = hooklab_core::http::ensure_loopback(uri).err()?;
    // The refusal's cause says why; the error itself only says "bad URL".
    let en = std::error::Error::source(&e).map_or_else(|| e.to_string(), |c| c.to_string());
    let shown = crate::error::quoted(&uri.to_string());
    let pt = match uri.host() {
        None => format!("`{shown}` não tem host"),
        Some(_) if uri.scheme_str() != Some("http") => {
            format!("`{shown}`: só há suporte a http:// simples em loopback")
        }
        Some(host) if hooklab_core::http::is_rooted_localhost(host) => format!(
            "`{shown}`: escreva `localhost` sem o ponto final (`localhost.` pode ser consultado via DNS, fora desta máquina), ou 127.0.0.1"
        ),
        Some(_) => format!(
            "`{shown}` não está em loopback (127.0.0.0/8, ::1, localhost); o hooklab só conversa com esta máquina"
        ),
    };
    Some(Said::new(en, pt))
}

/// The endpoint `url` names, checked: `Err` says what is wrong with it.
/// Returns the URL as it is stored and shown (its host as a dotted quad,
/// see [`canonical`]) and its parse.
fn checked_url(
    url: String,
    own: Option<&std::net::SocketAddr>,
) -> Result<(String, http::Uri), ApiError> {
    let refused = |message: Said| ApiError::InvalidField {
        field: "url",
        message,
    };
    // First: a 1.5 MB URL was answered "is not a URL", quoting 80
    // characters of it.
    if url.len() > MAX_URL_BYTES {
        return Err(refused(Said::new(
            format!(
                "is {} bytes long; a webhook URL may be at most {MAX_URL_BYTES} bytes",
                url.len()
            ),
            format!(
                "tem {} bytes; uma URL de webhook pode ter no máximo {MAX_URL_BYTES} bytes",
                url.len()
            ),
        )));
    }
    let uri: http::Uri = url.parse().map_err(|_| {
        let shown = crate::error::quoted(&url);
        refused(Said::new(
            format!("`{shown}` is not a URL"),
            format!("`{shown}` não é uma URL"),
        ))
    })?;
    // Before any message quotes the URL: it would print the password.
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(refused(Said::new(
            "must not carry a user name or password (user:password@): deliveries \
             are authenticated by their signature, and the URL is printed and stored",
            "não pode levar nome de usuário nem senha (usuário:senha@): as entregas \
             são autenticadas pela assinatura, e a URL é exibida e guardada",
        )));
    }
    // A fragment is no part of where a delivery goes: `http::Uri`
    // drops it, and the URL was stored and shown with it
    // (`hooklab check` refuses it too).
    if url.contains('#') {
        let shown = crate::error::quoted(&url);
        return Err(refused(Said::new(
            format!(
                "`{shown}` has a fragment (#…), which no delivery sends: give the receiver's URL as a scheme, a host, a port and a path, such as http://127.0.0.1:8080/webhooks/payments"
            ),
            format!(
                "`{shown}` tem um fragmento (#…), que nenhuma entrega envia: informe a URL do receptor com esquema, host, porta e caminho, como http://127.0.0.1:8080/webhooks/payments"
            ),
        )));
    }
    let (url, uri) = canonical(url, uri);
    if let Some(why) = not_deliverable(&uri) {
        return Err(refused(why));
    }
    if on_own_address(&uri, own) {
        let shown = crate::error::quoted(&url);
        return Err(refused(Said::new(
            format!(
                "`{shown}` is this platform's own address and port, where its own API listens: a webhook endpoint must be the receiver's URL, such as http://127.0.0.1:8080/webhooks/payments"
            ),
            format!(
                "`{shown}` é o endereço e a porta desta própria plataforma, onde a API dela escuta: um endpoint de webhook deve ser a URL do receptor, como http://127.0.0.1:8080/webhooks/payments"
            ),
        )));
    }
    // `http::Uri` takes any digits as a port (and then reports none); a
    // socket takes 1 to 65535.
    let spelled_port = uri
        .authority()
        .and_then(|a| a.as_str().rsplit_once(':'))
        .is_some_and(|(_, port)| !port.contains(']'));
    if spelled_port && uri.port_u16().is_none_or(|p| p == 0) {
        let shown = crate::error::quoted(&url);
        return Err(refused(Said::new(
            format!("`{shown}`: a port is a number from 1 to 65535"),
            format!("`{shown}`: uma porta é um número de 1 a 65535"),
        )));
    }
    Ok((url, uri))
}

/// `POST /v1/webhook_endpoints`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    _: super::query::NoQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let result = (|| {
        super::content::readable(&headers)?;
        let req: CreateEndpoint = ApiError::parse_json(&body)?;
        let (url, uri) = checked_url(req.url, shared.own_addr.get())?;
        let mut ledger = shared.ledger();
        let (record, replaced) = ledger.add_endpoint(&merchant, url, uri);
        shared
            .store
            .endpoint_saved(
                &record,
                Some(ledger.endpoints_registered()),
                &replaced,
                &shared.clock,
            )
            .map_err(|e| shared.store_failed(e))?;
        Ok((record, replaced))
    })();
    let (record, replaced) = result.map_err(|e| refuse(&shared, e))?;
    for old in &replaced {
        tracing::info!(old = %old, new = %record.id, url = %record.url, "endpoint replaced by a registration for the same URL");
    }
    shared
        .served
        .endpoint_registrations
        .fetch_add(1, Ordering::Relaxed);
    shared.config.events.emit(shared.clock.now(), || {
        hooklab_core::events::Happening::EndpointRegistered {
            endpoint: record.id.to_string(),
            url: record.url.clone(),
        }
    });
    let body = WebhookEndpoint {
        id: record.id,
        url: record.url,
        secret: record.secret.to_text(),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `DELETE /v1/webhook_endpoints/{id}`: no more deliveries to it.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    _: super::query::NoQuery,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let endpoint = EndpointId(id.clone());
    let removed = {
        let mut ledger = shared.ledger();
        let removed = ledger.remove_endpoint(&merchant, &endpoint);
        if removed {
            shared
                .store
                .endpoint_removed(&endpoint)
                .map_err(|e| shared.store_failed(e))?;
        }
        removed
    };
    if !removed {
        return Err(refuse(
            &shared,
            ApiError::NotFound {
                what: "webhook endpoint",
                id,
            },
        ));
    }
    Ok((
        StatusCode::OK,
        Json(json!({ "id": endpoint, "deleted": true })),
    )
        .into_response())
}

/// `POST /v1/webhook_endpoints/{id}/rotate_secret`: a new secret now; the old
/// one keeps signing (beside the new) for the configured grace period.
pub(crate) async fn rotate_secret(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    _: super::query::NoQuery,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    // No body is read here; one that is sent is checked all the same (see
    // `content`).
    if !body.is_empty() {
        super::content::readable(&headers).map_err(|e| refuse(&shared, e))?;
    }
    let now = shared.clock.now();
    let grace = shared.config.secret_grace;
    let rotated = {
        let mut ledger = shared.ledger();
        let rotated = ledger.rotate_secret(&merchant, &EndpointId(id.clone()), now, grace);
        if let Some(record) = &rotated {
            shared
                .store
                .endpoint_saved(record, None, &[], &shared.clock)
                .map_err(|e| shared.store_failed(e))?;
        }
        rotated
    };
    let record = rotated.ok_or_else(|| {
        refuse(
            &shared,
            ApiError::NotFound {
                what: "webhook endpoint",
                id,
            },
        )
    })?;
    let body = json!({
        "id": record.id,
        "url": record.url,
        "secret": record.secret.to_text(),
        "previous_secret_valid_until": shared.clock.rfc3339(now.plus(grace)),
    });
    Ok((StatusCode::OK, Json(body)).into_response())
}

/// `POST /v1/webhook_endpoints/{id}/recover` with `{"since"}`: enables the
/// endpoint again if it was disabled, and resends every event of the
/// merchant created since then that no endpoint acknowledged and nothing is
/// still delivering (see `Ledger::failed_since`).
pub(crate) async fn recover(
    State(shared): State<Arc<Shared>>,
    Caller(merchant): Caller,
    _: super::query::NoQuery,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let endpoint = EndpointId(id.clone());
    let result = (|| {
        // The endpoint first: recovering for one that does not exist is a
        // 404 whatever the body says.
        if shared.ledger().endpoint(&merchant, &endpoint).is_none() {
            return Err(ApiError::NotFound {
                what: "webhook endpoint",
                id: id.clone(),
            });
        }
        super::content::readable(&headers)?;
        let req: RecoverRequest = ApiError::parse_json(&body)?;
        // Asking for the events back says the receiver is back: a disabled
        // endpoint is enabled again (its events would be dropped otherwise).
        let enabled = shared.ledger().enable_endpoint(&merchant, &endpoint);
        if let Some(record) = enabled {
            shared
                .store
                .endpoint_saved(&record, None, &[], &shared.clock)
                .map_err(|e| shared.store_failed(e))?;
        }
        let since = shared
            .clock
            .from_rfc3339(&req.since)
            .ok_or(ApiError::InvalidField {
                field: "since",
                message: Said::new(
                    format!(
                        "`{}` is not an RFC 3339 instant within this platform's lifetime",
                        crate::error::quoted(&req.since)
                    ),
                    format!(
                        "`{}` não é um instante RFC 3339 dentro do tempo de vida desta plataforma",
                        crate::error::quoted(&req.since)
                    ),
                ),
            })?;
        Ok(shared
            .ledger()
            .failed_since(&merchant, since, &shared.clock))
    })();
    let events = result.map_err(|e| refuse(&shared, e))?;
    let count = events.len();
    let now_us = shared.clock.unix_us(shared.clock.now());
    for event in events {
        let outbox = shared
            .store
            .resend(&event.id, None, std::slice::from_ref(&endpoint), now_us)
            .map_err(|e| shared.store_failed(e))?;
        shared.dispatch(event, merchant.clone(), Some(endpoint.clone()), outbox);
    }
    Ok((StatusCode::ACCEPTED, Json(json!({ "resending": count }))).into_response())
}
