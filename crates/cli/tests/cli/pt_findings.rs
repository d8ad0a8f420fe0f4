//! A Brazilian tester's findings (student and instructor), one test per
//! finding of the command line: each in both languages.

use crate::messages::hooklab;
use std::process::Output;

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A student's virtual copy of a committed scenario keeps its name, but
/// `hooklab run meu-zapier.toml` writes runs/meu-zapier/: the hint names that
/// folder, not the reference's results/zapier-15min/.
#[test]
fn live_of_a_virtual_copy_names_the_folder_run_writes() {
    let dir = super::temp_dir();
    let scenarios = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/zapier-15min.toml"
    );
    std::fs::copy(scenarios, dir.path().join("meu-zapier.toml")).unwrap();
    for (lang, words) in [
        (
            "en",
            "then replay it: `hooklab live --replay runs/meu-zapier/ --speed 600`",
        ),
        (
            "pt-BR",
            "e depois reproduza-o: `hooklab live --replay runs/meu-zapier/ --speed 600`",
        ),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang, "live", "meu-zapier.toml"])
            .output()
            .unwrap();
        let text = said(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(text.contains(words), "{lang}: {text}");
        assert!(
            text.contains("hooklab run meu-zapier.toml"),
            "{lang}: {text}"
        );
        assert!(!text.contains("results/zapier-15min"), "{lang}: {text}");
    }
}

/// `--speed -3` is a value out of range, said as `--speed 0` is; other
/// numeric flags take a negative number as their value too.
#[test]
fn a_negative_number_gets_the_range_not_unexpected_argument() {
    let dir = super::temp_dir();
    for (lang, args, words) in [
        (
            "pt-BR",
            &["live", "--replay", "x/", "--speed", "-3"][..],
            "--speed -3: dê um número acima de 0",
        ),
        (
            "en",
            &["live", "--replay", "x/", "--speed", "-3"][..],
            "--speed -3: give a number above 0",
        ),
        (
            "pt-BR",
            &[
                "check",
                "http://127.0.0.1:9/",
                "--secret",
                "s",
                "--deadline",
                "-3",
            ][..],
            "deve ser pelo menos 1 e no máximo 604800",
        ),
        (
            "pt-BR",
            &["shop", "--api-key", "k", "--orders", "-1"][..],
            "deve ser pelo menos 0 e no máximo 1000000",
        ),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang])
            .args(args)
            .output()
            .unwrap();
        let text = said(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.contains(words), "{args:?}: {text}");
        assert!(!text.contains("inesperado"), "{args:?}: {text}");
        assert!(!text.contains("unexpected"), "{args:?}: {text}");
    }
}

/// `hooklab check --help` gives every exit code (2 for usage, 1 for a
/// battery the deadline cut) and says what `-q` silences there (the flag is
/// global: its text says what it silences in each command).
#[test]
fn check_help_gives_every_exit_code_and_what_quiet_silences() {
    let dir = super::temp_dir();
    for (lang, codes, quiet) in [
        (
            "en",
            [
                "1 when any failed or when --deadline cut the battery short",
                "2 for bad usage",
            ],
            "check's line telling which case is being sent",
        ),
        (
            "pt-BR",
            [
                "1 quando algum falhou ou quando o --deadline cortou a bateria",
                "2 para uso incorreto",
            ],
            "a linha de `check` que diz qual caso está sendo enviado",
        ),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang, "check", "--help"])
            .output()
            .unwrap();
        let text = said(&out).split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(out.status.code(), Some(0), "{text}");
        for words in codes {
            assert!(text.contains(words), "{lang}: {text}");
        }
        assert!(text.contains(quiet), "{lang}: {text}");
    }
}

/// With nothing listening at --platform, the shop's order is never
/// created: no "placed" line for it, and its failure comes before the
/// final summary.
#[test]
fn a_shop_order_that_was_never_created_is_not_said_placed() {
    let dir = super::temp_dir();
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    for (lang, placed, failed, done) in [
        ("en", " placed", " failed", " done: "),
        ("pt-BR", " feito", " falhou", " fim: "),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang, "shop", "--api-key", "k", "--orders", "1"])
            .args(["--platform", &dead])
            .output()
            .unwrap();
        let text = said(&out);
        assert!(!text.lines().any(|l| l.ends_with(placed)), "{lang}: {text}");
        let at = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{needle}: {text}"))
        };
        assert!(at(failed) < at(done), "{lang}: {text}");
    }
}
