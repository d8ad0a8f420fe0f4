//! The CLI's messages as a Portuguese-reading student meets them (issue 15):
//! clap's suggestions, the language variable, the reference results guard,
//! the causes of errors, in Portuguese.

use std::path::Path;
use std::process::{Command, Output};

use crate::class::read_line;

const CHECKOUT: &str = include_str!("../../../../scenarios/checkout.toml");
const COMMITTED_SUMMARY: &str = include_str!("../../../../results/checkout/summary.json");

/// hooklab in `cwd`, with no language from the environment.
pub(crate) fn hooklab(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hooklab"));
    command
        .current_dir(cwd)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("HOOKLAB_LANG");
    command
}

/// What a command printed, standard output then standard error: where a
/// message lands is not what these tests are about.
pub(crate) fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn clap_errors_keep_their_suggestion_in_portuguese() {
    let dir = tempfile::tempdir().unwrap();
    for (args, needle) in [
        (&["rum"][..], "existe um comando parecido: 'run'"),
        (&["ajuda"][..], "'help'"),
        (&["run", "--fromat", "slide"][..], "'--format'"),
        (&["run", "--out"][..], "precisa de um valor"),
        (&["check"][..], "faltam argumentos obrigatórios"),
    ] {
        let out = hooklab(dir.path())
            .env("HOOKLAB_LANG", "pt-BR")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn the_locale_spelling_of_the_language_is_accepted_and_a_bad_variable_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), CHECKOUT).unwrap();
    for spelling in ["pt_BR", "pt-br", "pt"] {
        let out = hooklab(dir.path())
            .env("HOOKLAB_LANG", spelling)
            .args(["validate", "s.toml"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{spelling}: {}", stderr(&out));
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(shown.contains("estratégias"), "{spelling}: {shown}");
    }
    let out = hooklab(dir.path())
        .args(["--lang", "pt_BR", "validate", "s.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for (lang, needle) in [
        (None, "the environment variable HOOKLAB_LANG is `fr`"),
        (
            Some("pt_BR.UTF-8"),
            "a variável de ambiente HOOKLAB_LANG vale `fr`",
        ),
    ] {
        let mut command = hooklab(dir.path());
        if let Some(locale) = lang {
            command.env("LANG", locale);
        }
        let out = command
            .env("HOOKLAB_LANG", "fr")
            .args(["validate", "s.toml"])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "{err}");
        assert!(!err.contains("--lang <"), "{err}");
    }
    // clap refuses the variable even beside `--lang`: named all the same.
    let out = hooklab(dir.path())
        .env("HOOKLAB_LANG", "fr")
        .args(["--lang", "en", "validate", "s.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("HOOKLAB_LANG is `fr`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn out_into_a_reference_folder_of_another_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("results/checkout")).unwrap();
    let reference = dir.path().join("results/checkout/summary.json");
    std::fs::write(&reference, COMMITTED_SUMMARY).unwrap();
    std::fs::create_dir_all(dir.path().join("aluno")).unwrap();
    std::fs::write(
        dir.path().join("aluno/minha-loja.toml"),
        CHECKOUT.replace("orders = 300", "orders = 5"),
    )
    .unwrap();
    let out = hooklab(dir.path())
        .args(["--lang", "pt-BR", "run", "aluno/minha-loja.toml"])
        .args(["--clock", "virtual", "--out", "results/checkout"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for needle in ["results/checkout", "aluno/minha-loja.toml", "--force"] {
        assert!(err.contains(needle), "no {needle} in {err}");
    }
    assert_eq!(
        std::fs::read_to_string(&reference).unwrap(),
        COMMITTED_SUMMARY
    );
    assert!(!dir.path().join("results/README.md").exists());
    // Another folder given with --out is the student's own: no guard.
    let out = hooklab(dir.path())
        .args(["run", "aluno/minha-loja.toml", "--clock", "virtual"])
        .args(["--out", "minhas/checkout", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The built-in scenario is named in Portuguese when it is the one refused.
    std::fs::create_dir_all(dir.path().join("runs")).unwrap();
    std::fs::rename(
        dir.path().join("minhas/checkout"),
        dir.path().join("runs/checkout"),
    )
    .unwrap();
    let out = hooklab(dir.path())
        .args(["--lang", "pt-BR", "run", "--clock", "virtual"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("não do cenário embutido checkout"), "{err}");
    assert!(!err.contains("built-in"), "{err}");
}

#[test]
fn a_valid_file_too_long_for_the_real_clock_is_valid_with_a_warning() {
    // The homework of docs/aula/LEIAME.md: checkout with silent loss, whose
    // retry schedule lasts 27 h on the real clock.
    let dir = tempfile::tempdir().unwrap();
    let homework = format!("{CHECKOUT}\n[faults]\nsilent_loss = 0.05\n");
    std::fs::write(dir.path().join("loss_ok.toml"), homework).unwrap();
    let out = hooklab(dir.path())
        .args(["--lang", "pt-BR", "validate", "loss_ok.toml"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("loss_ok.toml é válido, mas"), "{err}");
    assert!(!err.contains("inválido"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("loss_ok.toml: ok"));
    // `run` still refuses it without --force.
    let out = hooklab(dir.path())
        .args(["run", "loss_ok.toml", "--no-write"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--clock virtual"), "{}", stderr(&out));
}

#[test]
fn report_on_a_scenario_points_at_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("aluno")).unwrap();
    std::fs::write(dir.path().join("aluno/minha-loja.toml"), CHECKOUT).unwrap();
    let out = hooklab(dir.path())
        .args(["--lang", "pt-BR", "report", "aluno/minha-loja.toml"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("hooklab run aluno/minha-loja.toml"), "{err}");
    assert!(!err.contains("detalhe"), "{err}");
    // A file that is neither still says it is not a summary.
    std::fs::write(dir.path().join("x.json"), "[1, 2]").unwrap();
    let out = hooklab(dir.path())
        .args(["--lang", "pt-BR", "report", "x.json"])
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("não é um summary.json"),
        "{}",
        stderr(&out)
    );
}

/// The two-terminal demo against a platform on a port the system picks: a
/// wrong key said in Portuguese and refused as bad usage (exit 2), and a
/// conditional-poll shop whose last line counts the poll lines it printed,
/// 304s included and named.
#[test]
fn the_demo_says_a_wrong_key_and_counts_its_304s() {
    let dir = tempfile::tempdir().unwrap();
    let mut platform = hooklab(dir.path())
        .args(["--lang", "pt-BR", "platform", "--listen", "127.0.0.1:0"])
        .args(["--data", ":memory:", "--settle-after", "400ms"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let first = read_line(platform.stdout.as_mut().unwrap());
    let address = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    let key = read_line(platform.stdout.as_mut().unwrap());
    let key = key.split_whitespace().last().unwrap().to_owned();
    let pt = |args: &[&str]| {
        hooklab(dir.path())
            .args(["--lang", "pt-BR"])
            .args(args)
            .output()
            .unwrap()
    };
    let order = pt(&["order", "--platform", &address, "--api-key", "errada"]);
    let err = stderr(&order);
    assert_eq!(order.status.code(), Some(2), "{err}");
    assert!(err.contains("recusou a chave de API (401)"), "{err}");
    assert!(err.contains("detalhe técnico"), "{err}");
    let shop = pt(&["shop", "--platform", &address, "--api-key", "errada"]);
    assert_eq!(shop.status.code(), Some(2), "{}", stderr(&shop));
    assert!(
        stderr(&shop).contains("recusou a chave de API em"),
        "{}",
        stderr(&shop)
    );
    let shop = pt(&[
        "shop",
        "--platform",
        &address,
        "--api-key",
        &key,
        "--strategy",
        "conditional-poll",
        "--orders",
        "1",
        "--interval",
        "50ms",
    ]);
    platform.kill().unwrap();
    platform.wait().unwrap();
    let shown = format!("{}{}", String::from_utf8_lossy(&shop.stdout), stderr(&shop));
    assert_eq!(shop.status.code(), Some(0), "{shown}");
    let wasted_lines = shown.matches("ainda pendente (desperdiçada)").count();
    let final_lines = shown.matches(": final").count();
    let last = shown
        .lines()
        .find(|l| l.contains(" fim: "))
        .unwrap_or_else(|| panic!("no last line in {shown}"));
    assert!(
        last.contains(&format!(
            "{} consultas, {wasted_lines} desperdiçadas",
            wasted_lines + final_lines
        )),
        "{shown}"
    );
    // 400 ms of settlement polled every 50 ms: the later pending answers
    // are 304s, and a line says how many.
    assert!(shown.contains("respondidas 304 Not Modified"), "{shown}");
    assert!(
        shown.contains("cada consulta envia If-None-Match"),
        "{shown}"
    );
}

#[test]
fn small_portuguese_things_read_as_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let big = CHECKOUT.replace("orders = 300", "orders = 6000000");
    std::fs::write(dir.path().join("big.toml"), big).unwrap();
    let out = hooklab(dir.path())
        .args(["--lang", "pt-BR", "validate", "big.toml"])
        .output()
        .unwrap();
    let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("cabem no máximo 5.000.000 pedidos numa execução; recebido 6.000.000"),
        "{shown}"
    );
    // The first help page says the same next step in both languages.
    for (lang, needle) in [
        (
            "en",
            "hooklab new my-scenario && hooklab run my-scenario.toml",
        ),
        (
            "pt-BR",
            "hooklab new meu-cenario && hooklab run meu-cenario.toml",
        ),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang, "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains(needle), "{lang}: {help}");
        assert!(!help.contains("edit a copy"), "{lang}: {help}");
    }
    // A top-level key appended at the end of the file: where it goes.
    std::fs::write(
        dir.path().join("late.toml"),
        format!("{CHECKOUT}clock = \"virtual\"\n"),
    )
    .unwrap();
    let out = hooklab(dir.path())
        .args(["--lang", "pt-BR", "validate", "late.toml"])
        .output()
        .unwrap();
    let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("`clock` é uma chave do topo do arquivo"),
        "{shown}"
    );
}

/// A receiver on 127.0.0.1:0 that answers its first `answered` requests
/// 200 at once and never answers a later one (it reads on, so a request
/// that closes ends its thread).
fn stalling_receiver(answered: usize) -> String {
    use std::io::{Read as _, Write as _};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    // One whole request: its head, then its Content-Length.
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        match conn.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + length {
                        match conn.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf.drain(..head_end + length);
                    if seen.fetch_add(1, Ordering::SeqCst) >= answered {
                        // Never answered: read until the sender gives up.
                        while matches!(conn.read(&mut chunk), Ok(n) if n > 0) {}
                        return;
                    }
                    let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                    if conn.write_all(ok).is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// `hooklab check`'s last line when the deadline left the battery
/// incomplete: it said every such case "did not start before --deadline",
/// but the reliability case (at most half the time left) can be cut short
/// after some of its deliveries, and a case can be cut while it waits for
/// its answer. Here the receiver answers the genuine delivery and two of
/// the reliability case's, then nothing: the reliability case is cut
/// short and the rest never start, and the line says both, in each
/// language.
#[test]
fn an_incomplete_check_tells_cases_cut_short_from_cases_not_started() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, cut, not_started) in [
        (
            "en",
            "and 1 was cut short by it",
            "did not start before --deadline",
        ),
        (
            "pt-BR",
            "e 1 foi interrompido por ele",
            "não começaram antes do --deadline",
        ),
    ] {
        let url = stalling_receiver(3);
        let out = hooklab(dir.path())
            .args(["--lang", lang, "check", &url])
            .args(["--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
            .args(["--deadline", "1", "--quiet"])
            .output()
            .unwrap();
        let text = said(&out);
        assert_eq!(out.status.code(), Some(1), "{lang}: {text}");
        let last = stderr(&out);
        assert!(last.contains(cut), "{lang}: {text}");
        assert!(last.contains(not_started), "{lang}: {text}");
    }
}

/// Two things a user met trying `hooklab github` and `hooklab shop`:
/// `github send` to a receiver that is not running said, in Portuguese,
/// "sem resposta da plataforma" (there is no platform in it: it is the
/// receiver); and `shop --api-key ""` said to leave the flag out for a
/// fresh key, but `shop` (and `order`) require it: the key is the one
/// `hooklab platform` printed.
#[test]
fn what_was_not_reached_and_which_key_to_give_are_said_right() {
    let dir = tempfile::tempdir().unwrap();
    let send = hooklab(dir.path())
        .args(["--lang", "pt-BR", "github", "send", "push"])
        .args(["--to", "http://127.0.0.1:9/webhook", "--secret", "s3cret"])
        .output()
        .unwrap();
    let text = stderr(&send);
    assert_eq!(send.status.code(), Some(1), "{text}");
    let headline = text.lines().find(|l| l.starts_with("erro:")).unwrap();
    assert!(
        headline.contains("não foi possível alcançar o receptor: conexão recusada"),
        "{text}"
    );
    assert!(!headline.contains("plataforma"), "{text}");
    for (lang, command, words) in [
        ("en", "shop", "give the key `hooklab platform` printed"),
        (
            "pt-BR",
            "shop",
            "dê a chave que `hooklab platform` imprimiu",
        ),
        ("en", "order", "give the key `hooklab platform` printed"),
    ] {
        let out = hooklab(dir.path())
            .args(["--lang", lang, command, "--platform", "http://127.0.0.1:9"])
            .args(["--api-key", ""])
            .output()
            .unwrap();
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(text.contains(words), "{lang} {command}: {text}");
        assert!(
            !text.contains("fresh one") && !text.contains("uma nova"),
            "{text}"
        );
    }
}
