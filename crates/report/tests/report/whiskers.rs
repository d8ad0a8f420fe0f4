//! The charts' error bars: a whisker (the 95% interval) wherever the table
//! shows a `±` or `[low–high]`, the model's value as a cross where the
//! table shows one, (!) where the table marks a prediction, and a legend
//! line saying what the whiskers are, in both languages.

use crate::{summary, svg_texts};
use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use hooklab_core::scenario::StrategyKind;
use hooklab_report::charts;

/// The legend's line for the whiskers, by language.
fn whisker_words(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "whisker: 95% interval",
        Lang::PtBr => "barra de erro: intervalo de 95%",
    }
}

/// The chart `file` of `s` in `lang`.
fn chart(s: &Summary, lang: Lang, file: &str) -> String {
    let all = charts::all(s, lang).unwrap();
    all.into_iter().find(|(f, _)| *f == file).unwrap().1
}

/// How many black `<polyline>`s two pixels wide an SVG has: the bars'
/// whiskers and their caps (the legend's sample included; the axes are one
/// pixel wide).
fn whisker_lines(svg: &str) -> usize {
    svg.split("<polyline")
        .skip(1)
        .filter(|p| {
            let tag = &p[..p.find('>').unwrap_or(p.len())];
            tag.contains("stroke=\"#000000\"") && tag.contains("stroke-width=\"2\"")
        })
        .count()
}

/// The test summary with no interval anywhere.
fn bare() -> Summary {
    let mut s = summary("");
    for r in &mut s.strategies {
        r.latency_ms.stderr = None;
        r.latency_ms.ci95 = None;
        r.requests_per_order_stderr = None;
        r.predicted.requests_per_order = r.requests_per_order;
        r.predicted.latency_mean_ms = r.latency_ms.mean;
    }
    s
}

#[test]
fn requests_per_order_get_a_whisker_where_the_table_shows_a_plus_minus() {
    let mut s = bare();
    s.strategies[0].requests_per_order_stderr = Some(0.15);
    s.strategies[1].requests_per_order_stderr = Some(0.05);
    for lang in [Lang::En, Lang::PtBr] {
        let with = chart(&s, lang, "requests.svg");
        let without = chart(&bare(), lang, "requests.svg");
        // A line and two caps per whisker, and the legend's sample.
        assert_eq!(
            whisker_lines(&with) - whisker_lines(&without),
            3 * 2 + 3,
            "{with}"
        );
        assert!(
            svg_texts(&with)
                .iter()
                .any(|t| t.trim() == whisker_words(lang))
        );
        // No whisker at all: no legend line for one.
        assert!(
            !svg_texts(&without)
                .iter()
                .any(|t| t.trim() == whisker_words(lang))
        );
        // The model's value is in the table's req/order column: a cross.
        let model = match lang {
            Lang::En => "model",
            Lang::PtBr => "modelo",
        };
        assert!(
            svg_texts(&without).iter().any(|t| t.trim() == model),
            "{without}"
        );
    }
}

#[test]
fn a_missed_count_with_a_wilson_interval_and_a_model_gets_both_in_outcomes() {
    let mut s = bare();
    // lost-webhooks' webhook: 317 of 3,000 lost, the model's 10%.
    let w = &mut s.strategies[3];
    w.kind = StrategyKind::Webhook;
    w.orders = 3_000;
    w.missed = 317;
    w.notified = 2_683;
    w.predicted.missed_share = Some(0.1);
    w.missed_share_ci95 = Some([0.0952, 0.1172]);
    // The same counts, with no prediction: the table shows the bare count.
    let mut unpredicted = s.clone();
    unpredicted.strategies[3].predicted.missed_share = None;
    for lang in [Lang::En, Lang::PtBr] {
        let with = chart(&s, lang, "outcomes.svg");
        let without = chart(&unpredicted, lang, "outcomes.svg");
        assert_eq!(
            whisker_lines(&with) - whisker_lines(&without),
            3 + 3,
            "{with}"
        );
        let texts = svg_texts(&with);
        assert!(
            texts.iter().any(|t| t.trim() == whisker_words(lang)),
            "{texts:?}"
        );
        let model = match lang {
            Lang::En => "model",
            Lang::PtBr => "modelo",
        };
        assert!(texts.iter().any(|t| t.trim() == model), "{texts:?}");
        // Nothing predicted, nothing drawn or named.
        let bare_texts = svg_texts(&without);
        assert!(
            !bare_texts.iter().any(|t| t.trim() == model),
            "{bare_texts:?}"
        );
    }
}

#[test]
fn the_tradeoff_draws_each_means_interval_and_marks_a_model_outside_it() {
    let mut s = bare();
    for r in &mut s.strategies {
        r.latency_ms.ci95 = Some([r.latency_ms.mean - 3.92, r.latency_ms.mean + 3.92]);
    }
    // poll@500ms: the model 40 ms off a ±3.9 ms interval; the table marks it.
    s.strategies[1].predicted.latency_mean_ms = s.strategies[1].latency_ms.mean + 40.0;
    assert!(hooklab_report::render::table(&s, Lang::En).contains("(!)"));
    for lang in [Lang::En, Lang::PtBr] {
        let svg = chart(&s, lang, "tradeoff.svg");
        let texts: Vec<String> = svg_texts(&svg)
            .iter()
            .map(|t| t.trim().to_owned())
            .collect();
        assert!(texts.iter().any(|t| t == "500ms (!)"), "{texts:?}");
        assert!(texts.iter().any(|t| t == "100ms"), "{texts:?}");
        assert!(!texts.iter().any(|t| t == "100ms (!)"), "{texts:?}");
        assert!(texts.iter().any(|t| t == whisker_words(lang)), "{texts:?}");
        let plain = chart(&bare(), lang, "tradeoff.svg");
        assert!(
            !svg_texts(&plain).iter().any(|t| t.contains("(!)")),
            "{plain}"
        );
        assert!(
            !svg_texts(&plain)
                .iter()
                .any(|t| t.trim() == whisker_words(lang))
        );
    }
}
