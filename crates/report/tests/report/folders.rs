//! Results folders: every file is written, re-rendering gives the same
//! bytes, the committed runs are reproduced, and the index lists the runs.

use crate::{files, summary};
use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use hooklab_report::render;
use hooklab_report::write_results;
use std::path::Path;

#[test]
fn a_results_folder_has_every_file_and_the_markdown_embeds_the_charts() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write_results(&summary(""), dir, Lang::En).unwrap();
    let names: Vec<String> = files(dir).into_iter().map(|(n, _)| n).collect();
    for file in [
        "latency-cdf.svg",
        "outcomes.svg",
        "requests.svg",
        "summary.csv",
        "summary.json",
        "summary.md",
        "timeline.svg",
        "tradeoff.svg",
    ] {
        assert!(names.iter().any(|n| n == file), "{file} missing: {names:?}");
    }
    let md = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    for (file, _) in render::CHARTS {
        assert!(md.contains(&format!("]({file})")), "{file} not embedded");
    }
}

#[test]
fn re_rendering_a_saved_summary_gives_back_the_same_files() {
    for lang in [Lang::En, Lang::PtBr] {
        let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (first, second) = (first.path(), second.path());
        write_results(&summary("A checkout."), first, lang).unwrap();
        let text = std::fs::read_to_string(first.join("summary.json")).unwrap();
        let saved: Summary = serde_json::from_str(&text).unwrap();
        write_results(&saved, second, lang).unwrap();
        let (a, b) = (files(first), files(second));
        assert_eq!(a.len(), b.len());
        for ((name, x), (_, y)) in a.iter().zip(&b) {
            assert!(x == y, "{lang:?}: {name} differs after re-rendering");
        }
    }
}

#[test]
fn committed_results_are_reproduced_by_re_rendering() {
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results");
    for entry in std::fs::read_dir(&results).unwrap() {
        let dir = entry.unwrap().path();
        // Folders from before issue 5 have no CSV yet; they are rewritten
        // when their scenario is run again.
        if !dir.join("summary.csv").exists() {
            continue;
        }
        let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
        let saved: Summary = serde_json::from_str(&text).unwrap();
        let out = tempfile::tempdir().unwrap();
        write_results(&saved, out.path(), Lang::En).unwrap();
        for (name, bytes) in files(out.path()) {
            let committed = std::fs::read(dir.join(&name)).unwrap();
            assert!(committed == bytes, "{}/{name} differs", dir.display());
        }
    }
}

#[test]
fn the_results_index_lists_every_run() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().join("results");
    for name in ["alpha", "beta"] {
        let mut s = summary("");
        s.scenario.name = name.to_owned();
        write_results(&s, &root.join(name), Lang::En).unwrap();
    }
    let index = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(index.contains("## [alpha](alpha/summary.md)"), "{index}");
    assert!(index.contains("## [beta](beta/summary.md)"), "{index}");
    assert!(index.contains("| webhook |"), "{index}");
}

#[test]
fn a_folder_that_cannot_be_written_is_named_and_its_cause_said_once() {
    let scratch = tempfile::tempdir().unwrap();
    // A file where the folder should be: creating the folder fails.
    let blocked = scratch.path().join("blocked");
    std::fs::write(&blocked, "").unwrap();
    let error = write_results(&summary(""), &blocked, Lang::En).unwrap_err();
    let mut chain = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    assert!(
        chain.starts_with(&format!("cannot write {}: ", blocked.display())),
        "{chain}"
    );
    let os = std::fs::create_dir_all(&blocked).unwrap_err().to_string();
    assert_eq!(chain.matches(&os).count(), 1, "{chain}");
}

/// Where a summary's counts and its own timeline disagree, one line each.
fn disagreements(s: &hooklab_core::report::StrategyReport) -> Vec<String> {
    let t = &s.timeline;
    let sum = |v: &[u32]| v.iter().map(|&x| u64::from(x)).sum::<u64>();
    let via = |c: char| t.via.chars().filter(|&v| v == c).count() as u64;
    let known = t.orders.iter().filter(|o| o[2] >= 0.0).count() as u64;
    let checks = [
        ("orders", s.orders, t.orders.len() as u64),
        ("notified (known per bucket)", s.notified, sum(&t.known)),
        ("notified (orders known)", s.notified, known),
        (
            "notified_by.poll (via p, c)",
            s.notified_by.poll,
            via('p') + via('c'),
        ),
        (
            "notified_by.webhook (via w)",
            s.notified_by.webhook,
            via('w'),
        ),
        ("notified_by.stream (via s)", s.notified_by.stream, via('s')),
        (
            "rejected (all reasons)",
            s.rejected.values().sum(),
            sum(&t.rejected),
        ),
        ("requests polls", s.requests.all_polls(), sum(&t.polls)),
        (
            "requests polls_wasted",
            s.requests.all_polls_wasted(),
            sum(&t.polls_wasted),
        ),
        (
            "requests webhook_attempts",
            s.requests.webhook_attempts,
            sum(&t.deliveries),
        ),
        (
            "requests webhook_retries",
            s.requests.webhook_retries,
            sum(&t.retries),
        ),
        (
            "requests webhook_failures",
            s.requests.webhook_failures,
            sum(&t.failed_deliveries),
        ),
        (
            "requests rate_limited",
            s.requests.rate_limited,
            sum(&t.rate_limited),
        ),
    ];
    checks
        .iter()
        .filter(|(_, summary, timeline)| summary != timeline)
        .map(|(what, summary, timeline)| {
            format!("{}: {what}: summary {summary}, timeline {timeline}", s.name)
        })
        .collect()
}

#[test]
fn every_committed_summary_agrees_with_its_own_timeline() {
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results");
    let mut wrong = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(&results).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(text) = std::fs::read_to_string(dir.join("summary.json")) else {
            continue;
        };
        let saved: Summary = serde_json::from_str(&text).unwrap();
        for s in &saved.strategies {
            // Summaries from before the timeline existed have none to agree with.
            if s.timeline.orders.is_empty() {
                continue;
            }
            checked += 1;
            let folder = dir.file_name().unwrap().to_string_lossy().into_owned();
            wrong.extend(
                disagreements(s)
                    .into_iter()
                    .map(|d| format!("{folder}/{d}")),
            );
        }
    }
    assert!(checked > 0, "no committed summary has a timeline");
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn a_sampled_timeline_is_said_under_the_timeline_chart_in_both_languages() {
    // Nothing to say when every order's life is kept.
    let full = summary("Three hundred customers check out.");
    for lang in [Lang::En, Lang::PtBr] {
        assert!(!render::markdown(&full, lang).contains("1 in every"));
    }
    let mut sampled = full;
    for s in &mut sampled.strategies {
        s.orders = 1_000_000;
        s.timeline.order_stride = 100;
        s.timeline.orders = vec![[0.0, 1.0, 2.0]; 10_000];
        s.timeline.via = "p".repeat(10_000);
    }
    let en = render::markdown(&sampled, Lang::En);
    let pt = render::markdown(&sampled, Lang::PtBr);
    let note_en = "a sample of 10,000 of the 1,000,000 orders of each strategy, one in every 100";
    let note_pt = "uma amostra de 10.000 dos 1.000.000 pedidos de cada estratégia, um a cada 100";
    assert!(en.contains(note_en), "{en}");
    assert!(pt.contains(note_pt), "{pt}");
    // Right under the timeline chart, before the next one.
    let (chart, note) = (
        en.find("(timeline.svg)").unwrap(),
        en.find(note_en).unwrap(),
    );
    assert!(
        chart < note && note < en.find("(outcomes.svg)").unwrap(),
        "{en}"
    );
}
