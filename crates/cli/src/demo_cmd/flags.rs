//! Checks of the demo commands' flags made before anything starts: the
//! platform's base URL (`--platform` of `shop` and `order`) and the API key
//! (`--api-key` of `platform`).
//!
//! Without them, `hooklab shop --platform ftp://127.0.0.1:14253` said "order
//! placed", then failed 1.5 s later with "no answer from the platform", and
//! `hooklab platform --api-key ""` started a platform nobody could use.

use super::args::FlagMistake;
use crate::text;
use hooklab_core::lang::Lang;

/// Checks a base URL given to `flag` (`--platform`): plain `http://` on
/// loopback (the rule every hooklab client applies,
/// [`hooklab_core::http::ensure_loopback`]), and nothing but a scheme, a host,
/// a port and a path: a query, a fragment or a user name would be glued to
/// every request's path (`http://127.0.0.1:4242?x=1` sent
/// `/?x=1/v1/payments`).
pub fn base_url(url: &str, flag: &str, lang: Lang) -> Result<(), FlagMistake> {
    let mistake = |en: String, pt: String| Err(FlagMistake(text::pick(lang, en, pt)));
    if let Some(said) = missing_scheme(url, flag, lang) {
        return Err(FlagMistake(said));
    }
    // The fragment is looked at on the text: it is not part of a request's
    // target, so the URI parser need not keep it.
    let (target, fragment) = match url.split_once('#') {
        Some((target, _)) => (target, true),
        None => (url, false),
    };
    let uri: http::Uri = match target.parse() {
        Ok(uri) => uri,
        Err(e) => {
            return mistake(
                format!(
                    "{flag} `{url}` is not a URL ({e}): give plain http:// on loopback, such as http://127.0.0.1:4242"
                ),
                format!(
                    "{flag} `{url}` não é uma URL ({e}): dê http:// simples na interface local, como http://127.0.0.1:4242"
                ),
            );
        }
    };
    if uri
        .host()
        .is_some_and(hooklab_core::http::is_rooted_localhost)
    {
        return mistake(
            format!(
                "{flag} `{url}`: write localhost without its trailing dot (`localhost.` may be looked up through DNS, off this machine), or 127.0.0.1, such as http://127.0.0.1:4242"
            ),
            format!(
                "{flag} `{url}`: escreva localhost sem o ponto final (`localhost.` pode ser procurado no DNS, fora desta máquina), ou 127.0.0.1, como http://127.0.0.1:4242"
            ),
        );
    }
    if hooklab_core::http::ensure_loopback(&uri).is_err() {
        // The same rule, said by what broke it: the host or the scheme.
        let off_machine = uri.scheme_str() == Some("http") && uri.host().is_some();
        return if off_machine {
            mistake(
                format!(
                    "{flag} `{url}` is not on loopback: hooklab only talks to this machine; give plain http:// on 127.0.0.0/8, ::1 or localhost, such as http://127.0.0.1:4242"
                ),
                format!(
                    "{flag} `{url}` não é de loopback: o hooklab só fala com esta máquina; dê http:// simples em 127.0.0.0/8, ::1 ou localhost, como http://127.0.0.1:4242"
                ),
            )
        } else {
            mistake(
                format!(
                    "{flag} `{url}`: only plain http:// on loopback (127.0.0.0/8, ::1, localhost) is supported, such as http://127.0.0.1:4242"
                ),
                format!(
                    "{flag} `{url}`: só http:// simples na interface local (127.0.0.0/8, ::1, localhost) é aceito, como http://127.0.0.1:4242"
                ),
            )
        };
    }
    let part = if fragment {
        Some(("a fragment (#…)", "um fragmento (#…)"))
    } else if uri.query().is_some() {
        Some(("a query (?…)", "uma consulta (?…)"))
    } else if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        Some(("a user name (…@)", "um nome de usuário (…@)"))
    } else {
        None
    };
    if let Some((en, pt)) = part {
        return mistake(
            format!(
                "{flag} `{url}` has {en}: a base URL is a scheme, a host, a port and a path, such as http://127.0.0.1:4242"
            ),
            format!(
                "{flag} `{url}` tem {pt}: uma URL base é esquema, host, porta e caminho, como http://127.0.0.1:4242"
            ),
        );
    }
    // The API's own prefix: every request adds it, so a base ending in it
    // asked for /v1/v1/payments (found only at the first order, as "no route").
    if uri.path().trim_end_matches('/').ends_with("/v1") {
        let base = url.trim_end_matches('/').trim_end_matches("/v1");
        return mistake(
            format!(
                "{flag} `{url}` ends in the API's /v1, which hooklab adds to every request: give the platform's base URL, {base}"
            ),
            format!(
                "{flag} `{url}` termina no /v1 da API, que o hooklab acrescenta a cada requisição: dê a URL base da plataforma, {base}"
            ),
        );
    }
    Ok(())
}

/// What to say of a URL given to `flag` with no scheme (`127.0.0.1:21700`,
/// `localhost:8080/state`): a host and port the user meant as
/// `http://…`, so the message offers that URL, rather than saying only
/// that plain http:// is supported. `None` for a URL with a scheme.
pub fn missing_scheme(url: &str, flag: &str, lang: Lang) -> Option<String> {
    if url.contains("://") {
        return None;
    }
    let meant = format!("http://{}", url.trim_start_matches('/'));
    // Only a guess that makes a URL is offered.
    let host = meant.parse::<http::Uri>().ok()?.host().map(str::to_owned)?;
    if host.is_empty() {
        return None;
    }
    Some(text::pick(
        lang,
        format!("{flag} `{url}` has no scheme (http://): did you mean {meant}?"),
        format!("{flag} `{url}` não tem esquema (http://): você quis dizer {meant}?"),
    ))
}

/// Checks an API key given to `--api-key`: not empty (no request could
/// carry it), and no control characters (it is printed, and sent in an
/// `Authorization` header, which cannot carry them). `optional`: the flag
/// may be left out (`hooklab platform` then makes a fresh key); for `shop`
/// and `order` it is required, and the key is the platform's.
pub fn api_key(key: &str, optional: bool, lang: Lang) -> Result<(), FlagMistake> {
    if key.is_empty() {
        return Err(FlagMistake(match (lang, optional) {
            (Lang::En, true) => "--api-key is empty: give a key such as sk_test_… (or leave the flag out for a fresh one)".to_owned(),
            (Lang::PtBr, true) => "--api-key está vazia: dê uma chave como sk_test_… (ou omita a opção para uma nova)".to_owned(),
            (Lang::En, false) => "--api-key is empty: give the key `hooklab platform` printed when it started (sk_test_…)".to_owned(),
            (Lang::PtBr, false) => "--api-key está vazia: dê a chave que `hooklab platform` imprimiu ao iniciar (sk_test_…)".to_owned(),
        }));
    }
    if let Some(bad) = key.chars().find(|c| c.is_control()) {
        let code = format!("U+{:04X}", u32::from(bad));
        return Err(FlagMistake(text::pick(
            lang,
            format!(
                "--api-key holds a control character ({code}): use printable characters only, such as sk_test_…"
            ),
            format!(
                "--api-key contém um caractere de controle ({code}): use só caracteres imprimíveis, como sk_test_…"
            ),
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_plain_http_on_loopback_with_nothing_glued_on() {
        for good in [
            "http://127.0.0.1:4242",
            "http://localhost:4242/",
            "http://LOCALHOST:4242/",
            "http://[::1]:1/api",
        ] {
            assert!(base_url(good, "--platform", Lang::En).is_ok(), "{good}");
        }
        for (bad, says) in [
            ("ftp://127.0.0.1:14253", "only plain http://"),
            ("http://10.255.255.1:4242", "not on loopback"),
            ("http://example.invalid", "not on loopback"),
            ("http://127.0.0.1:14253?x=1", "a query"),
            ("http://127.0.0.1:14253/#top", "a fragment"),
            ("http://localhost.:4242", "without its trailing dot"),
            ("http://me@127.0.0.1:14253", "a user name"),
            ("not a url at all", "not a URL"),
            (
                "127.0.0.1:21700",
                "has no scheme (http://): did you mean http://127.0.0.1:21700?",
            ),
            ("localhost:4242", "did you mean http://localhost:4242?"),
            (
                "http://127.0.0.1:4242/v1",
                "give the platform's base URL, http://127.0.0.1:4242",
            ),
            ("http://127.0.0.1:4242/v1/", "ends in the API's /v1"),
        ] {
            let e = base_url(bad, "--platform", Lang::En).unwrap_err().0;
            assert!(e.starts_with("--platform"), "{bad}: {e}");
            assert!(e.contains(says), "{bad}: {e}");
            let pt = base_url(bad, "--platform", Lang::PtBr).unwrap_err().0;
            assert!(pt.starts_with("--platform"), "{bad}: {pt}");
        }
    }

    #[test]
    fn an_api_key_is_neither_empty_nor_holds_control_characters() {
        assert!(api_key("sk_test_abc", false, Lang::En).is_ok());
        assert!(api_key("", true, Lang::En).unwrap_err().0.contains("empty"));
        assert!(
            api_key("", true, Lang::PtBr)
                .unwrap_err()
                .0
                .contains("vazia")
        );
        // A required key is not said to be optional.
        let shop = api_key("", false, Lang::En).unwrap_err().0;
        assert!(shop.contains("`hooklab platform` printed"), "{shop}");
        assert!(!shop.contains("leave the flag out"), "{shop}");
        let loja = api_key("", false, Lang::PtBr).unwrap_err().0;
        assert!(loja.contains("imprimiu ao iniciar"), "{loja}");
        let e = api_key("sk\u{1b}[31m", false, Lang::En).unwrap_err().0;
        assert!(e.contains("U+001B"), "{e}");
        assert!(!e.contains('\u{1b}'), "{e}");
        assert!(
            api_key("sk\n", false, Lang::PtBr)
                .unwrap_err()
                .0
                .contains("controle")
        );
    }
}
