//! The lessons and the model docs quote the committed results: every number
//! written as an inline reference (see `hooklab_report::doc_numbers`) must
//! read what rendering it from `results/` (and `docs/check-runs/`) gives.
//!
//! After regenerating `results/`, refresh the docs in place with
//! `HOOKLAB_UPDATE_DOCS=1 cargo test -p hooklab-report --test report doc_numbers`
//! (or `scripts/refresh-doc-numbers.sh`), then read the diff: a sentence
//! around a number may need new words.

use hooklab_report::doc_numbers::{documents, refresh};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn committed_docs_quote_the_committed_results() {
    let write = std::env::var_os("HOOKLAB_UPDATE_DOCS").is_some_and(|v| v == "1");
    let stale = refresh(&root(), write).unwrap_or_else(|e| panic!("{e}"));
    if write {
        for s in &stale {
            eprintln!("rewrote {}", s.path.display());
        }
        return;
    }
    let report: Vec<String> = stale
        .iter()
        .map(|s| {
            format!(
                "{}:\n  committed: {}\n  rendered:  {}",
                s.path.display(),
                s.first_difference.0,
                s.first_difference.1
            )
        })
        .collect();
    assert!(
        report.is_empty(),
        "docs quote stale numbers; run HOOKLAB_UPDATE_DOCS=1 cargo test -p hooklab-report \
         --test report doc_numbers\n{}",
        report.join("\n")
    );
}

#[test]
fn every_lesson_quotes_its_numbers_by_reference() {
    // A lesson that quotes results but lost its references (a hand edit that
    // pasted plain numbers back) would pass the test above vacuously.
    for rel in documents(&root()).unwrap() {
        let name = rel.to_string_lossy().into_owned();
        let quotes_results = ["02-", "03-", "04-", "05-"]
            .iter()
            .any(|n| name.contains(n))
            || name.ends_with("model.md")
            || name.ends_with("modelo.pt-BR.md");
        if quotes_results {
            let text = std::fs::read_to_string(root().join(&rel)).unwrap();
            assert!(
                text.matches("<!--n:").count() >= 10,
                "{name} quotes results but has few references"
            );
        }
    }
}
