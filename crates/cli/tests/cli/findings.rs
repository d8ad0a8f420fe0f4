//! Testers' findings on the release binary, one test per finding: bad input
//! gets a clear answer with exit code 2, and nothing of the user's is lost.

use std::path::Path;
use std::process::{Command, Output};

/// hooklab in `cwd`, with no language from the environment.
fn hooklab(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hooklab"));
    command
        .current_dir(cwd)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("HOOKLAB_LANG");
    command
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

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
