//! The reports a run leaves behind: CSV, charts, re-rendering, Portuguese.
//!
//! These tests need no network and no run: they build a [`Summary`] by hand
//! (with a real HdrHistogram behind its CDF) and check what the renderers make
//! of it. The committed `results/*/` folders are checked too: re-rendering
//! their `summary.json` must give back their files byte for byte.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hooklab_core::model::Prediction;
use hooklab_core::report::{
    LatencySummary, NotifiedBy, RequestCounts, ScenarioInfo, StrategyReport, Summary,
    latency_histogram,
};
use hooklab_core::scenario::{ClockMode, StrategyKind};
use hooklab_harness::charts::cdf_points;
use hooklab_harness::i18n::Lang;
use hooklab_harness::render::{self, write_results};
use std::path::{Path, PathBuf};

fn strategy(name: &str, kind: StrategyKind, interval_ms: Option<f64>) -> StrategyReport {
    // Polling every T ms: delays spread evenly over 0..T; a webhook: ~1-4 ms.
    let mut h = latency_histogram();
    for i in 0..300u64 {
        let us = match interval_ms {
            Some(t) => (i as f64 / 300.0 * t * 1_000.0) as u64 + 200,
            None => 1_000 + i * 10,
        };
        h.record(us).unwrap();
    }
    let polls = interval_ms.map_or(0, |t| (1_100.0 / t * 300.0) as u64 + 300);
    StrategyReport {
        name: name.to_owned(),
        kind,
        interval_ms,
        orders: 300,
        notified: 298,
        missed: 2,
        duplicates: 3,
        notified_by: NotifiedBy {
            poll: if interval_ms.is_some() { 298 } else { 0 },
            webhook: if interval_ms.is_some() { 0 } else { 298 },
        },
        latency_ms: LatencySummary::from_histogram(&h),
        requests: RequestCounts {
            total: 0,
            payment_creates: 300,
            polls,
            polls_wasted: polls.saturating_sub(300),
            webhook_attempts: if interval_ms.is_some() { 0 } else { 301 },
            endpoint_registrations: u64::from(interval_ms.is_none()),
            ..RequestCounts::default()
        }
        .with_total(),
        rejected: Default::default(),
        requests_per_order: if interval_ms.is_some() {
            polls as f64 / 300.0
        } else {
            1.0033
        },
        polls_wasted_share: if polls == 0 {
            0.0
        } else {
            polls.saturating_sub(300) as f64 / polls as f64
        },
        predicted: Prediction {
            latency_mean_ms: interval_ms.map_or(0.6, |t| t / 2.0),
            requests_per_order: 1.0,
            polls_wasted_per_order: 0.0,
            rtt_ms: 0.2,
            timer_slack_ms: 0.5,
            settle_lateness_ms: 0.05,
            formula: String::new(),
            ..Prediction::default()
        },
        counts_agree: true,
        run_ms: 2_500.0,
        missed_orders: vec![hooklab_core::report::MissedOrder {
            order_id: "ord_1".to_owned(),
            reason: "the poller had not seen the final status when the run ended".to_owned(),
            why: Some(hooklab_core::report::MissedWhy::NotPolledYet),
        }],
        latency_cdf_ms: cdf_points(&h),
        timeline: Default::default(),
    }
}

/// A small sweep of a poller, plus a webhook.
fn summary(description: &str) -> Summary {
    let mut strategies: Vec<StrategyReport> = [100.0, 500.0, 2_000.0]
        .iter()
        .map(|t| {
            let name = hooklab_harness::sweep::point_name(
                "poll",
                "interval_ms",
                &format!("{}ms", *t as u64),
            );
            strategy(&name, StrategyKind::Poll, Some(*t))
        })
        .collect();
    strategies.push(strategy("webhook", StrategyKind::Webhook, None));
    Summary {
        scenario: ScenarioInfo {
            name: "checkout".to_owned(),
            description: description.to_owned(),
            description_pt_br: "Trezentos clientes finalizam a compra.".to_owned(),
            seed: 42,
            clock: ClockMode::Real,
            orders: 300,
            arrival: "one every 5ms".to_owned(),
            settle: "uniform 200ms..2s".to_owned(),
        },
        strategies,
    }
}

/// A fresh, empty folder under the system's temporary folder.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hooklab-reports-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// The text of every `<text>` element of an SVG.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].to_owned())
        })
        .collect()
}

#[test]
fn a_results_folder_has_every_file_and_the_markdown_embeds_the_charts() {
    let dir = scratch("folder");
    write_results(&summary(""), &dir, Lang::En).unwrap();
    let names: Vec<String> = files(&dir).into_iter().map(|(n, _)| n).collect();
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
fn the_csv_has_one_flat_row_per_strategy_and_sweep_value() {
    let csv = hooklab_harness::csv::csv(&summary(""));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    let width = lines[0].split(',').count();
    assert!(lines.iter().all(|l| l.split(',').count() == width), "{csv}");
    assert!(lines[0].starts_with("scenario,strategy,base_strategy,sweep_field,sweep_value,"));
    assert!(
        lines[2].starts_with("checkout,poll@interval_ms=500ms,poll,interval_ms,500ms,poll,500,")
    );
    assert!(lines[4].starts_with("checkout,webhook,webhook,,,webhook,,"));
}

#[test]
fn every_chart_is_an_svg_with_titles_axes_legends_and_marks() {
    let summary = summary("");
    for (file, svg) in hooklab_harness::charts::all(&summary, Lang::En).unwrap() {
        assert!(svg.starts_with("<svg") || svg.contains("<svg "), "{file}");
        assert!(svg.trim_end().ends_with("</svg>"), "{file}");
        let texts = svg_texts(&svg);
        assert!(
            texts.iter().any(|t| t.contains("checkout")),
            "{file}: no title naming the scenario: {texts:?}"
        );
        assert!(
            texts.iter().any(|t| t.contains("webhook")),
            "{file}: no legend or label"
        );
        // Drawn marks: lines (polyline/path) or bars (rect) beyond the background.
        let marks = svg.matches("<polyline").count()
            + svg.matches("<path").count()
            + svg.matches("<rect").count();
        assert!(marks > 5, "{file}: only {marks} marks");
    }
    let texts = |file: &str| {
        let all = hooklab_harness::charts::all(&summary, Lang::En).unwrap();
        svg_texts(&all.into_iter().find(|(f, _)| *f == file).unwrap().1).join(" | ")
    };
    assert!(texts("latency-cdf.svg").contains("(ms, log scale)"));
    assert!(texts("tradeoff.svg").contains("requests per order"));
    assert!(texts("requests.svg").contains("wasted polls"));
    assert!(texts("outcomes.svg").contains("missed"));
}

#[test]
fn re_rendering_a_saved_summary_gives_back_the_same_files() {
    for lang in [Lang::En, Lang::PtBr] {
        let first = scratch(&format!("first-{lang:?}"));
        write_results(&summary("A checkout."), &first, lang).unwrap();
        let text = std::fs::read_to_string(first.join("summary.json")).unwrap();
        let saved: Summary = serde_json::from_str(&text).unwrap();
        let second = scratch(&format!("second-{lang:?}"));
        write_results(&saved, &second, lang).unwrap();
        let (a, b) = (files(&first), files(&second));
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
        let out = scratch(&format!("committed-{}", saved.scenario.name));
        write_results(&saved, &out, Lang::En).unwrap();
        for (name, bytes) in files(&out) {
            let committed = std::fs::read(dir.join(&name)).unwrap();
            assert!(committed == bytes, "{}/{name} differs", dir.display());
        }
    }
}

/// English words that must not survive in a Portuguese report. Identifiers
/// (`webhook`, strategy names, file names) are allowed: they are names.
const ENGLISH: [&str; 31] = [
    "rejected",
    "strategy",
    "notified",
    "missed",
    "mean",
    "model",
    "order",
    "orders",
    "polls",
    "polling",
    "wasted",
    "requests",
    "request",
    "delay",
    "seed",
    "clock",
    "arrivals",
    "settlement",
    "uniform",
    "every",
    "measured",
    "cost",
    "share",
    "duplicates",
    "deliveries",
    "charts",
    "outcomes",
    "against",
    "scale",
    "first",
    "the",
];

fn english_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| ENGLISH.contains(&w.as_str()))
        .collect()
}

#[test]
fn portuguese_reports_have_no_english_left() {
    let summary = summary("Three hundred customers check out, one every 5 ms.");
    let table = render::table(&summary, Lang::PtBr);
    // File names (summary.json, model.rs) are names, not English prose.
    let table_prose = table.replace("summary.json", "").replace("model.rs", "");
    assert_eq!(english_words(&table_prose), Vec::<String>::new(), "{table}");
    let md = render::markdown(&summary, Lang::PtBr);
    let md_prose = md
        .replace("summary.json", "")
        .replace("model.rs", "")
        .replace("(latency-cdf.svg)", "")
        .replace("(tradeoff.svg)", "")
        .replace("(requests.svg)", "")
        .replace("(outcomes.svg)", "");
    assert_eq!(english_words(&md_prose), Vec::<String>::new(), "{md}");
    assert!(table.contains("consultas desperdiçadas"), "{table}");
    assert!(md.contains("requisições por pedido"), "{md}");
    // The scenario's own Portuguese description, and why an order was
    // missed, said in Portuguese.
    assert!(
        md.contains("Trezentos clientes finalizam a compra."),
        "{md}"
    );
    assert!(
        md.contains("a consulta ainda não tinha visto o status final"),
        "{md}"
    );
    let md_en = render::markdown(&summary, Lang::En);
    assert!(
        md_en.contains("Three hundred customers check out"),
        "{md_en}"
    );
    assert!(
        md_en.contains("the poller had not seen the final status"),
        "{md_en}"
    );
    for (file, svg) in hooklab_harness::charts::all(&summary, Lang::PtBr).unwrap() {
        let texts = svg_texts(&svg).join(" ");
        assert_eq!(
            english_words(&texts),
            Vec::<String>::new(),
            "{file}: {texts}"
        );
    }
    // And English is still the default.
    assert!(!english_words(&render::table(&summary, Lang::En)).is_empty());
}

#[test]
fn the_results_index_lists_every_run() {
    let root = scratch("index").join("results");
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
