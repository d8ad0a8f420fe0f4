//! A Brazilian student's and instructor's findings against the command
//! line (the `ptlesson` round): a key one letter off gets a did-you-mean,
//! as a value does; a scenario name and a command one letter off too, and
//! `demo` points at the two-terminal demo; `--out` on a file says so whole;
//! `order --settle-after 5` says back the 5 ms it asked for. Each in both
//! languages.

use crate::messages::{hooklab, said};

/// A scenario with `key = value` added under the first strategy (or the
/// workload), validated in `lang`.
fn validated(lang: &str, text: &str) -> (Option<i32>, String) {
    let dir = super::temp_dir();
    std::fs::write(dir.path().join("typo.toml"), text).unwrap();
    let out = hooklab(dir.path())
        .args(["--lang", lang, "validate", "typo.toml"])
        .output()
        .unwrap();
    (out.status.code(), said(&out))
}

#[test]
fn a_key_one_letter_off_gets_a_did_you_mean() {
    let strategy = super::GOOD.replace("interval_ms = 10", "intervalo_ms = 200");
    let workload = super::GOOD.replace("orders = 10", "order = 300");
    for (lang, text, words) in [
        ("en", &strategy, "(did you mean `interval_ms`?)"),
        ("pt-BR", &strategy, "(quis dizer `interval_ms`?)"),
        ("en", &workload, "(did you mean `orders`?)"),
        ("pt-BR", &workload, "(quis dizer `orders`?)"),
    ] {
        let (code, text) = validated(lang, text);
        assert_eq!(code, Some(2), "{text}");
        assert!(text.contains(words), "{lang}: {text}");
    }
}

#[test]
fn a_scenario_name_one_letter_off_is_suggested() {
    for (lang, words) in [
        ("en", "(did you mean `lost-webhooks`?)"),
        ("pt-BR", "(quis dizer `lost-webhooks`?)"),
    ] {
        let dir = super::temp_dir();
        let out = hooklab(dir.path())
            .args(["--lang", lang, "new", "outro", "--from", "lost-webhook"])
            .output()
            .unwrap();
        let text = said(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(text.contains(words), "{lang}: {text}");
        assert!(!dir.path().join("outro.toml").exists());
    }
}

#[test]
fn a_command_one_letter_off_and_demo_get_a_tip() {
    let dir = super::temp_dir();
    for (lang, args, words) in [
        ("en", "rn", "tip: a similar subcommand exists: 'run'"),
        ("pt-BR", "rn", "existe um comando parecido: 'run'"),
        ("en", "demo", "the two-terminal demo is `hooklab platform`"),
        (
            "pt-BR",
            "demo",
            "a demonstração em dois terminais é `hooklab platform`",
        ),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang, args])
            .output()
            .unwrap();
        let text = said(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(text.contains(words), "{lang}: {text}");
    }
}

#[test]
fn out_on_a_file_says_it_is_a_file_not_a_folder() {
    let dir = super::temp_dir();
    std::fs::write(dir.path().join("tiny.toml"), super::GOOD).unwrap();
    std::fs::write(dir.path().join("out-file"), "not a folder").unwrap();
    for (lang, words) in [
        ("en", "out-file already exists and is a file, not a folder"),
        ("pt-BR", "out-file já existe e é um arquivo, não uma pasta"),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang, "run", "tiny.toml", "--clock", "virtual"])
            .args(["--out", "out-file"])
            .output()
            .unwrap();
        let text = said(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(text.contains(words), "{lang}: {text}");
        // The cause is in the sentence: no bare "File exists" after it.
        assert!(!text.trim_end().ends_with("exists"), "{lang}: {text}");
        assert!(!text.trim_end().ends_with("já existe"), "{lang}: {text}");
    }
}

#[test]
fn a_bare_settle_delay_is_said_back_with_a_hint() {
    let dir = super::temp_dir();
    for (lang, settle, words, hint) in [
        (
            "en",
            "5",
            "asking the platform to settle the payment after 5 ms",
            Some("for 5 s write 5s"),
        ),
        (
            "pt-BR",
            "5",
            "pedindo à plataforma que liquide o pagamento depois de 5 ms",
            Some("para 5 s escreva 5s"),
        ),
        (
            "en",
            "5s",
            "asking the platform to settle the payment after 5 s",
            None,
        ),
    ] {
        // Nothing listens on port 1: the line comes before the request.
        let out = hooklab(dir.path())
            .args(["--lang", lang, "order", "--platform", "http://127.0.0.1:1"])
            .args(["--api-key", "sk_test_x", "--settle-after", settle])
            .output()
            .unwrap();
        let text = said(&out);
        assert!(text.contains(words), "{lang}: {text}");
        match hint {
            Some(hint) => assert!(text.contains(hint), "{lang}: {text}"),
            None => assert!(!text.contains("write"), "{lang}: {text}"),
        }
    }
}
