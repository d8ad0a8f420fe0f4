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
    assert!(texts("latency-cdf.svg").contains("(log scale)"));
    assert!(texts("tradeoff.svg").contains("requests per order"));
    assert!(texts("requests.svg").contains("wasted polls"));
    assert!(texts("outcomes.svg").contains("missed"));
}

/// A run whose delays last hours reads its delay axes in seconds, minutes
/// and hours, each tick in its own unit, not in millions of milliseconds.
#[test]
fn delay_axes_of_a_run_of_hours_read_in_hours_not_millions_of_ms() {
    let mut summary = summary("");
    for s in &mut summary.strategies {
        for point in &mut s.latency_cdf_ms {
            // From 1 s to about 5.6 h.
            point[0] *= 10_000.0;
        }
        s.latency_ms.mean *= 10_000.0;
        s.latency_ms.p99 *= 10_000.0;
    }
    for (lang, scale, hours) in [
        (
            Lang::En,
            "delay from settlement to notification (log scale)",
            "1 h",
        ),
        (
            Lang::PtBr,
            "atraso entre liquidação e notificação (escala log.)",
            "1 h",
        ),
    ] {
        let all = charts::all(&summary, lang).unwrap();
        for file in ["latency-cdf.svg", "tradeoff.svg"] {
            let svg = &all.iter().find(|(f, _)| *f == file).unwrap().1;
            let texts: Vec<String> = svg_texts(svg).iter().map(|t| t.trim().to_owned()).collect();
            assert!(texts.iter().any(|t| t == hours), "{file}: {texts:?}");
            assert!(
                // Marked where a clock reads, not at powers of ten in
                // milliseconds (16.7 min, 2.78 h).
                texts.iter().any(|t| t == "10 min"),
                "{file}: {texts:?}"
            );
            for t in &texts {
                assert!(!t.contains("(ms"), "{file}: {t}");
                assert!(
                    !t.contains("000,000") && !t.contains("000.000"),
                    "{file}: {t}"
                );
            }
        }
        let cdf = svg_texts(&all.iter().find(|(f, _)| *f == "latency-cdf.svg").unwrap().1);
        assert!(cdf.iter().any(|t| t.trim() == scale), "{cdf:?}");
    }
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
    assert!(
        texts.contains("duplicate notices and rejected deliveries"),
        "{texts}"
    );
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

/// How many `<line>`s of an SVG are drawn in `colour` (`#RRGGBB`).
fn lines_in(svg: &str, colour: &str) -> usize {
    svg.split("<line")
        .skip(1)
        .filter(|l| {
            let tag = &l[..l.find('>').unwrap_or(l.len())];
            tag.to_lowercase()
                .contains(&format!("stroke=\"{}\"", colour.to_lowercase()))
        })
        .count()
}

#[test]
fn missed_orders_are_hatched_so_they_read_apart_from_notified_ones_without_colour() {
    // The first strategy missed half its orders, the second none: its
    // missed layer is empty. A tint alone told them apart before, which
    // grey print and some eyes lose.
    let mut summary = summary("");
    summary.strategies[0].notified = 150;
    summary.strategies[0].missed = 150;
    summary.strategies[1].notified = 300;
    summary.strategies[1].missed = 0;
    for lang in [Lang::En, Lang::PtBr] {
        let all = charts::all(&summary, lang).unwrap();
        let svg = &all.iter().find(|(f, _)| *f == "outcomes.svg").unwrap().1;
        // Lines in a darker indigo (the first strategy's colour, half of
        // it) over its missed layer; none in the second's darker rose.
        assert!(
            lines_in(svg, "#1A1144") > 10,
            "{lang:?}: missed not hatched"
        );
        assert_eq!(lines_in(svg, "#66333C"), 0, "{lang:?}: notified hatched");
        // The legend's swatch for "missed" is hatched too, in near-black.
        assert!(lines_in(svg, "#141414") > 0, "{lang:?}: legend not hatched");
    }
}

/// An SVG's texts, trimmed (plotters writes each on a line of its own).
fn texts_of(svg: &str) -> Vec<String> {
    svg_texts(svg).iter().map(|t| t.trim().to_owned()).collect()
}

/// The SVG of `file` among a summary's charts.
fn chart(summary: &hooklab_core::report::Summary, lang: Lang, file: &str) -> String {
    charts::all(summary, lang)
        .unwrap()
        .into_iter()
        .find(|(f, _)| *f == file)
        .unwrap()
        .1
}

#[test]
fn a_count_axis_ticks_whole_counts_only() {
    // One duplicate in all: the notices panel's axis ran 0 to 1 in tenths
    // before, "0.1 duplicates".
    let mut summary = summary("");
    for s in &mut summary.strategies {
        s.duplicates = 0;
    }
    summary.strategies[1].duplicates = 1;
    for (lang, decimal_mark) in [(Lang::En, '.'), (Lang::PtBr, ',')] {
        let svg = chart(&summary, lang, "outcomes.svg");
        let ticks: Vec<String> = texts_of(&svg)
            .into_iter()
            .filter(|t| {
                !t.is_empty()
                    && t.chars()
                        .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
            })
            .collect();
        assert!(ticks.contains(&"1".to_owned()), "{lang:?}: {ticks:?}");
        assert!(
            ticks.iter().all(|t| !t.contains(decimal_mark)),
            "{lang:?}: a fractional count tick: {ticks:?}"
        );
    }
}

#[test]
fn an_empty_notices_panel_says_so_and_lists_no_layer() {
    // No duplicates and no refused deliveries (a rate-limited run, silent
    // loss): the panel drew an empty frame, tenths on its axis and a
    // legend of "duplicates" alone.
    let mut summary = summary("");
    for s in &mut summary.strategies {
        s.duplicates = 0;
    }
    // 429s are requests the platform refused, not notices: they stay out
    // of this panel.
    summary.strategies[0].requests.rate_limited = 600;
    for (lang, none, duplicates) in [
        (
            Lang::En,
            "no duplicate notices, no rejected deliveries",
            "duplicates",
        ),
        (
            Lang::PtBr,
            "nenhum aviso duplicado, nenhuma entrega recusada",
            "duplicados",
        ),
    ] {
        let texts = texts_of(&chart(&summary, lang, "outcomes.svg"));
        assert!(texts.iter().any(|t| t == none), "{lang:?}: {texts:?}");
        assert!(
            !texts.iter().any(|t| t == duplicates),
            "{lang:?}: {texts:?}"
        );
        assert!(
            !texts.iter().any(|t| t.contains("429")),
            "{lang:?}: {texts:?}"
        );
    }
    // One strategy's duplicates bring the panel back, with that layer only.
    summary.strategies[2].duplicates = 4;
    let texts = texts_of(&chart(&summary, Lang::En, "outcomes.svg"));
    assert!(texts.iter().any(|t| t == "duplicates"), "{texts:?}");
    assert!(
        !texts.iter().any(|t| t.contains("no duplicate")),
        "{texts:?}"
    );
    assert!(
        !texts.iter().any(|t| t.contains("rejected deliveries:")),
        "{texts:?}"
    );
}

/// The heights of the `<rect>`s of an SVG filled with `colour`.
fn heights_of(svg: &str, colour: &str) -> Vec<f64> {
    svg.split("<rect")
        .skip(1)
        .filter_map(|r| {
            let tag = &r[..r.find('>')?];
            if !tag.contains(&format!("fill=\"{colour}\"")) {
                return None;
            }
            let h = tag.split("height=\"").nth(1)?;
            h[..h.find('"')?].parse().ok()
        })
        .collect()
}

#[test]
fn the_requests_chart_stacks_the_429s_in_proportion_and_says_they_are_outside_req_per_order() {
    let mut summary = summary("");
    // The first poller: 3600 polls, 3300 of them wasted (11 an order), and
    // 600 requests refused with 429 (2 an order).
    summary.strategies[0].requests.rate_limited = 600;
    let before = texts_of(&chart(&summary, Lang::En, "requests.svg"));
    for (lang, label) in [
        (
            Lang::En,
            "requests refused with 429 (rate limit; not in req/order)",
        ),
        (
            Lang::PtBr,
            "requisições recusadas com 429 (limite de taxa; fora de req./pedido)",
        ),
    ] {
        let svg = chart(&summary, lang, "requests.svg");
        let texts = texts_of(&svg);
        assert!(texts.iter().any(|t| t == label), "{lang:?}: {texts:?}");
        // The first strategy's indigo, at the wasted layer's tint (0.4)
        // and the 429 layer's (0.55): one bar each.
        let wasted = heights_of(&svg, "#ADA7CF");
        let limited = heights_of(&svg, "#8F85BE");
        assert_eq!((wasted.len(), limited.len()), (1, 1), "{lang:?}");
        let ratio = limited[0] / wasted[0];
        assert!(
            (ratio - 600.0 / 3300.0).abs() < 0.02,
            "{lang:?}: 429s {} px against wasted {} px",
            limited[0],
            wasted[0]
        );
    }
    // No 429 in the run, no such layer.
    summary.strategies[0].requests.rate_limited = 0;
    let texts = texts_of(&chart(&summary, Lang::En, "requests.svg"));
    assert!(!texts.iter().any(|t| t.contains("429")), "{texts:?}");
    assert!(before.iter().any(|t| t.contains("429")), "{before:?}");
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

/// Conflicting notices get a layer of their own in the notices panel, only
/// when some strategy had any.
#[test]
fn conflicting_notices_are_a_layer_of_the_notices_panel() {
    let mut summary = summary("");
    for lang in [Lang::En, Lang::PtBr] {
        let texts = texts_of(&chart(&summary, lang, "outcomes.svg"));
        assert!(
            !texts
                .iter()
                .any(|t| t.contains("conflit") || t.contains("conflict")),
            "{lang:?}: {texts:?}"
        );
    }
    summary.strategies[3].conflicts = 5;
    for (lang, legend) in [
        (Lang::En, "conflicting outcomes"),
        (Lang::PtBr, "desfechos conflitantes"),
    ] {
        let texts = texts_of(&chart(&summary, lang, "outcomes.svg"));
        assert!(texts.iter().any(|t| t == legend), "{lang:?}: {texts:?}");
    }
}
