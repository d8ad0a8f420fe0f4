//! Why a check could not run, and why a request got no answer, in English
//! and Brazilian Portuguese.
//!
//! The errors' own `Display` (in [`crate::battery`], [`crate::target`],
//! [`crate::state`]) is English, for logs and for English output. A class
//! running `--lang pt-BR` must not meet "nothing is listening" glued into a
//! Portuguese line, so [`error`] words each one in the language and keeps the
//! words of other programs (the HTTP library's, the operating system's) as a
//! separate detail, which the CLI prints on its own labelled line.

use crate::battery::CheckError;
use crate::scheme::Scheme;
use crate::state::StateError;
use crate::target::{Cause, TargetError};
use hooklab_core::lang::Lang;
use hooklab_core::signature::SecretError;

/// A missing answer's cause in a few words: `connection refused`.
pub fn cause(cause: Cause, lang: Lang) -> &'static str {
    let (en, pt) = match cause {
        Cause::ConnectionRefused => (
            "connection refused: nothing listens on that port",
            "conexão recusada: nada escuta nessa porta",
        ),
        Cause::ConnectFailed => ("the connection failed", "a conexão falhou"),
        Cause::ConnectionReset => (
            "the receiver reset the connection",
            "o receptor derrubou a conexão",
        ),
        Cause::ConnectionClosed => (
            "the receiver closed the connection before a whole answer",
            "o receptor fechou a conexão antes de uma resposta completa",
        ),
        Cause::NotHttp => ("the answer was not HTTP", "a resposta não era HTTP"),
        Cause::HeadTooLarge => (
            "answered with a head (status line and headers) over 417,792 bytes or 100 headers, where the HTTP client stops reading",
            "respondeu com um cabeçalho (linha de status e cabeçalhos) de mais de 417.792 bytes ou 100 cabeçalhos, onde o cliente HTTP para de ler",
        ),
        Cause::BodyTooLarge => (
            "answered with a body over 1 MiB, where a sender stops reading",
            "respondeu com um corpo de mais de 1 MiB, onde quem envia para de ler",
        ),
        Cause::Other => ("a transport error", "um erro de transporte"),
    };
    match lang {
        Lang::En => en,
        Lang::PtBr => pt,
    }
}

/// The label of a line that quotes another program's own words. The CLI's
/// errors use the same one (`crates/cli/src/main.rs`, `error_text`).
pub fn detail_label(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "detail",
        Lang::PtBr => "detalhe técnico (mensagem original, em inglês)",
    }
}

/// What is wrong with a state URL's answer, in `lang` (without the library's
/// words, which [`error`] keeps as a detail).
pub fn state_error(error: &StateError, lang: Lang) -> String {
    match (error, lang) {
        (StateError::Unreachable(_), Lang::En) => "no answer".to_owned(),
        (StateError::Unreachable(_), Lang::PtBr) => "não respondeu".to_owned(),
        (StateError::Status(status), Lang::En) => format!("answered {status}, not 200"),
        (StateError::Status(status), Lang::PtBr) => format!("respondeu {status}, e não 200"),
        (StateError::Shape(_), Lang::En) => {
            "answered a body that is not {\"processed\": <count>}".to_owned()
        }
        (StateError::Shape(_), Lang::PtBr) => {
            "respondeu um corpo que não é {\"processed\": <contagem>}".to_owned()
        }
    }
}

/// The words of another program inside a state URL's fault, if any.
fn state_detail(error: &StateError) -> Option<String> {
    match error {
        StateError::Unreachable(words) | StateError::Shape(words) => Some(words.clone()),
        StateError::Status(_) => None,
    }
}

/// `error` in `lang`: a sentence, and the words of another program (the HTTP
/// library's, in English) to print apart as a detail.
pub fn error(error: &CheckError, lang: Lang) -> (String, Option<String>) {
    let pt = lang == Lang::PtBr;
    match error {
        CheckError::Target(target) => target_error(target, lang),
        CheckError::NotListening {
            url,
            error,
            cause: why,
        } => {
            let sentence = if pt {
                format!(
                    "nada escuta em {url} ({}): inicie o seu receptor primeiro e confira a porta",
                    cause(*why, lang)
                )
            } else {
                format!(
                    "nothing is listening at {url} ({}): start your receiver first, and check the port",
                    cause(*why, lang)
                )
            };
            (sentence, Some(error.clone()))
        }
        CheckError::StateUrl { url, error } => {
            let what = state_error(error, lang);
            let sentence = if pt {
                format!(
                    "--state-url {url} {what}; ela deve responder 200 com {{\"processed\": N}} (veja docs/check.pt-BR.md)"
                )
            } else {
                format!(
                    "--state-url {url} {what}; it must answer 200 with {{\"processed\": N}} (see docs/check.md)"
                )
            };
            (sentence, state_detail(error))
        }
        CheckError::MaxBody { given, min, max } => {
            let sentence = if pt {
                format!(
                    "--max-body {given} está fora do intervalo: dê de {min} a {max} bytes (do tamanho de uma entrega genuína, que o caso do corpo grande precisa ultrapassar, até 64 MiB, que ele monta na memória)"
                )
            } else {
                format!(
                    "--max-body {given} is out of range: give {min} to {max} bytes (from the size of a genuine delivery, which the oversized case must exceed, to 64 MiB, which it builds in memory)"
                )
            };
            (sentence, None)
        }
        CheckError::Deadline => {
            let sentence = if pt {
                "--deadline 0 pularia todos os casos menos o primeiro: dê pelo menos 1 segundo (o padrão é 120)"
            } else {
                "--deadline 0 would skip every case but the first: give at least 1 second (the default is 120)"
            };
            (sentence.to_owned(), None)
        }
        CheckError::Request(send) => {
            let sentence = if pt {
                "não foi possível montar uma requisição (um defeito do hooklab)"
            } else {
                "cannot build a request (a bug in hooklab)"
            };
            (sentence.to_owned(), Some(chain(send)))
        }
    }
}

fn target_error(error: &TargetError, lang: Lang) -> (String, Option<String>) {
    let pt = lang == Lang::PtBr;
    match error {
        TargetError::BadUrl { url, reason } => {
            let sentence = if pt {
                format!("`{url}` não é uma URL: escreva-a como http://127.0.0.1:8080/webhook")
            } else {
                format!("`{url}` is not a URL: write it as http://127.0.0.1:8080/webhook")
            };
            (sentence, Some(reason.clone()))
        }
        TargetError::GluedOn { url, part } => {
            use crate::target::Glued;
            let sentence = if pt {
                let part = match part {
                    Glued::Query => "uma consulta (?…)",
                    Glued::Fragment => "um fragmento (#…)",
                    Glued::UserName => "um nome de usuário (…@)",
                };
                format!(
                    "`{url}` tem {part}: dê a URL do receptor como esquema, host, porta e caminho, como http://127.0.0.1:8080/webhook"
                )
            } else {
                error.to_string()
            };
            (sentence, None)
        }
        TargetError::NotLoopback { url, .. } => {
            let sentence = if pt {
                format!(
                    "`{url}` não está nesta máquina: o hooklab só envia para 127.0.0.0/8, ::1 e localhost"
                )
            } else {
                format!(
                    "`{url}` is not on this machine: hooklab only sends to 127.0.0.0/8, ::1 and localhost"
                )
            };
            (sentence, None)
        }
        TargetError::RootedLocalhost { url } => {
            let sentence = if pt {
                format!(
                    "`{url}`: escreva localhost sem o ponto final (`localhost.` pode ser procurado no DNS, fora desta máquina), ou 127.0.0.1, como http://127.0.0.1:8080/webhook"
                )
            } else {
                error.to_string()
            };
            (sentence, None)
        }
        TargetError::NotHttp { url, .. } => {
            // Only https:// is "http:// with TLS"; ftp:// and the rest are
            // another protocol altogether.
            let https = url
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
            let sentence = match (pt, https) {
                (true, true) => format!(
                    "`{url}`: o hooklab só envia por http:// simples, sem TLS; troque https:// por http://"
                ),
                (true, false) => format!(
                    "`{url}`: o esquema deve ser http:// (o hooklab só envia por HTTP simples), como em http://127.0.0.1:8080/webhook"
                ),
                (false, true) => {
                    format!(
                        "`{url}`: hooklab sends only plain http://, no TLS; use http:// instead"
                    )
                }
                (false, false) => format!(
                    "`{url}`: the scheme must be http:// (hooklab sends plain HTTP only), as in http://127.0.0.1:8080/webhook"
                ),
            };
            (sentence, None)
        }
        TargetError::Client(e) => {
            let sentence = if pt {
                "não foi possível criar o cliente HTTP"
            } else {
                "cannot build the HTTP client"
            };
            (sentence.to_owned(), Some(chain(e)))
        }
    }
}

/// Why `--secret` was refused, for `scheme`, with the way out.
pub fn secret_refused(scheme: Scheme, error: &SecretError, lang: Lang) -> String {
    let pt = lang == Lang::PtBr;
    match (scheme, error, pt) {
        (Scheme::Github, _, false) => {
            "--secret is empty: give the webhook's secret, as typed in GitHub".to_owned()
        }
        (Scheme::Github, _, true) => {
            "--secret está vazio: passe o segredo do webhook, como digitado no GitHub".to_owned()
        }
        (Scheme::Standard, SecretError::Malformed, false) => {
            "--secret: a Standard Webhooks secret is `whsec_` followed by base64, like \
             whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw (for a GitHub webhook's secret, add --scheme github)"
                .to_owned()
        }
        (Scheme::Standard, SecretError::Malformed, true) => {
            "--secret: um segredo do Standard Webhooks é `whsec_` seguido de base64, como \
             whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw (para o segredo de um webhook do GitHub, acrescente --scheme github)"
                .to_owned()
        }
        (Scheme::Standard, SecretError::Length(bytes), false) => format!(
            "--secret: a Standard Webhooks secret's key is 24 to 64 bytes, this one is {bytes}"
        ),
        (Scheme::Standard, SecretError::Length(bytes), true) => format!(
            "--secret: a chave de um segredo do Standard Webhooks tem de 24 a 64 bytes, esta tem {bytes}"
        ),
    }
}

/// An error and its causes on one line, each said once.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut next = error.source();
    while let Some(link) = next {
        let text = link.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = link.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_has_both_languages() {
        for c in [
            Cause::ConnectionRefused,
            Cause::ConnectFailed,
            Cause::ConnectionReset,
            Cause::ConnectionClosed,
            Cause::NotHttp,
            Cause::HeadTooLarge,
            Cause::BodyTooLarge,
            Cause::Other,
        ] {
            assert_ne!(cause(c, Lang::En), cause(c, Lang::PtBr), "{c:?}");
        }
    }

    #[test]
    fn https_is_refused_for_its_scheme_in_both_languages() {
        let error = crate::target::loopback_url("https://127.0.0.1:8080/webhook").unwrap_err();
        let (pt, detail) = target_error(&error, Lang::PtBr);
        assert!(pt.contains("sem TLS"), "{pt}");
        assert_eq!(detail, None);
        let (en, _) = target_error(&error, Lang::En);
        assert!(en.contains("no TLS"), "{en}");
        // Another scheme is not "https with TLS": it must be http.
        let error = crate::target::loopback_url("ftp://127.0.0.1/h").unwrap_err();
        let (pt, _) = target_error(&error, Lang::PtBr);
        assert!(pt.contains("o esquema deve ser http://"), "{pt}");
        assert!(!pt.contains("https"), "{pt}");
        let (en, _) = target_error(&error, Lang::En);
        assert!(en.contains("the scheme must be http://"), "{en}");
    }

    #[test]
    fn a_rooted_localhost_is_refused_for_its_dot_in_both_languages() {
        // A tester's finding: `http://localhost.:8080/` was "not on this
        // machine", which it may well be; the dot is what to fix.
        let error = crate::target::loopback_url("http://localhost.:8080/").unwrap_err();
        let (en, detail) = target_error(&error, Lang::En);
        assert!(en.contains("without its trailing dot"), "{en}");
        assert!(!en.contains("not on this machine"), "{en}");
        assert_eq!(detail, None);
        let (pt, _) = target_error(&error, Lang::PtBr);
        assert!(pt.contains("sem o ponto final"), "{pt}");
        assert!(!pt.contains("não está nesta máquina"), "{pt}");
    }

    #[test]
    fn an_oversized_answer_head_is_named_with_the_client_s_limits_in_both_languages() {
        // The words carry the numbers as literals: they must be the limits.
        let bytes = crate::target::MAX_ANSWER_HEAD_BYTES as f64;
        let headers = crate::target::MAX_ANSWER_HEADERS;
        for lang in [Lang::En, Lang::PtBr] {
            let words = cause(Cause::HeadTooLarge, lang);
            let limit = hooklab_report::units::count(lang, bytes);
            assert!(words.contains(&format!(" {limit} bytes")), "{words}");
            assert!(words.contains(&format!(" {headers} ")), "{words}");
        }
    }

    #[test]
    fn a_zero_deadline_is_refused_in_both_languages() {
        let (pt, detail) = super::error(&CheckError::Deadline, Lang::PtBr);
        assert!(pt.contains("pelo menos 1 segundo"), "{pt}");
        assert_eq!(detail, None);
        let (en, _) = super::error(&CheckError::Deadline, Lang::En);
        assert!(en.contains("at least 1 second"), "{en}");
        assert!(CheckError::Deadline.is_usage());
    }

    #[test]
    fn a_state_url_answering_404_is_said_in_portuguese() {
        let error = CheckError::StateUrl {
            url: "http://127.0.0.1:1/state".into(),
            error: StateError::Status(404),
        };
        let (pt, detail) = super::error(&error, Lang::PtBr);
        assert!(pt.contains("respondeu 404, e não 200"), "{pt}");
        assert_eq!(detail, None);
    }
}
