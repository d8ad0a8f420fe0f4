//! What a class types from its first command: a scenario by name, a
//! scenario file with a TOML mistake in it, an address already taken. Each
//! is answered in the class's language, with exit code 2 for its mistakes.

use crate::messages::{hooklab, said};
use std::path::Path;

/// A class's folder with a scenarios/ of its own: `tiny` (real clock, a
/// few orders) and `tiny-virtual`.
fn class_folder() -> tempfile::TempDir {
    let tmp = crate::temp_dir();
    let dir = tmp.path().join("scenarios");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("tiny.toml"), crate::GOOD).unwrap();
    let virtual_clock = crate::GOOD.replace("seed = 1", "seed = 1\nclock = \"virtual\"");
    std::fs::write(dir.join("tiny-virtual.toml"), virtual_clock).unwrap();
    tmp
}

fn exit_code(cwd: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = hooklab(cwd).args(args).output().unwrap();
    (out.status.code(), said(&out))
}

#[test]
fn a_bare_scenario_name_is_the_file_of_scenarios() {
    let tmp = class_folder();
    let cwd = tmp.path();
    for name in ["tiny", "tiny.toml"] {
        let (code, text) = exit_code(cwd, &["validate", name]);
        assert_eq!(code, Some(0), "{name}: {text}");
        assert!(text.contains("scenarios/tiny.toml: ok"), "{name}: {text}");
    }
    let (code, text) = exit_code(cwd, &["-q", "run", "tiny-virtual", "--no-write"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("webhook"), "{text}");
    // `run` writes where the file's own name says: runs/tiny-virtual/.
    let (code, text) = exit_code(cwd, &["-q", "run", "tiny-virtual.toml"]);
    assert_eq!(code, Some(0), "{text}");
    let summary = std::fs::read_to_string(cwd.join("runs/tiny-virtual/summary.json")).unwrap();
    assert!(summary.contains("scenarios/tiny-virtual.toml"), "{summary}");
    // `live` resolves the same way: the virtual file is refused for its
    // clock (naming the file it found), before anything listens.
    let (code, text) = exit_code(cwd, &["live", "tiny-virtual", "--listen", "127.0.0.1:0"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("hooklab run scenarios/tiny-virtual.toml"),
        "{text}"
    );
    // A path keeps working as before, from anywhere.
    let (code, text) = exit_code(cwd, &["validate", "./scenarios/tiny.toml"]);
    assert_eq!(code, Some(0), "{text}");
}

/// `hooklab new meu-cenario` writes ./meu-cenario.toml, and the bare name
/// then means that file: the one the student just made, not a scenario of
/// `scenarios/` (and not "no such file").
#[test]
fn a_bare_name_is_first_the_file_new_just_wrote() {
    let tmp = class_folder();
    let cwd = tmp.path();
    let (code, text) = exit_code(cwd, &["--lang", "pt-BR", "new", "meu-cenario"]);
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = exit_code(cwd, &["--lang", "pt-BR", "validate", "meu-cenario"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("meu-cenario.toml: ok"), "{text}");
    // A file here shadows a scenario of the same name.
    std::fs::write(cwd.join("tiny.toml"), "not = [toml").unwrap();
    let (code, text) = exit_code(cwd, &["validate", "tiny"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("tiny.toml:1:"), "{text}");
}

#[test]
fn an_unknown_scenario_name_lists_the_names_in_both_languages() {
    let tmp = class_folder();
    let cwd = tmp.path();
    for command in ["run", "validate", "live"] {
        let (code, text) = exit_code(cwd, &[command, "tinny"]);
        assert_eq!(code, Some(2), "{command}: {text}");
        assert!(text.contains("did you mean `tiny`?"), "{command}: {text}");
        assert!(
            text.contains("scenarios in scenarios/: tiny, tiny-virtual"),
            "{command}: {text}"
        );
        assert!(
            text.contains(&format!("`hooklab {command} ./my-shop.toml`")),
            "{command}: {text}"
        );
        let (code, text) = exit_code(cwd, &["--lang", "pt-BR", command, "tinny"]);
        assert_eq!(code, Some(2), "{command}: {text}");
        assert!(text.contains("quis dizer `tiny`?"), "{command}: {text}");
        assert!(
            text.contains("cenários em scenarios/: tiny, tiny-virtual"),
            "{command}: {text}"
        );
        assert!(
            text.contains("ou o caminho de um arquivo .toml"),
            "{command}: {text}"
        );
        assert!(!text.contains("panicked"), "{command}: {text}");
    }
    // With no scenarios/ folder at all, a name that is not built in either
    // (`checkout` is: see pt_class4) is refused with the built-in names.
    let empty = crate::temp_dir();
    let (code, text) = exit_code(empty.path(), &["run", "chekout"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("there is no scenarios/ folder here"),
        "{text}"
    );
    assert!(text.contains("did you mean `checkout`?"), "{text}");
}

#[test]
fn the_help_says_a_scenario_can_be_named() {
    let tmp = crate::temp_dir();
    for (lang, words) in [
        ("en", "in scenarios/ (`checkout`"),
        ("pt-BR", "em scenarios/ (`checkout`"),
    ] {
        for command in ["run", "validate", "live"] {
            let (code, text) = exit_code(tmp.path(), &["--lang", lang, command, "--help"]);
            assert_eq!(code, Some(0), "{text}");
            // clap wraps the help at the terminal's width.
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(text.contains(words), "{lang} {command}: {text}");
        }
    }
}

/// Every command that listens on an address the user gives, on a port a
/// std listener holds: exit 2, the address named, and what to type, in
/// both languages. Each fails at its bind, before it serves anything.
#[test]
fn a_port_already_in_use_is_refused_with_the_address_and_what_to_type() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = held.local_addr().unwrap().to_string();
    let tmp = crate::temp_dir();
    let commands: [Vec<&str>; 4] = [
        vec!["platform", "--data", ":memory:", "--listen", &addr],
        vec![
            "shop",
            "--api-key",
            "sk_test_class",
            "--strategy",
            "webhook",
            "--platform",
            "http://127.0.0.1:9",
            "--listen",
            &addr,
        ],
        vec!["live", "--now", "--listen", &addr],
        // It used to exit 1 with its own, shorter sentence.
        vec!["github", "listen", "--secret", "s3cret", "--listen", &addr],
    ];
    for args in &commands {
        for (lang, words) in [
            ("en", "that port is already in use"),
            ("pt-BR", "essa porta já está em uso"),
        ] {
            let out = hooklab(tmp.path())
                .args(["--lang", lang])
                .args(args)
                .output()
                .unwrap();
            let text = said(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?} {lang}: {text}");
            assert!(text.contains(&addr), "{args:?} {lang}: {text}");
            assert!(text.contains(words), "{args:?} {lang}: {text}");
            assert!(
                text.contains("`--listen 127.0.0.1:0`"),
                "{args:?} {lang}: {text}"
            );
        }
    }
    drop(held);
}

/// Three mistakes a class makes in its first edit, each said with the
/// file, line and column, the line with carets under what the reader
/// pointed at, and what to type: exit 2, in both languages.
#[test]
fn toml_mistakes_say_where_what_and_what_to_type() {
    let tmp = crate::temp_dir();
    let cases = [
        (
            "quote.toml",
            crate::GOOD.replace("name = \"poll\"", "name = \"poll"),
            ":8:13:",
            ["closing quote is missing", "falta a aspa final"],
            "`name = \"poll\"`",
        ),
        (
            "equals.toml",
            crate::GOOD.replace("seed = 1", "seed 1"),
            ":2:6:",
            ["need `=` between them", "falta o `=`"],
            "`seed = 1`",
        ),
        (
            "twice.toml",
            crate::GOOD.replace("orders = 10", "orders = 10\norders = 20"),
            ":5:1:",
            [
                "`orders` is written twice in this table, first on line 4",
                "`orders` aparece duas vezes nesta tabela, a primeira na linha 4",
            ],
            "^^^^^^",
        ),
    ];
    for (file, text, at, words, fix) in &cases {
        std::fs::write(tmp.path().join(file), text).unwrap();
        for (lang, words) in ["en", "pt-BR"].iter().zip(words) {
            let (code, said) = exit_code(tmp.path(), &["--lang", lang, "validate", file]);
            assert_eq!(code, Some(2), "{file} {lang}: {said}");
            assert!(
                said.contains(&format!("{file}{at}")),
                "{file} {lang}: {said}"
            );
            assert!(said.contains(words), "{file} {lang}: {said}");
            assert!(said.contains(fix), "{file} {lang}: {said}");
            assert!(
                said.contains("       | "),
                "{file} {lang}: no carets: {said}"
            );
        }
    }
}
