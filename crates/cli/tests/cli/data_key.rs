//! A platform's data file holds the merchant's key of its first start: a
//! start on it with another `--api-key` is refused (exit 2), instead of
//! replacing the key the shops hold, and the refusal never says a key whole.

use super::{hooklab, temp_dir};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

const FIRST: &str = "sk_test_0123456789abcdef0123456789abcdef";
const OTHER: &str = "sk_test_fedcba9876543210fedcba9876543210";

/// Starts a platform on `data` with `extra`, reads its first line (by then
/// the file holds the key) and stops it.
fn start_and_stop(data: &str, extra: &[&str]) -> String {
    let mut platform = hooklab()
        .args(["platform", "--listen", "127.0.0.1:0", "--data", data])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(platform.stdout.take().unwrap());
    let mut said = String::new();
    for _ in 0..3 {
        out.read_line(&mut said).unwrap();
    }
    platform.kill().unwrap();
    platform.wait().unwrap();
    said
}

#[test]
fn another_api_key_on_a_data_file_is_refused_without_saying_either_key() {
    let tmp = temp_dir();
    let data = tmp.path().join("keyed.sqlite");
    let data_arg = data.to_str().unwrap();
    let first = start_and_stop(data_arg, &["--api-key", FIRST]);
    assert!(first.contains(&format!("API key: {FIRST}")), "{first}");

    for (lang, words) in [("en", "another API key"), ("pt-BR", "outra chave de API")] {
        let mut refused = hooklab()
            .args(["--lang", lang, "platform", "--listen", "127.0.0.1:0"])
            .args(["--data", data_arg, "--api-key", OTHER])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Refused, it says nothing on stdout and ends; started (the bug), it
        // says where it listens, and is stopped so that the test fails
        // rather than waits.
        let mut first = String::new();
        BufReader::new(refused.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        if !first.is_empty() {
            refused.kill().unwrap();
        }
        let refused = refused.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&refused.stderr).into_owned();
        assert!(first.is_empty(), "started with another key: {first}");
        assert_eq!(refused.status.code(), Some(2), "{said}");
        assert!(said.contains("keyed.sqlite"), "{said}");
        assert!(said.contains(words), "{said}");
        assert!(said.contains("--reset"), "{said}");
        assert!(said.contains("sk_test_…cdef"), "{said}");
        assert!(said.contains("sk_test_…3210"), "{said}");
        assert!(!said.contains(FIRST) && !said.contains(OTHER), "{said}");
    }

    // Refused, the file still holds the first key: a start without
    // --api-key (or with the same one) goes on with it.
    let again = start_and_stop(data_arg, &[]);
    assert!(again.contains(&format!("API key: {FIRST}")), "{again}");
    let same = start_and_stop(data_arg, &["--api-key", FIRST]);
    assert!(same.contains(&format!("API key: {FIRST}")), "{same}");
    // --reset starts over with the new key.
    let reset = start_and_stop(data_arg, &["--api-key", OTHER, "--reset"]);
    assert!(reset.contains(&format!("API key: {OTHER}")), "{reset}");
}
