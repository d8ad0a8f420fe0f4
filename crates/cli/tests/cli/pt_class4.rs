//! A fourth round of a tester acting as a Brazilian student (pt-BR first):
//! scenario names outside the project's folder, Ctrl-C on `hooklab
//! platform`, decimal commas, `hooklab new` into a missing folder, vague
//! messages of `validate` and `report`, the man page's references, and
//! `hooklab` with no command or a Portuguese one. Each in both languages.

use crate::class::{Killed, hooklab, read_line};
use crate::demo::lines_until;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

fn run_in(dir: &Path, lang: &str, args: &[&str]) -> Output {
    hooklab(dir)
        .args(["--lang", lang])
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `hooklab run checkout` and `hooklab validate lost-webhooks` from a
/// folder with no scenarios/: the copies built into hooklab, said so.
#[test]
fn a_scenario_name_works_outside_the_project_folder() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, said) in [
        (
            "en",
            "using the copy of scenarios/checkout.toml built into hooklab",
        ),
        (
            "pt-BR",
            "usando a cópia de scenarios/checkout.toml embutida no hooklab",
        ),
    ] {
        let out = run_in(
            dir.path(),
            lang,
            &[
                "run",
                "checkout",
                "--clock",
                "virtual",
                "--no-write",
                "--format",
                "json",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{lang}: {}", stderr(&out));
        assert!(stderr(&out).contains(said), "{lang}: {}", stderr(&out));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["scenario"]["name"], "checkout");
        assert_eq!(summary["scenario"]["file"], "built-in checkout");
    }
    let out = run_in(dir.path(), "pt-BR", &["validate", "lost-webhooks"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("embutida no hooklab\nlost-webhooks: ok ("),
        "{}",
        stdout(&out)
    );
    // A file of that name here still comes first, and an unknown name is
    // still refused.
    std::fs::write(dir.path().join("checkout.toml"), "").unwrap();
    let out = run_in(dir.path(), "pt-BR", &["validate", "checkout"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("o arquivo está vazio"),
        "{}",
        stderr(&out)
    );
    let out = run_in(dir.path(), "en", &["run", "chekout"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no such file"), "{}", stderr(&out));
}

/// `hooklab live spectrum` from a folder with no scenarios/: the built-in
/// copy, said so, and then its own refusal (a virtual-clock scenario is
/// replayed, not run live), not "no such file".
#[test]
fn live_takes_a_built_in_scenario_outside_the_project_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        "pt-BR",
        &["live", "spectrum", "--listen", "127.0.0.1:0"],
    );
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("embutida no hooklab"), "{said}");
    assert!(said.contains("usa o relógio virtual"), "{said}");
    assert!(said.contains("hooklab run spectrum"), "{said}");
}

/// `hooklab platform` stopped by a real SIGINT: a last line in the run's
/// language, and exit code 130 as for `shop` and `live`.
#[test]
fn ctrl_c_stops_the_platform_with_exit_130() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, ready, said) in [
        ("en", "Ctrl-C to stop", "platform stopped (Ctrl-C)"),
        ("pt-BR", "Ctrl-C para parar", "plataforma parada (Ctrl-C)"),
    ] {
        let mut platform = Killed(
            hooklab(dir.path())
                .args(["--lang", lang, "platform", "--listen", "127.0.0.1:0"])
                .args(["--data", ":memory:"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let mut out = platform.0.stdout.take().unwrap();
        lines_until(&mut out, ready);
        let sent = std::process::Command::new("kill")
            .args(["-INT", &platform.0.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let mut rest = Vec::new();
        loop {
            let line = read_line(&mut out);
            if line.is_empty() {
                break;
            }
            rest.push(line);
        }
        // A hang guard, not a speed check.
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = platform.0.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "{lang}: still running after Ctrl-C"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let rest = rest.join("\n");
        assert_eq!(status.code(), Some(130), "{lang}: {rest}");
        assert!(rest.contains(said), "{lang}: {rest}");
    }
}

/// The Portuguese banner writes `2,5s`; what it writes can be typed back.
#[test]
fn a_decimal_comma_is_taken_where_the_portuguese_help_writes_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut platform = Killed(
        hooklab(dir.path())
            .args(["--lang", "pt-BR", "platform", "--listen", "127.0.0.1:0"])
            .args(["--data", ":memory:", "--settle-after", "2,5s"])
            .args(["--rate-limit", "0,5"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut out = platform.0.stdout.take().unwrap();
    let banner = lines_until(&mut out, "Ctrl-C para parar").pop().unwrap();
    assert!(
        banner.contains("liquidado 2,5 s após a criação"),
        "{banner}"
    );
    drop(platform);
    // The help's range is written as it can be typed: no `100.000`.
    let help = stdout(&run_in(dir.path(), "pt-BR", &["live", "--help"]));
    // clap wraps the help at the terminal's width.
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("de 0,01 a 100000"), "{help}");
    assert!(!help.contains("100.000"), "{help}");
    // An out-of-range rate is said as the help writes it: decimal comma.
    let out = run_in(dir.path(), "pt-BR", &["platform", "--rate-limit", "0,0001"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "0,0001 requisições por segundo está fora do intervalo aceito (de 0,001 a 1000000)"
        ),
        "{}",
        stderr(&out)
    );
    let help = stdout(&run_in(dir.path(), "pt-BR", &["platform", "--help"]));
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("de 0,001 a 1000000"), "{help}");
    // A comma that may be a thousands separator is asked about, in both.
    let out = run_in(
        dir.path(),
        "pt-BR",
        &["shop", "--api-key", "k", "--interval", "1,500s"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("é ambíguo"), "{}", stderr(&out));
    let out = run_in(
        dir.path(),
        "en",
        &["shop", "--api-key", "k", "--interval", "1,500s"],
    );
    assert!(stderr(&out).contains("is ambiguous"), "{}", stderr(&out));
}

#[test]
fn new_into_a_missing_folder_says_so_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, said) in [
        (
            "en",
            "the folder sub/dir does not exist: create it first (`mkdir -p sub/dir`)",
        ),
        (
            "pt-BR",
            "a pasta sub/dir não existe: crie-a antes (`mkdir -p sub/dir`)",
        ),
    ] {
        let out = run_in(dir.path(), lang, &["new", "sub/dir/x"]);
        assert_eq!(out.status.code(), Some(2), "{lang}: {}", stderr(&out));
        assert!(stderr(&out).contains(said), "{lang}: {}", stderr(&out));
        assert!(!dir.path().join("sub").exists());
    }
}

#[test]
fn validate_and_report_say_what_is_wrong_with_the_file_or_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("vazio.toml"), "\n").unwrap();
    std::fs::write(dir.path().join("bin.toml"), b"name = \"x\"\n# caf\xe9\n").unwrap();
    std::fs::create_dir(dir.path().join("nada")).unwrap();
    for (lang, empty, byte, report) in [
        (
            "en",
            "vazio.toml:1:1: the file is empty",
            "the byte at offset 16 (line 2, column 6) is not valid UTF-8",
            "run a scenario into it first with `hooklab run SCENARIO --out nada`",
        ),
        (
            "pt-BR",
            "vazio.toml:1:1: o arquivo está vazio",
            "o byte na posição 16 do arquivo (linha 2, coluna 6) não é UTF-8 válido",
            "rode antes um cenário nela com `hooklab run CENÁRIO --out nada`",
        ),
    ] {
        let out = run_in(dir.path(), lang, &["validate", "vazio.toml"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains(empty), "{lang}: {}", stderr(&out));
        for vague in ["is missing", "falta `name`"] {
            assert!(!stderr(&out).contains(vague), "{lang}: {}", stderr(&out));
        }
        let out = run_in(dir.path(), lang, &["validate", "bin.toml"]);
        assert!(stderr(&out).contains(byte), "{lang}: {}", stderr(&out));
        let out = run_in(dir.path(), lang, &["report", "nada"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains(report), "{lang}: {}", stderr(&out));
    }
}

#[test]
fn no_command_prints_the_short_help_and_where_to_start() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, start, usage) in [
        ("en", "Start with:", "Usage: hooklab"),
        ("pt-BR", "Comece com:", "Uso: hooklab"),
    ] {
        // With a flag (`--lang`), and with no argument at all (the
        // language from HOOKLAB_LANG): clap words the two differently.
        let with_flag = run_in(dir.path(), lang, &[]);
        let bare = hooklab(dir.path())
            .env("HOOKLAB_LANG", lang)
            .output()
            .unwrap();
        for out in [with_flag, bare] {
            let text = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{text}");
            assert!(text.contains(usage), "{lang}: {text}");
            let line = text
                .lines()
                .find(|l| l.starts_with(start))
                .unwrap_or_default();
            assert!(line.ends_with("hooklab run"), "{lang}: {text}");
            assert!(!text.contains("falta o comando"), "{text}");
            assert!(!text.contains("requires a subcommand"), "{text}");
        }
    }
}

#[test]
fn a_portuguese_command_word_suggests_its_command() {
    let dir = tempfile::tempdir().unwrap();
    for (word, command) in [
        ("rodar", "run"),
        ("validar", "validate"),
        ("relatorio", "report"),
        ("verificar", "check"),
        ("novo", "new"),
    ] {
        let out = run_in(dir.path(), "pt-BR", &[word]);
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(
            text.contains(&format!("os comandos têm nomes em inglês: '{command}'")),
            "{word}: {text}"
        );
        assert!(!text.contains("parecido"), "{word}: {text}");
        let out = run_in(dir.path(), "en", &[word]);
        let text = stderr(&out);
        assert!(
            text.contains(&format!("English names: '{command}'")),
            "{word}: {text}"
        );
        assert!(!text.contains("similar"), "{word}: {text}");
    }
}

#[test]
fn the_man_page_names_no_page_that_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    for lang in ["en", "pt-BR"] {
        let roff = stdout(&run_in(dir.path(), lang, &["man"]));
        assert!(!roff.contains("hooklab\\-run(1)"), "{roff}");
        assert!(roff.contains("\\fBhooklab run\\fR"), "{roff}");
    }
}
