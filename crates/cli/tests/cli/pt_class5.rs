//! A fifth round of a tester acting as a Brazilian student, following the
//! LEIAME and docs/aula from a folder outside the project: the lessons'
//! `scenarios/…toml` and `results/…` paths, decimal suggestions in the
//! reader's form, minutes written `min`, the model's footnote, a name
//! written as a table, the numbers of a file quoted as the file writes
//! them, and `validate`'s one error. Each in both languages.

use crate::class::hooklab;
use std::path::Path;
use std::process::Output;

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

/// `hooklab validate scenarios/checkout.toml` (the lessons' path) from a
/// folder with no scenarios/: the built-in copy, said so, as `hooklab
/// validate checkout` gives there; another folder's missing file is still
/// "cannot read".
#[test]
fn a_lessons_scenario_path_works_outside_the_project_folder() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, said) in [
        (
            "en",
            "using the copy of scenarios/retry-for-days.toml built into hooklab",
        ),
        (
            "pt-BR",
            "usando a cópia de scenarios/retry-for-days.toml embutida no hooklab",
        ),
    ] {
        for given in ["scenarios/checkout.toml", "scenarios/retry-for-days.toml"] {
            let out = run_in(dir.path(), lang, &["validate", given]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{lang} {given}: {}",
                stderr(&out)
            );
        }
        let out = run_in(
            dir.path(),
            lang,
            &["validate", "scenarios/retry-for-days.toml"],
        );
        assert!(stdout(&out).contains(said), "{lang}: {}", stdout(&out));
        assert!(
            stdout(&out).contains("retry-for-days: ok ("),
            "{lang}: {}",
            stdout(&out)
        );
    }
    let out = run_in(dir.path(), "en", &["validate", "elsewhere/checkout.toml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
}

/// `hooklab live --replay results/flaky-receiver/` and `hooklab report
/// results/checkout/` outside the project's folder: where results/ is, and
/// the run that makes the folder, not a bare "not found".
#[test]
fn a_results_path_outside_the_project_says_where_results_are() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, where_, make) in [
        (
            "en",
            "results/ holds the project's reference results, in the project's folder (the clone of its git repository",
            "`hooklab run flaky-receiver --out results/flaky-receiver`",
        ),
        (
            "pt-BR",
            "results/ guarda os resultados de referência do projeto, na pasta do projeto (o clone do repositório git",
            "`hooklab run flaky-receiver --out results/flaky-receiver`",
        ),
    ] {
        let out = run_in(
            dir.path(),
            lang,
            &["live", "--replay", "results/flaky-receiver/"],
        );
        let said = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{lang}: {said}");
        assert!(said.contains(where_), "{lang}: {said}");
        assert!(said.contains(make), "{lang}: {said}");
        let out = run_in(dir.path(), lang, &["report", "results/checkout/"]);
        let said = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{lang}: {said}");
        assert!(said.contains(where_), "{lang}: {said}");
    }
    // With a results/ folder here, reading it says what is wrong, as before.
    std::fs::create_dir(dir.path().join("results")).unwrap();
    let out = run_in(dir.path(), "en", &["report", "results/checkout/"]);
    assert!(
        !stderr(&out).contains("reference results"),
        "{}",
        stderr(&out)
    );
}

/// `--settle-after 1,500s` and `--speed 1,000` in Portuguese: both readings
/// in the reader's form (`1,5s` or `1500s`), never `1.500s`, which a
/// Brazilian reads as fifteen hundred.
#[test]
fn an_ambiguous_comma_is_answered_in_the_readers_form() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), "pt-BR", &["order", "--settle-after", "1,500s"]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("escreva 1,5s se for decimal, ou 1500s se for milhar"),
        "{said}"
    );
    assert!(!said.contains("1.500"), "{said}");
    let out = run_in(dir.path(), "pt-BR", &["live", "--speed", "1,000"]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("escreva 1 se for decimal, ou 1000 se for milhar"),
        "{said}"
    );
    assert!(!said.contains("1.000"), "{said}");
    // English keeps its point.
    let out = run_in(dir.path(), "en", &["live", "--speed", "1,000"]);
    assert!(
        stderr(&out).contains("write 1.000 or 1000"),
        "{}",
        stderr(&out)
    );
}

/// A scenario of minutes, run in Portuguese: minutes are `min` ("m" is a
/// metre), a one-second interval reads `1 s` (not `1,00 s`), and the
/// footnote under the table points to the model's page in short sentences.
#[test]
fn minutes_intervals_and_the_footnote_read_in_portuguese() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("minutos.toml"),
        "name = \"minutos\"\nseed = 1\n[workload]\norders = 5\n\
         arrival = { dist = \"fixed\", every_ms = \"1m\" }\n\
         settle = { dist = \"exponential\", mean_ms = \"10m\" }\n\
         outcomes = { approved = 0.9, declined = 0.1 }\n\
         [[strategy]]\nname = \"poll-1s\"\nkind = \"poll\"\ninterval_ms = 1000\n\
         [[strategy]]\nname = \"webhook\"\nkind = \"webhook\"\n",
    )
    .unwrap();
    let args = ["run", "minutos", "--clock", "virtual", "--no-write"];
    let out = run_in(dir.path(), "pt-BR", &args);
    let table = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        table.contains("chegadas: um a cada 1 min · liquidação: exponencial, média 10 min"),
        "{table}"
    );
    assert!(
        table.contains("poll-1s: consultar a cada 1 s custou"),
        "{table}"
    );
    let footnote = table
        .lines()
        .find(|l| l.starts_with("Medido"))
        .unwrap_or_else(|| panic!("no footnote: {table}"));
    assert!(footnote.contains("docs/modelo.pt-BR.md"), "{footnote}");
    for sentence in footnote.split(". ") {
        let words = sentence.split_whitespace().count();
        assert!(words <= 45, "{words} words: {sentence}");
    }
    assert!(!table.contains("a partida"), "{table}");
    assert!(!table.contains("trechos"), "{table}");
    let out = run_in(dir.path(), "en", &args);
    let table = stdout(&out);
    assert!(table.contains("exponential, mean 10min"), "{table}");
    assert!(table.contains("poll-1s: polling every 1 s cost"), "{table}");
    assert!(
        table.contains("the model that docs/model.md explains"),
        "{table}"
    );
}

/// `[strategy.retry]` with `max_attempts = 0` under it: `retry` is a
/// name, written `retry = "svix"`, at the table's line; not "unknown value
/// `max_attempts`".
#[test]
fn a_name_written_as_a_table_is_said_as_a_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tabela.toml"),
        "name = \"tabela\"\nseed = 1\n[workload]\norders = 5\n\
         arrival = { dist = \"fixed\", every_ms = 5 }\n\
         settle = { dist = \"fixed\", ms = 5 }\n\
         [[strategy]]\nname = \"webhook\"\nkind = \"webhook\"\n\
         [strategy.retry]\nmax_attempts = 0\n",
    )
    .unwrap();
    for (lang, said, not) in [
        (
            "en",
            "tabela.toml:10:1: field `strategy[0].retry`: `retry` is a text, one name, not a table: write `retry = \"svix\"`",
            "unknown value",
        ),
        (
            "pt-BR",
            "tabela.toml:10:1: campo `strategy[0].retry`: `retry` é um texto, um nome, não uma tabela: escreva `retry = \"svix\"`",
            "valor desconhecido",
        ),
    ] {
        let out = run_in(dir.path(), lang, &["validate", "tabela.toml"]);
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{lang}: {text}");
        assert!(text.contains(said), "{lang}: {text}");
        assert!(!text.contains(not), "{lang}: {text}");
    }
}

/// The numbers of a file's outcomes, quoted in Portuguese as the file
/// must write them: `0.9`, not `0,9` (a syntax error there).
#[test]
fn the_numbers_of_a_file_are_quoted_as_the_file_writes_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("soma.toml"),
        "name = \"soma\"\nseed = 1\n[workload]\norders = 5\n\
         arrival = { dist = \"fixed\", every_ms = 5 }\n\
         settle = { dist = \"fixed\", ms = 5 }\n\
         outcomes = { approved = 0.5, declined = 0.25 }\n\
         [[strategy]]\nname = \"webhook\"\nkind = \"webhook\"\n",
    )
    .unwrap();
    let out = run_in(dir.path(), "pt-BR", &["validate", "soma.toml"]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("as frações devem somar 1, mas approved 0.5 + declined 0.25 = 0.75"),
        "{text}"
    );
}

/// `hooklab validate chekout`: one error, after "erro:", as `run` says
/// it; not the explanation bare and then "erro: o arquivo não existe".
#[test]
fn validate_says_a_missing_name_as_one_error() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, prefix) in [("en", "error: "), ("pt-BR", "erro: ")] {
        let out = run_in(dir.path(), lang, &["validate", "chekout"]);
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{lang}: {text}");
        assert!(
            text.starts_with(&format!("{prefix}chekout: ")),
            "{lang}: {text}"
        );
        assert_eq!(text.matches(prefix).count(), 1, "{lang}: {text}");
    }
}
