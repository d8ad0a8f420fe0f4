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
