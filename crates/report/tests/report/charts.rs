//! The SVG charts: each has a title, axes, a legend and marks.

use crate::{summary, svg_texts};
use hooklab_core::lang::Lang;
use hooklab_report::charts;

#[test]
fn every_chart_is_an_svg_with_titles_axes_legends_and_marks() {
    let summary = summary("");
    for (file, svg) in charts::all(&summary, Lang::En).unwrap() {
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
        let all = charts::all(&summary, Lang::En).unwrap();
        svg_texts(&all.into_iter().find(|(f, _)| *f == file).unwrap().1).join(" | ")
    };
    assert!(texts("latency-cdf.svg").contains("(ms, log scale)"));
    assert!(texts("tradeoff.svg").contains("requests per order"));
    assert!(texts("requests.svg").contains("wasted polls"));
    assert!(texts("outcomes.svg").contains("missed"));
}

/// The `fill` and `stroke` colours of an SVG, as `#rrggbb`.
fn colours(svg: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for key in ["fill=\"#", "stroke=\"#"] {
        for part in svg.split(key).skip(1) {
            out.insert(format!("#{}", &part[..6.min(part.len())]).to_lowercase());
        }
    }
    out
}

#[test]
fn a_colour_means_one_strategy_in_every_chart() {
    // The palette's rose is the second strategy's colour: in every chart it
    // may appear only for that strategy, never for a kind of request or
    // outcome.
    let mut summary = summary("");
    // Only two strategies: any orange must be the second one's.
    summary.strategies.truncate(2);
    summary.strategies[0].duplicates = 50;
    summary.strategies[0]
        .rejected
        .insert("injected_503".to_owned(), 7);
    for (file, svg) in charts::all(&summary, Lang::En).unwrap() {
        let used = colours(&svg);
        // The third to tenth strategies' colours are not in a two-strategy run.
        for absent in ["#117733", "#ddcc77", "#88ccee"] {
            assert!(
                !used.contains(absent),
                "{file} uses {absent}, no strategy's colour"
            );
        }
    }
}

#[test]
fn outcomes_keep_duplicates_off_the_orders_and_show_rejections_by_reason() {
    let mut summary = summary("");
    summary.strategies[3]
        .rejected
        .insert("injected_503".to_owned(), 40);
    summary.strategies[3]
        .rejected
        .insert("signature_mismatch".to_owned(), 2);
    let all = charts::all(&summary, Lang::En).unwrap();
    let svg = &all.iter().find(|(f, _)| *f == "outcomes.svg").unwrap().1;
    let texts = svg_texts(svg).join(" | ");
    assert!(
        texts.contains("rejected deliveries: injected_503"),
        "{texts}"
    );
    assert!(
        texts.contains("rejected deliveries: signature_mismatch"),
        "{texts}"
    );
    // Two panels, two y axes: orders, and the notices that are not orders.
    assert!(texts.contains("duplicate and refused notices"), "{texts}");
    assert!(
        texts.contains("| orders |") || texts.contains("orders"),
        "{texts}"
    );
}

#[test]
fn the_tradeoff_draws_the_model_prints_each_tick_once_and_keeps_its_legend_aside() {
    let summary = summary("");
    let all = charts::all(&summary, Lang::En).unwrap();
    let svg = &all.iter().find(|(f, _)| *f == "tradeoff.svg").unwrap().1;
    // Every `<text>` with its position.
    let placed: Vec<(f64, f64, String)> = svg
        .split("<text")
        .skip(1)
        .map(|part| {
            let attr = |name: &str| -> f64 {
                part.split(&format!(" {name}=\""))
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            };
            let body = &part[part.find('>').unwrap() + 1..];
            let body = body[..body.find("</text>").unwrap()]
                .trim()
                .replace("&apos;", "'");
            (attr("x"), attr("y"), body)
        })
        .collect();
    assert!(placed.iter().any(|t| t.2 == "model's mean"), "{placed:?}");
    // The x axis's ticks share one baseline; none is printed twice.
    let numeric = |t: &&(f64, f64, String)| {
        !t.2.is_empty() && t.2.chars().all(|c| c.is_ascii_digit() || c == '.')
    };
    let baseline = placed
        .iter()
        .filter(numeric)
        .map(|t| t.1)
        .fold(0.0f64, f64::max);
    let mut ticks: Vec<&str> = placed
        .iter()
        .filter(numeric)
        .filter(|t| t.1 == baseline)
        .map(|t| t.2.as_str())
        .collect();
    let count = ticks.len();
    ticks.sort();
    ticks.dedup();
    assert!(count > 2, "{placed:?}");
    assert_eq!(count, ticks.len(), "{placed:?}");
    // The legend sits right of the plot (whose right edge is 960 - 250 px),
    // so it cannot cover a point.
    for (x, _, body) in &placed {
        if body.ends_with(" · mean") || body.ends_with(" · p99") || body == "model's mean" {
            assert!(*x > 710.0, "legend label {body} at x = {x}");
        }
    }
}

/// checkout with silent loss: every strategy busy for 3.5 s, the webhook's
/// run then waiting 33 h for the orders it lost. Its timeline stops with
/// its activity (crates/harness sizes the buckets to it), so the run's end
/// comes from `run_ms`, and the note says it in hours.
#[test]
fn a_timeline_cut_before_a_long_idle_tail_names_the_end_in_its_own_unit() {
    let mut summary = summary("");
    for s in &mut summary.strategies {
        s.timeline.bucket_ms = 20.0;
        s.timeline.polls = vec![3; 176];
        s.run_ms = 3_500.0;
    }
    if let Some(webhook) = summary.strategies.last_mut() {
        webhook.run_ms = 119_291_296.0;
    }
    let all = charts::all(&summary, Lang::PtBr).unwrap();
    let svg = &all.iter().find(|(f, _)| *f == "timeline.svg").unwrap().1;
    let texts = svg_texts(svg).join(" | ");
    assert!(
        texts.contains("o eixo termina em 3,52 s")
            && texts.contains("até o fim das execuções, em 33,1 h"),
        "{texts}"
    );
}
