//! Testers' findings on the release binary, one test per finding: bad input
//! gets a clear answer with exit code 2, and nothing of the user's is lost.

use crate::messages::{hooklab, said};

#[test]
fn reset_never_replaces_a_file_that_is_not_hooklabs() {
    let dir = super::temp_dir();
    std::fs::write(dir.path().join("notsqlite.db"), "junk\n").unwrap();
    for (lang, reset, away, never) in [
        ("en", false, "move it away", "start with --reset"),
        ("pt-BR", false, "tire-o dali", "comece com --reset"),
        ("en", true, "move it away", "start with --reset"),
        ("pt-BR", true, "tire-o dali", "comece com --reset"),
    ] {
        let mut args = vec![
            "--lang",
            lang,
            "platform",
            "--listen",
            "127.0.0.1:0",
            "--data",
            "notsqlite.db",
        ];
        if reset {
            args.push("--reset");
        }
        let out = hooklab(dir.path()).args(&args).output().unwrap();
        let text = said(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.contains(away), "{args:?}: {text}");
        assert!(!text.contains(never), "{args:?}: {text}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("notsqlite.db")).unwrap(),
            "junk\n",
            "{args:?}: the file is untouched"
        );
    }
}

/// A port nothing listens on (bound, then closed).
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn the_reasons_of_a_failed_order_are_said_in_portuguese() {
    let dir = super::temp_dir();
    let pt = |args: &[&str]| {
        hooklab(dir.path())
            .args(["--lang", "pt-BR"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = pt(&[
        "order",
        "--platform",
        "http://10.0.0.1:5242",
        "--api-key",
        "K",
    ]);
    let text = said(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    let headline = text.lines().next().unwrap_or_default();
    assert!(headline.contains("não é de loopback"), "{text}");
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let out = pt(&["order", "--platform", &dead, "--api-key", "K"]);
    let text = said(&out);
    let headline = text.lines().next().unwrap_or_default();
    assert!(
        headline.contains("conexão recusada (o servidor está rodando?)"),
        "{text}"
    );
    let long = "a".repeat(5000);
    let out = pt(&["order", "--api-key", "K", "--order-id", &long]);
    let text = said(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("(5000 caracteres)"), "{text}");
    assert!(!text.contains("characters"), "{text}");
    let out = pt(&["new", "a2", "--from", "nao-existe"]);
    let text = said(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(!text.contains("em inglês"), "{text}");
    assert!(
        text.contains("um destes nomes): checkout, crash-lab"),
        "{text}"
    );
}

#[test]
fn flag_values_get_the_answer_they_deserve() {
    let dir = super::temp_dir();
    let pt = |args: &[&str]| {
        hooklab(dir.path())
            .args(["--lang", "pt-BR"])
            .args(args)
            .output()
            .unwrap()
    };
    for (args, needle) in [
        (
            &["order", "--api-key", "K", "--settle-after", "-5s"][..],
            "uma duração não pode ser negativa",
        ),
        (
            &["order", "--api-key", "K", "--amount-cents=-3"][..],
            "o valor deve ser positivo",
        ),
        (
            &["order", "--api-key", "K", "--amount-cents", "0"][..],
            "o valor deve ser positivo",
        ),
        (
            &["order", "--api-key", "K", "--amount-cents", "x"][..],
            "não é um número inteiro",
        ),
        (
            &["shop", "--api-key", "x", "--orders", "0"][..],
            "--orders 0",
        ),
    ] {
        let out = pt(args);
        let text = said(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.contains(needle), "{args:?}: {text}");
        assert!(!text.contains("inesperado"), "{args:?}: {text}");
    }
    // `help CMD --lang pt-BR` is the help of CMD, in Portuguese.
    let out = hooklab(dir.path())
        .args(["help", "run", "--lang", "pt-BR"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(said(&out).contains("Uso: hooklab run"), "{}", said(&out));
}

#[test]
fn the_language_is_read_in_any_case_and_with_an_encoding() {
    let dir = super::temp_dir();
    let one =
        include_str!("../../../../scenarios/checkout.toml").replace("orders = 300", "orders = 1");
    std::fs::write(dir.path().join("s.toml"), one).unwrap();
    for spelling in ["PT-BR", "pt_BR.UTF-8"] {
        let out = hooklab(dir.path())
            .env("HOOKLAB_LANG", spelling)
            .args(["validate", "s.toml"])
            .output()
            .unwrap();
        let text = said(&out);
        assert_eq!(out.status.code(), Some(0), "{spelling}: {text}");
        assert!(
            text.contains("estratégias, 1 pedido)"),
            "{spelling}: {text}"
        );
    }
    let out = hooklab(dir.path())
        .args(["validate", "s.toml"])
        .output()
        .unwrap();
    assert!(
        said(&out).contains("strategies, 1 order)"),
        "{}",
        said(&out)
    );
}
