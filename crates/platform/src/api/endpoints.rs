//! Webhook endpoints: register, rotate a secret, recover failed events.

use super::{Caller, refuse};
use crate::Shared;
use crate::error::ApiError;
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

/// Whether `uri` is the platform's own `/v1/` API at `own` (its listening
/// address, when it serves on a socket): deliveries would be POSTed to the
/// API itself. Without a known address (the harness's in-memory pipes)
/// nothing is refused.
fn points_at_api(uri: &http::Uri, own: Option<&std::net::SocketAddr>) -> bool {
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
    same_port && same_host && (uri.path() == "/v1" || uri.path().starts_with("/v1/"))
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
        let uri: http::Uri = req.url.parse().map_err(|_| ApiError::InvalidField {
            field: "url",
            message: format!("`{}` is not a URL", crate::error::quoted(&req.url)),
        })?;
        // Before any message quotes the URL: it would print the password.
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err(ApiError::InvalidField {
                field: "url",
                message: "must not carry a user name or password (user:password@): deliveries \
                          are authenticated by their signature, and the URL is printed and stored"
                    .to_owned(),
            });
        }
        // A fragment is no part of where a delivery goes: `http::Uri`
        // drops it, and the URL was stored and shown with it
        // (`hooklab check` refuses it too).
        if req.url.contains('#') {
            return Err(ApiError::InvalidField {
                field: "url",
                message: format!(
                    "`{}` has a fragment (#…), which no delivery sends: give the receiver's URL as a scheme, a host, a port and a path, such as http://127.0.0.1:8080/webhooks/payments",
                    crate::error::quoted(&req.url)
                ),
            });
        }
        // The refusal's cause says why (not on loopback, not plain http);
        // the error itself only says "bad URL".
        hooklab_core::http::ensure_loopback(&uri).map_err(|e| ApiError::InvalidField {
            field: "url",
            message: std::error::Error::source(&e).map_or_else(|| e.to_string(), |c| c.to_string()),
        })?;
        if points_at_api(&uri, shared.own_addr.get()) {
            return Err(ApiError::InvalidField {
                field: "url",
                message: format!(
                    "`{}` is this platform's own API: a webhook endpoint must be the receiver's URL, such as http://127.0.0.1:8080/webhooks/payments",
                    crate::error::quoted(&req.url)
                ),
            });
        }
        // `http::Uri` takes any digits as a port (and then reports none); a
        // socket takes 1 to 65535.
        let spelled_port = uri
            .authority()
            .and_then(|a| a.as_str().rsplit_once(':'))
            .is_some_and(|(_, port)| !port.contains(']'));
        if spelled_port && uri.port_u16().is_none_or(|p| p == 0) {
            return Err(ApiError::InvalidField {
                field: "url",
                message: format!(
                    "`{}`: a port is a number from 1 to 65535",
                    crate::error::quoted(&req.url)
                ),
            });
        }
        let mut ledger = shared.ledger();
        let (record, replaced) = ledger.add_endpoint(&merchant, req.url, uri);
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
                message: format!(
                    "`{}` is not an RFC 3339 instant within this platform's lifetime",
                    crate::error::quoted(&req.since)
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
