//! A tester's findings on flags checked too late or in clap's words: a
//! `--platform` no request could use, an empty or control-laden
//! `--api-key`, a URL with a query, a number out of range. Each is refused
//! up front with exit code 2, naming the flag and the rule, in both
//! languages.

use crate::messages::{hooklab, said};
use std::process::Output;

/// A loopback address nothing listens on: a port the system handed out for
/// 127.0.0.1:0, released again. The URLs here are refused before any
/// request, so nothing should ever reach it; were a check to regress, the
/// command would meet a refused connection, not someone else's server.
fn unused_loopback() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

fn run(lang: &str, args: &[&str]) -> Output {
    let dir = super::temp_dir();
    hooklab(dir.path())
        .arg("--lang")
        .arg(lang)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_platform_url_no_request_could_use_is_refused_before_any_order() {
    let addr = unused_loopback();
    let cases = [
        (format!("ftp://{addr}"), "only plain http://", "só http://"),
        (
            "http://10.255.255.1:4242".to_owned(),
            "not on loopback",
            "não é de loopback",
        ),
        (
            "http://example.invalid".to_owned(),
            "not on loopback",
            "não é de loopback",
        ),
        (format!("http://{addr}?x=1"), "a query", "uma consulta"),
        (format!("http://{addr}#x"), "a fragment", "um fragmento"),
        (
            format!("http://me@{addr}"),
            "a user name",
            "um nome de usuário",
        ),
    ];
    for (url, en, pt) in &cases {
        let (url, en, pt) = (url.as_str(), *en, *pt);
        for command in ["shop", "order"] {
            let args = [
                command,
                "--platform",
                url,
                "--api-key",
                "k",
                "--orders",
                "1",
            ];
            // `order` has no --orders: only the first four arguments.
            let args = if command == "order" {
                &args[..5]
            } else {
                &args[..]
            };
            for (lang, needle) in [("en", en), ("pt-BR", pt)] {
                let out = run(lang, args);
                let text = said(&out);
                assert_eq!(out.status.code(), Some(2), "{args:?} {lang}: {text}");
                assert!(text.contains("--platform"), "{args:?} {lang}: {text}");
                assert!(text.contains(needle), "{args:?} {lang}: {text}");
                assert!(!text.contains("placed"), "{args:?} {lang}: {text}");
            }
        }
    }
}

#[test]
fn an_api_key_no_request_could_carry_is_refused() {
    for (key, en, pt) in [
        ("", "empty", "vazia"),
        (
            "sk\u{1b}[31mred",
            "control character",
            "caractere de controle",
        ),
    ] {
        for (lang, needle) in [("en", en), ("pt-BR", pt)] {
            let out = run(
                lang,
                &[
                    "platform",
                    "--api-key",
                    key,
                    "--data",
                    ":memory:",
                    "--listen",
                    "127.0.0.1:0",
                ],
            );
            let text = said(&out);
            assert_eq!(out.status.code(), Some(2), "{key:?} {lang}: {text}");
            assert!(text.contains("--api-key"), "{key:?} {lang}: {text}");
            assert!(text.contains(needle), "{key:?} {lang}: {text}");
            assert!(!text.contains('\u{1b}'), "printed raw: {text:?}");
        }
    }
}

#[test]
fn a_check_url_with_a_query_is_refused() {
    for lang in ["en", "pt-BR"] {
        let url = format!("http://{}/webhook?x=1", unused_loopback());
        let out = run(
            lang,
            &[
                "check",
                &url,
                "--secret",
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            ],
        );
        let text = said(&out);
        assert_eq!(out.status.code(), Some(2), "{lang}: {text}");
        assert!(text.contains("?x=1"), "{lang}: {text}");
    }
}

#[test]
fn numbers_out_of_range_say_the_range_in_both_languages() {
    for (args, en, pt) in [
        (
            &["run", "--jobs", "0", "x.toml"][..],
            "between 1 and 1024",
            "pelo menos 1 e no máximo 1024",
        ),
        (
            &["shop", "--api-key", "k", "--orders", "18446744073709551616"][..],
            "between 0 and 1000000",
            "pelo menos 0 e no máximo 1000000",
        ),
        (
            &[
                "check",
                "http://127.0.0.1:1/",
                "--secret",
                "s",
                "--deadline",
                "0",
            ][..],
            "between 1 and 604800",
            "pelo menos 1 e no máximo 604800",
        ),
    ] {
        for (lang, needle) in [("en", en), ("pt-BR", pt)] {
            let out = run(lang, args);
            let text = said(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?} {lang}: {text}");
            assert!(text.contains(needle), "{args:?} {lang}: {text}");
            assert!(!text.contains("target type"), "{text}");
            assert!(!text.contains("non-zero type"), "{text}");
        }
    }
}

#[test]
fn a_simulated_settlement_past_the_platforms_bound_is_a_usage_error() {
    // The platform would answer 422 once the order was sent; nothing is
    // sent: the flag is refused with exit 2, in both languages.
    let platform = format!("http://{}", unused_loopback());
    for (lang, words) in [("en", "30 days"), ("pt-BR", "30 dias")] {
        let out = run(
            lang,
            &[
                "order",
                "--platform",
                &platform,
                "--api-key",
                "sk_test_x",
                "--settle-after",
                "31d",
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{}", said(&out));
        assert!(said(&out).contains(words), "{}", said(&out));
    }
}

#[test]
fn a_results_folder_that_holds_someone_elses_files_is_refused_unless_forced() {
    let dir = super::temp_dir();
    let mine = dir.path().join("important");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("summary.md"), "my notes\n").unwrap();
    let out = hooklab(dir.path())
        .args(["run", "--clock", "virtual", "--out", "important"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("no hooklab results"), "{}", said(&out));
    assert_eq!(
        std::fs::read_to_string(mine.join("summary.md")).unwrap(),
        "my notes\n"
    );
    // --no-write with --out says the two disagree instead of ignoring one.
    let out = hooklab(dir.path())
        .args(["run", "--no-write", "--out", "elsewhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(!dir.path().join("elsewhere").exists());
}

/// `check --max-body` said two ranges: `0` "must be between 1 and
/// 67108864", `1` "give 282 to 67108864 bytes". Now the battery's range
/// (its least is a genuine delivery's size) is the one message, for 0, 1
/// and a number past the most, in both languages; no request is sent.
#[test]
fn every_max_body_out_of_range_gets_the_one_range_message() {
    let url = format!("http://{}/webhook", unused_loopback());
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    for (lang, words) in [
        ("en", "is out of range: give "),
        ("pt-BR", "está fora do intervalo: dê de "),
    ] {
        let mut said_for = Vec::new();
        for value in ["0", "1", "67108865"] {
            let out = run(
                lang,
                &["check", &url, "--secret", secret, "--max-body", value],
            );
            let text = said(&out);
            assert_eq!(out.status.code(), Some(2), "{value} {lang}: {text}");
            assert!(
                text.contains(&format!("--max-body {value} ")) && text.contains(words),
                "{value} {lang}: {text}"
            );
            // The same range, whatever the value.
            let range = text[text.find(words).unwrap()..].to_owned();
            said_for.push(range);
        }
        assert!(
            said_for.windows(2).all(|w| w[0] == w[1]),
            "{lang}: {said_for:?}"
        );
        assert!(said_for[0].contains("67108864"), "{said_for:?}");
    }
}

/// A `--platform` with no scheme (`127.0.0.1:21700`) was told only that
/// plain http:// is supported; now it is offered the URL it meant.
#[test]
fn a_platform_without_its_scheme_is_offered_the_url_it_meant() {
    let addr = unused_loopback();
    for (lang, words) in [("en", "did you mean"), ("pt-BR", "você quis dizer")] {
        for args in [
            &[
                "shop",
                "--platform",
                &addr,
                "--api-key",
                "k",
                "--orders",
                "1",
            ][..],
            &["order", "--platform", &addr, "--api-key", "k"][..],
        ] {
            let out = run(lang, args);
            let text = said(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?} {lang}: {text}");
            assert!(
                text.contains(&format!("{words} http://{addr}?")),
                "{args:?} {lang}: {text}"
            );
        }
    }
}

/// A `--state-url` that is not plain HTTP was told "the scheme must be
/// http://, as in …/webhook", naming neither the flag nor a state URL; one
/// without a scheme, that it was not a URL. Now each names `--state-url`
/// and says what to give, before any request.
#[test]
fn a_state_url_that_is_not_http_names_the_flag_and_what_to_give() {
    let url = format!("http://{}/webhook", unused_loopback());
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    for (state, en, pt) in [
        (
            "ftp://127.0.0.1:8080/state",
            "plain http:// GET",
            "GET http:// simples",
        ),
        (
            "https://127.0.0.1:8080/state",
            "plain http:// GET",
            "GET http:// simples",
        ),
        (
            "127.0.0.1:8080/state",
            "did you mean http://127.0.0.1:8080/state?",
            "você quis dizer http://127.0.0.1:8080/state?",
        ),
    ] {
        for (lang, words) in [("en", en), ("pt-BR", pt)] {
            let out = run(
                lang,
                &["check", &url, "--secret", secret, "--state-url", state],
            );
            let text = said(&out);
            assert_eq!(out.status.code(), Some(2), "{state} {lang}: {text}");
            assert!(text.contains("--state-url"), "{state} {lang}: {text}");
            assert!(text.contains(words), "{state} {lang}: {text}");
        }
    }
}
