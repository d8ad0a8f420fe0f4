//! A report in Portuguese has no English left in its prose.

use crate::{summary, svg_texts};
use hooklab_core::lang::Lang;
use hooklab_report::{charts, render};

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
    let table_prose = table
        .replace("summary.json", "")
        .replace("crates/core/src/model/", "");
    assert_eq!(english_words(&table_prose), Vec::<String>::new(), "{table}");
    let md = render::markdown(&summary, Lang::PtBr);
    let md_prose = md
        .replace("summary.json", "")
        .replace("crates/core/src/model/", "")
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
    for (file, svg) in charts::all(&summary, Lang::PtBr).unwrap() {
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
