//! The API's error messages in English and Brazilian Portuguese: the
//! request's `Accept-Language`, else the platform's language
//! (`PlatformConfig::lang`); the code never changes, and
//! `Content-Language` says which language the message is in.

use super::{EPOCH_US, KEY, ORDER, RecordingHttp, config, one_order};
use axum::body::Body;
use hooklab_core::clock::Clock;
use hooklab_core::lang::Lang;
use hooklab_platform::{Platform, PlatformConfig};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

/// A platform whose own language is `lang`.
fn speaking(lang: Lang) -> Platform {
    let cfg = PlatformConfig {
        lang,
        ..config(one_order(86_400_000))
    };
    Platform::new(
        Clock::starting_now(EPOCH_US),
        cfg,
        Arc::new(RecordingHttp::default()),
    )
}

/// One refused request: what it is, to see in a failing assertion.
struct Refusal {
    method: &'static str,
    uri: &'static str,
    body: Option<&'static str>,
    key: Option<&'static str>,
    content_type: &'static str,
}

/// Requests refused for different reasons, through the fast path and the
/// router, by handlers and extractors, with the Portuguese each must say.
fn refusals() -> Vec<(Refusal, &'static str)> {
    let r = |method, uri, body, key| Refusal {
        method,
        uri,
        body,
        key,
        content_type: "application/json",
    };
    vec![
        // Fast path: a poll for a payment nobody made.
        (
            r("GET", "/v1/payments/pay_nope", None, Some(KEY)),
            "não existe pagamento com o id `pay_nope`",
        ),
        // Fast path: no key.
        (
            r("GET", "/v1/events", None, None),
            "chave de API ausente ou desconhecida",
        ),
        // Router (a long poll): a `wait` that is no duration.
        (
            r("GET", "/v1/payments/pay_nope?wait=abc", None, Some(KEY)),
            "`wait`: `abc` não é uma duração",
        ),
        // A field's value.
        (
            r(
                "POST",
                "/v1/payments",
                Some(r#"{"order_id": "ord_1", "amount_cents": 0, "currency": "BRL"}"#),
                Some(KEY),
            ),
            "`amount_cents`: deve ser um valor inteiro",
        ),
        // Not JSON at all.
        (
            r("POST", "/v1/payments", Some("{\"a\":"), Some(KEY)),
            "o corpo não é um JSON válido",
        ),
        // JSON, but an array where an object is read.
        (
            r(
                "POST",
                "/v1/payments",
                Some(r#"["ord_1", 4990, "BRL"]"#),
                Some(KEY),
            ),
            "o corpo deve ser um objeto JSON",
        ),
        // JSON with a field missing (serde's words).
        (
            r(
                "POST",
                "/v1/payments",
                Some(r#"{"order_id": "ord_1"}"#),
                Some(KEY),
            ),
            "falta o campo `amount_cents`",
        ),
        // A webhook URL off this machine (the core's reason).
        (
            r(
                "POST",
                "/v1/webhook_endpoints",
                Some(r#"{"url": "http://10.1.2.3:8080/webhooks"}"#),
                Some(KEY),
            ),
            "não está em loopback",
        ),
        // A cursor the platform does not know (the shop's client
        // recognises it by its code, `unknown_cursor`, in either language).
        (
            r("GET", "/v1/events?after=evt_nope", None, Some(KEY)),
            "`after`: `evt_nope` não é nenhum dos seus eventos",
        ),
        // A webhook URL over 2,048 bytes (refused before anything is
        // registered: its port is a label, never dialled).
        (
            r(
                "POST",
                "/v1/webhook_endpoints",
                Some(Box::leak(
                    format!(
                        r#"{{"url": "http://127.0.0.1:8080/{}"}}"#,
                        "a".repeat(3_000)
                    )
                    .into_boxed_str(),
                )),
                Some(KEY),
            ),
            "`url`: tem 3022 bytes; uma URL de webhook pode ter no máximo 2048 bytes",
        ),
        // A query parameter the route does not take.
        (
            r("GET", "/v1/events?afterr=evt_1", None, Some(KEY)),
            "`afterr`: não é um parâmetro aqui: GET /v1/events aceita `after`",
        ),
        // No such route, and a method the route does not take.
        (r("GET", "/v2/nothing", None, Some(KEY)), "não há rota para"),
        (
            r("DELETE", "/v1/payments", None, Some(KEY)),
            "método não permitido",
        ),
        // A form body (curl -d alone).
        (
            Refusal {
                content_type: "application/x-www-form-urlencoded",
                ..r("POST", "/v1/payments", Some(ORDER), Some(KEY))
            },
            "a API só lê JSON",
        ),
    ]
}

/// Sends `refusal` with `Accept-Language: accept` (none if `None`): the
/// status, `Content-Language`, and the error's code and message.
async fn send(
    p: &Platform,
    refusal: &Refusal,
    accept: Option<&str>,
) -> (StatusCode, Option<String>, String, String) {
    let mut req = Request::builder()
        .method(refusal.method)
        .uri(refusal.uri)
        .header("content-type", refusal.content_type);
    if let Some(key) = refusal.key {
        req = req.header("authorization", format!("Bearer {key}"));
    }
    if let Some(accept) = accept {
        req = req.header("accept-language", accept);
    }
    let body = refusal.body.map_or_else(Body::empty, Body::from);
    let res = p.router().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let language = res
        .headers()
        .get("content-language")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let value: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{} {}: {e}", refusal.method, refusal.uri));
    let code = value["error"]["code"].as_str().unwrap().to_owned();
    let message = value["error"]["message"].as_str().unwrap().to_owned();
    (status, language, code, message)
}

#[tokio::test(start_paused = true)]
async fn accept_language_pt_br_gets_portuguese_with_the_same_codes() {
    let p = speaking(Lang::En);
    for (refusal, portuguese) in refusals() {
        let what = format!("{} {}", refusal.method, refusal.uri);
        let (status, language, code, english) = send(&p, &refusal, None).await;
        assert!(status.is_client_error(), "{what}: {status}");
        assert_eq!(language.as_deref(), Some("en"), "{what}");
        assert!(!english.contains(portuguese), "{what}: {english}");
        for accept in ["pt-BR", "pt", "pt-BR,pt;q=0.9,en;q=0.8"] {
            let (pt_status, pt_language, pt_code, message) = send(&p, &refusal, Some(accept)).await;
            assert_eq!(pt_status, status, "{what}");
            assert_eq!(pt_code, code, "{what}: codes are for programs");
            assert_eq!(pt_language.as_deref(), Some("pt-BR"), "{what}");
            assert!(message.contains(portuguese), "{what} ({accept}): {message}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn english_is_the_default_and_the_english_text_is_unchanged() {
    let p = speaking(Lang::En);
    let refusals = refusals();
    let (_, _, code, message) = send(&p, &refusals[0].0, None).await;
    assert_eq!(code, "not_found");
    assert_eq!(message, "no payment with id `pay_nope`");
    let (_, _, _, message) = send(&p, &refusals[2].0, Some("en")).await;
    assert!(
        message.starts_with("`wait`: `abc` is not a duration: write a number of milliseconds"),
        "{message}"
    );
    // A language the API does not speak: the platform's.
    let (_, language, _, message) = send(&p, &refusals[1].0, Some("fr-FR, de;q=0.5")).await;
    assert_eq!(language.as_deref(), Some("en"));
    assert!(
        message.starts_with("missing or unknown API key"),
        "{message}"
    );
}

/// `hooklab --lang pt-BR platform`: Portuguese without asking, English when
/// the request asks for it.
#[tokio::test(start_paused = true)]
async fn the_platforms_language_answers_unless_the_request_asks_for_another() {
    let p = speaking(Lang::PtBr);
    let en = speaking(Lang::En);
    for (refusal, portuguese) in refusals() {
        let what = format!("{} {}", refusal.method, refusal.uri);
        let (_, language, code, message) = send(&p, &refusal, None).await;
        assert_eq!(language.as_deref(), Some("pt-BR"), "{what}");
        assert!(message.contains(portuguese), "{what}: {message}");
        // Anything but pt or en: the platform's own, still.
        let (_, _, _, message) = send(&p, &refusal, Some("*")).await;
        assert!(message.contains(portuguese), "{what}: {message}");
        let (_, language, en_code, english) = send(&p, &refusal, Some("en-US")).await;
        assert_eq!(language.as_deref(), Some("en"), "{what}");
        assert_eq!(en_code, code, "{what}");
        let (_, _, _, platform_english) = send(&en, &refusal, None).await;
        assert_eq!(english, platform_english, "{what}");
    }
}

/// The framework's own refusals (a body over the 2 MB limit, declared or
/// sent), which no handler words: the same code in both languages, the
/// message in Portuguese when asked, `Content-Language` in both.
#[tokio::test(start_paused = true)]
async fn the_frameworks_refusals_are_said_in_portuguese_too() {
    let p = speaking(Lang::En);
    let big = "x".repeat(3_000_000);
    for declared in [true, false] {
        let mut answers = Vec::new();
        for accept in ["en", "pt-BR"] {
            let mut req = Request::post("/v1/payments")
                .header("authorization", format!("Bearer {KEY}"))
                .header("content-type", "application/json")
                .header("accept-language", accept);
            if declared {
                req = req.header("content-length", big.len());
            }
            let res = p
                .router()
                .oneshot(req.body(Body::from(big.clone())).unwrap())
                .await
                .unwrap();
            let status = res.status();
            let language = res.headers()["content-language"]
                .to_str()
                .unwrap()
                .to_owned();
            let length = res
                .headers()
                .get("content-length")
                .map(|v| v.to_str().unwrap().parse::<usize>().unwrap());
            let bytes = res.into_body().collect().await.unwrap().to_bytes();
            if let Some(length) = length {
                assert_eq!(length, bytes.len(), "declared {declared}, {accept}");
            }
            let value: Value = serde_json::from_slice(&bytes).unwrap();
            answers.push((status, language, value));
        }
        let [(en_status, en_lang, en), (pt_status, pt_lang, pt)] = &answers[..] else {
            unreachable!()
        };
        assert_eq!(*en_status, StatusCode::PAYLOAD_TOO_LARGE, "{en}");
        assert_eq!(pt_status, en_status);
        assert_eq!(en["error"]["code"], "body_too_large", "{en}");
        assert_eq!(pt["error"]["code"], en["error"]["code"]);
        assert_eq!(en_lang, "en");
        assert_eq!(pt_lang, "pt-BR");
        let message = pt["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("o corpo passa do limite que a API lê, 2097152 bytes (2 MB)"),
            "declared {declared}: {message}"
        );
    }
}
