//! The language of the API's error messages.
//!
//! An error's `code` is for programs and never changes; its `message` is for
//! the developer reading the answer, and the pt-BR README (LEIAME.md) walks
//! Brazilian students through `curl` calls whose refusals they read. So a
//! message is kept in English and in Brazilian Portuguese ([`Said`]), and
//! each answer picks one:
//!
//! 1. the request's `Accept-Language`, when it names a language the API
//!    speaks (`pt`, `pt-BR`, any `pt-…` is Portuguese; `en`, `en-…` is
//!    English; the highest `q` wins, the first listed among equals);
//! 2. otherwise the platform's own, [`crate::PlatformConfig::lang`]
//!    (`hooklab --lang pt-BR platform`, or `HOOKLAB_LANG` / `LANG` as the
//!    CLI resolves them).
//!
//! Every refusal says which it used in `Content-Language`.
//!
//! A handler does not carry the language to its errors: a layer on the
//! routes (`layer`) sets the request's language around each route's
//! future (a tokio task-local), and [`crate::error::ApiError`]'s
//! `IntoResponse` reads it (`answering`); the same layer says the
//! framework's own refusals (a body over the limit) in it. The fast path
//! (`api::fast`), which answers without the routes, renders its refusals
//! in the language it read itself.

use axum::response::Response;
use hooklab_core::lang::Lang;
use hooklab_core::wire::ErrorBody;

/// One message in both languages the API answers in (the English is what
/// tests, docs and logs quote).
pub use hooklab_core::lang::Said;

tokio::task_local! {
    /// The language of the request being answered (see the module's docs).
    static ANSWERING: Lang;
}

/// The layer that answers each request of the routes in its language:
/// [`for_request`] on its headers, with `platform` as the default.
pub(crate) fn layer(platform: Lang) -> Languages {
    Languages { platform }
}

/// See [`layer`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Languages {
    platform: Lang,
}

impl<S> tower::Layer<S> for Languages {
    type Service = Speaking<S>;

    fn layer(&self, inner: S) -> Speaking<S> {
        Speaking {
            inner,
            platform: self.platform,
        }
    }
}

/// A route behind [`Languages`].
#[derive(Clone, Debug)]
pub(crate) struct Speaking<S> {
    inner: S,
    platform: Lang,
}

impl<S> tower::Service<axum::extract::Request> for Speaking<S>
where
    S: tower::Service<
            axum::extract::Request,
            Response = Response,
            Error = std::convert::Infallible,
        >,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = Answering<S::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: axum::extract::Request) -> Self::Future {
        let lang = for_request(request.headers(), self.platform);
        Answering {
            lang,
            inner: self.inner.call(request),
        }
    }
}

/// A route's future, run in its request's language: each poll of it
/// polls the inner future with the language set (so the errors rendered
/// meanwhile are in it), and a refusal the framework made is said in it
/// too ([`framework_refusal`]). Unlike tokio's `TaskLocalFuture` it
/// needs no pinning of its own: it is `Unpin` when its future is (axum's
/// route futures are).
pub(crate) struct Answering<F> {
    lang: Lang,
    inner: F,
}

impl<F> Future for Answering<F>
where
    F: Future<Output = Result<Response, std::convert::Infallible>> + Unpin,
{
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let this = &mut *self;
        let lang = this.lang;
        let inner = &mut this.inner;
        ANSWERING
            .sync_scope(lang, || std::pin::Pin::new(inner).poll(cx))
            .map(|answer| answer.map(|response| framework_refusal(response, lang)))
    }
}

/// A refusal the framework made rather than a handler (a body over the
/// limit, a broken chunked body: `hooklab_core::http::server`'s error
/// shape words them, in English), said in `lang` too: its code kept, the
/// message translated by code with the framework's words as the detail,
/// and `Content-Language`. Any other answer passes as it is.
fn framework_refusal(response: Response, lang: Lang) -> Response {
    if !response.status().is_client_error()
        || response
            .headers()
            .contains_key(http::header::CONTENT_LANGUAGE)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let english = http::HeaderValue::from_static(Lang::En.code());
    if lang == Lang::En {
        parts
            .headers
            .insert(http::header::CONTENT_LANGUAGE, english);
        return Response::from_parts(parts, body);
    }
    // The shaped refusal is one buffer, whole at the first poll.
    let bytes = match crate::api::fast::read_whole(body) {
        Ok(bytes) => bytes,
        Err(body) => {
            parts
                .headers
                .insert(http::header::CONTENT_LANGUAGE, english);
            return Response::from_parts(parts, body);
        }
    };
    let Ok(shaped) = serde_json::from_slice::<ErrorBody>(&bytes) else {
        // Not the JSON shape after all: what was read, as it was.
        parts
            .headers
            .insert(http::header::CONTENT_LANGUAGE, english);
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    let detail = &shaped.error.message;
    let message = match shaped.error.code.as_str() {
        "body_too_large" => format!(
            "o corpo passa do limite que a API lê, {} bytes (2 MB) ({detail})",
            crate::api::MAX_BODY_BYTES
        ),
        "request_timeout" => format!("o corpo do pedido não chegou a tempo ({detail})"),
        _ => format!("a plataforma não conseguiu ler o pedido ({detail})"),
    };
    let body = serde_json::to_vec(&ErrorBody::new(&shaped.error.code, message)).unwrap_or_default();
    if parts.headers.contains_key(http::header::CONTENT_LENGTH) {
        parts.headers.insert(
            http::header::CONTENT_LENGTH,
            http::HeaderValue::from(body.len()),
        );
    }
    parts.headers.insert(
        http::header::CONTENT_LANGUAGE,
        http::HeaderValue::from_static(lang.code()),
    );
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// The language of the request being answered; English outside one.
pub(crate) fn answering() -> Lang {
    ANSWERING.try_with(|lang| *lang).unwrap_or_default()
}

/// The language to answer `headers` in: the one `Accept-Language` asks
/// for, or `platform`'s.
pub(crate) fn for_request(headers: &http::HeaderMap, platform: Lang) -> Lang {
    requested(headers).unwrap_or(platform)
}

/// The language an `Accept-Language` header asks for (RFC 9110, 12.5.4),
/// if it names one the API speaks: the supported range with the highest
/// `q` (the first among equals). `q=0` is "not this one"; `*` and
/// languages the API does not speak choose nothing, so the platform's
/// language stands.
pub fn requested(headers: &http::HeaderMap) -> Option<Lang> {
    let mut best: Option<(u16, Lang)> = None;
    for value in headers.get_all(http::header::ACCEPT_LANGUAGE) {
        let Ok(value) = value.to_str() else {
            continue;
        };
        for range in value.split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let Some(lang) = spoken(tag) else {
                continue;
            };
            let mut weight = Some(1000);
            for param in parts {
                if let Some((name, q)) = param.split_once('=')
                    && name.trim().eq_ignore_ascii_case("q")
                {
                    weight = quality(q.trim());
                }
            }
            // A malformed weight drops the range rather than guess it.
            let Some(weight) = weight.filter(|w| *w > 0) else {
                continue;
            };
            if best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
    }
    best.map(|(_, lang)| lang)
}

/// The API's language for a language range: its primary subtag, any case.
fn spoken(tag: &str) -> Option<Lang> {
    let primary = tag.split(['-', '_']).next().unwrap_or("");
    if primary.eq_ignore_ascii_case("pt") {
        Some(Lang::PtBr)
    } else if primary.eq_ignore_ascii_case("en") {
        Some(Lang::En)
    } else {
        None
    }
}

/// A `q` value in thousandths (`0.8` → 800), if it is one: `0` to `1` with
/// at most three decimals.
fn quality(q: &str) -> Option<u16> {
    let (whole, decimals) = q.split_once('.').unwrap_or((q, ""));
    if decimals.len() > 3 || !decimals.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{decimals:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// A word of the API's (what was not found, forgotten or held) in
/// Portuguese: `payment` → `pagamento` (each a masculine noun).
pub(crate) fn thing_pt(what: &str) -> &str {
    match what {
        "payment" => "pagamento",
        "event" => "evento",
        "webhook endpoint" => "endpoint de webhook",
        "long polls" => "long polls",
        "event streams" => "streams de eventos",
        other => other,
    }
}

/// What `Dur::parse` said about a duration, in both languages (its words
/// are English only).
pub(crate) fn duration_said(message: &str) -> Said {
    let pt = if let Some(text) = message
        .strip_prefix('`')
        .and_then(|m| m.split_once("` is not a duration"))
        .map(|(text, _)| text)
    {
        format!(
            "`{text}` não é uma duração: escreva um número de milissegundos ou um número com unidade, como \"250ms\", \"15m\", \"2h\""
        )
    } else if let Some((unit, text)) = message
        .strip_prefix("unknown unit `")
        .and_then(|m| m.split_once("` in `"))
    {
        let text = text
            .strip_suffix("`: use us, ms, s, m, h or d")
            .unwrap_or(text);
        format!("unidade desconhecida `{unit}` em `{text}`: use us, ms, s, m, h ou d")
    } else if message.starts_with("a duration cannot be negative") {
        "uma duração não pode ser negativa".to_owned()
    } else if message.starts_with("a duration must be a finite number") {
        "uma duração deve ser um número finito".to_owned()
    } else if message.starts_with("that duration is too long") {
        "essa duração é longa demais".to_owned()
    } else {
        message.to_owned()
    };
    Said::new(message, pt)
}

/// serde_json's description of a body it could not read, in Portuguese:
/// its usual phrases translated, the names and values it quotes kept.
pub(crate) fn serde_pt(message: &str) -> String {
    // Longest first where one phrase starts another.
    const PHRASES: [(&str, &str); 22] = [
        ("missing field ", "falta o campo "),
        ("unknown field ", "campo desconhecido "),
        ("duplicate field ", "campo repetido "),
        ("unknown variant ", "valor desconhecido "),
        (", expected one of ", ", esperava um destes: "),
        (", there are no fields", ", não há campos aqui"),
        (", expected ", ", esperava "),
        ("invalid type: ", "tipo inválido: "),
        ("invalid value: ", "valor inválido: "),
        ("invalid length ", "tamanho inválido "),
        (
            "EOF while parsing a list",
            "o corpo terminou no meio de uma lista",
        ),
        (
            "EOF while parsing an object",
            "o corpo terminou no meio de um objeto",
        ),
        (
            "EOF while parsing a string",
            "o corpo terminou no meio de um texto",
        ),
        (
            "EOF while parsing a value",
            "o corpo terminou antes de um valor",
        ),
        ("trailing characters", "há caracteres depois do JSON"),
        ("trailing comma", "vírgula sobrando"),
        ("expected value", "esperava um valor"),
        ("key must be a string", "uma chave deve ser um texto"),
        ("control character", "caractere de controle"),
        ("invalid escape", "sequência de escape inválida"),
        ("invalid number", "número inválido"),
        ("number out of range", "número fora do intervalo"),
    ];
    let mut out = message.to_owned();
    for (en, pt) in PHRASES {
        out = out.replace(en, pt);
    }
    // serde_json ends with where: ` at line 1 column 17`.
    if let Some(at) = out.rfind(" at line ")
        && let Some((line, column)) = out[at + " at line ".len()..].split_once(" column ")
        && line.bytes().all(|b| b.is_ascii_digit())
        && column.bytes().all(|b| b.is_ascii_digit())
    {
        let place = format!(" na linha {line}, coluna {column}");
        out.replace_range(at.., &place);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(values: &[&str]) -> Option<Lang> {
        let mut headers = http::HeaderMap::new();
        for v in values {
            headers.append(
                http::header::ACCEPT_LANGUAGE,
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        requested(&headers)
    }

    #[test]
    fn accept_language_picks_the_best_spoken_range() {
        assert_eq!(asking(&[]), None);
        assert_eq!(asking(&["pt-BR"]), Some(Lang::PtBr));
        assert_eq!(asking(&["pt"]), Some(Lang::PtBr));
        assert_eq!(asking(&["PT_br"]), Some(Lang::PtBr));
        assert_eq!(asking(&["en"]), Some(Lang::En));
        assert_eq!(asking(&["en-US,en;q=0.9"]), Some(Lang::En));
        assert_eq!(asking(&["pt-BR,pt;q=0.9,en;q=0.8"]), Some(Lang::PtBr));
        assert_eq!(asking(&["en;q=0.5, pt-BR;q=0.9"]), Some(Lang::PtBr));
        assert_eq!(asking(&["pt;q=0.5", "en;q=0.6"]), Some(Lang::En));
        // Equal weights: the first listed.
        assert_eq!(asking(&["en, pt"]), Some(Lang::En));
        // Languages it does not speak, `*`, q=0 and bad weights choose nothing.
        assert_eq!(asking(&["fr-FR, de;q=0.5"]), None);
        assert_eq!(asking(&["*"]), None);
        assert_eq!(asking(&["pt;q=0"]), None);
        assert_eq!(asking(&["pt;q=2"]), None);
        assert_eq!(asking(&["pt;q=abc, en;q=0.1"]), Some(Lang::En));
        assert_eq!(asking(&["fr, pt;q=0.1"]), Some(Lang::PtBr));
    }

    #[test]
    fn quality_reads_rfc_9110_weights_only() {
        assert_eq!(quality("1"), Some(1000));
        assert_eq!(quality("1.000"), Some(1000));
        assert_eq!(quality("0.8"), Some(800));
        assert_eq!(quality("0.125"), Some(125));
        assert_eq!(quality("0"), Some(0));
        for bad in ["1.5", "0.1234", "-0.5", "", ".5", "0.x"] {
            assert_eq!(quality(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_and_serde_are_said_in_portuguese() {
        let e = hooklab_core::duration::Dur::parse("abc").unwrap_err();
        let said = duration_said(&e);
        assert_eq!(said.en, e);
        assert!(
            said.pt_br.starts_with("`abc` não é uma duração"),
            "{said:?}"
        );
        let e = hooklab_core::duration::Dur::parse("5y").unwrap_err();
        assert_eq!(
            duration_said(&e).pt_br,
            "unidade desconhecida `y` em `5y`: use us, ms, s, m, h ou d"
        );
        assert_eq!(
            serde_pt("missing field `currency` at line 1 column 40"),
            "falta o campo `currency` na linha 1, coluna 40"
        );
        assert_eq!(
            serde_pt("unknown field `amount`, expected one of `a`, `b` at line 1 column 9"),
            "campo desconhecido `amount`, esperava um destes: `a`, `b` na linha 1, coluna 9"
        );
    }
}
