//! `hooklab live --replay DIR --speed X`: a speed outside 0.01 to 100000
//! (the range `hooklab_live::replay` argues) is bad usage, exit 2, with the
//! range in the reader's language, before anything is read or served.

use crate::messages::{hooklab, said};

/// `hooklab --lang LANG live --replay /nonexistent/run --speed SPEED`: a
/// speed the check takes goes on to read the folder, and fails there.
fn replay_at(lang: &str, speed: &str) -> (Option<i32>, String) {
    let dir = super::temp_dir();
    let out = hooklab(dir.path())
        .args(["--lang", lang, "live", "--replay", "/nonexistent/run"])
        .args(["--speed", speed])
        .output()
        .unwrap();
    (out.status.code(), said(&out))
}

#[test]
fn a_speed_no_human_can_watch_is_refused_with_the_range() {
    for speed in [
        "1e-300", "0", "-0", "-3", "0.001", "0.0099", "100000.5", "1e300", "inf", "NaN",
    ] {
        for (lang, words) in [
            (
                "en",
                "must be between 0.01 and 100000 (run time per wall-clock time",
            ),
            (
                "pt-BR",
                "deve ser pelo menos 0.01 e no máximo 100000 (tempo da execução por tempo de relógio",
            ),
        ] {
            let (code, text) = replay_at(lang, speed);
            assert_eq!(code, Some(2), "{lang} {speed}: {text}");
            // The value as it was typed (`1e300`, not its 301 digits).
            assert!(text.contains(&format!("--speed {speed}: ")), "{text}");
            assert!(text.contains(words), "{lang} {speed}: {text}");
            // Refused before the folder is read.
            assert!(!text.contains("/nonexistent/run"), "{lang} {speed}: {text}");
        }
    }
}

#[test]
fn the_ends_of_the_range_are_taken() {
    for speed in ["0.01", "1", "60", "36000", "100000", "1e5"] {
        let (code, text) = replay_at("en", speed);
        // Past the speed, the replay's folder is what is wrong.
        assert_eq!(code, Some(2), "{speed}: {text}");
        assert!(text.contains("/nonexistent/run"), "{speed}: {text}");
        assert!(!text.contains("must be between"), "{speed}: {text}");
    }
}

#[test]
fn live_help_gives_the_range_in_both_languages() {
    for (lang, words) in [("en", "from 0.01 to 100000"), ("pt-BR", "de 0,01 a 100000")] {
        let dir = super::temp_dir();
        let out = hooklab(dir.path())
            .args(["--lang", lang, "live", "--help"])
            .output()
            .unwrap();
        let text = said(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        // clap wraps the help at the terminal's width.
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(words), "{lang}: {text}");
    }
}
